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

/** Parse a positive/non-negative integer option, naming the flag in errors. */
export function intOption(value: string | undefined, flag: string, fallback?: number, min = 0): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`missing required option ${flag}`);
    return fallback;
  }
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`${flag} must be an integer, got "${value}"`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

/** Parse a number option, naming the flag in errors. */
export function numberOption(value: string | undefined, flag: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`missing required option ${flag}`);
    return fallback;
  }
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got "${value}"`);
  return n;
}

/** Parse a comma-separated list of integers (`--max-values 100,500`). */
export function intListOption(value: string | undefined, flag: string, fallback?: number[]): number[] {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`missing required option ${flag}`);
    return fallback;
  }
  return value.split(",").map((part) => intOption(part.trim(), flag, undefined, 1));
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
