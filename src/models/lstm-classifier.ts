/**
 * A small LSTM sequence classifier with raw tfjs variables (the RNN primer's model): embed each
 * token, run an LSTM cell over the sequence, classify from the last hidden state.
 *
 *   e_t = E[x_t];  (c, h) = LSTM(e_t, c, h) for t = 0..T-1;  logits = h @ Wout + bout
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../random";
import { LstmLayerTensors, lstmLayer } from "./lstm-lm";
import { linear } from "./nn-ops";

export interface LstmClassifierConfig {
  vocabSize: number;
  embeddingDim: number;
  hidden: number;
  classes: number;
  seed: number;
}

export interface LstmClassifier {
  config: LstmClassifierConfig;
  /** Embedding table [vocab, d]. */
  E: tf.Variable;
  /** LSTM kernel [d + hidden, 4·hidden] (input, cell, forget, output gates). */
  kernel: tf.Variable;
  bias: tf.Variable;
  Wout: tf.Variable;
  bout: tf.Variable;
}

function randomVariable(rng: Rng, shape: number[], scale: number): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = scale === 0 ? 0 : rng.normal() * scale;
  return tf.variable(tf.tensor(values, shape, "float32"), true);
}

export function createLstmClassifier(config: LstmClassifierConfig): LstmClassifier {
  const { vocabSize: V, embeddingDim: d, hidden: h, classes: k } = config;
  const rng = new Rng(config.seed);
  return {
    config,
    E: randomVariable(rng, [V, d], 1),
    kernel: randomVariable(rng, [d + h, 4 * h], 1 / Math.sqrt(d + h)),
    bias: randomVariable(rng, [4 * h], 0),
    Wout: randomVariable(rng, [h, k], 1 / Math.sqrt(h)),
    bout: randomVariable(rng, [k], 0),
  };
}

export function lstmClassifierVariables(model: LstmClassifier): tf.Variable[] {
  return [model.E, model.kernel, model.bias, model.Wout, model.bout];
}

/** Number of parameters. */
export function lstmClassifierParamCount(config: LstmClassifierConfig): number {
  const { vocabSize: V, embeddingDim: d, hidden: h, classes: k } = config;
  return V * d + (d + h) * 4 * h + 4 * h + h * k + k;
}

export function disposeLstmClassifier(model: LstmClassifier): void {
  for (const v of lstmClassifierVariables(model)) v.dispose();
}

/**
 * The classifier's LSTM weights in `lstmLayer`'s layout: the [d + H, 4H] kernel split into its
 * input rows [d, 4H] and recurrent rows [H, 4H], the gate columns reordered from basicLSTMCell's
 * (i, j, f, o) to (i, f, g = j, o), and the forget bias (+1) folded into the f bias. Differentiable
 * tfjs ops, so the gradients reach `kernel` and `bias`.
 */
function layerWeights(model: LstmClassifier): LstmLayerTensors {
  const { embeddingDim: d, hidden: h } = model.config;
  const [i, j, f, o] = tf.split(model.kernel, 4, 1);
  const [input, recurrent] = tf.split(tf.concat([i, f, j, o], 1), [d, h], 0) as tf.Tensor2D[];
  const [bi, bj, bf, bo] = tf.split(model.bias, 4);
  return { kernel: input, recurrent, bias: tf.concat([bi, tf.add(bf, 1), bj, bo]) as tf.Tensor1D };
}

/**
 * Logits [n, classes] for token sequences X (int32 [n, T]). The recurrence is `lstmLayer`
 * (models/lstm-lm.ts: all timesteps' input projections in one product, a hand-written backward,
 * and on WASM with the addon one native kernel each way) over time-major rows, then the last
 * step's hidden state through the output layer: ~110 tfjs kernels forward and backward for 10
 * timesteps instead of ~930, the same maths as `lstmClassifierLogitsCell` (tf.basicLSTMCell), which
 * tests compare it with.
 */
export function lstmClassifierLogits(model: LstmClassifier, X: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, T] = X.shape;
    const ids = tf.transpose(X).reshape([T * n]); // time-major: row t·n + b
    const hs = lstmLayer(tf.gather(model.E, ids) as tf.Tensor2D, layerWeights(model), T, n); // [T·n, H]
    const last = hs.slice([(T - 1) * n, 0], [n, model.config.hidden]) as tf.Tensor2D;
    return linear(last, model.Wout as tf.Tensor2D, model.bout as tf.Tensor1D) as tf.Tensor2D;
  });
}

/** The same logits stepped through `tf.basicLSTMCell` (the reference for `lstmClassifierLogits`). */
export function lstmClassifierLogitsCell(model: LstmClassifier, X: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, T] = X.shape;
    const forgetBias = tf.scalar(1);
    const emb = tf.gather(model.E, X); // [n, T, d]
    // T × [n, d] (tfjs's gradient of `unstack` fails for a single step)
    const steps = T === 1 ? [emb.reshape([n, model.config.embeddingDim]) as tf.Tensor2D] : (tf.unstack(emb, 1) as tf.Tensor2D[]);
    let c = tf.zeros([n, model.config.hidden]) as tf.Tensor2D;
    let h = tf.zeros([n, model.config.hidden]) as tf.Tensor2D;
    for (const x of steps) {
      [c, h] = tf.basicLSTMCell(forgetBias, model.kernel as tf.Tensor2D, model.bias as tf.Tensor1D, x, c, h);
    }
    return tf.add(tf.matMul(h, model.Wout), model.bout) as tf.Tensor2D;
  });
}

/** Predicted class of each sequence. */
export function lstmClassifierPredict(model: LstmClassifier, X: tf.Tensor2D): Int32Array {
  const pred = tf.tidy(() => tf.argMax(lstmClassifierLogits(model, X), 1));
  const out = pred.dataSync() as Int32Array;
  pred.dispose();
  return Int32Array.from(out);
}
