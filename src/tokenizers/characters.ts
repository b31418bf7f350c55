/**
 * The makemore character vocabulary: '.' (start and end of a name) is token 0, 'a'..'z' are
 * tokens 1..26.
 */

/** Every character in token order: CHARACTERS[token] is the character. */
export const CHARACTERS = ".abcdefghijklmnopqrstuvwxyz";
/** 27 tokens. */
export const CHARACTER_VOCAB_SIZE = CHARACTERS.length;
/** The start/end marker '.' */
export const NAME_BOUNDARY_TOKEN = 0;

/** Token of one character; throws for characters outside '.' and a–z. */
export function charToToken(ch: string): number {
  const t = ch.length === 1 ? CHARACTERS.indexOf(ch) : -1;
  if (t < 0) throw new Error(`character ${JSON.stringify(ch)} is not in the vocabulary ('.' and a–z)`);
  return t;
}

/** Character of one token; throws for tokens outside 0..26. */
export function tokenToChar(token: number): string {
  if (!Number.isInteger(token) || token < 0 || token >= CHARACTER_VOCAB_SIZE) {
    throw new Error(`token ${token} is out of range 0..${CHARACTER_VOCAB_SIZE - 1}`);
  }
  return CHARACTERS[token];
}

/** Tokens of a word (no boundary markers added). */
export function encodeChars(word: string): number[] {
  return Array.from(word, charToToken);
}

/** The string of a token sequence. */
export function decodeChars(tokens: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < tokens.length; i++) s += tokenToChar(tokens[i]);
  return s;
}
