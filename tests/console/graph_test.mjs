// The console's graph module (src/console/src/graph.ts) against definitions:
// its node set must be exactly the definition's states (containers for
// Parallel branches and Map item processors included) and its edge set
// exactly the transitions (Next, Choice rules and Default, Catch), nested
// Parallel and Map included. The expectations are written out by hand.
// Then status.ts: what each state became, read from a history.
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
process.exit(failures ? 1 : 0);
