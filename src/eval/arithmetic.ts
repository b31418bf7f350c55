/**
 * Scoring arithmetic models by plain arithmetic on their decoded outputs (never by comparing
 * token strings with a stored answer):
 *  - addition: a candidate is right when it parses as one number equal to a + b;
 *  - factorization: "correct product" when the decoded factors multiply to n, "correct
 *    factorization" when they also are all prime; "predicted as prime" counts composite n whose top
 *    candidate is n itself (the typical failure).
 * top1 uses the best beam; anyOfK any of the k beams.
 */
import { BeamCandidate, DecodingModels, beamSearch } from "../models/decoding";
import { isPrime } from "../math/primes";
import { ArithmeticData, hasTwoMultiDigitFactors } from "../datasets/arithmetic";

export interface ArithmeticEvaluation {
  task: "addition" | "factorization";
  n: number;
  beams: number;
  /** The length-normalization exponent α the candidates were ranked with. */
  lengthPenalty: number;
  top1: number;
  anyOfK: number;
  /** Factorization: share of inputs with some beam whose factors multiply to n (null for addition). */
  correctProduct: number | null;
  /** Factorization: share of inputs with some beam that is a correct prime factorization (null for addition). */
  correctFactorization: number | null;
  /** Per beam index: share of inputs where that beam is right (addition: right sum; factorization: correct factorization). */
  perBeamCorrect: number[];
  /** Factorization: per beam index, share with the right product. */
  perBeamCorrectProduct: number[] | null;
  /** Factorization: composite inputs whose top beam is the input itself. */
  predictedAsPrime: number | null;
  /**
   * Factorization: correct factorization (any of k) in two groups, the numbers with two or more
   * prime factors of two or more digits in `base` (`hasTwoMultiDigitFactors`: the ones a model gets
   * wrong most) and the others; null for addition. `base` is `options.groupBase`, by default the
   * data's own base.
   */
  byFactorDigits: { base: number; twoMultiDigit: ArithmeticGroupScore; others: ArithmeticGroupScore } | null;
  /**
   * The problems grouped by how many digits their largest operand has in the data's base (n for
   * factorization, the longer addend for addition), fewest digits first; groups without problems are
   * left out.
   */
  byInputDigits: ArithmeticDigitScore[];
  /** A few examples: input text, best candidate text, right or not. */
  examples: { input: string; prediction: string; correct: boolean }[];
  /** With `keepCandidates`: every problem's operands and its k candidates, best first, as decoded (null otherwise). */
  candidates: ArithmeticCandidates[] | null;
}

/** One problem's beam-search output: the operands and the candidates in score order, each as text, as numbers (null when it does not parse) and with its log-probability and score. */
export interface ArithmeticCandidates {
  operands: number[];
  beams: { text: string; numbers: number[] | null; logProb: number; score: number }[];
}

/** How many numbers a group has and the share of them with a correct factorization among the k beams (NaN when empty). */
export interface ArithmeticGroupScore {
  n: number;
  correctFactorization: number;
}

/** One digit-count group of `byInputDigits`: its size, top-1 and any-of-k share of right answers. */
export interface ArithmeticDigitScore {
  digits: number;
  n: number;
  top1: number;
  anyOfK: number;
}

/** Is this candidate a right answer to the problem with these operands? */
export function judgeCandidate(
  task: "addition" | "factorization",
  operands: readonly number[],
  numbers: number[] | null,
): { correct: boolean; correctProduct: boolean } {
  if (!numbers) return { correct: false, correctProduct: false };
  if (task === "addition") {
    const ok = numbers.length === 1 && numbers[0] === operands[0] + operands[1];
    return { correct: ok, correctProduct: ok };
  }
  const n = operands[0];
  let product = 1;
  for (const f of numbers) product *= f;
  const correctProduct = product === n;
  return { correct: correctProduct && numbers.every(isPrime), correctProduct };
}

