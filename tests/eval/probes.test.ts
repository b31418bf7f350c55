import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as path from "path";
import { Rng } from "../../src/random";
import {
  applyStandardizer,
  fitLogisticRegression,
  fitStandardizer,
  majorityBaseline,
  predictLogistic,
  probeEmbeddings,
  probeSummary,
  probeTargetOnFolds,
  stratifiedKFold,
  toDenseMatrix,
} from "../../src/eval/probes";
import { propertyLabels } from "../../src/eval/number-properties";

const PYTHON = "/usr/bin/python3";

function hasSklearn(): boolean {
  const r = spawnSync(PYTHON, ["-c", "import sklearn, numpy"], { encoding: "utf8" });
  return r.status === 0;
}

/** Noisy features where `informative` columns carry a linear signal of the label. */
function syntheticFeatures(labels: Uint8Array, dim: number, informative: number, noise: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const directions = Array.from({ length: informative }, () => Array.from({ length: dim }, () => rng.normal()));
  return Array.from(labels, (y) => {
    const row = Array.from({ length: dim }, () => noise * rng.normal() + 3);
    for (const d of directions) for (let j = 0; j < dim; j++) row[j] += (y ? 0.5 : -0.5) * d[j] * 0.3;
    return row;
  });
}

test("stratifiedKFold partitions the samples and keeps each class's share in every fold", () => {
  const labels = propertyLabels(Array.from({ length: 500 }, (_, i) => i)).div5; // 100 positives
  const folds = stratifiedKFold(labels, 5, new Rng(7));
  assert.equal(folds.length, 5);
  const seen = new Int32Array(labels.length);
  for (const fold of folds) {
    assert.equal(fold.train.length + fold.test.length, labels.length);
    for (const i of fold.test) seen[i]++;
    const positives = Array.from(fold.test).filter((i) => labels[i]).length;
    assert.equal(fold.test.length, 100);
    assert.equal(positives, 20, "each fold holds a fifth of the positives");
    const trainSet = new Set(fold.train);
    for (const i of fold.test) assert.ok(!trainSet.has(i));
  }
  assert.ok(
    seen.every((c) => c === 1),
    "every sample is in exactly one test fold",
  );
  // seeded: same seed same folds, another seed other folds; and shuffled (not contiguous)
  assert.deepEqual(stratifiedKFold(labels, 5, new Rng(7)), folds);
  assert.notDeepEqual(stratifiedKFold(labels, 5, new Rng(8))[0].test, folds[0].test);
  assert.notDeepEqual(Array.from(folds[0].test.slice(0, 5)), [0, 1, 2, 3, 4]);
  // uneven classes: prime (95 of 500) per fold differs by at most one
  const prime = propertyLabels(Array.from({ length: 500 }, (_, i) => i)).prime;
  const counts = stratifiedKFold(prime, 5, new Rng(1)).map((f) => Array.from(f.test).filter((i) => prime[i]).length);
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `prime counts per fold ${counts}`);
  assert.throws(() => stratifiedKFold(labels, 1), /k must be/);
});

test("standardizer uses training statistics only (population std; constant columns unscaled)", () => {
  const m = toDenseMatrix([
    [1, 5],
    [3, 5],
  ]);
  const s = fitStandardizer(m);
  assert.deepEqual(Array.from(s.mean), [2, 5]);
  assert.deepEqual(Array.from(s.scale), [1, 1]);
  const t = applyStandardizer(s, toDenseMatrix([[4, 7]]));
  assert.deepEqual(Array.from(t.values), [2, 2]);
});

test("logistic regression reaches a stationary point and separates separable data", () => {
  const rng = new Rng(3);
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 200; i++) {
    const a = rng.normal();
    const b = rng.normal();
    rows.push([a, b]);
    y.push(a + 0.5 * b > 0 ? 1 : 0);
  }
  const x = toDenseMatrix(rows);
  const model = fitLogisticRegression(x, y, { C: 100 });
  assert.ok(model.converged, `converged in ${model.iterations} iterations`);
  const pred = predictLogistic(model, x);
  const acc = pred.reduce((s, p, i) => s + (p === y[i] ? 1 : 0), 0) / y.length;
  assert.ok(acc >= 0.98, `accuracy ${acc}`);
  // direction close to (1, 0.5)
  assert.ok(Math.abs(model.weights[1] / model.weights[0] - 0.5) < 0.15, `weights ${model.weights}`);
  // one class only: constant predictor
  const constant = fitLogisticRegression(x, new Array(200).fill(1));
  assert.ok(predictLogistic(constant, x).every((p) => p === 1));
});

test("probe accuracies agree with sklearn on the same features and folds", { skip: hasSklearn() ? false : "python3 with sklearn not available" }, () => {
  const integers = Array.from({ length: 300 }, (_, i) => i);
  const labels = propertyLabels(integers).div3;
  for (const [dim, noise, seed] of [
    [20, 1, 1],
    [120, 1.5, 2], // near the sample count, as with real embeddings
  ] as const) {
    const features = syntheticFeatures(labels, dim, 3, noise, seed);
    const folds = stratifiedKFold(labels, 5, new Rng(seed));
    const ours = probeTargetOnFolds(features, labels, folds, { C: 1 });
    const input = JSON.stringify({ X: features, y: Array.from(labels), folds: folds.map((f) => Array.from(f.test)), C: 1 });
    const r = spawnSync(PYTHON, [path.join(__dirname, "sklearn_probe.py")], { input, encoding: "utf8", maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as { train: number[]; test: number[] };
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(mean(ref.test) - ours.test) <= 0.01, `dim ${dim}: test ${ours.test} vs sklearn ${mean(ref.test)}`);
    assert.ok(Math.abs(mean(ref.train) - ours.train) <= 0.01, `dim ${dim}: train ${ours.train} vs sklearn ${mean(ref.train)}`);
    assert.ok(ours.test > ours.majority + 0.05, `signal is found: ${ours.test} vs majority ${ours.majority}`);
  }
});

test("probeEmbeddings finds a planted property and stays near majority on noise", () => {
  const integers = Array.from({ length: 200 }, (_, i) => i);
  const rng = new Rng(5);
  const planted = integers.map((n) => [n % 2 === 0 ? 1 : -1, rng.normal(), rng.normal(), rng.normal()]);
  const rows = probeEmbeddings(planted, integers, { seed: 1 });
  assert.deepEqual(
    rows.map((r) => r.target),
    ["div2", "div3", "div4", "div5", "div10", "prime"],
  );
  const div2 = rows.find((r) => r.target === "div2")!;
  assert.equal(div2.test, 1);
  assert.equal(div2.majority, 0.5);
  assert.equal(div2.foldTest.length, 5);
  const noise = integers.map(() => Array.from({ length: 4 }, () => rng.normal()));
  const div5 = probeEmbeddings(noise, integers, { seed: 1, targets: ["div5"] })[0];
  assert.ok(Math.abs(div5.test - div5.majority) < 0.1, `noise probe ${div5.test} vs majority ${div5.majority}`);
  assert.equal(majorityBaseline(propertyLabels(integers).div5), 0.8);
  const summary = probeSummary(rows);
  assert.deepEqual(Object.keys(summary.prime), ["train", "test", "testStd", "majority"]);
  assert.throws(() => probeEmbeddings(planted.slice(1), integers), /199 vectors but 200 integers/);
});
