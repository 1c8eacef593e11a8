#!/usr/bin/python3
"""AWS Step Functions' limits (issue #11), each checked just past the limit
(AWS's error) and at it (accepted), through `stepd serve` over raw HTTP.

Usage: /usr/bin/python3 limits_test.py STEPD_BINARY
Skips (exit 77) when boto3 is absent (tests/workers/harness.py needs it).

Where AWS's answer comes from, per check:
  - recorded: LocalStack's snapshots recorded against AWS
    (../shared/conformance/localstack), or a measurement quoted in an issue;
  - model: the botocore service model (min/max/pattern of a member, or the
    operation's documentation), with the error AWS gives for every model
    constraint it was recorded on (ValidationException, "1 validation error
    detected: ...");
  - reference: ../shared/AWS_REFERENCE.md (quotas) and the Developer Guide's
    "Avoid reaching the history quota".
Only the error type is checked where AWS's message is not on record.

Requests go through urllib: Debian's boto3 1.26 predates several actions
and fields, and would refuse out-of-range values before sending them."""
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "workers"))
try:
    import harness  # noqa: E402
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)

STEPD = sys.argv[1]
ROLE = harness.ROLE
ACCOUNT = "arn:aws:states:us-east-1:123456789012"
checks = harness.Checks()
check = checks.check
EP = None  # the server's endpoint, set in main()
POLL_SECONDS = 5  # GetActivityTask's long poll here (the worker-limit case holds 1,000 polls open)

PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
FAIL = json.dumps({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "c"}}})

# AWS's recorded InvalidName cases (test_sfn_api_activities::test_create_activity_invalid_name).
BAD_CHARACTERS = [" ", "<", ">", "{", "}", "[", "]", "?", "*", '"', "#", "%", "\\", "^", "|", "~", "`", "$", "&",
                  ",", ";", ":", "/", "\u0000", "\u001f", "\u007f"]
# Documented as forbidden too (model: "control characters (U+0000-001F,
# U+007F-009F, U+FFFE-FFFF)"), not recorded.
BAD_DOCUMENTED = ["\u0080", "\u0085", "\u009f", "\ufffe", "\uffff"]


# ---------------------------------------------------------------- helpers

def call(action, body, timeout=30):
    """(HTTP status, parsed JSON body, or the raw bytes when not JSON)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(EP, data=data, method="POST", headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions." + action})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    try:
        return status, json.loads(text or b"{}")
    except ValueError:
        return status, text[:200]


def etype(resp):
    body = resp[1]
    if resp[0] == 200 or not isinstance(body, dict):
        return None
    return str(body.get("__type", "")).split("#")[-1]


def short(resp):
    return "HTTP %s %s" % (resp[0], str(resp[1])[:300])


def ok(name, resp):
    return check(name, resp[0] == 200, short(resp))


def err(name, resp, types, message=None, status=None):
    """The error type (one of `types`), and AWS's message when given."""
    types = (types,) if isinstance(types, str) else tuple(types)
    good = resp[0] != 200 and etype(resp) in types
    if good and message is not None:
        good = isinstance(resp[1], dict) and resp[1].get("message") == message
    if good and status is not None:
        good = resp[0] == status
    want = "/".join(types) + ("" if message is None else " %r" % message) + ("" if status is None else " HTTP %d" % status)
    return check(name, good, "want %s; got %s" % (want, short(resp)))


def length_message(member, value, limit):
    return ("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: "
            "Member must have length less than or equal to %d" % (value, member, limit))


def value_message(member, value, limit):
    return ("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: "
            "Member must have value less than or equal to %d" % (value, member, limit))


ALIAS_PATTERN = ("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: "
                 "Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$")


def create_machine(name, definition=PASS, **extra):
    body = {"name": name, "definition": definition, "roleArn": ROLE}
    body.update(extra)
    r = call("CreateStateMachine", body)
    if r[0] != 200:
        raise RuntimeError("CreateStateMachine %s: %s" % (name, short(r)))
    return r[1]


def start(sm, inp="{}", **extra):
    body = {"stateMachineArn": sm, "input": inp}
    body.update(extra)
    r = call("StartExecution", body)
    if r[0] != 200:
        raise RuntimeError("StartExecution: %s" % short(r))
    return r[1]["executionArn"]


