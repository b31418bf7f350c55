/**
 * "What comes next?": a next-term benchmark on held-out OEIS sequences.
 *
 * Held-out sequences. The LSTM next-integer trainer builds `SequenceDataset(sequences, {seqLen,
 * maxValue})` (rows: sequences whose first seqLen terms are in [0, maxValue)) and holds out
 * `split(validationShare, seed).validation`. `nextTermSplit` calls the same code on the same
 * sequences, so the LSTM's validation rows are held out here too; of the sequences that never
 * became a row (the LSTM never saw them), the same share is held out by a seeded permutation with
 * the same seed. Then a held-out sequence is dropped when its A-number, or its first seqLen terms,
 * also occur among the sequences left for training. Everything not held out is the training split
 * (the frequency baseline counts successors there; the cascade's `minChecks` is chosen there).
 *
 * Items. For each held-out sequence and each prefix length (10, 20, and "all": every term but the
 * last) the given terms and the true next term, exact (BigInt).
 *
 * Methods (each gives up to k ranked candidates or abstains): the solver families and their
 * cascade (`math/sequence-solvers.ts`), the LSTM, the most frequent successor of the last term in
 * the training split, "repeat the last difference", and "cascade, else LSTM".
 *
 * Metrics: top-1 and top-k accuracy over all items (an abstention is a miss), coverage (share of
 * items answered) and accuracy when answering, over all items and by prefix and by features of the
 * given terms (length, growth rate, sign changes). Everything is scored from the prediction records
 * that `--predictions` writes, so an independent program can recompute every figure.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../random";
import { SequenceDataset } from "../datasets/sequence-dataset";
import type { OeisCollection } from "../data/oeis";
import { abbreviateDigits, abbreviateLongNumbers } from "../data/oeis-stats";
import { progress, ProgressMode } from "../display/progress";
import { DEFAULT_MIN_CHECKS, ModelSpec, SOLVER_FAMILIES, SolverFamily, SequenceFit, guessNextTerms, solveByFamily } from "../math/sequence-solvers";
import { NextIntegerPredictor, predictNext } from "./predict-next";

// ---------------------------------------------------------------- split

/** The parts of an LSTM run's config that decide its train/validation split. */
export interface NextTermSplitConfig {
  seqLen: number;
  maxValue: number;
  validationShare: number;
  seed: number;
}

export interface NextTermSplit {
  /** Collection indices of the held-out sequences, ascending. */
  heldOut: number[];
  /** Collection indices of the training split (everything else), ascending. */
  train: number[];
  counts: {
    sequences: number;
    /** Sequences that are LSTM rows (first seqLen terms in [0, maxValue)). */
    lstmRows: number;
    lstmTrainRows: number;
    lstmValidationRows: number;
    /** Held out among the sequences that are not LSTM rows. */
    otherHeldOut: number;
    /** Held-out candidates dropped: their A-number or first seqLen terms are in the training split. */
    droppedDuplicates: number;
  };
}

function prefixKey(collection: OeisCollection, i: number, length: number): string {
  const end = Math.min(collection.offsets[i] + length, collection.offsets[i + 1]);
  const parts: string[] = [];
  for (let k = collection.offsets[i]; k < end; k++) {
    const v = collection.values[k];
    parts.push(v === v ? String(v) : collection.hugeTerms.get(k)!);
  }
  return parts.join(",");
}

/**
 * The held-out sequences of the next-term benchmark, agreeing with an LSTM run's split (see the
 * module comment). `collection` must be the file the run trained on for the agreement to mean
 * anything; the split itself works on any collection.
 */
