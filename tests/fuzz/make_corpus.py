#!/usr/bin/env python3
"""Builds the seed corpora of tests/fuzz/corpus/ from stepd's own tests and
benchmarks (tests/, bench/): the string literals of the C++ and Python
tests that are JSONata expressions, JSONPath paths, intrinsic calls or ASL
definitions, plus requests for the API target and page tokens. Never reads
../shared. The flatbuffers corpus comes from the fuzz tree's
flatbuffers_seeds program (events and records encoded by storage/), so
pass the build-fuzz directory to make it too:

    python3 tests/fuzz/make_corpus.py [build-fuzz]

Given the build directory, it also keeps only the seeds that add coverage
(libFuzzer's -merge=1 with each target). Files are named by the SHA-1 of their content (as libFuzzer names them);
the script replaces each target's directory, so run it again after the
tests change and check the result in.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
MAX_SEEDS = 400        # per target
MAX_SEED_BYTES = 4096  # the text targets refuse longer inputs (asl: 64 KiB)

RAW = re.compile(r'R"([^(\s]{0,16})\((.*?)\)\1"', re.S)
CSTR = re.compile(r'(?<![A-Za-z0-9_])"((?:[^"\\\n]|\\.)*)"')
PYSTR = re.compile(r"""(?<![A-Za-z0-9_])[rbf]?('''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")""", re.S)


def c_unescape(s):
    out, i = [], 0
    simple = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b",
              "f": "\f", "v": "\v", "?": "?"}
    while i < len(s):
        c = s[i]
        if c != "\\" or i + 1 == len(s):
            out.append(c)
            i += 1
            continue
        n = s[i + 1]
        if n == "x":
            m = re.match(r"[0-9a-fA-F]{1,2}", s[i + 2:])
            if m:
                out.append(chr(int(m.group(0), 16)))
                i += 2 + len(m.group(0))
                continue
        if n == "u" and re.match(r"[0-9a-fA-F]{4}", s[i + 2:i + 6]):
            out.append(chr(int(s[i + 2:i + 6], 16)))
            i += 6
            continue
        out.append(simple.get(n, n))
        i += 2
    return "".join(out)


def cpp_literals(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    found = [m.group(2) for m in RAW.finditer(text)]
    stripped = RAW.sub('""', text)
    stripped = re.sub(r"//[^\n]*", "", stripped)
    found += [c_unescape(m.group(1)) for m in CSTR.finditer(stripped)]
    # Adjacent literals ("a" "b") as one, as the compiler joins them.
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"\s*\n\s*"((?:[^"\\\n]|\\.)*)"', stripped):
        found.append(c_unescape(m.group(1)) + c_unescape(m.group(2)))
    return found


def py_literals(path):
    return py_literals_text(open(path, encoding="utf-8", errors="replace").read())


def py_literals_text(text):
    out = []
    for m in PYSTR.finditer(text):
        lit = m.group(1)
        q = 3 if lit[:3] in ("'''", '"""') else 1
        out.append(c_unescape(lit[q:-q]))
    return out


def sources(*dirs, exts=(".cpp", ".py", ".mjs")):
    for d in dirs:
        for base, _, files in os.walk(os.path.join(ROOT, d)):
            if "node_modules" in base or "/fuzz" in base:
                continue
            for f in sorted(files):
                if f.endswith(exts):
                    yield os.path.join(base, f)


def all_literals(*dirs):
    for p in sources(*dirs):
        yield from (cpp_literals(p) if p.endswith(".cpp") else py_literals(p))


def json_values(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def walk_strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, list):
        for x in v:
            yield from walk_strings(x)
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from walk_strings(x)


def write(target, seeds):
    d = os.path.join(OUT, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    uniq = []
    seen = set()
    for s in seeds:
        b = s if isinstance(s, bytes) else s.encode("utf-8", "surrogatepass")
        limit = 65536 if target == "asl" else MAX_SEED_BYTES
        if not b or len(b) > limit or b in seen:
            continue
        seen.add(b)
        uniq.append(b)
    uniq = uniq[:MAX_SEEDS]
    for b in uniq:
        with open(os.path.join(d, hashlib.sha1(b).hexdigest()), "wb") as f:
            f.write(b)
    print(f"{target}: {len(uniq)} seeds, {sum(map(len, uniq))} bytes")


def main():
    lits = list(all_literals("tests", "bench"))
    definitions = []
    for s in lits:
        v = json_values(s)
        if isinstance(v, dict) and "StartAt" in v and "States" in v:
            definitions.append(s)
    write("asl", definitions)

    # JSONata: the expressions the JSONata and engine tests evaluate, the
    # picture-string tests as calls, the CLI test's, and the {% %} bodies
    # of every definition.
    jsonata = []
    lit = r'(R"([^(\s]{0,16})\((.*?)\)\2"|"((?:[^"\\\n]|\\.)*)")'
    for p in sources("tests/jsonata", "tests/engine", "bench", exts=(".cpp",)):
        text = open(p, encoding="utf-8").read()
        for m in re.finditer(r"\b(?:eval_ok|eval_error|compile|run|evaluate_text|expr)\(\s*" + lit, text, re.S):
            jsonata.append(m.group(3) if m.group(3) is not None else c_unescape(m.group(4)))
    pictures = {"format_number": "$formatNumber", "format_integer": "$formatInteger", "format_base": "$formatBase",
                "from_millis": "$fromMillis", "to_millis": "$toMillis", "parse_integer": "$parseInteger"}
    text = open(os.path.join(ROOT, "tests/jsonata/picture_test.cpp"), encoding="utf-8").read()
    for m in re.finditer(r"pic::(\w+)\(([^;]*?)\)\s*(?:==|!=|->|\)|;)", text):
        fn, args = pictures.get(m.group(1)), m.group(2)
        if not fn or "std::" in args or "::" in args:
            continue
        args = re.sub(r'"((?:[^"\\]|\\.)*)"', lambda a: json.dumps(c_unescape(a.group(1))), args)
        args = re.sub(r"std::string_view\((.*?)\)", r"\1", args).replace(".0)", ")")
        jsonata.append(f"{fn}({args})")
    cli = open(os.path.join(ROOT, "tests/jsonata/cli_test.py"), encoding="utf-8").read()
    for m in re.finditer(r'run\((.*?)\)\n', cli):
        args = [a for a in py_literals_text(m.group(1))]
        if args:
            jsonata.append(args[-1])
    for s in lits:
        jsonata += re.findall(r"\{%(.*?)%\}", s, re.S)
    write("jsonata", [s.strip() for s in jsonata])

    write("jsonpath", [s for s in all_literals("tests/jsonpath", "tests/asl", "tests/engine")
                       if s.startswith("$") and len(s) < 300] +
          [s for d in definitions for s in walk_strings(json_values(d)) if s.startswith("$") and "{%" not in s])

    intrinsic = [s for s in all_literals("tests/intrinsics", "tests/engine", "tests/asl") if s.startswith("States.")]
    intrinsic += [s for d in definitions for s in walk_strings(json_values(d)) if s.startswith("States.") and "(" in s]
    write("intrinsics", intrinsic)

    tokens = [s for s in all_literals("tests/common", "tests/actors", "tests/api")
              if re.fullmatch(r"[0-9a-f]{64}", s)]
    # Tokens and their minting inputs: 16 bytes of draws, then an ARN.
    arns = sorted({s for s in lits if s.startswith("arn:aws:states:") and ":execution:" in s})[:20]
    tokens += [bytes(range(i, i + 16)) + a.encode() for i, a in enumerate(arns)]
    tokens += ["", "0" * 64, "g" * 64, "0" * 63]
    write("task_token", tokens)

    # Page tokens: byte 0 picks the kind (pagination_fuzz.cpp's kKinds), the
    # rest is both a token to read and a position to make one of.
    pages = []
    positions = sorted({s for s in lits if s.startswith("arn:aws:states:")})[:12]
    positions += ["1700000000000.17", "100", "3", "", "x" * 30, "y" * 31]
    for i, pos in enumerate(positions):
        pages.append(bytes([i % 9]) + pos.encode())
    pages += [bytes([0]) + b"====", bytes([1]) + b"A", bytes([2]) + b"!!!!",
              bytes([3]) + base64.b64encode(bytes(60)), bytes([4]) + base64.b64encode(bytes(range(92)))]
    write("pagination", pages)

    write("api", api_requests(definitions))

    if len(sys.argv) > 1:
        seeds_bin = os.path.join(sys.argv[1], "fuzz", "flatbuffers_seeds")
        d = os.path.join(OUT, "flatbuffers")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        subprocess.run([seeds_bin, d] + definitions[:40], check=True, stdout=subprocess.DEVNULL)
        files = os.listdir(d)
        print(f"flatbuffers: {len(files)} seeds, {sum(os.path.getsize(os.path.join(d, f)) for f in files)} bytes")
        # Keep only the seeds that add coverage (libFuzzer's -merge=1).
        for target in sorted(os.listdir(OUT)):
            minimize(sys.argv[1], target)


def minimize(build, target):
    fuzzer = os.path.join(build, "fuzz", target + "_fuzz")
    d = os.path.join(OUT, target)
    if not os.access(fuzzer, os.X_OK):
        return
    kept = d + ".merged"
    shutil.rmtree(kept, ignore_errors=True)
    os.makedirs(kept)
    subprocess.run([fuzzer, "-merge=1", "-timeout=10", "-rss_limit_mb=2048", kept, d], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(d)
    os.rename(kept, d)
    files = os.listdir(d)
    print(f"{target}: {len(files)} seeds kept by -merge=1, {sum(os.path.getsize(os.path.join(d, f)) for f in files)} bytes")


ACTIONS = [
    "CreateStateMachine", "DescribeStateMachine", "UpdateStateMachine", "DeleteStateMachine",
    "ListStateMachines", "PublishStateMachineVersion", "ListStateMachineVersions",
    "DeleteStateMachineVersion", "CreateStateMachineAlias", "DescribeStateMachineAlias",
    "UpdateStateMachineAlias", "DeleteStateMachineAlias", "ListStateMachineAliases",
    "ValidateStateMachineDefinition", "TestState", "StartExecution", "StartSyncExecution", "StopExecution",
    "DescribeExecution", "DescribeStateMachineForExecution", "ListExecutions", "GetExecutionHistory",
    "RedriveExecution", "DescribeMapRun", "ListMapRuns", "UpdateMapRun", "CreateActivity",
    "DescribeActivity", "DeleteActivity", "ListActivities", "GetActivityTask", "SendTaskSuccess",
    "SendTaskFailure", "SendTaskHeartbeat", "TagResource", "UntagResource", "ListTagsForResource"]


def api_requests(definitions):
    """Requests against api_fuzz.cpp's fixture: machines fz (version 1,
    alias live), fx (EXPRESS), ff; executions run and failed; activity act."""
    sm = "arn:aws:states:us-east-1:123456789012:stateMachine:"
    ex = "arn:aws:states:us-east-1:123456789012:execution:"
    act = "arn:aws:states:us-east-1:123456789012:activity:act"
    role = "arn:aws:iam::123456789012:role/r"
    small = [d for d in definitions if len(d) < 1500][:12] or ['{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}']
    reqs = []

    def req(action, body):
        reqs.append(bytes([ACTIONS.index(action)]) + json.dumps(body, separators=(",", ":")).encode())

    for i, d in enumerate(small):
        req("CreateStateMachine", {"name": f"m{i}", "definition": d, "roleArn": role})
        req("ValidateStateMachineDefinition", {"definition": d, "type": "STANDARD" if i % 2 else "EXPRESS"})
        req("UpdateStateMachine", {"stateMachineArn": sm + "fz", "definition": d, "publish": True,
                                   "versionDescription": "v"})
        states = json.loads(d)["States"]
        if isinstance(states, dict) and states:
            req("TestState", {"definition": json.dumps(next(iter(states.values()))), "roleArn": role,
                              "input": '{"a":1}', "inspectionLevel": "DEBUG"})
    req("DescribeStateMachine", {"stateMachineArn": sm + "fz"})
    req("DescribeStateMachine", {"stateMachineArn": sm + "fz:1"})
    req("DeleteStateMachine", {"stateMachineArn": sm + "ff"})
    req("ListStateMachines", {"maxResults": 1})
    req("ListStateMachines", {"maxResults": 2, "nextToken": base64.b64encode(b"sm:" + (sm + "a").encode()).decode()})
    req("PublishStateMachineVersion", {"stateMachineArn": sm + "fz", "description": "d"})
    req("ListStateMachineVersions", {"stateMachineArn": sm + "fz", "maxResults": 1})
    req("DeleteStateMachineVersion", {"stateMachineVersionArn": sm + "fz:1"})
    req("CreateStateMachineAlias", {"name": "a2", "description": "x", "routingConfiguration": [
        {"stateMachineVersionArn": sm + "fz:1", "weight": 50}, {"stateMachineVersionArn": sm + "fz:2", "weight": 50}]})
    req("DescribeStateMachineAlias", {"stateMachineAliasArn": sm + "fz:live"})
    req("UpdateStateMachineAlias", {"stateMachineAliasArn": sm + "fz:live", "description": "y"})
    req("DeleteStateMachineAlias", {"stateMachineAliasArn": sm + "fz:live"})
    req("ListStateMachineAliases", {"stateMachineArn": sm + "fz"})
    req("StartExecution", {"stateMachineArn": sm + "fz:live", "name": "e2", "input": '{"x":[1,2]}'})
    req("StartExecution", {"stateMachineArn": sm + "fz", "traceHeader": "Root=1-abc"})
    req("StartSyncExecution", {"stateMachineArn": sm + "fx", "input": '{"k":"v"}', "includedData": "METADATA_ONLY"})
    req("StopExecution", {"executionArn": ex + "fz:run", "error": "E", "cause": "C"})
    req("DescribeExecution", {"executionArn": ex + "fz:run", "includedData": "ALL_DATA"})
    req("DescribeStateMachineForExecution", {"executionArn": ex + "fz:run"})
    req("ListExecutions", {"stateMachineArn": sm + "fz", "statusFilter": "RUNNING", "maxResults": 1})
    req("ListExecutions", {"stateMachineArn": sm + "fz:1"})
    req("GetExecutionHistory", {"executionArn": ex + "ff:failed", "reverseOrder": True, "maxResults": 2,
                                "includeExecutionData": False})
    req("RedriveExecution", {"executionArn": ex + "ff:failed", "clientToken": "t"})
    req("DescribeMapRun", {"mapRunArn": "arn:aws:states:us-east-1:123456789012:mapRun:fz/m:1"})
    req("ListMapRuns", {"executionArn": ex + "fz:run"})
    req("UpdateMapRun", {"mapRunArn": "arn:aws:states:us-east-1:123456789012:mapRun:fz/m:1", "maxConcurrency": 2,
                         "toleratedFailurePercentage": 5.5})
    req("CreateActivity", {"name": "a1", "tags": [{"key": "k", "value": "v"}]})
    req("DescribeActivity", {"activityArn": act})
    req("DeleteActivity", {"activityArn": act})
    req("ListActivities", {"maxResults": 1})
    req("GetActivityTask", {"activityArn": act, "workerName": "w"})
    req("SendTaskSuccess", {"taskToken": "0" * 64, "output": "{}"})
    req("SendTaskFailure", {"taskToken": "0" * 64, "error": "E", "cause": "C"})
    req("SendTaskHeartbeat", {"taskToken": "0" * 64})
    req("TagResource", {"resourceArn": sm + "fz", "tags": [{"key": "k", "value": "v"}]})
    req("UntagResource", {"resourceArn": sm + "fz", "tagKeys": ["k"]})
    req("ListTagsForResource", {"resourceArn": act})
    # Two requests in one input: a NUL between them.
    two = []
    for a, b in [(reqs[0], reqs[-3]), (reqs[1], reqs[2])]:
        two.append(a + b"\0" + b)
    return reqs + two


if __name__ == "__main__":
    main()
