/**
 * The shared option parsing of src/cli/command.ts (ranges named by the flag, negative values read
 * as values) and the rule that every numeric flag of a command is checked before anything is
 * written: out-of-range values end with exit code 2, a message naming the flag, and no --out.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError, describeRange, fractionOption, intListOption, intOption, numberOption, parseFlags, positiveNumberOption } from "../../src/cli/command";
import { main } from "../../src/cli/main";

test("intOption checks [min, max] and names the flag, with grouped digits", () => {
  assert.equal(intOption("8192", "--batch", 128, 1, 8192), 8192);
  assert.equal(intOption("+7", "--batch", 128, 1, 8192), 7);
  assert.equal(intOption(undefined, "--batch", 128, 1, 8192), 128);
  assert.throws(
    () => intOption("100000000", "--batch", 128, 1, 8192),
    (e: unknown) => e instanceof UsageError && e.message === '--batch must be an integer from 1 to 8,192, got "100000000"',
  );
  assert.throws(() => intOption("0", "--steps", 1, 1), /^UsageError: --steps must be an integer ≥ 1, got "0"$/);
  assert.throws(() => intOption("1.5", "--steps", 1, 1), /--steps must be an integer ≥ 1, got "1\.5"/);
  assert.throws(() => intOption("9007199254740993", "--seed"), /--seed must be an integer ≥ 0/);
  assert.throws(() => intOption(undefined, "--task"), /missing required option --task/);
  assert.deepEqual(intListOption("20, 50", "--seq-lens", undefined, 100), [20, 50]);
  assert.throws(() => intListOption("20,500", "--seq-lens", undefined, 100), /--seq-lens must be an integer from 1 to 100, got "500"/);
});

test("numberOption reads decimal numbers only and checks open and closed bounds", () => {
  assert.equal(numberOption("3e-4", "--lr"), 3e-4);
  assert.equal(numberOption("-.5", "--x"), -0.5);
  for (const bad of ["0x10", "Infinity", "1e400", "", " ", "1,5", "NaN", "--1"]) {
    assert.throws(() => numberOption(bad, "--x"), new RegExp(`--x must be a number, got "${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`), bad);
  }
  assert.equal(positiveNumberOption("0.002", "--lr"), 0.002);
  assert.throws(() => positiveNumberOption("0", "--lr"), /--lr must be a number > 0, got "0"/);
  assert.throws(() => positiveNumberOption("-1", "--lr"), /--lr must be a number > 0, got "-1"/);
  assert.equal(fractionOption("0", "--dropout"), 0);
  assert.throws(() => fractionOption("1", "--dropout"), /--dropout must be a number ≥ 0 and < 1, got "1"/);
  assert.throws(() => fractionOption("0", "--test-fraction", undefined, true), /--test-fraction must be a number > 0 and < 1, got "0"/);
  assert.throws(() => numberOption("11", "--length-penalty", 1, { min: 0, max: 10 }), /--length-penalty must be a number from 0 to 10, got "11"/);
  assert.equal(describeRange({ min: 0 }), "≥ 0");
  assert.equal(describeRange({ max: 1e6, maxExclusive: true }), "< 1,000,000");
});

test("parseFlags reads `--flag -1` as a value of a string option and leaves everything else to parseArgs", () => {
  const options = { lr: { type: "string" }, json: { type: "boolean" }, out: { type: "string" } } as const;
  const values = (args: string[]) => ({ ...parseFlags({ args, options }).values });
  assert.deepEqual(values(["--lr", "-1", "--json"]), { lr: "-1", json: true });
  assert.deepEqual(values(["--lr", "-.5e-3"]), { lr: "-.5e-3" });
  assert.deepEqual(values(["--lr=-2", "--out", "dir"]), { lr: "-2", out: "dir" });
  // a flag after a string option is still a flag, and a boolean option never takes a value
  assert.throws(
    () => parseFlags({ args: ["--out", "--json"], options }),
    (e: Error & { code?: string }) => e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE",
  );
  assert.throws(
    () => parseFlags({ args: ["--json", "-1"], options }),
    (e: Error & { code?: string }) => e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION",
  );
  assert.deepEqual(parseFlags({ args: ["--", "--lr", "-1"], options, allowPositionals: true }).positionals, ["--lr", "-1"]);
});

/** Run `numlab <argv>` in this process; its exit code and what it wrote to stderr. */
async function numlab(argv: string[]): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = "";
  (process.stderr as unknown as { write: (s: string) => boolean }).write = (s: string) => ((stderr += s), true);
  try {
    return { code: await main(argv), stderr };
  } finally {
    (process.stderr as unknown as { write: typeof write }).write = write;
  }
}

