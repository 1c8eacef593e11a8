#!/usr/bin/python3
"""A Distributed Map over 100,000 CSV rows (s3rver on loopback) whose child
executions fail for 1 % of the items (n % 100 == 7):

  1. ToleratedFailurePercentage 5: succeeds, DescribeMapRun's counts exact,
     the ResultWriter's files hold every child once;
  2. ToleratedFailurePercentage 0.5: fails with
     States.ExceedToleratedFailureThreshold;
  3. the run of 1 again with `stepd serve` killed (SIGKILL) at random
     moments, 10 times, restarted each time on the same data: the parent
     succeeds with the same counts, and the result files hold the same
     (input, status, output, error) records as the uninterrupted run;
  4. 200 rows with EXPRESS children killed between two waves: the children
     that had ended keep their records and do not run again.

STANDARD children are durable, so a restart finds the ones that ended and
does not run them again; EXPRESS children's ends are stored with the Map Run.

Usage: /usr/bin/python3 kill_test.py STEPD_BINARY [ROWS]
Exit 77 (skipped) when node, s3rver or boto3 is unavailable."""
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "..", "workers"))
sys.path.insert(0, os.path.join(HERE, "..", "s3"))
try:
    import boto3
    from botocore.config import Config
    import harness  # noqa: E402
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)
import s3rver_test  # noqa: E402

STEPD = sys.argv[1]
ROWS = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
KILLS = 10
checks = harness.Checks()
check = checks.check


def definition(percentage, prefix):
    child = {"StartAt": "C", "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.last", "StringEquals": "7", "Next": "F"}],
              "Default": "P"},
        "F": {"Type": "Fail", "Error": "Seven", "Cause": "rows ending in 07 fail"},
        "P": {"Type": "Pass", "Parameters": {"row.$": "$.n", "ok": True}, "End": True}}}
    return json.dumps({"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": True, "MaxConcurrency": 1000, "ToleratedFailurePercentage": percentage,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                       "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                       "Parameters": {"Bucket": s3rver_test.ITEMS, "Key": "rows.csv"}},
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                         "Parameters": {"Bucket": s3rver_test.RESULTS, "Prefix": prefix}},
        "ItemProcessor": child}}})


