/**
 * The one run-directory format every trainer writes and `--resume`, notebooks and the CLI read:
 *
 *   <run>/config.json      what was asked for (plus numlab version, backend, start time)
 *   <run>/metrics.jsonl    one JSON object a line: step, time, loss, evaluation figures
 *   <run>/checkpoint/      manifest.json (tensor names, dtypes, shapes, byte offsets),
 *                          tensors.bin (little-endian; tensors.bin.gz when saved with `gzip`),
 *                          state.json (step, data cursor, rng, ...)
 *
 * Checkpoints are written to a temporary folder and renamed into place, so a crash never leaves a
 * half-written checkpoint; the previous one is kept until the new one is complete.
 */
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import * as tf from "@tensorflow/tfjs";
import { fromFloat16Bits, toFloat16Bits } from "../math/float16";

export { fromFloat16Bits, toFloat16Bits };

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const CONFIG_FILE = "config.json";
export const METRICS_FILE = "metrics.jsonl";
export const CHECKPOINT_DIR = "checkpoint";
const PREVIOUS_DIR = "checkpoint.prev";

/** Write `data` to `file` through a fsynced temporary file renamed into place: a crash leaves the old file or the new one, never half of one. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function packageVersion(): string {
  try {
    return require("../../package.json").version as string;
  } catch {
    return "unknown";
  }
}

export interface CreateRunOptions {
  /** Continue an existing run: its config is read back instead of written. */
  resume?: boolean;
}

/**
 * Prepare a run directory and return the config in force. A new run refuses a directory that
 * already holds a checkpoint (pass `resume` to continue it); a resumed run returns the saved config.
 */
export function createRun<C extends object>(dir: string, config: C, options: CreateRunOptions = {}): C {
  const configFile = path.join(dir, CONFIG_FILE);
  if (options.resume) {
    if (!fs.existsSync(configFile)) {
      throw new Error(`cannot resume: ${configFile} does not exist (start a new run without --resume)`);
    }
    return readConfig<C>(dir);
  }
  if (hasCheckpoint(dir)) {
    throw new Error(`run directory ${dir} already holds a checkpoint: pass --resume to continue it, or choose another --out`);
  }
  fs.mkdirSync(dir, { recursive: true });
  const record = { ...config, numlab: { version: packageVersion(), createdAt: new Date().toISOString() } };
  writeFileAtomic(configFile, JSON.stringify(record, null, 2) + "\n");
  fs.writeFileSync(path.join(dir, METRICS_FILE), "");
  return config;
}

/** The config a run was started with (without the `numlab` provenance block). */
export function readConfig<C extends object>(dir: string): C {
  const file = path.join(dir, CONFIG_FILE);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  delete parsed.numlab;
  return parsed as C;
}

/** The step of a run's saved checkpoint (from checkpoint/state.json), or 0 when it has none. */
export function checkpointStep(dir: string): number {
  for (const d of [CHECKPOINT_DIR, PREVIOUS_DIR]) {
    const file = path.join(dir, d, "state.json");
    if (fs.existsSync(file)) {
      const step = (JSON.parse(fs.readFileSync(file, "utf8")) as { step?: unknown }).step;
      if (typeof step === "number") return step;
    }
  }
  return 0;
}

/**
 * Change a resumed run's settings in config.json (atomically) and log the change in its provenance
 * block, `numlab.changes: [{step, change, at}]`, with the checkpoint step from which it applies.
 * Returns the logged entry.
 */
export function amendRunConfig(
  dir: string,
  change: string,
  mutate: (config: Record<string, Record<string, unknown>>) => void,
): { step: number; change: string; at: string } {
  const file = path.join(dir, CONFIG_FILE);
  const record = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
  mutate(record);
  const entry = { step: checkpointStep(dir), change, at: new Date().toISOString() };
  const provenance = record.numlab ?? {};
  record.numlab = { ...provenance, changes: [...((provenance.changes as unknown[] | undefined) ?? []), entry] };
  writeFileAtomic(file, JSON.stringify(record, null, 2) + "\n");
  return entry;
}

