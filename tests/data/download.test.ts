import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import * as net from "net";
import { AddressInfo } from "net";
import { createRequire } from "module";
import {
  cacheDir,
  checkDataFile,
  DataFileError,
  DataSource,
  downloadFile,
  DownloadTimeoutError,
  isInstalledPackage,
  locateDataFile,
  readLines,
  readNumberedLines,
  repoRoot,
  smokeFixtureFile,
  userCacheDir,
  verifyGzip,
} from "../../src/data/download";

// A generated fixture: a few hundred stripped-format lines, gzip-compressed.
const fixtureText = Array.from({ length: 400 }, (_, i) => `A${String(i + 1).padStart(6, "0")} ,${i},${i * i},${i * 3 + 1},`).join("\n") + "\n";
const fixtureGz = zlib.gzipSync(Buffer.from(fixtureText));
const fixtureSha = crypto.createHash("sha256").update(fixtureGz).digest("hex");

/** What the server sends for each request to a path: a list of behaviours consumed in order. */
type Behaviour = "ok" | "text" | "truncate-with-length" | "truncate-chunked" | "corrupt" | "404";
const plans = new Map<string, Behaviour[]>();
const hits = new Map<string, number>();
let server: http.Server;
let base = "";

function corrupted(): Buffer {
  const b = Buffer.from(fixtureGz);
  // flip bytes in the middle of the deflate data: decompression fails or the CRC check does
  for (let i = 20; i < 40; i++) b[i] ^= 0x5a;
  return b;
}

before(async () => {
  server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    hits.set(url, (hits.get(url) ?? 0) + 1);
    const plan = plans.get(url) ?? [];
    const behaviour: Behaviour = plan.length > 1 ? plan.shift()! : plan[0] ?? "404";
    switch (behaviour) {
      case "ok":
        res.writeHead(200, { "content-length": fixtureGz.length });
        res.end(fixtureGz);
        break;
      case "text":
        res.writeHead(200, { "content-length": Buffer.byteLength(fixtureText) });
        res.end(fixtureText);
        break;
      case "truncate-with-length":
        // announce the full length, send half, then drop the connection
        res.writeHead(200, { "content-length": fixtureGz.length });
        res.write(fixtureGz.subarray(0, Math.floor(fixtureGz.length / 2)), () => res.destroy());
        break;
      case "truncate-chunked":
        // no length header: the only way to notice is the incomplete gzip stream
        res.writeHead(200);
        res.end(fixtureGz.subarray(0, fixtureGz.length - 30));
        break;
      case "corrupt": {
        const c = corrupted();
        res.writeHead(200, { "content-length": c.length });
        res.end(c);
        break;
      }
      case "404":
        res.writeHead(404);
        res.end("not found");
        break;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.close();
});

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "numlab-dl-"));
}

function source(route: string, extra: Partial<DataSource> = {}): DataSource {
  return { name: "fixture", url: `${base}${route}`, fileNames: ["fixture/stripped.gz", "stripped.gz"], gzip: true, ...extra };
}

/** Run `fn` with NUMLAB_CACHE_DIR pointing at a fresh folder and NUMLAB_DATA_DIR unset. */
async function withCache<T>(fn: (cache: string) => Promise<T>): Promise<T> {
  const saved = { cache: process.env.NUMLAB_CACHE_DIR, data: process.env.NUMLAB_DATA_DIR };
  const cache = tempDir();
  process.env.NUMLAB_CACHE_DIR = cache;
  delete process.env.NUMLAB_DATA_DIR;
  try {
    return await fn(cache);
  } finally {
    if (saved.cache === undefined) delete process.env.NUMLAB_CACHE_DIR;
    else process.env.NUMLAB_CACHE_DIR = saved.cache;
    if (saved.data === undefined) delete process.env.NUMLAB_DATA_DIR;
    else process.env.NUMLAB_DATA_DIR = saved.data;
  }
}

function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.includes(".part-"));
}

