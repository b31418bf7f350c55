import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Rng } from "../../src/random";

const CLI = path.join(__dirname, "../../src/cli/main.ts");

function numlab(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { encoding: "utf8" });
}

test("numlab probe --json reads dense and sparse TSV and reports the six targets", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-probe-cli-"));
  const rng = new Rng(2);
  // dense: column 0 carries parity, the rest is noise
  const dense = Array.from({ length: 200 }, (_, n) =>
    [n % 2 ? -1.5 : 1.5, ...Array.from({ length: 5 }, () => rng.normal())].map((x) => x.toFixed(6)).join("\t"),
  );
  fs.writeFileSync(path.join(dir, "dense.tsv"), dense.join("\n") + "\n");
  const r = numlab(["probe", "--embeddings", path.join(dir, "dense.tsv"), "--count", "200", "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, { train: number; test: number; testStd: number; majority: number }>;
  assert.deepEqual(Object.keys(out), ["div2", "div3", "div4", "div5", "div10", "prime"]);
  assert.equal(out.div2.test, 1);
  assert.equal(out.div2.majority, 0.5);
  assert.equal(out.div5.majority, 0.8);
  for (const v of Object.values(out)) assert.deepEqual(Object.keys(v), ["train", "test", "testStd", "majority"]);
  // sparse: a first column with the integer (odd integers only: div2 is all zeros → majority 1)
  const sparse = Array.from({ length: 60 }, (_, k) => `${2 * k + 1}\t${rng.normal().toFixed(5)}\t${rng.normal().toFixed(5)}`);
  fs.writeFileSync(path.join(dir, "sparse.tsv"), sparse.join("\n") + "\n");
  const s = numlab(["probe", "--embeddings", path.join(dir, "sparse.tsv"), "--json"]);
  assert.equal(s.status, 0, s.stderr);
  const sparseOut = JSON.parse(s.stdout) as Record<string, { majority: number; test: number }>;
  assert.equal(sparseOut.div2.majority, 1);
  assert.equal(sparseOut.div2.test, 1);
  // the human-readable table
  const t = numlab(["probe", "--embeddings", path.join(dir, "dense.tsv"), "--count", "200"]);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /200 integers below 200 \(dimension 6\)/);
  assert.match(t.stdout, /prime/);
});

test("numlab probe names the problem: no source, a bad file", () => {
  const none = numlab(["probe", "--json"]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /exactly one of --embeddings/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-probe-cli-"));
  fs.writeFileSync(path.join(dir, "bad.tsv"), "0.1\t0.2\n0.3\tx\n");
  const bad = numlab(["probe", "--embeddings", path.join(dir, "bad.tsv")]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /bad\.tsv:2: field 2 "x"/);
});
