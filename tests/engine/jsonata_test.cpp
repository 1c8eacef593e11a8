// JSONata mode in the interpreter: $states, Assign scoping, Arguments and
// Output, Catch, Choice conditions, Map Items, AWS's extra functions, and
// determinism of $random/$uuid/$now under fold().

#include <catch2/catch.hpp>

#include "src/engine/engine.h"
#include "src/engine/jsonata_env.h"
#include "src/jsonata/jsonata.h"
#include "tests/engine/engine_test_util.h"

using namespace stepd;
using namespace stepd::testing;
using engine::EffectKind;
using engine::ExecutionStatus;
using engine::FactKind;

namespace {

// Runs a machine that needs no facts and returns its start.
engine::Started run(const std::string& def, const std::string& input = "{}") {
  return engine::start(machine(def), params(input));
}

engine::Fact task_success(const engine::Effect& e, const std::string& output) {
  engine::Fact f;
  f.kind = FactKind::kTaskSucceeded;
  f.frame = e.frame;
  f.token = e.token;
  f.now_ms = 1700000001000;
  f.output = json::parse(output).value();
  return f;
}

}  // namespace

TEST_CASE("a JSONata Pass computes Output from $states.input and variables") {
  auto s = run(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"x":"{% $states.input.n * 2 %}","lit":[1,2]},"Next":"B"},
      "B":{"Type":"Pass","Output":{"sum":"{% $x + $states.input.n %}","lit":"{% $lit %}","k":"const"},"End":true}}})",
               R"({"n":5})");
  CHECK(engine::status(*s.state) == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*s.state) == R"({"sum":15,"lit":[1,2],"k":"const"})");
  CHECK(detail(s.decisions.events[2], "assignedVariables") == R"({"x":"10","lit":"[1,2]"})");
}

TEST_CASE("all Assign expressions of a state see the variables from before it") {
  auto s = run(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"a":1,"b":2},"Next":"B"},
      "B":{"Type":"Pass","Assign":{"a":"{% $b %}","b":"{% $a %}"},"Output":"{% [$a, $b] %}","Next":"C"},
      "C":{"Type":"Pass","Output":"{% [$a, $b] %}","End":true}}})");
  CHECK(detail(s.decisions.events[4], "output") == "[1,2]");
  CHECK(engine::output_text(*s.state) == "[2,1]");
}

TEST_CASE("an expression that returns nothing fails with EvaluationFailed and AWS's cause") {
  auto s = run(R"({"QueryLanguage":"JSONata","StartAt":"S0","States":{
      "S0":{"Type":"Pass","Next":"S1"},
      "S1":{"Type":"Pass","Output":{"result":"{% $doesNotExist %}"},"End":true}}})");
  CHECK(engine::status(*s.state) == ExecutionStatus::kFailed);
  CHECK(shape(s.decisions.events) ==
        std::vector<std::string>{"ExecutionStarted<0", "PassStateEntered<0", "PassStateExited<2", "PassStateEntered<3",
                                 "EvaluationFailed<3", "ExecutionFailed<5"});
  const std::string cause =
      "An error occurred while executing the state 'S1' (entered at the event id #4). The JSONata expression "
      "'$doesNotExist' specified for the field 'Output/result' returned nothing (undefined).";
  CHECK(detail(s.decisions.events[4], "location") == "Output/result");
  CHECK(detail(s.decisions.events[4], "state") == "S1");
  CHECK(detail(s.decisions.events[4], "cause") == cause);
  CHECK(*engine::error(*s.state) == "States.QueryEvaluationError");
  CHECK(*engine::cause(*s.state) == cause);
}

TEST_CASE("a JSONata evaluation error quotes the JSONata code and message") {
  auto s = run(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Output":{"r":"{% $nope(1) %}"},"End":true}}})");
  REQUIRE(engine::cause(*s.state));
  CHECK(engine::cause(*s.state)->find("specified for the field 'Output/r' threw an error during evaluation. "
                                       "T1006: Attempted to invoke a non-function") != std::string::npos);
}

TEST_CASE("$eval is refused in state machines") {
  auto s = run(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Output":"{% $eval('1+1') %}","End":true}}})");
  CHECK(engine::status(*s.state) == ExecutionStatus::kFailed);
  CHECK(*engine::error(*s.state) == "States.QueryEvaluationError");
}

