// A definition editor: a textarea over its own syntax-highlighted copy,
// line numbers, and the diagnostics of ValidateStateMachineDefinition,
// asked for as you type (debounced) and marked at their lines.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Diagnostic } from "./api";
import { highlight } from "./ui";

// The line (1-based) a diagnostic's location ("/States/Check/Next") points
// at: each segment's key is looked for after the previous one's.
export function lineOf(text: string, location?: string): number | undefined {
  if (!location) return undefined;
  let at = 0;
  for (const seg of location.split("/").filter(Boolean)) {
    const i = text.indexOf(JSON.stringify(seg.replace(/~1/g, "/").replace(/~0/g, "~")), at);
    if (i < 0) break;
    at = i;
  }
  return text.slice(0, at).split("\n").length;
}

interface Props {
  value: string;
  type: string;
  onChange: (text: string) => void;
  onValidated?: (ok: boolean) => void;
}

export function DefinitionEditor({ value, type, onChange, onValidated }: Props) {
  const [diags, setDiags] = useState<Diagnostic[] | null>(null);
  const [checking, setChecking] = useState(false);
  const pre = useRef<HTMLPreElement>(null);
  const gutter = useRef<HTMLDivElement>(null);

  useEffect(() => {
    setChecking(true);
    let live = true;
    const t = setTimeout(() => {
      api
        .validate(value, type)
        .then((r) => {
          if (!live) return;
          setDiags(r.diagnostics);
          onValidated?.(r.result === "OK");
        })
        .catch((e) => live && setDiags([{ severity: "ERROR", code: e.type ?? "Error", message: e.message }]))
        .finally(() => live && setChecking(false));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [value, type]);

  const lines = value.split("\n").length;
  const bad = new Map<number, string>();
  for (const d of diags ?? []) {
    const l = lineOf(value, d.location);
    if (l && !bad.has(l)) bad.set(l, d.severity);
  }
  const errors = (diags ?? []).filter((d) => d.severity === "ERROR").length;
  return (
    <div class="editor-wrap">
      <div class="editor">
        <div class="gutter" ref={gutter}>
          {Array.from({ length: lines }, (_, i) => (
            <div class={bad.has(i + 1) ? `line-${bad.get(i + 1)}` : ""}>{i + 1}</div>
          ))}
        </div>
        <div class="code">
          <pre ref={pre} class="json highlight" aria-hidden="true">
            {highlight(value)}
            {"\n"}
          </pre>
          <textarea
            spellcheck={false}
            value={value}
            aria-label="State machine definition"
            onInput={(e) => onChange((e.target as HTMLTextAreaElement).value)}
            onScroll={(e) => {
              const t = e.target as HTMLTextAreaElement;
              pre.current!.scrollTop = t.scrollTop;
              pre.current!.scrollLeft = t.scrollLeft;
              gutter.current!.scrollTop = t.scrollTop;
            }}
            onKeyDown={(e) => {
              if (e.key !== "Tab") return;
              e.preventDefault();
              const t = e.target as HTMLTextAreaElement;
              const s = t.selectionStart;
              onChange(value.slice(0, s) + "  " + value.slice(t.selectionEnd));
              requestAnimationFrame(() => t.setSelectionRange(s + 2, s + 2));
            }}
          />
        </div>
      </div>
      <div class={`diagnostics ${errors ? "has-errors" : "ok"}`} data-testid="diagnostics">
        {diags === null || checking ? (
          <span class="muted">validating…</span>
        ) : diags.length === 0 ? (
          <span class="valid">✓ Valid definition</span>
        ) : (
          <ul>
            {diags.map((d) => (
              <li class={`diag diag-${d.severity}`}>
                <b>{d.severity}</b> <code>{d.code}</code> {d.message}
                {d.location && (
                  <span class="muted">
                    {" "}at {d.location} (line {lineOf(value, d.location)})
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
