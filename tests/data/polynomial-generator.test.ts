import { test } from "node:test";
import assert from "node:assert/strict";
import { expandToCanonical } from "../../src/math/polynomial";
import {
  formatFactoredProduct,
  formatLinearFactor,
  generatePolynomialPairs,
  linearFactorsOfProduct,
} from "../../src/data/polynomial-generator";

test("is seeded", () => {
  assert.deepEqual(generatePolynomialPairs(100, 1), generatePolynomialPairs(100, 1));
  assert.notDeepEqual(generatePolynomialPairs(100, 1), generatePolynomialPairs(100, 2));
});

test("pairs are in the data set's grammar and targets come from the expander", () => {
  const pairs = generatePolynomialPairs(3000, 21);
  const shapes = new Set<string>();
  for (const p of pairs) {
    assert.match(p.factored, /^[-+*()a-z0-9]+$/);
    assert.equal(p.expanded, expandToCanonical(p.factored));
    const f = linearFactorsOfProduct(p.factored);
    assert.ok(f, p.factored);
    // printing the factors back gives the same text: the source is in canonical print form
    assert.equal(formatFactoredProduct(f.first, f.second, f.symbol), p.factored);
    shapes.add(p.factored.replace(/(sin|cos|tan)\([a-z]\)/g, "V").replace(/[a-z]/g, "V").replace(/[0-9]+/g, "N"));
  }
  for (const s of ["(N-N*V)*(-N*V-N)", "(V-N)*(N*V+N)", "N*V*(-N*V-N)", "-V*(N*V+N)", "N*(N*V-N)*V"]) assert.ok(shapes.has(s), s);
  assert.ok(pairs.some((p) => /sin|cos|tan/.test(p.factored)));
});

test("factors print like the data set", () => {
  assert.equal(formatLinearFactor({ slope: -3, intercept: 7 }, "z"), "7-3*z");
  assert.equal(formatLinearFactor({ slope: -5, intercept: -9 }, "z"), "-5*z-9");
  assert.equal(formatLinearFactor({ slope: -1, intercept: 21 }, "t"), "21-t");
  assert.equal(formatFactoredProduct({ slope: -5, intercept: -9 }, { slope: -3, intercept: 7 }, "z"), "(7-3*z)*(-5*z-9)");
  assert.equal(formatFactoredProduct({ slope: 2, intercept: 29 }, { slope: 1, intercept: -15 }, "k"), "(k-15)*(2*k+29)");
  assert.equal(formatFactoredProduct({ slope: 1, intercept: 24 }, { slope: 1, intercept: -20 }, "i"), "(i-20)*(i+24)");
  assert.equal(formatFactoredProduct({ slope: -5, intercept: 0 }, { slope: -2, intercept: 5 }, "h"), "-5*h*(5-2*h)");
  assert.equal(formatFactoredProduct({ slope: 6, intercept: 24 }, { slope: -5, intercept: 0 }, "cos(y)"), "-5*(6*cos(y)+24)*cos(y)");
  assert.equal(formatFactoredProduct({ slope: 1, intercept: -3 }, { slope: 1, intercept: -3 }, "x"), "(x-3)**2");
  assert.equal(formatFactoredProduct({ slope: 4, intercept: 0 }, { slope: -8, intercept: 0 }, "s"), "-32*s**2");
});
