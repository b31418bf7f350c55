import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { spawnSync } from "child_process";
import { parseOeisText } from "../../src/data/oeis";
import { oeisStats } from "../../src/data/oeis-stats";
import { datasetSizeTable } from "../../src/datasets/sequence-dataset";
import { Rng } from "../../src/random";

const repo = path.resolve(__dirname, "..", "..");

/** Run `numlab <argv>` as a child process (the real CLI entry point) and capture its output. */
async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  const res = spawnSync(process.execPath, ["--import", "tsx", path.join(repo, "src", "cli", "main.ts"), ...argv], {
    cwd: repo,
    env,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

function fixture(): { text: string; file: string; gz: string } {
  const rng = new Rng(17);
  const lines = ["# fixture"];
  for (let i = 1; i <= 300; i++) {
    const terms = Array.from({ length: rng.int(1, 60) }, () => {
      const r = rng.next();
      return r < 0.02 ? "12345678901234567890123" : r < 0.2 ? String(-rng.int(0, 30)) : String(rng.int(0, r < 0.8 ? 120 : 5000));
    });
    lines.push(`A${String(i).padStart(6, "0")} ,${terms.join(",")},`);
  }
  lines.push("A000999 ,1,two,3,");
  const text = lines.join("\n") + "\n";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-cli-oeis-"));
  const file = path.join(dir, "stripped.txt");
  fs.writeFileSync(file, text);
  const gz = path.join(dir, "stripped.gz");
  fs.writeFileSync(gz, zlib.gzipSync(Buffer.from(text)));
  return { text, file, gz };
}

const fx = fixture();

test("oeis stats --json prints one JSON object with the documented keys and exact values", async () => {
  const res = await run(["oeis", "stats", "--file", fx.gz, "--json"]);
  assert.equal(res.code, 0, res.stderr);
  const lines = res.stdout.trim().split("\n");
  assert.equal(lines.length, 1, "exactly one line of JSON");
  const json = JSON.parse(lines[0]) as Record<string, unknown>;
  const expected = oeisStats(parseOeisText(fx.text));
  for (const key of ["sequences", "lengthMean", "lengthStd", "totalIntegers", "distinctIntegers", "top"]) assert.ok(key in json, key);
  for (const [key, value] of Object.entries(expected)) assert.deepEqual(json[key], value, key);
  assert.equal(json.sequences, 300);
  assert.equal(json.malformedCount, 1);
  assert.deepEqual(
    (json.malformed as Array<{ lineNo: number }>).map((m) => m.lineNo),
    [302],
  );
  assert.ok(Array.isArray(json.top) && (json.top as unknown[]).every((e) => Array.isArray(e) && e.length === 2));
  assert.ok((json.leastFrequentLargest as unknown[]).includes("12345678901234567890123") === false, "it occurs more than once");
});

test("oeis stats prints a readable report, and --strict fails naming file:line", async () => {
  const res = await run(["oeis", "stats", "--file", fx.file]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /sequences\s+300/);
  assert.match(res.stdout, /1 malformed skipped/);
  assert.match(res.stdout, /line 302: term 2 is not an integer/);
  assert.match(res.stdout, /top 20 integers/);
  const strict = await run(["oeis", "stats", "--file", fx.file, "--strict"]);
  assert.equal(strict.code, 1);
  assert.ok(strict.stderr.includes(`${fx.file}:302:`), strict.stderr);
});

test("oeis sizes computes the dataset-size table", async () => {
  const res = await run(["oeis", "sizes", "--file", fx.file, "--max-values", "100,500,2000", "--seq-lens", "5,20", "--json"]);
  assert.equal(res.code, 0, res.stderr);
  const json = JSON.parse(res.stdout) as { sequences: number; rows: unknown[] };
  assert.equal(json.sequences, 300);
  assert.deepEqual(json.rows, datasetSizeTable(parseOeisText(fx.text), [100, 500, 2000], [5, 20]));
  const text = await run(["oeis", "sizes", "--file", fx.file, "--max-values", "100,500", "--seq-lens", "5,20"]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /max value \\ seq len\s+5\s+20/);
});

test("bad options and missing files are reported with the flag or path", async () => {
  const bad = await run(["oeis", "sizes", "--file", fx.file, "--max-values", "100,abc"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--max-values/);
  const missing = await run(["oeis", "stats", "--file", "/no/such/stripped.gz"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /\/no\/such\/stripped\.gz/);
  const both = await run(["oeis", "stats", "--file", fx.file, "--subset"]);
  assert.equal(both.code, 2);
  const help = await run(["oeis", "stats", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--json/);
});

test("data selection: --offline never downloads; the subset in NUMLAB_DATA_DIR is found", async () => {
  const env = {
    ...process.env,
    NUMLAB_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "numlab-empty-")),
    NUMLAB_CACHE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "numlab-empty-cache-")),
  };
  const res = await run(["oeis", "stats", "--offline"], env);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /downloading is disabled/);
  // with the subset in NUMLAB_DATA_DIR, the default (auto) and --subset read it
  fs.mkdirSync(path.join(env.NUMLAB_DATA_DIR, "oeis"));
  const subset = path.join(env.NUMLAB_DATA_DIR, "oeis", "stripped_subset_merged.txt");
  fs.copyFileSync(fx.file, subset);
  for (const args of [["--offline"], ["--subset"]]) {
    const ok = await run(["oeis", "stats", "--json", ...args], env);
    assert.equal(ok.code, 0, ok.stderr);
    const json = JSON.parse(ok.stdout) as { file: string; sequences: number };
    assert.equal(json.file, subset);
    assert.equal(json.sequences, 300);
  }
  const conflicting = await run(["oeis", "stats", "--subset", "--full"], env);
  assert.equal(conflicting.code, 2);
});

test("oeis stats shows a 5,000,000-digit term abbreviated; --json keeps it exact", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-cli-oeis-huge-"));
  const file = path.join(dir, "huge.txt");
  const huge = "7".repeat(5_000_000);
  fs.writeFileSync(file, `A000001 ,1,${huge},3,\n`);
  const text = await run(["oeis", "stats", "--file", file, "--offline"]);
  assert.equal(text.code, 0, text.stderr);
  assert.ok(text.stdout.length < 3000, `${text.stdout.length} characters of output`);
  assert.match(text.stdout, /top 3 integers \(value: count\):\n {2}1: 1, 3: 1, 77777777…77777777 \(5,000,000 digits\): 1\n/);
  const json = await run(["oeis", "stats", "--file", file, "--offline", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual((JSON.parse(json.stdout) as { top: Array<[number | string, number]> }).top.at(-1), [huge, 1]);
});
