#!/usr/bin/python3
"""The LocalStack-recorded AWS histories of Distributed Map with an
ItemReader or a ResultWriter (scenarios/test_base_scenarios.py: every
test_map_item_reader_* and test_map_state_result_writer* snapshot key), run
against `stepd serve --s3-endpoint` + s3rver (tests/s3/server) and compared
event by event with the recording by the reference runner's own comparison
(../shared/conformance/localstack/run_corpus.py: compare_final,
compare_history), as callbacks_conformance_test.py does.

Nothing of the corpus is checked in here. Each case is rebuilt at run time
from the recorded test function's source (ast): a small interpreter walks
its body with stand-ins for the LocalStack fixtures and evaluates only
literal-ish Python (constants, names, f-strings, lists, dicts, subscripts,
`json.dumps`, `for ... in range(...)`, a whitelist of str/list/dict
methods). So the objects it uploads (`put_object` with the inline CSV/JSON
bodies), the template edits (`template[...] = value`), the parametrize
values, the execution input, the snapshot transformers
(`RegexTransformer(bucket_name, "bucket-name")`, applied to stepd's history
as LocalStack applied them to AWS's), the test's own output normalisation
and its asserts (the manifest checks) all come from the test itself. A
statement or call the interpreter does not know makes the case
"not rebuildable": it must be listed, with a reason, in
item_reader_expected_failures.txt. `pytest.skip(...)` is ignored: it skips
LocalStack's interpreter, the AWS recording exists.

`skip_snapshot_verify` paths are not honoured: every recorded value is
compared. Recordings made before Nov 2024 link MapStateExited to
MapRunSucceeded, where AWS now links it to MapRunStarted (stepd's form,
HISTORY_RULES.md section 1): such a case is compared a second time with that
one link modernised, and when it then passes, its listed reason must start
with "recorded before Nov 2024"; when it fails for another reason too, that
reason must not start so. Either way the listed reason stays honest.

Ratchet: a listed case that passes, or an unlisted one that fails (or cannot
be rebuilt), fails this test.

Usage: /usr/bin/python3 item_reader_conformance_test.py STEPD_BINARY [--case SUBSTRING] [--verbose]
(STEPD_IRC_DUMP=1 also prints stepd's history, as compared, of each failing case.)
Exit 77 (skipped) when the corpus, boto3, node/npm or s3rver is unavailable."""
import ast
import copy
import datetime
import json
import os
import re
import shutil
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.environ.get("STEPD_LOCALSTACK_CORPUS",
                        os.path.join(os.path.dirname(ROOT), "shared", "conformance", "localstack"))
if not os.path.isfile(os.path.join(CORPUS, "run_corpus.py")):
    print("SKIP: the LocalStack corpus is not at %s" % CORPUS)
    sys.exit(77)
sys.path.insert(0, CORPUS)
sys.path.insert(0, os.path.join(HERE, "..", "workers"))
sys.path.insert(0, os.path.join(HERE, "..", "s3"))
try:
    from botocore.exceptions import BotoCoreError, ClientError
    import harness  # noqa: E402
except ImportError:
    print("SKIP: boto3 is not installed for /usr/bin/python3")
    sys.exit(77)
import run_corpus  # noqa: E402  (the reference runner: its comparison, its test-source helpers)
import s3rver  # noqa: E402  (tests/s3/s3rver.py: buckets items, result-bucket)

MODULE = "tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py::TestBaseScenarios::"
SNAPSHOT = os.path.join(CORPUS, "snapshots", "scenarios", "test_base_scenarios.snapshot.json")
SELECTED = re.compile(r"test_map_item_reader_|test_map_state_result_writer")
EXPECTED = os.path.join(HERE, "item_reader_expected_failures.txt")
OLD_LINK = "recorded before Nov 2024"
WAIT_S = 60


class Unsupported(Exception):
    """The test body holds something this interpreter does not rebuild."""


class BodyError(Exception):
    """The test body failed at run time (an assert, a missing key...)."""


# ---------------------------------------------------------------------------
# Stand-ins for the LocalStack fixtures and helpers a test body calls.

