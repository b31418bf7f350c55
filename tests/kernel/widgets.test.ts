/**
 * The @jupyter-widgets protocol 2.1 at the message level, as JupyterLab 4 + jupyterlab_widgets
 * (and nbclient, when it saves widget state) see it: comm_open states checked against the
 * ipywidgets 8 model schema (fixtures/widget-models-v2.json), display, update / echo_update /
 * request_state / custom, the Output widget's `outputs` and `interact` re-runs.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { KernelHarness, commData, content } from "./harness";
import { Message } from "../../src/kernel/wire";
import { table } from "../../src/display/table";
import { clearOutput, display } from "../../src/display/bridge";
import {
  Button,
  Checkbox,
  Dropdown,
  FloatSlider,
  HBox,
  HTML,
  IntSlider,
  IntText,
  Label,
  Output,
  Text,
  Textarea,
  VBox,
  Widget,
  interact,
  WIDGET_VIEW_MIME,
} from "../../src/widgets";

interface SchemaModel {
  model: { module: string; name: string; version: string };
  view: { module: string; name: string | null; version: string };
  attributes: Record<string, unknown>;
}
const schema = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "widget-models-v2.json"), "utf8")) as { models: Record<string, SchemaModel> };

const h = new KernelHarness();
after(async () => {
  await h.settle();
  h.close();
});

function openOf(modelId: string): Message {
  const open = h.of("comm_open").find((m) => content(m).comm_id === modelId);
  assert.ok(open, `no comm_open for ${modelId}`);
  return open!;
}

function stateOf(modelId: string): Record<string, unknown> {
  return (commData(openOf(modelId)).state ?? {}) as Record<string, unknown>;
}

function updates(commId: string, method = "update"): Record<string, unknown>[] {
  return h
    .of("comm_msg", commId)
    .map((m) => commData(m))
    .filter((d) => d.method === method)
    .map((d) => d.state as Record<string, unknown>);
}

test("every widget opens a jupyter.widget comm with the ipywidgets 8 model state (protocol 2.1.0)", async () => {
  h.clear();
  const made: Widget[] = [];
  await h.execute(() => {
    const slider = new IntSlider({ value: 3, min: 1, max: 9, description: "k" });
    const float = new FloatSlider({ value: 0.5, min: 0, max: 2, step: 0.05 });
    const controls: Widget[] = [
      slider,
      float,
      new IntText({ value: 12 }),
      new Dropdown({ options: ["a", "b", "c"], value: "b" }),
      new Text({ value: "hi" }),
      new Textarea({ value: "x\ny", rows: 3 }),
      new Checkbox({ value: true, description: "on" }),
      new Button({ description: "go" }),
      new HTML({ value: "<b>x</b>" }),
      new Label({ value: "label" }),
      new Output(),
    ];
    made.push(...controls, new HBox([slider, float]), new VBox(controls.slice(2, 4)));
  });
  for (const widget of made) {
    const open = openOf(widget.modelId);
    assert.equal(content(open).target_name, "jupyter.widget");
    assert.deepEqual(open.metadata, { version: "2.1.0" }, "protocol version in the comm_open metadata");
    const data = commData(open);
    assert.deepEqual(Object.keys(data).sort(), ["buffer_paths", "state"]);
    assert.deepEqual(data.buffer_paths, []);
    const state = data.state as Record<string, unknown>;
    const spec = schema.models[widget.modelName];
    assert.ok(spec, `${widget.modelName} is in the schema`);
    assert.deepEqual(Object.keys(state).sort(), Object.keys(spec.attributes).sort(), `${widget.modelName}: attribute names`);
    assert.equal(state._model_module, spec.model.module);
    assert.equal(state._model_module_version, spec.model.version);
    assert.equal(state._model_name, spec.model.name);
    assert.equal(state._view_module, spec.view.module);
    assert.equal(state._view_module_version, spec.view.version);
    assert.equal(state._view_name, spec.view.name);
    for (const [name, def] of Object.entries(spec.attributes)) {
      if (def && typeof def === "object" && "reference" in def) {
        // "reference to new instance": a model opened before this one
        const ref = String(state[name]);
        assert.match(ref, /^IPY_MODEL_[0-9a-f]{32}$/, `${widget.modelName}.${name}`);
        const target = openOf(ref.slice("IPY_MODEL_".length));
        assert.ok(h.iopub.indexOf(target) < h.iopub.indexOf(open), `${name} opened first`);
        assert.equal((commData(target).state as Record<string, unknown>)._model_name, `${(def as { reference: string }).reference}Model`);
      }
    }
  }
  // the values given, the schema's defaults elsewhere
  const [slider, float, intText, dropdown, text, textarea, checkbox] = made;
  assert.deepEqual(pick(stateOf(slider.modelId), ["value", "min", "max", "step", "description", "readout_format", "continuous_update", "orientation"]), {
    value: 3,
    min: 1,
    max: 9,
    step: 1,
    description: "k",
    readout_format: "d",
    continuous_update: true,
    orientation: "horizontal",
  });
  assert.deepEqual(pick(stateOf(float.modelId), ["value", "step", "readout_format"]), { value: 0.5, step: 0.05, readout_format: ".2f" });
  assert.deepEqual(pick(stateOf(intText.modelId), ["value", "continuous_update"]), { value: 12, continuous_update: false });
  assert.deepEqual(pick(stateOf(dropdown.modelId), ["_options_labels", "index"]), { _options_labels: ["a", "b", "c"], index: 1 });
  assert.deepEqual(pick(stateOf(text.modelId), ["value", "placeholder"]), { value: "hi", placeholder: "\u200b" });
  assert.equal(stateOf(textarea.modelId).rows, 3);
  assert.equal(stateOf(checkbox.modelId).value, true);
  const hbox = made[made.length - 2];
  assert.deepEqual(stateOf(hbox.modelId).children, [`IPY_MODEL_${slider.modelId}`, `IPY_MODEL_${float.modelId}`]);
});

function pick(state: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, state[k]]));
}

test("a widget as the cell's last value: execute_result with the widget view, a text fallback and a snapshot", async () => {
  h.clear();
  let slider: IntSlider | null = null;
  const sent = await h.execute(() => (slider = new IntSlider({ value: 4, max: 10, description: "k" })));
  const [result] = sent.iopub.filter((m) => m.header.msg_type === "execute_result");
  const data = content(result).data as Record<string, unknown>;
  assert.deepEqual(data[WIDGET_VIEW_MIME], { version_major: 2, version_minor: 0, model_id: slider!.modelId });
  assert.match(
    data["text/plain"] as string,
    /^IntSlider\(value=4, min=0, max=10, step=1, description="k"\) — a live widget: it needs a Jupyter front-end with widget support/,
  );
  assert.match(data["text/html"] as string, /<input type="range" disabled min="0" max="10" step="1" value="4"/);
  assert.match(data["text/html"] as string, /Static snapshot of a live widget/);
  assert.doesNotMatch(data["text/html"] as string, /<script/i);
  // widgets are opened before they are shown
  assert.ok(h.iopub.indexOf(openOf(slider!.modelId)) < h.iopub.indexOf(result));
});

test("front-end updates: echo_update to every front-end, no update back, observers run", async () => {
  h.clear();
  let slider: IntSlider | null = null;
  const seen: unknown[] = [];
  await h.execute(() => {
    slider = new IntSlider({ value: 1, max: 10 });
    slider.onChange((v, change) => seen.push([v, change.source]));
  });
  const id = slider!.modelId;
  const sent = await h.commMsg(id, { method: "update", state: { value: 7 }, buffer_paths: [] });
  assert.equal(slider!.value, 7);
  assert.deepEqual(seen, [[7, "frontend"]]);
  const comms = sent.iopub.filter((m) => m.header.msg_type === "comm_msg");
  assert.deepEqual(
    comms.map((m) => commData(m)),
    [{ method: "echo_update", state: { value: 7 }, buffer_paths: [] }],
    "the echo (parent: the update) and nothing else",
  );
  assert.deepEqual(
    sent.iopub.filter((m) => m.header.msg_type === "status").map((m) => content(m).execution_state),
    ["busy", "idle"],
  );

  // a value the kernel corrects: echoed as sent, then the corrected value as a plain update
  const clamp = await h.commMsg(id, { method: "update", state: { value: 99 }, buffer_paths: [] });
  assert.deepEqual(
    clamp.iopub.filter((m) => m.header.msg_type === "comm_msg").map((m) => commData(m)),
    [
      { method: "echo_update", state: { value: 99 }, buffer_paths: [] },
      { method: "update", state: { value: 10 }, buffer_paths: [] },
    ],
  );
  assert.equal(slider!.value, 10);

  // kernel-side changes go out as updates; unknown attributes are refused
  h.clear();
  h.inRequest(() => slider!.set({ max: 20, value: 15 }));
  await h.flush();
  assert.deepEqual(updates(id), [{ max: 20, value: 15 }]);
  assert.throws(() => slider!.set({ colour: "red" }), /no attribute "colour"/);

  // request_state: the whole state
  const full = await h.commMsg(id, { method: "request_state" });
  const [state] = full.iopub.filter((m) => m.header.msg_type === "comm_msg").map((m) => commData(m).state as Record<string, unknown>);
  assert.equal(state._model_name, "IntSliderModel");
  assert.equal(state.value, 15);
  assert.equal(state.max, 20);
});

test("Dropdown selects by index; Text, Checkbox and IntText coerce what front-ends send", async () => {
  h.clear();
  let dd: Dropdown<number> | null = null;
  let text: Text | null = null;
  let box: Checkbox | null = null;
  let n: IntText | null = null;
  await h.execute(() => {
    dd = new Dropdown({
      options: [
        ["one", 1],
        ["two", 2],
        ["three", 3],
      ] as const,
      value: 2,
    });
    text = new Text();
    box = new Checkbox();
    n = new IntText();
  });
  assert.equal(dd!.value, 2);
  await h.commMsg(dd!.modelId, { method: "update", state: { index: 2 }, buffer_paths: [] });
  assert.equal(dd!.value, 3);
  assert.equal(dd!.label, "three");
  h.clear();
  h.inRequest(() => (dd!.value = 1));
  await h.flush();
  assert.deepEqual(updates(dd!.modelId), [{ index: 0 }]);
  await h.commMsg(text!.modelId, { method: "update", state: { value: "1, 2, 3" }, buffer_paths: [] });
  assert.equal(text!.value, "1, 2, 3");
  await h.commMsg(box!.modelId, { method: "update", state: { value: true }, buffer_paths: [] });
  assert.equal(box!.value, true);
  await h.commMsg(n!.modelId, { method: "update", state: { value: 41.6 }, buffer_paths: [] });
  assert.equal(n!.value, 42);
});

test("a button click runs its handlers as a small cell, output to the click's comm_msg", async () => {
  h.clear();
  let button: Button | null = null;
  let clicks = 0;
  await h.execute(() => {
    button = new Button({ description: "go" });
    button.onClick(() => {
      clicks += 1;
      console.log(`clicked ${clicks}`);
    });
  });
  const sent = await h.commMsg(button!.modelId, { method: "custom", content: { event: "click" } });
  assert.equal(clicks, 1);
  const [stream] = sent.iopub.filter((m) => m.header.msg_type === "stream");
  assert.deepEqual(content(stream), { name: "stdout", text: "clicked 1\n" });
});

test("Output.capture: console, display and clear_output go into `outputs`, not into the cell", async () => {
  h.clear();
  let out: Output | null = null;
  const sent = await h.execute(() => {
    out = new Output();
    console.log("before capture");
    out.capture(() => {
      console.log("scratch");
      clearOutput();
      console.log("line 1");
      console.log("line 2");
      display(table([{ x: 1, y: 2 }])); // through the bridge, as numlab's show/showTable do
    });
    out.capture(() => {
      throw new RangeError("inside the widget");
    });
    console.log("after capture");
  });
  const streams = sent.iopub.filter((m) => m.header.msg_type === "stream").map((m) => content(m).text);
  assert.deepEqual(streams, ["before capture\n", "after capture\n"], "captured output stays out of the cell");
  assert.equal(sent.iopub.filter((m) => m.header.msg_type === "display_data").length, 0);
  const outputs = out!.outputs;
  assert.equal(outputs.length, 3);
  assert.deepEqual(outputs[0], { output_type: "stream", name: "stdout", text: "line 1\nline 2\n" });
  assert.equal(outputs[1].output_type, "display_data");
  assert.match((outputs[1] as { data: Record<string, string> }).data["text/html"], /<table/);
  assert.equal(outputs[2].output_type, "error");
  assert.equal((outputs[2] as { ename: string }).ename, "RangeError");
  // the front-end got the outputs as state updates (one per capture), children of the cell
  const sentOutputs = updates(out!.modelId).map((s) => s.outputs as unknown[]);
  assert.equal(sentOutputs.length, 2);
  assert.deepEqual(sentOutputs[1], outputs);
  assert.ok(h.of("comm_msg", out!.modelId).every((m) => m.parent_header.msg_id === sent.request.header.msg_id));
  assert.ok(!updates(out!.modelId).some((s) => "msg_id" in s), "protocol 2 never routes by msg_id");
});

test("interact: first run in the cell, debounced re-runs after front-end changes, output replaced", async () => {
  h.clear();
  let w: ReturnType<typeof interact<{ k: IntSlider; word: Text }>> | null = null;
  const cell = await h.execute(() => {
    w = interact(
      ({ k, word }) => table([{ k, word, twice: 2 * k }]),
      { k: new IntSlider({ value: 2, max: 50 }), word: new Text({ value: "a" }) },
      { debounceMs: 30, maxWaitMs: 200 },
    );
    return w;
  });
  const out = w!.output;
  assert.equal(w!.runs, 1);
  assert.match((out.outputs[0] as { data: Record<string, string> }).data["text/plain"], /2\s+a\s+4/);
  const [result] = cell.iopub.filter((m) => m.header.msg_type === "execute_result");
  assert.match((content(result).data as Record<string, string>)["text/html"], /<table[^]*twice/, "the snapshot shows the first run's table");

  // five quick slider moves: one (or two, with maxWait) re-runs, with the last value
  const slider = w!.controls.k;
  let last: Message | null = null;
  for (const v of [3, 4, 5, 6, 7]) last = (await h.commMsg(slider.modelId, { method: "update", state: { value: v }, buffer_paths: [] })).request;
  await w!.settled();
  await h.settle();
  assert.ok(w!.runs >= 2 && w!.runs <= 3, `runs: ${w!.runs}`);
  assert.match((out.outputs[0] as { data: Record<string, string> }).data["text/plain"], /7\s+a\s+14/);
  assert.equal(out.outputs.length, 1, "each run replaces the previous output");
  const lastUpdate = h.of("comm_msg", out.modelId).pop()!;
  assert.equal(lastUpdate.parent_header.msg_id, last!.header.msg_id, "the re-run's output is a child of the change that caused it");
  assert.ok(w!.lastRunMs >= 0);

  // typing in the text box
  await h.commMsg(w!.controls.word.modelId, { method: "update", state: { value: "abc" }, buffer_paths: [] });
  await w!.settled();
  assert.match((out.outputs[0] as { data: Record<string, string> }).data["text/plain"], /7\s+abc\s+14/);
});

test("a comm_close from the front-end disconnects the widget", async () => {
  let label: Label | null = null;
  await h.execute(() => {
    label = new Label({ value: "x" });
  });
  assert.equal(label!.connected, true);
  await h.send("comm_close", { comm_id: label!.modelId, data: {} });
  assert.equal(label!.connected, false);
  h.clear();
  h.inRequest(() => (label!.value = "y")); // still works locally, nothing sent
  await h.flush();
  assert.equal(h.of("comm_msg").length, 0);
  assert.equal(label!.value, "y");
});
