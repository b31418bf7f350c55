/**
 * Generated stand-ins for the real data files, in their real formats. Smoke mode (`NUMLAB_SMOKE=1`)
 * uses them when no local copy of a source exists, instead of downloading it (see
 * `locateDataFile`): a smoke run must work on a machine without the data and without internet.
 * They are seeded, so every smoke run sees the same text. They are not the data: figures computed
 * on them only show that the pipeline runs.
 */
import { Rng } from "../random";
import { generatePolynomialPairs } from "./polynomial-generator";

const SMALL_PRIMES: number[] = [];
for (let n = 2; SMALL_PRIMES.length < 400; n++) if (SMALL_PRIMES.every((p) => p * p > n || n % p !== 0)) SMALL_PRIMES.push(n);

/** Longest line of terms, as in the OEIS `stripped` file (about 260 characters of terms). */
const MAX_TERMS_CHARS = 260;

function divisorCount(n: number): number {
  let count = 0;
  for (let d = 1; d * d <= n; d++) if (n % d === 0) count += d * d === n ? 1 : 2;
  return count;
}

/** One sequence of a family chosen by `rng`: progressions, powers, recurrences, periodic, arithmetic functions, noise. */
function fixtureSequence(rng: Rng): bigint[] {
  const length = rng.int(8, 90);
  const terms: bigint[] = [];
  const family = rng.int(0, 9);
  const a = BigInt(rng.int(-3, 12));
  const b = BigInt(rng.int(1, 13));
  for (let i = 0; i < length; i++) {
    const n = BigInt(i);
    switch (family) {
      case 0: terms.push(a + b * n); break; // arithmetic progression
      case 1: terms.push(b * n * n + a); break; // quadratic
      case 2: terms.push((b + 1n) ** n); break; // powers: large integers soon
      case 3: terms.push(i < 2 ? BigInt(rng.int(0, 3)) : terms[i - 1] + terms[i - 2]); break; // Fibonacci-like
      case 4: terms.push(BigInt((i * Number(b)) % (2 + Number(b % 5n)))); break; // periodic
      case 5: terms.push(BigInt(SMALL_PRIMES[i])); break; // primes
      case 6: terms.push(BigInt(divisorCount(i + 1))); break; // number of divisors
      case 7: terms.push(BigInt(rng.int(0, 4 + Number(b)))); break; // small noise
      default: terms.push(BigInt(Math.floor((i * (i + 1)) / 2)) * (a < 0n ? -1n : 1n)); // ± triangular numbers
    }
  }
  const kept: bigint[] = [];
  let chars = 0;
  for (const t of terms) {
    chars += String(t).length + 1;
    if (chars > MAX_TERMS_CHARS) break;
    kept.push(t);
  }
  return kept;
}

/** An OEIS `stripped`-format text (`A000001 ,t1,t2,…,` lines after `#` comment lines) of `sequences` generated sequences. */
export function oeisFixtureText(sequences = 3000, seed = 1): string {
  const rng = new Rng(seed);
  const lines = ["# numlab smoke-mode stand-in for the OEIS stripped file (generated, not OEIS data)", "# A-number ,terms,"];
  for (let i = 1; i <= sequences; i++) {
    lines.push(`A${String(i).padStart(6, "0")} ,${fixtureSequence(rng).join(",")},`);
  }
  return lines.join("\n") + "\n";
}

const ONSETS = ["", "b", "br", "c", "ch", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "sh", "t", "th", "v", "w", "z"];
const VOWELS = ["a", "e", "i", "o", "u", "a", "e", "ia", "y", "ee", "ai"];
const CODAS = ["", "", "", "n", "l", "r", "s", "h", "x", "nn", "lyn"];

/** A makemore `names.txt`-format text: `count` distinct lowercase made-up names, one a line. */
export function namesFixtureText(count = 3000, seed = 1): string {
  const rng = new Rng(seed);
  const names = new Set<string>();
  for (let attempts = 0; names.size < count; attempts++) {
    if (attempts > count * 50) throw new Error(`namesFixtureText: cannot make ${count} distinct names`);
    let name = "";
    const syllables = rng.int(1, 4);
    for (let s = 0; s < syllables; s++) {
      name += ONSETS[rng.int(0, ONSETS.length)] + VOWELS[rng.int(0, VOWELS.length)];
      if (s === syllables - 1 || rng.next() < 0.3) name += CODAS[rng.int(0, CODAS.length)];
    }
    if (name.length >= 2 && name.length <= 15) names.add(name);
  }
  return [...names].join("\n") + "\n";
}

/** A `factored=expanded` text of `count` generated pairs (targets computed by our expander). */
export function polynomialFixtureText(count = 5000, seed = 1): string {
  return generatePolynomialPairs(count, seed).map((p) => `${p.factored}=${p.expanded}`).join("\n") + "\n";
}
