// Executions waiting for callbacks (issue #9).
//
//   case        what it measures
//   setup       N parent executions, each starting a nested execution with
//               states:startExecution.waitForTaskToken (the child, one Pass
//               state, gets the parent's $$.Task.Token and ends at once) and
//               then waiting for SendTaskSuccess
//   resident    anonymous memory (RssAnon) per waiting parent while the
//               runtime holds N of them (target: <= 2 KiB each)
//   answers     SendTaskSuccess for every token (read back from the
//               children's inputs), 1,000 in flight: answers/s until every
//               parent has SUCCEEDED (each wakes from its log)
//
//   callback_bench [N] [DIR]      (N defaults to 100,000; LMDB without fsync)

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <malloc.h>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/runtime.h"
#include "src/common/json.h"
#include "storage/lmdb_journal.h"

using namespace stepd;
using Clock = std::chrono::steady_clock;

namespace {

long rss_anon_kib() {
  malloc_trim(0);
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::atol(line.c_str() + 8);
  }
  return -1;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// At most `limit` calls in flight; wait() until all have answered.
class InFlight {
 public:
  explicit InFlight(long limit) : limit_(limit) {}
  void enter() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return n_ < limit_; });
    ++n_;
  }
  void leave() {
    std::lock_guard<std::mutex> l(mu_);
    --n_;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return n_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  long n_ = 0, limit_;
};

}  // namespace

int main(int argc, char** argv) {
  long n = argc > 1 ? std::atol(argv[1]) : 100000;
  std::string dir = argc > 2 ? argv[2] : "/tmp/stepd-callback-bench";
  std::string rm = "rm -rf '" + dir + "'";
  if (std::system(rm.c_str()) != 0) return 1;
  auto journal = storage::open_lmdb_journal(dir, storage::SyncMode::kNoSync);
  if (!journal.ok()) return std::fprintf(stderr, "%s\n", journal.status().message().c_str()), 1;
  actors::RuntimeOptions o;
  o.journal = journal->get();
  auto rt = actors::Runtime::open(o);
  if (!rt.ok()) return 1;
  auto leaf = (*rt)->create_state_machine("leaf", R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})");
  auto parent = (*rt)->create_state_machine(
      "parent", R"({"StartAt":"T","States":{"T":{"Type":"Task",
        "Resource":"arn:aws:states:::states:startExecution.waitForTaskToken",
        "Parameters":{"StateMachineArn":")" + *leaf + R"(","Input":{"token.$":"$$.Task.Token"}},"End":true}}})");
  if (!leaf.ok() || !parent.ok()) return 1;

  long base = rss_anon_kib();
  auto t0 = Clock::now();
  InFlight starts(1000);
  for (long i = 0; i < n; ++i) {
    starts.enter();
    (*rt)->start_execution_async(*parent, "p" + std::to_string(i), "{}", [&](Result<std::string> r) {
      if (!r.ok()) std::exit(1);
      starts.leave();
    });
  }
  starts.wait();
  // Each parent passivates once its child's start is recorded (TaskSubmitted).
  while ((*rt)->running() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  double setup = seconds_since(t0);
  long resident = rss_anon_kib() - base;
  std::printf("setup        %ld parents started, each waiting for its callback, in %.1f s\n", n, setup);
  std::printf("resident     %+.0f bytes of anonymous memory per waiting parent (%+ld KiB for %ld)\n",
              resident * 1024.0 / static_cast<double>(n), resident, n);

  std::vector<std::string> tokens;
  storage::Journal::ExecutionCursor cursor;
  for (;;) {
    auto page = (*journal)->executions_of(*leaf, 10000, cursor);
    if (!page.ok() || page->empty()) break;
    for (const auto& c : *page) tokens.emplace_back(json::parse(c.params.input_text)->at("token").as_string());
    cursor = {page->back().params.start_ms, page->back().seq};
  }
  if (static_cast<long>(tokens.size()) != n) return std::fprintf(stderr, "found %zu tokens\n", tokens.size()), 1;
  t0 = Clock::now();
  InFlight answers(1000);
  for (const auto& t : tokens) {
    answers.enter();
    (*rt)->send_task_success(t, R"({"ok":true})", [&](Status s) {
      if (!s.ok()) std::fprintf(stderr, "answer: %s\n", s.message().c_str()), std::exit(1);
      answers.leave();
    });
  }
  answers.wait();
  while ((*rt)->running() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  double answered = seconds_since(t0);
  std::printf("answers      %ld SendTaskSuccess, every parent woken and SUCCEEDED: %.1f s, %.0f answers/s\n", n,
              answered, static_cast<double>(n) / answered);
  // What stays once they all ended: memory that no waiting execution holds.
  std::printf("after        %+.0f bytes per parent still resident once all ended\n",
              (rss_anon_kib() - base) * 1024.0 / static_cast<double>(n));
  return 0;
}
