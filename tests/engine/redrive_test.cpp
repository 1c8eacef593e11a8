// RedriveExecution: an ended execution goes on from the states that did not
// finish, rerunning only what failed; fold() rebuilds the redriven history.

#include <algorithm>

#include <catch2/catch.hpp>

#include "src/engine/engine.h"
#include "tests/engine/engine_test_util.h"

using namespace stepd;
using namespace stepd::testing;
using engine::EffectKind;
using engine::ExecutionStatus;
using engine::FactKind;

namespace {

// One execution driven fact by fact, with its whole history kept.
struct Run {
  std::shared_ptr<const asl::StateMachine> m;
  engine::StartParams p;
  engine::ExecutionStatePtr s;
  std::vector<engine::Event> history;
  engine::Decisions last;
  std::int64_t now;

  Run(const std::string& def, const std::string& input = "{}") : m(machine(def)), p(params(input)) {
    auto started = engine::start(m, p);
    s = std::move(started.state);
    last = std::move(started.decisions);
    history = last.events;
    now = p.start_ms;
  }

  engine::Decisions& apply(engine::Fact f) {
    now += 1000;
    f.now_ms = now;
    last = engine::decide(*s, f);
    history.insert(history.end(), last.events.begin(), last.events.end());
    return last;
  }
  engine::Decisions& redrive() {
    engine::Fact f;
    f.kind = FactKind::kRedrive;
    return apply(f);
  }
  engine::Decisions& succeed(const engine::Effect& e, const std::string& output) {
    engine::Fact f;
    f.kind = FactKind::kTaskSucceeded;
    f.frame = e.frame;
    f.token = e.token;
    f.output = json::parse(output).value();
    return apply(f);
  }
  engine::Decisions& fail(const engine::Effect& e, const std::string& error = "Boom") {
    engine::Fact f;
    f.kind = FactKind::kTaskFailed;
    f.frame = e.frame;
    f.token = e.token;
    f.error = error;
    f.cause = "it broke";
    return apply(f);
  }
  ExecutionStatus status() const { return engine::status(*s); }
};

std::vector<engine::Effect> invokes(const engine::Decisions& d) {
  std::vector<engine::Effect> out;
  for (const auto& e : d.effects) {
    if (e.kind == EffectKind::kInvokeTask) out.push_back(e);
  }
  return out;
}

// The invoke effect among `effects` whose payload is `payload`.
engine::Effect invoke_with(const std::vector<engine::Effect>& effects, const std::string& payload) {
  for (const auto& e : effects) {
    if (e.kind == EffectKind::kInvokeTask && json::to_json(e.payload) == payload) return e;
  }
  FAIL("no task invoked with " << payload);
  return {};
}

// Folding the recorded history gives the same state as the live run.
void check_fold(const Run& run) {
  auto folded = engine::fold(run.m, run.p, run.history);
  INFO(folded.status().message());
  REQUIRE(folded.ok());
  CHECK(engine::event_count(**folded) == engine::event_count(*run.s));
  CHECK(engine::status(**folded) == engine::status(*run.s));
  CHECK(engine::redrive_count(**folded) == engine::redrive_count(*run.s));
  CHECK(engine::output_text(**folded) == engine::output_text(*run.s));
  CHECK(json::to_json(engine::describe(**folded)) == json::to_json(engine::describe(*run.s)));
}

}  // namespace

