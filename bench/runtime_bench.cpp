// Runtime benchmark: executions through the actors and the journal.
//
//   case              what it measures
//   durable_c<N>      STANDARD executions of a 5-state Pass chain over the
//                     LMDB journal in sync mode (fsync per group commit),
//                     N starts in flight at any time: transitions/s
//   express_c<N>      the same over the in-memory journal (EXPRESS: no
//                     per-event log): transitions/s
//
// A transition is a state left: 5 per execution. Each line also gives the
// executions/s. The peer ratio is durable ÷ express in the same run.

#include <condition_variable>
#include <mutex>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "actors/runtime.h"
#include "storage/lmdb_journal.h"
#include "storage/memory_journal.h"

using namespace stepd;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kSeconds = 2.0;  // each case runs this long
constexpr int kStatesPerExecution = 5;

const char* kChain = R"json({"StartAt":"P1","States":{
  "P1":{"Type":"Pass","Next":"P2"},
  "P2":{"Type":"Pass","Parameters":{"id.$":"$.id","name.$":"$.name"},"Next":"P3"},
  "P3":{"Type":"Pass","Result":{"ok":true},"ResultPath":"$.check","Next":"P4"},
  "P4":{"Type":"Pass","Next":"P5"},
  "P5":{"Type":"Pass","End":true}}})json";

// Keeps `clients` starts in flight (async, as an API server would) for
// kSeconds, then waits for the executions to end; executions/s.
double run(storage::Journal& journal, int clients, const char* type) {
  actors::RuntimeOptions o;
  o.journal = &journal;
  auto rt = actors::Runtime::open(o);
  if (!rt.ok()) {
    std::fprintf(stderr, "bench: %s\n", rt.status().message().c_str());
    std::exit(1);
  }
  auto sm = (*rt)->create_state_machine(std::string("chain_") + type, kChain, type);
  if (!sm.ok()) std::exit(1);
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  long started = 0;
  auto t0 = Clock::now();
  for (long i = 0; std::chrono::duration<double>(Clock::now() - t0).count() < kSeconds; ++i) {
    {
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return in_flight < clients; });
      ++in_flight;
    }
    (*rt)->start_execution_async(*sm, "x" + std::to_string(i), R"({"id":12345,"name":"order-12345"})",
                                 [&](Result<std::string> r) {
                                   if (!r.ok()) {
                                     std::fprintf(stderr, "bench: %s\n", r.status().message().c_str());
                                     std::exit(1);
                                   }
                                   std::lock_guard<std::mutex> l(mu);
                                   --in_flight;
                                   ++started;
                                   cv.notify_one();
                                 });
  }
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return in_flight == 0; });
  }
  (*rt)->wait_idle(60000);
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  return static_cast<double>(started) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "/tmp/stepd-runtime-bench";
  // An optional second argument runs one case only (for profiling), e.g. express_c1000.
  const std::string only = argc > 2 ? argv[2] : "";
  std::string cmd = "rm -rf '" + dir + "'";
  if (std::system(cmd.c_str()) != 0) return 1;
  for (int clients : {1, 10, 100, 1000}) {
    if (!only.empty() && only != "durable_c" + std::to_string(clients) && only != "express_c" + std::to_string(clients)) {
      continue;
    }
    double durable = 0, express = 0;
    if (only.empty() || only[0] == 'd') {
      auto journal = storage::open_lmdb_journal(dir + "/c" + std::to_string(clients), storage::SyncMode::kSync);
      if (!journal.ok()) {
        std::fprintf(stderr, "bench: %s\n", journal.status().message().c_str());
        return 1;
      }
      durable = run(**journal, clients, "STANDARD");
    }
    if (only.empty() || only[0] == 'e') {
      storage::MemoryJournal unused;  // EXPRESS executions use the runtime's own in-memory journal
      express = run(unused, clients, "EXPRESS");
    }
    std::printf("durable_c%-5d %10.0f transitions/s  %8.0f executions/s\n", clients, durable * kStatesPerExecution,
                durable);
      std::printf("express_c%-5d %10.0f transitions/s  %8.0f executions/s  (durable/express %.2f)\n", clients,
                express * kStatesPerExecution, express, express > 0 ? durable / express : 0.0);
  }
  return 0;
}
