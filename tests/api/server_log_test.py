#!/usr/bin/python3
"""The server's own log on stderr (`stepd serve --log-format/--log-level`).

Usage: /usr/bin/python3 server_log_test.py STEPD_BINARY ECHO_WORKER_BINARY

JSON format at debug level: every stderr line is one JSON object with an ISO
UTC time, a level and a message; each API request has a debug line with its
action, status and the x-amzn-RequestId the client got; a remote worker's
connection and loss are logged; a restart logs how many open executions it
recovered; SIGTERM logs the drain and the stop. Warn level: a normal run
writes nothing. Text format (the default): time, level, message, key=value.
An unknown --log-format is refused by the command line.

Exits 77 when boto3 is missing.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

if len(sys.argv) != 3:
    sys.exit("usage: server_log_test.py STEPD_BINARY ECHO_WORKER_BINARY")
STEPD, ECHO = sys.argv[1], sys.argv[2]
try:
    import boto3  # noqa: F401
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "workers"))
import harness  # noqa: E402
from harness import log  # noqa: E402

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
WAIT = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}})


class Server(harness.Process):
    def __init__(self, data, extra):
        super().__init__([STEPD, "serve", "--port", "0", "--worker-port", "0", "--data", data] + extra)
        line = self.wait_line("listening on http://")
        if line is None:
            self.kill()
            raise RuntimeError("stepd serve did not start: %s" % "\n".join(self.tail))
        self.endpoint = line.split("listening on ")[1].split(" ")[0].split('"')[0]
        self.sfn = harness.client(self.endpoint)

    def stop(self):
        """SIGTERM, then every stderr line (the harness keeps the last 40: these runs write fewer)."""
        self.terminate()
        while self.lines.get(timeout=10) is not None:
            pass
        assert len(self.tail) < 40, "more lines than the harness keeps"
        return list(self.tail)


def parse_all(c, name, lines):
    objs = []
    for line in lines:
        try:
            o = json.loads(line)
        except ValueError:
            c.check(name + ": every line is JSON", False, line)
            return []
        objs.append(o)
    c.check(name + ": every line has time, level, message",
            all(TIME.match(o.get("time", "")) and o.get("level") in ("debug", "info", "warning", "error") and
                isinstance(o.get("message"), str) for o in objs), objs[:3])
    return objs


def main():
    c = harness.Checks()
    d = tempfile.mkdtemp(prefix="stepd-log-")
    data = os.path.join(d, "data")
    try:
        # JSON at debug: requests, a worker, then a restart with one open execution.
        s = Server(data, ["--log-format", "json", "--log-level", "debug"])
        before = list(s.tail)
        sm = s.sfn.create_state_machine(name="waits", definition=WAIT, roleArn=harness.ROLE)["stateMachineArn"]
        started = s.sfn.start_execution(stateMachineArn=sm, name="open-one")
        start_id = started["ResponseMetadata"]["RequestId"]
        try:
            s.sfn.describe_execution(executionArn=sm.replace(":stateMachine:", ":execution:") + ":nope")
        except s.sfn.exceptions.ExecutionDoesNotExist:
            pass
        act = s.sfn.create_activity(name="logged")["activityArn"]
        addr = None
        for line in before:
            if "workers on " in line:
                addr = json.loads(line)["address"].split("://")[1]
        w = harness.echo_worker(ECHO, addr, act, "log-worker") if addr else None
        c.check("worker address logged", addr is not None, before)
        if w:
            w.wait_line("serving", 15)
            time.sleep(0.3)
            w.kill()
            time.sleep(0.5)
        objs = parse_all(c, "json", s.stop())
        msgs = [o["message"] for o in objs]
        c.check("listening line has its address", any(o.get("address") == s.endpoint for o in objs), msgs)
        start_lines = [o for o in objs if o.get("action") == "StartExecution"]
        c.check("StartExecution has a debug line with the client's request id",
                len(start_lines) == 1 and start_lines[0]["level"] == "debug" and
                start_lines[0].get("requestId") == start_id and start_lines[0].get("status") == 200 and
                isinstance(start_lines[0].get("ms"), (int, float)), start_lines)
        missing = [o for o in objs if o.get("action") == "DescribeExecution"]
        c.check("a 400 answer is logged with its status", len(missing) == 1 and missing[0]["status"] == 400,
                missing)
        c.check("worker connected and lost logged",
                any(o.get("worker") == "log-worker" and "connected" in o["message"] for o in objs) and
                any(o.get("worker") == "log-worker" and "lost" in o["message"] for o in objs), msgs)
        c.check("shutdown logged", msgs[-2:] == ["SIGTERM, draining", "stopped"], msgs[-3:])

        s = Server(data, ["--log-format", "json"])
        objs = parse_all(c, "json restart", s.stop())
        rec = [o for o in objs if o.get("executions") is not None]
        c.check("restart logs the recovered open execution", len(rec) == 1 and rec[0]["executions"] == 1, objs)
        c.check("info level has no request lines", not any("action" in o for o in objs), objs)

        # Warn level: a quiet, normal run writes nothing.
        s = harness.Process([STEPD, "serve", "--port", "0", "--data", data, "--log-level", "warn"])
        time.sleep(1.5)
        c.check("warn level is silent on a normal run", s.alive() and s.tail == [], s.tail)
        s.terminate()

        # Text, the default.
        s = Server(data, [])
        lines = s.stop()
        c.check("text lines: time level message", all(
            re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (debug|info|warning|error) \S", ln) for ln in lines)
            and any("listening on http://" in ln and "address=http://" in ln for ln in lines), lines)

        p = subprocess.run([STEPD, "serve", "--log-format", "xml", "--data", data], capture_output=True, text=True,
                           timeout=30)
        c.check("unknown --log-format refused", p.returncode != 0 and "--log-format" in p.stderr, p.stderr)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
