#!/usr/bin/env python3
"""Conformance against AWS recordings: runs ../shared/conformance/localstack's
reference runner over every case stepd can run, with the checked-in list of
expected failures, so progress only ratchets forward.

Usage: localstack.py STEPD_BINARY [extra run_corpus.py args]
Exit 77 (CTest: skipped) when the corpus is not beside the checkout.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.environ.get("STEPD_LOCALSTACK_CORPUS",
                        os.path.join(os.path.dirname(ROOT), "shared", "conformance", "localstack"))
EXPECTED = os.path.join(HERE, "localstack_expected_failures.txt")


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    runner = os.path.join(CORPUS, "run_corpus.py")
    if not os.path.isfile(runner):
        print("SKIP: conformance corpus not found at %s (it lives in ../shared beside the checkout)" % CORPUS)
        return 77
    jobs = str(os.cpu_count() or 2)
    cmd = [sys.executable, runner, sys.argv[1], "--expected-failures", EXPECTED, "--jobs", jobs] + sys.argv[2:]
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
