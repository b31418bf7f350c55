import { test } from "node:test";
import assert from "node:assert/strict";
import { countExpandedTerms, polynomialEda, polynomialEdaSummary, polynomialShape } from "../../src/eval/polynomial-eda";

const pairs = [
  { factored: "(7-3*z)*(-5*z-9)", expanded: "15*z**2-8*z-63" },
  { factored: "(7-3*z)*(-5*z-9)", expanded: "15*z**2-8*z-63" },
  { factored: "(3*cos(z)+3)*(4*cos(z)-26)", expanded: "12*cos(z)**2-66*cos(z)-78" },
  { factored: "-5*h*(5-2*h)", expanded: "10*h**2-25*h" },
  { factored: "-32*s**2", expanded: "-32*s**2" },
];

test("counts duplicates, lengths, letters, functions, terms and coefficients", () => {
  const eda = polynomialEda(pairs);
  assert.equal(eda.pairs, 5);
  assert.equal(eda.uniquePairs, 4);
  assert.ok(Math.abs(eda.duplicateRate - 0.2) < 1e-12);
  assert.equal(eda.sourceChars.max, "(3*cos(z)+3)*(4*cos(z)-26)".length);
  assert.equal(eda.sourceChars.min, 8);
  assert.deepEqual(eda.letters, [
    ["z", 3],
    ["h", 1],
    ["s", 1],
  ]);
  assert.deepEqual(
    new Map(eda.functions),
    new Map([
      ["plain", 4],
      ["cos", 1],
    ]),
  );
  assert.deepEqual(eda.targetTerms, [
    [1, 1],
    [2, 1],
    [3, 3],
  ]);
  assert.equal(eda.targetCoefficients[0].min, -78);
  assert.equal(eda.targetCoefficients[2].max, 15);
  assert.equal(eda.factorIntercepts.max, 7);
  assert.deepEqual(eda.factorSlopes.values, [
    [-5, 2],
    [-3, 2],
    [-2, 1],
    [3, 1],
    [4, 1],
  ]);
  assert.deepEqual(eda.monomialCoefficients.values, [
    [-32, 1],
    [-5, 1],
    [1, 1],
  ]);
  assert.equal(eda.notTwoLinearFactors, 0);
  assert.equal(new Map(eda.targetTokenFrequencies).get("**"), 5);
  assert.ok(polynomialEdaSummary(eda).some((r) => r.measure === "duplicate rate" && r.value === "20.00%"));
});

test("shapes and term counts", () => {
  assert.equal(polynomialShape("(3*cos(z)+3)*z"), "(N*V+N)*V");
  assert.equal(countExpandedTerms("-15*c**2+98*c-147"), 3);
  assert.equal(countExpandedTerms("12*cos(z)**2-66*cos(z)"), 2);
  assert.equal(countExpandedTerms("-32*s**2"), 1);
});

test("checkPolynomialExpansions counts and lists disagreements", async () => {
  const { checkPolynomialExpansions } = await import("../../src/eval/polynomial-eda");
  const r = checkPolynomialExpansions([...pairs, { factored: "x*(x+1)", expanded: "x+x**2" }, { factored: "x*(", expanded: "x" }]);
  assert.equal(r.n, 7);
  assert.equal(r.agree, 5);
  assert.deepEqual(
    r.disagreements.map((d) => (d.ours.startsWith("error") ? "error" : d.ours)),
    ["x**2+x", "error"],
  );
});
