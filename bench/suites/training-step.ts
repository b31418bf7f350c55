/**
 * Training-step speed, numlab (tfjs on the backend `initBackend` picks) against PyTorch on the CPU,
 * side by side in the same run (issues 5 and 53):
 *   lstm — the seed-000 next-integer LSTM: maxValue 2001 (embedding 2002 rows incl. pad, 2001
 *          logits), embedding 128, one LSTM layer of 256, dense 128 (relu), batch 64, length 50
 *          (49 predicted steps), Adam 1e-3;
 *   mlp  — the makemore MLP: block 3, embedding 10, hidden 200, 27 characters, batch 32, SGD 0.1,
 *          as `mlpLmSgdStep` runs it (one fused native call where the addon is loaded);
 *   primerLstm — the RNN primer's LSTM classifier (notebook 07): embedding 16, LSTM 64, the last
 *          step's state → 10 classes, batch 100 × 10 digits, Adam 0.01;
 *   transformer — null here: the seq2seq transformer suite adds its own section.
 * Each LSTM figure is the median of ≥ 5 steps after warm-up, each MLP figure of 500, each primer
 * figure of 40; a step ends when its loss is a JS number. Best against best: numlab runs with the
 * native addon's OpenBLAS on every core (NUMLAB_BLAS_THREADS overrides), the PyTorch peer
 * (bench/pytorch_steps.py) with 1 thread and with every core, and the ratio compares numlab with
 * PyTorch's faster setting.
 * `oneThread` holds the single-core pair (numlab's OpenBLAS on 1 thread vs PyTorch on 1 thread).
 * Every section records the load average before and after (`loadAverage`).
 *
 * Rounds: the MLP and the primer always run max(3, NUMLAB_BENCH_ROUNDS) rounds of numlab and
 * PyTorch in alternation, and both of their ratios are the medians of the rounds' ratios. The
 * LSTM runs NUMLAB_BENCH_ROUNDS rounds (default 1; with n > 1 they alternate likewise and the ratio
 * is the median of the rounds' ratios — use it on a loaded machine).
 *
 * Env: NUMLAB_BENCH_STEPS (timed LSTM steps, default 7), NUMLAB_BENCH_ROUNDS, NUMLAB_BENCH_ABLATION=1
 * (also time, for the performance notes: the LSTM without the WASM patches — the transposed-matmul
 * path — and, alternating step by step with the shipped model, the LSTM layer with tfjs's automatic
 * gradient instead of its hand-written backward, the MLP step through tfjs autodiff against the
 * fused one, and the primer step through the tf.basicLSTMCell loop against `lstmLayer`).
 */
import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "child_process";
import * as path from "path";
import * as os from "os";
import { BackendInfo, initBackend } from "../../src/backend";
import { fusedMlpAvailable } from "../../src/backend/mlp-kernels";
import { withStockWasmKernels } from "../../src/backend/wasm-patches";
import { createLstmLm, lstmLayer, lstmLayerAutodiff, LstmLayerFn, LstmLmConfig, lstmLmLoss } from "../../src/models/lstm-lm";
import {
  createLstmClassifier,
  disposeLstmClassifier,
  lstmClassifierLogits,
  lstmClassifierLogitsCell,
  lstmClassifierVariables,
} from "../../src/models/lstm-classifier";
import { createMlpLm, crossEntropyFromIndices, disposeMlpLm, mlpLmSgdStep, mlpLmSgdStepAutodiff } from "../../src/models/mlp-lm";
import { alternateSteps, benchThreadCounts, bestOf, median, timeSteps, withBlasThreads } from "../timing";

export const LSTM_BENCH = {
  maxValue: 2001,
  embeddingDim: 128,
  hiddenSize: 256,
  numLayers: 1,
  denseSize: 128,
  batchSize: 64,
  seqLen: 50,
};
export const MLP_BENCH = { vocabSize: 27, blockSize: 3, embeddingDim: 10, hidden: 200, batchSize: 32 };
/** The RNN primer's LSTM classifier (notebook 07): 10 digits, sequences of 10, batch 100, Adam 0.01. */
export const PRIMER_BENCH = { vocabSize: 10, length: 10, batchSize: 100, embeddingDim: 16, hidden: 64, learningRate: 0.01 };

