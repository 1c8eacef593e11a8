// What the journals keep for the Distributed Map (storage/journal.h): Map
// Run records and their list per parent execution, the index of a Map Run's
// child executions, child records' map_run_arn, and revisions stored on
// their own. Each behaviour is checked on both journals, the durable one in
// a temporary directory and the in-memory one; what must survive a restart
// is checked on the durable one after reopening it.

#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/keys.h"
#include "storage/lmdb_journal.h"
#include "storage/memory_journal.h"
#include "storage/store.h"
#include "storage/writer.h"
#include "tests/storage/journal_test_util.h"
#include "tests/storage/temp_dir.h"

using namespace stepd;
using namespace stepd::storage;
using stepd::testing::TempDir;

namespace {

using test::append_now;
using test::LmdbFixture;
using test::MemoryFixture;
using test::open_lmdb;
using test::seqs_of;
using test::walk_pages;

constexpr const char* kMachinePrefix = "arn:aws:states:us-east-1:123456789012:stateMachine:";
constexpr const char* kExecutionPrefix = "arn:aws:states:us-east-1:123456789012:execution:";
constexpr const char* kMapRunPrefix = "arn:aws:states:us-east-1:123456789012:mapRun:";

// Starts an execution as the runtime does (the record with opened = true);
// a Map Run's child when `map_run_arn` is not empty.
ExecutionRecord start(Journal& j, const std::string& machine, std::int64_t start_ms,
                      const std::string& map_run_arn = "") {
  auto seq = j.next_seq();
  REQUIRE(seq.ok());
  ExecutionRecord r;
  r.seq = *seq;
  r.state_machine_arn = kMachinePrefix + machine;
  r.params.state_machine_arn = r.state_machine_arn;
  r.params.state_machine_name = machine;
  r.params.execution_name = "run-" + std::to_string(*seq);
  r.params.execution_arn = kExecutionPrefix + machine + ":" + r.params.execution_name;
  r.params.start_ms = start_ms;
  r.map_run_arn = map_run_arn;
  Append a;
  a.seq = r.seq;
  a.record = r;
  a.opened = true;
  REQUIRE(append_now(j, std::move(a)).ok());
  return r;
}

// A Map Run with every member set, each to a value of its own.
MapRunRecord full_map_run(const std::string& label, const std::string& parent, std::int64_t start_ms) {
  MapRunRecord r;
  r.map_run_arn = kMapRunPrefix + std::string("parent/") + label + ":0123abcd-4567-89ef";
  r.execution_arn = parent;
  r.status = "FAILED";
  r.start_ms = start_ms;
  r.stop_ms = start_ms + 5000;
  r.max_concurrency = 40;
  r.tolerated_failure_count = 3;
  r.tolerated_failure_percentage = 12.5;
  r.item_counts = MapRunCounts{1, 2, 3, 4, 5, 6, 21, 7};
  r.execution_counts = MapRunCounts{11, 12, 13, 14, 15, 16, 81, 17};
  r.redrive_count = 2;
  r.redrive_ms = start_ms + 9000;
  return r;
}

void check_same(const MapRunCounts& got, const MapRunCounts& want) {
  CHECK(got.pending == want.pending);
  CHECK(got.running == want.running);
  CHECK(got.succeeded == want.succeeded);
  CHECK(got.failed == want.failed);
  CHECK(got.timed_out == want.timed_out);
  CHECK(got.aborted == want.aborted);
  CHECK(got.total == want.total);
  CHECK(got.results_written == want.results_written);
}

void check_same(const MapRunRecord& got, const MapRunRecord& want) {
  CHECK(got.map_run_arn == want.map_run_arn);
  CHECK(got.execution_arn == want.execution_arn);
  CHECK(got.status == want.status);
  CHECK(got.start_ms == want.start_ms);
  CHECK(got.stop_ms == want.stop_ms);
  CHECK(got.max_concurrency == want.max_concurrency);
  CHECK(got.tolerated_failure_count == want.tolerated_failure_count);
  CHECK(got.tolerated_failure_percentage == want.tolerated_failure_percentage);
  check_same(got.item_counts, want.item_counts);
  check_same(got.execution_counts, want.execution_counts);
  CHECK(got.redrive_count == want.redrive_count);
  CHECK(got.redrive_ms == want.redrive_ms);
}

void check_same(const RevisionRecord& got, const RevisionRecord& want) {
  CHECK(got.revision_id == want.revision_id);
  CHECK(got.state_machine_arn == want.state_machine_arn);
  CHECK(got.definition == want.definition);
  CHECK(got.role_arn == want.role_arn);
  CHECK(got.creation_ms == want.creation_ms);
}

std::vector<std::string> arns_of(const std::vector<MapRunRecord>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.map_run_arn);
  return out;
}

