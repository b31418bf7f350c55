/**
 * Training and loading polynomial-expansion runs on the shared seq2seq loop.
 *
 * A run directory's config.json holds `{ kind: "poly", data, model, train }`. The data block says
 * where the pairs came from (a real file, located again by its base name through NUMLAB_DATA_DIR,
 * or the seeded generator) and how they were split, so `polynomialRunSplit` rebuilds the exact
 * held-out test set for evaluation. The vocabulary is `PolynomialLanguage.standard()` (saved as
 * vocab.json next to the config) for both source and target.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../random";
import { Transformer, TransformerConfig, createTransformer, loadTransformerTensors, parameterCount } from "../models/transformer";
import { PolynomialLanguage } from "../tokenizers/polynomial-language";
import { Seq2SeqBatch, Seq2SeqExample, collateSeq2Seq, seq2seqBatches } from "../datasets/seq2seq-collate";
import { ALL_LETTERS_POLYNOMIAL_GENERATOR, generatePolynomialPairs, renamePolynomialLetter } from "../data/polynomial-generator";
import {
  PolynomialPair,
  PolynomialSplit,
  PolynomialSplitSizes,
  checkPolynomialSplit,
  formatSkippedPairs,
  locatePolynomialData,
  polynomialSplitSizes,
  readPolynomialPairs,
  splitPolynomialPairs,
} from "../data/polynomials";
import { findLocalDataFile, smokeFixtureFile } from "../data/download";
import { shippedModelDirForTask, shippedModelsRoot } from "./shipped-models";
import { isSmoke } from "../smoke";
import { POLYNOMIAL_SOURCE } from "../data/polynomials";
import { Json, assertResumable, createRun, loadCheckpoint, lockRun, readConfig, verifyCheckpoint } from "./run-dir";
import { ResumeExpectation, checkResumeExpectations, fileInput, recordRunInputs, verifyRunInputs } from "./run-inputs";
import { ensureBackend } from "../backend";
import {
  SEQ2SEQ_CHANGEABLE_ON_RESUME,
  Seq2SeqOnResume,
  Seq2SeqTrainConfig,
  Seq2SeqTrainSummary,
  applySeq2SeqResumeChanges,
  meanBatchLoss,
  trainSeq2Seq,
} from "./seq2seq";
import { predictPolynomials, scorePolynomialPredictions } from "../eval/polynomial";

export interface PolynomialDataConfig {
  /** "real": pairs from `file`; "generated": `generated` pairs from the seeded generator. */
  source: "real" | "generated";
  /** The real file as given (its base name is looked up again in NUMLAB_DATA_DIR when the path moved). */
  file?: string;
  /** Use only the first `limit` pairs of the file. */
  limit?: number;
  /** Drop pairs that do not parse or whose expansion is wrong (counted on stderr) instead of stopping at the first. */
  skipInvalid?: boolean;
  /** Number of generated pairs (source "generated"). */
  generated?: number;
  /** Split seed and fractions (seed's 80/20 then 95/5: test 0.2, val 0.04). */
  splitSeed: number;
  testFraction: number;
  valFraction: number;
  /** Extra pairs over every letter a–z beside the real training split (absent: none). */
  augment?: PolynomialAugmentConfig;
}

/**
 * Training pairs over every letter a–z added to a real training split, and a generated validation
 * set beside the real one. The real validation and test splits stay as they are; no added pair has
 * the source of a validation or test pair.
 */
export interface PolynomialAugmentConfig {
  /** Pairs from the generator over all 26 letters (the real data's forms, coefficients and trig share), seed `seed`. */
  generated: number;
  /** Real training pairs (a seeded sample) copied with their letter renamed to a random letter a–z. */
  renamed: number;
  /** Generated a–z pairs (seed `seed + 1`) kept for validation: scored as `valAzExactMatch`, never trained on. */
  validation: number;
  seed: number;
}

export interface PolynomialRunConfig {
  kind: "poly";
  data: PolynomialDataConfig;
  model: TransformerConfig;
  train: Seq2SeqTrainConfig & { batchSize: number; evalSize: number };
  /** Set when the run started from another run's weights (`PolynomialTrainOptions.initFrom`). */
  initFrom?: { run: string; step: number };
}

