/**
 * kill -9 at random points: a seeded loop of runs of three trainers (makemore, the LSTM, the
 * arithmetic transformer) through the CLI, each killed with SIGKILL either after a random delay or
 * at a chosen point of a checkpoint save or a metrics append (NUMLAB_FAULT), then resumed. After
 * every kill the run directory must load; at the end each run must equal an uninterrupted run of
 * the same settings (metrics and weights) and hold no leftovers. A longer soak: FAULT_KILLS=200.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { Rng } from "../../src/random";
import { hasCheckpoint, loadCheckpoint } from "../../src/train/run-dir";
import { readRunLock, staleReason } from "../../src/train/run-lock";
import { cliEnv, exited, leftovers, metricsWithoutClock, namesFile, oeisFile, runCli, startCli, tempDir, waitFor } from "./helpers";

const KILLS = Number(process.env.FAULT_KILLS ?? 20);
const root = tempDir();
const names = namesFile(root, 200, 11);
const oeis = oeisFile(root, 150, 12);

interface Trainer {
  name: string;
  /** Arguments of a new run into `out`. */
  fresh(out: string): string[];
  /** Arguments that continue the run in `out`. */
  resume(out: string): string[];
}

const TRAINERS: Trainer[] = [
  {
    name: "makemore",
    fresh: (out) => [
      ...["train", "makemore", "--data", names, "--block", "2", "--emb", "2", "--hidden", "8"],
      ...["--steps", "3000", "--checkpoint-every", "100", "--json", "--out", out],
    ],
    resume: (out) => ["train", "makemore", "--out", out, "--resume", "--json"],
  },
  {
    name: "lstm",
    fresh: (out) => [
      ...["train", "lstm", "--file", oeis, "--max-value", "50", "--seq-len", "8", "--embedding-dim", "4", "--hidden", "8", "--dense", "8"],
      ...["--batch-size", "8", "--steps", "90", "--eval-every", "30", "--checkpoint-every", "10", "--probe-count", "40", "--json", "--out", out],
    ],
    resume: (out) => ["train", "lstm", "--out", out, "--resume", "--json"],
  },
  {
    name: "arith",
    fresh: (out) => [
      ...["train", "arith", "--task", "addition", "--max", "8", "--hidden", "16", "--ff", "16", "--heads", "2", "--layers", "1"],
      ...["--batch", "8", "--eval-every", "3", "--steps", "30", "--out", out],
    ],
    resume: (out) => ["train", "arith", "--out", out, "--resume"],
  },
];

/** Where a run is killed: after a delay once it holds its lock, or at a fault point (the K-th time it is reached). */
type KillMode = { kind: "timed"; ms: number } | { kind: "fault"; point: string };
const FAULT_POINTS = ["checkpoint-files", "checkpoint-swap", "checkpoint-cleanup", "metrics-torn"];

/** Half the kills after a random delay, half at the fault points in turn (each point hit by every trainer), the K-th time at random. */
function chooseMode(rng: Rng, i: number): KillMode {
  if (i % 2 === 0) return { kind: "timed", ms: rng.int(0, 500) };
  return { kind: "fault", point: `${FAULT_POINTS[Math.floor(i / 2) % FAULT_POINTS.length]}:${rng.int(1, 4)}` };
}

/** Start the next invocation of a run (new or resumed), kill it as `mode` says; true when it died by SIGKILL. */
async function killOnce(trainer: Trainer, out: string, mode: KillMode): Promise<boolean> {
  const args = fs.existsSync(path.join(out, "config.json")) ? trainer.resume(out) : trainer.fresh(out);
  const env = cliEnv(mode.kind === "fault" ? { NUMLAB_FAULT: mode.point } : {});
  const child = startCli(args, env);
  if (mode.kind === "timed") {
    await waitFor(() => readRunLock(out)?.pid === child.pid || child.exitCode !== null, 60_000);
    await new Promise((r) => setTimeout(r, mode.ms));
    child.kill("SIGKILL");
  }
  const { code, signal } = await exited(child);
  assert.ok(signal === "SIGKILL" || code === 0, `${trainer.name} ${JSON.stringify(mode)}: exit ${code} ${signal}\n${child.out.stderr.slice(-1500)}`);
  return signal === "SIGKILL";
}

/** What a killed run directory must still be: its checkpoint loads (checksums, finite values), its lock is stale. */
function assertRecoverable(out: string, what: string): void {
  if (hasCheckpoint(out)) {
    const checkpoint = loadCheckpoint(out);
    assert.ok(checkpoint, what);
    Object.values(checkpoint.tensors).forEach((t) => t.dispose());
  }
  const holder = readRunLock(out);
  if (holder) assert.ok(staleReason(holder), `${what}: the lock of a killed run is stale`);
}

function weights(dir: string): Record<string, number[]> {
  const checkpoint = loadCheckpoint(dir)!;
  const out: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(checkpoint.tensors)) if (!name.startsWith("optimizer/")) out[name] = Array.from(t.dataSync());
  return out;
}

test(`${KILLS} runs killed with SIGKILL at random points resume to exactly the uninterrupted results`, { timeout: 900_000 }, async () => {
  const rng = new Rng(48);
  const dirs = TRAINERS.map((t) => path.join(root, `killed-${t.name}`));
  let kills = 0;
  const modes: string[] = [];
  for (let i = 0; kills < KILLS && i < KILLS * 3; i++) {
    const k = i % TRAINERS.length;
    const mode = chooseMode(rng, i);
    const started = Date.now();
    const killed = await killOnce(TRAINERS[k], dirs[k], mode);
    modes.push(`${TRAINERS[k].name}:${mode.kind === "timed" ? `${mode.ms}ms` : mode.point}${killed ? "" : " (finished)"} ${Date.now() - started}ms`);
    if (killed) kills++;
    assertRecoverable(dirs[k], `${TRAINERS[k].name} after ${modes.at(-1)}`);
  }
  assert.ok(kills >= KILLS, `only ${kills} kills landed (${modes.join(", ")})`);
  if (process.env.FAULT_VERBOSE) process.stderr.write(`kills: ${modes.join(", ")}\n`);
  for (const [k, trainer] of TRAINERS.entries()) {
    let t0 = Date.now();
    const finished = runCli(fs.existsSync(path.join(dirs[k], "config.json")) ? trainer.resume(dirs[k]) : trainer.fresh(dirs[k]));
    assert.equal(finished.status, 0, finished.stderr);
    const reference = path.join(root, `reference-${trainer.name}`);
    if (process.env.FAULT_VERBOSE) process.stderr.write(`final ${trainer.name} ${Date.now() - t0}ms\n`);
    t0 = Date.now();
    const whole = runCli(trainer.fresh(reference));
    if (process.env.FAULT_VERBOSE) process.stderr.write(`reference ${trainer.name} ${Date.now() - t0}ms\n`);
    assert.equal(whole.status, 0, whole.stderr);
    assert.deepEqual(metricsWithoutClock(dirs[k]), metricsWithoutClock(reference), `${trainer.name}: metrics after ${modes.join(", ")}`);
    assert.deepEqual(weights(dirs[k]), weights(reference), `${trainer.name}: weights`);
    assert.deepEqual(leftovers(dirs[k]), [], `${trainer.name}: leftovers`);
    assert.ok(!fs.existsSync(path.join(dirs[k], "checkpoint.prev")));
  }
});
