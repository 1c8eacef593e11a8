// The group-commit writer (storage/writer.h) and the Store's tables and reads
// (storage/store.h), each test in a temporary store under /tmp, removed at
// the end.

#include "storage/writer.h"

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/keys.h"
#include "tests/storage/temp_dir.h"
#include "storage/store.h"

using namespace stepd;
using namespace stepd::storage;
using stepd::testing::TempDir;

namespace {


EnvOptions options(SyncMode sync = SyncMode::kNoSync, std::size_t map_size = std::size_t{64} << 20) {
  EnvOptions o;
  o.sync = sync;
  o.map_size = map_size;
  return o;
}

Store open_store(const std::string& dir, const EnvOptions& o = options()) {
  auto s = Store::open(dir, o);
  INFO(s.status().message());
  REQUIRE(s.ok());
  return std::move(s).value();
}

std::uint64_t count(Store& store, const Table& t) {
  auto txn = ReadTxn::begin(store.env());
  REQUIRE(txn.ok());
  return txn->entries(t).value();
}

// Waits until `n` callbacks have run.
struct Countdown {
  std::mutex mu;
  std::condition_variable cv;
  std::size_t left;
  explicit Countdown(std::size_t n) : left(n) {}
  void done() {
    std::lock_guard<std::mutex> l(mu);
    if (--left == 0) cv.notify_all();
  }
  bool wait(std::chrono::seconds limit = std::chrono::seconds(60)) {
    std::unique_lock<std::mutex> l(mu);
    return cv.wait_for(l, limit, [&] { return left == 0; });
  }
};

}  // namespace

TEST_CASE("a batch is readable once write() returns OK, and survives a reopen") {
  TempDir dir;
  {
    Store store = open_store(dir.path, options(SyncMode::kSync));
    Writer writer(store.env());
    const Tables& t = store.tables();
    Batch b;
    put_event(b, t, 1, 1, "started");
    put_event(b, t, 1, 2, "entered");
    put_execution(b, t, 1, "record");
    REQUIRE(writer.write(std::move(b)).ok());
    CHECK(store.read_history(1, 1, 100).value().size() == 2);
    CHECK(writer.stats().commits == 1);
    CHECK(writer.stats().ops == 3);
  }
  Store store = open_store(dir.path);
  auto h = store.read_history(1, 1, 100);
  REQUIRE(h.ok());
  REQUIRE(h->size() == 2);
  CHECK((*h)[0].bytes == "started");
  CHECK((*h)[1].event_id == 2);
  CHECK(store.read_execution(1).value() == "record");
}

TEST_CASE("8 threads x 1000 batches are all acknowledged once, nothing lost, nothing duplicated") {
  TempDir dir;
  Store store = open_store(dir.path, options(GENERATE(SyncMode::kSync, SyncMode::kNoSync)));
  const Tables& t = store.tables();
  constexpr int kThreads = 8;
  constexpr int kBatches = 1000;
  std::vector<std::atomic<int>> acks(kThreads * kBatches);
  std::atomic<int> failures{0};
  Countdown all(kThreads * kBatches);
  {
    Writer writer(store.env());
    std::vector<std::thread> threads;
    for (int th = 0; th < kThreads; ++th) {
      threads.emplace_back([&, th] {
        for (int i = 0; i < kBatches; ++i) {
          // One "decision": two events of execution th+1, ids in order.
          Batch b;
          put_event(b, t, th + 1, 2 * i + 1, "e" + std::to_string(2 * i + 1));
          put_event(b, t, th + 1, 2 * i + 2, "e" + std::to_string(2 * i + 2));
          const int id = th * kBatches + i;
          writer.submit(std::move(b), [&, id](const Status& s) {
            if (!s.ok()) ++failures;
            ++acks[id];
            all.done();
          });
        }
      });
    }
    for (auto& th : threads) th.join();
    REQUIRE(all.wait());
    auto stats = writer.stats();
    CHECK(stats.requests == kThreads * kBatches);
    CHECK(stats.ops == 2 * kThreads * kBatches);
    CHECK(stats.failed == 0);
    // Submitters outrun a commit, so groups formed by themselves.
    CHECK(stats.commits < stats.requests);
    UNSCOPED_INFO("commits: " << stats.commits << " for " << stats.requests << " requests");
  }
  CHECK(failures == 0);
  for (auto& a : acks) REQUIRE(a.load() == 1);
  CHECK(count(store, t.history) == 2 * kThreads * kBatches);
  for (int th = 0; th < kThreads; ++th) {
    auto h = store.read_history(th + 1, 1, 100000);
    REQUIRE(h.ok());
    REQUIRE(h->size() == 2 * kBatches);
    for (std::size_t i = 0; i < h->size(); ++i) {
      REQUIRE((*h)[i].event_id == i + 1);
      REQUIRE((*h)[i].bytes == "e" + std::to_string(i + 1));
    }
  }
}

