import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { isTensorLike, tensorBundle, tensorStats, tensorView } from "../../src/display/tensor";
import { DISPLAY_SYMBOL } from "../../src/display/bridge";

const ready = tf.setBackend("cpu");

function cellsOfBody(html: string): string[] {
  const body = html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>"));
  return [...body.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);
}

test("tensorStats: min, max, mean, population std, NaN count", () => {
  const s = tensorStats([1, 2, 3, 4, NaN]);
  assert.equal(s.min, 1);
  assert.equal(s.max, 4);
  assert.equal(s.mean, 2.5);
  assert.ok(Math.abs(s.std - Math.sqrt(1.25)) < 1e-12);
  assert.equal(s.nan, 1);
});

test("isTensorLike recognizes tfjs tensors and rejects look-alikes", async () => {
  await ready;
  const t = tf.tensor([1, 2]);
  assert.ok(isTensorLike(t));
  assert.ok(!isTensorLike({ shape: [2], dtype: "float32" }));
  assert.ok(!isTensorLike([1, 2]));
  t.dispose();
});

test("a vector shows shape, dtype and one row per value", async () => {
  await ready;
  const t = tf.tensor1d([0.5, -1.25, 3], "float32");
  const b = tensorBundle(t);
  const html = b["text/html"] as string;
  assert.match(html, /Tensor shape \[3\] dtype float32/);
  assert.deepEqual(cellsOfBody(html), ["0.5000", "-1.2500", "3.0000"], "one format for the column");
  assert.match(b["text/plain"] as string, /^Tensor shape \[3\] dtype float32\n/);
  t.dispose();
});

test("a long vector is truncated with '… n more rows'", async () => {
  await ready;
  const t = tf.range(0, 100, 1, "int32");
  const html = tensorBundle(t, { maxRows: 10 })["text/html"] as string;
  assert.match(html, /… 90 more rows/);
  assert.equal(cellsOfBody(html).filter((c) => /^\d+$/.test(c)).length, 10);
  t.dispose();
});

test("a tall matrix shows its first and last rows with the right values", async () => {
  await ready;
  const t = tf.range(0, 300, 1, "int32").reshape([100, 3]);
  const html = tensorBundle(t, { maxRows: 4 })["text/html"] as string;
  assert.match(html, /… 96 more rows/);
  assert.deepEqual(
    cellsOfBody(html).filter((c) => /^\d+$/.test(c)),
    ["0", "1", "2", "3", "4", "5", "294", "295", "296", "297", "298", "299"],
  );
  assert.match(html, /<tr><th>99<\/th>/, "the last row keeps its index");
  t.dispose();
});

test("a matrix is a table with one column per tensor column, wide ones elided in the middle", async () => {
  await ready;
  const m = tf.tensor2d(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    [2, 3],
    "int32",
  );
  const html = tensorBundle(m)["text/html"] as string;
  assert.match(html, /Tensor shape \[2, 3\] dtype int32/);
  assert.deepEqual(cellsOfBody(html), ["1", "2", "3", "4", "5", "6"]);
  const wide = tf.zeros([2, 50]);
  const wideHtml = tensorBundle(wide, { maxColumns: 6 })["text/html"] as string;
  assert.match(wideHtml, /… 44 more/);
  assert.equal(cellsOfBody(wideHtml).length, 2 * 7); // 3 + elision + 3 per row
  m.dispose();
  wide.dispose();
});

test("a rank-3 tensor shows a summary with statistics and the first values", async () => {
  await ready;
  const t = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
  const text = tensorBundle(t, { previewValues: 3 })["text/plain"] as string;
  assert.match(text, /Tensor shape \[2, 2, 2\] dtype float32/);
  assert.match(text, /size: 8/);
  assert.match(text, /min: 1\b/);
  assert.match(text, /max: 8\b/);
  assert.match(text, /mean: 4\.5000/);
  assert.match(text, /first values: \[1, 2, 3, … 5 more\]/);
  t.dispose();
});

test("scalars, strings, booleans and disposed tensors", async () => {
  await ready;
  const s = tf.scalar(2.5);
  assert.equal(tensorBundle(s)["text/plain"], "Tensor shape [] dtype float32: 2.5000");
  const words = tf.tensor1d(["a", "b"], "string");
  assert.deepEqual(cellsOfBody(tensorBundle(words)["text/html"] as string), ["a", "b"]);
  const flags = tf.tensor1d([true, false], "bool");
  assert.match(tensorBundle(flags)["text/plain"] as string, /dtype bool/);
  assert.deepEqual(cellsOfBody(tensorBundle(flags)["text/html"] as string), ["true", "false"]);
  s.dispose();
  assert.match(tensorBundle(s)["text/plain"] as string, /\(disposed\)/);
  words.dispose();
  flags.dispose();
});

test("tensorView is displayable with the same bundle", async () => {
  await ready;
  const t = tf.tensor1d([1, 2]);
  assert.deepEqual(tensorView(t)[DISPLAY_SYMBOL](), tensorBundle(t));
  t.dispose();
});
