/**
 * Execute notebooks headless through the `numlab` Jupyter kernel (Python's nbclient), write the
 * executed .ipynb and an HTML export (nbconvert) and report every error output. Used by
 * `numlab notebooks run`, `npm run notebooks` and the notebook/browser tests.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { isInstalledPackage } from "../data/download";

/** One error output (or a failure to run a cell at all). `cell` is the 0-based cell index, -1 if none. */
export interface NotebookCellError {
  cell: number;
  ename: string;
  evalue: string;
  /** Traceback or cell source excerpt, ANSI colors removed. */
  traceback: string;
}

export interface NotebookResult {
  /** Absolute path of the source notebook. */
  notebook: string;
  /** File name without .ipynb, e.g. "00-quickstart". */
  name: string;
  ok: boolean;
  errors: NotebookCellError[];
  /** Wall-clock seconds, kernel start included. */
  seconds: number;
  codeCells: number;
  /** Code cells the kernel finished executing (a cell that raised counts; cells after it do not run). */
  executedCells: number;
  /** Display outputs carrying a Plotly figure. */
  figures: number;
  smoke: boolean;
  /** Executed notebook and HTML export (null when not written). */
  ipynb: string | null;
  html: string | null;
  /** The last lines the Python runner and the kernel process printed (for diagnosis). */
  log: string;
}

export interface NotebookProgress {
  notebook: string;
  /** 0-based index of the cell that finished, and the number of cells. */
  cell: number;
  cells: number;
  seconds: number;
}

export interface RunNotebooksOptions {
  /** NUMLAB_SMOKE for the kernel: true → "1", false → "0", undefined → inherit the environment. */
  smoke?: boolean;
  /** Where executed notebooks and HTML go. Default `defaultNotebookOutDir(root)`. */
  outDir?: string;
  /** Notebooks to run (paths). Default: every `<root>/notebooks/*.ipynb`. */
  files?: string[];
  /** Keep only notebooks whose file name contains this text (or matches this RegExp). */
  filter?: string | RegExp | ((file: string) => boolean);
  /**
   * The numlab package root (holds notebooks/ and kernel-setup/): a repository checkout, or the
   * installed package in node_modules. Default: found from this file.
   */
  root?: string;
  /** Seconds one cell may run. Default 600 in smoke mode, 6 hours otherwise. */
  cellTimeoutSec?: number;
  /** Also export HTML. Default true. */
  html?: boolean;
  /**
   * Mark the executed notebooks as trusted (like `jupyter trust`), so Jupyter runs their HTML
   * outputs (the Plotly charts) when they are opened. Default false.
   */
  trust?: boolean;
  /** Kernel name. Default "numlab". */
  kernelName?: string;
  /** Python with Jupyter's nbclient. Default NUMLAB_PYTHON, else /usr/bin/python3, else python3. */
  python?: string;
  /** NUMLAB_DATA_DIR for the kernel. Default: the environment's, else `<root>/../shared/data` if present. */
  dataDir?: string;
  /** Extra environment for the kernel. */
  env?: NodeJS.ProcessEnv;
  /** Called after each cell. */
  onProgress?: (progress: NotebookProgress) => void;
  /** Called before each notebook starts. */
  onStart?: (notebook: string) => void;
  /** Called after each notebook. */
  onResult?: (result: NotebookResult) => void;
}

/**
 * The numlab package root: the nearest folder above this file with package.json named "numlab" (a
 * repository checkout, or `node_modules/numlab` when installed as a dependency; both ship notebooks/).
 */
export function repoRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: string }).name === "numlab") return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the numlab repository above ${start}`);
    dir = parent;
  }
}

/** The Python that runs nbclient. */
export function notebookPython(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NUMLAB_PYTHON) return env.NUMLAB_PYTHON;
  return fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

/**
 * Where executed notebooks go by default: `<root>/out/notebooks` in a repository checkout,
 * `<cwd>/out/notebooks` when numlab is installed as a dependency (never inside node_modules).
 */
export function defaultNotebookOutDir(root: string = repoRoot(), cwd: string = process.cwd()): string {
  return path.join(isInstalledPackage(root) ? path.resolve(cwd) : root, "out", "notebooks");
}

/** NUMLAB_DATA_DIR for notebooks: the environment's, else a `shared/data` folder beside a repository checkout. */
export function defaultNotebookDataDir(root: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NUMLAB_DATA_DIR) return env.NUMLAB_DATA_DIR;
  if (isInstalledPackage(root)) return undefined;
  const beside = path.resolve(root, "..", "shared", "data");
  return fs.existsSync(beside) ? beside : undefined;
}

function matches(file: string, filter: RunNotebooksOptions["filter"]): boolean {
  if (filter === undefined) return true;
  const base = path.basename(file);
  if (typeof filter === "string") return base.includes(filter);
  if (filter instanceof RegExp) return filter.test(base);
  return filter(file);
}

/** Notebooks under `<root>/notebooks`, sorted by name (00-…, 01-…), optionally filtered. */
export function findNotebooks(root: string = repoRoot(), filter?: RunNotebooksOptions["filter"]): string[] {
  const dir = path.join(root, "notebooks");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb") && !f.startsWith("."))
    .sort()
    .map((f) => path.join(dir, f))
    .filter((f) => matches(f, filter));
}

/**
 * The Python side. argv[1] is a JSON config; the result goes to config.result as JSON. Progress
 * lines on stdout start with "@@numlab " so they can be told apart from the kernel's own output.
 */
const RUNNER_PY = String.raw`
import json, os, re, signal, sys, time
cfg = json.loads(sys.argv[1])
client = None
def stop(signum, frame):
    # Stopped from outside (test timeout, parent exit): take the kernel down with us.
    try:
        proc = getattr(getattr(getattr(client, "km", None), "provisioner", None), "process", None)
        if proc is not None:
            proc.kill()
    finally:
        os._exit(128 + signum)
