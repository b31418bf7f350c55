/**
 * The numlab kernel in a live classic Jupyter Notebook, driven by headless Chromium as a person
 * would: each trainer's progress bar moves while it trains; Kernel → Interrupt (the menu) ends
 * the training cell within 1 s with "interrupted at step N", after which the kernel's CPU goes
 * idle; a cell stuck in `while (true) {}` after an await is ended within 1 s too; Shift-Tab inside
 * a call's argument list shows the function's signature. Times are reported as diagnostics
 * (docs/experiments/notebook-experience.md). NUMLAB_INTERRUPT_LIMIT_MS (default 1000) sets the
 * limit; NUMLAB_SKIP_BROWSER=1 skips.
 */
import { after, before, test, TestContext } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cpuSeconds, kernelPid, LiveNotebook, liveNotebookMissing, openLiveNotebook, REPO } from "./live-notebook";

const skip = liveNotebookMissing();
const LIMIT_MS = Number(process.env.NUMLAB_INTERRUPT_LIMIT_MS ?? 1000);
const screenshots = path.join(REPO, "out", "screenshots");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-live-runs-"));
const out = (name: string) => JSON.stringify(path.join(scratch, name));

/** Trainers told to run far longer than the test waits. */
const TRAINERS: { name: string; code: string }[] = [
  {
    name: "trainArithmetic",
    code:
      `await nl.trainArithmetic({ data: { task: "addition", max: 256 }, model: { hidden: 32, ffHidden: 64, heads: 2, encoderLayers: 1, decoderLayers: 1 }, ` +
      `train: { steps: 1000000, evalEvery: 1000000, evalSize: 16, batchSize: 32 }, out: ${out("arith")} })`,
  },
  { name: "trainLstm", code: `await nl.trainLstm({ out: ${out("lstm")}, config: { ...nl.LSTM_SMOKE_CONFIG, steps: 1000000 } })` },
  {
    name: "trainMakemore",
    code:
      "const names = nl.buildSplitDatasets(nl.splitWords(await nl.loadNames(), new nl.Rng(42)), 3);\n" +
      "await nl.trainMakemore(names.train, { blockSize: 3, embeddingDim: 10, hidden: 200, steps: 1000000, batchSize: 32 })",
  },
  {
    name: "trainPolynomial",
    code:
      `await nl.trainPolynomial({ data: { source: "generated", generated: 2000, splitSeed: 1 }, model: { hidden: 32, encoderLayers: 1, decoderLayers: 1, heads: 4, ffHidden: 64, dropout: 0 }, ` +
      `train: { steps: 1000000, batchSize: 64, evalEvery: 1000000, evalSize: 16, warmupSteps: 0, learningRate: 3e-3 }, out: ${out("poly")} })`,
  },
];
const SETUP = 'import * as nl from "numlab";\nawait nl.initBackend();';
const STUCK = "await Promise.resolve();\nwhile (true) {}";
const CALL = "nl.lossCurve([3, 2, 1], )";
const CELLS = [SETUP, ...TRAINERS.map((t) => t.code), STUCK, CALL];
const STUCK_CELL = 1 + TRAINERS.length;
const CALL_CELL = STUCK_CELL + 1;

let nb: LiveNotebook | null = null;

before(async () => {
  if (skip) return;
  assert.ok(fs.existsSync(path.join(REPO, "dist", "kernel", "main.js")), "dist/ is missing: run `npm run build` first");
  nb = await openLiveNotebook("kernel-live", CELLS);
  await run(0);
  const setup = await finished(0, 120_000);
  assert.doesNotMatch(setup, /Error/, setup);
});

