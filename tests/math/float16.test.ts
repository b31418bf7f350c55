import { test } from "node:test";
import assert from "node:assert/strict";
import { fromFloat16Bits, toFloat16Bits } from "../../src/math/float16";

test("float16 bit patterns of known values", () => {
  const cases: Array<[number, number]> = [
    [0, 0x0000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.1, 0x2e66],
    [65504, 0x7bff], // largest finite
    [65520, 0x7c00], // rounds up to Infinity
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -26, 0x0000], // underflows to zero
    [1 + 2 ** -11, 0x3c00], // a tie rounds to even (down)
    [1 + 3 * 2 ** -11, 0x3c02], // a tie rounds to even (up)
  ];
  for (const [value, bits] of cases) assert.equal(toFloat16Bits(value), bits, `${value}`);
  assert.equal(toFloat16Bits(-0), 0x8000);
  assert.equal(toFloat16Bits(-Infinity), 0xfc00);
});

test("decoding inverts encoding on every finite float16", () => {
  for (let h = 0; h < 0x10000; h++) {
    const value = fromFloat16Bits(h);
    if (Number.isNaN(value)) assert.equal((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0, true);
    else assert.equal(toFloat16Bits(value), h, `0x${h.toString(16)}`);
  }
});
