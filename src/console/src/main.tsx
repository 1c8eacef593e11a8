// The console's shell: a top bar and hash routes, so every page is a link
// and the server only ever serves index.html and its assets.
//   #/                         state machines
//   #/new                      create a state machine
//   #/machines/ARN[/edit]      one state machine (or its editor)
//   #/executions/ARN           one execution
//   #/executions/ARN/frames/N  a Map iteration or Parallel branch in it
//   #/map-runs/ARN             a Distributed Map's Map Run
//   #/activities               activities
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { EditPage } from "./EditPage";
import { ExecutionPage } from "./ExecutionPage";
import { MachinePage } from "./MachinePage";
import { MapRunPage } from "./MapRunPage";
import { ActivitiesPage, MachinesPage } from "./MachinesPage";
import "./style.css";

function route(hash: string) {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "new") return <EditPage />;
  if (parts[0] === "machines" && parts[1]) return parts[2] === "edit" ? <EditPage key={parts[1]} arn={parts[1]} /> : <MachinePage key={parts[1]} arn={parts[1]} />;
  if (parts[0] === "executions" && parts[1])
    return <ExecutionPage key={parts[1]} arn={parts[1]} frame={parts[2] === "frames" ? Number(parts[3]) || 0 : 0} />;
  if (parts[0] === "map-runs" && parts[1]) return <MapRunPage key={parts[1]} arn={parts[1]} />;
  if (parts[0] === "activities") return <ActivitiesPage />;
  return <MachinesPage />;
}

function App() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  const section = hash.startsWith("#/activities") ? "activities" : "machines";
  return (
    <>
      <nav class="top">
        <a class="brand" href="#/">stepd</a>
        <a class={section === "machines" ? "on" : ""} href="#/">State machines</a>
        <a class={section === "activities" ? "on" : ""} href="#/activities">Activities</a>
      </nav>
      <main>{route(hash)}</main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
