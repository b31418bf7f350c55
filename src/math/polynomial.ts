/**
 * Polynomial expansion: the checker behind the polynomial seq2seq task.
 *
 * A small recursive-descent parser (no eval) reads expressions such as `(7-3*z)*(-5*z-9)`,
 * `-4*s*(s+7)`, `(x-3)**2` or `(3*cos(z)+3)*(4*cos(z)-26)`; `expandPolynomial` multiplies them out
 * into exact integer coefficients, and `formatExpanded` prints the result in the data set's
 * canonical form (SymPy's `str` without spaces): terms by descending degree, `**` for powers,
 * coefficient 1 elided (`x`, `-x`), and SymPy's one special case where a positive constant is
 * written first in front of a single negative term (`9-4*x**2`, not `-4*x**2+9`).
 *
 * `sin(x)`, `cos(x)` and `tan(x)` are opaque "variables": `sin(x)**2` and `cos(x)**2` are different
 * monomials (no trigonometric identities are applied, as in the data set).
 */

/** The text around `position` for a message: all of it when short, else about 60 characters with "…" marks. */
function excerpt(text: string, position: number): string {
  if (text.length <= 80) return text;
  const start = Math.max(0, Math.min(position - 30, text.length - 60));
  return `${start > 0 ? "…" : ""}${text.slice(start, start + 60)}${start + 60 < text.length ? "…" : ""}`;
}

/** A parse error with the 0-based character offset where it happened (long text is quoted around that column). */
export class PolynomialSyntaxError extends Error {
  constructor(
    message: string,
    readonly text: string,
    readonly position: number,
  ) {
    super(`${message} at column ${position + 1} of "${excerpt(text, position)}"${text.length > 80 ? ` (${text.length} characters)` : ""}`);
    this.name = "PolynomialSyntaxError";
  }
}

/** Syntax tree of a polynomial expression. A `symbol` is a variable `x` or a function of one, `cos(z)`. */
export type PolynomialNode =
  | { kind: "number"; value: number }
  | { kind: "symbol"; name: string }
  | { kind: "negate"; operand: PolynomialNode }
  | { kind: "add"; left: PolynomialNode; right: PolynomialNode }
  | { kind: "subtract"; left: PolynomialNode; right: PolynomialNode }
  | { kind: "multiply"; left: PolynomialNode; right: PolynomialNode }
  | { kind: "power"; base: PolynomialNode; exponent: number };

/** The functions accepted as a "variable": `sin(x)`, `cos(x)`, `tan(x)`. */
export const POLYNOMIAL_FUNCTIONS: readonly string[] = ["sin", "cos", "tan"];

/** Largest exponent accepted by the parser (keeps expansion of `(x+1)**n` bounded). */
export const MAX_POLYNOMIAL_EXPONENT = 64;

/** Longest expression text the parser reads, in characters (the data's longest side has about 30). */
export const MAX_POLYNOMIAL_LENGTH = 10_000;

/** Deepest nesting of parentheses the parser accepts (keeps its recursion bounded; a run of signs such as "---x" does not nest). */
export const MAX_POLYNOMIAL_NESTING = 200;

/**
 * Most term operations one expansion may take (a product of an m-term and an n-term polynomial
 * takes m·n, a sum one per term); beyond it `expandTree` throws a `RangeError` instead of running
 * for minutes, e.g. on `(a+b+c+d+e+f+g+h+i+j)**20` (ten million terms).
 */
export const MAX_EXPANSION_WORK = 20_000;

type LexToken =
  | { type: "number"; value: number; pos: number }
  | { type: "symbol"; name: string; pos: number }
  | { type: "op"; op: "+" | "-" | "*" | "**" | "(" | ")"; pos: number };

const FUNCTION_ARGUMENT = /\(\s*([a-z])\s*\)/y;

