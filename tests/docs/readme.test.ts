import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { commands } from "../../src/cli/commands";

const ROOT = path.join(__dirname, "..", "..");
const README = path.join(ROOT, "README.md");
const MAX_README_BYTES = 40 * 1024;

/** Every Markdown file the checks cover: README.md and docs/**.md. */
function markdownFiles(): string[] {
  const files = [README];
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".md")) files.push(full);
    }
  };
  walk(path.join(ROOT, "docs"));
  return files;
}

/** Split Markdown into fenced code blocks (with their info string) and the prose between them. */
function splitFences(markdown: string): { prose: string; code: { lang: string; text: string }[] } {
  const code: { lang: string; text: string }[] = [];
  const prose: string[] = [];
  let fence: { marker: string; lang: string } | null = null;
  let block: string[] = [];
  for (const line of markdown.split("\n")) {
    const open = /^\s*(```+|~~~+)\s*([^\s`]*)/.exec(line);
    if (fence === null && open) {
      fence = { marker: open[1], lang: open[2].toLowerCase() };
      block = [];
      prose.push("");
    } else if (fence !== null && line.trim().startsWith(fence.marker) && line.trim().replace(/[`~]/g, "") === "") {
      code.push({ lang: fence.lang, text: block.join("\n") });
      fence = null;
      prose.push("");
    } else if (fence !== null) {
      block.push(line);
    } else {
      prose.push(line);
    }
  }
  return { prose: prose.join("\n"), code };
}

/** The inline code spans of a piece of prose. */
function inlineCode(prose: string): string[] {
  return [...prose.matchAll(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g)].map((m) => m[2].trim());
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of a Markdown file's headings, numbered like GitHub's for repeats. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of splitFences(fs.readFileSync(file, "utf8")).prose.split("\n")) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

/** Relative link targets of a Markdown file (inline links, images and reference definitions), outside code. */
function relativeLinks(file: string): string[] {
  const prose = splitFences(fs.readFileSync(file, "utf8")).prose.replace(/(`+)[\s\S]*?\1/g, "");
  const targets = [
    ...[...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
    ...[...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/gm)].map((m) => m[1]),
  ];
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith("//"));
}

test("README.md is a guide of at most 40 KB", () => {
  const bytes = fs.statSync(README).size;
  assert.ok(bytes <= MAX_README_BYTES, `README.md is ${bytes} bytes, more than ${MAX_README_BYTES}: move details to docs/`);
});

test("every relative link in README.md and docs/ points to an existing file and heading", () => {
  const broken: string[] = [];
  for (const file of markdownFiles()) {
    const where = path.relative(ROOT, file);
    for (const link of relativeLinks(file)) {
      const [rawTarget, hash] = link.split("#", 2);
      const target = decodeURIComponent(rawTarget);
      const resolved = target === "" ? file : path.resolve(path.dirname(file), target);
      if (!resolved.startsWith(ROOT + path.sep) && resolved !== ROOT) {
        broken.push(`${where}: ${link} leaves the repository`);
        continue;
      }
      if (!fs.existsSync(resolved)) {
        broken.push(`${where}: ${link} (no such file)`);
        continue;
      }
      if (hash !== undefined && hash !== "" && resolved.endsWith(".md") && !anchors(resolved).has(decodeURIComponent(hash).toLowerCase())) {
        broken.push(`${where}: ${link} (no heading #${hash} in ${path.relative(ROOT, resolved)})`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

const SHELL = new Set(["bash", "sh", "shell", "console"]);

test("every `numlab <command>` in the README's shell blocks and inline code names a command of the CLI", () => {
  const names = commands.map((c) => c.name.split(" "));
  const { prose, code } = splitFences(fs.readFileSync(README, "utf8"));
  const snippets = [...code.filter((block) => SHELL.has(block.lang)).map((block) => block.text), ...inlineCode(prose)];
  const unknown: string[] = [];
  let checked = 0;
  for (const snippet of snippets) {
    for (const line of snippet.split("\n")) {
      const invocations = line.matchAll(/(?:^|[\s;&|(])(?:npx\s+)?(?:numlab|node\s+dist\/cli\/main\.js)[ \t]+([^#\n]*)/g);
      for (const m of invocations) {
        const words = m[1]
          .trim()
          .split(/\s+/)
          .filter((w) => w !== "\\");
        if (words.length === 0 || /^(-|<|\[|\.\.\.)/.test(words[0])) continue; // flags and placeholders
        checked++;
        const known = names.some((name) => name.every((w, i) => words[i] === w));
        if (!known) unknown.push(`numlab ${words.slice(0, 2).join(" ")}  (in: ${line.trim()})`);
      }
    }
  }
  assert.ok(checked > 10, `only ${checked} numlab commands found in README.md: is the parser broken?`);
  assert.deepEqual(unknown, []);
});
