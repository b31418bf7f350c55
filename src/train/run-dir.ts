/**
 * The one run-directory format every trainer writes and `--resume`, notebooks and the CLI read:
 *
 *   <run>/config.json      what was asked for (plus numlab version, start time, inputs, changes)
 *   <run>/metrics.jsonl    one JSON object a line: step, time, loss, evaluation figures
 *   <run>/checkpoint/      manifest.json (tensor names, dtypes, shapes, byte offsets, and the size
 *                          and SHA-256 of every file), tensors.bin (little-endian; tensors.bin.gz
 *                          when saved with `gzip`), state.json (step, data cursor, rng, ...)
 *   <run>/.lock            the writer's lock (`run-lock.ts`): one writer per run directory
 *
 * Checkpoints are written to a temporary folder and renamed into place, so a crash never leaves a
 * half-written checkpoint; the previous one is kept until the new one is complete. Loading checks
 * every file against the manifest's checksums, keeps file names inside the checkpoint folder and
 * refuses NaN or infinite values; saving refuses them too. Writes never follow symbolic links:
 * a run directory holding one is refused.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import * as tf from "@tensorflow/tfjs";
import { fromFloat16Bits, toFloat16Bits } from "../math/float16";
import { LockOptions, RunLock, ensureRunLock, lockRunDir, releaseImplicitRunLock, staleLockTemporaries } from "./run-lock";

export { fromFloat16Bits, toFloat16Bits };

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const CONFIG_FILE = "config.json";
export const METRICS_FILE = "metrics.jsonl";
export const CHECKPOINT_DIR = "checkpoint";
const PREVIOUS_DIR = "checkpoint.prev";
const TEMPORARY_CHECKPOINT = /^checkpoint\.tmp-/;
const TEMPORARY_FILE = /\.tmp-\d+$/;

const faultCounts = new Map<string, number>();

/**
 * Fault injection for the crash tests (tests/faults/): when NUMLAB_FAULT is `name` or `name:N`,
 * the process kills itself (SIGKILL, like kill -9) the first (or N-th) time it reaches this point.
 */
function faultPoint(name: string): void {
  const wanted = process.env.NUMLAB_FAULT;
  if (!wanted) return;
  const [point, nth] = wanted.split(":");
  if (point !== name) return;
  const count = (faultCounts.get(name) ?? 0) + 1;
  faultCounts.set(name, count);
  if (count === Number(nth ?? 1)) process.kill(process.pid, "SIGKILL");
}

/** fsync a folder, so that renames inside it survive a power loss (best effort: some file systems refuse). */
function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // not supported here
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** A write error with the file named, and for a full disk what survives and what to do. */
function writeError(file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOSPC" || code === "EDQUOT") {
    const e = new Error(
      `${file}: no space left on the device (${code}): nothing half-written is kept, the last complete checkpoint stays; free some space, then --resume`,
    ) as NodeJS.ErrnoException;
    e.code = code;
    return e;
  }
  return err as Error;
}

/** Open a file for writing without following a symbolic link at its name (an error names it). */
function openNoFollow(file: string, flags: number): number {
  try {
    return fs.openSync(file, flags | fs.constants.O_NOFOLLOW, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") {
      throw new Error(`${file} is a symbolic link: numlab does not write through links in a run directory; remove it`);
    }
    throw err;
  }
}

/**
 * Write `data` to `file` through a fsynced temporary file renamed into place: a crash leaves the
 * old file or the new one, never half of one. A symbolic link at `file` is replaced, not followed.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true }); // a leftover of this pid (or a planted link): removed, never followed
  let fd: number;
  try {
    fd = openNoFollow(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL);
  } catch (err) {
    throw writeError(file, err);
  }
  try {
    try {
      fs.writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true }); // e.g. a full disk: do not leave the partial file behind
    throw writeError(file, err);
  }
  fsyncDir(path.dirname(file));
}

/**
 * Refuse a run directory that holds a symbolic link (at its top level or in its folders): numlab
 * would otherwise read or write a file outside the run. The run directory itself may be a link.
 */
