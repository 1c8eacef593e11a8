#!/usr/bin/python3
"""Remote actor workers over TLS, with certificates made by the test.

Usage: /usr/bin/python3 tls_workers_test.py STEPD_BINARY ECHO_WORKER_BINARY

Makes a CA, a server and a client certificate with the openssl CLI, starts
`stepd serve --worker-port 0 --worker-tls-cert/key/ca`, and checks that an
echo worker with the client certificate runs executions to SUCCEEDED; that
a plaintext worker is refused by the TLS port (it exits non-zero and never
gets a task); and that a worker whose certificate another CA signed is
refused too.

Exits 77 when boto3 or the openssl CLI is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

if len(sys.argv) != 3:
    sys.exit("usage: tls_workers_test.py STEPD_BINARY ECHO_WORKER_BINARY")
STEPD, ECHO = sys.argv[1], sys.argv[2]
try:
    import boto3  # noqa: F401
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)
if not shutil.which("openssl"):
    print("SKIP: no openssl CLI")
    sys.exit(77)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import log  # noqa: E402

COUNT = 50


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(d, name):
    key, crt = os.path.join(d, name + "-ca.key"), os.path.join(d, name + "-ca.pem")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-days", "2",
            "-subj", "/CN=" + name + " test CA")
    return key, crt


def make_cert(d, name, ca_key, ca_crt):
    key, csr, crt = (os.path.join(d, name + ext) for ext in (".key", ".csr", ".pem"))
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + name)
    openssl("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
            "-days", "2")
    return crt, key


def main():
    c = harness.Checks()
    d = tempfile.mkdtemp(prefix="stepd-tls-")
    data = os.path.join(d, "data")
    server, workers = None, []
    try:
        ca_key, ca = make_ca(d, "stepd")
        srv_crt, srv_key = make_cert(d, "server", ca_key, ca)
        cli_crt, cli_key = make_cert(d, "client", ca_key, ca)
        other_key, other_ca = make_ca(d, "other")
        bad_crt, bad_key = make_cert(d, "stranger", other_key, other_ca)
        server = harness.Server(STEPD, data, ["--worker-tls-cert", srv_crt, "--worker-tls-key", srv_key,
                                              "--worker-tls-ca", ca])
        sfn = server.sfn
        log("server: http %s, workers %s" % (server.endpoint, server.worker_addr))
        act = sfn.create_activity(name="echo-tls")["activityArn"]
        sm = sfn.create_state_machine(name="tls-echo", definition=harness.machine(act), roleArn=harness.ROLE,
                                      type="STANDARD")["stateMachineArn"]

        # A plaintext worker and one with a stranger's certificate: refused.
        plain = harness.echo_worker(ECHO, server.worker_addr, act, "plain")
        code = plain.proc.wait(timeout=30) if plain.wait_line("serving", 15) is None else None
        c.check("a plaintext worker is refused by the TLS port", code not in (None, 0),
                "exit %s: %s" % (code, "\n".join(plain.tail)))
        plain.kill()
        stranger = harness.echo_worker(ECHO, server.worker_addr, act, "stranger", tls=(bad_crt, bad_key, other_ca))
        code = stranger.proc.wait(timeout=30) if stranger.wait_line("serving", 15) is None else None
        c.check("a worker certified by another CA is refused", code not in (None, 0),
                "exit %s: %s" % (code, "\n".join(stranger.tail)))
        stranger.kill()

        w = harness.echo_worker(ECHO, server.worker_addr, act, "tls-worker", 4, tls=(cli_crt, cli_key, ca))
        workers.append(w)
        if c.check("a worker with the CA's certificate connects", w.wait_line("serving") is not None,
                   "\n".join(w.tail)):
            arns, threads = harness.start_all(server.endpoint, sm, "tls", COUNT, threads=4)
            for t in threads:
                t.join()
            c.check("executions finish", harness.wait_done(sfn, sm, 60))
            bad = []
            for i, arn in enumerate(arns):
                dsc = sfn.describe_execution(executionArn=arn)
                if dsc["status"] != "SUCCEEDED" or json.loads(dsc.get("output", "null")) != {"n": i}:
                    bad.append((i, dsc["status"], dsc.get("error"), dsc.get("cause")))
            c.check("every execution over TLS SUCCEEDED with its input", not bad, bad[:5])
    finally:
        for w in workers:
            w.kill()
        if server:
            c.check("server stops on SIGTERM", server.terminate(30) == 0, "\n".join(server.tail))
        shutil.rmtree(d, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
