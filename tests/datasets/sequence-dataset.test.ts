import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/random";
import { parseOeisText } from "../../src/data/oeis";
import { BatchCursor, SequenceDataset, countKeptSequences, datasetSizeTable, keepsSequence } from "../../src/datasets/sequence-dataset";

test("keeps a sequence only if its first seqLen terms are in [0, maxValue); truncates and pads", () => {
  const sequences: Array<Array<number | bigint>> = [
    [0, 1, 2, 3, 4, 5, 6], // kept, truncated to 4
    [1, 2], // kept, padded
    [1, 2, 10, 3], // 10 = maxValue: dropped
    [1, -1, 2], // negative: dropped
    [1, 2, 3, 4, 99, -5], // out-of-range terms after seqLen do not matter: kept
    [2.5, 1], // not an integer: dropped
    [1, NaN], // NaN (a huge term in a collection): dropped
    [3n, 4n, 5n], // bigints in range: kept
    [1n, 2n ** 70n], // huge bigint: dropped
    [], // nothing out of range: kept (all pad), as in the seed's rule
  ];
  const ds = new SequenceDataset(sequences, { seqLen: 4, maxValue: 10 });
  assert.equal(ds.padId, 10);
  assert.deepEqual(ds.shape, [5, 4]);
  assert.ok(ds.data instanceof Int32Array);
  assert.equal(ds.data.length, 20);
  assert.deepEqual(ds.rows([0, 1, 2, 3, 4]), [
    [0, 1, 2, 3],
    [1, 2, 10, 10],
    [1, 2, 3, 4],
    [3, 4, 5, 10],
    [10, 10, 10, 10],
  ]);
  assert.deepEqual(Array.from(ds.sourceIndex), [0, 1, 4, 7, 9]);
  assert.equal(ds.sourceCount, sequences.length);
  assert.equal(ds.rowLength(1), 2);
  assert.equal(ds.rowLength(0), 4);
  assert.throws(() => ds.row(5), /outside/);
  assert.equal(keepsSequence([5, 9], 2, 10), true);
  assert.equal(keepsSequence([5, 10], 2, 10), false);
});

