#!/usr/bin/python3
"""Service integrations against real servers on loopback (issue #9).

Usage: /usr/bin/python3 integrations_e2e_test.py STEPD_BINARY

Starts a small HTTP server (Python's http.server) that is both an HTTP API
and a Lambda-compatible endpoint (the Invoke REST API), and `stepd serve
--lambda-endpoint` pointing at it, with AWS credentials in its environment
so Lambda calls are SigV4-signed. Then, through boto3:
- HTTP Task: a 200 with a JSON body; a 404 caught by States.Http.StatusCode.404;
  a 503 twice then 200 under Retry; a TimeoutSeconds shorter than the
  server takes (States.Timeout); a closed port (States.Http.Socket).
- Lambda: lambda:invoke (the Invoke response shape) and a bare function
  ARN (the payload itself); a function error caught by its errorType; the
  Authorization header is a valid SigV4 signature (recomputed here with
  botocore's signer over the request the server received).
- Callback: lambda:invoke.waitForTaskToken passes $$.Task.Token to the
  function; stepd is SIGKILLed and restarted; SendTaskSuccess with that
  token then ends the execution.
Exits 77 when boto3 is missing."""
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "workers"))
try:
    import harness  # noqa: E402
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)

STEPD = sys.argv[1]
KEY, SECRET = "AKIDSTEPDTEST", "stepd/test/secret/key"
ROLE = harness.ROLE


