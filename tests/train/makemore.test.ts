import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { buildDataset, buildSplitDatasets, splitWords } from "../../src/datasets/char-contexts";
import { disposeMlpLm } from "../../src/models/mlp-lm";
import { Rng } from "../../src/random";
import { checkpointStep, hasCheckpoint, readMetrics, loadCheckpoint, NonFiniteLossError } from "../../src/train/run-dir";
import { RunInputError } from "../../src/train/run-inputs";
import { isInterrupted } from "../../src/cancel";
import { initBackend } from "../../src/backend";
import { fusedMlpAvailable } from "../../src/backend/mlp-kernels";
import { loadNative } from "../../src/backend/native";
import { maxAbsDiff } from "../../src/backend/parity";
import {
  datasetLoss,
  drawMinibatch,
  drawMinibatchInto,
  evaluateSplits,
  lrFinder,
  makemoreLearningRate,
  minibatchBuffer,
  resolveMakemoreConfig,
  sampleNames,
  sweepMakemore,
  sweepPoints,
  trainMakemore,
} from "../../src/train/makemore";

tf.setBackend("cpu");

/** A tiny generated word list with structure to learn (syllables from a small set). */
function tinyWords(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  const syllables = ["ka", "ri", "na", "lo", "me", "su"];
  return Array.from({ length: n }, () => Array.from({ length: rng.int(1, 4) }, () => syllables[rng.int(0, syllables.length)]).join(""));
}

test("SGD lowers the loss on a tiny word list, and the run directory is written", async () => {
  const data = buildDataset(tinyWords(200, 1), 3);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "numlab-mk-")), "run");
  const run = await trainMakemore(
    data,
    { blockSize: 3, embeddingDim: 4, hidden: 32, steps: 300, batchSize: 32, seed: 3 },
    { out, progress: false, curvePoints: 10 },
  );
  const before = Math.log(27);
  const after = datasetLoss(run.model, data);
  assert.ok(after < before - 0.7, `loss ${after} did not fall well below ${before}`);
  assert.equal(run.curve.length, 10);
  assert.equal(run.curve.at(-1)!.step, 300);
  assert.equal(readMetrics(out).length, 10);
  const ckpt = loadCheckpoint(out);
  assert.ok(ckpt);
  assert.deepEqual(ckpt.tensors.C.shape, [27, 4]);
  disposeMlpLm(run.model);
});

test("the learning rate is 0.1 then 0.01 from half the steps", async () => {
  const c = resolveMakemoreConfig({ blockSize: 3, embeddingDim: 10, hidden: 200 });
  assert.equal(c.steps, 200000);
  assert.equal(makemoreLearningRate(99999, c), 0.1);
  assert.equal(makemoreLearningRate(100000, c), 0.01);
});

test("sampling is deterministic for a seed and yields a–z names", async () => {
  const data = buildDataset(tinyWords(100, 2), 2);
  const run = await trainMakemore(data, { blockSize: 2, embeddingDim: 3, hidden: 16, steps: 50, seed: 1 }, { progress: false });
  const a = sampleNames(run.model, 8, new Rng(10));
  const b = sampleNames(run.model, 8, new Rng(10));
  const c = sampleNames(run.model, 8, new Rng(11));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (const name of a) assert.match(name, /^[a-z]*$/);
  disposeMlpLm(run.model);
});

test("lrFinder sweeps 10^-3..10^0 and returns one loss per step", async () => {
  const data = buildDataset(tinyWords(50, 3), 3);
  const r = await lrFinder(data, { blockSize: 3, embeddingDim: 2, hidden: 8 }, { steps: 40 });
  assert.equal(r.losses.length, 40);
  assert.equal(r.exponents[0], -3);
  assert.equal(r.exponents[39], 0);
  assert.ok(Math.abs(r.learningRates[0] - 0.001) < 1e-12);
  assert.ok(r.losses.every(Number.isFinite));
});

test("sweepMakemore trains every grid point and tabulates split losses", async () => {
  const words = splitWords(tinyWords(150, 4), new Rng(0));
  const grid = { blockSize: [2, 3], embeddingDim: [2], hidden: [8, 12], batchSize: [16] };
  assert.equal(sweepPoints(grid).length, 4);
  const rows = await sweepMakemore(words, grid, { steps: 20, progress: false });
  assert.equal(rows.length, 4);
  assert.deepEqual(
    rows.map((r) => [r.block, r.hidden]),
    [
      [2, 8],
      [2, 12],
      [3, 8],
      [3, 12],
    ],
  );
  assert.equal(rows[0].params, 27 * 2 + 4 * 8 + 8 + 8 * 27 + 27);
  for (const r of rows) assert.ok([r.train, r.dev, r.test].every((x) => Number.isFinite(x) && x > 0));
});

test("evaluateSplits returns one loss per split", async () => {
  const splits = buildSplitDatasets(splitWords(tinyWords(60, 5), new Rng(1)), 2);
  const run = await trainMakemore(splits.train, { blockSize: 2, embeddingDim: 2, hidden: 4, steps: 5 }, { progress: false });
  const l = evaluateSplits(run.model, splits);
  assert.deepEqual(Object.keys(l), ["train", "dev", "test"]);
  assert.ok(Math.abs(l.train - datasetLoss(run.model, splits.train, 7)) < 1e-4);
  disposeMlpLm(run.model);
});

