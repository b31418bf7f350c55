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
import { CellScope, asKernel, setActiveScope } from "./cell-scope";
import { CommManager } from "./comm";
import { exitProcess } from "./exit";
import { CellOutcome, CellRunner, ErrorContent, errorContent } from "./executor";
import { inspectCall } from "./inspect";
import { InterruptWatchdog } from "./interrupt";
import { resetTfjsEngine } from "./tfjs-repair";
import { renderValue } from "./render";
import { WidgetProtocol } from "./widget-comms";
import { Message, MessageHeader, childMessage, parseMessage, serializeMessage } from "./wire";
import { setAmbientSignal } from "../cancel";
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

/** The timer functions as Node.js defines them: the kernel's own timers must never belong to a cell's scope (./cell-scope.ts). */
const kernelSetTimeout = setTimeout;
const kernelSetImmediate = setImmediate;

/** After an interrupted cell was ended without stopping by itself, how long its timers may still run (a checkpoint being saved, say). */
const LEFTOVER_TIMERS_MS = 3000;

/** The abort reason of an interrupted cell (what `pace()` throws when no trainer words it). */
export const INTERRUPT_REASON = "interrupted (Kernel → Interrupt)";

/** The cell whose code is running: its abort controller and how an interrupt went. */
interface RunningCell {
  controller: AbortController;
  /** The timers its code sets (stopped once an interrupted cell is over). */
  scope: CellScope;
  /** When the kernel saw the interrupt (null: not interrupted). */
  interruptedAt: number | null;
  /** How the kernel ended the cell when it did not stop by itself. */
  ended: "deadline" | "terminated" | null;
  /** How long the watchdog waited before terminating the cell's code (ms). */
  waitedMs?: number;
  /** Where TensorFlow.js was when the code was terminated (its engine was reset). */
  tfjsReset?: string[];
  timer?: NodeJS.Timeout;
}