class Transformer:
    def __init__(self, regex=None, replacement=None):
        self.regex, self.replacement = regex, replacement


class Obj:
    """A named stand-in whose attributes are looked up in `attrs`."""

    def __init__(self, name, attrs):
        self.name, self.attrs = name, attrs

    def attr(self, a):
        if a not in self.attrs:
            raise Unsupported("%s.%s" % (self.name, a))
        return self.attrs[a]


class S3Body:
    """An S3 object body: read() only."""

    def __init__(self, data):
        self.data = data


def plain(v):
    """boto3 values as the recorder saw them: JSON types, timestamps as text."""
    if isinstance(v, datetime.datetime):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items() if k != "ResponseMetadata"}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


class World:
    """What one case's body sees: s3rver, stepd, the snapshot session."""

    def __init__(self, s3, sfn, n):
        self.s3, self.sfn, self.n = s3, sfn, n
        self.machines = 0
        self.transformers = []
        self.observed = {}
        self.last_history = None  # the latest history fetched, matched or not
        self.notes = []

    # -- S3 ------------------------------------------------------------------
    def create_bucket(self, **kw):
        name = kw.get("Bucket") or "stepd-irc-%d-%s" % (self.n, uuid.uuid4().hex[:10])
        try:
            self.s3.create_bucket(Bucket=name)
        except ClientError as ex:  # the fixed buckets s3rver was started with
            if ex.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
        return name

    def put_object(self, Bucket, Key, Body):  # noqa: N803 (boto3's names)
        self.s3.put_object(Bucket=Bucket, Key=Key, Body=Body.encode() if isinstance(Body, str) else Body)
        return {}

    def get_object(self, Bucket, Key):  # noqa: N803
        r = self.s3.get_object(Bucket=Bucket, Key=Key)
        return {"Body": S3Body(r["Body"].read()), "ContentLength": r.get("ContentLength")}

    # -- Step Functions ------------------------------------------------------
    def create_machine(self, _aws, _role, _create, _snapshot, definition, **kw):
        self.machines += 1
        return self.sfn.create_state_machine(
            name="irc-%d-%d" % (self.n, self.machines), definition=definition, roleArn=harness.ROLE,
            type=kw.get("state_machine_type", "STANDARD"))["stateMachineArn"]

    def start_execution(self, stateMachineArn, input="{}", **kw):  # noqa: A002,N803
        return plain(self.sfn.start_execution(stateMachineArn=stateMachineArn, input=input, **kw))

    def await_terminated(self, stepfunctions_client=None, execution_arn=None):
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if self.sfn.describe_execution(executionArn=execution_arn)["status"] != "RUNNING":
                break
            time.sleep(0.05)
        return self.get_history(executionArn=execution_arn)["events"]

    def get_history(self, executionArn, **_):  # noqa: N803
        h = {"events": plain(harness.history(self.sfn, executionArn))}
        self.last_history = copy.deepcopy(h)
        return h

    def describe_execution(self, executionArn):  # noqa: N803
        return plain(self.sfn.describe_execution(executionArn=executionArn))

    def create_and_record(self, aws, role, create, snapshot, definition, execution_input,
                          verify_execution_description=False):
        arn = self.create_machine(aws, role, create, snapshot, definition)
        ex = self.start_execution(stateMachineArn=arn, input=execution_input)["executionArn"]
        self.await_terminated(execution_arn=ex)
        self.match("get_execution_history", self.get_history(executionArn=ex))
        if verify_execution_description:
            self.match("describe_execution", self.describe_execution(ex))
        return ex

    # -- snapshot session ----------------------------------------------------
    def add_transformer(self, t, **_):
        for x in (t if isinstance(t, list) else [t]):
            if isinstance(x, Transformer) and x.regex is not None:
                self.transformers.append(x)
            elif not isinstance(x, Transformer):
                raise Unsupported("add_transformer(%r)" % type(x).__name__)

    def match(self, key, value):
        self.observed[key] = copy.deepcopy(value)

    def transformed(self, value):
        """LocalStack's RegexTransformer: a substitution over the serialised document."""
        s = json.dumps(value)
        for t in self.transformers:
            rep = json.dumps(t.replacement)[1:-1]
            s = re.sub(t.regex, lambda _m: rep, s, flags=re.MULTILINE)
        return json.loads(s)

    def skip(self, *a, **_):
        self.notes.append("pytest.skip ignored (%s)" % (a[0] if a else ""))

    def fixtures(self):
        snapshot_transform = Obj("sfn_snapshot.transform", {
            "sfn_sm_exec_arn": lambda *a, **k: Transformer(),
            "sfn_map_run_arn": lambda *a, **k: Transformer(),
            "sfn_sm_create_arn": lambda *a, **k: Transformer(),
        })
        return {
            "self": Obj("self", {}),
            "aws_client": Obj("aws_client", {
                "s3": Obj("aws_client.s3", {"put_object": self.put_object, "get_object": self.get_object,
                                            "create_bucket": lambda **kw: {"Location": self.create_bucket(**kw)}}),
                "stepfunctions": Obj("aws_client.stepfunctions", {
                    "start_execution": self.start_execution, "get_execution_history": self.get_history,
                    "describe_execution": self.describe_execution}),
            }),
            "s3_create_bucket": self.create_bucket,
            "create_state_machine_iam_role": Obj("create_state_machine_iam_role", {}),
            "create_state_machine": Obj("create_state_machine", {}),
            "sfn_snapshot": Obj("sfn_snapshot", {
                "add_transformer": self.add_transformer, "match": self.match,
                "transform": snapshot_transform, "observed_state": self.observed}),
            "RegexTransformer": lambda regex, replacement: Transformer(regex, replacement),
            "create_and_record_execution": self.create_and_record,
            "create_state_machine_with_iam_role": self.create_machine,
            "await_execution_terminated": self.await_terminated,
            "extract_json": extract_json,
            "pytest": Obj("pytest", {"skip": self.skip}),
            "json": Obj("json", {"dumps": json.dumps, "loads": json.loads}),
            "OrderedDict": dict,
            "short_uid": lambda: uuid.uuid4().hex[:8],
            "range": range, "len": len, "str": str, "int": int, "sorted": sorted, "list": list, "dict": dict,
        }


