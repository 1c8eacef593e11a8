#!/usr/bin/env python3
"""Conformance of stepd's mocked Task states against AWS recordings: the
`local_mocking` cases of ../shared/conformance/localstack.

Those tests ran against real AWS services when they were recorded; LocalStack
replays them with a Step Functions Local mock config that the test body builds
(the non-AWS branch) from the mocked responses in the corpus' mocks/ folder.
This script rebuilds, for every case, what that branch does:

  * the definition: the corpus template with the branch's edits (Resource ARNs,
    `definition.replace(...)`, literal `template[...] = ...` assignments);
  * the execution input (`exec_input = json.dumps(...)`);
  * the mock config (`mock_config = {...}`), with the mocked responses loaded at
    run time from mocks/ (MockedServiceIntegrationsLoader constants);

by reading the test function's source (ast), then runs

  STEPD run DEF.json --input JSON --mock-config CFG.json --test-case NAME --virtual-time --json

with DEF.json named after the state machine key of the mock config, and
compares the result with the AWS recording through run_corpus.py's own
comparison (compare_final, compare_history: status, output or error/cause,
event types, every *EventDetails object, event ids and links).

Names a test makes unique with short_uid() and hides from the snapshot with
`RegexTransformer(name, "replacement")` are given the replacement as value, so
the engine's output carries what the recording carries. The test's
`JsonpathTransformer(path, replacement, replace_reference=False)` calls are
applied to stepd's output before comparing, as LocalStack applied them to
AWS's (the recorded value at those paths is the literal replacement).
`skip_snapshot_verify` paths are NOT honoured: every recorded value is compared.
A StartSyncExecution case (create_and_record_mocked_sync_execution) records no
history, only the response: its status and output are compared (compare_final),
as run_corpus.py does for choice_operators cases.

Usage: local_mocking.py STEPD_BINARY [--expected-failures FILE] [--case SUBSTRING] [--verbose]
Exit 77 (CTest: skipped) when the corpus is not beside the checkout
(env STEPD_LOCALSTACK_CORPUS overrides its location). Python 3 standard library only.
"""
import argparse
import ast
import copy
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.environ.get("STEPD_LOCALSTACK_CORPUS",
                        os.path.join(os.path.dirname(ROOT), "shared", "conformance", "localstack"))
AREA = "local_mocking"
TIMEOUT_S = 30

rc = None  # run_corpus.py, imported in main()

# Values of the LocalStack test fixtures and helpers a non-AWS branch reads.
REGION, ACCOUNT = "us-east-1", "111111111111"
SHORT_UID = "1a2b3c4d"  # short_uid(): 8 hex digits
FIXTURES = {"region_name": REGION, "account_id": ACCOUNT}
# The module that holds MockedServiceIntegrationsLoader, inside the corpus (README: mocks/ is
# LocalStack's .../stepfunctions/local_mocked_service_integrations/).
MOCKS_MODULE = "tests.aws.services.stepfunctions.local_mocked_service_integrations.mocked_service_integrations"
MOCKS_FILE = "mocks/mocked_service_integrations.py"
# Statements of a test body that change nothing the engine sees.
INERT_CALLS = {"setattr", "match"}
# Snapshot transformers whose replacements are <...> placeholders (wildcards for
# run_corpus.diff) or that run_corpus applies itself (the Parallel transformer).
WILD_TRANSFORMERS = {"sfn_sqs_integration", "SfnNoneRecursiveParallelTransformer"}
# Recording helpers: what they record.
RECORDERS = {"create_and_record_mocked_execution": "history",
             "create_and_record_mocked_sync_execution": "sync"}


class Skip(Exception):
    pass


# ---------------------------------------------------------------------------
# Reading mock files: run_corpus's JSON5 reader, plus single-quoted strings
# (JSON5 allows them; mocks/mocked_responses/states/200_start_execution_sync.json5 uses one).

def single_to_double_quotes(text):
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i) or text.startswith("/*", i):
            j = text.find("\n" if text[i + 1] == "/" else "*/", i + 2)
            j = n if j < 0 else (j if text[i + 1] == "/" else j + 2)
            out.append(text[i:j])
            i = j
        elif c == "'":
            j, buf = i + 1, []
            while j < n and text[j] != "'":
                if text[j] == "\\" and j + 1 < n:
                    nxt = text[j + 1]
                    buf.append("'" if nxt == "'" else "\\" + nxt)
                    j += 2
                else:
                    buf.append('\\"' if text[j] == '"' else text[j])
                    j += 1
            out.append('"' + "".join(buf) + '"')
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def load_corpus_json5(rel):
    """A JSON5 file of the corpus (path relative to the corpus folder)."""
    with open(os.path.join(CORPUS, rel), encoding="utf-8") as f:
        return rc.json5_loads(single_to_double_quotes(f.read()))


