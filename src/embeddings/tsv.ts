/**
 * Integer embeddings as tab-separated text. Two layouts:
 *  - dense: row i is the vector of integer i (the TensorBoard projector's tensors.tsv layout);
 *  - sparse: the first column is the integer, then its vector (for sets with gaps, e.g. BERT's).
 * Readers detect the layout; writers pick sparse when the integers are not exactly 0..n-1.
 */
import * as fs from "fs";

/** Vectors of a set of integers: `vectors[i]` embeds `integers[i]`. */
export interface IntegerEmbeddings {
  integers: number[];
  vectors: Float32Array[];
  dim: number;
  /** Integers that were asked for but have no vector (GloVe/BERT readers). */
  missing?: number[];
  /** Where the vectors came from, for tables. */
  source?: string;
}

/** Build `IntegerEmbeddings` from rows of a matrix (row i = integer `integers[i]`, default i). */
export function integerEmbeddingsFromRows(rows: ReadonlyArray<ArrayLike<number>>, integers?: number[], source?: string): IntegerEmbeddings {
  const ints = integers ?? rows.map((_, i) => i);
  if (ints.length !== rows.length) throw new Error(`${rows.length} vectors but ${ints.length} integers`);
  const dim = rows.length ? rows[0].length : 0;
  const vectors = rows.map((r, i) => {
    if (r.length !== dim) throw new Error(`vector ${i} has ${r.length} values, expected ${dim}`);
    return Float32Array.from(r);
  });
  return { integers: ints.slice(), vectors, dim, source };
}

/** Keep only the integers in `[0, count)` (order preserved). */
export function firstIntegerEmbeddings(emb: IntegerEmbeddings, count: number): IntegerEmbeddings {
  const keep = emb.integers.map((n, i) => [n, i] as const).filter(([n]) => n >= 0 && n < count);
  return { ...emb, integers: keep.map(([n]) => n), vectors: keep.map(([, i]) => emb.vectors[i]) };
}

function isDenseRange(integers: number[]): boolean {
  return integers.every((n, i) => n === i);
}

function formatNumber(v: number): string {
  // shortest round-trip text of the float32 value
  return String(Math.fround(v));
}

/** TSV text of the embeddings; `integerColumn` defaults to true unless integers are 0..n-1. */
export function formatEmbeddingsTsv(emb: IntegerEmbeddings, options: { integerColumn?: boolean } = {}): string {
  const withInts = options.integerColumn ?? !isDenseRange(emb.integers);
  const lines = emb.vectors.map((v, i) => {
    const values = Array.from(v, formatNumber).join("\t");
    return withInts ? `${emb.integers[i]}\t${values}` : values;
  });
  return lines.join("\n") + (lines.length ? "\n" : "");
}

/** Write embeddings as TSV (see `formatEmbeddingsTsv`). */
export function writeEmbeddingsTsv(file: string, emb: IntegerEmbeddings, options: { integerColumn?: boolean } = {}): void {
  fs.writeFileSync(file, formatEmbeddingsTsv(emb, options));
}

export interface ParseTsvOptions {
  /** Name used in error messages. */
  file?: string;
  /**
   * Whether the first column is the integer. Default "auto": yes when every row's first field is
   * a plain non-negative integer (no sign, point or exponent) and the values are distinct, else no.
   */
  integerColumn?: boolean | "auto";
}

/** Parse TSV embeddings (blank lines and `#` comments skipped; also accepts spaces). */
export function parseEmbeddingsTsv(text: string, options: ParseTsvOptions = {}): IntegerEmbeddings {
  const file = options.file ?? "<tsv>";
  const rows: { line: number; fields: string[] }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i === 0 ? raw.replace(/^\uFEFF/, "") : raw;
    if (!line.trim() || line.startsWith("#")) return;
    rows.push({ line: i + 1, fields: line.trim().split(/\t| +/) });
  });
  if (!rows.length) throw new Error(`${file}: no embedding rows`);
  const width = rows[0].fields.length;
  for (const r of rows) {
    if (r.fields.length !== width) throw new Error(`${file}:${r.line}: ${r.fields.length} fields, the first row has ${width}`);
  }
  let withInts: boolean;
  if (options.integerColumn === undefined || options.integerColumn === "auto") {
    const firsts = rows.map((r) => r.fields[0]);
    withInts = width > 1 && firsts.every((f) => /^\d+$/.test(f)) && new Set(firsts).size === firsts.length;
  } else {
    withInts = options.integerColumn;
  }
  const integers: number[] = [];
  const vectors: Float32Array[] = [];
  rows.forEach((r, i) => {
    const start = withInts ? 1 : 0;
    const v = new Float32Array(width - start);
    for (let j = start; j < width; j++) {
      const x = Number(r.fields[j]);
      if (r.fields[j] === "" || !Number.isFinite(x)) throw new Error(`${file}:${r.line}: field ${j + 1} "${r.fields[j]}" is not a finite number`);
      v[j - start] = x;
    }
    if (withInts) {
      const n = Number(r.fields[0]);
      if (!Number.isSafeInteger(n)) throw new Error(`${file}:${r.line}: "${r.fields[0]}" is not an integer`);
      integers.push(n);
    } else {
      integers.push(i);
    }
    vectors.push(v);
  });
  return { integers, vectors, dim: width - (withInts ? 1 : 0), source: options.file };
}

/** Read a TSV embeddings file (see `parseEmbeddingsTsv`). */
export function readEmbeddingsTsv(file: string, options: Omit<ParseTsvOptions, "file"> = {}): IntegerEmbeddings {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read embeddings ${file}: ${(err as Error).message}`);
  }
  return parseEmbeddingsTsv(text, { ...options, file });
}
