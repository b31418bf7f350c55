/**
 * Property-based fuzzing of the polynomial parser and expander (src/math/polynomial.ts) and of the
 * pair reader that checks data with them (src/data/polynomials.ts), with fast-check:
 *  - the expansion of any generated expression agrees with evaluating the expression at random
 *    points, and its canonical text is a fixed point that the pair reader accepts;
 *  - damaged lines never crash or hang the reader: every rejection is a `PolynomialDataError`
 *    naming `file:line:`, a file fails at its first bad line, `skipInvalid` drops exactly the bad
 *    ones, and unbalanced parentheses are never accepted;
 *  - pathological inputs (deep nesting, long sums and products, huge exponents and numbers) end
 *    quickly with a result or a clear error.
 * Runs are bounded and seeded (NUMLAB_FUZZ_SEED picks another seed).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Polynomial, PolynomialNode, PolynomialSyntaxError, expandPolynomial, expandToCanonical } from "../../src/math/polynomial";
import { PolynomialDataError, parsePolynomialJson, parsePolynomialLine, parsePolynomialText, readPolynomialPairs } from "../../src/data/polynomials";
import { generatePolynomialPairs } from "../../src/data/polynomial-generator";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const SEED = Number(process.env.NUMLAB_FUZZ_SEED ?? 20261205);
const SYMBOLS = ["x", "y", "z", "cos(x)", "sin(z)"];

/** Random expression trees (small numbers, a few symbols, powers up to 5). */
const tree: fc.Arbitrary<PolynomialNode> = fc.letrec<{ node: PolynomialNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.integer({ min: 0, max: 60 }).map((value): PolynomialNode => ({ kind: "number", value })),
    fc.constantFrom(...SYMBOLS).map((name): PolynomialNode => ({ kind: "symbol", name })),
    tie("node").map((operand): PolynomialNode => ({ kind: "negate", operand })),
    fc
      .tuple(fc.constantFrom("add", "subtract", "multiply") as fc.Arbitrary<"add" | "subtract" | "multiply">, tie("node"), tie("node"))
      .map(([kind, left, right]): PolynomialNode => ({ kind, left, right })),
    fc.tuple(tie("node"), fc.integer({ min: 0, max: 5 })).map(([base, exponent]): PolynomialNode => ({ kind: "power", base, exponent })),
  ),
})).node;

/** Print a tree; compound operands get parentheses, and `loose` drops the ones the grammar does not need. */
function print(n: PolynomialNode, loose: boolean): string {
  const wrap = (c: PolynomialNode, needed: boolean): string => (needed || !loose ? `(${print(c, loose)})` : print(c, loose));
  const atomic = (c: PolynomialNode): boolean => c.kind === "number" || c.kind === "symbol";
  switch (n.kind) {
    case "number":
      return String(n.value);
    case "symbol":
      return n.name;
    case "negate":
      return `-${wrap(n.operand, !atomic(n.operand) && n.operand.kind !== "power")}`;
    case "add":
      return `${wrap(n.left, !atomic(n.left))}+${wrap(n.right, !atomic(n.right))}`;
    case "subtract":
      return `${wrap(n.left, !atomic(n.left))}-${wrap(n.right, !atomic(n.right))}`;
    case "multiply":
      return `${wrap(n.left, !(atomic(n.left) || n.left.kind === "multiply" || n.left.kind === "power"))}*${wrap(n.right, !(atomic(n.right) || n.right.kind === "power"))}`;
    case "power":
      return `${wrap(n.base, !atomic(n.base))}**${n.exponent}`;
  }
}

function evaluateTree(n: PolynomialNode, at: Map<string, bigint>): bigint {
  switch (n.kind) {
    case "number":
      return BigInt(n.value);
    case "symbol":
      return at.get(n.name)!;
    case "negate":
      return -evaluateTree(n.operand, at);
    case "add":
      return evaluateTree(n.left, at) + evaluateTree(n.right, at);
    case "subtract":
      return evaluateTree(n.left, at) - evaluateTree(n.right, at);
    case "multiply":
      return evaluateTree(n.left, at) * evaluateTree(n.right, at);
    case "power":
      return evaluateTree(n.base, at) ** BigInt(n.exponent);
  }
}

function evaluatePolynomial(p: Polynomial, at: Map<string, bigint>): bigint {
  let sum = 0n;
  for (const t of p.values()) {
    let term = BigInt(t.coefficient);
    for (const [symbol, exponent] of t.powers) term *= at.get(symbol)! ** BigInt(exponent);
    sum += term;
  }
  return sum;
}

