/**
 * Parity of the WASM kernel patches (src/backend/wasm-patches.ts) with the cpu backend: each
 * patched kernel, and the gradients of a small LSTM language model (its hand-written LSTM backward
 * is compared with autodiff in lstm-grad.test.ts) and a small dense model. Where the native addon
 * (src/backend/native.ts) is built, the kernels it serves are checked both through it and
 * without it (XNNPACK / stock kernels).
 * Tolerances: kernels 1e-4 absolute (float32 sums of ≤ 16 terms of magnitude ≤ ~10), gradients
 * 1e-5 absolute (they are ~1e-2..1e-4 here; cpu and XNNPACK order their sums differently).
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend";
import { computeOnBackend, maxAbsDiff } from "../../src/backend/parity";
import { nativeBinding, setNativeBinding } from "../../src/backend/native";
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

/** Run `body` once per kernel path: through the native addon (when built), then without it. */
async function forEachPath(body: (path: string) => Promise<void>): Promise<void> {
  const native = nativeBinding();
  if (native) await body("native");
  const previous = setNativeBinding(null);
  try {
    await body("stock/XNNPACK");
  } finally {
    setNativeBinding(previous);
  }
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
      const ids = tf.tensor2d(
        [
          [1, 2, 2, 9],
          [0, 1, 1, 1],
        ],
        [2, 4],
        "int32",
      );
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
  await forEachPath(async (path) => {
    for (const [i, [sa, sb, ta, tb]] of cases.entries()) {
      const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const { cpu } = await parity(
        `${path} matMul case ${i} ${JSON.stringify([sa, sb, ta, tb])}`,
        () => tf.matMul(tf.tensor(values(size(sa), 10 + i), sa), tf.tensor(values(size(sb), 20 + i), sb), ta, tb),
        KERNEL_TOL,
      );
      assert.ok(cpu.value.length > 0);
    }
  });
});

test("_FusedMatMul with bias and relu, transposed operands", async () => {
  await forEachPath(async (path) => {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      await parity(
        `${path} fusedMatMul ${ta} ${tb}`,
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
      `${path} fusedMatMul batched`,
      () => tf.fused.matMul({ a: tf.tensor3d(values(40, 34), [2, 5, 4]), b: tf.tensor3d(values(24, 35), [1, 4, 6]), bias: tf.tensor1d(values(6, 36)) }),
      KERNEL_TOL,
    );
    // Every fused activation.
    const a = () => tf.tensor2d(values(20, 37), [5, 4]);
    const b = () => tf.tensor2d(values(24, 38), [4, 6]);
    if (path === "native") {
      // Biases the stock kernel rejects (rank > 1): a [1, n] row, and [m, 1] (added after the product).
      await parity(
        `${path} fusedMatMul rank-2 biases`,
        () => [
          tf.fused.matMul({ a: a(), b: b(), bias: tf.tensor2d(values(6, 39), [1, 6]) }),
          tf.fused.matMul({ a: a(), b: b(), bias: tf.tensor2d(values(5, 40), [5, 1]), activation: "relu" }),
        ],
        KERNEL_TOL,
      );
    }
    await parity(
      `${path} fusedMatMul activations`,
      () => [
        tf.fused.matMul({ a: a(), b: b(), bias: tf.tensor1d(values(6, 39)), activation: "elu" }),
        tf.fused.matMul({ a: a(), b: b(), bias: tf.tensor1d(values(6, 40)), activation: "relu6" }),
        tf.fused.matMul({ a: a(), b: b(), activation: "sigmoid" }),
        tf.fused.matMul({ a: a(), b: b(), activation: "leakyrelu", leakyreluAlpha: 0.3 }),
        tf.fused.matMul({ a: a(), b: b(), bias: tf.tensor1d(values(6, 43)), activation: "prelu", preluActivationWeights: tf.tensor1d(values(6, 41)) }),
        tf.fused.matMul({ a: tf.zeros([5, 0]), b: tf.zeros([0, 6]), bias: tf.tensor1d(values(6, 42)) }), // k = 0: just the bias
      ],
      KERNEL_TOL,
    );
  });
});

