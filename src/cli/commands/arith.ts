/** `numlab train arith` and `numlab eval arith`: headless training and evaluation of the arithmetic transformers. */
import { Command, MAX_SEED, UsageError, fractionOption, intOption, numberOption, parseFlags, presetOption } from "../command";
import { initBackend } from "../../backend";
import { interruptedExit, withInterruptSignal } from "../../cancel";
import {
  ARITHMETIC_DEFAULTS,
  ArithmeticOnResume,
  ArithmeticRunConfig,
  ArithmeticTrainOptions,
  averageArithmeticRuns,
  trainArithmetic,
  loadArithmeticEnsemble,
} from "../../train/arithmetic";
import { presetsUsage } from "../../train/presets";
import { readConfig, writeFileAtomic } from "../../train/run-dir";
import { evaluateArithmetic } from "../../eval/arithmetic";
import { SEQ2SEQ_OPTIONS, seq2seqSettings, seq2seqUsage } from "./seq2seq-options";
import { seq2seqResumeExpectations } from "../../train/seq2seq";
import type { ResumeExpectation } from "../../train/run-inputs";

/**
 * Bounds of the arithmetic flags, checked when the flags are read (before a run directory is made):
 * the tokenizer's bases, the largest operand ranges the data builder enumerates (addition: max² pairs;
 * factorization: a sieve up to max), and the eval beam width.
 */
export const ARITH_LIMITS = {
  base: 64,
  additionMax: 46340,
  factorizationMax: 2 ** 26,
  repeatMultiDigit: 1000,
  parts: 64,
  beams: 64,
  lengthPenalty: 10,
} as const;

/** The usage text of `numlab train arith`: its defaults are printed from `ARITHMETIC_DEFAULTS`, its presets read from presets/. */
export function trainArithUsage(): string {
  const d = ARITHMETIC_DEFAULTS;
  return `numlab train arith --task addition|factorization --out DIR [options]
numlab train arith --preset NAME|FILE.json --out DIR [options]

  --task T            addition (a + b, operands in [0, max)) or factorization (2 ≤ n ≤ max);
                      not needed with --resume or a --preset that names it
  --preset P          start from a preset's settings (listed below); flags given as well override it
  --base B            number base of the digit tokens, 2..64 (default ${d.data.base})
  --max N             operand range (default ${d.data.max.addition} for addition, ${d.data.max.factorization} for factorization)
  --test-fraction F   held-out share (default ${d.data.testFraction})
  --split-seed S      seed of the held-out split (default ${d.data.splitSeed})
  --train-max M       factorization: also train on every n in (max, M] that is no longer, as
                      problem and answer, than the numbers of [2, max] (in base 60 with max 2^16:
                      nothing above 215,999; a notice says what was left out); the test split
                      stays the held-out share of [2, max] (default: max)
  --train-longer      with --train-max: also train on the n in (max, M] with more digits than
                      max (longer problems than any held-out one, e.g. the four-digit n ≥ 216,000
                      in base 60); answers must still fit. Set when a run starts
  --repeat-multidigit K
                      factorization: draw the training numbers with two or more multi-digit prime
                      factors in the base (second-largest prime factor ≥ base, e.g. 103 x 251 in
                      base 30) K times per epoch (default ${d.train.repeatMultiDigit}; the hardest numbers to learn)
${seq2seqUsage(d, "total optimizer steps")}
  --schedule S        constant or cosine (decay to 10% at the last step) after warm-up (default ${d.train.schedule})
  --parts P           compute each random batch as up to P sub-batches grouped by answer length:
                      the same loss and gradient with less padding (default ${d.train.parts}: off)
  --positional P      sinusoidal or learned position embeddings (default ${d.model.positional})
  --init-from RUN     start a new run from RUN's trained weights (same task, base, split and
                      model width; --layers and --ff may be larger: the model is deepened
                      and its feed-forward layers widened so that it computes the same
                      outputs at step 0); the optimizer starts fresh
  --resume            continue the run in --out from its checkpoint (its saved settings
                      apply; --steps, --lr, --dropout, --train-max and --repeat-multidigit
                      may change, and changes are logged in config.json; any other
                      setting given must equal the run's own)

${presetsUsage("arith")}`;
}

