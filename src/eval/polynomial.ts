/**
 * Scoring polynomial-expansion predictions: exact string match (the seed's score) and symbolic
 * equivalence (the prediction expands to the same polynomial as the target, checked with our
 * expander), both recomputed from the predictions themselves. Plus example tables and a
 * side-by-side comparison of configurations.
 */
import { polynomialsEquivalent } from "../math/polynomial";
import type { Transformer } from "../models/transformer";
import { beamSearch, greedyDecode } from "../models/decoding";
import { PolynomialLanguage, tokenizePolynomial } from "../tokenizers/polynomial-language";
import { linearFactorsOfProduct, polynomialLetter } from "../data/polynomial-generator";
import type { PolynomialPair } from "../data/polynomials";

/** One scored prediction. */
export interface PolynomialPrediction {
  factored: string;
  expanded: string;
  predicted: string;
}

export interface ScoredPolynomialPrediction extends PolynomialPrediction {
  /** 1 when `predicted === expanded` (the seed's score), else 0. */
  exact: 0 | 1;
  /** 1 when `predicted` expands to the same polynomial as `expanded`. */
  equivalent: 0 | 1;
}

/** Aggregate scores; `exactMatch`/`equivalent` are fractions of `n`. */
export interface PolynomialScores {
  exactMatch: number;
  equivalent: number;
  n: number;
  exactCount: number;
  equivalentCount: number;
  /** Predictions that do not even parse as a polynomial. */
  unparsable: number;
}

/** Score one prediction. */
export function scorePolynomialPrediction(p: PolynomialPrediction): ScoredPolynomialPrediction {
  const exact = p.predicted === p.expanded ? 1 : 0;
  const equivalent = exact === 1 || polynomialsEquivalent(p.predicted, p.expanded) ? 1 : 0;
  return { ...p, exact, equivalent };
}

/** Score a list of predictions (recomputed from the strings, nothing trusted from the model). */
export function scorePolynomialPredictions(predictions: readonly PolynomialPrediction[]): { scores: PolynomialScores; rows: ScoredPolynomialPrediction[] } {
  const rows = predictions.map(scorePolynomialPrediction);
  let exactCount = 0;
  let equivalentCount = 0;
  let unparsable = 0;
  for (const r of rows) {
    exactCount += r.exact;
    equivalentCount += r.equivalent;
    if (r.equivalent === 0 && !polynomialsEquivalent(r.predicted, r.predicted)) unparsable++;
  }
  const n = rows.length;
  return {
    scores: { exactMatch: n ? exactCount / n : 0, equivalent: n ? equivalentCount / n : 0, n, exactCount, equivalentCount, unparsable },
    rows,
  };
}

/** Rows for an examples table (input, target, prediction, scores); wrong ones first when `errorsFirst`. */
export function polynomialExampleRows(
  rows: readonly ScoredPolynomialPrediction[],
  options: { count?: number; errorsFirst?: boolean } = {},
): Array<{ input: string; target: string; predicted: string; exact: number; equivalent: number }> {
  const ordered = options.errorsFirst ? [...rows.filter((r) => r.exact === 0), ...rows.filter((r) => r.exact === 1)] : [...rows];
  return ordered.slice(0, options.count ?? 10).map((r) => ({
    input: r.factored,
    target: r.expanded,
    predicted: r.predicted,
    exact: r.exact,
    equivalent: r.equivalent,
  }));
}

/** Two (or more) configurations side by side: one row per configuration. */
export function comparePolynomialScores(
  runs: ReadonlyArray<{ name: string; scores: PolynomialScores; details?: Record<string, string | number> }>,
): Array<Record<string, string | number>> {
  return runs.map((r) => ({
    configuration: r.name,
    ...(r.details ?? {}),
    n: r.scores.n,
    exactMatch: Number(r.scores.exactMatch.toFixed(4)),
    equivalent: Number(r.scores.equivalent.toFixed(4)),
    unparsable: r.scores.unparsable,
  }));
}

