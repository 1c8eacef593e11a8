// fold(): rebuilding an execution from its history gives the same state.

#include "src/engine/engine.h"

#include <algorithm>

#include <catch2/catch.hpp>

#include "tests/engine/engine_test_util.h"

using namespace stepd;
using namespace stepd::testing;

TEST_CASE("folding a history halfway through a run resumes it exactly") {
  auto m = machine(R"({"StartAt":"T","States":{
      "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
           "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"JitterStrategy":"FULL"}],"Next":"W"},
      "W":{"Type":"Wait","Seconds":5,"Next":"M"},
      "M":{"Type":"Map","ItemsPath":"$.Payload","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},
           "End":true}}})");
  auto p = params();
  auto live = engine::start(m, p);
  std::vector<engine::Event> history = live.decisions.events;
  auto step = [&](engine::Fact f) {
    auto d = engine::decide(*live.state, f);
    history.insert(history.end(), d.events.begin(), d.events.end());
    return d;
  };
  auto invoke = live.decisions.effects.back();
  engine::Fact fail;
  fail.kind = engine::FactKind::kTaskFailed;
  fail.frame = invoke.frame;
  fail.token = invoke.token;
  fail.error = "X";
  fail.now_ms = p.start_ms + 10;
  auto d = step(fail);
  auto timer = d.effects.at(0);

  // Fold what was recorded so far and continue both copies identically.
  auto folded = engine::fold(m, p, history);
  INFO(folded.status().message());
  REQUIRE(folded.ok());
  CHECK(engine::event_count(**folded) == engine::event_count(*live.state));

  engine::Fact fired;
  fired.kind = engine::FactKind::kTimerFired;
  fired.frame = timer.frame;
  fired.token = timer.token;
  fired.now_ms = timer.due_ms;
  auto a = engine::decide(*live.state, fired);
  auto b = engine::decide(**folded, fired);
  REQUIRE(a.events.size() == b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    CHECK(a.events[i].type == b.events[i].type);
    CHECK(a.events[i].details == b.events[i].details);
    CHECK(a.events[i].payload == b.events[i].payload);
  }
}

TEST_CASE("fold rejects a history that the machine does not produce") {
  auto m = machine(R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}})");
  auto other = machine(R"({"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}})");
  auto run = engine::start(other, params());
  auto folded = engine::fold(m, params(), run.decisions.events);
  CHECK_FALSE(folded.ok());
}

TEST_CASE("after a fold, pending_effects re-arms exactly what the live run waits on") {
  auto m = machine(R"({"TimeoutSeconds":600,"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
      {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"End":true}}},
      {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                                    "TimeoutSeconds":60,"HeartbeatSeconds":10,"End":true}}}]}}})");
  auto p = params(R"({"k":1})");
  auto live = engine::start(m, p);
  auto folded = engine::fold(m, p, live.decisions.events);
  REQUIRE(folded.ok());
  auto want = live.decisions.effects;
  auto got = engine::pending_effects(**folded);
  REQUIRE(got.size() == want.size());
  auto key = [](const engine::Effect& e) {
    return std::to_string(static_cast<int>(e.kind)) + "/" + std::to_string(e.frame) + "/" + std::to_string(e.token) +
           "/" + std::to_string(e.due_ms) + "/" + e.resource + "/" + json::to_json(e.payload);
  };
  std::vector<std::string> a, b;
  for (const auto& e : want) a.push_back(key(e));
  for (const auto& e : got) b.push_back(key(e));
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  CHECK(a == b);
  CHECK(a.size() == 5);  // execution timeout, the Wait's timer, the task, its timeout and heartbeat
}

TEST_CASE("fold's observer sees each decision and can stop the replay early") {
  auto m = machine(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"P"},
      "P":{"Type":"Pass","Assign":{"seen":true},"End":true}}})");
  auto p = params(R"({"a":1})");
  auto live = engine::start(m, p);
  auto history = live.decisions.events;
  const auto& timer = live.decisions.effects.at(0);
  engine::Fact fired;
  fired.kind = engine::FactKind::kTimerFired;
  fired.frame = timer.frame;
  fired.token = timer.token;
  fired.now_ms = timer.due_ms;
  auto d = engine::decide(*live.state, fired);
  history.insert(history.end(), d.events.begin(), d.events.end());

  std::vector<std::size_t> consumed;
  std::vector<std::string> statuses;
  auto all = engine::fold(m, p, history, [&](std::size_t n, const engine::ExecutionState& s) {
    consumed.push_back(n);
    statuses.push_back(std::string(engine::describe(s).at("status").as_string()));
    return true;
  });
  REQUIRE(all.ok());
  CHECK(consumed == std::vector<std::size_t>{2, history.size()});
  CHECK(statuses == std::vector<std::string>{"RUNNING", "SUCCEEDED"});

  auto first = engine::fold(m, p, history, [](std::size_t, const engine::ExecutionState&) { return false; });
  REQUIRE(first.ok());
  auto view = engine::describe(**first);
  CHECK(view.at("status").as_string() == "RUNNING");
  const auto& frame = view.at("frames").as_array().at(0).as_object();
  CHECK(frame.at("state").as_string() == "W");
  CHECK(frame.at("phase").as_string() == "waiting (Wait state)");
  CHECK(view.at("pending").as_array().at(0).as_object().at("dueMs").as_int64() == timer.due_ms);
}
