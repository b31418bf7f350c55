/**
 * Training and loading arithmetic runs (addition / factorization) on the shared seq2seq loop.
 * A run directory's config.json holds `{ kind: "arith", data, model, train }`; `loadArithmeticRun`
 * rebuilds the data split and the model from it, so evaluation always uses the run's own held-out set.
 */
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as path from "path";
import {
  ArithmeticData,
  ArithmeticDataConfig,
  ArithmeticTask,
  arithmeticBatchStream,
  arithmeticBatches,
  arithmeticData,
  checkRepeatMultiDigit,
  repeatMultiDigitKeys,
  trainMaxNotice,
} from "../datasets/arithmetic";
import { Transformer, TransformerConfig, createTransformer, disposeTransformer, loadTransformerTensors, parameterCount } from "../models/transformer";
import { deepenTransformerWeights } from "../models/transformer-deepen";
import { evaluateArithmetic } from "../eval/arithmetic";
import { shippedModelDirForTask, shippedModelsRoot } from "./shipped-models";
import {
  CONFIG_FILE,
  Json,
  amendRunConfig,
  assertResumable,
  averageCheckpoints,
  checkpointStep,
  createRun,
  exportRunWeights,
  loadCheckpoint,
  lockRun,
  readConfig,
  SaveOptions,
  verifyCheckpoint,
} from "./run-dir";
import { ResumeExpectation, checkResumeExpectations } from "./run-inputs";
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

export interface ArithmeticRunConfig {
  kind: "arith";
  data: ArithmeticDataConfig;
  model: TransformerConfig;
  /** `parts` (P > 1): compute each batch as up to P sub-batches grouped by answer length (same gradient, less padding; absent: 1). */
  train: Seq2SeqTrainConfig & { batchSize: number; evalSize: number; parts?: number; repeatMultiDigit?: number };
  /** Set when the run started from another run's weights (see `ArithmeticTrainOptions.initFrom`). */
  initFrom?: { run: string; step: number; encoderLayers: number; decoderLayers: number; ffHidden?: number };
  /** Set when the run is the weight average of other runs (`averageArithmeticRuns`); `train` is then the first one's. */
  averageOf?: { run: string; step: number }[];
}

/** The shape of `ARITHMETIC_DEFAULTS`: a value for every setting a new run may leave out. */
export interface ArithmeticDefaults {
  /** `max` depends on the task. */
  data: Pick<ArithmeticDataConfig, "base" | "testFraction" | "splitSeed"> & { max: Record<ArithmeticTask, number> };
  /** Every model field the data does not fix (the vocabulary sizes, padding id and `maxLength` follow from the tokenizer). */
  model: Omit<TransformerConfig, "sourceVocabSize" | "targetVocabSize" | "maxLength" | "padId">;
  train: Required<Omit<ArithmeticRunConfig["train"], "labelSmoothing">>;
}

/**
 * The arithmetic trainer's defaults, the one place they are written: `trainArithmetic` fills every
 * setting a caller leaves out from here, and `numlab train arith` parses its flags and prints its
 * usage text from here.
 */
export const ARITHMETIC_DEFAULTS: ArithmeticDefaults = {
  data: {
    base: 10,
    testFraction: 0.1,
    splitSeed: 0,
    /** addition: operands in [0, 256); factorization: 2 ≤ n ≤ 65,536. */
    max: { addition: 256, factorization: 65536 },
  },
  model: {
    hidden: 128,
    encoderLayers: 2,
    decoderLayers: 2,
    heads: 4,
    ffHidden: 256,
    dropout: 0.1,
    positional: "sinusoidal",
    norm: "pre",
    attentionGain: 0.5,
    seed: 0,
  },
  train: {
    learningRate: 1e-3,
    warmupSteps: 200,
    schedule: "cosine",
    clipNorm: 1,
    evalEvery: 100,
    checkpointEvery: 100,
    seed: 0,
    batchSize: 128,
    evalSize: 256,
    steps: 3000,
    /** Compute each batch as up to this many sub-batches grouped by answer length (1: off). */
    parts: 1,
    /** factorization: draw the numbers with two multi-digit prime factors this many times per epoch (1: as often as the others). */
    repeatMultiDigit: 1,
    float16: false,
  },
};

