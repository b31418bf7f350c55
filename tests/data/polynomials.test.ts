import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import {
  checkPolynomialSplit,
  formatPolynomialSplitSizes,
  formatSkippedPairs,
  loadPolynomialPairs,
  parsePolynomialJson,
  parsePolynomialLine,
  parsePolynomialText,
  PolynomialDataError,
  polynomialSplitSizes,
  readPolynomialPairs,
  splitPolynomialPairs,
} from "../../src/data/polynomials";
import { generatePolynomialPairs } from "../../src/data/polynomial-generator";

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "numlab-poly-"));
}

test("loads factored=expanded text (CRLF, blank lines, gzip)", async () => {
  const pairs = generatePolynomialPairs(50, 3);
  const dir = tempDir();
  const text = pairs.map((p) => `${p.factored}=${p.expanded}`).join("\r\n") + "\r\n\r\n";
  fs.writeFileSync(path.join(dir, "a.txt"), text);
  fs.writeFileSync(path.join(dir, "a.txt.gz"), zlib.gzipSync(text));
  assert.deepEqual(await loadPolynomialPairs(path.join(dir, "a.txt"), { verify: true }), pairs);
  assert.deepEqual(await loadPolynomialPairs(path.join(dir, "a.txt.gz")), pairs);
  assert.deepEqual(await loadPolynomialPairs(path.join(dir, "a.txt"), { limit: 7 }), pairs.slice(0, 7));
});

test("loads JSON pair lists", async () => {
  const pairs = generatePolynomialPairs(20, 4);
  const dir = tempDir();
  const file = path.join(dir, "p.json");
  fs.writeFileSync(file, JSON.stringify(pairs.map((p) => [p.factored, p.expanded])));
  assert.deepEqual(await loadPolynomialPairs(file), pairs);
});

test("malformed text lines are reported with file and line number", () => {
  const good = "(x+1)*(x+2)=x**2+3*x+2";
  const check = (text: string, line: number, pattern: RegExp, verify = false): void => {
    assert.throws(
      () => parsePolynomialText(text, "data.txt", { verify }),
      (e: unknown) => e instanceof PolynomialDataError && e.line === line && e.message.startsWith(`data.txt:${line}:`) && pattern.test(e.message),
    );
  };
  check(`${good}\n${good}\nno equals sign here\n`, 3, /no "="/);
  check(`${good}\n\n(x+1)=x+1=2\n`, 3, /more than one "="/);
  check(`=x\n`, 1, /empty factored/);
  check(`${good}\n(x+1)*(x+2)=x**2+3*x+2;\n`, 2, /unexpected character/);
  check(`${good}\n(x+1)*(x+2)=x**2+3*x+3\n`, 2, /expands to "x\*\*2\+3\*x\+2"/, true);
  check(`(x+1)*(x+=x\n`, 1, /column/, true);
});

test("malformed JSON names the pair and its line", () => {
  assert.throws(() => parsePolynomialJson("[[", "p.json"), /p\.json:1: invalid JSON/);
  assert.throws(() => parsePolynomialJson('{"a": 1}', "p.json"), /p\.json:1: expected a JSON list/);
  assert.throws(
    () => parsePolynomialJson('[\n["x*x", "x**2"],\n["x", 3]\n]', "p.json"),
    (e: unknown) => e instanceof PolynomialDataError && e.line === 3 && /pair 1/.test(e.message),
  );
});

