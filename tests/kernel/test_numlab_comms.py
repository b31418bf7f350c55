"""Comms through the real numlab kernel process over ZeroMQ (jupyter_client), as a front-end sends them.

Run by tests/kernel/comm-live.test.ts:
    JUPYTER_PATH=kernel-setup /usr/bin/python3 -m unittest -v tests/kernel/test_numlab_comms.py
"""
import json
import os
import unittest
import uuid

from jupyter_client.manager import start_new_kernel

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TIMEOUT = 60


class NumlabCommTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="numlab", startup_timeout=120, cwd=REPO)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def send(self, msg_type, content, buffers=None):
        msg = self.kc.session.msg(msg_type, content)
        self.kc.session.send(self.kc.shell_channel.socket, msg, buffers=buffers or [])
        return msg["header"]["msg_id"]

    def shell_reply(self, parent_id):
        while True:
            msg = self.kc.get_shell_msg(timeout=TIMEOUT)
            if msg["parent_header"].get("msg_id") == parent_id:
                return msg

    def iopub_until_idle(self, parent_id):
        """IOPub messages whose parent is `parent_id`, up to its idle status."""
        out = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if msg["parent_header"].get("msg_id") != parent_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return out
            if msg["msg_type"] != "status":
                out.append(msg)

    def execute(self, code):
        msg_id = self.kc.execute(code)
        reply = self.shell_reply(msg_id)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        return self.iopub_until_idle(msg_id)

    def test_1_comm_info_and_unknown_target(self):
        reply = self.shell_reply(self.send("comm_info_request", {"target_name": "jupyter.widget"}))
        self.assertEqual(reply["msg_type"], "comm_info_reply")
        self.assertEqual(reply["content"], {"status": "ok", "comms": {}})
        comm_id = uuid.uuid4().hex
        msg_id = self.send("comm_open", {"comm_id": comm_id, "target_name": "no.such.target", "data": {}})
        [close] = self.iopub_until_idle(msg_id)
        self.assertEqual(close["msg_type"], "comm_close")
        self.assertEqual(close["content"]["comm_id"], comm_id)

    def test_2_buffers_both_ways(self):
        # a target registered from a cell, through the link the kernel gives the widget library
        self.execute(
            'const link = (globalThis as any)[Symbol.for("numlab.kernel.comms")];\n'
            'link.registerTarget("test.echo", (comm: any) => { comm.handlers.onMsg = (d: any, b: Buffer[]) => comm.send({ echo: d, sizes: b.map((x) => x.length) }, { buffers: b.map((x) => Buffer.from([...x].reverse())) }); });'
        )
        comm_id = uuid.uuid4().hex
        self.iopub_until_idle(self.send("comm_open", {"comm_id": comm_id, "target_name": "test.echo", "data": {}}))
        msg_id = self.send("comm_msg", {"comm_id": comm_id, "data": {"n": 1}}, buffers=[b"abc", b"\x00\x01"])
        [echo] = self.iopub_until_idle(msg_id)
        self.assertEqual(echo["msg_type"], "comm_msg")
        self.assertEqual(echo["content"]["data"], {"echo": {"n": 1}, "sizes": [3, 2]})
        self.assertEqual([bytes(b) for b in echo["buffers"]], [b"cba", b"\x01\x00"])
        self.assertIn(comm_id, self.shell_reply(self.send("comm_info_request", {}))["content"]["comms"])

    def test_3_widget_protocol_2_and_control_comm(self):
        widgets = json.dumps(os.path.join(REPO, "dist", "widgets"))
        msgs = self.execute(f'import {{ IntSlider }} from {widgets};\nconst s = new IntSlider({{ value: 4, description: "k" }});\ns')
        opens = [m for m in msgs if m["msg_type"] == "comm_open"]
        slider = opens[-1]
        self.assertEqual(slider["metadata"], {"version": "2.1.0"})
        state = slider["content"]["data"]["state"]
        self.assertEqual((state["_model_module"], state["_model_module_version"], state["_model_name"]), ("@jupyter-widgets/controls", "2.0.0", "IntSliderModel"))
        [result] = [m for m in msgs if m["msg_type"] == "execute_result"]
        self.assertEqual(result["content"]["data"]["application/vnd.jupyter.widget-view+json"]["model_id"], slider["content"]["comm_id"])
        # a front-end moves the slider: echo_update, then the kernel has the value
        msg_id = self.send("comm_msg", {"comm_id": slider["content"]["comm_id"], "data": {"method": "update", "state": {"value": 9}, "buffer_paths": []}})
        [echo] = self.iopub_until_idle(msg_id)
        self.assertEqual(echo["content"]["data"], {"method": "echo_update", "state": {"value": 9}, "buffer_paths": []})
        [out] = [m for m in self.execute("console.log(s.value)") if m["msg_type"] == "stream"]
        self.assertEqual(out["content"]["text"], "9\n")
        # the control comm (ipywidgets >= 7.7 front-ends) lists every widget
        control = uuid.uuid4().hex
        self.iopub_until_idle(self.send("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}}))
        [states] = self.iopub_until_idle(self.send("comm_msg", {"comm_id": control, "data": {"method": "request_states"}}))
        data = states["content"]["data"]
        self.assertEqual(data["method"], "update_states")
        self.assertEqual(data["states"][slider["content"]["comm_id"]]["state"]["value"], 9)

    def test_4_version_comm_switches_to_protocol_1(self):
        comm_id = uuid.uuid4().hex
        [answer] = self.iopub_until_idle(self.send("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.version", "data": {}}))
        self.assertEqual(answer["content"]["data"], {"version": "~2.1.0"})
        widgets = json.dumps(os.path.join(REPO, "dist", "widgets"))
        msgs = self.execute(f'import {{ Text }} from {widgets};\nnew Text({{ value: "v1" }})')
        text = [m for m in msgs if m["msg_type"] == "comm_open"][-1]["content"]["data"]
        self.assertEqual((text["_model_module"], text["_model_module_version"], text["_model_name"], text["value"]), ("jupyter-js-widgets", "~2.1.0", "TextModel", "v1"))
        self.assertFalse([m for m in msgs if m["msg_type"] == "execute_result"])
        [display] = [m for m in msgs if m["msg_type"] == "comm_msg"]
        self.assertEqual(display["content"]["data"], {"method": "display"})


if __name__ == "__main__":
    unittest.main()
