/**
 * Training the RNN primer's LSTM classifier (`models/lstm-classifier.ts`) on digit sequences:
 * Adam on shuffled minibatches, test accuracy at the end. The loop yields to the event loop
 * between steps (`pace`), so its progress bar repaints and an interrupt stops it.
 */
import * as tf from "@tensorflow/tfjs";
import { progress } from "../display/progress";
import { Rng } from "../random";
import type { DigitSequences } from "../datasets/digit-sequences";
import { crossEntropyFromIndices } from "../models/mlp-lm";
import {
  LstmClassifier,
  createLstmClassifier,
  lstmClassifierParamCount,
  lstmClassifierPredict,
  lstmClassifierLogits,
  lstmClassifierVariables,
  disposeLstmClassifier,
} from "../models/lstm-classifier";
import { assertFiniteLoss } from "./run-dir";
import { ensureBackend } from "../backend";
import { activeSignal, interruptedAt, isInterrupted, pace } from "../cancel";

export interface SequenceClassifierOptions {
  embeddingDim?: number;
  hidden?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  progress?: boolean;
  /** Abort to stop at the next step ("interrupted at step N"); default: the ambient signal (the running notebook cell's). */
  signal?: AbortSignal;
}

/** The sequence classifier's defaults, the one place they are written (`trainSequenceClassifier` fills what a caller leaves out). */
export const SEQUENCE_CLASSIFIER_DEFAULTS: Required<Omit<SequenceClassifierOptions, "progress" | "signal">> = {
  embeddingDim: 16,
  hidden: 64,
  epochs: 15,
  batchSize: 100,
  learningRate: 0.01,
  seed: 0,
};

export interface SequenceClassifierRun {
  model: LstmClassifier;
  /** Mean training loss of each epoch. */
  epochLosses: number[];
  trainAccuracy: number;
  testAccuracy: number;
  params: number;
  seconds: number;
}

function rowsOf(data: DigitSequences, rows: ArrayLike<number>): { X: tf.Tensor2D; Y: tf.Tensor1D } {
  const T = data.length;
  const X = new Int32Array(rows.length * T);
  const Y = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    X.set(data.inputs.subarray(rows[i] * T, rows[i] * T + T), i * T);
    Y[i] = data.targets[rows[i]];
  }
  return { X: tf.tensor2d(X, [rows.length, T], "int32"), Y: tf.tensor1d(Y, "int32") };
}

/** Fraction of sequences whose label the model predicts. */
export function sequenceAccuracy(model: LstmClassifier, data: DigitSequences): number {
  const X = tf.tensor2d(data.inputs, [data.count, data.length], "int32");
  const pred = lstmClassifierPredict(model, X);
  X.dispose();
  let right = 0;
  for (let i = 0; i < data.count; i++) if (pred[i] === data.targets[i]) right++;
  return right / data.count;
}

/** Train an LSTM classifier on `train` and report train/test accuracy. */
export async function trainSequenceClassifier(
  train: DigitSequences,
  test: DigitSequences,
  options: SequenceClassifierOptions = {},
): Promise<SequenceClassifierRun> {
  await ensureBackend();
  const signal = activeSignal(options.signal);
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SequenceClassifierOptions;
  const { embeddingDim, hidden, epochs, batchSize, learningRate, seed } = { ...SEQUENCE_CLASSIFIER_DEFAULTS, ...defined };
  const config = { vocabSize: train.vocabSize, embeddingDim, hidden, classes: train.vocabSize, seed };
  const model = createLstmClassifier(config);
  const rng = new Rng(seed + 1);
  const optimizer = tf.train.adam(learningRate);
  const stepsPerEpoch = Math.ceil(train.count / batchSize);
  const bar = progress({
    total: epochs * stepsPerEpoch,
    label: `LSTM (index ${train.targetIndex})`,
    unit: "step",
    mode: options.progress === false ? "silent" : undefined,
  });
  const epochLosses: number[] = [];
  const start = performance.now();
  let step = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = rng.permutation(train.count);
      let sum = 0;
      for (let s = 0; s < stepsPerEpoch; s++, step++) {
        await pace(signal);
        const rows = order.subarray(s * batchSize, Math.min(train.count, (s + 1) * batchSize));
        const loss = tf.tidy(() => {
          const { X, Y } = rowsOf(train, rows);
          const value = optimizer.minimize(() => crossEntropyFromIndices(lstmClassifierLogits(model, X), Y), true, lstmClassifierVariables(model));
          if (!value) throw new Error("optimizer returned no loss");
          return value;
        });
        const value = loss.dataSync()[0];
        loss.dispose();
        assertFiniteLoss(value, epoch * stepsPerEpoch + s);
        sum += value;
        bar.tick(1, { epoch: epoch + 1, loss: value });
      }
      epochLosses.push(sum / stepsPerEpoch);
    }
  } catch (err) {
    bar.done({ stopped: `at step ${step}` });
    optimizer.dispose();
    disposeLstmClassifier(model);
    if (isInterrupted(err)) throw interruptedAt(step, null);
    throw err;
  }
  const seconds = (performance.now() - start) / 1000;
  bar.done();
  optimizer.dispose();
  return {
    model,
    epochLosses,
    trainAccuracy: sequenceAccuracy(model, train),
    testAccuracy: sequenceAccuracy(model, test),
    params: lstmClassifierParamCount(config),
    seconds,
  };
}
