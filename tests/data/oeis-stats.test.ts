import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Rng } from "../../src/random";
import { parseOeisFile, parseOeisText } from "../../src/data/oeis";
import {
  ExactValue,
  IntegerFrequencies,
  NumberCounter,
  OeisStats,
  abbreviateDigits,
  abbreviateLongNumbers,
  compareExact,
  compareMagnitude,
  formatOeisStats,
  oeisStats,
} from "../../src/data/oeis-stats";

const SAFE = 2n ** 53n;

/** Statistics recomputed the slow, obvious way: BigInt terms, string-keyed Map, full sorts. */
function naiveStats(text: string, topK = 20, examples = 20): Omit<OeisStats, "lengthMedian"> & { lengthMedian: number } {
  const seqs: bigint[][] = [];
  for (let line of text.split("\n")) {
    if (line.startsWith("\uFEFF")) line = line.slice(1);
    line = line.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^A(\d+) ,(.*)$/.exec(line);
    if (!m) throw new Error(`naive parser: unexpected line ${line}`);
    seqs.push(m[2].split(",").filter((t) => t !== "").map((t) => BigInt(t)));
  }
  const n = seqs.length;
  const lengths = seqs.map((s) => s.length);
  const total = lengths.reduce((a, b) => a + b, 0);
  const sumSq = lengths.reduce((a, b) => a + b * b, 0);
  const counts = new Map<string, number>();
  for (const s of seqs) for (const t of s) counts.set(t.toString(), (counts.get(t.toString()) ?? 0) + 1);
  const exact = (v: bigint): ExactValue => (v < SAFE && v > -SAFE ? Number(v) : v.toString());
  const entries = [...counts.entries()].map(([k, c]) => [BigInt(k), c] as [bigint, number]);
  const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
  const abs = (v: bigint): bigint => (v < 0n ? -v : v);
  const top = [...entries].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0])).slice(0, topK);
  const once = entries.filter(([, c]) => c === 1).map(([v]) => v);
  const smallest = [...once].sort((a, b) => cmp(abs(a), abs(b)) || cmp(a, b)).slice(0, examples);
  const largest = [...once].sort((a, b) => cmp(abs(b), abs(a)) || cmp(a, b)).slice(0, examples);
  const sorted = [...lengths].sort((a, b) => a - b);
  const hist = new Map<number, number>();
  for (const l of lengths) hist.set(l, (hist.get(l) ?? 0) + 1);
  let negative = 0;
  let huge = 0;
  let zero = 0;
  for (const s of seqs)
    for (const t of s) {
      if (t < 0n) negative++;
      if (t === 0n) zero++;
      if (abs(t) >= SAFE) huge++;
    }
  return {
    sequences: n,
    lengthMean: n ? total / n : 0,
    lengthStd: Math.sqrt(n ? (n * sumSq - total * total) / (n * n) : 0),
    lengthMin: n ? sorted[0] : 0,
    lengthMax: n ? sorted[n - 1] : 0,
    lengthMedian: n ? (sorted[(n - 1) >> 1] + sorted[n >> 1]) / 2 : 0,
    lengthHistogram: [...hist.entries()].sort((a, b) => a[0] - b[0]),
    totalIntegers: total,
    distinctIntegers: counts.size,
    top: top.map(([v, c]) => [exact(v), c]),
    singletons: once.length,
    leastFrequentSmallest: smallest.map(exact),
    leastFrequentLargest: largest.map(exact),
    negativeCount: negative,
    negativeShare: total ? negative / total : 0,
    hugeCount: huge,
    hugeShare: total ? huge / total : 0,
    zeroCount: zero,
  };
}

function generated(seed: number, sequences: number): string {
  const rng = new Rng(seed);
  const lines = ["# generated for oeis-stats tests"];
  for (let i = 0; i < sequences; i++) {
    const len = rng.int(1, 80);
    const terms: string[] = [];
    for (let k = 0; k < len; k++) {
      const r = rng.next();
      if (r < 0.03) terms.push((rng.next() < 0.3 ? "-" : "") + String(rng.int(1, 9)) + String(rng.int(0, 1e9)).padStart(20, "0"));
      else if (r < 0.05) terms.push(String((rng.next() < 0.5 ? -1 : 1) * (2 ** 53 - rng.int(0, 3)))); // around the safe limit
      else if (r < 0.06) terms.push("9007199254740992"); // exactly 2^53: huge
      else if (r < 0.25) terms.push(String(-rng.int(0, 50)));
      else if (r < 0.9) terms.push(String(rng.int(0, 60)));
      else terms.push(String(rng.int(0, 2 ** 40)));
    }
    lines.push(`A${String(i + 1).padStart(6, "0")} ,${terms.join(",")},`);
  }
  return lines.join("\n") + "\n";
}