/** Expand, or null when the expander refuses for size (a RangeError: coefficient overflow or the work limit). */
function canonicalOrNull(text: string): string | null {
  try {
    return expandToCanonical(text);
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}

test("fuzz: expansion agrees with evaluation at random points; the canonical text is a fixed point and a valid pair", () => {
  const point = fc.array(fc.bigInt({ min: -7n, max: 7n }), { minLength: SYMBOLS.length, maxLength: SYMBOLS.length });
  let expanded = 0;
  fc.assert(
    fc.property(tree, fc.boolean(), point, (t, loose, values) => {
      const text = print(t, loose);
      const canon = canonicalOrNull(text);
      if (canon === null) return;
      expanded++;
      const at = new Map(SYMBOLS.map((s, i) => [s, values[i]]));
      assert.equal(evaluatePolynomial(expandPolynomial(text), at), evaluateTree(t, at), `${text} → ${canon}`);
      assert.equal(expandToCanonical(canon), canon, `canonical form of ${text} is not a fixed point`);
      assert.deepEqual(parsePolynomialLine(`${text}=${canon}`, "gen.txt", 1), { factored: text, expanded: canon });
    }),
    { seed: SEED, numRuns: 3000 },
  );
  assert.ok(expanded > 2000, `only ${expanded} expressions expanded`);
});

/** A data line, perhaps damaged: characters deleted, inserted, duplicated or swapped. */
const realLines = generatePolynomialPairs(400, 31).map((p) => `${p.factored}=${p.expanded}`);
const edit = fc.tuple(fc.constantFrom("delete", "insert", "duplicate", "swap"), fc.nat(), fc.nat(), fc.constantFrom(..."()*-+=x0123456789^ ;é\t"));
const line = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(...realLines),
      tree.map((t) => `${print(t, true)}=${canonicalOrNull(print(t, true)) ?? "0"}`),
    ),
    fc.array(edit, { maxLength: 3 }),
  )
  .map(([text, edits]) => {
    let s = text;
    for (const [op, a, b, ch] of edits) {
      const i = s.length === 0 ? 0 : a % s.length;
      const j = s.length === 0 ? 0 : b % s.length;
      if (op === "delete") s = s.slice(0, i) + s.slice(i + 1);
      else if (op === "insert") s = s.slice(0, i) + ch + s.slice(i);
      else if (op === "duplicate") s = s.slice(0, Math.max(i, j)) + s.slice(Math.min(i, j), Math.max(i, j)) + s.slice(Math.max(i, j));
      else s = s.slice(0, i) + s[j] + s.slice(i + 1, j) + s[i] + s.slice(j + 1);
    }
    return s;
  });
const document = fc.array(fc.oneof(line, line, line, fc.constant("")), { maxLength: 20 });

/** One line checked on its own: the pair, or the `PolynomialDataError` (anything else fails the test). */
function lineOutcome(text: string, lineNo: number): { pair: { factored: string; expanded: string } } | { error: PolynomialDataError } {
  try {
    return { pair: parsePolynomialLine(text, "fuzz.txt", lineNo) };
  } catch (e) {
    assert.ok(e instanceof PolynomialDataError, `line ${lineNo} ${JSON.stringify(text)} threw ${String(e)}`);
    assert.equal(e.line, lineNo);
    assert.ok(e.message.startsWith(`fuzz.txt:${lineNo}: `), e.message);
    return { error: e };
  }
}

