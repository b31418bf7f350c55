/**
 * Widgets live: a Jupyter Notebook server (Debian's jupyter-notebook with its widgets extension,
 * jupyter-nbextension-jupyter-js-widgets, which speaks widget protocol 1) runs the numlab kernel;
 * headless Chromium opens a notebook, runs it, and moves a slider / types in a box. The output must
 * change within NUMLAB_WIDGET_LATENCY_MS (default 1000 ms) of the input, for plain controls and
 * for the three walkthrough widgets (notebooks 02, 03 and 06). Skips, saying why, without Chromium,
 * the notebook server or the widgets extension; NUMLAB_SKIP_BROWSER=1 skips too.
 */
import { after, before, test, TestContext } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { chromium, BrowserContext, Page } from "playwright-core";

const REPO = path.resolve(__dirname, "..", "..");
const PYTHON = process.env.NUMLAB_PYTHON ?? "/usr/bin/python3";
const executablePath = process.env.NUMLAB_CHROMIUM ?? "/usr/bin/chromium";
const EXTENSION = "/usr/share/jupyter/nbextensions/jupyter-js-widgets/extension.js";
const LATENCY_MS = Number(process.env.NUMLAB_WIDGET_LATENCY_MS ?? 1000);
const screenshots = path.join(REPO, "out", "screenshots");

function whyMissing(): string | false {
  if (process.env.NUMLAB_SKIP_BROWSER === "1") return "NUMLAB_SKIP_BROWSER=1";
  if (!fs.existsSync(executablePath)) return `Chromium not found at ${executablePath} (apt-get install chromium, or set NUMLAB_CHROMIUM)`;
  if (!fs.existsSync(PYTHON) || spawnSync(PYTHON, ["-c", "import notebook, jupyter_client"]).status !== 0) {
    return `${PYTHON} lacks the Jupyter Notebook server (apt-get install jupyter-notebook)`;
  }
  if (!fs.existsSync(EXTENSION))
    return `the classic Notebook's widgets extension is missing (apt-get install jupyter-nbextension-jupyter-js-widgets python3-widgetsnbextension)`;
  return false;
}
const skip = whyMissing();

const dist = (p: string) => JSON.stringify(path.join(REPO, "dist", p));
/** The test notebook: plain controls, then the three walkthrough widgets on small or shipped models. */
const CELLS = [
  `import * as w from ${dist("widgets")};\nimport * as nli from ${dist("internal")};\nawait nli.initBackend();`,
  `w.interact(({ k }) => nli.table([{ k, square: k * k }]), { k: new w.IntSlider({ value: 3, max: 10, description: "k" }) }, { debounceMs: 30 })`,
  `w.interact(({ s }) => console.log(\`typed: \${s.toUpperCase()}\`), { s: new w.Text({ value: "abc", description: "s" }) }, { debounceMs: 30 })`,
  `w.nextIntegerExplorer(nli.loadLstmModel(nli.shippedLstmRunDir()!).model, { sequence: "1, 2, 3" })`,
  `const factorDir = nli.shippedArithmeticRunDir("factorization");\nfactorDir ? w.factorizationExplorer(nli.loadArithmeticRun(factorDir), { n: 1001, beams: 3 }) : "no shipped factorization model"`,
  `w.nameSampler(nli.createMlpLm({ blockSize: 3, embeddingDim: 8, hidden: 32, seed: 1, init: "randn" }), { count: 6 })`,
];

let work = "";
let server: ChildProcess | null = null;
let serverLog = "";
let context: BrowserContext | null = null;
let page: Page | null = null;
let base = "";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForServer(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (server?.exitCode !== null && server?.exitCode !== undefined) throw new Error(`the notebook server exited (${server.exitCode}):\n${serverLog}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the notebook server did not answer within ${timeoutMs} ms:\n${serverLog}`);
}

