import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PYTHON, REPO, jupyterMissing } from "./jupyter";

const SPEC = path.join(REPO, "kernel-setup", "kernels", "numlab", "kernel.json");

test("the repo's kernelspec is portable: {resource_dir} leads to dist/kernel/main.js", () => {
  const spec = JSON.parse(fs.readFileSync(SPEC, "utf8"));
  assert.equal(spec.display_name, "TypeScript (numlab)");
  assert.equal(spec.language, "typescript");
  assert.equal(spec.argv[spec.argv.length - 1], "{connection_file}");
  for (const arg of spec.argv) assert.ok(!path.isAbsolute(arg), `absolute path in kernel.json: ${arg}`);
  const entry = spec.argv.find((a: string) => a.includes("{resource_dir}"));
  const resolved = path.resolve(entry.replace("{resource_dir}", path.dirname(SPEC)));
  assert.equal(resolved, path.join(REPO, "dist", "kernel", "main.js"));
});

const missing = jupyterMissing(["jupyter_client", "nbclient", "nbformat"]);

test("setup.sh installs the kernel for the user, proves it with a notebook, and is idempotent", { skip: missing ?? false, timeout: 600_000 }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-jupyter-data-"));
  try {
    const env = { ...process.env, JUPYTER_DATA_DIR: dataDir, NUMLAB_PYTHON: PYTHON, NUMLAB_OPEN_DRY_RUN: "1", NUMLAB_NO_INSTALL: "1" };
    delete env.JUPYTER_PATH;
    for (let round = 1; round <= 2; round++) {
      const run = spawnSync("bash", [path.join(REPO, "kernel-setup", "setup.sh"), "--open"], {
        cwd: os.tmpdir(), // works from any directory
        env,
        encoding: "utf8",
        timeout: 290_000,
      });
      const log = `${run.stdout}\n${run.stderr}`;
      assert.equal(run.status, 0, `setup.sh failed (round ${round}):\n${log}`);
      assert.match(log, /the kernel answered 6 \* 7 = 42/, log);
      assert.match(log, /would run \(in .*notebooks\): .* -m jupyter (lab|notebook)/, log);
    }
    const installed = JSON.parse(fs.readFileSync(path.join(dataDir, "kernels", "numlab", "kernel.json"), "utf8"));
    assert.equal(installed.display_name, "TypeScript (numlab)");
    assert.equal(installed.argv[1], path.join(REPO, "dist", "kernel", "main.js"));
    assert.ok(path.isAbsolute(installed.argv[0]) && fs.existsSync(installed.argv[0]), "node is found by absolute path");
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
