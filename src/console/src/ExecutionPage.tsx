// One execution: status and timing, input and output, the graph coloured
// per state (live, from the server's event feed), the history, and the
// replay debugger: a cursor over the events that shows the graph and the
// folded state (data, variables, pending work) as they were at that event.
//
// A Map iteration or a Parallel branch opens in the same page (its own
// route, #/executions/ARN/frames/N): the graph of its item processor or
// branch coloured by its events only, its history, input and output.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, type Execution, type FoldedState, type HistoryEvent, type MapRun } from "./api";
import { frameLabel, frameTree, pathTo, statesIn, within, type FrameInfo, type FrameTree } from "./frames";
import { GraphView } from "./GraphView";
import { HistoryTable } from "./HistoryTable";
import { useLayout } from "./hooks";
import { ProgressBar } from "./MapRunPage";
import { finished, mapRunLabel } from "./progress";
import { firstFailure, picture, stateNames } from "./status";
import { Badge, duration, href, Json, Panel, when } from "./ui";

// The number of entries of a sorted array below `x`.
function below(sorted: number[], x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const FRAME_BADGE: Record<string, string> = { running: "RUNNING", succeeded: "SUCCEEDED", failed: "FAILED", aborted: "ABORTED" };

export function ExecutionPage({ arn, frame = 0 }: { arn: string; frame?: number }) {
  const [exec, setExec] = useState<Execution>();
  const [events, setEvents] = useState<HistoryEvent[]>([]);
  const [error, setError] = useState<string>();
  const [cursor, setCursor] = useState<number | null>(null); // an event index; null: follow the latest
  const [selectedState, setSelectedState] = useState<string>();
  const [feedGen, setFeedGen] = useState(0); // bump to reopen the feed (after a redrive)
  const lastId = useRef(0);

  const loadExec = () => api.execution(arn).then(setExec, (e) => setError(e.message));
  useEffect(() => {
    lastId.current = 0;
    setEvents([]);
    setCursor(null);
    loadExec();
  }, [arn]);

  // History so far, then the live feed from there; the feed ends (and is
  // closed, or EventSource would reconnect) when the execution closes.
  useEffect(() => {
    let es: EventSource | undefined;
    let live = true;
    let buffer: HistoryEvent[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const add = buffer;
      buffer = [];
      setEvents((old) => old.concat(add));
    };
    const take = (e: HistoryEvent) => {
      if (e.id <= lastId.current) return;
      lastId.current = e.id;
      buffer.push(e);
      if (!frame) frame = requestAnimationFrame(flush);
    };
    api.history(arn, lastId.current).then((h) => {
      if (!live) return;
      h.forEach(take);
      es = new EventSource(api.feedUrl(arn, lastId.current));
      es.onmessage = (m) => take(JSON.parse(m.data));
      es.addEventListener("end", () => {
        es?.close();
        loadExec();
      });
    }, (e) => setError(e.message));
    return () => {
      live = false;
      es?.close();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [arn, feedGen]);

  const names = useMemo(() => stateNames(events), [events]);
  const at = cursor ?? events.length; // events shown: [0, at)
  const pic = useMemo(() => picture(events, at, names), [events, at, names]);
  const definition = useMemo(() => {
    try {
      return exec?.definition ? JSON.parse(exec.definition) : undefined;
    } catch {
      return undefined;
    }
  }, [exec?.definition]);
  const tree = useMemo(() => frameTree(events, definition, exec?.status === "RUNNING"), [events, definition, exec?.status]);
  // The frame opened (0: the whole execution), once the history names it.
  const scope = tree.frames.has(frame) ? frame : 0;
  const info = tree.frames.get(scope);
  // (the same text for every iteration of a Map: laid out once)
  const sub = useMemo(() => (info ? JSON.stringify(info.definition ?? null) : undefined), [info?.definition]);
  const placed = useLayout(exec?.definition);
  const placedSub = useLayout(sub);
  const inSub = useMemo(() => statesIn(sub ? JSON.parse(sub) ?? undefined : undefined), [sub]);
  const rows = info?.events; // history indices in scope; undefined: all
  const scopedEvents = useMemo(() => (rows ? rows.map((i) => events[i]) : events), [rows, events, rows?.length]);
  const scopedAt = rows ? below(rows, at) : at;
  const scopedPic = useMemo(
    () => (rows ? picture(scopedEvents, scopedAt, names, pic.execution) : pic),
    [rows, scopedEvents, scopedAt, names, pic],
  );
  const failure = useMemo(() => firstFailure(events), [events]);
  const status = pic.execution !== "RUNNING" || !exec ? (cursor === null && exec ? exec.status : pic.execution) : "RUNNING";
  const link = (f: number) => (f ? href("executions", arn, "frames", String(f)) : href("executions", arn));
  const open = (f: number) => (location.hash = link(f));

  if (error) return <p class="error">{error}</p>;
  if (!exec) return <p class="muted">loading…</p>;
  const t0 = events[0]?.timestamp;
  const end = exec.stopMs ?? Date.now(); // re-rendered by each new event while running
  const act = (f: () => Promise<unknown>) => f().then(loadExec, (e) => alert(`${e.type}: ${e.message}`));

  return (
    <>
      <Panel
        title={exec.name}
        actions={
          <>
            {exec.status === "RUNNING" && <button class="danger" onClick={() => act(() => api.stop(arn))} data-testid="stop">Stop</button>}
            {["FAILED", "TIMED_OUT", "ABORTED"].includes(exec.status) && (
              <button class="primary" data-testid="redrive" onClick={() => act(() => api.redrive(arn)).then(() => (setCursor(null), setFeedGen((g) => g + 1)))}>
                Redrive
              </button>
            )}
            {exec.mapRunArn ? (
              <a class="button" href={href("map-runs", exec.mapRunArn)} data-testid="map-run-link">Map Run</a>
            ) : (
              <a class="button" href={href("machines", exec.stateMachineArn)}>State machine</a>
            )}
          </>
        }
      >
        <dl class="facts">
          <dt>Status</dt><dd data-testid="exec-status"><Badge status={exec.status} /></dd>
          <dt>Started</dt><dd>{when(exec.startMs)}</dd>
          <dt>Ended</dt><dd>{exec.stopMs ? when(exec.stopMs) : "—"}</dd>
          <dt>Duration</dt><dd>{duration(end - exec.startMs)}</dd>
          <dt>Redrives</dt><dd>{exec.redriveCount}</dd>
          <dt>Events</dt><dd>{events.length}</dd>
          {exec.error && (<><dt>Error</dt><dd class="error-text"><b>{exec.error}</b> {exec.cause}</dd></>)}
        </dl>
      </Panel>

      <MapRuns arn={arn} events={events} names={names} status={exec.status} />

      <div class="exec-grid">
        <Panel title={(cursor === null ? "Graph (live)" : `Graph at event ${events[at - 1]?.id ?? 0}`) + (info ? ` · ${frameLabel(info)}` : "")}>
          <Scope tree={tree} scope={scope} open={open} link={link} />
          <Legend />
          {info ? (
            <GraphView key="sub" layout={placedSub} statuses={scopedPic.states} current={cursor === null ? undefined : scopedPic.current} onSelect={setSelectedState} />
          ) : (
            <GraphView key="top" layout={placed} statuses={pic.states} current={cursor === null ? undefined : pic.current} onSelect={setSelectedState} />
          )}
        </Panel>
        <Replay
          arn={arn}
          events={events}
          names={names}
          cursor={cursor}
          setCursor={setCursor}
          failure={failure}
          status={status}
          tree={tree}
          link={link}
        />
      </div>

      {selectedState && (
        <StateDetails
          name={selectedState}
          // A state of the iteration opened: as it ran in that iteration.
          events={inSub.has(selectedState) ? scopedEvents.slice(0, scopedAt) : events.slice(0, at)}
          names={names}
          childFrames={(tree.byState.get(selectedState) ?? []).filter((f) => !inSub.has(selectedState) || within(tree, f.parent, scope))}
          link={link}
          current={scope}
          onClose={() => setSelectedState(undefined)}
        />
      )}

      {info ? (
        <div class="io-grid" data-testid="io">
          <Panel title={`Input of ${frameLabel(info)}`}>
            {info.input !== undefined ? <Json text={info.input} /> : <p class="muted">not yet</p>}
          </Panel>
          <Panel title={`Output of ${frameLabel(info)}`}>
            <p data-testid="frame-status"><Badge status={FRAME_BADGE[info.status]} /> <span class="muted">{info.events.length} events{info.firstMs !== undefined ? ` · ${duration((info.lastMs ?? 0) - info.firstMs)}` : ""}</span></p>
            {info.output !== undefined ? <Json text={info.output} /> : <p class="muted">{info.status === "running" ? "not yet" : "none: it did not succeed"}</p>}
          </Panel>
        </div>
      ) : (
        <div class="io-grid" data-testid="io">
          <Panel title="Input"><Json text={exec.input} /></Panel>
          <Panel title={exec.error ? "Error" : "Output"}>
            {exec.output !== undefined ? <Json text={exec.output} /> : exec.error ? <Json value={{ error: exec.error, cause: exec.cause }} /> : <p class="muted">not yet</p>}
          </Panel>
        </div>
      )}

      <HistoryPanel events={events} rows={rows} label={info ? frameLabel(info) : undefined} names={names} cursor={cursor} setCursor={setCursor} t0={t0} />
    </>
  );
}

// Where the page is: the execution, or an iteration / branch in it (and
// the ones around it), with links back up and to its siblings.
function Scope({ tree, scope, open, link }: { tree: FrameTree; scope: number; open: (f: number) => void; link: (f: number) => string }) {
  if (!scope) return null;
  const path = pathTo(tree, scope);
  const me = path[path.length - 1];
  const siblings = (tree.byState.get(me.state) ?? []).filter((f) => f.parent === me.parent);
  const i = siblings.indexOf(me);
  return (
    <div class="scope" data-testid="scope">
      <a href={link(0)} data-testid="scope-top">Execution</a>
      {path.map((f) => (
        <>
          {" › "}
          {f === me ? <b>{frameLabel(f)}</b> : <a href={link(f.id)}>{frameLabel(f)}</a>}
        </>
      ))}
      <span class="scope-nav">
        <button disabled={i <= 0} onClick={() => open(siblings[i - 1].id)} title="The previous one" data-testid="scope-prev">◀</button>
        <span class="muted">{i + 1} of {siblings.length}</span>
        <button disabled={i < 0 || i + 1 >= siblings.length} onClick={() => open(siblings[i + 1].id)} title="The next one" data-testid="scope-next">▶</button>
      </span>
    </div>
  );
}

function Legend() {
  return (
    <div class="legend">
      {["none", "running", "succeeded", "failed", "caught", "retried"].map((s) => (
        <span class={`chip status-${s}`}>{s === "none" ? "not reached" : s === "running" ? "in progress" : s}</span>
      ))}
    </div>
  );
}

interface ReplayProps {
  arn: string;
  events: HistoryEvent[];
  names: Map<number, string>;
  cursor: number | null;
  setCursor: (c: number | null) => void;
  failure: number;
  status: string;
  tree: FrameTree;
  link: (f: number) => string;
}

// The debugger: slider and step buttons; the folded state at the cursor
// comes from the server (GET .../state?at=ID), computed by engine::fold.
function Replay({ arn, events, names, cursor, setCursor, failure, status, tree, link }: ReplayProps) {
  const n = events.length;
  const at = cursor ?? n;
  const ev = events[at - 1];
  const [folded, setFolded] = useState<FoldedState>();
  const [tab, setTab] = useState<"frames" | "pending" | "raw">("frames");
  useEffect(() => {
    if (!ev) return;
    let live = true;
    const t = setTimeout(() => api.state(arn, ev.id).then((s) => live && setFolded(s), () => {}), cursor === null ? 150 : 80);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [arn, ev?.id]);
  const go = (i: number) => setCursor(Math.min(n, Math.max(1, i)));
  return (
    <Panel title="Replay debugger">
      <div class="replay-controls">
        <button onClick={() => go(1)} title="First event" data-testid="first">«</button>
        <button onClick={() => go(at - 1)} title="Previous event" data-testid="prev">◀</button>
        <button onClick={() => go(at + 1)} title="Next event" data-testid="next">▶</button>
        <button onClick={() => go(n)} title="Last event">»</button>
        <button class={cursor === null ? "on" : ""} onClick={() => setCursor(null)} title="Follow the run">Live</button>
        {failure >= 0 && (
          <button class="danger" onClick={() => go(failure + 1)} data-testid="jump-failure">Jump to failure</button>
        )}
      </div>
      <input type="range" min={1} max={Math.max(1, n)} value={at} onInput={(e) => go(Number((e.target as HTMLInputElement).value))} class="slider" data-testid="slider" />
      <p class="replay-where" data-testid="replay-where">
        {ev ? (
          <>
            Event <b>{ev.id}</b> of {events[n - 1]?.id}: <code>{ev.type}</code>
            {names.get(ev.id) && <> in <b data-testid="replay-state">{names.get(ev.id)}</b></>} · <Badge status={status} />
          </>
        ) : "no events yet"}
      </p>
      {folded && (
        <div class="folded" data-testid="folded">
          <div class="tabs">
            <button class={tab === "frames" ? "on" : ""} onClick={() => setTab("frames")}>Running states ({folded.state.frames.length})</button>
            <button class={tab === "pending" ? "on" : ""} onClick={() => setTab("pending")}>Pending work ({folded.state.pending.length})</button>
            <button class={tab === "raw" ? "on" : ""} onClick={() => setTab("raw")}>Raw</button>
          </div>
          {tab === "frames" &&
            (folded.state.frames.length === 0 ? (
              <p class="muted">Nothing running: the execution is {folded.state.status}.</p>
            ) : (
              folded.state.frames.map((f) => (
                <div class="frame">
                  <div>
                    <b>{f.state ?? "(between states)"}</b>{" "}
                    <span class="muted">
                      {tree.frames.get(f.frame) ? (
                        <a href={link(f.frame)} data-testid="frame-link">{frameLabel(tree.frames.get(f.frame)!)}</a>
                      ) : (
                        `frame ${f.frame}`
                      )}
                      {f.parent !== undefined && !tree.frames.get(f.frame) ? ` · child ${f.index} of frame ${f.parent}` : ""} · {f.phase}{f.retryCount ? ` · retry ${f.retryCount}` : ""}
                    </span>
                  </div>
                  <div class="muted small">input</div>
                  <Json value={f.input} />
                  {f.variables !== undefined && (<><div class="muted small">variables</div><Json value={f.variables} /></>)}
                </div>
              ))
            ))}
          {tab === "pending" && (folded.state.pending.length === 0 ? <p class="muted">Waiting on nothing.</p> : <Json value={folded.state.pending} />)}
          {tab === "raw" && <Json value={folded.state} />}
        </div>
      )}
    </Panel>
  );
}

// The Map Run an event names (MapRunStarted, MapRunRedriven), if any.
function mapRunOf(e: HistoryEvent): string | undefined {
  const d = (e.mapRunStartedEventDetails ?? e.mapRunRedrivenEventDetails) as { mapRunArn?: unknown } | undefined;
  return typeof d?.mapRunArn === "string" ? d.mapRunArn : undefined;
}

// The execution's Map Runs (Distributed Map states), once its history has
// started one: their progress, polled every second while one runs.
function MapRuns({ arn, events, names, status }: { arn: string; events: HistoryEvent[]; names: Map<number, string>; status: string }) {
  const started = useMemo(() => events.filter((e) => e.type === "MapRunStarted" || e.type === "MapRunRedriven"), [events]);
  const [runs, setRuns] = useState<MapRun[]>();
  useEffect(() => {
    if (!started.length) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () =>
      api.mapRuns(arn).then(
        (r) => {
          if (!live) return;
          setRuns(r);
          if (r.some((x) => x.status === "RUNNING")) timer = setTimeout(poll, 1000);
        },
        () => live && (timer = setTimeout(poll, 2000)),
      );
    poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [arn, started.length, status]);
  if (!started.length || !runs?.length) return null;
  const stateOf = new Map(started.map((e) => [mapRunOf(e), names.get(e.id)]));
  return (
    <Panel title={`Map Runs (${runs.length})`}>
      <table class="list compact" data-testid="map-runs">
        <thead><tr><th>State</th><th>Map Run</th><th>Status</th><th class="progress-cell">Progress</th><th class="num">Done</th><th class="num">Failed</th><th class="num">Running</th><th>Started</th><th>Duration</th></tr></thead>
        <tbody>
          {runs.map((r) => {
            const c = r.itemCounts;
            return (
              <tr data-map-run={r.arn}>
                <td>{stateOf.get(r.arn) ?? "—"}</td>
                <td><a href={href("map-runs", r.arn)} data-testid="open-map-run">{mapRunLabel(r.arn)}</a></td>
                <td><Badge status={r.status} /></td>
                <td class="progress-cell"><ProgressBar counts={c} /></td>
                <td class="num" data-testid="map-run-done">{finished(c)} / {c.total}</td>
                <td class="num">{c.failed + c.timedOut + c.aborted}</td>
                <td class="num">{c.running}</td>
                <td>{when(r.startMs)}</td>
                <td>{duration((r.stopMs ?? Date.now()) - r.startMs)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Panel>
  );
}

// Per state: its last input, output and errors, from the events so far.
interface StateDetailsProps {
  name: string;
  events: HistoryEvent[];
  names: Map<number, string>;
  childFrames: FrameInfo[]; // a Map's iterations or a Parallel's branches (in the scope shown)
  link: (f: number) => string;
  current: number; // the frame opened
  onClose: () => void;
}

function StateDetails({ name, events, names, childFrames, link, current, onClose }: StateDetailsProps) {
  const mine = events.filter((e) => names.get(e.id) === name);
  const entered = [...mine].reverse().find((e) => e.type.endsWith("StateEntered"));
  const exited = [...mine].reverse().find((e) => e.type.endsWith("StateExited"));
  const failures = mine.filter((e) => /Failed|TimedOut/.test(e.type));
  const runs = [...new Set(mine.filter((e) => e.type === "MapRunStarted").map((e) => mapRunOf(e)).filter((a): a is string => !!a))];
  const d = (e: HistoryEvent | undefined) => (e ? (Object.entries(e).find(([k]) => k.endsWith("EventDetails"))?.[1] as any) : undefined);
  return (
    <Panel title={`State ${name}`} actions={<button onClick={onClose}>Close</button>}>
      {!entered && <p class="muted">Not reached (at this point of the run).</p>}
      <div class="io-grid">
        {entered && <div><div class="muted small">input</div><Json text={d(entered)?.input} /></div>}
        {exited && <div><div class="muted small">output</div><Json text={d(exited)?.output} /></div>}
      </div>
      {failures.length > 0 && (
        <>
          <div class="muted small">errors ({failures.length})</div>
          <Json value={failures.map((e) => ({ id: e.id, type: e.type, ...d(e) }))} />
        </>
      )}
      {runs.length > 0 && (
        <p data-testid="state-map-runs">
          {runs.map((r) => (
            <a class="button" href={href("map-runs", r)}>Map Run {mapRunLabel(r)} ›</a>
          ))}
        </p>
      )}
      {childFrames.length > 0 && <Children list={childFrames} link={link} current={current} />}
    </Panel>
  );
}

// A Map's iterations / a Parallel's branches: a page of them at a time,
// filtered by status; each opens in the page.
function Children({ list, link, current }: { list: FrameInfo[]; link: (f: number) => string; current: number }) {
  const PAGE = 25;
  const [filter, setFilter] = useState("");
  const [from, setFrom] = useState(() => {
    const i = list.findIndex((f) => f.id === current); // the page holding the one opened
    return i >= 0 ? i - (i % PAGE) : 0;
  });
  const kind = list[0].kind === "iteration" ? "Iterations" : "Branches";
  const shown = filter ? list.filter((f) => f.status === filter) : list;
  const counts = new Map<string, number>();
  for (const f of list) counts.set(f.status, (counts.get(f.status) ?? 0) + 1);
  const start = Math.min(from, Math.max(0, shown.length - 1) - (Math.max(0, shown.length - 1) % PAGE));
  return (
    <div class="children" data-testid="children">
      <div class="children-head">
        <b>{kind} ({list.length})</b>
        <select value={filter} onChange={(e) => (setFilter((e.target as HTMLSelectElement).value), setFrom(0))} data-testid="children-filter">
          <option value="">all</option>
          {[...counts].map(([s, n]) => <option value={s}>{s} ({n})</option>)}
        </select>
        {shown.length > PAGE && (
          <span class="muted">
            <button disabled={start === 0} onClick={() => setFrom(Math.max(0, start - PAGE))}>◀</button> {start + 1}–{Math.min(shown.length, start + PAGE)} of {shown.length}{" "}
            <button disabled={start + PAGE >= shown.length} onClick={() => setFrom(start + PAGE)}>▶</button>
          </span>
        )}
      </div>
      <table class="list compact">
        <thead><tr><th>{list[0].kind === "iteration" ? "Index" : "Branch"}</th><th>Status</th><th>Events</th><th>Duration</th><th></th></tr></thead>
        <tbody>
          {shown.slice(start, start + PAGE).map((f) => (
            <tr data-frame={f.id} class={f.id === current ? "selected" : ""}>
              <td>{f.kind === "iteration" ? f.index : f.index + 1}</td>
              <td><Badge status={FRAME_BADGE[f.status]} /></td>
              <td>{f.events.length}</td>
              <td>{f.firstMs !== undefined ? duration((f.lastMs ?? 0) - f.firstMs) : "—"}</td>
              <td><a href={link(f.id)} data-testid="open-frame">Open</a></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface HistoryPanelProps {
  events: HistoryEvent[];
  rows?: number[]; // the indices shown (an iteration's); undefined: all
  label?: string;
  names: Map<number, string>;
  cursor: number | null;
  setCursor: (c: number | null) => void;
  t0?: number;
}

function HistoryPanel({ events, rows, label, names, cursor, setCursor, t0 }: HistoryPanelProps) {
  const [open, setOpen] = useState<number>();
  const shown = open ?? (cursor !== null ? cursor - 1 : undefined);
  const e = shown !== undefined ? events[shown] : undefined;
  const list = useMemo(() => (rows ? rows.map((i) => events[i]) : events), [rows, rows?.length, events]);
  // The table works in its own rows; the cursor and `open` in the history's.
  const selectedAll = cursor !== null ? cursor - 1 : open;
  let selected = selectedAll;
  if (rows && selectedAll !== undefined) {
    const k = below(rows, selectedAll);
    selected = rows[k] === selectedAll ? k : undefined;
  }
  return (
    <Panel title={label ? `History of ${label} (${list.length} of ${events.length} events)` : `History (${events.length} events)`}>
      <div class="history-grid">
        <HistoryTable
          events={list}
          t0={t0}
          names={names}
          selected={selected}
          onSelect={(i) => {
            const g = rows ? rows[i] : i;
            setOpen(g);
            setCursor(g + 1);
          }}
        />
        <div class="event-details" data-testid="event-details">
          {e ? (
            <>
              <div>
                <b>#{e.id}</b> <code>{e.type}</code> <span class="muted">+{Math.round((e.timestamp - (t0 ?? e.timestamp)) * 1000)} ms · after #{e.previousEventId}{e.frame ? ` · frame ${e.frame}` : ""}</span>
                {mapRunOf(e) && <> · <a href={href("map-runs", mapRunOf(e)!)} data-testid="event-map-run">Open the Map Run</a></>}
              </div>
              <Json value={Object.fromEntries(Object.entries(e).filter(([k]) => !["id", "type", "timestamp", "previousEventId", "frame"].includes(k)))} />
            </>
          ) : (
            <p class="muted">Select an event to see its details.</p>
          )}
        </div>
      </div>
    </Panel>
  );
}
