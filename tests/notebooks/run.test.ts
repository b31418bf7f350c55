/**
 * The notebook runner itself (src/notebooks/run.ts) on notebooks this test writes: errors are
 * found, named by cell, and stop the run; clean notebooks report every cell.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { executeNotebook, findNotebooks, formatNotebookErrors } from "../../src/notebooks/run";
import { root } from "./smoke-run";

const skip = process.env.NUMLAB_SKIP_NOTEBOOKS === "1" ? "NUMLAB_SKIP_NOTEBOOKS=1" : false;
const fixtures = path.join(root, "out", "test", "runner-fixtures");

function writeNotebook(name: string, cells: Array<{ code?: string; markdown?: string }>): string {
  fs.mkdirSync(fixtures, { recursive: true });
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "numlab", display_name: "TypeScript (numlab)", language: "typescript" },
      language_info: { name: "typescript" },
    },
    cells: cells.map((c, i) =>
      c.code !== undefined
        ? { id: `c${i}`, cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: c.code }
        : { id: `c${i}`, cell_type: "markdown", metadata: {}, source: c.markdown ?? "" },
    ),
  };
  const file = path.join(fixtures, `${name}.ipynb`);
  fs.writeFileSync(file, JSON.stringify(nb));
  return file;
}

test("findNotebooks lists notebooks/*.ipynb in name order and filters by name", () => {
  const all = findNotebooks(root);
  assert.deepEqual(all.map((f) => path.basename(f)), [...all.map((f) => path.basename(f))].sort());
  assert.ok(all.every((f) => f.endsWith(".ipynb") && path.dirname(f) === path.join(root, "notebooks")));
  assert.deepEqual(findNotebooks(root, "quickstart").map((f) => path.basename(f)), ["00-quickstart.ipynb"]);
  assert.deepEqual(findNotebooks(root, /^no-such-/), []);
});

test("a clean notebook runs every code cell and is written as .ipynb and HTML", { skip, timeout: 300_000 }, async () => {
  const file = writeNotebook("clean", [
    { markdown: "# fixture" },
    { code: "const answer: number = 6 * 7;\nconsole.log(`answer ${answer}`);" },
    { code: "" },
    { code: "answer + 1" },
  ]);
  const out = path.join(fixtures, "out-clean");
  const result = await executeNotebook(file, { root, outDir: out, smoke: true });
  assert.deepEqual(result.errors, [], formatNotebookErrors(result) + "\n" + result.log);
  assert.equal(result.ok, true);
  assert.equal(result.codeCells, 2, "blank code cells are not counted");
  assert.equal(result.executedCells, 2);
  assert.equal(result.ipynb, path.join(out, "clean.ipynb"));
  const executed = JSON.parse(fs.readFileSync(result.ipynb!, "utf8")) as { cells: Array<{ outputs?: Array<Record<string, unknown>> }> };
  assert.match(JSON.stringify(executed.cells[1].outputs), /answer 42/);
  assert.match(JSON.stringify(executed.cells[3].outputs), /43/);
  assert.ok(result.html && fs.readFileSync(result.html, "utf8").includes("answer 42"));
});

test("a throwing cell is reported with its cell index and stops the run", { skip, timeout: 300_000 }, async () => {
  const file = writeNotebook("throws", [
    { code: "const before = 1;" },
    { markdown: "the next cell fails" },
    { code: 'throw new Error("boom in the third cell");' },
    { code: 'console.log("never printed");' },
  ]);
  const result = await executeNotebook(file, { root, outDir: path.join(fixtures, "out-throws"), smoke: true, html: false });
  assert.equal(result.ok, false);
  assert.equal(result.errors.length, 1, formatNotebookErrors(result));
  assert.equal(result.errors[0].cell, 2);
  assert.match(result.errors[0].evalue + result.errors[0].traceback, /boom in the third cell/);
  assert.equal(result.executedCells, 2, "the first cell and the failing one");
  assert.match(formatNotebookErrors(result), /throws\.ipynb cell 3: /);
  assert.ok(result.ipynb && fs.existsSync(result.ipynb), "the partly executed notebook is still written");
  assert.equal(result.html, null, "html: false skips the export");
  const executed = JSON.parse(fs.readFileSync(result.ipynb, "utf8")) as { cells: Array<{ execution_count?: number | null }> };
  assert.equal(executed.cells[3].execution_count, null, "the cell after the error did not run");
});

test("a cell over the time limit is reported as a timeout", { skip, timeout: 300_000 }, async () => {
  const file = writeNotebook("slow", [{ code: "await new Promise((resolve) => setTimeout(resolve, 60_000));" }]);
  const result = await executeNotebook(file, { root, outDir: path.join(fixtures, "out-slow"), cellTimeoutSec: 3, html: false });
  assert.equal(result.ok, false);
  assert.equal(result.errors[0]?.cell, 0);
  assert.match(result.errors[0].ename + result.errors[0].evalue, /time/i);
  assert.ok(result.seconds < 50, `the runner should stop soon after the limit (took ${result.seconds} s)`);
});

test("a missing Python is a clear runner failure, not a crash", async () => {
  const file = writeNotebook("any", [{ code: "1" }]);
  const result = await executeNotebook(file, { root, outDir: path.join(fixtures, "out-any"), python: "/nonexistent/python3" });
  assert.equal(result.ok, false);
  assert.equal(result.errors[0].ename, "RunnerFailed");
  assert.match(result.errors[0].evalue, /NUMLAB_PYTHON/);
});
