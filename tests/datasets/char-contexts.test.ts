import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { buildDataset, buildSplitDatasets, countContexts, splitWords } from "../../src/datasets/char-contexts";
import { readNamesFile } from "../../src/data/names";
import { Rng } from "../../src/random";

test("buildDataset: one example per character plus the end marker, contexts padded with '.'", () => {
  const d = buildDataset(["emma"], 3);
  assert.equal(d.count, 5);
  // ... → e, ..e → m, .em → m, emm → a, mma → .
  assert.deepEqual(Array.from(d.X), [0, 0, 0, 0, 0, 5, 0, 5, 13, 5, 13, 13, 13, 13, 1]);
  assert.deepEqual(Array.from(d.Y), [5, 13, 13, 1, 0]);
});

test("the number of examples does not depend on the block size", () => {
  const words = ["ava", "isabella", "x", "sophia"];
  for (const b of [1, 2, 3, 5, 8]) assert.equal(buildDataset(words, b).count, countContexts(words));
  assert.equal(countContexts(words), 4 + 9 + 2 + 7);
});

test("splitWords splits by names after a seeded shuffle, 80/10/10", () => {
  const words = Array.from({ length: 100 }, (_, i) => "n" + "abcdefghij"[i % 10] + "abcdefghij"[Math.floor(i / 10)]);
  const a = splitWords(words, new Rng(7));
  const b = splitWords(words, new Rng(7));
  const c = splitWords(words, new Rng(8));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.train, c.train);
  assert.deepEqual([a.train.length, a.dev.length, a.test.length], [80, 10, 10]);
  const all = [...a.train, ...a.dev, ...a.test];
  assert.deepEqual([...all].sort(), [...words].sort());
  assert.notDeepEqual(a.train, words.slice(0, 80));
  assert.throws(() => splitWords(words, new Rng(1), [0.5, 0.5, 0.5]), /sum to 1/);
});

const realFile = path.join(process.env.NUMLAB_DATA_DIR ?? path.join(__dirname, "..", "..", "..", "shared", "data"), "names.txt");
test("the real names give 228,146 examples for every block size", { skip: !fs.existsSync(realFile) && "names.txt not available" }, async () => {
  const words = await readNamesFile(realFile);
  const splits = splitWords(words, new Rng(42));
  assert.deepEqual([splits.train.length, splits.dev.length, splits.test.length], [25626, 3203, 3204]);
  for (const b of [2, 3, 4]) {
    const d = buildSplitDatasets(splits, b);
    assert.equal(d.train.count + d.dev.count + d.test.count, 228146);
  }
});
