import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { continueSequence, predictionTable, predictNext, NextIntegerPredictor } from "../../src/eval/predict-next";

before(async () => {
  await tf.setBackend("cpu");
});

/** A fake model whose logits at each position favour "term + 1" (log-probabilities built by hand). */
function successorModel(maxValue: number): NextIntegerPredictor {
  return {
    config: { maxValue },
    forward(inputs: tf.Tensor2D) {
      return tf.tidy(() => {
        const next = tf.minimum(tf.add(inputs, tf.scalar(1, "int32")), tf.scalar(maxValue - 1, "int32"));
        return tf.mul(tf.oneHot(next, maxValue).toFloat(), 3) as tf.Tensor3D; // e^3 vs 1 for the rest
      });
    },
  };
}

test("predictNext returns the top-k integers with softmax probabilities of the last position", () => {
  const model = successorModel(10);
  const top = predictNext(model, [1, 2, 3, 4, 5, 6], 3);
  assert.equal(top.length, 3);
  assert.equal(top[0].value, 7);
  const expected = Math.exp(3) / (Math.exp(3) + 9);
  assert.ok(Math.abs(top[0].probability - expected) < 1e-6, `${top[0].probability} vs ${expected}`);
  assert.ok(Math.abs(top[1].probability - 1 / (Math.exp(3) + 9)) < 1e-6);
  assert.deepEqual(continueSequence(model, [2, 3], 3), [2, 3, 4, 5, 6]);
  const rows = predictionTable(model, { small: [1, 2] }, 2);
  assert.equal(rows[0]["#1"], `3 (${(100 * expected).toFixed(1)}%)`);
  assert.throws(() => predictNext(model, [1, 12]), /term 1 \(12\) is outside/);
  assert.throws(() => predictNext(model, []), /empty/);
});
