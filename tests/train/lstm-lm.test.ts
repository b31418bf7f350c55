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
import { RunInputError } from "../../src/train/run-inputs";
import { eventFiles, eventStep, readTfRecords } from "../../src/train/tensorboard";
import { isInterrupted } from "../../src/cancel";

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
  // bit for bit: the same losses and the same final weights and Adam moments
  for (const step of [20, 30]) assert.equal(b.get(step), a.get(step), `step ${step}`);
  const wa = loadCheckpoint(whole)!.tensors;
  const wb = loadCheckpoint(split)!.tensors;
  for (const name of Object.keys(wa).filter((n) => !n.startsWith("optimizer/"))) assert.deepEqual(wb[name].dataSync(), wa[name].dataSync(), name);
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
  assert.match(nan!.message!, /the last good checkpoint \(step 6\) is kept; lower the learning rate and resume: --resume --lr 0\.001$/);
  // resuming with the advised rate continues from step 6 and logs the change
  const s = await trainLstm({ out: dir, resume: true, sequences: sequences(60, 2), progressMode: "silent", onResume: { learningRate: 0.001 } });
  assert.equal(s.step, 12);
  assert.equal(s.config.learningRate, 0.001);
  const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
  assert.deepEqual(
    config.numlab.changes.map((c: { step: number; change: string }) => [c.step, c.change]),
    [[6, "learningRate 0.01 → 0.001"]],
  );
});

/** Steps of the events in a run's TensorBoard files, sorted (the file-version headers left out). */
function eventSteps(dir: string): number[] {
  return eventFiles(dir)
    .flatMap((f) => readTfRecords(path.join(dir, f)).map(eventStep))
    .filter((s): s is number => s !== null)
    .sort((x, y) => x - y);
}

test("a run that crashed after its checkpoint resumes without TensorBoard points written twice", async () => {
  const data = sequences(120, 4);
  const config = { ...TINY, steps: 30, evalEvery: 10, checkpointEvery: 15, tensorboard: true };
  const whole = path.join(tempDir(), "whole");
  await trainLstm({ out: whole, config, sequences: data, progressMode: "silent" });
  const crashed = path.join(tempDir(), "crashed");
  // a crash (not a NaN) during step 28: the checkpoint is at step 15, the events went up to step 20
  await assert.rejects(
    trainLstm({
      out: crashed,
      config,
      sequences: data,
      progressMode: "silent",
      lossOverride: (loss, step) => {
        if (step === 28) throw new Error("simulated crash");
        return loss;
      },
    }),
    /simulated crash/,
  );
  assert.equal((loadCheckpoint(crashed)!.state as { step: number }).step, 15);
  assert.ok(eventSteps(crashed).includes(20));
  await trainLstm({ out: crashed, resume: true, sequences: data, progressMode: "silent" });
  assert.deepEqual(eventSteps(crashed), eventSteps(whole));
  assert.deepEqual(losses(crashed), losses(whole));
});

test("resume checks its data and settings: other rows or a fixed setting are errors, --steps and --lr apply", async () => {
  const dir = path.join(tempDir(), "run");
  await trainLstm({ out: dir, config: TINY, sequences: sequences(60, 5), progressMode: "silent", maxStepsThisRun: 6 });
  await assert.rejects(
    trainLstm({ out: dir, resume: true, sequences: sequences(60, 6), progressMode: "silent" }),
    (e: unknown) => e instanceof RunInputError && /the training rows \(data in memory, \d+ bytes.*is not the data this run was trained on/.test(e.message),
  );
  await assert.rejects(
    trainLstm({ out: dir, resume: true, sequences: sequences(60, 5), progressMode: "silent", expect: [{ name: "--hidden", key: "hiddenSize", value: 32 }] }),
    /--hidden 32 differs from the run's hiddenSize \(8\), which cannot change on resume; drop --hidden \(--steps and --lr may change on resume\)/,
  );
  const s = await trainLstm({
    out: dir,
    resume: true,
    sequences: sequences(60, 5),
    progressMode: "silent",
    expect: [{ name: "--hidden", key: "hiddenSize", value: 8 }],
    onResume: { steps: 9 },
  });
  assert.equal(s.step, 9);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")).steps, 9);
  await assert.rejects(
    trainLstm({ out: dir, resume: true, sequences: sequences(60, 5), progressMode: "silent", onResume: { steps: 3 } }),
    /its checkpoint is at step 9/,
  );
});

test("an aborted signal stops at the next step with a checkpoint and the step in the message; --init-from starts from a run's weights", async () => {
  const dir = path.join(tempDir(), "run");
  const controller = new AbortController();
  await assert.rejects(
    trainLstm({
      out: dir,
      config: TINY,
      sequences: sequences(60, 7),
      progressMode: "silent",
      signal: controller.signal,
      lossOverride: (loss, step) => {
        if (step === 5) controller.abort();
        return loss;
      },
    }),
    (e: unknown) => isInterrupted(e) && (e as Error).message === "interrupted at step 5; last checkpoint at step 5 (continue with --resume)",
  );
  assert.equal((loadCheckpoint(dir)!.state as { step: number }).step, 5);
  assert.ok(!fs.existsSync(path.join(dir, ".lock")), "the lock is released");
  const fresh = path.join(tempDir(), "fresh");
  await trainLstm({ out: fresh, config: { ...TINY, steps: 0 }, initFrom: dir, sequences: sequences(60, 7), progressMode: "silent" });
  const a = loadCheckpoint(dir)!.tensors;
  const b = loadCheckpoint(fresh)!.tensors;
  assert.deepEqual(b["lstm0/kernel"].dataSync(), a["lstm0/kernel"].dataSync());
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(fresh, "config.json"), "utf8")).initFrom, { run: dir, step: 5 });
  await assert.rejects(
    trainLstm({ out: path.join(tempDir(), "x"), config: { ...TINY, hiddenSize: 9 }, initFrom: dir, sequences: sequences(60, 7), progressMode: "silent" }),
    /--init-from .*: hiddenSize is 8 there and 9 here/,
  );
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
