/**
 * Helpers of the fault-injection suite (tests/faults/): run the real `numlab` CLI in child
 * processes on tiny data, kill them, damage their run directories, and compare what they leave.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Rng } from "../../src/random";
import { readMetrics } from "../../src/train/run-dir";

export const CLI = path.join(__dirname, "../../src/cli/main.ts");
const OFFLINE = path.join(__dirname, "offline.cjs");

/** A fresh temporary folder. */
export function tempDir(prefix = "numlab-fault-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Empty data and cache folders, the WASM backend (with the native kernels where built) and no network: every run is local and quick. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const empty = tempDir("numlab-fault-env-");
  return {
    ...process.env,
    NUMLAB_BACKEND: "wasm",
    NUMLAB_DATA_DIR: empty,
    NUMLAB_CACHE_DIR: empty,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${OFFLINE}`.trim(),
    ...extra,
  };
}

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `numlab <args>` to the end. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = cliEnv()): CliResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { env, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Start `numlab <args>` in the background (stdout and stderr collected on the returned object). */
export function startCli(args: string[], env: NodeJS.ProcessEnv = cliEnv()): ChildProcess & { out: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] }) as ChildProcess & {
    out: { stdout: string; stderr: string };
  };
  child.out = { stdout: "", stderr: "" };
  child.stdout!.on("data", (d) => (child.out.stdout += d));
  child.stderr!.on("data", (d) => (child.out.stderr += d));
  return child;
}

/** Resolve when the child has exited, with its exit code and signal. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/** Poll `condition` every 20 ms until it holds (true) or `ms` pass (false). */
export async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return condition();
}

/** A names file of syllable words (the makemore trainer's data). */
export function namesFile(dir: string, count: number, seed: number, name = "names.txt"): string {
  const rng = new Rng(seed);
  const syllables = ["ka", "ri", "na", "lo", "me", "su"];
  const words = Array.from({ length: count }, () => Array.from({ length: rng.int(1, 4) }, () => syllables[rng.int(0, syllables.length)]).join(""));
  const file = path.join(dir, name);
  fs.writeFileSync(file, words.join("\n") + "\n");
  return file;
}

/** An OEIS stripped file of arithmetic progressions below 50 (the LSTM trainer's data). */
export function oeisFile(dir: string, count: number, seed: number): string {
  const rng = new Rng(seed);
  const lines = Array.from({ length: count }, (_, i) => {
    const a = rng.int(0, 6);
    const d = rng.int(1, 5);
    return `A${String(i + 1).padStart(6, "0")} ,${Array.from({ length: 10 }, (_, k) => a + d * k).join(",")},`;
  });
  const file = path.join(dir, "stripped.txt");
  fs.writeFileSync(file, "# fixture\n" + lines.join("\n") + "\n");
  return file;
}

/** Flip `count` bytes of a file (XOR 0xff) starting at `at`. */
export function flipBytes(file: string, at: number, count: number): void {
  const buf = fs.readFileSync(file);
  for (let i = at; i < Math.min(buf.length, at + count); i++) buf[i] ^= 0xff;
  fs.writeFileSync(file, buf);
}

/** A run's metrics records without events and the fields that depend on the clock. */
export function metricsWithoutClock(dir: string): Record<string, unknown>[] {
  return readMetrics<Record<string, unknown>>(dir)
    .filter((r) => r.event === undefined)
    .map(({ time: _time, tokensPerSecond: _rate, seconds: _s, cpuSeconds: _c, ...rest }) => rest);
}

/** Names in a run directory that a crashed writer could leave behind: temporary files and folders, a lock. */
export function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => /\.tmp-|^\.lock/.test(n));
}
