/**
 * What the widget library needs from a Jupyter kernel, and how it finds it. The numlab kernel
 * (src/kernel/server.ts) implements `KernelCommLink` and puts it on `globalThis` under
 * `Symbol.for("numlab.kernel.comms")`, so the library works even when the kernel and the notebook
 * load different copies of numlab (dist/ and node_modules/numlab). Outside a kernel (CLI, scripts,
 * unit tests without a harness) there is no link: widgets keep their state locally and show a text
 * fallback.
 */
import type { MimeBundle } from "../display/bridge";

export const KERNEL_COMMS: unique symbol = Symbol.for("numlab.kernel.comms") as never;

/** Binary message parts (Jupyter "buffers"). */
export type Buffers = Buffer[];

/** A comm message as a handler sees it. */
export interface CommMessageInfo {
  /** msg_id of the comm_msg / comm_open that carried it. */
  msgId: string;
  metadata: Record<string, unknown>;
}

export interface CommHandlers {
  /** A comm_msg from the front-end. A returned promise is awaited before the next shell message runs. */
  onMsg?(data: unknown, buffers: Buffers, info: CommMessageInfo): void | Promise<void>;
  /** The front-end closed the comm. */
  onClose?(data: unknown): void;
}

/** One open comm (Jupyter messaging spec, "Custom messages"). */
export interface LinkComm {
  readonly commId: string;
  readonly targetName: string;
  readonly closed: boolean;
  handlers: CommHandlers;
  /** Publish a comm_msg on IOPub (parent: the request being handled). */
  send(data: unknown, options?: { metadata?: Record<string, unknown>; buffers?: Buffers }): void;
  /** Publish comm_close and forget the comm. */
  close(data?: unknown): void;
}

/** The display_data / update_display_data content the kernel publishes. */
export interface DisplayContent {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: Record<string, unknown>;
}

/**
 * Receives the output of code run through `withOutputSink` (an Output widget capturing). Each
 * method returns true when it consumed the output (the kernel then does not publish it), false to
 * let the kernel publish it.
 */
export interface OutputSink {
  stream(name: "stdout" | "stderr", text: string): boolean;
  display(content: DisplayContent, update: boolean): boolean;
  clear(wait: boolean): boolean;
  /**
   * Publish what the sink lets through with this msg_id as the parent (a version-1 Output widget
   * captures the messages whose parent is its `msg_id`); default: the request being handled.
   */
  readonly parentId?: string;
}

/**
 * Which @jupyter-widgets protocol the front-end speaks:
 * - 2: protocol 2.1.0 (ipywidgets 8: JupyterLab 4 + jupyterlab_widgets, @jupyter-widgets/controls
 *   2.0.0, base 2.0.0, output 1.0.0), also read by nbclient when it saves widget state;
 * - 1: the version-1 protocol of ipywidgets 6 / jupyter-js-widgets ~2.1 (Debian 12's classic
 *   Notebook extension `jupyter-nbextension-jupyter-js-widgets` 6.0.0).
 */
export type WidgetProtocolMajor = 1 | 2;

export interface WidgetProtocolInfo {
  major: WidgetProtocolMajor;
  /**
   * Why: "default" (nothing announced yet: 2), "env" (NUMLAB_WIDGET_PROTOCOL), "jupyter.widget.version"
   * (a version-1 front-end opened that comm), "jupyter.widget.control" (an ipywidgets ≥ 7.7 front-end
   * opened that comm), "set" (setWidgetProtocol).
   */
  source: "default" | "env" | "jupyter.widget.version" | "jupyter.widget.control" | "set";
  /** The front-end's widget package version when it said so (version-1 handshake). */
  frontendVersion?: string;
}

/** One widget's entry in a widget-state document (@jupyter-widgets/schema, v2 state). */
export interface WidgetStateEntry {
  model_name: string;
  model_module: string;
  model_module_version: string;
  state: Record<string, unknown>;
}

export interface KernelCommLink {
  readonly apiVersion: 1;
  /** Open a comm from the kernel (publishes comm_open). */
  openComm(
    targetName: string,
    data: unknown,
    options?: { metadata?: Record<string, unknown>; buffers?: Buffers; commId?: string },
    handlers?: CommHandlers,
  ): LinkComm;
  /** Handle comm_open from the front-end for `targetName` (replacing an earlier handler). */
  registerTarget(targetName: string, onOpen: (comm: LinkComm, data: unknown, buffers: Buffers, info: CommMessageInfo) => void | Promise<void>): void;
  widgetProtocol(): WidgetProtocolInfo;
  /** Force a protocol (tests, or a front-end the handshake cannot tell); null returns to automatic. */
  setWidgetProtocol(major: WidgetProtocolMajor | null): void;
  /** The widgets' states for the control comm's `request_states` (ipywidgets ≥ 7.7 front-ends). */
  setWidgetStateProvider(provider: () => Record<string, WidgetStateEntry>): void;
  /** msg_id of the request being handled (execute_request or comm_msg), null before the first one. */
  currentParentId(): string | null;
  /** The request being handled, as an opaque token for `schedule`. */
  currentParent(): unknown;
  /**
   * Run `fn` with its output (stdout, stderr, display, clear_output), including output of the
   * promises and timers it starts, going to `sink` first. Output of other code is not affected.
   */
  withOutputSink<T>(sink: OutputSink, fn: () => T): T;
  /**
   * Run `task` as a small cell: after the shell messages already queued, never at the same time as
   * a cell or another task, with output going to `parent` (a `currentParent()` token; default: the
   * request current when `schedule` is called). The promise settles when the task has run (errors
   * are printed, not rethrown).
   */
  schedule(task: () => unknown, parent?: unknown): Promise<void>;
  /** Show `value` as a cell's last value would be shown (through the output sinks). */
  displayValue(value: unknown): Promise<void>;
}

/** The kernel's link, or null outside the numlab kernel. */
export function kernelLink(): KernelCommLink | null {
  const link = (globalThis as Record<symbol, KernelCommLink | undefined>)[KERNEL_COMMS];
  return link && link.apiVersion === 1 ? link : null;
}
