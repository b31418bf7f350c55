/**
 * The widget library outside a kernel (plain objects with state, observers and a text fallback)
 * and its protocol helpers (buffers, state updates of both protocol versions).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "util";
import { DISPLAY_SYMBOL } from "../../src/display/bridge";
import { Button, Dropdown, FloatSlider, IntSlider, Output, Text, VBox, interact, widgetStateDocument, WIDGET_VIEW_MIME } from "../../src/widgets";
import { putBuffers, readStateUpdate, sameValue, separateBuffers, separateTopLevelBuffers } from "../../src/widgets/protocol";

test("outside a kernel a widget keeps its state, runs observers and shows as text", () => {
  const slider = new IntSlider({ value: 12, min: 0, max: 10, description: "k" });
  assert.equal(slider.value, 10, "clamped into [min, max]");
  assert.equal(slider.connected, false);
  const seen: number[] = [];
  const stop = slider.onChange((v) => seen.push(v));
  slider.value = 4;
  slider.value = 4; // no change, no call
  slider.set({ value: 7.6 });
  stop();
  slider.value = 1;
  assert.deepEqual(seen, [4, 8]);
  const bundle = slider[DISPLAY_SYMBOL]();
  assert.equal(bundle[WIDGET_VIEW_MIME], undefined, "no widget view without a front-end");
  assert.match(
    bundle["text/plain"] as string,
    /^IntSlider\(value=1, min=0, max=10, step=1, description="k"\) — a widget \(live only inside the numlab Jupyter kernel\)/,
  );
  assert.match(bundle["text/html"] as string, /type="range"/);
  assert.equal(inspect(slider), 'IntSlider(value=1, min=0, max=10, step=1, description="k")');
  assert.equal(JSON.stringify({ w: slider }), `{"w":"IPY_MODEL_${slider.modelId}"}`);
  assert.throws(() => new IntSlider({ min: 5, max: 1 }), /min \(5\) must not exceed max \(1\)/);
});

test("FloatSlider, Dropdown, Text and Button model state", async () => {
  const t = new FloatSlider({ value: 1, min: 0.1, max: 2, step: 0.05 });
  assert.equal(t.get("readout_format"), ".2f");
  t.set({ value: "1.25" });
  assert.equal(t.value, 1.25);
  const dd = new Dropdown({ options: ["red", "green", "blue"] });
  assert.equal(dd.value, "red");
  assert.equal(dd.index, 0);
  dd.value = "blue";
  assert.deepEqual([dd.index, dd.label], [2, "blue"]);
  assert.throws(() => (dd.value = "pink"), /not one of the options/);
  dd.setOptions(["x", "y"], "y");
  assert.deepEqual([dd.labels, dd.value], [["x", "y"], "y"]);
  const text = new Text({ value: "a" });
  text.set({ value: 42 });
  assert.equal(text.value, "42");
  const b = new Button({ description: "go" });
  let clicks = 0;
  b.onClick(() => {
    clicks += 1;
  });
  b.onClick(() => {
    throw new Error("a failing handler does not stop the others");
  });
  await b.click();
  assert.equal(clicks, 1);
});

test("the widget-state document lists every open widget with its model and state", () => {
  const a = new IntSlider({ value: 2 });
  const box = new VBox([a]);
  const doc = widgetStateDocument();
  assert.equal(doc.version_major, 2);
  assert.equal(doc.state[a.modelId].model_name, "IntSliderModel");
  assert.deepEqual(doc.state[box.modelId].state.children, [`IPY_MODEL_${a.modelId}`]);
  box.close();
  assert.equal(widgetStateDocument().state[box.modelId], undefined);
});

test("interact without a kernel runs fn now and again after changes (debounced)", async () => {
  const calls: number[] = [];
  const w = interact(({ k }) => void calls.push(k), { k: new IntSlider({ value: 1 }) }, { debounceMs: 10, maxWaitMs: 50 });
  assert.deepEqual(calls, [1]);
  for (const v of [2, 3, 4]) w.controls.k.value = v;
  await w.settled();
  assert.deepEqual(calls, [1, 4]);
  assert.equal(w.runs, 2);
  assert.match(w.toString(), /^Interactive\(controls=\[k=4\], runs=2\)$/);
  w.stop();
  w.controls.k.value = 9;
  await w.settled();
  assert.deepEqual(calls, [1, 4]);
});

test("Output outside a kernel records appended output and errors", () => {
  const out = new Output();
  out.appendStdout("a\n");
  out.appendStdout("b\n");
  out.appendDisplay({ "text/plain": "x", "text/html": "<i>x</i>" });
  assert.deepEqual(out.outputs, [
    { output_type: "stream", name: "stdout", text: "a\nb\n" },
    { output_type: "display_data", data: { "text/plain": "x", "text/html": "<i>x</i>" }, metadata: {} },
  ]);
  assert.match(out.snapshotHtml(), /<pre style="margin:0;">a\nb\n<\/pre><div><i>x<\/i><\/div>/);
  out.clear();
  assert.deepEqual(out.outputs, []);
});

test("binary buffers: split out of (nested) state and put back by path", () => {
  const data = new Uint8Array([1, 2, 3]);
  const state = { plain: [0, "text"], x: { ar: data }, y: [Buffer.from("ab"), 5] };
  const split = separateBuffers(state);
  assert.deepEqual(split.state, { plain: [0, "text"], x: {}, y: [null, 5] });
  assert.deepEqual(split.bufferPaths, [
    ["x", "ar"],
    ["y", 0],
  ]);
  assert.deepEqual(
    split.buffers.map((b) => [...b]),
    [
      [1, 2, 3],
      [97, 98],
    ],
  );
  assert.ok(state.x.ar === data, "the input is not modified");
  const back = putBuffers(JSON.parse(JSON.stringify(split.state)), split.bufferPaths, split.buffers);
  assert.ok(sameValue(back, { plain: [0, "text"], x: { ar: Buffer.from([1, 2, 3]) }, y: [Buffer.from("ab"), 5] }));
  const top = separateTopLevelBuffers({ a: 1, b: Buffer.from([9]) });
  assert.deepEqual([top.state, top.keys, top.buffers.map((b) => [...b])], [{ a: 1 }, ["b"], [[9]]]);
});

test("state updates of both protocol versions are read alike", () => {
  assert.deepEqual(readStateUpdate({ method: "update", state: { value: 3 }, buffer_paths: [] }, []), { value: 3 });
  assert.deepEqual(readStateUpdate({ method: "backbone", sync_data: { value: 4 } }, []), { value: 4 });
  const withBuffer = readStateUpdate({ method: "backbone", sync_data: {}, buffer_keys: ["data"] }, [Buffer.from([1])]);
  assert.deepEqual([...(withBuffer!.data as Buffer)], [1]);
  assert.equal(readStateUpdate({ method: "custom", content: {} }, []), null);
  assert.equal(readStateUpdate({ method: "request_state" }, []), null);
});
