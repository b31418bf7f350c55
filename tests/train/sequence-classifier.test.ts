import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { makeDigitSequences } from "../../src/datasets/digit-sequences";
import { lstmClassifierParamCount, disposeLstmClassifier } from "../../src/models/lstm-classifier";
import { Rng } from "../../src/random";
import { trainSequenceClassifier } from "../../src/train/sequence-classifier";

tf.setBackend("cpu");

test("the LSTM classifier learns the digit at the last index of short sequences", () => {
  const rng = new Rng(3);
  const train = makeDigitSequences(rng, { count: 300, length: 4, high: 4, targetIndex: 3 });
  const test = makeDigitSequences(rng, { count: 100, length: 4, high: 4, targetIndex: 3 });
  const run = trainSequenceClassifier(train, test, { embeddingDim: 4, hidden: 8, epochs: 8, batchSize: 30, learningRate: 0.03, progress: false });
  assert.ok(run.epochLosses.at(-1)! < run.epochLosses[0] * 0.5, `losses ${run.epochLosses}`);
  assert.ok(run.testAccuracy > 0.6, `accuracy ${run.testAccuracy}`);
  assert.equal(run.params, lstmClassifierParamCount({ vocabSize: 4, embeddingDim: 4, hidden: 8, classes: 4, seed: 0 }));
  assert.equal(run.params, 4 * 4 + 12 * 32 + 32 + 8 * 4 + 4);
  disposeLstmClassifier(run.model);
});
