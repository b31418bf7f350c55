import { test } from "node:test";
import assert from "node:assert/strict";
import { CHARACTER_VOCAB_SIZE, NAME_BOUNDARY_TOKEN, charToToken, decodeChars, encodeChars, tokenToChar } from "../../src/tokenizers/characters";

test("27 tokens: '.' is 0, a..z are 1..26", () => {
  assert.equal(CHARACTER_VOCAB_SIZE, 27);
  assert.equal(charToToken("."), NAME_BOUNDARY_TOKEN);
  assert.equal(NAME_BOUNDARY_TOKEN, 0);
  assert.equal(charToToken("a"), 1);
  assert.equal(charToToken("z"), 26);
  assert.deepEqual(encodeChars("emma"), [5, 13, 13, 1]);
  assert.equal(decodeChars(encodeChars("olivia.")), "olivia.");
});

test("characters and tokens outside the vocabulary are errors", () => {
  assert.throws(() => charToToken("A"), /"A" is not in the vocabulary/);
  assert.throws(() => tokenToChar(27), /token 27 is out of range 0..26/);
});
