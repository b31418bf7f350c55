/**
 * Where data bytes come from. `locateDataFile` resolves a data source in this order:
 *
 *   1. an explicit path (an error naming it when it does not exist),
 *   2. a data folder (`options.dataDir`, then the `NUMLAB_DATA_DIR` environment variable): the first
 *      of `source.fileNames` that exists there,
 *   3. the download cache (`cacheDir()`: `NUMLAB_CACHE_DIR`, else `<repo>/data/cache` in a repository
 *      checkout, else the user's cache directory when numlab is installed as a dependency),
 *   4. an HTTPS download of `source.url` into the cache, with a progress bar, written to a temporary
 *      file and renamed into place only after the integrity checks pass (size ≥ `minBytes`, the
 *      Content-Length matched, a full gzip decompression for `.gz`, the optional sha256).
 *
 * A truncated or corrupt download is reported and fetched once more; a file that still fails is an
 * error, so nothing half-written is ever parsed. A server that does not answer within `timeoutMs`
 * (default 60 s, counted from the request, through DNS, connecting and between data) is an error
 * after that time, without a retry. A download records its size and sha256 next to the cached
 * file (`<file>.verified.json`); a cached file whose size, date or hash no longer match (cut short,
 * overwritten) is checked again and downloaded anew when it differs. Write failures (a full disk)
 * name the file and the step. `readLines` iterates the lines of plain or gzip files (gzip is
 * recognised by its magic bytes, not the file name), in time linear in the file size even for a
 * single line of hundreds of megabytes.
 */
import * as crypto from "crypto";
import type { LookupFunction } from "net";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { Readable } from "stream";
import { pipeline } from "stream/promises";
import { progress } from "../display/progress";
import { isSmoke } from "../smoke";

/** A downloadable data file and the names it may have inside a data folder. */
export interface DataSource {
  /** Human name used in messages, e.g. "OEIS stripped". */
  name: string;
  /** The one documented origin (https only). The cached copy is named after its last path part. */
  url: string;
  /** Relative paths tried, in order, inside `NUMLAB_DATA_DIR`/`dataDir` (e.g. "oeis/stripped.gz"). */
  fileNames: string[];
  /** The download is gzip-compressed: verify it decompresses completely. */
  gzip?: boolean;
  /** Expected sha256 (hex) of the downloaded bytes. */
  sha256?: string;
  /** Smallest plausible size in bytes; anything smaller is treated as a failed download. */
  minBytes?: number;
  /**
   * A generated stand-in in the same format (see `smoke-fixtures.ts`): smoke mode uses it when no
   * local copy exists instead of downloading.
   */
  smokeFixture?: () => string;
}

export interface LocateOptions {
  /** Use exactly this file (error if it does not exist). */
  path?: string;
  /** A data folder searched before `NUMLAB_DATA_DIR`. */
  dataDir?: string;
  /** Allow downloading when nothing local is found. Default true. */
  download?: boolean;
  /** No progress bar or messages. */
  quiet?: boolean;
}

export interface DownloadOptions {
  /** Verify that the file is a complete gzip stream. */
  gzip?: boolean;
  /** Expected sha256 hex digest. */
  sha256?: string;
  /** Smallest acceptable size in bytes. */
  minBytes?: number;
  /** No progress bar or messages. */
  quiet?: boolean;
  /** Label of the progress bar. */
  label?: string;
  /** Extra attempts after a failed (truncated, corrupt, network) download. Default 1. */
  retries?: number;
  /**
   * Time limit in ms for the server to answer (DNS, connection and response headers) and, after
   * that, for each next piece of data. Default 60000. A time-out is not retried.
   */
  timeoutMs?: number;
  /** Where messages go (default: stderr). */
  log?: (message: string) => void;
  /** Host name lookup (default: the system's); tests pass one that never answers. */
  lookup?: LookupFunction;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  attempts: number;
}

/** An integrity failure of a downloaded or cached file. */
export class DataIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataIntegrityError";
  }
}

