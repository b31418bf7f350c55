import type { Command } from "../command";
import { MAX_SEED, intOption, numberOption, parseFlags, positiveNumberOption, presetOption, UsageError } from "../command";
import { initBackend } from "../../backend";
import { interruptedExit, withInterruptSignal } from "../../cancel";
import { LSTM_CHANGEABLE_ON_RESUME, LSTM_DEFAULTS, LstmOnResume, LstmTrainConfig, trainLstm } from "../../train/lstm-lm";
import type { ResumeExpectation } from "../../train/run-inputs";
import { presetsUsage } from "../../train/presets";
import { NonFiniteLossError } from "../../train/run-dir";

/** The usage text of `numlab train lstm`: its defaults are printed from `LSTM_DEFAULTS`, its presets read from presets/. */
export function trainLstmUsage(): string {
  const d = LSTM_DEFAULTS;
  return `numlab train lstm --out DIR [options]

Train the LSTM next-integer model on OEIS sequences (Embedding → LSTM → Dense(relu) → Dense),
evaluating the loss and the probes of the first integers' embeddings every --eval-every steps.
DIR receives config.json, metrics.jsonl, checkpoint/, embeddings/, TensorBoard files
(open with: tensorboard --logdir DIR).

  --out DIR             run directory (required)
  --resume              continue the run in DIR from its checkpoint (same config, same data order,
                        bit for bit); ${LSTM_CHANGEABLE_ON_RESUME} may change (logged in config.json), any
                        other setting given must equal the run's; --file must hold the run's data
  --init-from RUN       start a new run from RUN's trained weights (same model shape); Adam starts fresh
  --preset P            start from a preset's settings (listed below); flags given as well override it
  --file F              OEIS stripped file (plain or .gz); default: the full dump if cached, else
                        the shared subset from NUMLAB_DATA_DIR
  --max-value N         integers 0..N-1 are tokens, N is the pad (default ${d.maxValue})
  --seq-len L           terms per row (default ${d.seqLen})
  --steps S             optimizer steps (default ${d.steps})
  --batch-size B        rows per batch (default ${d.batchSize})
  --embedding-dim D     embedding dimension (default ${d.embeddingDim})
  --hidden H            LSTM units (default ${d.hiddenSize})
  --layers K            LSTM layers (default ${d.numLayers})
  --dense U             units of the relu layer (default ${d.denseSize})
  --lr R                Adam learning rate (default ${d.learningRate})
  --clip C              global gradient-norm clip, 0 for none (default ${d.clipNorm})
  --seed S              seed of the weights, the split and the batches (default ${d.seed})
  --eval-every N        steps between evaluations (default ${d.evalEvery})
  --checkpoint-every N  steps between checkpoints (default ${d.checkpointEvery})
  --probe-count K       probe the integers 0..K-1 (default ${d.probeCount}; at most --max-value)
  --float16             store checkpoint weights as float16 (default ${d.float16Checkpoint ? "on" : "off"})
  --stop-after N        stop this invocation after N steps (checkpointed; continue with --resume)
  --json                print the summary as JSON

${presetsUsage("lstm")}`;
}

/**
 * Bounds of the size flags of `numlab train lstm`, checked when the flags are read (before a run
 * directory is made). The longest OEIS sequences have a few hundred terms, so --seq-len 1000 keeps
 * every one while a padded row of 100,000 terms per sequence would exhaust memory.
 */
export const LSTM_LIMITS = {
  maxValue: 1_000_000,
  seqLen: 1000,
  steps: 1_000_000_000,
  batchSize: 4096,
  embeddingDim: 4096,
  hidden: 4096,
  layers: 16,
  dense: 8192,
} as const;

