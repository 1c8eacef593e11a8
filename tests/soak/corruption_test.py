#!/usr/bin/python3
"""Damaged data files: a clear error naming the file, never a crash.

Usage: /usr/bin/python3 tests/soak/corruption_test.py STEPD

Writes a store with `stepd serve` (finished executions, two executions
waiting on an activity), stops it, and then, each time on a fresh copy:
  (a) garbage over data.mdb's header (meta) pages: `stepd serve` and
      `stepd history` exit 1 with a message naming the file as not an
      LMDB environment / corrupt;
  (b) damaged bytes inside stored records (the FlatBuffers length of one
      execution's input, in its record and its ExecutionStarted event; the
      same for one execution still open): the server starts; reading the
      damaged finished execution gives an AWS-shaped HTTP 500 naming the
      corrupt record and the file, the other executions read as before,
      recovery skips the damaged open one saying why and resumes the other
      (whose task is answered and which then succeeds); `stepd history` of
      the damaged execution exits 1 naming it;
  (c) a truncated data.mdb (to half, and to nothing): refused by name;
  (d) the task-token key file of the wrong size, or with a byte changed:
      refused by name.
Never a signal, a core dump or a sanitizer report (the CTest build is the
sanitized one). Exits 77 when boto3 is missing.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import http.client

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "workers"))
try:
    import harness  # noqa: E402
    from botocore.exceptions import ClientError
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)
from harness import log  # noqa: E402

STEPD = sys.argv[1]
ROLE = harness.ROLE
checks = harness.Checks()
check = checks.check
KEY_FILE = "task-token.key"
SANITIZER_MARKS = ("Sanitizer", "runtime error:", "core dumped", "Segmentation fault", "terminate called")


def run(*argv, timeout=60):
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout)


def clean_exit(p):
    """Exited by itself (no signal), with no sanitizer or crash report."""
    return p.returncode is not None and p.returncode >= 0 and not any(m in p.stderr for m in SANITIZER_MARKS)


def serve_refuses(data, what, *needles):
    """`stepd serve` on `data` must exit 1 by itself, naming the problem."""
    p = run(STEPD, "serve", "--port", "0", "--data", data, timeout=60)
    check("%s: stepd serve exits 1" % what, p.returncode == 1, (p.returncode, p.stderr[-800:]))
    check("%s: no crash, no sanitizer report" % what, clean_exit(p), p.stderr[-800:])
    for n in needles:
        check("%s: the error says %r" % (what, n), n in p.stderr, p.stderr[-800:])
    return p


def history_refuses(data, arn, what, *needles):
    p = run(STEPD, "history", "--data", data, arn)
    check("%s: stepd history exits 1" % what, p.returncode == 1, (p.returncode, p.stdout[:200], p.stderr[-800:]))
    check("%s: stepd history does not crash" % what, clean_exit(p), p.stderr[-800:])
    for n in needles:
        check("%s: stepd history says %r" % (what, n), n in p.stderr, p.stderr[-800:])


def raw_call(endpoint, action, body):
    host, port = endpoint.split("://")[1].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    c.request("POST", "/", body=json.dumps(body), headers={"Content-Type": "application/x-amz-json-1.0",
                                                           "X-Amz-Target": "AWSStepFunctions." + action})
    r = c.getresponse()
    text = r.read().decode()
    c.close()
    try:
        return r.status, json.loads(text)
    except ValueError:
        return r.status, text


def patch_length_prefix(path, text):
    """Makes the FlatBuffers length in front of every stored copy of `text`
    huge; returns how many copies were damaged."""
    with open(path, "rb") as f:
        b = bytearray(f.read())
    raw = text.encode()
    want = len(raw).to_bytes(4, "little")
    n, at = 0, b.find(raw)
    while at != -1:
        if at >= 4 and b[at - 4:at] == want:
            b[at - 4:at] = b"\xf0\xff\xff\x7f"
            n += 1
        at = b.find(raw, at + 1)
    with open(path, "wb") as f:
        f.write(b)
    return n


def copy_of(pristine, label):
    """A copy of the store beside it, to damage."""
    d = os.path.join(os.path.dirname(pristine), label)
    shutil.copytree(pristine, d)
    return d


def main():
    root = tempfile.mkdtemp(prefix="stepd-corruption-")
    pristine = os.path.join(root, "data")
    server = None
    try:
        # A store: 6 finished executions, 2 waiting on an activity.
        server = harness.Server(STEPD, pristine, ["--activity-poll-seconds", "1"])
        sfn = server.sfn
        pass_sm = sfn.create_state_machine(name="pass", roleArn=ROLE, definition=json.dumps(
            {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"v.$": "$.v"}, "End": True}}}))[
            "stateMachineArn"]
        act = sfn.create_activity(name="work")["activityArn"]
        ask_sm = sfn.create_state_machine(name="ask", roleArn=ROLE, definition=json.dumps(
            {"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": act, "End": True}}}))[
            "stateMachineArn"]
        inputs = {i: json.dumps({"v": "finished-%d-%08x" % (i, random.getrandbits(32))}) for i in range(6)}
        done = {i: sfn.start_execution(stateMachineArn=pass_sm, name="done-%d" % i, input=inputs[i])["executionArn"]
                for i in range(6)}
        for a in done.values():
            check("a finished execution succeeds", harness.wait_end(sfn, a, 30)["status"] == "SUCCEEDED")
        open_inputs = {k: json.dumps({"v": "open-%s-%08x" % (k, random.getrandbits(32))}) for k in ("victim", "ok")}
        opened = {k: sfn.start_execution(stateMachineArn=ask_sm, name="open-" + k, input=v)["executionArn"]
                  for k, v in open_inputs.items()}
        time.sleep(0.5)
        reads = {a: (sfn.describe_execution(executionArn=a)["output"], len(harness.history(sfn, a)))
                 for a in done.values()}
        check("SIGTERM stops the writer", server.terminate(30) == 0, "\n".join(server.tail))
        server = None
        data_file = os.path.join(pristine, "data.mdb")
        size = os.path.getsize(data_file)
        log("store written: %d bytes" % size)

        # (a) garbage over the header pages.
        d = copy_of(pristine, "meta")
        with open(os.path.join(d, "data.mdb"), "r+b") as f:
            f.write(random.Random(1).randbytes(8192))
        serve_refuses(d, "garbage meta pages", os.path.join(d, "data.mdb"), "not an LMDB environment")
        history_refuses(d, done[0], "garbage meta pages", os.path.join(d, "data.mdb"), "not an LMDB environment")
        shutil.rmtree(d)

        # (b) damaged records: done-2, and the open victim.
        d = copy_of(pristine, "records")
        df = os.path.join(d, "data.mdb")
        n_done = patch_length_prefix(df, inputs[2])
        n_open = patch_length_prefix(df, open_inputs["victim"])
        check("the damaged input was found in the record and the first event (and maybe stale copies)",
              n_done >= 2 and n_open >= 2, (n_done, n_open))
        server = harness.Server(STEPD, d, ["--activity-poll-seconds", "1"])
        sfn = server.sfn
        status, body = raw_call(server.endpoint, "DescribeExecution", {"executionArn": done[2]})
        check("damaged record: DescribeExecution is an AWS-shaped 500",
              status == 500 and isinstance(body, dict) and set(body) == {"__type", "message"}, (status, body))
        msg = body.get("message", "") if isinstance(body, dict) else ""
        check("damaged record: the message names the corrupt record and the file",
              "corrupt execution record" in msg and df in msg, msg)
        status, body = raw_call(server.endpoint, "GetExecutionHistory", {"executionArn": done[2]})
        msg = body.get("message", "") if isinstance(body, dict) else ""
        check("damaged event: GetExecutionHistory is a 500 naming the corrupt event and the file",
              status == 500 and "corrupt history event" in msg and "event 1 of" in msg and df in msg, (status, body))
        same = all((sfn.describe_execution(executionArn=a)["output"], len(harness.history(sfn, a))) == reads[a]
                   for i, a in done.items() if i != 2)
        check("damaged record: the other executions read as before", same)
        check("damaged record: the damaged open execution is skipped by recovery, saying why",
              any("recovery skips an open execution" in line and df in line for line in server.tail),
              "\n".join(server.tail[-10:]))
        t = sfn.get_activity_task(activityArn=act, workerName="corruption")
        check("the undamaged open execution is resumed: its task is offered again",
              json.loads(t.get("input", "null") or "null") == json.loads(open_inputs["ok"]), t)
        if "taskToken" in t:
            sfn.send_task_success(taskToken=t["taskToken"], output=json.dumps({"answered": True}))
            e = harness.wait_end(sfn, opened["ok"], 30)
            check("the undamaged open execution succeeds", e["status"] == "SUCCEEDED" and
                  json.loads(e["output"]) == {"answered": True}, e)
        check("damaged record: the server still runs", server.alive())
        check("damaged record: SIGTERM, exit 0", server.terminate(30) == 0, "\n".join(server.tail))
        check("damaged record: no sanitizer report", not any(m in line for line in server.tail
                                                              for m in SANITIZER_MARKS), "\n".join(server.tail))
        server = None
        history_refuses(d, done[2], "damaged record", "corrupt execution record", df)
        p = run(STEPD, "history", "--data", d, done[3])
        check("damaged record: stepd history of another execution works",
              p.returncode == 0 and len(json.loads(p.stdout)["events"]) == reads[done[3]][1], p.stderr[-500:])
        shutil.rmtree(d)

        # (c) truncated data files.
        d = copy_of(pristine, "truncated")
        df = os.path.join(d, "data.mdb")
        os.truncate(df, size // 2)
        serve_refuses(d, "data.mdb cut to half", df, "truncated")
        history_refuses(d, done[0], "data.mdb cut to half", df, "truncated")
        os.truncate(df, 0)
        serve_refuses(d, "data.mdb emptied", df + " is empty")
        shutil.rmtree(d)

        # (d) the key file.
        d = copy_of(pristine, "key")
        key = os.path.join(d, KEY_FILE)
        with open(key, "rb") as f:
            original = f.read()
        with open(key, "wb") as f:
            f.write(original[:10])
        serve_refuses(d, "a key file of 10 bytes", key, "not a stepd key")
        with open(key, "wb") as f:
            f.write(original + b"more")
        serve_refuses(d, "a key file too long", key, "not a stepd key")
        changed = bytearray(original)
        changed[3] ^= 0x40
        with open(key, "wb") as f:
            f.write(bytes(changed))
        serve_refuses(d, "a key file with a byte changed", key, "corrupt")
        with open(key, "wb") as f:
            f.write(original)
        server = harness.Server(STEPD, d)
        check("the key file restored: the server starts and reads", server.sfn.describe_execution(
            executionArn=done[1])["status"] == "SUCCEEDED")
        check("SIGTERM, exit 0", server.terminate(30) == 0)
        server = None
        shutil.rmtree(d)
    except Exception as e:  # noqa: BLE001  report, don't hang
        import traceback
        check("the test ran to the end", False, "%s\n%s" % (e, traceback.format_exc()))
        if server:
            print("stepd stderr (last lines):\n  " + "\n  ".join(server.tail[-20:]))
    finally:
        if server:
            server.kill()
        shutil.rmtree(root, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
