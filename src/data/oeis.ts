/**
 * OEIS sequences in the official "stripped" format, one sequence a line:
 *
 *     # comment lines start with '#'
 *     A000045 ,0,1,1,2,3,5,8,13,
 *
 * The parser streams bytes (plain or gzip files) and stores every term in one flat
 * `Float64Array` with per-sequence offsets (8 bytes a term, no object per sequence or term). A line
 * that spans many chunks is joined once, at its end, so even a single line of hundreds of megabytes
 * is read in linear time.
 * Terms that are not safe integers (|t| ≥ 2^53) are stored as NaN in `values` and kept exactly,
 * as canonical decimal strings, in `hugeTerms` (flat index → string); statistics use the exact
 * strings, datasets treat NaN as out of range.
 *
 * Malformed lines: in lenient mode (the default) they are skipped and counted, with line numbers,
 * in `summary.malformed`; in strict mode the first one throws an `OeisParseError` naming
 * `file:line`.
 */
import { oeisFixtureText } from "./smoke-fixtures";
import { DataSource, checkDataFile, dataDirs, findLocalDataFile, isGzipFile, locateDataFile, openDataStream } from "./download";
import { progress } from "../display/progress";
import * as fs from "fs";
import * as path from "path";

/** The official OEIS dump (about 370k sequences, ~25 MB compressed). */
export const OEIS_STRIPPED: DataSource = {
  name: "OEIS stripped",
  url: "https://oeis.org/stripped.gz",
  fileNames: ["oeis/stripped.gz", "stripped.gz", "oeis/stripped", "stripped"],
  gzip: true,
  minBytes: 1_000_000,
  smokeFixture: () => oeisFixtureText(),
};

/** The real OEIS subset (34,119 sequences) looked up in `NUMLAB_DATA_DIR` (it is not downloadable). */
export const OEIS_SUBSET_FILE = "oeis/stripped_subset_merged.txt";

/** Maximum number of malformed-line examples kept in a summary. */
const MAX_MALFORMED_EXAMPLES = 20;

export interface MalformedLine {
  lineNo: number;
  reason: string;
  /** The start of the offending line (at most 80 characters). */
  text: string;
}

export interface OeisParseSummary {
  file: string;
  /** Lines read (including comments and blank lines). */
  lines: number;
  sequences: number;
  comments: number;
  blank: number;
  /** Number of malformed lines skipped (lenient mode). */
  malformedCount: number;
  /** The first malformed lines (up to 20), with line numbers. */
  malformed: MalformedLine[];
  /** Sequences whose A-number appeared on an earlier line (they are kept). */
  duplicateIds: number;
  /** True when reading stopped early because of `maxSequences`. */
  truncated: boolean;
}

export class OeisParseError extends Error {
  constructor(
    readonly file: string,
    readonly lineNo: number,
    readonly reason: string,
  ) {
    super(`${file}:${lineNo}: ${reason}`);
    this.name = "OeisParseError";
  }
}

/** A term: a number when it is a safe integer, else a bigint. */
export type OeisTerm = number | bigint;

export interface OeisSequence {
  /** "A000045" */
  id: string;
  terms: OeisTerm[];
}

/** Format an A-number: 45 → "A000045". */
export function formatANumber(n: number): string {
  return "A" + String(n).padStart(6, "0");
}

/**
 * Parsed sequences, stored flat. Sequence `i` has terms `values[offsets[i] .. offsets[i+1])`;
 * `hugeTerms` holds the exact decimal text of every term stored as NaN.
 */
export class OeisCollection {
  constructor(
    /** A-number of each sequence (45 for A000045). */
    readonly ids: Int32Array,
    /** n + 1 offsets into `values`. */
    readonly offsets: Int32Array,
    /** Every term; NaN where the term is not a safe integer. */
    readonly values: Float64Array,
    /** Flat index → canonical decimal text, for terms with |t| ≥ 2^53. */
    readonly hugeTerms: Map<number, string>,
    readonly summary: OeisParseSummary,
  ) {}