/** A download whose server did not answer (or stopped sending) within the time limit. */
export class DownloadTimeoutError extends Error {
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
    readonly received: number,
  ) {
    super(
      `no ${received > 0 ? "further data" : "answer"} from ${new URL(url).host} within ${formatSeconds(timeoutMs)} fetching ${url}` +
        `${received > 0 ? ` (after ${received} bytes)` : ""}: the download timed out`,
    );
    this.name = "DownloadTimeoutError";
  }
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${ms} ms`;
}

const SYSTEM_ERRORS: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a directory",
  ENOENT: "no such file or directory",
  EMFILE: "too many open files",
  EIO: "input/output error",
};

/** A system error in words, with its code: "no space left on the device (ENOSPC)". */
export function systemErrorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && SYSTEM_ERRORS[code]) return `${SYSTEM_ERRORS[code]} (${code})`;
  return (err as Error | undefined)?.message ?? String(err);
}

/** A file-system failure with the file and the step it happened in, e.g. "writing X (downloading URL): no space left on the device (ENOSPC)". */
export class DataFileError extends Error {
  /** The system error code (ENOSPC, EACCES, …), when there is one. */
  readonly code: string | undefined;
  constructor(
    readonly file: string,
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`${step} ${file}: ${systemErrorReason(cause)}`);
    this.name = "DataFileError";
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

/** Run `fn`; a file-system error it throws becomes a `DataFileError` naming `file` and `step` ("writing", "reading", …). */
export function withFileContext<T>(file: string, step: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DataFileError || typeof (err as NodeJS.ErrnoException)?.code !== "string") throw err;
    throw new DataFileError(file, step, err);
  }
}

/**
 * Check that `file` can be read as a data file: a clear error (labelled `what`) when it does not
 * exist, is a directory (naming a few of its files), or cannot be opened.
 */
export function checkDataFile(file: string, what: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new Error(`${what}: file not found: ${file}`);
    throw new Error(`${what}: cannot read ${file}: ${systemErrorReason(err)}`);
  }
  if (st.isDirectory()) {
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(file).filter((name) => !name.startsWith(".")).sort();
    } catch {
      // an unreadable folder: name none
    }
    const hint = entries.length > 0 ? ` (it holds ${entries.slice(0, 3).join(", ")}${entries.length > 3 ? `, … ${entries.length} entries` : ""})` : "";
    throw new Error(`${what}: ${file} is a directory, not a file${hint}; give the path of a data file`);
  }
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (err) {
    throw new Error(`${what}: cannot read ${file}: ${systemErrorReason(err)}`);
  }
}

let cachedRepoRoot: string | null = null;

/** The numlab package root: the nearest folder above this file whose package.json is numlab's. */
export function repoRoot(): string {
  if (cachedRepoRoot) return cachedRepoRoot;
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: string }).name === "numlab") {
          cachedRepoRoot = dir;
          return dir;
        }
      } catch {
        // unreadable package.json: keep climbing
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  cachedRepoRoot = path.resolve(__dirname, "..", "..");
  return cachedRepoRoot;
}

/**
 * True when the numlab package at `root` is an installed copy (a dependency: some folder of its
 * path is `node_modules`) rather than a repository checkout. Installed copies never write into
 * their own folder.
 */
export function isInstalledPackage(root: string = repoRoot()): boolean {
  return path.resolve(root).split(/[\\/]/).includes("node_modules");
}

/** Where `cacheDir` looks; every field defaults to this process's value (tests pass their own). */
export interface CacheDirContext {
  env?: NodeJS.ProcessEnv;
  /** The numlab package root. Default `repoRoot()`. */
  root?: string;
  platform?: NodeJS.Platform;
  home?: string;
}

/**
 * The per-user cache folder for numlab: `$XDG_CACHE_HOME/numlab` (an absolute XDG_CACHE_HOME, on
 * any system but Windows), else `~/Library/Caches/numlab` on macOS, `%LOCALAPPDATA%\numlab\Cache`
 * on Windows, `~/.cache/numlab` elsewhere.
 */
export function userCacheDir(context: Omit<CacheDirContext, "root"> = {}): string {
  const env = context.env ?? process.env;
  const platform = context.platform ?? process.platform;
  const home = context.home ?? os.homedir();
  const join = platform === "win32" ? path.win32.join : path.posix.join;
  if (platform === "win32") return join(env.LOCALAPPDATA || join(home, "AppData", "Local"), "numlab", "Cache");
  const xdg = env.XDG_CACHE_HOME?.trim();
  if (xdg && path.posix.isAbsolute(xdg)) return join(xdg, "numlab");
  if (platform === "darwin") return join(home, "Library", "Caches", "numlab");
  return join(home, ".cache", "numlab");
}

/**
 * The download cache (also holds the smoke-mode stand-ins in `smoke/`): `NUMLAB_CACHE_DIR`, else
 * `<repo>/data/cache` in a repository checkout, else `userCacheDir()` when numlab is installed as
 * a dependency (never inside `node_modules`).
 */
export function cacheDir(context: CacheDirContext = {}): string {
  const env = context.env ?? process.env;
  const fromEnv = env.NUMLAB_CACHE_DIR;
  if (fromEnv && fromEnv.trim() !== "") return path.resolve(fromEnv);
  const root = context.root ?? repoRoot();
  if (!isInstalledPackage(root)) return path.join(root, "data", "cache");
  return userCacheDir(context);
}

/** The file name a source gets in the cache (the last part of its URL path). */
export function cacheFileName(source: DataSource): string {
  const base = path.posix.basename(new URL(source.url).pathname);
  return base === "" ? source.name.replace(/[^A-Za-z0-9._-]+/g, "_") : base;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The data folders searched, in order: `dataDir`, then `NUMLAB_DATA_DIR`. */
export function dataDirs(dataDir?: string): string[] {
  const dirs: string[] = [];
  if (dataDir) dirs.push(path.resolve(dataDir));
  const env = process.env.NUMLAB_DATA_DIR;
  if (env && env.trim() !== "") dirs.push(path.resolve(env));
  return dirs;
}

/** Find a source locally (explicit path, data folders, cache) without downloading; null if absent. */
export function findLocalDataFile(source: DataSource, options: { path?: string; dataDir?: string } = {}): string | null {
  if (options.path !== undefined) return isFile(options.path) ? path.resolve(options.path) : null;
  for (const dir of dataDirs(options.dataDir)) {
    for (const name of source.fileNames) {
      const candidate = path.join(dir, name);
      if (isFile(candidate)) return candidate;
    }
  }
  const cached = path.join(cacheDir(), cacheFileName(source));
  return isFile(cached) ? cached : null;
}

/** Resolve a data file (see the module comment for the order); downloads into the cache if needed. */
export async function locateDataFile(source: DataSource, options: LocateOptions = {}): Promise<string> {
  if (options.path !== undefined) {
    checkDataFile(options.path, source.name);
    return path.resolve(options.path);
  }
  for (const dir of dataDirs(options.dataDir)) {
    for (const name of source.fileNames) {
      const candidate = path.join(dir, name);
      if (isFile(candidate)) return candidate;
    }
  }
  const log = options.quiet ? () => undefined : (m: string) => process.stderr.write(m + "\n");
  const cached = path.join(cacheDir(), cacheFileName(source));
  // a cached file that fails its check stays in place until a verified download replaces it
  let failedCheck: string | null = null;
  if (isFile(cached)) {
    try {
      await verifyCachedFile(cached, source);
      return cached;
    } catch (err) {
      if (!(err instanceof DataIntegrityError)) throw err;
      failedCheck = err.message;
      if (options.download === false) {
        throw new Error(`${source.name}: the cached file failed its check (${err.message}) and downloading is disabled; allow the download of ${source.url} or delete ${cached}`);
      }
      log(`${source.name}: cached file ${cached} failed its check (${err.message}); downloading again`);
    }
  }
  if (isSmoke() && source.smokeFixture) {
    const file = smokeFixtureFile(source);
    log(`${source.name}: smoke mode and no local copy, so using a generated stand-in (${file}); set NUMLAB_DATA_DIR for the real data`);
    return file;
  }
  if (options.download === false) {
    const searched = dataDirs(options.dataDir).map((d) => source.fileNames.map((n) => path.join(d, n)).join(", "));
    throw new Error(
      `${source.name}: no local copy (searched ${[...searched, cached].join("; ") || cached}) and downloading is disabled; ` +
        `pass a file path, set NUMLAB_DATA_DIR, or allow the download of ${source.url}`,
    );
  }
  let got: DownloadResult;
  try {
    got = await downloadFile(source.url, cached, {
      gzip: source.gzip,
      sha256: source.sha256,
      minBytes: source.minBytes,
      quiet: options.quiet,
      label: source.name,
      log,
    });
  } catch (err) {
    const stale = failedCheck === null ? "" : ` (the cached ${cached}, kept, failed its check: ${failedCheck})`;
    if (!(err instanceof DownloadTimeoutError)) {
      if (stale === "") throw err;
      throw new Error(`${(err as Error).message}${stale}`);
    }
    const places = dataDirs(options.dataDir).length > 0 ? "the data folder" : "a folder named by NUMLAB_DATA_DIR";
    throw new Error(`${source.name}: ${err.message}; check the network, or put ${source.fileNames[0]} into ${places} and run again${stale}`);
  }
  writeMarker(cached, got.sha256);
  return cached;
}

/**
 * Write a source's generated stand-in to `<cache>/smoke/` (atomically, every call: it is small and
 * seeded) and return its path. Throws if the source has none.
 */
export function smokeFixtureFile(source: DataSource): string {
  if (!source.smokeFixture) throw new Error(`${source.name}: no generated stand-in exists for this source`);
  const dir = path.join(cacheDir(), "smoke");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, cacheFileName(source).replace(/\.gz$/, ""));
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    withFileContext(file, "writing the smoke-mode stand-in", () => fs.writeFileSync(tmp, source.smokeFixture!()));
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.renameSync(tmp, file);
  return file;
}

// ---------------------------------------------------------------------------------------------
// integrity

function markerPath(file: string): string {
  return file + ".verified.json";
}

/** What `<file>.verified.json` remembers of a verified file: its size, date and (since the download) sha256. */
interface Marker {
  size: number;
  mtimeMs: number;
  sha256?: string;
}

function writeMarker(file: string, sha256: string): void {
  const st = fs.statSync(file);
  const marker: Marker = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
  withFileContext(markerPath(file), "writing the check record", () => fs.writeFileSync(markerPath(file), JSON.stringify(marker) + "\n"));
}

function readMarker(file: string): Marker | null {
  try {
    const marker = JSON.parse(fs.readFileSync(markerPath(file), "utf8")) as Partial<Marker>;
    return typeof marker.size === "number" && typeof marker.mtimeMs === "number" ? (marker as Marker) : null;
  } catch {
    return null;
  }
}

/**
 * Check a cached file. Unchanged since its last check (same size and date as its record): nothing to
 * do. Changed: a different size, or different bytes (sha256) than the record made at download, is a
 * `DataIntegrityError` — e.g. a `train.txt` cut at a line boundary, which no format check notices.
 * Without a record (a file put into the cache by hand): the source's checks (size, gzip, sha256),
 * and the record is written.
 */
async function verifyCachedFile(file: string, source: DataSource): Promise<void> {
  const marker = readMarker(file);
  const size = fs.statSync(file).size;
  if (marker && marker.size === size && marker.mtimeMs === fs.statSync(file).mtimeMs) return;
  if (marker && marker.size !== size) {
    throw new DataIntegrityError(`${file} has ${size} bytes, but ${marker.size} were downloaded and verified: it changed since (cut short or overwritten)`);
  }
  const sha256 = await sha256File(file);
  if (marker?.sha256 !== undefined && marker.sha256 !== sha256) {
    throw new DataIntegrityError(`${file} has sha256 ${sha256}, but the verified download had ${marker.sha256}: its bytes changed since`);
  }
  await verifyFile(file, { gzip: source.gzip, sha256: source.sha256, minBytes: source.minBytes });
  writeMarker(file, sha256);
}

/** Decompress a whole gzip file, discarding the output; rejects on truncation or corruption. */
export async function verifyGzip(file: string): Promise<number> {
  let out = 0;
  const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) out += chunk.length;
  };
  try {
    await pipeline(fs.createReadStream(file), zlib.createGunzip(), sink);
  } catch (err) {
    const e = err as Error & { code?: string };
    throw new DataIntegrityError(`${file} is not a complete gzip file (${e.code ?? e.message})`);
  }
  return out;
}

/** sha256 hex digest of a file. */
export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Run the checks of `opts` on a local file; throws `DataIntegrityError` naming the file. */
export async function verifyFile(file: string, opts: { gzip?: boolean; sha256?: string; minBytes?: number }): Promise<void> {
  const size = fs.statSync(file).size;
  if (opts.minBytes !== undefined && size < opts.minBytes) {
    throw new DataIntegrityError(`${file} has ${size} bytes, expected at least ${opts.minBytes}`);
  }
  if (opts.gzip) await verifyGzip(file);
  if (opts.sha256) {
    const got = await sha256File(file);
    if (got !== opts.sha256.toLowerCase()) {
      throw new DataIntegrityError(`${file}: sha256 ${got} does not match the expected ${opts.sha256}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// download

