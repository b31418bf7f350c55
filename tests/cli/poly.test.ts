import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { evalPolyCommand, trainPolyCommand } from "../../src/cli/commands/poly";
import { trainPolynomial } from "../../src/train/polynomial";
import { UsageError } from "../../src/cli/command";

test("usage errors name the flag", async () => {
  await assert.rejects(trainPolyCommand.run([]), (e: unknown) => e instanceof UsageError && /--out/.test(e.message));
  await assert.rejects(trainPolyCommand.run(["--out", "x", "--steps", "zero"]), /--steps must be an integer/);
  await assert.rejects(evalPolyCommand.run([]), /--checkpoint/);
});

test("eval poly --json prints exactMatch, equivalent and n for a data file", async () => {
  process.env.NUMLAB_BACKEND = "cpu";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-poly-cli-"));
  const out = path.join(dir, "run");
  await trainPolynomial({
    data: { source: "generated", generated: 100, splitSeed: 2 },
    model: { hidden: 16, encoderLayers: 1, decoderLayers: 1, heads: 2, ffHidden: 16, dropout: 0 },
    train: { steps: 1, batchSize: 8, evalEvery: 1, evalSize: 4 },
    out,
  });
  const data = path.join(dir, "pairs.txt");
  fs.writeFileSync(data, "(x+1)*(x+2)=x**2+3*x+2\n(7-3*z)*(-5*z-9)=15*z**2-8*z-63\n(x-1)*x=x**2-x\n");
  const written: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => (written.push(String(s)), true);
  try {
    assert.equal(await evalPolyCommand.run(["--checkpoint", out, "--data", data, "--json"]), 0);
  } finally {
    (process.stdout as unknown as { write: typeof original }).write = original;
  }
  const result = JSON.parse(written.join("").trim().split("\n").pop() as string) as Record<string, number>;
  assert.deepEqual(Object.keys(result), ["exactMatch", "equivalent", "n"]);
  assert.equal(result.n, 3);
  assert.ok(result.exactMatch >= 0 && result.exactMatch <= result.equivalent);
});