  /** Number of sequences. */
  get length(): number {
    return this.ids.length;
  }

  /** Total number of terms. */
  get totalTerms(): number {
    return this.offsets[this.ids.length];
  }

  lengthOf(i: number): number {
    return this.offsets[i + 1] - this.offsets[i];
  }

  /** The A-number text of sequence `i`. */
  id(i: number): string {
    return formatANumber(this.ids[i]);
  }

  /** Terms of sequence `i` as a view (NaN for huge terms). */
  termsView(i: number): Float64Array {
    return this.values.subarray(this.offsets[i], this.offsets[i + 1]);
  }

  /** Exact terms of sequence `i`: numbers, and bigints for huge terms. */
  terms(i: number): OeisTerm[] {
    const out: OeisTerm[] = [];
    for (let k = this.offsets[i]; k < this.offsets[i + 1]; k++) {
      const v = this.values[k];
      out.push(v === v ? v : BigInt(this.hugeTerms.get(k)!));
    }
    return out;
  }

  sequence(i: number): OeisSequence {
    return { id: this.id(i), terms: this.terms(i) };
  }

  /** Index of a sequence by A-number ("A000045" or 45), or -1. */
  indexOf(id: string | number): number {
    const n = typeof id === "number" ? id : Number(id.replace(/^A/i, ""));
    for (let i = 0; i < this.ids.length; i++) if (this.ids[i] === n) return i;
    return -1;
  }

  *[Symbol.iterator](): IterableIterator<Float64Array> {
    for (let i = 0; i < this.ids.length; i++) yield this.termsView(i);
  }

  /** The first `n` sequences as a new collection (copies). */
  head(n: number): OeisCollection {
    const m = Math.max(0, Math.min(n, this.length));
    const end = this.offsets[m];
    const huge = new Map<number, string>();
    for (const [k, s] of this.hugeTerms) if (k < end) huge.set(k, s);
    return new OeisCollection(this.ids.slice(0, m), this.offsets.slice(0, m + 1), this.values.slice(0, end), huge, {
      ...this.summary,
      sequences: m,
      truncated: this.summary.truncated || m < this.length,
    });
  }
}

export interface OeisParseOptions {
  /** Throw on the first malformed line instead of skipping it. Default false. */
  strict?: boolean;
  /** Stop after this many sequences. */
  maxSequences?: number;
  /** Show a progress bar (bytes read). Default false. */
  progress?: boolean;
  /** Name used in messages (default: the file path). */
  fileLabel?: string;
}

const C_A = 65; // 'A'
const C_a = 97; // 'a'
const C_HASH = 35; // '#'
const C_COMMA = 44;
const C_MINUS = 45;
const C_PLUS = 43;
const C_ZERO = 48;
const C_NINE = 57;
const C_SPACE = 32;
const C_TAB = 9;
const C_CR = 13;
const C_NL = 10;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Growable flat storage shared by the byte parser. */
class Builder {
  ids = new Int32Array(1 << 12);
  offsets = new Int32Array(1 << 12);
  values = new Float64Array(1 << 16);
  n = 0;
  total = 0;
  huge = new Map<number, string>();
  /** True while every A-number so far was larger than the one before (no duplicates possible). */
  increasing = true;
  lastId = -1;

  /** `expectedBytes`: decompressed input size if known, to size the term storage once. */
  constructor(expectedBytes = 0) {
    this.offsets[0] = 0;
    if (expectedBytes > 0) {
      // Upper bounds (a term takes ≥ 2 bytes with its comma, a line ≥ 10 bytes in practice), so the
      // arrays never grow and are never copied. Pages that are never written are never touched, so
      // the over-allocation costs address space, not resident memory.
      this.values = new Float64Array(Math.max(1 << 16, Math.ceil(expectedBytes / 2) + 16));
      const lines = Math.max(1 << 12, Math.ceil(expectedBytes / 10) + 16);
      this.ids = new Int32Array(lines);
      this.offsets = new Int32Array(lines);
    }
  }

