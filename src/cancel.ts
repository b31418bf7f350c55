/**
 * Cooperative cancellation for long work (trainers, evaluators, long loops).
 *
 * Long work takes an `AbortSignal` (option `signal`); when none is given it uses the ambient
 * signal, which the numlab kernel sets for the cell it is running (Kernel → Interrupt aborts it).
 * Between steps the work calls `await pace(signal)`: about every `intervalMs` (100 ms) of work it
 * yields to the event loop — so progress bars repaint and an interrupt can arrive — and it throws
 * `InterruptedError` once the signal is aborted. The caller catches nothing: the trainer saves
 * its checkpoint first and rethrows with the step it stopped at (`interruptedAt`).
 *
 * A plain loop that never awaits cannot be interrupted by anyone in JavaScript; add
 * `await nl.pace()` inside it.
 */

let ambient: AbortSignal | undefined;

/** Set (or clear) the signal long work uses when it is given none; the kernel sets one per cell. */
export function setAmbientSignal(signal: AbortSignal | undefined): void {
  ambient = signal;
}

/** The signal long work obeys: the one given, else the ambient one (the running cell's). */
export function activeSignal(signal?: AbortSignal): AbortSignal | undefined {
  return signal ?? ambient;
}

/** Thrown by `pace` when the work's signal is aborted. */
export class InterruptedError extends Error {
  constructor(message = "interrupted") {
    super(message);
    this.name = "InterruptedError";
  }
}

/** True for an `InterruptedError` or a DOM-style `AbortError`. */
export function isInterrupted(err: unknown): boolean {
  return err instanceof InterruptedError || (err instanceof Error && err.name === "AbortError");
}

/** Throw `InterruptedError` if the (given or ambient) signal is aborted. */
export function throwIfInterrupted(signal?: AbortSignal): void {
  const s = activeSignal(signal);
  if (s?.aborted) throw new InterruptedError(typeof s.reason === "string" ? s.reason : "interrupted");
}

let lastYield = Date.now();

/** Resolve on the next turn of the event loop (after pending I/O such as an interrupt request). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Call between steps of long work: yields to the event loop when `intervalMs` have passed since
 * the last yield (so the cost is a clock read per step), then throws `InterruptedError` if the
 * signal is aborted.
 */
export async function pace(signal?: AbortSignal, intervalMs = 100): Promise<void> {
  throwIfInterrupted(signal);
  const now = Date.now();
  if (now - lastYield >= intervalMs) {
    lastYield = now;
    await yieldToEventLoop();
    throwIfInterrupted(signal);
  }
}

/** The message a trainer ends with when interrupted: "interrupted at step N; last checkpoint at step M (resume with …)". */
export function interruptedAt(step: number, checkpointStep: number | null, resumeHint?: string): InterruptedError {
  const saved = checkpointStep === null ? "no checkpoint was saved" : `last checkpoint at step ${checkpointStep}`;
  return new InterruptedError(`interrupted at step ${step}; ${saved}${resumeHint ? ` (${resumeHint})` : ""}`);
}

/**
 * A signal for a command-line run: it aborts on the first SIGINT or SIGTERM (Ctrl-C, `kill`), so
 * the work stops at its next step boundary and saves its checkpoint; a second signal ends the
 * process at once (exit code 130). `dispose()` removes the handlers.
 */
export function signalOnInterrupt(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\nnumlab: ${name}: stopping at the next step (again to quit at once)\n`);
    controller.abort(`interrupted by ${name}`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** Run `work` with the signal of `signalOnInterrupt` (Ctrl-C stops it at a step boundary), removing the handlers after. */
export async function withInterruptSignal<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupt = signalOnInterrupt();
  try {
    return await work(interrupt.signal);
  } finally {
    interrupt.dispose();
  }
}

/** A command's exit after an interruption: print "numlab <command>: interrupted at step N; …" and return 130; rethrow any other error. */
export function interruptedExit(command: string, err: unknown): number {
  if (!isInterrupted(err)) throw err;
  process.stderr.write(`numlab ${command}: ${(err as Error).message}\n`);
  return 130;
}
