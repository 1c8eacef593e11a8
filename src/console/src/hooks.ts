// Data hooks the pages share.
import { useEffect, useState } from "preact/hooks";
import { buildGraph } from "./graph";
import { layout, type Layout } from "./layout";

// A promise's result as state; `deps` re-run it.
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data?: T; error?: string; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (d) => live && (setData(d), setError(undefined)),
      (e) => live && setError(String(e.message ?? e)),
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return { data, error, reload: () => setN((x) => x + 1) };
}

// The laid-out graph of a definition (JSON text); null while ELK works or
// when the text is not a definition.
export function useLayout(definition?: string): Layout | null {
  const [placed, setPlaced] = useState<Layout | null>(null);
  useEffect(() => {
    let live = true;
    let g;
    try {
      g = buildGraph(JSON.parse(definition ?? ""));
    } catch {
      return;
    }
    layout(g).then((l) => live && setPlaced(l), () => live && setPlaced(null));
    return () => {
      live = false;
    };
  }, [definition]);
  return placed;
}
