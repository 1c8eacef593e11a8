#!/usr/bin/python3
"""Execution logs against AWS's recordings (logs/test_logs.py of the
LocalStack corpus): each recorded case's state machine is created through
`stepd serve --execution-log FILE` with the case's loggingConfiguration
(level, includeExecutionData), run with the recorded input, and the JSON
lines stepd wrote for that execution are compared with the events
CloudWatch Logs received on AWS (`logged_execution_events`), after the same
normalisation the recorder applied (ARNs, timestamps, role, JSON text
parsed). A case that recorded no log events must log none.

Every case is listed in the test module's parametrisation; nothing of the
corpus is copied: templates, ids and recordings are read at run time.

Usage: /usr/bin/python3 logs_conformance_test.py STEPD_BINARY
Skips (exit 77) when the corpus or boto3 is absent."""
import json
import os
import re
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "conformance", "localstack"))
if not os.path.isdir(CORPUS):
    print("SKIP: the LocalStack corpus is not at %s" % CORPUS)
    sys.exit(77)
sys.path.insert(0, CORPUS)
sys.path.insert(0, os.path.join(HERE, "..", "workers"))
try:
    import harness  # noqa: E402
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)
import run_corpus  # noqa: E402  (its JSON5 reader)

STEPD = sys.argv[1]
SNAPSHOT = os.path.join(CORPUS, "snapshots", "logs", "test_logs.snapshot.json")
TEMPLATES = os.path.join(CORPUS, "templates", "base", "statemachines")
CASE = re.compile(r"::TestLogs::(test_base|test_partial_log_levels)\[(\w+\.json5)_(ALL|ERROR|FATAL|OFF)_(True|False)\]$")
LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:stepd-logs:*"
checks = harness.Checks()
check = checks.check


def template(name):
    with open(os.path.join(TEMPLATES, name)) as f:
        return run_corpus.json5_loads(f.read())


def parsed(v):
    """As the recorder keeps JSON text: objects parsed, the rest as written."""
    if isinstance(v, str) and v.startswith("{"):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def normalised(line, role):
    e = json.loads(line)
    e["event_timestamp"] = "timestamp"
    e.pop("execution_arn")
    d = e["details"]
    for k in ("input", "output"):
        if k in d:
            d[k] = parsed(d[k])
    if d.get("roleArn") == role:
        d["roleArn"] = "snf_role_arn"
    return e


def recorded(events):
    out = []
    for e in events:
        e = dict(e)
        e.pop("execution_arn")
        out.append(e)
    return out


def main():
    with open(SNAPSHOT) as f:
        snapshot = json.load(f)
    data = tempfile.mkdtemp(prefix="stepd-logs-")
    log = os.path.join(data, "execution.log")
    srv = harness.Server(STEPD, os.path.join(data, "store"), ["--execution-log", log])
    passed = skipped = 0
    try:
        sfn = srv.sfn
        for n, (key, value) in enumerate(sorted(snapshot.items())):
            content = value["recorded-content"]
            m = CASE.search(key)
            if key.endswith("::test_log_group_with_multiple_runs"):
                config = {"level": "ALL", "includeExecutionData": False,
                          "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": LOG_GROUP}}]}
                runs = [json.dumps({"ExecutionNumber": i}) for i in range(3)]
                name = "pass_result.json5"
            elif m:
                config = {"level": m.group(3), "includeExecutionData": m.group(4) == "True",
                          "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": LOG_GROUP}}]}
                runs = ["{}"]
                name = m.group(2)
            else:
                skipped += 1  # test_deleted_log_group: a log group deleted under AWS's feet
                continue
            case = key.split("::")[-1]
            sm = sfn.create_state_machine(name="logs-%d" % n, definition=json.dumps(template(name)),
                                          roleArn=harness.ROLE, loggingConfiguration=config)["stateMachineArn"]
            got = []
            for run in runs:
                arn = sfn.start_execution(stateMachineArn=sm, input=run)["executionArn"]
                harness.wait_end(sfn, arn)
                time.sleep(0.05)  # the line follows the append's acknowledgement
                with open(log) as f:
                    got += [normalised(l, harness.ROLE) for l in f
                            if json.loads(l)["execution_arn"] == arn]
            want = recorded(content.get("logged_execution_events", []))
            ok = check("%s: the logged events are AWS's" % case, got == want,
                       "\n  stepd: %s\n  AWS:   %s" % (json.dumps(got), json.dumps(want)))
            passed += ok
    finally:
        srv.terminate()
        shutil.rmtree(data, ignore_errors=True)
    print("logs conformance: %d of %d recorded cases match, %d skipped" % (passed, len(snapshot) - skipped, skipped))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
