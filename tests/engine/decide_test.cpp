// The interpreter, facts in and decisions out: no actors, no storage.

#include "src/engine/engine.h"

#include <catch2/catch.hpp>

#include "src/common/task_token.h"
#include "tests/engine/engine_test_util.h"

using namespace stepd;
using namespace stepd::testing;
using engine::EffectKind;
using engine::ExecutionStatus;
using engine::FactKind;

TEST_CASE("a Pass chain runs to completion in one decision with AWS's links") {
  auto m = machine(R"({"StartAt":"A","States":{
      "A":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r","Next":"B"},
      "B":{"Type":"Pass","OutputPath":"$.r","End":true}}})");
  auto s = engine::start(m, params(R"({"in": true})"));
  CHECK(engine::status(*s.state) == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*s.state) == R"({"x":1})");
  CHECK(shape(s.decisions.events) ==
        std::vector<std::string>{"ExecutionStarted<0", "PassStateEntered<0", "PassStateExited<2", "PassStateEntered<3",
                                 "PassStateExited<4", "ExecutionSucceeded<5"});
  CHECK(detail(s.decisions.events[0], "input") == R"({"in": true})");  // verbatim
  CHECK(detail(s.decisions.events[2], "output") == R"({"in":true,"r":{"x":1}})");
  CHECK(s.decisions.effects.empty());
}

TEST_CASE("a Wait asks for a timer and exits when it fires") {
  auto m = machine(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}})");
  auto s = engine::start(m, params());
  REQUIRE(engine::status(*s.state) == ExecutionStatus::kRunning);
  REQUIRE(s.decisions.effects.size() == 1);
  const auto& timer = s.decisions.effects[0];
  CHECK(timer.kind == EffectKind::kStartTimer);
  CHECK(timer.due_ms == 1700000010000);

  engine::Fact f;
  f.kind = FactKind::kTimerFired;
  f.frame = timer.frame;
  f.token = timer.token;
  f.now_ms = timer.due_ms;
  auto d = engine::decide(*s.state, f);
  CHECK(shape(d.events) == std::vector<std::string>{"WaitStateExited<2", "ExecutionSucceeded<3"});
  CHECK(d.events[0].timestamp_ms == 1700000010000);
  CHECK(engine::status(*s.state) == ExecutionStatus::kSucceeded);
}

TEST_CASE("a stale timer fact changes nothing") {
  auto m = machine(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}})");
  auto s = engine::start(m, params());
  engine::Fact f;
  f.kind = FactKind::kTimerFired;
  f.frame = s.decisions.effects[0].frame;
  f.token = s.decisions.effects[0].token + 1;
  CHECK(engine::decide(*s.state, f).events.empty());
  CHECK(engine::status(*s.state) == ExecutionStatus::kRunning);
}

TEST_CASE("a Task is retried with backoff then caught") {
  auto m = machine(R"({"StartAt":"T","States":{
      "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
           "Retry":[{"ErrorEquals":["Boom"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":2}],
           "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"C"}],"End":true},
      "C":{"Type":"Pass","End":true}}})");
  auto s = engine::start(m, params(R"({"a":1})"));
  std::int64_t now = 1700000000000;
  std::vector<std::int64_t> delays;
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto invoke = s.decisions.effects.back();
    REQUIRE(invoke.kind == EffectKind::kInvokeTask);
    CHECK(invoke.attempt == attempt);
    CHECK(invoke.invocation == attempt);  // the mock invocation number counts retries
    engine::Fact fail;
    fail.kind = FactKind::kTaskFailed;
    fail.frame = invoke.frame;
    fail.token = invoke.token;
    fail.error = "Boom";
    fail.cause = "bad";
    fail.now_ms = now;
    s.decisions = engine::decide(*s.state, fail);
    if (attempt == 2) break;
    REQUIRE(s.decisions.effects.size() == 1);
    auto timer = s.decisions.effects[0];
    delays.push_back(timer.due_ms - now);
    now = timer.due_ms;
    engine::Fact fired;
    fired.kind = FactKind::kTimerFired;
    fired.frame = timer.frame;
    fired.token = timer.token;
    fired.now_ms = now;
    s.decisions = engine::decide(*s.state, fired);
  }
  CHECK(delays == std::vector<std::int64_t>{2000, 6000});
  CHECK(engine::status(*s.state) == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*s.state) == R"({"a":1,"err":{"Error":"Boom","Cause":"bad"}})");
  CHECK(shape(s.decisions.events) == std::vector<std::string>{"TaskFailed<10", "TaskStateExited<11", "PassStateEntered<12",
                                                              "PassStateExited<13", "ExecutionSucceeded<14"});
}

