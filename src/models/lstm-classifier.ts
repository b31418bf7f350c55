/**
 * A small LSTM sequence classifier with raw tfjs variables (the RNN primer's model): embed each
 * token, run an LSTM cell over the sequence, classify from the last hidden state.
 *
 *   e_t = E[x_t];  (c, h) = LSTM(e_t, c, h) for t = 0..T-1;  logits = h @ Wout + bout
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../random";

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

/** Logits [n, classes] for token sequences X (int32 [n, T]). */
export function lstmClassifierLogits(model: LstmClassifier, X: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [n] = X.shape;
    const forgetBias = tf.scalar(1);
    const steps = tf.unstack(tf.gather(model.E, X), 1) as tf.Tensor2D[]; // T × [n, d]
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
