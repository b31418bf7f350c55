/**
 * The seed's next-integer language model, as a plain object of tf.Variables plus functions:
 *
 *   Embedding(maxValue + 1, E; row maxValue = pad, always zero, never trained)
 *   → LSTM × numLayers (hidden H; gates in PyTorch's order i, f, g, o)
 *   → Dense(denseSize, relu) → Dense(maxValue)   (logits over the integers 0..maxValue-1)
 *
 * Written for speed on WASM without changing the maths:
 *  - time-major rows ([T·B, ·]) so every projection is ONE 2-D matmul: the input projection of a
 *    layer for all timesteps at once, the two dense layers over all timesteps at once;
 *  - fused gates: per step one [B, H]·[H, 4H] matmul gives all four gates;
 *  - the unrolled time loop runs inside one tidy; per-step slices come from `unstack` (whose
 *    gradient is one `stack`, not T padded copies);
 *  - the loss is `sparseCrossEntropy` from integer targets (no [N, V] one-hot).
 * Initialisation follows PyTorch's defaults (LSTM and Linear: U(±1/√fan_in); Embedding: N(0, 1)).
 */
import * as tf from "@tensorflow/tfjs";
import { linear, sparseCrossEntropy } from "./nn-ops";

export interface LstmLmConfig {
  /** Integers 0..maxValue-1 are predicted; maxValue itself is the pad id. */
  maxValue: number;
  embeddingDim: number;
  hiddenSize: number;
  numLayers: number;
  denseSize: number;
  /** Seed of the initial weights. */
  seed: number;
}

export interface LstmLayerWeights {
  /** Input weights of the four gates [in, 4H] (columns: i, f, g, o). */
  kernel: tf.Variable<tf.Rank.R2>;
  /** Recurrent weights [H, 4H]. */
  recurrent: tf.Variable<tf.Rank.R2>;
  /** Gate bias [4H] (PyTorch's b_ih + b_hh). */
  bias: tf.Variable<tf.Rank.R1>;
}

export interface LstmLm {
  config: LstmLmConfig;
  /** Embedding rows of the integers 0..maxValue-1 [maxValue, E] (the pad row is implicit zeros). */
  embedding: tf.Variable<tf.Rank.R2>;
  layers: LstmLayerWeights[];
  denseKernel: tf.Variable<tf.Rank.R2>;
  denseBias: tf.Variable<tf.Rank.R1>;
  outputKernel: tf.Variable<tf.Rank.R2>;
  outputBias: tf.Variable<tf.Rank.R1>;
  /** Every trainable variable. */
  trainableVariables(): tf.Variable[];
  /** Logits [batch, time, maxValue] for int32 inputs [batch, time]. */
  forward(inputs: tf.Tensor2D): tf.Tensor3D;
  /** Same as `forward` (the name the trainers use). */
  logits(inputs: tf.Tensor2D): tf.Tensor3D;
  /** Same logits in time-major rows [time·batch, maxValue] (row t·batch + b). */
  forwardTimeMajor(inputs: tf.Tensor2D): tf.Tensor2D;
  /** Mean next-integer cross-entropy of rows [batch, seqLen] (pads ignored). */
  loss(rows: tf.Tensor2D): tf.Scalar;
  /** The full embedding matrix [maxValue + 1, E], last row (pad) zeros. */
  embeddingMatrix(): tf.Tensor2D;
  /** Every weight by a stable name (checkpoints). */
  namedTensors(): Record<string, tf.Tensor>;
  /** Load weights saved by `namedTensors`. */
  assign(tensors: Record<string, tf.Tensor>): void;
  dispose(): void;
}

function checkConfig(c: LstmLmConfig): void {
  for (const key of ["maxValue", "embeddingDim", "hiddenSize", "numLayers", "denseSize"] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new Error(`LSTM config: ${key} must be a positive integer, got ${c[key]}`);
  }
  if (!Number.isInteger(c.seed)) throw new Error(`LSTM config: seed must be an integer, got ${c.seed}`);
}

/** Number of trainable parameters (the pad row is not trained and not counted). */
export function lstmLmParams(config: LstmLmConfig): number {
  const { maxValue: v, embeddingDim: e, hiddenSize: h, numLayers, denseSize: d } = config;
  let n = v * e;
  for (let l = 0; l < numLayers; l++) n += (l === 0 ? e : h) * 4 * h + h * 4 * h + 4 * h;
  return n + h * d + d + d * v + v;
}

