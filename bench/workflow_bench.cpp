// Workflow benchmark (issue #7, workload 2): N sequential durable steps,
// each done by a remote worker.
//
// A STANDARD machine of STEPS activity Task states in a chain, over the
// LMDB journal in sync mode (an fsync per group commit, as `stepd serve`),
// served by WORKERS stepd-echo-worker processes connected through the
// worker gateway (CAF middleman over TCP on 127.0.0.1; each answers a task
// with its input). CLIENTS callers each start an execution, wait for its
// end, and start the next (a closed loop) for SECONDS; latency is from the
// start call to the execution's end, as a caller of the runtime sees it.
// The peer is Restate (bench/peers/restate_bench.py): a handler doing the
// same number of sequential `ctx.run` steps, called through its ingress.
//
//   workflow_bench --worker PATH [--dir DIR] [--steps 10] [--workers 2]
//                  [--worker-concurrency 128] [--clients 1,64] [--seconds 3]
//                  [--rounds 5] [--json]
//
// Prints one line per round: executions, steps/s, latency p50/p99; with
// --json one JSON object per round instead.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/runtime.h"
#include "storage/lmdb_journal.h"

extern char** environ;

using namespace stepd;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string worker;
  std::string dir = "/tmp/stepd-workflow-bench";
  int steps = 10;
  int workers = 2;
  int worker_concurrency = 128;
  std::vector<int> clients = {1, 64};
  double seconds = 3.0;
  int rounds = 5;
  bool json = false;
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: workflow_bench --worker PATH [--dir DIR] [--steps N] [--workers N] "
               "[--worker-concurrency N] [--clients 1,64] [--seconds S] [--rounds N] [--json]\n");
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--worker") o.worker = value();
    else if (a == "--dir") o.dir = value();
    else if (a == "--steps") o.steps = std::atoi(value().c_str());
    else if (a == "--workers") o.workers = std::atoi(value().c_str());
    else if (a == "--worker-concurrency") o.worker_concurrency = std::atoi(value().c_str());
    else if (a == "--seconds") o.seconds = std::atof(value().c_str());
    else if (a == "--rounds") o.rounds = std::atoi(value().c_str());
    else if (a == "--json") o.json = true;
    else if (a == "--clients") {
      o.clients.clear();
      std::string list = value();
      for (std::size_t p = 0; p < list.size();) {
        auto comma = list.find(',', p);
        o.clients.push_back(std::atoi(list.substr(p, comma - p).c_str()));
        p = comma == std::string::npos ? list.size() : comma + 1;
      }
    } else usage();
  }
  if (o.worker.empty() || o.steps < 1 || o.workers < 1 || o.clients.empty()) usage();
  return o;
}

