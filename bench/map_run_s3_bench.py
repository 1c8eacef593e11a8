#!/usr/bin/python3
"""Distributed Map over a large CSV object (issue #10's speed target):
N rows in S3 (s3rver from npm on loopback), a 3-state child workflow (Pass,
Pass with Parameters, Succeed), MaxConcurrency 10,000, results written by a
ResultWriter, through `stepd serve --s3-endpoint`. Prints the wall time
from StartExecution to the parent's end, children/s, and the server's peak
RSS (VmHWM).

Usage: bench/map_run_s3_bench.py STEPD_BINARY [N] [EXPRESS|STANDARD ...]
Not a test: it checks only that the parent succeeds and the counts add up.
Needs node and npm (scripts/install-s3-test-deps installs s3rver)."""
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "workers"))
sys.path.insert(0, os.path.join(ROOT, "tests", "s3"))
import harness  # noqa: E402
import s3rver  # noqa: E402

CHILD = {"StartAt": "A", "States": {
    "A": {"Type": "Pass", "Next": "B"},
    "B": {"Type": "Pass", "Parameters": {"id.$": "$.id", "total.$": "States.MathAdd($.qty, 1)"}, "Next": "C"},
    "C": {"Type": "Succeed"}}}


def kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        return int(f.read().split(field + ":")[1].split()[0])


def run(stepd, endpoint, kind, n):
    data = tempfile.mkdtemp(prefix="stepd-mapbench-")
    srv = harness.Server(stepd, data, ["--s3-endpoint", endpoint])
    try:
        sfn = srv.sfn
        child = dict(CHILD, ProcessorConfig={"Mode": "DISTRIBUTED", "ExecutionType": kind})
        d = {"StartAt": "M", "States": {"M": {
            "Type": "Map", "End": True, "MaxConcurrency": 10000, "ItemProcessor": child,
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                           "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                           "Parameters": {"Bucket": s3rver.ITEMS, "Key": "bench.csv"}},
            "ItemSelector": {"id.$": "$$.Map.Item.Value.id", "qty.$": "States.StringToJson($$.Map.Item.Value.qty)"},
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                             "Parameters": {"Bucket": s3rver.RESULTS, "Prefix": "bench"}}}}}
        sm = sfn.create_state_machine(name="mapbench", definition=json.dumps(d), roleArn=harness.ROLE)
        t0 = time.monotonic()
        ex = sfn.start_execution(stateMachineArn=sm["stateMachineArn"], input="{}")["executionArn"]
        peak_anon = 0
        while True:
            r = sfn.describe_execution(executionArn=ex)
            if r["status"] != "RUNNING":
                break
            peak_anon = max(peak_anon, kib(srv.proc.pid, "RssAnon"))  # sampled every 0.1 s
            time.sleep(0.1)
        elapsed = time.monotonic() - t0
        hwm = "%d MiB (of which LMDB's mapped file pages at the end: %d MiB); peak anonymous memory %d MiB" % (
            kib(srv.proc.pid, "VmHWM") // 1024, kib(srv.proc.pid, "RssFile") // 1024,
            max(peak_anon, kib(srv.proc.pid, "RssAnon")) // 1024)
        if r["status"] != "SUCCEEDED":
            raise SystemExit("parent ended %s: %s %s" % (r["status"], r.get("error"), r.get("cause")))
        mr = sfn.list_map_runs(executionArn=ex)["mapRuns"][0]["mapRunArn"]
        counts = sfn.describe_map_run(mapRunArn=mr)["itemCounts"]
        if counts["succeeded"] != n:
            raise SystemExit("counts do not add up: %s" % counts)
        print("%-8s %8d items  %7.2f s  %8.0f children/s  server peak RSS %s" % (kind, n, elapsed, n / elapsed, hwm),
              flush=True)
    finally:
        srv.terminate()
        shutil.rmtree(data, ignore_errors=True)


def main():
    stepd = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
    kinds = sys.argv[3:] or ["EXPRESS", "STANDARD"]
    why = s3rver.unavailable()
    if why:
        raise SystemExit(why)
    with s3rver.S3rver() as s3:
        body = "id,qty,name\n" + "".join("%d,%d,item-%d\n" % (i, i % 97, i) for i in range(n))
        s3.client.put_object(Bucket=s3rver.ITEMS, Key="bench.csv", Body=body.encode())
        print("bench.csv: %d rows, %.1f MB" % (n, len(body) / 1e6), flush=True)
        for kind in kinds:
            run(stepd, s3.endpoint, kind, n)


if __name__ == "__main__":
    main()
