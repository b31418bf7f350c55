import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import {
  loadPolynomialPairs,
  parsePolynomialJson,
  parsePolynomialText,
  PolynomialDataError,
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
