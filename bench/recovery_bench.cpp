// Recovery and sleeping-execution benchmark (issue #3).
//
//   case           what it measures
//   setup          N executions started, each entering a one-hour Wait and
//                  passivating (no actor; a wake-up entry in the journal)
//   resident       anonymous memory (RssAnon) per sleeping execution while
//                  the runtime holds N of them, and store bytes per execution
//   recovery       a fresh runtime over the same store: time until it has
//                  recovered every open execution and accepted a new one
//
//   recovery_bench [N] [DIR]      (N defaults to 100,000)
//
// Crash mode (bench/run_all.py, issue #7): the two halves run as separate
// processes and the caller kills each with SIGKILL, so recovery starts from
// a store whose last writer died without closing it:
//   recovery_bench setup N DIR    starts N sleepers, prints one JSON line
//                                 ({"setup_s", "resident_bytes", "store_bytes"},
//                                 per sleeping execution), then waits to be killed
//   recovery_bench recover N DIR  opens DIR, prints {"up_s", "accepted_s",
//                                 "resident_bytes"} (anonymous memory per
//                                 recovered execution, over the process before
//                                 it opened DIR), then waits to be killed
// Both also print "rss_anon_kib": the process's whole anonymous resident memory.

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <malloc.h>
#include <mutex>
#include <string>
#include <sys/stat.h>
#include <thread>

#include "actors/runtime.h"
#include "storage/lmdb_journal.h"

using namespace stepd;
using Clock = std::chrono::steady_clock;

namespace {

const char* kSleeper = R"json({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}})json";
const char* kQuick = R"json({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})json";

// Anonymous resident memory, after handing freed heap back to the system
// (so the figure is what is held, not what a burst left in malloc's arenas).
long rss_anon_kib() {
  malloc_trim(0);
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::atol(line.c_str() + 8);
  }
  return -1;
}

long file_size(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : -1;
}

actors::RuntimeOptions options(storage::Journal* j) {
  actors::RuntimeOptions o;
  o.journal = j;
  o.passivate_after_ms = 2000;
  o.wake_poll_ms = 1000;
  return o;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Starts n executions of a one-hour Wait, 1,000 in flight, and returns
// once every start is durable.
void start_sleepers(actors::Runtime& rt, long n) {
  auto sm = rt.create_state_machine("sleeper", kSleeper);
  if (!sm.ok()) std::exit(1);
  std::mutex mu;
  std::condition_variable cv;
  long in_flight = 0;
  for (long i = 0; i < n; ++i) {
    {
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return in_flight < 1000; });
      ++in_flight;
    }
    rt.start_execution_async(*sm, "s" + std::to_string(i), "{}", [&](Result<std::string> r) {
      if (!r.ok()) std::exit(1);
      std::lock_guard<std::mutex> l(mu);
      --in_flight;
      cv.notify_one();
    });
  }
  std::unique_lock<std::mutex> l(mu);
  cv.wait(l, [&] { return in_flight == 0; });
}

[[noreturn]] void wait_for_kill() {
  std::fflush(stdout);
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(60));
}

