import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  PolynomialDataConfig,
  loadPolynomialRun,
  polynomialAzValidation,
  polynomialRunSplit,
  polynomialTrainingPairs,
  trainPolynomial,
} from "../../src/train/polynomial";
import { polynomialLetter } from "../../src/data/polynomial-generator";
import { transformerTensors } from "../../src/models/transformer";
import { expandToCanonical } from "../../src/math/polynomial";

const data: PolynomialDataConfig = {
  source: "generated",
  generated: 400,
  splitSeed: 3,
  testFraction: 0.2,
  valFraction: 0.1,
  augment: { generated: 300, renamed: 200, validation: 50, seed: 9 },
};

test("augmented training pairs: the real split plus a–z pairs, never a validation or test source", async () => {
  const split = await polynomialRunSplit(data);
  const train = polynomialTrainingPairs(data, split);
  const az = polynomialAzValidation(data);
  assert.equal(az.length, 50);
  assert.deepEqual(train.slice(0, split.train.length), split.train);
  const added = train.slice(split.train.length);
  assert.ok(added.length > 450 && added.length <= 500, `${added.length} added`);
  const heldOut = new Set([...split.val, ...split.test, ...az].map((p) => p.factored));
  for (const p of added) {
    assert.ok(!heldOut.has(p.factored), p.factored);
    assert.equal(p.expanded, expandToCanonical(p.factored));
  }
  const letters = new Set(added.map((p) => polynomialLetter(p.factored)));
  assert.ok(letters.size >= 24, `${letters.size} letters`);
  // deterministic in the config; without augment the training pairs are the split's
  assert.deepEqual(polynomialTrainingPairs(data, split), train);
  const { augment: _augment, ...plain } = data;
  assert.equal(polynomialTrainingPairs(plain, split), split.train);
  assert.deepEqual(polynomialAzValidation(plain), []);
});

test("--init-from starts a new run from another run's weights and checks the held-out split and shape", async () => {
  process.env.NUMLAB_BACKEND = "cpu";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-poly-init-"));
  const model = { hidden: 16, encoderLayers: 1, decoderLayers: 1, heads: 2, ffHidden: 16, dropout: 0 };
  const { augment: _augment, ...plain } = data;
  await trainPolynomial({ data: plain, model, train: { steps: 2, batchSize: 8, evalEvery: 2, evalSize: 4 }, out: path.join(dir, "a") });
  const source = loadPolynomialRun(path.join(dir, "a"));
  // one step at a negligible learning rate: the new run's weights are the source run's
  const b = path.join(dir, "b");
  const run = await trainPolynomial({
    data,
    model,
    train: { steps: 1, batchSize: 8, evalEvery: 1, evalSize: 4, learningRate: 1e-12, warmupSteps: 0 },
    out: b,
    initFrom: path.join(dir, "a"),
  });
  const before = transformerTensors(source.model);
  const after = transformerTensors(run.model);
  for (const name of Object.keys(before)) {
    const x = before[name].dataSync();
    const y = after[name].dataSync();
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i] - y[i]) < 1e-6, `${name}[${i}]`);
  }
  const config = JSON.parse(fs.readFileSync(path.join(b, "config.json"), "utf8"));
  assert.deepEqual(config.initFrom, { run: path.join(dir, "a"), step: 2 });
  assert.deepEqual(config.data.augment, data.augment);
  // another held-out split or another shape is refused before anything is written
  await assert.rejects(
    trainPolynomial({ data: { ...data, splitSeed: 4 }, model, train: { steps: 1 }, out: path.join(dir, "c"), initFrom: path.join(dir, "a") }),
    /splitSeed 3 vs 4/,
  );
  await assert.rejects(
    trainPolynomial({ data, model: { ...model, hidden: 32 }, train: { steps: 1 }, out: path.join(dir, "d"), initFrom: path.join(dir, "a") }),
    /model.hidden is 16 there, 32 here/,
  );
  assert.ok(!fs.existsSync(path.join(dir, "c")) && !fs.existsSync(path.join(dir, "d")));
});
