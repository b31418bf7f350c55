/**
 * The LSTM layer's hand-written backward (`lstmLayer`, tf.customGrad) against tfjs's automatic
 * gradient of the same forward (`lstmLayerAutodiff`), on the pure-JS `cpu` backend and on `wasm`
 * (with numlab's kernel patches): loss, logits and the gradient of every weight of a 2-layer model
 * on rows with trailing pads, plus the 1-timestep edge case (no recurrent product at all).
 *
 * Tolerances: forward values are computed by the same kernels in the same order, so the logits and
 * loss must be EQUAL; gradients 1e-6 absolute (their largest entries are 2e-4..1 here and differ only in the order
 * of float32 sums: one product over all timesteps instead of one per step; measured ≤ 2e-9).
 * NUMLAB_TEST_VERBOSE=1 prints every difference and the largest gradient entry.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend";
import { fusedLstmAvailable, LSTM_BACKWARD, LSTM_FORWARD } from "../../src/backend/lstm-kernels";
import { loadNative, setNativeBinding } from "../../src/backend/native";
import { maxAbsDiff } from "../../src/backend/parity";
import {
  createLstmClassifier,
  disposeLstmClassifier,
  lstmClassifierLogits,
  lstmClassifierLogitsCell,
  lstmClassifierVariables,
} from "../../src/models/lstm-classifier";
import { crossEntropyFromIndices } from "../../src/models/mlp-lm";
import { createLstmLm, lstmLayer, lstmLayerAutodiff, LstmLayerFn, LstmLmConfig, lstmLmForwardTimeMajor, lstmLmLoss } from "../../src/models/lstm-lm";

const GRAD_TOL = 1e-6;

before(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

const CONFIG: LstmLmConfig = { maxValue: 40, embeddingDim: 6, hiddenSize: 12, numLayers: 2, denseSize: 7, seed: 21 };
const PAD = CONFIG.maxValue;

/** Rows [batch, length] with trailing pads of varying lengths (one row all pads after its first id). */
function paddedRows(batch: number, length: number): number[][] {
  return Array.from({ length: batch }, (_, r) => {
    const n = r === batch - 1 ? 1 : length - ((r * 3) % 5);
    return Array.from({ length }, (_, t) => (t < n ? (r * 13 + t * 7 + r * t) % CONFIG.maxValue : PAD));
  });
}

/**
 * Loss, logits and every weight gradient with the given LSTM layer, as plain arrays (a weight the
 * loss does not depend on — the recurrent one with a single step — gets zeros). Checks that no
 * tensor leaks.
 */
function lossAndGrads(rows: number[][], layer: LstmLayerFn): Record<string, Float32Array> {
  const model = createLstmLm(CONFIG);
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const batch = tf.tensor2d(rows, undefined, "int32");
    const { value, grads } = tf.variableGrads(() => lstmLmLoss(model, batch, layer), model.trainableVariables());
    const inputs = batch.slice([0, 0], [rows.length, rows[0].length - 1]) as tf.Tensor2D;
    const res: Record<string, Float32Array> = {
      loss: value.dataSync() as Float32Array,
      logits: lstmLmForwardTimeMajor(model, inputs, layer).dataSync() as Float32Array,
    };
    for (const v of model.trainableVariables()) {
      res[v.name.split("/").slice(1).join("/")] = (grads[v.name] ?? tf.zerosLike(v)).dataSync() as Float32Array;
    }
    return res;
  });
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  model.dispose();
  return out;
}

for (const backend of ["cpu", "wasm"]) {
  for (const [label, rows] of [
    ["2 layers, batch 5 × 12 steps with trailing pads", paddedRows(5, 13)],
    ["1 timestep (rows of length 2)", paddedRows(4, 2)],
  ] as const) {
    test(`${backend}: hand-written LSTM gradient equals autodiff (${label})`, async () => {
      await tf.setBackend(backend);
      const custom = lossAndGrads(rows as number[][], lstmLayer);
      const auto = lossAndGrads(rows as number[][], lstmLayerAutodiff);
      assert.deepEqual(Object.keys(custom), Object.keys(auto));
      if (backend === "wasm" && fusedLstmAvailable()) {
        // The native recurrence adds h·R into the projection inside sgemm (beta = 1): equal up
        // to float32 rounding rather than bit for bit.
        assert.ok(maxAbsDiff(custom.loss, auto.loss) <= 1e-6 && maxAbsDiff(custom.logits, auto.logits) <= 1e-6);
      } else {
        assert.deepEqual(Array.from(custom.loss), Array.from(auto.loss));
        assert.deepEqual(Array.from(custom.logits), Array.from(auto.logits));
      }
      for (const key of Object.keys(auto)) {
        const diff = maxAbsDiff(custom[key], auto[key]);
        if (process.env.NUMLAB_TEST_VERBOSE) console.log(backend, label, key, diff, Math.max(...Array.from(auto[key]).map(Math.abs)));
        assert.ok(diff <= GRAD_TOL, `${backend} ${key}: max abs diff ${diff} > ${GRAD_TOL}`);
      }
      // Not vacuous: the recurrent and input weights of both layers get real gradients (the
      // recurrent ones only when there is more than one step).
      const peak = (k: string) => Math.max(...Array.from(auto[k]).map(Math.abs));
      for (const k of ["lstm0/kernel", "lstm1/kernel", "lstm0/bias", "embedding"]) assert.ok(peak(k) > 1e-5, `${k} gradient is ~0`);
      if (rows[0].length > 2) assert.ok(peak("lstm0/recurrent") > 1e-5 && peak("lstm1/recurrent") > 1e-5);
      else assert.equal(peak("lstm0/recurrent"), 0);
    });
  }
}

