// The LMDB layer (storage/lmdb.h) and the key layouts (storage/keys.h), each
// test in a temporary environment under /tmp, removed at the end.

#include "storage/lmdb.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/keys.h"
#include "tests/storage/temp_dir.h"

using namespace stepd;
using namespace stepd::storage;
using stepd::testing::TempDir;

namespace {


EnvOptions test_options(std::size_t map_size = std::size_t{64} << 20) {
  EnvOptions o;
  o.map_size = map_size;
  o.sync = SyncMode::kNoSync;
  return o;
}

Env open_env(const std::string& dir, const EnvOptions& o = test_options()) {
  auto env = Env::open(dir, o);
  REQUIRE(env.ok());
  return std::move(env).value();
}

Table open_table(Env& env, const std::string& name) {
  auto t = env.table(name);
  REQUIRE(t.ok());
  return *t;
}

void put_all(Env& env, const Table& t, const std::vector<std::pair<std::string, std::string>>& kvs) {
  auto txn = WriteTxn::begin(env);
  REQUIRE(txn.ok());
  for (const auto& [k, v] : kvs) REQUIRE(txn->put(t, k, v).ok());
  REQUIRE(txn->commit().ok());
}

// Every key of `t`, in cursor order.
std::vector<std::string> walk(Env& env, const Table& t) {
  auto txn = ReadTxn::begin(env);
  REQUIRE(txn.ok());
  auto c = txn->cursor(t);
  REQUIRE(c.ok());
  std::vector<std::string> out;
  Status s = c->first();
  for (; s.ok(); s = c->next()) out.emplace_back(c->key());
  CHECK(s.code() == Code::kNotFound);
  return out;
}

}  // namespace

TEST_CASE("big-endian keys compare bytewise in numeric order and decode back") {
  const std::vector<std::uint64_t> numbers = {0, 1, 2, 255, 256, 65535, 65536, 1ull << 32, (1ull << 32) + 1,
                                              ~0ull - 1, ~0ull};
  for (std::size_t i = 0; i + 1 < numbers.size(); ++i) {
    CHECK(keys::u64(numbers[i]) < keys::u64(numbers[i + 1]));
    CHECK(keys::event(7, numbers[i]) < keys::event(7, numbers[i + 1]));
    CHECK(keys::event(numbers[i], ~0ull) < keys::event(numbers[i + 1], 0));
    CHECK(keys::timer(numbers[i], 9) < keys::timer(numbers[i + 1], 1));
  }
  CHECK(keys::u64(0x0102030405060708ull) == std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  CHECK(keys::decode_u64(keys::u64(65536)) == 65536u);
  auto e = keys::decode_event(keys::event(12, 34));
  REQUIRE(e);
  CHECK(e->seq == 12);
  CHECK(e->event_id == 34);
  auto t = keys::decode_timer(keys::timer(1700000000000, 5));
  REQUIRE(t);
  CHECK(t->due_ms == 1700000000000);
  CHECK(t->seq == 5);

  SECTION("a key of the wrong size does not decode") {
    CHECK_FALSE(keys::decode_u64("1234567"));
    CHECK_FALSE(keys::decode_event(keys::u64(1)));
    CHECK_FALSE(keys::decode_timer(keys::event(1, 2) + "x"));
    CHECK_FALSE(keys::decode_machine_execution("short"));
  }

  SECTION("one state machine's index keys stay together, apart from a longer ARN sharing its prefix") {
    auto a_late = keys::machine_execution("arn:sm:a", ~0ull, ~0ull);
    auto ab_early = keys::machine_execution("arn:sm:ab", 0, 0);
    CHECK(a_late < ab_early);
    CHECK(keys::machine_execution("arn:sm:a", 5, 1) < keys::machine_execution("arn:sm:a", 6, 0));
    const std::string key = keys::machine_execution("arn:sm:a", 5, 9);
    auto m = keys::decode_machine_execution(key);  // its ARN points into `key`
    REQUIRE(m);
    CHECK(m->state_machine_arn == "arn:sm:a");
    CHECK(m->start_ms == 5);
    CHECK(m->seq == 9);
  }
}

TEST_CASE("a committed put reads back in a later txn, and after the env is reopened") {
  TempDir dir;
  {
    Env env = open_env(dir.path);
    Table t = open_table(env, "things");
    put_all(env, t, {{"k1", "v1"}, {"k2", std::string("bytes\0with zero", 15)}});
    auto txn = ReadTxn::begin(env);
    REQUIRE(txn.ok());
    auto v = txn->get(t, "k2");
    REQUIRE(v.ok());
    CHECK(*v == std::string("bytes\0with zero", 15));
    CHECK(txn->entries(t).value() == 2);
  }
  Env env = open_env(dir.path);
  Table t = open_table(env, "things");
  auto txn = ReadTxn::begin(env);
  REQUIRE(txn.ok());
  CHECK(txn->get(t, "k1").value() == "v1");
}

TEST_CASE("an absent key is kNotFound, a Status naming the call and the table") {
  TempDir dir;
  Env env = open_env(dir.path);
  Table t = open_table(env, "history");
  {
    auto txn = ReadTxn::begin(env);
    REQUIRE(txn.ok());
    auto v = txn->get(t, "missing");
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().code() == Code::kNotFound);
    CHECK(v.status().message().find("mdb_get(history)") != std::string::npos);
  }
  SECTION("a delete of an absent key is kNotFound too, and changes nothing") {
    auto w = WriteTxn::begin(env);
    REQUIRE(w.ok());
    CHECK(w->del(t, "missing").code() == Code::kNotFound);
    CHECK(w->commit().ok());
    CHECK(walk(env, t).empty());
  }
  SECTION("a table that does not exist is kNotFound when not created") {
    CHECK(env.table("nope", /*create=*/false).status().code() == Code::kNotFound);
  }
}

