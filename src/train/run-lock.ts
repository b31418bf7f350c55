/**
 * One writer per run directory: an exclusive lock file `<run>/.lock` holding the writer's pid,
 * host, process start time and command. It is created atomically (written to a temporary file,
 * then hard-linked into place, which fails when the lock exists), so a lock file is never seen
 * half-written. A second writer fails with `RunLockedError`, naming the holder.
 *
 * A lock whose process is gone (same host, no such pid, or a pid reused by a process that started
 * later) is stale: the next writer removes it and takes the lock. Breaking a stale lock is itself
 * guarded by `<run>/.lock.break`, so two writers that find the same stale lock cannot both take it.
 * Readers (evaluation, loading a model) take no lock: checkpoints are replaced by renames.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as crypto from "crypto";

export const LOCK_FILE = ".lock";
const BREAK_FILE = ".lock.break";
/** A `.lock.break` older than this was left by a process that died while breaking a stale lock. */
const BREAK_STALE_MS = 10_000;

/** What a lock file records about its holder. */
export interface RunLockHolder {
  pid: number;
  host: string;
  /** The holder's start time in clock ticks since boot (Linux /proc/<pid>/stat), to tell a reused pid apart. */
  pidStart: number | null;
  /** The command line of the holder (e.g. "numlab train makemore --out runs/a"). */
  command: string;
  startedAt: string;
  /** Random token: a holder removes the lock only while it still holds this one. */
  token: string;
}

/** Thrown when another process (or another training in this process) writes to the run directory. */
export class RunLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: RunLockHolder | null,
    reason?: string,
  ) {
    super(
      `run directory ${dir} is in use by ${describeHolder(holder)}${reason ? ` (${reason})` : ""}: ` +
        `wait for it to finish or choose another --out` +
        (holder && holder.pid !== process.pid ? `; if that process is gone, delete ${path.join(dir, LOCK_FILE)}` : ""),
    );
    this.name = "RunLockedError";
  }
}

function describeHolder(holder: RunLockHolder | null): string {
  if (!holder) return "another process (its lock file is unreadable)";
  if (holder.pid === process.pid && holder.host === os.hostname()) return `another training in this process (started ${holder.startedAt})`;
  return `process ${holder.pid} on ${holder.host} (${holder.command || "?"}, started ${holder.startedAt})`;
}

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or null where /proc is absent. */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // the command name (field 2) is in parentheses and may contain spaces: count fields after the last ")"
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** True when a process with this pid exists (on this host). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Why a lock is stale ("process 123 has exited"), or null when its holder may still run. */
export function staleReason(holder: RunLockHolder): string | null {
  if (holder.host !== os.hostname()) return null; // cannot look at another machine's processes
  if (!pidAlive(holder.pid)) return `process ${holder.pid} has exited`;
  if (holder.pidStart !== null) {
    const now = processStartTicks(holder.pid);
    if (now !== null && now !== holder.pidStart) return `pid ${holder.pid} now belongs to another process`;
  }
  return null;
}

/** The holder recorded in a run directory's lock file, or null when there is none (or it is unreadable). */
export function readRunLock(dir: string): RunLockHolder | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), "utf8")) as RunLockHolder;
    return typeof parsed.pid === "number" && typeof parsed.token === "string" ? parsed : null;
  } catch {
    return null;
  }
}

export interface RunLock {
  readonly dir: string;
  readonly holder: RunLockHolder;
  /** Remove the lock (only while this process still holds it); idempotent. */
  release(): void;
}

/** Locks this process holds, by resolved directory. */
const held = new Map<string, { lock: RunLock; implicit: boolean }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const { lock } of [...held.values()]) lock.release();
  });
}

function defaultCommand(): string {
  const args = process.argv.slice(1).map((a) => (a.includes("/") ? path.basename(a) : a));
  return args.join(" ").slice(0, 300);
}

/** Block this thread for `ms` milliseconds (the lock is taken synchronously). */
function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Temporary files of lock attempts (`.lock.<token>`) left by processes killed while taking a lock, older than a few seconds. */
export function staleLockTemporaries(dir: string): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (!/^\.lock\.[0-9a-f]{16}$/.test(name)) continue;
    const since = fs.lstatSync(path.join(dir, name), { throwIfNoEntry: false })?.mtimeMs;
    if (since !== undefined && Date.now() - since > BREAK_STALE_MS) out.push(name);
  }
  return out;
}