std::string machine(int steps, const std::string& activity_arn) {
  std::string def = R"({"StartAt":"T1","States":{)";
  for (int i = 1; i <= steps; ++i) {
    if (i > 1) def += ',';
    def += "\"T" + std::to_string(i) + "\":{\"Type\":\"Task\",\"Resource\":\"" + activity_arn + "\",";
    def += i == steps ? std::string("\"End\":true}") : "\"Next\":\"T" + std::to_string(i + 1) + "\"}";
  }
  return def + "}}";
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

struct Round {
  long executions = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
};

// A closed loop of `clients` callers for `seconds`; then waits for the
// executions in flight, which count too (the time includes them).
Round run_round(actors::Runtime& rt, const std::string& sm, int clients, double seconds, const std::string& prefix) {
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  Round r;
  auto t0 = Clock::now();
  for (long i = 0; std::chrono::duration<double>(Clock::now() - t0).count() < seconds; ++i) {
    {
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return in_flight < clients; });
      ++in_flight;
    }
    actors::Runtime::StartRequest req;
    req.state_machine_arn = sm;
    req.name = prefix + std::to_string(i);
    req.input = R"({"order":"ORD-12345","amount":42.5})";
    auto started = Clock::now();
    rt.start_sync_execution_async(req, [&, started](Result<storage::ExecutionRecord> rec) {
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
      if (!rec.ok() || rec->status != "SUCCEEDED") {
        std::fprintf(stderr, "workflow_bench: execution did not succeed: %s\n",
                     rec.ok() ? rec->status.c_str() : rec.status().message().c_str());
        std::_Exit(1);
      }
      std::lock_guard<std::mutex> l(mu);
      --in_flight;
      ++r.executions;
      r.latencies_ms.push_back(ms);
      cv.notify_one();
    });
  }
  std::unique_lock<std::mutex> l(mu);
  cv.wait(l, [&] { return in_flight == 0; });
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  std::string rm = "rm -rf '" + o.dir + "'";
  if (std::system(rm.c_str()) != 0) return 1;
  auto journal = storage::open_lmdb_journal(o.dir, storage::SyncMode::kSync);
  if (!journal.ok()) {
    std::fprintf(stderr, "workflow_bench: %s\n", journal.status().message().c_str());
    return 1;
  }
  actors::RuntimeOptions ro;
  ro.journal = journal->get();
  ro.token_key = "workflow-bench-key";
  ro.workers = actors::WorkerServerOptions{};  // 127.0.0.1, a port the OS picks
  auto rt = actors::Runtime::open(ro);
  if (!rt.ok()) {
    std::fprintf(stderr, "workflow_bench: %s\n", rt.status().message().c_str());
    return 1;
  }
  const std::string activity = "arn:aws:states:us-east-1:123456789012:activity:bench";
  auto sm = (*rt)->create_state_machine("steps", machine(o.steps, activity), "STANDARD");
  if (!sm.ok()) {
    std::fprintf(stderr, "workflow_bench: %s\n", sm.status().message().c_str());
    return 1;
  }

  // The workers: separate processes, as in production.
  std::vector<pid_t> workers;
  std::string connect = "127.0.0.1:" + std::to_string((*rt)->worker_port());
  std::string conc = std::to_string(o.worker_concurrency);
  for (int w = 0; w < o.workers; ++w) {
    std::vector<std::string> args = {o.worker, "--connect", connect, "--activity", activity, "--concurrency", conc};
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, o.worker.c_str(), nullptr, nullptr, cargs.data(), environ) != 0) {
      std::fprintf(stderr, "workflow_bench: cannot start %s\n", o.worker.c_str());
      return 1;
    }
    workers.push_back(pid);
  }
  auto stop_workers = [&] {
    for (pid_t p : workers) kill(p, SIGTERM);
    for (pid_t p : workers) waitpid(p, nullptr, 0);
  };

  // Warm-up: the workers connect, pages and connections are touched.
  run_round(**rt, *sm, 8, 1.0, "warm-");

  for (int clients : o.clients) {
    for (int round = 0; round < o.rounds; ++round) {
      Round r = run_round(**rt, *sm, clients, o.seconds,
                          "c" + std::to_string(clients) + "r" + std::to_string(round) + "-");
      double steps_per_s = static_cast<double>(r.executions) * o.steps / r.seconds;
      double p50 = percentile(r.latencies_ms, 0.50), p90 = percentile(r.latencies_ms, 0.90),
             p99 = percentile(r.latencies_ms, 0.99), max = percentile(r.latencies_ms, 1.0);
      if (o.json) {
        std::printf(
            "{\"clients\":%d,\"round\":%d,\"steps\":%d,\"executions\":%ld,\"seconds\":%.3f,"
            "\"steps_per_s\":%.1f,\"executions_per_s\":%.2f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
            "\"max_ms\":%.3f}\n",
            clients, round, o.steps, r.executions, r.seconds, steps_per_s, r.executions / r.seconds, p50, p90, p99, max);
      } else {
        std::printf("clients %-4d round %d  %6ld executions  %9.0f steps/s  p50 %8.2f ms  p90 %8.2f ms  p99 %8.2f ms  "
                    "max %8.2f ms\n", clients, round, r.executions, steps_per_s, p50, p90, p99, max);
      }
      std::fflush(stdout);
    }
  }
  stop_workers();
  return 0;
}
