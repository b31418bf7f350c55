#!/usr/bin/env node
/** `numlab`: headless runs of everything the notebooks do. */
import { commands } from "./commands";
import { Command, UsageError } from "./command";

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "numlab — study how neural networks learn mathematics",
    "",
    "Usage: numlab <command> [options]    (numlab <command> --help for details)",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Environment: NUMLAB_BACKEND=tensorflow|wasm|cpu, NUMLAB_DATA_DIR=<folder with data files>, NUMLAB_SMOKE=1",
  ].join("\n");
}

/** Find the command whose name matches the longest prefix of argv. */
export function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  let best: { command: Command; rest: string[] } | null = null;
  for (const command of commands) {
    const words = command.name.split(" ");
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.command.name.split(" ").length)) {
      best = { command, rest: argv.slice(words.length) };
    }
  }
  return best;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    process.stdout.write(helpText() + "\n");
    return 0;
  }
  if (argv[0] === "--version") {
    process.stdout.write(require("../../package.json").version + "\n");
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    process.stderr.write(`numlab: unknown command "${argv.join(" ")}"\n\n${helpText()}\n`);
    return 2;
  }
  if (found.rest.includes("--help") || found.rest.includes("-h")) {
    process.stdout.write(found.command.usage + "\n");
    return 0;
  }
  try {
    return await found.command.run(found.rest);
  } catch (err) {
    const e = err as Error & { code?: string };
    if (err instanceof UsageError || e.code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`numlab ${found.command.name}: ${e.message}\n\n${found.command.usage}\n`);
      return 2;
    }
    process.stderr.write(`numlab ${found.command.name}: ${e.message}\n`);
    if (process.env.NUMLAB_DEBUG) process.stderr.write(String(e.stack) + "\n");
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(String(err?.stack ?? err) + "\n");
      process.exitCode = 1;
    },
  );
}