test("wasm and cpu agree on the hand-written LSTM gradient", async () => {
  await tf.setBackend("cpu");
  const cpu = lossAndGrads(paddedRows(5, 13), lstmLayer);
  await tf.setBackend("wasm");
  const wasm = lossAndGrads(paddedRows(5, 13), lstmLayer);
  for (const key of Object.keys(cpu)) {
    const tol = key === "loss" || key === "logits" ? 1e-5 : GRAD_TOL * 10;
    const diff = maxAbsDiff(wasm[key], cpu[key]);
    assert.ok(diff <= tol, `${key}: wasm vs cpu max abs diff ${diff} > ${tol}`);
  }
});

test(
  "wasm with the native addon: lstmLayer runs the fused kernels, and matches the composed ops",
  { skip: loadNative() ? false : "native addon not built" },
  async () => {
    await tf.setBackend("wasm");
    assert.ok(fusedLstmAvailable());
    const rows = paddedRows(5, 13);
    const profile = await tf.profile(() => {
      lossAndGrads(rows, lstmLayer);
    });
    const names = new Set(profile.kernels.map((k) => k.name));
    assert.ok(names.has(LSTM_FORWARD) && names.has(LSTM_BACKWARD), `kernels run: ${[...names].join(", ")}`);
    const fused = lossAndGrads(rows, lstmLayer);
    const previous = setNativeBinding(null);
    try {
      assert.equal(fusedLstmAvailable(), false);
      const composed = lossAndGrads(rows, lstmLayer);
      for (const key of Object.keys(composed)) {
        const diff = maxAbsDiff(fused[key], composed[key]);
        assert.ok(diff <= GRAD_TOL, `${key}: fused vs composed max abs diff ${diff}`);
      }
    } finally {
      setNativeBinding(previous);
    }
  },
);

/**
 * The RNN primer's classifier (notebook 07): `lstmClassifierLogits` (its basicLSTMCell kernel
 * reordered into `lstmLayer`'s layout, the hand-written backward, the fused kernels on WASM)
 * against the tf.basicLSTMCell loop it replaced, under autodiff: loss, logits and the gradient of
 * every variable, on cpu and on wasm (with the addon when built). Sequences of 7 and of 1 step.
 */
for (const backend of ["cpu", "wasm"]) {
  for (const T of [7, 1]) {
    test(`${backend}: the primer classifier's LSTM layer equals the basicLSTMCell loop (T = ${T})`, async () => {
      await tf.setBackend(backend);
      const model = createLstmClassifier({ vocabSize: 10, embeddingDim: 5, hidden: 6, classes: 4, seed: 8 });
      const n = 9;
      const X = tf.tensor2d(
        Array.from({ length: n * T }, (_, i) => (i * 7 + Math.floor(i / T) * 3) % 10),
        [n, T],
        "int32",
      );
      const Y = tf.tensor1d(
        Array.from({ length: n }, (_, i) => i % 4),
        "int32",
      );
      const before = tf.memory().numTensors;
      const run = (logits: typeof lstmClassifierLogits) =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => crossEntropyFromIndices(logits(model, X), Y), lstmClassifierVariables(model));
          const out: Record<string, Float32Array> = { loss: value.dataSync() as Float32Array, logits: logits(model, X).dataSync() as Float32Array };
          for (const [i, v] of lstmClassifierVariables(model).entries()) out[`grad${i}`] = grads[v.name].dataSync() as Float32Array;
          return out;
        });
      const layer = run(lstmClassifierLogits);
      const cell = run(lstmClassifierLogitsCell);
      assert.equal(tf.memory().numTensors, before, "tensors leaked");
      for (const key of Object.keys(cell)) {
        const diff = maxAbsDiff(layer[key], cell[key]);
        if (process.env.NUMLAB_TEST_VERBOSE) console.log(backend, T, key, diff, Math.max(...Array.from(cell[key]).map(Math.abs)));
        assert.ok(diff <= GRAD_TOL, `${key}: layer vs cell max abs diff ${diff} > ${GRAD_TOL}`);
      }
      // Not vacuous: the LSTM kernel and bias get real gradients.
      for (const key of ["grad1", "grad2"]) assert.ok(Math.max(...Array.from(cell[key]).map(Math.abs)) > 1e-5, `${key} is ~0`);
      tf.dispose([X, Y]);
      disposeLstmClassifier(model);
    });
  }
}
