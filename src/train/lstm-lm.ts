/**
 * The readable training loop of the LSTM next-integer model (the seed's experiment):
 *
 *   OEIS sequences → SequenceDataset(seqLen, maxValue) → seeded batches
 *   → Embedding(maxValue+1, pad = maxValue) → LSTM layers → Dense(relu) → Dense(maxValue)
 *   → cross-entropy of the next integer (pad positions ignored), Adam.
 *
 * Every `evalEvery` steps: validation loss and logistic-regression probes of the embeddings of
 * the first `probeCount` integers (div2, div3, div4, div5, div10, prime). The run directory holds
 * config.json, metrics.jsonl, checkpoint/ (weights + Adam slots + data cursor, written atomically),
 * embeddings/step-NNNNNN.tsv (the probed embeddings at each evaluation), TensorBoard event files
 * and projector files. `resume` continues from the checkpoint with the same data order, bit for
 * bit (Adam's state is saved whole). A NaN or infinite loss stops the run before the update is
 * applied, keeping the last checkpoint whose weights and validation loss were finite.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { progress } from "../display/progress";
import { loadOeis, locateOeisFile } from "../data/oeis";
import { ensureBackend } from "../backend";
import { activeSignal, interruptedAt, isInterrupted, pace } from "../cancel";
import { SequenceDataset, SequenceSource, BatchCursor } from "../datasets/sequence-dataset";
import { probeEmbeddings, ProbeRow } from "../eval/probes";
import { PropertyName } from "../eval/number-properties";
import { IntegerEmbeddings, integerEmbeddingsFromRows, writeEmbeddingsTsv, readEmbeddingsTsv } from "../embeddings/tsv";
import {
  appendMetrics,
  assertFiniteLoss,
  assertResumable,
  checkpointStep,
  createRun,
  divergedLoss,
  hasCheckpoint,
  Json,
  loadCheckpoint,
  lockRun,
  lowerLearningRate,
  NonFiniteLossError,
  nonFiniteTensor,
  optimizerTensors,
  readConfig,
  readMetrics,
  requireOptimizerState,
  restoreOptimizer,
  saveCheckpoint,
  truncateMetricsAfter,
  verifyCheckpoint,
} from "./run-dir";
import {
  ResumeExpectation,
  RunInput,
  changeOnResume,
  checkResumeExpectations,
  fileInput,
  memoryInput,
  recordRunInputs,
  recordedRunInputs,
  verifyRunInputs,
} from "./run-inputs";
import { EventFileWriter, truncateEventFiles, writeProjectorEmbedding } from "./tensorboard";
import { shippedModelDirForTask, shippedModelsRoot } from "./shipped-models";
import { createLstmLm, LstmLm } from "../models/lstm-lm";

export interface LstmTrainConfig {
  /** OEIS file (plain or .gz); null: the full dump when cached, else the shared subset (NUMLAB_DATA_DIR). */
  dataFile: string | null;
  /** Integers 0..maxValue-1 are tokens; maxValue is the pad id. */
  maxValue: number;
  /** Terms per training row. */
  seqLen: number;
  /** Share of the rows held out for the evaluation loss. */
  validationShare: number;
  embeddingDim: number;
  /**
   * Standard deviation of the initial embedding rows (0: keep the model's own initialization).
   * Small values let what training writes into the vectors dominate the random start quickly.
   */
  embeddingInitStd: number;
  hiddenSize: number;
  numLayers: number;
  denseSize: number;
  batchSize: number;
  steps: number;
  learningRate: number;
  /** Clip the global gradient norm to this (0: no clipping). */
  clipNorm: number;
  seed: number;
  /** Evaluate (loss + probes) every this many steps (and at step 0 and the end). */
  evalEvery: number;
  /** Validation batches per evaluation (0: the whole validation set). */
  evalBatches: number;
  /** Probe the embeddings of the integers 0..probeCount-1. */
  probeCount: number;
  probeFolds: number;
  /** Write the checkpoint every this many steps (and at the end). */
  checkpointEvery: number;
  /** Store checkpoint weights as float16 (half the size). */
  float16Checkpoint: boolean;
  /** Write TensorBoard event and projector files. */
  tensorboard: boolean;
}