TEST_CASE("States.Runtime is not caught by States.ALL") {
  auto m = machine(R"({"StartAt":"P","States":{
      "P":{"Type":"Pass","OutputPath":"$.missing","End":true}}})");
  auto s = engine::start(m, params(R"({"a":1})"));
  CHECK(engine::status(*s.state) == ExecutionStatus::kFailed);
  CHECK(*engine::error(*s.state) == "States.Runtime");
  CHECK(*engine::cause(*s.state) ==
        "An error occurred while executing the state 'P' (entered at the event id #2). Invalid path '$.missing' : "
        "No results for path: $['missing']");
  CHECK(shape(s.decisions.events) ==
        std::vector<std::string>{"ExecutionStarted<0", "PassStateEntered<0", "ExecutionFailed<2"});
}

TEST_CASE("a Map runs its iterations in order and links events as AWS does") {
  auto m = machine(R"({"StartAt":"M","States":{"M":{"Type":"Map",
      "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}})");
  auto s = engine::start(m, params("[1,2]"));
  CHECK(engine::output_text(*s.state) == "[1,2]");
  CHECK(shape(s.decisions.events) ==
        std::vector<std::string>{"ExecutionStarted<0", "MapStateEntered<0", "MapStateStarted<2", "MapIterationStarted<3",
                                 "PassStateEntered<4", "PassStateExited<5", "MapIterationSucceeded<6",
                                 "MapIterationStarted<6", "PassStateEntered<8", "PassStateExited<9",
                                 "MapIterationSucceeded<10", "MapStateSucceeded<11", "MapStateExited<11",
                                 "ExecutionSucceeded<13"});
}

TEST_CASE("a failing Parallel branch fails the state with the branch's error") {
  auto m = machine(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
      {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"C"}}}]}}})");
  auto s = engine::start(m, params());
  CHECK(engine::status(*s.state) == ExecutionStatus::kFailed);
  CHECK(*engine::error(*s.state) == "E");
  CHECK(shape(s.decisions.events) ==
        std::vector<std::string>{"ExecutionStarted<0", "ParallelStateEntered<0", "ParallelStateStarted<2",
                                 "FailStateEntered<3", "ParallelStateFailed<4", "ExecutionFailed<5"});
}

TEST_CASE("Assign binds variables after the state, visible to the next one") {
  auto m = machine(R"({"StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"x":42,"y.$":"$.v"},"Next":"B"},
      "B":{"Type":"Pass","Parameters":{"x.$":"$x","y.$":"$y"},"End":true}}})");
  auto s = engine::start(m, params(R"({"v":"hi"})"));
  CHECK(engine::output_text(*s.state) == R"({"x":42,"y":"hi"})");
  const auto& exited = s.decisions.events[2];
  CHECK(detail(exited, "assignedVariables") == R"({"x":"42","y":"\"hi\""})");
}

TEST_CASE("StopExecution aborts with prev 0") {
  auto m = machine(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}})");
  auto s = engine::start(m, params());
  engine::Fact stop;
  stop.kind = FactKind::kStop;
  stop.now_ms = 1700000001000;
  auto d = engine::decide(*s.state, stop);
  CHECK(shape(d.events) == std::vector<std::string>{"ExecutionAborted<0"});
  CHECK(engine::status(*s.state) == ExecutionStatus::kAborted);
}

TEST_CASE("a state output over 256 KiB fails with States.DataLimitExceeded") {
  auto m = machine(R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})");
  std::string big = "{\"s\":\"" + std::string(300000, 'x') + "\"}";
  auto s = engine::start(m, params(big));
  CHECK(engine::status(*s.state) == ExecutionStatus::kFailed);
  CHECK(*engine::error(*s.state) == "States.DataLimitExceeded");
}

TEST_CASE("the history stops at the event limit with a clear failure") {
  auto m = machine(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Next":"C"},
      "C":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"S"}],"Default":"P"},
      "S":{"Type":"Succeed"}}})");
  auto p = params();
  p.max_events = 50;
  auto s = engine::start(m, p);
  CHECK(engine::status(*s.state) == ExecutionStatus::kFailed);
  CHECK(engine::event_count(*s.state) <= 50);
  CHECK(engine::cause(*s.state)->find("maximum number of history events (50)") != std::string::npos);
}

