/**
 * Exploratory statistics of `factored=expanded` pairs: lengths (characters and tokens), token
 * vocabulary and frequencies, variable letters and trigonometric "variables", number of terms,
 * coefficient ranges, factor shapes and the duplicate rate. Pure functions over pair lists; the
 * figures live in `viz/polynomial.ts`.
 */
import type { PolynomialPair } from "../data/polynomials";
import { expandPolynomial, expandToCanonical, termDegree } from "../math/polynomial";
import { linearFactorsOfProduct } from "../data/polynomial-generator";
import { tokenizePolynomial } from "../tokenizers/polynomial-language";

/** A distribution of non-negative integers: `counts[v]` = how many items have value v. */
export interface PolynomialCountDistribution {
  counts: number[];
  n: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  p95: number;
}

/** A distribution of (possibly negative) integers as sorted [value, count] pairs. */
export interface PolynomialValueDistribution {
  values: Array<[value: number, count: number]>;
  n: number;
  min: number;
  max: number;
}

export interface PolynomialEda {
  pairs: number;
  uniquePairs: number;
  /** Share of lines that repeat an earlier line (1 − unique/total). */
  duplicateRate: number;
  /** Distinct factored sources (a source always has one expansion, so this equals uniquePairs for clean data). */
  uniqueSources: number;
  sourceChars: PolynomialCountDistribution;
  targetChars: PolynomialCountDistribution;
  sourceTokens: PolynomialCountDistribution;
  targetTokens: PolynomialCountDistribution;
  /** Token → count, most frequent first. */
  sourceTokenFrequencies: Array<[token: string, count: number]>;
  targetTokenFrequencies: Array<[token: string, count: number]>;
  /** Variable letter → lines using it, most frequent first. */
  letters: Array<[letter: string, lines: number]>;
  /** "plain" (a letter), "sin", "cos", "tan" → lines. */
  functions: Array<[kind: string, lines: number]>;
  /** Number of terms in the expanded target. */
  targetTerms: Array<[terms: number, lines: number]>;
  /** Source shapes with numbers as N and variables as V, e.g. `(N-N*V)*(V+N)`, most frequent first. */
  shapes: Array<[shape: string, lines: number]>;
  /** Integers written in the sources (unsigned, as printed). */
  sourceNumbers: PolynomialValueDistribution;
  /** Target coefficients by degree of their term (2 = x², 1 = x, 0 = constant). */
  targetCoefficients: Record<number, PolynomialValueDistribution>;
  /** Slopes a and intercepts b of the linear factors `a*v+b` (b ≠ 0) of the sources. */
  factorSlopes: PolynomialValueDistribution;
  factorIntercepts: PolynomialValueDistribution;
  /** Coefficients c of monomial factors `c*v` (a factor without constant; `c*v**2` counts as one). */
  monomialCoefficients: PolynomialValueDistribution;
  /** Lines whose source is not a product of two linear factors in one variable. */
  notTwoLinearFactors: number;
}

function countDistribution(values: number[]): PolynomialCountDistribution {
  if (values.length === 0) return { counts: [], n: 0, min: NaN, max: NaN, mean: NaN, median: NaN, p95: NaN };
  let max = 0;
  let min = Infinity;
  let sum = 0;
  for (const v of values) {
    if (v > max) max = v;
    if (v < min) min = v;
    sum += v;
  }
  const counts = new Array<number>(max + 1).fill(0);
  for (const v of values) counts[v]++;
  const quantile = (q: number): number => {
    const target = q * values.length;
    let acc = 0;
    for (let v = 0; v < counts.length; v++) {
      acc += counts[v];
      if (acc >= target) return v;
    }
    return max;
  };
  return { counts, n: values.length, min, max, mean: sum / values.length, median: quantile(0.5), p95: quantile(0.95) };
}

class SignedCounter {
  private readonly map = new Map<number, number>();
  add(v: number): void {
    this.map.set(v, (this.map.get(v) ?? 0) + 1);
  }
  result(): PolynomialValueDistribution {
    const values = [...this.map.entries()].sort((a, b) => a[0] - b[0]);
    let n = 0;
    for (const [, c] of values) n += c;
    return { values, n, min: values.length ? values[0][0] : NaN, max: values.length ? values[values.length - 1][0] : NaN };
  }
}

