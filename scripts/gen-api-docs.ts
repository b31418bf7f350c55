/**
 * Generate docs/api/ from src/index.ts: one page per pipeline stage (the `// #region Title: summary`
 * blocks of src/index.ts) listing every public name with its kind, parameters and the first sentence
 * of its TSDoc comment, plus docs/api/README.md, the index.
 *
 *   npx tsx scripts/gen-api-docs.ts           write docs/api/
 *   npx tsx scripts/gen-api-docs.ts --check   exit 1 when docs/api/ differs from what would be written
 *
 * tests/api/exports.test.ts runs the check, so the pages cannot go stale.
 */
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";

export const REPO = path.join(__dirname, "..");
export const ENTRY = "src/index.ts";
export const DOCS_DIR = "docs/api";
const GENERATOR = "scripts/gen-api-docs.ts";

/** One public name. */
export interface ApiEntry {
  name: string;
  /** function, class, interface, type, const, enum, namespace. */
  kind: string;
  /** True for a name that exists only at compile time (interface, type alias). */
  typeOnly: boolean;
  /** How to show it: `trainArithmetic(config, options?)` for a function, else the name. */
  display: string;
  /** The first sentence of its TSDoc comment, or a short description made from its shape. */
  summary: string;
  /** Whether `summary` comes from a TSDoc comment. */
  documented: boolean;
  /** The file that declares it, e.g. src/train/arithmetic.ts. */
  declaredIn: string;
}

/** One `export { … } from "./module"` statement of the entry. */
export interface ApiModuleGroup {
  /** The module as written in src/index.ts, resolved to a file: src/train/arithmetic.ts. */
  module: string;
  entries: ApiEntry[];
}

/** One `// #region Title: summary` block of the entry. */
export interface ApiSection {
  /** Lower-case title: the page's file name (docs/api/<slug>.md). */
  slug: string;
  title: string;
  summary: string;
  groups: ApiModuleGroup[];
}

export interface ApiModel {
  sections: ApiSection[];
  program: ts.Program;
  checker: ts.TypeChecker;
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  resolveJsonModule: true,
  types: ["node"],
  noEmit: true,
};

/** A program over `files` (relative to `root`), with the repository's compiler settings. */
export function createApiProgram(files: string[], root = REPO): ts.Program {
  return ts.createProgram(
    files.map((f) => path.join(root, f)),
    COMPILER_OPTIONS,
  );
}

/** Every name a module exports (values and types), resolved through re-exports. */
export function exportedNames(program: ts.Program, file: string, root = REPO): string[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(path.join(root, file));
  if (!source) throw new Error(`${file}: not part of the program`);
  const symbol = checker.getSymbolAtLocation(source);
  return symbol ? checker.getExportsOfModule(symbol).map((s) => s.name) : [];
}

const REGION = /^\/\/\s*#region\s+([^:]+):\s*(.+?)\s*$/;

function regionOf(text: string, node: ts.Node): { title: string; summary: string } | null {
  let found: { title: string; summary: string } | null = null;
  for (const range of ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []) {
    const m = REGION.exec(text.slice(range.pos, range.end));
    if (m) found = { title: m[1].trim(), summary: m[2] };
  }
  return found;
}

