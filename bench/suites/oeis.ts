/**
 * OEIS parse + statistics: time and peak memory (RSS) of `parseOeisFile` + `oeisStats` on the shared
 * real subset (and on the full dump when a copy is local), each run in a fresh Node process, against
 * the straightforward Python reference `bench/oeis_reference.py` doing the same parse + stats.
 *
 * Run alone: `node --import tsx bench/suites/oeis.ts` (prints the JSON section). Each measurement
 * is the median of `NUMLAB_BENCH_REPEATS` (default 3) fresh processes. `NUMLAB_BENCH_OEIS_FILE=F`
 * adds one more file (e.g. a synthetic full-size dump) under "extra".
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findLocalDataFile, repoRoot } from "../../src/data/download";
import { OEIS_STRIPPED, OEIS_SUBSET_FILE, parseOeisFile } from "../../src/data/oeis";
import { oeisStats } from "../../src/data/oeis-stats";
import { median } from "../timing";

interface Measurement {
  parseMs: number;
  statsMs: number;
  totalMs: number;
  /** CPU time (user + system, all threads) of parse + stats. */
  cpuMs: number;
  peakRssMB: number;
  sequences: number;
  totalIntegers: number;
  distinctIntegers: number;
}

/** Child mode: measure one parse + stats of `file` and print JSON. */
async function measureHere(file: string): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const collection = await parseOeisFile(file);
  const t1 = performance.now();
  const stats = oeisStats(collection);
  const t2 = performance.now();
  const cpu = process.cpuUsage(c0);
  const out: Measurement = {
    parseMs: t1 - t0,
    statsMs: t2 - t1,
    totalMs: t2 - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    sequences: stats.sequences,
    totalIntegers: stats.totalIntegers,
    distinctIntegers: stats.distinctIntegers,
  };
  process.stdout.write(JSON.stringify(out) + "\n");
}

function runJson<T>(command: string, args: string[]): T {
  const res = spawnSync(command, args, { encoding: "utf8", maxBuffer: 256 << 20, cwd: repoRoot() });
  if (res.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${res.stderr || res.error?.message}`);
  return JSON.parse(res.stdout.trim().split("\n").pop()!) as T;
}

function pythonCommand(): string | null {
  for (const p of ["/usr/bin/python3", "python3"]) {
    const res = spawnSync(p, ["-c", "import json, re, gzip, collections"], { encoding: "utf8" });
    if (res.status === 0) return p;
  }
  return null;
}

interface PythonRun {
  parseMs: number;
  statsMs: number;
  cpuMs: number;
  peakRssMB: number;
  sequences: number;
  distinctIntegers: number;
}

interface Summary {
  parseMs: number;
  statsMs: number;
  totalMs: number;
  cpuMs: number;
  peakRssMB: number;
  totalMsRuns: number[];
}

function summarize(runs: Array<{ parseMs: number; statsMs: number; cpuMs: number; peakRssMB: number }>): Summary {
  return {
    parseMs: Math.round(median(runs.map((m) => m.parseMs))),
    statsMs: Math.round(median(runs.map((m) => m.statsMs))),
    totalMs: Math.round(median(runs.map((m) => m.parseMs + m.statsMs))),
    cpuMs: Math.round(median(runs.map((m) => m.cpuMs))),
    peakRssMB: Math.round(Math.max(...runs.map((m) => m.peakRssMB))),
    totalMsRuns: runs.map((m) => Math.round(m.parseMs + m.statsMs)),
  };
}

/** numlab and Python alternate run by run so both see the same machine load. */
async function benchFile(label: string, file: string, repeats: number, python: string | null): Promise<Record<string, unknown>> {
  const js: Measurement[] = [];
  const py: PythonRun[] = [];
  const script = path.join(repoRoot(), "bench", "oeis_reference.py");
  for (let r = 0; r < repeats; r++) {
    js.push(runJson<Measurement>(process.execPath, ["--import", "tsx", __filename, "--measure", file]));
    if (python) py.push(runJson<PythonRun>(python, [script, file]));
  }
  const numlab = { ...summarize(js), sequences: js[0].sequences, totalIntegers: js[0].totalIntegers, distinctIntegers: js[0].distinctIntegers };
  const section: Record<string, unknown> = { file, bytes: fs.statSync(file).size, numlab };
  if (python) {
    const ref = { ...summarize(py), sameCounts: py[0].sequences === js[0].sequences && py[0].distinctIntegers === js[0].distinctIntegers };
    section.python = ref;
    section.speedupWall = Number((ref.totalMs / numlab.totalMs).toFixed(2));
    section.speedupCpu = Number((ref.cpuMs / numlab.cpuMs).toFixed(2));
  } else {
    section.python = "python3 not found";
  }
  process.stderr.write(
    `oeis ${label}: numlab ${numlab.totalMs} ms (cpu ${numlab.cpuMs} ms), ${numlab.peakRssMB} MB` +
      (python
        ? `; python ${(section.python as { totalMs: number }).totalMs} ms (cpu ${(section.python as { cpuMs: number }).cpuMs} ms); speedup wall ×${section.speedupWall}, cpu ×${section.speedupCpu}`
        : "") +
      "\n",
  );
  return section;
}

function subsetFile(): string | null {
  const dirs = [process.env.NUMLAB_DATA_DIR, path.join(repoRoot(), "..", "shared", "data")].filter((d): d is string => !!d);
  for (const d of dirs) if (fs.existsSync(path.join(d, OEIS_SUBSET_FILE))) return path.join(d, OEIS_SUBSET_FILE);
  return null;
}

export async function run(): Promise<Record<string, unknown>> {
  const repeats = Math.max(1, Number(process.env.NUMLAB_BENCH_REPEATS ?? 3) || 3);
  const python = pythonCommand();
  const result: Record<string, unknown> = {
    what: "parse + statistics (lengths, counts, top-20, least frequent, negative/huge shares); median of fresh processes, numlab and Python interleaved",
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
    cpus: os.cpus().length,
    repeats,
    node: process.version,
  };
  const subset = subsetFile();
  result.subset = subset ? await benchFile("subset", subset, repeats, python) : "shared OEIS subset not found (set NUMLAB_DATA_DIR)";
  const full = findLocalDataFile(OEIS_STRIPPED);
  result.full = full ? await benchFile("full dump", full, repeats, python) : "full dump not cached (numlab oeis download)";
  const extra = process.env.NUMLAB_BENCH_OEIS_FILE;
  if (extra) result.extra = await benchFile("extra file", extra, repeats, python);
  return { oeis: result };
}

if (require.main === module) {
  const i = process.argv.indexOf("--measure");
  if (i >= 0) {
    measureHere(process.argv[i + 1]).catch((err) => {
      process.stderr.write(String(err?.stack ?? err) + "\n");
      process.exitCode = 1;
    });
  } else {
    run().then((r) => process.stdout.write(JSON.stringify(r, null, 2) + "\n"));
  }
}
