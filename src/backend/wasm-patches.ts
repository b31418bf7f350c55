/**
 * Kernel patches for the WASM backend, installed by `initBackend` (and by tests) once the
 * backend is registered. They change speed or fill gaps; they never change results beyond float
 * rounding (tests/backend/patches.test.ts compares every one against the cpu backend).
 *
 *  - `UnsortedSegmentSum` (missing on WASM): the gradient of `gather`, i.e. of every embedding
 *    lookup. A linear pass over the rows in JS, ids outside [0, numSegments) are skipped (as in
 *    TensorFlow).
 *  - `BatchMatMul` / `_FusedMatMul`: the WASM C++ kernel only uses XNNPACK when neither operand is
 *    transposed and both have batch 1; otherwise it runs a scalar triple loop (13x slower for
 *    3200x256ᵀ·3200x2001, the LSTM's output-layer gradient). We transpose the flagged operand
 *    explicitly, and fold a batched left operand into rows when the right one is shared
 *    ([B,M,K]·[K,N] → [B·M,K]·[K,N]), so those products take the XNNPACK path.
 *  - `Slice`, `Unpack`, `SplitV`: the stock kernels copy the WHOLE input out of WASM memory
 *    (`readSync`) for every slice, so unstacking T timesteps copies the tensor T times (13 s of a
 *    17 s LSTM step). The patched ones copy only the requested rows, straight from the heap.
 *  - With the native addon (./native) built, the kernels of ./native-kernels come first:
 *    `BatchMatMul` / `_FusedMatMul` through OpenBLAS's sgemm (3-6x the XNNPACK throughput on CPUs
 *    with AVX2/AVX-512); `Exp`, `Tanh`, `Sigmoid` vectorized (the stock ones call scalar libm per
 *    element: 43 ms for the LSTM's 3136x2001 softmax); `Sum` / `Mean` / `Max` as row or column
 *    reductions (the stock Sum over leading axes transposes the whole input first); `Add` / `Sub`
 *    / `Multiply` / `RealDiv` vectorized for full, row, column and scalar operands (the stock
 *    column broadcast took 1.7 ms per [3840, 256]). The fused LSTM (./lstm-kernels) and dropout
 *    (./dropout) kernels are registered here too.
 *  - `Identity` (what `tf.clone` and every `save` in a custom gradient run) shares the input's
 *    memory instead of copying it, as the cpu backend does: tensors are immutable.
 *  - `GatherV2`: the stock kernel gathers element by element with stride arithmetic in C++ (16 ms
 *    for the LSTM's embedding lookup of 3136 rows of 128) and crashes with batchDims > 0; the
 *    patched one copies whole rows of the heap. Out-of-range indices throw, as on every backend.
 */
import * as tf from "@tensorflow/tfjs";
import { registerDropoutKernel } from "./dropout";
import { registerLstmKernels } from "./lstm-kernels";
import { loadNative } from "./native";
import { binaryNative, matMulWithBlas, reduceNative, sizeOf, unaryNative, WasmBackendLike } from "./native-kernels";

type TensorInfo = tf.TensorInfo;
type KernelConfig = tf.KernelConfig;
type KernelArgs = Parameters<KernelConfig["kernelFunc"]>[0];

/** The subset of BackendWasm the patches use. */
interface PatchBackend extends WasmBackendLike {
  readSync(dataId: object): tf.backend_util.BackendValues;
}

/** Names of the kernels patched on "wasm", in installation order. */
export const WASM_PATCHED_KERNELS = [
  "UnsortedSegmentSum",
  "BatchMatMul",
  "_FusedMatMul",
  "Slice",
  "Unpack",
  "SplitV",
  "GatherV2",
  "Exp",
  "Tanh",
  "Sigmoid",
  "Sum",
  "Max",
  "Mean",
  "Identity",
  "Add",
  "Sub",
  "Multiply",
  "RealDiv",
] as const;

/**
 * Patch state lives on a global: the kernel registry is global too, and a second copy of this
 * module (ESM and CJS loaders can each load one) must see the same stock kernels.
 */
interface PatchState {
  installed: boolean;
  originals: Map<string, KernelConfig>;
}
const STATE_KEY = Symbol.for("numlab.wasmPatches");
const state: PatchState =
  ((globalThis as Record<symbol, unknown>)[STATE_KEY] as PatchState | undefined) ??
  (((globalThis as Record<symbol, unknown>)[STATE_KEY] = { installed: false, originals: new Map() } as PatchState) as PatchState);
const originals = state.originals;

