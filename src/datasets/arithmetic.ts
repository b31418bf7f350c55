/**
 * The arithmetic tasks as seq2seq data, made on the fly from a seeded generator and checked by
 * plain arithmetic while they are made:
 *  - addition: pairs (a, b) with a, b in [0, max), split at random into train/test by pair;
 *  - factorization: every n with 2 ≤ n ≤ max, target = its prime factors ascending (12 → 2x2x3).
 * A problem is identified by an integer key (the pair index a·max + b, or n itself), so a split is
 * just two key arrays and a data cursor is an epoch number plus a position.
 */
import { Rng } from "../random";
import { factorizeWith, smallestPrimeFactors } from "../math/primes";
import { BaseNTokenizer, baseNTokenizer } from "../tokenizers/base-n";
import { Seq2SeqBatch, collateSeq2Seq } from "./seq2seq-collate";

export type ArithmeticTask = "addition" | "factorization";

export interface ArithmeticDataConfig {
  task: ArithmeticTask;
  base: number;
  /** addition: operands in [0, max); factorization: 2 ≤ n ≤ max. */
  max: number;
  /** Fraction of problems held out for testing (default 0.1). */
  testFraction: number;
  /** Seed of the split. */
  splitSeed: number;
  /**
   * factorization only: also train on every n in (max, trainMax] whose problem and answer fit the
   * lengths of [2, max] (absent: max). The test split stays the held-out share of [2, max]; more
   * training numbers is what keeps a model from memorizing the 90% it sees.
   */
  trainMax?: number;
  /**
   * factorization with `trainMax` > max: also train on the numbers in (max, trainMax] that have more
   * digits than max (their problems are longer than any held-out one; in base 60 with max 2^16, the
   * four-digit n ≥ 216,000). Answers must still fit the held-out answer length. Absent: false.
   */
  trainLonger?: boolean;
}

export interface ArithmeticProblem {
  key: number;
  /** addition: [a, b]; factorization: [n]. */
  operands: number[];
  /** addition: [a + b]; factorization: prime factors ascending. */
  answer: number[];
}

export interface ArithmeticSplit {
  train: Int32Array;
  test: Int32Array;
}

export interface ArithmeticData {
  config: ArithmeticDataConfig;
  tokenizer: BaseNTokenizer;
  split: ArithmeticSplit;
  /** The problem with this key (answer verified). */
  problem(key: number): ArithmeticProblem;
  /** Token ids `<sos> … <eos>` of the problem and of its answer. */
  encode(problem: ArithmeticProblem): { source: number[]; target: number[] };
  /** Longest source and target in tokens (for the model's maxLength; with `trainLonger` the source is a training number's). */
  maxSourceLength: number;
  maxTargetLength: number;
  /**
   * factorization with `trainMax` > max: the numbers in (max, trainMax] left out of training
   * because n itself has more digits than max (in base 60, every n ≥ 216,000 when max = 2^16;
   * none with `trainLonger`) or because its answer is longer than any in [2, max]; `largest` is
   * the largest training number.
   */
  trainMaxLeftOut?: { longerProblem: number; longerAnswer: number; largest: number };
}

function checkConfig(c: ArithmeticDataConfig): void {
  if (c.task !== "addition" && c.task !== "factorization") throw new Error(`task must be "addition" or "factorization", got "${c.task}"`);
  if (!(Number.isInteger(c.max) && c.max >= (c.task === "addition" ? 2 : 3)))
    throw new Error(`max must be an integer ≥ ${c.task === "addition" ? 2 : 3}, got ${c.max}`);
  if (c.task === "addition" && c.max > 46340) throw new Error(`addition: max ${c.max} is too large (at most 46340, pairs are enumerated)`);
  if (c.task === "factorization" && c.max > 1 << 26) throw new Error(`factorization: max ${c.max} is too large for the sieve (at most 2^26)`);
  if (!(c.testFraction > 0 && c.testFraction < 1)) throw new Error(`testFraction must be in (0, 1), got ${c.testFraction}`);
  if (c.trainMax !== undefined) {
    if (c.task !== "factorization") throw new Error(`trainMax applies to factorization only (task "${c.task}")`);
    if (!(Number.isInteger(c.trainMax) && c.trainMax >= c.max && c.trainMax <= 1 << 26))
      throw new Error(`trainMax must be an integer in [max = ${c.max}, 2^26], got ${c.trainMax}`);
  }
  if (c.trainLonger !== undefined && typeof c.trainLonger !== "boolean") throw new Error(`trainLonger must be true or false, got ${String(c.trainLonger)}`);
  if (c.trainLonger && !(c.trainMax !== undefined && c.trainMax > c.max))
    throw new Error(`trainLonger needs a trainMax above max = ${c.max} (got ${c.trainMax ?? "none"})`);
}

