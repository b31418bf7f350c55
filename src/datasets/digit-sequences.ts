/**
 * The RNN primer's toy task: random digit sequences (default 5,000 of length 10, digits 0–9)
 * whose label is the digit at one position (`targetIndex`, default 3). A model must carry that
 * digit through the rest of the sequence to answer.
 */
import type { Rng } from "../random";

export interface DigitSequenceOptions {
  count?: number;
  length?: number;
  /** Smallest digit (default 0). */
  low?: number;
  /** One past the largest digit (default 10). */
  high?: number;
  /** Position whose digit is the label (default 3). */
  targetIndex?: number;
}

export interface DigitSequences {
  /** Row-major [count, length], values in [low, high). */
  inputs: Int32Array;
  /** [count]: inputs[i, targetIndex]. */
  targets: Int32Array;
  count: number;
  length: number;
  /** Token values 0..vocabSize-1 (= high). */
  vocabSize: number;
  targetIndex: number;
}

/** `count` uniform random sequences and their labels, drawn with `rng`. */
export function makeDigitSequences(rng: Rng, options: DigitSequenceOptions = {}): DigitSequences {
  const { count = 5000, length = 10, low = 0, high = 10, targetIndex = 3 } = options;
  if (!Number.isInteger(targetIndex) || targetIndex < 0 || targetIndex >= length) {
    throw new Error(`targetIndex must be in 0..${length - 1}, got ${targetIndex}`);
  }
  const inputs = new Int32Array(count * length);
  for (let i = 0; i < inputs.length; i++) inputs[i] = rng.int(low, high);
  const targets = new Int32Array(count);
  for (let i = 0; i < count; i++) targets[i] = inputs[i * length + targetIndex];
  return { inputs, targets, count, length, vocabSize: high, targetIndex };
}

/** The same sequences labelled by another position. */
export function relabelDigitSequences(data: DigitSequences, targetIndex: number): DigitSequences {
  if (!Number.isInteger(targetIndex) || targetIndex < 0 || targetIndex >= data.length) {
    throw new Error(`targetIndex must be in 0..${data.length - 1}, got ${targetIndex}`);
  }
  const targets = new Int32Array(data.count);
  for (let i = 0; i < data.count; i++) targets[i] = data.inputs[i * data.length + targetIndex];
  return { ...data, targets, targetIndex };
}
