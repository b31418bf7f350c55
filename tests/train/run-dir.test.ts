import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import {
  CheckpointError,
  appendMetrics,
  assertFiniteLoss,
  assertNoSymlinks,
  lowerLearningRate,
  requireOptimizerState,
  verifyCheckpoint,
  checkpointStep,
  averageCheckpoints,
  checkpointBytes,
  createRun,
  exportRunWeights,
  fromFloat16Bits,
  hasCheckpoint,
  loadCheckpoint,
  NonFiniteLossError,
  optimizerTensors,
  readConfig,
  readMetrics,
  restoreOptimizer,
  saveCheckpoint,
  toFloat16Bits,
  truncateMetricsAfter,
} from "../../src/train/run-dir";

tf.setBackend("cpu");

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "numlab-run-"));
}

test("createRun writes config, refuses to overwrite a checkpointed run, and resume reads it back", () => {
  const dir = path.join(tempDir(), "run");
  createRun(dir, { lr: 0.1, steps: 10 });
  assert.deepEqual(readConfig(dir), { lr: 0.1, steps: 10 });
  saveCheckpoint(dir, { tensors: { w: tf.tensor([1, 2]) }, state: { step: 3 } });
  assert.throws(() => createRun(dir, { lr: 0.2 }), /already holds a checkpoint.*--resume/);
  assert.deepEqual(createRun(dir, { lr: 0.5 }, { resume: true }), { lr: 0.1, steps: 10 });
  assert.throws(() => createRun(path.join(dir, "missing"), {}, { resume: true }), /cannot resume/);
});

test("checkpoint round-trips tensors of every dtype and the JSON state", () => {
  const dir = tempDir();
  const w = tf.tensor2d([
    [1.5, -2.25],
    [3, 4e-3],
  ]);
  const ids = tf.tensor1d([7, -1, 2 ** 30], "int32");
  const mask = tf.tensor1d([true, false, true], "bool");
  saveCheckpoint(dir, { tensors: { w, ids, mask }, state: { step: 12, cursor: { epoch: 1, pos: 5 } } });
  const ck = loadCheckpoint(dir)!;
  assert.deepEqual(ck.state, { step: 12, cursor: { epoch: 1, pos: 5 } });
  assert.deepEqual(ck.tensors.w.shape, [2, 2]);
  assert.deepEqual(Array.from(ck.tensors.w.dataSync()), Array.from(w.dataSync()));
  assert.equal(ck.tensors.ids.dtype, "int32");
  assert.deepEqual(Array.from(ck.tensors.ids.dataSync()), [7, -1, 2 ** 30]);
  assert.deepEqual(Array.from(ck.tensors.mask.dataSync()), [1, 0, 1]);
});

test("a second save replaces the first and leaves no temporary folders", () => {
  const dir = tempDir();
  saveCheckpoint(dir, { tensors: { w: tf.scalar(1) }, state: { step: 1 } });
  saveCheckpoint(dir, { tensors: { w: tf.scalar(2) }, state: { step: 2 } });
  assert.deepEqual(loadCheckpoint(dir)!.state, { step: 2 });
  assert.deepEqual(fs.readdirSync(dir).sort(), ["checkpoint"]);
});

test("an interrupted save (no manifest in the new folder) falls back to the previous checkpoint", () => {
  const dir = tempDir();
  saveCheckpoint(dir, { tensors: { w: tf.scalar(5) }, state: { step: 5 } });
  // simulate a crash between the two renames: the old checkpoint moved aside, the new one missing
  fs.renameSync(path.join(dir, "checkpoint"), path.join(dir, "checkpoint.prev"));
  fs.mkdirSync(path.join(dir, "checkpoint.tmp-1-1"));
  assert.ok(hasCheckpoint(dir));
  assert.deepEqual(loadCheckpoint(dir)!.state, { step: 5 });
});

