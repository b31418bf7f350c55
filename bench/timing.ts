/** Step timing shared by the bench suites: warm-up runs, then the median of timed runs. */

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