def extract_json(path, data):
    """The JSONPath subset the bodies use: `$`, `.name`, `..name` (recursive)."""
    steps = re.findall(r"(\.\.|\.)([A-Za-z_][\w-]*)", path[1:])
    if not path.startswith("$") or "".join(a + b for a, b in steps) != path[1:]:
        raise Unsupported("extract_json(%r)" % path)
    cur = [data]
    for sep, name in steps:
        nxt = []
        for v in cur:
            if sep == ".":
                if isinstance(v, dict) and name in v:
                    nxt.append(v[name])
                continue
            stack = [v]
            while stack:
                x = stack.pop(0)
                if isinstance(x, dict):
                    if name in x:
                        nxt.append(x[name])
                    stack.extend(x.values())
                elif isinstance(x, list):
                    stack.extend(x)
        cur = nxt
    if not cur:
        raise BodyError("extract_json: no match for %s" % path)
    return cur[0] if len(cur) == 1 else cur


# ---------------------------------------------------------------------------
# The interpreter of a test body.

METHODS = {
    str: {"split", "replace", "strip", "lower", "upper", "startswith", "endswith", "join", "encode", "format"},
    bytes: {"decode"},
    list: {"append", "extend", "sort", "index", "count"},
    dict: {"get", "keys", "values", "items", "update", "setdefault"},
}
BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
          ast.Mod: lambda a, b: a % b}
CMPOPS = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b,
          ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
          ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
          ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b}


