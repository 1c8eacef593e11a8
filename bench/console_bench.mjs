// The web console's speed (issue #8), measured in Debian's Chromium through
// playwright-core against a `stepd serve` this script starts on a fresh
// store:
//
//   open    an execution page with 24,998 history events (a Map over 6,248
//           items): from navigation to the history listed and the graph
//           coloured; cold (a new tab: HTML, JS, history) and warm (in-app
//           navigation), with the history request's own time;
//   scroll  the virtualised history from top to bottom, one step per frame:
//           frame times (median, p95, worst, frames over 16.7 / 50 ms);
//   live    the live feed: from a state's exit event (its timestamp is taken
//           before the commit, so this bounds "durable -> shown") to the
//           browser showing the state succeeded; split into event ->
//           received by the page (SSE) and received -> painted;
//   replay  GET .../state?at=ID on the big execution (fold of the history
//           up to ID; the compiled definition is cached by revision).
//
// Usage: node bench/console_bench.mjs STEPD_BINARY [--runs N] [--json]
//   e.g. cmake --build build-rel --target stepd && node bench/console_bench.mjs build-rel/stepd
// Needs tests/console's npm packages (scripts/install-console-deps) and
// /usr/bin/chromium. Prints a table; --json prints one object.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const { chromium } = createRequire(join(here, "../tests/console/package.json"))("playwright-core");
const CHROMIUM = "/usr/bin/chromium";

const args = process.argv.slice(2);
const stepd = args.find((a) => !a.startsWith("--") && !/^\d+$/.test(a));
const runs = Number(args[args.indexOf("--runs") + 1]) || 5;
const asJson = args.includes("--json");
if (!stepd || !existsSync(CHROMIUM)) {
  console.error("usage: node bench/console_bench.mjs STEPD_BINARY [--runs N] [--json]   (needs /usr/bin/chromium)");
  process.exit(2);
}
const log = (s) => asJson || console.log(s);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const r1 = (x) => Math.round(x * 10) / 10;

// ------------------------------------------------------------------ server
const data = mkdtempSync(join(tmpdir(), "stepd-console-bench-"));
const server = spawn(stepd, ["serve", "--port", "0", "--data", data], { stdio: ["ignore", "ignore", "pipe"] });
const base = await new Promise((resolve, reject) => {
  let seen = "";
  server.stderr.on("data", (c) => {
    seen += c;
    const m = seen.match(/listening on (http:\/\/\S+)/);
    if (m) resolve(m[1]);
  });
  server.on("exit", (code) => reject(new Error(`stepd serve exited (${code}): ${seen}`)));
});
server.stderr.resume();

