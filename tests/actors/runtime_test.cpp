// The actor runtime over an in-memory journal: executions run to the end,
// their histories equal what the pure engine produces, and a runtime opened
// over a journal with open executions resumes them.

#include "actors/runtime.h"

#include <atomic>
#include <chrono>
#include <limits>
#include <map>
#include <thread>

#include <catch2/catch.hpp>

#include "src/common/json.h"
#include "storage/memory_journal.h"

using namespace stepd;

namespace {

const char* kChain = R"({"StartAt":"A","States":{
    "A":{"Type":"Pass","Result":{"n":1},"ResultPath":"$.a","Next":"W"},
    "W":{"Type":"Wait","Seconds":1,"Next":"M"},
    "M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},
         "ResultPath":"$.m","Next":"P"},
    "P":{"Type":"Parallel","ResultPath":"$.p","End":true,"Branches":[
         {"StartAt":"B1","States":{"B1":{"Type":"Pass","Result":1,"End":true}}},
         {"StartAt":"B2","States":{"B2":{"Type":"Pass","Result":2,"End":true}}}]}}})";

// A runtime over `j`; passivate_after_ms 0 keeps every execution resident.
std::unique_ptr<actors::Runtime> open(storage::Journal& j, std::int64_t passivate_after_ms = 30000) {
  actors::RuntimeOptions o;
  o.journal = &j;
  o.passivate_after_ms = passivate_after_ms;
  auto r = actors::Runtime::open(o);
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("executions run to the end through the actors and their histories are complete") {
  storage::MemoryJournal journal;
  auto rt = open(journal);
  auto sm = rt->create_state_machine("chain", kChain);
  REQUIRE(sm.ok());
  std::vector<std::string> arns;
  for (int i = 0; i < 20; ++i) {
    auto arn = rt->start_execution(*sm, "e" + std::to_string(i), R"({"items":[1,2,3]})");
    INFO(arn.status().message());
    REQUIRE(arn.ok());
    arns.push_back(*arn);
  }
  REQUIRE(rt->wait_idle(10000));
  CHECK(rt->running() == 0);
  for (const auto& arn : arns) {
    auto seq = journal.execution_seq(arn);
    REQUIRE(seq.ok());
    auto rec = journal.execution(*seq);
    REQUIRE(rec.ok());
    CHECK(rec->status == "SUCCEEDED");
    CHECK(rec->output == R"({"items":[1,2,3],"a":{"n":1},"m":[1,2,3],"p":[1,2]})");
    auto events = journal.history(*seq);
    REQUIRE(events.ok());
    // Dense ids, and the same history a fold accepts.
    for (std::size_t i = 0; i < events->size(); ++i) CHECK((*events)[i].id == static_cast<std::int64_t>(i + 1));
    auto machine = asl::compile_text(kChain);
    REQUIRE(machine.ok());
    auto folded = engine::fold(*machine, rec->params, *events);
    INFO(folded.status().message());
    CHECK(folded.ok());
  }
  CHECK(journal.open_executions()->empty());
}

TEST_CASE("starting the same execution name twice returns the first execution") {
  storage::MemoryJournal journal;
  auto rt = open(journal);
  auto sm = rt->create_state_machine("chain", kChain);
  auto a = rt->start_execution(*sm, "same", R"({"items":[]})");
  auto b = rt->start_execution(*sm, "same", R"({"items":[]})");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a == *b);
  REQUIRE(rt->wait_idle(10000));
}

TEST_CASE("a runtime opened over open executions resumes them from their logs") {
  storage::MemoryJournal journal;
  std::string arn;
  {
    auto rt = open(journal);
    auto sm = rt->create_state_machine("waiter", R"({"StartAt":"W","States":{
        "W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","End":true}}})");
    REQUIRE(sm.ok());
    auto started = rt->start_execution(*sm, "w", R"({"x":1})");
    REQUIRE(started.ok());
    arn = *started;
  }  // the runtime stops while the execution waits
  auto seq = journal.execution_seq(arn);
  REQUIRE(seq.ok());
  REQUIRE(journal.open_executions()->size() == 1);
  CHECK(journal.history(*seq)->size() == 2);  // ExecutionStarted, WaitStateEntered

  auto rt = open(journal);
  REQUIRE(rt->wait_idle(10000));
  auto rec = journal.execution(*seq);
  CHECK(rec->status == "SUCCEEDED");
  CHECK(rec->output == R"({"x":1})");
  auto events = journal.history(*seq);
  REQUIRE(events->size() == 6);
  CHECK(events->back().type == engine::EventType::ExecutionSucceeded);
}

