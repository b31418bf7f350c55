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
  // the training-range lines run across the data, not the whole (wider) paper
  const shapes = fig.layout!.shapes as Record<string, unknown>[];
  assert.deepEqual([shapes[0].y0, shapes[0].y1, shapes[1].x0, shapes[1].x1], [0, 260, 0, 300]);
  assert.ok(shapes.every((s) => s.xref === undefined && s.yref === undefined));
  // square by narrowing the plot area, not by widening the range; the legend keeps its default place (right)
  const { xaxis, yaxis } = fig.layout as { xaxis: Record<string, unknown>; yaxis: Record<string, unknown> };
  assert.equal(xaxis.constrain, "domain");
  assert.equal(yaxis.scaleanchor, "x");
  assert.equal(yaxis.constrain, "domain");
  assert.equal(fig.layout!.legend, undefined);
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
  // the labels above the bars: room for them in the range, and not clipped by the plot area
  assert.equal(bars.data[0].cliponaxis, false);
  const range = (bars.layout!.yaxis as { range: number[] }).range;
  assert.equal(range[0], 0);
  assert.ok(Math.abs(range[1] - 0.46) < 1e-9);
});

test("attention figure: many heads wrap into rows that fit a notebook's width; the size follows the sequences", () => {
  const weights = (heads: number, q: number, k: number) =>
    Array.from({ length: heads }, () => Array.from({ length: q }, () => Array.from({ length: k }, () => 1 / k)));
  const four = attentionFigure(weights(4, 3, 3), ["a", "b", "c"], ["a", "b", "c"]);
  assert.deepEqual([(four.layout!.grid as { rows: number }).rows, (four.layout!.grid as { columns: number }).columns], [1, 4]);
  const eight = attentionFigure(weights(8, 7, 4), ["<sos>", "7", "x", "11", "x", "13", "<eos>"], ["<sos>", "16", "41", "<eos>"]);
  const grid = eight.layout!.grid as { rows: number; columns: number };
  assert.deepEqual([grid.rows, grid.columns], [2, 4]);
  assert.ok((eight.layout!.width as number) <= 940, `width ${eight.layout!.width}`);
  // y labels on the first column of each row only; one colour bar
  assert.deepEqual(
    [0, 1, 4, 5].map((h) => (eight.layout![h === 0 ? "yaxis" : `yaxis${h + 1}`] as { showticklabels: boolean }).showticklabels),
    [true, false, true, false],
  );
  assert.deepEqual(
    eight.data.map((t) => t.showscale),
    [false, false, false, false, false, false, false, true],
  );
  const long = attentionFigure(weights(2, 14, 14), Array.from({ length: 14 }, String), Array.from({ length: 14 }, String));
  assert.ok((long.layout!.height as number) > (four.layout!.height as number), "taller for longer sequences");
});
