import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Rng } from "../../src/random";
import {
  firstIntegerEmbeddings,
  formatEmbeddingsTsv,
  integerEmbeddingsFromRows,
  parseEmbeddingsTsv,
  readEmbeddingsTsv,
  writeEmbeddingsTsv,
} from "../../src/embeddings/tsv";

function randomRows(n: number, dim: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: dim }, () => rng.normal()));
}

test("dense TSV round-trips float32 values exactly, row i = integer i", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-tsv-"));
  const emb = integerEmbeddingsFromRows(randomRows(12, 5, 1));
  const file = path.join(dir, "dense.tsv");
  writeEmbeddingsTsv(file, emb);
  const text = fs.readFileSync(file, "utf8");
  assert.equal(text.split("\n")[0].split("\t").length, 5, "no integer column for 0..n-1");
  const back = readEmbeddingsTsv(file);
  assert.deepEqual(back.integers, emb.integers);
  assert.equal(back.dim, 5);
  back.vectors.forEach((v, i) => assert.deepEqual(Array.from(v), Array.from(emb.vectors[i])));
});

test("sparse TSV keeps the integer column; auto-detection can be overridden", () => {
  const ints = [0, 2, 3, 7, 341];
  const emb = integerEmbeddingsFromRows(randomRows(5, 3, 2), ints);
  const text = formatEmbeddingsTsv(emb);
  assert.equal(text.split("\n")[4].split("\t")[0], "341");
  const back = parseEmbeddingsTsv(text);
  assert.deepEqual(back.integers, ints);
  assert.equal(back.dim, 3);
  const forcedDense = parseEmbeddingsTsv(text, { integerColumn: false });
  assert.equal(forcedDense.dim, 4);
  assert.deepEqual(forcedDense.integers, [0, 1, 2, 3, 4]);
  assert.deepEqual(firstIntegerEmbeddings(back, 5).integers, [0, 2, 3]);
});

test("TSV errors name the file and line", () => {
  assert.throws(() => parseEmbeddingsTsv("0.1\t0.2\n0.3\n", { file: "e.tsv" }), /e\.tsv:2: 1 fields, the first row has 2/);
  assert.throws(() => parseEmbeddingsTsv("0.1\t0.2\n\n0.3\tabc\n", { file: "e.tsv" }), /e\.tsv:3: field 2 "abc"/);
  assert.throws(() => parseEmbeddingsTsv("\n", { file: "e.tsv" }), /no embedding rows/);
});