/**
 * A resumed seq2seq run continues with another dropout rate (a small model that underfits learns
 * more without it): returns the model config to use and, when the rate changes, logs the change in
 * config.json (`amendRunConfig`).
 */
export function changeDropoutOnResume<M extends { dropout: number }>(dir: string, model: M, dropout: number): M {
  if (!(Number.isFinite(dropout) && dropout >= 0 && dropout < 1)) throw new Error(`dropout must be in [0, 1), got ${dropout}`);
  if (dropout === model.dropout) return model;
  amendRunConfig(dir, `model.dropout ${model.dropout} → ${dropout}`, (c) => {
    c.model.dropout = dropout;
  });
  return { ...model, dropout };
}

/** Append one metrics record (a line of JSON). */
export function appendMetrics(dir: string, record: Record<string, Json | undefined>): void {
  fs.appendFileSync(path.join(dir, METRICS_FILE), JSON.stringify(record) + "\n");
}

/** All metrics records of a run; a torn last line (crash mid-write) is ignored. */
export function readMetrics<T = Record<string, Json>>(dir: string): T[] {
  const file = path.join(dir, METRICS_FILE);
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const out: T[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as T);
    } catch (err) {
      if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim())) {
        throw new Error(`${file}:${i + 1}: ${(err as Error).message}`);
      }
    }
  });
  return out;
}

/**
 * Drop metrics records whose `step` is greater than `step` (used on resume, so steps redone
 * after the last checkpoint are not listed twice).
 */
export function truncateMetricsAfter(dir: string, step: number): void {
  const kept = readMetrics<Record<string, Json>>(dir).filter((r) => typeof r.step !== "number" || r.step <= step);
  writeFileAtomic(path.join(dir, METRICS_FILE), kept.map((r) => JSON.stringify(r) + "\n").join(""));
}

interface ManifestEntry {
  name: string;
  dtype: "float32" | "int32" | "bool";
  /** How the values are stored in tensors.bin. */
  storage: "float32" | "float16" | "int32" | "uint8";
  shape: number[];
  offset: number;
  bytes: number;
}

interface Manifest {
  format: "numlab-checkpoint";
  version: 1;
  /** The file holding the tensors' bytes: "tensors.bin", or "tensors.bin.gz" (gzip); manifests written before it existed mean "tensors.bin". */
  file?: typeof TENSOR_FILE | typeof TENSOR_FILE_GZIP;
  tensors: ManifestEntry[];
}

const TENSOR_FILE = "tensors.bin";
const TENSOR_FILE_GZIP = "tensors.bin.gz";

export interface Checkpoint {
  tensors: Record<string, tf.Tensor>;
  state: Json;
}

export interface SaveOptions {
  /**
   * Store the model's float tensors as float16 (half the size, ~3 significant digits). Optimizer
   * slots (`optimizerTensors`) always stay float32: Adam's second moments are squared gradients,
   * far below float16's smallest normal value, and rounding them to zero would blow up the first
   * steps after a resume.
   */
  float16?: boolean;
  /** Compress the tensor bytes with gzip (lossless; `tensors.bin.gz`): float32 weights averaged from float16 runs shrink by about a third. */
  gzip?: boolean;
}

function encodeTensor(t: tf.Tensor, float16: boolean): { storage: ManifestEntry["storage"]; bytes: Uint8Array } {
  const values = t.dataSync();
  if (t.dtype === "float32") {
    if (float16) {
      const out = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i] as number);
      return { storage: "float16", bytes: new Uint8Array(out.buffer) };
    }
    const copy = Float32Array.from(values as Float32Array);
    return { storage: "float32", bytes: new Uint8Array(copy.buffer) };
  }
  if (t.dtype === "int32") return { storage: "int32", bytes: new Uint8Array(Int32Array.from(values as Int32Array).buffer) };
  if (t.dtype === "bool") return { storage: "uint8", bytes: Uint8Array.from(values as Uint8Array) };
  throw new Error(`checkpoint: tensor dtype ${t.dtype} is not supported`);
}

