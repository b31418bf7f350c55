import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { Command, intOption } from "../command";
import { isSmoke } from "../../smoke";
import { defaultNotebookOutDir, findNotebooks, formatNotebookErrors, repoRoot, runNotebooks, NotebookResult } from "../../notebooks/run";

const usage = `numlab notebooks run [--smoke] [--out DIR] [--cell-timeout SEC] [--no-html] [notebooks...]

Execute notebooks headless through the numlab Jupyter kernel (Python's nbclient; set NUMLAB_PYTHON to
choose the Python, default /usr/bin/python3) and write each executed .ipynb plus an HTML export
into DIR; the executed notebooks are marked trusted so Jupyter draws their charts when opened.
Exits with 1 if any cell produced an error output.

  notebooks          paths, or parts of names ("03", "quickstart"); default: every notebook numlab ships
                     (its notebooks/ folder, also when numlab is installed as a dependency)
  --smoke            tiny configurations (NUMLAB_SMOKE=1); otherwise full runs unless NUMLAB_SMOKE is set
  --out DIR          output folder (default out/notebooks: in the repository checkout, or in the
                     current folder when numlab is installed as a dependency)
  --cell-timeout SEC seconds one cell may run (default 600 with --smoke, 21600 otherwise)
  --no-html          skip the HTML export

NUMLAB_DATA_DIR is passed on; when unset and a shared/data folder sits beside the repository checkout
it is used. Notebooks 00-02 import danfojs-node: in a project that depends on numlab, install it too.`;

export const notebooksRunCommand: Command = {
  name: "notebooks run",
  summary: "execute notebooks headless (smoke or full) into executed .ipynb + HTML",
  usage,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        smoke: { type: "boolean" },
        out: { type: "string" },
        "cell-timeout": { type: "string" },
        "no-html": { type: "boolean" },
      },
    });
    const root = repoRoot();
    const smoke = Boolean(values.smoke) || isSmoke();
    const outDir = path.resolve(values.out ?? defaultNotebookOutDir(root));
    const cellTimeoutSec = values["cell-timeout"] === undefined ? undefined : intOption(values["cell-timeout"], "--cell-timeout", undefined, 1);

    let files: string[];
    if (positionals.length === 0) {
      files = findNotebooks(root);
    } else {
      files = [];
      for (const arg of positionals) {
        const found = fs.existsSync(arg) && arg.endsWith(".ipynb") ? [path.resolve(arg)] : findNotebooks(root, arg);
        if (found.length === 0) throw new Error(`no notebook matches "${arg}" (looked in ${path.join(root, "notebooks")})`);
        for (const f of found) if (!files.includes(f)) files.push(f);
      }
    }
    if (files.length === 0) throw new Error(`no notebooks found in ${path.join(root, "notebooks")}`);

    process.stderr.write(`numlab notebooks: ${files.length} notebook(s), ${smoke ? "smoke" : "full"} mode → ${outDir}\n`);
    const tty = Boolean(process.stderr.isTTY);
    const results: NotebookResult[] = await runNotebooks({
      root,
      files,
      smoke,
      outDir,
      cellTimeoutSec,
      html: !values["no-html"],
      trust: true,
      onStart: (file) => process.stderr.write(`▶ ${path.basename(file)}${tty ? "" : "\n"}`),
      onProgress: (p) => {
        if (tty) process.stderr.write(`\r▶ ${path.basename(p.notebook)}  cell ${p.cell + 1}/${p.cells}  ${p.seconds.toFixed(0)} s\x1b[K`);
      },
      onResult: (r) => {
        const status = r.ok ? "ok" : `FAILED (${r.errors.length} error${r.errors.length === 1 ? "" : "s"})`;
        const where = r.html ?? r.ipynb ?? "";
        process.stderr.write(
          `${tty ? "\r" : ""}${r.ok ? "✔" : "✘"} ${path.basename(r.notebook)}  ${status}  ${r.seconds.toFixed(1)} s  ` +
            `${r.executedCells}/${r.codeCells} cells, ${r.figures} figure(s)  ${where ? path.relative(process.cwd(), where) : ""}${tty ? "\x1b[K" : ""}\n`,
        );
        if (!r.ok) process.stderr.write(formatNotebookErrors(r) + "\n");
      },
    });
    const failed = results.filter((r) => !r.ok);
    const total = results.reduce((s, r) => s + r.seconds, 0);
    process.stderr.write(`${results.length - failed.length}/${results.length} notebooks ran without errors in ${total.toFixed(1)} s\n`);
    return failed.length === 0 ? 0 : 1;
  },
};
