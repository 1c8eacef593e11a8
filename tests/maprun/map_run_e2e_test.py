#!/usr/bin/python3
"""Distributed Map end to end, through `stepd serve` and boto3: child
executions with their own histories, the Map Run API (ListMapRuns,
DescribeMapRun, UpdateMapRun, ListExecutions by mapRunArn), tolerated
failures, a redrive that reruns only the failed children, and a SIGKILL
in the middle of a Map Run after which no succeeded child runs again.

Usage: /usr/bin/python3 map_run_e2e_test.py STEPD_BINARY
Skips (exit 77) when boto3 is absent."""
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "workers"))
try:
    import harness  # noqa: E402
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)

STEPD = sys.argv[1]
checks = harness.Checks()
check = checks.check


def child_machine(kind, wait_seconds=0, extra=None):
    """Items {"n": i}: n == 7 fails in its Risky state until the child is
    redriven (it reads index RedriveCount - 1 of a one-item array; a redrive
    reruns the failed state), others go straight on; all wait, then output
    {"m": n + 100}."""
    states = {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 7, "Next": "Risky"}],
              "Default": "W"},
        "Risky": {"Type": "Pass", "Next": "W", "Parameters": {
            "n.$": "States.ArrayGetItem(States.Array($.n), States.MathAdd($$.Execution.RedriveCount, -1))"}},
        "W": {"Type": "Wait", "Seconds": wait_seconds, "Next": "P"},
        "P": {"Type": "Pass", "Parameters": {"m.$": "States.MathAdd($.n, 100)"}, "End": True},
    }
    m = {"Type": "Map", "End": True, "Label": "Batch",
         "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": kind},
                           "StartAt": "C", "States": states}}
    m.update(extra or {})
    return json.dumps({"StartAt": "M", "States": {"M": m}})


def items(n):
    return json.dumps([{"n": i} for i in range(n)])


def expected(n, failed=()):
    return [None if i in failed else {"m": i + 100} for i in range(n)]


def types(sfn, arn):
    return [e["type"] for e in harness.history(sfn, arn)]