test("split is seeded, has the requested sizes and keeps duplicates on one side", () => {
  const base = generatePolynomialPairs(600, 5);
  const rng = generatePolynomialPairs(400, 6);
  // add many duplicates: every base pair repeated up to 3 times
  const pairs = [...base, ...base.slice(0, 300), ...base.slice(0, 100), ...rng];
  const a = splitPolynomialPairs(pairs, { seed: 9 });
  const b = splitPolynomialPairs(pairs, { seed: 9 });
  const c = splitPolynomialPairs(pairs, { seed: 10 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.test, c.test);
  assert.equal(a.train.length + a.val.length + a.test.length, pairs.length);
  assert.ok(Math.abs(a.test.length - 0.2 * pairs.length) <= 3, `test ${a.test.length}`);
  assert.ok(Math.abs(a.val.length - 0.04 * pairs.length) <= 3, `val ${a.val.length}`);
  const side = new Map<string, string>();
  for (const [name, list] of Object.entries(a)) {
    for (const p of list as typeof pairs) {
      const key = `${p.factored}=${p.expanded}`;
      const prev = side.get(key);
      assert.ok(prev === undefined || prev === name, `${key} in ${prev} and ${name}`);
      side.set(key, name);
    }
  }
});

test("every pair is checked with the expander by default: unbalanced parentheses, huge exponents and wrong expansions name file:line", async () => {
  const good = "(x+1)*(x+2)=x**2+3*x+2";
  const cases: [line: string, pattern: RegExp][] = [
    ["(x+1*(x+2)=x**2+3*x+2", /factored side: expected "\)" at column 11/],
    ["(x+1))*(x+2)=x**2+3*x+2", /factored side: unexpected trailing input/],
    ["x**99999999999=x", /factored side: exponent 99999999999 exceeds 64/],
    ["x**999999999999999999999=x", /factored side: integer too large/],
    ["(x-1)*(x+1)=x**2+1", /"\(x-1\)\*\(x\+1\)" expands to "x\*\*2-1", the file says "x\*\*2\+1"/],
    ["(x-1)*(x+1)=-1+x**2", /right polynomial but not in the data's canonical form "x\*\*2-1"/],
    ["(x-1)*(x+1)=x**2-(1", /expanded side: expected "\)"/],
    ["(a+b+c+d+e+f+g+h+i+j)**20=x", /factored side: polynomial expansion needs more than/],
    ["(x+1)**64=x", /factored side: polynomial coefficient overflows/],
  ];
  const dir = tempDir();
  for (const [line, pattern] of cases) {
    const file = path.join(dir, "bad.txt");
    fs.writeFileSync(file, `${good}\n\n${line}\n${good}\n`);
    await assert.rejects(
      loadPolynomialPairs(file),
      (e: unknown) => e instanceof PolynomialDataError && e.line === 3 && e.message.startsWith(`${file}:3: `) && pattern.test(e.message),
      line,
    );
    // the streaming path (--limit) checks the same way
    await assert.rejects(loadPolynomialPairs(file, { limit: 5 }), (e: unknown) => e instanceof PolynomialDataError && e.line === 3, line);
    // verify: false checks the format only
    assert.equal((await loadPolynomialPairs(file, { verify: false })).length, 3);
  }
});

test("skipInvalid drops the bad pairs, counts them and names each file:line", async () => {
  const pairs = generatePolynomialPairs(30, 8);
  const lines = pairs.map((p) => `${p.factored}=${p.expanded}`);
  lines.splice(4, 0, "(x+1*(x+2)=x**2+3*x+2");
  lines.splice(10, 0, "no equals sign");
  lines.splice(20, 0, "(x-1)*(x+1)=x**2+1");
  const dir = tempDir();
  const file = path.join(dir, "mixed.txt");
  fs.writeFileSync(file, lines.join("\n") + "\n");
  await assert.rejects(loadPolynomialPairs(file), /mixed\.txt:5: /);
  const seen: number[] = [];
  const result = await readPolynomialPairs(file, { skipInvalid: true, onInvalid: (e) => seen.push(e.line) });
  assert.deepEqual(result.pairs, pairs);
  assert.equal(result.skipped, 3);
  assert.deepEqual(seen, [5, 11, 21]);
  assert.deepEqual(
    result.skippedExamples.map((e) => e.line),
    [5, 11, 21],
  );
  const text = formatSkippedPairs(result, 2);
  assert.match(text, /mixed\.txt: skipped 3 invalid pairs \(kept 30\)/);
  assert.match(text, /mixed\.txt:5: factored side/);
  assert.match(text, /… and 1 more/);
  assert.equal(formatSkippedPairs({ ...result, skipped: 0, skippedExamples: [] }), "");
  // the limit counts kept pairs
  assert.deepEqual((await readPolynomialPairs(file, { skipInvalid: true, limit: 12 })).pairs, pairs.slice(0, 12));
  // JSON pairs are skipped by index, with their line
  const json = path.join(dir, "mixed.json");
  fs.writeFileSync(json, '[\n["(x+1)*(x+2)", "x**2+3*x+2"],\n["(x+1", "x+1"],\n["x", 3],\n["2*(x+3)", "2*x+6"]\n]');
  const fromJson = await readPolynomialPairs(json, { skipInvalid: true });
  assert.equal(fromJson.pairs.length, 2);
  assert.deepEqual(
    fromJson.skippedExamples.map((e) => [e.line, /pair (\d)/.exec(e.message)![1]]),
    [
      [3, "1"],
      [4, "2"],
    ],
  );
});

test("JSON line numbers are found in one pass: a 60,000-pair multi-line file loads in linear time", async () => {
  const pairs = generatePolynomialPairs(60_000, 9);
  const dir = tempDir();
  const file = path.join(dir, "many.json");
  const body = pairs.map((p) => `  [${JSON.stringify(p.factored)}, ${JSON.stringify(p.expanded)}]`);
  body[59_998] = '  ["(x+1", "x+1"]';
  fs.writeFileSync(file, `[\n${body.join(",\n")}\n]\n`);
  const t0 = performance.now();
  await assert.rejects(loadPolynomialPairs(file), (e: unknown) => e instanceof PolynomialDataError && e.line === 60_000 && /pair 59998: /.test(e.message));
  const result = await readPolynomialPairs(file, { skipInvalid: true, verify: false });
  assert.equal(result.pairs.length, 60_000, "format-only reading keeps the pair");
  const seconds = (performance.now() - t0) / 1000;
  assert.ok(seconds < 8, `took ${seconds.toFixed(1)} s`);
  // a scalar element between pairs keeps the following indices on their own lines
  assert.throws(
    () => parsePolynomialJson('[\n["x*x", "x**2"],\n 7,\n["x", "y"]\n]', "p.json"),
    (e: unknown) => e instanceof PolynomialDataError && e.line === 3 && /pair 1/.test(e.message),
  );
});

test("a pathological line (2 MB, one side) is rejected quickly with a short message", () => {
  const long = "(x+1)*".repeat(350_000) + "(x+2)";
  const t0 = performance.now();
  assert.throws(
    () => parsePolynomialLine(`${long}=x`, "big.txt", 7),
    (e: unknown) => e instanceof PolynomialDataError && e.line === 7 && /longer than 10000 characters/.test(e.message) && e.message.length < 400,
  );
  assert.throws(
    () => parsePolynomialLine(`${long};=x`, "big.txt", 7, false),
    (e: unknown) => e instanceof PolynomialDataError && /unexpected character ";"/.test(e.message) && e.message.length < 400,
  );
  assert.ok(performance.now() - t0 < 3000);
});

test("split sizes are reported as they are, and a split without validation pairs is a clear error", () => {
  const three = generatePolynomialPairs(3, 2);
  const split = splitPolynomialPairs(three);
  const sizes = polynomialSplitSizes(split, 4);
  assert.deepEqual(sizes, { pairs: 3, train: 2, val: 0, test: 1, valScored: 0 });
  assert.equal(formatPolynomialSplitSizes(sizes), "3 pairs: 2 train, 0 validation (all scored at each evaluation), 1 test");
  assert.throws(
    () => checkPolynomialSplit(split, { file: "p3.json" }),
    /^Error: p3\.json: the split of 3 pairs into 2 train, 0 validation and 1 test leaves no validation pairs \(the validation share 0\.04 of 3 pairs rounds to 0; --val-fraction\)/,
  );
  const big = splitPolynomialPairs(generatePolynomialPairs(500, 3));
  checkPolynomialSplit(big);
  const bigSizes = polynomialSplitSizes(big, 4);
  assert.equal(bigSizes.valScored, 4);
  assert.equal(bigSizes.val, 20);
  assert.match(formatPolynomialSplitSizes(bigSizes), /20 validation \(4 scored at each evaluation\)/);
  // asking for no test share is fine, an empty training side is not
  checkPolynomialSplit(splitPolynomialPairs(generatePolynomialPairs(100, 3), { testFraction: 0 }), { testFraction: 0 });
  assert.throws(() => checkPolynomialSplit(splitPolynomialPairs(generatePolynomialPairs(100, 3), { testFraction: 0.96 }), { testFraction: 0.96 }), /no training pairs/);
});

test("a directory or a missing file given as the data file says which", async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "a.txt"), "x=x\n");
  await assert.rejects(loadPolynomialPairs(dir), new RegExp(`polynomial data: ${dir} is a directory, not a file \\(it holds a\\.txt\\)`));
  await assert.rejects(loadPolynomialPairs(path.join(dir, "none.txt")), /polynomial data: file not found: .*none\.txt/);
});
