/**
 * The next-term benchmark ("what comes next?", src/eval/next-term.ts) on the shared OEIS subset:
 *  - the whole benchmark (split, solvers, LSTM, baselines, scores) on the held-out sequences, with
 *    the seconds of each method and the top-1 / top-10 / coverage figures;
 *  - the solvers alone on EVERY sequence of the subset × 3 prefixes (the speed target: under two
 *    minutes on one core), with the seconds of each family;
 *  - exactness on generated rules (recurrences of order ≤ 4, polynomials of degree ≤ 5, 20 terms).
 * Also reports CPU seconds and the load average, since the machine may be shared.
 *
 * Run alone: `node --import tsx bench/suites/next-term.ts`. NUMLAB_BENCH_NEXT_TERM_ALL=0 skips the
 * all-sequences pass.
 */
import * as os from "os";
import { findOeisSubset, parseOeisFile } from "../../src/data/oeis";
import { initBackend } from "../../src/backend";
import { loadLstmModel, shippedLstmRunDir } from "../../src/train/lstm-lm";
import { DEFAULT_PREFIXES, nextTermItems, runNextTermBenchmark, solverAnswers } from "../../src/eval/next-term";
import { DEFAULT_MIN_CHECKS } from "../../src/math/sequence-solvers";
import { ruleSequences, scoreRuleRecovery } from "../../src/math/rule-sequences";

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

function cpuSeconds(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return round((u.user + u.system) / 1e6);
}

export async function run(): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const cases = ruleSequences(2000, 2026);
  const rules = scoreRuleRecovery(cases);
  const generated = {
    cases: rules.n,
    top1: rules.top1,
    wrong: rules.wrong,
    abstained: rules.abstained,
    continuationRight: rules.continuationRight,
    seconds: round((performance.now() - t0) / 1000),
  };
  const file = findOeisSubset();
  if (!file) return { "next-term": { generated, skipped: "the shared OEIS subset was not found (set NUMLAB_DATA_DIR)" } };
  const runDir = shippedLstmRunDir();
  if (!runDir) return { "next-term": { generated, skipped: "the shipped LSTM run is missing" } };
  await initBackend({ quiet: true });
  const { model, config } = loadLstmModel(runDir);
  const collection = await parseOeisFile(file);
  const split = { seqLen: config.seqLen, maxValue: config.maxValue, validationShare: config.validationShare, seed: config.seed };

  const b0 = performance.now();
  const bc = process.cpuUsage();
  const result = runNextTermBenchmark({ collection, split, model, progressMode: "silent" });
  const benchmark = {
    file,
    heldOutSequences: result.split.heldOut.length,
    items: result.scores.n,
    minChecks: DEFAULT_MIN_CHECKS,
    seconds: round((performance.now() - b0) / 1000),
    cpuSeconds: cpuSeconds(bc),
    secondsByMethod: Object.fromEntries(Object.entries(result.seconds).map(([k, v]) => [k, round(v)])),
    methods: Object.fromEntries(
      Object.entries(result.scores.methods).map(([k, s]) => [k, { top1: round(s.top1, 4), top10: round(s.topk, 4), coverage: round(s.coverage, 4) }]),
    ),
  };

  let allSequences: Record<string, unknown> | null = null;
  if (process.env.NUMLAB_BENCH_NEXT_TERM_ALL !== "0") {
    const a0 = performance.now();
    const ac = process.cpuUsage();
    const items = nextTermItems(
      collection,
      Array.from({ length: collection.length }, (_, i) => i),
      DEFAULT_PREFIXES,
    );
    const { seconds } = solverAnswers(items, { progressMode: "silent" });
    allSequences = {
      sequences: collection.length,
      items: items.length,
      seconds: round((performance.now() - a0) / 1000),
      cpuSeconds: cpuSeconds(ac),
      secondsByFamily: Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, round(v)])),
    };
  }
  return {
    "next-term": {
      generated,
      benchmark,
      allSequences,
      loadAverage: os.loadavg().map((x) => round(x)),
      cores: os.cpus().length,
      totalCpuSeconds: cpuSeconds(c0),
    },
  };
}

if (require.main === module) {
  run().then((r) => console.log(JSON.stringify(r, null, 2)));
}
