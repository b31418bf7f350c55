import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { parseOeisText } from "../../src/data/oeis";
import { oeisFixtureText } from "../../src/data/smoke-fixtures";
import { SequenceDataset } from "../../src/datasets/sequence-dataset";
import { LSTM_SMOKE_CONFIG, LstmMetricsRecord, loadLstmModel, trainLstm } from "../../src/train/lstm-lm";
import { readMetrics } from "../../src/train/run-dir";
import type { NextIntegerPredictor } from "../../src/eval/predict-next";
import {
  NextTermRecord,
  combineCandidates,
  frequencyCandidates,
  lastDifferenceCandidates,
  lstmCandidates,
  minChecksSweep,
  nextTermContrasts,
  nextTermExampleRows,
  nextTermItems,
  nextTermJson,
  nextTermSplit,
  parsePrefixList,
  runNextTermBenchmark,
  scoreNextTerm,
  sequenceFeatures,
  successorTable,
  whatComesNextRows,
} from "../../src/eval/next-term";

before(async () => {
  await tf.setBackend("cpu");
});

const collection = parseOeisText(oeisFixtureText(1000, 3));
const SPLIT = { seqLen: 12, maxValue: 100, validationShare: 0.1, seed: 0 };

test("the held-out split agrees with the LSTM trainer's: its validation loss is the loss on our held-out rows", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-next-term-split-"));
  const rowsAll = new SequenceDataset(collection, { seqLen: SPLIT.seqLen, maxValue: SPLIT.maxValue });
  const nValidation = Math.round(rowsAll.size * SPLIT.validationShare);
  assert.ok(nValidation > 5 && nValidation <= 64, `validation rows ${nValidation}`);
  // one validation batch holds every validation row, so the logged loss is model.loss(all of them)
  const config = { ...LSTM_SMOKE_CONFIG, ...SPLIT, steps: 1, batchSize: 64, evalBatches: 1, evalEvery: 1, checkpointEvery: 1, tensorboard: false };
  const summary = await trainLstm({ out: dir, config, sequences: collection, progressMode: "silent" });
  const split = nextTermSplit(collection, SPLIT);
  assert.equal(summary.trainRows, split.counts.lstmTrainRows);
  assert.equal(split.counts.lstmValidationRows, nValidation);
  // the held-out sequences that are LSTM rows, in collection order, are exactly the trainer's validation rows
  const heldRows = split.heldOut.filter((i) => rowsAll.sourceIndex.includes(i));
  const { model } = loadLstmModel(dir);
  const lossOn = (indices: number[]) => {
    const ds = new SequenceDataset(
      indices.map((i) => collection.termsView(i)),
      { seqLen: SPLIT.seqLen, maxValue: SPLIT.maxValue },
    );
    return tf.tidy(() => model.loss(tf.tensor2d(ds.data, [ds.size, ds.seqLen], "int32")).dataSync()[0]);
  };
  const logged = readMetrics<LstmMetricsRecord>(dir).filter((r) => r.evalLoss !== undefined && r.step === 1)[0].evalLoss!;
  // duplicates of training rows are dropped from the held-out set; put them back to compare with the trainer
  const validation = rowsAll.split(SPLIT.validationShare, SPLIT.seed).validation;
  assert.deepEqual(
    heldRows,
    Array.from(validation.sourceIndex).filter((i) => split.heldOut.includes(i)),
  );
  assert.ok(Math.abs(lossOn(Array.from(validation.sourceIndex)) - logged) < 1e-4, `loss on our validation rows vs logged ${logged}`);
  const trainRowsSample = split.train.filter((i) => rowsAll.sourceIndex.includes(i)).slice(0, validation.size);
  assert.ok(Math.abs(lossOn(trainRowsSample) - logged) > 1e-3, "the loss on other rows differs (the check can fail)");
  fs.rmSync(dir, { recursive: true, force: true });
});

test("held-out and training split partition the sequences; duplicates of training sequences are dropped", () => {
  const split = nextTermSplit(collection, SPLIT);
  const all = [...split.heldOut, ...split.train].sort((a, b) => a - b);
  assert.equal(split.heldOut.length + split.train.length + split.counts.droppedDuplicates, collection.length);
  assert.equal(new Set(all).size, all.length);
  const key = (i: number) => Array.from(collection.termsView(i).subarray(0, SPLIT.seqLen)).join(",");
  const trainKeys = new Set(split.train.map(key));
  for (const i of split.heldOut) assert.ok(!trainKeys.has(key(i)), `${collection.id(i)} duplicates a training sequence`);
  // the fixture repeats some families exactly (the primes, the divisor counts): some are dropped
  assert.ok(split.counts.droppedDuplicates > 0);
  const nonRows = collection.length - split.counts.lstmRows;
  assert.equal(split.counts.otherHeldOut, Math.round(nonRows * SPLIT.validationShare));
  // same inputs, same split; another seed, another split
  assert.deepEqual(nextTermSplit(collection, SPLIT).heldOut, split.heldOut);
  assert.notDeepEqual(nextTermSplit(collection, { ...SPLIT, seed: 1 }).heldOut, split.heldOut);
});

