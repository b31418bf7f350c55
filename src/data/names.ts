/**
 * The makemore names list (`names.txt`: 32,033 lowercase first names, one a line, from
 * karpathy/makemore). `loadNames` finds it (explicit path, `NUMLAB_DATA_DIR`, cache, download)
 * and `parseNames` checks it: empty lines are skipped, anything other than a–z is an error naming
 * the file and line.
 */
import { DataSource, checkDataFile, locateDataFile, readNumberedLines } from "./download";
import { namesFixtureText } from "./smoke-fixtures";

/** Where `names.txt` comes from. */
export const NAMES_SOURCE: DataSource = {
  name: "makemore names",
  url: "https://raw.githubusercontent.com/karpathy/makemore/master/names.txt",
  fileNames: ["names.txt", "makemore/names.txt"],
  sha256: "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d",
  minBytes: 200_000,
  smokeFixture: () => namesFixtureText(),
};

/** A bad line in a names file. */
export class NamesFormatError extends Error {
  constructor(
    readonly file: string,
    readonly lineNo: number,
    message: string,
  ) {
    super(`${file}:${lineNo}: ${message}`);
    this.name = "NamesFormatError";
  }
}

/** The name for a message: whole when short, else 40 characters around index `at` with "…" marks and its length. */
function quoted(name: string, at: number): string {
  if (name.length <= 60) return `"${name}"`;
  const start = Math.max(0, Math.min(at - 20, name.length - 40));
  return `"${start > 0 ? "…" : ""}${name.slice(start, start + 40)}${start + 40 < name.length ? "…" : ""}" (${name.length} characters)`;
}

/**
 * Check one line: null for an empty (or whitespace-only) line, the name otherwise. Surrounding
 * whitespace is ignored; any other character outside a–z throws a `NamesFormatError` giving its
 * column (a long line is quoted around it).
 */
export function parseNameLine(line: string, file: string, lineNo: number): string | null {
  const name = line.trim();
  if (name === "") return null;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 97 || c > 122) {
      const ch = String.fromCodePoint(name.codePointAt(i)!);
      throw new NamesFormatError(
        file,
        lineNo,
        `character ${JSON.stringify(ch)} at column ${line.indexOf(name) + i + 1} of ${quoted(name, i)} is not a lowercase letter a–z`,
      );
    }
  }
  return name;
}

/** Names from the text of a names file (`file` is only used in error messages). */
export function parseNames(text: string, file = "<text>"): string[] {
  const names: string[] = [];
  text.split("\n").forEach((raw, i) => {
    const name = parseNameLine(raw.endsWith("\r") ? raw.slice(0, -1) : raw, file, i + 1);
    if (name !== null) names.push(name);
  });
  return names;
}

/** Names of a plain or gzip names file, in file order. */
export async function readNamesFile(file: string): Promise<string[]> {
  checkDataFile(file, "makemore names");
  const names: string[] = [];
  for await (const { line, lineNo } of readNumberedLines(file)) {
    const name = parseNameLine(line, file, lineNo);
    if (name !== null) names.push(name);
  }
  return names;
}

export interface LoadNamesOptions {
  /** Read exactly this file. */
  path?: string;
  /** A data folder searched before `NUMLAB_DATA_DIR`. */
  dataDir?: string;
  /** Allow downloading into the cache when no local copy exists (default true). */
  download?: boolean;
  quiet?: boolean;
}

/** Locate `names.txt` (path > data folder > `NUMLAB_DATA_DIR` > cache > download) and read it. */
export async function loadNames(options: LoadNamesOptions = {}): Promise<string[]> {
  const file = await locateDataFile(NAMES_SOURCE, options);
  return readNamesFile(file);
}
