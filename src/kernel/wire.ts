/**
 * The Jupyter wire protocol (messaging spec 5.x): ZeroMQ frames ⇄ messages, HMAC-SHA256 signing.
 * Frames: [identities…, "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers…].
 */
import { createHmac, randomUUID, timingSafeEqual } from "crypto";

export const PROTOCOL_VERSION = "5.3";
const DELIMITER = Buffer.from("<IDS|MSG>");

export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

export interface Message<C = Record<string, unknown>> {
  identities: Buffer[];
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

/** The signature of the four JSON parts; "" when the connection has no key (signing disabled). */
export function sign(key: string, parts: Array<string | Buffer>): string {
  if (!key) return "";
  const hmac = createHmac("sha256", key);
  for (const part of parts) hmac.update(part);
  return hmac.digest("hex");
}

/** Parse frames received on a ROUTER socket, checking the signature. */
export function parseMessage(frames: Buffer[], key: string): Message {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) throw new Error("Jupyter message without the <IDS|MSG> delimiter");
  if (frames.length < at + 6) throw new Error(`Jupyter message with ${frames.length - at - 1} parts after the delimiter; expected ≥ 5`);
  const signature = frames[at + 1].toString();
  const parts = frames.slice(at + 2, at + 6);
  const expected = sign(key, parts);
  if (key) {
    const a = Buffer.from(signature);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new Error("Jupyter message with an invalid signature");
  }
  const [header, parent_header, metadata, content] = parts.map((p) => JSON.parse(p.toString("utf8")));
  return { identities: frames.slice(0, at), header, parent_header, metadata, content, buffers: frames.slice(at + 6) };
}

/** A new message answering or caused by `parent` (same session and routing identities). */
export function childMessage<C>(parent: Message<unknown>, msgType: string, content: C, identities = parent.identities): Message<C> {
  return {
    identities,
    header: {
      msg_id: randomUUID(),
      msg_type: msgType,
      session: parent.header.session,
      username: parent.header.username,
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    },
    parent_header: parent.header,
    metadata: {},
    content,
    buffers: [],
  };
}

/** Frames to send for `message`, signed with `key`. */
export function serializeMessage(message: Message<unknown>, key: string): Buffer[] {
  const parts = [message.header, message.parent_header, message.metadata, message.content].map((p) => Buffer.from(JSON.stringify(p), "utf8"));
  return [...message.identities, DELIMITER, Buffer.from(sign(key, parts)), ...parts, ...message.buffers];
}
