import { test } from "node:test";
import assert from "node:assert/strict";
import {
  additionGridFigure,
  attentionFigure,
  baseComparisonFigure,
  clipDiagonal,
  cosineSimilarityMatrix,
  embeddingSimilarityFigure,
  NO_CORRECT_BEAM_COLOR,
} from "../../src/viz/arithmetic";

test("generalization grid: one trace per first-correct beam, red for none", () => {
  const fig = additionGridFigure(
    [
      { a: 1, b: 2, firstCorrectBeam: 0 },
      { a: 300, b: 5, firstCorrectBeam: -1 },
      { a: 7, b: 260, firstCorrectBeam: 2 },
      { a: 8, b: 9, firstCorrectBeam: 0 },
    ],
    { beams: 5, trainMax: 256 },
  );
  const names = fig.data.map((t) => t.name);
  assert.deepEqual(names, ["no correct beam in top 5", "beam 1", "beam 3"]);
  assert.equal((fig.data[0].marker as { color: string }).color, NO_CORRECT_BEAM_COLOR);
  assert.deepEqual(fig.data[1].x, [1, 8]);
  assert.equal((fig.layout!.shapes as unknown[]).length, 2);
});

test("cosine similarity heatmap clips the diagonal to the largest off-diagonal value", () => {
  const v = [
    [1, 0],
    [1, 1],
    [0, 1],
  ];
  const m = cosineSimilarityMatrix(v);
  assert.ok(Math.abs(m[0][1] - Math.SQRT1_2) < 1e-12 && Math.abs(m[0][2]) < 1e-12 && Math.abs(m[1][1] - 1) < 1e-12);
  const clipped = clipDiagonal(m);
  assert.ok(clipped.every((row, i) => Math.abs(row[i] - Math.SQRT1_2) < 1e-12));
  const fig = embeddingSimilarityFigure(v, ["0", "1", "2"]);
  assert.deepEqual(fig.data[0].z, clipped);
  assert.throws(() => embeddingSimilarityFigure(v, ["0"]), /labels/);
});

test("attention figure: one heatmap per head on its own axes; base comparison sorted by base", () => {
  const w = [
    [
      [1, 0],
      [0.5, 0.5],
    ],
    [
      [0.2, 0.8],
      [0.9, 0.1],
    ],
  ];
  const fig = attentionFigure(w, ["<sos>", "7"], ["1", "2"]);
  assert.equal(fig.data.length, 2);
  assert.equal(fig.data[1].xaxis, "x2");
  assert.deepEqual(fig.data[1].z, w[1]);
  const bars = baseComparisonFigure([
    { base: 30, loss: 0.2 },
    { base: 10, loss: 0.4 },
  ]);
  assert.deepEqual(bars.data[0].x, ["base 10", "base 30"]);
  assert.deepEqual(bars.data[0].y, [0.4, 0.2]);
});