/** Try to create the lock file atomically; false when one exists. */
function tryCreate(file: string, holder: RunLockHolder): boolean {
  const tmp = `${file}.${holder.token}`;
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
  try {
    fs.writeSync(fd, JSON.stringify(holder) + "\n");
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Remove a stale lock, guarded so that two processes breaking it at once cannot both succeed. True when removed. */
function breakStaleLock(dir: string, stale: RunLockHolder): boolean {
  const breaker = path.join(dir, BREAK_FILE);
  try {
    fs.writeFileSync(breaker, String(process.pid), { flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    const since = fs.statSync(breaker, { throwIfNoEntry: false })?.mtimeMs;
    if (since !== undefined && Date.now() - since > BREAK_STALE_MS) fs.rmSync(breaker, { force: true });
    return false;
  }
  try {
    // still the same stale lock? (another process may have broken it and taken a fresh one)
    if (readRunLock(dir)?.token !== stale.token) return false;
    fs.rmSync(path.join(dir, LOCK_FILE), { force: true });
    return true;
  } finally {
    fs.rmSync(breaker, { force: true });
  }
}

export interface LockOptions {
  /** The holder's command, shown to a second writer (default: this process's arguments). */
  command?: string;
}

/**
 * Take the exclusive lock of a run directory (created if missing) for this process. Throws
 * `RunLockedError` naming the holder when another live process holds it, or when another training
 * in this process does. A stale lock (its process is gone) is removed and taken over.
 */
export function lockRunDir(dir: string, options: LockOptions = {}): RunLock {
  return acquire(dir, options, false);
}

/**
 * The lock `createRun` takes when its caller did not lock the directory itself: held until the
 * trainer releases it (`releaseImplicitRunLock`) or the process exits. A directory this process
 * already holds is left as it is.
 */
export function ensureRunLock(dir: string): void {
  if (held.has(path.resolve(dir))) return;
  acquire(dir, {}, true);
}

/** Release the lock `createRun` took implicitly for `dir` (a lock taken with `lockRunDir` stays with its owner). */
export function releaseImplicitRunLock(dir: string): void {
  const entry = held.get(path.resolve(dir));
  if (entry?.implicit) entry.lock.release();
}

/** True when this process holds the lock of `dir`. */
export function holdsRunLock(dir: string): boolean {
  return held.has(path.resolve(dir));
}

function acquire(dir: string, options: LockOptions, implicit: boolean): RunLock {
  const key = path.resolve(dir);
  const mine = held.get(key);
  if (mine) {
    // a lock taken implicitly by createRun for a training that failed before it started is taken over
    if (mine.implicit && !implicit) {
      mine.implicit = false;
      return mine.lock;
    }
    throw new RunLockedError(dir, mine.lock.holder);
  }
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const holder: RunLockHolder = {
    pid: process.pid,
    host: os.hostname(),
    pidStart: processStartTicks(process.pid),
    command: options.command ?? defaultCommand(),
    startedAt: new Date().toISOString(),
    token: crypto.randomBytes(8).toString("hex"),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(file, holder)) {
      let released = false;
      const lock: RunLock = {
        dir,
        holder,
        release() {
          if (released) return;
          released = true;
          held.delete(key);
          if (readRunLock(dir)?.token === holder.token) fs.rmSync(file, { force: true });
        },
      };
      held.set(key, { lock, implicit });
      installExitHook();
      return lock;
    }
    const other = readRunLock(dir);
    if (!other) {
      // unreadable: a lock being broken right now, or a damaged file; damaged ones are reported
      const since = fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs;
      if (since !== undefined && Date.now() - since > BREAK_STALE_MS) throw new RunLockedError(dir, null, `${file} is not a valid lock file`);
      sleepMs(20);
      continue;
    }
    const why = staleReason(other);
    if (why === null) throw new RunLockedError(dir, other);
    if (!breakStaleLock(dir, other)) sleepMs(20);
  }
  throw new RunLockedError(dir, readRunLock(dir), "could not take the lock after several attempts");
}
