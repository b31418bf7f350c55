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
 *  - the loss is `sparseCrossEntropy` from integer targets (no [N, V] one-hot);
 *  - the LSTM layer has a hand-written backward (`lstmLayer`): one product over all timesteps for
 *    the weight gradients, ~7 kernels per step for the dh/dc recurrence (tests compare it with
 *    autodiff, `lstmLayerAutodiff`, on cpu and wasm).
 * Initialisation follows PyTorch's defaults (LSTM and Linear: U(±1/√fan_in); Embedding: N(0, 1)).
 */
import * as tf from "@tensorflow/tfjs";
import { linear, sparseCrossEntropy } from "./nn-ops";
import { fusedLstmAvailable, fusedLstmBackward, fusedLstmForward } from "../backend/lstm-kernels";

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
    trainableVariables: () => [embedding, ...layers.flatMap((w) => [w.kernel, w.recurrent, w.bias]), denseKernel, denseBias, outputKernel, outputBias],
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

/**
 * One LSTM layer over time-major rows: `x` [T·B, In] (row t·B + b) → the hidden state of every step
 * [T·B, H], from zero initial states. `lstmLayer` and `lstmLayerAutodiff` compute the same values
 * with the same kernels in the same order; they differ only in how the gradient is built.
 */
export type LstmLayerFn = (x: tf.Tensor2D, weights: LstmLayerTensors, steps: number, batch: number) => tf.Tensor2D;

/**
 * The weights an LSTM layer function reads: `LstmLayerWeights` or tensors derived from other
 * variables (the RNN primer's classifier reorders its basicLSTMCell kernel into this layout).
 */
export interface LstmLayerTensors {
  /** Input weights [in, 4H] (gate columns i, f, g, o). */
  kernel: tf.Tensor2D;
  /** Recurrent weights [H, 4H]. */
  recurrent: tf.Tensor2D;
  /** Gate bias [4H]. */
  bias: tf.Tensor1D;
}

/** The cell's per-step states, as lists over the timesteps. */
interface LstmTrace {
  /** Hidden state h_t [B, H] per step. */
  h: tf.Tensor2D[];
  /** Cell state c_t, its tanh, and the gate activations σ(i), σ(f), tanh(g), σ(o) [B, H] per step. */
  c: tf.Tensor2D[];
  tanhC: tf.Tensor2D[];
  i: tf.Tensor2D[];
  f: tf.Tensor2D[];
  g: tf.Tensor2D[];
  o: tf.Tensor2D[];
}

/**
 * The forward recurrence: all timesteps' input projections (and the bias) in one matmul, then per
 * step one fused [B, H]·[H, 4H] matmul for the four gates (columns i, f, g, o).
 */
function lstmRecurrence(x: tf.Tensor2D, kernel: tf.Tensor2D, recurrent: tf.Tensor2D, bias: tf.Tensor1D, t: number, b: number): LstmTrace {
  const h4 = kernel.shape[1];
  const projected = linear(x, kernel, bias).reshape([t, b, h4]);
  // T × [B, 4H]; the gradient of `unstack` is one `stack` (tfjs's fails for a single step).
  const steps = t === 1 ? [projected.reshape([b, h4]) as tf.Tensor2D] : (tf.unstack(projected, 0) as tf.Tensor2D[]);
  const trace: LstmTrace = { h: [], c: [], tanhC: [], i: [], f: [], g: [], o: [] };
  let hPrev: tf.Tensor2D | null = null;
  let cPrev: tf.Tensor2D | null = null;
  for (let s = 0; s < t; s++) {
    const gates = hPrev === null ? steps[s] : tf.add(steps[s], tf.matMul(hPrev, recurrent));
    const [zi, zf, zg, zo] = tf.split(gates, 4, 1);
    const i = tf.sigmoid(zi) as tf.Tensor2D;
    const g = tf.tanh(zg) as tf.Tensor2D;
    // At step 0 the previous cell state is zero: c = σ(i)·tanh(g) (σ(f) is still reported).
    const f = tf.sigmoid(zf) as tf.Tensor2D;
    const c: tf.Tensor2D = cPrev === null ? tf.mul(i, g) : tf.add(tf.mul(f, cPrev), tf.mul(i, g));
    const o = tf.sigmoid(zo) as tf.Tensor2D;
    const tanhC = tf.tanh(c) as tf.Tensor2D;
    const h: tf.Tensor2D = tf.mul(o, tanhC);
    trace.h.push(h);
    trace.c.push(c);
    trace.tanhC.push(tanhC);
    trace.i.push(i);
    trace.f.push(f);
    trace.g.push(g);
    trace.o.push(o);
    hPrev = h;
    cPrev = c;
  }
  return trace;
}

