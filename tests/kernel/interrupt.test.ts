/**
 * Kernel → Interrupt, process.exit and Shift-Tab against the real kernel process, driven by
 * jupyter_client as Jupyter drives it (SIGINT to the kernel's process group; interrupt_kernel.py):
 * every kind of long cell ends within 1 s of the interrupt, with a message that says why, the kernel
 * then runs the next cell at once, nothing the interrupted cell started runs on, and the CPU goes idle.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { JUPYTER_ENV, PYTHON, REPO, assertKernelBuilt, jupyterMissing } from "./jupyter";

const missing = jupyterMissing(["jupyter_client"]);
/** The brief: Interrupt ends the cell within 1 s. */
const STOP_WITHIN_S = Number(process.env.NUMLAB_INTERRUPT_LIMIT_S ?? 1);

interface RunResult {
  replied: boolean;
  status?: string;
  ename?: string | null;
  evalue?: string | null;
  payload?: { source: string }[];
  stop_seconds?: number;
  stream: string;
  results: string[];
  errors: string[];
  queued: (string | null)[];
}
type StepResult = RunResult & { found?: boolean; text?: string; cpu_seconds?: number; alive?: boolean; exit_code?: number | null };

let work = "";
let results: StepResult[] = [];
let log = "";
const at: Record<string, number> = {};

/** The steps, each named for the tests below. */
function steps(): { name: string; step: Record<string, unknown> }[] {
  const out = JSON.stringify(work);
  return [
    {
      name: "setup",
      step: {
        run: 'import * as nl from "numlab";\nimport * as tf from "@tensorflow/tfjs";\nimport * as path from "path";\nawait nl.initBackend();\nlet i = 0;\nlet j = 0;',
      },
    },
    { name: "stuck after an await", step: { run: "await Promise.resolve();\nwhile (true) {}", interrupt_after: 0.5 } },
    { name: "next cell", step: { run: "1 + 1" } },
    { name: "stuck synchronously", step: { run: "while (true) {}", interrupt_after: 0.5 } },
    { name: "pace loop", step: { run: "for (;;) { i++; await nl.pace(); }", interrupt_after: 0.5, queue: ['console.log("queued cell ran")'] } },
    { name: "pace loop stopped", step: { run: "const i0 = i;\nawait new Promise((r) => setTimeout(r, 300));\n[i0 === i, i > 0]" } },
    { name: "tensor data loop", step: { run: "const x = tf.scalar(2);\nfor (;;) { await x.square().data(); }", interrupt_after: 0.5 } },
    { name: "timer loop", step: { run: "for (;;) { j++; await new Promise((r) => setTimeout(r, 1)); }", interrupt_after: 0.5 } },
    {
      name: "timer loop stopped",
      step: { run: "await new Promise((r) => setTimeout(r, 3300));\nconst j0 = j;\nawait new Promise((r) => setTimeout(r, 300));\n[j0 === j, j > 0]" },
    },
    {
      name: "trainArithmetic",
      step: {
        run:
          `await nl.trainArithmetic({ data: { task: "addition", max: 256 }, model: { hidden: 32, ffHidden: 64, heads: 2, encoderLayers: 1, decoderLayers: 1 }, ` +
          `train: { steps: 1000000, evalEvery: 1000000, evalSize: 16, batchSize: 32 }, out: path.join(${out}, "arith") })`,
        interrupt_after: 4,
      },
    },
    {
      name: "trainLstm",
      step: { run: `await nl.trainLstm({ out: path.join(${out}, "lstm"), config: { ...nl.LSTM_SMOKE_CONFIG, steps: 1000000 } })`, interrupt_after: 4 },
    },
    { name: "idle", step: { idle_cpu: 1.5, settle: 0.5 } },
    { name: "inspect open call", step: { inspect: "nl.lossCurve(" } },
    { name: "inspect second argument", step: { inspect: "nl.lossCurve(history, " } },
    { name: "inspect plain", step: { inspect: "Math.max", cursor: 8 } },
    { name: "exit", step: { run: 'console.log("before");\nprocess.exit(3);\nconsole.log("after");' } },
    { name: "after exit", step: { alive_after: 1.5 } },
  ];
}