TEST_CASE("a write txn destroyed without commit leaves nothing behind") {
  TempDir dir;
  Env env = open_env(dir.path);
  Table t = open_table(env, "t");
  {
    auto w = WriteTxn::begin(env);
    REQUIRE(w.ok());
    REQUIRE(w->put(t, "k", "v").ok());
    CHECK(w->get(t, "k").value() == "v");  // visible inside the txn
  }
  auto r = ReadTxn::begin(env);
  REQUIRE(r.ok());
  CHECK(r->get(t, "k").status().code() == Code::kNotFound);
}

TEST_CASE("a read txn is a snapshot: later commits are invisible to it") {
  TempDir dir;
  Env env = open_env(dir.path);
  Table t = open_table(env, "t");
  put_all(env, t, {{"k", "old"}});
  auto r = ReadTxn::begin(env);
  REQUIRE(r.ok());
  auto before = r->get(t, "k");
  REQUIRE(before.ok());
  // Another thread commits: one txn per thread at a time (storage/lmdb.h).
  Status committed;
  std::thread([&] {
    auto w = WriteTxn::begin(env);
    if (!w.ok()) {
      committed = w.status();
      return;
    }
    committed = w->put(t, "k", "new");
    if (committed.ok()) committed = w->put(t, "k2", "x");
    if (committed.ok()) committed = w->commit();
  }).join();
  REQUIRE(committed.ok());
  CHECK(*before == "old");
  CHECK(r->get(t, "k").value() == "old");
  CHECK(r->get(t, "k2").status().code() == Code::kNotFound);
}

TEST_CASE("a cursor walks big-endian keys in numeric order, and seeks") {
  TempDir dir;
  Env env = open_env(dir.path);
  Table t = open_table(env, "nums");
  const std::vector<std::uint64_t> inserted = {65536, 2, 256, 1, 255, 1ull << 40, 0};
  std::vector<std::pair<std::string, std::string>> kvs;
  for (auto n : inserted) kvs.emplace_back(keys::u64(n), std::to_string(n));
  put_all(env, t, kvs);

  std::vector<std::uint64_t> walked;
  for (const auto& k : walk(env, t)) walked.push_back(keys::decode_u64(k).value());
  auto sorted = inserted;
  std::sort(sorted.begin(), sorted.end());
  CHECK(walked == sorted);

  auto r = ReadTxn::begin(env);
  REQUIRE(r.ok());
  auto c = r->cursor(t);
  REQUIRE(c.ok());
  SECTION("seek lands on the first key at or after its argument") {
    REQUIRE(c->seek(keys::u64(3)).ok());
    CHECK(c->value() == "255");
    REQUIRE(c->seek(keys::u64(256)).ok());
    CHECK(c->value() == "256");
    CHECK(c->seek(keys::u64((1ull << 40) + 1)).code() == Code::kNotFound);
  }
  SECTION("last and prev walk backwards to the first key, then kNotFound") {
    REQUIRE(c->last().ok());
    CHECK(c->value() == std::to_string(1ull << 40));
    std::size_t n = 1;
    Status s;
    while ((s = c->prev()).ok()) ++n;
    CHECK(n == inserted.size());
    CHECK(s.code() == Code::kNotFound);
  }
}

TEST_CASE("a bad table handle is kInvalidArgument naming the table, not a crash") {
  TempDir dir;
  Env env = open_env(dir.path);
  Table none;
  auto w = WriteTxn::begin(env);
  REQUIRE(w.ok());
  Status s = w->put(none, "k", "v");
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message().find("mdb_put((no table))") != std::string::npos);
  CHECK(w->get(none, "k").status().code() == Code::kInvalidArgument);
  CHECK(w->cursor(none).status().code() == Code::kInvalidArgument);
}