after(async () => {
  await nb?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

type JupyterWindow = { Jupyter: { notebook: { execute_cells(i: number[]): void; kernel: { is_connected(): boolean } } } };

/** Run cell `i` as Shift-Enter would. */
async function run(i: number): Promise<void> {
  await nb!.page.evaluate((k) => (window as unknown as JupyterWindow).Jupyter.notebook.execute_cells([k]), i);
}

/** Wait until cell `i` has finished (its prompt shows a number, not `*`); its output text. */
async function finished(i: number, timeoutMs: number): Promise<string> {
  await nb!.page.waitForFunction(
    (k) => {
      const cell = document.querySelectorAll(".cell")[k as number];
      const prompt = cell?.querySelector(".input_prompt")?.textContent ?? "";
      return /\[\d+\]/.test(prompt);
    },
    i,
    { timeout: timeoutMs, polling: 10 },
  );
  return nb!.page.evaluate((k) => (document.querySelectorAll(".cell")[k] as HTMLElement).querySelector(".output_wrapper")?.textContent ?? "", i);
}

/**
 * Kernel → Interrupt, through the menu; milliseconds from the click on "Interrupt" until cell `i`
 * shows that it has ended (timed in the page: Playwright's own waits before a click do not count).
 */
async function interruptAndTime(i: number): Promise<{ ms: number; output: string }> {
  const page = nb!.page;
  await page.evaluate((k) => {
    const w = window as unknown as { __clicked?: number; __ended?: number };
    delete w.__clicked;
    delete w.__ended;
    document.querySelector("#int_kernel")!.addEventListener("click", () => (w.__clicked = performance.now()), { capture: true, once: true });
    const prompt = document.querySelectorAll(".cell")[k].querySelector(".input_prompt")!;
    const observer = new MutationObserver(() => {
      if (/\[\d+\]/.test(prompt.textContent ?? "") && w.__clicked !== undefined) {
        w.__ended = performance.now();
        observer.disconnect();
      }
    });
    observer.observe(prompt, { childList: true, subtree: true, characterData: true });
  }, i);
  await page.click("#kernellink");
  await page.click("#int_kernel");
  const output = await finished(i, 30_000);
  await page.waitForFunction(() => (window as unknown as { __ended?: number }).__ended !== undefined, null, { timeout: 5000 });
  const ms = await page.evaluate(() => {
    const w = window as unknown as { __clicked: number; __ended: number };
    return w.__ended - w.__clicked;
  });
  return { ms, output };
}

/** The distinct texts of cell `i`'s progress bar over `ms` milliseconds. */
async function progressTexts(i: number, ms: number): Promise<string[]> {
  const seen = new Set<string>();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const text = await nb!.page.evaluate((k) => (document.querySelectorAll(".cell")[k] as HTMLElement).querySelector(".numlab-progress")?.textContent ?? "", i);
    if (text) seen.add(text);
    await new Promise((r) => setTimeout(r, 100));
  }
  return [...seen];
}

function idleCpu(t: TestContext, label: string): Promise<number> {
  const pid = kernelPid(nb!.serverPid);
  assert.ok(pid, `no kernel process under the server:\n${nb!.log()}`);
  return new Promise((resolve) => {
    setTimeout(() => {
      const before = cpuSeconds(pid);
      setTimeout(() => {
        const used = cpuSeconds(pid) - before;
        t.diagnostic(`${label}: kernel CPU ${used.toFixed(2)} s in the 1.5 s after`);
        resolve(used);
      }, 1500);
    }, 300);
  });
}

test(
  "each trainer: its progress bar moves while it trains, Interrupt ends the cell within 1 s, then the CPU goes idle",
  { skip, timeout: 240_000 },
  async (t) => {
    for (let k = 0; k < TRAINERS.length; k++) {
      const cell = 1 + k;
      const { name } = TRAINERS[k];
      await run(cell);
      await nb!.page.waitForFunction((c) => (document.querySelectorAll(".cell")[c] as HTMLElement).querySelector(".numlab-progress"), cell, {
        timeout: 60_000,
      });
      const texts = await progressTexts(cell, 2000);
      t.diagnostic(`${name}: ${texts.length} progress texts in 2 s, the last: ${texts[texts.length - 1]}`);
      assert.ok(texts.length >= 3, `${name}: the progress bar did not move while training (${JSON.stringify(texts)})`);
      const { ms, output } = await interruptAndTime(cell);
      t.diagnostic(`${name}: the cell ended ${ms.toFixed(0)} ms after Kernel → Interrupt`);
      assert.match(output, /InterruptedError: interrupted at step \d+; (last checkpoint at step \d+|no checkpoint was saved)/, `${name}: ${output}`);
      assert.ok(ms <= LIMIT_MS, `${name}: ${ms.toFixed(0)} ms > ${LIMIT_MS} ms`);
      const cpu = await idleCpu(t, name);
      assert.ok(cpu < 0.15, `${name}: the kernel kept working after the interrupt (${cpu.toFixed(2)} s CPU in 1.5 s)`);
    }
    fs.mkdirSync(screenshots, { recursive: true });
    await nb!.page.screenshot({ path: path.join(screenshots, "kernel-live-interrupts.png"), fullPage: true });
  },
);

test("a cell stuck in a loop that never yields is ended within 1 s of Interrupt; the kernel runs the next cell", { skip, timeout: 120_000 }, async (t) => {
  await run(STUCK_CELL);
  await nb!.page.waitForTimeout(500);
  const { ms, output } = await interruptAndTime(STUCK_CELL);
  t.diagnostic(`stuck loop: the cell ended ${ms.toFixed(0)} ms after Kernel → Interrupt`);
  assert.match(output, /InterruptedError: interrupted: .*stopped where it stood/, output);
  assert.ok(ms <= LIMIT_MS, `${ms.toFixed(0)} ms > ${LIMIT_MS} ms`);
  const cpu = await idleCpu(t, "stuck loop");
  assert.ok(cpu < 0.15, `the kernel kept working (${cpu.toFixed(2)} s CPU in 1.5 s)`);
  await run(CALL_CELL); // the kernel is alive and answers: a figure
  await finished(CALL_CELL, 60_000);
  const error = await nb!.page.evaluate((k) => document.querySelectorAll(".cell")[k].querySelector(".output_error")?.textContent ?? null, CALL_CELL);
  assert.equal(error, null, `the next cell failed: ${error}`);
  // (the first figure of a session carries plotly.js, 3.5 MB: it may land after the reply)
  await nb!.page.waitForFunction((k) => document.querySelectorAll(".cell")[k].querySelector(".numlab-plot .main-svg"), CALL_CELL, { timeout: 60_000 });
});

test("Shift-Tab inside a call's argument list shows the function's signature and doc", { skip, timeout: 60_000 }, async () => {
  const page = nb!.page;
  await page.evaluate(
    ([k, ch]) => {
      const cell = (
        window as unknown as {
          Jupyter: { notebook: { get_cell(i: number): { code_mirror: { focus(): void; setCursor(p: { line: number; ch: number }): void } } } };
        }
      ).Jupyter.notebook.get_cell(k);
      cell.code_mirror.focus();
      cell.code_mirror.setCursor({ line: 0, ch });
    },
    [CALL_CELL, CALL.length - 1],
  );
  await page.keyboard.press("Shift+Tab");
  await page.waitForFunction(() => ((document.querySelector(".tooltiptext") as HTMLElement | null)?.innerText ?? "").includes("Signature"), null, {
    timeout: 20_000,
  });
  const text = await page.evaluate(() => (document.querySelector(".tooltiptext") as HTMLElement).innerText);
  await page.screenshot({ path: path.join(screenshots, "kernel-live-tooltip.png") });
  assert.match(text, /Signature: nl\.lossCurve\(points: .*options\?: nl\.LossCurveOptions\): nl\.Figure/);
  assert.match(text, /Argument 2: options\?: nl\.LossCurveOptions/);
  assert.match(text, /One loss curve/);
});
