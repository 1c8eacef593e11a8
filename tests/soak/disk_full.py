#!/usr/bin/python3
"""Disk full: `stepd serve` with its data on a small tmpfs that fills up.

Usage: sudo /usr/bin/python3 tests/soak/disk_full.py STEPD [--size-mib 64]

Needs root (it mounts a tmpfs); exits 77 with a message otherwise. Not in
CTest: tests/storage/fault_test.cpp and tests/actors/runtime_test.cpp hold
the same cases as unit tests that need no root.

  1. Committed data: 20 finished executions, a state machine, an activity;
     their Describe*/GetExecutionHistory/List* answers are kept.
  2. In flight: executions waiting in a Wait (they must append when it
     ends) and on an HTTP activity (answered while the disk is full).
  3. Fill: executions with 256 KiB inputs until StartExecution fails, then
     a filler file takes whatever is left, so that the disk is full.
  4. Full, for a while: every API call that writes answers HTTP 500 with an
     AWS-shaped body ({"__type": "...InternalError", "message": ...}) that
     names the cause, promptly (no hang); the server keeps running; reads
     of the committed data answer exactly as before; the stuck executions
     do not end (their steps are not durable) and the server says why in
     its log.
  5. Space returns (the filler is deleted): new executions start and
     succeed, the executions that were in flight finish with the outputs
     an uninterrupted run gives, with sound histories (ids 1..N, none
     doubled), and the starts refused while full never happened.
  6. A restart (SIGTERM, then serve again) finds everything as it was.
"""
import argparse
import hashlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "workers"))
try:
    import harness  # noqa: E402
    from botocore.exceptions import ClientError
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)
from harness import log  # noqa: E402

ROLE = harness.ROLE
HEADROOM = 12 << 20  # what the filler file leaves for stepd to fill
checks = harness.Checks()
check = checks.check

SMALL = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"v.$": "$.v", "tag": "small"},
                                          "End": True}}}
NAP = {"StartAt": "Nap", "States": {
    "Nap": {"Type": "Wait", "Seconds": 4, "Next": "Then"},
    "Then": {"Type": "Pass", "Parameters": {"v.$": "$.v", "after": "nap"}, "Next": "Again"},
    "Again": {"Type": "Wait", "Seconds": 1, "Next": "End"},
    "End": {"Type": "Pass", "End": True}}}
BIG = {"StartAt": "Keep", "States": {"Keep": {"Type": "Pass", "End": True}}}


def task_machine(activity):
    return {"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": activity, "ResultPath": "$.answer", "Next": "Done"},
        "Done": {"Type": "Pass", "End": True}}}


def raw_call(endpoint, action, body, timeout=30):
    """One AWS JSON 1.0 call; (HTTP status, parsed body or text, seconds)."""
    host, port = endpoint.split("://")[1].split(":")
    t0 = time.monotonic()
    c = http.client.HTTPConnection(host, int(port), timeout=timeout)
    c.request("POST", "/", body=json.dumps(body),
              headers={"Content-Type": "application/x-amz-json-1.0",
                       "X-Amz-Target": "AWSStepFunctions." + action})
    r = c.getresponse()
    text = r.read().decode()
    c.close()
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = text
    return r.status, parsed, time.monotonic() - t0


def aws_shaped_500(status, body):
    return (status == 500 and isinstance(body, dict) and set(body) == {"__type", "message"} and
            body["__type"].endswith("InternalError") and isinstance(body["message"], str) and body["message"])


def names_cause(body):
    m = body.get("message", "") if isinstance(body, dict) else ""
    return "No space left on device" in m or "space" in m.lower() or "full" in m.lower()


def list_all(sfn, machine):
    out, token = [], None
    while True:
        kw = {"stateMachineArn": machine, "maxResults": 1000}
        if token:
            kw["nextToken"] = token
        r = sfn.list_executions(**kw)
        out += [e["executionArn"] for e in r["executions"]]
        token = r.get("nextToken")
        if not token:
            return out


def snapshot(sfn, arns, machine_arns):
    """What the committed data reads as: describes, histories, and the
    lists as far as they show it."""
    out = {}
    for a in arns:
        d = sfn.describe_execution(executionArn=a)
        d.pop("ResponseMetadata", None)
        h = harness.history(sfn, a)
        out[a] = (json.dumps(d, sort_keys=True, default=str),
                  hashlib.sha256(json.dumps(h, sort_keys=True, default=str).encode()).hexdigest())
    for m in machine_arns:
        d = sfn.describe_state_machine(stateMachineArn=m)
        d.pop("ResponseMetadata", None)
        out[m] = json.dumps(d, sort_keys=True, default=str)
        out[m + "#list"] = json.dumps(sorted(a for a in list_all(sfn, m) if a in arns))
    out["machines"] = json.dumps(sorted(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]
                                        if not m["name"].startswith(("refused", "maybe"))))
    out["activities"] = json.dumps(sorted(a["activityArn"] for a in sfn.list_activities()["activities"]
                                          if a["name"] == "ask"))
    return out


