import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import {
  Transformer,
  TransformerConfig,
  transformerLoss,
  causalMask,
  createTransformer,
  decoderStep,
  disposeDecoderState,
  encodeSource,
  transformerForward,
  loadTransformerTensors,
  paddingMask,
  labelSmoothedCrossEntropy,
  startDecoder,
  transformerTensors,
  attentionWeights,
  DEFAULT_TRANSFORMER_CONFIG,
} from "../../src/models/transformer";
import { ARITHMETIC_DEFAULTS } from "../../src/train/arithmetic";
import { POLYNOMIAL_DEFAULTS } from "../../src/train/polynomial";
import { loadCheckpoint, saveCheckpoint } from "../../src/train/run-dir";
import { Rng } from "../../src/random";

const tiny = (over: Partial<TransformerConfig> = {}): Transformer =>
  createTransformer({
    sourceVocabSize: 9,
    targetVocabSize: 7,
    hidden: 16,
    encoderLayers: 2,
    decoderLayers: 2,
    heads: 4,
    ffHidden: 24,
    dropout: 0,
    maxLength: 16,
    seed: 3,
    ...over,
  });

function logits(model: Transformer, src: number[][], trg: number[][]): number[][] {
  return tf.tidy(() => transformerForward(model, tf.tensor2d(src, undefined, "int32"), tf.tensor2d(trg, undefined, "int32")).arraySync() as number[][]);
}

const close = (a: number[], b: number[], tol = 1e-4) => a.every((x, i) => Math.abs(x - b[i]) <= tol);

test.before(async () => {
  await tf.setBackend("cpu");
});

test("padding mask is -1e9 exactly at pad positions; causal mask hides the future", () => {
  const pm = paddingMask(tf.tensor2d([[1, 5, 0, 0]], undefined, "int32"), 0);
  assert.deepEqual(pm.shape, [1, 1, 1, 4]);
  assert.deepEqual(
    Array.from(pm.dataSync()),
    [-0, -0, -1e9, -1e9].map((v) => (v === 0 ? pm.dataSync()[0] : v)),
  );
  const cm = causalMask(3).arraySync()[0][0];
  assert.deepEqual(
    cm.map((row) => row.map((v) => v < 0)),
    [
      [false, true, true],
      [false, false, true],
      [false, false, false],
    ],
  );
});

for (const norm of ["post", "pre"] as const) {
  test(`${norm}-norm: later target tokens do not change earlier logits; source padding changes nothing`, () => {
    const model = tiny({ norm });
    const a = logits(model, [[1, 4, 5, 2]], [[1, 3, 4, 5]]);
    const b = logits(model, [[1, 4, 5, 2]], [[1, 3, 6, 6]]);
    assert.ok(close(a[0], b[0]) && close(a[1], b[1]), "positions 0 and 1 must not see positions 2+");
    assert.ok(!close(a[2], b[2], 1e-6), "position 2 sees its own input token");
    const padded = logits(model, [[1, 4, 5, 2, 0, 0]], [[1, 3, 4, 5]]);
    for (let i = 0; i < 4; i++) assert.ok(close(a[i], padded[i]), `row ${i} changed when the source was padded`);
  });

  test(`${norm}-norm: incremental decoding equals the full forward pass`, () => {
    const model = tiny({ norm, positional: norm === "pre" ? "learned" : "sinusoidal" });
    const src = [
      [1, 4, 5, 7, 2],
      [1, 8, 2, 0, 0],
    ];
    const trg = [
      [1, 3, 4, 5, 6],
      [1, 6, 6, 3, 4],
    ];
    const full = tf.tidy(
      () => tf.logSoftmax(transformerForward(model, tf.tensor2d(src, undefined, "int32"), tf.tensor2d(trg, undefined, "int32"))).arraySync() as number[][],
    );
    let state = tf.tidy(() => startDecoder(model, encodeSource(model, tf.tensor2d(src, undefined, "int32"))));
    for (let t = 0; t < 5; t++) {
      const out = decoderStep(model, state, tf.tensor1d([trg[0][t], trg[1][t]], "int32"));
      state = out.state;
      const step = out.logProbs.arraySync() as number[][];
      out.logProbs.dispose();
      assert.ok(close(step[0], full[t]), `row 0 step ${t}`);
      assert.ok(close(step[1], full[5 + t]), `row 1 step ${t}`);
    }
    disposeDecoderState(state);
  });
}

test("every weight receives a gradient", () => {
  const model = tiny({ norm: "pre", positional: "learned", dropout: 0.1 });
  const batch = {
    size: 2,
    sourceLength: 4,
    targetLength: 4,
    source: Int32Array.from([1, 4, 5, 2, 1, 6, 2, 0]),
    target: Int32Array.from([1, 3, 4, 2, 1, 5, 2, 0]),
  };
  const rng = new Rng(1);
  const { value, grads } = tf.variableGrads(() => transformerLoss(model, batch, { training: true, rng }), Object.values(model.params));
  assert.ok(Number.isFinite(value.dataSync()[0]));
  for (const [name, g] of Object.entries(grads)) {
    const norm = tf.norm(g).dataSync()[0];
    assert.ok(norm > 0, `no gradient reached ${name}`);
  }
});

