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

/**
 * A stand-in Python: /usr/bin/python3 that cannot import `notebook` or `jupyterlab` until the
 * marker file exists, which the stand-in `apt-get` creates (so the test installs nothing).
 */
function machineWithoutFrontend(dir: string): { bin: string; python: string; aptLog: string } {
  const bin = path.join(dir, "bin");
  const site = path.join(dir, "site");
  fs.mkdirSync(bin);
  fs.mkdirSync(site);
  const marker = path.join(dir, "frontend-installed");
  const aptLog = path.join(dir, "apt.log");
  fs.writeFileSync(
    path.join(site, "sitecustomize.py"),
    [
      "import os, sys",
      `if not os.path.exists(${JSON.stringify(marker)}):`,
      "    class NoFrontend:",
      "        def find_spec(self, name, path=None, target=None):",
      "            if name.split('.')[0] in ('notebook', 'jupyterlab'):",
      "                raise ImportError(name + ' is not installed (test)')",
      "            return None",
      "    sys.meta_path.insert(0, NoFrontend())",
      "",
    ].join("\n"),
  );
  const script = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
  const python = path.join(bin, "python-without-frontend");
  script("python-without-frontend", `PYTHONPATH=${JSON.stringify(site)}\${PYTHONPATH:+:$PYTHONPATH} exec ${PYTHON} "$@"`);
  script("apt-get", `echo "apt-get $*" >> ${JSON.stringify(aptLog)}\n[ "$1" = install ] && touch ${JSON.stringify(marker)}\nexit 0`);
  script("sudo", 'exec "$@"');
  script("curl", "exit 7"); // PyPI is not reachable
  return { bin, python, aptLog };
}

test(
  "npm start where Jupyter has nbclient but no front-end: setup installs one (apt-get here, PyPI being unreachable) and opens it",
  { skip: missing ?? false, timeout: 600_000 },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-setup-frontend-"));
    try {
      const { bin, python, aptLog } = machineWithoutFrontend(dir);
      assert.notEqual(spawnSync(python, ["-c", "import notebook"]).status, 0, "the stand-in Python must lack the Notebook app");
      const env = {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        JUPYTER_DATA_DIR: path.join(dir, "data"),
        NUMLAB_PYTHON: python,
        NUMLAB_OPEN_DRY_RUN: "1",
      };
      delete env.JUPYTER_PATH;
      const run = spawnSync("bash", [path.join(REPO, "kernel-setup", "setup.sh"), "--open"], { cwd: os.tmpdir(), env, encoding: "utf8", timeout: 290_000 });
      const log = `${run.stdout}\n${run.stderr}`;
      assert.equal(run.status, 0, `setup.sh failed:\n${log}`);
      assert.doesNotMatch(log, /neither JupyterLab nor Jupyter Notebook/);
      assert.match(log, /no front-end to open \(JupyterLab or Jupyter Notebook\): installing one/);
      assert.match(log, /PyPI \(pypi\.org\) is not reachable; trying apt-get/);
      assert.match(fs.readFileSync(aptLog, "utf8"), /^apt-get install -y jupyter-notebook .*jupyter-nbextension-jupyter-js-widgets/m);
      assert.match(log, /would run \(in .*notebooks\): .*python-without-frontend -m jupyter notebook/, log);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("without a way to install a front-end, --open says what to install", { skip: missing ?? false, timeout: 300_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-setup-frontend-"));
  try {
    const { bin, python } = machineWithoutFrontend(dir);
    const env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      JUPYTER_DATA_DIR: path.join(dir, "data"),
      NUMLAB_PYTHON: python,
      NUMLAB_OPEN_DRY_RUN: "1",
      NUMLAB_NO_INSTALL: "1",
    };
    delete env.JUPYTER_PATH;
    const run = spawnSync("bash", [path.join(REPO, "kernel-setup", "setup.sh"), "--open"], { cwd: os.tmpdir(), env, encoding: "utf8", timeout: 290_000 });
    const log = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 1, log);
    assert.match(log, /could not install a Jupyter front-end for --open\. Install one yourself/);
    assert.match(log, /pip install jupyterlab .*\n.*apt-get install jupyter-notebook/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