export function nextTermSplit(collection: OeisCollection, config: NextTermSplitConfig): NextTermSplit {
  const { seqLen, maxValue, validationShare, seed } = config;
  // the trainer's own code path (src/train/lstm-lm.ts: new SequenceDataset(...).split(share, seed))
  const rows = new SequenceDataset(collection, { seqLen, maxValue });
  const { train: lstmTrain, validation: lstmValidation } = rows.split(validationShare, seed);
  const isRow = new Uint8Array(collection.length);
  for (const s of rows.sourceIndex) isRow[s] = 1;
  const others: number[] = [];
  for (let i = 0; i < collection.length; i++) if (!isRow[i]) others.push(i);
  const perm = new Rng(seed).permutation(others.length);
  const nOther = Math.round(others.length * validationShare);
  const candidate = new Uint8Array(collection.length);
  for (const s of lstmValidation.sourceIndex) candidate[s] = 1;
  for (let j = 0; j < nOther; j++) candidate[others[perm[j]]] = 1;
  // a held-out sequence must not also be in training by A-number or by its first seqLen terms
  const trainIds = new Set<number>();
  const trainKeys = new Set<string>();
  for (let i = 0; i < collection.length; i++) {
    if (candidate[i]) continue;
    trainIds.add(collection.ids[i]);
    trainKeys.add(prefixKey(collection, i, seqLen));
  }
  const heldOut: number[] = [];
  const train: number[] = [];
  let dropped = 0;
  const seenIds = new Set<number>();
  for (let i = 0; i < collection.length; i++) {
    if (!candidate[i]) {
      train.push(i);
      continue;
    }
    if (trainIds.has(collection.ids[i]) || trainKeys.has(prefixKey(collection, i, seqLen)) || seenIds.has(collection.ids[i])) {
      dropped++;
      continue;
    }
    seenIds.add(collection.ids[i]);
    heldOut.push(i);
  }
  return {
    heldOut,
    train,
    counts: {
      sequences: collection.length,
      lstmRows: rows.size,
      lstmTrainRows: lstmTrain.size,
      lstmValidationRows: lstmValidation.size,
      otherHeldOut: nOther,
      droppedDuplicates: dropped,
    },
  };
}

// ---------------------------------------------------------------- items and features

/** A prefix length, or "all": every term but the last. */
export type PrefixSpec = number | "all";

/** Parse "10,20,all" (a --prefix flag); throws naming the bad part. */
export function parsePrefixList(text: string, flag = "--prefix"): PrefixSpec[] {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length === 0) throw new RangeError(`${flag} needs prefix lengths such as 10,20,all`);
  return parts.map((p) => {
    if (p === "all") return "all";
    if (!/^\d+$/.test(p) || Number(p) < 2) throw new RangeError(`${flag}: "${p}" is not a prefix length ≥ 2 or "all"`);
    return Number(p);
  });
}

export const DEFAULT_PREFIXES: readonly PrefixSpec[] = [10, 20, "all"];

export interface SequenceFeatures {
  /** Number of given terms: "≤ 10", "11–20", "21–40", "41+". */
  length: string;
  /** Growth of the bit length over the given terms: "slow", "medium", "fast" (see `sequenceFeatures`). */
  growth: string;
  /** Sign changes between consecutive non-zero terms: "none", "1–2", "3+". */
  signChanges: string;
}

export const FEATURE_NAMES = ["length", "growth", "signChanges"] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

function bitLength(x: bigint): number {
  const a = x < 0n ? -x : x;
  return a === 0n ? 0 : a.toString(2).length;
}

/**
 * Keyword-free features of the given terms, computed exactly (integers only):
 * - length bucket of the number of given terms;
 * - growth: with h = ⌊g/2⌋ and B1, B2 the sums of the bit lengths of |a| over the first and the
 *   last h terms, the rate (B2 − B1)/h² bits per term: "slow" ≤ 0.1 < "medium" ≤ 0.5 < "fast";
 * - sign changes between consecutive non-zero terms.
 */
