import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { EmbeddingIndexError, embeddingLookup, encodingBytes, integerCodeDistances, oneHotRows } from "../../src/models/token-encodings";

tf.setBackend("cpu");

test("embeddingLookup returns table rows", () => {
  const table = tf.tensor2d([
    [0, 0],
    [1, 1],
    [2, 4],
  ]);
  assert.deepEqual(embeddingLookup(table, [2, 0, 2]).arraySync(), [
    [2, 4],
    [0, 0],
    [2, 4],
  ]);
  assert.deepEqual(embeddingLookup(table, tf.tensor1d([1], "int32")).arraySync(), [[1, 1]]);
});

test("an out-of-range index is a clear error naming the index and the table size", () => {
  const table = tf.zeros([10, 4]) as tf.Tensor2D;
  assert.throws(
    () => embeddingLookup(table, [3, 10]),
    (err: Error) => {
      assert.ok(err instanceof EmbeddingIndexError);
      assert.match(err.message, /index 10 \(at position 1\) is out of range for a table of 10 rows: valid indices are 0\.\.9/);
      return true;
    },
  );
  assert.throws(() => embeddingLookup(table, [-1]), /index -1/);
});

test("one-hot rows, integer distances and encoding sizes", () => {
  assert.deepEqual(oneHotRows([2, 0], 3), [
    [0, 0, 1],
    [1, 0, 0],
  ]);
  assert.throws(() => oneHotRows([3], 3), /token 3/);
  assert.deepEqual(integerCodeDistances(3), [
    [0, 1, 2],
    [1, 0, 1],
    [2, 1, 0],
  ]);
  assert.deepEqual(encodingBytes(100, 1000, 16), { oneHot: 400000, embedding: 6400, table: 64000 });
});