before(() => {
  if (missing) return;
  assertKernelBuilt();
  work = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-interrupt-"));
  const list = steps();
  list.forEach((s, k) => (at[s.name] = k));
  const file = path.join(work, "steps.json");
  fs.writeFileSync(file, JSON.stringify(list.map((s) => s.step)));
  const run = spawnSync(PYTHON, [path.join(__dirname, "interrupt_kernel.py"), file, REPO], {
    env: JUPYTER_ENV,
    encoding: "utf8",
    timeout: 240_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  log = `${run.stderr}`;
  assert.equal(run.status, 0, `interrupt_kernel.py failed (exit ${run.status}):\n${log}`);
  results = JSON.parse(run.stdout) as StepResult[];
});

after(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const skip = missing ?? false;
/** Inspect text without its ANSI colours (IPython's layout, as the tooltip shows it). */
const plain = (text: string | undefined): string => (text ?? "").replace(new RegExp(String.fromCharCode(27) + "\\[[\\d;]*m", "g"), "");
const result = (name: string): StepResult => results[at[name]];

function assertStopped(name: string, evalue: RegExp): void {
  const r = result(name);
  assert.ok(r.replied, `${name}: no execute_reply\n${log}`);
  assert.equal(r.status, "error", `${name}: ${JSON.stringify(r)}`);
  assert.equal(r.ename, "InterruptedError", `${name}: ${JSON.stringify(r)}`);
  assert.match(r.evalue ?? "", evalue);
  assert.ok((r.stop_seconds ?? Infinity) <= STOP_WITHIN_S, `${name}: ended ${r.stop_seconds?.toFixed(3)} s after the interrupt (limit ${STOP_WITHIN_S} s)`);
}

test("a cell stuck after an await is stopped by force within 1 s, and the next cell runs", { skip, timeout: 300_000 }, () => {
  assertStopped("stuck after an await", /without a turn of the event loop, so it was stopped where it stood.*await nl\.pace\(\)/);
  assert.deepEqual(result("next cell").results, ["2"]);
});

test("a cell stuck in synchronous code is stopped within 1 s", { skip }, () => {
  assertStopped("stuck synchronously", /^interrupted: the cell's code was stopped$/);
});

test("a loop that awaits nl.pace() stops at its next step; cells queued behind it are aborted, as in IPython", { skip }, () => {
  assertStopped("pace loop", /^interrupted \(Kernel → Interrupt\)$/);
  assert.deepEqual(result("pace loop").queued, ["aborted"]);
  assert.doesNotMatch(result("pace loop").stream, /queued cell ran/);
  assert.deepEqual(result("pace loop stopped").results, ["[ true, true ]"], "the loop ran, and stopped for good");
});

test("a loop over tensor data (promises that never wait for the event loop) is stopped within 1 s; TensorFlow.js still trains after it", { skip }, () => {
  assertStopped("tensor data loop", /^interrupted/);
  // (the trainers below run after it: a TensorFlow.js engine left mid-operation would fail them)
});

test("a timer-driven loop that ignores the signal: the cell ends within 1 s and its timers stop", { skip }, () => {
  assertStopped("timer loop", /did not stop within 700 ms.*timers stop 3 s later/);
  assert.deepEqual(result("timer loop stopped").results, ["[ true, true ]"], "the loop kept running in the background");
});

test("trainers stop at a step boundary within 1 s, saying where and what was saved", { skip }, () => {
  for (const name of ["trainArithmetic", "trainLstm"]) assertStopped(name, /^interrupted at step \d+; (last checkpoint at step \d+|no checkpoint was saved)/);
});

test("after the interrupts the kernel's CPU goes idle", { skip }, () => {
  const cpu = result("idle").cpu_seconds ?? Infinity;
  assert.ok(cpu < 0.15, `the kernel used ${cpu.toFixed(2)} s of CPU in 1.5 s after the last interrupt`);
});

test("Shift-Tab inside a call's arguments shows the function's signature and doc", { skip }, () => {
  for (const name of ["inspect open call", "inspect second argument"]) {
    const r = result(name);
    assert.equal(r.found, true, `${name}: ${JSON.stringify(r)}`);
    assert.match(plain(r.text), /^Signature: nl\.lossCurve\(points: .*, options\?: nl\.LossCurveOptions\): nl\.Figure$/m);
    assert.match(plain(r.text), /^Docstring:\nOne loss curve/m);
    assert.ok((r.text ?? "").includes("\x1b[1m"), "the argument being written is in bold");
  }
  assert.match(plain(result("inspect open call").text), /^Argument 1: points:/m);
  assert.match(plain(result("inspect second argument").text), /^Argument 2: options\?: nl\.LossCurveOptions$/m);
  assert.match(result("inspect plain").text ?? "", /max\(\.\.\.values: number\[\]\): number/, "outside a call, tslab's quick info as before");
});

test("process.exit(3) in a cell answers the cell, says the kernel restarts, and exits with 3", { skip }, () => {
  const r = result("exit");
  assert.equal(r.status, "ok");
  assert.deepEqual(
    r.payload?.map((p) => p.source),
    ["ask_exit"],
  );
  assert.match(r.stream, /^before\nprocess\.exit\(3\) was called: the kernel exits and Jupyter starts a fresh one/);
  assert.doesNotMatch(r.stream, /after/);
  const gone = result("after exit");
  assert.equal(gone.alive, false);
  assert.equal(gone.exit_code, 3);
});

test("the measured times from interrupt to reply (diagnostics, for docs/experiments/notebook-experience.md)", { skip }, (t) => {
  for (const name of ["stuck after an await", "stuck synchronously", "pace loop", "tensor data loop", "timer loop", "trainArithmetic", "trainLstm"]) {
    const r = result(name);
    t.diagnostic(`${name}: ${r.stop_seconds?.toFixed(3)} s — ${r.evalue?.slice(0, 100)}`);
    assert.ok(r.stop_seconds !== undefined);
  }
  t.diagnostic(`kernel CPU in 1.5 s, 0.5 s after them: ${result("idle").cpu_seconds?.toFixed(2)} s`);
  t.diagnostic(`tensor data loop: ${result("tensor data loop").evalue}`);
});