function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]" || host === "::1";
}

/**
 * Only https: URLs are fetched. Plain http: is accepted for loopback hosts only (127.0.0.1,
 * localhost, ::1), which is what the tests' local server uses.
 */
function checkUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid download URL: ${url}`);
  }
  if (u.protocol === "https:") return u;
  if (u.protocol === "http:" && isLoopback(u.hostname)) return u;
  throw new Error(`refusing to download ${url}: only https: URLs are allowed`);
}

interface FetchOutcome {
  bytes: number;
  sha256: string;
}

/**
 * One GET of `url` into `dest`. `opts.timeoutMs` is enforced by a timer of its own, started before
 * the request (a socket time-out would not cover the DNS lookup and the connection attempt, which
 * the system may keep trying for two minutes) and restarted by every piece of data received.
 * `label` names the file being written in messages (the final name, not the temporary one).
 */
function fetchOnce(url: string, dest: string, opts: DownloadOptions, label: string, redirectsLeft = 5): Promise<FetchOutcome> {
  const u = checkUrl(url);
  const client = u.protocol === "https:" ? https : http;
  const timeoutMs = opts.timeoutMs ?? 60000;
  return new Promise<FetchOutcome>((resolve, reject) => {
    let settled = false;
    let received = 0;
    let timer: NodeJS.Timeout | undefined;
    let onTimeout = (): void => undefined;
    const armTimer = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => onTimeout(), timeoutMs);
    };
    const settle = (err: Error | null, outcome?: FetchOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(outcome!);
    };
    const requestOptions: https.RequestOptions = { headers: { "user-agent": "numlab", "accept-encoding": "identity" } };
    if (opts.lookup) requestOptions.lookup = opts.lookup;
    const req = client.get(u, requestOptions, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        clearTimeout(timer);
        settled = true;
        if (redirectsLeft <= 0) return reject(new Error(`too many redirects fetching ${url}`));
        const next = new URL(res.headers.location, u).toString();
        fetchOnce(next, dest, opts, label, redirectsLeft - 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        res.resume();
        return settle(new Error(`HTTP ${status} fetching ${url}`));
      }
      armTimer();
      const lengthHeader = res.headers["content-length"];
      const expected = lengthHeader !== undefined ? Number(lengthHeader) : undefined;
      const bar = progress({ total: expected, label: opts.label ?? path.basename(dest), unit: "B", mode: opts.quiet ? "silent" : undefined });
      const hash = crypto.createHash("sha256");
      const out = fs.createWriteStream(dest);
      let failed = false;
      const fail = (err: Error): void => {
        if (failed) return;
        failed = true;
        clearTimeout(timer);
        bar.done();
        res.destroy();
        // reject only once the temp file is closed, so the caller's cleanup cannot race its creation
        if (out.closed) settle(err);
        else {
          out.once("close", () => settle(err));
          out.destroy();
        }
      };
      onTimeout = () => fail(new DownloadTimeoutError(url, timeoutMs, received));
      res.on("data", (chunk: Buffer) => {
        received += chunk.length;
        hash.update(chunk);
        bar.set(received);
        armTimer();
      });
      res.on("aborted", () => fail(new DataIntegrityError(`connection closed after ${received} bytes fetching ${url}`)));
      res.on("error", (err) => fail(new DataIntegrityError(`download of ${url} failed after ${received} bytes: ${err.message}`)));
      out.on("error", (err) => fail(new DataFileError(label, `writing the download of ${url} (after ${received} bytes) to`, err)));
      out.on("finish", () => {
        if (failed) return;
        bar.done();
        if (expected !== undefined && Number.isFinite(expected) && received !== expected) {
          failed = true;
          return settle(new DataIntegrityError(`truncated download of ${url}: got ${received} of ${expected} bytes`));
        }
        settle(null, { bytes: received, sha256: hash.digest("hex") });
      });
      res.pipe(out);
    });
    onTimeout = () => {
      settle(new DownloadTimeoutError(url, timeoutMs, 0));
      req.destroy();
    };
    armTimer();
    req.on("error", (err) => settle(err));
  });
}

/** Failures that another attempt cannot cure: a silent server (the time limit is the user's), a full or read-only disk. */
function isFinal(err: Error): boolean {
  return err instanceof DownloadTimeoutError || (err instanceof DataFileError && err.code !== undefined && err.code !== "ENOENT");
}

/**
 * Download `url` to `dest` through a temporary file in the same folder, verify it, and rename it
 * into place. A failed attempt (network error, truncation, bad gzip, wrong sha256) is reported and
 * retried `retries` times (default 1); the last error is thrown. A time-out or a write error (full
 * disk) is thrown at once, naming the file. `dest` is never left half-written.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  checkUrl(url);
  const log = opts.log ?? (opts.quiet ? () => undefined : (m: string) => process.stderr.write(m + "\n"));
  const retries = opts.retries ?? 1;
  withFileContext(path.dirname(dest), "creating the download folder", () => fs.mkdirSync(path.dirname(dest), { recursive: true }));
  let lastError: Error | null = null;
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    const tmp = `${dest}.part-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
    try {
      if (!opts.quiet) log(`downloading ${url} → ${dest}${attempt > 1 ? ` (attempt ${attempt})` : ""}`);
      const got = await fetchOnce(url, tmp, opts, dest);
      if (opts.minBytes !== undefined && got.bytes < opts.minBytes) {
        throw new DataIntegrityError(`download of ${url} has ${got.bytes} bytes, expected at least ${opts.minBytes}`);
      }
      if (opts.gzip) await verifyGzip(tmp);
      if (opts.sha256 && got.sha256 !== opts.sha256.toLowerCase()) {
        throw new DataIntegrityError(`download of ${url}: sha256 ${got.sha256} does not match the expected ${opts.sha256}`);
      }
      withFileContext(dest, `moving the verified download ${tmp} into place as`, () => fs.renameSync(tmp, dest));
      return { path: dest, bytes: got.bytes, sha256: got.sha256, attempts: attempt };
    } catch (err) {
      lastError = err as Error;
      fs.rmSync(tmp, { force: true });
      if (isFinal(lastError)) throw lastError;
      if (attempt <= retries) log(`${lastError.message}; downloading again`);
    }
  }
  throw new Error(`could not download ${url} after ${retries + 1} attempt(s): ${lastError?.message}`);
}