/** The first sentence of a doc comment, on one line. */
export function firstSentence(doc: string): string {
  const text = doc.replace(/\s+/g, " ").trim();
  // A period ends the sentence when a capital, a code span, a quote or a parenthesis (or the end)
  // follows, unless it ends an abbreviation such as "e.g." or "i.e.".
  const end = /(?<!\b(?:e\.g|i\.e|vs|cf|etc|approx))\.(?=\s+[A-Z`"'(]|$)/.exec(text);
  return end ? text.slice(0, end.index + 1) : text;
}

function resolved(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

function parameterList(params: readonly ts.ParameterDeclaration[]): string {
  return params
    .map((p) => {
      const name = ts.isIdentifier(p.name) ? p.name.text : "{…}";
      return `${p.dotDotDotToken ? "..." : ""}${name}${p.questionToken || p.initializer ? "?" : ""}`;
    })
    .join(", ");
}

function isAbstractClass(decl: ts.ClassDeclaration): boolean {
  return !!(ts.getCombinedModifierFlags(decl) & ts.ModifierFlags.Abstract);
}

function kindOf(decl: ts.Declaration): string {
  if (ts.isFunctionDeclaration(decl)) return "function";
  if (ts.isClassDeclaration(decl)) return isAbstractClass(decl) ? "abstract class" : "class";
  if (ts.isInterfaceDeclaration(decl)) return "interface";
  if (ts.isTypeAliasDeclaration(decl)) return "type";
  if (ts.isEnumDeclaration(decl)) return "enum";
  if (ts.isModuleDeclaration(decl)) return "namespace";
  if (ts.isVariableDeclaration(decl)) {
    const init = decl.initializer;
    if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) return "function";
    return ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const ? "const" : "let";
  }
  return ts.SyntaxKind[decl.kind];
}

function displayOf(name: string, decl: ts.Declaration): string {
  if (ts.isFunctionDeclaration(decl)) return `${name}(${parameterList(decl.parameters)})`;
  if (ts.isVariableDeclaration(decl)) {
    const init = decl.initializer;
    if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) return `${name}(${parameterList(init.parameters)})`;
  }
  if (ts.isClassDeclaration(decl) && !isAbstractClass(decl)) {
    const ctor = decl.members.find(ts.isConstructorDeclaration);
    const hidden = ctor && ts.getCombinedModifierFlags(ctor) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected);
    if (!hidden) return `new ${name}(${ctor ? parameterList(ctor.parameters) : ""})`;
  }
  return name;
}

function memberNames(members: ts.NodeArray<ts.TypeElement | ts.ClassElement>): string[] {
  const names: string[] = [];
  for (const m of members) {
    if (!m.name || ts.isPrivateIdentifier(m.name)) continue;
    const flags = ts.getCombinedModifierFlags(m as ts.Declaration);
    if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
    names.push(m.name.getText());
  }
  return [...new Set(names)];
}

function listCode(names: string[], max = 8): string {
  const shown = names.slice(0, max).map((n) => `\`${n}\``);
  return names.length > max ? `${shown.join(", ")}, …` : shown.join(", ");
}

/** A description from the declaration's shape, for names without a doc comment. */
function shapeSummary(decl: ts.Declaration): string {
  if (ts.isInterfaceDeclaration(decl)) {
    const fields = memberNames(decl.members);
    const base = decl.heritageClauses?.flatMap((h) => h.types.map((t) => t.getText())) ?? [];
    const parts = [];
    if (base.length) parts.push(`Extends ${base.map((b) => `\`${b}\``).join(", ")}.`);
    if (fields.length) parts.push(`Fields: ${listCode(fields)}.`);
    return parts.join(" ") || "An empty interface.";
  }
  if (ts.isTypeAliasDeclaration(decl)) {
    const text = decl.type.getText().replace(/\s+/g, " ");
    return text.length <= 100 ? `\`${text.replace(/`/g, "'")}\`` : `A ${ts.isTypeLiteralNode(decl.type) ? "record" : "type"} (see the source).`;
  }
  if (ts.isClassDeclaration(decl)) {
    const base = decl.heritageClauses?.flatMap((h) => h.types.map((t) => t.getText())) ?? [];
    const methods = decl.members.filter((m) => ts.isMethodDeclaration(m) || ts.isGetAccessor(m));
    const names = memberNames(ts.factory.createNodeArray(methods));
    const parts = [];
    if (base.length) parts.push(`Extends ${base.map((b) => `\`${b}\``).join(", ")}.`);
    if (names.length) parts.push(`Methods: ${listCode(names)}.`);
    return parts.join(" ");
  }
  if (ts.isFunctionDeclaration(decl) && decl.type) {
    const text = decl.type.getText().replace(/\s+/g, " ");
    return text.length <= 100 ? `Returns \`${text.replace(/`/g, "'")}\`.` : "";
  }
  return "";
}

/** Read src/index.ts: its sections, their modules and every exported name with its description. */
export function readApi(root = REPO, program = createApiProgram([ENTRY], root)): ApiModel {
  const checker = program.getTypeChecker();
  const entryFile = path.join(root, ENTRY);
  const source = program.getSourceFile(entryFile);
  if (!source) throw new Error(`${ENTRY}: not found`);
  const text = source.getFullText();
  const sections: ApiSection[] = [];
  for (const statement of source.statements) {
    const region = regionOf(text, statement);
    if (region) sections.push({ slug: region.title.toLowerCase().replace(/[^a-z0-9]+/g, "-"), title: region.title, summary: region.summary, groups: [] });
    if (!ts.isExportDeclaration(statement)) continue;
    const where = `${ENTRY}:${source.getLineAndCharacterOfPosition(statement.getStart()).line + 1}`;
    if (!sections.length) throw new Error(`${where}: an export before the first "// #region Title: summary" comment`);
    if (!statement.moduleSpecifier || !statement.exportClause || !ts.isNamedExports(statement.exportClause)) {
      throw new Error(`${where}: only \`export { a, type B } from "./module"\` statements are allowed`);
    }
    const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
    const resolvedModule = ts.resolveModuleName(specifier, entryFile, program.getCompilerOptions(), ts.sys).resolvedModule;
    const module = resolvedModule ? path.relative(root, resolvedModule.resolvedFileName).split(path.sep).join("/") : specifier;
    const entries: ApiEntry[] = [];
    for (const element of statement.exportClause.elements) {
      const exported = checker.getSymbolAtLocation(element.name);
      if (!exported) throw new Error(`${where}: cannot resolve ${element.name.text}`);
      const target = resolved(checker, exported);
      const decl = target.declarations?.[0];
      if (!decl) throw new Error(`${where}: ${element.name.text} has no declaration (is it exported by ${specifier}?)`);
      const doc = firstSentence(ts.displayPartsToString(target.getDocumentationComment(checker)));
      const name = element.name.text;
      entries.push({
        name,
        kind: kindOf(decl),
        typeOnly: !(target.flags & ts.SymbolFlags.Value),
        display: displayOf(name, decl),
        summary: doc || shapeSummary(decl),
        documented: doc !== "",
        declaredIn: path.relative(root, decl.getSourceFile().fileName).split(path.sep).join("/"),
      });
    }
    sections[sections.length - 1].groups.push({ module, entries });
  }
  return { sections, program, checker };
}

