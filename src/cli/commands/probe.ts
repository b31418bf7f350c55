import type { Command } from "../command";
import { MAX_SEED, intOption, parseFlags, positiveNumberOption, UsageError } from "../command";
import { checkDataFile } from "../../data/download";
import { readEmbeddingsTsv, firstIntegerEmbeddings, IntegerEmbeddings } from "../../embeddings/tsv";
import { readGloveIntegers } from "../../embeddings/glove";
import { readBertIntegerEmbeddings } from "../../embeddings/bert";
import { probeEmbeddings, probeSummary } from "../../eval/probes";
import { tableText, toTableData } from "../../display/table";
import { EventFileWriter, writeProjectorEmbedding } from "../../train/tensorboard";

/** The defaults of `numlab probe`, printed in its usage text and used when a flag is left out. */
export const PROBE_CLI_DEFAULTS = { count: 500, folds: 5, seed: 0, C: 1 } as const;

const USAGE = `numlab probe (--embeddings FILE | --glove FILE | --bert-vocab FILE --bert-model FILE) [options]

Logistic-regression probes of integer embeddings: can div2, div3, div4, div5, div10 and prime be
read off the vector of each integer 0..K-1? Features are standardized on the training folds,
accuracies are means over a seeded, shuffled, stratified k-fold split.

Sources:
  --embeddings FILE   TSV, row i = vector of integer i, or a first column with the integer
  --glove FILE        GloVe text file (token then floats; plain or .gz)
  --bert-vocab FILE   BERT vocab.txt, with --bert-model FILE (Hugging Face model.safetensors)
Options:
  --count K           probe the integers 0..K-1 present in the source (default ${PROBE_CLI_DEFAULTS.count})
  --folds N           number of folds (default ${PROBE_CLI_DEFAULTS.folds})
  --seed S            seed of the fold shuffle (default ${PROBE_CLI_DEFAULTS.seed})
  --C C               inverse L2 strength of the logistic regression (default ${PROBE_CLI_DEFAULTS.C})
  --tensorboard DIR   also write the accuracies (step 0) and projector files there
  --name NAME         embedding name for --tensorboard (default: from the source)
  --json              print { "div2": { "train", "test", "testStd", "majority" }, ... }`;

export const probeCommand: Command = {
  name: "probe",
  summary: "logistic-regression probes (div2..div10, prime) of integer embeddings",
  usage: USAGE,
  async run(args) {
    const { values } = parseFlags({
      args,
      options: {
        embeddings: { type: "string" },
        glove: { type: "string" },
        "bert-vocab": { type: "string" },
        "bert-model": { type: "string" },
        count: { type: "string" },
        folds: { type: "string" },
        seed: { type: "string" },
        C: { type: "string" },
        tensorboard: { type: "string" },
        name: { type: "string" },
        json: { type: "boolean" },
      },
    });
    const count = intOption(values.count, "--count", PROBE_CLI_DEFAULTS.count, 2, 1_000_000);
    const folds = intOption(values.folds, "--folds", PROBE_CLI_DEFAULTS.folds, 2, 100);
    const seed = intOption(values.seed, "--seed", PROBE_CLI_DEFAULTS.seed, 0, MAX_SEED);
    const C = positiveNumberOption(values.C, "--C", PROBE_CLI_DEFAULTS.C);
    const sources = [values.embeddings, values.glove, values["bert-vocab"] ?? values["bert-model"]].filter((s) => s !== undefined);
    if (sources.length !== 1) throw new UsageError("give exactly one of --embeddings, --glove, --bert-vocab/--bert-model");
    for (const flag of ["embeddings", "glove", "bert-vocab", "bert-model"] as const) {
      const file = values[flag];
      if (file !== undefined) checkDataFile(file, `--${flag}`);
    }
    let emb: IntegerEmbeddings;
    let name: string;
    if (values.embeddings) {
      emb = firstIntegerEmbeddings(readEmbeddingsTsv(values.embeddings), count);
      name = "embeddings";
    } else if (values.glove) {
      emb = await readGloveIntegers(values.glove, { count });
      name = "glove";
    } else {
      if (!values["bert-vocab"] || !values["bert-model"]) throw new UsageError("--bert-vocab and --bert-model go together");
      emb = readBertIntegerEmbeddings({ vocabFile: values["bert-vocab"], modelFile: values["bert-model"], count });
      name = "bert";
    }
    if (emb.integers.length < folds * 2) throw new UsageError(`only ${emb.integers.length} integers below --count ${count}: too few for ${folds} folds`);
    const rows = probeEmbeddings(emb.vectors, emb.integers, { folds, seed, C });
    if (values.tensorboard) {
      const writer = new EventFileWriter(values.tensorboard);
      const scalars: Record<string, number> = {};
      for (const r of rows) {
        scalars[`probe/${r.target}/test`] = r.test;
        scalars[`probe/${r.target}/train`] = r.train;
      }
      writer.addScalars(0, scalars);
      writer.close();
      writeProjectorEmbedding(values.tensorboard, values.name ?? name, emb);
    }
    if (values.json) {
      process.stdout.write(JSON.stringify(probeSummary(rows)) + "\n");
    } else {
      const missing = emb.missing?.length ? `, ${emb.missing.length} missing` : "";
      process.stdout.write(`${emb.integers.length} integers below ${count} (dimension ${emb.dim}${missing}), ${folds}-fold, seed ${seed}\n`);
      const table = rows.map((r) => ({ target: r.target, train: r.train, test: r.test, testStd: r.testStd, majority: r.majority }));
      process.stdout.write(tableText(toTableData(table)) + "\n");
    }
    return 0;
  },
};
