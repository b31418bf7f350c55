/**
 * The native addon (src/backend/native/numlab_native.c) called directly: OpenBLAS gemm against a
 * plain triple loop (transposes, batches, broadcast strides, beta), the vectorized unary loops and
 * the row/column sums, and its argument checks. Skipped where the addon is not built, except in
 * CI (NUMLAB_EXPECT_NATIVE=1), which installs a compiler and OpenBLAS and so must have it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadNative, nativeAddonPath, nativeFailure } from "../../src/backend/native";
import { Rng } from "../../src/random";

const native = loadNative(1);
const skip = native ? false : `native addon not available: ${nativeFailure()}`;

test("the addon is built and loads where CI expects it", { skip: process.env.NUMLAB_EXPECT_NATIVE === "1" ? false : "NUMLAB_EXPECT_NATIVE is not 1" }, () => {
  assert.ok(native, `expected ${nativeAddonPath()} to load: ${nativeFailure()}`);
  assert.match(native!.describe(), /^OpenBLAS /);
});

function random(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** C_i = op(A_i)·op(B_i) + beta·C_i in double, as the addon documents it. */
function naiveGemm(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  batch: number,
  sA: number,
  sB: number,
  sC: number,
  m: number,
  n: number,
  k: number,
  tA: boolean,
  tB: boolean,
  beta: number,
): Float64Array {
  const out = Float64Array.from(c);
  for (let i = 0; i < batch; i++) {
    for (let r = 0; r < m; r++) {
      for (let col = 0; col < n; col++) {
        let s = 0;
        for (let t = 0; t < k; t++) {
          const av = a[i * sA + (tA ? t * m + r : r * k + t)];
          const bv = b[i * sB + (tB ? col * k + t : t * n + col)];
          s += av * bv;
        }
        const at = i * sC + r * n + col;
        out[at] = s + beta * c[at];
      }
    }
  }
  return out;
}

test("gemm matches a triple loop: transposes, batches, broadcast operands, beta", { skip }, () => {
  const cases = [
    { batch: 1, m: 7, n: 5, k: 3, tA: false, tB: false, beta: 0, shareA: false, shareB: false },
    { batch: 1, m: 7, n: 5, k: 3, tA: true, tB: false, beta: 0, shareA: false, shareB: false },
    { batch: 1, m: 7, n: 5, k: 3, tA: false, tB: true, beta: 1, shareA: false, shareB: false },
    { batch: 3, m: 4, n: 6, k: 5, tA: true, tB: true, beta: 0, shareA: false, shareB: false },
    { batch: 3, m: 4, n: 6, k: 5, tA: false, tB: false, beta: 1, shareA: false, shareB: true },
    { batch: 2, m: 33, n: 17, k: 65, tA: false, tB: true, beta: 0, shareA: true, shareB: false },
  ];
  for (const [i, t] of cases.entries()) {
    const sA = t.shareA ? 0 : t.m * t.k;
    const sB = t.shareB ? 0 : t.k * t.n;
    const sC = t.m * t.n;
    const a = random((t.shareA ? 1 : t.batch) * t.m * t.k, 10 + i);
    const b = random((t.shareB ? 1 : t.batch) * t.k * t.n, 20 + i);
    const c = random(t.batch * sC, 30 + i);
    const expected = naiveGemm(a, b, c, t.batch, sA, sB, sC, t.m, t.n, t.k, t.tA, t.tB, t.beta);
    native!.gemm(a, b, c, t.batch, sA, sB, sC, t.m, t.n, t.k, t.tA ? 1 : 0, t.tB ? 1 : 0, t.beta);
    for (let j = 0; j < c.length; j++) {
      assert.ok(Math.abs(c[j] - expected[j]) <= 1e-4 * (1 + Math.abs(expected[j])), `case ${i} [${j}]: ${c[j]} vs ${expected[j]}`);
    }
  }
});