before(async () => {
  if (skip) return;
  assert.ok(fs.existsSync(path.join(REPO, "dist", "widgets", "index.js")), "dist/widgets is missing: run `npm run build` first");
  work = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-widgets-browser-"));
  const nbDir = path.join(work, "notebooks");
  fs.mkdirSync(nbDir);
  const notebook = {
    cells: CELLS.map((source) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { name: "numlab", display_name: "TypeScript (numlab)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(path.join(nbDir, "widgets.ipynb"), JSON.stringify(notebook));
  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const env = {
    ...process.env,
    JUPYTER_PATH: path.join(REPO, "kernel-setup"), // the repository's kernelspec is the `numlab` kernel
    JUPYTER_CONFIG_DIR: path.join(work, "config"), // no user config; /etc/jupyter enables the widgets extension
    JUPYTER_RUNTIME_DIR: path.join(work, "runtime"),
    NUMLAB_SMOKE: "1",
  };
  const args = ["-m", "notebook", "--no-browser", "--ip=127.0.0.1", `--port=${port}`, `--NotebookApp.token=${token}`, `--notebook-dir=${nbDir}`];
  if (process.getuid?.() === 0) args.push("--allow-root");
  server = spawn(PYTHON, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const keep = (chunk: Buffer) => (serverLog = (serverLog + chunk.toString("utf8")).slice(-20_000));
  server.stdout!.on("data", keep);
  server.stderr!.on("data", keep);
  base = `http://127.0.0.1:${port}`;
  await waitForServer(`${base}/api?token=${token}`, 30_000);
  context = await chromium.launchPersistentContext(path.join(work, "chromium"), {
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 1400 },
  });
  page = await context.newPage();
  await page.goto(`${base}/notebooks/widgets.ipynb?token=${token}`);
});

after(async () => {
  await context?.close().catch(() => undefined);
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once("exit", r));
    server.kill("SIGTERM"); // the server shuts its kernels down
    await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
    if (server.exitCode === null) server.kill("SIGKILL");
  }
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** The text of one cell's widget area (where the classic Notebook puts widgets). */
function cellText(index: number): Promise<string> {
  return page!.evaluate((i) => {
    const area = document.querySelectorAll(".cell")[i]?.querySelector(".widget-area");
    return area ? (area as HTMLElement).innerText : "";
  }, index);
}

/** Do `act`, then wait until the cell's widget text contains `want`; the time it took. */
async function timed(index: number, act: () => Promise<void>, want: string, timeoutMs = 20_000): Promise<number> {
  const t0 = performance.now();
  await act();
  await page!.waitForFunction(
    ([i, w]) => ((document.querySelectorAll(".cell")[i as number]?.querySelector(".widget-area") as HTMLElement | null)?.innerText ?? "").includes(w as string),
    [index, want],
    { timeout: timeoutMs, polling: 10 },
  );
  return performance.now() - t0;
}

function record(t: TestContext, what: string, ms: number): void {
  t.diagnostic(`${what}: output changed ${ms.toFixed(0)} ms after the input`);
  assert.ok(ms <= LATENCY_MS, `${what}: ${ms.toFixed(0)} ms > ${LATENCY_MS} ms`);
}

test("the notebook runs in a live server and every widget renders (classic Notebook, widget protocol 1)", { skip, timeout: 120_000 }, async () => {
  const errors: string[] = [];
  page!.on("pageerror", (e) => errors.push(e.message));
  page!.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await page!.waitForFunction(
    () => (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected?(): boolean } } } }).Jupyter?.notebook?.kernel?.is_connected?.() === true,
    null,
    {
      timeout: 60_000,
    },
  );
  // The widget manager's version handshake happens when the kernel connects.
  await page!.waitForTimeout(500);
  await page!.evaluate(() => (window as unknown as { Jupyter: { notebook: { execute_all_cells(): void } } }).Jupyter.notebook.execute_all_cells());
  await page!.waitForFunction(
    (n) => {
      const cells = document.querySelectorAll(".cell");
      for (let i = 1; i < n; i++) if (!cells[i]?.querySelector(".widget-area .widget-subarea *")) return false;
      return true;
    },
    CELLS.length,
    { timeout: 90_000 },
  );
  await page!.waitForFunction(
    () => (document.querySelectorAll(".cell")[5]?.querySelector(".widget-area") as HTMLElement | null)?.innerText.includes("seed 0"),
    null,
    { timeout: 30_000 },
  );
  fs.mkdirSync(screenshots, { recursive: true });
  await page!.screenshot({ path: path.join(screenshots, "widgets-live.png"), fullPage: true });
  assert.match(await cellText(1), /k\s+square\s+3\s+9/);
  assert.match(await cellText(2), /typed: ABC/);
  assert.match(await cellText(3), /the 5 most probable next integers after 1, 2, 3:/);
  const factor = await cellText(4);
  if (!/no shipped factorization model/.test(await page!.evaluate(() => (document.querySelectorAll(".cell")[4] as HTMLElement).innerText))) {
    assert.match(factor, /n = 1001 \(base 60: 16\.41\) = 7 x 11 x 13; 3 beams:/);
  }
  assert.match(await cellText(5), /temperature 1\.00, seed 0/);
  const widgetErrors = errors.filter((e) => /widget|model|comm/i.test(e));
  assert.deepEqual(widgetErrors, [], "the page logged widget errors");
  const log = await page!.evaluate(() => document.querySelectorAll(".output_error").length);
  assert.equal(log, 0, "no cell failed");
});