test("a truncated tensors.bin is reported with the file name", () => {
  const dir = tempDir();
  saveCheckpoint(dir, { tensors: { w: tf.ones([100]) }, state: {} });
  const bin = path.join(dir, "checkpoint", "tensors.bin");
  fs.truncateSync(bin, 50);
  assert.throws(
    () => loadCheckpoint(dir),
    (err: Error) => err.message.includes(bin) && /truncated/.test(err.message),
  );
});

test("gzip storage is lossless, smaller for float16-derived weights, and a truncated file is named", () => {
  const dir = tempDir();
  // averages of float16 values leave most low mantissa bits zero, as in a weight soup
  const values = Float32Array.from({ length: 4096 }, (_, i) => (fromFloat16Bits(toFloat16Bits(Math.sin(i))) + fromFloat16Bits(toFloat16Bits(Math.cos(i)))) / 2);
  saveCheckpoint(dir, { tensors: { w: tf.tensor1d(values), n: tf.tensor1d([1, 2, 3], "int32") }, state: { step: 1 } }, { gzip: true });
  const gz = path.join(dir, "checkpoint", "tensors.bin.gz");
  assert.ok(!fs.existsSync(path.join(dir, "checkpoint", "tensors.bin")));
  assert.ok(checkpointBytes(dir) === fs.statSync(gz).size && checkpointBytes(dir) < values.length * 4 * 0.8, `${checkpointBytes(dir)} bytes`);
  const back = loadCheckpoint(dir)!;
  assert.deepEqual(back.tensors.w.dataSync(), values);
  assert.deepEqual(Array.from(back.tensors.n.dataSync()), [1, 2, 3]);
  assert.deepEqual(back.state, { step: 1 });
  fs.truncateSync(gz, 100);
  assert.throws(
    () => loadCheckpoint(dir),
    (err: Error) => err.message.includes(gz) && /truncated/.test(err.message),
  );
});

test("float16 storage halves the size and keeps ~3 significant digits", () => {
  const dir = tempDir();
  const values = [0, 1, -2.5, 0.1, 65504, 1e-6, 3.14159];
  saveCheckpoint(dir, { tensors: { w: tf.tensor1d(values) }, state: {} }, { float16: true });
  assert.equal(fs.statSync(path.join(dir, "checkpoint", "tensors.bin")).size, values.length * 2);
  const back = Array.from(loadCheckpoint(dir)!.tensors.w.dataSync());
  values.forEach((v, i) => assert.ok(Math.abs(back[i] - v) <= Math.abs(v) * 1e-3 + 6e-8, `${v} -> ${back[i]}`));
  assert.equal(fromFloat16Bits(toFloat16Bits(Infinity)), Infinity);
  assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN))));
  assert.equal(fromFloat16Bits(toFloat16Bits(1e6)), Infinity);
});

test("float16 checkpoints keep optimizer slots in float32, so a resumed Adam continues exactly", async () => {
  const dir = tempDir();
  const w = tf.variable(tf.tensor1d([0.5, -0.25, 2]));
  const optimizer = tf.train.adam(1e-3);
  // gradients of 1e-5 make second moments of ~1e-13: zero in float16
  optimizer.applyGradients({ [w.name]: tf.tensor1d([1e-5, -2e-5, 3e-5]) });
  const slots = await optimizerTensors(optimizer);
  saveCheckpoint(dir, { tensors: { w, ...slots }, state: {} }, { float16: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "checkpoint", "manifest.json"), "utf8")) as { tensors: { name: string; storage: string }[] };
  const storage = Object.fromEntries(manifest.tensors.map((e) => [e.name, e.storage]));
  assert.equal(storage.w, "float16");
  const slotNames = Object.keys(slots);
  assert.ok(slotNames.length >= 2);
  for (const name of slotNames) assert.notEqual(storage[name], "float16", name);
  const back = loadCheckpoint(dir)!.tensors;
  for (const name of slotNames) assert.deepEqual(Array.from(back[name].dataSync()), Array.from(slots[name].dataSync()), name);
  const v = slotNames.map((n) => back[n]).find((t) => t.dataSync()[0] > 0 && t.dataSync()[0] < 1e-9);
  assert.ok(v, "a second-moment slot below float16's range survived");
  optimizer.dispose();
  w.dispose();
});