TEST_CASE("a redrive reruns a failed Task without entering it again, then the run goes on") {
  Run run(R"({"StartAt":"A","States":{
      "A":{"Type":"Pass","Next":"T"},
      "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
           "Parameters":{"n.$":"$.n","redrives.$":"$$.Execution.RedriveCount"},"ResultPath":"$.r","Next":"B"},
      "B":{"Type":"Pass","End":true}}})",
          R"({"n":1})");
  auto first = invokes(run.last).at(0);
  CHECK(json::to_json(first.payload) == R"({"n":1,"redrives":0})");
  run.fail(first);
  REQUIRE(run.status() == ExecutionStatus::kFailed);
  CHECK(shape(run.history) ==
        std::vector<std::string>{"ExecutionStarted<0", "PassStateEntered<0", "PassStateExited<2", "TaskStateEntered<3",
                                 "TaskScheduled<4", "TaskStarted<5", "TaskFailed<6", "ExecutionFailed<7"});

  auto& d = run.redrive();
  CHECK(run.status() == ExecutionStatus::kRunning);
  CHECK(engine::redrive_count(*run.s) == 1);
  CHECK_FALSE(engine::error(*run.s));
  // ExecutionRedriven, then the Task is scheduled again from its original TaskStateEntered (#4).
  CHECK(shape(d.events) == std::vector<std::string>{"ExecutionRedriven<8", "TaskScheduled<4", "TaskStarted<10"});
  CHECK(detail(d.events[0], "redriveCount") == "1");
  auto again = invokes(d).at(0);
  CHECK(json::to_json(again.payload) == R"({"n":1,"redrives":1})");
  CHECK(again.attempt == 0);
  CHECK(again.token > first.token);

  // An answer to the task of the first run is stale.
  CHECK(run.succeed(first, R"({"old":true})").events.empty());
  CHECK(run.status() == ExecutionStatus::kRunning);

  auto& done = run.succeed(again, R"({"ok":true})");
  CHECK(shape(done.events) == std::vector<std::string>{"TaskSucceeded<11", "TaskStateExited<12", "PassStateEntered<13",
                                                       "PassStateExited<14", "ExecutionSucceeded<15"});
  CHECK(run.status() == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*run.s) == R"({"n":1,"r":{"ok":true}})");
  check_fold(run);
}

TEST_CASE("a redrive gives the failed Task's retriers their attempts back") {
  Run run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
      "Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":1}],"End":true}}})");
  run.fail(invokes(run.last).at(0));
  auto timer = run.last.effects.at(0);
  REQUIRE(timer.kind == EffectKind::kStartTimer);
  engine::Fact fired;
  fired.kind = FactKind::kTimerFired;
  fired.frame = timer.frame;
  fired.token = timer.token;
  run.apply(fired);
  run.fail(invokes(run.last).at(0));
  REQUIRE(run.status() == ExecutionStatus::kFailed);

  run.redrive();
  auto again = invokes(run.last).at(0);
  CHECK(again.attempt == 0);
  run.fail(again);  // the retrier matches once more
  CHECK(run.status() == ExecutionStatus::kRunning);
  CHECK(run.last.effects.at(0).kind == EffectKind::kStartTimer);
  check_fold(run);
}

TEST_CASE("a redrive of a SUCCEEDED or RUNNING execution yields no decisions") {
  Run done(R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})");
  REQUIRE(done.status() == ExecutionStatus::kSucceeded);
  auto& d = done.redrive();
  CHECK(d.events.empty());
  CHECK(d.effects.empty());
  CHECK(done.status() == ExecutionStatus::kSucceeded);
  CHECK(engine::redrive_count(*done.s) == 0);

  Run running(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}})");
  auto& r = running.redrive();
  CHECK(r.events.empty());
  CHECK(r.effects.empty());
  CHECK(running.status() == ExecutionStatus::kRunning);
}

TEST_CASE("a redrive inside a Parallel reruns only the failed branch") {
  Run run(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
      {"StartAt":"B0","States":{"B0":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                                      "Parameters":{"b":0},"End":true}}},
      {"StartAt":"Prep","States":{"Prep":{"Type":"Pass","Next":"B1"},
                                  "B1":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                                        "Parameters":{"b":1},"End":true}}}]}}})");
  auto calls = invokes(run.last);
  REQUIRE(calls.size() == 2);
  run.succeed(invoke_with(calls, R"({"b":0})"), R"("zero")");
  auto& failed = run.fail(invoke_with(calls, R"({"b":1})"));
  CHECK(shape(failed.events) == std::vector<std::string>{"TaskFailed<11", "TaskStateAborted<14",
                                                         "ParallelStateFailed<14", "ExecutionFailed<16"});
  REQUIRE(run.status() == ExecutionStatus::kFailed);
  std::int64_t entered = 0;  // the failed branch's TaskStateEntered
  for (const auto& e : run.history) {
    if (e.type == engine::EventType::TaskStateEntered && e.name == "B1") entered = e.id;
  }

  auto& d = run.redrive();
  auto again = invokes(d);
  REQUIRE(again.size() == 1);  // branch 0 already succeeded; Prep is not run again
  CHECK(json::to_json(again[0].payload) == R"({"b":1})");
  CHECK(entered == 9);
  CHECK(shape(d.events) == std::vector<std::string>{"ExecutionRedriven<17", "TaskScheduled<9", "TaskStarted<19"});

  auto& done = run.succeed(again[0], R"("one")");
  CHECK(shape(done.events) == std::vector<std::string>{"TaskSucceeded<20", "TaskStateExited<21", "ParallelStateSucceeded<22",
                                                       "ParallelStateExited<22", "ExecutionSucceeded<24"});
  CHECK(engine::output_text(*run.s) == R"(["zero","one"])");
  check_fold(run);
}

