import { test } from "node:test";
import assert from "node:assert/strict";
import {
  arithmeticBatchStream,
  arithmeticData,
  arithmeticSplit,
  hasTwoMultiDigitFactors,
  repeatMultiDigitKeys,
  trainMaxNotice,
} from "../../src/datasets/arithmetic";

test("addition split: disjoint, complete, 90/10, reproducible from the seed", () => {
  const c = { task: "addition" as const, base: 10, max: 40, testFraction: 0.1, splitSeed: 3 };
  const s = arithmeticSplit(c);
  assert.equal(s.train.length + s.test.length, 1600);
  assert.equal(s.test.length, 160);
  const all = new Set([...s.train, ...s.test]);
  assert.equal(all.size, 1600);
  assert.deepEqual(arithmeticSplit(c).test, s.test);
  assert.notDeepEqual(arithmeticSplit({ ...c, splitSeed: 4 }).test, s.test);
});

test("problems are checked arithmetic: sums and ascending prime factorizations", () => {
  const add = arithmeticData({ task: "addition", max: 256 });
  const p = add.problem(45 * 256 + 202);
  assert.deepEqual(p.operands, [45, 202]);
  assert.deepEqual(p.answer, [247]);
  const e = add.encode(p);
  assert.equal(add.tokenizer.toText(e.source), "<sos> 45 + 202 <eos>");
  assert.equal(add.tokenizer.toText(e.target), "<sos> 247 <eos>");
  const fac = arithmeticData({ task: "factorization", max: 4096, base: 30 });
  assert.deepEqual(fac.problem(12).answer, [2, 2, 3]);
  assert.equal(fac.split.train.length + fac.split.test.length, 4095);
  for (let n = 2; n <= 4096; n += 37) {
    const f = fac.problem(n).answer;
    assert.equal(
      f.reduce((a, b) => a * b, 1),
      n,
    );
  }
  // length bounds really bound every problem
  for (const key of [...fac.split.train.slice(0, 300), 4096]) {
    const enc = fac.encode(fac.problem(key));
    assert.ok(enc.target.length <= fac.maxTargetLength && enc.source.length <= fac.maxSourceLength);
  }
  assert.equal(fac.maxTargetLength, 1 + 12 * 2); // 2^12: twelve one-digit factors
});

