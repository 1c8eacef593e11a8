// The state machine drawn as SVG from a Layout (layout.ts), each state
// coloured by its StateStatus. Pan by dragging, zoom with the wheel or the
// buttons, "Fit" to see it all (the initial view).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Layout, PlacedNode } from "./layout";
import type { StateStatus } from "./status";

interface Props {
  layout: Layout | null;
  statuses?: Map<string, StateStatus>;
  current?: string; // outlined: where the run is (replay debugger)
  onSelect?: (name: string) => void;
}

interface View {
  x: number;
  y: number;
  k: number;
}

export function GraphView({ layout, statuses, current, onSelect }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<View>({ x: 0, y: 0, k: 1 });
  const drag = useRef<{ x: number; y: number; vx: number; vy: number } | null>(null);

  const fit = () => {
    const el = box.current;
    if (!el || !layout) return;
    const w = el.clientWidth, h = el.clientHeight;
    const k = Math.min(1.25, (w - 24) / Math.max(layout.width, 1), (h - 24) / Math.max(layout.height, 1));
    setView({ k, x: (w - layout.width * k) / 2, y: Math.max(12, (h - layout.height * k) / 2) });
  };
  useEffect(fit, [layout]);

  const zoom = (factor: number, cx?: number, cy?: number) =>
    setView((v) => {
      const el = box.current!;
      const px = cx ?? el.clientWidth / 2, py = cy ?? el.clientHeight / 2;
      const k = Math.min(4, Math.max(0.1, v.k * factor));
      return { k, x: px - ((px - v.x) * k) / v.k, y: py - ((py - v.y) * k) / v.k };
    });

  const nodes = useMemo(() => layout?.nodes ?? [], [layout]);
  // A branch or item processor (graph.ts ids "Par/0", "Map/items") belongs
  // to its Parallel or Map: a click on it selects that state.
  const owners = useMemo(() => {
    const byId = new Map(nodes.map((n) => [n.id, n.name]));
    const out = new Map<string, string>();
    for (const n of nodes) if (n.type === "Group") out.set(n.id, byId.get(n.id.slice(0, n.id.lastIndexOf("/"))) ?? "");
    return out;
  }, [nodes]);
  if (!layout) return <div class="graph loading">laying out…</div>;
  return (
    <div
      class="graph"
      ref={box}
      onWheel={(e) => {
        e.preventDefault();
        const r = box.current!.getBoundingClientRect();
        zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
      }}
      onPointerDown={(e) => {
        // (no pointer capture: it would take the click away from the nodes)
        if ((e.target as Element).closest("button")) return;
        drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        if (d) setView((v) => ({ ...v, x: d.vx + e.clientX - d.x, y: d.vy + e.clientY - d.y }));
      }}
      onPointerUp={() => (drag.current = null)}
      onPointerLeave={() => (drag.current = null)}
    >
      <div class="graph-tools">
        <button onClick={() => zoom(1.25)} title="Zoom in">+</button>
        <button onClick={() => zoom(0.8)} title="Zoom out">−</button>
        <button onClick={fit} title="Fit the graph">Fit</button>
      </div>
      <svg width="100%" height="100%">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#5f6b7a" />
          </marker>
        </defs>
        <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
          {nodes.filter((n) => n.container).map((n) => (
            <Container key={n.id} n={n} owner={owners.get(n.id)} status={statuses?.get(n.name)} current={current === n.name} onSelect={onSelect} />
          ))}
          {layout.edges.map((e) => (
            <g key={e.id} class={`edge edge-${e.kind}`} data-edge={e.id}>
              <polyline points={e.points.map((p) => `${p.x},${p.y}`).join(" ")} marker-end="url(#arrow)" />
              {e.label && (
                <g class="edge-label">
                  <rect x={e.label.x} y={e.label.y} width={e.label.width} height={e.label.height} rx="3" />
                  <text x={e.label.x + e.label.width / 2} y={e.label.y + 12}>{e.label.text}</text>
                </g>
              )}
            </g>
          ))}
          {nodes.filter((n) => !n.container).map((n) => (
            <Leaf key={n.id} n={n} status={statuses?.get(n.name)} current={current === n.name} onSelect={onSelect} />
          ))}
        </g>
      </svg>
    </div>
  );
}

interface NodeProps {
  n: PlacedNode;
  status?: StateStatus;
  current: boolean;
  onSelect?: (name: string) => void;
}

function Container({ n, owner, status, current, onSelect }: NodeProps & { owner?: string }) {
  const group = n.type === "Group";
  return (
    <g
      class={`node container type-${n.type} status-${group ? "none" : status ?? "none"}${current && !group ? " current" : ""}`}
      data-state={group ? undefined : n.name}
      data-status={group ? undefined : status ?? "none"}
      data-group={group ? n.id : undefined}
      onClick={(e) => {
        e.stopPropagation();
        const name = group ? owner : n.name;
        if (name) onSelect?.(name);
      }}
    >
      <rect x={n.x} y={n.y} width={n.width} height={n.height} rx={group ? 6 : 10} />
      <text class="container-title" x={n.x + 12} y={n.y + 21}>
        {group ? n.name : `${n.name}  ·  ${n.type}`}
      </text>
    </g>
  );
}

function Leaf({ n, status, current, onSelect }: NodeProps) {
  const marker = n.type === "Start" || n.type === "End";
  const cx = n.x + n.width / 2, cy = n.y + n.height / 2;
  let shape;
  if (marker) shape = <rect x={n.x} y={n.y} width={n.width} height={n.height} rx={n.height / 2} />;
  else if (n.type === "Choice")
    shape = <polygon points={`${n.x},${cy} ${n.x + 18},${n.y} ${n.x + n.width - 18},${n.y} ${n.x + n.width},${cy} ${n.x + n.width - 18},${n.y + n.height} ${n.x + 18},${n.y + n.height}`} />;
  else if (n.type === "Succeed" || n.type === "Fail") shape = <rect x={n.x} y={n.y} width={n.width} height={n.height} rx={n.height / 2} />;
  else shape = <rect x={n.x} y={n.y} width={n.width} height={n.height} rx={n.type === "Task" ? 8 : 2} />;
  return (
    <g
      class={`node type-${n.type} status-${status ?? "none"}${current ? " current" : ""}`}
      data-state={marker ? undefined : n.name}
      data-status={marker ? undefined : status ?? "none"}
      onClick={() => !marker && onSelect?.(n.name)}
    >
      {shape}
      <text x={cx} y={marker ? cy + 4 : cy - 2} class="node-name">{n.name}</text>
      {!marker && <text x={cx} y={cy + 13} class="node-type">{n.type}</text>}
    </g>
  );
}
