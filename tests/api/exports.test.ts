/**
 * The public API (src/index.ts) and its docs (docs/api/): notebooks and the README reach every name
 * they use through the root; internals stay out of it (they are in src/internal.ts, `numlab/internal`);
 * the root names its exports one by one; docs/api/ matches what scripts/gen-api-docs.ts generates.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as root from "../../src/index";
import * as internal from "../../src/internal";
import { compareApiDocs, createApiProgram, ENTRY, exportedNames, readApi, renderApiDocs, unexportedReferencedTypes } from "../../scripts/gen-api-docs";

const ROOT = path.resolve(__dirname, "..", "..");
const INTERNAL = "src/internal.ts";

// One program for both entries (type information is the slow part).
const program = createApiProgram([ENTRY, INTERNAL], ROOT);
const api = readApi(ROOT, program);
const rootNames = new Set(exportedNames(program, ENTRY, ROOT));
const internalNames = new Set(exportedNames(program, INTERNAL, ROOT));
const entries = api.sections.flatMap((s) => s.groups.flatMap((g) => g.entries));
const typeOnly = new Set(entries.filter((e) => e.typeOnly).map((e) => e.name));

/** Names used as `nl.<name>` and imported as `import { a, b } from "numlab"` in `code`. */
function usedNames(code: string): string[] {
  const names = [...code.matchAll(/\bnl\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]);
  for (const m of code.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*["']numlab["']/g)) {
    for (const part of m[1].split(",")) {
      const name = part
        .trim()
        .replace(/^type\s+/, "")
        .split(/\s+as\s+/)[0];
      if (name) names.push(name);
    }
  }
  return names;
}

function notebookCode(): Map<string, string> {
  const dir = path.join(ROOT, "notebooks");
  const code = new Map<string, string>();
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()) {
    const nb = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as { cells: { cell_type: string; source: string | string[] }[] };
    const cells = nb.cells.filter((c) => c.cell_type === "code").map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
    code.set(`notebooks/${file}`, cells.join("\n"));
  }
  return code;
}

function readmeCode(): string {
  const text = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  return [...text.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]).join("\n");
}

const rootModule: Record<string, unknown> = root;
const internalModule: Record<string, unknown> = internal;

test("every name a notebook uses is exported by the root", () => {
  const code = notebookCode();
  assert.ok(code.size >= 8, `found ${code.size} notebooks`);
  const problems: string[] = [];
  let used = 0;
  for (const [file, text] of code) {
    for (const name of new Set(usedNames(text))) {
      used++;
      if (!rootNames.has(name)) problems.push(`${file}: nl.${name} is not exported by ${ENTRY}`);
      else if (!typeOnly.has(name) && !(name in rootModule)) problems.push(`${file}: nl.${name} is missing at run time`);
    }
  }
  assert.ok(used > 100, `only ${used} uses found: did the notebooks stop using \`import * as nl from "numlab"\`?`);
  assert.deepEqual(problems, []);
});

test("notebooks import numlab's root only", () => {
  const offenders = [...notebookCode()].filter(([, text]) => /["']numlab\/[^"']+["']/.test(text)).map(([file]) => file);
  assert.deepEqual(offenders, []);
});

test("every name the README's code uses is exported by the root", () => {
  const missing = [...new Set(usedNames(readmeCode()))].filter((name) => !rootNames.has(name));
  assert.deepEqual(missing, []);
});

test("the names the kernel tests and kernel-setup import are exported by the root", () => {
  for (const name of ["clearOutput", "progress", "isSmoke", "show", "table", "initBackend", "bySmoke"]) {
    assert.equal(typeof rootModule[name], "function", name);
  }
});

