#!/usr/bin/env python3
"""The `stepd jsonata` contract (issue #5), as a user meets it.

Usage: cli_test.py STEPD_BINARY   (exit 0 when every check passes)
"""
import json
import os
import subprocess
import sys
import tempfile

STEPD = sys.argv[1] if len(sys.argv) > 1 else "build/stepd"
failures = []
passed = 0


def run(*args):
    p = subprocess.run([STEPD, "jsonata", *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
    else:
        failures.append("%s %s" % (name, detail))


def as_json(out):
    try:
        return json.loads(out)
    except ValueError:
        return None


# A result, with --json.
rc, out, err = run("--input", '{"a": {"b": [1, 2, 3]}}', "--json", "$sum(a.b)")
check("result", rc == 0 and as_json(out) == {"result": 6}, out + err)

# Without --json: the value as JSON text.
rc, out, err = run("--input", '{"name": "stepd"}', "{'hello': name}")
check("plain result", rc == 0 and as_json(out) == {"hello": "stepd"}, out + err)

# Undefined, with and without input.
rc, out, err = run("--input", "{}", "--json", "missing")
check("undefined", rc == 0 and as_json(out) == {"undefined": True}, out + err)
rc, out, err = run("--no-input", "--json", "$")
check("no input is undefined", rc == 0 and as_json(out) == {"undefined": True}, out + err)
rc, out, err = run("--json", "$exists($)")
check("default is no input", rc == 0 and as_json(out) == {"result": False}, out + err)

# Input from a file.
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "in.json")
    with open(path, "w") as f:
        json.dump({"items": [{"p": 2}, {"p": 5}]}, f)
    rc, out, err = run("--input-file", path, "--json", "items[p > 3].p")
    check("input file", rc == 0 and as_json(out) == {"result": 5}, out + err)

# Bindings are variables, named without $.
rc, out, err = run("--bindings", '{"x": 4, "y": "z"}', "--json", "$x * 2 & $y")
check("bindings", rc == 0 and as_json(out) == {"result": "8z"}, out + err)

# An expression beginning with '-' after --.
rc, out, err = run("--json", "--", "-5 + 2")
check("leading minus", rc == 0 and as_json(out) == {"result": -3}, out + err)

# Errors: code, message, position; exit 1.
rc, out, err = run("--json", "1 + 'a'")
doc = as_json(out) or {}
e = doc.get("error", {})
check("type error", rc == 1 and e.get("code") == "T2002" and e.get("position") == 3 and "number" in e.get("message", ""),
      out + err)
rc, out, err = run("--json", "(1 + ")
check("syntax error", rc == 1 and (as_json(out) or {}).get("error", {}).get("code") == "S0203", out + err)
rc, out, err = run("1 + 'a'")
check("plain error on stderr", rc == 1 and out == "" and "T2002" in err, out + err)

# Guards: depth and time end with U1001.
rc, out, err = run("--json", "--max-depth", "50", "($f := function($n){$n = 0 ? 0 : 1 + $f($n - 1)}; $f(100))")
check("depth guard", rc == 1 and (as_json(out) or {}).get("error", {}).get("code") == "U1001", out + err)
rc, out, err = run("--json", "--time-limit-ms", "200", "($f := function($n){$f($n + 1)}; $f(0))")
check("time guard", rc == 1 and (as_json(out) or {}).get("error", {}).get("code") == "U1001", out + err)

# Bad usage is not a JSONata error: exit 1 with a message.
rc, out, err = run("--input", "{not json", "$")
check("bad input", rc == 1 and "JSON" in err, out + err)
rc, out, err = run("--input", "{}", "--no-input", "$")
check("exclusive inputs", rc == 1, out + err)

# $now() comes from the caller's clock.
rc, out, err = run("--json", "$substring($now(), 0, 2)")
check("now", rc == 0 and as_json(out) == {"result": "20"}, out + err)

print("jsonata cli: %d passed, %d failed" % (passed, len(failures)))
for f in failures:
    print("FAIL", f)
sys.exit(1 if failures else 0)
