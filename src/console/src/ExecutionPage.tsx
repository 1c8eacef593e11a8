// One execution: status and timing, input and output, the graph coloured
// per state (live, from the server's event feed), the history, and the
// replay debugger: a cursor over the events that shows the graph and the
// folded state (data, variables, pending work) as they were at that event.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, type Execution, type FoldedState, type HistoryEvent } from "./api";
import { GraphView } from "./GraphView";
import { HistoryTable } from "./HistoryTable";
import { useLayout } from "./hooks";
import { firstFailure, picture, stateNames } from "./status";
import { Badge, duration, href, Json, Panel, when } from "./ui";

export function ExecutionPage({ arn }: { arn: string }) {
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
  const placed = useLayout(exec?.definition);
  const failure = useMemo(() => firstFailure(events), [events]);
  const status = pic.execution !== "RUNNING" || !exec ? (cursor === null && exec ? exec.status : pic.execution) : "RUNNING";

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
            <a class="button" href={href("machines", exec.stateMachineArn)}>State machine</a>
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

      <div class="exec-grid">
        <Panel title={cursor === null ? "Graph (live)" : `Graph at event ${events[at - 1]?.id ?? 0}`}>
          <Legend />
          <GraphView layout={placed} statuses={pic.states} current={cursor === null ? undefined : pic.current} onSelect={setSelectedState} />
        </Panel>
        <Replay
          arn={arn}
          events={events}
          names={names}
          cursor={cursor}
          setCursor={setCursor}
          failure={failure}
          status={status}
        />
      </div>

      {selectedState && <StateDetails name={selectedState} events={events.slice(0, at)} names={names} onClose={() => setSelectedState(undefined)} />}

      <div class="io-grid">
        <Panel title="Input"><Json text={exec.input} /></Panel>
        <Panel title={exec.error ? "Error" : "Output"}>
          {exec.output !== undefined ? <Json text={exec.output} /> : exec.error ? <Json value={{ error: exec.error, cause: exec.cause }} /> : <p class="muted">not yet</p>}
        </Panel>
      </div>

      <HistoryPanel events={events} names={names} cursor={cursor} setCursor={setCursor} t0={t0} />
    </>
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
}

// The debugger: slider and step buttons; the folded state at the cursor
// comes from the server (GET .../state?at=ID), computed by engine::fold.
function Replay({ arn, events, names, cursor, setCursor, failure, status }: ReplayProps) {
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
                    <b>{f.state ?? "(between states)"}</b> <span class="muted">frame {f.frame}{f.parent !== undefined ? ` · child ${f.index} of frame ${f.parent}` : ""} · {f.phase}{f.retryCount ? ` · retry ${f.retryCount}` : ""}</span>
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

// Per state: its last input, output and errors, from the events so far.
function StateDetails({ name, events, names, onClose }: { name: string; events: HistoryEvent[]; names: Map<number, string>; onClose: () => void }) {
  const mine = events.filter((e) => names.get(e.id) === name);
  const entered = [...mine].reverse().find((e) => e.type.endsWith("StateEntered"));
  const exited = [...mine].reverse().find((e) => e.type.endsWith("StateExited"));
  const failures = mine.filter((e) => /Failed|TimedOut/.test(e.type));
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
    </Panel>
  );
}

function HistoryPanel({ events, names, cursor, setCursor, t0 }: { events: HistoryEvent[]; names: Map<number, string>; cursor: number | null; setCursor: (c: number | null) => void; t0?: number }) {
  const [open, setOpen] = useState<number>();
  const shown = open ?? (cursor !== null ? cursor - 1 : undefined);
  const e = shown !== undefined ? events[shown] : undefined;
  return (
    <Panel title={`History (${events.length} events)`}>
      <div class="history-grid">
        <HistoryTable
          events={events}
          names={names}
          selected={cursor !== null ? cursor - 1 : open}
          onSelect={(i) => {
            setOpen(i);
            setCursor(i + 1);
          }}
        />
        <div class="event-details" data-testid="event-details">
          {e ? (
            <>
              <div>
                <b>#{e.id}</b> <code>{e.type}</code> <span class="muted">+{Math.round((e.timestamp - (t0 ?? e.timestamp)) * 1000)} ms · after #{e.previousEventId}</span>
              </div>
              <Json value={Object.fromEntries(Object.entries(e).filter(([k]) => !["id", "type", "timestamp", "previousEventId"].includes(k)))} />
            </>
          ) : (
            <p class="muted">Select an event to see its details.</p>
          )}
        </div>
      </div>
    </Panel>
  );
}
