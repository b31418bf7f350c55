import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as path from "path";
import { JUPYTER_ENV, PYTHON, REPO, assertKernelBuilt, jupyterMissing } from "./jupyter";

const missing = jupyterMissing(["jupyter_kernel_test", "jupyter_client"]);

// Every test of jupyter_kernel_test that applies to the kernel (test_numlab_kernel.py gives samples).
const REQUIRED = [
  "test_kernel_info",
  "test_execute_stdout",
  "test_execute_stderr",
  "test_completion",
  "test_is_complete",
  "test_inspect",
  "test_error",
  "test_execute_result",
  "test_display_data",
  "test_clear_output",
];

test("Jupyter's kernel conformance suite (jupyter_kernel_test) passes against the numlab kernel", { skip: missing ?? false, timeout: 300_000 }, () => {
  assertKernelBuilt();
  const run = spawnSync(PYTHON, ["-m", "unittest", "-v", path.join("tests", "kernel", "test_numlab_kernel.py")], {
    cwd: REPO,
    env: JUPYTER_ENV,
    encoding: "utf8",
    timeout: 280_000,
  });
  const log = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, `jupyter_kernel_test failed:\n${log}`);
  assert.match(log, /\nOK\b/, log);
  for (const name of REQUIRED) {
    assert.match(log, new RegExp(`^${name} \\(.*\\) \\.\\.\\. ok$`, "m"), `${name} did not pass:\n${log}`);
  }
});
