/**
 * Whole-recurrence LSTM kernels for the WASM backend, served by the native addon (./native):
 *  - `NumlabLstmForward`  {projected [T·B, 4H], recurrent [H, 4H]} → h, c, tanh(c), σ(i), σ(f),
 *    tanh(g), σ(o), each [T·B, H] (time-major rows t·B + b; gate columns i, f, g, o; zero initial
 *    states), computing per step gates = projected_t + h_{t-1}·recurrent and the cell;
 *  - `NumlabLstmBackward` {dy, recurrent, c, tanhC, i, f, g, o} → dZ [T·B, 4H], the gradient of
 *    the gate pre-activations of every step (the dh/dc recurrence).
 * One call each instead of ~12 kernels per step forward and ~7 backward (49 steps: ~930 tfjs
 * kernel calls per training step of the bench LSTM). `lstmLayer` (src/models/lstm-lm.ts) uses
 * them when `fusedLstmAvailable()`; elsewhere it composes tfjs ops with the same maths. Parity
 * with the cpu backend: tests/backend/patches.test.ts (LSTM language model) and
 * tests/backend/lstm-grad.test.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { nativeBinding } from "./native";
import { WasmBackendLike } from "./native-kernels";

type TensorInfo = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelConfig["kernelFunc"]>[0];

export const LSTM_FORWARD = "NumlabLstmForward";
export const LSTM_BACKWARD = "NumlabLstmBackward";

function requireNative() {
  const native = nativeBinding();
  if (!native) throw new Error("the fused LSTM kernels need the native addon (see fusedLstmAvailable)");
  return native;
}

function checkFloat(name: string, t: TensorInfo, shape: number[]): void {
  if (t.dtype !== "float32") throw new Error(`${name}: expected float32, got ${t.dtype}`);
  if (t.shape.join("x") !== shape.join("x")) throw new Error(`${name}: expected shape [${shape}], got [${t.shape}]`);
}

function lstmForwardKernel(args: KernelArgs): TensorInfo[] {
  const native = requireNative();
  const backend = args.backend as unknown as WasmBackendLike;
  const { projected, recurrent } = args.inputs as { projected: TensorInfo; recurrent: TensorInfo };
  const { steps, batch } = args.attrs as { steps: number; batch: number };
  const h = recurrent.shape[0];
  checkFloat(`${LSTM_FORWARD} recurrent`, recurrent, [h, 4 * h]);
  checkFloat(`${LSTM_FORWARD} projected`, projected, [steps * batch, 4 * h]);
  const outs = Array.from({ length: 7 }, () => backend.makeOutput([steps * batch, h], "float32"));
  // Views after every allocation (a heap growth detaches earlier ones).
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  const [h0, c0, tanhC0, i0, f0, g0, o0] = outs.map(view);
  native.lstmForward(view(projected), view(recurrent), steps, batch, h0, c0, tanhC0, i0, f0, g0, o0);
  return outs;
}

function lstmBackwardKernel(args: KernelArgs): TensorInfo {
  const native = requireNative();
  const backend = args.backend as unknown as WasmBackendLike;
  const inputs = args.inputs as Record<"dy" | "recurrent" | "c" | "tanhC" | "i" | "f" | "g" | "o", TensorInfo>;
  const { steps, batch } = args.attrs as { steps: number; batch: number };
  const h = inputs.recurrent.shape[0];
  checkFloat(`${LSTM_BACKWARD} recurrent`, inputs.recurrent, [h, 4 * h]);
  for (const name of ["dy", "c", "tanhC", "i", "f", "g", "o"] as const) checkFloat(`${LSTM_BACKWARD} ${name}`, inputs[name], [steps * batch, h]);
  const dz = backend.makeOutput([steps * batch, 4 * h], "float32");
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  native.lstmBackward(
    view(inputs.dy),
    view(inputs.recurrent),
    view(inputs.c),
    view(inputs.tanhC),
    view(inputs.i),
    view(inputs.f),
    view(inputs.g),
    view(inputs.o),
    steps,
    batch,
    view(dz),
  );
  return dz;
}

/** Register both kernels for "wasm" (idempotent; called by installWasmPatches). */
export function registerLstmKernels(): void {
  if (!tf.getKernel(LSTM_FORWARD, "wasm"))
    tf.registerKernel({ kernelName: LSTM_FORWARD, backendName: "wasm", kernelFunc: lstmForwardKernel as unknown as tf.KernelFunc });
  if (!tf.getKernel(LSTM_BACKWARD, "wasm"))
    tf.registerKernel({ kernelName: LSTM_BACKWARD, backendName: "wasm", kernelFunc: lstmBackwardKernel as unknown as tf.KernelFunc });
}

/** True when the active backend is WASM with the native addon loaded and the kernels registered. */
export function fusedLstmAvailable(): boolean {
  return tf.getBackend() === "wasm" && nativeBinding() !== null && tf.getKernel(LSTM_FORWARD, "wasm") !== undefined;
}

/** The forward recurrence (see the module comment): [h, c, tanhC, i, f, g, o]. */
export function fusedLstmForward(projected: tf.Tensor2D, recurrent: tf.Tensor2D, steps: number, batch: number): tf.Tensor2D[] {
  return tf.engine().runKernel(LSTM_FORWARD, { projected, recurrent }, { steps, batch }) as tf.Tensor2D[];
}

/** dZ [T·B, 4H] from dy [T·B, H] and the forward's saved states. */
export function fusedLstmBackward(
  dy: tf.Tensor2D,
  recurrent: tf.Tensor2D,
  states: { c: tf.Tensor2D; tanhC: tf.Tensor2D; i: tf.Tensor2D; f: tf.Tensor2D; g: tf.Tensor2D; o: tf.Tensor2D },
  steps: number,
  batch: number,
): tf.Tensor2D {
  return tf.engine().runKernel(LSTM_BACKWARD, { dy, recurrent, ...states }, { steps, batch }) as tf.Tensor2D;
}
