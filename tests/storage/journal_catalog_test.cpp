// The journal's catalog (storage/journal.h): state machines with their
// revisions, versions, aliases and tags; activities; the executions of one
// state machine. Each behaviour is checked on both journals, the durable
// one in a temporary directory and the in-memory one.

#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <flatbuffers/flatbuffers.h>

#include "schema/records_generated.h"
#include "storage/lmdb_journal.h"
#include "storage/memory_journal.h"
#include "storage/store.h"
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

constexpr const char* kArnPrefix = "arn:aws:states:us-east-1:123456789012:stateMachine:";

// Starts an execution as the runtime does: the record with opened = true.
ExecutionRecord start(Journal& j, const std::string& machine_arn, std::int64_t start_ms) {
  auto seq = j.next_seq();
  REQUIRE(seq.ok());
  ExecutionRecord r;
  r.seq = *seq;
  r.state_machine_arn = machine_arn;
  r.params.state_machine_arn = machine_arn;
  r.params.state_machine_name = machine_arn.substr(machine_arn.rfind(':') + 1);
  r.params.execution_name = "run-" + std::to_string(*seq);
  r.params.execution_arn = "arn:aws:states:us-east-1:123456789012:execution:" + r.params.state_machine_name + ":" +
                           r.params.execution_name;
  r.params.start_ms = start_ms;
  Append a;
  a.seq = r.seq;
  a.record = r;
  a.opened = true;
  REQUIRE(append_now(j, std::move(a)).ok());
  return r;
}

StateMachineRecord full_machine(const std::string& name) {
  StateMachineRecord r;
  r.arn = kArnPrefix + name;
  r.name = name;
  r.definition = R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})";
  r.role_arn = "arn:aws:iam::123456789012:role/r";
  r.type = "EXPRESS";
  r.creation_ms = 1700000000123;
  r.status = "DELETING";
  r.revision_id = "rev-3";
  r.update_ms = 1700000009999;
  r.logging_configuration = R"({"level":"ALL","includeExecutionData":true})";
  r.tracing_enabled = true;
  r.encryption_configuration = R"({"type":"AWS_OWNED_KEY"})";
  r.tags = {{"team", "core"}, {"env", ""}};
  r.versions = {{1, "rev-1", "first", 1700000001000}, {3, "rev-3", "", 1700000003000}};
  StateMachineAlias prod;
  prod.name = "prod";
  prod.description = "live";
  prod.routing = {{r.arn + ":1", 90}, {r.arn + ":3", 10}};
  prod.creation_ms = 1700000004000;
  prod.update_ms = 1700000005000;
  StateMachineAlias beta;
  beta.name = "beta";
  beta.routing = {{r.arn + ":3", 100}};
  beta.creation_ms = 1700000006000;
  r.aliases = {prod, beta};
  r.next_version = 4;
  return r;
}

void check_same(const StateMachineRecord& got, const StateMachineRecord& want) {
  CHECK(got.arn == want.arn);
  CHECK(got.name == want.name);
  CHECK(got.definition == want.definition);
  CHECK(got.role_arn == want.role_arn);
  CHECK(got.type == want.type);
  CHECK(got.creation_ms == want.creation_ms);
  CHECK(got.status == want.status);
  CHECK(got.revision_id == want.revision_id);
  CHECK(got.update_ms == want.update_ms);
  CHECK(got.logging_configuration == want.logging_configuration);
  CHECK(got.tracing_enabled == want.tracing_enabled);
  CHECK(got.encryption_configuration == want.encryption_configuration);
  CHECK(got.tags == want.tags);
  REQUIRE(got.versions.size() == want.versions.size());
  for (std::size_t i = 0; i < want.versions.size(); ++i) {
    CHECK(got.versions[i].version == want.versions[i].version);
    CHECK(got.versions[i].revision_id == want.versions[i].revision_id);
    CHECK(got.versions[i].description == want.versions[i].description);
    CHECK(got.versions[i].creation_ms == want.versions[i].creation_ms);
  }
  REQUIRE(got.aliases.size() == want.aliases.size());
  for (std::size_t i = 0; i < want.aliases.size(); ++i) {
    const auto& g = got.aliases[i];
    const auto& w = want.aliases[i];
    CHECK(g.name == w.name);
    CHECK(g.description == w.description);
    CHECK(g.creation_ms == w.creation_ms);
    CHECK(g.update_ms == w.update_ms);
    REQUIRE(g.routing.size() == w.routing.size());
    for (std::size_t k = 0; k < w.routing.size(); ++k) {
      CHECK(g.routing[k].version_arn == w.routing[k].version_arn);
      CHECK(g.routing[k].weight == w.routing[k].weight);
    }
  }
  CHECK(got.next_version == want.next_version);
}

