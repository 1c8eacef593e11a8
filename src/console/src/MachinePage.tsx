// One state machine: its graph, definition, versions and aliases, a form
// to start an execution, and its executions (newest first, by status).
import { useState } from "preact/hooks";
import { api, type ExecutionSummary } from "./api";
import { GraphView } from "./GraphView";
import { useLayout, useLoad } from "./hooks";
import { Badge, duration, href, Json, Panel, when } from "./ui";

const STATUSES = ["", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];

export function MachinePage({ arn }: { arn: string }) {
  const { data: m, error } = useLoad(() => api.machine(arn), [arn]);
  const placed = useLayout(m?.definition);
  const [tab, setTab] = useState<"graph" | "definition">("graph");
  if (error) return <p class="error">{error}</p>;
  if (!m) return <p class="muted">loading…</p>;
  return (
    <>
      <Panel
        title={m.name}
        actions={<a class="button" href={href("machines", arn, "edit")}>Edit definition</a>}
      >
        <dl class="facts">
          <dt>ARN</dt><dd><code>{m.arn}</code></dd>
          <dt>Type</dt><dd>{m.type}</dd>
          <dt>Created</dt><dd>{when(m.createdMs)}</dd>
          {m.updatedMs && (<><dt>Updated</dt><dd>{when(m.updatedMs)}</dd></>)}
          <dt>Versions</dt><dd>{m.versions.length ? m.versions.map((v) => `#${v.version}`).join(", ") : "none"}</dd>
          <dt>Aliases</dt>
          <dd>{m.aliases.length ? m.aliases.map((a) => `${a.name} → ${a.routing.map((r) => `#${r.versionArn.split(":").pop()} ${r.weight}%`).join(", ")}`).join("; ") : "none"}</dd>
        </dl>
        <div class="tabs">
          <button class={tab === "graph" ? "on" : ""} onClick={() => setTab("graph")}>Graph</button>
          <button class={tab === "definition" ? "on" : ""} onClick={() => setTab("definition")}>Definition</button>
        </div>
        {tab === "graph" ? <GraphView layout={placed} /> : <div class="definition"><Json text={m.definition} /></div>}
      </Panel>
      <StartForm arn={arn} />
      <Executions arn={arn} />
    </>
  );
}

function StartForm({ arn }: { arn: string }) {
  const [input, setInput] = useState("{}");
  const [name, setName] = useState("");
  const [error, setError] = useState<string>();
  const start = async () => {
    setError(undefined);
    try {
      const r = await api.start(arn, input, name || undefined);
      location.hash = href("executions", r.executionArn);
    } catch (e: any) {
      setError(`${e.type}: ${e.message}`);
    }
  };
  return (
    <Panel title="Start an execution" actions={<button class="primary" onClick={start} data-testid="start">Start execution</button>}>
      <div class="form-row">
        <label>
          Name <input value={name} placeholder="(a fresh UUID)" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      <label class="block">
        Input (JSON)
        <textarea class="input-json" rows={4} value={input} onInput={(e) => setInput((e.target as HTMLTextAreaElement).value)} data-testid="input" />
      </label>
      {error && <p class="error">{error}</p>}
    </Panel>
  );
}

function Executions({ arn }: { arn: string }) {
  const [status, setStatus] = useState("");
  const [pages, setPages] = useState<string[]>([]); // next tokens of the pages loaded beyond the first
  const first = useLoad(() => api.executions(arn, status), [arn, status]);
  const more = useLoad(() => Promise.all(pages.map((t) => api.executions(arn, status, t))), [pages]);
  const all: ExecutionSummary[] = [...(first.data?.executions ?? []), ...(more.data ?? []).flatMap((p) => p.executions)];
  const next = pages.length ? more.data?.[more.data.length - 1]?.next : first.data?.next;
  return (
    <Panel
      title="Executions"
      actions={
        <>
          <select value={status} onChange={(e) => (setStatus((e.target as HTMLSelectElement).value), setPages([]))} data-testid="status-filter">
            {STATUSES.map((s) => <option value={s}>{s || "All statuses"}</option>)}
          </select>
          <button onClick={() => (first.reload(), setPages([]))}>Refresh</button>
        </>
      }
    >
      {all.length === 0 ? (
        <p class="muted">No execution{status ? ` with status ${status}` : ""}.</p>
      ) : (
        <table class="list" data-testid="executions">
          <thead><tr><th>Name</th><th>Status</th><th>Started</th><th>Duration</th><th>Redrives</th></tr></thead>
          <tbody>
            {all.map((x) => (
              <tr>
                <td><a href={href("executions", x.arn)}>{x.name}</a></td>
                <td><Badge status={x.status} /></td>
                <td>{when(x.startMs)}</td>
                <td>{x.stopMs ? duration(x.stopMs - x.startMs) : "—"}</td>
                <td>{x.redriveCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && <button onClick={() => setPages([...pages, next])}>Load more</button>}
    </Panel>
  );
}