/** Rows where two configurations disagree on exact match (same inputs in the same order). */
export function polynomialDisagreements(
  a: readonly ScoredPolynomialPrediction[],
  b: readonly ScoredPolynomialPrediction[],
  labels: [string, string] = ["a", "b"],
  count = 10,
): Array<Record<string, string>> {
  if (a.length !== b.length) throw new Error(`polynomialDisagreements: ${a.length} vs ${b.length} predictions`);
  const out: Array<Record<string, string>> = [];
  for (let i = 0; i < a.length && out.length < count; i++) {
    if (a[i].factored !== b[i].factored) throw new Error(`polynomialDisagreements: row ${i} has different inputs`);
    if (a[i].exact !== b[i].exact) {
      out.push({ input: a[i].factored, target: a[i].expanded, [labels[0]]: a[i].predicted, [labels[1]]: b[i].predicted });
    }
  }
  return out;
}

export interface PolynomialPredictOptions {
  /** 1 (default): greedy decoding; k > 1: beam search, best candidate. */
  beams?: number;
  batchSize?: number;
  /** Called after each chunk with the number of sources done (for progress bars). */
  onProgress?(done: number): void;
}

/** Expand factored polynomials with a trained model (greedy or beam search); returns decoded strings. */
export function predictPolynomials(
  model: Transformer,
  language: PolynomialLanguage,
  factored: readonly string[],
  options: PolynomialPredictOptions = {},
): string[] {
  const beams = options.beams ?? 1;
  const chunkSize = options.batchSize ?? 256;
  const out: string[] = [];
  const decodeOptions = { sosId: PolynomialLanguage.SOS, eosId: PolynomialLanguage.EOS, batchSize: chunkSize, forbidden: [PolynomialLanguage.UNK] };
  for (let start = 0; start < factored.length; start += chunkSize) {
    const sources = factored.slice(start, start + chunkSize).map((f) => language.encode(f));
    const tokens =
      beams <= 1
        ? greedyDecode(model, sources, decodeOptions)
        : beamSearch(model, sources, { ...decodeOptions, beams }).map((candidates) => candidates[0]?.tokens ?? []);
    for (const t of tokens) out.push(language.decode(t));
    options.onProgress?.(Math.min(start + chunkSize, factored.length));
  }
  return out;
}

/** Predict and score pairs: exact match and symbolic equivalence recomputed from the predictions. */
export function evaluatePolynomialModel(
  model: Transformer,
  language: PolynomialLanguage,
  pairs: readonly PolynomialPair[],
  options: PolynomialPredictOptions = {},
): { scores: PolynomialScores; rows: ScoredPolynomialPrediction[]; seconds: number } {
  const t0 = Date.now();
  const predicted = predictPolynomials(
    model,
    language,
    pairs.map((p) => p.factored),
    options,
  );
  const scored = scorePolynomialPredictions(pairs.map((p, i) => ({ factored: p.factored, expanded: p.expanded, predicted: predicted[i] })));
  return { ...scored, seconds: (Date.now() - t0) / 1000 };
}

/** The form of a factored source: what the per-form scores group by. */
export type PolynomialForm = "two linear factors" | "monomial × linear" | "monomial" | "trigonometric" | "other";

/**
 * The form of a factored source: "trigonometric" when its variable is `sin/cos/tan` of a letter,
 * else "two linear factors" (`(3*x-5)*(x+2)`, `(x-3)**2`), "monomial × linear" (`-4*s*(s+7)`),
 * "monomial" (`-7*x**2`), or "other" when it is not a product of two linear factors.
 */
export function polynomialForm(factored: string): PolynomialForm {
  let product: ReturnType<typeof linearFactorsOfProduct>;
  try {
    product = linearFactorsOfProduct(factored);
  } catch {
    return "other";
  }
  if (!product) return "other";
  if (product.symbol.length > 1) return "trigonometric";
  const monomials = (product.first.intercept === 0 ? 1 : 0) + (product.second.intercept === 0 ? 1 : 0);
  return monomials === 0 ? "two linear factors" : monomials === 1 ? "monomial × linear" : "monomial";
}

/** Exact match and equivalence of one group of predictions. */
export interface PolynomialGroupScore {
  n: number;
  exactMatch: number;
  equivalent: number;
}

