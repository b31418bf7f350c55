/**
 * The command-line options that `train arith` and `train poly` share: the transformer's shape and
 * the optimizer settings of `trainSeq2Seq`. Each command passes its own defaults.
 */
import { UsageError, intOption, numberOption } from "../command";

/** `parseArgs` option specs for the shared flags. */
export const SEQ2SEQ_OPTIONS = {
  steps: { type: "string" },
  batch: { type: "string" },
  lr: { type: "string" },
  warmup: { type: "string" },
  clip: { type: "string" },
  hidden: { type: "string" },
  layers: { type: "string" },
  heads: { type: "string" },
  ff: { type: "string" },
  dropout: { type: "string" },
  gain: { type: "string" },
  norm: { type: "string" },
  seed: { type: "string" },
  "eval-every": { type: "string" },
  float16: { type: "boolean" },
  resume: { type: "boolean" },
  out: { type: "string" },
} as const;

export interface Seq2SeqFlagDefaults {
  batch: number;
  lr: number;
  warmup: number;
  evalEvery: number;
  hidden: number;
  layers: number;
  heads: number;
  ff: number;
  dropout: number;
}

type FlagValues = { [K in keyof typeof SEQ2SEQ_OPTIONS]?: (typeof SEQ2SEQ_OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

/** The model and training settings named by the shared flags (steps are left to each command). */
export function seq2seqSettings(values: FlagValues, defaults: Seq2SeqFlagDefaults) {
  if (!values.out) throw new UsageError("missing required option --out");
  const norm = values.norm ?? "pre";
  if (norm !== "pre" && norm !== "post") throw new UsageError(`--norm must be pre or post, got "${norm}"`);
  const layers = intOption(values.layers, "--layers", defaults.layers, 1);
  const seed = intOption(values.seed, "--seed", 0);
  const evalEvery = intOption(values["eval-every"], "--eval-every", defaults.evalEvery, 1);
  return {
    out: values.out,
    resume: Boolean(values.resume),
    /** With --resume, an explicit --dropout changes the run's dropout from its checkpoint on. */
    dropoutOnResume: values.resume && values.dropout !== undefined ? numberOption(values.dropout, "--dropout", defaults.dropout) : undefined,
    model: {
      hidden: intOption(values.hidden, "--hidden", defaults.hidden, 1),
      encoderLayers: layers,
      decoderLayers: layers,
      heads: intOption(values.heads, "--heads", defaults.heads, 1),
      ffHidden: intOption(values.ff, "--ff", defaults.ff, 1),
      dropout: numberOption(values.dropout, "--dropout", defaults.dropout),
      attentionGain: numberOption(values.gain, "--gain", 0.5),
      norm: norm as "pre" | "post",
      seed,
    },
    train: {
      batchSize: intOption(values.batch, "--batch", defaults.batch, 1),
      learningRate: numberOption(values.lr, "--lr", defaults.lr),
      warmupSteps: intOption(values.warmup, "--warmup", defaults.warmup),
      clipNorm: numberOption(values.clip, "--clip", 1),
      seed,
      evalEvery,
      checkpointEvery: evalEvery,
      float16: Boolean(values.float16),
    },
  };
}