export function sequenceFeatures(given: readonly bigint[]): SequenceFeatures {
  const g = given.length;
  const length = g <= 10 ? "≤ 10" : g <= 20 ? "11–20" : g <= 40 ? "21–40" : "41+";
  const h = Math.floor(g / 2);
  let growth = "slow";
  if (h >= 1) {
    let b1 = 0;
    let b2 = 0;
    for (let k = 0; k < h; k++) {
      b1 += bitLength(given[k]);
      b2 += bitLength(given[g - h + k]);
    }
    const diff = b2 - b1;
    growth = 10 * diff <= h * h ? "slow" : 2 * diff <= h * h ? "medium" : "fast";
  }
  let changes = 0;
  let lastSign = 0;
  for (const x of given) {
    const s = x > 0n ? 1 : x < 0n ? -1 : 0;
    if (s === 0) continue;
    if (lastSign !== 0 && s !== lastSign) changes++;
    lastSign = s;
  }
  return { length, growth, signChanges: changes === 0 ? "none" : changes <= 2 ? "1–2" : "3+" };
}

export interface NextTermItem {
  /** A-number, e.g. "A000045". */
  id: string;
  /** Index of the sequence in its collection. */
  index: number;
  /** "10", "20", ... or "all". */
  prefix: string;
  given: bigint[];
  answer: bigint;
  features: SequenceFeatures;
}

/**
 * The benchmark items of the given sequences: for each prefix spec the first p terms and the term
 * after them (sequences with at most p terms give no item for p; "all" needs at least 3 terms).
 */
export function nextTermItems(collection: OeisCollection, indices: readonly number[], prefixes: readonly PrefixSpec[] = DEFAULT_PREFIXES): NextTermItem[] {
  const items: NextTermItem[] = [];
  for (const i of indices) {
    const terms = collection.terms(i).map((t) => BigInt(t));
    for (const p of prefixes) {
      const len = p === "all" ? terms.length - 1 : p;
      if (len < 2 || len >= terms.length) continue;
      const given = terms.slice(0, len);
      items.push({ id: collection.id(i), index: i, prefix: String(p), given, answer: terms[len], features: sequenceFeatures(given) });
    }
  }
  return items;
}

// ---------------------------------------------------------------- predictors

/** A method's answer on one item: ranked distinct candidates, or null (abstains). */
export type Candidates = bigint[] | null;

/** A solver's answer: the ranked fits (each with its model), or null. */
export type SolverAnswer = SequenceFit[] | null;

/** The cascade's name among the methods; the families use their own names. */
export const CASCADE_METHOD = "cascade";
export const LSTM_METHOD = "lstm";
export const FREQUENCY_METHOD = "frequency";
export const LAST_DIFFERENCE_METHOD = "last-difference";
export const COMBINED_METHOD = "cascade+lstm";

/**
 * The solver families and their cascade on every item (each model fitted once per item).
 * `seconds`: time spent per family (the cascade reuses the families' fits).
 */
export function solverAnswers(
  items: readonly NextTermItem[],
  options: { minChecks?: number; k?: number; progressMode?: ProgressMode } = {},
): { answers: Record<string, SolverAnswer[]>; seconds: Record<SolverFamily | "total", number> } {
  const k = options.k ?? 10;
  const answers: Record<string, SolverAnswer[]> = { [CASCADE_METHOD]: [] };
  for (const f of SOLVER_FAMILIES) answers[f] = [];
  const seconds = { total: 0 } as Record<SolverFamily | "total", number>;
  for (const f of SOLVER_FAMILIES) seconds[f] = 0;
  const bar = progress({ total: items.length, label: "solvers", unit: "item", mode: options.progressMode });
  const t0 = performance.now();
  for (const item of items) {
    const r = solveByFamily(item.given, { minChecks: options.minChecks ?? DEFAULT_MIN_CHECKS, maxCandidates: k });
    answers[CASCADE_METHOD].push(r.cascade.length ? r.cascade : null);
    for (const f of SOLVER_FAMILIES) {
      answers[f].push(r.byFamily[f].length ? r.byFamily[f] : null);
      seconds[f] += r.seconds[f];
    }
    bar.tick();
  }
  bar.done();
  seconds.total = (performance.now() - t0) / 1000;
  return { answers, seconds };
}

