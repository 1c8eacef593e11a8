#!/usr/bin/env python3
"""Crash safety: SIGKILL the runtime at random points, 50 times, and check
that every execution still completes exactly as in an uninterrupted run.

Usage: crash_test.py CRASH_DRIVER [--kills N] [--count N] [--seed S]

1. A reference run on a fresh data directory, never interrupted.
2. The same executions on another directory: the driver is started and
   SIGKILLed after a random delay, N times (each start asks for a few more
   executions, so there is always live work to kill); then run to completion.
3. Both directories are dumped and compared: every execution SUCCEEDED with
   the same output, the same event type sequence (no event lost, none
   duplicated), and event ids 1..n with no gap.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def run(driver, data, count, timeout=300):
    p = subprocess.run([driver, data, str(count)], capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        sys.exit("driver failed (%d): %s" % (p.returncode, p.stderr.strip()))


def dump(driver, data, count):
    p = subprocess.run([driver, data, str(count), "--dump"], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        sys.exit("dump failed (%d): %s" % (p.returncode, p.stderr.strip()))
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("driver")
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    print("crash test: %d executions, %d kills, seed %d" % (args.count, args.kills, args.seed))
    root = tempfile.mkdtemp(prefix="stepd-crash-")
    try:
        ref_dir = os.path.join(root, "reference")
        run(args.driver, ref_dir, args.count)
        reference = dump(args.driver, ref_dir, args.count)

        dir_ = os.path.join(root, "killed")
        killed_mid_run = 0
        for k in range(args.kills):
            # Each start adds executions, so every kill lands on live work:
            # starts in flight, Waits, Map iterations, retries, recoveries.
            count = max(1, args.count * (k + 1) // args.kills)
            p = subprocess.Popen([args.driver, dir_, str(count)], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
            time.sleep(rng.uniform(0.02, 0.8))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                killed_mid_run += 1
            p.wait()
            if p.returncode not in (0, -signal.SIGKILL):
                sys.exit("driver failed after %d kills (%d): %s" % (k, p.returncode, p.stderr.read().strip()))
        run(args.driver, dir_, args.count)
        got = dump(args.driver, dir_, args.count)

        failures = []
        for name, want in reference.items():
            have = got.get(name)
            if have is None:
                failures.append("%s: missing" % name)
                continue
            if want["status"] != "SUCCEEDED":
                failures.append("%s: reference run ended %s" % (name, want["status"]))
            for key in ("status", "output", "types"):
                if have[key] != want[key]:
                    failures.append("%s: %s differs: %s vs %s" % (name, key, json.dumps(have[key])[:200],
                                                                 json.dumps(want[key])[:200]))
            if not have["dense_ids"]:
                failures.append("%s: event ids are not 1..n" % name)
        for f in failures[:30]:
            print("FAIL", f)
        passed = len(reference) - len({f.split(":")[0] for f in failures})
        print("crash: %d killed mid-run of %d starts" % (killed_mid_run, args.kills))
        print("%d passed, %d failed" % (passed, len(reference) - passed))
        return 1 if failures else 0
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