/**
 * Types that a public declaration names but the root does not export (declared in src/ and
 * exported by their module): `["SaveOptions (src/train/run-dir.ts) ← averageArithmeticRuns", …]`. The public surface is
 * closed when this is empty: a user can name every type a public signature mentions.
 */
export function unexportedReferencedTypes(api: ApiModel, root = REPO): string[] {
  const { program, checker } = api;
  const source = program.getSourceFile(path.join(root, ENTRY))!;
  const moduleSymbol = checker.getSymbolAtLocation(source)!;
  const exported = checker.getExportsOfModule(moduleSymbol);
  const publicSymbols = new Set(exported.map((s) => resolved(checker, s)));
  const srcDir = path.join(root, "src") + path.sep;
  const found = new Map<string, Set<string>>();
  const visit = (node: ts.Node | undefined, owner: string): void => {
    if (!node) return;
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node) || ts.isTypeQueryNode(node)) {
      const nameNode = ts.isTypeReferenceNode(node) ? node.typeName : ts.isTypeQueryNode(node) ? node.exprName : node.expression;
      const symbol = checker.getSymbolAtLocation(nameNode);
      const target = symbol && resolved(checker, symbol);
      const decl = target?.declarations?.[0];
      if (
        target &&
        decl &&
        decl.getSourceFile().fileName.startsWith(srcDir) &&
        !publicSymbols.has(target) &&
        !ts.isTypeParameterDeclaration(decl) &&
        ts.getCombinedModifierFlags(decl as ts.Declaration) & ts.ModifierFlags.Export
      ) {
        const key = `${target.name} (${path.relative(root, decl.getSourceFile().fileName).split(path.sep).join("/")})`;
        const set = found.get(key) ?? new Set<string>();
        set.add(owner);
        found.set(key, set);
      }
    }
    ts.forEachChild(node, (child) => visit(child, owner));
  };
  const isHidden = (m: ts.Node): boolean =>
    !!(ts.getCombinedModifierFlags(m as ts.Declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) ||
    (!!(m as ts.NamedDeclaration).name && ts.isPrivateIdentifier((m as ts.NamedDeclaration).name!));
  const visitSignature = (d: ts.SignatureDeclaration, owner: string): void => {
    d.typeParameters?.forEach((p) => visit(p, owner));
    d.parameters.forEach((p) => !isHidden(p) && visit(p.type, owner));
    visit(d.type, owner);
  };
  for (const symbol of exported) {
    const target = resolved(checker, symbol);
    for (const decl of target.declarations ?? []) {
      if (ts.isFunctionDeclaration(decl)) visitSignature(decl, symbol.name);
      else if (ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl)) visit(decl, symbol.name);
      else if (ts.isVariableDeclaration(decl)) visit(decl.type, symbol.name);
      else if (ts.isClassDeclaration(decl)) {
        decl.heritageClauses?.forEach((h) => visit(h, symbol.name));
        for (const member of decl.members) {
          if (isHidden(member)) continue;
          if (ts.isMethodDeclaration(member) || ts.isConstructorDeclaration(member) || ts.isGetAccessor(member)) visitSignature(member, symbol.name);
          else if (ts.isPropertyDeclaration(member)) visit(member.type, symbol.name);
        }
      }
    }
  }
  return [...found].map(([name, owners]) => `${name} ← ${[...owners].sort().join(", ")}`).sort();
}

const HEADER = `<!-- Generated by ${GENERATOR} from ${ENTRY}; do not edit. Regenerate: npx tsx ${GENERATOR} -->`;

