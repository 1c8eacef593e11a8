#!/usr/bin/python3
"""`stepd serve --auth sigv4 --credentials FILE` end to end (issue #11,
Security), with Debian's boto3 / botocore and AWS CLI as clients:

  - requests signed by a key of the file work (boto3: machines, executions,
    activities, pagination; the AWS CLI, by environment and by --profile);
  - unsigned, wrongly signed, expired, mangled, foreign-region requests and
    unknown or temporary keys get AWS's errors (AWS JSON 1.0, as AWS's Coral
    services answer: HTTP 400, {"__type": "com.amazon.coral.service#T",
    "message": ...}, x-amzn-ErrorType);
  - the console and /metrics want HTTP Basic (key id, secret);
  - altered task tokens and altered or forged nextTokens are refused
    (InvalidToken), and a nextToken reveals nothing of what it points at;
    nextTokens survive a restart (their key derives from the server's);
  - a bad --auth / --credentials stops the server at once, saying why.

Usage: /usr/bin/python3 auth_test.py STEPD_BINARY
Skips (exit 77) when boto3 is absent."""
import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "workers"))
try:
    import harness  # noqa: E402
    import boto3  # noqa: E402
    from botocore.auth import SigV4Auth  # noqa: E402
    from botocore.awsrequest import AWSRequest  # noqa: E402
    from botocore.config import Config  # noqa: E402
    from botocore.credentials import Credentials  # noqa: E402
    from botocore.exceptions import ClientError  # noqa: E402
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)

STEPD = sys.argv[1]
checks = harness.Checks()
check = checks.check

KEY1, SECRET1 = "AKIDSTEPDTEST1", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
KEY2, SECRET2 = "AKIDSTEPDTEST2", "second/secret+key=="
TEMP_KEY, TEMP_SECRET, TEMP_TOKEN = "ASIASTEPDTEMP", "temporary-secret", "FwoGZXIvYXdzEXAMPLE//token=="
CREDENTIALS = """# stepd auth test: the same format as ~/.aws/credentials
[default]
aws_access_key_id = %s
aws_secret_access_key = %s

[second]
aws_access_key_id=%s
aws_secret_access_key=%s
region = us-east-1

[temp]
aws_access_key_id = %s
aws_secret_access_key = %s
aws_session_token = %s
""" % (KEY1, SECRET1, KEY2, SECRET2, TEMP_KEY, TEMP_SECRET, TEMP_TOKEN)

CORAL = "com.amazon.coral.service#"
MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            "Access Key and signing method. Consult the service documentation for details.")
PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
EP = None


def client(key=KEY1, secret=SECRET1, token=None, region="us-east-1"):
    return boto3.client("stepfunctions", endpoint_url=EP, region_name=region, aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token,
                        config=Config(retries={"max_attempts": 0}, connect_timeout=3, read_timeout=30))


def error_of(fn):
    """(code, message) of the ClientError fn raises; (None, result) when it does not."""
    try:
        return None, fn()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", "")


