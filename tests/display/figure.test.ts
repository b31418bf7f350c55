import { test } from "node:test";
import assert from "node:assert/strict";
import { asDisplayable, DISPLAY_SYMBOL, Figure, figureBundle, figureHtml, figuresToHtmlPage, plotlyJs, resetPlotlySession, show } from "../../src/display";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";

function sample(name = "squares"): Figure {
  return {
    data: [{ type: "scatter", mode: "lines", name, x: [1, 2, 3], y: [1, 4, 9] }],
    layout: { title: { text: "Squares" }, height: 300 },
  };
}

/** A stretch of plotly.js that only appears where the library itself was inlined. */
function plotlyMarker(): string {
  const src = plotlyJs();
  return src.slice(Math.floor(src.length / 2), Math.floor(src.length / 2) + 80);
}

function occurrences(text: string, part: string): number {
  let n = 0;
  for (let i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length)) n++;
  return n;
}

test("plotly.js comes from the installed plotly.js-dist (possibly minified at build)", () => {
  const src = plotlyJs();
  assert.ok(src.length > 1_000_000, `plotly.js is only ${src.length} characters`);
  assert.match(src, /window\.Plotly\s*=/);
});

test("the figure bundle carries the Plotly JSON as an object, plus HTML and text", () => {
  resetPlotlySession();
  const figure = sample();
  const bundle = figureBundle(figure);
  const json = bundle[PLOTLY_MIME] as { data: unknown; layout: unknown };
  assert.equal(typeof json, "object", "the plotly mime type must carry an object, not a JSON string");
  assert.deepEqual(json.data, figure.data);
  assert.deepEqual(json.layout, figure.layout);
  assert.equal(typeof bundle["text/html"], "string");
  assert.match(bundle["text/html"] as string, /Plotly\.newPlot\(/);
  assert.equal(bundle["text/plain"], 'Figure("Squares", 1 trace)');
});

test("plotly.js is inlined in the first figure of a session only, and again after a reset", () => {
  resetPlotlySession();
  const marker = plotlyMarker();
  const first = figureBundle(sample())["text/html"] as string;
  const second = figureBundle(sample())["text/html"] as string;
  const third = figureBundle(sample())["text/html"] as string;
  assert.equal(occurrences(first, marker), 1);
  assert.equal(occurrences(second + third, marker), 0);
  assert.ok(second.length < 10_000, `a later figure should not carry plotly.js (${second.length} chars)`);
  resetPlotlySession();
  assert.equal(occurrences(figureBundle(sample())["text/html"] as string, marker), 1);
});

test("figure HTML draws into its own div, with no CDN reference", () => {
  resetPlotlySession();
  const html = figureBundle(sample())["text/html"] as string;
  const ids = [...html.matchAll(/<div id="([^"]+)" class="numlab-plot"/g)].map((m) => m[1]);
  assert.equal(ids.length, 1);
  assert.ok(html.includes(`document.getElementById(${JSON.stringify(ids[0])})`));
  assert.ok(!/<script[^>]+src=/i.test(html), "no external scripts");
  assert.ok(!/cdn\.plot\.ly/i.test(html.slice(0, 2000) + html.slice(-2000)));
  assert.ok(html.includes("height:300px"), "the layout height sizes the div");
});

test("data containing </script> cannot end the script element early", () => {
  const html = figureHtml(sample("</script><b>oops</b>"), { includePlotly: false, id: "x" });
  assert.ok(!html.includes("</script><b>"));
  assert.equal(occurrences(html.toLowerCase(), "</script>"), 1);
  assert.ok(html.includes("\\u003c/script>\\u003cb>"));
});

test("asDisplayable attaches the display method without changing the JSON", () => {
  const figure = asDisplayable(sample());
  assert.equal(JSON.stringify(figure), JSON.stringify(sample()));
  const bundle = (figure as unknown as Record<symbol, () => Record<string, unknown>>)[DISPLAY_SYMBOL]();
  assert.deepEqual((bundle[PLOTLY_MIME] as { data: unknown }).data, sample().data);
});

test("outside a kernel, show() prints a one-line description", () => {
  const written: string[] = [];
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    show(sample());
  } finally {
    process.stdout.write = original;
  }
  assert.deepEqual(written, ['Figure("Squares", 1 trace)\n']);
});

test("a standalone page holds every figure and plotly.js once", () => {
  const page = figuresToHtmlPage([sample("a"), sample("b")], "Two <figures>");
  assert.equal(occurrences(page, plotlyMarker()), 1);
  assert.equal(occurrences(page, 'class="numlab-plot"'), 2);
  assert.ok(page.includes("<title>Two &lt;figures></title>"));
});