/** Build an LSTM language model with PyTorch-default initial weights drawn from `config.seed`. */
export function createLstmLm(config: LstmLmConfig): LstmLm {
  checkConfig(config);
  const { maxValue: v, embeddingDim: e, hiddenSize: h, numLayers, denseSize: d, seed } = config;
  let stream = 0;
  const uniform = (shape: number[], fanIn: number, name: string) => {
    const bound = 1 / Math.sqrt(fanIn);
    return tf.variable(tf.randomUniform(shape, -bound, bound, "float32", seed * 7919 + ++stream), true, name);
  };
  const scope = `lstm_lm_${Math.floor(Math.random() * 1e9)}`;
  const embedding = tf.variable(tf.randomNormal([v, e], 0, 1, "float32", seed * 7919 + ++stream), true, `${scope}/embedding`) as tf.Variable<tf.Rank.R2>;
  const layers: LstmLayerWeights[] = [];
  for (let l = 0; l < numLayers; l++) {
    const inDim = l === 0 ? e : h;
    layers.push({
      kernel: uniform([inDim, 4 * h], h, `${scope}/lstm${l}/kernel`) as tf.Variable<tf.Rank.R2>,
      recurrent: uniform([h, 4 * h], h, `${scope}/lstm${l}/recurrent`) as tf.Variable<tf.Rank.R2>,
      // PyTorch has two biases, each U(±1/√H); their sum is what the cell sees.
      bias: tf.variable(
        tf.tidy(() =>
          tf.add(
            tf.randomUniform([4 * h], -1 / Math.sqrt(h), 1 / Math.sqrt(h), "float32", seed * 7919 + ++stream),
            tf.randomUniform([4 * h], -1 / Math.sqrt(h), 1 / Math.sqrt(h), "float32", seed * 7919 + ++stream),
          ),
        ),
        true,
        `${scope}/lstm${l}/bias`,
      ) as tf.Variable<tf.Rank.R1>,
    });
  }
  const denseKernel = uniform([h, d], h, `${scope}/dense/kernel`) as tf.Variable<tf.Rank.R2>;
  const denseBias = uniform([d], h, `${scope}/dense/bias`) as tf.Variable<tf.Rank.R1>;
  const outputKernel = uniform([d, v], d, `${scope}/output/kernel`) as tf.Variable<tf.Rank.R2>;
  const outputBias = uniform([v], d, `${scope}/output/bias`) as tf.Variable<tf.Rank.R1>;

  const model: LstmLm = {
    config: { ...config },
    embedding,
    layers,
    denseKernel,
    denseBias,
    outputKernel,
    outputBias,
    trainableVariables: () => [
      embedding,
      ...layers.flatMap((w) => [w.kernel, w.recurrent, w.bias]),
      denseKernel,
      denseBias,
      outputKernel,
      outputBias,
    ],
    embeddingMatrix: () => tf.tidy(() => tf.concat([embedding, tf.zeros([1, e])], 0) as tf.Tensor2D),
    forwardTimeMajor: (inputs) => lstmLmForwardTimeMajor(model, inputs),
    forward: (inputs) =>
      tf.tidy(() => {
        const [b, t] = inputs.shape;
        return lstmLmForwardTimeMajor(model, inputs).reshape([t, b, v]).transpose([1, 0, 2]) as tf.Tensor3D;
      }),
    logits: (inputs) => model.forward(inputs),
    loss: (rows) => lstmLmLoss(model, rows),
    namedTensors: () => lstmLmNamedTensors(model),
    assign: (tensors) => assignLstmLm(model, tensors),
    dispose: () => tf.dispose(model.trainableVariables()),
  };
  return model;
}

