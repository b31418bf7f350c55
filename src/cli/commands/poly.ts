/** `numlab train poly` and `numlab eval poly`: headless training and evaluation of polynomial expansion. */
import * as fs from "fs";
import * as path from "path";
import { Rng } from "../../random";
import { interruptedExit, withInterruptSignal } from "../../cancel";
import { seq2seqResumeExpectations } from "../../train/seq2seq";
import type { ResumeExpectation } from "../../train/run-inputs";
import { polynomialGeneratorFor, randomPolynomialPair } from "../../data/polynomial-generator";
import { Command, MAX_SEED, UsageError, fractionOption, intOption, parseFlags, presetOption } from "../command";
import { initBackend } from "../../backend";
import { progress } from "../../display/progress";
import {
  POLYNOMIAL_DEFAULTS,
  PolynomialTrainOptions,
  loadPolynomialRun,
  polynomialAzValidation,
  polynomialRunSplit,
  polynomialTrainingPairs,
  readPolynomialRunConfig,
  trainPolynomial,
} from "../../train/polynomial";
import { presetsUsage } from "../../train/presets";
import { evaluatePolynomialModel, polynomialExampleRows, polynomialGroupRows, polynomialGroupScores } from "../../eval/polynomial";
import { PolynomialPair, formatSkippedPairs, readPolynomialPairs } from "../../data/polynomials";
import { SEQ2SEQ_OPTIONS, seq2seqSettings, seq2seqUsage } from "./seq2seq-options";

/** Upper bounds of the polynomial commands' numeric flags (checked when flags are parsed, before anything is written). */
export const POLY_LIMITS = { generated: 5_000_000, augment: 5_000_000, evalSize: 100_000, beams: 64, examples: 10_000, count: 10_000_000 } as const;

/** The usage text of `numlab train poly`: its defaults are printed from `POLYNOMIAL_DEFAULTS`, its presets read from presets/. */
export function trainPolyUsage(): string {
  const d = POLYNOMIAL_DEFAULTS;
  return `numlab train poly --out DIR [options]
numlab train poly --preset NAME|FILE.json --out DIR [options]

Train the seq2seq transformer to expand factored polynomials ((7-3*z)*(-5*z-9) → 15*z**2-8*z-63).
The default model is the seed notebook's.

  --preset P          start from a preset's settings (listed below); flags given as well override it
  --data FILE         factored=expanded text or JSON pairs (default: polynomials/union_unique.txt
                      or train.txt in NUMLAB_DATA_DIR, else the cache/download)
  --generated N       train on N generated pairs instead of real data
  --limit N           use only the first N pairs of the file
  --skip-invalid      drop pairs that do not parse or whose expansion is wrong (counted) instead of
                      stopping at the first with its file:line
  --test-fraction F   held-out share (default ${d.data.testFraction})
  --val-fraction F    validation share (default ${d.data.valFraction})
  --split-seed S      seed of the split (default ${d.data.splitSeed})
  --augment-generated N   add N generated training pairs over every letter a–z (the real data's forms,
                      coefficients and trig share); none by default
  --augment-renamed N add N real training pairs copied with their letter renamed to a random a–z letter
  --augment-validation N  generated a–z pairs kept for validation (scored as valAzExactMatch) when
                      augmenting (default ${d.data.augment.validation})
  --augment-seed S    seed of the added pairs (default ${d.data.augment.seed})
  --init-from DIR     start from the weights of the polynomial run in DIR (same model shape and
                      held-out split; Adam starts fresh)
${seq2seqUsage(d, "total optimizer steps")}
  --eval-size N       validation pairs scored (loss, greedy exact match) at each evaluation (default ${d.train.evalSize})
  --resume            continue the run in --out from its checkpoint (its saved settings apply;
                      --steps may raise the total, --dropout may change the dropout, e.g. --dropout 0
                      to fine-tune without it; changes are logged in config.json)

${presetsUsage("poly")}`;
}

