import { test } from "node:test";
import assert from "node:assert/strict";
import { NextTermRecord, scoreNextTerm, sequenceFeatures } from "../../src/eval/next-term";
import { nextTermAccuracyFigure, nextTermMethodsFigure } from "../../src/viz/next-term";

const rec = (answer: string, given: bigint[], prefix: string, methods: Record<string, string[] | null>): NextTermRecord => ({
  id: "A000001",
  prefix,
  given: given.map(String),
  answer,
  features: sequenceFeatures(given),
  methods,
  models: {},
});

const slow = Array.from({ length: 10 }, () => 3n);
const fast = Array.from({ length: 20 }, (_, n) => 3n ** BigInt(n));
const scores = scoreNextTerm(
  [
    rec("3", slow, "10", { cascade: ["3"], lstm: ["4"] }),
    rec("3", slow, "10", { cascade: null, lstm: ["3"] }),
    rec("9", fast, "20", { cascade: ["9"], lstm: null }),
  ],
  10,
);

test("accuracy by prefix: one bar trace per method, y = top-1 in % per group, group sizes in the labels", () => {
  const fig = nextTermAccuracyFigure(scores, { by: "prefix" });
  assert.deepEqual(
    fig.data.map((t) => t.name),
    ["cascade", "lstm"],
  ); // only the methods the scores have
  const cascade = fig.data[0];
  assert.deepEqual(cascade.x, ["10 (2)", "20 (1)"]);
  assert.deepEqual(cascade.y, [50, 100]);
  assert.equal(fig.layout!.legend, undefined, "the legend keeps Plotly's place at the right (a horizontal one covered the axis title)");
  assert.deepEqual(fig.data[1].y, [50, 0]);
  assert.equal((fig.layout as { barmode: string }).barmode, "group");
  const growth = nextTermAccuracyFigure(scores, { by: "growth", methods: ["lstm"] });
  assert.deepEqual(
    growth.data.map((t) => [t.name, t.x, t.y]),
    [["lstm", ["slow (2)", "fast (1)"], [50, 0]]],
  );
  assert.throws(() => nextTermAccuracyFigure(scores, { by: "colour" }), /no groups by "colour"/);
});

test("methods figure: top-1, top-k and coverage per method", () => {
  const fig = nextTermMethodsFigure(scores);
  assert.deepEqual(
    fig.data.map((t) => t.name),
    ["top-1", "top-10", "coverage"],
  );
  const near = (a: unknown, b: number[]) => (a as number[]).forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-9, `${x} vs ${b[i]}`));
  near(fig.data[0].y, [(2 / 3) * 100, (1 / 3) * 100]);
  near(fig.data[2].y, [(2 / 3) * 100, (2 / 3) * 100]);
});