test("out-of-range numeric flags are refused before anything is written, naming the flag", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-options-"));
  const out = path.join(dir, "run");
  const cases: [argv: string[], message: string][] = [
    [["train", "arith", "--task", "addition", "--batch", "100000000"], '--batch must be an integer from 1 to 8,192, got "100000000"'],
    [["train", "arith", "--task", "addition", "--lr", "-1"], '--lr must be a number > 0, got "-1"'],
    [["train", "arith", "--task", "addition", "--lr=0"], '--lr must be a number > 0, got "0"'],
    [["train", "arith", "--task", "addition", "--clip", "-1"], '--clip must be a number ≥ 0, got "-1"'],
    [["train", "arith", "--task", "addition", "--dropout", "1.5"], '--dropout must be a number ≥ 0 and < 1, got "1.5"'],
    [["train", "arith", "--task", "addition", "--hidden", "10", "--heads", "4"], "--hidden (10) must be divisible by --heads (4)"],
    [["train", "arith", "--task", "addition", "--max", "50000"], '--max must be an integer from 2 to 46,340, got "50000"'],
    [["train", "arith", "--task", "factorization", "--max", "100000000"], '--max must be an integer from 3 to 67,108,864, got "100000000"'],
    [["train", "arith", "--task", "addition", "--base", "65"], '--base must be an integer from 2 to 64, got "65"'],
    [["train", "arith", "--task", "addition", "--test-fraction", "1"], '--test-fraction must be a number > 0 and < 1, got "1"'],
    [["train", "lstm", "--seq-len", "100000"], '--seq-len must be an integer from 2 to 1,000, got "100000"'],
    [["train", "lstm", "--batch-size", "100000000"], '--batch-size must be an integer from 1 to 4,096, got "100000000"'],
    [["train", "lstm", "--clip", "-1"], '--clip must be a number ≥ 0, got "-1"'],
    [["train", "lstm", "--max-value", "2000000000"], '--max-value must be an integer from 2 to 1,000,000, got "2000000000"'],
    [["train", "makemore", "--lr", "-1"], '--lr must be a number > 0, got "-1"'],
    [["train", "makemore", "--lr-after", "0"], '--lr-after must be a number > 0, got "0"'],
    [["train", "makemore", "--batch", "100000000"], '--batch must be an integer from 1 to 262,144, got "100000000"'],
    [["train", "makemore", "--clip", "-1"], "Unknown option '--clip'"],
  ];
  for (const [argv, message] of cases) {
    const r = await numlab([...argv, "--out", out]);
    assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
    assert.ok(r.stderr.startsWith(`numlab ${argv[0]} ${argv[1]}: ${message}`), `${argv.join(" ")}: ${r.stderr.split("\n")[0]}`);
    assert.equal(fs.existsSync(out), false, `${argv.join(" ")} created --out`);
  }
});

test("eval and data commands check their numbers before loading anything", async () => {
  const missing = path.join(os.tmpdir(), "numlab-no-such-run");
  const cases: [argv: string[], message: string][] = [
    [["eval", "arith", "--checkpoint", missing, "--beams", "100000"], '--beams must be an integer from 1 to 64, got "100000"'],
    [["eval", "arith", "--checkpoint", missing, "--length-penalty", "-1"], '--length-penalty must be a number from 0 to 10, got "-1"'],
    [["eval", "arith", "--checkpoint", missing, "--limit", "0"], '--limit must be an integer ≥ 1, got "0"'],
    [["eval", "next-term", "--no-lstm", "--k", "100000"], '--k must be an integer from 1 to 1,000, got "100000"'],
    [["eval", "next-term", "--no-lstm", "--sweep-sample", "0"], '--sweep-sample must be an integer from 1 to 10,000,000, got "0"'],
    [["oeis", "stats", "--top", "-3"], '--top must be an integer from 1 to 1,000,000, got "-3"'],
    [["probe", "--embeddings", missing, "--C", "-1"], '--C must be a number > 0, got "-1"'],
    [["probe", "--embeddings", missing, "--folds", "1000"], '--folds must be an integer from 2 to 100, got "1000"'],
  ];
  for (const [argv, message] of cases) {
    const r = await numlab(argv);
    assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr.split("\n")[0], new RegExp(`^numlab [a-z -]+: ${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`), argv.join(" "));
  }
});

test("a directory given where a data file belongs is named as a directory (exit 1), not as missing", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-options-dir-"));
  fs.writeFileSync(path.join(dir, "a.tsv"), "0.1\t0.2\n");
  const probe = await numlab(["probe", "--embeddings", dir]);
  assert.equal(probe.code, 1);
  assert.equal(probe.stderr, `numlab probe: --embeddings: ${dir} is a directory, not a file (it holds a.tsv); give the path of a data file\n`);
  const oeis = await numlab(["oeis", "stats", "--file", dir, "--offline"]);
  assert.equal(oeis.code, 1);
  assert.match(oeis.stderr, /^numlab oeis stats: OEIS stripped: .* is a directory, not a file/);
});
