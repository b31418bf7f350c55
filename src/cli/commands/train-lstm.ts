import { parseArgs } from "util";
import type { Command } from "../command";
import { intOption, numberOption, UsageError } from "../command";
import { initBackend } from "../../backend";
import { LSTM_CPU_CONFIG, LSTM_SEED_CONFIG, LSTM_SMOKE_CONFIG, LstmTrainConfig, trainLstm } from "../../train/lstm-lm";
import { NonFiniteLossError } from "../../train/run-dir";

const PRESETS: Record<string, LstmTrainConfig> = { cpu: LSTM_CPU_CONFIG, seed: LSTM_SEED_CONFIG, smoke: LSTM_SMOKE_CONFIG };

const USAGE = `numlab train lstm --out DIR [options]

Train the LSTM next-integer model on OEIS sequences (Embedding → LSTM → Dense(relu) → Dense),
evaluating the loss and the probes of the first integers' embeddings every --eval-every steps.
DIR receives config.json, metrics.jsonl, checkpoint/, embeddings/, TensorBoard files
(open with: tensorboard --logdir DIR).

  --out DIR             run directory (required)
  --resume              continue the run in DIR from its checkpoint (same config, same data order)
  --preset NAME         cpu (default; about 2 min on one core), seed (the seed's
                        full configuration),
                        smoke (tiny)
  --file F              OEIS stripped file (plain or .gz); default: the full dump if cached, else
                        the shared subset from NUMLAB_DATA_DIR
  --max-value N         integers 0..N-1 are tokens, N is the pad (cpu: ${LSTM_CPU_CONFIG.maxValue})
  --seq-len L           terms per row (cpu: ${LSTM_CPU_CONFIG.seqLen})
  --steps S             optimizer steps (cpu: ${LSTM_CPU_CONFIG.steps})
  --batch-size B        (cpu: ${LSTM_CPU_CONFIG.batchSize})
  --embedding-dim D     (cpu: ${LSTM_CPU_CONFIG.embeddingDim})
  --hidden H            LSTM units (cpu: ${LSTM_CPU_CONFIG.hiddenSize})
  --layers K            LSTM layers (cpu: ${LSTM_CPU_CONFIG.numLayers})
  --dense U             units of the relu layer (cpu: ${LSTM_CPU_CONFIG.denseSize})
  --lr R                Adam learning rate (cpu: ${LSTM_CPU_CONFIG.learningRate})
  --clip C              global gradient-norm clip, 0 for none (cpu: ${LSTM_CPU_CONFIG.clipNorm})
  --seed S              (default 0)
  --eval-every N        steps between evaluations (cpu: ${LSTM_CPU_CONFIG.evalEvery})
  --checkpoint-every N  steps between checkpoints (cpu: ${LSTM_CPU_CONFIG.checkpointEvery})
  --probe-count K       probe the integers 0..K-1 (cpu: ${LSTM_CPU_CONFIG.probeCount})
  --float16             store checkpoint weights as float16
  --stop-after N        stop this invocation after N steps (checkpointed; continue with --resume)
  --json                print the summary as JSON`;

export const trainLstmCommand: Command = {
  name: "train lstm",
  summary: "train the LSTM next-integer model on OEIS sequences (probes, checkpoints, TensorBoard)",
  usage: USAGE,
  async run(args) {
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
    const preset = PRESETS[values.preset ?? "cpu"];
    if (!preset) throw new UsageError(`--preset must be one of ${Object.keys(PRESETS).join(", ")}, got "${values.preset}"`);
    const config: LstmTrainConfig = {
      ...preset,
      dataFile: values.file ?? preset.dataFile,
      maxValue: intOption(values["max-value"], "--max-value", preset.maxValue, 2),
      seqLen: intOption(values["seq-len"], "--seq-len", preset.seqLen, 2),
      steps: intOption(values.steps, "--steps", preset.steps, 0),
      batchSize: intOption(values["batch-size"], "--batch-size", preset.batchSize, 1),
      embeddingDim: intOption(values["embedding-dim"], "--embedding-dim", preset.embeddingDim, 1),
      hiddenSize: intOption(values.hidden, "--hidden", preset.hiddenSize, 1),
      numLayers: intOption(values.layers, "--layers", preset.numLayers, 1),
      denseSize: intOption(values.dense, "--dense", preset.denseSize, 1),
      learningRate: numberOption(values.lr, "--lr", preset.learningRate),
      clipNorm: numberOption(values.clip, "--clip", preset.clipNorm),
      seed: intOption(values.seed, "--seed", preset.seed, 0),
      evalEvery: intOption(values["eval-every"], "--eval-every", preset.evalEvery, 1),
      checkpointEvery: intOption(values["checkpoint-every"], "--checkpoint-every", preset.checkpointEvery, 1),
      probeCount: intOption(values["probe-count"], "--probe-count", Math.min(preset.probeCount, intOption(values["max-value"], "--max-value", preset.maxValue, 2)), 10),
      float16Checkpoint: Boolean(values.float16) || preset.float16Checkpoint,
    };
    if (!(config.learningRate > 0)) throw new UsageError(`--lr must be > 0, got ${config.learningRate}`);
    if (config.probeCount > config.maxValue) throw new UsageError(`--probe-count (${config.probeCount}) cannot exceed --max-value (${config.maxValue})`);
    const stopAfter = values["stop-after"] === undefined ? undefined : intOption(values["stop-after"], "--stop-after", undefined, 1);
    await initBackend({ quiet: Boolean(values.json) });
    try {
      const summary = await trainLstm({ out: values.out, config, resume: Boolean(values.resume), maxStepsThisRun: stopAfter });
      if (values.json) {
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
