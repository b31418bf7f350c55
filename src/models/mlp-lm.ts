/**
 * The makemore MLP language model (Bengio et al. 2003 style), written with raw tfjs tensors so
 * every step is visible:
 *
 *   emb    = C[X]                      [n, blockSize, d]   (a row of C per context character)
 *   h      = tanh(emb.flat @ W1 + b1)  [n, hidden]
 *   logits = h @ W2 + b2               [n, vocab]
 *
 * Parameters: C (vocab × d), W1 (blockSize·d × hidden), b1, W2 (hidden × vocab), b2.
 *
 * Training (`mlpLmSgdStep`) runs forward, the hand-written backward and the SGD update as one
 * native call on the parameters' memory where the WASM backend has the addon
 * (`src/backend/mlp-kernels.ts`): the model is tiny, so tfjs's per-kernel cost (~80 kernels a
 * step) was nearly all of the time. Elsewhere the same step goes through tfjs autodiff
 * (`mlpLmSgdStepAutodiff`); tests/backend/mlp-step.test.ts checks the two against each other.
 */
import * as tf from "@tensorflow/tfjs";
import { fusedMlpAvailable, fusedMlpStep } from "../backend/mlp-kernels";
import { Rng } from "../random";
import { CHARACTER_VOCAB_SIZE } from "../tokenizers/characters";

/**
 * How the weights start. "scaled": C ~ N(0,1), W1 ~ N(0,1)·(5/3)/√fan_in (tanh gain), b1 and W2
 * small (×0.01), b2 = 0, so the first loss is near ln(27) ≈ 3.3 instead of ~20.
 * "randn": every parameter ~ N(0,1), as in the first version of the lesson.
 */
export type MlpLmInit = "scaled" | "randn";

export interface MlpLmConfig {
  /** Characters of context. */
  blockSize: number;
  /** Embedding dimension d (columns of C). */
  embeddingDim: number;
  /** Hidden tanh units. */
  hidden: number;
  /** Tokens (default 27: '.' and a–z). */
  vocabSize?: number;
  /** Seed of the initial weights. */
  seed: number;
  init?: MlpLmInit;
}

export interface MlpLm {
  config: Required<MlpLmConfig>;
  C: tf.Variable;
  W1: tf.Variable;
  b1: tf.Variable;
  W2: tf.Variable;
  b2: tf.Variable;
}

export const MLP_LM_PARAMETER_NAMES = ["C", "W1", "b1", "W2", "b2"] as const;
export type MlpLmParameterName = (typeof MLP_LM_PARAMETER_NAMES)[number];

function fullConfig(config: MlpLmConfig): Required<MlpLmConfig> {
  const c: Required<MlpLmConfig> = { vocabSize: CHARACTER_VOCAB_SIZE, init: "scaled", ...config };
  for (const key of ["blockSize", "embeddingDim", "hidden", "vocabSize"] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new Error(`MLP ${key} must be a positive integer, got ${c[key]}`);
  }
  return c;
}

/** Parameter shapes of a configuration. */
export function mlpLmShapes(config: MlpLmConfig): Record<MlpLmParameterName, number[]> {
  const c = fullConfig(config);
  return {
    C: [c.vocabSize, c.embeddingDim],
    W1: [c.blockSize * c.embeddingDim, c.hidden],
    b1: [c.hidden],
    W2: [c.hidden, c.vocabSize],
    b2: [c.vocabSize],
  };
}

/** Number of parameters: V·d + (b·d)·h + h + h·V + V (block 3, d 10, hidden 200 → 11,897). */
export function mlpLmParamCount(config: MlpLmConfig): number {
  return Object.values(mlpLmShapes(config)).reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
}

function normalValues(rng: Rng, size: number, scale: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = scale === 0 ? 0 : rng.normal() * scale;
  return out;
}

/** A freshly initialised model; the weights come from a seeded `Rng` (same seed, same weights). */
export function createMlpLm(config: MlpLmConfig): MlpLm {
  const c = fullConfig(config);
  const shapes = mlpLmShapes(c);
  const rng = new Rng(c.seed);
  const fanIn = c.blockSize * c.embeddingDim;
  const scales: Record<MlpLmParameterName, number> =
    c.init === "randn" ? { C: 1, W1: 1, b1: 1, W2: 1, b2: 1 } : { C: 1, W1: 5 / 3 / Math.sqrt(fanIn), b1: 0.01, W2: 0.01, b2: 0 };
  const make = (name: MlpLmParameterName): tf.Variable => {
    const shape = shapes[name];
    const size = shape.reduce((a, b) => a * b, 1);
    const values = tf.tensor(normalValues(rng, size, scales[name]), shape, "float32");
    const v = tf.variable(values, true);
    values.dispose(); // the variable keeps the memory; unshared, so the fused step can update it in place
    return v;
  };
  return { config: c, C: make("C"), W1: make("W1"), b1: make("b1"), W2: make("W2"), b2: make("b2") };
}

/** The five parameter variables, in order C, W1, b1, W2, b2. */
export function mlpLmVariables(model: MlpLm): tf.Variable[] {
  return MLP_LM_PARAMETER_NAMES.map((name) => model[name]);
}

/** The parameters by name (e.g. for a checkpoint). */
export function mlpLmTensors(model: MlpLm): Record<MlpLmParameterName, tf.Tensor> {
  return { C: model.C, W1: model.W1, b1: model.b1, W2: model.W2, b2: model.b2 };
}

/** Overwrite the parameters with saved tensors (shapes must match). */
export function assignMlpLm(model: MlpLm, tensors: Record<string, tf.Tensor>): void {
  for (const name of MLP_LM_PARAMETER_NAMES) {
    const t = tensors[name];
    if (!t) throw new Error(`checkpoint has no tensor "${name}"`);
    const want = model[name].shape;
    if (t.shape.join(",") !== want.join(",")) {
      throw new Error(`checkpoint tensor "${name}" has shape [${t.shape}], the model needs [${want}]`);
    }
    model[name].assign(t);
  }
}