TEST_CASE("threads that each wait for their ack are batched together too") {
  TempDir dir;
  Store store = open_store(dir.path, options(SyncMode::kSync));
  Writer writer(store.env());
  constexpr int kThreads = 8;
  constexpr int kWrites = 100;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (int i = 0; i < kWrites; ++i) {
        Batch b;
        put_event(b, store.tables(), th + 1, i + 1, "x");
        if (!writer.write(std::move(b)).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(count(store, store.tables().history) == kThreads * kWrites);
  UNSCOPED_INFO("commits: " << writer.stats().commits << " for " << kThreads * kWrites << " writes");
  CHECK(writer.stats().commits < kThreads * kWrites);
}

TEST_CASE("a writer blocked behind another write txn gathers everything submitted meanwhile into one commit") {
  TempDir dir;
  Store store = open_store(dir.path);
  const Tables& t = store.tables();
  Writer writer(store.env());
  Countdown all(10);
  std::vector<Status> answers(10);
  {
    // LMDB allows one write txn per env: the writer's begin waits for ours.
    auto held = WriteTxn::begin(store.env());
    REQUIRE(held.ok());
    for (int i = 0; i < 10; ++i) {
      Batch b;
      put_event(b, t, 1, i + 1, "x");
      writer.submit(std::move(b), [&, i](const Status& s) {
        answers[i] = s;
        all.done();
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(writer.stats().requests == 0);  // nothing answered while we hold the txn
  }
  REQUIRE(all.wait());
  for (const auto& s : answers) CHECK(s.ok());
  // The writer took the first request (or more) before blocking, the rest
  // queued behind it: two commits at most, whatever the timing.
  CHECK(writer.stats().commits <= 2);
  CHECK(count(store, t.history) == 10);
}

TEST_CASE("a failing request is answered with its error; the others of its group still commit") {
  TempDir dir;
  Store store = open_store(dir.path);
  const Tables& t = store.tables();
  Writer writer(store.env());
  Countdown all(5);
  std::vector<Status> answers(5);
  auto answer = [&](int i) {
    return [&, i](const Status& s) {
      answers[i] = s;
      all.done();
    };
  };
  {
    auto held = WriteTxn::begin(store.env());  // so that all five share a group
    REQUIRE(held.ok());
    for (int i = 0; i < 5; ++i) {
      Batch b;
      put_event(b, t, 1, i + 1, "good");
      if (i == 2) b.put(Table(), "k", "v");  // a bad table after a good op
      if (i == 3) b.put(t.task_tokens, std::string(keys::kMaxKeyBytes + 1, 't'), "v");
      writer.submit(std::move(b), answer(i));
    }
  }
  REQUIRE(all.wait());
  CHECK(answers[0].ok());
  CHECK(answers[1].ok());
  CHECK(answers[4].ok());
  CHECK(answers[2].code() == Code::kInvalidArgument);
  CHECK(answers[2].message().find("mdb_put((no table))") != std::string::npos);
  CHECK(answers[3].code() == Code::kInvalidArgument);
  CHECK(answers[3].message().find("mdb_put(task_tokens): MDB_BAD_VALSIZE") != std::string::npos);
  // A request is atomic: the good first op of each failed one is not there.
  auto h = store.read_history(1, 1, 100);
  REQUIRE(h.ok());
  REQUIRE(h->size() == 3);
  CHECK((*h)[0].event_id == 1);
  CHECK((*h)[1].event_id == 2);
  CHECK((*h)[2].event_id == 5);
  CHECK(writer.stats().failed == 2);
  CHECK(writer.stats().commits <= 2);  // the survivors went on together
}

TEST_CASE("MDB_MAP_FULL grows the map and the group is retried, not failed") {
  TempDir dir;
  Store store = open_store(dir.path, options(SyncMode::kNoSync, 64 << 10));
  const std::size_t initial = store.env().map_size();
  const Tables& t = store.tables();
  Writer writer(store.env());
  constexpr int kBatches = 300;
  std::atomic<int> failures{0};
  Countdown all(kBatches);
  for (int i = 0; i < kBatches; ++i) {
    Batch b;
    for (int e = 0; e < 10; ++e) put_event(b, t, i + 1, e + 1, std::string(1000, 'p'));
    writer.submit(std::move(b), [&](const Status& s) {
      if (!s.ok()) ++failures;
      all.done();
    });
  }
  REQUIRE(all.wait());
  CHECK(failures == 0);
  CHECK(writer.stats().map_grows > 0);
  CHECK(store.env().map_size() > initial);
  CHECK(count(store, t.history) == 10 * kBatches);
}

TEST_CASE("close() finishes what was submitted before it; later submits are refused") {
  TempDir dir;
  Store store = open_store(dir.path);
  const Tables& t = store.tables();
  Writer writer(store.env());
  std::atomic<int> ok{0};
  for (int i = 0; i < 200; ++i) {
    Batch b;
    put_event(b, t, 1, i + 1, "x");
    writer.submit(std::move(b), [&](const Status& s) { ok += s.ok(); });
  }
  writer.close();
  CHECK(ok == 200);
  CHECK(count(store, t.history) == 200);

  Status late;
  Batch b;
  put_event(b, t, 1, 999, "late");
  writer.submit(std::move(b), [&](const Status& s) { late = s; });
  CHECK(late.code() == Code::kIo);
  CHECK(late.message().find("writer closed") != std::string::npos);
  CHECK(writer.write(Batch{}).code() == Code::kIo);
  writer.close();  // idempotent
}

TEST_CASE("an idle writer commits a lone request at once, without a batching delay") {
  TempDir dir;
  Store store = open_store(dir.path);
  Writer writer(store.env());
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) {
    Batch b;
    put_event(b, store.tables(), 1, i + 1, "x");
    REQUIRE(writer.write(std::move(b)).ok());
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Without fsync a commit takes tens of µs; a batching timer of even 5 ms
  // would show as more than a second here.
  CHECK(s < 1.0);
  CHECK(writer.stats().commits == 200);
}

TEST_CASE("a callback may submit more work, but write() from it is refused instead of deadlocking") {
  TempDir dir;
  Store store = open_store(dir.path);
  const Tables& t = store.tables();
  Writer writer(store.env());
  Status nested;
  Status follow_up;
  Countdown both(1);
  Batch first;
  put_event(first, t, 1, 1, "x");
  writer.submit(std::move(first), [&](const Status&) {
    nested = writer.write(Batch{});
    Batch next;
    put_event(next, t, 1, 2, "y");
    writer.submit(std::move(next), [&](const Status& s) {
      follow_up = s;
      both.done();
    });
  });
  REQUIRE(both.wait());
  CHECK(nested.code() == Code::kInternal);
  CHECK(follow_up.ok());
  CHECK(count(store, t.history) == 2);
}

TEST_CASE("a delete of an absent key does not fail its request") {
  TempDir dir;
  Store store = open_store(dir.path);
  const Tables& t = store.tables();
  Writer writer(store.env());
  Batch b;
  mark_open(b, t, 7);
  REQUIRE(writer.write(std::move(b)).ok());
  Batch close_twice;
  mark_closed(close_twice, t, 7);
  mark_closed(close_twice, t, 7);
  del_timer(close_twice, t, 1000, 7);
  CHECK(writer.write(std::move(close_twice)).ok());
  CHECK(count(store, t.open_executions) == 0);
}

TEST_CASE("a put_new leaves a value already there as it is, and its request still succeeds") {
  TempDir dir;
  Store store = open_store(dir.path);
  const Tables& t = store.tables();
  Writer writer(store.env());
  Batch first;
  put_new_revision(first, t, "rev-1", "first");
  REQUIRE(writer.write(std::move(first)).ok());
  Batch again;
  put_new_revision(again, t, "rev-1", "second");
  put_new_revision(again, t, "rev-2", "other");
  put_execution(again, t, 1, "record");  // the request's other ops are written
  REQUIRE(writer.write(std::move(again)).ok());
  CHECK(store.read_revision("rev-1").value() == "first");
  CHECK(store.read_revision("rev-2").value() == "other");
  CHECK(store.read_execution(1).value() == "record");
  CHECK(writer.stats().failed == 0);

  // A plain put still replaces.
  Batch replace;
  put_revision(replace, t, "rev-1", "third");
  REQUIRE(writer.write(std::move(replace)).ok());
  CHECK(store.read_revision("rev-1").value() == "third");
}

// ---------------------------------------------------------------- Store

TEST_CASE("the Store's reads walk their tables in key order") {
  TempDir dir;
  Store store = open_store(dir.path);
  const Tables& t = store.tables();
  Writer writer(store.env());
  Batch b;
  for (std::uint64_t seq : {2, 1, 3}) {
    for (std::uint64_t id = 1; id <= 300; ++id) put_event(b, t, seq, id, std::to_string(seq) + ":" + std::to_string(id));
  }
  for (std::uint64_t seq : {9, 3, 300, 256}) mark_open(b, t, seq);
  put_timer(b, t, 2000, 5, "t2000");
  put_timer(b, t, 1000, 6, "t1000");
  put_timer(b, t, 256, 7, "t256");
  put_timer(b, t, 3000, 1, "t3000");
  const std::string sm_a = "arn:aws:states:us-east-1:123456789012:stateMachine:a";
  const std::string sm_ab = sm_a + "b";
  index_execution(b, t, sm_a + ":e1", sm_a, 100, 1);
  index_execution(b, t, sm_a + ":e2", sm_a, 300, 2);
  index_execution(b, t, sm_a + ":e3", sm_a, 200, 3);
  index_execution(b, t, sm_a + ":e4", sm_a, 300, 4);
  index_execution(b, t, sm_ab + ":e5", sm_ab, 50, 5);
  put_task_token(b, t, "token-1", "task");
  put_state_machine(b, t, sm_a, "definition");
  REQUIRE(writer.write(std::move(b)).ok());

  SECTION("history: one execution only, from an event id, by pages") {
    auto page = store.read_history(2, 1, 100);
    REQUIRE(page.ok());
    REQUIRE(page->size() == 100);
    CHECK(page->front().bytes == "2:1");
    CHECK(page->back().event_id == 100);
    auto rest = store.read_history(2, 290, 100);
    REQUIRE(rest.ok());
    REQUIRE(rest->size() == 11);  // 290..300, and nothing of execution 3
    CHECK(rest->front().event_id == 290);
    CHECK(rest->back().bytes == "2:300");
    CHECK(store.read_history(4, 1, 100).value().empty());
    CHECK(store.read_history(2, 301, 100).value().empty());
  }
  SECTION("scan_history stops when the visitor says so") {
    std::vector<std::uint64_t> seen;
    REQUIRE(store
                .scan_history(1, 10, 100,
                              [&](std::uint64_t id, std::string_view) {
                                seen.push_back(id);
                                return id < 12;
                              })
                .ok());
    CHECK(seen == std::vector<std::uint64_t>{10, 11, 12});
  }
  SECTION("open executions in seq order, from a seq") {
    CHECK(store.list_open_executions(0, 100).value() == std::vector<std::uint64_t>{3, 9, 256, 300});
    CHECK(store.list_open_executions(10, 1).value() == std::vector<std::uint64_t>{256});
  }
  SECTION("due timers: earliest first, up to now") {
    auto due = store.due_timers(2000, 100);
    REQUIRE(due.ok());
    REQUIRE(due->size() == 3);
    CHECK((*due)[0].payload == "t256");
    CHECK((*due)[1].due_ms == 1000);
    CHECK((*due)[2].seq == 5);
    CHECK(store.due_timers(255, 100).value().empty());
    CHECK(store.due_timers(~0ull, 2).value().size() == 2);
  }
  SECTION("one state machine's executions, newest first, by pages, none of a longer ARN") {
    auto page = store.list_machine_executions(sm_a, 3);
    REQUIRE(page.ok());
    REQUIRE(page->size() == 3);
    CHECK((*page)[0].seq == 4);  // start 300, seq 4
    CHECK((*page)[1].seq == 2);  // start 300, seq 2
    CHECK((*page)[2].seq == 3);  // start 200
    auto next = store.list_machine_executions(sm_a, 3, (*page)[2].start_ms, (*page)[2].seq);
    REQUIRE(next.ok());
    REQUIRE(next->size() == 1);
    CHECK((*next)[0].seq == 1);
    CHECK((*next)[0].start_ms == 100);
    auto ab = store.list_machine_executions(sm_ab, 10);
    REQUIRE(ab.ok());
    REQUIRE(ab->size() == 1);
    CHECK((*ab)[0].seq == 5);
    CHECK(store.list_machine_executions("arn:none", 10).value().empty());
  }
  SECTION("point reads, and kNotFound for what is not there") {
    CHECK(store.find_execution(sm_a + ":e3").value() == 3);
    CHECK(store.find_execution(sm_a + ":nope").status().code() == Code::kNotFound);
    CHECK(store.read_task_token("token-1").value() == "task");
    CHECK(store.read_task_token("token-2").status().code() == Code::kNotFound);
    CHECK(store.read_state_machine(sm_a).value() == "definition");
    CHECK(store.read_execution(42).status().code() == Code::kNotFound);
  }
}

TEST_CASE("execution seqs are unique and increasing, across threads and reopens") {
  TempDir dir;
  std::set<std::uint64_t> all;
  std::uint64_t last = 0;
  {
    Store store = open_store(dir.path, options(SyncMode::kSync));
    std::mutex mu;
    std::atomic<int> failures{0};  // Catch2 assertions are for the test's own thread
    std::vector<std::thread> threads;
    for (int th = 0; th < 4; ++th) {
      threads.emplace_back([&] {
        for (int i = 0; i < 1000; ++i) {
          auto seq = store.allocate_execution_seq();
          if (!seq.ok()) {
            ++failures;
            continue;
          }
          std::lock_guard<std::mutex> l(mu);
          all.insert(*seq);
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(failures == 0);
    CHECK(all.size() == 4000);
    CHECK(*all.begin() == 1);
    last = *all.rbegin();
  }
  Store store = open_store(dir.path);
  auto seq = store.allocate_execution_seq();
  REQUIRE(seq.ok());
  CHECK(*seq > last);  // the rest of the last reserved block is skipped, not reused

  SECTION("a seq with a record is never handed out again, even without its reservation") {
    Writer writer(store.env());
    Batch b;
    put_execution(b, store.tables(), 1'000'000, "far ahead");
    REQUIRE(writer.write(std::move(b)).ok());
    writer.close();
    Store moved = std::move(store);
    {
      Store gone = std::move(moved);
    }
    Store again = open_store(dir.path);
    CHECK(again.allocate_execution_seq().value() == 1'000'001);
  }
}

TEST_CASE("Store::open refuses what is not a stepd store of this format") {
  TempDir dir;
  SECTION("an LMDB environment of another program") {
    {
      auto env = Env::open(dir.path, options());
      REQUIRE(env.ok());
      auto other = env->table("their_table");
      REQUIRE(other.ok());
    }
    auto s = Store::open(dir.path, options());
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kIo);
    CHECK(s.status().message().find("not a stepd store") != std::string::npos);
  }
  SECTION("a store of another format version") {
    {
      Store store = open_store(dir.path);
      Writer writer(store.env());
      Batch b;
      b.put(store.tables().meta, "format", "stepd-0");
      REQUIRE(writer.write(std::move(b)).ok());
    }
    auto s = Store::open(dir.path, options());
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().message().find("a stepd store of format \"stepd-0\"; this stepd reads \"stepd-1\"") !=
          std::string::npos);
  }
  SECTION("a data.mdb that is not LMDB at all") {
    std::filesystem::create_directories(dir.path);
    {
      std::FILE* f = std::fopen((dir.path + "/data.mdb").c_str(), "wb");
      REQUIRE(f != nullptr);
      std::string junk(16384, '\x5a');
      std::fwrite(junk.data(), 1, junk.size(), f);
      std::fclose(f);
    }
    auto s = Store::open(dir.path, options());
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().message().find("MDB_INVALID") != std::string::npos);
  }
  SECTION("a fresh directory becomes a store, and opens again") {
    { open_store(dir.path); }
    Store store = open_store(dir.path);
    auto txn = ReadTxn::begin(store.env());
    REQUIRE(txn.ok());
    CHECK(txn->get(store.tables().meta, "format").value() == kFormatVersion);
  }
}