// A child end with every member set, each to a value of its own.
MapRunChildEnd child_end(std::int64_t index, const std::string& status = "SUCCEEDED") {
  MapRunChildEnd e;
  e.index = index;
  e.status = status;
  e.output = status == "SUCCEEDED" ? R"({"item":)" + std::to_string(index) + "}" : "";
  if (status != "SUCCEEDED") {
    e.error = "States.TaskFailed";
    e.cause = "child " + std::to_string(index) + " failed";
  }
  e.start_ms = 1700000000000 + index;
  e.stop_ms = 1700000000500 + index;
  return e;
}

void check_same(const MapRunChildEnd& got, const MapRunChildEnd& want) {
  CHECK(got.index == want.index);
  CHECK(got.status == want.status);
  CHECK(got.output == want.output);
  CHECK(got.error == want.error);
  CHECK(got.cause == want.cause);
  CHECK(got.start_ms == want.start_ms);
  CHECK(got.stop_ms == want.stop_ms);
}

std::vector<std::int64_t> indexes_of(const std::vector<MapRunChildEnd>& es) {
  std::vector<std::int64_t> out;
  for (const auto& e : es) out.push_back(e.index);
  return out;
}

std::vector<std::int64_t> iota_from(std::int64_t first, std::int64_t count) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 0; i < count; ++i) out.push_back(first + i);
  return out;
}

RevisionRecord child_revision(const std::string& id, std::int64_t creation_ms) {
  return RevisionRecord{id, std::string(kMachinePrefix) + "parent/inner",
                        R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})",
                        "arn:aws:iam::123456789012:role/r", creation_ms};
}

}  // namespace

// ---------------------------------------------------------------- map_run_arn

TEMPLATE_TEST_CASE("journal: a child execution's map_run_arn round-trips, and a plain one's stays empty",
                   "[storage][journal][maprun]", LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  const std::string run = std::string(kMapRunPrefix) + "parent/inner:1";
  const ExecutionRecord child = start(j, "parent/inner", 1000, run);
  const ExecutionRecord plain = start(j, "parent", 1000);
  auto got = j.execution(child.seq);
  REQUIRE(got.ok());
  CHECK(got->map_run_arn == run);
  CHECK(j.execution(plain.seq)->map_run_arn.empty());

  // A later write of the record (its end) keeps it.
  ExecutionRecord done = *got;
  done.status = "SUCCEEDED";
  done.stop_ms = 2000;
  Append a;
  a.seq = done.seq;
  a.record = done;
  a.closed = true;
  REQUIRE(append_now(j, std::move(a)).ok());
  CHECK(j.execution(child.seq)->map_run_arn == run);
  CHECK(j.execution(child.seq)->status == "SUCCEEDED");
}

TEST_CASE("lmdb journal: a child execution's map_run_arn survives a reopen", "[storage][journal][maprun]") {
  TempDir dir;
  const std::string run = std::string(kMapRunPrefix) + "parent/inner:1";
  ExecutionRecord child;
  {
    auto j = open_lmdb(dir.path);
    child = start(*j, "parent/inner", 1000, run);
  }
  auto j = open_lmdb(dir.path);
  auto got = j->execution(child.seq);
  REQUIRE(got.ok());
  CHECK(got->map_run_arn == run);
  CHECK(got->params.execution_arn == child.params.execution_arn);
  CHECK(seqs_of(*j->executions_of_map_run(run, 10, {})) == std::vector<std::uint64_t>{child.seq});
}

// ---------------------------------------------------------------- put_revision

