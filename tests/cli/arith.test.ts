import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { averageArithCommand, evalArithCommand, parseTrainArithArgs, trainArithCommand } from "../../src/cli/commands/arith";
import { UsageError } from "../../src/cli/command";
import { ARITHMETIC_DEFAULTS, exportArithmeticRun, loadArithmeticRun, resolveArithmeticConfig, shippedArithmeticRunDir } from "../../src/train/arithmetic";
import { readMetrics } from "../../src/train/run-dir";
import { isPrime } from "../../src/math/primes";
import { arithmeticData } from "../../src/datasets/arithmetic";
import { assertUsagePrints } from "./usage-defaults";

async function captureStdout(f: () => Promise<unknown>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let out = "";
  (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => ((out += s), true);
  try {
    await f();
  } finally {
    (process.stdout as unknown as { write: typeof write }).write = write;
  }
  return out;
}

test("train arith → eval arith --json prints the documented record; --resume continues; export ships weights", async () => {
  process.env.NUMLAB_BACKEND = "cpu";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-arith-cli-"));
  const out = path.join(dir, "run");
  const common = [
    "--task",
    "factorization",
    "--base",
    "7",
    "--max",
    "300",
    "--hidden",
    "16",
    "--ff",
    "16",
    "--heads",
    "2",
    "--layers",
    "1",
    "--batch",
    "16",
    "--eval-every",
    "2",
    "--out",
    out,
  ];
  await captureStdout(() => trainArithCommand.run([...common, "--steps", "2"]));
  await captureStdout(() => trainArithCommand.run([...common, "--steps", "4", "--resume"]));
  assert.deepEqual(
    readMetrics<{ step: number }>(out).map((r) => r.step),
    [2, 4],
  );
  const text = await captureStdout(() => evalArithCommand.run(["--checkpoint", out, "--beams", "3", "--limit", "12", "--json"]));
  const record = JSON.parse(text.trim());
  assert.deepEqual(Object.keys(record), ["task", "top1", "anyOfK", "correctProduct", "correctFactorization", "n"]);
  assert.equal(record.task, "factorization");
  assert.equal(record.n, 12);
  assert.ok(record.top1 <= record.anyOfK && record.correctFactorization <= record.correctProduct);
  // the digit groups cover the 12 numbers: in base 7 the first test numbers have one to three digits
  const first12 = Array.from(loadArithmeticRun(out).data.split.test.slice(0, 12));
  const digitCounts = new Map<number, number>();
  first12.forEach((n) => digitCounts.set(n.toString(7).length, (digitCounts.get(n.toString(7).length) ?? 0) + 1));
  assert.deepEqual(
    JSON.parse(
      (await captureStdout(() => evalArithCommand.run(["--checkpoint", out, "--beams", "3", "--limit", "12", "--json", "--by-digits"]))).trim(),
    ).byInputDigits.map((g: { digits: number; n: number }) => [g.digits, g.n]),
    [...digitCounts.entries()].sort(([a], [b]) => a - b),
  );
  // the text output splits correct factorization by factor digits; in base 2 every composite is "hard"
  const plain = await captureStdout(() => evalArithCommand.run(["--checkpoint", out, "--beams", "3", "--limit", "12", "--group-base", "2"]));
  const m = /multi-digit prime factors in base 2 \((\d+)\) .*the others \((\d+)\)/.exec(plain);
  assert.ok(m, plain);
  const run12 = loadArithmeticRun(out).data.split.test.slice(0, 12);
  assert.equal(Number(m[1]), run12.filter((n) => !isPrime(n)).length);
  assert.equal(Number(m[1]) + Number(m[2]), 12);
  const text7 = await captureStdout(() => evalArithCommand.run(["--checkpoint", out, "--limit", "12"]));
  assert.match(text7, /multi-digit prime factors in base 7 \(/);
  assert.match(
    text7,
    new RegExp(
      `by digits of n in base 7 \\(any of 1 \\| top-1\\): ${[...digitCounts.entries()]
        .sort(([a], [b]) => a - b)
        .map(([d, c]) => `${d} \\(${c}\\) `)
        .join(".* · ")}`,
    ),
  );
  await assert.rejects(evalArithCommand.run(["--checkpoint", out, "--group-base", "1"]), /--group-base must be an integer from 2 to 67,108,864, got "1"/);
  assert.match(
    await captureStdout(() => evalArithCommand.run(["--checkpoint", out, "--beams", "2", "--limit", "4", "--length-penalty", "0"])),
    /2 beams \(length penalty 0\)/,
  );
  await assert.rejects(evalArithCommand.run(["--checkpoint", out, "--length-penalty", "short"]), /--length-penalty must be a number from 0 to 10, got "short"/);
  // --predictions writes every held-out problem's k candidates; recomputing the scores from them by arithmetic gives the printed record
  const predictions = path.join(dir, "predictions.jsonl");
  const scored = JSON.parse(
    (await captureStdout(() => evalArithCommand.run(["--checkpoint", out, "--beams", "3", "--limit", "12", "--json", "--predictions", predictions]))).trim(),
  );
  const lines = fs
    .readFileSync(predictions, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { operands: number[]; beams: { text: string; numbers: number[] | null; logProb: number; score: number }[] });
  assert.deepEqual(
    lines.map((l) => l.operands[0]),
    first12,
  );
  const factorsRight = (n: number, f: number[] | null) => f !== null && f.reduce((a, b) => a * b, 1) === n && f.every(isPrime);
  for (const l of lines) {
    assert.ok(l.beams.length >= 1 && l.beams.length <= 3);
    assert.equal(new Set(l.beams.map((b) => b.text)).size, l.beams.length, "distinct candidates");
    l.beams.forEach((b, i) => i === 0 || assert.ok(l.beams[i - 1].score >= b.score, "sorted by score"));
    // the numbers are the text read in base 7 ("2 x 2 x 3"), or null when the text is not such a product
    const read = (t: string) => (/^[0-6]+( x [0-6]+)*$/.test(t) ? t.split(" x ").map((d) => parseInt(d, 7)) : null);
    l.beams.forEach((b) => assert.deepEqual(b.numbers, read(b.text), b.text));
  }
  assert.ok(
    lines.some((l) => l.beams.some((b) => b.numbers !== null)),
    "some candidates parse",
  );
  assert.equal(lines.filter((l) => l.beams.some((b) => factorsRight(l.operands[0], b.numbers))).length / 12, scored.correctFactorization);
  assert.equal(lines.filter((l) => factorsRight(l.operands[0], l.beams[0]?.numbers ?? null)).length / 12, scored.top1);
  // and the stand-alone checker (Python, its own base-7 reader and primality test) agrees
  const checker = spawnSync("python3", [path.join(__dirname, "../../scripts/check-factorization-predictions.py"), predictions, "--base", "7"], {
    encoding: "utf8",
  });
  if (checker.error === undefined) {
    assert.equal(checker.status, 0, checker.stderr);
    const checked = JSON.parse(checker.stdout);
    for (const key of ["n", "top1", "anyOfK", "correctProduct", "correctFactorization"]) assert.equal(checked[key], scored[key], key);
    fs.appendFileSync(predictions, JSON.stringify({ operands: [first12[0]], beams: [] }) + "\n");
    const twice = spawnSync("python3", [path.join(__dirname, "../../scripts/check-factorization-predictions.py"), predictions, "--base", "7"], {
      encoding: "utf8",
    });
    assert.equal(twice.status, 1);
    assert.match(twice.stderr, /a number appears twice/);
  }
  const shipped = path.join(dir, "arith-factorization-test");
  const { bytes } = exportArithmeticRun(out, shipped, { float16: true });
  assert.ok(bytes > 0);
  const a = loadArithmeticRun(out).model.params["output.weight"].dataSync();
  const b = loadArithmeticRun(shipped).model.params["output.weight"].dataSync();
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 2e-3 * Math.max(1, Math.abs(x))));
  await assert.rejects(trainArithCommand.run(["--task", "subtraction", "--out", out]), UsageError);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("train arith --parts/--schedule/--positional are recorded in config.json and a bucketed run resumes", async () => {
  process.env.NUMLAB_BACKEND = "cpu";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-arith-cli-"));
  const out = path.join(dir, "run");
  const common = [
    "--task",
    "factorization",
    "--base",
    "30",
    "--max",
    "500",
    "--hidden",
    "16",
    "--ff",
    "16",
    "--heads",
    "2",
    "--layers",
    "1",
    "--batch",
    "8",
    "--eval-every",
    "3",
    "--out",
    out,
  ];
  const flags = ["--parts", "3", "--schedule", "constant", "--warmup", "2", "--positional", "learned", "--dropout", "0", "--train-max", "900"];
  await captureStdout(() => trainArithCommand.run([...common, ...flags, "--steps", "3"]));
  // --task comes from the run; an explicit --dropout on resume changes the run's dropout from here on
  await captureStdout(() => trainArithCommand.run([...common.slice(2), "--steps", "6", "--resume", "--dropout", "0.2"]));
  await captureStdout(() => trainArithCommand.run([...common.slice(2), "--steps", "9", "--resume", "--train-max", "1200", "--repeat-multidigit", "2"]));
  const config = JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8"));
  assert.equal(config.train.parts, 3);
  assert.equal(config.train.schedule, "constant");
  assert.equal(config.model.positional, "learned");
  assert.equal(config.data.trainMax, 1200);
  assert.equal(config.train.repeatMultiDigit, 2);
  assert.equal(config.train.steps, 9); // the raised total is recorded on resume
  assert.equal(config.model.dropout, 0.2);
  assert.ok(config.numlab.createdAt);
  assert.deepEqual(
    config.numlab.changes.map((c: { step: number; change: string }) => [c.step, c.change]),
    [
      [3, "train.steps 3 → 6"],
      [3, "model.dropout 0 → 0.2"],
      [6, "train.steps 6 → 9"],
      [6, "data.trainMax 900 → 1200"],
      [6, "train.repeatMultiDigit 1 → 2"],
    ],
  );
  const run = loadArithmeticRun(out);
  assert.equal(run.config.model.dropout, 0.2);
  // n up to 1200 may train, but only those written with two base-30 digits, like every n ≤ 500, fit the model
  assert.ok(run.data.split.train.some((n) => n > 800) && run.data.split.train.every((n) => n < 900) && run.data.split.test.every((n) => n <= 500));
  await assert.rejects(trainArithCommand.run([...common.slice(2), "--resume", "--train-max", "100"]), /trainMax must be an integer in \[max = 500/);
  assert.deepEqual(
    readMetrics<{ step: number; lr: number }>(out).map((r) => [r.step, r.lr]),
    [
      [3, 0.001],
      [6, 0.001],
      [9, 0.001],
    ],
  );
  await assert.rejects(trainArithCommand.run([...common.slice(2), "--resume", "--repeat-multidigit", "0"]), /--repeat-multidigit must be/);
  await assert.rejects(trainArithCommand.run(["--task", "addition", "--repeat-multidigit", "2", "--out", path.join(dir, "add")]), /factorization only/);
  assert.ok(!fs.existsSync(path.join(dir, "add")));
  await assert.rejects(trainArithCommand.run([...common, "--schedule", "linear"]), UsageError);
  await assert.rejects(trainArithCommand.run([...common, "--positional", "rotary"]), UsageError);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("train arith --train-longer trains on numbers with more digits than --max; fixed when the run starts", async () => {
  process.env.NUMLAB_BACKEND = "cpu";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-arith-cli-"));
  const out = path.join(dir, "run");
  // base 2: every n ≤ 300 has at most nine digits; 512..600 have ten
  const common = [
    "--task",
    "factorization",
    "--base",
    "2",
    "--max",
    "300",
    "--hidden",
    "16",
    "--ff",
    "16",
    "--heads",
    "2",
    "--layers",
    "1",
    "--batch",
    "8",
    "--eval-every",
    "2",
    "--out",
    out,
  ];
  await assert.rejects(trainArithCommand.run([...common, "--train-longer", "--steps", "2"]), /--train-longer needs --task factorization and a --train-max/);
  await captureStdout(() => trainArithCommand.run([...common, "--train-max", "600", "--train-longer", "--steps", "2"]));
  const run = loadArithmeticRun(out);
  assert.equal(run.config.data.trainLonger, true);
  assert.ok(run.data.split.train.includes(599) && run.data.split.test.every((n) => n <= 300));
  assert.equal(run.data.maxSourceLength, 2 + 10);
  await assert.rejects(trainArithCommand.run([...common.slice(2), "--resume", "--steps", "4", "--train-longer"]), /--train-longer is set when a run starts/);
  // the model's length does not grow with the problems: answers, which must fit, are longer still
  assert.equal(run.config.model.maxLength, arithmeticData({ task: "factorization", base: 2, max: 300 }).maxTargetLength + 2);
  await captureStdout(() => trainArithCommand.run([...common.slice(2), "--resume", "--steps", "4", "--train-max", "1000"]));
  assert.deepEqual(
    readMetrics<{ step: number }>(out).map((r) => r.step),
    [2, 4],
  );
  assert.ok(loadArithmeticRun(out).data.split.train.includes(1000));
  fs.rmSync(dir, { recursive: true, force: true });
});

test("train arith --init-from starts a deeper, wider run from a trained one: same outputs at step 0, recorded, split checked", async () => {
  process.env.NUMLAB_BACKEND = "cpu";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-arith-cli-"));
  const small = path.join(dir, "small");
  const deep = path.join(dir, "deep");
  const common = [
    "--task",
    "factorization",
    "--base",
    "30",
    "--max",
    "400",
    "--hidden",
    "16",
    "--ff",
    "16",
    "--heads",
    "2",
    "--batch",
    "8",
    "--dropout",
    "0",
    "--eval-every",
    "2",
  ];
  await captureStdout(() => trainArithCommand.run([...common, "--layers", "1", "--steps", "4", "--out", small]));
  // one step with learning rate ~0: the deeper run (with 40 feed-forward units instead of 16) starts with the small run's own validation loss
  const wider = common.map((a, i) => (common[i - 1] === "--ff" ? "40" : a));
  await captureStdout(() =>
    trainArithCommand.run([
      ...wider,
      "--layers",
      "3",
      "--steps",
      "1",
      "--eval-every",
      "1",
      "--lr",
      "1e-12",
      "--warmup",
      "0",
      "--init-from",
      small,
      "--out",
      deep,
    ]),
  );
  const config = JSON.parse(fs.readFileSync(path.join(deep, "config.json"), "utf8"));
  assert.deepEqual(config.initFrom, { run: small, step: 4, encoderLayers: 1, decoderLayers: 1, ffHidden: 16 });
  assert.equal(config.model.encoderLayers, 3);
  assert.equal(config.model.ffHidden, 40);
  const [first] = readMetrics<{ valLoss: number }>(deep);
  const smallLoss = readMetrics<{ valLoss: number }>(small).at(-1)!.valLoss;
  assert.ok(Math.abs(first.valLoss - smallLoss) < 1e-4, `${first.valLoss} vs ${smallLoss}`);
  // a different held-out split (or base) could leak test numbers into training: refused, naming the field
  await assert.rejects(
    trainArithCommand.run([...common.map((a) => (a === "400" ? "500" : a)), "--layers", "2", "--init-from", small, "--out", path.join(dir, "x")]),
    /data\.max is 400 there and 500 here/,
  );
  await assert.rejects(
    trainArithCommand.run([...common, "--layers", "2", "--hidden", "32", "--init-from", small, "--out", path.join(dir, "y")]),
    /hidden must stay 16/,
  );
  await assert.rejects(trainArithCommand.run([...common, "--layers", "3", "--resume", "--init-from", small, "--out", deep]), UsageError);
  // the two runs compute the same outputs, so as an ensemble they score exactly as one of them
  const evalJson = async (...runs: string[]) =>
    JSON.parse(
      (await captureStdout(() => evalArithCommand.run([...runs.flatMap((r) => ["--checkpoint", r]), "--beams", "3", "--limit", "20", "--json"]))).trim(),
    );
  assert.deepEqual(await evalJson(small, deep), await evalJson(small));
  // an ensemble member with another held-out split is refused, naming the field
  const other = path.join(dir, "other");
  await captureStdout(() => trainArithCommand.run([...common.map((a) => (a === "400" ? "500" : a)), "--layers", "1", "--steps", "1", "--out", other]));
  await assert.rejects(evalJson(small, other), /cannot join an ensemble .*data\.max is 500 there and 400 here/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("average arith writes the weight average of runs trained on from one run: recorded, evaluable, a start for new runs, not resumable", async () => {
  process.env.NUMLAB_BACKEND = "cpu";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-arith-cli-"));
  const common = [
    "--task",
    "factorization",
    "--base",
    "30",
    "--max",
    "400",
    "--hidden",
    "16",
    "--ff",
    "16",
    "--heads",
    "2",
    "--layers",
    "1",
    "--batch",
    "8",
    "--dropout",
    "0",
    "--eval-every",
    "2",
  ];
  const [base, b, c, soup] = ["base", "b", "c", "soup"].map((n) => path.join(dir, n));
  await captureStdout(() => trainArithCommand.run([...common, "--steps", "4", "--out", base]));
  await captureStdout(() => trainArithCommand.run([...common, "--steps", "2", "--seed", "1", "--init-from", base, "--out", b]));
  await captureStdout(() => trainArithCommand.run([...common, "--steps", "3", "--seed", "2", "--init-from", base, "--out", c]));
  const printed = await captureStdout(() => averageArithCommand.run(["--checkpoint", b, "--checkpoint", c, "--out", soup]));
  assert.match(printed, /averaged 2 runs/);
  const config = JSON.parse(fs.readFileSync(path.join(soup, "config.json"), "utf8"));
  assert.deepEqual(config.averageOf, [
    { run: b, step: 2 },
    { run: c, step: 3 },
  ]);
  assert.deepEqual(config.data, JSON.parse(fs.readFileSync(path.join(b, "config.json"), "utf8")).data);
  // every weight is the mean of the two runs' weights
  const [rb, rc, rs] = [b, c, soup].map((d) => loadArithmeticRun(d));
  let compared = 0;
  for (const name of Object.keys(rb.model.params)) {
    const [x, y, m] = [rb, rc, rs].map((r) => r.model.params[name].dataSync());
    for (let i = 0; i < m.length; i++) assert.ok(Math.abs(m[i] - (x[i] + y[i]) / 2) < 1e-6, `${name}[${i}]`);
    compared += m.length;
  }
  assert.ok(compared > 1000);
  assert.ok(
    Object.keys(rb.model.params).some((name) => rb.model.params[name].dataSync().some((v, i) => v !== rc.model.params[name].dataSync()[i])),
    "the two runs differ",
  );
  // averaging a run with itself gives that run back: the same evaluation
  const evalJson = async (run: string) =>
    JSON.parse((await captureStdout(() => evalArithCommand.run(["--checkpoint", run, "--beams", "3", "--limit", "20", "--json"]))).trim());
  const self = path.join(dir, "self");
  await captureStdout(() => averageArithCommand.run(["--checkpoint", b, "--checkpoint", b, "--out", self]));
  assert.deepEqual(await evalJson(self), await evalJson(b));
  // the average starts new runs but cannot be resumed (no optimizer state)
  await assert.rejects(trainArithCommand.run([...common, "--steps", "6", "--resume", "--out", soup]), /weight average .*--init-from/);
  await captureStdout(() => trainArithCommand.run([...common, "--steps", "1", "--init-from", soup, "--out", path.join(dir, "next")]));
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "next", "config.json"), "utf8")).initFrom.run, soup);
  // refused: another held-out split, another model shape, an existing run as --out, missing options
  const other = path.join(dir, "other");
  await captureStdout(() => trainArithCommand.run([...common.map((a) => (a === "400" ? "500" : a)), "--steps", "1", "--out", other]));
  await assert.rejects(
    averageArithCommand.run(["--checkpoint", b, "--checkpoint", other, "--out", path.join(dir, "x")]),
    /cannot be averaged .*data\.max is 500 there and 400 here/,
  );
  const wide = path.join(dir, "wide");
  await captureStdout(() => trainArithCommand.run([...common.map((a) => (a === "1" ? "2" : a)), "--steps", "1", "--out", wide]));
  await assert.rejects(
    averageArithCommand.run(["--checkpoint", b, "--checkpoint", wide, "--out", path.join(dir, "y")]),
    /model\.encoderLayers differs \(2 vs 1\)/,
  );
  await assert.rejects(averageArithCommand.run(["--checkpoint", b, "--checkpoint", c, "--out", soup]), /already holds a checkpoint/);
  await assert.rejects(averageArithCommand.run(["--checkpoint", b, "--out", path.join(dir, "z")]), UsageError);
  await assert.rejects(averageArithCommand.run(["--checkpoint", b, "--checkpoint", c]), UsageError);
  [rb, rc, rs].forEach((r) => Object.values(r.model.params).forEach((t) => t.dispose()));
  fs.rmSync(dir, { recursive: true, force: true });
});

test("shippedArithmeticRunDir reads the models manifest, not the order of directory names", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-shipped-"));
  try {
    assert.equal(shippedArithmeticRunDir("factorization", path.join(root, "missing")), null);
    assert.equal(shippedArithmeticRunDir("factorization", root), null); // no models.json
    const ship = (name: string, complete = true) => {
      fs.mkdirSync(path.join(root, name, "checkpoint"), { recursive: true });
      fs.writeFileSync(path.join(root, name, "config.json"), "{}");
      if (complete) fs.writeFileSync(path.join(root, name, "checkpoint", "manifest.json"), "{}");
    };
    const entry = (name: string, task: string, role = "main") => ({
      name,
      task,
      kind: "arith",
      role,
      description: name,
      loadedBy: ["a test"],
      parameters: 1,
      headline: { metric: "m", value: "v", split: "s", measured: "today" },
      reproduce: ["numlab train arith"],
      docs: "docs",
    });
    ship("arith-addition-base10");
    ship("arith-factorization-a");
    ship("arith-factorization-z"); // sorts last but the manifest names -a
    ship("arith-factorization-b", false); // listed as the comparison, incomplete
    fs.writeFileSync(
      path.join(root, "models.json"),
      JSON.stringify({
        version: 1,
        models: [
          entry("arith-addition-base10", "addition"),
          entry("arith-factorization-a", "factorization"),
          entry("arith-factorization-b", "factorization", "comparison"),
        ],
      }),
    );
    assert.equal(shippedArithmeticRunDir("factorization", root), path.join(root, "arith-factorization-a"));
    assert.equal(shippedArithmeticRunDir("addition", root), path.join(root, "arith-addition-base10"));
    fs.rmSync(path.join(root, "arith-factorization-a", "checkpoint", "manifest.json"));
    assert.equal(shippedArithmeticRunDir("factorization", root), null, "an incomplete run is not offered");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("train arith: with no flags the parsed options are ARITHMETIC_DEFAULTS, and the usage text prints them", () => {
  const d = ARITHMETIC_DEFAULTS;
  for (const task of ["addition", "factorization"] as const) {
    const options = parseTrainArithArgs(["--task", task, "--out", "runs/x"]);
    assert.deepEqual(options, {
      data: { base: d.data.base, testFraction: d.data.testFraction, splitSeed: d.data.splitSeed, task, max: d.data.max[task] },
      model: d.model,
      train: d.train,
      out: "runs/x",
      resume: false,
    });
    // the CLI's run and the library's run with nothing set are the same run
    assert.deepEqual(resolveArithmeticConfig(options), resolveArithmeticConfig({ data: { task } }));
  }
  assert.equal(d.model.encoderLayers, d.model.decoderLayers, "--layers prints one default for both");
  assert.equal(d.train.evalEvery, d.train.checkpointEvery, "--eval-every prints one default for both");
  assert.equal(d.model.seed, d.train.seed, "--seed prints one default for both");
  assertUsagePrints(trainArithCommand.usage, {
    base: d.data.base,
    max: `${d.data.max.addition} for addition, ${d.data.max.factorization} for factorization`,
    "test-fraction": d.data.testFraction,
    "split-seed": d.data.splitSeed,
    "repeat-multidigit": d.train.repeatMultiDigit,
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
    schedule: d.train.schedule,
    parts: d.train.parts,
    positional: d.model.positional,
  });
  // the presets of this trainer, and only those, are listed
  assert.match(trainArithCommand.usage, /^ {2}arith-addition-base10 /m);
  assert.match(trainArithCommand.usage, /^ {2}arith-factorization-base60 /m);
  assert.doesNotMatch(trainArithCommand.usage, /poly-expansion|lstm-next-integer/);
});

test("train arith --preset: the preset's settings, flags override them; a preset of another trainer or an unknown one is refused", () => {
  const options = parseTrainArithArgs(["--preset", "arith-addition-base10", "--lr", "0.001", "--steps", "10", "--out", "runs/x"]);
  assert.equal(options.data.task, "addition");
  assert.equal(options.model?.hidden, 64);
  assert.equal(options.train?.warmupSteps, 100);
  assert.equal(options.train?.evalEvery, 250);
  assert.equal(options.train?.learningRate, 0.001);
  assert.equal(options.train?.steps, 10);
  // a preset's settings the flags cannot name (e.g. a checkpoint interval of its own) pass through; --eval-every sets both
  const fac = parseTrainArithArgs(["--preset", "arith-factorization-base60", "--eval-every", "50", "--out", "runs/x"]);
  assert.deepEqual(
    [fac.data.trainMax, fac.data.base, fac.model?.encoderLayers, fac.train?.parts, fac.train?.float16, fac.train?.checkpointEvery],
    [262144, 60, 10, 3, true, 50],
  );
  assert.equal(parseTrainArithArgs(["--preset", "arith-factorization-base60", "--train-max", "70000", "--out", "runs/x"]).data.trainMax, 70000);
  assert.throws(
    () => parseTrainArithArgs(["--preset", "poly-expansion", "--out", "runs/x"]),
    (e: unknown) => e instanceof UsageError && /preset "poly-expansion" .*is for numlab train poly, not numlab train arith/.test(e.message),
  );
  assert.throws(
    () => parseTrainArithArgs(["--preset", "nope", "--out", "runs/x"]),
    (e: unknown) =>
      e instanceof UsageError && /no preset "nope"; the presets for numlab train arith are arith-addition-base10, arith-factorization-base60/.test(e.message),
  );
  assert.throws(
    () => parseTrainArithArgs(["--preset", "arith-addition-base10", "--resume", "--out", "runs/x"]),
    (e: unknown) => e instanceof UsageError && /--preset sets up a new run/.test(e.message),
  );
});

test("train arith --preset FILE.json trains with the file's settings", async () => {
  process.env.NUMLAB_BACKEND = "cpu";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-arith-cli-"));
  const file = path.join(dir, "tiny.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      trainer: "arith",
      description: "a tiny test model",
      options: {
        data: { task: "factorization", base: 7, max: 300 },
        model: { hidden: 16, ffHidden: 16, heads: 2, encoderLayers: 1, decoderLayers: 2 },
        train: { batchSize: 16, evalEvery: 2, checkpointEvery: 1, steps: 2, warmupSteps: 7 },
      },
    }),
  );
  const out = path.join(dir, "run");
  await captureStdout(() => trainArithCommand.run(["--preset", file, "--seed", "3", "--out", out]));
  const config = JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8"));
  assert.deepEqual(
    [
      config.data.base,
      config.model.decoderLayers,
      config.model.encoderLayers,
      config.train.warmupSteps,
      config.train.checkpointEvery,
      config.model.seed,
      config.train.seed,
    ],
    [7, 2, 1, 7, 1, 3, 3],
  );
  assert.equal(config.model.dropout, ARITHMETIC_DEFAULTS.model.dropout, "what the preset leaves out is the default");
  fs.writeFileSync(file, JSON.stringify({ trainer: "arith", description: "", options: { model: { hiden: 16 } } }));
  assert.throws(() => parseTrainArithArgs(["--preset", file, "--out", out]), /tiny\.json: options\.model\.hiden is not a setting/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("train arith --resume: --dropout, --train-max and --repeat-multidigit become one onResume object", () => {
  const options = parseTrainArithArgs([
    "--task",
    "factorization",
    "--out",
    "runs/x",
    "--resume",
    "--dropout",
    "0",
    "--train-max",
    "1200",
    "--repeat-multidigit",
    "2",
  ]);
  assert.deepEqual(options.onResume, { dropout: 0, trainMax: 1200, repeatMultiDigit: 2 });
  assert.equal(options.train?.steps, undefined, "without --steps the run's own total applies");
  assert.deepEqual(parseTrainArithArgs(["--task", "factorization", "--out", "runs/x", "--resume", "--steps", "9"]).onResume, {});
  // for a new run the same flags are the run's settings
  const fresh = parseTrainArithArgs(["--task", "factorization", "--out", "runs/x", "--dropout", "0", "--train-max", "1200", "--repeat-multidigit", "2"]);
  assert.deepEqual([fresh.onResume, fresh.model?.dropout, fresh.data.trainMax, fresh.train?.repeatMultiDigit], [undefined, 0, 1200, 2]);
});
