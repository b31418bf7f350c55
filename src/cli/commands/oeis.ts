import { Command, UsageError, intListOption, intOption, parseFlags } from "../command";
import { OEIS_STRIPPED, formatParseSummary, locateOeisFile, parseOeisFile } from "../../data/oeis";
import { formatOeisStats, oeisStats } from "../../data/oeis-stats";
import { locateDataFile } from "../../data/download";
import { datasetSizeTable } from "../../datasets/sequence-dataset";

const SOURCE_HELP = `Data: --file F (a plain or .gz stripped file); --full (the official dump: NUMLAB_DATA_DIR/oeis/stripped.gz,
the cache's stripped.gz, or a download of https://oeis.org/stripped.gz); --subset (the real subset
oeis/stripped_subset_merged.txt in NUMLAB_DATA_DIR). Default: the full dump when a copy is local, else the
subset, else the download. --offline forbids downloading.`;

interface SourceFlags {
  file?: string;
  subset?: boolean;
  full?: boolean;
  offline?: boolean;
}

const SOURCE_OPTIONS = {
  file: { type: "string" },
  subset: { type: "boolean" },
  full: { type: "boolean" },
  offline: { type: "boolean" },
} as const;

async function resolveFile(values: SourceFlags, quiet: boolean): Promise<string> {
  const chosen = [values.file !== undefined, Boolean(values.subset), Boolean(values.full)].filter(Boolean).length;
  if (chosen > 1) throw new UsageError("use only one of --file, --subset and --full");
  return locateOeisFile({
    path: values.file,
    which: values.subset ? "subset" : values.full ? "full" : "auto",
    download: !values.offline,
    quiet,
  });
}

export const oeisStatsCommand: Command = {
  name: "oeis stats",
  summary: "OEIS statistics: lengths, integer counts, most and least frequent integers",
  usage: `numlab oeis stats [--file F | --subset | --full] [--json] [--strict] [--top K] [--offline]

Parses the OEIS stripped format and prints the number of sequences, length mean/std/min/median/max,
total and distinct integers, the top-K (default 20) most frequent integers, integers occurring
once, and the share of negative and huge (|t| ≥ 2^53) terms. Malformed lines are skipped and listed
(--strict: the first one is an error naming file:line).
--json prints one JSON object (keys sequences, lengthMean, lengthStd, totalIntegers,
distinctIntegers, top = [[value, count], ...], ...); values beyond 2^53 are decimal strings.

${SOURCE_HELP}`,
  async run(args) {
    const { values } = parseFlags({
      args,
      options: {
        ...SOURCE_OPTIONS,
        json: { type: "boolean" },
        strict: { type: "boolean" },
        top: { type: "string" },
      },
    });
    const topK = intOption(values.top, "--top", 20, 1, 1_000_000);
    const file = await resolveFile(values, Boolean(values.json));
    const t0 = performance.now();
    const collection = await parseOeisFile(file, { strict: Boolean(values.strict) });
    const t1 = performance.now();
    const stats = oeisStats(collection, { topK });
    const t2 = performance.now();
    const summary = collection.summary;
    if (values.json) {
      const out = {
        ...stats,
        file,
        malformedCount: summary.malformedCount,
        malformed: summary.malformed,
        parseMs: Math.round(t1 - t0),
        statsMs: Math.round(t2 - t1),
      };
      process.stdout.write(JSON.stringify(out) + "\n");
    } else {
      process.stdout.write(formatParseSummary(summary) + "\n\n" + formatOeisStats(stats) + "\n");
      process.stdout.write(`\nparse ${Math.round(t1 - t0)} ms, statistics ${Math.round(t2 - t1)} ms\n`);
    }
    return 0;
  },
};

export const oeisSizesCommand: Command = {
  name: "oeis sizes",
  summary: "how many OEIS sequences a SequenceDataset keeps for each max value and length",
  usage: `numlab oeis sizes [--file F | --subset | --full] [--max-values 100,500,2000,20000] [--seq-lens 20,50,100] [--json] [--offline]

For every (max value, sequence length) pair: the number of sequences whose first seqLen terms
all lie in [0, maxValue) — the rule of SequenceDataset.

${SOURCE_HELP}`,
  async run(args) {
    const { values } = parseFlags({
      args,
      options: {
        ...SOURCE_OPTIONS,
        json: { type: "boolean" },
        strict: { type: "boolean" },
        "max-values": { type: "string" },
        "seq-lens": { type: "string" },
      },
    });
    const maxValues = intListOption(values["max-values"], "--max-values", [100, 500, 2000, 20000], 2 ** 31 - 2);
    const seqLens = intListOption(values["seq-lens"], "--seq-lens", [20, 50, 100], 1_000_000);
    const file = await resolveFile(values, Boolean(values.json));
    const collection = await parseOeisFile(file, { strict: Boolean(values.strict) });
    const rows = datasetSizeTable(collection, maxValues, seqLens);
    if (values.json) {
      process.stdout.write(JSON.stringify({ file, sequences: collection.length, rows }) + "\n");
      return 0;
    }
    const lines = [`${file}: ${collection.length} sequences`, ""];
    const head = ["max value \\ seq len", ...seqLens.map(String)];
    const table = maxValues.map((m) => [String(m), ...seqLens.map((l) => String(rows.find((r) => r.maxValue === m && r.seqLen === l)!.sequences))]);
    const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
    lines.push(head.map((h, i) => h.padStart(widths[i])).join("  "));
    for (const r of table) lines.push(r.map((c, i) => c.padStart(widths[i])).join("  "));
    process.stdout.write(lines.join("\n") + "\n");
    return 0;
  },
};

export const oeisDownloadCommand: Command = {
  name: "oeis download",
  summary: "download the OEIS dump (https://oeis.org/stripped.gz) into the cache and verify it",
  usage: `numlab oeis download [--quiet]

Fetches https://oeis.org/stripped.gz with a progress bar into the cache (NUMLAB_CACHE_DIR; else data/cache/ in
a checkout, your user cache when installed), checks that the gzip stream is complete, and prints the file path. Does nothing when
a verified copy is already cached or present in NUMLAB_DATA_DIR.`,
  async run(args) {
    const { values } = parseFlags({ args, options: { quiet: { type: "boolean" } } });
    const file = await locateDataFile(OEIS_STRIPPED, { quiet: Boolean(values.quiet) });
    process.stdout.write(file + "\n");
    return 0;
  },
};