/** Deterministic rows with trailing pads; the same formula as bench/pytorch_steps.py. */
export function benchRows(batch: number, length: number, maxValue: number): number[][] {
  const rows: number[][] = [];
  for (let r = 0; r < batch; r++) {
    const n = length - ((r * 7) % Math.floor(length / 3));
    const row: number[] = [];
    for (let t = 0; t < length; t++) row.push(t < n ? (r * 7919 + t * 104729 + r * t * 31) % maxValue : maxValue);
    rows.push(row);
  }
  return rows;
}

/** A training step of the bench LSTM (loss read back), plus a disposer; `layer` picks the LSTM layer. */
function lstmStep(layer: LstmLayerFn = lstmLayer): { step: () => number; dispose: () => void } {
  const config: LstmLmConfig = { ...LSTM_BENCH, seed: 0 };
  const model = createLstmLm(config);
  const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  const rows = tf.tensor2d(benchRows(LSTM_BENCH.batchSize, LSTM_BENCH.seqLen, LSTM_BENCH.maxValue), undefined, "int32");
  const step = () => {
    const loss = optimizer.minimize(() => lstmLmLoss(model, rows, layer), true, model.trainableVariables());
    const value = loss!.dataSync()[0];
    loss!.dispose();
    return value;
  };
  const dispose = () => {
    rows.dispose();
    optimizer.dispose();
    model.dispose();
  };
  return { step, dispose };
}

/** Median LSTM training-step time (ms) on the current backend. */
export function lstmStepMs(steps: number, warmup = 2): { ms: number; stepsMs: number[]; firstLoss: number } {
  const { step, dispose } = lstmStep();
  let firstLoss = NaN;
  const timing = timeSteps(
    () => {
      const value = step();
      if (Number.isNaN(firstLoss)) firstLoss = value;
    },
    warmup,
    steps,
  );
  dispose();
  return { ...timing, firstLoss };
}

/**
 * The LSTM step with the hand-written LSTM backward vs tfjs's automatic gradient of the same layer,
 * alternating step by step (same process, same load). `speedup` = median over rounds of
 * autodiff time / hand-written time.
 */
export function lstmLayerAblation(rounds: number): { customGradMs: number; autodiffMs: number; speedup: number } {
  const custom = lstmStep(lstmLayer);
  const auto = lstmStep(lstmLayerAutodiff);
  const r = alternateSteps({ custom: () => void custom.step(), autodiff: () => void auto.step() }, 1, rounds);
  custom.dispose();
  auto.dispose();
  return { customGradMs: Math.round(r.custom.ms), autodiffMs: Math.round(r.autodiff.ms), speedup: r.autodiff.relativeToFirst };
}

/**
 * Median makemore-MLP training-step time (ms) on the current backend: `mlpLmSgdStep` (the fused
 * native step where available, tfjs autodiff elsewhere) or, with `autodiff`, the tfjs path. The
 * minibatches are consecutive rows of a fixed synthetic set, as in bench/pytorch_steps.py; a step
 * ends with its loss as a JS number.
 */
export function mlpStepMs(steps: number, warmup = 20, autodiff = false): { ms: number; firstLoss: number } {
  const s = mlpStep(autodiff);
  const timing = timeSteps(s.step, warmup, steps);
  s.dispose();
  return { ms: timing.ms, firstLoss: s.firstLoss() };
}

