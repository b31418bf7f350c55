/**
 * Test helper: the defaults a usage text prints, read back from it, flag by flag: every
 * "(default X" belongs to the last `--flag` written before it; X ends at ")", ";" or ":".
 */
import assert from "node:assert/strict";

export function usageDefaults(usage: string): Map<string, string> {
  const out = new Map<string, string>();
  let flag: string | undefined;
  for (const m of usage.matchAll(/--([a-z0-9][a-z0-9-]*)|\(default ([^);:]+)/g)) {
    if (m[1] !== undefined) flag = m[1];
    else {
      assert.ok(flag, `a default before any flag: ${m[0]}`);
      assert.ok(!out.has(flag), `two defaults printed for --${flag}`);
      out.set(flag, m[2].trim());
    }
  }
  return out;
}

/** Each flag of `expected` prints its value as its default, and no other flag prints one. */
export function assertUsagePrints(usage: string, expected: Record<string, number | string | boolean>): void {
  const printed = usageDefaults(usage);
  const shown = (v: number | string | boolean) => (typeof v === "boolean" ? (v ? "on" : "off") : String(v));
  assert.deepEqual(Object.fromEntries(printed), Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, shown(v)])));
}
