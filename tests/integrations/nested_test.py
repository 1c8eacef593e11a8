#!/usr/bin/python3
"""Nested executions: arn:aws:states:::states:startExecution (request-response,
.sync, .sync:2, .waitForTaskToken), three levels deep, a failing child, a
stopped parent that stops its children, and a parent that waits on its child
across a SIGKILL of the server. Shapes as AWS's recorded histories show them
(LocalStack's callback/test_callback snapshots).

Usage: /usr/bin/python3 nested_test.py STEPD_BINARY   (exits 77 without boto3)"""
import json
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "workers"))
try:
    import harness  # noqa: E402
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)

STEPD = sys.argv[1]
ROLE = harness.ROLE
START = "arn:aws:states:::states:startExecution"


def machine(sfn, name, definition):
    return sfn.create_state_machine(name=name, roleArn=ROLE, definition=json.dumps(definition))["stateMachineArn"]


def nest(resource, child_arn, extra_input=None):
    params = {"StateMachineArn": child_arn, "Input": extra_input or {"from.$": "$$.Execution.Id"}}
    return {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": resource, "Parameters": params,
                                                   "End": True}}}


def types(sfn, arn):
    return [e["type"] for e in harness.history(sfn, arn)]


def main():
    c = harness.Checks()
    data = tempfile.mkdtemp(prefix="stepd-nested-")
    server = None
    try:
        server = harness.Server(STEPD, data)
        sfn = server.sfn
        leaf = machine(sfn, "leaf", {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"Arg1": "argument1"},
                                                                       "End": True}}})
        sync2 = machine(sfn, "sync2", nest(START + ".sync:2", leaf))
        arn = sfn.start_execution(stateMachineArn=sync2, input="{}")["executionArn"]
        d = harness.wait_end(sfn, arn)
        out = json.loads(d.get("output") or "null")
        c.check(".sync:2 SUCCEEDED with the child's output as JSON", d["status"] == "SUCCEEDED" and
                out.get("Output") == {"Arg1": "argument1"} and out.get("Status") == "SUCCEEDED", d)
        c.check(".sync:2 output fields as AWS records them", isinstance(out, dict) and sorted(out) == sorted(
            ["ExecutionArn", "Input", "InputDetails", "Name", "Output", "OutputDetails", "StartDate",
             "StateMachineArn", "Status", "StopDate"]), out)
        c.check("the child got $$.Execution.Id as input",
                isinstance(out.get("Input"), dict) and out["Input"].get("from") == arn, out.get("Input"))
        c.check(".sync:2 history: TaskScheduled, TaskStarted, TaskSubmitted, TaskSucceeded",
                [t for t in types(sfn, arn) if t.startswith("Task") and "State" not in t] ==
                ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"], types(sfn, arn))
        sub = [e for e in harness.history(sfn, arn) if e["type"] == "TaskSubmitted"]
        subout = json.loads(sub[0]["taskSubmittedEventDetails"]["output"]) if sub else {}
        c.check("TaskSubmitted carries the child's ExecutionArn and StartDate",
                subout.get("ExecutionArn") == out.get("ExecutionArn") and "StartDate" in subout and
                subout.get("SdkHttpMetadata", {}).get("HttpStatusCode") == 200, subout)

        sync1 = machine(sfn, "sync1", nest(START + ".sync", leaf))
        d = harness.wait_end(sfn, sfn.start_execution(stateMachineArn=sync1, input="{}")["executionArn"])
        out = json.loads(d.get("output") or "null")
        c.check(".sync: Output is the child's output as JSON text",
                d["status"] == "SUCCEEDED" and out.get("Output") == '{"Arg1":"argument1"}', d)

        rr = machine(sfn, "rr", nest(START, leaf))
        d = harness.wait_end(sfn, sfn.start_execution(stateMachineArn=rr, input="{}")["executionArn"])
        out = json.loads(d.get("output") or "null")
        c.check("request-response: ExecutionArn and StartDate, no waiting",
                d["status"] == "SUCCEEDED" and out.get("ExecutionArn", "").startswith("arn:aws:states:") and
                "StartDate" in out and "Output" not in out, d)

        failing = machine(sfn, "failing", {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "SomeFailure",
                                                                             "Cause": "it failed"}}})
        pf = machine(sfn, "parent-of-failing", nest(START + ".sync", failing))
        d = harness.wait_end(sfn, sfn.start_execution(stateMachineArn=pf, input="{}")["executionArn"])
        cause = json.loads(d.get("cause") or "{}") if d.get("cause", "").startswith("{") else {}
        c.check("a failed child fails the task with States.TaskFailed, its Error and Cause in the cause",
                d["status"] == "FAILED" and d.get("error") == "States.TaskFailed" and
                cause.get("Error") == "SomeFailure" and cause.get("Cause") == "it failed" and
                cause.get("Status") == "FAILED", d)

        # Three levels: top -> middle -> bottom (a short wait), each .sync:2.
        bottom = machine(sfn, "bottom", {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
                                                                     "P": {"Type": "Pass", "Result": "deep",
                                                                           "End": True}}})
        middle = machine(sfn, "middle", nest(START + ".sync:2", bottom))
        top = machine(sfn, "top", nest(START + ".sync:2", middle))
        d = harness.wait_end(sfn, sfn.start_execution(stateMachineArn=top, input="{}")["executionArn"])
        out = json.loads(d.get("output") or "null")
        c.check("three levels of .sync:2: the deepest output comes back up",
                d["status"] == "SUCCEEDED" and out.get("Output", {}).get("Output") == "deep", d)

        # Stopping the parent stops the children (and theirs).
        slow = machine(sfn, "slow", {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 120, "End": True}}})
        mid2 = machine(sfn, "mid2", nest(START + ".sync:2", slow))
        top2 = machine(sfn, "top2", nest(START + ".sync:2", mid2))
        t2 = sfn.start_execution(stateMachineArn=top2, input="{}")["executionArn"]
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not sfn.list_executions(stateMachineArn=slow)["executions"]:
            time.sleep(0.05)
        sfn.stop_execution(executionArn=t2, error="Stop", cause="test")
        time.sleep(0.1)
        ok = True
        for sm in (mid2, slow):
            ex = sfn.list_executions(stateMachineArn=sm)["executions"]
            ok = ok and len(ex) == 1 and harness.wait_end(sfn, ex[0]["executionArn"], 10)["status"] == "ABORTED"
        c.check("stopping the parent aborts its .sync child and grandchild", ok,
                [(sm, sfn.list_executions(stateMachineArn=sm)["executions"]) for sm in (mid2, slow)])

        # .waitForTaskToken: the child gets the token and answers it.
        tok = machine(sfn, "tok", nest(START + ".waitForTaskToken", slow, {"token.$": "$$.Task.Token"}))
        t3 = sfn.start_execution(stateMachineArn=tok, input="{}")["executionArn"]
        deadline = time.monotonic() + 15
        child = None
        while time.monotonic() < deadline and child is None:
            for e in sfn.list_executions(stateMachineArn=slow, statusFilter="RUNNING")["executions"]:
                inp = json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"])
                if "token" in inp:
                    child = inp
            time.sleep(0.05)
        if c.check(".waitForTaskToken: the child's input has the token", child is not None):
            sfn.send_task_success(taskToken=child["token"], output='{"answer": 42}')
            d = harness.wait_end(sfn, t3)
            c.check("SendTaskSuccess from the child's side ends the parent",
                    d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"answer": 42}, d)

        # A parent waits on its child across a SIGKILL of the server.
        mid3 = machine(sfn, "waits-across-kill", nest(START + ".sync:2", bottom))
        t4 = sfn.start_execution(stateMachineArn=mid3, input="{}")["executionArn"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "TaskSubmitted" not in types(sfn, t4):
            time.sleep(0.02)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        server = harness.Server(STEPD, data)
        sfn = server.sfn
        d = harness.wait_end(sfn, t4)
        out = json.loads(d.get("output") or "null")
        c.check("after SIGKILL and restart the parent still gets its child's end",
                d["status"] == "SUCCEEDED" and out.get("Output") == "deep", d)
        children = sfn.list_executions(stateMachineArn=bottom)["executions"]
        c.check("and the child was started once, not again by the recovered parent",
                len([e for e in children if json.loads(sfn.describe_execution(
                    executionArn=e["executionArn"])["input"]).get("from") == t4]) == 1, children)
    finally:
        if server:
            server.terminate(30)
        shutil.rmtree(data, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