test("exportRunWeights ships config and metrics with the weights only (float16), refusing to overwrite its source", async () => {
  const source = tempDir();
  createRun(source, { kind: "toy", lr: 0.1 });
  appendMetrics(source, { step: 1, loss: 0.5 });
  fs.writeFileSync(path.join(source, "vocab.json"), '["a"]\n');
  const w = tf.variable(
    tf.tensor2d([
      [0.5, -0.25],
      [2, 3.14159],
    ]),
  );
  const optimizer = tf.train.adam(1e-3);
  optimizer.applyGradients({
    [w.name]: tf.tensor2d([
      [1, 2],
      [3, 4],
    ]),
  });
  saveCheckpoint(source, { tensors: { w, ...(await optimizerTensors(optimizer)) }, state: { step: 1 } });
  const dest = path.join(tempDir(), "ship");
  const { bytes } = exportRunWeights(source, dest, { float16: true });
  assert.equal(bytes, 4 * 2);
  for (const file of ["config.json", "metrics.jsonl", "vocab.json"]) {
    assert.equal(fs.readFileSync(path.join(dest, file), "utf8"), fs.readFileSync(path.join(source, file), "utf8"));
  }
  const shipped = loadCheckpoint(dest)!;
  assert.deepEqual(Object.keys(shipped.tensors), ["w"]);
  Array.from(shipped.tensors.w.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - w.dataSync()[i]) < 2e-3));
  assert.deepEqual(shipped.state, { step: 1, exportedFrom: path.basename(source), weightsOnly: true });
  assert.throws(() => exportRunWeights(source, source), /same folder/);
  assert.throws(() => exportRunWeights(tempDir(), dest), /no checkpoint to export/);
  optimizer.dispose();
  w.dispose();
});

test("averageCheckpoints writes the mean of the float weights, keeps equal integer tensors, drops optimizer slots", async () => {
  const runs = [tempDir(), tempDir(), tempDir()];
  const ws = [
    [
      [1, 2],
      [3, 4],
    ],
    [
      [3, -2],
      [0.5, 4],
    ],
    [
      [5, 9],
      [-0.5, 0.25],
    ],
  ];
  for (const [i, dir] of runs.entries()) {
    const v = tf.variable(tf.zeros([2])); // gives the checkpoint optimizer slots
    const optimizer = tf.train.adam(1e-3);
    optimizer.applyGradients({ [v.name]: tf.onesLike(v) });
    saveCheckpoint(dir, {
      tensors: { w: tf.tensor2d(ws[i]), ids: tf.tensor1d([4, 2], "int32"), ...(await optimizerTensors(optimizer)) },
      state: { step: 10 * (i + 1) },
    });
    assert.ok(Object.keys(loadCheckpoint(dir)!.tensors).some((n) => n.startsWith("optimizer/")));
    optimizer.dispose();
    v.dispose();
  }
  const dest = path.join(tempDir(), "soup");
  averageCheckpoints(runs, dest, { step: 0, note: "x" });
  const soup = loadCheckpoint(dest)!;
  assert.deepEqual(Object.keys(soup.tensors).sort(), ["ids", "w"]);
  assert.deepEqual(soup.tensors.w.arraySync(), [
    [3, 3],
    [1, 2.75],
  ]);
  assert.deepEqual(Array.from(soup.tensors.ids.dataSync()), [4, 2]);
  assert.deepEqual(soup.state, { step: 0, note: "x", weightsOnly: true });
  // two of three: a different mean, so every run counts
  const two = path.join(tempDir(), "two");
  averageCheckpoints(runs.slice(1), two, { step: 0 });
  assert.deepEqual(loadCheckpoint(two)!.tensors.w.arraySync(), [
    [4, 3.5],
    [0, 2.125],
  ]);
  tf.dispose([...Object.values(soup.tensors)]);
});