  ensureValues(extra: number): void {
    if (this.total + extra <= this.values.length) return;
    let cap = this.values.length * 2;
    while (cap < this.total + extra) cap *= 2;
    const next = new Float64Array(cap);
    next.set(this.values.subarray(0, this.total));
    this.values = next;
  }

  commit(id: number, count: number): void {
    if (this.n + 2 > this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const offsets = new Int32Array(this.offsets.length * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
    }
    if (id <= this.lastId) this.increasing = false;
    this.lastId = id;
    this.ids[this.n] = id;
    this.total += count;
    this.n++;
    this.offsets[this.n] = this.total;
  }

  /** Lines whose A-number appeared on an earlier line (0 without sorting when ids only increase). */
  countDuplicateIds(): number {
    if (this.increasing) return 0;
    const sorted = this.ids.slice(0, this.n).sort();
    let duplicates = 0;
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) duplicates++;
    return duplicates;
  }

  build(summary: OeisParseSummary): OeisCollection {
    // views, not copies: copying would touch (and fault in) a second buffer of the same size
    return new OeisCollection(
      this.ids.subarray(0, this.n),
      this.offsets.subarray(0, this.n + 1),
      this.values.subarray(0, this.total),
      this.huge,
      summary,
    );
  }
}

function lineText(buf: Buffer, start: number, end: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, Math.min(end - start, 80)).toString("utf8");
}

/**
 * Parse one line `buf[start, end)` (no newline). Returns null on success (sequence committed,
 * comment or blank), else the reason it is malformed. `kind` receives what the line was.
 */
