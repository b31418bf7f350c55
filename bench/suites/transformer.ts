/**
 * Seq2seq transformer training-step speed with the polynomial configuration (issue 8 / seed 004):
 * d 256, 3 + 3 layers, 8 heads, feed-forward 512, dropout 0.1, vocab 40, batch 128, source and
 * target length 30, loss + gradients + global-norm clipping + Adam, against the same step in
 * PyTorch (bench/pytorch_transformer.py, nn.Transformer) when `/usr/bin/python3 -c "import torch"` works.
 * Figures are medians after a warm-up step; a step ends when its loss is read back.
 * Env: NUMLAB_BENCH_TRANSFORMER_STEPS (timed steps, default 5, as the issue asks: median of ≥ 5).
 */
import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "child_process";
import * as path from "path";
import { initBackend } from "../../src/backend";
import { createTransformer, disposeTransformer, transformerLoss, TokenBatch } from "../../src/models/transformer";
import { clipGradientsByGlobalNorm } from "../../src/train/seq2seq";
import { Rng } from "../../src/random";
import { benchThreadCounts, bestOf, timeSteps, withBlasThreads } from "../timing";

export const TRANSFORMER_BENCH = { vocab: 40, hidden: 256, layers: 3, heads: 8, ffHidden: 512, dropout: 0.1, batchSize: 128, length: 30 };

/** Deterministic ids with `<sos>`=1 … `<eos>`=2 and trailing pads; same formula as the Python peer. */
export function benchIds(batch: number, length: number, vocab: number, salt: number): Int32Array {
  const out = new Int32Array(batch * length);
  for (let r = 0; r < batch; r++) {
    const n = length - ((r * 5 + salt) % Math.floor(length / 3));
    out[r * length] = 1;
    for (let t = 1; t < n; t++) out[r * length + t] = 3 + ((r * 7919 + t * 104729 + salt * 31 + r * t) % (vocab - 3));
    out[r * length + n - 1] = 2;
  }
  return out;
}

/** Median training-step time (ms) of the numlab transformer on the current backend. */
export function transformerStepMs(steps: number, warmup = 1): { ms: number; stepsMs: number[]; parameters: number } {
  const c = TRANSFORMER_BENCH;
  const model = createTransformer({
    sourceVocabSize: c.vocab,
    targetVocabSize: c.vocab,
    hidden: c.hidden,
    encoderLayers: c.layers,
    decoderLayers: c.layers,
    heads: c.heads,
    ffHidden: c.ffHidden,
    dropout: c.dropout,
    maxLength: 64,
    norm: "post",
  });
  const batch: TokenBatch = {
    size: c.batchSize,
    sourceLength: c.length,
    targetLength: c.length,
    source: benchIds(c.batchSize, c.length, c.vocab, 1),
    target: benchIds(c.batchSize, c.length, c.vocab, 2),
  };
  const optimizer = tf.train.adam(1e-4);
  const vars = Object.values(model.params);
  const rng = new Rng(0);
  const step = () => {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => transformerLoss(model, batch, { training: true, rng }), vars);
      optimizer.applyGradients(clipGradientsByGlobalNorm(grads, 1).grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
      value.dataSync();
    });
  };
  const timing = timeSteps(step, warmup, steps);
  const parameters = vars.reduce((n, v) => n + v.size, 0);
  optimizer.dispose();
  disposeTransformer(model);
  return { ms: timing.ms, stepsMs: timing.stepsMs, parameters };
}

function runPytorch(threads: number, steps: number): { ms: number; stepsMs: number[]; threads: number; torch: string } | { unavailable: string } {
  const python = "/usr/bin/python3";
  const check = spawnSync(python, ["-c", "import torch"], { encoding: "utf8" });
  if (check.status !== 0) return { unavailable: `${python} cannot import torch` };
  const script = path.join(__dirname, "..", "pytorch_transformer.py");
  const r = spawnSync(python, [script, "--threads", String(threads), "--steps", String(steps)], { encoding: "utf8", timeout: 30 * 60 * 1000 });
  if (r.status !== 0) return { unavailable: `pytorch_transformer.py failed: ${(r.stderr || r.error?.message || "").slice(-500)}` };
  return JSON.parse(r.stdout.trim().split("\n").pop() as string);
}

/**
 * Best against best, as the training-step suite: numlab with OpenBLAS on every core, PyTorch with
 * 1 thread and with every core (its faster setting is the reference); `oneThread` is the
 * single-core pair.
 */
export async function run(): Promise<Record<string, unknown>> {
  const threadCounts = benchThreadCounts();
  const info = await initBackend({ quiet: true, blasThreads: Math.max(...threadCounts) });
  const steps = Number(process.env.NUMLAB_BENCH_TRANSFORMER_STEPS ?? 5);
  const numlab = transformerStepMs(steps);
  const numlab1 = info.blasThreads > 1 ? withBlasThreads(1, () => transformerStepMs(steps)) : numlab;
  const torchRuns = Object.fromEntries(threadCounts.map((t) => [t, runPytorch(t, steps)]));
  const byThreads = Object.fromEntries(Object.entries(torchRuns).map(([t, r]) => [t, "ms" in r ? r : null]));
  const best = bestOf(byThreads);
  const torch1 = byThreads[1];
  const anyTorch = Object.values(torchRuns)[0];
  return {
    transformer: {
      numlabMs: Math.round(numlab.ms),
      pytorchMs: best === null ? null : Math.round(best.ms),
      ratio: best === null ? null : Number((numlab.ms / best.ms).toFixed(2)),
      backend: info.backend,
      threads: info.threads,
      blasThreads: info.blasThreads,
      native: info.native,
      pytorchThreads: best?.threads ?? null,
      pytorchMsByThreads: Object.fromEntries(Object.entries(byThreads).map(([t, r]) => [t, r ? Math.round(r.ms) : null])),
      oneThread: {
        numlabMs: Math.round(numlab1.ms),
        pytorchMs: torch1 ? Math.round(torch1.ms) : null,
        ratio: torch1 ? Number((numlab1.ms / torch1.ms).toFixed(2)) : null,
      },
      config: TRANSFORMER_BENCH,
      parameters: numlab.parameters,
      numlabStepsMs: numlab.stepsMs,
      ...("ms" in anyTorch ? { torch: anyTorch.torch } : { pytorch: anyTorch.unavailable }),
    },
  };
}
