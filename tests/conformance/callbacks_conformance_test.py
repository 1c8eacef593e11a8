#!/usr/bin/python3
"""The LocalStack-recorded AWS histories for callbacks and nested executions
(callback/test_callback.py), run against `stepd serve` through boto3 and
compared event by event with the recording by the reference runner's own
comparison (../shared/conformance/localstack/run_corpus.py: compare_history,
compare_final), so the same placeholders and rules apply as for the 225
mechanical cases.

Usage: /usr/bin/python3 callbacks_conformance_test.py STEPD_BINARY

Every case of the recorded module is listed below: the ones stepd can run
here (definitions rebuilt from the templates the test loads, with the
input the test passes) and, in callbacks_expected_failures.txt, the ones it
cannot yet, each with a reason. A listed case that passes, or an unlisted
one that fails, fails this test: the ratchet only moves forward.
Skips (exit 77) when the corpus or boto3 is absent."""
import datetime
import json
import os
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
import run_corpus  # noqa: E402  (the reference runner: its comparison, its JSON5 reader)

STEPD = sys.argv[1]
MODULE = "tests/aws/services/stepfunctions/v2/callback/test_callback.py::TestCallback::"
SNAPSHOT = os.path.join(CORPUS, "snapshots", "callback", "test_callback.snapshot.json")

# case -> (child template, parent template): what the recorded test creates
# and starts, with input {"StateMachineArn": child, "Input": null, "Name": "TestStartTarget"}.
RUNNABLE = {
    "test_start_execution_sync": ("base/statemachines/pass_result.json5",
                                  "callbacks/statemachines/sfn_start_execution_sync.json5"),
    "test_start_execution_sync2": ("base/statemachines/pass_result.json5",
                                   "callbacks/statemachines/sfn_start_execution_sync2.json5"),
    "test_start_execution_sync_delegate_failure": ("base/statemachines/raise_failure.json5",
                                                   "callbacks/statemachines/sfn_start_execution_sync.json5"),
}


def template(rel):
    with open(os.path.join(CORPUS, "templates", rel)) as f:
        return run_corpus.json5_loads(f.read())


def as_recorded(events):
    """boto3's history as the recorder saw it: JSON types, timestamps as text."""
    def plain(v):
        if isinstance(v, datetime.datetime):
            return v.isoformat()
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v
    return [plain(e) for e in events]


def dates_as_recorded(v):
    """The recording's transformers: the test's own $..output.StartDate ->
    "start-date" and $..output.StopDate -> "stop-date", and LocalStack's
    snapshot default that writes every HTTP "Date" header as "date" (inside
    JSON text too, as the recorder parsed it)."""
    names = {"StartDate": "start-date", "StopDate": "stop-date", "Date": "date"}
    if isinstance(v, dict):
        return {k: (names[k] if k in names else dates_as_recorded(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [dates_as_recorded(x) for x in v]
    if isinstance(v, str) and v[:1] in "{[":
        try:
            return json.dumps(dates_as_recorded(json.loads(v)), separators=(",", ":"))
        except ValueError:
            return v
    return v


def content_length_as_recorded(events, recorded):
    """StartExecution's Content-Length in SdkHttpMetadata is the length of
    {"executionArn":"ARN","startDate":1.679070406548E9}, so it follows the
    ARN's length, which differs between the recording and this run. Checked
    here against the engine's own ARN; only then given the recorded value."""
    rec = {e["id"]: e for e in recorded}
    for e in events:
        d = e.get("taskSubmittedEventDetails")
        r = rec.get(e["id"], {}).get("taskSubmittedEventDetails")
        if not d or not r or not isinstance(r.get("output"), dict):
            continue
        out = json.loads(d["output"])
        meta, rmeta = out.get("SdkHttpMetadata", {}), r["output"].get("SdkHttpMetadata", {})
        digits = str(out.get("StartDate", ""))
        seconds = digits[:1] + "." + (digits[1:].rstrip("0") or "0") + "E" + str(len(digits) - 4)  # as Java prints it
        want = len('{"executionArn":"%s","startDate":%s}' % (out.get("ExecutionArn", ""), seconds))
        if meta.get("HttpHeaders", {}).get("Content-Length") == str(want) and "HttpHeaders" in rmeta:
            meta["HttpHeaders"]["Content-Length"] = rmeta["HttpHeaders"]["Content-Length"]
            meta["AllHttpHeaders"]["Content-Length"] = rmeta["AllHttpHeaders"]["Content-Length"]
            d["output"] = json.dumps(out, separators=(",", ":"))
    return events


def run_case(sfn, case, n):
    child_rel, parent_rel = RUNNABLE[case]
    child = sfn.create_state_machine(name="child-%d" % n, roleArn=harness.ROLE,
                                     definition=json.dumps(template(child_rel)))["stateMachineArn"]
    parent = sfn.create_state_machine(name="parent-%d" % n, roleArn=harness.ROLE,
                                      definition=json.dumps(template(parent_rel)))["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=parent, input=json.dumps(
        {"StateMachineArn": child, "Input": None, "Name": "TestStartTarget"}))["executionArn"]
    deadline = time.monotonic() + 30
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
    d = sfn.describe_execution(executionArn=arn)
    out = {"status": d["status"]}
    for k in ("output", "error", "cause"):
        if d.get(k) is not None:
            out[k] = d[k]
    return out, as_recorded(harness.history(sfn, arn))


def main():
    with open(SNAPSHOT) as f:
        snapshot = json.load(f)
    known = {}
    with open(os.path.join(HERE, "callbacks_expected_failures.txt")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, why = line.partition(" ")
                known[name] = why.strip()
    cases = sorted(k[len(MODULE):] for k in snapshot if k.startswith(MODULE))
    c = harness.Checks()
    data = tempfile.mkdtemp(prefix="stepd-callbacks-conf-")
    server = harness.Server(STEPD, data)
    passed, failed = [], []
    try:
        for n, case in enumerate(cases):
            if case not in RUNNABLE:
                c.check("%s is listed as a known failure, with a reason" % case, bool(known.get(case)))
                continue
            exp, rec_events = run_corpus.expected(snapshot[MODULE + case]["recorded-content"], "get_execution_history")
            out, events = run_case(server.sfn, case, n)
            out = dates_as_recorded(out)
            events = dates_as_recorded(content_length_as_recorded(events, rec_events))
            why = run_corpus.compare_final(exp, out) or run_corpus.compare_history(rec_events, events)
            (failed if why else passed).append(case)
            if case in known:
                c.check("%s is listed as failing but passes: remove it from the list" % case, why is not None)
            else:
                c.check("%s matches AWS's recording" % case, why is None, why)
    finally:
        server.terminate(30)
        shutil.rmtree(data, ignore_errors=True)
    print("callbacks conformance: %d of %d recorded cases pass (%d runnable here, %d listed as known failures)" % (
        len(passed), len(cases), len(RUNNABLE), len([k for k in cases if k in known])))
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
