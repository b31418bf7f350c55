/**
 * Tables for people: rows of records or a danfo DataFrame/Series rendered as an HTML table
 * (index, columns, dtypes, "… n more rows" past a limit) and as aligned plain text.
 * danfojs-node is an optional peer of numlab: a DataFrame/Series is recognized by its shape
 * (`columns`, `values`, `index`, `dtypes`), so this module never loads danfo itself.
 */
import { DISPLAY_SYMBOL, Displayable, MimeBundle, display } from "./bridge";
import { escapeHtml } from "./html";

export type Row = Record<string, unknown>;

export interface TableData {
  columns: string[];
  rows: unknown[][];
  index?: unknown[];
  dtypes?: string[];
  caption?: string;
}

export interface TableOptions {
  /** Rows shown before "… n more rows" (head and tail halves). Default 30. */
  maxRows?: number;
  caption?: string;
  /** Digits after the decimal point for non-integer numbers (a column with one shows all its numbers so). Default 4. */
  digits?: number;
}

interface DanfoLike {
  columns: string[];
  values: unknown[][] | unknown[];
  index: unknown[];
  dtypes: string[] | string;
  $isSeries?: boolean;
}

function isDanfo(value: unknown): value is DanfoLike {
  const v = value as DanfoLike;
  return v != null && typeof v === "object" && Array.isArray(v.index) && "values" in v && "dtypes" in v && "columns" in v;
}

/** Normalize rows, a DataFrame or a Series into `TableData`. */
export function toTableData(source: Row[] | unknown, caption?: string): TableData {
  if (Array.isArray(source)) {
    const columns: string[] = [];
    for (const row of source) {
      if (row === null || typeof row !== "object" || Array.isArray(row)) {
        throw new Error("table: rows must be plain objects (records)");
      }
      for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
    }
    return { columns, rows: source.map((r) => columns.map((c) => (r as Row)[c])), caption };
  }
  if (isDanfo(source)) {
    if (source.$isSeries) {
      const name = Array.isArray(source.columns) && source.columns.length ? String(source.columns[0]) : "value";
      const dtypes = Array.isArray(source.dtypes) ? source.dtypes : [String(source.dtypes)];
      return { columns: [name], rows: (source.values as unknown[]).map((v) => [v]), index: source.index, dtypes, caption };
    }
    return {
      columns: source.columns.map(String),
      rows: source.values as unknown[][],
      index: source.index,
      dtypes: Array.isArray(source.dtypes) ? source.dtypes : undefined,
      caption,
    };
  }
  throw new Error("table: expected an array of records or a danfo DataFrame/Series");
}

export function formatCell(value: unknown, digits = 4): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    const abs = Math.abs(value);
    if (abs !== 0 && (abs < 1e-3 || abs >= 1e7)) return value.toExponential(digits - 1);
    return value.toFixed(digits);
  }
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * How a column shows its numbers, alike for every row: as integers when all are integers; else
 * with `digits` decimals (`1.0000` beside `0.5000`, not `1`), or in exponent form when that would
 * hide values (any |x| ≥ 1e7, or a nonzero |x| that rounds to 0).
 */
export function columnFormatter(values: readonly unknown[], digits = 4): (value: unknown) => string {
  const numbers = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  if (numbers.every((v) => Number.isInteger(v))) return (v) => formatCell(v, digits);
  const exponent = numbers.some((v) => Math.abs(v) >= 1e7 || (v !== 0 && Math.abs(v) < 0.5 * 10 ** -digits));
  return (v) => {
    if (typeof v !== "number" || !Number.isFinite(v)) return formatCell(v, digits);
    return exponent ? v.toExponential(digits - 1) : v.toFixed(digits);
  };
}

/** One formatter per column of `t` (see `columnFormatter`). */
function columnFormatters(t: TableData, digits: number): ((value: unknown) => string)[] {
  return t.columns.map((_, c) =>
    columnFormatter(
      t.rows.map((r) => r[c]),
      digits,
    ),
  );
}