/** The seed notebook's model: hidden 256, 3+3 layers, 8 heads, feed-forward 512, dropout 0.1. */
export const SEED_POLYNOMIAL_MODEL = {
  hidden: 256,
  encoderLayers: 3,
  decoderLayers: 3,
  heads: 8,
  ffHidden: 512,
  dropout: 0.1,
} as const;

/** Longest source/target in tokens the models are built for (real data: 25 and 23) plus `<sos>`/`<eos>`. */
export const POLYNOMIAL_MAX_LENGTH = 32;

/** The shape of `POLYNOMIAL_DEFAULTS`: a value for every setting a new run may leave out. */
export interface PolynomialDefaults {
  data: Pick<PolynomialDataConfig, "source" | "splitSeed" | "testFraction" | "valFraction"> & { generated: number; augment: PolynomialAugmentConfig };
  /** Every model field but the vocabulary sizes (the language's). */
  model: Omit<TransformerConfig, "sourceVocabSize" | "targetVocabSize">;
  train: Required<Omit<PolynomialRunConfig["train"], "labelSmoothing">>;
}

/**
 * The polynomial trainer's defaults, the one place they are written: `trainPolynomial` fills every
 * setting a caller leaves out from here, and `numlab train poly` parses its flags and prints its
 * usage text from here. The model is the seed notebook's (`SEED_POLYNOMIAL_MODEL`); the data is
 * the real pairs file, split as the seed did.
 */
export const POLYNOMIAL_DEFAULTS: PolynomialDefaults = {
  data: {
    source: "real",
    splitSeed: 1234,
    testFraction: 0.2,
    valFraction: 0.04,
    /** Pairs drawn by the generator when `source` is "generated". */
    generated: 10000,
    /** The added a–z data when a run asks for some (a new run has none unless it sets `data.augment`). */
    augment: { generated: 0, renamed: 0, validation: 2000, seed: 51 },
  },
  model: {
    ...SEED_POLYNOMIAL_MODEL,
    maxLength: POLYNOMIAL_MAX_LENGTH,
    positional: "sinusoidal",
    norm: "pre",
    attentionGain: 0.5,
    padId: PolynomialLanguage.PAD,
    seed: 0,
  },
  train: {
    learningRate: 5e-4,
    warmupSteps: 200,
    schedule: "cosine",
    clipNorm: 1,
    evalEvery: 200,
    checkpointEvery: 200,
    seed: 0,
    batchSize: 512,
    evalSize: 256,
    steps: 20000,
    float16: false,
  },
};

/** Settings a resumed polynomial run changes from its checkpoint on (logged in config.json `numlab.changes`). */
export type PolynomialOnResume = Seq2SeqOnResume;

export interface PolynomialTrainOptions {
  data?: Partial<PolynomialDataConfig>;
  model?: Partial<Omit<TransformerConfig, "sourceVocabSize" | "targetVocabSize">>;
  /** Training settings; on resume only `steps` (a larger total) is taken from here, the rest comes from the run. */
  train?: Partial<Seq2SeqTrainConfig> & { batchSize?: number; evalSize?: number };
  out: string;
  resume?: boolean;
  /**
   * Start a new run from the weights of the polynomial run in this directory (same model shape and
   * the same real held-out split, so its test pairs were never trained on); Adam starts fresh.
   * Recorded in config.json as `initFrom`.
   */
  initFrom?: string;
  /** With `resume`: the settings to change from the checkpoint on (ignored for a new run). */
  onResume?: PolynomialOnResume;
  /** With `resume`: settings given explicitly that must equal the run's (each names its flag in the error). */
  expect?: ResumeExpectation[];
  /** Abort to stop at the next step with a checkpoint ("interrupted at step N"); default: the ambient signal (the running notebook cell's). */
  signal?: AbortSignal;
  label?: string;
  onEval?(record: Record<string, number>): void;
  shouldStop?(): boolean;
}

export interface PolynomialRun {
  config: PolynomialRunConfig;
  language: PolynomialLanguage;
  model: Transformer;
}

