/**
 * Training-step speed, numlab (tfjs on the backend `initBackend` picks) against PyTorch on the CPU,
 * side by side in the same run (issue 5):
 *   lstm — the seed-000 next-integer LSTM: maxValue 2001 (embedding 2002 rows incl. pad, 2001
 *          logits), embedding 128, one LSTM layer of 256, dense 128 (relu), batch 64, length 50
 *          (49 predicted steps), Adam 1e-3;
 *   mlp  — the makemore MLP: block 3, embedding 10, hidden 200, 27 characters, batch 32, SGD 0.1;
 *   transformer — null here: the seq2seq transformer suite adds its own section.
 * Each figure is the median of ≥ 5 steps after warm-up; a step ends when its loss is read back.
 * Best against best: numlab runs with the native addon's OpenBLAS on every core (NUMLAB_BLAS_THREADS
 * overrides), the PyTorch peer (bench/pytorch_steps.py) with 1 thread and with every core, and the
 * ratio compares numlab with PyTorch's faster setting. `oneThread` holds the single-core pair
 * (numlab's OpenBLAS on 1 thread vs PyTorch on 1 thread).
 *
 * Env: NUMLAB_BENCH_STEPS (timed LSTM steps, default 7), NUMLAB_BENCH_ROUNDS (default 1: with n > 1
 * the LSTM timing and the PyTorch peer alternate n times and the LSTM ratio is the median of the
 * rounds' ratios — use it on a loaded machine), NUMLAB_BENCH_ABLATION=1 (also time, for
 * the performance notes: the LSTM without the WASM patches — the transposed-matmul path — and,
 * alternating step by step with the shipped model, the LSTM layer with tfjs's automatic gradient
 * instead of its hand-written backward).
 */
import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "child_process";
import * as path from "path";
import { initBackend } from "../../src/backend";
import { withStockWasmKernels } from "../../src/backend/wasm-patches";
import { createLstmLm, lstmLayer, lstmLayerAutodiff, LstmLayerFn, LstmLmConfig, lstmLmLoss } from "../../src/models/lstm-lm";
import { createMlpLm, mlpLmLogits, mlpLmVariables, crossEntropyFromIndices } from "../../src/models/mlp-lm";
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
  const timing = timeSteps(() => {
    const value = step();
    if (Number.isNaN(firstLoss)) firstLoss = value;
  }, warmup, steps);
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

/** Median makemore-MLP training-step time (ms) on the current backend. */
export function mlpStepMs(steps: number, warmup = 5): { ms: number; stepsMs: number[] } {
  const { vocabSize, blockSize, embeddingDim, hidden, batchSize } = MLP_BENCH;
  const model = createMlpLm({ vocabSize, blockSize, embeddingDim, hidden, seed: 0 });
  const optimizer = tf.train.sgd(0.1);
  const n = 4096;
  const X = tf.tensor2d(Array.from({ length: n * blockSize }, (_, i) => (i * 7919) % vocabSize), [n, blockSize], "int32");
  const Y = tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 104729) % vocabSize), "int32");
  let at = 0;
  const step = () => {
    const start = at;
    at = (at + batchSize) % (n - batchSize);
    const loss = optimizer.minimize(
      () => {
        const xb = X.slice([start, 0], [batchSize, blockSize]) as tf.Tensor2D;
        const yb = Y.slice([start], [batchSize]) as tf.Tensor1D;
        return crossEntropyFromIndices(mlpLmLogits(model, xb), yb);
      },
      true,
      mlpLmVariables(model),
    );
    loss!.dataSync();
    loss!.dispose();
  };
  const timing = timeSteps(step, warmup, steps);
  tf.dispose([X, Y, ...mlpLmVariables(model)]);
  optimizer.dispose();
  return timing;
}

interface PytorchResult {
  threads: number;
  torch: string;
  lstm?: { ms: number; stepsMs: number[] };
  mlp?: { ms: number; stepsMs: number[] };
}

/** Run bench/pytorch_steps.py, or return the reason it cannot run. */
export function runPytorch(threads: number, steps: number): PytorchResult | { unavailable: string } {
  const python = process.env.NUMLAB_PYTHON ?? "/usr/bin/python3";
  const probe = spawnSync(python, ["-c", "import torch"], { encoding: "utf8" });
  if (probe.status !== 0) return { unavailable: `${python} cannot import torch` };
  const config = JSON.stringify({ lstm: LSTM_BENCH, mlp: MLP_BENCH });
  const script = path.join(__dirname, "..", "pytorch_steps.py");
  const r = spawnSync(python, [script, "--config", config, "--threads", String(threads), "--steps", String(steps)], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) return { unavailable: `pytorch_steps.py failed: ${(r.stderr || "").trim().split("\n").pop()}` };
  return JSON.parse(r.stdout.trim().split("\n").pop() as string) as PytorchResult;
}

