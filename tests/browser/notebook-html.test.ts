/**
 * The executed notebooks' HTML exports (nbconvert), opened in headless Chromium with the network
 * cut off: every Plotly figure must have drawn its SVG, pass the layout checks of
 * ./chart-checks.ts (colour bars, axis ranges against the data, legends clear of titles, tick
 * labels apart, labels not clipped) and the page must log no errors. Screenshots go to
 * out/screenshots/. Uses the smoke runs of tests/notebooks when they are newer than the build,
 * else executes the notebook first. Needs Debian's `chromium` (NUMLAB_CHROMIUM overrides the path);
 * NUMLAB_SKIP_BROWSER=1 skips.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium, BrowserContext } from "playwright-core";
import { formatNotebookErrors } from "../../src/notebooks/run";
import { NOTEBOOK_TIMEOUT_MS, root, smokeResult, testNotebooks } from "../notebooks/smoke-run";
import { chartCheckScript, FigureReport } from "./chart-checks";

const executablePath = process.env.NUMLAB_CHROMIUM ?? "/usr/bin/chromium";
const skip = process.env.NUMLAB_SKIP_BROWSER === "1" || process.env.NUMLAB_SKIP_NOTEBOOKS === "1" ? "NUMLAB_SKIP_BROWSER=1" : false;
const screenshots = path.join(root, "out", "screenshots");
/** How long Plotly may take to draw after the page loaded (a 5 MB page on a busy machine). */
const DRAW_TIMEOUT_MS = 90_000;

/** Template assets nbconvert may reference by URL (CDN on pip installs): allowed to be blocked. */
const TEMPLATE_ASSETS = /require(\.min)?\.js|mathjax|jquery/i;

let context: BrowserContext | null = null;
let userDataDir = "";

before(async () => {
  if (skip) return;
  assert.ok(fs.existsSync(executablePath), `Chromium not found at ${executablePath} (apt-get install chromium, or set NUMLAB_CHROMIUM)`);
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-chromium-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
  });
  fs.mkdirSync(screenshots, { recursive: true });
});

after(async () => {
  await context?.close();
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
});

interface PlotState {
  id: string;
  drawn: boolean;
  width: number;
  height: number;
}

const notebooks = testNotebooks();

test("there is at least one notebook to open in the browser", () => {
  assert.ok(notebooks.length > 0, "notebooks/ is empty");
});

for (const notebook of notebooks) {
  const name = path.basename(notebook, ".ipynb");
  test(
    `${name}: HTML export draws every Plotly figure offline, laid out cleanly, no console errors`,
    { skip, timeout: NOTEBOOK_TIMEOUT_MS + 180_000 },
    async (t) => {
      const result = await smokeResult(notebook);
      assert.ok(result.ok, `the notebook itself failed (see the notebook test):\n${formatNotebookErrors(result)}`);
      assert.ok(result.html && fs.existsSync(result.html), `${name}: no HTML export`);
      if (name === "00-quickstart") assert.ok(result.figures >= 1, "the quickstart should show at least one Plotly figure");

      const page = await context!.newPage();
      const errors: string[] = [];
      const blocked: string[] = [];
      page.on("console", (msg) => {
        if (msg.type() === "error") errors.push(`console: ${msg.text()} (${msg.location().url || "page"})`);
      });
      page.on("pageerror", (err) => errors.push(`page error: ${err.message}`));
      // No network: anything that is not a local file is refused and recorded.
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (/^(file|data|blob|about):/.test(url)) return route.continue();
        blocked.push(url);
        return route.abort("internetdisconnected");
      });
      try {
        await page.goto(`file://${result.html}`, { waitUntil: "load", timeout: DRAW_TIMEOUT_MS });
        const count = await page.locator(".numlab-plot").count();
        assert.equal(count, result.figures, `${name}: ${result.figures} Plotly outputs in the notebook but ${count} figure divs in the HTML`);
        if (count > 0) {
          await page
            .waitForFunction(() => Array.from(document.querySelectorAll(".numlab-plot")).every((el) => el.querySelector(".main-svg")), null, {
              timeout: DRAW_TIMEOUT_MS,
            })
            .catch(() => undefined); // reported per figure below
        }
        const plots: PlotState[] = await page.evaluate(() =>
          Array.from(document.querySelectorAll(".numlab-plot")).map((el) => {
            const svg = el.querySelector(".main-svg");
            const box = svg?.getBoundingClientRect();
            return { id: el.id, drawn: Boolean(svg), width: box?.width ?? 0, height: box?.height ?? 0 };
          }),
        );
        await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });

        const undrawn = plots.filter((p) => !p.drawn || p.width < 50 || p.height < 50);
        assert.deepEqual(undrawn, [], `${name}: figures without a drawn SVG`);
        const reports = (await page.evaluate(chartCheckScript())) as FigureReport[];
        for (const r of reports) t.diagnostic(`${r.figure}: ${r.problems.length ? r.problems.join("; ") : "clean"}`);
        const flawed = reports.filter((r) => r.problems.length > 0).map((r) => `${r.figure}: ${r.problems.join("; ")}`);
        assert.deepEqual(flawed, [], `${name}: figures with layout flaws (screenshot: out/screenshots/${name}.png)`);
        const network = blocked.filter((url) => !TEMPLATE_ASSETS.test(url));
        assert.deepEqual(network, [], `${name}: the page tried to use the network`);
        const pageErrors = errors.filter((e) => !blocked.some((url) => TEMPLATE_ASSETS.test(url) && e.includes(url)));
        assert.deepEqual(pageErrors, [], `${name}: the page logged errors`);
      } finally {
        await page.close();
      }
    },
  );
}