/** Resolve the real data file of a config: the recorded path, else its base name in the data folders. */
export function resolvePolynomialFile(data: PolynomialDataConfig): string {
  if (data.file && fs.existsSync(data.file)) return data.file;
  const base = data.file ? path.basename(data.file) : undefined;
  const found = findLocalDataFile({ ...POLYNOMIAL_SOURCE, fileNames: base ? [`polynomials/${base}`, base] : POLYNOMIAL_SOURCE.fileNames });
  if (!found && isSmoke()) {
    const fixture = smokeFixtureFile(POLYNOMIAL_SOURCE);
    process.stderr.write(`polynomial run data: smoke mode and no local ${data.file ?? "data"}, so using generated pairs (${fixture})\n`);
    return fixture;
  }
  if (!found) throw new Error(`polynomial run data: cannot find ${data.file ?? POLYNOMIAL_SOURCE.fileNames.join(" or ")} (set NUMLAB_DATA_DIR)`);
  return found;
}

/**
 * Load the pairs of a run's data config and split them exactly as the run did. Every real pair is
 * checked with the expander (a bad one stops with `file:line`, or with `skipInvalid` is dropped and
 * counted on stderr).
 */
export async function polynomialRunSplit(data: PolynomialDataConfig): Promise<PolynomialSplit> {
  let pairs: PolynomialPair[];
  if (data.source === "generated") {
    pairs = generatePolynomialPairs(data.generated ?? POLYNOMIAL_DEFAULTS.data.generated, data.splitSeed);
  } else {
    const read = await readPolynomialPairs(resolvePolynomialFile(data), { limit: data.limit, skipInvalid: data.skipInvalid });
    const skipped = formatSkippedPairs(read);
    if (skipped) process.stderr.write(skipped + "\n");
    pairs = read.pairs;
  }
  return splitPolynomialPairs(pairs, { seed: data.splitSeed, testFraction: data.testFraction, valFraction: data.valFraction });
}

/** The generated a–z validation pairs of a run's data config (empty without `augment`). */
export function polynomialAzValidation(data: PolynomialDataConfig): PolynomialPair[] {
  const a = data.augment;
  return a && a.validation > 0 ? generatePolynomialPairs(a.validation, a.seed + 1, ALL_LETTERS_POLYNOMIAL_GENERATOR) : [];
}

/**
 * The training pairs of a run: the real training split, plus (with `augment`) generated a–z pairs
 * and renamed copies of real training pairs, minus any added pair whose source is a validation or
 * test source (real or generated). Deterministic in the config.
 */
export function polynomialTrainingPairs(data: PolynomialDataConfig, split: PolynomialSplit): PolynomialPair[] {
  const a = data.augment;
  if (!a) return split.train;
  const heldOut = new Set([...split.val, ...split.test, ...polynomialAzValidation(data)].map((p) => p.factored));
  const added: PolynomialPair[] = [];
  for (const p of generatePolynomialPairs(a.generated, a.seed, ALL_LETTERS_POLYNOMIAL_GENERATOR)) if (!heldOut.has(p.factored)) added.push(p);
  const rng = new Rng(a.seed + 2);
  const order = rng.permutation(split.train.length);
  for (let i = 0; i < Math.min(a.renamed, order.length); i++) {
    const renamed = renamePolynomialLetter(split.train[order[i]], String.fromCharCode(97 + rng.int(0, 26)));
    if (!heldOut.has(renamed.factored)) added.push(renamed);
  }
  return [...split.train, ...added];
}

/** Encode pairs as `<sos> … <eos>` id lists. */
export function encodePolynomialPairs(pairs: readonly PolynomialPair[], language: PolynomialLanguage): Seq2SeqExample[] {
  return pairs.map((p) => ({ source: language.encode(p.factored), target: language.encode(p.expanded) }));
}

/** An endless stream of shuffled training batches with a resumable cursor `{epoch, position}`. */
export class PolynomialBatchStream {
  private epoch = 0;
  private position = 0;
  private order: Int32Array;

  constructor(
    private readonly examples: readonly Seq2SeqExample[],
    private readonly batchSize: number,
    private readonly seed: number,
  ) {
    if (examples.length === 0) throw new Error("polynomial training: no training pairs");
    this.order = this.orderFor(0);
  }