/** Scores by variable letter, by form and by target length in tokens (buckets of 4: "1–4", "5–8", …). */
export interface PolynomialGroupScores {
  letter: Record<string, PolynomialGroupScore>;
  form: Record<string, PolynomialGroupScore>;
  targetLength: Record<string, PolynomialGroupScore>;
}

function targetLengthBucket(expanded: string): string {
  const n = tokenizePolynomial(expanded).length;
  const low = Math.floor((n - 1) / 4) * 4 + 1;
  return `${low}–${low + 3}`;
}

/**
 * Group scored predictions by variable letter (the letter inside `sin(…)` for a trigonometric
 * source; "?" when a source has none or several), by form (`polynomialForm`) and by target length.
 * Keys are sorted (letters a–z, forms as listed, lengths ascending).
 */
export function polynomialGroupScores(rows: readonly ScoredPolynomialPrediction[]): PolynomialGroupScores {
  const tally = (key: (r: ScoredPolynomialPrediction) => string, order: (a: string, b: string) => number): Record<string, PolynomialGroupScore> => {
    const counts = new Map<string, { n: number; exact: number; equivalent: number }>();
    for (const r of rows) {
      const k = key(r);
      const c = counts.get(k) ?? { n: 0, exact: 0, equivalent: 0 };
      c.n++;
      c.exact += r.exact;
      c.equivalent += r.equivalent;
      counts.set(k, c);
    }
    const out: Record<string, PolynomialGroupScore> = {};
    for (const k of [...counts.keys()].sort(order)) {
      const c = counts.get(k)!;
      out[k] = { n: c.n, exactMatch: c.exact / c.n, equivalent: c.equivalent / c.n };
    }
    return out;
  };
  const forms: readonly PolynomialForm[] = ["two linear factors", "monomial × linear", "monomial", "trigonometric", "other"];
  return {
    letter: tally(
      (r) => polynomialLetter(r.factored) ?? "?",
      (a, b) => a.localeCompare(b),
    ),
    form: tally(
      (r) => polynomialForm(r.factored),
      (a, b) => forms.indexOf(a as PolynomialForm) - forms.indexOf(b as PolynomialForm),
    ),
    targetLength: tally(
      (r) => targetLengthBucket(r.expanded),
      (a, b) => parseInt(a, 10) - parseInt(b, 10),
    ),
  };
}

/** One table row per group (`group`, `value`, `n`, `exactMatch`, `equivalent`), e.g. for a notebook table or a bar chart. */
export function polynomialGroupRows(groups: PolynomialGroupScores): Array<{ group: string; value: string; n: number; exactMatch: number; equivalent: number }> {
  const out: Array<{ group: string; value: string; n: number; exactMatch: number; equivalent: number }> = [];
  for (const [group, label] of [
    ["letter", "letter"],
    ["form", "form"],
    ["targetLength", "target length (tokens)"],
  ] as const) {
    for (const [value, s] of Object.entries(groups[group])) out.push({ group: label, value, n: s.n, exactMatch: s.exactMatch, equivalent: s.equivalent });
  }
  return out;
}

/**
 * Scores on pairs whose variable letter is in `letters` ("seen", e.g. the training data's letters)
 * and on the rest ("unseen"): the two numbers of a distribution-shift comparison.
 */
export function polynomialSeenUnseenScores(
  rows: readonly ScoredPolynomialPrediction[],
  letters: Iterable<string>,
): { seen: PolynomialGroupScore; unseen: PolynomialGroupScore } {
  const set = new Set(letters);
  const score = (part: readonly ScoredPolynomialPrediction[]): PolynomialGroupScore => ({
    n: part.length,
    exactMatch: part.length ? part.reduce((s, r) => s + r.exact, 0) / part.length : 0,
    equivalent: part.length ? part.reduce((s, r) => s + r.equivalent, 0) / part.length : 0,
  });
  const seen = rows.filter((r) => set.has(polynomialLetter(r.factored) ?? ""));
  const unseen = rows.filter((r) => !set.has(polynomialLetter(r.factored) ?? ""));
  return { seen: score(seen), unseen: score(unseen) };
}
