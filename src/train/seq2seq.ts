/**
 * The generic seq2seq training loop (shared by the arithmetic and polynomial tasks).
 *
 * Each step: take a batch from the task, compute the teacher-forced loss and gradients, stop with
 * a clear error if the loss is NaN/∞ (the last good checkpoint stays), clip the gradients to a
 * global norm, take an Adam step (learning rate with linear warm-up). Every `evalEvery` steps the
 * task's validation hook runs; every `checkpointEvery` steps (and at the end) the weights, Adam
 * slots, step, dropout RNG and data cursor are saved atomically, so `resume` continues the exact
 * stream. All records go to the run directory's metrics.jsonl.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../random";
import { progress } from "../display";
import { Transformer, TokenBatch, transformerLoss, loadTransformerTensors, transformerTensors } from "../models/transformer";
import { Json, appendMetrics, assertFiniteLoss, loadCheckpoint, optimizerTensors, restoreOptimizer, saveCheckpoint, truncateMetricsAfter } from "./run-dir";

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

  if (options.resume) {
    const checkpoint = loadCheckpoint(options.dir);
    if (checkpoint) {
      loadTransformerTensors(model, checkpoint.tensors);
      await restoreOptimizer(optimizer, checkpoint.tensors);
      const state = checkpoint.state as unknown as TrainState;
      step = state.step;
      rng.setState(state.rng);
      task.seek(state.cursor);
      elapsedBefore = state.elapsedSeconds ?? 0;
      Object.values(checkpoint.tensors).forEach((t) => t.dispose()); // variables and slots hold their own references
      truncateMetricsAfter(options.dir, step);
    }
  }
  const startStep = step;
  const started = performance.now();
  const elapsed = () => elapsedBefore + (performance.now() - started) / 1000;

  const save = async () => {
    const slots = await optimizerTensors(optimizer);
    const state: TrainState = { step, rng: rng.getState(), cursor: task.cursor(), elapsedSeconds: elapsed() };
    saveCheckpoint(options.dir, { tensors: { ...transformerTensors(model), ...slots }, state: state as unknown as Json }, { float16: config.float16 });
  };

  const evaluate = async (): Promise<Record<string, number>> => {
    const figures = task.evaluate ? await task.evaluate(model, step) : {};
    return figures;
  };

  const bar = progress({ total: config.steps - startStep, label: options.label ?? "training", unit: "step" });
  let windowLoss = 0;
  let windowCount = 0;
  let lastLoss = NaN;
  let lastEval: Record<string, number> | null = null;
  const evalEvery = config.evalEvery ?? 0;
  const checkpointEvery = config.checkpointEvery ?? 0;
  try {
    while (step < config.steps) {
      const batch = task.nextBatch();
      const lr = learningRateAt(config, step + 1);
      setLearningRate(optimizer, lr);
      const { loss, gradNorm } = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => transformerLoss(model, batch, { training: true, rng, labelSmoothing: config.labelSmoothing ?? 0 }),
          vars,
        );
        const lossValue = value.dataSync()[0];
        assertFiniteLoss(lossValue, step + 1);
        const clipped = clipGradientsByGlobalNorm(grads, config.clipNorm ?? 0);
        const normValue = clipped.norm.dataSync()[0];
        if (!Number.isFinite(normValue)) assertFiniteLoss(normValue, step + 1);
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
      }
      if ((checkpointEvery > 0 && step % checkpointEvery === 0) || isLast) await save();
      if (isLast) break;
    }
  } finally {
    bar.done();
    optimizer.dispose();
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