/**
 * The LSTM trainer's defaults, the one place they are written: `trainLstm` fills every setting a
 * caller leaves out from here, and `numlab train lstm` parses its flags and prints its usage text
 * from here. CPU-friendly: one LSTM layer of 128 units, 32-dimensional embeddings started small,
 * integers below 1000, rows of 30 terms, a high Adam rate with clipping, 800 steps. On the shared
 * OEIS subset a run takes about 2 minutes on one WASM thread (126 s on 2026-12-01; 20 minutes on
 * an overloaded machine for the shipped run) and beats the majority baseline on div2 and prime.
 */
export const LSTM_DEFAULTS: LstmTrainConfig = {
  dataFile: null,
  maxValue: 1000,
  seqLen: 30,
  validationShare: 0.05,
  embeddingDim: 32,
  embeddingInitStd: 0.05,
  hiddenSize: 128,
  numLayers: 1,
  denseSize: 128,
  batchSize: 64,
  steps: 800,
  learningRate: 0.01,
  clipNorm: 1,
  seed: 0,
  evalEvery: 100,
  evalBatches: 8,
  probeCount: 500,
  probeFolds: 5,
  checkpointEvery: 100,
  float16Checkpoint: false,
  tensorboard: true,
};

/** The CPU configuration: another name of `LSTM_DEFAULTS` (the CLI's built-in preset `cpu`). */
export const LSTM_CPU_CONFIG: LstmTrainConfig = LSTM_DEFAULTS;

/** The seed's configuration: max value 20000, length 100, batch 128, Embedding 128, 2×LSTM 256, Dense 256. */
export const LSTM_SEED_CONFIG: LstmTrainConfig = {
  ...LSTM_DEFAULTS,
  maxValue: 20000,
  seqLen: 100,
  embeddingDim: 128,
  embeddingInitStd: 0,
  hiddenSize: 256,
  numLayers: 2,
  denseSize: 256,
  batchSize: 128,
  steps: 100000,
  learningRate: 0.001,
  clipNorm: 0,
  evalEvery: 2000,
  checkpointEvery: 2000,
};

/** A tiny configuration for smoke runs and tests. */
export const LSTM_SMOKE_CONFIG: LstmTrainConfig = {
  ...LSTM_DEFAULTS,
  maxValue: 100,
  seqLen: 12,
  embeddingDim: 8,
  hiddenSize: 16,
  denseSize: 16,
  batchSize: 16,
  steps: 20,
  evalEvery: 10,
  evalBatches: 2,
  probeCount: 60,
  checkpointEvery: 10,
};

