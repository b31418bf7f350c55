import { test } from "node:test";
import assert from "node:assert/strict";
import { baseNTokenizer, EOS_ID, PAD_ID, SOS_ID } from "../../src/tokenizers/base-n";
import { Rng } from "../../src/random";

test("numbers round-trip in several bases, digits most significant first", () => {
  const rng = new Rng(5);
  for (const base of [2, 3, 7, 10, 16, 30, 64]) {
    const tok = baseNTokenizer(base);
    assert.equal(tok.vocabSize, 6 + base);
    const samples = [0, 1, base - 1, base, base * base, 65536, 2 ** 40 + 3, ...Array.from({ length: 50 }, () => rng.int(0, 1e9))];
    for (const n of samples) {
      const ids = tok.encodeNumber(n);
      assert.equal(tok.decodeNumber(ids), n, `base ${base}: ${n}`);
      // the digits agree with JavaScript's own positional notation for bases ≤ 36
      if (base <= 36) assert.deepEqual(ids.map((id) => tok.digitValue(id).toString(base)).join(""), n.toString(base));
    }
  }
});

test("addition and factor problems encode with the problem tokens and decode back", () => {
  const tok = baseNTokenizer(10);
  const src = tok.encodeAddition(45, 202);
  assert.equal(tok.toText(src), "<sos> 45 + 202 <eos>");
  assert.deepEqual(tok.decodeNumbers(src), [45, 202]);
  const trg = tok.encodeFactors([2, 2, 3]);
  assert.equal(tok.toText(trg), "<sos> 2 x 2 x 3 <eos>");
  assert.deepEqual(tok.decodeNumbers(trg), [2, 2, 3]);
  assert.deepEqual(tok.decodeNumbers(trg.slice(1, -1)), [2, 2, 3]);
  assert.equal(trg[0], SOS_ID);
  assert.equal(trg[trg.length - 1], EOS_ID);
  const b30 = baseNTokenizer(30);
  assert.equal(b30.toText(b30.encodeInteger(65536)), "<sos> 2.12.24.16 <eos>");
  assert.deepEqual(b30.decodeNumbers(b30.encodeFactors([3, 29, 31, 977])), [3, 29, 31, 977]);
});

test("malformed outputs decode to null", () => {
  const tok = baseNTokenizer(10);
  const x = tok.timesId;
  const d = (v: number) => tok.digitId(v);
  assert.equal(tok.decodeNumbers([]), null);
  assert.equal(tok.decodeNumbers([d(2), x]), null);
  assert.equal(tok.decodeNumbers([x, d(2)]), null);
  assert.equal(tok.decodeNumbers([d(2), SOS_ID, d(3)]), null);
  assert.equal(tok.decodeNumbers([d(2), PAD_ID]), null);
  assert.deepEqual(tok.decodeNumbers([d(1), d(2), EOS_ID, d(7)]), [12]);
});

test("bad bases and digits are refused with clear errors", () => {
  assert.throws(() => baseNTokenizer(1), /2\.\.64/);
  assert.throws(() => baseNTokenizer(65), /2\.\.64/);
  assert.throws(() => baseNTokenizer(10).digitId(10), /digit/);
  assert.throws(() => baseNTokenizer(10).encodeNumber(-1), /non-negative/);
});
