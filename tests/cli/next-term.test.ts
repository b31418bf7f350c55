import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { evalNextTermCommand, guessCommand } from "../../src/cli/commands/next-term";
import { UsageError } from "../../src/cli/command";
import { findCommand } from "../../src/cli/main";
import { LSTM_SMOKE_CONFIG, trainLstm } from "../../src/train/lstm-lm";
import { oeisFixtureText } from "../../src/data/smoke-fixtures";
import { parseOeisText } from "../../src/data/oeis";

const CHECKER = path.join(__dirname, "../../scripts/check-next-term-predictions.py");
const PYTHON = "/usr/bin/python3";

async function captureStdout(f: () => Promise<unknown>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let out = "";
  // only the command's text is captured: the test runner's own (binary) messages pass through
  (process.stdout as unknown as { write: (s: string | Uint8Array) => boolean }).write = (s: string | Uint8Array) =>
    typeof s === "string" ? ((out += s), true) : write(s);
  try {
    await f();
  } finally {
    (process.stdout as unknown as { write: typeof write }).write = write;
  }
  return out;
}

let dir = "";
let oeisFile = "";
let runDir = "";

before(async () => {
  process.env.NUMLAB_BACKEND = "cpu";
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-next-term-cli-"));
  oeisFile = path.join(dir, "stripped.txt");
  // the generated fixture plus one sequence with terms beyond 2^53
  const huge = Array.from({ length: 25 }, (_, n) => (7n ** BigInt(3 * n) + 1n).toString()).join(",");
  fs.writeFileSync(oeisFile, oeisFixtureText(800, 5) + `A900000 ,${huge},\n`);
  runDir = path.join(dir, "run");
  const collection = parseOeisText(fs.readFileSync(oeisFile));
  await trainLstm({
    out: runDir,
    config: { ...LSTM_SMOKE_CONFIG, steps: 4, tensorboard: false, dataFile: oeisFile },
    sequences: collection,
    progressMode: "silent",
  });
});

