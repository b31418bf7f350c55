/**
 * `interact(fn, controls)`: controls above an Output widget; `fn` runs with the controls' values
 * once right away and again whenever one of them changes, its output (and its return value, shown
 * like a cell's last value) replacing the previous run's in the Output.
 *
 * Re-runs are debounced: a burst of changes (a slider being dragged, a word being typed) gives one
 * run `debounceMs` after the last change, and at least one run every `maxWaitMs` while the burst
 * lasts. A run never overlaps another one or a cell: in the kernel it is queued like a small cell.
 */
import { inspect } from "util";
import { DISPLAY_SYMBOL, MimeBundle, isDisplayable, sendDisplay } from "../display/bridge";
import { HBox, VBox } from "./controls";
import { kernelLink } from "./link";
import { Output } from "./output";
import { LayoutOptions, Widget } from "./widget";

/** A control `interact` reads: a widget with a `value`. */
export type Control<T = unknown> = Widget & { readonly value: T };

/** The values `fn` receives: one per control, by name. */
export type ControlValues<C extends Record<string, Control>> = { [K in keyof C]: C[K]["value"] };

export interface InteractOptions {
  /** Run this long after the last change (default 60 ms). */
  debounceMs?: number;
  /** While changes keep coming, run at least this often (default 300 ms). */
  maxWaitMs?: number;
  /** Controls side by side ("row") or one under another ("column", the default). */
  direction?: "row" | "column";
  /** Run `fn` once when the widget is made (default true). */
  runNow?: boolean;
  /** Layout of the output area, e.g. `{ min_height: "120px" }`. */
  outputLayout?: LayoutOptions;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") && typeof (value as PromiseLike<unknown>).then === "function";
}

/** Show a run's return value in the current output (the Output widget while capturing). */
function showResult(value: unknown): void | Promise<void> {
  if (value === undefined || value === null) return;
  if (isDisplayable(value)) {
    const bundle: unknown = value[DISPLAY_SYMBOL]();
    const send = (b: MimeBundle) => {
      if (!sendDisplay(b)) {
        const text = b["text/plain"];
        if (typeof text === "string") process.stdout.write(text.endsWith("\n") ? text : text + "\n");
      }
    };
    if (isPromiseLike(bundle)) return Promise.resolve(bundle).then((b) => send(b as MimeBundle));
    send(bundle as MimeBundle);
    return;
  }
  if (typeof value === "string") {
    process.stdout.write(value.endsWith("\n") ? value : value + "\n");
    return;
  }
  const link = kernelLink();
  if (link) return link.displayValue(value);
  process.stdout.write(inspect(value, { colors: false, depth: 4 }) + "\n");
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The widget `interact` returns: `controls` (by name) above `output`. */
export class Interactive<C extends Record<string, Control>> extends VBox {
  readonly controls: C;
  readonly output: Output;
  /** Runs finished so far. */
  runs = 0;
  /** Wall time of the last run in milliseconds (NaN before the first). */
  lastRunMs = Number.NaN;
  private readonly fn: (values: ControlValues<C>) => unknown;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private burstStart = 0;
  private dirty = false;
  private running: Promise<void> | null = null;
  /** The request (a comm_msg) behind the latest change: the re-run's output belongs to it. */
  private cause: unknown = null;
  private initial: Promise<void> | null = null;
  private readonly removers: Array<() => void> = [];

  constructor(fn: (values: ControlValues<C>) => unknown, controls: C, options: InteractOptions = {}) {
    const list = Object.values(controls);
    const output = new Output({ layout: options.outputLayout });
    super([options.direction === "row" ? new HBox(list) : new VBox(list), output]);
    this.controls = controls;
    this.output = output;
    this.fn = fn;
    this.debounceMs = options.debounceMs ?? 60;
    this.maxWaitMs = options.maxWaitMs ?? 300;
    for (const control of list) {
      // A Dropdown's selection is its `index`; the others change `value`.
      this.removers.push(control.observe(["value", "index"], () => this.changed()));
    }
    if (options.runNow ?? true) {
      const first = this.runOnce();
      if (isPromiseLike(first)) this.initial = Promise.resolve(first).finally(() => (this.initial = null));
    }
  }

  /** The controls' current values. */
  values(): ControlValues<C> {
    return Object.fromEntries(Object.entries(this.controls).map(([name, control]) => [name, control.value])) as ControlValues<C>;
  }

  /** Run `fn` now (queued behind the cell or task in progress when inside the kernel). */
  run(): Promise<void> {
    this.dirty = true;
    this.launch();
    return this.settled();
  }

  /** Resolves when no run is waiting or in progress. */
  async settled(): Promise<void> {
    for (;;) {
      if (this.initial) await this.initial;
      else if (this.running) await this.running;
      else if (this.timer) await delay(Math.max(5, this.debounceMs / 2));
      else return;
    }
  }

  /** Stop reacting to the controls. */
  stop(): void {
    this.removers.splice(0).forEach((remove) => remove());
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  override close(): void {
    this.stop();
    super.close();
  }

  private changed(): void {
    this.dirty = true;
    this.cause = kernelLink()?.currentParent() ?? null;
    if (this.running) return; // re-run with the latest values when this run ends
    const now = Date.now();
    if (!this.timer) this.burstStart = now;
    else clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.debounceMs, this.burstStart + this.maxWaitMs - now));
    this.timer = setTimeout(() => this.launch(), wait);
  }

  private launch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.dirty || this.running) return;
    this.dirty = false;
    const link = kernelLink();
    const task = () => this.runOnce();
    const run = link
      ? link.schedule(task, this.cause)
      : Promise.resolve()
          .then(task)
          .then(() => undefined);
    this.running = run.finally(() => {
      this.running = null;
      if (this.dirty) this.changed();
    });
  }

  private runOnce(): void | Promise<void> {
    const values = this.values();
    const t0 = performance.now();
    const done = () => {
      this.runs += 1;
      this.lastRunMs = performance.now() - t0;
    };
    const result = this.output.capture(
      () => {
        const value = this.fn(values);
        return isPromiseLike(value) ? Promise.resolve(value).then(showResult) : showResult(value);
      },
      { clear: true },
    );
    if (isPromiseLike(result)) return Promise.resolve(result).then(done);
    done();
  }

  protected override summary(): string {
    return `controls=[${Object.entries(this.controls)
      .map(([name, c]) => `${name}=${JSON.stringify(c.value)}`)
      .join(", ")}], runs=${this.runs}`;
  }

  override toString(): string {
    return `Interactive(${this.summary()})`;
  }

  /** Shown after the first run (a promise when `fn` is async: the kernel awaits it). */
  override [DISPLAY_SYMBOL](): MimeBundle {
    const initial = this.initial;
    if (initial) return initial.then(() => super[DISPLAY_SYMBOL]()) as unknown as MimeBundle;
    return super[DISPLAY_SYMBOL]();
  }
}

/**
 * Controls that re-run `fn` on every change, e.g.
 * `interact(({ k }) => table(top(k)), { k: new IntSlider({ min: 1, max: 10, value: 3 }) })`.
 */
export function interact<C extends Record<string, Control>>(
  fn: (values: ControlValues<C>) => unknown,
  controls: C,
  options: InteractOptions = {},
): Interactive<C> {
  return new Interactive(fn, controls, options);
}
