import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PRESET_SETTINGS, listPresets, presetsDir, readPreset, readPresetFile } from "../../src/train/presets";
import { ARITHMETIC_DEFAULTS, resolveArithmeticConfig } from "../../src/train/arithmetic";
import { POLYNOMIAL_DEFAULTS, resolvePolynomialConfig } from "../../src/train/polynomial";
import { LSTM_DEFAULTS } from "../../src/train/lstm-lm";
import { MAKEMORE_DEFAULTS, resolveMakemoreConfig } from "../../src/train/makemore";
import { parseTrainArithArgs } from "../../src/cli/commands/arith";
import { parseTrainPolyArgs } from "../../src/cli/commands/poly";
import { parseTrainLstmArgs } from "../../src/cli/commands/train-lstm";
import { parseTrainMakemoreArgs } from "../../src/cli/commands/makemore";

const SHIPPED = path.join(__dirname, "..", "..", "data", "checkpoints");

/** A shipped run's config.json as it was when training started: its recorded `numlab.changes` undone, newest first. */
function firstStageConfig(dir: string): Record<string, unknown> {
  const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
  const changes: { change: string }[] = config.numlab?.changes ?? [];
  for (const { change } of [...changes].reverse()) {
    const m = /^([\w.]+) (\S+) → (\S+)$/.exec(change);
    assert.ok(m, `a change of the form "path old → new": ${change}`);
    const keys = m[1].split(".");
    const parent = keys.slice(0, -1).reduce((o, k) => o[k], config);
    assert.equal(parent[keys.at(-1)!], JSON.parse(m[3]), `${change}: the later change starts from this value`);
    parent[keys.at(-1)!] = JSON.parse(m[2]);
  }
  delete config.numlab; // bookkeeping: version, createdAt, changes
  return config;
}

test("the presets folder holds one preset per shipped model plus makemore; the LSTM has built-in cpu, seed and smoke", () => {
  assert.equal(presetsDir(), path.join(__dirname, "..", "..", "presets"));
  assert.deepEqual(
    listPresets().map((p) => [p.name, p.trainer, p.file === undefined ? "built in" : path.relative(presetsDir(), p.file)]),
    [
      ["arith-addition-base10", "arith", "arith-addition-base10.json"],
      ["arith-factorization-base60", "arith", "arith-factorization-base60.json"],
      ["lstm-next-integer", "lstm", "lstm-next-integer.json"],
      ["makemore", "makemore", "makemore.json"],
      ["poly-expansion-13-letters", "poly", "poly-expansion-13-letters.json"],
      ["poly-expansion", "poly", "poly-expansion.json"],
      ["cpu", "lstm", "built in"],
      ["seed", "lstm", "built in"],
      ["smoke", "lstm", "built in"],
    ],
  );
  assert.deepEqual(
    listPresets("arith").map((p) => p.name),
    ["arith-addition-base10", "arith-factorization-base60"],
  );
  for (const p of listPresets()) assert.ok(p.description.length > 0, p.name);
  // every shipped model named in the manifest has a preset of the same name, or is a stage of one
  const manifest = JSON.parse(fs.readFileSync(path.join(SHIPPED, "models.json"), "utf8")) as { models: { name: string; kind: string; reproduce: string[] }[] };
  for (const m of manifest.models) {
    const command = m.reproduce[0];
    const match = /^numlab train (\w+) --preset (\S+) /.exec(command);
    assert.ok(match, `${m.name}: its first reproduce command uses a preset: ${command}`);
    assert.equal(readPreset(match[2], { trainer: match[1] as "arith" }).trainer, m.kind);
  }
});

test("every setting of a trainer's defaults object can be given in a preset", () => {
  const sections = (t: "arith" | "poly") => PRESET_SETTINGS[t] as Record<string, Record<string, unknown>>;
  for (const [trainer, defaults] of [
    ["arith", ARITHMETIC_DEFAULTS],
    ["poly", POLYNOMIAL_DEFAULTS],
  ] as const) {
    for (const [section, values] of Object.entries(defaults)) {
      for (const key of Object.keys(values)) if (key !== "padId") assert.ok(key in sections(trainer)[section], `${trainer} ${section}.${key}`);
    }
  }
  for (const key of Object.keys(LSTM_DEFAULTS)) assert.ok(key in PRESET_SETTINGS.lstm, `lstm ${key}`);
  for (const key of Object.keys(MAKEMORE_DEFAULTS)) if (key !== "checkpointEvery") assert.ok(key in PRESET_SETTINGS.makemore, `makemore ${key}`);
});

