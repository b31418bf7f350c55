/**
 * The Output widget: an output area that code writes into. `out.capture(fn)` sends what `fn`
 * prints or shows (console, `show`, `table`, `display`, `clearOutput`, also from the promises and
 * timers it starts) into the widget instead of the cell.
 *
 * How it reaches the front-end depends on the protocol: version 2 front-ends (JupyterLab 4,
 * nbclient) get the outputs as the model's `outputs` attribute, sent once when the capture ends
 * (so a re-run replaces the old outputs without flicker); version 1 front-ends (Debian's classic
 * Notebook extension) route IOPub messages whose parent is the model's `msg_id` into the widget,
 * so the kernel publishes the captured output under a parent id of its own and points `msg_id`
 * at it while capturing. Either way the kernel keeps a copy of the outputs for snapshots.
 */
import { randomUUID } from "crypto";
import { MimeBundle, clearOutput, sendDisplay } from "../display/bridge";
import { escapeHtml } from "../display/html";
import { KernelCommLink, OutputSink, kernelLink } from "./link";
import { DOM_DEFAULTS, DOMWidget, DOMWidgetOptions, ModelSpec } from "./widget";

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: string;
}

export interface DisplayOutput {
  output_type: "display_data";
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}

/** One output as nbformat stores it. */
export type NotebookOutput = StreamOutput | DisplayOutput | ErrorOutput;

export interface CaptureOptions {
  /** Replace what the widget shows (cleared when the first new output arrives, or at the end). */
  clear?: boolean;
}

const OUTPUT_SPEC: ModelSpec = {
  name: "Output",
  model: "OutputModel",
  view: "OutputView",
  module: "output",
  defaults: { ...DOM_DEFAULTS, msg_id: "", outputs: [] as NotebookOutput[] },
};

/** How often a long capture sends its outputs so far (protocol 2). */
const INTERIM_FLUSH_MS = 250;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") && typeof (value as PromiseLike<unknown>).then === "function";
}

function errorOutput(error: unknown): ErrorOutput {
  if (error instanceof Error) {
    const frames = (error.stack ?? "")
      .split("\n")
      .filter((l) => /^\s+at /.test(l) && !/node_modules[\\/]tslab|[\\/](src|dist)[\\/](kernel|widgets)[\\/]|\(node:/.test(l));
    return { output_type: "error", ename: error.name || "Error", evalue: error.message, traceback: [`${error.name || "Error"}: ${error.message}`, ...frames] };
  }
  return { output_type: "error", ename: "Error", evalue: String(error), traceback: [`Uncaught ${String(error)}`] };
}

export class Output extends DOMWidget {
  /** The kernel's copy of the outputs being built (attribute `outputs` is set from it). */
  private buffer: NotebookOutput[] = [];
  private pendingClear = false;
  private readonly displayIds = new Map<string, number>();

  constructor(options: DOMWidgetOptions = {}) {
    super(OUTPUT_SPEC, {}, options);
  }

  /** What the widget shows (the kernel's copy). */
  get outputs(): readonly NotebookOutput[] {
    return this.get<NotebookOutput[]>("outputs");
  }

  /**
   * Run `fn` with its output going into this widget. Errors `fn` throws are shown in the widget
   * (as ipywidgets' `with out:` does) and the result is then undefined.
   */
  capture<T>(fn: () => Promise<T>, options?: CaptureOptions): Promise<T | undefined>;
  capture<T>(fn: () => T, options?: CaptureOptions): T | undefined;
  capture<T>(fn: () => T | Promise<T>, options: CaptureOptions = {}): T | undefined | Promise<T | undefined> {
    const session = new CaptureSession(this, kernelLink(), options.clear ?? false);
    let result: T | Promise<T>;
    try {
      result = session.run(fn);
    } catch (error) {
      session.fail(error);
      session.end();
      return undefined;
    }
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then(
        (value) => {
          session.end();
          return value;
        },
        (error: unknown) => {
          session.fail(error);
          session.end();
          return undefined;
        },
      );
    }
    session.end();
    return result;
  }

  /** Remove what the widget shows (`wait`: when the next output arrives). */
  clear(wait = false): void {
    if (kernelLink() && this.connected) {
      this.capture(() => {
        clearOutput(wait);
      });
      return;
    }
    this.recordClear(wait);
    this.flush();
  }

  /** Add text as stdout. */
  appendStdout(text: string): void {
    this.append({ output_type: "stream", name: "stdout", text });
  }

  /** Add text as stderr. */
  appendStderr(text: string): void {
    this.append({ output_type: "stream", name: "stderr", text });
  }

  /** Add a mime bundle (e.g. `table(rows)[Symbol.for("Jupyter.display")]()`). */
  appendDisplay(data: MimeBundle, metadata: Record<string, unknown> = {}): void {
    this.append({ output_type: "display_data", data, metadata });
  }

  private append(output: StreamOutput | DisplayOutput): void {
    if (kernelLink() && this.connected) {
      this.capture(() => {
        if (output.output_type === "stream") (output.name === "stdout" ? process.stdout : process.stderr).write(output.text);
        else sendDisplay(output.data, { metadata: output.metadata });
      });
      return;
    }
    this.record(output);
    this.flush();
  }

  /** @internal Record an output in the kernel's copy. */
  record(output: NotebookOutput, displayId?: string): void {
    if (this.pendingClear) {
      this.buffer = [];
      this.displayIds.clear();
      this.pendingClear = false;
    }
    const last = this.buffer[this.buffer.length - 1];
    if (output.output_type === "stream" && last?.output_type === "stream" && last.name === output.name) {
      this.buffer[this.buffer.length - 1] = { ...last, text: last.text + output.text };
      return;
    }
    if (displayId) this.displayIds.set(displayId, this.buffer.length);
    this.buffer.push(output);
  }

  /** @internal An update_display_data: replace the output shown under `displayId`. */
  recordUpdate(displayId: string, output: DisplayOutput): boolean {
    const at = this.displayIds.get(displayId);
    if (at === undefined || at >= this.buffer.length) return false;
    this.buffer[at] = output;
    return true;
  }

  /** @internal */
  recordClear(wait: boolean): void {
    if (wait) this.pendingClear = true;
    else {
      this.buffer = [];
      this.displayIds.clear();
      this.pendingClear = false;
    }
  }

  /** @internal Apply a clear still waiting for output (a capture that printed nothing). */
  settleClear(): void {
    if (this.pendingClear) this.recordClear(false);
  }

  /** @internal Publish the kernel's copy as the `outputs` attribute (protocol 2; kept locally for version 1). */
  flush(): void {
    this.set({ outputs: this.buffer.slice() });
  }

  /** @internal True when connected to a version-1 front-end. */
  legacyConnected(): boolean {
    return this.connected && this.wireProtocol() === 1;
  }

  protected override legacyWireState(state: Record<string, unknown>, full: boolean): Record<string, unknown> {
    const out = super.legacyWireState(state, full);
    delete out.outputs; // version 1 front-ends capture messages themselves (msg_id)
    return out;
  }

  protected override summary(): string {
    return `${this.outputs.length} output${this.outputs.length === 1 ? "" : "s"}`;
  }

  override snapshotHtml(): string {
    const parts = this.outputs.map((o) => {
      if (o.output_type === "stream") {
        const color = o.name === "stderr" ? "background:#fdd;" : "";
        return `<pre style="margin:0;${color}">${escapeHtml(o.text)}</pre>`;
      }
      if (o.output_type === "error") return `<pre style="margin:0;color:#b00">${escapeHtml(o.traceback.join("\n"))}</pre>`;
      const data = o.data;
      if (typeof data["text/html"] === "string") return `<div>${data["text/html"]}</div>`;
      if (typeof data["image/svg+xml"] === "string") return `<div>${data["image/svg+xml"]}</div>`;
      if (typeof data["image/png"] === "string") return `<img src="data:image/png;base64,${escapeHtml(data["image/png"])}">`;
      if (typeof data["text/plain"] === "string") return `<pre style="margin:0">${escapeHtml(data["text/plain"])}</pre>`;
      return "";
    });
    return `<div style="${this.layoutCss()}">${parts.join("")}</div>`;
  }
}