export function disposeMlpLm(model: MlpLm): void {
  for (const v of mlpLmVariables(model)) v.dispose();
}

/** Logits [n, vocab] for contexts X (int32 [n, blockSize]). */
export function mlpLmLogits(model: MlpLm, X: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const { blockSize, embeddingDim } = model.config;
    const n = X.shape[0];
    const emb = tf.gather(model.C, X); // [n, blockSize, d]
    const h = tf.tanh(tf.add(tf.matMul(tf.reshape(emb, [n, blockSize * embeddingDim]), model.W1), model.b1));
    return tf.add(tf.matMul(h, model.W2), model.b2) as tf.Tensor2D;
  });
}

/** Mean cross-entropy of logits [n, V] against integer targets [n] (log-softmax, no one-hot input needed). */
export function crossEntropyFromIndices(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(targets, logits.shape[1])), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/** Mean cross-entropy of the model on (X, Y). */
export function mlpLmLoss(model: MlpLm, X: tf.Tensor2D, Y: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => crossEntropyFromIndices(mlpLmLogits(model, X), Y));
}

/** Next-token probabilities [n, V] for contexts X. */
export function mlpLmProbabilities(model: MlpLm, X: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.softmax(mlpLmLogits(model, X)));
}

/** Contexts X [n·blockSize] and targets Y [n] that fit the model (throws otherwise). */
function checkBatch(model: MlpLm, X: Int32Array, Y: Int32Array): void {
  const { blockSize } = model.config;
  if (Y.length === 0) throw new Error("MLP step: the batch is empty");
  if (X.length !== Y.length * blockSize) {
    throw new Error(`MLP step: ${X.length} context ids for ${Y.length} targets, expected ${Y.length * blockSize} (block size ${blockSize})`);
  }
}

/**
 * One SGD step through tfjs autodiff: forward, loss, gradients (tf.variableGrads), then
 * p ← p − lr·∇p for every parameter. Returns the loss (read back from the device). The reference
 * for `mlpLmSgdStep`, and its path where the fused step is not available.
 */
export function mlpLmSgdStepAutodiff(model: MlpLm, X: Int32Array, Y: Int32Array, lr: number): number {
  checkBatch(model, X, Y);
  const loss = tf.tidy(() => {
    const Xt = tf.tensor2d(X, [Y.length, model.config.blockSize], "int32");
    const Yt = tf.tensor1d(Y, "int32");
    const { value, grads } = tf.variableGrads(() => mlpLmLoss(model, Xt, Yt), mlpLmVariables(model));
    for (const p of mlpLmVariables(model)) p.assign(tf.sub(p, tf.mul(grads[p.name], lr)));
    return value;
  });
  const value = loss.dataSync()[0];
  loss.dispose();
  return value;
}

/**
 * One SGD step on contexts X (int32, row-major [n, blockSize]) and targets Y [n]: forward, mean
 * cross-entropy, gradients, p ← p − lr·∇p. Returns the loss before the update. Where
 * `fusedMlpAvailable()` (WASM with the native addon) the whole step is one native call that
 * updates the variables in place and returns the loss without a device read-back; elsewhere it is
 * `mlpLmSgdStepAutodiff`. Same maths either way (gradients agree within float32 rounding).
 */
export function mlpLmSgdStep(model: MlpLm, X: Int32Array, Y: Int32Array, lr: number): number {
  checkBatch(model, X, Y);
  const loss = fusedMlpStep(mlpLmVariables(model), X, Y, lr);
  return loss ?? mlpLmSgdStepAutodiff(model, X, Y, lr);
}

/** The loss and the gradient of every parameter, by name (as plain arrays). */
export interface MlpLmGradients {
  loss: number;
  grads: Record<MlpLmParameterName, Float32Array>;
}

/** Loss and gradients on (X, Y) by tfjs autodiff (nothing is updated). */
export function mlpLmGradientsAutodiff(model: MlpLm, X: Int32Array, Y: Int32Array): MlpLmGradients {
  checkBatch(model, X, Y);
  return tf.tidy(() => {
    const Xt = tf.tensor2d(X, [Y.length, model.config.blockSize], "int32");
    const Yt = tf.tensor1d(Y, "int32");
    const { value, grads } = tf.variableGrads(() => mlpLmLoss(model, Xt, Yt), mlpLmVariables(model));
    const byName = Object.fromEntries(MLP_LM_PARAMETER_NAMES.map((name) => [name, grads[model[name].name].dataSync() as Float32Array]));
    return { loss: value.dataSync()[0], grads: byName as Record<MlpLmParameterName, Float32Array> };
  });
}

/**
 * Loss and gradients on (X, Y) by the fused step's hand-written backward (nothing is updated), or
 * by autodiff where the fused step is not available (`fusedMlpAvailable()`).
 */
export function mlpLmGradients(model: MlpLm, X: Int32Array, Y: Int32Array): MlpLmGradients {
  checkBatch(model, X, Y);
  if (!fusedMlpAvailable()) return mlpLmGradientsAutodiff(model, X, Y);
  const grads = MLP_LM_PARAMETER_NAMES.map((name) => new Float32Array(model[name].size));
  const loss = fusedMlpStep(mlpLmVariables(model), X, Y, null, grads);
  if (loss === null) return mlpLmGradientsAutodiff(model, X, Y);
  return { loss, grads: Object.fromEntries(MLP_LM_PARAMETER_NAMES.map((name, i) => [name, grads[i]])) as Record<MlpLmParameterName, Float32Array> };
}