test("Exp, Tanh and Sigmoid match cpu, extremes and NaN included (odd lengths for the vector tail)", async () => {
  const special = [0, -0, 1e-8, -1e-8, 0.19999, 0.2, -0.2, 0.5, 5, -5, 20, -20, 88, 88.5, -87, -88, -104, 1000, -1000, Infinity, -Infinity, NaN];
  const random = values(1003, 81, 4);
  const fn = () => {
    const x = tf.tensor1d([...random, ...special]);
    return { exp: tf.exp(x), tanh: tf.tanh(x), sigmoid: tf.sigmoid(x) };
  };
  await forEachPath(async (path) => {
    const wasm = await computeOnBackend("wasm", fn);
    const cpu = await computeOnBackend("cpu", fn);
    for (const key of ["exp", "tanh", "sigmoid"]) {
      const w = wasm[key];
      const c = cpu[key];
      assert.equal(w.length, c.length);
      for (let i = 0; i < c.length; i++) {
        const x = i < random.length ? random[i] : special[i - random.length];
        if (!Number.isFinite(c[i])) {
          // NaN and ±Infinity exactly.
          assert.ok(Object.is(w[i], c[i]), `${path} ${key}(${x}): ${w[i]} vs ${c[i]}`);
          continue;
        }
        // 4 float32 ulps relative, or an absolute 1.2e-38 below exp's normal range (flushed to 0).
        const tol = Math.max(Math.abs(c[i]) * 4 * 2 ** -23, 1.2e-38);
        assert.ok(Math.abs(w[i] - c[i]) <= tol, `${path} ${key}(${x}): ${w[i]} vs ${c[i]}`);
      }
    }
    // tanh keeps tiny inputs (no cancellation in 1 - e^-2x).
    assert.equal(wasm.tanh[random.length + 2], Math.fround(1e-8));
  });
});

test("Sum over leading, trailing, middle and all axes matches cpu (keepDims, empty, int32)", async () => {
  await forEachPath(async (path) => {
    const { cpu } = await parity(
      `${path} sum`,
      () => {
        const x = tf.tensor3d(values(4 * 5 * 13, 91), [4, 5, 13]);
        return [
          tf.sum(x, 0), // bias gradient: column sums
          tf.sum(x, [0, 1]),
          tf.sum(x, [1, 0], true),
          tf.sum(x, -1), // softmax denominators: row sums
          tf.sum(x, [1, 2], true),
          tf.sum(x, 1), // middle: stock kernel
          tf.sum(x), // all axes
          tf.sum(tf.zeros([0, 3]), 0),
          tf.sum(tf.zeros([3, 0]), 1),
          tf.sum(
            tf.tensor2d(
              [
                [1, 2],
                [3, 4],
              ],
              [2, 2],
              "int32",
            ),
            0,
          ),
        ];
      },
      KERNEL_TOL,
    );
    assert.deepEqual(Array.from(cpu["9"]), [4, 6]);
    assert.deepEqual(Array.from(cpu["7"]), [0, 0, 0]);
  });
});

test("Max over trailing axes (softmax row maxima) matches cpu, NaN propagating; other axes too", async () => {
  await forEachPath(async (path) => {
    const { wasm } = await parity(
      `${path} max`,
      () => {
        const x = tf.tensor3d(values(3 * 4 * 13, 95), [3, 4, 13]);
        const long = tf.tensor2d(values(2 * 21, 96), [2, 21]);
        return [tf.max(x, -1), tf.max(x, [1, 2], true), tf.max(x, 0), tf.max(x, 1), tf.max(long, 1)];
      },
      KERNEL_TOL,
    );
    assert.ok(wasm["4"].length === 2);
    // A NaN in a row (in the vector body or the tail) gives NaN, as on cpu (parity() cannot compare NaN).
    const inf = -Infinity;
    const nanRows = () =>
      tf.max(
        tf.tensor2d([
          [1, NaN, 3, 2, 0, 0, 0, 0, 0, 9],
          [0, 0, 0, 0, 0, 0, 0, 0, 0, NaN],
          [-1, -2, -3, -4, -5, -6, -7, -8, -9, -10],
          [inf, inf, inf, inf, inf, inf, inf, inf, inf, inf],
        ]),
        1,
      );
    for (const backend of ["wasm", "cpu"]) {
      const got = (await computeOnBackend(backend, nanRows)).value;
      assert.ok(Number.isNaN(got[0]) && Number.isNaN(got[1]) && got[2] === -1 && got[3] === -Infinity, `${path} ${backend}: ${Array.from(got)}`);
    }
  });
});

