/**
 * How a tfjs Tensor looks in a notebook: shape and dtype always; the values as a table for
 * scalars, vectors and matrices; a summary (min, max, mean, std and the first values) for
 * tensors of rank 3 and more. Tensors are recognized by shape, not by class, so this module
 * does not load tfjs.
 */
import { DISPLAY_SYMBOL, Displayable, MimeBundle } from "./bridge";
import { escapeHtml } from "./html";
import { TableData, formatCell, tableHtml, tableText } from "./table";

/** What this module needs from a tfjs Tensor. */
export interface TensorLike {
  shape: number[];
  dtype: string;
  rank: number;
  size: number;
  isDisposed?: boolean;
  dataSync(): ArrayLike<number | string | boolean | Uint8Array>;
}

export function isTensorLike(value: unknown): value is TensorLike {
  const v = value as TensorLike;
  return (
    v !== null &&
    typeof v === "object" &&
    Array.isArray(v.shape) &&
    typeof v.dtype === "string" &&
    typeof v.rank === "number" &&
    typeof v.size === "number" &&
    typeof v.dataSync === "function"
  );
}

export interface TensorDisplayOptions {
  /** Rows shown before "… n more rows". Default 30. */
  maxRows?: number;
  /** Columns of a matrix shown before the middle ones are elided. Default 20. */
  maxColumns?: number;
  /** Values listed in the summary of a rank ≥ 3 tensor. Default 10. */
  previewValues?: number;
  /** Digits after the decimal point. Default 4. */
  digits?: number;
}

export interface TensorStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  /** Count of NaN values (excluded from the other figures). */
  nan: number;
}

/** min, max, mean and population std of the finite-or-infinite, non-NaN values. */
export function tensorStats(values: ArrayLike<number>): TensorStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  let nan = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (Number.isNaN(x)) {
      nan++;
      continue;
    }
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    n++;
  }
  const mean = n ? sum / n : NaN;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isNaN(x)) squares += (x - mean) * (x - mean);
  }
  return { min: n ? min : NaN, max: n ? max : NaN, mean, std: n ? Math.sqrt(squares / n) : NaN, nan };
}

function describe(t: TensorLike): string {
  return `Tensor shape [${t.shape.join(", ")}] dtype ${t.dtype}`;
}

function cellValue(v: number | string | boolean | Uint8Array, dtype: string): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  if (dtype === "bool") return Boolean(v);
  return v;
}

/** Row numbers a table of `n` rows shows (head and tail halves past `maxRows`, as table.ts does). */
function shownRows(n: number, maxRows: number): number[] {
  if (n <= maxRows) return Array.from({ length: n }, (_, i) => i);
  const head = Math.ceil(maxRows / 2);
  const tail = Math.floor(maxRows / 2);
  return [...Array.from({ length: head }, (_, i) => i), ...Array.from({ length: tail }, (_, i) => n - tail + i)];
}

/**
 * A table of `rows` × `cols` values read through `at(row, col)`. Only the rows and columns on
 * screen are read: the row arrays are sparse (`length` still counts every row for "… n more rows").
 */
function lazyTable(rows: number, cols: number, at: (r: number, c: number) => unknown, maxRows: number, maxColumns: number, names?: string[]): TableData {
  const shownCols: Array<number | null> = [];
  if (cols <= maxColumns) {
    for (let c = 0; c < cols; c++) shownCols.push(c);
  } else {
    const left = Math.ceil(maxColumns / 2);
    const right = Math.floor(maxColumns / 2);
    for (let c = 0; c < left; c++) shownCols.push(c);
    shownCols.push(null);
    for (let c = cols - right; c < cols; c++) shownCols.push(c);
  }
  const columns = shownCols.map((c) => (c === null ? `… ${cols - maxColumns} more` : (names?.[c] ?? String(c))));
  const index: number[] = new Array(rows);
  const data: unknown[][] = new Array(rows);
  for (const r of shownRows(rows, maxRows)) {
    index[r] = r;
    data[r] = shownCols.map((c) => (c === null ? "…" : at(r, c)));
  }
  return { columns, rows: data, index };
}

/** The mime bundle (text/html and text/plain) for a tensor. */
export function tensorBundle(t: TensorLike, options: TensorDisplayOptions = {}): MimeBundle {
  const maxRows = options.maxRows ?? 30;
  const maxColumns = options.maxColumns ?? 20;
  const previewValues = options.previewValues ?? 10;
  const digits = options.digits ?? 4;
  const title = describe(t);
  if (t.isDisposed) {
    const text = `${title} (disposed)`;
    return { "text/plain": text, "text/html": `<p><b>${escapeHtml(text)}</b></p>` };
  }
  const numeric = t.dtype !== "string" && t.dtype !== "complex64";
  const raw = t.dataSync();
  const value = (i: number) => cellValue(raw[i], t.dtype);
  const caption = `<p style="font-family:monospace">${escapeHtml(title)}</p>`;

  if (t.rank === 0 && t.dtype !== "complex64") {
    const text = `${title}: ${formatCell(value(0), digits)}`;
    return { "text/plain": text, "text/html": `<p style="font-family:monospace">${escapeHtml(text)}</p>` };
  }
  if ((t.rank === 1 || t.rank === 2) && t.dtype !== "complex64") {
    const table =
      t.rank === 1
        ? lazyTable(t.shape[0], 1, (r) => value(r), maxRows, maxColumns, ["value"])
        : lazyTable(t.shape[0], t.shape[1], (r, c) => value(r * t.shape[1] + c), maxRows, maxColumns);
    const tableOptions = { maxRows, digits };
    return {
      "text/html": caption + tableHtml(table, tableOptions),
      "text/plain": `${title}\n${tableText(table, tableOptions)}`,
    };
  }

  const lines: Array<[string, string]> = [["size", String(t.size)]];
  if (numeric && t.size > 0) {
    const stats = tensorStats(raw as ArrayLike<number>);
    lines.push(
      ["min", formatCell(stats.min, digits)],
      ["max", formatCell(stats.max, digits)],
      ["mean", formatCell(stats.mean, digits)],
      ["std", formatCell(stats.std, digits)],
    );
    if (stats.nan) lines.push(["NaN values", String(stats.nan)]);
  }
  if (t.dtype !== "complex64") {
    const preview = Array.from({ length: Math.min(previewValues, raw.length) }, (_, i) => formatCell(value(i), digits));
    lines.push(["first values", `[${preview.join(", ")}${raw.length > previewValues ? `, … ${raw.length - previewValues} more` : ""}]`]);
  }
  return {
    "text/html":
      caption +
      `<table class="numlab-table"><tbody>${lines
        .map(([k, v]) => `<tr><th style="text-align:left">${escapeHtml(k)}</th><td style="text-align:left">${escapeHtml(v)}</td></tr>`)
        .join("")}</tbody></table>`,
    "text/plain": [title, ...lines.map(([k, v]) => `  ${k}: ${v}`)].join("\n"),
  };
}

/** A displayable view of a tensor (the last value of a cell shows it; `display` shows it now). */
export function tensorView(t: TensorLike, options: TensorDisplayOptions = {}): Displayable {
  return { [DISPLAY_SYMBOL]: () => tensorBundle(t, options) };
}
