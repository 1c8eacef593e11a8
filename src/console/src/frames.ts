// Map iterations and Parallel branches, read from the history. Pure, like
// status.ts, so tests/console/graph_test.mjs checks it in Node.
//
// The console's history endpoint adds to each event `frame`: the engine's
// frame it was produced in (0: the execution itself; each Parallel branch
// and each Map iteration gets a fresh id, never reused within a run except
// when a redrive runs a failed one again). The tree is read from where a
// new frame's first event falls:
//
//   MapIterationStarted {name, index}   (in the parent frame P)
//   <first event of the iteration>      (in a new frame F: child `index` of P's Map `name`)
//
//   ParallelStateStarted                (in P, while in Parallel state S)
//   <first event of branch 0>           (in a new frame B)
//   branch i is frame B + i             (the engine numbers a Parallel's branches together)
import type { HistoryEvent } from "./api";

export type FrameStatus = "running" | "succeeded" | "failed" | "aborted";

export interface FrameInfo {
  id: number;
  parent: number; // the frame the Map / Parallel state ran in
  state: string; // the Map or Parallel state's name
  kind: "iteration" | "branch";
  index: number; // the item's index, or the branch number (0-based)
  events: number[]; // indices into the history: its own events, its children's, and its MapIteration* events
  status: FrameStatus;
  input?: string; // JSON text: the input of its first state
  output?: string; // JSON text: the output of its last state, once it succeeded
  definition?: Json; // what it runs: {StartAt, States} of the branch or item processor
  firstMs?: number; // epoch ms of its first and last event
  lastMs?: number;
}

export interface FrameTree {
  frames: Map<number, FrameInfo>; // without frame 0
  byState: Map<string, FrameInfo[]>; // a Map / Parallel state's children, in the order they started
}

type Json = Record<string, any>;

// What a frame runs: the {StartAt, States} of the Parallel branch or Map
// item processor `index` of state `state` in the scope `states`.
function childScope(states: Json | undefined, state: string, kind: FrameInfo["kind"], index: number): Json | undefined {
  const s = states?.[state];
  const body = kind === "branch" ? s?.Branches?.[index] : s?.ItemProcessor ?? s?.Iterator;
  return body ? { StartAt: body.StartAt, States: body.States } : undefined;
}

// Every state name in a definition (nested ones too).
export function statesIn(definition: Json | undefined): Set<string> {
  const out = new Set<string>();
  const walk = (states: Json | undefined) => {
    for (const [name, s] of Object.entries<Json>(states ?? {})) {
      out.add(name);
      for (const b of s?.Branches ?? []) walk(b?.States);
      walk((s?.ItemProcessor ?? s?.Iterator)?.States);
    }
  };
  walk(definition?.States);
  return out;
}

const details = (e: HistoryEvent | undefined): Json | undefined => {
  if (!e) return undefined;
  for (const k in e) if (k.endsWith("EventDetails")) return e[k] as Json;
  return undefined;
};

const FAIL = /^(Task|Activity|LambdaFunction)(Failed|TimedOut|StartFailed|SubmitFailed|ScheduleFailed)$|^(Map|Parallel)StateFailed$|^FailStateEntered$/;
const ABORT = /Aborted$/;
const ENDS = /StateExited$|^SucceedStateEntered$/;