TEST_CASE("a JSONata Task sends Arguments and shapes its result with Output and Assign") {
  auto m = machine(R"({"QueryLanguage":"JSONata","StartAt":"T","States":{
      "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
           "Arguments":{"FunctionName":"f","Payload":{"v":"{% $states.input.v %}"}},
           "TimeoutSeconds":"{% $states.input.t %}",
           "Assign":{"seen":"{% $states.result.r %}"},
           "Output":{"r":"{% $states.result.r %}","in":"{% $states.input.v %}"},"Next":"P"},
      "P":{"Type":"Pass","Output":"{% $seen %}","End":true}}})");
  auto s = engine::start(m, params(R"({"v":3,"t":30})"));
  REQUIRE(!s.decisions.effects.empty());
  const auto& invoke = s.decisions.effects[0];
  REQUIRE(invoke.kind == EffectKind::kInvokeTask);
  CHECK(json::to_json(invoke.payload) == R"({"FunctionName":"f","Payload":{"v":3}})");
  CHECK(invoke.timeout_seconds == 30);
  auto d = engine::decide(*s.state, task_success(invoke, R"({"r":"ok"})"));
  CHECK(engine::status(*s.state) == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*s.state) == R"("ok")");
}

TEST_CASE("a JSONata catcher sees $states.errorOutput in its Output and Assign") {
  auto m = machine(R"({"QueryLanguage":"JSONata","StartAt":"T","States":{
      "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f"},
           "Catch":[{"ErrorEquals":["States.ALL"],"Next":"C",
                     "Assign":{"err":"{% $states.errorOutput.Error %}"},
                     "Output":{"cause":"{% $states.errorOutput.Cause %}"}}],"End":true},
      "C":{"Type":"Pass","Output":{"e":"{% $err %}","c":"{% $states.input.cause %}"},"End":true}}})");
  auto s = engine::start(m, params());
  const auto& invoke = s.decisions.effects[0];
  engine::Fact f;
  f.kind = FactKind::kTaskFailed;
  f.frame = invoke.frame;
  f.token = invoke.token;
  f.error = "Boom";
  f.cause = "bad";
  engine::decide(*s.state, f);
  CHECK(engine::status(*s.state) == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*s.state) == R"({"e":"Boom","c":"bad"})");
}

TEST_CASE("a JSONata Choice follows the first true Condition and takes its Assign and Output") {
  const std::string def = R"({"QueryLanguage":"JSONata","StartAt":"C","States":{
      "C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.n > 1 %}","Next":"Big",
           "Assign":{"which":"big"},"Output":{"n":"{% $states.input.n %}"}}],
           "Default":"Small","Assign":{"which":"small"}},
      "Big":{"Type":"Pass","Output":"{% $which & ':' & $string($states.input.n) %}","End":true},
      "Small":{"Type":"Pass","Output":"{% $which %}","End":true}}})";
  CHECK(engine::output_text(*run(def, R"({"n":5,"x":1})").state) == R"("big:5")");
  CHECK(engine::output_text(*run(def, R"({"n":0})").state) == R"("small")");
}

TEST_CASE("a JSONata Condition that is not a boolean fails the state") {
  auto s = run(R"({"QueryLanguage":"JSONata","StartAt":"C","States":{
      "C":{"Type":"Choice","Choices":[{"Condition":"{% 'yes' %}","Next":"D"}],"Default":"D"},
      "D":{"Type":"Succeed"}}})");
  CHECK(engine::status(*s.state) == ExecutionStatus::kFailed);
  CHECK(*engine::error(*s.state) == "States.QueryEvaluationError");
}

TEST_CASE("a JSONata Map iterates Items with ItemSelector and children read outer variables") {
  auto s = run(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"k":10},"Next":"M"},
      "M":{"Type":"Map","Items":"{% $states.input.xs %}",
           "ItemSelector":{"v":"{% $states.context.Map.Item.Value %}","i":"{% $states.context.Map.Item.Index %}"},
           "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.v * $k + $states.input.i %}","End":true}}},
           "Output":"{% $sum($states.result) %}","End":true}}})",
               R"({"xs":[1,2,3]})");
  CHECK(engine::status(*s.state) == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*s.state) == "63");
}

TEST_CASE("a JSONata Map whose Items is not an array fails with AWS's words") {
  auto s = run(R"({"QueryLanguage":"JSONata","StartAt":"M","States":{
      "M":{"Type":"Map","Items":"{% $states.input.xs %}",
           "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})",
               R"({"xs":{"foo":"bar"}})");
  CHECK(shape(s.decisions.events) == std::vector<std::string>{"ExecutionStarted<0", "MapStateEntered<0",
                                                              "EvaluationFailed<0", "MapStateFailed<3",
                                                              "ExecutionFailed<4"});
  CHECK(*engine::cause(*s.state) ==
        "An error occurred while executing the state 'M' (entered at the event id #2). The JSONata expression "
        "'$states.input.xs' specified for the field 'Items' returned an unexpected result type. Expected 'array', "
        "but was 'object' for value: {\"foo\":\"bar\"}");
}

TEST_CASE("a JSONata Wait takes Seconds from an expression") {
  auto s = run(R"({"QueryLanguage":"JSONata","StartAt":"W","States":{
      "W":{"Type":"Wait","Seconds":"{% $states.input.s %}","End":true}}})",
               R"({"s":7})");
  REQUIRE(s.decisions.effects.size() == 1);
  CHECK(s.decisions.effects[0].kind == EffectKind::kStartTimer);
  CHECK(s.decisions.effects[0].due_ms == 1700000007000);
}