/** The `trainPolynomial` options that the flags of `numlab train poly` ask for (defaults from `POLYNOMIAL_DEFAULTS`, then the preset, then the flags). */
export function parseTrainPolyArgs(args: string[]): PolynomialTrainOptions {
  const { values } = parseFlags({
    args,
    options: {
      data: { type: "string" },
      generated: { type: "string" },
      limit: { type: "string" },
      "test-fraction": { type: "string" },
      "val-fraction": { type: "string" },
      "split-seed": { type: "string" },
      "eval-size": { type: "string" },
      "augment-generated": { type: "string" },
      "augment-renamed": { type: "string" },
      "augment-validation": { type: "string" },
      "augment-seed": { type: "string" },
      "init-from": { type: "string" },
      "skip-invalid": { type: "boolean" },
      ...SEQ2SEQ_OPTIONS,
    },
  });
  if (values.data !== undefined && values.generated !== undefined) throw new UsageError("--data and --generated exclude each other");
  const resume = Boolean(values.resume);
  const preset = presetOption(values.preset, "poly", resume);
  const { generated: _generated, augment: augmentDefaults, ...dataDefaults } = POLYNOMIAL_DEFAULTS.data;
  const base = {
    data: { ...dataDefaults, ...preset?.options.data },
    model: { ...POLYNOMIAL_DEFAULTS.model, ...preset?.options.model },
    train: { ...POLYNOMIAL_DEFAULTS.train, ...preset?.options.train },
  };
  const settings = seq2seqSettings(values, base);
  // --data or --generated replaces the preset's source (and its file or count)
  const { file: baseFile, generated: baseGenerated, ...dataBase } = base.data;
  const source = values.generated !== undefined ? "generated" : values.data !== undefined ? "real" : base.data.source;
  const file = values.data ?? (values.generated === undefined ? baseFile : undefined);
  const generated =
    values.generated !== undefined
      ? intOption(values.generated, "--generated", undefined, 10, POLY_LIMITS.generated)
      : values.data === undefined
        ? baseGenerated
        : undefined;
  const augmenting = ["augment-generated", "augment-renamed", "augment-validation", "augment-seed"].some((k) => values[k as keyof typeof values] !== undefined);
  if (augmenting && resume) throw new UsageError("--augment-* options set a new run's data; a resumed run keeps its own");
  if (values["init-from"] !== undefined && resume) throw new UsageError("--init-from starts a new run; it cannot be combined with --resume");
  const baseAugment = base.data.augment;
  const testFraction = fractionOption(values["test-fraction"], "--test-fraction", base.data.testFraction);
  const valFraction = fractionOption(values["val-fraction"], "--val-fraction", base.data.valFraction, true);
  if (testFraction + valFraction >= 1)
    throw new UsageError(`--test-fraction ${testFraction} and --val-fraction ${valFraction} leave no training pairs (their sum must be < 1)`);
  const augment =
    augmenting || baseAugment
      ? {
          generated: intOption(values["augment-generated"], "--augment-generated", baseAugment?.generated ?? augmentDefaults.generated, 0, POLY_LIMITS.augment),
          renamed: intOption(values["augment-renamed"], "--augment-renamed", baseAugment?.renamed ?? augmentDefaults.renamed, 0, POLY_LIMITS.augment),
          validation: intOption(
            values["augment-validation"],
            "--augment-validation",
            baseAugment?.validation ?? augmentDefaults.validation,
            0,
            POLY_LIMITS.augment,
          ),
          seed: intOption(values["augment-seed"], "--augment-seed", baseAugment?.seed ?? augmentDefaults.seed, 0, MAX_SEED),
        }
      : undefined;
  return {
    data: {
      ...dataBase,
      ...(augment ? { augment } : {}),
      source,
      ...(file !== undefined ? { file } : {}),
      ...(generated !== undefined ? { generated } : {}),
      ...(values.limit !== undefined ? { limit: intOption(values.limit, "--limit", undefined, 10) } : {}),
      ...(values["skip-invalid"] ? { skipInvalid: true } : {}),
      testFraction,
      valFraction,
      splitSeed: intOption(values["split-seed"], "--split-seed", base.data.splitSeed, 0, MAX_SEED),
    },
    model: settings.model,
    train: {
      ...settings.train,
      evalSize: intOption(values["eval-size"], "--eval-size", base.train.evalSize, 1, POLY_LIMITS.evalSize),
    },
    out: settings.out,
    resume,
    ...(values["init-from"] !== undefined ? { initFrom: values["init-from"] } : {}),
    ...(resume
      ? {
          onResume: { ...settings.onResume, ...(values.lr !== undefined ? { learningRate: settings.train.learningRate } : {}) },
          expect: polyResumeExpectations(values, settings),
        }
      : {}),
  };
}

/**
 * The settings of `numlab train poly --resume` given explicitly that cannot change on resume: the
 * shared transformer and optimizer flags and the data flags (a different --data is caught by the
 * recorded file hash).
 */
function polyResumeExpectations(values: Record<string, unknown>, settings: Parameters<typeof seq2seqResumeExpectations>[1]): ResumeExpectation[] {
  const out = seq2seqResumeExpectations(values, settings);
  const fixed: [flag: string, key: string, parse: (v: string) => string | number][] = [
    ["generated", "data.generated", (v) => intOption(v, "--generated", undefined, 10)],
    ["limit", "data.limit", (v) => intOption(v, "--limit", undefined, 10)],
    ["test-fraction", "data.testFraction", (v) => fractionOption(v, "--test-fraction")],
    ["val-fraction", "data.valFraction", (v) => fractionOption(v, "--val-fraction", undefined, true)],
    ["split-seed", "data.splitSeed", (v) => intOption(v, "--split-seed", undefined, 0, MAX_SEED)],
    ["eval-size", "train.evalSize", (v) => intOption(v, "--eval-size", undefined, 1, POLY_LIMITS.evalSize)],
  ];
  for (const [flag, key, parse] of fixed) {
    const v = values[flag];
    if (typeof v === "string") out.push({ name: `--${flag}`, key, value: parse(v) });
  }
  return out;
}