TEST_CASE("a redrive reruns the Parallel branches that were aborted too") {
  Run run(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
      {"StartAt":"B0","States":{"B0":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                                      "Parameters":{"b":0},"End":true}}},
      {"StartAt":"B1","States":{"B1":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                                      "Parameters":{"b":1},"End":true}}}]}}})");
  auto calls = invokes(run.last);
  run.fail(invoke_with(calls, R"({"b":1})"));  // branch 0 is still running: it is aborted
  REQUIRE(run.status() == ExecutionStatus::kFailed);
  auto& d = run.redrive();
  auto again = invokes(d);
  REQUIRE(again.size() == 2);
  for (const auto& e : again) CHECK(e.token > calls[1].token);
  run.succeed(invoke_with(again, R"({"b":1})"), "1");
  run.succeed(invoke_with(again, R"({"b":0})"), "0");
  CHECK(run.status() == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*run.s) == "[0,1]");
  check_fold(run);
}

TEST_CASE("a redrive inside a Map reruns only the failed iterations") {
  Run run(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","End":true,
      "ItemProcessor":{"StartAt":"Prep","States":{
          "Prep":{"Type":"Pass","Next":"Work"},
          "Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}}}})",
          R"({"items":[10,20,30]})");
  auto calls = invokes(run.last);
  REQUIRE(calls.size() == 3);
  run.succeed(invoke_with(calls, "10"), "1");
  run.succeed(invoke_with(calls, "30"), "3");
  run.fail(invoke_with(calls, "20"));
  REQUIRE(run.status() == ExecutionStatus::kFailed);

  auto& d = run.redrive();
  auto again = invokes(d);
  REQUIRE(again.size() == 1);
  CHECK(json::to_json(again[0].payload) == "20");
  REQUIRE(d.events.size() == 4);
  CHECK(d.events[1].type == engine::EventType::MapIterationStarted);
  CHECK(detail(d.events[1], "index") == "1");
  CHECK(d.events[2].type == engine::EventType::TaskScheduled);  // Prep is not run again

  auto& done = run.succeed(again[0], "2");
  std::vector<std::string> types;
  for (const auto& e : done.events) types.emplace_back(engine::event_type_name(e.type));
  CHECK(types == std::vector<std::string>{"TaskSucceeded", "TaskStateExited", "MapIterationSucceeded", "MapStateSucceeded",
                                          "MapStateExited", "ExecutionSucceeded"});
  CHECK(engine::output_text(*run.s) == "[1,2,3]");
  check_fold(run);
}

TEST_CASE("a redriven Map also starts the iterations it never reached, within MaxConcurrency") {
  Run run(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"End":true,
      "ItemProcessor":{"StartAt":"Work","States":{
          "Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}}}})",
          "[1,2,3]");
  auto first = invokes(run.last);
  REQUIRE(first.size() == 1);
  run.fail(first[0]);  // item 0 fails; items 1 and 2 never started
  REQUIRE(run.status() == ExecutionStatus::kFailed);

  auto& d = run.redrive();
  auto call = invokes(d);
  REQUIRE(call.size() == 1);
  CHECK(json::to_json(call[0].payload) == "1");
  for (std::string item : {"2", "3"}) {
    auto next = invokes(run.succeed(call[0], json::to_json(call[0].payload) + "0"));
    REQUIRE(next.size() == 1);
    CHECK(json::to_json(next[0].payload) == item);
    call = next;
  }
  run.succeed(call[0], "30");
  CHECK(run.status() == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*run.s) == "[10,20,30]");
  check_fold(run);
}

TEST_CASE("a tolerated-failure Map that failed reruns every failed iteration") {
  Run run(R"({"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,"End":true,
      "ItemProcessor":{"StartAt":"Work","States":{
          "Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}}}})",
          "[1,2,3]");
  auto calls = invokes(run.last);
  run.fail(invoke_with(calls, "1"));
  run.succeed(invoke_with(calls, "2"), "20");
  run.fail(invoke_with(calls, "3"));
  REQUIRE(run.status() == ExecutionStatus::kFailed);
  CHECK(*engine::error(*run.s) == "States.ExceedToleratedFailureThreshold");

  auto again = invokes(run.redrive());
  REQUIRE(again.size() == 2);
  run.succeed(invoke_with(again, "1"), "10");
  run.succeed(invoke_with(again, "3"), "30");
  CHECK(run.status() == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*run.s) == "[10,20,30]");
  check_fold(run);
}

TEST_CASE("fold of a redriven history halfway equals the live run and goes on identically") {
  Run run(R"({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
      "ItemProcessor":{"StartAt":"Work","States":{
          "Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}}}})",
          "[1,2]");
  auto calls = invokes(run.last);
  run.fail(invoke_with(calls, "1"));  // item 2 is aborted
  run.redrive();
  check_fold(run);

  auto folded = engine::fold(run.m, run.p, run.history);
  REQUIRE(folded.ok());
  auto live_pending = engine::pending_effects(*run.s);
  auto fold_pending = engine::pending_effects(**folded);
  REQUIRE(live_pending.size() == fold_pending.size());
  for (std::size_t i = 0; i < live_pending.size(); ++i) {
    CHECK(live_pending[i].token == fold_pending[i].token);
    CHECK(live_pending[i].frame == fold_pending[i].frame);
  }
  auto again = invokes(run.last);
  REQUIRE(again.size() == 2);
  engine::Fact f;
  f.kind = FactKind::kTaskSucceeded;
  f.frame = again[0].frame;
  f.token = again[0].token;
  f.output = 5;
  auto b = engine::decide(**folded, [&] { auto g = f; g.now_ms = run.now + 1000; return g; }());
  auto& a = run.apply(f);
  REQUIRE(a.events.size() == b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    CHECK(a.events[i].type == b.events[i].type);
    CHECK(a.events[i].id == b.events[i].id);
    CHECK(a.events[i].previous_event_id == b.events[i].previous_event_id);
    CHECK(a.events[i].payload == b.events[i].payload);
  }

  // Redriving twice: the count goes on, and fold still agrees.
  run.fail(again[1]);
  auto& second = run.redrive();
  CHECK(detail(second.events.at(0), "redriveCount") == "2");
  check_fold(run);
}

TEST_CASE("an ABORTED execution is redriven from its open Wait, a TIMED_OUT one with a fresh timeout") {
  SECTION("aborted in a Wait") {
    Run run(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}})");
    engine::Fact stop;
    stop.kind = FactKind::kStop;
    run.apply(stop);
    REQUIRE(run.status() == ExecutionStatus::kAborted);
    auto& d = run.redrive();
    CHECK(shape(d.events) == std::vector<std::string>{"ExecutionRedriven<3"});
    REQUIRE(d.effects.size() == 1);
    CHECK(d.effects[0].kind == EffectKind::kStartTimer);
    CHECK(d.effects[0].due_ms == run.now + 10000);
    engine::Fact fired;
    fired.kind = FactKind::kTimerFired;
    fired.frame = d.effects[0].frame;
    fired.token = d.effects[0].token;
    CHECK(shape(run.apply(fired).events) == std::vector<std::string>{"WaitStateExited<2", "ExecutionSucceeded<5"});
    check_fold(run);
  }
  SECTION("timed out in a Task") {
    Run run(R"({"TimeoutSeconds":60,"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
        "End":true}}})");
    engine::Effect timeout;
    for (const auto& e : run.last.effects) {
      if (e.kind == EffectKind::kExecutionTimeout) timeout = e;
    }
    engine::Fact expired;
    expired.kind = FactKind::kExecutionTimedOut;
    expired.token = timeout.token;
    run.apply(expired);
    REQUIRE(run.status() == ExecutionStatus::kTimedOut);

    auto& d = run.redrive();
    engine::Effect fresh;
    for (const auto& e : d.effects) {
      if (e.kind == EffectKind::kExecutionTimeout) fresh = e;
    }
    CHECK(fresh.due_ms == run.now + 60000);  // counted from the redrive
    CHECK(fresh.token != timeout.token);
    CHECK(invokes(d).size() == 1);
    CHECK(run.apply(expired).events.empty());  // the first run's timeout is stale now
    CHECK(run.status() == ExecutionStatus::kRunning);
    check_fold(run);

    expired.token = fresh.token;
    CHECK(shape(run.apply(expired).events) == std::vector<std::string>{"ExecutionTimedOut<8"});
    check_fold(run);
  }
}

TEST_CASE("a Fail state fails again when redriven; each redrive counts") {
  Run run(R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"C"}}})");
  REQUIRE(run.status() == ExecutionStatus::kFailed);
  auto& d = run.redrive();
  CHECK(shape(d.events) == std::vector<std::string>{"ExecutionRedriven<3", "ExecutionFailed<4"});
  CHECK(run.status() == ExecutionStatus::kFailed);
  CHECK(*engine::error(*run.s) == "E");
  auto& again = run.redrive();
  CHECK(detail(again.events.at(0), "redriveCount") == "2");
  CHECK(engine::redrive_count(*run.s) == 2);
  check_fold(run);
}

