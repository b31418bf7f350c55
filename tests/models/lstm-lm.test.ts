import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  assignLstmLm,
  createLstmLm,
  LstmLm,
  LstmLmConfig,
  lstmLmLoss,
  lstmLmNamedTensors,
  lstmLmParams,
  lstmLayer,
  lstmLayerAutodiff,
} from "../../src/models/lstm-lm";
import { denseCrossEntropy, linear, sparseCrossEntropy } from "../../src/models/nn-ops";
import { maxAbsDiff } from "../../src/backend/parity";

before(async () => {
  await tf.setBackend("cpu");
});

const CONFIG: LstmLmConfig = { maxValue: 7, embeddingDim: 3, hiddenSize: 4, numLayers: 2, denseSize: 5, seed: 11 };
const PAD = CONFIG.maxValue;
const ROWS = [
  [1, 2, 3, 4, PAD],
  [6, 5, 0, 1, 2],
  [3, PAD, PAD, PAD, PAD],
];

type Mat = number[][];
const matmul = (a: Mat, b: Mat): Mat => a.map((row) => b[0].map((_, j) => row.reduce((s, x, k) => s + x * b[k][j], 0)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** A plain-JS LSTM LM, batch-major, one gate at a time: an independent reference for the logits. */
function referenceLogits(model: LstmLm, inputs: number[][]): number[][][] {
  const H = CONFIG.hiddenSize;
  const emb = model.embeddingMatrix().arraySync() as Mat;
  const layers = model.layers.map((l) => ({
    k: l.kernel.arraySync() as Mat,
    r: l.recurrent.arraySync() as Mat,
    b: l.bias.arraySync() as number[],
  }));
  const dk = model.denseKernel.arraySync() as Mat;
  const db = model.denseBias.arraySync() as number[];
  const ok = model.outputKernel.arraySync() as Mat;
  const ob = model.outputBias.arraySync() as number[];
  return inputs.map((row) => {
    let xs: Mat = row.map((id) => emb[id]);
    for (const { k, r, b } of layers) {
      let h = new Array(H).fill(0);
      let c = new Array(H).fill(0);
      const out: Mat = [];
      for (const x of xs) {
        const z = matmul([x], k)[0].map((v, j) => v + matmul([h], r)[0][j] + b[j]);
        const gate = (g: number, j: number) => z[g * H + j];
        c = c.map((cj, j) => sigmoid(gate(1, j)) * cj + sigmoid(gate(0, j)) * Math.tanh(gate(2, j)));
        h = c.map((cj, j) => sigmoid(gate(3, j)) * Math.tanh(cj));
        out.push(h);
      }
      xs = out;
    }
    return xs.map((h) => {
      const d = matmul([h], dk)[0].map((v, j) => Math.max(0, v + db[j]));
      return matmul([d], ok)[0].map((v, j) => v + ob[j]);
    });
  });
}

test("forward matches a plain-JS per-gate LSTM (fused gates and time-major layout change nothing)", () => {
  const model = createLstmLm(CONFIG);
  const got = tf.tidy(() => model.forward(tf.tensor2d(ROWS, undefined, "int32")).arraySync());
  const want = referenceLogits(model, ROWS);
  assert.ok(maxAbsDiff(got.flat(2), want.flat(2)) < 1e-5);
  model.dispose();
});

test("sparseCrossEntropy equals dense one-hot cross-entropy, value and gradient, with ignored targets", () => {
  tf.tidy(() => {
    const logits = tf.randomNormal([6, 5], 0, 3, "float32", 2) as tf.Tensor2D;
    const targets = tf.tensor1d([0, 4, 5, 2, 5, 1], "int32"); // 5 = ignored
    const sparse = tf.valueAndGrad((x: tf.Tensor) => sparseCrossEntropy(x as tf.Tensor2D, targets, 5))(logits);
    const dense = tf.valueAndGrad((x: tf.Tensor) => denseCrossEntropy(x as tf.Tensor2D, targets, 5))(logits);
    assert.ok(Math.abs(sparse.value.dataSync()[0] - dense.value.dataSync()[0]) < 1e-6);
    assert.ok(maxAbsDiff(sparse.grad.dataSync(), dense.grad.dataSync()) < 1e-6);
    // Ignored rows get no gradient.
    const g = sparse.grad.arraySync() as number[][];
    assert.deepEqual(g[2].map(Math.abs), [0, 0, 0, 0, 0]);
    // Manual value: mean over the 4 kept rows of logsumexp - picked.
    const l = logits.arraySync() as number[][];
    const kept = [0, 1, 3, 5];
    const t = [0, 4, 5, 2, 5, 1];
    const manual = kept.reduce((s, r) => s + Math.log(l[r].reduce((a, x) => a + Math.exp(x), 0)) - l[r][t[r]], 0) / kept.length;
    assert.ok(Math.abs(sparse.value.dataSync()[0] - manual) < 1e-5);
  });
});

test("sparseCrossEntropy is 0 (not NaN) when every target is ignored, and checks sizes", () => {
  tf.tidy(() => {
    const v = sparseCrossEntropy(tf.ones([2, 3]) as tf.Tensor2D, tf.tensor1d([3, 3], "int32"), 3);
    assert.equal(v.dataSync()[0], 0);
    assert.throws(() => sparseCrossEntropy(tf.ones([2, 3]) as tf.Tensor2D, tf.tensor1d([0], "int32")), /2 logit rows but 1 targets/);
  });
});

test("lstmLmLoss predicts rows[:, 1:] from rows[:, :-1] and ignores pad targets", () => {
  const model = createLstmLm(CONFIG);
  const loss = tf.tidy(() => lstmLmLoss(model, tf.tensor2d(ROWS, undefined, "int32")).dataSync()[0]);
  const logits = referenceLogits(
    model,
    ROWS.map((r) => r.slice(0, -1)),
  );
  let sum = 0;
  let count = 0;
  ROWS.forEach((row, b) =>
    row.slice(1).forEach((target, t) => {
      if (target === PAD) return;
      const z = logits[b][t];
      sum += Math.log(z.reduce((a, x) => a + Math.exp(x), 0)) - z[target];
      count++;
    }),
  );
  assert.equal(count, 7);
  assert.ok(Math.abs(loss - sum / count) < 1e-5);
  assert.throws(() => lstmLmLoss(model, tf.tensor2d([[1], [2]], undefined, "int32")), /at least 2 steps/);
  model.dispose();
});

test("the pad row is zero, untrained, and stays zero after optimizer steps", () => {
  const model = createLstmLm(CONFIG);
  assert.equal(model.embedding.shape[0], CONFIG.maxValue); // no pad row among the trained weights
  const rows = tf.tensor2d(ROWS, undefined, "int32");
  const opt = tf.train.adam(0.05);
  const first = tf.tidy(() => lstmLmLoss(model, rows).dataSync()[0]);
  for (let i = 0; i < 5; i++) opt.minimize(() => lstmLmLoss(model, rows), false, model.trainableVariables());
  const last = tf.tidy(() => lstmLmLoss(model, rows).dataSync()[0]);
  assert.ok(last < first, `loss did not decrease: ${first} -> ${last}`);
  const full = tf.tidy(() => model.embeddingMatrix().arraySync());
  assert.equal(full.length, CONFIG.maxValue + 1);
  assert.deepEqual(full[PAD], [0, 0, 0]);
  opt.dispose();
  rows.dispose();
  model.dispose();
});

test("training with the hand-written LSTM backward tracks autodiff (Adam steps, 2 layers, pads)", () => {
  // The gradient itself is compared kernel by kernel in tests/backend/lstm-grad.test.ts (cpu and wasm).
  const a = createLstmLm(CONFIG);
  const b = createLstmLm(CONFIG);
  const rows = tf.tensor2d(ROWS, undefined, "int32");
  const optA = tf.train.adam(0.05);
  const optB = tf.train.adam(0.05);
  for (let i = 0; i < 4; i++) {
    optA.minimize(() => lstmLmLoss(a, rows, lstmLayer), false, a.trainableVariables());
    optB.minimize(() => lstmLmLoss(b, rows, lstmLayerAutodiff), false, b.trainableVariables());
  }
  const va = a.trainableVariables();
  const vb = b.trainableVariables();
  va.forEach((v, i) => assert.ok(maxAbsDiff(v.dataSync(), vb[i].dataSync()) < 1e-5, `${v.name} diverged`));
  // The weights moved (the comparison is not vacuous).
  const fresh = createLstmLm(CONFIG);
  assert.ok(maxAbsDiff(a.layers[0].recurrent.dataSync(), fresh.layers[0].recurrent.dataSync()) > 1e-3);
  tf.dispose([rows]);
  [optA, optB].forEach((o) => o.dispose());
  [a, b, fresh].forEach((m) => m.dispose());
});

test("named tensors round-trip into a fresh model (checkpoints)", () => {
  const a = createLstmLm(CONFIG);
  const b = createLstmLm({ ...CONFIG, seed: 99 });
  const inputs = tf.tensor2d(ROWS, undefined, "int32");
  const before = tf.tidy(() => maxAbsDiff(a.forward(inputs).dataSync(), b.forward(inputs).dataSync()));
  assert.ok(before > 1e-3);
  const named = lstmLmNamedTensors(a);
  assert.deepEqual(named.embedding.shape, [CONFIG.maxValue + 1, CONFIG.embeddingDim]);
  assert.deepEqual(Object.keys(named).sort(), [
    "dense/bias",
    "dense/kernel",
    "embedding",
    "lstm0/bias",
    "lstm0/kernel",
    "lstm0/recurrent",
    "lstm1/bias",
    "lstm1/kernel",
    "lstm1/recurrent",
    "output/bias",
    "output/kernel",
  ]);
  assignLstmLm(b, named);
  const after = tf.tidy(() => maxAbsDiff(a.forward(inputs).dataSync(), b.forward(inputs).dataSync()));
  assert.equal(after, 0);
  const { ["lstm1/bias"]: _missing, ...partial } = named;
  assert.throws(() => assignLstmLm(b, partial), /"lstm1\/bias" is missing/);
  assert.throws(() => assignLstmLm(b, { ...named, "dense/kernel": tf.zeros([2, 2]) }), /"dense\/kernel" has shape \[2,2\]/);
  a.dispose();
  b.dispose();
});

test("lstmLmParams counts the trainable weights; bad configs name the field", () => {
  const model = createLstmLm(CONFIG);
  const counted = model.trainableVariables().reduce((s, v) => s + v.size, 0);
  assert.equal(lstmLmParams(CONFIG), counted);
  // Seed-sized model (vocab 2001, emb 128, LSTM 256, dense 128), computed by hand.
  assert.equal(
    lstmLmParams({ maxValue: 2001, embeddingDim: 128, hiddenSize: 256, numLayers: 1, denseSize: 128, seed: 0 }),
    2001 * 128 + 128 * 1024 + 256 * 1024 + 1024 + 256 * 128 + 128 + 128 * 2001 + 2001,
  );
  assert.throws(() => createLstmLm({ ...CONFIG, hiddenSize: 0 }), /hiddenSize must be a positive integer/);
  model.dispose();
});

test("linear folds leading dims into one 2-D matmul with bias and activation", () => {
  tf.tidy(() => {
    const x = tf.randomNormal([2, 3, 4], 0, 1, "float32", 5);
    const w = tf.randomNormal([4, 6], 0, 1, "float32", 6) as tf.Tensor2D;
    const b = tf.randomNormal([6], 0, 1, "float32", 7) as tf.Tensor1D;
    const y = linear(x, w, b, "relu");
    assert.deepEqual(y.shape, [2, 3, 6]);
    const ref = tf.relu(tf.add(tf.matMul(x.reshape([6, 4]), w), b)).reshape([2, 3, 6]);
    assert.ok(maxAbsDiff(y.dataSync(), ref.dataSync()) < 1e-5);
    assert.throws(() => linear(x, tf.zeros([5, 6]) as tf.Tensor2D), /4 features but the weight expects 5/);
  });
});