TEMPLATE_TEST_CASE("journal: put_revision stores a revision once; a second put of its id changes nothing",
                   "[storage][journal][maprun]", LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  const RevisionRecord first = child_revision("child-rev", 1000);
  REQUIRE(j.put_revision(first).ok());
  auto got = j.revision("child-rev");
  REQUIRE(got.ok());
  check_same(*got, first);

  RevisionRecord other = child_revision("child-rev", 2000);
  other.definition = R"({"StartAt":"S","States":{"S":{"Type":"Succeed"}}})";
  REQUIRE(j.put_revision(other).ok());
  check_same(*j.revision("child-rev"), first);

  // Beside a state machine's own revisions, without touching the machine.
  CHECK(j.state_machine(first.state_machine_arn).status().code() == Code::kNotFound);
  CHECK(j.revision("absent").status().code() == Code::kNotFound);
}

TEST_CASE("lmdb journal: a revision put on its own survives a reopen, and stays first-written",
          "[storage][journal][maprun]") {
  TempDir dir;
  const RevisionRecord first = child_revision("child-rev", 1000);
  {
    auto j = open_lmdb(dir.path);
    REQUIRE(j->put_revision(first).ok());
  }
  {
    auto j = open_lmdb(dir.path);
    auto got = j->revision("child-rev");
    REQUIRE(got.ok());
    check_same(*got, first);
    REQUIRE(j->put_revision(child_revision("child-rev", 2000)).ok());
  }
  auto j = open_lmdb(dir.path);
  check_same(*j->revision("child-rev"), first);
}

// ---------------------------------------------------------------- Map Runs

TEMPLATE_TEST_CASE("journal: a Map Run with every member set round-trips, and an absent one is kNotFound",
                   "[storage][journal][maprun]", LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  const std::string parent = std::string(kExecutionPrefix) + "parent:run-1";
  const MapRunRecord want = full_map_run("inner", parent, 1700000000000);
  REQUIRE(j.put_map_run(want).ok());
  auto got = j.map_run(want.map_run_arn);
  REQUIRE(got.ok());
  check_same(*got, want);

  // A fresh record keeps the struct defaults.
  MapRunRecord plain;
  plain.map_run_arn = std::string(kMapRunPrefix) + "parent/plain:1";
  plain.execution_arn = parent;
  REQUIRE(j.put_map_run(plain).ok());
  auto back = j.map_run(plain.map_run_arn);
  REQUIRE(back.ok());
  check_same(*back, plain);
  CHECK(back->status == "RUNNING");

  const std::string absent = std::string(kMapRunPrefix) + "parent/none:1";
  auto missing = j.map_run(absent);
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK(missing.status().message() == "no Map Run " + absent);
  CHECK(j.map_run("").status().code() == Code::kNotFound);
}

TEMPLATE_TEST_CASE("journal: put_map_run replaces the record and keeps one entry in its execution's list",
                   "[storage][journal][maprun]", LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  const std::string parent = std::string(kExecutionPrefix) + "parent:run-1";
  MapRunRecord r = full_map_run("inner", parent, 1000);
  r.status = "RUNNING";
  r.stop_ms = 0;
  REQUIRE(j.put_map_run(r).ok());

  // Its end, then an UpdateMapRun.
  r.status = "SUCCEEDED";
  r.stop_ms = 3000;
  r.item_counts.succeeded = 21;
  REQUIRE(j.put_map_run(r).ok());
  r.max_concurrency = 5;
  r.tolerated_failure_percentage = 0.5;
  REQUIRE(j.put_map_run(r).ok());
  check_same(*j.map_run(r.map_run_arn), r);
  auto listed = j.map_runs_of(parent);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  check_same((*listed)[0], r);

  // A replace that moves it in time (not something the runtime does) moves
  // its entry: no stale one is left behind.
  r.start_ms = 500;
  REQUIRE(j.put_map_run(r).ok());
  listed = j.map_runs_of(parent);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].start_ms == 500);
}