/**
 * Settings a resumed arithmetic run changes from its checkpoint on; each change is written to
 * config.json and logged with its step in `numlab.changes` (`amendRunConfig`).
 */
export interface ArithmeticOnResume extends Seq2SeqOnResume {
  /** factorization: train on numbers up to this from here on (see `ArithmeticDataConfig.trainMax`). */
  trainMax?: number;
  /** factorization: from here on draw numbers with two multi-digit prime factors this many times per epoch (see `repeatMultiDigitKeys`). */
  repeatMultiDigit?: number;
}

export interface ArithmeticTrainOptions {
  /** The task is required; `max` defaults by task and the rest from `ARITHMETIC_DEFAULTS.data`. */
  data: Partial<ArithmeticDataConfig> & Pick<ArithmeticDataConfig, "task">;
  model?: Partial<Omit<TransformerConfig, "sourceVocabSize" | "targetVocabSize" | "maxLength">>;
  /** Training settings; on resume only `steps` (the new total) is taken from here, the rest comes from the run. */
  train?: Partial<Seq2SeqTrainConfig> & { batchSize?: number; evalSize?: number; parts?: number; repeatMultiDigit?: number };
  out: string;
  resume?: boolean;
  /** With `resume`: the settings to change from the checkpoint on (ignored for a new run). */
  onResume?: ArithmeticOnResume;
  /**
   * With `resume`: settings given explicitly that cannot change on resume (e.g. `--hidden 32`);
   * each must equal the run's own, else the error names it. `numlab train arith` fills it from its flags.
   */
  expect?: ResumeExpectation[];
  /** Abort to stop at the next step with a checkpoint ("interrupted at step N"); default: the ambient signal (the running notebook cell's). */
  signal?: AbortSignal;
  /**
   * A new run only: start from this run's trained weights instead of a fresh init. The model may
   * have more layers and wider feed-forward layers than that run's (it is grown by
   * `deepenTransformerWeights`, same outputs at step 0); everything else in the model and the
   * held-out split must match. The optimizer starts
   * fresh. Recorded in config.json as `initFrom`.
   */
  initFrom?: string;
  label?: string;
  onEval?(record: Record<string, number>): void;
}

export interface ArithmeticRun {
  /** The run directory (config.json, metrics.jsonl, checkpoint/). */
  dir: string;
  config: ArithmeticRunConfig;
  data: ArithmeticData;
  model: Transformer;
}

function buildRun(dir: string, config: ArithmeticRunConfig): ArithmeticRun {
  const data = arithmeticData(config.data);
  const model = createTransformer(config.model);
  return { dir, config, data, model };
}

/**
 * The full config.json a new run of `options` starts with: every setting not given comes from
 * `ARITHMETIC_DEFAULTS`; vocabulary sizes, padding id and `maxLength` follow from the data.
 */
export function resolveArithmeticConfig(options: Pick<ArithmeticTrainOptions, "data" | "model" | "train">): ArithmeticRunConfig {
  const { max: maxByTask, ...dataDefaults } = ARITHMETIC_DEFAULTS.data;
  const data0 = arithmeticData({ ...dataDefaults, ...options.data, max: options.data.max ?? maxByTask[options.data.task] });
  const { seed: modelSeed, ...modelDefaults } = ARITHMETIC_DEFAULTS.model;
  return {
    kind: "arith",
    data: data0.config,
    model: {
      sourceVocabSize: data0.tokenizer.vocabSize,
      targetVocabSize: data0.tokenizer.vocabSize,
      ...modelDefaults,
      padId: data0.tokenizer.padId,
      seed: modelSeed,
      ...options.model,
      maxLength: Math.max(data0.maxSourceLength, data0.maxTargetLength) + 2,
    },
    train: { ...ARITHMETIC_DEFAULTS.train, ...options.train },
  };
}

/**
 * Train (or resume) an arithmetic model into `options.out`, holding the run directory's lock
 * (a second writer fails naming this one). On resume the flags in `expect` must match the run,
 * and `onResume` changes (steps, learning rate, dropout, trainMax, repeatMultiDigit) are logged.
 */
