/**
 * Shared by tests/notebooks and tests/browser: execute a notebook in smoke mode into
 * out/test/notebooks/ and remember the result beside it, so the browser test can reuse a run made
 * after the current build instead of executing every notebook a second time.
 */
import * as fs from "fs";
import * as path from "path";
import { defaultNotebookDataDir, executeNotebook, findNotebooks, NotebookResult, repoRoot } from "../../src/notebooks/run";

export const root = repoRoot(__dirname);
export const outDir = path.join(root, "out", "test", "notebooks");
export const builtEntry = path.join(root, "dist", "index.js");

/**
 * The notebooks the tests execute: every notebooks/*.ipynb, or those whose names contain one of
 * the comma-separated parts of NUMLAB_NOTEBOOKS (e.g. NUMLAB_NOTEBOOKS=00,polynomial).
 */
export function testNotebooks(): string[] {
  const parts = (process.env.NUMLAB_NOTEBOOKS ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  return findNotebooks(root, parts.length ? (file) => parts.some((p) => path.basename(file).includes(p)) : undefined);
}

/** Per-test time limit for one notebook (smoke runs are meant to take well under a minute). */
export const NOTEBOOK_TIMEOUT_MS = 15 * 60_000;

/** Fail early, and clearly, when `require("numlab")` inside the kernel would load nothing. */
export function assertBuilt(): void {
  if (!fs.existsSync(builtEntry)) {
    throw new Error(`${builtEntry} is missing: run "npm run build" first (notebooks load numlab from dist/)`);
  }
}

/** What must match for a stored result to be reused. */
function runKey(): Record<string, string | null> {
  return {
    NUMLAB_BACKEND: process.env.NUMLAB_BACKEND ?? null,
    NUMLAB_DATA_DIR: defaultNotebookDataDir(root) ?? null,
  };
}

function resultFile(notebook: string): string {
  return path.join(outDir, `${path.basename(notebook, ".ipynb")}.result.json`);
}

/** Execute `notebook` with NUMLAB_SMOKE=1 and store the result (always runs). */
export async function executeSmoke(notebook: string): Promise<NotebookResult> {
  assertBuilt();
  const result = await executeNotebook(notebook, { root, smoke: true, outDir });
  fs.writeFileSync(resultFile(notebook), JSON.stringify({ key: runKey(), result }, null, 1));
  return result;
}

/**
 * The stored smoke result if it was made after both the notebook and the current build were
 * written (and under the same backend/data settings), else a fresh execution.
 */
export async function smokeResult(notebook: string): Promise<NotebookResult> {
  assertBuilt();
  const file = resultFile(notebook);
  if (fs.existsSync(file)) {
    const made = fs.statSync(file).mtimeMs;
    const fresh = made > fs.statSync(notebook).mtimeMs && made > fs.statSync(builtEntry).mtimeMs;
    if (fresh) {
      const stored = JSON.parse(fs.readFileSync(file, "utf8")) as { key: unknown; result: NotebookResult };
      const sameKey = JSON.stringify(stored.key) === JSON.stringify(runKey());
      if (sameKey && stored.result.html && fs.existsSync(stored.result.html)) return stored.result;
    }
  }
  return executeSmoke(notebook);
}
