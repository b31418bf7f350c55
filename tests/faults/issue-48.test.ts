/**
 * The cases of issue #48, replayed as written through the `numlab` CLI: each ends with a clear
 * error or a correct result, and nothing is lost.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { generatePolynomialPairs } from "../../src/data/polynomial-generator";
import { checkpointStep, hasCheckpoint, loadCheckpoint, nonFiniteTensor, readMetrics } from "../../src/train/run-dir";
import { readRunLock } from "../../src/train/run-lock";
import { cliEnv, exited, flipBytes, leftovers, metricsWithoutClock, namesFile, oeisFile, runCli, startCli, tempDir, waitFor } from "./helpers";

const MAKEMORE = ["train", "makemore", "--block", "2", "--emb", "2", "--json"];
const ARITH = ["train", "arith", "--task", "addition", "--max", "8", "--hidden", "16", "--ff", "16", "--heads", "2", "--layers", "1", "--batch", "8"];

test("1. a second writer on one --out exits non-zero naming the holder; the first run and its config are intact", async () => {
  const dir = tempDir();
  const names = namesFile(dir, 200, 1);
  const out = path.join(dir, "D");
  const first = startCli([...MAKEMORE, "--data", names, "--hidden", "64", "--steps", "400000", "--checkpoint-every", "50", "--out", out]);
  try {
    assert.ok(await waitFor(() => fs.existsSync(path.join(out, "checkpoint", "manifest.json")), 60_000), first.out.stderr);
    assert.equal(readRunLock(out)?.pid, first.pid);
    const second = runCli([...MAKEMORE, "--data", names, "--hidden", "32", "--steps", "100", "--out", out]);
    assert.equal(second.status, 1);
    assert.match(second.stderr, new RegExp(`run directory .*D is in use by process ${first.pid} on .* \\(.*train makemore .*--hidden 64`));
    assert.equal(JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8")).hidden, 64);
    assert.equal(first.exitCode, null, "the first run still trains");
  } finally {
    first.kill("SIGKILL");
    await exited(first);
  }
  // the first run's checkpoint is resumable (a stale lock is taken over)
  const resumed = runCli(["train", "makemore", "--out", out, "--resume", "--stop-after", "20", "--json"]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(loadCheckpoint(out)!.tensors.W1.shape, [4, 64]);
});

test("2. resume records and checks its data: the printed hint works offline, other data and fixed flags are errors, --lr applies", async () => {
  const dir = tempDir();
  const names = namesFile(dir, 150, 2);
  const other = namesFile(dir, 150, 3, "other.txt");
  const out = path.join(dir, "M");
  const first = runCli([...MAKEMORE, "--data", names, "--hidden", "8", "--steps", "200", "--stop-after", "60", "--checkpoint-every", "50", "--out", out]);
  assert.equal(first.status, 0, first.stderr);
  const hint = /continue with: numlab (.*)$/m.exec(first.stderr);
  assert.ok(hint, first.stderr);
  // another names file: refused, naming --data (no training on other data with exit 0)
  const wrong = runCli(["train", "makemore", "--out", out, "--resume", "--data", other, "--json"]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /--data \(.*other\.txt, \d+ bytes, sha256 [0-9a-f]{12}…\) is not the data this run was trained on \(.*names\.txt/);
  assert.equal(checkpointStep(out), 60);
  // the hint as printed, with no network and no data folder: the recorded file is read again
  const again = runCli([...hint[1].split(" "), "--json"]);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(checkpointStep(out), 200);

  // arith: a flag that cannot change is named; --lr and --steps apply and are logged
  const arith = path.join(dir, "A");
  assert.equal(runCli([...ARITH, "--eval-every", "2", "--steps", "2", "--out", arith]).status, 0);
  const fixed = runCli(["train", "arith", "--out", arith, "--resume", "--lr", "1e-3", "--hidden", "32"]);
  assert.equal(fixed.status, 1);
  assert.match(
    fixed.stderr,
    /--hidden 32 differs from the run's model\.hidden \(16\), which cannot change on resume; drop --hidden \(--steps, --lr and --dropout/,
  );
  const lower = runCli(["train", "arith", "--out", arith, "--resume", "--lr", "5e-4", "--steps", "4"]);
  assert.equal(lower.status, 0, lower.stderr);
  const config = JSON.parse(fs.readFileSync(path.join(arith, "config.json"), "utf8"));
  assert.equal(config.train.learningRate, 5e-4);
  assert.deepEqual(
    config.numlab.changes.map((c: { step: number; change: string }) => [c.step, c.change]),
    [
      [2, "train.steps 2 → 4"],
      [2, "train.learningRate 0.001 → 0.0005"],
    ],
  );
});

test("2. (poly) a run made with --data resumes from that file, offline", () => {
  const dir = tempDir();
  const pairs = path.join(dir, "pairs.txt");
  fs.writeFileSync(
    pairs,
    generatePolynomialPairs(60, 7)
      .map((p) => `${p.factored}=${p.expanded}`)
      .join("\n") + "\n",
  );
  const poly = path.join(dir, "P");
  const tinyPoly = ["--hidden", "16", "--ff", "16", "--heads", "2", "--layers", "1", "--batch", "8", "--eval-every", "2", "--eval-size", "4"];
  const made = runCli(["train", "poly", "--data", pairs, ...tinyPoly, "--steps", "2", "--out", poly]);
  assert.equal(made.status, 0, made.stderr);
  const polyResumed = runCli(["train", "poly", "--out", poly, "--resume", "--steps", "4"]);
  assert.equal(polyResumed.status, 0, polyResumed.stderr);
  assert.equal(checkpointStep(poly), 4);
  // the data file changed under the run: resume names the flag and the file
  fs.appendFileSync(pairs, "(x+1)*(x+2)=x**2+3*x+2\n");
  const changed = runCli(["train", "poly", "--out", poly, "--resume", "--steps", "6"]);
  assert.equal(changed.status, 1);
  assert.match(changed.stderr, /--data/);
});

test("3. after a NaN loss the kept checkpoint is finite and the printed advice works", () => {
  const dir = tempDir();
  const out = path.join(dir, "A");
  const blown = runCli([...ARITH, "--eval-every", "1", "--steps", "6", "--lr", "1e10", "--out", out]);
  assert.equal(blown.status, 1);
  const advice = /became (\S+) at step (\d+)(?: \([^)]*diverged\))?: training stopped, (.*); lower the learning rate and resume: (--resume --lr \S+)$/m.exec(
    blown.stderr,
  );
  assert.ok(advice, blown.stderr);
  const kept = loadCheckpoint(out);
  if (kept) {
    // a kept checkpoint: finite weights, and a finite validation loss at its step
    assert.equal(nonFiniteTensor(kept.tensors), null);
    const step = (kept.state as { step: number }).step;
    const record = readMetrics<{ step: number; valLoss?: number }>(out).find((r) => r.step === step && r.valLoss !== undefined)!;
    assert.ok(Number.isFinite(record.valLoss), `val loss at step ${step}: ${record.valLoss}`);
  } else {
    assert.match(advice[3], /no checkpoint was saved yet/);
  }
  const followed = runCli(["train", "arith", "--out", out, ...advice[4].split(" ")]);
  assert.equal(followed.status, 0, followed.stderr);
  assert.equal(checkpointStep(out), 6);
  assert.equal(nonFiniteTensor(loadCheckpoint(out)!.tensors), null);
  const last = readMetrics<{ step: number; valLoss?: number; event?: string }>(out).at(-1)!;
  assert.ok(last.step === 6 && Number.isFinite(last.valLoss), JSON.stringify(last));
});

/** Rewrite a checkpoint's manifest, recomputing its own checksum (as a careful hand edit would). */
function resealManifest(dir: string, mutate: (m: { tensors: { name: string }[]; file?: string }) => void): void {
  const file = path.join(dir, "checkpoint", "manifest.json");
  const m = JSON.parse(fs.readFileSync(file, "utf8"));
  mutate(m);
  delete m.checksum;
  m.checksum = crypto.createHash("sha256").update(JSON.stringify(m)).digest("hex");
  fs.writeFileSync(file, JSON.stringify(m));
}