/** Parentheses balance, ignoring the `(letter)` of a function call (which the lexer reads whole). */
function balanced(text: string): boolean {
  let depth = 0;
  for (const c of text) {
    depth += c === "(" ? 1 : c === ")" ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth === 0;
}

test("fuzz: damaged lines are rejected naming file:line, a file fails at its first bad line, skipInvalid drops exactly those", () => {
  let rejected = 0;
  let accepted = 0;
  fc.assert(
    fc.property(document, (lines) => {
      const text = lines.join("\n");
      const outcomes = lines.map((l, i) => (l.trim() === "" ? null : lineOutcome(l, i + 1)));
      for (const o of outcomes) {
        if (o === null) continue;
        if ("pair" in o) {
          accepted++;
          assert.equal(expandToCanonical(o.pair.factored), o.pair.expanded);
          assert.ok(balanced(o.pair.factored) && balanced(o.pair.expanded), `accepted unbalanced ${o.pair.factored}=${o.pair.expanded}`);
        } else rejected++;
      }
      const good = outcomes.flatMap((o) => (o !== null && "pair" in o ? [o.pair] : []));
      const firstBad = outcomes.findIndex((o) => o !== null && "error" in o);
      if (firstBad < 0) assert.deepEqual(parsePolynomialText(text, "fuzz.txt"), good);
      else
        assert.throws(
          () => parsePolynomialText(text, "fuzz.txt"),
          (e: unknown) => e instanceof PolynomialDataError && e.line === firstBad + 1,
        );
      const dropped: number[] = [];
      assert.deepEqual(parsePolynomialText(text, "fuzz.txt", { skipInvalid: true, onInvalid: (e) => dropped.push(e.line) }), good);
      assert.deepEqual(
        dropped,
        outcomes.flatMap((o, i) => (o !== null && "error" in o ? [i + 1] : [])),
      );
    }),
    { seed: SEED, numRuns: 1500 },
  );
  assert.ok(rejected > 1000 && accepted > 1000, `rejected ${rejected}, accepted ${accepted}`);
});

test("fuzz: pathological expressions end quickly with a pair or a PolynomialDataError", () => {
  const shape = fc.tuple(
    fc.constantFrom("nest", "sum", "product", "signs", "power", "number", "powers-of-powers", "wide-power", "functions"),
    fc.integer({ min: 1, max: 30_000 }),
  );
  fc.assert(
    fc.property(shape, ([kind, n]) => {
      const factored = {
        nest: "(".repeat(n) + "x" + ")".repeat(n),
        sum: Array.from({ length: n }, (_, i) => `x**${i % 5}`).join("+"),
        product: Array.from({ length: n }, () => "(x+1)").join("*"),
        signs: "-".repeat(n) + "x",
        power: `x**${n}${"9".repeat(n % 40)}`,
        number: "9".repeat(n % 400) + "*x",
        "powers-of-powers": "(".repeat(n % 200) + "x" + ")**64".repeat(n % 200),
        "wide-power": `(${Array.from({ length: 2 + (n % 24) }, (_, i) => String.fromCharCode(97 + i)).join("+")})**${n % 65}`,
        functions: Array.from({ length: n }, (_, i) => `cos(${String.fromCharCode(97 + (i % 26))})`).join("*"),
      }[kind];
      const t0 = performance.now();
      try {
        const pair = parsePolynomialLine(`${factored}=x`, "big.txt", 3);
        assert.equal(expandToCanonical(pair.factored), pair.expanded);
      } catch (e) {
        assert.ok(e instanceof PolynomialDataError, `${kind} ${n}: ${String(e)}`);
        assert.ok(e.message.startsWith("big.txt:3: ") && e.message.length < 500, e.message.slice(0, 600));
      }
      assert.ok(performance.now() - t0 < 1500, `${kind} ${n} took ${(performance.now() - t0).toFixed(0)} ms`);
    }),
    { seed: SEED, numRuns: 200 },
  );
});

test("fuzz: the parser itself only ever throws PolynomialSyntaxError or RangeError, on any text", () => {
  const text = fc.oneof(fc.string({ unit: fc.constantFrom(..."()*-+^x yz0123456789sincota"), maxLength: 80 }), fc.string({ unit: "binary", maxLength: 40 }));
  fc.assert(
    fc.property(text, (t) => {
      try {
        expandPolynomial(t);
      } catch (e) {
        assert.ok(e instanceof PolynomialSyntaxError || e instanceof RangeError, `${JSON.stringify(t)}: ${String(e)}`);
        if (e instanceof PolynomialSyntaxError) assert.ok(e.position >= 0 && e.position <= t.length);
      }
    }),
    { seed: SEED, numRuns: 3000 },
  );
});

test("fuzz: any JSON value gives pairs or a PolynomialDataError naming a line of the file", async () => {
  const pairList = fc.array(
    fc.oneof(fc.tuple(fc.constantFrom(...realLines.map((l) => l.split("=")[0])), fc.constantFrom(...realLines.map((l) => l.split("=")[1]))), fc.jsonValue()),
    {
      maxLength: 12,
    },
  );
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), pairList), fc.boolean(), (value, multiline) => {
      const text = JSON.stringify(value, null, multiline ? 1 : undefined) ?? "null";
      const lines = text.split("\n").length;
      try {
        const pairs = parsePolynomialJson(text, "p.json");
        for (const p of pairs) assert.equal(expandToCanonical(p.factored), p.expanded);
      } catch (e) {
        assert.ok(e instanceof PolynomialDataError, String(e));
        assert.ok(e.line >= 1 && e.line <= lines && e.message.startsWith(`p.json:${e.line}: `), e.message);
      }
      if (Array.isArray(value)) {
        let skipped = 0;
        const kept = parsePolynomialJson(text, "p.json", { skipInvalid: true, onInvalid: () => skipped++ });
        assert.equal(kept.length + skipped, value.length);
      }
    }),
    { seed: SEED, numRuns: 600 },
  );
  // the file reader takes the same path, by extension or by the first character
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-fuzz-poly-"));
  const file = path.join(dir, "pairs.dat");
  fs.writeFileSync(file, '\n  [["(x+1", "x+1"], ["2*(x+3)", "2*x+6"]]');
  const result = await readPolynomialPairs(file, { skipInvalid: true, limit: 5 });
  assert.deepEqual(result.pairs, [{ factored: "2*(x+3)", expanded: "2*x+6" }]);
  assert.equal(result.skipped, 1);
});
