/**
 * makemore MLP training speed on the backend `initBackend` picks, as notebook 06 and `numlab train
 * makemore` run it:
 *
 *  - `makemore`: draw a random minibatch of real names.txt contexts (block 3), forward, loss,
 *    gradients, SGD update, loss as a JS number (`sgdStep`). The model is the lecture's
 *    11,897-parameter MLP (d 10, hidden 200); batch 32 (the CLI default) and 128 (the notebook).
 *    NUMLAB_BENCH_STEPS timed steps per batch size (default 1500).
 *  - `makemoreRun` (issue 53): the whole `numlab train makemore` command with its defaults (200,000
 *    steps, then the split losses) against the same loop in PyTorch (bench/pytorch_makemore.py: the
 *    seed notebook's loop), wall time of each process, one thread each (NUMLAB_BLAS_THREADS=1,
 *    torch.set_num_threads(1)), NUMLAB_BENCH_ROUNDS rounds (default 1) alternating numlab, PyTorch.
 *    `numlabMs`/`pytorchMs` are the median process wall times, `ratio` the median of the rounds'
 *    ratios; the training loops' own seconds and the dev losses are recorded too. The CLI is
 *    dist/cli/main.js (`npm run bench` builds it first), else src/cli/main.ts through tsx, or
 *    NUMLAB_BENCH_CLI ("node path/to/main.js"). NUMLAB_BENCH_MAKEMORE_STEPS shortens the run.
 *    Needs names.txt (NUMLAB_DATA_DIR or the cache); skipped without it.
 *
 * For `makemore`, compare `msPerStep` under NUMLAB_WASM_THREADS=1 and =2 (one setting per process;
 * the thread count is fixed when the backend starts): for a model this small the threads'
 * synchronisation costs more than the work they share.
 *
 *   NUMLAB_WASM_THREADS=1 node --import tsx bench/suites/makemore.ts
 *   NUMLAB_BENCH_ONLY=makemore npm run bench
 *
 * Without names.txt the `makemore` section uses synthetic names.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findLocalDataFile } from "../../src/data/download";
import { NAMES_SOURCE } from "../../src/data/names";
import { median } from "../timing";
import { initBackend } from "../../src/backend";
import { loadNames } from "../../src/data/names";
import { buildDataset } from "../../src/datasets/char-contexts";
import { createMlpLm, disposeMlpLm } from "../../src/models/mlp-lm";
import { Rng } from "../../src/random";
import { drawMinibatch, sgdStep } from "../../src/train/makemore";

const MODEL = { blockSize: 3, embeddingDim: 10, hidden: 200 };

async function words(): Promise<{ words: string[]; source: string }> {
  try {
    return { words: await loadNames({ quiet: true, download: false }), source: "names.txt" };
  } catch {
    const rng = new Rng(0);
    const letters = "abcdefghijklmnopqrstuvwxyz";
    const out: string[] = [];
    for (let i = 0; i < 2000; i++) out.push(Array.from({ length: 3 + rng.int(0, 6) }, () => letters[rng.int(0, 26)]).join(""));
    return { words: out, source: "synthetic" };
  }
}

/** The command that runs numlab's CLI: NUMLAB_BENCH_CLI, dist/cli/main.js, else the sources through tsx. */
function numlabCli(): string[] {
  const custom = process.env.NUMLAB_BENCH_CLI?.trim();
  if (custom) return custom.split(/\s+/);
  const root = path.join(__dirname, "..", "..");
  const dist = path.join(root, "dist", "cli", "main.js");
  return fs.existsSync(dist) ? [process.execPath, dist] : [process.execPath, "--import", "tsx", path.join(root, "src", "cli", "main.ts")];
}

/** Run a command; its wall time (s) and the JSON object on the last line of its stdout. */
function timedJson(cmd: string[], env: NodeJS.ProcessEnv): { wallSeconds: number; result: Record<string, unknown> } | { error: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: "utf8", env, maxBuffer: 1 << 22 });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) return { error: `${path.basename(cmd[1] ?? cmd[0])} failed: ${(r.stderr || String(r.error ?? "")).trim().split("\n").pop()}` };
  return { wallSeconds, result: JSON.parse(r.stdout.trim().split("\n").pop() as string) as Record<string, unknown> };
}

const loadAverage = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