test("trainMax adds larger training numbers that fit the model, and never a test number", () => {
  const base = { task: "factorization" as const, max: 4096, base: 30 };
  const plain = arithmeticData(base);
  const wide = arithmeticData({ ...base, trainMax: 3 * 4096 });
  // the held-out split is that of [2, max], whatever the training range
  assert.deepEqual(wide.split.test, plain.split.test);
  assert.deepEqual(wide.split.train.slice(0, plain.split.train.length), plain.split.train);
  const test = new Set(wide.split.test);
  const extra = wide.split.train.slice(plain.split.train.length);
  assert.ok(extra.every((n) => n > 4096 && n <= 3 * 4096 && !test.has(n)));
  // 8192 = 2^13 needs 13 factors, longer than any answer in [2, 4096]: left out; its neighbours are in
  assert.ok(!extra.includes(8192) && extra.includes(8191) && extra.includes(8193));
  assert.equal(extra.length, 2 * 4096 - 2); // all but 2^13 and 3·2^12, whose 13 factors do not fit
  for (const n of extra) {
    const p = wide.problem(n);
    assert.equal(
      p.answer.reduce((a, b) => a * b, 1),
      n,
    );
    const enc = wide.encode(p);
    assert.ok(enc.target.length <= wide.maxTargetLength && enc.source.length <= wide.maxSourceLength, `n = ${n}`);
  }
  assert.equal(wide.maxTargetLength, plain.maxTargetLength);
  assert.deepEqual(wide.trainMaxLeftOut, { longerProblem: 0, longerAnswer: 2, largest: 3 * 4096 - 1 });
  assert.equal(trainMaxNotice(wide), null); // every number up to 3 · 4096 is three base-30 digits, like 4096
  assert.equal(plain.trainMaxLeftOut, undefined);
  assert.throws(() => arithmeticData({ ...base, trainMax: 100 }), /trainMax must be an integer in \[max = 4096/);
  assert.throws(() => arithmeticData({ task: "addition", max: 16, trainMax: 32 }), /factorization only/);
});

test("trainMax stops where numbers get more digits than max, and says so", () => {
  // 4096 is three base-30 digits; 27,000 = 30^3 is the first four-digit number
  const data = arithmeticData({ task: "factorization", max: 4096, base: 30, trainMax: 30000 });
  const train = data.split.train;
  assert.equal(train[train.length - 1], 26999);
  assert.ok(!train.some((n) => n >= 27000));
  const left = data.trainMaxLeftOut;
  assert.ok(left);
  assert.equal(left.longerProblem, 30000 - 27000 + 1);
  assert.equal(left.largest, 26999);
  // the answers left out are those longer than 2^12's twelve factors: recount them by hand
  let longer = 0;
  for (let n = 4097; n < 27000; n++) {
    let omega = 0;
    for (let x = n, p = 2; x > 1;) {
      if (x % p === 0) {
        x /= p;
        omega++;
      } else p++;
    }
    if (omega > 12) longer++;
  }
  assert.equal(left.longerAnswer, longer);
  assert.equal(train.length, data.split.train.filter((n) => n <= 4096).length + (27000 - 4097) - longer);
  const notice = trainMaxNotice(data);
  assert.match(notice ?? "", /^trainMax 30,000: 3,001 numbers in \(4,096, 30,000\] are left out .* more base-30 digits than 4,096/);
  assert.match(notice ?? "", /the largest training number is 26,999/);
});

test("trainLonger also trains on numbers with more digits than max, never on a test number", () => {
  const base = { task: "factorization" as const, max: 4096, base: 30, trainMax: 30000 };
  const short = arithmeticData(base);
  const long = arithmeticData({ ...base, trainLonger: true });
  assert.deepEqual(long.split.test, short.split.test);
  const train = long.split.train;
  // 27,000 = 30^3 and up are four base-30 digits: now in, unless their answers are too long
  assert.ok(train.includes(27000) && train.includes(29999) && train.includes(29989)); // 29,989 is prime
  assert.ok(!train.includes(27648)); // 2^10 · 3^3: thirteen factors, longer than 2^12's twelve
  assert.equal(train.length, short.split.train.length + train.filter((n) => n >= 27000).length);
  assert.equal(long.trainMaxLeftOut?.longerProblem, 0);
  assert.equal(long.trainMaxLeftOut?.largest, train[train.length - 1]);
  assert.equal(trainMaxNotice(long), null);
  assert.equal(short.maxSourceLength, 2 + 3);
  assert.equal(long.maxSourceLength, 2 + 4);
  assert.equal(long.maxTargetLength, short.maxTargetLength);
  assert.ok(long.maxSourceLength <= long.maxTargetLength); // so the model's maxLength stays as it was
  for (const n of train.filter((x) => x >= 27000)) {
    const enc = long.encode(long.problem(n));
    assert.ok(enc.source.length <= long.maxSourceLength && enc.target.length <= long.maxTargetLength, `n = ${n}`);
  }
  assert.throws(() => arithmeticData({ task: "factorization", max: 4096, trainLonger: true }), /trainLonger needs a trainMax above max = 4096/);
  assert.throws(() => arithmeticData({ task: "factorization", max: 4096, trainMax: 4096, trainLonger: true }), /trainLonger needs a trainMax/);
});

test("repeatMultiDigit lists the numbers with two multi-digit prime factors K times, and only training numbers", () => {
  // base 30: 103 x 251 and 31 x 31 have two two-digit factors; 2 x 2 x 3 x 251 and the prime 251 have one
  assert.ok(hasTwoMultiDigitFactors([103, 251], 30) && hasTwoMultiDigitFactors([31, 31], 30) && hasTwoMultiDigitFactors([2, 30 + 1, 37], 30));
  assert.ok(!hasTwoMultiDigitFactors([2, 2, 3, 251], 30) && !hasTwoMultiDigitFactors([251], 30) && !hasTwoMultiDigitFactors([29, 31], 30));
  assert.ok(hasTwoMultiDigitFactors([29, 31], 10) && !hasTwoMultiDigitFactors([7, 31], 10));
  const data = arithmeticData({ task: "factorization", max: 3000, base: 30, trainMax: 6000 });
  const keys = data.split.train;
  const repeated = repeatMultiDigitKeys(data, keys, 3);
  const counts = new Map<number, number>();
  for (const k of repeated) counts.set(k, (counts.get(k) ?? 0) + 1);
  let hard = 0;
  for (const k of keys) {
    const f = data.problem(k).answer;
    const isHard = f.length >= 2 && f[f.length - 2] >= 30; // the definition, recomputed by hand
    hard += isHard ? 1 : 0;
    assert.equal(counts.get(k), isHard ? 3 : 1, `n = ${k}`);
  }
  assert.ok(hard > 100 && counts.get(31 * 97) === 3 && counts.get(4 * 1009) === 1);
  assert.equal(repeated.length, keys.length + 2 * hard);
  assert.equal(counts.size, keys.length); // nothing added that is not a training number
  assert.equal(repeatMultiDigitKeys(data, keys, 1), keys);
  // an epoch of the batch stream now draws each such number three times
  const stream = arithmeticBatchStream(data, repeated, repeated.length, 5);
  const epoch = stream.next();
  const drawn = new Map<string, number>();
  for (let r = 0; r < epoch.size; r++) {
    const row = Array.from(epoch.source.slice(r * epoch.sourceLength, (r + 1) * epoch.sourceLength)).join(",");
    drawn.set(row, (drawn.get(row) ?? 0) + 1);
  }
  const row3007 = data.encode(data.problem(31 * 97)).source;
  const key = [...row3007, ...new Array(epoch.sourceLength - row3007.length).fill(data.tokenizer.padId)].join(",");
  assert.equal(drawn.get(key), 3);
  assert.throws(() => repeatMultiDigitKeys(data, keys, 0), /repeatMultiDigit must be an integer ≥ 1, got 0/);
  assert.throws(() => repeatMultiDigitKeys(arithmeticData({ task: "addition", max: 16 }), keys, 2), /factorization only/);
});

test("batch stream pads to each batch's longest, covers an epoch, and resumes from its cursor", () => {
  const data = arithmeticData({ task: "addition", max: 12 });
  const keys = data.split.train;
  const a = arithmeticBatchStream(data, keys, 10, 1);
  const seen: number[] = [];
  const batches = [];
  for (let i = 0; i < Math.ceil(keys.length / 10) + 3; i++) batches.push(a.next());
  for (const b of batches) {
    assert.equal(b.size, 10);
    let longest = 0;
    for (let r = 0; r < b.size; r++) {
      let len = 0;
      for (let j = 0; j < b.sourceLength; j++) if (b.source[r * b.sourceLength + j] !== 0) len++;
      longest = Math.max(longest, len);
      seen.push(b.source[r * b.sourceLength + 1]);
    }
    assert.equal(longest, b.sourceLength);
  }
  const b = arithmeticBatchStream(data, keys, 10, 1);
  for (let i = 0; i < 5; i++) b.next();
  const cursor = b.cursor();
  const after = b.next();
  const c = arithmeticBatchStream(data, keys, 10, 1);
  c.seek(cursor);
  assert.deepEqual(c.next(), after);
});

test("length parts: each random batch also comes as length-grouped sub-batches with the same loss and gradient", async () => {
  const tf = await import("@tensorflow/tfjs");
  const { createTransformer, transformerLoss } = await import("../../src/models/transformer");
  await tf.setBackend("cpu");
  const data = arithmeticData({ task: "factorization", max: 3000, base: 30 });
  const s = arithmeticBatchStream(data, data.split.train, 32, 5, { parts: 3 });
  const plain = arithmeticBatchStream(data, data.split.train, 32, 5);
  const batch = s.next();
  const same = plain.next();
  assert.deepEqual({ ...batch, parts: undefined }, { ...same, parts: undefined }); // the random batch itself is unchanged
  assert.ok(batch.parts && batch.parts.length >= 2 && batch.parts.length <= 3);
  assert.equal(
    batch.parts.reduce((n, p) => n + p.size, 0),
    batch.size,
  );
  const padded = batch.parts.reduce((n, p) => n + p.size * p.targetLength, 0);
  assert.ok(padded < batch.size * batch.targetLength);
  const model = createTransformer({
    sourceVocabSize: data.tokenizer.vocabSize,
    targetVocabSize: data.tokenizer.vocabSize,
    hidden: 16,
    heads: 2,
    ffHidden: 16,
    encoderLayers: 1,
    decoderLayers: 1,
    dropout: 0,
    maxLength: 40,
    norm: "pre",
    attentionGain: 0.5,
    positional: "sinusoidal",
    padId: 0,
    seed: 1,
  });
  const vars = Object.values(model.params);
  const whole = tf.variableGrads(() => transformerLoss(model, { ...batch, parts: undefined }), vars);
  const split = tf.variableGrads(() => transformerLoss(model, batch), vars);
  assert.ok(Math.abs(whole.value.dataSync()[0] - split.value.dataSync()[0]) < 1e-5);
  for (const k of Object.keys(whole.grads)) {
    const a = whole.grads[k].dataSync();
    const b = split.grads[k].dataSync();
    a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-5, `${k}[${i}]: ${x} vs ${b[i]}`));
  }
  // resumes like the plain stream
  const cursor = s.cursor();
  const next = s.next();
  const t = arithmeticBatchStream(data, data.split.train, 32, 5, { parts: 3 });
  t.seek(cursor);
  assert.deepEqual(t.next(), next);
});
