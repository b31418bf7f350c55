/**
 * Kernel → Interrupt for the numlab kernel.
 *
 * Jupyter interrupts the kernel with SIGINT (kernel.json: `interrupt_mode: "signal"`). Node.js
 * hands a signal to JavaScript only when the main thread's event loop gets a turn, which a cell
 * stuck in `await Promise.resolve(); while (true) {}` (or in a loop that only awaits promises that
 * are already resolved) never gives it. So a helper thread owns SIGINT:
 *
 * - It waits inside `vm` with `breakOnSigint` (Node's own SIGINT watchdog, which runs on a thread of
 *   its own and stops whichever vm script registered last). While the main thread runs the
 *   synchronous part of a cell (tslab runs it with `breakOnSigint` too), the signal stops that part;
 *   otherwise it wakes the helper.
 * - The helper tells the main thread (a message, `onInterrupt`), which acknowledges it at its next
 *   turn of the event loop. Cooperative work (`await pace()`) stops there at its next step.
 * - If the main thread does not acknowledge in time while a cell's code runs and the kernel itself
 *   is not busy, the helper stops the running JavaScript with the inspector's
 *   `Runtime.terminateExecution` (a session connected to the main thread from the helper, no port);
 *   V8 cancels the termination once that turn's JavaScript has unwound, and the kernel goes on
 *   (`onTerminated`). Terminated code gets no `catch`/`finally`: it is abandoned as it stood.
 *   "In time" is `graceMs` (400 ms) for a cell that has not let the event loop turn since it
 *   started or for a second before the interrupt (a stuck loop), and `cooperativeGraceMs` (3 s) for
 *   one that did (a trainer in a long step: it stops cleanly at the step's end). A second interrupt
 *   while the helper waits terminates at once.
 *
 * Not while async hooks are on (an AsyncLocalStorage in use, such as an Output widget's capture):
 * Node.js then checks that every callback popped its async context, and a terminated promise
 * callback has not, so it would abort the process. The helper then leaves the cell alone and says
 * so in the kernel's log.
 *
 * Without worker threads or the inspector the kernel falls back to `process.on("SIGINT")`
 * (`mode: "signal-handler"`): cooperative interrupts only.
 */
import { executionAsyncId } from "async_hooks";
import { Worker } from "worker_threads";

/** Slots of the shared Int32Array. */
const SLOT = {
  /** The helper's idle wait (only woken to stop). */
  wake: 0,
  /** SIGINTs the helper has seen. */
  seq: 1,
  /** The last of them the main thread has handled. */
  ack: 2,
  /** 1 while the code of a cell runs (from its first line until its promise settles). */
  cell: 3,
  /** > 0 while the kernel runs synchronous work of its own (compiling, inspecting): never terminated. */
  busy: 4,
  /** 1: the helper should stop. */
  stop: 5,
  /** Times the helper terminated the main thread's JavaScript. */
  terminations: 6,
  /** 1 once the helper has disconnected its inspector session and ended. */
  done: 7,
  /** When the main thread last had a turn of its event loop during the running cell (ms since `epoch`; 0: not since it started). */
  turn: 8,
  /** 1 when async hooks are on (an AsyncLocalStorage is in use): then Node.js aborts if a promise callback is terminated, so the helper must not. */
  hooks: 9,
} as const;

/** Node's own setInterval (a cell's scope must never own the kernel's timers). */
const kernelSetInterval = setInterval;

/** How often the main thread notes a turn of its event loop while a cell runs (ms). */
const TURN_INTERVAL_MS = 50;

export type InterruptMode = "thread" | "signal-handler";

export interface InterruptHandlers {
  /** A SIGINT arrived (called on the main thread at its next turn). */
  onInterrupt(): void;
  /** The helper stopped the main thread's JavaScript after waiting `waitedMs` for it (called once the main thread runs again). */
  onTerminated(waitedMs: number): void;
}

export interface InterruptOptions {
  /** How long a stuck main thread may take to see an interrupt before its JavaScript is terminated. Default 400 ms (NUMLAB_INTERRUPT_GRACE_MS). */
  graceMs?: number;
  /** The same for a cell that lets the event loop turn now and then (a long step of cooperative work). Default 3000 ms. */
  cooperativeGraceMs?: number;
  /** Use only `process.on("SIGINT")` (cooperative interrupts). */
  noThread?: boolean;
}