test("Add, Sub, Multiply, RealDiv match cpu for every broadcast the addon takes, and the ones it leaves", async () => {
  const t = (shape: number[], seed: number) =>
    tf.tensor(
      values(
        shape.reduce((p, q) => p * q, 1),
        seed,
      ),
      shape,
    );
  const pairs: [number[], number[]][] = [
    [
      [5, 13],
      [5, 13],
    ], // full, full (13: vector body and tail)
    [[5, 13], [13]], // row
    [[13], [5, 13]],
    [
      [1, 13],
      [5, 13],
    ],
    [
      [5, 13],
      [5, 1],
    ], // column
    [
      [5, 1],
      [5, 13],
    ],
    [
      [2, 5, 13],
      [2, 5, 1],
    ],
    [[5, 13], []], // scalar
    [[], [5, 13]],
    [[5, 1], [1]], // column with a scalar: constant rows
    [
      [2, 5, 13],
      [5, 1],
    ], // not a column of [2, 5, 13]: stock kernel
    [
      [2, 1, 13],
      [1, 5, 1],
    ], // both broadcast: stock kernel
    [[0, 13], [13]], // empty
  ];
  await forEachPath(async (path) => {
    await parity(
      `${path} binary`,
      () =>
        pairs.flatMap(([sa, sb], i) => {
          const a = t(sa, 200 + i);
          const b = t(sb, 300 + i);
          return [tf.add(a, b), tf.sub(a, b), tf.mul(a, b), tf.div(a, tf.add(tf.abs(b), 0.5))];
        }),
      KERNEL_TOL,
    );
    // Division by zero and NaN as on cpu (compared apart: parity() cannot compare non-finite values).
    const special = () => tf.div(tf.tensor2d([[1, -1, 0, NaN, 2, 3, 4, 5, 6]]), tf.tensor1d([0, 0, 0, 1, 1, 1, 1, 1, 2]));
    for (const backend of ["wasm", "cpu"]) {
      const got = Array.from((await computeOnBackend(backend, special)).value);
      assert.deepEqual(got.slice(0, 2), [Infinity, -Infinity], `${path} ${backend}`);
      assert.ok(Number.isNaN(got[2]) && Number.isNaN(got[3]) && got[8] === 3, `${path} ${backend}: ${got}`);
    }
    // int32 stays on the stock kernels.
    const ints = await computeOnBackend("wasm", () => tf.mul(tf.tensor1d([2, 3], "int32"), tf.tensor1d([4, 5], "int32")));
    assert.deepEqual(Array.from(ints.value), [8, 15]);
  });
});

test("Mean over trailing, leading and all axes matches cpu", async () => {
  await forEachPath(async (path) => {
    await parity(
      `${path} mean`,
      () => {
        const x = tf.tensor3d(values(4 * 5 * 13, 97), [4, 5, 13]);
        return [tf.mean(x, -1), tf.mean(x, -1, true), tf.mean(x, [1, 2]), tf.mean(x, 0), tf.mean(x), tf.mean(x, 1), tf.moments(x, -1).variance];
      },
      KERNEL_TOL,
    );
  });
});

test("Identity (tf.clone) shares memory without a copy and keeps its own reference", async () => {
  await tf.setBackend("wasm");
  const buffers = () => tf.backend().numDataIds();
  const x = tf.tensor1d([1, 2, 3]);
  const before = buffers();
  const y = tf.clone(x);
  assert.equal(buffers(), before); // no new buffer
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]); // still alive after the source is gone
  y.dispose();
  assert.equal(buffers(), before - 1); // the last reference frees it
});

