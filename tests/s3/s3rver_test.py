#!/usr/bin/env python3
"""The S3 layer (src/s3) against a real S3-compatible server: s3rver (npm,
tests/s3/server) on loopback with its data in a temporary directory.

  1. boto3 uploads the objects an ItemReader reads: CSV with a header row,
     CSV with given headers and a PIPE delimiter, a JSON array, JSONL, a
     large CSV, an empty object, and objects to list over several pages;
  2. stepd_tests runs its hidden [.s3rver] cases (tests/s3/s3rver_test.cpp)
     with STEPD_TEST_S3_ENDPOINT set: they read those objects through
     ItemSource and write a Map Run's results with the result writer;
  3. boto3 reads the results back and checks the manifest against them.

Usage: s3rver_test.py STEPD_TESTS_BINARY
Exit 77 (CTest: skipped) when node, s3rver or boto3 is unavailable.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import s3rver  # noqa: E402
ITEMS = s3rver.ITEMS
RESULTS = s3rver.RESULTS
MAP_RUN_ID = "0b7a6a47-7e3c-3d65-9c1a-7c1a2e7c4a5e"  # s3rver_test.cpp's Map Run


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def objects():
    """The objects the [.s3rver] cases read, by key."""
    recorded_rows = "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"
    out = {
        # test_map_item_reader_base_csv_headers_first_line's object
        "csv/header.csv": "Col1,Col2,Col3\n" + recorded_rows,
        "csv/given_pipe.csv": 'a|"b|c"|3\r\n"multi\nline"||\r\n',
        # test_map_item_reader_base_json's object, as Python's json.dumps writes it
        "json/items.json": json.dumps([
            {"verdict": "true", "statement_date": "6/11/2008", "statement_source": "speech"},
            {"verdict": "false", "statement_date": "6/7/2022", "statement_source": "television"},
            {"verdict": "mostly-true", "statement_date": "5/18/2016", "statement_source": "news"},
        ]),
        "jsonl/items.jsonl": '{"id":1}\n\n{"id":2,"tags":["a","b"]}\r\n"three"\n',
        "csv/big.csv": "n,square\n" + "".join("%d,%d\n" % (i, i * i) for i in range(5000)),
        "csv/empty.csv": "",
        "keys/a b+é.jsonl": '{"ok":true}\n',
    }
    # test_map_item_reader_base_list_objects_v2's objects, and more for pages of 3
    for i in range(7):
        out["list/file_%d.txt" % i] = "%dHelloWorld!" % i
    return out


def check_results(s3):
    """What the result writer case wrote, read with boto3."""
    prefix = "results/%s/" % MAP_RUN_ID
    listed = s3.list_objects_v2(Bucket=RESULTS, Prefix=prefix)
    keys = sorted(o["Key"] for o in listed.get("Contents", []))
    expected_keys = sorted(prefix + k for k in ["FAILED_0.json", "PENDING_0.json", "SUCCEEDED_0.json", "manifest.json"])
    assert keys == expected_keys, keys
    manifest = json.loads(s3.get_object(Bucket=RESULTS, Key=prefix + "manifest.json")["Body"].read())
    assert manifest["DestinationBucket"] == RESULTS, manifest
    assert manifest["MapRunArn"].endswith(":" + MAP_RUN_ID), manifest
    counts = {"SUCCEEDED": 3, "FAILED": 1, "PENDING": 1}
    for status, files in manifest["ResultFiles"].items():
        assert len(files) == 1, (status, files)
        head = s3.head_object(Bucket=RESULTS, Key=files[0]["Key"])
        assert head["ContentLength"] == files[0]["Size"], (files[0], head["ContentLength"])
        records = json.loads(s3.get_object(Bucket=RESULTS, Key=files[0]["Key"])["Body"].read())
        assert len(records) == counts[status], (status, records)
        assert all(r["Status"] in (status, "TIMED_OUT") for r in records), records
    succeeded = json.loads(s3.get_object(Bucket=RESULTS, Key=prefix + "SUCCEEDED_0.json")["Body"].read())
    assert [json.loads(r["Output"]) for r in succeeded] == [{"n": 0}, {"n": 1}, {"n": 2}], succeeded
    print("ok: boto3 reads back the manifest and the %d result files it lists" % len(manifest["ResultFiles"]))


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    why = s3rver.unavailable()
    if why:
        skip(why)
    with s3rver.S3rver() as s3:
        for key, body in objects().items():
            s3.client.put_object(Bucket=ITEMS, Key=key, Body=body.encode())
        print("uploaded %d objects to %s on %s" % (len(objects()), ITEMS, s3.endpoint))
        env = dict(os.environ, STEPD_TEST_S3_ENDPOINT=s3.endpoint)
        rc = subprocess.call([sys.argv[1], "[.s3rver]"], env=env)
        if rc != 0:
            print("FAIL: stepd_tests [.s3rver] exited %d" % rc)
            return 1
        check_results(s3.client)
        return 0


if __name__ == "__main__":
    sys.exit(main())
