#!/usr/bin/python3
"""GET /metrics: CloudWatch's Step Functions metric names in the Prometheus
text format, counted from what became durable.

Usage: /usr/bin/python3 metrics_test.py STEPD_BINARY

Runs, through boto3: 3 executions of a Pass machine (SUCCEEDED), 2 of a Fail
machine (FAILED), 1 stopped (ABORTED), an EXPRESS sync execution, and 2
activity tasks (one succeeded, one failed by the worker); then reads
/metrics and checks every figure. Exits 77 when boto3 is missing."""
import json
import os
import re
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "workers"))
try:
    import harness  # noqa: E402 (boto3 and the server wrapper)
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)
import shutil
import tempfile

import boto3  # noqa: E402 (harness checked it is there)
from botocore.config import Config  # noqa: E402

STEPD = sys.argv[1]


def metrics(endpoint):
    with urllib.request.urlopen(endpoint + "/metrics", timeout=10) as r:
        ctype = r.headers.get("Content-Type", "")
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        m = re.match(r'^([A-Za-z_:][A-Za-z0-9_:]*)\{(\w+)="([^"]*)"\} (\S+)$', line)
        assert m, "not a Prometheus sample line: %r" % line
        values[(m.group(1), m.group(3))] = float(m.group(4))
    return ctype, text, values


def main():
    c = harness.Checks()
    data = tempfile.mkdtemp(prefix="stepd-metrics-")
    server = None
    try:
        server = harness.Server(STEPD, data)
        sfn = server.sfn
        role = harness.ROLE
        ok = sfn.create_state_machine(name="ok", roleArn=role, definition=json.dumps(
            {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
        bad = sfn.create_state_machine(name="bad", roleArn=role, definition=json.dumps(
            {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}))["stateMachineArn"]
        slow = sfn.create_state_machine(name="slow", roleArn=role, definition=json.dumps(
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}))["stateMachineArn"]
        fast = sfn.create_state_machine(name="fast", roleArn=role, type="EXPRESS", definition=json.dumps(
            {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
        act = sfn.create_activity(name="job")["activityArn"]
        work = sfn.create_state_machine(name="work", roleArn=role, definition=json.dumps(
            {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": act, "End": True}}}))["stateMachineArn"]
        for _ in range(3):
            sfn.start_execution(stateMachineArn=ok)
        for _ in range(2):
            sfn.start_execution(stateMachineArn=bad)
        stopped = sfn.start_execution(stateMachineArn=slow)["executionArn"]
        sfn.stop_execution(executionArn=stopped)
        # StartSyncExecution's endpoint has a "sync-" host prefix on AWS; not here.
        sync = boto3.client("stepfunctions", endpoint_url=server.endpoint, region_name="us-east-1",
                            aws_access_key_id="stepd", aws_secret_access_key="stepd",
                            config=Config(inject_host_prefix=False, retries={"max_attempts": 0}))
        c.check("the EXPRESS sync execution succeeds",
                sync.start_sync_execution(stateMachineArn=fast)["status"] == "SUCCEEDED")
        for outcome in ("success", "failure"):
            sfn.start_execution(stateMachineArn=work)
            task = sfn.get_activity_task(activityArn=act, workerName="w")
            if outcome == "success":
                sfn.send_task_success(taskToken=task["taskToken"], output="{}")
            else:
                sfn.send_task_failure(taskToken=task["taskToken"], error="Boom")
        for sm in (ok, bad, slow, work):
            harness.wait_done(sfn, sm, 30)
        time.sleep(0.2)

        ctype, text, v = metrics(server.endpoint)
        c.check("served as Prometheus text", ctype.startswith("text/plain"), ctype)
        for name in ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionTime", "ActivitiesScheduled"):
            c.check("# TYPE line for " + name, ("# TYPE %s " % name) in text)
        expect = {
            ("ExecutionsStarted", ok): 3, ("ExecutionsSucceeded", ok): 3, ("ExecutionsFailed", ok): 0,
            ("ExecutionsStarted", bad): 2, ("ExecutionsFailed", bad): 2, ("ExecutionsSucceeded", bad): 0,
            ("ExecutionsStarted", slow): 1, ("ExecutionsAborted", slow): 1,
            ("ExecutionsStarted", fast): 1, ("ExecutionsSucceeded", fast): 1,
            ("ExecutionsStarted", work): 2, ("ExecutionsSucceeded", work): 1, ("ExecutionsFailed", work): 1,
            ("ExecutionThrottled", ok): 0,
            ("ExecutionTime_count", ok): 3, ("ExecutionTime_count", work): 2,
            ("ActivitiesScheduled", act): 2, ("ActivitiesStarted", act): 2, ("ActivitiesSucceeded", act): 1,
            ("ActivitiesFailed", act): 1, ("ActivitiesTimedOut", act): 0,
            ("ActivityRunTime_count", act): 2, ("ActivityScheduleTime_count", act): 2,
        }
        for key, want in expect.items():
            c.check("%s{%s} == %d" % (key[0], key[1].split(":")[-1], want), v.get(key) == want, v.get(key))
        c.check("ExecutionTime sums real durations", v.get(("ExecutionTime_sum", slow), -1) >= 0)
    finally:
        if server:
            server.terminate(30)
        shutil.rmtree(data, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
