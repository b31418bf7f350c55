/**
 * Property-based fuzzing of the OEIS stripped-format parser (src/data/oeis.ts) with fast-check:
 * on any input it never crashes or hangs, it agrees line by line with an independent regex reader,
 * terms round-trip exactly (huge ones too), and in strict mode every rejection names the first
 * malformed line as `file:line:`. Runs are bounded and seeded (NUMLAB_FUZZ_SEED picks another seed).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import fc from "fast-check";
import { OeisCollection, OeisParseError, parseOeisFile, parseOeisText } from "../../src/data/oeis";

const SEED = Number(process.env.NUMLAB_FUZZ_SEED ?? 20261205);

/** What a line is, read by regular expressions alone (the rules of the module comment). */
type LineKind = { kind: "blank" } | { kind: "comment" } | { kind: "malformed" } | { kind: "sequence"; id: number; terms: string[] };

function referenceLine(raw: string): LineKind {
  let line = raw.startsWith("\uFEFF") ? raw.slice(1) : raw;
  line = line.replace(/[\r \t]+$/, "").replace(/^[ \t]+/, "");
  if (line === "") return { kind: "blank" };
  if (line.startsWith("#")) return { kind: "comment" };
  const m = /^[Aa](\d{1,9})[ \t]*,(.*)$/s.exec(line);
  if (!m) return { kind: "malformed" };
  const rest = m[2];
  if (rest !== "" && !/^[+-]?\d+(,[+-]?\d+)*,?$/.test(rest)) return { kind: "malformed" };
  const terms =
    rest === ""
      ? []
      : rest
          .replace(/,$/, "")
          .split(",")
          .map((t) => BigInt(t).toString());
  return { kind: "sequence", id: Number(m[1]), terms };
}

/** The lines the parser sees: split at "\n", without the empty piece after a final newline. */
function referenceLines(text: string): LineKind[] {
  const parts = text.split("\n");
  if (parts[parts.length - 1] === "") parts.pop();
  return parts.map(referenceLine);
}

function dump(c: OeisCollection): Array<[number, string[]]> {
  const out: Array<[number, string[]]> = [];
  for (let i = 0; i < c.length; i++) out.push([c.ids[i], c.terms(i).map(String)]);
  return out;
}

/** Check a parse of `text` against the reference reader, in lenient and in strict mode. */
function checkAgainstReference(text: string): void {
  const ref = referenceLines(text);
  const c = parseOeisText(text, { fileLabel: "fuzz.txt" });
  const s = c.summary;
  const malformed = ref.flatMap((k, i) => (k.kind === "malformed" ? [i + 1] : []));
  assert.equal(s.lines, ref.length);
  assert.equal(s.blank, ref.filter((k) => k.kind === "blank").length);
  assert.equal(s.comments, ref.filter((k) => k.kind === "comment").length);
  assert.equal(s.malformedCount, malformed.length);
  assert.deepEqual(
    s.malformed.map((m) => m.lineNo),
    malformed.slice(0, 20),
  );
  assert.deepEqual(
    dump(c),
    ref.flatMap((k) => (k.kind === "sequence" ? [[k.id, k.terms] as [number, string[]]] : [])),
  );
  try {
    parseOeisText(text, { strict: true, fileLabel: "fuzz.txt" });
    assert.equal(malformed.length, 0, "strict mode accepted a malformed line");
  } catch (err) {
    assert.ok(err instanceof OeisParseError, `not an OeisParseError: ${String(err)}`);
    assert.equal(err.lineNo, malformed[0]);
    assert.ok(err.message.startsWith(`fuzz.txt:${malformed[0]}: `), err.message);
  }
}

const digits = fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength: 40 });
/** A term: mostly small, sometimes beyond ±2^53, with an optional sign and leading zeros. */
const term = fc.oneof(
  fc.integer({ min: -1000, max: 100_000 }).map(String),
  fc.tuple(fc.constantFrom("", "-", "+"), digits).map(([sign, d]) => sign + d),
);
const sequenceLine = fc
  .tuple(fc.integer({ min: 0, max: 999_999_999 }), fc.array(term, { maxLength: 30 }), fc.constantFrom(" ,", ",", "  ,", "\t,"), fc.boolean())
  .map(([id, terms, sep, trailing]) => `A${String(id).padStart(6, "0")}${sep}${terms.join(",")}${trailing && terms.length > 0 ? "," : ""}`);
const noise = fc.string({ unit: fc.constantFrom(..."Aa0123456789,,,-+ \t#\r\uFEFFx.é"), maxLength: 60 });
/** A line, then perhaps damaged: a character deleted, inserted or replaced. */
const line = fc
  .tuple(
    fc.oneof(sequenceLine, sequenceLine, noise, fc.constantFrom("", "# comment", "   ")),
    fc.nat(),
    fc.constantFrom("keep", "delete", "insert", "replace"),
    fc.constantFrom(..."A,-+x 9\r\uFEFF#"),
  )
  .map(([text, at, op, ch]) => {
    const i = text.length === 0 ? 0 : at % text.length;
    if (op === "delete") return text.slice(0, i) + text.slice(i + 1);
    if (op === "insert") return text.slice(0, i) + ch + text.slice(i);
    if (op === "replace") return text.slice(0, i) + ch + text.slice(i + 1);
    return text;
  });
