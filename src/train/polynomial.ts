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
import { Rng } from "../random";
import { Transformer, TransformerConfig, createTransformer, loadTransformerTensors, parameterCount } from "../models/transformer";
import { PolynomialLanguage } from "../tokenizers/polynomial-language";
import { Seq2SeqBatch, Seq2SeqExample, collateSeq2Seq, seq2seqBatches } from "../datasets/seq2seq-collate";
import { generatePolynomialPairs } from "../data/polynomial-generator";
import { PolynomialPair, PolynomialSplit, loadPolynomialPairs, locatePolynomialData, splitPolynomialPairs } from "../data/polynomials";
import { findLocalDataFile, smokeFixtureFile } from "../data/download";
import { shippedModelDirForTask, shippedModelsRoot } from "./shipped-models";
import { isSmoke } from "../smoke";
import { POLYNOMIAL_SOURCE } from "../data/polynomials";
import { Json, amendRunConfig, changeDropoutOnResume, createRun, loadCheckpoint, readConfig } from "./run-dir";
import { Seq2SeqOnResume, Seq2SeqTrainConfig, Seq2SeqTrainSummary, meanBatchLoss, trainSeq2Seq } from "./seq2seq";
import { predictPolynomials, scorePolynomialPredictions } from "../eval/polynomial";

export interface PolynomialDataConfig {
  /** "real": pairs from `file`; "generated": `generated` pairs from the seeded generator. */
  source: "real" | "generated";
  /** The real file as given (its base name is looked up again in NUMLAB_DATA_DIR when the path moved). */
  file?: string;
  /** Use only the first `limit` pairs of the file. */
  limit?: number;
  /** Number of generated pairs (source "generated"). */
  generated?: number;
  /** Split seed and fractions (seed's 80/20 then 95/5: test 0.2, val 0.04). */
  splitSeed: number;
  testFraction: number;
  valFraction: number;
}

export interface PolynomialRunConfig {
  kind: "poly";
  data: PolynomialDataConfig;
  model: TransformerConfig;
  train: Seq2SeqTrainConfig & { batchSize: number; evalSize: number };
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
  data: Pick<PolynomialDataConfig, "source" | "splitSeed" | "testFraction" | "valFraction"> & { generated: number };
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
  /** With `resume`: the settings to change from the checkpoint on (ignored for a new run). */
  onResume?: PolynomialOnResume;
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

/** Load the pairs of a run's data config and split them exactly as the run did. */
export async function polynomialRunSplit(data: PolynomialDataConfig): Promise<PolynomialSplit> {
  const pairs: PolynomialPair[] =
    data.source === "generated"
      ? generatePolynomialPairs(data.generated ?? POLYNOMIAL_DEFAULTS.data.generated, data.splitSeed)
      : await loadPolynomialPairs(resolvePolynomialFile(data), { limit: data.limit });
  return splitPolynomialPairs(pairs, { seed: data.splitSeed, testFraction: data.testFraction, valFraction: data.valFraction });
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
  const { generated: _generated, ...dataDefaults } = POLYNOMIAL_DEFAULTS.data;
  const language = PolynomialLanguage.standard();
  return {
    kind: "poly",
    data: { ...dataDefaults, ...options.data },
    model: { sourceVocabSize: language.size, targetVocabSize: language.size, ...POLYNOMIAL_DEFAULTS.model, ...options.model },
    train: { ...POLYNOMIAL_DEFAULTS.train, ...options.train },
  };
}

/** Train (or resume) a polynomial model into `options.out`. */
export async function trainPolynomial(
  options: PolynomialTrainOptions,
): Promise<PolynomialRun & { summary: Seq2SeqTrainSummary; parameters: number; trainPairs: number }> {
  const language = PolynomialLanguage.standard();
  let config = resolvePolynomialConfig(options);
  if (config.data.source === "real" && !config.data.file) config = { ...config, data: { ...config.data, file: await locatePolynomialData() } };
  const saved = createRun(options.out, config, { resume: options.resume });
  // a resumed run keeps its config, except that --steps may extend it and the dropout may change
  let used: PolynomialRunConfig = saved;
  const newSteps = options.train?.steps;
  if (options.resume && newSteps !== undefined && newSteps > saved.train.steps) {
    const steps = newSteps;
    amendRunConfig(options.out, `train.steps ${saved.train.steps} → ${steps}`, (c) => {
      c.train.steps = steps;
    });
    used = { ...saved, train: { ...saved.train, steps } };
  }
  const dropout = options.resume ? options.onResume?.dropout : undefined;
  if (dropout !== undefined) used = { ...used, model: changeDropoutOnResume(options.out, used.model, dropout) };
  language.save(path.join(options.out, "vocab.json"));
  const run = buildRun(used);
  const split = await polynomialRunSplit(used.data);
  const train = encodePolynomialPairs(split.train, language).filter((e) => e.source.length <= used.model.maxLength && e.target.length <= used.model.maxLength);
  const stream = new PolynomialBatchStream(train, used.train.batchSize, used.train.seed + 1);
  const valPairs = split.val.slice(0, used.train.evalSize);
  const valExamples = encodePolynomialPairs(valPairs, language);
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
        return { valLoss, valExactMatch: scores.exactMatch, valEquivalent: scores.equivalent, epoch: Number(stream.epochs().toFixed(4)) };
      },
    },
    used.train,
    { dir: options.out, resume: options.resume, label: options.label ?? "poly", onEval: options.onEval, shouldStop: options.shouldStop },
  );
  return { ...run, summary, parameters: parameterCount(run.model), trainPairs: train.length };
}

/** Rebuild a run's model from config.json and load its checkpoint weights. */
export function loadPolynomialRun(dir: string): PolynomialRun {
  if (!fs.existsSync(path.join(dir, "config.json"))) throw new Error(`${dir}: not a run directory (no config.json)`);
  const config = readConfig<PolynomialRunConfig>(dir);
  if (config.kind !== "poly") throw new Error(`${dir}/config.json: not a polynomial run (kind ${String(config.kind)})`);
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
