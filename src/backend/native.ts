/**
 * Native kernels for the WASM backend, through the small Node-API addon in
 * ./native/numlab_native.c (built by scripts/build-native.js at install time when a C compiler
 * and OpenBLAS exist):
 *  - OpenBLAS's sgemm for every matrix product. XNNPACK in WASM is limited to 128-bit SIMD
 *    without FMA (15-30 GFLOP/s per thread here); OpenBLAS uses the CPU's AVX2/AVX-512 FMA units
 *    (~100 GFLOP/s per thread);
 *  - vectorized exp / tanh / sigmoid (the WASM build calls scalar libm per element), row and
 *    column reductions, broadcast arithmetic, the dropout mask;
 *  - whole-model kernels: the LSTM recurrence each way (./lstm-kernels.ts) and the makemore MLP's
 *    training step (./mlp-kernels.ts).
 * The addon reads and writes the WASM heap in place, so nothing is copied.
 *
 * Optional by design: when the addon is missing or fails to load, `loadNative()` returns null and
 * says why (`nativeFailure()`); NUMLAB_NATIVE=0 disables it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

type F32 = Float32Array;

export interface NativeBinding {
  /**
   * For i in [0, batch): C_i = op(A_i)·op(B_i) + beta·C_i, row-major float32; A_i starts at
   * a[i * strideA] (stride 0 broadcasts one matrix); op(A) is m x k, op(B) k x n.
   */
  gemm(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    batch: number,
    strideA: number,
    strideB: number,
    strideC: number,
    m: number,
    n: number,
    k: number,
    transA: number,
    transB: number,
    beta: number,
  ): void;
  /** out = exp(x) (op 0), tanh(x) (op 1) or sigmoid(x) (op 2); x and out of equal length. */
  unary(op: 0 | 1 | 2, x: Float32Array, out: Float32Array): void;
  /**
   * out = a op b over [rows, cols] (op 0 +, 1 −, 2 ×, 3 ÷); each operand's mode says its layout:
   * 0 full [rows, cols], 1 a row [cols], 2 a column [rows], 3 a scalar.
   */
  binary(op: 0 | 1 | 2 | 3, a: F32, modeA: number, b: F32, modeB: number, out: F32, rows: number, cols: number): void;
  /** out = x·scale where the counter-based hash of (seed, i) ≥ threshold, else 0 (./dropout.ts). */
  dropout(x: F32, out: F32, threshold: number, scale: number, seed: number): void;
  /** out[j] = Σ_i x[i·cols + j] (accumulated in double). */
  columnSums(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** out[i] = Σ_j x[i·cols + j] (8 float lanes, then double). */
  rowSums(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** out[i] = max_j x[i·cols + j] (NaN when the row holds one). */
  rowMaxes(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /**
   * An LSTM layer's forward recurrence (see ./lstm-kernels.ts): from projected [T·B, 4H] and
   * recurrent [H, 4H], writes h, c, tanh(c), σ(i), σ(f), tanh(g), σ(o) ([T·B, H] each).
   */
  lstmForward(projected: F32, recurrent: F32, steps: number, batch: number, ...states: [F32, F32, F32, F32, F32, F32, F32]): void;
  /**
   * The LSTM gate-gradient recurrence (see ./lstm-kernels.ts): from dy and the states c, tanh(c),
   * σ(i), σ(f), tanh(g), σ(o) ([T·B, H] each), writes dz [T·B, 4H].
   */
  lstmBackward(dy: F32, recurrent: F32, c: F32, tanhC: F32, i: F32, f: F32, g: F32, o: F32, steps: number, batch: number, dz: F32): void;
  /**
   * The makemore MLP's training step (see ./mlp-kernels.ts): from C [V, d], W1 [B·d, H], b1 [H],
   * W2 [H, V], b2 [V], contexts X [n·B] and targets Y [n], returns the mean cross-entropy; with
   * `lr` a number updates the parameters in place (p ← p − lr·∇p), with `grads` writes the five
   * gradients there. Absent from addons built before it (checked at run time).
   */
  mlpLmStep?(C: F32, W1: F32, b1: F32, W2: F32, b2: F32, X: Int32Array, Y: Int32Array, lr: number | null, grads: F32[] | null): number;
  /** OpenBLAS threads. */
  setThreads(threads: number): void;
  threads(): number;
  /** e.g. "OpenBLAS Cooperlake" (the CPU kernel OpenBLAS picked). */
  describe(): string;
}

interface NativeState {
  tried: boolean;
  binding: NativeBinding | null;
  failure: string | null;
}
// Global, like the kernel registry: ESM and CJS copies of this module share one addon.
const STATE_KEY = Symbol.for("numlab.native");
const state: NativeState =
  ((globalThis as Record<symbol, unknown>)[STATE_KEY] as NativeState | undefined) ??
  (((globalThis as Record<symbol, unknown>)[STATE_KEY] = { tried: false, binding: null, failure: null } as NativeState) as NativeState);

/** Where the built addon lives: dist/native/ (this file runs from dist/backend/ or src/backend/). */
export function nativeAddonPath(): string {
  const candidates = [path.join(__dirname, "..", "native", "numlab_native.node"), path.join(__dirname, "..", "..", "dist", "native", "numlab_native.node")];
  return candidates.find((p) => fs.existsSync(p)) ?? candidates[0];
}

/**
 * The addon, loaded once with `threads` OpenBLAS threads, or null (NUMLAB_NATIVE=0, not built, or
 * not loadable; see `nativeFailure()`).
 */
export function loadNative(threads = 1): NativeBinding | null {
  if (!state.tried) {
    state.tried = true;
    if (process.env.NUMLAB_NATIVE === "0") {
      state.failure = "disabled by NUMLAB_NATIVE=0";
    } else {
      const file = nativeAddonPath();
      if (!fs.existsSync(file)) {
        const rebuild = file.split(path.sep).includes("node_modules") ? "npm rebuild numlab" : "npm run build";
        state.failure = `${file} not built (needs a C compiler and OpenBLAS, e.g. apt-get install gcc libopenblas-dev; then ${rebuild})`;
      } else {
        try {
          // eslint-disable-next-line @typescript-eslint/no-require-imports -- the addon built by scripts/build-native.js, if any
          state.binding = require(file) as NativeBinding;
        } catch (err) {
          state.failure = `${file}: ${(err as Error).message.split("\n")[0]}`;
        }
      }
    }
  }
  if (state.binding && state.binding.threads() !== threads) state.binding.setThreads(threads);
  return state.binding;
}

/**
 * OpenBLAS threads to use: NUMLAB_BLAS_THREADS, else `preferred`, else `fallback` (at most the
 * number of cores, and 8).
 */
export function requestedBlasThreads(preferred: number | undefined, fallback: number): number {
  const raw = process.env.NUMLAB_BLAS_THREADS?.trim();
  const cap = (n: number) => Math.max(1, Math.min(n, 8, os.cpus().length));
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`NUMLAB_BLAS_THREADS must be a positive integer; got "${raw}"`);
    return cap(n);
  }
  if (preferred !== undefined) {
    if (!Number.isInteger(preferred) || preferred < 1) throw new Error(`initBackend: blasThreads must be a positive integer; got ${preferred}`);
    return cap(preferred);
  }
  return cap(fallback);
}

/** Why the addon is not in use, or null when it is (or was not tried yet). */
export function nativeFailure(): string | null {
  return state.failure;
}

/** The loaded addon (null before `loadNative` or when it failed). */
export function nativeBinding(): NativeBinding | null {
  return state.binding;
}

/**
 * Turn the addon off (null) or back on for the kernels, e.g. to compare against XNNPACK. Returns
 * the previous binding.
 */
export function setNativeBinding(binding: NativeBinding | null): NativeBinding | null {
  const previous = state.binding;
  state.binding = binding;
  return previous;
}