// AWS's rule, as measured: with one event fewer than the limit written,
// the next event is ExecutionSucceeded if that is what comes next, and
// ExecutionFailed{States.Runtime} otherwise, wherever the event was due.
TEST_CASE("the last event allowed is ExecutionFailed, whatever state was due") {
  const std::string cause = "The execution reached the maximum number of history events (50).";
  auto run = [](const std::string& def, const std::string& input) {
    auto p = params(input);
    p.max_events = 50;
    return engine::start(machine(def), p);
  };
  // A Choice loop (2 events a turn): 49 events, then ExecutionFailed linked to the 49th.
  auto spin = run(R"({"StartAt":"L","States":{"L":{"Type":"Choice",
      "Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"D"}],"Default":"L"},"D":{"Type":"Succeed"}}})", "{}");
  REQUIRE(spin.decisions.events.size() == 50);
  CHECK(shape({spin.decisions.events.end() - 2, spin.decisions.events.end()}) ==
        std::vector<std::string>{"ChoiceStateExited<48", "ExecutionFailed<49"});
  CHECK(detail(spin.decisions.events.back(), "error") == "States.Runtime");
  CHECK(detail(spin.decisions.events.back(), "cause") == cause);

  // A caught Parallel loop (5 events a turn after a 2-event Pass): the cut
  // falls inside a branch; the Catch does not take it.
  auto odd = run(R"({"StartAt":"First","States":{"First":{"Type":"Pass","Next":"Par"},
      "Par":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}],
             "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Par","ResultPath":null}],"End":true}}})", "{}");
  CHECK(engine::status(*odd.state) == ExecutionStatus::kFailed);
  CHECK(*engine::cause(*odd.state) == cause);
  REQUIRE(odd.decisions.events.size() == 50);
  CHECK(odd.decisions.events.back().type == engine::EventType::ExecutionFailed);
  CHECK(odd.decisions.events.back().id == 50);

  // An inline Map whose iterations would write past the limit stops at it.
  auto map = run(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"ItemProcessor":{
      "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})", "[1,2,3,4,5,6,7,8,9,10,11,12,13]");
  REQUIRE(map.decisions.events.size() == 50);
  CHECK(map.decisions.events.back().type == engine::EventType::ExecutionFailed);
  CHECK(engine::event_count(*map.state) == 50);

  // Event 50 may be ExecutionSucceeded: 1 + 2 (Pass) x 23 + 2 (Succeed) + 1 = 50.
  std::string states;
  for (int i = 0; i < 23; ++i) states += "\"P" + std::to_string(i) + "\":{\"Type\":\"Pass\",\"Next\":\"P" + std::to_string(i + 1) + "\"},";
  auto exact = run(R"({"StartAt":"P0","States":{)" + states + R"("P23":{"Type":"Succeed"}}})", "{}");
  CHECK(engine::status(*exact.state) == ExecutionStatus::kSucceeded);
  CHECK(engine::event_count(*exact.state) == 50);
}

TEST_CASE("a full history cancels the tasks still running and schedules no new work") {
  // Branch A waits on a Task; branch B loops until the history is full.
  auto p = params();
  p.max_events = 40;
  auto s = engine::start(machine(R"({"StartAt":"Par","States":{"Par":{"Type":"Parallel","End":true,"Branches":[
      {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},
      {"StartAt":"L","States":{"L":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"D"}],
                                   "Default":"L"},"D":{"Type":"Succeed"}}}]}}})"), p);
  CHECK(engine::status(*s.state) == ExecutionStatus::kFailed);
  CHECK(engine::event_count(*s.state) == 40);
  std::uint64_t task_token = 0;
  bool cancelled = false;
  for (const auto& e : s.decisions.effects) {
    if (e.kind == engine::EffectKind::kInvokeTask) task_token = e.token;
    if (e.kind == engine::EffectKind::kCancelTask) cancelled = e.token == task_token && task_token != 0;
  }
  CHECK(cancelled);
  CHECK(engine::pending_effects(*s.state).empty());
}

TEST_CASE("Map iterations read outer variables; what they assign stays inside") {
  auto m = machine(R"({"StartAt":"Set","States":{
      "Set":{"Type":"Pass","Assign":{"factor":10},"Next":"M"},
      "M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{
          "I":{"Type":"Pass","Parameters":{"v.$":"$","f.$":"$factor"},"Assign":{"inner":1},"End":true}}},"Next":"After"},
      "After":{"Type":"Pass","Parameters":{"factor.$":"$factor"},"End":true}}})");
  auto s = engine::start(m, params("[1,2]"));
  REQUIRE(engine::status(*s.state) == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*s.state) == R"({"factor":10})");

  auto leak = machine(R"({"StartAt":"M","States":{
      "M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{
          "I":{"Type":"Pass","Assign":{"inner":1},"End":true}}},"Next":"After"},
      "After":{"Type":"Pass","Parameters":{"x.$":"$inner"},"End":true}}})");
  auto l = engine::start(leak, params("[1]"));
  CHECK(engine::status(*l.state) == ExecutionStatus::kFailed);
  CHECK(*engine::error(*l.state) == "States.Runtime");
}

TEST_CASE("a matched Choice rule's Assign replaces the state's Assign") {
  auto m = machine(R"({"StartAt":"C","States":{
      "C":{"Type":"Choice","Assign":{"picked":"default"},
           "Choices":[{"Variable":"$.n","NumericGreaterThan":1,"Assign":{"picked":"big"},"Next":"Out"}],"Default":"Out"},
      "Out":{"Type":"Pass","Parameters":{"picked.$":"$picked"},"End":true}}})");
  CHECK(engine::output_text(*engine::start(m, params(R"({"n":5})")).state) == R"({"picked":"big"})");
  CHECK(engine::output_text(*engine::start(m, params(R"({"n":0})")).state) == R"({"picked":"default"})");
}