TEMPLATE_TEST_CASE("journal: map_runs_of lists one execution's Map Runs, oldest first", "[storage][journal][maprun]",
                   LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  const std::string a = std::string(kExecutionPrefix) + "parent:a";
  const std::string ab = std::string(kExecutionPrefix) + "parent:ab";  // a's ARN is a prefix of this one
  REQUIRE(j.put_map_run(full_map_run("second", a, 2000)).ok());
  REQUIRE(j.put_map_run(full_map_run("other", ab, 1500)).ok());
  REQUIRE(j.put_map_run(full_map_run("first", a, 1000)).ok());
  REQUIRE(j.put_map_run(full_map_run("third", a, 3000)).ok());

  auto of_a = j.map_runs_of(a);
  REQUIRE(of_a.ok());
  CHECK(arns_of(*of_a) == std::vector<std::string>{full_map_run("first", a, 0).map_run_arn,
                                                   full_map_run("second", a, 0).map_run_arn,
                                                   full_map_run("third", a, 0).map_run_arn});
  check_same((*of_a)[1], full_map_run("second", a, 2000));

  auto of_ab = j.map_runs_of(ab);
  REQUIRE(of_ab.ok());
  CHECK(arns_of(*of_ab) == std::vector<std::string>{full_map_run("other", ab, 0).map_run_arn});
  auto none = j.map_runs_of(std::string(kExecutionPrefix) + "parent:none");
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("lmdb journal: Map Runs and their lists survive a reopen", "[storage][journal][maprun]") {
  TempDir dir;
  const std::string parent = std::string(kExecutionPrefix) + "parent:run-1";
  MapRunRecord first = full_map_run("first", parent, 1000);
  const MapRunRecord second = full_map_run("second", parent, 2000);
  {
    auto j = open_lmdb(dir.path);
    REQUIRE(j->put_map_run(second).ok());
    REQUIRE(j->put_map_run(first).ok());
  }
  {
    auto j = open_lmdb(dir.path);
    check_same(*j->map_run(first.map_run_arn), first);
    auto listed = j->map_runs_of(parent);
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 2);
    check_same((*listed)[0], first);
    check_same((*listed)[1], second);
    first.status = "ABORTED";
    first.redrive_count = 3;
    REQUIRE(j->put_map_run(first).ok());
  }
  auto j = open_lmdb(dir.path);
  check_same(*j->map_run(first.map_run_arn), first);
  CHECK(arns_of(*j->map_runs_of(parent)) == std::vector<std::string>{first.map_run_arn, second.map_run_arn});
}

// ---------------------------------------------------------------- Map Run children

TEMPLATE_TEST_CASE("journal: executions_of_map_run lists only that Map Run's children, newest first, by pages",
                   "[storage][journal][maprun]", LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  const std::string run = std::string(kMapRunPrefix) + "parent/inner:1";
  const std::string run_longer = run + "0";  // run's ARN is a prefix of this one
  const ExecutionRecord c1 = start(j, "parent/inner", 2000, run);
  const ExecutionRecord o1 = start(j, "parent/inner", 1500, run_longer);
  const ExecutionRecord c2 = start(j, "parent/inner", 1000, run);  // started earlier, seq later
  const ExecutionRecord c3 = start(j, "parent/inner", 2000, run);  // same start as c1: seq orders them
  const ExecutionRecord plain = start(j, "parent/inner", 2500);    // the same machine, no Map Run
  const ExecutionRecord c4 = start(j, "parent/inner", 3000, run);

  auto all = j.executions_of_map_run(run, 100, {});
  REQUIRE(all.ok());
  CHECK(seqs_of(*all) == std::vector<std::uint64_t>{c4.seq, c3.seq, c1.seq, c2.seq});
  CHECK((*all)[0].params.execution_arn == c4.params.execution_arn);
  CHECK((*all)[0].map_run_arn == run);

  // Pages of 3, each from the last record of the one before.
  auto fetch = [&](std::size_t n, Journal::ExecutionCursor c) { return j.executions_of_map_run(run, n, c); };
  CHECK(walk_pages(fetch, 3) == seqs_of(*all));

  // The cursor is exclusive: strictly before (2000, c3.seq).
  auto before = j.executions_of_map_run(run, 100, {2000, c3.seq});
  REQUIRE(before.ok());
  CHECK(seqs_of(*before) == std::vector<std::uint64_t>{c1.seq, c2.seq});

  auto other = j.executions_of_map_run(run_longer, 100, {});
  REQUIRE(other.ok());
  CHECK(seqs_of(*other) == std::vector<std::uint64_t>{o1.seq});
  CHECK(j.executions_of_map_run(std::string(kMapRunPrefix) + "parent/none:1", 100, {})->empty());
  CHECK(j.executions_of_map_run(run, 0, {})->empty());

  // The machine's own list still holds every execution, children or not.
  auto of_machine = j.executions_of(std::string(kMachinePrefix) + "parent/inner", 100, {});
  REQUIRE(of_machine.ok());
  CHECK(seqs_of(*of_machine) == std::vector<std::uint64_t>{c4.seq, plain.seq, c3.seq, c1.seq, o1.seq, c2.seq});
}