  private orderFor(epoch: number): Int32Array {
    return new Rng(this.seed * 7919 + epoch).permutation(this.examples.length);
  }

  next(): Seq2SeqBatch {
    if (this.position >= this.order.length) {
      this.epoch++;
      this.position = 0;
      this.order = this.orderFor(this.epoch);
    }
    const end = Math.min(this.position + this.batchSize, this.order.length);
    const chunk: Seq2SeqExample[] = [];
    for (let i = this.position; i < end; i++) chunk.push(this.examples[this.order[i]]);
    this.position = end;
    return collateSeq2Seq(chunk, PolynomialLanguage.PAD);
  }

  cursor(): { epoch: number; position: number } {
    return { epoch: this.epoch, position: this.position };
  }

  seek(c: { epoch: number; position: number }): void {
    this.epoch = c.epoch;
    this.position = c.position;
    this.order = this.orderFor(c.epoch);
  }

  /** Epochs completed as a fraction (for logs). */
  epochs(): number {
    return this.epoch + this.position / this.order.length;
  }
}

function buildRun(config: PolynomialRunConfig): PolynomialRun {
  return { config, language: PolynomialLanguage.standard(), model: createTransformer(config.model) };
}

/**
 * The full config.json a new run of `options` starts with: every setting not given comes from
 * `POLYNOMIAL_DEFAULTS`. A real-data run without a `file` is given the located file when it trains.
 */
export function resolvePolynomialConfig(options: Pick<PolynomialTrainOptions, "data" | "model" | "train">): PolynomialRunConfig {
  const { generated: _generated, augment: _augment, ...dataDefaults } = POLYNOMIAL_DEFAULTS.data;
  const language = PolynomialLanguage.standard();
  return {
    kind: "poly",
    data: { ...dataDefaults, ...options.data },
    model: { sourceVocabSize: language.size, targetVocabSize: language.size, ...POLYNOMIAL_DEFAULTS.model, ...options.model },
    train: { ...POLYNOMIAL_DEFAULTS.train, ...options.train },
  };
}

type PolynomialTrainResult = PolynomialRun & { summary: Seq2SeqTrainSummary; parameters: number; trainPairs: number; splitSizes: PolynomialSplitSizes };

/**
 * Train (or resume) a polynomial model into `options.out`, holding the run directory's lock (a
 * second writer fails naming this one). A new run's data is read, checked and split before the
 * directory is made; a resumed run reads the data its config names (verified by size and hash),
 * the flags in `expect` must match the run, and `onResume` changes (steps, learning rate,
 * dropout) are logged.
 */
export async function trainPolynomial(options: PolynomialTrainOptions): Promise<PolynomialTrainResult> {
  if (options.resume) assertResumable(options.out);
  await ensureBackend(); // before any tensor exists: the fast backend, not tfjs's default cpu one
  let config = resolvePolynomialConfig(options);
  // a new run's data is read, checked and split, and its starting weights checked, before its directory is made
  let split: PolynomialSplit | null = null;
  let init: ReturnType<typeof initialPolynomialWeights> | null = null;
  if (!options.resume) {
    if (config.data.source === "real" && !config.data.file) config = { ...config, data: { ...config.data, file: await locatePolynomialData() } };
    split = await polynomialRunSplit(config.data);
    checkTrainingSplit(split, config.data);
    if (options.initFrom !== undefined) {
      init = initialPolynomialWeights(options.initFrom, config);
      config = { ...config, initFrom: init.record };
    }
  }
  let lock: ReturnType<typeof lockRun>;
  try {
    lock = lockRun(options.out);
  } catch (err) {
    if (init) Object.values(init.weights).forEach((t) => t.dispose());
    throw err;
  }
  try {
    return await trainLocked(options, config, split, init);
  } finally {
    lock.release();
  }
}

function checkTrainingSplit(split: PolynomialSplit, data: PolynomialDataConfig): void {
  checkPolynomialSplit(split, { file: data.source === "real" ? data.file : "generated pairs", testFraction: data.testFraction, valFraction: data.valFraction });
}

