/**
 * Seeded dropout (src/backend/dropout.ts): mask statistics, determinism, the native WASM kernel
 * against the JS reference (bit for bit) and the cpu backend, and its gradient.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend";
import { computeOnBackend } from "../../src/backend/parity";
import { dropoutMask, seededDropout } from "../../src/backend/dropout";
import { nativeBinding, setNativeBinding } from "../../src/backend/native";

before(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

test("the mask keeps 1 − rate of the elements, scaled by 1/(1 − rate), independently of position and seed", () => {
  const n = 1_000_000;
  for (const rate of [0.1, 0.5]) {
    const mask = dropoutMask(n, rate, 12345);
    const scale = Math.fround(1 / (1 - rate));
    let kept = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      assert.ok(mask[i] === 0 || mask[i] === scale);
      if (mask[i]) kept++;
      if (i > 0 && mask[i] && mask[i - 1]) pairs++;
    }
    const p = 1 - rate;
    const sd = Math.sqrt((p * (1 - p)) / n);
    assert.ok(Math.abs(kept / n - p) < 5 * sd, `rate ${rate}: kept ${kept / n}`);
    // Neighbours are independent: both kept with probability p².
    assert.ok(Math.abs(pairs / (n - 1) - p * p) < 0.003, `rate ${rate}: neighbour pairs ${pairs / (n - 1)}`);
  }
  // Same seed, same mask; the next seed gives an independent mask (overlap ≈ p² = 0.81).
  const a = dropoutMask(100_000, 0.1, 7);
  assert.deepEqual(dropoutMask(100_000, 0.1, 7), a);
  const b = dropoutMask(100_000, 0.1, 8);
  let both = 0;
  for (let i = 0; i < a.length; i++) if (a[i] && b[i]) both++;
  assert.ok(Math.abs(both / a.length - 0.81) < 0.006, `overlap ${both / a.length}`);
});

test("rate and seed are checked", () => {
  assert.throws(() => dropoutMask(3, 1, 0), /rate must be in \[0, 1\)/);
  assert.throws(() => dropoutMask(3, -0.1, 0), /rate must be in \[0, 1\)/);
  assert.throws(() => seededDropout(tf.ones([2]), 0.1, 1.5), /seed must be an integer/);
});

test("seededDropout: the WASM kernel (native when built), the JS path and the cpu backend agree exactly", async () => {
  const x = Array.from({ length: 4 * 1003 }, (_, i) => Math.sin(i));
  const fn = () => seededDropout(tf.tensor2d(x, [4, 1003]), 0.3, 99);
  const wasm = (await computeOnBackend("wasm", fn)).value;
  const cpu = (await computeOnBackend("cpu", fn)).value;
  assert.deepEqual(Array.from(wasm), Array.from(cpu));
  const mask = dropoutMask(x.length, 0.3, 99);
  assert.deepEqual(
    Array.from(cpu),
    x.map((v, i) => Math.fround(Math.fround(v) * mask[i])),
  );
  if (nativeBinding()) {
    const previous = setNativeBinding(null);
    try {
      assert.deepEqual(Array.from((await computeOnBackend("wasm", fn)).value), Array.from(wasm));
    } finally {
      setNativeBinding(previous);
    }
  }
  // NaN stays NaN where dropped (x·0, as tf.mul), so a diverging model is still detected.
  const nan = await computeOnBackend("wasm", () => seededDropout(tf.fill([20], NaN), 0.5, 1));
  assert.ok(Array.from(nan.value).every(Number.isNaN));
  // rate 0 is the identity.
  const same = await computeOnBackend("wasm", () => seededDropout(tf.tensor1d([1, 2, 3]), 0, 5));
  assert.deepEqual(Array.from(same.value), [1, 2, 3]);
});

test("the gradient of seededDropout is the same mask applied to dy", async () => {
  await tf.setBackend("wasm");
  const w = tf.tensor1d(Array.from({ length: 50 }, (_, i) => i + 1));
  const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(seededDropout(x, 0.5, 3), w)))(tf.ones([50]));
  const mask = dropoutMask(50, 0.5, 3);
  assert.deepEqual(
    Array.from(grad.dataSync()),
    Array.from(mask).map((m, i) => Math.fround(m * (i + 1))),
  );
  assert.ok(mask.some((m) => m === 0) && mask.some((m) => m > 0));
});
