/**
 * What a run was trained on, and what may change when it resumes.
 *
 * A run records its inputs in config.json (`numlab.inputs`): for a data file its path, size and
 * SHA-256; for data handed over in memory (a notebook's arrays) the size and SHA-256 of their bytes.
 * On resume the same inputs are fingerprinted again and must match, or `RunInputError` names the
 * input that differs, so a resumed run never trains on other data by accident.
 *
 * Settings are of two kinds on resume: those that may change (a trainer's `onResume`: the learning
 * rate, the total of steps, the dropout rate, ...) are written to config.json and logged with the
 * checkpoint step in `numlab.changes` (`changeOnResume`); any other setting given explicitly must
 * equal the run's own (`checkResumeExpectations`), or the error names the flag.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_FILE, Json, amendRunConfig, writeFileAtomic } from "./run-dir";

/** One input of a run: a file (with its path) or bytes handed over in memory. */
export interface RunInput {
  /** The file as given (absent for data in memory). */
  path?: string;
  bytes: number;
  sha256: string;
}

/** Thrown when a resumed run is given other data, or a setting that cannot change differs from the run's. */
export class RunInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunInputError";
  }
}

/** Size and SHA-256 of a file (read in 1 MB chunks); its path as given. */
export function fileInput(file: string): RunInput {
  const hash = crypto.createHash("sha256");
  const fd = fs.openSync(file, "r");
  let bytes = 0;
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      hash.update(chunk.subarray(0, n));
      bytes += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { path: file, bytes, sha256: hash.digest("hex") };
}

/** Size and SHA-256 of data in memory: the bytes of each array in turn. */
export function memoryInput(...parts: ArrayBufferView[]): RunInput {
  const hash = crypto.createHash("sha256");
  let bytes = 0;
  for (const p of parts) {
    hash.update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
    bytes += p.byteLength;
  }
  return { bytes, sha256: hash.digest("hex") };
}

function readRecord(dir: string): Record<string, Record<string, Json>> {
  const file = path.join(dir, CONFIG_FILE);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, Record<string, Json>>;
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

/** The inputs recorded in a run's config.json (`numlab.inputs`; empty for runs made before they were recorded). */
export function recordedRunInputs(dir: string): Record<string, RunInput> {
  return ((readRecord(dir).numlab?.inputs ?? {}) as unknown as Record<string, RunInput>) ?? {};
}

/** Record (or replace) inputs of a run in config.json's provenance block, `numlab.inputs`. */
export function recordRunInputs(dir: string, inputs: Record<string, RunInput>): void {
  const record = readRecord(dir);
  const provenance = record.numlab ?? {};
  const merged = { ...((provenance.inputs as Record<string, Json> | undefined) ?? {}), ...(inputs as unknown as Record<string, Json>) };
  record.numlab = { ...provenance, inputs: merged };
  writeFileAtomic(path.join(dir, CONFIG_FILE), JSON.stringify(record, null, 2) + "\n");
}

function describeInput(input: RunInput): string {
  return `${input.path ?? "data in memory"}, ${input.bytes} bytes, sha256 ${input.sha256.slice(0, 12)}…`;
}

/**
 * Check that a resumed run is given the inputs it was trained on: each of `inputs` whose name the
 * run recorded must have the recorded SHA-256, else `RunInputError` names it (with `labels[name]`,
 * e.g. "--data", when given). Inputs the run did not record yet (older runs) are recorded now.
 */
export function verifyRunInputs(dir: string, inputs: Record<string, RunInput>, labels: Record<string, string> = {}): void {
  const recorded = recordedRunInputs(dir);
  const missing: Record<string, RunInput> = {};
  for (const [name, input] of Object.entries(inputs)) {
    const before = recorded[name];
    if (!before) {
      missing[name] = input;
      continue;
    }
    if (before.sha256 !== input.sha256 || before.bytes !== input.bytes) {
      const label = labels[name] ?? name;
      throw new RunInputError(
        `cannot resume ${dir}: ${label} (${describeInput(input)}) is not the data this run was trained on (${describeInput(before)}); ` +
          `resume with that data, or start a new run in another --out`,
      );
    }
  }
  if (Object.keys(missing).length) recordRunInputs(dir, missing);
}

/** A setting given explicitly for a resumed run: `name` is what the user wrote (e.g. "--hidden"), `key` its dotted path in config.json. */
export interface ResumeExpectation {
  name: string;
  key: string;
  value: Json;
}

/** The value at a dotted path ("model.hidden") of a JSON object, or undefined. */
export function valueAt(record: unknown, key: string): Json | undefined {
  let node: unknown = record;
  for (const part of key.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node as Json | undefined;
}

/**
 * Check the settings given explicitly for a resumed run against the run's config.json: each must
 * equal the saved value (a setting the run does not record is compared with `defaults`, when given),
 * else `RunInputError` names the flag and both values and says which settings may change.
 */
export function checkResumeExpectations(dir: string, expectations: readonly ResumeExpectation[], changeable = "", defaults?: unknown): void {
  const record = readRecord(dir);
  for (const e of expectations) {
    const saved = valueAt(record, e.key) ?? (defaults === undefined ? undefined : valueAt(defaults, e.key));
    if (saved === undefined) continue;
    if (JSON.stringify(saved) !== JSON.stringify(e.value)) {
      throw new RunInputError(
        `cannot resume ${dir}: ${e.name} ${JSON.stringify(e.value)} differs from the run's ${e.key} (${JSON.stringify(saved)}), which cannot change on resume; ` +
          `drop ${e.name}${changeable ? ` (${changeable} may change on resume)` : ""}, or start a new run in another --out`,
      );
    }
  }
}

/**
 * Change a setting of a resumed run: write `value` at the dotted `key` of config.json and log
 * "key old → new" with the checkpoint step in `numlab.changes`. Returns false (and writes nothing)
 * when the value is already the run's.
 */
export function changeOnResume(dir: string, key: string, value: Json): boolean {
  const before = valueAt(readRecord(dir), key);
  if (JSON.stringify(before) === JSON.stringify(value)) return false;
  const parts = key.split(".");
  amendRunConfig(dir, `${key} ${JSON.stringify(before ?? null)} → ${JSON.stringify(value)}`, (c) => {
    let node = c as unknown as Record<string, unknown>;
    for (const part of parts.slice(0, -1)) {
      if (node[part] === null || typeof node[part] !== "object") node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = value;
  });
  return true;
}
