/**
 * The shared sequence-to-sequence transformer (encoder-decoder), written against tfjs core ops.
 *
 * A model is a plain object: its config plus a record of named `tf.Variable`s (the names are the
 * checkpoint names). Activations are kept as 2-D `[batch*length, hidden]` matrices so every dense
 * layer is one 2-D matmul (fast on WASM/XNNPACK); only the attention scores use batched matmuls,
 * and no matmul here asks for a transposed operand (keys are transposed once, explicitly).
 *
 *   source ids ─► embedding·√d + position ─► N × [self-attention, feed-forward] ─► memory
 *   target ids ─► embedding·√d + position ─► N × [causal self-attention, cross-attention, feed-forward] ─► logits
 *
 * Pre- or post-norm, dropout (seeded: every mask comes from the caller's `Rng`), sinusoidal or
 * learned positions, and Xavier-uniform attention weights with a configurable gain (the seed found
 * gain 0.5 — what PyTorch's packed q/k/v matrix effectively uses — generalizes better).
 */
import * as tf from "@tensorflow/tfjs";
import { seededDropout } from "../backend/dropout";
import { Rng } from "../random";
import { sparseCrossEntropy } from "./nn-ops";

export interface TransformerConfig {
  sourceVocabSize: number;
  targetVocabSize: number;
  /** Model width d (embedding and hidden size); must be divisible by `heads`. */
  hidden: number;
  encoderLayers: number;
  decoderLayers: number;
  heads: number;
  /** Inner width of the position-wise feed-forward block. */
  ffHidden: number;
  /** Dropout rate on embeddings, attention probabilities, sublayer outputs and the feed-forward inner layer. */
  dropout: number;
  /** Longest sequence (source or target, including `<sos>`/`<eos>`) the position table covers. */
  maxLength: number;
  positional: "sinusoidal" | "learned";
  /** "post": x = LN(x + f(x)) as in the original transformer; "pre": x = x + f(LN(x)), with a final LN. */
  norm: "pre" | "post";
  /** Xavier-uniform gain for the query/key/value/output matrices (1 = separate-matrix default). */
  attentionGain: number;
  /** Padding token id (same in source and target): ignored by attention and by the loss. */
  padId: number;
  /** Seed of the weight initialization. */
  seed: number;
}

/**
 * What `createTransformer` fills in for fields a partial config leaves out: numlab's architecture
 * (pre-norm, attention gain 0.5, sinusoidal positions, dropout 0.1 — what both trainers use) at the
 * size of the seed's polynomial model (d 256, 3 + 3 layers, 8 heads, feed-forward 512). The
 * trainers do not rely on it: `ARITHMETIC_DEFAULTS.model` (src/train/arithmetic.ts) and
 * `POLYNOMIAL_DEFAULTS.model` (src/train/polynomial.ts) spell out every field of their models.
 */
export const DEFAULT_TRANSFORMER_CONFIG: Omit<TransformerConfig, "sourceVocabSize" | "targetVocabSize"> = {
  hidden: 256,
  encoderLayers: 3,
  decoderLayers: 3,
  heads: 8,
  ffHidden: 512,
  dropout: 0.1,
  maxLength: 128,
  positional: "sinusoidal",
  norm: "pre",
  attentionGain: 0.5,
  padId: 0,
  seed: 0,
};

/** Fill in defaults and check the shape constraints (errors name the field). */
export function transformerConfig(partial: Partial<TransformerConfig> & Pick<TransformerConfig, "sourceVocabSize" | "targetVocabSize">): TransformerConfig {
  const c: TransformerConfig = { ...DEFAULT_TRANSFORMER_CONFIG, ...partial };
  const positiveInts: (keyof TransformerConfig)[] = ["sourceVocabSize", "targetVocabSize", "hidden", "heads", "ffHidden", "maxLength"];
  for (const key of positiveInts) {
    const v = c[key];
    if (!(typeof v === "number" && Number.isInteger(v) && v > 0)) throw new Error(`transformer config: ${key} must be a positive integer, got ${v}`);
  }
  for (const key of ["encoderLayers", "decoderLayers"] as const) {
    if (!(Number.isInteger(c[key]) && c[key] >= 1)) throw new Error(`transformer config: ${key} must be an integer ≥ 1, got ${c[key]}`);
  }
  if (c.hidden % c.heads !== 0) throw new Error(`transformer config: hidden (${c.hidden}) must be divisible by heads (${c.heads})`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`transformer config: dropout must be in [0, 1), got ${c.dropout}`);
  if (!(c.attentionGain > 0)) throw new Error(`transformer config: attentionGain must be > 0, got ${c.attentionGain}`);
  if (c.positional !== "sinusoidal" && c.positional !== "learned")
    throw new Error(`transformer config: positional must be "sinusoidal" or "learned", got "${c.positional}"`);
  if (c.norm !== "pre" && c.norm !== "post") throw new Error(`transformer config: norm must be "pre" or "post", got "${c.norm}"`);
  return c;
}

