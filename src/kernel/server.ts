/**
 * The numlab kernel's message handling. tslab's `ZmqServer` opens and binds the five sockets
 * (its `init`) and calls `handleShellMessage` for every shell/control message; we override that
 * one method with a conformant implementation of the Jupyter messaging protocol 5.3. tslab's
 * `JupyterHandlerImpl` still answers completion, inspection and is_complete.
 *
 * Comms (comm_open / comm_msg / comm_close, comm_info_request) go through `CommManager`
 * (./comm.ts). Messages for widget comms run like small cells: queued with the execute requests,
 * their output going to the comm message. The widget library reaches the kernel through the
 * `KernelCommLink` put on `globalThis` (src/widgets/link.ts).
 */
import { AsyncLocalStorage } from "async_hooks";
import { CommManager } from "./comm";
import { CellRunner, ErrorContent, errorContent } from "./executor";
import { renderValue } from "./render";
import { WidgetProtocol } from "./widget-comms";
import { Message, MessageHeader, childMessage, parseMessage, serializeMessage } from "./wire";
import { KERNEL_HOOKS, KernelHooks, MimeBundle } from "../display/bridge";
import { Buffers, CommMessageInfo, KERNEL_COMMS, KernelCommLink, OutputSink } from "../widgets/link";
import { CONTROL_TARGET, VERSION_TARGET, WIDGET_VIEW_MIME } from "../widgets/protocol";

interface Sendable {
  send(frames: Buffer[]): Promise<void>;
}

interface ConnectionInfo {
  key: string;
  signature_scheme?: string;
}

/** What the kernel uses of tslab's ZmqServer (tslab/dist/jupyter.d.ts). */
interface ZmqServerBase {
  connInfo: ConnectionInfo;
  iopub: Sendable;
  init(): Promise<void>;
  close(): void;
}

interface TslabHandler {
  handleIsComplete(req: unknown): Record<string, unknown>;
  handleInspect(req: unknown): Record<string, unknown>;
  handleComplete(req: unknown): Record<string, unknown>;
  close(): void;
}

type DisplayContent = { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> };
type WriteDisplayData = (content: DisplayContent, update: boolean) => void;

const tslabJupyter = require("tslab/dist/jupyter") as {
  ZmqServer: new (handler: { close(): void }, configPath: string) => ZmqServerBase;
  JupyterHandlerImpl: new (executor: unknown, isJs: boolean) => TslabHandler;
  lastWriteDisplayData: WriteDisplayData | null;
};
const tslabVersions = (require("tslab") as { versions: { tslab: string; typescript: string; node: string } }).versions;
const numlabVersion = (require("../../package.json") as { version: string }).version;

interface ExecuteRequest {
  code: string;
  silent?: boolean;
  store_history?: boolean;
  stop_on_error?: boolean;
}

/** kernel_info_reply content. */
export function kernelInfo(): Record<string, unknown> {
  return {
    status: "ok",
    protocol_version: "5.3",
    implementation: "numlab",
    implementation_version: numlabVersion,
    language_info: {
      name: "typescript",
      version: tslabVersions.typescript,
      mimetype: "text/typescript",
      file_extension: ".ts",
      pygments_lexer: "typescript",
      // As tslab: enables TypeScript highlighting in both JupyterLab and classic Notebook.
      codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
    },
    banner: `numlab kernel ${numlabVersion} — TypeScript ${tslabVersions.typescript} on Node.js ${process.version} (tslab ${tslabVersions.tslab})`,
    debugger: false,
    help_links: [{ text: "tslab", url: "https://github.com/yunabe/tslab" }],
  };
}

const originalStdoutWrite = process.stdout.write;
const originalStderrWrite = process.stderr.write.bind(process.stderr);
const originalStderrWriteUnbound = process.stderr.write;

/** Log from the kernel itself (goes to the terminal that started Jupyter, never to a cell). */
export function kernelLog(...parts: unknown[]): void {
  originalStderrWrite(`[numlab kernel] ${parts.map(String).join(" ")}\n`);
}

