import { test } from "node:test";
import assert from "node:assert/strict";
import { firstIntegers, hasProperty, PROPERTY_NAMES, primeSieve, propertyLabels } from "../../src/eval/number-properties";

function isPrimeByTrialDivision(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d < n; d++) if (n % d === 0) return false;
  return true;
}

test("the sieve agrees with trial division and counts 95 primes below 500", () => {
  const sieve = primeSieve(499);
  let count = 0;
  for (let n = 0; n < 500; n++) {
    assert.equal(sieve[n] === 1, isPrimeByTrialDivision(n), `n=${n}`);
    count += sieve[n];
  }
  assert.equal(count, 95);
});

test("propertyLabels gives divisibility and primality for arbitrary (sparse) integers", () => {
  const integers = [0, 1, 2, 3, 4, 5, 10, 12, 97, 100, 341, 499];
  const labels = propertyLabels(integers);
  assert.deepEqual(Object.keys(labels), [...PROPERTY_NAMES]);
  integers.forEach((n, i) => {
    assert.equal(labels.div2[i], n % 2 === 0 ? 1 : 0);
    assert.equal(labels.div3[i], n % 3 === 0 ? 1 : 0);
    assert.equal(labels.div4[i], n % 4 === 0 ? 1 : 0);
    assert.equal(labels.div5[i], n % 5 === 0 ? 1 : 0);
    assert.equal(labels.div10[i], n % 10 === 0 ? 1 : 0);
    assert.equal(labels.prime[i], isPrimeByTrialDivision(n) ? 1 : 0);
    assert.equal(hasProperty(n, "prime"), isPrimeByTrialDivision(n));
  });
  assert.throws(() => propertyLabels([3, -1]), /non-negative.*index 1/);
  assert.deepEqual(firstIntegers(4), [0, 1, 2, 3]);
});
