import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { Rng } from "../../src/random";
import {
  OeisCollection,
  OeisParseError,
  formatANumber,
  formatParseSummary,
  parseOeisFile,
  parseOeisText,
} from "../../src/data/oeis";

function tempFile(name: string, content: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-oeis-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** All sequences of a collection as [id, exact terms as decimal strings]. */
function dump(c: OeisCollection): Array<[string, string[]]> {
  const out: Array<[string, string[]]> = [];
  for (let i = 0; i < c.length; i++) out.push([c.id(i), c.terms(i).map(String)]);
  return out;
}

test("parses stripped lines, skips comments and blank lines, keeps A-numbers", () => {
  const text = [
    "# OEIS stripped file",
    "# another comment",
    "A000045 ,0,1,1,2,3,5,8,",
    "",
    "A000040 ,2,3,5,7,11",
    "  ",
    "A000004 ,0,0,0,",
    "A999999 ,",
  ].join("\n");
  const c = parseOeisText(text);
  assert.deepEqual(dump(c), [
    ["A000045", ["0", "1", "1", "2", "3", "5", "8"]],
    ["A000040", ["2", "3", "5", "7", "11"]],
    ["A000004", ["0", "0", "0"]],
    ["A999999", []],
  ]);
  assert.equal(c.summary.comments, 2);
  assert.equal(c.summary.blank, 2);
  assert.equal(c.summary.malformedCount, 0);
  assert.equal(c.summary.lines, 8);
  assert.equal(c.totalTerms, 15);
  assert.equal(c.indexOf("A000040"), 1);
  assert.equal(c.indexOf(4), 2);
  assert.deepEqual(Array.from(c.termsView(0)), [0, 1, 1, 2, 3, 5, 8]);
  assert.equal(formatANumber(45), "A000045");
  assert.equal(formatANumber(1234567), "A1234567");
});

test("tolerates a BOM (file start and line start), CRLF endings and a missing final newline", () => {
  const text = "\uFEFFA000001 ,1,1,1,2,\r\n\uFEFFA000002 ,1,2,2\r\nA000003 ,1,1";
  const c = parseOeisText(text);
  assert.deepEqual(dump(c), [
    ["A000001", ["1", "1", "1", "2"]],
    ["A000002", ["1", "2", "2"]],
    ["A000003", ["1", "1"]],
  ]);
  assert.equal(c.summary.malformedCount, 0);
});

test("terms beyond ±2^53 stay exact; safe ones are numbers", () => {
  const big = "1" + "0".repeat(99);
  const text = [
    `A000010 ,9007199254740991,-9007199254740991,9007199254740992,-9007199254740993,${big},-0,0009007199254740993,000000000000000000042,`,
  ].join("\n");
  const c = parseOeisText(text);
  const terms = c.terms(0);
  assert.deepEqual(terms, [
    9007199254740991,
    -9007199254740991,
    9007199254740992n,
    -9007199254740993n,
    BigInt(big),
    0,
    9007199254740993n,
    42,
  ]);
  assert.equal(Object.is(terms[5], -0), false, "-0 is stored as 0");
  const view = c.termsView(0);
  assert.ok(Number.isNaN(view[2]) && Number.isNaN(view[3]) && Number.isNaN(view[4]) && Number.isNaN(view[6]));
  assert.equal(c.hugeTerms.size, 4);
  assert.equal(c.hugeTerms.get(6), "9007199254740993", "leading zeros are dropped");
});

test("lenient mode skips malformed lines and reports them with line numbers", () => {
  const text = [
    "A000001 ,1,2,3,",
    "B000002 ,1,2,",
    "A000003 1,2,",
    "A000004 ,1,,2,",
    "A000005 ,1,x2,",
    "A ,1,2,",
    "A000007 ,1,2,3,",
    "A000008 ,1.5,2,",
    "A000009 ,1, 2,",
  ].join("\n");
  const c = parseOeisText(text, { fileLabel: "fixture.txt" });
  assert.deepEqual(
    dump(c).map(([id]) => id),
    ["A000001", "A000007"],
  );
  assert.equal(c.summary.malformedCount, 7);
  assert.deepEqual(
    c.summary.malformed.map((m) => m.lineNo),
    [2, 3, 4, 5, 6, 8, 9],
  );
  assert.match(c.summary.malformed[2].reason, /empty term/);
  assert.equal(c.summary.malformed[0].text, "B000002 ,1,2,");
  const text2 = formatParseSummary(c.summary);
  assert.match(text2, /7 malformed skipped/);
  assert.match(text2, /line 4: empty term/);
});

test("strict mode throws naming file and line", async () => {
  const file = tempFile("bad.txt", "A000001 ,1,2,\n# ok\nA000003 ,1,q,\nA000004 ,1,\n");
  await assert.rejects(parseOeisFile(file, { strict: true }), (err: Error) => {
    assert.ok(err instanceof OeisParseError);
    assert.equal(err.message.startsWith(`${file}:3: `), true, err.message);
    assert.equal((err as OeisParseError).lineNo, 3);
    return true;
  });
  const lenient = await parseOeisFile(file);
  assert.equal(lenient.length, 2);
  assert.deepEqual(lenient.summary.malformed.map((m) => m.lineNo), [3]);
});

test("repeated A-numbers are kept and counted", () => {
  const c = parseOeisText("A000002 ,1,\nA000001 ,2,\nA000002 ,3,\nA000002 ,4,\n");
  assert.equal(c.length, 4);
  assert.equal(c.summary.duplicateIds, 2);
  assert.equal(parseOeisText("A000001 ,1,\nA000002 ,1,\n").summary.duplicateIds, 0);
  assert.match(formatParseSummary(c.summary), /2 repeated A-numbers/);
});

test("a malformed line with huge terms leaves no stale huge entries", () => {
  const c = parseOeisText(`A000001 ,${"9".repeat(30)},oops,\nA000002 ,1,${"8".repeat(30)},\n`);
  assert.equal(c.length, 1);
  assert.deepEqual([...c.hugeTerms.entries()], [[1, "8".repeat(30)]]);
});

/** A generated stripped file with long lines, negatives, huge terms, comments. */
function generatedText(rng: Rng, sequences: number): string {
  const lines: string[] = ["# generated"];
  for (let i = 1; i <= sequences; i++) {
    const len = rng.int(0, 120);
    const terms: string[] = [];
    for (let k = 0; k < len; k++) {
      const r = rng.next();
      if (r < 0.02) terms.push((rng.next() < 0.5 ? "-" : "") + "7" + String(rng.int(0, 1e9)).padStart(25, "3"));
      else if (r < 0.2) terms.push(String(-rng.int(0, 1000)));
      else terms.push(String(rng.int(0, r < 0.9 ? 100 : 1e9)));
    }
    lines.push(`A${String(i).padStart(6, "0")} ,${terms.join(",")}${rng.next() < 0.9 && len > 0 ? "," : ""}`);
  }
  return lines.join("\n") + "\n";
}

test("streaming a multi-megabyte file (plain and gzip) matches parsing it in one piece", async () => {
  const text = generatedText(new Rng(7), 12000);
  assert.ok(text.length > 2_500_000, "the fixture spans several 1 MB chunks");
  const whole = parseOeisText(text);
  const plain = await parseOeisFile(tempFile("gen.txt", text));
  const gz = await parseOeisFile(tempFile("gen.gz", zlib.gzipSync(Buffer.from(text))));
  assert.equal(whole.length, 12000);
  assert.deepEqual(dump(plain), dump(whole));
  assert.deepEqual(dump(gz), dump(whole));
  const firstTen = await parseOeisFile(tempFile("gen2.txt", text), { maxSequences: 10 });
  assert.equal(firstTen.length, 10);
  assert.equal(firstTen.summary.truncated, true);
  assert.deepEqual(dump(firstTen), dump(whole).slice(0, 10));
  assert.deepEqual(dump(whole.head(5)), dump(whole).slice(0, 5));
});

test("a truncated gzip is an error naming the file, never a partial result", async () => {
  const gz = zlib.gzipSync(Buffer.from(generatedText(new Rng(3), 3000)));
  const file = tempFile("cut.gz", gz.subarray(0, Math.floor(gz.length * 0.6)));
  await assert.rejects(parseOeisFile(file), (err: Error) => err.message.includes(file) && /truncated or corrupt/.test(err.message));
});

// --- fuzzing -------------------------------------------------------------------------------

/** The format rules written independently of the byte parser (same as bench/oeis_reference.py). */
const LINE = /^[Aa](\d{1,9})[ \t]*,((?:[-+]?\d+,)*(?:[-+]?\d+)?)$/;

function referenceParse(text: string): { sequences: Array<[string, string[]]>; malformed: number[] } {
  const sequences: Array<[string, string[]]> = [];
  const malformed: number[] = [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  lines.forEach((raw, i) => {
    let line = raw.startsWith("\uFEFF") ? raw.slice(1) : raw;
    line = line.replace(/^[ \t]+/, "").replace(/[ \t\r]+$/, "");
    if (line === "" || line.startsWith("#")) return;
    const m = LINE.exec(line);
    if (!m) {
      malformed.push(i + 1);
      return;
    }
    const terms = m[2] === "" ? [] : m[2].split(",").filter((t) => t !== "").map((t) => BigInt(t).toString());
    sequences.push([formatANumber(Number(m[1])), terms]);
  });
  return { sequences, malformed };
}

const JUNK = ["", ",", ",,", "-", "+", " ", "\t", "\r", "#", "A", "a", "x", "\uFEFF", "é", "\u0000", "1e5", "0x1f", "--1", "99999999999999999999999"];

function mutate(rng: Rng, line: string): string {
  let s = line;
  const edits = rng.int(0, 4);
  for (let e = 0; e < edits; e++) {
    const pos = rng.int(0, s.length + 1);
    const op = rng.int(0, 4);
    if (op === 0) s = s.slice(0, pos) + JUNK[rng.int(0, JUNK.length)] + s.slice(pos);
    else if (op === 1) s = s.slice(0, pos) + s.slice(pos + rng.int(1, 4));
    else if (op === 2) s = s.slice(0, pos) + String.fromCharCode(rng.int(0, 128)) + s.slice(pos);
    else s = s.slice(0, pos) + s.slice(pos).replace(/\d/, "");
  }
  return s;
}

test("fuzz: mutated input never crashes and agrees line by line with an independent regex parser", () => {
  const rng = new Rng(20240601);
  const base = generatedText(new Rng(11), 300).split("\n");
  for (let round = 0; round < 60; round++) {
    const lines = base.map((l) => (rng.next() < 0.3 ? mutate(rng, l) : l));
    const text = lines.join("\n");
    let parsed: OeisCollection;
    try {
      parsed = parseOeisText(text);
    } catch (err) {
      assert.fail(`lenient parse threw in round ${round}: ${(err as Error).message}`);
    }
    const ref = referenceParse(text);
    assert.deepEqual(dump(parsed), ref.sequences, `round ${round}`);
    const summary = parsed.summary;
    assert.equal(summary.malformedCount, ref.malformed.length, `round ${round}`);
    assert.deepEqual(
      summary.malformed.map((m) => m.lineNo),
      ref.malformed.slice(0, summary.malformed.length),
    );
    assert.equal(summary.sequences + summary.malformedCount + summary.comments + summary.blank, summary.lines);
    // strict mode either succeeds or throws an OeisParseError naming the first malformed line
    try {
      parseOeisText(text, { strict: true });
      assert.equal(ref.malformed.length, 0);
    } catch (err) {
      assert.ok(err instanceof OeisParseError, String(err));
      assert.equal((err as OeisParseError).lineNo, ref.malformed[0]);
    }
  }
});

test("fuzz: random bytes never crash the parser", () => {
  const rng = new Rng(99);
  for (let round = 0; round < 200; round++) {
    const bytes = new Uint8Array(rng.int(0, 2000));
    const alphabet = [0x41, 0x2c, 0x2d, 0x30, 0x31, 0x39, 0x0a, 0x0d, 0x20, 0x23, 0xef, 0xbb, 0xbf, 0xff, 0x00];
    for (let i = 0; i < bytes.length; i++) bytes[i] = rng.next() < 0.8 ? alphabet[rng.int(0, alphabet.length)] : rng.int(0, 256);
    const c = parseOeisText(bytes);
    assert.equal(c.summary.sequences + c.summary.malformedCount + c.summary.comments + c.summary.blank, c.summary.lines);
    for (let i = 0; i < c.length; i++) c.terms(i); // every stored term is readable
  }
});

test("one line of 60 MB (gzip) is parsed in linear time, and the lines after it keep their numbers", async () => {
  // a malformed first line (its third term is not an integer) followed by 60 MB of digits, then a good line
  const text = "A000001 ,1,2,x" + "9".repeat(60_000_000) + ",\nA000002 ,5,6,\n";
  const file = tempFile("one-line.gz", zlib.gzipSync(Buffer.from(text), { level: 1 }));
  const t0 = performance.now();
  const c = await parseOeisFile(file);
  const seconds = (performance.now() - t0) / 1000;
  assert.deepEqual(dump(c), [["A000002", ["5", "6"]]]);
  assert.deepEqual(
    c.summary.malformed.map((m) => [m.lineNo, m.reason, m.text.length]),
    [[1, "term 3 is not an integer", 80]],
  );
  // the quadratic version copied the growing line once per 256 KB chunk: about half a minute
  assert.ok(seconds < 10, `took ${seconds.toFixed(1)} s`);
});

test("a directory or a missing path given as the OEIS file says which", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-oeis-"));
  await assert.rejects(parseOeisFile(dir), new RegExp(`^Error: OEIS: ${dir} is a directory, not a file`));
  await assert.rejects(parseOeisFile(path.join(dir, "stripped.gz")), /OEIS: file not found: .*stripped\.gz/);
});
