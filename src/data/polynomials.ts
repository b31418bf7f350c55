/**
 * The polynomial expansion data: `factored=expanded` text files (the original 1,000,000-line
 * `train.txt` of the Scale AI ML-interview task, or the 348,409 unique real pairs in
 * `polynomials/union_unique.txt`) and JSON pair lists `[["factored", "expanded"], ...]`.
 *
 * Every pair is validated when it is loaded: both sides use the data's characters, the factored
 * side parses, and numlab's expander turns it into exactly the expanded side (the data's canonical
 * form). A bad pair is an error naming the file and line (text) or pair index and line (JSON); with
 * `skipInvalid` it is dropped instead and counted. The split keeps every copy of a pair on the same
 * side, so duplicated lines never leak from train into test.
 */
import * as zlib from "zlib";
import * as fs from "fs";
import { DataSource, LocateOptions, checkDataFile, isGzipFile, locateDataFile, readNumberedLines } from "./download";
import { Rng } from "../random";
import { polynomialFixtureText } from "./smoke-fixtures";
import { expandPolynomial, expandToCanonical, polynomialsEqual, PolynomialPair, PolynomialSyntaxError } from "../math/polynomial";

export type { PolynomialPair };

/** The real pairs: `union_unique.txt` in a data folder, else the original `train.txt` (downloaded on demand). */
export const POLYNOMIAL_SOURCE: DataSource = {
  name: "polynomial expansion pairs",
  url: "https://scale-static-assets.s3-us-west-2.amazonaws.com/ml-interview/expand/train.txt",
  fileNames: ["polynomials/union_unique.txt", "train.txt"],
  minBytes: 1_000_000,
  smokeFixture: () => polynomialFixtureText(),
};

/** A malformed data line or pair; the message starts with `file:line:`. */
export class PolynomialDataError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = "PolynomialDataError";
  }
}

export interface PolynomialLoadOptions {
  /** Stop after this many (valid) pairs. */
  limit?: number;
  /**
   * Parse the factored side and check that the expander reproduces the expanded side exactly.
   * Default true (about 10 µs a pair); false checks only the format (one "=", the data's characters).
   */
  verify?: boolean;
  /** Drop invalid pairs instead of throwing; each one is passed to `onInvalid`. Default false. */
  skipInvalid?: boolean;
  /** Called with every pair dropped by `skipInvalid`, in file order. */
  onInvalid?: (error: PolynomialDataError) => void;
}

const ALLOWED = /^[-+*()a-z0-9]+$/;

/** `text` for a message: whole when short, else its start and length. */
function shown(text: string): string {
  return text.length <= 80 ? `"${text}"` : `"${text.slice(0, 60)}…" (${text.length} characters)`;
}

/** Why the expander disagrees with a pair, or null when it reproduces the expanded side exactly. */
function expansionProblem(factored: string, expanded: string): string | null {
  let expected: string;
  try {
    expected = expandToCanonical(factored);
  } catch (e) {
    if (e instanceof PolynomialSyntaxError || e instanceof RangeError) return `factored side: ${e.message}`;
    throw e;
  }
  if (expected === expanded) return null;
  let sameValue = false;
  try {
    sameValue = polynomialsEqual(expandPolynomial(expanded), expandPolynomial(factored));
  } catch (e) {
    if (e instanceof PolynomialSyntaxError || e instanceof RangeError) return `expanded side: ${e.message}`;
    throw e;
  }
  return sameValue
    ? `the expanded side ${shown(expanded)} is the right polynomial but not in the data's canonical form ${shown(expected)}`
    : `${shown(factored)} expands to ${shown(expected)}, the file says ${shown(expanded)}`;
}

/** A line number, or a function computing it (looked up only when a message needs it). */
type LineRef = number | (() => number);

function checkPair(factored: string, expanded: string, file: string, line: LineRef, verify: boolean, where = ""): PolynomialPair {
  const fail = (message: string): never => {
    throw new PolynomialDataError(file, typeof line === "number" ? line : line(), where + message);
  };
  if (factored === "" || expanded === "") fail(`empty ${factored === "" ? "factored" : "expanded"} side`);
  for (const [side, text] of [["factored", factored], ["expanded", expanded]] as const) {
    if (!ALLOWED.test(text)) {
      const bad = /[^-+*()a-z0-9]/u.exec(text)![0];
      fail(`unexpected character ${JSON.stringify(bad)} in the ${side} side ${shown(text)}`);
    }
  }
  if (verify) {
    const problem = expansionProblem(factored, expanded);
    if (problem !== null) fail(problem);
  }
  return { factored, expanded };
}

