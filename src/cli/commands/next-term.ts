/** `numlab eval next-term` (the next-term benchmark on held-out OEIS sequences) and `numlab guess` (continue a sequence). */
import { Command, UsageError, intOption, parseFlags } from "../command";
import { abbreviateDigits, abbreviateLongNumbers } from "../../data/oeis-stats";
import { initBackend } from "../../backend";
import { loadOeis } from "../../data/oeis";
import { loadLstmModel, shippedLstmRunDir } from "../../train/lstm-lm";
import { writeFileAtomic } from "../../train/run-dir";
import { Rng } from "../../random";
import { DEFAULT_MIN_CHECKS, guessNextTerms, parseSequenceText } from "../../math/sequence-solvers";
import { DEFAULT_PREFIXES, minChecksSweep, nextTermJson, nextTermSplit, nextTermTable, parsePrefixList, runNextTermBenchmark } from "../../eval/next-term";
import { tableText, toTableData } from "../../display/table";

const EVAL_USAGE = `numlab eval next-term [--file F] [--checkpoint DIR | --no-lstm] [--prefix 10,20,all] [--k 10]
                      [--min-checks M] [--limit N] [--json [--by-group]] [--predictions FILE]
numlab eval next-term --sweep-min-checks 0,1,2,3,4,6,8 [--sweep-sample N] [--file F] [--checkpoint DIR]

"What comes next?" on held-out OEIS sequences: for each held-out sequence and each prefix (the first
10 and 20 terms, and "all" = every term but the last), every method ranks up to k candidates for the
next term or abstains. Methods: the classical solvers (periodic, polynomial, linear-recurrence,
holonomic, transform) and their cascade (simplest model first), the LSTM next-integer model, the most
frequent successor of the last term in the training split, "repeat the last difference", and
"cascade+lstm" (the cascade when it answers, else the LSTM).

Held-out sequences: the LSTM run's own validation rows (its trainer's split, recomputed by the same
code) plus the same share, drawn with the same seed, of the sequences that never became LSTM rows;
minus any whose A-number or first seqLen terms also occur in the training split.

  --file F            OEIS stripped file (default: what the LSTM trainer reads: the run's dataFile,
                      else the full dump when local, else the subset in NUMLAB_DATA_DIR; no download).
                      The held-out set agrees with the LSTM's split only on the file it trained on.
  --checkpoint DIR    LSTM run directory (default: the shipped lstm-next-integer run)
  --no-lstm           leave the LSTM out (the held-out split still comes from the run's settings)
  --prefix LIST       prefix lengths, comma-separated, "all" for every term but the last (default 10,20,all)
  --k K               candidates per method (default 10)
  --min-checks M      given terms a solver model must reproduce beyond those that determine it
                      (default ${DEFAULT_MIN_CHECKS}, chosen with --sweep-min-checks on the training split)
  --limit N           only the first N held-out sequences
  --json              print {"n", "methods": {name: {"top1", "top<k>", "coverage"}}}
                      (terms and candidates as decimal strings); --by-group adds "groups":
                      [{"by", "value", "n", "methods"}] by prefix, length, growth and sign changes
  --predictions FILE  also write one JSON line per item: {"id", "prefix", "given", "answer",
                      "features", "methods": {name: [candidates] | null}, "models": {solver:
                      [{"next", "formula", "spec"}]}}, so that scripts/check-next-term-predictions.py
                      can re-verify every solver model and recompute every figure
  --sweep-min-checks L
                      instead of the benchmark: the cascade with each minChecks in L on a seeded
                      sample of the TRAINING split (coverage, top-1, top-1 when answering, top-1 of
                      "cascade, else repeat the last difference")
  --sweep-sample N    training sequences in the sweep (default 3000, seed 1)`;

/**
 * Bounds of the numeric flags of `eval next-term` and `guess`, checked before any work: candidates
 * and continuations are computed per item, and the solvers' exact arithmetic grows with the digits.
 */
export const NEXT_TERM_LIMITS = { k: 1000, minChecks: 1000, sweepSample: 10_000_000, count: 1000, candidates: 100, termDigits: 10_000 } as const;

async function loadCollection(file: string | undefined, runDataFile: string | null | undefined, quiet: boolean) {
  const chosen = file ?? runDataFile ?? undefined;
  return loadOeis(chosen !== undefined ? { path: chosen, quiet } : { download: false, quiet });
}

