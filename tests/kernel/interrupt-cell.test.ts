/**
 * Interrupts, leftover timers and process.exit at the message level (the kernel in the test
 * process, tests/kernel/harness.ts): the running cell's signal, how an interrupted cell ends and
 * what its error says, and what an interrupted cell leaves running. The real SIGINT path is
 * tests/kernel/interrupt.test.ts.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { activeSignal, InterruptedError, pace } from "../../src/cancel";
import { guardTimers } from "../../src/kernel/cell-scope";
import { interceptProcessExit } from "../../src/kernel/exit";
import { INTERRUPT_REASON, interruptedError } from "../../src/kernel/server";
import { KernelHarness } from "./harness";

const h = new KernelHarness();
after(() => h.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errorOf = (sent: { iopub: { header: { msg_type: string }; content: unknown }[] }) =>
  sent.iopub.find((m) => m.header.msg_type === "error")?.content as { ename: string; evalue: string; traceback: string[] } | undefined;

test("each cell runs with a signal of its own, which is gone when the cell ends", async () => {
  let during: AbortSignal | undefined;
  await h.execute(() => {
    during = activeSignal();
  });
  assert.ok(during instanceof AbortSignal);
  assert.equal(during!.aborted, false);
  assert.equal(activeSignal(), undefined, "no ambient signal between cells");
  let second: AbortSignal | undefined;
  await h.execute(() => {
    second = activeSignal();
  });
  assert.notEqual(second, during, "a new signal per cell");
});

test("Interrupt aborts the running cell's signal: a loop that awaits pace() ends with InterruptedError", async () => {
  let steps = 0;
  let signal: AbortSignal | undefined;
  const code = "cell-pace";
  const sent = h.post("execute_request", { code, silent: false, store_history: true, stop_on_error: true });
  (h as unknown as { cells: Map<string, () => unknown> }).cells.set(code, async () => {
    signal = activeSignal();
    for (;;) {
      steps++;
      await pace(undefined, 0);
    }
  });
  await sleep(50);
  h.kernel.interrupt();
  await sent.done;
  await h.flush();
  const { reply, iopub } = h.sent(sent.request);
  assert.equal((reply!.content as { status: string }).status, "error");
  const error = errorOf({ iopub })!;
  assert.deepEqual(error, { ename: "InterruptedError", evalue: INTERRUPT_REASON, traceback: [`InterruptedError: ${INTERRUPT_REASON}`] });
  assert.ok(steps > 1);
  assert.equal(signal!.aborted, true, "the interrupted cell's signal stays aborted");
  const before = steps;
  await sleep(30);
  assert.equal(steps, before, "the loop stopped");
  // the kernel goes on: the next cell runs
  const next = await h.execute(() => 6 * 7);
  assert.equal((next.reply!.content as { status: string }).status, "ok");
});

test("a cell that ignores the signal is ended after the deadline, saying so; a second interrupt ends it at once", async () => {
  h.kernel.interruptDeadlineMs = 60;
  const start = Date.now();
  const sent = h.post("execute_request", { code: "cell-deaf", silent: false, store_history: true, stop_on_error: false });
  (h as unknown as { cells: Map<string, () => unknown> }).cells.set("cell-deaf", () => new Promise(() => undefined));
  await sleep(20);
  h.kernel.interrupt();
  await sent.done;
  await h.flush();
  const waited = Date.now() - start;
  const error = errorOf(h.sent(sent.request))!;
  assert.equal(error.ename, "InterruptedError");
  assert.match(
    error.evalue,
    /^interrupted: the cell did not stop within 60 ms, so the kernel stopped waiting for it\. Its timers stop 3 s later; .*await nl\.pace\(\)/,
  );
  assert.ok(waited >= 60 && waited < 1000, `${waited} ms`);

  h.kernel.interruptDeadlineMs = 60_000;
  const again = h.post("execute_request", { code: "cell-deaf2", silent: false, store_history: true, stop_on_error: false });
  (h as unknown as { cells: Map<string, () => unknown> }).cells.set("cell-deaf2", () => new Promise(() => undefined));
  await sleep(20);
  const t0 = Date.now();
  h.kernel.interrupt();
  h.kernel.interrupt();
  await again.done;
  assert.ok(Date.now() - t0 < 1000, "the second interrupt ended the cell without waiting for the deadline");
  h.kernel.interruptDeadlineMs = 700;
});

test("interruptedError words each way a cell can stop", () => {
  const base = { ename: "Error", evalue: "Interrupted asynchronously", traceback: [] };
  assert.match(
    interruptedError(base, { ended: "terminated", waitedMs: 402, tfjsReset: ["inside 1 tidy scope(s)"] }, 700).evalue,
    /busy for 402 ms .*stopped where it stood.*inside 1 tidy scope\(s\); its engine was reset/,
  );
  assert.equal(
    interruptedError({ ename: "Error", evalue: "Script execution was interrupted by `SIGINT`", traceback: [] }, { ended: null }, 700).evalue,
    "interrupted: the cell's code was stopped",
  );
  const trainer = interruptedError(
    { ename: "InterruptedError", evalue: "interrupted at step 12; last checkpoint at step 12", traceback: ["InterruptedError: …", "    at train (x.ts:1)"] },
    { ended: null },
    700,
  );
  assert.deepEqual(trainer.traceback, ["InterruptedError: interrupted at step 12; last checkpoint at step 12"], "no stack: the message says it all");
  const other = { ename: "TypeError", evalue: "x is not a function", traceback: ["TypeError: x is not a function"] };
  assert.deepEqual(interruptedError(other, { ended: null }, 700), other, "an unrelated error stays as it is");
});

test("timers an interrupted cell set stop with it; other cells' timers run on", async () => {
  const undo = guardTimers();
  try {
    let ticks = 0;
    let kept = 0;
    let keeper: NodeJS.Timeout | undefined;
    await h.execute(() => {
      keeper = setInterval(() => kept++, 5); // a finished, uninterrupted cell's interval
    });
    const sent = h.post("execute_request", { code: "cell-timers", silent: false, store_history: true, stop_on_error: false });
    (h as unknown as { cells: Map<string, () => unknown> }).cells.set("cell-timers", async () => {
      setInterval(() => ticks++, 5);
      for (;;) await pace(); // stops at the interrupt
    });
    await sleep(40);
    h.kernel.interrupt();
    await sent.done;
    await sleep(20);
    const [t0, k0] = [ticks, kept];
    assert.ok(t0 > 0 && k0 > 0);
    await sleep(60);
    assert.equal(ticks, t0, "the interrupted cell's interval was stopped");
    assert.ok(kept > k0, "the other cell's interval runs on");
    clearInterval(keeper);
  } finally {
    undo();
  }
});

test("process.exit in a cell: the cell is answered (ask_exit), says the kernel restarts, then the kernel exits with the code", async () => {
  const exits: number[] = [];
  h.kernel.exit = (code) => void exits.push(code);
  const undo = interceptProcessExit((code) => h.kernel.requestExit(code));
  try {
    let after = false;
    const sent = await h.execute(() => {
      process.exit(4);
      after = true;
    });
    await sleep(150);
    assert.equal(after, false, "process.exit stops the cell there");
    assert.deepEqual(sent.reply!.content, {
      status: "ok",
      execution_count: (sent.reply!.content as { execution_count: number }).execution_count,
      payload: [{ source: "ask_exit", keepkernel: false }],
      user_expressions: {},
    });
    const text = h
      .sent(sent.request)
      .iopub.filter((m) => m.header.msg_type === "stream")
      .map((m) => (m.content as { text: string }).text)
      .join("");
    assert.match(text, /^process\.exit\(4\) was called: the kernel exits and Jupyter starts a fresh one/);
    assert.deepEqual(exits, [4]);
    // cells still queued are not run
    const queued = await h.execute(() => "never");
    assert.equal((queued.reply!.content as { status: string }).status, "aborted");
  } finally {
    undo();
  }
});

test("InterruptedError from pace names the reason the signal was aborted with", async () => {
  const controller = new AbortController();
  controller.abort(INTERRUPT_REASON);
  await assert.rejects(pace(controller.signal), (e: unknown) => e instanceof InterruptedError && e.message === INTERRUPT_REASON);
});
