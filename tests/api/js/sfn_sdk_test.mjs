// The Step Functions API through the AWS SDK for JavaScript v3
// (@aws-sdk/client-sfn, pinned in package.json / package-lock.json).
//
// Usage: node tests/api/js/sfn_sdk_test.mjs STEPD_BINARY
//
// Starts `stepd serve --port 0` with a fresh data directory, calls every one
// of the 37 Step Functions actions at least once and checks the answers
// against what AWS documents (the SDK's model: the fields of each output
// shape, the errors each action names). Errors are checked by exception name
// (err.name), as an SDK user sees them. The reference is the model inside
// the pinned SDK (its 37 commands); Debian's botocore model is older.
//
// Prints one line per failed check and "N of M checks passed"; exits 1 on
// any failure, 77 (skip) when node_modules is missing (run
// scripts/install-node-test-deps), 2 on bad usage. Every wait has a
// deadline; the whole run is cut off after 55 s.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";

const STEPD = process.argv[2];
if (!STEPD) {
  console.error("usage: node sfn_sdk_test.mjs STEPD_BINARY");
  process.exit(2);
}

// The SDK warns on stderr that its releases from 2027 on need Node 22; not
// this suite's concern (package-lock.json pins the version it runs).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

let sdk;
try {
  sdk = await import("@aws-sdk/client-sfn");
} catch (e) {
  if (e && (e.code === "ERR_MODULE_NOT_FOUND" || e.code === "MODULE_NOT_FOUND")) {
    console.log(
      "SKIP: @aws-sdk/client-sfn is not installed in tests/api/js/node_modules " +
        "(run scripts/install-node-test-deps, which runs `npm ci` there)",
    );
    process.exit(77);
  }
  throw e;
}

// The 37 actions of the Step Functions API; every one must be called.
const ACTIONS = [
  "CreateStateMachine",
  "DescribeStateMachine",
  "UpdateStateMachine",
  "DeleteStateMachine",
  "ListStateMachines",
  "DescribeStateMachineForExecution",
  "PublishStateMachineVersion",
  "ListStateMachineVersions",
  "DeleteStateMachineVersion",
  "CreateStateMachineAlias",
  "DescribeStateMachineAlias",
  "UpdateStateMachineAlias",
  "DeleteStateMachineAlias",
  "ListStateMachineAliases",
  "StartExecution",
  "StartSyncExecution",
  "StopExecution",
  "DescribeExecution",
  "ListExecutions",
  "GetExecutionHistory",
  "RedriveExecution",
  "CreateActivity",
  "DescribeActivity",
  "DeleteActivity",
  "ListActivities",
  "GetActivityTask",
  "SendTaskSuccess",
  "SendTaskFailure",
  "SendTaskHeartbeat",
  "TagResource",
  "UntagResource",
  "ListTagsForResource",
  "ValidateStateMachineDefinition",
  "TestState",
  "DescribeMapRun",
  "ListMapRuns",
  "UpdateMapRun",
];