def mock_constants():
    """MockedServiceIntegrationsLoader.CONST -> path relative to the corpus folder."""
    # run_corpus.read_constants resolves os.path.join(_THIS_FOLDER, "x") constants relative to
    # templates/; point it at mocks/ and rebase the results onto the corpus folder.
    consts = rc.read_constants("../" + MOCKS_FILE, "MockedServiceIntegrationsLoader")
    return {k: MockRef(os.path.normpath(os.path.join("templates", v))) if isinstance(v, rc.TemplateRef) else v
            for k, v in consts.items()}


class MockRef(str):
    """A mocked-response file (path relative to the corpus folder)."""


# ---------------------------------------------------------------------------
# Replaying the non-AWS branch of a test body.

class _Rewrite(ast.NodeTransformer):
    """LocalStack helpers with a fixed meaning, turned into literals run_corpus.evaluate reads."""

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Name) and f.id == "short_uid" and not node.args:
            return ast.Constant(SHORT_UID)
        if (isinstance(f, ast.Attribute) and f.attr == "lambda_function_arn"
                and isinstance(f.value, ast.Name) and f.value.id == "arns" and not node.args):
            kw = {k.arg: k.value for k in node.keywords}
            if set(kw) == {"function_name", "account_id", "region_name"}:
                parts = ["arn:aws:lambda:", kw["region_name"], ":", kw["account_id"], ":function:",
                         kw["function_name"]]
                return ast.JoinedStr([ast.Constant(p) if isinstance(p, str) else
                                      ast.FormattedValue(p, -1, None) for p in parts])
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if ast.unparse(node) == "localstack.testing.config.TEST_AWS_REGION_NAME":
            return ast.Constant(REGION)
        return node


def _call_name(node):
    f = node.func if isinstance(node, ast.Call) else None
    return f.id if isinstance(f, ast.Name) else (f.attr if isinstance(f, ast.Attribute) else None)


def _is_aws_cloud_test(node):
    return isinstance(node, ast.Call) and _call_name(node) == "is_aws_cloud" and not node.args


def run_statements(body, aws):
    """The statements a run executes, `if is_aws_cloud(): A else: B` -> A against AWS (the
    recording run), B on LocalStack (the mocked run)."""
    out = []
    for st in body:
        if isinstance(st, ast.If):
            if _is_aws_cloud_test(st.test):
                out.extend(run_statements(st.body if aws else st.orelse, aws))
            elif isinstance(st.test, ast.UnaryOp) and isinstance(st.test.op, ast.Not) and _is_aws_cloud_test(
                    st.test.operand):
                out.extend(run_statements(st.orelse if aws else st.body, aws))
            else:
                raise Skip("branch on %s" % ast.unparse(st.test)[:60])
        elif isinstance(st, (ast.For, ast.While, ast.With, ast.Try)):
            raise Skip("%s statement in the test body" % type(st).__name__)
        else:
            out.append(st)
    return out


def recorder_signature(name):
    """Positional parameter names of a recording helper in tests/_support."""
    _, tree = rc.module_ast("tests/_support/localstack_testing_stepfunctions_utils.py")
    for node in (tree.body if tree else []):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return [a.arg for a in node.args.args]
    raise Skip("recording helper %s not found" % name)


