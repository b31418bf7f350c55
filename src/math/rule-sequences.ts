/**
 * Integer sequences with known rules, for checking that the solvers are exact: seeded random linear
 * recurrences with small integer coefficients and random polynomials, each with its given terms and
 * the true terms after them (BigInt, so long recurrences stay exact).
 */
import { Rng } from "../random";
import { guessNextTerms, SolverOptions } from "./sequence-solvers";

export interface RuleSequence {
  kind: "linear-recurrence" | "polynomial";
  /** The rule, e.g. "a(n) = 2a(n-1) - 3a(n-4)" or "a(n) = 3n^2 - 1". */
  rule: string;
  /** Recurrence order or polynomial degree. */
  size: number;
  given: bigint[];
  /** The true terms after the given ones. */
  next: bigint[];
}

export interface RuleSequenceOptions {
  /** Given terms per sequence (default 20). */
  terms?: number;
  /** True terms after them (default 5). */
  after?: number;
  /** Largest recurrence order (default 4) and polynomial degree (default 5). */
  maxOrder?: number;
  maxDegree?: number;
  /** Coefficients are drawn from [-c, c] (default 3 for recurrences, 5 for polynomials). */
  recurrenceCoefficient?: number;
  polynomialCoefficient?: number;
  /** Initial values of recurrences from [-v, v] (default 9). */
  initialValue?: number;
}

function signed(c: bigint, first: boolean, body: string): string {
  const abs = c < 0n ? -c : c;
  const text = `${abs === 1n && body !== "" ? "" : abs}${body}`;
  if (first) return c < 0n ? `-${text}` : text;
  return c < 0n ? ` - ${text}` : ` + ${text}`;
}

/**
 * `count` sequences, half linear recurrences of order 1..maxOrder (a(n) = Σ c_i a(n-i), integer
 * c_i in [-c, c], c_order ≠ 0, random initial values) and half polynomials of degree 0..maxDegree
 * (integer coefficients, leading one ≠ 0), interleaved, from one seeded generator.
 */
export function ruleSequences(count: number, seed = 0, options: RuleSequenceOptions = {}): RuleSequence[] {
  const terms = options.terms ?? 20;
  const after = options.after ?? 5;
  const maxOrder = options.maxOrder ?? 4;
  const maxDegree = options.maxDegree ?? 5;
  const rc = options.recurrenceCoefficient ?? 3;
  const pc = options.polynomialCoefficient ?? 5;
  const iv = options.initialValue ?? 9;
  const rng = new Rng(seed);
  const nonZero = (c: number): bigint => {
    let x = 0;
    while (x === 0) x = rng.int(-c, c + 1);
    return BigInt(x);
  };
  const out: RuleSequence[] = [];
  for (let s = 0; s < count; s++) {
    const total = terms + after;
    if (s % 2 === 0) {
      const r = rng.int(1, maxOrder + 1);
      const c = Array.from({ length: r }, (_, i) => (i === r - 1 ? nonZero(rc) : BigInt(rng.int(-rc, rc + 1))));
      const a = Array.from({ length: r }, () => BigInt(rng.int(-iv, iv + 1)));
      while (a.length < total) {
        let x = 0n;
        for (let i = 1; i <= r; i++) x += c[i - 1] * a[a.length - i];
        a.push(x);
      }
      let rule = "a(n) =";
      let first = true;
      c.forEach((ci, i) => {
        if (ci === 0n) return;
        rule += (first ? " " : "") + signed(ci, first, `a(n-${i + 1})`);
        first = false;
      });
      out.push({ kind: "linear-recurrence", rule, size: r, given: a.slice(0, terms), next: a.slice(terms) });
    } else {
      const d = rng.int(0, maxDegree + 1);
      const coeffs = Array.from({ length: d + 1 }, (_, j) => (j === d ? nonZero(pc) : BigInt(rng.int(-pc, pc + 1))));
      const a = Array.from({ length: total }, (_, n) => coeffs.reduceRight((acc, cj) => acc * BigInt(n) + cj, 0n));
      let rule = "a(n) =";
      let first = true;
      for (let j = d; j >= 0; j--) {
        if (coeffs[j] === 0n) continue;
        rule += (first ? " " : "") + signed(coeffs[j], first, j === 0 ? "" : j === 1 ? "n" : `n^${j}`);
        first = false;
      }
      out.push({ kind: "polynomial", rule, size: d, given: a.slice(0, terms), next: a.slice(terms) });
    }
  }
  return out;
}

export interface RuleRecoveryScore {
  n: number;
  /** Share where the cascade's first candidate is the true next term. */
  top1: number;
  /** Sequences where it answered with a wrong next term (the rule list below). */
  wrong: number;
  abstained: number;
  /** Share where the cascade's continuation matches all the true terms after the given ones. */
  continuationRight: number;
  wrongCases: { rule: string; given: string[]; guessed: string; formula: string }[];
}

/** How the cascade does on sequences with known rules: right next term, wrong answers, abstentions. */
export function scoreRuleRecovery(cases: readonly RuleSequence[], options: SolverOptions = {}): RuleRecoveryScore {
  let right = 0;
  let wrong = 0;
  let abstained = 0;
  let continuationRight = 0;
  const wrongCases: RuleRecoveryScore["wrongCases"] = [];
  for (const c of cases) {
    const [fit] = guessNextTerms(c.given, { ...options, maxCandidates: 1 });
    if (!fit) {
      abstained++;
      continue;
    }
    if (fit.next === c.next[0]) right++;
    else {
      wrong++;
      wrongCases.push({ rule: c.rule, given: c.given.map(String), guessed: fit.next.toString(), formula: fit.formula });
    }
    const more = fit.continuation(c.next.length);
    if (more && more.every((x, i) => x === c.next[i])) continuationRight++;
  }
  const n = cases.length;
  return { n, top1: n ? right / n : 0, wrong, abstained, continuationRight: n ? continuationRight / n : 0, wrongCases };
}
