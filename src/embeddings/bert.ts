/**
 * BERT's input embeddings of the integers, read without Python: the WordPiece `vocab.txt` (one
 * token a line, line number = token id) and the word-embedding matrix from a Hugging Face
 * `model.safetensors`. The safetensors layout is an 8-byte little-endian header length, a JSON
 * header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then the raw
 * little-endian tensor bytes (offsets relative to the end of the header). Only the requested
 * tensor's bytes are read. Download bert-base-uncased's `vocab.txt` and `model.safetensors` from
 * https://huggingface.co/bert-base-uncased/tree/main.
 */
import * as fs from "fs";
import { fromFloat16Bits, toFloat16Bits } from "../math/float16";
import type { IntegerEmbeddings } from "./tsv";

export type SafetensorsDtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range inside the data section. */
  data_offsets: [number, number];
}

export interface SafetensorsHeader {
  tensors: Record<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** File offset where the data section starts (8 + header length). */
  dataStart: number;
}

const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

function readExactly(fd: number, length: number, position: number, file: string, what: string): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, position + got);
    if (n === 0) throw new Error(`${file}: truncated while reading ${what} (needed ${length} bytes at offset ${position}, got ${got})`);
    got += n;
  }
  return buf;
}

function parseHeader(fd: number, file: string): SafetensorsHeader {
  const size = fs.fstatSync(fd).size;
  const lenBuf = readExactly(fd, 8, 0, file, "the header length");
  const headerLen = Number(lenBuf.readBigUInt64LE(0));
  if (headerLen <= 0 || 8 + headerLen > size) throw new Error(`${file}: not a safetensors file (header length ${headerLen}, file size ${size})`);
  const text = readExactly(fd, headerLen, 8, file, "the JSON header").toString("utf8");
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: the safetensors header is not valid JSON (${(err as Error).message})`);
  }
  const tensors: Record<string, SafetensorsEntry> = {};
  let metadata: Record<string, string> = {};
  const dataStart = 8 + headerLen;
  for (const [name, value] of Object.entries(raw)) {
    if (name === "__metadata__") {
      metadata = value as Record<string, string>;
      continue;
    }
    const e = value as SafetensorsEntry;
    if (!e || !(e.dtype in BYTES) || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) {
      throw new Error(`${file}: header entry "${name}" is malformed (${JSON.stringify(value).slice(0, 80)})`);
    }
    const elements = e.shape.reduce((a, b) => a * b, 1);
    const [begin, end] = e.data_offsets;
    if (end - begin !== elements * BYTES[e.dtype]) {
      throw new Error(`${file}: tensor "${name}" covers ${end - begin} bytes but ${e.dtype}[${e.shape}] needs ${elements * BYTES[e.dtype]}`);
    }
    if (dataStart + end > size)
      throw new Error(`${file}: tensor "${name}" ends at byte ${dataStart + end}, past the end of the file (${size}): truncated download?`);
    tensors[name] = e;
  }
  return { tensors, metadata, dataStart };
}

/** The header of a safetensors file (tensor names, dtypes, shapes, offsets). */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = fs.openSync(file, "r");
  try {
    return parseHeader(fd, file);
  } finally {
    fs.closeSync(fd);
  }
}

function bf16ToFloat(bits: number): number {
  const f = new Float32Array(new Uint32Array([bits << 16]).buffer);
  return f[0];
}

/** Decode little-endian float bytes of a safetensors dtype into float32 values. */
export function decodeFloats(bytes: Buffer, dtype: SafetensorsDtype): Float32Array {
  const n = bytes.length / BYTES[dtype];
  const out = new Float32Array(n);
  switch (dtype) {
    case "F32":
      for (let i = 0; i < n; i++) out[i] = bytes.readFloatLE(4 * i);
      break;
    case "F64":
      for (let i = 0; i < n; i++) out[i] = bytes.readDoubleLE(8 * i);
      break;
    case "F16":
      for (let i = 0; i < n; i++) out[i] = fromFloat16Bits(bytes.readUInt16LE(2 * i));
      break;
    case "BF16":
      for (let i = 0; i < n; i++) out[i] = bf16ToFloat(bytes.readUInt16LE(2 * i));
      break;
    default:
      throw new Error(`dtype ${dtype} is not a float type`);
  }
  return out;
}

export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Values converted to float32, row-major. */
  values: Float32Array;
}

/**
 * Read one float tensor (the first of `names` present), optionally only some rows of its first
 * dimension (`rows`): only those bytes are read from disk.
 */
export function readSafetensorsTensor(file: string, names: string | string[], options: { rows?: number[] } = {}): SafetensorsTensor {
  const candidates = typeof names === "string" ? [names] : names;
  const fd = fs.openSync(file, "r");
  try {
    const header = parseHeader(fd, file);
    const name = candidates.find((n) => n in header.tensors);
    if (!name) {
      const have = Object.keys(header.tensors).slice(0, 8).join(", ");
      throw new Error(
        `${file}: no tensor named ${candidates.join(" or ")} (it has ${Object.keys(header.tensors).length} tensors: ${have}${Object.keys(header.tensors).length > 8 ? ", ..." : ""})`,
      );
    }
    const e = header.tensors[name];
    const width = BYTES[e.dtype];
    const base = header.dataStart + e.data_offsets[0];
    if (!options.rows) {
      const bytes = readExactly(fd, e.data_offsets[1] - e.data_offsets[0], base, file, `tensor "${name}"`);
      return { name, dtype: e.dtype, shape: e.shape.slice(), values: decodeFloats(bytes, e.dtype) };
    }
    const rowElements = e.shape.slice(1).reduce((a, b) => a * b, 1);
    const values = new Float32Array(options.rows.length * rowElements);
    options.rows.forEach((r, i) => {
      if (!Number.isInteger(r) || r < 0 || r >= e.shape[0]) throw new Error(`${file}: row ${r} is outside tensor "${name}" with ${e.shape[0]} rows`);
      const bytes = readExactly(fd, rowElements * width, base + r * rowElements * width, file, `row ${r} of "${name}"`);
      values.set(decodeFloats(bytes, e.dtype), i * rowElements);
    });
    return { name, dtype: e.dtype, shape: [options.rows.length, ...e.shape.slice(1)], values };
  } finally {
    fs.closeSync(fd);
  }
}

/** The tokens of a WordPiece vocab.txt; token id = line index. */
export function readVocab(file: string): string[] {
  const lines = fs
    .readFileSync(file, "utf8")
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Which of 0..count-1 are single tokens, with their token ids, and which are missing. */
export function integerTokenIds(vocab: string[], count: number): { integers: number[]; ids: number[]; missing: number[] } {
  const idOf = new Map<string, number>();
  vocab.forEach((t, i) => {
    if (!idOf.has(t)) idOf.set(t, i);
  });
  const integers: number[] = [];
  const ids: number[] = [];
  const missing: number[] = [];
  for (let n = 0; n < count; n++) {
    const id = idOf.get(String(n));
    if (id === undefined) missing.push(n);
    else {
      integers.push(n);
      ids.push(id);
    }
  }
  return { integers, ids, missing };
}

/** Names under which BERT checkpoints store the word-embedding matrix. */
export const BERT_WORD_EMBEDDING_NAMES = ["bert.embeddings.word_embeddings.weight", "embeddings.word_embeddings.weight"];

export interface BertEmbeddingOptions {
  vocabFile: string;
  modelFile: string;
  /** Integers 0..count-1 are looked up. Default 500. */
  count?: number;
}

/** BERT input embeddings of the integers that are single tokens of its vocabulary. */
export function readBertIntegerEmbeddings(options: BertEmbeddingOptions): IntegerEmbeddings {
  const vocab = readVocab(options.vocabFile);
  const { integers, ids, missing } = integerTokenIds(vocab, options.count ?? 500);
  if (!integers.length) throw new Error(`${options.vocabFile}: none of the integers is a token`);
  const tensor = readSafetensorsTensor(options.modelFile, BERT_WORD_EMBEDDING_NAMES, { rows: ids });
  if (tensor.shape.length !== 2) throw new Error(`${options.modelFile}: "${tensor.name}" is not a matrix (shape [${tensor.shape}])`);
  const dim = tensor.shape[1];
  const vectors = ids.map((_, i) => tensor.values.slice(i * dim, (i + 1) * dim));
  return { integers, vectors, dim, missing, source: options.modelFile };
}

/** Write a safetensors file (for fixtures and exports): float tensors as F32/F16/BF16. */
export function writeSafetensors(
  file: string,
  tensors: Record<string, { dtype: "F32" | "F16" | "BF16"; shape: number[]; values: ArrayLike<number> }>,
  metadata?: Record<string, string>,
): void {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const width = BYTES[t.dtype];
    const buf = Buffer.alloc(t.values.length * width);
    for (let i = 0; i < t.values.length; i++) {
      const v = t.values[i];
      if (t.dtype === "F32") buf.writeFloatLE(v, 4 * i);
      else if (t.dtype === "BF16") {
        const bits = new Uint32Array(new Float32Array([v]).buffer)[0];
        buf.writeUInt16LE(bits >>> 16, 2 * i); // truncation (fixtures only)
      } else buf.writeUInt16LE(toFloat16Bits(v), 2 * i);
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + buf.length] };
    chunks.push(buf);
    offset += buf.length;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8) json += " "; // pad so the data starts aligned
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  fs.writeFileSync(file, Buffer.concat([len, Buffer.from(json), ...chunks]));
}