export function assertNoSymlinks(dir: string): void {
  const walk = (folder: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    for (const entry of entries) {
      const p = path.join(folder, entry.name);
      if (entry.isSymbolicLink()) {
        let target = "?";
        try {
          target = fs.readlinkSync(p);
        } catch {
          // gone meanwhile
        }
        throw new Error(`${p} is a symbolic link (→ ${target}): numlab does not write through links in a run directory; remove it or choose another --out`);
      }
      if (entry.isDirectory() && depth < 2) walk(p, depth + 1);
    }
  };
  walk(dir, 0);
}

/**
 * Remove what crashed writers left in a run directory: temporary checkpoint folders
 * (`checkpoint.tmp-*`, after putting a complete one in place when `checkpoint/` is missing), a
 * previous checkpoint a newer complete one replaced, temporary files (`*.tmp-<pid>`) and old lock
 * attempts. Call only while holding the run's lock. Returns the names removed.
 */
export function removeStaleTemporaries(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  promoteCompleteTemporary(dir);
  const removed: string[] = [];
  // a save killed before it removed the previous checkpoint: the new one is complete, the old one redundant
  if (fs.existsSync(path.join(dir, CHECKPOINT_DIR, MANIFEST_FILE)) && fs.existsSync(path.join(dir, PREVIOUS_DIR))) {
    fs.rmSync(path.join(dir, PREVIOUS_DIR), { recursive: true, force: true });
    removed.push(PREVIOUS_DIR);
  }
  for (const name of fs.readdirSync(dir)) {
    if (TEMPORARY_CHECKPOINT.test(name) || TEMPORARY_FILE.test(name)) {
      fs.rmSync(path.join(dir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  for (const name of staleLockTemporaries(dir)) {
    fs.rmSync(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * A save killed between its two renames leaves the old checkpoint in `checkpoint.prev/` and the
 * new, complete one in `checkpoint.tmp-*`: put the newest complete one (every file matching the
 * manifest's checksums) in place, so that no step is lost. Returns its folder name, or null.
 */
function promoteCompleteTemporary(dir: string): string | null {
  if (fs.existsSync(path.join(dir, CHECKPOINT_DIR))) return null;
  const candidates = fs
    .readdirSync(dir)
    .filter((n) => TEMPORARY_CHECKPOINT.test(n) && fs.existsSync(path.join(dir, n, MANIFEST_FILE)))
    .map((n) => ({ n, step: verifiedStep(path.join(dir, n)) }))
    .filter((c): c is { n: string; step: number } => c.step !== null)
    .sort((a, b) => b.step - a.step);
  const best = candidates[0];
  if (!best) return null;
  const previousStep = fs.existsSync(path.join(dir, PREVIOUS_DIR, MANIFEST_FILE)) ? verifiedStep(path.join(dir, PREVIOUS_DIR)) : null;
  if (previousStep !== null && previousStep > best.step) return null;
  fs.renameSync(path.join(dir, best.n), path.join(dir, CHECKPOINT_DIR));
  fsyncDir(dir);
  return best.n;
}

/** The step in a checkpoint folder's state.json when its manifest and files check out (checksums), else null. */
function verifiedStep(folder: string): number | null {
  try {
    const manifest = readManifest(path.join(folder, MANIFEST_FILE));
    if (manifest.version !== 2) return null;
    readCheckpointFile(folder, manifest.file ?? TENSOR_FILE, manifest);
    const state = JSON.parse(readCheckpointFile(folder, STATE_FILE, manifest).toString("utf8")) as { step?: unknown };
    return typeof state.step === "number" ? state.step : 0;
  } catch {
    return null;
  }
}

/**
 * What a trainer calls before it writes to a run directory: take its exclusive lock (`lockRunDir`:
 * a second writer fails naming the holder), refuse symbolic links in it, and clear what crashed
 * writers left (putting a complete checkpoint a crash left in a temporary folder in place).
 * Release the returned lock when the training ends.
 */
export function lockRun(dir: string, options: LockOptions = {}): RunLock {
  const lock = lockRunDir(dir, options);
  try {
    assertNoSymlinks(dir);
    removeStaleTemporaries(dir);
  } catch (err) {
    lock.release();
    throw err;
  }
  return lock;
}

/** Take the run's lock (unless this process holds it), refuse symbolic links, and clear crashed writers' leftovers. */
function prepareRunDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  ensureRunLock(dir);
  try {
    assertNoSymlinks(dir);
    removeStaleTemporaries(dir);
  } catch (err) {
    releaseImplicitRunLock(dir);
    throw err;
  }
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
 * Either way the directory is locked for this process (`run-lock.ts`; a trainer that did not lock
 * it itself releases it with `releaseImplicitRunLock`), symbolic links in it are refused and
 * crashed writers' temporary files are removed.
 */
export function createRun<C extends object>(dir: string, config: C, options: CreateRunOptions = {}): C {
  const configFile = path.join(dir, CONFIG_FILE);
  if (options.resume) {
    assertResumable(dir);
    prepareRunDir(dir);
    return readConfig<C>(dir);
  }
  prepareRunDir(dir);
  if (hasCheckpoint(dir)) {
    releaseImplicitRunLock(dir);
    throw new Error(`run directory ${dir} already holds a checkpoint: pass --resume to continue it, or choose another --out`);
  }
  const record = { ...config, numlab: { version: packageVersion(), createdAt: new Date().toISOString() } };
  writeFileAtomic(configFile, JSON.stringify(record, null, 2) + "\n");
  writeFileAtomic(path.join(dir, METRICS_FILE), "");
  return config;
}

/** Throw the error `createRun` gives when there is no run to resume in `dir` (no config.json). */
export function assertResumable(dir: string): void {
  const configFile = path.join(dir, CONFIG_FILE);
  if (!fs.existsSync(configFile)) throw new Error(`cannot resume: ${configFile} does not exist (start a new run without --resume)`);
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
      let state: { step?: unknown };
      try {
        state = JSON.parse(fs.readFileSync(file, "utf8")) as { step?: unknown };
      } catch (err) {
        throw new CheckpointError(file, `not valid JSON (${(err as Error).message}): the checkpoint is damaged`);
      }
      if (typeof state?.step === "number") return state.step;
    }
  }
  return 0;
}

/**
 * Check a run's checkpoint without decoding its tensors: the manifest (fields, its own checksum)
 * and the size and SHA-256 of every file it lists. Returns the checkpoint's step (null when the run
 * has none); throws `CheckpointError` naming the damaged file. Trainers call it on resume before
 * they change anything, so that a damaged checkpoint leaves the run as it was.
 */
export function verifyCheckpoint(dir: string): number | null {
  const folder = [CHECKPOINT_DIR, PREVIOUS_DIR].map((d) => path.join(dir, d)).find((f) => fs.existsSync(path.join(f, MANIFEST_FILE)));
  if (!folder) {
    if (fs.existsSync(path.join(dir, CHECKPOINT_DIR))) {
      throw new CheckpointError(
        path.join(dir, CHECKPOINT_DIR, MANIFEST_FILE),
        "missing: the checkpoint is damaged (restore it from a copy, or start a new run)",
      );
    }
    return null;
  }
  const manifest = readManifest(path.join(folder, MANIFEST_FILE));
  readCheckpointFile(folder, manifest.file ?? TENSOR_FILE, manifest);
  const stateFile = path.join(folder, STATE_FILE);
  let state: { step?: unknown };
  try {
    state = JSON.parse(readCheckpointFile(folder, STATE_FILE, manifest).toString("utf8")) as { step?: unknown };
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(stateFile, `not valid JSON (${(err as Error).message}): the checkpoint is damaged`);
  }
  return typeof state?.step === "number" ? state.step : 0;
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
  const line = Buffer.from(JSON.stringify(record) + "\n");
  const file = path.join(dir, METRICS_FILE);
  const fd = openNoFollow(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT);
  try {
    if (process.env.NUMLAB_FAULT?.startsWith("metrics-torn")) {
      fs.writeSync(fd, line.subarray(0, line.length >> 1));
      faultPoint("metrics-torn");
      fs.writeSync(fd, line.subarray(line.length >> 1));
    } else {
      fs.writeSync(fd, line);
    }
  } catch (err) {
    throw writeError(file, err); // a torn last line is dropped on resume
  } finally {
    fs.closeSync(fd);
  }
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

/** Size and SHA-256 of one file of a checkpoint. */
interface FileDigest {
  bytes: number;
  sha256: string;
}

interface Manifest {
  format: "numlab-checkpoint";
  /** 1: no checksums (checkpoints written before they existed, e.g. some shipped models); 2: `files` and `checksum`. */
  version: 1 | 2;
  /** The file holding the tensors' bytes: "tensors.bin", or "tensors.bin.gz" (gzip); manifests written before it existed mean "tensors.bin". */
  file?: typeof TENSOR_FILE | typeof TENSOR_FILE_GZIP;
  tensors: ManifestEntry[];
  /** Version 2: size and SHA-256 of the tensor file (as stored) and of state.json. */
  files?: Record<string, FileDigest>;
  /** Version 2: SHA-256 of this manifest's JSON without this field. */
  checksum?: string;
}

const TENSOR_FILE = "tensors.bin";
const TENSOR_FILE_GZIP = "tensors.bin.gz";
const STATE_FILE = "state.json";
const MANIFEST_FILE = "manifest.json";
const STORAGE_BYTES: Record<ManifestEntry["storage"], number> = { float32: 4, float16: 2, int32: 4, uint8: 1 };
const STORAGE_OF_DTYPE: Record<ManifestEntry["dtype"], ManifestEntry["storage"][]> = { float32: ["float32", "float16"], int32: ["int32"], bool: ["uint8"] };

export interface Checkpoint {
  tensors: Record<string, tf.Tensor>;
  state: Json;
}

/** A checkpoint that cannot be trusted: a missing or damaged file, a bad manifest, NaN or infinite values. */
export class CheckpointError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = "CheckpointError";
  }
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

function sha256(bytes: Uint8Array): string {
  return crypto.createHash("sha256").update(bytes).digest("hex");
}

/** The SHA-256 a version-2 manifest records of itself: of its JSON without the `checksum` field. */
function manifestChecksum(manifest: Manifest): string {
  const { checksum: _checksum, ...rest } = manifest;
  return sha256(Buffer.from(JSON.stringify(rest)));
}

/** The first NaN or infinite value among float tensors, as "tensor "name" holds NaN at index i", or null when all are finite. */
export function nonFiniteTensor(tensors: Record<string, tf.Tensor>): string | null {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== "float32") continue;
    const values = t.dataSync() as Float32Array;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) return `tensor "${name}" holds ${values[i]} at index ${i}`;
    }
  }
  return null;
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
  if (end > buf.length) throw new CheckpointError(file, `truncated (tensor "${entry.name}" needs bytes up to ${end}, file has ${buf.length})`);
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
    throw new CheckpointError(file, `tensor "${entry.name}" has ${values.length} values, shape [${entry.shape}] needs ${size}`);
  }
  if (values instanceof Float32Array) {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new CheckpointError(file, `tensor "${entry.name}" holds ${values[i]} at index ${i}: numlab does not load NaN or infinite weights`);
      }
    }
  }
  return tf.tensor(values, entry.shape, entry.dtype);
}

