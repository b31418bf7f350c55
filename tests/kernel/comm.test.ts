/**
 * Jupyter comms at the message level (messaging spec 5.x "Custom messages"): comm_open / comm_msg
 * / comm_close both ways with buffers, comm_info_request, unknown targets, ordering with cells,
 * and the widget handshakes (jupyter.widget.version, jupyter.widget.control).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { KernelHarness, commData, content } from "./harness";
import { kernelLink } from "../../src/widgets/link";
import { IntSlider } from "../../src/widgets";

const h = new KernelHarness();
after(async () => {
  await h.settle();
  h.close();
});

function statuses(messages: { header: { msg_type: string }; content: unknown }[]): string[] {
  return messages.filter((m) => m.header.msg_type === "status").map((m) => (m.content as { execution_state: string }).execution_state);
}

test("comm_info_request lists the open comms, optionally of one target", async () => {
  const link = kernelLink()!;
  assert.ok(link, "the kernel puts its link on globalThis");
  let sent = await h.send("comm_info_request", {});
  assert.deepEqual(content(sent.reply), { status: "ok", comms: {} });
  const a = link.openComm("test.a", { hello: 1 });
  const b = link.openComm("test.b", {});
  sent = await h.send("comm_info_request", {});
  assert.equal(sent.reply?.header.msg_type, "comm_info_reply");
  assert.deepEqual(content(sent.reply).comms, { [a.commId]: { target_name: "test.a" }, [b.commId]: { target_name: "test.b" } });
  sent = await h.send("comm_info_request", { target_name: "test.b" });
  assert.deepEqual(content(sent.reply).comms, { [b.commId]: { target_name: "test.b" } });
  assert.deepEqual(statuses(sent.iopub), ["busy", "idle"]);
  a.close();
  b.close();
  await h.flush();
  const closes = h.of("comm_close").map((m) => content(m).comm_id);
  assert.deepEqual(closes, [a.commId, b.commId]);
  sent = await h.send("comm_info_request", {});
  assert.deepEqual(content(sent.reply).comms, {});
});

test("a kernel comm_open carries data, metadata and buffers on IOPub", async () => {
  h.clear();
  const link = kernelLink()!;
  const comm = link.openComm("test.open", { x: [1, 2] }, { metadata: { version: "9.9" }, buffers: [Buffer.from([1, 2, 3])] });
  await h.flush();
  const [open] = h.of("comm_open");
  assert.deepEqual(content(open), { comm_id: comm.commId, target_name: "test.open", data: { x: [1, 2] } });
  assert.deepEqual(open.metadata, { version: "9.9" });
  assert.deepEqual(
    open.buffers.map((b) => [...b]),
    [[1, 2, 3]],
  );
  comm.close({ bye: true });
  await h.flush();
  assert.deepEqual(content(h.of("comm_close")[0]), { comm_id: comm.commId, data: { bye: true } });
  comm.send({ late: true }); // sending on a closed comm does nothing
  await h.flush();
  assert.equal(h.of("comm_msg").length, 0);
});

test("comm_open for an unknown target is answered with comm_close", async () => {
  h.clear();
  const sent = await h.send("comm_open", { comm_id: "c-unknown", target_name: "no.such.target", data: {} });
  assert.deepEqual(
    sent.iopub.map((m) => m.header.msg_type),
    ["status", "comm_close", "status"],
  );
  assert.deepEqual(content(sent.iopub[1]), { comm_id: "c-unknown", data: {} });
});

test("front-end comm: open, messages with buffers both ways, close", async () => {
  h.clear();
  const link = kernelLink()!;
  const seen: unknown[] = [];
  let closedWith: unknown = null;
  link.registerTarget("test.echo", (comm, data, buffers, info) => {
    seen.push({ open: data, buffers: buffers.map((b) => [...b]), msgId: typeof info.msgId });
    comm.handlers = {
      onMsg: (d, b, i) => {
        seen.push(d);
        comm.send({ echo: d, parent: i.msgId }, { buffers: b });
      },
      onClose: (d) => {
        closedWith = d;
      },
    };
  });
  const opened = await h.send("comm_open", { comm_id: "c1", target_name: "test.echo", data: { a: 1 } }, { buffers: [Buffer.from("xy")] });
  assert.deepEqual(statuses(opened.iopub), ["busy", "idle"]);
  assert.deepEqual(seen[0], { open: { a: 1 }, buffers: [[120, 121]], msgId: "string" });

  const msg = await h.commMsg("c1", { n: 2 }, [Buffer.from([7]), Buffer.from([8, 9])]);
  // busy, the echo (child of the comm_msg), idle
  assert.deepEqual(
    msg.iopub.map((m) => m.header.msg_type),
    ["status", "comm_msg", "status"],
  );
  const echo = msg.iopub[1];
  assert.deepEqual(content(echo), { comm_id: "c1", data: { echo: { n: 2 }, parent: msg.request.header.msg_id } });
  assert.deepEqual(
    echo.buffers.map((b) => [...b]),
    [[7], [8, 9]],
  );
  assert.equal(echo.parent_header.msg_id, msg.request.header.msg_id);

  let info = await h.send("comm_info_request", { target_name: "test.echo" });
  assert.deepEqual(content(info.reply).comms, { c1: { target_name: "test.echo" } });
  await h.send("comm_close", { comm_id: "c1", data: { reason: "done" } });
  assert.deepEqual(closedWith, { reason: "done" });
  info = await h.send("comm_info_request", { target_name: "test.echo" });
  assert.deepEqual(content(info.reply).comms, {});
  // a message for the closed comm is ignored (logged by the kernel), the kernel still answers
  const stray = await h.commMsg("c1", { n: 3 });
  assert.deepEqual(statuses(stray.iopub), ["busy", "idle"]);
  assert.equal(seen.length, 2);
});

test("comm messages wait for the running cell, like execute requests", async () => {
  h.clear();
  const link = kernelLink()!;
  const order: string[] = [];
  link.registerTarget("test.order", (comm) => {
    comm.handlers.onMsg = () => void order.push("comm_msg handled");
  });
  await h.send("comm_open", { comm_id: "c-order", target_name: "test.order", data: {} });
  const cell = h.post("execute_request", { code: "slow", silent: false });
  // register the slow cell's code after posting: the stub runner looks it up when the cell starts
  (h as unknown as { cells: Map<string, () => unknown> }).cells.set("slow", async () => {
    await new Promise((r) => setTimeout(r, 80));
    order.push("cell done");
  });
  const comm = h.post("comm_msg", { comm_id: "c-order", data: {} });
  await Promise.all([cell.done, comm.done]);
  await h.settle();
  assert.deepEqual(order, ["cell done", "comm_msg handled"]);
  const reply = h.sent(cell.request).reply;
  const commIdle = h.sent(comm.request).iopub.find((m) => m.header.msg_type === "status" && content(m).execution_state === "idle");
  assert.ok(reply && commIdle);
  assert.ok(
    h.iopub.indexOf(commIdle!) > h.iopub.findIndex((m) => m.parent_header.msg_id === cell.request.header.msg_id && content(m).execution_state === "idle"),
  );
});

test("widget protocol 1 handshake: jupyter.widget.version answers at once, even during a cell", async () => {
  h.clear();
  const link = kernelLink()!;
  assert.equal(link.widgetProtocol().major, 2);
  (h as unknown as { cells: Map<string, () => unknown> }).cells.set("busy", () => new Promise((r) => setTimeout(r, 100)));
  const cell = h.post("execute_request", { code: "busy", silent: false });
  const opened = await h.send("comm_open", { comm_id: "v1", target_name: "jupyter.widget.version", data: {} });
  assert.equal(h.sent(cell.request).reply, undefined, "answered while the cell still runs");
  const [answer] = opened.iopub.filter((m) => m.header.msg_type === "comm_msg");
  assert.deepEqual(content(answer), { comm_id: "v1", data: { version: "~2.1.0" } });
  assert.deepEqual(link.widgetProtocol(), { major: 1, source: "jupyter.widget.version" });
  await h.commMsg("v1", { validated: true, frontend_version: "2.1.4" });
  assert.equal(link.widgetProtocol().frontendVersion, "2.1.4");
  await cell.done;
  await h.settle();
});

test("jupyter.widget.control: protocol 2.1 and every widget's state in one update_states", async () => {
  h.clear();
  const link = kernelLink()!;
  await h.send("comm_open", { comm_id: "ctl", target_name: "jupyter.widget.control", data: {} });
  assert.deepEqual(link.widgetProtocol(), { major: 2, source: "jupyter.widget.control" });
  let slider: IntSlider | null = null;
  await h.execute(() => {
    slider = new IntSlider({ value: 3, description: "k" });
  });
  const sent = await h.commMsg("ctl", { method: "request_states" });
  const [reply] = sent.iopub.filter((m) => m.header.msg_type === "comm_msg");
  const data = commData(reply) as {
    method: string;
    states: Record<string, { model_name: string; model_module: string; state: Record<string, unknown> }>;
    buffer_paths: unknown[];
  };
  assert.equal(data.method, "update_states");
  assert.deepEqual(data.buffer_paths, []);
  const mine = data.states[slider!.modelId];
  assert.equal(mine.model_name, "IntSliderModel");
  assert.equal(mine.model_module, "@jupyter-widgets/controls");
  assert.equal(mine.state.value, 3);
  assert.equal(mine.state.description, "k");
  const layoutId = String(mine.state.layout).replace("IPY_MODEL_", "");
  assert.equal(data.states[layoutId].model_name, "LayoutModel");
  await h.settle();
});
