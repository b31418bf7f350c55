/**
 * Seeded dropout whose mask is a function of (seed, element index): element i is kept iff
 * fmix32(fmix32(seed) + (i + 1)·0x9E3779B9) ≥ rate·2³² (fmix32 = murmur3's finalizer), and kept
 * elements are scaled by 1/(1 − rate). Same semantics as `tf.dropout`, but
 *  - the backward pass recomputes the mask from the seed instead of keeping it;
 *  - on WASM with the native addon one vectorized kernel (`NumlabDropout`) does mask and product
 *    in one pass, ~30x faster than `tf.dropout`, whose JS random generator costs ~12 ns per
 *    element (≈ 0.4 s per step of the seed-size transformer);
 *  - every backend gets the same mask (`dropoutMask` is the JS reference, also used off WASM).
 */
import * as tf from "@tensorflow/tfjs";
import { nativeBinding } from "./native";
import { WasmBackendLike } from "./native-kernels";

type TensorInfo = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelConfig["kernelFunc"]>[0];

export const DROPOUT_KERNEL = "NumlabDropout";

function fmix32(z: number): number {
  z ^= z >>> 16;
  z = Math.imul(z, 0x85ebca6b);
  z ^= z >>> 13;
  z = Math.imul(z, 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function checkArgs(rate: number, seed: number): void {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  if (!Number.isInteger(seed)) throw new Error(`dropout: seed must be an integer, got ${seed}`);
}

/** The kept-element threshold on the 32-bit hash. */
function threshold(rate: number): number {
  return Math.min(Math.floor(rate * 4294967296), 4294967295);
}

/** The mask of `n` elements as multipliers (0 or 1/(1 − rate)): the reference implementation. */
export function dropoutMask(n: number, rate: number, seed: number): Float32Array {
  checkArgs(rate, seed);
  const mask = new Float32Array(n);
  const base = fmix32(seed >>> 0);
  const cut = threshold(rate);
  const scale = 1 / (1 - rate);
  for (let i = 0; i < n; i++) mask[i] = fmix32((Math.imul(i + 1, 0x9e3779b9) + base) | 0) >= cut ? scale : 0;
  return mask;
}

function dropoutKernel(args: KernelArgs): TensorInfo {
  const native = nativeBinding();
  if (!native) throw new Error(`${DROPOUT_KERNEL} needs the native addon`);
  const backend = args.backend as unknown as WasmBackendLike;
  const { x } = args.inputs as { x: TensorInfo };
  const { rate, seed } = args.attrs as { rate: number; seed: number };
  if (x.dtype !== "float32") throw new Error(`${DROPOUT_KERNEL}: expected float32, got ${x.dtype}`);
  const out = backend.makeOutput(x.shape, "float32");
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  native.dropout(view(x), view(out), threshold(rate), 1 / (1 - rate), seed >>> 0);
  return out;
}

/** Register the kernel for "wasm" (idempotent; called by installWasmPatches). */
export function registerDropoutKernel(): void {
  if (!tf.getKernel(DROPOUT_KERNEL, "wasm")) {
    tf.registerKernel({ kernelName: DROPOUT_KERNEL, backendName: "wasm", kernelFunc: dropoutKernel as unknown as tf.KernelFunc });
  }
}

function applyMask(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  if (tf.getBackend() === "wasm" && nativeBinding() && x.dtype === "float32" && tf.getKernel(DROPOUT_KERNEL, "wasm")) {
    return tf.engine().runKernel(DROPOUT_KERNEL, { x }, { rate, seed }) as tf.Tensor;
  }
  return tf.tidy(() => tf.mul(x, tf.tensor(dropoutMask(x.size, rate, seed), x.shape)));
}

/**
 * `x` with each element zeroed with probability `rate` (by the seeded mask above) and the rest
 * scaled by 1/(1 − rate); differentiable (the gradient is the same mask applied to dy).
 */
export function seededDropout<T extends tf.Tensor>(x: T, rate: number, seed: number): T {
  checkArgs(rate, seed);
  if (rate === 0) return x;
  const f = tf.customGrad(((input: tf.Tensor) => ({
    value: applyMask(input, rate, seed),
    gradFunc: (dy: tf.Tensor) => applyMask(dy, rate, seed),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as T;
}
