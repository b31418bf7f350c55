/**
 * Comms through the real kernel process over ZeroMQ: tests/kernel/test_numlab_comms.py, run by
 * Debian's Python with jupyter_client against the repository's `numlab` kernelspec (buffers both
 * ways, unknown targets, comm_info_request, the widget handshakes and a widget's comm messages).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as path from "path";
import { JUPYTER_ENV, PYTHON, REPO, assertKernelBuilt, jupyterMissing } from "./jupyter";

const missing = jupyterMissing(["jupyter_client"]);

test("comm messages through the kernel process (jupyter_client)", { skip: missing ?? false, timeout: 300_000 }, () => {
  assertKernelBuilt();
  const run = spawnSync(PYTHON, ["-m", "unittest", "-v", path.join("tests", "kernel", "test_numlab_comms.py")], {
    cwd: REPO,
    env: JUPYTER_ENV,
    encoding: "utf8",
    timeout: 280_000,
  });
  const log = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, `test_numlab_comms.py failed:\n${log}`);
  assert.match(log, /Ran 4 tests[^]*\nOK\b/, log);
});
