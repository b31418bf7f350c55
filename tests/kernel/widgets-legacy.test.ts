/**
 * Widget protocol version 1 at the message level, as the classic Notebook's jupyter-js-widgets 2.1
 * (Debian 12: jupyter-nbextension-jupyter-js-widgets 6.0.0) speaks it: the jupyter.widget.version
 * handshake, flat comm_open states with module "jupyter-js-widgets" ~2.1.0, display through a
 * comm message, `backbone` syncs without echo, Dropdown by label, and the Output widget capturing
 * by `msg_id`.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { KernelHarness, commData, content } from "./harness";
import { Message } from "../../src/kernel/wire";
import { kernelLink } from "../../src/widgets/link";
import { Dropdown, IntSlider, Output, Text, interact, WIDGET_VIEW_MIME } from "../../src/widgets";

const h = new KernelHarness();
after(async () => {
  await h.settle();
  h.close();
});

function openState(modelId: string): Record<string, unknown> {
  const open = h.of("comm_open").find((m) => content(m).comm_id === modelId);
  assert.ok(open, `no comm_open for ${modelId}`);
  return commData(open);
}

function commMsgs(commId: string): Record<string, unknown>[] {
  return h.of("comm_msg", commId).map((m) => commData(m));
}

test("the jupyter.widget.version handshake switches the kernel to protocol 1", async () => {
  const sent = await h.send("comm_open", { comm_id: "version-comm", target_name: "jupyter.widget.version", data: {} });
  assert.deepEqual(commData(sent.iopub.find((m) => m.header.msg_type === "comm_msg")), { version: "~2.1.0" });
  await h.commMsg("version-comm", { validated: true, frontend_version: "2.1.4" });
  assert.deepEqual(kernelLink()!.widgetProtocol(), { major: 1, source: "jupyter.widget.version", frontendVersion: "2.1.4" });
});

test("widgets open with their whole state as comm data, jupyter-js-widgets ~2.1.0 models", async () => {
  h.clear();
  let slider: IntSlider | null = null;
  let text: Text | null = null;
  await h.execute(() => {
    slider = new IntSlider({ value: 3, max: 9, description: "k" });
    text = new Text({ value: "hi" });
  });
  const state = openState(slider!.modelId);
  const open = h.of("comm_open").find((m) => content(m).comm_id === slider!.modelId)!;
  assert.deepEqual(open.metadata, {}, "no protocol version in version 1");
  assert.equal(state._model_module, "jupyter-js-widgets");
  assert.equal(state._model_module_version, "~2.1.0");
  assert.equal(state._model_name, "IntSliderModel");
  assert.equal(state._view_module, "jupyter-js-widgets");
  assert.equal(state._view_name, "IntSliderView");
  assert.equal(state.msg_throttle, 1);
  assert.equal(state.value, 3);
  assert.ok(!("state" in state) && !("buffer_paths" in state));
  const layout = openState(String(state.layout).slice("IPY_MODEL_".length));
  assert.equal(layout._model_name, "LayoutModel");
  assert.equal(layout._model_module, "jupyter-js-widgets");
  assert.ok(!Object.keys(layout).some((k) => k.startsWith("grid_") || k.startsWith("border_")), "attributes version 1 does not know are left out");
  const style = openState(String(state.style).slice("IPY_MODEL_".length));
  assert.equal(style._model_name, "SliderStyleModel");
  // version 1 has no TextStyle: the Text widget carries no style and no such model is opened
  const textState = openState(text!.modelId);
  assert.ok(!("style" in textState));
  assert.equal(h.widgetOpens("TextStyleModel").length, 0);
});

test("a widget as the last value: a display comm message and a display_data without text (no Out[n])", async () => {
  h.clear();
  let slider: IntSlider | null = null;
  const sent = await h.execute(() => (slider = new IntSlider({ value: 2 })));
  const types = sent.iopub.map((m) => m.header.msg_type);
  assert.ok(!types.includes("execute_result"), types.join(", "));
  const display = sent.iopub.find((m) => m.header.msg_type === "comm_msg" && commData(m).method === "display");
  assert.ok(display, "display through the comm");
  assert.equal(content(display).comm_id, slider!.modelId);
  const [data] = sent.iopub.filter((m) => m.header.msg_type === "display_data");
  assert.deepEqual(content(data).data, { [WIDGET_VIEW_MIME]: { model_id: slider!.modelId } });
  assert.ok(sent.iopub.indexOf(display!) < sent.iopub.indexOf(data));
});

test("backbone syncs from the front-end: applied without echo; corrections go back as updates", async () => {
  h.clear();
  let slider: IntSlider | null = null;
  await h.execute(() => {
    slider = new IntSlider({ value: 1, max: 10 });
  });
  let sent = await h.commMsg(slider!.modelId, { method: "backbone", sync_data: { value: 6 }, buffer_keys: [] });
  assert.equal(slider!.value, 6);
  assert.deepEqual(
    sent.iopub.map((m) => m.header.msg_type),
    ["status", "status"],
    "only busy and idle: the idle lets the front-end send its next (throttled) change",
  );
  sent = await h.commMsg(slider!.modelId, { method: "backbone", sync_data: { value: 500 } });
  assert.deepEqual(
    sent.iopub.filter((m) => m.header.msg_type === "comm_msg").map((m) => commData(m)),
    [{ method: "update", state: { value: 10 }, buffers: [] }],
  );
});

test("Dropdown: version 1 selects by label (`value`), numlab keeps the index", async () => {
  h.clear();
  let dd: Dropdown<number> | null = null;
  await h.execute(() => {
    dd = new Dropdown({ options: { one: 1, two: 2, three: 3 }, value: 2 });
  });
  const state = openState(dd!.modelId);
  assert.equal(state.value, "two");
  assert.ok(!("index" in state));
  assert.deepEqual(state._options_labels, ["one", "two", "three"]);
  await h.commMsg(dd!.modelId, { method: "backbone", sync_data: { value: "three" } });
  assert.equal(dd!.value, 3);
  h.clear();
  h.inRequest(() => (dd!.value = 1));
  await h.flush();
  assert.deepEqual(commMsgs(dd!.modelId), [{ method: "update", state: { value: "one" }, buffers: [] }]);
});

test("Output captures by msg_id: outputs are published under the widget's own parent id", async () => {
  h.clear();
  let out: Output | null = null;
  const sent = await h.execute(() => {
    out = new Output();
    console.log("cell line");
    out.capture(
      () => {
        console.log("captured line");
      },
      { clear: true },
    );
  });
  const updates = commMsgs(out!.modelId);
  assert.equal(updates.length, 2);
  const msgId = (updates[0].state as { msg_id: string }).msg_id;
  assert.match(msgId, /^numlab-output-/);
  assert.deepEqual(updates[1], { method: "update", state: { msg_id: "" }, buffers: [] });
  assert.ok(!updates.some((u) => "outputs" in (u.state as object)), "version 1 has no `outputs` attribute");
  const routed = h.iopub.filter((m: Message) => m.parent_header.msg_id === msgId).map((m) => [m.header.msg_type, content(m)]);
  assert.deepEqual(routed, [
    ["clear_output", { wait: true }],
    ["stream", { name: "stdout", text: "captured line\n" }],
  ]);
  const cellStreams = sent.iopub.filter((m) => m.header.msg_type === "stream").map((m) => content(m).text);
  assert.deepEqual(cellStreams, ["cell line\n"]);
  // the kernel keeps a copy for snapshots
  assert.deepEqual(out!.outputs, [{ output_type: "stream", name: "stdout", text: "captured line\n" }]);
});

test("interact re-runs after a backbone sync, its output routed into the Output widget", async () => {
  h.clear();
  let w: ReturnType<typeof interact<{ k: IntSlider }>> | null = null;
  await h.execute(() => {
    w = interact(({ k }) => console.log(`k = ${k}`), { k: new IntSlider({ value: 1 }) }, { debounceMs: 20 });
    return w;
  });
  h.clear();
  await h.commMsg(w!.controls.k.modelId, { method: "backbone", sync_data: { value: 8 } });
  await w!.settled();
  await h.settle();
  const outId = w!.output.modelId;
  const setId = commMsgs(outId).find((u) => ((u.state as { msg_id?: string }).msg_id ?? "") !== "");
  assert.ok(setId);
  const id = (setId!.state as { msg_id: string }).msg_id;
  const streams = h.iopub.filter((m) => m.parent_header.msg_id === id && m.header.msg_type === "stream").map((m) => content(m).text);
  assert.deepEqual(streams, ["k = 8\n"]);
});

test("a classic front-end attaching later gets widgets made under 2.1 in its own protocol (request_state)", async () => {
  const link = kernelLink()!;
  link.setWidgetProtocol(2);
  let slider: IntSlider | null = null;
  await h.execute(() => {
    slider = new IntSlider({ value: 5 });
  });
  assert.equal((openState(slider!.modelId).state as Record<string, unknown>)._model_module, "@jupyter-widgets/controls");
  link.setWidgetProtocol(null); // back to what the handshake said: version 1
  const info = await h.send("comm_info_request", { target_name: "jupyter.widget" });
  assert.ok(slider!.modelId in (content(info.reply).comms as Record<string, unknown>));
  const sent = await h.commMsg(slider!.modelId, { method: "request_state" });
  const [update] = sent.iopub.filter((m) => m.header.msg_type === "comm_msg").map((m) => commData(m));
  assert.equal(update.method, "update");
  const state = update.state as Record<string, unknown>;
  assert.equal(state._model_module, "jupyter-js-widgets");
  assert.equal(state._model_name, "IntSliderModel");
  assert.equal(state.value, 5);
  assert.deepEqual(update.buffers, []);
});