function lex(text: string): LexToken[] {
  if (text.length > MAX_POLYNOMIAL_LENGTH)
    throw new PolynomialSyntaxError(`expression longer than ${MAX_POLYNOMIAL_LENGTH} characters`, text, MAX_POLYNOMIAL_LENGTH);
  const tokens: LexToken[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === " " || ch === "\t") {
      i++;
    } else if (ch >= "0" && ch <= "9") {
      let j = i;
      while (j < text.length && text[j] >= "0" && text[j] <= "9") j++;
      const value = Number(text.slice(i, j));
      if (!Number.isSafeInteger(value)) throw new PolynomialSyntaxError("integer too large", text, i);
      tokens.push({ type: "number", value, pos: i });
      i = j;
    } else if (ch >= "a" && ch <= "z") {
      let j = i;
      while (j < text.length && text[j] >= "a" && text[j] <= "z") j++;
      const word = text.slice(i, j);
      if (word.length === 1) {
        tokens.push({ type: "symbol", name: word, pos: i });
        i = j;
      } else if (POLYNOMIAL_FUNCTIONS.includes(word)) {
        // function of a single variable: name "(" letter ")"
        FUNCTION_ARGUMENT.lastIndex = j;
        const m = FUNCTION_ARGUMENT.exec(text);
        if (!m) throw new PolynomialSyntaxError(`expected "${word}(<letter>)"`, text, j);
        tokens.push({ type: "symbol", name: `${word}(${m[1]})`, pos: i });
        i = j + m[0].length;
      } else {
        throw new PolynomialSyntaxError(`unknown name "${word}" (variables are single letters)`, text, i);
      }
    } else if (ch === "*") {
      if (text[i + 1] === "*") {
        tokens.push({ type: "op", op: "**", pos: i });
        i += 2;
      } else {
        tokens.push({ type: "op", op: "*", pos: i });
        i++;
      }
    } else if (ch === "^") {
      tokens.push({ type: "op", op: "**", pos: i });
      i++;
    } else if (ch === "+" || ch === "-" || ch === "(" || ch === ")") {
      tokens.push({ type: "op", op: ch, pos: i });
      i++;
    } else {
      throw new PolynomialSyntaxError(`unexpected character "${ch}"`, text, i);
    }
  }
  return tokens;
}

/**
 * Parse a polynomial expression into a syntax tree. Grammar:
 * `sum := product (("+"|"-") product)*`, `product := unary ("*" unary)*`,
 * `unary := ("-"|"+") unary | power`, `power := atom ("**" integer)?`,
 * `atom := integer | letter | (sin|cos|tan) "(" letter ")" | "(" sum ")"`.
 * `^` is accepted as a synonym of `**`. Text longer than `MAX_POLYNOMIAL_LENGTH` or nested deeper
 * than `MAX_POLYNOMIAL_NESTING` is a `PolynomialSyntaxError`, like any malformed input.
 */
export function parsePolynomial(text: string): PolynomialNode {
  const tokens = lex(text);
  let k = 0;
  let depth = 0;
  const enter = (): void => {
    if (++depth > MAX_POLYNOMIAL_NESTING) throw new PolynomialSyntaxError(`nested more than ${MAX_POLYNOMIAL_NESTING} levels deep`, text, posHere());
  };
  const peekOp = (): string | undefined => {
    const t = tokens[k];
    return t && t.type === "op" ? t.op : undefined;
  };
  const posHere = (): number => (k < tokens.length ? tokens[k].pos : text.length);

  function sum(): PolynomialNode {
    let node = product();
    for (;;) {
      const op = peekOp();
      if (op === "+" || op === "-") {
        k++;
        const right = product();
        node = op === "+" ? { kind: "add", left: node, right } : { kind: "subtract", left: node, right };
      } else return node;
    }
  }
  function product(): PolynomialNode {
    let node = unary();
    while (peekOp() === "*") {
      k++;
      node = { kind: "multiply", left: node, right: unary() };
    }
    return node;
  }
  function unary(): PolynomialNode {
    // a run of signs is read in a loop, so "- - - x" nests no deeper than "-x"
    let negations = 0;
    for (let op = peekOp(); op === "-" || op === "+"; op = peekOp()) {
      if (op === "-") negations++;
      k++;
    }
    const operand = power();
    if (negations === 0) return operand;
    let node: PolynomialNode = { kind: "negate", operand };
    if (negations % 2 === 0) node = { kind: "negate", operand: node };
    return node;
  }
  function power(): PolynomialNode {
    const base = atom();
    if (peekOp() === "**") {
      k++;
      const t = tokens[k];
      if (!t || t.type !== "number") throw new PolynomialSyntaxError("expected a non-negative integer exponent", text, posHere());
      if (t.value > MAX_POLYNOMIAL_EXPONENT) throw new PolynomialSyntaxError(`exponent ${t.value} exceeds ${MAX_POLYNOMIAL_EXPONENT}`, text, t.pos);
      k++;
      if (peekOp() === "**") throw new PolynomialSyntaxError("chained powers need parentheses", text, posHere());
      return { kind: "power", base, exponent: t.value };
    }
    return base;
  }
  function atom(): PolynomialNode {
    const t = tokens[k];
    if (!t) throw new PolynomialSyntaxError("unexpected end of expression", text, text.length);
    if (t.type === "number") {
      k++;
      return { kind: "number", value: t.value };
    }
    if (t.type === "symbol") {
      k++;
      return { kind: "symbol", name: t.name };
    }
    if (t.op === "(") {
      enter();
      k++;
      const inner = sum();
      if (peekOp() !== ")") throw new PolynomialSyntaxError('expected ")"', text, posHere());
      k++;
      depth--;
      return inner;
    }
    throw new PolynomialSyntaxError(`unexpected "${t.op}"`, text, t.pos);
  }

  if (tokens.length === 0) throw new PolynomialSyntaxError("empty expression", text, 0);
  const tree = sum();
  if (k < tokens.length) throw new PolynomialSyntaxError("unexpected trailing input", text, tokens[k].pos);
  return tree;
}