export const trainPolyCommand: Command = {
  name: "train poly",
  summary: "train a transformer to expand factored polynomials",
  get usage() {
    return trainPolyUsage();
  },
  async run(args) {
    const options = parseTrainPolyArgs(args);
    await initBackend();
    let result: Awaited<ReturnType<typeof trainPolynomial>>;
    try {
      // Ctrl-C (SIGINT) or SIGTERM: stop at the next step with a checkpoint
      result = await withInterruptSignal((signal) => trainPolynomial({ ...options, signal }));
    } catch (err) {
      return interruptedExit("train poly", err);
    }
    const last = result.summary.lastEval ?? {};
    process.stdout.write(
      `trained ${result.summary.step} steps (${result.summary.seconds.toFixed(0)} s this session, ${result.parameters} parameters, ` +
        `${result.trainPairs} training pairs); val loss ${Number(last.valLoss).toFixed(4)}, greedy exact match on ` +
        `${result.splitSizes.valScored} val pairs ${Number(last.valExactMatch).toFixed(4)} → ${options.out}\n`,
    );
    return 0;
  },
};

/** The pairs of an `eval poly --data` file; dropped invalid pairs are counted on stderr. */
async function readDataFile(file: string, limit: number | undefined, skipInvalid: boolean): Promise<PolynomialPair[]> {
  const read = await readPolynomialPairs(file, { limit, skipInvalid });
  const skipped = formatSkippedPairs(read);
  if (skipped) process.stderr.write(skipped + "\n");
  return read.pairs;
}

const EVAL_USAGE = `numlab eval poly --checkpoint DIR [--data FILE [--skip-invalid]] [--split test|val|val-az] [--limit N] [--beams K] [--examples N] [--by-group] [--json]

Expand every factored polynomial of FILE (factored=expanded text or JSON pairs) with the run's model
and score the predictions: exact string match (the seed's score) and symbolic equivalence (the
prediction expands to the same polynomial, checked with numlab's expander). Without --data the
run's own held-out test split is used (--split val: its validation split instead; --split val-az: the
generated a–z validation pairs of a run trained with --augment-*).
--by-group adds the scores per variable letter, per form (two linear factors, monomial × linear,
monomial, trigonometric) and per target length in tokens. --json prints
{"exactMatch","equivalent","n"} (and "groups" with --by-group).`;