// `definition`: the run's (parsed); `executionOpen`: the run is still going
// (else an unfinished frame is over too).
export function frameTree(events: HistoryEvent[], definition: Json | undefined, executionOpen = true): FrameTree {
  const frames = new Map<number, FrameInfo>();
  const current = new Map<number, string>(); // frame -> the state it is in (last StateEntered)
  const ranges: { base: number; n: number; parent: number; state: string }[] = [];
  const iterationOf = new Map<string, FrameInfo>(); // "parent/state/index" -> latest frame

  const add = (f: FrameInfo | undefined, i: number) => {
    for (let x = f; x; x = frames.get(x.parent)) x.events.push(i);
  };

  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const f = typeof e.frame === "number" ? e.frame : 0;
    const d = details(e);
    if (f !== 0 && !frames.has(f)) {
      const prev = events[i - 1];
      const pf = typeof prev?.frame === "number" ? prev.frame : 0;
      let info: FrameInfo | undefined;
      const make = (parent: number, state: string, kind: FrameInfo["kind"], index: number): FrameInfo => ({
        id: f, parent, state, kind, index, events: [], status: "running",
        definition: childScope(parent ? frames.get(parent)?.definition?.States : definition?.States, state, kind, index),
      });
      if (prev?.type === "MapIterationStarted") {
        const pd = details(prev)!;
        info = make(pf, String(pd.name), "iteration", Number(pd.index));
        iterationOf.set(`${pf}/${pd.name}/${pd.index}`, info);
        info.events.push(i - 1); // its MapIterationStarted (its parent has it already)
      } else if (prev?.type === "ParallelStateStarted") {
        const state = current.get(pf) ?? "?";
        const scope = pf ? frames.get(pf)?.definition?.States : definition?.States;
        ranges.push({ base: f, n: Math.max(1, scope?.[state]?.Branches?.length ?? 1), parent: pf, state });
      }
      if (!info) {
        const r = ranges.find((r) => f >= r.base && f < r.base + r.n);
        if (r) info = make(r.parent, r.state, "branch", f - r.base);
      }
      if (!info) info = make(pf, "?", "branch", 0); // (an engine this module does not know yet)
      frames.set(f, info);
    }
    const mine = frames.get(f);
    if (mine) {
      add(mine, i);
      const ms = Math.round(e.timestamp * 1000);
      mine.firstMs ??= ms;
      mine.lastMs = ms;
      if (mine.input === undefined && typeof d?.input === "string") mine.input = d.input;
      if (ENDS.test(e.type) && typeof d?.output === "string") mine.output = d.output;
      else if (e.type === "SucceedStateEntered" && typeof d?.input === "string") mine.output = d.input;
      // Its own last event says where it is; MapIteration* events are
      // about its children. (A state exited is followed at once by the
      // next one's entry, if any: an exit last means the frame is done.)
      if (/^MapIteration/.test(e.type)) {
        // (settled below)
      } else if (ENDS.test(e.type)) mine.status = "succeeded";
      else if (FAIL.test(e.type)) mine.status = "failed";
      else if (ABORT.test(e.type)) mine.status = "aborted";
      else mine.status = "running"; // entered, scheduled again (a retry), redriven
    }
    if (e.type.endsWith("StateEntered") && typeof d?.name === "string") current.set(f, d.name);
    // A Map's word on an iteration settles it.
    if (/^MapIteration(Succeeded|Failed|Aborted)$/.test(e.type) && d) {
      const it = iterationOf.get(`${f}/${d.name}/${d.index}`);
      if (it) {
        it.status = e.type === "MapIterationSucceeded" ? "succeeded" : e.type === "MapIterationFailed" ? "failed" : "aborted";
        it.events.push(i);
      }
    }
    if (e.type === "MapIterationStarted" && d) {
      // Started again (a redrive) in a frame already known: it shows there too.
      const it = iterationOf.get(`${f}/${d.name}/${d.index}`);
      const next = events[i + 1];
      if (it && next && next.frame === it.id) it.events.push(i);
    }
  }
  const byState = new Map<string, FrameInfo[]>();
  for (const info of frames.values()) {
    if (info.status === "running" && !executionOpen) info.status = "aborted";
    if (info.status !== "succeeded") info.output = undefined;
    let list = byState.get(info.state);
    if (!list) byState.set(info.state, (list = []));
    list.push(info);
  }
  return { frames, byState };
}

// True when frame `f` is `scope` or runs inside it (0: everything).
export function within(tree: FrameTree, f: number, scope: number): boolean {
  if (scope === 0) return true;
  for (let x: number | undefined = f; x !== undefined && x !== 0; x = tree.frames.get(x)?.parent) if (x === scope) return true;
  return false;
}

// From the top to `scope`: the frames one opens to get there.
export function pathTo(tree: FrameTree, scope: number): FrameInfo[] {
  const out: FrameInfo[] = [];
  for (let x = tree.frames.get(scope); x; x = tree.frames.get(x.parent)) out.unshift(x);
  return out;
}

export const frameLabel = (f: Pick<FrameInfo, "kind" | "index" | "state">) =>
  f.kind === "iteration" ? `${f.state} · iteration ${f.index}` : `${f.state} · branch ${f.index + 1}`;
