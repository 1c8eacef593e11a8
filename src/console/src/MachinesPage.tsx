// The state machines, and the activities.
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

export function ActivitiesPage() {
  const { data, error } = useLoad(api.activities, []);
  return (
    <Panel title="Activities">
      {error && <p class="error">{error}</p>}
      {data && data.length === 0 && <p class="muted">No activity yet (CreateActivity makes one).</p>}
      {data && data.length > 0 && (
        <table class="list">
          <thead><tr><th>Name</th><th>ARN</th><th>Created</th></tr></thead>
          <tbody>
            {data.map((a) => (
              <tr><td>{a.name}</td><td><code>{a.arn}</code></td><td>{when(a.createdMs)}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