/** Parent of messages published before any request arrived. */
const NO_PARENT: Message<unknown> = {
  identities: [],
  header: { msg_id: "", msg_type: "", session: "", username: "numlab", date: "", version: "5.3" },
  parent_header: {},
  metadata: {},
  content: {},
  buffers: [],
};

const COMM_MESSAGES = new Set(["comm_open", "comm_msg", "comm_close"]);
/** Comm targets the kernel answers itself, at once (the widget front-end handshakes). */
const KERNEL_TARGETS = new Set([VERSION_TARGET, CONTROL_TARGET]);

export class NumlabKernel extends tslabJupyter.ZmqServer {
  readonly runner: CellRunner;
  readonly comms: CommManager;
  readonly widgetProtocol: WidgetProtocol;
  private readonly tslabHandler: TslabHandler;
  private executionCount = 0;
  private queue: Promise<void> = Promise.resolve();
  /** Requests that arrived before this time are aborted (set when a cell fails with stop_on_error). */
  private abortArrivedBefore = -Infinity;
  private readonly sendChains = new Map<Sendable, Promise<void>>();
  /** The request whose output and comm messages are being published (execute_request or comm message). */
  private parent: Message<unknown> | null = null;
  /** The last cell run: output of its leftover timers and promises goes there. */
  private lastCell: { request: Message<unknown>; silent: boolean } | null = null;
  /** Output sinks (Output widgets capturing), scoped to the code that set them. */
  private readonly sinks = new AsyncLocalStorage<OutputSink>();
  /** Which writes to process.stdout/stderr are the kernel's (all in the kernel process; tests narrow it). */
  ownsWrite: () => boolean = () => true;

  constructor(configPath: string, runner = new CellRunner()) {
    const holder: { close(): void } = { close: () => undefined };
    super(holder, configPath);
    this.runner = runner;
    this.tslabHandler = new tslabJupyter.JupyterHandlerImpl(runner.executor, false);
    holder.close = () => this.runner.close();
    this.comms = new CommManager((type, content, metadata, buffers) => this.publish(this.parent ?? NO_PARENT, type, content, { metadata, buffers }));
    this.widgetProtocol = new WidgetProtocol(this.comms, kernelLog);
    (globalThis as Record<symbol, unknown>)[KERNEL_COMMS] = this.link();
  }

  /** What the widget library uses of the kernel (src/widgets/link.ts). */
  private link(): KernelCommLink {
    return {
      apiVersion: 1,
      openComm: (target, data, options, handlers) => this.comms.open(target, data, options, handlers),
      registerTarget: (name, onOpen) => this.comms.registerTarget(name, onOpen),
      widgetProtocol: () => this.widgetProtocol.info(),
      setWidgetProtocol: (major) => this.widgetProtocol.set(major),
      setWidgetStateProvider: (provider) => this.widgetProtocol.setStateProvider(provider),
      currentParentId: () => this.parent?.header.msg_id || null,
      currentParent: () => this.parent,
      withOutputSink: (sink, fn) => this.sinks.run(sink, fn),
      schedule: (task, parent) => this.schedule(task, parent as Message<unknown> | null | undefined),
      displayValue: (value) => this.displayValue(value),
    };
  }

  /** Resolves when every queued cell and widget task has run. */
  async whenIdle(): Promise<void> {
    for (;;) {
      const queue = this.queue;
      await queue;
      await new Promise((resolve) => setImmediate(resolve));
      if (queue === this.queue) return;
    }
  }

  /** Give stdout/stderr and the display hooks back to the process (tests; the kernel process keeps them). */
  releaseOutput(): void {
    process.stdout.write = originalStdoutWrite;
    process.stderr.write = originalStderrWriteUnbound;
    tslabJupyter.lastWriteDisplayData = null;
    delete (globalThis as Record<symbol, KernelHooks | undefined>)[KERNEL_HOOKS];
  }