test("works on an OeisCollection, where huge terms count as out of range", () => {
  const c = parseOeisText(["A000001 ,1,2,3,", `A000002 ,1,${"9".repeat(25)},`, "A000003 ,4,5,6,7,8,"].join("\n"));
  const ds = new SequenceDataset(c, { seqLen: 3, maxValue: 100 });
  assert.deepEqual(ds.rows([0, 1]), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(Array.from(ds.sourceIndex), [0, 2]);
  // with seqLen 1 the huge term is beyond the prefix
  assert.equal(new SequenceDataset(c, { seqLen: 1, maxValue: 100 }).size, 3);
});

test("valueHistogram counts every value and the pad", () => {
  const rng = new Rng(1);
  const sequences = Array.from({ length: 200 }, () => Array.from({ length: rng.int(0, 12) }, () => rng.int(0, 7)));
  const ds = new SequenceDataset(sequences, { seqLen: 8, maxValue: 7 });
  const naive = new Array(8).fill(0);
  for (const s of sequences) {
    const row = s.slice(0, 8);
    for (const v of row) naive[v]++;
    naive[7] += 8 - row.length;
  }
  assert.deepEqual(Array.from(ds.valueHistogram()), naive);
  assert.equal(ds.padShare(), naive[7] / (200 * 8));
});

test("rejects bad options with clear messages", () => {
  assert.throws(() => new SequenceDataset([[1]], { seqLen: 0, maxValue: 5 }), /seqLen/);
  assert.throws(() => new SequenceDataset([[1]], { seqLen: 3, maxValue: 0 }), /maxValue/);
  assert.throws(() => new SequenceDataset([[1]], { seqLen: 3, maxValue: 2.5 }), /maxValue/);
});

function randomDataset(seed: number, n: number): SequenceDataset {
  const rng = new Rng(seed);
  const sequences = Array.from({ length: n }, () => Array.from({ length: rng.int(1, 10) }, () => rng.int(0, 50)));
  return new SequenceDataset(sequences, { seqLen: 6, maxValue: 50 });
}

test("batches: each epoch visits every row once, in a seeded order", () => {
  const ds = randomDataset(2, 103);
  const it = ds.batches({ batchSize: 10, seed: 42 });
  assert.equal(it.batchesPerEpoch, 11);
  const epochRows: number[][] = [[], []];
  for (let b = 0; b < 22; b++) {
    const batch = it.nextBatch();
    assert.equal(batch.epoch, b < 11 ? 0 : 1);
    assert.equal(batch.step, b);
    assert.equal(batch.size, b % 11 === 10 ? 3 : 10);
    assert.equal(batch.data.length, batch.size * 6);
    for (let r = 0; r < batch.size; r++) assert.deepEqual(Array.from(batch.data.subarray(r * 6, r * 6 + 6)), Array.from(ds.row(batch.rows[r])));
    epochRows[batch.epoch].push(...batch.rows);
  }
  for (const rows of epochRows)
    assert.deepEqual(
      [...rows].sort((a, b) => a - b),
      Array.from({ length: 103 }, (_, i) => i),
    );
  assert.notDeepEqual(epochRows[0], epochRows[1], "a fresh shuffle each epoch");
  assert.notDeepEqual(
    epochRows[0],
    Array.from({ length: 103 }, (_, i) => i),
    "shuffled",
  );
  // same seed → same order; other seed → other order
  const again = ds.batches({ batchSize: 10, seed: 42 });
  assert.deepEqual(Array.from(again.nextBatch().rows), epochRows[0].slice(0, 10));
  const other = ds.batches({ batchSize: 10, seed: 43 });
  assert.notDeepEqual(Array.from(other.nextBatch().rows), epochRows[0].slice(0, 10));
  // no shuffle: rows in order
  const ordered = ds.batches({ batchSize: 50, shuffle: false });
  assert.deepEqual(
    Array.from(ordered.nextBatch().rows),
    Array.from({ length: 50 }, (_, i) => i),
  );
});

test("batches: a saved cursor resumes the exact same data order (mid-epoch and at an epoch boundary)", () => {
  const ds = randomDataset(3, 57);
  for (const stopAfter of [0, 3, 5, 6, 13]) {
    const reference = ds.batches({ batchSize: 11, seed: 7 });
    const expected: number[][] = [];
    for (let b = 0; b < stopAfter + 12; b++) expected.push(Array.from(reference.nextBatch().rows));

    const first = ds.batches({ batchSize: 11, seed: 7 });
    for (let b = 0; b < stopAfter; b++) first.nextBatch();
    const saved = JSON.parse(JSON.stringify(first.cursor())) as BatchCursor; // as stored in a checkpoint
    const resumed = ds.batches({ batchSize: 11, seed: 999, cursor: saved }); // the cursor's seed wins
    const got: number[][] = [];
    for (let b = 0; b < 12; b++) {
      const batch = resumed.nextBatch();
      assert.equal(batch.step, stopAfter + b);
      got.push(Array.from(batch.rows));
    }
    assert.deepEqual(got, expected.slice(stopAfter), `resumed after ${stopAfter} batches`);
  }
});

test("batches: dropLast skips the short final batch; bad options are errors", () => {
  const ds = randomDataset(4, 25);
  const it = ds.batches({ batchSize: 10, seed: 1, dropLast: true });
  assert.equal(it.batchesPerEpoch, 2);
  const sizes = Array.from({ length: 6 }, () => it.nextBatch());
  assert.deepEqual(
    sizes.map((b) => b.size),
    [10, 10, 10, 10, 10, 10],
  );
  assert.deepEqual(
    sizes.map((b) => b.epoch),
    [0, 0, 1, 1, 2, 2],
  );
  assert.throws(() => ds.batches({ batchSize: 0 }), /batchSize/);
  assert.throws(() => new SequenceDataset([[-1]], { seqLen: 2, maxValue: 3 }).batches({ batchSize: 1 }), /empty/);
});

test("split is a seeded partition of the rows", () => {
  const ds = randomDataset(5, 200);
  const { train, validation } = ds.split(0.1, 3);
  assert.equal(validation.size, 20);
  assert.equal(train.size, ds.size - 20);
  const all = [...train.sourceIndex, ...validation.sourceIndex].sort((a, b) => a - b);
  assert.deepEqual(
    all,
    Array.from(ds.sourceIndex).sort((a, b) => a - b),
  );
  assert.deepEqual(Array.from(validation.row(0)), Array.from(ds.row(Array.from(ds.sourceIndex).indexOf(validation.sourceIndex[0]))));
  assert.deepEqual(Array.from(ds.split(0.1, 3).validation.sourceIndex), Array.from(validation.sourceIndex));
});

test("datasetSizeTable matches building each dataset", () => {
  const rng = new Rng(6);
  const sequences: Array<Array<number | bigint>> = Array.from({ length: 400 }, () =>
    Array.from({ length: rng.int(0, 40) }, () => {
      const r = rng.next();
      return r < 0.05 ? -rng.int(1, 5) : r < 0.08 ? 2n ** 60n : r < 0.1 ? NaN : rng.int(0, r < 0.7 ? 30 : 600);
    }),
  );
  const maxValues = [10, 30, 100, 1000];
  const seqLens = [20, 5, 12];
  const rows = datasetSizeTable(sequences, maxValues, seqLens);
  assert.equal(rows.length, 12);
  for (const row of rows) {
    const built = new SequenceDataset(sequences, { seqLen: row.seqLen, maxValue: row.maxValue });
    assert.equal(row.sequences, built.size, `max ${row.maxValue}, len ${row.seqLen}`);
    assert.equal(row.sequences, countKeptSequences(sequences, row.seqLen, row.maxValue));
    assert.equal(row.share, row.sequences / 400);
  }
  assert.deepEqual(
    rows.slice(0, 3).map((r) => [r.maxValue, r.seqLen]),
    [
      [10, 20],
      [10, 5],
      [10, 12],
    ],
  );
});