export interface Transformer {
  config: TransformerConfig;
  /** Trainable weights by checkpoint name, e.g. "encoder.0.selfAttention.qkv.weight". */
  params: Record<string, tf.Variable>;
  /** Constant sinusoidal table `[maxLength, hidden]` (null for learned positions). */
  sinusoid: tf.Tensor2D | null;
}

// ---------------------------------------------------------------------------------------------
// Parameters

export function xavierUniform(rng: Rng, fanIn: number, fanOut: number, gain: number, count = fanIn * fanOut): Float32Array {
  const limit = gain * Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (2 * rng.next() - 1) * limit;
  return out;
}

/** `blocks` side-by-side Xavier matrices `[rows, cols]` each, packed as `[rows, blocks*cols]`. */
function packedXavier(rng: Rng, rows: number, cols: number, blocks: number, gain: number): Float32Array {
  const out = new Float32Array(rows * cols * blocks);
  for (let b = 0; b < blocks; b++) {
    const m = xavierUniform(rng, rows, cols, gain);
    for (let r = 0; r < rows; r++) out.set(m.subarray(r * cols, (r + 1) * cols), r * cols * blocks + b * cols);
  }
  return out;
}

/**
 * The named, freshly initialized weights of a transformer with this config (seeded by `config.seed`).
 * Names: `{source,target}Embedding`, `{source,target}Position` (learned only),
 * `encoder.{i}.{selfAttention.{qkv,out},ff.{in,out}}.{weight,bias}`, `encoder.{i}.norm{1,2}.{gain,bias}`,
 * `decoder.{i}.{selfAttention.{qkv,out},crossAttention.{q,kv,out},ff.{in,out}}.{weight,bias}`,
 * `decoder.{i}.norm{1,2,3}.{gain,bias}`, `{encoder,decoder}.finalNorm.*` (pre-norm only), `output.{weight,bias}`.
 */
let modelCounter = 0;

export function transformerParams(config: TransformerConfig): Record<string, tf.Variable> {
  const c = config;
  // tfjs variable names are global: prefix them per model (the record keys stay the plain names)
  const prefix = `transformer${++modelCounter}/`;
  const d = c.hidden;
  const rng = new Rng(c.seed);
  const p: Record<string, tf.Variable> = {};
  const add = (name: string, values: Float32Array, shape: number[]) => {
    p[name] = tf.variable(tf.tensor(values, shape, "float32"), true, prefix + name);
  };
  const zeros = (n: number) => new Float32Array(n);
  const ones = (n: number) => new Float32Array(n).fill(1);
  const norm = (name: string) => {
    add(`${name}.gain`, ones(d), [d]);
    add(`${name}.bias`, zeros(d), [d]);
  };
  const linear = (name: string, rows: number, cols: number, gain = 1, blocks = 1) => {
    add(`${name}.weight`, blocks === 1 ? xavierUniform(rng, rows, cols, gain) : packedXavier(rng, rows, cols, blocks, gain), [rows, cols * blocks]);
    add(`${name}.bias`, zeros(cols * blocks), [cols * blocks]);
  };
  add("sourceEmbedding", xavierUniform(rng, c.sourceVocabSize, d, 1), [c.sourceVocabSize, d]);
  add("targetEmbedding", xavierUniform(rng, c.targetVocabSize, d, 1), [c.targetVocabSize, d]);
  if (c.positional === "learned") {
    add("sourcePosition", xavierUniform(rng, c.maxLength, d, 1), [c.maxLength, d]);
    add("targetPosition", xavierUniform(rng, c.maxLength, d, 1), [c.maxLength, d]);
  }
  const g = c.attentionGain;
  for (let i = 0; i < c.encoderLayers; i++) {
    const pre = `encoder.${i}`;
    linear(`${pre}.selfAttention.qkv`, d, d, g, 3);
    linear(`${pre}.selfAttention.out`, d, d, g);
    linear(`${pre}.ff.in`, d, c.ffHidden);
    linear(`${pre}.ff.out`, c.ffHidden, d);
    norm(`${pre}.norm1`);
    norm(`${pre}.norm2`);
  }
  for (let i = 0; i < c.decoderLayers; i++) {
    const pre = `decoder.${i}`;
    linear(`${pre}.selfAttention.qkv`, d, d, g, 3);
    linear(`${pre}.selfAttention.out`, d, d, g);
    linear(`${pre}.crossAttention.q`, d, d, g);
    linear(`${pre}.crossAttention.kv`, d, d, g, 2);
    linear(`${pre}.crossAttention.out`, d, d, g);
    linear(`${pre}.ff.in`, d, c.ffHidden);
    linear(`${pre}.ff.out`, c.ffHidden, d);
    norm(`${pre}.norm1`);
    norm(`${pre}.norm2`);
    norm(`${pre}.norm3`);
  }
  if (c.norm === "pre") {
    norm("encoder.finalNorm");
    norm("decoder.finalNorm");
  }
  linear("output", d, c.targetVocabSize);
  return p;
}

