/**
 * The one place that talks to the Jupyter kernel. Inside the numlab kernel (or stock tslab)
 * `sendDisplay` emits a display_data / update_display_data message carrying a whole mime
 * bundle; outside a kernel (CLI, tests) `inKernel()` is false and callers fall back to text.
 */

/** A Jupyter mime bundle: mime type → data (JSON types are sent as objects, not strings). */
export type MimeBundle = Record<string, unknown>;

/** The display protocol shared with Deno's kernel and nodejs-polars. */
export const DISPLAY_SYMBOL: unique symbol = Symbol.for("Jupyter.display") as never;

export interface Displayable {
  [DISPLAY_SYMBOL](): MimeBundle;
}

export function isDisplayable(value: unknown): value is Displayable {
  return (
    value !== null && (typeof value === "object" || typeof value === "function") && typeof (value as Record<symbol, unknown>)[DISPLAY_SYMBOL] === "function"
  );
}

type WriteDisplayData = (content: { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void;

/** Hooks a kernel may install on globalThis (the numlab kernel does, see src/kernel). */
export interface KernelHooks {
  clearOutput?: (wait: boolean) => void;
  /** Sends display_data / update_display_data for the current cell (set by the numlab kernel). */
  writeDisplayData?: WriteDisplayData;
}
export const KERNEL_HOOKS: unique symbol = Symbol.for("numlab.kernel.hooks") as never;

function tslabWriter(): WriteDisplayData | null {
  // The numlab kernel's hook works even when this module and the kernel load different tslab copies.
  const hook = (globalThis as Record<symbol, KernelHooks | undefined>)[KERNEL_HOOKS]?.writeDisplayData;
  if (hook) return hook;
  try {
    const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: WriteDisplayData | null };
    return jupyter.lastWriteDisplayData ?? null;
  } catch {
    return null;
  }
}

/** True when code runs inside a Jupyter kernel that can show rich output. */
export function inKernel(): boolean {
  return tslabWriter() !== null;
}

export interface SendOptions {
  /** Give a display id to update the same output later. */
  displayId?: string;
  /** Replace the output previously sent with `displayId`. */
  update?: boolean;
  metadata?: Record<string, unknown>;
}

/** Send a mime bundle to the notebook. Returns false (and does nothing) outside a kernel. */
export function sendDisplay(bundle: MimeBundle, options: SendOptions = {}): boolean {
  const write = tslabWriter();
  if (!write) return false;
  write(
    {
      data: bundle,
      metadata: options.metadata ?? {},
      transient: options.displayId ? { display_id: options.displayId } : {},
    },
    Boolean(options.update && options.displayId),
  );
  return true;
}

/** Clear the current cell's output (`wait`: clear when the next output arrives). */
export function clearOutput(wait = false): boolean {
  const hooks = (globalThis as Record<symbol, KernelHooks | undefined>)[KERNEL_HOOKS];
  if (hooks?.clearOutput) {
    hooks.clearOutput(wait);
    return true;
  }
  return false;
}

/** Show any value with a display method: in a kernel as rich output, elsewhere as text on stdout. */
export function display(value: Displayable): void {
  const bundle = value[DISPLAY_SYMBOL]();
  if (!sendDisplay(bundle)) {
    const text = bundle["text/plain"];
    if (typeof text === "string") process.stdout.write(text.endsWith("\n") ? text : text + "\n");
  }
}

let counter = 0;
/** A fresh id for display_id or DOM element ids. */
export function newId(prefix = "numlab"): string {
  counter += 1;
  return `${prefix}-${process.pid.toString(36)}-${Date.now().toString(36)}-${counter}`;
}
