import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDuration, progress, Progress, ProgressOptions, withProgress } from "../../src/display";
import { formatBytes, formatRate } from "../../src/display/progress";

/** A stream that records what is written, and a clock the test moves by hand. */
function fakes(isTTY: boolean) {
  const writes: string[] = [];
  const stream = { isTTY, columns: 200, write: (s: string) => (writes.push(s), true) } as unknown as NonNullable<ProgressOptions["stream"]>;
  const clock = { t: 1000 };
  return { writes, stream, clock, now: () => clock.t };
}

test("formatDuration: m:ss, h:mm:ss, ? when unknown", () => {
  assert.equal(formatDuration(0), "0:00");
  assert.equal(formatDuration(65.4), "1:05");
  assert.equal(formatDuration(3725), "1:02:05");
  assert.equal(formatDuration(NaN), "?");
  assert.equal(formatDuration(-1), "?");
});

test("text shows percent, count, elapsed, ETA, rate and the loss", () => {
  const f = fakes(true);
  const bar = progress({ total: 100, label: "train", unit: "step", mode: "silent", now: f.now });
  f.clock.t += 2000; // 2 s later, half done → 25 step/s, 2 s left
  bar.set(50, { loss: 0.123456789 });
  const text = bar.text(10);
  assert.equal(text, "train  50% |█████     | 50/100 [0:02<0:02, 25 step/s] loss=0.1235");
  assert.equal(bar.rate(), 25);
  assert.equal(bar.elapsed(), 2);
});

test("ETA follows the measured rate; slow rates keep two decimals", () => {
  const f = fakes(true);
  const bar = progress({ total: 10, mode: "silent", now: f.now });
  f.clock.t += 4000;
  bar.tick(1);
  assert.match(bar.text(0), /1\/10 \[0:04<0:36, 0\.25 it\/s\]/);
});

test("without a total: count, elapsed and rate", () => {
  const f = fakes(true);
  const bar = progress({ unit: "line", mode: "silent", now: f.now });
  f.clock.t += 500;
  bar.tick(20000);
  assert.equal(bar.text(), "20.0k line [0:01, 40.0k line/s]");
});

test("bytes: counts and rates in kB/MB/GB beside each other (not 31284492 B/s beside 7.31M)", () => {
  const f = fakes(true);
  const parse = progress({ label: "parsing OEIS", unit: "B", mode: "silent", now: f.now });
  f.clock.t += 233.7;
  parse.set(7_311_000);
  assert.equal(parse.text(), "parsing OEIS 7.31 MB [0:00, 31.3 MB/s]");
  const download = progress({ total: 29_300_000, label: "stripped.gz", unit: "B", mode: "silent", now: f.now });
  f.clock.t += 1000;
  download.set(7_310_000);
  assert.equal(download.text(0), "stripped.gz  25% || 7.31 MB/29.3 MB [0:01<0:03, 7.31 MB/s]");
  assert.deepEqual([0, 999, 1000, 312_400, 7_310_000, 1.2e9].map(formatBytes), ["0 B", "999 B", "1.00 kB", "312 kB", "7.31 MB", "1.20 GB"]);
  assert.equal(formatRate(31_284_492, "B"), "31.3 MB/s");
  assert.equal(formatRate(12_345, "step"), "12.3k step/s");
  assert.equal(formatRate(250.4, "it"), "250 it/s");
  assert.equal(formatRate(1.254, "it"), "1.25 it/s");
});

test("a TTY bar redraws in place, throttled, and ends its line once", () => {
  const f = fakes(true);
  const bar = progress({ total: 4, stream: f.stream, now: f.now, minIntervalMs: 100 });
  assert.equal(bar.mode, "tty");
  bar.tick(); // first draw
  bar.tick(); // same instant: throttled
  f.clock.t += 150;
  bar.tick(); // drawn
  bar.tick(); // reaching the total always draws
  bar.done({ loss: 1.5 });
  bar.done(); // no second final line
  assert.equal(f.writes.length, 4);
  assert.ok(f.writes.every((w) => w.startsWith("\r")));
  assert.ok(f.writes[0].includes(" 1/4 "));
  assert.ok(f.writes[2].includes(" 4/4 "));
  assert.ok(f.writes[3].endsWith("\n") && f.writes[3].includes("loss=1.500"));
  assert.equal(f.writes.filter((w) => w.endsWith("\n")).length, 1);
});

test("a log stream gets a first line, one line per tenth, then the final line", () => {
  const f = fakes(false);
  const bar = new Progress({ total: 100, stream: f.stream, now: f.now, minIntervalMs: 0 });
  assert.equal(bar.mode, "log");
  for (let i = 0; i < 100; i++) {
    f.clock.t += 10;
    bar.tick();
  }
  bar.done();
  const counts = f.writes.map((w) => /(\d+)\/100/.exec(w)?.[1]);
  assert.deepEqual(counts, ["1", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100"]);
  assert.ok(f.writes.every((w) => w.endsWith("\n") && !w.includes("\r")));
});

test("the notebook HTML has a <progress> element and escapes the label", () => {
  const f = fakes(false);
  const bar = progress({ total: 8, label: "<fit>", mode: "silent", now: f.now });
  bar.set(3);
  const html = bar.html();
  assert.ok(html.includes('<progress value="3" max="8"'));
  assert.ok(html.includes("&lt;fit&gt;"));
  assert.ok(!html.includes("<fit>"));
});

test("notebook mode outside a kernel draws nothing and does not throw", () => {
  const bar = progress({ total: 2, mode: "notebook" });
  bar.tick();
  bar.tick();
  bar.done();
  assert.equal(bar.value, 2);
});

test("withProgress yields every item and counts them", () => {
  const f = fakes(false);
  const seen = [...withProgress(["a", "b", "c"], { stream: f.stream, now: f.now, minIntervalMs: 0 })];
  assert.deepEqual(seen, ["a", "b", "c"]);
  assert.ok(f.writes[f.writes.length - 1].includes("3/3"));
});
