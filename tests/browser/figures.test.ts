/**
 * The figure builders of src/viz/ drawn in headless Chromium at full-size shapes (the smoke
 * notebooks' data are too small to show some defects: long attention sequences, shares spanning
 * several decades, many beams), then checked for what a person would see as broken
 * (tests/browser/chart-checks.ts): squeezed colour bars, axis ranges far wider than the data,
 * legends over titles, overlapping tick labels, clipped labels. Screenshots go to
 * out/screenshots/figures/. NUMLAB_SKIP_BROWSER=1 skips.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium, Browser } from "playwright-core";
import { figuresToHtmlPage, Figure } from "../../src/display/figure";
import type { PolynomialEda } from "../../src/eval/polynomial-eda";
import type { NextTermScores } from "../../src/eval/next-term";
import { Rng } from "../../src/random";
import { additionGridFigure, attentionFigure, baseComparisonFigure, embeddingSimilarityFigure } from "../../src/viz/arithmetic";
import { lossCurves } from "../../src/viz/curves";
import { nextTermAccuracyFigure } from "../../src/viz/next-term";
import { polynomialLearningCurveFigure, polynomialVariableFigure } from "../../src/viz/polynomial";
import { chartCheckScript, FigureReport } from "./chart-checks";

const executablePath = process.env.NUMLAB_CHROMIUM ?? "/usr/bin/chromium";
const skip = process.env.NUMLAB_SKIP_BROWSER === "1" ? "NUMLAB_SKIP_BROWSER=1" : !fs.existsSync(executablePath) ? `no Chromium at ${executablePath}` : false;
const screenshots = path.resolve(__dirname, "..", "..", "out", "screenshots", "figures");

let browser: Browser | null = null;
let work = "";

before(async () => {
  if (skip) return;
  work = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-figures-"));
  browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  fs.mkdirSync(screenshots, { recursive: true });
});

after(async () => {
  await browser?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** Draw the figures on one page (plotly.js inlined, no network) and check them; screenshots per figure. */
async function drawAndCheck(name: string, figures: Figure[]): Promise<FigureReport[]> {
  const file = path.join(work, `${name}.html`);
  fs.writeFileSync(file, figuresToHtmlPage(figures, name));
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.route("**/*", (r) => (/^(file|data|blob|about):/.test(r.request().url()) ? r.continue() : r.abort()));
    await page.goto(`file://${file}`, { waitUntil: "load", timeout: 120_000 });
    await page.waitForFunction((n) => document.querySelectorAll(".numlab-plot .main-svg").length >= n, figures.length, { timeout: 60_000 });
    const plots = await page.locator(".numlab-plot").all();
    for (let i = 0; i < plots.length; i++) await plots[i].screenshot({ path: path.join(screenshots, `${name}-${i + 1}.png`) });
    return (await page.evaluate(chartCheckScript())) as FigureReport[];
  } finally {
    await page.close();
  }
}

function assertClean(reports: FigureReport[], count: number): void {
  assert.equal(reports.length, count, "every figure was drawn");
  const bad = reports.filter((r) => r.problems.length > 0).map((r) => `${r.figure}:\n  ${r.problems.join("\n  ")}`);
  assert.deepEqual(bad, [], bad.join("\n"));
}

/** A twelve-token addition example's attention: 4 heads, rows summing to 1. */
function attentionWeights(heads: number, queries: number, keys: number, rng: Rng): number[][][] {
  return Array.from({ length: heads }, () =>
    Array.from({ length: queries }, () => {
      const row = Array.from({ length: keys }, () => rng.next() ** 3);
      const sum = row.reduce((a, b) => a + b, 0);
      return row.map((v) => v / sum);
    }),
  );
}