class Interpreter:
    def __init__(self, src, consts, env):
        self.src, self.consts, self.env = src, consts, env

    def text(self, node):
        return (ast.get_source_segment(self.src, node) or type(node).__name__).split("\n")[0][:90]

    # -- expressions ---------------------------------------------------------
    def ev(self, node, env=None):
        env = self.env if env is None else env
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in env:
                return env[node.id]
            if node.id in ("None", "True", "False"):
                return {"None": None, "True": True, "False": False}[node.id]
            raise Unsupported("name %s" % node.id)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id in self.consts and node.value.id not in env:
                if node.attr == "load_sfn_template":
                    return lambda ref: run_corpus.load_template(ref)
                if node.attr in self.consts[node.value.id]:
                    return self.consts[node.value.id][node.attr]
                raise Unsupported("%s.%s" % (node.value.id, node.attr))
            base = self.ev(node.value, env)
            if isinstance(base, Obj):
                return base.attr(node.attr)
            if isinstance(base, S3Body) and node.attr == "read":
                return lambda: base.data
            if type(base) in METHODS and node.attr in METHODS[type(base)]:
                return getattr(base, node.attr)
            raise Unsupported("%s.%s" % (type(base).__name__, node.attr))
        if isinstance(node, ast.Subscript):
            base, key = self.ev(node.value, env), self.ev(node.slice, env)
            try:
                return base[key]
            except (KeyError, IndexError, TypeError) as ex:
                raise BodyError("%s: %s %s" % (self.text(node), type(ex).__name__, ex))
        if isinstance(node, ast.UnaryOp):
            v = self.ev(node.operand, env)
            if isinstance(node.op, ast.USub):
                return -v
            if isinstance(node.op, ast.UAdd):
                return +v
            if isinstance(node.op, ast.Not):
                return not v
            raise Unsupported(self.text(node))
        if isinstance(node, ast.BinOp) and type(node.op) in BINOPS:
            return BINOPS[type(node.op)](self.ev(node.left, env), self.ev(node.right, env))
        if isinstance(node, ast.BoolOp):
            vals = node.values
            if isinstance(node.op, ast.And):
                v = True
                for x in vals:
                    v = self.ev(x, env)
                    if not v:
                        return v
                return v
            v = False
            for x in vals:
                v = self.ev(x, env)
                if v:
                    return v
            return v
        if isinstance(node, ast.Compare):
            left = self.ev(node.left, env)
            for op, right in zip(node.ops, node.comparators):
                r = self.ev(right, env)
                if not CMPOPS[type(op)](left, r):
                    return False
                left = r
            return True
        if isinstance(node, (ast.List, ast.Tuple)):
            vals = [self.ev(e, env) for e in node.elts]
            return vals if isinstance(node, ast.List) else tuple(vals)
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                raise Unsupported("dict unpacking")
            return {self.ev(k, env): self.ev(v, env) for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.JoinedStr):
            out = []
            for p in node.values:
                if isinstance(p, ast.Constant):
                    out.append(p.value)
                elif isinstance(p, ast.FormattedValue) and p.format_spec is None:
                    v = self.ev(p.value, env)
                    out.append(repr(v) if p.conversion == ord("r") else str(v))
                else:
                    raise Unsupported("f-string format")
            return "".join(out)
        if isinstance(node, ast.Lambda):
            names = [a.arg for a in node.args.args]
            if node.args.vararg or node.args.kwarg or node.args.defaults or len(names) != 1:
                raise Unsupported(self.text(node))
            return lambda x: self.ev(node.body, dict(env, **{names[0]: x}))
        if isinstance(node, ast.Call):
            f = self.ev(node.func, env)
            if not callable(f) or isinstance(f, Obj):
                raise Unsupported("call of %s" % self.text(node.func))
            if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
                raise Unsupported("*args in %s" % self.text(node))
            args = [self.ev(a, env) for a in node.args]
            kw = {k.arg: self.ev(k.value, env) for k in node.keywords}
            try:
                return f(*args, **kw)
            except (Unsupported, BodyError):
                raise
            except (KeyError, IndexError, TypeError, ValueError, AttributeError) as ex:
                raise BodyError("%s: %s %s" % (self.text(node), type(ex).__name__, ex))
        raise Unsupported("expression %s" % self.text(node))

    # -- statements ----------------------------------------------------------
    def assign(self, tgt, value):
        if isinstance(tgt, ast.Name):
            self.env[tgt.id] = value
        elif isinstance(tgt, ast.Subscript):
            base, key = self.ev(tgt.value), self.ev(tgt.slice)
            if not isinstance(base, (dict, list)):
                raise Unsupported("assignment into %s" % type(base).__name__)
            try:
                base[key] = value
            except (KeyError, IndexError, TypeError) as ex:
                raise BodyError("%s: %s" % (self.text(tgt), ex))
        elif isinstance(tgt, ast.Tuple) and all(isinstance(e, ast.Name) for e in tgt.elts):
            vals = list(value)
            if len(vals) != len(tgt.elts):
                raise BodyError("unpacking %d values into %d names" % (len(vals), len(tgt.elts)))
            for e, v in zip(tgt.elts, vals):
                self.env[e.id] = v
        else:
            raise Unsupported("assignment to %s" % self.text(tgt))

    def run(self, body):
        for st in body:
            if isinstance(st, ast.Expr):
                if not isinstance(st.value, ast.Constant):  # docstrings
                    self.ev(st.value)
            elif isinstance(st, ast.Assign):
                v = self.ev(st.value)
                for t in st.targets:
                    self.assign(t, v)
            elif isinstance(st, ast.AugAssign) and type(st.op) in BINOPS and isinstance(st.target, ast.Name):
                self.env[st.target.id] = BINOPS[type(st.op)](self.ev(st.target), self.ev(st.value))
            elif isinstance(st, ast.For) and not st.orelse:
                for v in self.ev(st.iter):
                    self.assign(st.target, v)
                    self.run(st.body)
            elif isinstance(st, ast.If):
                self.run(st.body if self.ev(st.test) else st.orelse)
            elif isinstance(st, ast.Assert):
                if not self.ev(st.test):
                    got = ""
                    if isinstance(st.test, ast.Compare):
                        got = " (left side: %s)" % json.dumps(self.ev(st.test.left), default=str)[:300]
                    raise BodyError("the test's assert failed: %s%s" % (self.text(st.test), got))
            elif isinstance(st, ast.Pass):
                pass
            else:
                raise Unsupported("statement %s" % self.text(st))


