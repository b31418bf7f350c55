import { test } from "node:test";
import assert from "node:assert/strict";
import { polynomialForm, polynomialGroupRows, polynomialGroupScores, polynomialSeenUnseenScores, scorePolynomialPredictions } from "../../src/eval/polynomial";

test("polynomialForm tells the four forms of the data apart", () => {
  assert.equal(polynomialForm("(7-3*z)*(-5*z-9)"), "two linear factors");
  assert.equal(polynomialForm("(x-3)**2"), "two linear factors");
  assert.equal(polynomialForm("-4*s*(s+7)"), "monomial × linear");
  assert.equal(polynomialForm("-7*x**2"), "monomial");
  assert.equal(polynomialForm("-4*(sin(c)+7)*sin(c)"), "trigonometric");
  assert.equal(polynomialForm("(x+1)*(y+2)"), "other");
  assert.equal(polynomialForm("(x+"), "other");
});

test("polynomialGroupScores counts exact and equivalent per letter, form and target length", () => {
  const { rows } = scorePolynomialPredictions([
    { factored: "(x+1)*(x+2)", expanded: "x**2+3*x+2", predicted: "x**2+3*x+2" },
    { factored: "(b+1)*(b+2)", expanded: "b**2+3*b+2", predicted: "z**2+3*z+2" },
    { factored: "(b+1)*(b-1)", expanded: "b**2-1", predicted: "-1+b**2" },
    { factored: "2*b*(b+1)", expanded: "2*b**2+2*b", predicted: "2*b**2+2*b" },
  ]);
  const g = polynomialGroupScores(rows);
  assert.deepEqual(Object.keys(g.letter), ["b", "x"]);
  assert.deepEqual(g.letter.x, { n: 1, exactMatch: 1, equivalent: 1 });
  assert.equal(g.letter.b.n, 3);
  assert.equal(g.letter.b.exactMatch, 1 / 3);
  assert.equal(g.letter.b.equivalent, 2 / 3);
  assert.deepEqual(Object.keys(g.form), ["two linear factors", "monomial × linear"]);
  assert.equal(g.form["two linear factors"].n, 3);
  // targets of 9, 9, 5 and 9 tokens
  assert.deepEqual(Object.keys(g.targetLength), ["5–8", "9–12"]);
  assert.deepEqual(g.targetLength["5–8"], { n: 1, exactMatch: 0, equivalent: 1 });
  const { seen, unseen } = polynomialSeenUnseenScores(rows, ["x", "z"]);
  assert.deepEqual(seen, { n: 1, exactMatch: 1, equivalent: 1 });
  assert.deepEqual(unseen, { n: 3, exactMatch: 1 / 3, equivalent: 2 / 3 });
  const table = polynomialGroupRows(g);
  assert.equal(table.length, 2 + 2 + 2);
  assert.deepEqual(table[0], { group: "letter", value: "b", n: 3, exactMatch: 1 / 3, equivalent: 2 / 3 });
});
