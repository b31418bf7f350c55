import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createRun, readConfig } from "../../src/train/run-dir";
import { releaseImplicitRunLock } from "../../src/train/run-lock";
import {
  RunInputError,
  changeOnResume,
  checkResumeExpectations,
  fileInput,
  memoryInput,
  recordRunInputs,
  recordedRunInputs,
  verifyRunInputs,
} from "../../src/train/run-inputs";

function newRun(config: object): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "numlab-inputs-")), "run");
  createRun(dir, config);
  releaseImplicitRunLock(dir);
  return dir;
}

test("fileInput and memoryInput give the size and SHA-256 of the bytes", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-inputs-"));
  const file = path.join(dir, "names.txt");
  const text = "emma\nolivia\n".repeat(200_000); // more than one 1 MB chunk
  fs.writeFileSync(file, text);
  const input = fileInput(file);
  assert.deepEqual(input, { path: file, bytes: Buffer.byteLength(text), sha256: crypto.createHash("sha256").update(text).digest("hex") });
  const a = memoryInput(Int32Array.from([1, 2, 3]), Int32Array.from([4]));
  assert.equal(a.bytes, 16);
  assert.equal(
    a.sha256,
    crypto
      .createHash("sha256")
      .update(Buffer.from(Int32Array.from([1, 2, 3, 4]).buffer))
      .digest("hex"),
  );
  assert.notEqual(memoryInput(Int32Array.from([1, 2, 3, 5])).sha256, a.sha256);
  // a view covers only its own bytes
  assert.equal(memoryInput(Int32Array.from([9, 1, 2, 3, 4]).subarray(1)).sha256, a.sha256);
});

test("recorded inputs verify on resume; other data is an error naming the flag; older runs record theirs", () => {
  const dir = newRun({ lr: 0.1 });
  const data = { path: "names.txt", bytes: 10, sha256: "a".repeat(64) };
  recordRunInputs(dir, { data });
  assert.deepEqual(recordedRunInputs(dir), { data });
  assert.deepEqual(readConfig(dir), { lr: 0.1 }, "inputs live in the provenance block");
  verifyRunInputs(dir, { data: { ...data, path: "moved/names.txt" } }); // the same bytes elsewhere
  assert.throws(
    () => verifyRunInputs(dir, { data: { path: "other.txt", bytes: 12, sha256: "b".repeat(64) } }, { data: "--data" }),
    (e: unknown) =>
      e instanceof RunInputError &&
      /--data \(other\.txt, 12 bytes, sha256 bbbbbbbbbbbb…\) is not the data this run was trained on \(names\.txt, 10 bytes/.test(e.message),
  );
  const rows = memoryInput(Int32Array.from([1, 2]));
  verifyRunInputs(dir, { rows }); // not recorded yet: recorded now
  assert.deepEqual(recordedRunInputs(dir).rows, rows);
  assert.throws(() => verifyRunInputs(dir, { rows: memoryInput(Int32Array.from([2, 1])) }), /rows \(data in memory, 8 bytes/);
});

test("settings that cannot change on resume must match; changes are written and logged with the checkpoint step", () => {
  const dir = newRun({ model: { hidden: 64 }, train: { learningRate: 0.001, steps: 10 } });
  checkResumeExpectations(dir, [{ name: "--hidden", key: "model.hidden", value: 64 }]);
  assert.throws(
    () => checkResumeExpectations(dir, [{ name: "--hidden", key: "model.hidden", value: 32 }], "--steps and --lr"),
    (e: unknown) =>
      e instanceof RunInputError &&
      /--hidden 32 differs from the run's model\.hidden \(64\), which cannot change on resume; drop --hidden \(--steps and --lr may change on resume\)/.test(
        e.message,
      ),
  );
  // a setting the run does not record is compared with the defaults, when given
  checkResumeExpectations(dir, [{ name: "--parts", key: "train.parts", value: 3 }]);
  assert.throws(() => checkResumeExpectations(dir, [{ name: "--parts", key: "train.parts", value: 3 }], "", { train: { parts: 1 } }), /--parts 3 differs/);
  assert.equal(changeOnResume(dir, "train.learningRate", 0.0001), true);
  assert.equal(changeOnResume(dir, "train.learningRate", 0.0001), false);
  const record = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
  assert.equal(record.train.learningRate, 0.0001);
  assert.deepEqual(
    record.numlab.changes.map((c: { step: number; change: string }) => [c.step, c.change]),
    [[0, "train.learningRate 0.001 → 0.0001"]],
  );
});