async function trainLocked(
  options: PolynomialTrainOptions,
  newConfig: PolynomialRunConfig,
  newSplit: PolynomialSplit | null,
  init: ReturnType<typeof initialPolynomialWeights> | null,
): Promise<PolynomialTrainResult> {
  const language = PolynomialLanguage.standard();
  let config = newConfig;
  let split = newSplit;
  if (options.resume) {
    verifyCheckpoint(options.out); // a damaged checkpoint: an error naming the file, before anything changes
    checkResumeExpectations(options.out, options.expect ?? [], SEQ2SEQ_CHANGEABLE_ON_RESUME);
    // the run's own data, not the default file (and no download)
    config = readPolynomialRunConfig(options.out);
  }
  let used: PolynomialRunConfig;
  try {
    used = createRun(options.out, config, { resume: options.resume });
  } catch (err) {
    if (init) Object.values(init.weights).forEach((t) => t.dispose());
    throw err;
  }
  const dataFile = used.data.source === "real" ? resolvePolynomialFile(used.data) : null;
  if (options.resume) {
    if (dataFile) verifyRunInputs(options.out, { data: fileInput(dataFile) }, { data: "--data" });
    // keep config.json truthful: record each change and log it
    const onResume = options.onResume ?? {};
    used = applySeq2SeqResumeChanges(options.out, used, { steps: options.train?.steps, learningRate: onResume.learningRate, dropout: onResume.dropout });
  } else if (dataFile) {
    recordRunInputs(options.out, { data: fileInput(dataFile) });
  }
  language.save(path.join(options.out, "vocab.json"));
  const run = buildRun(used);
  if (init) {
    loadTransformerTensors(run.model, init.weights);
    Object.values(init.weights).forEach((t) => t.dispose());
  }
  if (!split) {
    split = await polynomialRunSplit(used.data);
    checkTrainingSplit(split, used.data);
  }
  const train = encodePolynomialPairs(polynomialTrainingPairs(used.data, split), language).filter(
    (e) => e.source.length <= used.model.maxLength && e.target.length <= used.model.maxLength,
  );
  const stream = new PolynomialBatchStream(train, used.train.batchSize, used.train.seed + 1);
  const valPairs = split.val.slice(0, used.train.evalSize);
  const valExamples = encodePolynomialPairs(valPairs, language);
  const azPairs = polynomialAzValidation(used.data).slice(0, used.train.evalSize);
  const exactMatchOf = (m: Transformer, pairs: readonly PolynomialPair[]): number => {
    const predicted = predictPolynomials(
      m,
      language,
      pairs.map((p) => p.factored),
    );
    return scorePolynomialPredictions(pairs.map((p, i) => ({ ...p, predicted: predicted[i] }))).scores.exactMatch;
  };
  const summary = await trainSeq2Seq(
    run.model,
    {
      nextBatch: () => stream.next(),
      cursor: () => stream.cursor() as unknown as Json,
      seek: (c) => stream.seek(c as unknown as { epoch: number; position: number }),
      evaluate: (m) => {
        const valLoss = meanBatchLoss(m, seq2seqBatches(valExamples, { batchSize: 256 }));
        const predicted = predictPolynomials(
          m,
          language,
          valPairs.map((p) => p.factored),
        );
        const { scores } = scorePolynomialPredictions(valPairs.map((p, i) => ({ ...p, predicted: predicted[i] })));
        const az: Record<string, number> = azPairs.length > 0 ? { valAzExactMatch: exactMatchOf(m, azPairs) } : {};
        return { valLoss, valExactMatch: scores.exactMatch, valEquivalent: scores.equivalent, ...az, epoch: Number(stream.epochs().toFixed(4)) };
      },
    },
    used.train,
    {
      dir: options.out,
      resume: options.resume,
      label: options.label ?? "poly",
      onEval: options.onEval,
      shouldStop: options.shouldStop,
      signal: options.signal,
      defaultLearningRate: POLYNOMIAL_DEFAULTS.train.learningRate,
      weightsOnlyHint: `start a new run from its weights instead: numlab train poly --init-from ${options.out} --out NEW_DIR`,
    },
  );
  return { ...run, summary, parameters: parameterCount(run.model), trainPairs: train.length, splitSizes: polynomialSplitSizes(split, used.train.evalSize) };
}

