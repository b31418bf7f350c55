/**
 * WASM kernels served by the native addon (./native): they read and write the WASM heap in place
 * and fall back to the kernel they wrap when the addon is not loaded or the case is not theirs.
 * Installed by `installWasmPatches` (./wasm-patches); parity with the cpu backend, through the
 * addon and without it: tests/backend/patches.test.ts.
 *  - `matMulWithBlas`: BatchMatMul / _FusedMatMul through OpenBLAS's sgemm (transposes, batches,
 *    broadcast batches; a bias row is accumulated with beta = 1, other biases and the activation
 *    applied after with the backend's kernels);
 *  - `unaryNative`: Exp / Tanh / Sigmoid, 8-lane vectorized;
 *  - `reduceNative`: Sum / Mean over leading or trailing axes, Max over trailing axes;
 *  - `binaryNative`: Add / Sub / Multiply / RealDiv with full, row, column or scalar operands.
 */
import * as tf from "@tensorflow/tfjs";
import { nativeBinding } from "./native";

type TensorInfo = tf.TensorInfo;
type KernelConfig = tf.KernelConfig;
type KernelArgs = Parameters<KernelConfig["kernelFunc"]>[0];

/** The subset of BackendWasm the heap-reading kernels use (here, ./wasm-patches, ./lstm-kernels, ./dropout). */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The fused activations of `_FusedMatMul`, applied by the backend's own kernels. */
function applyActivation(
  backend: WasmBackendLike,
  args: KernelArgs,
  x: TensorInfo,
  activation: string,
  preluWeights: TensorInfo | undefined,
  leakyreluAlpha: number | undefined,
): TensorInfo {
  const run = (name: string, inputs: Record<string, TensorInfo>, attrs: tf.NamedAttrMap = {}): TensorInfo => {
    const y = tf.getKernel(name, "wasm").kernelFunc({ inputs, backend: args.backend, attrs }) as TensorInfo;
    backend.disposeData(x.dataId);
    return y;
  };
  switch (activation) {
    case "linear":
      return x;
    case "relu":
      return run("Relu", { x });
    case "relu6":
      return run("Relu6", { x });
    case "elu":
      return run("Elu", { x });
    case "sigmoid":
      return run("Sigmoid", { x });
    case "leakyrelu":
      return run("LeakyRelu", { x }, { alpha: leakyreluAlpha ?? 0.2 });
    case "prelu":
      if (!preluWeights) throw new Error("_FusedMatMul: activation prelu needs preluActivationWeights");
      return run("Prelu", { x, alpha: preluWeights });
    default:
      throw new Error(`_FusedMatMul: unknown activation "${activation}"`);
  }
}

/**
 * (Fused) batch matmul through OpenBLAS, reading and writing the WASM heap in place. Falls back to
 * `fallback` when the addon is not loaded (except for empty products, k = 0) or the operands are
 * not float32.
 */
export function matMulWithBlas(fallback: KernelConfig["kernelFunc"]): KernelConfig["kernelFunc"] {
  return (args: KernelArgs) => {
    const blas = nativeBinding();
    const inputs = args.inputs as Record<string, TensorInfo | undefined>;
    const a = inputs.a!;
    const b = inputs.b!;
    if (a.dtype !== "float32" || b.dtype !== "float32") return fallback(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean; activation?: string; leakyreluAlpha?: number };
    const transposeA = Boolean(attrs.transposeA);
    const transposeB = Boolean(attrs.transposeB);
    const rankA = a.shape.length;
    const rankB = b.shape.length;
    if (rankA < 2 || rankB < 2) return fallback(args);
    const m = transposeA ? a.shape[rankA - 1] : a.shape[rankA - 2];
    const k = transposeA ? a.shape[rankA - 2] : a.shape[rankA - 1];
    const kB = transposeB ? b.shape[rankB - 1] : b.shape[rankB - 2];
    const n = transposeB ? b.shape[rankB - 2] : b.shape[rankB - 1];
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = sizeOf(outerA);
    const batchB = sizeOf(outerB);
    // Shape errors (and broadcasts the stock kernel does not support) get the stock messages.
    if (k !== kB || !(batchA === batchB || batchA === 1 || batchB === 1)) return fallback(args);
    // Without the addon the stock kernels do the work, except for k = 0 (they leave the output
    // uninitialized): that product is all zeros, plus the bias, done below.
    if (!blas && k > 0) return fallback(args);
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
    const batch = Math.max(batchA, batchB);
    const out = backend.makeOutput([...outer, m, n], "float32");
    // Views taken after makeOutput: a memory growth during the allocation cannot leave them stale.
    const viewA = backend.typedArrayFromHeap(a) as Float32Array;
    const viewB = backend.typedArrayFromHeap(b) as Float32Array;
    const viewC = backend.typedArrayFromHeap(out) as Float32Array;
    const bias = inputs.bias;
    let beta = 0;
    let biasLeft = bias;
    if (
      bias &&
      bias.dtype === "float32" &&
      sizeOf(bias.shape) === n &&
      bias.shape.length <= 1 + outer.length + 1 &&
      (bias.shape.length === 0 || bias.shape[bias.shape.length - 1] === n)
    ) {
      // A bias row ([n], [1, n], …): start C from it and accumulate (beta = 1).
      const row = backend.typedArrayFromHeap(bias) as Float32Array;
      for (let r = 0; r < batch * m; r++) viewC.set(row, r * n);
      beta = 1;
      biasLeft = undefined;
    } else if (k === 0) {
      viewC.fill(0);
    }
    if (blas && k > 0) {
      if (batchA > 1 && batchB === 1 && !transposeA) {
        // [..., M, K]·[K, N]: one [B·M, K]·[K, N] product.
        blas.gemm(viewA, viewB, viewC, 1, 0, 0, 0, batchA * m, n, k, 0, transposeB ? 1 : 0, beta);
      } else {
        blas.gemm(viewA, viewB, viewC, batch, batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n, m * n, m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0, beta);
      }
    }
    let result = out;
    if (biasLeft) {
      result = tf.getKernel("Add", "wasm").kernelFunc({ inputs: { a: out, b: biasLeft }, backend: args.backend, attrs: {} }) as TensorInfo;
      backend.disposeData(out.dataId);
    }
    return applyActivation(backend, args, result, attrs.activation ?? "linear", inputs.preluActivationWeights, attrs.leakyreluAlpha);
  };
}

