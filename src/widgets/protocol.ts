/**
 * The @jupyter-widgets messaging protocol (ipywidgets packages/schema/messages.md), both versions
 * numlab speaks:
 *
 * | | version 2 (2.1.0) | version 1 |
 * |---|---|---|
 * | front-ends | JupyterLab 4 + jupyterlab_widgets, Notebook 7, nbclient | classic Notebook + jupyter-js-widgets 2.1 (Debian 12) |
 * | modules | @jupyter-widgets/controls 2.0.0, base 2.0.0, output 1.0.0 | jupyter-js-widgets ~2.1.0 |
 * | comm_open data | `{state, buffer_paths}`, metadata `{version: "2.1.0"}` | the state itself |
 * | kernel → front-end | `update {state, buffer_paths}`, `echo_update` | `update {state, buffers: [keys]}` |
 * | front-end → kernel | `update {state, buffer_paths}` | `backbone {sync_data, buffer_keys}` |
 * | display | display_data with the widget-view mime | comm message `{method: "display"}` |
 *
 * Both: `request_state`, `custom`; comm target `jupyter.widget`. Version 1 front-ends announce
 * themselves by opening a `jupyter.widget.version` comm; ipywidgets ≥ 7.7 front-ends open
 * `jupyter.widget.control`. The kernel picks the protocol from that (src/kernel/widget-comms.ts).
 */
import type { Buffers, WidgetProtocolMajor } from "./link";

/** The comm target of widget models. */
export const WIDGET_TARGET = "jupyter.widget";
/** Version-1 front-ends open this comm and expect `{version: <semver range>}` back. */
export const VERSION_TARGET = "jupyter.widget.version";
/** ipywidgets ≥ 7.7 front-ends open this comm to fetch every widget's state at once. */
export const CONTROL_TARGET = "jupyter.widget.control";

/** Protocol version 2 as the kernel announces it in comm_open metadata. */
export const PROTOCOL_VERSION = "2.1.0";
/** The jupyter-js-widgets range a version-1 kernel (ipywidgets 6.0) asks for. */
export const LEGACY_FRONTEND_RANGE = "~2.1.0";

/** The mime type of a widget view in display_data / execute_result. */
export const WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json";
/** The mime type of saved widget state in notebook metadata (`metadata.widgets`). */
export const WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json";

export type ModuleKind = "controls" | "base" | "output";

export interface Dialect {
  major: WidgetProtocolMajor;
  module(kind: ModuleKind): { name: string; version: string };
}

export const DIALECT_2: Dialect = {
  major: 2,
  module(kind) {
    if (kind === "output") return { name: "@jupyter-widgets/output", version: "1.0.0" };
    return { name: `@jupyter-widgets/${kind}`, version: "2.0.0" };
  },
};

export const DIALECT_1: Dialect = {
  major: 1,
  module() {
    return { name: "jupyter-js-widgets", version: LEGACY_FRONTEND_RANGE };
  },
};

export function dialectOf(major: WidgetProtocolMajor): Dialect {
  return major === 1 ? DIALECT_1 : DIALECT_2;
}

export type BufferPath = Array<string | number>;

function isBinary(value: unknown): value is Uint8Array | ArrayBuffer | DataView {
  return value instanceof Uint8Array || value instanceof ArrayBuffer || value instanceof DataView;
}

function toBuffer(value: Uint8Array | ArrayBuffer | DataView): Buffer {
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Split binary values out of a state (protocol 2): every Uint8Array/Buffer/ArrayBuffer/DataView
 * anywhere in the state is removed from objects (or replaced by null in arrays) and returned with
 * its path, as ipywidgets' `_remove_buffers` does. The input is not modified.
 */
export function separateBuffers(state: Record<string, unknown>): { state: Record<string, unknown>; bufferPaths: BufferPath[]; buffers: Buffers } {
  const bufferPaths: BufferPath[] = [];
  const buffers: Buffers = [];
  const walk = (value: unknown, path: BufferPath): unknown => {
    if (Array.isArray(value)) {
      let out: unknown[] | null = null;
      value.forEach((item, i) => {
        if (isBinary(item)) {
          out ??= value.slice();
          out[i] = null;
          buffers.push(toBuffer(item));
          bufferPaths.push([...path, i]);
        } else if (item !== null && typeof item === "object") {
          const next = walk(item, [...path, i]);
          if (next !== item) {
            out ??= value.slice();
            out[i] = next;
          }
        }
      });
      return out ?? value;
    }
    if (value !== null && typeof value === "object") {
      let out: Record<string, unknown> | null = null;
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        if (isBinary(item)) {
          out ??= { ...(value as Record<string, unknown>) };
          delete out[key];
          buffers.push(toBuffer(item));
          bufferPaths.push([...path, key]);
        } else if (item !== null && typeof item === "object") {
          const next = walk(item, [...path, key]);
          if (next !== item) {
            out ??= { ...(value as Record<string, unknown>) };
            out[key] = next;
          }
        }
      }
      return out ?? value;
    }
    return value;
  };
  return { state: walk(state, []) as Record<string, unknown>, bufferPaths, buffers };
}

/** Put received buffers back at their paths (modifies `state`, which came off the wire). */
export function putBuffers(state: Record<string, unknown>, bufferPaths: readonly BufferPath[], buffers: Buffers): Record<string, unknown> {
  bufferPaths.forEach((path, i) => {
    if (i >= buffers.length || path.length === 0) return;
    let target: Record<string | number, unknown> = state;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (next === null || typeof next !== "object") return;
      target = next as Record<string | number, unknown>;
    }
    target[path[path.length - 1]] = buffers[i];
  });
  return state;
}

/** Version 1 only allows binary values at the top level of the state: `{state, keys, buffers}`. */
export function separateTopLevelBuffers(state: Record<string, unknown>): { state: Record<string, unknown>; keys: string[]; buffers: Buffers } {
  const out: Record<string, unknown> = {};
  const keys: string[] = [];
  const buffers: Buffers = [];
  for (const [key, value] of Object.entries(state)) {
    if (isBinary(value)) {
      keys.push(key);
      buffers.push(toBuffer(value));
    } else out[key] = value;
  }
  return { state: out, keys, buffers };
}

/** A state update received from a front-end, in either protocol; null for other messages. */
export function readStateUpdate(data: unknown, buffers: Buffers): Record<string, unknown> | null {
  if (data === null || typeof data !== "object") return null;
  const d = data as Record<string, unknown>;
  if (d.method === "update" && d.state && typeof d.state === "object") {
    const paths = Array.isArray(d.buffer_paths) ? (d.buffer_paths as BufferPath[]) : [];
    return putBuffers(d.state as Record<string, unknown>, paths, buffers);
  }
  if (d.method === "backbone" && d.sync_data && typeof d.sync_data === "object") {
    const state = d.sync_data as Record<string, unknown>;
    const keys = Array.isArray(d.buffer_keys) ? (d.buffer_keys as string[]) : [];
    keys.forEach((key, i) => {
      if (i < buffers.length) state[key] = buffers[i];
    });
    return state;
  }
  return null;
}

/** Deep equality of JSON-like values (and buffers, by bytes). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isBinary(a) && isBinary(b)) return toBuffer(a).equals(toBuffer(b));
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((item, i) => sameValue(item, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return (
    ka.length === kb.length &&
    ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
