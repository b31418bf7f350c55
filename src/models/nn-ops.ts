/**
 * Small building blocks shared by the models, written for speed on the WASM backend:
 * 2-D matmuls (XNNPACK's fast path), fused bias/activation, and cross-entropy from integer targets
 * without a dense one-hot.
 */
import * as tf from "@tensorflow/tfjs";

/**
 * `x · w + b` (optionally followed by relu/sigmoid/…) for x of any rank ≥ 2: the leading dims are
 * folded into rows so one 2-D matmul does the work; the result keeps x's leading dims.
 */
export function linear(x: tf.Tensor, w: tf.Tensor2D, b?: tf.Tensor1D, activation?: "relu" | "linear" | "sigmoid" | "elu" | "relu6"): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1];
  if (inDim !== w.shape[0]) throw new Error(`linear: input has ${inDim} features but the weight expects ${w.shape[0]}`);
  const rows = x.size / inDim;
  const x2 = x.rank === 2 ? (x as tf.Tensor2D) : x.reshape([rows, inDim]);
  const y = tf.fused.matMul({ a: x2 as tf.Tensor2D, b: w, bias: b, activation: activation ?? "linear" });
  return x.rank === 2 ? y : y.reshape([...x.shape.slice(0, -1), w.shape[1]]);
}

/** `targets` as int32 with ignored entries (== ignoreId) replaced by 0, and the float mask of kept ones. */
function keptTargets(targets: tf.Tensor, ignoreId: number | null): { safe: tf.Tensor1D; mask: tf.Tensor1D } {
  const flat = targets.reshape([-1]).toInt() as tf.Tensor1D;
  if (ignoreId === null) return { safe: flat, mask: tf.onesLike(flat).toFloat() as tf.Tensor1D };
  const keep = tf.notEqual(flat, ignoreId);
  return { safe: tf.where(keep, flat, tf.zerosLike(flat)) as tf.Tensor1D, mask: keep.toFloat() as tf.Tensor1D };
}

/**
 * Mean cross-entropy of `logits` [N, V] against integer `targets` [N] (int32), over the rows whose
 * target is not `ignoreId` (pass null to keep all). Same value as softmax + one-hot NLL, but the
 * gradient is built sparsely: softmax·w minus w at the N target positions, with no [N, V] one-hot.
 * Returns 0 when every target is ignored.
 */
export function sparseCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor, ignoreId: number | null = null): tf.Scalar {
  const [n, v] = logits.shape;
  if (targets.size !== n) throw new Error(`sparseCrossEntropy: ${n} logit rows but ${targets.size} targets`);
  const { safe, mask, flatIndex, weight } = tf.tidy(() => {
    const kept = keptTargets(targets, ignoreId);
    const count = tf.maximum(tf.sum(kept.mask), 1);
    const rowStart = tf.range(0, n * v, v, "int32");
    return {
      safe: kept.safe,
      mask: kept.mask,
      // Index of each row's target in the flattened logits.
      flatIndex: tf.add(rowStart, kept.safe) as tf.Tensor1D,
      // Per-row weight of the mean: mask / count.
      weight: tf.div(kept.mask, count) as tf.Tensor1D,
    };
  });
  const withGrad = ((x: tf.Tensor2D, save: (tensors: tf.Tensor[]) => void) => {
    const rowMax = tf.max(x, 1, true);
    const shifted = tf.sub(x, rowMax);
    const e = tf.exp(shifted);
    const sumExp = tf.sum(e, 1);
    const picked = tf.gather(shifted.reshape([n * v]), flatIndex);
    const perRow = tf.sub(tf.log(sumExp), picked);
    const value = tf.sum(tf.mul(perRow, weight)) as tf.Scalar;
    // Saved tensors survive the caller's tidy until the backward pass (closures would not).
    save([e, sumExp, flatIndex, weight]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [eSaved, sumSaved, idx, w] = saved;
        const scale = tf.mul(tf.div(w, sumSaved), dy as tf.Tensor); // [N]
        const softmaxPart = tf.mul(eSaved, scale.reshape([n, 1])).reshape([n * v]);
        // At the target positions: p·w·dy − w·dy.
        const atTargets = tf.sub(tf.gather(softmaxPart, idx), tf.mul(w, dy as tf.Tensor));
        const grad = tf.tensorScatterUpdate(softmaxPart, idx.reshape([n, 1]), atTargets);
        return [grad.reshape([n, v])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0];
  const loss = tf.customGrad(withGrad)(logits) as tf.Scalar;
  tf.dispose([safe, mask]);
  return loss;
}

/** Reference: the same loss through log-softmax and a dense one-hot (for tests only). */
export function denseCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor, ignoreId: number | null = null): tf.Scalar {
  return tf.tidy(() => {
    const { safe, mask } = keptTargets(targets, ignoreId);
    const logp = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logp, tf.oneHot(safe, logits.shape[1])), 1);
    return tf.neg(tf.div(tf.sum(tf.mul(picked, mask)), tf.maximum(tf.sum(mask), 1))) as tf.Scalar;
  });
}