/** The helper thread's code (plain CommonJS, run with `eval: true` so it works from dist/ and under tsx alike). */
const HELPER = String.raw`
const { parentPort, workerData } = require("worker_threads");
const vm = require("vm");
const inspector = require("inspector");
const i32 = new Int32Array(workerData.buffer);
const S = workerData.slots;
const { graceMs, cooperativeGraceMs, epoch } = workerData;
const fs = require("fs");
const session = new inspector.Session();
session.connectToMainThread();
globalThis.__numlabInterrupt = { i32, S, ms: 0, expected: 0 };
// Each wait runs as a vm script with breakOnSigint: a SIGINT throws out of it.
const idle = new vm.Script("{ const x = globalThis.__numlabInterrupt; while (Atomics.load(x.i32, x.S.stop) === 0) Atomics.wait(x.i32, x.S.wake, 0, 250); }");
const waitAck = new vm.Script("{ const x = globalThis.__numlabInterrupt; Atomics.wait(x.i32, x.S.ack, x.expected, x.ms); }");
function interruptible(script) {
  try {
    script.runInThisContext({ breakOnSigint: true });
    return false;
  } catch (e) {
    return true;
  }
}
function sigint() {
  const seq = Atomics.add(i32, S.seq, 1) + 1;
  parentPort.postMessage({ type: "sigint", seq });
  return seq;
}
function onSigint() {
  const start = Date.now();
  let seq = sigint();
  const turn = Atomics.load(i32, S.turn);
  const cooperative = turn > 0 && start - (epoch + turn) < 1000;
  let deadline = start + (cooperative ? cooperativeGraceMs : graceMs);
  for (;;) {
    const ack = Atomics.load(i32, S.ack);
    if (ack >= seq || Atomics.load(i32, S.stop) !== 0) return;
    const left = deadline - Date.now();
    if (left <= 0) break;
    globalThis.__numlabInterrupt.expected = ack;
    globalThis.__numlabInterrupt.ms = Math.min(left, 50);
    if (interruptible(waitAck)) {
      seq = sigint(); // interrupted again while waiting: stop waiting
      deadline = Date.now();
    }
  }
  // The main thread has not seen the interrupt: wait while the kernel does work of its own.
  while (Atomics.load(i32, S.busy) > 0 && Atomics.load(i32, S.ack) < seq && Atomics.load(i32, S.stop) === 0) {
    Atomics.wait(i32, S.busy, Atomics.load(i32, S.busy), 50);
  }
  if (Atomics.load(i32, S.ack) < seq && Atomics.load(i32, S.cell) !== 0 && Atomics.load(i32, S.busy) === 0) {
    if (Atomics.load(i32, S.hooks) !== 0) {
      fs.writeSync(2, "[numlab kernel] the cell does not let the event loop turn, and it cannot be stopped by force while async hooks are on (an AsyncLocalStorage is in use): restart the kernel\n");
      return;
    }
    session.post("Runtime.terminateExecution");
    Atomics.add(i32, S.terminations, 1);
    parentPort.postMessage({ type: "terminated", seq, waitedMs: Date.now() - start });
  }
}
// The outer script keeps one SIGINT watchdog registered for the helper's whole life: Node restores
// the default SIGINT action (exit) whenever the last watchdog ends, so there must always be one.
globalThis.__numlabLoop = () => {
  while (Atomics.load(i32, S.stop) === 0) {
    if (interruptible(idle)) onSigint();
  }
};
parentPort.postMessage({ type: "ready" });
while (Atomics.load(i32, S.stop) === 0) {
  try {
    vm.runInThisContext("globalThis.__numlabLoop()", { breakOnSigint: true });
  } catch (e) {
    onSigint(); // a SIGINT between two waits
  }
}
session.disconnect();
Atomics.store(i32, S.done, 1);
Atomics.notify(i32, S.done);
`;