signal.signal(signal.SIGTERM, stop)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
result = {"errors": [], "codeCells": 0, "executedCells": 0, "figures": 0, "ipynb": None, "html": None}
def add_error(cell, ename, evalue, tb=""):
    result["errors"].append({"cell": cell, "ename": str(ename), "evalue": ANSI.sub("", str(evalue)), "traceback": ANSI.sub("", tb)[-4000:]})
def finish():
    with open(cfg["result"], "w") as f:
        json.dump(result, f)
    sys.exit(0)
try:
    import nbformat
    from nbclient import NotebookClient
except ImportError as e:
    add_error(-1, "MissingJupyter", "%s (with %s). Install Jupyter: apt-get install python3-nbclient jupyter-nbconvert, or pip install nbclient nbconvert" % (e, sys.executable))
    finish()
nb = nbformat.read(cfg["notebook"], as_version=4)
code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
result["codeCells"] = len(code_cells)
t0 = time.time()
def on_complete(cell, cell_index, **kw):
    print("@@numlab cell %d %d %.3f" % (cell_index, len(nb.cells), time.time() - t0), flush=True)
# store_widget_state: the widgets' state goes to metadata.widgets (application/vnd.jupyter.widget-state+json)
client = NotebookClient(nb, kernel_name=cfg["kernel"], timeout=cfg["timeout"], startup_timeout=180,
                        allow_errors=False, record_timing=True, on_cell_complete=on_complete, store_widget_state=True,
                        resources={"metadata": {"path": os.path.dirname(os.path.abspath(cfg["notebook"]))}})
failure = None
try:
    client.execute()
except Exception as e:
    if type(e).__name__ != "CellExecutionError":
        failure = e
def started(cell):
    ex = cell.get("metadata", {}).get("execution", {})
    return "iopub.status.busy" in ex or "iopub.execute_input" in ex
for i in code_cells:
    cell = nb.cells[i]
    if cell.get("execution_count") is not None and "shell.execute_reply" in cell.get("metadata", {}).get("execution", {}):
        result["executedCells"] += 1
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            add_error(i, out.get("ename", "Error"), out.get("evalue", ""), "\n".join(out.get("traceback", [])))
        elif "application/vnd.plotly.v1+json" in out.get("data", {}):
            result["figures"] += 1
if failure is not None:  # a timeout, a dead kernel, a kernel that never started: report it first
    last = max([i for i in code_cells if started(nb.cells[i])], default=-1)
    message = str(failure).strip()[:2000] or repr(failure)
    if type(failure).__name__ == "NoSuchKernel":
        message += " (looked in JUPYTER_PATH=%s; the kernelspec lives in kernel-setup/kernels/)" % os.environ.get("JUPYTER_PATH", "")
    add_error(last, type(failure).__name__, message)
    result["errors"].insert(0, result["errors"].pop())
if result["executedCells"] < len(code_cells) and not result["errors"]:
    add_error(-1, "Incomplete", "only %d of %d code cells ran" % (result["executedCells"], len(code_cells)))
os.makedirs(cfg["outDir"], exist_ok=True)
name = os.path.splitext(os.path.basename(cfg["notebook"]))[0]
ipynb = os.path.join(cfg["outDir"], name + ".ipynb")
if cfg["trust"]:
    try:
        from nbformat.sign import NotebookNotary
        NotebookNotary().sign(nb)
    except Exception as e:
        print("numlab: could not mark %s as trusted: %s" % (name, e), file=sys.stderr)
nbformat.write(nb, ipynb)
result["ipynb"] = ipynb
if cfg["html"]:
    try:
        import copy
        from nbconvert import HTMLExporter
        # With widget state in the metadata nbconvert shows widgets through a script from unpkg.com;
        # without it, the static snapshot numlab puts in each widget's text/html (works offline).
        page = copy.deepcopy(nb)
        page.metadata.pop("widgets", None)
        body, _ = HTMLExporter().from_notebook_node(page, resources={"metadata": {"name": name}})
        html = os.path.join(cfg["outDir"], name + ".html")
        with open(html, "w", encoding="utf-8") as f:
            f.write(body)
        result["html"] = html
    except Exception as e:
        add_error(-1, "HtmlExport", "%s: %s" % (type(e).__name__, e))