def raw(path, body=None, headers=None, method=None):
    """(status, headers as a lower-case dict, body bytes) of one HTTP request."""
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(EP + path, data=data, method=method or ("POST" if data is not None else "GET"),
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def signed_headers(action, body, key=KEY1, secret=SECRET1, when=None, region="us-east-1", token=None):
    """The headers botocore's SigV4Auth gives a Step Functions call, signed at `when` (a UTC datetime)."""
    req = AWSRequest(method="POST", url=EP + "/", data=json.dumps(body).encode(), headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions." + action})
    auth = SigV4Auth(Credentials(key, secret, token), "states", region)
    if when is None:
        auth.add_auth(req)
    else:
        with mock.patch("botocore.auth.datetime") as dt:
            dt.datetime.utcnow.return_value = when
            dt.datetime.now.return_value = when
            auth.add_auth(req)
    return dict(req.headers.items())


def api_error(name, resp, type_, message=None, message_re=None):
    """An AWS JSON 1.0 auth error: HTTP 400, Coral __type, the message, x-amzn-ErrorType."""
    status, headers, body = resp
    try:
        doc = json.loads(body)
    except ValueError:
        doc = {}
    good = (status == 400 and doc.get("__type") == CORAL + type_ and
            headers.get("x-amzn-errortype", "").split(":")[0] == type_ and
            headers.get("content-type") == "application/x-amz-json-1.0")
    if message is not None:
        good = good and doc.get("message") == message
    if message_re is not None:
        good = good and re.match(message_re, doc.get("message", ""), re.S) is not None
    return check(name, good, "HTTP %s %s %s" % (status, headers.get("x-amzn-errortype"), body[:400]))


def flip(text, at):
    """text with the character at `at` replaced by another of the same alphabet."""
    c = text[at]
    alphabet = "0123456789abcdef" if all(ch in "0123456789abcdef" for ch in text) else \
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return text[:at] + alphabet[(alphabet.index(c) + 1) % len(alphabet)] + text[at + 1:]


# ---------------------------------------------------------------- startup

def startup_errors(data):
    def run(extra):
        p = subprocess.run([STEPD, "serve", "--port", "0", "--data", data] + extra, capture_output=True, text=True,
                           timeout=30)
        return p.returncode, p.stderr

    rc, err = run(["--auth", "sigv4"])
    check("startup: --auth sigv4 without --credentials", rc == 1 and "--credentials" in err, (rc, err))
    rc, err = run(["--auth", "sigv4", "--credentials", os.path.join(data, "absent")])
    check("startup: a missing credentials file", rc == 1 and "cannot read the credentials file" in err, (rc, err))
    empty = os.path.join(data, "empty.ini")
    with open(empty, "w") as f:
        f.write("[default]\nregion = us-east-1\n")
    rc, err = run(["--auth", "sigv4", "--credentials", empty])
    check("startup: a credentials file without keys", rc == 1 and "no credentials" in err, (rc, err))
    half = os.path.join(data, "half.ini")
    with open(half, "w") as f:
        f.write("[p]\naws_access_key_id = X\n")
    rc, err = run(["--auth", "sigv4", "--credentials", half])
    check("startup: a key id without its secret", rc == 1 and "no aws_secret_access_key" in err, (rc, err))
    rc, err = run(["--auth", "kerberos"])
    check("startup: an unknown --auth", rc == 1 and "kerberos" in err, (rc, err))
    rc, err = run(["--credentials", empty])
    check("startup: --credentials without --auth sigv4", rc == 1 and "--auth sigv4" in err, (rc, err))


# ---------------------------------------------------------------- signed clients

def signed_clients():
    sfn = client()
    arns = []
    for i in range(5):
        arns.append(sfn.create_state_machine(name="auth-m%d" % i, definition=PASS,
                                             roleArn=harness.ROLE)["stateMachineArn"])
    check("boto3 with the right key creates", len(arns) == 5)
    ex = sfn.start_execution(stateMachineArn=arns[0], input='{"a": 1}')["executionArn"]
    d = harness.wait_end(sfn, ex)
    check("boto3 starts and describes", d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"a": 1}, d)
    # The second profile's key works as well: several profiles, several keys.
    names = [m["name"] for m in client(KEY2, SECRET2).list_state_machines()["stateMachines"]]
    check("the second profile's key", sorted(names) == ["auth-m%d" % i for i in range(5)], names)
    # Temporary credentials, with their session token.
    code, _ = error_of(lambda: client(TEMP_KEY, TEMP_SECRET, TEMP_TOKEN).list_activities())
    check("temporary credentials with their token", code is None, code)

    # Pagination through signed calls: every page, no repeat.
    seen, token, pages = [], None, 0
    while True:
        kw = {"maxResults": 2}
        if token:
            kw["nextToken"] = token
        r = sfn.list_state_machines(**kw)
        seen += [m["name"] for m in r["stateMachines"]]
        pages += 1
        token = r.get("nextToken")
        if not token:
            break
    check("list_state_machines pages", pages == 3 and sorted(seen) == ["auth-m%d" % i for i in range(5)],
          (pages, seen))
    paged = [m["name"] for p in sfn.get_paginator("list_state_machines").paginate(
        PaginationConfig={"PageSize": 2}) for m in p["stateMachines"]]
    check("boto3's paginator", sorted(paged) == sorted(seen), paged)
    return arns, ex


def refused_clients():
    code, msg = error_of(lambda: client(KEY1, SECRET1 + "x").list_state_machines())
    check("a wrong secret: InvalidSignatureException", code == "InvalidSignatureException" and
          msg.startswith(MISMATCH), (code, msg))
    code, msg = error_of(lambda: client(KEY1, SECRET2).list_state_machines())
    check("another key's secret: InvalidSignatureException", code == "InvalidSignatureException", (code, msg))
    code, msg = error_of(lambda: client("AKIDNOBODY", SECRET1).list_state_machines())
    check("an unknown key: UnrecognizedClientException", code == "UnrecognizedClientException" and
          msg == "The security token included in the request is invalid.", (code, msg))
    code, msg = error_of(lambda: client(KEY1, SECRET1, token="a-session-token").list_state_machines())
    check("a session token on a long-term key: UnrecognizedClientException",
          code == "UnrecognizedClientException" and msg == "The security token included in the request is invalid",
          (code, msg))
    code, msg = error_of(lambda: client(TEMP_KEY, TEMP_SECRET).list_state_machines())
    check("a temporary key without its token: UnrecognizedClientException",
          code == "UnrecognizedClientException", (code, msg))
    code, msg = error_of(lambda: client(TEMP_KEY, TEMP_SECRET, TEMP_TOKEN + "x").list_state_machines())
    check("a temporary key with another token: UnrecognizedClientException",
          code == "UnrecognizedClientException", (code, msg))
    code, msg = error_of(lambda: client(region="eu-west-1").list_state_machines())
    check("signed for another region: InvalidSignatureException", code == "InvalidSignatureException" and
          msg == "Credential should be scoped to a valid region, not 'eu-west-1'.", (code, msg))


def raw_requests():
    body = {"maxResults": 1}
    plain = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.ListStateMachines"}
    api_error("unsigned raw HTTP: MissingAuthenticationToken", raw("/", body, plain),
              "MissingAuthenticationTokenException", "Request is missing Authentication Token")
    basic = dict(plain, Authorization="Basic " + base64.b64encode(("%s:%s" % (KEY1, SECRET1)).encode()).decode())
    api_error("Basic on the API: MissingAuthenticationToken", raw("/", body, basic),
              "MissingAuthenticationTokenException", "Request is missing Authentication Token")

    good = signed_headers("ListStateMachines", body)
    status, _, text = raw("/", body, good)
    check("botocore's SigV4Auth, sent raw", status == 200 and "stateMachines" in json.loads(text), (status, text))
    # The body is signed: another body with the same signature is refused.
    api_error("a changed body", raw("/", {"maxResults": 2}, good), "InvalidSignatureException",
              message_re=re.escape(MISMATCH) + r"\n\nThe Canonical String for this request should have been\n'POST\n/\n")
    # So is the action.
    api_error("a changed action", raw("/", body, dict(good, **{"X-Amz-Target": "AWSStepFunctions.ListActivities"})),
              "InvalidSignatureException")

    # Signed 10 minutes ago: AWS's expired answer, measured on the server's clock.
    now = datetime.datetime.utcnow()
    old = signed_headers("ListStateMachines", body, when=now - datetime.timedelta(minutes=10))
    status, headers, text = raw("/", body, old)
    api_error("signed 10 minutes ago: expired", (status, headers, text), "InvalidSignatureException",
              message_re=r"Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$")
    m = re.match(r"Signature expired: (\S+) is now earlier than (\S+) \((\S+) - 5 min\.\)",
                 json.loads(text).get("message", ""))
    if check("the expired message's times", m is not None, text):
        fmt = "%Y%m%dT%H%M%SZ"
        signed_at, limit, server_now = (datetime.datetime.strptime(g, fmt) for g in m.groups())
        check("the expired message: the signing time, now - 5 min, now",
              signed_at == old_time(old) and server_now - limit == datetime.timedelta(minutes=5) and
              abs((server_now - now).total_seconds()) < 60, m.groups())
    future = signed_headers("ListStateMachines", body, when=now + datetime.timedelta(minutes=10))
    api_error("signed 10 minutes ahead: not yet current", raw("/", body, future), "InvalidSignatureException",
              message_re=r"Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z "
                         r"\(\d{8}T\d{6}Z \+ 5 min\.\)$")
    recent = signed_headers("ListStateMachines", body, when=now - datetime.timedelta(minutes=3))
    check("signed 3 minutes ago: accepted", raw("/", body, recent)[0] == 200)

    # Mangled Authorization headers.
    auth = good["Authorization"]
    no_sig = re.sub(r", Signature=[0-9a-f]+", "", auth)
    api_error("no Signature part: IncompleteSignature", raw("/", body, dict(good, Authorization=no_sig)),
              "IncompleteSignatureException",
              "Authorization header requires 'Signature' parameter. Authorization=" + no_sig)
    spaced = auth.replace("Credential=", "Credential= ")
    api_error("a space after Credential=: IncompleteSignature", raw("/", body, dict(good, Authorization=spaced)),
              "IncompleteSignatureException",
              message_re=r"'%s/\S+' not a valid key=value pair \(missing equal-sign\) in Authorization header: '%s'\.$"
                         % (KEY1, re.escape(spaced)))
    no_date = {k: v for k, v in good.items() if k.lower() != "x-amz-date"}
    api_error("no X-Amz-Date: IncompleteSignature", raw("/", body, no_date), "IncompleteSignatureException",
              "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
              "Authorization=" + auth)
    truncated = auth[:-1]
    api_error("a truncated signature: InvalidSignature", raw("/", body, dict(good, Authorization=truncated)),
              "InvalidSignatureException", message_re=re.escape(MISMATCH))
    no_host = auth.replace("SignedHeaders=content-type;host;", "SignedHeaders=content-type;")
    api_error("host not signed", raw("/", body, dict(good, Authorization=no_host)), "InvalidSignatureException",
              "'Host' must be a 'SignedHeader' in the AWS Authorization.")
    api_error("both header and query signatures", raw("/?X-Amz-Algorithm=AWS4-HMAC-SHA256", body, good),
              "InvalidSignatureException",
              "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")


def old_time(headers):
    return datetime.datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")


def aws_cli(creds_file):
    cli = "/usr/bin/aws" if os.path.exists("/usr/bin/aws") else shutil.which("aws")
    if not check("the AWS CLI is installed", cli is not None):
        return
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_DEFAULT_REGION="us-east-1",
                AWS_PAGER="", AWS_MAX_ATTEMPTS="1")

    def run(env, *extra):
        return subprocess.run([cli, "stepfunctions", "--endpoint-url", EP, "list-state-machines"] + list(extra),
                              capture_output=True, text=True, env=env, timeout=120)

    out = run(dict(base, AWS_ACCESS_KEY_ID=KEY1, AWS_SECRET_ACCESS_KEY=SECRET1))
    check("aws stepfunctions list-state-machines with the right key",
          out.returncode == 0 and len(json.loads(out.stdout)["stateMachines"]) == 5, out.stderr[-400:])
    out = run(dict(base, AWS_ACCESS_KEY_ID=KEY1, AWS_SECRET_ACCESS_KEY="wrong"))
    check("aws stepfunctions with a wrong secret fails", out.returncode != 0 and
          "InvalidSignatureException" in out.stderr, (out.returncode, out.stderr[-400:]))
    out = run(dict(base, AWS_ACCESS_KEY_ID="AKIDNOBODY", AWS_SECRET_ACCESS_KEY=SECRET1))
    check("aws stepfunctions with an unknown key fails", out.returncode != 0 and
          "UnrecognizedClientException" in out.stderr, (out.returncode, out.stderr[-400:]))
    # The server's credentials file is a shared-credentials file: the CLI reads it too.
    out = run(dict(base, AWS_SHARED_CREDENTIALS_FILE=creds_file), "--profile", "second")
    check("aws --profile second, from the same file", out.returncode == 0, out.stderr[-400:])