/** Decode every key with beam search (one model, or an ensemble: see `beamSearch`) and score the candidates. */
export function evaluateArithmetic(
  model: DecodingModels,
  data: ArithmeticData,
  keys: ArrayLike<number>,
  options: {
    beams?: number;
    batchSize?: number;
    exampleCount?: number;
    groupBase?: number;
    /** Exponent α of beam search's length normalization (default 1; 0 ranks candidates by log-probability: see `BeamSearchOptions`). */
    lengthPenalty?: number;
    /** Keep every problem's decoded candidates in `candidates` (for `eval arith --predictions`). */
    keepCandidates?: boolean;
  } = {},
): ArithmeticEvaluation {
  const beams = options.beams ?? 1;
  const lengthPenalty = options.lengthPenalty ?? 1;
  const tok = data.tokenizer;
  const task = data.config.task;
  const groupBase = options.groupBase ?? data.config.base;
  if (!(Number.isInteger(groupBase) && groupBase >= 2)) throw new Error(`groupBase must be an integer ≥ 2, got ${groupBase}`);
  const problems = Array.from(keys, (k) => data.problem(k));
  const sources = problems.map((p) => data.encode(p).source);
  const results: BeamCandidate[][] = beamSearch(model, sources, {
    beams,
    sosId: tok.sosId,
    eosId: tok.eosId,
    maxTokens: data.maxTargetLength + 2,
    batchSize: options.batchSize ?? 512,
    lengthPenalty,
  });
  let top1 = 0;
  let any = 0;
  let anyProduct = 0;
  let asPrime = 0;
  const perBeam = new Array(beams).fill(0);
  const perBeamProduct = new Array(beams).fill(0);
  const groups = { twoMultiDigit: { n: 0, right: 0 }, others: { n: 0, right: 0 } };
  const byDigits = new Map<number, { n: number; top1: number; any: number }>();
  const examples: ArithmeticEvaluation["examples"] = [];
  const candidates: ArithmeticCandidates[] | null = options.keepCandidates ? [] : null;
  problems.forEach((p, i) => {
    const decoded = results[i].map((c) => tok.decodeNumbers(c.tokens));
    candidates?.push({
      operands: [...p.operands],
      beams: results[i].map((c, b) => ({ text: tok.toText(c.tokens), numbers: decoded[b], logProb: c.logProb, score: c.score })),
    });
    const judged = decoded.map((numbers) => judgeCandidate(task, p.operands, numbers));
    if (judged[0]?.correct) top1++;
    const right = judged.some((j) => j.correct);
    if (right) any++;
    const digits = tok.encodeNumber(Math.max(...p.operands)).length;
    const d = byDigits.get(digits) ?? { n: 0, top1: 0, any: 0 };
    byDigits.set(digits, { n: d.n + 1, top1: d.top1 + (judged[0]?.correct ? 1 : 0), any: d.any + (right ? 1 : 0) });
    if (judged.some((j) => j.correctProduct)) anyProduct++;
    judged.forEach((j, b) => {
      if (j.correct) perBeam[b]++;
      if (j.correctProduct) perBeamProduct[b]++;
    });
    if (task === "factorization") {
      const group = hasTwoMultiDigitFactors(p.answer, groupBase) ? groups.twoMultiDigit : groups.others;
      group.n++;
      if (right) group.right++;
      if (!isPrime(p.operands[0])) {
        const best = decoded[0] ?? null;
        if (best && best.length === 1 && best[0] === p.operands[0]) asPrime++;
      }
    }
    if (examples.length < (options.exampleCount ?? 10)) {
      examples.push({
        input: tok.toText(data.encode(p).source.slice(1, -1)),
        prediction: results[i][0] ? tok.toText(results[i][0].tokens) : "",
        correct: Boolean(judged[0]?.correct),
      });
    }
  });
  const n = problems.length;
  const share = (x: number) => (n ? x / n : NaN);
  const groupScore = (g: { n: number; right: number }): ArithmeticGroupScore => ({ n: g.n, correctFactorization: g.n ? g.right / g.n : NaN });
  return {
    task,
    n,
    beams,
    lengthPenalty,
    top1: share(top1),
    anyOfK: share(any),
    correctProduct: task === "factorization" ? share(anyProduct) : null,
    correctFactorization: task === "factorization" ? share(any) : null,
    perBeamCorrect: perBeam.map(share),
    perBeamCorrectProduct: task === "factorization" ? perBeamProduct.map(share) : null,
    predictedAsPrime: task === "factorization" ? asPrime : null,
    byFactorDigits: task === "factorization" ? { base: groupBase, twoMultiDigit: groupScore(groups.twoMultiDigit), others: groupScore(groups.others) } : null,
    byInputDigits: [...byDigits.entries()].sort(([a], [b]) => a - b).map(([digits, d]) => ({ digits, n: d.n, top1: d.top1 / d.n, anyOfK: d.any / d.n })),
    examples,
    candidates,
  };
}

export interface AdditionGridPoint {
  a: number;
  b: number;
  /** Index of the first beam with the right sum; -1 when none of the k beams is right. */
  firstCorrectBeam: number;
}

/**
 * The addition generalization grid: a random sample (fraction `sample`) of the pairs a, b in
 * [0, size) decoded with `beams` beams; each point records the first beam that has the right sum.
 * Operands beyond the training range test generalization.
 */
export function additionGrid(
  model: DecodingModels,
  data: ArithmeticData,
  options: { size?: number; sample?: number; beams?: number; seed?: number; batchSize?: number } = {},
): AdditionGridPoint[] {
  const size = options.size ?? 400;
  const sample = options.sample ?? 0.01;
  const beams = options.beams ?? 5;
  const tok = data.tokenizer;
  // seeded sample without replacement (deterministic stride-free choice)
  let state = (options.seed ?? 0) >>> 0;
  const rand = () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state / 4294967296;
  };
  const pairs: [number, number][] = [];
  for (let a = 0; a < size; a++) for (let b = 0; b < size; b++) if (rand() < sample) pairs.push([a, b]);
  const results = beamSearch(
    model,
    pairs.map(([a, b]) => tok.encodeAddition(a, b)),
    { beams, sosId: tok.sosId, eosId: tok.eosId, maxTokens: tok.encodeNumber(2 * size).length + 2, batchSize: options.batchSize ?? 512 },
  );
  return pairs.map(([a, b], i) => ({
    a,
    b,
    firstCorrectBeam: results[i].findIndex((c) => judgeCandidate("addition", [a, b], tok.decodeNumbers(c.tokens)).correct),
  }));
}