test("label-smoothed cross-entropy (smoothing 0 → plain NLL) ignores padding and matches a hand computation", () => {
  const logitsT = tf.tensor2d([
    [2, 0, 1],
    [0, 3, 0],
    [5, 5, 5],
  ]);
  const sparseCrossEntropy = (l: tf.Tensor2D, t: tf.Tensor1D, pad: number) => labelSmoothedCrossEntropy(l, t, pad, 0);
  const loss = sparseCrossEntropy(logitsT, tf.tensor1d([0, 1, 0], "int32"), 0).dataSync()[0];
  // pad id 0: rows with target 0 are ignored → only row 1 counts
  const row1 = -(3 - Math.log(Math.exp(0) + Math.exp(3) + Math.exp(0)));
  assert.ok(Math.abs(loss - row1) < 1e-5, `${loss} vs ${row1}`);
  const loss2 = sparseCrossEntropy(logitsT, tf.tensor1d([0, 1, 2], "int32"), -1).dataSync()[0];
  const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
  const expected = (lse([2, 0, 1]) - 2 + (lse([0, 3, 0]) - 3) + (lse([5, 5, 5]) - 5)) / 3;
  assert.ok(Math.abs(loss2 - expected) < 1e-5);
});

test("attention gain scales the initial attention weights", () => {
  const std = (m: Transformer) => tf.tidy(() => tf.moments(m.params["encoder.0.selfAttention.qkv.weight"]).variance.sqrt().dataSync()[0]);
  const ratio = std(tiny({ attentionGain: 0.5, hidden: 64, heads: 4 })) / std(tiny({ attentionGain: 1, hidden: 64, heads: 4 }));
  assert.ok(Math.abs(ratio - 0.5) < 0.05, `ratio ${ratio}`);
  const ffRatio =
    tiny({ attentionGain: 0.5 }).params["encoder.0.ff.in.weight"].dataSync()[0] / tiny({ attentionGain: 1 }).params["encoder.0.ff.in.weight"].dataSync()[0];
  assert.ok(Number.isFinite(ffRatio));
});

test("weights survive a checkpoint round trip (float32 exactly, float16 closely)", () => {
  const model = tiny();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-tr-"));
  saveCheckpoint(dir, { tensors: transformerTensors(model), state: { step: 1 } });
  const other = tiny({ seed: 99 });
  const before = logits(other, [[1, 4, 2]], [[1, 3]]);
  loadTransformerTensors(other, loadCheckpoint(dir)!.tensors);
  assert.deepEqual(logits(other, [[1, 4, 2]], [[1, 3]]), logits(model, [[1, 4, 2]], [[1, 3]]));
  assert.notDeepEqual(before, logits(model, [[1, 4, 2]], [[1, 3]]));
  const wrong = tiny({ hidden: 8, heads: 2 });
  assert.throws(() => loadTransformerTensors(wrong, loadCheckpoint(dir)!.tensors), /shape/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("attention weights: one map per layer, rows sum to 1, causal rows ignore the future", () => {
  const model = tiny();
  const maps = attentionWeights(model, [1, 4, 5, 2], [1, 3, 4]);
  assert.equal(maps.encoderSelf.length, 2);
  assert.equal(maps.decoderSelf.length, 2);
  assert.equal(maps.cross.length, 2);
  assert.equal(maps.encoderSelf[0].length, 4); // heads
  for (const row of maps.cross[1][0]) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  assert.equal(maps.cross[0][0][0].length, 4);
  assert.ok(maps.decoderSelf[0][2][0][1] < 1e-6 && maps.decoderSelf[0][2][0][2] < 1e-6);
});

test("config errors name the field", () => {
  assert.throws(() => tiny({ hidden: 10, heads: 4 }), /divisible/);
  assert.throws(() => tiny({ dropout: 1 }), /dropout/);
});

test("DEFAULT_TRANSFORMER_CONFIG has the trainers' architecture and the polynomial trainer's (the seed's) size", () => {
  const { maxLength: _a, ...generic } = DEFAULT_TRANSFORMER_CONFIG;
  const { maxLength: _b, ...poly } = POLYNOMIAL_DEFAULTS.model;
  assert.deepEqual(generic, poly);
  for (const key of ["positional", "norm", "attentionGain", "dropout", "seed"] as const) {
    assert.equal(DEFAULT_TRANSFORMER_CONFIG[key], ARITHMETIC_DEFAULTS.model[key], key);
  }
  // a model built from vocabulary sizes alone is that model
  const model = createTransformer({ sourceVocabSize: 5, targetVocabSize: 5, hidden: 8, heads: 2, ffHidden: 8, encoderLayers: 1, decoderLayers: 1 });
  assert.deepEqual([model.config.norm, model.config.attentionGain], ["pre", 0.5]);
  Object.values(model.params).forEach((v) => v.dispose());
});
