/** Primes for the factorization task: a sieve, primality, and factorization into ascending primes. */

/** Smallest prime factor of every integer 0..limit (0 and 1 map to 0). */
export function smallestPrimeFactors(limit: number): Uint32Array {
  if (!(Number.isInteger(limit) && limit >= 0)) throw new Error(`smallestPrimeFactors: limit must be a non-negative integer, got ${limit}`);
  const spf = new Uint32Array(limit + 1);
  for (let i = 2; i <= limit; i++) {
    if (spf[i] !== 0) continue;
    spf[i] = i;
    for (let j = i * i; j <= limit; j += i) if (spf[j] === 0) spf[j] = i;
  }
  return spf;
}

/** All primes ≤ limit, ascending (sieve of Eratosthenes). */
export function primesUpTo(limit: number): number[] {
  const spf = smallestPrimeFactors(Math.max(0, Math.floor(limit)));
  const out: number[] = [];
  for (let i = 2; i < spf.length; i++) if (spf[i] === i) out.push(i);
  return out;
}

/** Primality of a safe integer by trial division (6k ± 1). */
export function isPrime(n: number): boolean {
  if (!Number.isSafeInteger(n) || n < 2) return false;
  if (n < 4) return true;
  if (n % 2 === 0 || n % 3 === 0) return false;
  for (let d = 5; d * d <= n; d += 6) if (n % d === 0 || n % (d + 2) === 0) return false;
  return true;
}

/** Prime factors of n ≥ 2 with multiplicity, ascending: `factorize(12)` → `[2, 2, 3]`. */
export function factorize(n: number): number[] {
  if (!(Number.isSafeInteger(n) && n >= 2)) throw new Error(`factorize: need a safe integer ≥ 2, got ${n}`);
  const out: number[] = [];
  let x = n;
  while (x % 2 === 0) {
    out.push(2);
    x /= 2;
  }
  for (let d = 3; d * d <= x; d += 2) {
    while (x % d === 0) {
      out.push(d);
      x /= d;
    }
  }
  if (x > 1) out.push(x);
  return out;
}

/** Factorization with a precomputed smallest-prime-factor table (n ≤ table length − 1). */
export function factorizeWith(spf: Uint32Array, n: number): number[] {
  if (!(Number.isInteger(n) && n >= 2 && n < spf.length)) throw new Error(`factorizeWith: ${n} is outside the table (2..${spf.length - 1})`);
  const out: number[] = [];
  let x = n;
  while (x > 1) {
    const p = spf[x];
    out.push(p);
    x /= p;
  }
  return out;
}
