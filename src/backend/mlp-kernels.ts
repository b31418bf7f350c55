/**
 * The makemore MLP's whole training step as one native call (issue 53), outside tfjs's dispatch:
 *
 *   emb = C[X] [n, B·d] → h = tanh(emb·W1 + b1) [n, H] → logits = h·W2 + b2 [n, V]
 *   → loss = mean cross-entropy against Y → the hand-written backward → p ← p − lr·∇p
 *
 * Through tfjs this step is ~80 kernels (39 forward, 32 backward, 10 for the update) whose
 * dispatch, engine bookkeeping and addon calls cost ~0.4–0.8 ms for a few microseconds of maths;
 * here it is one Node-API call that reads the parameters where the WASM backend keeps them and
 * updates them in place. The tf.Variables stay the source of truth: nothing is copied out, so
 * checkpoints, `mlpLmLogits` and the rest of the API see the updated weights at once.
 *
 * A variable whose memory another tensor shares (`tf.variable(t)` or `v.assign(t)` while `t` is
 * alive, or a clone) first gets a private copy, so that no other tensor changes. Returns null
 * (the caller uses tfjs autodiff) on any backend but WASM, without the addon, or when a variable
 * is not on the WASM backend yet. Parity with autodiff on cpu and wasm: tests/backend/mlp-step.test.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { nativeBinding } from "./native";
import { WasmBackendLike } from "./native-kernels";

/** The WASM backend's reference count of a tensor's memory (0 when the data is not on it). */
interface WasmBackendWithRefs extends WasmBackendLike {
  refCount(dataId: object): number;
}

/** True when `fusedMlpStep` can run: the WASM backend is active and the addon has the MLP step. */
export function fusedMlpAvailable(): boolean {
  const native = nativeBinding();
  return native !== null && typeof native.mlpLmStep === "function" && tf.getBackend() === "wasm";
}

/**
 * Give `v` memory of its own when another tensor shares it (copy on write). False when its data is
 * not on the WASM backend (tfjs moves it there at the next kernel that reads it).
 */
function ensureOwned(backend: WasmBackendWithRefs, v: tf.Variable): boolean {
  const refs = backend.refCount(v.dataId);
  if (refs === 0) return false;
  if (refs > 1) {
    const copy = tf.tensor((backend.typedArrayFromHeap(v) as Float32Array).slice(), v.shape, "float32");
    v.assign(copy);
    copy.dispose();
  }
  return true;
}

/**
 * One step of the MLP with parameters [C, W1, b1, W2, b2] (float32 variables of shapes [V, d],
 * [B·d, H], [H], [H, V], [V]) on int32 contexts X [n·B] (row-major [n, B]) and targets Y [n]:
 * returns the mean cross-entropy (before the update, computed in double). With `lr` a number the
 * parameters are updated in place, p ← p − lr·∇p; with `grads` (five Float32Arrays shaped like the
 * parameters) the gradients are written there. Null when the fused step is not available here
 * (see the module comment); ids outside [0, V) throw.
 */
export function fusedMlpStep(params: readonly tf.Variable[], X: Int32Array, Y: Int32Array, lr: number | null, grads?: Float32Array[]): number | null {
  const native = nativeBinding();
  if (!native || typeof native.mlpLmStep !== "function" || tf.getBackend() !== "wasm") return null;
  if (params.length !== 5) throw new Error(`fusedMlpStep: expected the 5 parameters C, W1, b1, W2, b2, got ${params.length}`);
  const backend = tf.backend() as unknown as WasmBackendWithRefs;
  for (const v of params) {
    if (v.dtype !== "float32") throw new Error(`fusedMlpStep: parameter ${v.name} is ${v.dtype}, not float32`);
    if (!ensureOwned(backend, v)) return null;
  }
  // Views after every allocation above (a heap growth detaches earlier ones).
  const [C, W1, b1, W2, b2] = params.map((v) => backend.typedArrayFromHeap(v) as Float32Array);
  return native.mlpLmStep(C, W1, b1, W2, b2, X, Y, lr, grads ?? null);
}
