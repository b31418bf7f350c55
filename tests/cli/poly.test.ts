import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { evalPolyCommand, parseTrainPolyArgs, polyGenerateCommand, trainPolyCommand } from "../../src/cli/commands/poly";
import {
  POLYNOMIAL_DEFAULTS,
  polynomialRunSplit,
  polynomialTrainingPairs,
  readPolynomialRunConfig,
  resolvePolynomialConfig,
  trainPolynomial,
} from "../../src/train/polynomial";
import { loadPolynomialPairs } from "../../src/data/polynomials";
import { polynomialLetter } from "../../src/data/polynomial-generator";
import { expandToCanonical } from "../../src/math/polynomial";
import { assertUsagePrints } from "./usage-defaults";
import { UsageError } from "../../src/cli/command";

/** A one-step run on 100 generated pairs in a new temporary folder (for the eval commands). */
async function tinyRun(prefix: string): Promise<{ dir: string; out: string }> {
  process.env.NUMLAB_BACKEND = "cpu";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const out = path.join(dir, "run");
  await trainPolynomial({
    data: { source: "generated", generated: 100, splitSeed: 2 },
    model: { hidden: 16, encoderLayers: 1, decoderLayers: 1, heads: 2, ffHidden: 16, dropout: 0 },
    train: { steps: 1, batchSize: 8, evalEvery: 1, evalSize: 4 },
    out,
  });
  return { dir, out };
}

/** Run `work` with stdout captured; returns what it wrote. */
async function captureStdout(work: () => Promise<unknown>): Promise<string> {
  const written: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => (written.push(String(s)), true);
  try {
    await work();
  } finally {
    (process.stdout as unknown as { write: typeof original }).write = original;
  }
  return written.join("");
}

test("usage errors name the flag", async () => {
  await assert.rejects(trainPolyCommand.run([]), (e: unknown) => e instanceof UsageError && /--out/.test(e.message));
  await assert.rejects(trainPolyCommand.run(["--out", "x", "--steps", "zero"]), /--steps must be an integer/);
  await assert.rejects(evalPolyCommand.run([]), /--checkpoint/);
});

test("eval poly --json prints exactMatch, equivalent and n for a data file", async () => {
  const { dir, out } = await tinyRun("numlab-poly-cli-");
  const data = path.join(dir, "pairs.txt");
  fs.writeFileSync(data, "(x+1)*(x+2)=x**2+3*x+2\n(7-3*z)*(-5*z-9)=15*z**2-8*z-63\n(x-1)*x=x**2-x\n");
  const written = await captureStdout(async () => assert.equal(await evalPolyCommand.run(["--checkpoint", out, "--data", data, "--json"]), 0));
  const result = JSON.parse(written.trim().split("\n").pop() as string) as Record<string, number>;
  assert.deepEqual(Object.keys(result), ["exactMatch", "equivalent", "n"]);
  assert.equal(result.n, 3);
  assert.ok(result.exactMatch >= 0 && result.exactMatch <= result.equivalent);
});

test("train poly: with no flags the parsed options are POLYNOMIAL_DEFAULTS, and the usage text prints them", () => {
  const d = POLYNOMIAL_DEFAULTS;
  const options = parseTrainPolyArgs(["--out", "runs/x"]);
  const { generated: _generated, augment: _augment, ...data } = d.data;
  assert.deepEqual(options, { data, model: d.model, train: d.train, out: "runs/x", resume: false });
  assert.deepEqual(resolvePolynomialConfig(options), resolvePolynomialConfig({}));
  assert.equal(d.model.encoderLayers, d.model.decoderLayers);
  assert.equal(d.train.evalEvery, d.train.checkpointEvery);
  assert.equal(d.model.seed, d.train.seed);
  assertUsagePrints(trainPolyCommand.usage, {
    "test-fraction": d.data.testFraction,
    "val-fraction": d.data.valFraction,
    "split-seed": d.data.splitSeed,
    steps: d.train.steps,
    batch: d.train.batchSize,
    lr: d.train.learningRate,
    warmup: d.train.warmupSteps,
    clip: d.train.clipNorm,
    hidden: d.model.hidden,
    layers: d.model.encoderLayers,
    heads: d.model.heads,
    ff: d.model.ffHidden,
    dropout: d.model.dropout,
    gain: d.model.attentionGain,
    norm: d.model.norm,
    seed: d.model.seed,
    "eval-every": d.train.evalEvery,
    float16: d.train.float16,
    "eval-size": d.train.evalSize,
    "augment-validation": d.data.augment.validation,
    "augment-seed": d.data.augment.seed,
  });
  assert.match(trainPolyCommand.usage, /^ {2}poly-expansion /m);
  assert.match(trainPolyCommand.usage, /^ {2}poly-expansion-13-letters /m);
  assert.doesNotMatch(trainPolyCommand.usage, /arith-addition|lstm-next-integer|^ {2}makemore/m);
});