def replay_mocked_test(case):
    """The execution the test's non-AWS branch runs: {kind ("history" or "sync"), definition,
    input, machine, test_case, mock_config, jsonpaths}. Skip when a statement is not understood."""
    found = rc.find_function(case["id"])
    if found is None:
        raise Skip("test function not found")
    src, tree, func = found
    consts = rc.template_constants(tree)
    imports = {a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == MOCKS_MODULE
               for a in n.names}
    mconsts = mock_constants()
    for alias in imports:
        consts[alias] = mconsts
    try:
        env = dict(rc.parametrize_env(func, consts, rc.param_id(case["id"])))
    except rc.Unsupported as ex:
        raise Skip("parametrize: %s" % ex)
    env.update({k: v for k, v in FIXTURES.items() if k in {a.arg for a in func.args.args}})

    body = [_Rewrite().visit(copy.deepcopy(st)) for st in func.body]
    for st in body:
        ast.fix_missing_locations(st)

    def ev(node):
        return rc.evaluate(node, env, consts)

    # The snapshot transformers of the recording (AWS) run. Names hidden from the snapshot by
    # RegexTransformer(name, "replacement") take the replacement as value.
    hidden, jsonpaths = {}, []
    for node in ast.walk(ast.Module(body=run_statements(body, aws=True), type_ignores=[])):
        if not (isinstance(node, ast.Call) and _call_name(node) == "add_transformer" and node.args):
            continue
        t = node.args[0]
        tname = _call_name(t)
        if tname == "RegexTransformer" and len(t.args) == 2 and isinstance(t.args[0], ast.Name) \
                and isinstance(t.args[1], ast.Constant):
            hidden[t.args[0].id] = t.args[1].value
        elif tname == "JsonpathTransformer":
            kw = {k.arg: k.value for k in t.keywords}
            for name, arg in zip(("jsonpath", "replacement", "replace_reference"), t.args):
                kw[name] = arg
            try:
                path, repl = ev(kw["jsonpath"]), ev(kw["replacement"])
                by_ref = ev(kw["replace_reference"]) if "replace_reference" in kw else True
            except (KeyError, rc.Unsupported) as ex:
                raise Skip("JsonpathTransformer not literal (%s)" % ex)
            if not by_ref:  # by reference: "<replacement:N>", a wildcard for run_corpus.diff
                jsonpaths.append((path, repl))
        elif tname not in WILD_TRANSFORMERS:
            raise Skip("snapshot transformer %s not understood" % (tname or ast.unparse(t)[:40]))

    state = {"mock_config": None, "record": None}
    for st in run_statements(body, aws=False):
        if isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant):
            continue  # docstring
        call = st.value if isinstance(st, (ast.Expr, ast.Assign)) and isinstance(st.value, ast.Call) else None
        cname = _call_name(call) if call is not None else None
        if cname in RECORDERS:
            if state["record"] is not None:
                raise Skip("several executions")
            params = recorder_signature(cname)
            args = dict(zip(params, call.args))
            args.update({k.arg: k.value for k in call.keywords})
            try:
                definition = ev(args["definition"])
                exec_input = ev(args["execution_input"])
                machine, test_case = ev(args["state_machine_name"]), ev(args["test_name"])
            except (KeyError, rc.Unsupported) as ex:
                raise Skip("recording call not understood (%s)" % ex)
            if not all(isinstance(x, str) for x in (definition, exec_input, machine, test_case)):
                raise Skip("recording call arguments are not text")
            state["record"] = {"kind": RECORDERS[cname], "definition": definition, "input": exec_input,
                               "machine": machine, "test_case": test_case}
            continue
        if isinstance(st, ast.Expr) and cname == "add_transformer":
            continue  # read above
        if isinstance(st, ast.Expr) and cname in INERT_CALLS:
            continue
        if isinstance(st, ast.Expr) and cname == "update" and rc._root_name(st.value.func.value) == "template":
            obj = env["template"]
            for p in rc._subscript_path(st.value.func.value, env, consts):
                obj = obj[p]
            obj.update(ev(st.value.args[0]))
            continue
        if isinstance(st, ast.Assign) and len(st.targets) == 1:
            tgt, val = st.targets[0], st.value
            if isinstance(tgt, ast.Subscript) and rc._root_name(tgt) == "template":
                path = rc._subscript_path(tgt, env, consts)
                obj = env["template"]
                for p in path[:-1]:
                    obj = obj[p]
                obj[path[-1]] = ev(val)
                continue
            if not isinstance(tgt, ast.Name):
                raise Skip("assignment to %s" % ast.unparse(tgt)[:40])
            name = tgt.id
            if cname == "load_sfn_template" and len(call.args) == 1:
                ref = ev(call.args[0])
                if not isinstance(ref, rc.TemplateRef):
                    raise Skip("template %r is not a corpus template" % ref)
                env[name] = rc.load_template(ref)
                continue
            if cname == "load" and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name) \
                    and call.func.value.id in imports and len(call.args) == 1:
                ref = ev(call.args[0])
                if not isinstance(ref, MockRef):
                    raise Skip("mocked response %r is not a corpus mock file" % ref)
                env[name] = load_corpus_json5(ref)
                continue
            if cname == "mock_config_file" and len(call.args) == 1:
                state["mock_config"] = ev(call.args[0])
                continue
            if name in hidden:
                env[name] = hidden[name]
                continue
            if cname == "replace" and isinstance(call.func.value, ast.Name) and len(call.args) == 2:
                text, a, b = ev(call.func.value), ev(call.args[0]), ev(call.args[1])
                if not all(isinstance(x, str) for x in (text, a, b)):
                    raise Skip("replace on non-text")
                env[name] = text.replace(a, b)
                continue
            try:
                env[name] = ev(val)
            except rc.Unsupported:
                env.pop(name, None)  # e.g. an AWS client's answer: an error only if read later
            continue
        raise Skip("statement not understood: %s" % ast.unparse(st).split("\n")[0][:70])
    rec = state["record"]
    if rec is None:
        raise Skip("no mocked execution recorded in the non-AWS branch")
    cfg = state["mock_config"]
    if not isinstance(cfg, dict):
        raise Skip("no mock config built")
    if rec["machine"] not in (cfg.get("StateMachines") or {}):
        raise Skip("the mock config does not name the executed state machine")
    rec["mock_config"], rec["jsonpaths"] = cfg, jsonpaths
    return rec


