/**
 * Jupyter comms (messaging spec 5.x, "Custom messages"): comm_open, comm_msg and comm_close in
 * both directions, with binary buffers, and comm_info_request. Targets are registered by name; a
 * comm_open for an unknown target is answered with comm_close, as the spec asks. The manager does
 * not know about sockets: it publishes through the function it is given (the kernel's IOPub, with
 * the request being handled as parent).
 */
import { randomUUID } from "crypto";
import type { Buffers, CommHandlers, CommMessageInfo, LinkComm } from "../widgets/link";

export type CommMessageType = "comm_open" | "comm_msg" | "comm_close";

/** Publish one comm message on IOPub. */
export type CommPublisher = (msgType: CommMessageType, content: Record<string, unknown>, metadata: Record<string, unknown>, buffers: Buffers) => void;

export type CommTarget = (comm: LinkComm, data: unknown, buffers: Buffers, info: CommMessageInfo) => void | Promise<void>;

interface CommOpenContent {
  comm_id: string;
  target_name: string;
  data?: unknown;
}

interface CommMsgContent {
  comm_id: string;
  data?: unknown;
}

class KernelComm implements LinkComm {
  handlers: CommHandlers = {};
  private isClosed = false;

  constructor(
    readonly commId: string,
    readonly targetName: string,
    private readonly manager: CommManager,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  send(data: unknown, options: { metadata?: Record<string, unknown>; buffers?: Buffers } = {}): void {
    if (this.isClosed) return;
    this.manager.publish("comm_msg", { comm_id: this.commId, data: data ?? {} }, options.metadata ?? {}, options.buffers ?? []);
  }

  close(data: unknown = {}): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.manager.forget(this.commId);
    this.manager.publish("comm_close", { comm_id: this.commId, data }, {}, []);
  }

  /** The other side closed it. */
  closedRemotely(data: unknown): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.handlers.onClose?.(data);
  }
}

export class CommManager {
  private readonly targets = new Map<string, CommTarget>();
  private readonly comms = new Map<string, KernelComm>();

  constructor(readonly publish: CommPublisher) {}

  registerTarget(name: string, target: CommTarget): void {
    this.targets.set(name, target);
  }

  unregisterTarget(name: string): void {
    this.targets.delete(name);
  }

  /** Open a comm from the kernel side (publishes comm_open). */
  open(
    targetName: string,
    data: unknown = {},
    options: { metadata?: Record<string, unknown>; buffers?: Buffers; commId?: string } = {},
    handlers: CommHandlers = {},
  ): LinkComm {
    const commId = options.commId ?? randomUUID().replace(/-/g, "");
    if (this.comms.has(commId)) throw new Error(`a comm with id ${commId} is already open`);
    const comm = new KernelComm(commId, targetName, this);
    comm.handlers = handlers;
    this.comms.set(commId, comm);
    this.publish("comm_open", { comm_id: commId, target_name: targetName, data: data ?? {} }, options.metadata ?? {}, options.buffers ?? []);
    return comm;
  }

  /** The comm with this id, if open. */
  get(commId: string): LinkComm | undefined {
    return this.comms.get(commId);
  }

  /** The target of an open comm (undefined for unknown ids). */
  targetOf(commId: unknown): string | undefined {
    return typeof commId === "string" ? this.comms.get(commId)?.targetName : undefined;
  }

  /** @internal */
  forget(commId: string): void {
    this.comms.delete(commId);
  }

  /**
   * comm_open from a front-end. An unknown target gets comm_close back and the result says why;
   * errors of the target's handler close the comm and are rethrown.
   */
  async handleOpen(content: CommOpenContent, buffers: Buffers, info: CommMessageInfo): Promise<string | null> {
    const { comm_id: commId, target_name: targetName } = content;
    if (typeof commId !== "string" || typeof targetName !== "string") return "comm_open without comm_id or target_name";
    const target = this.targets.get(targetName);
    if (!target) {
      this.publish("comm_close", { comm_id: commId, data: {} }, {}, []);
      return `no comm target "${targetName}": comm ${commId} closed`;
    }
    const comm = new KernelComm(commId, targetName, this);
    this.comms.set(commId, comm);
    try {
      await target(comm, content.data ?? {}, buffers, info);
    } catch (error) {
      comm.close();
      throw error;
    }
    return null;
  }

  /** comm_msg from a front-end; the result says why it was ignored (an unknown comm). */
  async handleMsg(content: CommMsgContent, buffers: Buffers, info: CommMessageInfo): Promise<string | null> {
    const comm = this.comms.get(content.comm_id);
    if (!comm) return `comm_msg for unknown comm ${String(content.comm_id)}`;
    await comm.handlers.onMsg?.(content.data ?? {}, buffers, info);
    return null;
  }

  /** comm_close from a front-end. */
  handleClose(content: CommMsgContent): string | null {
    const comm = this.comms.get(content.comm_id);
    if (!comm) return `comm_close for unknown comm ${String(content.comm_id)}`;
    this.comms.delete(content.comm_id);
    comm.closedRemotely(content.data ?? {});
    return null;
  }

  /** comm_info_reply's `comms`: every open comm, or those of one target. */
  info(targetName?: string): Record<string, { target_name: string }> {
    const out: Record<string, { target_name: string }> = {};
    for (const [id, comm] of this.comms) {
      if (!targetName || comm.targetName === targetName) out[id] = { target_name: comm.targetName };
    }
    return out;
  }
}