function parseLine(buf: Buffer, start: number, end: number, b: Builder, kind: { v: number }): string | null {
  // strip a UTF-8 BOM, trailing CR and surrounding blanks
  if (end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
  while (end > start && (buf[end - 1] === C_CR || buf[end - 1] === C_SPACE || buf[end - 1] === C_TAB)) end--;
  while (start < end && (buf[start] === C_SPACE || buf[start] === C_TAB)) start++;
  if (start === end) {
    kind.v = 2;
    return null;
  }
  if (buf[start] === C_HASH) {
    kind.v = 1;
    return null;
  }
  kind.v = 0;
  let p = start;
  if (buf[p] !== C_A && buf[p] !== C_a) return "expected an A-number at the start of the line";
  p++;
  let id = 0;
  const idStart = p;
  while (p < end && buf[p] >= C_ZERO && buf[p] <= C_NINE) {
    id = id * 10 + (buf[p] - C_ZERO);
    p++;
  }
  if (p === idStart) return "A-number has no digits";
  if (p - idStart > 9) return "A-number is too long";
  while (p < end && (buf[p] === C_SPACE || buf[p] === C_TAB)) p++;
  if (p >= end || buf[p] !== C_COMMA) return "expected ',' after the A-number";
  p++;
  // terms: t,t,t[,]  — each term is [-+]?digits
  b.ensureValues(end - p); // a term takes at least 2 bytes, so this is an upper bound
  const base = b.total;
  let count = 0;
  while (p < end) {
    let neg = false;
    if (buf[p] === C_MINUS) {
      neg = true;
      p++;
    } else if (buf[p] === C_PLUS) {
      p++;
    }
    const digitsStart = p;
    let v = 0;
    while (p < end) {
      const d = buf[p] - C_ZERO;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      p++;
    }
    if (p === digitsStart || (p < end && buf[p] !== C_COMMA)) {
      for (let k = base; k < base + count; k++) b.huge.delete(k); // forget this line's huge terms
      if (p === digitsStart && p < end && buf[p] === C_COMMA) return `empty term (term ${count + 1})`;
      return `term ${count + 1} is not an integer`;
    }
    const k = base + count;
    if (p - digitsStart <= 15) {
      // at most 15 digits: v is exact and safe
      b.values[k] = neg && v !== 0 ? -v : v;
    } else {
      // long digit runs: skip leading zeros, then exact check against 2^53 - 1
      let first = digitsStart;
      while (first < p - 1 && buf[first] === C_ZERO) first++;
      const sig = p - first;
      let exact = 0;
      if (sig <= 16) for (let q = first; q < p; q++) exact = exact * 10 + (buf[q] - C_ZERO);
      if (sig <= 16 && exact <= MAX_SAFE) {
        b.values[k] = neg && exact !== 0 ? -exact : exact;
      } else {
        b.values[k] = NaN;
        const digits = Buffer.from(buf.buffer, buf.byteOffset + first, sig).toString("latin1");
        b.huge.set(k, neg ? "-" + digits : digits);
      }
    }
    count++;
    if (p < end) p++; // the comma
  }
  b.commit(id, count);
  return null;
}

/** Parse OEIS stripped-format text held in memory (for tests and small inputs). */
export function parseOeisText(text: string | Uint8Array, options: OeisParseOptions = {}): OeisCollection {
  const buf = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  const state = new ParserState(options.fileLabel ?? "<text>", options, buf.length);
  state.feed(buf, true);
  return state.finish();
}

class ParserState {
  readonly b: Builder;
  /** The pieces of a line that continues into the next chunk (copies), joined once its end arrives. */
  private carry: Buffer[] = [];
  private kind = { v: 0 };
  lines = 0;
  comments = 0;
  blank = 0;
  malformedCount = 0;
  malformed: MalformedLine[] = [];
  stopped = false;

  constructor(
    readonly file: string,
    readonly options: OeisParseOptions,
    expectedBytes = 0,
  ) {
    this.b = new Builder(expectedBytes);
  }

  private handle(buf: Buffer, start: number, end: number): void {
    this.lines++;
    const reason = parseLine(buf, start, end, this.b, this.kind);
    if (reason !== null) {
      if (this.options.strict) throw new OeisParseError(this.file, this.lines, reason);
      this.malformedCount++;
      if (this.malformed.length < MAX_MALFORMED_EXAMPLES) {
        this.malformed.push({ lineNo: this.lines, reason, text: lineText(buf, start, end) });
      }
    } else if (this.kind.v === 1) this.comments++;
    else if (this.kind.v === 2) this.blank++;
    if (this.options.maxSequences !== undefined && this.b.n >= this.options.maxSequences) this.stopped = true;
  }

  /**
   * Feed a chunk; `last` marks the end of input. Always works on Buffers (one call target for
   * `indexOf`, so the hot loop stays optimized); a line split across chunks is joined on its own.
   */
  feed(chunk: Uint8Array, last: boolean): void {
    if (this.stopped) return;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let start = 0;
    const n = buf.length;
    if (this.carry.length > 0) {
      const nl = buf.indexOf(C_NL, 0);
      if (nl < 0) {
        // the line goes on: keep a copy of the chunk (the stream may reuse it), join nothing yet
        this.carry.push(Buffer.from(buf));
        if (last) this.finishCarry();
        return;
      }
      this.carry.push(buf.subarray(0, nl));
      const line = Buffer.concat(this.carry);
      this.carry = [];
      this.handle(line, 0, line.length);
      start = nl + 1;
      if (this.stopped) return;
    }
    start = this.scan(buf, start, n);
    if (this.stopped) return;
    if (start < n) {
      if (last) this.handle(buf, start, n);
      else this.carry.push(Buffer.from(buf.subarray(start))); // copy: the stream may reuse its chunk
    }
  }

  /**
   * Handle every complete line of `buf[start, n)`; returns where the incomplete last line starts.
   * Fast path: a line of the exact canonical form `A<digits> ,t,t,...` with terms of at most 15
   * digits is parsed in this loop in a single pass; any other line (comments, BOMs, CR, huge terms,
   * anything malformed) goes through `parseLine`, which owns the full rules. Both give the same
   * result on the lines the fast path accepts.
   */
  private scan(buf: Buffer, start: number, n: number): number {
    const b = this.b;
    const maxSequences = this.options.maxSequences;
    let pos = start;
    while (pos < n) {
      const lineStart = pos;
      fast: {
        let p = pos;
        if (buf[p] !== C_A) break fast;
        p++;
        const idStart = p;
        let id = 0;
        while (p < n) {
          const d = buf[p] - C_ZERO;
          if (d < 0 || d > 9) break;
          id = id * 10 + d;
          p++;
        }
        if (p === idStart || p - idStart > 9 || p + 1 >= n || buf[p] !== C_SPACE || buf[p + 1] !== C_COMMA) break fast;
        p += 2;
        const base = b.total;
        let values = b.values;
        let count = 0;
        for (;;) {
          if (p >= n) break fast; // the line continues in the next chunk
          let c = buf[p];
          if (c === C_NL) break;
          let neg = false;
          if (c === C_MINUS) {
            neg = true;
            p++;
          }
          const digitsStart = p;
          let v = 0;
          while (p < n) {
            const d = buf[p] - C_ZERO;
            if (d < 0 || d > 9) break;
            v = v * 10 + d;
            p++;
          }
          const digits = p - digitsStart;
          if (digits === 0 || digits > 15 || p >= n) break fast;
          c = buf[p];
          if (c !== C_COMMA && c !== C_NL) break fast;
          const k = base + count;
          if (k >= values.length) {
            b.ensureValues(count + 1);
            values = b.values;
          }
          values[k] = neg && v !== 0 ? -v : v;
          count++;
          if (c === C_NL) break;
          p++;
        }
        // buf[p] is the newline ending a well-formed line
        this.lines++;
        b.commit(id, count);
        pos = p + 1;
        if (maxSequences !== undefined && b.n >= maxSequences) {
          this.stopped = true;
          return pos;
        }
        continue;
      }
      const nl = buf.indexOf(C_NL, lineStart);
      if (nl < 0) return lineStart;
      this.handle(buf, lineStart, nl);
      pos = nl + 1;
      if (this.stopped) return pos;
    }
    return pos;
  }

  private finishCarry(): void {
    if (this.carry.length > 0) {
      const c = Buffer.concat(this.carry);
      this.carry = [];
      if (!this.stopped) this.handle(c, 0, c.length);
    }
  }

  finish(): OeisCollection {
    this.finishCarry();
    return this.b.build({
      file: this.file,
      lines: this.lines,
      sequences: this.b.n,
      comments: this.comments,
      blank: this.blank,
      malformedCount: this.malformedCount,
      malformed: this.malformed,
      duplicateIds: this.b.countDuplicateIds(),
      truncated: this.stopped,
    });
  }
}

/**
 * The decompressed size of a file: its size, or for gzip the ISIZE trailer (size mod 2^32 of the
 * last member; a hint only, used to allocate storage once).
 */
function decompressedSize(file: string): number {
  try {
    const size = fs.statSync(file).size;
    if (!isGzipFile(file) || size < 18) return size;
    const fd = fs.openSync(file, "r");
    try {
      const tail = Buffer.alloc(4);
      fs.readSync(fd, tail, 0, 4, size - 4);
      const isize = tail.readUInt32LE(0);
      return isize >= size ? isize : size * 4;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return 0;
  }
}

/** Parse a stripped-format file (plain or gzip), streaming. */
export async function parseOeisFile(file: string, options: OeisParseOptions = {}): Promise<OeisCollection> {
  checkDataFile(file, "OEIS");
  const state = new ParserState(options.fileLabel ?? file, options, options.maxSequences === undefined ? decompressedSize(file) : 0);
  const gzip = isGzipFile(file);
  const bar = options.progress
    ? progress({ label: "parsing OEIS", unit: "B", total: gzip ? undefined : fs.statSync(file).size })
    : null;
  let bytes = 0;
  const chunkDone = (length: number): void => {
    bytes += length;
    bar?.set(bytes, { sequences: state.b.n });
  };
  try {
    if (gzip) {
      const stream = openDataStream(file);
      try {
        for await (const chunk of stream) {
          state.feed(chunk as Buffer, false);
          chunkDone((chunk as Buffer).length);
          if (state.stopped) break;
        }
      } finally {
        stream.destroy();
      }
    } else {
      // plain text: read into one reused buffer (the parser copies what it keeps)
      const handle = await fs.promises.open(file, "r");
      try {
        const buffer = Buffer.allocUnsafe(1 << 20);
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
          if (bytesRead === 0) break;
          state.feed(buffer.subarray(0, bytesRead), false);
          chunkDone(bytesRead);
          if (state.stopped) break;
        }
      } finally {
        await handle.close();
      }
    }
  } finally {
    bar?.done({ sequences: state.b.n });
  }
  return state.finish();
}

export interface LoadOeisOptions extends OeisParseOptions {
  /** Explicit file (plain or .gz). */
  path?: string;
  /** Data folder searched before NUMLAB_DATA_DIR. */
  dataDir?: string;
  /**
   * Which data: "full" (the official dump: local copy or download), "subset" (the shared real subset
   * in NUMLAB_DATA_DIR), or "auto" (default: the full dump when it is already local, else the
   * subset, else download the full dump).
   */
  which?: "auto" | "full" | "subset";
  /** Allow downloading the full dump. Default true. */
  download?: boolean;
  quiet?: boolean;
}

/** The shared real subset inside the data folders (`dataDir`, NUMLAB_DATA_DIR), or null. */
export function findOeisSubset(dataDir?: string): string | null {
  for (const dir of dataDirs(dataDir)) {
    const candidate = path.join(dir, OEIS_SUBSET_FILE);
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

/** Resolve the OEIS file to read (see `LoadOeisOptions.which`). */
export async function locateOeisFile(options: LoadOeisOptions = {}): Promise<string> {
  const which = options.which ?? "auto";
  if (options.path !== undefined) return locateDataFile(OEIS_STRIPPED, { path: options.path });
  if (which === "subset") {
    const found = findOeisSubset(options.dataDir);
    if (!found) throw new Error(`OEIS subset: ${OEIS_SUBSET_FILE} not found; set NUMLAB_DATA_DIR to the folder that holds it`);
    return found;
  }
  if (which === "auto" && !findLocalDataFile(OEIS_STRIPPED, { dataDir: options.dataDir })) {
    const found = findOeisSubset(options.dataDir);
    if (found) return found;
  }
  return locateDataFile(OEIS_STRIPPED, { dataDir: options.dataDir, download: options.download, quiet: options.quiet });
}

/** Locate (or download) and parse OEIS sequences. */
export async function loadOeis(options: LoadOeisOptions = {}): Promise<OeisCollection> {
  const file = await locateOeisFile(options);
  return parseOeisFile(file, options);
}

/** A one-paragraph text summary of a parse, listing malformed lines with their numbers. */
export function formatParseSummary(summary: OeisParseSummary): string {
  const parts = [
    `${summary.file}: ${summary.sequences} sequences from ${summary.lines} lines` +
      ` (${summary.comments} comments, ${summary.blank} blank, ${summary.malformedCount} malformed skipped` +
      `${summary.duplicateIds ? `, ${summary.duplicateIds} repeated A-numbers` : ""}${summary.truncated ? ", stopped early" : ""})`,
  ];
  for (const m of summary.malformed) parts.push(`  line ${m.lineNo}: ${m.reason}: ${JSON.stringify(m.text)}`);
  if (summary.malformedCount > summary.malformed.length) {
    parts.push(`  … and ${summary.malformedCount - summary.malformed.length} more`);
  }
  return parts.join("\n");
}