test("repoRoot finds the numlab package and cacheDir defaults to <repo>/data/cache", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), "package.json"), "utf8")) as { name: string };
  assert.equal(pkg.name, "numlab");
  const saved = process.env.NUMLAB_CACHE_DIR;
  delete process.env.NUMLAB_CACHE_DIR;
  try {
    assert.equal(cacheDir(), path.join(repoRoot(), "data", "cache"));
    process.env.NUMLAB_CACHE_DIR = "/tmp/some-cache";
    assert.equal(cacheDir(), "/tmp/some-cache");
  } finally {
    if (saved === undefined) delete process.env.NUMLAB_CACHE_DIR;
    else process.env.NUMLAB_CACHE_DIR = saved;
  }
});

test("cacheDir: NUMLAB_CACHE_DIR wins, a checkout keeps <repo>/data/cache, an installed copy uses the user's cache", () => {
  const checkout = "/home/ann/numlab";
  const installed = "/home/ann/project/node_modules/numlab";
  const home = "/home/ann";
  // NUMLAB_CACHE_DIR, resolved, in both layouts
  assert.equal(cacheDir({ env: { NUMLAB_CACHE_DIR: "/srv/cache" }, root: installed, home }), "/srv/cache");
  assert.equal(cacheDir({ env: { NUMLAB_CACHE_DIR: "rel/cache" }, root: checkout, home }), path.resolve("rel/cache"));
  // a blank NUMLAB_CACHE_DIR counts as unset
  assert.equal(cacheDir({ env: { NUMLAB_CACHE_DIR: " " }, root: checkout, home }), path.join(checkout, "data", "cache"));
  // a repository checkout: <repo>/data/cache, whatever XDG says
  assert.equal(cacheDir({ env: { XDG_CACHE_HOME: "/xdg" }, root: checkout, home }), path.join(checkout, "data", "cache"));
  // installed as a dependency (npm, pnpm's nested store): XDG_CACHE_HOME, else ~/.cache
  assert.equal(cacheDir({ env: { XDG_CACHE_HOME: "/xdg" }, root: installed, platform: "linux", home }), "/xdg/numlab");
  assert.equal(cacheDir({ env: {}, root: installed, platform: "linux", home }), "/home/ann/.cache/numlab");
  const pnpm = "/home/ann/project/node_modules/.pnpm/numlab@0.1.0/node_modules/numlab";
  assert.equal(cacheDir({ env: {}, root: pnpm, platform: "linux", home }), "/home/ann/.cache/numlab");
  // a relative XDG_CACHE_HOME is invalid by the spec and ignored
  assert.equal(cacheDir({ env: { XDG_CACHE_HOME: "cache" }, root: installed, platform: "linux", home }), "/home/ann/.cache/numlab");
  for (const root of [installed, pnpm]) assert.ok(!cacheDir({ env: {}, root, platform: "linux", home }).includes("node_modules"));
});

test("userCacheDir follows each platform's convention", () => {
  assert.equal(userCacheDir({ env: {}, platform: "linux", home: "/home/ann" }), "/home/ann/.cache/numlab");
  assert.equal(userCacheDir({ env: { XDG_CACHE_HOME: "/var/cache/ann" }, platform: "linux", home: "/home/ann" }), "/var/cache/ann/numlab");
  assert.equal(userCacheDir({ env: {}, platform: "darwin", home: "/Users/ann" }), "/Users/ann/Library/Caches/numlab");
  assert.equal(userCacheDir({ env: { XDG_CACHE_HOME: "/Users/ann/.xdg" }, platform: "darwin", home: "/Users/ann" }), "/Users/ann/.xdg/numlab");
  assert.equal(
    userCacheDir({ env: { LOCALAPPDATA: "C:\\Users\\ann\\AppData\\Local" }, platform: "win32", home: "C:\\Users\\ann" }),
    "C:\\Users\\ann\\AppData\\Local\\numlab\\Cache",
  );
  assert.equal(userCacheDir({ env: {}, platform: "win32", home: "C:\\Users\\ann" }), "C:\\Users\\ann\\AppData\\Local\\numlab\\Cache");
});

test("isInstalledPackage: only a package root below a node_modules folder", () => {
  assert.equal(isInstalledPackage("/home/ann/numlab"), false);
  assert.equal(isInstalledPackage("/home/ann/node_modules_backup/numlab"), false);
  assert.equal(isInstalledPackage("/home/ann/app/node_modules/numlab"), true);
  assert.equal(isInstalledPackage("C:\\app\\node_modules\\numlab"), true);
  // this repository (node_modules/numlab is only a link back to it; __dirname is the real path)
  assert.equal(isInstalledPackage(), false);
});