// Crash mode: see the comment at the top.
int crash_mode(const std::string& mode, long n, const std::string& dir) {
  if (mode == "setup") {
    std::string rm = "rm -rf '" + dir + "'";
    if (std::system(rm.c_str()) != 0) return 1;
    auto journal = storage::open_lmdb_journal(dir, storage::SyncMode::kNoSync);
    if (!journal.ok()) return std::fprintf(stderr, "%s\n", journal.status().message().c_str()), 1;
    auto rt = actors::Runtime::open(options(journal->get()));
    if (!rt.ok()) return 1;
    long base = rss_anon_kib();
    auto t0 = Clock::now();
    start_sleepers(**rt, n);
    while ((*rt)->running() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    double setup = seconds_since(t0);
    long resident = rss_anon_kib() - base;
    long store = file_size(dir + "/data.mdb");
    std::printf(
        "{\"executions\":%ld,\"setup_s\":%.3f,\"resident_bytes\":%.1f,\"store_bytes\":%.1f,\"rss_anon_kib\":%ld}\n", n,
        setup, resident * 1024.0 / static_cast<double>(n), static_cast<double>(store) / static_cast<double>(n),
        rss_anon_kib());
    wait_for_kill();
  }
  if (mode != "recover") return 2;
  long base = rss_anon_kib();
  auto t0 = Clock::now();
  auto journal = storage::open_lmdb_journal(dir, storage::SyncMode::kSync);
  if (!journal.ok()) return std::fprintf(stderr, "%s\n", journal.status().message().c_str()), 1;
  auto rt = actors::Runtime::open(options(journal->get()));
  if (!rt.ok()) return std::fprintf(stderr, "%s\n", rt.status().message().c_str()), 1;
  double up = seconds_since(t0);
  auto sm = (*rt)->create_state_machine("quick", kQuick);
  // A fresh name each time: the same name would be answered from the
  // idempotency index without running anything.
  std::string name = "first-after-recovery-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  auto first = (*rt)->start_execution(*sm, name, "{}");
  double accepted = seconds_since(t0);
  if (!first.ok()) return std::fprintf(stderr, "%s\n", first.status().message().c_str()), 1;
  long now = rss_anon_kib();
  std::printf("{\"executions\":%ld,\"up_s\":%.3f,\"accepted_s\":%.3f,\"resident_bytes\":%.1f,\"rss_anon_kib\":%ld}\n",
              n, up, accepted, static_cast<double>(now - base) * 1024.0 / static_cast<double>(n), now);
  wait_for_kill();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 3 && (std::string(argv[1]) == "setup" || std::string(argv[1]) == "recover")) {
    return crash_mode(argv[1], std::atol(argv[2]), argv[3]);
  }
  long n = argc > 1 ? std::atol(argv[1]) : 100000;
  std::string dir = argc > 2 ? argv[2] : "/tmp/stepd-recovery-bench";
  std::string rm = "rm -rf '" + dir + "'";
  if (std::system(rm.c_str()) != 0) return 1;

  {
    // Setup without fsync per commit: only recovery is measured here.
    auto journal = storage::open_lmdb_journal(dir, storage::SyncMode::kNoSync);
    if (!journal.ok()) return std::fprintf(stderr, "%s\n", journal.status().message().c_str()), 1;
    auto rt = actors::Runtime::open(options(journal->get()));
    if (!rt.ok()) return 1;
    long base = rss_anon_kib();
    auto t0 = Clock::now();
    start_sleepers(**rt, n);
    // Sleepers passivate once their Wait has been entered for a moment.
    while ((*rt)->running() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    double setup = seconds_since(t0);
    long resident = rss_anon_kib() - base;
    std::printf("setup        %ld executions started and asleep in %.1f s\n", n, setup);
    std::printf("resident     %+.0f bytes of anonymous memory per sleeping execution (%+ld KiB for %ld)\n",
                resident * 1024.0 / static_cast<double>(n), resident, n);
  }
  long store = file_size(dir + "/data.mdb");
  std::printf("store        %.0f bytes per execution on disk (%ld MiB)\n", static_cast<double>(store) / n,
              store >> 20);

  auto t0 = Clock::now();
  auto journal = storage::open_lmdb_journal(dir, storage::SyncMode::kSync);
  if (!journal.ok()) return 1;
  auto rt = actors::Runtime::open(options(journal->get()));
  if (!rt.ok()) return 1;
  double opened = seconds_since(t0);
  auto sm = (*rt)->create_state_machine("quick", kQuick);
  auto first = (*rt)->start_execution(*sm, "first-after-recovery", "{}");
  double accepted = seconds_since(t0);
  if (!first.ok()) return 1;
  std::printf("recovery     %ld open executions: runtime up in %.2f s, first new execution accepted at %.2f s\n", n,
              opened, accepted);
  return 0;
}
