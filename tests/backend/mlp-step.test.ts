/**
 * The makemore MLP's fused training step (src/backend/mlp-kernels.ts: forward, hand-written
 * backward and SGD update in one native call on the variables' memory) against tfjs autodiff of
 * the same model (`mlpLmGradientsAutodiff`, `mlpLmSgdStepAutodiff`) on the WASM backend and on
 * the pure-JS cpu backend.
 *
 * Tolerances: gradients 1e-6 absolute. The fused step runs the same float32 operations in the same
 * order as the WASM graph, so there they agree to the bit; against the cpu backend's kernels they
 * differ by float32 rounding: measured ≤ 3e-8 with the scaled init (entries up to 0.15) and ≤ 4.8e-7
 * with the randn init (entries up to 3.6). The loss 1e-6 (the fused step sums it in double).
 * NUMLAB_TEST_VERBOSE=1 prints every difference.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend";
import { fusedMlpAvailable, fusedMlpStep } from "../../src/backend/mlp-kernels";
import { loadNative, setNativeBinding } from "../../src/backend/native";
import { maxAbsDiff } from "../../src/backend/parity";
import {
  MLP_LM_PARAMETER_NAMES,
  MlpLm,
  MlpLmConfig,
  createMlpLm,
  disposeMlpLm,
  mlpLmGradients,
  mlpLmGradientsAutodiff,
  mlpLmSgdStep,
  mlpLmSgdStepAutodiff,
  mlpLmVariables,
} from "../../src/models/mlp-lm";
import { Rng } from "../../src/random";

const GRAD_TOL = 1e-6;
const skip = loadNative() ? false : "native addon not built";

before(async () => {
  await initBackend({ backend: "wasm", quiet: true });
});

/** n random contexts and targets; every id in [0, vocab), some contexts repeated (the scatter-add of C's gradient). */
function batch(n: number, blockSize: number, vocab: number, seed: number): { X: Int32Array; Y: Int32Array } {
  const rng = new Rng(seed);
  const X = Int32Array.from({ length: n * blockSize }, () => rng.int(0, vocab));
  if (n > 2) X.copyWithin(blockSize, 0, blockSize); // rows 0 and 1 alike
  const Y = Int32Array.from({ length: n }, () => rng.int(0, vocab));
  return { X, Y };
}

function weights(model: MlpLm): Float32Array[] {
  return mlpLmVariables(model).map((v) => Float32Array.from(v.dataSync() as Float32Array));
}

const CASES: { label: string; config: MlpLmConfig; n: number }[] = [
  { label: "the lecture's model (block 3, d 10, hidden 200), batch 32", config: { blockSize: 3, embeddingDim: 10, hidden: 200, seed: 3 }, n: 32 },
  { label: "block 4, d 5, hidden 7, vocabulary 11, batch 9", config: { blockSize: 4, embeddingDim: 5, hidden: 7, vocabSize: 11, seed: 4 }, n: 9 },
  { label: "one example, the randn init (large logits)", config: { blockSize: 2, embeddingDim: 3, hidden: 16, seed: 5, init: "randn" }, n: 1 },
];

for (const { label, config, n } of CASES) {
  test(`fused MLP gradients equal autodiff on wasm and on cpu: ${label}`, { skip }, async () => {
    await tf.setBackend("wasm");
    assert.ok(fusedMlpAvailable());
    const model = createMlpLm(config);
    const { X, Y } = batch(n, config.blockSize, config.vocabSize ?? 27, config.seed);
    const tensorsBefore = tf.memory().numTensors;
    const fused = mlpLmGradients(model, X, Y);
    assert.equal(tf.memory().numTensors, tensorsBefore, "the fused step made tensors");
    const wasm = mlpLmGradientsAutodiff(model, X, Y);
    const saved = weights(model);
    await tf.setBackend("cpu");
    const cpuModel = createMlpLm(config);
    const cpu = mlpLmGradientsAutodiff(cpuModel, X, Y);
    disposeMlpLm(cpuModel);
    await tf.setBackend("wasm");
    assert.deepEqual(weights(model), saved, "computing gradients changed the weights");
    for (const [reference, ref] of [
      ["wasm autodiff", wasm],
      ["cpu autodiff", cpu],
    ] as const) {
      assert.ok(Math.abs(fused.loss - ref.loss) <= 1e-6, `loss ${fused.loss} vs ${reference} ${ref.loss}`);
      for (const name of MLP_LM_PARAMETER_NAMES) {
        const diff = maxAbsDiff(fused.grads[name], ref.grads[name]);
        if (process.env.NUMLAB_TEST_VERBOSE) console.log(label, reference, name, diff, Math.max(...Array.from(ref.grads[name]).map(Math.abs)));
        assert.ok(diff <= GRAD_TOL, `${name} vs ${reference}: max abs diff ${diff} > ${GRAD_TOL}`);
      }
    }
    // Not vacuous: every parameter gets a real gradient.
    for (const name of MLP_LM_PARAMETER_NAMES) assert.ok(Math.max(...Array.from(wasm.grads[name]).map(Math.abs)) > 1e-6, `${name} gradient is ~0`);
    disposeMlpLm(model);
  });
}

