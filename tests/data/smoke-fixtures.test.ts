import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { locateDataFile, smokeFixtureFile } from "../../src/data/download";
import { oeisFixtureText, namesFixtureText, polynomialFixtureText } from "../../src/data/smoke-fixtures";
import { OEIS_STRIPPED, locateOeisFile, parseOeisFile, parseOeisText } from "../../src/data/oeis";
import { NAMES_SOURCE, loadNames, parseNames } from "../../src/data/names";
import { POLYNOMIAL_SOURCE, loadPolynomialPairs } from "../../src/data/polynomials";
import { expandToCanonical } from "../../src/math/polynomial";
import { resolvePolynomialFile } from "../../src/train/polynomial";
import { SequenceDataset } from "../../src/datasets/sequence-dataset";

/** Run `fn` with an empty cache, no data folder, and NUMLAB_SMOKE as given; restores the environment. */
async function isolated<T>(smoke: boolean, fn: (cache: string) => Promise<T>): Promise<T> {
  const saved = { cache: process.env.NUMLAB_CACHE_DIR, data: process.env.NUMLAB_DATA_DIR, smoke: process.env.NUMLAB_SMOKE };
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-smoke-"));
  process.env.NUMLAB_CACHE_DIR = cache;
  delete process.env.NUMLAB_DATA_DIR;
  if (smoke) process.env.NUMLAB_SMOKE = "1";
  else delete process.env.NUMLAB_SMOKE;
  try {
    return await fn(cache);
  } finally {
    for (const [key, value] of [["NUMLAB_CACHE_DIR", saved.cache], ["NUMLAB_DATA_DIR", saved.data], ["NUMLAB_SMOKE", saved.smoke]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

test("the OEIS stand-in parses without a malformed line, with huge terms, and fills a padded dataset", () => {
  const text = oeisFixtureText(2000, 3);
  assert.equal(text, oeisFixtureText(2000, 3), "seeded");
  assert.notEqual(text, oeisFixtureText(2000, 4));
  const oeis = parseOeisText(text, { strict: true });
  assert.equal(oeis.length, 2000);
  assert.equal(oeis.summary.malformedCount, 0);
  assert.equal(oeis.id(0), "A000001");
  assert.ok(oeis.hugeTerms.size > 0, "some terms beyond 2^53, as in the real file");
  for (const line of text.split("\n").filter((l) => l.startsWith("A"))) assert.ok(line.length <= 8 + 261, line);
  const lengths = Array.from({ length: oeis.length }, (_, i) => oeis.lengthOf(i));
  assert.ok(Math.min(...lengths) >= 1 && Math.max(...lengths) > 40);
  const dataset = new SequenceDataset(oeis, { seqLen: 20, maxValue: 2000 });
  assert.ok(dataset.size > 500, `kept ${dataset.size}`);
});

test("the names stand-in is distinct lowercase names that parseNames accepts", () => {
  const names = parseNames(namesFixtureText(3000, 2), "names.txt");
  assert.equal(names.length, 3000);
  assert.equal(new Set(names).size, 3000);
  assert.ok(names.every((n) => /^[a-z]{2,15}$/.test(n)));
});

test("the polynomial stand-in is factored=expanded lines our expander agrees with", async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "numlab-poly-")), "pairs.txt");
  fs.writeFileSync(file, polynomialFixtureText(500, 5));
  const pairs = await loadPolynomialPairs(file);
  assert.equal(pairs.length, 500);
  for (const p of pairs) assert.equal(expandToCanonical(p.factored), p.expanded);
});

test("smoke mode without local data uses the stand-ins instead of downloading; otherwise it still downloads", async () => {
  await isolated(true, async (cache) => {
    const oeisFile = await locateOeisFile({ quiet: true });
    assert.equal(path.dirname(oeisFile), path.join(cache, "smoke"));
    const oeis = await parseOeisFile(oeisFile);
    assert.equal(oeis.length, 3000);
    assert.equal((await loadNames({ quiet: true })).length, 3000);
    assert.equal(await locateDataFile(POLYNOMIAL_SOURCE, { quiet: true }), smokeFixtureFile(POLYNOMIAL_SOURCE));
    // a run whose data file is missing here evaluates on generated pairs in smoke mode
    assert.equal(resolvePolynomialFile({ source: "real", splitSeed: 1, testFraction: 0.2, valFraction: 0.04, file: "union_unique.txt" }), smokeFixtureFile(POLYNOMIAL_SOURCE));
    // a real local copy still wins over the stand-in
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-data-"));
    fs.writeFileSync(path.join(dataDir, "names.txt"), "emma\nolivia\n");
    process.env.NUMLAB_DATA_DIR = dataDir;
    assert.deepEqual(await loadNames({ quiet: true }), ["emma", "olivia"]);
  });
  await isolated(false, async () => {
    // outside smoke mode the same call goes to the (here disabled) download, and never to a stand-in
    await assert.rejects(locateDataFile(NAMES_SOURCE, { download: false, quiet: true }), /downloading is disabled/);
    await assert.rejects(locateDataFile(OEIS_STRIPPED, { download: false, quiet: true }), /downloading is disabled/);
    assert.throws(() => resolvePolynomialFile({ source: "real", splitSeed: 1, testFraction: 0.2, valFraction: 0.04, file: "union_unique.txt" }), /cannot find union_unique\.txt/);
  });
});
