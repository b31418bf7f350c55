import { test } from "node:test";
import assert from "node:assert/strict";
import { comparePolynomialScores, polynomialDisagreements, polynomialExampleRows, scorePolynomialPredictions } from "../../src/eval/polynomial";

const predictions = [
  { factored: "(k-15)*(2*k+29)", expanded: "2*k**2-k-435", predicted: "2*k**2-k-435" },
  { factored: "(k-15)*(2*k+29)", expanded: "2*k**2-k-435", predicted: "2*k**2+k-435" },
  { factored: "x*(x+1)", expanded: "x**2+x", predicted: "x+x**2" },
  { factored: "x*(x+1)", expanded: "x**2+x", predicted: "x**2+x+" },
];

test("exact match and equivalence are recomputed from the strings", () => {
  const { scores, rows } = scorePolynomialPredictions(predictions);
  assert.equal(scores.n, 4);
  assert.equal(scores.exactMatch, 0.25);
  assert.equal(scores.equivalent, 0.5);
  assert.equal(scores.unparsable, 1);
  assert.deepEqual(
    rows.map((r) => [r.exact, r.equivalent]),
    [
      [1, 1],
      [0, 0],
      [0, 1],
      [0, 0],
    ],
  );
  const examples = polynomialExampleRows(rows, { count: 2, errorsFirst: true });
  assert.deepEqual(
    examples.map((e) => e.predicted),
    ["2*k**2+k-435", "x+x**2"],
  );
});

test("comparison table and disagreements", () => {
  const a = scorePolynomialPredictions(predictions);
  const b = scorePolynomialPredictions(predictions.map((p) => ({ ...p, predicted: p.expanded })));
  const table = comparePolynomialScores([
    { name: "batch 512", scores: a.scores, details: { batch: 512 } },
    { name: "batch 256", scores: b.scores, details: { batch: 256 } },
  ]);
  assert.deepEqual(
    table.map((r) => r.exactMatch),
    [0.25, 1],
  );
  assert.equal(polynomialDisagreements(a.rows, b.rows, ["512", "256"]).length, 3);
  assert.throws(() => polynomialDisagreements(a.rows, b.rows.slice(1)), /4 vs 3/);
});