export function validateLstmConfig(c: LstmTrainConfig): void {
  const positive: (keyof LstmTrainConfig)[] = [
    "maxValue",
    "seqLen",
    "embeddingDim",
    "hiddenSize",
    "numLayers",
    "denseSize",
    "batchSize",
    "evalEvery",
    "probeCount",
    "probeFolds",
    "checkpointEvery",
  ];
  for (const k of positive) {
    const v = c[k] as number;
    if (!Number.isInteger(v) || v < 1) throw new Error(`config.${k} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(c.steps) || c.steps < 0) throw new Error(`config.steps must be an integer ≥ 0, got ${c.steps}`);
  if (c.seqLen < 2) throw new Error(`config.seqLen must be ≥ 2 (inputs drop the last term, targets the first), got ${c.seqLen}`);
  if (c.probeCount > c.maxValue) throw new Error(`config.probeCount (${c.probeCount}) cannot exceed maxValue (${c.maxValue})`);
  if (!(c.learningRate > 0)) throw new Error(`config.learningRate must be > 0, got ${c.learningRate}`);
  if (!(c.validationShare >= 0 && c.validationShare < 1)) throw new Error(`config.validationShare must be in [0, 1), got ${c.validationShare}`);
}

/** One line of metrics.jsonl. */
export interface LstmMetricsRecord {
  step: number;
  /** Seconds since the run (or the resumed part) started. */
  time: number;
  /** Training loss of this step's batch. */
  loss?: number;
  /** Tokens per second over the last logged interval. */
  tokensPerSecond?: number;
  evalLoss?: number;
  probes?: Partial<Record<PropertyName, { train: number; test: number; testStd: number; majority: number }>>;
  /** Relative path of the embeddings snapshot written at this evaluation. */
  embeddings?: string;
  event?: "resume" | "nan";
  message?: string;
}

export interface TrainLstmOptions {
  /** Run directory. */
  out: string;
  /** Config for a new run (ignored on resume, where the saved config is used). */
  config?: Partial<LstmTrainConfig>;
  resume?: boolean;
  /** With `resume`: the settings to change from the checkpoint on. */
  onResume?: LstmOnResume;
  /** With `resume`: settings given explicitly that cannot change (e.g. `--hidden 32`); each must equal the run's, else the error names it. */
  expect?: ResumeExpectation[];
  /** A new run only: start from the weights of the LSTM run in this directory (same model shape); Adam starts fresh. Recorded as `initFrom`. */
  initFrom?: string;
  /** Abort to stop at the next step with a checkpoint ("interrupted at step N"); default: the ambient signal (the running notebook cell's). */
  signal?: AbortSignal;
  /** Sequences to train on instead of reading `config.dataFile`/the subset (tests, notebooks). */
  sequences?: SequenceSource;
  /** Stop (with a checkpoint) after this many steps of this invocation, e.g. to split a run. */
  maxStepsThisRun?: number;
  /** Progress bar mode; default automatic. */
  progressMode?: "notebook" | "tty" | "log" | "silent";
  /** Test hook: replace the loss value used by the NaN guard. */
  lossOverride?: (loss: number, step: number) => number;
}

export interface TrainLstmSummary {
  out: string;
  config: LstmTrainConfig;
  step: number;
  finalLoss: number | null;
  lastEval: LstmMetricsRecord | null;
  trainRows: number;
  seconds: number;
}

const EMBEDDINGS_DIR = "embeddings";

function snapshotName(step: number): string {
  return `${EMBEDDINGS_DIR}/step-${String(step).padStart(7, "0")}.tsv`;
}

/** Embeddings of the integers 0..count-1 (the rows of the embedding matrix). */
export function lstmIntegerEmbeddings(model: LstmLm, count: number): IntegerEmbeddings {
  const rows = tf.tidy(() => model.embeddingMatrix().slice([0, 0], [count, -1]).arraySync() as number[][]);
  return integerEmbeddingsFromRows(rows, undefined, "lstm");
}

/** Mean validation loss over up to `maxBatches` batches (rows in order). */
function validationLoss(model: LstmLm, data: SequenceDataset, batchSize: number, maxBatches: number): number | undefined {
  if (data.size === 0) return undefined;
  const it = data.batches({ batchSize, shuffle: false });
  const batches = maxBatches > 0 ? Math.min(maxBatches, it.batchesPerEpoch) : it.batchesPerEpoch;
  let total = 0;
  let weight = 0;
  for (let b = 0; b < batches; b++) {
    const batch = it.nextBatch();
    const value = tf.tidy(() => {
      const x = tf.tensor2d(batch.data, [batch.size, batch.seqLen], "int32");
      return model.loss(x).dataSync()[0];
    });
    total += value * batch.size;
    weight += batch.size;
  }
  return total / weight;
}

function probeRecord(rows: ProbeRow[]): LstmMetricsRecord["probes"] {
  const out: NonNullable<LstmMetricsRecord["probes"]> = {};
  for (const r of rows) out[r.target] = { train: r.train, test: r.test, testStd: r.testStd, majority: r.majority };
  return out;
}

/** The OEIS file a config asks for: `config.dataFile`, else the full dump when cached, else the shared subset. */
async function locateSequences(config: LstmTrainConfig): Promise<string> {
  return locateOeisFile(config.dataFile ? { path: config.dataFile, quiet: true } : { quiet: true });
}

/** Settings a resumed LSTM run changes from its checkpoint on (logged in config.json `numlab.changes`). */
export interface LstmOnResume {
  /** A new total of steps (not below the checkpoint's step). */
  steps?: number;
  /** Train on with this Adam learning rate (e.g. lower, after a NaN loss). */
  learningRate?: number;
  /** Read the sequences from this file (it must hold the data the run was trained on: checked by size and SHA-256). */
  dataFile?: string;
}

/** The flags of `numlab train lstm` that may change on resume (for error messages). */
export const LSTM_CHANGEABLE_ON_RESUME = "--steps and --lr";

/** Checks that a weights file can start a new LSTM run of `config`; returns what config.json records as `initFrom`. */
function lstmInitialWeights(dir: string, config: LstmTrainConfig): { tensors: Record<string, tf.Tensor>; record: { run: string; step: number } } {
  const source = { ...LSTM_DEFAULTS, ...readConfig<LstmTrainConfig>(dir) };
  for (const key of ["maxValue", "embeddingDim", "hiddenSize", "numLayers", "denseSize"] as const) {
    if (source[key] !== config[key]) throw new Error(`--init-from ${dir}: ${key} is ${source[key]} there and ${config[key]} here; they must match`);
  }
  const checkpoint = loadCheckpoint(dir);
  if (!checkpoint) throw new Error(`--init-from ${dir}: no checkpoint/ to start from`);
  return { tensors: checkpoint.tensors, record: { run: dir, step: (checkpoint.state as { step?: number }).step ?? 0 } };
}

/**
 * Train (or resume) the LSTM next-integer model; resolves with a summary when the run ends. The
 * run directory is locked while it trains (a second writer fails naming this one). A resumed run
 * continues bit for bit like an uninterrupted one; it checks that its data is the same (size and
 * SHA-256 of the file and of the rows) and that `expect`ed settings match, and applies `onResume`.
 */
export async function trainLstm(options: TrainLstmOptions): Promise<TrainLstmSummary> {
  const out = options.out;
  if (options.resume) assertResumable(out);
  const lock = lockRun(out);
  try {
    return await trainLstmLocked(options);
  } finally {
    lock.release();
  }
}

async function trainLstmLocked(options: TrainLstmOptions): Promise<TrainLstmSummary> {
  const out = options.out;
  await ensureBackend();
  const requested: LstmTrainConfig = { ...LSTM_DEFAULTS, ...(options.config ?? {}) };
  const resuming = Boolean(options.resume) && hasCheckpoint(out);
  if (options.resume && options.initFrom !== undefined) throw new Error("initFrom starts a new run: leave it out with resume");
  if (options.resume && !hasCheckpoint(out)) {
    // a run killed before its first checkpoint: start it again from scratch with its config
    fs.rmSync(path.join(out, "metrics.jsonl"), { force: true });
    truncateEventFiles(out, -1);
  }
  if (options.resume) {
    verifyCheckpoint(out); // a damaged checkpoint: an error naming the file, before anything changes
    checkResumeExpectations(out, options.expect ?? [], LSTM_CHANGEABLE_ON_RESUME, LSTM_DEFAULTS);
  }
  const init = options.initFrom !== undefined ? lstmInitialWeights(options.initFrom, requested) : null;
  // on resume the saved config wins (createRun reports a missing run directory)
  let config: LstmTrainConfig;
  try {
    config = options.resume
      ? { ...LSTM_DEFAULTS, ...createRun<LstmTrainConfig>(out, requested, { resume: true }) }
      : createRun(out, init ? { ...requested, initFrom: init.record } : requested);
    validateLstmConfig(config);
  } catch (err) {
    if (init) tf.dispose(Object.values(init.tensors));
    throw err;
  }
  const onResume = options.resume ? (options.onResume ?? {}) : {};
  if (onResume.steps !== undefined && onResume.steps !== config.steps) {
    const at = checkpointStep(out);
    if (!(Number.isInteger(onResume.steps) && onResume.steps >= at))
      throw new Error(`cannot resume ${out} with ${onResume.steps} steps: its checkpoint is at step ${at}`);
    changeOnResume(out, "steps", onResume.steps);
    config.steps = onResume.steps;
  }
  if (onResume.learningRate !== undefined && onResume.learningRate !== config.learningRate) {
    if (!(onResume.learningRate > 0 && Number.isFinite(onResume.learningRate))) throw new Error(`learning rate must be > 0, got ${onResume.learningRate}`);
    changeOnResume(out, "learningRate", onResume.learningRate);
    config.learningRate = onResume.learningRate;
  }

  // the data: the file the run recorded (so that a resumed run reads what it trained on), else the config's
  let dataFile: string | null = null;
  let sequences = options.sequences;
  if (!sequences) {
    const recorded = options.resume ? recordedRunInputs(out).data?.path : undefined;
    dataFile = onResume.dataFile ?? (recorded && fs.existsSync(recorded) ? recorded : await locateSequences(config));
    sequences = await loadOeis({ path: dataFile, quiet: true });
  }
  const all = new SequenceDataset(sequences, { seqLen: config.seqLen, maxValue: config.maxValue });
  const inputs: Record<string, RunInput> = { rows: memoryInput(all.data) };
  if (dataFile) inputs.data = fileInput(dataFile);
  if (options.resume) verifyRunInputs(out, inputs, { data: onResume.dataFile ? "--file" : "the data file", rows: "the training rows" });
  else recordRunInputs(out, inputs);
  const { train, validation } = all.split(config.validationShare, config.seed);
  if (train.size === 0) throw new Error(`no training rows: no sequence has its first ${config.seqLen} terms in [0, ${config.maxValue})`);

  const model = createLstmLm(lstmModelConfig(config));
  if (config.embeddingInitStd > 0) rescaleEmbeddingInit(model, config.embeddingInitStd, config.seed);
  if (init) {
    try {
      model.assign(init.tensors);
    } finally {
      tf.dispose(Object.values(init.tensors));
    }
  }
  const optimizer = tf.train.adam(config.learningRate);
  let writer: EventFileWriter | null = null;
  try {
    let step = 0;
    let savedStep: number | null = null;
    let cursor: BatchCursor | undefined;
    if (resuming) {
      const checkpoint = loadCheckpoint(out);
      if (!checkpoint) throw new Error(`${out}: no checkpoint to resume from`);
      try {
        requireOptimizerState(
          checkpoint.tensors,
          model.trainableVariables().length,
          out,
          `start a new run from its weights instead: numlab train lstm --init-from ${out} --out NEW_DIR`,
        );
        model.assign(checkpoint.tensors);
        // the slots follow the variables' order, as the first update created them
        await restoreOptimizer(optimizer, checkpoint.tensors);
      } finally {
        for (const t of Object.values(checkpoint.tensors)) t.dispose();
      }
      const state = checkpoint.state as unknown as { step: number; cursor: BatchCursor };
      step = state.step;
      savedStep = step;
      cursor = state.cursor;
      truncateMetricsAfter(out, step);
      truncateEventFiles(out, step); // TensorBoard points after the checkpoint are written again
      appendMetrics(out, { step, time: 0, event: "resume", message: `resumed from the checkpoint at step ${step}` });
    }
    const batches = train.batches({ batchSize: config.batchSize, seed: config.seed, cursor, dropLast: train.size >= config.batchSize });
    writer = config.tensorboard ? new EventFileWriter(out) : null;
    if (writer && !resuming) writer.addText("config", "```\n" + JSON.stringify(config, null, 2) + "\n```", 0);

    const start = performance.now();
    const elapsed = (): number => (performance.now() - start) / 1000;
    let lastEval: LstmMetricsRecord | null = null;
    const advice = (): string => `--resume --lr ${lowerLearningRate(config.learningRate, LSTM_DEFAULTS.learningRate)}`;

    /** Stop when a validation loss is NaN, infinite or diverged: the checkpoint at hand is not a good one. */
    const checkValidationLoss = (evalLoss: number): void => {
      const why = divergedLoss(evalLoss, config.maxValue);
      if (!Number.isFinite(evalLoss) || why)
        throw new NonFiniteLossError(step, evalLoss, { what: "validation loss", why: why ?? undefined, checkpointStep: savedStep, advice: advice() });
    };

    const evaluate = (): LstmMetricsRecord => {
      const evalLoss = validationLoss(model, validation, config.batchSize, config.evalBatches);
      const emb = lstmIntegerEmbeddings(model, config.probeCount);
      const rows = probeEmbeddings(emb.vectors, emb.integers, { folds: config.probeFolds, seed: config.seed });
      const file = snapshotName(step);
      fs.mkdirSync(path.join(out, EMBEDDINGS_DIR), { recursive: true });
      writeEmbeddingsTsv(path.join(out, file), emb);
      const record: LstmMetricsRecord = { step, time: elapsed(), evalLoss, probes: probeRecord(rows), embeddings: file };
      appendMetrics(out, record as unknown as Record<string, Json>);
      if (writer) {
        const scalars: Record<string, number | undefined> = { "loss/validation": evalLoss };
        for (const r of rows) {
          scalars[`probe_test/${r.target}`] = r.test;
          scalars[`probe_train/${r.target}`] = r.train;
        }
        writer.addScalars(step, scalars);
        writer.flush();
      }
      lastEval = record;
      if (evalLoss !== undefined) checkValidationLoss(evalLoss);
      return record;
    };

    const checkpoint = async (): Promise<void> => {
      const weights = model.namedTensors();
      try {
        // only weights and a validation loss that are finite replace the last good checkpoint
        const bad = nonFiniteTensor(weights);
        if (bad) throw new NonFiniteLossError(step, NaN, { what: `the weights (${bad})`, checkpointStep: savedStep, advice: advice() });
        const evalLoss = lastEval?.step === step ? lastEval.evalLoss : undefined;
        if (evalLoss !== undefined) checkValidationLoss(evalLoss);
        const tensors = { ...weights, ...(await optimizerTensors(optimizer)) };
        saveCheckpoint(
          out,
          { tensors, state: { step, cursor: batches.cursor() as unknown as Json, trainRows: train.size } },
          { float16: config.float16Checkpoint },
        );
        savedStep = step;
      } finally {
        // namedTensors may build some tensors (the embedding with its pad row): free those, not the variables
        for (const t of Object.values(weights)) if (!(t instanceof tf.Variable)) t.dispose();
      }
    };

    const signal = activeSignal(options.signal);
    const stopAt = Math.min(config.steps, options.maxStepsThisRun !== undefined ? step + options.maxStepsThisRun : Infinity);
    const bar = progress({ total: config.steps, label: "train lstm", unit: "step", mode: options.progressMode });
    bar.set(step);
    const tokensPerBatch = config.batchSize * (config.seqLen - 1);
    let finalLoss: number | null = null;
    let intervalStart = performance.now();
    let intervalSteps = 0;
    try {
      if (step === 0 && !resuming) {
        evaluate();
        await checkpoint();
      }
      while (step < stopAt) {
        await pace(signal);
        const batch = batches.nextBatch();
        const x = tf.tensor2d(batch.data, [batch.size, batch.seqLen], "int32");
        const { value, grads } = tf.variableGrads(() => model.loss(x), model.trainableVariables());
        let loss = (await value.data())[0];
        if (options.lossOverride) loss = options.lossOverride(loss, step + 1);
        try {
          assertFiniteLoss(loss, step + 1, { checkpointStep: savedStep, advice: advice() });
        } catch (err) {
          tf.dispose([x, value, grads]);
          throw err;
        }
        const clipped = config.clipNorm > 0 ? clipByGlobalNorm(grads, config.clipNorm) : grads;
        optimizer.applyGradients(clipped as never);
        tf.dispose([x, value, grads, clipped]);
        step++;
        intervalSteps++;
        finalLoss = loss;
        const seconds = (performance.now() - intervalStart) / 1000;
        const tokensPerSecond = seconds > 0 ? (intervalSteps * tokensPerBatch) / seconds : undefined;
        if (step % 10 === 0 || step === stopAt) {
          appendMetrics(out, { step, time: elapsed(), loss, tokensPerSecond });
          writer?.addScalars(step, { "loss/train": loss });
          intervalStart = performance.now();
          intervalSteps = 0;
        }
        bar.set(step, { loss, "tok/s": tokensPerSecond ? Math.round(tokensPerSecond) : "?" });
        if (step % config.evalEvery === 0 || step === config.steps) evaluate();
        if (step % config.checkpointEvery === 0 || step === stopAt) await checkpoint();
      }
    } catch (err) {
      if (err instanceof NonFiniteLossError) {
        appendMetrics(out, { step: err.step, time: elapsed(), event: "nan", message: err.message });
        bar.done({ stopped: `${err.context.what ?? "loss"} ${err.loss} at step ${err.step}` });
      } else if (isInterrupted(err)) {
        if (savedStep !== step) await checkpoint();
        appendMetrics(out, { step, time: elapsed(), event: "interrupted" });
        bar.done({ stopped: `interrupted at step ${step}` });
        throw interruptedAt(step, savedStep, "continue with --resume");
      }
      throw err;
    }
    bar.done();
    if (writer && step >= config.steps) writeProjectorFiles(out);
    return { out, config, step, finalLoss, lastEval, trainRows: train.size, seconds: elapsed() };
  } finally {
    writer?.close();
    model.dispose();
    optimizer.dispose();
  }
}

/** Re-draw the embedding rows from N(0, std²) (seeded); the pad row stays zero (it is implicit). */
export function rescaleEmbeddingInit(model: LstmLm, std: number, seed: number): void {
  const [rows, dim] = model.embedding.shape;
  tf.tidy(() => model.embedding.assign(tf.randomNormal([rows, dim], 0, std, "float32", seed * 7919 + 17)));
}

/** The model part of a training config. */
export function lstmModelConfig(c: LstmTrainConfig): {
  maxValue: number;
  embeddingDim: number;
  hiddenSize: number;
  numLayers: number;
  denseSize: number;
  seed: number;
} {
  return { maxValue: c.maxValue, embeddingDim: c.embeddingDim, hiddenSize: c.hiddenSize, numLayers: c.numLayers, denseSize: c.denseSize, seed: c.seed };
}

/** Scale gradients so their global L2 norm is at most `maxNorm`. */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const sq = names.map((n) => tf.sum(tf.square(grads[n])));
    const norm = Math.sqrt(tf.addN(sq).dataSync()[0]);
    if (!(norm > maxNorm)) {
      const out: tf.NamedTensorMap = {};
      for (const n of names) out[n] = grads[n].clone();
      return out;
    }
    const scale = maxNorm / norm;
    const out: tf.NamedTensorMap = {};
    for (const n of names) out[n] = tf.mul(grads[n], scale);
    return out;
  });
}

/** Projector files for the first and the last embedding snapshot of a run. */
export function writeProjectorFiles(out: string): string[] {
  const records = readMetrics<LstmMetricsRecord>(out).filter((r) => r.embeddings);
  const chosen = records.length > 1 ? [records[0], records[records.length - 1]] : records;
  const names: string[] = [];
  for (const r of chosen) {
    const name = `lstm_step_${r.step}`;
    const emb = readEmbeddingsTsv(path.join(out, r.embeddings!));
    writeProjectorEmbedding(out, name, emb);
    names.push(name);
  }
  return names;
}

/** Evaluation records (with probes) of a run directory, in step order. */
export function lstmEvaluations(out: string): LstmMetricsRecord[] {
  return readMetrics<LstmMetricsRecord>(out).filter((r) => r.probes);
}

/** Evaluation records whose embeddings snapshot file exists (shipped runs keep only a few). */
export function lstmSnapshotSteps(out: string): LstmMetricsRecord[] {
  return lstmEvaluations(out).filter((r) => r.embeddings && fs.existsSync(path.join(out, r.embeddings)));
}

/** The trained model of a run directory (its checkpoint), ready for `predictNext`. */
export function loadLstmModel(out: string): { model: LstmLm; config: LstmTrainConfig; step: number } {
  const config = { ...LSTM_DEFAULTS, ...readConfig<LstmTrainConfig>(out) };
  const checkpoint = loadCheckpoint(out);
  if (!checkpoint) throw new Error(`${out}: no checkpoint (train first: numlab train lstm --out ${out})`);
  const model = createLstmLm(lstmModelConfig(config));
  model.assign(checkpoint.tensors);
  for (const t of Object.values(checkpoint.tensors)) t.dispose();
  return { model, config, step: (checkpoint.state as { step: number }).step };
}

/** The shipped LSTM next-integer run (named in `data/checkpoints/models.json`), or null when absent. */
export function shippedLstmRunDir(root: string = shippedModelsRoot()): string | null {
  const dir = shippedModelDirForTask("integer-embeddings", root);
  return dir && hasCheckpoint(dir) ? dir : null;
}

/** The embeddings snapshot written at `step` (or the last one), from a run directory. */
export function lstmEmbeddingsAt(out: string, step?: number): IntegerEmbeddings {
  const evals = lstmSnapshotSteps(out);
  if (!evals.length) throw new Error(`${out}: no embedding snapshots (metrics.jsonl has no evaluation)`);
  const record = step === undefined ? evals[evals.length - 1] : evals.find((r) => r.step === step);
  if (!record) throw new Error(`${out}: no embedding snapshot at step ${step} (have ${evals.map((r) => r.step).join(", ")})`);
  const emb = readEmbeddingsTsv(path.join(out, record.embeddings!));
  return { ...emb, source: `lstm step ${record.step}` };
}
