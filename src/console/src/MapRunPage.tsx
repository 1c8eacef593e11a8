// One Map Run (a Distributed Map's run of child executions): its status,
// settings, progress (items done, failed, running, pending), throughput and
// child executions. Polled every second while it runs; each child is an
// execution, opened in its own page.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type ExecutionSummary, type MapRun, type MapRunCounts, type MapRunDetail } from "./api";
import { useLoad } from "./hooks";
import { addSample, average, executionName, finished, mapRunLabel, parts, perSecond, rate, remaining, WINDOW_MS, type Sample } from "./progress";
import { Badge, duration, href, Panel, when } from "./ui";

const CHILDREN = 25; // children per page
const STATUSES = ["", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];

export function MapRunPage({ arn }: { arn: string }) {
  const [run, setRun] = useState<MapRunDetail>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0); // one per answered poll
  const [gen, setGen] = useState(0); // bump to poll again after it ended (Refresh)
  const samples = useRef<Sample[]>([]);

  // Poll while it runs; one request at a time, a second after the last answer.
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () =>
      api.mapRun(arn, CHILDREN).then(
        (r) => {
          if (!live) return;
          samples.current = addSample(samples.current, { ms: Date.now(), done: finished(r.itemCounts) });
          setRun(r);
          setError(undefined);
          setTick((t) => t + 1);
          if (r.status === "RUNNING") timer = setTimeout(poll, 1000);
        },
        (e) => {
          if (!live) return;
          setError(`${e.type ?? "Error"}: ${e.message}`);
          if (e.type !== "ResourceNotFound") timer = setTimeout(poll, 2000);
        },
      );
    poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [arn, gen]);

  if (!run) return error ? <p class="error">{error}</p> : <p class="muted">loading…</p>;
  const running = run.status === "RUNNING";
  const end = run.stopMs ?? Date.now(); // re-rendered by each poll while running
  return (
    <>
      <Panel
        title={`Map Run ${mapRunLabel(run.arn)}`}
        actions={
          <>
            {running ? <span class="muted small" data-testid="polling">live · every second</span> : <button onClick={() => setGen((g) => g + 1)}>Refresh</button>}
            <a class="button" href={href("executions", run.executionArn)} data-testid="parent">Execution</a>
          </>
        }
      >
        {error && <p class="error">{error}</p>}
        <dl class="facts">
          <dt>Status</dt><dd data-testid="maprun-status"><Badge status={run.status} /></dd>
          <dt>Execution</dt><dd><a href={href("executions", run.executionArn)}>{executionName(run.executionArn)}</a></dd>
          <dt>Redrives</dt><dd>{run.redriveCount}{run.redriveMs ? ` (last ${when(run.redriveMs)})` : ""}</dd>
          <dt>Started</dt><dd>{when(run.startMs)}</dd>
          <dt>Ended</dt><dd>{run.stopMs ? when(run.stopMs) : "—"}</dd>
          <dt>Duration</dt><dd>{duration(end - run.startMs)}</dd>
          <dt>Max concurrency</dt><dd data-testid="max-concurrency">{run.maxConcurrency || "no limit"}</dd>
          <dt>Tolerated failures</dt><dd data-testid="tolerated">{tolerated(run)}</dd>
          <dt>ARN</dt><dd><code class="small">{run.arn}</code></dd>
        </dl>
      </Panel>
      <Progress run={run} samples={samples.current} end={end} />
      <Children arn={run.arn} run={run} tick={tick} />
    </>
  );
}

function tolerated(run: MapRun): string {
  const { toleratedFailureCount: n, toleratedFailurePercentage: pct } = run;
  if (!n && !pct) return "none";
  return [n ? `${n} item${n === 1 ? "" : "s"}` : "", pct ? `${pct}%` : ""].filter(Boolean).join(" or ");
}

