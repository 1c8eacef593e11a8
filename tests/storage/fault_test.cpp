// Storage under faults: a commit the file system refuses (as on a full
// disk), an append that would leave a gap in a history, and damaged files
// (a truncated or emptied data.mdb, a corrupt record, a damaged key file).
// Each gives a clear Status naming what failed, never a crash, and leaves
// what was committed before intact.
//
// The full disk is made without root: RLIMIT_FSIZE caps how far the process
// may grow a file, and LMDB's pwrite past it fails (EFBIG, or a short write
// that LMDB reports as EIO) exactly where ENOSPC would. tests/soak/disk_full.py
// does the same on a real full tmpfs.

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/journal.h"
#include "storage/lmdb_journal.h"
#include "storage/secret_key.h"
#include "storage/store.h"
#include "storage/writer.h"
#include "tests/storage/journal_test_util.h"
#include "tests/storage/temp_dir.h"

using namespace stepd;
using namespace stepd::storage;
using stepd::testing::TempDir;

namespace {

std::uint64_t file_size(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return static_cast<std::uint64_t>(st.st_size);
}

// While alive, this process may not grow a file past `limit` bytes (and
// SIGXFSZ is ignored, so the write fails with EFBIG instead of killing us).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(std::uint64_t limit) {
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved_) == 0);
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit r = saved_;
    r.rlim_cur = limit;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &r) == 0);
  }
  ~FileSizeLimit() { lift(); }
  void lift() {
    if (lifted_) return;
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, old_handler_);
    lifted_ = true;
  }

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = SIG_DFL;
  bool lifted_ = false;
};

engine::Event event(std::int64_t id, std::string payload = "{}") {
  engine::Event e;
  e.type = id == 1 ? engine::EventType::ExecutionStarted : engine::EventType::PassStateEntered;
  e.id = id;
  e.previous_event_id = id - 1;
  e.timestamp_ms = 1700000000000 + id;
  e.name = id == 1 ? "" : "P";
  e.payload = std::move(payload);
  return e;
}

Append events(std::uint64_t seq, std::int64_t from, std::int64_t to, const std::string& payload = "{}") {
  Append a;
  a.seq = seq;
  for (std::int64_t id = from; id <= to; ++id) a.events.push_back(event(id, payload));
  return a;
}

ExecutionRecord record(std::uint64_t seq, const std::string& input) {
  ExecutionRecord r;
  r.seq = seq;
  r.state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:m";
  r.params.execution_arn = "arn:aws:states:us-east-1:123456789012:execution:m:e" + std::to_string(seq);
  r.params.execution_name = "e" + std::to_string(seq);
  r.params.state_machine_arn = r.state_machine_arn;
  r.params.state_machine_name = "m";
  r.params.input_text = input;
  r.params.start_ms = 1700000000000;
  return r;
}

std::vector<std::int64_t> ids(Journal& j, std::uint64_t seq) {
  auto h = j.history(seq);
  INFO(h.status().message());
  REQUIRE(h.ok());
  std::vector<std::int64_t> out;
  for (const auto& e : *h) out.push_back(e.id);
  return out;
}

// Replaces every occurrence of `needle` in the file at `path` (same length).
int patch_file(const std::string& path, const std::string& needle, const std::string& with) {
  REQUIRE(needle.size() == with.size());
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  int n = 0;
  for (auto at = bytes.find(needle); at != std::string::npos; at = bytes.find(needle, at + 1), ++n) {
    bytes.replace(at, with.size(), with);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return n;
}

}  // namespace

TEST_CASE("a commit the file system refuses fails every request of its group; the store stays whole and writes again") {
  TempDir dir;
  auto store = Store::open(dir.path, EnvOptions{});
  REQUIRE(store.ok());
  const Tables& t = store->tables();
  Writer writer(store->env());
  Batch first;
  for (int e = 1; e <= 5; ++e) put_event(first, t, 1, e, "committed-" + std::to_string(e));
  REQUIRE(writer.write(std::move(first)).ok());

  const std::string data_file = dir.path + "/data.mdb";
  std::vector<Status> answers(8);
  {
    FileSizeLimit full(file_size(data_file));  // not one byte more
    std::promise<void> all;
    std::atomic<int> left{8};
    for (int i = 0; i < 8; ++i) {
      Batch b;
      for (int e = 1; e <= 40; ++e) put_event(b, t, 100 + i, e, std::string(4000, 'x'));
      writer.submit(std::move(b), [&, i](const Status& s) {
        answers[i] = s;
        if (--left == 0) all.set_value();
      });
    }
    all.get_future().wait();
  }
  for (const auto& s : answers) {
    INFO(s.message());
    CHECK(s.code() == Code::kIo);
    CHECK(s.message().find("mdb_txn_commit") != std::string::npos);
  }
  CHECK(writer.stats().failed == 8);
  // Nothing of the failed groups is visible; what was committed reads back.
  for (int i = 0; i < 8; ++i) CHECK(store->read_history(100 + i, 1, 100)->empty());
  auto kept = store->read_history(1, 1, 100);
  REQUIRE(kept.ok());
  REQUIRE(kept->size() == 5);
  CHECK((*kept)[4].bytes == "committed-5");

  // Room again: the same writer commits, and a reopen sees both.
  Batch later;
  for (int e = 1; e <= 40; ++e) put_event(later, t, 200, e, std::string(4000, 'y'));
  REQUIRE(writer.write(std::move(later)).ok());
}

