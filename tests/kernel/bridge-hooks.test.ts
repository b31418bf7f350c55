import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { KERNEL_HOOKS, KernelHooks, clearOutput, inKernel, sendDisplay } from "../../src/display/bridge";

const globals = globalThis as Record<symbol, KernelHooks | undefined>;
afterEach(() => {
  delete globals[KERNEL_HOOKS];
});

test("outside a kernel, sendDisplay and clearOutput do nothing and say so", () => {
  assert.equal(inKernel(), false);
  assert.equal(sendDisplay({ "text/plain": "x" }), false);
  assert.equal(clearOutput(), false);
});

test("the kernel's hooks receive display_data, update_display_data (with id) and clear_output", () => {
  const sent: Array<{ content: unknown; update: boolean }> = [];
  const cleared: boolean[] = [];
  globals[KERNEL_HOOKS] = {
    writeDisplayData: (content, update) => sent.push({ content, update }),
    clearOutput: (wait) => cleared.push(wait),
  };
  assert.equal(inKernel(), true);
  assert.equal(sendDisplay({ "text/html": "<b>1</b>", "text/plain": "1" }, { displayId: "bar" }), true);
  sendDisplay({ "text/plain": "2" }, { displayId: "bar", update: true });
  sendDisplay({ "text/plain": "3" }, { update: true }); // no id: sent as a new display
  assert.deepEqual(sent, [
    { content: { data: { "text/html": "<b>1</b>", "text/plain": "1" }, metadata: {}, transient: { display_id: "bar" } }, update: false },
    { content: { data: { "text/plain": "2" }, metadata: {}, transient: { display_id: "bar" } }, update: true },
    { content: { data: { "text/plain": "3" }, metadata: {}, transient: {} }, update: false },
  ]);
  assert.equal(clearOutput(true), true);
  assert.deepEqual(cleared, [true]);
});
