"""Shared by the remote-worker tests: a `stepd serve` process with its worker
port, echo-worker processes, and small helpers. Standard library + boto3."""
import json
import queue
import signal
import subprocess
import threading
import time

import boto3
from botocore.config import Config

ROLE = "arn:aws:iam::123456789012:role/stepd"
START = time.monotonic()


class Checks:
    def __init__(self):
        self.failures = []
        self.passed = 0

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failures.append(name)
            print("FAIL %s %s" % (name, str(detail)[:600]), flush=True)
        return cond

    def finish(self):
        print("%d passed, %d failed" % (self.passed, len(self.failures)), flush=True)
        return 1 if self.failures else 0


def log(msg):
    print("[%5.1fs] %s" % (time.monotonic() - START, msg), flush=True)


class Process:
    """A child whose stderr is drained by a thread (last 40 lines kept)."""

    def __init__(self, argv):
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.tail = []
        self.lines = queue.Queue()

        def drain():
            for line in self.proc.stderr:
                self.tail = (self.tail + [line.rstrip("\n")])[-40:]
                self.lines.put(line)
            self.lines.put(None)

        threading.Thread(target=drain, daemon=True).start()

    def wait_line(self, marker, timeout=30):
        """The first stderr line holding marker; None if the process ended or time ran out."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.05, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if line is None:
                return None
            if marker in line:
                return line
            if time.monotonic() > deadline:
                return None

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def terminate(self, timeout=10):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None


class Server(Process):
    """`stepd serve --port 0 --worker-port 0` on `data`; extra args appended."""

    def __init__(self, stepd, data, extra=()):
        super().__init__([stepd, "serve", "--port", "0", "--worker-port", "0", "--data", data] + list(extra))
        line = self.wait_line("workers on ")
        if line is None:
            self.kill()
            raise RuntimeError("stepd serve did not start: %s" % "\n".join(self.tail))
        self.worker_addr = line.split("://")[1].strip()
        line = self.wait_line("listening on http://")
        if line is None:
            self.kill()
            raise RuntimeError("stepd serve did not start: %s" % "\n".join(self.tail))
        self.endpoint = line.split("listening on ")[1].split(" ")[0]
        self.sfn = client(self.endpoint)


def client(endpoint):
    return boto3.client("stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="stepd", aws_secret_access_key="stepd",
                        config=Config(retries={"max_attempts": 0}, connect_timeout=3, read_timeout=30,
                                      max_pool_connections=16))


def echo_worker(binary, addr, activity, name, concurrency=4, delay_ms=0, tls=None):
    argv = [binary, "--connect", addr, "--activity", activity, "--name", name,
            "--concurrency", str(concurrency), "--delay-ms", str(delay_ms)]
    if tls:
        argv += ["--tls-cert", tls[0], "--tls-key", tls[1], "--tls-ca", tls[2]]
    return Process(argv)


def machine(activity_arn):
    return json.dumps({
        "Comment": "stepd remote worker test: one activity Task that retries a lost worker",
        "StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": activity_arn,
                            "Retry": [{"ErrorEquals": ["stepd.WorkerLost"], "IntervalSeconds": 1,
                                       "MaxAttempts": 5, "BackoffRate": 1.0}],
                            "End": True}}})


def start_all(endpoint, sm_arn, prefix, count, threads=8):
    """Starts prefix-0000.. with input {"n": i}; returns the ARNs in order (None where it failed)."""
    arns = [None] * count

    def run(k):
        sfn = client(endpoint)
        for i in range(k, count, threads):
            r = sfn.start_execution(stateMachineArn=sm_arn, name="%s-%04d" % (prefix, i),
                                    input=json.dumps({"n": i}))
            arns[i] = r["executionArn"]

    ts = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    return arns, ts


def wait_done(sfn, sm_arn, deadline_s):
    """Waits until no execution of the machine is RUNNING; True if so in time."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        r = sfn.list_executions(stateMachineArn=sm_arn, statusFilter="RUNNING", maxResults=1)
        if not r["executions"]:
            return True
        time.sleep(0.2)
    return False


def history(sfn, arn):
    events, token = [], None
    while True:
        kw = {"executionArn": arn, "maxResults": 1000}
        if token:
            kw["nextToken"] = token
        r = sfn.get_execution_history(**kw)
        events += r["events"]
        token = r.get("nextToken")
        if not token:
            return events


def wait_end(sfn, arn, timeout=60):
    """DescribeExecution once the execution has left RUNNING (or as it is when time runs out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = sfn.describe_execution(executionArn=arn)
        if r["status"] != "RUNNING":
            return r
        time.sleep(0.1)
    return sfn.describe_execution(executionArn=arn)


def map_run(sfn, execution_arn):
    """DescribeMapRun of the execution's first Map Run ({} when it has none yet)."""
    runs = sfn.list_map_runs(executionArn=execution_arn)["mapRuns"]
    return sfn.describe_map_run(mapRunArn=runs[0]["mapRunArn"]) if runs else {}


def map_run_children(sfn, map_run_arn, page=1000):
    """Every child execution of a Map Run (ListExecutions by mapRunArn, paged)."""
    out, token = [], None
    while True:
        kw = {"mapRunArn": map_run_arn, "maxResults": page}
        if token:
            kw["nextToken"] = token
        r = sfn.list_executions(**kw)
        out += r["executions"]
        token = r.get("nextToken")
        if not token:
            return out