/** UnsortedSegmentSum on WASM: out[ids[i], ...] += x[i, ...]. */
function unsortedSegmentSumWasm(args: KernelArgs): TensorInfo {
  const backend = args.backend as unknown as PatchBackend;
  const { x, segmentIds } = args.inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = args.attrs?.numSegments as number;
  const idRank = segmentIds.shape.length;
  const outShape = [numSegments, ...x.shape.slice(idRank)];
  const inner = sizeOf(x.shape.slice(idRank));
  const rows = sizeOf(segmentIds.shape);
  const xVals = backend.readSync(x.dataId) as Float32Array | Int32Array;
  const ids = backend.readSync(segmentIds.dataId) as Int32Array;
  const out = backend.makeOutput(outShape, x.dtype);
  const outVals = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  outVals.fill(0);
  for (let r = 0; r < rows; r++) {
    const s = ids[r];
    if (s < 0 || s >= numSegments) continue;
    const src = r * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) outVals[dst + j] += xVals[src + j];
  }
  return out;
}

/**
 * Transposed copies of recent right-hand operands, by source dataId. In an unrolled RNN the same
 * recurrent weight is multiplied transposed at every timestep of the backward pass: transposing it
 * once also lets XNNPACK reuse its packed weights (its operator cache is keyed by the operand).
 * tfjs tensors are immutable, so a dataId always names the same values.
 */
const TRANSPOSE_CACHE_SIZE = 4;
const transposeCache: { source: object; shape: string; transposed: TensorInfo }[] = [];

function cachedTranspose(backend: PatchBackend, t: TensorInfo, make: () => TensorInfo): TensorInfo {
  const shape = t.shape.join("x");
  const hit = transposeCache.find((e) => e.source === t.dataId && e.shape === shape);
  if (hit) return hit.transposed;
  const transposed = make();
  transposeCache.push({ source: t.dataId, shape, transposed });
  if (transposeCache.length > TRANSPOSE_CACHE_SIZE) backend.disposeData(transposeCache.shift()!.transposed.dataId);
  return transposed;
}

/** Wrap a (fused) batch matmul kernel so that it only ever sees the XNNPACK-friendly layout. */
function matMulWithoutTransposes(original: KernelConfig["kernelFunc"]): KernelConfig["kernelFunc"] {
  return (args: KernelArgs) => {
    const backend = args.backend as unknown as PatchBackend;
    const inputs = args.inputs as Record<string, TensorInfo>;
    const attrs = (args.attrs ?? {}) as Record<string, unknown>;
    const { a, b } = inputs;
    const transposeA = Boolean(attrs.transposeA);
    const transposeB = Boolean(attrs.transposeB);
    if (a.dtype !== "float32" || b.dtype !== "float32") return original(args);
    const transposeKernel = tf.getKernel("Transpose", "wasm");
    const reshapeKernel = tf.getKernel("Reshape", "wasm");
    const temps: TensorInfo[] = [];
    const swapLastTwo = (t: TensorInfo): TensorInfo => {
      const r = t.shape.length;
      const perm = [...Array(r).keys()];
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return transposeKernel.kernelFunc({ inputs: { x: t }, backend: args.backend, attrs: { perm } }) as TensorInfo;
    };
    let a2 = a;
    if (transposeA) {
      a2 = swapLastTwo(a);
      temps.push(a2);
    }
    // Right operands are usually weights, reused across calls: cache their transposes.
    const b2 = transposeB ? cachedTranspose(backend, b, () => swapLastTwo(b)) : b;
    const outerA = a2.shape.slice(0, -2);
    const outerB = b2.shape.slice(0, -2);
    const batchA = sizeOf(outerA);
    const batchB = sizeOf(outerB);
    const [m, k] = a2.shape.slice(-2);
    const n = b2.shape[b2.shape.length - 1];
    let finalShape: number[] | null = null;
    if (batchA > 1 && batchB === 1) {
      // [..., M, K] · [K, N]: one [B·M, K] · [K, N] product.
      const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
      finalShape = [...outer, m, n];
      a2 = reshapeKernel.kernelFunc({ inputs: { x: a2 }, backend: args.backend, attrs: { shape: [1, batchA * m, k] } }) as TensorInfo;
      temps.push(a2);
    }
    if (a2 === a && b2 === b && !transposeA && !transposeB) {
      return original(args);
    }
    const out = original({
      inputs: { ...inputs, a: a2, b: b2 },
      backend: args.backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    }) as TensorInfo;
    for (const t of temps) backend.disposeData(t.dataId);
    if (finalShape) out.shape = finalShape;
    return out;
  };
}

