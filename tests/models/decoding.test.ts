import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createTransformer, transformerForward, Transformer } from "../../src/models/transformer";
import { beamSearch, greedyDecode, sequenceLogProbs } from "../../src/models/decoding";

// target vocabulary: 0 pad, 1 <sos>, 2 <eos>, 3 "a", 4 "b"
const SOS = 1;
const EOS = 2;

function model(seed: number, layers = 1): Transformer {
  return createTransformer({
    sourceVocabSize: 6,
    targetVocabSize: 5,
    hidden: 8,
    encoderLayers: layers,
    decoderLayers: layers,
    heads: 2,
    ffHidden: 8,
    dropout: 0,
    maxLength: 8,
    seed,
  });
}

/** Every answer over {a, b} with at most `maxTokens` tokens: finished ones end in <eos> within the limit. */
function exhaustive(m: Transformer, source: number[], maxTokens: number, alpha: number) {
  const finished: number[][] = [];
  const grow = (prefix: number[]) => {
    if (prefix.length + 1 <= maxTokens) finished.push(prefix);
    if (prefix.length + 1 < maxTokens) for (const v of [3, 4]) grow([...prefix, v]);
  };
  grow([]);
  const lps = sequenceLogProbs(
    m,
    finished.map(() => source),
    finished,
    { sosId: SOS, eosId: EOS },
  );
  return finished.map((tokens, i) => ({ tokens, logProb: lps[i], score: lps[i] / Math.pow(tokens.length + 1, alpha) })).sort((a, b) => b.score - a.score);
}

test.before(async () => {
  await tf.setBackend("cpu");
});

for (const alpha of [1, 0.5, 0]) {
  test(`beam search wide enough to keep every prefix equals exhaustive search (α=${alpha})`, () => {
    const maxTokens = 4; // answers of 0..3 symbols + <eos>: 1+2+4+8 = 15 finished candidates
    for (const seed of [1, 2, 3]) {
      const m = model(seed);
      const sources = [
        [1, 3, 4, 2],
        [1, 5, 2, 0],
      ];
      const beams = beamSearch(m, sources, { beams: 16, sosId: SOS, eosId: EOS, maxTokens, lengthPenalty: alpha });
      sources.forEach((src, i) => {
        const truth = exhaustive(m, src, maxTokens, alpha);
        const found = beams[i].filter((c) => c.finished);
        assert.equal(found.length, truth.length, `seed ${seed} source ${i}: all finished answers`);
        found.forEach((c, r) => {
          assert.deepEqual(c.tokens, truth[r].tokens, `seed ${seed} source ${i} rank ${r}`);
          assert.ok(Math.abs(c.score - truth[r].score) < 1e-4);
        });
      });
    }
  });
}

test("narrow beams: k distinct candidates, sorted by score, scores equal teacher-forced log-probs", () => {
  const m = model(7);
  const sources = [
    [1, 3, 4, 5, 2],
    [1, 4, 2, 0, 0],
    [1, 5, 5, 2, 0],
  ];
  for (const k of [1, 3, 5]) {
    const result = beamSearch(m, sources, { beams: k, sosId: SOS, eosId: EOS, maxTokens: 6, batchSize: 4 });
    result.forEach((cands, i) => {
      assert.equal(cands.length, k);
      const keys = new Set(cands.map((c) => c.tokens.join(",")));
      assert.equal(keys.size, k, "candidates are distinct");
      for (let r = 1; r < cands.length; r++) {
        if (cands[r].finished === cands[r - 1].finished) assert.ok(cands[r - 1].score >= cands[r].score, "sorted by score");
      }
      const finished = cands.filter((c) => c.finished);
      const lps = sequenceLogProbs(
        m,
        finished.map(() => sources[i]),
        finished.map((c) => c.tokens),
        { sosId: SOS, eosId: EOS },
      );
      finished.forEach((c, r) => {
        assert.ok(Math.abs(c.logProb - lps[r]) < 1e-4, `logProb ${c.logProb} vs ${lps[r]}`);
        assert.ok(Math.abs(c.score - c.logProb / (c.tokens.length + 1)) < 1e-6);
        assert.ok(!c.tokens.includes(0) && !c.tokens.includes(SOS) && !c.tokens.includes(EOS));
      });
    });
  }
});