void check_same(const ActivityRecord& got, const ActivityRecord& want) {
  CHECK(got.arn == want.arn);
  CHECK(got.name == want.name);
  CHECK(got.creation_ms == want.creation_ms);
  CHECK(got.tags == want.tags);
  CHECK(got.encryption_configuration == want.encryption_configuration);
}

void check_same(const RevisionRecord& got, const RevisionRecord& want) {
  CHECK(got.revision_id == want.revision_id);
  CHECK(got.state_machine_arn == want.state_machine_arn);
  CHECK(got.definition == want.definition);
  CHECK(got.role_arn == want.role_arn);
  CHECK(got.creation_ms == want.creation_ms);
}

ActivityRecord activity_named(const std::string& name) {
  ActivityRecord r;
  r.arn = "arn:aws:states:us-east-1:123456789012:activity:" + name;
  r.name = name;
  r.creation_ms = 1700000000000;
  return r;
}

}  // namespace

TEMPLATE_TEST_CASE("journal: a full state machine record round-trips", "[storage][journal]", LmdbFixture,
                   MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  const StateMachineRecord want = full_machine("full");
  REQUIRE(j.put_state_machine(want).ok());
  auto got = j.state_machine(want.arn);
  REQUIRE(got.ok());
  check_same(*got, want);

  // A plain record keeps the struct defaults.
  StateMachineRecord plain;
  plain.arn = std::string(kArnPrefix) + "plain";
  plain.name = "plain";
  REQUIRE(j.put_state_machine(plain).ok());
  auto back = j.state_machine(plain.arn);
  REQUIRE(back.ok());
  check_same(*back, plain);
  CHECK(back->status == "ACTIVE");
  CHECK(back->type == "STANDARD");
  CHECK(back->next_version == 1);

  auto all = j.state_machines("", 10);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].arn == want.arn);  // "full" < "plain"
  check_same((*all)[0], want);
}

TEMPLATE_TEST_CASE("journal: put_state_machine stores the revision with the machine", "[storage][journal]",
                   LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  StateMachineRecord m = full_machine("m");
  RevisionRecord rev{"rev-3", m.arn, m.definition, m.role_arn, 1700000003000};
  REQUIRE(j.put_state_machine(m, rev).ok());
  auto got = j.revision("rev-3");
  REQUIRE(got.ok());
  check_same(*got, rev);

  // An update adds a revision; the old one stays for running executions.
  m.definition = R"({"StartAt":"Q","States":{"Q":{"Type":"Succeed"}}})";
  m.revision_id = "rev-4";
  RevisionRecord rev4{"rev-4", m.arn, m.definition, m.role_arn, 1700000004000};
  REQUIRE(j.put_state_machine(m, rev4).ok());
  REQUIRE(j.revision("rev-3").ok());
  auto now = j.revision("rev-4");
  REQUIRE(now.ok());
  check_same(*now, rev4);
  CHECK(j.state_machine(m.arn)->revision_id == "rev-4");

  CHECK(j.revision("rev-404").status().code() == Code::kNotFound);
  CHECK(j.revision("").status().code() == Code::kNotFound);  // a machine older than revisions has ""
}

