/**
 * TensorBoard files written by hand, no TensorFlow needed:
 *  - event files `events.out.tfevents.<time>.<host>`: TFRecord framing (u64 length, masked CRC32C
 *    of the length, the bytes, masked CRC32C of the bytes) around `Event` protocol buffers that
 *    carry `Summary` scalars (`simple_value`) and text (a string tensor for the "text" plugin);
 *  - embedding projector files: `<name>/tensors.tsv`, `<name>/metadata.tsv` (a header row, then
 *    the integer and its properties) and `projector_config.pbtxt` listing every embedding.
 * Open with `tensorboard --logdir <run dir>`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { IntegerEmbeddings } from "../embeddings/tsv";
import { writeFileAtomic } from "./run-dir";
import { PROPERTY_NAMES, propertyLabels } from "../eval/number-properties";

// ---------------------------------------------------------------------------------------------
// CRC32C (Castagnoli), as TFRecord uses it

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/** CRC-32C of `bytes`. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The masked CRC TFRecord stores: rotate right by 15 and add a constant. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord: length, its masked CRC, the data, its masked CRC. */
export function tfRecord(data: Uint8Array): Buffer {
  const header = Buffer.alloc(8);
  header.writeBigUInt64LE(BigInt(data.length));
  const out = Buffer.alloc(8 + 4 + data.length + 4);
  header.copy(out, 0);
  out.writeUInt32LE(maskedCrc32c(header), 8);
  Buffer.from(data.buffer, data.byteOffset, data.length).copy(out, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Protocol buffer wire format (only what Event/Summary need)

class ProtoWriter {
  private parts: Buffer[] = [];

  private varint(value: number | bigint): void {
    let v = BigInt(value);
    if (v < 0n) v += 1n << 64n; // two's complement for negative int64
    const bytes: number[] = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      bytes.push(b);
    } while (v > 0n);
    this.parts.push(Buffer.from(bytes));
  }

  private key(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  int64(field: number, value: number): this {
    this.key(field, 0);
    this.varint(Math.trunc(value));
    return this;
  }

  double(field: number, value: number): this {
    this.key(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    this.parts.push(b);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.parts.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array | string): this {
    const b = typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
    this.key(field, 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

// Field numbers from tensorflow/core/util/event.proto and framework/summary.proto, tensor.proto
const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5 };
const SUMMARY_VALUE = 1;
const VALUE = { tag: 1, simpleValue: 2, tensor: 8, metadata: 9 };
const METADATA = { pluginData: 1 };
const PLUGIN_DATA = { pluginName: 1 };
const TENSOR = { dtype: 1, shape: 2, stringVal: 8 };
const DT_STRING = 7;

/** Bytes of an Event holding the file version header. */
export function fileVersionEvent(wallTime: number): Buffer {
  return new ProtoWriter().double(EVENT.wallTime, wallTime).bytes(EVENT.fileVersion, "brain.Event:2").finish();
}

/** Bytes of an Event with scalar summaries at `step`. */
export function scalarsEvent(step: number, wallTime: number, scalars: Record<string, number>): Buffer {
  return new ProtoWriter()
    .double(EVENT.wallTime, wallTime)
    .int64(EVENT.step, step)
    .message(EVENT.summary, (s) => {
      for (const [tag, value] of Object.entries(scalars)) {
        s.message(SUMMARY_VALUE, (v) => v.bytes(VALUE.tag, tag).float(VALUE.simpleValue, value));
      }
    })
    .finish();
}

/** Bytes of an Event with a text summary (markdown) for TensorBoard's Text tab. */
export function textEvent(step: number, wallTime: number, tag: string, text: string): Buffer {
  return new ProtoWriter()
    .double(EVENT.wallTime, wallTime)
    .int64(EVENT.step, step)
    .message(EVENT.summary, (s) =>
      s.message(SUMMARY_VALUE, (v) =>
        v
          .bytes(VALUE.tag, tag)
          .message(VALUE.metadata, (m) => m.message(METADATA.pluginData, (p) => p.bytes(PLUGIN_DATA.pluginName, "text")))
          .message(VALUE.tensor, (t) =>
            t
              .int64(TENSOR.dtype, DT_STRING)
              .message(TENSOR.shape, () => undefined)
              .bytes(TENSOR.stringVal, text),
          ),
      ),
    )
    .finish();
}

// ---------------------------------------------------------------------------------------------
// Event file writer

/** Appends events to a new `events.out.tfevents.*` file in `logDir` (each writer its own file). */
export class EventFileWriter {
  readonly file: string;
  private fd: number;

  constructor(logDir: string, options: { now?: () => number } = {}) {
    fs.mkdirSync(logDir, { recursive: true });
    const now = (options.now ?? Date.now)() / 1000;
    // a counter keeps two writers created within the same second apart
    let name = `events.out.tfevents.${Math.floor(now)}.${os.hostname()}`;
    for (let i = 1; fs.existsSync(path.join(logDir, name)); i++) name = `events.out.tfevents.${Math.floor(now)}.${os.hostname()}.${i}`;
    this.file = path.join(logDir, name);
    // a new file of its own: never appended through a link or onto another writer's file
    this.fd = fs.openSync(
      this.file,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_APPEND | fs.constants.O_NOFOLLOW,
      0o644,
    );
    this.write(fileVersionEvent(now));
  }

  private write(event: Buffer): void {
    if (this.fd < 0) throw new Error(`event file ${this.file} is closed`);
    fs.writeSync(this.fd, tfRecord(event));
  }

  /** Scalars at a step: `{ loss: 2.3, "probe/div2/test": 0.9 }`. Non-finite values are skipped. */
  addScalars(step: number, scalars: Record<string, number | undefined | null>): void {
    const finite: Record<string, number> = {};
    for (const [k, v] of Object.entries(scalars)) if (typeof v === "number" && Number.isFinite(v)) finite[k] = v;
    if (Object.keys(finite).length) this.write(scalarsEvent(step, Date.now() / 1000, finite));
  }

  addScalar(tag: string, value: number, step: number): void {
    this.addScalars(step, { [tag]: value });
  }

  /** A markdown text (e.g. the run's config) under `tag`. */
  addText(tag: string, text: string, step = 0): void {
    this.write(textEvent(step, Date.now() / 1000, tag, text));
  }

  /** Flush to disk. */
  flush(): void {
    if (this.fd >= 0) fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading and truncating event files (on resume)

/** The names of the event files in `logDir`, sorted. */
export function eventFiles(logDir: string): string[] {
  if (!fs.existsSync(logDir)) return [];
  return fs
    .readdirSync(logDir)
    .filter((n) => n.startsWith("events.out.tfevents."))
    .sort();
}

/**
 * The records of a TFRecord file, each checked by its two masked CRCs; reading stops at the first
 * torn or damaged record (what a crash while writing leaves at the end).
 */
export function readTfRecords(file: string): Buffer[] {
  const buf = fs.readFileSync(file);
  const out: Buffer[] = [];
  let at = 0;
  while (at + 12 <= buf.length) {
    const header = buf.subarray(at, at + 8);
    if (buf.readUInt32LE(at + 8) !== maskedCrc32c(header)) break;
    const length = Number(header.readBigUInt64LE(0));
    const end = at + 12 + length + 4;
    if (end > buf.length) break;
    const data = buf.subarray(at + 12, at + 12 + length);
    if (buf.readUInt32LE(at + 12 + length) !== maskedCrc32c(data)) break;
    out.push(data);
    at = end;
  }
  return out;
}

/** The `step` of an Event (field 2, a varint), or null when it has none (the file-version header). */
export function eventStep(event: Uint8Array): number | null {
  let at = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; at < event.length; shift += 7n) {
      const b = event[at++];
      value |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    return value;
  };
  while (at < event.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    if (wire === 0) {
      const v = varint();
      if (field === EVENT.step) return Number(BigInt.asIntN(64, v));
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) at += Number(varint());
    else return null; // not an Event we wrote
  }
  return null;
}

/**
 * Drop the events after `step` from every event file in `logDir`, and a torn last record: a
 * resumed run writes the steps after its checkpoint again, and TensorBoard would show each of them
 * twice. A file left with only its header is removed. Returns the number of events dropped.
 */
export function truncateEventFiles(logDir: string, step: number): number {
  let dropped = 0;
  for (const name of eventFiles(logDir)) {
    const file = path.join(logDir, name);
    const records = readTfRecords(file);
    const kept = records.filter((r) => {
      const s = eventStep(r);
      return s === null || s <= step;
    });
    const size = fs.statSync(file).size;
    const keptBytes = kept.reduce((n, r) => n + r.length + 16, 0);
    dropped += records.length - kept.length;
    if (keptBytes === size) continue;
    if (kept.every((r) => eventStep(r) === null)) fs.rmSync(file, { force: true });
    else writeFileAtomic(file, Buffer.concat(kept.map((r) => tfRecord(r))));
  }
  return dropped;
}

// ---------------------------------------------------------------------------------------------
// Embedding projector

export const PROJECTOR_DIR = "projector";

/** metadata.tsv text: a header `integer div2 ... prime`, then one row per integer. */
export function projectorMetadataTsv(integers: number[]): string {
  const labels = propertyLabels(integers);
  const header = ["integer", ...PROPERTY_NAMES].join("\t");
  const rows = integers.map((n, i) => [String(n), ...PROPERTY_NAMES.map((p) => (labels[p][i] ? "1" : "0"))].join("\t"));
  return [header, ...rows].join("\n") + "\n";
}

function projectorName(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`projector embedding name "${name}" must use letters, digits, _ . - only`);
  return name;
}

/**
 * Write one embedding for TensorBoard's projector under `<logDir>/projector/<name>/` and rewrite
 * `<logDir>/projector_config.pbtxt` to list every embedding written so far.
 */
export function writeProjectorEmbedding(logDir: string, name: string, emb: IntegerEmbeddings): void {
  const dir = path.join(logDir, PROJECTOR_DIR, projectorName(name));
  fs.mkdirSync(dir, { recursive: true });
  const tensors = emb.vectors.map((v) => Array.from(v, (x) => String(Math.fround(x))).join("\t")).join("\n") + "\n";
  writeFileAtomic(path.join(dir, "tensors.tsv"), tensors);
  writeFileAtomic(path.join(dir, "metadata.tsv"), projectorMetadataTsv(emb.integers));
  writeProjectorConfig(logDir);
}

/** Rewrite `projector_config.pbtxt` from the embeddings present under `<logDir>/projector/`. */
export function writeProjectorConfig(logDir: string): string[] {
  const root = path.join(logDir, PROJECTOR_DIR);
  const names = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((n) => fs.existsSync(path.join(root, n, "tensors.tsv")))
        .sort()
    : [];
  const blocks = names.map((n) =>
    [
      "embeddings {",
      `  tensor_name: "${n}"`,
      `  tensor_path: "${PROJECTOR_DIR}/${n}/tensors.tsv"`,
      `  metadata_path: "${PROJECTOR_DIR}/${n}/metadata.tsv"`,
      "}",
    ].join("\n"),
  );
  writeFileAtomic(path.join(logDir, "projector_config.pbtxt"), blocks.join("\n") + (blocks.length ? "\n" : ""));
  return names;
}
