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
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "workers"))
sys.path.insert(0, os.path.join(HERE, "..", "s3"))
try:
    import harness  # noqa: E402
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)
import s3rver  # noqa: E402

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
                       "Parameters": {"Bucket": s3rver.ITEMS, "Key": "rows.csv"}},
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                         "Parameters": {"Bucket": s3rver.RESULTS, "Prefix": prefix}},
        "ItemProcessor": child}}})


def records(s3, manifest_key):
    """The result files' records by input row: (status, output, error)."""
    manifest = json.loads(s3.get_object(Bucket=s3rver.RESULTS, Key=manifest_key)["Body"].read())
    out, dupes = {}, 0
    for status, files in manifest["ResultFiles"].items():
        for f in files:
            for r in json.loads(s3.get_object(Bucket=s3rver.RESULTS, Key=f["Key"])["Body"].read()):
                row = json.loads(r["Input"])["n"]
                dupes += row in out
                out[row] = (r["Status"], r.get("Output"), r.get("Error"))
    return out, dupes


def main():
    why = s3rver.unavailable()
    if why:
        print("SKIP: " + why)
        return 77
    with s3rver.S3rver() as s3srv:
        return scenarios(s3srv.client, s3srv.endpoint)


def scenarios(s3, endpoint):
    data = tempfile.mkdtemp(prefix="stepd-kill-")
    srv = None
    failing = ROWS // 100
    try:
        body = "n,last\n" + "".join("%d,%d\n" % (i, i % 100) for i in range(ROWS))
        s3.put_object(Bucket=s3rver.ITEMS, Key="rows.csv", Body=body.encode())
        srv = harness.Server(STEPD, data, ["--s3-endpoint", endpoint])
        sfn = srv.sfn

        # 1. Uninterrupted, 5 % tolerated.
        sm = sfn.create_state_machine(name="tolerant", definition=definition(5, "plain"),
                                      roleArn=harness.ROLE)["stateMachineArn"]
        t0 = time.monotonic()
        ex = sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
        r = harness.wait_end(sfn, ex, timeout=300)
        harness.log("uninterrupted: %s in %.1f s" % (r["status"], time.monotonic() - t0))
        check("5 %: succeeds with 1 % failing", r["status"] == "SUCCEEDED", r)
        d = harness.map_run(sfn, ex)
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
        r = harness.wait_end(sfn, ex2, timeout=300)
        check("0.5 %: fails with States.ExceedToleratedFailureThreshold", r["status"] == "FAILED" and
              r.get("error") == "States.ExceedToleratedFailureThreshold", r)
        check("0.5 %: the Map Run is FAILED", harness.map_run(sfn, ex2).get("status") == "FAILED")

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
            done = harness.map_run(sfn, ex3).get("itemCounts", {}).get("succeeded")
            srv.kill()
            kills += 1
            harness.log("kill %d: %s items had succeeded" % (kills, done))
            srv = harness.Server(STEPD, data, ["--s3-endpoint", endpoint])
            sfn = srv.sfn
        r = harness.wait_end(sfn, ex3, timeout=300)
        check("killed: %d kills happened mid-run" % kills, kills >= 5, kills)
        check("killed: succeeds", r["status"] == "SUCCEEDED", r)
        d = harness.map_run(sfn, ex3)
        check("killed: counts identical to the uninterrupted run",
              d.get("itemCounts", {}).get("succeeded") == ROWS - failing and d["itemCounts"]["failed"] == failing and
              d["itemCounts"]["total"] == ROWS and d["executionCounts"]["total"] == ROWS, d.get("itemCounts"))
        killed, dupes = records(s3, json.loads(r["output"])["ResultWriterDetails"]["Key"])
        check("killed: no row twice in the result files", dupes == 0, dupes)
        same = {k: (v[0], v[2], v[1] and json.loads(v[1])) for k, v in killed.items()} == \
               {k: (v[0], v[2], v[1] and json.loads(v[1])) for k, v in plain.items()}
        check("killed: the same records as the uninterrupted run", same, (len(killed), len(plain)))
        # Nothing ran twice: as many child executions as rows.
        n = len(harness.map_run_children(sfn, d["mapRunArn"]))
        check("killed: one child execution per row", n == ROWS, n)

        # 4. EXPRESS children keep no record: their ends are stored with the
        #    Map Run, so those that ended before a kill do not run again.
        #    200 rows, 50 at a time, each child waits 1 s: killed between waves.
        sm4 = sfn.create_state_machine(name="express", roleArn=harness.ROLE, definition=json.dumps({
            "StartAt": "M", "States": {"M": {
                "Type": "Map", "End": True, "MaxConcurrency": 50,
                "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                               "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItems": 200},
                               "Parameters": {"Bucket": s3rver.ITEMS, "Key": "rows.csv"}},
                "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                                 "Parameters": {"Bucket": s3rver.RESULTS, "Prefix": "express"}},
                "ItemProcessor": {"StartAt": "W", "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                                  "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
                                             "P": {"Type": "Pass", "End": True}}}}}}))["stateMachineArn"]
        ex4 = sfn.start_execution(stateMachineArn=sm4, input="{}")["executionArn"]
        time.sleep(2.5)
        before = harness.map_run(sfn, ex4).get("itemCounts", {}).get("succeeded")
        killed_at = time.time()
        srv.kill()
        srv = harness.Server(STEPD, data, ["--s3-endpoint", endpoint])
        sfn = srv.sfn
        r = harness.wait_end(sfn, ex4, timeout=60)
        check("express: succeeds after the kill", r["status"] == "SUCCEEDED", r)
        express, dupes = records(s3, json.loads(r["output"])["ResultWriterDetails"]["Key"])
        check("express: 200 records, none twice", len(express) == 200 and dupes == 0, (len(express), dupes))
        manifest = json.loads(s3.get_object(Bucket=s3rver.RESULTS,
                                            Key=json.loads(r["output"])["ResultWriterDetails"]["Key"])["Body"].read())
        kept = 0
        for f in manifest["ResultFiles"].get("SUCCEEDED", []):
            for x in json.loads(s3.get_object(Bucket=s3rver.RESULTS, Key=f["Key"])["Body"].read()):
                started = datetime.datetime.fromisoformat(x["StartDate"].replace("Z", "+00:00")).timestamp()
                kept += started < killed_at  # started before the kill: not run again
        check("express: the %s children that had ended before the kill did not run again" % before,
              before and before >= 50 and kept == before, (before, kept))
    finally:
        if srv:
            srv.terminate()
        shutil.rmtree(data, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