test("4. damaged checkpoints, bad manifests and symbolic links end with an error naming the file", () => {
  const dir = tempDir();
  const run = path.join(dir, "A");
  assert.equal(runCli([...ARITH, "--eval-every", "2", "--steps", "2", "--out", run]).status, 0);
  const copy = (name: string) => {
    const to = path.join(dir, name);
    fs.cpSync(run, to, { recursive: true });
    return to;
  };
  // 200 flipped bytes: eval and resume both refuse, naming the file (not the learning rate)
  const flipped = copy("flipped");
  flipBytes(path.join(flipped, "checkpoint", "tensors.bin"), 1000, 200);
  for (const args of [
    ["eval", "arith", "--checkpoint", flipped, "--json"],
    ["train", "arith", "--out", flipped, "--resume", "--steps", "4"],
  ]) {
    const r = runCli(args);
    assert.equal(r.status, 1, args.join(" "));
    assert.match(r.stderr, /checkpoint\/tensors\.bin: checksum mismatch \(sha256 [0-9a-f]{12}…, the manifest says [0-9a-f]{12}…\): the checkpoint is damaged/);
  }
  assert.equal(JSON.parse(fs.readFileSync(path.join(flipped, "config.json"), "utf8")).numlab.changes, undefined, "a refused resume changes nothing");
  // a manifest without the optimizer slots: resume refuses and says how to start from the weights
  const noSlots = copy("no-slots");
  resealManifest(noSlots, (m) => (m.tensors = m.tensors.filter((t) => !t.name.startsWith("optimizer/"))));
  const refused = runCli(["train", "arith", "--out", noSlots, "--resume", "--steps", "4"]);
  assert.equal(refused.status, 1);
  const hint = /has no optimizer state \(weights only\), so the run cannot be resumed exactly .*: (numlab train arith --init-from \S+ --out NEW_DIR)/.exec(
    refused.stderr,
  );
  assert.ok(hint, refused.stderr);
  const fresh = path.join(dir, "fresh");
  const started = runCli([...hint[1].replace("NEW_DIR", fresh).split(" ").slice(1), ...ARITH.slice(2), "--eval-every", "2", "--steps", "2"]);
  assert.equal(started.status, 0, started.stderr);
  // the rest through the loader every command uses (eval, resume, --init-from), in this process
  // the same edit without resealing: the manifest's own checksum catches it
  const edited = copy("edited");
  const manifestFile = path.join(edited, "checkpoint", "manifest.json");
  const m = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
  m.tensors = m.tensors.filter((t: { name: string }) => !t.name.startsWith("optimizer/"));
  fs.writeFileSync(manifestFile, JSON.stringify(m));
  assert.throws(() => loadCheckpoint(edited), /manifest\.json: the manifest does not match its checksum/);
  // a manifest pointing outside the run directory
  fs.writeFileSync(path.join(dir, "x"), Buffer.alloc(4096));
  const escape = copy("escape");
  resealManifest(escape, (mm) => (mm.file = "../../../x"));
  const outside = runCli(["eval", "arith", "--checkpoint", escape, "--json"]);
  assert.equal(outside.status, 1);
  assert.match(outside.stderr, /names the tensor file "\.\.\/\.\.\/\.\.\/x"; a checkpoint's files are tensors\.bin or tensors\.bin\.gz inside its own folder/);
  // truncated weights, a missing state, a missing manifest
  const truncated = copy("truncated");
  fs.truncateSync(path.join(truncated, "checkpoint", "tensors.bin"), 100);
  assert.throws(() => loadCheckpoint(truncated), /tensors\.bin: truncated \(100 bytes/);
  const noState = copy("no-state");
  fs.rmSync(path.join(noState, "checkpoint", "state.json"));
  assert.throws(() => loadCheckpoint(noState), /state\.json: missing \(the manifest lists it\)/);
  const noManifest = copy("no-manifest");
  fs.rmSync(path.join(noManifest, "checkpoint", "manifest.json"));
  assert.ok(hasCheckpoint(noManifest), "a damaged checkpoint/ still counts: a new run will not overwrite it, resume will not restart");
  assert.throws(() => loadCheckpoint(noManifest), /manifest\.json: missing: the checkpoint is damaged/);
  // a metrics.jsonl link in --out: refused, the file outside untouched
  const victim = path.join(dir, "victim.txt");
  fs.writeFileSync(victim, "precious\n");
  const linked = path.join(dir, "linked");
  fs.mkdirSync(linked);
  fs.symlinkSync(victim, path.join(linked, "metrics.jsonl"));
  const link = runCli([...ARITH, "--eval-every", "2", "--steps", "2", "--out", linked]);
  assert.equal(link.status, 1);
  assert.match(link.stderr, /metrics\.jsonl is a symbolic link \(→ .*victim\.txt\): numlab does not write through links/);
  assert.equal(fs.readFileSync(victim, "utf8"), "precious\n");
  // the original run was never touched
  assert.ok(loadCheckpoint(run));
});

test("5. LSTM: --stop-after then --resume matches the uninterrupted run exactly, without TensorBoard points twice", () => {
  const dir = tempDir();
  const data = oeisFile(dir, 150, 5);
  // the default backend (WASM with the native kernels where built), as in the issue
  const env = cliEnv({ NUMLAB_BACKEND: "" });
  const lstm = ["train", "lstm", "--file", data, "--max-value", "50", "--seq-len", "8", "--embedding-dim", "4", "--hidden", "8", "--dense", "8"];
  const common = [...lstm, "--batch-size", "8", "--steps", "60", "--eval-every", "20", "--checkpoint-every", "20", "--probe-count", "40", "--json"];
  const whole = path.join(dir, "whole");
  assert.equal(runCli([...common, "--out", whole], env).status, 0);
  const split = path.join(dir, "split");
  assert.equal(runCli([...common, "--out", split, "--stop-after", "25"], env).status, 0);
  const resumed = runCli(["train", "lstm", "--out", split, "--resume", "--json"], env);
  assert.equal(resumed.status, 0, resumed.stderr);
  const losses = (d: string) => metricsWithoutClock(d).filter((r) => r.loss !== undefined && r.step !== 25);
  assert.deepEqual(losses(split), losses(whole));
  const a = loadCheckpoint(whole)!.tensors;
  const b = loadCheckpoint(split)!.tensors;
  for (const name of Object.keys(a).filter((n) => !n.startsWith("optimizer/"))) assert.deepEqual(b[name].dataSync(), a[name].dataSync(), name);
  assert.deepEqual(leftovers(split), []);
});
