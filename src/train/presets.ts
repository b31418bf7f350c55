/**
 * Named training settings ("presets"): the settings that reproduce each shipped model, kept as JSON
 * files in the package's `presets/` folder and used as `numlab train <trainer> --preset NAME` (flags
 * given as well override the preset). A preset file is
 *
 *   { "trainer": "arith" | "poly" | "lstm" | "makemore", "description": "...", "options": { ... } }
 *
 * where `options` has the shape of the trainer's own config (and of its run's config.json):
 * `{ data, model, train }` for arith and poly (`trainArithmetic` / `trainPolynomial` options), the
 * flat `LstmTrainConfig` for lstm and the flat `MakemoreConfig` for makemore. Settings left out
 * come from the trainer's defaults object (`ARITHMETIC_DEFAULTS`, `POLYNOMIAL_DEFAULTS`,
 * `LSTM_DEFAULTS`, `MAKEMORE_DEFAULTS`). Any file of that shape works too (`--preset my.json`).
 * The LSTM trainer also has three built-in presets: cpu (its defaults), seed and smoke.
 */
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../data/download";
import type { ArithmeticTrainOptions } from "./arithmetic";
import type { PolynomialTrainOptions } from "./polynomial";
import { LSTM_DEFAULTS, LSTM_SEED_CONFIG, LSTM_SMOKE_CONFIG, LstmTrainConfig } from "./lstm-lm";
import { MAKEMORE_DEFAULTS, MakemoreConfig } from "./makemore";

/** The trainers a preset can be for (the word after `numlab train`). */
export type PresetTrainer = "arith" | "poly" | "lstm" | "makemore";

export const PRESET_TRAINERS: readonly PresetTrainer[] = ["arith", "poly", "lstm", "makemore"];

/** What `options` holds for each trainer. */
export interface PresetOptionsByTrainer {
  arith: Pick<ArithmeticTrainOptions, "model" | "train"> & { data?: Partial<ArithmeticTrainOptions["data"]> };
  poly: Pick<PolynomialTrainOptions, "data" | "model" | "train">;
  lstm: Partial<LstmTrainConfig>;
  makemore: MakemoreConfig;
}

export interface Preset<T extends PresetTrainer = PresetTrainer> {
  /** The file's base name without `.json` (or the built-in name). */
  name: string;
  trainer: T;
  description: string;
  options: PresetOptionsByTrainer[T];
  /** The JSON file it was read from; absent for a built-in preset. */
  file?: string;
}

/** The `presets/` folder of the numlab package (next to its package.json, also when installed as a dependency). */
export function presetsDir(): string {
  return path.join(repoRoot(), "presets");
}

const BUILT_IN: Preset<"lstm">[] = [
  { name: "cpu", trainer: "lstm", description: "built in: the defaults (LSTM_DEFAULTS), about 2 min on one core", options: LSTM_DEFAULTS },
  {
    name: "seed",
    trainer: "lstm",
    description: "built in: the seed's full configuration (max value 20000, length 100, 2×LSTM 256; GPU-days on a CPU)",
    options: LSTM_SEED_CONFIG,
  },
  { name: "smoke", trainer: "lstm", description: "built in: a tiny configuration for smoke runs", options: LSTM_SMOKE_CONFIG },
];

/** The kind of value a setting takes: a JSON type, one of a list of strings, or an object of settings (`{ object: kinds }`). */
export type PresetSettingKind = "number" | "string" | "boolean" | "string|null" | readonly string[] | { readonly object: Record<string, PresetSettingKind> };

const TRANSFORMER_MODEL_KINDS: Record<string, PresetSettingKind> = {
  hidden: "number",
  encoderLayers: "number",
  decoderLayers: "number",
  heads: "number",
  ffHidden: "number",
  dropout: "number",
  positional: ["sinusoidal", "learned"],
  norm: ["pre", "post"],
  attentionGain: "number",
  seed: "number",
};

const SEQ2SEQ_TRAIN_KINDS: Record<string, PresetSettingKind> = {
  learningRate: "number",
  warmupSteps: "number",
  schedule: ["constant", "cosine"],
  clipNorm: "number",
  labelSmoothing: "number",
  evalEvery: "number",
  checkpointEvery: "number",
  seed: "number",
  batchSize: "number",
  evalSize: "number",
  steps: "number",
  float16: "boolean",
};

