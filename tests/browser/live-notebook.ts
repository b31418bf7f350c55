/**
 * A live classic Jupyter Notebook (Debian's jupyter-notebook) on 127.0.0.1 running the numlab
 * kernel from this checkout, with one notebook open in headless Chromium: what a person clicks.
 * Used by the browser tests that drive cells, Kernel → Interrupt and tooltips.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { chromium, BrowserContext, Page } from "playwright-core";

export const REPO = path.resolve(__dirname, "..", "..");
const PYTHON = process.env.NUMLAB_PYTHON ?? "/usr/bin/python3";
const executablePath = process.env.NUMLAB_CHROMIUM ?? "/usr/bin/chromium";

/** Why a live notebook cannot run here (a skip message), or false. */
export function liveNotebookMissing(): string | false {
  if (process.env.NUMLAB_SKIP_BROWSER === "1") return "NUMLAB_SKIP_BROWSER=1";
  if (!fs.existsSync(executablePath)) return `Chromium not found at ${executablePath} (apt-get install chromium, or set NUMLAB_CHROMIUM)`;
  if (!fs.existsSync(PYTHON) || spawnSync(PYTHON, ["-c", "import notebook, jupyter_client"]).status !== 0) {
    return `${PYTHON} lacks the Jupyter Notebook server (apt-get install jupyter-notebook)`;
  }
  return false;
}

export interface LiveNotebook {
  page: Page;
  /** The notebook server's process id (the kernel is its child). */
  serverPid: number;
  /** The server's log so far (for failure messages). */
  log(): string;
  close(): Promise<void>;
}

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

/**
 * Start a Notebook server on a notebook made of `cells` and open it; resolves once the kernel is
 * connected. The notebook lives under out/test/live/ in this checkout, so its cells import
 * `numlab` as a user's notebook does (node_modules/numlab links the checkout).
 */
export async function openLiveNotebook(name: string, cells: string[], env: Record<string, string> = {}): Promise<LiveNotebook> {
  fs.mkdirSync(path.join(REPO, "out", "test", "live"), { recursive: true });
  const work = fs.mkdtempSync(path.join(REPO, "out", "test", "live", `${name}-`));
  const nbDir = path.join(work, "notebooks");
  fs.mkdirSync(nbDir);
  const notebook = {
    cells: cells.map((source) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { name: "numlab", display_name: "TypeScript (numlab)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(path.join(nbDir, `${name}.ipynb`), JSON.stringify(notebook));
  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const serverEnv = {
    ...process.env,
    JUPYTER_PATH: path.join(REPO, "kernel-setup"), // the repository's kernelspec is the `numlab` kernel
    JUPYTER_CONFIG_DIR: path.join(work, "config"),
    JUPYTER_RUNTIME_DIR: path.join(work, "runtime"),
    NUMLAB_SMOKE: "1",
    ...env,
  };
  const args = ["-m", "notebook", "--no-browser", "--ip=127.0.0.1", `--port=${port}`, `--NotebookApp.token=${token}`, `--notebook-dir=${nbDir}`];
  if (process.getuid?.() === 0) args.push("--allow-root");
  const server: ChildProcess = spawn(PYTHON, args, { env: serverEnv, stdio: ["ignore", "pipe", "pipe"] });
  let serverLog = "";
  const keep = (chunk: Buffer) => (serverLog = (serverLog + chunk.toString("utf8")).slice(-20_000));
  server.stdout!.on("data", keep);
  server.stderr!.on("data", keep);
  let context: BrowserContext | null = null;
  const close = async () => {
    await context?.close().catch(() => undefined);
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once("exit", r));
      server.kill("SIGTERM"); // the server shuts its kernels down
      await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
      if (server.exitCode === null) server.kill("SIGKILL");
    }
    fs.rmSync(work, { recursive: true, force: true });
  };
  try {
    const base = `http://127.0.0.1:${port}`;
    const end = Date.now() + 30_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`the notebook server exited (${server.exitCode}):\n${serverLog}`);
      const ok = await fetch(`${base}/api?token=${token}`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > end) throw new Error(`the notebook server did not answer within 30 s:\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 250));
    }
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
    const page = await context.newPage();
    await page.goto(`${base}/notebooks/${name}.ipynb?token=${token}`);
    await page.waitForFunction(
      () => (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected?(): boolean } } } }).Jupyter?.notebook?.kernel?.is_connected?.() === true,
      null,
      { timeout: 60_000 },
    );
    return { page, serverPid: server.pid!, log: () => serverLog, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The kernel process of the server (its child running dist/kernel/main.js), or null. Reads /proc (Linux). */
export function kernelPid(serverPid: number): number | null {
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = Number(fs.readFileSync(`/proc/${entry}/stat`, "utf8").split(") ").pop()!.split(" ")[1]);
      if (parent === serverPid && fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("kernel/main.js")) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  return null;
}

/** CPU seconds (user + system) a process has used. */
export function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ").pop()!.split(" ");
  const ticks = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}