/** "Repeat the last difference": a(n) = 2a(n-1) − a(n-2) (needs two terms). */
export function lastDifferenceCandidates(items: readonly NextTermItem[]): Candidates[] {
  return items.map(({ given }) => {
    const g = given.length;
    return g < 2 ? null : [2n * given[g - 1] - given[g - 2]];
  });
}

/** Successor counts of every term value in a set of sequences: value → (next value → count). */
export interface SuccessorTable {
  successors: Map<string, Map<string, number>>;
  pairs: number;
}

/** Count the successors of every term in the sequences `indices` of `collection` (exact values). */
export function successorTable(collection: OeisCollection, indices: readonly number[]): SuccessorTable {
  const successors = new Map<string, Map<string, number>>();
  let pairs = 0;
  const text = (k: number): string => {
    const v = collection.values[k];
    return v === v ? String(v) : collection.hugeTerms.get(k)!;
  };
  for (const i of indices) {
    let prev: string | null = null;
    for (let k = collection.offsets[i]; k < collection.offsets[i + 1]; k++) {
      const cur = text(k);
      if (prev !== null) {
        let m = successors.get(prev);
        if (!m) successors.set(prev, (m = new Map()));
        m.set(cur, (m.get(cur) ?? 0) + 1);
        pairs++;
      }
      prev = cur;
    }
  }
  return { successors, pairs };
}

/** The k most frequent successors of each item's last term (ties: smaller value first); null when the last term never occurs. */
export function frequencyCandidates(items: readonly NextTermItem[], table: SuccessorTable, k = 10): Candidates[] {
  const cache = new Map<string, bigint[]>();
  return items.map(({ given }) => {
    const last = given[given.length - 1].toString();
    let ranked = cache.get(last);
    if (!ranked) {
      const m = table.successors.get(last);
      if (!m) return null;
      ranked = [...m.entries()]
        .map(([v, c]) => ({ v: BigInt(v), c }))
        .sort((x, y) => y.c - x.c || (x.v < y.v ? -1 : x.v > y.v ? 1 : 0))
        .slice(0, k)
        .map((e) => e.v);
      cache.set(last, ranked);
    }
    return ranked;
  });
}

/**
 * The LSTM's k most probable next integers for each item. The model reads the last `window` given
 * terms (all of them when there are fewer; the trainer's rows have seqLen − 1 inputs, so pass
 * seqLen − 1); it abstains when one of those terms is outside its integers 0..maxValue−1.
 */
export function lstmCandidates(
  model: NextIntegerPredictor,
  items: readonly NextTermItem[],
  options: { k?: number; window: number; batchSize?: number },
): Candidates[] {
  const k = Math.min(options.k ?? 10, model.config.maxValue);
  const { window } = options;
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`lstmCandidates: window must be an integer ≥ 1, got ${window}`);
  const batchSize = options.batchSize ?? 256;
  const max = BigInt(model.config.maxValue);
  const out: Candidates[] = items.map(() => null);
  const byLength = new Map<number, { item: number; input: number[] }[]>();
  items.forEach(({ given }, i) => {
    const input = given.slice(Math.max(0, given.length - window));
    if (!input.every((x) => x >= 0n && x < max)) return;
    const list = byLength.get(input.length) ?? [];
    list.push({ item: i, input: input.map(Number) });
    byLength.set(input.length, list);
  });
  for (const [len, group] of byLength) {
    for (let s = 0; s < group.length; s += batchSize) {
      const chunk = group.slice(s, s + batchSize);
      const data = new Int32Array(chunk.length * len);
      chunk.forEach((c, b) => data.set(c.input, b * len));
      const indices = tf.tidy(() => {
        const logits = model.forward(tf.tensor2d(data, [chunk.length, len], "int32"));
        const last = logits.slice([0, len - 1, 0], [chunk.length, 1, -1]).reshape([chunk.length, -1]);
        return tf.topk(last, k).indices.arraySync() as number[][];
      });
      chunk.forEach((c, b) => (out[c.item] = indices[b].map((v) => BigInt(v))));
    }
  }
  return out;
}

