import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  Transformer,
  TransformerConfig,
  createTransformer,
  loadTransformerTensors,
  transformerForward,
  transformerTensors,
} from "../../src/models/transformer";
import { deepenTransformerWeights, deepenedLayerPlan } from "../../src/models/transformer-deepen";

const config = (over: Partial<TransformerConfig> = {}) =>
  createTransformer({
    sourceVocabSize: 9,
    targetVocabSize: 7,
    hidden: 16,
    encoderLayers: 2,
    decoderLayers: 1,
    heads: 4,
    ffHidden: 24,
    dropout: 0,
    maxLength: 16,
    seed: 5,
    norm: "pre",
    ...over,
  });

function logits(model: Transformer): Float32Array {
  return tf.tidy(() => {
    const src = tf.tensor2d(
      [
        [1, 4, 5, 8, 2],
        [1, 3, 2, 0, 0],
      ],
      undefined,
      "int32",
    );
    const trg = tf.tensor2d(
      [
        [1, 6, 3, 2],
        [1, 5, 2, 0],
      ],
      undefined,
      "int32",
    );
    return transformerForward(model, src, trg).dataSync() as Float32Array;
  });
}

test.before(async () => {
  await tf.setBackend("cpu");
});

test("deepenedLayerPlan gives every source layer a group whose first member is the exact copy", () => {
  assert.deepEqual(deepenedLayerPlan(3, 6), [
    { source: 0, exact: true },
    { source: 0, exact: false },
    { source: 1, exact: true },
    { source: 1, exact: false },
    { source: 2, exact: true },
    { source: 2, exact: false },
  ]);
  assert.deepEqual(
    deepenedLayerPlan(2, 5).map((p) => p.source),
    [0, 0, 0, 1, 1],
  );
  assert.deepEqual(
    deepenedLayerPlan(2, 2).map((p) => p.exact),
    [true, true],
  );
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
  const grads = tf.variableGrads(
    () => tf.mean(tf.square(transformerForward(deep, tf.tensor2d([[1, 4, 2]], undefined, "int32"), tf.tensor2d([[1, 3, 2]], undefined, "int32")))) as tf.Scalar,
  );
  assert.ok(Math.max(...Array.from(grads.grads[deep.params["encoder.1.ff.out.weight"].name].abs().dataSync())) > 0);
});

test("widening the feed-forward layers (and deepening at once) keeps the logits; added units start fresh with zero outputs and get gradients", () => {
  const source = config();
  Object.values(source.params).forEach((v, i) => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, "float32", 200 + i))));
  const to = { ...source.config, encoderLayers: 3, ffHidden: 40, seed: 9 };
  const wide = createTransformer(to);
  const weights = deepenTransformerWeights(transformerTensors(source), source.config, to);
  loadTransformerTensors(wide, weights);
  const a = logits(source);
  const b = logits(wide);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-4, `logit ${i}: ${x} vs ${b[i]}`));
  const rows = (t: tf.Tensor) => {
    const v = Array.from(t.dataSync());
    const cols = t.shape[1]!;
    return Array.from({ length: t.shape[0]! }, (_, r) => v.slice(r * cols, (r + 1) * cols));
  };
  // ff.in [16, 24] → [16, 40]: the first 24 columns are the trained ones, the other 16 nonzero
  const win = rows(wide.params["decoder.0.ff.in.weight"]);
  const sin = rows(source.params["decoder.0.ff.in.weight"]);
  win.forEach((r, i) => assert.deepEqual(r.slice(0, 24), sin[i]));
  assert.ok(win.every((r) => r.slice(24).every((x) => x !== 0)));
  const bound = Math.sqrt(6 / (16 + 40)); // the wider model's own Xavier bound
  assert.ok(win.every((r) => r.slice(24).every((x) => Math.abs(x) <= bound)));
  assert.ok(
    Array.from(wide.params["decoder.0.ff.in.bias"].dataSync())
      .slice(24)
      .every((x) => x === 0),
  );
  const wout = rows(wide.params["encoder.2.ff.out.weight"]);
  assert.deepEqual(wout.slice(0, 24), rows(source.params["encoder.1.ff.out.weight"]));
  assert.ok(wout.slice(24).every((r) => r.every((x) => x === 0)));
  // layers get different added units, and the seed decides them
  assert.notDeepEqual(rows(wide.params["encoder.0.ff.in.weight"])[0].slice(24), win[0].slice(24));
  const again = deepenTransformerWeights(transformerTensors(source), source.config, to)["decoder.0.ff.in.weight"].dataSync();
  const other = deepenTransformerWeights(transformerTensors(source), source.config, { ...to, seed: 10 })["decoder.0.ff.in.weight"].dataSync();
  assert.deepEqual(Array.from(again), Array.from(wide.params["decoder.0.ff.in.weight"].dataSync()));
  assert.notDeepEqual(Array.from(other), Array.from(again));
  const grads = tf.variableGrads(
    () => tf.mean(tf.square(transformerForward(wide, tf.tensor2d([[1, 4, 2]], undefined, "int32"), tf.tensor2d([[1, 3, 2]], undefined, "int32")))) as tf.Scalar,
  );
  const g = rows(grads.grads[wide.params["decoder.0.ff.out.weight"].name]);
  assert.ok(
    g.slice(24).some((r) => r.some((x) => x !== 0)),
    "the added units' output rows get gradients",
  );
});

test("deepening refuses what would change the model: other widths, fewer layers, post-norm, missing weights", () => {
  const source = config();
  const weights = transformerTensors(source);
  assert.throws(() => deepenTransformerWeights(weights, source.config, { ...source.config, hidden: 32 }), /hidden must stay 16/);
  assert.throws(() => deepenTransformerWeights(weights, source.config, { ...source.config, encoderLayers: 1 }), /at least the source's 2 layers/);
  assert.throws(
    () => deepenTransformerWeights(weights, source.config, { ...source.config, ffHidden: 20 }),
    /ffHidden may grow but not shrink \(source 24, got 20\)/,
  );
  const post = config({ norm: "post" });
  assert.throws(() => deepenTransformerWeights(transformerTensors(post), post.config, { ...post.config, encoderLayers: 4 }), /only pre-norm/);
  const partial2 = { ...weights };
  delete partial2["encoder.1.norm2.gain"];
  assert.throws(() => deepenTransformerWeights(partial2, source.config, { ...source.config, encoderLayers: 4 }), /no tensor "encoder.1.norm2.gain"/);
});
