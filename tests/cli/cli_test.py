#!/usr/bin/env python3
"""The `stepd run` / `stepd validate` contract, as a user meets it.

Usage: cli_test.py STEPD_BINARY   (exit 0 when every check passes)
"""
import json
import os
import subprocess
import sys
import tempfile

STEPD = sys.argv[1] if len(sys.argv) > 1 else "build/stepd"
failures = []
passed = 0


def run(*args, input_text=None):
    p = subprocess.run([STEPD, *args], capture_output=True, text=True, input=input_text, timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
    else:
        failures.append("%s %s" % (name, detail))


def write(tmp, name, obj):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(obj if isinstance(obj, str) else json.dumps(obj))
    return path


with tempfile.TemporaryDirectory() as tmp:
    hello = write(tmp, "hello.json", {"StartAt": "Hi", "States": {"Hi": {
        "Type": "Pass", "Parameters": {"greeting.$": "States.Format('Hello, {}!', $.name)"}, "End": True}}})

    rc, out, err = run("run", hello, "--input", '{"name": "stepd"}', "--json")
    check("run --json exits 0", rc == 0, err)
    doc = json.loads(out)
    check("run --json status", doc["status"] == "SUCCEEDED", out)
    check("run --json output", doc["output"] == {"greeting": "Hello, stepd!"}, out)
    types = [e["type"] for e in doc["history"]]
    check("run --json history types", types == ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                                                 "ExecutionSucceeded"], str(types))
    check("run --json ids", [e["id"] for e in doc["history"]] == [1, 2, 3, 4])
    check("run --json execution input verbatim",
          doc["history"][0]["executionStartedEventDetails"]["input"] == '{"name": "stepd"}')

    rc, out, err = run("run", hello, "--input", '{"name": "x"}')
    check("run summary", rc == 0 and "status: SUCCEEDED" in out and "PassStateEntered" in out, out + err)

    rc, out, err = run("run", hello, "--input", "{not json")
    check("bad input exits 1 with a message", rc == 1 and "not valid JSON" in err, err)
    rc, out, err = run("run")
    check("run without a definition exits 1", rc == 1 and "definition" in err, err)
    rc, out, err = run("run", hello, "--bogus")
    check("an unknown option exits 1", rc == 1 and "--bogus" in err, err)
    rc, out, err = run("run", os.path.join(tmp, "missing.json"))
    check("missing file exits 1", rc == 1 and "cannot read" in err, err)
    bad = write(tmp, "bad.json", {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}})
    rc, out, err = run("run", bad)
    check("invalid definition exits 1", rc == 1 and "invalid definition" in err, err)

    # A failing execution still exits 0 and says why.
    fail = write(tmp, "fail.json", {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}})
    rc, out, err = run("run", fail, "--json")
    doc = json.loads(out)
    check("failed execution exits 0", rc == 0)
    check("failed execution error/cause", doc["status"] == "FAILED" and doc["error"] == "E" and doc["cause"] == "C")
    check("failed execution has no output", "output" not in doc)

    # --virtual-time: a long Wait passes at once and timestamps advance.
    wait = write(tmp, "wait.json", {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}})
    rc, out, err = run("run", wait, "--virtual-time", "--json")
    doc = json.loads(out)
    ts = [e["timestamp"] for e in doc["history"]]
    check("virtual time passes the Wait", doc["status"] == "SUCCEEDED")
    check("virtual time advances timestamps by 3600 s", abs((ts[-1] - ts[0]) - 3600) < 1e-6, str(ts))

    # Mock config: Retry consumes invocations, then Catch.
    task = write(tmp, "Orders.json", {"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                 "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 1,
                            "MaxAttempts": 1}],
                 "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handled"}],
                 "End": True},
        "Handled": {"Type": "Pass", "End": True}}})
    mocks = write(tmp, "mocks.json", {
        "StateMachines": {"Orders": {"TestCases": {"Happy": {"Call": "Ok"}, "Sad": {"Call": "Busy"}}}},
        "MockedResponses": {
            "Ok": {"0": {"Return": {"StatusCode": 200, "Payload": {"ok": True}}}},
            "Busy": {"0-1": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}}}}})
    rc, out, err = run("run", task, "--mock-config", mocks, "--test-case", "Happy", "--json", "--virtual-time")
    doc = json.loads(out)
    check("mock Return", doc.get("output") == {"StatusCode": 200, "Payload": {"ok": True}}, out + err)
    rc, out, err = run("run", task, "--mock-config", mocks, "--test-case", "Sad", "--json", "--virtual-time")
    doc = json.loads(out)
    types = [e["type"] for e in doc["history"]]
    check("mock Throw retried once then caught",
          types.count("TaskFailed") == 2 and "PassStateEntered" in types and doc["status"] == "SUCCEEDED", str(types))
    check("caught error output", doc["output"]["error"] == {"Error": "Lambda.TooManyRequestsException",
                                                            "Cause": "slow down"}, out)
    rc, out, err = run("run", task, "--mock-config", mocks, "--test-case", "Nope")
    check("unknown test case exits 1", rc == 1 and "no test case" in err, err)
    rc, out, err = run("run", task, "--json")
    doc = json.loads(out)
    failed = [e for e in doc["history"] if e["type"] == "TaskFailed"]
    check("unmocked Task fails and says how to mock it",
          len(failed) == 1 and "--mock-config" in failed[0]["taskFailedEventDetails"]["cause"], out)

    # validate
    rc, out, err = run("validate", hello)
    check("validate OK", rc == 0 and json.loads(out) == {"result": "OK", "diagnostics": []}, out)
    rc, out, err = run("validate", bad)
    doc = json.loads(out)
    check("validate FAIL", rc == 1 and doc["result"] == "FAIL" and doc["diagnostics"], out)
    check("validate diagnostic shape", set(doc["diagnostics"][0]) >= {"severity", "code", "message", "location"}, out)
    empty = write(tmp, "empty.json", "{}")
    rc, out, err = run("validate", empty)
    check("validate empty object", json.loads(out)["diagnostics"][0]["message"] ==
          "These fields are required: [States, StartAt]", out)

for f in failures:
    print("FAIL", f)
print("cli: %d passed, %d failed" % (passed, len(failures)))
sys.exit(1 if failures else 0)