def wait_end(arn, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        r = call("DescribeExecution", {"executionArn": arn})[1]
        if r.get("status") != "RUNNING" or time.monotonic() > deadline:
            return r
        time.sleep(0.02)


def last_events(arn, n):
    """The last n events, newest first."""
    return call("GetExecutionHistory", {"executionArn": arn, "reverseOrder": True, "maxResults": n})[1]["events"]


def event_count(arn):
    return last_events(arn, 1)[0]["id"]


def run(name, definition, inp="{}", kind=None):
    extra = {"type": kind} if kind else {}
    sm = create_machine(name, definition, **extra)["stateMachineArn"]
    ex = start(sm, inp)
    return ex, wait_end(ex)


def console_get(path):
    with urllib.request.urlopen(EP + path, timeout=10) as r:
        return json.loads(r.read())


# ---------------------------------------------------------------- names

def names():
    """1-80 characters, counted as characters; the forbidden characters.
    Past 80 AWS answers ValidationException (recorded for StartExecution
    names, wolfeidau/buildkite-serverless-agent#37, and alias names,
    test_sfn_api_aliasing::test_error_create_alias_invalid_name), a bad
    character InvalidName "Invalid Name: '<name>'" (recorded for activities)."""
    sm = create_machine("names")["stateMachineArn"]
    express = create_machine("names-express", type="EXPRESS")["stateMachineArn"]
    at, over = "n" * 80, "n" * 81
    ok("names: a state machine name of 80 characters", call("CreateStateMachine", {
        "name": at, "definition": PASS, "roleArn": ROLE}))
    ok("names: an activity name of 80 characters", call("CreateActivity", {"name": at}))
    ok("names: an execution name of 80 characters", call("StartExecution", {"stateMachineArn": sm, "name": at}))
    ok("names: a StartSyncExecution name of 80 characters", call("StartSyncExecution", {
        "stateMachineArn": express, "name": at}))
    msg = length_message("name", over, 80)
    err("names: a state machine name of 81 characters", call("CreateStateMachine", {
        "name": over, "definition": PASS, "roleArn": ROLE}), "ValidationException", msg)
    err("names: an activity name of 81 characters", call("CreateActivity", {"name": over}), "ValidationException", msg)
    err("names: an execution name of 81 characters", call("StartExecution", {
        "stateMachineArn": sm, "name": over}), "ValidationException", msg)
    err("names: a StartSyncExecution name of 81 characters", call("StartSyncExecution", {
        "stateMachineArn": express, "name": over}), "ValidationException", msg)

    # 80 characters of two bytes each: the limit counts characters.
    wide = "\u00e9" * 80
    ok("names: 80 two-byte characters make a valid state machine name", call("CreateStateMachine", {
        "name": wide, "definition": PASS, "roleArn": ROLE}))
    ok("names: 80 two-byte characters make a valid activity name", call("CreateActivity", {"name": wide}))
    ok("names: 80 two-byte characters make a valid execution name", call("StartExecution", {
        "stateMachineArn": sm, "name": wide}))

    def refused(action, make, chars, recorded):
        wrong = []
        for i, c in enumerate(chars):
            name = "bad%d%sname" % (i, c) if c not in ("\u0000",) else c + "bad%d" % i
            r = call(action, make(name))
            want = "Invalid Name: '%s'" % name
            if not (etype(r) == "InvalidName" and (not recorded or r[1].get("message") == want)):
                wrong.append("U+%04X -> %s" % (ord(c), short(r)[:120]))
        return wrong

    makers = {
        "CreateStateMachine": lambda n: {"name": n, "definition": PASS, "roleArn": ROLE},
        "CreateActivity": lambda n: {"name": n},
        "StartExecution": lambda n: {"stateMachineArn": sm, "name": n},
    }
    for action, make in makers.items():
        wrong = refused(action, make, BAD_CHARACTERS, True)
        check("names: %s refuses each character AWS refused, with InvalidName \"Invalid Name: '<name>'\"" % action,
              not wrong, wrong)
        wrong = refused(action, make, BAD_DOCUMENTED, False)
        check("names: %s refuses the documented control characters U+0080-009F, U+FFFE, U+FFFF (InvalidName)"
              % action, not wrong, wrong)
    ok("names: punctuation AWS allows (- _ . + = @ ! ( ) ')", call("CreateActivity", {"name": "a-b_c.d+e=f@g!h(i)'j"}))


def alias_names(sm, version_arn):
    """CharacterRestrictedName: 1-80, ^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$,
    refused with ValidationException (recorded,
    test_sfn_api_aliasing::test_error_create_alias_invalid_name)."""
    routing = [{"stateMachineVersionArn": version_arn, "weight": 100}]
    ok("alias names: 80 characters", call("CreateStateMachineAlias", {"name": "A" * 80, "routingConfiguration": routing}))
    ok("alias names: letters, digits, - _ .", call("CreateStateMachineAlias", {
        "name": "a-b_c.1", "routingConfiguration": routing}))
    over = "A" * 81
    err("alias names: 81 characters", call("CreateStateMachineAlias", {"name": over, "routingConfiguration": routing}),
        "ValidationException", length_message("name", over, 80))
    for bad in ["123", "INVALID ALIAS", "!INVALID", "ALIAS@"]:
        err("alias names: %r does not match AWS's pattern" % bad, call("CreateStateMachineAlias", {
            "name": bad, "routingConfiguration": routing}), "ValidationException", ALIAS_PATTERN % bad)


# ---------------------------------------------------------------- payloads

def payloads():
    """256 KiB (262,144 bytes of UTF-8) for execution input, task output,
    TestState input and variables, and every state's output."""
    sm = create_machine("payload")["stateMachineArn"]
    express = create_machine("payload-express", type="EXPRESS")["stateMachineArn"]
    at = '"' + "x" * 262142 + '"'  # 262,144 bytes
    over = '"' + "x" * 262143 + '"'
    wide_at = '"' + "\u00e9" * 131071 + '"'  # 262,144 bytes, 131,073 characters
    wide_over = '"' + "\u00e9" * 131072 + '"'  # 262,146 bytes, 131,074 characters
    # Past the limit AWS's model lists both InvalidExecutionInput and
    # ValidationException for StartExecution; which one it picks is not on record.
    bad_input = ("InvalidExecutionInput", "ValidationException")
    ex = call("StartExecution", {"stateMachineArn": sm, "input": at})
    ok("payload: StartExecution input of 262,144 bytes", ex)
    if ex[0] == 200:
        d = wait_end(ex[1]["executionArn"])
        check("payload: an execution with 262,144 bytes of input succeeds (a Pass passes it on)",
              d.get("status") == "SUCCEEDED" and len(d.get("output", "")) == 262144, d.get("status"))
    err("payload: StartExecution input of 262,145 bytes", call("StartExecution", {
        "stateMachineArn": sm, "input": over}), bad_input)
    ok("payload: StartExecution input of 262,144 bytes of two-byte characters", call("StartExecution", {
        "stateMachineArn": sm, "input": wide_at}))
    err("payload: the input limit counts UTF-8 bytes (131,074 characters, 262,146 bytes)", call("StartExecution", {
        "stateMachineArn": sm, "input": wide_over}), bad_input)
    r = call("StartSyncExecution", {"stateMachineArn": express, "input": at})
    check("payload: StartSyncExecution input of 262,144 bytes", r[0] == 200 and r[1].get("status") == "SUCCEEDED",
          short(r))
    err("payload: StartSyncExecution input of 262,145 bytes", call("StartSyncExecution", {
        "stateMachineArn": express, "input": over}), bad_input)

    # A state's output: AWS-recorded shape (error_handling/test_states_errors::test_start_large_input):
    # ExecutionStarted, PassStateEntered, ExecutionFailed{States.DataLimitExceeded}.
    def result_machine(n):  # output {"a":"x...x"}: 8 + n bytes
        return json.dumps({"StartAt": "Big", "States": {"Big": {"Type": "Pass", "Result": {"a": "x" * n}, "End": True}}})
    ex, d = run("state-output-at", result_machine(262144 - 8))
    check("payload: a state output of 262,144 bytes", d.get("status") == "SUCCEEDED", d.get("status"))
    ex, d = run("state-output-over", result_machine(262145 - 8))
    cause = "The state/task 'Big' returned a result with a size exceeding the maximum number of bytes service limit."
    check("payload: a state output of 262,145 bytes fails the execution with States.DataLimitExceeded",
          d.get("status") == "FAILED" and d.get("error") == "States.DataLimitExceeded" and d.get("cause") == cause,
          {k: d.get(k) for k in ("status", "error", "cause")})
    events = list(reversed(last_events(ex, 10)))
    check("payload: its history is ExecutionStarted, PassStateEntered, ExecutionFailed (as AWS recorded)",
          [(e["type"], e["previousEventId"]) for e in events] ==
          [("ExecutionStarted", 0), ("PassStateEntered", 0), ("ExecutionFailed", 2)],
          [(e["type"], e["previousEventId"]) for e in events])

    # TestState: input and variables are SensitiveData (max 262,144).
    state = json.dumps({"Type": "Pass", "End": True})
    ok("payload: TestState input of 262,144 bytes", call("TestState", {"definition": state, "roleArn": ROLE, "input": at}))
    err("payload: TestState input of 262,145 bytes", call("TestState", {
        "definition": state, "roleArn": ROLE, "input": over}), bad_input)
    err("payload: TestState variables of 262,145 bytes", call("TestState", {
        "definition": state, "roleArn": ROLE, "variables": '{"v":' + over + "}"}), bad_input)


def activity_payloads_and_workers():
    """SendTaskSuccess output (262,144), SendTaskFailure error/cause (256 /
    32,768), workerName (80), the task token (2,048), and 1,000 pollers per
    activity (ActivityWorkerLimitExceeded; reference §2.2 and §5)."""
    act = call("CreateActivity", {"name": "limits-work"})[1]["activityArn"]
    sm = create_machine("activity-work", json.dumps({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": act, "End": True}}}))["stateMachineArn"]

    def task(worker="w"):
        ex = start(sm)
        r = call("GetActivityTask", {"activityArn": act, "workerName": worker}, timeout=POLL_SECONDS + 10)
        return ex, r

    ex, r = task("w" * 80)
    ok("workers: a workerName of 80 characters", r)
    token = r[1].get("taskToken", "")
    err("workers: a workerName of 81 characters", call("GetActivityTask", {
        "activityArn": act, "workerName": "w" * 81}), "ValidationException")
    err("payload: SendTaskSuccess output of 262,145 bytes", call("SendTaskSuccess", {
        "taskToken": token, "output": '"' + "x" * 262143 + '"'}), ("InvalidOutput", "ValidationException"))
    ok("payload: SendTaskSuccess output of 262,144 bytes", call("SendTaskSuccess", {
        "taskToken": token, "output": '"' + "x" * 262142 + '"'}))
    d = wait_end(ex)
    check("payload: a task result of 262,144 bytes becomes the output", d.get("status") == "SUCCEEDED" and
          len(d.get("output", "")) == 262144, d.get("status"))

    ex, r = task()
    token = r[1].get("taskToken", "")
    err("error/cause: SendTaskFailure error of 257 characters", call("SendTaskFailure", {
        "taskToken": token, "error": "e" * 257}), "ValidationException")
    err("error/cause: SendTaskFailure cause of 32,769 characters", call("SendTaskFailure", {
        "taskToken": token, "cause": "c" * 32769}), "ValidationException")
    ok("error/cause: SendTaskFailure error of 256 and cause of 32,768 characters", call("SendTaskFailure", {
        "taskToken": token, "error": "e" * 256, "cause": "c" * 32768}))
    d = wait_end(ex)
    check("error/cause: the execution fails with them", d.get("error") == "e" * 256 and d.get("cause") == "c" * 32768,
          d.get("status"))
    # TaskToken: 1-2,048 characters; past it the length, not the token, is refused (as nextToken, recorded).
    for action, body in [("SendTaskSuccess", {"output": "{}"}), ("SendTaskFailure", {}), ("SendTaskHeartbeat", {})]:
        body["taskToken"] = "t" * 2049
        err("task token: %s with a token of 2,049 characters" % action, call(action, body), "ValidationException")

    # 1,000 pollers per activity ARN; the 1,001st gets ActivityWorkerLimitExceeded.
    act2 = call("CreateActivity", {"name": "limits-pollers"})[1]["activityArn"]

    def poll(i):
        call("GetActivityTask", {"activityArn": act2, "workerName": "p%d" % i}, timeout=POLL_SECONDS + 20)

    threads = [threading.Thread(target=poll, args=(i,), daemon=True) for i in range(1000)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + POLL_SECONDS - 1
    waiting = 0
    while time.monotonic() < deadline:
        acts = [a for a in console_get("/console/api/activities")["activities"] if a["arn"] == act2]
        waiting = len(acts[0]["pollers"]) if acts else 0
        if waiting >= 1000:
            break
        time.sleep(0.05)
    if check("workers: 1,000 GetActivityTask polls wait on one activity", waiting >= 1000, waiting):
        err("workers: the 1,001st concurrent poller gets ActivityWorkerLimitExceeded", call("GetActivityTask", {
            "activityArn": act2, "workerName": "extra"}, timeout=POLL_SECONDS + 10), "ActivityWorkerLimitExceeded")
    for t in threads:
        t.join(timeout=POLL_SECONDS + 20)


# ---------------------------------------------------------------- definitions

def definitions():
    """Definition: 1,048,576 characters (model); AWS also caps a request at
    1 MB (reference §5), so "at the limit" is a definition close to 1 MB in a
    request under 1,000,000 bytes. State names: 1-80 characters."""
    def padded(n):  # a valid definition of exactly n characters
        base = {"Comment": "", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
        pad = n - len(json.dumps(base, separators=(",", ":")))
        base["Comment"] = "c" * pad
        text = json.dumps(base, separators=(",", ":"))
        assert len(text) == n
        return text
    big = padded(999000)
    ok("definition: CreateStateMachine with a definition of 999,000 characters", call("CreateStateMachine", {
        "name": "big-definition", "definition": big, "roleArn": ROLE}))
    r = call("ValidateStateMachineDefinition", {"definition": big})
    check("definition: ValidateStateMachineDefinition of 999,000 characters", r[0] == 200 and r[1].get("result") == "OK",
          short(r))
    too_big = padded(1048577)
    # What AWS answers past 1,048,576 (ValidationException from the model or a
    # request-size error) is not on record: the check is that it is refused.
    r = call("CreateStateMachine", {"name": "too-big", "definition": too_big, "roleArn": ROLE})
    check("definition: a definition of 1,048,577 characters is refused", 400 <= r[0] < 500, short(r))
    check("definition: ... and the machine does not exist", etype(call("DescribeStateMachine", {
        "stateMachineArn": ACCOUNT + ":stateMachine:too-big"})) == "StateMachineDoesNotExist")

    name80, name81 = "S" * 80, "S" * 81
    ok("definition: a state name of 80 characters", call("CreateStateMachine", {
        "name": "state-name-80", "roleArn": ROLE,
        "definition": json.dumps({"StartAt": name80, "States": {name80: {"Type": "Pass", "End": True}}})}))
    err("definition: a state name of 81 characters", call("CreateStateMachine", {
        "name": "state-name-81", "roleArn": ROLE,
        "definition": json.dumps({"StartAt": name81, "States": {name81: {"Type": "Pass", "End": True}}})}),
        "InvalidDefinition")


# ---------------------------------------------------------------- tags

def tags():
    """50 tags per resource (TooManyTags, model + reference); key 1-128,
    value 0-256 characters (model: ValidationException)."""
    fifty = [{"key": "k%02d" % i, "value": "v"} for i in range(50)]
    fifty_one = fifty + [{"key": "k50", "value": "v"}]
    r = call("CreateStateMachine", {"name": "tags-50", "definition": PASS, "roleArn": ROLE, "tags": fifty})
    ok("tags: CreateStateMachine with 50 tags", r)
    sm = r[1].get("stateMachineArn", ACCOUNT + ":stateMachine:tags-50")
    err("tags: CreateStateMachine with 51 tags", call("CreateStateMachine", {
        "name": "tags-51", "definition": PASS, "roleArn": ROLE, "tags": fifty_one}), "TooManyTags")
    ok("tags: CreateActivity with 50 tags", call("CreateActivity", {"name": "tags-50", "tags": fifty}))
    err("tags: CreateActivity with 51 tags", call("CreateActivity", {"name": "tags-51", "tags": fifty_one}), "TooManyTags")
    err("tags: TagResource adding a 51st tag", call("TagResource", {
        "resourceArn": sm, "tags": [{"key": "k50", "value": "v"}]}), "TooManyTags")
    ok("tags: TagResource overwriting one of the 50", call("TagResource", {
        "resourceArn": sm, "tags": [{"key": "k00", "value": "new"}]}))
    listed = call("ListTagsForResource", {"resourceArn": sm})[1].get("tags", [])
    check("tags: the resource still has 50 tags", len(listed) == 50, len(listed))
    one = call("CreateStateMachine", {"name": "tags-len", "definition": PASS, "roleArn": ROLE})[1]["stateMachineArn"]
    ok("tags: a key of 128 and a value of 256 characters", call("TagResource", {
        "resourceArn": one, "tags": [{"key": "k" * 128, "value": "v" * 256}]}))
    err("tags: a key of 129 characters", call("TagResource", {
        "resourceArn": one, "tags": [{"key": "k" * 129, "value": "v"}]}), "ValidationException")
    err("tags: an empty key", call("TagResource", {"resourceArn": one, "tags": [{"key": "", "value": "v"}]}),
        "ValidationException")
    err("tags: a value of 257 characters", call("TagResource", {
        "resourceArn": one, "tags": [{"key": "k", "value": "v" * 257}]}), "ValidationException")


# ---------------------------------------------------------------- versions and aliases

def versions_and_aliases():
    """1,000 versions and 100 aliases per state machine (reference §2.2 and
    §5): ServiceQuotaExceededException, "HTTP Status Code: 402" in the model.
    Also routing (1-2 entries, weights 0-100; recorded) and descriptions (256)."""
    sm = create_machine("versions")["stateMachineArn"]
    t0 = time.monotonic()
    failed = []
    for i in range(1000):
        d = json.dumps({"Comment": "v%d" % i, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
        r = call("UpdateStateMachine", {"stateMachineArn": sm, "definition": d, "publish": True})
        if r[0] != 200:
            failed.append((i, short(r)))
            break
    harness.log("published 1,000 versions in %.1f s" % (time.monotonic() - t0))
    check("versions: 1,000 versions published", not failed, failed)
    r = call("UpdateStateMachine", {"stateMachineArn": sm, "publish": True, "definition": json.dumps(
        {"Comment": "one more", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})})
    err("versions: UpdateStateMachine publishing the 1,001st", r, "ServiceQuotaExceededException")
    err("versions: ... answered with HTTP 402, as the model documents", r, "ServiceQuotaExceededException", status=402)
    call("UpdateStateMachine", {"stateMachineArn": sm, "definition": json.dumps(
        {"Comment": "unpublished", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})})
    err("versions: PublishStateMachineVersion of the 1,001st", call("PublishStateMachineVersion", {
        "stateMachineArn": sm}), "ServiceQuotaExceededException")
    listed = call("ListStateMachineVersions", {"stateMachineArn": sm, "maxResults": 1000})
    check("maxResults: ListStateMachineVersions maxResults=1000 gives 1,000 versions",
          listed[0] == 200 and len(listed[1].get("stateMachineVersions", [])) == 1000, short(listed)[:120])
    ok("versions: DeleteStateMachineVersion", call("DeleteStateMachineVersion", {"stateMachineVersionArn": sm + ":1"}))
    r = call("PublishStateMachineVersion", {"stateMachineArn": sm})
    check("versions: a deleted version frees its place (version 1001 published)",
          r[0] == 200 and r[1].get("stateMachineVersionArn") == sm + ":1001", short(r))

    # Aliases: 100 per machine.
    v = sm + ":2"
    failed = []
    for i in range(100):
        r = call("CreateStateMachineAlias", {"name": "alias-%03d" % i,
                                             "routingConfiguration": [{"stateMachineVersionArn": v, "weight": 100}]})
        if r[0] != 200:
            failed.append((i, short(r)))
            break
    check("aliases: 100 aliases created", not failed, failed)
    r = call("CreateStateMachineAlias", {"name": "alias-100",
                                         "routingConfiguration": [{"stateMachineVersionArn": v, "weight": 100}]})
    err("aliases: the 101st alias", r, "ServiceQuotaExceededException")
    err("aliases: ... answered with HTTP 402, as the model documents", r, "ServiceQuotaExceededException", status=402)
    listed = call("ListStateMachineAliases", {"stateMachineArn": sm, "maxResults": 1000})
    check("maxResults: ListStateMachineAliases maxResults=1000 gives all 100", listed[0] == 200 and
          len(listed[1].get("stateMachineAliases", [])) == 100, short(listed)[:120])

    # Routing and descriptions (a second machine, under the alias quota).
    sm2 = create_machine("routing", publish=True, versionDescription="d" * 256)
    check("descriptions: versionDescription of 256 characters", "stateMachineVersionArn" in sm2, sm2)
    err("descriptions: versionDescription of 257 characters", call("CreateStateMachine", {
        "name": "routing-257", "definition": PASS, "roleArn": ROLE, "publish": True,
        "versionDescription": "d" * 257}), "ValidationException")
    v1 = sm2["stateMachineVersionArn"]
    err("descriptions: PublishStateMachineVersion description of 257 characters", call("PublishStateMachineVersion", {
        "stateMachineArn": sm2["stateMachineArn"], "description": "d" * 257}), "ValidationException")
    ok("descriptions: an alias description of 256 characters", call("CreateStateMachineAlias", {
        "name": "described", "description": "d" * 256,
        "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 100}]}))
    err("descriptions: an alias description of 257 characters", call("CreateStateMachineAlias", {
        "name": "described2", "description": "d" * 257,
        "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 100}]}), "ValidationException")
    alias_names(sm2["stateMachineArn"], v1)
    err("routing: a weight of 101", call("CreateStateMachineAlias", {
        "name": "heavy", "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 101}]}),
        "ValidationException", value_message("routingConfiguration.1.member.weight", 101, 100))
    call("UpdateStateMachine", {"stateMachineArn": sm2["stateMachineArn"], "definition": FAIL})
    v2 = call("PublishStateMachineVersion", {"stateMachineArn": sm2["stateMachineArn"]})[1]["stateMachineVersionArn"]
    call("UpdateStateMachine", {"stateMachineArn": sm2["stateMachineArn"], "definition": PASS.replace("P", "Q")})
    v3 = call("PublishStateMachineVersion", {"stateMachineArn": sm2["stateMachineArn"]})[1]["stateMachineVersionArn"]
    err("routing: three routing entries", call("CreateStateMachineAlias", {
        "name": "three", "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 50},
                                                  {"stateMachineVersionArn": v2, "weight": 30},
                                                  {"stateMachineVersionArn": v3, "weight": 20}]}),
        "ValidationException")
    ok("routing: two routing entries", call("CreateStateMachineAlias", {
        "name": "two", "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 50},
                                                {"stateMachineVersionArn": v2, "weight": 50}]}))


# ---------------------------------------------------------------- maxResults and nextToken

def max_results(execution, map_run_execution, sm, versioned_sm):
    """PageSize: 0-1000 (0 means the default, 100); 1,001 refused with the
    recorded message; -1 refused (model min 0). nextToken (PageToken) at
    most 1,024 characters, ListExecutions' 3,096 (recorded messages)."""
    actions = {
        "ListStateMachines": {},
        "ListActivities": {},
        "ListExecutions": {"stateMachineArn": sm},
        "GetExecutionHistory": {"executionArn": execution},
        "ListMapRuns": {"executionArn": map_run_execution},
        "ListStateMachineVersions": {"stateMachineArn": versioned_sm},
        "ListStateMachineAliases": {"stateMachineArn": versioned_sm},
    }
    for action, base in actions.items():
        for v in (0, 1, 1000):
            ok("maxResults: %s maxResults=%d" % (action, v), call(action, dict(base, maxResults=v)))
        err("maxResults: %s maxResults=1001" % action, call(action, dict(base, maxResults=1001)),
            "ValidationException", value_message("maxResults", 1001, 1000))
        err("maxResults: %s maxResults=-1" % action, call(action, dict(base, maxResults=-1)), "ValidationException")
        limit = 3096 if action == "ListExecutions" else 1024
        token = "x" * (limit + 1)
        err("nextToken: %s nextToken of %d characters" % (action, limit + 1), call(action, dict(base, nextToken=token)),
            "ValidationException", length_message("nextToken", token, limit))

    # The history of a 25,000-event execution, paged.
    page = call("GetExecutionHistory", {"executionArn": execution, "maxResults": 1000})[1]
    check("maxResults: GetExecutionHistory maxResults=1000 gives 1,000 events and a nextToken",
          len(page.get("events", [])) == 1000 and "nextToken" in page, len(page.get("events", [])))
    for label, body in [("maxResults=0", {"maxResults": 0}), ("no maxResults", {})]:
        page = call("GetExecutionHistory", dict(body, executionArn=execution))[1]
        check("maxResults: GetExecutionHistory with %s gives the default 100 events" % label,
              len(page.get("events", [])) == 100 and "nextToken" in page, len(page.get("events", [])))

    # ValidateStateMachineDefinition: maxResults 0-100 (model), diagnostics cut at maxResults with truncated.
    for v in (0, 100):
        ok("maxResults: ValidateStateMachineDefinition maxResults=%d" % v, call("ValidateStateMachineDefinition", {
            "definition": PASS, "maxResults": v}))
    err("maxResults: ValidateStateMachineDefinition maxResults=101", call("ValidateStateMachineDefinition", {
        "definition": PASS, "maxResults": 101}), "ValidationException")
    err("maxResults: ValidateStateMachineDefinition maxResults=-1", call("ValidateStateMachineDefinition", {
        "definition": PASS, "maxResults": -1}), "ValidationException")
    bad = json.dumps({"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "Next": "Gone"},
                                                       "B": {"Type": "Task", "End": True}}})
    full = call("ValidateStateMachineDefinition", {"definition": bad})[1]
    cut = call("ValidateStateMachineDefinition", {"definition": bad, "maxResults": 1})[1]
    if check("maxResults: a definition with several diagnostics (setup)", len(full.get("diagnostics", [])) >= 2, full):
        check("maxResults: ValidateStateMachineDefinition maxResults=1 returns 1 diagnostic with truncated=true",
              len(cut.get("diagnostics", [])) == 1 and cut.get("truncated") is True,
              {"diagnostics": len(cut.get("diagnostics", [])), "truncated": cut.get("truncated")})


# ---------------------------------------------------------------- history

def history():
    """25,000 events per STANDARD execution. AWS: when an execution reaches
    24,999 events, event 25,000 is ExecutionSucceeded if that is what comes
    next, else ExecutionFailed {States.Runtime, "The execution reached the
    maximum number of history events (25000)."} (Developer Guide,
    "Avoid reaching the history quota"; measured against AWS in
    floci-io/floci#2734 with a Choice loop: 24,999 ChoiceStateExited, 25,000
    ExecutionFailed). EXPRESS has no history limit (reference §4, §5).
    Redrive needs fewer than 24,999 events (model, RedriveExecution)."""
    cause = "The execution reached the maximum number of history events (25000)."
    spin = json.dumps({"StartAt": "Loop", "States": {"Loop": {"Type": "Choice", "Choices": [
        {"Variable": "$.stop", "IsPresent": True, "Next": "Done"}], "Default": "Loop"}, "Done": {"Type": "Succeed"}}})
    t0 = time.monotonic()
    ex, d = run("history-spin", spin, '{"spin":true}')
    capped = ex
    harness.log("a 25,000-event execution in %.2f s" % (time.monotonic() - t0))
    check("history: a Choice looping forever fails with States.Runtime and AWS's cause",
          d.get("status") == "FAILED" and d.get("error") == "States.Runtime" and d.get("cause") == cause,
          {k: d.get(k) for k in ("status", "error", "cause")})
    last = last_events(ex, 2)
    check("history: event 25,000 is ExecutionFailed after 24,999 ChoiceStateExited (as AWS measured)",
          [(e["id"], e["type"], e["previousEventId"]) for e in last] ==
          [(25000, "ExecutionFailed", 24999), (24999, "ChoiceStateExited", 24998)] and
          last[0].get("executionFailedEventDetails") == {"error": "States.Runtime", "cause": cause},
          [(e["id"], e["type"], e["previousEventId"], e.get("executionFailedEventDetails")) for e in last])

    def counter(n, tail):
        """Counts to n (4 events a turn), then `tail` states."""
        states = {"Count": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericGreaterThanEquals": n, "Next": "T0"}], "Default": "Inc"},
            "Inc": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Count"}}
        states.update(tail)
        return json.dumps({"StartAt": "Count", "States": states})
    # 1 + 4n + 2 (Choice) + 2 (Pass) + 2 (Succeed) + 1 = 4n + 8 = 25,000 for n = 6,248.
    ex, d = run("history-exact", counter(6248, {"T0": {"Type": "Pass", "Next": "T1"}, "T1": {"Type": "Succeed"}}),
                '{"n":0}')
    check("history: an execution whose event 25,000 is ExecutionSucceeded succeeds",
          d.get("status") == "SUCCEEDED" and event_count(ex) == 25000, (d.get("status"), event_count(ex)))
    ex, d = run("history-exact-plus-one", counter(6249, {"T0": {"Type": "Pass", "Next": "T1"},
                                                        "T1": {"Type": "Succeed"}}), '{"n":0}')
    check("history: one turn more fails at event 25,000",
          d.get("status") == "FAILED" and d.get("cause") == cause and event_count(ex) == 25000,
          (d.get("status"), d.get("cause"), event_count(ex)))

    # A loop of 5 events a turn after a 2-event Pass: the cut falls where a
    # state is about to be entered with 24,998 events written.
    odd = json.dumps({"StartAt": "First", "States": {
        "First": {"Type": "Pass", "Next": "Par"},
        "Par": {"Type": "Parallel", "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Par", "ResultPath": None}], "End": True}}})
    ex, d = run("history-odd", odd)
    last = last_events(ex, 1)[0]
    check("history: ExecutionFailed is event 25,000 whatever the loop's shape (Pass, then Parallel caught)",
          d.get("status") == "FAILED" and d.get("cause") == cause and
          (last["id"], last["type"]) == (25000, "ExecutionFailed"), (d.get("status"), last["id"], last["type"]))

    # An inline Map of 6,249 one-Pass items: 4 events an item, 25,002 in all.
    m = json.dumps({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": {
        "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, "End": True}}})
    ex, d = run("history-map", m, json.dumps(list(range(6249))))
    n = event_count(ex)
    check("history: an inline Map that would write 25,002 events fails at event 25,000",
          d.get("status") == "FAILED" and d.get("cause") == cause and n == 25000, (d.get("status"), n))
    check("history: no execution has more than 25,000 events", n <= 25000, n)

    # EXPRESS: no history limit. 13,000 turns = 52,000+ events.
    sm = create_machine("history-express", counter(13000, {"T0": {"Type": "Succeed"}}), type="EXPRESS")["stateMachineArn"]
    r = call("StartSyncExecution", {"stateMachineArn": sm, "input": '{"n":0}'}, timeout=60)
    check("history: an EXPRESS execution has no event limit (52,000 events succeed)",
          r[0] == 200 and r[1].get("status") == "SUCCEEDED", {k: r[1].get(k) for k in ("status", "error", "cause")}
          if isinstance(r[1], dict) else short(r))

    # Redrive: the capped execution cannot be redriven; one with 24,998 events can.
    err("history: RedriveExecution of an execution at the history limit", call("RedriveExecution", {
        "executionArn": capped}), "ExecutionNotRedrivable")
    d = call("DescribeExecution", {"executionArn": capped})[1]
    check("history: DescribeExecution says NOT_REDRIVABLE, \"Execution history event limit exceeded.\"",
          d.get("redriveStatus") == "NOT_REDRIVABLE" and
          d.get("redriveStatusReason") == "Execution history event limit exceeded.",
          {k: d.get(k) for k in ("redriveStatus", "redriveStatusReason")})
    # 1 + 2 (First) + 4n + 2 (Choice) + 4 (Parallel failing) + 1 = 4n + 10 = 24,998 for n = 6,247.
    states = json.loads(counter(6247, {"T0": {"Type": "Parallel", "Branches": [
        {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}], "End": True}}))
    states["States"]["First"] = {"Type": "Pass", "Next": "Count"}
    states["StartAt"] = "First"
    ex, d = run("history-24998", json.dumps(states), '{"n":0}')
    n = event_count(ex)
    if check("history: a failed execution with 24,998 events (setup)", d.get("status") == "FAILED" and n == 24998,
             (d.get("status"), n)):
        check("history: ... is REDRIVABLE (fewer than 24,999 events)", d.get("redriveStatus") == "REDRIVABLE",
              d.get("redriveStatus"))
        ok("history: ... and RedriveExecution accepts it", call("RedriveExecution", {"executionArn": ex}))
        wait_end(ex)
    return capped


# ---------------------------------------------------------------- other members

def other_members():
    """error (256) and cause (32,768) of StopExecution; traceHeader (0-256,
    ASCII); ARNs (256); RedriveExecution clientToken (1-64, [!-~]+);
    UpdateMapRun ranges. All from the model: ValidationException."""
    wait = create_machine("stoppable", json.dumps({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 600, "End": True}}}))["stateMachineArn"]
    ex = start(wait)
    err("error/cause: StopExecution error of 257 characters", call("StopExecution", {
        "executionArn": ex, "error": "e" * 257}), "ValidationException")
    err("error/cause: StopExecution cause of 32,769 characters", call("StopExecution", {
        "executionArn": ex, "cause": "c" * 32769}), "ValidationException")
    ok("error/cause: StopExecution error of 256 and cause of 32,768 characters", call("StopExecution", {
        "executionArn": ex, "error": "e" * 256, "cause": "c" * 32768}))

    sm = create_machine("trace")["stateMachineArn"]
    ok("traceHeader: 256 characters", call("StartExecution", {"stateMachineArn": sm, "traceHeader": "t" * 256}))
    err("traceHeader: 257 characters", call("StartExecution", {"stateMachineArn": sm, "traceHeader": "t" * 257}),
        "ValidationException")
    err("traceHeader: a character outside ASCII", call("StartExecution", {
        "stateMachineArn": sm, "traceHeader": "Root=\u00e9"}), "ValidationException")

    long_arn = ACCOUNT + ":stateMachine:" + "r" * (257 - len(ACCOUNT + ":stateMachine:"))
    err("ARNs: DescribeStateMachine with an ARN of 257 characters", call("DescribeStateMachine", {
        "stateMachineArn": long_arn}), "ValidationException")
    long_role = "arn:aws:iam::123456789012:role/" + "r" * (257 - len("arn:aws:iam::123456789012:role/"))
    err("ARNs: a roleArn of 257 characters", call("CreateStateMachine", {
        "name": "long-role", "definition": PASS, "roleArn": long_role}), "ValidationException")

    failing = create_machine("redrivable", FAIL)["stateMachineArn"]
    ex = start(failing)
    wait_end(ex)
    err("clientToken: RedriveExecution clientToken of 65 characters", call("RedriveExecution", {
        "executionArn": ex, "clientToken": "c" * 65}), "ValidationException")
    wait_end(ex)
    err("clientToken: a clientToken with a space (pattern [!-~]+)", call("RedriveExecution", {
        "executionArn": ex, "clientToken": "a b"}), "ValidationException")
    wait_end(ex)
    ok("clientToken: RedriveExecution clientToken of 64 characters", call("RedriveExecution", {
        "executionArn": ex, "clientToken": "c" * 64}))
    wait_end(ex)

    unknown = ACCOUNT + ":mapRun:nothing/here:00000000-0000-0000-0000-000000000000"
    for field, value in [("toleratedFailurePercentage", 101), ("toleratedFailurePercentage", -1),
                         ("maxConcurrency", -1), ("toleratedFailureCount", -1)]:
        err("UpdateMapRun: %s=%s" % (field, value), call("UpdateMapRun", {"mapRunArn": unknown, field: value}),
            "ValidationException")


def main():
    global EP
    data = tempfile.mkdtemp(prefix="stepd-limits-")
    srv = harness.Server(STEPD, data, ["--activity-poll-seconds", str(POLL_SECONDS)])
    EP = srv.endpoint
    t0 = time.monotonic()
    try:
        names()
        payloads()
        activity_payloads_and_workers()
        definitions()
        tags()
        spin = history()
        versions_and_aliases()
        sm = ACCOUNT + ":stateMachine:history-spin"
        max_results(spin, spin, sm, ACCOUNT + ":stateMachine:versions")
        other_members()
    finally:
        srv.terminate()
        shutil.rmtree(data, ignore_errors=True)
    harness.log("done in %.1f s" % (time.monotonic() - t0))
    return ratchet()


EXPECTED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "limits_expected_failures.txt")


def ratchet():
    """Known gaps (limits_expected_failures.txt, one check name per line
    after its reason's comment) may fail; any other failure fails the test,
    and so does a listed check that now passes: the list only shrinks."""
    with open(EXPECTED) as f:
        known = {line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")}
    failed = set(checks.failures)
    unexpected = sorted(failed - known)
    fixed = sorted(known - failed)
    print("limits: %d checks passed, %d known gaps (listed), %d unexpected failures, %d listed but passing" % (
        checks.passed, len(failed & known), len(unexpected), len(fixed)))
    for name in unexpected:
        print("UNEXPECTED FAILURE: " + name)
    for name in fixed:
        print("LISTED BUT PASSES (remove it from %s): %s" % (os.path.basename(EXPECTED), name))
    if os.environ.get("STEPD_LIMITS_DUMP"):
        for name in sorted(failed):
            print("FAILED: " + name)
    return 1 if unexpected or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