/**
 * True when the run directory holds a checkpoint: a `checkpoint/` folder (complete, or damaged:
 * loading it then says so), or a complete previous one a crashed save left.
 */
export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, CHECKPOINT_DIR)) || fs.existsSync(path.join(dir, PREVIOUS_DIR, MANIFEST_FILE));
}

/**
 * Write tensors and JSON state as the run's checkpoint, atomically: a temp folder is filled and
 * fsynced, then renamed over the old checkpoint. The manifest records the size and SHA-256 of every
 * file. Tensors holding NaN or infinite values are refused (the previous checkpoint stays).
 */
export function saveCheckpoint(dir: string, checkpoint: Checkpoint, options: SaveOptions = {}): void {
  const bad = nonFiniteTensor(checkpoint.tensors);
  if (bad) throw new CheckpointError(path.join(dir, CHECKPOINT_DIR), `not saved: ${bad} (the previous checkpoint is kept)`);
  fs.mkdirSync(dir, { recursive: true });
  // earlier saves of a crashed writer (the caller holds the run's lock, so none of them is running)
  for (const name of fs.readdirSync(dir)) if (TEMPORARY_CHECKPOINT.test(name)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  const tmp = path.join(dir, `${CHECKPOINT_DIR}.tmp-${process.pid}-${Date.now()}`);
  try {
    fs.mkdirSync(tmp);
  } catch (err) {
    throw writeError(tmp, err);
  }
  try {
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
    const raw = Buffer.concat(chunks);
    const tensorBytes = options.gzip ? zlib.gzipSync(raw, { level: 9 }) : raw;
    const stateBytes = Buffer.from(JSON.stringify(checkpoint.state) + "\n");
    writeFileAtomic(path.join(tmp, file), tensorBytes);
    writeFileAtomic(path.join(tmp, STATE_FILE), stateBytes);
    faultPoint("checkpoint-files");
    const manifest: Manifest = {
      format: "numlab-checkpoint",
      version: 2,
      file,
      tensors: entries,
      files: { [file]: { bytes: tensorBytes.length, sha256: sha256(tensorBytes) }, [STATE_FILE]: { bytes: stateBytes.length, sha256: sha256(stateBytes) } },
    };
    manifest.checksum = manifestChecksum(manifest);
    // the manifest is written last: its presence marks a complete checkpoint
    writeFileAtomic(path.join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + "\n");
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true }); // e.g. a full disk: the previous checkpoint stays
    const step = (checkpoint.state as { step?: unknown } | null)?.step;
    if (typeof step === "number" && err instanceof Error && /\((ENOSPC|EDQUOT)\)/.test(err.message))
      err.message = `saving the checkpoint of step ${step}: ${err.message}`;
    throw err;
  }
  const target = path.join(dir, CHECKPOINT_DIR);
  const previous = path.join(dir, PREVIOUS_DIR);
  // the newest complete checkpoint moves aside; when there is none (a save crashed between the
  // renames), the previous one is the newest and stays until the new one is in place
  if (fs.existsSync(target)) {
    fs.rmSync(previous, { recursive: true, force: true });
    fs.renameSync(target, previous);
  }
  faultPoint("checkpoint-swap");
  fs.renameSync(tmp, target);
  fsyncDir(dir);
  faultPoint("checkpoint-cleanup");
  fs.rmSync(previous, { recursive: true, force: true });
}

