import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  expandPolynomial,
  expandToCanonical,
  formatExpanded,
  parsePolynomial,
  polynomialDegree,
  polynomialsEquivalent,
  polynomialSymbols,
  PolynomialSyntaxError,
} from "../../src/math/polynomial";
import { generatePolynomialPairs, linearFactorsOfProduct } from "../../src/data/polynomial-generator";

test("expands the seed's examples to the data set's exact strings", () => {
  const cases: Array<[string, string]> = [
    ["(7-3*z)*(-5*z-9)", "15*z**2-8*z-63"],
    ["(21-5*c)*(3*c-7)", "-15*c**2+98*c-147"],
    ["(3*cos(z)+3)*(4*cos(z)-26)", "12*cos(z)**2-66*cos(z)-78"],
    ["-5*h*(5-2*h)", "10*h**2-25*h"],
    ["s*(8*s-21)", "8*s**2-21*s"],
    ["(21-t)*(-6*t-4)", "6*t**2-122*t-84"],
    ["4*n*(n+22)", "4*n**2+88*n"],
    ["(k-15)*(2*k+29)", "2*k**2-k-435"],
    ["(i-20)*(i+24)", "i**2+4*i-480"],
    ["-32*s**2", "-32*s**2"],
    ["-7*sin(i)**2", "-7*sin(i)**2"],
    ["(x-3)**2", "x**2-6*x+9"],
    ["-(x-3)*x", "-x**2+3*x"],
    ["-5*(6*cos(y)+24)*cos(y)", "-30*cos(y)**2-120*cos(y)"],
    ["x*(x+1)", "x**2+x"],
    ["(x-1)*(x+1)", "x**2-1"],
  ];
  for (const [factored, expanded] of cases) assert.equal(expandToCanonical(factored), expanded, factored);
});

test("a positive constant is written first before a single negative power (SymPy's special case)", () => {
  assert.equal(expandToCanonical("(3-2*x)*(2*x+3)"), "9-4*x**2");
  assert.equal(expandToCanonical("(1-x)*(x+1)"), "1-x**2");
  assert.equal(expandToCanonical("(5-tan(a))*(tan(a)+5)"), "25-tan(a)**2");
  // not with three terms, nor with a negative constant, nor with a positive power
  assert.equal(expandToCanonical("(3-2*x)*(2*x+4)"), "-4*x**2-2*x+12");
  assert.equal(expandToCanonical("-(x-3)*(x+3)*1-18"), "-x**2-9");
  assert.equal(expandToCanonical("(2*x-3)*(2*x+3)"), "4*x**2-9");
});

test("zero, constants and higher powers", () => {
  assert.equal(expandToCanonical("(x-x)"), "0");
  assert.equal(expandToCanonical("2*3-10"), "-4");
  assert.equal(expandToCanonical("(x+1)**3"), "x**3+3*x**2+3*x+1");
  assert.equal(expandToCanonical("x^2"), "x**2");
  assert.equal(polynomialDegree(expandPolynomial("(x+1)**3")), 3);
});

test("coefficients agree with (a1*v+b1)(a2*v+b2) computed independently", () => {
  for (const pair of generatePolynomialPairs(2000, 11)) {
    const f = linearFactorsOfProduct(pair.factored);
    assert.ok(f, pair.factored);
    const { first: p, second: q, symbol } = f;
    const expected = new Map<string, number>([
      [`${symbol}**2`, p.slope * q.slope],
      [symbol, p.slope * q.intercept + q.slope * p.intercept],
      ["", p.intercept * q.intercept],
    ]);
    const got = expandPolynomial(pair.expanded);
    for (const [key, c] of expected) assert.equal(got.get(key)?.coefficient ?? 0, c + 0, `${pair.factored}: ${key}`);
    assert.ok(
      [...got.keys()].every((k) => expected.has(k)),
      pair.expanded,
    );
  }
});

test("parse errors say where", () => {
  const bad = ["(x+1", "x**", "2x", "foo(x)", "x+#", "", "sin(xy)", "x**2**2"];
  for (const text of bad) {
    assert.throws(
      () => parsePolynomial(text),
      (e: unknown) => e instanceof PolynomialSyntaxError && /column \d+/.test(e.message),
      text,
    );
  }
  const e = (() => {
    try {
      parsePolynomial("(x+1)*(x+");
    } catch (err) {
      return err as PolynomialSyntaxError;
    }
    return null;
  })();
  assert.equal(e?.position, 9);
});

test("polynomialsEquivalent compares expansions, not strings", () => {
  assert.ok(polynomialsEquivalent("x*(x+1)", "x+x**2"));
  assert.ok(polynomialsEquivalent("2*k**2-k-435", "(k-15)*(2*k+29)"));
  assert.ok(!polynomialsEquivalent("2*k**2+k-435", "(k-15)*(2*k+29)"));
  assert.ok(!polynomialsEquivalent("sin(x)**2", "cos(x)**2"));
  assert.ok(!polynomialsEquivalent("x**2", "y**2"));
  assert.ok(!polynomialsEquivalent("x**2+", "x**2"));
  assert.ok(!polynomialsEquivalent("<unk>", "x"));
});

test("formatExpanded orders several variables deterministically and symbols are listed", () => {
  assert.equal(formatExpanded(expandPolynomial("(x+y)**2")), "x**2+2*x*y+y**2");
  assert.deepEqual(polynomialSymbols("(3*cos(z)+3)*z"), ["cos(z)", "z"]);
});

function realDataFile(): string | null {
  const dirs = [process.env.NUMLAB_DATA_DIR, path.resolve(__dirname, "../../../shared/data")].filter((d): d is string => !!d);
  for (const d of dirs) {
    const f = path.join(d, "polynomials", "union_unique.txt");
    if (fs.existsSync(f)) return f;
  }
  return null;
}

test("reproduces the target of real lines (optional: needs the real data)", (t) => {
  const file = realDataFile();
  if (!file) {
    t.skip("real polynomial data not found");
    return;
  }
  const lines = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "");
  const step = Math.max(1, Math.floor(lines.length / 3000));
  let checked = 0;
  for (let i = 0; i < lines.length; i += step) {
    const [factored, expanded] = lines[i].split("=");
    assert.equal(expandToCanonical(factored), expanded, `${file}:${i + 1}`);
    checked++;
  }
  assert.ok(checked >= 3000);
});
