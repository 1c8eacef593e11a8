// The console's JSON API (/console/api/..., documented in README.md under
// "Web console"): one small function per endpoint. Errors come back in the
// AWS API's shape, {"__type", "message"}, and are thrown as ApiError.

export interface MachineSummary {
  arn: string;
  name: string;
  type: string;
  status: string;
  createdMs: number;
  updatedMs?: number;
  versionCount: number;
  aliasCount: number;
}

export interface Machine extends MachineSummary {
  definition: string;
  roleArn: string;
  versions: { arn: string; version: number; description: string; createdMs: number }[];
  aliases: { arn: string; name: string; description: string; routing: { versionArn: string; weight: number }[] }[];
}

export interface ExecutionSummary {
  arn: string;
  name: string;
  stateMachineArn: string;
  status: string;
  startMs: number;
  stopMs?: number;
  redriveCount: number;
  redriveMs?: number;
  mapRunArn?: string; // a Distributed Map's child: the Map Run that started it
}

export interface Execution extends ExecutionSummary {
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  definition?: string;
}

// A history event exactly as GetExecutionHistory returns it.
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number; // epoch seconds
  type: string;
  [details: string]: unknown;
}

export interface Diagnostic {
  severity: string;
  code: string;
  message: string;
  location?: string;
}

export interface FoldedState {
  at: number;
  reached: number;
  state: {
    status: string;
    events: number;
    redriveCount?: number;
    frames: { frame: number; parent?: number; index?: number; state?: string; phase: string; input: unknown; variables?: unknown; retryCount?: number; running?: number }[];
    pending: { task?: string; state?: string; payload?: unknown; timer?: string; dueMs?: number; frame: number }[];
  };
}

// GET /console/api/activities: the stored activities with what waits on
// them now; `workers` are the remote workers (absent when the server does
// not run the runtime, e.g. a read-only console).
export interface Activity {
  arn: string;
  name: string;
  createdMs?: number;
  pending?: number; // tasks scheduled, not handed to a worker yet
  running?: number; // tasks handed to a worker, not answered yet
  pollers?: string[]; // HTTP GetActivityTask calls waiting, by worker name
  workers?: string[]; // remote workers serving it
}

export interface RemoteWorker {
  name: string;
  activities: string[];
  concurrency: number;
  held: number;
  connected: boolean;
}

export interface Activities {
  activities: Activity[];
  workers?: RemoteWorker[];
  liveError?: string;
}

// DescribeMapRun's counts (of items, or of child executions).
export interface MapRunCounts {
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  aborted: number;
  total: number;
  resultsWritten: number;
}

// A Distributed Map's Map Run, with live counts while it runs.
export interface MapRun {
  arn: string;
  executionArn: string; // the parent execution
  status: string; // RUNNING, SUCCEEDED, FAILED, ABORTED
  startMs: number;
  stopMs?: number;
  maxConcurrency: number; // 0: no limit of its own
  toleratedFailureCount: number;
  toleratedFailurePercentage: number;
  itemCounts: MapRunCounts;
  executionCounts: MapRunCounts;
  redriveCount: number;
  redriveMs?: number;
}

// GET /console/api/map-runs/ARN: the above, and its newest children.
export interface MapRunDetail extends MapRun {
  children: ExecutionSummary[];
  childrenNext?: string;
}

export class ApiError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

const base = "console/api";
const enc = encodeURIComponent;

async function call<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}/${path}`, body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  const json = text ? JSON.parse(text) : {};
  if (!res.ok) throw new ApiError(String(json.__type ?? res.status).replace(/^.*#/, ""), json.message ?? json.Message ?? text);
  return json as T;
}

// The history index.html asked for before the scripts ran, once, if it is
// this execution's whole history.
function prefetched(arn: string, after: number): Promise<{ events: HistoryEvent[] } | null> | undefined {
  const w = window as { __stepdHistory?: { arn: string; json: Promise<{ events: HistoryEvent[] } | null> } };
  const early = w.__stepdHistory;
  if (!early || after !== 0 || early.arn !== arn) return undefined;
  w.__stepdHistory = undefined;
  return early.json;
}

export const api = {
  machines: () => call<{ machines: MachineSummary[] }>("machines").then((r) => r.machines),
  machine: (arn: string) => call<Machine>(`machines/${enc(arn)}`),
  executions: (arn: string, status: string, next?: string) =>
    call<{ executions: ExecutionSummary[]; next?: string }>(
      `machines/${enc(arn)}/executions?limit=25${status ? `&status=${enc(status)}` : ""}${next ? `&next=${enc(next)}` : ""}`,
    ),
  execution: (arn: string) => call<Execution>(`executions/${enc(arn)}`),
  history: (arn: string, after = 0) => {
    const early = prefetched(arn, after);
    const load = () => call<{ events: HistoryEvent[] }>(`executions/${enc(arn)}/history?after=${after}`).then((r) => r.events);
    return early ? early.then((r) => r?.events ?? load()) : load();
  },
  state: (arn: string, at: number) => call<FoldedState>(`executions/${enc(arn)}/state?at=${at}`),
  feedUrl: (arn: string, after: number) => `${base}/executions/${enc(arn)}/events?after=${after}`,
  activities: () => call<Activities>("activities"),
  mapRuns: (executionArn: string) => call<{ mapRuns: MapRun[] }>(`executions/${enc(executionArn)}/map-runs`).then((r) => r.mapRuns),
  mapRun: (arn: string, children: number) => call<MapRunDetail>(`map-runs/${enc(arn)}?children=${children}`),
  mapRunExecutions: (arn: string, status: string, next?: string) =>
    call<{ executions: ExecutionSummary[]; next?: string }>(
      `map-runs/${enc(arn)}/executions?limit=25${status ? `&status=${enc(status)}` : ""}${next ? `&next=${enc(next)}` : ""}`,
    ),

  create: (name: string, definition: string, type: string) =>
    call<{ stateMachineArn: string }>("machines", { name, definition, type }),
  update: (arn: string, definition: string) => call<{ updateDate: number }>(`machines/${enc(arn)}`, { definition }),
  validate: (definition: string, type: string) =>
    call<{ result: string; diagnostics: Diagnostic[] }>("validate", { definition, type }),
  start: (arn: string, input: string, name?: string) =>
    call<{ executionArn: string }>(`machines/${enc(arn)}/executions`, name ? { input, name } : { input }),
  stop: (arn: string) => call<unknown>(`executions/${enc(arn)}/stop`, {}),
  redrive: (arn: string) => call<unknown>(`executions/${enc(arn)}/redrive`, {}),
};
