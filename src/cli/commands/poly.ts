/** `numlab train poly` and `numlab eval poly`: headless training and evaluation of polynomial expansion. */
import { parseArgs } from "util";
import { Command, UsageError, intOption, numberOption, presetOption } from "../command";
import { initBackend } from "../../backend";
import { progress } from "../../display/progress";
import { POLYNOMIAL_DEFAULTS, PolynomialTrainOptions, loadPolynomialRun, polynomialRunSplit, trainPolynomial } from "../../train/polynomial";
import { presetsUsage } from "../../train/presets";
import { evaluatePolynomialModel, polynomialExampleRows } from "../../eval/polynomial";
import { loadPolynomialPairs } from "../../data/polynomials";
import { SEQ2SEQ_OPTIONS, seq2seqSettings, seq2seqUsage } from "./seq2seq-options";

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
  --test-fraction F   held-out share (default ${d.data.testFraction})
  --val-fraction F    validation share (default ${d.data.valFraction})
  --split-seed S      seed of the split (default ${d.data.splitSeed})
${seq2seqUsage(d, "total optimizer steps")}
  --eval-size N       validation pairs scored (loss, greedy exact match) at each evaluation (default ${d.train.evalSize})
  --resume            continue the run in --out from its checkpoint (its saved settings apply;
                      --steps may raise the total, --dropout may change the dropout, e.g. --dropout 0
                      to fine-tune without it; changes are logged in config.json)

${presetsUsage("poly")}`;
}

/** The `trainPolynomial` options that the flags of `numlab train poly` ask for (defaults from `POLYNOMIAL_DEFAULTS`, then the preset, then the flags). */
export function parseTrainPolyArgs(args: string[]): PolynomialTrainOptions {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: "string" },
      generated: { type: "string" },
      limit: { type: "string" },
      "test-fraction": { type: "string" },
      "val-fraction": { type: "string" },
      "split-seed": { type: "string" },
      "eval-size": { type: "string" },
      ...SEQ2SEQ_OPTIONS,
    },
  });
  if (values.data !== undefined && values.generated !== undefined) throw new UsageError("--data and --generated exclude each other");
  const resume = Boolean(values.resume);
  const preset = presetOption(values.preset, "poly", resume);
  const { generated: _generated, ...dataDefaults } = POLYNOMIAL_DEFAULTS.data;
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
    values.generated !== undefined ? intOption(values.generated, "--generated", undefined, 10) : values.data === undefined ? baseGenerated : undefined;
  return {
    data: {
      ...dataBase,
      source,
      ...(file !== undefined ? { file } : {}),
      ...(generated !== undefined ? { generated } : {}),
      ...(values.limit !== undefined ? { limit: intOption(values.limit, "--limit", undefined, 10) } : {}),
      testFraction: numberOption(values["test-fraction"], "--test-fraction", base.data.testFraction),
      valFraction: numberOption(values["val-fraction"], "--val-fraction", base.data.valFraction),
      splitSeed: intOption(values["split-seed"], "--split-seed", base.data.splitSeed),
    },
    model: settings.model,
    train: {
      ...settings.train,
      evalSize: intOption(values["eval-size"], "--eval-size", base.train.evalSize, 1),
    },
    out: settings.out,
    resume,
    ...(resume ? { onResume: settings.onResume } : {}),
  };
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
    const result = await trainPolynomial(options);
    const last = result.summary.lastEval ?? {};
    process.stdout.write(
      `trained ${result.summary.step} steps (${result.summary.seconds.toFixed(0)} s this session, ${result.parameters} parameters, ` +
        `${result.trainPairs} training pairs); val loss ${Number(last.valLoss).toFixed(4)}, greedy exact match on ` +
        `${result.config.train.evalSize} val pairs ${Number(last.valExactMatch).toFixed(4)} → ${options.out}\n`,
    );
    return 0;
  },
};

const EVAL_USAGE = `numlab eval poly --checkpoint DIR [--data FILE] [--limit N] [--beams K] [--examples N] [--json]

Expand every factored polynomial of FILE (factored=expanded text or JSON pairs) with the run's model
and score the predictions: exact string match (the seed's score) and symbolic equivalence (the
prediction expands to the same polynomial, checked with numlab's expander). Without --data the
run's own held-out test split is used. --json prints {"exactMatch","equivalent","n"}.`;

export const evalPolyCommand: Command = {
  name: "eval poly",
  summary: "score a polynomial-expansion run: exact match and symbolic equivalence",
  usage: EVAL_USAGE,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        checkpoint: { type: "string" },
        data: { type: "string" },
        limit: { type: "string" },
        beams: { type: "string" },
        examples: { type: "string" },
        json: { type: "boolean" },
      },
    });
    if (!values.checkpoint) throw new UsageError("missing required option --checkpoint");
    const beams = intOption(values.beams, "--beams", 1, 1);
    const limit = values.limit === undefined ? undefined : intOption(values.limit, "--limit", undefined, 1);
    await initBackend({ quiet: Boolean(values.json) });
    const run = loadPolynomialRun(values.checkpoint);
    const pairs = values.data ? await loadPolynomialPairs(values.data, { limit }) : (await polynomialRunSplit(run.config.data)).test.slice(0, limit);
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
      process.stdout.write(JSON.stringify({ exactMatch: r.scores.exactMatch, equivalent: r.scores.equivalent, n: r.scores.n }) + "\n");
    } else {
      const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
      process.stdout.write(
        `${r.scores.n} pairs${values.data ? ` from ${values.data}` : " (held-out test split)"}, ${beams === 1 ? "greedy" : `beam ${beams}`}, ${r.seconds.toFixed(1)} s:\n` +
          `  exact match ${pct(r.scores.exactMatch)} (${r.scores.exactCount})   equivalent ${pct(r.scores.equivalent)} (${r.scores.equivalentCount})   unparsable ${r.scores.unparsable}\n`,
      );
      const count = intOption(values.examples, "--examples", 5);
      for (const e of polynomialExampleRows(r.rows, { count, errorsFirst: true })) {
        process.stdout.write(`  ${e.input} → ${e.predicted}   (target ${e.target}; exact ${e.exact}, equivalent ${e.equivalent})\n`);
      }
    }
    return 0;
  },
};
