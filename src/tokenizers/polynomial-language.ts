/**
 * `PolynomialLanguage`: the token vocabulary of the polynomial task, as in the seed notebook.
 * Tokens are single digits, the operators `+ - * ( )`, the power `**`, the function names
 * `sin`/`cos`/`tan` and single-letter variables; ids 0–3 are `<pad>`, `<sos>`, `<eos>`, `<unk>`.
 * `fromTexts` builds a vocabulary in first-seen order like the seed's `create_vocabs`;
 * `standard()` is a fixed vocabulary that covers every letter, so no real input is ever `<unk>`.
 */
import * as fs from "fs";
import * as path from "path";

const PAD_TOKEN = "<pad>";
const SOS_TOKEN = "<sos>";
const EOS_TOKEN = "<eos>";
const UNK_TOKEN = "<unk>";
export const POLYNOMIAL_SPECIAL_TOKENS: readonly string[] = [PAD_TOKEN, SOS_TOKEN, EOS_TOKEN, UNK_TOKEN];

const TOKEN_PATTERN = /sin|cos|tan|\*\*|[a-z]|[0-9]|[-+*()]|\s+|./gs;

/** Split a polynomial into tokens: `"-15*c**2"` → `["-","1","5","*","c","**","2"]`. Whitespace is dropped. */
export function tokenizePolynomial(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(TOKEN_PATTERN)) {
    if (!/^\s+$/.test(m[0])) out.push(m[0]);
  }
  return out;
}

/** The JSON a vocabulary is saved as. */
export interface PolynomialLanguageJson {
  kind: "PolynomialLanguage";
  tokens: string[];
}

export interface PolynomialEncodeOptions {
  /** Wrap in `<sos>` … `<eos>` (default true). */
  addSpecials?: boolean;
}

export class PolynomialLanguage {
  static readonly PAD = 0;
  static readonly SOS = 1;
  static readonly EOS = 2;
  static readonly UNK = 3;

  /** Token of each id. */
  readonly tokens: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(tokens: readonly string[]) {
    POLYNOMIAL_SPECIAL_TOKENS.forEach((t, i) => {
      if (tokens[i] !== t) throw new Error(`PolynomialLanguage: token ${i} must be ${t}, got ${JSON.stringify(tokens[i])}`);
    });
    const ids = new Map<string, number>();
    tokens.forEach((t, i) => {
      if (ids.has(t)) throw new Error(`PolynomialLanguage: duplicate token ${JSON.stringify(t)}`);
      ids.set(t, i);
    });
    this.tokens = [...tokens];
    this.ids = ids;
  }

  /** Vocabulary of every token seen in `texts`, in first-seen order after the specials (the seed's way). */
  static fromTexts(texts: Iterable<string>): PolynomialLanguage {
    const tokens = [...POLYNOMIAL_SPECIAL_TOKENS];
    const seen = new Set(tokens);
    for (const text of texts) {
      for (const t of tokenizePolynomial(text)) {
        if (!seen.has(t)) {
          seen.add(t);
          tokens.push(t);
        }
      }
    }
    return new PolynomialLanguage(tokens);
  }

  /** The fixed vocabulary: specials, digits, `+ - * ( ) **`, `sin cos tan`, a–z (49 tokens). */
  static standard(): PolynomialLanguage {
    const digits = "0123456789".split("");
    const letters = "abcdefghijklmnopqrstuvwxyz".split("");
    return new PolynomialLanguage([...POLYNOMIAL_SPECIAL_TOKENS, ...digits, "+", "-", "*", "**", "(", ")", "sin", "cos", "tan", ...letters]);
  }

  /** Number of tokens. */
  get size(): number {
    return this.tokens.length;
  }

  /** Id of a token (`<unk>` for unknown tokens). */
  idOf(token: string): number {
    return this.ids.get(token) ?? PolynomialLanguage.UNK;
  }

  /** Text → ids, by default `<sos> … <eos>`. */
  encode(text: string, options: PolynomialEncodeOptions = {}): number[] {
    const body = tokenizePolynomial(text).map((t) => this.idOf(t));
    return options.addSpecials === false ? body : [PolynomialLanguage.SOS, ...body, PolynomialLanguage.EOS];
  }

  /** Ids → text: skips `<pad>` and `<sos>`, stops at the first `<eos>`; unknown ids become `<unk>`. */
  decode(ids: ArrayLike<number>): string {
    let out = "";
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === PolynomialLanguage.EOS) break;
      if (id === PolynomialLanguage.PAD || id === PolynomialLanguage.SOS) continue;
      out += this.tokens[id] ?? UNK_TOKEN;
    }
    return out;
  }

  toJSON(): PolynomialLanguageJson {
    return { kind: "PolynomialLanguage", tokens: [...this.tokens] };
  }

  static fromJSON(json: unknown): PolynomialLanguage {
    const j = json as Partial<PolynomialLanguageJson> | null;
    if (!j || j.kind !== "PolynomialLanguage" || !Array.isArray(j.tokens) || !j.tokens.every((t) => typeof t === "string")) {
      throw new Error('PolynomialLanguage.fromJSON: expected {"kind": "PolynomialLanguage", "tokens": [...]}');
    }
    return new PolynomialLanguage(j.tokens);
  }

  /** Write the vocabulary as JSON. */
  save(file: string): void {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(this.toJSON()) + "\n");
  }

  /** Read a vocabulary written by `save`. */
  static load(file: string): PolynomialLanguage {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
      throw new Error(`PolynomialLanguage.load: cannot read ${file}: ${(e as Error).message}`);
    }
    try {
      return PolynomialLanguage.fromJSON(json);
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
  }
}
