import { test } from "node:test";
import assert from "node:assert/strict";
import { ruleSequences, scoreRuleRecovery } from "../../src/math/rule-sequences";

test("generated rules: seeded, half recurrences and half polynomials, terms that obey their rule", () => {
  const a = ruleSequences(40, 4);
  assert.deepEqual(ruleSequences(40, 4), a);
  assert.notDeepEqual(ruleSequences(40, 5), a);
  assert.equal(a.filter((c) => c.kind === "linear-recurrence").length, 20);
  for (const c of a) {
    assert.equal(c.given.length, 20);
    assert.equal(c.next.length, 5);
    const all = [...c.given, ...c.next];
    if (c.kind === "polynomial") {
      // the (d+1)-th differences vanish
      let level = all;
      for (let j = 0; j <= c.size; j++) level = level.slice(1).map((x, k) => x - level[k]);
      assert.ok(
        level.every((x) => x === 0n),
        c.rule,
      );
      assert.ok(c.size <= 5);
    } else {
      assert.ok(c.size >= 1 && c.size <= 4, c.rule);
      // re-evaluate the printed rule "a(n) = 2a(n-1) - a(n-3)"
      const terms = [...c.rule.replace("a(n) =", "").matchAll(/([+-]?)\s*(\d*)a\(n-(\d)\)/g)].map((m) => ({
        coef: BigInt(`${m[1] === "-" ? "-" : ""}${m[2] || "1"}`),
        lag: Number(m[3]),
      }));
      for (let n = c.size; n < all.length; n++)
        assert.equal(
          all[n],
          terms.reduce((s, t) => s + t.coef * all[n - t.lag], 0n),
          `${c.rule} at n = ${n}`,
        );
    }
  }
});

test("scoreRuleRecovery counts right, wrong and abstained answers", () => {
  const cases = ruleSequences(60, 8);
  const clean = scoreRuleRecovery(cases);
  assert.equal(clean.n, 60);
  assert.equal(clean.top1, 1);
  assert.equal(clean.wrong, 0);
  assert.equal(clean.continuationRight, 1);
  // a falsified "true" next term is reported as a wrong answer, with the formula the cascade found
  const broken = cases.map((c, i) => (i === 1 ? { ...c, next: [c.next[0] + 1n, ...c.next.slice(1)] } : c));
  const s = scoreRuleRecovery(broken);
  assert.equal(s.wrong, 1);
  assert.equal(s.wrongCases[0].rule, cases[1].rule);
  assert.equal(s.top1, 59 / 60);
  // too few terms for any model with a check: abstentions
  const short = scoreRuleRecovery([{ kind: "polynomial", rule: "a(n) = n", size: 1, given: [0n], next: [1n] }]);
  assert.equal(short.abstained, 1);
});
