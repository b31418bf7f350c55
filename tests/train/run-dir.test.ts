import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import {
  appendMetrics,
  assertFiniteLoss,
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
    (err: Error) => err.message.includes(gz) && /truncated or not gzip/.test(err.message),
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
  // float32 rounding of Adam's bias-correction powers differs slightly after a restore
  resumed.forEach((v, i) => assert.ok(Math.abs(v - straight[i]) < 1e-5, `${v} vs ${straight[i]}`));
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
