#!/usr/bin/python3
"""Crash safety of `stepd serve`: SIGKILL while executions are in flight.

Usage: /usr/bin/python3 server_kill_test.py STEPD_BINARY

Starts `stepd serve` on a fresh data directory, creates a STANDARD state
machine that mixes Pass, Wait (1-2 s), an inline Map and a Parallel, and
starts executions at a steady pace from a second thread, keeping every
StartExecution acknowledgement (the ARNs). While they run -- some finished,
some waiting, more still being started -- the server is SIGKILLed and
restarted on the same data directory; a second batch is started and the
server is SIGKILLed again, then restarted. Then every acknowledged execution
must exist and SUCCEED with the output an uninterrupted run gives (computed
here from its input), and its history must have event ids 1..N, end with
ExecutionSucceeded, and hold exactly the events of an uninterrupted run
(nothing lost, nothing doubled). Last, SIGTERM with executions waiting must
stop the server promptly with exit status 0, and they finish after a restart.

Uses only the standard library and boto3 (Debian's python3-boto3, installed
by scripts/install-deps); exits 77 when boto3 is missing.
"""
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

if len(sys.argv) != 2:
    sys.exit("usage: server_kill_test.py STEPD_BINARY")
STEPD = sys.argv[1]

try:
    import boto3
    from botocore.config import Config
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3 (apt-get install python3-boto3; scripts/install-deps does)")
    sys.exit(77)

failures = []
passed = 0
START = time.monotonic()


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(name)
        print("FAIL %s %s" % (name, str(detail)[:600]), flush=True)
    return cond


def log(msg):
    print("[%5.1fs] %s" % (time.monotonic() - START, msg), flush=True)


ROLE = "arn:aws:iam::123456789012:role/stepd"
PER_ROUND = 600          # at most this many a round (the kill comes long before)
RATE = 75.0              # StartExecution calls per second
KILL_AFTER_ACKED = 150   # SIGKILL once this many are acknowledged ...
KILL_AFTER_DONE = 30     # ... and the one acknowledged KILL_AFTER_DONE-th has finished
FINISH_DEADLINE = 60.0   # seconds for every execution to leave RUNNING after the last restart

DEFINITION = {
    "Comment": "stepd server_kill_test: Pass, Wait, inline Map, Parallel",
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Parameters": {"id.$": "$.id", "items.$": "$.items", "delay.$": "$.delay"},
                    "Next": "Pause"},
        "Pause": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "Fan"},
        "Fan": {"Type": "Map", "ItemsPath": "$.items",
                "ItemSelector": {"x.$": "$$.Map.Item.Value", "idx.$": "$$.Map.Item.Index"},
                "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Double", "States": {
                    "Double": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.x, $.x)", "idx.$": "$.idx"},
                               "End": True}}},
                "ResultPath": "$.mapped", "Next": "Both"},
        "Both": {"Type": "Parallel", "ResultPath": "$.branches", "Next": "Done", "Branches": [
            {"StartAt": "Label", "States": {
                "Label": {"Type": "Pass", "Parameters": {"label.$": "States.Format('item-{}', $.id)"}, "End": True}}},
            {"StartAt": "Nap", "States": {
                "Nap": {"Type": "Wait", "Seconds": 1, "Next": "Count"},
                "Count": {"Type": "Pass", "Parameters": {"count.$": "States.ArrayLength($.items)"}, "End": True}}}]},
        "Done": {"Type": "Pass", "Parameters": {"id.$": "$.id", "mapped.$": "$.mapped", "branches.$": "$.branches"},
                 "End": True},
    },
}


def make_input(n, delay=None):
    return {"id": n, "items": [n, n + 1, n + 2], "delay": delay if delay is not None else 1 + n % 2}


def expected_output(inp):
    """What the machine outputs for inp when nothing interrupts it."""
    return {"id": inp["id"],
            "mapped": [{"doubled": 2 * x, "idx": k} for k, x in enumerate(inp["items"])],
            "branches": [{"label": "item-%d" % inp["id"]}, {"count": len(inp["items"])}]}