TEST_CASE("EXPRESS executions run the same actors and leave nothing in the durable journal") {
  storage::MemoryJournal journal;
  auto rt = open(journal);
  auto sm = rt->create_state_machine("fast", kChain, "EXPRESS");
  REQUIRE(sm.ok());
  auto a = rt->start_execution(*sm, "same", R"({"items":[1]})");
  auto b = rt->start_execution(*sm, "same", R"({"items":[1]})");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->find(":express:fast:same:") != std::string::npos);
  CHECK(*a != *b);  // not idempotent by name, as on AWS
  REQUIRE(rt->wait_idle(10000));
  CHECK_FALSE(journal.execution_seq(*a).ok());
  CHECK(journal.open_executions()->empty());
  CHECK_FALSE(rt->create_state_machine("x", kChain, "FAST").ok());
}

TEST_CASE("a long Wait passivates the execution: no actor while it sleeps, woken in time from the log") {
  storage::MemoryJournal journal;
  actors::RuntimeOptions o;
  o.journal = &journal;
  o.passivate_after_ms = 300;
  o.wake_poll_ms = 100;
  std::string arn;
  {
    auto rt = actors::Runtime::open(o);
    REQUIRE(rt.ok());
    auto sm = (*rt)->create_state_machine("sleeper", R"({"StartAt":"W","States":{
        "W":{"Type":"Wait","Seconds":2,"Next":"P"},"P":{"Type":"Pass","End":true}}})");
    REQUIRE(sm.ok());
    auto started = (*rt)->start_execution(*sm, "s", R"({"x":1})");
    REQUIRE(started.ok());
    arn = *started;
    // Passivation happens right after the Wait is entered.
    for (int i = 0; i < 50 && (*rt)->running() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK((*rt)->running() == 0);
    auto seq = journal.execution_seq(arn);
    REQUIRE(seq.ok());
    CHECK(journal.execution(*seq)->wake_ms > 0);
    CHECK(journal.due_wakes(std::numeric_limits<std::int64_t>::max(), 10)->size() == 1);
  }  // stopped while asleep: a new runtime must not resume it at boot, only at its time
  auto t0 = std::chrono::steady_clock::now();
  auto rt = actors::Runtime::open(o);
  REQUIRE(rt.ok());
  CHECK((*rt)->running() == 0);
  REQUIRE((*rt)->wait_idle(10000));
  auto seq = journal.execution_seq(arn);
  auto rec = journal.execution(*seq);
  CHECK(rec->status == "SUCCEEDED");
  CHECK(rec->wake_ms == 0);
  CHECK(journal.due_wakes(std::numeric_limits<std::int64_t>::max(), 10)->empty());
  // It ended no earlier than its Wait allowed.
  auto events = journal.history(*seq);
  REQUIRE(events->size() == 6);
  CHECK((*events)[2].type == engine::EventType::WaitStateExited);
  CHECK((*events)[2].timestamp_ms - (*events)[1].timestamp_ms >= 2000);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

