/**
 * Exploratory statistics of OEIS sequences: lengths, integer frequencies, most and least frequent
 * integers, negative and huge terms. Exact for every term: safe integers are counted in an
 * open-addressing hash table over a `Float64Array` (fast, no per-key objects), terms with
 * |t| ≥ 2^53 by their canonical decimal text. Values in results are numbers when they are safe
 * integers and decimal strings otherwise (`ExactValue`).
 */
import { OeisCollection } from "./oeis";

/** An integer value: a number when it is a safe integer, else its exact decimal text. */
export type ExactValue = number | string;

/** Compare two exact integer values numerically (-1, 0, 1). */
export function compareExact(a: ExactValue, b: ExactValue): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  const sa = signOf(a);
  const sb = signOf(b);
  if (sa !== sb) return sa < sb ? -1 : 1;
  const m = compareMagnitude(a, b);
  return sa < 0 ? 0 - m || 0 : m;
}

function signOf(v: ExactValue): number {
  if (typeof v === "number") return v < 0 ? -1 : v > 0 ? 1 : 0;
  return v.startsWith("-") ? -1 : 1;
}

/** Compare |a| and |b| (-1, 0, 1). Huge strings are always larger than safe numbers. */
export function compareMagnitude(a: ExactValue, b: ExactValue): number {
  if (typeof a === "number" && typeof b === "number") {
    const x = Math.abs(a);
    const y = Math.abs(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  const x = a.startsWith("-") ? a.slice(1) : a;
  const y = b.startsWith("-") ? b.slice(1) : b;
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Values in [SMALL_MIN, SMALL_MIN + SMALL_SIZE) are counted by direct indexing. */
const SMALL_MIN = -8192;
const SMALL_SIZE = (1 << 16) + 8192;

/**
 * Counts of safe integers. Small values (−8192 … 65535, the bulk of OEIS terms) are counted in
 * a direct-indexed array; all others in an open-addressing hash table over a Float64Array with
 * linear probing and Fibonacci hashing.
 */
export class NumberCounter {
  private readonly small = new Int32Array(SMALL_SIZE);
  private keys: Float64Array;
  private counts: Int32Array;
  private bits: number;
  private mask: number;
  private tableSize = 0;

  constructor(initialCapacity = 1 << 16) {
    let bits = 4;
    while (1 << bits < initialCapacity) bits++;
    this.bits = bits;
    this.mask = (1 << bits) - 1;
    this.keys = new Float64Array(1 << bits);
    this.counts = new Int32Array(1 << bits);
  }

  /** Number of distinct values counted. */
  get size(): number {
    let n = this.tableSize;
    const small = this.small;
    for (let j = 0; j < small.length; j++) if (small[j] !== 0) n++;
    return n;
  }

  private slot(v: number): number {
    // Fibonacci hashing on the top bits; values beyond int32 also mix in their high 32 bits
    let x = v | 0;
    if (x !== v) x = (v >>> 0) ^ Math.imul((v / 4294967296) | 0, 0x85ebca6b);
    return Math.imul(x, 0x9e3779b1) >>> (32 - this.bits);
  }

  /** Add `times` occurrences of `v` (a safe integer; -0 counts as 0). */
  add(v: number, times = 1): void {
    const j = v - SMALL_MIN;
    if (j >= 0 && j < SMALL_SIZE) {
      this.small[j] += times;
      return;
    }
    const keys = this.keys;
    const counts = this.counts;
    const mask = this.mask;
    let i = this.slot(v);
    for (;;) {
      const c = counts[i];
      if (c === 0) {
        keys[i] = v;
        counts[i] = times;
        if (++this.tableSize * 2 > mask) this.grow();
        return;
      }
      if (keys[i] === v) {
        counts[i] = c + times;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  get(v: number): number {
    const j = v - SMALL_MIN;
    if (j >= 0 && j < SMALL_SIZE) return Number.isInteger(j) ? this.small[j] : 0;
    let i = this.slot(v);
    for (;;) {
      const c = this.counts[i];
      if (c === 0) return 0;
      if (this.keys[i] === v) return c;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldCounts = this.counts;
    this.bits++;
    this.mask = (1 << this.bits) - 1;
    this.keys = new Float64Array(1 << this.bits);
    this.counts = new Int32Array(1 << this.bits);
    this.tableSize = 0;
    for (let i = 0; i < oldCounts.length; i++) if (oldCounts[i] !== 0) this.add(oldKeys[i], oldCounts[i]);
  }

  /** Call `fn(value, count)` for every value: small values ascending, then the rest in table order. */
  forEach(fn: (value: number, count: number) => void): void {
    const small = this.small;
    for (let j = 0; j < small.length; j++) if (small[j] !== 0) fn(j + SMALL_MIN, small[j]);
    const counts = this.counts;
    const keys = this.keys;
    for (let i = 0; i < counts.length; i++) if (counts[i] !== 0) fn(keys[i], counts[i]);
  }

  /** The direct-indexed counts: `counts[j]` is the count of `j + min`. Read-only by convention. */
  smallCounts(): { min: number; counts: Int32Array } {
    return { min: SMALL_MIN, counts: this.small };
  }

  /** Call `fn(value, count)` for the values outside the direct-indexed range, in table order. */
  forEachHashed(fn: (value: number, count: number) => void): void {
    const counts = this.counts;
    const keys = this.keys;
    for (let i = 0; i < counts.length; i++) if (counts[i] !== 0) fn(keys[i], counts[i]);
  }

  /** All counts (one per distinct value), unordered. */
  countArray(): Int32Array {
    const out: number[] = [];
    this.forEach((_, c) => out.push(c));
    return Int32Array.from(out);
  }
}

/** How often each integer occurs in a collection. */
export class IntegerFrequencies {
  constructor(
    readonly safe: NumberCounter,
    readonly huge: Map<string, number>,
  ) {}

  /** Count every term of the collection. */
  static of(collection: OeisCollection): IntegerFrequencies {
    const values = collection.values;
    const counter = new NumberCounter(Math.max(1 << 12, Math.min(1 << 21, values.length >> 3)));
    const { min, counts: small } = counter.smallCounts();
    const size = small.length;
    for (let k = 0; k < values.length; k++) {
      const v = values[k];
      const j = v - min;
      if (j >= 0 && j < size) small[j]++; // the common case, inlined
      else if (v === v) counter.add(v); // NaN marks a huge term, counted below
    }
    const huge = new Map<string, number>();
    for (const text of collection.hugeTerms.values()) huge.set(text, (huge.get(text) ?? 0) + 1);
    return new IntegerFrequencies(counter, huge);
  }

  get distinct(): number {
    return this.safe.size + this.huge.size;
  }

  /** Occurrences of `value` (a number, bigint or decimal string). */
  count(value: number | bigint | string): number {
    if (typeof value === "number") return Number.isSafeInteger(value) ? this.safe.get(value) : 0;
    const big = BigInt(value);
    const asNumber = Number(big);
    if (Number.isSafeInteger(asNumber) && BigInt(asNumber) === big) return this.safe.get(asNumber);
    return this.huge.get(big.toString()) ?? 0;
  }

  /** Visit every (value, count). */
  forEach(fn: (value: ExactValue, count: number) => void): void {
    this.safe.forEach(fn);
    for (const [text, c] of this.huge) fn(text, c);
  }

  /** The `k` most frequent values as [value, count], by count descending then value ascending. */
  top(k = 20): Array<[ExactValue, number]> {
    return summarizeFrequencies(this, k, 0).top;
  }

  /** Counts sorted from the most to the least frequent value (for rank-frequency plots). */
  rankFrequency(): Int32Array {
    const counts = new Int32Array(this.distinct);
    const safeCounts = this.safe.countArray();
    counts.set(safeCounts);
    let j = safeCounts.length;
    for (const c of this.huge.values()) counts[j++] = c;
    counts.sort();
    counts.reverse();
    return counts;
  }

  /** How many distinct values occur exactly c times: [c, number of values], c ascending. */
  countOfCounts(): Array<[number, number]> {
    const m = new Map<number, number>();
    this.forEach((_, c) => m.set(c, (m.get(c) ?? 0) + 1));
    return [...m.entries()].sort((a, b) => a[0] - b[0]);
  }
}

/** Keeps the best `k` entries under `order` in a small insertion-sorted buffer. */
class BestK {
  readonly items: Array<[ExactValue, number]> = [];
  constructor(
    readonly k: number,
    readonly order: (a: [ExactValue, number], b: [ExactValue, number]) => number,
  ) {}

  get full(): boolean {
    return this.items.length >= this.k;
  }

  /** The current worst kept entry (undefined until full). */
  get worst(): [ExactValue, number] | undefined {
    return this.full ? this.items[this.k - 1] : undefined;
  }

  offer(value: ExactValue, count: number): void {
    if (this.k <= 0) return;
    const entry: [ExactValue, number] = [value, count];
    const best = this.items;
    const k = this.k;
    if (best.length === k && this.order(entry, best[k - 1]) >= 0) return;
    let i = best.length < k ? best.length : k - 1;
    if (best.length < k) best.push(entry);
    else best[i] = entry;
    while (i > 0 && this.order(best[i], best[i - 1]) < 0) {
      const t = best[i];
      best[i] = best[i - 1];
      best[i - 1] = t;
      i--;
    }
  }
}

const byCountThenValue = (a: [ExactValue, number], b: [ExactValue, number]): number => b[1] - a[1] || compareExact(a[0], b[0]);
const bySmallMagnitude = (a: [ExactValue, number], b: [ExactValue, number]): number =>
  compareMagnitude(a[0], b[0]) || compareExact(a[0], b[0]);
const byLargeMagnitude = (a: [ExactValue, number], b: [ExactValue, number]): number =>
  compareMagnitude(b[0], a[0]) || compareExact(a[0], b[0]);

interface FrequencySummary {
  top: Array<[ExactValue, number]>;
  /** Occurrences of negative values (sum of their counts). */
  negativeCount: number;
  singletons: number;
  smallestOnce: ExactValue[];
  largestOnce: ExactValue[];
}

/**
 * One pass over the distinct values: the top-k by count, the number of values occurring once and
 * the smallest/largest-magnitude of those. Cheap numeric pre-checks skip most values before any
 * allocation.
 */
function summarizeFrequencies(freq: IntegerFrequencies, topK: number, examples: number): FrequencySummary {
  const top = new BestK(topK, byCountThenValue);
  let singletons = 0;
  let negativeCount = 0;
  let topFloor = 0; // counts below this cannot enter `top`
  freq.forEach((v, c) => {
    if (typeof v === "number" ? v < 0 : v.startsWith("-")) negativeCount += c;
    if (c === 1) singletons++;
    if (c >= topFloor) {
      top.offer(v, c);
      if (top.full) topFloor = top.worst![1];
    }
  });
  return {
    top: top.items,
    negativeCount,
    singletons,
    smallestOnce: smallestSingletons(freq, examples),
    largestOnce: largestSingletons(freq, examples),
  };
}

/**
 * The `k` values occurring once with the smallest |v| (negative first on ties). Scans the
 * direct-indexed counts outward from zero, which usually finishes early; falls back to a full pass.
 */
function smallestSingletons(freq: IntegerFrequencies, k: number): ExactValue[] {
  if (k <= 0) return [];
  const { min, counts } = freq.safe.smallCounts();
  const zero = -min;
  const symmetric = Math.min(zero, counts.length - 1 - zero); // |v| ≤ this lies inside the array on both sides
  const found: number[] = [];
  for (let d = 0; d <= symmetric && found.length < k; d++) {
    if (d > 0 && counts[zero - d] === 1) found.push(-d);
    if (found.length < k && counts[zero + d] === 1) found.push(d);
  }
  if (found.length === k) return found;
  const best = new BestK(k, bySmallMagnitude);
  freq.forEach((v, c) => {
    if (c === 1) best.offer(v, c);
  });
  return best.items.map((e) => e[0]);
}

/**
 * The `k` values occurring once with the largest |v| (negative first on ties). Candidates are fed
 * from the largest magnitudes down (huge texts, hashed values, then the direct-indexed range from
 * its ends inward), so a cheap magnitude check rejects almost all of them.
 */
function largestSingletons(freq: IntegerFrequencies, k: number): ExactValue[] {
  if (k <= 0) return [];
  const best = new BestK(k, byLargeMagnitude);
  let floor = -1; // |v| below this cannot enter (numbers)
  const consider = (v: number): void => {
    const a = Math.abs(v);
    if (a < floor) return;
    best.offer(v, 1);
    const w = best.worst;
    if (w) floor = typeof w[0] === "number" ? Math.abs(w[0]) : Infinity;
  };
  for (const [text, c] of freq.huge) {
    if (c !== 1) continue;
    best.offer(text, 1);
    const w = best.worst;
    if (w) floor = typeof w[0] === "number" ? Math.abs(w[0]) : Infinity;
  }
  freq.safe.forEachHashed((v, c) => {
    if (c === 1) consider(v);
  });
  const { min, counts } = freq.safe.smallCounts();
  const zero = -min;
  for (let j = counts.length - 1; j >= zero; j--) if (counts[j] === 1) consider(j + min);
  for (let j = 0; j < zero; j++) if (counts[j] === 1) consider(j + min);
  return best.items.map((e) => e[0]);
}

export interface OeisStats {
  sequences: number;
  /** Mean number of terms per sequence. */
  lengthMean: number;
  /** Population standard deviation of the lengths (ddof = 0). */
  lengthStd: number;
  lengthMin: number;
  lengthMax: number;
  lengthMedian: number;
  /** [length, number of sequences], for every length that occurs, ascending. */
  lengthHistogram: Array<[number, number]>;
  totalIntegers: number;
  distinctIntegers: number;
  /** The most frequent integers as [value, count], by count descending then value ascending. */
  top: Array<[ExactValue, number]>;
  /** Number of distinct integers that occur exactly once. */
  singletons: number;
  /** Integers occurring once with the smallest magnitude (|v| ascending, negative first on ties). */
  leastFrequentSmallest: ExactValue[];
  /** Integers occurring once with the largest magnitude (|v| descending). */
  leastFrequentLargest: ExactValue[];
  negativeCount: number;
  negativeShare: number;
  /** Terms with |t| ≥ 2^53 (not safe JavaScript integers). */
  hugeCount: number;
  hugeShare: number;
  zeroCount: number;
}

export interface OeisStatsOptions {
  /** Size of `top`. Default 20. */
  topK?: number;
  /** Number of least-frequent examples. Default 20. */
  examples?: number;
  /** Reuse frequencies already counted. */
  frequencies?: IntegerFrequencies;
}

/** All statistics of a collection, in one pass over the terms plus one over the distinct values. */
export function oeisStats(collection: OeisCollection, options: OeisStatsOptions = {}): OeisStats {
  const n = collection.length;
  const offsets = collection.offsets;
  let minLen = n > 0 ? Infinity : 0;
  let maxLen = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const len = offsets[i + 1] - offsets[i];
    if (len < minLen) minLen = len;
    if (len > maxLen) maxLen = len;
    sumSq += len * len;
  }
  const lengthCounts = new Float64Array(maxLen + 1);
  for (let i = 0; i < n; i++) lengthCounts[offsets[i + 1] - offsets[i]]++;
  const total = collection.totalTerms;
  const lengthHistogram: Array<[number, number]> = [];
  for (let len = 0; len <= maxLen; len++) if (lengthCounts[len] > 0) lengthHistogram.push([len, lengthCounts[len]]);

  const freq = options.frequencies ?? IntegerFrequencies.of(collection);
  const summary = summarizeFrequencies(freq, options.topK ?? 20, options.examples ?? 20);
  const negative = summary.negativeCount;
  const zero = freq.count(0);

  // variance from exact integer sums: (n·Σlen² − (Σlen)²) / n², the same formula as bench/oeis_reference.py
  const variance = n > 0 ? (n * sumSq - total * total) / (n * n) : 0;
  return {
    sequences: n,
    lengthMean: n > 0 ? total / n : 0,
    lengthStd: Math.sqrt(Math.max(0, variance)),
    lengthMin: minLen,
    lengthMax: maxLen,
    lengthMedian: median(lengthCounts, n),
    lengthHistogram,
    totalIntegers: total,
    distinctIntegers: freq.distinct,
    top: summary.top,
    singletons: summary.singletons,
    leastFrequentSmallest: summary.smallestOnce,
    leastFrequentLargest: summary.largestOnce,
    negativeCount: negative,
    negativeShare: total > 0 ? negative / total : 0,
    hugeCount: collection.hugeTerms.size,
    hugeShare: total > 0 ? collection.hugeTerms.size / total : 0,
    zeroCount: zero,
  };
}

/** Median of a distribution given as counts per value (mean of the two middle items when n is even). */
function median(countsByValue: Float64Array, n: number): number {
  if (n === 0) return 0;
  const lowRank = Math.floor((n - 1) / 2);
  const highRank = Math.floor(n / 2);
  let seen = 0;
  let low = -1;
  for (let v = 0; v < countsByValue.length; v++) {
    seen += countsByValue[v];
    if (low < 0 && seen > lowRank) low = v;
    if (seen > highRank) return (low + v) / 2;
  }
  return low;
}

/** Rows for a stats table: [{ statistic, value }]. */
export function oeisStatsRows(stats: OeisStats): Array<{ statistic: string; value: string | number }> {
  const pct = (x: number): string => (100 * x).toFixed(3) + "%";
  return [
    { statistic: "sequences", value: stats.sequences },
    { statistic: "length mean", value: Number(stats.lengthMean.toFixed(3)) },
    { statistic: "length std", value: Number(stats.lengthStd.toFixed(3)) },
    { statistic: "length min / median / max", value: `${stats.lengthMin} / ${stats.lengthMedian} / ${stats.lengthMax}` },
    { statistic: "total integers", value: stats.totalIntegers },
    { statistic: "distinct integers", value: stats.distinctIntegers },
    { statistic: "integers occurring once", value: stats.singletons },
    { statistic: "negative terms", value: `${stats.negativeCount} (${pct(stats.negativeShare)})` },
    { statistic: "huge terms (|t| ≥ 2^53)", value: `${stats.hugeCount} (${pct(stats.hugeShare)})` },
    { statistic: "zero terms", value: stats.zeroCount },
  ];
}

/** Format a stats object as aligned text lines (for the CLI); integers longer than 24 characters are abbreviated. */
export function formatOeisStats(stats: OeisStats): string {
  const rows = oeisStatsRows(stats);
  const width = Math.max(...rows.map((r) => r.statistic.length));
  const lines = rows.map((r) => `${r.statistic.padEnd(width)}  ${r.value}`);
  const shown = (v: ExactValue): string => abbreviateDigits(String(v));
  lines.push("", `top ${stats.top.length} integers (value: count):`);
  lines.push("  " + stats.top.map(([v, c]) => `${shown(v)}: ${c}`).join(", "));
  lines.push("", `occurring once, smallest |v|: ${stats.leastFrequentSmallest.map(shown).join(", ")}`);
  lines.push(`occurring once, largest |v|: ${stats.leastFrequentLargest.map(shown).join(", ")}`);
  return lines.join("\n");
}

/**
 * Shorten a long integer for display: text of at most `keep` characters is returned as it is,
 * longer text keeps its sign, first and last 8 digits and gains its digit count:
 * "-" + 5,000,000 sevens → "-77777777…77777777 (5,000,000 digits)". Linear in the text length.
 */
export function abbreviateDigits(text: string, keep = 24): string {
  if (text.length <= keep) return text;
  const sign = text.startsWith("-") || text.startsWith("+") ? text[0] : "";
  const digits = text.slice(sign.length);
  return `${sign === "-" ? "-" : ""}${digits.slice(0, 8)}…${digits.slice(-8)} (${digits.length.toLocaleString("en-US")} digits)`;
}

/** `text` with every run of more than `keep` digits abbreviated by `abbreviateDigits` (formulas, lists of terms). */
export function abbreviateLongNumbers(text: string, keep = 24): string {
  return text.replace(/\d+/g, (run) => abbreviateDigits(run, keep));
}