class Server:
    """One `stepd serve` process; stderr is drained by a thread."""

    def __init__(self, data):
        self.proc = subprocess.Popen([STEPD, "serve", "--port", "0", "--data", data],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.tail = []
        lines = queue.Queue()

        def drain():
            for line in self.proc.stderr:
                self.tail = (self.tail + [line.rstrip("\n")])[-40:]
                lines.put(line)
            lines.put(None)

        threading.Thread(target=drain, daemon=True).start()
        deadline = time.monotonic() + 30
        self.endpoint = None
        while self.endpoint is None:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                self.kill()
                raise RuntimeError("stepd serve did not start: %s" % "\n".join(self.tail))
            if "listening on http://" in line:
                self.endpoint = line.split("listening on ")[1].split(" ")[0]
        self.sfn = boto3.client("stepfunctions", endpoint_url=self.endpoint, region_name="us-east-1",
                                aws_access_key_id="stepd", aws_secret_access_key="stepd",
                                config=Config(retries={"max_attempts": 0}, connect_timeout=3, read_timeout=20,
                                              max_pool_connections=4))

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def terminate(self, timeout):
        """SIGTERM; (exit status or None if still running after timeout, seconds taken)."""
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        return code, time.monotonic() - t0


def start_stream(server, sm_arn, prefix, base, count, acked, unacked, stop):
    """Starts executions prefix-0000.. at RATE per second until count or the
    first failure (the server was killed: that request's fate is unknown)."""
    t0 = time.monotonic()
    for i in range(count):
        if stop.is_set():
            return
        name = "%s-%04d" % (prefix, i)
        inp = make_input(base + i)
        try:
            r = server.sfn.start_execution(stateMachineArn=sm_arn, name=name, input=json.dumps(inp))
        except Exception as e:  # connection reset or refused: the kill
            unacked.append((name, inp, "%s: %s" % (type(e).__name__, e)))
            return
        acked.append((r["executionArn"], name, inp, r["startDate"]))
        pause = t0 + (i + 1) / RATE - time.monotonic()
        if pause > 0:
            time.sleep(pause)


def statuses(server, arns):
    out = Counter()
    for arn in arns:
        out[server.sfn.describe_execution(executionArn=arn)["status"]] += 1
    return out


def round_with_kill(server, sm_arn, prefix, base, acked_all, unacked_all):
    """Starts a stream of executions and SIGKILLs the server mid-stream,
    once some have finished while others wait and more are being started."""
    acked, unacked, stop = [], [], threading.Event()
    t = threading.Thread(target=start_stream, args=(server, sm_arn, prefix, base, PER_ROUND, acked, unacked, stop))
    t.start()
    deadline = time.monotonic() + 30
    mix = earlier = None
    try:
        while time.monotonic() < deadline:
            if len(acked) >= KILL_AFTER_ACKED and \
                    server.sfn.describe_execution(executionArn=acked[KILL_AFTER_DONE][0])["status"] != "RUNNING":
                mix = statuses(server, [a[0] for a in list(acked)])
                earlier = statuses(server, [a[0] for a in acked_all])
                break
            time.sleep(0.05)
    finally:
        server.kill()  # SIGKILL; the starter goes on until a request fails
        t.join(timeout=30)
        stop.set()
    log("%s: SIGKILL with %d acknowledged (%s; earlier rounds: %s), %d request(s) cut off" %
        (prefix, len(acked), dict(mix or {}), dict(earlier or {}), len(unacked)))
    check("%s: the kill came after some executions finished and while others ran" % prefix,
          mix is not None and mix["SUCCEEDED"] > 0 and mix["RUNNING"] > 0, mix or "timed out waiting")
    check("%s: the starter was still starting at the kill" % prefix, not t.is_alive() and len(acked) < PER_ROUND,
          "%d of %d acknowledged" % (len(acked), PER_ROUND))
    acked_all.extend(acked)
    unacked_all.extend(unacked)


def history(server, arn):
    events, token = [], None
    while True:
        kw = {"executionArn": arn, "maxResults": 1000}
        if token:
            kw["nextToken"] = token
        page = server.sfn.get_execution_history(**kw)
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def event_key(e):
    """An event without its ids and times: type, state name, Map index."""
    key = [e["type"]]
    for field, details in e.items():
        if field.endswith("EventDetails") and isinstance(details, dict):
            for k in ("name", "index"):
                if k in details:
                    key.append("%s=%s" % (k, details[k]))
    return "|".join(key)


def wait_all_done(server, arns, deadline_s):
    deadline = time.monotonic() + deadline_s
    running = list(arns)
    while running and time.monotonic() < deadline:
        still = []
        for arn in running:
            try:
                if server.sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
                    still.append(arn)
            except Exception:
                pass  # checked later: missing executions are reported there
        running = still
        if running:
            time.sleep(0.2)
    return running


def verify(server, label, acked, reference):
    """Every acknowledged execution exists, SUCCEEDED with the right output,
    with an intact history (ids 1..N, the events of an uninterrupted run)."""
    missing, not_ok, wrong_output, bad_ids, bad_end, bad_events = [], [], [], [], [], []
    moved_start, bad_times = [], []
    for arn, name, inp, start in acked:
        try:
            d = server.sfn.describe_execution(executionArn=arn)
        except Exception as e:
            missing.append("%s (%s)" % (name, getattr(e, "response", {}).get("Error", {}).get("Code", e)))
            continue
        if d["startDate"] != start:
            moved_start.append("%s: acknowledged %s, described %s" % (name, start, d["startDate"]))
        if d["status"] != "SUCCEEDED":
            not_ok.append("%s: %s %s %s" % (name, d["status"], d.get("error", ""), d.get("cause", "")[:100]))
            continue
        if json.loads(d.get("output", "null")) != expected_output(inp):
            wrong_output.append("%s: %s" % (name, d.get("output")))
        h = history(server, arn)
        ids = [e["id"] for e in h]
        if ids != list(range(1, len(h) + 1)):
            bad_ids.append("%s: %s" % (name, ids))
        if any(h[i]["timestamp"] < h[i - 1]["timestamp"] or not 0 <= h[i].get("previousEventId", 0) < h[i]["id"]
               for i in range(1, len(h))):
            bad_times.append("%s: %s" % (name, [(e["id"], e.get("previousEventId"), e["timestamp"].isoformat())
                                                for e in h]))
        if not h or h[-1]["type"] != "ExecutionSucceeded":
            bad_end.append("%s: ends with %s" % (name, h[-1]["type"] if h else "nothing"))
        got = Counter(event_key(e) for e in h)
        if got != reference:
            extra = got - reference
            lost = reference - got
            bad_events.append("%s: doubled %s, lost %s" % (name, dict(extra), dict(lost)))
    n = len(acked)
    check("%s: all %d acknowledged executions exist" % (label, n), not missing, missing[:10])
    check("%s: all SUCCEEDED" % label, not not_ok, not_ok[:10])
    check("%s: startDate is the acknowledged one" % label, not moved_start, moved_start[:5])
    check("%s: timestamps never go back, previousEventId points back" % label, not bad_times, bad_times[:2])
    check("%s: every output is the uninterrupted run's" % label, not wrong_output, wrong_output[:5])
    check("%s: every history has event ids 1..N" % label, not bad_ids, bad_ids[:3])
    check("%s: every history ends with ExecutionSucceeded" % label, not bad_end, bad_end[:10])
    check("%s: every history holds the uninterrupted run's events, none doubled or lost" % label,
          not bad_events, bad_events[:5])


data = tempfile.mkdtemp(prefix="stepd-kill-")
servers = []
try:
    server = Server(data)
    servers.append(server)
    sm = server.sfn.create_state_machine(name="kill-test", definition=json.dumps(DEFINITION), roleArn=ROLE,
                                         type="STANDARD")["stateMachineArn"]
    acked, unacked = [], []

    # Kill 1: mid-stream, some finished, some waiting, more being started.
    round_with_kill(server, sm, "r1", 0, acked, unacked)
    server = Server(data)
    servers.append(server)
    log("restarted on %s" % server.endpoint)
    listed = [m["stateMachineArn"] for m in server.sfn.list_state_machines()["stateMachines"]]
    check("after kill 1: ListStateMachines still lists the machine", listed == [sm], listed)

    # Kill 2: the first round's survivors are being recovered while a second
    # stream starts.
    round_with_kill(server, sm, "r2", 100000, acked, unacked)
    server = Server(data)
    servers.append(server)
    log("restarted on %s" % server.endpoint)
    listed = [m["stateMachineArn"] for m in server.sfn.list_state_machines()["stateMachines"]]
    check("after kill 2: ListStateMachines still lists the machine", listed == [sm], listed)

    # An uninterrupted run for reference.
    control_in = make_input(999999, delay=1)
    control = server.sfn.start_execution(stateMachineArn=sm, name="control", input=json.dumps(control_in))["executionArn"]
    left = wait_all_done(server, [control] + [a[0] for a in acked], FINISH_DEADLINE)
    log("%d acknowledged executions; %d still RUNNING after the wait" % (len(acked), len(left)))
    check("every execution leaves RUNNING within %d s of the last restart" % FINISH_DEADLINE, not left,
          "%d still running: %s" % (len(left), left[:5]))
    cd = server.sfn.describe_execution(executionArn=control)
    check("the uninterrupted control run succeeds", cd["status"] == "SUCCEEDED" and
          json.loads(cd.get("output", "null")) == expected_output(control_in), cd)
    ch = history(server, control)
    check("the control history has ids 1..N and ends with ExecutionSucceeded",
          [e["id"] for e in ch] == list(range(1, len(ch) + 1)) and ch[-1]["type"] == "ExecutionSucceeded",
          [(e["id"], e["type"]) for e in ch])
    reference = Counter(event_key(e) for e in ch)

    verify(server, "after two kills", acked, reference)

    # Requests cut off by a kill: if the execution was taken, it runs to the end.
    cut_off = []
    for name, inp, err in unacked:
        arn = "%s:%s" % (sm.replace(":stateMachine:", ":execution:"), name)
        try:
            d = server.sfn.describe_execution(executionArn=arn)
        except Exception as e:
            if getattr(e, "response", {}).get("Error", {}).get("Code") == "ExecutionDoesNotExist":
                continue
            cut_off.append("%s: %s" % (name, e))
            continue
        if d["status"] != "SUCCEEDED" or json.loads(d.get("output", "null")) != expected_output(inp):
            cut_off.append("%s: %s %s" % (name, d["status"], d.get("output")))
    check("a start cut off by the kill either never happened or ran to the end", not cut_off, cut_off)

    # SIGTERM with executions waiting: a prompt, clean exit, nothing lost.
    waiting = []
    for i in range(5):
        inp = make_input(200000 + i, delay=2)
        r = server.sfn.start_execution(stateMachineArn=sm, name="term-%d" % i, input=json.dumps(inp))
        waiting.append((r["executionArn"], "term-%d" % i, inp, r["startDate"]))
    time.sleep(0.3)
    code, took = server.terminate(timeout=10)
    log("SIGTERM with %d executions waiting: exit %s after %.2f s" % (len(waiting), code, took))
    check("SIGTERM with executions in flight: exits 0 within 10 s", code == 0, "exit %s after %.1f s; stderr: %s" %
          (code, took, "\n".join(server.tail[-5:])))
    server.kill()
    server = Server(data)
    servers.append(server)
    left = wait_all_done(server, [w[0] for w in waiting], 30)
    check("after SIGTERM and a restart, the waiting executions finish", not left, left)
    verify(server, "after SIGTERM", waiting, reference)
    code, took = server.terminate(timeout=10)
    check("SIGTERM when idle: exits 0 within 10 s", code == 0, "exit %s after %.1f s" % (code, took))
except Exception as e:  # a broken harness or a dead server: report, don't hang
    import traceback
    check("the test ran to the end", False, "%s\n%s" % (e, traceback.format_exc()))
    for s in servers[-1:]:
        print("stepd stderr (last lines):\n  " + "\n  ".join(s.tail[-20:]))
finally:
    for s in servers:
        if s.alive():
            s.kill()
    shutil.rmtree(data, ignore_errors=True)

print("server kill: %d passed, %d failed" % (passed, len(failures)))
sys.exit(1 if failures else 0)
