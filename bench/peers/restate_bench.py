#!/usr/bin/env python3
"""The Restate side of workload 2 (bench/run_all.py runs it).

Starts restate-server (npm @restatedev/restate-server, its default
configuration: the replicated loglet on this one node, whose log-server
writes its RocksDB WAL with fsync; one change: as many partitions as cores,
--partitions, instead of 24, which doubled its throughput on 2 cores) on a
fresh data directory, the Node
service of bench/peers/restate_service.mjs (Restate TypeScript SDK) in
PROCESSES processes, registers it, then loads `Bench/steps` (STEPS
sequential `ctx.run` steps) through Restate's HTTP ingress with wrk
(closed loop: each connection sends the next call when the last answered),
ROUNDS rounds of SECONDS per client count. With --start-rounds N it then
loads `Bench/noop/send` (an invocation of a no-op handler, answered once it
is durably in Restate's log: the counterpart of StartExecution, workload 5)
from --start-connections connections, N rounds of --start-seconds.
With --chain-rounds N it loads `Bench/chain` (5 sequential no-op `ctx.run`:
the counterpart of a durable 5-state Pass chain, workload 1) from
--chain-connections connections.
Prints one JSON object per round ("case": "steps", "send" or "chain").

Every address is 127.0.0.1. Run it inside a network namespace of its own
(`unshare -n`, as run_all.py does): restate-server asks GitHub for its
latest release at start-up whatever its configuration, and in a namespace
with only a loopback interface that request goes nowhere.

    restate_bench.py --node NODE [--clients 1,64] [--seconds 3] [--rounds 5]
                     [--processes 2]
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "node_modules", "@restatedev", "restate-server-linux-x64", "bin", "restate-server")
INGRESS, ADMIN, FABRIC, SERVICE = 18080, 19070, 15122, 19080


def log(msg):
    print(f"restate_bench: {msg}", file=sys.stderr, flush=True)


def http(method, url, body=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read().decode()


def wait_for(what, fn, seconds=60):
    deadline = time.time() + seconds
    last = None
    while time.time() < deadline:
        try:
            if fn():
                return
        except (OSError, urllib.error.URLError) as e:
            last = e
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up in {seconds} s ({last})")


def wrk(clients, seconds, lua, path):
    out = subprocess.run(
        ["wrk", "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "30s", "--latency", "-s", lua, f"http://127.0.0.1:{INGRESS}{path}"],
        capture_output=True, text=True, check=True).stdout

    def latency(p):
        m = re.search(rf"^\s*{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    done = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"requests_per_s": rps, "requests": done, "non_2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(0) if errors else None, "p50_ms": latency(50), "p99_ms": latency(99)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--node", required=True, help="the node binary (22+)")
    ap.add_argument("--clients", default="1,64")
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10, help="must match restate_service.mjs")
    ap.add_argument("--partitions", type=int, default=os.cpu_count(),
                    help="default-num-partitions (Restate's default: 24)")
    ap.add_argument("--chain-rounds", type=int, default=0)
    ap.add_argument("--chain-connections", type=int, default=1000)
    ap.add_argument("--start-rounds", type=int, default=0)
    ap.add_argument("--start-connections", type=int, default=128)
    ap.add_argument("--start-seconds", type=int, default=5)
    a = ap.parse_args()
    a.node = os.path.abspath(a.node) if os.sep in a.node else shutil.which(a.node) or a.node

    if not os.access(SERVER, os.X_OK):
        raise SystemExit(f"restate_bench: {SERVER} is missing: run bench/peers/setup")
    if not shutil.which("wrk"):
        raise SystemExit("restate_bench: wrk is missing: run bench/peers/setup")
    work = tempfile.mkdtemp(prefix="stepd-restate-bench-")
    procs = []
    try:
        env = dict(os.environ,
                   RESTATE_DISABLE_TELEMETRY="true",
                   RESTATE_ADMIN__DISABLE_WEB_UI="true",
                   RESTATE_LOG_FILTER="warn",
                   RESTATE_DEFAULT_NUM_PARTITIONS=str(a.partitions),
                   RESTATE_BIND_ADDRESS=f"127.0.0.1:{FABRIC}",
                   RESTATE_INGRESS__BIND_ADDRESS=f"127.0.0.1:{INGRESS}",
                   RESTATE_ADMIN__BIND_ADDRESS=f"127.0.0.1:{ADMIN}")
        server_log = open(os.path.join(work, "server.log"), "w")
        procs.append(subprocess.Popen([SERVER, "--no-logo", "--listen-mode", "tcp", "--base-dir",
                                       os.path.join(work, "data")], env=env, stdout=server_log,
                                      stderr=subprocess.STDOUT, start_new_session=True))
        service_log = open(os.path.join(work, "service.log"), "w")
        procs.append(subprocess.Popen([a.node, os.path.join(HERE, "restate_service.mjs"), str(SERVICE),
                                       str(a.processes)], cwd=HERE, stdout=service_log,
                                      stderr=subprocess.STDOUT, start_new_session=True))
        wait_for("restate-server's admin API", lambda: http("GET", f"http://127.0.0.1:{ADMIN}/health")[0] == 200)
        wait_for("the service's registration", lambda: http(
            "POST", f"http://127.0.0.1:{ADMIN}/deployments", {"uri": f"http://127.0.0.1:{SERVICE}"})[0] in (200, 201))
        wait_for("the first call", lambda: http("POST", f"http://127.0.0.1:{INGRESS}/Bench/steps", {"n": 0})[0] == 200)

        lua = os.path.join(work, "call.lua")
        with open(lua, "w") as f:
            f.write('wrk.method = "POST"\n'
                    'wrk.headers["Content-Type"] = "application/json"\n'
                    'wrk.body = \'{"order":"ORD-12345","amount":42.5}\'\n')
        wrk(8, 1, lua, "/Bench/steps")  # warm-up
        for clients in [int(c) for c in a.clients.split(",")]:
            for rnd in range(a.rounds):
                r = wrk(clients, a.seconds, lua, "/Bench/steps")
                r.update(case="steps", partitions=a.partitions, clients=clients, round=rnd, steps=a.steps,
                         executions_per_s=r["requests_per_s"], steps_per_s=r["requests_per_s"] * a.steps)
                print(json.dumps(r), flush=True)
        if a.chain_rounds:
            wrk(8, 1, lua, "/Bench/chain")  # warm-up
        for rnd in range(a.chain_rounds):
            r = wrk(a.chain_connections, a.seconds, lua, "/Bench/chain")
            r.update(case="chain", partitions=a.partitions, clients=a.chain_connections, round=rnd,
                     transitions_per_s=r["requests_per_s"] * 5)
            print(json.dumps(r), flush=True)
        if a.start_rounds:
            wrk(8, 1, lua, "/Bench/noop/send")  # warm-up
        for rnd in range(a.start_rounds):
            r = wrk(a.start_connections, a.start_seconds, lua, "/Bench/noop/send")
            r.update(case="send", partitions=a.partitions, clients=a.start_connections, round=rnd)
            print(json.dumps(r), flush=True)
    finally:
        for p in reversed(procs):
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in reversed(procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        if os.environ.get("RESTATE_BENCH_KEEP"):
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
