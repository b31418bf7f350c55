import { test } from "node:test";
import assert from "node:assert/strict";
import { makeDigitSequences, relabelDigitSequences } from "../../src/datasets/digit-sequences";
import { Rng } from "../../src/random";

test("5,000 sequences of 10 digits labelled by the digit at index 3", () => {
  const d = makeDigitSequences(new Rng(1));
  assert.equal(d.count, 5000);
  assert.equal(d.inputs.length, 50000);
  assert.ok(d.inputs.every((x) => x >= 0 && x <= 9));
  assert.equal(new Set(d.inputs).size, 10);
  for (let i = 0; i < d.count; i += 97) assert.equal(d.targets[i], d.inputs[i * 10 + 3]);
  const r = relabelDigitSequences(d, 9);
  for (let i = 0; i < d.count; i += 97) assert.equal(r.targets[i], d.inputs[i * 10 + 9]);
  assert.throws(() => makeDigitSequences(new Rng(1), { targetIndex: 10 }), /targetIndex must be in 0..9/);
  assert.deepEqual(makeDigitSequences(new Rng(2), { count: 5 }).inputs, makeDigitSequences(new Rng(2), { count: 5 }).inputs);
});
