import { ParseArgsConfig, parseArgs } from "util";
import { Preset, PresetTrainer, readPreset } from "../train/presets";

/** A `numlab` sub-command: a thin wrapper over library functions. */
export interface Command {
  /** Words after `numlab`, e.g. "oeis stats". */
  name: string;
  /** One line for `numlab --help`. */
  summary: string;
  /** Full usage text for `numlab <name> --help` (may be a getter, e.g. to list the presets found on disk). */
  readonly usage: string;
  /** Run with the remaining arguments; resolve to the process exit code. */
  run(args: string[]): Promise<number>;
}

/** A clear error for bad command-line input; printed without a stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A number with thousands separators for messages: 65536 → "65,536". */
function grouped(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: 20 }) : String(n);
}

/**
 * `util.parseArgs` that also reads negative numbers as option values: `--lr -1` becomes `--lr=-1`
 * (parseArgs alone refuses it as ambiguous), so that the range check names the flag and the value.
 * Only a string option's next argument that looks like a negative number is joined.
 */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const options: Record<string, { type: string } | undefined> = config.options ?? {};
  const args = config.args ?? [];
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      joined.push(...args.slice(i));
      break;
    }
    const name = arg.startsWith("--") && !arg.includes("=") ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === "string" && i + 1 < args.length && /^-(\d|\.\d|inf)/i.test(args[i + 1])) {
      joined.push(`${arg}=${args[++i]}`);
    } else joined.push(arg);
  }
  return parseArgs<T>({ ...config, args: joined });
}

/**
 * Parse an integer option in [min, max], naming the flag in errors: `--batch must be an integer
 * from 1 to 8,192, got "100000000"`. Without a value, `fallback` (unchecked: a default or a
 * preset's value) or, when there is none, a missing-option error.
 */
export function intOption(value: string | undefined, flag: string, fallback?: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`missing required option ${flag}`);
    return fallback;
  }
  const range = max >= Number.MAX_SAFE_INTEGER ? `≥ ${grouped(min)}` : `from ${grouped(min)} to ${grouped(max)}`;
  if (!/^[+-]?\d+$/.test(value.trim())) throw new UsageError(`${flag} must be an integer ${range}, got "${value}"`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer ${range}, got "${value}"`);
  return n;
}

/** Bounds of a number option; inclusive unless marked exclusive. */
export interface NumberRange {
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

/** "> 0", "≥ 0 and < 1", "from 0 to 10": how a range reads in a message. */
export function describeRange(range: NumberRange): string {
  const low = range.min === undefined ? "" : `${range.minExclusive ? ">" : "≥"} ${grouped(range.min)}`;
  const high = range.max === undefined ? "" : `${range.maxExclusive ? "<" : "≤"} ${grouped(range.max)}`;
  if (low && high && !range.minExclusive && !range.maxExclusive) return `from ${grouped(range.min!)} to ${grouped(range.max!)}`;
  return [low, high].filter((part) => part !== "").join(" and ");
}

/**
 * Parse a decimal number option (`0.5`, `-2`, `3e-4`; not hex, not Infinity) inside `range`,
 * naming the flag in errors: `--dropout must be a number ≥ 0 and < 1, got "1.5"`.
 */
export function numberOption(value: string | undefined, flag: string, fallback?: number, range: NumberRange = {}): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`missing required option ${flag}`);
    return fallback;
  }
  const bounds = describeRange(range);
  const wanted = `${flag} must be a number${bounds ? ` ${bounds}` : ""}, got "${value}"`;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value.trim())) throw new UsageError(wanted);
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(wanted);
  if (range.min !== undefined && (range.minExclusive ? n <= range.min : n < range.min)) throw new UsageError(wanted);
  if (range.max !== undefined && (range.maxExclusive ? n >= range.max : n > range.max)) throw new UsageError(wanted);
  return n;
}

/** Parse a number option that must be > 0 (and ≤ `max`): learning rates, temperatures, regularization strengths. */
export function positiveNumberOption(value: string | undefined, flag: string, fallback?: number, max?: number): number {
  return numberOption(value, flag, fallback, { min: 0, minExclusive: true, ...(max === undefined ? {} : { max }) });
}

/** Parse a share in [0, 1) (dropout) or, with `exclusiveZero`, in (0, 1) (a held-out fraction). */
export function fractionOption(value: string | undefined, flag: string, fallback?: number, exclusiveZero = false): number {
  return numberOption(value, flag, fallback, { min: 0, minExclusive: exclusiveZero, max: 1, maxExclusive: true });
}

/** Largest seed accepted by the seed flags (2^32 - 1). */
export const MAX_SEED = 2 ** 32 - 1;

/** Parse a comma-separated list of integers in [1, max] (`--max-values 100,500`). */
export function intListOption(value: string | undefined, flag: string, fallback?: number[], max = Number.MAX_SAFE_INTEGER): number[] {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`missing required option ${flag}`);
    return fallback;
  }
  return value.split(",").map((part) => intOption(part.trim(), flag, undefined, 1, max));
}

/**
 * The `--preset` of a `numlab train <trainer>` command (a name in the package's presets/ or a JSON
 * file), or undefined without one. A preset sets up a new run, so it is refused with --resume; an
 * unknown name, or a preset for another trainer, is a usage error that says which presets exist.
 */
export function presetOption<T extends PresetTrainer>(value: string | undefined, trainer: T, resume: boolean): Preset<T> | undefined {
  if (value === undefined) return undefined;
  if (resume) throw new UsageError("--preset sets up a new run: leave it out with --resume (the run's own config.json applies)");
  try {
    return readPreset(value, { trainer });
  } catch (err) {
    throw new UsageError(`--preset ${value}: ${(err as Error).message}`);
  }
}