async function aws(action, body) {
  const res = await fetch(base + "/", {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": `AWSStepFunctions.${action}` },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${action}: ${JSON.stringify(json)}`);
  return json;
}
const ARN = (name) => `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`;
const role = "arn:aws:iam::123456789012:role/r";
const enc = encodeURIComponent;

const out = { stepd, runs };
const newPage = async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  return page;
};
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});
try {
  // ----------------------------------------------- the 25,000-event run
  await aws("CreateStateMachine", {
    name: "bench-big",
    roleArn: role,
    definition: JSON.stringify({
      StartAt: "Each",
      States: { Each: { Type: "Map", ItemProcessor: { StartAt: "One", States: { One: { Type: "Pass", End: true } } }, End: true } },
    }),
  });
  const big = await aws("StartExecution", { stateMachineArn: ARN("bench-big"), input: JSON.stringify(Array.from({ length: 6248 }, (_, i) => i)) });
  for (let i = 0; i < 600; i++) {
    if ((await aws("DescribeExecution", { executionArn: big.executionArn })).status !== "RUNNING") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const history = (await (await fetch(`${base}/console/api/executions/${enc(big.executionArn)}/history`)).json()).events;
  const count = history.length;
  const bigHash = `#/executions/${enc(big.executionArn)}`;
  log(`big execution: ${count} events`);

  const ready = async (page) => {
    // (not a `text=` selector: Playwright would scan the whole DOM on every poll)
    await page.waitForFunction((n) => [...document.querySelectorAll("h2")].some((h) => h.textContent === `History (${n} events)`), count, { timeout: 30000 });
    await page.waitForSelector('.graph [data-state="One"][data-status="succeeded"]', { timeout: 30000 });
  };
  const historyRequestMs = (page) =>
    page.evaluate(() => {
      const r = performance.getEntriesByType("resource").filter((e) => e.name.includes("/history")).pop();
      return r ? { ms: r.responseEnd - r.startTime, bytes: r.encodedBodySize } : null;
    });

  // Cold: a new page each time (HTML, scripts, history, layout).
  const cold = [], warm = [], request = [];
  for (let i = 0; i < runs; i++) {
    const page = await newPage();
    const t0 = Date.now();
    await page.goto(`${base}/${bigHash}`);
    await ready(page);
    cold.push(Date.now() - t0);
    const h = await historyRequestMs(page);
    if (h) request.push(h);
    // Warm: from the machines list to the page, inside the app.
    await page.goto(`${base}/#/`);
    await page.waitForSelector("text=State machines");
    const t1 = Date.now();
    await page.evaluate((hash) => (location.hash = hash), bigHash);
    await ready(page);
    warm.push(Date.now() - t1);
    await page.close();
  }
  out.open = {
    events: count,
    coldMs: { median: median(cold), worst: Math.max(...cold), all: cold },
    warmMs: { median: median(warm), worst: Math.max(...warm), all: warm },
    historyRequest: { medianMs: r1(median(request.map((r) => r.ms))), bytes: request[0]?.bytes },
  };
  log(`open (cold, new tab):  median ${median(cold)} ms, worst ${Math.max(...cold)} ms  [${cold.join(", ")}]`);
  log(`open (warm, in app):   median ${median(warm)} ms, worst ${Math.max(...warm)} ms  [${warm.join(", ")}]`);
  log(`  of which GET history: median ${r1(median(request.map((r) => r.ms)))} ms, ${(request[0]?.bytes / 1e6).toFixed(1)} MB`);

  // ------------------------------------------------------------- scroll
  {
    const page = await newPage();
    await page.goto(`${base}/${bigHash}`);
    await ready(page);
    await page.locator(".history").scrollIntoViewIfNeeded();
    const frames = [];
    for (let i = 0; i < runs; i++) {
      const f = await page.evaluate(
        () =>
          new Promise((resolve) => {
            const el = document.querySelector('[data-testid="history"]');
            el.scrollTop = 0;
            const deltas = [];
            const stepPx = el.scrollHeight / 240; // top to bottom in 240 frames (~4 s at 60 Hz): ~100 rows a frame
            let last = 0;
            const tick = (now) => {
              if (last) deltas.push(now - last);
              last = now;
              el.scrollTop += stepPx;
              if (el.scrollTop + el.clientHeight < el.scrollHeight - 1) requestAnimationFrame(tick);
              else resolve(deltas);
            };
            requestAnimationFrame(tick);
          }),
      );
      frames.push(...f);
    }
    const rows = await page.$$eval('[data-testid="history"] .row', (e) => e.length);
    out.scroll = {
      frames: frames.length,
      medianMs: r1(median(frames)),
      p95Ms: r1(pct(frames, 0.95)),
      worstMs: r1(Math.max(...frames)),
      over16: frames.filter((x) => x > 16.8).length,
      over50: frames.filter((x) => x > 50).length,
      rowsInDom: rows,
    };
    log(`scroll: ${frames.length} frames, median ${out.scroll.medianMs} ms, p95 ${out.scroll.p95Ms} ms, worst ${out.scroll.worstMs} ms, ` +
        `${out.scroll.over16} over 16.7 ms, ${out.scroll.over50} over 50 ms; ${rows} rows in the DOM`);
    await page.close();
  }

  // --------------------------------------------------------------- live
  {
    await aws("CreateStateMachine", {
      name: "bench-live",
      roleArn: role,
      // (2 s: time enough for a new tab to load and lay the graph out first)
      definition: JSON.stringify({ StartAt: "W", States: { W: { Type: "Wait", Seconds: 2, Next: "P" }, P: { Type: "Pass", End: true } } }),
    });
    const page = await newPage();
    // Note when each SSE message arrives (before the app's handler runs).
    await page.addInitScript(() => {
      window.__arrived = {};
      const ES = window.EventSource;
      window.EventSource = class extends ES {
        constructor(...a) {
          super(...a);
          this.addEventListener("message", (m) => (window.__arrived[m.lastEventId] = Date.now()));
        }
      };
    });
    const total = [], transit = [], render = [];
    for (let i = 0; i < Math.max(runs * 2, 10); i++) {
      const x = await aws("StartExecution", { stateMachineArn: ARN("bench-live"), input: "{}" });
      await page.goto(`${base}/#/executions/${enc(x.executionArn)}`);
      await page.waitForSelector('.graph [data-state="W"][data-status="running"]');
      const shownAt = await page.evaluate(
        () =>
          new Promise((resolve) => {
            const poll = () => {
              const n = document.querySelector('.graph [data-state="W"]');
              if (n && n.getAttribute("data-status") === "succeeded") resolve(Date.now());
              else requestAnimationFrame(poll);
            };
            poll();
          }),
      );
      const h = await aws("GetExecutionHistory", { executionArn: x.executionArn });
      const exited = h.events.find((e) => e.type === "WaitStateExited");
      const arrived = await page.evaluate((id) => window.__arrived[id], String(exited.id));
      const ts = exited.timestamp * 1000;
      total.push(shownAt - ts);
      if (arrived) {
        transit.push(arrived - ts);
        render.push(shownAt - arrived);
      }
    }
    out.live = {
      runs: total.length,
      totalMs: { median: Math.round(median(total)), p95: Math.round(pct(total, 0.95)), worst: Math.round(Math.max(...total)) },
      eventToPageMs: { median: Math.round(median(transit)), worst: Math.round(Math.max(...transit)) },
      pageToPaintMs: { median: Math.round(median(render)), worst: Math.round(Math.max(...render)) },
    };
    log(`live: event -> shown: median ${out.live.totalMs.median} ms, p95 ${out.live.totalMs.p95} ms, worst ${out.live.totalMs.worst} ms (${total.length} runs)`);
    log(`  event -> received by the page: median ${out.live.eventToPageMs.median} ms; received -> painted: median ${out.live.pageToPaintMs.median} ms`);
    await page.close();
  }

  // ------------------------------------------------------------- replay
  {
    const url = (at) => `${base}/console/api/executions/${enc(big.executionArn)}/state?at=${at}`;
    const time = async (at) => {
      const t = performance.now();
      const r = await fetch(url(at));
      await r.text();
      return performance.now() - t;
    };
    const res = {};
    for (const at of [100, Math.floor(count / 2), count]) {
      const xs = [];
      for (let i = 0; i < runs; i++) xs.push(await time(at));
      res[at] = r1(median(xs));
    }
    out.replay = { medianMsByEvent: res };
    log(`replay: GET state?at=ID median ${Object.entries(res).map(([k, v]) => `${v} ms at ${k}`).join(", ")}`);
  }
} finally {
  await browser.close().catch(() => {});
  server.kill("SIGTERM");
  await new Promise((r) => server.on("exit", r));
  rmSync(data, { recursive: true, force: true });
}
if (asJson) console.log(JSON.stringify(out, null, 2));