/** The error of an interrupted cell: what stopped it, in words, and what to do about code that does not stop. */
export function interruptedError(outcome: ErrorContent, cell: Pick<RunningCell, "ended" | "waitedMs" | "tfjsReset">, deadlineMs: number): ErrorContent {
  const plain = (evalue: string): ErrorContent => ({ ename: "InterruptedError", evalue, traceback: [`InterruptedError: ${evalue}`] });
  if (outcome.ename === "InterruptedError" || outcome.ename === "AbortError") return plain(outcome.evalue);
  if (/Script execution was interrupted/.test(outcome.evalue)) return plain("interrupted: the cell's code was stopped");
  if (cell.ended === "terminated") {
    return plain(
      `interrupted: the cell's code kept the kernel busy for ${cell.waitedMs ?? 0} ms without a turn of the event loop, so it was stopped where it ` +
        "stood (no catch or finally ran; tensors it held may stay allocated). Long loops that call `await nl.pace()` stop cleanly at their next step." +
        (cell.tfjsReset?.length
          ? ` TensorFlow.js was stopped ${cell.tfjsReset.join(", ")}; its engine was reset (restart the kernel if tensors misbehave).`
          : ""),
    );
  }
  if (cell.ended === "deadline") {
    return plain(
      `interrupted: the cell did not stop within ${deadlineMs} ms, so the kernel stopped waiting for it. Its timers stop ` +
        `${LEFTOVER_TIMERS_MS / 1000} s later; a loop that only awaits I/O runs on unless it calls \`await nl.pace()\`.`,
    );
  }
  return outcome;
}
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
  /** After an interrupt, how long a cell may take to stop at its next step before the kernel ends it (ms). */
  interruptDeadlineMs = 700;
  /** How the kernel process exits (after `process.exit` in a cell, or a shutdown); tests replace it. */
  exit: (code: number) => void = (code) => exitProcess(code);
  /** The cell whose code runs now. */
  private running: RunningCell | null = null;
  private watchdog: InterruptWatchdog | null = null;
  /** Set by `process.exit(code)` in user code: the kernel exits once the cell has been answered. */
  private exitCode: number | null = null;

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

  /** SIGINT handling (main.ts starts it): terminates a cell that never lets the kernel see an interrupt. */
  useInterruptWatchdog(watchdog: InterruptWatchdog): void {
    this.watchdog = watchdog;
  }

  /**
   * Kernel → Interrupt (SIGINT or interrupt_request). The running cell's signal is aborted, so
   * trainers and loops that call `pace()` stop at their next step; a cell still running
   * `interruptDeadlineMs` later is ended (a second interrupt ends it at once).
   */
  interrupt(): void {
    const cell = this.running;
    if (!cell) return;
    if (cell.interruptedAt === null) {
      cell.interruptedAt = Date.now();
      cell.controller.abort(INTERRUPT_REASON);
      cell.timer = kernelSetTimeout(() => this.endCell(cell, "deadline"), this.interruptDeadlineMs);
    } else {
      this.endCell(cell, "deadline");
    }
  }

  /** The watchdog terminated the main thread's JavaScript: end the cell, and unblock sends whose continuations were dropped. */
  interruptTerminated(waitedMs = 0): void {
    // V8 drops the microtasks queued when it terminates: a send chain may wait forever for one.
    for (const [sock, chain] of this.sendChains) {
      this.sendChains.set(sock, Promise.race([chain, new Promise<void>((resolve) => kernelSetTimeout(resolve, 20))]));
    }
    const tfjsReset = resetTfjsEngine();
    const cell = this.running;
    if (!cell) return;
    cell.waitedMs = waitedMs;
    cell.tfjsReset = tfjsReset;
    if (cell.interruptedAt === null) {
      cell.interruptedAt = Date.now();
      cell.controller.abort(INTERRUPT_REASON);
    }
    this.endCell(cell, "terminated");
  }

  /** End a cell that did not stop by itself (tslab stops waiting for its promise). */
  private endCell(cell: RunningCell, how: "deadline" | "terminated"): void {
    if (this.running !== cell || cell.ended) return;
    cell.ended = how;
    this.runner.interrupt();
  }

  /**
   * `process.exit(code)` was called (main.ts intercepts it): as IPython's `exit()`, a clean restart.
   * In a cell, the kernel first answers it (saying so in its output); otherwise at once.
   */
  requestExit(code: number): void {
    if (this.exitCode !== null) return;
    this.exitCode = code;
    if (!this.running) void this.exitNow(this.lastCell?.request ?? null);
  }

  private async exitNow(parent: Message<unknown> | null): Promise<void> {
    const code = this.exitCode ?? 0;
    if (parent) {
      this.publish(parent, "stream", {
        name: "stdout",
        text: `process.exit(${code}) was called: the kernel exits and Jupyter starts a fresh one (variables, imports and models are gone).\n`,
      });
    }
    this.abortArrivedBefore = Infinity; // cells still queued are answered "aborted"
    await Promise.all(this.sendChains.values());
    this.watchdog?.stop();
    kernelSetTimeout(() => this.exit(code), 100).unref();
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
      await new Promise((resolve) => kernelSetImmediate(resolve));
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

  /** Called by tslab's socket loops for every shell and control message (timers its handling sets belong to no cell). */
  handleShellMessage(sock: Sendable, ...frames: Buffer[]): Promise<void> {
    return asKernel(() => this.handleMessage(sock, frames));
  }

  private async handleMessage(sock: Sendable, frames: Buffer[]): Promise<void> {
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
          this.reply(
            sock,
            request,
            "is_complete_reply",
            this.kernelWork(() => this.tslabHandler.handleIsComplete(request.content)),
          );
          break;
        case "inspect_request":
          this.reply(
            sock,
            request,
            "inspect_reply",
            this.kernelWork(() => this.inspect(request.content as { code: string; cursor_pos: number })),
          );
          break;
        case "complete_request":
          this.reply(
            sock,
            request,
            "complete_reply",
            this.kernelWork(() => this.tslabHandler.handleComplete(request.content)),
          );
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
          this.interrupt();
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
      this.watchdog?.stop();
      // Give pending sends a moment, then exit even if user code left timers or threads running.
      kernelSetTimeout(() => this.exit(0), 200).unref();
    }
  }

  /** The kernel's own synchronous work: the interrupt watchdog never terminates it. */
  private kernelWork<T>(work: () => T): T {
    return this.watchdog ? this.watchdog.kernelWork(work) : work();
  }

  /** inspect_reply: inside a call's arguments, the called function (as IPython); else tslab's quick info at the cursor. */
  private inspect(content: { code: string; cursor_pos: number }): Record<string, unknown> {
    const executor = this.runner.executor;
    try {
      const call = inspectCall((code, position) => executor.inspect(code, position), content.code, content.cursor_pos);
      if (call) return call;
    } catch (error) {
      kernelLog("inspecting a call failed:", error instanceof Error ? error.message : error);
    }
    return this.tslabHandler.handleInspect(content);
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

  /**
   * Run a cell's code with an abort signal of its own (the ambient signal of src/cancel.ts, which
   * trainers and `pace()` obey) and report an interrupt in words.
   */
  private async runCell(code: string): Promise<CellOutcome> {
    const cell: RunningCell = { controller: new AbortController(), scope: new CellScope(), interruptedAt: null, ended: null };
    // Start the cell's code in a turn of its own, behind no queued kernel continuations: if the
    // watchdog has to terminate it, V8 drops that turn's remaining microtasks, and they must be the cell's.
    await new Promise((resolve) => kernelSetImmediate(resolve));
    this.running = cell;
    setAmbientSignal(cell.controller.signal);
    this.watchdog?.setCellRunning(true);
    let outcome: CellOutcome;
    try {
      // Compiling and the cell's synchronous part are kernel work for the watchdog (a SIGINT stops the latter itself).
      setActiveScope(cell.scope);
      outcome = await this.kernelWork(() => this.runner.run(code));
    } finally {
      setActiveScope(null);
      this.watchdog?.setCellRunning(false);
      clearTimeout(cell.timer);
      this.running = null;
      setAmbientSignal(undefined);
    }
    // Nothing an interrupted cell started runs on: its signal stays aborted (pace() throws) and its timers stop.
    if (cell.interruptedAt !== null) {
      if (cell.ended === "deadline") kernelSetTimeout(() => cell.scope.stop(), LEFTOVER_TIMERS_MS).unref();
      else cell.scope.stop();
    }
    // (A SIGINT during the cell's synchronous part stops it without the kernel hearing of it.)
    if (outcome.status === "error" && (cell.interruptedAt !== null || /^Script execution was interrupted by `SIGINT`/.test(outcome.evalue))) {
      return { status: "error", ...interruptedError(outcome, cell, this.interruptDeadlineMs) };
    }
    return outcome;
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

    const outcome = await this.runCell(code);
    if (this.exitCode !== null) {
      // process.exit() in the cell: answer it, then exit (Jupyter restarts the kernel).
      this.reply(sock, request, "execute_reply", {
        status: "ok",
        execution_count: count,
        payload: [{ source: "ask_exit", keepkernel: false }],
        user_expressions: {},
      });
      await this.exitNow(request);
      return;
    }
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