test("train poly --preset: the preset's settings, flags override them; --data/--generated replace its data source", () => {
  const options = parseTrainPolyArgs(["--preset", "poly-expansion-13-letters", "--dropout", "0", "--out", "runs/x"]);
  assert.deepEqual(
    [options.data?.file, options.model?.hidden, options.model?.dropout, options.train?.steps, options.train?.float16, options.train?.evalSize],
    ["union_unique.txt", 128, 0, 20000, true, 128],
  );
  assert.equal(options.data?.augment, undefined);
  const generated = parseTrainPolyArgs(["--preset", "poly-expansion-13-letters", "--generated", "100", "--out", "runs/x"]);
  assert.deepEqual([generated.data?.source, generated.data?.file, generated.data?.generated], ["generated", undefined, 100]);
  assert.deepEqual(parseTrainPolyArgs(["--preset", "poly-expansion-13-letters", "--data", "pairs.txt", "--out", "runs/x"]).data?.file, "pairs.txt");
  // the a–z preset brings its added data; a flag overrides one number of it
  const az = parseTrainPolyArgs(["--preset", "poly-expansion", "--augment-renamed", "7", "--out", "runs/x"]);
  assert.deepEqual(az.data?.augment, { generated: 150000, renamed: 7, validation: 2000, seed: 51 });
  assert.deepEqual([az.model?.dropout, az.train?.steps, az.train?.learningRate], [0, 15000, 3e-4]);
  assert.throws(
    () => parseTrainPolyArgs(["--preset", "makemore", "--out", "runs/x"]),
    (e: unknown) => e instanceof UsageError && /is for numlab train makemore, not numlab train poly/.test(e.message),
  );
  assert.throws(
    () => parseTrainPolyArgs(["--preset", "poly", "--out", "runs/x"]),
    (e: unknown) =>
      e instanceof UsageError && /no preset "poly"; the presets for numlab train poly are poly-expansion-13-letters, poly-expansion \(/.test(e.message),
  );
});

test("train poly --resume --dropout 0: onResume.dropout, logged in config.json as before", async () => {
  process.env.NUMLAB_BACKEND = "cpu";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-poly-cli-"));
  const out = path.join(dir, "run");
  const quiet = async (f: () => Promise<unknown>) => {
    const original = process.stdout.write.bind(process.stdout);
    (process.stdout as unknown as { write: (s: string) => boolean }).write = () => true;
    try {
      await f();
    } finally {
      (process.stdout as unknown as { write: typeof original }).write = original;
    }
  };
  const common = [
    "--generated",
    "100",
    "--hidden",
    "16",
    "--layers",
    "1",
    "--heads",
    "2",
    "--ff",
    "16",
    "--batch",
    "8",
    "--eval-every",
    "2",
    "--eval-size",
    "4",
    "--out",
    out,
  ];
  await quiet(() => trainPolyCommand.run([...common, "--steps", "2"]));
  const resumed = parseTrainPolyArgs([...common, "--resume", "--steps", "4", "--dropout", "0"]);
  assert.deepEqual(resumed.onResume, { dropout: 0 });
  await quiet(() => trainPolyCommand.run([...common, "--resume", "--steps", "4", "--dropout", "0"]));
  const config = JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8"));
  assert.equal(config.model.dropout, 0);
  assert.deepEqual(
    config.numlab.changes.map((c: { step: number; change: string }) => [c.step, c.change]),
    [
      [2, "train.steps 2 → 4"],
      [2, "model.dropout 0.1 → 0"],
    ],
  );
  // without --steps a resumed run keeps its own total
  assert.equal(parseTrainPolyArgs([...common, "--resume"]).train?.steps, undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("poly generate writes fresh a–z pairs, never overwrites, and --exclude-run skips a run's training sources", async () => {
  process.env.NUMLAB_BACKEND = "cpu";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-poly-gen-"));
  const file = path.join(dir, "test.txt");
  assert.equal(await polyGenerateCommand.run(["--count", "500", "--seed", "77", "--out", file]), 0);
  const lines = fs.readFileSync(file, "utf8").trim().split("\n");
  assert.equal(lines.length, 500);
  const pairs = await loadPolynomialPairs(file);
  assert.ok(new Set(pairs.map((p) => polynomialLetter(p.factored))).size >= 25);
  await assert.rejects(polyGenerateCommand.run(["--count", "5", "--seed", "1", "--out", file]), /exists/);
  await assert.rejects(polyGenerateCommand.run(["--count", "5", "--seed", "1", "--letters", "greek", "--out", path.join(dir, "x")]), /--letters/);
  // a run trained on generated data: a test set excluding its training sources shares none of them
  const run = path.join(dir, "run");
  await trainPolynomial({
    data: { source: "generated", generated: 3000, splitSeed: 2, augment: { generated: 0, renamed: 0, validation: 0, seed: 1 } },
    model: { hidden: 16, encoderLayers: 1, decoderLayers: 1, heads: 2, ffHidden: 16, dropout: 0 },
    train: { steps: 1, batchSize: 8, evalEvery: 1, evalSize: 4 },
    out: run,
  });
  const excluded = path.join(dir, "fresh.txt");
  // the run's generator draws the data set's letters, so draw those too to make collisions likely
  assert.equal(await polyGenerateCommand.run(["--count", "3000", "--seed", "2", "--letters", "data", "--exclude-run", run, "--out", excluded]), 0);
  const trainSources = new Set(
    polynomialTrainingPairs(readPolynomialRunConfig(run).data, await polynomialRunSplit(readPolynomialRunConfig(run).data)).map((p) => p.factored),
  );
  const fresh = await loadPolynomialPairs(excluded);
  assert.equal(fresh.length, 3000);
  assert.ok(fresh.every((p) => !trainSources.has(p.factored)));
  // the same seed without the exclusion repeats training sources (seed 2 is the run's own generator seed)
  const plain = path.join(dir, "plain.txt");
  await polyGenerateCommand.run(["--count", "3000", "--seed", "2", "--letters", "data", "--out", plain]);
  assert.ok((await loadPolynomialPairs(plain)).some((p) => trainSources.has(p.factored)));
});

test("eval poly --by-group --json adds scores per letter, form and target length", async () => {
  const { dir, out } = await tinyRun("numlab-poly-groups-");
  const data = path.join(dir, "pairs.txt");
  fs.writeFileSync(data, "(x+1)*(x+2)=x**2+3*x+2\n(7-3*b)*(-5*b-9)=15*b**2-8*b-63\n-4*(sin(c)+7)*sin(c)=-4*sin(c)**2-28*sin(c)\n");
  const written = await captureStdout(async () => assert.equal(await evalPolyCommand.run(["--checkpoint", out, "--data", data, "--by-group", "--json"]), 0));
  await assert.rejects(evalPolyCommand.run(["--checkpoint", out, "--data", data, "--split", "val"]), /--split/);
  await assert.rejects(evalPolyCommand.run(["--checkpoint", out, "--split", "val-az"]), /trained without --augment/);
  await assert.rejects(evalPolyCommand.run(["--checkpoint", out, "--split", "train"]), /--split must be test, val or val-az/);
  const result = JSON.parse(written.trim().split("\n").pop() as string);
  assert.deepEqual(Object.keys(result), ["exactMatch", "equivalent", "n", "groups"]);
  assert.deepEqual(Object.keys(result.groups.letter), ["b", "c", "x"]);
  assert.deepEqual(Object.keys(result.groups.form), ["two linear factors", "trigonometric"]);
  assert.equal(result.groups.form["two linear factors"].n, 2);
});

test("train poly: --augment-* set the added a–z data, --init-from a start, and neither goes with --resume", () => {
  const o = parseTrainPolyArgs(["--out", "r", "--augment-generated", "100", "--augment-renamed", "50", "--init-from", "data/checkpoints/poly-expansion"]);
  assert.deepEqual(o.data?.augment, { generated: 100, renamed: 50, validation: 2000, seed: 51 });
  assert.equal(o.initFrom, "data/checkpoints/poly-expansion");
  assert.equal(parseTrainPolyArgs(["--out", "r"]).data?.augment, undefined);
  assert.throws(() => parseTrainPolyArgs(["--out", "r", "--resume", "--augment-generated", "5"]), /--augment/);
  assert.throws(() => parseTrainPolyArgs(["--out", "r", "--resume", "--init-from", "x"]), /--init-from/);
  assert.throws(() => parseTrainPolyArgs(["--out", "r", "--augment-renamed", "-3"]), /--augment-renamed/);
});

test("poly flags are range-checked by name before anything is written; bad data lines stop a new run before --out exists", async () => {
  process.env.NUMLAB_BACKEND = "cpu";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-poly-check-"));
  await assert.rejects(evalPolyCommand.run(["--checkpoint", dir, "--beams", "100000"]), /--beams must be an integer from 1 to 64, got "100000"/);
  await assert.rejects(evalPolyCommand.run(["--checkpoint", dir, "--examples", "-1"]), /--examples must be an integer from 0 to/);
  await assert.rejects(evalPolyCommand.run(["--checkpoint", dir, "--skip-invalid"]), /--skip-invalid applies to a --data file/);
  assert.throws(() => parseTrainPolyArgs(["--out", "r", "--test-fraction", "0.9", "--val-fraction", "0.2"]), /sum must be < 1/);
  assert.throws(() => parseTrainPolyArgs(["--out", "r", "--val-fraction", "0"]), /--val-fraction/);
  assert.throws(() => parseTrainPolyArgs(["--out", "r", "--eval-size", "1000000"]), /--eval-size must be an integer from 1 to 100,000/);
  // 60 good pairs and two bad ones (unbalanced, wrong expansion)
  const good = Array.from({ length: 60 }, (_, i) => `(x+${i + 1})*(x-2)=${expandToCanonical(`(x+${i + 1})*(x-2)`)}`);
  const file = path.join(dir, "pairs.txt");
  fs.writeFileSync(file, [...good.slice(0, 10), "(x+1*(x+2)=x**2+3*x+2", ...good.slice(10), "(x+1)*(x+2)=x**2+4*x+2"].join("\n") + "\n");
  const out = path.join(dir, "run");
  const flags = [
    "--data",
    file,
    "--hidden",
    "16",
    "--layers",
    "1",
    "--heads",
    "2",
    "--ff",
    "16",
    "--steps",
    "1",
    "--batch",
    "8",
    "--val-fraction",
    "0.1",
    "--out",
    out,
  ];
  await assert.rejects(trainPolyCommand.run(flags), /pairs\.txt:11: /);
  assert.ok(!fs.existsSync(out), "--out is not created for bad data");
  const written = await captureStdout(async () => assert.equal(await trainPolyCommand.run([...flags, "--skip-invalid"]), 0));
  assert.equal(readPolynomialRunConfig(out).data.skipInvalid, true);
  const split = await polynomialRunSplit(readPolynomialRunConfig(out).data);
  assert.equal(split.train.length + split.val.length + split.test.length, 60);
  // the summary counts the validation pairs actually scored (6 of 60 here, not the --eval-size default)
  assert.match(written, new RegExp(`greedy exact match on ${split.val.length} val pairs`));
});