test("smoke stand-ins are written to <cacheDir>/smoke", async () => {
  await withCache(async (cache) => {
    const file = smokeFixtureFile({ name: "standin", url: "https://example.org/x/standin.txt.gz", fileNames: [], smokeFixture: () => "a\nb\n" });
    assert.equal(file, path.join(cache, "smoke", "standin.txt"));
    assert.equal(fs.readFileSync(file, "utf8"), "a\nb\n");
  });
});

test("downloads into the cache once, then serves the cached copy", async () => {
  await withCache(async (cache) => {
    plans.set("/good/stripped.gz", ["ok"]);
    const src = source("/good/stripped.gz", { sha256: fixtureSha, minBytes: 100 });
    const file = await locateDataFile(src, { quiet: true });
    assert.equal(file, path.join(cache, "stripped.gz"));
    assert.deepEqual(fs.readFileSync(file), fixtureGz);
    const again = await locateDataFile(src, { quiet: true });
    assert.equal(again, file);
    assert.equal(hits.get("/good/stripped.gz"), 1, "the second call must not download");
    assert.deepEqual(leftovers(cache), []);
    const lines: string[] = [];
    for await (const line of readLines(file)) lines.push(line);
    assert.equal(lines.length, 400);
    assert.equal(lines[2], "A000003 ,2,4,7,");
  });
});

test("a truncated response (short of Content-Length) is detected and downloaded again", async () => {
  await withCache(async (cache) => {
    plans.set("/trunc/stripped.gz", ["truncate-with-length", "ok"]);
    const messages: string[] = [];
    const dest = path.join(cache, "stripped.gz");
    const result = await downloadFile(`${base}/trunc/stripped.gz`, dest, { gzip: true, quiet: true, log: (m) => messages.push(m) });
    assert.equal(result.attempts, 2);
    assert.deepEqual(fs.readFileSync(dest), fixtureGz);
    assert.ok(messages.some((m) => /downloading again/.test(m)), messages.join("\n"));
    assert.deepEqual(leftovers(cache), []);
  });
});

test("a truncated gzip without Content-Length is caught by the full decompression check", async () => {
  await withCache(async (cache) => {
    plans.set("/chunked/stripped.gz", ["truncate-chunked", "ok"]);
    const messages: string[] = [];
    const dest = path.join(cache, "stripped.gz");
    const result = await downloadFile(`${base}/chunked/stripped.gz`, dest, { gzip: true, quiet: true, log: (m) => messages.push(m) });
    assert.equal(result.attempts, 2);
    assert.ok(messages.some((m) => /gzip/.test(m)), messages.join("\n"));
    assert.equal(await verifyGzip(dest), fixtureText.length);
  });
});

test("a corrupt download that stays corrupt is reported and never lands in the cache", async () => {
  await withCache(async (cache) => {
    plans.set("/corrupt/stripped.gz", ["corrupt"]);
    const before = hits.get("/corrupt/stripped.gz") ?? 0;
    await assert.rejects(locateDataFile(source("/corrupt/stripped.gz"), { quiet: true }), /could not download .* after 2 attempt\(s\).*gzip/);
    assert.equal((hits.get("/corrupt/stripped.gz") ?? 0) - before, 2, "one retry");
    assert.equal(fs.existsSync(path.join(cache, "stripped.gz")), false);
    assert.deepEqual(leftovers(cache), []);
  });
});

test("a wrong sha256 is rejected", async () => {
  await withCache(async (cache) => {
    plans.set("/sha/stripped.gz", ["ok"]);
    await assert.rejects(
      locateDataFile(source("/sha/stripped.gz", { sha256: "0".repeat(64) }), { quiet: true }),
      /sha256/,
    );
    assert.equal(fs.existsSync(path.join(cache, "stripped.gz")), false);
  });
});