test("numlab eval next-term --json prints {n, methods}; --predictions is rescored identically by the Python checker", async () => {
  assert.equal(findCommand(["eval", "next-term", "--json"])?.command, evalNextTermCommand);
  const predictions = path.join(dir, "predictions.jsonl");
  const args = ["--file", oeisFile, "--checkpoint", runDir, "--json", "--by-group", "--predictions", predictions];
  const record = JSON.parse((await captureStdout(() => evalNextTermCommand.run(args))).trim());
  assert.deepEqual(Object.keys(record), ["n", "methods", "groups"]);
  for (const name of [
    "cascade",
    "lstm",
    "frequency",
    "last-difference",
    "cascade+lstm",
    "periodic",
    "polynomial",
    "linear-recurrence",
    "holonomic",
    "transform",
  ]) {
    assert.deepEqual(Object.keys(record.methods[name]), ["top1", "top10", "coverage"], name);
  }
  const lines = fs.readFileSync(predictions, "utf8").trim().split("\n");
  assert.equal(lines.length, record.n);
  assert.ok(record.methods.cascade.top1 > 0.3, `cascade top-1 ${record.methods.cascade.top1} on simple generated rules`);
  assert.ok(record.methods.cascade.top1 <= record.methods.cascade.coverage);
  if (!fs.existsSync(PYTHON)) return; // the independent check needs Python
  const checked = spawnSync(PYTHON, [CHECKER, predictions, "--k", "10", "--oeis", oeisFile], { encoding: "utf8" });
  assert.equal(checked.status, 0, checked.stderr);
  const again = JSON.parse(checked.stdout);
  assert.equal(again.n, record.n);
  assert.deepEqual(again.methods, record.methods);
  assert.deepEqual(again.groups, record.groups);
  assert.ok(again.verifiedModels > 0);
  // a tampered model is caught: change one coefficient of the first relation model
  const records = lines.map((l) => JSON.parse(l));
  const target = records.find((r) => r.models.cascade?.[0]?.spec.kind === "relation");
  assert.ok(target, "some cascade answer is a relation");
  target.models.cascade[0].spec.coefficients[0][0] = String(BigInt(target.models.cascade[0].spec.coefficients[0][0]) + 1n);
  const tampered = path.join(dir, "tampered.jsonl");
  fs.writeFileSync(tampered, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const bad = spawnSync(PYTHON, [CHECKER, tampered], { encoding: "utf8" });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /tampered\.jsonl:\d+: cascade: model .* (does not reproduce the given terms|gives)/);
  // a wrong answer is caught against the OEIS file
  const wrongAnswer = records.map((r, i) => (i === 0 ? { ...r, answer: String(BigInt(r.answer) + 1n) } : r));
  fs.writeFileSync(tampered, wrongAnswer.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const bad2 = spawnSync(PYTHON, [CHECKER, tampered, "--oeis", oeisFile], { encoding: "utf8" });
  assert.equal(bad2.status, 1);
  assert.match(bad2.stderr, /the given terms and answer are not the sequence's/);
});

test("eval next-term options: --k names the top-k key, --prefix and --limit select items, bad flags are named", async () => {
  const out = JSON.parse(
    (
      await captureStdout(() =>
        evalNextTermCommand.run(["--file", oeisFile, "--checkpoint", runDir, "--json", "--k", "3", "--prefix", "10", "--limit", "5", "--no-lstm"]),
      )
    ).trim(),
  );
  assert.ok(out.n <= 5);
  assert.deepEqual(Object.keys(out.methods.cascade), ["top1", "top3", "coverage"]);
  assert.ok(!("lstm" in out.methods));
  await assert.rejects(
    evalNextTermCommand.run(["--file", oeisFile, "--checkpoint", runDir, "--prefix", "1"]),
    (e: Error) => e instanceof UsageError && /--prefix: "1"/.test(e.message),
  );
  await assert.rejects(evalNextTermCommand.run(["--file", oeisFile, "--checkpoint", runDir, "--by-group"]), /--by-group goes with --json/);
  await assert.rejects(evalNextTermCommand.run(["--file", oeisFile, "--checkpoint", runDir, "--k", "0"]), /--k must be an integer from 1 to 1,000, got "0"/);
  await assert.rejects(evalNextTermCommand.run(["--file", path.join(dir, "missing.txt"), "--checkpoint", runDir]), /missing\.txt/);
  const text = await captureStdout(() => evalNextTermCommand.run(["--file", oeisFile, "--checkpoint", runDir, "--limit", "5"]));
  assert.match(text, /held out \d+ \(\d+ LSTM validation rows \+ \d+ of the \d+ non-rows/);
  assert.match(text, /cascade\+lstm/);
  const sweep = JSON.parse(
    (
      await captureStdout(() =>
        evalNextTermCommand.run(["--file", oeisFile, "--checkpoint", runDir, "--json", "--sweep-min-checks", "0,2", "--sweep-sample", "30"]),
      )
    ).trim(),
  );
  assert.equal(sweep.sample, 30);
  assert.deepEqual(
    sweep.rows.map((r: { minChecks: number }) => r.minChecks),
    [0, 2],
  );
});

test("numlab guess prints the formula and the continuation; --json the documented record", async () => {
  const text = await captureStdout(() => guessCommand.run(["1,1,2,3,5,8,13"]));
  assert.match(text, /^a\(n\) = a\(n-1\) \+ a\(n-2\)\n/);
  assert.match(text, /next: 21, 34, 55, 89, 144\n/);
  const json = JSON.parse((await captureStdout(() => guessCommand.run(["1,1,2,3,5,8,13", "--count", "3", "--json"]))).trim());
  assert.deepEqual(json, { method: "linear-recurrence", formula: "a(n) = a(n-1) + a(n-2)", next: ["21", "34", "55"] });
  // separate arguments, negative terms, and a --count value that is not a term
  const alt = JSON.parse((await captureStdout(() => guessCommand.run(["1", "-2", "4", "-8", "16", "--count", "2", "--json"]))).trim());
  assert.deepEqual(alt, { method: "linear-recurrence", formula: "a(n) = -2a(n-1)", next: ["-32", "64"] });
  const big = JSON.parse(
    (await captureStdout(() => guessCommand.run(["--json", Array.from({ length: 12 }, (_, n) => (10n ** BigInt(2 * n)).toString()).join(",")]))).trim(),
  );
  assert.equal(big.next[0], (10n ** 24n).toString());
  assert.deepEqual(JSON.parse((await captureStdout(() => guessCommand.run(["2,3,5,7,11,13,17,19,23,29", "--json"]))).trim()), { method: null });
  assert.match(await captureStdout(() => guessCommand.run(["2,3,5,7,11,13,17,19,23,29"])), /no solver explains these 10 terms/);
  await assert.rejects(guessCommand.run(["1,2,x"]), (e: Error) => e instanceof UsageError && /term 3 \("x"\) is not an integer/.test(e.message));
  await assert.rejects(guessCommand.run([]), /give the terms/);
  await assert.rejects(guessCommand.run(["1,2,3", "--count", "0"]), /--count must be an integer from 1 to 1,000, got "0"/);
});

test("numlab guess shows integers of more than 24 digits abbreviated (--json keeps them exact) and refuses terms of over 10,000 digits", async () => {
  const terms = Array.from({ length: 12 }, (_, n) => (10n ** BigInt(3 * n)).toString()).join(",");
  const text = await captureStdout(() => guessCommand.run([terms, "--count", "2"]));
  assert.match(text, /next: 10000000…00000000 \(37 digits\), 10000000…00000000 \(40 digits\)\n/);
  const json = JSON.parse((await captureStdout(() => guessCommand.run([terms, "--count", "2", "--json"]))).trim());
  assert.deepEqual(json.next, [(10n ** 36n).toString(), (10n ** 39n).toString()]);
  await assert.rejects(
    guessCommand.run([`1,2,${"7".repeat(10_001)}`]),
    (e: Error) => e instanceof UsageError && e.message === "TERMS: term 3 (77777777…77777777 (10,001 digits)) has more than 10,000 digits",
  );
  await assert.rejects(guessCommand.run(["1,2,3", "--count", "-1"]), /--count must be an integer from 1 to 1,000, got "-1"/);
  await assert.rejects(guessCommand.run(["1,2,3", "--candidates", "1000"]), /--candidates must be an integer from 1 to 100, got "1000"/);
});
