/**
 * Linear probes: how much of a property (even, prime, ...) can a logistic regression read off an
 * integer's embedding? Features are standardized with statistics of the training folds only,
 * the classifier is L2-regularized logistic regression (sklearn's objective:
 * ½‖w‖² + C·Σ log(1 + e^(−y·(w·x + b))), intercept not penalized) solved to convergence with
 * L-BFGS, and accuracies are averaged over a shuffled, seeded, stratified k-fold split.
 * Everything runs on plain Float64Arrays and is deterministic for a given seed.
 */
import { Rng } from "../random";
import { PROPERTY_NAMES, PropertyName, propertyLabels } from "./number-properties";

/** Feature rows: one array per sample, all of the same length. */
export type FeatureRows = ReadonlyArray<ArrayLike<number>>;

/** A dense row-major matrix of float64 values. */
export interface DenseMatrix {
  values: Float64Array;
  rows: number;
  cols: number;
}

/** Copy rows (optionally a subset, in the given order) into a dense float64 matrix. */
export function toDenseMatrix(rows: FeatureRows, indices?: ArrayLike<number>): DenseMatrix {
  const n = indices ? indices.length : rows.length;
  const cols = rows.length ? rows[0].length : 0;
  const values = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) {
    const row = rows[indices ? indices[i] : i];
    if (row.length !== cols) throw new Error(`features: row ${indices ? indices[i] : i} has ${row.length} values, expected ${cols}`);
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (!Number.isFinite(v)) throw new Error(`features: row ${indices ? indices[i] : i}, column ${j} is ${v}`);
      values[i * cols + j] = v;
    }
  }
  return { values, rows: n, cols };
}

// ---------------------------------------------------------------------------------------------
// Standardization

export interface Standardizer {
  mean: Float64Array;
  /** Population standard deviation per column (1 where a column is constant), as in sklearn. */
  scale: Float64Array;
}

/** Column means and standard deviations of `m` (population std; constant columns get scale 1). */
export function fitStandardizer(m: DenseMatrix): Standardizer {
  const mean = new Float64Array(m.cols);
  const scale = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) mean[j] += m.values[i * m.cols + j];
  for (let j = 0; j < m.cols; j++) mean[j] /= Math.max(1, m.rows);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      const d = m.values[i * m.cols + j] - mean[j];
      scale[j] += d * d;
    }
  }
  for (let j = 0; j < m.cols; j++) {
    const s = Math.sqrt(scale[j] / Math.max(1, m.rows));
    // same rule as sklearn: (near-)constant columns are left unscaled
    scale[j] = s < 10 * Number.EPSILON * Math.max(1, Math.abs(mean[j])) ? 1 : s;
  }
  return { mean, scale };
}

/** A standardized copy of `m`. */
export function applyStandardizer(s: Standardizer, m: DenseMatrix): DenseMatrix {
  if (s.mean.length !== m.cols) throw new Error(`standardizer fitted on ${s.mean.length} columns, got ${m.cols}`);
  const values = new Float64Array(m.values.length);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) values[i * m.cols + j] = (m.values[i * m.cols + j] - s.mean[j]) / s.scale[j];
  }
  return { values, rows: m.rows, cols: m.cols };
}

// ---------------------------------------------------------------------------------------------
// Logistic regression

export interface LogisticRegressionOptions {
  /** Inverse regularization strength, as sklearn's `C`. Default 1. */
  C?: number;
  /** L-BFGS iterations at most. Default 1000. */
  maxIterations?: number;
  /** Stop when the largest gradient component of the (per-sample averaged) objective is below this. Default 1e-7. */
  gradientTolerance?: number;
  /** L-BFGS history size. Default 10. */
  memory?: number;
}