/** The weights of a model as plain arrays (exact float32 values). */
function weights(model: { C: tf.Tensor; W1: tf.Tensor; b1: tf.Tensor; W2: tf.Tensor; b2: tf.Tensor }): number[][] {
  return [model.C, model.W1, model.b1, model.W2, model.b2].map((t) => Array.from(t.dataSync()));
}

/** metrics.jsonl without resume events and wall times (which differ between runs). */
function metricsWithoutTimes(dir: string): unknown[] {
  return readMetrics<Record<string, unknown>>(dir)
    .filter((r) => r.event === undefined)
    .map(({ time: _t, ...rest }) => rest);
}

test("a run stopped twice and resumed ends exactly like an uninterrupted run", async () => {
  const data = buildDataset(tinyWords(150, 6), 3);
  const config = { blockSize: 3, embeddingDim: 4, hidden: 16, steps: 300, batchSize: 16, seed: 5 };
  const opts = { progress: false, curvePoints: 30, checkpointEvery: 70 };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-mk-resume-"));
  const a = path.join(root, "a");
  const b = path.join(root, "b");
  const whole = await trainMakemore(data, config, { ...opts, out: a });

  // 125 and 225 fall inside a loss-curve window (10 steps) and between checkpoints (70)
  const first = await trainMakemore(data, config, { ...opts, out: b, stopAfter: 125 });
  assert.equal(first.step, 125);
  assert.equal((loadCheckpoint(b)!.state as { step: number }).step, 125);
  disposeMlpLm(first.model);
  const second = await trainMakemore(data, config, { ...opts, out: b, resume: true, stopAfter: 100 });
  assert.equal(second.startStep, 125);
  assert.equal(second.step, 225);
  disposeMlpLm(second.model);
  const last = await trainMakemore(data, config, { ...opts, out: b, resume: true });
  assert.equal(last.startStep, 225);
  assert.equal(last.step, 300);

  assert.deepEqual(weights(last.model), weights(whole.model));
  assert.deepEqual(last.curve, whole.curve);
  assert.deepEqual(metricsWithoutTimes(b), metricsWithoutTimes(a));
  assert.deepEqual(readMetrics<{ event?: string }>(b).filter((r) => r.event === "resume").length, 2);
  assert.equal(datasetLoss(last.model, data), datasetLoss(whole.model, data));
  const state = loadCheckpoint(b)!.state as { step: number; optimizer: { name: string; lr: number } };
  assert.equal(state.step, 300);
  assert.deepEqual(state.optimizer, { name: "sgd", lr: 0.01 });
  disposeMlpLm(whole.model);
  disposeMlpLm(last.model);
});

test("resume refuses a different config or data, and a new run refuses a used directory", async () => {
  const data = buildDataset(tinyWords(80, 7), 2);
  const config = { blockSize: 2, embeddingDim: 2, hidden: 8, steps: 40, seed: 1 };
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "numlab-mk-resume-")), "run");
  disposeMlpLm((await trainMakemore(data, config, { out, progress: false, stopAfter: 10 })).model);
  await assert.rejects(trainMakemore(data, { ...config, hidden: 9 }, { out, resume: true, progress: false }), /differs in hidden \(saved 8, given 9\)/);
  await assert.rejects(trainMakemore(buildDataset(tinyWords(81, 7), 2), config, { out, resume: true, progress: false }), /trained on \d+ examples/);
  await assert.rejects(trainMakemore(data, config, { out, progress: false }), /already holds a checkpoint/);
  await assert.rejects(trainMakemore(data, config, { out: out + "-missing", resume: true, progress: false }), /cannot resume/);
  const run = await trainMakemore(data, config, { out, resume: true, progress: false });
  assert.equal(run.step, 40);
  disposeMlpLm(run.model);
});

test("drawMinibatchInto refills a buffer with the rows drawMinibatch draws", async () => {
  const data = buildDataset(tinyWords(40, 8), 3);
  const a = new Rng(4);
  const b = new Rng(4);
  const buffer = minibatchBuffer(16, 3);
  for (let i = 0; i < 3; i++) {
    const fresh = drawMinibatch(data, 16, a);
    assert.equal(drawMinibatchInto(data, b, buffer), buffer);
    assert.deepEqual(Array.from(buffer.X), Array.from(fresh.X));
    assert.deepEqual(Array.from(buffer.Y), Array.from(fresh.Y));
  }
  assert.throws(() => drawMinibatchInto(data, b, minibatchBuffer(16, 2)), /block size 2, the data has block size 3/);
});