function isNonNegativeInteger(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 0;
}

/** Parse and check a manifest: its checksum, its fields, and that the files it names stay inside its folder. */
function readManifest(manifestFile: string): Manifest {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as Manifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code) throw err;
    throw new CheckpointError(manifestFile, `not valid JSON (${(err as Error).message}): the checkpoint is damaged`);
  }
  const bad = (problem: string): never => {
    throw new CheckpointError(manifestFile, `${problem}: the checkpoint is damaged`);
  };
  if (manifest === null || typeof manifest !== "object" || manifest.format !== "numlab-checkpoint")
    throw new CheckpointError(manifestFile, "not a numlab checkpoint");
  if (manifest.version !== 1 && manifest.version !== 2) bad(`unknown manifest version ${JSON.stringify(manifest.version)}`);
  if (manifest.version === 2) {
    if (typeof manifest.checksum !== "string" || manifest.checksum !== manifestChecksum(manifest)) bad("the manifest does not match its checksum");
    if (!manifest.files || typeof manifest.files !== "object") bad("the manifest lists no file checksums");
  }
  const file = manifest.file ?? TENSOR_FILE;
  if (file !== TENSOR_FILE && file !== TENSOR_FILE_GZIP) {
    bad(`it names the tensor file ${JSON.stringify(file)}; a checkpoint's files are ${TENSOR_FILE} or ${TENSOR_FILE_GZIP} inside its own folder`);
  }
  if (!Array.isArray(manifest.tensors)) bad("no tensor list");
  const names = new Set<string>();
  for (const e of manifest.tensors) {
    const where = `tensor ${JSON.stringify(e?.name)}`;
    if (!e || typeof e.name !== "string" || e.name === "" || names.has(e.name)) bad(`${where}: a missing or repeated name`);
    names.add(e.name);
    if (!(e.dtype in STORAGE_OF_DTYPE) || !STORAGE_OF_DTYPE[e.dtype].includes(e.storage)) bad(`${where}: dtype ${e.dtype} stored as ${e.storage}`);
    if (!Array.isArray(e.shape) || !e.shape.every(isNonNegativeInteger)) bad(`${where}: shape ${JSON.stringify(e.shape)}`);
    if (!isNonNegativeInteger(e.offset) || !isNonNegativeInteger(e.bytes)) bad(`${where}: offset ${e.offset}, bytes ${e.bytes}`);
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (e.bytes !== size * STORAGE_BYTES[e.storage]) bad(`${where}: ${e.bytes} bytes for shape [${e.shape}] as ${e.storage}`);
  }
  return manifest;
}