TEMPLATE_TEST_CASE("journal: a child's later records do not index it again", "[storage][journal][maprun]",
                   LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  const std::string run = std::string(kMapRunPrefix) + "parent/inner:1";
  ExecutionRecord c = start(j, "parent/inner", 1000, run);
  // A record written without `opened` (its end) is no new entry.
  c.status = "FAILED";
  Append a;
  a.seq = c.seq;
  a.record = c;
  a.closed = true;
  REQUIRE(append_now(j, std::move(a)).ok());
  auto listed = j.executions_of_map_run(run, 100, {});
  REQUIRE(listed.ok());
  CHECK(seqs_of(*listed) == std::vector<std::uint64_t>{c.seq});
  CHECK((*listed)[0].status == "FAILED");
}

TEST_CASE("memory journal without history: a finished child leaves its Map Run's list, as it leaves the rest",
          "[storage][journal][maprun]") {
  MemoryJournal j(/*keep_history=*/false);
  const std::string run = std::string(kMapRunPrefix) + "parent/inner:1";
  ExecutionRecord done = start(j, "parent/inner", 1000, run);
  const ExecutionRecord running = start(j, "parent/inner", 2000, run);
  done.status = "SUCCEEDED";
  Append a;
  a.seq = done.seq;
  a.record = done;
  a.closed = true;
  REQUIRE(append_now(j, std::move(a)).ok());
  CHECK(seqs_of(*j.executions_of_map_run(run, 100, {})) == std::vector<std::uint64_t>{running.seq});
}

TEST_CASE("lmdb journal: a store from before Map Runs opens with their tables empty", "[storage][journal][maprun]") {
  TempDir dir;
  {
    // What the previous stepd wrote: its eleven tables and the format.
    auto env = Env::open(dir.path, EnvOptions{std::size_t{64} << 20, 16, 126, SyncMode::kNoSync});
    REQUIRE(env.ok());
    Table meta;
    for (const char* name : {"meta", "history", "executions", "execution_names", "machine_executions",
                             "open_executions", "timers", "task_tokens", "state_machines", "revisions",
                             "activities"}) {
      auto t = env->table(name);
      REQUIRE(t.ok());
      if (std::string(name) == "meta") meta = *t;
    }
    auto txn = WriteTxn::begin(*env);
    REQUIRE(txn.ok());
    REQUIRE(txn->put(meta, "format", std::string(kFormatVersion)).ok());
    REQUIRE(txn->commit().ok());
  }
  auto j = open_lmdb(dir.path);
  const std::string parent = std::string(kExecutionPrefix) + "parent:run-1";
  CHECK(j->map_runs_of(parent)->empty());
  const MapRunRecord r = full_map_run("inner", parent, 1000);
  CHECK(j->map_run(r.map_run_arn).status().code() == Code::kNotFound);
  CHECK(j->executions_of_map_run(r.map_run_arn, 10, {})->empty());
  CHECK(j->map_run_children(r.map_run_arn, 0, 10)->empty());
  REQUIRE(j->put_map_run(r).ok());
  check_same(*j->map_run(r.map_run_arn), r);
  REQUIRE(j->put_map_run_children(r.map_run_arn, {child_end(0)}).ok());
  CHECK(indexes_of(*j->map_run_children(r.map_run_arn, 0, 10)) == std::vector<std::int64_t>{0});
}

// ---------------------------------------------------------------- Map Run child ends

