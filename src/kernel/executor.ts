/**
 * Runs cells with tslab's own TypeScript converter and executor, and reports what tslab prints:
 * tslab's executor hands the cell's final value, a thrown error and compile diagnostics to the
 * `console` object it is given (log / error). We give it one that records them, so the kernel
 * can send `execute_result` and `error` messages instead of text on stdout/stderr.
 */
import { format } from "util";

/** tslab's TypeScript compile diagnostic line format (tslab/dist/executor.js printDiagnostics). */
const DIAGNOSTIC_FORMAT = "%s%d:%d - %s";

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

export type CellOutcome = { status: "ok"; hasValue: boolean; value?: unknown; warnings: string[] } | ({ status: "error" } & ErrorContent);

export interface CompletionResult {
  start: number;
  end: number;
  candidates: string[];
}

/** The parts of tslab's executor the kernel uses (tslab/dist/executor.d.ts). */
export interface TslabExecutor {
  execute(src: string): Promise<boolean>;
  inspect(src: string, position: number): unknown;
  complete(src: string, position: number): CompletionResult;
  interrupt(): void;
  close(): void;
}

interface TslabConverter {
  close(): void;
}

interface TslabModules {
  createConverter(options: { isJS: boolean; isBrowser: boolean }): TslabConverter;
  createExecutor(
    rootDir: string,
    convs: { readonly node: TslabConverter; readonly browser: TslabConverter; close(): void },
    console: { log(...args: unknown[]): void; error(...args: unknown[]): void },
  ): TslabExecutor;
}

function loadTslab(): TslabModules {
  const converter = require("tslab/dist/converter") as Pick<TslabModules, "createConverter">;
  const executor = require("tslab/dist/executor") as Pick<TslabModules, "createExecutor">;
  return { createConverter: converter.createConverter, createExecutor: executor.createExecutor };
}

/** Lines of an error's stack without the frames of the kernel itself (tslab, numlab kernel, node internals). */
export function userStack(error: Error): string[] {
  const stack = typeof error.stack === "string" ? error.stack.split("\n") : [];
  const frames = stack.filter((line) => /^\s+at /.test(line));
  return frames.filter(
    (line) => !/node_modules[\\/]tslab[\\/]|[\\/]dist[\\/]kernel[\\/]|[\\/]src[\\/]kernel[\\/]|\(node:|at node:|at new Promise \(<anonymous>\)/.test(line),
  );
}

/** ename / evalue / traceback for anything a cell threw. */
export function errorContent(thrown: unknown): ErrorContent {
  if (thrown instanceof Error || (thrown !== null && typeof thrown === "object" && "message" in thrown && "stack" in thrown)) {
    const error = thrown as Error;
    const ename = typeof error.name === "string" && error.name ? error.name : "Error";
    const evalue = String(error.message ?? "");
    return { ename, evalue, traceback: [`${ename}: ${evalue}`, ...userStack(error)] };
  }
  const evalue = typeof thrown === "string" ? thrown : format("%o", thrown);
  return { ename: "Error", evalue, traceback: [`Uncaught ${evalue}`] };
}

/** The error for TypeScript compile diagnostics (the cell did not run). */
export function diagnosticsError(lines: string[]): ErrorContent {
  const evalue = lines.length === 1 ? lines[0] : `${lines.length} errors\n${lines.join("\n")}`;
  return { ename: "TypeScriptError", evalue, traceback: lines.map((l) => `TypeScriptError: ${l}`) };
}

export class CellRunner {
  readonly executor: TslabExecutor;
  private lastValue: { value: unknown } | null = null;
  private thrown: { value: unknown } | null = null;
  private diagnostics: string[] = [];

  constructor(rootDir = process.cwd(), tslab: TslabModules = loadTslab()) {
    let node: TslabConverter | undefined;
    let browser: TslabConverter | undefined;
    const convs = {
      get node() {
        return (node ??= tslab.createConverter({ isJS: false, isBrowser: false }));
      },
      get browser() {
        return (browser ??= tslab.createConverter({ isJS: false, isBrowser: true }));
      },
      close() {
        node?.close();
        browser?.close();
      },
    };
    void convs.node; // warm up the TypeScript service, as tslab does
    this.executor = tslab.createExecutor(rootDir, convs, {
      log: (value: unknown) => {
        this.lastValue = { value };
      },
      error: (...args: unknown[]) => {
        if (args[0] === DIAGNOSTIC_FORMAT) this.diagnostics.push(format(...args));
        else if (args.length === 1) this.thrown = { value: args[0] };
        else this.thrown = { value: format(...args) };
      },
    });
  }

  /** Run one cell; the outcome carries its final value (when it has one) or its error. */
  async run(code: string): Promise<CellOutcome> {
    this.lastValue = null;
    this.thrown = null;
    this.diagnostics = [];
    let ok: boolean;
    try {
      ok = await this.executor.execute(code);
    } catch (error) {
      return { status: "error", ...errorContent(error) };
    }
    // (Set by the console callbacks during execute; read through locals so TS does not narrow them to null.)
    const thrown = this.thrown as { value: unknown } | null;
    const lastValue = this.lastValue as { value: unknown } | null;
    if (thrown) return { status: "error", ...errorContent(thrown.value) };
    if (!ok) {
      return this.diagnostics.length
        ? { status: "error", ...diagnosticsError(this.diagnostics) }
        : { status: "error", ename: "Error", evalue: "the cell failed", traceback: ["Error: the cell failed"] };
    }
    // Diagnostics with ok: a `//%module:` cell registers even with errors; show them as warnings.
    const warnings = this.diagnostics;
    return lastValue ? { status: "ok", hasValue: true, value: lastValue.value, warnings } : { status: "ok", hasValue: false, warnings };
  }

  interrupt(): void {
    this.executor.interrupt();
  }

  close(): void {
    this.executor.close();
  }
}