test("moving a slider and typing in a box reach the kernel and change the output", { skip, timeout: 60_000 }, async (t) => {
  const handle = page!.locator(".cell").nth(1).locator(".ui-slider-handle").first();
  for (const k of [4, 5, 6]) {
    await handle.focus();
    record(t, `slider to ${k}`, await timed(1, () => handle.press("ArrowRight"), `${k}\t${k * k}`));
  }
  const box = page!.locator(".cell").nth(2).locator(".widget-text input").first();
  await box.click();
  await box.press("End");
  record(t, "typing xyz", await timed(2, () => box.type("xyz", { delay: 20 }), "typed: ABCXYZ"));
});

test("the walkthrough widgets respond: sequence box (02), number box and beam slider (03), temperature slider (06)", { skip, timeout: 90_000 }, async (t) => {
  // 02: type a sequence, the top-k table follows
  const seq = page!.locator(".cell").nth(3).locator(".widget-text input").first();
  await seq.click();
  await seq.press("End");
  record(t, "02 sequence box", await timed(3, () => seq.type(", 4", { delay: 20 }), "after 1, 2, 3, 4:"));
  const kHandle = page!.locator(".cell").nth(3).locator(".ui-slider-handle").first();
  await kHandle.focus();
  record(t, "02 top-k slider", await timed(3, () => kHandle.press("ArrowRight"), "the 6 most probable"));

  // 03: a new number and more beams
  if (!(await cellText(4)).includes("no shipped")) {
    const n = page!.locator(".cell").nth(4).locator(".widget-text input").first();
    await n.click();
    await n.fill("");
    record(t, "03 number box", await timed(4, () => n.type("360", { delay: 20 }), "n = 360 (base 60: 6.0) = 2 x 2 x 2 x 3 x 3 x 5"));
    const beams = page!.locator(".cell").nth(4).locator(".ui-slider-handle").first();
    await beams.focus();
    record(t, "03 beam slider", await timed(4, () => beams.press("ArrowRight"), "4 beams:"));
  }

  // 06: temperature and seed sliders
  const [temperature, seed] = [0, 1].map((i) => page!.locator(".cell").nth(5).locator(".ui-slider-handle").nth(i));
  await temperature.focus();
  record(t, "06 temperature slider", await timed(5, () => temperature.press("ArrowRight"), "temperature 1.05, seed 0"));
  await seed.focus();
  record(t, "06 seed slider", await timed(5, () => seed.press("ArrowRight"), "temperature 1.05, seed 1"));
  await page!.screenshot({ path: path.join(screenshots, "widgets-live-after.png"), fullPage: true });
});