test("averageCheckpoints refuses runs of different models, differing integer tensors, its own source and a single run", () => {
  const save = (tensors: Record<string, tf.Tensor>) => {
    const dir = tempDir();
    saveCheckpoint(dir, { tensors, state: { step: 1 } });
    return dir;
  };
  const a = save({ w: tf.tensor1d([1, 2]), ids: tf.tensor1d([1], "int32") });
  const out = () => path.join(tempDir(), "out");
  assert.throws(
    () => averageCheckpoints([a, save({ w: tf.tensor2d([[1, 2]]), ids: tf.tensor1d([1], "int32") })], out(), {}),
    /tensor "w" is float32 \[1,2\].*has float32 \[2\]/,
  );
  assert.throws(() => averageCheckpoints([a, save({ w: tf.tensor1d([1, 2]) })], out(), {}), /lacks tensor "ids"/);
  assert.throws(
    () => averageCheckpoints([a, save({ w: tf.tensor1d([1, 2]), ids: tf.tensor1d([1], "int32"), b: tf.tensor1d([0]) })], out(), {}),
    /has tensor "b"/,
  );
  assert.throws(() => averageCheckpoints([a, save({ w: tf.tensor1d([1, 2]), ids: tf.tensor1d([3], "int32") })], out(), {}), /int32 tensor "ids" differs/);
  assert.throws(() => averageCheckpoints([a, a], a, {}), /destination .* is one of the runs/);
  assert.throws(() => averageCheckpoints([a], out(), {}), /two or more runs/);
  assert.throws(() => averageCheckpoints([a, tempDir()], out(), {}), /no checkpoint to average/);
});

test("metrics append, survive a torn last line, and truncate after a step on resume", () => {
  const dir = path.join(tempDir(), "run");
  createRun(dir, {});
  for (let step = 1; step <= 5; step++) appendMetrics(dir, { step, loss: 1 / step });
  fs.appendFileSync(path.join(dir, "metrics.jsonl"), '{"step": 6, "lo');
  assert.deepEqual(
    readMetrics(dir).map((r) => r.step),
    [1, 2, 3, 4, 5],
  );
  truncateMetricsAfter(dir, 3);
  assert.deepEqual(
    readMetrics(dir).map((r) => r.step),
    [1, 2, 3],
  );
});

test("Adam state is saved and restored so the next update matches an uninterrupted run", async () => {
  const run = async (interrupt: boolean, restore = true) => {
    const w = tf.variable(tf.tensor1d([1, -1, 0.5]), true);
    let opt = tf.train.adam(0.1);
    const step = () => opt.minimize(() => tf.sum(tf.square(tf.sub(w, tf.tensor1d([3, 2, 1])))) as tf.Scalar);
    step();
    step();
    if (interrupt) {
      const dir = tempDir();
      saveCheckpoint(dir, { tensors: { w, ...(await optimizerTensors(opt)) }, state: {} });
      const ck = loadCheckpoint(dir)!;
      w.assign(ck.tensors.w);
      opt = tf.train.adam(0.1);
      if (restore) await restoreOptimizer(opt, ck.tensors);
    }
    step();
    return Array.from(w.dataSync());
  };
  const straight = await run(false);
  const resumed = await run(true);
  // Adam's running bias-correction powers are saved too: the resumed update is bit for bit the same
  assert.deepEqual(resumed, straight);
  // and the test can tell: a fresh optimizer (moments lost) lands somewhere else
  const fresh = await run(true, false);
  assert.ok(
    fresh.some((v, i) => Math.abs(v - straight[i]) > 1e-3),
    "restoring moments must matter",
  );
});

