import { test } from "node:test";
import assert from "node:assert/strict";
import { parseOeisText } from "../../src/data/oeis";
import { IntegerFrequencies, oeisStats } from "../../src/data/oeis-stats";
import { SequenceDataset } from "../../src/datasets/sequence-dataset";
import { logSpacedRanks, oeisLengthHistogramFigure, oeisRankFrequencyFigure, oeisTopIntegersFigure, sequenceValueHistogramFigure } from "../../src/viz/oeis";

const text = ["A000001 ,1,2,3,", "A000002 ,1,1,", "A000003 ,5,1,2,3,4,", "A000004 ,1,2,3,"].join("\n");

test("length histogram: one bar per occurring length, mean marked", () => {
  const stats = oeisStats(parseOeisText(text));
  const fig = oeisLengthHistogramFigure(stats);
  assert.deepEqual(fig.data[0].x, [2, 3, 5]);
  assert.deepEqual(fig.data[0].y, [1, 2, 1]);
  const shapes = fig.layout!.shapes as Array<{ x0: number }>;
  assert.equal(shapes[0].x0, 13 / 4);
  const top = oeisTopIntegersFigure(stats);
  assert.deepEqual(top.data[0].x, ["1", "2", "3", "4", "5"]);
  assert.deepEqual(top.data[0].y, [5, 3, 3, 1, 1]);
});

test("rank-frequency: log-log axes, counts in rank order", () => {
  const freq = IntegerFrequencies.of(parseOeisText(text));
  const fig = oeisRankFrequencyFigure(freq);
  assert.equal((fig.layout!.xaxis as { type: string }).type, "log");
  assert.equal((fig.layout!.yaxis as { type: string }).type, "log");
  assert.deepEqual(fig.data[0].x, [1, 2, 3, 4, 5]);
  assert.deepEqual(fig.data[0].y, [5, 3, 3, 1, 1]);
});

test("logSpacedRanks: dense start, increasing, ends at n, far fewer points than n", () => {
  assert.deepEqual(logSpacedRanks(5), [1, 2, 3, 4, 5]);
  const r = logSpacedRanks(1_700_000);
  assert.equal(r[0], 1);
  assert.equal(r[r.length - 1], 1_700_000);
  for (let i = 1; i < r.length; i++) assert.ok(r[i] > r[i - 1]);
  assert.ok(r.length < 500, `${r.length} points`);
});

test("value histogram of a dataset shows the pad separately", () => {
  const ds = new SequenceDataset(parseOeisText(text), { seqLen: 4, maxValue: 6 });
  const fig = sequenceValueHistogramFigure(ds);
  // rows: [1,2,3,pad] [1,1,pad,pad] [5,1,2,3] [1,2,3,pad] (the 4 of A000003 is cut off)
  assert.deepEqual(fig.data[0].x, [1, 2, 3, 5]);
  assert.deepEqual(fig.data[0].y, [5, 3, 3, 1]);
  assert.deepEqual(fig.data[1].x, [6]);
  assert.deepEqual(fig.data[1].y, [4]);
});