test("fused SGD steps follow the autodiff steps: same losses and weights after 50 steps", { skip }, async () => {
  await tf.setBackend("wasm");
  const config: MlpLmConfig = { blockSize: 3, embeddingDim: 10, hidden: 200, seed: 7 };
  const fused = createMlpLm(config);
  const auto = createMlpLm(config);
  let worstLoss = 0;
  for (let step = 0; step < 50; step++) {
    const { X, Y } = batch(32, 3, 27, 100 + step);
    const a = mlpLmSgdStep(fused, X, Y, 0.1);
    const b = mlpLmSgdStepAutodiff(auto, X, Y, 0.1);
    worstLoss = Math.max(worstLoss, Math.abs(a - b));
  }
  const diffs = weights(fused).map((w, i) => maxAbsDiff(w, weights(auto)[i]));
  if (process.env.NUMLAB_TEST_VERBOSE) console.log("50 steps: loss", worstLoss, "weights", diffs);
  assert.ok(worstLoss <= 1e-6, `losses differ by ${worstLoss}`);
  for (const [i, d] of diffs.entries()) assert.ok(d <= 1e-6, `${MLP_LM_PARAMETER_NAMES[i]} differs by ${d} after 50 steps`);
  disposeMlpLm(fused);
  disposeMlpLm(auto);
});

test("the fused step updates the variables in place, and copies a variable whose memory another tensor shares", { skip }, async () => {
  await tf.setBackend("wasm");
  const model = createMlpLm({ blockSize: 3, embeddingDim: 4, hidden: 8, seed: 1 });
  const { X, Y } = batch(6, 3, 27, 2);
  const clone = tf.clone(model.W1); // shares W1's memory (copy-free Identity)
  const source = tf.tensor(model.b2.dataSync(), model.b2.shape);
  model.b2.assign(source); // b2 now shares `source`'s memory
  const cloneBefore = Array.from(clone.dataSync());
  const sourceBefore = Array.from(source.dataSync());
  const w1Before = Array.from(model.W1.dataSync());
  const tensorsBefore = tf.memory().numTensors;
  mlpLmSgdStep(model, X, Y, 0.5);
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.deepEqual(Array.from(clone.dataSync()), cloneBefore, "a clone of W1 changed");
  assert.deepEqual(Array.from(source.dataSync()), sourceBefore, "the tensor b2 was assigned from changed");
  assert.notDeepEqual(Array.from(model.W1.dataSync()), w1Before, "W1 was not updated");
  assert.notDeepEqual(Array.from(model.b2.dataSync()), sourceBefore, "b2 was not updated");
  tf.dispose([clone, source]);
  disposeMlpLm(model);
});

test("ids outside the vocabulary and mismatched shapes are errors, and change nothing", { skip }, async () => {
  await tf.setBackend("wasm");
  const model = createMlpLm({ blockSize: 3, embeddingDim: 4, hidden: 8, seed: 1 });
  const saved = weights(model);
  assert.throws(() => mlpLmSgdStep(model, Int32Array.from([0, 1, 27]), Int32Array.from([0]), 0.1), /context id 27 \(row 0\) is not in \[0, 26\]/);
  assert.throws(() => mlpLmSgdStep(model, Int32Array.from([0, 1, 2]), Int32Array.from([-1]), 0.1), /target -1 \(row 0\) is not in \[0, 26\]/);
  assert.throws(() => mlpLmSgdStep(model, Int32Array.from([0, 1, 2, 3]), Int32Array.from([0]), 0.1), /4 context ids for 1 targets, expected 3/);
  assert.throws(() => mlpLmSgdStep(model, new Int32Array(0), new Int32Array(0), 0.1), /empty/);
  const vars = mlpLmVariables(model);
  assert.throws(() => fusedMlpStep([vars[1], vars[0], vars[2], vars[3], vars[4]], Int32Array.from([0, 1, 2]), Int32Array.from([0]), 0.1), /shapes do not fit/);
  assert.throws(
    () => fusedMlpStep(vars, Int32Array.from([0, 1, 2]), Int32Array.from([0]), null, [new Float32Array(3)]),
    /grads must be null or an array of five/,
  );
  assert.deepEqual(weights(model), saved);
  disposeMlpLm(model);
});

test("without the addon, and on the cpu backend, mlpLmSgdStep takes the autodiff path", async () => {
  const config: MlpLmConfig = { blockSize: 3, embeddingDim: 4, hidden: 8, seed: 2 };
  const { X, Y } = batch(5, 3, 27, 9);
  await tf.setBackend("cpu");
  assert.equal(fusedMlpAvailable(), false);
  const onCpu = createMlpLm(config);
  const cpuLoss = mlpLmSgdStep(onCpu, X, Y, 0.1);
  const cpuWeights = weights(onCpu);
  disposeMlpLm(onCpu);
  await tf.setBackend("wasm");
  const previous = setNativeBinding(null);
  try {
    assert.equal(fusedMlpAvailable(), false);
    const model = createMlpLm(config);
    const loss = mlpLmSgdStep(model, X, Y, 0.1);
    assert.ok(Math.abs(loss - cpuLoss) <= 1e-6);
    weights(model).forEach((w, i) => assert.ok(maxAbsDiff(w, cpuWeights[i]) <= 1e-6));
    disposeMlpLm(model);
  } finally {
    setNativeBinding(previous);
  }
});

test("a model created on the cpu backend and trained after switching to wasm", { skip }, async () => {
  await tf.setBackend("cpu");
  const model = createMlpLm({ blockSize: 3, embeddingDim: 4, hidden: 8, seed: 2 });
  const reference = createMlpLm({ blockSize: 3, embeddingDim: 4, hidden: 8, seed: 2 });
  await tf.setBackend("wasm");
  const { X, Y } = batch(5, 3, 27, 9);
  // The first step moves the variables (autodiff), the next ones run fused.
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(mlpLmSgdStep(model, X, Y, 0.1) - mlpLmSgdStepAutodiff(reference, X, Y, 0.1)) <= 1e-6);
  weights(model).forEach((w, i) => assert.ok(maxAbsDiff(w, weights(reference)[i]) <= 1e-6));
  disposeMlpLm(model);
  disposeMlpLm(reference);
});
