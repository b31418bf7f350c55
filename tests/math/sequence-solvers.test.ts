import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_MIN_CHECKS,
  SOLVER_FAMILIES,
  continueSpec,
  formatPolynomialInN,
  guessNextTerms,
  parseSequenceText,
  solveByFamily,
  toBigIntTerms,
} from "../../src/math/sequence-solvers";
import { ruleSequences } from "../../src/math/rule-sequences";
import { Rng } from "../../src/random";

const first = (terms: (number | bigint)[], minChecks?: number) => {
  const fits = guessNextTerms(terms, { minChecks });
  assert.ok(fits.length > 0, `no fit for ${terms.join(",")}`);
  return fits[0];
};

test("famous sequences: the simplest exact model, its formula and its continuation", () => {
  const fib = first([0, 1, 1, 2, 3, 5, 8, 13, 21, 34]);
  assert.equal(fib.family, "linear-recurrence");
  assert.equal(fib.formula, "a(n) = a(n-1) + a(n-2)");
  assert.deepEqual(fib.continuation(4), [55n, 89n, 144n, 233n]);
  assert.equal(fib.cost, 4);
  assert.equal(fib.checks, 6);

  const tri = first([0, 1, 3, 6, 10, 15, 21]);
  assert.equal(tri.family, "polynomial");
  assert.equal(tri.formula, "a(n) = (n^2 + n)/2");
  assert.equal(tri.next, 28n);

  const catalan = first([1, 1, 2, 5, 14, 42, 132, 429, 1430]);
  assert.equal(catalan.family, "holonomic");
  assert.equal(catalan.formula, "(n + 1)·a(n) = (4n - 2)·a(n-1)");
  assert.deepEqual(catalan.continuation(3), [4862n, 16796n, 58786n]);

  const motzkin = first([1, 1, 2, 4, 9, 21, 51, 127, 323, 835, 2188, 5798]);
  assert.equal(motzkin.formula, "(n + 2)·a(n) = (2n + 1)·a(n-1) + (3n - 3)·a(n-2)");
  assert.equal(motzkin.next, 15511n);

  const fact = [1n];
  for (let i = 1; i < 10; i++) fact.push(fact[i - 1] * BigInt(i));
  const f = first(fact);
  assert.equal(f.family, "transform");
  assert.equal(f.formula, "q(n) = a(n+1)/a(n), q(n) = n + 1");
  assert.equal(f.next, 3628800n);

  assert.equal(first([7, 7, 7, 7]).formula, "a(n) = 7");
  assert.equal(first([1, 2, 3, 1, 2, 3, 1]).formula, "a(n) = a(n-3), repeating 1, 2, 3");
  assert.equal(first([1, 2, 3, 1, 2, 3, 1]).next, 2n);
  assert.equal(first([2, 3, 5, 9, 17, 33, 65]).formula, "a(n) = 2a(n-1) - 1");
  assert.equal(first([1, 2, 4, 5, 7, 8, 10, 11]).formula, "b(n) = a(n+1) - a(n), b(n) = b(n-2), repeating 1, 2");
  assert.equal(first([1, 2, 4, 5, 7, 8, 10, 11]).next, 13n);
  assert.equal(first([1, 2, 6, 20, 70, 252, 924]).formula, "n·a(n) = (4n - 2)·a(n-1)");
});

test("terms beyond 2^53 stay exact", () => {
  const pow = Array.from({ length: 30 }, (_, n) => 2n ** BigInt(10 * n) + 3n); // up to 2^290
  const fit = first(pow);
  assert.equal(fit.next, 2n ** 300n + 3n);
  assert.deepEqual(fit.continuation(2), [2n ** 300n + 3n, 2n ** 310n + 3n]);
  // the same with numbers that are safe until the last given term
  const mixed = Array.from({ length: 40 }, (_, n) => 3n ** BigInt(n) - 1n);
  assert.ok(mixed[39] > BigInt(Number.MAX_SAFE_INTEGER) && mixed[30] < BigInt(Number.MAX_SAFE_INTEGER));
  assert.equal(first(mixed).next, 3n ** 40n - 1n);
});

test("rational coefficients: a(n) = 3a(n-1)/2 on 2^19·(3/2)^n; no answer where the next term is not an integer", () => {
  const terms = Array.from({ length: 19 }, (_, n) => 2n ** BigInt(19 - n) * 3n ** BigInt(n));
  const fit = first(terms);
  assert.equal(fit.formula, "a(n) = 3a(n-1)/2");
  assert.equal(fit.next, 3n ** 19n);
  assert.equal(fit.continuation(2), null); // 3^20/2
  // one term more: the model's next term, 3^20/2, is not an integer, so the cascade abstains
  const more = [...terms, 3n ** 19n];
  assert.deepEqual(guessNextTerms(more, { families: ["linear-recurrence"] }), []);
});

test("it abstains when no model explains the terms", () => {
  assert.deepEqual(guessNextTerms([2, 3, 5, 7, 11, 13, 17, 19, 23, 29]), []);
  const rng = new Rng(9);
  let answered = 0;
  for (let i = 0; i < 50; i++) {
    const noise = Array.from({ length: 15 }, () => rng.int(-1_000_000, 1_000_000));
    answered += guessNextTerms(noise).length;
  }
  assert.equal(answered, 0, "random terms got an answer");
  assert.deepEqual(guessNextTerms([]), []);
});