/** One term: an integer coefficient times a product of symbols raised to positive powers (sorted by symbol). */
export interface PolynomialTerm {
  coefficient: number;
  powers: ReadonlyArray<readonly [symbol: string, exponent: number]>;
}

/** An expanded polynomial: monomial key → term, zero terms removed. */
export type Polynomial = Map<string, PolynomialTerm>;

function monomialKey(powers: ReadonlyArray<readonly [string, number]>): string {
  return powers.map(([s, e]) => (e === 1 ? s : `${s}**${e}`)).join("*");
}

function safe(value: number, what: string): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`polynomial ${what} overflows a safe integer`);
  return value;
}

function addTerm(into: Polynomial, term: PolynomialTerm): void {
  const key = monomialKey(term.powers);
  const existing = into.get(key);
  const c = safe((existing?.coefficient ?? 0) + term.coefficient, "coefficient");
  if (c === 0) into.delete(key);
  else into.set(key, { coefficient: c, powers: term.powers });
}

function constantPolynomial(value: number): Polynomial {
  const p: Polynomial = new Map();
  if (value !== 0) p.set("", { coefficient: value, powers: [] });
  return p;
}

/** The work left to one expansion (see `MAX_EXPANSION_WORK`). */
interface ExpansionBudget {
  left: number;
}

function spend(budget: ExpansionBudget, work: number): void {
  budget.left -= work;
  if (budget.left < 0) throw new RangeError(`polynomial expansion needs more than ${MAX_EXPANSION_WORK} term operations`);
}

