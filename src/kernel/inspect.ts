/**
 * Shift-Tab (inspect_request) inside a call. tslab answers with the quick info of the token at the
 * cursor, which finds nothing after `nl.lossCurve(` or `nl.lossCurve(history, `. As IPython does,
 * a cursor anywhere in a call's argument list shows the called function instead: its signature,
 * with the argument being written picked out, and its documentation. The call is found by parsing
 * the cell with the TypeScript compiler tslab runs; the signature and docs are tslab's quick info
 * at the callee's name (for `new C(…)`, at `new`: the constructor).
 */
import * as path from "path";
import type * as TS from "typescript";

/** The TypeScript compiler tslab bundles (the kernel's runtime has no other), found from tslab's own folder. */
function loadTypeScript(): typeof TS {
  const compiler = require.resolve("@tslab/typescript-for-tslab", { paths: [path.dirname(require.resolve("tslab/package.json"))] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a resolved path
  return require(compiler) as typeof TS;
}

let tsModule: typeof TS | null = null;
function ts(): typeof TS {
  return (tsModule ??= loadTypeScript());
}

/** A call whose argument list holds the cursor. */
export interface CallSite {
  /** The callee as written (`nl.lossCurve`, `new Map`). */
  callee: string;
  /** Where to ask for the callee's quick info (its name; for `new`, the keyword: the constructor). */
  infoPosition: number;
  /** The callee's name (where a class keeps the documentation its constructor lacks). */
  namePosition: number;
  /** Which argument the cursor is in, from 0. */
  argIndex: number;
}

/** Position after `pos` skipping whitespace and comments. */
function skipTrivia(code: string, pos: number): number {
  for (;;) {
    const rest = code.slice(pos);
    const m = /^(\s+|\/\/[^\n]*|\/\*[^]*?\*\/)/.exec(rest);
    if (!m) return pos;
    pos += m[0].length;
  }
}

/** The innermost call or `new` expression whose argument list contains `cursor`, or null. */
export function callAt(code: string, cursor: number): CallSite | null {
  const t = ts();
  const file = t.createSourceFile("cell.ts", code, t.ScriptTarget.Latest, true, t.ScriptKind.TS);
  let best: CallSite | null = null;
  const visit = (node: TS.Node): void => {
    if ((t.isCallExpression(node) || t.isNewExpression(node)) && node.arguments) {
      let open = skipTrivia(code, (node.typeArguments ?? node.expression).end);
      if (node.typeArguments && code[open] === ">") open = skipTrivia(code, open + 1);
      // `(` must really open this argument list, and the cursor must be after it, before its `)`.
      // An unclosed list (the call being typed) runs on over the whitespace after it.
      const closed = code[node.end - 1] === ")" && node.end - 1 > open;
      if (code[open] === "(" && cursor > open && cursor <= (closed ? node.end - 1 : skipTrivia(code, node.end))) {
        const commas = node.arguments.map((arg) => skipTrivia(code, arg.end)).filter((p) => code[p] === ",");
        const argIndex = commas.filter((p) => p < cursor).length;
        const expression = node.expression;
        const name = t.isPropertyAccessExpression(expression) ? expression.name : expression;
        const isNew = t.isNewExpression(node);
        best = {
          callee: (isNew ? "new " : "") + code.slice(expression.getStart(file), expression.end),
          infoPosition: isNew ? node.getStart(file) : name.getStart(file),
          namePosition: name.getStart(file),
          argIndex,
        };
      }
    }
    t.forEachChild(node, visit);
  };
  visit(file);
  return best;
}

interface DisplayPart {
  text: string;
  kind: string;
}

/** What tslab's quick info holds (TypeScript's QuickInfo). */
export interface QuickInfoLike {
  displayParts?: DisplayPart[];
  documentation?: DisplayPart[];
  tags?: { name: string; text?: DisplayPart[] }[];
}

const BOLD = "\x1b[1m";
const RED = "\x1b[0;31m";
const RESET = "\x1b[0m";

/**
 * The signature line: `callee(param, …): type`, the parameter at `argIndex` in bold, from the
 * quick info's display parts (without its `(alias)`/`(method)`/`function` prefix and its
 * `export name` line).
 */
export function signatureLine(info: QuickInfoLike, call: CallSite): { text: string; parameter: string | null } {
  const parts = [...(info.displayParts ?? [])];
  // Keep the first line only (an alias ends with "\nexport name" / "\nimport name").
  let depth = 0;
  let cut = parts.length;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.kind === "punctuation") {
      if ("([{<".includes(p.text)) depth++;
      else if (")]}>".includes(p.text)) depth--;
    } else if (p.kind === "lineBreak" && depth === 0) {
      cut = i;
      break;
    }
  }
  const line = parts.slice(0, cut);
  // Where the parameter list starts: the first "(" that follows a name.
  let open = -1;
  for (let i = 1; i < line.length; i++) {
    if (line[i].kind === "punctuation" && line[i].text === "(" && /Name$|^className$/.test(line[i - 1].kind)) {
      open = i;
      break;
    }
  }
  if (open < 0) return { text: line.map((p) => p.text).join(""), parameter: null };
  // Group the top-level parameters, to embolden the active one.
  const params: { start: number; end: number }[] = [];
  depth = 0;
  let start = open + 1;
  for (let i = open + 1; i < line.length; i++) {
    const p = line[i];
    if (p.kind !== "punctuation") continue;
    if ("([{<".includes(p.text)) depth++;
    else if (")]}>".includes(p.text)) {
      if (depth === 0 && p.text === ")") {
        if (i > start) params.push({ start, end: i });
        break;
      }
      depth--;
    } else if (p.text === "," && depth === 0) {
      params.push({ start, end: i });
      start = i + 1;
      while (line[start]?.kind === "space") start++;
    }
  }
  const rest = params.length > 0 && line[params[params.length - 1].start]?.text === "..." ? params.length - 1 : -1;
  const active = params.length === 0 ? -1 : rest >= 0 && call.argIndex >= rest ? rest : call.argIndex < params.length ? call.argIndex : -1;
  let text = call.callee;
  let parameter: string | null = null;
  for (let i = open; i < line.length; i++) {
    const p = params[active];
    const piece = line[i].text;
    if (p && i === p.start) text += BOLD;
    text += piece;
    if (p && i === p.end - 1) {
      text += RESET;
      parameter = line
        .slice(p.start, p.end)
        .map((x) => x.text)
        .join("");
    }
  }
  return { text, parameter };
}

