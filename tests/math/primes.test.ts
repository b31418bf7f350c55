import { test } from "node:test";
import assert from "node:assert/strict";
import { factorize, factorizeWith, isPrime, primesUpTo, smallestPrimeFactors } from "../../src/math/primes";

const bruteIsPrime = (n: number) => {
  if (n < 2) return false;
  for (let d = 2; d < n; d++) if (n % d === 0) return false;
  return true;
};

test("sieve and isPrime agree with brute force up to 3000", () => {
  const primes = new Set(primesUpTo(3000));
  for (let n = 0; n <= 3000; n++) {
    assert.equal(isPrime(n), bruteIsPrime(n), `isPrime(${n})`);
    assert.equal(primes.has(n), bruteIsPrime(n), `sieve ${n}`);
  }
  assert.equal(primesUpTo(65536).length, 6542);
});

test("factorize gives ascending primes whose product is n (brute-force check)", () => {
  const spf = smallestPrimeFactors(5000);
  for (let n = 2; n <= 5000; n++) {
    const f = factorize(n);
    assert.equal(
      f.reduce((a, b) => a * b, 1),
      n,
    );
    assert.ok(
      f.every((p, i) => bruteIsPrime(p) && (i === 0 || f[i - 1] <= p)),
      `factorize(${n}) = ${f}`,
    );
    assert.deepEqual(factorizeWith(spf, n), f);
  }
  assert.deepEqual(factorize(12), [2, 2, 3]);
  assert.deepEqual(factorize(65536), new Array(16).fill(2));
  assert.deepEqual(factorize(2 ** 31 - 1), [2 ** 31 - 1]);
  assert.deepEqual(factorize(999983 * 1000003), [999983, 1000003]);
  assert.throws(() => factorize(1), /≥ 2/);
});