const document = fc
  .tuple(fc.array(line, { maxLength: 25 }), fc.constantFrom("\n", "\r\n"), fc.boolean())
  .map(([lines, eol, final]) => lines.join(eol) + (final ? eol : ""));

test("fuzz: any mix of good, damaged and noise lines agrees with a regex reader; strict mode names the first bad line", () => {
  fc.assert(
    fc.property(document, (text) => checkAgainstReference(text)),
    { seed: SEED, numRuns: 500 },
  );
});

test("fuzz: generated sequences round-trip exactly, huge terms included", () => {
  const sequences = fc.array(fc.tuple(fc.integer({ min: 1, max: 999_999 }), fc.array(fc.bigInt({ min: -(10n ** 60n), max: 10n ** 60n }), { maxLength: 40 })), {
    maxLength: 20,
  });
  fc.assert(
    fc.property(sequences, (seqs) => {
      const text = seqs.map(([id, terms]) => `A${String(id).padStart(6, "0")} ,${terms.map((t) => `${t},`).join("")}`).join("\n") + "\n";
      const c = parseOeisText(text);
      assert.equal(c.summary.malformedCount, 0);
      assert.deepEqual(
        dump(c),
        seqs.map(([id, terms]) => [id, terms.map(String)]),
      );
      // terms stored as numbers are exactly the safe ones
      for (let i = 0; i < c.length; i++) {
        c.terms(i).forEach((t, k) =>
          assert.equal(typeof t === "number", BigInt(seqs[i][1][k]) === BigInt(Number(seqs[i][1][k])) && Number.isSafeInteger(Number(seqs[i][1][k]))),
        );
      }
    }),
    { seed: SEED, numRuns: 400 },
  );
});

test("fuzz: arbitrary bytes (invalid UTF-8, NULs, lone CRs) never crash the parser and every line is accounted for", () => {
  const bytes = fc.uint8Array({ maxLength: 3000 });
  fc.assert(
    fc.property(bytes, (b) => {
      const c = parseOeisText(b);
      const s = c.summary;
      assert.equal(s.sequences + s.malformedCount + s.comments + s.blank, s.lines);
      const expectedLines = b.length === 0 ? 0 : Buffer.from(b).toString("latin1").split("\n").length - (b[b.length - 1] === 10 ? 1 : 0);
      assert.equal(s.lines, expectedLines);
      for (let i = 0; i < c.length; i++) c.terms(i);
      s.malformed.forEach((m, i) => {
        assert.ok(m.lineNo >= 1 && m.lineNo <= s.lines);
        if (i > 0) assert.ok(m.lineNo > s.malformed[i - 1].lineNo);
      });
    }),
    { seed: SEED, numRuns: 800 },
  );
});

test("fuzz: reading a file (plain and gzip) gives the same result as parsing the text, and strict errors name the file", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-fuzz-oeis-"));
  await fc.assert(
    fc.asyncProperty(document, async (text) => {
      const plain = path.join(dir, "s.txt");
      const gz = path.join(dir, "s.gz");
      fs.writeFileSync(plain, text);
      fs.writeFileSync(gz, zlib.gzipSync(Buffer.from(text)));
      const expected = parseOeisText(text);
      for (const file of [plain, gz]) {
        const c = await parseOeisFile(file);
        assert.deepEqual(dump(c), dump(expected));
        assert.equal(c.summary.malformedCount, expected.summary.malformedCount);
        const first = expected.summary.malformed[0];
        if (first)
          await assert.rejects(
            parseOeisFile(file, { strict: true }),
            (e: unknown) => e instanceof OeisParseError && e.message.startsWith(`${file}:${first.lineNo}: `),
          );
      }
    }),
    { seed: SEED, numRuns: 60 },
  );
});

test("fuzz: one very long line (up to 2 MB) of any kind is parsed in linear time without losing the next line", () => {
  const longLine = fc.tuple(fc.integer({ min: 100_000, max: 2_000_000 }), fc.constantFrom("terms", "digits", "junk", "comment")).map(([n, kind]) => {
    if (kind === "terms") return "A000001 ," + "12,".repeat(Math.floor(n / 3));
    if (kind === "digits") return "A000001 ,-" + "9".repeat(n) + ",";
    if (kind === "junk") return "A000001 ,1,x" + "y".repeat(n);
    return "#" + "c".repeat(n);
  });
  fc.assert(
    fc.property(longLine, (long) => {
      const t0 = performance.now();
      const c = parseOeisText(`${long}\nA000002 ,1,2,3,\n`);
      assert.ok(performance.now() - t0 < 2000, "a long line took over 2 s");
      assert.deepEqual(dump(c).at(-1), [2, ["1", "2", "3"]]);
      assert.equal(c.summary.lines, 2);
    }),
    { seed: SEED, numRuns: 6 },
  );
});