TEST_CASE("the context object shows RedriveCount and RedriveTime after a redrive") {
  Run run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
      "Parameters":{"c.$":"$$.Execution"},"End":true}}})");
  auto before = invokes(run.last).at(0).payload.at("c").as_object();
  CHECK(before.at("RedriveCount") == 0);
  CHECK_FALSE(before.contains("RedriveTime"));
  run.fail(invokes(run.last).at(0));
  auto after = invokes(run.redrive()).at(0).payload.at("c").as_object();
  CHECK(after.at("RedriveCount") == 1);
  CHECK(after.contains("RedriveTime"));
}

TEST_CASE("a redrive reaches into nested states: only the failed branch of the failed iteration runs") {
  Run run(R"({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
      "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
          {"StartAt":"L","States":{"L":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                                        "Parameters":{"side":"L","item.$":"$"},"End":true}}},
          {"StartAt":"R","States":{"R":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                                        "Parameters":{"side":"R","item.$":"$"},"End":true}}}]}}}}}})",
          "[1,2]");
  auto calls = invokes(run.last);
  REQUIRE(calls.size() == 4);
  run.succeed(invoke_with(calls, R"({"side":"L","item":1})"), R"("L1")");
  run.succeed(invoke_with(calls, R"({"side":"R","item":1})"), R"("R1")");
  run.succeed(invoke_with(calls, R"({"side":"L","item":2})"), R"("L2")");
  run.fail(invoke_with(calls, R"({"side":"R","item":2})"));
  REQUIRE(run.status() == ExecutionStatus::kFailed);

  auto again = invokes(run.redrive());
  REQUIRE(again.size() == 1);
  CHECK(json::to_json(again[0].payload) == R"({"side":"R","item":2})");
  run.succeed(again[0], R"("R2")");
  CHECK(run.status() == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*run.s) == R"([["L1","R1"],["L2","R2"]])");
  check_fold(run);
}