/** Read one file of a checkpoint folder: a regular file (not a link), checked against the manifest's size and SHA-256 when it has them. */
function readCheckpointFile(folder: string, name: string, manifest: Manifest): Buffer {
  const file = path.join(folder, name);
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!stat) throw new CheckpointError(file, `missing (the manifest lists it): the checkpoint is incomplete`);
  if (!stat.isFile())
    throw new CheckpointError(file, `not a regular file${stat.isSymbolicLink() ? " (a symbolic link)" : ""}: numlab reads a checkpoint's own files only`);
  const bytes = fs.readFileSync(file);
  const digest = manifest.files?.[name];
  if (manifest.version === 2) {
    if (!digest) throw new CheckpointError(file, "the manifest has no checksum for it: the checkpoint is damaged");
    if (bytes.length !== digest.bytes) {
      const how = bytes.length < digest.bytes ? "truncated" : "longer than the manifest says";
      throw new CheckpointError(file, `${how} (${bytes.length} bytes, the manifest says ${digest.bytes}): the checkpoint is damaged`);
    }
    const actual = sha256(bytes);
    if (actual !== digest.sha256) {
      throw new CheckpointError(
        file,
        `checksum mismatch (sha256 ${actual.slice(0, 12)}…, the manifest says ${digest.sha256.slice(0, 12)}…): the checkpoint is damaged`,
      );
    }
  }
  return bytes;
}