export const evalPolyCommand: Command = {
  name: "eval poly",
  summary: "score a polynomial-expansion run: exact match and symbolic equivalence",
  usage: EVAL_USAGE,
  async run(args) {
    const { values } = parseFlags({
      args,
      options: {
        checkpoint: { type: "string" },
        data: { type: "string" },
        limit: { type: "string" },
        beams: { type: "string" },
        examples: { type: "string" },
        split: { type: "string" },
        "by-group": { type: "boolean" },
        "skip-invalid": { type: "boolean" },
        json: { type: "boolean" },
      },
    });
    if (!values.checkpoint) throw new UsageError("missing required option --checkpoint");
    const split = values.split ?? "test";
    if (split !== "test" && split !== "val" && split !== "val-az") throw new UsageError(`--split must be test, val or val-az, got "${split}"`);
    if (values.split !== undefined && values.data !== undefined)
      throw new UsageError("--split chooses among the run's own splits; it cannot be combined with --data");
    const beams = intOption(values.beams, "--beams", 1, 1, POLY_LIMITS.beams);
    const examples = intOption(values.examples, "--examples", 5, 0, POLY_LIMITS.examples);
    if (values["skip-invalid"] && values.data === undefined)
      throw new UsageError("--skip-invalid applies to a --data file (a run's own splits were checked when it trained)");
    const limit = values.limit === undefined ? undefined : intOption(values.limit, "--limit", undefined, 1);
    await initBackend({ quiet: Boolean(values.json) });
    const run = loadPolynomialRun(values.checkpoint);
    if (split === "val-az" && !run.config.data.augment)
      throw new UsageError(`--split val-az: ${values.checkpoint} was trained without --augment-*, so it has no a–z validation pairs`);
    const pairs = values.data
      ? await readDataFile(values.data, limit, Boolean(values["skip-invalid"]))
      : split === "val-az"
        ? polynomialAzValidation(run.config.data).slice(0, limit)
        : (await polynomialRunSplit(run.config.data))[split].slice(0, limit);
    const bar = values.json ? null : progress({ total: pairs.length, label: "expanding", unit: "pair" });
    let done = 0;
    const r = evaluatePolynomialModel(run.model, run.language, pairs, {
      beams,
      onProgress: (n) => {
        bar?.tick(n - done);
        done = n;
      },
    });
    bar?.done();
    if (values.json) {
      const groups = values["by-group"] ? { groups: polynomialGroupScores(r.rows) } : {};
      process.stdout.write(JSON.stringify({ exactMatch: r.scores.exactMatch, equivalent: r.scores.equivalent, n: r.scores.n, ...groups }) + "\n");
    } else {
      const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
      process.stdout.write(
        `${r.scores.n} pairs${values.data ? ` from ${values.data}` : split === "val" ? " (validation split)" : split === "val-az" ? " (generated a–z validation pairs)" : " (held-out test split)"}, ${beams === 1 ? "greedy" : `beam ${beams}`}, ${r.seconds.toFixed(1)} s:\n` +
          `  exact match ${pct(r.scores.exactMatch)} (${r.scores.exactCount})   equivalent ${pct(r.scores.equivalent)} (${r.scores.equivalentCount})   unparsable ${r.scores.unparsable}\n`,
      );
      if (values["by-group"]) {
        const rows = polynomialGroupRows(polynomialGroupScores(r.rows));
        let group = "";
        for (const g of rows) {
          if (g.group !== group) process.stdout.write(`  by ${(group = g.group)}:\n`);
          process.stdout.write(
            `    ${g.value.padEnd(20)} n ${String(g.n).padStart(6)}   exact ${pct(g.exactMatch).padStart(7)}   equivalent ${pct(g.equivalent).padStart(7)}\n`,
          );
        }
      }
      for (const e of polynomialExampleRows(r.rows, { count: examples, errorsFirst: true })) {
        process.stdout.write(`  ${e.input} → ${e.predicted}   (target ${e.target}; exact ${e.exact}, equivalent ${e.equivalent})\n`);
      }
    }
    return 0;
  },
};

const GENERATE_USAGE = `numlab poly generate --count N --seed S --out FILE [--letters a-z|data] [--exclude-run DIR]

Write N new factored=expanded pairs from numlab's generator: the real data set's forms, coefficient
ranges and share of sin/cos/tan, every target computed by numlab's expander. --letters a-z (default)
draws the variable from all 26 letters equally; --letters data from the real data's 13 letters and
their frequencies. --exclude-run DIR skips pairs whose source the polynomial run in DIR trained on
(so a test set is never trained on); the file then holds N pairs that pass. FILE is written whole
(atomically) and never overwritten.`;

export const polyGenerateCommand: Command = {
  name: "poly generate",
  summary: "write new polynomial pairs from the generator (e.g. a fresh test set over all 26 letters)",
  usage: GENERATE_USAGE,
  async run(args) {
    const { values } = parseFlags({
      args,
      options: { count: { type: "string" }, seed: { type: "string" }, out: { type: "string" }, letters: { type: "string" }, "exclude-run": { type: "string" } },
    });
    const count = intOption(values.count, "--count", undefined, 1, POLY_LIMITS.count);
    const seed = intOption(values.seed, "--seed", undefined, 0, MAX_SEED);
    if (!values.out) throw new UsageError("missing required option --out");
    const letters = values.letters ?? "a-z";
    if (letters !== "a-z" && letters !== "data") throw new UsageError(`--letters must be a-z or data, got "${letters}"`);
    if (fs.existsSync(values.out)) throw new UsageError(`--out ${values.out} exists; choose a new file`);
    let excluded = new Set<string>();
    if (values["exclude-run"] !== undefined) {
      const config = readPolynomialRunConfig(values["exclude-run"]);
      excluded = new Set(polynomialTrainingPairs(config.data, await polynomialRunSplit(config.data)).map((p) => p.factored));
    }
    const rng = new Rng(seed);
    const options = polynomialGeneratorFor(letters);
    const lines: string[] = [];
    let skipped = 0;
    while (lines.length < count) {
      const p = randomPolynomialPair(rng, options);
      if (excluded.has(p.factored)) skipped++;
      else lines.push(`${p.factored}=${p.expanded}`);
      if (skipped > 100 * count) throw new Error(`poly generate: ${skipped} pairs in a row were training pairs of ${values["exclude-run"]}; stopping`);
    }
    fs.mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
    const tmp = `${values.out}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, lines.join("\n") + "\n", { flag: "wx" });
    fs.renameSync(tmp, values.out);
    process.stdout.write(
      `${count} pairs (letters ${letters}, seed ${seed}${values["exclude-run"] ? `, ${skipped} training pairs of ${values["exclude-run"]} skipped` : ""}) → ${values.out}\n`,
    );
    return 0;
  },
};
