#!/usr/bin/python3
"""Crash soak: mixed load on `stepd serve` while it is SIGKILLed again and again.

Usage: /usr/bin/python3 tests/soak/kill_soak.py STEPD ECHO_WORKER
           [--duration SECONDS] [--kills N] [--rate STARTS_PER_S] [--seed N] [--data DIR]
  e.g. /usr/bin/python3 tests/soak/kill_soak.py build-soak/stepd build-soak/stepd-echo-worker
       (defaults: 1800 s, 100 kills; --duration 180 --kills 10 for a quick run)

Not part of CTest: it runs for half an hour. tests/soak/README.md has the
figures of a full run.

What runs: `stepd serve --worker-port 0` on one data directory, three
STANDARD machines (every output a pure function of the input, computed
here independently):
  flow     Pass, Wait 1-3 s, an inline Map, a Parallel with a Wait;
  acts     an activity Task served by remote actor workers
           (stepd-echo-worker, tests/workers/harness.py), an activity Task
           served by HTTP long-poll workers (boto3 get_activity_task in
           threads) that fail each task's first two attempts with "Flaky"
           (the Task retries them), then a Parallel of a remote Task and a
           Wait;
  mapacts  an inline Map (MaxConcurrency 2) whose iterations run a remote
           activity Task each.
Remote Tasks retry stepd.WorkerLost: now and then one echo worker is
SIGKILLed on its own while the server runs.

Starter threads start executions continuously and record every
acknowledged StartExecution (ARN, input, startDate), and every request
whose answer was lost (its fate unknown). The server is SIGKILLed at random
moments (uniformly random gaps, sized so that the kills spread over the
duration), restarted on the same data, the echo workers restarted, and the
load goes on. After each restart:
  - every execution acknowledged since the previous restart exists
    (DescribeExecution) with its acknowledged startDate;
  - a random sample of older ones has a sound history: event ids exactly
    1..N, no duplicates, previousEventId pointing back, and the events seen
    before (by earlier checks or the recorder) unchanged and still there.
A recorder thread keeps a digest of the history of every execution it
finds finished, so that later kills are checked against it. At the end,
with the load stopped and everything finished, every acknowledged
execution is checked in full: SUCCEEDED, the expected output, the history
sound and equal to its recorded prefix, the same events as an uninterrupted
run (activity retries aside: each ActivityScheduled ends once, failures
only Flaky or stepd.WorkerLost); and every start whose answer was lost
either never happened or ran the same way.

Exits 0 when every check passed, 1 otherwise, 77 when boto3 is missing.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "workers"))
try:
    import harness  # noqa: E402  (imports boto3)
    from botocore.exceptions import ClientError
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)
from harness import log  # noqa: E402

ROLE = harness.ROLE
RETRY_LOST = [{"ErrorEquals": ["stepd.WorkerLost"], "IntervalSeconds": 1, "MaxAttempts": 10, "BackoffRate": 1.0}]
FLAKY_FAILURES = 2  # each HTTP task fails this many attempts first
ACTIVITY_EVENTS = {"ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "ActivityFailed",
                   "ActivityTimedOut", "ActivityScheduleFailed"}


# ---------------------------------------------------------------- machines and their expected outputs

def flow_definition():
    return {
        "Comment": "kill soak: Pass, Wait, inline Map, Parallel",
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Parameters": {"id.$": "$.id", "items.$": "$.items", "delay.$": "$.delay"},
                        "Next": "Pause"},
            "Pause": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "Fan"},
            "Fan": {"Type": "Map", "ItemsPath": "$.items",
                    "ItemSelector": {"x.$": "$$.Map.Item.Value", "idx.$": "$$.Map.Item.Index"},
                    "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Double", "States": {
                        "Double": {"Type": "Pass",
                                   "Parameters": {"doubled.$": "States.MathAdd($.x, $.x)", "idx.$": "$.idx"},
                                   "End": True}}},
                    "ResultPath": "$.mapped", "Next": "Both"},
            "Both": {"Type": "Parallel", "ResultPath": "$.branches", "Next": "Done", "Branches": [
                {"StartAt": "Label", "States": {
                    "Label": {"Type": "Pass", "Parameters": {"label.$": "States.Format('item-{}', $.id)"},
                              "End": True}}},
                {"StartAt": "Nap", "States": {
                    "Nap": {"Type": "Wait", "Seconds": 1, "Next": "Count"},
                    "Count": {"Type": "Pass", "Parameters": {"count.$": "States.ArrayLength($.items)"},
                              "End": True}}}]},
            "Done": {"Type": "Pass",
                     "Parameters": {"id.$": "$.id", "mapped.$": "$.mapped", "branches.$": "$.branches"},
                     "End": True},
        },
    }


def acts_definition(remote, http):
    return {
        "Comment": "kill soak: remote and HTTP activities, Retry, Parallel",
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Parameters": {"id.$": "$.id", "n.$": "$.n"}, "Next": "Remote"},
            "Remote": {"Type": "Task", "Resource": remote, "Parameters": {"echo.$": "$.n", "who": "remote"},
                       "Retry": RETRY_LOST, "ResultPath": "$.remote", "Next": "Http"},
            "Http": {"Type": "Task", "Resource": http, "Parameters": {"id.$": "$.id", "n.$": "$.n"},
                     "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 5,
                                "BackoffRate": 1.0}],
                     "ResultSelector": {"doubled.$": "$.doubled"}, "ResultPath": "$.http", "Next": "Fan"},
            "Fan": {"Type": "Parallel", "ResultPath": "$.par", "Next": "Done", "Branches": [
                {"StartAt": "Again", "States": {
                    "Again": {"Type": "Task", "Resource": remote,
                              "Parameters": {"branch": 1, "n.$": "$.n"}, "Retry": RETRY_LOST, "End": True}}},
                {"StartAt": "Rest", "States": {
                    "Rest": {"Type": "Wait", "Seconds": 1, "Next": "Plus"},
                    "Plus": {"Type": "Pass", "Parameters": {"plus.$": "States.MathAdd($.n, 1)"}, "End": True}}}]},
            "Done": {"Type": "Pass",
                     "Parameters": {"id.$": "$.id", "remote.$": "$.remote", "http.$": "$.http", "par.$": "$.par"},
                     "End": True},
        },
    }


def mapacts_definition(remote):
    return {
        "Comment": "kill soak: an inline Map of remote activity Tasks",
        "StartAt": "Each",
        "States": {
            "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
                     "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
                     "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Work", "States": {
                         "Work": {"Type": "Task", "Resource": remote, "Retry": RETRY_LOST, "End": True}}},
                     "ResultPath": "$.out", "Next": "Done"},
            "Done": {"Type": "Pass", "Parameters": {"id.$": "$.id", "out.$": "$.out"}, "End": True},
        },
    }


def make_input(kind, n):
    if kind == "flow":
        return {"id": n, "items": [n, n + 1, n + 2], "delay": 1 + n % 3}
    if kind == "acts":
        return {"id": n, "n": n}
    return {"id": n, "items": [n % 97, n % 89, n % 83]}


def expected_output(kind, inp):
    """What the machine outputs for inp when nothing interrupts it."""
    n = inp["id"]
    if kind == "flow":
        return {"id": n, "mapped": [{"doubled": 2 * x, "idx": k} for k, x in enumerate(inp["items"])],
                "branches": [{"label": "item-%d" % n}, {"count": len(inp["items"])}]}
    if kind == "acts":
        return {"id": n, "remote": {"echo": n, "who": "remote"}, "http": {"doubled": 2 * n},
                "par": [{"branch": 1, "n": n}, {"plus": n + 1}]}
    return {"id": n, "out": [{"v": v, "i": i} for i, v in enumerate(inp["items"])]}


# ---------------------------------------------------------------- history checks

def event_key(e):
    """An event without its ids and times: type, state name, Map index."""
    key = [e["type"]]
    for field, details in e.items():
        if field.endswith("EventDetails") and isinstance(details, dict):
            for k in ("name", "index"):
                if k in details:
                    key.append("%s=%s" % (k, details[k]))
    return "|".join(key)


def canonical(e):
    return json.dumps(e, sort_keys=True, default=str).encode()


def prefix_digest(events, n):
    h = hashlib.sha256()
    for e in events[:n]:
        h.update(canonical(e))
    return h.hexdigest()


def activity_problems(h):
    """Each ActivityScheduled ends once (succeeded, failed or timed out);
    failures are only the injected ones."""
    c = Counter(e["type"] for e in h)
    out = []
    ends = c["ActivitySucceeded"] + c["ActivityFailed"] + c["ActivityTimedOut"]
    if c["ActivityScheduled"] != ends:
        out.append("%d ActivityScheduled, %d ends" % (c["ActivityScheduled"], ends))
    for e in h:
        if e["type"] == "ActivityFailed":
            err = e.get("activityFailedEventDetails", {}).get("error")
            if err not in ("Flaky", "stepd.WorkerLost"):
                out.append("ActivityFailed %s" % err)
        if e["type"] in ("ActivityTimedOut", "ActivityScheduleFailed"):
            out.append(e["type"])
    return out


class Ledger:
    """Everything the soak knows: acknowledged starts, lost answers, and
    the history digests seen so far. Thread-safe."""

    def __init__(self):
        self.mu = threading.Lock()
        self.acked = {}        # arn -> (kind, input, startDate, ack generation)
        self.order = []        # arns in ack order
        self.unacked = []      # (name, kind, input, error)
        self.attempted = 0
        self.seen = {}         # arn -> (event count, digest of those events, finished)
        self.events_checked = 0
        self.recorded_before_end = 0  # histories on record when the last kill was done
        self.problems = Counter()  # what went wrong, by kind
        self.details = []

    def fail(self, kind, detail):
        with self.mu:
            self.problems[kind] += 1
            if len(self.details) < 40:
                self.details.append("%s: %s" % (kind, str(detail)[:500]))
        print("FAIL %s %s" % (kind, str(detail)[:500]), flush=True)

    def check_history(self, arn, h, finished):
        """ids 1..N, previousEventId back, the recorded prefix unchanged;
        then records what was seen. Returns True when sound."""
        ok = True
        ids = [e["id"] for e in h]
        if ids != list(range(1, len(h) + 1)):
            dup = len(ids) != len(set(ids))
            self.fail("duplicated" if dup else "lost", "%s: event ids %s" % (arn, ids[:60]))
            ok = False
        bad_prev = [e["id"] for e in h if not 0 <= e.get("previousEventId", 0) < e["id"]]
        if bad_prev:
            self.fail("bad previousEventId", "%s: events %s" % (arn, bad_prev[:10]))
            ok = False
        with self.mu:
            before = self.seen.get(arn)
        if before:
            n, digest, was_finished = before
            if len(h) < n:
                self.fail("lost", "%s: %d events seen before, %d now" % (arn, n, len(h)))
                ok = False
            elif prefix_digest(h, n) != digest:
                self.fail("changed", "%s: the first %d events changed since they were seen" % (arn, n))
                ok = False
            elif was_finished and len(h) != n:
                self.fail("duplicated", "%s: a finished history grew from %d to %d events" % (arn, n, len(h)))
                ok = False
        with self.mu:
            self.events_checked += len(h)
            if ok and (not before or len(h) >= before[0]):
                self.seen[arn] = (len(h), prefix_digest(h, len(h)), finished)
        return ok


# ---------------------------------------------------------------- the server and its workers

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Stepd:
    """`stepd serve` on a fixed API port (clients keep their endpoint across
    restarts) and --worker-port 0; its echo workers."""

    def __init__(self, stepd, echo, data, port):
        self.stepd, self.echo, self.data, self.port = stepd, echo, data, port
        self.proc = None
        self.workers = {}
        self.worker_addr = None
        self.up = threading.Event()
        self.generation = 0
        self.recoveries = []   # (seconds from spawn to listening, open executions recovered)
        self.mu = threading.Lock()

    def start(self):
        t0 = time.monotonic()
        p = harness.Process([self.stepd, "serve", "--port", str(self.port), "--worker-port", "0",
                             "--data", self.data, "--activity-poll-seconds", "5"])
        line = p.wait_line("workers on ", timeout=120)
        listening = p.wait_line("listening on http://", timeout=120) if line else None
        if listening is None:
            p.kill()
            raise RuntimeError("stepd serve did not start: %s" % "\n".join(p.tail))
        took = time.monotonic() - t0
        recovered = None
        for t in p.tail:
            if "recovered " in t and " open executions" in t:
                recovered = int(t.split("recovered ")[1].split(" ")[0])
        self.proc = p
        self.worker_addr = line.split("://")[1].strip()
        self.recoveries.append((took, recovered))
        self.generation += 1
        self.up.set()
        return took, recovered

    def start_workers(self, remote_arn, names=("w0", "w1")):
        for name in names:
            w = harness.echo_worker(self.echo, self.worker_addr, remote_arn, name, concurrency=4, delay_ms=30)
            if w.wait_line("serving", timeout=30) is None:
                raise RuntimeError("echo worker %s did not start: %s" % (name, "\n".join(w.tail)))
            with self.mu:
                self.workers[name] = w

    def kill_worker(self, name):
        with self.mu:
            w = self.workers.pop(name, None)
        if w:
            w.kill()

    def kill(self):
        """SIGKILL the server, then its workers (they would exit anyway)."""
        self.up.clear()
        self.proc.kill()
        with self.mu:
            workers, self.workers = self.workers, {}
        for w in workers.values():
            w.kill()

    def died(self):
        return self.proc is not None and not self.proc.alive() and self.up.is_set()


# ---------------------------------------------------------------- load: starters and HTTP workers

def transient(e):
    """A request that failed because the server went away (or was not back
    yet): its fate is unknown."""
    if isinstance(e, ClientError):
        return e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
    return True  # connection refused / reset / read timeout


def starter(k, server, endpoint, machines, ledger, stop, rate, counter, lock):
    """Starts executions at `rate` per second (None: back to back, a burst)
    until `stop`; records each answer, or that it was lost."""
    sfn = harness.client(endpoint)
    rng = random.Random(k * 7919 + 1)
    kinds = ["flow"] * 4 + ["acts"] * 4 + ["mapacts"] * 2
    next_at = time.monotonic()
    while not stop.is_set():
        if not server.up.wait(timeout=1):
            if rate is None:
                return  # a burst ends with the kill
            continue
        with lock:
            counter[0] += 1
            n = counter[0]
        kind = rng.choice(kinds)
        inp = make_input(kind, n)
        name = "%s-%06d" % (kind, n)
        gen = server.generation
        with ledger.mu:
            ledger.attempted += 1
        try:
            r = sfn.start_execution(stateMachineArn=machines[kind], name=name, input=json.dumps(inp))
        except Exception as e:  # noqa: BLE001
            if not transient(e):
                ledger.fail("StartExecution refused", "%s: %s" % (name, e))
            with ledger.mu:
                ledger.unacked.append((name, kind, inp, "%s: %s" % (type(e).__name__, str(e)[:200])))
            if rate is None:
                return
            time.sleep(0.2)
            continue
        with ledger.mu:
            ledger.acked[r["executionArn"]] = (kind, inp, r["startDate"], gen)
            ledger.order.append(r["executionArn"])
        if rate is None:
            continue
        next_at += 1.0 / rate
        pause = next_at - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        else:
            next_at = time.monotonic()


def http_worker(k, server, endpoint, activity, stop, attempts, lock, stats):
    """GetActivityTask in a loop; fails each task's first FLAKY_FAILURES
    attempts with Flaky, then answers {"doubled": 2n}. An answer the server
    did not take (it was killed) is sent again once it is back."""
    sfn = harness.client(endpoint)
    name = "py%d" % k
    while not stop.is_set():
        if not server.up.wait(timeout=1):
            continue
        try:
            t = sfn.get_activity_task(activityArn=activity, workerName=name)
        except Exception:  # noqa: BLE001
            time.sleep(0.2)
            continue
        token = t.get("taskToken")
        if not token:
            continue
        inp = json.loads(t["input"])
        with lock:
            attempts[inp["id"]] += 1
            flaky = attempts[inp["id"]] <= FLAKY_FAILURES
        for _ in range(600):
            try:
                if flaky:
                    sfn.send_task_failure(taskToken=token, error="Flaky", cause="attempt %d" % attempts[inp["id"]])
                    stats["flaky"] += 1
                else:
                    sfn.send_task_success(taskToken=token, output=json.dumps({"doubled": 2 * inp["n"]}))
                    stats["answered"] += 1
                break
            except ClientError as e:
                code = e.response.get("Error", {}).get("Code", "")
                if code in ("TaskDoesNotExist", "TaskTimedOut", "InvalidToken"):
                    stats["stale"] += 1
                    break  # answered already, or re-offered under the same token and taken elsewhere
                time.sleep(0.2)
            except Exception:  # noqa: BLE001
                if stop.is_set():
                    break
                server.up.wait(timeout=5)
                time.sleep(0.1)


# ---------------------------------------------------------------- checks

def describe(sfn, arn):
    for attempt in range(20):
        try:
            return sfn.describe_execution(executionArn=arn), None
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            if code == "ExecutionDoesNotExist":
                return None, code
            if attempt == 19:
                return None, "%s %s" % (code, e)
        except Exception as e:  # noqa: BLE001
            if attempt == 19:
                return None, "%s %s" % (type(e).__name__, e)
        time.sleep(0.25)


def history(sfn, arn):
    for attempt in range(20):
        try:
            return harness.history(sfn, arn)
        except Exception:  # noqa: BLE001
            if attempt == 19:
                raise
            time.sleep(0.25)


def check_after_restart(sfn, ledger, since_gen, rng, sample=30):
    """Every execution acknowledged since `since_gen` exists with its
    startDate; a random sample of all has a sound history."""
    with ledger.mu:
        recent = [a for a in ledger.order if ledger.acked[a][3] >= since_gen]
        older = list(ledger.order)
    checked = 0
    for arn in recent:
        d, err = describe(sfn, arn)
        if d is None:
            ledger.fail("lost", "acknowledged %s does not exist after the restart: %s" % (arn, err))
            continue
        if d["startDate"] != ledger.acked[arn][2]:
            ledger.fail("changed", "%s: startDate %s, acknowledged %s" % (arn, d["startDate"], ledger.acked[arn][2]))
        checked += 1
    for arn in rng.sample(older, min(sample, len(older))):
        d, err = describe(sfn, arn)
        if d is None:
            ledger.fail("lost", "acknowledged %s does not exist after the restart: %s" % (arn, err))
            continue
        ledger.check_history(arn, history(sfn, arn), d["status"] != "RUNNING")
        checked += 1
    return len(recent), checked


def recorder(server, endpoint, ledger, stop):
    """Records the history digest of each execution once it has finished,
    oldest first, so that later kills are checked against it."""
    sfn = harness.client(endpoint)
    pos = 0
    pending = []
    while not stop.is_set():
        if not server.up.wait(timeout=1):
            continue
        with ledger.mu:
            pending += ledger.order[pos:]
            pos = len(ledger.order)
        still = []
        for arn in pending:
            if stop.is_set() or not server.up.is_set():
                still.append(arn)
                continue
            try:
                d = sfn.describe_execution(executionArn=arn)
                if d["status"] == "RUNNING":
                    still.append(arn)
                    continue
                ledger.check_history(arn, harness.history(sfn, arn), True)
            except Exception:  # noqa: BLE001  (a kill in between: next round)
                still.append(arn)
        pending = still
        time.sleep(0.5)


def final_check(sfn_factory, ledger, references, threads=4):
    """Every acknowledged execution, in full."""
    with ledger.mu:
        arns = list(ledger.order)
    results = Counter()
    local = threading.local()

    def one(arn):
        if not hasattr(local, "sfn"):
            local.sfn = sfn_factory()
        sfn = local.sfn
        kind, inp, start, _ = ledger.acked[arn]
        d, err = describe(sfn, arn)
        if d is None:
            ledger.fail("lost", "acknowledged %s does not exist: %s" % (arn, err))
            return
        verify_one(sfn, ledger, references, arn, kind, inp, d, start)
        results["checked"] += 1

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, arns))
    return results["checked"]


def verify_one(sfn, ledger, references, arn, kind, inp, d, start=None):
    if start is not None and d["startDate"] != start:
        ledger.fail("changed", "%s: startDate %s, acknowledged %s" % (arn, d["startDate"], start))
    if d["status"] != "SUCCEEDED":
        ledger.fail("not SUCCEEDED", "%s: %s %s %s" % (arn, d["status"], d.get("error", ""), d.get("cause", "")[:200]))
        return
    if json.loads(d.get("output", "null")) != expected_output(kind, inp):
        ledger.fail("wrong output", "%s: %s" % (arn, d.get("output")))
    h = history(sfn, arn)
    if not ledger.check_history(arn, h, True):
        return
    if not h or h[-1]["type"] != "ExecutionSucceeded":
        ledger.fail("bad end", "%s ends with %s" % (arn, h[-1]["type"] if h else "nothing"))
    got = Counter(event_key(e) for e in h if e["type"] not in ACTIVITY_EVENTS)
    ref = references[kind]["exact"]
    if got != ref:
        extra, lost = got - ref, ref - got
        ledger.fail("duplicated" if extra else "lost", "%s: doubled %s, lost %s" % (arn, dict(extra), dict(lost)))
    succeeded = sum(1 for e in h if e["type"] == "ActivitySucceeded")
    if succeeded != references[kind]["activities"]:
        ledger.fail("duplicated" if succeeded > references[kind]["activities"] else "lost",
                    "%s: %d ActivitySucceeded, an uninterrupted run has %d" %
                    (arn, succeeded, references[kind]["activities"]))
    for p in activity_problems(h):
        ledger.fail("activity", "%s: %s" % (arn, p))


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("stepd")
    ap.add_argument("echo_worker")
    ap.add_argument("--duration", type=float, default=1800.0, help="seconds of load (default 1800)")
    ap.add_argument("--kills", type=int, default=100, help="SIGKILLs of the server (default 100)")
    ap.add_argument("--rate", type=float, default=8.0, help="StartExecution calls per second (default 8)")
    ap.add_argument("--starters", type=int, default=4)
    ap.add_argument("--http-workers", type=int, default=3)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--data", default=None, help="data directory (default: a fresh one, removed at the end)")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    log("seed %d; %.0f s, %d kills, %.1f starts/s" % (seed, args.duration, args.kills, args.rate))

    data = args.data or tempfile.mkdtemp(prefix="stepd-soak-")
    endpoint = "http://127.0.0.1:%d" % free_port()
    port = int(endpoint.rsplit(":", 1)[1])
    server = Stepd(args.stepd, args.echo_worker, data, port)
    ledger = Ledger()
    stop_load, stop_workers = threading.Event(), threading.Event()
    threads = []
    wall0 = time.monotonic()
    kills_done = 0
    worker_kills = 0
    final_checked = cut_happened = 0
    unexpected_exits = []
    try:
        server.start()
        sfn = harness.client(endpoint)
        remote = sfn.create_activity(name="soak-remote")["activityArn"]
        http = sfn.create_activity(name="soak-http")["activityArn"]
        machines = {}
        for kind, definition in (("flow", flow_definition()), ("acts", acts_definition(remote, http)),
                                 ("mapacts", mapacts_definition(remote))):
            machines[kind] = sfn.create_state_machine(name="soak-" + kind, definition=json.dumps(definition),
                                                      roleArn=ROLE, type="STANDARD")["stateMachineArn"]
        server.start_workers(remote)
        attempts, attempts_lock = Counter(), threading.Lock()
        wstats = Counter()
        for k in range(args.http_workers):
            t = threading.Thread(target=http_worker, args=(k, server, endpoint, http, stop_workers, attempts,
                                                           attempts_lock, wstats), daemon=True)
            t.start()
            threads.append(t)

        # Uninterrupted runs, for the events each kind records.
        references = {}
        for kind in machines:
            inp = make_input(kind, 10 ** 8 + len(references))
            arn = sfn.start_execution(stateMachineArn=machines[kind], name="reference-" + kind,
                                      input=json.dumps(inp))["executionArn"]
            d = harness.wait_end(sfn, arn, timeout=60)
            if d["status"] != "SUCCEEDED" or json.loads(d.get("output", "null")) != expected_output(kind, inp):
                raise RuntimeError("the reference run of %s did not succeed as expected: %s" % (kind, d))
            h = harness.history(sfn, arn)
            references[kind] = {"exact": Counter(event_key(e) for e in h if e["type"] not in ACTIVITY_EVENTS),
                                "activities": sum(1 for e in h if e["type"] == "ActivitySucceeded")}
            log("reference %s: %d events, %d activity tasks" % (kind, len(h), references[kind]["activities"]))

        counter, counter_lock = [0], threading.Lock()
        for k in range(args.starters):
            t = threading.Thread(target=starter, args=(k, server, endpoint, machines, ledger, stop_load,
                                                       args.rate / args.starters, counter, counter_lock),
                                 daemon=True)
            t.start()
            threads.append(t)
        rec = threading.Thread(target=recorder, args=(server, endpoint, ledger, stop_workers), daemon=True)
        rec.start()
        threads.append(rec)

        deadline = time.monotonic() + args.duration
        last_gen = server.generation
        for k in range(args.kills):
            left = max(deadline - time.monotonic(), 1.0)
            mean = left / (args.kills - k)
            gap = rng.uniform(0.2 * mean, 1.8 * mean)
            # Now and then an echo worker dies on its own: stepd.WorkerLost.
            worker_kill_at = time.monotonic() + rng.uniform(0, gap) if rng.random() < 0.3 else None
            until = time.monotonic() + gap
            while time.monotonic() < until:
                if server.died():
                    unexpected_exits.append("\n".join(server.proc.tail[-15:]))
                    ledger.fail("server exited", server.proc.tail[-5:])
                    break
                if worker_kill_at and time.monotonic() >= worker_kill_at:
                    victim = rng.choice(["w0", "w1"])
                    server.kill_worker(victim)
                    worker_kills += 1
                    time.sleep(0.5)
                    server.start_workers(remote, names=(victim,))
                    worker_kill_at = None
                time.sleep(0.05)
            # Half the kills come in the middle of a burst of starts, so that
            # some are cut off mid-commit and others acknowledged just before.
            burst = []
            if rng.random() < 0.5:
                burst_stop = threading.Event()
                burst = [threading.Thread(target=starter, args=(1000 + k * 2 + b, server, endpoint, machines, ledger,
                                                                burst_stop, None, counter, counter_lock), daemon=True)
                         for b in range(2)]
                for t in burst:
                    t.start()
                time.sleep(rng.uniform(0.1, 0.8))
            with ledger.mu:
                acked_now, unacked_before = len(ledger.acked), len(ledger.unacked)
            server.kill()
            for t in burst:
                burst_stop.set()
                t.join(timeout=30)
            kills_done += 1
            took, recovered = server.start()
            server.start_workers(remote)
            recent, checked = check_after_restart(sfn, ledger, last_gen, rng)
            last_gen = server.generation - 1
            log("kill %d/%d%s: %d acknowledged, %d cut off; back in %.2f s (recovered %s open); %d new ones exist, "
                "%d checked; problems %d" % (kills_done, args.kills, " (in a burst)" if burst else "", acked_now,
                                             len(ledger.unacked) - unacked_before, took, recovered, recent, checked,
                                             sum(ledger.problems.values())))
        # Load off; let everything finish with the workers still serving.
        stop_load.set()
        with ledger.mu:
            ledger.recorded_before_end = len(ledger.seen)
        time.sleep(1)
        log("load stopped: %d attempted, %d acknowledged, %d answers lost" %
            (ledger.attempted, len(ledger.acked), len(ledger.unacked)))
        for kind, arn in machines.items():
            if not harness.wait_done(sfn, arn, 900):
                ledger.fail("not finished", "%s executions still RUNNING 15 min after the load stopped" % kind)
        log("all finished; checking every execution")
        t0 = time.monotonic()
        final_checked = final_check(lambda: harness.client(endpoint), ledger, references)
        # Starts whose answer was lost: never happened, or ran to the same end.
        cut_happened = 0
        for name, kind, inp, err in ledger.unacked:
            arn = machines[kind].replace(":stateMachine:", ":execution:") + ":" + name
            d, why = describe(sfn, arn)
            if d is None:
                if why != "ExecutionDoesNotExist":
                    ledger.fail("lost", "%s: %s" % (name, why))
                continue
            cut_happened += 1
            verify_one(sfn, ledger, references, arn, kind, inp, d)
        log("checked %d executions (and %d whose start answer was lost) in %.0f s" %
            (final_checked, cut_happened, time.monotonic() - t0))
        stop_workers.set()
        code = server.proc.terminate(timeout=30)
        if code != 0:
            ledger.fail("SIGTERM", "exit status %s" % code)
        server.up.clear()
    except Exception as e:  # noqa: BLE001  a broken harness or a dead server: report, don't hang
        ledger.fail("the soak ran to the end", "%s\n%s" % (e, traceback.format_exc()))
        if server.proc:
            print("stepd stderr (last lines):\n  " + "\n  ".join(server.proc.tail[-20:]))
    finally:
        stop_load.set()
        stop_workers.set()
        if server.proc and server.proc.alive():
            server.proc.kill()
        for w in list(server.workers.values()):
            w.kill()
        if not args.data:
            shutil.rmtree(data, ignore_errors=True)

    wall = time.monotonic() - wall0
    recov = [r[0] for r in server.recoveries[1:]]
    lost = ledger.problems["lost"] + ledger.problems["changed"]
    dup = ledger.problems["duplicated"]
    print()
    print("kill soak summary (seed %d)" % seed)
    print("  kills survived:        %d of %d (server exits on its own: %d; echo workers killed: %d)" %
          (kills_done if not unexpected_exits else kills_done - len(unexpected_exits), args.kills,
           len(unexpected_exits), worker_kills))
    print("  executions:            %d StartExecution calls, %d acknowledged, %d answers lost to a kill "
          "(%d of those had started, and ran the same)" %
          (ledger.attempted, len(ledger.acked), len(ledger.unacked), cut_happened))
    print("  executions checked:    %d in full at the end; histories recorded while the kills went on: %d" %
          (final_checked, ledger.recorded_before_end))
    print("  events checked:        %d" % ledger.events_checked)
    print("  activity answers:      %d HTTP successes, %d Flaky failures, %d stale answers refused" %
          (wstats["answered"], wstats["flaky"], wstats["stale"]))
    print("  lost=%d duplicated=%d other problems=%d" %
          (lost, dup, sum(ledger.problems.values()) - lost - dup))
    print("  wall time:             %.0f s" % wall)
    if recov:
        recov.sort()
        print("  recovery (SIGKILL -> listening): min %.2f s, median %.2f s, p95 %.2f s, max %.2f s; "
              "open executions recovered: median %s, max %s" %
              (recov[0], statistics.median(recov), recov[int(0.95 * (len(recov) - 1))], recov[-1],
               statistics.median([r[1] or 0 for r in server.recoveries[1:]]),
               max(r[1] or 0 for r in server.recoveries[1:])))
    for d in ledger.details:
        print("  FAIL " + d)
    print("kill soak: %s" % ("PASSED" if not ledger.problems else "FAILED: %s" % dict(ledger.problems)))
    return 1 if ledger.problems else 0


if __name__ == "__main__":
    sys.exit(main())
