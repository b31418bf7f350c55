import { test } from "node:test";
import assert from "node:assert/strict";
import { embeddingScatterFigure, lrFinderFigure, makemoreLossCurveFigure } from "../../src/viz/makemore";
import { accuracyByIndexFigure, tokenMatrixFigure } from "../../src/viz/rnn-primer";

test("embedding scatter: one labelled point per character", () => {
  const table = Array.from({ length: 27 }, (_, i) => [i, -i, 2 * i]);
  const fig = embeddingScatterFigure(table, [0, 2]);
  const trace = fig.data[0] as { x: number[]; y: number[]; text: string[] };
  assert.equal(trace.text.length, 27);
  assert.equal(trace.text[0], ".");
  assert.equal(trace.text[26], "z");
  assert.deepEqual(trace.y.slice(0, 3), [0, 2, 4]);
  assert.throws(() => embeddingScatterFigure([[1, 2]], [0, 3]), /cannot plot dimensions 0 and 3/);
});

test("loss curve, LR finder and primer figures carry their data", () => {
  const curve = makemoreLossCurveFigure([
    { step: 10, loss: 3, lr: 0.1 },
    { step: 20, loss: 2.5, lr: 0.1 },
  ]);
  assert.deepEqual((curve.data[0] as { y: number[] }).y, [3, 2.5]);
  const lr = lrFinderFigure({ exponents: [-3, 0], learningRates: [0.001, 1], losses: [3.2, 2.9] });
  assert.deepEqual((lr.data[0] as { x: number[] }).x, [-3, 0]);
  assert.throws(() => tokenMatrixFigure([[1]], ["a", "b"]), /1 rows but 2 labels/);
  const acc = accuracyByIndexFigure([
    { targetIndex: 0, testAccuracy: 0.5 },
    { targetIndex: 9, testAccuracy: 1 },
  ]);
  assert.deepEqual((acc.data[0] as { y: number[] }).y, [0.5, 1]);
});