function mlpStep(autodiff: boolean): { step: () => void; firstLoss: () => number; dispose: () => void } {
  const { vocabSize, blockSize, embeddingDim, hidden, batchSize } = MLP_BENCH;
  const model = createMlpLm({ vocabSize, blockSize, embeddingDim, hidden, seed: 0 });
  const n = 4096;
  const X = Int32Array.from({ length: n * blockSize }, (_, i) => (i * 7919) % vocabSize);
  const Y = Int32Array.from({ length: n }, (_, i) => (i * 104729) % vocabSize);
  const sgd = autodiff ? mlpLmSgdStepAutodiff : mlpLmSgdStep;
  let at = 0;
  let first = NaN;
  const step = () => {
    const start = at;
    at = (at + batchSize) % (n - batchSize);
    const loss = sgd(model, X.subarray(start * blockSize, (start + batchSize) * blockSize), Y.subarray(start, start + batchSize), 0.1);
    if (Number.isNaN(first)) first = loss;
  };
  return { step, firstLoss: () => first, dispose: () => disposeMlpLm(model) };
}

/** The MLP step fused vs through tfjs autodiff, alternating step by step; `speedup` = autodiff / fused. */
export function mlpFusedAblation(steps: number): { fusedMs: number; autodiffMs: number; speedup: number } {
  const fused = mlpStep(false);
  const auto = mlpStep(true);
  const r = alternateSteps({ fused: fused.step, autodiff: auto.step }, 20, steps);
  fused.dispose();
  auto.dispose();
  const ms = (x: number) => Math.round(x * 1000) / 1000;
  return { fusedMs: ms(r.fused.ms), autodiffMs: ms(r.autodiff.ms), speedup: r.autodiff.relativeToFirst };
}

/**
 * A training step of the RNN primer's LSTM classifier as `trainSequenceClassifier` runs it (Adam's
 * `minimize` on the cross-entropy of `lstmClassifierLogits`), or with `cell` through the
 * tf.basicLSTMCell loop it replaced. Consecutive rows of 5,000 fixed digit sequences, label = the
 * digit at index 3, as bench/pytorch_steps.py.
 */
function primerStep(cell: boolean): { step: () => void; firstLoss: () => number; dispose: () => void } {
  const { vocabSize, length, batchSize, embeddingDim, hidden, learningRate } = PRIMER_BENCH;
  const model = createLstmClassifier({ vocabSize, embeddingDim, hidden, classes: vocabSize, seed: 0 });
  const optimizer = tf.train.adam(learningRate);
  const n = 5000;
  const X = Int32Array.from({ length: n * length }, (_, i) => (i * 7919 + Math.floor(i / length) * 104729) % vocabSize);
  const Y = Int32Array.from({ length: n }, (_, r) => X[r * length + 3]);
  const logits = cell ? lstmClassifierLogitsCell : lstmClassifierLogits;
  let at = 0;
  let first = NaN;
  const step = () => {
    const start = at;
    at = (at + batchSize) % (n - batchSize);
    const loss = tf.tidy(() => {
      const xb = tf.tensor2d(X.subarray(start * length, (start + batchSize) * length), [batchSize, length], "int32");
      const yb = tf.tensor1d(Y.subarray(start, start + batchSize), "int32");
      return optimizer.minimize(() => crossEntropyFromIndices(logits(model, xb), yb), true, lstmClassifierVariables(model))!;
    });
    const value = loss.dataSync()[0];
    loss.dispose();
    if (Number.isNaN(first)) first = value;
  };
  const dispose = () => {
    optimizer.dispose();
    disposeLstmClassifier(model);
  };
  return { step, firstLoss: () => first, dispose };
}

/** Median primer-LSTM training-step time (ms) on the current backend. */
export function primerStepMs(steps: number, warmup = 5): { ms: number; firstLoss: number } {
  const s = primerStep(false);
  const timing = timeSteps(s.step, warmup, steps);
  s.dispose();
  return { ms: timing.ms, firstLoss: s.firstLoss() };
}

