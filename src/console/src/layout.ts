// Places a Graph (graph.ts) with ELK's layered algorithm (elkjs): nodes top
// to bottom, containers sized around their children, edges routed
// orthogonally with their labels placed. No coordinate is chosen here: this
// module only says how big each box is and reads back where ELK put it.
//
// ELK (1.6 MB of compiled Java) runs in a Web Worker: the page neither
// parses it before it can start, nor waits for it while it reads a long
// history; layouts are computed beside the main thread.
import ELK from "elkjs/lib/elk-api.js";
import type { ElkEdgeSection, ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import workerUrl from "elkjs/lib/elk-worker.min.js?url";
import type { EdgeKind, Graph, GraphNode } from "./graph";

export interface PlacedNode {
  id: string;
  name: string;
  type: string; // a state's Type, "Group", or "Start" / "End" markers
  x: number;
  y: number;
  width: number;
  height: number;
  container: boolean;
}

export interface PlacedEdge {
  id: string;
  kind: EdgeKind | "marker";
  points: { x: number; y: number }[];
  label?: { text: string; x: number; y: number; width: number; height: number };
}

export interface Layout {
  nodes: PlacedNode[]; // containers before their children: draw in order
  edges: PlacedEdge[];
  width: number;
  height: number;
}

const elk = new ELK({ workerUrl });
const START = "__start";
const END = "__end";

const textWidth = (s: string, px = 7) => Math.ceil(s.length * px);

function leafSize(n: GraphNode): { width: number; height: number } {
  const w = Math.max(textWidth(n.name) + 36, textWidth(n.type, 6) + 36, 110);
  return n.type === "Choice" ? { width: w + 30, height: 48 } : { width: w, height: 44 };
}

export async function layout(g: Graph): Promise<Layout> {
  const kids = new Map<string | null, GraphNode[]>();
  for (const n of g.nodes) kids.set(n.parent, [...(kids.get(n.parent) ?? []), n]);
  const parentOf = new Map(g.nodes.map((n) => [n.id, n.parent]));

  const options = (padTop: number) => ({
    "elk.algorithm": "layered",
    "elk.direction": "DOWN",
    "elk.edgeRouting": "ORTHOGONAL",
    "elk.layered.spacing.nodeNodeBetweenLayers": "36",
    "elk.spacing.nodeNode": "28",
    "elk.spacing.edgeLabel": "4",
    "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
    "elk.padding": `[top=${padTop},left=16,bottom=16,right=16]`,
    // Parallel branches are unconnected groups: one layer, side by side.
    "elk.separateConnectedComponents": "false",
  });

  const elkNode = (n: GraphNode): ElkNode => {
    const children = kids.get(n.id);
    if (!children) return { id: n.id, ...leafSize(n) };
    return {
      id: n.id,
      layoutOptions: options(34),
      children: children.map(elkNode),
      edges: edgesIn(n.id),
      width: textWidth(n.name) + 40,
      height: 40,
    };
  };
  // Every edge joins two siblings: it belongs to their parent.
  const edgesIn = (parent: string | null): ElkExtendedEdge[] =>
    g.edges
      .filter((e) => parentOf.get(e.from) === parent)
      .map((e) => ({
        id: e.id,
        sources: [e.from],
        targets: [e.to],
        labels: e.label ? [{ text: e.label, width: textWidth(e.label, 6) + 8, height: 16 }] : [],
      }));

  const top = kids.get(null) ?? [];
  const markers: ElkExtendedEdge[] = [];
  if (top.some((n) => n.id === g.startAt)) markers.push({ id: "start->", sources: [START], targets: [g.startAt] });
  for (const n of top) if (n.end) markers.push({ id: `${n.id}->end`, sources: [n.id], targets: [END] });
  const root: ElkNode = {
    id: "root",
    layoutOptions: options(16),
    children: [{ id: START, width: 64, height: 28 }, ...top.map(elkNode), { id: END, width: 64, height: 28 }],
    edges: [...edgesIn(null), ...markers],
  };
  const placed = await elk.layout(root);

  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const kindOf = new Map(g.edges.map((e) => [e.id, e.kind]));
  const out: Layout = { nodes: [], edges: [], width: placed.width ?? 0, height: placed.height ?? 0 };
  // ELK gives positions relative to the parent: add the offsets up.
  const walk = (n: ElkNode, dx: number, dy: number) => {
    for (const c of n.children ?? []) {
      const x = dx + (c.x ?? 0), y = dy + (c.y ?? 0);
      const src = byId.get(c.id);
      const type = src?.type ?? (c.id === START ? "Start" : "End");
      out.nodes.push({ id: c.id, name: src?.name ?? type, type, x, y, width: c.width ?? 0, height: c.height ?? 0, container: !!c.children?.length });
      walk(c, x, y);
    }
    for (const e of (n.edges ?? []) as ElkExtendedEdge[]) {
      const s: ElkEdgeSection | undefined = e.sections?.[0];
      if (!s) continue;
      const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => ({ x: dx + p.x, y: dy + p.y }));
      const l = e.labels?.[0];
      out.edges.push({
        id: e.id,
        kind: kindOf.get(e.id) ?? "marker",
        points: pts,
        label: l?.text ? { text: l.text, x: dx + (l.x ?? 0), y: dy + (l.y ?? 0), width: l.width ?? 0, height: l.height ?? 0 } : undefined,
      });
    }
  };
  walk(placed, 0, 0);
  return out;
}