# ---------------------------------------------------------------------------
# LocalStack's JsonpathTransformer (paths of the form $..a.b.c), for stepd's output.

def parse_json_texts(v):
    """LocalStack's normalisation 1: strings starting with '{' that are JSON become data."""
    if isinstance(v, str) and v.startswith("{"):
        ok, pv = rc.parse(v)
        return parse_json_texts(pv) if ok else v
    if isinstance(v, dict):
        return {k: parse_json_texts(x) for k, x in v.items()}
    if isinstance(v, list):
        return [parse_json_texts(x) for x in v]
    return v


def apply_jsonpath(doc, path, repl):
    m = re.fullmatch(r"\$\.\.(\w+)((?:\.\w+)*)", path)
    if not m:
        raise Skip("jsonpath %s not supported" % path)
    first, rest = m.group(1), m.group(2).split(".")[1:]

    def walk(v):
        if isinstance(v, dict):
            if first in v:
                obj, ok = v, True
                keys = [first] + rest
                for k in keys[:-1]:
                    obj = obj.get(k) if isinstance(obj, dict) else None
                    if not isinstance(obj, dict):
                        ok = False
                        break
                if ok and keys[-1] in obj:
                    obj[keys[-1]] = repl
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(doc)


def transform_engine_result(out, jsonpaths):
    if not jsonpaths:
        return out
    out = dict(out)
    hist = parse_json_texts(out.get("history"))  # LocalStack transforms parsed data
    wrapped = {"executionSucceededEventDetails": {"output": parse_json_texts(out["output"])}} if "output" in out else {}
    for path, repl in jsonpaths:
        apply_jsonpath(hist, path, repl)
        apply_jsonpath(wrapped, path, repl)
    out["history"] = hist
    if wrapped:
        out["output"] = wrapped["executionSucceededEventDetails"]["output"]
    return out


# ---------------------------------------------------------------------------
# Cases.

def build_run(case, snapshots):
    rec_content = snapshots(case["snapshot"]).get(case["id"], {}).get("recorded-content", {})
    run = replay_mocked_test(case)
    if run["kind"] == "history":
        if "get_execution_history" not in rec_content:
            raise Skip("no recorded get_execution_history")
        run["expect"] = rc.expected(rec_content, "get_execution_history")
        ri = rc.recorded_input(run["expect"][1])
        ok, iv = rc.parse(run["input"])
        if ri is not None and (not ok or rc.diff(ri, iv, "input")):
            raise Skip("rebuilt input differs from the recorded one: %s" % rc.diff(ri, iv, "input"))
    else:  # StartSyncExecution: only its response is recorded (status, output): compared like
        # run_corpus compares choice_operators cases, final result only.
        resp = rec_content.get("start_execution_sync_response")
        if not isinstance(resp, dict) or "status" not in resp:
            raise Skip("no recorded start_execution_sync_response")
        exp = {k: v for k, v in resp.items() if k in ("status", "output", "error", "cause")}
        ok, iv = rc.parse(run["input"])
        if "input" in resp and (not ok or rc.diff(resp["input"], iv, "input")):
            raise Skip("rebuilt input differs from the recorded one")
        run["expect"] = (exp, None)
    return run