/** The keys of all problems of a task. */
function allKeys(c: ArithmeticDataConfig): Int32Array {
  if (c.task === "addition") return Int32Array.from({ length: c.max * c.max }, (_, i) => i);
  return Int32Array.from({ length: c.max - 1 }, (_, i) => i + 2);
}

/** Seeded random train/test split of all problems (test = the first ⌈fraction·n⌉ of a permutation, sorted). */
export function arithmeticSplit(c: ArithmeticDataConfig): ArithmeticSplit {
  checkConfig(c);
  const keys = allKeys(c);
  new Rng(c.splitSeed).shuffle(keys);
  const nTest = Math.ceil(keys.length * c.testFraction);
  return { test: keys.slice(0, nTest).sort(), train: keys.slice(nTest).sort() };
}

/** Build the task's data: tokenizer, split and the problem generator. */
export function arithmeticData(partial: Partial<ArithmeticDataConfig> & Pick<ArithmeticDataConfig, "task" | "max">): ArithmeticData {
  const config: ArithmeticDataConfig = { base: 10, testFraction: 0.1, splitSeed: 0, ...partial };
  checkConfig(config);
  const tokenizer = baseNTokenizer(config.base);
  const split = arithmeticSplit(config);
  const spf = config.task === "factorization" ? smallestPrimeFactors(config.trainMax ?? config.max) : null;
  const problem = (key: number): ArithmeticProblem => {
    if (config.task === "addition") {
      if (!(Number.isInteger(key) && key >= 0 && key < config.max * config.max)) throw new Error(`addition: key ${key} out of range`);
      const a = Math.floor(key / config.max);
      const b = key % config.max;
      const sum = a + b;
      if (sum - a !== b) throw new Error(`addition check failed for ${a} + ${b}`);
      return { key, operands: [a, b], answer: [sum] };
    }
    const factors = factorizeWith(spf as Uint32Array, key);
    let product = 1;
    for (let i = 0; i < factors.length; i++) {
      if (i > 0 && factors[i] < factors[i - 1]) throw new Error(`factorization of ${key}: factors not ascending`);
      product *= factors[i];
    }
    if (product !== key) throw new Error(`factorization check failed: ${factors.join("x")} ≠ ${key}`);
    return { key, operands: [key], answer: factors };
  };
  const encode = (p: ArithmeticProblem) => ({
    source: config.task === "addition" ? tokenizer.encodeAddition(p.operands[0], p.operands[1]) : tokenizer.encodeInteger(p.operands[0]),
    target: tokenizer.encodeFactors(p.answer),
  });
  // lengths: the largest operands give the longest source; for factorization the longest answer is the power of 2
  const digits = (n: number) => tokenizer.encodeNumber(n).length;
  let maxSourceLength = config.task === "addition" ? 3 + 2 * digits(config.max - 1) : 2 + digits(config.max);
  const answerLength = (n: number) => {
    let length = 1; // <sos>, then digits and separators, then <eos>
    for (let x = n; x > 1; x /= (spf as Uint32Array)[x]) length += digits((spf as Uint32Array)[x]) + 1;
    return length;
  };
  let maxTargetLength: number;
  if (config.task === "addition") maxTargetLength = 2 + digits(2 * (config.max - 1));
  else {
    maxTargetLength = 0;
    for (let n = 2; n <= config.max; n++) {
      maxTargetLength = Math.max(maxTargetLength, answerLength(n));
    }
  }
  let trainMaxLeftOut: ArithmeticData["trainMaxLeftOut"];
  if (config.trainMax !== undefined && config.trainMax > config.max) {
    const extra: number[] = [];
    const leftOut = { longerProblem: 0, longerAnswer: 0, largest: split.train[split.train.length - 1] ?? 0 };
    for (let n = config.max + 1; n <= config.trainMax; n++) {
      if (!config.trainLonger && 2 + digits(n) > maxSourceLength) leftOut.longerProblem++;
      else if (answerLength(n) > maxTargetLength) leftOut.longerAnswer++;
      else extra.push(n);
    }
    if (extra.length > 0) leftOut.largest = extra[extra.length - 1];
    // with trainLonger the longest problem is a training number's; it is never longer than the
    // longest answer (a problem has at most as many digits as its factors together), so the
    // model's maxLength, max(source, target) + 2, does not change
    maxSourceLength = Math.max(maxSourceLength, 2 + digits(leftOut.largest));
    const train = new Int32Array(split.train.length + extra.length);
    train.set(split.train);
    train.set(extra, split.train.length);
    split.train = train;
    trainMaxLeftOut = leftOut;
  }
  return { config, tokenizer, split, problem, encode, maxSourceLength, maxTargetLength, ...(trainMaxLeftOut ? { trainMaxLeftOut } : {}) };
}

