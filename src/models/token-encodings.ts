/**
 * Three ways to hand tokens to a network, for the RNN primer: the integer code itself (which
 * invents an order: 9 looks "bigger" and "farther" from 0 than 1 is), one-hot vectors (no order,
 * every pair equally far apart, but V numbers per token), and a learned embedding table (a
 * V × d lookup; d ≪ V numbers per token, similarity is learned).
 */
import * as tf from "@tensorflow/tfjs";

/** |a − b| for every pair of integer codes 0..n-1: the distances an integer code implies. */
export function integerCodeDistances(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Math.abs(i - j)));
}

/** One-hot rows for `tokens` (a row of `vocabSize` zeros with a 1 at the token). */
export function oneHotRows(tokens: readonly number[], vocabSize: number): number[][] {
  checkIndices(tokens, vocabSize, "one-hot");
  return tokens.map((t) => Array.from({ length: vocabSize }, (_, j) => (j === t ? 1 : 0)));
}

/** Float32 bytes to encode `tokens` tokens as one-hot vectors vs. embedding rows (+ the table). */
export function encodingBytes(tokens: number, vocabSize: number, embeddingDim: number): { oneHot: number; embedding: number; table: number } {
  return { oneHot: tokens * vocabSize * 4, embedding: tokens * embeddingDim * 4, table: vocabSize * embeddingDim * 4 };
}

/** An index outside an embedding table. */
export class EmbeddingIndexError extends RangeError {
  constructor(
    readonly index: number,
    readonly position: number,
    readonly tableSize: number,
  ) {
    super(`embedding index ${index} (at position ${position}) is out of range for a table of ${tableSize} rows: valid indices are 0..${tableSize - 1}`);
    this.name = "EmbeddingIndexError";
  }
}

function checkIndices(indices: ArrayLike<number>, tableSize: number, what = "embedding"): void {
  for (let i = 0; i < indices.length; i++) {
    const ix = indices[i];
    if (!Number.isInteger(ix) || ix < 0 || ix >= tableSize) {
      if (what === "embedding") throw new EmbeddingIndexError(ix, i, tableSize);
      throw new RangeError(`${what} token ${ix} (at position ${i}) is out of range 0..${tableSize - 1}`);
    }
  }
}

/**
 * Rows of an embedding table (like `nn.Embedding`): `table[indices]`, shape [...indices, d].
 * Indices are checked first; one outside 0..rows-1 throws an `EmbeddingIndexError` naming it and
 * the table size (tf.gather alone would silently return zeros on some backends).
 */
export function embeddingLookup(table: tf.Tensor2D, indices: readonly number[] | Int32Array | tf.Tensor): tf.Tensor {
  const values = indices instanceof tf.Tensor ? (indices.dataSync() as ArrayLike<number>) : indices;
  checkIndices(values, table.shape[0]);
  return tf.tidy(() => {
    const ix = indices instanceof tf.Tensor ? tf.cast(indices, "int32") : tf.tensor(Int32Array.from(values), [values.length], "int32");
    return tf.gather(table, ix);
  });
}