def run_stepd(binary, run):
    tmp = tempfile.mkdtemp(prefix="stepd-local-mocking-")
    definition = os.path.join(tmp, run["machine"] + ".json")
    config = os.path.join(tmp, "mock_config.json")
    try:
        with open(definition, "w", encoding="utf-8") as f:
            f.write(run["definition"])
        with open(config, "w", encoding="utf-8") as f:
            json.dump(run["mock_config"], f)
        cmd = [binary, "run", definition, "--input", run["input"], "--mock-config", config,
               "--test-case", run["test_case"], "--virtual-time", "--json"]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return "timed out after %d s" % TIMEOUT_S
        except OSError as ex:
            return "cannot run engine: %s" % ex
    finally:
        for x in (definition, config):
            if os.path.exists(x):
                os.unlink(x)
        os.rmdir(tmp)
    if p.returncode != 0:
        return "exit %d: %s" % (p.returncode, (p.stderr.strip() or p.stdout.strip())[-200:])
    try:
        out = json.loads(p.stdout)
    except ValueError:
        return "stdout is not one JSON object: %r" % p.stdout[:120]
    if not isinstance(out, dict):
        return "stdout is not one JSON object: %r" % p.stdout[:120]
    out = transform_engine_result(out, run["jsonpaths"])
    exp, events = run["expect"]  # from here on exactly as run_corpus.run_one
    why = rc.compare_final(exp, out)
    if why or events is None:
        return why
    hist = out.get("history")
    if not isinstance(hist, list) or not all(isinstance(e, dict) for e in hist):
        return "no history list in output"
    return rc.compare_history(events, hist)


def main(argv=None):
    global rc
    ap = argparse.ArgumentParser(description="Run the local_mocking corpus cases through `stepd run --mock-config`.")
    ap.add_argument("binary", metavar="STEPD_BINARY")
    ap.add_argument("--expected-failures", metavar="FILE", help="known failing case ids, one per line")
    ap.add_argument("--case", help="only cases whose id contains this text")
    ap.add_argument("--verbose", action="store_true", help="also print passing cases")
    args = ap.parse_args(argv)

    runner = os.path.join(CORPUS, "run_corpus.py")
    if not os.path.isfile(runner):
        print("SKIP: conformance corpus not found at %s (it lives in ../shared beside the checkout)" % CORPUS)
        return 77
    sys.path.insert(0, CORPUS)
    import run_corpus
    rc = run_corpus
    if os.path.realpath(rc.HERE) != os.path.realpath(CORPUS):
        print("SKIP: imported %s, not the corpus' run_corpus.py" % rc.__file__)
        return 77

    all_cases = rc.load_cases()
    cases = [c for c in all_cases if c["area"] == AREA and (not args.case or args.case in c["id"])]
    snaps = {}

    def snapshots(rel):
        if rel not in snaps:
            with open(os.path.join(CORPUS, "snapshots", rel), encoding="utf-8") as f:
                snaps[rel] = json.load(f)
        return snaps[rel]

    passed, failed, skipped = [], {}, []
    for case in cases:
        try:
            run = build_run(case, snapshots)
        except Skip as s:
            skipped.append(case["id"])
            print("SKIP %s: %s" % (case["id"], s))
            continue
        except (rc.Unsupported, KeyError, IndexError, TypeError, ValueError, OSError) as ex:
            skipped.append(case["id"])
            print("SKIP %s: cannot rebuild (%s: %s)" % (case["id"], type(ex).__name__, ex))
            continue
        try:
            why = run_stepd(args.binary, run)
        except Exception as ex:  # a malformed engine answer is a failure, not a crash
            why = "%s: %s" % (type(ex).__name__, str(ex)[:200])
        if why:
            failed[case["id"]] = why
            print("FAIL %s: %s" % (case["id"], why))
        else:
            passed.append(case["id"])
            if args.verbose:
                print("PASS %s" % case["id"])

    code = 1 if failed else 0
    if args.expected_failures:
        ids = [c["id"] for c in all_cases]
        listed = rc.read_expected_failures(args.expected_failures, ids)
        lset = set(listed)
        for i in listed:
            if i in passed:
                print("now passing, remove from the list: %s" % i)
            elif i not in set(ids):
                print("warning: expected-failures entry is not a case id: %s" % i)
        unlisted = [i for i in failed if i not in lset]
        if failed:
            print("%d failing case(s) listed as expected, %d not listed" % (len(failed) - len(unlisted), len(unlisted)))
        code = 1 if unlisted else 0
    print("%s: %d passed, %d failed, %d skipped" % (AREA, len(passed), len(failed), len(skipped)))
    return code


if __name__ == "__main__":
    sys.exit(main())