const REGION = "us-east-1";
const ACCOUNT = "123456789012";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/stepd`;
const ROLE2 = `arn:aws:iam::${ACCOUNT}:role/stepd-other`;
const SM = (name) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
const EXEC = (sm, name) => `arn:aws:states:${REGION}:${ACCOUNT}:execution:${sm}:${name}`;
const ACT = (name) => `arn:aws:states:${REGION}:${ACCOUNT}:activity:${name}`;
const SUITE_DEADLINE_MS = 55000;
const CALL_TIMEOUT_MS = 10000;

// ---------------------------------------------------------------- checks

let passed = 0;
const failures = [];

function short(v) {
  let s;
  try {
    s = typeof v === "string" ? v : JSON.stringify(v, (k, x) => (k === "$metadata" ? undefined : x));
  } catch {
    s = String(v);
  }
  return s === undefined ? "undefined" : s.length > 300 ? s.slice(0, 300) + "..." : s;
}

function check(name, cond, detail = "") {
  if (cond) {
    passed++;
  } else {
    failures.push(name);
    console.log(`FAIL ${name}${detail === "" ? "" : ": " + short(detail)}`);
  }
  return !!cond;
}

const errText = (e) =>
  `${e?.name}: ${e?.message}` + (e?.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : "");

// Thrown to end a section when something later checks need did not happen.
class Stop extends Error {}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isDate = (d) => d instanceof Date && !Number.isNaN(d.getTime());
const parse = (s) => {
  if (typeof s !== "string") return Symbol("not a string");
  try {
    return JSON.parse(s);
  } catch {
    return Symbol("not JSON");
  }
};
const sameJson = (text, value) => isDeepStrictEqual(parse(text), value);

// ---------------------------------------------------------------- server

const dataDir = mkdtempSync(path.join(tmpdir(), "stepd-js-sdk-"));
let server = null;
let serverExited = null; // a promise of {code, signal}
let stderrTail = "";

function cleanup() {
  if (server && server.exitCode === null && server.signalCode === null) {
    try {
      server.kill("SIGKILL");
    } catch {}
  }
  try {
    rmSync(dataDir, { recursive: true, force: true });
  } catch {}
}
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(STEPD, ["serve", "--port", "0", "--data", dataDir], { stdio: ["ignore", "ignore", "pipe"] });
    server = child;
    serverExited = new Promise((r) => child.on("exit", (code, signal) => r({ code, signal })));
    let settled = false;
    const settle = (f, v) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        f(v);
      }
    };
    const timer = setTimeout(
      () => settle(reject, new Error("no 'listening on' line within 10 s: " + stderrTail)),
      10000,
    );
    child.on("error", (e) => settle(reject, e));
    child.on("exit", (code, signal) =>
      settle(reject, new Error(`stepd exited (${code ?? signal}) before listening: ${stderrTail}`)),
    );
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      stderrTail = (stderrTail + chunk).slice(-4000);
      const m = stderrTail.match(/listening on (http:\/\/[^\s]+)/);
      if (m) settle(resolve, m[1]);
    });
  });
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return null;
  server.kill("SIGTERM");
  const r = await Promise.race([serverExited, sleep(5000).then(() => null)]);
  if (r === null) server.kill("SIGKILL");
  return r;
}

function finish() {
  const total = passed + failures.length;
  console.log(`${passed} of ${total} checks passed`);
  process.exit(failures.length === 0 && total > 0 ? 0 : 1);
}

const watchdog = setTimeout(() => {
  check("suite", false, `did not finish within ${SUITE_DEADLINE_MS / 1000} s`);
  cleanup();
  finish();
}, SUITE_DEADLINE_MS);
watchdog.unref();

let endpoint;
try {
  endpoint = await startServer();
} catch (e) {
  console.log(`FAIL stepd serve did not start: ${e.message}`);
  cleanup();
  process.exit(1);
}

// ---------------------------------------------------------------- client

const clientConfig = {
  endpoint,
  region: REGION,
  credentials: { accessKeyId: "stepd", secretAccessKey: "stepd" },
  maxAttempts: 1,
};
const sfn = new sdk.SFNClient(clientConfig);
// StartSyncExecution and TestState carry the endpoint host prefix "sync-" in
// AWS's model (sync-states.REGION.amazonaws.com); against a custom endpoint
// such as 127.0.0.1 that prefix must be turned off, as it is for LocalStack.
const sfnSync = new sdk.SFNClient({ ...clientConfig, disableHostPrefix: true });

const called = new Set();

// call("CreateStateMachine", {...}): the action through the SDK, with a
// client-side deadline so that nothing hangs.
function call(action, input, timeoutMs = CALL_TIMEOUT_MS) {
  const Command = sdk[`${action}Command`];
  if (!Command) throw new Error(`the SDK has no ${action}Command`);
  called.add(action);
  const client = action === "StartSyncExecution" || action === "TestState" ? sfnSync : sfn;
  return client.send(new Command(input), { abortSignal: AbortSignal.timeout(timeoutMs) });
}

// A call that must succeed for the rest of its section to make sense.
async function must(label, action, input, timeoutMs) {
  try {
    const r = await call(action, input, timeoutMs);
    check(label, true);
    return r;
  } catch (e) {
    check(label, false, errText(e));
    throw new Stop(`'${label}' failed`);
  }
}

// A call that should succeed; on failure the section goes on (returns undefined).
async function attempt(label, action, input, timeoutMs) {
  try {
    const r = await call(action, input, timeoutMs);
    check(label, true);
    return r;
  } catch (e) {
    check(label, false, errText(e));
    return undefined;
  }
}

async function expectError(label, code, action, input) {
  try {
    const r = await call(action, input);
    check(label, false, `expected ${code}, the call succeeded: ${short(r)}`);
  } catch (e) {
    check(label, e?.name === code, `expected ${code}, got ${errText(e)}`);
  }
}

// DescribeExecution until the execution leaves RUNNING (deadline: timeoutMs).
async function waitDone(label, arn, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let d;
    try {
      d = await call("DescribeExecution", { executionArn: arn });
    } catch (e) {
      check(`${label}: DescribeExecution`, false, errText(e));
      throw new Stop(`DescribeExecution of ${arn} failed`);
    }
    if (d.status !== "RUNNING") return d;
    if (Date.now() > deadline) {
      check(label, false, `still RUNNING after ${timeoutMs} ms`);
      throw new Stop(`${arn} did not finish`);
    }
    await sleep(25);
  }
}

// Polls fn until it returns a value other than undefined; null after timeoutMs.
async function pollUntil(fn, timeoutMs = 5000, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) return null;
    await sleep(intervalMs);
  }
}

// The error name a call gives ("OK" when it succeeds).
async function outcome(action, input) {
  try {
    await call(action, input);
    return "OK";
  } catch (e) {
    return e?.name ?? String(e);
  }
}

// An activity worker: long-polls GetActivityTask until a task arrives.
async function pollTask(label, activityArn, workerName, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) {
      check(label, false, `no task within ${timeoutMs} ms`);
      throw new Stop("no activity task");
    }
    let r;
    try {
      r = await call("GetActivityTask", { activityArn, workerName }, Math.max(left, 100));
    } catch (e) {
      check(label, false, errText(e));
      throw new Stop(`GetActivityTask failed`);
    }
    if (r.taskToken) {
      check(label, typeof r.taskToken === "string" && r.taskToken.length > 0, r);
      return r;
    }
  }
}

// Pages through a List* action; returns {items, pages}. A failed call ends
// the section, or with soft=true gives null.
async function listAll(label, action, input, key, pageSize, soft = false) {
  const maxPages = 50;
  const items = [];
  let nextToken;
  let pages = 0;
  let oversize = false;
  do {
    let r;
    try {
      r = await must(`${label} (page ${pages + 1})`, action, { ...input, maxResults: pageSize, nextToken });
    } catch (e) {
      if (soft && e instanceof Stop) return null;
      throw e;
    }
    const got = r[key];
    if (!Array.isArray(got)) {
      check(`${label}: '${key}' is a list`, false, r);
      throw new Stop(`${action} gave no ${key}`);
    }
    if (got.length > pageSize) oversize = true;
    items.push(...got);
    nextToken = r.nextToken;
    pages++;
  } while (nextToken && pages < maxPages);
  check(`${label}: pages hold at most maxResults=${pageSize} items`, !oversize);
  check(`${label}: paging ends`, !nextToken, `still a nextToken after ${maxPages} pages`);
  return { items, pages };
}

const historyOf = async (label, arn) => {
  const r = await listAll(label, "GetExecutionHistory", { executionArn: arn }, "events", 1000);
  return r.items;
};

function checkHistoryShape(label, events) {
  check(
    `${label}: event ids are 1..N`,
    events.every((e, i) => e.id === i + 1),
    events.map((e) => e.id),
  );
  check(
    `${label}: events have timestamps`,
    events.every((e) => isDate(e.timestamp)),
  );
  check(
    `${label}: previousEventId points back`,
    events.every((e, i) => (i === 0 ? !e.previousEventId : e.previousEventId >= 0 && e.previousEventId < e.id)),
    events.map((e) => [e.id, e.previousEventId]),
  );
}

const sections = [];
const section = (name, fn) => sections.push([name, fn]);

// ---------------------------------------------------------------- definitions

const json = (o) => JSON.stringify(o);
const passDef = (result) => json({ StartAt: "P", States: { P: { Type: "Pass", Result: result, End: true } } });
const versionDef = (v) => json({ StartAt: "V", States: { V: { Type: "Pass", Result: { version: v }, End: true } } });
const sleeperDef = json({ StartAt: "Sleep", States: { Sleep: { Type: "Wait", Seconds: 3600, End: true } } });
const badDef = json({ StartAt: "Missing", States: { A: { Type: "Pass", End: true } } });

// ---------------------------------------------------------------- state machines

section("state machines", async () => {
  const def1 = passDef({ rev: 1 });
  const def2 = passDef({ rev: 2 });
  const arn = SM("sm-crud");
  const c = await must("CreateStateMachine", "CreateStateMachine", {
    name: "sm-crud",
    definition: def1,
    roleArn: ROLE,
  });
  check("CreateStateMachine: stateMachineArn", c.stateMachineArn === arn, c);
  check("CreateStateMachine: creationDate", isDate(c.creationDate), c);
  const again = await attempt("CreateStateMachine: idempotent for the same definition", "CreateStateMachine", {
    name: "sm-crud",
    definition: def1,
    roleArn: ROLE,
  });
  if (again) check("CreateStateMachine: idempotent call returns the same ARN", again?.stateMachineArn === arn, again);
  await expectError(
    "CreateStateMachine: same name, other definition",
    "StateMachineAlreadyExists",
    "CreateStateMachine",
    { name: "sm-crud", definition: def2, roleArn: ROLE },
  );
  await expectError("CreateStateMachine: a bad name", "InvalidName", "CreateStateMachine", {
    name: "no spaces allowed",
    definition: def1,
    roleArn: ROLE,
  });
  await expectError("CreateStateMachine: a bad definition", "InvalidDefinition", "CreateStateMachine", {
    name: "sm-bad",
    definition: badDef,
    roleArn: ROLE,
  });

  const d = await must("DescribeStateMachine", "DescribeStateMachine", { stateMachineArn: arn });
  check(
    "DescribeStateMachine: fields",
    d.stateMachineArn === arn &&
      d.name === "sm-crud" &&
      d.status === "ACTIVE" &&
      d.definition === def1 &&
      d.roleArn === ROLE &&
      d.type === "STANDARD" &&
      isDate(d.creationDate),
    d,
  );
  await expectError("DescribeStateMachine: a missing machine", "StateMachineDoesNotExist", "DescribeStateMachine", {
    stateMachineArn: SM("sm-nope"),
  });
  await expectError("DescribeStateMachine: a malformed ARN", "InvalidArn", "DescribeStateMachine", {
    stateMachineArn: "not-an-arn",
  });

  const u = await attempt("UpdateStateMachine: definition", "UpdateStateMachine", {
    stateMachineArn: arn,
    definition: def2,
  });
  if (u) {
    check("UpdateStateMachine: updateDate", isDate(u.updateDate), u);
    check("UpdateStateMachine: revisionId", typeof u.revisionId === "string" && u.revisionId.length > 0, u);
    check("UpdateStateMachine: no version unless publish", u.stateMachineVersionArn === undefined, u);
  }
  const d2 = await must("DescribeStateMachine after update", "DescribeStateMachine", { stateMachineArn: arn });
  if (u) check("UpdateStateMachine: the new definition is described", d2.definition === def2, d2.definition);
  if (u?.revisionId) check("DescribeStateMachine: revisionId of the update", d2.revisionId === u.revisionId, d2);
  const ur = await attempt("UpdateStateMachine: roleArn", "UpdateStateMachine", {
    stateMachineArn: arn,
    roleArn: ROLE2,
  });
  const d3 = await must("DescribeStateMachine after the role update", "DescribeStateMachine", { stateMachineArn: arn });
  if (ur) check("UpdateStateMachine: the new role is described", d3.roleArn === ROLE2 && d3.definition === def2, d3);
  await expectError(
    "UpdateStateMachine: neither definition nor roleArn",
    "MissingRequiredParameter",
    "UpdateStateMachine",
    { stateMachineArn: arn },
  );
  await expectError("UpdateStateMachine: a bad definition", "InvalidDefinition", "UpdateStateMachine", {
    stateMachineArn: arn,
    definition: badDef,
  });
  await expectError("UpdateStateMachine: a missing machine", "StateMachineDoesNotExist", "UpdateStateMachine", {
    stateMachineArn: SM("sm-nope"),
    definition: def1,
  });
  await expectError("UpdateStateMachine: a malformed ARN", "InvalidArn", "UpdateStateMachine", {
    stateMachineArn: "not-an-arn",
    definition: def1,
  });

  for (const n of ["sm-list-a", "sm-list-b"]) {
    await must(`CreateStateMachine ${n}`, "CreateStateMachine", { name: n, definition: def1, roleArn: ROLE });
  }
  const listed = await listAll("ListStateMachines", "ListStateMachines", {}, "stateMachines", 1);
  const names = listed.items.map((m) => m.name);
  check(
    "ListStateMachines: every machine once, over several pages",
    ["sm-crud", "sm-list-a", "sm-list-b"].every((n) => names.filter((x) => x === n).length === 1) && listed.pages >= 3,
    names,
  );
  const item = listed.items.find((m) => m.name === "sm-crud");
  check(
    "ListStateMachines: item fields",
    item && item.stateMachineArn === arn && item.type === "STANDARD" && isDate(item.creationDate),
    item,
  );
  await expectError("ListStateMachines: a forged nextToken", "InvalidToken", "ListStateMachines", {
    nextToken: "Zm9yZ2VkLXRva2Vu",
  });

  await expectError("DeleteStateMachine: a malformed ARN", "InvalidArn", "DeleteStateMachine", {
    stateMachineArn: "not-an-arn",
  });
  await must("DeleteStateMachine", "DeleteStateMachine", { stateMachineArn: arn });
  const gone = await pollUntil(async () => {
    const o = await outcome("DescribeStateMachine", { stateMachineArn: arn });
    return o === "OK" ? undefined : o; // DELETING may show for a while
  });
  check(
    "DeleteStateMachine: the machine is gone",
    gone === "StateMachineDoesNotExist",
    gone ?? "still there after 5 s",
  );
  const after = await attempt("ListStateMachines after the delete", "ListStateMachines", {});
  if (after)
    check(
      "DeleteStateMachine: no longer listed",
      after && !after.stateMachines.some((m) => m.name === "sm-crud"),
      after?.stateMachines?.map((m) => m.name),
    );
  await expectError("StartExecution: a deleted machine", "StateMachineDoesNotExist", "StartExecution", {
    stateMachineArn: arn,
  });
  const re = await attempt("CreateStateMachine: the name is free again after the delete", "CreateStateMachine", {
    name: "sm-crud",
    definition: def2,
    roleArn: ROLE,
  });
  if (re) check("CreateStateMachine: re-created under the same ARN", re?.stateMachineArn === arn, re);
});

// ---------------------------------------------------------------- executions

section("executions", async () => {
  const defA = json({
    StartAt: "Double",
    States: {
      Double: { Type: "Pass", Parameters: { "n.$": "$.n", "doubled.$": "States.MathAdd($.n, $.n)" }, Next: "Done" },
      Done: { Type: "Succeed" },
    },
  });
  const defB = json({
    StartAt: "Triple",
    States: {
      Triple: { Type: "Pass", Parameters: { "tripled.$": "States.MathAdd($.n, States.MathAdd($.n, $.n))" }, End: true },
    },
  });
  const sm = SM("sm-exec");
  await must("CreateStateMachine sm-exec", "CreateStateMachine", { name: "sm-exec", definition: defA, roleArn: ROLE });

  const input = json({ n: 21 });
  const s = await must("StartExecution", "StartExecution", { stateMachineArn: sm, name: "exec-0", input });
  const arn = EXEC("sm-exec", "exec-0");
  check("StartExecution: executionArn", s.executionArn === arn, s);
  check("StartExecution: startDate", isDate(s.startDate), s);
  await expectError("StartExecution: a missing machine", "StateMachineDoesNotExist", "StartExecution", {
    stateMachineArn: SM("sm-nope"),
  });
  await expectError("StartExecution: a malformed ARN", "InvalidArn", "StartExecution", { stateMachineArn: "nope" });
  await expectError("StartExecution: a bad name", "InvalidName", "StartExecution", {
    stateMachineArn: sm,
    name: "bad name",
  });
  await expectError("StartExecution: input that is not JSON", "InvalidExecutionInput", "StartExecution", {
    stateMachineArn: sm,
    input: "{nope",
  });
  await expectError("StartExecution: same name, other input", "ExecutionAlreadyExists", "StartExecution", {
    stateMachineArn: sm,
    name: "exec-0",
    input: json({ n: 1 }),
  });

  const d = await waitDone("exec-0 finishes", arn);
  check("DescribeExecution: SUCCEEDED", d.status === "SUCCEEDED", d);
  check("DescribeExecution: output", sameJson(d.output, { n: 21, doubled: 42 }), d.output);
  check(
    "DescribeExecution: identity fields",
    d.executionArn === arn && d.stateMachineArn === sm && d.name === "exec-0",
    d,
  );
  check("DescribeExecution: input", sameJson(d.input, { n: 21 }), d.input);
  check("DescribeExecution: dates", isDate(d.startDate) && isDate(d.stopDate) && d.stopDate >= d.startDate, d);
  check(
    "DescribeExecution: inputDetails/outputDetails",
    d.inputDetails?.included === true && d.outputDetails?.included === true,
    d,
  );
  check(
    "DescribeExecution: not redriven, not redrivable",
    (d.redriveCount ?? 0) === 0 && d.redriveStatus === "NOT_REDRIVABLE",
    d,
  );
  check(
    "DescribeExecution: no version or alias",
    d.stateMachineVersionArn === undefined && d.stateMachineAliasArn === undefined,
    d,
  );
  await expectError("StartExecution: the name of a closed execution", "ExecutionAlreadyExists", "StartExecution", {
    stateMachineArn: sm,
    name: "exec-0",
    input,
  });
  await expectError("DescribeExecution: a missing execution", "ExecutionDoesNotExist", "DescribeExecution", {
    executionArn: EXEC("sm-exec", "nope"),
  });
  await expectError("DescribeExecution: a malformed ARN", "InvalidArn", "DescribeExecution", { executionArn: "nope" });

  const h = await historyOf("GetExecutionHistory", arn);
  check(
    "GetExecutionHistory: event types",
    isDeepStrictEqual(
      h.map((e) => e.type),
      [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "SucceedStateEntered",
        "SucceedStateExited",
        "ExecutionSucceeded",
      ],
    ),
    h.map((e) => e.type),
  );
  checkHistoryShape("GetExecutionHistory", h);
  check(
    "GetExecutionHistory: ExecutionStarted details",
    sameJson(h[0]?.executionStartedEventDetails?.input, { n: 21 }) &&
      h[0]?.executionStartedEventDetails?.roleArn === ROLE,
    h[0],
  );
  check(
    "GetExecutionHistory: ExecutionSucceeded details",
    sameJson(h.at(-1)?.executionSucceededEventDetails?.output, { n: 21, doubled: 42 }),
    h.at(-1),
  );
  check(
    "GetExecutionHistory: state names",
    h[1]?.stateEnteredEventDetails?.name === "Double" && h[2]?.stateExitedEventDetails?.name === "Double",
    h.slice(1, 3),
  );
  const rev = await attempt("GetExecutionHistory: reverseOrder", "GetExecutionHistory", {
    executionArn: arn,
    reverseOrder: true,
  });
  if (rev)
    check(
      "GetExecutionHistory: reverseOrder ids",
      isDeepStrictEqual(
        rev?.events?.map((e) => e.id),
        [6, 5, 4, 3, 2, 1],
      ),
      rev?.events?.map((e) => e.id),
    );
  const paged = await listAll("GetExecutionHistory paged", "GetExecutionHistory", { executionArn: arn }, "events", 4);
  check(
    "GetExecutionHistory: pages of 4 give ids 1..6",
    isDeepStrictEqual(
      paged.items.map((e) => e.id),
      [1, 2, 3, 4, 5, 6],
    ) && paged.pages === 2,
    paged.items.map((e) => e.id),
  );
  await expectError("GetExecutionHistory: a forged nextToken", "InvalidToken", "GetExecutionHistory", {
    executionArn: arn,
    nextToken: "Zm9yZ2VkLXRva2Vu",
  });
  await expectError("GetExecutionHistory: a missing execution", "ExecutionDoesNotExist", "GetExecutionHistory", {
    executionArn: EXEC("sm-exec", "nope"),
  });

  // DescribeStateMachineForExecution: the definition the execution ran.
  const f = await attempt("DescribeStateMachineForExecution", "DescribeStateMachineForExecution", {
    executionArn: arn,
  });
  if (f) {
    check(
      "DescribeStateMachineForExecution: fields",
      f.stateMachineArn === sm &&
        f.name === "sm-exec" &&
        f.definition === defA &&
        f.roleArn === ROLE &&
        isDate(f.updateDate),
      f,
    );
  }
  await expectError(
    "DescribeStateMachineForExecution: a missing execution",
    "ExecutionDoesNotExist",
    "DescribeStateMachineForExecution",
    { executionArn: EXEC("sm-exec", "nope") },
  );
  await expectError(
    "DescribeStateMachineForExecution: a malformed ARN",
    "InvalidArn",
    "DescribeStateMachineForExecution",
    { executionArn: "nope" },
  );
  await must("UpdateStateMachine sm-exec", "UpdateStateMachine", { stateMachineArn: sm, definition: defB });
  const s1 = await must("StartExecution after the update", "StartExecution", {
    stateMachineArn: sm,
    name: "exec-1",
    input,
  });
  const d1 = await waitDone("exec-1 finishes", s1.executionArn);
  const f0 = await attempt(
    "DescribeStateMachineForExecution of the older execution",
    "DescribeStateMachineForExecution",
    { executionArn: arn },
  );
  if (f0)
    check(
      "DescribeStateMachineForExecution: an older execution keeps the definition it ran",
      f0?.definition === defA,
      f0?.definition,
    );
  const f1 = await attempt(
    "DescribeStateMachineForExecution of the newer execution",
    "DescribeStateMachineForExecution",
    { executionArn: s1.executionArn },
  );
  const ranB = sameJson(d1.output, { tripled: 63 });
  check(
    "StartExecution after UpdateStateMachine runs a definition",
    ranB || sameJson(d1.output, { n: 21, doubled: 42 }),
    d1.output,
  );
  if (f1)
    check(
      "DescribeStateMachineForExecution: the definition the newer execution ran",
      f1?.definition === (ranB ? defB : defA),
      f1?.definition,
    );
});

section("list executions", async () => {
  const sm = SM("sm-pages");
  await must("CreateStateMachine sm-pages", "CreateStateMachine", {
    name: "sm-pages",
    definition: passDef({ ok: true }),
    roleArn: ROLE,
  });
  await expectError("ListExecutions: a forged nextToken", "InvalidToken", "ListExecutions", {
    stateMachineArn: sm,
    nextToken: "Zm9yZ2VkLXRva2Vu",
  });
  await expectError("ListExecutions: a missing machine", "StateMachineDoesNotExist", "ListExecutions", {
    stateMachineArn: SM("sm-nope"),
  });
  await expectError("ListExecutions: a malformed ARN", "InvalidArn", "ListExecutions", { stateMachineArn: "nope" });
  await expectError("ListExecutions: maxResults over 1000", "ValidationException", "ListExecutions", {
    stateMachineArn: sm,
    maxResults: 1001,
  });
  const arns = [];
  for (let i = 0; i < 5; i++) {
    const s = await must(`StartExecution page-${i}`, "StartExecution", { stateMachineArn: sm, name: `page-${i}` });
    arns.push(s.executionArn);
  }
  for (const a of arns) await waitDone(`${a} finishes`, a);

  const all = await must("ListExecutions", "ListExecutions", { stateMachineArn: sm });
  check(
    "ListExecutions: all five",
    Array.isArray(all.executions) && all.executions.length === 5 && !all.nextToken,
    all.executions?.map((e) => e.name),
  );
  const it = all.executions?.find((e) => e.name === "page-0");
  check(
    "ListExecutions: item fields",
    it &&
      it.executionArn === EXEC("sm-pages", "page-0") &&
      it.stateMachineArn === sm &&
      it.status === "SUCCEEDED" &&
      isDate(it.startDate) &&
      isDate(it.stopDate),
    it,
  );
  const paged = await listAll("ListExecutions paged", "ListExecutions", { stateMachineArn: sm }, "executions", 2);
  const names = paged.items.map((e) => e.name);
  check(
    "ListExecutions: pages of 2 give each execution once",
    paged.pages === 3 && names.length === 5 && new Set(names).size === 5,
    names,
  );
  check(
    "ListExecutions: most recent first (by stopDate)",
    paged.items.every((e, i) => i === 0 || e.stopDate <= paged.items[i - 1].stopDate),
    paged.items.map((e) => [e.name, e.stopDate]),
  );
  const ok = await attempt("ListExecutions: statusFilter SUCCEEDED", "ListExecutions", {
    stateMachineArn: sm,
    statusFilter: "SUCCEEDED",
  });
  if (ok) check("ListExecutions: statusFilter SUCCEEDED lists five", ok?.executions?.length === 5, ok?.executions);
  const failed = await attempt("ListExecutions: statusFilter FAILED", "ListExecutions", {
    stateMachineArn: sm,
    statusFilter: "FAILED",
  });
  if (failed)
    check(
      "ListExecutions: statusFilter FAILED lists none",
      Array.isArray(failed?.executions) && failed.executions.length === 0,
      failed,
    );
});

// ---------------------------------------------------------------- stop

section("stop", async () => {
  const sm = SM("sm-sleeper");
  await must("CreateStateMachine sm-sleeper", "CreateStateMachine", {
    name: "sm-sleeper",
    definition: sleeperDef,
    roleArn: ROLE,
  });
  await expectError("StopExecution: a missing execution", "ExecutionDoesNotExist", "StopExecution", {
    executionArn: EXEC("sm-sleeper", "nope"),
  });
  await expectError("StopExecution: a malformed ARN", "InvalidArn", "StopExecution", { executionArn: "nope" });
  const a = await must("StartExecution nap-1", "StartExecution", { stateMachineArn: sm, name: "nap-1" });
  const b = await must("StartExecution nap-2", "StartExecution", { stateMachineArn: sm, name: "nap-2" });
  try {
    const st = await must("StopExecution", "StopExecution", {
      executionArn: a.executionArn,
      error: "Test.Stopped",
      cause: "stopped by the test",
    });
    check("StopExecution: stopDate", isDate(st.stopDate), st);
    const d = await waitDone("nap-1 stops", a.executionArn, 5000);
    check(
      "StopExecution: ABORTED with the error and cause",
      d.status === "ABORTED" && d.error === "Test.Stopped" && d.cause === "stopped by the test" && isDate(d.stopDate),
      d,
    );
    check("StopExecution: no output", d.output === undefined, d);
    check("DescribeExecution: an aborted execution is redrivable", d.redriveStatus === "REDRIVABLE", d);
    const h = await historyOf("GetExecutionHistory of an aborted execution", a.executionArn);
    check(
      "StopExecution: history ends with ExecutionAborted",
      h.at(-1)?.type === "ExecutionAborted" &&
        h.at(-1)?.executionAbortedEventDetails?.error === "Test.Stopped" &&
        h.at(-1)?.executionAbortedEventDetails?.cause === "stopped by the test",
      h.at(-1),
    );
    check(
      "StopExecution: history waited in the Wait state",
      h.some((e) => e.type === "WaitStateEntered"),
      h.map((e) => e.type),
    );
    checkHistoryShape("aborted history", h);

    const running = await attempt("ListExecutions: statusFilter RUNNING", "ListExecutions", {
      stateMachineArn: sm,
      statusFilter: "RUNNING",
    });
    if (running)
      check(
        "ListExecutions: RUNNING lists the sleeping one",
        isDeepStrictEqual(
          running?.executions?.map((e) => e.name),
          ["nap-2"],
        ),
        running?.executions,
      );
    const aborted = await attempt("ListExecutions: statusFilter ABORTED", "ListExecutions", {
      stateMachineArn: sm,
      statusFilter: "ABORTED",
    });
    if (aborted)
      check(
        "ListExecutions: ABORTED lists the stopped one",
        isDeepStrictEqual(
          aborted?.executions?.map((e) => e.name),
          ["nap-1"],
        ),
        aborted?.executions,
      );
  } finally {
    await outcome("StopExecution", { executionArn: b.executionArn });
  }
});

// ---------------------------------------------------------------- versions and aliases

section("versions and aliases", async () => {
  const base = SM("sm-versioned");
  const v = (n) => `${base}:${n}`;
  const alias = `${base}:live`;
  await expectError(
    "PublishStateMachineVersion: a missing machine",
    "StateMachineDoesNotExist",
    "PublishStateMachineVersion",
    { stateMachineArn: SM("sm-nope") },
  );
  await expectError("ListStateMachineVersions: a malformed ARN", "InvalidArn", "ListStateMachineVersions", {
    stateMachineArn: "nope",
  });
  await expectError("DescribeStateMachineAlias: a missing alias", "ResourceNotFound", "DescribeStateMachineAlias", {
    stateMachineAliasArn: `${base}:nope`,
  });
  await expectError("DescribeStateMachineAlias: a malformed ARN", "InvalidArn", "DescribeStateMachineAlias", {
    stateMachineAliasArn: "nope",
  });
  await expectError("UpdateStateMachineAlias: a missing alias", "ResourceNotFound", "UpdateStateMachineAlias", {
    stateMachineAliasArn: `${base}:nope`,
    description: "x",
  });
  await expectError("ListStateMachineAliases: a malformed ARN", "InvalidArn", "ListStateMachineAliases", {
    stateMachineArn: "nope",
  });
  await expectError("DeleteStateMachineAlias: a malformed ARN", "InvalidArn", "DeleteStateMachineAlias", {
    stateMachineAliasArn: "nope",
  });
  await expectError("DeleteStateMachineVersion: a malformed ARN", "InvalidArn", "DeleteStateMachineVersion", {
    stateMachineVersionArn: "nope",
  });
  const c = await must("CreateStateMachine with publish", "CreateStateMachine", {
    name: "sm-versioned",
    definition: versionDef("v1"),
    roleArn: ROLE,
    publish: true,
    versionDescription: "first",
  });
  check("CreateStateMachine: publish gives version 1", c.stateMachineVersionArn === v(1), c);
  const p1 = await attempt("PublishStateMachineVersion: no change since version 1", "PublishStateMachineVersion", {
    stateMachineArn: base,
    description: "first",
  });
  if (p1)
    check("PublishStateMachineVersion: idempotent for an unchanged revision", p1?.stateMachineVersionArn === v(1), p1);

  const uA = await attempt("UpdateStateMachine to v2a", "UpdateStateMachine", {
    stateMachineArn: base,
    definition: versionDef("v2a"),
  });
  const uB = await attempt("UpdateStateMachine to v2b", "UpdateStateMachine", {
    stateMachineArn: base,
    definition: versionDef("v2b"),
  });
  if (uA && uB)
    check(
      "UpdateStateMachine: each update a new revisionId",
      typeof uA?.revisionId === "string" && typeof uB?.revisionId === "string" && uA.revisionId !== uB.revisionId,
      [uA, uB],
    );
  if (uA?.revisionId) {
    await expectError(
      "PublishStateMachineVersion: a stale revisionId",
      "ConflictException",
      "PublishStateMachineVersion",
      { stateMachineArn: base, revisionId: uA.revisionId },
    );
  }
  const p2 = await attempt("PublishStateMachineVersion", "PublishStateMachineVersion", {
    stateMachineArn: base,
    revisionId: uB?.revisionId,
    description: "second",
  });
  if (p2)
    check("PublishStateMachineVersion: version 2", p2?.stateMachineVersionArn === v(2) && isDate(p2?.creationDate), p2);
  const u3 = await attempt("UpdateStateMachine with publish", "UpdateStateMachine", {
    stateMachineArn: base,
    definition: versionDef("v3"),
    publish: true,
    versionDescription: "third",
  });
  if (u3) check("UpdateStateMachine: publish gives version 3", u3?.stateMachineVersionArn === v(3), u3);

  const lv = await listAll(
    "ListStateMachineVersions",
    "ListStateMachineVersions",
    { stateMachineArn: base },
    "stateMachineVersions",
    2,
    true,
  );
  if (lv) {
    check(
      "ListStateMachineVersions: newest first, over two pages",
      isDeepStrictEqual(
        lv.items.map((x) => x.stateMachineVersionArn),
        [v(3), v(2), v(1)],
      ) && lv.pages === 2,
      lv.items.map((x) => x.stateMachineVersionArn),
    );
    check(
      "ListStateMachineVersions: creationDate",
      lv.items.length > 0 && lv.items.every((x) => isDate(x.creationDate)),
      lv.items,
    );
  }

  const dv = await attempt("DescribeStateMachine of version 1", "DescribeStateMachine", { stateMachineArn: v(1) });
  if (dv)
    check(
      "DescribeStateMachine: a version ARN describes that version",
      dv?.stateMachineArn === v(1) &&
        dv?.definition === versionDef("v1") &&
        dv?.description === "first" &&
        dv?.name === "sm-versioned",
      dv,
    );
  const dv2 = await attempt("DescribeStateMachine of version 2", "DescribeStateMachine", { stateMachineArn: v(2) });
  if (dv2)
    check(
      "DescribeStateMachine: version 2 holds the revision it was published from",
      dv2?.definition === versionDef("v2b") && dv2?.description === "second",
      dv2,
    );

  // Executions of a version, of the latest revision, of an alias.
  const ex1 = await attempt("StartExecution with a version ARN", "StartExecution", {
    stateMachineArn: v(1),
    name: "via-version",
  });
  if (ex1) {
    check(
      "StartExecution with a version ARN: executionArn",
      ex1.executionArn === EXEC("sm-versioned", "via-version"),
      ex1,
    );
    const d = await waitDone("via-version finishes", ex1.executionArn);
    check("StartExecution with a version ARN: runs that version", sameJson(d.output, { version: "v1" }), d.output);
    check(
      "DescribeExecution: stateMachineVersionArn",
      d.stateMachineVersionArn === v(1) && d.stateMachineAliasArn === undefined && d.stateMachineArn === base,
      d,
    );
    const f = await attempt(
      "DescribeStateMachineForExecution of a version's execution",
      "DescribeStateMachineForExecution",
      { executionArn: ex1.executionArn },
    );
    if (f) check("DescribeStateMachineForExecution: the version's definition", f?.definition === versionDef("v1"), f);
  }
  const exL = await must("StartExecution with the unqualified ARN", "StartExecution", {
    stateMachineArn: base,
    name: "via-latest",
  });
  const dL = await waitDone("via-latest finishes", exL.executionArn);
  if (u3)
    check(
      "StartExecution with the unqualified ARN: runs the latest revision",
      sameJson(dL.output, { version: "v3" }),
      dL.output,
    );

  const ca = await attempt("CreateStateMachineAlias", "CreateStateMachineAlias", {
    name: "live",
    description: "production",
    routingConfiguration: [{ stateMachineVersionArn: v(2), weight: 100 }],
  });
  // (the alias belongs to the machine of its versions)
  if (ca)
    check(
      "CreateStateMachineAlias: stateMachineAliasArn",
      ca?.stateMachineAliasArn === alias && isDate(ca?.creationDate),
      ca,
    );
  const ca2 = await attempt("CreateStateMachineAlias: the same again", "CreateStateMachineAlias", {
    name: "live",
    description: "production",
    routingConfiguration: [{ stateMachineVersionArn: v(2), weight: 100 }],
  });
  if (ca2) check("CreateStateMachineAlias: idempotent", ca2?.stateMachineAliasArn === alias, ca2);
  await expectError(
    "CreateStateMachineAlias: a version that does not exist",
    "ResourceNotFound",
    "CreateStateMachineAlias",
    { name: "ghost", routingConfiguration: [{ stateMachineVersionArn: v(99), weight: 100 }] },
  );
  await expectError(
    "CreateStateMachineAlias: weights that do not add up to 100",
    "ValidationException",
    "CreateStateMachineAlias",
    { name: "half", routingConfiguration: [{ stateMachineVersionArn: v(1), weight: 50 }] },
  );

  const da = await attempt("DescribeStateMachineAlias", "DescribeStateMachineAlias", { stateMachineAliasArn: alias });
  if (da)
    check(
      "DescribeStateMachineAlias: fields",
      da?.stateMachineAliasArn === alias &&
        da?.name === "live" &&
        da?.description === "production" &&
        isDeepStrictEqual(da?.routingConfiguration, [{ stateMachineVersionArn: v(2), weight: 100 }]) &&
        isDate(da?.creationDate),
      da,
    );

  const exA = await attempt("StartExecution with an alias ARN", "StartExecution", {
    stateMachineArn: alias,
    name: "via-alias",
  });
  if (exA) {
    check(
      "StartExecution with an alias ARN: executionArn",
      exA.executionArn === EXEC("sm-versioned", "via-alias"),
      exA,
    );
    const d = await waitDone("via-alias finishes", exA.executionArn);
    check(
      "StartExecution with an alias ARN: runs the alias's version",
      sameJson(d.output, { version: "v2b" }),
      d.output,
    );
    check(
      "DescribeExecution: stateMachineAliasArn and stateMachineVersionArn",
      d.stateMachineAliasArn === alias && d.stateMachineVersionArn === v(2),
      d,
    );
    const hA = await historyOf("GetExecutionHistory of an alias start", exA.executionArn);
    const started = hA?.[0]?.executionStartedEventDetails;
    check(
      "ExecutionStarted: stateMachineAliasArn and stateMachineVersionArn",
      started?.stateMachineAliasArn === alias && started?.stateMachineVersionArn === v(2),
      started,
    );
    const byAlias = await attempt("ListExecutions of an alias", "ListExecutions", { stateMachineArn: alias });
    if (byAlias)
      check(
        "ListExecutions of an alias: its executions only",
        isDeepStrictEqual(
          byAlias?.executions?.map((e) => e.name),
          ["via-alias"],
        ),
        byAlias?.executions,
      );
  }
  if (ex1) {
    const byVersion = await attempt("ListExecutions of a version", "ListExecutions", { stateMachineArn: v(1) });
    if (byVersion)
      check(
        "ListExecutions of a version: its executions only",
        isDeepStrictEqual(
          byVersion?.executions?.map((e) => e.name),
          ["via-version"],
        ),
        byVersion?.executions,
      );
  }

  const ua = await attempt("UpdateStateMachineAlias", "UpdateStateMachineAlias", {
    stateMachineAliasArn: alias,
    description: "rolled back",
    routingConfiguration: [{ stateMachineVersionArn: v(1), weight: 100 }],
  });
  if (ua) check("UpdateStateMachineAlias: updateDate", isDate(ua?.updateDate), ua);
  const da2 = await attempt("DescribeStateMachineAlias after the update", "DescribeStateMachineAlias", {
    stateMachineAliasArn: alias,
  });
  if (da2)
    check(
      "UpdateStateMachineAlias: the new routing and description",
      da2?.description === "rolled back" &&
        isDeepStrictEqual(da2?.routingConfiguration, [{ stateMachineVersionArn: v(1), weight: 100 }]) &&
        isDate(da2?.updateDate) &&
        da2.updateDate >= da2.creationDate,
      da2,
    );
  const exA2 = await attempt("StartExecution with the updated alias", "StartExecution", {
    stateMachineArn: alias,
    name: "via-alias-2",
  });
  if (exA2) {
    const d = await waitDone("via-alias-2 finishes", exA2.executionArn);
    check(
      "UpdateStateMachineAlias: new executions run the new version",
      sameJson(d.output, { version: "v1" }) && d.stateMachineVersionArn === v(1),
      d,
    );
  }
  await expectError(
    "UpdateStateMachineAlias: weights that do not add up to 100",
    "ValidationException",
    "UpdateStateMachineAlias",
    {
      stateMachineAliasArn: alias,
      routingConfiguration: [
        { stateMachineVersionArn: v(1), weight: 60 },
        { stateMachineVersionArn: v(2), weight: 30 },
      ],
    },
  );

  const la = await attempt("ListStateMachineAliases", "ListStateMachineAliases", { stateMachineArn: base });
  if (la)
    check(
      "ListStateMachineAliases: the alias",
      la?.stateMachineAliases?.length === 1 &&
        la.stateMachineAliases[0].stateMachineAliasArn === alias &&
        isDate(la.stateMachineAliases[0].creationDate),
      la,
    );
  const la1 = await attempt("ListStateMachineAliases of version 1", "ListStateMachineAliases", {
    stateMachineArn: v(1),
  });
  if (la1)
    check(
      "ListStateMachineAliases of a version: the aliases routing to it",
      la1?.stateMachineAliases?.map((x) => x.stateMachineAliasArn)?.join() === alias,
      la1,
    );
  const la3 = await attempt("ListStateMachineAliases of version 3", "ListStateMachineAliases", {
    stateMachineArn: v(3),
  });
  if (la3)
    check(
      "ListStateMachineAliases of a version no alias uses: none",
      Array.isArray(la3?.stateMachineAliases) && la3.stateMachineAliases.length === 0,
      la3,
    );

  await expectError(
    "DeleteStateMachineVersion: a version an alias routes to",
    "ConflictException",
    "DeleteStateMachineVersion",
    { stateMachineVersionArn: v(1) },
  );
  const delA = await attempt("DeleteStateMachineAlias", "DeleteStateMachineAlias", { stateMachineAliasArn: alias });
  if (delA)
    await expectError("DeleteStateMachineAlias: the alias is gone", "ResourceNotFound", "DescribeStateMachineAlias", {
      stateMachineAliasArn: alias,
    });
  const delV = await attempt("DeleteStateMachineVersion", "DeleteStateMachineVersion", {
    stateMachineVersionArn: v(1),
  });
  const lv2 = await attempt("ListStateMachineVersions after the delete", "ListStateMachineVersions", {
    stateMachineArn: base,
  });
  if (lv2)
    check(
      "DeleteStateMachineVersion: no longer listed",
      isDeepStrictEqual(
        lv2?.stateMachineVersions?.map((x) => x.stateMachineVersionArn),
        [v(3), v(2)],
      ),
      lv2,
    );
  if (delV)
    await expectError(
      "DeleteStateMachineVersion: the version is gone",
      "StateMachineDoesNotExist",
      "DescribeStateMachine",
      { stateMachineArn: v(1) },
    );

  // Deleting the machine deletes its versions too.
  await must("DeleteStateMachine sm-versioned", "DeleteStateMachine", { stateMachineArn: base });
  const gone = await pollUntil(async () => {
    const o = await outcome("DescribeStateMachine", { stateMachineArn: v(2) });
    return o === "OK" ? undefined : o;
  });
  check(
    "DeleteStateMachine: its versions go too",
    gone === "StateMachineDoesNotExist",
    gone ?? "still there after 5 s",
  );
});

// ---------------------------------------------------------------- express

section("express", async () => {
  const sm = SM("sm-express");
  await must("CreateStateMachine EXPRESS", "CreateStateMachine", {
    name: "sm-express",
    type: "EXPRESS",
    roleArn: ROLE,
    definition: json({
      StartAt: "Greet",
      States: {
        Greet: { Type: "Pass", Parameters: { "greeting.$": "States.Format('Hello, {}!', $.name)" }, End: true },
      },
    }),
  });
  const d = await attempt("DescribeStateMachine EXPRESS", "DescribeStateMachine", { stateMachineArn: sm });
  if (d) check("DescribeStateMachine: type EXPRESS", d?.type === "EXPRESS", d);
  const input = json({ name: "sdk" });
  const r = await attempt("StartSyncExecution", "StartSyncExecution", { stateMachineArn: sm, name: "sync-1", input });
  if (r) {
    check(
      "StartSyncExecution: SUCCEEDED with the output",
      r.status === "SUCCEEDED" && sameJson(r.output, { greeting: "Hello, sdk!" }),
      r,
    );
    check(
      "StartSyncExecution: executionArn",
      typeof r.executionArn === "string" &&
        r.executionArn.startsWith(`arn:aws:states:${REGION}:${ACCOUNT}:express:sm-express:sync-1:`),
      r.executionArn,
    );
    check(
      "StartSyncExecution: identity fields",
      r.stateMachineArn === sm && r.name === "sync-1" && sameJson(r.input, { name: "sdk" }),
      r,
    );
    check("StartSyncExecution: dates", isDate(r.startDate) && isDate(r.stopDate) && r.stopDate >= r.startDate, r);
    check("StartSyncExecution: no error", r.error === undefined && r.cause === undefined, r);
  }
  await must("CreateStateMachine EXPRESS that fails", "CreateStateMachine", {
    name: "sm-express-fail",
    type: "EXPRESS",
    roleArn: ROLE,
    definition: json({ StartAt: "Boom", States: { Boom: { Type: "Fail", Error: "Custom.Boom", Cause: "it broke" } } }),
  });
  const f = await attempt("StartSyncExecution of a failing machine answers 200", "StartSyncExecution", {
    stateMachineArn: SM("sm-express-fail"),
  });
  if (f)
    check(
      "StartSyncExecution: FAILED with error and cause",
      f?.status === "FAILED" && f?.error === "Custom.Boom" && f?.cause === "it broke" && f?.output === undefined,
      f,
    );
  await expectError("StartSyncExecution: a STANDARD machine", "StateMachineTypeNotSupported", "StartSyncExecution", {
    stateMachineArn: await standardMachine(),
  });
  await expectError("StartSyncExecution: a missing machine", "StateMachineDoesNotExist", "StartSyncExecution", {
    stateMachineArn: SM("sm-nope"),
  });
  await expectError("StartSyncExecution: input that is not JSON", "InvalidExecutionInput", "StartSyncExecution", {
    stateMachineArn: sm,
    input: "{nope",
  });
  await expectError("StartSyncExecution: a bad name", "InvalidName", "StartSyncExecution", {
    stateMachineArn: sm,
    name: "bad name",
  });
  await expectError("StartSyncExecution: a malformed ARN", "InvalidArn", "StartSyncExecution", {
    stateMachineArn: "nope",
  });
  await expectError("ListExecutions: an EXPRESS machine", "StateMachineTypeNotSupported", "ListExecutions", {
    stateMachineArn: sm,
  });
});

let standardArn;
async function standardMachine() {
  if (!standardArn) {
    const r = await must("CreateStateMachine sm-standard", "CreateStateMachine", {
      name: "sm-standard",
      definition: passDef({ standard: true }),
      roleArn: ROLE,
    });
    standardArn = r.stateMachineArn;
  }
  return standardArn;
}

// ---------------------------------------------------------------- activities

section("activities", async () => {
  const arn = ACT("act-crud");
  await expectError("DescribeActivity: a missing activity", "ActivityDoesNotExist", "DescribeActivity", {
    activityArn: ACT("act-nope"),
  });
  await expectError("DescribeActivity: a malformed ARN", "InvalidArn", "DescribeActivity", { activityArn: "nope" });
  await expectError("ListActivities: a forged nextToken", "InvalidToken", "ListActivities", {
    nextToken: "Zm9yZ2VkLXRva2Vu",
  });
  await expectError("GetActivityTask: a malformed ARN", "InvalidArn", "GetActivityTask", { activityArn: "nope" });
  await expectError("DeleteActivity: a malformed ARN", "InvalidArn", "DeleteActivity", { activityArn: "nope" });
  await expectError("GetActivityTask: a missing activity", "ActivityDoesNotExist", "GetActivityTask", {
    activityArn: ACT("act-nope"),
  });
  const c = await must("CreateActivity", "CreateActivity", { name: "act-crud" });
  check("CreateActivity: activityArn and creationDate", c.activityArn === arn && isDate(c.creationDate), c);
  const again = await attempt("CreateActivity: the same name again", "CreateActivity", { name: "act-crud" });
  if (again) check("CreateActivity: idempotent", again?.activityArn === arn, again);
  await expectError("CreateActivity: a bad name", "InvalidName", "CreateActivity", { name: "bad name" });
  const d = await attempt("DescribeActivity", "DescribeActivity", { activityArn: arn });
  if (d)
    check("DescribeActivity: fields", d?.activityArn === arn && d?.name === "act-crud" && isDate(d?.creationDate), d);

  await must("CreateActivity act-list-1", "CreateActivity", { name: "act-list-1" });
  await must("CreateActivity act-list-2", "CreateActivity", { name: "act-list-2" });
  const listed = await listAll("ListActivities", "ListActivities", {}, "activities", 1);
  const names = listed.items.map((a) => a.name);
  check(
    "ListActivities: each activity once, over several pages",
    ["act-crud", "act-list-1", "act-list-2"].every((n) => names.filter((x) => x === n).length === 1) &&
      listed.pages >= 3,
    names,
  );
  const item = listed.items.find((a) => a.name === "act-crud");
  check("ListActivities: item fields", item && item.activityArn === arn && isDate(item.creationDate), item);

  await must("DeleteActivity", "DeleteActivity", { activityArn: ACT("act-list-2") });
  const gone = await pollUntil(async () => {
    const o = await outcome("DescribeActivity", { activityArn: ACT("act-list-2") });
    return o === "OK" ? undefined : o;
  });
  check("DeleteActivity: the activity is gone", gone === "ActivityDoesNotExist", gone ?? "still there after 5 s");
  const after = await attempt("ListActivities after the delete", "ListActivities", {});
  if (after)
    check(
      "DeleteActivity: no longer listed",
      after &&
        !after.activities.some((a) => a.name === "act-list-2") &&
        after.activities.some((a) => a.name === "act-list-1"),
      after?.activities?.map((a) => a.name),
    );
  await expectError("GetActivityTask: a deleted activity", "ActivityDoesNotExist", "GetActivityTask", {
    activityArn: ACT("act-list-2"),
  });
});

// ---------------------------------------------------------------- workers

// Prep (Pass) -> Work (an activity Task) -> Done (Pass): Prep's output is
// what the worker receives; the worker's output lands in $.work.
const ACT_WORK = ACT("act-worker");
const workerDef = json({
  StartAt: "Prep",
  States: {
    Prep: { Type: "Pass", Parameters: { "job.$": "$.job", prepared: true }, Next: "Work" },
    Work: {
      Type: "Task",
      Resource: ACT_WORK,
      TimeoutSeconds: 60,
      HeartbeatSeconds: 30,
      ResultPath: "$.work",
      Next: "Done",
    },
    Done: { Type: "Pass", End: true },
  },
});
let workerMachine;
async function workerSetup() {
  if (!workerMachine) {
    await must("CreateActivity act-worker", "CreateActivity", { name: "act-worker" });
    const r = await must("CreateStateMachine sm-worker", "CreateStateMachine", {
      name: "sm-worker",
      definition: workerDef,
      roleArn: ROLE,
    });
    workerMachine = r.stateMachineArn;
  }
  return workerMachine;
}

section("activity worker", async () => {
  await expectError("SendTaskSuccess: a malformed token", "InvalidToken", "SendTaskSuccess", {
    taskToken: "not-a-task-token",
    output: "{}",
  });
  await expectError("SendTaskFailure: a malformed token", "InvalidToken", "SendTaskFailure", {
    taskToken: "not-a-task-token",
  });
  await expectError("SendTaskHeartbeat: a malformed token", "InvalidToken", "SendTaskHeartbeat", {
    taskToken: "not-a-task-token",
  });
  const sm = await workerSetup();
  const s = await must("StartExecution of an activity task", "StartExecution", {
    stateMachineArn: sm,
    name: "act-ok",
    input: json({ job: "J1" }),
  });
  const t = await pollTask("GetActivityTask: a task arrives", ACT_WORK, "worker-1");
  check("GetActivityTask: the task's input", sameJson(t.input, { job: "J1", prepared: true }), t.input);
  await attempt("SendTaskHeartbeat", "SendTaskHeartbeat", { taskToken: t.taskToken });
  await expectError("SendTaskSuccess: output that is not JSON", "InvalidOutput", "SendTaskSuccess", {
    taskToken: t.taskToken,
    output: "{nope",
  });
  await must("SendTaskSuccess", "SendTaskSuccess", { taskToken: t.taskToken, output: json({ answer: 42 }) });
  const d = await waitDone("act-ok finishes", s.executionArn);
  check(
    "SendTaskSuccess: the execution succeeds with the worker's output",
    d.status === "SUCCEEDED" && sameJson(d.output, { job: "J1", prepared: true, work: { answer: 42 } }),
    d,
  );
  const h = await historyOf("GetExecutionHistory of an activity task", s.executionArn);
  check(
    "activity history: event types",
    isDeepStrictEqual(
      h.map((e) => e.type),
      [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "TaskStateEntered",
        "ActivityScheduled",
        "ActivityStarted",
        "ActivitySucceeded",
        "TaskStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
      ],
    ),
    h.map((e) => e.type),
  );
  checkHistoryShape("activity history", h);
  const sch = h.find((e) => e.type === "ActivityScheduled")?.activityScheduledEventDetails;
  check(
    "activity history: ActivityScheduled details",
    sch?.resource === ACT_WORK &&
      sameJson(sch?.input, { job: "J1", prepared: true }) &&
      sch?.timeoutInSeconds === 60 &&
      sch?.heartbeatInSeconds === 30,
    sch,
  );
  const started = h.find((e) => e.type === "ActivityStarted")?.activityStartedEventDetails;
  check("activity history: ActivityStarted names the worker", started?.workerName === "worker-1", started);
  const okd = h.find((e) => e.type === "ActivitySucceeded")?.activitySucceededEventDetails;
  check("activity history: ActivitySucceeded output", sameJson(okd?.output, { answer: 42 }), okd);

  // A closed task's token, and tokens that are not tokens.
  await expectError("SendTaskSuccess: a closed task", "TaskTimedOut", "SendTaskSuccess", {
    taskToken: t.taskToken,
    output: "{}",
  });
  await expectError("SendTaskFailure: a closed task", "TaskTimedOut", "SendTaskFailure", { taskToken: t.taskToken });
  await expectError("SendTaskHeartbeat: a closed task", "TaskTimedOut", "SendTaskHeartbeat", {
    taskToken: t.taskToken,
  });
});

// ---------------------------------------------------------------- redrive

section("redrive", async () => {
  await expectError("RedriveExecution: a missing execution", "ExecutionDoesNotExist", "RedriveExecution", {
    executionArn: EXEC("sm-worker", "nope"),
  });
  await expectError("RedriveExecution: a malformed ARN", "InvalidArn", "RedriveExecution", { executionArn: "nope" });
  const sm = await workerSetup();
  const s = await must("StartExecution to redrive", "StartExecution", {
    stateMachineArn: sm,
    name: "act-redrive",
    input: json({ job: "J2" }),
  });
  const t1 = await pollTask("GetActivityTask: the first attempt's task", ACT_WORK, "worker-2");
  await must("SendTaskFailure", "SendTaskFailure", {
    taskToken: t1.taskToken,
    error: "Worker.Broken",
    cause: "disk full",
  });
  const failed = await waitDone("act-redrive fails", s.executionArn);
  check(
    "SendTaskFailure: the execution fails with the worker's error",
    failed.status === "FAILED" &&
      failed.error === "Worker.Broken" &&
      failed.cause === "disk full" &&
      failed.output === undefined,
    failed,
  );
  check(
    "DescribeExecution: a failed execution is redrivable",
    failed.redriveStatus === "REDRIVABLE" && (failed.redriveCount ?? 0) === 0,
    failed,
  );
  const h1 = await historyOf("GetExecutionHistory of a failed execution", s.executionArn);
  const af = h1.find((e) => e.type === "ActivityFailed")?.activityFailedEventDetails;
  check("SendTaskFailure: ActivityFailed details", af?.error === "Worker.Broken" && af?.cause === "disk full", af);
  check(
    "SendTaskFailure: history ends with ExecutionFailed",
    h1.at(-1)?.type === "ExecutionFailed" && h1.at(-1)?.executionFailedEventDetails?.error === "Worker.Broken",
    h1.at(-1),
  );

  const r = await must("RedriveExecution", "RedriveExecution", { executionArn: s.executionArn });
  check("RedriveExecution: redriveDate", isDate(r.redriveDate), r);
  // (the redrive may take a moment to show)
  const running =
    (await pollUntil(async () => {
      const x = await call("DescribeExecution", { executionArn: s.executionArn }).catch(() => undefined);
      return x?.status === "RUNNING" && x?.redriveCount === 1 ? x : undefined;
    }, 3000)) ??
    (await attempt("DescribeExecution of a redriven execution", "DescribeExecution", { executionArn: s.executionArn }));
  if (running)
    check(
      "RedriveExecution: RUNNING again, redriveCount 1",
      running?.status === "RUNNING" && running?.redriveCount === 1 && isDate(running?.redriveDate),
      running,
    );
  const t2 = await pollTask("GetActivityTask: the redriven task", ACT_WORK, "worker-2");
  check("RedriveExecution: the task gets the same input", sameJson(t2.input, { job: "J2", prepared: true }), t2.input);
  check("RedriveExecution: a new task token", t2.taskToken !== t1.taskToken);
  await must("SendTaskSuccess after the redrive", "SendTaskSuccess", {
    taskToken: t2.taskToken,
    output: json({ answer: "fixed" }),
  });
  const d = await waitDone("act-redrive succeeds", s.executionArn);
  check(
    "RedriveExecution: the execution then succeeds",
    d.status === "SUCCEEDED" && sameJson(d.output, { job: "J2", prepared: true, work: { answer: "fixed" } }),
    d,
  );
  check(
    "RedriveExecution: redriveCount 1, no longer redrivable",
    d.redriveCount === 1 && d.redriveStatus === "NOT_REDRIVABLE" && isDate(d.redriveDate),
    d,
  );
  check("RedriveExecution: same execution ARN", d.executionArn === s.executionArn, d);

  const h = await historyOf("GetExecutionHistory of a redriven execution", s.executionArn);
  const types = h.map((e) => e.type);
  checkHistoryShape("redriven history", h);
  const iFailed = types.indexOf("ExecutionFailed");
  const iRedriven = types.indexOf("ExecutionRedriven");
  check(
    "redriven history: ExecutionFailed, then ExecutionRedriven, once each",
    iFailed >= 0 &&
      iRedriven === iFailed + 1 &&
      types.filter((x) => x === "ExecutionRedriven").length === 1 &&
      types.filter((x) => x === "ExecutionFailed").length === 1,
    types,
  );
  check(
    "redriven history: ExecutionRedriven redriveCount",
    h[iRedriven]?.executionRedrivenEventDetails?.redriveCount === 1,
    h[iRedriven],
  );
  check(
    "redriven history: the successful Prep state is not run again",
    h.filter((e) => e.type === "PassStateEntered" && e.stateEnteredEventDetails?.name === "Prep").length === 1,
    types,
  );
  check(
    "redriven history: the activity scheduled twice",
    types.filter((x) => x === "ActivityScheduled").length === 2,
    types,
  );
  check("redriven history: ends with ExecutionSucceeded", types.at(-1) === "ExecutionSucceeded", types);

  const redriven = await attempt("ListExecutions: redriveFilter REDRIVEN", "ListExecutions", {
    stateMachineArn: sm,
    redriveFilter: "REDRIVEN",
  });
  if (redriven)
    check(
      "ListExecutions: redriveFilter REDRIVEN",
      isDeepStrictEqual(
        redriven?.executions?.map((e) => e.name),
        ["act-redrive"],
      ) && redriven.executions[0].redriveCount === 1,
      redriven?.executions,
    );
  const notRedriven = await attempt("ListExecutions: redriveFilter NOT_REDRIVEN", "ListExecutions", {
    stateMachineArn: sm,
    redriveFilter: "NOT_REDRIVEN",
  });
  if (notRedriven)
    check(
      "ListExecutions: redriveFilter NOT_REDRIVEN leaves it out",
      Array.isArray(notRedriven?.executions) && !notRedriven.executions.some((e) => e.name === "act-redrive"),
      notRedriven?.executions,
    );

  await expectError("RedriveExecution: a SUCCEEDED execution", "ExecutionNotRedrivable", "RedriveExecution", {
    executionArn: s.executionArn,
  });
});

// ---------------------------------------------------------------- tags

section("tags", async () => {
  const sm = SM("sm-tags");
  const sortTags = (t) => [...(t ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  await expectError("TagResource: a missing resource", "ResourceNotFound", "TagResource", {
    resourceArn: SM("sm-nope"),
    tags: [{ key: "a", value: "b" }],
  });
  await expectError("UntagResource: a missing resource", "ResourceNotFound", "UntagResource", {
    resourceArn: SM("sm-nope"),
    tagKeys: ["a"],
  });
  await expectError("ListTagsForResource: a missing resource", "ResourceNotFound", "ListTagsForResource", {
    resourceArn: ACT("act-nope"),
  });
  await expectError("TagResource: a malformed ARN", "InvalidArn", "TagResource", {
    resourceArn: "nope",
    tags: [{ key: "a", value: "b" }],
  });
  await must("CreateStateMachine with tags", "CreateStateMachine", {
    name: "sm-tags",
    definition: passDef({}),
    roleArn: ROLE,
    tags: [{ key: "team", value: "core" }],
  });
  const l0 = await attempt("ListTagsForResource", "ListTagsForResource", { resourceArn: sm });
  if (l0)
    check(
      "ListTagsForResource: the tags given at creation",
      isDeepStrictEqual(sortTags(l0?.tags), [{ key: "team", value: "core" }]),
      l0,
    );
  await attempt("TagResource", "TagResource", {
    resourceArn: sm,
    tags: [
      { key: "env", value: "test" },
      { key: "team", value: "platform" },
    ],
  });
  const l1 = await attempt("ListTagsForResource after TagResource", "ListTagsForResource", { resourceArn: sm });
  if (l1)
    check(
      "TagResource: adds a tag and overwrites a value",
      isDeepStrictEqual(sortTags(l1?.tags), [
        { key: "env", value: "test" },
        { key: "team", value: "platform" },
      ]),
      l1,
    );
  await attempt("UntagResource", "UntagResource", { resourceArn: sm, tagKeys: ["env", "not-there"] });
  const l2 = await attempt("ListTagsForResource after UntagResource", "ListTagsForResource", { resourceArn: sm });
  if (l2)
    check(
      "UntagResource: removes the key",
      isDeepStrictEqual(sortTags(l2?.tags), [{ key: "team", value: "platform" }]),
      l2,
    );

  const act = ACT("act-tags");
  await must("CreateActivity with tags", "CreateActivity", { name: "act-tags", tags: [{ key: "k", value: "v" }] });
  await attempt("CreateActivity again with other tags", "CreateActivity", {
    name: "act-tags",
    tags: [{ key: "k", value: "changed" }],
  });
  const la = await attempt("ListTagsForResource of an activity", "ListTagsForResource", { resourceArn: act });
  if (la)
    check(
      "ListTagsForResource: an activity's tags, unchanged by an idempotent create",
      isDeepStrictEqual(sortTags(la?.tags), [{ key: "k", value: "v" }]),
      la,
    );
});

// ---------------------------------------------------------------- validate, TestState

section("validate and test state", async () => {
  const good = passDef({ fine: true });
  const v = await attempt("ValidateStateMachineDefinition: a good definition", "ValidateStateMachineDefinition", {
    definition: good,
  });
  if (v)
    check(
      "ValidateStateMachineDefinition: OK, no diagnostics",
      v?.result === "OK" && Array.isArray(v?.diagnostics) && v.diagnostics.length === 0,
      v,
    );
  const bad = await attempt("ValidateStateMachineDefinition: a bad definition", "ValidateStateMachineDefinition", {
    definition: badDef,
  });
  if (bad)
    check(
      "ValidateStateMachineDefinition: FAIL with ERROR diagnostics",
      bad?.result === "FAIL" &&
        bad.diagnostics?.length > 0 &&
        bad.diagnostics.every(
          (d) => d.severity === "ERROR" && typeof d.code === "string" && typeof d.message === "string",
        ),
      bad,
    );
  const nj = await attempt("ValidateStateMachineDefinition: text that is not JSON", "ValidateStateMachineDefinition", {
    definition: "{nope",
  });
  if (nj) check("ValidateStateMachineDefinition: FAIL for text that is not JSON", nj?.result === "FAIL", nj);

  const state = json({
    Type: "Pass",
    Parameters: { "sum.$": "States.MathAdd($.a, $.b)", constant: "c" },
    ResultPath: "$.result",
    Next: "After",
  });
  const input = { a: 1, b: 2, keep: "x" };
  const expected = { a: 1, b: 2, keep: "x", result: { sum: 3, constant: "c" } };
  const t = await attempt("TestState: a Pass state at DEBUG", "TestState", {
    definition: state,
    roleArn: ROLE,
    input: json(input),
    inspectionLevel: "DEBUG",
  });
  if (t) {
    check("TestState: SUCCEEDED with the output", t.status === "SUCCEEDED" && sameJson(t.output, expected), t);
    check("TestState: nextState", t.nextState === "After", t);
    const i = t.inspectionData;
    check("TestState: inspectionData.input", sameJson(i?.input, input), i);
    check("TestState: inspectionData.afterInputPath", sameJson(i?.afterInputPath, input), i);
    check("TestState: inspectionData.afterParameters", sameJson(i?.afterParameters, { sum: 3, constant: "c" }), i);
    check("TestState: inspectionData.afterResultPath", sameJson(i?.afterResultPath, expected), i);
  }
  const ch = await attempt("TestState: a Choice state", "TestState", {
    roleArn: ROLE,
    input: json({ n: 42 }),
    definition: json({
      Type: "Choice",
      Choices: [{ Variable: "$.n", NumericGreaterThan: 10, Next: "Big" }],
      Default: "Small",
    }),
  });
  if (ch)
    check(
      "TestState: a Choice state chooses",
      ch?.status === "SUCCEEDED" && ch?.nextState === "Big" && sameJson(ch?.output, { n: 42 }),
      ch,
    );
  const f = await attempt("TestState: a Fail state", "TestState", {
    roleArn: ROLE,
    definition: json({ Type: "Fail", Error: "Custom.Error", Cause: "on purpose" }),
  });
  if (f)
    check(
      "TestState: a Fail state FAILED with its error and cause",
      f?.status === "FAILED" && f?.error === "Custom.Error" && f?.cause === "on purpose",
      f,
    );
  await expectError("TestState: a bad state definition", "InvalidDefinition", "TestState", {
    roleArn: ROLE,
    definition: json({ Type: "NoSuchType" }),
  });
  await expectError("TestState: input that is not JSON", "InvalidExecutionInput", "TestState", {
    roleArn: ROLE,
    definition: state,
    input: "{nope",
  });
});

// ---------------------------------------------------------------- map runs

section("map runs", async () => {
  // An inline Map is not a Distributed Map: it starts no Map Run.
  const r = await must("CreateStateMachine with an inline Map", "CreateStateMachine", {
    name: "sm-inline-map",
    roleArn: ROLE,
    definition: json({
      StartAt: "Each",
      States: {
        Each: {
          Type: "Map",
          ItemsPath: "$.items",
          ItemProcessor: {
            ProcessorConfig: { Mode: "INLINE" },
            StartAt: "Id",
            States: { Id: { Type: "Pass", End: true } },
          },
          End: true,
        },
      },
    }),
  });
  const s = await must("StartExecution with an inline Map", "StartExecution", {
    stateMachineArn: r.stateMachineArn,
    name: "map-1",
    input: json({ items: [1, 2, 3] }),
  });
  const d = await waitDone("map-1 finishes", s.executionArn);
  check("inline Map: output", d.status === "SUCCEEDED" && sameJson(d.output, [1, 2, 3]), d);
  const l = await attempt("ListMapRuns", "ListMapRuns", { executionArn: s.executionArn });
  if (l)
    check(
      "ListMapRuns: an execution without a Distributed Map has none",
      Array.isArray(l?.mapRuns) && l.mapRuns.length === 0 && !l.nextToken,
      l,
    );
  await expectError("ListMapRuns: a missing execution", "ExecutionDoesNotExist", "ListMapRuns", {
    executionArn: EXEC("sm-inline-map", "nope"),
  });
  await expectError("ListMapRuns: a malformed ARN", "InvalidArn", "ListMapRuns", { executionArn: "nope" });
  const fake = `arn:aws:states:${REGION}:${ACCOUNT}:mapRun:sm-inline-map/Each:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
  await expectError("DescribeMapRun: a Map Run that does not exist", "ResourceNotFound", "DescribeMapRun", {
    mapRunArn: fake,
  });
  await expectError("DescribeMapRun: a malformed ARN", "InvalidArn", "DescribeMapRun", { mapRunArn: "nope" });
  await expectError("UpdateMapRun: a Map Run that does not exist", "ResourceNotFound", "UpdateMapRun", {
    mapRunArn: fake,
    maxConcurrency: 5,
  });
  await expectError("UpdateMapRun: a malformed ARN", "InvalidArn", "UpdateMapRun", {
    mapRunArn: "nope",
    maxConcurrency: 5,
  });
});

// ---------------------------------------------------------------- run

for (const [name, fn] of sections) {
  try {
    await fn();
  } catch (e) {
    if (e instanceof Stop) {
      console.log(`  (${name}: the rest of the section did not run: ${e.message})`);
    } else {
      check(`${name}: the section threw`, false, e?.stack ?? String(e));
    }
  }
}

const missing = ACTIONS.filter((a) => !called.has(a));
check("every one of the 37 actions was called", missing.length === 0, `not called: ${missing.join(", ")}`);

sfn.destroy();
sfnSync.destroy();
const exit = await stopServer();
check("SIGTERM: stepd exits 0", exit && exit.code === 0, exit ?? "still running 5 s after SIGTERM");
cleanup();
finish();
