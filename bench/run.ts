/**
 * `npm run bench`: run every bench/suites/*.ts (each exports `run(): Promise<Record<string,
 * unknown>>`), merge their sections into one JSON object, print it and write out/bench.json.
 * A section set to null by one suite (a placeholder) is replaced by another suite's value.
 * One ratio line per section with a `ratio` goes to stderr. A suite that throws is recorded as
 * `{ "<file>": { "error": message } }` and the others still run.
 * Env: NUMLAB_BENCH_ONLY=name1,name2 runs only those suite files (without .ts).
 */
import * as fs from "fs";
import * as path from "path";

type Section = Record<string, unknown>;

async function main(): Promise<void> {
  const suitesDir = path.join(__dirname, "suites");
  const only = (process.env.NUMLAB_BENCH_ONLY ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const files = fs
    .readdirSync(suitesDir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, "")))
    .sort();
  const merged: Section = {};
  for (const file of files) {
    const started = Date.now();
    process.stderr.write(`bench: ${file} …\n`);
    try {
      const suite = (await import(path.join(suitesDir, file))) as { run?: () => Promise<Section> };
      if (typeof suite.run !== "function") throw new Error(`${file} exports no run()`);
      const sections = await suite.run();
      for (const [name, value] of Object.entries(sections)) {
        if (value === null && merged[name] !== undefined && merged[name] !== null) continue;
        merged[name] = value;
      }
    } catch (err) {
      merged[file.replace(/\.ts$/, "")] = { error: (err as Error).message ?? String(err) };
    }
    process.stderr.write(`bench: ${file} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const out = path.join(__dirname, "..", "out");
  fs.mkdirSync(out, { recursive: true });
  const text = JSON.stringify(merged, null, 2);
  fs.writeFileSync(path.join(out, "bench.json"), text + "\n");
  process.stdout.write(text + "\n");
  for (const [name, value] of Object.entries(merged)) {
    const s = value as { numlabMs?: number; pytorchMs?: number | null; ratio?: number | null; backend?: string } | null;
    if (s && typeof s === "object" && "ratio" in s) {
      process.stderr.write(`ratio ${name}: numlab ${s.numlabMs} ms / PyTorch ${s.pytorchMs ?? "n/a"} ms = ${s.ratio ?? "n/a"} (${s.backend})\n`);
    }
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