// ---------------------------------------------------------------------------------------------
// reading

/** True when the file starts with the gzip magic bytes 1f 8b. */
export function isGzipFile(file: string): boolean {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(2);
    const n = fs.readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The decompressed bytes of a plain or gzip file as a stream of Buffers. A truncated or corrupt
 * gzip makes the stream fail with a `DataIntegrityError` naming the file.
 */
export function openDataStream(file: string, options: { highWaterMark?: number } = {}): Readable {
  const raw = fs.createReadStream(file, { highWaterMark: options.highWaterMark ?? 1 << 20 });
  if (!isGzipFile(file)) return raw;
  const gunzip = zlib.createGunzip({ chunkSize: 1 << 18 });
  raw.on("error", (err) => gunzip.destroy(err));
  raw.pipe(gunzip);
  async function* decompressed(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (err) {
      const e = err as Error & { code?: string };
      if (e.code === "ENOENT" || e.code === "EACCES") throw err;
      throw new DataIntegrityError(`${file}: gzip data is truncated or corrupt (${e.code ?? e.message})`);
    } finally {
      raw.destroy();
    }
  }
  return Readable.from(decompressed(), { objectMode: false });
}

/** A line and its 1-based number in the file. */
export interface NumberedLine {
  line: string;
  lineNo: number;
}

/**
 * Lines of a plain or gzip text file, with their 1-based line numbers. "\n" and "\r\n" endings
 * are removed; a UTF-8 byte-order mark at the start of a line is dropped (some data files carry
 * BOMs on the first or on several lines). A final line without newline is yielded; an empty
 * final segment after the last newline is not.
 */
export async function* readNumberedLines(file: string): AsyncGenerator<NumberedLine> {
  let lineNo = 0;
  const decoder = new TextDecoder("utf-8");
  const clean = (s: string): string => {
    if (s.length > 0 && s.charCodeAt(s.length - 1) === 13) s = s.slice(0, -1);
    if (s.length > 0 && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    return s;
  };
  // the pieces of an unfinished line are kept apart and joined once its newline arrives, and each
  // chunk is searched for newlines only once: linear time even for one line of hundreds of MB
  let pending: string[] = [];
  for await (const chunk of openDataStream(file)) {
    const text = decoder.decode(chunk as Buffer, { stream: true });
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) break;
      let line = text.slice(start, nl);
      if (pending.length > 0) {
        pending.push(line);
        line = pending.join("");
        pending = [];
      }
      lineNo++;
      yield { line: clean(line), lineNo };
      start = nl + 1;
    }
    if (start < text.length) pending.push(text.slice(start));
  }
  const tail = decoder.decode();
  if (tail.length > 0) pending.push(tail);
  const rest = pending.join("");
  if (rest.length > 0) {
    lineNo++;
    yield { line: clean(rest), lineNo };
  }
}

/**
 * Lines of a plain or gzip text file as strings (see `readNumberedLines` for the rules; use that
 * one when you need line numbers for error messages).
 */
export async function* readLines(file: string): AsyncGenerator<string> {
  for await (const { line } of readNumberedLines(file)) yield line;
}