/** The primer step with `lstmLayer` vs the tf.basicLSTMCell loop, alternating; `speedup` = cell / layer. */
export function primerCellAblation(steps: number): { layerMs: number; cellMs: number; speedup: number } {
  const layer = primerStep(false);
  const cell = primerStep(true);
  const r = alternateSteps({ layer: layer.step, cell: cell.step }, 5, steps);
  layer.dispose();
  cell.dispose();
  return { layerMs: roundMs(r.layer.ms), cellMs: roundMs(r.cell.ms), speedup: r.cell.relativeToFirst };
}

type PytorchModel = "lstm" | "mlp" | "primer";

interface PytorchResult {
  threads: number;
  torch: string;
  lstm?: { ms: number; stepsMs: number[] };
  mlp?: { ms: number; stepsMs: number[] };
  primer?: { ms: number; stepsMs: number[] };
}

/**
 * Run bench/pytorch_steps.py for the given models (default the LSTM and the MLP), or return the
 * reason it cannot run. `smallSteps`: timed steps of the MLP and the primer LSTM (their steps take
 * 0.1–10 ms, so more than the LSTM's).
 */
export function runPytorch(
  threads: number,
  steps: number,
  models: PytorchModel[] = ["lstm", "mlp"],
  smallSteps = 500,
): PytorchResult | { unavailable: string } {
  const python = process.env.NUMLAB_PYTHON ?? "/usr/bin/python3";
  const probe = spawnSync(python, ["-c", "import torch"], { encoding: "utf8" });
  if (probe.status !== 0) return { unavailable: `${python} cannot import torch` };
  const configs = { lstm: LSTM_BENCH, mlp: MLP_BENCH, primer: PRIMER_BENCH };
  const config = JSON.stringify(Object.fromEntries(models.map((m) => [m, configs[m]])));
  const script = path.join(__dirname, "..", "pytorch_steps.py");
  const args = [
    script,
    "--config",
    config,
    "--threads",
    String(threads),
    "--steps",
    String(steps),
    "--mlp-steps",
    String(smallSteps),
    "--primer-steps",
    String(smallSteps),
  ];
  const r = spawnSync(python, args, { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) return { unavailable: `pytorch_steps.py failed: ${(r.stderr || "").trim().split("\n").pop()}` };
  return JSON.parse(r.stdout.trim().split("\n").pop() as string) as PytorchResult;
}

/** Milliseconds for the JSON: 3 decimals below 10 ms (the MLP step), else 1. */
function roundMs(ms: number): number {
  return ms < 10 ? Math.round(ms * 1000) / 1000 : Math.round(ms * 10) / 10;
}

function section(numlabMs: number, pytorchMs: number | null, backend: string, extra: Record<string, unknown>) {
  return {
    numlabMs: roundMs(numlabMs),
    pytorchMs: pytorchMs === null ? null : roundMs(pytorchMs),
    ratio: pytorchMs === null ? null : Math.round((numlabMs / pytorchMs) * 100) / 100,
    backend,
    ...extra,
  };
}

/** The 1-, 5- and 15-minute load averages (the machine is rarely idle: record it with each figure). */
export function loadAverage(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

type TorchRun = ReturnType<typeof runPytorch>;

/** PyTorch's time for one model in a run, or null. */
function torchModelMs(t: TorchRun | undefined, model: PytorchModel): number | null {
  return t && "threads" in t && t[model] ? t[model]!.ms : null;
}

/**
 * A small model (the makemore MLP, the primer LSTM): `rounds` rounds of numlab (OpenBLAS on every
 * core, then on one thread) and PyTorch (each thread count) in alternation. Best vs best and one
 * thread each, each ratio the median of the rounds' ratios.
 */
function alternatingSection(
  model: "mlp" | "primer",
  numlab: () => { ms: number; firstLoss: number },
  torchSteps: number,
  rounds: number,
  threadCounts: number[],
  info: BackendInfo,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const loadBefore = loadAverage();
  const perRound: { best: number; one: number; torch: Record<number, TorchRun>; firstLoss: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const best = numlab();
    const one = info.blasThreads > 1 ? withBlasThreads(1, numlab) : best;
    const torch = Object.fromEntries(threadCounts.map((t) => [t, runPytorch(t, 7, [model], torchSteps)]));
    perRound.push({ best: best.ms, one: one.ms, torch, firstLoss: best.firstLoss });
  }
  const round2 = (x: number) => Math.round(x * 100) / 100;
  const torchByThreads = Object.fromEntries(
    threadCounts.map((t) => {
      const ms = perRound.map((p) => torchModelMs(p.torch[t], model)).filter((x): x is number => x !== null);
      return [t, ms.length ? { ms: median(ms) } : null];
    }),
  ) as Record<number, { ms: number } | null>;
  const best = bestOf(torchByThreads);
  const rows = perRound.map((p) => {
    const times = threadCounts.map((t) => torchModelMs(p.torch[t], model)).filter((x): x is number => x !== null);
    const torchBest = times.length ? Math.min(...times) : null;
    const torch1 = torchModelMs(p.torch[1], model);
    return {
      numlabMs: roundMs(p.best),
      pytorchMs: torchBest === null ? null : roundMs(torchBest),
      ratio: torchBest === null ? null : round2(p.best / torchBest),
      oneThread: { numlabMs: roundMs(p.one), pytorchMs: torch1 === null ? null : roundMs(torch1), ratio: torch1 === null ? null : round2(p.one / torch1) },
    };
  });
  const ratios = rows.map((r) => r.ratio).filter((x): x is number => x !== null);
  const oneRatios = rows.map((r) => r.oneThread.ratio).filter((x): x is number => x !== null);
  const firstTorch = perRound[0].torch[threadCounts[0]];
  const out = section(median(perRound.map((p) => p.best)), best?.ms ?? null, info.backend, {
    threads: info.threads,
    blasThreads: info.blasThreads,
    native: info.native,
    pytorchThreads: best?.threads ?? null,
    pytorchMsByThreads: Object.fromEntries(Object.entries(torchByThreads).map(([t, v]) => [t, v ? roundMs(v.ms) : null])),
    oneThread: {
      numlabMs: roundMs(median(perRound.map((p) => p.one))),
      pytorchMs: torchByThreads[1] ? roundMs(torchByThreads[1].ms) : null,
      ratio: oneRatios.length ? round2(median(oneRatios)) : null,
    },
    ...extra,
    firstLoss: perRound[0].firstLoss,
    rounds: rows,
    loadAverage: { before: loadBefore, after: loadAverage() },
    ...(firstTorch && "threads" in firstTorch ? { torch: firstTorch.torch } : { pytorch: (firstTorch as { unavailable: string }).unavailable }),
  });
  if (ratios.length) out.ratio = round2(median(ratios));
  return out;
}

export async function run(): Promise<Record<string, unknown>> {
  const threadCounts = benchThreadCounts();
  const cores = Math.max(...threadCounts);
  const info = await initBackend({ quiet: true, blasThreads: cores });
  const steps = Math.max(5, Number(process.env.NUMLAB_BENCH_STEPS ?? 7));
  const rounds = Math.max(1, Math.floor(Number(process.env.NUMLAB_BENCH_ROUNDS ?? 1)));
  const lstmLoadBefore = loadAverage();
  // With several rounds, numlab's LSTM and the PyTorch peers alternate (numlab, PyTorch, numlab, …)
  // so that a change in machine load hits both; the ratio is then the median of the rounds' ratios.
  type Round = { lstm: ReturnType<typeof lstmStepMs>; lstm1: ReturnType<typeof lstmStepMs>; torch: Record<number, TorchRun> };
  const perRound: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    const lstm = lstmStepMs(steps);
    const lstm1 = info.blasThreads > 1 ? withBlasThreads(1, () => lstmStepMs(steps)) : lstm;
    const torch = Object.fromEntries(threadCounts.map((t) => [t, runPytorch(t, steps, ["lstm"])]));
    perRound.push({ lstm, lstm1, torch });
  }
  const lstmLoadAfter = loadAverage();
  let stock: { ms: number } | null = null;
  let layerAblation: ReturnType<typeof lstmLayerAblation> | null = null;
  if (process.env.NUMLAB_BENCH_ABLATION === "1") {
    layerAblation = lstmLayerAblation(steps);
    if (info.backend === "wasm") stock = withStockWasmKernels(() => lstmStepMs(5, 1));
  }
  const firstTorch = perRound[0].torch[1];
  const torchOk = "threads" in firstTorch;
  const lstmTorch = Object.fromEntries(
    threadCounts.map((t) => {
      const ms = perRound.map((p) => torchModelMs(p.torch[t], "lstm")).filter((x): x is number => x !== null);
      return [t, ms.length ? { ms: median(ms) } : null];
    }),
  ) as Record<number, { ms: number } | null>;
  const lstmBest = bestOf(lstmTorch);
  const lstmMs = median(perRound.map((p) => p.lstm.ms));
  const lstm1Ms = median(perRound.map((p) => p.lstm1.ms));
  const round2 = (x: number) => Math.round(x * 100) / 100;
  const roundsInfo =
    rounds > 1
      ? perRound.map((p) => {
          const times = threadCounts.map((t) => torchModelMs(p.torch[t], "lstm")).filter((x): x is number => x !== null);
          const best = times.length ? Math.min(...times) : null;
          return {
            numlabMs: Math.round(p.lstm.ms),
            pytorchMs: best === null ? null : Math.round(best),
            ratio: best === null ? null : round2(p.lstm.ms / best),
          };
        })
      : null;
  const roundRatios = roundsInfo?.map((r) => r.ratio).filter((x): x is number => x !== null) ?? [];
  const rounded = (r: Record<number, { ms: number } | null>) =>
    Object.fromEntries(Object.entries(r).map(([t, v]) => [t, v ? Math.round(v.ms * 10) / 10 : null]));
  const common = { threads: info.threads, blasThreads: info.blasThreads, native: info.native };
  const torch1 = lstmTorch[1];
  const lstmSection = section(lstmMs, lstmBest?.ms ?? null, info.backend, {
    ...common,
    pytorchThreads: lstmBest?.threads ?? null,
    pytorchMsByThreads: rounded(lstmTorch),
    oneThread: {
      numlabMs: Math.round(lstm1Ms * 10) / 10,
      pytorchMs: torch1 ? Math.round(torch1.ms * 10) / 10 : null,
      ratio: torch1 ? round2(lstm1Ms / torch1.ms) : null,
    },
    config: LSTM_BENCH,
    numlabStepsMs: perRound.flatMap((p) => p.lstm.stepsMs),
    firstLoss: perRound[0].lstm.firstLoss,
    ...(roundsInfo ? { rounds: roundsInfo } : {}),
    loadAverage: { before: lstmLoadBefore, after: lstmLoadAfter },
    ...(stock ? { numlabWithoutWasmPatchesMs: Math.round(stock.ms) } : {}),
    ...(layerAblation ? { lstmLayerAblation: layerAblation } : {}),
    ...(torchOk ? { torch: (firstTorch as PytorchResult).torch } : { pytorch: (firstTorch as { unavailable: string }).unavailable }),
  });
  if (roundRatios.length > 1) lstmSection.ratio = round2(median(roundRatios));
  return {
    lstm: lstmSection,
    mlp: alternatingSection("mlp", () => mlpStepMs(500), 500, Math.max(3, rounds), threadCounts, info, {
      fused: fusedMlpAvailable(),
      config: MLP_BENCH,
      ...(process.env.NUMLAB_BENCH_ABLATION === "1" ? { fusedAblation: mlpFusedAblation(500) } : {}),
    }),
    primerLstm: alternatingSection("primer", () => primerStepMs(40), 40, Math.max(3, rounds), threadCounts, info, {
      config: PRIMER_BENCH,
      ...(process.env.NUMLAB_BENCH_ABLATION === "1" ? { cellAblation: primerCellAblation(40) } : {}),
    }),
    transformer: null,
  };
}
