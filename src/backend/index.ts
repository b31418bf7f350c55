/**
 * Pick the fastest working TensorFlow.js backend, once: tfjs-node-gpu (GPU present), tfjs-node,
 * WASM, then the pure-JS cpu backend. `NUMLAB_BACKEND=tensorflow|wasm|cpu` forces one; a forced
 * choice that cannot load is an error. WASM gaps are patched in ./wasm-patches.
 */
import * as tf from "@tensorflow/tfjs";
import * as os from "os";
import { loadNative, nativeFailure, requestedBlasThreads } from "./native";
import { installWasmPatches } from "./wasm-patches";
import { registerThreadedWasmBackend, requestedWasmThreads, wasmThreadsFailure } from "./wasm-threads";

export type BackendName = "tensorflow" | "wasm" | "cpu";

export interface BackendInfo {
  /** The tfjs backend in use. */
  backend: BackendName;
  /** Which package provides it. */
  provider: "@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node" | "@tensorflow/tfjs-backend-wasm" | "@tensorflow/tfjs";
  /** Threads the backend computes with (WASM: its pthread pool; 1 without threads). */
  threads: number;
  /** WASM SIMD in use (null for other backends). */
  simd: boolean | null;
  /**
   * WASM: the native addon's BLAS doing the matrix products (e.g. "OpenBLAS Cooperlake"; it also
   * does exp/tanh/sigmoid and bias sums), or null when the stock WASM kernels do everything.
   */
  native: string | null;
  /** OpenBLAS threads of the native addon (0 without it). */
  blasThreads: number;
  /** How the backend was chosen. */
  reason: "forced" | "auto";
  tfjsVersion: string;
  /** Why faster backends were skipped. */
  skipped: string[];
}

let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

/** The backend chosen by `initBackend`, or null before it ran. */
export function backendInfo(): BackendInfo | null {
  return current;
}

function tryNative(pkg: "@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node"): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional package, loaded only when asked for
    require(pkg);
  } catch (err) {
    return `${pkg}: ${(err as Error).message.split("\n")[0]}`;
  }
  // danfojs-node's dependency on tfjs-node is aliased to plain tfjs, which registers no
  // "tensorflow" backend: only a real native binding counts.
  if (!tf.findBackendFactory("tensorflow")) return `${pkg}: installed package has no native binding`;
  return null;
}

async function setWasm(
  skipped: string[],
  preferredThreads?: number,
  preferredBlasThreads?: number,
): Promise<{ threads: number; simd: boolean; native: string | null; blasThreads: number }> {
  const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
  // SIMD is needed by the threaded build; every Node 20 has it.
  const simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
  const wanted = requestedWasmThreads(preferredThreads);
  if (simd && wanted > 1) registerThreadedWasmBackend(wasm, wanted);
  const ok = await tf.setBackend("wasm");
  if (!ok) throw new Error("the WASM backend failed to initialize");
  installWasmPatches();
  const failure = wasmThreadsFailure();
  if (failure) skipped.push(`wasm threads: ${failure}`);
  const threads = wasm.getThreadsCount ? wasm.getThreadsCount() : 1;
  // OpenBLAS on every core by default: it keeps small products on one thread by itself, so the
  // small models lose nothing (unlike the WASM thread pool), and large products gain ~1.6x on 2 cores.
  const blasThreads = requestedBlasThreads(preferredBlasThreads, os.cpus().length);
  const native = loadNative(blasThreads);
  if (!native) skipped.push(`native kernels: ${nativeFailure()}`);
  return { threads, simd, native: native ? native.describe() : null, blasThreads: native ? blasThreads : 0 };
}

export interface InitOptions {
  /** Force a backend (default: NUMLAB_BACKEND, else automatic). */
  backend?: BackendName;
  /** Do not print the one-line report. */
  quiet?: boolean;
  /**
   * WASM threads (default 1; NUMLAB_WASM_THREADS wins over this). More than one pays off only for
   * large matmuls on otherwise idle cores; capped at the number of cores.
   */
  threads?: number;
  /**
   * OpenBLAS threads of the native addon (default: one per core; NUMLAB_BLAS_THREADS wins over
   * this). OpenBLAS keeps small products on one thread by itself; use 1 when other heavy jobs
   * share the machine.
   */
  blasThreads?: number;
}

