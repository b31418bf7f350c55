import { parseArgs } from "util";
import { Command, UsageError, intOption, numberOption, presetOption } from "../command";
import { initBackend } from "../../backend";
import { loadNames } from "../../data/names";
import { buildSplitDatasets, splitWords } from "../../datasets/char-contexts";
import { disposeMlpLm } from "../../models/mlp-lm";
import { Rng } from "../../random";
import {
  MAKEMORE_DEFAULTS,
  MakemoreConfig,
  evaluateSplits,
  readMakemoreRunConfig,
  resolveMakemoreConfig,
  sampleNames,
  trainMakemore,
} from "../../train/makemore";
import { presetsUsage } from "../../train/presets";

/** The usage text of `numlab train makemore`: its defaults are printed from `MAKEMORE_DEFAULTS`, its presets read from presets/. */
export function trainMakemoreUsage(): string {
  const d = MAKEMORE_DEFAULTS;
  return `numlab train makemore [options]

Train the makemore character MLP on names.txt (80/10/10 split by names after a seeded shuffle)
and report the train/dev/test cross-entropy.

  --preset P      start from a preset's settings (listed below); flags given as well override it
  --block N       characters of context (default ${d.blockSize})
  --emb D         embedding dimension (default ${d.embeddingDim})
  --hidden H      hidden tanh units (default ${d.hidden})
  --steps S       SGD steps (default ${d.steps}); the rate drops from --lr to --lr-after at S/2
  --batch B       minibatch size (default ${d.batchSize})
  --lr X          learning rate before the drop (default ${d.lr})
  --lr-after X    learning rate after the drop (default ${d.lrAfterDrop})
  --init K        scaled or randn (every weight N(0,1), as the lesson's first version) (default ${d.init})
  --seed S        seed of the split, the weights and the minibatches (default ${d.seed})
  --data FILE     names.txt to use (default: NUMLAB_DATA_DIR, the cache, else download)
  --out DIR       run directory: config.json, metrics.jsonl, checkpoint/ (weights, step,
                  minibatch-generator state), written atomically every --checkpoint-every steps
  --resume        continue the run in --out from its checkpoint with its saved config and the
                  same minibatch order (it ends with the weights of an uninterrupted run)
  --checkpoint-every N  steps between checkpoints (default ${d.checkpointEvery}; the end is always saved)
  --stop-after N  stop this invocation after N steps, with a checkpoint (continue with --resume)
  --samples N     print N sampled names (default 0)
  --json          print only the summary {"train","dev","test","params","seconds","cpuSeconds"}

"seconds" is the wall-clock time of the training loop; "cpuSeconds" the CPU time it used (the
two agree on an otherwise idle machine).

${presetsUsage("makemore")}`;
}

const TRAIN_MAKEMORE_OPTIONS = {
  preset: { type: "string" },
  block: { type: "string" },
  emb: { type: "string" },
  hidden: { type: "string" },
  steps: { type: "string" },
  batch: { type: "string" },
  lr: { type: "string" },
  "lr-after": { type: "string" },
  init: { type: "string" },
  seed: { type: "string" },
  data: { type: "string" },
  out: { type: "string" },
  resume: { type: "boolean" },
  "checkpoint-every": { type: "string" },
  "stop-after": { type: "string" },
  samples: { type: "string" },
  json: { type: "boolean" },
} as const;

