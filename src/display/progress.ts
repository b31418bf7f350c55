/**
 * Progress for long work: an HTML bar updated in place in notebooks (display ids), a one-line
 * bar redrawn on a TTY, and a line every 10% when stderr is a log file. Shows count, rate, ETA
 * and caller-provided figures such as the loss.
 */
import { inKernel, newId, sendDisplay } from "./bridge";
import { escapeHtml } from "./html";

export type ProgressMode = "notebook" | "tty" | "log" | "silent";

export interface ProgressOptions {
  total?: number;
  label?: string;
  unit?: string;
  /** Force a mode; by default: notebook in a kernel, tty when stderr is a TTY, else log. */
  mode?: ProgressMode;
  /** Minimum milliseconds between redraws. Default 150. */
  minIntervalMs?: number;
  /** Where tty/log output goes. Default process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Clock, for tests. */
  now?: () => number;
}

export type Postfix = Record<string, number | string>;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}` : `${m}:${String(sec).padStart(2, "0")}`;
}

function formatPostfix(postfix: Postfix): string {
  return Object.entries(postfix)
    .map(([k, v]) => `${k}=${typeof v === "number" ? (Number.isInteger(v) ? v : v.toPrecision(4)) : v}`)
    .join(" ");
}

function formatCount(n: number): string {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + "G";
  if (n >= 1e6) return (n / 1e6).toFixed(2) + "M";
  if (n >= 1e4) return (n / 1e3).toFixed(1) + "k";
  return String(Math.round(n));
}

/** Bytes in decimal units with three significant digits: `512 B`, `312 kB`, `7.31 MB`, `1.20 GB`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return "?";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let k = 0;
  while (k < units.length - 1 && Math.abs(n) >= 1000) {
    n /= 1000;
    k++;
  }
  return k === 0 ? `${Math.round(n)} B` : `${n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)} ${units[k]}`;
}

/** A rate: `29.3 MB/s` for bytes, `12.3k step/s` past 10,000, `250 it/s`, `1.25 it/s`. */
export function formatRate(perSecond: number, unit: string): string {
  if (unit === "B") return `${formatBytes(perSecond)}/s`;
  const n = perSecond >= 1e4 ? formatCount(perSecond) : perSecond.toFixed(perSecond < 10 ? 2 : 0);
  return `${n} ${unit}/s`;
}

export class Progress {
  readonly mode: ProgressMode;
  readonly total?: number;
  readonly label: string;
  readonly unit: string;
  private count = 0;
  private postfix: Postfix = {};
  private readonly start: number;
  private lastDraw = -Infinity;
  private lastLoggedDecile = -1;
  private readonly displayId = newId("progress");
  private shown = false;
  private finished = false;
  private readonly stream: NonNullable<ProgressOptions["stream"]>;
  private readonly now: () => number;
  private readonly minInterval: number;

  constructor(options: ProgressOptions = {}) {
    this.total = options.total;
    this.label = options.label ?? "";
    this.unit = options.unit ?? "it";
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? (() => performance.now());
    this.minInterval = options.minIntervalMs ?? 150;
    this.mode = options.mode ?? (inKernel() ? "notebook" : this.stream.isTTY ? "tty" : "log");
    this.start = this.now();
  }

  get value(): number {
    return this.count;
  }

  /** Seconds since the bar started. */
  elapsed(): number {
    return (this.now() - this.start) / 1000;
  }

  /** Items per second so far. */
  rate(): number {
    const t = this.elapsed();
    return t > 0 ? this.count / t : 0;
  }

  /** Advance by `n` (default 1) and optionally set figures shown after the bar. */
  tick(n = 1, postfix?: Postfix): void {
    this.set(this.count + n, postfix);
  }

  /** Set the absolute count. */
  set(count: number, postfix?: Postfix): void {
    this.count = count;
    if (postfix) this.postfix = { ...this.postfix, ...postfix };
    const t = this.now();
    if (t - this.lastDraw >= this.minInterval || (this.total !== undefined && count >= this.total)) {
      this.lastDraw = t;
      this.draw(false);
    }
  }

  /** The bar as one line of text. */
  text(width = 30): string {
    const rate = this.rate();
    const parts: string[] = [];
    if (this.label) parts.push(this.label);
    if (this.total !== undefined && this.total > 0) {
      const frac = Math.min(1, this.count / this.total);
      const filled = Math.round(frac * width);
      parts.push(`${(frac * 100).toFixed(0).padStart(3)}% |${"█".repeat(filled)}${" ".repeat(width - filled)}|`);
      parts.push(this.unit === "B" ? `${formatBytes(this.count)}/${formatBytes(this.total)}` : `${formatCount(this.count)}/${formatCount(this.total)}`);
      const eta = rate > 0 ? (this.total - this.count) / rate : NaN;
      parts.push(`[${formatDuration(this.elapsed())}<${formatDuration(eta)}, ${formatRate(rate, this.unit)}]`);
    } else {
      parts.push(this.unit === "B" ? formatBytes(this.count) : `${formatCount(this.count)} ${this.unit}`);
      parts.push(`[${formatDuration(this.elapsed())}, ${formatRate(rate, this.unit)}]`);
    }
    const pf = formatPostfix(this.postfix);
    if (pf) parts.push(pf);
    return parts.join(" ");
  }

  /** The bar as HTML (a <progress> element and the text). */
  html(): string {
    const max = this.total && this.total > 0 ? this.total : 1;
    const value = this.total && this.total > 0 ? Math.min(this.count, this.total) : 0;
    const bar = this.total ? `<progress value="${value}" max="${max}" style="width:40%;vertical-align:middle"></progress> ` : "";
    return `<div class="numlab-progress" style="font-family:monospace">${bar}${escapeHtml(this.text(0).replace(/\|\s*\|/, ""))}</div>`;
  }

  private draw(final: boolean): void {
    switch (this.mode) {
      case "notebook": {
        const bundle = { "text/html": this.html(), "text/plain": this.text() };
        sendDisplay(bundle, { displayId: this.displayId, update: this.shown });
        this.shown = true;
        break;
      }
      case "tty": {
        const cols = this.stream.columns ?? 100;
        const line = this.text().slice(0, Math.max(20, cols - 1));
        this.stream.write(`\r${line}\x1b[K${final ? "\n" : ""}`);
        break;
      }
      case "log": {
        const decile = this.total ? Math.floor((10 * this.count) / this.total) : -1;
        if (final || (decile > this.lastLoggedDecile && decile < 10)) {
          this.lastLoggedDecile = decile;
          this.stream.write(this.text() + "\n");
        }
        break;
      }
      case "silent":
        break;
    }
  }

  /** Draw the final state and end the line. */
  done(postfix?: Postfix): void {
    if (this.finished) return;
    this.finished = true;
    if (postfix) this.postfix = { ...this.postfix, ...postfix };
    this.draw(true);
  }
}

export function progress(options: ProgressOptions = {}): Progress {
  return new Progress(options);
}

/** Iterate with a progress bar. */
export function* withProgress<T>(items: Iterable<T> & { length?: number }, options: ProgressOptions = {}): Generator<T> {
  const bar = new Progress({ total: options.total ?? items.length, ...options });
  try {
    for (const item of items) {
      yield item;
      bar.tick();
    }
  } finally {
    bar.done();
  }
}
