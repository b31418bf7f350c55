import { parseArgs } from "util";
import type { Command } from "../command";
import { intOption, numberOption, presetOption, UsageError } from "../command";
import { initBackend } from "../../backend";
import { LSTM_DEFAULTS, LstmTrainConfig, trainLstm } from "../../train/lstm-lm";
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
  --resume              continue the run in DIR from its checkpoint (same config, same data order)
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

/** What the flags of `numlab train lstm` ask for: the config (defaults from `LSTM_DEFAULTS`, then the preset, then the flags) and the run options. */
export function parseTrainLstmArgs(args: string[]) {
  const { values } = parseArgs({
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
      json: { type: "boolean" },
    },
  });
  if (!values.out) throw new UsageError("missing required option --out");
  const resume = Boolean(values.resume);
  const base: LstmTrainConfig = { ...LSTM_DEFAULTS, ...presetOption(values.preset, "lstm", resume)?.options };
  const maxValue = intOption(values["max-value"], "--max-value", base.maxValue, 2);
  const config: LstmTrainConfig = {
    ...base,
    dataFile: values.file ?? base.dataFile,
    maxValue,
    seqLen: intOption(values["seq-len"], "--seq-len", base.seqLen, 2),
    steps: intOption(values.steps, "--steps", base.steps, 0),
    batchSize: intOption(values["batch-size"], "--batch-size", base.batchSize, 1),
    embeddingDim: intOption(values["embedding-dim"], "--embedding-dim", base.embeddingDim, 1),
    hiddenSize: intOption(values.hidden, "--hidden", base.hiddenSize, 1),
    numLayers: intOption(values.layers, "--layers", base.numLayers, 1),
    denseSize: intOption(values.dense, "--dense", base.denseSize, 1),
    learningRate: numberOption(values.lr, "--lr", base.learningRate),
    clipNorm: numberOption(values.clip, "--clip", base.clipNorm),
    seed: intOption(values.seed, "--seed", base.seed, 0),
    evalEvery: intOption(values["eval-every"], "--eval-every", base.evalEvery, 1),
    checkpointEvery: intOption(values["checkpoint-every"], "--checkpoint-every", base.checkpointEvery, 1),
    // a smaller --max-value lowers the probed integers with it
    probeCount: intOption(values["probe-count"], "--probe-count", Math.min(base.probeCount, maxValue), 10),
    float16Checkpoint: Boolean(values.float16) || base.float16Checkpoint,
  };
  if (!(config.learningRate > 0)) throw new UsageError(`--lr must be > 0, got ${config.learningRate}`);
  if (config.probeCount > config.maxValue) throw new UsageError(`--probe-count (${config.probeCount}) cannot exceed --max-value (${config.maxValue})`);
  return {
    out: values.out,
    config,
    resume,
    stopAfter: values["stop-after"] === undefined ? undefined : intOption(values["stop-after"], "--stop-after", undefined, 1),
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
    const { out, config, resume, stopAfter, json } = parseTrainLstmArgs(args);
    await initBackend({ quiet: json });
    try {
      const summary = await trainLstm({ out, config, resume, maxStepsThisRun: stopAfter });
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
      throw err;
    }
    return 0;
  },
};