test("a damaged cached file is noticed and replaced by a fresh download", async () => {
  await withCache(async () => {
    plans.set("/damaged/stripped.gz", ["ok"]);
    const src = source("/damaged/stripped.gz");
    const file = await locateDataFile(src, { quiet: true });
    fs.writeFileSync(file, fixtureGz.subarray(0, 50)); // damage it behind the cache's back
    const first = hits.get("/damaged/stripped.gz")!;
    const again = await locateDataFile(src, { quiet: true });
    assert.equal(hits.get("/damaged/stripped.gz"), first + 1);
    assert.deepEqual(fs.readFileSync(again), fixtureGz);
  });
});

test("HTTP errors, non-https URLs and disabled downloads give clear errors", async () => {
  await withCache(async () => {
    plans.set("/missing.gz", ["404"]);
    await assert.rejects(downloadFile(`${base}/missing.gz`, path.join(tempDir(), "x.gz"), { quiet: true, retries: 0 }), /HTTP 404/);
    await assert.rejects(downloadFile("http://example.com/stripped.gz", path.join(tempDir(), "x.gz"), { quiet: true }), /only https/);
    await assert.rejects(downloadFile("ftp://oeis.org/stripped.gz", path.join(tempDir(), "x.gz"), { quiet: true }), /only https/);
    await assert.rejects(locateDataFile(source("/never.gz"), { download: false, quiet: true }), /downloading is disabled/);
    assert.equal(hits.get("/never.gz"), undefined);
  });
});

test("explicit path > dataDir > NUMLAB_DATA_DIR > cache", async () => {
  await withCache(async (cache) => {
    const src = source("/unused/stripped.gz");
    const cached = path.join(cache, "stripped.gz"); // the cache name is the URL's last path part
    fs.writeFileSync(cached, fixtureGz);
    assert.equal(await locateDataFile(src, { download: false, quiet: true }), cached);

    const envDir = tempDir();
    fs.writeFileSync(path.join(envDir, "stripped.gz"), fixtureGz);
    process.env.NUMLAB_DATA_DIR = envDir;
    assert.equal(await locateDataFile(src, { download: false }), path.join(envDir, "stripped.gz"));
    // the first listed file name wins inside a folder
    fs.mkdirSync(path.join(envDir, "fixture"));
    fs.writeFileSync(path.join(envDir, "fixture", "stripped.gz"), fixtureGz);
    assert.equal(await locateDataFile(src, { download: false }), path.join(envDir, "fixture", "stripped.gz"));

    const optDir = tempDir();
    fs.writeFileSync(path.join(optDir, "stripped.gz"), fixtureGz);
    assert.equal(await locateDataFile(src, { dataDir: optDir, download: false }), path.join(optDir, "stripped.gz"));

    const explicit = path.join(tempDir(), "mine.txt");
    fs.writeFileSync(explicit, fixtureText);
    assert.equal(await locateDataFile(src, { path: explicit, dataDir: optDir }), explicit);
    await assert.rejects(locateDataFile(src, { path: "/no/such/file.txt" }), /file not found: \/no\/such\/file\.txt/);
    assert.equal(hits.get("/unused/stripped.gz"), undefined);
  });
});

test("readLines handles plain and gzip files, BOMs, CRLF and a missing final newline", async () => {
  const dir = tempDir();
  const text = "\uFEFFfirst\r\nsecond\n\n\uFEFFfourth\nlast";
  fs.writeFileSync(path.join(dir, "a.txt"), text);
  fs.writeFileSync(path.join(dir, "a.gz"), zlib.gzipSync(Buffer.from(text)));
  // gzip is detected by content, so a misleading extension still works
  fs.writeFileSync(path.join(dir, "b.txt"), zlib.gzipSync(Buffer.from(text)));
  for (const name of ["a.txt", "a.gz", "b.txt"]) {
    const got: string[] = [];
    for await (const line of readLines(path.join(dir, name))) got.push(line);
    assert.deepEqual(got, ["first", "second", "", "fourth", "last"], name);
  }
  const numbered: number[] = [];
  for await (const { lineNo } of readNumberedLines(path.join(dir, "a.gz"))) numbered.push(lineNo);
  assert.deepEqual(numbered, [1, 2, 3, 4, 5]);
  // a multi-byte character split across chunk boundaries survives: a long line of "é"
  const long = "é".repeat(1 << 20) + "\nend\n";
  fs.writeFileSync(path.join(dir, "long.txt"), long);
  const lines: string[] = [];
  for await (const line of readLines(path.join(dir, "long.txt"))) lines.push(line);
  assert.equal(lines[0].length, 1 << 20);
  assert.equal(lines[1], "end");
});