test("patched and stock WASM matmul agree (the patch changes speed, not results)", async () => {
  await tf.setBackend("wasm");
  const run = () => tf.tidy(() => Array.from(tf.matMul(tf.tensor2d(values(60, 41), [12, 5]), tf.tensor2d(values(84, 42), [7, 12]), true, true).dataSync()));
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
      const ints = tf.tensor2d(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        [2, 3],
        "int32",
      );
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
        tf.grad((t: tf.Tensor) =>
          tf
            .stack(
              tf.unstack(t, 1).map((p, i) => tf.mul(p, i + 1)),
              1,
            )
            .sum(),
        )(a),
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
        tf.gather(
          table,
          tf.tensor2d(
            [
              [1, 2, 2, 9],
              [0, 1, 1, 1],
            ],
            [2, 4],
            "int32",
          ),
        ), // embedding lookup
        tf.gather(tf.tensor1d(values(12, 73)), tf.tensor1d([11, 0, 5, 5], "int32")), // inner size 1
        tf.gather(x3, tf.tensor1d([3, 0, 3], "int32"), 1), // middle axis
        tf.gather(x3, tf.tensor1d([4, 1], "int32"), -1), // last axis
        tf.gather(
          tf.tensor2d(
            [
              [1, 2],
              [3, 4],
            ],
            [2, 2],
            "int32",
          ),
          tf.tensor1d([1, 1, 0], "int32"),
        ), // int32 values
        tf.gather(
          x3,
          tf.tensor2d(
            [
              [0, 3],
              [1, 2],
              [2, 0],
            ],
            [3, 2],
            "int32",
          ),
          1,
          1,
        ), // batchDims 1 (the stock kernel crashes)
        tf.gather(
          x3,
          tf.tensor2d(
            [
              [4, 0, 1],
              [2, 2, 3],
              [0, 1, 4],
            ],
            [3, 3],
            "int32",
          ),
          2,
          1,
        ), // batchDims 1, outer dims
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
  await forEachPath(async (path) => {
    const config = { maxValue: 11, embeddingDim: 4, hiddenSize: 6, numLayers: 2, denseSize: 5, seed: 4 };
    const rows = [
      [1, 2, 3, 4, 11, 11],
      [5, 6, 7, 8, 9, 10],
      [10, 0, 1, 11, 11, 11],
    ];
    const { cpu } = await parity(
      `${path} lstm`,
      () => {
        const model = createLstmLm(config);
        const batch = tf.tensor2d(rows, undefined, "int32");
        const { value, grads } = tf.variableGrads(() => lstmLmLoss(model, batch), model.trainableVariables());
        const out: Record<string, tf.Tensor> = { loss: value };
        model.trainableVariables().forEach((v, i) => (out[`grad${i}`] = grads[v.name]));
        out.logits = model.forward(batch);
        const kept = Object.values(out).map((t) => tf.keep(t));
        model.dispose();
        return Object.fromEntries(Object.keys(out).map((k, i) => [k, kept[i]]));
      },
      GRAD_TOL,
    );
    // The gradients are not trivially zero (the test could otherwise pass vacuously).
    assert.ok(Math.max(...Array.from(cpu.grad1).map(Math.abs)) > 1e-4);
  });
});

test("dense model (relu MLP, softmax cross-entropy): gradients match cpu", async () => {
  await forEachPath(async (path) => {
    await parity(
      `${path} dense`,
      () => {
        const x = tf.tensor2d(values(40, 51), [8, 5]);
        const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 2, 1], "int32"), 3);
        const w1 = tf.variable(tf.tensor2d(values(35, 52, 0.5), [5, 7]));
        const b1 = tf.variable(tf.tensor1d(values(7, 53, 0.1)));
        const w2 = tf.variable(tf.tensor2d(values(21, 54, 0.5), [7, 3]));
        const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2)) as tf.Scalar);
        const out = { loss: value, w1: grads[w1.name], b1: grads[b1.name], w2: grads[w2.name] };
        for (const t of Object.values(out)) tf.keep(t);
        tf.dispose([w1, b1, w2]);
        return out;
      },
      GRAD_TOL,
    );
  });
});
