#!/usr/bin/python3
"""Distributed Map with an ItemReader and a ResultWriter against a real
S3-compatible server: s3rver (npm, tests/s3/server) on loopback, `stepd
serve --s3-endpoint` pointed at it, boto3 for both. CSV, JSONL, JSON and
listObjectsV2 readers, ItemSelector over read items, ItemBatcher, a missing
object, and ResultWriter files read back and checked against the children.

Usage: /usr/bin/python3 item_reader_e2e_test.py STEPD_BINARY
Exit 77 (skipped) when node, s3rver or boto3 is unavailable."""
import json
import os
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
import s3rver  # noqa: E402  (buckets: items, result-bucket)

STEPD = sys.argv[1]
BUCKET = s3rver.ITEMS
RESULTS = s3rver.RESULTS
checks = harness.Checks()
check = checks.check


def map_machine(reader, processor=None, kind="STANDARD", extra=None):
    m = {"Type": "Map", "End": True, "ItemReader": reader,
         "ItemProcessor": dict(processor or {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                               ProcessorConfig={"Mode": "DISTRIBUTED", "ExecutionType": kind})}
    m.update(extra or {})
    return json.dumps({"StartAt": "M", "States": {"M": m}})


def get_object(key, config=None):
    r = {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket.$": "$.Bucket", "Key": key}}
    if config:
        r["ReaderConfig"] = config
    return r


def run(sfn, name, definition, timeout=120):
    sm = sfn.create_state_machine(name=name, definition=definition, roleArn=harness.ROLE)["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=sm, input=json.dumps({"Bucket": BUCKET}))["executionArn"]
    return ex, harness.wait_end(sfn, ex, timeout)


def output(r):
    return json.loads(r.get("output", "null"))


def main():
    why = s3rver.unavailable()
    if why:
        print("SKIP: " + why)
        return 77
    with s3rver.S3rver() as s3srv:
        return scenarios(s3srv)


def scenarios(s3srv):
    data = tempfile.mkdtemp(prefix="stepd-reader-")
    srv = None
    try:
        s3 = s3srv.client
        endpoint = s3srv.endpoint
        objects = {
            "people.csv": "name,age\nada,36\ngrace,85\nalan,41\n",
            "pipe.csv": "x|y\n1|2\n3|4\n",
            "events.jsonl": "".join(json.dumps({"id": i}) + "\n" for i in range(5)),
            "values.json": json.dumps([{"n": i} for i in range(6)]),
            "big.csv": "n\n" + "".join("%d\n" % i for i in range(20000)),
        }
        for i in range(4):
            objects["logs/part-%d.txt" % i] = "x" * (i + 1)
        for key, body in objects.items():
            s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())
        srv = harness.Server(STEPD, data, ["--s3-endpoint", endpoint])
        sfn = srv.sfn

        # CSV with a header row, ItemSelector over the read items.
        ex, r = run(sfn, "csv", map_machine(
            get_object("people.csv", {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}),
            extra={"MaxConcurrency": 2,
                   "ItemSelector": {"who.$": "$$.Map.Item.Value.name", "i.$": "$$.Map.Item.Index",
                                    "bucket.$": "$.Bucket"}}))
        check("csv: succeeds", r["status"] == "SUCCEEDED", r)
        check("csv: rows as items, ItemSelector applied, item order", output(r) == [
            {"who": "ada", "i": 0, "bucket": BUCKET}, {"who": "grace", "i": 1, "bucket": BUCKET},
            {"who": "alan", "i": 2, "bucket": BUCKET}], output(r))
        events = harness.history(sfn, ex)
        started = [e for e in events if e["type"] == "MapStateStarted"]
        check("csv: MapStateStarted length 0 with an ItemReader",
              started and started[0]["mapStateStartedEventDetails"]["length"] == 0, started)

        # GIVEN headers and a PIPE delimiter; every value a string.
        ex, r = run(sfn, "pipe", map_machine(get_object("pipe.csv", {
            "InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["a", "b"], "CSVDelimiter": "PIPE"})))
        check("csv given headers: the header row is an item too", output(r) == [
            {"a": "x", "b": "y"}, {"a": "1", "b": "2"}, {"a": "3", "b": "4"}], output(r))

        # JSONL with ItemBatcher: children get {"Items": [...], "BatchInput": ...}.
        ex, r = run(sfn, "jsonl", map_machine(
            get_object("events.jsonl", {"InputType": "JSONL"}),
            extra={"ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"source.$": "$.Bucket"}}}))
        check("jsonl + batcher: three batches", output(r) == [
            {"Items": [{"id": 0}, {"id": 1}], "BatchInput": {"source": BUCKET}},
            {"Items": [{"id": 2}, {"id": 3}], "BatchInput": {"source": BUCKET}},
            {"Items": [{"id": 4}], "BatchInput": {"source": BUCKET}}], output(r))
        mr = sfn.list_map_runs(executionArn=ex)["mapRuns"][0]["mapRunArn"]
        d = sfn.describe_map_run(mapRunArn=mr)
        check("jsonl + batcher: 5 items in 3 child executions",
              d["itemCounts"]["total"] == 5 and d["executionCounts"]["total"] == 3, d["itemCounts"])

        # listObjectsV2: one item per object under the prefix.
        ex, r = run(sfn, "listing", map_machine({
            "Resource": "arn:aws:states:::s3:listObjectsV2",
            "Parameters": {"Bucket.$": "$.Bucket", "Prefix": "logs/"}}))
        keys = [o.get("Key") for o in output(r) or []]
        check("listObjectsV2: the objects under the prefix", keys == ["logs/part-%d.txt" % i for i in range(4)], r)
        check("listObjectsV2: sizes", [o.get("Size") for o in output(r) or []] == [1, 2, 3, 4], output(r))

        # A missing object fails the Map Run with States.ItemReaderFailed.
        ex, r = run(sfn, "missing", map_machine(get_object("no-such.json", {"InputType": "JSON"})))
        check("missing object: ItemReaderFailed", r["status"] == "FAILED" and
              r.get("error") == "States.ItemReaderFailed" and
              "(Service: S3, Status Code: 404" in r.get("cause", ""), r)
        types = [e["type"] for e in harness.history(sfn, ex)]
        check("missing object: MapRunFailed recorded", "MapRunFailed" in types, types)

        # ResultWriter: a tolerated failure; the files list every child.
        child = {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 4, "Next": "F"}],
                  "Default": "P"},
            "F": {"Type": "Fail", "Error": "Four", "Cause": "no fours"},
            "P": {"Type": "Pass", "Parameters": {"double.$": "States.MathAdd($.n, $.n)"}, "End": True}}}
        ex, r = run(sfn, "writer", map_machine(
            get_object("values.json", {"InputType": "JSON"}), processor=child,
            extra={"ToleratedFailureCount": 1, "Label": "Writer",
                   "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                                    "Parameters": {"Bucket": RESULTS, "Prefix": "out"}}}))
        check("writer: succeeds", r["status"] == "SUCCEEDED", r)
        o = output(r) or {}
        details = o.get("ResultWriterDetails", {})
        check("writer: the Map's output names the manifest", o.get("MapRunArn", "").find(":mapRun:writer/Writer:") > 0
              and details.get("Bucket") == RESULTS and details.get("Key", "").startswith("out/")
              and details.get("Key", "").endswith("/manifest.json"), o)
        manifest = json.loads(s3.get_object(Bucket=RESULTS, Key=details["Key"])["Body"].read())
        check("writer: manifest", manifest.get("MapRunArn") == o.get("MapRunArn") and
              manifest.get("DestinationBucket") == RESULTS, manifest)
        records = {}
        for status, files in manifest.get("ResultFiles", {}).items():
            for f in files:
                body = s3.get_object(Bucket=RESULTS, Key=f["Key"])["Body"].read()
                check("writer: %s size as listed" % f["Key"], len(body) == f["Size"], (len(body), f))
                records[status] = records.get(status, []) + json.loads(body)
        ok = records.get("SUCCEEDED", [])
        check("writer: five SUCCEEDED records with the children's outputs",
              sorted(json.loads(x["Output"])["double"] for x in ok) == [0, 2, 4, 6, 10], ok)
        bad = records.get("FAILED", [])
        check("writer: one FAILED record with the child's error", len(bad) == 1 and bad[0].get("Error") == "Four" and
              bad[0].get("Cause") == "no fours" and json.loads(bad[0]["Input"]) == {"n": 4}, bad)
        d = sfn.describe_map_run(mapRunArn=o.get("MapRunArn"))
        check("writer: DescribeMapRun counts the results written", d["itemCounts"].get("resultsWritten") == 6 and
              d["executionCounts"].get("resultsWritten") == 6, d["itemCounts"])
        children = {x["executionArn"] for x in sfn.list_executions(
            mapRunArn=o.get("MapRunArn"), maxResults=100)["executions"]}
        check("writer: each record names one child execution",
              {x["ExecutionArn"] for x in ok + bad} == children and len(children) == 6, (len(children), ok + bad))

        # 20,000 CSV rows, EXPRESS children, results to S3.
        t0 = time.monotonic()
        ex, r = run(sfn, "big", map_machine(
            get_object("big.csv", {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}), kind="EXPRESS",
            extra={"MaxConcurrency": 1000, "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                                                            "Parameters": {"Bucket": RESULTS, "Prefix": "big"}}}))
        elapsed = time.monotonic() - t0
        check("big: 20,000 rows succeed", r["status"] == "SUCCEEDED", r)
        mr = sfn.list_map_runs(executionArn=ex)["mapRuns"][0]["mapRunArn"]
        d = sfn.describe_map_run(mapRunArn=mr)
        check("big: counts exact", d["itemCounts"]["succeeded"] == 20000 and d["itemCounts"]["total"] == 20000,
              d["itemCounts"])
        manifest = json.loads(s3.get_object(Bucket=RESULTS, Key=output(r)["ResultWriterDetails"]["Key"])["Body"].read())
        n = 0
        seen = set()
        for f in manifest["ResultFiles"].get("SUCCEEDED", []):
            for x in json.loads(s3.get_object(Bucket=RESULTS, Key=f["Key"])["Body"].read()):
                n += 1
                seen.add(json.loads(x["Input"])["n"])
        check("big: every row once in the result files", n == 20000 and seen == {str(i) for i in range(20000)},
              (n, len(seen)))
        print("big: 20,000 rows in %.1f s" % elapsed)
    finally:
        if srv:
            srv.terminate()
        shutil.rmtree(data, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
