/**
 * The generic seq2seq training loop (shared by the arithmetic and polynomial tasks).
 *
 * Each step: take a batch from the task, compute the teacher-forced loss and gradients, stop with
 * a clear error if the loss is NaN/∞ (the last good checkpoint stays), clip the gradients to a
 * global norm, take an Adam step (learning rate with linear warm-up). Every `evalEvery` steps the
 * task's validation hook runs; every `checkpointEvery` steps (and at the end) the weights, Adam
 * state, step, dropout RNG and data cursor are saved atomically, so `resume` continues the exact
 * stream, bit for bit. A checkpoint is saved only when the weights and the validation loss are
 * finite. Between steps the loop yields to the event loop (`pace`); an aborted signal saves a
 * checkpoint and ends with "interrupted at step N". All records go to metrics.jsonl.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../random";
import { progress } from "../display";
import { Transformer, TokenBatch, transformerLoss, loadTransformerTensors, transformerTensors } from "../models/transformer";
import { activeSignal, interruptedAt, isInterrupted, pace } from "../cancel";
import { ensureBackend } from "../backend";
import {
  Json,
  NonFiniteLossError,
  appendMetrics,
  assertFiniteLoss,
  checkpointStep,
  divergedLoss,
  loadCheckpoint,
  lowerLearningRate,
  nonFiniteTensor,
  optimizerTensors,
  requireOptimizerState,
  restoreOptimizer,
  saveCheckpoint,
  truncateMetricsAfter,
} from "./run-dir";
import { releaseImplicitRunLock } from "./run-lock";
import { ResumeExpectation, changeOnResume } from "./run-inputs";

export interface Seq2SeqTrainConfig {
  /** Total optimizer steps (a resumed run continues up to this). */
  steps: number;
  learningRate: number;
  /** Linear warm-up from 0 over this many steps (default 0). */
  warmupSteps?: number;
  /** "constant" after warm-up, or "cosine" decay to 10% at the last step (default constant). */
  schedule?: "constant" | "cosine";
  /** Clip gradients to this global L2 norm (0 or undefined: no clipping). */
  clipNorm?: number;
  labelSmoothing?: number;
  /** Validation/metrics every this many steps (0: only at the end). */
  evalEvery?: number;
  /** Checkpoint every this many steps (0: only at the end). */
  checkpointEvery?: number;
  /** Seed of the dropout masks. */
  seed: number;
  /** Store checkpoint weights as float16. */
  float16?: boolean;
}

/**
 * Settings a resumed seq2seq run (arithmetic or polynomial) changes from its checkpoint on; each
 * change is written to config.json and logged with its step in `numlab.changes`. The new total of
 * steps is not here: it is the trainer's `train.steps`.
 */
export interface Seq2SeqOnResume {
  /** Train on with this dropout rate (e.g. 0 to fine-tune without it). */
  dropout?: number;
  /** Train on with this peak learning rate (e.g. lower, after a NaN loss). */
  learningRate?: number;
}

/** The flags of a seq2seq command that may change on resume (for error messages). */
export const SEQ2SEQ_CHANGEABLE_ON_RESUME = "--steps, --lr and --dropout";

/**
 * Apply the changes a resumed seq2seq run asks for to its saved config: a new total of `steps`
 * (not below the checkpoint's step), a new peak `learningRate`, a new `dropout`. Each change is
 * written to config.json and logged with the checkpoint step in `numlab.changes`; returns the
 * config to train with.
 */
export function applySeq2SeqResumeChanges<C extends { model: { dropout: number }; train: Seq2SeqTrainConfig }>(
  dir: string,
  config: C,
  changes: Seq2SeqOnResume & { steps?: number },
): C {
  let out = config;
  if (changes.steps !== undefined && changes.steps !== config.train.steps) {
    const at = checkpointStep(dir);
    if (!(Number.isInteger(changes.steps) && changes.steps >= 1)) throw new Error(`steps must be a positive integer, got ${changes.steps}`);
    if (changes.steps < at) throw new Error(`cannot resume ${dir} with ${changes.steps} steps: its checkpoint is at step ${at} already`);
    changeOnResume(dir, "train.steps", changes.steps);
    out = { ...out, train: { ...out.train, steps: changes.steps } };
  }
  if (changes.learningRate !== undefined && changes.learningRate !== config.train.learningRate) {
    if (!(changes.learningRate > 0 && Number.isFinite(changes.learningRate))) throw new Error(`learning rate must be > 0, got ${changes.learningRate}`);
    changeOnResume(dir, "train.learningRate", changes.learningRate);
    out = { ...out, train: { ...out.train, learningRate: changes.learningRate } };
  }
  if (changes.dropout !== undefined && changes.dropout !== config.model.dropout) {
    if (!(Number.isFinite(changes.dropout) && changes.dropout >= 0 && changes.dropout < 1))
      throw new Error(`dropout must be in [0, 1), got ${changes.dropout}`);
    changeOnResume(dir, "model.dropout", changes.dropout);
    out = { ...out, model: { ...out.model, dropout: changes.dropout } };
  }
  return out;
}

