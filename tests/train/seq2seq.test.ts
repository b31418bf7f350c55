import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { createTransformer, Transformer } from "../../src/models/transformer";
import { greedyDecode } from "../../src/models/decoding";
import { Seq2SeqTrainingTask, trainSeq2Seq, learningRateAt, clipGradientsByGlobalNorm } from "../../src/train/seq2seq";
import { arithmeticBatchStream, arithmeticData } from "../../src/datasets/arithmetic";
import { checkpointStep, createRun, readMetrics, hasCheckpoint, loadCheckpoint, NonFiniteLossError, saveCheckpoint } from "../../src/train/run-dir";
import { isInterrupted } from "../../src/cancel";
import { Json } from "../../src/train/run-dir";

test.before(async () => {
  await tf.setBackend("cpu");
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "numlab-s2s-"));

function setup(seed = 0) {
  const data = arithmeticData({ task: "addition", max: 4, testFraction: 0.25 });
  const model = createTransformer({
    sourceVocabSize: data.tokenizer.vocabSize,
    targetVocabSize: data.tokenizer.vocabSize,
    hidden: 32,
    encoderLayers: 1,
    decoderLayers: 1,
    heads: 2,
    ffHidden: 64,
    dropout: 0.1,
    maxLength: 12,
    norm: "pre",
    seed,
  });
  const all = Int32Array.from({ length: 16 }, (_, i) => i); // learn every pair
  const stream = arithmeticBatchStream(data, all, 16, 1);
  const task: Seq2SeqTrainingTask = {
    nextBatch: () => stream.next(),
    cursor: () => stream.cursor() as unknown as Json,
    seek: (c) => stream.seek(c as unknown as { epoch: number; position: number }),
  };
  return { data, model, task };
}

function weights(model: Transformer): number[] {
  return Object.values(model.params).flatMap((v) => Array.from(v.dataSync()));
}

