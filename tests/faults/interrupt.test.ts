/**
 * Ctrl-C and SIGTERM (issue #49): a command-line training stops at its next step with a
 * checkpoint, says where, exits 130, and resumes to exactly the uninterrupted result.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { checkpointStep, loadCheckpoint } from "../../src/train/run-dir";
import { exited, leftovers, metricsWithoutClock, namesFile, oeisFile, runCli, startCli, tempDir, waitFor } from "./helpers";

for (const [trainer, signal] of [
  ["makemore", "SIGINT"],
  ["lstm", "SIGTERM"],
] as const) {
  test(`train ${trainer}: ${signal} stops at a step with a checkpoint (exit 130) and the run resumes to the uninterrupted result`, async () => {
    const dir = tempDir();
    const args =
      trainer === "makemore"
        ? [
            ...["train", "makemore", "--data", namesFile(dir, 200, 31), "--block", "2", "--emb", "2", "--hidden", "8"],
            ...["--steps", "5000", "--checkpoint-every", "100", "--json"],
          ]
        : [
            ...["train", "lstm", "--file", oeisFile(dir, 150, 32), "--max-value", "50", "--seq-len", "8", "--embedding-dim", "4", "--hidden", "8"],
            ...["--dense", "8", "--batch-size", "8", "--steps", "60", "--eval-every", "30", "--checkpoint-every", "15", "--probe-count", "40", "--json"],
          ];
    const out = path.join(dir, "run");
    const child = startCli([...args, "--out", out]);
    assert.ok(await waitFor(() => fs.existsSync(path.join(out, "checkpoint", "manifest.json")) || child.exitCode !== null, 60_000));
    child.kill(signal);
    const { code } = await exited(child);
    assert.equal(code, 130, child.out.stderr);
    const m = new RegExp(`numlab train ${trainer}: interrupted at step (\\d+); last checkpoint at step (\\d+) \\(continue with --resume\\)`).exec(
      child.out.stderr,
    );
    assert.ok(m, child.out.stderr);
    assert.equal(m[1], m[2], "the checkpoint is saved where it stopped");
    assert.equal(checkpointStep(out), Number(m[1]));
    assert.deepEqual(leftovers(out), [], "the lock is released");
    const resumed = runCli([...args.slice(0, 2), "--out", out, "--resume", "--json"]);
    assert.equal(resumed.status, 0, resumed.stderr);
    const reference = path.join(dir, "reference");
    assert.equal(runCli([...args, "--out", reference]).status, 0);
    assert.deepEqual(metricsWithoutClock(out), metricsWithoutClock(reference));
    const a = loadCheckpoint(out)!.tensors;
    const b = loadCheckpoint(reference)!.tensors;
    for (const name of Object.keys(b).filter((n) => !n.startsWith("optimizer/"))) assert.deepEqual(a[name].dataSync(), b[name].dataSync(), name);
  });
}