/** Identity without a copy: the output shares the input's memory (reference counted). */
function identityShared(original: KernelConfig["kernelFunc"]): KernelConfig["kernelFunc"] {
  return (args: KernelArgs) => {
    const x = (args.inputs as { x: TensorInfo }).x;
    if (x.dtype === "string") return original(args);
    (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

/** Copy the block [begin, begin + size) of `x` into a new tensor, reading WASM memory in place. */
function sliceFromHeap(backend: PatchBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const n = sizeOf(size);
  if (n === 0) return out;
  // Views taken after makeOutput: a memory growth during the allocation cannot leave them stale.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  if (rank === 0) {
    dst.set(src.subarray(0, 1));
    return out;
  }
  const strides = new Array<number>(rank);
  let acc = 1;
  for (let d = rank - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= x.shape[d];
  }
  // Merge the trailing dimensions that are taken whole into one contiguous run.
  let inner = rank - 1;
  let run = size[rank - 1];
  while (inner > 0 && begin[inner] === 0 && size[inner] === x.shape[inner]) {
    inner--;
    run *= size[inner];
  }
  let outOffset = 0;
  const index = new Array<number>(inner).fill(0);
  for (;;) {
    let offset = begin[inner] * strides[inner];
    for (let d = 0; d < inner; d++) offset += (begin[d] + index[d]) * strides[d];
    dst.set(src.subarray(offset, offset + run), outOffset);
    outOffset += run;
    let d = inner - 1;
    while (d >= 0 && ++index[d] === size[d]) index[d--] = 0;
    if (d < 0) break;
  }
  return out;
}

function sliceWasm(original: KernelConfig["kernelFunc"]): KernelConfig["kernelFunc"] {
  return (args: KernelArgs) => {
    const x = (args.inputs as { x: TensorInfo }).x;
    if (x.dtype === "string") return original(args);
    const attrs = args.attrs as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, attrs.begin, attrs.size);
    return sliceFromHeap(args.backend as unknown as PatchBackend, x, begin, size);
  };
}

function unpackWasm(original: KernelConfig["kernelFunc"]): KernelConfig["kernelFunc"] {
  return (args: KernelArgs) => {
    const value = (args.inputs as { value: TensorInfo }).value;
    if (value.dtype === "string") return original(args);
    let axis = (args.attrs as { axis: number }).axis;
    if (axis < 0) axis += value.shape.length;
    const outShape = value.shape.filter((_, d) => d !== axis);
    const begin = new Array<number>(value.shape.length).fill(0);
    const size = value.shape.slice();
    size[axis] = 1;
    const outs: TensorInfo[] = [];
    for (let i = 0; i < value.shape[axis]; i++) {
      begin[axis] = i;
      const piece = sliceFromHeap(args.backend as unknown as PatchBackend, value, begin, size);
      outs.push({ dataId: piece.dataId, dtype: piece.dtype, shape: outShape });
    }
    return outs;
  };
}

function splitVWasm(original: KernelConfig["kernelFunc"]): KernelConfig["kernelFunc"] {
  return (args: KernelArgs) => {
    const x = (args.inputs as { x: TensorInfo }).x;
    if (x.dtype === "string") return original(args);
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[ax] = s;
      const piece = sliceFromHeap(args.backend as unknown as PatchBackend, x, begin, size);
      begin[ax] += s;
      return piece;
    });
  };
}

/**
 * GatherV2: out[n, o, j, …] = x[n, o, indices[n, j], …] (n over the batchDims leading dims, o over
 * the dims before the axis), copying whole rows of the heap.
 */