/** Logits in time-major rows [T·B, maxValue] for inputs [B, T] (int32; pad id = maxValue). */
export function lstmLmForwardTimeMajor(model: LstmLm, inputs: tf.Tensor2D): tf.Tensor2D {
  const { embeddingDim, hiddenSize: h } = model.config;
  const [b, t] = inputs.shape;
  return tf.tidy(() => {
    // The pad row is a constant zero row appended here: it is looked up but never trained.
    const table = tf.concat([model.embedding, tf.zeros([1, embeddingDim])], 0);
    const ids = tf.transpose(inputs.toInt()).reshape([t * b]); // time-major
    let x: tf.Tensor2D = tf.gather(table, ids) as tf.Tensor2D; // [T·B, E]
    for (const layer of model.layers) {
      // All timesteps' input projections (and the bias) in one matmul.
      const projected = linear(x, layer.kernel, layer.bias).reshape([t, b, 4 * h]);
      const steps = tf.unstack(projected, 0); // T × [B, 4H]
      let hPrev: tf.Tensor2D = tf.zeros([b, h]);
      let cPrev: tf.Tensor2D = tf.zeros([b, h]);
      const outputs: tf.Tensor2D[] = [];
      for (let s = 0; s < t; s++) {
        const gates = s === 0 ? steps[s] : tf.add(steps[s], tf.matMul(hPrev, layer.recurrent));
        const [i, f, g, o] = tf.split(gates, 4, 1);
        const c: tf.Tensor2D = s === 0 ? tf.mul(tf.sigmoid(i), tf.tanh(g)) : tf.add(tf.mul(tf.sigmoid(f), cPrev), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        const hNext: tf.Tensor2D = tf.mul(tf.sigmoid(o), tf.tanh(c));
        outputs.push(hNext);
        hPrev = hNext;
        cPrev = c;
      }
      x = tf.concat(outputs, 0); // [T·B, H]
    }
    const dense = linear(x, model.denseKernel, model.denseBias, "relu");
    return linear(dense, model.outputKernel, model.outputBias) as tf.Tensor2D;
  });
}

/**
 * Mean next-integer cross-entropy of a batch of rows [B, L]: inputs are the rows without their
 * last step, targets the rows without their first; targets equal to the pad id are ignored.
 */
export function lstmLmLoss(model: LstmLm, rows: tf.Tensor2D): tf.Scalar {
  const [b, len] = rows.shape;
  if (len < 2) throw new Error(`lstmLmLoss: rows need at least 2 steps, got ${len}`);
  return tf.tidy(() => {
    const inputs = rows.slice([0, 0], [b, len - 1]) as tf.Tensor2D;
    // Targets in the same time-major order as the logits.
    const targets = tf.transpose(rows.slice([0, 1], [b, len - 1])).reshape([(len - 1) * b]);
    return sparseCrossEntropy(lstmLmForwardTimeMajor(model, inputs), targets, model.config.maxValue);
  });
}

/** Weights by name: "embedding" [maxValue+1, E] (pad row included), "lstm{l}/kernel|recurrent|bias", "dense/…", "output/…". */
export function lstmLmNamedTensors(model: LstmLm): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = { embedding: model.embeddingMatrix() };
  model.layers.forEach((w, l) => {
    out[`lstm${l}/kernel`] = w.kernel;
    out[`lstm${l}/recurrent`] = w.recurrent;
    out[`lstm${l}/bias`] = w.bias;
  });
  out["dense/kernel"] = model.denseKernel;
  out["dense/bias"] = model.denseBias;
  out["output/kernel"] = model.outputKernel;
  out["output/bias"] = model.outputBias;
  return out;
}

/** Load weights named as by `lstmLmNamedTensors` (shapes checked; the embedding may omit the pad row). */
export function assignLstmLm(model: LstmLm, tensors: Record<string, tf.Tensor>): void {
  const take = (name: string, target: tf.Variable): tf.Tensor => {
    const t = tensors[name];
    if (!t) throw new Error(`LSTM weights: tensor "${name}" is missing`);
    if (t.shape.join("x") !== target.shape.join("x")) {
      throw new Error(`LSTM weights: "${name}" has shape [${t.shape}] but the model needs [${target.shape}]`);
    }
    return t;
  };
  const emb = tensors.embedding;
  if (!emb) throw new Error('LSTM weights: tensor "embedding" is missing');
  const { maxValue, embeddingDim } = model.config;
  if (emb.rank !== 2 || emb.shape[1] !== embeddingDim || (emb.shape[0] !== maxValue && emb.shape[0] !== maxValue + 1)) {
    throw new Error(`LSTM weights: "embedding" has shape [${emb.shape}] but the model needs [${maxValue + 1},${embeddingDim}]`);
  }
  tf.tidy(() => model.embedding.assign(emb.slice([0, 0], [maxValue, embeddingDim]) as tf.Tensor2D));
  model.layers.forEach((w, l) => {
    w.kernel.assign(take(`lstm${l}/kernel`, w.kernel) as tf.Tensor2D);
    w.recurrent.assign(take(`lstm${l}/recurrent`, w.recurrent) as tf.Tensor2D);
    w.bias.assign(take(`lstm${l}/bias`, w.bias) as tf.Tensor1D);
  });
  model.denseKernel.assign(take("dense/kernel", model.denseKernel) as tf.Tensor2D);
  model.denseBias.assign(take("dense/bias", model.denseBias) as tf.Tensor1D);
  model.outputKernel.assign(take("output/kernel", model.outputKernel) as tf.Tensor2D);
  model.outputBias.assign(take("output/bias", model.outputBias) as tf.Tensor1D);
}