function loadFolder(folder: string): Checkpoint {
  const manifest = readManifest(path.join(folder, MANIFEST_FILE));
  const tensorName = manifest.file ?? TENSOR_FILE;
  const binFile = path.join(folder, tensorName);
  const stored = readCheckpointFile(folder, tensorName, manifest);
  const buf = gunzipIfNeeded(stored, binFile);
  const stateBytes = readCheckpointFile(folder, STATE_FILE, manifest);
  let state: Json;
  try {
    state = JSON.parse(stateBytes.toString("utf8")) as Json;
  } catch (err) {
    throw new CheckpointError(path.join(folder, STATE_FILE), `not valid JSON (${(err as Error).message}): the checkpoint is damaged`);
  }
  const tensors: Record<string, tf.Tensor> = {};
  try {
    for (const entry of manifest.tensors) tensors[entry.name] = decodeTensor(entry, buf, binFile);
  } catch (err) {
    tf.dispose(Object.values(tensors));
    throw err;
  }
  return { tensors, state };
}

/**
 * Read a run's checkpoint (or the previous one if a save was interrupted); null when none. Every
 * file is checked against the manifest (size, SHA-256), the manifest's own fields and checksum are
 * checked, and NaN or infinite values are refused: a damaged checkpoint throws `CheckpointError`
 * naming the file. A checkpoint replaced while it is read (a writer saving) is read again.
 */
export function loadCheckpoint(dir: string): Checkpoint | null {
  for (let attempt = 0; ; attempt++) {
    try {
      for (const d of [CHECKPOINT_DIR, PREVIOUS_DIR]) {
        const folder = path.join(dir, d);
        if (!fs.existsSync(path.join(folder, MANIFEST_FILE))) {
          // checkpoint/ appears only complete (renamed into place): without a manifest it was damaged
          if (d === CHECKPOINT_DIR && fs.existsSync(folder)) {
            throw new CheckpointError(path.join(folder, MANIFEST_FILE), "missing: the checkpoint is damaged (restore it from a copy, or start a new run)");
          }
          continue;
        }
        return loadFolder(folder);
      }
      return null;
    } catch (err) {
      // a writer renamed the folder away between our reads: read the new one
      const missing = (err as NodeJS.ErrnoException).code === "ENOENT" || (err instanceof CheckpointError && /missing/.test(err.message));
      if (!missing || attempt >= 3) throw err;
    }
  }
}

function gunzipIfNeeded(raw: Buffer, file: string): Buffer {
  if (!file.endsWith(".gz")) return raw;
  try {
    return zlib.gunzipSync(raw);
  } catch (e) {
    throw new CheckpointError(file, `truncated or not gzip (${(e as Error).message})`);
  }
}

