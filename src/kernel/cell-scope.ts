/**
 * What a cell leaves running. A timer set (through the globals setTimeout, setInterval,
 * setImmediate) while a cell runs belongs to that cell, unless the kernel's own message handling
 * set it (`asKernel`); so does a timer set by a callback of one of its timers, or by what that
 * callback resolved (the continuation of `await sleep(1)`), after the cell is over. Once an
 * interrupted cell is over, its scope is "stopped" and its timers'
 * callbacks no longer run (intervals are cleared), so a loop like `for (;;) { await sleep(1); … }`
 * ends with its cell instead of running on in the background. Work driven by I/O alone is not
 * covered.
 *
 * (Not an AsyncLocalStorage: that turns on async hooks, and with async hooks on, Node.js aborts
 * the process when the interrupt watchdog terminates a promise callback; see ./interrupt.ts.)
 */
import { promisify } from "util";

/** The code of one cell, and whether its leftover callbacks may still run. */
export class CellScope {
  private stoppedFlag = false;

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /** From now on, timers set by this cell's code do nothing. */
  stop(): void {
    this.stoppedFlag = true;
  }
}

let active: CellScope | null = null;
let kernelDepth = 0;

/** The running cell's scope (null between cells): timers set from now on belong to it. */
export function setActiveScope(scope: CellScope | null): void {
  active = scope;
}

/** Run the kernel's own (synchronous) work: timers it sets belong to no cell. */
export function asKernel<T>(work: () => T): T {
  kernelDepth++;
  try {
    return work();
  } finally {
    kernelDepth--;
  }
}

/** The scope a timer set now belongs to (null: the kernel's, or no cell runs). */
export function currentScope(): CellScope | null {
  return kernelDepth > 0 ? null : active;
}

type TimerFn = (callback: (...args: unknown[]) => void, ...rest: unknown[]) => unknown;

/**
 * Call a timer's callback as code of `scope`: timers set by it, and by the continuations it
 * resolves (they run as this turn's microtasks, queued before the reset below), belong to `scope`.
 */
function callInScope(scope: CellScope, callback: (...args: unknown[]) => unknown, self: unknown, args: unknown[]): unknown {
  const previous = active;
  active = scope;
  try {
    return callback.apply(self, args);
  } finally {
    queueMicrotask(() => {
      if (active === scope) active = previous;
    });
  }
}

/** Keep `original`'s util.promisify form (setTimeout/setImmediate have one). */
function withPromisified<T extends object>(wrapper: T, original: object): T {
  const custom = (original as Record<symbol, unknown>)[promisify.custom];
  if (custom) Object.defineProperty(wrapper, promisify.custom, { value: custom, configurable: true });
  return wrapper;
}

/**
 * Make the global timer functions scope-aware (the kernel process does this once). Returns the undo.
 * Kernel code keeps its own references to the original functions where it must never be stopped.
 */
export function guardTimers(): () => void {
  const g = globalThis as unknown as Record<"setTimeout" | "setInterval" | "setImmediate" | "clearInterval", TimerFn>;
  const original = { setTimeout: g.setTimeout, setInterval: g.setInterval, setImmediate: g.setImmediate };
  const clearInterval = g.clearInterval;
  const once = (name: "setTimeout" | "setImmediate"): TimerFn =>
    withPromisified(
      function (this: unknown, callback, ...rest) {
        const scope = currentScope();
        if (!scope || typeof callback !== "function") return original[name].call(this, callback, ...rest);
        return original[name].call(
          this,
          function (this: unknown, ...args: unknown[]) {
            if (!scope.stopped) return callInScope(scope, callback, this, args);
          },
          ...rest,
        );
      } as TimerFn,
      original[name],
    );
  g.setTimeout = once("setTimeout");
  g.setImmediate = once("setImmediate");
  g.setInterval = function (this: unknown, callback, ...rest) {
    const scope = currentScope();
    if (!scope || typeof callback !== "function") return original.setInterval.call(this, callback, ...rest);
    const timer: unknown = original.setInterval.call(
      this,
      function (this: unknown, ...args: unknown[]) {
        if (scope.stopped) clearInterval(timer as never);
        else return callInScope(scope, callback, this, args);
      },
      ...rest,
    );
    return timer;
  } as TimerFn;
  return () => {
    g.setTimeout = original.setTimeout;
    g.setImmediate = original.setImmediate;
    g.setInterval = original.setInterval;
  };
}