/** The shared seq2seq flags that cannot change on resume, with the config.json settings they set. */
const SEQ2SEQ_FIXED_FLAGS: [flag: string, keys: string[], value: (s: Seq2SeqFlagSettings) => Json[]][] = [
  ["hidden", ["model.hidden"], (s) => [s.model.hidden]],
  ["layers", ["model.encoderLayers", "model.decoderLayers"], (s) => [s.model.encoderLayers, s.model.decoderLayers]],
  ["heads", ["model.heads"], (s) => [s.model.heads]],
  ["ff", ["model.ffHidden"], (s) => [s.model.ffHidden]],
  ["gain", ["model.attentionGain"], (s) => [s.model.attentionGain]],
  ["norm", ["model.norm"], (s) => [s.model.norm]],
  ["seed", ["model.seed", "train.seed"], (s) => [s.model.seed, s.train.seed ?? s.model.seed]],
  ["batch", ["train.batchSize"], (s) => [s.train.batchSize]],
  ["warmup", ["train.warmupSteps"], (s) => [s.train.warmupSteps ?? 0]],
  ["clip", ["train.clipNorm"], (s) => [s.train.clipNorm ?? 0]],
  ["eval-every", ["train.evalEvery", "train.checkpointEvery"], (s) => [s.train.evalEvery ?? 0, s.train.checkpointEvery ?? 0]],
  ["float16", ["train.float16"], (s) => [Boolean(s.train.float16)]],
];

/** The parsed settings of the shared seq2seq flags (what `seq2seqSettings` returns). */
export interface Seq2SeqFlagSettings {
  model: { hidden: number; encoderLayers: number; decoderLayers: number; heads: number; ffHidden: number; attentionGain: number; norm: string; seed: number };
  train: Partial<Seq2SeqTrainConfig> & { batchSize: number };
}

/**
 * The settings a resumed seq2seq run must keep, from the shared flags given explicitly (`values`,
 * as parsed by `parseArgs`) and their parsed `settings`: check them with `checkResumeExpectations`.
 */
export function seq2seqResumeExpectations(values: Record<string, unknown>, settings: Seq2SeqFlagSettings): ResumeExpectation[] {
  const out: ResumeExpectation[] = [];
  for (const [flag, keys, value] of SEQ2SEQ_FIXED_FLAGS) {
    if (values[flag] === undefined) continue;
    const parsed = value(settings);
    keys.forEach((key, i) => out.push({ name: `--${flag}`, key, value: parsed[i] }));
  }
  return out;
}

/** Where batches come from, and the task's own validation. */
export interface Seq2SeqTrainingTask {
  nextBatch(): TokenBatch;
  /** The data position, saved in checkpoints. */
  cursor(): Json;
  seek(cursor: Json): void;
  /** Extra figures for metrics.jsonl (e.g. validation loss, accuracy); called every evalEvery steps. */
  evaluate?(model: Transformer, step: number): Record<string, number> | Promise<Record<string, number>>;
}

export interface Seq2SeqTrainOptions {
  /** Run directory (already created with `createRun`). */
  dir: string;
  /** Continue from the run's checkpoint. */
  resume?: boolean;
  /** Progress-bar label. */
  label?: string;
  /** Called after each evaluation record (for live plots). */
  onEval?(record: Record<string, number>): void;
  /** Stop early (checked each step; the run is checkpointed). */
  shouldStop?(): boolean;
  /** Abort to interrupt at the next step boundary (a checkpoint is saved); default: the ambient signal (the running notebook cell's). */
  signal?: AbortSignal;
  /** The trainer's default learning rate, suggested after a non-finite loss when the run's rate is higher. */
  defaultLearningRate?: number;
  /** What to do with a weights-only checkpoint instead of resuming it (default: start a new run with --init-from). */
  weightsOnlyHint?: string;
}

export interface Seq2SeqTrainSummary {
  /** Step reached. */
  step: number;
  /** Step the run started from (0 unless resumed). */
  startStep: number;
  /** Seconds spent in this call. */
  seconds: number;
  /** Mean training loss over the last logging window. */
  loss: number;
  /** The last evaluation record. */
  lastEval: Record<string, number> | null;
}