def raw(endpoint, action, body):
    """An action by hand: Debian's boto3 1.26 predates RedriveExecution and
    the redrive fields of DescribeMapRun."""
    req = urllib.request.Request(endpoint, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions." + action})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def main():
    data = tempfile.mkdtemp(prefix="stepd-maprun-")
    srv = harness.Server(STEPD, data)
    try:
        sfn = srv.sfn

        # 1. STANDARD children, one tolerated failure.
        sm = sfn.create_state_machine(name="dm-standard", roleArn=harness.ROLE, definition=child_machine(
            "STANDARD", extra={"ToleratedFailureCount": 1}))["stateMachineArn"]
        ex = sfn.start_execution(stateMachineArn=sm, input=items(20))["executionArn"]
        r = harness.wait_end(sfn, ex)
        check("standard: succeeds with one tolerated failure", r["status"] == "SUCCEEDED", r)
        check("standard: outputs in item order, null for the failed child",
              json.loads(r.get("output", "null")) == expected(20, {7}), r.get("output"))
        check("standard: parent history", types(sfn, ex) == [
            "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunSucceeded",
            "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"], types(sfn, ex))
        runs = sfn.list_map_runs(executionArn=ex)["mapRuns"]
        check("standard: one Map Run listed", len(runs) == 1, runs)
        mr = runs[0]["mapRunArn"]
        check("standard: Map Run ARN names the label", ":mapRun:dm-standard/Batch:" in mr, mr)
        d = sfn.describe_map_run(mapRunArn=mr)
        check("standard: DescribeMapRun status and counts", d["status"] == "SUCCEEDED" and
              d["itemCounts"]["succeeded"] == 19 and d["itemCounts"]["failed"] == 1 and
              d["executionCounts"]["total"] == 20 and d["toleratedFailureCount"] == 1 and "stopDate" in d, d)
        kids = harness.map_run_children(sfn, mr, page=7)
        check("standard: ListExecutions(mapRunArn) pages through all 20 children", len(kids) == 20 and
              len({k["executionArn"] for k in kids}) == 20, len(kids))
        check("standard: children carry the Map Run ARN", all(k.get("mapRunArn") == mr for k in kids))
        failed = [k for k in kids if k["status"] == "FAILED"]
        check("standard: exactly one failed child", len(failed) == 1, [k["status"] for k in kids])
        child = sfn.describe_execution(executionArn=kids[0]["executionArn"])
        check("standard: a child is an execution of its own", child.get("mapRunArn") == mr and
              ":execution:dm-standard/Batch:" in child["executionArn"] and
              child["stateMachineArn"].endswith(":stateMachine:dm-standard/Batch"), child)
        check("standard: a child has its own history", types(sfn, kids[0]["executionArn"])[:2] ==
              ["ExecutionStarted", "ChoiceStateEntered"], types(sfn, kids[0]["executionArn"]))
        smx = sfn.describe_state_machine_for_execution(executionArn=kids[0]["executionArn"])
        check("standard: DescribeStateMachineForExecution gives the child workflow, its Map Run and label",
              smx.get("mapRunArn") == mr and smx.get("label") == "Batch" and
              json.loads(smx["definition"])["StartAt"] == "C", smx)

        # 2. EXPRESS children, no tolerance: the failure fails the Map Run.
        sm2 = sfn.create_state_machine(name="dm-express", roleArn=harness.ROLE,
                                       definition=child_machine("EXPRESS"))["stateMachineArn"]
        ex2 = sfn.start_execution(stateMachineArn=sm2, input=items(10))["executionArn"]
        r = harness.wait_end(sfn, ex2)
        check("express: a failed child fails the Map Run", r["status"] == "FAILED" and
              r.get("error") == "States.ExceedToleratedFailureThreshold", r)
        t2 = types(sfn, ex2)
        check("express: MapRunFailed then MapStateFailed", t2[-3:] == ["MapRunFailed", "MapStateFailed",
                                                                         "ExecutionFailed"], t2)
        mr2 = sfn.list_map_runs(executionArn=ex2)["mapRuns"][0]["mapRunArn"]
        check("express: DescribeMapRun says FAILED", sfn.describe_map_run(mapRunArn=mr2)["status"] == "FAILED")

        # 3. Redrive: the parent's redrive reruns only the failed child (it
        #    succeeds once redriven); the others keep their single run.
        sm3 = sfn.create_state_machine(name="dm-redrive", roleArn=harness.ROLE,
                                       definition=child_machine("STANDARD"))["stateMachineArn"]
        ex3 = sfn.start_execution(stateMachineArn=sm3, input=items(12))["executionArn"]
        r = harness.wait_end(sfn, ex3)
        check("redrive: first run fails", r["status"] == "FAILED", r)
        mr3 = sfn.list_map_runs(executionArn=ex3)["mapRuns"][0]["mapRunArn"]
        before = {k["executionArn"]: k for k in harness.map_run_children(sfn, mr3)}
        raw(srv.endpoint, "RedriveExecution", {"executionArn": ex3})
        r = harness.wait_end(sfn, ex3)
        check("redrive: succeeds after the redrive", r["status"] == "SUCCEEDED", r)
        check("redrive: all outputs", json.loads(r.get("output", "null")) == expected(12), r.get("output"))
        t3 = types(sfn, ex3)
        check("redrive: MapRunRedriven recorded", "MapRunRedriven" in t3 and t3[-1] == "ExecutionSucceeded", t3)
        after = {k["executionArn"]: k for k in harness.map_run_children(sfn, mr3)}
        check("redrive: the same child executions, no new ones", set(after) == set(before), len(after))
        rerun = [a for a in after if "ExecutionRedriven" in types(sfn, a)]
        check("redrive: only the failed child was redriven", len(rerun) == 1 and
              before[rerun[0]]["status"] == "FAILED", rerun)
        check("redrive: DescribeMapRun counts the redrive",
              raw(srv.endpoint, "DescribeMapRun", {"mapRunArn": mr3}).get("redriveCount") == 1)

        # 4. UpdateMapRun while it runs: MaxConcurrency 1 -> 40.
        sm4 = sfn.create_state_machine(name="dm-update", roleArn=harness.ROLE, definition=child_machine(
            "STANDARD", wait_seconds=1, extra={"MaxConcurrency": 1, "ToleratedFailureCount": 1}))["stateMachineArn"]
        ex4 = sfn.start_execution(stateMachineArn=sm4, input=items(30))["executionArn"]
        mr4 = None
        for _ in range(50):
            runs = sfn.list_map_runs(executionArn=ex4)["mapRuns"]
            if runs:
                mr4 = runs[0]["mapRunArn"]
                break
            time.sleep(0.1)
        d = sfn.describe_map_run(mapRunArn=mr4)
        check("update: one child at a time at first", d["executionCounts"]["running"] <= 1 and
              d["maxConcurrency"] == 1, d["executionCounts"])
        sfn.update_map_run(mapRunArn=mr4, maxConcurrency=40)
        t0 = time.monotonic()
        r = harness.wait_end(sfn, ex4)
        check("update: the rest run at once after UpdateMapRun", r["status"] == "SUCCEEDED" and
              time.monotonic() - t0 < 6, (r["status"], time.monotonic() - t0))
        check("update: DescribeMapRun shows the new MaxConcurrency",
              sfn.describe_map_run(mapRunArn=mr4)["maxConcurrency"] == 40)
        try:
            sfn.update_map_run(mapRunArn=mr4, maxConcurrency=5)
            check("update: a finished Map Run cannot be updated", False)
        except sfn.exceptions.ValidationException:
            check("update: a finished Map Run cannot be updated", True)
        try:
            sfn.describe_map_run(mapRunArn=mr4 + "0")
            check("describe: unknown Map Run", False)
        except sfn.exceptions.ResourceNotFound:
            check("describe: unknown Map Run", True)

        # 5. SIGKILL mid-run: the Map Run resumes from the children's records.
        sm5 = sfn.create_state_machine(name="dm-kill", roleArn=harness.ROLE, definition=child_machine(
            "STANDARD", wait_seconds=2, extra={"MaxConcurrency": 10, "ToleratedFailureCount": 1}))["stateMachineArn"]
        ex5 = sfn.start_execution(stateMachineArn=sm5, input=items(40))["executionArn"]
        time.sleep(2.6)  # the first ten have finished, the next ten wait
        mr5 = sfn.list_map_runs(executionArn=ex5)["mapRuns"][0]["mapRunArn"]
        done_before = {k["executionArn"]: k["stopDate"] for k in harness.map_run_children(sfn, mr5)
                       if k["status"] == "SUCCEEDED"}
        srv.kill()
        srv = harness.Server(STEPD, data)
        sfn = srv.sfn
        r = harness.wait_end(sfn, ex5, timeout=90)
        check("kill: the parent succeeds after the restart", r["status"] == "SUCCEEDED", r)
        check("kill: the same output as an uninterrupted run",
              json.loads(r.get("output", "null")) == expected(40, {7}), r.get("output"))
        kids = harness.map_run_children(sfn, mr5)
        check("kill: 40 children, none duplicated", len(kids) == 40 and len({k["name"] for k in kids}) == 40,
              len(kids))
        after = {k["executionArn"]: k.get("stopDate") for k in kids}
        check("kill: children that had succeeded did not run again",
              len(done_before) >= 5 and all(after[a] == s for a, s in done_before.items()), len(done_before))
        d = sfn.describe_map_run(mapRunArn=mr5)
        check("kill: DescribeMapRun counts are exact", d["status"] == "SUCCEEDED" and
              d["itemCounts"]["succeeded"] == 39 and d["itemCounts"]["failed"] == 1, d["itemCounts"])
    finally:
        srv.terminate()
        shutil.rmtree(data, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
