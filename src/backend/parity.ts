/**
 * Helpers to compare backends (parity tests, benchmarks): run a computation on a named backend and
 * bring the result back as plain numbers.
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Run `fn` with `backend` active and return its result as nested arrays (tensors are read and
 * disposed). The previously active backend is restored afterwards.
 */
export async function computeOnBackend(
  backend: string,
  fn: () => tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>,
): Promise<Record<string, Float32Array | Int32Array | Uint8Array>> {
  const previous = tf.getBackend();
  if (!(await tf.setBackend(backend))) throw new Error(`backend "${backend}" failed to initialize`);
  try {
    const out = tf.tidy(() => {
      const r = fn();
      if (r instanceof tf.Tensor) return { value: r };
      if (Array.isArray(r)) return Object.fromEntries(r.map((t, i) => [String(i), t]));
      return r;
    });
    const values: Record<string, Float32Array | Int32Array | Uint8Array> = {};
    for (const [k, t] of Object.entries(out)) values[k] = t.dataSync() as Float32Array | Int32Array | Uint8Array;
    tf.dispose(Object.values(out));
    return values;
  } finally {
    if (previous && previous !== backend) await tf.setBackend(previous);
  }
}

/** Largest |a[i] - b[i]| (Infinity when lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Largest |a[i] - b[i]| relative to the largest |b[i]| (at least 1). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  return maxAbsDiff(a, b) / scale;
}