/** `numlab train makemore` vs bench/pytorch_makemore.py, whole runs (see the module comment). */
export function wholeRunSection(): Record<string, unknown> {
  const names = findLocalDataFile(NAMES_SOURCE);
  if (!names) return { skipped: "names.txt not found (set NUMLAB_DATA_DIR)" };
  const steps = Math.floor(Number(process.env.NUMLAB_BENCH_MAKEMORE_STEPS ?? 200_000));
  const rounds = Math.max(1, Math.floor(Number(process.env.NUMLAB_BENCH_ROUNDS ?? 1)));
  const python = process.env.NUMLAB_PYTHON ?? "/usr/bin/python3";
  const env = { ...process.env, NUMLAB_BLAS_THREADS: "1", OMP_NUM_THREADS: "1" };
  const numlabCmd = [...numlabCli(), "train", "makemore", "--json", "--data", names, "--steps", String(steps)];
  const torchCmd = [python, path.join(__dirname, "..", "pytorch_makemore.py"), "--names", names, "--threads", "1", "--steps", String(steps)];
  const loadBefore = loadAverage();
  const perRound: { numlab: ReturnType<typeof timedJson>; pytorch: ReturnType<typeof timedJson>; loadAverage: number[] }[] = [];
  for (let r = 0; r < rounds; r++) {
    const numlab = timedJson(numlabCmd, env);
    const pytorch = timedJson(torchCmd, env);
    perRound.push({ numlab, pytorch, loadAverage: loadAverage() });
  }
  const ok = (x: ReturnType<typeof timedJson>) => ("error" in x ? null : x);
  const round2 = (x: number) => Math.round(x * 100) / 100;
  const rows = perRound.map(({ numlab, pytorch, loadAverage }) => {
    const n = ok(numlab);
    const p = ok(pytorch);
    return {
      numlab: n ? { wallSeconds: round2(n.wallSeconds), loopSeconds: n.result.seconds, dev: n.result.dev } : numlab,
      pytorch: p ? { wallSeconds: round2(p.wallSeconds), loopSeconds: p.result.seconds, dev: p.result.dev } : pytorch,
      ratio: n && p ? round2(n.wallSeconds / p.wallSeconds) : null,
      loadAverage,
    };
  });
  const numlabWall = perRound.map((r) => ok(r.numlab)?.wallSeconds).filter((x): x is number => x !== undefined);
  const torchWall = perRound.map((r) => ok(r.pytorch)?.wallSeconds).filter((x): x is number => x !== undefined);
  const ratios = rows.map((r) => r.ratio).filter((x): x is number => x !== null);
  return {
    numlabMs: numlabWall.length ? Math.round(median(numlabWall) * 1000) : null,
    pytorchMs: torchWall.length ? Math.round(median(torchWall) * 1000) : null,
    ratio: ratios.length ? round2(median(ratios)) : null,
    backend: "wasm; whole processes, one thread each",
    steps,
    rounds: rows,
    loadAverage: { before: loadBefore, after: loadAverage() },
    command: numlabCmd.slice(numlabCmd.indexOf("train")).join(" "),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const info = await initBackend({ quiet: true });
  const steps = Number(process.env.NUMLAB_BENCH_STEPS ?? 1500);
  const { words: names, source } = await words();
  const data = buildDataset(names, MODEL.blockSize);
  const result: Record<string, unknown> = { backend: info.backend, threads: info.threads, data: source, steps, loadAverage: loadAverage() };
  for (const batchSize of [32, 128]) {
    const model = createMlpLm({ ...MODEL, seed: 42 });
    const rng = new Rng(43);
    for (let i = 0; i < 50; i++) sgdStep(model, drawMinibatch(data, batchSize, rng), 0.1); // warm-up
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) sgdStep(model, drawMinibatch(data, batchSize, rng), 0.1);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    disposeMlpLm(model);
    result[`batch${batchSize}`] = {
      msPerStep: Math.round((wallMs / steps) * 1000) / 1000,
      cpuMsPerStep: Math.round(((cpu.user + cpu.system) / 1000 / steps) * 1000) / 1000,
    };
  }
  return { makemore: result, makemoreRun: wholeRunSection() };
}

if (require.main === module) {
  run().then(
    (r) => process.stdout.write(JSON.stringify(r) + "\n"),
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