/** Size in bytes of the tensor file of `dir`'s checkpoint, as stored (compressed when gzip). */
export function checkpointBytes(dir: string): number {
  const manifest = readManifest(path.join(dir, CHECKPOINT_DIR, MANIFEST_FILE));
  return fs.statSync(path.join(dir, CHECKPOINT_DIR, manifest.file ?? TENSOR_FILE)).size;
}

const OPTIMIZER_PREFIX = "optimizer/";
/** Optimizer slots proper (moments, iteration count): `optimizer/00000/<name>`. */
const OPTIMIZER_SLOT = /^optimizer\/\d{5}\//;
/** Adam's running powers of beta1 and beta2, saved so that a resumed run continues bit for bit. */
const ADAM_ACC_BETA = { accBeta1: `${OPTIMIZER_PREFIX}adam/accBeta1`, accBeta2: `${OPTIMIZER_PREFIX}adam/accBeta2` } as const;

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
      const skip = entry.name.endsWith(".tmp") || TEMPORARY_FILE.test(entry.name) || entry.name.startsWith(".lock");
      if (entry.isFile() && !skip) fs.copyFileSync(path.join(source, entry.name), path.join(dest, entry.name));
    }
    const weights = Object.fromEntries(Object.entries(checkpoint.tensors).filter(([name]) => !name.startsWith(OPTIMIZER_PREFIX)));
    const state = { ...(checkpoint.state as Record<string, Json>), exportedFrom: path.basename(path.resolve(source)), weightsOnly: true };
    saveCheckpoint(dest, { tensors: weights, state }, options);
  } finally {
    tf.dispose(Object.values(checkpoint.tensors));
  }
  return { bytes: checkpointBytes(dest) };
}

interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/**
 * The optimizer's state as named tensors, order preserved: its slots (Adam moments, iteration
 * count) and, for Adam, the running powers of beta1 and beta2 (tfjs recomputes them as a power on
 * `setWeights`, which differs in the last bits from the running product).
 */
export async function optimizerTensors(optimizer: tf.Optimizer): Promise<Record<string, tf.Tensor>> {
  const weights = await optimizer.getWeights();
  const out: Record<string, tf.Tensor> = {};
  weights.forEach((w, i) => {
    out[`${OPTIMIZER_PREFIX}${String(i).padStart(5, "0")}/${w.name}`] = w.tensor;
  });
  if (optimizer instanceof tf.AdamOptimizer) {
    const adam = optimizer as unknown as AdamInternals;
    out[ADAM_ACC_BETA.accBeta1] = adam.accBeta1;
    out[ADAM_ACC_BETA.accBeta2] = adam.accBeta2;
  }
  return out;
}

/** Restore the state saved by `optimizerTensors` (other tensors in the record are ignored); the slots it replaces are freed. */
export async function restoreOptimizer(optimizer: tf.Optimizer, tensors: Record<string, tf.Tensor>): Promise<void> {
  const entries = Object.keys(tensors)
    .filter((k) => OPTIMIZER_SLOT.test(k))
    .sort()
    .map((k) => ({ name: k.slice(OPTIMIZER_PREFIX.length + 6), tensor: tensors[k] }));
  if (!entries.length) return;
  const before = (await optimizer.getWeights()).slice(1).map((w) => w.tensor); // slot variables (not the iteration count)
  await optimizer.setWeights(entries);
  tf.dispose(before);
  if (optimizer instanceof tf.AdamOptimizer) {
    const adam = optimizer as unknown as AdamInternals;
    const b1 = tensors[ADAM_ACC_BETA.accBeta1];
    const b2 = tensors[ADAM_ACC_BETA.accBeta2];
    if (b1) adam.accBeta1.assign(b1);
    if (b2) adam.accBeta2.assign(b2);
  }
}

/** Number of optimizer slots (moments and iteration count) in a checkpoint's tensors. */
export function optimizerSlotCount(tensors: Record<string, tf.Tensor>): number {
  return Object.keys(tensors).filter((k) => OPTIMIZER_SLOT.test(k)).length;
}

/**
 * Refuse to resume from a checkpoint without the optimizer state an exact continuation needs:
 * Adam keeps two moments per variable plus the iteration count (`1 + 2 × variables` slots; only
 * the count, 0, before its first update). A
 * weights-only checkpoint (shipped, exported, averaged, or damaged) can start a new run instead;
 * `alternative` says how (e.g. "start a new run with --init-from DIR").
 */
