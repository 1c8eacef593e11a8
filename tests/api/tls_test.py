#!/usr/bin/python3
"""The API and the console over TLS (`stepd serve --tls-cert/--tls-key`),
with certificates the test makes.

Usage: /usr/bin/python3 tls_test.py STEPD_BINARY

Makes a CA and a server certificate for 127.0.0.1 with the openssl CLI and
checks: boto3 (trusting the CA) runs an execution end to end over HTTPS; the
AWS CLI with --ca-bundle lists it; a client that does not trust the CA
refuses the server; a plain-HTTP request to the TLS port gets no HTTP answer
and leaves the server serving; the console's page and its live feed (a
streamed response) come over TLS; a missing key file or a key that is not
the certificate's stops the server at start with a message naming the file;
--tls-cert without --tls-key is refused by the command line.

Exits 77 when boto3, the AWS CLI or the openssl CLI is missing.
"""
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

if len(sys.argv) != 2:
    sys.exit("usage: tls_test.py STEPD_BINARY")
STEPD = sys.argv[1]
try:
    import boto3
    import botocore.exceptions
    from botocore.config import Config
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)
for tool in ("openssl", "aws"):
    if not shutil.which(tool):
        print("SKIP: no %s CLI" % tool)
        sys.exit(77)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "workers"))
import harness  # noqa: E402
from harness import log  # noqa: E402

PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"tls": True}, "End": True}}})


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_certs(d):
    """A CA, and a server certificate it signs for 127.0.0.1 and localhost."""
    ca_key, ca = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2",
            "-subj", "/CN=stepd test CA")
    key, csr, crt, ext = (os.path.join(d, "server" + e) for e in (".key", ".csr", ".pem", ".ext"))
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
            "-days", "2", "-extfile", ext)
    return ca, crt, key


class TlsServer(harness.Process):
    def __init__(self, data, crt, key):
        super().__init__([STEPD, "serve", "--port", "0", "--data", data, "--tls-cert", crt, "--tls-key", key])
        line = self.wait_line("listening on ")
        if line is None:
            self.kill()
            raise RuntimeError("stepd serve did not start: %s" % "\n".join(self.tail))
        self.endpoint = line.split("listening on ")[1].split(" ")[0]
        self.port = int(self.endpoint.rsplit(":", 1)[1])


def sfn_client(endpoint, verify):
    return boto3.client("stepfunctions", endpoint_url=endpoint, region_name="us-east-1", verify=verify,
                        aws_access_key_id="stepd", aws_secret_access_key="stepd",
                        config=Config(retries={"max_attempts": 0}, connect_timeout=3, read_timeout=30))


def start_fails(c, name, argv, needle):
    """stepd serve with argv must exit non-zero, saying `needle` on stderr."""
    try:
        p = subprocess.run([STEPD, "serve", "--port", "0"] + argv, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return c.check(name, False, "still running after 30 s")
    return c.check(name, p.returncode != 0 and needle in p.stderr, "rc=%d stderr=%s" % (p.returncode, p.stderr))


def main():
    c = harness.Checks()
    d = tempfile.mkdtemp(prefix="stepd-api-tls-")
    server = None
    try:
        ca, crt, key = make_certs(d)
        server = TlsServer(os.path.join(d, "data"), crt, key)
        log("server on %s" % server.endpoint)
        c.check("endpoint is https", server.endpoint.startswith("https://127.0.0.1:"), server.endpoint)

        # boto3 trusting the CA: a whole execution over HTTPS (keep-alive).
        sfn = sfn_client(server.endpoint, ca)
        sm = sfn.create_state_machine(name="tls-pass", definition=PASS,
                                      roleArn=harness.ROLE)["stateMachineArn"]
        ex = sfn.start_execution(stateMachineArn=sm, name="over-tls")["executionArn"]
        desc = {}
        for _ in range(100):
            desc = sfn.describe_execution(executionArn=ex)
            if desc["status"] != "RUNNING":
                break
            time.sleep(0.05)
        c.check("execution over https", desc.get("status") == "SUCCEEDED" and
                json.loads(desc.get("output", "null")) == {"tls": True}, desc)

        # The AWS CLI with the CA bundle.
        env = dict(os.environ, AWS_ACCESS_KEY_ID="stepd", AWS_SECRET_ACCESS_KEY="stepd",
                   AWS_DEFAULT_REGION="us-east-1")
        p = subprocess.run(["aws", "stepfunctions", "list-executions", "--state-machine-arn", sm,
                            "--endpoint-url", server.endpoint, "--ca-bundle", ca, "--output", "json"],
                           capture_output=True, text=True, env=env, timeout=60)
        listed = json.loads(p.stdout)["executions"] if p.returncode == 0 else []
        c.check("aws cli over https", [e["name"] for e in listed] == ["over-tls"], p.stdout + p.stderr)

        # A client that does not trust the CA refuses the server.
        try:
            sfn_client(server.endpoint, True).list_state_machines()
            c.check("untrusted server refused", False, "the system trust store accepted the test CA")
        except botocore.exceptions.SSLError:
            c.check("untrusted server refused", True)

        # Plain HTTP to the TLS port: no HTTP answer; the server keeps serving.
        plain = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            plain.request("POST", "/", body="{}", headers={"X-Amz-Target": "AWSStepFunctions.ListStateMachines"})
            r = plain.getresponse()
            c.check("plain http gets no answer", False, "got HTTP %d" % r.status)
        except (http.client.HTTPException, ConnectionError, socket.timeout) as e:
            c.check("plain http gets no answer", True, e)
        finally:
            plain.close()
        c.check("still serving after plain http", len(sfn.list_state_machines()["stateMachines"]) == 1)

        # The console over TLS: its page, and its live feed (a streamed response).
        ctx = ssl.create_default_context(cafile=ca)
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=ctx, timeout=10)
        conn.request("GET", "/")
        r = conn.getresponse()
        page = r.read().decode("utf-8", "replace")
        c.check("console page over https", r.status == 200 and "<html" in page.lower(), r.status)
        conn.request("GET", "/console/api/executions/%s/events" % ex)
        r = conn.getresponse()
        feed = r.read().decode("utf-8", "replace")  # ends: the execution is over
        c.check("console live feed over https", r.status == 200 and "ExecutionSucceeded" in feed and
                "event: end" in feed, feed[:400])
        conn.close()

        # Start-up errors name the file; the CLI wants both options.
        start_fails(c, "missing key file named", ["--data", os.path.join(d, "d2"), "--tls-cert", crt,
                                                  "--tls-key", os.path.join(d, "nope.key")], "nope.key")
        start_fails(c, "key of another certificate refused", ["--data", os.path.join(d, "d3"), "--tls-cert", ca,
                                                              "--tls-key", key], "server.key")
        start_fails(c, "--tls-cert needs --tls-key", ["--data", os.path.join(d, "d4"), "--tls-cert", crt],
                    "--tls-key")
    finally:
        if server:
            server.terminate()
        shutil.rmtree(d, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
