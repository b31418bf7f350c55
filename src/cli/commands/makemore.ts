import { Command, MAX_SEED, UsageError, intOption, parseFlags, positiveNumberOption, presetOption } from "../command";
import { initBackend } from "../../backend";
import { interruptedExit, withInterruptSignal } from "../../cancel";
import * as fs from "fs";
import { NAMES_SOURCE, readNamesFile } from "../../data/names";
import { locateDataFile } from "../../data/download";
import { recordedRunInputs } from "../../train/run-inputs";
import { buildSplitDatasets, splitWords } from "../../datasets/char-contexts";
import { disposeMlpLm } from "../../models/mlp-lm";
import { Rng } from "../../random";
import {
  MAKEMORE_CHANGEABLE_ON_RESUME,
  MAKEMORE_DEFAULTS,
  MakemoreConfig,
  MakemoreOnResume,
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
  --data FILE     names.txt to use (default: NUMLAB_DATA_DIR, the cache, else download); a run
                  records its file (path, size, SHA-256) and --resume reads and checks it again
  --out DIR       run directory: config.json, metrics.jsonl, checkpoint/ (weights, step,
                  minibatch-generator state), written atomically every --checkpoint-every steps
  --resume        continue the run in --out from its checkpoint with its saved config and the
                  same minibatch order (it ends with the weights of an uninterrupted run);
                  ${MAKEMORE_CHANGEABLE_ON_RESUME} may change (logged in config.json), any other
                  setting given must equal the run's
  --checkpoint-every N  steps between checkpoints (default ${d.checkpointEvery}; with --resume the run's own; the end is always saved)
  --stop-after N  stop this invocation after N steps, with a checkpoint (continue with --resume)
  --samples N     print N sampled names (default 0)
  --json          print only the summary {"train","dev","test","params","seconds","cpuSeconds"}

"seconds" is the wall-clock time of the training loop; "cpuSeconds" the CPU time it used (the
two agree on an otherwise idle machine).

${presetsUsage("makemore")}`;
}

/**
 * Bounds of the size flags of `numlab train makemore`, checked when the flags are read (before a run
 * directory is made). A batch may hold every training example of names.txt (about 182,000).
 */
export const MAKEMORE_LIMITS = { block: 64, emb: 1024, hidden: 8192, steps: 1_000_000_000, batch: 262_144, samples: 100_000 } as const;

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
  const { values } = parseFlags({ args, options: TRAIN_MAKEMORE_OPTIONS });
  const L = MAKEMORE_LIMITS;
  const resume = Boolean(values.resume);
  if (resume && !values.out) throw new UsageError("--resume needs --out DIR (the run to continue)");
  const preset = presetOption(values.preset, "makemore", resume);
  const base = resolveMakemoreConfig(preset?.options);
  const init = values.init ?? base.init;
  if (init !== "scaled" && init !== "randn") throw new UsageError(`--init must be "scaled" or "randn", got "${init}"`);
  const steps = intOption(values.steps, "--steps", base.steps, 0, L.steps);
  const requested: MakemoreConfig = {
    blockSize: intOption(values.block, "--block", base.blockSize, 1, L.block),
    embeddingDim: intOption(values.emb, "--emb", base.embeddingDim, 1, L.emb),
    hidden: intOption(values.hidden, "--hidden", base.hidden, 1, L.hidden),
    steps,
    batchSize: intOption(values.batch, "--batch", base.batchSize, 1, L.batch),
    lr: positiveNumberOption(values.lr, "--lr", base.lr),
    lrAfterDrop: positiveNumberOption(values["lr-after"], "--lr-after", base.lrAfterDrop),
    // a preset's own drop step is kept unless --steps changes the schedule's length
    ...(preset?.options.lrDropStep !== undefined && values.steps === undefined ? { lrDropStep: preset.options.lrDropStep } : {}),
    seed: intOption(values.seed, "--seed", base.seed, 0, MAX_SEED),
    init: init as "scaled" | "randn",
  };
  let config: MakemoreConfig = requested;
  const onResume: MakemoreOnResume = {};
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
      if ((values as Record<string, unknown>)[flag] === undefined || requested[key] === saved[key]) continue;
      if (key === "steps" || key === "lr" || key === "lrAfterDrop") {
        onResume[key] = requested[key] as number; // may change: applied and logged from the checkpoint on
        continue;
      }
      throw new UsageError(
        `--${flag} ${requested[key]} differs from the run being resumed (${saved[key]}); drop it (${MAKEMORE_CHANGEABLE_ON_RESUME} may change) or choose another --out`,
      );
    }
    const { trainExamples: _n, ...savedConfig } = saved;
    config = savedConfig;
  }
  return {
    config,
    out: values.out,
    resume,
    ...(resume ? { onResume } : {}),
    data: values.data,
    // with --resume and no flag: the run's own interval
    checkpointEvery:
      resume && values["checkpoint-every"] === undefined
        ? undefined
        : intOption(values["checkpoint-every"], "--checkpoint-every", MAKEMORE_DEFAULTS.checkpointEvery, 1, L.steps),
    stopAfter: values["stop-after"] === undefined ? undefined : intOption(values["stop-after"], "--stop-after", undefined, 1, L.steps),
    samples: intOption(values.samples, "--samples", 0, 0, L.samples),
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
    const { config, out, resume, onResume, data, checkpointEvery, stopAfter, samples, json } = parseTrainMakemoreArgs(args);
    const { seed, blockSize } = resolveMakemoreConfig(config);
    await initBackend({ quiet: json });
    // a resumed run reads the names file it recorded (no download, no other file by accident)
    const recorded = resume && data === undefined && out ? recordedRunInputs(out).data?.path : undefined;
    const file = await locateDataFile(NAMES_SOURCE, { path: data ?? (recorded && fs.existsSync(recorded) ? recorded : undefined), quiet: json });
    const words = await readNamesFile(file);
    const splits = buildSplitDatasets(splitWords(words, new Rng(seed)), blockSize);
    if (!json) {
      process.stderr.write(`names: ${words.length}; examples train ${splits.train.count}, dev ${splits.dev.count}, test ${splits.test.count}\n`);
    }
    let run: Awaited<ReturnType<typeof trainMakemore>>;
    try {
      // Ctrl-C (SIGINT) or SIGTERM: stop at the next step with a checkpoint
      run = await withInterruptSignal((signal) =>
        trainMakemore(splits.train, config, { out, resume, onResume, checkpointEvery, stopAfter, progress: !json, dataFile: out ? file : undefined, signal }),
      );
    } catch (err) {
      return interruptedExit("train makemore", err);
    }
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
