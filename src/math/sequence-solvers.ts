/**
 * Classical next-term solvers for integer sequences, exact in BigInt: every model is fitted by
 * exact rational elimination, checked on every given term, and only then asked for the next term.
 *
 * Families (n counts the given terms from 0, so n = 0 is the first one):
 * - periodic:   a(n) = a(n-p), p ≥ 1 (p = 1: constant), needs at least two full periods;
 * - polynomial: a(n) = c0 + c1 n + … + cd n^d, d ≤ 6, by finite differences;
 * - linear recurrence with constant rational coefficients, order r ≤ 6, homogeneous or with a
 *   constant term: a(n) = c1 a(n-1) + … + cr a(n-r) (+ c0);
 * - holonomic (P-recursive): P0(n) a(n) + P1(n) a(n-1) + … + Pr(n) a(n-r) = 0 with polynomial
 *   coefficients of degree 1..3, order r ≤ 3 (factorial-like, Catalan-like sequences);
 * - transforms: the first differences, the partial sums or the ratios a(n+1)/a(n) (when they are
 *   all integers) fitted by one of the families above.
 *
 * Cost and checks. A model's cost is the number of given terms needed to determine it (its free
 * parameters, initial values included): p for period p, d + 1 for degree d, 2r for a recurrence
 * of order r (2r + 1 with a constant term), r + (r + 1)(d + 1) − 1 for a holonomic relation, the
 * inner model's cost + 1 for a transform. The remaining n − cost terms are checks: a model is
 * tried only when at least `minChecks` of them are left, and accepted only when it reproduces
 * every given term. The cascade tries models in order of increasing cost (ties: periodic,
 * polynomial, linear recurrence, holonomic, transform), so the simplest model that explains the
 * terms speaks first.
 *
 * Speed: each linear model is first fitted modulo a prime (`SOLVER_PRIME`) on its first
 * equations and checked modulo that prime on the others, with an early exit at the first failure;
 * only a model that survives is solved and verified in exact integer arithmetic (the modular
 * rejection is sound, see exact-linear.ts).
 */
import { Rational, RATIONAL_ZERO, addRational, commonDenominator, formatRational, mulRational, rational } from "./rational";
import { SOLVER_PRIME, dotMod, mulMod, nullSpaceInteger, nullVectorMod, residue } from "./exact-linear";

/** The solver families, simplest first (the cascade's tie-break order). */
export const SOLVER_FAMILIES = ["periodic", "polynomial", "linear-recurrence", "holonomic", "transform"] as const;
export type SolverFamily = (typeof SOLVER_FAMILIES)[number];

/**
 * Checks (given terms beyond the model's cost) a model needs by default before it may answer: one,
 * chosen on the next-term benchmark's training split (`numlab eval next-term --sweep-min-checks`:
 * of 1..8 it gives the best top-1 of "cascade, else repeat the last difference"; 0 would let
 * models answer that no given term verifies).
 */
export const DEFAULT_MIN_CHECKS = 1;

/**
 * A fitted model in plain JSON (decimal strings for integers and rationals), so that an independent
 * program can re-verify it on the given terms and recompute its prediction:
 * - periodic: a(n) = block[n mod period];
 * - polynomial: a(n) = Σ coefficients[j]·n^j (rationals "p" or "p/q", ascending powers);
 * - relation: Σ_{i=0..order} (Σ_j coefficients[i][j]·n^j)·a(n-i) + Σ_j constant[j]·n^j = 0 for
 *   n = order … (integers; a linear recurrence with constant coefficients has degree 0);
 * - differences / partial-sums / ratios: the inner model describes b(n) = a(n+1) − a(n),
 *   s(n) = a(0) + … + a(n), or q(n) = a(n+1)/a(n).
 */
export type ModelSpec =
  | { kind: "periodic"; period: number; block: string[] }
  | { kind: "polynomial"; degree: number; coefficients: string[] }
  | { kind: "relation"; order: number; degree: number; coefficients: string[][]; constant: string[] }
  | { kind: "differences" | "partial-sums" | "ratios"; inner: ModelSpec };

