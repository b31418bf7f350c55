import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  crc32c,
  EventFileWriter,
  eventFiles,
  eventStep,
  maskedCrc32c,
  projectorMetadataTsv,
  readTfRecords,
  scalarsEvent,
  tfRecord,
  truncateEventFiles,
  writeProjectorEmbedding,
} from "../../src/train/tensorboard";
import { integerEmbeddingsFromRows, readEmbeddingsTsv } from "../../src/embeddings/tsv";

const PYTHON = "/usr/bin/python3";
const hasPython = spawnSync(PYTHON, ["-c", "import struct"]).status === 0;

test("CRC32C matches the published check value", () => {
  assert.equal(crc32c(Buffer.from("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 test vector: 32 zero bytes
  assert.notEqual(maskedCrc32c(Buffer.from("a")), crc32c(Buffer.from("a")));
});

test("event files decode with an independent Python reader (framing, CRCs, scalars, text)", { skip: hasPython ? false : "no python3" }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-tb-"));
  const writer = new EventFileWriter(dir);
  writer.addText("config", "max_value: 20000\nseq_len: 100", 0);
  writer.addScalars(1, { loss: 9.5, "probe/div2/test": 0.75 });
  writer.addScalar("loss", 3.25, 300000000000); // a step beyond 32 bits
  writer.addScalars(2, { loss: NaN }); // skipped entirely
  writer.close();
  assert.match(path.basename(writer.file), /^events\.out\.tfevents\.\d+\./);
  const r = spawnSync(PYTHON, [path.join(__dirname, "read_tfevents.py"), writer.file], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const events = JSON.parse(r.stdout) as {
    step: number;
    wall_time: number;
    file_version?: string;
    scalars: Record<string, number>;
    texts: Record<string, string>;
  }[];
  assert.equal(events.length, 4);
  assert.equal(events[0].file_version, "brain.Event:2");
  assert.ok(Math.abs(events[0].wall_time - Date.now() / 1000) < 3600);
  assert.deepEqual(events[1].texts, { config: "max_value: 20000\nseq_len: 100" });
  assert.equal(events[2].step, 1);
  assert.deepEqual(events[2].scalars, { loss: 9.5, "probe/div2/test": 0.75 });
  assert.equal(events[3].step, 300000000000);
  assert.deepEqual(events[3].scalars, { loss: 3.25 });
  // a flipped byte is caught by the reader's CRC check
  const bytes = fs.readFileSync(writer.file);
  bytes[bytes.length - 6] ^= 0xff;
  fs.writeFileSync(writer.file, bytes);
  const bad = spawnSync(PYTHON, [path.join(__dirname, "read_tfevents.py"), writer.file], { encoding: "utf8" });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /bad data CRC/);
});

test("projector files: tensors.tsv, metadata with properties, a config listing every embedding", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-proj-"));
  const emb = integerEmbeddingsFromRows(
    [
      [0.5, 1],
      [2, -3],
      [1.25, 0],
    ],
    [2, 5, 10],
  );
  writeProjectorEmbedding(dir, "lstm_step_10", emb);
  writeProjectorEmbedding(dir, "glove", emb);
  const config = fs.readFileSync(path.join(dir, "projector_config.pbtxt"), "utf8");
  const names = [...config.matchAll(/tensor_name: "([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(names, ["glove", "lstm_step_10"]);
  for (const m of config.matchAll(/(?:tensor|metadata)_path: "([^"]+)"/g)) assert.ok(fs.existsSync(path.join(dir, m[1])), m[1]);
  const back = readEmbeddingsTsv(path.join(dir, "projector", "glove", "tensors.tsv"), { integerColumn: false });
  assert.deepEqual(
    back.vectors.map((v) => Array.from(v)),
    [
      [0.5, 1],
      [2, -3],
      [1.25, 0],
    ],
  );
  const meta = fs
    .readFileSync(path.join(dir, "projector", "glove", "metadata.tsv"), "utf8")
    .trim()
    .split("\n");
  assert.equal(meta[0], "integer\tdiv2\tdiv3\tdiv4\tdiv5\tdiv10\tprime");
  assert.equal(meta[1], "2\t1\t0\t0\t0\t0\t1");
  assert.equal(meta[3], "10\t1\t0\t0\t1\t1\t0");
  assert.equal(projectorMetadataTsv([]).trim().split("\n").length, 1);
  assert.throws(() => writeProjectorEmbedding(dir, "bad name", emb), /letters, digits/);
});

test("truncateEventFiles drops the events after a step and a torn last record; a file left with its header only goes", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-tb-"));
  const a = new EventFileWriter(dir);
  a.addText("config", "x", 0);
  for (const step of [10, 20, 30, 40]) a.addScalars(step, { loss: 1 / step });
  a.close();
  fs.appendFileSync(a.file, tfRecord(scalarsEvent(50, 0, { loss: 0.02 })).subarray(0, 20)); // killed mid-write
  const b = new EventFileWriter(dir);
  b.addScalars(40, { loss: 0.5 });
  b.close();
  const steps = (file: string) => readTfRecords(file).map(eventStep);
  assert.deepEqual(steps(a.file), [null, 0, 10, 20, 30, 40], "the torn record is not read");
  assert.equal(truncateEventFiles(dir, 20), 3);
  assert.deepEqual(steps(a.file), [null, 0, 10, 20]);
  assert.ok(!fs.existsSync(b.file), "a file with no events left is removed");
  assert.deepEqual(eventFiles(dir), [path.basename(a.file)]);
  assert.equal(truncateEventFiles(dir, 20), 0, "nothing more to drop");
  assert.equal(eventStep(scalarsEvent(300000000000, 1, { x: 1 })), 300000000000);
});