def sound_history(sfn, arn):
    h = harness.history(sfn, arn)
    ids = [e["id"] for e in h]
    return ids == list(range(1, len(h) + 1)) and all(0 <= e.get("previousEventId", 0) < e["id"] for e in h), h


def short(x):
    return str(x)[:300]


def fill(endpoint, machine, prefix, inp, most, until=None):
    """Starts executions of `machine` until one is refused (or `most`, or
    the time `until`); (their ARNs, the refusal as (status, body, seconds))."""
    arns = []
    for i in range(most):
        if until and time.monotonic() > until:
            break
        status, body, took = raw_call(endpoint, "StartExecution", {
            "stateMachineArn": machine, "name": "%s-%d" % (prefix, i), "input": inp})
        if status != 200:
            if until:
                time.sleep(0.2)
                continue
            return arns, (status, body, took)
        arns.append(body["executionArn"])
    return arns, None


def fill_with_file(path, chunk=1 << 20):
    """Writes `path` until the file system is full; returns bytes written."""
    written = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        size = chunk
        while size >= 512:
            try:
                written += os.write(fd, b"\0" * size)
            except OSError:
                size //= 2
    finally:
        os.close(fd)
    return written


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stepd")
    ap.add_argument("--size-mib", type=int, default=64)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: disk_full.py mounts a tmpfs: run it as root")
        return 77
    mnt = tempfile.mkdtemp(prefix="stepd-diskfull-")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm" % args.size_mib, "tmpfs", mnt],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print("SKIP: cannot mount a tmpfs here: %s" % p.stderr.strip())
        os.rmdir(mnt)
        return 77
    data = os.path.join(mnt, "data")
    filler = os.path.join(mnt, "filler")
    server = None
    try:
        server = harness.Server(args.stepd, data, ["--activity-poll-seconds", "2"])
        ep, sfn = server.endpoint, server.sfn
        log("stepd on %s, data on a %d MiB tmpfs (%s)" % (ep, args.size_mib, data))

        # 1. Committed data.
        small = sfn.create_state_machine(name="small", definition=json.dumps(SMALL), roleArn=ROLE)["stateMachineArn"]
        nap = sfn.create_state_machine(name="nap", definition=json.dumps(NAP), roleArn=ROLE)["stateMachineArn"]
        big = sfn.create_state_machine(name="big", definition=json.dumps(BIG), roleArn=ROLE)["stateMachineArn"]
        act = sfn.create_activity(name="ask")["activityArn"]
        asker = sfn.create_state_machine(name="asker", definition=json.dumps(task_machine(act)),
                                         roleArn=ROLE)["stateMachineArn"]
        done = [sfn.start_execution(stateMachineArn=small, name="done-%d" % i,
                                    input=json.dumps({"v": i}))["executionArn"] for i in range(20)]
        for a in done:
            harness.wait_end(sfn, a, 30)
        before = snapshot(sfn, done, [small])
        check("the committed executions succeeded",
              all(json.loads(json.loads(before[a][0])["output"]) == {"v": i, "tag": "small"}
                  for i, a in enumerate(done)))

        # 2. In flight.
        naps = [sfn.start_execution(stateMachineArn=nap, name="nap-%d" % i,
                                    input=json.dumps({"v": i}))["executionArn"] for i in range(6)]
        asks = [sfn.start_execution(stateMachineArn=asker, name="ask-%d" % i,
                                    input=json.dumps({"q": i}))["executionArn"] for i in range(3)]
        stop_me = sfn.start_execution(stateMachineArn=nap, name="stop-me", input=json.dumps({"v": -1}))[
            "executionArn"]
        tasks = []
        for _ in range(3):
            t = sfn.get_activity_task(activityArn=act, workerName="diskfull")
            check("an activity task is handed out", "taskToken" in t, t)
            tasks.append(t)

        # 3. Fill: a filler file takes all but HEADROOM (it goes when space
        # returns), big executions take that until a start fails, then small
        # ones until one fails too. (LMDB reuses the pages its earlier
        # transactions freed, so a write that fits in them still succeeds on
        # a full disk: only growth fails.)
        filled = fill_with_file(filler)
        os.truncate(filler, max(0, filled - HEADROOM))
        payload = json.dumps({"blob": "x" * (200 << 10)})
        bigs, refusal = fill(ep, big, "big", payload, 1000)
        log("filler file: %d bytes; %d big executions before the first refusal: %s" %
            (os.path.getsize(filler), len(bigs), short(refusal)))
        check("filling with big executions ends in a refused StartExecution", refusal is not None)
        if refusal:
            check("the refusal is an AWS-shaped HTTP 500", aws_shaped_500(refusal[0], refusal[1]), refusal)
            check("the refusal names the cause", names_cause(refusal[1]), refusal[1])
        smalls, refusal = fill(ep, small, "small", json.dumps({"v": 0}), 20000)
        log("then %d small executions before a refusal: %s; %s" %
            (len(smalls), short(refusal), shutil.disk_usage(mnt)))
        check("small executions fill the rest until one is refused with an AWS-shaped 500 naming the cause",
              refusal is not None and aws_shaped_500(refusal[0], refusal[1]) and names_cause(refusal[1]), refusal)
        bigs += smalls

        # 4. Full. Writes that need the file to grow are refused; small ones
        # may still fit in pages freed inside it: either way the answer is
        # right, and what was answered 200 is durable (checked after).
        t_full = time.monotonic()
        must_fail = {
            "StartExecution": {"stateMachineArn": big, "name": "refused-big", "input": payload},
            "CreateStateMachine": {"name": "refused-big", "roleArn": ROLE, "definition": json.dumps(
                {"Comment": "y" * (600 << 10), "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})},
        }
        for action, body in must_fail.items():
            status, answer, took = raw_call(ep, action, body)
            check("full: a big %s answers an AWS-shaped 500 naming the cause, within 10 s" % action,
                  aws_shaped_500(status, answer) and names_cause(answer) and took < 10, (status, short(answer), took))
        may_fit = {
            "StartExecution": {"stateMachineArn": small, "name": "maybe-1", "input": "{\"v\": 1}"},
            "CreateActivity": {"name": "maybe"},
            "TagResource": {"resourceArn": small, "tags": [{"key": "k", "value": "v"}]},
            "StopExecution": {"executionArn": stop_me},
        }
        outcomes = {}
        for action, body in may_fit.items():
            status, answer, took = raw_call(ep, action, body)
            outcomes[action] = status
            check("full: %s answers 200 (it fit) or an AWS-shaped 500 naming the cause, within 10 s" % action,
                  (status == 200 or (aws_shaped_500(status, answer) and names_cause(answer))) and took < 10,
                  (status, short(answer), took))
        log("full: small writes answered %s" % outcomes)
        # A task answer is taken (its steps may or may not become durable).
        for t in tasks:
            try:
                sfn.send_task_success(taskToken=t["taskToken"], output=json.dumps({"ok": True}))
            except ClientError as e:
                check("full: SendTaskSuccess answers 200 or an AWS-shaped error",
                      e.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 500), e.response)
        # The naps' Waits end meanwhile; keep the disk under pressure.
        pressure = fill(ep, small, "pressure", json.dumps({"v": 0}), 200, until=time.monotonic() + 8)[0]
        check("full: the server still runs", server.alive(), "\n".join(server.tail))
        now = snapshot(sfn, done, [small])
        check("full: reads of the committed data answer as before", now == before,
              [k for k in before if now.get(k) != before[k]][:5])
        states = [sfn.describe_execution(executionArn=a)["status"] for a in naps + asks]
        log("full for %.1f s (%d more small starts fit); in flight: %s" %
            (time.monotonic() - t_full, len(pressure), states))
        refusals_logged = [line for line in server.tail if "journal refuses appends" in line]
        log("server log: %s" % (refusals_logged[:1] or "nothing about refused appends"))
        check("full: the server log says that appends of executions fail, and why",
              refusals_logged and all(names_cause({"message": line}) for line in refusals_logged),
              "\n".join(server.tail[-10:]))
        bigs += pressure

        # 5. Space returns.
        os.unlink(filler)
        t_back = time.monotonic()
        new = None
        while time.monotonic() - t_back < 30 and new is None:
            try:
                new = sfn.start_execution(stateMachineArn=small, name="after", input=json.dumps({"v": 99}))
            except ClientError:
                time.sleep(0.5)
        check("space back: StartExecution works again", new is not None)
        if new:
            d = harness.wait_end(sfn, new["executionArn"], 30)
            check("space back: a new execution succeeds",
                  d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"v": 99, "tag": "small"}, d)
        # The asks' answers were lost with the failed appends: the tasks are offered again.
        answered = 0
        deadline = time.monotonic() + 60
        while answered < len(asks) and time.monotonic() < deadline:
            if all(sfn.describe_execution(executionArn=a)["status"] != "RUNNING" for a in asks):
                break
            t = sfn.get_activity_task(activityArn=act, workerName="diskfull-again")
            if "taskToken" in t:
                sfn.send_task_success(taskToken=t["taskToken"], output=json.dumps({"ok": True}))
                answered += 1
        log("space back: %d activity tasks answered again" % answered)

        def finished_right():
            bad = []
            for i, a in enumerate(naps):
                d = harness.wait_end(sfn, a, 60)
                ok, h = sound_history(sfn, a)
                if d["status"] != "SUCCEEDED" or json.loads(d["output"]) != {"v": i, "after": "nap"} or not ok:
                    bad.append((a, d["status"], d.get("output"), [e["id"] for e in h]))
                if sum(1 for e in h if e["type"] == "WaitStateEntered") != 2:
                    bad.append((a, "doubled or lost events", [e["type"] for e in h]))
            for i, a in enumerate(asks):
                d = harness.wait_end(sfn, a, 60)
                ok, h = sound_history(sfn, a)
                if d["status"] != "SUCCEEDED" or json.loads(d["output"]) != {"q": i, "answer": {"ok": True}} or \
                        not ok:
                    bad.append((a, d["status"], d.get("output"), [e["id"] for e in h]))
            return bad

        bad = finished_right()
        check("space back: the executions in flight finish as an uninterrupted run, histories sound", not bad, bad)
        log("space back: everything in flight finished %.1f s after the filler went" % (time.monotonic() - t_back))
        def as_answered():
            """What the writes of the full phase left: those refused never
            happened, those answered 200 did."""
            bad = []
            try:
                sfn.describe_execution(executionArn=big.replace(":stateMachine:", ":execution:") + ":refused-big")
                bad.append("the refused big start exists")
            except ClientError as e:
                if e.response["Error"]["Code"] != "ExecutionDoesNotExist":
                    bad.append(str(e))
            listed = [m["name"] for m in sfn.list_state_machines()["stateMachines"]]
            if "refused-big" in listed:
                bad.append("the refused CreateStateMachine happened")
            maybe = small.replace(":stateMachine:", ":execution:") + ":maybe-1"
            try:
                exists = sfn.describe_execution(executionArn=maybe)["status"] == "SUCCEEDED"
            except ClientError:
                exists = False
            if exists != (outcomes["StartExecution"] == 200):
                bad.append("small start answered %s, exists: %s" % (outcomes["StartExecution"], exists))
            acts = [a["name"] for a in sfn.list_activities()["activities"]]
            if ("maybe" in acts) != (outcomes["CreateActivity"] == 200):
                bad.append("CreateActivity answered %s, listed: %s" % (outcomes["CreateActivity"], acts))
            tags = sfn.list_tags_for_resource(resourceArn=small)["tags"]
            if (tags == [{"key": "k", "value": "v"}]) != (outcomes["TagResource"] == 200):
                bad.append("TagResource answered %s, tags %s" % (outcomes["TagResource"], tags))
            d = harness.wait_end(sfn, stop_me, 60)
            want = "ABORTED" if outcomes["StopExecution"] == 200 else "SUCCEEDED"
            if d["status"] != want:
                bad.append("StopExecution answered %s, the execution is %s" % (outcomes["StopExecution"], d["status"]))
            for a in bigs:
                if sfn.describe_execution(executionArn=a)["status"] != "SUCCEEDED":
                    bad.append("acknowledged %s did not succeed" % a)
            return bad

        bad = as_answered()
        check("space back: what was refused never happened, what was answered 200 did", not bad, bad[:5])
        now = snapshot(sfn, done, [small])
        check("space back: the committed data reads as before", now == before)

        # 6. Restart.
        code = server.terminate(30)
        check("SIGTERM: exit 0", code == 0, "\n".join(server.tail))
        check("no sanitizer report", not any(m in line for line in server.tail
                                             for m in ("Sanitizer", "runtime error:")), "\n".join(server.tail))
        server = harness.Server(args.stepd, data, ["--activity-poll-seconds", "2"])
        sfn = server.sfn
        check("after a restart: the committed data reads as before", snapshot(sfn, done, [small]) == before)
        check("after a restart: the executions in flight are as they ended", not finished_right())
        check("after a restart: what was refused never happened, what was answered 200 did", not as_answered())
        code = server.terminate(30)
        check("SIGTERM again: exit 0", code == 0, "\n".join(server.tail))
        server = None
    except Exception as e:  # noqa: BLE001
        import traceback
        check("the test ran to the end", False, "%s\n%s" % (e, traceback.format_exc()))
        if server:
            print("stepd stderr (last lines):\n  " + "\n  ".join(server.tail[-20:]))
    finally:
        if server:
            server.kill()
        subprocess.run(["umount", mnt], capture_output=True)
        os.rmdir(mnt)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