TEST_CASE("a nested iteration aborted by its sibling's failure runs again where it stopped") {
  Run run(R"({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
      "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
          {"StartAt":"L","States":{"L":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                                        "Parameters":{"side":"L","item.$":"$"},"End":true}}},
          {"StartAt":"R","States":{"R":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                                        "Parameters":{"side":"R","item.$":"$"},"End":true}}}]}}}}}})",
          "[1,2]");
  auto calls = invokes(run.last);
  run.succeed(invoke_with(calls, R"({"side":"L","item":1})"), R"("L1")");  // item 1 is half done
  run.fail(invoke_with(calls, R"({"side":"R","item":2})"));                 // aborts all the rest
  REQUIRE(run.status() == ExecutionStatus::kFailed);

  auto again = invokes(run.redrive());
  std::vector<std::string> payloads;
  for (const auto& e : again) payloads.push_back(json::to_json(e.payload));
  std::sort(payloads.begin(), payloads.end());
  CHECK(payloads == std::vector<std::string>{R"({"side":"L","item":2})", R"({"side":"R","item":1})",
                                             R"({"side":"R","item":2})"});
  for (const auto& e : again) run.succeed(e, json::to_json(e.payload.at("side")));
  CHECK(run.status() == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*run.s) == R"([["L1","R"],["L","R"]])");
  check_fold(run);
}