/** Parse one `factored=expanded` line (`file`/`line` only label errors); `verify` as in `PolynomialLoadOptions` (default true). */
export function parsePolynomialLine(text: string, file = "<input>", line = 1, verify = true): PolynomialPair {
  const eq = text.indexOf("=");
  if (eq < 0) throw new PolynomialDataError(file, line, `expected "factored=expanded", found no "=" in ${shown(text)}`);
  if (text.indexOf("=", eq + 1) >= 0) throw new PolynomialDataError(file, line, `more than one "=" in ${shown(text)}`);
  return checkPair(text.slice(0, eq).trim(), text.slice(eq + 1).trim(), file, line, verify);
}

/** Collects pairs, honouring `limit`, `skipInvalid` and `onInvalid`. */
class PairCollector {
  readonly pairs: PolynomialPair[] = [];
  constructor(private readonly options: PolynomialLoadOptions) {}

  get full(): boolean {
    return this.options.limit !== undefined && this.pairs.length >= this.options.limit;
  }

  get verify(): boolean {
    return this.options.verify ?? true;
  }

  /** Add the pair `read()` returns, or drop it (skipInvalid) when it throws a `PolynomialDataError`. */
  add(read: () => PolynomialPair): void {
    try {
      this.pairs.push(read());
    } catch (e) {
      if (!(e instanceof PolynomialDataError) || !this.options.skipInvalid) throw e;
      this.options.onInvalid?.(e);
    }
  }
}

/** Parse the text of a `factored=expanded` file; blank lines are skipped. */
export function parsePolynomialText(text: string, file = "<input>", options: PolynomialLoadOptions = {}): PolynomialPair[] {
  const out = new PairCollector(options);
  let start = 0;
  for (let lineNo = 1; start <= text.length && !out.full; lineNo++) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    let raw = text.slice(start, end);
    start = end + 1;
    if (raw.endsWith("\r")) raw = raw.slice(0, -1);
    if (lineNo === 1 && raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1);
    if (raw.trim() === "") continue;
    out.add(() => parsePolynomialLine(raw, file, lineNo, out.verify));
  }
  return out.pairs;
}

/** The 1-based line on which each top-level element of a JSON list starts (one pass over the text). */
function elementLines(text: string): number[] {
  const lines: number[] = [];
  let depth = 0;
  let line = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      if (depth === 1) lines.push(line);
    } else if (c === 91 || c === 123) {
      depth++;
      if (depth === 2) lines.push(line);
    } else if (c === 93 || c === 125) depth--;
    else if (depth === 1 && c > 32 && c !== 44) {
      // a scalar element (number, true, null…): record it once, at its first character
      lines.push(line);
      while (i + 1 < text.length && !/[\s,\]]/.test(text[i + 1])) i++;
    }
  }
  return lines;
}

