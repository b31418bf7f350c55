/**
 * The mime bundle a notebook shows for a cell's final value, in this order:
 * 1. any object with `[Symbol.for("Jupyter.display")]()` → that bundle (Deno's and nodejs-polars' protocol);
 * 2. a tfjs Tensor → shape, dtype and values (src/display/tensor.ts);
 * 3. a danfo DataFrame or Series → HTML table with index and dtypes (src/display/table.ts);
 * 4. a numlab figure (`{data: traces, layout}`) → the Plotly bundle `show` sends;
 * 5. a non-empty array of plain records → table;
 * 6. anything else → `util.inspect` text without colour codes.
 * `undefined` (and `null`, as tslab never reports it) shows nothing.
 */
import { inspect } from "util";
import { DISPLAY_SYMBOL, MimeBundle, isDisplayable } from "../display/bridge";
import { Figure, figureBundle } from "../display/figure";
import { tableBundle } from "../display/table";
import { isTensorLike, tensorBundle } from "../display/tensor";

/** `text/plain` as util.inspect prints it, never with ANSI colour codes. */
export function plainText(value: unknown): string {
  return inspect(value, { colors: false, depth: 4, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100 });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A danfo DataFrame or Series (recognized by class name and shape, without loading danfo). */
export function isDanfoFrame(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const name = (value as object).constructor?.name;
  const v = value as Record<string, unknown>;
  return (name === "DataFrame" || name === "Series") && "index" in v && "values" in v && "dtypes" in v && "columns" in v;
}

/** A figure as `viz/` builds it: `{data: [trace…], layout?, config?}` and nothing else. */
export function isFigure(value: unknown): value is Figure {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  if (!keys.includes("data") || !keys.every((k) => k === "data" || k === "layout" || k === "config" || k === "frames")) return false;
  const data = value.data;
  if (!Array.isArray(data) || data.length === 0 || !data.every(isPlainObject)) return false;
  if (value.layout !== undefined && !isPlainObject(value.layout)) return false;
  return value.layout !== undefined || data.every((trace) => typeof (trace as Record<string, unknown>).type === "string");
}

/** A non-empty array whose items are all plain objects (records). */
export function isRecordArray(value: unknown): value is Array<Record<string, unknown>> {
  return Array.isArray(value) && value.length > 0 && value.every(isPlainObject);
}

/** Every bundle carries text/plain (the spec asks for it; consoles and tests read it). */
function withPlainText(bundle: MimeBundle, value: unknown): MimeBundle {
  if (typeof bundle["text/plain"] !== "string") bundle["text/plain"] = plainText(value);
  return bundle;
}

/** The bundle for a cell's final value, or null when nothing should be shown. */
export function valueBundle(value: unknown): MimeBundle | null {
  if (value === undefined || value === null) return null;
  if (isDisplayable(value)) return withPlainText({ ...value[DISPLAY_SYMBOL]() }, value);
  if (isTensorLike(value)) return withPlainText(tensorBundle(value), value);
  if (isDanfoFrame(value)) return withPlainText(tableBundle(value), value);
  if (isFigure(value)) return withPlainText(figureBundle(value), value);
  if (isRecordArray(value)) return withPlainText(tableBundle(value), value);
  return { "text/plain": plainText(value) };
}

/** As `valueBundle`, also accepting a display method that returns a promise of a bundle (as Deno does). */
export async function renderValue(value: unknown): Promise<MimeBundle | null> {
  if (isDisplayable(value)) {
    const result: unknown = value[DISPLAY_SYMBOL]();
    const bundle = result !== null && typeof (result as PromiseLike<unknown>).then === "function" ? await result : result;
    return withPlainText({ ...(bundle as MimeBundle) }, value);
  }
  return valueBundle(value);
}
