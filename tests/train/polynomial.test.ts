import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { loadPolynomialRun, polynomialRunSplit, trainPolynomial, PolynomialBatchStream } from "../../src/train/polynomial";
import { evaluatePolynomialModel } from "../../src/eval/polynomial";
import { readMetrics } from "../../src/train/run-dir";

const tiny = { hidden: 16, encoderLayers: 1, decoderLayers: 1, heads: 2, ffHidden: 16, dropout: 0 };

test("batch stream is resumable from its cursor", () => {
  const examples = Array.from({ length: 10 }, (_, i) => ({ source: [1, i + 4, 2], target: [1, i + 4, 2] }));
  const a = new PolynomialBatchStream(examples, 4, 3);
  for (let i = 0; i < 4; i++) a.next();
  const b = new PolynomialBatchStream(examples, 4, 3);
  b.seek(a.cursor());
  assert.deepEqual([...a.next().source], [...b.next().source]);
});

test("trains a tiny run, writes the run directory, resumes and reloads for evaluation", async () => {
  await tf.setBackend("cpu");
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-poly-run-"));
  const options = {
    data: { source: "generated" as const, generated: 200, splitSeed: 5 },
    model: tiny,
    train: { steps: 2, batchSize: 16, evalEvery: 2, evalSize: 8, warmupSteps: 0 },
    out,
  };
  const first = await trainPolynomial(options);
  assert.equal(first.summary.step, 2);
  for (const f of ["config.json", "metrics.jsonl", "vocab.json", "checkpoint"]) assert.ok(fs.existsSync(path.join(out, f)), f);
  // resuming with another dropout logs the change in config.json
  assert.equal(first.config.model.dropout, 0);
  const resumed = await trainPolynomial({ ...options, train: { ...options.train, steps: 4 }, resume: true, onResume: { dropout: 0.25 } });
  assert.equal(resumed.summary.startStep, 2);
  assert.equal(resumed.config.model.dropout, 0.25);
  const saved = JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8"));
  assert.equal(saved.model.dropout, 0.25);
  assert.deepEqual(
    saved.numlab.changes.map((c: { step: number; change: string }) => [c.step, c.change]),
    [
      [2, "train.steps 2 → 4"],
      [2, "model.dropout 0 → 0.25"],
    ],
  );
  assert.equal(saved.train.steps, 4);
  await assert.rejects(
    trainPolynomial({ ...options, train: { ...options.train, steps: 4 }, resume: true, onResume: { dropout: 1.5 } }),
    /dropout must be in \[0, 1\), got 1.5/,
  );
  const metrics = readMetrics<{ step: number; valExactMatch: number }>(out);
  assert.deepEqual(
    metrics.map((m) => m.step),
    [2, 4],
  );
  assert.ok(metrics.every((m) => m.valExactMatch >= 0 && m.valExactMatch <= 1));

  const run = loadPolynomialRun(out);
  const split = await polynomialRunSplit(run.config.data);
  assert.equal(split.train.length + split.val.length + split.test.length, 200);
  const r = evaluatePolynomialModel(run.model, run.language, split.test.slice(0, 6), { batchSize: 4 });
  assert.equal(r.rows.length, 6);
  // scores are recomputed from the prediction strings
  assert.equal(r.scores.exactCount, r.rows.filter((x) => x.predicted === x.expanded).length);
  const beams = evaluatePolynomialModel(run.model, run.language, split.test.slice(0, 3), { beams: 2 });
  assert.equal(beams.rows.length, 3);
  assert.throws(() => loadPolynomialRun(path.join(out, "missing")), /not a run directory/);
});
