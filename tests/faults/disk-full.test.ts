/**
 * A full disk: a small tmpfs is mounted (root only; skipped elsewhere) and filled, so that a
 * checkpoint save runs out of space. The run must stop with a clear error, keep its last complete
 * checkpoint and leave nothing half-written; with space back it resumes to the uninterrupted result.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { checkpointStep, loadCheckpoint, readMetrics } from "../../src/train/run-dir";
import { leftovers, metricsWithoutClock, namesFile, runCli, tempDir } from "./helpers";

/** Mount a tmpfs of `size` at a new folder; null when this machine does not allow it. */
function mountTmpfs(size: string): string | null {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return null;
  const dir = tempDir("numlab-tmpfs-");
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { encoding: "utf8" });
  return r.status === 0 ? dir : null;
}

const mount = mountTmpfs("512k");

test(
  "disk full during a checkpoint save: a clear error, the last checkpoint kept, nothing half-written; resumes when space is back",
  { skip: mount ? false : "cannot mount a tmpfs here (needs root on Linux)" },
  () => {
    const dir = mount!;
    try {
      const names = namesFile(tempDir(), 200, 21);
      const args = [
        "train",
        "makemore",
        "--data",
        names,
        "--block",
        "2",
        "--emb",
        "2",
        "--hidden",
        "64",
        "--steps",
        "300",
        "--checkpoint-every",
        "50",
        "--json",
      ];
      const out = path.join(dir, "run");
      const first = runCli([...args, "--out", out, "--stop-after", "100"]);
      assert.equal(first.status, 0, first.stderr);
      const saved = fs.readFileSync(path.join(out, "checkpoint", "tensors.bin"));
      // fill the disk, leaving 4 pages: enough for the lock and a metrics line, not for a checkpoint
      const filler = path.join(dir, "filler");
      const free = () => {
        const s = fs.statfsSync(dir);
        return s.bavail * s.bsize;
      };
      fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free() - 4 * 4096)));
      const full = runCli(["train", "makemore", "--out", out, "--resume", "--json"]);
      assert.equal(full.status, 1);
      assert.match(
        full.stderr,
        /no space left on the device \(ENOSPC\): nothing half-written is kept, the last complete checkpoint stays; free some space, then --resume/,
      );
      // the file and the step are named
      assert.match(full.stderr, /saving the checkpoint of step 150: \S+checkpoint\.tmp-[^:]*\/\S+: no space left/);
      assert.equal(checkpointStep(out), 100);
      assert.deepEqual(fs.readFileSync(path.join(out, "checkpoint", "tensors.bin")), saved);
      assert.ok(loadCheckpoint(out));
      assert.deepEqual(leftovers(out), [], "no temporary file or folder is left, and the lock is released");
      readMetrics(out); // still readable (a torn last line is dropped)
      // space back: the run resumes and ends like an uninterrupted one
      fs.rmSync(filler);
      const resumed = runCli(["train", "makemore", "--out", out, "--resume", "--json"]);
      assert.equal(resumed.status, 0, resumed.stderr);
      const reference = path.join(tempDir(), "reference");
      assert.equal(runCli([...args, "--out", reference]).status, 0);
      assert.deepEqual(metricsWithoutClock(out), metricsWithoutClock(reference));
      assert.deepEqual(loadCheckpoint(out)!.tensors.W1.dataSync(), loadCheckpoint(reference)!.tensors.W1.dataSync());
    } finally {
      spawnSync("umount", [dir]);
    }
  },
);