function decodeTensor(entry: ManifestEntry, buf: Buffer, file: string): tf.Tensor {
  const end = entry.offset + entry.bytes;
  if (end > buf.length) throw new Error(`${file}: truncated (tensor "${entry.name}" needs bytes up to ${end}, file has ${buf.length})`);
  const raw = buf.subarray(entry.offset, end);
  const aligned = new Uint8Array(raw).buffer; // copy: typed arrays need aligned offsets
  const size = entry.shape.reduce((a, b) => a * b, 1);
  let values: Float32Array | Int32Array | Uint8Array;
  switch (entry.storage) {
    case "float32":
      values = new Float32Array(aligned);
      break;
    case "float16": {
      const half = new Uint16Array(aligned);
      values = new Float32Array(half.length);
      for (let i = 0; i < half.length; i++) values[i] = fromFloat16Bits(half[i]);
      break;
    }
    case "int32":
      values = new Int32Array(aligned);
      break;
    case "uint8":
      values = new Uint8Array(aligned);
      break;
  }
  if (values.length !== size) {
    throw new Error(`${file}: tensor "${entry.name}" has ${values.length} values, shape [${entry.shape}] needs ${size}`);
  }
  return tf.tensor(values, entry.shape, entry.dtype);
}

/** True when the run directory holds a complete checkpoint (or the previous one survived). */
export function hasCheckpoint(dir: string): boolean {
  return [CHECKPOINT_DIR, PREVIOUS_DIR].some((d) => fs.existsSync(path.join(dir, d, "manifest.json")));
}

/**
 * Write tensors and JSON state as the run's checkpoint, atomically: a temp folder is filled and
 * fsynced, then renamed over the old checkpoint.
 */
export function saveCheckpoint(dir: string, checkpoint: Checkpoint, options: SaveOptions = {}): void {
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `${CHECKPOINT_DIR}.tmp-${process.pid}-${Date.now()}`);
  fs.mkdirSync(tmp);
  const entries: ManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(checkpoint.tensors)) {
    const { storage, bytes } = encodeTensor(t, Boolean(options.float16) && !name.startsWith(OPTIMIZER_PREFIX));
    entries.push({ name, dtype: t.dtype as ManifestEntry["dtype"], storage, shape: t.shape.slice(), offset, bytes: bytes.length });
    chunks.push(bytes);
    offset += bytes.length;
  }
  const file = options.gzip ? TENSOR_FILE_GZIP : TENSOR_FILE;
  const manifest: Manifest = { format: "numlab-checkpoint", version: 1, file, tensors: entries };
  const bytes = Buffer.concat(chunks);
  writeFileAtomic(path.join(tmp, file), options.gzip ? zlib.gzipSync(bytes, { level: 9 }) : bytes);
  writeFileAtomic(path.join(tmp, "state.json"), JSON.stringify(checkpoint.state) + "\n");
  // the manifest is written last: its presence marks a complete checkpoint
  writeFileAtomic(path.join(tmp, "manifest.json"), JSON.stringify(manifest, null, 1) + "\n");
  const target = path.join(dir, CHECKPOINT_DIR);
  const previous = path.join(dir, PREVIOUS_DIR);
  fs.rmSync(previous, { recursive: true, force: true });
  if (fs.existsSync(target)) fs.renameSync(target, previous);
  fs.renameSync(tmp, target);
  fs.rmSync(previous, { recursive: true, force: true });
}