/** Sinusoidal position table `[length, hidden]`: sin on even columns, cos on odd ones. */
export function sinusoidalPositions(length: number, hidden: number): Float32Array {
  const out = new Float32Array(length * hidden);
  for (let pos = 0; pos < length; pos++) {
    for (let i = 0; i < hidden; i += 2) {
      const angle = pos / Math.pow(10000, i / hidden);
      out[pos * hidden + i] = Math.sin(angle);
      if (i + 1 < hidden) out[pos * hidden + i + 1] = Math.cos(angle);
    }
  }
  return out;
}

/** A new transformer (config checked, weights initialized from `config.seed`). */
export function createTransformer(partial: Partial<TransformerConfig> & Pick<TransformerConfig, "sourceVocabSize" | "targetVocabSize">): Transformer {
  const config = transformerConfig(partial);
  const sinusoid =
    config.positional === "sinusoidal" ? tf.keep(tf.tensor2d(sinusoidalPositions(config.maxLength, config.hidden), [config.maxLength, config.hidden])) : null;
  return { config, params: transformerParams(config), sinusoid };
}

/** Number of trainable scalars. */
export function parameterCount(model: Transformer): number {
  return Object.values(model.params).reduce((n, v) => n + v.size, 0);
}

/** The weights as named tensors (for `saveCheckpoint`); the variables themselves, not copies. */
export function transformerTensors(model: Transformer): Record<string, tf.Tensor> {
  return { ...model.params };
}

/** Load named tensors (e.g. from `loadCheckpoint`) into the model; every weight must be present with its shape. */
export function loadTransformerTensors(model: Transformer, tensors: Record<string, tf.Tensor>): void {
  for (const [name, v] of Object.entries(model.params)) {
    const t = tensors[name];
    if (!t) throw new Error(`checkpoint has no tensor "${name}" (is it a transformer with the same config?)`);
    if (t.shape.join(",") !== v.shape.join(",")) throw new Error(`checkpoint tensor "${name}" has shape [${t.shape}], the model needs [${v.shape}]`);
    v.assign(t.dtype === "float32" ? t : tf.cast(t, "float32"));
  }
}

/** Free the model's weights. */
export function disposeTransformer(model: Transformer): void {
  Object.values(model.params).forEach((v) => v.dispose());
  model.sinusoid?.dispose();
}

// ---------------------------------------------------------------------------------------------
// Building blocks (all inside the caller's tidy)

/** What a forward pass needs besides the inputs. */
export interface ForwardOptions {
  /** Apply dropout (training). Default false. */
  training?: boolean;
  /** Source of dropout seeds; required when training with dropout > 0. */
  rng?: Rng;
  /** When given, attention probabilities `[batch, heads, queries, keys]` are pushed here per layer. */
  attention?: AttentionMaps;
}

export interface AttentionMaps {
  encoderSelf: tf.Tensor4D[];
  decoderSelf: tf.Tensor4D[];
  cross: tf.Tensor4D[];
}

const NEG_INF = -1e9;

function dropout(x: tf.Tensor, model: Transformer, opts: ForwardOptions): tf.Tensor {
  const rate = model.config.dropout;
  if (!opts.training || rate === 0) return x;
  if (!opts.rng) throw new Error("transformer: training with dropout needs an rng in the forward options");
  return seededDropout(x, rate, opts.rng.int(0, 2147483647));
}

function linear(model: Transformer, name: string, x: tf.Tensor2D, activation: "linear" | "relu" = "linear"): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: model.params[`${name}.weight`], bias: model.params[`${name}.bias`], activation }) as tf.Tensor2D;
}