function section(numlabMs: number, pytorchMs: number | null, backend: string, extra: Record<string, unknown>) {
  return {
    numlabMs: Math.round(numlabMs * 10) / 10,
    pytorchMs: pytorchMs === null ? null : Math.round(pytorchMs * 10) / 10,
    ratio: pytorchMs === null ? null : Math.round((numlabMs / pytorchMs) * 100) / 100,
    backend,
    ...extra,
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const threadCounts = benchThreadCounts();
  const cores = Math.max(...threadCounts);
  const info = await initBackend({ quiet: true, blasThreads: cores });
  const steps = Math.max(5, Number(process.env.NUMLAB_BENCH_STEPS ?? 7));
  const rounds = Math.max(1, Math.floor(Number(process.env.NUMLAB_BENCH_ROUNDS ?? 1)));
  // With several rounds, numlab's LSTM and the PyTorch peers alternate (numlab, PyTorch, numlab, …)
  // so that a change in machine load hits both; the ratio is then the median of the rounds' ratios.
  type Round = { lstm: ReturnType<typeof lstmStepMs>; lstm1: ReturnType<typeof lstmStepMs>; torch: Record<number, ReturnType<typeof runPytorch>> };
  const perRound: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    const lstm = lstmStepMs(steps);
    const lstm1 = info.blasThreads > 1 ? withBlasThreads(1, () => lstmStepMs(steps)) : lstm;
    const torch = Object.fromEntries(threadCounts.map((t) => [t, runPytorch(t, steps)]));
    perRound.push({ lstm, lstm1, torch });
  }
  const mlp = mlpStepMs(50);
  let stock: { ms: number } | null = null;
  let layerAblation: ReturnType<typeof lstmLayerAblation> | null = null;
  if (process.env.NUMLAB_BENCH_ABLATION === "1") {
    layerAblation = lstmLayerAblation(steps);
    if (info.backend === "wasm") stock = withStockWasmKernels(() => lstmStepMs(5, 1));
  }
  const firstTorch = perRound[0].torch[1];
  const torchOk = "threads" in firstTorch;
  /** Median over rounds of PyTorch's time for one model at `threads` threads. */
  const torchMs = (threads: number, pick: (t: PytorchResult) => { ms: number } | undefined): { ms: number } | null => {
    const ms = perRound
      .map((p) => p.torch[threads])
      .map((t) => (t && "threads" in t ? pick(t)?.ms : undefined))
      .filter((x): x is number => x !== undefined);
    return ms.length ? { ms: median(ms) } : null;
  };
  const byThreads = (pick: (t: PytorchResult) => { ms: number } | undefined) =>
    Object.fromEntries(threadCounts.map((t) => [t, torchMs(t, pick)]));
  const lstmTorch = byThreads((t) => t.lstm);
  const lstmBest = bestOf(lstmTorch);
  const lstmMs = median(perRound.map((p) => p.lstm.ms));
  const lstm1Ms = median(perRound.map((p) => p.lstm1.ms));
  const round2 = (x: number) => Math.round(x * 100) / 100;
  const roundsInfo =
    rounds > 1
      ? perRound.map((p) => {
          const times = threadCounts
            .map((t) => p.torch[t])
            .map((t) => (t && "threads" in t && t.lstm ? t.lstm.ms : null))
            .filter((x): x is number => x !== null);
          const best = times.length ? Math.min(...times) : null;
          return { numlabMs: Math.round(p.lstm.ms), pytorchMs: best === null ? null : Math.round(best), ratio: best === null ? null : round2(p.lstm.ms / best) };
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
    ...(stock ? { numlabWithoutWasmPatchesMs: Math.round(stock.ms) } : {}),
    ...(layerAblation ? { lstmLayerAblation: layerAblation } : {}),
    ...(torchOk ? { torch: (firstTorch as PytorchResult).torch } : { pytorch: (firstTorch as { unavailable: string }).unavailable }),
  });
  if (roundRatios.length > 1) lstmSection.ratio = round2(median(roundRatios));
  const mlpTorch = byThreads((t) => t.mlp);
  const mlpBest = bestOf(mlpTorch);
  return {
    lstm: lstmSection,
    mlp: section(mlp.ms, mlpBest?.ms ?? null, info.backend, {
      ...common,
      pytorchThreads: mlpBest?.threads ?? null,
      pytorchMsByThreads: rounded(mlpTorch),
      config: MLP_BENCH,
      ...(torchOk ? {} : { pytorch: (firstTorch as { unavailable: string }).unavailable }),
    }),
    transformer: null,
  };
}