def run_test_body(case, world):
    """Runs the recorded test function of `case` against `world`."""
    found = run_corpus.find_function(MODULE + case)
    if found is None:
        raise Unsupported("the test function is not in the corpus")
    src, tree, func = found
    consts = run_corpus.template_constants(tree)
    try:
        params = run_corpus.parametrize_env(func, consts, run_corpus.param_id(MODULE + case))
    except run_corpus.Unsupported as ex:
        raise Unsupported("parametrize: %s" % ex)
    names = [a.arg for a in func.args.args]
    env = world.fixtures()
    missing = [n for n in names if n not in env and n not in params]
    if missing:
        raise Unsupported("fixture %s" % ", ".join(missing))
    env = {k: v for k, v in env.items() if k not in params}
    env.update(params)
    Interpreter(src, consts, env).run(func.body)


# ---------------------------------------------------------------------------
# Comparison.

def final_of(events):
    """{status, output | error, cause} as the history's last event states it."""
    last = events[-1] if events else {}
    t = last.get("type", "")
    out = {"status": run_corpus.FINAL.get(t, "RUNNING")}
    d = last.get(t[:1].lower() + t[1:] + "EventDetails", {}) if t else {}
    for k in ("output", "error", "cause"):
        if d.get(k) is not None:
            out[k] = d[k]
    return out


def modernised(events):
    """The recording with MapStateExited -> MapRunSucceeded relinked to MapRunStarted,
    as AWS records it since Nov 2024; None when the recording has the newer form."""
    by_id = {e.get("id"): e for e in events}
    out, changed = copy.deepcopy(events), False
    for e in out:
        p = by_id.get(e.get("previousEventId"))
        if e.get("type") == "MapStateExited" and p is not None and p.get("type") == "MapRunSucceeded":
            e["previousEventId"] = p["previousEventId"]
            changed = True
    return out if changed else None