test("assertFiniteLoss names the step", () => {
  assert.doesNotThrow(() => assertFiniteLoss(1.5, 3));
  assert.throws(
    () => assertFiniteLoss(NaN, 42),
    (e: Error) => e instanceof NonFiniteLossError && /step 42/.test(e.message),
  );
  assert.throws(() => assertFiniteLoss(Infinity, 1), NonFiniteLossError);
});

/** Flip `count` bytes of a file (XOR 0xff) from `at`. */
function flipBytes(file: string, at: number, count: number): void {
  const buf = fs.readFileSync(file);
  for (let i = at; i < Math.min(buf.length, at + count); i++) buf[i] ^= 0xff;
  fs.writeFileSync(file, buf);
}

function savedRun(): string {
  const dir = tempDir();
  saveCheckpoint(dir, { tensors: { w: tf.tensor1d([0.5, -1.5, 2, 3]), n: tf.tensor1d([1, 2], "int32") }, state: { step: 7 } });
  return dir;
}

const manifestFile = (dir: string) => path.join(dir, "checkpoint", "manifest.json");

test("a checkpoint's manifest records the size and SHA-256 of each file and of itself; damaged files are refused by name", () => {
  const dir = savedRun();
  const manifest = JSON.parse(fs.readFileSync(manifestFile(dir), "utf8"));
  assert.equal(manifest.version, 2);
  assert.deepEqual(Object.keys(manifest.files).sort(), ["state.json", "tensors.bin"]);
  assert.equal(manifest.files["tensors.bin"].bytes, 4 * 4 + 2 * 4);
  assert.match(manifest.checksum, /^[0-9a-f]{64}$/);
  // flipped bytes in the weights: a checksum mismatch, not garbage
  const bin = path.join(dir, "checkpoint", "tensors.bin");
  flipBytes(bin, 3, 2);
  assert.throws(
    () => loadCheckpoint(dir),
    (e: unknown) => e instanceof CheckpointError && e.message.startsWith(bin) && /checksum mismatch.*damaged/.test(e.message),
  );
  // the state (step, cursor, rng)
  const other = savedRun();
  flipBytes(path.join(other, "checkpoint", "state.json"), 2, 1);
  assert.throws(() => loadCheckpoint(other), /state\.json: checksum mismatch/);
  // verifyCheckpoint checks the same without decoding the tensors, and reads the step
  assert.throws(() => verifyCheckpoint(other), /state\.json: checksum mismatch/);
  assert.throws(() => verifyCheckpoint(dir), /tensors\.bin: checksum mismatch/);
  assert.equal(verifyCheckpoint(savedRun()), 7);
  assert.equal(verifyCheckpoint(tempDir()), null);
  const brace = savedRun();
  flipBytes(path.join(brace, "checkpoint", "state.json"), 0, 1);
  assert.throws(() => checkpointStep(brace), /state\.json: not valid JSON.*damaged/s);
  // a missing file
  const third = savedRun();
  fs.rmSync(path.join(third, "checkpoint", "state.json"));
  assert.throws(() => loadCheckpoint(third), /state\.json: missing \(the manifest lists it\)/);
});