TEMPLATE_TEST_CASE("journal: delete_state_machine removes the record only", "[storage][journal]", LmdbFixture,
                   MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  StateMachineRecord m = full_machine("gone");
  RevisionRecord rev{"rev-3", m.arn, m.definition, m.role_arn, 1};
  REQUIRE(j.put_state_machine(m, rev).ok());
  REQUIRE(j.put_state_machine(full_machine("kept")).ok());
  ExecutionRecord e = start(j, m.arn, 1000);

  REQUIRE(j.delete_state_machine(m.arn).ok());
  CHECK(j.state_machine(m.arn).status().code() == Code::kNotFound);
  CHECK(j.delete_state_machine(m.arn).code() == Code::kNotFound);
  CHECK(j.delete_state_machine(std::string(kArnPrefix) + "never").code() == Code::kNotFound);
  auto left = j.state_machines("", 10);
  REQUIRE(left.ok());
  REQUIRE(left->size() == 1);
  CHECK((*left)[0].name == "kept");

  // Its revision and executions stay.
  CHECK(j.revision("rev-3").ok());
  CHECK(j.execution(e.seq).ok());
  auto runs = j.executions_of(m.arn, 10, {});
  REQUIRE(runs.ok());
  CHECK(seqs_of(*runs) == std::vector<std::uint64_t>{e.seq});
}

TEMPLATE_TEST_CASE("journal: activities are created, read, paged and deleted", "[storage][journal]", LmdbFixture,
                   MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  ActivityRecord full = activity_named("b-full");
  full.tags = {{"k", "v"}, {"k2", "v2"}};
  full.encryption_configuration = R"({"type":"CUSTOMER_MANAGED_KMS_KEY","kmsKeyId":"k"})";
  for (const char* name : {"d", "a", "c"}) REQUIRE(j.put_activity(activity_named(name)).ok());
  REQUIRE(j.put_activity(full).ok());

  auto got = j.activity(full.arn);
  REQUIRE(got.ok());
  check_same(*got, full);
  CHECK(j.activity(activity_named("zz").arn).status().code() == Code::kNotFound);

  // Replace.
  full.tags.pop_back();
  REQUIRE(j.put_activity(full).ok());
  check_same(*j.activity(full.arn), full);

  // Pages in ARN order, each after the last ARN of the one before.
  std::vector<std::string> names;
  std::string after;
  for (;;) {
    auto page = j.activities(after, 3);
    REQUIRE(page.ok());
    for (const auto& a : *page) names.push_back(a.name);
    if (page->size() < 3) break;
    after = page->back().arn;
  }
  CHECK(names == std::vector<std::string>{"a", "b-full", "c", "d"});
  auto tail = j.activities(activity_named("b-full").arn, 10);
  REQUIRE(tail.ok());
  REQUIRE(tail->size() == 2);
  CHECK((*tail)[0].name == "c");
  CHECK(j.activities("", 0)->empty());

  REQUIRE(j.delete_activity(activity_named("c").arn).ok());
  CHECK(j.activity(activity_named("c").arn).status().code() == Code::kNotFound);
  CHECK(j.delete_activity(activity_named("c").arn).code() == Code::kNotFound);
  CHECK(j.activities("", 10)->size() == 3);
}

TEMPLATE_TEST_CASE("journal: executions_of lists newest first and pages by (start_ms, seq)", "[storage][journal]",
                   LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  const std::string a = std::string(kArnPrefix) + "a";
  const std::string ab = std::string(kArnPrefix) + "ab";  // a's ARN is a prefix of this one
  const ExecutionRecord a1 = start(j, a, 2000);
  const ExecutionRecord ab1 = start(j, ab, 1500);
  const ExecutionRecord a2 = start(j, a, 1000);  // started earlier, seq later
  const ExecutionRecord a3 = start(j, a, 2000);  // same start as a1: seq orders them
  const ExecutionRecord a4 = start(j, a, 3000);
  start(j, std::string(kArnPrefix) + "b", 2500);

  auto all = j.executions_of(a, 100, {});
  REQUIRE(all.ok());
  CHECK(seqs_of(*all) == std::vector<std::uint64_t>{a4.seq, a3.seq, a1.seq, a2.seq});
  CHECK((*all)[0].params.execution_arn == a4.params.execution_arn);
  CHECK((*all)[0].params.start_ms == 3000);

  // Pages of 2, each from the last record of the one before.
  auto fetch = [&](std::size_t n, Journal::ExecutionCursor c) { return j.executions_of(a, n, c); };
  CHECK(walk_pages(fetch, 2) == seqs_of(*all));

  // The cursor is exclusive: strictly before (2000, a3.seq).
  auto before = j.executions_of(a, 100, {2000, a3.seq});
  REQUIRE(before.ok());
  CHECK(seqs_of(*before) == std::vector<std::uint64_t>{a1.seq, a2.seq});

  auto other = j.executions_of(ab, 100, {});
  REQUIRE(other.ok());
  CHECK(seqs_of(*other) == std::vector<std::uint64_t>{ab1.seq});
  CHECK(j.executions_of(std::string(kArnPrefix) + "none", 100, {})->empty());
  CHECK(j.executions_of(a, 0, {})->empty());
}

