// The state machines, and the activities.
import { useEffect } from "preact/hooks";
import { api } from "./api";
import { useLoad } from "./hooks";
import { href, Panel, when } from "./ui";

export function MachinesPage() {
  const { data, error } = useLoad(api.machines, []);
  return (
    <Panel title="State machines" actions={<a class="button primary" href="#/new">Create state machine</a>}>
      {error && <p class="error">{error}</p>}
      {data && data.length === 0 && <p class="muted">No state machine yet: create one.</p>}
      {data && data.length > 0 && (
        <table class="list" data-testid="machines">
          <thead>
            <tr><th>Name</th><th>Type</th><th>Created</th><th>Versions</th><th>Aliases</th></tr>
          </thead>
          <tbody>
            {data.map((m) => (
              <tr>
                <td><a href={href("machines", m.arn)}>{m.name}</a></td>
                <td>{m.type}</td>
                <td>{when(m.createdMs)}</td>
                <td>{m.versionCount}</td>
                <td>{m.aliasCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

// Activities with their queues now: tasks pending (scheduled, not handed
// out) and running, the HTTP long polls waiting, and the remote workers
// connected (stepd serve --worker-port). Refreshed every second.
export function ActivitiesPage() {
  const { data, error, reload } = useLoad(api.activities, []);
  useEffect(() => {
    const t = setInterval(reload, 1000);
    return () => clearInterval(t);
  }, []);
  const list = data?.activities;
  const workers = data?.workers;
  const nameOf = new Map((list ?? []).map((a) => [a.arn, a.name]));
  return (
    <>
      <Panel title="Activities" actions={<span class="muted small">live · every second</span>}>
        {error && <p class="error">{error}</p>}
        {data?.liveError && <p class="error">The runtime did not answer: {data.liveError}</p>}
        {list && list.length === 0 && <p class="muted">No activity yet (CreateActivity makes one).</p>}
        {list && list.length > 0 && (
          <table class="list" data-testid="activities">
            <thead>
              <tr><th>Name</th><th>Created</th><th class="num">Pending</th><th class="num">Running</th><th>HTTP pollers</th><th>Remote workers</th><th>ARN</th></tr>
            </thead>
            <tbody>
              {list.map((a) => (
                <tr data-activity={a.name}>
                  <td><b>{a.name}</b></td>
                  <td>{when(a.createdMs)}</td>
                  <td class={`num${a.pending ? " hot" : ""}`} data-testid="pending">{a.pending ?? "—"}</td>
                  <td class="num" data-testid="running">{a.running ?? "—"}</td>
                  <td data-testid="pollers"><Names names={a.pollers} /></td>
                  <td data-testid="workers"><Names names={a.workers} /></td>
                  <td><code class="small">{a.arn}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      {workers && (
        <Panel title={`Remote workers (${workers.length})`}>
          {workers.length === 0 ? (
            <p class="muted">None connected. Workers connect to <code>stepd serve --worker-port</code> (see the README, "Remote workers").</p>
          ) : (
            <table class="list" data-testid="remote-workers">
              <thead><tr><th>Name</th><th>Activities</th><th class="num">Concurrency</th><th class="num">Tasks held</th><th>Connection</th></tr></thead>
              <tbody>
                {workers.map((w) => (
                  <tr data-worker={w.name}>
                    <td><b>{w.name}</b></td>
                    <td>{w.activities.map((arn) => nameOf.get(arn) ?? arn).join(", ")}</td>
                    <td class="num">{w.concurrency}</td>
                    <td class={`num${w.held ? " hot" : ""}`} data-testid="held">{w.held}</td>
                    <td>{w.connected ? <span class="pill">connected</span> : <span class="pill lost">lost</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
      )}
    </>
  );
}

// Worker names, repeated ones counted ("w1 ×3").
function Names({ names }: { names?: string[] }) {
  if (!names) return <>—</>;
  if (names.length === 0) return <span class="muted">none</span>;
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return (
    <span class="pollers">
      {[...counts].map(([n, k]) => <span class="pill">{n}{k > 1 ? ` ×${k}` : ""}</span>)}
    </span>
  );
}