/** One line of Markdown: whitespace collapsed, `<` outside code spans escaped (so `<eos>` is not read as HTML). */
function inline(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .trim()
    .split("`")
    .map((part, i) => (i % 2 === 0 ? part.replace(/</g, "&lt;") : part))
    .join("`");
}

function entryLine(e: ApiEntry): string {
  return `- \`${e.display}\` · ${e.kind}${e.summary ? ` — ${inline(e.summary)}` : ""}`;
}

function countOf(section: ApiSection): number {
  return section.groups.reduce((n, g) => n + g.entries.length, 0);
}

/** The page of one stage. */
export function renderSection(section: ApiSection): string {
  const lines = [
    HEADER,
    "",
    `# ${section.title}`,
    "",
    `${section.summary.charAt(0).toUpperCase()}${section.summary.slice(1)}.`,
    "",
    `${countOf(section)} names, all exported by the package root: \`import * as nl from "numlab"\`. [All stages](README.md).`,
  ];
  for (const group of section.groups) {
    lines.push("", `## [${group.module}](../../${group.module})`, "");
    for (const e of group.entries) lines.push(entryLine(e));
  }
  return lines.join("\n") + "\n";
}

/** docs/api/README.md: the stages, with every name of each. */
export function renderIndex(sections: ApiSection[]): string {
  const total = sections.reduce((n, s) => n + countOf(s), 0);
  const lines = [
    HEADER,
    "",
    "# numlab API",
    "",
    `The package root exports ${total} names, grouped by pipeline stage (the order of \`${ENTRY}\`). In a notebook:`,
    "",
    "```ts",
    'import * as nl from "numlab";',
    "```",
    "",
    "Everything else in `src/` (low-level helpers, model building blocks, step functions, kernel patches) is",
    'reachable through `import * as nli from "numlab/internal"`, for tests, benchmarks and advanced use; those names',
    "may change without notice.",
    "",
    "| Stage | Names | What it covers |",
    "| --- | ---: | --- |",
    ...sections.map((s) => `| [${s.title}](${s.slug}.md) | ${countOf(s)} | ${inline(s.summary)} |`),
  ];
  for (const s of sections) {
    const names = s.groups.flatMap((g) => g.entries.map((e) => `\`${e.name}\``));
    lines.push("", `## [${s.title}](${s.slug}.md)`, "", names.join(", "));
  }
  return lines.join("\n") + "\n";
}

/** The files of docs/api/ (path relative to the repository → content). */
export function renderApiDocs(api: ApiModel): Map<string, string> {
  const files = new Map<string, string>();
  files.set(`${DOCS_DIR}/README.md`, renderIndex(api.sections));
  for (const section of api.sections) files.set(`${DOCS_DIR}/${section.slug}.md`, renderSection(section));
  return files;
}

/** Differences between docs/api/ on disk and `files` (missing, stale or extra pages). */
export function compareApiDocs(files: Map<string, string>, root = REPO): string[] {
  const problems: string[] = [];
  for (const [rel, text] of files) {
    const file = path.join(root, rel);
    if (!fs.existsSync(file)) problems.push(`${rel}: missing`);
    else if (fs.readFileSync(file, "utf8") !== text) problems.push(`${rel}: out of date`);
  }
  const dir = path.join(root, DOCS_DIR);
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const rel = `${DOCS_DIR}/${name}`;
    if (name.endsWith(".md") && !files.has(rel)) problems.push(`${rel}: no longer generated (a stage was renamed or removed)`);
  }
  return problems;
}

function main(): void {
  const check = process.argv.includes("--check");
  const api = readApi();
  const files = renderApiDocs(api);
  if (check) {
    const problems = compareApiDocs(files);
    if (problems.length) {
      process.stderr.write(`${problems.join("\n")}\nrun: npx tsx ${GENERATOR}\n`);
      process.exit(1);
    }
    process.stdout.write(`${DOCS_DIR}: up to date (${files.size} pages)\n`);
    return;
  }
  const dir = path.join(REPO, DOCS_DIR);
  fs.mkdirSync(dir, { recursive: true });
  for (const problem of compareApiDocs(files)) {
    const m = /^(.*): no longer generated/.exec(problem);
    if (m) fs.rmSync(path.join(REPO, m[1]));
  }
  for (const [rel, text] of files) fs.writeFileSync(path.join(REPO, rel), text);
  const entries = api.sections.flatMap((s) => s.groups.flatMap((g) => g.entries));
  const undocumented = entries.filter((e) => !e.documented).length;
  process.stdout.write(`${DOCS_DIR}: ${files.size} pages, ${entries.length} names (${undocumented} without a doc comment)\n`);
}

if (require.main === module) {
  main();
}