/** One model that explains every given term, with its prediction. */
export interface SequenceFit {
  family: SolverFamily;
  /** What the model is, e.g. "linear recurrence of order 2". */
  model: string;
  /** Given terms needed to determine the model. */
  cost: number;
  /** Given terms beyond the cost, all reproduced by the model. */
  checks: number;
  /** Human-readable rule, e.g. "a(n) = a(n-1) + a(n-2)" (n = 0 is the first given term). */
  formula: string;
  spec: ModelSpec;
  /** The predicted next term. */
  next: bigint;
  /** The next `count` terms (the first is `next`), or null where the model stops giving integers. */
  continuation(count: number): bigint[] | null;
}

export interface SolverOptions {
  /** Checks a model needs (given terms beyond its cost). Default `DEFAULT_MIN_CHECKS`. */
  minChecks?: number;
  /** Families to try (default: all). */
  families?: readonly SolverFamily[];
  /** Up to this many fits with distinct next terms, ranked (default 1). */
  maxCandidates?: number;
}

/** Limits of the model search (fixed: they define the benchmark's solvers). */
export const SOLVER_LIMITS = {
  maxPolynomialDegree: 6,
  maxRecurrenceOrder: 6,
  maxHolonomicOrder: 3,
  maxHolonomicDegree: 3,
} as const;

type Terms = readonly bigint[];

/** A model found on a sequence: its JSON spec, formula and a way to continue the sequence. */
interface Fitted {
  spec: ModelSpec;
  formula: (letter: string) => string;
  /** Continue `count` terms after the given ones, or null when a term is not an integer. */
  extend(count: number): bigint[] | null;
}

/** The given terms with their residues and lazily built views (difference tables, transforms). */
class Context {
  readonly n: number;
  readonly res: number[];
  private diffsMod: number[][] | null = null;
  private transforms = new Map<string, Context | null>();

  constructor(readonly a: Terms) {
    this.n = a.length;
    this.res = a.map((x) => residue(x));
  }

  /** Difference table mod p: level j has n − j entries (up to level `depth`). */
  differencesMod(depth: number): number[][] {
    if (!this.diffsMod) this.diffsMod = [this.res];
    const levels = this.diffsMod;
    while (levels.length <= depth && levels[levels.length - 1].length > 1) {
      const prev = levels[levels.length - 1];
      const next = new Array<number>(prev.length - 1);
      for (let k = 0; k < next.length; k++) {
        const v = prev[k + 1] - prev[k];
        next[k] = v < 0 ? v + SOLVER_PRIME : v;
      }
      levels.push(next);
    }
    return levels;
  }

  transformed(kind: TransformKind): Context | null {
    if (!this.transforms.has(kind)) this.transforms.set(kind, buildTransform(this.a, kind));
    return this.transforms.get(kind)!;
  }
}

type TransformKind = "differences" | "partial-sums" | "ratios";
const TRANSFORM_KINDS: readonly TransformKind[] = ["differences", "partial-sums", "ratios"];

function buildTransform(a: Terms, kind: TransformKind): Context | null {
  if (kind === "differences") return a.length < 2 ? null : new Context(a.slice(1).map((x, k) => x - a[k]));
  if (kind === "partial-sums") {
    let s = 0n;
    return new Context(a.map((x) => (s += x)));
  }
  if (a.length < 2) return null;
  const q: bigint[] = [];
  for (let k = 0; k + 1 < a.length; k++) {
    if (a[k] === 0n || a[k + 1] % a[k] !== 0n) return null;
    q.push(a[k + 1] / a[k]);
  }
  return new Context(q);
}

/** One model shape the cascade can try. */
interface Candidate {
  family: SolverFamily;
  model: string;
  cost: number;
  /** Tie-break among equal costs. */
  rank: number;
  /** Terms needed at least, whatever the checks (periodic: two full periods). */
  minTerms: number;
  fit(ctx: Context): Fitted | null;
}

// ---------------------------------------------------------------- formatting

const powerOfN = (j: number): string => (j === 0 ? "" : j === 1 ? "n" : `n^${j}`);

/** "4n - 2", "n^2 + 1", "-n" from ascending integer coefficients ("0" for the zero polynomial). */
export function formatPolynomialInN(coefficients: readonly bigint[]): string {
  const parts: string[] = [];
  for (let j = coefficients.length - 1; j >= 0; j--) {
    const c = coefficients[j];
    if (c === 0n) continue;
    const abs = c < 0n ? -c : c;
    const body = j === 0 ? abs.toString() : `${abs === 1n ? "" : abs.toString()}${powerOfN(j)}`;
    if (parts.length === 0) parts.push(c < 0n ? `-${body}` : body);
    else parts.push(c < 0n ? `- ${body}` : `+ ${body}`);
  }
  return parts.length ? parts.join(" ") : "0";
}