/** What the flags of `numlab train lstm` ask for: the config (defaults from `LSTM_DEFAULTS`, then the preset, then the flags) and the run options. */
export function parseTrainLstmArgs(args: string[]) {
  const { values } = parseFlags({
    args,
    options: {
      out: { type: "string" },
      resume: { type: "boolean" },
      preset: { type: "string" },
      file: { type: "string" },
      "max-value": { type: "string" },
      "seq-len": { type: "string" },
      steps: { type: "string" },
      "batch-size": { type: "string" },
      "embedding-dim": { type: "string" },
      hidden: { type: "string" },
      layers: { type: "string" },
      dense: { type: "string" },
      lr: { type: "string" },
      clip: { type: "string" },
      seed: { type: "string" },
      "eval-every": { type: "string" },
      "checkpoint-every": { type: "string" },
      "probe-count": { type: "string" },
      float16: { type: "boolean" },
      "stop-after": { type: "string" },
      "init-from": { type: "string" },
      json: { type: "boolean" },
    },
  });
  if (!values.out) throw new UsageError("missing required option --out");
  const resume = Boolean(values.resume);
  const base: LstmTrainConfig = { ...LSTM_DEFAULTS, ...presetOption(values.preset, "lstm", resume)?.options };
  const L = LSTM_LIMITS;
  const maxValue = intOption(values["max-value"], "--max-value", base.maxValue, 2, L.maxValue);
  const config: LstmTrainConfig = {
    ...base,
    dataFile: values.file ?? base.dataFile,
    maxValue,
    seqLen: intOption(values["seq-len"], "--seq-len", base.seqLen, 2, L.seqLen),
    steps: intOption(values.steps, "--steps", base.steps, 0, L.steps),
    batchSize: intOption(values["batch-size"], "--batch-size", base.batchSize, 1, L.batchSize),
    embeddingDim: intOption(values["embedding-dim"], "--embedding-dim", base.embeddingDim, 1, L.embeddingDim),
    hiddenSize: intOption(values.hidden, "--hidden", base.hiddenSize, 1, L.hidden),
    numLayers: intOption(values.layers, "--layers", base.numLayers, 1, L.layers),
    denseSize: intOption(values.dense, "--dense", base.denseSize, 1, L.dense),
    learningRate: positiveNumberOption(values.lr, "--lr", base.learningRate),
    clipNorm: numberOption(values.clip, "--clip", base.clipNorm, { min: 0 }),
    seed: intOption(values.seed, "--seed", base.seed, 0, MAX_SEED),
    evalEvery: intOption(values["eval-every"], "--eval-every", base.evalEvery, 1, L.steps),
    checkpointEvery: intOption(values["checkpoint-every"], "--checkpoint-every", base.checkpointEvery, 1, L.steps),
    // a smaller --max-value lowers the probed integers with it
    probeCount: intOption(values["probe-count"], "--probe-count", Math.min(base.probeCount, maxValue), 10, L.maxValue),
    float16Checkpoint: Boolean(values.float16) || base.float16Checkpoint,
  };
  if (!(config.learningRate > 0)) throw new UsageError(`--lr must be > 0, got ${config.learningRate}`);
  if (config.probeCount > config.maxValue) throw new UsageError(`--probe-count (${config.probeCount}) cannot exceed --max-value (${config.maxValue})`);
  if (resume && values["init-from"] !== undefined) throw new UsageError("--init-from starts a new run: leave it out with --resume");
  // on resume: --steps, --lr and --file are changes (--file: checked to hold the run's data); other flags given must match the run
  const onResume: LstmOnResume = {
    ...(values.steps !== undefined ? { steps: config.steps } : {}),
    ...(values.lr !== undefined ? { learningRate: config.learningRate } : {}),
    ...(values.file !== undefined ? { dataFile: values.file } : {}),
  };
  const fixed: [flag: string, key: keyof LstmTrainConfig][] = [
    ["max-value", "maxValue"],
    ["seq-len", "seqLen"],
    ["batch-size", "batchSize"],
    ["embedding-dim", "embeddingDim"],
    ["hidden", "hiddenSize"],
    ["layers", "numLayers"],
    ["dense", "denseSize"],
    ["clip", "clipNorm"],
    ["seed", "seed"],
    ["eval-every", "evalEvery"],
    ["checkpoint-every", "checkpointEvery"],
    ["probe-count", "probeCount"],
    ["float16", "float16Checkpoint"],
  ];
  const expect: ResumeExpectation[] = fixed
    .filter(([flag]) => (values as Record<string, unknown>)[flag] !== undefined)
    .map(([flag, key]) => ({ name: `--${flag}`, key, value: config[key] }));
  return {
    out: values.out,
    config,
    resume,
    ...(resume ? { onResume, expect } : {}),
    ...(values["init-from"] !== undefined ? { initFrom: values["init-from"] } : {}),
    stopAfter: values["stop-after"] === undefined ? undefined : intOption(values["stop-after"], "--stop-after", undefined, 1, L.steps),
    json: Boolean(values.json),
  };
}

export const trainLstmCommand: Command = {
  name: "train lstm",
  summary: "train the LSTM next-integer model on OEIS sequences (probes, checkpoints, TensorBoard)",
  get usage() {
    return trainLstmUsage();
  },
  async run(args) {
    const { out, config, resume, onResume, expect, initFrom, stopAfter, json } = parseTrainLstmArgs(args);
    await initBackend({ quiet: json });
    try {
      // Ctrl-C (SIGINT) or SIGTERM: stop at the next step with a checkpoint
      const summary = await withInterruptSignal((signal) => trainLstm({ out, config, resume, onResume, expect, initFrom, maxStepsThisRun: stopAfter, signal }));
      if (json) {
        process.stdout.write(JSON.stringify(summary) + "\n");
      } else {
        const probes = summary.lastEval?.probes ?? {};
        const parts = Object.entries(probes).map(([t, p]) => `${t} ${(100 * p!.test).toFixed(1)}% (majority ${(100 * p!.majority).toFixed(1)}%)`);
        process.stdout.write(
          `step ${summary.step}/${summary.config.steps}, last loss ${summary.finalLoss?.toFixed(4) ?? "-"}, ${summary.trainRows} training rows, ${summary.seconds.toFixed(0)} s\n` +
            (parts.length ? `probe test accuracy at step ${summary.lastEval!.step}: ${parts.join(", ")}\n` : "") +
            `run directory: ${summary.out} (tensorboard --logdir ${summary.out})\n`,
        );
      }
    } catch (err) {
      if (err instanceof NonFiniteLossError) {
        process.stderr.write(`numlab train lstm: ${err.message}\n`);
        return 3;
      }
      return interruptedExit("train lstm", err);
    }
    return 0;
  },
};