export const evalNextTermCommand: Command = {
  name: "eval next-term",
  summary: "next-term benchmark on held-out OEIS sequences: classical solvers vs the LSTM",
  usage: EVAL_USAGE,
  async run(args) {
    const { values } = parseFlags({
      args,
      options: {
        file: { type: "string" },
        checkpoint: { type: "string" },
        "no-lstm": { type: "boolean" },
        prefix: { type: "string" },
        k: { type: "string" },
        "min-checks": { type: "string" },
        limit: { type: "string" },
        json: { type: "boolean" },
        "by-group": { type: "boolean" },
        predictions: { type: "string" },
        "sweep-min-checks": { type: "string" },
        "sweep-sample": { type: "string" },
      },
    });
    let prefixes = DEFAULT_PREFIXES;
    try {
      if (values.prefix !== undefined) prefixes = parsePrefixList(values.prefix, "--prefix");
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const k = intOption(values.k, "--k", 10, 1, NEXT_TERM_LIMITS.k);
    const minChecks = intOption(values["min-checks"], "--min-checks", DEFAULT_MIN_CHECKS, 0, NEXT_TERM_LIMITS.minChecks);
    const limit = values.limit === undefined ? undefined : intOption(values.limit, "--limit", undefined, 1);
    const sweep =
      values["sweep-min-checks"] === undefined
        ? undefined
        : values["sweep-min-checks"].split(",").map((p) => intOption(p.trim(), "--sweep-min-checks", undefined, 0, NEXT_TERM_LIMITS.minChecks));
    const sampleSize = intOption(values["sweep-sample"], "--sweep-sample", 3000, 1, NEXT_TERM_LIMITS.sweepSample);
    if (values["by-group"] && !values.json) throw new UsageError("--by-group goes with --json");
    const quiet = Boolean(values.json);
    await initBackend({ quiet });
    const runDir = values.checkpoint ?? shippedLstmRunDir();
    if (runDir === null) throw new UsageError("no LSTM run: the shipped lstm-next-integer checkpoint is missing; pass --checkpoint DIR or --no-lstm");
    const loaded = loadLstmModel(runDir);
    const { config } = loaded;
    const collection = await loadCollection(values.file, config.dataFile, quiet);
    const split = { seqLen: config.seqLen, maxValue: config.maxValue, validationShare: config.validationShare, seed: config.seed };

    if (sweep !== undefined) {
      const ms = sweep;
      const { train } = nextTermSplit(collection, split);
      const perm = new Rng(1).permutation(train.length);
      const sample = Array.from(perm.slice(0, Math.min(sampleSize, train.length)), (j) => train[j]).sort((a, b) => a - b);
      const rows = minChecksSweep(collection, sample, ms, { prefixes });
      if (values.json) process.stdout.write(JSON.stringify({ sample: sample.length, prefixes: prefixes.map(String), rows }) + "\n");
      else {
        const pct = (x: number | null) => (x === null ? "—" : `${(100 * x).toFixed(1)}%`);
        process.stdout.write(
          `minChecks on ${sample.length} training-split sequences (seed 1), prefixes ${prefixes.join(",")}, ${rows[0]?.n ?? 0} items:\n` +
            tableText(
              toTableData(
                rows.map((r) => ({
                  minChecks: r.minChecks,
                  coverage: pct(r.coverage),
                  top1: pct(r.top1),
                  "top-1 when answering": pct(r.top1WhenAnswering),
                  "cascade, else last difference": pct(r.withFallback),
                  seconds: r.seconds.toFixed(1),
                })),
              ),
            ) +
            "\n",
        );
      }
      return 0;
    }

    const t0 = performance.now();
    const result = runNextTermBenchmark({
      collection,
      split,
      model: values["no-lstm"] ? undefined : loaded.model,
      prefixes,
      k,
      minChecks,
      limit,
      progressMode: quiet ? "silent" : undefined,
    });
    const seconds = (performance.now() - t0) / 1000;
    if (values.predictions !== undefined) writeFileAtomic(values.predictions, result.records.map((r) => JSON.stringify(r) + "\n").join(""));
    if (values.json) {
      process.stdout.write(JSON.stringify(nextTermJson(result.scores, { groups: Boolean(values["by-group"]) })) + "\n");
    } else {
      const c = result.split.counts;
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      const lines = [
        `${collection.summary.file}: ${c.sequences} sequences; held out ${result.split.heldOut.length} ` +
          `(${c.lstmValidationRows} LSTM validation rows + ${c.otherHeldOut} of the ${c.sequences - c.lstmRows} non-rows, ` +
          `${c.droppedDuplicates} dropped as duplicates of training sequences)${limit !== undefined ? `, first ${limit} used` : ""}`,
        `${result.scores.n} items (prefixes ${prefixes.join(", ")}), k = ${k}, minChecks = ${minChecks}, ${seconds.toFixed(1)} s in all; LSTM: ${values["no-lstm"] ? "left out" : runDir}`,
        tableText(toTableData(nextTermTable(result.scores, result.seconds))),
        "top-1 by group:",
        ...result.scores.groups.map(
          (g) =>
            `  ${g.by} ${g.value} (${g.n}): ` +
            Object.entries(g.methods)
              .filter(([name]) => ["cascade", "lstm", "frequency", "last-difference", "cascade+lstm"].includes(name))
              .map(([name, s]) => `${name} ${pct(s.top1)}`)
              .join(" · "),
        ),
      ];
      process.stdout.write(lines.join("\n") + "\n");
    }
    return 0;
  },
};

const GUESS_USAGE = `numlab guess TERMS [--count 5] [--candidates K] [--min-checks M] [--json]

Continue an integer sequence with the classical solvers (the cascade of eval next-term: periodic,
polynomial, linear recurrence, holonomic recurrence, transforms; the simplest model that reproduces
every given term wins). TERMS: integers separated by commas (or several arguments), e.g.
  numlab guess 1,1,2,3,5,8,13        →  a(n) = a(n-1) + a(n-2), next 21, 34, 55, 89, 144
In formulas n = 0 is the first given term.
  --count N          terms to continue (default 5)
  --candidates K     also show up to K models with other next terms (default 1)
  --min-checks M     given terms a model must reproduce beyond those that determine it (default ${DEFAULT_MIN_CHECKS})
  --json             print {"method", "formula", "next": ["21", "34", ...]} (decimal strings), or
                     {"method": null} when no solver explains the terms`;

export const guessCommand: Command = {
  name: "guess",
  summary: "continue an integer sequence with the classical solvers and print the formula found",
  usage: GUESS_USAGE,
  async run(args) {
    // terms may start with "-" (negative numbers): take them out before option parsing, but not the
    // value that follows a flag such as --count
    const valueFlags = new Set(["--count", "--candidates", "--min-checks"]);
    const termArgs: string[] = [];
    const rest: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (valueFlags.has(args[i]) && i + 1 < args.length) rest.push(args[i], args[++i]);
      else if (/^[+-]?\d/.test(args[i])) termArgs.push(args[i]);
      else rest.push(args[i]);
    }
    const { values, positionals } = parseFlags({
      args: rest,
      allowPositionals: true,
      options: { count: { type: "string" }, candidates: { type: "string" }, "min-checks": { type: "string" }, json: { type: "boolean" } },
    });
    const text = [...termArgs, ...positionals].join(",");
    if (text.trim() === "") throw new UsageError("give the terms, e.g. numlab guess 1,1,2,3,5,8,13");
    const count = intOption(values.count, "--count", 5, 1, NEXT_TERM_LIMITS.count);
    const candidates = intOption(values.candidates, "--candidates", 1, 1, NEXT_TERM_LIMITS.candidates);
    const minChecks = intOption(values["min-checks"], "--min-checks", DEFAULT_MIN_CHECKS, 0, NEXT_TERM_LIMITS.minChecks);
    text.split(/[\s,]+/).forEach((part, i) => {
      const digits = part.replace(/^[+-]/, "").length;
      if (digits > NEXT_TERM_LIMITS.termDigits) {
        throw new UsageError(`TERMS: term ${i + 1} (${abbreviateDigits(part)}) has more than ${NEXT_TERM_LIMITS.termDigits.toLocaleString("en-US")} digits`);
      }
    });
    let terms: bigint[];
    try {
      terms = parseSequenceText(text);
    } catch (err) {
      throw new UsageError(`TERMS: ${(err as Error).message}`);
    }
    const fits = guessNextTerms(terms, { maxCandidates: candidates, minChecks });
    if (values.json) {
      const best = fits[0];
      const next = best ? (best.continuation(count) ?? [best.next]) : null;
      process.stdout.write(JSON.stringify(best ? { method: best.family, formula: best.formula, next: next!.map(String) } : { method: null }) + "\n");
      return 0;
    }
    if (fits.length === 0) {
      process.stdout.write(`no solver explains these ${terms.length} terms with ${minChecks} or more checks to spare\n`);
      return 0;
    }
    for (const fit of fits) {
      const next = fit.continuation(count);
      process.stdout.write(
        `${abbreviateLongNumbers(fit.formula)}\n  ${fit.model}: ${fit.cost} of the ${terms.length} terms determine it, the other ${fit.checks} check it (n = 0 is the first term)\n` +
          `  next: ${(next ?? [fit.next]).map((t) => abbreviateDigits(t.toString())).join(", ")}${next === null ? " (the model stops giving integers after this)" : ""}\n`,
      );
    }
    return 0;
  },
};
