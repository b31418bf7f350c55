import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { isInterrupted } from "../../src/cancel";
import { makeDigitSequences } from "../../src/datasets/digit-sequences";
import { lstmClassifierParamCount, disposeLstmClassifier } from "../../src/models/lstm-classifier";
import { Rng } from "../../src/random";
import { trainSequenceClassifier } from "../../src/train/sequence-classifier";

tf.setBackend("cpu");

test("the LSTM classifier learns the digit at the last index of short sequences", async () => {
  const rng = new Rng(3);
  const train = makeDigitSequences(rng, { count: 300, length: 4, high: 4, targetIndex: 3 });
  const test = makeDigitSequences(rng, { count: 100, length: 4, high: 4, targetIndex: 3 });
  const run = await trainSequenceClassifier(train, test, { embeddingDim: 4, hidden: 8, epochs: 8, batchSize: 30, learningRate: 0.03, progress: false });
  assert.ok(run.epochLosses.at(-1)! < run.epochLosses[0] * 0.5, `losses ${run.epochLosses}`);
  assert.ok(run.testAccuracy > 0.6, `accuracy ${run.testAccuracy}`);
  assert.equal(run.params, lstmClassifierParamCount({ vocabSize: 4, embeddingDim: 4, hidden: 8, classes: 4, seed: 0 }));
  assert.equal(run.params, 4 * 4 + 12 * 32 + 32 + 8 * 4 + 4);
  disposeLstmClassifier(run.model);
});

test("training yields to the event loop while it runs (timers fire, an abort stops it at a step)", async () => {
  const rng = new Rng(4);
  const train = makeDigitSequences(rng, { count: 400, length: 4, high: 4, targetIndex: 3 });
  const test = makeDigitSequences(rng, { count: 50, length: 4, high: 4, targetIndex: 3 });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 20);
  const controller = new AbortController();
  const stop = setTimeout(() => controller.abort(), 700);
  try {
    await assert.rejects(
      trainSequenceClassifier(train, test, { embeddingDim: 4, hidden: 8, epochs: 1000, batchSize: 20, progress: false, signal: controller.signal }),
      (e: unknown) => isInterrupted(e) && /^interrupted at step \d+; no checkpoint was saved$/.test((e as Error).message),
    );
  } finally {
    clearInterval(timer);
    clearTimeout(stop);
  }
  assert.ok(ticks >= 3, `a 20 ms timer fired ${ticks} times during 700 ms of training`);
});

test("a trainer picks the fast backend itself, quietly, when none was chosen (no tfjs cpu banner)", () => {
  const script = `
    const { makeDigitSequences } = require("./src/datasets/digit-sequences");
    const { Rng } = require("./src/random");
    const { trainSequenceClassifier } = require("./src/train/sequence-classifier");
    const { backendInfo } = require("./src/backend");
    const tf = require("@tensorflow/tfjs");
    const rng = new Rng(1);
    const data = makeDigitSequences(rng, { count: 40, length: 3, high: 3, targetIndex: 2 });
    trainSequenceClassifier(data, data, { epochs: 1, progress: false }).then(() => {
      process.stdout.write(JSON.stringify({ backend: tf.getBackend(), chosen: backendInfo()?.backend ?? null }));
    });`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
    cwd: path.join(__dirname, "../.."),
    encoding: "utf8",
    env: { ...process.env, NUMLAB_BACKEND: "" },
  });
  assert.equal(r.status, 0, r.stderr);
  const { backend, chosen } = JSON.parse(r.stdout);
  assert.equal(backend, chosen, "the backend initBackend chose is the one in use");
  assert.notEqual(backend, "cpu");
  assert.doesNotMatch(r.stderr, /Hi, looks like you are running TensorFlow\.js in Node\.js/);
  assert.doesNotMatch(r.stderr, /numlab: backend/, "quiet");
});
