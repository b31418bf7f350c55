import { parseArgs } from "util";
import { Command, UsageError, intOption, numberOption } from "../command";
import { initBackend } from "../../backend";
import { loadNames } from "../../data/names";
import { buildSplitDatasets, splitWords } from "../../datasets/char-contexts";
import { disposeMlpLm } from "../../models/mlp-lm";
import { Rng } from "../../random";
import { MakemoreConfig, evaluateSplits, readMakemoreRunConfig, sampleNames, trainMakemore } from "../../train/makemore";

const USAGE = `numlab train makemore [options]

Train the makemore character MLP on names.txt (80/10/10 split by names after a seeded shuffle)
and report the train/dev/test cross-entropy.

  --block N       characters of context (default 3)
  --emb D         embedding dimension (default 10)
  --hidden H      hidden tanh units (default 200)
  --steps S       SGD steps (default 200000); the rate drops from --lr to --lr-after at S/2
  --batch B       minibatch size (default 32)
  --lr X          learning rate before the drop (default 0.1)
  --lr-after X    learning rate after the drop (default 0.01)
  --init K        scaled (default) or randn (every weight N(0,1), as the lesson's first version)
  --seed S        seed of the split, the weights and the minibatches (default 42)
  --data FILE     names.txt to use (default: NUMLAB_DATA_DIR, the cache, else download)
  --out DIR       run directory: config.json, metrics.jsonl, checkpoint/ (weights, step,
                  minibatch-generator state), written atomically every --checkpoint-every steps
  --resume        continue the run in --out from its checkpoint with its saved config and the
                  same minibatch order (it ends with the weights of an uninterrupted run)
  --checkpoint-every N  steps between checkpoints (default 10000; the end is always saved)
  --stop-after N  stop this invocation after N steps, with a checkpoint (continue with --resume)
  --samples N     print N sampled names (default 0)
  --json          print only the summary {"train","dev","test","params","seconds","cpuSeconds"}

"seconds" is the wall-clock time of the training loop; "cpuSeconds" the CPU time it used (the
two agree on an otherwise idle machine).`;

export const trainMakemoreCommand: Command = {
  name: "train makemore",
  summary: "train the makemore character MLP on names.txt and report split losses",
  usage: USAGE,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
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
      },
    });
    const resume = Boolean(values.resume);
    if (resume && !values.out) throw new UsageError("--resume needs --out DIR (the run to continue)");
    const init = values.init ?? "scaled";
    if (init !== "scaled" && init !== "randn") throw new UsageError(`--init must be "scaled" or "randn", got "${init}"`);
    const requested: MakemoreConfig = {
      blockSize: intOption(values.block, "--block", 3, 1),
      embeddingDim: intOption(values.emb, "--emb", 10, 1),
      hidden: intOption(values.hidden, "--hidden", 200, 1),
      steps: intOption(values.steps, "--steps", 200_000, 0),
      batchSize: intOption(values.batch, "--batch", 32, 1),
      lr: numberOption(values.lr, "--lr", 0.1),
      lrAfterDrop: numberOption(values["lr-after"], "--lr-after", 0.01),
      seed: intOption(values.seed, "--seed", 42),
      init: init as "scaled" | "randn",
    };
    let config: MakemoreConfig = requested;
    if (resume) {
      // the saved config wins; a flag given explicitly must agree with it
      const saved = readMakemoreRunConfig(values.out!);
      const flags: [string, keyof MakemoreConfig][] = [
        ["block", "blockSize"], ["emb", "embeddingDim"], ["hidden", "hidden"], ["steps", "steps"], ["batch", "batchSize"],
        ["lr", "lr"], ["lr-after", "lrAfterDrop"], ["seed", "seed"], ["init", "init"],
      ];
      for (const [flag, key] of flags) {
        if ((values as Record<string, unknown>)[flag] !== undefined && requested[key] !== saved[key]) {
          throw new UsageError(`--${flag} ${requested[key]} differs from the run being resumed (${saved[key]}); drop it or choose another --out`);
        }
      }
      const { trainExamples: _n, ...savedConfig } = saved;
      config = savedConfig;
    }
    const seed = config.seed!;
    const checkpointEvery = intOption(values["checkpoint-every"], "--checkpoint-every", 10_000, 1);
    const stopAfter = values["stop-after"] === undefined ? undefined : intOption(values["stop-after"], "--stop-after", undefined, 1);
    const samples = intOption(values.samples, "--samples", 0, 0);
    const json = Boolean(values.json);
    await initBackend({ quiet: json });
    const words = await loadNames({ path: values.data, quiet: json });
    const splits = buildSplitDatasets(splitWords(words, new Rng(seed)), config.blockSize);
    if (!json) {
      process.stderr.write(
        `names: ${words.length}; examples train ${splits.train.count}, dev ${splits.dev.count}, test ${splits.test.count}\n`,
      );
    }
    const run = trainMakemore(splits.train, config, { out: values.out, resume, checkpointEvery, stopAfter, progress: !json });
    if (run.step < run.config.steps) {
      process.stderr.write(`stopped at step ${run.step} of ${run.config.steps}; continue with: numlab train makemore --out ${values.out} --resume\n`);
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