test("stats agree exactly with a naive BigInt recomputation on generated data", () => {
  for (const seed of [1, 2, 3]) {
    const text = generated(seed, 1500);
    const stats = oeisStats(parseOeisText(text));
    assert.deepEqual(stats, naiveStats(text), `seed ${seed}`);
  }
  // other top / example sizes
  const text = generated(4, 400);
  assert.deepEqual(oeisStats(parseOeisText(text), { topK: 3, examples: 50 }), naiveStats(text, 3, 50));
});

test("least-frequent examples are exact when few singletons lie near zero (fallback paths)", () => {
  const text = [
    "A000001 ,1,1,2,2,3,3,",
    "A000002 ,100000,-70000,70000,-65536,65536,-65537,1048575,1048576,-1048576,-8192,-8193,8192,65535,65536,-9000,",
    `A000003 ,${"9".repeat(20)},-${"9".repeat(20)},5,5,-3,`,
  ].join("\n");
  for (const examples of [1, 3, 8, 20]) {
    const stats = oeisStats(parseOeisText(text), { examples });
    const naive = naiveStats(text, 20, examples);
    assert.deepEqual(stats.leastFrequentSmallest, naive.leastFrequentSmallest, `smallest, ${examples}`);
    assert.deepEqual(stats.leastFrequentLargest, naive.leastFrequentLargest, `largest, ${examples}`);
  }
});

test("stats of an empty collection are zeros, not NaN", () => {
  const stats = oeisStats(parseOeisText("# nothing\n"));
  assert.equal(stats.sequences, 0);
  assert.equal(stats.lengthMean, 0);
  assert.equal(stats.lengthStd, 0);
  assert.deepEqual(stats.top, []);
});

test("NumberCounter counts like a Map, across growth, for large and negative keys", () => {
  const rng = new Rng(5);
  const counter = new NumberCounter(16);
  const reference = new Map<number, number>();
  for (let i = 0; i < 50000; i++) {
    const r = rng.next();
    const v = r < 0.5 ? rng.int(-100, 100) : r < 0.8 ? rng.int(0, 2 ** 31) * 4096 : Number.MAX_SAFE_INTEGER - rng.int(0, 1000);
    counter.add(v);
    reference.set(v === 0 ? 0 : v, (reference.get(v) ?? 0) + 1);
  }
  counter.add(-0);
  reference.set(0, (reference.get(0) ?? 0) + 1);
  assert.equal(counter.size, reference.size);
  for (const [v, c] of reference) assert.equal(counter.get(v), c, `count of ${v}`);
  assert.equal(counter.get(123456789012), 0);
  const seen = new Map<number, number>();
  counter.forEach((v, c) => seen.set(v, c));
  assert.deepEqual(new Map([...seen].sort((a, b) => a[0] - b[0])), new Map([...reference].sort((a, b) => a[0] - b[0])));
});

test("IntegerFrequencies: lookups by number, bigint and string; rank-frequency is sorted", () => {
  const c = parseOeisText(`A000001 ,1,1,2,${"5".repeat(30)},-${"5".repeat(30)},${"5".repeat(30)},\n`);
  const f = IntegerFrequencies.of(c);
  assert.equal(f.count(1), 2);
  assert.equal(f.count(1n), 2);
  assert.equal(f.count("2"), 1);
  assert.equal(f.count("5".repeat(30)), 2);
  assert.equal(f.count(BigInt("-" + "5".repeat(30))), 1);
  assert.equal(f.count(3), 0);
  assert.deepEqual(Array.from(f.rankFrequency()), [2, 2, 1, 1]);
  assert.deepEqual(f.countOfCounts(), [
    [1, 2],
    [2, 2],
  ]);
  assert.deepEqual(f.top(2), [
    [1, 2],
    ["5".repeat(30), 2],
  ]);
});