/** The documentation and tags, as tslab prints them. */
function docText(info: QuickInfoLike): string {
  const out: string[] = [];
  for (const doc of info.documentation ?? []) out.push(doc.text);
  const docs = out.join("");
  const tags = (info.tags ?? [])
    .map((tag) => {
      const text = (tag.text ?? []).map((t) => t.text).join("");
      return text ? (tag.name === "param" ? `@param ${text}` : tag.name === "returns" ? `@returns ${text}` : text) : "";
    })
    .filter(Boolean);
  return [docs, ...tags].filter(Boolean).join("\n");
}

/** The inspect text for a call: IPython's layout (Signature:, Docstring:), ANSI-coloured as IPython's. */
export function callInspectText(info: QuickInfoLike, call: CallSite): string {
  const { text, parameter } = signatureLine(info, call);
  const lines = [`${RED}Signature:${RESET} ${text}`];
  if (parameter) lines.push(`${RED}Argument ${call.argIndex + 1}:${RESET} ${parameter}`);
  const doc = docText(info);
  if (doc) lines.push(`${RED}Docstring:${RESET}\n${doc}`);
  return lines.join("\n");
}

/** An inspect_reply for a cursor inside a call's arguments, or null (then tslab's own answer applies). */
export function inspectCall(
  inspect: (code: string, position: number) => unknown,
  code: string,
  cursor: number,
): { status: "ok"; found: true; data: { "text/plain": string }; metadata: Record<string, never> } | null {
  const call = callAt(code, cursor);
  if (!call) return null;
  const info = inspect(code, call.infoPosition) as QuickInfoLike | undefined | null;
  if (!info?.displayParts?.length) return null;
  if (!info.documentation?.length && call.namePosition !== call.infoPosition) {
    const named = inspect(code, call.namePosition) as QuickInfoLike | undefined | null;
    if (named?.documentation?.length) info.documentation = named.documentation;
  }
  return { status: "ok", found: true, data: { "text/plain": callInspectText(info, call) }, metadata: {} };
}