async function choose(options: InitOptions): Promise<BackendInfo> {
  const forcedRaw = options.backend ?? (process.env.NUMLAB_BACKEND?.trim() || undefined);
  const base = { tfjsVersion: tf.version.tfjs, skipped: [] as string[] };
  if (forcedRaw !== undefined && !["tensorflow", "wasm", "cpu"].includes(forcedRaw)) {
    throw new Error(`NUMLAB_BACKEND must be one of tensorflow, wasm, cpu; got "${forcedRaw}"`);
  }
  const forced = forcedRaw as BackendName | undefined;
  const reason = forced ? "forced" : "auto";
  if (!forced || forced === "tensorflow") {
    for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const) {
      const why = tryNative(pkg);
      if (why === null && (await tf.setBackend("tensorflow"))) {
        return { ...base, backend: "tensorflow", provider: pkg, threads: 0, simd: null, native: null, blasThreads: 0, reason };
      }
      base.skipped.push(why ?? `${pkg}: setBackend failed`);
    }
    if (forced) {
      throw new Error(
        `NUMLAB_BACKEND=tensorflow but no native TensorFlow binding loads (${base.skipped.join("; ")}). ` +
          "Install @tensorflow/tfjs-node (needs internet for libtensorflow) or use NUMLAB_BACKEND=wasm.",
      );
    }
  }
  if (!forced || forced === "wasm") {
    try {
      const { threads, simd, native, blasThreads } = await setWasm(base.skipped, options.threads, options.blasThreads);
      return { ...base, backend: "wasm", provider: "@tensorflow/tfjs-backend-wasm", threads, simd, native, blasThreads, reason };
    } catch (err) {
      if (forced) throw new Error(`NUMLAB_BACKEND=wasm but the WASM backend failed: ${(err as Error).message}`);
      base.skipped.push(`wasm: ${(err as Error).message}`);
    }
  }
  if (!(await tf.setBackend("cpu"))) throw new Error("even the cpu backend failed to initialize");
  return { ...base, backend: "cpu", provider: "@tensorflow/tfjs", threads: 1, simd: null, native: null, blasThreads: 0, reason };
}

/** One line describing the backend, e.g. "numlab: backend wasm (SIMD, 1 thread)". */
export function describeBackend(info: BackendInfo): string {
  const details =
    info.backend === "wasm"
      ? `${info.simd ? "SIMD" : "no SIMD"}, ${info.threads} thread${info.threads === 1 ? "" : "s"}${info.native ? `, native kernels: ${info.native} ×${info.blasThreads}` : ""}`
      : info.backend === "tensorflow"
        ? info.provider
        : "pure JavaScript";
  return `numlab: backend ${info.backend} (${details}; tfjs ${info.tfjsVersion}${info.reason === "forced" ? ", forced by NUMLAB_BACKEND" : ""})`;
}

/**
 * Choose and activate the backend (idempotent: later calls return the first result).
 * Prints the choice once unless `quiet`.
 */
export function initBackend(options: InitOptions = {}): Promise<BackendInfo> {
  if (current) return Promise.resolve(current);
  if (!pending) {
    pending = choose(options).then(
      (info) => {
        current = info;
        if (!options.quiet) process.stdout.write(describeBackend(info) + "\n"); // a report, not a warning: stdout (stderr shows as a warning box in notebooks)
        return info;
      },
      (err) => {
        pending = null;
        throw err;
      },
    );
  }
  return pending;
}

/**
 * What every trainer calls first: the fast backend, chosen quietly the first time (as `initBackend`
 * with `quiet`), so that training never falls back to tfjs's slow default cpu backend because a
 * notebook forgot `await initBackend()`. Idempotent; does nothing (resolves null) when a backend is
 * already active: the one `initBackend` chose, or one set with `tf.setBackend` (switching would
 * strand the tensors that already live there).
 */
export async function ensureBackend(): Promise<BackendInfo | null> {
  if (current) return current;
  if (pending) return pending;
  if (tf.engine().backendName) return null;
  return initBackend({ quiet: true });
}