/** The LSTM layer with tfjs's automatic gradient (the reference for `lstmLayer`'s hand-written one). */
export const lstmLayerAutodiff: LstmLayerFn = (x, w, t, b) =>
  tf.tidy(() => tf.concat(lstmRecurrence(x, w.kernel, w.recurrent, w.bias, t, b).h, 0) as tf.Tensor2D);

/** An LSTM layer's saved per-step states, concatenated over time ([T·B, H] each). */
interface LstmStates {
  c: tf.Tensor2D;
  tanhC: tf.Tensor2D;
  i: tf.Tensor2D;
  f: tf.Tensor2D;
  g: tf.Tensor2D;
  o: tf.Tensor2D;
}

/**
 * dZ [T·B, 4H], the gradient of the gate pre-activations, composed from tfjs ops: the gate
 * derivatives of all timesteps in one pass, then the dh/dc recurrence with 7 kernels per step
 * (src/backend/lstm-kernels.ts does the same in one native kernel).
 */
function lstmGateGradients(dy: tf.Tensor2D, r: tf.Tensor2D, states: LstmStates, t: number, b: number): tf.Tensor2D {
  const h = r.shape[0];
  const rows = t * b;
  const { c: cAll, tanhC: tcAll, i: iAll, f: fAll, g: gAll, o: oAll } = states;
  // c_{t-1} for every step; c_{-1} = 0.
  const cPrev = t > 1 ? tf.concat([tf.zeros([b, h]), cAll.slice([0, 0], [rows - b, h])], 0) : tf.zeros([b, h]);
  const sigmoidDeriv = (s: tf.Tensor2D) => tf.mul(s, tf.sub(1, s));
  // dL/dz = dc·∂c/∂z for the i, f, g columns and dh·∂h/∂z for the o columns:
  const dzPerDc = [
    tf.mul(gAll, sigmoidDeriv(iAll)), // ∂c/∂z_i = tanh(g)·σ'(i)
    tf.mul(cPrev, sigmoidDeriv(fAll)), // ∂c/∂z_f = c_{t-1}·σ'(f)
    tf.mul(iAll, tf.sub(1, tf.square(gAll))), // ∂c/∂z_g = σ(i)·(1 − tanh²g)
    tf.mul(tcAll, sigmoidDeriv(oAll)), // ∂h/∂z_o = tanh(c)·σ'(o)
  ];
  const gateFactor = tf.unstack(tf.concat(dzPerDc, 1).reshape([t, b, 4 * h]), 0) as tf.Tensor2D[];
  const dcPerDh = tf.unstack(tf.mul(oAll, tf.sub(1, tf.square(tcAll))).reshape([t, b, h]), 0) as tf.Tensor2D[]; // ∂h/∂c
  const forget = tf.unstack(fAll.reshape([t, b, h]), 0) as tf.Tensor2D[]; // ∂c_t/∂c_{t-1}
  const dys = tf.unstack(dy.reshape([t, b, h]), 0) as tf.Tensor2D[];
  const recurrentT = tf.transpose(r); // once, not per step
  const dz: tf.Tensor2D[] = new Array(t);
  let dhNext: tf.Tensor2D | null = null;
  let dcNext: tf.Tensor2D | null = null;
  for (let s = t - 1; s >= 0; s--) {
    const dh: tf.Tensor2D = dhNext === null ? dys[s] : tf.add(dys[s], dhNext);
    const dhc: tf.Tensor2D = tf.mul(dh, dcPerDh[s]);
    const dc: tf.Tensor2D = dcNext === null ? dhc : tf.add(dcNext, dhc);
    dz[s] = tf.mul(tf.concat([dc, dc, dc, dh], 1), gateFactor[s]) as tf.Tensor2D;
    if (s > 0) {
      dcNext = tf.mul(dc, forget[s]) as tf.Tensor2D;
      dhNext = tf.matMul(dz[s], recurrentT) as tf.Tensor2D;
    }
  }
  return tf.concat(dz, 0) as tf.Tensor2D;
}

/**
 * The LSTM layer with a hand-written backward pass (same forward as `lstmLayerAutodiff`). The
 * forward keeps every step's gate activations and states, concatenated over time; the backward
 * runs the recurrence for dh/dc (`lstmGateGradients`, or one native kernel on WASM with the addon),
 * then takes the weight gradients in ONE product over all timesteps: [dK; dR] =
 * [x_t | h_{t-1}]ᵀ·dZ, and db = Σ dZ, dx = dZ·Kᵀ (dZ [T·B, 4H] = the gradient of the gate
 * pre-activations). Autodiff instead builds two small products (one of them for dR) and ~30
 * kernels per timestep.
 */
