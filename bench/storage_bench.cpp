// Storage benchmark: appends through the group-commit writer (storage/writer.h)
// into a fresh LMDB store under /tmp.
//
//   case          what it measures
//   sync_c<N>     N concurrent submitters (N = 1, 10, 100, 1000), each with one
//                 12-event batch in flight (the one decision of a 5-state Pass
//                 chain: ExecutionStarted, 5 x Entered/Exited, ExecutionSucceeded,
//                 ~200 bytes each, a new execution seq per batch); a submitter
//                 sends its next batch when the last one is acked, as an
//                 execution actor does. Durable: fsync per commit.
//   nosync_c<N>   the same with MDB_NOSYNC, the peer: what fsync costs.
//   children_put_<mode>   Journal::put_map_run_children through the LMDB
//                 journal (encode, group-commit writer, commit): 1,000,000
//                 child ends of one Map Run in batches of 1,000, one call
//                 after the other as a Map Run flushes them; a ~110-byte
//                 JSON output each, one in ten FAILED with error and cause.
//                 <mode> sync (fsync per batch) or nosync (its peer).
//   children_read_<mode>  Journal::map_run_children reading them all back in
//                 index order, pages of 1,000 (read txn, cursor, decode).
//
// Prints one line per case: events/s, commits/s, events per commit, and for
// sync the ratio to its nosync peer; the children cases rows/s and ns/row. Acks go to a small pool of threads that
// build and submit the next batches, as CAF workers would (not the writer
// thread, whose time is the resource measured).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <stdlib.h>

#include "storage/lmdb_journal.h"
#include "storage/store.h"
#include "storage/writer.h"

using namespace stepd;
using namespace stepd::storage;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kRounds = 5;              // median of this many rounds per case
constexpr double kRoundSeconds = 0.6;   // length of one round
constexpr double kWarmupSeconds = 0.3;  // before the first round
constexpr int kEventsPerBatch = 12;     // a 5-state Pass chain, one decision
constexpr std::size_t kEventBytes = 200;
constexpr int kDrivers = 2;  // threads that turn acks into next batches (the VM has 2 cores)
constexpr std::size_t kMapSize = std::size_t{8} << 30;  // no map growth inside a round
constexpr std::int64_t kChildRows = 1000000;  // child ends of the one Map Run of children_*
constexpr std::int64_t kChildBatch = 1000;    // rows per put_map_run_children, and per page read

// Keeps `submitters` batches in flight until stopped.
class Load {
 public:
  Load(Writer& writer, const Tables& tables, int submitters) : writer_(writer), tables_(tables) {
    for (int i = 0; i < submitters; ++i) ready_.push_back(i);
    for (int d = 0; d < kDrivers; ++d) drivers_.emplace_back([this] { drive(); });
  }

  // Stops submitting; returns once every batch in flight is acked.
  void stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& d : drivers_) d.join();
    std::unique_lock<std::mutex> l(mu_);
    idle_.wait(l, [&] { return in_flight_ == 0; });
  }

  std::uint64_t failures() const { return failures_.load(); }

 private:
  void drive() {
    const std::string payload(kEventBytes, 'e');
    for (;;) {
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return stopping_ || !ready_.empty(); });
        if (stopping_) return;
        ready_.pop_front();  // which submitter does not matter: each batch is a new execution
        ++in_flight_;
      }
      const std::uint64_t seq = next_seq_.fetch_add(1);
      Batch b;
      b.ops.reserve(kEventsPerBatch);
      for (int e = 1; e <= kEventsPerBatch; ++e) put_event(b, tables_, seq, e, payload);
      writer_.submit(std::move(b), [this](const Status& s) {
        if (!s.ok()) failures_.fetch_add(1);
        {
          std::lock_guard<std::mutex> l(mu_);
          --in_flight_;
          if (!stopping_) ready_.push_back(0);
          if (in_flight_ == 0) idle_.notify_all();
        }
        cv_.notify_one();
      });
    }
  }

  Writer& writer_;
  const Tables& tables_;
  std::mutex mu_;
  std::condition_variable cv_, idle_;
  std::deque<int> ready_;  // guarded by mu_: submitters whose last batch was acked
  int in_flight_ = 0;      // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::atomic<std::uint64_t> next_seq_{1}, failures_{0};
  std::vector<std::thread> drivers_;
};

struct Figures {
  double events_per_s = 0;
  double commits_per_s = 0;
  double events_per_commit = 0;
};

