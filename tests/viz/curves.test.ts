import { test } from "node:test";
import assert from "node:assert/strict";
import { lossCurve, lossCurves, smoothLosses, toLossPoints } from "../../src/viz/curves";

test("a bare array is plotted against its index", () => {
  const fig = lossCurve([2.5, 1.5, 1.0]);
  assert.equal(fig.data.length, 1);
  assert.deepEqual(fig.data[0].x, [0, 1, 2]);
  assert.deepEqual(fig.data[0].y, [2.5, 1.5, 1.0]);
  assert.equal(fig.data[0].type, "scatter");
  assert.equal((fig.layout!.yaxis as { type: string }).type, "linear");
  assert.equal((fig.layout!.title as { text: string }).text, "Training loss");
});

test("{step, loss} records are sorted by step and non-finite losses dropped", () => {
  const points = toLossPoints([
    { step: 20, loss: 0.5 },
    { step: 10, loss: 0.9 },
    { step: 30, loss: NaN },
    { step: 40, loss: 0.25 },
  ]);
  assert.deepEqual(points, [
    { step: 10, loss: 0.9 },
    { step: 20, loss: 0.5 },
    { step: 40, loss: 0.25 },
  ]);
  assert.throws(() => toLossPoints([{ step: 1 } as never]), /point 0/);
});

test("smoothing adds a debiased moving average; logY sets a log axis", () => {
  const fig = lossCurve([4, 2, 1], { smoothing: 0.5, logY: true, title: "t" });
  assert.equal(fig.data.length, 2);
  assert.equal(fig.data[1].name, "loss (smoothed)");
  // debiased EMA with weight 0.5, by hand
  const s = fig.data[1].y as number[];
  assert.equal(s[0], 4);
  assert.ok(Math.abs(s[1] - (0.5 * 2 + 0.25 * 4) / 0.75) < 1e-12);
  assert.ok(Math.abs(s[2] - (0.5 * 1 + 0.25 * 2 + 0.125 * 4) / 0.875) < 1e-12);
  assert.equal((fig.layout!.yaxis as { type: string }).type, "log");
  assert.ok(
    smoothLosses([3, 3, 3], 0.9).every((v) => Math.abs(v - 3) < 1e-12),
    "a constant stays constant (no start-up bias)",
  );
  assert.throws(() => smoothLosses([1], 1), /smoothing/);
});

test("several series get one trace each, distinct colors and a legend", () => {
  const fig = lossCurves({ train: [3, 2, 1], eval: [{ step: 2, loss: 2.2 }] });
  assert.deepEqual(
    fig.data.map((t) => t.name),
    ["train", "eval"],
  );
  const colors = fig.data.map((t) => (t.line as { color: string }).color);
  assert.notEqual(colors[0], colors[1]);
  assert.equal(fig.data[1].mode, "markers", "a single point is drawn as a marker");
  assert.equal(fig.layout!.showlegend, true);
  assert.throws(() => lossCurves({}), /no series/);
});