/**
 * A sentence for the user when `trainMax` left out numbers above the held-out range whose problem
 * is longer than any held-out one (null when none were): a larger `trainMax` then adds nothing.
 */
export function trainMaxNotice(data: ArithmeticData): string | null {
  const left = data.trainMaxLeftOut;
  if (!left || left.longerProblem === 0) return null;
  const { base, max, trainMax } = data.config;
  const f = (n: number) => n.toLocaleString("en-US");
  return (
    `trainMax ${f(trainMax as number)}: ${f(left.longerProblem)} numbers in (${f(max)}, ${f(trainMax as number)}] are left out of training ` +
    `because they have more base-${base} digits than ${f(max)}, and ${f(left.longerAnswer)} more because their answers are longer than any up to ${f(max)}; ` +
    `the largest training number is ${f(left.largest)} (${f(data.split.train.length)} training numbers)`
  );
}

/**
 * factorization: whether the answer has at least two prime factors (counted with multiplicity) of
 * two or more digits in `base`, i.e. the second-largest prime factor is ≥ base (25,853 = 103 x 251
 * in base 30, or 31 x 31). Such a factor cannot be read off the last digit: the model has to learn
 * divisibility by it from all the digits, and these are the numbers a model gets wrong most.
 */
export function hasTwoMultiDigitFactors(factors: readonly number[], base: number): boolean {
  return factors.length >= 2 && factors[factors.length - 2] >= base;
}

/** Throws unless `times` is a valid `repeatMultiDigit` for the task (an integer ≥ 1; above 1 for factorization only). */
export function checkRepeatMultiDigit(task: ArithmeticTask, times: number): void {
  if (!(Number.isInteger(times) && times >= 1)) throw new Error(`repeatMultiDigit must be an integer ≥ 1, got ${times}`);
  if (times > 1 && task !== "factorization") throw new Error(`repeatMultiDigit applies to factorization only (task "${task}")`);
}

/**
 * The factorization training keys with every number that has two multi-digit prime factors
 * (`hasTwoMultiDigitFactors`) listed `times` times, so a training epoch draws those numbers `times`
 * times as often. Only the sampling changes: the keys are still the training split's.
 */
export function repeatMultiDigitKeys(data: ArithmeticData, keys: Int32Array, times: number): Int32Array {
  checkRepeatMultiDigit(data.config.task, times);
  if (times === 1) return keys;
  const out: number[] = [];
  for (const key of keys) {
    const copies = hasTwoMultiDigitFactors(data.problem(key).answer, data.config.base) ? times : 1;
    for (let c = 0; c < copies; c++) out.push(key);
  }
  return Int32Array.from(out);
}

/**
 * Training batches over a key list, forever: each epoch is a fresh seeded permutation.
 * The cursor (epoch, position) is part of the checkpoint so a resumed run continues the same stream.
 *
 * With `parts` = P > 1 each batch also carries up to P sub-batches (`parts`) of its examples
 * grouped by target length, cut where that minimizes the padded size. `transformerLoss` computes
 * the loss part by part and weights it by token count: the same loss and gradient as the whole
 * batch, with less padding (a random batch of 128 factorizations pads to about 21 target positions
 * per example; in 3 parts to about 11, against a mean answer of 9). Sorting whole batches by length
 * instead (length bucketing) pads as little but makes batches that are not random samples (a batch
 * of short answers is mostly primes); on factorization that learned about half as much per step.
 */
