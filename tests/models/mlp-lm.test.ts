import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createMlpLm, crossEntropyFromIndices, disposeMlpLm, mlpLmLogits, mlpLmLoss, mlpLmParamCount, mlpLmVariables } from "../../src/models/mlp-lm";

tf.setBackend("cpu");

test("parameter counts: the lecture's block 3 / d 10 / hidden 200 model has 11,897", () => {
  assert.equal(mlpLmParamCount({ blockSize: 3, embeddingDim: 10, hidden: 200, seed: 0 }), 11897);
  assert.equal(mlpLmParamCount({ blockSize: 3, embeddingDim: 2, hidden: 100, seed: 0 }), 27 * 2 + 6 * 100 + 100 + 100 * 27 + 27);
  const m = createMlpLm({ blockSize: 3, embeddingDim: 10, hidden: 200, seed: 0 });
  assert.equal(
    mlpLmVariables(m).reduce((s, v) => s + v.size, 0),
    11897,
  );
  assert.deepEqual(m.C.shape, [27, 10]);
  assert.deepEqual(m.W1.shape, [30, 200]);
  disposeMlpLm(m);
});

test("the same seed gives the same weights; logits have shape [n, 27]", () => {
  const a = createMlpLm({ blockSize: 2, embeddingDim: 4, hidden: 8, seed: 5 });
  const b = createMlpLm({ blockSize: 2, embeddingDim: 4, hidden: 8, seed: 5 });
  const c = createMlpLm({ blockSize: 2, embeddingDim: 4, hidden: 8, seed: 6 });
  assert.deepEqual(Array.from(a.W1.dataSync()), Array.from(b.W1.dataSync()));
  assert.notDeepEqual(Array.from(a.W1.dataSync()), Array.from(c.W1.dataSync()));
  const X = tf.tensor2d([0, 0, 0, 5, 5, 13], [3, 2], "int32");
  assert.deepEqual(mlpLmLogits(a, X).shape, [3, 27]);
  // the scaled init starts near the uniform loss ln 27
  const loss = mlpLmLoss(a, X, tf.tensor1d([5, 13, 0], "int32")).dataSync()[0];
  assert.ok(Math.abs(loss - Math.log(27)) < 0.2, `initial loss ${loss}`);
  for (const m of [a, b, c]) disposeMlpLm(m);
});

test("crossEntropyFromIndices matches -log softmax at the target", () => {
  const logits = tf.tensor2d([
    [1, 2, 3],
    [0, 0, 0],
  ]);
  const got = crossEntropyFromIndices(logits, tf.tensor1d([2, 0], "int32")).dataSync()[0];
  const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
  const want = (lse - 3 + Math.log(3)) / 2;
  assert.ok(Math.abs(got - want) < 1e-5, `${got} vs ${want}`);
});
