#!/usr/bin/python3
"""The Step Functions API driven by the real clients: boto3 and the AWS CLI
(Debian's python3-boto3 and awscli, installed by scripts/install-deps).

Usage: /usr/bin/python3 e2e_test.py STEPD_BINARY
Starts `stepd serve` on a free port with a fresh data directory.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

STEPD = sys.argv[1]
failures = []
passed = 0


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
    else:
        failures.append("%s %s" % (name, str(detail)[:300]))


def expect_error(name, code, fn):
    try:
        fn()
        check(name, False, "no error raised")
    except Exception as e:  # botocore.exceptions.ClientError
        got = getattr(e, "response", {}).get("Error", {}).get("Code")
        check(name, got == code, "got %s: %s" % (got, e))


try:
    import boto3
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3 (apt-get install python3-boto3; scripts/install-deps does)")
    sys.exit(77)

data = tempfile.mkdtemp(prefix="stepd-e2e-")
server = subprocess.Popen([STEPD, "serve", "--port", "0", "--data", data], stderr=subprocess.PIPE, text=True)
try:
    line = server.stderr.readline()
    while line and "listening on http://" not in line:  # the server log's start-up lines come first
        line = server.stderr.readline()
    if "listening on http://" not in line:
        sys.exit("server did not start: " + line)
    endpoint = line.split("listening on ")[1].split(" ")[0]
    os.environ.update(AWS_ACCESS_KEY_ID="stepd", AWS_SECRET_ACCESS_KEY="stepd", AWS_DEFAULT_REGION="us-east-1")
    sfn = boto3.client("stepfunctions", endpoint_url=endpoint)

    definition = json.dumps({"StartAt": "Hello", "States": {
        "Hello": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('Hello, {}!', $.name)"}, "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 1, "End": True}}})
    role = "arn:aws:iam::123456789012:role/stepd"
    created = sfn.create_state_machine(name="hello", definition=definition, roleArn=role)
    sm = created["stateMachineArn"]
    check("create returns the ARN", sm == "arn:aws:states:us-east-1:123456789012:stateMachine:hello", sm)
    again = sfn.create_state_machine(name="hello", definition=definition, roleArn=role)
    check("create is idempotent for the same definition", again["stateMachineArn"] == sm)
    expect_error("create with another definition", "StateMachineAlreadyExists",
                 lambda: sfn.create_state_machine(name="hello", definition='{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}',
                                                  roleArn=role))
    expect_error("create with a bad definition", "InvalidDefinition",
                 lambda: sfn.create_state_machine(name="bad", definition='{"StartAt":"X","States":{}}', roleArn=role))
    expect_error("create with a bad name", "InvalidName",
                 lambda: sfn.create_state_machine(name="no spaces", definition=definition, roleArn=role))

    d = sfn.describe_state_machine(stateMachineArn=sm)
    check("describe state machine", d["name"] == "hello" and d["definition"] == definition and d["type"] == "STANDARD")
    expect_error("describe a missing machine", "StateMachineDoesNotExist",
                 lambda: sfn.describe_state_machine(stateMachineArn=sm + "x"))
    expect_error("describe with a malformed ARN", "InvalidArn",
                 lambda: sfn.describe_state_machine(stateMachineArn="not-an-arn"))
    listed = sfn.list_state_machines()["stateMachines"]
    check("list state machines", [m["name"] for m in listed] == ["hello"], listed)

    ex = sfn.start_execution(stateMachineArn=sm, name="run-1", input='{"name": "stepd"}')
    arn = ex["executionArn"]
    check("start returns the execution ARN", arn.endswith(":execution:hello:run-1"), arn)
    same = sfn.start_execution(stateMachineArn=sm, name="run-1", input='{"name": "stepd"}')
    check("start is idempotent while running with the same input", same["executionArn"] == arn)
    expect_error("start with the same name and another input", "ExecutionAlreadyExists",
                 lambda: sfn.start_execution(stateMachineArn=sm, name="run-1", input='{"name": "x"}'))
    expect_error("start with input that is not JSON", "InvalidExecutionInput",
                 lambda: sfn.start_execution(stateMachineArn=sm, input="{nope"))
    running = sfn.describe_execution(executionArn=arn)
    check("describe a running execution", running["status"] == "RUNNING", running["status"])
    for _ in range(100):
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            break
        time.sleep(0.05)
    check("the execution succeeds", d["status"] == "SUCCEEDED", d)
    check("its output", json.loads(d.get("output", "null")) == {"greeting": "Hello, stepd!"}, d)
    check("stopDate after startDate", d["stopDate"] >= d["startDate"])
    expect_error("describe a missing execution", "ExecutionDoesNotExist",
                 lambda: sfn.describe_execution(executionArn=arn + "x"))

    h = sfn.get_execution_history(executionArn=arn)["events"]
    types = [e["type"] for e in h]
    check("history", types == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "WaitStateEntered",
                               "WaitStateExited", "ExecutionSucceeded"], types)
    check("history details", json.loads(h[2]["stateExitedEventDetails"]["output"]) == {"greeting": "Hello, stepd!"})
    r = sfn.get_execution_history(executionArn=arn, reverseOrder=True)["events"]
    check("reverseOrder", [e["id"] for e in r] == [6, 5, 4, 3, 2, 1])
    page = sfn.get_execution_history(executionArn=arn, maxResults=4)
    rest = sfn.get_execution_history(executionArn=arn, maxResults=4, nextToken=page["nextToken"])
    check("pagination", [e["id"] for e in page["events"] + rest["events"]] == [1, 2, 3, 4, 5, 6]
          and "nextToken" not in rest)
    expect_error("a forged page token", "InvalidToken",
                 lambda: sfn.get_execution_history(executionArn=arn, nextToken="Zm9yZ2Vk"))
    paginated = [e["id"] for p in sfn.get_paginator("get_execution_history").paginate(
        executionArn=arn, PaginationConfig={"PageSize": 2}) for e in p["events"]]
    check("boto3's paginator", paginated == [1, 2, 3, 4, 5, 6], paginated)

    # The AWS CLI, as a user types it.
    env = dict(os.environ)
    out = subprocess.run(["aws", "stepfunctions", "--endpoint-url", endpoint, "list-state-machines"],
                         capture_output=True, text=True, env=env, timeout=60)
    check("aws stepfunctions list-state-machines", out.returncode == 0 and
          json.loads(out.stdout)["stateMachines"][0]["name"] == "hello", out.stderr)
    out = subprocess.run(["aws", "stepfunctions", "--endpoint-url", endpoint, "describe-execution",
                          "--execution-arn", arn], capture_output=True, text=True, env=env, timeout=60)
    check("aws stepfunctions describe-execution", out.returncode == 0 and
          json.loads(out.stdout)["status"] == "SUCCEEDED", out.stderr)

    # Raw protocol: actions the 2022-era clients do not know yet, and errors.
    def raw(target, body):
        req = urllib.request.Request(endpoint, data=json.dumps(body).encode(), method="POST", headers={
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())
    status, body = raw("AWSStepFunctions.ValidateStateMachineDefinition", {"definition": "{}"})
    check("ValidateStateMachineDefinition", status == 200 and body["result"] == "FAIL" and
          body["diagnostics"][0]["message"] == "These fields are required: [States, StartAt]", body)
    status, body = raw("AWSStepFunctions.NoSuchThing", {})
    check("an unknown action", status == 400 and body["__type"].endswith("UnknownOperationException"), body)
    req = urllib.request.Request(endpoint, data=b"{not json", method="POST", headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.ListStateMachines"})
    try:
        urllib.request.urlopen(req, timeout=10)
        check("a malformed body", False)
    except urllib.error.HTTPError as e:
        check("a malformed body", e.code == 400 and "SerializationException" in e.read().decode())

    server.terminate()
    check("SIGTERM drains and exits 0", server.wait(timeout=20) == 0)
finally:
    if server.poll() is None:
        server.kill()
    shutil.rmtree(data, ignore_errors=True)

for f in failures:
    print("FAIL", f)
print("api e2e: %d passed, %d failed" % (passed, len(failures)))
sys.exit(1 if failures else 0)
