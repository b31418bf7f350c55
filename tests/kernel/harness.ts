/**
 * The numlab kernel (src/kernel/server.ts) in the test process, without ZeroMQ: requests are signed
 * frames handed to `handleShellMessage`, and what the kernel sends on IOPub and shell is parsed back
 * into messages. "Cells" are JavaScript functions run by a stub cell runner (no TypeScript
 * compiler), so tests drive comms and widgets at the message level exactly as a front-end would.
 */
import { AsyncLocalStorage } from "async_hooks";
import { randomUUID } from "crypto";
import { CellOutcome, CellRunner, errorContent } from "../../src/kernel/executor";
import { NumlabKernel } from "../../src/kernel/server";
import { Message, parseMessage, serializeMessage } from "../../src/kernel/wire";

const KEY = "harness-key";

/** Marks code run on behalf of the harness's requests: only its writes go to the kernel, not the test runner's. */
const requestContext = new AsyncLocalStorage<true>();

export type Cell = () => unknown;

export interface Sent {
  request: Message;
  /** Messages on IOPub whose parent is the request. */
  iopub: Message[];
  /** The shell reply, if any. */
  reply: Message | undefined;
}

export class KernelHarness {
  readonly kernel: NumlabKernel;
  readonly iopub: Message[] = [];
  readonly shell: Message[] = [];
  readonly session = randomUUID();
  private readonly cells = new Map<string, Cell>();
  private cellCount = 0;

  constructor() {
    // As tslab's executor: `interrupt()` stops waiting for the running cell ("Interrupted asynchronously").
    let stopWaiting: ((error: Error) => void) | null = null;
    const stub = {
      executor: { execute: async () => true, inspect: () => ({}), complete: () => ({ start: 0, end: 0, candidates: [] }), interrupt() {}, close() {} },
      run: async (code: string): Promise<CellOutcome> => {
        const cell = this.cells.get(code);
        if (!cell) return { status: "error", ename: "Error", evalue: `no cell ${code}`, traceback: [] };
        try {
          const interrupted = new Promise<never>((_, reject) => (stopWaiting = reject));
          const value = await Promise.race([cell(), interrupted]);
          return value === undefined ? { status: "ok", hasValue: false, warnings: [] } : { status: "ok", hasValue: true, value, warnings: [] };
        } catch (error) {
          return { status: "error", ...errorContent(error) };
        } finally {
          stopWaiting = null;
        }
      },
      interrupt() {
        stopWaiting?.(new Error("Interrupted asynchronously"));
      },
      close() {},
    } as unknown as CellRunner;
    this.kernel = new NumlabKernel("/dev/null", stub);
    const k = this.kernel as unknown as { connInfo: { key: string }; iopub: { send(frames: Buffer[]): Promise<void> } };
    k.connInfo = { key: KEY };
    k.iopub = { send: async (frames) => void this.iopub.push(parseMessage(frames, KEY)) };
    this.kernel.ownsWrite = () => requestContext.getStore() === true;
  }

  private readonly shellSocket = { send: async (frames: Buffer[]) => void this.shell.push(parseMessage(frames, KEY)) };

  /** Build a signed request as a front-end would. */
  message(msgType: string, content: Record<string, unknown>, options: { buffers?: Buffer[]; metadata?: Record<string, unknown> } = {}): Message {
    return {
      identities: [Buffer.from("frontend")],
      header: { msg_id: randomUUID(), msg_type: msgType, session: this.session, username: "test", date: new Date().toISOString(), version: "5.3" },
      parent_header: {},
      metadata: options.metadata ?? {},
      content,
      buffers: options.buffers ?? [],
    };
  }

  /** Send a request on shell; resolves when the kernel handled it (queued ones included). */
  async send(msgType: string, content: Record<string, unknown>, options: { buffers?: Buffer[]; metadata?: Record<string, unknown> } = {}): Promise<Sent> {
    const request = this.message(msgType, content, options);
    await requestContext.run(true, () => this.kernel.handleShellMessage(this.shellSocket, ...serializeMessage(request, KEY)));
    await this.flush();
    return this.sent(request);
  }

  /** Start a request without waiting for it. */
  post(msgType: string, content: Record<string, unknown>, options: { buffers?: Buffer[] } = {}): { request: Message; done: Promise<void> } {
    const request = this.message(msgType, content, options);
    const done = requestContext.run(true, () => this.kernel.handleShellMessage(this.shellSocket, ...serializeMessage(request, KEY)));
    return { request, done };
  }

  /** What the kernel published for `request` so far. */
  sent(request: Message): Sent {
    const id = request.header.msg_id;
    return {
      request,
      iopub: this.iopub.filter((m) => m.parent_header.msg_id === id),
      reply: this.shell.find((m) => m.parent_header.msg_id === id),
    };
  }

  /** Run `cell` as an execute_request; its return value is the cell's last value. */
  async execute(cell: Cell): Promise<Sent> {
    const code = `cell-${++this.cellCount}`;
    this.cells.set(code, cell);
    return this.send("execute_request", { code, silent: false, store_history: true, stop_on_error: false });
  }

  /** A comm_msg to `commId`. */
  commMsg(commId: string, data: unknown, buffers: Buffer[] = []): Promise<Sent> {
    return this.send("comm_msg", { comm_id: commId, data }, { buffers });
  }

  /** Let queued sends and tasks finish. */
  async settle(): Promise<void> {
    await this.kernel.whenIdle();
    await this.flush();
  }

  /** Run `fn` as if on behalf of a request (its console output goes to the kernel). */
  inRequest<T>(fn: () => T): T {
    return requestContext.run(true, fn);
  }

  /** Give stdout and the display hooks back to the process. */
  close(): void {
    this.kernel.releaseOutput();
  }

  async flush(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  }

  /** IOPub messages of a type (optionally only for one comm). */
  of(msgType: string, commId?: string): Message[] {
    return this.iopub.filter((m) => m.header.msg_type === msgType && (commId === undefined || (m.content as { comm_id?: string }).comm_id === commId));
  }

  /** comm_open messages of widget models, by model name. */
  widgetOpens(modelName?: string): Message[] {
    return this.of("comm_open").filter((m) => {
      const c = m.content as { target_name: string; data: { state?: Record<string, unknown> } & Record<string, unknown> };
      if (c.target_name !== "jupyter.widget") return false;
      const state = c.data.state ?? c.data;
      return modelName === undefined || state._model_name === modelName;
    });
  }

  /** Forget what was recorded. */
  clear(): void {
    this.iopub.length = 0;
    this.shell.length = 0;
  }
}

/** The content of a message, typed loosely for assertions. */
export function content(message: Message | undefined): Record<string, unknown> {
  return (message?.content ?? {}) as Record<string, unknown>;
}

export function commData(message: Message | undefined): Record<string, unknown> {
  return (content(message).data ?? {}) as Record<string, unknown>;
}