/** The `trainArithmetic` options that the flags of `numlab train arith` ask for (defaults from `ARITHMETIC_DEFAULTS`, then the preset, then the flags). */
export function parseTrainArithArgs(args: string[]): ArithmeticTrainOptions {
  const { values } = parseFlags({
    args,
    options: {
      task: { type: "string" },
      base: { type: "string" },
      max: { type: "string" },
      "train-max": { type: "string" },
      "train-longer": { type: "boolean" },
      "repeat-multidigit": { type: "string" },
      "init-from": { type: "string" },
      "test-fraction": { type: "string" },
      "split-seed": { type: "string" },
      ...SEQ2SEQ_OPTIONS,
      schedule: { type: "string" },
      parts: { type: "string" },
      positional: { type: "string" },
    },
  });
  const resume = Boolean(values.resume);
  const preset = presetOption(values.preset, "arith", resume);
  const { max: maxByTask, ...dataDefaults } = ARITHMETIC_DEFAULTS.data;
  const base = {
    data: { ...dataDefaults, ...preset?.options.data },
    model: { ...ARITHMETIC_DEFAULTS.model, ...preset?.options.model },
    train: { ...ARITHMETIC_DEFAULTS.train, ...preset?.options.train },
  };
  // with --resume the run's own task applies, so --task may be left out
  const task = values.task ?? (resume && values.out ? readConfig<ArithmeticRunConfig>(values.out).data?.task : base.data.task);
  if (task !== "addition" && task !== "factorization") throw new UsageError(`--task must be addition or factorization, got "${task ?? ""}"`);
  const settings = seq2seqSettings(values, base);
  const schedule = values.schedule ?? base.train.schedule;
  if (schedule !== "constant" && schedule !== "cosine") throw new UsageError(`--schedule must be constant or cosine, got "${schedule}"`);
  const positional = values.positional ?? base.model.positional;
  if (positional !== "sinusoidal" && positional !== "learned") throw new UsageError(`--positional must be sinusoidal or learned, got "${positional}"`);
  const trainMaxFlag =
    values["train-max"] === undefined ? undefined : intOption(values["train-max"], "--train-max", undefined, 2, ARITH_LIMITS.factorizationMax);
  const trainMax = trainMaxFlag ?? (resume ? undefined : base.data.trainMax);
  const repeatFlag =
    values["repeat-multidigit"] === undefined
      ? undefined
      : intOption(values["repeat-multidigit"], "--repeat-multidigit", undefined, 1, ARITH_LIMITS.repeatMultiDigit);
  const repeat = repeatFlag ?? (resume ? undefined : base.train.repeatMultiDigit);
  if (repeat !== undefined && repeat > 1 && task !== "factorization") throw new UsageError("--repeat-multidigit applies to --task factorization only");
  if (resume && values["init-from"] !== undefined) throw new UsageError("--init-from starts a new run: leave it out with --resume");
  if (values["train-longer"] && resume) throw new UsageError("--train-longer is set when a run starts (the run's own setting applies on --resume)");
  if (values["train-longer"] && !(trainMax !== undefined && task === "factorization"))
    throw new UsageError("--train-longer needs --task factorization and a --train-max above --max");
  const { trainMax: _trainMax, trainLonger: presetTrainLonger, ...dataBase } = base.data;
  const trainLonger = Boolean(values["train-longer"]) || presetTrainLonger;
  const onResume: ArithmeticOnResume = {
    ...settings.onResume,
    ...(resume && values.lr !== undefined ? { learningRate: settings.train.learningRate } : {}),
    ...(resume && trainMaxFlag !== undefined ? { trainMax: trainMaxFlag } : {}),
    ...(resume && repeatFlag !== undefined ? { repeatMultiDigit: repeatFlag } : {}),
  };
  return {
    data: {
      ...dataBase,
      task,
      base: intOption(values.base, "--base", base.data.base, 2, ARITH_LIMITS.base),
      max: intOption(
        values.max,
        "--max",
        base.data.max ?? maxByTask[task],
        task === "addition" ? 2 : 3,
        task === "addition" ? ARITH_LIMITS.additionMax : ARITH_LIMITS.factorizationMax,
      ),
      testFraction: fractionOption(values["test-fraction"], "--test-fraction", base.data.testFraction, true),
      splitSeed: intOption(values["split-seed"], "--split-seed", base.data.splitSeed, 0, MAX_SEED),
      ...(trainMax === undefined ? {} : { trainMax }),
      ...(trainLonger ? { trainLonger: true } : {}),
    },
    model: { ...settings.model, positional },
    train: {
      ...settings.train,
      schedule,
      parts: intOption(values.parts, "--parts", base.train.parts, 1, ARITH_LIMITS.parts),
      ...(repeat === undefined ? {} : { repeatMultiDigit: repeat }),
    },
    out: settings.out,
    resume,
    ...(resume ? { onResume, expect: arithResumeExpectations(values, settings) } : {}),
    ...(values["init-from"] === undefined ? {} : { initFrom: values["init-from"] }),
  };
}

