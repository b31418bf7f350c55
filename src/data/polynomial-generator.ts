/**
 * New `factored=expanded` pairs in the grammar and distribution of the real polynomial data set.
 *
 * Every real line is the product of two linear factors `a*v+b` in one "variable" `v` (a letter, or
 * `sin/cos/tan` of a letter), printed the way SymPy prints a product:
 *
 * - two factors with b ≠ 0: `(L1)*(L2)`, the factors ordered as SymPy sorts them (a factor printed
 *   with its constant first, `5-3*x`, before one printed with its variable first; then by the first
 *   printed coefficient, then the second), and `(L)**2` when both are equal;
 * - one factor with b = 0 (a monomial `c*v`): `c*v*(L)` for a letter, `c*(L)*cos(z)` for a function,
 *   with `c` = 1 and −1 written as `v*(L)` / `-v*(L)`;
 * - both monomials: `c*v**2`.
 *
 * The target is computed by our expander (`expandToCanonical`), never by string rules. The default
 * parameters were measured on `union_unique.txt` (348,409 unique real pairs): slopes a in −9…8
 * (a = 1 about 4× as common), intercepts b in −32…31, 13 letters with i, n, s about 1.8× as frequent,
 * 3.6% of lines in a trigonometric "variable".
 */
import { Rng } from "../random";
import { expandToCanonical, expandTree, formatExpanded, parsePolynomial, Polynomial, PolynomialNode, PolynomialPair } from "../math/polynomial";

/** A linear factor `slope*v + intercept` (slope ≠ 0). */
export interface LinearFactor {
  slope: number;
  intercept: number;
}

/** Knobs of the generator; the defaults reproduce the real data set. */
export interface PolynomialGeneratorOptions {
  /** Letters used as variables and their relative weights. */
  letters: ReadonlyArray<readonly [letter: string, weight: number]>;
  /** Functions of a letter used as the "variable", and the share of lines using one (0…1). */
  functions: readonly string[];
  /** Share of lines whose variable is a function, by shape. */
  functionShare: { twoFactors: number; monomialTimesFactor: number; monomial: number };
  /** Shape shares (normalized): two linear factors, monomial × factor, monomial. */
  shapeShare: { twoFactors: number; monomialTimesFactor: number; monomial: number };
  /** Slope range [min, max] (zero excluded) and the extra probability of slope 1 in a linear factor. */
  slopeRange: readonly [number, number];
  slopeOneShare: number;
  /** Coefficient of a monomial factor: same range, its own probability of 1. */
  monomialOneShare: number;
  /** Intercept range [min, max] (zero excluded) for linear factors. */
  interceptRange: readonly [number, number];
}

/** Letters of the real data set and their measured relative frequencies. */
export const POLYNOMIAL_DATA_LETTERS: ReadonlyArray<readonly [string, number]> = [
  ["a", 1], ["c", 1], ["h", 1], ["i", 1.84], ["j", 1], ["k", 1], ["n", 1.84],
  ["o", 1], ["s", 1.84], ["t", 1], ["x", 1], ["y", 1], ["z", 1],
];

/** Every letter a–z with equal weight: the letters a user may type (the real data uses only 13). */
export const ALL_POLYNOMIAL_LETTERS: ReadonlyArray<readonly [string, number]> = "abcdefghijklmnopqrstuvwxyz".split("").map((l) => [l, 1] as const);

export const DEFAULT_POLYNOMIAL_GENERATOR: PolynomialGeneratorOptions = {
  letters: POLYNOMIAL_DATA_LETTERS,
  functions: ["sin", "cos", "tan"],
  // measured on union_unique.txt: 7,963/258,885, 4,032/88,155, 449/1,369 lines
  functionShare: { twoFactors: 0.0308, monomialTimesFactor: 0.0457, monomial: 0.328 },
  shapeShare: { twoFactors: 258885, monomialTimesFactor: 88155, monomial: 1369 },
  slopeRange: [-9, 8],
  slopeOneShare: 0.17,
  monomialOneShare: 0.1,
  interceptRange: [-32, 31],
};

function linearPolynomial(f: LinearFactor, symbol: string): Polynomial {
  const p: Polynomial = new Map();
  if (f.slope !== 0) p.set(symbol, { coefficient: f.slope, powers: [[symbol, 1]] });
  if (f.intercept !== 0) p.set("", { coefficient: f.intercept, powers: [] });
  return p;
}