function countInto<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function sortedDesc<K>(map: Map<K, number>): Array<[K, number]> {
  return [...map.entries()].sort((a, b) => b[1] - a[1]);
}

/** Source shape: functions of letters and letters become V, integers N: `(3*cos(z)+3)*z` → `(N*V+N)*V`. */
export function polynomialShape(text: string): string {
  return text
    .replace(/(sin|cos|tan)\([a-z]\)/g, "V")
    .replace(/[a-z]/g, "V")
    .replace(/[0-9]+/g, "N");
}

/** Number of terms of an expanded polynomial written without parentheses around sums. */
export function countExpandedTerms(expanded: string): number {
  let terms = 1;
  let depth = 0;
  for (let i = 0; i < expanded.length; i++) {
    const c = expanded[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if ((c === "+" || c === "-") && i > 0 && depth === 0 && expanded[i - 1] !== "*" && expanded[i - 1] !== "(") terms++;
  }
  return terms;
}

export interface PolynomialEdaOptions {
  /** Also decompose sources into linear factors and parse targets for coefficient statistics (default true). */
  coefficients?: boolean;
  /** How many shapes to keep (default 40). */
  topShapes?: number;
}

/** Compute the EDA report of a list of pairs. */
export function polynomialEda(pairs: readonly PolynomialPair[], options: PolynomialEdaOptions = {}): PolynomialEda {
  const withCoefficients = options.coefficients ?? true;
  const lines = new Set<string>();
  const sources = new Set<string>();
  const srcChars: number[] = [];
  const trgChars: number[] = [];
  const srcTokens: number[] = [];
  const trgTokens: number[] = [];
  const srcFreq = new Map<string, number>();
  const trgFreq = new Map<string, number>();
  const letters = new Map<string, number>();
  const functions = new Map<string, number>();
  const terms = new Map<number, number>();
  const shapes = new Map<string, number>();
  const sourceNumbers = new SignedCounter();
  const byDegree = new Map<number, SignedCounter>();
  const slopes = new SignedCounter();
  const intercepts = new SignedCounter();
  const monomials = new SignedCounter();
  let notTwoLinear = 0;

  for (const p of pairs) {
    lines.add(`${p.factored}=${p.expanded}`);
    sources.add(p.factored);
    srcChars.push(p.factored.length);
    trgChars.push(p.expanded.length);
    const st = tokenizePolynomial(p.factored);
    const tt = tokenizePolynomial(p.expanded);
    srcTokens.push(st.length);
    trgTokens.push(tt.length);
    for (const t of st) countInto(srcFreq, t);
    for (const t of tt) countInto(trgFreq, t);
    const fn = /(sin|cos|tan)\(([a-z])\)/.exec(p.factored);
    countInto(functions, fn ? fn[1] : "plain");
    const letter = fn ? fn[2] : /[a-z]/.exec(p.factored)?.[0];
    if (letter) countInto(letters, letter);
    countInto(terms, countExpandedTerms(p.expanded));
    countInto(shapes, polynomialShape(p.factored));
    for (const m of p.factored.matchAll(/[0-9]+/g)) sourceNumbers.add(Number(m[0]));
    if (withCoefficients) {
      try {
        for (const t of expandPolynomial(p.expanded).values()) {
          const d = termDegree(t);
          let c = byDegree.get(d);
          if (!c) byDegree.set(d, (c = new SignedCounter()));
          c.add(t.coefficient);
        }
        const f = linearFactorsOfProduct(p.factored);
        if (!f) notTwoLinear++;
        else {
          for (const x of [f.first, f.second]) {
            if (x.intercept === 0) monomials.add(x.slope);
            else {
              slopes.add(x.slope);
              intercepts.add(x.intercept);
            }
          }
        }
      } catch {
        notTwoLinear++;
      }
    }
  }
  const targetCoefficients: Record<number, PolynomialValueDistribution> = {};
  for (const [d, c] of [...byDegree.entries()].sort((a, b) => b[0] - a[0])) targetCoefficients[d] = c.result();
  return {
    pairs: pairs.length,
    uniquePairs: lines.size,
    duplicateRate: pairs.length === 0 ? 0 : 1 - lines.size / pairs.length,
    uniqueSources: sources.size,
    sourceChars: countDistribution(srcChars),
    targetChars: countDistribution(trgChars),
    sourceTokens: countDistribution(srcTokens),
    targetTokens: countDistribution(trgTokens),
    sourceTokenFrequencies: sortedDesc(srcFreq),
    targetTokenFrequencies: sortedDesc(trgFreq),
    letters: sortedDesc(letters),
    functions: sortedDesc(functions),
    targetTerms: [...terms.entries()].sort((a, b) => a[0] - b[0]),
    shapes: sortedDesc(shapes).slice(0, options.topShapes ?? 40),
    sourceNumbers: sourceNumbers.result(),
    targetCoefficients,
    factorSlopes: slopes.result(),
    factorIntercepts: intercepts.result(),
    monomialCoefficients: monomials.result(),
    notTwoLinearFactors: notTwoLinear,
  };
}

/** A short table of headline figures (rows for `table()`). */
export function polynomialEdaSummary(eda: PolynomialEda): Array<{ measure: string; value: string }> {
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const trig = eda.functions.filter(([k]) => k !== "plain").reduce((s, [, n]) => s + n, 0);
  const range = (d: PolynomialValueDistribution | undefined): string => (d ? `${d.min} … ${d.max}` : "—");
  return [
    { measure: "pairs", value: String(eda.pairs) },
    { measure: "unique pairs", value: String(eda.uniquePairs) },
    { measure: "duplicate rate", value: pct(eda.duplicateRate) },
    { measure: "source length (chars) min/median/max", value: `${eda.sourceChars.min} / ${eda.sourceChars.median} / ${eda.sourceChars.max}` },
    { measure: "target length (chars) min/median/max", value: `${eda.targetChars.min} / ${eda.targetChars.median} / ${eda.targetChars.max}` },
    { measure: "source length (tokens) max", value: String(eda.sourceTokens.max) },
    { measure: "target length (tokens) max", value: String(eda.targetTokens.max) },
    {
      measure: "distinct letters",
      value: eda.letters
        .map(([l]) => l)
        .sort()
        .join(" "),
    },
    { measure: "lines with sin/cos/tan variable", value: pct(eda.pairs ? trig / eda.pairs : 0) },
    { measure: "factor slopes", value: range(eda.factorSlopes) },
    { measure: "factor intercepts", value: range(eda.factorIntercepts) },
    { measure: "monomial factor coefficients", value: range(eda.monomialCoefficients) },
    { measure: "target x² coefficients", value: range(eda.targetCoefficients[2]) },
    { measure: "target x coefficients", value: range(eda.targetCoefficients[1]) },
    { measure: "target constants", value: range(eda.targetCoefficients[0]) },
  ];
}

/** Result of re-expanding every source with our expander. */
export interface PolynomialExpansionCheck {
  n: number;
  agree: number;
  agreement: number;
  /** Up to 20 pairs the expander does not reproduce, with what it produced. */
  disagreements: Array<{ factored: string; expanded: string; ours: string }>;
  seconds: number;
}

/** Expand every factored side and compare with the expanded side, as strings. */
export function checkPolynomialExpansions(pairs: readonly PolynomialPair[]): PolynomialExpansionCheck {
  const t0 = Date.now();
  let agree = 0;
  const disagreements: PolynomialExpansionCheck["disagreements"] = [];
  for (const p of pairs) {
    let ours: string;
    try {
      ours = expandToCanonical(p.factored);
    } catch (e) {
      ours = `error: ${(e as Error).message}`;
    }
    if (ours === p.expanded) agree++;
    else if (disagreements.length < 20) disagreements.push({ ...p, ours });
  }
  return { n: pairs.length, agree, agreement: pairs.length ? agree / pairs.length : 0, disagreements, seconds: (Date.now() - t0) / 1000 };
}