/**
 * The settings of `numlab train arith --resume` given explicitly that cannot change on resume:
 * the shared transformer and optimizer flags, and the task, data and schedule flags.
 */
function arithResumeExpectations(values: Record<string, unknown>, settings: ReturnType<typeof seq2seqSettings>): ResumeExpectation[] {
  const out = seq2seqResumeExpectations(values, settings);
  const fixed: [flag: string, key: string, parse: (v: string) => string | number][] = [
    ["task", "data.task", String],
    ["base", "data.base", (v) => intOption(v, "--base", undefined, 2)],
    ["max", "data.max", (v) => intOption(v, "--max", undefined, 2)],
    ["test-fraction", "data.testFraction", (v) => numberOption(v, "--test-fraction")],
    ["split-seed", "data.splitSeed", (v) => intOption(v, "--split-seed")],
    ["schedule", "train.schedule", String],
    ["parts", "train.parts", (v) => intOption(v, "--parts", undefined, 1)],
    ["positional", "model.positional", String],
  ];
  for (const [flag, key, parse] of fixed) {
    const given = values[flag];
    if (typeof given === "string") out.push({ name: `--${flag}`, key, value: parse(given) });
  }
  return out;
}

export const trainArithCommand: Command = {
  name: "train arith",
  summary: "train a transformer on addition or factorization in any base",
  get usage() {
    return trainArithUsage();
  },
  async run(args) {
    const options = parseTrainArithArgs(args);
    await initBackend();
    let result: Awaited<ReturnType<typeof trainArithmetic>>;
    try {
      // Ctrl-C (SIGINT) or SIGTERM: stop at the next step with a checkpoint
      result = await withInterruptSignal((signal) => trainArithmetic({ ...options, signal }));
    } catch (err) {
      return interruptedExit("train arith", err);
    }
    const last = result.summary.lastEval ?? {};
    process.stdout.write(
      `trained ${result.summary.step} steps (${result.summary.seconds.toFixed(0)} s this session, ${result.parameters} parameters); ` +
        `val loss ${Number(last.valLoss).toFixed(4)}, greedy top-1 on ${result.config.train.evalSize} held-out ${Number(last.valTop1).toFixed(4)} → ${options.out}\n`,
    );
    return 0;
  },
};

const EVAL_USAGE = `numlab eval arith --checkpoint DIR [--checkpoint DIR2 ...] [--beams K] [--length-penalty A] [--limit N] [--group-base B] [--json [--by-digits]] [--predictions FILE]

Evaluate a run on its own held-out split with beam search. Prints
{"task","top1","anyOfK","correctProduct","correctFactorization","n"} with --json
(the last two are null for addition). The text output, and the --json record with --by-digits as
"byInputDigits": [{"digits","n","top1","anyOfK"}], also give the scores by how many digits the
largest operand (n, or the longer addend) has in the run's base. Beam candidates are ranked by logProb / length^A: the
default A = 1 is the mean log-probability per token, A = 0 keeps the k most probable answers.
For factorization the text output also splits correct factorization between the numbers
with two or more multi-digit prime factors in base B (second-largest prime factor ≥ B; default B:
the run's base) and the others.
Several --checkpoint runs (same task, base and held-out split) decode together as an ensemble:
each step uses the mean of their probabilities.
  --predictions FILE  also write the decoded candidates, one JSON line per held-out problem:
                      {"operands": [n], "beams": [{"text", "numbers", "logProb", "score"}, ...]}, best first,
                      so the scores can be recomputed from the model's outputs by plain arithmetic.`;