function defaultGraceMs(): number {
  const fromEnv = Number(process.env.NUMLAB_INTERRUPT_GRACE_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 400;
}

/** SIGINT handling for the kernel (see the file comment). */
export class InterruptWatchdog {
  readonly graceMs: number;
  readonly cooperativeGraceMs: number;
  private readonly state = new Int32Array(new SharedArrayBuffer(4 * 10));
  private readonly epoch = Date.now();
  private turnTimer: NodeJS.Timeout | null = null;
  private worker: Worker | null = null;
  private sigintListener: (() => void) | null = null;
  private currentMode: InterruptMode = "signal-handler";
  private readonly ready: Promise<InterruptMode>;

  constructor(
    private readonly handlers: InterruptHandlers,
    options: InterruptOptions = {},
  ) {
    this.graceMs = options.graceMs ?? defaultGraceMs();
    this.cooperativeGraceMs = Math.max(this.graceMs, options.cooperativeGraceMs ?? 3000);
    this.ready = options.noThread ? Promise.resolve(this.listen()) : this.startThread();
  }

  /** "thread" once the helper owns SIGINT, else "signal-handler". */
  get mode(): InterruptMode {
    return this.currentMode;
  }

  /** Resolves with the mode once the helper is running (or has failed to start). */
  whenReady(): Promise<InterruptMode> {
    return this.ready;
  }

  /** How many times the helper terminated the main thread's JavaScript. */
  get terminations(): number {
    return Atomics.load(this.state, SLOT.terminations);
  }

  /** The code of a cell starts (or ends: `false`); only then may a stuck main thread be terminated. */
  setCellRunning(running: boolean): void {
    Atomics.store(this.state, SLOT.turn, 0);
    Atomics.store(this.state, SLOT.cell, running ? 1 : 0);
    if (this.turnTimer) clearInterval(this.turnTimer);
    this.turnTimer = null;
    if (running && this.worker) {
      this.noteHooks();
      // Note each turn of the event loop (a timer runs only when the loop turns).
      this.turnTimer = kernelSetInterval(() => {
        Atomics.store(this.state, SLOT.turn, Math.max(1, Date.now() - this.epoch));
        this.noteHooks();
      }, TURN_INTERVAL_MS);
      this.turnTimer.unref();
    }
  }

  /** Are async hooks on? With them off, a promise callback runs with no async id of its own. */
  private noteHooks(): void {
    void Promise.resolve().then(() => Atomics.store(this.state, SLOT.hooks, executionAsyncId() === 0 ? 0 : 1));
  }

  /** Run the kernel's own synchronous work (compiling, inspecting): never terminated. */
  kernelWork<T>(work: () => T): T {
    Atomics.add(this.state, SLOT.busy, 1);
    try {
      return work();
    } finally {
      Atomics.sub(this.state, SLOT.busy, 1);
      Atomics.notify(this.state, SLOT.busy);
    }
  }

  /** Stop the helper (before the process exits: the helper disconnects its inspector session first). */
  stop(): void {
    if (this.turnTimer) clearInterval(this.turnTimer);
    this.turnTimer = null;
    if (this.sigintListener) process.removeListener("SIGINT", this.sigintListener);
    this.sigintListener = null;
    if (!this.worker) return;
    Atomics.store(this.state, SLOT.stop, 1);
    Atomics.notify(this.state, SLOT.wake);
    Atomics.notify(this.state, SLOT.ack);
    if (this.currentMode === "thread") Atomics.wait(this.state, SLOT.done, 0, 300);
    void this.worker.terminate();
    this.worker = null;
  }

  private listen(): InterruptMode {
    this.sigintListener = () => this.handlers.onInterrupt();
    process.on("SIGINT", this.sigintListener);
    this.currentMode = "signal-handler";
    return this.currentMode;
  }

  private startThread(): Promise<InterruptMode> {
    let worker: Worker;
    try {
      worker = new Worker(HELPER, {
        eval: true,
        workerData: { buffer: this.state.buffer, slots: SLOT, graceMs: this.graceMs, cooperativeGraceMs: this.cooperativeGraceMs, epoch: this.epoch },
        stdout: false,
        stderr: false,
      });
    } catch {
      return Promise.resolve(this.listen());
    }
    this.worker = worker;
    worker.unref();
    return new Promise<InterruptMode>((resolve) => {
      worker.on("message", (message: { type: string; seq?: number; waitedMs?: number }) => {
        if (message.type === "ready") {
          this.currentMode = "thread";
          resolve(this.currentMode);
        } else if (message.type === "sigint") {
          const seq = message.seq ?? 0;
          if (seq > Atomics.load(this.state, SLOT.ack)) Atomics.store(this.state, SLOT.ack, seq);
          Atomics.notify(this.state, SLOT.ack);
          this.handlers.onInterrupt();
        } else if (message.type === "terminated") {
          this.handlers.onTerminated(message.waitedMs ?? this.graceMs);
        }
      });
      const fallBack = () => {
        if (this.worker !== worker) return;
        this.worker = null;
        resolve(this.listen());
      };
      worker.on("error", fallBack);
      worker.on("exit", fallBack);
    });
  }
}