test("readLines on a truncated gzip fails with an error naming the file", async () => {
  const dir = tempDir();
  const file = path.join(dir, "cut.gz");
  fs.writeFileSync(file, fixtureGz.subarray(0, fixtureGz.length - 20));
  await assert.rejects(
    (async () => {
      for await (const _ of readLines(file)) void _;
    })(),
    (err: Error) => err.message.includes(file) && /truncated or corrupt/.test(err.message),
  );
});

test("a server that never answers fails after timeoutMs, once (no retry), naming host and limit", async () => {
  // three ways to be silent: a connection accepted and never answered, headers and 3 bytes then
  // nothing, and a host name lookup that never returns (before any socket exists)
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => void sockets.push(s));
  const stalled = http.createServer((_req, res) => {
    res.writeHead(200, { "content-length": "100" });
    res.write("abc");
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => stalled.listen(0, "127.0.0.1", resolve));
  try {
    const dir = tempDir();
    const cases: [string, Parameters<typeof downloadFile>[2], RegExp][] = [
      [`http://127.0.0.1:${(silent.address() as AddressInfo).port}/s.gz`, {}, /no answer from 127\.0\.0\.1:\d+ within 300 ms fetching .*s\.gz: the download timed out/],
      [`http://127.0.0.1:${(stalled.address() as AddressInfo).port}/t.gz`, {}, /no further data from .* within 300 ms .*\(after 3 bytes\)/],
      ["http://localhost:9/never.gz", { lookup: () => undefined }, /no answer from localhost:9 within 300 ms/],
    ];
    for (const [url, extra, pattern] of cases) {
      const t0 = performance.now();
      await assert.rejects(downloadFile(url, path.join(dir, "x.gz"), { quiet: true, timeoutMs: 300, ...extra }), (e: unknown) => e instanceof DownloadTimeoutError && pattern.test(e.message));
      const ms = performance.now() - t0;
      assert.ok(ms >= 280 && ms < 1500, `${url}: ${ms.toFixed(0)} ms for a 300 ms limit (a retry would double it)`);
      assert.deepEqual(leftovers(dir), []);
    }
  } finally {
    sockets.forEach((s) => s.destroy());
    stalled.closeAllConnections();
    silent.close();
    stalled.close();
  }
});

test("a full disk during a download names the file and the step, is not retried and leaves nothing behind", async () => {
  // the temporary file is redirected to /dev/full, whose writes fail with a real ENOSPC
  if (!fs.existsSync("/dev/full")) return;
  const nodeFs = createRequire(__filename)("fs") as typeof fs;
  const real = nodeFs.createWriteStream;
  nodeFs.createWriteStream = ((p: fs.PathLike, o?: Parameters<typeof real>[1]) => (String(p).includes(".part-") ? real("/dev/full") : real(p, o))) as typeof real;
  try {
    await withCache(async (cache) => {
      plans.set("/full/stripped.gz", ["ok"]);
      const before = hits.get("/full/stripped.gz") ?? 0;
      const dest = path.join(cache, "stripped.gz");
      await assert.rejects(
        downloadFile(`${base}/full/stripped.gz`, dest, { gzip: true, quiet: true }),
        (e: unknown) =>
          e instanceof DataFileError &&
          e.code === "ENOSPC" &&
          e.message.startsWith(`writing the download of ${base}/full/stripped.gz`) &&
          e.message.includes(` to ${dest}: no space left on the device (ENOSPC)`),
      );
      assert.equal((hits.get("/full/stripped.gz") ?? 0) - before, 1, "no second attempt on a full disk");
      assert.equal(fs.existsSync(dest), false);
      assert.deepEqual(leftovers(cache), []);
    });
  } finally {
    nodeFs.createWriteStream = real;
  }
});