export const lstmLayer: LstmLayerFn = (x, w, t, b) => {
  const h = w.recurrent.shape[0];
  // WASM with the native addon: the whole recurrence is one kernel each way (same maths).
  const fused = fusedLstmAvailable();
  const withGrad = ((xIn: tf.Tensor2D, kernel: tf.Tensor2D, recurrent: tf.Tensor2D, bias: tf.Tensor1D, save: (ts: tf.Tensor[]) => void) => {
    let states: tf.Tensor2D[]; // h, c, tanh(c), σ(i), σ(f), tanh(g), σ(o), each [T·B, H]
    if (fused) {
      states = fusedLstmForward(linear(xIn, kernel, bias) as tf.Tensor2D, recurrent, t, b);
    } else {
      const trace = lstmRecurrence(xIn, kernel, recurrent, bias, t, b);
      states = [trace.h, trace.c, trace.tanhC, trace.i, trace.f, trace.g, trace.o].map((list) => tf.concat(list, 0) as tf.Tensor2D);
    }
    const hs = states[0];
    // Saved tensors outlive the caller's tidy until the backward pass (closures would not).
    save([xIn, kernel, recurrent, ...states]);
    return {
      value: hs,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, k, r, hAll, cAll, tcAll, iAll, fAll, gAll, oAll] = saved as tf.Tensor2D[];
        const rows = t * b;
        const inDim = xs.shape[1];
        // h_{t-1} for every step (h_{-1} = 0), for the recurrent weight's gradient.
        const hPrev = t > 1 ? tf.concat([tf.zeros([b, h]), hAll.slice([0, 0], [rows - b, h])], 0) : tf.zeros([b, h]);
        const dZ = fused
          ? fusedLstmBackward(dy as tf.Tensor2D, r, { c: cAll, tanhC: tcAll, i: iAll, f: fAll, g: gAll, o: oAll }, t, b)
          : lstmGateGradients(dy as tf.Tensor2D, r, { c: cAll, tanhC: tcAll, i: iAll, f: fAll, g: gAll, o: oAll }, t, b);
        // Both weight gradients in one product: [x_t | h_{t-1}]ᵀ·dZ = [dK; dR]. One product packs
        // dZ once and is ~25 % faster on WASM than xᵀ·dZ and h_{t-1}ᵀ·dZ apart.
        const [dKernel, dRecurrent] = tf.split(tf.matMul(tf.concat([xs, hPrev], 1), dZ, true, false), [inDim, h], 0);
        const dBias = tf.sum(dZ, 0);
        const dx = tf.matMul(dZ, k, false, true);
        return [dx, dKernel, dRecurrent, dBias];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0];
  return tf.customGrad(withGrad)(x, w.kernel, w.recurrent, w.bias) as tf.Tensor2D;
};

/**
 * Logits in time-major rows [T·B, maxValue] for inputs [B, T] (int32; pad id = maxValue).
 * `layer` picks the LSTM layer implementation (the hand-written gradient by default; tests and the
 * bench pass `lstmLayerAutodiff` to compare).
 */
export function lstmLmForwardTimeMajor(model: LstmLm, inputs: tf.Tensor2D, layer: LstmLayerFn = lstmLayer): tf.Tensor2D {
  const { embeddingDim } = model.config;
  const [b, t] = inputs.shape;
  return tf.tidy(() => {
    // The pad row is a constant zero row appended here: it is looked up but never trained.
    const table = tf.concat([model.embedding, tf.zeros([1, embeddingDim])], 0);
    const ids = tf.transpose(inputs.toInt()).reshape([t * b]); // time-major
    let x: tf.Tensor2D = tf.gather(table, ids) as tf.Tensor2D; // [T·B, E]
    for (const weights of model.layers) x = layer(x, weights, t, b); // [T·B, H]
    const dense = linear(x, model.denseKernel, model.denseBias, "relu");
    return linear(dense, model.outputKernel, model.outputBias) as tf.Tensor2D;
  });
}

/**
 * Mean next-integer cross-entropy of a batch of rows [B, L]: inputs are the rows without their
 * last step, targets the rows without their first; targets equal to the pad id are ignored.
 */
export function lstmLmLoss(model: LstmLm, rows: tf.Tensor2D, layer: LstmLayerFn = lstmLayer): tf.Scalar {
  const [b, len] = rows.shape;
  if (len < 2) throw new Error(`lstmLmLoss: rows need at least 2 steps, got ${len}`);
  return tf.tidy(() => {
    const inputs = rows.slice([0, 0], [b, len - 1]) as tf.Tensor2D;
    // Targets in the same time-major order as the logits.
    const targets = tf.transpose(rows.slice([0, 1], [b, len - 1])).reshape([(len - 1) * b]);
    return sparseCrossEntropy(lstmLmForwardTimeMajor(model, inputs, layer), targets, model.config.maxValue);
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