export function requireOptimizerState(tensors: Record<string, tf.Tensor>, variables: number, dir: string, alternative: string): void {
  const have = optimizerSlotCount(tensors);
  const need = 1 + 2 * variables;
  if (have === need) return;
  // saved before the first update (e.g. a step-0 checkpoint): the iteration count 0 and no moments yet
  const iterations = Object.entries(tensors).find(([k]) => OPTIMIZER_SLOT.test(k))?.[1];
  if (have === 1 && iterations && iterations.size === 1 && iterations.dataSync()[0] === 0) return;
  const what = have === 0 ? "has no optimizer state (weights only)" : `has ${have} of the ${need} optimizer slots its model needs`;
  throw new CheckpointError(
    path.join(dir, CHECKPOINT_DIR),
    `${what}, so the run cannot be resumed exactly (a fresh optimizer would change the training); ${alternative}`,
  );
}

/** What to do after a non-finite loss, for the message of `NonFiniteLossError`. */
export interface NonFiniteContext {
  /** What became non-finite (default "loss"): e.g. "validation loss", "weights (tensor "W1" holds NaN at index 3)". */
  what?: string;
  /** Step of the checkpoint that is kept (null: none was saved yet). */
  checkpointStep?: number | null;
  /** How to resume with a lower learning rate, e.g. "--resume --lr 0.001". */
  advice?: string;
  /** Why a finite value counts as blown up (see `divergedLoss`). */
  why?: string;
}

/** How many times a uniform guess's loss (ln V nats) a validation loss may reach before the run counts as diverged. */
export const DIVERGED_LOSS_FACTOR = 10;

/**
 * Why a validation loss means the weights diverged although it is finite: more than
 * `DIVERGED_LOSS_FACTOR` times the loss of a uniform guess over `vocabSize` outputs (ln V nats);
 * null when it does not (or `vocabSize` < 2). A checkpoint with such weights would not train on,
 * whatever the learning rate, so it never replaces the last good one.
 */
export function divergedLoss(loss: number, vocabSize: number): string | null {
  if (!(vocabSize >= 2) || !Number.isFinite(loss)) return null;
  const uniform = Math.log(vocabSize);
  return loss > DIVERGED_LOSS_FACTOR * uniform ? `more than ${DIVERGED_LOSS_FACTOR} times a uniform guess's ${uniform.toFixed(2)}: the weights diverged` : null;
}

/**
 * Thrown when a loss (or the validation loss, or a weight) becomes NaN or infinite, or the
 * validation loss shows diverged weights (`divergedLoss`). The checkpoint on disk is the last one
 * whose weights and validation loss were finite (and not diverged); the message says which step it
 * holds and how to resume from it with a lower learning rate.
 */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
    readonly context: NonFiniteContext = {},
  ) {
    const what = context.what ?? "loss";
    const kept =
      context.checkpointStep === undefined
        ? "the last good checkpoint is kept"
        : context.checkpointStep === null
          ? "no checkpoint was saved yet (no last good checkpoint: --resume starts again from step 0)"
          : `the last good checkpoint (step ${context.checkpointStep}) is kept`;
    const advice = context.advice ? `; lower the learning rate and resume: ${context.advice}` : " (lower the learning rate or enable clipping, then --resume)";
    super(`${what} became ${loss} at step ${step}${context.why ? ` (${context.why})` : ""}: training stopped, ${kept}${advice}`);
    this.name = "NonFiniteLossError";
  }

  /** The same error with the trainer's context (kept checkpoint, advice). */
  withContext(context: NonFiniteContext): NonFiniteLossError {
    return new NonFiniteLossError(this.step, this.loss, { ...this.context, ...context });
  }
}

/** Throw `NonFiniteLossError` unless `loss` is finite. */
export function assertFiniteLoss(loss: number, step: number, context?: NonFiniteContext): void {
  if (!Number.isFinite(loss)) throw new NonFiniteLossError(step, loss, context);
}

/**
 * A learning rate to suggest after a non-finite loss at rate `lr`: the trainer's default when `lr`
 * is above it, else a tenth of `lr` (printed with 3 significant digits).
 */
export function lowerLearningRate(lr: number, defaultRate: number): number {
  const next = lr > defaultRate ? defaultRate : lr / 10;
  return Number(next.toPrecision(3));
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
