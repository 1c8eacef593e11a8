// The Restate side of workloads 1, 2 and 5 (bench/run_all.py,
// bench/peers/restate_bench.py): a service whose `steps` handler does STEPS
// sequential durable steps, each a `ctx.run` that returns its
// input (the counterpart of stepd-echo-worker answering an activity task
// with its input). Restate journals every ctx.run result in its log before
// the handler goes on, as stepd makes each task's result durable before the
// next state.
//
//   node bench/peers/restate_service.mjs PORT [PROCESSES]
//
// Listens on 127.0.0.1:PORT (HTTP/2, as Restate's invoker speaks). With
// PROCESSES > 1, that many Node processes share the port (node:cluster), as
// stepd's workload runs two stepd-echo-worker processes.

import cluster from 'node:cluster';
import http2 from 'node:http2';
import * as restate from '@restatedev/restate-sdk';

const port = Number(process.argv[2] || 9080);
const processes = Number(process.argv[3] || 1);
const STEPS = 10;
const CHAIN = 5;

if (cluster.isPrimary && processes > 1) {
  for (let i = 0; i < processes; i++) cluster.fork();
  // Exits once every worker has (so that whoever waits for this process has
  // waited for all of it, and counted its CPU time).
  const stop = () => {
    const workers = Object.values(cluster.workers);
    let left = workers.length;
    if (!left) process.exit(0);
    for (const w of workers) {
      w.once('exit', () => { if (--left === 0) process.exit(0); });
      w.kill('SIGTERM');
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const bench = restate.service({
    name: 'Bench',
    handlers: {
      // Ten sequential durable steps (workload 2).
      steps: async (ctx, input) => {
        let v = input;
        for (let i = 0; i < STEPS; i++) v = await ctx.run(`step${i}`, async () => v);
        return v;
      },
      // Five sequential durable no-op transitions (workload 1, durable): the
      // counterpart of a STANDARD 5-state Pass chain.
      chain: async (ctx, input) => {
        let v = input;
        for (let i = 0; i < CHAIN; i++) v = await ctx.run(`pass${i}`, async () => v);
        return v;
      },
      // A no-op handler: the start-only case (workload 5, /send).
      noop: async (ctx, input) => input,
    },
  });
  const handler = restate.createEndpointHandler({ services: [bench] });
  http2.createServer(handler).listen(port, '127.0.0.1', () => {
    if (!cluster.isWorker || cluster.worker.id === 1) console.error(`restate_service: listening on 127.0.0.1:${port}`);
  });
}
