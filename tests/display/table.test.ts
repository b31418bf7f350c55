import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "child_process";
import * as path from "path";
import * as dfd from "danfojs-node";
import { DISPLAY_SYMBOL, formatCell, table, tableBundle, tableHtml, tableText, toTableData } from "../../src/display";

function cellsOf(html: string): string[][] {
  return [...html.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map((c) => c[1]));
}

test("records become columns in first-seen order; missing values are blank", () => {
  const data = toTableData([
    { n: 1, name: "one" },
    { n: 2, extra: true },
  ]);
  assert.deepEqual(data.columns, ["n", "name", "extra"]);
  assert.deepEqual(data.rows, [
    [1, "one", undefined],
    [2, undefined, true],
  ]);
  const rows = cellsOf(tableHtml(data));
  assert.deepEqual(rows[0], ["n", "name", "extra"]);
  assert.deepEqual(rows[1], ["1", "one", ""]);
  assert.deepEqual(rows[2], ["2", "", "true"]);
});

test("cells are escaped, numbers formatted and right-aligned", () => {
  const html = tableHtml(toTableData([{ text: "<b>&", x: 0.123456789, big: 12345678.9, tiny: 0.0000123 }]));
  assert.ok(html.includes("&lt;b&gt;&amp;"));
  assert.ok(!html.includes("<b>&"));
  assert.ok(html.includes('<td style="text-align:right">0.1235</td>'));
  assert.equal(formatCell(12345678.9), "1.235e+7");
  assert.equal(formatCell(0.0000123), "1.230e-5");
  assert.equal(formatCell(42), "42");
  assert.equal(formatCell(10n), "10");
  assert.equal(formatCell(null), "");
});

test("long tables show head and tail with the number of hidden rows", () => {
  const rows = Array.from({ length: 100 }, (_, i) => ({ i, square: i * i }));
  const html = tableHtml(toTableData(rows), { maxRows: 10 });
  const body = cellsOf(html).slice(1);
  assert.equal(body.length, 11);
  assert.deepEqual(
    body.slice(0, 5).map((r) => r[0]),
    ["0", "1", "2", "3", "4"],
  );
  assert.deepEqual(body[5], ["… 90 more rows"]);
  assert.deepEqual(
    body.slice(6).map((r) => r[0]),
    ["95", "96", "97", "98", "99"],
  );
  assert.ok(html.includes("100 rows × 2 columns"));

  const text = tableText(toTableData(rows), { maxRows: 4 }).split("\n");
  assert.deepEqual(
    text.map((l) => l.trim().split(/\s+/)[0]),
    ["i", "0", "1", "…", "98", "99"],
  );
});

test("a danfo DataFrame shows its index, columns and dtypes", () => {
  const df = new dfd.DataFrame({ n: [1, 2, 3], label: ["a", "b", "<c>"], x: [0.5, 1.25, 2] });
  const data = toTableData(df);
  assert.deepEqual(data.columns, ["n", "label", "x"]);
  assert.deepEqual(data.index, [0, 1, 2]);
  assert.deepEqual(data.dtypes, ["int32", "string", "float32"]);
  const rows = cellsOf(tableHtml(data));
  assert.deepEqual(rows[0], ["", "n", "label", "x"]);
  assert.deepEqual(rows[1], ["", "int32", "string", "float32"]);
  assert.deepEqual(rows[2], ["0", "1", "a", "0.5000"]);
  assert.deepEqual(rows[4], ["2", "3", "&lt;c&gt;", "2.0000"]);
});

test("a column formats all its numbers alike: integers stay integers, else every row gets the same decimals or exponent form", () => {
  const rows = [
    { name: "a", count: 1, share: 1, loss: 2.5, big: 1, tiny: 0.25 },
    { name: "b", count: 20, share: 0.5, loss: 0.123456, big: 12345678.9, tiny: 0.00001 },
  ];
  const html = cellsOf(tableHtml(toTableData(rows)));
  assert.deepEqual(html[1], ["a", "1", "1.0000", "2.5000", "1.000e+0", "2.500e-1"]);
  assert.deepEqual(html[2], ["b", "20", "0.5000", "0.1235", "1.235e+7", "1.000e-5"]);
  const text = tableText(toTableData(rows), { digits: 2 }).split("\n");
  assert.deepEqual(text[1].trim().split(/\s+/), ["a", "1", "1.00", "2.50", "1.0e+0", "2.5e-1"]);
  // a column of strings, numbers and blanks: only the numbers are formatted
  const mixed = cellsOf(tableHtml(toTableData([{ v: "n/a" }, { v: 3 }, { v: 0.5 }, { v: null }])));
  assert.deepEqual(
    mixed.slice(1).map((r) => r[0]),
    ["n/a", "3.0000", "0.5000", ""],
  );
});

test("a long DataFrame is truncated like records", () => {
  const df = new dfd.DataFrame({ k: Array.from({ length: 50 }, (_, i) => i) });
  const html = tableHtml(toTableData(df), { maxRows: 6 });
  const body = cellsOf(html).slice(2);
  assert.deepEqual(
    body.map((r) => r[0]),
    ["0", "1", "2", "… 44 more rows", "47", "48", "49"],
  );
});

test("a danfo Series becomes a one-column table", () => {
  const s = new dfd.Series([3, 1, 4], { columns: ["digits"] });
  const data = toTableData(s);
  assert.deepEqual(data.columns, ["digits"]);
  assert.deepEqual(data.rows, [[3], [1], [4]]);
});

test("table() is displayable with HTML and text; bad input is refused", () => {
  const t = table([{ a: 1 }], { caption: "caption <x>" });
  const bundle = (t as unknown as Record<symbol, () => Record<string, string>>)[DISPLAY_SYMBOL]();
  assert.ok(bundle["text/html"].includes("<caption>caption &lt;x&gt;</caption>"));
  assert.equal(bundle["text/plain"], "a\n1");
  assert.deepEqual(Object.keys(tableBundle([{ a: 1 }])).sort(), ["text/html", "text/plain"]);
  assert.throws(() => toTableData([1, 2]), /records/);
  assert.throws(() => toTableData("nope"), /expected an array/);
});

test("danfo is optional: a DataFrame is recognized by its shape and the renderers never load danfojs-node", () => {
  // A fresh process where resolving danfojs-node throws: the table and the kernel's renderer load
  // and render a DataFrame-shaped value (what a dependent's own danfo produces).
  const src = path.join(__dirname, "..", "..", "src");
  const script = `
    const Module = require("module");
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (/^danfojs/.test(request)) throw new Error("danfojs-node was loaded");
      return resolve.call(this, request, ...rest);
    };
    const { toTableData } = require(${JSON.stringify(path.join(src, "display", "table.ts"))});
    const { valueBundle } = require(${JSON.stringify(path.join(src, "kernel", "render.ts"))});
    class DataFrame { constructor() { this.columns = ["w"]; this.values = [["x"], ["y"]]; this.index = [0, 1]; this.dtypes = ["string"]; } }
    const frame = new DataFrame();
    process.stdout.write(JSON.stringify({ data: toTableData(frame), html: valueBundle(frame)["text/html"] }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8" })) as {
    data: { columns: string[]; index: number[]; dtypes: string[] };
    html: string;
  };
  assert.deepEqual(out.data.columns, ["w"]);
  assert.deepEqual(out.data.index, [0, 1]);
  assert.deepEqual(out.data.dtypes, ["string"]);
  assert.match(out.html, /<table class="numlab-table dataframe"/);
});
