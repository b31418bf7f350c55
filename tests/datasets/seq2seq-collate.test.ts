import { test } from "node:test";
import assert from "node:assert/strict";
import { collateSeq2Seq, seq2seqBatchCount, seq2seqBatches } from "../../src/datasets/seq2seq-collate";
import { Rng } from "../../src/random";

test("pads each batch to its own longest source and target", () => {
  const b = collateSeq2Seq([
    { source: [1, 5, 2], target: [1, 7, 7, 7, 2] },
    { source: [1, 5, 6, 6, 2], target: [1, 2] },
  ]);
  assert.equal(b.size, 2);
  assert.equal(b.sourceLength, 5);
  assert.equal(b.targetLength, 5);
  assert.deepEqual([...b.source], [1, 5, 2, 0, 0, 1, 5, 6, 6, 2]);
  assert.deepEqual([...b.target], [1, 7, 7, 7, 2, 1, 2, 0, 0, 0]);
});

test("batches cover every example once, lengths differ between batches", () => {
  const examples = Array.from({ length: 23 }, (_, i) => ({ source: Array(2 + (i % 7)).fill(i + 1), target: Array(3 + (i % 4)).fill(i + 1) }));
  const batches = [...seq2seqBatches(examples, { batchSize: 5, rng: new Rng(1) })];
  assert.equal(batches.length, seq2seqBatchCount(23, 5));
  const seen: number[] = [];
  for (const b of batches) {
    for (let r = 0; r < b.size; r++) seen.push(b.source[r * b.sourceLength]);
    const longest = Math.max(...Array.from({ length: b.size }, (_, r) => examples[b.source[r * b.sourceLength] - 1].source.length));
    assert.equal(b.sourceLength, longest);
  }
  assert.deepEqual(
    seen.sort((x, y) => x - y),
    examples.map((_, i) => i + 1),
  );
  assert.equal([...seq2seqBatches(examples, { batchSize: 5, keepLast: false })].length, 4);
});