/** Layer normalization over the last axis of `[n, d]`. */
export function layerNorm(x: tf.Tensor2D, gain: tf.Tensor, bias: tf.Tensor, epsilon = 1e-5): tf.Tensor2D {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, epsilon))), gain), bias);
}

function norm(model: Transformer, name: string, x: tf.Tensor2D): tf.Tensor2D {
  return layerNorm(x, model.params[`${name}.gain`], model.params[`${name}.bias`]);
}

/** `[b*l, d]` → `[b*h, l, d/h]` (heads split out, queries/values layout). */
function splitHeads(x: tf.Tensor2D, b: number, l: number, heads: number): tf.Tensor3D {
  const dh = x.shape[1] / heads;
  return tf.reshape(tf.transpose(tf.reshape(x, [b, l, heads, dh]), [0, 2, 1, 3]), [b * heads, l, dh]);
}

/** `[b*l, d]` → `[b*h, d/h, l]` (keys, transposed once so the score matmul needs no transpose flag). */
function splitHeadsTransposed(x: tf.Tensor2D, b: number, l: number, heads: number): tf.Tensor3D {
  const dh = x.shape[1] / heads;
  return tf.reshape(tf.transpose(tf.reshape(x, [b, l, heads, dh]), [0, 2, 3, 1]), [b * heads, dh, l]);
}

/** `[b*h, l, d/h]` → `[b*l, d]`. */
function mergeHeads(x: tf.Tensor3D, b: number, heads: number): tf.Tensor2D {
  const [, l, dh] = x.shape;
  return tf.reshape(tf.transpose(tf.reshape(x, [b, heads, l, dh]), [0, 2, 1, 3]), [b * l, heads * dh]);
}

/**
 * Scaled dot-product attention over split heads: q `[b*h, lq, dh]` (already scaled by 1/√dh),
 * kT `[b*h, dh, lk]`, v `[b*h, lk, dh]`, additive mask broadcastable to `[b, h, lq, lk]`.
 */
function attend(
  q: tf.Tensor3D,
  kT: tf.Tensor3D,
  v: tf.Tensor3D,
  mask: tf.Tensor | null,
  b: number,
  model: Transformer,
  opts: ForwardOptions,
  record?: tf.Tensor4D[],
): tf.Tensor3D {
  const heads = model.config.heads;
  const lq = q.shape[1];
  const lk = kT.shape[2];
  let scores: tf.Tensor = tf.reshape(tf.matMul(q, kT), [b, heads, lq, lk]);
  if (mask) scores = tf.add(scores, mask);
  const probs = tf.softmax(scores) as tf.Tensor4D;
  if (record) record.push(probs);
  const dropped = dropout(probs, model, opts);
  return tf.matMul(tf.reshape(dropped, [b * heads, lq, lk]) as tf.Tensor3D, v);
}

function selfAttention(
  model: Transformer,
  name: string,
  x: tf.Tensor2D,
  b: number,
  l: number,
  mask: tf.Tensor | null,
  opts: ForwardOptions,
  record?: tf.Tensor4D[],
): tf.Tensor2D {
  const { heads, hidden } = model.config;
  const qkv = linear(model, `${name}.qkv`, x);
  const [q, k, v] = tf.split(qkv, 3, 1) as tf.Tensor2D[];
  const scaled = tf.mul(q, 1 / Math.sqrt(hidden / heads)) as tf.Tensor2D;
  const ctx = attend(splitHeads(scaled, b, l, heads), splitHeadsTransposed(k, b, l, heads), splitHeads(v, b, l, heads), mask, b, model, opts, record);
  return linear(model, `${name}.out`, mergeHeads(ctx, b, heads));
}

/** Keys/values of the encoder memory for one decoder layer's cross-attention. */
export interface MemoryKeys {
  kT: tf.Tensor3D;
  v: tf.Tensor3D;
}

function memoryKeys(model: Transformer, layer: number, memory: tf.Tensor2D, b: number, s: number): MemoryKeys {
  const heads = model.config.heads;
  const kv = linear(model, `decoder.${layer}.crossAttention.kv`, memory);
  const [k, v] = tf.split(kv, 2, 1) as tf.Tensor2D[];
  return { kT: splitHeadsTransposed(k, b, s, heads), v: splitHeads(v, b, s, heads) };
}