/** "Primary when it answers, else fallback": the primary's candidates, then the fallback's new ones, up to k. */
export function combineCandidates(primary: readonly Candidates[], fallback: readonly Candidates[], k = 10): Candidates[] {
  return primary.map((p, i) => {
    const f = fallback[i];
    if (!p && !f) return null;
    const out: bigint[] = [];
    for (const x of [...(p ?? []), ...(f ?? [])]) if (!out.includes(x) && out.length < k) out.push(x);
    return out;
  });
}

// ---------------------------------------------------------------- prediction records and scores

/** One solver candidate in a record: the next term and the model that gives it. */
export interface RecordedFit {
  next: string;
  formula: string;
  spec: ModelSpec;
}

/** One line of a `--predictions` file: an item and every method's answer (decimal strings). */
export interface NextTermRecord {
  id: string;
  prefix: string;
  given: string[];
  answer: string;
  features: SequenceFeatures;
  /** Method → ranked candidates, or null when it abstains. */
  methods: Record<string, string[] | null>;
  /** Solver method → its fits, in the order of its candidates (so they can be re-verified). */
  models: Record<string, RecordedFit[]>;
}

export function nextTermRecords(
  items: readonly NextTermItem[],
  candidates: Record<string, readonly Candidates[]>,
  solvers: Record<string, readonly SolverAnswer[]> = {},
): NextTermRecord[] {
  return items.map((item, i) => {
    const methods: Record<string, string[] | null> = {};
    const models: Record<string, RecordedFit[]> = {};
    for (const [name, answers] of Object.entries(solvers)) {
      const fits = answers[i];
      methods[name] = fits ? fits.map((f) => f.next.toString()) : null;
      if (fits) models[name] = fits.map((f) => ({ next: f.next.toString(), formula: f.formula, spec: f.spec }));
    }
    for (const [name, list] of Object.entries(candidates)) methods[name] = list[i] ? list[i]!.map(String) : null;
    return { id: item.id, prefix: item.prefix, given: item.given.map(String), answer: item.answer.toString(), features: item.features, methods, models };
  });
}

export interface MethodScore {
  top1: number;
  /** Top-k accuracy, k as scored. */
  topk: number;
  coverage: number;
  /** top1 / coverage (null when the method never answers). */
  top1WhenAnswering: number | null;
  answered: number;
  right1: number;
  rightK: number;
}

export interface ScoreGroup {
  /** "prefix" or a feature name. */
  by: string;
  value: string;
  n: number;
  methods: Record<string, MethodScore>;
}

export interface NextTermScores {
  k: number;
  n: number;
  methods: Record<string, MethodScore>;
  groups: ScoreGroup[];
}

function scoreRecords(records: readonly NextTermRecord[], names: readonly string[], k: number): Record<string, MethodScore> {
  const out: Record<string, MethodScore> = {};
  const n = records.length;
  for (const name of names) {
    let answered = 0;
    let right1 = 0;
    let rightK = 0;
    for (const r of records) {
      const c = r.methods[name];
      if (!c || c.length === 0) continue;
      answered++;
      if (c[0] === r.answer) right1++;
      if (c.slice(0, k).includes(r.answer)) rightK++;
    }
    out[name] = {
      top1: n ? right1 / n : 0,
      topk: n ? rightK / n : 0,
      coverage: n ? answered / n : 0,
      top1WhenAnswering: answered ? right1 / answered : null,
      answered,
      right1,
      rightK,
    };
  }
  return out;
}

