import { test, after } from "node:test";
import assert from "node:assert/strict";
import { CellRunner, diagnosticsError, errorContent } from "../../src/kernel/executor";

const runner = new CellRunner(process.cwd());
after(() => runner.close());

test("a final expression is reported as the cell's value, not printed", async () => {
  const outcome = await runner.run("const a = 6;\na * 7");
  assert.deepEqual(outcome, { status: "ok", hasValue: true, value: 42, warnings: [] });
});

test("declarations carry over between cells; a statement has no value", async () => {
  await runner.run("let counter = 1;");
  const outcome = await runner.run("counter += 1;\nundefined");
  assert.equal(outcome.status, "ok");
  assert.equal(outcome.status === "ok" && outcome.hasValue, false);
  const again = await runner.run("counter");
  assert.equal(again.status === "ok" && again.value, 2);
});

test("top-level await resolves before the value is reported", async () => {
  const outcome = await runner.run("await new Promise((r) => setTimeout(() => r('late'), 10))");
  assert.equal(outcome.status === "ok" && outcome.value, "late");
});

test("a thrown error gives ename, evalue and a traceback", async () => {
  const outcome = await runner.run("function inner() { throw new RangeError('too far'); }\ninner();");
  assert.equal(outcome.status, "error");
  if (outcome.status !== "error") return;
  assert.equal(outcome.ename, "RangeError");
  assert.equal(outcome.evalue, "too far");
  assert.equal(outcome.traceback[0], "RangeError: too far");
  assert.ok(
    outcome.traceback.some((line) => line.includes("inner")),
    outcome.traceback.join("\n"),
  );
  assert.ok(!outcome.traceback.some((line) => /node_modules[\\/]tslab/.test(line)), "kernel frames are hidden");
});

test("a rejected await is an error too", async () => {
  const outcome = await runner.run("await Promise.reject(new TypeError('nope'))");
  assert.equal(outcome.status === "error" && outcome.ename, "TypeError");
});

test("a type error is a TypeScriptError naming line and column", async () => {
  const outcome = await runner.run("const n: number = 'text';");
  assert.equal(outcome.status, "error");
  if (outcome.status !== "error") return;
  assert.equal(outcome.ename, "TypeScriptError");
  assert.match(outcome.evalue, /^1:7 - Type 'string' is not assignable to type 'number'/);
});

test("errorContent handles non-Error throws; diagnosticsError counts several", () => {
  assert.deepEqual(errorContent("plain"), { ename: "Error", evalue: "plain", traceback: ["Uncaught plain"] });
  assert.equal(errorContent({ code: 1 }).evalue, "{ code: 1 }");
  const e = diagnosticsError(["1:1 - a", "2:1 - b"]);
  assert.equal(e.evalue, "2 errors\n1:1 - a\n2:1 - b");
  assert.equal(e.traceback.length, 2);
});