test("a cached file cut at a line boundary is noticed by its recorded size and hash, and fetched again", async () => {
  await withCache(async (cache) => {
    plans.set("/plain/train.txt", ["text"]);
    const src: DataSource = { name: "pairs", url: `${base}/plain/train.txt`, fileNames: ["train.txt"], minBytes: 100 };
    const file = await locateDataFile(src, { quiet: true });
    assert.equal(file, path.join(cache, "train.txt"));
    const marker = JSON.parse(fs.readFileSync(file + ".verified.json", "utf8")) as { size: number; sha256: string };
    assert.equal(marker.size, Buffer.byteLength(fixtureText));
    assert.equal(marker.sha256, crypto.createHash("sha256").update(fixtureText).digest("hex"));
    // cut at a line boundary: every line is still well-formed and the file is above minBytes
    const cut = fixtureText.split("\n").slice(0, 300).join("\n") + "\n";
    fs.writeFileSync(file, cut);
    await assert.rejects(locateDataFile(src, { quiet: true, download: false }), (e: Error) => /has \d+ bytes, but \d+ were downloaded and verified/.test(e.message) && e.message.includes(file));
    assert.equal(fs.readFileSync(file, "utf8"), cut, "with downloads disabled the file is left for the user to look at");
    // a new download that fails keeps the cached file and says why it was not used
    plans.set("/plain/train.txt", ["404", "404", "text"]);
    await assert.rejects(locateDataFile(src, { quiet: true }), (e: Error) => /HTTP 404/.test(e.message) && e.message.includes(`the cached ${file}, kept, failed its check`));
    assert.equal(fs.readFileSync(file, "utf8"), cut);
    const hitsBefore = hits.get("/plain/train.txt")!;
    const messages: string[] = [];
    const saved = process.stderr.write.bind(process.stderr);
    (process.stderr as unknown as { write: (s: string) => boolean }).write = (m: string) => (messages.push(m), true);
    try {
      assert.equal(await locateDataFile(src), file);
    } finally {
      (process.stderr as unknown as { write: typeof saved }).write = saved;
    }
    assert.equal(hits.get("/plain/train.txt"), hitsBefore + 1);
    assert.equal(fs.readFileSync(file, "utf8"), fixtureText);
    assert.ok(messages.some((m) => /failed its check .* downloading again/.test(m)), messages.join(""));
    // same size, other bytes (overwritten in place): the hash tells
    fs.writeFileSync(file, fixtureText.replace("A000001", "A000009"));
    await assert.rejects(locateDataFile(src, { quiet: true, download: false }), /its bytes changed since/);
    // the same bytes written again (a new date) are accepted and the record is renewed
    fs.writeFileSync(file, fixtureText);
    assert.equal(await locateDataFile(src, { quiet: true, download: false }), file);
  });
});

test("a directory given as a data file says so, naming what it holds", async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "stripped.gz"), fixtureGz);
  fs.writeFileSync(path.join(dir, ".hidden"), "");
  assert.throws(() => checkDataFile(dir, "OEIS"), new RegExp(`^Error: OEIS: ${dir} is a directory, not a file \\(it holds stripped\\.gz\\); give the path of a data file$`));
  await assert.rejects(locateDataFile(source("/unused.gz"), { path: dir }), /fixture: .* is a directory, not a file/);
  assert.throws(() => checkDataFile(path.join(dir, "none"), "OEIS"), /OEIS: file not found: /);
  checkDataFile(path.join(dir, "stripped.gz"), "OEIS");
});

test("readNumberedLines reads one 64 MB line (gzip) in linear time", async () => {
  const dir = tempDir();
  const file = path.join(dir, "one-line.gz");
  const line = "ab".repeat(32 << 20);
  fs.writeFileSync(file, zlib.gzipSync(Buffer.from(`${line}\nlast`)));
  const t0 = performance.now();
  const got: Array<{ length: number; lineNo: number }> = [];
  for await (const { line: l, lineNo } of readNumberedLines(file)) got.push({ length: l.length, lineNo });
  const seconds = (performance.now() - t0) / 1000;
  assert.deepEqual(got, [
    { length: 64 << 20, lineNo: 1 },
    { length: 4, lineNo: 2 },
  ]);
  // the quadratic version re-scanned the growing line for every 256 KB chunk: tens of seconds
  assert.ok(seconds < 8, `took ${seconds.toFixed(1)} s`);
});