  /** Sends on one socket one at a time (zeromq allows a single pending send per socket). */
  private send(sock: Sendable, message: Message<unknown>): void {
    const frames = serializeMessage(message, this.connInfo.key);
    const previous = this.sendChains.get(sock) ?? Promise.resolve();
    const next = previous.then(() => sock.send(frames)).catch((e: unknown) => kernelLog("send failed:", e));
    this.sendChains.set(sock, next);
  }

  private publish(parent: Message<unknown>, msgType: string, content: unknown, extra: { metadata?: Record<string, unknown>; buffers?: Buffers } = {}): void {
    const message = childMessage(parent, msgType, content, [Buffer.from(`kernel.${msgType}`)]);
    if (extra.metadata) message.metadata = extra.metadata;
    if (extra.buffers) message.buffers = extra.buffers;
    this.send(this.iopub, message);
  }

  private reply(sock: Sendable, request: Message<unknown>, msgType: string, content: unknown): void {
    this.send(sock, childMessage(request, msgType, content));
  }

  /** Called by tslab's socket loops for every shell and control message. */
  async handleShellMessage(sock: Sendable, ...frames: Buffer[]): Promise<void> {
    const arrived = Date.now();
    let request: Message;
    try {
      request = parseMessage(frames, this.connInfo.key);
    } catch (error) {
      kernelLog("ignored a message:", error instanceof Error ? error.message : error);
      return;
    }
    const type = request.header.msg_type;
    if (type === "execute_request") {
      // Cells run one at a time; a queued cell reports busy when it starts, not when it arrives.
      await this.enqueue(async () => {
        this.publish(request, "status", { execution_state: "busy" });
        try {
          await this.execute(sock, request as Message<unknown> as Message<ExecuteRequest>, arrived);
        } catch (error) {
          kernelLog("failed to execute:", error instanceof Error ? error.stack : error);
        } finally {
          this.publish(request, "status", { execution_state: "idle" });
        }
      });
      return;
    }
    if (COMM_MESSAGES.has(type) && !this.isKernelComm(request)) {
      // Widget messages run like small cells: one at a time, in order with the cells.
      await this.enqueue(async () => {
        this.publish(request, "status", { execution_state: "busy" });
        try {
          await this.handleComm(request, true);
        } finally {
          this.publish(request, "status", { execution_state: "idle" });
        }
      });
      return;
    }
    // Other requests (completion, inspection, …) are answered at once, even while a cell runs.
    this.publish(request, "status", { execution_state: "busy" });
    let shutdown = false;
    try {
      switch (type) {
        case "kernel_info_request":
          this.reply(sock, request, "kernel_info_reply", kernelInfo());
          break;
        case "is_complete_request":
          this.reply(sock, request, "is_complete_reply", this.tslabHandler.handleIsComplete(request.content));
          break;
        case "inspect_request":
          this.reply(sock, request, "inspect_reply", this.tslabHandler.handleInspect(request.content));
          break;
        case "complete_request":
          this.reply(sock, request, "complete_reply", this.tslabHandler.handleComplete(request.content));
          break;
        case "comm_info_request": {
          const target = (request.content as { target_name?: unknown }).target_name;
          this.reply(sock, request, "comm_info_reply", { status: "ok", comms: this.comms.info(typeof target === "string" && target ? target : undefined) });
          break;
        }
        case "comm_open":
        case "comm_msg":
        case "comm_close":
          await this.handleComm(request, false);
          break;
        case "history_request":
          this.reply(sock, request, "history_reply", { status: "ok", history: [] });
          break;
        case "interrupt_request":
          this.runner.interrupt();
          this.reply(sock, request, "interrupt_reply", { status: "ok" });
          break;
        case "shutdown_request":
          this.reply(sock, request, "shutdown_reply", { status: "ok", restart: Boolean(request.content.restart) });
          shutdown = true;
          break;
        default:
          kernelLog(`unsupported message type ${type}`);
      }
    } catch (error) {
      kernelLog(`failed to handle ${type}:`, error instanceof Error ? error.stack : error);
      if (type.endsWith("_request")) {
        this.reply(sock, request, type.replace(/_request$/, "_reply"), { status: "error", ...errorContent(error) });
      }
    } finally {
      this.publish(request, "status", { execution_state: "idle" });
    }
    if (shutdown) {
      await Promise.all(this.sendChains.values());
      this.close();
      // Give pending sends a moment, then exit even if user code left timers or threads running.
      setTimeout(() => process.exit(0), 200).unref();
    }
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Is this comm message for a comm the kernel answers itself (widget handshakes)? */
  private isKernelComm(request: Message<unknown>): boolean {
    const content = request.content as { comm_id?: unknown; target_name?: unknown };
    const target = request.header.msg_type === "comm_open" ? content.target_name : this.comms.targetOf(content.comm_id);
    return typeof target === "string" && KERNEL_TARGETS.has(target);
  }

  /** A comm message from a front-end; `asTask`: run as a small cell (output to the message). */
  private async handleComm(request: Message<unknown>, asTask: boolean): Promise<void> {
    const info: CommMessageInfo = { msgId: request.header.msg_id, metadata: request.metadata };
    const content = request.content as { comm_id: string; target_name: string; data?: unknown };
    const previous = this.parent;
    this.parent = request;
    if (asTask) this.routeOutputTo(request, false);
    try {
      let ignored: string | null;
      const type = request.header.msg_type;
      if (type === "comm_open") ignored = await this.comms.handleOpen(content, request.buffers, info);
      else if (type === "comm_msg") ignored = await this.comms.handleMsg(content, request.buffers, info);
      else ignored = this.comms.handleClose(content);
      if (ignored) kernelLog(ignored);
    } catch (error) {
      // A widget callback failed: say so where its output goes (the cell in the classic Notebook, the log in JupyterLab).
      if (asTask) process.stderr.write(`${errorContent(error).traceback.join("\n")}\n`);
      else kernelLog(`${request.header.msg_type} failed:`, error instanceof Error ? error.stack : error);
    } finally {
      if (asTask) this.restoreRouting();
      else this.parent = previous;
    }
  }

  /** After a widget task: output goes to the last cell again. */
  private restoreRouting(): void {
    if (this.lastCell) {
      this.parent = this.lastCell.request;
      this.routeOutputTo(this.lastCell.request, this.lastCell.silent);
    }
  }

  /** `KernelCommLink.schedule`: run `task` after the queued messages, output to `parent` (default: the request current now). */
  private schedule(task: () => unknown, parentToken?: Message<unknown> | null): Promise<void> {
    const parent = parentToken && typeof parentToken === "object" && "header" in parentToken ? parentToken : this.parent;
    return this.sinks.exit(() =>
      this.enqueue(async () => {
        if (parent) {
          this.parent = parent;
          this.routeOutputTo(parent, false);
        }
        try {
          await task();
        } catch (error) {
          process.stderr.write(`${errorContent(error).traceback.join("\n")}\n`);
        } finally {
          this.restoreRouting();
        }
      }),
    );
  }

  /** `KernelCommLink.displayValue`: a value shown as a cell's last value is, through the output sinks. */
  private async displayValue(value: unknown): Promise<void> {
    const bundle = await renderValue(value);
    if (!bundle) return;
    const hooks = (globalThis as Record<symbol, KernelHooks | undefined>)[KERNEL_HOOKS];
    hooks?.writeDisplayData?.({ data: bundle, metadata: {}, transient: {} }, false);
  }

  /** The parent to publish output with: an Output widget's own id (version-1 capture) or the request. */
  private outputParent(request: Message<unknown>, sink: OutputSink | undefined): Message<unknown> {
    if (!sink?.parentId) return request;
    const header: MessageHeader = { ...request.header, msg_id: sink.parentId };
    return { ...request, header };
  }

  /** Route stdout/stderr, display data and clear_output to the cell being run. */
  private routeOutputTo(request: Message<unknown>, silent: boolean): void {
    const stream = (name: "stdout" | "stderr") =>
      ((chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown): boolean => {
        if (!this.ownsWrite()) {
          const write = (name === "stdout" ? originalStdoutWrite : originalStderrWriteUnbound) as (...args: unknown[]) => boolean;
          return write.call(process[name], chunk, encodingOrCallback, callback);
        }
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
        const sink = this.sinks.getStore();
        if (text && !(sink && sink.stream(name, text)) && !silent) this.publish(this.outputParent(request, sink), "stream", { name, text });
        const done = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
        if (typeof done === "function") (done as () => void)();
        return true;
      }) as typeof process.stdout.write;
    process.stdout.write = stream("stdout");
    process.stderr.write = stream("stderr");
    const writeDisplayData: WriteDisplayData = (content, update) => {
      const sink = this.sinks.getStore();
      if (sink && sink.display(content, update)) return;
      if (silent) return;
      const transient = content.transient ?? {};
      if (update && !transient.display_id) return; // update_display_data needs an id
      this.publish(this.outputParent(request, sink), update ? "update_display_data" : "display_data", {
        data: content.data,
        metadata: content.metadata ?? {},
        transient,
      });
    };
    // tslab's `display` API and numlab's `sendDisplay` both end up here.
    tslabJupyter.lastWriteDisplayData = writeDisplayData;
    const hooks: KernelHooks = {
      writeDisplayData,
      clearOutput: (wait: boolean) => {
        const sink = this.sinks.getStore();
        if (sink && sink.clear(Boolean(wait))) return;
        if (!silent) this.publish(this.outputParent(request, sink), "clear_output", { wait: Boolean(wait) });
      },
    };
    (globalThis as Record<symbol, KernelHooks | undefined>)[KERNEL_HOOKS] = hooks;
  }

  private async execute(sock: Sendable, request: Message<ExecuteRequest>, arrived: number): Promise<void> {
    const { code, silent = false, store_history = true, stop_on_error = true } = request.content;
    if (arrived < this.abortArrivedBefore) {
      this.reply(sock, request, "execute_reply", { status: "aborted", execution_count: this.executionCount });
      return;
    }
    if (!silent && store_history) this.executionCount += 1;
    const count = this.executionCount;
    if (!silent) this.publish(request, "execute_input", { code, execution_count: count });
    this.parent = request;
    this.lastCell = { request, silent };
    this.routeOutputTo(request, silent);

    const outcome = await this.runner.run(code);
    let error: ErrorContent | null = null;
    if (outcome.status === "ok") {
      if (outcome.warnings.length) process.stderr.write(outcome.warnings.join("\n") + "\n");
      if (outcome.hasValue && !silent) {
        try {
          const bundle = await renderValue(outcome.value);
          if (bundle && bundle[WIDGET_VIEW_MIME] && this.widgetProtocol.info().major === 1) {
            // Widget protocol 1 shows widgets through the comm; the output only marks the place (no text, no Out[n]).
            this.publish(request, "display_data", { data: { [WIDGET_VIEW_MIME]: bundle[WIDGET_VIEW_MIME] }, metadata: {}, transient: {} });
          } else if (bundle) this.publish(request, "execute_result", { execution_count: count, data: bundle, metadata: {} });
        } catch (renderError) {
          const message = renderError instanceof Error ? renderError.message : String(renderError);
          process.stderr.write(`numlab: could not render the cell's value: ${message}\n`);
        }
      }
    } else {
      error = { ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback };
    }
    if (error) {
      if (!silent) this.publish(request, "error", error);
      if (stop_on_error) this.abortArrivedBefore = Date.now();
      this.reply(sock, request, "execute_reply", { status: "error", execution_count: count, ...error });
    } else {
      this.reply(sock, request, "execute_reply", { status: "ok", execution_count: count, payload: [], user_expressions: {} });
    }
  }
}
