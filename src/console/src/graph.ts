// A definition as a graph: every state a node, every transition an edge.
// Pure (no DOM, no layout) so tests/console/graph_test.mjs can check it
// against definitions. Parallel and Map states are containers: a Parallel
// holds one group per branch, a Map one group for its ItemProcessor (or
// the older Iterator); the states of a group are nested under it.
//
// Ids are paths, so nested states stay distinct even where a name repeats:
//   "Top", "Par", "Par/0" (branch 0), "Par/0/Inner", "Map/items/Step"

export type EdgeKind = "next" | "choice" | "default" | "catch";

export interface GraphNode {
  id: string;
  name: string; // the state's name; a group's label
  type: string; // the state's Type, or "Group" for a branch / item processor
  parent: string | null; // the enclosing node's id (a group, or null at the top)
  startAt?: string; // a group's first state (id)
  end?: boolean; // a state that ends its scope (End, Succeed, Fail)
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  kind: EdgeKind;
  label?: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  startAt: string; // the top-level StartAt (id)
}

type Json = Record<string, any>;

export function buildGraph(definition: Json): Graph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];

  // One scope: a States object whose Next/Default/Catch names refer to its siblings.
  const scope = (states: Json, prefix: string, parent: string | null) => {
    const id = (name: string) => prefix + name;
    for (const [name, s] of Object.entries<Json>(states ?? {})) {
      const me = id(name);
      const type = String(s?.Type ?? "?");
      nodes.push({ id: me, name, type, parent, end: s?.End === true || type === "Succeed" || type === "Fail" });
      const edge = (to: unknown, kind: EdgeKind, n: number, label?: string) => {
        if (typeof to === "string" && to in states) edges.push({ id: `${me}->${kind}${n}`, from: me, to: id(to), kind, label });
      };
      edge(s?.Next, "next", 0);
      if (type === "Choice") {
        (s.Choices ?? []).forEach((c: Json, i: number) => edge(c?.Next, "choice", i, ruleLabel(c)));
        edge(s.Default, "default", 0, "Default");
      }
      (s?.Catch ?? []).forEach((c: Json, i: number) => edge(c?.Next, "catch", i, (c?.ErrorEquals ?? []).join(", ")));
      const group = (gid: string, label: string, body: Json) => {
        nodes.push({ id: gid, name: label, type: "Group", parent: me, startAt: gid + "/" + body?.StartAt });
        scope(body?.States, gid + "/", gid);
      };
      if (type === "Parallel") (s.Branches ?? []).forEach((b: Json, i: number) => group(`${me}/${i}`, `Branch ${i + 1}`, b));
      if (type === "Map") {
        const processor = s.ItemProcessor ?? s.Iterator;
        if (processor) group(`${me}/items`, s.ItemProcessor ? "Item processor" : "Iterator", processor);
      }
    }
  };
  scope(definition.States, "", null);
  return { nodes, edges, startAt: String(definition.StartAt ?? "") };
}

// A short label for a Choice rule: "$.x == 1", "$.ok is true", or the JSONata Condition.
export function ruleLabel(rule: Json): string {
  if (typeof rule?.Condition === "string") return short(rule.Condition);
  for (const op of ["And", "Or"]) if (Array.isArray(rule?.[op])) return rule[op].map(ruleLabel).join(` ${op.toLowerCase()} `);
  if (rule?.Not) return `not (${ruleLabel(rule.Not)})`;
  const ops: [RegExp, string][] = [
    [/^(String|Numeric|Timestamp)Equals(Path)?$/, "=="],
    [/^(String|Numeric|Timestamp)LessThan(Path)?$/, "<"],
    [/^(String|Numeric|Timestamp)GreaterThan(Path)?$/, ">"],
    [/^(String|Numeric|Timestamp)LessThanEquals(Path)?$/, "<="],
    [/^(String|Numeric|Timestamp)GreaterThanEquals(Path)?$/, ">="],
    [/^BooleanEquals(Path)?$/, "=="],
    [/^StringMatches$/, "matches"],
  ];
  for (const key of Object.keys(rule ?? {})) {
    if (key === "Variable" || key === "Next" || key === "Comment" || key === "Assign" || key === "Output") continue;
    const value = JSON.stringify(rule[key]);
    if (/^Is[A-Z]/.test(key)) return short(`${rule.Variable} ${key.slice(2).toLowerCase()} ${rule[key] ? "" : "not "}`.trim());
    for (const [re, sym] of ops) if (re.test(key)) return short(`${rule.Variable} ${sym} ${value}`);
    return short(`${rule.Variable} ${key} ${value}`);
  }
  return "rule";
}

const short = (s: string) => (s.length > 32 ? s.slice(0, 31) + "…" : s);
