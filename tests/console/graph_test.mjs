// The console's graph module (src/console/src/graph.ts) against definitions:
// its node set must be exactly the definition's states (containers for
// Parallel branches and Map item processors included) and its edge set
// exactly the transitions (Next, Choice rules and Default, Catch), nested
// Parallel and Map included. The expectations are written out by hand.
// Then status.ts: what each state became, read from a history; and
// frames.ts: Map iterations and Parallel branches, read from histories
// shaped as stepd's console history endpoint returns them (with `frame`).
// Last progress.ts: a Map Run's progress bar and its throughput, from
// DescribeMapRun's counts polled again and again.
//
// Usage: node graph_test.mjs   (exit 0 when all pass)
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const consoleDir = join(here, "../../src/console");

// The modules are TypeScript: strip their types with the compiler Vite uses.
async function loadModule(name) {
  const require = createRequire(join(consoleDir, "package.json"));
  const vite = await import(pathToFileURL(require.resolve("vite")).href);
  const file = join(consoleDir, `src/${name}.ts`);
  const { code } = await vite.transformWithOxc(readFileSync(file, "utf8"), file);
  const dir = mkdtempSync(join(tmpdir(), "stepd-graph-"));
  writeFileSync(join(dir, `${name}.mjs`), code);
  try {
    return await import(pathToFileURL(join(dir, `${name}.mjs`)).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const { buildGraph } = await loadModule("graph");
const { picture, stateNames } = await loadModule("status");
const { frameTree, within, pathTo, frameLabel } = await loadModule("frames");
const progress = await loadModule("progress");

const cases = [
  {
    name: "a chain with a Choice (rules and Default), a Catch, Succeed and Fail",
    definition: {
      StartAt: "Get",
      States: {
        Get: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Next: "Route", Catch: [{ ErrorEquals: ["States.ALL"], Next: "Oops" }] },
        Route: {
          Type: "Choice",
          Choices: [
            { Variable: "$.n", NumericGreaterThan: 10, Next: "Big" },
            { Variable: "$.ok", BooleanEquals: true, Next: "Done" },
          ],
          Default: "Oops",
        },
        Big: { Type: "Wait", Seconds: 1, Next: "Done" },
        Done: { Type: "Succeed" },
        Oops: { Type: "Fail", Error: "E" },
      },
    },
    nodes: ["Task Get", "Choice Route", "Wait Big", "Succeed Done", "Fail Oops"],
    edges: ["Get next Route", "Get catch Oops", "Route choice Big", "Route choice Done", "Route default Oops", "Big next Done"],
  },
  {
    name: "a Parallel whose branch holds a Map whose processor holds a Parallel",
    definition: {
      StartAt: "Fan",
      States: {
        Fan: {
          Type: "Parallel",
          Next: "After",
          Catch: [{ ErrorEquals: ["States.TaskFailed"], Next: "Recover" }],
          Branches: [
            { StartAt: "A1", States: { A1: { Type: "Pass", Next: "A2" }, A2: { Type: "Pass", End: true } } },
            {
              StartAt: "Each",
              States: {
                Each: {
                  Type: "Map",
                  End: true,
                  ItemProcessor: {
                    ProcessorConfig: { Mode: "INLINE" },
                    StartAt: "Inner",
                    States: {
                      Inner: {
                        Type: "Parallel",
                        Next: "Check",
                        Branches: [{ StartAt: "X", States: { X: { Type: "Pass", End: true } } }],
                      },
                      Check: { Type: "Choice", Choices: [{ Variable: "$.x", IsPresent: true, Next: "Keep" }], Default: "Drop" },
                      Keep: { Type: "Succeed" },
                      Drop: { Type: "Fail" },
                    },
                  },
                },
              },
            },
          ],
        },
        Recover: { Type: "Pass", Next: "After" },
        After: { Type: "Succeed" },
      },
    },
    nodes: [
      "Parallel Fan", "Group Fan/0", "Pass Fan/0/A1", "Pass Fan/0/A2", "Group Fan/1", "Map Fan/1/Each",
      "Group Fan/1/Each/items", "Parallel Fan/1/Each/items/Inner", "Group Fan/1/Each/items/Inner/0",
      "Pass Fan/1/Each/items/Inner/0/X", "Choice Fan/1/Each/items/Check", "Succeed Fan/1/Each/items/Keep",
      "Fail Fan/1/Each/items/Drop", "Pass Recover", "Succeed After",
    ],
    edges: [
      "Fan next After", "Fan catch Recover", "Recover next After", "Fan/0/A1 next Fan/0/A2",
      "Fan/1/Each/items/Inner next Fan/1/Each/items/Check", "Fan/1/Each/items/Check choice Fan/1/Each/items/Keep",
      "Fan/1/Each/items/Check default Fan/1/Each/items/Drop",
    ],
  },
  {
    name: "a Map with the older Iterator, a state name repeated in two scopes",
    definition: {
      StartAt: "Loop",
      States: {
        Loop: { Type: "Map", Iterator: { StartAt: "Step", States: { Step: { Type: "Wait", Seconds: 1, Next: "Last" }, Last: { Type: "Pass", End: true } } }, Next: "Step" },
        Step: { Type: "Pass", End: true },
      },
    },
    nodes: ["Map Loop", "Group Loop/items", "Wait Loop/items/Step", "Pass Loop/items/Last", "Pass Step"],
    edges: ["Loop next Step", "Loop/items/Step next Loop/items/Last"],
  },
];

let failures = 0;
const same = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
for (const c of cases) {
  const g = buildGraph(c.definition);
  const nodes = g.nodes.map((n) => `${n.type} ${n.id}`);
  const edges = g.edges.map((e) => `${e.from} ${e.kind} ${e.to}`);
  const ids = new Set(g.nodes.map((n) => n.id));
  const dangling = g.edges.filter((e) => !ids.has(e.from) || !ids.has(e.to));
  const ok = same(nodes, c.nodes) && same(edges, c.edges) && dangling.length === 0 && g.startAt === c.definition.StartAt;
  console.log(`${ok ? "ok  " : "FAIL"} ${c.name}`);
  if (!ok) {
    failures++;
    console.log("  nodes:", JSON.stringify(nodes), "\n  want: ", JSON.stringify(c.nodes));
    console.log("  edges:", JSON.stringify(edges), "\n  want: ", JSON.stringify(c.edges));
  }
}
// Labels the graph shows: the Default is labelled, a Catch names its errors.
const g = buildGraph(cases[0].definition);
const label = (from, kind) => g.edges.find((e) => e.from === from && e.kind === kind)?.label;
if (label("Route", "default") !== "Default" || label("Get", "catch") !== "States.ALL" || label("Route", "choice") !== "$.n > 10") {
  failures++;
  console.log("FAIL edge labels:", JSON.stringify(g.edges));
} else console.log("ok   edge labels: Default, Catch errors, Choice rules");

// status.ts: what each state became, from a history. Task events carry no
// state name (found through previousEventId), a Parallel's closing events
// chain to its branches' (they belong to the Parallel).
let id = 0;
const ev = (type, prev, details) => ({ id: ++id, previousEventId: prev, timestamp: 0, type, ...details });
const entered = (type, name, prev) => ev(`${type}StateEntered`, prev, { stateEnteredEventDetails: { name } });
const exited = (type, name, prev) => ev(`${type}StateExited`, prev, { stateExitedEventDetails: { name } });
const h = [];
const add = (e) => (h.push(e), e.id);
let p = add(ev("ExecutionStarted", 0, {}));
p = add(entered("Task", "Call", 0));
p = add(ev("TaskScheduled", p, {}));
p = add(ev("TaskFailed", p, {}));
p = add(ev("TaskScheduled", p, {})); // a retry
const retrying = h.length;
p = add(ev("TaskSucceeded", p, {}));
p = add(exited("Task", "Call", p));
p = add(entered("Parallel", "Fan", p));
p = add(ev("ParallelStateStarted", p, {}));
let b = add(entered("Pass", "Left", p));
b = add(exited("Pass", "Left", b));
let f = add(entered("Fail", "Boom", p));
p = add(ev("ParallelStateFailed", f, {}));
p = add(exited("Parallel", "Fan", p)); // caught
p = add(entered("Pass", "Handler", p));
const running = h.length;
p = add(exited("Pass", "Handler", p));
add(ev("ExecutionSucceeded", p, {}));

const names = stateNames(h);
const want = (label, got, expected) => {
  const ok = JSON.stringify(got) === JSON.stringify(expected);
  if (!ok) failures++;
  console.log(`${ok ? "ok  " : "FAIL"} ${label}${ok ? "" : `: ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`}`);
};
want("task events belong to their state", [names.get(3), names.get(4), names.get(6)], ["Call", "Call", "Call"]);
want("a Parallel's failure belongs to the Parallel", names.get(h.find((e) => e.type === "ParallelStateFailed").id), "Fan");
const end = picture(h);
want("statuses at the end", Object.fromEntries(end.states), {
  Call: "retried", Fan: "caught", Left: "succeeded", Boom: "failed", Handler: "succeeded",
});
want("the execution's status", end.execution, "SUCCEEDED");
const mid = picture(h, retrying);
want("during a retry", [mid.states.get("Call"), mid.states.has("Fan"), mid.execution], ["retried", false, "RUNNING"]);
const later = picture(h, running);
want("a state in progress", [later.states.get("Handler"), later.current], ["running", "Handler"]);

// ---------------------------------------------------------------- frames.ts
// Histories as `stepd serve` records them (ids, frames, types, names,
// indices, payloads), written out by hand.
function history(rows) {
  return rows.map(([id, frame, type, name, index, payload]) => {
    const e = { id, previousEventId: id - 1, timestamp: 1700000000 + id / 1000, type, frame };
    const d = {};
    if (name !== undefined) d.name = name;
    if (index !== undefined) d.index = index;
    if (payload !== undefined) d[/Exited$/.test(type) ? "output" : "input"] = payload;
    if (Object.keys(d).length) e[type.charAt(0).toLowerCase() + type.slice(1) + "EventDetails"] = d;
    return e;
  });
}
const fanout = {
  StartAt: "Fan",
  States: {
    Fan: {
      Type: "Parallel",
      End: true,
      Branches: [
        { StartAt: "Each", States: { Each: { Type: "Map", End: true, ItemProcessor: { StartAt: "Check", States: { Check: { Type: "Pass", End: true } } } } } },
        { StartAt: "Side", States: { Side: { Type: "Pass", End: true } } },
      ],
    },
  },
};
{
  const h = history([
    [1, 0, "ExecutionStarted"],
    [2, 0, "ParallelStateEntered", "Fan", undefined, '{"items":[1,2]}'],
    [3, 0, "ParallelStateStarted"],
    [4, 1, "MapStateEntered", "Each", undefined, '{"items":[1,2]}'],
    [5, 1, "MapStateStarted"],
    [6, 1, "MapIterationStarted", "Each", 0],
    [7, 3, "PassStateEntered", "Check", undefined, "1"],
    [8, 3, "PassStateExited", "Check", undefined, '"one"'],
    [9, 1, "MapIterationSucceeded", "Each", 0],
    [10, 1, "MapIterationStarted", "Each", 1],
    [11, 4, "PassStateEntered", "Check", undefined, "2"],
    [12, 4, "PassStateExited", "Check", undefined, '"two"'],
    [13, 1, "MapIterationSucceeded", "Each", 1],
    [14, 1, "MapStateSucceeded"],
    [15, 1, "MapStateExited", "Each", undefined, '["one","two"]'],
    [16, 2, "PassStateEntered", "Side", undefined, '{"items":[1,2]}'],
    [17, 2, "PassStateExited", "Side", undefined, '{"side":1}'],
    [18, 0, "ParallelStateSucceeded"],
    [19, 0, "ParallelStateExited", "Fan"],
    [20, 0, "ExecutionSucceeded"],
  ]);
  const t = frameTree(h, fanout, false);
  const shape = (id) => {
    const f = t.frames.get(id);
    return f && [f.parent, f.state, f.kind, f.index, f.status];
  };
  want("Parallel branches: frames 1 and 2", [shape(1), shape(2)], [[0, "Fan", "branch", 0, "succeeded"], [0, "Fan", "branch", 1, "succeeded"]]);
  want("Map iterations: frames 3 and 4 inside branch 1", [shape(3), shape(4)], [[1, "Each", "iteration", 0, "succeeded"], [1, "Each", "iteration", 1, "succeeded"]]);
  want("an iteration's events: its MapIteration* events and its own", t.frames.get(4).events.map((i) => h[i].id), [10, 11, 12, 13]);
  want("a branch's events include its iterations'", t.frames.get(1).events.map((i) => h[i].id), [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  want("an iteration's input and output", [t.frames.get(4).input, t.frames.get(4).output], ["2", '"two"']);
  want("children by state", [t.byState.get("Each").map((f) => f.id), t.byState.get("Fan").map((f) => f.id)], [[3, 4], [1, 2]]);
  want("within", [within(t, 4, 1), within(t, 4, 2), within(t, 2, 0), within(t, 1, 4)], [true, false, true, false]);
  want("the path to an iteration", pathTo(t, 4).map(frameLabel), ["Fan · branch 1", "Each · iteration 1"]);
  want("an item processor's definition", t.frames.get(3).definition, { StartAt: "Check", States: { Check: { Type: "Pass", End: true } } });
  want("a branch's definition", t.frames.get(2).definition, { StartAt: "Side", States: { Side: { Type: "Pass", End: true } } });
  // The same run cut after event 11: iteration 1 runs, branch 2 has not started.
  const cut = frameTree(h.slice(0, 11), fanout, true);
  want("while it runs", [cut.frames.get(4).status, cut.frames.get(1).status, cut.frames.has(2)], ["running", "running", false]);
}
{
  // A Parallel in a Parallel's first branch: the inner one's branches are numbered after the outer's.
  const nested = {
    StartAt: "Outer",
    States: {
      Outer: {
        Type: "Parallel",
        End: true,
        Branches: [
          { StartAt: "Inner", States: { Inner: { Type: "Parallel", End: true, Branches: [{ StartAt: "A", States: { A: { Type: "Pass", End: true } } }, { StartAt: "B", States: { B: { Type: "Pass", End: true } } }] } } },
          { StartAt: "C", States: { C: { Type: "Pass", End: true } } },
        ],
      },
    },
  };
  const h = history([
    [1, 0, "ExecutionStarted"], [2, 0, "ParallelStateEntered", "Outer"], [3, 0, "ParallelStateStarted"],
    [4, 1, "ParallelStateEntered", "Inner"], [5, 1, "ParallelStateStarted"],
    [6, 3, "PassStateEntered", "A"], [7, 3, "PassStateExited", "A"], [8, 4, "PassStateEntered", "B"], [9, 4, "PassStateExited", "B"],
    [10, 1, "ParallelStateSucceeded"], [11, 1, "ParallelStateExited", "Inner"],
    [12, 2, "PassStateEntered", "C"], [13, 2, "PassStateExited", "C"],
    [14, 0, "ParallelStateSucceeded"], [15, 0, "ParallelStateExited", "Outer"], [16, 0, "ExecutionSucceeded"],
  ]);
  const t = frameTree(h, nested, false);
  want("nested Parallels", [1, 2, 3, 4].map((id) => { const f = t.frames.get(id); return `${f.parent}:${frameLabel(f)}:${f.status}`; }),
    ["0:Outer · branch 1:succeeded", "0:Outer · branch 2:succeeded", "1:Inner · branch 1:succeeded", "1:Inner · branch 2:succeeded"]);
}
{
  // A Map whose iteration 1 fails (a Fail state): the Map fails, its Catch goes on.
  const h = history([
    [1, 0, "ExecutionStarted"], [2, 0, "MapStateEntered", "M"], [3, 0, "MapStateStarted"],
    [4, 0, "MapIterationStarted", "M", 0], [5, 1, "PassStateEntered", "Ok", undefined, "0"], [6, 1, "PassStateExited", "Ok", undefined, "0"],
    [7, 0, "MapIterationSucceeded", "M", 0],
    [8, 0, "MapIterationStarted", "M", 1], [9, 2, "FailStateEntered", "Boom", undefined, "1"],
    [10, 0, "MapIterationFailed", "M", 1], [11, 0, "MapStateFailed"], [12, 0, "MapStateExited", "M"],
    [13, 0, "PassStateEntered", "Caught"], [14, 0, "PassStateExited", "Caught"], [15, 0, "ExecutionSucceeded"],
  ]);
  const t = frameTree(h, undefined, false);
  want("a failed iteration", [t.frames.get(1).status, t.frames.get(2).status, t.frames.get(2).output, t.frames.get(2).input], ["succeeded", "failed", undefined, "1"]);
}
{
  // A Map Run's progress: 30 items, 12 succeeded, 1 failed, 5 running.
  const c = { pending: 12, running: 5, succeeded: 12, failed: 1, timedOut: 0, aborted: 0, total: 30, resultsWritten: 0 };
  want("items finished", progress.finished(c), 13);
  want("the progress bar's parts", progress.parts(c).map((p) => `${p.part} ${p.count} ${p.percent.toFixed(1)}`),
    ["succeeded 12 40.0", "failed 1 3.3", "running 5 16.7", "pending 12 40.0"]);
  want("no parts for an empty Map Run", progress.parts({ ...c, pending: 0, running: 0, succeeded: 0, failed: 0, total: 0 }), []);
  // Polls a second apart: 0, 5, 10, 15 done; the window (5 s) holds them all.
  let s = [];
  for (const [ms, done] of [[1000, 0], [2000, 5], [3000, 10], [4000, 15]]) s = progress.addSample(s, { ms, done });
  want("throughput over the window", progress.rate(s), 5);
  want("undefined from one sample", progress.rate(s.slice(0, 1)), undefined);
  // Later polls: the window forgets the old ones (and the rate follows the new pace).
  for (const [ms, done] of [[9000, 20], [10000, 22], [11000, 24]]) s = progress.addSample(s, { ms, done });
  want("the window keeps the last 5 s", s.map((x) => x.ms), [9000, 10000, 11000]);
  want("throughput at the new pace", progress.rate(s), 2);
  want("a redrive (fewer done) starts afresh", progress.addSample(s, { ms: 12000, done: 3 }), [{ ms: 12000, done: 3 }]);
  want("average since the start", progress.average(c, 0, 2000), 6.5);
  want("time left at 13/2 s", progress.remaining(c, 6.5), 17 / 6.5);
  want("no time left without progress", progress.remaining(c, 0), undefined);
  want("rates as shown", [0.5, 12.345, 250.4].map(progress.perSecond), ["0.50", "12.3", "250"]);
  want("a Map Run ARN's label", progress.mapRunLabel("arn:aws:states:us-east-1:123456789012:mapRun:m/Batch:0a1b2c3d-0001-0002"), "Batch");
  want("an execution ARN's name", progress.executionName("arn:aws:states:us-east-1:123456789012:execution:m:run-1"), "run-1");
}
process.exit(failures ? 1 : 0);
