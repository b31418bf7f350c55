import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  integerTokenIds,
  readBertIntegerEmbeddings,
  readSafetensorsHeader,
  readSafetensorsTensor,
  readVocab,
  writeSafetensors,
} from "../../src/embeddings/bert";

const PYTHON = "/usr/bin/python3";
const hasPython = spawnSync(PYTHON, ["-c", "import struct, json"]).status === 0;

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "numlab-bert-"));
}

/** A toy vocab: ids 0..3 special, then words and some integers (not in order), "5" absent. */
const VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "3", "0", "##1", "1", "2", "four", "4", "6", "7"];

function expectedRow(id: number, cols: number): number[] {
  return Array.from({ length: cols }, (_, c) => id * 0.25 - c * 0.125);
}

test("integer tokens: only whole-token integers, with their ids; missing ones reported", () => {
  const { integers, ids, missing } = integerTokenIds(VOCAB, 8);
  assert.deepEqual(integers, [0, 1, 2, 3, 4, 6, 7]);
  assert.deepEqual(ids, [6, 8, 9, 5, 11, 12, 13]);
  assert.deepEqual(missing, [5]);
});

for (const dtype of ["F32", "F16", "BF16"] as const) {
  test(`safetensors ${dtype} written by an independent (Python stdlib) writer is read back exactly`, { skip: hasPython ? false : "no python3" }, () => {
    const dir = tempDir();
    const model = path.join(dir, "model.safetensors");
    const r = spawnSync(
      PYTHON,
      [path.join(__dirname, "make_safetensors.py"), model, dtype, String(VOCAB.length), "6", "bert.embeddings.word_embeddings.weight"],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    const header = readSafetensorsHeader(model);
    assert.deepEqual(header.tensors["bert.embeddings.word_embeddings.weight"].shape, [VOCAB.length, 6]);
    assert.equal(header.metadata.format, "pt");
    const vocabFile = path.join(dir, "vocab.txt");
    fs.writeFileSync(vocabFile, VOCAB.join("\n") + "\n");
    const emb = readBertIntegerEmbeddings({ vocabFile, modelFile: model, count: 8 });
    assert.deepEqual(emb.integers, [0, 1, 2, 3, 4, 6, 7]);
    assert.deepEqual(emb.missing, [5]);
    assert.equal(emb.dim, 6);
    const ids = [6, 8, 9, 5, 11, 12, 13];
    emb.vectors.forEach((v, i) => assert.deepEqual(Array.from(v), expectedRow(ids[i], 6)));
    const other = readSafetensorsTensor(model, "other.bias");
    assert.deepEqual(Array.from(other.values), [9, 9]);
  });
}

test("our writer round-trips and the second tensor name is accepted; errors are specific", () => {
  const dir = tempDir();
  const file = path.join(dir, "m.safetensors");
  const values = Array.from({ length: VOCAB.length * 4 }, (_, i) => (i % 7) - 3.5);
  writeSafetensors(file, { "embeddings.word_embeddings.weight": { dtype: "F16", shape: [VOCAB.length, 4], values } });
  const t = readSafetensorsTensor(file, ["bert.embeddings.word_embeddings.weight", "embeddings.word_embeddings.weight"], { rows: [2, 0] });
  assert.equal(t.name, "embeddings.word_embeddings.weight");
  assert.deepEqual(Array.from(t.values), [...values.slice(8, 12), ...values.slice(0, 4)]);
  assert.throws(() => readSafetensorsTensor(file, "nope"), /no tensor named nope/);
  // truncated file
  const buf = fs.readFileSync(file);
  fs.writeFileSync(file, buf.subarray(0, buf.length - 3));
  assert.throws(() => readSafetensorsHeader(file), /past the end of the file.*truncated/);
  fs.writeFileSync(file, Buffer.from("not a safetensors file at all"));
  assert.throws(() => readSafetensorsHeader(file), /not a safetensors file|not valid JSON/);
});

const REAL_VOCAB = [process.env.NUMLAB_DATA_DIR, path.join(__dirname, "../../../shared/data")]
  .filter((d): d is string => Boolean(d))
  .map((d) => path.join(d, "vocab", "bert-base-uncased-vocab.txt"))
  .find((f) => fs.existsSync(f));

test("the real bert-base-uncased vocab has 391 of 0..500 (110 missing, all in 342..500)", { skip: REAL_VOCAB ? false : "shared data not present" }, () => {
  const vocab = readVocab(REAL_VOCAB!);
  assert.equal(vocab.length, 30522);
  const { integers, missing } = integerTokenIds(vocab, 501);
  assert.equal(integers.length, 391);
  assert.equal(missing.length, 110);
  assert.ok(missing.every((n) => n >= 342 && n <= 500));
  assert.equal(integerTokenIds(vocab, 500).integers.length, 390);
});
