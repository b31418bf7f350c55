/**
 * Character-context examples for the makemore MLP: every position of `name + '.'` becomes one
 * example whose input is the previous `blockSize` tokens (padded with '.') and whose target is
 * the token at that position. A name of length L gives L + 1 examples, whatever the block size.
 */
import type { Rng } from "../random";
import { NAME_BOUNDARY_TOKEN, charToToken } from "../tokenizers/characters";

export interface CharContexts {
  /** Contexts, row-major [count, blockSize]. */
  X: Int32Array;
  /** Next-token targets [count]. */
  Y: Int32Array;
  count: number;
  blockSize: number;
}

/** Number of examples `buildDataset` makes from `words` (sum of length + 1). */
export function countContexts(words: readonly string[]): number {
  let n = 0;
  for (const w of words) n += w.length + 1;
  return n;
}

/** All (context → next character) examples of `words`. */
export function buildDataset(words: readonly string[], blockSize: number): CharContexts {
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new Error(`blockSize must be a positive integer, got ${blockSize}`);
  const count = countContexts(words);
  const X = new Int32Array(count * blockSize);
  const Y = new Int32Array(count);
  const context = new Int32Array(blockSize);
  let row = 0;
  for (const word of words) {
    context.fill(NAME_BOUNDARY_TOKEN);
    for (let i = 0; i <= word.length; i++) {
      const target = i < word.length ? charToToken(word[i]) : NAME_BOUNDARY_TOKEN;
      X.set(context, row * blockSize);
      Y[row] = target;
      context.copyWithin(0, 1);
      context[blockSize - 1] = target;
      row++;
    }
  }
  return { X, Y, count, blockSize };
}

/** The examples at `rows` (e.g. a minibatch). */
export function selectContexts(data: CharContexts, rows: ArrayLike<number>): CharContexts {
  const b = data.blockSize;
  const X = new Int32Array(rows.length * b);
  const Y = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    X.set(data.X.subarray(r * b, r * b + b), i * b);
    Y[i] = data.Y[r];
  }
  return { X, Y, count: rows.length, blockSize: b };
}

export interface WordSplits {
  train: string[];
  dev: string[];
  test: string[];
}

/**
 * Split names (not examples) into train/dev/test after a seeded shuffle: the first
 * floor(f0·n) shuffled names train, up to floor((f0+f1)·n) dev, the rest test. The input is not
 * modified.
 */
export function splitWords(words: readonly string[], rng: Rng, fractions: [number, number, number] = [0.8, 0.1, 0.1]): WordSplits {
  const total = fractions[0] + fractions[1] + fractions[2];
  if (fractions.some((f) => !(f >= 0)) || Math.abs(total - 1) > 1e-9) {
    throw new Error(`split fractions must be non-negative and sum to 1, got [${fractions.join(", ")}]`);
  }
  const shuffled = rng.shuffle([...words]);
  const n1 = Math.floor(fractions[0] * shuffled.length);
  const n2 = Math.floor((fractions[0] + fractions[1]) * shuffled.length);
  return { train: shuffled.slice(0, n1), dev: shuffled.slice(n1, n2), test: shuffled.slice(n2) };
}

export interface ContextSplits {
  train: CharContexts;
  dev: CharContexts;
  test: CharContexts;
}

/** `buildDataset` on each split. */
export function buildSplitDatasets(splits: WordSplits, blockSize: number): ContextSplits {
  return {
    train: buildDataset(splits.train, blockSize),
    dev: buildDataset(splits.dev, blockSize),
    test: buildDataset(splits.test, blockSize),
  };
}