export async function trainArithmetic(options: ArithmeticTrainOptions): Promise<ArithmeticRun & { summary: Seq2SeqTrainSummary; parameters: number }> {
  const config = resolveArithmeticConfig(options);
  const onResume = options.resume ? (options.onResume ?? {}) : {};
  const repeatWanted = options.resume ? onResume.repeatMultiDigit : options.train?.repeatMultiDigit;
  if (repeatWanted !== undefined) checkRepeatMultiDigit(config.data.task, repeatWanted);
  if (options.resume) assertResumable(options.out);
  await ensureBackend(); // before any tensor exists: the fast backend, not tfjs's default cpu one
  const lock = lockRun(options.out);
  try {
    return await trainLocked(options, config, onResume);
  } finally {
    lock.release();
  }
}

async function trainLocked(
  options: ArithmeticTrainOptions,
  config: ArithmeticRunConfig,
  onResume: ArithmeticOnResume,
): Promise<ArithmeticRun & { summary: Seq2SeqTrainSummary; parameters: number }> {
  let initWeights: Record<string, tf.Tensor> | null = null;
  if (options.initFrom !== undefined && !options.resume) {
    const init = initialWeights(options.initFrom, config);
    initWeights = init.weights;
    config.initFrom = init.record;
  }
  if (options.resume && fs.existsSync(path.join(options.out, CONFIG_FILE)) && readConfig<ArithmeticRunConfig>(options.out).averageOf) {
    throw new Error(`${options.out} is a weight average of other runs (no optimizer state to resume): start a new run with --init-from ${options.out}`);
  }
  if (options.resume) {
    verifyCheckpoint(options.out); // a damaged checkpoint: an error naming the file, before anything changes
    checkResumeExpectations(options.out, options.expect ?? [], `${SEQ2SEQ_CHANGEABLE_ON_RESUME}, --train-max and --repeat-multidigit`);
  }
  let used = createRun(options.out, config, { resume: options.resume });
  if (options.resume) {
    // keep config.json truthful: record each change and log it
    used = applySeq2SeqResumeChanges(options.out, used, { steps: options.train?.steps, learningRate: onResume.learningRate, dropout: onResume.dropout });
  }
  const trainMax = onResume.trainMax;
  const widened = options.resume && trainMax !== undefined && trainMax !== (used.data.trainMax ?? used.data.max);
  const previousTrainMax = used.data.trainMax ?? used.data.max;
  if (widened) used.data = { ...used.data, trainMax };
  const run = buildRun(options.out, used); // validates the data config before the change is written
  if (widened) {
    amendRunConfig(options.out, `data.trainMax ${previousTrainMax} → ${trainMax}`, (c) => {
      c.data.trainMax = trainMax;
    });
  }
  const { data, model } = run;
  const notice = trainMaxNotice(data);
  if (notice) process.stderr.write(`numlab: ${notice}\n`);
  const repeat = onResume.repeatMultiDigit;
  const previousRepeat = used.train.repeatMultiDigit ?? ARITHMETIC_DEFAULTS.train.repeatMultiDigit;
  const trainKeys = repeatMultiDigitKeys(data, data.split.train, options.resume && repeat !== undefined ? repeat : previousRepeat);
  if (options.resume && repeat !== undefined && repeat !== previousRepeat) {
    amendRunConfig(options.out, `train.repeatMultiDigit ${previousRepeat} → ${repeat}`, (c) => {
      c.train.repeatMultiDigit = repeat;
    });
    used.train.repeatMultiDigit = repeat;
  }
  if (initWeights) {
    loadTransformerTensors(model, initWeights);
    Object.values(initWeights).forEach((t) => t.dispose());
  }
  const stream = arithmeticBatchStream(data, trainKeys, used.train.batchSize, used.train.seed + 1, {
    parts: used.train.parts ?? ARITHMETIC_DEFAULTS.train.parts,
  });
  const evalKeys = data.split.test.slice(0, used.train.evalSize);
  const summary = await trainSeq2Seq(
    model,
    {
      nextBatch: () => stream.next(),
      cursor: () => stream.cursor() as unknown as Json,
      seek: (c) => stream.seek(c as unknown as { epoch: number; position: number }),
      evaluate: (m) => {
        const valLoss = meanBatchLoss(m, arithmeticBatches(data, evalKeys, 256));
        const scores = evaluateArithmetic(m, data, evalKeys, { beams: 1 });
        return { valLoss, valTop1: scores.top1 };
      },
    },
    used.train,
    {
      dir: options.out,
      resume: options.resume,
      label: options.label ?? `arith ${used.data.task}`,
      onEval: options.onEval,
      signal: options.signal,
      defaultLearningRate: ARITHMETIC_DEFAULTS.train.learningRate,
      weightsOnlyHint: `start a new run from its weights instead: numlab train arith --init-from ${options.out} --out NEW_DIR`,
    },
  );
  return { ...run, summary, parameters: parameterCount(model) };
}

