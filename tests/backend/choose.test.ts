/**
 * Backend choice in fresh Node processes: NUMLAB_BACKEND forcing, its errors, the WASM thread
 * count, and that a process using the threaded WASM backend exits on its own.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const backendModule = path.resolve(__dirname, "../../src/backend/index.ts");

/** Run initBackend in a child process; returns its exit status, parsed info (if any) and stderr. */
function chooseIn(env: Record<string, string>, options = "{}"): { status: number | null; info: Record<string, unknown> | null; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-choose-"));
  const script = path.join(dir, "choose.ts");
  fs.writeFileSync(
    script,
    `import * as tf from ${JSON.stringify(require.resolve("@tensorflow/tfjs"))};
import { initBackend } from ${JSON.stringify(backendModule)};
initBackend(${options}).then(
  (info) => {
    const sum = tf.tidy(() => tf.matMul(tf.ones([3, 4]), tf.ones([4, 2])).sum().dataSync()[0]);
    process.stdout.write(JSON.stringify({ ...info, active: tf.getBackend(), sum }) + "\\n");
  },
  (err) => {
    process.stderr.write("ERROR: " + err.message + "\\n");
    process.exitCode = 3;
  },
);
`,
  );
  const r = spawnSync(process.execPath, ["--import", "tsx", script], {
    cwd: path.resolve(__dirname, "../.."),
    env: { ...process.env, NUMLAB_BACKEND: "", NUMLAB_WASM_THREADS: "", NUMLAB_BLAS_THREADS: "", NUMLAB_NATIVE: "", ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  return { status: r.status, info: line.startsWith("{") ? JSON.parse(line) : null, stdout: r.stdout, stderr: r.stderr };
}

test("NUMLAB_BACKEND=cpu forces the cpu backend and reports it once", () => {
  const r = chooseIn({ NUMLAB_BACKEND: "cpu" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.info?.backend, "cpu");
  assert.equal(r.info?.active, "cpu");
  assert.equal(r.info?.reason, "forced");
  assert.equal(r.info?.sum, 24);
  assert.match(r.stdout, /^numlab: backend cpu .*forced by NUMLAB_BACKEND/m, "the report is normal output (stderr shows as a warning box in notebooks)");
  assert.doesNotMatch(r.stderr, /numlab: backend/);
});

test("NUMLAB_BACKEND=wasm forces WASM with one thread by default", () => {
  const r = chooseIn({ NUMLAB_BACKEND: "wasm" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.info?.backend, "wasm");
  assert.equal(r.info?.active, "wasm");
  assert.equal(r.info?.sum, 24);
  assert.equal(r.info?.threads, 1);
});

test("initBackend({ threads }) asks for a thread pool (capped at the cores); the process still exits", () => {
  const r = chooseIn({ NUMLAB_BACKEND: "wasm" }, "{ threads: 2 }");
  assert.equal(r.status, 0, r.stderr); // a hung pthread pool would hit the timeout (status null)
  assert.equal(r.info?.threads, Math.min(os.cpus().length, 2));
  assert.equal(r.info?.sum, 24);
  const bad = chooseIn({ NUMLAB_BACKEND: "wasm" }, "{ threads: 0 }");
  assert.equal(bad.status, 3);
  assert.match(bad.stderr, /initBackend: threads must be a positive integer; got 0/);
  const env = chooseIn({ NUMLAB_BACKEND: "wasm", NUMLAB_WASM_THREADS: "1" }, "{ threads: 2 }");
  assert.equal(env.info?.threads, 1, "NUMLAB_WASM_THREADS wins over the option");
});

test("NUMLAB_WASM_THREADS picks the WASM thread count (1 = the single-threaded build)", () => {
  const one = chooseIn({ NUMLAB_BACKEND: "wasm", NUMLAB_WASM_THREADS: "1" });
  assert.equal(one.status, 0, one.stderr);
  assert.equal(one.info?.threads, 1);
  const two = chooseIn({ NUMLAB_BACKEND: "wasm", NUMLAB_WASM_THREADS: "2" });
  assert.equal(two.status, 0, two.stderr);
  assert.equal(two.info?.threads, 2);
  assert.equal(two.info?.sum, 24);
  const bad = chooseIn({ NUMLAB_BACKEND: "wasm", NUMLAB_WASM_THREADS: "zero" });
  assert.equal(bad.status, 3);
  assert.match(bad.stderr, /NUMLAB_WASM_THREADS must be a positive integer; got "zero"/);
});

test("the native addon: OpenBLAS on every core by default, NUMLAB_BLAS_THREADS picks, NUMLAB_NATIVE=0 disables", () => {
  const auto = chooseIn({ NUMLAB_BACKEND: "wasm" });
  assert.equal(auto.status, 0, auto.stderr);
  if (auto.info?.native === null) {
    // Not built here: the reason is reported, and CI (which builds it) must not get here.
    assert.notEqual(process.env.NUMLAB_EXPECT_NATIVE, "1", "the native addon should be built in CI");
    assert.ok((auto.info.skipped as string[]).some((s) => s.startsWith("native kernels:")));
    return;
  }
  assert.match(String(auto.info?.native), /^OpenBLAS /);
  assert.equal(auto.info?.blasThreads, Math.min(os.cpus().length, 8));
  assert.match(auto.stdout, /native kernels: OpenBLAS \S+ ×\d/);
  const one = chooseIn({ NUMLAB_BACKEND: "wasm", NUMLAB_BLAS_THREADS: "1" }, "{ blasThreads: 2 }");
  assert.equal(one.info?.blasThreads, 1, "NUMLAB_BLAS_THREADS wins over the option");
  assert.equal(one.info?.sum, 24);
  const bad = chooseIn({ NUMLAB_BACKEND: "wasm", NUMLAB_BLAS_THREADS: "-1" });
  assert.equal(bad.status, 3);
  assert.match(bad.stderr, /NUMLAB_BLAS_THREADS must be a positive integer; got "-1"/);
  const off = chooseIn({ NUMLAB_BACKEND: "wasm", NUMLAB_NATIVE: "0" });
  assert.equal(off.info?.native, null);
  assert.equal(off.info?.sum, 24);
  assert.ok((off.info?.skipped as string[]).includes("native kernels: disabled by NUMLAB_NATIVE=0"));
});

test("NUMLAB_BACKEND=tensorflow without a native binding is a clear error", () => {
  const r = chooseIn({ NUMLAB_BACKEND: "tensorflow" });
  let nativeLoads = false;
  try {
    require("@tensorflow/tfjs-node");
    nativeLoads = Boolean(require("@tensorflow/tfjs").findBackendFactory("tensorflow"));
  } catch {
    nativeLoads = false;
  }
  if (nativeLoads) {
    assert.equal(r.info?.backend, "tensorflow");
    return;
  }
  assert.equal(r.status, 3);
  assert.match(r.stderr, /NUMLAB_BACKEND=tensorflow but no native TensorFlow binding loads/);
  assert.match(r.stderr, /NUMLAB_BACKEND=wasm/);
});

test("an unknown NUMLAB_BACKEND value is rejected with the allowed values", () => {
  const r = chooseIn({ NUMLAB_BACKEND: "gpu" });
  assert.equal(r.status, 3);
  assert.match(r.stderr, /NUMLAB_BACKEND must be one of tensorflow, wasm, cpu; got "gpu"/);
});

test("automatic choice falls through to wasm here (no native binding) and says why", () => {
  const r = chooseIn({});
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.info?.reason, "auto");
  assert.ok(["tensorflow", "wasm"].includes(r.info?.backend as string));
  if (r.info?.backend === "wasm") assert.ok((r.info.skipped as string[]).some((s) => s.includes("tfjs-node")));
});
