#!/usr/bin/python3
"""Remote actor workers: three echo workers, 1,000 executions, one SIGKILL.

Usage: /usr/bin/python3 remote_workers_test.py STEPD_BINARY ECHO_WORKER_BINARY [--no-kill]

Starts `stepd serve --worker-port 0` on a fresh data directory, an activity
and a STANDARD machine whose one Task (that activity) retries
stepd.WorkerLost. Three `stepd-echo-worker` processes (w0, w1, w2) serve it
with a small delay so tasks are in flight. 1,000 executions are started;
once a third of them have been started, w1 is SIGKILLed. Then every
execution must SUCCEED with its input as output; every ActivityStarted by
w1 must be followed by ActivitySucceeded (answered before the kill) or by
ActivityFailed with error stepd.WorkerLost and a new ActivityScheduled (the
retry); at least one such loss must have happened; no other worker loses a
task. --no-kill runs the same without the kill (and expects no loss).

Exits 77 when boto3 is missing.
"""
import json
import os
import shutil
import sys
import tempfile
import time

if len(sys.argv) < 3:
    sys.exit("usage: remote_workers_test.py STEPD_BINARY ECHO_WORKER_BINARY [--no-kill]")
STEPD, ECHO = sys.argv[1], sys.argv[2]
KILL = "--no-kill" not in sys.argv[3:]
try:
    import boto3  # noqa: F401
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import log  # noqa: E402

COUNT = 1000
KILL_AFTER_STARTED = COUNT // 3
DELAY_MS = 40
CONCURRENCY = 8


def main():
    c = harness.Checks()
    data = tempfile.mkdtemp(prefix="stepd-workers-")
    server, workers = None, []
    try:
        server = harness.Server(STEPD, data)
        sfn = server.sfn
        log("server: http %s, workers %s" % (server.endpoint, server.worker_addr))
        act = sfn.create_activity(name="echo")["activityArn"]
        sm = sfn.create_state_machine(name="remote-echo", definition=harness.machine(act), roleArn=harness.ROLE,
                                      type="STANDARD")["stateMachineArn"]
        for i in range(3):
            w = harness.echo_worker(ECHO, server.worker_addr, act, "w%d" % i, CONCURRENCY, DELAY_MS)
            if not c.check("worker w%d starts" % i, w.wait_line("serving") is not None, "\n".join(w.tail)):
                return c.finish()
            workers.append(w)
        t0 = time.monotonic()
        arns, threads = harness.start_all(server.endpoint, sm, "run", COUNT)
        if KILL:
            while sum(1 for a in arns if a) < KILL_AFTER_STARTED and any(t.is_alive() for t in threads):
                time.sleep(0.01)
            workers[1].kill()
            log("SIGKILLed w1 after %d starts" % sum(1 for a in arns if a))
        for t in threads:
            t.join()
        c.check("every execution started", all(arns), sum(1 for a in arns if not a))
        done = harness.wait_done(sfn, sm, 120)
        elapsed = time.monotonic() - t0
        c.check("all executions finish", done)
        log("%d executions finished in %.1fs" % (COUNT, elapsed))

        lost_w1 = 0
        bad = []
        for i, arn in enumerate(arns):
            if not arn:
                continue
            d = sfn.describe_execution(executionArn=arn)
            if d["status"] != "SUCCEEDED" or json.loads(d.get("output", "null")) != {"n": i}:
                bad.append((i, d["status"], d.get("output"), d.get("error"), d.get("cause")))
                continue
            ev = harness.history(sfn, arn)
            worker = None
            for k, e in enumerate(ev):
                t = e["type"]
                if t == "ActivityStarted":
                    worker = e["activityStartedEventDetails"].get("workerName")
                elif t == "ActivityFailed":
                    err = e["activityFailedEventDetails"].get("error")
                    rest = [x["type"] for x in ev[k + 1:]]
                    if worker != "w1" or err != "stepd.WorkerLost" or not KILL:
                        bad.append((i, "unexpected ActivityFailed", worker, err))
                    elif "ActivityScheduled" not in rest:
                        bad.append((i, "no retry after WorkerLost", rest))
                    else:
                        lost_w1 += 1
        c.check("every execution SUCCEEDED with its input, losses only on w1 and retried", not bad, bad[:5])
        if KILL:
            c.check("the killed worker's tasks failed with stepd.WorkerLost", lost_w1 > 0, lost_w1)
            log("%d tasks of w1 lost and retried" % lost_w1)
        for i, w in enumerate(workers):
            if KILL and i == 1:
                continue
            c.check("worker w%d still runs" % i, w.alive(), "\n".join(w.tail))
    finally:
        for w in workers:
            w.kill()
        if server:
            code = server.terminate(30)
            c.check("server stops on SIGTERM", code == 0, "\n".join(server.tail))
        shutil.rmtree(data, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
