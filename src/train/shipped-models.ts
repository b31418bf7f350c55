/**
 * The models shipped with numlab, named in one manifest: `data/checkpoints/models.json`.
 *
 * One model per thing a walkthrough loads (plus a comparison run where a notebook compares two).
 * Loaders ask the manifest by name or by task; nothing is picked by the order of directory names.
 */
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../data/download";

/** What a shipped model is for. */
export type ShippedModelTask = "integer-embeddings" | "addition" | "factorization" | "polynomial-expansion";

/** One entry of `data/checkpoints/models.json`. */
export interface ShippedModel {
  /** Directory name under `data/checkpoints/`. */
  name: string;
  task: ShippedModelTask;
  /** Which trainer wrote it (`config.json` `kind` for arith/poly runs). */
  kind: "lstm" | "arith" | "poly";
  /** `main`: the model a walkthrough uses for its task; `comparison`: a second run shown beside it. */
  role: "main" | "comparison";
  description: string;
  /** Notebooks (and the function) that load it. */
  loadedBy: string[];
  /** Trainable parameters (from the checkpoint's tensor shapes, optimizer slots excluded). */
  parameters: number;
  /** The headline score, with the split it was measured on. */
  headline: { metric: string; value: string; split: string; measured: string };
  /** Commands that reproduce it, in order. */
  reproduce: string[];
  /** Name it was shipped under before the manifest existed. */
  formerName?: string;
  /** Where its experiments are written up. */
  docs: string;
}

export interface ModelsManifest {
  version: 1;
  models: ShippedModel[];
}

const TASKS: readonly ShippedModelTask[] = ["integer-embeddings", "addition", "factorization", "polynomial-expansion"];
const KINDS: readonly ShippedModel["kind"][] = ["lstm", "arith", "poly"];

/** The folder of shipped models: `<package>/data/checkpoints`. */
export function shippedModelsRoot(): string {
  return path.join(repoRoot(), "data", "checkpoints");
}

/** Check a parsed manifest, naming the file and the entry at fault. */
export function validateModelsManifest(value: unknown, file = "models.json"): ModelsManifest {
  const fail = (what: string): never => {
    throw new Error(`${file}: ${what}`);
  };
  if (typeof value !== "object" || value === null) fail("not a JSON object");
  const manifest = value as Partial<ModelsManifest>;
  if (manifest.version !== 1) fail(`unsupported version ${String(manifest.version)} (expected 1)`);
  if (!Array.isArray(manifest.models)) fail('"models" must be an array');
  const seen = new Set<string>();
  const mains = new Set<string>();
  manifest.models!.forEach((m, i) => {
    const at = `models[${i}]${m && typeof m.name === "string" ? ` (${m.name})` : ""}`;
    if (typeof m !== "object" || m === null) fail(`${at}: not an object`);
    if (typeof m.name !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(m.name)) fail(`${at}: "name" must be a directory name (a-z, 0-9, -)`);
    if (seen.has(m.name)) fail(`${at}: duplicate name`);
    seen.add(m.name);
    if (!TASKS.includes(m.task)) fail(`${at}: unknown task ${JSON.stringify(m.task)} (one of ${TASKS.join(", ")})`);
    if (!KINDS.includes(m.kind)) fail(`${at}: unknown kind ${JSON.stringify(m.kind)} (one of ${KINDS.join(", ")})`);
    if (m.role !== "main" && m.role !== "comparison") fail(`${at}: "role" must be "main" or "comparison"`);
    if (m.role === "main") {
      if (mains.has(m.task)) fail(`${at}: a second main model for task ${m.task}`);
      mains.add(m.task);
    }
    if (!Array.isArray(m.loadedBy) || m.loadedBy.length === 0) fail(`${at}: "loadedBy" must list what loads it`);
    if (!Number.isInteger(m.parameters) || m.parameters <= 0) fail(`${at}: "parameters" must be a positive integer`);
    if (!m.headline || typeof m.headline.value !== "string" || typeof m.headline.split !== "string") fail(`${at}: "headline" needs value and split`);
    if (!Array.isArray(m.reproduce) || m.reproduce.length === 0) fail(`${at}: "reproduce" must list commands`);
  });
  return manifest as ModelsManifest;
}

/** Read and check `models.json` (default: the package's `data/checkpoints/models.json`). */
export function readModelsManifest(root: string = shippedModelsRoot()): ModelsManifest {
  const file = path.join(root, "models.json");
  if (!fs.existsSync(file)) throw new Error(`${file}: no models manifest (numlab's shipped models are listed there)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return validateModelsManifest(parsed, file);
}

/** The manifest entry called `name`; throws naming the shipped models when there is none. */
export function shippedModel(name: string, root: string = shippedModelsRoot()): ShippedModel {
  const manifest = readModelsManifest(root);
  const model = manifest.models.find((m) => m.name === name);
  if (!model) throw new Error(`no shipped model "${name}" (shipped: ${manifest.models.map((m) => m.name).join(", ")})`);
  return model;
}

function completeRunDir(root: string, name: string): string | null {
  const dir = path.join(root, name);
  return fs.existsSync(path.join(dir, "checkpoint", "manifest.json")) && fs.existsSync(path.join(dir, "config.json")) ? dir : null;
}

/**
 * The run directory of the shipped model `name`, or null when its files are not there (e.g. a
 * package built without models). Throws when the manifest does not list `name`.
 */
export function shippedModelDir(name: string, root: string = shippedModelsRoot()): string | null {
  return completeRunDir(root, shippedModel(name, root).name);
}

/**
 * The run directory of the main shipped model for `task`, or null when there is no manifest, no
 * such model or its files are missing.
 */
export function shippedModelDirForTask(task: ShippedModelTask, root: string = shippedModelsRoot()): string | null {
  if (!fs.existsSync(path.join(root, "models.json"))) return null;
  const model = readModelsManifest(root).models.find((m) => m.task === task && m.role === "main");
  return model ? completeRunDir(root, model.name) : null;
}