function isConstantPoly(p: readonly bigint[]): boolean {
  return p.every((c, j) => j === 0 || c === 0n);
}

/** "a(n-1)" for the letter and lag. */
function termRef(letter: string, lag: number): string {
  return lag === 0 ? `${letter}(n)` : `${letter}(n-${lag})`;
}

/** Terms "c·x" joined with signs: [[coefficient polynomial, "a(n-1)"], ...] → "a(n-1) + (4n - 2)a(n-2) - 3". */
function formatLinearCombination(items: { poly: bigint[]; ref: string }[]): string {
  const parts: string[] = [];
  for (const { poly, ref } of items) {
    if (poly.every((c) => c === 0n)) continue;
    let sign = 1n;
    let body: string;
    if (isConstantPoly(poly)) {
      const c = poly[0];
      sign = c < 0n ? -1n : 1n;
      const abs = c < 0n ? -c : c;
      body = ref === "" ? abs.toString() : `${abs === 1n ? "" : abs.toString()}${ref}`;
    } else if (ref === "") {
      // a polynomial on its own: put its terms in directly
      const text = formatPolynomialInN(poly);
      if (text.startsWith("-")) {
        sign = -1n;
        body = formatPolynomialInN(poly.map((c) => -c));
      } else body = text;
    } else {
      const leading = poly[poly.length - 1 - [...poly].reverse().findIndex((c) => c !== 0n)];
      const text = formatPolynomialInN(leading < 0n ? poly.map((c) => -c) : poly);
      sign = leading < 0n ? -1n : 1n;
      body = `${text.includes(" ") ? `(${text})` : text}·${ref}`;
    }
    if (parts.length === 0) parts.push(sign < 0n ? `-${body}` : body);
    else parts.push(sign < 0n ? `- ${body}` : `+ ${body}`);
  }
  return parts.length ? parts.join(" ") : "0";
}

// ---------------------------------------------------------------- periodic

function periodicCandidate(p: number): Candidate {
  return {
    family: "periodic",
    model: p === 1 ? "constant" : `periodic, period ${p}`,
    cost: p,
    rank: 0,
    minTerms: 2 * p,
    fit(ctx) {
      const { a, res, n } = ctx;
      for (let k = p; k < n; k++) if (res[k] !== res[k - p]) return null;
      for (let k = p; k < n; k++) if (a[k] !== a[k - p]) return null;
      const block = a.slice(0, p);
      // phase: the block shifted so that block[n mod p] is a(n)
      return {
        spec: { kind: "periodic", period: p, block: block.map(String) },
        formula: (x) => (p === 1 ? `${x}(n) = ${block[0]}` : `${x}(n) = ${x}(n-${p}), repeating ${block.join(", ")}`),
        extend: (count) => Array.from({ length: count }, (_, i) => block[(n + i) % p]),
      };
    },
  };
}

// ---------------------------------------------------------------- polynomial

/** Ascending rational coefficients of Σ_j Δ^j a(0)·C(n, j). */
function newtonToMonomial(differences: readonly bigint[]): Rational[] {
  const d = differences.length - 1;
  let out: Rational[] = new Array(d + 1).fill(RATIONAL_ZERO);
  // falling factorial n(n-1)…(n-j+1) as integer monomial coefficients, divided by j!
  let falling: bigint[] = [1n];
  let factorial = 1n;
  for (let j = 0; j <= d; j++) {
    if (j > 0) {
      const next = new Array<bigint>(falling.length + 1).fill(0n);
      falling.forEach((c, i) => {
        next[i + 1] += c;
        next[i] -= c * BigInt(j - 1);
      });
      falling = next;
      factorial *= BigInt(j);
    }
    out = out.map((c, i) => (i < falling.length ? addRational(c, mulRational(rational(falling[i] * differences[j]), rational(1n, factorial))) : c));
  }
  return out;
}