/** Why a run's real held-out split differs from another's (null when the same), so that its test pairs were never trained on. */
function realSplitMismatch(a: PolynomialDataConfig, b: PolynomialDataConfig): string | null {
  if (a.source !== b.source) return `data source ${a.source} vs ${b.source}`;
  if (a.source === "real" && path.basename(a.file ?? "") !== path.basename(b.file ?? "")) return `data file ${a.file} vs ${b.file}`;
  if (a.source === "generated" && a.generated !== b.generated) return `generated pairs ${a.generated} vs ${b.generated}`;
  for (const k of ["limit", "splitSeed", "testFraction", "valFraction"] as const) {
    if (a[k] !== b[k]) return `data.${k} ${a[k]} vs ${b[k]} (a different held-out split)`;
  }
  return null;
}

/** The weights a new run starts from when initialized from the run in `dir` (checked against `config`). */
function initialPolynomialWeights(dir: string, config: PolynomialRunConfig): { weights: Record<string, tf.Tensor>; record: { run: string; step: number } } {
  if (!fs.existsSync(path.join(dir, "config.json"))) throw new Error(`--init-from ${dir}: not a run directory (no config.json)`);
  const source = readConfig<PolynomialRunConfig>(dir);
  if (source.kind !== "poly") throw new Error(`--init-from ${dir}: not a polynomial run (kind ${String(source.kind)})`);
  const mismatch = realSplitMismatch(source.data, config.data);
  if (mismatch) throw new Error(`--init-from ${dir}: ${mismatch}`);
  const keys = Object.keys({ ...source.model, ...config.model }) as (keyof TransformerConfig)[];
  const key = keys.find((k) => k !== "seed" && k !== "dropout" && source.model[k] !== config.model[k]);
  if (key) throw new Error(`--init-from ${dir}: model.${key} is ${String(source.model[key])} there, ${String(config.model[key])} here`);
  const checkpoint = loadCheckpoint(dir);
  if (!checkpoint) throw new Error(`--init-from ${dir}: no checkpoint/ to start from`);
  // the model's weights are picked by name when loaded; the Adam slots among them are not used
  const weights: Record<string, tf.Tensor> = checkpoint.tensors;
  const step = (checkpoint.state as { step?: number }).step ?? 0;
  return { weights, record: { run: dir, step } };
}

/** A polynomial run's config.json (checked to be one). */
export function readPolynomialRunConfig(dir: string): PolynomialRunConfig {
  if (!fs.existsSync(path.join(dir, "config.json"))) throw new Error(`${dir}: not a run directory (no config.json)`);
  const config = readConfig<PolynomialRunConfig>(dir);
  if (config.kind !== "poly") throw new Error(`${dir}/config.json: not a polynomial run (kind ${String(config.kind)})`);
  return config;
}

/** Rebuild a run's model from config.json and load its checkpoint weights. */
export function loadPolynomialRun(dir: string): PolynomialRun {
  const config = readPolynomialRunConfig(dir);
  const run = buildRun(config);
  const vocabFile = path.join(dir, "vocab.json");
  if (fs.existsSync(vocabFile)) {
    const saved = PolynomialLanguage.load(vocabFile);
    if (saved.tokens.join("\u0000") !== run.language.tokens.join("\u0000"))
      throw new Error(`${vocabFile}: vocabulary differs from PolynomialLanguage.standard()`);
  }
  const checkpoint = loadCheckpoint(dir);
  if (!checkpoint) throw new Error(`${dir}: no checkpoint/ (train first, or point --checkpoint at a run directory)`);
  loadTransformerTensors(run.model, checkpoint.tensors);
  Object.values(checkpoint.tensors).forEach((t) => t.dispose());
  return run;
}

/**
 * The shipped polynomial-expansion model (named in `data/checkpoints/models.json`), or null when it
 * is absent. Other shipped runs (e.g. notebook 05's comparison) are found by name with `shippedModelDir`.
 */
export function shippedPolynomialRunDir(root: string = shippedModelsRoot()): string | null {
  return shippedModelDirForTask("polynomial-expansion", root);
}
