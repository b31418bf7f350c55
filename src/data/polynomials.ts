/**
 * The polynomial expansion data: `factored=expanded` text files (the original 1,000,000-line
 * `train.txt` of the Scale AI ML-interview task, or the 348,409 unique real pairs in
 * `polynomials/union_unique.txt`) and JSON pair lists `[["factored", "expanded"], ...]`.
 *
 * Malformed input is an error naming the file and line (text) or pair index (JSON). The split keeps
 * every copy of a pair on the same side, so duplicated lines never leak from train into test.
 */
import * as fs from "fs";
import * as zlib from "zlib";
import { DataSource, LocateOptions, isGzipFile, locateDataFile, readNumberedLines } from "./download";
import { Rng } from "../random";
import { polynomialFixtureText } from "./smoke-fixtures";
import { expandToCanonical, PolynomialPair, PolynomialSyntaxError } from "../math/polynomial";

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
  /** Stop after this many pairs. */
  limit?: number;
  /** Also parse both sides and check that the expander reproduces the expanded side. Default false. */
  verify?: boolean;
}

const ALLOWED = /^[-+*()a-z0-9]+$/;

function checkPair(factored: string, expanded: string, file: string, line: number, verify: boolean, where = ""): PolynomialPair {
  if (factored === "" || expanded === "") throw new PolynomialDataError(file, line, `${where}empty ${factored === "" ? "factored" : "expanded"} side`);
  for (const [side, text] of [["factored", factored], ["expanded", expanded]] as const) {
    if (!ALLOWED.test(text)) {
      const bad = [...text].find((c) => !/[-+*()a-z0-9]/.test(c));
      throw new PolynomialDataError(file, line, `${where}unexpected character ${JSON.stringify(bad)} in the ${side} side "${text}"`);
    }
  }
  if (verify) {
    let expected: string;
    try {
      expected = expandToCanonical(factored);
    } catch (e) {
      if (e instanceof PolynomialSyntaxError) throw new PolynomialDataError(file, line, `${where}${e.message}`);
      throw e;
    }
    if (expected !== expanded) {
      throw new PolynomialDataError(file, line, `${where}"${factored}" expands to "${expected}", the file says "${expanded}"`);
    }
  }
  return { factored, expanded };
}

/** Parse one `factored=expanded` line (`file`/`line` only label errors). */
export function parsePolynomialLine(text: string, file = "<input>", line = 1, verify = false): PolynomialPair {
  const eq = text.indexOf("=");
  if (eq < 0) throw new PolynomialDataError(file, line, `expected "factored=expanded", found no "=" in "${text}"`);
  if (text.indexOf("=", eq + 1) >= 0) throw new PolynomialDataError(file, line, `more than one "=" in "${text}"`);
  return checkPair(text.slice(0, eq).trim(), text.slice(eq + 1).trim(), file, line, verify);
}

/** Parse the text of a `factored=expanded` file; blank lines are skipped. */
export function parsePolynomialText(text: string, file = "<input>", options: PolynomialLoadOptions = {}): PolynomialPair[] {
  const pairs: PolynomialPair[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (options.limit !== undefined && pairs.length >= options.limit) break;
    let raw = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    if (i === 0 && raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1);
    if (raw.trim() === "") continue;
    pairs.push(parsePolynomialLine(raw, file, i + 1, options.verify ?? false));
  }
  return pairs;
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
  // line of each top-level element, for messages (the usual file is a single line)
  const lineOf = (index: number): number => {
    if (!text.includes("\n")) return 1;
    let depth = 0;
    let line = 1;
    let seen = -1;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === "\n") line++;
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === "[" || c === "{") {
        depth++;
        if (depth === 2 && ++seen === index) return line;
      } else if (c === "]" || c === "}") depth--;
    }
    return line;
  };
  const pairs: PolynomialPair[] = [];
  for (let i = 0; i < value.length; i++) {
    if (options.limit !== undefined && pairs.length >= options.limit) break;
    const item: unknown = value[i];
    const where = `pair ${i}: `;
    if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== "string" || typeof item[1] !== "string") {
      throw new PolynomialDataError(file, lineOf(i), `${where}expected ["factored", "expanded"], found ${JSON.stringify(item)?.slice(0, 80)}`);
    }
    pairs.push(checkPair(item[0].trim(), item[1].trim(), file, lineOf(i), options.verify ?? false, where));
  }
  return pairs;
}

function readText(file: string): string {
  const bytes = fs.readFileSync(file);
  return (isGzipFile(file) ? zlib.gunzipSync(bytes) : bytes).toString("utf8");
}

/**
 * Load pairs from a `factored=expanded` text file (plain or gzip) or a JSON pair list (`.json`,
 * or any file whose first non-blank character is `[`).
 */
export async function loadPolynomialPairs(file: string, options: PolynomialLoadOptions = {}): Promise<PolynomialPair[]> {
  if (!fs.existsSync(file)) throw new Error(`polynomial data: file not found: ${file}`);
  const text = readText(file);
  const first = text.replace(/^\uFEFF/, "").trimStart()[0];
  if (file.endsWith(".json") || file.endsWith(".json.gz") || first === "[") return parsePolynomialJson(text, file, options);
  if (options.limit === undefined) return parsePolynomialText(text, file, options);
  // stream when only a slice is wanted
  const pairs: PolynomialPair[] = [];
  for await (const { line, lineNo } of readNumberedLines(file)) {
    if (pairs.length >= options.limit) break;
    if (line.trim() === "") continue;
    pairs.push(parsePolynomialLine(line, file, lineNo, options.verify ?? false));
  }
  return pairs;
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
