import { test } from "node:test";
import assert from "node:assert/strict";
import { callAt, callInspectText, inspectCall, signatureLine, QuickInfoLike } from "../../src/kernel/inspect";

const at = (code: string, marker = "|") => ({ code: code.replace(marker, ""), cursor: code.indexOf(marker) });

test("callAt finds the innermost call whose argument list holds the cursor, and which argument", () => {
  const cases: [string, string | null, number?][] = [
    ["nl.lossCurve(|", "nl.lossCurve", 0],
    ["nl.lossCurve(history, |", "nl.lossCurve", 1],
    ["nl.lossCurve(history, |)", "nl.lossCurve", 1],
    ["nl.lossCurve(hist|ory, { logY: true })", "nl.lossCurve", 0],
    ["nl.show(nl.lossCurve(h, { title: 'a, (b' }|))", "nl.lossCurve", 1],
    ["nl.show(nl.lossCurve(h), |)", "nl.show", 1],
    ["f(a, /* , */ b|)", "f", 1],
    ["new Map<string, number>(|", "new Map", 0],
    ["const x = [1, 2|]", null],
    ["nl.lossCurve(h)|", null],
    ["nl.lossCur|ve(h)", null],
    ["f(\n  a,\n  b,\n  |\n)", "f", 2],
  ];
  for (const [marked, callee, index] of cases) {
    const { code, cursor } = at(marked);
    const call = callAt(code, cursor);
    assert.equal(call?.callee ?? null, callee, marked);
    if (callee) assert.equal(call!.argIndex, index, marked);
  }
  const { code, cursor } = at("nl.lossCurve(|");
  assert.equal(code.slice(callAt(code, cursor)!.infoPosition).startsWith("lossCurve"), true, "quick info is asked at the callee's name");
  const ctor = at("x = new nl.Rng(|");
  const site = callAt(ctor.code, ctor.cursor)!;
  assert.ok(ctor.code.slice(site.infoPosition).startsWith("new"), "for new, at the keyword (the constructor's signature)");
  assert.ok(ctor.code.slice(site.namePosition).startsWith("Rng"));
});

/** Quick info as TypeScript gives it for `(alias) lossCurve(points: …, options?: …): Figure`. */
const parts = (spec: [string, string][]) => spec.map(([kind, text]) => ({ kind, text }));
const lossCurveInfo: QuickInfoLike = {
  displayParts: parts([
    ["punctuation", "("],
    ["text", "alias"],
    ["punctuation", ")"],
    ["space", " "],
    ["aliasName", "lossCurve"],
    ["punctuation", "("],
    ["parameterName", "points"],
    ["punctuation", ":"],
    ["space", " "],
    ["keyword", "number"],
    ["punctuation", "["],
    ["punctuation", "]"],
    ["punctuation", ","],
    ["space", " "],
    ["parameterName", "options"],
    ["punctuation", "?"],
    ["punctuation", ":"],
    ["space", " "],
    ["punctuation", "{"],
    ["space", " "],
    ["propertyName", "f"],
    ["punctuation", ":"],
    ["space", " "],
    ["punctuation", "("],
    ["parameterName", "a"],
    ["punctuation", ","],
    ["space", " "],
    ["parameterName", "b"],
    ["punctuation", ")"],
    ["space", " "],
    ["punctuation", "=>"],
    ["space", " "],
    ["keyword", "void"],
    ["space", " "],
    ["punctuation", "}"],
    ["punctuation", ")"],
    ["punctuation", ":"],
    ["space", " "],
    ["aliasName", "Figure"],
    ["lineBreak", "\n"],
    ["keyword", "export"],
    ["space", " "],
    ["aliasName", "lossCurve"],
  ]),
  documentation: parts([["text", "One loss curve."]]),
  tags: [
    {
      name: "param",
      text: parts([
        ["parameterName", "points"],
        ["space", " "],
        ["text", "the values"],
      ]),
    },
  ],
};

test("signatureLine: the callee as written, the top-level parameter being written in bold, no alias line", () => {
  const call = { callee: "nl.lossCurve", infoPosition: 3, namePosition: 3, argIndex: 1 };
  const { text, parameter } = signatureLine(lossCurveInfo, call);
  assert.equal(parameter, "options?: { f: (a, b) => void }", "commas inside a parameter's type do not split it");
  assert.equal(text, "nl.lossCurve(points: number[], \x1b[1moptions?: { f: (a, b) => void }\x1b[0m): Figure");
  assert.equal(signatureLine(lossCurveInfo, { ...call, argIndex: 5 }).parameter, null, "past the last parameter: none in bold");
  const rest: QuickInfoLike = {
    displayParts: parts([
      ["methodName", "max"],
      ["punctuation", "("],
      ["punctuation", "..."],
      ["parameterName", "values"],
      ["punctuation", ":"],
      ["space", " "],
      ["keyword", "number"],
      ["punctuation", "["],
      ["punctuation", "]"],
      ["punctuation", ")"],
    ]),
  };
  assert.equal(
    signatureLine(rest, { ...call, callee: "Math.max", argIndex: 3 }).parameter,
    "...values: number[]",
    "a rest parameter takes every later argument",
  );
});

test("callInspectText lays out Signature / Argument / Docstring as IPython; inspectCall asks at the callee", () => {
  const text = callInspectText(lossCurveInfo, { callee: "nl.lossCurve", infoPosition: 3, namePosition: 3, argIndex: 0 });
  const plain = text.replace(new RegExp(String.fromCharCode(27) + "\\[[\\d;]*m", "g"), "");
  assert.equal(
    plain,
    "Signature: nl.lossCurve(points: number[], options?: { f: (a, b) => void }): Figure\nArgument 1: points: number[]\nDocstring:\nOne loss curve.\n@param points the values",
  );
  const asked: number[] = [];
  const reply = inspectCall((_code, position) => (asked.push(position), lossCurveInfo), "nl.lossCurve(h, ", 16);
  assert.equal(reply?.found, true);
  assert.deepEqual(asked, [3]);
  assert.match(reply!.data["text/plain"], /Argument 2:/);
  assert.equal(
    inspectCall(() => lossCurveInfo, "const x = 1", 5),
    null,
    "outside a call: tslab's own answer",
  );
  assert.equal(
    inspectCall(() => undefined, "f(", 2),
    null,
    "no quick info for the callee: tslab's own answer",
  );
});
