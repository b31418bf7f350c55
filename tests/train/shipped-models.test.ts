import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  readModelsManifest,
  shippedModel,
  shippedModelDir,
  shippedModelDirForTask,
  shippedModelsRoot,
  validateModelsManifest,
} from "../../src/train/shipped-models";
import { shippedArithmeticRunDir } from "../../src/train/arithmetic";
import { shippedPolynomialRunDir } from "../../src/train/polynomial";
import { shippedLstmRunDir } from "../../src/train/lstm-lm";

const root = shippedModelsRoot();

/** Trainable parameters in a checkpoint: tensors that are not optimizer slots. */
function checkpointParameters(dir: string): number {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "checkpoint", "manifest.json"), "utf8")) as {
    tensors: { name: string; shape: number[] }[];
  };
  return manifest.tensors.filter((t) => !t.name.startsWith("optimizer/")).reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
}

test("the manifest lists exactly the directories under data/checkpoints, each a complete run", () => {
  const manifest = readModelsManifest();
  const dirs = fs
    .readdirSync(root)
    .filter((n) => fs.statSync(path.join(root, n)).isDirectory())
    .sort();
  assert.deepEqual(manifest.models.map((m) => m.name).sort(), dirs);
  for (const m of manifest.models) {
    const dir = shippedModelDir(m.name);
    assert.ok(dir, `${m.name}: checkpoint/manifest.json and config.json present`);
    const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")) as { kind?: string };
    if (m.kind !== "lstm") assert.equal(config.kind, m.kind, `${m.name}: config.json kind`);
    assert.ok(fs.existsSync(path.join(process.cwd(), m.docs)) || m.docs.startsWith("docs/"), `${m.name}: docs path`);
    for (const cmd of m.reproduce.filter((c) => c.startsWith("numlab "))) assert.match(cmd, /^numlab (train|average|eval) /, `${m.name}: ${cmd}`);
  }
});

test("the manifest's parameter counts match the checkpoints' tensor shapes", () => {
  for (const m of readModelsManifest().models) {
    assert.equal(checkpointParameters(shippedModelDir(m.name)!), m.parameters, `${m.name}: parameters`);
  }
});

test("loaders find each task's main model through the manifest", () => {
  assert.equal(shippedLstmRunDir(), path.join(root, "lstm-next-integer"));
  assert.equal(shippedArithmeticRunDir("addition"), path.join(root, "arith-addition-base10"));
  assert.equal(shippedArithmeticRunDir("factorization"), path.join(root, "arith-factorization-base60"));
  assert.equal(shippedPolynomialRunDir(), path.join(root, "poly-expansion"));
  assert.equal(shippedModelDir("poly-expansion-13-letters"), path.join(root, "poly-expansion-13-letters"));
  assert.equal(shippedModel("poly-expansion-13-letters").role, "comparison");
  assert.throws(() => shippedModel("lstm-cpu"), /no shipped model "lstm-cpu" \(shipped: lstm-next-integer, /);
});

test("a bad manifest is refused with the file and entry named", () => {
  const entry = {
    name: "a",
    task: "addition",
    kind: "arith",
    role: "main",
    description: "",
    loadedBy: ["x"],
    parameters: 1,
    headline: { metric: "", value: "1", split: "test", measured: "" },
    reproduce: ["numlab train arith"],
    docs: "",
  };
  assert.doesNotThrow(() => validateModelsManifest({ version: 1, models: [entry] }));
  assert.throws(() => validateModelsManifest({ version: 2, models: [] }, "m.json"), /^Error: m\.json: unsupported version 2/);
  assert.throws(() => validateModelsManifest({ version: 1, models: [entry, entry] }, "m.json"), /models\[1\] \(a\): duplicate name/);
  assert.throws(
    () => validateModelsManifest({ version: 1, models: [entry, { ...entry, name: "b" }] }),
    /models\[1\] \(b\): a second main model for task addition/,
  );
  assert.throws(() => validateModelsManifest({ version: 1, models: [{ ...entry, name: "../x" }] }), /"name" must be a directory name/);
  assert.throws(() => validateModelsManifest({ version: 1, models: [{ ...entry, task: "division" }] }), /unknown task "division"/);
  assert.throws(() => validateModelsManifest({ version: 1, models: [{ ...entry, parameters: 0 }] }), /"parameters" must be a positive integer/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-manifest-"));
  try {
    assert.equal(shippedModelDirForTask("addition", dir), null, "no manifest: nothing shipped");
    fs.writeFileSync(path.join(dir, "models.json"), "{ not json");
    assert.throws(() => readModelsManifest(dir), /models\.json: not valid JSON/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
