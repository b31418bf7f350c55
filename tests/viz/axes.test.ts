import { test } from "node:test";
import assert from "node:assert/strict";
import { legendAbove, logAxisTicks, plotHeight } from "../../src/viz/axes";

test("log axis ticks: every digit only where a decade is long enough, else 1-2-5, else whole decades", () => {
  // half a decade over 300 px: Plotly's own labels fit
  assert.deepEqual(logAxisTicks([1, 3], 300), {});
  // 1.5 decades over 260 px (a loss curve): 2, 3, …, 9 would collide; 1-2-5 fits
  assert.deepEqual(logAxisTicks([0.1, 3.2], 260), { dtick: "D2" });
  // five decades over 260 px: one label per decade
  assert.deepEqual(logAxisTicks([1e-5, 1], 260), { dtick: 1 });
  // twelve decades over 200 px: every second decade
  assert.deepEqual(logAxisTicks([1e-6, 1e6], 200), { dtick: 2 });
  // non-positive and non-finite values are ignored; too few values: Plotly decides
  assert.deepEqual(logAxisTicks([0, -1, NaN, 5], 260), {});
  assert.equal(plotHeight(360, 100), 260);
  assert.equal(plotHeight(100), 80);
});

test("a legend above the plot sits between the title and the plot area", () => {
  const { legend, title, margin } = legendAbove();
  assert.equal(legend.orientation, "h");
  assert.equal(legend.yanchor, "bottom");
  assert.ok((legend.y as number) > 1, "above the plot area");
  assert.equal(title.yref, "container");
  assert.ok(margin.t >= 100);
});
