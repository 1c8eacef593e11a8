// A Map Run's progress, read from its counts (DescribeMapRun's), and its
// throughput, read from successive polls of them. Pure, like status.ts, so
// tests/console/graph_test.mjs checks it in Node.
import type { MapRunCounts } from "./api";

// Items that will not run again (until a redrive): succeeded, failed,
// timed out or aborted.
export const finished = (c: MapRunCounts) => c.succeeded + c.failed + c.timedOut + c.aborted;

// The progress bar's parts, in the order drawn, with their share of the
// total (0–100). Pending is what is neither finished nor running.
export type Part = "succeeded" | "failed" | "timedOut" | "aborted" | "running" | "pending";
export function parts(c: MapRunCounts): { part: Part; count: number; percent: number }[] {
  const total = Math.max(c.total, finished(c) + c.running);
  const pending = Math.max(0, total - finished(c) - c.running);
  const all: [Part, number][] = [
    ["succeeded", c.succeeded], ["failed", c.failed], ["timedOut", c.timedOut],
    ["aborted", c.aborted], ["running", c.running], ["pending", pending],
  ];
  return all.filter(([, n]) => n > 0).map(([part, count]) => ({ part, count, percent: total ? (100 * count) / total : 0 }));
}

// One poll: when it answered (client clock, ms) and how many items were finished.
export interface Sample {
  ms: number;
  done: number;
}

// The samples to keep after one more: those the window still needs. A
// count that went down (a redrive runs failed items again) starts afresh.
export function addSample(samples: Sample[], s: Sample, windowMs = WINDOW_MS): Sample[] {
  const last = samples[samples.length - 1];
  if (last && (s.done < last.done || s.ms < last.ms)) return [s];
  return [...samples.filter((x) => x.ms >= s.ms - windowMs), s];
}

// Items finished per second over the last `windowMs`; undefined until two
// samples at least `minSpanMs` apart are in it.
export function rate(samples: Sample[], windowMs = WINDOW_MS, minSpanMs = 900): number | undefined {
  const last = samples[samples.length - 1];
  if (!last) return undefined;
  const first = samples.find((x) => x.ms >= last.ms - windowMs) ?? last;
  const span = last.ms - first.ms;
  return span >= minSpanMs ? ((last.done - first.done) * 1000) / span : undefined;
}

export const WINDOW_MS = 5000;

// Items finished per second from the start to `endMs` (the end, or now).
export function average(c: MapRunCounts, startMs: number, endMs: number): number {
  return (finished(c) * 1000) / Math.max(1, endMs - startMs);
}

// Seconds until the rest is finished at `perSecond`; undefined when it
// cannot be told (no progress yet, or nothing left).
export function remaining(c: MapRunCounts, perSecond: number | undefined): number | undefined {
  const left = c.total - finished(c);
  return perSecond && perSecond > 0 && left > 0 ? left / perSecond : undefined;
}

export function perSecond(r: number): string {
  return r >= 100 ? String(Math.round(r)) : r >= 10 ? r.toFixed(1) : r.toFixed(2);
}

// The Label in a Map Run ARN (…:mapRun:MACHINE/LABEL:ID): the Map's Label,
// or "map" when it has none.
export function mapRunLabel(arn: string): string {
  const id = arn.lastIndexOf(":");
  const slash = arn.lastIndexOf("/", id);
  return slash >= 0 && id > slash ? arn.slice(slash + 1, id) : arn;
}

// The name in an execution ARN (…:execution:MACHINE:NAME).
export const executionName = (arn: string) => arn.slice(arn.lastIndexOf(":") + 1);