/** Read a run's checkpoint (or the previous one if a save was interrupted); null when none. */
export function loadCheckpoint(dir: string): Checkpoint | null {
  for (const d of [CHECKPOINT_DIR, PREVIOUS_DIR]) {
    const folder = path.join(dir, d);
    const manifestFile = path.join(folder, "manifest.json");
    if (!fs.existsSync(manifestFile)) continue;
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as Manifest;
    if (manifest.format !== "numlab-checkpoint") throw new Error(`${manifestFile}: not a numlab checkpoint`);
    const binFile = path.join(folder, manifest.file ?? TENSOR_FILE);
    const buf = readTensorFile(binFile);
    const tensors: Record<string, tf.Tensor> = {};
    for (const entry of manifest.tensors) tensors[entry.name] = decodeTensor(entry, buf, binFile);
    const state = JSON.parse(fs.readFileSync(path.join(folder, "state.json"), "utf8")) as Json;
    return { tensors, state };
  }
  return null;
}

function readTensorFile(file: string): Buffer {
  const raw = fs.readFileSync(file);
  if (!file.endsWith(".gz")) return raw;
  try {
    return zlib.gunzipSync(raw);
  } catch (e) {
    throw new Error(`${file}: truncated or not gzip (${(e as Error).message})`);
  }
}

/** Size in bytes of the tensor file of `dir`'s checkpoint, as stored (compressed when gzip). */
export function checkpointBytes(dir: string): number {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, CHECKPOINT_DIR, "manifest.json"), "utf8")) as Manifest;
  return fs.statSync(path.join(dir, CHECKPOINT_DIR, manifest.file ?? TENSOR_FILE)).size;
}

const OPTIMIZER_PREFIX = "optimizer/";

/**
 * Copy a run for shipping (e.g. into data/checkpoints/): its top-level files (config, vocab,
 * metrics, …) and its checkpoint's model tensors without the optimizer slots, optionally stored as
 * float16. `dest` is replaced. Returns the size of the tensor file.
 */
export function exportRunWeights(source: string, dest: string, options: SaveOptions = {}): { bytes: number } {
  if (path.resolve(source) === path.resolve(dest)) throw new Error(`exportRunWeights: source and destination are the same folder (${dest})`);
  const checkpoint = loadCheckpoint(source);
  if (!checkpoint) throw new Error(`${source}: no checkpoint to export`);
  try {
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(dest, { recursive: true });
    for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
      if (entry.isFile() && !entry.name.endsWith(".tmp")) fs.copyFileSync(path.join(source, entry.name), path.join(dest, entry.name));
    }
    const weights = Object.fromEntries(Object.entries(checkpoint.tensors).filter(([name]) => !name.startsWith(OPTIMIZER_PREFIX)));
    const state = { ...(checkpoint.state as Record<string, Json>), exportedFrom: path.basename(path.resolve(source)), weightsOnly: true };
    saveCheckpoint(dest, { tensors: weights, state }, options);
  } finally {
    tf.dispose(Object.values(checkpoint.tensors));
  }
  return { bytes: checkpointBytes(dest) };
}

/** The optimizer's slots (Adam moments, iteration count) as named tensors, order preserved. */
export async function optimizerTensors(optimizer: tf.Optimizer): Promise<Record<string, tf.Tensor>> {
  const weights = await optimizer.getWeights();
  const out: Record<string, tf.Tensor> = {};
  weights.forEach((w, i) => {
    out[`${OPTIMIZER_PREFIX}${String(i).padStart(5, "0")}/${w.name}`] = w.tensor;
  });
  return out;
}

/** Restore slots saved by `optimizerTensors` (other tensors in the record are ignored). */
export async function restoreOptimizer(optimizer: tf.Optimizer, tensors: Record<string, tf.Tensor>): Promise<void> {
  const entries = Object.keys(tensors)
    .filter((k) => k.startsWith(OPTIMIZER_PREFIX))
    .sort()
    .map((k) => ({ name: k.slice(OPTIMIZER_PREFIX.length + 6), tensor: tensors[k] }));
  if (entries.length) await optimizer.setWeights(entries);
}

