import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Transformer, TransformerConfig, createTransformer, loadTransformerTensors, transformerForward, transformerTensors } from "../../src/models/transformer";
import { deepenTransformerWeights, deepenedLayerPlan } from "../../src/models/transformer-deepen";

const config = (over: Partial<TransformerConfig> = {}) =>
  createTransformer({ sourceVocabSize: 9, targetVocabSize: 7, hidden: 16, encoderLayers: 2, decoderLayers: 1, heads: 4, ffHidden: 24, dropout: 0, maxLength: 16, seed: 5, norm: "pre", ...over });

function logits(model: Transformer): Float32Array {
  return tf.tidy(() => {
    const src = tf.tensor2d([[1, 4, 5, 8, 2], [1, 3, 2, 0, 0]], undefined, "int32");
    const trg = tf.tensor2d([[1, 6, 3, 2], [1, 5, 2, 0]], undefined, "int32");
    return transformerForward(model, src, trg).dataSync() as Float32Array;
  });
}

test.before(async () => {
  await tf.setBackend("cpu");
});

test("deepenedLayerPlan gives every source layer a group whose first member is the exact copy", () => {
  assert.deepEqual(deepenedLayerPlan(3, 6), [
    { source: 0, exact: true }, { source: 0, exact: false },
    { source: 1, exact: true }, { source: 1, exact: false },
    { source: 2, exact: true }, { source: 2, exact: false },
  ]);
  assert.deepEqual(deepenedLayerPlan(2, 5).map((p) => p.source), [0, 0, 0, 1, 1]);
  assert.deepEqual(deepenedLayerPlan(2, 2).map((p) => p.exact), [true, true]);
  assert.throws(() => deepenedLayerPlan(3, 2), /at least the source's 3 layers/);
});

test("a deepened pre-norm transformer computes the source model's logits; added layers start from the trained ones", () => {
  const source = config();
  // make every weight non-trivial (fresh biases and norms are 0/1, which would hide mistakes)
  Object.values(source.params).forEach((v, i) => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, "float32", 100 + i))));
  const to = { ...source.config, encoderLayers: 5, decoderLayers: 3 };
  const deep = createTransformer(to);
  const weights = deepenTransformerWeights(transformerTensors(source), source.config, to);
  loadTransformerTensors(deep, weights);
  const a = logits(source);
  const b = logits(deep);
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-4, `logit ${i}: ${x} vs ${b[i]}`));
  // the fresh deep model differs (so the comparison above is not vacuous)
  const fresh = logits(createTransformer(to));
  assert.ok(fresh.some((x, i) => Math.abs(x - a[i]) > 1e-2));
  // encoder plan for 2 → 5: [0, 0, 0, 1, 1]; layer 1 copies layer 0 with zeroed residual outputs
  const w = (m: Transformer, name: string) => Array.from(m.params[name].dataSync());
  assert.deepEqual(w(deep, "encoder.1.ff.in.weight"), w(source, "encoder.0.ff.in.weight"));
  assert.ok(w(deep, "encoder.1.ff.out.weight").every((x) => x === 0));
  assert.ok(w(deep, "encoder.1.selfAttention.out.bias").every((x) => x === 0));
  assert.deepEqual(w(deep, "encoder.3.ff.out.weight"), w(source, "encoder.1.ff.out.weight"));
  assert.ok(w(deep, "decoder.2.crossAttention.out.weight").every((x) => x === 0));
  assert.deepEqual(w(deep, "decoder.2.crossAttention.kv.weight"), w(source, "decoder.0.crossAttention.kv.weight"));
  // and the deeper model can move away from it: the zeroed projections get gradients
  const grads = tf.variableGrads(() => tf.mean(tf.square(transformerForward(deep, tf.tensor2d([[1, 4, 2]], undefined, "int32"), tf.tensor2d([[1, 3, 2]], undefined, "int32")))) as tf.Scalar);
  assert.ok(Math.max(...Array.from(grads.grads[deep.params["encoder.1.ff.out.weight"].name].abs().dataSync())) > 0);
});

test("deepening refuses what would change the model: other widths, fewer layers, post-norm, missing weights", () => {
  const source = config();
  const weights = transformerTensors(source);
  assert.throws(() => deepenTransformerWeights(weights, source.config, { ...source.config, hidden: 32 }), /hidden must stay 16/);
  assert.throws(() => deepenTransformerWeights(weights, source.config, { ...source.config, encoderLayers: 1 }), /at least the source's 2 layers/);
  const post = config({ norm: "post" });
  assert.throws(() => deepenTransformerWeights(transformerTensors(post), post.config, { ...post.config, encoderLayers: 4 }), /only pre-norm/);
  const partial2 = { ...weights };
  delete partial2["encoder.1.norm2.gain"];
  assert.throws(() => deepenTransformerWeights(partial2, source.config, { ...source.config, encoderLayers: 4 }), /no tensor "encoder.1.norm2.gain"/);
});
