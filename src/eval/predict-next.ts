/**
 * What does a trained next-integer model expect after a sequence? `predictNext` runs the model
 * on the sequence and returns the `k` most probable next integers with their probabilities
 * (softmax of the logits at the last position).
 */
import * as tf from "@tensorflow/tfjs";

/** The part of a next-integer model prediction needs: logits [batch, time, maxValue] for int32 inputs (as `LstmLm.forward`). */
export interface NextIntegerPredictor {
  config: { maxValue: number };
  forward(inputs: tf.Tensor2D): tf.Tensor3D;
}

export interface NextIntegerGuess {
  value: number;
  probability: number;
}

function checkSequence(sequence: ArrayLike<number>, maxValue: number): void {
  if (sequence.length === 0) throw new Error("predictNext: the sequence is empty");
  for (let i = 0; i < sequence.length; i++) {
    const v = sequence[i];
    if (!Number.isInteger(v) || v < 0 || v >= maxValue) {
      throw new Error(`predictNext: term ${i} (${v}) is outside the model's integers 0..${maxValue - 1}`);
    }
  }
}

/** The `k` most probable next integers after `sequence`, most probable first. */
export function predictNext(model: NextIntegerPredictor, sequence: ArrayLike<number>, k = 5): NextIntegerGuess[] {
  const { maxValue } = model.config;
  checkSequence(sequence, maxValue);
  if (!Number.isInteger(k) || k < 1) throw new Error(`predictNext: k must be a positive integer, got ${k}`);
  const probs = tf.tidy(() => {
    const x = tf.tensor2d(Array.from(sequence), [1, sequence.length], "int32");
    const logits = model.forward(x);
    const last = logits.slice([0, sequence.length - 1, 0], [1, 1, -1]).reshape([-1]);
    return tf.softmax(last).dataSync() as Float32Array;
  });
  const order = Array.from(probs.keys())
    .sort((a, b) => probs[b] - probs[a])
    .slice(0, Math.min(k, probs.length));
  return order.map((value) => ({ value, probability: probs[value] }));
}

/** Extend `sequence` by `steps` greedy (most probable) predictions. */
export function continueSequence(model: NextIntegerPredictor, sequence: ArrayLike<number>, steps: number): number[] {
  const out = Array.from(sequence);
  for (let s = 0; s < steps; s++) out.push(predictNext(model, out, 1)[0].value);
  return out;
}

/** Rows for a table: the sequence, then "value (p%)" for each of the top-k guesses. */
export function predictionTable(model: NextIntegerPredictor, sequences: Record<string, number[]>, k = 3): Record<string, string | number>[] {
  return Object.entries(sequences).map(([name, seq]) => {
    const row: Record<string, string | number> = { sequence: name, terms: seq.join(", ") };
    predictNext(model, seq, k).forEach((g, i) => {
      row[`#${i + 1}`] = `${g.value} (${(100 * g.probability).toFixed(1)}%)`;
    });
    return row;
  });
}