function gatherWasm(original: KernelConfig["kernelFunc"]): KernelConfig["kernelFunc"] {
  return (args: KernelArgs) => {
    const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
    if (x.dtype === "string") return original(args);
    const backend = args.backend as unknown as PatchBackend;
    const attrs = args.attrs as { axis: number; batchDims?: number };
    const ax = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
    let batchDims = attrs.batchDims ?? 0;
    if (batchDims < 0) batchDims += indices.shape.length;
    // Shapes are validated by tf.gather; the output shape is TensorFlow's.
    const { outputShape } = tf.backend_util.segment_util.collectGatherOpShapeInfo(x as unknown as tf.Tensor, indices as unknown as tf.Tensor, ax, batchDims);
    const dimSize = x.shape[ax];
    const batch = sizeOf(x.shape.slice(0, batchDims));
    const outer = sizeOf(x.shape.slice(batchDims, ax));
    const inner = sizeOf(x.shape.slice(ax + 1));
    const count = batch === 0 ? 0 : sizeOf(indices.shape) / batch; // ids per batch entry
    const out = backend.makeOutput(outputShape, x.dtype);
    // Views taken after makeOutput (a memory growth during the allocation would detach them).
    const ids = backend.typedArrayFromHeap(indices);
    for (let j = 0; j < ids.length; j++) {
      const id = ids[j];
      if (!(id >= 0 && id < dimSize)) {
        backend.disposeData(out.dataId);
        throw new Error(`GatherV2: the index value ${id} is not in [0, ${dimSize - 1}]`);
      }
    }
    if (batch * outer * count * inner === 0) return out;
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    let at = 0;
    for (let n = 0; n < batch; n++) {
      const idBase = n * count;
      for (let o = 0; o < outer; o++) {
        const base = (n * outer + o) * dimSize * inner;
        if (inner === 1) {
          for (let j = 0; j < count; j++) dst[at++] = src[base + ids[idBase + j]];
        } else {
          for (let j = 0; j < count; j++) {
            const from = base + ids[idBase + j] * inner;
            dst.set(src.subarray(from, from + inner), at);
            at += inner;
          }
        }
      }
    }
    return out;
  };
}

function override(kernelName: string, make: (original: KernelConfig | undefined) => KernelConfig["kernelFunc"]): void {
  // getKernel returns undefined when the backend has no such kernel.
  const original: KernelConfig | undefined = tf.getKernel(kernelName, "wasm");
  if (original) {
    originals.set(kernelName, original);
    tf.unregisterKernel(kernelName, "wasm");
  }
  tf.registerKernel({
    kernelName,
    backendName: "wasm",
    // Keep the stock setup (it binds the C++ entry point) so a re-initialised backend still works.
    setupFunc: original?.setupFunc,
    disposeFunc: original?.disposeFunc,
    kernelFunc: make(original),
  });
}

/**
 * Register the patched kernels for the "wasm" backend (idempotent). Call after the wasm package
 * was loaded; works before or after `tf.setBackend("wasm")`.
 */
export function installWasmPatches(): void {
  if (state.installed) return;
  if (!tf.findBackendFactory("wasm")) throw new Error("installWasmPatches: the wasm backend is not registered");
  loadNative();
  override("UnsortedSegmentSum", () => unsortedSegmentSumWasm);
  for (const name of ["BatchMatMul", "_FusedMatMul"]) {
    override(name, (original) => {
      if (!original) throw new Error(`the wasm backend has no ${name} kernel`);
      return matMulWithBlas(matMulWithoutTransposes(original.kernelFunc));
    });
  }
  const wrap = (name: string, make: (f: KernelConfig["kernelFunc"]) => KernelConfig["kernelFunc"]) =>
    override(name, (original) => {
      if (!original) throw new Error(`the wasm backend has no ${name} kernel`);
      return make(original.kernelFunc);
    });
  wrap("Slice", sliceWasm);
  wrap("Unpack", unpackWasm);
  wrap("SplitV", splitVWasm);
  wrap("GatherV2", gatherWasm);
  wrap("Exp", (f) => unaryNative(0, f));
  wrap("Tanh", (f) => unaryNative(1, f));
  wrap("Sigmoid", (f) => unaryNative(2, f));
  wrap("Sum", (f) => reduceNative("sum", f));
  wrap("Max", (f) => reduceNative("max", f));
  wrap("Mean", (f) => reduceNative("mean", f));
  for (const [name, op] of [
    ["Add", 0],
    ["Sub", 1],
    ["Multiply", 2],
    ["RealDiv", 3],
  ] as const)
    wrap(name, (f) => binaryNative(op, f));
  wrap("Identity", identityShared);
  registerLstmKernels();
  registerDropoutKernel();
  state.installed = true;
}

/** True once `installWasmPatches` ran. */
export function wasmPatchesInstalled(): boolean {
  return state.installed;
}

/**
 * Run `fn` with the stock WASM kernels wherever a stock kernel exists (the speed patches are
 * undone; gap fillers such as UnsortedSegmentSum, which WASM lacks, stay), for parity tests and
 * benchmarks that measure what the patches change. Restores the patched kernels afterwards.
 */
export function withStockWasmKernels<T>(fn: () => T): T {
  if (!state.installed) return fn();
  const swapped = WASM_PATCHED_KERNELS.filter((name) => originals.has(name));
  const patched = swapped.map((name) => tf.getKernel(name, "wasm"));
  for (const name of swapped) {
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(originals.get(name)!);
  }
  try {
    return fn();
  } finally {
    for (const name of swapped) tf.unregisterKernel(name, "wasm");
    for (const config of patched) tf.registerKernel(config);
  }
}