finish()
`;

/** Runner processes still going; stopped if this process exits first (e.g. a test timed out). */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  running.add(child);
  child.once("close", () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const c of running) c.kill("SIGTERM");
    });
  }
}

function tail(text: string, lines: number): string {
  return text.split("\n").slice(-lines).join("\n");
}

/** Execute one notebook (see `runNotebooks` for options). Never throws for notebook errors. */
export async function executeNotebook(file: string, options: RunNotebooksOptions = {}): Promise<NotebookResult> {
  const root = options.root ?? repoRoot();
  const notebook = path.resolve(file);
  const name = path.basename(notebook, ".ipynb");
  const outDir = path.resolve(options.outDir ?? defaultNotebookOutDir(root));
  const smoke = options.smoke ?? /^(1|true|yes)$/i.test((process.env.NUMLAB_SMOKE ?? "").trim());
  const timeout = options.cellTimeoutSec ?? (smoke ? 600 : 6 * 3600);
  fs.mkdirSync(outDir, { recursive: true });
  const resultFile = path.join(outDir, `.${name}.result-${process.pid}.json`);
  fs.rmSync(resultFile, { force: true });

  const env: NodeJS.ProcessEnv = { ...process.env, ...(options.env ?? {}) };
  const kernelDir = path.join(root, "kernel-setup");
  env.JUPYTER_PATH = env.JUPYTER_PATH ? `${kernelDir}${path.delimiter}${env.JUPYTER_PATH}` : kernelDir;
  if (options.smoke !== undefined) env.NUMLAB_SMOKE = options.smoke ? "1" : "0";
  const dataDir = options.dataDir ?? defaultNotebookDataDir(root, env);
  if (dataDir) env.NUMLAB_DATA_DIR = dataDir;
  env.PYTHONUNBUFFERED = "1";

  const config = {
    notebook,
    outDir,
    result: resultFile,
    kernel: options.kernelName ?? "numlab",
    timeout,
    html: options.html ?? true,
    trust: options.trust ?? false,
  };
  const start = performance.now();
  const python = options.python ?? notebookPython(env);
  let log = "";
  let spawnError: Error | null = null;
  const exitCode = await new Promise<number | null>((resolve) => {
    const child = spawn(python, ["-c", RUNNER_PY, JSON.stringify(config)], {
      cwd: path.dirname(notebook),
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    track(child);
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const m = /^@@numlab cell (\d+) (\d+) ([\d.]+)$/.exec(line);
        if (m) options.onProgress?.({ notebook, cell: Number(m[1]), cells: Number(m[2]), seconds: Number(m[3]) });
        else log = tail(log + line + "\n", 60);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      log = tail(log + chunk.toString("utf8"), 60);
    });
    child.on("error", (err) => {
      spawnError = err;
    });
    child.on("close", (code) => resolve(code));
  });
  const seconds = (performance.now() - start) / 1000;

  const base = { notebook, name, seconds, smoke, log };
  let parsed: Omit<NotebookResult, "notebook" | "name" | "seconds" | "smoke" | "log" | "ok"> | null = null;
  if (fs.existsSync(resultFile)) {
    parsed = JSON.parse(fs.readFileSync(resultFile, "utf8"));
    fs.rmSync(resultFile, { force: true });
  }
  if (!parsed) {
    const why = spawnError
      ? `cannot start ${python}: ${(spawnError as Error).message} (set NUMLAB_PYTHON to a Python with nbclient)`
      : `the notebook runner (${python}) exited with code ${exitCode} without a result:\n${tail(log, 20)}`;
    const errors = [{ cell: -1, ename: "RunnerFailed", evalue: why, traceback: "" }];
    return { ...base, ok: false, errors, codeCells: 0, executedCells: 0, figures: 0, ipynb: null, html: null };
  }
  return { ...base, ...parsed, ok: parsed.errors.length === 0 };
}

/** Execute notebooks one after another (they share the machine's cores). */
export async function runNotebooks(options: RunNotebooksOptions = {}): Promise<NotebookResult[]> {
  const root = options.root ?? repoRoot();
  const files = (options.files ?? findNotebooks(root)).filter((f) => matches(f, options.filter));
  const results: NotebookResult[] = [];
  for (const file of files) {
    options.onStart?.(file);
    const result = await executeNotebook(file, { ...options, root });
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}

/** A readable account of a notebook's errors: "00-quickstart.ipynb cell 4: TypeError: …" (1-based cells). */
export function formatNotebookErrors(result: NotebookResult): string {
  return result.errors
    .map((e) => {
      const where = e.cell >= 0 ? `cell ${e.cell + 1}` : "notebook";
      const detail = e.traceback ? `\n${e.traceback}` : "";
      return `${path.basename(result.notebook)} ${where}: ${e.ename}: ${e.evalue}${detail}`;
    })
    .join("\n\n");
}
