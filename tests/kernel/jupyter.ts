/** Helpers for tests that drive the numlab kernel through Debian's Jupyter (/usr/bin/python3). */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const REPO = path.resolve(__dirname, "..", "..");
export const PYTHON = process.env.NUMLAB_PYTHON ?? "/usr/bin/python3";
/** JUPYTER_PATH=kernel-setup makes the repo's own kernelspec the `numlab` kernel. */
export const JUPYTER_ENV = { ...process.env, JUPYTER_PATH: path.join(REPO, "kernel-setup"), NUMLAB_SMOKE: "1" };

/** Why the Jupyter tests cannot run here (a skip message), or null when they can. */
export function jupyterMissing(modules: string[]): string | null {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} not found (set NUMLAB_PYTHON to a Python with Jupyter)`;
  const probe = spawnSync(PYTHON, ["-c", `import ${modules.join(", ")}`], { encoding: "utf8" });
  if (probe.status !== 0) {
    return `${PYTHON} lacks ${modules.join(", ")} (Debian: apt-get install jupyter-nbconvert python3-nbclient python3-jupyter-kernel-test)`;
  }
  return null;
}

/** Fails (does not skip) when the kernel is not built: `npm test` builds before testing. */
export function assertKernelBuilt(): void {
  const main = path.join(REPO, "dist", "kernel", "main.js");
  if (!fs.existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
}

export interface NotebookOutput {
  output_type: string;
  name?: string;
  text?: string;
  data?: Record<string, unknown>;
  execution_count?: number;
  ename?: string;
  evalue?: string;
}

/** Execute cells in one notebook through the numlab kernel; outputs per cell and the nbconvert HTML. */
export function executeCells(cells: string[], cwd = REPO): { outputs: NotebookOutput[][]; html: string; metadata: Record<string, unknown> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-kernel-test-"));
  try {
    const file = path.join(dir, "cells.json");
    fs.writeFileSync(file, JSON.stringify(cells));
    const run = spawnSync(PYTHON, [path.join(__dirname, "execute_cells.py"), file, cwd], {
      env: JUPYTER_ENV,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      timeout: 300_000,
    });
    if (run.status !== 0) throw new Error(`executing the notebook failed (exit ${run.status}):\n${run.stderr}`);
    return JSON.parse(run.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