def compare(recorded, world):
    """(reason or None, whether the recording has the pre-Nov-2024 MapStateExited link,
    reason or None against the recording with that link modernised)."""
    exp, rec_events = run_corpus.expected(recorded, "get_execution_history")
    matched = world.observed.get("get_execution_history") or world.last_history
    if matched is None:
        return "the test body ran no execution", False, None
    events = world.transformed(matched)["events"]
    final = final_of(events)
    why = run_corpus.compare_final(exp, final) or run_corpus.compare_history(rec_events, events)
    newer = modernised(rec_events)
    if newer is None:
        return why, False, why
    return why, True, run_corpus.compare_final(exp, final) or run_corpus.compare_history(newer, events)


# ---------------------------------------------------------------------------

def read_expected():
    known = {}
    with open(EXPECTED) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, why = line.partition(" ")
                known[name] = why.strip()
    return known


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    stepd, only, verbose = args[0], None, "--verbose" in args
    if "--case" in args:
        only = args[args.index("--case") + 1]
    why = s3rver.unavailable()
    if why:
        print("SKIP: " + why)
        return 77
    with open(SNAPSHOT) as f:
        snapshot = json.load(f)
    known = read_expected()
    cases = sorted(k[len(MODULE):] for k in snapshot
                   if k.startswith(MODULE) and SELECTED.match(k[len(MODULE):]))
    if only:
        cases = [c for c in cases if only in c]
    checks = harness.Checks()
    check = checks.check
    for name in known:
        check("%s (listed) is a recorded case" % name, name in cases or only is not None)

    data = tempfile.mkdtemp(prefix="stepd-irc-")
    s3srv = s3rver.S3rver().open()
    endpoint = s3srv.endpoint
    srv = None
    passed, failed, skipped = [], [], []
    try:
        s3 = s3srv.client
        srv = harness.Server(stepd, data, ["--s3-endpoint", endpoint])
        for n, case in enumerate(cases):
            world = World(s3, srv.sfn, n)
            listed = known.get(case)
            try:
                run_test_body(case, world)
                body_error = None
            except Unsupported as ex:
                skipped.append(case)
                print("NOT REBUILT %s: %s" % (case, ex))
                check("%s cannot be rebuilt (%s): listed with a reason" % (case, ex), bool(listed))
                continue
            except BodyError as ex:
                body_error = str(ex)
            except (BotoCoreError, ClientError) as ex:  # stepd or s3rver refused a call of the body
                body_error = "%s: %s" % (type(ex).__name__, ex)
            why, old_link, why_newer = compare(snapshot[MODULE + case]["recorded-content"], world)
            for note in world.notes:
                print("note %s: %s" % (case, note))
            if why is None and body_error is None:
                passed.append(case)
                if verbose:
                    print("PASS %s" % case)
                check("%s is listed as failing but passes: remove it from the list" % case, not listed)
                continue
            failed.append(case)
            old_link_only = old_link and why_newer is None and body_error is None
            if why is None:
                detail = body_error
            elif old_link and why_newer is None:
                detail = "%s (the only difference in the history: it matches with that link modernised)" % why
            elif old_link and why_newer != why:
                detail = "%s; with the link modernised: %s" % (why, why_newer)
            else:
                detail = why
            if why is not None and body_error is not None:
                detail += "; and %s" % body_error
            print("FAIL %s: %s" % (case, detail))
            if os.environ.get("STEPD_IRC_DUMP"):
                for e in world.transformed(world.observed.get("get_execution_history") or
                                           world.last_history or {"events": []})["events"]:
                    print("    " + json.dumps(e, sort_keys=True))
            if not listed:
                check("%s matches AWS's recording" % case, False, detail)
            elif old_link_only:
                check("%s fails only by the pre-Nov-2024 MapStateExited link: its reason says so" % case,
                      listed.startswith(OLD_LINK), listed)
            else:
                check("%s fails for other than the pre-Nov-2024 link: its reason must say what differs" % case,
                      not listed.startswith(OLD_LINK), detail)
    finally:
        if srv:
            srv.terminate(30)
        s3srv.close()
        shutil.rmtree(data, ignore_errors=True)
    print("item_reader conformance: %d passed, %d failed (listed), %d skipped" % (
        len(passed), len([c for c in failed if c in known]), len(skipped)))
    unlisted = [c for c in failed + skipped if c not in known]
    if unlisted:
        print("not listed: %s" % ", ".join(unlisted))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