function crossAttention(
  model: Transformer,
  layer: number,
  x: tf.Tensor2D,
  b: number,
  l: number,
  keys: MemoryKeys,
  mask: tf.Tensor | null,
  opts: ForwardOptions,
  record?: tf.Tensor4D[],
): tf.Tensor2D {
  const { heads, hidden } = model.config;
  const name = `decoder.${layer}.crossAttention`;
  const q = tf.mul(linear(model, `${name}.q`, x), 1 / Math.sqrt(hidden / heads)) as tf.Tensor2D;
  const ctx = attend(splitHeads(q, b, l, heads), keys.kT, keys.v, mask, b, model, opts, record);
  return linear(model, `${name}.out`, mergeHeads(ctx, b, heads));
}

function feedForward(model: Transformer, name: string, x: tf.Tensor2D, opts: ForwardOptions): tf.Tensor2D {
  const inner = dropout(linear(model, `${name}.in`, x, "relu"), model, opts) as tf.Tensor2D;
  return linear(model, `${name}.out`, inner);
}

/** Residual sublayer with pre- or post-norm. */
function sublayer(model: Transformer, normName: string, x: tf.Tensor2D, f: (h: tf.Tensor2D) => tf.Tensor2D, opts: ForwardOptions): tf.Tensor2D {
  if (model.config.norm === "pre") return tf.add(x, dropout(f(norm(model, normName, x)), model, opts));
  return norm(model, normName, tf.add(x, dropout(f(x), model, opts)) as tf.Tensor2D);
}

/** Token embeddings ×√d plus positions `offset..offset+l-1`, as `[b*l, d]`. Ids `[b, l]` int32. */
function embed(model: Transformer, side: "source" | "target", ids: tf.Tensor2D, opts: ForwardOptions, offset = 0): tf.Tensor2D {
  const { hidden, maxLength } = model.config;
  const [b, l] = ids.shape;
  if (offset + l > maxLength) throw new Error(`transformer: ${side} length ${offset + l} exceeds maxLength ${maxLength}`);
  const table = model.params[`${side}Embedding`];
  const vocab = table.shape[0];
  // one-hot × table: a 2-D matmul whose gradient is another matmul (WASM has no scatter-add for gather's gradient)
  const oneHot = tf.oneHot(tf.reshape(ids, [b * l]), vocab) as tf.Tensor2D;
  const tokens = tf.mul(tf.matMul(tf.cast(oneHot, "float32"), table), Math.sqrt(hidden)) as tf.Tensor2D;
  const positions =
    model.config.positional === "learned"
      ? tf.slice(model.params[`${side}Position`], [offset, 0], [l, hidden])
      : tf.slice(model.sinusoid as tf.Tensor2D, [offset, 0], [l, hidden]);
  const summed = tf.reshape(tf.add(tf.reshape(tokens, [b, l, hidden]), positions), [b * l, hidden]) as tf.Tensor2D;
  return dropout(summed, model, opts) as tf.Tensor2D;
}

/** Additive mask `[b, 1, 1, l]`: 0 for real tokens, -1e9 for padding. */
export function paddingMask(ids: tf.Tensor2D, padId: number): tf.Tensor4D {
  const [b, l] = ids.shape;
  return tf.reshape(tf.mul(tf.cast(tf.equal(ids, padId), "float32"), NEG_INF), [b, 1, 1, l]);
}

/** Additive mask `[1, 1, l, l]`: position i may attend to positions ≤ i. */
export function causalMask(l: number): tf.Tensor4D {
  const values = new Float32Array(l * l);
  for (let i = 0; i < l; i++) for (let j = i + 1; j < l; j++) values[i * l + j] = NEG_INF;
  return tf.tensor4d(values, [1, 1, l, l]);
}

// ---------------------------------------------------------------------------------------------
// Forward passes

export interface Encoded {
  /** Encoder output `[b*s, d]`. */
  memory: tf.Tensor2D;
  /** Padding mask of the source `[b, 1, 1, s]`. */
  sourceMask: tf.Tensor4D;
  batch: number;
  sourceLength: number;
}

/** Run the encoder on source ids `[b, s]` (int32). */
export function encodeSource(model: Transformer, source: tf.Tensor2D, opts: ForwardOptions = {}): Encoded {
  const [b, s] = source.shape;
  const mask = paddingMask(source, model.config.padId);
  let x = embed(model, "source", source, opts);
  for (let i = 0; i < model.config.encoderLayers; i++) {
    const pre = `encoder.${i}`;
    x = sublayer(model, `${pre}.norm1`, x, (h) => selfAttention(model, `${pre}.selfAttention`, h, b, s, mask, opts, opts.attention?.encoderSelf), opts);
    x = sublayer(model, `${pre}.norm2`, x, (h) => feedForward(model, `${pre}.ff`, h, opts), opts);
  }
  if (model.config.norm === "pre") x = norm(model, "encoder.finalNorm", x);
  return { memory: x, sourceMask: mask, batch: b, sourceLength: s };
}