export interface LogisticModel {
  weights: Float64Array;
  bias: number;
  /** Iterations L-BFGS used. */
  iterations: number;
  /** Whether the gradient tolerance was reached. */
  converged: boolean;
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * Objective f(θ)/n and its gradient, θ = [w..., b]:
 * (1/n)·Σ softplus(−s_i·(w·x_i + b)) + ‖w‖²/(2Cn), with s_i = ±1.
 */
function objective(x: DenseMatrix, signs: Float64Array, theta: Float64Array, invC: number, grad: Float64Array): number {
  const { rows: n, cols: d, values } = x;
  const b = theta[d];
  grad.fill(0);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const off = i * d;
    let z = b;
    for (let j = 0; j < d; j++) z += values[off + j] * theta[j];
    const margin = signs[i] * z;
    loss += softplus(-margin);
    // d/dz softplus(−s z) = −s σ(−s z)
    const g = -signs[i] * sigmoid(-margin);
    for (let j = 0; j < d; j++) grad[j] += g * values[off + j];
    grad[d] += g;
  }
  let reg = 0;
  for (let j = 0; j < d; j++) {
    reg += theta[j] * theta[j];
    grad[j] += invC * theta[j];
  }
  const scale = 1 / n;
  for (let j = 0; j <= d; j++) grad[j] *= scale;
  return (loss + 0.5 * invC * reg) * scale;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * Fit L2-regularized logistic regression on 0/1 labels by L-BFGS (two-loop recursion, backtracking
 * Armijo line search). With a single class in `labels` the model is the constant predictor.
 */
export function fitLogisticRegression(x: DenseMatrix, labels: ArrayLike<number>, options: LogisticRegressionOptions = {}): LogisticModel {
  const C = options.C ?? 1;
  if (!(C > 0)) throw new Error(`logistic regression: C must be > 0, got ${C}`);
  const maxIterations = options.maxIterations ?? 1000;
  const tol = options.gradientTolerance ?? 1e-7;
  const memory = options.memory ?? 10;
  const { rows: n, cols: d } = x;
  if (labels.length !== n) throw new Error(`logistic regression: ${n} rows but ${labels.length} labels`);
  if (n === 0) throw new Error("logistic regression: no training samples");
  const signs = new Float64Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    signs[i] = labels[i] ? 1 : -1;
    positives += labels[i] ? 1 : 0;
  }
  if (positives === 0 || positives === n) {
    return { weights: new Float64Array(d), bias: positives === n ? Infinity : -Infinity, iterations: 0, converged: true };
  }
  const invC = 1 / C;
  const dim = d + 1;
  let theta = new Float64Array(dim);
  let grad = new Float64Array(dim);
  let f = objective(x, signs, theta, invC, grad);
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rhoHist: number[] = [];
  const alpha = new Float64Array(memory);
  const dir = new Float64Array(dim);
  const nextTheta = new Float64Array(dim);
  const nextGrad = new Float64Array(dim);
  let iterations = 0;
  let converged = maxAbs(grad) < tol;
  while (!converged && iterations < maxIterations) {
    iterations++;
    // two-loop recursion: dir = −H·grad
    for (let j = 0; j < dim; j++) dir[j] = -grad[j];
    for (let k = sHist.length - 1; k >= 0; k--) {
      alpha[k] = rhoHist[k] * dot(sHist[k], dir);
      const yk = yHist[k];
      for (let j = 0; j < dim; j++) dir[j] -= alpha[k] * yk[j];
    }
    if (sHist.length) {
      const last = sHist.length - 1;
      const gamma = dot(sHist[last], yHist[last]) / dot(yHist[last], yHist[last]);
      for (let j = 0; j < dim; j++) dir[j] *= gamma;
    } else {
      const g = Math.sqrt(dot(grad, grad));
      for (let j = 0; j < dim; j++) dir[j] /= Math.max(1, g);
    }
    for (let k = 0; k < sHist.length; k++) {
      const beta = rhoHist[k] * dot(yHist[k], dir);
      const sk = sHist[k];
      for (let j = 0; j < dim; j++) dir[j] += (alpha[k] - beta) * sk[j];
    }
    let slope = dot(grad, dir);
    if (!(slope < 0)) {
      // not a descent direction (numerical trouble): restart from steepest descent
      sHist.length = yHist.length = rhoHist.length = 0;
      for (let j = 0; j < dim; j++) dir[j] = -grad[j];
      slope = dot(grad, dir);
    }
    let step = 1;
    let fNext = Infinity;
    for (let tries = 0; tries < 60; tries++) {
      for (let j = 0; j < dim; j++) nextTheta[j] = theta[j] + step * dir[j];
      fNext = objective(x, signs, nextTheta, invC, nextGrad);
      if (fNext <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNext <= f)) break; // no progress possible at float precision
    const s = new Float64Array(dim);
    const y = new Float64Array(dim);
    for (let j = 0; j < dim; j++) {
      s[j] = nextTheta[j] - theta[j];
      y[j] = nextGrad[j] - grad[j];
    }
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (sHist.length === memory) {
        sHist.shift();
        yHist.shift();
        rhoHist.shift();
      }
      sHist.push(s);
      yHist.push(y);
      rhoHist.push(1 / sy);
    }
    const fPrev = f;
    theta = Float64Array.from(nextTheta);
    grad = Float64Array.from(nextGrad);
    f = fNext;
    converged = maxAbs(grad) < tol;
    if (!converged && Math.abs(fPrev - f) <= 1e-16 * Math.max(1, Math.abs(f))) break;
  }
  return { weights: theta.slice(0, d), bias: theta[d], iterations, converged };
}