test("items: the first p terms and the next one; 'all' leaves out only the last term", () => {
  const text =
    "A000001 ,1,2,3,4,5,6,7,8,9,10,11,12,\nA000002 ,5,4,3,\nA000003 ,1,1,2,3,5,8,13,21,34,55,89,144,233,377,610,987,1597,2584,4181,6765,10946,17711,\n";
  const c = parseOeisText(text);
  const items = nextTermItems(c, [0, 1, 2], [10, 20, "all"]);
  assert.deepEqual(
    items.map((i) => [i.id, i.prefix, i.given.length, i.answer]),
    [
      ["A000001", "10", 10, 11n],
      ["A000001", "all", 11, 12n],
      ["A000002", "all", 2, 3n],
      ["A000003", "10", 10, 89n],
      ["A000003", "20", 20, 10946n],
      ["A000003", "all", 21, 17711n],
    ],
  );
  assert.deepEqual(parsePrefixList("10, 20,all"), [10, 20, "all"]);
  assert.throws(() => parsePrefixList("10,1"), /--prefix: "1" is not a prefix length ≥ 2/);
  assert.throws(() => parsePrefixList("ten"), /"ten"/);
});

test("features are computed exactly from the given terms", () => {
  const f = (xs: (number | bigint)[]) => sequenceFeatures(xs.map((x) => BigInt(x)));
  assert.deepEqual(f(Array(10).fill(7)), { length: "≤ 10", growth: "slow", signChanges: "none" });
  assert.equal(f(Array.from({ length: 20 }, (_, n) => 2n ** BigInt(n))).growth, "fast");
  assert.equal(f(Array.from({ length: 20 }, (_, n) => n * n)).growth, "medium"); // bit lengths 44 → 82 over halves of 10: 0.38
  assert.equal(f(Array.from({ length: 12 }, (_, n) => (n % 2 ? -n : n))).signChanges, "3+");
  assert.equal(f([1, 2, -3, -4, 0, -5]).signChanges, "1–2");
  assert.equal(f(Array(41).fill(1)).length, "41+");
  assert.equal(f(Array(21).fill(1)).length, "21–40");
});

/** A fake next-integer model: it always ranks "last term + 1" first, then 0, 1, 2, ...; it records what it read. */
function successorModel(maxValue: number, seen: number[][] = []): NextIntegerPredictor {
  return {
    config: { maxValue },
    forward(inputs: tf.Tensor2D) {
      const rows = inputs.arraySync() as number[][];
      seen.push(...rows);
      return tf.tidy(() => {
        const next = tf.minimum(tf.add(inputs, tf.scalar(1, "int32")), tf.scalar(maxValue - 1, "int32"));
        const rank = tf.range(maxValue, 0, -1).div(maxValue * 10);
        return tf.add(tf.mul(tf.oneHot(next, maxValue).toFloat(), 3), rank) as tf.Tensor3D;
      });
    },
  };
}

test("baselines: last difference, most frequent successor, the LSTM (window and abstention), the combination", () => {
  const c = parseOeisText("A000010 ,1,2,3,2,3,2,5,\nA000011 ,1,4,9,16,25,\nA000012 ,3,2000,4,\n");
  const items = nextTermItems(c, [1, 2], ["all"]);
  assert.deepEqual(lastDifferenceCandidates(items), [[23n], [2000n * 2n - 3n]]);
  const table = successorTable(c, [0]);
  assert.equal(table.pairs, 6);
  const probe = nextTermItems(parseOeisText("A000020 ,7,7,2,9,\nA000021 ,8,4,1,\n"), [0, 1], ["all"]);
  // successors of 2 in A000010: 3, 3, 5 → [3, 5]; 4 never occurs in training → abstain
  assert.deepEqual(frequencyCandidates(probe, table, 10), [[3n, 5n], null]);
  assert.deepEqual(frequencyCandidates(probe, table, 1), [[3n], null]);
  const seen: number[][] = [];
  const lstm = lstmCandidates(successorModel(50, seen), items, { k: 3, window: 3 });
  assert.deepEqual(lstm[0], [17n, 0n, 1n]); // reads 4, 9, 16 → 17 first
  assert.equal(lstm[1], null); // 2000 is outside 0..49
  assert.deepEqual(seen, [[4, 9, 16]]);
  assert.deepEqual(combineCandidates([[5n], null, null], [[5n, 6n, 7n], [1n], null], 2), [[5n, 6n], [1n], null]);
});

