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
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
S3RVER = os.path.join(HERE, "server", "node_modules", "s3rver", "bin", "s3rver.js")
ITEMS = "items"
RESULTS = "result-bucket"
MAP_RUN_ID = "0b7a6a47-7e3c-3d65-9c1a-7c1a2e7c4a5e"  # s3rver_test.cpp's Map Run


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def start_s3rver(data_dir):
    for _ in range(5):
        port = free_port()
        # s3rver's continuation tokens are DES-encrypted: OpenSSL 3 keeps DES
        # in its legacy provider, which Node loads only when asked.
        proc = subprocess.Popen(
            ["node", "--openssl-legacy-provider", S3RVER, "-d", data_dir, "-a", "127.0.0.1", "-p", str(port), "--silent",
             "--configure-bucket", ITEMS, "--configure-bucket", RESULTS],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while time.time() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return proc, "http://127.0.0.1:%d" % port
            except OSError:
                time.sleep(0.1)
        proc.kill()
        proc.wait()
    raise RuntimeError("s3rver did not start: " + (proc.stderr.read().decode(errors="replace") if proc.stderr else ""))


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
    if not shutil.which("node") or not shutil.which("npm"):
        skip("node and npm are needed for s3rver (scripts/install-node-test-deps installs them)")
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        skip("Debian's python3 has no boto3 (apt-get install python3-boto3)")
    if subprocess.call(["bash", os.path.join(ROOT, "scripts", "install-s3-test-deps")]) != 0 or not os.path.exists(S3RVER):
        skip("s3rver could not be installed into tests/s3/server/node_modules (npm registry out of reach?)")

    data_dir = tempfile.mkdtemp(prefix="stepd_s3rver.")
    proc = None
    try:
        proc, endpoint = start_s3rver(data_dir)
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="S3RVER",
                          aws_secret_access_key="S3RVER", config=Config(s3={"addressing_style": "path"}))
        for key, body in objects().items():
            s3.put_object(Bucket=ITEMS, Key=key, Body=body.encode())
        print("uploaded %d objects to %s on %s" % (len(objects()), ITEMS, endpoint))
        env = dict(os.environ, STEPD_TEST_S3_ENDPOINT=endpoint)
        rc = subprocess.call([sys.argv[1], "[.s3rver]"], env=env)
        if rc != 0:
            print("FAIL: stepd_tests [.s3rver] exited %d" % rc)
            return 1
        check_results(s3)
        return 0
    finally:
        if proc:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