/** A linear factor as SymPy prints it (`3*x-5`, `5-3*x`, `-x-5`, `x+2`). */
export function formatLinearFactor(f: LinearFactor, symbol: string): string {
  return formatExpanded(linearPolynomial(f, symbol));
}

/** The sort key SymPy gives a printed linear factor: constant-first factors sort first. */
function factorSortKey(f: LinearFactor): [number, number, number] {
  const constantFirst = f.intercept > 0 && f.slope < 0;
  return constantFirst ? [0, f.intercept, f.slope] : [1, f.slope, f.intercept];
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function monomialCoefficientPrefix(c: number): string {
  return c === 1 ? "" : c === -1 ? "-" : `${c}*`;
}

/**
 * The product `(first)*(second)` printed as the data set prints sources. A factor with intercept 0
 * is the monomial `slope*v`.
 */
export function formatFactoredProduct(first: LinearFactor, second: LinearFactor, symbol: string): string {
  if (first.slope === 0 || second.slope === 0) throw new Error("formatFactoredProduct: slopes must be non-zero");
  const isFunction = symbol.length > 1;
  if (first.intercept === 0 && second.intercept === 0) {
    const c = first.slope * second.slope;
    return `${monomialCoefficientPrefix(c)}${symbol}**2`;
  }
  if (first.intercept === 0 || second.intercept === 0) {
    const [mono, lin] = first.intercept === 0 ? [first, second] : [second, first];
    const prefix = monomialCoefficientPrefix(mono.slope);
    const factor = `(${formatLinearFactor(lin, symbol)})`;
    return isFunction ? `${prefix}${factor}*${symbol}` : `${prefix}${symbol}*${factor}`;
  }
  if (first.slope === second.slope && first.intercept === second.intercept) {
    return `(${formatLinearFactor(first, symbol)})**2`;
  }
  const [a, b] = compareKeys(factorSortKey(first), factorSortKey(second)) <= 0 ? [first, second] : [second, first];
  return `(${formatLinearFactor(a, symbol)})*(${formatLinearFactor(b, symbol)})`;
}

function drawSlope(rng: Rng, range: readonly [number, number], oneShare: number): number {
  if (rng.next() < oneShare) return 1;
  for (;;) {
    const v = rng.int(range[0], range[1] + 1);
    if (v !== 0) return v;
  }
}

function drawIntercept(rng: Rng, range: readonly [number, number]): number {
  for (;;) {
    const v = rng.int(range[0], range[1] + 1);
    if (v !== 0) return v;
  }
}

/** One random pair. */
export function randomPolynomialPair(rng: Rng, options: PolynomialGeneratorOptions = DEFAULT_POLYNOMIAL_GENERATOR): PolynomialPair {
  const o = options;
  const shape = rng.categorical([o.shapeShare.twoFactors, o.shapeShare.monomialTimesFactor, o.shapeShare.monomial]);
  const functionShare = [o.functionShare.twoFactors, o.functionShare.monomialTimesFactor, o.functionShare.monomial][shape];
  const letter = o.letters[rng.categorical(o.letters.map(([, w]) => w))][0];
  const symbol =
    o.functions.length > 0 && rng.next() < functionShare ? `${o.functions[rng.int(0, o.functions.length)]}(${letter})` : letter;
  const linear = (): LinearFactor => ({ slope: drawSlope(rng, o.slopeRange, o.slopeOneShare), intercept: drawIntercept(rng, o.interceptRange) });
  const monomial = (): LinearFactor => ({ slope: drawSlope(rng, o.slopeRange, o.monomialOneShare), intercept: 0 });
  let first: LinearFactor;
  let second: LinearFactor;
  if (shape === 0) {
    first = linear();
    second = linear();
  } else if (shape === 1) {
    first = monomial();
    second = linear();
  } else {
    first = monomial();
    second = monomial();
  }
  const factored = formatFactoredProduct(first, second, symbol);
  return { factored, expanded: expandToCanonical(factored) };
}

/** The real data's distribution of forms and coefficients over every letter a–z (equal weights). */
export const ALL_LETTERS_POLYNOMIAL_GENERATOR: PolynomialGeneratorOptions = { ...DEFAULT_POLYNOMIAL_GENERATOR, letters: ALL_POLYNOMIAL_LETTERS };

/** The generator options of a letter set by name: "data" (the real data's 13 letters and weights) or "a-z" (all 26, equal weights). */
export function polynomialGeneratorFor(letters: "data" | "a-z"): PolynomialGeneratorOptions {
  return letters === "a-z" ? ALL_LETTERS_POLYNOMIAL_GENERATOR : DEFAULT_POLYNOMIAL_GENERATOR;
}

/** The variable letter of a pair (the letter inside `sin(…)` for a trigonometric one), or null when it has none or several. */
export function polynomialLetter(factored: string): string | null {
  const letters = new Set(factored.replace(/sin|cos|tan/g, "").match(/[a-z]/g) ?? []);
  return letters.size === 1 ? [...letters][0] : null;
}

/**
 * The same pair in another variable letter: every occurrence of the pair's one letter is replaced
 * on both sides (function names untouched). The target is re-expanded by our expander and must match
 * the renamed text, so a pair whose canonical order would change is refused (throws).
 */
export function renamePolynomialLetter(pair: PolynomialPair, letter: string): PolynomialPair {
  if (!/^[a-z]$/.test(letter)) throw new Error(`renamePolynomialLetter: ${JSON.stringify(letter)} is not a letter a–z`);
  const from = polynomialLetter(pair.factored);
  if (from === null) throw new Error(`renamePolynomialLetter: ${pair.factored} has no single variable letter`);
  const rename = (text: string): string => text.replace(/sin|cos|tan|[a-z]/g, (t) => (t === from ? letter : t));
  const factored = rename(pair.factored);
  const expanded = rename(pair.expanded);
  const check = expandToCanonical(factored);
  if (check !== expanded) throw new Error(`renamePolynomialLetter: ${factored} expands to ${check}, not ${expanded}`);
  return { factored, expanded };
}

/** `count` seeded random pairs. */
export function generatePolynomialPairs(
  count: number,
  seed: number,
  options: PolynomialGeneratorOptions = DEFAULT_POLYNOMIAL_GENERATOR,
): PolynomialPair[] {
  const rng = new Rng(seed);
  const out: PolynomialPair[] = [];
  for (let i = 0; i < count; i++) out.push(randomPolynomialPair(rng, options));
  return out;
}

/** A factored source read back as two linear factors in one symbol (see `linearFactorsOfProduct`). */
export interface FactoredProduct {
  first: LinearFactor;
  second: LinearFactor;
  symbol: string;
}

/**
 * Read a source such as `(7-3*z)*(-5*z-9)`, `-4*s*(s+7)`, `(x-3)**2` or `-7*sin(i)**2` back into
 * its two linear factors (a numeric coefficient is folded into the monomial factor). Returns null
 * when the expression is not a product of exactly two linear factors in one symbol.
 */
export function linearFactorsOfProduct(factored: string): FactoredProduct | null {
  let coefficient = 1;
  const leaves: PolynomialNode[] = [];
  const collect = (node: PolynomialNode): void => {
    if (node.kind === "multiply") {
      collect(node.left);
      collect(node.right);
    } else if (node.kind === "negate") {
      coefficient = -coefficient;
      collect(node.operand);
    } else if (node.kind === "number") {
      coefficient *= node.value;
    } else if (node.kind === "power" && node.base.kind !== "number") {
      for (let i = 0; i < node.exponent; i++) collect(node.base);
    } else {
      leaves.push(node);
    }
  };
  collect(parsePolynomial(factored));
  if (leaves.length !== 2) return null;
  const factors: LinearFactor[] = [];
  let symbol: string | null = null;
  for (const leaf of leaves) {
    const p = expandTree(leaf);
    let slope = 0;
    let intercept = 0;
    for (const t of p.values()) {
      if (t.powers.length === 0) intercept = t.coefficient;
      else if (t.powers.length === 1 && t.powers[0][1] === 1 && (symbol === null || symbol === t.powers[0][0])) {
        symbol = t.powers[0][0];
        slope = t.coefficient;
      } else return null;
    }
    if (slope === 0) return null;
    factors.push({ slope, intercept });
  }
  if (symbol === null) return null;
  const monomialIndex = factors.findIndex((f) => f.intercept === 0);
  if (monomialIndex >= 0) factors[monomialIndex] = { slope: factors[monomialIndex].slope * coefficient, intercept: 0 };
  else if (coefficient !== 1) factors[0] = { slope: factors[0].slope * coefficient, intercept: factors[0].intercept * coefficient };
  return { first: factors[0], second: factors[1], symbol };
}