test("scores: top-1, top-k, coverage and accuracy when answering, by group; the JSON record", () => {
  const rec = (answer: string, prefix: string, methods: Record<string, string[] | null>): NextTermRecord => ({
    id: "A000001",
    prefix,
    given: ["1", "2"],
    answer,
    features: sequenceFeatures([1n, 2n]),
    methods,
    models: {},
  });
  const records = [
    rec("3", "10", { a: ["3"], b: ["4", "3"] }),
    rec("5", "10", { a: null, b: ["1", "2", "5"] }),
    rec("7", "20", { a: ["8"], b: null }),
    rec("9", "20", { a: ["9", "8"], b: ["9"] }),
  ];
  const s = scoreNextTerm(records, 2);
  assert.equal(s.n, 4);
  assert.deepEqual([s.methods.a.top1, s.methods.a.topk, s.methods.a.coverage, s.methods.a.top1WhenAnswering], [0.5, 0.5, 0.75, 2 / 3]);
  assert.deepEqual([s.methods.b.top1, s.methods.b.topk, s.methods.b.coverage], [0.25, 0.5, 0.75]); // "5" is third: not in the top 2
  const byPrefix = s.groups.filter((g) => g.by === "prefix");
  assert.deepEqual(
    byPrefix.map((g) => [g.value, g.n, g.methods.a.top1]),
    [
      ["10", 2, 0.5],
      ["20", 2, 0.5],
    ],
  );
  const json = nextTermJson(s) as { n: number; methods: Record<string, Record<string, number>> };
  assert.deepEqual(Object.keys(json), ["n", "methods"]);
  assert.deepEqual(json.methods.b, { top1: 0.25, top2: 0.5, coverage: 0.75 });
  assert.ok("groups" in nextTermJson(s, { groups: true }));
});

test("runNextTermBenchmark: records for every item, solver models that re-verify, scores recomputed from the records", () => {
  const model = successorModel(SPLIT.maxValue);
  const r = runNextTermBenchmark({ collection, split: SPLIT, model, k: 5, progressMode: "silent" });
  assert.equal(r.records.length, r.items.length);
  assert.ok(r.items.length > 30);
  assert.deepEqual(Object.keys(r.scores.methods), [
    "periodic",
    "polynomial",
    "linear-recurrence",
    "holonomic",
    "transform",
    "cascade",
    "lstm",
    "frequency",
    "last-difference",
    "cascade+lstm",
  ]);
  assert.deepEqual(r.scores, scoreNextTerm(r.records, 5));
  // the fixture is made of simple rules: the cascade answers most items and is nearly always right then
  const cascade = r.scores.methods.cascade;
  assert.ok(cascade.coverage > 0.5 && (cascade.top1WhenAnswering ?? 0) > 0.9, JSON.stringify(cascade));
  // "cascade+lstm" answers at least where either does, and is right at least where the cascade is
  const comb = r.scores.methods["cascade+lstm"];
  assert.ok(comb.coverage >= Math.max(cascade.coverage, r.scores.methods.lstm.coverage));
  assert.ok(comb.top1 >= cascade.top1);
  for (const rec of r.records) {
    for (const [name, fits] of Object.entries(rec.models))
      assert.deepEqual(
        rec.methods[name],
        fits.map((f) => f.next),
      );
    if (rec.methods.lstm) assert.ok(rec.given.slice(-SPLIT.seqLen + 1).every((t) => Number(t) >= 0 && Number(t) < SPLIT.maxValue));
  }
  const { onlyA, onlyB } = nextTermContrasts(r.records);
  for (const x of onlyA) assert.ok(x.methods.lstm?.[0] === x.answer && x.methods.cascade?.[0] !== x.answer);
  for (const x of onlyB) assert.ok(x.methods.cascade?.[0] === x.answer && x.methods.lstm?.[0] !== x.answer);
  const rows = nextTermExampleRows(r.records.slice(0, 3));
  assert.deepEqual(Object.keys(rows[0]), ["sequence", "prefix", "given", "answer", "cascade", "lstm", "formula"]);
  // without a model: no LSTM columns
  const noLstm = runNextTermBenchmark({ collection, split: SPLIT, limit: 5, progressMode: "silent" });
  assert.ok(!("lstm" in noLstm.scores.methods) && !("cascade+lstm" in noLstm.scores.methods));
});

test("minChecksSweep: more required checks never raise coverage", () => {
  const split = nextTermSplit(collection, SPLIT);
  const rows = minChecksSweep(collection, split.train.slice(0, 60), [0, 1, 2, 4, 8]);
  rows.forEach((r, i) => i === 0 || assert.ok(r.coverage <= rows[i - 1].coverage, `coverage rose at minChecks ${r.minChecks}`));
  assert.ok(rows.every((r) => r.withFallback >= r.top1));
});

test("whatComesNextRows: the solvers' formulas and continuation, and the LSTM's guesses", () => {
  const rows = whatComesNextRows([1n, 1n, 2n, 3n, 5n, 8n, 13n], { model: successorModel(50), count: 3, candidates: 1 });
  assert.deepEqual(rows[0], {
    method: "linear-recurrence",
    model: "linear recurrence of order 2 (4 terms fix it, 3 check it)",
    formula: "a(n) = a(n-1) + a(n-2)",
    next: "21, 34, 55",
  });
  assert.equal(rows[1].method, "lstm");
  assert.match(rows[1].next, /^14 \(/);
  const big = whatComesNextRows([2n, 3n, 5n, 7n, 11n, 13n, 170n], { model: successorModel(50) });
  assert.equal(big[0].formula, "");
  assert.match(big[1].model, /abstains/);
});