TEST_CASE("after a refused commit, a reopened store holds exactly what was committed") {
  TempDir dir;
  {
    auto store = Store::open(dir.path, EnvOptions{});
    REQUIRE(store.ok());
    const Tables& t = store->tables();
    Writer writer(store->env());
    Batch first;
    for (int e = 1; e <= 5; ++e) put_event(first, t, 1, e, "committed-" + std::to_string(e));
    REQUIRE(writer.write(std::move(first)).ok());
    {
      FileSizeLimit full(file_size(dir.path + "/data.mdb"));
      Batch b;
      for (int e = 1; e <= 40; ++e) put_event(b, t, 100, e, std::string(4000, 'x'));
      CHECK_FALSE(writer.write(std::move(b)).ok());
    }
    Batch later;
    for (int e = 1; e <= 40; ++e) put_event(later, t, 200, e, std::string(4000, 'y'));
    REQUIRE(writer.write(std::move(later)).ok());
  }  // the writer, then the env, close
  auto again = Store::open(dir.path, EnvOptions{});
  REQUIRE(again.ok());
  CHECK(again->read_history(1, 1, 100)->size() == 5);
  CHECK(again->read_history(100, 1, 100)->empty());
  CHECK(again->read_history(200, 1, 100)->size() == 40);
}

TEST_CASE("an append that would leave a gap in a history is refused; the history stays contiguous") {
  TempDir dir;
  auto journal = test::open_lmdb(dir.path);
  auto first = events(7, 1, 3);
  first.record = record(7, "{}");
  first.opened = true;
  REQUIRE(test::append_now(*journal, std::move(first)).ok());

  // Events 4 and 5 failed to commit (say, the disk was full); 6 and 7 were
  // already submitted behind them and arrive when there is room again.
  Status gap = test::append_now(*journal, events(7, 6, 7));
  INFO(gap.message());
  CHECK(gap.code() == Code::kIo);
  CHECK(gap.message().find("event 5 is not in the history") != std::string::npos);
  CHECK(ids(*journal, 7) == std::vector<std::int64_t>{1, 2, 3});

  // The actor re-folds and appends from 4: accepted.
  REQUIRE(test::append_now(*journal, events(7, 4, 6)).ok());
  CHECK(ids(*journal, 7) == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6});

  SECTION("submitted together, a gap fails only its own append") {
    std::promise<void> both;
    std::atomic<int> left{2};
    Status ok_one, gap_one;
    journal->append(events(7, 7, 8), [&](const Status& s) {
      ok_one = s;
      if (--left == 0) both.set_value();
    });
    journal->append(events(7, 10, 10), [&](const Status& s) {
      gap_one = s;
      if (--left == 0) both.set_value();
    });
    both.get_future().wait();
    CHECK(ok_one.ok());
    CHECK_FALSE(gap_one.ok());
    CHECK(ids(*journal, 7) == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8});
  }
}