TEST_CASE("a JSONata Fail takes Error and Cause from expressions") {
  auto s = run(R"({"QueryLanguage":"JSONata","StartAt":"F","States":{
      "F":{"Type":"Fail","Error":"{% 'E.' & $states.input.code %}","Cause":"{% $string($states.input) %}"}}})",
               R"({"code":"X"})");
  CHECK(*engine::error(*s.state) == "E.X");
  CHECK(*engine::cause(*s.state) == R"({"code":"X"})");
}

TEST_CASE("a JSONPath machine runs JSONata states that read its variables") {
  auto s = run(R"({"StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"theAnswer":42},"Next":"B"},
      "B":{"Type":"Pass","QueryLanguage":"JSONata","Assign":{"theAnswer":18,"old":"{% $theAnswer %}"},"End":true}}})");
  CHECK(engine::status(*s.state) == ExecutionStatus::kSucceeded);
  CHECK(detail(s.decisions.events[4], "assignedVariables") == R"({"theAnswer":"18","old":"42"})");
}

TEST_CASE("Step Functions' extra JSONata functions") {
  auto s = run(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Output":{
        "part":"{% $partition([1,2,3,4,5], 2) %}",
        "range":"{% $range(0, 10, 3) %}",
        "one":"{% $range(1, 9, 9) %}",
        "md5":"{% $hash('abc', 'MD5') %}",
        "sha":"{% $hash('abc', 'SHA-256') %}",
        "parsed":"{% $parse('{\"a\":[1]}') %}",
        "r":"{% $random() < 1 %}",
        "seeded":"{% $random(7) = $random(7) %}",
        "uuid":"{% $length($uuid()) %}",
        "now":"{% $millis() %}"},"End":true}}})");
  REQUIRE(engine::status(*s.state) == ExecutionStatus::kSucceeded);
  auto out = json::parse(engine::output_text(*s.state)).value().as_object();
  CHECK(json::to_json(out["part"]) == "[[1,2],[3,4],[5]]");
  CHECK(json::to_json(out["range"]) == "[0,3,6,9]");
  CHECK(json::to_json(out["one"]) == "1");
  CHECK(out["md5"] == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(out["sha"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(json::to_json(out["parsed"]) == R"({"a":[1]})");
  CHECK(out["r"] == true);
  CHECK(out["seeded"] == true);
  CHECK(json::to_json(out["uuid"]) == "36");
  CHECK(json::to_json(out["now"]) == "1700000000000");  // the fact's time, not the clock
}

TEST_CASE("$random and $uuid replay identically under fold") {
  auto m = machine(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Output":{"r":"{% $random() %}","u":"{% $uuid() %}"},"Next":"W"},
      "W":{"Type":"Wait","Seconds":1,"Next":"B"},
      "B":{"Type":"Pass","Output":{"prev":"{% $states.input %}","r":"{% $random() %}"},"End":true}}})");
  auto p = params();
  auto s = engine::start(m, p);
  std::vector<engine::Event> history = s.decisions.events;
  const auto& timer = s.decisions.effects.back();
  engine::Fact f;
  f.kind = FactKind::kTimerFired;
  f.frame = timer.frame;
  f.token = timer.token;
  f.now_ms = timer.due_ms;
  auto d = engine::decide(*s.state, f);
  history.insert(history.end(), d.events.begin(), d.events.end());
  REQUIRE(engine::status(*s.state) == ExecutionStatus::kSucceeded);
  auto folded = engine::fold(m, p, history);
  INFO(folded.status().message());
  REQUIRE(folded.ok());
  CHECK(engine::output_text(**folded) == engine::output_text(*s.state));
  // Another seed draws other values.
  auto p2 = p;
  p2.seed = 8;
  auto other = engine::start(m, p2);
  CHECK(detail(other.decisions.events[2], "output") != detail(s.decisions.events[2], "output"));
}

