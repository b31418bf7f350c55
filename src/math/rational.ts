/**
 * Exact rational numbers over BigInt: a numerator and a positive denominator in lowest terms.
 * Small on purpose: what the sequence solvers need to write their formulas and to rescale
 * integer null vectors (no floating point anywhere).
 */

export interface Rational {
  /** Numerator (carries the sign). */
  readonly num: bigint;
  /** Denominator, always ≥ 1. */
  readonly den: bigint;
}

/** |x| for a bigint. */
export function absBig(x: bigint): bigint {
  return x < 0n ? -x : x;
}

/** Greatest common divisor of |a| and |b| (gcd(0, 0) = 0). */
export function gcdBig(a: bigint, b: bigint): bigint {
  a = absBig(a);
  b = absBig(b);
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** The rational num/den in lowest terms (den ≠ 0). */
export function rational(num: bigint | number, den: bigint | number = 1n): Rational {
  let n = BigInt(num);
  let d = BigInt(den);
  if (d === 0n) throw new RangeError(`rational: zero denominator (${n}/0)`);
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcdBig(n, d);
  return g > 1n ? { num: n / g, den: d / g } : { num: n, den: d };
}

export const RATIONAL_ZERO: Rational = { num: 0n, den: 1n };
export const RATIONAL_ONE: Rational = { num: 1n, den: 1n };

export function addRational(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function subRational(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den - b.num * a.den, a.den * b.den);
}

export function mulRational(a: Rational, b: Rational): Rational {
  return rational(a.num * b.num, a.den * b.den);
}

export function divRational(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new RangeError("divRational: division by zero");
  return rational(a.num * b.den, a.den * b.num);
}

export function negRational(a: Rational): Rational {
  return { num: -a.num, den: a.den };
}

export function isIntegerRational(a: Rational): boolean {
  return a.den === 1n;
}

export function equalsRational(a: Rational, b: Rational): boolean {
  return a.num === b.num && a.den === b.den;
}

/** "p" or "p/q". */
export function formatRational(a: Rational): string {
  return a.den === 1n ? a.num.toString() : `${a.num}/${a.den}`;
}

/** Read "p" or "p/q" (optional sign, decimal digits only); throws naming the text otherwise. */
export function parseRational(text: string): Rational {
  const m = /^\s*([+-]?\d+)(?:\s*\/\s*(\d+))?\s*$/.exec(text);
  if (!m) throw new Error(`not a rational number: "${text}" (expected p or p/q with integers)`);
  return rational(BigInt(m[1]), m[2] === undefined ? 1n : BigInt(m[2]));
}

/** Least common multiple of the denominators (1 for an empty list). */
export function commonDenominator(values: readonly Rational[]): bigint {
  let l = 1n;
  for (const v of values) l = (l / gcdBig(l, v.den)) * v.den;
  return l;
}
