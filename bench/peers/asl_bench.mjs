// The aws-local-stepfunctions side of workloads 1 and 3 (bench/run_all.py):
// the same ASL definitions and inputs as stepd's benchmarks, run by
// aws-local-stepfunctions (an in-memory ASL interpreter on Node.js; no
// persistence of any kind).
//
//   node bench/peers/asl_bench.mjs engine SECONDS
//       the 5-state Pass chain of interpreter_bench (pass_chain), one
//       execution after the other on one thread (stepd: one thread too)
//   node bench/peers/asl_bench.mjs runtime IN_FLIGHT THREADS SECONDS
//       the 5-state Pass chain of runtime_bench, IN_FLIGHT executions kept
//       running at once, split over THREADS worker threads (one event loop
//       each, so both cores are used, as stepd's runtime uses two)
//   node bench/peers/asl_bench.mjs map N
//       the inline Map of map_bench over N integers, one execution
//
// Prints one JSON object. A warm-up of 0.5 s precedes the timed part of the
// chain cases (the JIT); the map case is one cold run, as stepd's.

import { StateMachine } from 'aws-local-stepfunctions';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

// Keep in step with bench/interpreter_bench.cpp (pass_chain).
const ENGINE_CHAIN = {
  StartAt: 'P1',
  States: {
    P1: { Type: 'Pass', Next: 'P2' },
    P2: { Type: 'Pass', Parameters: { 'id.$': '$.id', 'name.$': '$.name', 'tags.$': '$.tags' }, Next: 'P3' },
    P3: { Type: 'Pass', Result: { ok: true }, ResultPath: '$.check', Next: 'P4' },
    P4: { Type: 'Pass', OutputPath: '$', Next: 'P5' },
    P5: { Type: 'Pass', End: true },
  },
};
const ENGINE_INPUT = '{"id":12345,"name":"order-12345","tags":["a","b","c"],"amount":42.5}';

// Keep in step with bench/runtime_bench.cpp (kChain).
const RUNTIME_CHAIN = {
  StartAt: 'P1',
  States: {
    P1: { Type: 'Pass', Next: 'P2' },
    P2: { Type: 'Pass', Parameters: { 'id.$': '$.id', 'name.$': '$.name' }, Next: 'P3' },
    P3: { Type: 'Pass', Result: { ok: true }, ResultPath: '$.check', Next: 'P4' },
    P4: { Type: 'Pass', Next: 'P5' },
    P5: { Type: 'Pass', End: true },
  },
};
const RUNTIME_INPUT = '{"id":12345,"name":"order-12345"}';

// Keep in step with bench/map_bench.cpp.
const MAP_DEFINITION = {
  StartAt: 'M',
  States: {
    M: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } },
      End: true,
    },
  },
};

const STATES = 5;
const now = () => Number(process.hrtime.bigint()) / 1e9;

// The input arrives as text and the output leaves as text, as at stepd's
// API boundary (stepd's benchmarks pass JSON text in and build JSON text out).
async function runOne(sm, inputText) {
  const out = await sm.run(JSON.parse(inputText)).result;
  return JSON.stringify(out);
}

async function sequential(def, input, seconds) {
  const sm = new StateMachine(def);
  let end = now() + 0.5;
  while (now() < end) await runOne(sm, input);
  let n = 0;
  const t0 = now();
  end = t0 + seconds;
  while (now() < end) {
    for (let i = 0; i < 20; i++) await runOne(sm, input);
    n += 20;
  }
  return { executions: n, seconds: now() - t0 };
}

// Keeps `inFlight` executions running until `seconds` have passed, then
// waits for those still running (counted, and their time too).
async function concurrent(def, input, inFlight, seconds) {
  const sm = new StateMachine(def);
  async function loop(until, count) {
    let n = 0;
    while (now() < until) {
      await runOne(sm, input);
      n++;
    }
    return n;
  }
  await Promise.all(Array.from({ length: inFlight }, () => loop(now() + 0.5)));  // warm-up
  const t0 = now();
  const counts = await Promise.all(Array.from({ length: inFlight }, () => loop(t0 + seconds)));
  return { executions: counts.reduce((a, b) => a + b, 0), seconds: now() - t0 };
}

function print(o) {
  console.log(JSON.stringify(o));
}

if (!isMainThread) {
  const { inFlight, seconds } = workerData;
  parentPort.postMessage(await concurrent(RUNTIME_CHAIN, RUNTIME_INPUT, inFlight, seconds));
} else {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'engine') {
    const r = await sequential(ENGINE_CHAIN, ENGINE_INPUT, Number(args[0] || 1));
    const eps = r.executions / r.seconds;
    print({ mode, executions: r.executions, seconds: r.seconds, executions_per_s: eps, transitions_per_s: eps * STATES });
  } else if (mode === 'runtime') {
    const inFlight = Number(args[0] || 1000), threads = Number(args[1] || 2), seconds = Number(args[2] || 2);
    const results = await Promise.all(
      Array.from({ length: threads }, (_, i) => new Promise((resolve, reject) => {
        const share = Math.floor(inFlight / threads) + (i < inFlight % threads ? 1 : 0);
        const w = new Worker(new URL(import.meta.url), { workerData: { inFlight: share, seconds } });
        w.once('message', resolve);
        w.once('error', reject);
      })));
    const executions = results.reduce((a, r) => a + r.executions, 0);
    const secs = Math.max(...results.map((r) => r.seconds));
    const eps = executions / secs;
    print({ mode, in_flight: inFlight, threads, executions, seconds: secs, executions_per_s: eps, transitions_per_s: eps * STATES });
    process.exit(0);
  } else if (mode === 'map') {
    const n = Number(args[0] || 100000);
    const items = [];
    for (let i = 0; i < n; i++) items.push(i);
    const input = JSON.stringify({ items });
    const sm = new StateMachine(MAP_DEFINITION);
    const t0 = now();
    const out = await runOne(sm, input);
    const seconds = now() - t0;
    if (JSON.parse(out).length !== n) throw new Error('the Map returned the wrong number of items');
    print({ mode, items: n, seconds });
  } else {
    console.error('usage: asl_bench.mjs engine SECONDS | runtime IN_FLIGHT THREADS SECONDS | map N');
    process.exit(2);
  }
}