function multiplyPowers(a: ReadonlyArray<readonly [string, number]>, b: ReadonlyArray<readonly [string, number]>): Array<readonly [string, number]> {
  const m = new Map<string, number>(a.map(([s, e]) => [s, e]));
  for (const [s, e] of b) m.set(s, safe((m.get(s) ?? 0) + e, "exponent"));
  return [...m.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}

function multiplyWithin(a: Polynomial, b: Polynomial, budget: ExpansionBudget): Polynomial {
  spend(budget, a.size * b.size);
  const out: Polynomial = new Map();
  for (const x of a.values()) {
    for (const y of b.values()) {
      addTerm(out, {
        coefficient: safe(x.coefficient * y.coefficient, "coefficient"),
        powers: multiplyPowers(x.powers, y.powers),
      });
    }
  }
  return out;
}

/** Product of two expanded polynomials. */
export function multiplyPolynomials(a: Polynomial, b: Polynomial): Polynomial {
  return multiplyWithin(a, b, { left: Infinity });
}

/**
 * The operands of a left-leaning chain of `kinds` (`a+b-c` is subtract(add(a, b), c)), first to
 * last, each with its sign (-1 for a subtracted one); walked in a loop, so a long sum or product
 * costs no recursion depth.
 */
function chainOperands(node: PolynomialNode, kinds: ReadonlyArray<PolynomialNode["kind"]>): Array<{ node: PolynomialNode; sign: 1 | -1 }> {
  const operands: Array<{ node: PolynomialNode; sign: 1 | -1 }> = [];
  let n = node;
  while ((n.kind === "add" || n.kind === "subtract" || n.kind === "multiply") && kinds.includes(n.kind)) {
    operands.push({ node: n.right, sign: n.kind === "subtract" ? -1 : 1 });
    n = n.left;
  }
  operands.push({ node: n, sign: 1 });
  return operands.reverse();
}

function expandWithin(node: PolynomialNode, budget: ExpansionBudget): Polynomial {
  switch (node.kind) {
    case "number":
      return constantPolynomial(node.value);
    case "symbol":
      return new Map([[node.name, { coefficient: 1, powers: [[node.name, 1] as const] }]]);
    case "negate": {
      const out: Polynomial = new Map();
      for (const [key, t] of expandWithin(node.operand, budget)) out.set(key, { coefficient: -t.coefficient, powers: t.powers });
      return out;
    }
    case "add":
    case "subtract": {
      const out: Polynomial = new Map();
      for (const { node: operand, sign } of chainOperands(node, ["add", "subtract"])) {
        const p = expandWithin(operand, budget);
        spend(budget, p.size);
        for (const t of p.values()) addTerm(out, { coefficient: sign * t.coefficient, powers: t.powers });
      }
      return out;
    }
    case "multiply": {
      let out: Polynomial | null = null;
      for (const { node: operand } of chainOperands(node, ["multiply"])) {
        const p = expandWithin(operand, budget);
        out = out === null ? p : multiplyWithin(out, p, budget);
      }
      return out!;
    }
    case "power": {
      const base = expandWithin(node.base, budget);
      let result = constantPolynomial(1);
      for (let i = 0; i < node.exponent; i++) result = multiplyWithin(result, base, budget);
      return result;
    }
  }
}

/**
 * Expand a syntax tree into a polynomial with exact integer coefficients. Throws a `RangeError`
 * when a coefficient or exponent leaves the safe integers, or when the expansion would take more
 * than `MAX_EXPANSION_WORK` term operations.
 */
export function expandTree(node: PolynomialNode): Polynomial {
  return expandWithin(node, { left: MAX_EXPANSION_WORK });
}

/** Parse and expand a polynomial expression. Throws `PolynomialSyntaxError` on malformed input. */
export function expandPolynomial(text: string): Polynomial {
  return expandTree(parsePolynomial(text));
}

/** Total degree of a term. */
export function termDegree(term: PolynomialTerm): number {
  let d = 0;
  for (const [, e] of term.powers) d += e;
  return d;
}

/** Degree of a polynomial (−∞ for the zero polynomial). */
export function polynomialDegree(p: Polynomial): number {
  let d = -Infinity;
  for (const t of p.values()) d = Math.max(d, termDegree(t));
  return d;
}

function formatTerm(t: PolynomialTerm): string {
  if (t.powers.length === 0) return String(t.coefficient);
  const mono = monomialKey(t.powers);
  if (t.coefficient === 1) return mono;
  if (t.coefficient === -1) return `-${mono}`;
  return `${t.coefficient}*${mono}`;
}

/**
 * Terms in the data set's print order: descending total degree, ties by monomial text (only
 * relevant for several variables, which the data set never has), with SymPy's special case for
 * two terms (a positive constant and a single negative power): the constant goes first.
 */
export function orderedTerms(p: Polynomial): PolynomialTerm[] {
  const terms = [...p.entries()].sort((x, y) => termDegree(y[1]) - termDegree(x[1]) || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map(([, t]) => t);
  if (terms.length === 2) {
    const constant = terms.find((t) => t.powers.length === 0);
    const other = terms.find((t) => t.powers.length > 0);
    if (constant && other && constant.coefficient > 0 && other.coefficient < 0 && other.powers.length === 1) {
      return [constant, other];
    }
  }
  return terms;
}

/** Print an expanded polynomial exactly as the data set writes targets, e.g. `-15*c**2+98*c-147`. */
export function formatExpanded(p: Polynomial): string {
  const terms = orderedTerms(p);
  if (terms.length === 0) return "0";
  let out = "";
  for (const t of terms) {
    const s = formatTerm(t);
    out += out === "" || s.startsWith("-") ? s : `+${s}`;
  }
  return out;
}

/** One task pair: a factored source and its expanded target (the data files' `factored=expanded` lines). */
export interface PolynomialPair {
  factored: string;
  expanded: string;
}

/** Factored text → canonical expanded text: `expandToCanonical("(21-5*c)*(3*c-7)")` → `-15*c**2+98*c-147`. */
export function expandToCanonical(factored: string): string {
  return formatExpanded(expandPolynomial(factored));
}

/** True when two polynomials have the same terms and coefficients. */
export function polynomialsEqual(a: Polynomial, b: Polynomial): boolean {
  if (a.size !== b.size) return false;
  for (const [key, t] of a) {
    if (b.get(key)?.coefficient !== t.coefficient) return false;
  }
  return true;
}

/**
 * True when two expressions are the same polynomial after expansion (`x*(x+1)` ≡ `x+x**2`).
 * Text that does not parse (e.g. a malformed model prediction) is never equivalent to anything.
 */
export function polynomialsEquivalent(a: string, b: string): boolean {
  let pa: Polynomial;
  let pb: Polynomial;
  try {
    pa = expandPolynomial(a);
    pb = expandPolynomial(b);
  } catch (e) {
    if (e instanceof PolynomialSyntaxError || e instanceof RangeError) return false;
    throw e;
  }
  return polynomialsEqual(pa, pb);
}

/** The distinct symbols (`x`, `cos(z)`) of an expression, sorted. */
export function polynomialSymbols(text: string): string[] {
  const names = new Set<string>();
  const stack: PolynomialNode[] = [parsePolynomial(text)];
  while (stack.length > 0) {
    const n = stack.pop()!;
    switch (n.kind) {
      case "symbol":
        names.add(n.name);
        break;
      case "number":
        break;
      case "negate":
        stack.push(n.operand);
        break;
      case "power":
        stack.push(n.base);
        break;
      default:
        stack.push(n.left, n.right);
    }
  }
  return [...names].sort();
}