/** Predicted 0/1 labels: 1 where the decision value is > 0 (as sklearn). */
export function predictLogistic(model: LogisticModel, x: DenseMatrix): Uint8Array {
  const out = new Uint8Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let z = model.bias;
    if (Number.isFinite(z)) for (let j = 0; j < x.cols; j++) z += model.weights[j] * x.values[i * x.cols + j];
    out[i] = z > 0 ? 1 : 0;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Stratified k-fold

export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

/**
 * Split sample indices into `k` folds keeping each class's share in every fold: the indices of
 * each class are shuffled with `rng` and dealt round-robin over the folds (each class starting
 * where the previous one stopped, so fold sizes differ by at most one).
 */
export function stratifiedKFold(labels: ArrayLike<number>, k = 5, rng: Rng = new Rng(0)): Fold[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`stratifiedKFold: k must be an integer ≥ 2, got ${k}`);
  if (labels.length < k) throw new Error(`stratifiedKFold: ${labels.length} samples cannot make ${k} folds`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!byClass.has(c)) byClass.set(c, []);
    byClass.get(c)!.push(i);
  }
  const foldOf = new Int32Array(labels.length);
  let next = 0;
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = rng.shuffle(byClass.get(c)!);
    for (const i of members) {
      foldOf[i] = next;
      next = (next + 1) % k;
    }
  }
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < labels.length; i++) (foldOf[i] === f ? test : train).push(i);
    folds.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  return folds;
}

// ---------------------------------------------------------------------------------------------
// Probes

export interface ProbeOptions extends LogisticRegressionOptions {
  /** Number of folds. Default 5. */
  folds?: number;
  /** Seed of the fold shuffle. Default 0. */
  seed?: number;
  /** Targets to probe. Default all of div2, div3, div4, div5, div10, prime. */
  targets?: readonly PropertyName[];
}

export interface ProbeResult {
  /** Mean training accuracy over the folds (0..1). */
  train: number;
  /** Mean test accuracy over the folds (0..1). */
  test: number;
  /** Population standard deviation of the per-fold test accuracies. */
  testStd: number;
  /** Accuracy of always predicting the most frequent class (over all samples). */
  majority: number;
  /** Per-fold test accuracies. */
  foldTest: number[];
}

function accuracy(pred: Uint8Array, labels: ArrayLike<number>, indices: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < indices.length; i++) if (pred[i] === (labels[indices[i]] ? 1 : 0)) correct++;
  return correct / indices.length;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function std(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
}

/** Accuracy of always predicting the most frequent of the 0/1 labels. */
export function majorityBaseline(labels: ArrayLike<number>): number {
  let ones = 0;
  for (let i = 0; i < labels.length; i++) ones += labels[i] ? 1 : 0;
  return Math.max(ones, labels.length - ones) / labels.length;
}

