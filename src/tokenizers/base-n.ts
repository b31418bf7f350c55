/**
 * Integers written in any base 2..64 as digit tokens, most significant digit first, plus the
 * problem tokens of the arithmetic tasks. One vocabulary serves source and target:
 *
 *   0 <pad>   1 <sos>   2 <eos>   3 +   4 x   5 =   6.. digits 0..base-1
 *
 * `45 + 202` in base 10 → `<sos> 4 5 + 2 0 2 <eos>`; the factors 2, 2, 3 → `<sos> 2 x 2 x 3 <eos>`.
 */
export const PAD_ID = 0;
export const SOS_ID = 1;
export const EOS_ID = 2;
export const PLUS_ID = 3;
export const TIMES_ID = 4;
export const EQUALS_ID = 5;
const FIRST_DIGIT_ID = 6;
const SPECIAL_TOKENS = ["<pad>", "<sos>", "<eos>", "+", "x", "="];

export interface BaseNTokenizer {
  base: number;
  /** Token strings by id; digits are written as their decimal value ("0".."63"). */
  tokens: string[];
  vocabSize: number;
  padId: number;
  sosId: number;
  eosId: number;
  plusId: number;
  timesId: number;
  equalsId: number;
  /** Token id of digit value `d` (0 ≤ d < base). */
  digitId(d: number): number;
  /** Digit value of a token id, or -1 if the id is not a digit. */
  digitValue(id: number): number;
  /** Digit ids of a non-negative safe integer, most significant first. */
  encodeNumber(n: number): number[];
  /** The integer written by digit ids; null if empty or a non-digit appears. */
  decodeNumber(ids: readonly number[]): number | null;
  /** `<sos> a + b <eos>`. */
  encodeAddition(a: number, b: number): number[];
  /** `<sos> n <eos>`. */
  encodeInteger(n: number): number[];
  /** `<sos> f1 x f2 x … <eos>`. */
  encodeFactors(factors: readonly number[]): number[];
  /**
   * Parse generated tokens (with or without `<sos>`, stopping at `<eos>`) as numbers separated by
   * `x` (or `+`); null when malformed (empty group, stray token).
   */
  decodeNumbers(ids: readonly number[]): number[] | null;
  /** Human-readable text, e.g. "45 + 202" (digits joined; in bases > 10 digits are separated by "."). */
  toText(ids: readonly number[]): string;
}

/** The tokenizer for base `base` (2..64). */
export function baseNTokenizer(base: number): BaseNTokenizer {
  if (!(Number.isInteger(base) && base >= 2 && base <= 64)) throw new Error(`base must be an integer in 2..64, got ${base}`);
  const tokens = [...SPECIAL_TOKENS, ...Array.from({ length: base }, (_, d) => String(d))];
  const digitId = (d: number) => {
    if (!(Number.isInteger(d) && d >= 0 && d < base)) throw new Error(`digit ${d} is not a base-${base} digit`);
    return FIRST_DIGIT_ID + d;
  };
  const digitValue = (id: number) => (id >= FIRST_DIGIT_ID && id < FIRST_DIGIT_ID + base ? id - FIRST_DIGIT_ID : -1);
  const encodeNumber = (n: number): number[] => {
    if (!(Number.isSafeInteger(n) && n >= 0)) throw new Error(`cannot encode ${n}: only non-negative safe integers`);
    const out: number[] = [];
    let x = n;
    do {
      out.push(FIRST_DIGIT_ID + (x % base));
      x = Math.floor(x / base);
    } while (x > 0);
    return out.reverse();
  };
  const decodeNumber = (ids: readonly number[]): number | null => {
    if (ids.length === 0) return null;
    let n = 0;
    for (const id of ids) {
      const d = digitValue(id);
      if (d < 0) return null;
      n = n * base + d;
    }
    return Number.isSafeInteger(n) ? n : null;
  };
  const decodeNumbers = (ids: readonly number[]): number[] | null => {
    let start = ids[0] === SOS_ID ? 1 : 0;
    const end = ids.indexOf(EOS_ID, start);
    const body = ids.slice(start, end < 0 ? ids.length : end);
    const out: number[] = [];
    let group: number[] = [];
    for (const id of body) {
      if (id === TIMES_ID || id === PLUS_ID) {
        const n = decodeNumber(group);
        if (n === null) return null;
        out.push(n);
        group = [];
      } else group.push(id);
    }
    const last = decodeNumber(group);
    if (last === null) return null;
    out.push(last);
    start = 0;
    return out;
  };
  const toText = (ids: readonly number[]): string => {
    const parts: string[] = [];
    let digits: string[] = [];
    const flush = () => {
      if (digits.length) parts.push(digits.join(base > 10 ? "." : ""));
      digits = [];
    };
    for (const id of ids) {
      const d = digitValue(id);
      if (d >= 0) digits.push(String(d));
      else {
        flush();
        if (id !== PAD_ID) parts.push(tokens[id] ?? `<${id}?>`);
      }
    }
    flush();
    return parts.join(" ");
  };
  return {
    base,
    tokens,
    vocabSize: tokens.length,
    padId: PAD_ID,
    sosId: SOS_ID,
    eosId: EOS_ID,
    plusId: PLUS_ID,
    timesId: TIMES_ID,
    equalsId: EQUALS_ID,
    digitId,
    digitValue,
    encodeNumber,
    decodeNumber,
    encodeAddition: (a, b) => [SOS_ID, ...encodeNumber(a), PLUS_ID, ...encodeNumber(b), EOS_ID],
    encodeInteger: (n) => [SOS_ID, ...encodeNumber(n), EOS_ID],
    encodeFactors: (factors) => {
      if (factors.length === 0) throw new Error("encodeFactors: empty factor list");
      const out = [SOS_ID];
      factors.forEach((f, i) => {
        if (i > 0) out.push(TIMES_ID);
        out.push(...encodeNumber(f));
      });
      out.push(EOS_ID);
      return out;
    },
    decodeNumbers,
    toText,
  };
}
