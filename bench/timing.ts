/** Step timing shared by the bench suites: warm-up runs, then the median of timed runs. */
import * as os from "os";
import { nativeBinding } from "../src/backend/native";

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Run `step` `warmup` times, then time `steps` runs; returns the median and every time (ms). */
export function timeSteps(step: () => void, warmup: number, steps: number): { ms: number; stepsMs: number[] } {
  for (let i = 0; i < warmup; i++) step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), stepsMs: times.map((t) => Math.round(t * 10) / 10) };
}

/**
 * Time several variants of a step in alternation (A, B, A, B, …) after `warmup` runs of each, so
 * that a change in machine load hits every variant alike. Returns each variant's median and every
 * time, and for each variant the median over rounds of (its time / the first variant's time).
 */
export function alternateSteps(
  variants: Record<string, () => void>,
  warmup: number,
  rounds: number,
): Record<string, { ms: number; stepsMs: number[]; relativeToFirst: number }> {
  const names = Object.keys(variants);
  for (let i = 0; i < warmup; i++) for (const name of names) variants[name]();
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const t0 = performance.now();
      variants[name]();
      times[name].push(performance.now() - t0);
    }
  }
  const first = times[names[0]];
  return Object.fromEntries(
    names.map((n) => [
      n,
      {
        ms: median(times[n]),
        stepsMs: times[n].map((t) => Math.round(t * 10) / 10),
        relativeToFirst: Math.round(median(times[n].map((t, i) => t / first[i])) * 1000) / 1000,
      },
    ]),
  );
}

/** Cores of this machine: the thread counts the bench tries (1 and all cores). */
export function benchThreadCounts(): number[] {
  const cores = Math.max(1, os.cpus().length);
  return [...new Set([1, cores])];
}

/**
 * Run `fn` with the native addon's OpenBLAS on `threads` threads (restored afterwards); without
 * the addon, just run it.
 */
export function withBlasThreads<T>(threads: number, fn: () => T): T {
  const native = nativeBinding();
  if (!native) return fn();
  const before = native.threads();
  native.setThreads(threads);
  try {
    return fn();
  } finally {
    native.setThreads(before);
  }
}

/** The fastest of several PyTorch configurations (by thread count), or null when none ran. */
export function bestOf<T extends { ms: number }>(byThreads: Record<number, T | null>): { threads: number; ms: number } | null {
  let best: { threads: number; ms: number } | null = null;
  for (const [t, r] of Object.entries(byThreads)) if (r && (!best || r.ms < best.ms)) best = { threads: Number(t), ms: r.ms };
  return best;
}
