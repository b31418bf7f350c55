/**
 * Growing a trained pre-norm transformer into a deeper one that computes the same function, so
 * training can go on with more layers instead of starting over ("warm start").
 *
 * Each source layer i becomes a group of consecutive layers in the deeper model: the first is an
 * exact copy; the others are copies whose residual output projections (attention `out`, cross-
 * attention `out`, feed-forward `out`: weight and bias) are zero. In a pre-norm layer
 * `x + f(norm(x))` with a zero output projection is the identity, so the deeper model's outputs
 * equal the source model's until training moves those projections; their inner weights start from
 * the trained layer's, not from noise. Embeddings, final norms and the output layer are copied.
 *
 * The feed-forward layers may also grow wider (`ffHidden`): the trained units are kept, each added
 * unit gets input weights drawn as a fresh model of the wider shape would draw them (Xavier
 * uniform, bias 0) and zero output weights, so it adds nothing to the residual stream until
 * training moves its output row (which gets gradients at once, since its activation is not zero).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../random";
import { TransformerConfig, xavierUniform } from "./transformer";

/** Fields that must agree between the source model and the deeper one. */
const SAME_SHAPE: (keyof TransformerConfig)[] = ["sourceVocabSize", "targetVocabSize", "hidden", "heads", "positional", "norm", "maxLength", "padId"];

/** Weight-name suffixes of the residual output projections that are zeroed in the added layers. */
const RESIDUAL_OUTPUTS = ["selfAttention.out.", "crossAttention.out.", "ff.out."];

/**
 * Which source layer each of `to` layers copies, and whether it is the group's exact copy: layer j
 * takes source layer floor(j * from / to), so every source layer gets a group of consecutive layers.
 */
export function deepenedLayerPlan(from: number, to: number): { source: number; exact: boolean }[] {
  if (!(Number.isInteger(from) && from >= 1)) throw new Error(`deepen: source layer count must be an integer ≥ 1, got ${from}`);
  if (!(Number.isInteger(to) && to >= from)) throw new Error(`deepen: the deeper model needs at least the source's ${from} layers, got ${to}`);
  const plan: { source: number; exact: boolean }[] = [];
  for (let j = 0; j < to; j++) {
    const source = Math.floor((j * from) / to);
    plan.push({ source, exact: j === 0 || plan[j - 1].source !== source });
  }
  return plan;
}

/**
 * The weights of the deeper (and/or feed-forward-wider) model `to` made from a trained model's
 * weights (`from`, named as in `transformerParams`). The added feed-forward units' input weights are
 * seeded by `to.seed`. Throws when the two configs differ in anything but the layer counts and
 * `ffHidden`, when `to` has fewer layers or a narrower feed-forward layer, when the model is
 * post-norm (a zero branch is not the identity there), or when a weight is missing or has the
 * wrong shape. The returned tensors are new; the caller owns them.
 */
export function deepenTransformerWeights(weights: Record<string, tf.Tensor>, from: TransformerConfig, to: TransformerConfig): Record<string, tf.Tensor> {
  for (const key of SAME_SHAPE) {
    if (from[key] !== to[key]) throw new Error(`deepen: ${key} must stay ${from[key]} (the source model's), got ${to[key]}`);
  }
  if (!(to.ffHidden >= from.ffHidden)) throw new Error(`deepen: ffHidden may grow but not shrink (source ${from.ffHidden}, got ${to.ffHidden})`);
  if (from.norm !== "pre") throw new Error(`deepen: only pre-norm models can be deepened without changing their outputs (source is ${from.norm}-norm)`);
  const take = (name: string): tf.Tensor => {
    const t = weights[name];
    if (!t) throw new Error(`deepen: the source weights have no tensor "${name}"`);
    return t;
  };
  const out: Record<string, tf.Tensor> = {};
  for (const name of Object.keys(weights)) {
    if (name.startsWith("encoder.") || name.startsWith("decoder.")) {
      if (!name.includes("finalNorm")) continue;
    } else if (!/^(source|target)(Embedding|Position)$|^output\./.test(name)) {
      continue; // e.g. optimizer slots stored beside the weights
    }
    out[name] = tf.clone(weights[name]);
  }
  for (const side of ["encoder", "decoder"] as const) {
    const fromLayers = side === "encoder" ? from.encoderLayers : from.decoderLayers;
    const toLayers = side === "encoder" ? to.encoderLayers : to.decoderLayers;
    const prefixes = Object.keys(weights)
      .filter((n) => n.startsWith(`${side}.0.`))
      .map((n) => n.slice(`${side}.0.`.length));
    if (prefixes.length === 0) throw new Error(`deepen: the source weights have no ${side} layer 0`);
    deepenedLayerPlan(fromLayers, toLayers).forEach(({ source, exact }, j) => {
      for (const rest of prefixes) {
        const t = take(`${side}.${source}.${rest}`);
        const zero = !exact && RESIDUAL_OUTPUTS.some((r) => rest.startsWith(r));
        out[`${side}.${j}.${rest}`] = zero ? tf.zerosLike(t) : tf.clone(t);
      }
    });
  }
  if (to.ffHidden > from.ffHidden) widenFeedForward(out, from, to);
  return out;
}

/** Widen every layer's feed-forward block in `weights` (already `to`'s layer counts) from `from.ffHidden` to `to.ffHidden` units, in place. */
function widenFeedForward(weights: Record<string, tf.Tensor>, from: TransformerConfig, to: TransformerConfig): void {
  const d = to.hidden;
  const f0 = from.ffHidden;
  const f1 = to.ffHidden;
  const rng = new Rng(to.seed);
  const replace = (name: string, make: (t: tf.Tensor) => tf.Tensor, shape: number[]) => {
    const t = weights[name];
    if (!t) throw new Error(`deepen: the source weights have no tensor "${name}"`);
    if (t.shape.join() !== shape.join()) throw new Error(`deepen: "${name}" has shape [${t.shape}], expected [${shape}]`);
    weights[name] = tf.tidy(() => make(t));
    t.dispose();
  };
  for (const [side, layers] of [
    ["encoder", to.encoderLayers],
    ["decoder", to.decoderLayers],
  ] as const) {
    for (let i = 0; i < layers; i++) {
      const pre = `${side}.${i}.ff`;
      // the added columns of a fresh [d, f1] Xavier draw, so their scale is the wider model's
      const fresh = tf.tensor2d(xavierUniform(rng, d, f1, 1), [d, f1]);
      replace(`${pre}.in.weight`, (w) => tf.concat([w, fresh.slice([0, f0], [d, f1 - f0])], 1), [d, f0]);
      fresh.dispose();
      replace(`${pre}.in.bias`, (b) => tf.concat([b, tf.zeros([f1 - f0])]), [f0]);
      replace(`${pre}.out.weight`, (w) => tf.concat([w, tf.zeros([f1 - f0, d])], 0), [f0, d]);
    }
  }
}