test("gemm works on views at an offset (as the WASM heap is passed) and leaves the rest alone", { skip }, () => {
  const heap = new Float32Array(64).fill(7);
  const a = heap.subarray(3, 9); // 2x3
  a.set([1, 2, 3, 4, 5, 6]);
  const b = heap.subarray(20, 26); // 3x2
  b.set([1, 0, 0, 1, 1, 1]);
  const c = heap.subarray(40, 44);
  native!.gemm(a, b, c, 1, 0, 0, 0, 2, 2, 3, 0, 0, 0);
  assert.deepEqual(Array.from(c), [4, 5, 10, 11]);
  assert.equal(heap[39], 7);
  assert.equal(heap[44], 7);
});

test("gemm rejects operands shorter than their shapes, bad types and negative sizes", { skip }, () => {
  const a = new Float32Array(6);
  const b = new Float32Array(6);
  const c = new Float32Array(4);
  assert.throws(() => native!.gemm(a, b, c, 1, 0, 0, 0, 2, 2, 4, 0, 0, 0), /operand a is shorter/);
  assert.throws(() => native!.gemm(a, b, c, 2, 6, 6, 4, 2, 2, 3, 0, 0, 0), /operand a is shorter/);
  assert.throws(() => native!.gemm(a, b, new Float32Array(3), 1, 0, 0, 0, 2, 2, 3, 0, 0, 0), /output c is shorter/);
  assert.throws(() => native!.gemm(a, b, new Float32Array(8), 2, 0, 0, 2, 2, 2, 3, 0, 0, 0), /overlap/);
  assert.throws(() => native!.gemm(new Float64Array(6) as unknown as Float32Array, b, c, 1, 0, 0, 0, 2, 2, 3, 0, 0, 0), /a must be a Float32Array/);
  assert.throws(() => native!.gemm(a, b, c, 1, 0, 0, 0, -2, 2, 3, 0, 0, 0), /non-negative/);
  assert.throws(() => (native!.gemm as unknown as (...x: unknown[]) => void)(a, b, c), /13 arguments/);
});

test("unary exp/tanh/sigmoid on every length 0..17 (vector body and tail) and bad arguments", { skip }, () => {
  for (let n = 0; n <= 17; n++) {
    const x = random(n, 100 + n).map((v) => v * 3);
    for (const [op, f] of [
      [0, Math.exp],
      [1, Math.tanh],
      [2, (v: number) => 1 / (1 + Math.exp(-v))],
    ] as const) {
      const out = new Float32Array(n).fill(NaN);
      native!.unary(op, x, out);
      for (let i = 0; i < n; i++) {
        const want = f(x[i]);
        assert.ok(Math.abs(out[i] - want) <= 4 * 2 ** -23 * Math.max(Math.abs(want), 1e-30), `op ${op} n ${n} [${i}]: ${out[i]} vs ${want}`);
      }
    }
  }
  const out = new Float32Array(4);
  native!.unary(0, Float32Array.from([NaN, Infinity, -Infinity, 89]), out);
  assert.ok(Number.isNaN(out[0]));
  assert.deepEqual(Array.from(out.subarray(1)), [Infinity, 0, Infinity]);
  assert.throws(() => native!.unary(3 as 0, out, out), /op must be 0/);
  assert.throws(() => native!.unary(0, new Float32Array(3), out), /differ in length/);
});

test("binary: every operand layout against a plain loop; bad arguments", { skip }, () => {
  const rows = 3;
  const cols = 11;
  const layouts = [rows * cols, cols, rows, 1]; // full, row, column, scalar
  const at = (mode: number, i: number, j: number) => (mode === 0 ? i * cols + j : mode === 1 ? j : mode === 2 ? i : 0);
  const ops = [(x: number, y: number) => x + y, (x: number, y: number) => x - y, (x: number, y: number) => x * y, (x: number, y: number) => x / y];
  for (let op = 0; op < 4; op++) {
    for (let ma = 0; ma < 4; ma++) {
      for (let mb = 0; mb < 4; mb++) {
        const a = random(layouts[ma], 400 + ma);
        const b = random(layouts[mb], 500 + mb);
        const out = new Float32Array(rows * cols);
        native!.binary(op as 0, a, ma, b, mb, out, rows, cols);
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            assert.equal(out[i * cols + j], Math.fround(ops[op](a[at(ma, i, j)], b[at(mb, i, j)])), `op ${op} modes ${ma}/${mb} [${i},${j}]`);
          }
        }
      }
    }
  }
  const x = new Float32Array(6);
  assert.throws(() => native!.binary(4 as 0, x, 0, x, 0, x, 2, 3), /op must be 0..3/);
  assert.throws(() => native!.binary(0, x, 0, new Float32Array(5), 0, x, 2, 3), /shorter than their shapes/);
  assert.throws(() => native!.binary(0, x, 0, x, 1, new Float32Array(5), 2, 3), /shorter than their shapes/);
});