test("a manifest edited by hand, or naming a file outside its folder, or listing no checksums is refused", () => {
  const edit = (mutate: (m: Record<string, unknown>) => void, reseal: boolean): string => {
    const dir = savedRun();
    const m = JSON.parse(fs.readFileSync(manifestFile(dir), "utf8"));
    mutate(m);
    if (reseal) {
      // recompute the manifest's own checksum, as a careful forger would
      delete m.checksum;
      m.checksum = crypto.createHash("sha256").update(JSON.stringify(m)).digest("hex");
    }
    fs.writeFileSync(manifestFile(dir), JSON.stringify(m));
    return dir;
  };
  const offset = edit((m) => ((m.tensors as { offset: number }[])[1].offset = 4), false);
  assert.throws(() => loadCheckpoint(offset), /manifest\.json: the manifest does not match its checksum: the checkpoint is damaged/);
  const outside = path.join(tempDir(), "x");
  fs.writeFileSync(outside, Buffer.alloc(64));
  const escape = edit((m) => (m.file = "../../../x"), true);
  assert.throws(
    () => loadCheckpoint(escape),
    /names the tensor file "\.\.\/\.\.\/\.\.\/x"; a checkpoint's files are tensors\.bin or tensors\.bin\.gz inside its own folder/,
  );
  const noSums = edit((m) => delete m.files, true);
  assert.throws(() => loadCheckpoint(noSums), /lists no file checksums/);
  const shape = edit((m) => ((m.tensors as { shape: number[] }[])[0].shape = [5]), true);
  assert.throws(() => loadCheckpoint(shape), /tensor "w": 16 bytes for shape \[5\] as float32/);
  const notJson = savedRun();
  fs.writeFileSync(manifestFile(notJson), "{");
  assert.throws(() => loadCheckpoint(notJson), /manifest\.json: not valid JSON/);
});

test("a checkpoint file that is a symbolic link is not read; a run directory holding a link is refused before anything is written", () => {
  const dir = savedRun();
  const bin = path.join(dir, "checkpoint", "tensors.bin");
  const elsewhere = path.join(tempDir(), "tensors.bin");
  fs.renameSync(bin, elsewhere);
  fs.symlinkSync(elsewhere, bin);
  assert.throws(() => loadCheckpoint(dir), /tensors\.bin: not a regular file \(a symbolic link\)/);
  // metrics.jsonl linked to a file outside the run: createRun refuses, the file outside is untouched
  const run = path.join(tempDir(), "run");
  fs.mkdirSync(run);
  const victim = path.join(tempDir(), "victim.txt");
  fs.writeFileSync(victim, "precious\n");
  fs.symlinkSync(victim, path.join(run, "metrics.jsonl"));
  assert.throws(() => createRun(run, { lr: 1 }), /metrics\.jsonl is a symbolic link \(→ .*victim\.txt\): numlab does not write through links/);
  assert.throws(() => assertNoSymlinks(run), /symbolic link/);
  assert.equal(fs.readFileSync(victim, "utf8"), "precious\n");
  assert.ok(!fs.existsSync(path.join(run, "config.json")));
  // appending never follows a link either
  assert.throws(() => appendMetrics(run, { step: 1 }), /metrics\.jsonl is a symbolic link/);
  assert.equal(fs.readFileSync(victim, "utf8"), "precious\n");
});

test("NaN or infinite weights are neither saved nor loaded", () => {
  const dir = savedRun();
  const before = fs.readFileSync(path.join(dir, "checkpoint", "tensors.bin"));
  assert.throws(
    () => saveCheckpoint(dir, { tensors: { w: tf.tensor1d([1, NaN, 3]) }, state: { step: 8 } }),
    /not saved: tensor "w" holds NaN at index 1 \(the previous checkpoint is kept\)/,
  );
  assert.deepEqual(fs.readFileSync(path.join(dir, "checkpoint", "tensors.bin")), before);
  assert.deepEqual(fs.readdirSync(dir), ["checkpoint"], "no temporary folder is left");
  // a version-1 manifest (no checksums) whose weights hold Infinity
  const old = tempDir();
  fs.mkdirSync(path.join(old, "checkpoint"));
  fs.writeFileSync(path.join(old, "checkpoint", "tensors.bin"), Buffer.from(Float32Array.from([1, Infinity]).buffer));
  fs.writeFileSync(path.join(old, "checkpoint", "state.json"), "{}");
  const entry = { name: "w", dtype: "float32", storage: "float32", shape: [2], offset: 0, bytes: 8 };
  fs.writeFileSync(manifestFile(old), JSON.stringify({ format: "numlab-checkpoint", version: 1, tensors: [entry] }));
  assert.throws(() => loadCheckpoint(old), /tensor "w" holds Infinity at index 1: numlab does not load NaN or infinite weights/);
});