/** The settings a preset may give, by trainer (and section for arith and poly), with their kinds: a typo is an error, not a silent default. */
export const PRESET_SETTINGS: Record<PresetTrainer, Record<string, PresetSettingKind> | Record<string, Record<string, PresetSettingKind>>> = {
  arith: {
    data: {
      task: ["addition", "factorization"],
      base: "number",
      max: "number",
      testFraction: "number",
      splitSeed: "number",
      trainMax: "number",
      trainLonger: "boolean",
    },
    model: TRANSFORMER_MODEL_KINDS,
    train: { ...SEQ2SEQ_TRAIN_KINDS, parts: "number", repeatMultiDigit: "number" },
  },
  poly: {
    data: {
      source: ["real", "generated"],
      file: "string",
      limit: "number",
      generated: "number",
      splitSeed: "number",
      testFraction: "number",
      valFraction: "number",
      augment: { object: { generated: "number", renamed: "number", validation: "number", seed: "number" } },
    },
    model: { ...TRANSFORMER_MODEL_KINDS, maxLength: "number" },
    train: SEQ2SEQ_TRAIN_KINDS,
  },
  lstm: Object.fromEntries(Object.entries(LSTM_DEFAULTS).map(([k, v]) => [k, k === "dataFile" ? "string|null" : (typeof v as PresetSettingKind)])),
  makemore: {
    ...Object.fromEntries(
      Object.entries(MAKEMORE_DEFAULTS)
        .filter(([k]) => k !== "checkpointEvery")
        .map(([k, v]) => [k, typeof v as PresetSettingKind]),
    ),
    init: ["scaled", "randn"],
    lrDropStep: "number",
  },
};