TEST_CASE("recovery mid-Map resumes only the unfinished iterations") {
  storage::MemoryJournal journal;
  actors::RuntimeOptions o;
  o.journal = &journal;
  o.passivate_after_ms = 0;
  const char* def = R"({"StartAt":"M","States":{
      "M":{"Type":"Map","MaxConcurrency":1,"ItemProcessor":{"StartAt":"W","States":{
          "W":{"Type":"Wait","Seconds":1,"End":true}}},"Next":"P"},
      "P":{"Type":"Parallel","End":true,"Branches":[
          {"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
          {"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":1,"End":true}}}]}}})";
  std::string arn;
  {
    auto rt = actors::Runtime::open(o);
    REQUIRE(rt.ok());
    auto sm = (*rt)->create_state_machine("mapper", def);
    auto started = (*rt)->start_execution(*sm, "m", "[1,2,3]");
    REQUIRE(started.ok());
    arn = *started;
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // iteration 0 done, 1 waiting
  }
  auto seq = *journal.execution_seq(arn);
  auto before = *journal.history(seq);
  int started_before = 0;
  for (const auto& e : before) started_before += e.type == engine::EventType::MapIterationStarted;
  REQUIRE(started_before >= 1);
  REQUIRE(started_before < 3);

  auto rt = actors::Runtime::open(o);
  REQUIRE(rt.ok());
  REQUIRE((*rt)->wait_idle(15000));
  auto events = *journal.history(seq);
  CHECK(journal.execution(seq)->status == "SUCCEEDED");
  std::map<std::int64_t, int> starts;
  int pass_a = 0;
  for (const auto& e : events) {
    if (e.type == engine::EventType::MapIterationStarted) ++starts[e.details.at("index").as_int64()];
    if (e.type == engine::EventType::PassStateEntered && e.name == "A") ++pass_a;
  }
  CHECK(starts == std::map<std::int64_t, int>{{0, 1}, {1, 1}, {2, 1}});  // none ran twice
  CHECK(pass_a == 1);
  for (std::size_t i = 0; i < events.size(); ++i) CHECK(events[i].id == static_cast<std::int64_t>(i + 1));
}

TEST_CASE("recovery mid-Parallel resumes only the unfinished branch") {
  storage::MemoryJournal journal;
  actors::RuntimeOptions o;
  o.journal = &journal;
  o.passivate_after_ms = 0;
  std::string arn;
  {
    auto rt = actors::Runtime::open(o);
    REQUIRE(rt.ok());
    auto sm = (*rt)->create_state_machine("par", R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,
        "Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"a","End":true}}},
                    {"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":1,"End":true}}}]}}})");
    auto started = (*rt)->start_execution(*sm, "p", "{}");
    REQUIRE(started.ok());
    arn = *started;
  }  // stopped while branch B waits; branch A is done
  auto seq = *journal.execution_seq(arn);
  auto rt = actors::Runtime::open(o);
  REQUIRE(rt.ok());
  REQUIRE((*rt)->wait_idle(10000));
  auto rec = journal.execution(seq);
  CHECK(rec->status == "SUCCEEDED");
  CHECK(rec->output == R"(["a",{}])");
  int a = 0, b = 0;
  auto events = journal.history(seq);
  REQUIRE(events.ok());
  for (const auto& e : *events) {
    a += e.type == engine::EventType::PassStateEntered;
    b += e.type == engine::EventType::WaitStateEntered;
  }
  CHECK(a == 1);
  CHECK(b == 1);
}

namespace {

// A journal that refuses some appends of running executions, to kill their
// actors on purpose; the end of an execution (closed) always goes through.
// With `history_failures_left`, reading a history fails too (a log that
// does not read back): that kills a resuming actor, and counts.
class FlakyJournal : public storage::MemoryJournal {
 public:
  std::atomic<int> failures_left{0};
  std::atomic<int> history_failures_left{0};
  void append(storage::Append a, std::function<void(const Status&)> done) override {
    if (!a.closed && !a.opened && failures_left.load() > 0) {
      --failures_left;
      return done(Status::io("disk said no"));
    }
    storage::MemoryJournal::append(std::move(a), std::move(done));
  }
  Result<std::vector<engine::Event>> history(std::uint64_t seq) override {
    if (history_failures_left.load() > 0) {
      --history_failures_left;
      return Status::io("corrupt history event: for the test");
    }
    return storage::MemoryJournal::history(seq);
  }
};

// A journal that refuses every append while `down` (a full disk): starts,
// steps and ends alike.
class OutageJournal : public storage::MemoryJournal {
 public:
  std::atomic<bool> down{false};
  std::atomic<int> refused{0};
  void append(storage::Append a, std::function<void(const Status&)> done) override {
    if (down.load()) {
      ++refused;
      return done(Status::io("mdb_txn_commit(/data): No space left on device"));
    }
    storage::MemoryJournal::append(std::move(a), std::move(done));
  }
};

constexpr int kMaxRestartsForTest = 3;  // actors/coordinator.h's kMaxRestarts (that header needs CAF)

const char* kNap = R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"X"},
    "X":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","End":true}}})";

}  // namespace

