import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ALL_LETTERS_POLYNOMIAL_GENERATOR,
  POLYNOMIAL_DATA_LETTERS,
  generatePolynomialPairs,
  polynomialGeneratorFor,
  polynomialLetter,
  renamePolynomialLetter,
} from "../../src/data/polynomial-generator";
import { expandToCanonical } from "../../src/math/polynomial";

test("polynomialLetter finds the one variable letter, also inside sin/cos/tan", () => {
  assert.equal(polynomialLetter("(7-3*z)*(-5*z-9)"), "z");
  assert.equal(polynomialLetter("-4*(sin(c)+7)*sin(c)"), "c");
  assert.equal(polynomialLetter("cos(t)**2"), "t");
  assert.equal(polynomialLetter("(x+1)*(y+2)"), null);
  assert.equal(polynomialLetter("(3+4)"), null);
});

test("renamePolynomialLetter renames both sides consistently and keeps function names", () => {
  assert.deepEqual(renamePolynomialLetter({ factored: "(7-3*z)*(-5*z-9)", expanded: "15*z**2-8*z-63" }, "b"), {
    factored: "(7-3*b)*(-5*b-9)",
    expanded: "15*b**2-8*b-63",
  });
  // the letter inside a function is renamed, "sin" itself is not (its "s" and "n" are letters too)
  const trig = { factored: "-4*(sin(n)+7)*sin(n)", expanded: expandToCanonical("-4*(sin(n)+7)*sin(n)") };
  const renamed = renamePolynomialLetter(trig, "q");
  assert.equal(renamed.factored, "-4*(sin(q)+7)*sin(q)");
  assert.equal(renamed.expanded, expandToCanonical(renamed.factored));
  assert.throws(() => renamePolynomialLetter(trig, "Q"), /not a letter/);
  assert.throws(() => renamePolynomialLetter({ factored: "(x+1)*(y+1)", expanded: "x*y+x+y+1" }, "a"), /single variable/);
  // a wrong target is caught by the expander, not copied
  assert.throws(() => renamePolynomialLetter({ factored: "(x+1)*(x+2)", expanded: "x**2+4*x+2" }, "a"), /expands to a\*\*2\+3\*a\+2/);
});

test("the a–z generator draws every letter, keeps the real data's trig share, and its targets are the expander's", () => {
  assert.equal(polynomialGeneratorFor("a-z"), ALL_LETTERS_POLYNOMIAL_GENERATOR);
  assert.equal(polynomialGeneratorFor("data").letters, POLYNOMIAL_DATA_LETTERS);
  const pairs = generatePolynomialPairs(20000, 5, ALL_LETTERS_POLYNOMIAL_GENERATOR);
  const counts = new Map<string, number>();
  let trig = 0;
  for (const p of pairs) {
    const letter = polynomialLetter(p.factored);
    assert.ok(letter, p.factored);
    counts.set(letter, (counts.get(letter) ?? 0) + 1);
    if (/sin|cos|tan/.test(p.factored)) trig++;
    assert.equal(p.expanded, expandToCanonical(p.factored));
  }
  assert.equal(counts.size, 26);
  for (const [letter, n] of counts) assert.ok(n > 20000 / 26 / 1.3 && n < (20000 / 26) * 1.3, `${letter}: ${n}`);
  // the real data: 3.57% of lines in sin/cos/tan of a letter
  assert.ok(trig / pairs.length > 0.03 && trig / pairs.length < 0.042, `trig share ${trig / pairs.length}`);
});