function checkValue(where: string, value: unknown, kind: PresetSettingKind): void {
  if (typeof kind === "object" && "object" in kind) {
    checkSettings(where, value, kind.object);
    return;
  }
  const ok = Array.isArray(kind)
    ? typeof value === "string" && kind.includes(value)
    : kind === "string|null"
      ? value === null || typeof value === "string"
      : kind === "number"
        ? typeof value === "number" && Number.isFinite(value)
        : typeof value === kind;
  if (!ok) {
    const want = Array.isArray(kind) ? `one of ${kind.map((k) => JSON.stringify(k)).join(", ")}` : `a ${kind}`;
    throw new Error(`${where} must be ${want}, got ${JSON.stringify(value)}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkSettings(where: string, settings: unknown, kinds: Record<string, PresetSettingKind>): void {
  if (!isObject(settings)) throw new Error(`${where} must be an object`);
  for (const [key, value] of Object.entries(settings)) {
    const kind = kinds[key];
    if (kind === undefined) throw new Error(`${where}.${key} is not a setting (known: ${Object.keys(kinds).join(", ")})`);
    checkValue(`${where}.${key}`, value, kind);
  }
}

/** Check the parsed JSON of a preset file; errors name the file and the setting. */
function checkPreset(file: string, json: unknown): Preset {
  if (!isObject(json)) throw new Error(`${file}: a preset is a JSON object { "trainer", "description", "options" }`);
  const record = json;
  for (const key of Object.keys(record)) {
    if (!["trainer", "description", "options"].includes(key))
      throw new Error(`${file}: unknown field "${key}" (a preset has "trainer", "description" and "options")`);
  }
  const trainer = record.trainer;
  if (typeof trainer !== "string" || !PRESET_TRAINERS.includes(trainer as PresetTrainer)) {
    throw new Error(`${file}: "trainer" must be one of ${PRESET_TRAINERS.join(", ")}, got ${JSON.stringify(trainer)}`);
  }
  if (typeof record.description !== "string") throw new Error(`${file}: "description" must be a string`);
  const options = record.options ?? {};
  const schema = PRESET_SETTINGS[trainer as PresetTrainer];
  if (trainer === "arith" || trainer === "poly") {
    const sections = schema as Record<string, Record<string, PresetSettingKind>>;
    if (!isObject(options)) throw new Error(`${file}: options must be an object { data, model, train }`);
    for (const [section, settings] of Object.entries(options)) {
      if (!sections[section]) throw new Error(`${file}: options.${section} is not a section (known: ${Object.keys(sections).join(", ")})`);
      checkSettings(`${file}: options.${section}`, settings, sections[section]);
    }
  } else {
    checkSettings(`${file}: options`, options, schema as Record<string, PresetSettingKind>);
  }
  return { name: path.basename(file, ".json"), trainer: trainer as PresetTrainer, description: record.description, options: options as never, file };
}

/** Read and check one preset file. */
export function readPresetFile(file: string): Preset {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`preset ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return checkPreset(file, json);
}

/**
 * Every preset (the JSON files of `dir`, by name, then the built-in ones), or those of one trainer.
 * `dir` defaults to the package's `presets/`.
 */
export function listPresets<T extends PresetTrainer>(trainer?: T, dir: string = presetsDir()): Preset<T>[] {
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort()
    : [];
  const all: Preset[] = [...files.map((f) => readPresetFile(path.join(dir, f))), ...BUILT_IN];
  return all.filter((p) => trainer === undefined || p.trainer === trainer) as Preset<T>[];
}

/** True when `nameOrFile` names a file rather than a preset of `presets/`. */
function isFileArgument(nameOrFile: string): boolean {
  return nameOrFile.endsWith(".json") || nameOrFile.includes("/") || nameOrFile.includes(path.sep);
}

/**
 * A preset by name (`presets/NAME.json`, or a built-in one) or by file path (anything ending in
 * `.json` or containing a `/`). With `trainer`, a preset for another trainer is an error naming
 * both; an unknown name is an error listing the available ones.
 */
export function readPreset<T extends PresetTrainer = PresetTrainer>(nameOrFile: string, options: { trainer?: T; dir?: string } = {}): Preset<T> {
  const dir = options.dir ?? presetsDir();
  let preset: Preset;
  if (isFileArgument(nameOrFile)) {
    preset = readPresetFile(nameOrFile);
  } else {
    const file = path.join(dir, `${nameOrFile}.json`);
    const builtIn = BUILT_IN.find((p) => p.name === nameOrFile);
    if (fs.existsSync(file)) preset = readPresetFile(file);
    else if (builtIn) preset = builtIn;
    else {
      const available = listPresets(options.trainer, dir).map((p) => p.name);
      const whose = options.trainer ? ` for numlab train ${options.trainer}` : "";
      throw new Error(`no preset "${nameOrFile}"; the presets${whose} are ${available.join(", ") || "(none)"} (or give a JSON file of the same shape)`);
    }
  }
  if (options.trainer !== undefined && preset.trainer !== options.trainer) {
    throw new Error(
      `preset "${preset.name}"${preset.file ? ` (${preset.file})` : ""} is for numlab train ${preset.trainer}, not numlab train ${options.trainer}`,
    );
  }
  return preset as Preset<T>;
}

/** The lines of a usage text that list a trainer's presets (`numlab train <trainer> --help`). */
export function presetsUsage(trainer: PresetTrainer, dir: string = presetsDir()): string {
  let presets: Preset[];
  try {
    presets = listPresets(trainer, dir);
  } catch (err) {
    return `Presets: cannot list them: ${(err as Error).message}`;
  }
  const width = Math.max(0, ...presets.map((p) => p.name.length));
  return [
    `Presets (--preset NAME, or --preset FILE.json of the same shape; flags given as well override it):`,
    ...(presets.length ? presets.map((p) => wrap(`  ${p.name.padEnd(width)}  `, p.description, 100)) : [`  (none in ${dir})`]),
  ].join("\n");
}

/** `text` after `lead`, word-wrapped to `columns`, continuation lines indented under its start. */
function wrap(lead: string, text: string, columns: number): string {
  const lines: string[] = [];
  let line = lead;
  for (const word of text.split(/\s+/)) {
    if (line.length > lead.length && line.length + 1 + word.length > columns) {
      lines.push(line);
      line = " ".repeat(lead.length) + word;
    } else {
      line += (line.length > lead.length ? " " : "") + word;
    }
  }
  lines.push(line);
  return lines.join("\n");
}