TEST_CASE("a stopped Parallel is redriven with its running branches") {
  Run run(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Next":"After","Branches":[
      {"StartAt":"B0","States":{"B0":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                                      "Parameters":{"b":0},"End":true}}},
      {"StartAt":"B1","States":{"B1":{"Type":"Wait","Seconds":5,"End":true}}}]},
      "After":{"Type":"Pass","End":true}}})");
  engine::Fact stop;
  stop.kind = FactKind::kStop;
  run.apply(stop);
  REQUIRE(run.status() == ExecutionStatus::kAborted);
  auto& d = run.redrive();
  REQUIRE(invokes(d).size() == 1);
  engine::Effect timer;
  for (const auto& e : d.effects) {
    if (e.kind == EffectKind::kStartTimer) timer = e;
  }
  REQUIRE(timer.token != 0);
  run.succeed(invokes(d)[0], "0");
  engine::Fact fired;
  fired.kind = FactKind::kTimerFired;
  fired.frame = timer.frame;
  fired.token = timer.token;
  run.apply(fired);
  CHECK(run.status() == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*run.s) == "[0,{}]");
  check_fold(run);
}

// The Map Run effect among `effects` (its children run in the runtime).
engine::Effect map_run_of(const std::vector<engine::Effect>& effects) {
  for (const auto& e : effects) {
    if (e.kind == EffectKind::kMapRun) return e;
  }
  FAIL("no Map Run effect");
  return {};
}

TEST_CASE("a Distributed Map hands its items to a Map Run and records its outcome") {
  Run run(R"j({"StartAt":"M","States":{"M":{"Type":"Map","End":true,"Label":"Batch","MaxConcurrency":2,
      "ToleratedFailureCount":1,"ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
          "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}})j",
          "[10,20]");
  REQUIRE(run.status() == ExecutionStatus::kRunning);
  engine::Effect e = map_run_of(run.last.effects);
  REQUIRE(e.map_run);
  const engine::MapRunSpec& spec = *e.map_run;
  CHECK(json::to_json(boost::json::value(spec.inputs)) == R"([{"v":10,"i":0},{"v":20,"i":1}])");
  CHECK(spec.express);
  CHECK(spec.max_concurrency == 2);
  CHECK(spec.tolerated_count == std::optional<std::int64_t>(1));
  CHECK(spec.map_run_arn.find(":mapRun:") != std::string::npos);
  CHECK(spec.map_run_arn.find("/Batch:") != std::string::npos);
  CHECK(spec.processor_definition.find("ProcessorConfig") == std::string::npos);
  // After a fold the same Map Run is asked for again.
  auto again = engine::pending_effects(*run.s);
  REQUIRE(again.size() == 1);
  CHECK(again[0].kind == EffectKind::kMapRun);
  CHECK(again[0].map_run->map_run_arn == spec.map_run_arn);

  auto& d = run.succeed(e, R"([{"v":10},{"v":20}])");
  std::vector<std::string> types;
  for (const auto& ev : d.events) types.emplace_back(engine::event_type_name(ev.type));
  CHECK(types == std::vector<std::string>{"MapRunSucceeded", "MapStateSucceeded", "MapStateExited",
                                          "ExecutionSucceeded"});
  CHECK(engine::output_text(*run.s) == R"([{"v":10},{"v":20}])");
  check_fold(run);
}

TEST_CASE("ItemBatcher's limits and BatchInput are evaluated against the Map's input") {
  Run run(R"j({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
      "ItemBatcher":{"MaxItemsPerBatchPath":"$.per","MaxInputBytesPerBatch":1024,"BatchInput":{"tag.$":"$.tag"}},
      "ItemsPath":"$.items",
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
          "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}})j",
          R"({"per":2,"tag":"t","items":[1,2,3]})");
  engine::Effect e = map_run_of(run.last.effects);
  CHECK(e.map_run->batching);
  CHECK(e.map_run->max_items_per_batch == 2);
  CHECK(e.map_run->max_bytes_per_batch == 1024);
  REQUIRE(e.map_run->batch_input);
  CHECK(json::to_json(*e.map_run->batch_input) == R"({"tag":"t"})");

  Run bad(R"j({"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemBatcher":{"MaxItemsPerBatchPath":"$.per"},
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
          "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}})j",
          R"([1])");
  CHECK(bad.status() == ExecutionStatus::kFailed);
  std::vector<std::string> types;
  for (const auto& ev : bad.history) types.emplace_back(engine::event_type_name(ev.type));
  CHECK(types[types.size() - 3] == "MapRunFailed");
}

