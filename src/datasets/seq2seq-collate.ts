/**
 * Batching for sequence-to-sequence models: each batch is padded to ITS OWN longest source and
 * longest target (not to a global maximum), like the seed's `Collater`. Plain typed arrays, so the
 * same batches serve tfjs (wrap with `tf.tensor2d(batch.source, [batch.size, batch.sourceLength], "int32")`)
 * and tests.
 */
import { Rng } from "../random";

/** One encoded example: token ids (normally already `<sos> … <eos>`). */
export interface Seq2SeqExample {
  source: readonly number[];
  target: readonly number[];
}

/** A padded batch, row-major `[size, sourceLength]` and `[size, targetLength]`. */
export interface Seq2SeqBatch {
  size: number;
  sourceLength: number;
  targetLength: number;
  source: Int32Array;
  target: Int32Array;
}

function padRows(rows: readonly (readonly number[])[], padId: number): { data: Int32Array; length: number } {
  let length = 0;
  for (const r of rows) length = Math.max(length, r.length);
  const data = new Int32Array(rows.length * length).fill(padId);
  rows.forEach((r, i) => data.set(r, i * length));
  return { data, length };
}

/** Pad a list of examples to the batch's longest source and target. */
export function collateSeq2Seq(examples: readonly Seq2SeqExample[], padId = 0): Seq2SeqBatch {
  if (examples.length === 0) throw new Error("collateSeq2Seq: empty batch");
  const src = padRows(
    examples.map((e) => e.source),
    padId,
  );
  const trg = padRows(
    examples.map((e) => e.target),
    padId,
  );
  return { size: examples.length, sourceLength: src.length, targetLength: trg.length, source: src.data, target: trg.data };
}

export interface Seq2SeqBatchOptions {
  batchSize: number;
  /** Shuffle the order of examples with this generator (omit for the given order). */
  rng?: Rng;
  padId?: number;
  /** Keep a last batch smaller than `batchSize` (default true). */
  keepLast?: boolean;
}

/** Number of batches `seq2seqBatches` yields. */
export function seq2seqBatchCount(n: number, batchSize: number, keepLast = true): number {
  return keepLast ? Math.ceil(n / batchSize) : Math.floor(n / batchSize);
}

/** Iterate padded batches over the examples (one epoch). */
export function* seq2seqBatches(examples: readonly Seq2SeqExample[], options: Seq2SeqBatchOptions): Generator<Seq2SeqBatch> {
  const { batchSize } = options;
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`seq2seqBatches: batchSize must be a positive integer, got ${batchSize}`);
  const order = options.rng ? options.rng.permutation(examples.length) : Int32Array.from({ length: examples.length }, (_, i) => i);
  const keepLast = options.keepLast ?? true;
  for (let start = 0; start < order.length; start += batchSize) {
    const end = Math.min(start + batchSize, order.length);
    if (end - start < batchSize && !keepLast) break;
    const chunk: Seq2SeqExample[] = [];
    for (let i = start; i < end; i++) chunk.push(examples[order[i]]);
    yield collateSeq2Seq(chunk, options.padId ?? 0);
  }
}