export const evalArithCommand: Command = {
  name: "eval arith",
  summary: "evaluate an arithmetic run on its held-out split (top-1, any-of-k, factorization metrics)",
  usage: EVAL_USAGE,
  async run(args) {
    const { values } = parseFlags({
      args,
      options: {
        checkpoint: { type: "string", multiple: true },
        beams: { type: "string" },
        limit: { type: "string" },
        "group-base": { type: "string" },
        "length-penalty": { type: "string" },
        json: { type: "boolean" },
        "by-digits": { type: "boolean" },
        predictions: { type: "string" },
      },
    });
    const dirs = values.checkpoint ?? [];
    if (dirs.length === 0) throw new UsageError("missing required option --checkpoint");
    const beams = intOption(values.beams, "--beams", 1, 1, ARITH_LIMITS.beams);
    const groupBase = values["group-base"] === undefined ? undefined : intOption(values["group-base"], "--group-base", 2, 2, ARITH_LIMITS.factorizationMax);
    const lengthPenalty = numberOption(values["length-penalty"], "--length-penalty", 1, { min: 0, max: ARITH_LIMITS.lengthPenalty });
    const limitFlag = values.limit === undefined ? undefined : intOption(values.limit, "--limit", undefined, 1);
    await initBackend({ quiet: Boolean(values.json) });
    const { models, data } = loadArithmeticEnsemble(dirs);
    const keys = data.split.test;
    const limit = limitFlag ?? keys.length;
    const r = evaluateArithmetic(models, data, keys.slice(0, limit), { beams, groupBase, lengthPenalty, keepCandidates: values.predictions !== undefined });
    if (values.predictions !== undefined) writeFileAtomic(values.predictions, (r.candidates ?? []).map((c) => JSON.stringify(c) + "\n").join(""));
    if (values.json) {
      process.stdout.write(
        JSON.stringify({
          task: r.task,
          top1: r.top1,
          anyOfK: r.anyOfK,
          correctProduct: r.correctProduct,
          correctFactorization: r.correctFactorization,
          n: r.n,
          ...(values["by-digits"] ? { byInputDigits: r.byInputDigits } : {}),
        }) + "\n",
      );
    } else {
      const pct = (x: number | null) => (x === null ? "—" : `${(100 * x).toFixed(2)}%`);
      process.stdout.write(
        `${r.task} on ${r.n} held-out problems, ${r.beams} beam${r.beams === 1 ? "" : "s"}${r.beams > 1 ? ` (length penalty ${r.lengthPenalty})` : ""}${models.length > 1 ? `, ensemble of ${models.length} runs` : ""}:\n` +
          `  top-1 ${pct(r.top1)}   any of ${r.beams} ${pct(r.anyOfK)}\n` +
          (r.task === "factorization"
            ? `  correct product ${pct(r.correctProduct)}   correct factorization ${pct(r.correctFactorization)}   predicted as prime ${r.predictedAsPrime}\n` +
              (r.byFactorDigits
                ? `  correct factorization with two or more multi-digit prime factors in base ${r.byFactorDigits.base} ` +
                  `(${r.byFactorDigits.twoMultiDigit.n}) ${pct(r.byFactorDigits.twoMultiDigit.correctFactorization)}   ` +
                  `the others (${r.byFactorDigits.others.n}) ${pct(r.byFactorDigits.others.correctFactorization)}\n`
                : "")
            : "") +
          `  by digits of ${r.task === "factorization" ? "n" : "the longer addend"} in base ${data.config.base} (any of ${r.beams} | top-1): ` +
          r.byInputDigits.map((g) => `${g.digits} (${g.n}) ${pct(g.anyOfK)} | ${pct(g.top1)}`).join(" · ") +
          "\n",
      );
    }
    return 0;
  },
};

const AVERAGE_USAGE = `numlab average arith --checkpoint DIR --checkpoint DIR2 [--checkpoint ...] --out DIR [--float16] [--gzip]

Write a new run in --out whose weights are the mean of the given runs' weights (a "model soup").
The runs must share task, base, held-out split and model shape. It pays off for runs trained on
from the same weights (--init-from one run with other seeds or --train-max); runs from different
random inits have unaligned weights: evaluate the result with numlab eval arith before using it.
config.json is the first run's plus averageOf: [{run, step}]; the new run has no optimizer state,
so it cannot be resumed, but --init-from can start new training from it.
  --float16           store the averaged weights as float16 (half the size, rounded)
  --gzip              compress the weights file with gzip (lossless: float32 averages of float16
                      runs shrink to about two thirds)`;

export const averageArithCommand: Command = {
  name: "average arith",
  summary: "average the weights of arithmetic runs trained on from one run into a new run",
  usage: AVERAGE_USAGE,
  async run(args) {
    const { values } = parseFlags({
      args,
      options: { checkpoint: { type: "string", multiple: true }, out: { type: "string" }, float16: { type: "boolean" }, gzip: { type: "boolean" } },
    });
    const dirs = values.checkpoint ?? [];
    if (dirs.length < 2) throw new UsageError(`give two or more --checkpoint runs to average, got ${dirs.length}`);
    if (!values.out) throw new UsageError("missing required option --out");
    await initBackend({ quiet: true });
    const { bytes } = averageArithmeticRuns(dirs, values.out, { float16: Boolean(values.float16), gzip: Boolean(values.gzip) });
    process.stdout.write(`averaged ${dirs.length} runs → ${values.out} (${(bytes / 1e6).toFixed(1)} MB of weights)\n`);
    return 0;
  },
};
