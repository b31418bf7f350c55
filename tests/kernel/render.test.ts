import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { isDanfoFrame, isFigure, isRecordArray, plainText, renderValue, valueBundle } from "../../src/kernel/render";
import { DISPLAY_SYMBOL } from "../../src/display/bridge";
import { resetPlotlySession } from "../../src/display/figure";

// eslint-disable-next-line no-control-regex -- an ANSI escape is what this looks for
const ANSI = /\u001b\[/;

test("undefined and null show nothing", () => {
  assert.equal(valueBundle(undefined), null);
  assert.equal(valueBundle(null), null);
});

test("plain values are util.inspect text without colour codes", () => {
  assert.deepEqual(valueBundle(42), { "text/plain": "42" });
  assert.deepEqual(valueBundle("hi"), { "text/plain": "'hi'" });
  const nested = valueBundle({ a: [1, 2], b: { c: "x" }, d: new Map([[1, 2]]) });
  assert.equal(nested!["text/plain"], "{ a: [ 1, 2 ], b: { c: 'x' }, d: Map(1) { 1 => 2 } }");
  assert.ok(!ANSI.test(plainText({ n: 1, s: "s", f: () => 1, u: undefined, re: /x/ })));
});

test("an object with [Symbol.for('Jupyter.display')]() is shown with its bundle, plus text/plain", () => {
  const rich = { [DISPLAY_SYMBOL]: () => ({ "text/html": "<b>x</b>", "text/plain": "x" }) };
  assert.deepEqual(valueBundle(rich), { "text/html": "<b>x</b>", "text/plain": "x" });
  const htmlOnly = { [Symbol.for("Jupyter.display")]: () => ({ "text/markdown": "**m**" }) };
  const b = valueBundle(htmlOnly)!;
  assert.equal(b["text/markdown"], "**m**");
  assert.equal(typeof b["text/plain"], "string");
});

test("a danfo-like DataFrame becomes an HTML table with index and dtypes", () => {
  class DataFrame {
    columns = ["a", "b"];
    values = [
      [1, "x"],
      [2, "y"],
    ];
    index = [0, 1];
    dtypes = ["int32", "string"];
  }
  const frame = new DataFrame();
  assert.ok(isDanfoFrame(frame));
  const b = valueBundle(frame)!;
  assert.match(b["text/html"] as string, /<table class="numlab-table dataframe"/);
  assert.match(b["text/html"] as string, /<th>a<\/th><th>b<\/th>/);
  assert.match(b["text/html"] as string, /int32/);
  assert.ok(!isDanfoFrame({ columns: [], values: [], index: [], dtypes: [] }), "plain objects are not frames");
});

test("a real danfo DataFrame renders as an HTML table", async () => {
  const dfd = require("danfojs-node") as { DataFrame: new (data: unknown) => unknown };
  const frame = new dfd.DataFrame({ name: ["a", "b", "c"], n: [1, 2, 3] });
  const html = valueBundle(frame)!["text/html"] as string;
  assert.match(html, /<th>name<\/th><th>n<\/th>/);
  assert.equal((html.match(/<tr>/g) ?? []).length, 1 + 3); // header + 3 rows
});

test("tfjs tensors use the tensor renderer", async () => {
  await tf.setBackend("cpu");
  const t = tf.tensor2d([
    [1, 2],
    [3, 4],
  ]);
  const b = valueBundle(t)!;
  assert.match(b["text/html"] as string, /Tensor shape \[2, 2\] dtype float32/);
  t.dispose();
});

test("a numlab figure becomes the Plotly bundle", () => {
  resetPlotlySession();
  const figure = { data: [{ type: "scatter", x: [1, 2], y: [3, 4] }], layout: { title: { text: "T" } } };
  assert.ok(isFigure(figure));
  const b = valueBundle(figure)!;
  assert.deepEqual((b["application/vnd.plotly.v1+json"] as { data: unknown }).data, figure.data);
  assert.equal(b["text/plain"], 'Figure("T", 1 trace)');
  assert.ok(!isFigure({ data: [1, 2, 3] }), "data must be traces");
  assert.ok(!isFigure({ data: [{ x: 1 }], other: 1 }), "extra keys mean it is not a figure");
  assert.ok(!isFigure({ data: [{ x: 1 }] }), "without layout, traces need a type");
});

test("a non-empty array of records becomes a table; other arrays stay text", () => {
  const rows = [
    { x: 1, y: "a" },
    { x: 2, z: true },
  ];
  assert.ok(isRecordArray(rows));
  const b = valueBundle(rows)!;
  assert.match(b["text/html"] as string, /<th>x<\/th><th>y<\/th><th>z<\/th>/);
  assert.ok(!isRecordArray([]));
  assert.ok(!isRecordArray([1, { x: 1 }]));
  assert.ok(!isRecordArray([new Date()]));
  assert.deepEqual(valueBundle([1, 2]), { "text/plain": "[ 1, 2 ]" });
});

test("renderValue awaits a display method that returns a promise", async () => {
  const later = { [DISPLAY_SYMBOL]: async () => ({ "text/html": "<i>later</i>" }) };
  const b = await renderValue(later);
  assert.equal(b!["text/html"], "<i>later</i>");
  assert.equal(typeof b!["text/plain"], "string");
  assert.equal(await renderValue(undefined), null);
  assert.deepEqual(await renderValue(7), { "text/plain": "7" });
});
