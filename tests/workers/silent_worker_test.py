#!/usr/bin/python3
"""A worker that goes silent (no FIN, no data: a network cut) is noticed.

Usage: /usr/bin/python3 silent_worker_test.py STEPD_BINARY ECHO_WORKER_BINARY

A cut cable, a dead NAT entry or a frozen host leave the TCP connection
open and simply stop talking. We make that happen with SIGSTOP on the worker
process: the kernel keeps its socket open, the process sends nothing, not
even the middleman's heartbeats. w0 takes COUNT tasks (it holds each
HOLD_MS) and is frozen; w1 joins. The server must notice the silence within
its peer timeout (10 s; ~1 s heartbeats), fail w0's tasks with
stepd.WorkerLost, and the Retry hands them to w1: every execution SUCCEEDS,
each with one ActivityFailed (w0, stepd.WorkerLost) 9-25 s after the freeze.

Exits 77 when boto3 is missing.
"""
import json
import os
import shutil
import signal
import sys
import tempfile
import time

if len(sys.argv) < 3:
    sys.exit("usage: silent_worker_test.py STEPD_BINARY ECHO_WORKER_BINARY")
STEPD, ECHO = sys.argv[1], sys.argv[2]
try:
    import boto3  # noqa: F401
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import log  # noqa: E402

COUNT = 8
HOLD_MS = 60000  # w0 would answer after a minute: only the loss detection can end these sooner


def main():
    c = harness.Checks()
    data = tempfile.mkdtemp(prefix="stepd-silent-")
    server, workers = None, []
    try:
        server = harness.Server(STEPD, data)
        sfn = server.sfn
        act = sfn.create_activity(name="echo")["activityArn"]
        sm = sfn.create_state_machine(name="silent", definition=harness.machine(act), roleArn=harness.ROLE,
                                      type="STANDARD")["stateMachineArn"]
        w0 = harness.echo_worker(ECHO, server.worker_addr, act, "w0", COUNT, HOLD_MS)
        workers.append(w0)
        if not c.check("worker w0 starts", w0.wait_line("serving") is not None, "\n".join(w0.tail)):
            return c.finish()
        arns, threads = harness.start_all(server.endpoint, sm, "cut", COUNT)
        for t in threads:
            t.join()
        # Wait until w0 holds every task (ActivityStarted by w0 in each history).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            held = sum(1 for a in arns if any(e["type"] == "ActivityStarted" for e in harness.history(sfn, a)))
            if held == COUNT:
                break
            time.sleep(0.1)
        if not c.check("w0 holds every task", held == COUNT, held):
            return c.finish()
        w0.proc.send_signal(signal.SIGSTOP)
        frozen_at = time.time()
        log("w0 frozen (SIGSTOP) holding %d tasks" % COUNT)
        w1 = harness.echo_worker(ECHO, server.worker_addr, act, "w1", COUNT, 0)
        workers.append(w1)
        c.check("worker w1 starts", w1.wait_line("serving") is not None, "\n".join(w1.tail))
        c.check("all executions finish", harness.wait_done(sfn, sm, 60))
        log("all finished %.1fs after the freeze" % (time.time() - frozen_at))

        bad, delays = [], []
        for i, arn in enumerate(arns):
            d = sfn.describe_execution(executionArn=arn)
            ev = harness.history(sfn, arn)
            failed = [e for e in ev if e["type"] == "ActivityFailed"]
            started = [e["activityStartedEventDetails"].get("workerName") for e in ev if e["type"] == "ActivityStarted"]
            if d["status"] != "SUCCEEDED" or json.loads(d.get("output", "null")) != {"n": i}:
                bad.append((i, d["status"], d.get("cause")))
            elif started != ["w0", "w1"] or len(failed) != 1 or \
                    failed[0]["activityFailedEventDetails"].get("error") != "stepd.WorkerLost":
                bad.append((i, started, [f["activityFailedEventDetails"] for f in failed]))
            else:
                delays.append(failed[0]["timestamp"].timestamp() - frozen_at)
        c.check("every execution: w0 lost (stepd.WorkerLost), retried on w1, SUCCEEDED", not bad, bad[:4])
        if delays:
            log("loss noticed %.1f-%.1f s after the freeze" % (min(delays), max(delays)))
            c.check("the silence is noticed by the peer timeout, not before it and not much after",
                    all(9 <= x <= 25 for x in delays), delays)
    finally:
        for w in workers:
            if w.alive():
                w.proc.send_signal(signal.SIGCONT)
            w.kill()
        if server:
            code = server.terminate(30)
            c.check("server stops on SIGTERM", code == 0, "\n".join(server.tail))
        shutil.rmtree(data, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
