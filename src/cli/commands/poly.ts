/** `numlab train poly` and `numlab eval poly`: headless training and evaluation of polynomial expansion. */
import { parseArgs } from "util";
import { Command, UsageError, intOption, numberOption } from "../command";
import { initBackend } from "../../backend";
import { progress } from "../../display/progress";
import { loadPolynomialRun, polynomialRunSplit, trainPolynomial } from "../../train/polynomial";
import { evaluatePolynomialModel, polynomialExampleRows } from "../../eval/polynomial";
import { loadPolynomialPairs } from "../../data/polynomials";
import { SEQ2SEQ_OPTIONS, seq2seqSettings } from "./seq2seq-options";

const TRAIN_USAGE = `numlab train poly --out DIR [options]

Train the seq2seq transformer to expand factored polynomials ((7-3*z)*(-5*z-9) → 15*z**2-8*z-63).

  --data FILE         factored=expanded text or JSON pairs (default: polynomials/union_unique.txt
                      or train.txt in NUMLAB_DATA_DIR, else the cache/download)
  --generated N       train on N generated pairs instead of real data
  --limit N           use only the first N pairs of the file
  --test-fraction F   held-out share (default 0.2)   --val-fraction F  (default 0.04)
  --split-seed S      (default 1234)
  --steps N           optimizer steps (default 20000)  --batch N  (default 512, as the seed)
  --lr X              peak learning rate (default 5e-4) --warmup N  (default 200)
  --clip X            gradient global-norm clip (default 1)
  --hidden D --layers L --heads H --ff F --dropout P  model shape (seed: 256, 3, 8, 512, 0.1)
  --norm pre|post     (default pre)   --gain G  attention Xavier gain (default 0.5)   --seed S (default 0)
  --eval-every N      validation (loss, greedy exact match on --eval-size val pairs) and checkpoint every N steps (default 200)
  --eval-size N       (default 256)
  --float16           store checkpoint weights as float16
  --resume            continue the run in --out from its checkpoint (its saved settings apply;
                      --steps may raise the total, --dropout may change the dropout, e.g. --dropout 0
                      to fine-tune without it; changes are logged in config.json)`;

export const trainPolyCommand: Command = {
  name: "train poly",
  summary: "train a transformer to expand factored polynomials",
  usage: TRAIN_USAGE,
  async run(args) {
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
    const settings = seq2seqSettings(values, { batch: 512, lr: 5e-4, warmup: 200, evalEvery: 200, hidden: 256, layers: 3, heads: 8, ff: 512, dropout: 0.1 });
    await initBackend();
    const result = await trainPolynomial({
      data: {
        source: values.generated !== undefined ? "generated" : "real",
        ...(values.data !== undefined ? { file: values.data } : {}),
        ...(values.generated !== undefined ? { generated: intOption(values.generated, "--generated", undefined, 10) } : {}),
        ...(values.limit !== undefined ? { limit: intOption(values.limit, "--limit", undefined, 10) } : {}),
        testFraction: numberOption(values["test-fraction"], "--test-fraction", 0.2),
        valFraction: numberOption(values["val-fraction"], "--val-fraction", 0.04),
        splitSeed: intOption(values["split-seed"], "--split-seed", 1234),
      },
      model: settings.model,
      train: {
        ...settings.train,
        steps: intOption(values.steps, "--steps", 20000, 1),
        evalSize: intOption(values["eval-size"], "--eval-size", 256, 1),
      },
      out: settings.out,
      resume: settings.resume,
      dropoutOnResume: settings.dropoutOnResume,
    });
    const last = result.summary.lastEval ?? {};
    process.stdout.write(
      `trained ${result.summary.step} steps (${result.summary.seconds.toFixed(0)} s this session, ${result.parameters} parameters, ` +
        `${result.trainPairs} training pairs); val loss ${Number(last.valLoss).toFixed(4)}, greedy exact match on ` +
        `${result.config.train.evalSize} val pairs ${Number(last.valExactMatch).toFixed(4)} → ${values.out}\n`,
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
    const pairs = values.data
      ? await loadPolynomialPairs(values.data, { limit })
      : (await polynomialRunSplit(run.config.data)).test.slice(0, limit);
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
