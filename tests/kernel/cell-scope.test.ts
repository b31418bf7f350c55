import { test } from "node:test";
import assert from "node:assert/strict";
import { promisify } from "util";
import { asKernel, CellScope, currentScope, guardTimers, setActiveScope } from "../../src/kernel/cell-scope";
import { exitCodeOf } from "../../src/kernel/exit";
import { resetTfjsEngine } from "../../src/kernel/tfjs-repair";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a stopped scope's timers do nothing; the loop they drive stops, even past the cell's end; kernel work is in no scope", async () => {
  const undo = guardTimers();
  const scope = new CellScope();
  try {
    let n = 0;
    setActiveScope(scope);
    assert.equal(currentScope(), scope);
    assert.equal(
      asKernel(() => currentScope()),
      null,
    );
    const loop = (async () => {
      for (;;) {
        n++;
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    void loop;
    setActiveScope(null); // the cell is over; its loop runs on, setting new timers from its own callbacks
    await sleep(150);
    assert.ok(n > 3, `the loop ran (${n})`);
    scope.stop();
    await sleep(20);
    const stopped = n;
    await sleep(60);
    assert.equal(n, stopped, "timers set by the loop's continuations after the cell ended belonged to it too");
    // promisified forms still work, and timers outside any scope are untouched
    await promisify(setTimeout)(1);
    let outside = 0;
    setTimeout(() => outside++, 1);
    await sleep(10);
    assert.equal(outside, 1);
  } finally {
    setActiveScope(null);
    undo();
  }
});

test("exitCodeOf: the number given, else process.exitCode, else 0; junk is 1", () => {
  const saved = process.exitCode;
  try {
    process.exitCode = undefined;
    assert.equal(exitCodeOf(3), 3);
    assert.equal(exitCodeOf("2"), 2);
    assert.equal(exitCodeOf(undefined), 0);
    process.exitCode = 5;
    assert.equal(exitCodeOf(undefined), 5);
    assert.equal(exitCodeOf("x"), 1);
  } finally {
    process.exitCode = saved;
  }
});

test("resetTfjsEngine: a TensorFlow.js engine left inside an operation trains again", async () => {
  const tf = require("@tensorflow/tfjs") as typeof import("@tensorflow/tfjs");
  await tf.setBackend("cpu");
  const engine = tf.engine() as unknown as { state: { kernelDepth: number; gradientDepth: number; scopeStack: unknown[] } };
  const w = tf.variable(tf.scalar(2));
  const grad = () => tf.variableGrads(() => w.square() as tf.Scalar).grads;
  assert.deepEqual(resetTfjsEngine(), [], "idle: nothing to do");
  // as if terminated inside a kernel call within a tidy:
  engine.state.kernelDepth = 1;
  tf.engine().startScope();
  assert.throws(grad, /Cannot find a connection/);
  assert.deepEqual(resetTfjsEngine(), ["inside 1 kernel call(s)", "inside 1 tidy scope(s)"]);
  const g = grad();
  assert.equal((await g[w.name].data())[0], 4);
  assert.deepEqual(resetTfjsEngine({}), [], "no engine: nothing");
});
