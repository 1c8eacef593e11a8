#!/usr/bin/env python3
"""`stepd history` and `stepd replay` on a store the runtime wrote.

Usage: store_cli_test.py STEPD CRASH_DRIVER
"""
import json
import shutil
import subprocess
import sys
import tempfile

STEPD, DRIVER = sys.argv[1], sys.argv[2]
failures = []
passed = 0


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
    else:
        failures.append("%s %s" % (name, detail))


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120)


data = tempfile.mkdtemp(prefix="stepd-store-cli-")
try:
    p = run(DRIVER, data, "5")
    check("driver ran", p.returncode == 0, p.stderr)
    dump = json.loads(run(DRIVER, data, "5", "--dump").stdout)
    arn = "arn:aws:states:us-east-1:123456789012:execution:fanout:e3"  # Map + Parallel + Waits

    p = run(STEPD, "history", "--data", data, arn)
    check("history exits 0", p.returncode == 0, p.stderr)
    events = json.loads(p.stdout)["events"]
    check("history has the stored events", [e["type"] for e in events] == dump["e3"]["types"])
    check("history events carry their details",
          events[0]["executionStartedEventDetails"]["input"] == '{"n":3,"items":[1,2,3]}', json.dumps(events[0]))

    p = run(STEPD, "replay", "--data", data, arn, "--json")
    check("replay exits 0", p.returncode == 0, p.stderr)
    steps = json.loads(p.stdout)
    replayed = [e["type"] for step in steps for e in step["events"]]
    check("replay walks every event once", replayed == dump["e3"]["types"])
    check("replay ends where the run ended", steps[-1]["state"]["status"] == "SUCCEEDED")
    check("replay shows waiting work mid-run",
          any(step["state"]["pending"] for step in steps[:-1]), json.dumps(steps[0]["state"]))

    p = run(STEPD, "replay", "--data", data, arn, "--until", "4", "--json")
    steps = json.loads(p.stdout)
    check("--until stops at the decision holding that event",
          steps[-1]["state"]["status"] == "RUNNING" and
          max(e["id"] for step in steps for e in step["events"]) >= 4, p.stdout[:300])

    p = run(STEPD, "history", "--data", data, "arn:aws:states:us-east-1:123456789012:execution:nope:x")
    check("unknown execution exits 1", p.returncode == 1 and "no execution" in p.stderr, p.stderr)
    bad = tempfile.mkdtemp(prefix="stepd-not-a-store-")
    with open(bad + "/data.mdb", "w") as f:
        f.write("this is not an LMDB file, just text that happens to be here" * 100)
    p = run(STEPD, "history", "--data", bad, arn)
    check("a foreign data directory gives a clear error", p.returncode == 1 and p.stderr.strip(), p.stderr)
    shutil.rmtree(bad, ignore_errors=True)
finally:
    shutil.rmtree(data, ignore_errors=True)

for f in failures:
    print("FAIL", f)
print("store cli: %d passed, %d failed" % (passed, len(failures)))
sys.exit(1 if failures else 0)
