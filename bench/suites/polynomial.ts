/**
 * Polynomial expander agreement: expand the factored side of EVERY real pair and compare with the
 * data set's expanded side (must be 100%), and re-print every source from its two linear factors
 * (the generator's printer) and compare with the data set's factored side. Also times both.
 */
import * as fs from "fs";
import * as path from "path";
import { expandToCanonical } from "../../src/math/polynomial";
import { loadPolynomialPairs, PolynomialPair } from "../../src/data/polynomials";
import { formatFactoredProduct, linearFactorsOfProduct } from "../../src/data/polynomial-generator";
import { repoRoot } from "../../src/data/download";

function polynomialDataDir(): string | null {
  const candidates = [process.env.NUMLAB_DATA_DIR, path.join(repoRoot(), "..", "shared", "data")].filter((d): d is string => !!d);
  for (const d of candidates) if (fs.existsSync(path.join(d, "polynomials", "union_unique.txt"))) return path.join(d, "polynomials");
  return null;
}

interface Agreement {
  pairs: number;
  expanderAgree: number;
  expanderAgreement: number;
  sourcePrintAgree: number;
  expandSeconds: number;
  pairsPerSecond: number;
  firstDisagreement?: string;
}

function measure(pairs: PolynomialPair[]): Agreement {
  let agree = 0;
  let first: string | undefined;
  const t0 = process.hrtime.bigint();
  for (const p of pairs) {
    let got: string;
    try {
      got = expandToCanonical(p.factored);
    } catch (e) {
      got = `error: ${(e as Error).message}`;
    }
    if (got === p.expanded) agree++;
    else first ??= `${p.factored}=${p.expanded} (got ${got})`;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let printed = 0;
  for (const p of pairs) {
    const f = linearFactorsOfProduct(p.factored);
    if (f && formatFactoredProduct(f.first, f.second, f.symbol) === p.factored) printed++;
  }
  return {
    pairs: pairs.length,
    expanderAgree: agree,
    expanderAgreement: pairs.length ? agree / pairs.length : 0,
    sourcePrintAgree: printed,
    expandSeconds: Number(seconds.toFixed(3)),
    pairsPerSecond: Math.round(pairs.length / seconds),
    ...(first ? { firstDisagreement: first } : {}),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = polynomialDataDir();
  if (!dir) return { polynomial: { skipped: "real data not found (set NUMLAB_DATA_DIR)" } };
  const result: Record<string, unknown> = {};
  const files = [
    "union_unique.txt",
    ...fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .sort(),
  ];
  for (const name of files) {
    const pairs = await loadPolynomialPairs(path.join(dir, name));
    result[name] = measure(pairs);
  }
  return { polynomial: { dataDir: dir, ...result } };
}

if (require.main === module) {
  run().then((r) => console.log(JSON.stringify(r, null, 2)));
}