test("internals are not exported by the root but are by numlab/internal", () => {
  const internals = [
    "writeFileAtomic", // train/run-dir
    "toFloat16Bits", // the float16 codec
    "fromFloat16Bits",
    "xavierUniform", // models/transformer: weight init
    "decoderStep", // models/transformer: incremental decoding step
    "layerNorm",
    "sgdStep", // train/makemore: one step
    "drawMinibatch",
    "trainSeq2Seq", // the generic loop behind trainArithmetic / trainPolynomial
    "collateSeq2Seq",
    "crc32c", // train/tensorboard
    "installWasmPatches", // backend kernel patches
    "maxAbsDiff", // backend parity helpers
    "oeisFixtureText", // smoke fixtures
    "repoRoot",
    "sendDisplay", // the kernel bridge
  ];
  for (const name of internals) {
    assert.ok(!rootNames.has(name) && !(name in rootModule), `${name} is exported by the root`);
    assert.ok(internalNames.has(name) && name in internalModule, `${name} is missing from ${INTERNAL}`);
  }
});

test("numlab/internal re-exports every library module (all of src/ but cli/, kernel/, notebooks/)", () => {
  const text = fs.readFileSync(path.join(ROOT, INTERNAL), "utf8");
  const covered = new Set<string>();
  for (const m of text.matchAll(/export \* from "([^"]+)"/g)) {
    const base = path.join(ROOT, "src", m[1]);
    covered.add(
      path
        .relative(ROOT, fs.existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, "index.ts"))
        .split(path.sep)
        .join("/"),
    );
  }
  const modules: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!["src/cli", "src/kernel", "src/notebooks"].includes(rel)) walk(rel);
      } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") && rel !== ENTRY && rel !== INTERNAL) modules.push(rel);
    }
  };
  walk("src");
  assert.deepEqual(
    modules.filter((m) => !covered.has(m)),
    [],
    `add them to ${INTERNAL}`,
  );
});

test("numlab/internal exports every root name", () => {
  const missing = [...rootNames].filter((name) => !internalNames.has(name));
  assert.deepEqual(missing, []);
  for (const name of rootNames) if (!typeOnly.has(name)) assert.equal(internalModule[name], rootModule[name], name);
});

test("the root names its exports: no `export *`, only `export { … } from` statements", () => {
  const text = fs.readFileSync(path.join(ROOT, ENTRY), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "");
  assert.doesNotMatch(text, /export\s*\*/);
  // readApi accepts only named re-exports inside "// #region Title: summary" blocks.
  assert.ok(api.sections.length >= 10, `${api.sections.length} sections`);
  assert.equal(entries.length, rootNames.size, "every root export comes from a named re-export");
});

test("the root is grouped by pipeline stage, in order", () => {
  assert.deepEqual(
    api.sections.map((s) => s.slug),
    ["setup", "display", "widgets", "data", "datasets", "tokenizers", "models", "training", "evaluation", "embeddings", "math", "plots"],
  );
  for (const s of api.sections) assert.ok(s.groups.length > 0, `${s.title} is empty`);
});

test("the root is lean: a few hundred names, not the whole library", () => {
  assert.ok(rootNames.size < internalNames.size * 0.7, `${rootNames.size} root names of ${internalNames.size}`);
});

/**
 * Protocol types the widgets' kernel-facing members name (`Widget.wireState`, `Widget.stateEntry`,
 * the model spec a `Box` or `Style` subclass passes up): they stay in numlab/internal.
 */
const INTERNAL_BY_DESIGN = ["Dialect (src/widgets/protocol.ts)", "WidgetStateEntry (src/widgets/link.ts)", "ModelSpec (src/widgets/widget.ts)"];

test("every type a public signature names is public too", () => {
  const missing = unexportedReferencedTypes(api, ROOT).filter((line) => !INTERNAL_BY_DESIGN.some((name) => line.startsWith(`${name} ←`)));
  assert.deepEqual(missing, []);
});

test("docs/api/ lists every root export and is up to date (npx tsx scripts/gen-api-docs.ts)", () => {
  const files = renderApiDocs(api);
  const documented = new Set<string>();
  for (const [rel, text] of files) {
    if (rel.endsWith("README.md")) continue;
    for (const m of text.matchAll(/^- `(?:new )?([A-Za-z_$][\w$]*)/gm)) documented.add(m[1]);
  }
  assert.deepEqual(
    [...rootNames].filter((n) => !documented.has(n)),
    [],
  );
  assert.deepEqual(compareApiDocs(files, ROOT), [], "run: npx tsx scripts/gen-api-docs.ts");
});
