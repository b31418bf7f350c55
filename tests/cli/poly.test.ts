import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { evalPolyCommand, parseTrainPolyArgs, trainPolyCommand } from "../../src/cli/commands/poly";
import { POLYNOMIAL_DEFAULTS, resolvePolynomialConfig, trainPolynomial } from "../../src/train/polynomial";
import { assertUsagePrints } from "./usage-defaults";
import { UsageError } from "../../src/cli/command";

test("usage errors name the flag", async () => {
  await assert.rejects(trainPolyCommand.run([]), (e: unknown) => e instanceof UsageError && /--out/.test(e.message));
  await assert.rejects(trainPolyCommand.run(["--out", "x", "--steps", "zero"]), /--steps must be an integer/);
  await assert.rejects(evalPolyCommand.run([]), /--checkpoint/);
});

test("eval poly --json prints exactMatch, equivalent and n for a data file", async () => {
  process.env.NUMLAB_BACKEND = "cpu";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-poly-cli-"));
  const out = path.join(dir, "run");
  await trainPolynomial({
    data: { source: "generated", generated: 100, splitSeed: 2 },
    model: { hidden: 16, encoderLayers: 1, decoderLayers: 1, heads: 2, ffHidden: 16, dropout: 0 },
    train: { steps: 1, batchSize: 8, evalEvery: 1, evalSize: 4 },
    out,
  });
  const data = path.join(dir, "pairs.txt");
  fs.writeFileSync(data, "(x+1)*(x+2)=x**2+3*x+2\n(7-3*z)*(-5*z-9)=15*z**2-8*z-63\n(x-1)*x=x**2-x\n");
  const written: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => (written.push(String(s)), true);
  try {
    assert.equal(await evalPolyCommand.run(["--checkpoint", out, "--data", data, "--json"]), 0);
  } finally {
    (process.stdout as unknown as { write: typeof original }).write = original;
  }
  const result = JSON.parse(written.join("").trim().split("\n").pop() as string) as Record<string, number>;
  assert.deepEqual(Object.keys(result), ["exactMatch", "equivalent", "n"]);
  assert.equal(result.n, 3);
  assert.ok(result.exactMatch >= 0 && result.exactMatch <= result.equivalent);
});

test("train poly: with no flags the parsed options are POLYNOMIAL_DEFAULTS, and the usage text prints them", () => {
  const d = POLYNOMIAL_DEFAULTS;
  const options = parseTrainPolyArgs(["--out", "runs/x"]);
  const { generated: _generated, ...data } = d.data;
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
  });
  assert.match(trainPolyCommand.usage, /^ {2}poly-expansion /m);
  assert.doesNotMatch(trainPolyCommand.usage, /arith-addition|lstm-next-integer|^ {2}makemore/m);
});

test("train poly --preset: the preset's settings, flags override them; --data/--generated replace its data source", () => {
  const options = parseTrainPolyArgs(["--preset", "poly-expansion", "--dropout", "0", "--out", "runs/x"]);
  assert.deepEqual(
    [options.data?.file, options.model?.hidden, options.model?.dropout, options.train?.steps, options.train?.float16, options.train?.evalSize],
    ["union_unique.txt", 128, 0, 20000, true, 128],
  );
  const generated = parseTrainPolyArgs(["--preset", "poly-expansion", "--generated", "100", "--out", "runs/x"]);
  assert.deepEqual([generated.data?.source, generated.data?.file, generated.data?.generated], ["generated", undefined, 100]);
  assert.deepEqual(parseTrainPolyArgs(["--preset", "poly-expansion", "--data", "pairs.txt", "--out", "runs/x"]).data?.file, "pairs.txt");
  assert.throws(
    () => parseTrainPolyArgs(["--preset", "makemore", "--out", "runs/x"]),
    (e: unknown) => e instanceof UsageError && /is for numlab train makemore, not numlab train poly/.test(e.message),
  );
  assert.throws(
    () => parseTrainPolyArgs(["--preset", "poly", "--out", "runs/x"]),
    (e: unknown) => e instanceof UsageError && /no preset "poly"; the presets for numlab train poly are poly-expansion \(/.test(e.message),
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