/** Run the decoder on target input ids `[b, t]` (teacher forcing) → logits `[b*t, vocab]`. */
export function decodeTarget(model: Transformer, target: tf.Tensor2D, encoded: Encoded, opts: ForwardOptions = {}): tf.Tensor2D {
  const [b, t] = target.shape;
  const selfMask = tf.add(causalMask(t), paddingMask(target, model.config.padId));
  let x = embed(model, "target", target, opts);
  for (let i = 0; i < model.config.decoderLayers; i++) {
    const pre = `decoder.${i}`;
    const keys = memoryKeys(model, i, encoded.memory, b, encoded.sourceLength);
    x = sublayer(model, `${pre}.norm1`, x, (h) => selfAttention(model, `${pre}.selfAttention`, h, b, t, selfMask, opts, opts.attention?.decoderSelf), opts);
    x = sublayer(model, `${pre}.norm2`, x, (h) => crossAttention(model, i, h, b, t, keys, encoded.sourceMask, opts, opts.attention?.cross), opts);
    x = sublayer(model, `${pre}.norm3`, x, (h) => feedForward(model, `${pre}.ff`, h, opts), opts);
  }
  if (model.config.norm === "pre") x = norm(model, "decoder.finalNorm", x);
  return linear(model, "output", x);
}

/** Logits `[b*t, vocab]` for source `[b, s]` and target input `[b, t]` (both int32). */
export function transformerForward(model: Transformer, source: tf.Tensor2D, targetInput: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor2D {
  return decodeTarget(model, targetInput, encodeSource(model, source, opts), opts);
}

/**
 * Mean label-smoothed cross-entropy of `logits [n, vocab]` against integer `targets [n]`, ignoring
 * `padId` positions (dense: log-softmax times smoothed one-hot). Without smoothing the loss uses the
 * shared sparse `sparseCrossEntropy` of ./nn-ops.
 */
export function labelSmoothedCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, padId: number, labelSmoothing: number): tf.Scalar {
  const vocab = logits.shape[1];
  const logProbs = tf.logSoftmax(logits);
  const weights = tf.add(tf.mul(tf.cast(tf.oneHot(targets, vocab), "float32"), 1 - labelSmoothing), labelSmoothing / vocab);
  const nll = tf.neg(tf.sum(tf.mul(weights, logProbs), -1));
  const keep = tf.cast(tf.notEqual(targets, padId), "float32");
  return tf.div(tf.sum(tf.mul(nll, keep)), tf.maximum(tf.sum(keep), 1)) as tf.Scalar;
}

/** A padded batch as the seq2seq trainer and the loss take it (row-major int32, `<sos> … <eos> <pad>…`). */
export interface TokenBatch {
  size: number;
  sourceLength: number;
  targetLength: number;
  source: Int32Array;
  target: Int32Array;
  /**
   * Optional: the same examples again as a few sub-batches, each padded to its own longest (e.g.
   * grouped by target length). `transformerLoss` then computes the loss part by part and combines
   * it weighted by token count, which is exactly the token mean over the whole batch (the same loss
   * and gradient) with less padding. Absent: the batch is used as it is.
   */
  parts?: TokenBatch[];
}

/** Number of non-padding labels (target tokens after `<sos>`) in a batch: the loss's denominator. */
export function labelCount(batch: TokenBatch, padId: number): number {
  let n = 0;
  for (let i = 0; i < batch.size; i++) for (let j = 1; j < batch.targetLength; j++) if (batch.target[i * batch.targetLength + j] !== padId) n++;
  return n;
}

/** Split targets `[b, t]` into decoder input (all but last) and labels (all but first). */
export function shiftTargets(batch: TokenBatch): { input: Int32Array; labels: Int32Array; length: number } {
  const { size: b, targetLength: t, target } = batch;
  const length = t - 1;
  if (length < 1) throw new Error("seq2seq batch: targets need at least <sos> and one more token");
  const input = new Int32Array(b * length);
  const labels = new Int32Array(b * length);
  for (let i = 0; i < b; i++) {
    input.set(target.subarray(i * t, i * t + length), i * length);
    labels.set(target.subarray(i * t + 1, i * t + t), i * length);
  }
  return { input, labels, length };
}

