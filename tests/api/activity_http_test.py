#!/usr/bin/python3
"""Activity workers over HTTP long-poll, driven by boto3 (issue #6's HTTP
path): a poll that times out empty, success, failure, heartbeats, a missed
heartbeat, a task timeout, a forged token and a reused one.

Usage: /usr/bin/python3 activity_http_test.py STEPD_BINARY
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

STEPD = sys.argv[1]
failures = []
passed = 0


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
    else:
        failures.append("%s %s" % (name, str(detail)[:300]))


def error_code(fn):
    try:
        fn()
        return None
    except Exception as e:  # botocore.exceptions.ClientError
        return getattr(e, "response", {}).get("Error", {}).get("Code")


try:
    import boto3
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3 (apt-get install python3-boto3; scripts/install-deps does)")
    sys.exit(77)

data = tempfile.mkdtemp(prefix="stepd-activity-")
server = subprocess.Popen([STEPD, "serve", "--port", "0", "--data", data, "--activity-poll-seconds", "1"],
                          stderr=subprocess.PIPE, text=True)
try:
    line = server.stderr.readline()
    while line and "listening on http://" not in line:
        line = server.stderr.readline()
    if "listening on http://" not in line:
        sys.exit("server did not start: " + line)
    endpoint = line.split("listening on ")[1].split(" ")[0]
    os.environ.update(AWS_ACCESS_KEY_ID="stepd", AWS_SECRET_ACCESS_KEY="stepd", AWS_DEFAULT_REGION="us-east-1")
    sfn = boto3.client("stepfunctions", endpoint_url=endpoint)
    role = "arn:aws:iam::123456789012:role/stepd"
    act = sfn.create_activity(name="work")["activityArn"]

    def machine(name, extra):
        task = {"Type": "Task", "Resource": act, "End": True}
        task.update(extra)
        return sfn.create_state_machine(name=name, roleArn=role,
                                        definition=json.dumps({"StartAt": "T", "States": {"T": task}}))["stateMachineArn"]

    def finish(arn):
        for _ in range(200):
            d = sfn.describe_execution(executionArn=arn)
            if d["status"] != "RUNNING":
                return d
            time.sleep(0.05)
        return d

    def types(arn):
        return [e["type"] for e in sfn.get_execution_history(executionArn=arn)["events"]]

    # A poll with nothing to do comes back empty after the poll time.
    t0 = time.time()
    empty = sfn.get_activity_task(activityArn=act, workerName="idle")
    check("an empty poll has no task", not empty.get("taskToken"), empty)
    check("an empty poll waits the poll time", time.time() - t0 >= 0.9, time.time() - t0)
    check("polling a missing activity", error_code(lambda: sfn.get_activity_task(activityArn=act + "x")) ==
          "ActivityDoesNotExist")

    plain = machine("plain", {})
    ok = sfn.start_execution(stateMachineArn=plain, input='{"n": 1}')["executionArn"]
    task = sfn.get_activity_task(activityArn=act, workerName="w1")
    check("the task's input", json.loads(task["input"]) == {"n": 1}, task)
    sfn.send_task_success(taskToken=task["taskToken"], output='{"done": true}')
    d = finish(ok)
    check("success ends the execution", d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"done": True}, d)
    check("history of an activity", types(ok) == ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled",
                                                  "ActivityStarted", "ActivitySucceeded", "TaskStateExited",
                                                  "ExecutionSucceeded"], types(ok))
    started = [e for e in sfn.get_execution_history(executionArn=ok)["events"] if e["type"] == "ActivityStarted"]
    check("ActivityStarted names the worker", started[0]["activityStartedEventDetails"]["workerName"] == "w1", started)
    check("a reused token", error_code(lambda: sfn.send_task_success(taskToken=task["taskToken"], output="{}")) ==
          "TaskTimedOut")
    check("a forged token", error_code(lambda: sfn.send_task_success(taskToken="forged!", output="{}")) ==
          "InvalidToken")
    tok = task["taskToken"]
    altered = tok[:-1] + ("0" if tok[-1] != "0" else "1")
    check("an altered token is refused before any lookup",
          error_code(lambda: sfn.send_task_success(taskToken=altered, output="{}")) == "InvalidToken")
    check("a well-formed token of another key", error_code(
        lambda: sfn.send_task_heartbeat(taskToken="0" * 64)) == "InvalidToken")

    bad = sfn.start_execution(stateMachineArn=plain, input="{}")["executionArn"]
    task = sfn.get_activity_task(activityArn=act, workerName="w1")
    check("output that is not JSON", error_code(lambda: sfn.send_task_success(taskToken=task["taskToken"],
                                                                             output="{nope")) == "InvalidOutput")
    sfn.send_task_failure(taskToken=task["taskToken"], error="Boom", cause="it broke")
    d = finish(bad)
    check("failure fails the execution", d["status"] == "FAILED" and d.get("error") == "Boom"
          and d.get("cause") == "it broke", d)
    check("history of a failed activity", "ActivityFailed" in types(bad), types(bad))

    hb = machine("heartbeat", {"HeartbeatSeconds": 1})
    alive = sfn.start_execution(stateMachineArn=hb, input="{}")["executionArn"]
    task = sfn.get_activity_task(activityArn=act, workerName="w2")
    for _ in range(4):  # 2 s of work, a heartbeat every 0.5 s
        time.sleep(0.5)
        sfn.send_task_heartbeat(taskToken=task["taskToken"])
    sfn.send_task_success(taskToken=task["taskToken"], output='"ok"')
    check("heartbeats keep the task alive", finish(alive)["status"] == "SUCCEEDED")
    silent = sfn.start_execution(stateMachineArn=hb, input="{}")["executionArn"]
    task = sfn.get_activity_task(activityArn=act, workerName="w2")
    d = finish(silent)
    check("a missed heartbeat times the task out", d["status"] == "FAILED" and d.get("error") == "States.Timeout", d)
    check("history shows ActivityTimedOut", "ActivityTimedOut" in types(silent), types(silent))
    check("a heartbeat after the timeout", error_code(lambda: sfn.send_task_heartbeat(taskToken=task["taskToken"])) ==
          "TaskTimedOut")

    slow = machine("timeout", {"TimeoutSeconds": 1})
    late = sfn.start_execution(stateMachineArn=slow, input="{}")["executionArn"]
    task = sfn.get_activity_task(activityArn=act, workerName="w3")
    d = finish(late)
    check("TimeoutSeconds times the task out", d["status"] == "FAILED" and d.get("error") == "States.Timeout", d)
    check("an answer after the timeout", error_code(lambda: sfn.send_task_success(taskToken=task["taskToken"],
                                                                                 output="{}")) == "TaskTimedOut")
finally:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    shutil.rmtree(data, ignore_errors=True)

for f in failures:
    print("FAIL", f)
print("%d passed, %d failed" % (passed, len(failures)))
sys.exit(1 if failures else 0)
