import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { readGloveIntegers } from "../../src/embeddings/glove";

function fixture(): { text: string; vectors: Map<string, number[]> } {
  const tokens = ["the", ",", "1", "0", "7", "010", "-3", "2.5", "12", "3", "7", "1999", "2"];
  const vectors = new Map<string, number[]>();
  const lines = tokens.map((t, i) => {
    const v = [i * 0.5, -i, i / 7];
    if (!vectors.has(t)) vectors.set(t, v);
    return `${t} ${v.join(" ")}`;
  });
  return { text: lines.join("\n") + "\n", vectors };
}

test("GloVe reader keeps integer tokens 0..K-1 (first occurrence), reports the missing ones", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-glove-"));
  const { text, vectors } = fixture();
  const plain = path.join(dir, "glove.txt");
  fs.writeFileSync(plain, text);
  const gz = path.join(dir, "glove.txt.gz");
  fs.writeFileSync(gz, zlib.gzipSync(text));
  for (const file of [plain, gz]) {
    const emb = await readGloveIntegers(file, { count: 13 });
    assert.deepEqual(emb.integers, [0, 1, 2, 3, 7, 12]);
    assert.deepEqual(emb.missing, [4, 5, 6, 8, 9, 10, 11]);
    assert.equal(emb.dim, 3);
    emb.integers.forEach((n, i) => assert.deepEqual(Array.from(emb.vectors[i]), vectors.get(String(n))!.map(Math.fround)));
  }
});

test("GloVe reader errors name the line", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-glove-"));
  const file = path.join(dir, "bad.txt");
  fs.writeFileSync(file, "the 1 2 3\n0 1 2 3\n1 1 2\n");
  await assert.rejects(readGloveIntegers(file, { count: 5 }), /bad\.txt:3: token "1" has 2 values, earlier tokens have 3/);
  fs.writeFileSync(file, "the 1 2 3\n");
  await assert.rejects(readGloveIntegers(file, { count: 5 }), /none of the integers/);
});