test("cost + checks = given terms, checks ≥ minChecks, candidates in order of cost with distinct next terms", () => {
  const seqs = [
    [1, 1, 2, 3, 5, 8, 13],
    [1, 4, 9, 16, 25, 36],
    [1, 2, 4, 8, 16, 32, 64, 128],
    [0, 1, 0, 1, 0, 1, 0],
    [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5],
  ];
  for (const s of seqs) {
    for (const m of [0, 1, 2, 4]) {
      const fits = guessNextTerms(s, { minChecks: m, maxCandidates: 5 });
      for (const f of fits) {
        assert.equal(f.cost + f.checks, s.length);
        assert.ok(f.checks >= m, `${f.model} with ${f.checks} checks < ${m}`);
        assert.deepEqual(continueSpec(f.spec, s, 1), [f.next], `${f.formula} re-verified`);
      }
      fits.forEach((f, i) => i === 0 || assert.ok(fits[i - 1].cost <= f.cost));
      assert.equal(new Set(fits.map((f) => f.next)).size, fits.length);
    }
  }
  // with 4 terms the Fibonacci recurrence (cost 4) has no check left: it may not answer at minChecks 1
  assert.ok(guessNextTerms([1, 1, 2, 3], { minChecks: 1, families: ["linear-recurrence"] }).length === 0);
  assert.equal(guessNextTerms([1, 1, 2, 3, 5], { minChecks: 1, families: ["linear-recurrence"] })[0].next, 8n);
  assert.throws(() => guessNextTerms([1, 2], { minChecks: -1 }), /minChecks must be an integer ≥ 0/);
  assert.throws(() => guessNextTerms([1, 2], { families: ["magic" as never] }), /unknown solver family "magic"/);
  assert.equal(DEFAULT_MIN_CHECKS, 1);
});

test("continueSpec re-verifies a model on the terms: a changed term makes it refuse", () => {
  const s = [1, 1, 2, 5, 14, 42, 132, 429];
  const fit = first(s);
  assert.deepEqual(continueSpec(fit.spec, s, 2), fit.continuation(2));
  const changed = s.slice();
  changed[5] = 43;
  assert.equal(continueSpec(fit.spec, changed, 1), null);
  const poly = first([1, 4, 9, 16, 25]);
  assert.equal(poly.spec.kind, "polynomial");
  assert.equal(continueSpec(poly.spec, [1, 4, 9, 16, 26], 1), null);
});

test("solveByFamily: each family's fits are its own; the cascade's answer is the cheapest family fit", () => {
  for (const s of [
    [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55],
    [1, 2, 6, 24, 120, 720, 5040, 40320],
    [1, 3, 6, 10, 15, 21, 28, 36],
  ]) {
    const r = solveByFamily(s, { maxCandidates: 3 });
    for (const fam of SOLVER_FAMILIES) for (const f of r.byFamily[fam]) assert.equal(f.family, fam);
    const firsts = SOLVER_FAMILIES.map((f) => r.byFamily[f][0]).filter(Boolean);
    const cheapest = Math.min(...firsts.map((f) => f.cost));
    assert.equal(r.cascade[0].cost, cheapest);
    assert.deepEqual(r.cascade[0].next, guessNextTerms(s)[0].next);
    assert.ok(Object.values(r.seconds).every((x) => x >= 0));
  }
});

test("judged: on generated rules (recurrences of order ≤ 4, polynomials of degree ≤ 5, 20 terms) the cascade is right and never wrong", () => {
  const cases = ruleSequences(600, 2026);
  let right = 0;
  for (const c of cases) {
    const [fit] = guessNextTerms(c.given);
    assert.ok(!fit || fit.next === c.next[0], `wrong answer ${fit?.next} (${fit?.formula}) for ${c.rule}`);
    if (fit && fit.next === c.next[0]) right++;
    if (fit) assert.deepEqual(fit.continuation(c.next.length), c.next, `${c.rule}: continuation`);
  }
  assert.ok(right / cases.length >= 0.99, `top-1 ${right}/${cases.length}`);
});

test("parsing typed sequences and formatting polynomials", () => {
  assert.deepEqual(parseSequenceText(" 1, 2 3,,-4 "), [1n, 2n, 3n, -4n]);
  assert.deepEqual(parseSequenceText("123456789012345678901234567890"), [123456789012345678901234567890n]);
  assert.throws(() => parseSequenceText("1,2,x"), /term 3 \("x"\) is not an integer/);
  assert.throws(() => parseSequenceText("1, 2.5"), /term 2 \("2\.5"\)/);
  assert.throws(() => parseSequenceText("  "), /no terms/);
  assert.throws(() => toBigIntTerms([1, 2 ** 60]), /term 2 .* not a safe integer/);
  assert.deepEqual(toBigIntTerms(["-3", 4, 5n]), [-3n, 4n, 5n]);
  assert.equal(formatPolynomialInN([-2n, 4n]), "4n - 2");
  assert.equal(formatPolynomialInN([1n, 0n, 1n]), "n^2 + 1");
  assert.equal(formatPolynomialInN([0n, -1n]), "-n");
  assert.equal(formatPolynomialInN([0n]), "0");
});
