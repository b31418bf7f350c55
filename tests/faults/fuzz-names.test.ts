/**
 * Property-based fuzzing of the makemore names reader (src/data/names.ts) with fast-check: on any
 * text it returns exactly the trimmed non-blank lines when all are a–z, and otherwise throws a
 * `NamesFormatError` naming the first bad line as `file:line:` and the offending character and
 * column; reading the same text from a file (plain or gzip) agrees. Runs are bounded and seeded
 * (NUMLAB_FUZZ_SEED picks another seed).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import fc from "fast-check";
import { NamesFormatError, parseNames, readNamesFile } from "../../src/data/names";

const SEED = Number(process.env.NUMLAB_FUZZ_SEED ?? 20261205);

/** The expected outcome, by plain string operations: the names, or the first bad line with its first bad character. */
function reference(text: string, stripBoms: boolean): { names: string[] } | { line: number; char: string } {
  const names: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let raw = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    if (stripBoms && raw.startsWith("\uFEFF")) raw = raw.slice(1);
    const name = raw.trim();
    if (name === "") continue;
    const bad = [...name].find((c) => c < "a" || c > "z");
    if (bad !== undefined) return { line: i + 1, char: bad };
    names.push(name);
  }
  return { names };
}

function check(outcome: () => string[], expected: ReturnType<typeof reference>, file: string): void {
  if ("names" in expected) {
    assert.deepEqual(outcome(), expected.names);
    return;
  }
  assert.throws(outcome, (e: unknown) => {
    assert.ok(e instanceof NamesFormatError, `not a NamesFormatError: ${String(e)}`);
    assert.equal(e.lineNo, expected.line);
    assert.ok(e.message.startsWith(`${file}:${expected.line}: character ${JSON.stringify(expected.char)} at column `), e.message);
    assert.ok(e.message.length < 400, "the message quotes a bounded excerpt");
    return true;
  });
}

const letters = fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz"), minLength: 1, maxLength: 15 });
const junk = fc.constantFrom(..."AZ09 \t\r-'.é\u00A0\uFEFF\u0000😀");
/** A name, perhaps with surrounding blanks, now and then with one foreign character inside. */
const nameLine = fc
  .tuple(
    letters,
    fc.constantFrom("", " ", "\t", "  "),
    fc.constantFrom("", " ", "\r"),
    fc.oneof({ arbitrary: fc.constant(null), weight: 12 }, { arbitrary: fc.tuple(fc.nat(), junk), weight: 1 }),
  )
  .map(([name, before, after, damage]) => {
    let text = name;
    if (damage) {
      const [at, ch] = damage;
      const i = at % (text.length + 1);
      text = text.slice(0, i) + ch + text.slice(i);
    }
    return before + text + after;
  });
const document = fc
  .tuple(fc.array(fc.oneof(nameLine, nameLine, nameLine, fc.constantFrom("", "  ", "\r")), { maxLength: 30 }), fc.constantFrom("\n", "\r\n"), fc.boolean())
  .map(([lines, eol, final]) => lines.join(eol) + (final ? eol : ""));

test("fuzz: parseNames returns the a–z names or names the first bad line, character and column", () => {
  let accepted = 0;
  fc.assert(
    fc.property(document, (text) => {
      const expected = reference(text, false);
      if ("names" in expected && expected.names.length > 0) accepted++;
      check(() => parseNames(text, "names.txt"), expected, "names.txt");
    }),
    { seed: SEED, numRuns: 2000 },
  );
  assert.ok(accepted > 200, `only ${accepted} inputs were valid name lists`);
});

test("fuzz: any Unicode text never crashes parseNames; every rejection is a NamesFormatError naming its line", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
      try {
        const names = parseNames(text, "any.txt");
        for (const n of names) assert.match(n, /^[a-z]+$/);
      } catch (e) {
        assert.ok(e instanceof NamesFormatError, `not a NamesFormatError: ${String(e)}`);
        assert.match(e.message, new RegExp(`^any\\.txt:${e.lineNo}: character `));
        assert.ok(e.lineNo >= 1 && e.lineNo <= text.split("\n").length);
      }
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test("fuzz: a names file (plain or gzip) reads as its text does, with BOMs dropped at line starts", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-fuzz-names-"));
  const withBoms = fc.tuple(document, fc.boolean()).map(([text, bom]) => (bom ? "\uFEFF" + text : text));
  await fc.assert(
    fc.asyncProperty(withBoms, async (text) => {
      const expected = reference(text, true);
      for (const [name, bytes] of [
        ["names.txt", Buffer.from(text)],
        ["names.txt.gz", zlib.gzipSync(Buffer.from(text))],
      ] as const) {
        const file = path.join(dir, name);
        fs.writeFileSync(file, bytes);
        if ("names" in expected) assert.deepEqual(await readNamesFile(file), expected.names);
        else
          await assert.rejects(
            readNamesFile(file),
            (e: unknown) =>
              e instanceof NamesFormatError &&
              e.lineNo === expected.line &&
              e.message.startsWith(`${file}:${expected.line}: character ${JSON.stringify(expected.char)}`),
          );
      }
    }),
    { seed: SEED, numRuns: 150 },
  );
});

test("fuzz: a long line (up to 2 MB) with a bad character anywhere is rejected quickly with a short message", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1000, max: 2_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }), junk, (n, where, ch) => {
      const at = Math.floor(where * n);
      const line = "a".repeat(at) + ch + "b".repeat(n - at);
      const t0 = performance.now();
      const expected = reference(`emma\n${line}\n`, false);
      check(() => parseNames(`emma\n${line}\n`, "long.txt"), expected, "long.txt");
      assert.ok(performance.now() - t0 < 2000);
    }),
    { seed: SEED, numRuns: 10 },
  );
});
