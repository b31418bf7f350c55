/**
 * Parity of the WASM kernel patches (src/backend/wasm-patches.ts) with the cpu backend: each
 * patched kernel, and the gradients of a small LSTM language model (its hand-written LSTM backward
 * is compared with autodiff in lstm-grad.test.ts) and a small dense model.
 * Tolerances: kernels 1e-4 absolute (float32 sums of ≤ 16 terms of magnitude ≤ ~10), gradients
 * 1e-5 absolute (they are ~1e-2..1e-4 here; cpu and XNNPACK order their sums differently).
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend";
import { computeOnBackend, maxAbsDiff } from "../../src/backend/parity";
import { WASM_PATCHED_KERNELS, withStockWasmKernels } from "../../src/backend/wasm-patches";
import { createLstmLm, lstmLmLoss } from "../../src/models/lstm-lm";
import { Rng } from "../../src/random";

const KERNEL_TOL = 1e-4;
const GRAD_TOL = 1e-5;

before(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

function values(n: number, seed: number, scale = 1): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => rng.normal() * scale);
}

async function parity(name: string, fn: () => tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>, tol: number) {
  const wasm = await computeOnBackend("wasm", fn);
  const cpu = await computeOnBackend("cpu", fn);
  assert.deepEqual(Object.keys(wasm), Object.keys(cpu));
  for (const key of Object.keys(cpu)) {
    const diff = maxAbsDiff(wasm[key], cpu[key]);
    assert.ok(diff <= tol, `${name}/${key}: wasm vs cpu max abs diff ${diff} > ${tol}`);
  }
  return { wasm, cpu };
}

test("the patched kernels are registered for wasm", () => {
  for (const name of WASM_PATCHED_KERNELS) assert.ok(tf.getKernel(name, "wasm"), `${name} not registered`);
});

test("UnsortedSegmentSum (gather's gradient) matches cpu, ignoring out-of-range ids", async () => {
  const { cpu } = await parity(
    "unsortedSegmentSum",
    () => ({
      rows: tf.unsortedSegmentSum(tf.tensor2d(values(21, 1), [7, 3]), tf.tensor1d([0, 3, 3, -1, 5, 1, 0], "int32"), 4),
      ints: tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4, 5], "int32"), tf.tensor1d([2, 2, 0, 1, 2], "int32"), 3),
      inner: tf.unsortedSegmentSum(tf.tensor3d(values(24, 2), [3, 2, 4]), tf.tensor1d([2, 0, 2], "int32"), 3),
    }),
    KERNEL_TOL,
  );
  assert.deepEqual(Array.from(cpu.ints), [3, 4, 8]);
});

test("gather gradient (embedding lookup) matches cpu", async () => {
  await parity(
    "gatherGrad",
    () => {
      const table = tf.tensor2d(values(30, 3), [10, 3]);
      const ids = tf.tensor2d([[1, 2, 2, 9], [0, 1, 1, 1]], [2, 4], "int32");
      return tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, ids))))(table);
    },
    KERNEL_TOL,
  );
});

test("BatchMatMul: every transpose combination, batched and broadcast shapes", async () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[5, 4], [4, 6], false, false],
    [[4, 5], [4, 6], true, false],
    [[5, 4], [6, 4], false, true],
    [[4, 5], [6, 4], true, true],
    [[2, 5, 4], [4, 6], false, false], // batched left, shared right: folded into rows
    [[2, 4, 5], [6, 4], true, true],
    [[2, 5, 4], [2, 4, 6], false, false],
    [[2, 4, 5], [2, 6, 4], true, true],
    [[1, 5, 4], [3, 4, 6], false, false],
    [[3, 1, 5, 4], [2, 4, 6], false, false],
  ];
  for (const [i, [sa, sb, ta, tb]] of cases.entries()) {
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const { cpu } = await parity(
      `matMul case ${i} ${JSON.stringify([sa, sb, ta, tb])}`,
      () => tf.matMul(tf.tensor(values(size(sa), 10 + i), sa), tf.tensor(values(size(sb), 20 + i), sb), ta, tb),
      KERNEL_TOL,
    );
    assert.ok(cpu.value.length > 0);
  }
});

test("_FusedMatMul with bias and relu, transposed operands", async () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    await parity(
      `fusedMatMul ${ta} ${tb}`,
      () =>
        tf.fused.matMul({
          a: tf.tensor2d(values(20, 31), ta ? [4, 5] : [5, 4]),
          b: tf.tensor2d(values(24, 32), tb ? [6, 4] : [4, 6]),
          transposeA: ta,
          transposeB: tb,
          bias: tf.tensor1d(values(6, 33)),
          activation: "relu",
        }),
      KERNEL_TOL,
    );
  }
  await parity(
    "fusedMatMul batched",
    () => tf.fused.matMul({ a: tf.tensor3d(values(40, 34), [2, 5, 4]), b: tf.tensor3d(values(24, 35), [1, 4, 6]), bias: tf.tensor1d(values(6, 36)) }),
    KERNEL_TOL,
  );
});

test("patched and stock WASM matmul agree (the patch changes speed, not results)", async () => {
  await tf.setBackend("wasm");
  const run = () =>
    tf.tidy(() => Array.from(tf.matMul(tf.tensor2d(values(60, 41), [12, 5]), tf.tensor2d(values(84, 42), [7, 12]), true, true).dataSync()));
  const patched = run();
  const stock = withStockWasmKernels(run);
  assert.ok(maxAbsDiff(patched, stock) <= KERNEL_TOL);
});

test("Slice, Unpack and SplitV (read in place from WASM memory) match cpu", async () => {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const x5 = [2, 3, 4, 2, 3];
  await parity(
    "slicing",
    () => {
      const a = tf.tensor3d(values(60, 61), [3, 4, 5]);
      const b = tf.tensor(values(size(x5), 62), x5);
      const ints = tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], "int32");
      return [
        tf.slice(a, [1, 0, 0], [2, 4, 5]), // contiguous rows
        tf.slice(a, [0, 1, 2], [3, 2, 2]), // strided
        tf.slice(b, [1, 0, 1, 0, 1], [1, 3, 2, 2, 2]), // rank 5
        tf.slice(ints, [0, 1], [2, 2]),
        tf.slice(a, [0, 0, 0], [0, 4, 5]), // empty
        ...tf.unstack(a, 0),
        ...tf.unstack(a, 2),
        ...tf.split(a, 5, 2),
        ...tf.split(a, [1, 3], 1),
        ...tf.split(tf.tensor2d(values(64 * 8, 63), [64, 8]), 4, 1), // the LSTM gate split
        tf.grad((t: tf.Tensor) => tf.stack(tf.unstack(t, 1).map((p, i) => tf.mul(p, i + 1)), 1).sum())(a),
      ];
    },
    KERNEL_TOL,
  );
});

test("GatherV2 (whole rows copied from WASM memory) matches cpu on every axis; bad ids throw", async () => {
  const { cpu } = await parity(
    "gather",
    () => {
      const table = tf.tensor2d(values(30, 71), [10, 3]);
      const x3 = tf.tensor3d(values(60, 72), [3, 4, 5]);
      return [
        tf.gather(table, tf.tensor2d([[1, 2, 2, 9], [0, 1, 1, 1]], [2, 4], "int32")), // embedding lookup
        tf.gather(tf.tensor1d(values(12, 73)), tf.tensor1d([11, 0, 5, 5], "int32")), // inner size 1
        tf.gather(x3, tf.tensor1d([3, 0, 3], "int32"), 1), // middle axis
        tf.gather(x3, tf.tensor1d([4, 1], "int32"), -1), // last axis
        tf.gather(tf.tensor2d([[1, 2], [3, 4]], [2, 2], "int32"), tf.tensor1d([1, 1, 0], "int32")), // int32 values
        tf.gather(x3, tf.tensor2d([[0, 3], [1, 2], [2, 0]], [3, 2], "int32"), 1, 1), // batchDims 1 (the stock kernel crashes)
        tf.gather(x3, tf.tensor2d([[4, 0, 1], [2, 2, 3], [0, 1, 4]], [3, 3], "int32"), 2, 1), // batchDims 1, outer dims
        tf.gather(table, tf.tensor1d([], "int32")), // no ids
      ];
    },
    KERNEL_TOL,
  );
  assert.deepEqual(Array.from(cpu["4"]), [3, 4, 3, 4, 1, 2]);
  await tf.setBackend("wasm");
  const before = tf.memory().numTensors;
  assert.throws(() => tf.tidy(() => tf.gather(tf.ones([3, 2]), tf.tensor1d([0, 3], "int32"))), /index value 3 is not in \[0, 2\]/);
  assert.equal(tf.memory().numTensors, before);
});

test("LSTM language model: loss and every gradient match cpu (2 layers, pads)", async () => {
  const config = { maxValue: 11, embeddingDim: 4, hiddenSize: 6, numLayers: 2, denseSize: 5, seed: 4 };
  const rows = [
    [1, 2, 3, 4, 11, 11],
    [5, 6, 7, 8, 9, 10],
    [10, 0, 1, 11, 11, 11],
  ];
  const { cpu } = await parity(
    "lstm",
    () => {
      const model = createLstmLm(config);
      const batch = tf.tensor2d(rows, undefined, "int32");
      const { value, grads } = tf.variableGrads(() => lstmLmLoss(model, batch), model.trainableVariables());
      const out: Record<string, tf.Tensor> = { loss: value };
      model.trainableVariables().forEach((v, i) => (out[`grad${i}`] = grads[v.name]));
      out.logits = model.forward(batch);
      const kept = tf.keep(Object.values(out));
      model.dispose();
      return Object.fromEntries(Object.keys(out).map((k, i) => [k, kept[i]]));
    },
    GRAD_TOL,
  );
  // The gradients are not trivially zero (the test could otherwise pass vacuously).
  assert.ok(Math.max(...Array.from(cpu.grad1).map(Math.abs)) > 1e-4);
});

test("dense model (relu MLP, softmax cross-entropy): gradients match cpu", async () => {
  await parity(
    "dense",
    () => {
      const x = tf.tensor2d(values(40, 51), [8, 5]);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 2, 1], "int32"), 3);
      const w1 = tf.variable(tf.tensor2d(values(35, 52, 0.5), [5, 7]));
      const b1 = tf.variable(tf.tensor1d(values(7, 53, 0.1)));
      const w2 = tf.variable(tf.tensor2d(values(21, 54, 0.5), [7, 3]));
      const { value, grads } = tf.variableGrads(() =>
        tf.losses.softmaxCrossEntropy(y, tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2)) as tf.Scalar,
      );
      const out = { loss: value, w1: grads[w1.name], b1: grads[b1.name], w2: grads[w2.name] };
      tf.keep(Object.values(out));
      tf.dispose([w1, b1, w2]);
      return out;
    },
    GRAD_TOL,
  );
});
