import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { buildImportGraph, findCycles, LAYERS, layerViolations, readImportGraph, unlayeredModules } from "./import-graph";

const ROOT = path.resolve(__dirname, "..", "..");
const graph = readImportGraph(ROOT);

test("reads the import graph of src/", () => {
  assert.ok(graph.files.includes("src/index.ts"));
  assert.ok(graph.edges.length > 100, `only ${graph.edges.length} imports found`);
  assert.ok(graph.edges.some((e) => e.from === "src/data/polynomials.ts" && e.to === "src/math/polynomial.ts"));
});

test("every module of src/ has a layer", () => {
  assert.deepEqual(unlayeredModules(graph.files), [], `add these modules to LAYERS in tests/architecture/import-graph.ts`);
});

test("no file imports from a higher layer", () => {
  const violations = layerViolations(graph);
  assert.deepEqual(violations, [], `layers, lowest first: ${LAYERS.map((l) => l.join(", ")).join(" → ")}\n${violations.join("\n")}`);
});

test("no import cycles between files", () => {
  const cycles = findCycles(graph).map((c) => c.join(" → "));
  assert.deepEqual(cycles, [], cycles.join("\n"));
});

test("the checks catch a synthetic upward import and cycle", () => {
  const synthetic = buildImportGraph(
    new Map([
      ["src/math/a.ts", 'import type { B } from "../train/b";\nexport const a = 1;\n'],
      ["src/train/b.ts", 'import { c } from "./c";\nexport type B = number;\n'],
      ["src/train/c.ts", '// import { x } from "../cli/x";\nexport { a as c } from "../math/a";\n'],
      ["src/cli/x.ts", 'import { a } from "../math";\nconst b = require("../train/b");\n'],
      ["src/math/index.ts", "export const a = 2;\n"],
      ["src/random.ts", 'import "./random";\n'],
    ]),
  );
  assert.deepEqual(
    synthetic.edges.map((e) => `${e.from}:${e.line} → ${e.to}`),
    [
      "src/cli/x.ts:1 → src/math/index.ts",
      "src/cli/x.ts:2 → src/train/b.ts",
      "src/math/a.ts:1 → src/train/b.ts",
      "src/random.ts:1 → src/random.ts",
      "src/train/b.ts:1 → src/train/c.ts",
      "src/train/c.ts:2 → src/math/a.ts",
    ],
  );
  const layers = [["random"], ["math", "tokenizers"], ["train"], ["cli"]];
  assert.deepEqual(layerViolations(synthetic, layers), [
    'src/math/a.ts:1 imports "../train/b" (src/train/b.ts): math (layer 1: math, tokenizers) must not import from train (layer 2: train), a higher layer',
  ]);
  assert.deepEqual(findCycles(synthetic), [
    ["src/math/a.ts", "src/train/b.ts", "src/train/c.ts", "src/math/a.ts"],
    ["src/random.ts", "src/random.ts"],
  ]);
  assert.deepEqual(unlayeredModules(synthetic.files, layers), []);
  assert.deepEqual(unlayeredModules(["src/misc/x.ts", "src/math/a.ts", "src/helpers.ts"], layers), ["helpers", "misc"]);
});