# ---------------------------------------------------------------- console and metrics

def console_and_metrics():
    def basic(user, password):
        return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()}

    for path in ["/", "/metrics", "/console/api/machines"]:
        status, headers, _ = raw(path)
        check("GET %s without Basic: 401" % path,
              status == 401 and headers.get("www-authenticate", "").startswith('Basic realm="stepd"'),
              (status, headers))
        status, _, _ = raw(path, headers=basic(KEY1, SECRET1 + "x"))
        check("GET %s with a wrong password: 401" % path, status == 401, status)
        status, _, _ = raw(path, headers=basic("AKIDNOBODY", SECRET1))
        check("GET %s with an unknown user: 401" % path, status == 401, status)
        status, _, text = raw(path, headers=basic(KEY1, SECRET1))
        check("GET %s with Basic: 200" % path, status == 200, (status, text[:200]))
    status, _, text = raw("/console/api/machines", headers=basic(KEY2, SECRET2))
    check("the console lists machines (second key)", status == 200 and len(json.loads(text)["machines"]) == 5,
          (status, text[:200]))
    status, _, text = raw("/metrics", headers=basic(KEY1, SECRET1))
    check("/metrics counts with Basic", status == 200 and b"ExecutionsStarted" in text, text[:200])
    # Console actions too (POST /console/api/...).
    validate = {"definition": PASS}
    status, _, _ = raw("/console/api/validate", validate, {"Content-Type": "application/json"})
    check("POST /console/api/validate without Basic: 401", status == 401, status)
    status, _, text = raw("/console/api/validate", validate, dict(basic(KEY1, SECRET1),
                                                                   **{"Content-Type": "application/json"}))
    check("POST /console/api/validate with Basic", status == 200 and json.loads(text)["result"] == "OK",
          (status, text[:200]))