class State:
    lock = threading.Lock()
    flaky = 0           # /flaky answers 503 while this is below 2
    signatures = []     # (ok, detail) per signed Lambda call
    tokens = []         # task tokens the callback function received


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/ok"):
            return self.answer(200, {"hello": "world", "path": self.path})
        if self.path.startswith("/missing"):
            return self.answer(404, {"message": "no such thing"})
        if self.path.startswith("/flaky"):
            with State.lock:
                State.flaky += 1
                n = State.flaky
            return self.answer(503 if n <= 2 else 200, {"try": n})
        if self.path.startswith("/slow"):
            time.sleep(4)
            try:
                return self.answer(200, {"late": True})
            except BrokenPipeError:  # stepd gave up first (TimeoutSeconds): as the test wants
                return
        self.answer(400, {"message": "unknown path " + self.path})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        parts = self.path.split("/")
        # /2015-03-31/functions/NAME/invocations
        if len(parts) >= 5 and parts[1] == "2015-03-31" and parts[2] == "functions":
            self.check_signature(body)
            name = urllib.parse.unquote(parts[3]).split(":")[-1]  # a name or a (URL-encoded) ARN
            payload = json.loads(body or b"null")
            if name == "echo":
                return self.answer(200, payload, [("X-Amz-Executed-Version", "$LATEST")])
            if name == "fail":
                return self.answer(200, {"errorType": "ValueError", "errorMessage": "bad input",
                                         "trace": []}, [("X-Amz-Function-Error", "Unhandled")])
            if name == "callback":
                with State.lock:
                    State.tokens.append(payload["token"])
                return self.answer(200, {"accepted": True})
            return self.answer(404, {"Type": "User", "message": "Function not found: " + name},
                               [("x-amzn-ErrorType", "ResourceNotFoundException")])
        self.answer(400, {"message": "unknown path " + self.path})

    def check_signature(self, body):
        auth = self.headers.get("Authorization", "")
        if not auth:
            State.signatures.append((False, "no Authorization header"))
            return
        try:
            signed = [h.strip() for h in auth.split("SignedHeaders=")[1].split(",")[0].split(";")]
            host = self.headers["Host"]
            req = AWSRequest(method="POST", url="http://%s%s" % (host, self.path), data=body,
                             headers={h: self.headers[h] for h in signed if h != "host"})
            req.context["timestamp"] = self.headers["X-Amz-Date"]
            signer = SigV4Auth(Credentials(KEY, SECRET), "lambda", "us-east-1")
            # botocore signs with its own clock: give it the request's time.
            import datetime
            from unittest import mock
            t = datetime.datetime.strptime(self.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
            with mock.patch("botocore.auth.datetime") as dt:
                dt.datetime.utcnow.return_value = t
                dt.datetime.now.return_value = t.replace(tzinfo=datetime.timezone.utc)
                dt.timezone = datetime.timezone
                signer.add_auth(req)
            expected = req.headers["Authorization"]
            State.signatures.append((expected == auth, "got %s, botocore %s" % (auth, expected)))
        except Exception as e:  # a malformed header is a failed check, with why
            State.signatures.append((False, "cannot verify %r: %s" % (auth, e)))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(sfn, name, definition, payload="{}", wait=30):
    sm = sfn.create_state_machine(name=name, roleArn=ROLE, definition=json.dumps(definition))["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=sm, input=payload)["executionArn"]
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d, harness.history(sfn, arn)
        time.sleep(0.1)
    return sfn.describe_execution(executionArn=arn), harness.history(sfn, arn)


def task(resource, params, **extra):
    s = {"Type": "Task", "Resource": resource, "Parameters": params, "End": True}
    s.update(extra)
    return {"StartAt": "T", "States": {"T": s}}


def main():
    c = harness.Checks()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % httpd.server_address[1]
    data = tempfile.mkdtemp(prefix="stepd-integrations-")
    env_backup = dict(os.environ)
    os.environ.update({"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET})
    server = None
    try:
        server = harness.Server(STEPD, data, ["--lambda-endpoint", base])
        os.environ.clear()
        os.environ.update(env_backup)
        sfn = server.sfn
        http = "arn:aws:states:::http:invoke"

        d, h = run(sfn, "http-ok", task(http, {"ApiEndpoint": base + "/ok", "Method": "GET",
                                                "QueryParameters": {"q": "1"}}))
        out = json.loads(d.get("output", "null") or "null")
        c.check("HTTP Task 200: SUCCEEDED", d["status"] == "SUCCEEDED", d)
        c.check("HTTP Task output has StatusCode and the parsed ResponseBody",
                isinstance(out, dict) and out.get("StatusCode") == 200 and
                out.get("ResponseBody", {}).get("hello") == "world" and
                out["ResponseBody"].get("path") == "/ok?q=1", out)
        c.check("HTTP Task history: TaskScheduled, TaskStarted, TaskSucceeded",
                [e["type"] for e in h if e["type"].startswith("Task") and "State" not in e["type"]] ==
                ["TaskScheduled", "TaskStarted", "TaskSucceeded"], [e["type"] for e in h])

        caught = {"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": http, "Parameters": {"ApiEndpoint": base + "/missing", "Method": "GET"},
                  "Catch": [{"ErrorEquals": ["States.Http.StatusCode.404"], "Next": "C"}], "End": True},
            "C": {"Type": "Pass", "End": True}}}
        d, h = run(sfn, "http-404", caught)
        c.check("HTTP 404 caught as States.Http.StatusCode.404", d["status"] == "SUCCEEDED" and
                json.loads(d["output"]).get("Error") == "States.Http.StatusCode.404", d)

        retried = task(http, {"ApiEndpoint": base + "/flaky", "Method": "GET"},
                       Retry=[{"ErrorEquals": ["States.Http.StatusCode.503"], "IntervalSeconds": 1,
                               "MaxAttempts": 3, "BackoffRate": 1.0}])
        d, h = run(sfn, "http-503", retried)
        c.check("HTTP 503 twice then 200 under Retry: SUCCEEDED after 3 tries",
                d["status"] == "SUCCEEDED" and [e["type"] for e in h].count("TaskScheduled") == 3, d)

        d, h = run(sfn, "http-slow", task(http, {"ApiEndpoint": base + "/slow", "Method": "GET"}, TimeoutSeconds=1))
        c.check("HTTP Task slower than TimeoutSeconds: States.Timeout",
                d["status"] == "FAILED" and d.get("error") == "States.Timeout", d)

        closed = "http://127.0.0.1:%d/nothing" % free_port()
        d, h = run(sfn, "http-socket", task(http, {"ApiEndpoint": closed, "Method": "GET"}))
        c.check("HTTP Task to a closed port: States.Http.Socket",
                d["status"] == "FAILED" and d.get("error") == "States.Http.Socket", d)

        fn = "arn:aws:lambda:us-east-1:123456789012:function:"
        d, h = run(sfn, "lambda-invoke", task("arn:aws:states:::lambda:invoke",
                                              {"FunctionName": fn + "echo", "Payload": {"x.$": "$.x"}}),
                   payload='{"x": 42}')
        out = json.loads(d.get("output", "null") or "null")
        c.check("lambda:invoke: the Invoke response (StatusCode 200, Payload)", d["status"] == "SUCCEEDED" and
                out.get("StatusCode") == 200 and out.get("Payload") == {"x": 42}, d)
        c.check("lambda:invoke records TaskScheduled with resourceType lambda",
                any(e["type"] == "TaskScheduled" and e["taskScheduledEventDetails"]["resourceType"] == "lambda"
                    for e in h), [e["type"] for e in h])

        bare = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": fn + "echo", "End": True}}}
        d, h = run(sfn, "lambda-bare", bare, payload='{"y": 7}')
        c.check("a bare function ARN: output is the payload itself, LambdaFunction* events",
                d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"y": 7} and
                "LambdaFunctionSucceeded" in [e["type"] for e in h], (d, [e["type"] for e in h]))

        failing = {"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": fn + "fail", "Payload": {}},
                  "Catch": [{"ErrorEquals": ["ValueError"], "ResultPath": "$.err", "Next": "C"}], "End": True},
            "C": {"Type": "Pass", "End": True}}}
        d, h = run(sfn, "lambda-fail", failing)
        out = json.loads(d.get("output", "null") or "null")
        c.check("a function error is caught by its errorType", d["status"] == "SUCCEEDED" and
                out.get("err", {}).get("Error") == "ValueError" and "bad input" in out["err"].get("Cause", ""), d)

        c.check("every Lambda call was signed, and botocore computes the same signature",
                State.signatures and all(ok for ok, _ in State.signatures),
                [why for ok, why in State.signatures if not ok][:2] or "no signed call")

        cb = task("arn:aws:states:::lambda:invoke.waitForTaskToken",
                  {"FunctionName": fn + "callback", "Payload": {"token.$": "$$.Task.Token"}})
        sm = sfn.create_state_machine(name="callback", roleArn=ROLE, definition=json.dumps(cb))["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
        deadline = time.monotonic() + 20
        while not State.tokens and time.monotonic() < deadline:
            time.sleep(0.05)
        if c.check("the callback function got $$.Task.Token", bool(State.tokens)):
            server.proc.send_signal(signal.SIGKILL)
            server.proc.wait()
            os.environ.update({"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET})
            server = harness.Server(STEPD, data, ["--lambda-endpoint", base])
            os.environ.clear()
            os.environ.update(env_backup)
            sfn = server.sfn
            c.check("still waiting after SIGKILL and restart",
                    sfn.describe_execution(executionArn=arn)["status"] == "RUNNING")
            sfn.send_task_success(taskToken=State.tokens[0], output='{"approved": true}')
            deadline = time.monotonic() + 20
            while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" and time.monotonic() < deadline:
                time.sleep(0.05)
            d = sfn.describe_execution(executionArn=arn)
            c.check("SendTaskSuccess after the restart ends it with that output",
                    d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"approved": True}, d)
            types = [e["type"] for e in harness.history(sfn, arn)]
            c.check("callback history: TaskScheduled, TaskStarted, TaskSubmitted, TaskSucceeded",
                    [t for t in types if t in ("TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded")] ==
                    ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"], types)
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
        if server:
            server.terminate(30)
        httpd.shutdown()
        shutil.rmtree(data, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