test("each preset, through its reproduce command, gives exactly the shipped run's config.json at the start of its training", () => {
  // arith: the CLI's options, resolved as trainArithmetic does; left out: initFrom and averageOf (the
  // factorization model's lineage of cycles, docs/experiments/arithmetic.md); train.parts and
  // train.repeatMultiDigit, which older configs do not record, count as their default (1)
  const arith = (name: string) => {
    const shipped = firstStageConfig(path.join(SHIPPED, name));
    delete shipped.initFrom;
    delete shipped.averageOf;
    const train = shipped.train as Record<string, unknown>;
    train.parts ??= ARITHMETIC_DEFAULTS.train.parts;
    train.repeatMultiDigit ??= ARITHMETIC_DEFAULTS.train.repeatMultiDigit;
    return shipped;
  };
  for (const name of ["arith-addition-base10", "arith-factorization-base60"]) {
    const resolved = resolveArithmeticConfig(parseTrainArithArgs(["--preset", name, "--out", "runs/x"]));
    assert.deepEqual(resolved, arith(name), name);
  }
  // poly: poly-expansion-13-letters' changes undone (steps 46000 → 20000, dropout 0 → 0.1) give its
  // first stage; poly-expansion is one stage from it (--init-from, recorded as initFrom)
  const poly = resolvePolynomialConfig(parseTrainPolyArgs(["--preset", "poly-expansion-13-letters", "--out", "runs/x"]));
  assert.deepEqual(poly, firstStageConfig(path.join(SHIPPED, "poly-expansion-13-letters")));
  assert.deepEqual([poly.train.steps, poly.model.dropout], [20000, 0.1]);
  const az = firstStageConfig(path.join(SHIPPED, "poly-expansion"));
  assert.deepEqual(az.initFrom, { run: "data/checkpoints/poly-expansion-13-letters", step: 46000 });
  delete az.initFrom;
  assert.deepEqual(resolvePolynomialConfig(parseTrainPolyArgs(["--preset", "poly-expansion", "--out", "runs/x"])), az);
  // lstm: the whole config
  assert.deepEqual(parseTrainLstmArgs(["--preset", "lstm-next-integer", "--out", "runs/x"]).config, firstStageConfig(path.join(SHIPPED, "lstm-next-integer")));
  // makemore ships no model: its preset is the README's measured run, which is the trainer's defaults
  assert.deepEqual(resolveMakemoreConfig(parseTrainMakemoreArgs(["--preset", "makemore"]).config), {
    ...resolveMakemoreConfig({}),
    blockSize: 3,
    embeddingDim: 10,
    hidden: 200,
    batchSize: 32,
    steps: 200000,
    seed: 42,
  });
});

test("readPreset: by name or file; a preset of another trainer and an unknown name are errors that say what exists", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-presets-"));
  try {
    const file = path.join(dir, "mine.json");
    fs.writeFileSync(file, JSON.stringify({ trainer: "makemore", description: "small", options: { hidden: 50, init: "randn" } }));
    assert.deepEqual(readPreset(file), { name: "mine", trainer: "makemore", description: "small", options: { hidden: 50, init: "randn" }, file });
    assert.equal(readPreset("mine", { dir }).file, file);
    assert.throws(() => readPreset(file, { trainer: "poly" }), /preset "mine" \(.*mine\.json\) is for numlab train makemore, not numlab train poly/);
    assert.throws(
      () => readPreset("yours", { dir, trainer: "makemore" }),
      /no preset "yours"; the presets for numlab train makemore are mine \(or give a JSON file/,
    );
    assert.throws(() => readPreset(path.join(dir, "missing.json")), /missing\.json: cannot read it \(ENOENT\)/);
    const bad = (json: unknown, message: RegExp) => {
      fs.writeFileSync(file, typeof json === "string" ? json : JSON.stringify(json));
      assert.throws(() => readPresetFile(file), message);
    };
    bad("{ trainer: arith }", /mine\.json: not valid JSON/);
    bad({ trainer: "gpt", description: "", options: {} }, /mine\.json: "trainer" must be one of arith, poly, lstm, makemore, got "gpt"/);
    bad({ trainer: "arith", options: {} }, /"description" must be a string/);
    bad({ trainer: "arith", description: "", options: {}, steps: 3 }, /unknown field "steps"/);
    bad({ trainer: "arith", description: "", options: { optimizer: {} } }, /options\.optimizer is not a section \(known: data, model, train\)/);
    bad({ trainer: "arith", description: "", options: { train: { lr: 1 } } }, /options\.train\.lr is not a setting \(known: learningRate,/);
    bad(
      { trainer: "arith", description: "", options: { train: { schedule: "linear" } } },
      /options\.train\.schedule must be one of "constant", "cosine", got "linear"/,
    );
    bad({ trainer: "poly", description: "", options: { model: { hidden: "128" } } }, /options\.model\.hidden must be a number, got "128"/);
    bad({ trainer: "lstm", description: "", options: { dataFile: 3 } }, /options\.dataFile must be a string\|null, got 3/);
    bad({ trainer: "makemore", description: "", options: { checkpointEvery: 5 } }, /options\.checkpointEvery is not a setting/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