TEST_CASE("a redriven Distributed Map records MapRunRedriven and runs the same Map Run again") {
  Run run(R"j({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
          "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}})j",
          "[1,2,3]");
  engine::Effect first = map_run_of(run.last.effects);
  run.fail(first, "States.ExceedToleratedFailureThreshold");
  REQUIRE(run.status() == ExecutionStatus::kFailed);
  std::vector<std::string> failed;
  for (const auto& ev : run.last.events) failed.emplace_back(engine::event_type_name(ev.type));
  CHECK(failed == std::vector<std::string>{"MapRunFailed", "MapStateFailed", "ExecutionFailed"});

  auto& d = run.redrive();
  std::vector<std::string> types;
  for (const auto& ev : d.events) types.emplace_back(engine::event_type_name(ev.type));
  CHECK(types == std::vector<std::string>{"ExecutionRedriven", "MapRunRedriven"});
  CHECK(detail(d.events[1], "mapRunArn") == first.map_run->map_run_arn);
  CHECK(detail(d.events[1], "redriveCount") == "1");
  engine::Effect again = map_run_of(d.effects);
  CHECK(again.map_run->map_run_arn == first.map_run->map_run_arn);
  CHECK(again.map_run->redrive_count == 1);
  CHECK(again.token != first.token);

  run.succeed(again, "[1,2,3]");
  CHECK(run.status() == ExecutionStatus::kSucceeded);
  check_fold(run);
}

TEST_CASE("a Map Run result over 256 KiB fails the Map with States.DataLimitExceeded") {
  Run run(R"j({"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ResultPath":null,
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
          "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}})j",
          "[1]");
  engine::Effect e = map_run_of(run.last.effects);
  auto& d = run.succeed(e, "[\"" + std::string(300000, 'x') + "\"]");
  std::vector<std::string> types;
  for (const auto& ev : d.events) types.emplace_back(engine::event_type_name(ev.type));
  CHECK(types == std::vector<std::string>{"MapRunFailed", "MapStateFailed", "ExecutionFailed"});
  CHECK(engine::error(*run.s) == std::optional<std::string>("States.DataLimitExceeded"));
  check_fold(run);
}

TEST_CASE("stopping an execution aborts its Map Run") {
  Run run(R"j({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
          "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}})j",
          "[1]");
  engine::Effect e = map_run_of(run.last.effects);
  engine::Fact stop;
  stop.kind = FactKind::kStop;
  auto& d = run.apply(stop);
  std::vector<std::string> types;
  for (const auto& ev : d.events) types.emplace_back(engine::event_type_name(ev.type));
  CHECK(types == std::vector<std::string>{"MapRunAborted", "ExecutionAborted"});
  bool cancelled = false;
  for (const auto& c : d.effects) cancelled |= c.kind == EffectKind::kCancelTask && c.token == e.token;
  CHECK(cancelled);
  check_fold(run);
}

TEST_CASE("a Parallel branch that never started because its sibling failed at once runs in full") {
  // Branch 0 fails synchronously until the execution has been redriven, so
  // branch 1 is aborted before it entered its first state.
  Run run(R"j({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
      {"StartAt":"Risky","States":{"Risky":{"Type":"Pass","End":true,"Parameters":{
          "v.$":"States.ArrayGetItem(States.Array(7), States.MathAdd($$.Execution.RedriveCount, -1))"}}}},
      {"StartAt":"First","States":{"First":{"Type":"Pass","Result":1,"Next":"Second"},
                                   "Second":{"Type":"Pass","End":true}}}]}}})j");
  REQUIRE(run.status() == ExecutionStatus::kFailed);
  for (const auto& e : run.history) CHECK(e.name != "First");

  auto& d = run.redrive();
  std::vector<std::string> names;
  for (const auto& e : d.events) {
    if (!e.name.empty()) names.push_back(std::string(engine::event_type_name(e.type)) + " " + e.name);
  }
  CHECK(names == std::vector<std::string>{"PassStateExited Risky", "PassStateEntered First", "PassStateExited First",
                                          "PassStateEntered Second", "PassStateExited Second",
                                          "ParallelStateExited P"});
  CHECK(run.status() == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*run.s) == R"([{"v":7},1])");
  check_fold(run);
}