/** Teacher-forced loss of a batch (call inside a tidy / gradient function). */
export function transformerLoss(model: Transformer, batch: TokenBatch, opts: ForwardOptions & { labelSmoothing?: number } = {}): tf.Scalar {
  if (batch.parts && batch.parts.length > 0) {
    const terms: tf.Scalar[] = [];
    let total = 0;
    for (const part of batch.parts) {
      const n = labelCount(part, model.config.padId);
      if (n === 0) continue;
      terms.push(tf.mul(transformerLoss(model, { ...part, parts: undefined }, opts), n) as tf.Scalar);
      total += n;
    }
    return tf.div(terms.length ? tf.addN(terms) : tf.scalar(0), Math.max(total, 1)) as tf.Scalar;
  }
  const { input, labels, length } = shiftTargets(batch);
  const src = tf.tensor2d(batch.source, [batch.size, batch.sourceLength], "int32");
  const trgIn = tf.tensor2d(input, [batch.size, length], "int32");
  const logits = transformerForward(model, src, trgIn, opts);
  const targets = tf.tensor1d(labels, "int32");
  const smoothing = opts.labelSmoothing ?? 0;
  return smoothing > 0 ? labelSmoothedCrossEntropy(logits, targets, model.config.padId, smoothing) : sparseCrossEntropy(logits, targets, model.config.padId);
}

// ---------------------------------------------------------------------------------------------
// Incremental decoding (used by greedy and beam search)

/** Per-layer self-attention keys/values of the tokens decoded so far, plus cached memory keys. */
export interface DecoderState {
  batch: number;
  /** Tokens decoded so far (positions). */
  length: number;
  /** Per layer: keys `[b*h, dh, length]`, values `[b*h, length, dh]` (null before the first step). */
  selfKeys: ({ kT: tf.Tensor3D; v: tf.Tensor3D } | null)[];
  memoryKeys: MemoryKeys[];
  sourceMask: tf.Tensor4D;
}

/** Start incremental decoding from an encoder output (tensors are kept; dispose with `disposeDecoderState`). */
export function startDecoder(model: Transformer, encoded: Encoded): DecoderState {
  const memoryKeysList: MemoryKeys[] = [];
  tf.tidy(() => {
    for (let i = 0; i < model.config.decoderLayers; i++) {
      const keys = memoryKeys(model, i, encoded.memory, encoded.batch, encoded.sourceLength);
      memoryKeysList.push({ kT: tf.keep(keys.kT), v: tf.keep(keys.v) });
    }
  });
  return {
    batch: encoded.batch,
    length: 0,
    selfKeys: memoryKeysList.map(() => null),
    memoryKeys: memoryKeysList,
    sourceMask: tf.keep(encoded.sourceMask.clone()),
  };
}

function stateTensors(state: DecoderState): tf.Tensor[] {
  const out: tf.Tensor[] = [state.sourceMask];
  for (const k of state.selfKeys) if (k) out.push(k.kT, k.v);
  for (const k of state.memoryKeys) out.push(k.kT, k.v);
  return out;
}

export function disposeDecoderState(state: DecoderState): void {
  stateTensors(state).forEach((t) => t.dispose());
}

/**
 * Feed one token per sequence `[b]` (int32) at position `state.length`; returns log-probabilities
 * of the next token `[b, vocab]` and the new state (the old state is disposed).
 */
