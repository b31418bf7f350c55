"""Drive the numlab kernel through jupyter_client: run cells, interrupt them as Jupyter does (SIGINT
to the kernel's process group), inspect, and report what happened as JSON.

usage: python3 interrupt_kernel.py <steps.json> <working dir>
steps.json: a list of steps, each one of
  {"run": code, "interrupt_after": seconds (optional), "queue": [code, ...] (optional)}
  {"inspect": code, "cursor": position (optional; default the end)}
  {"idle_cpu": seconds, "settle": seconds}   the kernel's CPU time over that many seconds (after settling)
  {"alive_after": seconds} whether the kernel process still runs after that many seconds
stdout: a JSON list with one result per step. A run's result holds the reply's status, ename and
evalue, the stream text, the execution results' text/plain, the seconds from the interrupt to the
reply ("stop_seconds") and the replies to the queued cells.
"""
import json
import os
import sys
import time

from jupyter_client import KernelManager

steps = json.load(open(sys.argv[1], encoding="utf-8"))
cwd = sys.argv[2]

km = KernelManager(kernel_name="numlab")
km.start_kernel(cwd=cwd)
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=120)
pid = km.provisioner.process.pid if getattr(km, "provisioner", None) else km.kernel.pid


def cpu_seconds():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def collect(msg_id, deadline):
    """IOPub output of one request until its idle status."""
    out = {"stream": "", "results": [], "errors": [], "displays": 0}
    while time.time() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=max(0.05, deadline - time.time()))
        except Exception:
            break
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out["stream"] += content["text"]
        elif kind == "execute_result":
            out["results"].append(content["data"].get("text/plain", ""))
        elif kind == "error":
            out["errors"].append(content["ename"] + ": " + content["evalue"])
        elif kind in ("display_data", "update_display_data"):
            out["displays"] += 1
        elif kind == "status" and content["execution_state"] == "idle":
            break
    return out


def reply_for(msg_id, deadline):
    while time.time() < deadline:
        try:
            msg = kc.get_shell_msg(timeout=max(0.05, deadline - time.time()))
        except Exception:
            return None
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg
    return None


results = []
for number, step in enumerate(steps):
    print(f"step {number}: {json.dumps(step)[:100]}", file=sys.stderr, flush=True)
    if "run" in step:
        msg_id = kc.execute(step["run"])
        queued = [kc.execute(code) for code in step.get("queue", [])]
        interrupted_at = None
        if "interrupt_after" in step:
            time.sleep(step["interrupt_after"])
            interrupted_at = time.time()
            km.interrupt_kernel()
        reply = reply_for(msg_id, time.time() + step.get("timeout", 60))
        replied_at = time.time()
        result = {"replied": reply is not None}
        if reply is not None:
            content = reply["content"]
            result.update(status=content["status"], ename=content.get("ename"), evalue=content.get("evalue"), payload=content.get("payload", []))
        if interrupted_at is not None:
            result["stop_seconds"] = replied_at - interrupted_at
        result.update(collect(msg_id, time.time() + 10))
        result["queued"] = []
        for q in queued:
            r = reply_for(q, time.time() + 30)
            result["queued"].append(r["content"]["status"] if r else None)
        results.append(result)
    elif "inspect" in step:
        code = step["inspect"]
        msg_id = kc.inspect(code, step.get("cursor", len(code)))
        reply = reply_for(msg_id, time.time() + 60)
        content = reply["content"] if reply else {}
        results.append({"found": content.get("found"), "text": content.get("data", {}).get("text/plain", "")})
    elif "idle_cpu" in step:
        time.sleep(step.get("settle", 0))
        before = cpu_seconds()
        time.sleep(step["idle_cpu"])
        results.append({"cpu_seconds": cpu_seconds() - before})
    elif "alive_after" in step:
        time.sleep(step["alive_after"])
        results.append({"alive": km.is_alive(), "exit_code": km.provisioner.process.poll() if getattr(km, "provisioner", None) else None})

kc.stop_channels()
if km.is_alive():
    km.shutdown_kernel(now=False)
json.dump(results, sys.stdout)
