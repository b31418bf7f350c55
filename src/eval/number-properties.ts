/**
 * Binary properties of the integers 0..K-1 used as probe targets: divisibility by 2, 3, 4, 5, 10
 * and primality. (A small local sieve: src/math has no primes module yet.)
 */

/** The probe targets, in display order. */
export const PROPERTY_NAMES = ["div2", "div3", "div4", "div5", "div10", "prime"] as const;
export type PropertyName = (typeof PROPERTY_NAMES)[number];

/** `isComposite[i]` is 0 for primes; entries 0 and 1 are marked non-prime. Sieve of Eratosthenes. */
export function primeSieve(limit: number): Uint8Array {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`primeSieve: limit must be a non-negative integer, got ${limit}`);
  const isPrime = new Uint8Array(limit + 1).fill(1);
  isPrime[0] = 0;
  if (limit >= 1) isPrime[1] = 0;
  for (let p = 2; p * p <= limit; p++) {
    if (!isPrime[p]) continue;
    for (let m = p * p; m <= limit; m += p) isPrime[m] = 0;
  }
  return isPrime;
}

/** Whether one non-negative integer has the property. */
export function hasProperty(n: number, property: PropertyName): boolean {
  switch (property) {
    case "div2":
      return n % 2 === 0;
    case "div3":
      return n % 3 === 0;
    case "div4":
      return n % 4 === 0;
    case "div5":
      return n % 5 === 0;
    case "div10":
      return n % 10 === 0;
    case "prime": {
      if (n < 2) return false;
      for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
      return true;
    }
  }
}

/** 0/1 labels of each property for the given integers (each ≥ 0). */
export function propertyLabels(integers: ArrayLike<number>, properties: readonly PropertyName[] = PROPERTY_NAMES): Record<PropertyName, Uint8Array> {
  let max = 0;
  for (let i = 0; i < integers.length; i++) {
    const n = integers[i];
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`propertyLabels: integers must be non-negative, got ${n} at index ${i}`);
    if (n > max) max = n;
  }
  const sieve = primeSieve(max);
  const out = {} as Record<PropertyName, Uint8Array>;
  for (const property of properties) {
    const labels = new Uint8Array(integers.length);
    for (let i = 0; i < integers.length; i++) {
      const n = integers[i];
      labels[i] = property === "prime" ? sieve[n] : hasProperty(n, property) ? 1 : 0;
    }
    out[property] = labels;
  }
  return out;
}

/** The integers 0..count-1. */
export function firstIntegers(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}