TEST_CASE("a Task timeout fails with States.Timeout, which Catch can take") {
  auto m = machine(R"({"StartAt":"T","States":{
      "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":5,
           "Catch":[{"ErrorEquals":["States.Timeout"],"Next":"C"}],"End":true},
      "C":{"Type":"Pass","End":true}}})");
  auto s = engine::start(m, params());
  const engine::Effect* timeout = nullptr;
  for (const auto& e : s.decisions.effects) {
    if (e.kind == EffectKind::kTaskTimeout) timeout = &e;
  }
  REQUIRE(timeout);
  CHECK(timeout->due_ms == 1700000005000);
  engine::Fact f;
  f.kind = FactKind::kTaskTimedOut;
  f.frame = timeout->frame;
  f.token = timeout->token;
  f.now_ms = timeout->due_ms;
  auto d = engine::decide(*s.state, f);
  CHECK(shape(d.events)[0] == "TaskTimedOut<4");
  CHECK(detail(d.events[0], "error") == "States.Timeout");
  CHECK(detail(d.events[0], "cause") == "<absent>");
  CHECK(engine::output_text(*s.state) == R"({"Error":"States.Timeout","Cause":""})");
}

TEST_CASE("the machine's TimeoutSeconds ends the execution as TIMED_OUT") {
  auto m = machine(R"({"TimeoutSeconds":3,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}})");
  auto s = engine::start(m, params());
  const engine::Effect* t = nullptr;
  for (const auto& e : s.decisions.effects) {
    if (e.kind == EffectKind::kExecutionTimeout) t = &e;
  }
  REQUIRE(t);
  engine::Fact f;
  f.kind = FactKind::kExecutionTimedOut;
  f.now_ms = t->due_ms;
  auto d = engine::decide(*s.state, f);
  CHECK(shape(d.events) == std::vector<std::string>{"ExecutionTimedOut<2"});
  CHECK(engine::status(*s.state) == ExecutionStatus::kTimedOut);
}

TEST_CASE("SecondsPath errors use AWS's wording") {
  auto m = machine(R"({"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}})");
  auto neg = engine::start(m, params(R"({"s":-1})"));
  CHECK(*engine::cause(*neg.state) ==
        "An error occurred while executing the state 'W' (entered at the event id #2). The SecondsPath parameter "
        "references a negative value: $.s == -1");
  auto frac = engine::start(m, params(R"({"s":1.5})"));
  CHECK(engine::cause(*frac.state)->find("cannot be parsed as a long value: $.s == 1.5") != std::string::npos);
}

TEST_CASE("a .waitForTaskToken task records TaskSubmitted, then waits for its callback") {
  auto m = machine(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
      "Parameters":{"MessageBody":{"token.$":"$$.Task.Token"}},"End":true}}})");
  auto s = engine::start(m, params());
  const auto& invoke = s.decisions.effects.back();
  REQUIRE(invoke.kind == EffectKind::kInvokeTask);
  CHECK_FALSE(invoke.submitted);
  // The token the engine made is in the parameters the caller must send.
  std::string token(invoke.payload.at("MessageBody").at("token").as_string());
  CHECK(token == invoke.task_token);
  CHECK(stepd::authentic_task_token(params().token_key, token));
  engine::Fact submitted;
  submitted.kind = FactKind::kTaskSubmitted;
  submitted.frame = invoke.frame;
  submitted.token = invoke.token;
  submitted.output = boost::json::object{{"MessageId", "m-1"}};
  auto d = engine::decide(*s.state, submitted);
  CHECK(shape(d.events) == std::vector<std::string>{"TaskSubmitted<4"});
  CHECK(detail(d.events[0], "output") == R"({"MessageId":"m-1"})");
  CHECK(engine::status(*s.state) == ExecutionStatus::kRunning);
  // After a restart the task is pending but marked submitted: the caller
  // re-offers the token and does not make the call again; a second
  // acceptance (at-least-once) records nothing.
  auto pending = engine::pending_effects(*s.state);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].submitted);
  CHECK(pending[0].task_token == token);
  CHECK(engine::decide(*s.state, submitted).events.empty());
  engine::Fact done;
  done.kind = FactKind::kTaskSucceeded;
  done.frame = invoke.frame;
  done.token = invoke.token;
  done.output = "ok";
  d = engine::decide(*s.state, done);
  CHECK(shape(d.events)[0] == "TaskSucceeded<5");
  CHECK(engine::output_text(*s.state) == "\"ok\"");
}