/** Scores of every method over all records, by prefix and by each feature (groups in a fixed order). */
export function scoreNextTerm(records: readonly NextTermRecord[], k = 10): NextTermScores {
  const names = [...new Set(records.flatMap((r) => Object.keys(r.methods)))];
  const groups: ScoreGroup[] = [];
  const groupBy = (by: string, key: (r: NextTermRecord) => string, order: readonly string[]): void => {
    const rank = (v: string) => (order.includes(v) ? order.indexOf(v) : order.length);
    const values = [...new Set(records.map(key))].sort((x, y) => rank(x) - rank(y) || (x < y ? -1 : x > y ? 1 : 0));
    for (const value of values) {
      const subset = records.filter((r) => key(r) === value);
      groups.push({ by, value, n: subset.length, methods: scoreRecords(subset, names, k) });
    }
  };
  groupBy("prefix", (r) => r.prefix, ["10", "20", "all"]);
  groupBy("length", (r) => r.features.length, ["≤ 10", "11–20", "21–40", "41+"]);
  groupBy("growth", (r) => r.features.growth, ["slow", "medium", "fast"]);
  groupBy("signChanges", (r) => r.features.signChanges, ["none", "1–2", "3+"]);
  return { k, n: records.length, methods: scoreRecords(records, names, k), groups };
}

/** The `--json` record: {"n", "methods": {name: {"top1", "top<k>", "coverage"}}} (+ "groups" when asked). */
export function nextTermJson(scores: NextTermScores, options: { groups?: boolean } = {}): Record<string, unknown> {
  const brief = (m: Record<string, MethodScore>) =>
    Object.fromEntries(Object.entries(m).map(([name, s]) => [name, { top1: s.top1, [`top${scores.k}`]: s.topk, coverage: s.coverage }]));
  return {
    n: scores.n,
    methods: brief(scores.methods),
    ...(options.groups ? { groups: scores.groups.map((g) => ({ by: g.by, value: g.value, n: g.n, methods: brief(g.methods) })) } : {}),
  };
}

/** Rows for a table: one per method, with accuracy when answering. */
export function nextTermTable(scores: NextTermScores, seconds: Record<string, number> = {}): Record<string, string | number>[] {
  const pct = (x: number | null) => (x === null ? "—" : `${(100 * x).toFixed(1)}%`);
  return Object.entries(scores.methods).map(([method, s]) => ({
    method,
    top1: pct(s.top1),
    [`top${scores.k}`]: pct(s.topk),
    coverage: pct(s.coverage),
    "top-1 when answering": pct(s.top1WhenAnswering),
    ...(Object.keys(seconds).length ? { seconds: seconds[method] === undefined ? "" : seconds[method].toFixed(2) } : {}),
  }));
}

// ---------------------------------------------------------------- the benchmark

export interface NextTermBenchmarkOptions {
  collection: OeisCollection;
  /** The LSTM run's split settings (the held-out set agrees with its validation rows). */
  split: NextTermSplitConfig;
  /** The LSTM (omit to leave it out, e.g. without a checkpoint). */
  model?: NextIntegerPredictor;
  /** Terms the LSTM reads (default: split.seqLen − 1, its training input length). */
  lstmWindow?: number;
  prefixes?: readonly PrefixSpec[];
  k?: number;
  minChecks?: number;
  /** Use only the first this many held-out sequences (smoke runs, tests). */
  limit?: number;
  progressMode?: ProgressMode;
}

export interface NextTermBenchmark {
  split: NextTermSplit;
  items: NextTermItem[];
  records: NextTermRecord[];
  scores: NextTermScores;
  /** Seconds per method (per solver family; "cascade" is all families together). */
  seconds: Record<string, number>;
  /** Method names in display order. */
  methods: string[];
}