TEST_CASE("damaged data files are refused or reported by name, never read as garbage") {
  TempDir dir;
  const std::string data_file = dir.path + "/data.mdb";
  {
    auto journal = test::open_lmdb(dir.path);
    REQUIRE(load_or_create_secret(dir.path, kTaskTokenKeyFile).ok());
    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
      auto a = events(seq, 1, 20, "{\"big\":\"" + std::string(2000, 'a' + static_cast<char>(seq)) + "\"}");
      a.record = record(seq, "{\"marker\":\"unique-input-" + std::to_string(seq) + "\"}");
      a.opened = true;
      REQUIRE(test::append_now(*journal, std::move(a)).ok());
    }
  }

  SECTION("a truncated data.mdb") {
    REQUIRE(::truncate(data_file.c_str(), static_cast<off_t>(file_size(data_file) / 2)) == 0);
    auto j = open_lmdb_journal(dir.path, SyncMode::kSync);
    REQUIRE_FALSE(j.ok());
    INFO(j.status().message());
    CHECK(j.status().message().find(data_file) != std::string::npos);
    CHECK(j.status().message().find("truncated") != std::string::npos);
  }

  SECTION("an emptied data.mdb beside the store's key is not taken for a new store") {
    REQUIRE(::truncate(data_file.c_str(), 0) == 0);
    auto j = open_lmdb_journal(dir.path, SyncMode::kSync);
    REQUIRE_FALSE(j.ok());
    INFO(j.status().message());
    CHECK(j.status().message().find(data_file + " is empty") != std::string::npos);
  }

  SECTION("a record whose bytes were damaged names itself and the file; the others read") {
    // The FlatBuffers length of the input string, made huge: the verifier
    // must refuse the record before anything reads it.
    const std::string input = "{\"marker\":\"unique-input-2\"}";
    std::string len(4, '\0');
    for (int i = 0; i < 4; ++i) len[i] = static_cast<char>((input.size() >> (8 * i)) & 0xff);
    // (LMDB copies pages on write: stale copies of the record may sit in
    // free pages too, and are patched alike.)
    REQUIRE(patch_file(data_file, len + input, std::string("\xf0\xff\xff\x7f", 4) + input) >= 1);
    auto j = open_lmdb_journal(dir.path, SyncMode::kSync);
    REQUIRE(j.ok());
    auto bad = (*j)->execution(2);
    REQUIRE_FALSE(bad.ok());
    INFO(bad.status().message());
    CHECK(bad.status().message().find("corrupt execution record") != std::string::npos);
    CHECK(bad.status().message().find("execution seq 2") != std::string::npos);
    CHECK(bad.status().message().find(data_file) != std::string::npos);
    CHECK((*j)->execution(1).ok());
    CHECK((*j)->execution(3)->params.input_text == "{\"marker\":\"unique-input-3\"}");
    // Recovery reads the open ones one by one: seq 2 is still listed.
    CHECK(*(*j)->open_execution_seqs() == std::vector<std::uint64_t>{1, 2, 3});
  }

  SECTION("a damaged history event names the event, the execution and the file") {
    const std::string big(2000, 'a' + 2);  // execution 2's payloads
    std::string len(4, '\0');
    const std::string payload = "{\"big\":\"" + big + "\"}";
    for (int i = 0; i < 4; ++i) len[i] = static_cast<char>((payload.size() >> (8 * i)) & 0xff);
    REQUIRE(patch_file(data_file, len + payload, std::string("\xf0\xff\xff\x7f", 4) + payload) >= 1);
    auto j = open_lmdb_journal(dir.path, SyncMode::kSync);
    REQUIRE(j.ok());
    auto h = (*j)->history(2);
    REQUIRE_FALSE(h.ok());
    INFO(h.status().message());
    CHECK(h.status().message().find("corrupt history event") != std::string::npos);
    CHECK(h.status().message().find("of execution seq 2") != std::string::npos);
    CHECK(h.status().message().find(data_file) != std::string::npos);
    CHECK(ids(**j, 1).size() == 20);
    CHECK(ids(**j, 3).size() == 20);
  }

  SECTION("a key file of the wrong size, or whose checksum does not match, is refused by name") {
    const std::string key_file = dir.path + "/" + kTaskTokenKeyFile;
    auto key = load_or_create_secret(dir.path, kTaskTokenKeyFile);
    REQUIRE(key.ok());
    CHECK(file_size(key_file) == 40);
    CHECK(*load_or_create_secret(dir.path, kTaskTokenKeyFile) == *key);  // read back, not made again
    {
      std::fstream f(key_file, std::ios::binary | std::ios::in | std::ios::out);
      f.seekp(5);
      f.put(static_cast<char>((*key)[5] ^ 0x01));
    }
    auto flipped = load_or_create_secret(dir.path, kTaskTokenKeyFile);
    REQUIRE_FALSE(flipped.ok());
    CHECK(flipped.status().message().find(key_file) != std::string::npos);
    CHECK(flipped.status().message().find("corrupt") != std::string::npos);
    REQUIRE(::truncate(key_file.c_str(), 17) == 0);
    auto short_key = load_or_create_secret(dir.path, kTaskTokenKeyFile);
    REQUIRE_FALSE(short_key.ok());
    CHECK(short_key.status().message().find(key_file + ": not a stepd key: 17 bytes") != std::string::npos);
    // A key file made before the checksum (the key alone) still reads.
    {
      std::ofstream f(key_file, std::ios::binary | std::ios::trunc);
      f.write(key->data(), 32);
    }
    CHECK(*load_or_create_secret(dir.path, kTaskTokenKeyFile) == *key);
  }
}