test("crashed writers' leftovers are removed when a run is resumed", () => {
  const dir = path.join(tempDir(), "run");
  createRun(dir, { lr: 1 });
  fs.mkdirSync(path.join(dir, "checkpoint.tmp-99999-1"));
  fs.writeFileSync(path.join(dir, "config.json.tmp-99999"), "{");
  createRun(dir, {}, { resume: true });
  assert.deepEqual(
    fs.readdirSync(dir).filter((n) => n.includes("tmp")),
    [],
  );
});

test("resume needs the optimizer's slots; the non-finite error says which checkpoint is kept and how to resume", () => {
  const slots = { "optimizer/00000/iter": tf.scalar(3), "optimizer/00001/w/m": tf.zeros([2]), "optimizer/00002/w/v": tf.zeros([2]) };
  requireOptimizerState({ w: tf.zeros([2]), ...slots }, 1, "run", "start anew");
  assert.throws(
    () => requireOptimizerState({ w: tf.zeros([2]) }, 1, "run", "start a new run with --init-from run"),
    /has no optimizer state \(weights only\).*--init-from run/,
  );
  assert.throws(() => requireOptimizerState({ w: tf.zeros([2]), ...slots }, 2, "run", "x"), /has 3 of the 5 optimizer slots/);
  assert.equal(
    new NonFiniteLossError(2, NaN, { checkpointStep: null, advice: "--resume --lr 0.001" }).message,
    "loss became NaN at step 2: training stopped, no checkpoint was saved yet (no last good checkpoint: --resume starts again from step 0); lower the learning rate and resume: --resume --lr 0.001",
  );
  assert.equal(lowerLearningRate(1e10, 1e-3), 1e-3);
  assert.equal(lowerLearningRate(5e-4, 1e-3), 5e-5);
});

test("a save killed between its renames: the complete new checkpoint is put in place when the run is opened again", () => {
  const dir = path.join(tempDir(), "run");
  createRun(dir, { lr: 1 });
  saveCheckpoint(dir, { tensors: { w: tf.tensor1d([5]) }, state: { step: 5 } });
  // the state a kill at the swap leaves: the old checkpoint moved aside, the new one complete in its temporary folder
  const newer = tempDir();
  saveCheckpoint(newer, { tensors: { w: tf.tensor1d([6]) }, state: { step: 6 } });
  fs.renameSync(path.join(dir, "checkpoint"), path.join(dir, "checkpoint.prev"));
  fs.renameSync(path.join(newer, "checkpoint"), path.join(dir, "checkpoint.tmp-424242-1"));
  assert.deepEqual(loadCheckpoint(dir)!.state, { step: 5 }, "a reader falls back to the previous checkpoint meanwhile");
  createRun(dir, {}, { resume: true });
  assert.deepEqual(loadCheckpoint(dir)!.state, { step: 6 });
  assert.deepEqual(
    fs.readdirSync(dir).filter((n) => n.startsWith("checkpoint")),
    ["checkpoint"],
  );
  // a damaged temporary folder is not promoted: the previous checkpoint stays the newest
  saveCheckpoint(newer, { tensors: { w: tf.tensor1d([7]) }, state: { step: 7 } });
  fs.renameSync(path.join(dir, "checkpoint"), path.join(dir, "checkpoint.prev"));
  fs.renameSync(path.join(newer, "checkpoint"), path.join(dir, "checkpoint.tmp-424242-2"));
  fs.appendFileSync(path.join(dir, "checkpoint.tmp-424242-2", "tensors.bin"), "x");
  createRun(dir, {}, { resume: true });
  assert.deepEqual(loadCheckpoint(dir)!.state, { step: 6 });
  assert.ok(!fs.existsSync(path.join(dir, "checkpoint.tmp-424242-2")));
});