function formatRationalPolynomial(coefficients: readonly Rational[], letter: string): string {
  const D = commonDenominator(coefficients);
  const ints = coefficients.map((c) => (c.num * D) / c.den);
  let last = ints.length - 1;
  while (last > 0 && ints[last] === 0n) last--;
  const text = formatPolynomialInN(ints.slice(0, last + 1));
  if (D === 1n) return `${letter}(n) = ${text}`;
  return `${letter}(n) = ${isConstantPoly(ints) || !text.includes(" ") ? text : `(${text})`}/${D}`;
}

function polynomialCandidate(d: number): Candidate {
  return {
    family: "polynomial",
    model: `polynomial of degree ${d}`,
    cost: d + 1,
    rank: 1,
    minTerms: d + 1,
    fit(ctx) {
      const levels = ctx.differencesMod(d + 1);
      if (levels.length <= d + 1) return null;
      const top = levels[d + 1];
      for (let k = 0; k < top.length; k++) if (top[k] !== 0) return null;
      // exact difference table
      const exact: bigint[][] = [ctx.a.slice()];
      for (let j = 1; j <= d + 1; j++) {
        const prev = exact[j - 1];
        exact.push(prev.slice(1).map((x, k) => x - prev[k]));
      }
      if (exact[d + 1].some((x) => x !== 0n)) return null;
      const n = ctx.n;
      const coefficients = newtonToMonomial(exact.slice(0, d + 1).map((level) => level[0]));
      return {
        spec: { kind: "polynomial", degree: d, coefficients: coefficients.map(formatRational) },
        formula: (x) => formatRationalPolynomial(coefficients, x),
        extend(count) {
          const last = exact.slice(0, d + 1).map((level, j) => level[n - 1 - j]);
          const out: bigint[] = [];
          for (let s = 0; s < count; s++) {
            for (let j = d - 1; j >= 0; j--) last[j] += last[j + 1];
            out.push(last[0]);
          }
          return out;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- linear relations

/**
 * Relations Σ_{i=0..r} Σ_{j=0..d} v[i][j]·n^j·a(n-i) + Σ_{j=0..e} w[j]·n^j = 0 (e = -1: none),
 * on the equations n = r … len−1; u unknowns, determined up to scale by u − 1 equations.
 */
function relationCandidate(family: SolverFamily, r: number, d: number, e: number, model: string): Candidate {
  const u = (r + 1) * (d + 1) + (e + 1);
  const cost = r + u - 1;
  return {
    family,
    model,
    cost,
    rank: family === "linear-recurrence" ? 2 : 3,
    minTerms: cost,
    fit: (ctx) => fitRelation(ctx, r, d, e, u),
  };
}

function powersMod(k: number, upTo: number): number[] {
  const out = [1];
  for (let j = 1; j <= upTo; j++) out.push(mulMod(out[j - 1], k % SOLVER_PRIME));
  return out;
}

function rowMod(ctx: Context, k: number, r: number, d: number, e: number): number[] {
  const pw = powersMod(k, Math.max(d, e));
  const row: number[] = [];
  for (let i = 0; i <= r; i++) {
    const x = ctx.res[k - i];
    for (let j = 0; j <= d; j++) row.push(mulMod(x, pw[j]));
  }
  for (let j = 0; j <= e; j++) row.push(pw[j]);
  return row;
}

function rowExact(a: Terms, k: number, r: number, d: number, e: number): bigint[] {
  const K = BigInt(k);
  const row: bigint[] = [];
  for (let i = 0; i <= r; i++) {
    let pw = 1n;
    for (let j = 0; j <= d; j++) {
      row.push(pw * a[k - i]);
      pw *= K;
    }
  }
  let pw = 1n;
  for (let j = 0; j <= e; j++) {
    row.push(pw);
    pw *= K;
  }
  return row;
}

function dotExact(row: readonly bigint[], v: readonly bigint[]): bigint {
  let s = 0n;
  for (let j = 0; j < v.length; j++) if (v[j] !== 0n) s += row[j] * v[j];
  return s;
}

function evalPoly(coefficients: readonly bigint[], x: bigint): bigint {
  let s = 0n;
  for (let j = coefficients.length - 1; j >= 0; j--) s = s * x + coefficients[j];
  return s;
}

function fitRelation(ctx: Context, r: number, d: number, e: number, u: number): Fitted | null {
  const { a, n } = ctx;
  const first = r;
  const square = u - 1;
  if (n - r < square) return null;
  let v: bigint[] | null = null;
  const block: number[][] = [];
  for (let k = first; k < first + square; k++) block.push(rowMod(ctx, k, r, d, e));
  const modular = nullVectorMod(block, u);
  if (modular.vector) {
    const vm = modular.vector;
    for (let k = first + square; k < n; k++) if (dotMod(rowMod(ctx, k, r, d, e), vm) !== 0) return null;
    const exactRows: bigint[][] = [];
    for (let k = first; k < first + square; k++) exactRows.push(rowExact(a, k, r, d, e));
    const basis = nullSpaceInteger(exactRows, u);
    if (basis.length !== 1) return null; // cannot happen: the exact rank is at least the modular one
    v = basis[0];
    for (let k = first + square; k < n; k++) if (dotExact(rowExact(a, k, r, d, e), v) !== 0n) return null;
  } else {
    // The first equations are degenerate mod p: decide on all of them. Rank u mod p: no relation.
    // Rank below u − 1 mod p: the relation is not unique mod p, so (but for a 1/p accident, which
    // could only cost an answer, never give a wrong one) not unique over ℚ either: abstain.
    const all: number[][] = [];
    for (let k = first; k < n; k++) all.push(rowMod(ctx, k, r, d, e));
    const full = nullVectorMod(all, u);
    if (!full.vector) return null;
    // u − 1 rows independent mod p are independent over ℚ: their null line is the only candidate
    const basis = nullSpaceInteger(
      full.pivotRows.map((i) => rowExact(a, first + i, r, d, e)),
      u,
    );
    if (basis.length !== 1) return null;
    v = basis[0];
    for (let k = first; k < n; k++) if (dotExact(rowExact(a, k, r, d, e), v) !== 0n) return null;
  }
  const polys: bigint[][] = [];
  for (let i = 0; i <= r; i++) polys.push(v.slice(i * (d + 1), (i + 1) * (d + 1)));
  const constant = v.slice((r + 1) * (d + 1));
  const p0 = polys[0];
  if (p0.every((c) => c === 0n)) return null; // the relation does not involve a(n): it cannot predict
  // sign: the leading coefficient of P0 positive
  const lead = p0[p0.length - 1 - [...p0].reverse().findIndex((c) => c !== 0n)];
  if (lead < 0n) {
    polys.forEach((p, i) => (polys[i] = p.map((c) => -c)));
    constant.forEach((c, j) => (constant[j] = -c));
  }
  const extend = (count: number): bigint[] | null => {
    const seq = a.slice();
    for (let s = 0; s < count; s++) {
      const N = BigInt(seq.length);
      const lead0 = evalPoly(polys[0], N);
      if (lead0 === 0n) return null;
      let rest = evalPoly(constant, N);
      for (let i = 1; i <= r; i++) rest += evalPoly(polys[i], N) * seq[seq.length - i];
      if (rest % lead0 !== 0n) return null;
      seq.push(-rest / lead0);
    }
    return seq.slice(a.length);
  };
  return {
    spec: { kind: "relation", order: r, degree: d, coefficients: polys.map((p) => p.map(String)), constant: constant.map(String) },
    formula: (x) => formatRelation(polys, constant, x),
    extend,
  };
}

function formatRelation(polys: bigint[][], constant: bigint[], x: string): string {
  const right = [
    ...polys.slice(1).map((p, i) => ({ poly: p.map((c) => -c), ref: termRef(x, i + 1) })),
    ...(constant.length ? [{ poly: constant.map((c) => -c), ref: "" }] : []),
  ];
  const rhs = formatLinearCombination(right);
  const p0 = polys[0];
  if (isConstantPoly(p0)) {
    const c = p0[0];
    if (c === 1n) return `${termRef(x, 0)} = ${rhs}`;
    return `${termRef(x, 0)} = ${rhs.includes(" ") ? `(${rhs})` : rhs}/${c}`;
  }
  const left = formatPolynomialInN(p0);
  return `${left.includes(" ") ? `(${left})` : left}·${termRef(x, 0)} = ${rhs}`;
}

// ---------------------------------------------------------------- transforms

const TRANSFORM_TEXT: Record<TransformKind, { letter: string; define: string; model: string }> = {
  differences: { letter: "b", define: "b(n) = a(n+1) - a(n)", model: "first differences" },
  "partial-sums": { letter: "s", define: "s(n) = a(0) + … + a(n)", model: "partial sums" },
  ratios: { letter: "q", define: "q(n) = a(n+1)/a(n)", model: "ratios" },
};

function transformCandidate(kind: TransformKind, inner: Candidate, index: number): Candidate {
  return {
    family: "transform",
    model: `${TRANSFORM_TEXT[kind].model}: ${inner.model}`,
    cost: inner.cost + 1,
    rank: 4 + index / 1000,
    // the transformed sequence of differences and ratios is one term shorter
    minTerms: inner.minTerms + 1,
    fit(ctx) {
      const t = ctx.transformed(kind);
      if (!t) return null;
      const fitted = inner.fit(t);
      if (!fitted) return null;
      const a = ctx.a;
      const text = TRANSFORM_TEXT[kind];
      return {
        spec: { kind, inner: fitted.spec },
        formula: () => `${text.define}, ${fitted.formula(text.letter)}`,
        extend(count) {
          const more = fitted.extend(count);
          if (!more) return null;
          const out: bigint[] = [];
          let last = a[a.length - 1];
          let prevSum = t.a[t.a.length - 1];
          for (const y of more) {
            if (kind === "differences") last = last + y;
            else if (kind === "ratios") last = last * y;
            else {
              last = y - prevSum;
              prevSum = y;
            }
            out.push(last);
          }
          return out;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- the cascade

/**
 * The families a transform is composed with. Left out where the composition adds nothing the base
 * families do not already find at a cost at most one higher: a sequence whose differences or
 * partial sums are a polynomial is a polynomial, and one whose differences or partial sums satisfy
 * a linear recurrence of order r satisfies one of order ≤ r + 1.
 */
const TRANSFORM_INNER: Record<TransformKind, readonly SolverFamily[]> = {
  differences: ["periodic", "holonomic"],
  "partial-sums": ["periodic", "holonomic"],
  ratios: ["periodic", "polynomial", "linear-recurrence", "holonomic"],
};

/** The base (non-transform) candidates for sequences of up to `maxTerms` terms. */
function baseCandidates(maxTerms: number): Candidate[] {
  const out: Candidate[] = [];
  for (let p = 1; 2 * p <= maxTerms; p++) out.push(periodicCandidate(p));
  for (let d = 1; d <= SOLVER_LIMITS.maxPolynomialDegree; d++) out.push(polynomialCandidate(d));
  for (let r = 1; r <= SOLVER_LIMITS.maxRecurrenceOrder; r++) {
    out.push(relationCandidate("linear-recurrence", r, 0, -1, `linear recurrence of order ${r}`));
    out.push(relationCandidate("linear-recurrence", r, 0, 0, `linear recurrence of order ${r} with a constant term`));
  }
  for (let r = 1; r <= SOLVER_LIMITS.maxHolonomicOrder; r++) {
    for (let d = 1; d <= SOLVER_LIMITS.maxHolonomicDegree; d++) {
      out.push(relationCandidate("holonomic", r, d, -1, `holonomic recurrence of order ${r}, degree ${d}`));
    }
  }
  return out;
}

const candidateCache = new Map<number, Candidate[]>();

/** Every candidate (base and transformed) usable on n terms, in cascade order. */
function candidatesFor(n: number): Candidate[] {
  let list = candidateCache.get(n);
  if (!list) {
    const base = baseCandidates(n);
    const transformed = TRANSFORM_KINDS.flatMap((kind, t) =>
      base.filter((c) => TRANSFORM_INNER[kind].includes(c.family)).map((c, i) => transformCandidate(kind, c, t * 1000 + i + 1)),
    );
    list = [...base, ...transformed].filter((c) => c.minTerms <= n);
    list.sort((x, y) => x.cost - y.cost || x.rank - y.rank);
    if (candidateCache.size > 512) candidateCache.clear();
    candidateCache.set(n, list);
  }
  return list;
}

function checkMinChecks(minChecks: number): void {
  if (!Number.isInteger(minChecks) || minChecks < 0) throw new RangeError(`minChecks must be an integer ≥ 0, got ${minChecks}`);
}

/** Terms as bigints (numbers must be safe integers, strings decimal integers). */
export function toBigIntTerms(terms: ArrayLike<number | bigint | string>): bigint[] {
  return Array.from(terms, (t, i) => {
    if (typeof t === "bigint") return t;
    if (typeof t === "number") {
      if (!Number.isSafeInteger(t)) throw new RangeError(`term ${i + 1} (${t}) is not a safe integer: pass it as a bigint or a decimal string`);
      return BigInt(t);
    }
    if (!/^\s*[+-]?\d+\s*$/.test(t)) throw new RangeError(`term ${i + 1} ("${t}") is not an integer`);
    return BigInt(t.trim());
  });
}

/**
 * Parse a typed sequence such as "1, 1, 2, 3, 5" or "1 1 2 3 5" (integers separated by commas
 * and/or blanks). Throws naming the first bad term and its position.
 */
export function parseSequenceText(text: string): bigint[] {
  const parts = text
    .trim()
    .split(/[\s,]+/)
    .filter((p) => p.length > 0);
  if (parts.length === 0) throw new RangeError("no terms: give integers separated by commas, e.g. 1,1,2,3,5,8");
  return parts.map((p, i) => {
    if (!/^[+-]?\d+$/.test(p)) throw new RangeError(`term ${i + 1} ("${p}") is not an integer`);
    return BigInt(p);
  });
}

/**
 * Fits of `terms` by the cascade, simplest first: up to `maxCandidates` models with distinct next
 * terms (default 1: the cascade's answer), or [] when no model explains the terms with enough checks.
 */
export function guessNextTerms(terms: ArrayLike<number | bigint | string>, options: SolverOptions = {}): SequenceFit[] {
  const a = toBigIntTerms(terms);
  const minChecks = options.minChecks ?? DEFAULT_MIN_CHECKS;
  checkMinChecks(minChecks);
  const k = options.maxCandidates ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`maxCandidates must be an integer ≥ 1, got ${k}`);
  const families = new Set<SolverFamily>(options.families ?? SOLVER_FAMILIES);
  for (const f of families) if (!SOLVER_FAMILIES.includes(f)) throw new RangeError(`unknown solver family "${f}" (known: ${SOLVER_FAMILIES.join(", ")})`);
  return runCascade(new Context(a), minChecks, k, (c) => families.has(c.family), new Map());
}

function runCascade(ctx: Context, minChecks: number, k: number, keep: (c: Candidate) => boolean, memo: Map<Candidate, SequenceFit | null>): SequenceFit[] {
  const n = ctx.n;
  const out: SequenceFit[] = [];
  const seen = new Set<bigint>();
  if (n === 0) return out;
  for (const c of candidatesFor(n)) {
    if (n - c.cost < minChecks || !keep(c)) continue;
    let fit = memo.get(c);
    if (fit === undefined) {
      fit = toSequenceFit(c, ctx);
      memo.set(c, fit);
    }
    if (!fit || seen.has(fit.next)) continue;
    seen.add(fit.next);
    out.push(fit);
    if (out.length >= k) break;
  }
  return out;
}

function toSequenceFit(c: Candidate, ctx: Context): SequenceFit | null {
  const fitted = c.fit(ctx);
  if (!fitted) return null;
  const first = fitted.extend(1);
  if (!first) return null; // the next term would not be an integer
  return {
    family: c.family,
    model: c.model,
    cost: c.cost,
    checks: ctx.n - c.cost,
    formula: fitted.formula("a"),
    spec: fitted.spec,
    next: first[0],
    continuation: (count) => fitted.extend(count),
  };
}

/**
 * The benchmark's view: for one sequence, the ranked fits of each family on its own and of the
 * cascade over all families (each up to `maxCandidates` distinct next terms), sharing the work:
 * every model is fitted at most once. Also the seconds spent per family.
 */
export function solveByFamily(
  terms: ArrayLike<number | bigint | string>,
  options: { minChecks?: number; maxCandidates?: number } = {},
): { cascade: SequenceFit[]; byFamily: Record<SolverFamily, SequenceFit[]>; seconds: Record<SolverFamily, number> } {
  const ctx = new Context(toBigIntTerms(terms));
  const minChecks = options.minChecks ?? DEFAULT_MIN_CHECKS;
  checkMinChecks(minChecks);
  const k = options.maxCandidates ?? 1;
  const memo = new Map<Candidate, SequenceFit | null>();
  const byFamily = {} as Record<SolverFamily, SequenceFit[]>;
  const seconds = {} as Record<SolverFamily, number>;
  for (const family of SOLVER_FAMILIES) {
    const t0 = performance.now();
    byFamily[family] = runCascade(ctx, minChecks, k, (c) => c.family === family, memo);
    seconds[family] = (performance.now() - t0) / 1000;
  }
  return { cascade: runCascade(ctx, minChecks, k, () => true, memo), byFamily, seconds };
}

/**
 * Re-check a model spec on `terms` (every relation must hold exactly) and return its next `count`
 * terms, or null when it does not reproduce the terms or stops giving integers. Independent of the
 * fitting code: it only evaluates the spec.
 */
export function continueSpec(spec: ModelSpec, terms: ArrayLike<number | bigint | string>, count: number): bigint[] | null {
  const a = toBigIntTerms(terms);
  const ok = verifySpec(spec, a);
  if (!ok) return null;
  return extendSpec(spec, a, count);
}

function verifySpec(spec: ModelSpec, a: Terms): boolean {
  switch (spec.kind) {
    case "periodic":
      return a.every((x, k) => x === BigInt(spec.block[k % spec.period]));
    case "polynomial": {
      const cs = spec.coefficients.map((c) => {
        const [p, q] = c.split("/");
        return rational(BigInt(p), q === undefined ? 1n : BigInt(q));
      });
      return a.every((x, k) => {
        let s = RATIONAL_ZERO;
        for (let j = cs.length - 1; j >= 0; j--) s = addRational(mulRational(s, rational(BigInt(k))), cs[j]);
        return s.den === 1n && s.num === x;
      });
    }
    case "relation": {
      const polys = spec.coefficients.map((p) => p.map((c) => BigInt(c)));
      const constant = spec.constant.map((c) => BigInt(c));
      for (let k = spec.order; k < a.length; k++) {
        const K = BigInt(k);
        let s = evalPoly(constant, K);
        for (let i = 0; i <= spec.order; i++) s += evalPoly(polys[i], K) * a[k - i];
        if (s !== 0n) return false;
      }
      return true;
    }
    default: {
      const t = buildTransform(a, spec.kind);
      return t !== null && verifySpec(spec.inner, t.a);
    }
  }
}

function extendSpec(spec: ModelSpec, a: Terms, count: number): bigint[] | null {
  switch (spec.kind) {
    case "periodic":
      return Array.from({ length: count }, (_, i) => BigInt(spec.block[(a.length + i) % spec.period]));
    case "polynomial": {
      const cs = spec.coefficients.map((c) => {
        const [p, q] = c.split("/");
        return rational(BigInt(p), q === undefined ? 1n : BigInt(q));
      });
      const out: bigint[] = [];
      for (let i = 0; i < count; i++) {
        let s = RATIONAL_ZERO;
        for (let j = cs.length - 1; j >= 0; j--) s = addRational(mulRational(s, rational(BigInt(a.length + i))), cs[j]);
        if (s.den !== 1n) return null;
        out.push(s.num);
      }
      return out;
    }
    case "relation": {
      const polys = spec.coefficients.map((p) => p.map((c) => BigInt(c)));
      const constant = spec.constant.map((c) => BigInt(c));
      const seq = a.slice();
      for (let i = 0; i < count; i++) {
        const N = BigInt(seq.length);
        const lead = evalPoly(polys[0], N);
        if (lead === 0n) return null;
        let rest = evalPoly(constant, N);
        for (let j = 1; j <= spec.order; j++) rest += evalPoly(polys[j], N) * seq[seq.length - j];
        if (rest % lead !== 0n) return null;
        seq.push(-rest / lead);
      }
      return seq.slice(a.length);
    }
    default: {
      const t = buildTransform(a, spec.kind);
      if (!t) return null;
      const more = extendSpec(spec.inner, t.a, count);
      if (!more) return null;
      const out: bigint[] = [];
      let last = a[a.length - 1];
      let prevSum = t.a[t.a.length - 1];
      for (const y of more) {
        if (spec.kind === "differences") last += y;
        else if (spec.kind === "ratios") last *= y;
        else {
          last = y - prevSum;
          prevSum = y;
        }
        out.push(last);
      }
      return out;
    }
  }
}
