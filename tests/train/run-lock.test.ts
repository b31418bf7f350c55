import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LOCK_FILE, RunLockHolder, RunLockedError, holdsRunLock, lockRunDir, processStartTicks, readRunLock, staleReason } from "../../src/train/run-lock";
import { createRun } from "../../src/train/run-dir";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "numlab-lock-"));

/** A lock file as another process would write it. */
function plantLock(dir: string, holder: Partial<RunLockHolder>): void {
  const full: RunLockHolder = {
    pid: 1,
    host: os.hostname(),
    pidStart: null,
    command: "numlab train other",
    startedAt: "2026-01-01T00:00:00.000Z",
    token: "0123456789abcdef",
    ...holder,
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify(full));
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

test("a lock records this process; a second lock in the same process is refused; release removes it", () => {
  const dir = path.join(tmp(), "run");
  const lock = lockRunDir(dir, { command: "numlab train test" });
  const holder = readRunLock(dir)!;
  assert.equal(holder.pid, process.pid);
  assert.equal(holder.command, "numlab train test");
  assert.equal(holder.pidStart, processStartTicks(process.pid));
  assert.ok(holdsRunLock(dir));
  assert.throws(
    () => lockRunDir(dir),
    (e: unknown) => e instanceof RunLockedError && /in use by another training in this process/.test(e.message),
  );
  lock.release();
  lock.release(); // idempotent
  assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)));
  assert.ok(!holdsRunLock(dir));
  lockRunDir(dir).release();
});

test("a lock held by a live process is refused with its pid and command; createRun refuses it before writing", async () => {
  const dir = path.join(tmp(), "run");
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
  try {
    await new Promise((r) => child.once("spawn", r));
    plantLock(dir, { pid: child.pid!, pidStart: processStartTicks(child.pid!), command: "numlab train makemore --hidden 64" });
    assert.equal(staleReason(readRunLock(dir)!), null);
    assert.throws(
      () => lockRunDir(dir),
      (e: unknown) =>
        e instanceof RunLockedError &&
        e.message.includes(`process ${child.pid} on ${os.hostname()} (numlab train makemore --hidden 64`) &&
        e.message.includes(`delete ${path.join(dir, LOCK_FILE)}`),
    );
    assert.throws(() => createRun(dir, { hidden: 32 }), RunLockedError);
    assert.ok(!fs.existsSync(path.join(dir, "config.json")), "the second writer wrote nothing");
  } finally {
    child.kill("SIGKILL");
  }
});

test("a stale lock (its process exited, or its pid now belongs to another process) is taken over", () => {
  const dir = path.join(tmp(), "run");
  const pid = deadPid();
  plantLock(dir, { pid });
  assert.match(staleReason(readRunLock(dir)!)!, new RegExp(`process ${pid} has exited`));
  const lock = lockRunDir(dir);
  assert.equal(readRunLock(dir)!.pid, process.pid);
  lock.release();
  // our own pid with another start time: a reused pid
  plantLock(dir, { pid: process.pid, pidStart: (processStartTicks(process.pid) ?? 0) + 1 });
  if (processStartTicks(process.pid) !== null) {
    assert.match(staleReason(readRunLock(dir)!)!, /now belongs to another process/);
    lockRunDir(dir).release();
  }
});

test("a lock from another host is respected (its process cannot be checked), and an unreadable old lock is reported", () => {
  const dir = path.join(tmp(), "run");
  plantLock(dir, { host: "elsewhere.example", pid: deadPid() });
  assert.equal(staleReason(readRunLock(dir)!), null);
  assert.throws(() => lockRunDir(dir), /process \d+ on elsewhere\.example/);
  fs.writeFileSync(path.join(dir, LOCK_FILE), "{not json");
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(path.join(dir, LOCK_FILE), old, old);
  assert.throws(() => lockRunDir(dir), /its lock file is unreadable.*not a valid lock file/);
});

test("the lock is released when the process exits normally, and two processes racing for one directory get one lock", async () => {
  const dir = path.join(tmp(), "run");
  const script = `
    const { lockRunDir } = require(${JSON.stringify(path.join(__dirname, "../../src/train/run-lock.ts"))});
    try { lockRunDir(process.argv[1]); process.stdout.write("locked"); setTimeout(() => {}, 3000); }
    catch (e) { process.stdout.write("refused: " + e.message); }`;
  const run = () =>
    new Promise<string>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "-e", script, dir], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.on("close", () => resolve(out));
    });
  const results = await Promise.all([run(), run()]);
  assert.deepEqual(results.map((r) => r.split(":")[0]).sort(), ["locked", "refused"], results.join(" | "));
  assert.match(
    results.find((r) => r.startsWith("refused"))!,
    /in use by process \d+/,
  );
  assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)), "released at exit");
});
