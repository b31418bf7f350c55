/**
 * `process.exit` inside the kernel. A cell (or a library it calls) that exits the process would
 * otherwise kill the kernel silently; IPython turns `exit()` into a clean restart, and so does
 * numlab: the call stops the cell there (it throws `ProcessExitRequest`), the kernel says so in the
 * cell's output, answers the request, and exits, and Jupyter starts a fresh kernel.
 */

/** `process.exit` as Node.js defines it: the kernel's own exits use this one. */
export const exitProcess: (code?: number) => never = process.exit.bind(process) as (code?: number) => never;

/** Thrown by `process.exit` in the kernel: unwinds the cell, as Python's SystemExit does. */
export class ProcessExitRequest extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code}) was called: the kernel restarts`);
    this.name = "ProcessExit";
  }
}

/** The exit code `process.exit(code)` means: the number given, else `process.exitCode`, else 0. */
export function exitCodeOf(code: unknown): number {
  const value = code ?? process.exitCode ?? 0;
  const n = typeof value === "number" ? value : Number.parseInt(String(value), 10);
  return Number.isFinite(n) ? n : 1;
}

/** Replace `process.exit`: `onExit` hears the code, then `ProcessExitRequest` unwinds the caller. Returns the undo. */
export function interceptProcessExit(onExit: (code: number) => void): () => void {
  const previous = process.exit;
  process.exit = ((code?: unknown) => {
    const n = exitCodeOf(code);
    onExit(n);
    throw new ProcessExitRequest(n);
  }) as typeof process.exit;
  return () => {
    process.exit = previous;
  };
}