/** Exp / Tanh / Sigmoid through the addon's vectorized loops (float32 only). */
export function unaryNative(op: 0 | 1 | 2, fallback: KernelConfig["kernelFunc"]): KernelConfig["kernelFunc"] {
  return (args: KernelArgs) => {
    const native = nativeBinding();
    const x = (args.inputs as { x: TensorInfo }).x;
    if (!native || x.dtype !== "float32") return fallback(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(x.shape, "float32");
    if (sizeOf(x.shape) > 0) {
      native.unary(op, backend.typedArrayFromHeap(x) as Float32Array, backend.typedArrayFromHeap(out) as Float32Array);
    }
    return out;
  };
}

/**
 * Sum of a float32 tensor over its leading axes [0, p) (e.g. a bias gradient [rows, cols] → [cols])
 * or its trailing axes [p, rank) (e.g. softmax denominators [rows, cols] → [rows]), or Max over
 * trailing axes (softmax's row maxima), through the addon; every other reduction goes to the stock
 * kernel. (Max takes `reductionIndices`, Sum `axis`.)
 */
export function reduceNative(kind: "sum" | "mean" | "max", fallback: KernelConfig["kernelFunc"]): KernelConfig["kernelFunc"] {
  return (args: KernelArgs) => {
    const native = nativeBinding();
    const x = (args.inputs as { x: TensorInfo }).x;
    if (!native || x.dtype !== "float32" || x.shape.length === 0) return fallback(args);
    const rank = x.shape.length;
    const attrs = args.attrs as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims?: boolean };
    const axes = [...new Set(tf.util.parseAxisParam((kind === "max" ? attrs.reductionIndices : attrs.axis)!, x.shape))].sort((p, q) => p - q);
    if (axes.length === 0) return fallback(args);
    // All axes count as trailing: one row, summed with the vectorized row loop.
    const trailing = axes.every((a, i) => a === rank - axes.length + i);
    const leading = !trailing && kind !== "max" && axes.every((a, i) => a === i);
    if (!leading && !trailing) return fallback(args);
    const reduced = new Set(axes);
    const outShape = attrs.keepDims ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : x.shape.filter((_, i) => !reduced.has(i));
    const kept = sizeOf(x.shape.filter((_, i) => !reduced.has(i)));
    const summed = sizeOf(axes.map((a) => x.shape[a]));
    if (kind !== "sum" && summed === 0) return fallback(args); // max / mean of nothing: stock semantics
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(outShape, "float32");
    const outView = backend.typedArrayFromHeap(out) as Float32Array;
    if (summed === 0) outView.fill(kind === "mean" ? NaN : 0);
    else if (kept > 0) {
      const xView = backend.typedArrayFromHeap(x) as Float32Array;
      if (leading) native.columnSums(xView, outView, summed, kept);
      else if (kind === "max") native.rowMaxes(xView, outView, kept, summed);
      else native.rowSums(xView, outView, kept, summed);
      if (kind === "mean") for (let i = 0; i < kept; i++) outView[i] /= summed;
    }
    return out;
  };
}

/**
 * Add / Sub / Multiply / RealDiv through the addon when both operands are float32 and each is the
 * full output shape, a row (its last dim), a column (the output with last dim 1) or a scalar;
 * every other broadcast goes to the stock kernel.
 */
export function binaryNative(op: 0 | 1 | 2 | 3, fallback: KernelConfig["kernelFunc"]): KernelConfig["kernelFunc"] {
  return (args: KernelArgs) => {
    const native = nativeBinding();
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    if (!native || a.dtype !== "float32" || b.dtype !== "float32") return fallback(args);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const rank = outShape.length;
    const cols = rank === 0 ? 1 : outShape[rank - 1];
    const size = sizeOf(outShape);
    const rows = cols === 0 ? 0 : size / cols;
    const mode = (t: TensorInfo): number => {
      const padded = [...new Array<number>(rank - t.shape.length).fill(1), ...t.shape];
      if (padded.every((d, i) => d === outShape[i])) return 0; // full
      if (sizeOf(t.shape) === 1) return 3; // scalar
      if (padded.every((d, i) => (i === rank - 1 ? d === cols : d === 1))) return 1; // row
      if (padded.every((d, i) => (i === rank - 1 ? d === 1 : d === outShape[i]))) return 2; // column
      return -1;
    };
    const modeA = mode(a);
    const modeB = mode(b);
    if (modeA < 0 || modeB < 0) return fallback(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(outShape, "float32");
    if (size > 0) {
      const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
      native.binary(op, view(a), modeA, view(b), modeB, view(out), rows, cols);
    }
    return out;
  };
}