test("a tiny transformer learns all 16 sums of 0..3 + 0..3", async () => {
  const { data, model, task } = setup();
  const dir = tmp();
  createRun(dir, { test: true });
  const summary = await trainSeq2Seq(model, task, { steps: 250, learningRate: 3e-3, warmupSteps: 20, clipNorm: 1, evalEvery: 50, seed: 1 }, { dir });
  const records = readMetrics<{ step: number; loss: number }>(dir);
  assert.deepEqual(
    records.map((r) => r.step),
    [50, 100, 150, 200, 250],
  );
  assert.ok(records[4].loss < records[0].loss / 3, `loss ${records[0].loss} → ${records[4].loss}`);
  const tok = data.tokenizer;
  const pairs = Array.from({ length: 16 }, (_, i) => [i >> 2, i & 3]);
  const out = greedyDecode(
    model,
    pairs.map(([a, b]) => tok.encodeAddition(a, b)),
    { sosId: tok.sosId, eosId: tok.eosId, maxTokens: 4 },
  );
  const right = out.filter((tokens, i) => tok.decodeNumber(tokens) === pairs[i][0] + pairs[i][1]).length;
  assert.ok(right >= 15, `${right}/16 sums right`);
  assert.equal(summary.step, 250);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("resuming from a checkpoint continues the uninterrupted run bit for bit (weights, Adam state, dropout RNG, data cursor)", async () => {
  // Adam's running powers of beta1 and beta2 are saved too (tfjs would rebuild them with pow(),
  // which differs in the last bits), so the resumed run is exactly the uninterrupted one.
  const config = { steps: 7, learningRate: 2e-3, warmupSteps: 3, clipNorm: 0.5, evalEvery: 2, checkpointEvery: 6, seed: 4 };
  const a = setup();
  const dirA = tmp();
  createRun(dirA, { test: "a" });
  await trainSeq2Seq(a.model, a.task, config, { dir: dirA });

  const b = setup();
  const dirB = tmp();
  createRun(dirB, { test: "b" });
  await trainSeq2Seq(b.model, b.task, { ...config, steps: 6 }, { dir: dirB });
  assert.ok(hasCheckpoint(dirB));
  const c = setup(123); // different init: everything must come from the checkpoint
  const summary = await trainSeq2Seq(c.model, c.task, config, { dir: dirB, resume: true });
  assert.equal(summary.startStep, 6);
  assert.deepEqual(c.task.cursor(), a.task.cursor());
  const wa = weights(a.model);
  const wc = weights(c.model);
  assert.equal(wa.length, wc.length);
  assert.deepEqual(wc, wa);
  // without the checkpoint the weights would be far apart
  let initDiff = 0;
  const w0 = weights(setup(123).model);
  wa.forEach((x, i) => (initDiff = Math.max(initDiff, Math.abs(x - w0[i]))));
  assert.ok(initDiff > 1e-2);
  assert.deepEqual(
    readMetrics<{ step: number }>(dirB).map((r) => r.step),
    [2, 4, 6, 7],
  );
  [dirA, dirB].forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

test("a non-finite loss stops training with a clear error and keeps the last good checkpoint", async () => {
  const { model, task } = setup();
  const dir = tmp();
  createRun(dir, {});
  await trainSeq2Seq(model, task, { steps: 2, learningRate: 1e-3, seed: 0 }, { dir });
  const before = fs.readFileSync(path.join(dir, "checkpoint", "tensors.bin"));
  model.params["output.bias"].assign(tf.fill([model.config.targetVocabSize], NaN));
  await assert.rejects(
    trainSeq2Seq(model, task, { steps: 5, learningRate: 1e-3, seed: 0 }, { dir }),
    (err: Error) => err instanceof NonFiniteLossError && /step 1/.test(err.message),
  );
  assert.deepEqual(fs.readFileSync(path.join(dir, "checkpoint", "tensors.bin")), before);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a checkpoint is saved only with finite weights and validation loss; the error names the kept step and the advice", async () => {
  const { model, task } = setup();
  const dir = tmp();
  createRun(dir, {});
  let evaluations = 0;
  // the validation loss turns NaN at the second evaluation (step 4): the step-2 checkpoint stays
  const withEval: Seq2SeqTrainingTask = { ...task, evaluate: () => ({ valLoss: ++evaluations >= 2 ? NaN : 1 }) };
  await assert.rejects(
    trainSeq2Seq(model, withEval, { steps: 6, learningRate: 5e-3, evalEvery: 2, checkpointEvery: 2, seed: 0 }, { dir, defaultLearningRate: 1e-3 }),
    (err: Error) =>
      err instanceof NonFiniteLossError &&
      /^validation loss became NaN at step 4: training stopped, the last good checkpoint \(step 2\) is kept; lower the learning rate and resume: --resume --lr 0\.001$/.test(
        err.message,
      ),
  );
  assert.equal(checkpointStep(dir), 2);
  assert.deepEqual(
    readMetrics<{ step: number; event?: string }>(dir).map((r) => [r.step, r.event ?? "eval"]),
    [
      [2, "eval"],
      [4, "eval"],
      [4, "nan"],
    ],
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test("an aborted signal stops at the next step with a checkpoint; resuming ends like the uninterrupted run", async () => {
  const config = { steps: 8, learningRate: 2e-3, warmupSteps: 2, evalEvery: 4, checkpointEvery: 4, seed: 2 };
  const a = setup();
  const dirA = tmp();
  createRun(dirA, { test: "a" });
  await trainSeq2Seq(a.model, a.task, config, { dir: dirA });
  const b = setup();
  const dirB = tmp();
  createRun(dirB, { test: "b" });
  const controller = new AbortController();
  let batches = 0;
  const stopping: Seq2SeqTrainingTask = {
    ...b.task,
    nextBatch: () => {
      if (++batches === 3) controller.abort(); // during step 3: the loop stops before step 4
      return b.task.nextBatch();
    },
  };
  await assert.rejects(trainSeq2Seq(b.model, stopping, config, { dir: dirB, signal: controller.signal }), (err: Error) => {
    assert.ok(isInterrupted(err));
    assert.equal(err.message, "interrupted at step 3; last checkpoint at step 3 (continue with --resume)");
    return true;
  });
  assert.equal(checkpointStep(dirB), 3);
  const c = setup(99);
  await trainSeq2Seq(c.model, c.task, config, { dir: dirB, resume: true });
  assert.deepEqual(weights(c.model), weights(a.model));
  // the same records too: the loss window of steps 1–3 was saved with the checkpoint
  const records = (d: string) =>
    readMetrics<Record<string, unknown>>(d)
      .filter((r) => r.event === undefined)
      .map(({ time: _t, ...r }) => r);
  assert.deepEqual(records(dirB), records(dirA));
  [dirA, dirB].forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

test("resume refuses a weights-only checkpoint (no optimizer state) and says how to start from it", async () => {
  const { model, task } = setup();
  const dir = tmp();
  createRun(dir, {});
  await trainSeq2Seq(model, task, { steps: 2, learningRate: 1e-3, seed: 0 }, { dir });
  const full = loadCheckpoint(dir)!;
  const weightsOnly = Object.fromEntries(Object.entries(full.tensors).filter(([name]) => !name.startsWith("optimizer/")));
  saveCheckpoint(dir, { tensors: weightsOnly, state: full.state });
  await assert.rejects(trainSeq2Seq(setup().model, task, { steps: 4, learningRate: 1e-3, seed: 0 }, { dir, resume: true }), (err: Error) =>
    /has no optimizer state \(weights only\), so the run cannot be resumed exactly.*--init-from/.test(err.message),
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test("warm-up, cosine schedule and global-norm clipping", () => {
  const c = { steps: 100, learningRate: 1, warmupSteps: 10, schedule: "cosine" as const, seed: 0 };
  assert.equal(learningRateAt(c, 5), 0.5);
  assert.equal(learningRateAt(c, 10), 1);
  assert.ok(Math.abs(learningRateAt(c, 100) - 0.1) < 1e-9);
  const { grads, norm } = clipGradientsByGlobalNorm({ a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) }, 1);
  assert.ok(Math.abs(norm.dataSync()[0] - 5) < 1e-6);
  assert.deepEqual(
    Array.from(grads.a.dataSync()).map((x) => +x.toFixed(5)),
    [0.6, 0],
  );
  assert.deepEqual(
    Array.from(grads.b.dataSync()).map((x) => +x.toFixed(5)),
    [0, 0.8],
  );
});