/** Why two runs do not share task, tokens and held-out split (`a` "there", `b` "here"), or null when they do. */
function heldOutMismatch(a: ArithmeticRunConfig, b: ArithmeticRunConfig): string | null {
  for (const key of ["task", "base", "max", "testFraction", "splitSeed"] as const) {
    if (a.data[key] !== b.data[key]) return `data.${key} is ${String(a.data[key])} there and ${String(b.data[key])} here; they must match`;
  }
  return null;
}

/**
 * Several runs of one task, base and held-out split, loaded to decode as an ensemble
 * (`beamSearch(models, ...)`: the mean of their probabilities). `data` is the first run's; every
 * run has the same test numbers, so none of them was trained on by any member.
 */
export function loadArithmeticEnsemble(dirs: readonly string[]): { runs: ArithmeticRun[]; models: Transformer[]; data: ArithmeticData } {
  if (dirs.length === 0) throw new Error("loadArithmeticEnsemble: no run directories given");
  const runs: ArithmeticRun[] = [];
  try {
    for (const dir of dirs) {
      const run = loadArithmeticRun(dir);
      runs.push(run);
      const mismatch = heldOutMismatch(run.config, runs[0].config);
      if (mismatch) throw new Error(`${dir} cannot join an ensemble with ${dirs[0]}: ${mismatch}`);
    }
  } catch (err) {
    runs.forEach((r) => disposeTransformer(r.model));
    throw err;
  }
  return { runs, models: runs.map((r) => r.model), data: runs[0].data };
}

/** The weights a new run starts from when it is initialized from the run in `dir` (checked against `config`). */
function initialWeights(
  dir: string,
  config: ArithmeticRunConfig,
): { weights: Record<string, tf.Tensor>; record: NonNullable<ArithmeticRunConfig["initFrom"]> } {
  const source = readConfig<ArithmeticRunConfig>(dir);
  if (source.kind !== "arith") throw new Error(`--init-from ${dir}: not an arithmetic run (kind ${String(source.kind)})`);
  // the same task, tokens and held-out split, or the test numbers could have been trained on
  const mismatch = heldOutMismatch(source, config);
  if (mismatch) throw new Error(`--init-from ${dir}: ${mismatch}`);
  const checkpoint = loadCheckpoint(dir);
  if (!checkpoint) throw new Error(`--init-from ${dir}: no checkpoint/ to start from`);
  try {
    const weights = deepenTransformerWeights(checkpoint.tensors, source.model, config.model);
    const step = (checkpoint.state as { step?: number }).step ?? 0;
    const record: NonNullable<ArithmeticRunConfig["initFrom"]> = {
      run: dir,
      step,
      encoderLayers: source.model.encoderLayers,
      decoderLayers: source.model.decoderLayers,
    };
    // recorded only when it grew, so earlier runs' records stay as they were
    if (source.model.ffHidden !== config.model.ffHidden) record.ffHidden = source.model.ffHidden;
    return { weights, record };
  } catch (err) {
    throw new Error(`--init-from ${dir}: ${(err as Error).message}`);
  } finally {
    Object.values(checkpoint.tensors).forEach((t) => t.dispose());
  }
}