TEST_CASE("a key longer than LMDB's limit is refused with a Status") {
  TempDir dir;
  Env env = open_env(dir.path);
  Table t = open_table(env, "t");
  auto w = WriteTxn::begin(env);
  REQUIRE(w.ok());
  CHECK(w->put(t, std::string(keys::kMaxKeyBytes, 'k'), "v").ok());
  Status s = w->put(t, std::string(keys::kMaxKeyBytes + 1, 'k'), "v");
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message().find("MDB_BAD_VALSIZE") != std::string::npos);
}

TEST_CASE("MDB_MAP_FULL names the table and the map grows so that the work can be retried") {
  TempDir dir;
  Env env = open_env(dir.path, test_options(64 << 10));  // 16 pages
  const std::size_t initial = env.map_size();
  Table t = open_table(env, "history");
  const std::string value(1000, 'x');
  auto fill = [&](WriteTxn& w) {
    for (std::uint64_t i = 0; i < 500; ++i) {
      Status s = w.put(t, keys::event(1, i), value);
      if (!s.ok()) return s;
    }
    return Status();
  };

  std::size_t seen = 0;
  {
    auto w = WriteTxn::begin(env);
    REQUIRE(w.ok());
    seen = w->map_size_at_begin();
    Status s = fill(*w);
    REQUIRE_FALSE(s.ok());
    CHECK(w->map_full());
    CHECK(s.message().find("mdb_put(history): MDB_MAP_FULL") != std::string::npos);
  }
  CHECK(seen == initial);
  int grows = 0;
  for (;;) {
    REQUIRE(env.grow_map(seen).ok());
    ++grows;
    auto w = WriteTxn::begin(env);
    REQUIRE(w.ok());
    seen = w->map_size_at_begin();
    Status s = fill(*w);
    if (s.ok()) s = w->commit();
    if (s.ok()) break;
    REQUIRE(w->map_full());
    REQUIRE(grows < 20);
  }
  CHECK(env.map_size() > initial);
  CHECK(walk(env, t).size() == 500);

  SECTION("grow_map is a no-op when the map already outgrew what the caller saw") {
    const std::size_t now = env.map_size();
    REQUIRE(env.grow_map(initial).ok());
    CHECK(env.map_size() == now);
  }
}

TEST_CASE("growing the map waits for open read txns, whose bytes stay valid") {
  TempDir dir;
  Env env = open_env(dir.path, test_options(1 << 20));
  Table t = open_table(env, "t");
  put_all(env, t, {{"k", std::string(3000, 'v')}});
  const std::size_t before = env.map_size();

  auto r = ReadTxn::begin(env);
  REQUIRE(r.ok());
  auto v = r->get(t, "k");
  REQUIRE(v.ok());
  std::atomic<bool> grown{false};
  Status grow_status;
  std::thread grower([&] {
    grow_status = env.grow_map(before);
    grown = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK_FALSE(grown.load());
  CHECK(*v == std::string(3000, 'v'));  // the map under the reader was not moved
  {
    ReadTxn done = std::move(r).value();  // ends here: the grow may go on
  }
  grower.join();
  CHECK(grow_status.ok());
  CHECK(grown.load());
  CHECK(env.map_size() >= 2 * before);
  auto again = ReadTxn::begin(env);
  REQUIRE(again.ok());
  CHECK(again->get(t, "k").value() == std::string(3000, 'v'));
}

TEST_CASE("a directory holding a foreign file fails to open with a clear error") {
  TempDir dir;
  SECTION("data.mdb that is not LMDB") {
    {
      std::ofstream f(dir.path + "/data.mdb", std::ios::binary);
      std::string junk;
      for (int i = 0; i < 4096; ++i) junk += "not an lmdb file ";
      f << junk;
    }
    auto env = Env::open(dir.path, test_options());
    REQUIRE_FALSE(env.ok());
    CHECK(env.status().code() == Code::kIo);
    CHECK(env.status().message().find("mdb_env_open(" + dir.path + "): MDB_INVALID") != std::string::npos);
    CHECK(env.status().message().find("data.mdb is not an LMDB environment") != std::string::npos);
  }
  SECTION("a path that is a file, not a directory") {
    const std::string file = dir.path + "/plain";
    std::ofstream(file) << "hello";
    auto env = Env::open(file, test_options());
    REQUIRE_FALSE(env.ok());
    CHECK(env.status().code() == Code::kIo);
    CHECK(env.status().message().find("not a directory") != std::string::npos);
  }
}

TEST_CASE("is_empty tells a fresh environment from one with tables") {
  TempDir dir;
  Env env = open_env(dir.path);
  CHECK(env.is_empty().value());
  open_table(env, "t");
  CHECK_FALSE(env.is_empty().value());
}