TEMPLATE_TEST_CASE("journal: Map Run child ends round-trip every member, an unset error or cause apart from an empty one",
                   "[storage][journal][maprun]", LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  const std::string run = std::string(kMapRunPrefix) + "parent/inner:1";
  MapRunChildEnd unset = child_end(3, "FAILED");
  unset.error.reset();
  unset.cause.reset();
  MapRunChildEnd empty = child_end(4, "TIMED_OUT");
  empty.error = "";
  empty.cause = "";
  MapRunChildEnd error_only = child_end(5, "ABORTED");
  error_only.cause.reset();
  const std::vector<MapRunChildEnd> want = {child_end(0), child_end(1, "FAILED"), child_end(2, "SUCCEEDED"), unset,
                                            empty, error_only};
  REQUIRE(j.put_map_run_children(run, want).ok());
  auto got = j.map_run_children(run, 0, 100);
  REQUIRE(got.ok());
  REQUIRE(got->size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) check_same((*got)[i], want[i]);
  CHECK(!(*got)[3].error.has_value());
  CHECK(!(*got)[3].cause.has_value());
  CHECK((*got)[4].error == std::optional<std::string>(""));
  CHECK((*got)[4].cause == std::optional<std::string>(""));
  CHECK((*got)[5].error == std::optional<std::string>("States.TaskFailed"));
  CHECK(!(*got)[5].cause.has_value());

  // Large values and times as they come.
  MapRunChildEnd big = child_end(6);
  big.output = "\"" + std::string(200000, 'x') + "\"";
  big.start_ms = 0;
  big.stop_ms = INT64_MAX;
  REQUIRE(j.put_map_run_children(run, {big}).ok());
  auto back = j.map_run_children(run, 6, 1);
  REQUIRE(back.ok());
  REQUIRE(back->size() == 1);
  check_same((*back)[0], big);
}

TEMPLATE_TEST_CASE("journal: a later child end of the same index replaces the earlier one",
                   "[storage][journal][maprun]", LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  const std::string run = std::string(kMapRunPrefix) + "parent/inner:1";
  REQUIRE(j.put_map_run_children(run, {child_end(0, "FAILED"), child_end(1), child_end(2, "FAILED")}).ok());

  // A redrive: children 0 and 2 ran again; 2 failed once more, then succeeded
  // (the later of two ends in one call wins).
  MapRunChildEnd again = child_end(2, "FAILED");
  again.cause = "failed again";
  REQUIRE(j.put_map_run_children(run, {child_end(0), again, child_end(2)}).ok());
  auto got = j.map_run_children(run, 0, 100);
  REQUIRE(got.ok());
  REQUIRE(indexes_of(*got) == std::vector<std::int64_t>{0, 1, 2});
  check_same((*got)[0], child_end(0));
  check_same((*got)[1], child_end(1));
  check_same((*got)[2], child_end(2));
  CHECK(!(*got)[2].error.has_value());
}

TEMPLATE_TEST_CASE("journal: map_run_children reads index >= from, in index order, up to max, and pages through",
                   "[storage][journal][maprun]", LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  const std::string run = std::string(kMapRunPrefix) + "parent/inner:1";
  // Out of order and with gaps, across calls: 0..9, then 300..304, then 256 (past one byte).
  std::vector<MapRunChildEnd> first;
  for (std::int64_t i = 9; i >= 0; --i) first.push_back(child_end(i));
  REQUIRE(j.put_map_run_children(run, first).ok());
  REQUIRE(j.put_map_run_children(run, {child_end(304), child_end(300), child_end(302), child_end(301),
                                       child_end(303)})
              .ok());
  REQUIRE(j.put_map_run_children(run, {child_end(256, "FAILED")}).ok());
  std::vector<std::int64_t> all = iota_from(0, 10);
  all.push_back(256);
  for (std::int64_t i = 300; i <= 304; ++i) all.push_back(i);

  CHECK(indexes_of(*j.map_run_children(run, 0, 1000)) == all);
  CHECK(indexes_of(*j.map_run_children(run, 4, 3)) == std::vector<std::int64_t>{4, 5, 6});
  CHECK(indexes_of(*j.map_run_children(run, 10, 2)) == std::vector<std::int64_t>{256, 300});  // from a gap
  CHECK(indexes_of(*j.map_run_children(run, 303, 100)) == std::vector<std::int64_t>{303, 304});
  CHECK(j.map_run_children(run, 305, 100)->empty());
  CHECK(j.map_run_children(run, INT64_MAX, 100)->empty());
  CHECK(j.map_run_children(run, 0, 0)->empty());
  CHECK(indexes_of(*j.map_run_children(run, -5, 2)) == std::vector<std::int64_t>{0, 1});  // before 0: from 0
  check_same((*j.map_run_children(run, 256, 1))[0], child_end(256, "FAILED"));

  // Pages of 4, each from the last index of the one before + 1.
  std::vector<std::int64_t> paged;
  std::int64_t from = 0;
  for (int pages = 0;; ++pages) {
    REQUIRE(pages < 10);
    auto page = j.map_run_children(run, from, 4);
    REQUIRE(page.ok());
    for (auto i : indexes_of(*page)) paged.push_back(i);
    if (page->size() < 4) break;
    from = page->back().index + 1;
  }
  CHECK(paged == all);

  // An empty batch stores nothing and succeeds; an unknown Map Run has none.
  REQUIRE(j.put_map_run_children(run, {}).ok());
  CHECK(j.map_run_children(run, 0, 1000)->size() == all.size());
  CHECK(j.map_run_children(std::string(kMapRunPrefix) + "parent/none:1", 0, 100)->empty());
  CHECK(j.map_run_children("", 0, 100)->empty());
}