/**
 * Average the weights of several runs of one model into a new run in `dest` (see
 * `averageCheckpoints`). The runs must share task, base and held-out split (so no member saw the
 * test numbers) and the model shape; averaging pays off for runs trained on from the same starting
 * weights (`--init-from` one run with other seeds or data); runs from different random inits have
 * unaligned weights and are not expected to average well. config.json is the first run's plus `averageOf: [{run, step}]`; the new run
 * evaluates, ships and starts new runs (`--init-from`) like any other, but cannot be resumed.
 */
export function averageArithmeticRuns(sources: readonly string[], dest: string, options: SaveOptions = {}): { config: ArithmeticRunConfig; bytes: number } {
  if (sources.length < 2) throw new Error(`averageArithmeticRuns: give two or more runs to average, got ${sources.length}`);
  const configs = sources.map((dir) => {
    const config = readConfig<ArithmeticRunConfig>(dir);
    if (config.kind !== "arith") throw new Error(`${dir}/config.json: not an arithmetic run (kind ${String(config.kind)})`);
    return config;
  });
  configs.forEach((config, i) => {
    const mismatch = heldOutMismatch(config, configs[0]);
    if (mismatch) throw new Error(`${sources[i]} cannot be averaged with ${sources[0]}: ${mismatch}`);
    // the seed and dropout rate do not change the weights' shapes
    const keys = Object.keys({ ...config.model, ...configs[0].model }) as (keyof TransformerConfig)[];
    const key = keys.find((k) => k !== "seed" && k !== "dropout" && config.model[k] !== configs[0].model[k]);
    if (key)
      throw new Error(
        `${sources[i]} cannot be averaged with ${sources[0]}: model.${key} differs (${String(config.model[key])} vs ${String(configs[0].model[key])})`,
      );
  });
  const averageOf = sources.map((dir) => ({ run: dir, step: checkpointStep(dir) }));
  const config: ArithmeticRunConfig = { ...configs[0], averageOf };
  const lock = lockRun(dest);
  try {
    createRun(dest, config);
    const { bytes } = averageCheckpoints(sources, dest, { step: 0 }, options);
    return { config, bytes };
  } finally {
    lock.release();
  }
}

/** Rebuild a run's data and model and load its checkpoint weights. */
export function loadArithmeticRun(dir: string): ArithmeticRun {
  const config = readConfig<ArithmeticRunConfig>(dir);
  if (config.kind !== "arith") throw new Error(`${dir}/config.json: not an arithmetic run (kind ${String(config.kind)})`);
  const run = buildRun(dir, config);
  const checkpoint = loadCheckpoint(dir);
  if (!checkpoint) throw new Error(`${dir}: no checkpoint/ (train first, or point --checkpoint at a run directory)`);
  loadTransformerTensors(run.model, checkpoint.tensors);
  Object.values(checkpoint.tensors).forEach((t) => t.dispose());
  return run;
}

/**
 * Copy a run for shipping: config, metrics and the model weights only (no optimizer slots),
 * optionally as float16, into `dest` (e.g. data/checkpoints/arith-addition-base10), after checking
 * that it loads.
 */
export function exportArithmeticRun(source: string, dest: string, options: { float16?: boolean } = {}): { bytes: number } {
  disposeTransformer(loadArithmeticRun(source).model);
  return exportRunWeights(source, dest, options);
}

/** The embedding rows of the digit tokens (source side by default) as plain arrays, with their labels. */
export function digitEmbeddings(run: ArithmeticRun, side: "source" | "target" = "source"): { vectors: number[][]; labels: string[] } {
  const table = run.model.params[`${side}Embedding`].arraySync() as number[][];
  const tok = run.data.tokenizer;
  const vectors: number[][] = [];
  const labels: string[] = [];
  for (let d = 0; d < tok.base; d++) {
    vectors.push(table[tok.digitId(d)]);
    labels.push(String(d));
  }
  return { vectors, labels };
}

/**
 * The shipped arithmetic model for `task` (the manifest `data/checkpoints/models.json` names it;
 * `root` defaults to the package's `data/checkpoints/`), or null when it is absent.
 */
export function shippedArithmeticRunDir(task: "addition" | "factorization", root: string = shippedModelsRoot()): string | null {
  return shippedModelDirForTask(task, root);
}
