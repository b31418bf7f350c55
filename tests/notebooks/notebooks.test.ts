/**
 * Every notebooks/*.ipynb, executed headless through the numlab kernel in smoke mode
 * (NUMLAB_SMOKE=1), one test per notebook. A notebook fails on any error output or any cell that
 * did not run. NUMLAB_NOTEBOOKS=00,03 runs only notebooks whose names contain one of the parts;
 * NUMLAB_SKIP_NOTEBOOKS=1 skips them (e.g. on a machine without Jupyter).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { findNotebooks, formatNotebookErrors } from "../../src/notebooks/run";
import { executeSmoke, NOTEBOOK_TIMEOUT_MS, root, testNotebooks } from "./smoke-run";

const skip = process.env.NUMLAB_SKIP_NOTEBOOKS === "1" ? "NUMLAB_SKIP_NOTEBOOKS=1" : false;
const notebooks = testNotebooks();

test("the notebooks folder holds the quickstart and at least one walkthrough", () => {
  const names = findNotebooks(root).map((f) => path.basename(f));
  assert.ok(names.includes("00-quickstart.ipynb"), `notebooks/ has: ${names.join(", ") || "nothing"}`);
  assert.ok(names.length >= 2, `notebooks/ has: ${names.join(", ")}`);
});

interface RawCell {
  cell_type: string;
  outputs?: unknown[];
  execution_count?: number | null;
}

test("notebooks are committed without outputs, with the numlab kernelspec", () => {
  const problems: string[] = [];
  for (const notebook of notebooks) {
    const name = path.basename(notebook);
    const nb = JSON.parse(fs.readFileSync(notebook, "utf8")) as {
      nbformat: number;
      metadata: { kernelspec?: { name?: string }; language_info?: { name?: string } };
      cells: RawCell[];
    };
    if (nb.nbformat !== 4) problems.push(`${name}: nbformat ${nb.nbformat}, expected 4`);
    if (nb.metadata.kernelspec?.name !== "numlab") problems.push(`${name}: kernelspec "${nb.metadata.kernelspec?.name}", expected "numlab"`);
    if (nb.metadata.language_info?.name !== "typescript") problems.push(`${name}: language_info.name is not "typescript"`);
    nb.cells.forEach((cell, i) => {
      if (cell.cell_type !== "code") return;
      if ((cell.outputs ?? []).length > 0) problems.push(`${name} cell ${i + 1}: has outputs`);
      if (cell.execution_count != null) problems.push(`${name} cell ${i + 1}: has execution_count ${cell.execution_count}`);
    });
  }
  assert.deepEqual(problems, []);
});

for (const notebook of notebooks) {
  const name = path.basename(notebook);
  test(`notebook ${name} runs in smoke mode without errors`, { skip, timeout: NOTEBOOK_TIMEOUT_MS }, async () => {
    const result = await executeSmoke(notebook);
    assert.deepEqual(result.errors, [], `${formatNotebookErrors(result)}\n--- runner/kernel log ---\n${result.log}`);
    assert.ok(result.codeCells > 0, `${name} has no code cells`);
    assert.equal(result.executedCells, result.codeCells, `${name}: only ${result.executedCells}/${result.codeCells} code cells ran`);
    assert.ok(result.html, `${name}: no HTML export was written`);
  });
}