TEMPLATE_TEST_CASE("journal: child ends of Map Runs whose ARNs share a prefix do not mix",
                   "[storage][journal][maprun]", LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  const std::string run = std::string(kMapRunPrefix) + "parent/inner:1";
  const std::vector<std::string> others = {run + "0", run + "/nested:1", run.substr(0, run.size() - 1),
                                           std::string(kMapRunPrefix) + "parent/inner:2"};
  REQUIRE(j.put_map_run_children(run, {child_end(0), child_end(1), child_end(2)}).ok());
  for (std::size_t k = 0; k < others.size(); ++k) {
    const auto n = static_cast<std::int64_t>(k);
    REQUIRE(j.put_map_run_children(others[k], {child_end(n, "FAILED"), child_end(10 + n, "ABORTED")}).ok());
  }
  auto got = j.map_run_children(run, 0, 100);
  REQUIRE(got.ok());
  CHECK(indexes_of(*got) == std::vector<std::int64_t>{0, 1, 2});
  for (const auto& e : *got) CHECK(e.status == "SUCCEEDED");
  for (std::size_t k = 0; k < others.size(); ++k) {
    INFO(others[k]);
    const auto n = static_cast<std::int64_t>(k);
    auto theirs = j.map_run_children(others[k], 0, 100);
    REQUIRE(theirs.ok());
    REQUIRE(indexes_of(*theirs) == std::vector<std::int64_t>{n, 10 + n});
    check_same((*theirs)[0], child_end(n, "FAILED"));
    check_same((*theirs)[1], child_end(10 + n, "ABORTED"));
  }
}

TEMPLATE_TEST_CASE("journal: a Map Run ARN of 600 characters stores and reads its child ends",
                   "[storage][journal][maprun]", LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  std::string run = std::string(kMapRunPrefix) + "parent";
  while (run.size() < 590) run += "/inner-map-label";
  run.resize(590);
  run += ":0123abcd";
  run.resize(600, 'z');
  REQUIRE(run.size() == 600);
  const std::string sibling = run.substr(0, 599) + "y";  // differs in the last character only
  REQUIRE(j.put_map_run_children(run, {child_end(0), child_end(1, "FAILED")}).ok());
  REQUIRE(j.put_map_run_children(sibling, {child_end(7)}).ok());
  auto got = j.map_run_children(run, 0, 100);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 2);
  check_same((*got)[0], child_end(0));
  check_same((*got)[1], child_end(1, "FAILED"));
  CHECK(indexes_of(*j.map_run_children(sibling, 0, 100)) == std::vector<std::int64_t>{7});
}

