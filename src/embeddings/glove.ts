/**
 * GloVe vectors of the integers: the GloVe text format is one token per line followed by its
 * floats, space separated (`the 0.418 0.24968 ...`). Only the tokens "0".."K-1" (canonical
 * decimal, no leading zeros) are parsed; the rest of the (large) file is skipped cheaply.
 * Download: https://nlp.stanford.edu/projects/glove/ (glove.6B.zip holds glove.6B.300d.txt).
 */
import { readNumberedLines } from "../data/download";
import type { IntegerEmbeddings } from "./tsv";

export interface GloveOptions {
  /** Keep integers 0..count-1. Default 500. */
  count?: number;
}

/** Parse the integer tokens of a GloVe text file (plain or .gz); `missing` lists absent integers. */
export async function readGloveIntegers(file: string, options: GloveOptions = {}): Promise<IntegerEmbeddings> {
  const count = options.count ?? 500;
  const found = new Map<number, Float32Array>();
  let dim = -1;
  for await (const { line, lineNo } of readNumberedLines(file)) {
    const space = line.indexOf(" ");
    if (space <= 0) {
      if (line.trim() === "") continue;
      throw new Error(`${file}:${lineNo}: expected "token value value ...", got "${line.slice(0, 40)}"`);
    }
    const token = line.slice(0, space);
    if (!/^(0|[1-9]\d{0,8})$/.test(token)) continue;
    const n = Number(token);
    if (n >= count || found.has(n)) continue;
    const fields = line
      .slice(space + 1)
      .trim()
      .split(/ +/);
    if (dim < 0) dim = fields.length;
    if (fields.length !== dim) throw new Error(`${file}:${lineNo}: token "${token}" has ${fields.length} values, earlier tokens have ${dim}`);
    const v = new Float32Array(dim);
    for (let j = 0; j < dim; j++) {
      const x = Number(fields[j]);
      if (fields[j] === "" || !Number.isFinite(x)) throw new Error(`${file}:${lineNo}: value ${j + 1} of token "${token}" ("${fields[j]}") is not a number`);
      v[j] = x;
    }
    found.set(n, v);
  }
  const integers: number[] = [];
  const vectors: Float32Array[] = [];
  const missing: number[] = [];
  for (let n = 0; n < count; n++) {
    const v = found.get(n);
    if (v) {
      integers.push(n);
      vectors.push(v);
    } else {
      missing.push(n);
    }
  }
  if (!integers.length) throw new Error(`${file}: none of the integers 0..${count - 1} is a token`);
  return { integers, vectors, dim, missing, source: file };
}
