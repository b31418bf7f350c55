/**
 * The numlab kernel's message handling. tslab's `ZmqServer` opens and binds the five sockets
 * (its `init`) and calls `handleShellMessage` for every shell/control message; we override that
 * one method with a conformant implementation of the Jupyter messaging protocol 5.3. tslab's
 * `JupyterHandlerImpl` still answers completion, inspection and is_complete.
 */
import { CellRunner, ErrorContent, errorContent } from "./executor";
import { renderValue } from "./render";
import { Message, childMessage, parseMessage, serializeMessage } from "./wire";
import { KERNEL_HOOKS, KernelHooks, MimeBundle } from "../display/bridge";

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

/* eslint-disable @typescript-eslint/no-var-requires */
const tslabJupyter = require("tslab/dist/jupyter") as {
  ZmqServer: new (handler: { close(): void }, configPath: string) => ZmqServerBase;
  JupyterHandlerImpl: new (executor: unknown, isJs: boolean) => TslabHandler;
  lastWriteDisplayData: WriteDisplayData | null;
};
const tslabVersions = (require("tslab") as { versions: { tslab: string; typescript: string; node: string } }).versions;
const numlabVersion = (require("../../package.json") as { version: string }).version;
/* eslint-enable @typescript-eslint/no-var-requires */

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

const originalStdoutWrite = process.stdout.write.bind(process.stdout);
const originalStderrWrite = process.stderr.write.bind(process.stderr);

/** Log from the kernel itself (goes to the terminal that started Jupyter, never to a cell). */
export function kernelLog(...parts: unknown[]): void {
  originalStderrWrite(`[numlab kernel] ${parts.map(String).join(" ")}\n`);
}

export class NumlabKernel extends tslabJupyter.ZmqServer {
  readonly runner: CellRunner;
  private readonly tslabHandler: TslabHandler;
  private executionCount = 0;
  private queue: Promise<void> = Promise.resolve();
  /** Requests that arrived before this time are aborted (set when a cell fails with stop_on_error). */
  private abortArrivedBefore = -Infinity;
  private readonly sendChains = new Map<Sendable, Promise<void>>();

  constructor(configPath: string, runner = new CellRunner()) {
    const holder: { close(): void } = { close: () => undefined };
    super(holder, configPath);
    this.runner = runner;
    this.tslabHandler = new tslabJupyter.JupyterHandlerImpl(runner.executor, false);
    holder.close = () => this.runner.close();
  }

  /** Sends on one socket one at a time (zeromq allows a single pending send per socket). */
  private send(sock: Sendable, message: Message<unknown>): void {
    const frames = serializeMessage(message, this.connInfo.key);
    const previous = this.sendChains.get(sock) ?? Promise.resolve();
    const next = previous.then(() => sock.send(frames)).catch((e: unknown) => kernelLog("send failed:", e));
    this.sendChains.set(sock, next);
  }

  private publish(parent: Message<unknown>, msgType: string, content: unknown): void {
    const message = childMessage(parent, msgType, content, [Buffer.from(`kernel.${msgType}`)]);
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
        case "comm_info_request":
          this.reply(sock, request, "comm_info_reply", { status: "ok", comms: {} });
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

  /** Route stdout/stderr, display data and clear_output to the cell being run. */
  private routeOutputTo(request: Message<unknown>, silent: boolean): void {
    const stream = (name: "stdout" | "stderr") =>
      ((chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown): boolean => {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
        if (!silent && text) this.publish(request, "stream", { name, text });
        const done = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
        if (typeof done === "function") (done as () => void)();
        return true;
      }) as typeof process.stdout.write;
    process.stdout.write = stream("stdout");
    process.stderr.write = stream("stderr");
    const writeDisplayData: WriteDisplayData = (content, update) => {
      if (silent) return;
      const transient = content.transient ?? {};
      if (update && !transient.display_id) return; // update_display_data needs an id
      this.publish(request, update ? "update_display_data" : "display_data", {
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
        if (!silent) this.publish(request, "clear_output", { wait: Boolean(wait) });
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
    this.routeOutputTo(request, silent);

    const outcome = await this.runner.run(code);
    let error: ErrorContent | null = null;
    if (outcome.status === "ok") {
      if (outcome.warnings.length) process.stderr.write(outcome.warnings.join("\n") + "\n");
      if (outcome.hasValue && !silent) {
        try {
          const bundle = await renderValue(outcome.value);
          if (bundle) this.publish(request, "execute_result", { execution_count: count, data: bundle, metadata: {} });
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
