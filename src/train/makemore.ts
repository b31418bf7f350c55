/**
 * Training the makemore MLP (`models/mlp-lm.ts`): plain minibatch SGD, a learning-rate finder,
 * split losses, sampling, and a small hyper-parameter sweep. Everything random comes from
 * seeded `Rng`s, so a run is reproducible from its config.
 *
 * With a run directory (`out`), training writes the shared format of `run-dir.ts` and saves an
 * atomic checkpoint every `checkpointEvery` steps: the five parameters, and in state.json the step,
 * the minibatch generator's state (the data cursor: the same draws follow), the optimizer (plain
 * SGD has no slots; its rate follows from the step) and the partial loss-curve window. `resume`
 * continues from it and ends with exactly the weights of an uninterrupted run. The loop yields to
 * the event loop between steps (`pace`: progress bars repaint, an interrupt stops it with a
 * checkpoint); the run directory is locked while it trains.
 */
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { progress } from "../display/progress";
import { Rng } from "../random";
import { NAME_BOUNDARY_TOKEN, tokenToChar } from "../tokenizers/characters";
import { CharContexts, ContextSplits, WordSplits, buildSplitDatasets, selectContexts } from "../datasets/char-contexts";
import {
  MlpLm,
  MlpLmConfig,
  MlpLmInit,
  assignMlpLm,
  createMlpLm,
  disposeMlpLm,
  mlpLmLoss,
  mlpLmParamCount,
  mlpLmProbabilities,
  mlpLmSgdStep,
  mlpLmTensors,
} from "../models/mlp-lm";
import {
  Json,
  METRICS_FILE,
  NonFiniteLossError,
  appendMetrics,
  assertFiniteLoss,
  assertResumable,
  checkpointStep,
  createRun,
  hasCheckpoint,
  loadCheckpoint,
  lockRun,
  lowerLearningRate,
  nonFiniteTensor,
  readConfig,
  readMetrics,
  saveCheckpoint,
  truncateMetricsAfter,
  verifyCheckpoint,
  writeFileAtomic,
} from "./run-dir";
import type { RunLock } from "./run-lock";
import { RunInput, changeOnResume, fileInput, memoryInput, recordRunInputs, verifyRunInputs } from "./run-inputs";
import { ensureBackend } from "../backend";
import { activeSignal, interruptedAt, isInterrupted, pace } from "../cancel";

export interface MakemoreConfig {
  /** Characters of context (default 3). */
  blockSize?: number;
  /** Embedding dimension (default 10). */
  embeddingDim?: number;
  /** Hidden tanh units (default 200). */
  hidden?: number;
  /** Minibatch size (default 32). */
  batchSize?: number;
  /** SGD steps (default 200,000). */
  steps?: number;
  /** Learning rate before `lrDropStep` (default 0.1). */
  lr?: number;
  /** Learning rate from `lrDropStep` on (default 0.01). */
  lrAfterDrop?: number;
  /** Step at which the rate drops (default: half of `steps`, i.e. 100,000 of 200,000). */
  lrDropStep?: number;
  /** Seed for the weights and the minibatch draws (default 42). */
  seed?: number;
  /** Weight initialization (default "scaled"). */
  init?: MlpLmInit;
}

export type ResolvedMakemoreConfig = Required<MakemoreConfig>;

/**
 * The makemore trainer's defaults, the one place they are written (the lecture's model: block 3,
 * embedding 10, hidden 200, batch 32, SGD 0.1 then 0.01, 200,000 steps): `trainMakemore` fills
 * every setting a caller leaves out from here, and `numlab train makemore` parses its flags and
 * prints its usage text from here. `lrDropStep` is absent: it defaults to half of `steps`.
 * `checkpointEvery` is the run option of `trainMakemore` (not part of the config).
 */
export const MAKEMORE_DEFAULTS: Required<Omit<MakemoreConfig, "lrDropStep">> & { checkpointEvery: number } = {
  blockSize: 3,
  embeddingDim: 10,
  hidden: 200,
  batchSize: 32,
  steps: 200_000,
  lr: 0.1,
  lrAfterDrop: 0.01,
  seed: 42,
  init: "scaled",
  checkpointEvery: 10_000,
};

