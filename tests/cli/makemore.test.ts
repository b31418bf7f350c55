import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseTrainMakemoreArgs, trainMakemoreCommand } from "../../src/cli/commands/makemore";
import { MAKEMORE_DEFAULTS, resolveMakemoreConfig } from "../../src/train/makemore";
import { assertUsagePrints } from "./usage-defaults";
import { UsageError } from "../../src/cli/command";
import { Rng } from "../../src/random";
import { loadCheckpoint, readMetrics } from "../../src/train/run-dir";

const REPO = path.join(__dirname, "..", "..");
const MAIN = path.join(REPO, "src", "cli", "main.ts");
const ENV = { ...process.env, NUMLAB_BACKEND: "cpu" };

/** A names file of generated syllable names (the CLI reads it with --data). */
function namesFile(dir: string): string {
  const rng = new Rng(11);
  const syllables = ["ka", "ri", "na", "lo", "me", "su", "te"];
  const names = Array.from({ length: 400 }, () => Array.from({ length: rng.int(1, 4) }, () => syllables[rng.int(0, syllables.length)]).join(""));
  const file = path.join(dir, "names.txt");
  fs.writeFileSync(file, names.join("\n") + "\n");
  return file;
}

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: REPO, env: ENV, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function checkpointStep(dir: string): number {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, "checkpoint", "state.json"), "utf8")) as { step: number }).step;
  } catch {
    return -1;
  }
}

test("train makemore: a run killed mid-way and resumed with --resume ends like an uninterrupted run", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-mk-cli-"));
  const data = namesFile(dir);
  const common = [
    "--data",
    data,
    "--block",
    "3",
    "--emb",
    "4",
    "--hidden",
    "16",
    "--steps",
    "3000",
    "--batch",
    "16",
    "--seed",
    "7",
    "--checkpoint-every",
    "100",
    "--json",
  ];
  const a = path.join(dir, "a");
  const b = path.join(dir, "b");

  const whole = cli(["train", "makemore", ...common, "--out", a]);
  assert.equal(whole.status, 0, whole.stderr);

  // kill -9 once a few checkpoints exist, well before the end
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "train", "makemore", ...common, "--out", b], { cwd: REPO, env: ENV, stdio: "ignore" });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let killedAt = -1;
  for (let i = 0; i < 6000 && child.exitCode === null; i++) {
    const step = checkpointStep(b);
    if (step >= 300) {
      child.kill("SIGKILL");
      killedAt = step;
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const code = await exited;
  assert.ok(killedAt >= 300 && killedAt < 3000, `the run was not killed mid-way (checkpoint step ${killedAt}, exit ${code})`);
  assert.equal(code, null, "the child should have died from SIGKILL");
  assert.ok(checkpointStep(b) < 3000);

  const resumed = cli(["train", "makemore", "--data", data, "--out", b, "--resume", "--json"]);
  assert.equal(resumed.status, 0, resumed.stderr);

  const summary = (s: string) => {
    const { train, dev, test: testLoss, params } = JSON.parse(s.trim().split("\n").pop()!) as Record<string, number>;
    return { train, dev, test: testLoss, params };
  };
  assert.deepEqual(summary(resumed.stdout), summary(whole.stdout));
  const ca = loadCheckpoint(a)!;
  const cb = loadCheckpoint(b)!;
  for (const name of ["C", "W1", "b1", "W2", "b2"]) {
    assert.deepEqual(Array.from(cb.tensors[name].dataSync()), Array.from(ca.tensors[name].dataSync()), `tensor ${name}`);
  }
  const withoutTimes = (d: string) =>
    readMetrics<Record<string, unknown>>(d)
      .filter((r) => r.event === undefined)
      .map(({ time: _t, ...r }) => r);
  assert.deepEqual(withoutTimes(b), withoutTimes(a));
});

test("train makemore --stop-after, then --resume; flags that contradict the saved run are refused", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-mk-cli-"));
  const data = namesFile(dir);
  const out = path.join(dir, "run");
  const first = cli([
    "train",
    "makemore",
    "--data",
    data,
    "--out",
    out,
    "--block",
    "2",
    "--emb",
    "2",
    "--hidden",
    "8",
    "--steps",
    "60",
    "--stop-after",
    "25",
    "--json",
  ]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, /stopped at step 25 of 60/);
  assert.equal(checkpointStep(out), 25);
  await assert.rejects(
    trainMakemoreCommand.run(["--data", data, "--out", out, "--resume", "--hidden", "9"]),
    (e: unknown) => e instanceof UsageError && /--hidden 9 differs/.test(e.message),
  );
  await assert.rejects(trainMakemoreCommand.run(["--resume"]), (e: unknown) => e instanceof UsageError && /--out/.test(e.message));
  const second = cli(["train", "makemore", "--data", data, "--out", out, "--resume", "--hidden", "8", "--json"]);
  assert.equal(second.status, 0, second.stderr);
  assert.equal(checkpointStep(out), 60);
});

test("train makemore: with no flags the parsed config is MAKEMORE_DEFAULTS, and the usage text prints them", () => {
  const d = MAKEMORE_DEFAULTS;
  const parsed = parseTrainMakemoreArgs([]);
  const { checkpointEvery, ...config } = d;
  assert.deepEqual(parsed.config, config);
  assert.equal(parsed.checkpointEvery, checkpointEvery);
  assert.deepEqual(resolveMakemoreConfig(parsed.config), resolveMakemoreConfig({}));
  assertUsagePrints(trainMakemoreCommand.usage, {
    block: d.blockSize,
    emb: d.embeddingDim,
    hidden: d.hidden,
    steps: d.steps,
    batch: d.batchSize,
    lr: d.lr,
    "lr-after": d.lrAfterDrop,
    init: d.init,
    seed: d.seed,
    "checkpoint-every": d.checkpointEvery,
    samples: 0,
  });
  assert.match(trainMakemoreCommand.usage, /^ {2}makemore /m);
});

test("train makemore --preset makemore is the README's run (the defaults); flags override it; other presets are refused", () => {
  assert.deepEqual(resolveMakemoreConfig(parseTrainMakemoreArgs(["--preset", "makemore"]).config), resolveMakemoreConfig({}));
  const small = parseTrainMakemoreArgs(["--preset", "makemore", "--hidden", "100", "--steps", "1000"]).config;
  assert.deepEqual(resolveMakemoreConfig(small), resolveMakemoreConfig({ hidden: 100, steps: 1000 }), "with --steps the rate drops at half of them");
  assert.throws(
    () => parseTrainMakemoreArgs(["--preset", "lstm-next-integer"]),
    (e: unknown) => e instanceof UsageError && /is for numlab train lstm, not numlab train makemore/.test(e.message),
  );
  assert.throws(
    () => parseTrainMakemoreArgs(["--preset", "x", "--out", "runs/x"]),
    (e: unknown) => e instanceof UsageError && /presets for numlab train makemore are makemore \(/.test(e.message),
  );
});