interface TrainState {
  step: number;
  rng: number;
  cursor: Json;
  elapsedSeconds: number;
  /** The training losses since the last metrics record (a checkpoint between evaluations, e.g. at an interrupt). */
  window?: { sum: number; count: number };
}

/** Learning rate at a step (1-based). */
export function learningRateAt(config: Seq2SeqTrainConfig, step: number): number {
  const warm = config.warmupSteps ?? 0;
  if (warm > 0 && step <= warm) return (config.learningRate * step) / warm;
  if (config.schedule === "cosine") {
    const t = Math.min(1, (step - warm) / Math.max(1, config.steps - warm));
    return config.learningRate * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * t)));
  }
  return config.learningRate;
}

/** Clip a gradient record to a global L2 norm; returns the clipped record and the norm before clipping. */
export function clipGradientsByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number): { grads: Record<string, tf.Tensor>; norm: tf.Scalar } {
  const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
  if (!(maxNorm > 0)) return { grads, norm };
  const scale = tf.div(maxNorm, tf.maximum(norm, maxNorm));
  const out: Record<string, tf.Tensor> = {};
  for (const [k, g] of Object.entries(grads)) out[k] = tf.mul(g, scale);
  return { grads: out, norm };
}

function setLearningRate(optimizer: tf.AdamOptimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/**
 * Train `model` on `task`. Writes metrics records `{step, time, loss, lr, gradNorm, ...eval}`
 * and checkpoints into `options.dir`.
 */
export async function trainSeq2Seq(
  model: Transformer,
  task: Seq2SeqTrainingTask,
  config: Seq2SeqTrainConfig,
  options: Seq2SeqTrainOptions,
): Promise<Seq2SeqTrainSummary> {
  if (!(Number.isInteger(config.steps) && config.steps >= 1)) throw new Error(`training: steps must be a positive integer, got ${config.steps}`);
  if (!(config.learningRate > 0)) throw new Error(`training: learningRate must be > 0, got ${config.learningRate}`);
  const optimizer = tf.train.adam(config.learningRate, 0.9, 0.98, 1e-9);
  const rng = new Rng(config.seed);
  let step = 0;
  let elapsedBefore = 0;
  const names = Object.keys(model.params);
  const vars = names.map((n) => model.params[n]);
  const varNames = vars.map((v) => v.name);

  let savedStep: number | null = null;
  let windowBefore = { sum: 0, count: 0 };
  try {
    await ensureBackend();
    if (options.resume) {
      const checkpoint = loadCheckpoint(options.dir);
      if (checkpoint) {
        try {
          requireOptimizerState(
            checkpoint.tensors,
            vars.length,
            options.dir,
            options.weightsOnlyHint ?? `start a new run from its weights instead: --init-from ${options.dir} --out NEW_DIR`,
          );
          loadTransformerTensors(model, checkpoint.tensors);
          await restoreOptimizer(optimizer, checkpoint.tensors);
          const state = checkpoint.state as unknown as TrainState;
          step = state.step;
          rng.setState(state.rng);
          task.seek(state.cursor);
          elapsedBefore = state.elapsedSeconds ?? 0;
          windowBefore = state.window ?? { sum: 0, count: 0 };
        } finally {
          Object.values(checkpoint.tensors).forEach((t) => t.dispose()); // variables and slots hold their own references
        }
        savedStep = step;
      }
      // without a checkpoint (stopped before the first one) the run starts again: drop its old records
      truncateMetricsAfter(options.dir, step);
    }
  } catch (err) {
    optimizer.dispose();
    releaseImplicitRunLock(options.dir);
    throw err;
  }
  const startStep = step;
  const signal = activeSignal(options.signal);
  const advice = () => `--resume --lr ${lowerLearningRate(config.learningRate, options.defaultLearningRate ?? config.learningRate)}`;
  const started = performance.now();
  const elapsed = () => elapsedBefore + (performance.now() - started) / 1000;

  const save = async () => {
    // only a checkpoint whose weights and validation loss are finite replaces the last good one
    const weights = transformerTensors(model);
    const bad = nonFiniteTensor(weights);
    if (bad) throw new NonFiniteLossError(step, NaN, { what: `the weights (${bad})`, checkpointStep: savedStep, advice: advice() });
    const valLoss = lastEval?.step === step ? lastEval.valLoss : undefined;
    if (valLoss !== undefined) checkValidationLoss(valLoss);
    const slots = await optimizerTensors(optimizer);
    const state: TrainState = { step, rng: rng.getState(), cursor: task.cursor(), elapsedSeconds: elapsed(), window: { sum: windowLoss, count: windowCount } };
    saveCheckpoint(options.dir, { tensors: { ...weights, ...slots }, state: state as unknown as Json }, { float16: config.float16 });
    savedStep = step;
  };

  /** Stop when a validation loss is NaN, infinite or diverged: the checkpoint at hand is not a good one. */
  const checkValidationLoss = (valLoss: number): void => {
    const why = divergedLoss(valLoss, model.config.targetVocabSize);
    if (!Number.isFinite(valLoss) || why)
      throw new NonFiniteLossError(step, valLoss, { what: "validation loss", why: why ?? undefined, checkpointStep: savedStep, advice: advice() });
  };

  const evaluate = async (): Promise<Record<string, number>> => {
    const figures = task.evaluate ? await task.evaluate(model, step) : {};
    return figures;
  };

  const bar = progress({ total: config.steps - startStep, label: options.label ?? "training", unit: "step" });
  let windowLoss = windowBefore.sum;
  let windowCount = windowBefore.count;
  let lastLoss = NaN;
  let lastEval: Record<string, number> | null = null;
  const evalEvery = config.evalEvery ?? 0;
  const checkpointEvery = config.checkpointEvery ?? 0;
  try {
    while (step < config.steps) {
      await pace(signal);
      const batch = task.nextBatch();
      const lr = learningRateAt(config, step + 1);
      setLearningRate(optimizer, lr);
      const { loss, gradNorm } = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => transformerLoss(model, batch, { training: true, rng, labelSmoothing: config.labelSmoothing ?? 0 }),
          vars,
        );
        const lossValue = value.dataSync()[0];
        assertFiniteLoss(lossValue, step + 1, { checkpointStep: savedStep, advice: advice() });
        const clipped = clipGradientsByGlobalNorm(grads, config.clipNorm ?? 0);
        const normValue = clipped.norm.dataSync()[0];
        if (!Number.isFinite(normValue)) assertFiniteLoss(normValue, step + 1, { what: "gradient norm", checkpointStep: savedStep, advice: advice() });
        const ordered: Record<string, tf.Tensor> = {};
        for (const n of varNames) ordered[n] = clipped.grads[n];
        optimizer.applyGradients(ordered as unknown as Parameters<typeof optimizer.applyGradients>[0]);
        return { loss: lossValue, gradNorm: normValue };
      });
      step++;
      lastLoss = loss;
      windowLoss += loss;
      windowCount++;
      bar.tick(1, { loss: Number(loss.toFixed(4)) });
      const isLast = step >= config.steps || Boolean(options.shouldStop?.());
      if ((evalEvery > 0 && step % evalEvery === 0) || isLast) {
        const figures = await evaluate();
        const record: Record<string, number> = {
          step,
          time: Number(elapsed().toFixed(2)),
          loss: windowLoss / windowCount,
          lr,
          gradNorm,
          ...figures,
        };
        appendMetrics(options.dir, record);
        lastEval = record;
        options.onEval?.(record);
        windowLoss = 0;
        windowCount = 0;
        if (typeof record.valLoss === "number") checkValidationLoss(record.valLoss);
      }
      if ((checkpointEvery > 0 && step % checkpointEvery === 0) || isLast) await save();
      if (isLast) break;
    }
  } catch (err) {
    if (err instanceof NonFiniteLossError) {
      appendMetrics(options.dir, { step: err.step, time: Number(elapsed().toFixed(2)), event: "nan", message: err.message });
      bar.done({ stopped: `${err.context.what ?? "loss"} ${err.loss} at step ${err.step}` });
    } else if (isInterrupted(err)) {
      if (savedStep !== step) await save();
      appendMetrics(options.dir, { step, time: Number(elapsed().toFixed(2)), event: "interrupted" });
      bar.done({ stopped: `interrupted at step ${step}` });
      throw interruptedAt(step, savedStep, "continue with --resume");
    }
    throw err;
  } finally {
    bar.done();
    optimizer.dispose();
    releaseImplicitRunLock(options.dir);
  }
  return { step, startStep, seconds: (performance.now() - started) / 1000, loss: windowCount ? windowLoss / windowCount : lastLoss, lastEval };
}

/** Mean teacher-forced loss (no dropout) over batches: a validation figure any task can use. */
export function meanBatchLoss(model: Transformer, batches: Iterable<TokenBatch>): number {
  let total = 0;
  let tokens = 0;
  for (const batch of batches) {
    const loss = tf.tidy(() => transformerLoss(model, batch).dataSync()[0]);
    let n = 0;
    for (let i = 0; i < batch.size; i++) for (let j = 1; j < batch.targetLength; j++) if (batch.target[i * batch.targetLength + j] !== model.config.padId) n++;
    total += loss * n;
    tokens += n;
  }
  return tokens ? total / tokens : NaN;
}