/** Every setting of `config`, the missing ones from `MAKEMORE_DEFAULTS` (other keys are dropped). */
export function resolveMakemoreConfig(config: MakemoreConfig = {}): ResolvedMakemoreConfig {
  const d = MAKEMORE_DEFAULTS;
  const steps = config.steps ?? d.steps;
  const c: ResolvedMakemoreConfig = {
    batchSize: config.batchSize ?? d.batchSize,
    lr: config.lr ?? d.lr,
    lrAfterDrop: config.lrAfterDrop ?? d.lrAfterDrop,
    seed: config.seed ?? d.seed,
    init: config.init ?? d.init,
    blockSize: config.blockSize ?? d.blockSize,
    embeddingDim: config.embeddingDim ?? d.embeddingDim,
    hidden: config.hidden ?? d.hidden,
    steps,
    lrDropStep: config.lrDropStep ?? Math.floor(steps / 2),
  };
  if (!Number.isInteger(c.steps) || c.steps < 0) throw new Error(`steps must be a non-negative integer, got ${c.steps}`);
  if (!Number.isInteger(c.batchSize) || c.batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${c.batchSize}`);
  return c;
}

/** The model part of a training config (the weights' seed is the training seed). */
export function makemoreModelConfig(config: MakemoreConfig): MlpLmConfig {
  const c = resolveMakemoreConfig(config);
  return { blockSize: c.blockSize, embeddingDim: c.embeddingDim, hidden: c.hidden, seed: c.seed, init: c.init };
}

/** The step-schedule: `lr` before `lrDropStep`, `lrAfterDrop` from then on. */
export function makemoreLearningRate(step: number, config: ResolvedMakemoreConfig): number {
  return step < config.lrDropStep ? config.lr : config.lrAfterDrop;
}

/** `batchSize` random example rows (with replacement, like torch.randint). */
export function drawMinibatch(data: CharContexts, batchSize: number, rng: Rng): CharContexts {
  return drawMinibatchInto(data, rng, minibatchBuffer(batchSize, data.blockSize));
}

/** An empty minibatch of `batchSize` rows to refill with `drawMinibatchInto` step after step. */
export function minibatchBuffer(batchSize: number, blockSize: number): CharContexts {
  return { X: new Int32Array(batchSize * blockSize), Y: new Int32Array(batchSize), count: batchSize, blockSize };
}

/**
 * Refill `out` (from `minibatchBuffer`) with `out.count` random rows of `data`: the same draws
 * as `drawMinibatch`, without allocating (a training loop reuses one buffer).
 */
export function drawMinibatchInto(data: CharContexts, rng: Rng, out: CharContexts): CharContexts {
  const b = data.blockSize;
  if (out.blockSize !== b || out.X.length !== out.count * b || out.Y.length !== out.count) {
    throw new Error(`the minibatch buffer holds ${out.count} rows of block size ${out.blockSize}, the data has block size ${b}`);
  }
  const { X, Y } = out;
  for (let i = 0; i < out.count; i++) {
    const r = rng.int(0, data.count);
    for (let k = 0; k < b; k++) X[i * b + k] = data.X[r * b + k];
    Y[i] = data.Y[r];
  }
  return out;
}

function contextTensors(batch: CharContexts): { X: tf.Tensor2D; Y: tf.Tensor1D } {
  return {
    X: tf.tensor2d(batch.X, [batch.count, batch.blockSize], "int32"),
    Y: tf.tensor1d(batch.Y, "int32"),
  };
}

/**
 * One SGD step on a minibatch: forward, loss, gradients, p ← p − lr·∇p. Returns the loss. One
 * native call where the WASM backend has the addon, tfjs autodiff elsewhere (`mlpLmSgdStep`).
 */
export function sgdStep(model: MlpLm, batch: CharContexts, lr: number): number {
  if (batch.blockSize !== model.config.blockSize) throw new Error(`the batch has block size ${batch.blockSize}, the model ${model.config.blockSize}`);
  const n = batch.count * batch.blockSize;
  const X = batch.X.length === n ? batch.X : batch.X.subarray(0, n);
  const Y = batch.Y.length === batch.count ? batch.Y : batch.Y.subarray(0, batch.count);
  return mlpLmSgdStep(model, X, Y, lr);
}

/** A point of the loss curve: the mean minibatch loss over the steps since the previous point. */
export interface MakemoreLossPoint {
  step: number;
  loss: number;
  lr: number;
}

export interface TrainMakemoreOptions {
  /** Run directory (config.json, metrics.jsonl, checkpoint/); nothing is written without it. */
  out?: string;
  /**
   * Continue the run in `out` from its checkpoint (the same data order follows). The saved config
   * is used; `config` must agree with it. A run killed before its first checkpoint starts again.
   */
  resume?: boolean;
  /** Stop this invocation after this many steps, with a checkpoint (continue with `resume`). */
  stopAfter?: number;
  /** Points of the loss curve (default 400). */
  curvePoints?: number;
  /** Show a progress bar (default true). */
  progress?: boolean;
  /** Checkpoint every this many steps when `out` is set (default: the run's own on resume, else 10,000; the end is always saved). */
  checkpointEvery?: number;
  /** With `resume`: the settings to change from the checkpoint on (logged in config.json `numlab.changes`); `config` may differ from the run in these only. */
  onResume?: MakemoreOnResume;
  /**
   * The names file the examples came from: recorded in the run (path, size, SHA-256), so that a
   * resumed run finds it again, and checked on resume (another file is an error naming `--data`).
   */
  dataFile?: string;
  /** Abort to stop at the next step with a checkpoint ("interrupted at step N"); default: the ambient signal (the running notebook cell's). */
  signal?: AbortSignal;
}

/** Settings a resumed makemore run changes from its checkpoint on. */
export interface MakemoreOnResume {
  /** A new total of steps (not below the checkpoint's step; the rate still drops at the run's `lrDropStep`). */
  steps?: number;
  /** A new rate before the drop. */
  lr?: number;
  /** A new rate after the drop. */
  lrAfterDrop?: number;
}

/** The flags of `numlab train makemore` that may change on resume (for error messages). */
export const MAKEMORE_CHANGEABLE_ON_RESUME = "--steps, --lr and --lr-after";

export interface MakemoreRun {
  model: MlpLm;
  config: ResolvedMakemoreConfig;
  /** The whole loss curve (on resume: the saved points, then this invocation's). */
  curve: MakemoreLossPoint[];
  params: number;
  /** Steps done so far (`config.steps` unless stopped by `stopAfter`). */
  step: number;
  /** Step this invocation started from (0 unless resumed). */
  startStep: number;
  /** Wall-clock seconds of the training loop (summed over resumed invocations). */
  seconds: number;
  /** CPU seconds this process spent in the loop (user + system; equals wall time on an idle core). */
  cpuSeconds: number;
}

/** What state.json of a makemore checkpoint holds. */
export interface MakemoreCheckpointState {
  /** Steps done. */
  step: number;
  /** State of the minibatch generator: the next draws continue the same data order. */
  rng: number;
  /** Plain SGD keeps no slots: its rate follows from `step` and the config. */
  optimizer: { name: "sgd"; lr: number };
  /** The partial loss-curve window (sum and count of minibatch losses since the last point). */
  window: { sum: number; steps: number };
  seconds: number;
  cpuSeconds: number;
}

/** The training config saved in a makemore run directory (without the bookkeeping fields). */
export function readMakemoreRunConfig(dir: string): ResolvedMakemoreConfig & { trainExamples: number; checkpointEvery?: number } {
  assertResumable(dir); // a clear error when there is no run to resume
  const saved = readConfig<Record<string, unknown>>(dir);
  if (saved.kind !== "makemore-mlp") throw new Error(`${dir}: not a makemore run (kind ${JSON.stringify(saved.kind)})`);
  const { kind: _kind, ...rest } = saved;
  return rest as unknown as ResolvedMakemoreConfig & { trainExamples: number; checkpointEvery?: number };
}

const CONFIG_KEYS: (keyof ResolvedMakemoreConfig)[] = [
  "blockSize",
  "embeddingDim",
  "hidden",
  "batchSize",
  "steps",
  "lr",
  "lrAfterDrop",
  "lrDropStep",
  "seed",
  "init",
];

/**
 * Train an MLP on `train` with minibatch SGD. The loop, step by step: draw `batchSize` random
 * rows, forward + loss, gradients, update with the scheduled rate, record the loss. With `out`,
 * the run directory is locked while it trains, and a resumed run checks that it is given the same
 * examples (and names file) and applies `onResume`.
 */
export async function trainMakemore(train: CharContexts, config: MakemoreConfig = {}, options: TrainMakemoreOptions = {}): Promise<MakemoreRun> {
  const out = options.out;
  if (options.resume && !out) throw new Error("resume needs the run directory (out)");
  if (out && options.resume) assertResumable(out);
  const lock = out ? lockRun(out) : null;
  try {
    return await trainMakemoreLocked(train, config, options, lock);
  } finally {
    lock?.release();
  }
}

async function trainMakemoreLocked(train: CharContexts, config: MakemoreConfig, options: TrainMakemoreOptions, lock: RunLock | null): Promise<MakemoreRun> {
  const out = lock ? options.out : undefined;
  await ensureBackend();
  let c = resolveMakemoreConfig(config);
  const inputs: Record<string, RunInput> = {
    train: memoryInput(train.X.subarray(0, train.count * train.blockSize), train.Y.subarray(0, train.count)),
    ...(options.dataFile !== undefined ? { data: fileInput(options.dataFile) } : {}),
  };
  let resumeFrom: { tensors: Record<string, tf.Tensor>; state: MakemoreCheckpointState } | null = null;
  let checkpointEvery = Math.max(1, options.checkpointEvery ?? MAKEMORE_DEFAULTS.checkpointEvery);
  if (out && options.resume) {
    const saved = readMakemoreRunConfig(out);
    checkpointEvery = Math.max(1, options.checkpointEvery ?? saved.checkpointEvery ?? MAKEMORE_DEFAULTS.checkpointEvery);
    const changes = options.onResume ?? {};
    const differ = CONFIG_KEYS.filter((k) => saved[k] !== c[k] && (changes as Record<string, unknown>)[k] === undefined);
    if (differ.length) {
      throw new Error(`cannot resume ${out}: its config differs in ${differ.map((k) => `${k} (saved ${saved[k]}, given ${c[k]})`).join(", ")}`);
    }
    verifyCheckpoint(out); // a damaged checkpoint: an error naming the file, before anything changes
    if (inputs.data) verifyRunInputs(out, { data: inputs.data }, { data: "--data" });
    if (saved.trainExamples !== train.count) {
      throw new Error(`cannot resume ${out}: it was trained on ${saved.trainExamples} examples, the data given has ${train.count}`);
    }
    verifyRunInputs(out, { train: inputs.train }, { train: "the training examples" });
    if (changes.steps !== undefined && changes.steps < checkpointStep(out)) {
      throw new Error(`cannot resume ${out} with ${changes.steps} steps: its checkpoint is at step ${checkpointStep(out)}`);
    }
    for (const key of ["steps", "lr", "lrAfterDrop"] as const) {
      const value = changes[key];
      if (value === undefined) continue;
      if (!(Number.isFinite(value) && value >= 0)) throw new Error(`${key} must be a non-negative number, got ${value}`);
      changeOnResume(out, key, value);
    }
    c = { ...c, ...Object.fromEntries(CONFIG_KEYS.map((k) => [k, saved[k]])), ...definedOnly(changes) } as ResolvedMakemoreConfig;
    if (hasCheckpoint(out)) {
      const ckpt = loadCheckpoint(out)!;
      resumeFrom = { tensors: ckpt.tensors, state: ckpt.state as unknown as MakemoreCheckpointState };
    } else {
      writeFileAtomic(path.join(out, METRICS_FILE), ""); // killed before its first checkpoint: start again
    }
  }
  if (train.blockSize !== c.blockSize) throw new Error(`the data has block size ${train.blockSize}, the config ${c.blockSize}`);
  if (train.count === 0) throw new Error("no training examples");
  if (out && !options.resume) {
    createRun(out, { kind: "makemore-mlp", ...c, trainExamples: train.count, checkpointEvery });
    recordRunInputs(out, inputs);
  }

  const model = createMlpLm(makemoreModelConfig(c));
  const rng = new Rng(c.seed + 1); // minibatch draws; the weights used `seed`
  const every = Math.max(1, Math.floor(c.steps / (options.curvePoints ?? 400)));
  const curve: MakemoreLossPoint[] = [];
  let step = 0;
  let savedStep: number | null = null;
  let windowSum = 0;
  let windowSteps = 0;
  let previousSeconds = 0;
  let previousCpu = 0;
  if (resumeFrom) {
    const { tensors, state } = resumeFrom;
    assignMlpLm(model, tensors);
    tf.dispose(Object.values(tensors));
    step = state.step;
    savedStep = step;
    rng.setState(state.rng);
    windowSum = state.window.sum;
    windowSteps = state.window.steps;
    previousSeconds = state.seconds;
    previousCpu = state.cpuSeconds;
    truncateMetricsAfter(out!, step);
    for (const r of readMetrics<Record<string, Json>>(out!)) {
      if (r.event === undefined && typeof r.step === "number" && typeof r.loss === "number" && typeof r.lr === "number") {
        curve.push({ step: r.step, loss: r.loss, lr: r.lr });
      }
    }
    appendMetrics(out!, { step, time: previousSeconds, event: "resume", message: `resumed from the checkpoint at step ${step}` });
  }
  const startStep = step;
  const stopAt = Math.min(c.steps, options.stopAfter !== undefined ? step + Math.max(0, options.stopAfter) : Infinity);

  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const elapsed = (): number => previousSeconds + (performance.now() - start) / 1000;
  const cpuElapsed = (): number => {
    const cpu = process.cpuUsage(cpuStart);
    return previousCpu + (cpu.user + cpu.system) / 1e6;
  };
  /** How to resume with a lower rate: the flag of the rate in force at `atStep`. */
  const advice = (atStep: number): string =>
    atStep < c.lrDropStep
      ? `--resume --lr ${lowerLearningRate(c.lr, MAKEMORE_DEFAULTS.lr)}`
      : `--resume --lr-after ${lowerLearningRate(c.lrAfterDrop, MAKEMORE_DEFAULTS.lrAfterDrop)}`;
  const checkpoint = (): void => {
    if (!out) return;
    const tensors = mlpLmTensors(model);
    const bad = nonFiniteTensor(tensors);
    if (bad) throw new NonFiniteLossError(step, NaN, { what: `the weights (${bad})`, checkpointStep: savedStep, advice: advice(step - 1) });
    const state: MakemoreCheckpointState = {
      step,
      rng: rng.getState(),
      optimizer: { name: "sgd", lr: makemoreLearningRate(step, c) },
      window: { sum: windowSum, steps: windowSteps },
      seconds: elapsed(),
      cpuSeconds: cpuElapsed(),
    };
    saveCheckpoint(out, { tensors, state: state as unknown as Json });
    savedStep = step;
  };

  const signal = activeSignal(options.signal);
  const bar = progress({ total: c.steps, label: "makemore", unit: "step", mode: options.progress === false ? "silent" : undefined });
  bar.set(step);
  const batch = minibatchBuffer(c.batchSize, c.blockSize);
  try {
    while (step < stopAt) {
      await pace(signal);
      const lr = makemoreLearningRate(step, c);
      const loss = sgdStep(model, drawMinibatchInto(train, rng, batch), lr);
      assertFiniteLoss(loss, step, { checkpointStep: out ? savedStep : undefined, advice: out ? advice(step) : undefined });
      step++;
      windowSum += loss;
      windowSteps++;
      if (windowSteps === every || step === c.steps) {
        const point = { step, loss: windowSum / windowSteps, lr };
        curve.push(point);
        if (out) appendMetrics(out, { ...point, time: elapsed() });
        bar.set(step, { loss: point.loss });
        windowSum = 0;
        windowSteps = 0;
      }
      if (step % checkpointEvery === 0 && step < stopAt) checkpoint();
    }
  } catch (err) {
    if (err instanceof NonFiniteLossError) {
      if (out) appendMetrics(out, { step: err.step, time: elapsed(), event: "nan", message: err.message });
      bar.done({ stopped: `${err.context.what ?? "loss"} ${err.loss} at step ${err.step}` });
      disposeMlpLm(model);
    } else if (isInterrupted(err)) {
      if (out && savedStep !== step) checkpoint();
      if (out) appendMetrics(out, { step, time: elapsed(), event: "interrupted" });
      bar.done({ stopped: `interrupted at step ${step}` });
      disposeMlpLm(model);
      throw interruptedAt(step, out ? savedStep : null, out ? "continue with --resume" : undefined);
    } else {
      disposeMlpLm(model);
    }
    throw err;
  }
  const seconds = elapsed();
  const cpuSeconds = cpuElapsed();
  bar.done();
  try {
    checkpoint(); // the end of the run, or of this invocation
  } catch (err) {
    disposeMlpLm(model);
    throw err;
  }
  return { model, config: c, curve, params: mlpLmParamCount(makemoreModelConfig(c)), step, startStep, seconds, cpuSeconds };
}

/** The entries of `o` whose value is not undefined. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Mean cross-entropy of the model on a whole dataset, in chunks. */
export function datasetLoss(model: MlpLm, data: CharContexts, chunk = 32_768): number {
  if (data.count === 0) return NaN;
  let total = 0;
  for (let start = 0; start < data.count; start += chunk) {
    const n = Math.min(chunk, data.count - start);
    const rows = new Int32Array(n);
    for (let i = 0; i < n; i++) rows[i] = start + i;
    const part = selectContexts(data, rows);
    const loss = tf.tidy(() => {
      const { X, Y } = contextTensors(part);
      return mlpLmLoss(model, X, Y);
    });
    total += loss.dataSync()[0] * n;
    loss.dispose();
  }
  return total / data.count;
}

export interface SplitLosses {
  train: number;
  dev: number;
  test: number;
}

/** Cross-entropy on the train, dev and test examples. */
export function evaluateSplits(model: MlpLm, splits: ContextSplits): SplitLosses {
  return { train: datasetLoss(model, splits.train), dev: datasetLoss(model, splits.dev), test: datasetLoss(model, splits.test) };
}

export interface LrFinderResult {
  exponents: number[];
  learningRates: number[];
  /** Minibatch loss at each step (taken with that step's rate). */
  losses: number[];
}

export interface LrFinderOptions {
  steps?: number;
  minExponent?: number;
  maxExponent?: number;
  batchSize?: number;
  seed?: number;
  /** Abort to stop at the next step (InterruptedError); default: the ambient signal (the running notebook cell's). */
  signal?: AbortSignal;
}

/**
 * Learning-rate finder: a fresh model trained for `steps` (default 1000) SGD steps whose rate
 * grows exponentially, lr = 10^e with e evenly spaced from `minExponent` (-3) to `maxExponent`
 * (0). Plot loss against e and pick a rate from the low, still-stable part of the curve.
 * Yields to the event loop between steps (`pace`).
 */
export async function lrFinder(
  train: CharContexts,
  modelConfig: Omit<MlpLmConfig, "seed"> & { seed?: number },
  options: LrFinderOptions = {},
): Promise<LrFinderResult> {
  await ensureBackend();
  const signal = activeSignal(options.signal);
  const steps = options.steps ?? 1000;
  const lo = options.minExponent ?? -3;
  const hi = options.maxExponent ?? 0;
  const seed = options.seed ?? modelConfig.seed ?? MAKEMORE_DEFAULTS.seed;
  const model = createMlpLm({ ...modelConfig, blockSize: train.blockSize, seed });
  const rng = new Rng(seed + 1);
  const exponents: number[] = [];
  const learningRates: number[] = [];
  const losses: number[] = [];
  const batch = minibatchBuffer(options.batchSize ?? MAKEMORE_DEFAULTS.batchSize, train.blockSize);
  try {
    for (let i = 0; i < steps; i++) {
      await pace(signal);
      const e = steps === 1 ? lo : lo + ((hi - lo) * i) / (steps - 1);
      const lr = 10 ** e;
      exponents.push(e);
      learningRates.push(lr);
      losses.push(sgdStep(model, drawMinibatchInto(train, rng, batch), lr));
    }
  } finally {
    disposeMlpLm(model);
  }
  return { exponents, learningRates, losses };
}

/**
 * Sample `n` names: start from an all-'.' context, draw the next character from the model's
 * distribution with `rng`, shift it into the context, stop at '.' (or `maxLength` characters).
 * At a `temperature` T other than 1 the next character is drawn with probability ∝ p^(1/T)
 * (T < 1 sharpens the distribution, T > 1 flattens it); T = 1 draws exactly as the model says.
 */
export function sampleNames(model: MlpLm, n: number, rng: Rng, maxLength = 50, temperature = 1): string[] {
  if (!(temperature > 0 && Number.isFinite(temperature))) throw new Error(`temperature must be a positive number, got ${temperature}`);
  const { blockSize } = model.config;
  const names: string[] = [];
  for (let k = 0; k < n; k++) {
    const context = new Int32Array(blockSize).fill(NAME_BOUNDARY_TOKEN);
    let name = "";
    for (;;) {
      const probs = tf.tidy(() => mlpLmProbabilities(model, tf.tensor2d(context, [1, blockSize], "int32")));
      const p = probs.dataSync();
      probs.dispose();
      const next = rng.categorical(temperature === 1 ? p : withTemperature(p, temperature));
      if (next === NAME_BOUNDARY_TOKEN || name.length >= maxLength) break;
      name += tokenToChar(next);
      context.copyWithin(0, 1);
      context[blockSize - 1] = next;
    }
    names.push(name);
  }
  return names;
}

/** Weights ∝ p^(1/T), computed in log space (unnormalized; `Rng.categorical` normalizes). */
function withTemperature(p: ArrayLike<number>, temperature: number): number[] {
  const logs = Array.from(p, (x) => Math.log(x));
  let maxLog = -Infinity;
  for (const l of logs) if (l > maxLog) maxLog = l;
  return logs.map((l) => Math.exp((l - maxLog) / temperature));
}

export interface SweepPoint {
  blockSize: number;
  embeddingDim: number;
  hidden: number;
  batchSize: number;
}

/** Either a list of settings or one list of values per setting (all combinations are run). */
export type SweepGrid = SweepPoint[] | { [K in keyof SweepPoint]: number[] };

export interface SweepRow {
  block: number;
  d: number;
  hidden: number;
  batch: number;
  train: number;
  dev: number;
  test: number;
  seconds: number;
  params: number;
}

export interface SweepOptions {
  /** Steps per setting (default 200,000); the rate drops at half of them. */
  steps?: number;
  seed?: number;
  init?: MlpLmInit;
  progress?: boolean;
  /** Called after each setting with its row. */
  onRow?: (row: SweepRow) => void;
  /** Abort to stop at the next step (InterruptedError); default: the ambient signal (the running notebook cell's). */
  signal?: AbortSignal;
}

/** The settings of a grid, in order. */
export function sweepPoints(grid: SweepGrid): SweepPoint[] {
  if (Array.isArray(grid)) return grid;
  const points: SweepPoint[] = [];
  for (const blockSize of grid.blockSize)
    for (const embeddingDim of grid.embeddingDim)
      for (const hidden of grid.hidden) for (const batchSize of grid.batchSize) points.push({ blockSize, embeddingDim, hidden, batchSize });
  return points;
}

/** Train one model per grid setting on the word splits and tabulate split losses, time and size. */
export async function sweepMakemore(words: WordSplits, grid: SweepGrid, options: SweepOptions = {}): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  const datasets = new Map<number, ContextSplits>();
  for (const p of sweepPoints(grid)) {
    let splits = datasets.get(p.blockSize);
    if (!splits) {
      splits = buildSplitDatasets(words, p.blockSize);
      datasets.set(p.blockSize, splits);
    }
    const run = await trainMakemore(
      splits.train,
      { ...p, steps: options.steps, seed: options.seed, init: options.init },
      { progress: options.progress, signal: options.signal },
    );
    const losses = evaluateSplits(run.model, splits);
    disposeMlpLm(run.model);
    const row: SweepRow = {
      block: p.blockSize,
      d: p.embeddingDim,
      hidden: p.hidden,
      batch: p.batchSize,
      ...losses,
      seconds: run.seconds,
      params: run.params,
    };
    rows.push(row);
    options.onRow?.(row);
  }
  return rows;
}
