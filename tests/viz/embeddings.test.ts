import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/random";
import { integerEmbeddingsFromRows } from "../../src/embeddings/tsv";
import { pcaProjection, pcaScatter, probeAccuracyCurve, trainingLossCurve, umapProjection, umapScatter } from "../../src/viz/embeddings";

/** Vectors lying on a line (value direction) plus tiny noise, in 6 dimensions. */
function lineEmbeddings(n: number, seed: number) {
  const rng = new Rng(seed);
  const dir = [1, 2, 0, -1, 0.5, 0];
  return integerEmbeddingsFromRows(Array.from({ length: n }, (_, i) => dir.map((d) => d * i + 0.01 * rng.normal())));
}

test("PCA of points on a line: one component explains almost everything and preserves order", () => {
  const emb = lineEmbeddings(40, 1);
  const p = pcaProjection(emb.vectors, 3);
  assert.equal(p.points.length, 40);
  assert.equal(p.points[0].length, 3);
  assert.ok(p.explainedVariance![0] > 0.99, `explained ${p.explainedVariance}`);
  const first = p.points.map((q) => q[0]);
  const increasing = first.every((v, i) => i === 0 || v > first[i - 1]);
  const decreasing = first.every((v, i) => i === 0 || v < first[i - 1]);
  assert.ok(increasing || decreasing, "PC1 is monotone in the integer");
});

test("PCA scatter: 2-D by property has two traces splitting the points; 3-D uses scatter3d", () => {
  const emb = lineEmbeddings(30, 2);
  const fig = pcaScatter(emb, { colorBy: "div5" });
  assert.equal(fig.data.length, 2);
  assert.equal((fig.data[1].x as number[]).length, 6); // 0,5,...,25
  assert.deepEqual(fig.data[1].text, ["0", "5", "10", "15", "20", "25"]);
  assert.match(String((fig.layout!.title as { text: string }).text), /% of variance explained/);
  const fig3 = pcaScatter(emb, { dims: 3, colorBy: "value" });
  assert.equal(fig3.data[0].type, "scatter3d");
  assert.equal((fig3.data[0].z as number[]).length, 30);
  assert.deepEqual((fig3.data[0].marker as { color: number[] }).color, emb.integers);
  assert.throws(() => pcaScatter(emb, { colorBy: "div7" as never }), /colorBy/);
});

test("UMAP is deterministic for a seed and returns 2-D points", () => {
  const emb = lineEmbeddings(40, 3);
  const a = umapProjection(emb.vectors, { seed: 4, nNeighbors: 8 });
  const b = umapProjection(emb.vectors, { seed: 4, nNeighbors: 8 });
  assert.deepEqual(a.points, b.points);
  assert.equal(a.points[0].length, 2);
  const fig = umapScatter(emb, { colorBy: "prime", seed: 4, nNeighbors: 8 });
  const primes = fig.data[1].text as string[];
  assert.deepEqual(primes, ["2", "3", "5", "7", "11", "13", "17", "19", "23", "29", "31", "37"]);
});

test("loss and probe-accuracy curves follow the metrics records", () => {
  const metrics = [
    { step: 1, loss: 5 },
    { step: 2, loss: 4, evalLoss: 4.5, probes: { div2: { train: 0.9, test: 0.7, majority: 0.5 }, prime: { train: 1, test: 0.85, majority: 0.81 } } },
    { step: 3, loss: 3 },
    { step: 4, loss: 2.5, evalLoss: 3, probes: { div2: { train: 1, test: 0.9, majority: 0.5 }, prime: { train: 1, test: 0.9, majority: 0.81 } } },
  ];
  const loss = trainingLossCurve(metrics);
  assert.deepEqual(loss.data[0].x, [1, 2, 3, 4]);
  assert.deepEqual(loss.data[1].y, [4.5, 3]);
  const acc = probeAccuracyCurve(metrics);
  assert.equal(acc.data.length, 4);
  assert.deepEqual(acc.data[0].y, [0.7, 0.9]);
  assert.deepEqual(acc.data[1].y, [0.5, 0.5]);
  assert.deepEqual(acc.data[2].name, "prime (test)");
});