def wait_end(sfn, arn, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = sfn.describe_execution(executionArn=arn)
        if r["status"] != "RUNNING":
            return r
        time.sleep(0.2)
    return sfn.describe_execution(executionArn=arn)


def records(s3, manifest_key):
    """The result files' records by input row: (status, output, error)."""
    manifest = json.loads(s3.get_object(Bucket=s3rver_test.RESULTS, Key=manifest_key)["Body"].read())
    out, dupes = {}, 0
    for status, files in manifest["ResultFiles"].items():
        for f in files:
            for r in json.loads(s3.get_object(Bucket=s3rver_test.RESULTS, Key=f["Key"])["Body"].read()):
                row = json.loads(r["Input"])["n"]
                dupes += row in out
                out[row] = (r["Status"], r.get("Output"), r.get("Error"))
    return out, dupes


def map_run(sfn, arn):
    runs = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    return sfn.describe_map_run(mapRunArn=runs[0]["mapRunArn"]) if runs else {}


def main():
    if not shutil.which("node") or not shutil.which("npm"):
        print("SKIP: node and npm are needed for s3rver")
        return 77
    if subprocess.call(["bash", os.path.join(ROOT, "scripts", "install-s3-test-deps")]) != 0 or \
            not os.path.exists(s3rver_test.S3RVER):
        print("SKIP: s3rver could not be installed into tests/s3/server/node_modules")
        return 77
    s3dir = tempfile.mkdtemp(prefix="stepd-s3-")
    data = tempfile.mkdtemp(prefix="stepd-kill-")
    s3proc, endpoint = s3rver_test.start_s3rver(s3dir)
    os.environ["AWS_ACCESS_KEY_ID"] = "S3RVER"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "S3RVER"
    srv = None
    failing = ROWS // 100
    try:
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="S3RVER",
                          aws_secret_access_key="S3RVER", config=Config(s3={"addressing_style": "path"}))
        body = "n,last\n" + "".join("%d,%d\n" % (i, i % 100) for i in range(ROWS))
        s3.put_object(Bucket=s3rver_test.ITEMS, Key="rows.csv", Body=body.encode())
        srv = harness.Server(STEPD, data, ["--s3-endpoint", endpoint])
        sfn = srv.sfn

        # 1. Uninterrupted, 5 % tolerated.
        sm = sfn.create_state_machine(name="tolerant", definition=definition(5, "plain"),
                                      roleArn=harness.ROLE)["stateMachineArn"]
        t0 = time.monotonic()
        ex = sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
        r = wait_end(sfn, ex)
        harness.log("uninterrupted: %s in %.1f s" % (r["status"], time.monotonic() - t0))
        check("5 %: succeeds with 1 % failing", r["status"] == "SUCCEEDED", r)
        d = map_run(sfn, ex)
        check("5 %: counts exact", d.get("itemCounts", {}).get("succeeded") == ROWS - failing and
              d["itemCounts"]["failed"] == failing and d["itemCounts"]["total"] == ROWS, d.get("itemCounts"))
        plain, dupes = records(s3, json.loads(r["output"])["ResultWriterDetails"]["Key"])
        check("5 %: every row once in the result files", len(plain) == ROWS and dupes == 0, (len(plain), dupes))
        check("5 %: the failed rows are the 07s", sorted(k for k, v in plain.items() if v[0] == "FAILED") ==
              sorted(str(i) for i in range(ROWS) if i % 100 == 7))

        # 2. 0.5 % tolerated: 1 % fails the Map Run.
        sm2 = sfn.create_state_machine(name="strict", definition=definition(0.5, "strict"),
                                       roleArn=harness.ROLE)["stateMachineArn"]
        ex2 = sfn.start_execution(stateMachineArn=sm2, input="{}")["executionArn"]
        r = wait_end(sfn, ex2)
        check("0.5 %: fails with States.ExceedToleratedFailureThreshold", r["status"] == "FAILED" and
              r.get("error") == "States.ExceedToleratedFailureThreshold", r)
        check("0.5 %: the Map Run is FAILED", map_run(sfn, ex2).get("status") == "FAILED")

        # 3. The run of 1 with ten SIGKILLs.
        sm3 = sfn.create_state_machine(name="killed", definition=definition(5, "killed"),
                                       roleArn=harness.ROLE)["stateMachineArn"]
        ex3 = sfn.start_execution(stateMachineArn=sm3, input="{}")["executionArn"]
        rng = random.Random(7)
        kills = 0
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.2, 1.5))
            if sfn.describe_execution(executionArn=ex3)["status"] != "RUNNING":
                break
            done = map_run(sfn, ex3).get("itemCounts", {}).get("succeeded")
            srv.kill()
            kills += 1
            harness.log("kill %d: %s items had succeeded" % (kills, done))
            srv = harness.Server(STEPD, data, ["--s3-endpoint", endpoint])
            sfn = srv.sfn
        r = wait_end(sfn, ex3)
        check("killed: %d kills happened mid-run" % kills, kills >= 5, kills)
        check("killed: succeeds", r["status"] == "SUCCEEDED", r)
        d = map_run(sfn, ex3)
        check("killed: counts identical to the uninterrupted run",
              d.get("itemCounts", {}).get("succeeded") == ROWS - failing and d["itemCounts"]["failed"] == failing and
              d["itemCounts"]["total"] == ROWS and d["executionCounts"]["total"] == ROWS, d.get("itemCounts"))
        killed, dupes = records(s3, json.loads(r["output"])["ResultWriterDetails"]["Key"])
        check("killed: no row twice in the result files", dupes == 0, dupes)
        same = {k: (v[0], v[2], v[1] and json.loads(v[1])) for k, v in killed.items()} == \
               {k: (v[0], v[2], v[1] and json.loads(v[1])) for k, v in plain.items()}
        check("killed: the same records as the uninterrupted run", same, (len(killed), len(plain)))
        # Nothing ran twice: as many child executions as rows.
        n, token = 0, None
        while True:
            kw = {"mapRunArn": d["mapRunArn"], "maxResults": 1000}
            if token:
                kw["nextToken"] = token
            page = sfn.list_executions(**kw)
            n += len(page["executions"])
            token = page.get("nextToken")
            if not token:
                break
        check("killed: one child execution per row", n == ROWS, n)

        # 4. EXPRESS children keep no record: their ends are stored with the
        #    Map Run, so those that ended before a kill do not run again.
        #    200 rows, 50 at a time, each child waits 1 s: killed between waves.
        sm4 = sfn.create_state_machine(name="express", roleArn=harness.ROLE, definition=json.dumps({
            "StartAt": "M", "States": {"M": {
                "Type": "Map", "End": True, "MaxConcurrency": 50,
                "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                               "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItems": 200},
                               "Parameters": {"Bucket": s3rver_test.ITEMS, "Key": "rows.csv"}},
                "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                                 "Parameters": {"Bucket": s3rver_test.RESULTS, "Prefix": "express"}},
                "ItemProcessor": {"StartAt": "W", "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                                  "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
                                             "P": {"Type": "Pass", "End": True}}}}}}))["stateMachineArn"]
        ex4 = sfn.start_execution(stateMachineArn=sm4, input="{}")["executionArn"]
        time.sleep(2.5)
        before = map_run(sfn, ex4).get("itemCounts", {}).get("succeeded")
        killed_at = time.time()
        srv.kill()
        srv = harness.Server(STEPD, data, ["--s3-endpoint", endpoint])
        sfn = srv.sfn
        r = wait_end(sfn, ex4, timeout=60)
        check("express: succeeds after the kill", r["status"] == "SUCCEEDED", r)
        express, dupes = records(s3, json.loads(r["output"])["ResultWriterDetails"]["Key"])
        check("express: 200 records, none twice", len(express) == 200 and dupes == 0, (len(express), dupes))
        manifest = json.loads(s3.get_object(Bucket=s3rver_test.RESULTS,
                                            Key=json.loads(r["output"])["ResultWriterDetails"]["Key"])["Body"].read())
        kept = 0
        for f in manifest["ResultFiles"].get("SUCCEEDED", []):
            for x in json.loads(s3.get_object(Bucket=s3rver_test.RESULTS, Key=f["Key"])["Body"].read()):
                started = datetime.datetime.fromisoformat(x["StartDate"].replace("Z", "+00:00")).timestamp()
                kept += started < killed_at  # started before the kill: not run again
        check("express: the %s children that had ended before the kill did not run again" % before,
              before and before >= 50 and kept == before, (before, kept))
    finally:
        if srv:
            srv.terminate()
        s3proc.terminate()
        s3proc.wait(timeout=10)
        shutil.rmtree(s3dir, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