TEST_CASE("an execution whose actor dies is restarted from its log") {
  FlakyJournal journal;
  auto rt = open(journal, /*passivate_after_ms=*/0);
  auto sm = rt->create_state_machine("nap", kNap);
  auto arn = rt->start_execution(*sm, "n", "{}");
  REQUIRE(arn.ok());
  journal.failures_left = 1;  // the append after the Wait dies once
  REQUIRE(rt->wait_idle(10000));
  auto seq = *journal.execution_seq(*arn);
  CHECK(journal.execution(seq)->status == "SUCCEEDED");
  auto events = journal.history(seq);
  REQUIRE(events.ok());
  for (std::size_t i = 0; i < events->size(); ++i) CHECK((*events)[i].id == static_cast<std::int64_t>(i + 1));
  CHECK(journal.failures_left == 0);
}

TEST_CASE("an execution whose actor keeps dying is failed with States.Runtime instead of looping") {
  FlakyJournal journal;
  auto rt = open(journal, /*passivate_after_ms=*/0);
  auto sm = rt->create_state_machine("nap", kNap);
  auto arn = rt->start_execution(*sm, "n", "{}");
  REQUIRE(arn.ok());
  // One append fails (that does not count: the journal's failure), then
  // its log does not read back 4 times (each counts): given up on.
  journal.history_failures_left = kMaxRestartsForTest + 1;
  journal.failures_left = 1;
  REQUIRE(rt->wait_idle(20000));
  CHECK(journal.history_failures_left == 0);
  auto seq = *journal.execution_seq(*arn);
  auto rec = journal.execution(seq);
  CHECK(rec->status == "FAILED");
  CHECK(rec->error == std::optional<std::string>("States.Runtime"));
  CHECK(rec->cause->find("stopped 4 times") != std::string::npos);
  auto events = journal.history(seq);
  CHECK(events->back().type == engine::EventType::ExecutionFailed);
  CHECK(events->back().id == static_cast<std::int64_t>(events->size()));
  CHECK(journal.open_executions()->empty());
}

TEST_CASE("appends refused for a while (a full disk) stall executions, which resume from their logs and finish") {
  OutageJournal journal;
  auto rt = open(journal, /*passivate_after_ms=*/0);
  auto sm = rt->create_state_machine("nap", kNap);
  REQUIRE(sm.ok());
  auto arn = rt->start_execution(*sm, "n", R"({"x":1})");
  REQUIRE(arn.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  journal.down = true;  // the first Wait ends at 1 s: its append is refused, and the retries too
  auto refused_start = rt->start_execution(*sm, "during", "{}");
  CHECK_FALSE(refused_start.ok());
  CHECK(refused_start.status().code() == Code::kIo);
  CHECK(refused_start.status().message().find("No space left on device") != std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  journal.down = false;
  auto reference = rt->start_execution(*sm, "reference", "{}");  // an uninterrupted run
  REQUIRE(reference.ok());
  REQUIRE(rt->wait_idle(20000));
  CHECK(journal.refused > 3);  // retried (with a backoff), not given up

  auto seq = *journal.execution_seq(*arn);
  auto rec = journal.execution(seq);
  CHECK(rec->status == "SUCCEEDED");
  CHECK(rec->output == R"({"x":1})");
  CHECK(journal.execution_seq("arn:aws:states:us-east-1:123456789012:execution:nap:during").status().code() ==
        Code::kNotFound);
  // The same events as the run that finished before the outage, ids 1..N.
  auto types = [&](std::uint64_t s) {
    std::vector<std::string> out;
    auto events = journal.history(s);
    REQUIRE(events.ok());
    for (std::size_t i = 0; i < events->size(); ++i) {
      CHECK((*events)[i].id == static_cast<std::int64_t>(i + 1));
      out.emplace_back(engine::event_type_name((*events)[i].type));
    }
    return out;
  };
  auto ref_seq = *journal.execution_seq(*reference);
  CHECK(journal.execution(ref_seq)->status == "SUCCEEDED");
  CHECK(types(seq) == types(ref_seq));
  CHECK(journal.open_executions()->empty());
}