/** Thrown when a loss becomes NaN or infinite; the last good checkpoint is left untouched. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(
      `loss became ${loss} at step ${step}: training stopped, the last good checkpoint is kept (lower the learning rate or enable clipping, then --resume)`,
    );
    this.name = "NonFiniteLossError";
  }
}

/** Throw `NonFiniteLossError` unless `loss` is finite. */
export function assertFiniteLoss(loss: number, step: number): void {
  if (!Number.isFinite(loss)) throw new NonFiniteLossError(step, loss);
}

/**
 * Average the model weights of several runs' checkpoints into one checkpoint in `dest` (a "model
 * soup": runs trained on from the same starting weights usually stay in one basin, and the mean of
 * their weights often scores better than each of them, at the cost of one model). Every checkpoint
 * must hold the same model tensors (names, shapes, dtypes); float tensors are averaged in double
 * precision, integer and boolean ones must be equal. Optimizer slots are left out: the result holds
 * weights only, with `state` as its state.json. Returns the size of the tensor file.
 */
export function averageCheckpoints(sources: readonly string[], dest: string, state: Record<string, Json>, options: SaveOptions = {}): { bytes: number } {
  if (sources.length < 2) throw new Error(`averageCheckpoints: give two or more runs to average, got ${sources.length}`);
  for (const source of sources) {
    if (path.resolve(source) === path.resolve(dest)) throw new Error(`averageCheckpoints: the destination ${dest} is one of the runs to average`);
  }
  const sums = new Map<string, { dtype: tf.DataType; shape: number[]; values: Float64Array | Int32Array | Uint8Array; from: string }>();
  sources.forEach((source, index) => {
    const checkpoint = loadCheckpoint(source);
    if (!checkpoint) throw new Error(`${source}: no checkpoint to average`);
    try {
      const names = Object.keys(checkpoint.tensors).filter((n) => !n.startsWith(OPTIMIZER_PREFIX));
      if (index > 0) {
        const missing = [...sums.keys()].filter((n) => !names.includes(n));
        const extra = names.filter((n) => !sums.has(n));
        if (missing.length || extra.length) {
          const what = missing.length ? `lacks tensor "${missing[0]}"` : `has tensor "${extra[0]}"`;
          throw new Error(`${source}: ${what}, unlike ${sources[0]}; only runs of one model can be averaged`);
        }
      }
      for (const name of names) {
        const t = checkpoint.tensors[name];
        const values = t.dataSync();
        const sum = sums.get(name);
        if (!sum) {
          const copy =
            t.dtype === "float32"
              ? Float64Array.from(values as Float32Array)
              : t.dtype === "int32"
                ? Int32Array.from(values as Int32Array)
                : Uint8Array.from(values as Uint8Array);
          sums.set(name, { dtype: t.dtype, shape: t.shape.slice(), values: copy, from: source });
          continue;
        }
        if (sum.dtype !== t.dtype || sum.shape.join() !== t.shape.join()) {
          throw new Error(
            `${source}: tensor "${name}" is ${t.dtype} [${t.shape}], ${sum.from} has ${sum.dtype} [${sum.shape}]; only runs of one model can be averaged`,
          );
        }
        if (sum.values instanceof Float64Array) {
          for (let i = 0; i < values.length; i++) sum.values[i] += values[i] as number;
        } else {
          for (let i = 0; i < values.length; i++) {
            if (sum.values[i] !== values[i])
              throw new Error(`${source}: ${t.dtype} tensor "${name}" differs from ${sum.from}'s at index ${i}; integer tensors cannot be averaged`);
          }
        }
      }
    } finally {
      tf.dispose(Object.values(checkpoint.tensors));
    }
  });
  const tensors: Record<string, tf.Tensor> = {};
  try {
    for (const [name, sum] of sums) {
      const values = sum.values instanceof Float64Array ? Float32Array.from(sum.values, (v) => v / sources.length) : sum.values;
      tensors[name] = tf.tensor(values, sum.shape, sum.dtype);
    }
    saveCheckpoint(dest, { tensors, state: { ...state, weightsOnly: true } }, options);
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return { bytes: checkpointBytes(dest) };
}