test("arithmetic figures (notebook 03): attention maps, the addition grid, bars by base, digit similarity", { skip, timeout: 180_000 }, async () => {
  const rng = new Rng(7);
  const source = ["<sos>", "3", "8", "7", "+", "1", "2", "9", "<eos>"];
  const target = ["<sos>", "5", "1", "6", "<eos>"];
  const points = Array.from({ length: 400 }, () => {
    const a = Math.floor(rng.next() * 400);
    const b = Math.floor(rng.next() * 400);
    const wrong = a + b > 512 ? rng.next() < 0.7 : rng.next() < 0.05;
    return { a, b, firstCorrectBeam: wrong ? -1 : Math.floor(rng.next() ** 4 * 5) };
  });
  const digits = Array.from({ length: 10 }, () => Array.from({ length: 32 }, () => rng.next() - 0.5));
  const reports = await drawAndCheck("arithmetic", [
    attentionFigure(attentionWeights(4, source.length, source.length, rng), source, source, { title: "Encoder self-attention, layer 1 (n = 387 + 129)" }),
    attentionFigure(attentionWeights(4, target.length, source.length, rng), target, source, { title: "Cross-attention, layer 2" }),
    // the shipped factorization model: 8 heads, short base-60 sequences
    attentionFigure(attentionWeights(8, 7, 4, rng), ["<sos>", "7", "x", "11", "x", "13", "<eos>"], ["<sos>", "16", "41", "<eos>"], {
      title: "Cross-attention, 8 heads",
    }),
    additionGridFigure(points, { beams: 5, trainMax: 256 }),
    baseComparisonFigure([
      { base: 10, loss: 0.412 },
      { base: 2, loss: 0.731 },
      { base: 30, loss: 0.388 },
      { base: 60, loss: 0.523 },
    ]),
    embeddingSimilarityFigure(
      digits,
      digits.map((_, i) => String(i)),
    ),
  ]);
  assertClean(reports, 6);
});

test("training curves (notebooks 00, 05, 06): legends clear of the axis titles", { skip, timeout: 180_000 }, async () => {
  const steps = Array.from({ length: 60 }, (_, i) => i * 100);
  const records = steps.map((step, i) => ({
    step,
    loss: 3 * Math.exp(-i / 15) + 0.05,
    ...(i % 6 === 0
      ? {
          valLoss: 3.2 * Math.exp(-i / 14) + 0.08,
          valExactMatch: Math.min(0.97, i / 60),
          valEquivalent: Math.min(0.98, i / 58),
          valAzExactMatch: Math.min(0.9, i / 70),
        }
      : {}),
  }));
  const reports = await drawAndCheck("curves", [
    polynomialLearningCurveFigure(records, "Learning curve of poly-expansion"),
    lossCurves(
      {
        train: records.map((r) => ({ step: r.step, loss: r.loss })),
        validation: records.filter((r) => r.valLoss !== undefined).map((r) => ({ step: r.step, loss: r.valLoss! })),
      },
      { smoothing: 0.6, logY: true },
    ),
  ]);
  assertClean(reports, 2);
});

test(
  "polynomial EDA shares on a log axis (notebook 04) and next-term bars (notebook 08): readable ticks, legend clear",
  { skip, timeout: 180_000 },
  async () => {
    const eda = {
      pairs: 1_000_000,
      letters: "abcdhijknostxyz".split("").map((l, i) => [l, 60_000 + 9_000 * (i % 4)] as [string, number]),
      functions: [
        ["plain", 970_400],
        ["sin", 9_510],
        ["cos", 9_440],
        ["tan", 650],
      ],
    } as unknown as PolynomialEda;
    const group = (value: string, n: number, base: number) => ({
      by: "prefix",
      value,
      n,
      methods: Object.fromEntries(
        ["cascade", "lstm", "cascade+lstm", "frequency", "last-difference"].map((m, i) => [m, { top1: base / (i + 1), topk: base, coverage: 1 }]),
      ),
    });
    const scores = {
      k: 5,
      n: 1000,
      methods: Object.fromEntries(["cascade", "lstm", "cascade+lstm", "frequency", "last-difference"].map((m) => [m, { top1: 0.3, topk: 0.5, coverage: 0.9 }])),
      groups: [group("3–5", 200, 0.2), group("6–10", 300, 0.35), group("11–20", 300, 0.5), group("21+", 200, 0.6)],
    } as unknown as NextTermScores;
    const reports = await drawAndCheck("eda", [polynomialVariableFigure(eda), nextTermAccuracyFigure(scores, { by: "prefix" })]);
    assertClean(reports, 2);
  },
);
