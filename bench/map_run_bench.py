#!/usr/bin/python3
"""Distributed Map throughput through `stepd serve` (issue #10): one parent
execution whose Map Run starts N child executions of a 3-state workflow
(Pass, Pass with Parameters, Succeed), MaxConcurrency 10,000, items from the
execution input (so N stays under the 256 KiB input limit: at most ~40,000).
Prints wall time from StartExecution to the parent's end, children/s, and
the server's peak RSS (VmHWM).

Usage: bench/map_run_bench.py STEPD_BINARY [N] [EXPRESS|STANDARD ...]
Not a test: it asserts only that the parent succeeds."""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "workers"))
import harness  # noqa: E402

CHILD = {"StartAt": "A", "States": {
    "A": {"Type": "Pass", "Next": "B"},
    "B": {"Type": "Pass", "Parameters": {"x.$": "$"}, "Next": "C"},
    "C": {"Type": "Succeed"}}}


def run(stepd, kind, n):
    data = tempfile.mkdtemp(prefix="stepd-mapbench-")
    srv = harness.Server(stepd, data)
    try:
        sfn = srv.sfn
        child = dict(CHILD, ProcessorConfig={"Mode": "DISTRIBUTED", "ExecutionType": kind})
        d = {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ResultPath": None,
                                              "MaxConcurrency": 10000, "ItemProcessor": child}}}
        sm = sfn.create_state_machine(name="mapbench", definition=json.dumps(d), roleArn=harness.ROLE)
        items = json.dumps(list(range(n)), separators=(",", ":"))
        t0 = time.monotonic()
        ex = sfn.start_execution(stateMachineArn=sm["stateMachineArn"], input=items)["executionArn"]
        while True:
            r = sfn.describe_execution(executionArn=ex)
            if r["status"] != "RUNNING":
                break
            time.sleep(0.02)
        elapsed = time.monotonic() - t0
        with open("/proc/%d/status" % srv.proc.pid) as f:
            hwm = f.read().split("VmHWM:")[1].split("\n")[0].strip()
        if r["status"] != "SUCCEEDED":
            raise SystemExit("parent ended %s: %s" % (r["status"], r.get("cause")))
        print("%-8s %7d children  %6.2f s  %8.0f children/s  server peak RSS %s" % (kind, n, elapsed, n / elapsed, hwm))
    finally:
        srv.terminate()
        shutil.rmtree(data, ignore_errors=True)


def main():
    stepd = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 40000
    kinds = sys.argv[3:] or ["EXPRESS", "STANDARD"]
    for kind in kinds:
        run(stepd, kind, n)


if __name__ == "__main__":
    main()