test("row and column sums match double-precision sums, row maxima exact; sizes are checked", { skip }, () => {
  const rows = 37;
  const cols = 19;
  const x = random(rows * cols, 200);
  const colOut = new Float32Array(cols);
  const rowOut = new Float32Array(rows);
  native!.columnSums(x, colOut, rows, cols);
  native!.rowSums(x, rowOut, rows, cols);
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s += x[i * cols + j];
    assert.equal(colOut[j], Math.fround(s));
  }
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[i * cols + j];
    assert.ok(Math.abs(rowOut[i] - s) <= 1e-5, `row ${i}: ${rowOut[i]} vs ${s}`);
  }
  const maxOut = new Float32Array(rows);
  native!.rowMaxes(x, maxOut, rows, cols);
  for (let i = 0; i < rows; i++) assert.equal(maxOut[i], Math.max(...x.subarray(i * cols, (i + 1) * cols)));
  assert.throws(() => native!.columnSums(x, colOut, rows + 1, cols), /do not fit/);
  assert.throws(() => native!.rowSums(x, new Float32Array(rows - 1), rows, cols), /do not fit/);
});

test("lstmForward / lstmBackward check their shapes (the maths is tested through lstmLayer)", { skip }, () => {
  const [t, b, h] = [3, 2, 4];
  const states = () =>
    Array.from({ length: 7 }, () => new Float32Array(t * b * h)) as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
  const recurrent = random(h * 4 * h, 300);
  const projected = random(t * b * 4 * h, 301);
  const out = states();
  native!.lstmForward(projected, recurrent, t, b, ...out);
  // h_0 = σ(o)·tanh(σ(i)·tanh(g)) from the first step's projection alone.
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const z = (gate: number, j: number) => projected[gate * h + j];
  const h00 = sig(z(3, 0)) * Math.tanh(sig(z(0, 0)) * Math.tanh(z(2, 0)));
  assert.ok(Math.abs(out[0][0] - h00) < 1e-6, `${out[0][0]} vs ${h00}`);
  assert.throws(() => native!.lstmForward(projected, random(h * 4 * h + 1, 302), t, b, ...states()), /recurrent weight must be \[H, 4H\]/);
  assert.throws(() => native!.lstmForward(projected.subarray(1), recurrent, t, b, ...states()), /argument 0 must be \[steps·batch, 4H\]/);
  assert.throws(() => native!.lstmForward(projected, recurrent, 0, b, ...states()), /steps, batch >= 1/);
  const dz = new Float32Array(t * b * 4 * h);
  const [, c, tc, i, f, g, o] = out;
  native!.lstmBackward(random(t * b * h, 303), recurrent, c, tc, i, f, g, o, t, b, dz);
  assert.ok(dz.some((v) => v !== 0));
  assert.throws(
    () => native!.lstmBackward(random(t * b * h, 303), recurrent, c, tc, i, f, g, o, t, b, new Float32Array(3)),
    /argument 10 must be \[steps·batch, 4H\]/,
  );
});

test("OpenBLAS thread count can be set and read back", { skip }, () => {
  native!.setThreads(2);
  assert.equal(native!.threads(), 2);
  native!.setThreads(1);
  assert.equal(native!.threads(), 1);
  assert.throws(() => native!.setThreads(0), /at least 1/);
});
