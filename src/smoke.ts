/**
 * The one smoke switch. `NUMLAB_SMOKE=1` (or `true`/`yes`) means: tiny data, few steps.
 * Notebooks and trainers choose their configuration through `bySmoke`, never by reading the
 * environment themselves.
 */
export function isSmoke(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.NUMLAB_SMOKE ?? "").trim().toLowerCase();
  return v === "1" || v === "true" || v === "yes";
}

/** Pick the smoke or the full value of a setting: `bySmoke({ smoke: 20, full: 20000 })`. */
export function bySmoke<T>(choices: { smoke: T; full: T }, env: NodeJS.ProcessEnv = process.env): T {
  return isSmoke(env) ? choices.smoke : choices.full;
}