TEMPLATE_TEST_CASE("journal: child ends with a negative index or a status that is no end are refused, none stored",
                   "[storage][journal][maprun]", LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  const std::string run = std::string(kMapRunPrefix) + "parent/inner:1";
  CHECK(j.put_map_run_children(run, {child_end(0), child_end(-1)}).code() == Code::kInvalidArgument);
  CHECK(j.put_map_run_children(run, {child_end(0), child_end(1, "RUNNING")}).code() == Code::kInvalidArgument);
  CHECK(j.put_map_run_children(run, {child_end(0, "")}).code() == Code::kInvalidArgument);
  CHECK(j.put_map_run_children(run, {child_end(0, "succeeded")}).code() == Code::kInvalidArgument);
  CHECK(j.map_run_children(run, 0, 100)->empty());
}

TEST_CASE("lmdb journal: Map Run child ends survive a reopen", "[storage][journal][maprun]") {
  TempDir dir;
  const std::string run = std::string(kMapRunPrefix) + "parent/inner:1";
  const std::string other = run + "0";
  {
    auto j = open_lmdb(dir.path);
    REQUIRE(j->put_map_run_children(run, {child_end(0), child_end(1, "FAILED"), child_end(2)}).ok());
    REQUIRE(j->put_map_run_children(other, {child_end(0, "ABORTED")}).ok());
  }
  {
    auto j = open_lmdb(dir.path);
    auto got = j->map_run_children(run, 0, 100);
    REQUIRE(got.ok());
    REQUIRE(got->size() == 3);
    check_same((*got)[1], child_end(1, "FAILED"));
    REQUIRE(j->put_map_run_children(run, {child_end(1), child_end(3)}).ok());
  }
  auto j = open_lmdb(dir.path);
  auto got = j->map_run_children(run, 0, 100);
  REQUIRE(got.ok());
  REQUIRE(indexes_of(*got) == std::vector<std::int64_t>{0, 1, 2, 3});
  check_same((*got)[1], child_end(1));
  check_same((*got)[3], child_end(3));
  CHECK(indexes_of(*j->map_run_children(other, 0, 100)) == std::vector<std::int64_t>{0});
}

// A real 64-bit FNV-1a collision is hard to come by: this plants the owner
// row another Map Run would have left under `run`'s hash.
TEST_CASE("lmdb journal: child ends under a hash that another Map Run owns are neither read nor written",
          "[storage][journal][maprun]") {
  TempDir dir;
  const std::string run = std::string(kMapRunPrefix) + "parent/inner:1";
  const std::string owner = std::string(kMapRunPrefix) + "parent/colliding:1";
  {
    auto store = Store::open(dir.path, EnvOptions{std::size_t{64} << 20, 32, 126, SyncMode::kNoSync});
    REQUIRE(store.ok());
    Writer w(store->env());
    Batch b;
    const std::uint64_t hash = keys::fnv1a(run);
    b.put(store->tables().map_run_children, keys::map_run_children_owner(hash), owner);
    put_map_run_child(b, store->tables(), hash, 5, "not read");
    REQUIRE(w.write(std::move(b)).ok());
  }
  auto j = open_lmdb(dir.path);
  auto got = j->map_run_children(run, 0, 100);
  REQUIRE(got.ok());
  CHECK(got->empty());
  Status s = j->put_map_run_children(run, {child_end(0)});
  CHECK(s.code() == Code::kInternal);
  CHECK(s.message().find(owner) != std::string::npos);
  CHECK(j->map_run_children(run, 0, 100)->empty());
}

TEST_CASE("lmdb journal: a corrupt child end is an error, not a crash", "[storage][journal][maprun]") {
  TempDir dir;
  const std::string run = std::string(kMapRunPrefix) + "parent/inner:1";
  {
    auto j = open_lmdb(dir.path);
    REQUIRE(j->put_map_run_children(run, {child_end(0)}).ok());
  }
  {
    auto store = Store::open(dir.path, EnvOptions{std::size_t{64} << 20, 32, 126, SyncMode::kNoSync});
    REQUIRE(store.ok());
    Writer w(store->env());
    Batch b;
    put_map_run_child(b, store->tables(), keys::fnv1a(run), 1, std::string("\x01\x02\x03", 3));
    REQUIRE(w.write(std::move(b)).ok());
  }
  auto j = open_lmdb(dir.path);
  auto got = j->map_run_children(run, 0, 100);
  CHECK(got.status().code() == Code::kIo);
  CHECK(indexes_of(*j->map_run_children(run, 0, 1)) == std::vector<std::int64_t>{0});
}