TEMPLATE_TEST_CASE("journal: history_range reads one page, or what came after an id", "[storage][journal]",
                   LmdbFixture, MemoryFixture) {
  TestType f;
  Journal& j = *f.journal;
  const ExecutionRecord r = start(j, std::string(kArnPrefix) + "h", 1000);
  Append a;
  a.seq = r.seq;
  for (int id = 1; id <= 7; ++id) {
    engine::Event e;
    e.type = engine::EventType::PassStateEntered;
    e.id = id;
    e.name = "S" + std::to_string(id);
    a.events.push_back(e);
  }
  REQUIRE(append_now(j, std::move(a)).ok());
  auto ids = [](const std::vector<engine::Event>& es) {
    std::vector<std::int64_t> out;
    for (const auto& e : es) out.push_back(e.id);
    return out;
  };
  CHECK(ids(*j.history_range(r.seq, 1, 3)) == std::vector<std::int64_t>{1, 2, 3});
  CHECK(ids(*j.history_range(r.seq, 4, 3)) == std::vector<std::int64_t>{4, 5, 6});
  CHECK(ids(*j.history_range(r.seq, 7, 3)) == std::vector<std::int64_t>{7});
  CHECK(j.history_range(r.seq, 8, 3)->empty());
  CHECK(ids(*j.history_range(r.seq, 0, 100)) == ids(*j.history(r.seq)));
  CHECK((*j.history_range(r.seq, 5, 1))[0].name == "S5");
}