/** Cross-validated probe of one 0/1 target on given folds. */
export function probeTargetOnFolds(features: FeatureRows, labels: ArrayLike<number>, folds: Fold[], options: LogisticRegressionOptions = {}): ProbeResult {
  if (features.length !== labels.length) throw new Error(`probe: ${features.length} feature rows but ${labels.length} labels`);
  const trainAcc: number[] = [];
  const testAcc: number[] = [];
  for (const fold of folds) {
    const rawTrain = toDenseMatrix(features, fold.train);
    const scaler = fitStandardizer(rawTrain);
    const xTrain = applyStandardizer(scaler, rawTrain);
    const xTest = applyStandardizer(scaler, toDenseMatrix(features, fold.test));
    const yTrain = Uint8Array.from(fold.train, (i) => (labels[i] ? 1 : 0));
    const model = fitLogisticRegression(xTrain, yTrain, options);
    trainAcc.push(accuracy(predictLogistic(model, xTrain), labels, fold.train));
    testAcc.push(accuracy(predictLogistic(model, xTest), labels, fold.test));
  }
  return { train: mean(trainAcc), test: mean(testAcc), testStd: std(testAcc), majority: majorityBaseline(labels), foldTest: testAcc };
}

/** Cross-validated probe of one 0/1 target with seeded stratified folds. */
export function probeTarget(features: FeatureRows, labels: ArrayLike<number>, options: ProbeOptions = {}): ProbeResult {
  const folds = stratifiedKFold(labels, options.folds ?? 5, new Rng(options.seed ?? 0));
  return probeTargetOnFolds(features, labels, folds, options);
}

export interface ProbeRow extends ProbeResult {
  target: PropertyName;
  /** Samples probed. */
  n: number;
}

/**
 * Probe every target for the embedding rows `matrix[i]` of the integers `integers[i]`.
 * Each target gets its own stratified folds from the same seed.
 */
export function probeEmbeddings(matrix: FeatureRows, integers: ArrayLike<number>, options: ProbeOptions = {}): ProbeRow[] {
  if (matrix.length !== integers.length) throw new Error(`probeEmbeddings: ${matrix.length} vectors but ${integers.length} integers`);
  const targets = options.targets ?? PROPERTY_NAMES;
  const labels = propertyLabels(integers, targets);
  return targets.map((target) => ({ target, n: integers.length, ...probeTarget(matrix, labels[target], options) }));
}

/** The `--json` shape: `{ div2: { train, test, testStd, majority }, ... }`. */
export function probeSummary(rows: ProbeRow[]): Record<string, { train: number; test: number; testStd: number; majority: number }> {
  const out: Record<string, { train: number; test: number; testStd: number; majority: number }> = {};
  for (const r of rows) out[r.target] = { train: r.train, test: r.test, testStd: r.testStd, majority: r.majority };
  return out;
}

/** A named set of integer embeddings for `compareEmbeddingProbes`. */
export interface NamedEmbeddings {
  name: string;
  integers: number[];
  vectors: ReadonlyArray<ArrayLike<number>>;
}

/**
 * One row per embedding with its size and the mean test accuracy of each target, then the
 * majority-class baseline of the widest integer set; a set with other integers (BERT's, with
 * gaps) gets its own majority row as well.
 */
export function compareEmbeddingProbes(sets: NamedEmbeddings[], options: ProbeOptions = {}): Record<string, string | number>[] {
  const targets = options.targets ?? PROPERTY_NAMES;
  const rows: Record<string, string | number>[] = [];
  let widest: number[] = [];
  for (const set of sets) {
    const result = probeEmbeddings(set.vectors, set.integers, { ...options, targets });
    const row: Record<string, string | number> = { embedding: set.name, integers: set.integers.length, dim: set.vectors.length ? set.vectors[0].length : 0 };
    for (const r of result) row[r.target] = r.test;
    rows.push(row);
    if (set.integers.length > widest.length) widest = set.integers;
  }
  const majorityRow = (name: string, integers: number[]): Record<string, string | number> => {
    const labels = propertyLabels(integers, targets);
    const row: Record<string, string | number> = { embedding: name, integers: integers.length, dim: 0 };
    for (const t of targets) row[t] = majorityBaseline(labels[t]);
    return row;
  };
  rows.push(majorityRow("majority class", widest));
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  for (const set of sets) if (!same(set.integers, widest)) rows.push(majorityRow(`majority class (${set.name}'s integers)`, set.integers));
  return rows;
}
