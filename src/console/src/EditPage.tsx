// Create a state machine, or update one's definition, with the editor.
import { useState } from "preact/hooks";
import { api } from "./api";
import { DefinitionEditor } from "./Editor";
import { GraphView } from "./GraphView";
import { useLayout, useLoad } from "./hooks";
import { href, Panel } from "./ui";

const SAMPLE = `{
  "Comment": "A first state machine",
  "StartAt": "Hello",
  "States": {
    "Hello": {
      "Type": "Pass",
      "Result": {"greeting": "Hello"},
      "Next": "Wait a moment"
    },
    "Wait a moment": {
      "Type": "Wait",
      "Seconds": 2,
      "End": true
    }
  }
}`;

export function EditPage({ arn }: { arn?: string }) {
  const existing = useLoad(() => (arn ? api.machine(arn) : Promise.resolve(undefined)), [arn]);
  const [name, setName] = useState("");
  const [type, setType] = useState("STANDARD");
  const [text, setText] = useState<string | null>(arn ? null : SAMPLE);
  const [valid, setValid] = useState(false);
  const [error, setError] = useState<string>();
  const definition = text ?? existing.data?.definition ?? "";
  const placed = useLayout(definition);

  const save = async () => {
    setError(undefined);
    try {
      if (arn) {
        await api.update(arn, definition);
        location.hash = href("machines", arn);
      } else {
        const r = await api.create(name, definition, type);
        location.hash = href("machines", r.stateMachineArn);
      }
    } catch (e: any) {
      setError(`${e.type ?? "Error"}: ${e.message}`);
    }
  };

  return (
    <Panel
      title={arn ? `Edit ${existing.data?.name ?? ""}` : "Create state machine"}
      actions={
        <button class="primary" disabled={!valid || (!arn && !name)} onClick={save} data-testid="save">
          {arn ? "Save" : "Create"}
        </button>
      }
    >
      {!arn && (
        <div class="form-row">
          <label>
            Name <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="my-state-machine" data-testid="name" />
          </label>
          <label>
            Type{" "}
            <select value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
              <option>STANDARD</option>
              <option>EXPRESS</option>
            </select>
          </label>
        </div>
      )}
      {error && <p class="error" data-testid="save-error">{error}</p>}
      <div class="split">
        {(text !== null || existing.data) && <DefinitionEditor value={definition} type={type} onChange={setText} onValidated={setValid} />}
        <GraphView layout={placed} />
      </div>
    </Panel>
  );
}