TEST_CASE("lmdb journal: records with every field survive a reopen", "[storage][journal]") {
  TempDir dir;
  ExecutionRecord e;
  StateMachineRecord m = full_machine("durable");
  RevisionRecord rev{"rev-3", m.arn, m.definition, m.role_arn, 42};
  ActivityRecord act = activity_named("worker");
  act.tags = {{"a", "b"}};
  act.encryption_configuration = "{}";
  {
    auto j = open_lmdb(dir.path);
    REQUIRE(j->put_state_machine(m, rev).ok());
    REQUIRE(j->put_activity(act).ok());
    e = start(*j, m.arn, 1700000000000);
    e.revision_id = "rev-3";
    e.state_machine_version_arn = m.arn + ":3";
    e.state_machine_alias_arn = m.arn + ":prod";
    e.trace_header = "Root=1-5759e988-bd862e3fe1be46a994272793";
    e.redrive_count = 2;
    e.redrive_ms = 1700000005000;
    e.status = "PENDING_REDRIVE";
    e.stop_ms = 1700000004000;
    e.error = "States.TaskFailed";
    e.cause = "";
    e.output = "";
    e.wake_ms = 1700000009000;
    e.params.role_arn = m.role_arn;
    e.params.region = "eu-west-1";
    e.params.input_text = R"({"x":1})";
    e.params.seed = 0xfeedfacecafebeefULL;
    Append a;
    a.seq = e.seq;
    a.record = e;
    REQUIRE(append_now(*j, std::move(a)).ok());
  }
  auto j = open_lmdb(dir.path);
  auto got = j->execution(e.seq);
  REQUIRE(got.ok());
  const ExecutionRecord& r = *got;
  CHECK(r.seq == e.seq);
  CHECK(r.state_machine_arn == e.state_machine_arn);
  CHECK(r.params.execution_arn == e.params.execution_arn);
  CHECK(r.params.execution_name == e.params.execution_name);
  CHECK(r.params.state_machine_name == e.params.state_machine_name);
  CHECK(r.params.role_arn == e.params.role_arn);
  CHECK(r.params.region == e.params.region);
  CHECK(r.params.input_text == e.params.input_text);
  CHECK(r.params.seed == e.params.seed);
  CHECK(r.params.start_ms == e.params.start_ms);
  CHECK(r.status == "PENDING_REDRIVE");
  CHECK(r.stop_ms == e.stop_ms);
  CHECK(r.error == e.error);
  CHECK(r.cause == e.cause);  // present though empty
  CHECK(r.output == e.output);
  CHECK_FALSE(r.express);
  CHECK(r.wake_ms == e.wake_ms);
  CHECK(r.revision_id == e.revision_id);
  CHECK(r.state_machine_version_arn == e.state_machine_version_arn);
  CHECK(r.state_machine_alias_arn == e.state_machine_alias_arn);
  CHECK(r.trace_header == e.trace_header);
  CHECK(r.redrive_count == e.redrive_count);
  CHECK(r.redrive_ms == e.redrive_ms);

  check_same(*j->state_machine(m.arn), m);
  check_same(*j->revision("rev-3"), rev);
  check_same(*j->activity(act.arn), act);
  auto runs = j->executions_of(m.arn, 10, {});
  REQUIRE(runs.ok());
  CHECK(seqs_of(*runs) == std::vector<std::uint64_t>{e.seq});
}

TEST_CASE("lmdb journal: a store from before revisions and activities opens, its records read as defaults",
          "[storage][journal]") {
  TempDir dir;
  const std::string arn = std::string(kArnPrefix) + "old";
  {
    // What the previous stepd wrote: the nine tables it knew, and records
    // with only the fields it knew.
    auto env = Env::open(dir.path, EnvOptions{std::size_t{64} << 20, 16, 126, SyncMode::kNoSync});
    REQUIRE(env.ok());
    Table tables[9];
    const char* names[9] = {"meta",         "history",         "executions", "execution_names", "machine_executions",
                            "open_executions", "timers",       "task_tokens", "state_machines"};
    for (int i = 0; i < 9; ++i) {
      auto t = env->table(names[i]);
      REQUIRE(t.ok());
      tables[i] = *t;
    }
    flatbuffers::FlatBufferBuilder fbb;
    auto a = fbb.CreateString(arn);
    auto n = fbb.CreateString("old");
    auto d = fbb.CreateString("{}");
    schema::StateMachineRecordBuilder b(fbb);
    b.add_arn(a);
    b.add_name(n);
    b.add_definition(d);
    b.add_creation_ms(7);
    fbb.Finish(b.Finish());
    auto txn = WriteTxn::begin(*env);
    REQUIRE(txn.ok());
    REQUIRE(txn->put(tables[0], "format", std::string(kFormatVersion)).ok());
    REQUIRE(txn->put(tables[8], arn,
                     std::string_view(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize()))
                .ok());
    REQUIRE(txn->commit().ok());
  }
  auto j = open_lmdb(dir.path);
  auto m = j->state_machine(arn);
  REQUIRE(m.ok());
  CHECK(m->name == "old");
  CHECK(m->creation_ms == 7);
  CHECK(m->status == "ACTIVE");
  CHECK(m->revision_id.empty());
  CHECK(m->tags.empty());
  CHECK(m->versions.empty());
  CHECK(m->aliases.empty());
  CHECK(m->next_version == 1);
  CHECK(j->activities("", 10)->empty());
  CHECK(j->revision("any").status().code() == Code::kNotFound);
  REQUIRE(j->put_activity(activity_named("new")).ok());
  CHECK(j->activity(activity_named("new").arn).ok());
}