/** What the flags of `numlab train makemore` ask for: the config (defaults from `MAKEMORE_DEFAULTS`, then the preset, then the flags) and the run options. */
export function parseTrainMakemoreArgs(args: string[]) {
  const { values } = parseArgs({ args, options: TRAIN_MAKEMORE_OPTIONS });
  const resume = Boolean(values.resume);
  if (resume && !values.out) throw new UsageError("--resume needs --out DIR (the run to continue)");
  const preset = presetOption(values.preset, "makemore", resume);
  const base = resolveMakemoreConfig(preset?.options);
  const init = values.init ?? base.init;
  if (init !== "scaled" && init !== "randn") throw new UsageError(`--init must be "scaled" or "randn", got "${init}"`);
  const steps = intOption(values.steps, "--steps", base.steps, 0);
  const requested: MakemoreConfig = {
    blockSize: intOption(values.block, "--block", base.blockSize, 1),
    embeddingDim: intOption(values.emb, "--emb", base.embeddingDim, 1),
    hidden: intOption(values.hidden, "--hidden", base.hidden, 1),
    steps,
    batchSize: intOption(values.batch, "--batch", base.batchSize, 1),
    lr: numberOption(values.lr, "--lr", base.lr),
    lrAfterDrop: numberOption(values["lr-after"], "--lr-after", base.lrAfterDrop),
    // a preset's own drop step is kept unless --steps changes the schedule's length
    ...(preset?.options.lrDropStep !== undefined && values.steps === undefined ? { lrDropStep: preset.options.lrDropStep } : {}),
    seed: intOption(values.seed, "--seed", base.seed),
    init: init as "scaled" | "randn",
  };
  let config: MakemoreConfig = requested;
  if (resume) {
    // the saved config wins; a flag given explicitly must agree with it
    const saved = readMakemoreRunConfig(values.out!);
    const flags: [string, keyof MakemoreConfig][] = [
      ["block", "blockSize"],
      ["emb", "embeddingDim"],
      ["hidden", "hidden"],
      ["steps", "steps"],
      ["batch", "batchSize"],
      ["lr", "lr"],
      ["lr-after", "lrAfterDrop"],
      ["seed", "seed"],
      ["init", "init"],
    ];
    for (const [flag, key] of flags) {
      if ((values as Record<string, unknown>)[flag] !== undefined && requested[key] !== saved[key]) {
        throw new UsageError(`--${flag} ${requested[key]} differs from the run being resumed (${saved[key]}); drop it or choose another --out`);
      }
    }
    const { trainExamples: _n, ...savedConfig } = saved;
    config = savedConfig;
  }
  return {
    config,
    out: values.out,
    resume,
    data: values.data,
    checkpointEvery: intOption(values["checkpoint-every"], "--checkpoint-every", MAKEMORE_DEFAULTS.checkpointEvery, 1),
    stopAfter: values["stop-after"] === undefined ? undefined : intOption(values["stop-after"], "--stop-after", undefined, 1),
    samples: intOption(values.samples, "--samples", 0, 0),
    json: Boolean(values.json),
  };
}

export const trainMakemoreCommand: Command = {
  name: "train makemore",
  summary: "train the makemore character MLP on names.txt and report split losses",
  get usage() {
    return trainMakemoreUsage();
  },
  async run(args) {
    const { config, out, resume, data, checkpointEvery, stopAfter, samples, json } = parseTrainMakemoreArgs(args);
    const { seed, blockSize } = resolveMakemoreConfig(config);
    await initBackend({ quiet: json });
    const words = await loadNames({ path: data, quiet: json });
    const splits = buildSplitDatasets(splitWords(words, new Rng(seed)), blockSize);
    if (!json) {
      process.stderr.write(`names: ${words.length}; examples train ${splits.train.count}, dev ${splits.dev.count}, test ${splits.test.count}\n`);
    }
    const run = trainMakemore(splits.train, config, { out, resume, checkpointEvery, stopAfter, progress: !json });
    if (run.step < run.config.steps) {
      process.stderr.write(`stopped at step ${run.step} of ${run.config.steps}; continue with: numlab train makemore --out ${out} --resume\n`);
    }
    const losses = evaluateSplits(run.model, splits);
    const summary = {
      ...losses,
      params: run.params,
      seconds: Math.round(run.seconds * 10) / 10,
      cpuSeconds: Math.round(run.cpuSeconds * 10) / 10,
    };
    if (samples > 0 && !json) {
      for (const name of sampleNames(run.model, samples, new Rng(seed + 10))) process.stdout.write(name + "\n");
    }
    disposeMlpLm(run.model);
    process.stdout.write(JSON.stringify(summary) + "\n");
    return 0;
  },
};