test("compareExact and compareMagnitude order numbers and huge decimal strings", () => {
  const values: ExactValue[] = ["-" + "9".repeat(20), "-" + "1".repeat(20), -5, 0, 3, "1" + "0".repeat(19), "2" + "0".repeat(19), "1" + "0".repeat(25)];
  for (let i = 0; i < values.length; i++)
    for (let j = 0; j < values.length; j++) {
      assert.equal(compareExact(values[i], values[j]), Math.sign(i - j), `${values[i]} vs ${values[j]}`);
      const bi = BigInt(values[i]);
      const bj = BigInt(values[j]);
      const ai = bi < 0n ? -bi : bi;
      const aj = bj < 0n ? -bj : bj;
      assert.equal(compareMagnitude(values[i], values[j]), ai < aj ? -1 : ai > aj ? 1 : 0);
    }
});

/** The shared real subset, when present (NUMLAB_DATA_DIR or ../shared/data). */
function realSubset(): string | null {
  const dirs = [process.env.NUMLAB_DATA_DIR, path.resolve(__dirname, "..", "..", "..", "shared", "data")].filter(
    (d): d is string => Boolean(d),
  );
  for (const d of dirs) {
    const f = path.join(d, "oeis", "stripped_subset_merged.txt");
    if (fs.existsSync(f)) return f;
  }
  return null;
}

const subset = realSubset();

test("real subset: stats agree exactly with the naive recomputation", { skip: subset ? false : "shared OEIS subset not found" }, async () => {
  const stats = oeisStats(await parseOeisFile(subset!));
  const naive = naiveStats(fs.readFileSync(subset!, "utf8"));
  assert.deepEqual(stats, naive);
  assert.equal(stats.sequences, 34119, "SOURCES.md documents 34,119 sequences");
});

const python = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : null;

test(
  "real subset: stats agree with the Python reference (bench/oeis_reference.py)",
  { skip: !subset ? "shared OEIS subset not found" : !python ? "python3 not found" : false },
  async () => {
    const script = path.resolve(__dirname, "..", "..", "bench", "oeis_reference.py");
    const run = spawnSync(python!, [script, subset!], { encoding: "utf8", maxBuffer: 64 << 20 });
    assert.equal(run.status, 0, run.stderr);
    const py = JSON.parse(run.stdout) as Record<string, unknown>;
    const stats = oeisStats(await parseOeisFile(subset!)) as unknown as Record<string, unknown>;
    for (const key of Object.keys(stats)) assert.deepEqual(stats[key], py[key], key);
    assert.equal(py.malformedCount, 0);
  },
);

test("huge terms are shown abbreviated in the text report: 5,000,000 digits take one short entry", () => {
  const huge = "7".repeat(5_000_000);
  const c = parseOeisText(`A000001 ,1,-${huge},3,\nA000002 ,1,${huge},\n`);
  const stats = oeisStats(c);
  assert.equal(stats.top[0][0], 1);
  assert.ok(stats.top.some(([v]) => v === huge), "the statistics keep the exact value");
  const text = formatOeisStats(stats);
  assert.ok(text.length < 2000, `${text.length} characters`);
  const lines = text.split("\n");
  assert.equal(lines.at(-4), "  1: 2, -77777777…77777777 (5,000,000 digits): 1, 3: 1, 77777777…77777777 (5,000,000 digits): 1");
  assert.equal(lines.at(-1), "occurring once, largest |v|: -77777777…77777777 (5,000,000 digits), 77777777…77777777 (5,000,000 digits), 3");
});

test("abbreviateDigits keeps short integers and the sign, first and last digits and count of long ones", () => {
  assert.equal(abbreviateDigits("123456789012345678901234"), "123456789012345678901234");
  assert.equal(abbreviateDigits("1234567890123456789012345"), "12345678…89012345 (25 digits)");
  assert.equal(abbreviateDigits("-" + "1234".repeat(250_000)), "-12341234…12341234 (1,000,000 digits)");
  assert.equal(abbreviateDigits("+98765432109876543210987654"), "98765432…10987654 (26 digits)");
  assert.equal(abbreviateLongNumbers("a(n) = 3a(n-1) + 123456789012345678901234567890"), "a(n) = 3a(n-1) + 12345678…34567890 (30 digits)");
});