TEST_CASE("a retried JSONata Task evaluates its Arguments again after they failed") {
  auto m = machine(R"({"QueryLanguage":"JSONata","StartAt":"T","States":{
      "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
           "Arguments":{"FunctionName":"f","r":"{% $random() < 0.5 ? $nothing : 'ok' %}"},
           "Retry":[{"ErrorEquals":["States.QueryEvaluationError"],"MaxAttempts":50,"IntervalSeconds":1,"BackoffRate":1}],
           "End":true}}})");
  auto s = engine::start(m, params());
  std::int64_t now = 1700000000000;
  for (int i = 0; i < 60 && s.decisions.effects.back().kind == EffectKind::kStartTimer; ++i) {
    const auto& timer = s.decisions.effects.back();
    engine::Fact f;
    f.kind = FactKind::kTimerFired;
    f.frame = timer.frame;
    f.token = timer.token;
    f.now_ms = now += 1000;
    s.decisions = engine::decide(*s.state, f);
  }
  REQUIRE(s.decisions.effects.back().kind == EffectKind::kInvokeTask);
  CHECK(json::to_json(s.decisions.effects.back().payload) == R"({"FunctionName":"f","r":"ok"})");
}

TEST_CASE("a JSONata Task's Output failure is caught by its catcher") {
  auto m = machine(R"({"QueryLanguage":"JSONata","StartAt":"T","States":{
      "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f"},
           "Output":"{% $states.result.missing %}",
           "Catch":[{"ErrorEquals":["States.QueryEvaluationError"],"Next":"C"}],"End":true},
      "C":{"Type":"Pass","Output":"{% $states.input.Error %}","End":true}}})");
  auto s = engine::start(m, params());
  auto d = engine::decide(*s.state, task_success(s.decisions.effects[0], R"({"x":1})"));
  CHECK(engine::status(*s.state) == ExecutionStatus::kSucceeded);
  CHECK(engine::output_text(*s.state) == R"("States.QueryEvaluationError")");
  std::vector<std::string> types;
  for (const auto& e : d.events) types.push_back(std::string(engine::event_type_name(e.type)));
  CHECK(types == std::vector<std::string>{"TaskSucceeded", "EvaluationFailed", "TaskStateExited",
                                          "PassStateEntered", "PassStateExited", "ExecutionSucceeded"});
  // After the task's result, EvaluationFailed follows the latest event.
  CHECK(d.events[1].previous_event_id == d.events[0].id);
}

TEST_CASE("a state may not assign more than 256 KiB of variables") {
  auto s = run(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"big":"{% $pad('', 300000, 'x') %}"},"End":true}}})");
  CHECK(engine::status(*s.state) == ExecutionStatus::kFailed);
  CHECK(*engine::error(*s.state) == "States.DataLimitExceeded");
  auto ok = run(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"small":"{% $pad('', 1000, 'x') %}"},"End":true}}})");
  CHECK(engine::status(*ok.state) == ExecutionStatus::kSucceeded);
}

// Found by tests/fuzz/jsonata_fuzz.cpp (tests/fuzz/regressions/jsonata/):
// $range cast a huge quotient to long long for its error message (UB), and
// looped forever where the step is below the start's precision; $partition
// cast a huge size to size_t (UB); $random cast a huge seed to int64 (UB).
TEST_CASE("$range, $partition and $random with numbers past what they can count") {
  jsonata::Bindings b;
  std::uint64_t draws = 0;
  engine::define_step_functions(b, [&draws] { return ++draws; });
  auto eval = [&b](const std::string& text) {
    auto e = jsonata::compile(text);
    REQUIRE(e.ok());
    return jsonata::evaluate(**e, nullptr, b);
  };
  auto huge = eval("$range(0, 2222222222222222222222222)");
  REQUIRE_FALSE(huge.ok());
  CHECK(huge.status().error() == "D2014");
  CHECK(huge.status().message().find("Attempted to allocate 2.2") != std::string::npos);
  // 1e17 + 1 == 1e17 in doubles: the range ends after its item count.
  auto stuck = eval("$range(1e17, 1e17 + 32)");
  REQUIRE(stuck.ok());
  REQUIRE(stuck->has_value());
  CHECK((*stuck)->as_array().size() <= 34);
  CHECK(json::to_json(**eval("$range(0, 1, 0.25)")) == "[0,0.25,0.5,0.75,1]");
  CHECK(json::to_json(**eval("$partition([1,2,3], 1e30)")) == "[[1,2,3]]");
  CHECK(json::to_json(**eval("$partition([1,2,3], 18446744073709551616)")) == "[[1,2,3]]");
  CHECK(json::to_json(**eval("$partition([1,2,3], 3)")) == "[[1,2,3]]");
  CHECK(json::to_json(**eval("$partition([1,2,3], 2.5)")) == "[[1,2],[3]]");
  // A seed past Java's long saturates, as Java's (long) cast does.
  CHECK(json::to_json(**eval("$random(1e30) = $random(9223372036854775807)")) == "true");
  CHECK(json::to_json(**eval("$random(-1e30) = $random(-9223372036854775808)")) == "true");
  CHECK(json::to_json(**eval("$random(7.9) = $random(7)")) == "true");
}
