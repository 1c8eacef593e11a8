// The history as a table that renders only the rows in view (plus a few),
// so 25,000 events scroll as smoothly as 25. Rows have one fixed height;
// the selected event's details show beside the table, not in it.
import { useEffect, useRef, useState } from "preact/hooks";
import type { HistoryEvent } from "./api";

const ROW = 26; // px, as in style.css (.history .row)
const EXTRA = 12; // rows rendered beyond each edge of the view

interface Props {
  events: HistoryEvent[];
  t0?: number; // times are shown since this one (epoch seconds); default: the first event's
  names: Map<number, string>;
  selected?: number; // index
  onSelect: (index: number) => void;
}

export function HistoryTable({ events, t0: start, names, selected, onSelect }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(420);
  useEffect(() => {
    const el = box.current!;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  // Keep the selected row in view when it moves by other means (the debugger).
  useEffect(() => {
    const el = box.current;
    if (!el || selected === undefined) return;
    const y = selected * ROW;
    if (y < el.scrollTop || y + ROW > el.scrollTop + el.clientHeight) el.scrollTop = Math.max(0, y - el.clientHeight / 2);
  }, [selected]);

  const t0 = start ?? events[0]?.timestamp ?? 0;
  const first = Math.max(0, Math.floor(top / ROW) - EXTRA);
  const last = Math.min(events.length, Math.ceil((top + height) / ROW) + EXTRA);
  const rows = [];
  for (let i = first; i < last; i++) {
    const e = events[i];
    rows.push(
      <div
        class={`row${i === selected ? " selected" : ""}${/Failed|TimedOut|Aborted/.test(e.type) ? " bad" : ""}`}
        style={{ transform: `translateY(${i * ROW}px)` }}
        onClick={() => onSelect(i)}
        data-event-id={e.id}
      >
        <span class="c-id">{e.id}</span>
        <span class="c-type">{e.type}</span>
        <span class="c-state">{e.type.startsWith("Execution") ? "" : names.get(e.id) ?? ""}</span>
        <span class="c-time">+{Math.round((e.timestamp - t0) * 1000)} ms</span>
      </div>,
    );
  }
  return (
    <div class="history">
      <div class="row head">
        <span class="c-id">ID</span>
        <span class="c-type">Type</span>
        <span class="c-state">State</span>
        <span class="c-time">Since start</span>
      </div>
      <div class="rows" ref={box} onScroll={(e) => setTop((e.target as HTMLDivElement).scrollTop)} data-testid="history">
        <div style={{ height: `${events.length * ROW}px`, position: "relative" }}>{rows}</div>
      </div>
    </div>
  );
}