export function decoderStep(model: Transformer, state: DecoderState, tokens: tf.Tensor1D): { logProbs: tf.Tensor2D; state: DecoderState } {
  const { heads, hidden } = model.config;
  const b = state.batch;
  const opts: ForwardOptions = {};
  let logProbs: tf.Tensor2D | null = null;
  let next: DecoderState | null = null;
  tf.tidy(() => {
    let x = embed(model, "target", tf.reshape(tokens, [b, 1]) as tf.Tensor2D, opts, state.length);
    const selfKeys: DecoderState["selfKeys"] = [];
    for (let i = 0; i < model.config.decoderLayers; i++) {
      const pre = `decoder.${i}`;
      x = sublayer(
        model,
        `${pre}.norm1`,
        x,
        (h) => {
          const qkv = linear(model, `${pre}.selfAttention.qkv`, h);
          const [q, k, v] = tf.split(qkv, 3, 1) as tf.Tensor2D[];
          const prev = state.selfKeys[i];
          const kNew = splitHeadsTransposed(k, b, 1, heads);
          const vNew = splitHeads(v, b, 1, heads);
          const kT = prev ? tf.concat([prev.kT, kNew], 2) : kNew;
          const vAll = prev ? tf.concat([prev.v, vNew], 1) : vNew;
          selfKeys.push({ kT, v: vAll });
          const scaled = tf.mul(q, 1 / Math.sqrt(hidden / heads)) as tf.Tensor2D;
          const ctx = attend(splitHeads(scaled, b, 1, heads), kT, vAll, null, b, model, opts);
          return linear(model, `${pre}.selfAttention.out`, mergeHeads(ctx, b, heads));
        },
        opts,
      );
      x = sublayer(model, `${pre}.norm2`, x, (h) => crossAttention(model, i, h, b, 1, state.memoryKeys[i], state.sourceMask, opts), opts);
      x = sublayer(model, `${pre}.norm3`, x, (h) => feedForward(model, `${pre}.ff`, h, opts), opts);
    }
    if (model.config.norm === "pre") x = norm(model, "decoder.finalNorm", x);
    logProbs = tf.keep(tf.logSoftmax(linear(model, "output", x)) as tf.Tensor2D);
    next = { ...state, length: state.length + 1, selfKeys };
    for (const k of selfKeys) {
      if (k) {
        tf.keep(k.kT);
        tf.keep(k.v);
      }
    }
  });
  // drop the previous step's self keys (memory keys and mask are shared with the new state)
  for (const k of state.selfKeys) {
    if (k) {
      k.kT.dispose();
      k.v.dispose();
    }
  }
  return { logProbs: logProbs as unknown as tf.Tensor2D, state: next as unknown as DecoderState };
}

/**
 * Reorder/replicate the sequences of a decoder state: row i of the new state is row `rows[i]` of
 * the old one (beam search uses it to follow the surviving beams). The old state is disposed.
 */
export function selectDecoderRows(model: Transformer, state: DecoderState, rows: Int32Array, options: { memory?: boolean } = {}): DecoderState {
  const heads = model.config.heads;
  const n = rows.length;
  const withMemory = options.memory ?? true;
  let next: DecoderState | null = null;
  tf.tidy(() => {
    const idx = tf.tensor1d(rows, "int32");
    const pick = <T extends tf.Tensor>(t: T): T => {
      const [bh, ...rest] = t.shape;
      const perRow = tf.reshape(t, [bh / heads, heads * rest.reduce((a, c) => a * c, 1)]);
      return tf.keep(tf.reshape(tf.gather(perRow, idx), [n * heads, ...rest])) as unknown as T;
    };
    next = {
      batch: n,
      length: state.length,
      selfKeys: state.selfKeys.map((k) => (k ? { kT: pick(k.kT), v: pick(k.v) } : null)),
      memoryKeys: withMemory ? state.memoryKeys.map((k) => ({ kT: pick(k.kT), v: pick(k.v) })) : state.memoryKeys,
      sourceMask: withMemory ? (tf.keep(tf.gather(state.sourceMask, idx)) as tf.Tensor4D) : state.sourceMask,
    };
  });
  for (const k of state.selfKeys) {
    if (k) {
      k.kT.dispose();
      k.v.dispose();
    }
  }
  if (withMemory) {
    for (const k of state.memoryKeys) {
      k.kT.dispose();
      k.v.dispose();
    }
    state.sourceMask.dispose();
  }
  return next as unknown as DecoderState;
}

/**
 * Attention probabilities for one example as plain arrays `[layer][head][query][key]`
 * (encoder self, decoder self, cross), with teacher forcing on `targetInput`.
 */
export function attentionWeights(
  model: Transformer,
  source: readonly number[],
  targetInput: readonly number[],
): { encoderSelf: number[][][][]; decoderSelf: number[][][][]; cross: number[][][][] } {
  const maps: AttentionMaps = { encoderSelf: [], decoderSelf: [], cross: [] };
  const plain = (list: tf.Tensor4D[]) => list.map((t) => (t.arraySync() as number[][][][])[0]);
  let out: { encoderSelf: number[][][][]; decoderSelf: number[][][][]; cross: number[][][][] } | null = null;
  tf.tidy(() => {
    transformerForward(model, tf.tensor2d([...source], [1, source.length], "int32"), tf.tensor2d([...targetInput], [1, targetInput.length], "int32"), {
      attention: maps,
    });
    out = { encoderSelf: plain(maps.encoderSelf), decoderSelf: plain(maps.decoderSelf), cross: plain(maps.cross) };
  });
  return out as unknown as { encoderSelf: number[][][][]; decoderSelf: number[][][][]; cross: number[][][][] };
}