test(
  "wasm with the native addon: the fused step trains like autodiff on cpu, and resumes exactly",
  { skip: loadNative() ? false : "native addon not built" },
  async () => {
    await initBackend({ backend: "wasm", quiet: true });
    const data = buildDataset(tinyWords(150, 6), 3);
    const config = { blockSize: 3, embeddingDim: 4, hidden: 16, steps: 300, batchSize: 16, seed: 5 };
    const opts = { progress: false, curvePoints: 30, checkpointEvery: 70 };
    try {
      await tf.setBackend("cpu");
      const autodiff = await trainMakemore(data, config, opts);
      const autodiffWeights = weights(autodiff.model);
      disposeMlpLm(autodiff.model);
      await tf.setBackend("wasm");
      assert.ok(fusedMlpAvailable());
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-mk-fused-"));
      const fused = await trainMakemore(data, config, { ...opts, out: path.join(root, "a") });
      // The same losses (every 10-step window mean) and weights within float32 rounding.
      const worst = Math.max(...fused.curve.map((p, i) => Math.abs(p.loss - autodiff.curve[i].loss)));
      assert.ok(worst <= 1e-5, `loss curves differ by ${worst}`);
      weights(fused.model).forEach((w, i) => assert.ok(maxAbsDiff(w, autodiffWeights[i]) <= 1e-5, `parameter ${i} differs`));
      // Stopped and resumed on the fused path: exactly the uninterrupted run.
      const first = await trainMakemore(data, config, { ...opts, out: path.join(root, "b"), stopAfter: 125 });
      disposeMlpLm(first.model);
      const last = await trainMakemore(data, config, { ...opts, out: path.join(root, "b"), resume: true });
      assert.deepEqual(weights(last.model), weights(fused.model));
      assert.deepEqual(last.curve, fused.curve);
      disposeMlpLm(fused.model);
      disposeMlpLm(last.model);
    } finally {
      await tf.setBackend("cpu");
    }
  },
);

test("resume: --lr/--steps changes apply and are logged, another names file is refused naming --data, an abort saves a checkpoint", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-mk-resume-"));
  const file = path.join(root, "names.txt");
  fs.writeFileSync(file, tinyWords(80, 9).join("\n") + "\n");
  const other = path.join(root, "other.txt");
  fs.writeFileSync(other, tinyWords(80, 9).join("\n") + "\nzzz\n");
  const data = buildDataset(tinyWords(80, 9), 2);
  const config = { blockSize: 2, embeddingDim: 2, hidden: 8, steps: 40, seed: 1 };
  const out = path.join(root, "run");
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 250);
  await assert.rejects(
    trainMakemore(data, { ...config, steps: 10_000_000 }, { out, progress: false, dataFile: file, signal: controller.signal }),
    (e: unknown) => isInterrupted(e) && /^interrupted at step (\d+); last checkpoint at step \1 \(continue with --resume\)$/.test((e as Error).message),
  );
  const stopped = checkpointStep(out);
  assert.ok(stopped > 0, "some steps ran before the abort");
  assert.equal(readMetrics<{ event?: string }>(out).at(-1)!.event, "interrupted");
  await assert.rejects(
    trainMakemore(data, { ...config, steps: 10_000_000 }, { out, resume: true, progress: false, dataFile: other }),
    (e: unknown) =>
      e instanceof RunInputError && /--data \(.*other\.txt, \d+ bytes.*is not the data this run was trained on \(.*names\.txt/.test((e as Error).message),
  );
  const run = await trainMakemore(
    data,
    { ...config, steps: 10_000_000 },
    {
      out,
      resume: true,
      progress: false,
      dataFile: file,
      onResume: { steps: stopped + 20, lr: 0.05 },
    },
  );
  assert.equal(run.step, stopped + 20);
  assert.equal(run.config.lr, 0.05);
  const record = JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8"));
  assert.deepEqual(
    record.numlab.changes.map((c: { step: number; change: string }) => [c.step, c.change]),
    [
      [stopped, `steps 10000000 → ${stopped + 20}`],
      [stopped, "lr 0.1 → 0.05"],
    ],
  );
  assert.equal(record.numlab.inputs.data.path, file);
  disposeMlpLm(run.model);
});

test("a loss blown up by a huge rate (1e40: infinite in float32) stops the run naming the kept checkpoint and the flag to lower", async () => {
  const data = buildDataset(tinyWords(80, 10), 2);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "numlab-mk-nan-")), "run");
  await assert.rejects(
    trainMakemore(data, { blockSize: 2, embeddingDim: 2, hidden: 8, steps: 100, lr: 1e40, seed: 1 }, { out, progress: false, checkpointEvery: 1000 }),
    (e: unknown) => e instanceof NonFiniteLossError && /no checkpoint was saved yet.*lower the learning rate and resume: --resume --lr 0\.1$/.test(e.message),
  );
  assert.equal(hasCheckpoint(out), false);
  const run = await trainMakemore(
    data,
    { blockSize: 2, embeddingDim: 2, hidden: 8, steps: 100, lr: 1e40, seed: 1 },
    { out, resume: true, progress: false, onResume: { lr: 0.1 } },
  );
  assert.equal(run.step, 100);
  assert.ok(Number.isFinite(datasetLoss(run.model, data)));
  disposeMlpLm(run.model);
});
