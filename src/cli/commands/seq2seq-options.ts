/**
 * The command-line options that `train arith` and `train poly` share: the transformer's shape and
 * the optimizer settings of `trainSeq2Seq`. Their defaults are not written here: each command
 * passes its trainer's defaults object (`ARITHMETIC_DEFAULTS`, `POLYNOMIAL_DEFAULTS`), merged with
 * the `--preset` it was given, and builds its usage text from the same object.
 */
import { MAX_SEED, UsageError, fractionOption, intOption, numberOption, positiveNumberOption } from "../command";
import type { TransformerConfig } from "../../models/transformer";
import type { Seq2SeqOnResume, Seq2SeqTrainConfig } from "../../train/seq2seq";

/**
 * Upper bounds of the shared size flags, checked when the flags are read (before a run directory is
 * made): far above any useful setting, below what would exhaust memory or never finish.
 */
export const SEQ2SEQ_LIMITS = { steps: 1_000_000_000, batch: 8192, hidden: 4096, layers: 64, heads: 256, ff: 16384 } as const;

/** `parseArgs` option specs for the shared flags. */
export const SEQ2SEQ_OPTIONS = {
  preset: { type: "string" },
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

/** The settings the shared flags fall back to: a trainer's defaults, or those merged with a preset. */
export interface Seq2SeqFlagDefaults {
  model: Omit<TransformerConfig, "sourceVocabSize" | "targetVocabSize" | "maxLength" | "padId"> & Partial<Pick<TransformerConfig, "maxLength">>;
  train: Seq2SeqTrainConfig & { batchSize: number; evalSize: number; warmupSteps: number; clipNorm: number; evalEvery: number; float16: boolean };
}

type FlagValues = { [K in keyof typeof SEQ2SEQ_OPTIONS]?: (typeof SEQ2SEQ_OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

/**
 * The model and training settings named by the shared flags: every flag not given keeps the value
 * of `base`. With --resume the run's own settings apply; `steps` is then only set by an explicit
 * --steps (the new total) and an explicit --dropout becomes `onResume.dropout`.
 */
export function seq2seqSettings<B extends Seq2SeqFlagDefaults>(values: FlagValues, base: B) {
  if (!values.out) throw new UsageError("missing required option --out");
  const resume = Boolean(values.resume);
  if (values.norm !== undefined && values.norm !== "pre" && values.norm !== "post") throw new UsageError(`--norm must be pre or post, got "${values.norm}"`);
  const L = SEQ2SEQ_LIMITS;
  const layers = values.layers === undefined ? undefined : intOption(values.layers, "--layers", undefined, 1, L.layers);
  const seed = values.seed === undefined ? undefined : intOption(values.seed, "--seed", undefined, 0, MAX_SEED);
  const evalEvery = values["eval-every"] === undefined ? undefined : intOption(values["eval-every"], "--eval-every", undefined, 1, L.steps);
  const dropout = fractionOption(values.dropout, "--dropout", base.model.dropout);
  const hidden = intOption(values.hidden, "--hidden", base.model.hidden, 1, L.hidden);
  const heads = intOption(values.heads, "--heads", base.model.heads, 1, L.heads);
  if ((values.hidden !== undefined || values.heads !== undefined) && hidden % heads !== 0) {
    throw new UsageError(`--hidden (${hidden}) must be divisible by --heads (${heads})`);
  }
  const onResume: Seq2SeqOnResume = resume && values.dropout !== undefined ? { dropout } : {};
  return {
    out: values.out,
    resume,
    /** With --resume: the changes the flags ask for (an explicit --dropout changes the run's dropout from its checkpoint on). */
    onResume,
    model: {
      ...base.model,
      hidden,
      encoderLayers: layers ?? base.model.encoderLayers,
      decoderLayers: layers ?? base.model.decoderLayers,
      heads,
      ffHidden: intOption(values.ff, "--ff", base.model.ffHidden, 1, L.ff),
      dropout,
      attentionGain: positiveNumberOption(values.gain, "--gain", base.model.attentionGain),
      norm: (values.norm ?? base.model.norm) as "pre" | "post",
      seed: seed ?? base.model.seed,
    } as B["model"],
    train: {
      ...base.train,
      steps: values.steps !== undefined ? intOption(values.steps, "--steps", undefined, 1, L.steps) : resume ? undefined : base.train.steps,
      batchSize: intOption(values.batch, "--batch", base.train.batchSize, 1, L.batch),
      learningRate: positiveNumberOption(values.lr, "--lr", base.train.learningRate),
      warmupSteps: intOption(values.warmup, "--warmup", base.train.warmupSteps, 0, L.steps),
      clipNorm: numberOption(values.clip, "--clip", base.train.clipNorm, { min: 0 }),
      seed: seed ?? base.train.seed,
      evalEvery: evalEvery ?? base.train.evalEvery,
      checkpointEvery: evalEvery ?? base.train.checkpointEvery,
      float16: values.float16 ? true : base.train.float16,
    } as Omit<B["train"], "steps"> & { steps: number | undefined },
  };
}

/** Usage lines of the shared flags, printing the defaults of `d` (a trainer's defaults object). */
export function seq2seqUsage(d: Seq2SeqFlagDefaults, steps: string): string {
  return `  --steps N           ${steps} (default ${d.train.steps}; with --resume: the run's own, or a new total)
  --batch N           batch size (default ${d.train.batchSize})
  --lr X              peak learning rate (default ${d.train.learningRate})
  --warmup N          linear warm-up steps (default ${d.train.warmupSteps})
  --clip X            gradient global-norm clip, 0 for none (default ${d.train.clipNorm})
  --hidden D          model width (default ${d.model.hidden})
  --layers L          encoder and decoder layers (default ${d.model.encoderLayers})
  --heads H           attention heads (default ${d.model.heads})
  --ff F              feed-forward width (default ${d.model.ffHidden})
  --dropout P         dropout rate (default ${d.model.dropout}; with --resume: changes the run's rate from its
                      checkpoint on, e.g. --dropout 0 to fine-tune without it)
  --gain G            Xavier gain of the attention weights (default ${d.model.attentionGain})
  --norm pre|post     layer norm before or after each sublayer (default ${d.model.norm})
  --seed S            seed of the weights and the dropout masks (default ${d.model.seed})
  --eval-every N      validation and checkpoint every N steps (default ${d.train.evalEvery})
  --float16           store checkpoint weights as float16 (default ${d.train.float16 ? "on" : "off"})`;
}
