import { test } from "node:test";
import assert from "node:assert/strict";
import {
  addRational,
  commonDenominator,
  divRational,
  equalsRational,
  formatRational,
  gcdBig,
  mulRational,
  negRational,
  parseRational,
  rational,
  subRational,
} from "../../src/math/rational";

test("rationals are kept in lowest terms with a positive denominator", () => {
  assert.deepEqual(rational(6, -4), { num: -3n, den: 2n });
  assert.deepEqual(rational(0, -7), { num: 0n, den: 1n });
  assert.deepEqual(rational(10n ** 30n, 10n ** 28n), { num: 100n, den: 1n });
  assert.throws(() => rational(1, 0), /zero denominator/);
  assert.equal(gcdBig(-12n, 18n), 6n);
  assert.equal(gcdBig(0n, 0n), 0n);
});

test("arithmetic is exact: 1/3 + 1/6 = 1/2, (2/3)·(9/4) = 3/2, (1/2)/(−1/4) = −2", () => {
  assert.ok(equalsRational(addRational(rational(1, 3), rational(1, 6)), rational(1, 2)));
  assert.ok(equalsRational(subRational(rational(1, 3), rational(1, 2)), rational(-1, 6)));
  assert.ok(equalsRational(mulRational(rational(2, 3), rational(9, 4)), rational(3, 2)));
  assert.ok(equalsRational(divRational(rational(1, 2), rational(-1, 4)), rational(-2)));
  assert.ok(equalsRational(negRational(rational(5, 7)), rational(-5, 7)));
  assert.throws(() => divRational(rational(1), rational(0)), /division by zero/);
  // beyond 2^53: (2^60 + 1)/3 stays exact
  const big = rational(2n ** 60n + 1n, 3n);
  assert.equal(formatRational(mulRational(big, rational(3))), (2n ** 60n + 1n).toString());
});

test("format and parse round-trip; bad text is named", () => {
  for (const text of ["0", "-5", "7/3", "-22/7", "123456789012345678901234567891/10"]) assert.equal(formatRational(parseRational(text)), text);
  assert.equal(formatRational(parseRational(" 4/6 ")), "2/3");
  assert.throws(() => parseRational("1.5"), /not a rational number: "1\.5"/);
  assert.throws(() => parseRational("x/2"), /not a rational number/);
  assert.equal(commonDenominator([rational(1, 4), rational(5, 6), rational(2)]), 12n);
  assert.equal(commonDenominator([]), 1n);
});