test("greedy decoding follows the argmax of full forward passes and does not depend on batching", () => {
  const m = model(11);
  const sources = [
    [1, 3, 4, 5, 2],
    [1, 4, 2],
    [1, 5, 5, 3, 3, 2],
  ];
  const before = tf.memory().numTensors;
  const greedy = greedyDecode(m, sources, { sosId: SOS, eosId: EOS, maxTokens: 6 });
  assert.equal(tf.memory().numTensors, before, "decoding leaves no tensors behind");
  // reference: re-run the whole decoder on the growing prefix and take the best allowed token
  sources.forEach((src, i) => {
    const prefix: number[] = [];
    for (let t = 0; t < 6; t++) {
      const row = tf.tidy(() => {
        const logits = transformerForward(m, tf.tensor2d([src], undefined, "int32"), tf.tensor2d([[SOS, ...prefix]], undefined, "int32"));
        return (logits.arraySync() as number[][])[t];
      });
      const allowed = [2, 3, 4];
      const best = allowed.reduce((a, b) => (row[b] > row[a] ? b : a));
      if (best === EOS) break;
      prefix.push(best);
    }
    assert.deepEqual(greedy[i], prefix, `source ${i}`);
  });
  assert.deepEqual(greedyDecode(m, sources, { sosId: SOS, eosId: EOS, maxTokens: 6, batchSize: 1 }), greedy);
  // a beam of width 1 follows the same path; when that path ends in <eos> it is the answer
  const one = beamSearch(m, sources, { beams: 1, sosId: SOS, eosId: EOS, maxTokens: 6, lengthPenalty: 0 });
  greedy.forEach((g, i) => {
    if (g.length < 6 && one[i][0].tokens.length === g.length) assert.deepEqual(one[i][0].tokens, g);
  });
});

/** log p(tokens <eos> | source) when each step's distribution is the mean of the models' probabilities (full forward passes). */
function ensembleLogProb(models: Transformer[], source: number[], tokens: number[]): number {
  const target = [...tokens, EOS];
  const rows = models.map((m) =>
    // logits rows: one per target position of the single example
    tf.tidy(
      () =>
        tf
          .logSoftmax(transformerForward(m, tf.tensor2d([source], undefined, "int32"), tf.tensor2d([[SOS, ...tokens]], undefined, "int32")))
          .arraySync() as number[][],
    ),
  );
  let sum = 0;
  target.forEach((tok, p) => (sum += Math.log(rows.reduce((acc, r) => acc + Math.exp(r[p][tok]), 0) / models.length)));
  assert.ok(Number.isFinite(sum));
  return sum;
}

test("ensemble decoding: the mean of the members' probabilities at every step (exhaustive check), one model twice = that model", () => {
  const members = [model(21), model(22, 2)];
  const sources = [
    [1, 3, 4, 2],
    [1, 5, 5, 2],
  ];
  const maxTokens = 4;
  const before = tf.memory().numTensors;
  const found = beamSearch(members, sources, { beams: 16, sosId: SOS, eosId: EOS, maxTokens });
  assert.equal(tf.memory().numTensors, before, "ensemble decoding leaves no tensors behind");
  sources.forEach((src, i) => {
    const answers: number[][] = [];
    const grow = (prefix: number[]) => {
      if (prefix.length + 1 <= maxTokens) answers.push(prefix);
      if (prefix.length + 1 < maxTokens) for (const v of [3, 4]) grow([...prefix, v]);
    };
    grow([]);
    const truth = answers.map((tokens) => ({ tokens, score: ensembleLogProb(members, src, tokens) / (tokens.length + 1) })).sort((a, b) => b.score - a.score);
    const finished = found[i].filter((c) => c.finished);
    assert.equal(finished.length, truth.length);
    finished.forEach((c, r) => {
      assert.deepEqual(c.tokens, truth[r].tokens, `source ${i} rank ${r}`);
      assert.ok(Math.abs(c.score - truth[r].score) < 1e-4, `source ${i} rank ${r}: ${c.score} vs ${truth[r].score}`);
    });
  });
  const single = members.map((m) => beamSearch(m, sources, { beams: 16, sosId: SOS, eosId: EOS, maxTokens }));
  assert.ok(
    single.every((s) => JSON.stringify(s.map((c) => c.map((x) => x.tokens))) !== JSON.stringify(found.map((c) => c.map((x) => x.tokens)))),
    "the ensemble ranks differently from each member",
  );
  const m = members[0];
  const twice = beamSearch([m, m], sources, { beams: 4, sosId: SOS, eosId: EOS, maxTokens: 6 });
  const once = beamSearch(m, sources, { beams: 4, sosId: SOS, eosId: EOS, maxTokens: 6 });
  twice.forEach((cands, i) =>
    cands.forEach((c, r) => {
      assert.deepEqual(c.tokens, once[i][r].tokens);
      assert.ok(Math.abs(c.logProb - once[i][r].logProb) < 1e-5);
    }),
  );
  assert.deepEqual(greedyDecode([m, m], sources, { sosId: SOS, eosId: EOS, maxTokens: 6 }), greedyDecode(m, sources, { sosId: SOS, eosId: EOS, maxTokens: 6 }));
});

test("ensemble decoding refuses an empty ensemble and members with other vocabularies", () => {
  const other = createTransformer({
    sourceVocabSize: 6,
    targetVocabSize: 7,
    hidden: 8,
    encoderLayers: 1,
    decoderLayers: 1,
    heads: 2,
    ffHidden: 8,
    dropout: 0,
    maxLength: 8,
    seed: 1,
  });
  assert.throws(() => beamSearch([], [[1, 2]], { beams: 2, sosId: SOS, eosId: EOS }), /beamSearch: the ensemble has no models/);
  assert.throws(() => greedyDecode([model(1), other], [[1, 2]], { sosId: SOS, eosId: EOS }), /greedyDecode: ensemble model 1 has vocabularies 6\/7/);
});