/** One `capture` call. */
class CaptureSession {
  private readonly legacy: boolean;
  private readonly sink: OutputSink;
  private timer: ReturnType<typeof setInterval> | null = null;
  private dirty = false;

  constructor(
    private readonly out: Output,
    private readonly link: KernelCommLink | null,
    private readonly clear: boolean,
  ) {
    this.legacy = Boolean(link) && out.legacyConnected();
    const parentId = this.legacy ? `numlab-output-${randomUUID()}` : undefined;
    this.sink = {
      parentId,
      stream: (name, text) => {
        out.record({ output_type: "stream", name, text });
        this.changed();
        return !this.legacy;
      },
      display: (content, update) => {
        const output: DisplayOutput = { output_type: "display_data", data: content.data, metadata: content.metadata ?? {} };
        const id = typeof content.transient?.display_id === "string" ? content.transient.display_id : undefined;
        if (update) {
          if (id) out.recordUpdate(id, output);
        } else out.record(output, id);
        this.changed();
        return !this.legacy;
      },
      clear: (wait) => {
        out.recordClear(wait);
        this.changed();
        return !this.legacy;
      },
    };
  }

  private changed(): void {
    this.dirty = true;
    if (!this.legacy && this.link && !this.timer) {
      this.timer = setInterval(() => {
        if (this.dirty) {
          this.dirty = false;
          this.out.flush();
        }
      }, INTERIM_FLUSH_MS);
      this.timer.unref?.();
    }
  }

  run<T>(fn: () => T): T {
    const link = this.link;
    if (!link) {
      if (this.clear) this.out.recordClear(true);
      return fn();
    }
    if (this.legacy) this.out.set({ msg_id: this.sink.parentId });
    return link.withOutputSink(this.sink, () => {
      if (this.clear) {
        if (this.legacy) clearOutput(true);
        else this.out.recordClear(true);
      }
      return fn();
    });
  }

  fail(error: unknown): void {
    const output = errorOutput(error);
    if (this.legacy && this.link) {
      this.link.withOutputSink(this.sink, () => process.stderr.write(output.traceback.join("\n") + "\n"));
    } else {
      this.out.record(output);
      if (!this.link) process.stderr.write(output.traceback.join("\n") + "\n");
    }
  }

  end(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.out.settleClear();
    this.out.flush();
    if (this.legacy) this.out.set({ msg_id: "" });
  }
}