export interface ArithmeticBatchStream {
  next(): Seq2SeqBatch & { parts?: Seq2SeqBatch[] };
  cursor(): { epoch: number; position: number };
  seek(cursor: { epoch: number; position: number }): void;
}

export function arithmeticBatchStream(
  data: ArithmeticData,
  keys: Int32Array,
  batchSize: number,
  seed: number,
  options: { parts?: number } = {},
): ArithmeticBatchStream {
  if (keys.length === 0) throw new Error("arithmeticBatchStream: no problems to train on");
  const parts = options.parts ?? 1;
  if (!(Number.isInteger(parts) && parts >= 1)) throw new Error(`arithmeticBatchStream: parts must be an integer ≥ 1, got ${parts}`);
  let epoch = 0;
  let position = 0;
  let order = new Rng(seed).shuffle(Int32Array.from(keys));
  const reshuffle = () => (order = new Rng(seed + 7919 * epoch).shuffle(Int32Array.from(keys)));
  return {
    next() {
      const examples = [];
      for (let i = 0; i < batchSize; i++) {
        if (position >= order.length) {
          epoch++;
          position = 0;
          reshuffle();
        }
        examples.push(data.encode(data.problem(order[position++])));
      }
      const batch = collateSeq2Seq(examples, data.tokenizer.padId);
      return parts > 1 ? { ...batch, parts: lengthParts(examples, parts).map((group) => collateSeq2Seq(group, data.tokenizer.padId)) } : batch;
    },
    cursor: () => ({ epoch, position }),
    seek(c) {
      epoch = c.epoch;
      position = c.position;
      if (epoch === 0) order = new Rng(seed).shuffle(Int32Array.from(keys));
      else reshuffle();
    },
  };
}

/**
 * Group examples into at most `maxParts` runs of the length-sorted list, cut where the total padded
 * size Σ (rows × longest target + rows × longest source) is smallest (dynamic programming).
 */
export function lengthParts<E extends { source: readonly number[]; target: readonly number[] }>(examples: readonly E[], maxParts: number): E[][] {
  const sorted = examples
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.target.length - b.e.target.length || a.e.source.length - b.e.source.length || a.i - b.i)
    .map((x) => x.e);
  const n = sorted.length;
  const k = Math.max(1, Math.min(maxParts, n));
  // a part sorted[a..b) costs rows × (longest target + longest source)
  // best[p][b]: cheapest split of sorted[0..b) into p parts; cut[p][b]: start of the last part
  const best: number[][] = [Array.from({ length: n + 1 }, (_, b) => (b === 0 ? 0 : Infinity))];
  const cut: number[][] = [new Array(n + 1).fill(0)];
  for (let p = 1; p <= k; p++) {
    best.push(new Array(n + 1).fill(Infinity));
    cut.push(new Array(n + 1).fill(0));
    for (let b = 1; b <= n; b++) {
      let src = 0;
      for (let a = b - 1; a >= p - 1; a--) {
        src = Math.max(src, sorted[a].source.length);
        const c = best[p - 1][a] + (b - a) * (sorted[b - 1].target.length + src);
        if (c < best[p][b]) {
          best[p][b] = c;
          cut[p][b] = a;
        }
      }
    }
  }
  let p = 1;
  for (let q = 1; q <= k; q++) if (best[q][n] < best[p][n]) p = q;
  const groups: E[][] = [];
  for (let b = n; p > 0; p--) {
    const a = cut[p][b];
    groups.unshift(sorted.slice(a, b));
    b = a;
  }
  return groups;
}

/** Padded batches over a list of keys in order (evaluation). */
export function* arithmeticBatches(data: ArithmeticData, keys: ArrayLike<number>, batchSize: number): Generator<Seq2SeqBatch> {
  for (let s = 0; s < keys.length; s += batchSize) {
    const examples = [];
    for (let i = s; i < Math.min(keys.length, s + batchSize); i++) examples.push(data.encode(data.problem(keys[i])));
    yield collateSeq2Seq(examples, data.tokenizer.padId);
  }
}