// The progress bar and counts (of items, and of child executions, which
// differ when items are batched), and the throughput.
function Progress({ run, samples, end }: { run: MapRun; samples: Sample[]; end: number }) {
  const c = run.itemCounts;
  const done = finished(c);
  const now = run.status === "RUNNING" ? rate(samples) : undefined;
  const avg = average(c, run.startMs, end);
  const eta = remaining(c, now);
  return (
    <Panel title="Progress">
      <div class="progress-head">
        <span data-testid="done"><b>{done}</b> of <b>{c.total}</b> items done{c.total ? ` (${Math.floor((100 * done) / c.total)}%)` : ""}</span>
        <span class="muted">
          {c.failed + c.timedOut + c.aborted > 0 && <>{c.failed + c.timedOut + c.aborted} unsuccessful · </>}
          {c.running} running · {c.pending} pending
        </span>
      </div>
      <ProgressBar counts={c} big />
      <div class="throughput" data-testid="throughput">
        <div>
          <div class="muted small">now (last {WINDOW_MS / 1000} s)</div>
          <b data-testid="throughput-now">{run.status !== "RUNNING" ? "ended" : now === undefined ? "measuring…" : `${perSecond(now)} items/s`}</b>
        </div>
        <div>
          <div class="muted small">average since the start</div>
          <b data-testid="throughput-average">{perSecond(avg)} items/s</b>
        </div>
        <div>
          <div class="muted small">{run.status === "RUNNING" ? "time left at this rate" : "took"}</div>
          <b>{run.status === "RUNNING" ? (eta === undefined ? "—" : `~${duration(eta * 1000)}`) : duration(end - run.startMs)}</b>
        </div>
      </div>
      <table class="list compact counts" data-testid="counts">
        <thead>
          <tr><th></th>{COLUMNS.map(([, label]) => <th class="num">{label}</th>)}</tr>
        </thead>
        <tbody>
          <CountsRow name="Items" kind="items" counts={c} />
          <CountsRow name="Child executions" kind="executions" counts={run.executionCounts} />
        </tbody>
      </table>
    </Panel>
  );
}

const COLUMNS: [keyof MapRunCounts, string][] = [
  ["pending", "Pending"], ["running", "Running"], ["succeeded", "Succeeded"], ["failed", "Failed"],
  ["timedOut", "Timed out"], ["aborted", "Aborted"], ["total", "Total"], ["resultsWritten", "Results written"],
];

function CountsRow({ name, kind, counts }: { name: string; kind: string; counts: MapRunCounts }) {
  return (
    <tr>
      <td>{name}</td>
      {COLUMNS.map(([k]) => (
        <td class={`num${k === "running" && counts.running ? " hot" : ""}`} data-testid={`${kind}-${k}`}>{counts[k]}</td>
      ))}
    </tr>
  );
}

// Succeeded, failed, timed out, aborted, running, then pending: one bar.
export function ProgressBar({ counts, big }: { counts: MapRunCounts; big?: boolean }) {
  return (
    <div class={`progress${big ? " big" : ""}`} data-testid="progress">
      {parts(counts).map((p) => (
        <span class={`p-${p.part}`} style={{ width: `${p.percent}%` }} title={`${p.count} ${p.part}`} />
      ))}
    </div>
  );
}

// The child executions, newest first: the first page comes with each poll
// (so it is live); a status filter or "Load more" reads pages of their own.
function Children({ arn, run, tick }: { arn: string; run: MapRunDetail; tick: number }) {
  const [status, setStatus] = useState("");
  const [pages, setPages] = useState<string[]>([]); // next tokens of the pages loaded beyond the first
  // The first page when pages beyond it were loaded: kept, so they follow on.
  const [kept, setKept] = useState<{ executions: ExecutionSummary[]; next?: string }>();
  const filtered = useLoad(
    () => (status ? api.mapRunExecutions(arn, status) : Promise.resolve(undefined)),
    [arn, status, status && !kept && run.status === "RUNNING" ? tick : 0],
  );
  const more = useLoad(() => Promise.all(pages.map((t) => api.mapRunExecutions(arn, status, t))), [pages]);
  const first = kept ?? (status ? filtered.data : { executions: run.children, next: run.childrenNext });
  const all = [...(first?.executions ?? []), ...(pages.length ? (more.data ?? []).flatMap((p) => p.executions) : [])];
  const next = pages.length ? more.data?.[more.data.length - 1]?.next : first?.next;
  const total = run.executionCounts.total;
  return (
    <Panel
      title={`Child executions (${total})`}
      actions={
        <select value={status} onChange={(e) => (setStatus((e.target as HTMLSelectElement).value), setPages([]), setKept(undefined))} data-testid="children-status">
          {STATUSES.map((s) => <option value={s}>{s || "All statuses"}</option>)}
        </select>
      }
    >
      {filtered.error && <p class="error">{filtered.error}</p>}
      {status && !first ? (
        <p class="muted">loading…</p>
      ) : all.length === 0 ? (
        <p class="muted">
          {status ? `No child execution with status ${status}.` : total ? "Its children are EXPRESS executions: they keep no record." : "No child execution yet."}
        </p>
      ) : (
        <table class="list compact" data-testid="map-run-children">
          <thead><tr><th>Name</th><th>Status</th><th>Started</th><th>Duration</th></tr></thead>
          <tbody>
            {all.map((x) => (
              <tr data-child={x.name}>
                <td><a href={href("executions", x.arn)} data-testid="child-link"><code>{x.name}</code></a></td>
                <td><Badge status={x.status} /></td>
                <td>{when(x.startMs)}</td>
                <td>{x.stopMs ? duration(x.stopMs - x.startMs) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button onClick={() => (setKept(first), setPages([...pages, next]))} data-testid="children-more">
          Load more
        </button>
      )}
    </Panel>
  );
}
