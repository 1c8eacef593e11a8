// What became of each state, read from history events (live, or the first
// N events in the replay debugger). Pure, like graph.ts.
//
// A state's events are found by following previousEventId back to its
// StateEntered: Task/Activity/Lambda events carry no state name.
//
//   none ──Entered──> running ──Exited──> succeeded | retried (after a retry) | caught (exited on a failure)
//                        │
//                     failure ──> failed ──scheduled again──> retried (running again)

import type { HistoryEvent } from "./api";

export type StateStatus = "none" | "running" | "succeeded" | "failed" | "caught" | "retried";

export interface RunPicture {
  states: Map<string, StateStatus>; // by state name
  execution: string; // RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
  current?: string; // the state of the last event, if any
}

const FAILURE = /^(Task|Activity|LambdaFunction)(Failed|TimedOut|StartFailed|SubmitFailed|ScheduleFailed)$|^(Map|Parallel)StateFailed$|^(Task|Wait|Map|Parallel)StateAborted$/;
const SCHEDULED = /^(TaskScheduled|ActivityScheduled|LambdaFunctionScheduled)$/;
const CLOSED: Record<string, string> = {
  ExecutionSucceeded: "SUCCEEDED",
  ExecutionFailed: "FAILED",
  ExecutionTimedOut: "TIMED_OUT",
  ExecutionAborted: "ABORTED",
};

interface Track {
  exited: boolean;
  failed: boolean; // the last outcome was a failure
  retried: boolean;
}

// The name of the state an event belongs to, from its details or its chain.
export function stateNames(events: HistoryEvent[]): Map<number, string> {
  const names = new Map<number, string>();
  // A Parallel's or Map's closing event (Succeeded, Failed, Aborted) chains
  // to its last branch's event: it belongs to the innermost one still open.
  const open: string[] = [];
  for (const e of events) {
    // State events name their state, and so do Map iteration events (the
    // Map's name); the rest follow their chain back.
    const key = Object.keys(e).find((k) => k.endsWith("EventDetails"));
    const d = (key ? e[key] : undefined) as { name?: unknown } | undefined;
    let name = typeof d?.name === "string" ? d.name : names.get(e.previousEventId);
    if (/^(Parallel|Map)State(Succeeded|Failed|Aborted)$/.test(e.type) && open.length) name = open[open.length - 1];
    if (/^(Parallel|Map)StateEntered$/.test(e.type) && name !== undefined) open.push(name);
    if (/^(Parallel|Map)StateExited$/.test(e.type)) open.pop();
    if (name !== undefined) names.set(e.id, name);
  }
  return names;
}

// `execution`: the run's status before these events (an iteration's or a
// branch's events hold no Execution* event: the caller says how the run is).
export function picture(events: HistoryEvent[], upTo = events.length, names = stateNames(events), execution = "RUNNING"): RunPicture {
  const track = new Map<string, Track>();
  let current: string | undefined;
  for (let i = 0; i < upTo && i < events.length; i++) {
    const e = events[i];
    const name = names.get(e.id);
    if (name !== undefined) current = name;
    if (e.type in CLOSED) execution = CLOSED[e.type];
    if (e.type === "ExecutionRedriven") {
      execution = "RUNNING";
      for (const t of track.values()) if (!t.exited) t.failed = false; // they run again
      continue;
    }
    if (name === undefined) continue;
    let t = track.get(name);
    if (e.type.endsWith("StateEntered")) {
      if (!t) track.set(name, (t = { exited: false, failed: false, retried: false }));
      t.exited = false;
      if (e.type === "FailStateEntered") t.failed = true;
    }
    if (!t) continue;
    if (e.type.endsWith("StateExited")) t.exited = true;
    else if (FAILURE.test(e.type)) t.failed = true;
    else if (SCHEDULED.test(e.type) && t.failed) {
      t.failed = false;
      t.retried = true;
    }
  }
  const states = new Map<string, StateStatus>();
  for (const [name, t] of track) {
    let s: StateStatus;
    if (t.exited) s = t.failed ? "caught" : t.retried ? "retried" : "succeeded";
    else if (t.failed) s = "failed"; // amber ("retried") once it is scheduled again
    else s = execution === "RUNNING" ? (t.retried ? "retried" : "running") : execution === "SUCCEEDED" ? "succeeded" : "failed";
    states.set(name, s);
  }
  return { states, execution, current };
}

// The index of the event where the run first went wrong (for "jump to failure").
export function firstFailure(events: HistoryEvent[]): number {
  const i = events.findIndex((e) => FAILURE.test(e.type) || e.type === "FailStateEntered");
  return i >= 0 ? i : events.findIndex((e) => e.type in CLOSED && e.type !== "ExecutionSucceeded");
}
