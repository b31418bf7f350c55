import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/random";
import { LSTM_SMOKE_CONFIG, LstmMetricsRecord, LstmTrainConfig, lstmEmbeddingsAt, lstmEvaluations, trainLstm } from "../../src/train/lstm-lm";
import { loadCheckpoint, NonFiniteLossError, readMetrics } from "../../src/train/run-dir";

before(async () => {
  await tf.setBackend("cpu");
});

const TINY: Partial<LstmTrainConfig> = {
  ...LSTM_SMOKE_CONFIG,
  maxValue: 50,
  seqLen: 8,
  embeddingDim: 4,
  hiddenSize: 8,
  denseSize: 8,
  batchSize: 8,
  steps: 12,
  evalEvery: 6,
  checkpointEvery: 3,
  probeCount: 40,
  tensorboard: false,
};

/** Arithmetic progressions a, a+d, ... below 50. */
function sequences(count: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const a = rng.int(0, 6);
    const d = rng.int(1, 5);
    return Array.from({ length: 10 }, (_, k) => a + d * k);
  });
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "numlab-lstm-"));
}

function losses(dir: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of readMetrics<LstmMetricsRecord>(dir)) if (typeof r.loss === "number") m.set(r.step, r.loss);
  return m;
}

test("a run split by a checkpoint and resumed matches the uninterrupted run step for step", async () => {
  const data = sequences(120, 1);
  const whole = path.join(tempDir(), "whole");
  const summary = await trainLstm({ out: whole, config: { ...TINY, steps: 30 }, sequences: data, progressMode: "silent" });
  assert.equal(summary.step, 30);
  const split = path.join(tempDir(), "split");
  const first = await trainLstm({ out: split, config: { ...TINY, steps: 30 }, sequences: data, progressMode: "silent", maxStepsThisRun: 13 });
  assert.equal(first.step, 13);
  assert.equal((loadCheckpoint(split)!.state as { step: number }).step, 13);
  const second = await trainLstm({ out: split, resume: true, sequences: data, progressMode: "silent" });
  assert.equal(second.step, 30);
  const a = losses(whole);
  const b = losses(split);
  assert.deepEqual([...b.keys()], [10, 13, 20, 30]); // every 10 steps and where a part stopped
  for (const step of [20, 30]) assert.ok(Math.abs(a.get(step)! - b.get(step)!) < 1e-4, `step ${step}: ${a.get(step)} vs ${b.get(step)}`);
  assert.ok(a.get(30)! < a.get(10)!, "the loss goes down");
  // evaluations at 0, 6, 12, 18, 24, 30 with embeddings snapshots, each listed once
  const evals = lstmEvaluations(split);
  assert.deepEqual(
    evals.map((r) => r.step),
    [0, 6, 12, 18, 24, 30],
  );
  const emb = lstmEmbeddingsAt(split, 0);
  assert.equal(emb.integers.length, 40);
  assert.equal(emb.dim, 4);
  assert.deepEqual(Object.keys(evals[5].probes!), ["div2", "div3", "div4", "div5", "div10", "prime"]);
  const resumed = readMetrics<LstmMetricsRecord>(split).filter((r) => r.event === "resume");
  assert.equal(resumed.length, 1);
});

test("a non-finite loss stops the run before the update and keeps the last good checkpoint", async () => {
  const dir = path.join(tempDir(), "nan");
  await assert.rejects(
    trainLstm({ out: dir, config: TINY, sequences: sequences(60, 2), progressMode: "silent", lossOverride: (loss, step) => (step === 8 ? NaN : loss) }),
    (err: unknown) => err instanceof NonFiniteLossError && err.step === 8 && /step 8.*last good checkpoint/.test(err.message),
  );
  assert.equal((loadCheckpoint(dir)!.state as { step: number }).step, 6);
  const nan = readMetrics<LstmMetricsRecord>(dir).find((r) => r.event === "nan");
  assert.equal(nan?.step, 8);
  // resuming continues from step 6
  const s = await trainLstm({ out: dir, resume: true, sequences: sequences(60, 2), progressMode: "silent" });
  assert.equal(s.step, 12);
});

test("CLI: kill after a checkpoint, --resume continues the step count to the end", { timeout: 240_000 }, async () => {
  const dir = tempDir();
  const file = path.join(dir, "stripped.txt");
  const lines = sequences(150, 3).map((s, i) => `A${String(i + 1).padStart(6, "0")} ,${s.join(",")},`);
  fs.writeFileSync(file, "# fixture\n" + lines.join("\n") + "\n");
  const out = path.join(dir, "run");
  const cli = path.join(__dirname, "../../src/cli/main.ts");
  const args = [
    "--import",
    "tsx",
    cli,
    "train",
    "lstm",
    "--preset",
    "smoke",
    "--file",
    file,
    "--out",
    out,
    "--max-value",
    "50",
    "--seq-len",
    "8",
    "--embedding-dim",
    "4",
    "--hidden",
    "8",
    "--dense",
    "8",
    "--batch-size",
    "8",
    "--steps",
    "2000",
    "--checkpoint-every",
    "5",
    "--eval-every",
    "1000",
    "--probe-count",
    "40",
  ];
  const env = { ...process.env, NUMLAB_BACKEND: "cpu" };
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const statePath = path.join(out, "checkpoint", "state.json");
  const deadline = Date.now() + 180_000;
  let killedAt = 0;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    if (fs.existsSync(statePath)) {
      const step = JSON.parse(fs.readFileSync(statePath, "utf8")).step as number;
      if (step >= 15) {
        child.kill("SIGKILL");
        killedAt = step;
        break;
      }
    }
    if (child.exitCode !== null) break;
  }
  await new Promise((r) => child.once("close", r));
  assert.ok(killedAt >= 15, `the run reached a checkpoint before being killed (stderr: ${stderr.slice(-500)})`);
  const checkpointStep = (loadCheckpoint(out)!.state as { step: number }).step;
  assert.ok(checkpointStep >= killedAt && checkpointStep < 2000);
  const target = checkpointStep + 12;
  // resume: finish a few more steps (a resumed run keeps its config; --stop-after bounds this invocation)
  const r = spawnSync(process.execPath, [...args.slice(0, 3), "train", "lstm", "--out", out, "--resume", "--stop-after", "12", "--json"], {
    env,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { step: number };
  assert.equal(summary.step, target);
  assert.equal((loadCheckpoint(out)!.state as { step: number }).step, target);
  const steps = readMetrics<LstmMetricsRecord>(out)
    .filter((m) => typeof m.loss === "number")
    .map((m) => m.step);
  assert.deepEqual(
    steps,
    [...new Set(steps)].sort((a, b) => a - b),
    "no step is logged twice and steps increase",
  );
  assert.equal(steps[steps.length - 1], target);
});
