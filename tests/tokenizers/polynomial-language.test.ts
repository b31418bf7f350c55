import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PolynomialLanguage, tokenizePolynomial } from "../../src/tokenizers/polynomial-language";
import { generatePolynomialPairs } from "../../src/data/polynomial-generator";

test("tokenizes digits, operators, ** and function names", () => {
  assert.deepEqual(tokenizePolynomial("12*cos(z)**2-x"), ["1", "2", "*", "cos", "(", "z", ")", "**", "2", "-", "x"]);
});

test("encode/decode round trip on generated pairs, with both vocabularies", () => {
  const pairs = generatePolynomialPairs(500, 8);
  const built = PolynomialLanguage.fromTexts(pairs.flatMap((p) => [p.factored, p.expanded]));
  const standard = PolynomialLanguage.standard();
  for (const lang of [built, standard]) {
    for (const p of pairs) {
      for (const text of [p.factored, p.expanded]) {
        const ids = lang.encode(text);
        assert.equal(ids[0], PolynomialLanguage.SOS);
        assert.equal(ids[ids.length - 1], PolynomialLanguage.EOS);
        assert.ok(!ids.includes(PolynomialLanguage.UNK), text);
        assert.equal(lang.decode(ids), text);
      }
    }
  }
  assert.deepEqual(built.tokens.slice(0, 4), ["<pad>", "<sos>", "<eos>", "<unk>"]);
  assert.equal(standard.size, 49);
});

test("decode stops at <eos>, skips padding; unknown tokens map to <unk>", () => {
  const lang = PolynomialLanguage.standard();
  const ids = [...lang.encode("x+1"), 0, 0];
  assert.equal(lang.decode([0, ...ids.slice(1)]), "x+1");
  assert.equal(lang.decode([...lang.encode("x", { addSpecials: false }), PolynomialLanguage.EOS, lang.idOf("y")]), "x");
  assert.deepEqual(lang.encode("x#", { addSpecials: false }), [lang.idOf("x"), PolynomialLanguage.UNK]);
});

test("vocabulary save/load round trip and bad files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-vocab-"));
  const lang = PolynomialLanguage.fromTexts(["(3*cos(z)+3)*(4*cos(z)-26)", "x**2"]);
  const file = path.join(dir, "vocab.json");
  lang.save(file);
  const back = PolynomialLanguage.load(file);
  assert.deepEqual(back.tokens, lang.tokens);
  assert.deepEqual(back.encode("x**2-26"), lang.encode("x**2-26"));
  fs.writeFileSync(file, '{"kind": "PolynomialLanguage", "tokens": ["a"]}');
  assert.throws(() => PolynomialLanguage.load(file), /vocab\.json: .*token 0 must be <pad>/);
});