/** Split, build the items, run every method and score them. */
export function runNextTermBenchmark(options: NextTermBenchmarkOptions): NextTermBenchmark {
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be an integer ≥ 1, got ${k}`);
  const split = nextTermSplit(options.collection, options.split);
  const indices = options.limit === undefined ? split.heldOut : split.heldOut.slice(0, options.limit);
  const items = nextTermItems(options.collection, indices, options.prefixes ?? DEFAULT_PREFIXES);
  const seconds: Record<string, number> = {};
  const solved = solverAnswers(items, { minChecks: options.minChecks, k, progressMode: options.progressMode });
  for (const f of SOLVER_FAMILIES) seconds[f] = solved.seconds[f];
  seconds[CASCADE_METHOD] = solved.seconds.total;
  const candidates: Record<string, Candidates[]> = {};
  const solverTop = (fits: SolverAnswer): Candidates => (fits ? fits.map((f) => f.next) : null);
  const cascade = solved.answers[CASCADE_METHOD].map(solverTop);
  if (options.model) {
    const t0 = performance.now();
    candidates[LSTM_METHOD] = lstmCandidates(options.model, items, { k, window: options.lstmWindow ?? options.split.seqLen - 1 });
    seconds[LSTM_METHOD] = (performance.now() - t0) / 1000;
  }
  let t0 = performance.now();
  const table = successorTable(options.collection, split.train);
  candidates[FREQUENCY_METHOD] = frequencyCandidates(items, table, k);
  seconds[FREQUENCY_METHOD] = (performance.now() - t0) / 1000;
  t0 = performance.now();
  candidates[LAST_DIFFERENCE_METHOD] = lastDifferenceCandidates(items);
  seconds[LAST_DIFFERENCE_METHOD] = (performance.now() - t0) / 1000;
  if (options.model) {
    candidates[COMBINED_METHOD] = combineCandidates(cascade, candidates[LSTM_METHOD], k);
    seconds[COMBINED_METHOD] = seconds[CASCADE_METHOD] + seconds[LSTM_METHOD];
  }
  const solverMethods: Record<string, SolverAnswer[]> = {};
  for (const f of SOLVER_FAMILIES) solverMethods[f] = solved.answers[f];
  solverMethods[CASCADE_METHOD] = solved.answers[CASCADE_METHOD];
  const records = nextTermRecords(items, candidates, solverMethods);
  const scores = scoreNextTerm(records, k);
  const methods = [...SOLVER_FAMILIES, CASCADE_METHOD, ...Object.keys(candidates)];
  return { split, items, records, scores, seconds, methods };
}

/**
 * Choosing the cascade's `minChecks` on the training split (never on the held-out sequences): for
 * each value, the cascade's coverage, top-1 and top-1 when answering, and the top-1 of "cascade,
 * else repeat the last difference" (a fallback that needs no training, so a wrong answer of the
 * cascade costs what the fallback would have got right). Returns one row per value.
 */
export function minChecksSweep(
  collection: OeisCollection,
  indices: readonly number[],
  values: readonly number[],
  options: { prefixes?: readonly PrefixSpec[]; progressMode?: ProgressMode } = {},
): { minChecks: number; n: number; coverage: number; top1: number; top1WhenAnswering: number | null; withFallback: number; seconds: number }[] {
  const items = nextTermItems(collection, indices, options.prefixes ?? DEFAULT_PREFIXES);
  const fallback = lastDifferenceCandidates(items);
  return values.map((m) => {
    const t0 = performance.now();
    const { answers } = solverAnswers(items, { minChecks: m, k: 1, progressMode: options.progressMode ?? "silent" });
    const cascade = answers[CASCADE_METHOD];
    let answered = 0;
    let right = 0;
    let rightWithFallback = 0;
    cascade.forEach((fits, i) => {
      const truth = items[i].answer;
      if (fits) {
        answered++;
        if (fits[0].next === truth) right++;
      }
      const guess = fits ? fits[0].next : fallback[i]?.[0];
      if (guess === truth) rightWithFallback++;
    });
    const n = items.length;
    return {
      minChecks: m,
      n,
      coverage: answered / n,
      top1: right / n,
      top1WhenAnswering: answered ? right / answered : null,
      withFallback: rightWithFallback / n,
      seconds: (performance.now() - t0) / 1000,
    };
  });
}

/** Items the LSTM gets right (top-1) and the cascade does not, and the reverse. */
export function nextTermContrasts(
  records: readonly NextTermRecord[],
  a = LSTM_METHOD,
  b = CASCADE_METHOD,
  limit = 10,
): { onlyA: NextTermRecord[]; onlyB: NextTermRecord[] } {
  const right = (r: NextTermRecord, m: string) => r.methods[m]?.[0] === r.answer;
  return {
    onlyA: records.filter((r) => right(r, a) && !right(r, b)).slice(0, limit),
    onlyB: records.filter((r) => right(r, b) && !right(r, a)).slice(0, limit),
  };
}

/** Table rows of records: the id and prefix, the last given terms, the answer, and each method's first candidate (integers of more than 24 digits abbreviated). */
export function nextTermExampleRows(
  records: readonly NextTermRecord[],
  methods: readonly string[] = [CASCADE_METHOD, LSTM_METHOD],
  shown = 8,
): Record<string, string>[] {
  return records.map((r) => {
    const tail = r.given.slice(-shown);
    const row: Record<string, string> = {
      sequence: r.id,
      prefix: r.prefix,
      given: `${r.given.length > shown ? "…, " : ""}${tail.map((t) => abbreviateDigits(t)).join(", ")}`,
      answer: abbreviateDigits(r.answer),
    };
    for (const m of methods) {
      const first = r.methods[m]?.[0];
      row[m] = first === undefined ? "—" : abbreviateDigits(first);
    }
    const fit = r.models[CASCADE_METHOD]?.[0];
    row.formula = fit ? abbreviateLongNumbers(fit.formula) : "";
    return row;
  });
}

/**
 * What comes next after a typed sequence: one row per solver model (its formula and continuation)
 * and, with a model, one for the LSTM's most probable next integers (with probabilities; "—" when a
 * term it would read is outside its integers). Integers of more than 24 digits are abbreviated.
 */
export function whatComesNextRows(
  terms: readonly bigint[],
  options: { model?: NextIntegerPredictor; window?: number; count?: number; candidates?: number; minChecks?: number; k?: number } = {},
): Record<string, string>[] {
  const count = options.count ?? 5;
  const fits = guessNextTerms(terms, { maxCandidates: options.candidates ?? 3, minChecks: options.minChecks });
  const rows: Record<string, string>[] = fits.map((f) => ({
    method: f.family,
    model: `${f.model} (${f.cost} terms fix it, ${f.checks} check it)`,
    formula: abbreviateLongNumbers(f.formula),
    next: (f.continuation(count) ?? [f.next]).map((t) => abbreviateDigits(t.toString())).join(", "),
  }));
  if (fits.length === 0) rows.push({ method: "solvers", model: "no model explains the terms", formula: "", next: "—" });
  if (options.model) {
    const { maxValue } = options.model.config;
    const window = options.window ?? terms.length;
    const input = terms.slice(Math.max(0, terms.length - window));
    const inRange = input.every((x) => x >= 0n && x < BigInt(maxValue));
    const guesses = inRange ? predictNext(options.model, input.map(Number), options.k ?? 5) : [];
    rows.push({
      method: LSTM_METHOD,
      model: inRange ? `reads the last ${input.length} terms` : `abstains: a term is outside 0..${maxValue - 1}`,
      formula: "",
      next: inRange ? guesses.map((g) => `${g.value} (${(100 * g.probability).toFixed(1)}%)`).join(", ") : "—",
    });
  }
  return rows;
}
