// Small pieces the pages share: links, status badges, times, JSON shown
// with syntax highlighting.
import type { ComponentChildren } from "preact";

export const href = (...parts: string[]) => "#/" + parts.map(encodeURIComponent).join("/");

export function Badge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{status.replace("_", " ")}</span>;
}

export const when = (ms?: number) => (ms ? new Date(ms).toLocaleString() : "—");

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60000);
  return m < 60 ? `${m} min ${Math.round((ms % 60000) / 1000)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function Panel({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="panel">
      <header>
        <h2>{title}</h2>
        <div class="actions">{actions}</div>
      </header>
      {children}
    </section>
  );
}

// JSON text, pretty-printed when it parses, with its tokens coloured.
export function Json({ text, value }: { text?: string; value?: unknown }) {
  let pretty: string;
  try {
    pretty = JSON.stringify(value !== undefined ? value : JSON.parse(text ?? "null"), null, 2);
  } catch {
    pretty = text ?? "";
  }
  // Colouring costs a few DOM nodes per token: past HIGHLIGHT characters
  // (a 6,000-item array...) the rest is shown as plain text.
  if (pretty.length > HIGHLIGHT) {
    const cut = pretty.indexOf("\n", HIGHLIGHT);
    if (cut > 0) return <pre class="json">{highlight(pretty.slice(0, cut))}{pretty.slice(cut)}</pre>;
  }
  return <pre class="json">{highlight(pretty)}</pre>;
}

const HIGHLIGHT = 8000;

const TOKEN = /("(?:[^"\\]|\\.)*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

export function highlight(text: string) {
  const out: (string | preact.JSX.Element)[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    if (m.index! > last) out.push(text.slice(last, m.index));
    const cls = m[1] ? (m[2] ? "j-key" : "j-str") : m[3] ? "j-lit" : "j-num";
    out.push(<span class={cls}>{m[1] ?? m[0]}</span>);
    if (m[2]) out.push(m[2]);
    last = m.index! + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}