/** Parse a JSON list of `[factored, expanded]` pairs; errors name the pair index and its line. */
export function parsePolynomialJson(text: string, file = "<input>", options: PolynomialLoadOptions = {}): PolynomialPair[] {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new PolynomialDataError(file, 1, `invalid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(value)) throw new PolynomialDataError(file, 1, "expected a JSON list of [factored, expanded] pairs");
  // line of each element, for messages, computed once on the first error (the usual file is one line)
  let lines: number[] | null = null;
  const lineOf = (index: number): number => {
    if (!text.includes("\n")) return 1;
    lines ??= elementLines(text);
    return lines[index] ?? 1;
  };
  const out = new PairCollector(options);
  for (let i = 0; i < value.length && !out.full; i++) {
    const item: unknown = value[i];
    const where = `pair ${i}: `;
    out.add(() => {
      if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== "string" || typeof item[1] !== "string") {
        const json = JSON.stringify(item) ?? String(item);
        throw new PolynomialDataError(file, lineOf(i), `${where}expected ["factored", "expanded"], found ${json.length > 80 ? json.slice(0, 80) + "…" : json}`);
      }
      return checkPair(item[0].trim(), item[1].trim(), file, () => lineOf(i), out.verify, where);
    });
  }
  return out.pairs;
}

function readText(file: string): string {
  const bytes = fs.readFileSync(file);
  return (isGzipFile(file) ? zlib.gunzipSync(bytes) : bytes).toString("utf8");
}

/** Pairs read from a file, with the invalid ones that `skipInvalid` dropped. */
export interface PolynomialReadResult {
  file: string;
  pairs: PolynomialPair[];
  /** Number of invalid pairs dropped (0 without `skipInvalid`: the first one throws). */
  skipped: number;
  /** The first dropped pairs' errors (up to 20), each naming `file:line`. */
  skippedExamples: PolynomialDataError[];
}

/**
 * Read and validate the pairs of a `factored=expanded` text file (plain or gzip) or a JSON pair
 * list (`.json`, or any file whose first non-blank character is `[`); see `PolynomialLoadOptions`.
 */
export async function readPolynomialPairs(file: string, options: PolynomialLoadOptions = {}): Promise<PolynomialReadResult> {
  checkDataFile(file, "polynomial data");
  const result: PolynomialReadResult = { file, pairs: [], skipped: 0, skippedExamples: [] };
  const collecting: PolynomialLoadOptions = {
    ...options,
    onInvalid: (e) => {
      result.skipped++;
      if (result.skippedExamples.length < 20) result.skippedExamples.push(e);
      options.onInvalid?.(e);
    },
  };
  if (options.limit === undefined || file.endsWith(".json") || file.endsWith(".json.gz")) {
    const text = readText(file);
    const first = text.replace(/^\uFEFF/, "").trimStart()[0];
    result.pairs = file.endsWith(".json") || file.endsWith(".json.gz") || first === "[" ? parsePolynomialJson(text, file, collecting) : parsePolynomialText(text, file, collecting);
    return result;
  }
  // stream when only a slice of a text file is wanted
  const out = new PairCollector(collecting);
  let seenText = false;
  for await (const { line, lineNo } of readNumberedLines(file)) {
    if (out.full) break;
    if (line.trim() === "") continue;
    if (!seenText && line.trimStart().startsWith("[")) {
      result.pairs = parsePolynomialJson(readText(file), file, collecting);
      return result;
    }
    seenText = true;
    out.add(() => parsePolynomialLine(line, file, lineNo, out.verify));
  }
  result.pairs = out.pairs;
  return result;
}

/** Load the validated pairs of a file (see `readPolynomialPairs`; use that one to learn how many `skipInvalid` dropped). */
export async function loadPolynomialPairs(file: string, options: PolynomialLoadOptions = {}): Promise<PolynomialPair[]> {
  return (await readPolynomialPairs(file, options)).pairs;
}

/** One line for a log: how many invalid pairs were dropped from the file, with the first reasons; "" when none. */
export function formatSkippedPairs(result: PolynomialReadResult, examples = 3): string {
  if (result.skipped === 0) return "";
  const kept = result.pairs.length;
  const head = `${result.file}: skipped ${result.skipped} invalid pair${result.skipped === 1 ? "" : "s"} (kept ${kept})`;
  const shownErrors = result.skippedExamples.slice(0, examples).map((e) => `  ${e.message}`);
  const more = result.skipped > shownErrors.length ? [`  … and ${result.skipped - shownErrors.length} more`] : [];
  return [head, ...shownErrors, ...more].join("\n");
}

/** Find the real pairs file (explicit path > NUMLAB_DATA_DIR > cache > download of the original). */
export function locatePolynomialData(options: LocateOptions = {}): Promise<string> {
  return locateDataFile(POLYNOMIAL_SOURCE, options);
}

/** Locate and load the real pairs. */
export async function loadRealPolynomialPairs(
  options: LocateOptions & PolynomialLoadOptions = {},
): Promise<{ file: string; pairs: PolynomialPair[] }> {
  const file = await locatePolynomialData(options);
  return { file, pairs: await loadPolynomialPairs(file, options) };
}

export interface PolynomialSplitOptions {
  seed?: number;
  /** Fraction of pairs for test (seed: 0.2) and validation (seed: 5% of the rest = 0.04). */
  testFraction?: number;
  valFraction?: number;
}

export interface PolynomialSplit {
  train: PolynomialPair[];
  val: PolynomialPair[];
  test: PolynomialPair[];
}

/**
 * Seeded train/val/test split (default 76/4/20, the seed's 80/20 then 95/5). Identical pairs form
 * one group and the groups are shuffled and dealt out whole, so duplicates never straddle splits.
 */
export function splitPolynomialPairs(pairs: readonly PolynomialPair[], options: PolynomialSplitOptions = {}): PolynomialSplit {
  const testFraction = options.testFraction ?? 0.2;
  const valFraction = options.valFraction ?? 0.04;
  if (!(testFraction >= 0 && valFraction >= 0 && testFraction + valFraction <= 1)) {
    throw new Error(`splitPolynomialPairs: fractions must be ≥ 0 and sum to ≤ 1 (test ${testFraction}, val ${valFraction})`);
  }
  const groups = new Map<string, PolynomialPair[]>();
  for (const p of pairs) {
    const key = `${p.factored}=${p.expanded}`;
    const g = groups.get(key);
    if (g) g.push(p);
    else groups.set(key, [p]);
  }
  const ordered = [...groups.values()];
  new Rng(options.seed ?? 1234).shuffle(ordered);
  const testTarget = Math.round(pairs.length * testFraction);
  const valTarget = Math.round(pairs.length * valFraction);
  const split: PolynomialSplit = { train: [], val: [], test: [] };
  for (const g of ordered) {
    if (split.test.length < testTarget) split.test.push(...g);
    else if (split.val.length < valTarget) split.val.push(...g);
    else split.train.push(...g);
  }
  return split;
}

/** The true sizes of a split, and how many validation pairs an evaluation of `evalSize` pairs scores. */
export interface PolynomialSplitSizes {
  pairs: number;
  train: number;
  val: number;
  test: number;
  /** min(evalSize, val): the validation pairs each evaluation scores (the trainer takes the first `evalSize`). */
  valScored: number;
}

/** Count a split (`evalSize`: the validation pairs an evaluation asks for; default all of them). */
export function polynomialSplitSizes(split: PolynomialSplit, evalSize = Infinity): PolynomialSplitSizes {
  const { train, val, test } = split;
  return { pairs: train.length + val.length + test.length, train: train.length, val: val.length, test: test.length, valScored: Math.min(evalSize, val.length) };
}

/** "3 pairs: 2 train, 0 validation (0 scored at each evaluation), 1 test". */
export function formatPolynomialSplitSizes(sizes: PolynomialSplitSizes): string {
  const scored = sizes.valScored === sizes.val ? "all scored at each evaluation" : `${sizes.valScored} scored at each evaluation`;
  return `${sizes.pairs} pairs: ${sizes.train} train, ${sizes.val} validation (${scored}), ${sizes.test} test`;
}

/**
 * Throw a clear error when a split cannot train and evaluate: no training pairs, no validation
 * pairs, or no test pairs although a test share was asked for (e.g. 3 pairs with the default
 * 4% validation share: 0.12 rounds to 0). `file` labels the message.
 */
export function checkPolynomialSplit(split: PolynomialSplit, options: PolynomialSplitOptions & { file?: string } = {}): void {
  const sizes = polynomialSplitSizes(split);
  const testFraction = options.testFraction ?? 0.2;
  const valFraction = options.valFraction ?? 0.04;
  const empty: string[] = [];
  if (sizes.train === 0) empty.push("no training pairs");
  if (sizes.val === 0) empty.push(`no validation pairs (the validation share ${valFraction} of ${sizes.pairs} pairs rounds to 0; --val-fraction)`);
  if (sizes.test === 0 && testFraction > 0) empty.push(`no test pairs (the test share ${testFraction} of ${sizes.pairs} pairs rounds to 0; --test-fraction)`);
  if (empty.length === 0) return;
  throw new Error(
    `${options.file ? `${options.file}: ` : ""}the split of ${sizes.pairs} pairs into ${sizes.train} train, ${sizes.val} validation and ${sizes.test} test ` +
      `leaves ${empty.join(" and ")}: use more pairs or larger shares`,
  );
}