# ---------------------------------------------------------------- tokens

def task_tokens():
    sfn = client()
    act = sfn.create_activity(name="auth-work")["activityArn"]
    definition = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": act, "End": True}}})
    sm = sfn.create_state_machine(name="auth-activity", definition=definition, roleArn=harness.ROLE)["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=sm, name="token-secret-name", input='{"secret": "s3cr3t"}')["executionArn"]
    task = sfn.get_activity_task(activityArn=act, workerName="w")
    token = task.get("taskToken", "")
    if not check("an activity task (with its token)", token != "", task):
        return
    check("the task token reveals nothing", "token-secret-name" not in token and "auth-activity" not in token and
          "s3cr3t" not in token and "arn:" not in token, token)
    for at in sorted({0, 1, len(token) // 2, len(token) - 2, len(token) - 1}):
        bad = flip(token, at)
        for name, fn in [("success", lambda: sfn.send_task_success(taskToken=bad, output="{}")),
                         ("failure", lambda: sfn.send_task_failure(taskToken=bad, error="E")),
                         ("heartbeat", lambda: sfn.send_task_heartbeat(taskToken=bad))]:
            code, msg = error_of(fn)
            check("task token altered at %d (%s): InvalidToken" % (at, name), code == "InvalidToken", (code, msg))
    code, _ = error_of(lambda: sfn.send_task_success(taskToken=token[:-2], output="{}"))
    check("a truncated task token: InvalidToken", code == "InvalidToken", code)
    code, _ = error_of(lambda: sfn.send_task_success(taskToken="0" * len(token), output="{}"))
    check("a forged task token: InvalidToken", code == "InvalidToken", code)
    code, _ = error_of(lambda: sfn.send_task_success(taskToken=token, output='{"done": true}'))
    check("the real token still works", code is None, code)
    d = harness.wait_end(sfn, ex)
    check("the execution ends with the worker's output", d["status"] == "SUCCEEDED" and
          json.loads(d["output"]) == {"done": True}, d)
    code, _ = error_of(lambda: sfn.send_task_success(taskToken=token, output="{}"))
    check("an answered token: TaskTimedOut", code == "TaskTimedOut", code)


def page_tokens(arns, ex):
    sfn = client()
    for i in range(4):
        sfn.start_execution(stateMachineArn=arns[1], name="paged-%d" % i)
    first = sfn.list_state_machines(maxResults=2)
    token = first["nextToken"]
    raw_bytes = base64.b64decode(token)
    check("a nextToken reveals nothing", all(s not in raw_bytes for s in
                                              [b"arn:", b"auth-m", b"stateMachine", b"123456789012", b"sm:"]),
          raw_bytes)
    second = sfn.list_state_machines(maxResults=2, nextToken=token)
    check("the token pages on", [m["name"] for m in second["stateMachines"]] != [
        m["name"] for m in first["stateMachines"]] and len(second["stateMachines"]) == 2, second)
    again = sfn.list_state_machines(maxResults=2)["nextToken"]
    check("tokens for the same page differ (random nonce)", again != token)

    def refused(name, fn):
        code, msg = error_of(fn)
        check(name, code == "InvalidToken", (code, msg))

    for at in sorted({0, 5, len(token) // 2, len(token) - 5}):
        refused("nextToken altered at %d: InvalidToken" % at,
                lambda: sfn.list_state_machines(maxResults=2, nextToken=flip(token, at)))
    refused("a truncated nextToken", lambda: sfn.list_state_machines(maxResults=2, nextToken=token[:-4]))
    # The old format (base 64 of "<kind>:<position>") forged to skip ahead.
    forged = base64.b64encode(b"sm:" + arns[3].encode()).decode()
    refused("a forged nextToken (old format)", lambda: sfn.list_state_machines(maxResults=2, nextToken=forged))
    refused("a machines token on activities", lambda: sfn.list_activities(maxResults=1, nextToken=token))
    refused("a machines token on executions",
            lambda: sfn.list_executions(stateMachineArn=arns[1], maxResults=1, nextToken=token))

    ex_page = sfn.list_executions(stateMachineArn=arns[1], maxResults=2)
    ex_token = ex_page["nextToken"]
    check("an executions nextToken reveals nothing", b"paged-" not in base64.b64decode(ex_token) and
          b"arn:" not in base64.b64decode(ex_token))
    refused("machine A's executions token on machine B",
            lambda: sfn.list_executions(stateMachineArn=arns[2], maxResults=2, nextToken=ex_token))
    refused("a RUNNING filter's token without the filter",
            lambda: sfn.list_executions(stateMachineArn=arns[1], maxResults=2, statusFilter="SUCCEEDED",
                                        nextToken=ex_token))
    rest = sfn.list_executions(stateMachineArn=arns[1], maxResults=2, nextToken=ex_token)
    names = sorted(e["name"] for e in ex_page["executions"] + rest["executions"])
    check("executions page through", names == ["paged-%d" % i for i in range(4)], names)

    hist = sfn.get_execution_history(executionArn=ex, maxResults=1)
    h_token = hist["nextToken"]
    refused("history token altered", lambda: sfn.get_execution_history(executionArn=ex, maxResults=1,
                                                                        nextToken=flip(h_token, len(h_token) // 2)))
    return token


# ---------------------------------------------------------------- main

def main():
    global EP
    data = tempfile.mkdtemp(prefix="stepd-auth-")
    creds = os.path.join(data, "credentials")
    with open(creds, "w") as f:
        f.write(CREDENTIALS)
    srv = None
    try:
        startup_errors(data)
        args = ["--auth", "sigv4", "--credentials", creds, "--activity-poll-seconds", "5"]
        srv = harness.Server(STEPD, os.path.join(data, "store"), args)
        EP = srv.endpoint
        arns, ex = signed_clients()
        refused_clients()
        raw_requests()
        aws_cli(creds)
        console_and_metrics()
        task_tokens()
        token = page_tokens(arns, ex)
        # Page tokens survive a restart: their key derives from the server's secret.
        srv.terminate()
        srv = harness.Server(STEPD, os.path.join(data, "store"), args)
        EP = srv.endpoint
        code, r = error_of(lambda: client().list_state_machines(maxResults=2, nextToken=token))
        check("a nextToken after a restart", code is None and len(r["stateMachines"]) == 2, (code, r))
    finally:
        if srv:
            srv.terminate()
        shutil.rmtree(data, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