Figures run_case(SyncMode mode, int submitters) {
  char tmpl[] = "/tmp/stepd_storage_bench.XXXXXX";
  const char* dir = mkdtemp(tmpl);
  if (dir == nullptr) {
    std::perror("bench: mkdtemp");
    std::exit(1);
  }
  Figures median;
  {
    EnvOptions o;
    o.sync = mode;
    o.map_size = kMapSize;
    auto opened = Store::open(dir, o);
    if (!opened.ok()) {
      std::fprintf(stderr, "bench: %s\n", opened.status().message().c_str());
      std::exit(1);
    }
    Store store = std::move(opened).value();
    Writer writer(store.env());
    Load load(writer, store.tables(), submitters);
    std::this_thread::sleep_for(std::chrono::duration<double>(kWarmupSeconds));
    std::vector<Figures> rounds;
    for (int r = 0; r < kRounds; ++r) {
      const WriterStats s0 = writer.stats();
      const auto t0 = Clock::now();
      std::this_thread::sleep_for(std::chrono::duration<double>(kRoundSeconds));
      const WriterStats s1 = writer.stats();
      const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
      const double commits = static_cast<double>(s1.commits - s0.commits);
      const double events = static_cast<double>(s1.ops - s0.ops);
      rounds.push_back({events / secs, commits / secs, commits > 0 ? events / commits : 0});
    }
    load.stop();
    writer.close();
    if (load.failures() != 0 || writer.stats().map_grows != 0) {
      std::fprintf(stderr, "bench: %llu failed appends, %llu map grows\n",
                   static_cast<unsigned long long>(load.failures()),
                   static_cast<unsigned long long>(writer.stats().map_grows));
      if (load.failures() != 0) std::exit(1);
    }
    std::sort(rounds.begin(), rounds.end(),
              [](const Figures& a, const Figures& b) { return a.events_per_s < b.events_per_s; });
    median = rounds[rounds.size() / 2];
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return median;
}

void print(const char* mode, int submitters, const Figures& f, const Figures* peer) {
  char name[32];
  std::snprintf(name, sizeof name, "%s_c%d", mode, submitters);
  std::printf("%-12s %12.0f events/s  %9.0f commits/s  %8.1f events/commit", name, f.events_per_s, f.commits_per_s,
              f.events_per_commit);
  if (peer != nullptr && peer->events_per_s > 0) std::printf("  %.3f x nosync", f.events_per_s / peer->events_per_s);
  std::printf("\n");
  std::fflush(stdout);
}

// children_put_<mode> and children_read_<mode>: one fresh store, one Map Run.
void run_children(SyncMode mode, const char* mode_name) {
  char tmpl[] = "/tmp/stepd_storage_bench.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::perror("bench: mkdtemp");
    std::exit(1);
  }
  const std::string dir = tmpl;
  {
    auto opened = open_lmdb_journal(dir, mode);
    if (!opened.ok()) {
      std::fprintf(stderr, "bench: %s\n", opened.status().message().c_str());
      std::exit(1);
    }
    Journal& j = **opened;
    // A Map Run ARN of a usual length (~120 characters).
    const std::string run =
        "arn:aws:states:us-east-1:123456789012:mapRun:orders-pipeline/ProcessItems:7d1c9a52-3b8e-4f0a-9c61-5e2b8d4f7a10";
    std::vector<MapRunChildEnd> batch(kChildBatch);
    double put_s = 0;
    for (std::int64_t first = 0; first < kChildRows; first += kChildBatch) {
      for (std::int64_t k = 0; k < kChildBatch; ++k) {  // built outside the timed call, as the Map Run does
        MapRunChildEnd& e = batch[k];
        e.index = first + k;
        e.start_ms = 1700000000000 + e.index;
        e.stop_ms = e.start_ms + 250;
        if (e.index % 10 == 9) {
          e.status = "FAILED";
          e.output.clear();
          e.error = "States.TaskFailed";
          e.cause = "item " + std::to_string(e.index) + ": upstream answered 503";
        } else {
          e.status = "SUCCEEDED";
          e.output = R"({"orderId":"ord-)" + std::to_string(e.index) +
                     R"(","status":"shipped","warehouse":"eu-west-1b","items":3,"total":129.5})";
          e.error.reset();
          e.cause.reset();
        }
      }
      const auto t0 = Clock::now();
      Status s = j.put_map_run_children(run, batch);
      put_s += std::chrono::duration<double>(Clock::now() - t0).count();
      if (!s.ok()) {
        std::fprintf(stderr, "bench: put_map_run_children: %s\n", s.message().c_str());
        std::exit(1);
      }
    }

    std::int64_t read = 0, failed = 0;
    const auto t0 = Clock::now();
    for (std::int64_t from = 0;;) {
      auto page = j.map_run_children(run, from, kChildBatch);
      if (!page.ok()) {
        std::fprintf(stderr, "bench: map_run_children: %s\n", page.status().message().c_str());
        std::exit(1);
      }
      read += static_cast<std::int64_t>(page->size());
      for (const auto& e : *page) failed += e.error.has_value();
      if (page->size() < static_cast<std::size_t>(kChildBatch)) break;
      from = page->back().index + 1;
    }
    const double read_s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (read != kChildRows || failed != kChildRows / 10) {
      std::fprintf(stderr, "bench: read back %lld rows (%lld failed), wrote %lld\n", static_cast<long long>(read),
                   static_cast<long long>(failed), static_cast<long long>(kChildRows));
      std::exit(1);
    }
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(std::filesystem::path(dir) / "data.mdb", ec);
    std::printf("children_put_%-6s %10.0f rows/s  %7.0f ns/row  %6.2f s for %lld rows  store %.0f B/row\n",
                mode_name, kChildRows / put_s, put_s * 1e9 / kChildRows, put_s, static_cast<long long>(kChildRows),
                ec ? 0.0 : static_cast<double>(bytes) / kChildRows);
    std::printf("children_read_%-5s %10.0f rows/s  %7.0f ns/row  %6.2f s, pages of %lld\n", mode_name,
                kChildRows / read_s, read_s * 1e9 / kChildRows, read_s, static_cast<long long>(kChildBatch));
    std::fflush(stdout);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace

int main(int argc, char** argv) {
  // An optional argument runs one concurrency only (e.g. "100"), or only
  // the children cases ("children").
  const bool children_only = argc > 1 && std::string(argv[1]) == "children";
  const int only = argc > 1 ? std::atoi(argv[1]) : 0;
  for (int submitters : {1, 10, 100, 1000}) {
    if (children_only) break;
    if (only != 0 && only != submitters) continue;
    const Figures nosync = run_case(SyncMode::kNoSync, submitters);
    print("nosync", submitters, nosync, nullptr);
    const Figures sync = run_case(SyncMode::kSync, submitters);
    print("sync", submitters, sync, &nosync);
  }
  if (only == 0) {
    run_children(SyncMode::kNoSync, "nosync");
    run_children(SyncMode::kSync, "sync");
  }
  return 0;
}