function visibleRows(n: number, maxRows: number): { head: number; tail: number; hidden: number } {
  if (n <= maxRows) return { head: n, tail: 0, hidden: 0 };
  const head = Math.ceil(maxRows / 2);
  const tail = Math.floor(maxRows / 2);
  return { head, tail, hidden: n - head - tail };
}

export function tableHtml(t: TableData, options: TableOptions = {}): string {
  const maxRows = options.maxRows ?? 30;
  const digits = options.digits ?? 4;
  const { head, tail, hidden } = visibleRows(t.rows.length, maxRows);
  const hasIndex = Boolean(t.index);
  const th = (s: string) => `<th>${escapeHtml(s)}</th>`;
  const formats = columnFormatters(t, digits);
  const cell = (v: unknown, c: number) =>
    `<td${typeof v === "number" || typeof v === "bigint" ? ' style="text-align:right"' : ""}>${escapeHtml(formats[c](v))}</td>`;
  const row = (i: number) => `<tr>${hasIndex ? `<th>${escapeHtml(formatCell(t.index![i]))}</th>` : ""}${t.rows[i].map(cell).join("")}</tr>`;
  const parts: string[] = [];
  for (let i = 0; i < head; i++) parts.push(row(i));
  const width = t.columns.length + (hasIndex ? 1 : 0);
  if (hidden > 0) parts.push(`<tr><td colspan="${width}" style="text-align:center">… ${hidden} more rows</td></tr>`);
  for (let i = t.rows.length - tail; i < t.rows.length && tail > 0; i++) parts.push(row(i));
  const dtypeRow = t.dtypes
    ? `<tr class="dtypes">${hasIndex ? "<th></th>" : ""}${t.dtypes.map((d) => `<th style="font-weight:normal;font-style:italic">${escapeHtml(d)}</th>`).join("")}</tr>`
    : "";
  const caption = options.caption ?? t.caption;
  return (
    `<table class="numlab-table dataframe" border="1">` +
    (caption ? `<caption>${escapeHtml(caption)}</caption>` : "") +
    `<thead><tr>${hasIndex ? "<th></th>" : ""}${t.columns.map(th).join("")}</tr>${dtypeRow}</thead>` +
    `<tbody>${parts.join("")}</tbody></table>` +
    `<p style="font-size:smaller">${t.rows.length} rows × ${t.columns.length} columns</p>`
  );
}

export function tableText(t: TableData, options: TableOptions = {}): string {
  const maxRows = options.maxRows ?? 30;
  const digits = options.digits ?? 4;
  const { head, tail, hidden } = visibleRows(t.rows.length, maxRows);
  const hasIndex = Boolean(t.index);
  const idx: number[] = [];
  for (let i = 0; i < head; i++) idx.push(i);
  for (let i = t.rows.length - tail; i < t.rows.length && tail > 0; i++) idx.push(i);
  const header = [...(hasIndex ? [""] : []), ...t.columns];
  const formats = columnFormatters(t, digits);
  const body = idx.map((i) => [...(hasIndex ? [formatCell(t.index![i])] : []), ...t.rows[i].map((v, c) => formats[c](v))]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((s, c) => s.padStart(widths[c])).join("  ");
  const lines = [line(header)];
  body.forEach((r, k) => {
    if (hidden > 0 && k === head) lines.push(`… ${hidden} more rows`);
    lines.push(line(r));
  });
  return lines.join("\n");
}

export function tableBundle(source: Row[] | unknown, options: TableOptions = {}): MimeBundle {
  const t = toTableData(source, options.caption);
  return { "text/html": tableHtml(t, options), "text/plain": tableText(t, options) };
}

/** A displayable table: the last value of a cell, or pass it to `show`. */
export function table(source: Row[] | unknown, options: TableOptions = {}): Displayable & { data: TableData } {
  const data = toTableData(source, options.caption);
  return { data, [DISPLAY_SYMBOL]: () => tableBundle(source, options) };
}

/** Display a table now (HTML in a notebook, aligned text elsewhere). */
export function showTable(source: Row[] | unknown, options: TableOptions = {}): void {
  display(table(source, options));
}
