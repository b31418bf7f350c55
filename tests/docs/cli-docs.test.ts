import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import { CLI_DOCS_PATH, cliDocsMarkdown } from "../../scripts/gen-cli-docs";
import { commands } from "../../src/cli/commands";

test("docs/cli.md is exactly what scripts/gen-cli-docs.ts generates from the commands' usage text", async () => {
  const expected = await cliDocsMarkdown();
  assert.ok(fs.existsSync(CLI_DOCS_PATH), "docs/cli.md is missing: run npx tsx scripts/gen-cli-docs.ts");
  const actual = fs.readFileSync(CLI_DOCS_PATH, "utf8");
  assert.ok(actual === expected, "docs/cli.md is out of date: run npx tsx scripts/gen-cli-docs.ts");
});

test("the generated reference has a section with the verbatim usage text of every command", async () => {
  const markdown = await cliDocsMarkdown();
  assert.match(markdown, /^## numlab --help\n\n```text\nnumlab — /m);
  for (const c of commands) {
    assert.ok(markdown.includes(`\n## numlab ${c.name}\n`), `no section for numlab ${c.name}`);
    assert.ok(markdown.includes("```text\n" + c.usage.replace(/\s+$/, "") + "\n```"), `usage of numlab ${c.name} not verbatim`);
  }
});
