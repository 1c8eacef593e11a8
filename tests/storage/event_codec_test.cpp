// storage/event_codec: engine::Event <-> HistoryEvent FlatBuffer.

#include "storage/event_codec.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include "schema/history_generated.h"
#include "tests/engine/engine_test_util.h"

using namespace stepd;
using namespace stepd::testing;
using engine::Event;
using engine::EventType;

namespace {

namespace fs = stepd::schema;

// Every member of each type's details shape in the API model (botocore
// HistoryEvent), with representative values. Name and payload are set apart
// by make_event(), as the engine keeps them.
const char* kFullDetails = R"json({
  "ActivityFailed": {"error": "Worker.Crashed", "cause": "segfault"},
  "ActivityScheduled": {"resource": "arn:aws:states:us-east-1:123456789012:activity:a",
                        "inputDetails": {"truncated": false}, "timeoutInSeconds": 300, "heartbeatInSeconds": 60},
  "ActivityScheduleFailed": {"error": "States.ActivityDoesNotExist", "cause": "no such activity"},
  "ActivityStarted": {"workerName": "worker-1"},
  "ActivitySucceeded": {"outputDetails": {"truncated": false}},
  "ActivityTimedOut": {"error": "States.Timeout", "cause": "heartbeat"},
  "ChoiceStateEntered": {"inputDetails": {"truncated": false}},
  "ChoiceStateExited": {"outputDetails": {"truncated": false}},
  "ExecutionAborted": {"error": "Stopped", "cause": "by the operator"},
  "ExecutionFailed": {"error": "States.TaskFailed", "cause": "{\"errorMessage\":\"boom\"}"},
  "ExecutionStarted": {"inputDetails": {"truncated": false}, "roleArn": "arn:aws:iam::123456789012:role/r",
                       "stateMachineAliasArn": "arn:aws:states:us-east-1:123456789012:stateMachine:sm:prod",
                       "stateMachineVersionArn": "arn:aws:states:us-east-1:123456789012:stateMachine:sm:3"},
  "ExecutionSucceeded": {"outputDetails": {"truncated": false}},
  "ExecutionTimedOut": {"error": "States.Timeout", "cause": "machine timeout"},
  "FailStateEntered": {"inputDetails": {"truncated": false}},
  "LambdaFunctionFailed": {"error": "Lambda.Unknown", "cause": "x"},
  "LambdaFunctionScheduled": {"resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                              "inputDetails": {"truncated": false}, "timeoutInSeconds": 30,
                              "taskCredentials": {"roleArn": "arn:aws:iam::123456789012:role/task"}},
  "LambdaFunctionScheduleFailed": {"error": "Lambda.ServiceException", "cause": "throttled"},
  "LambdaFunctionStarted": {},
  "LambdaFunctionStartFailed": {"error": "Lambda.AWSLambdaException", "cause": "denied"},
  "LambdaFunctionSucceeded": {"outputDetails": {"truncated": false}},
  "LambdaFunctionTimedOut": {"error": "States.Timeout", "cause": "30 s"},
  "MapIterationAborted": {"index": 3, "name": "M"},
  "MapIterationFailed": {"index": 2, "name": "M"},
  "MapIterationStarted": {"index": 0, "name": "M"},
  "MapIterationSucceeded": {"index": 4294967295, "name": "M"},
  "MapStateAborted": {},
  "MapStateEntered": {"inputDetails": {"truncated": false}},
  "MapStateExited": {"outputDetails": {"truncated": false}},
  "MapStateFailed": {},
  "MapStateStarted": {"length": 0},
  "MapStateSucceeded": {},
  "ParallelStateAborted": {},
  "ParallelStateEntered": {"inputDetails": {"truncated": false}},
  "ParallelStateExited": {"outputDetails": {"truncated": false}},
  "ParallelStateFailed": {},
  "ParallelStateStarted": {},
  "ParallelStateSucceeded": {},
  "PassStateEntered": {"inputDetails": {"truncated": false}},
  "PassStateExited": {"outputDetails": {"truncated": true},
                      "assignedVariables": {"x": "42", "y": "\"hi\"", "z": "{\"a\":[1,2]}"},
                      "assignedVariablesDetails": {"truncated": false}},
  "SucceedStateEntered": {"inputDetails": {"truncated": false}},
  "SucceedStateExited": {"outputDetails": {"truncated": false}},
  "TaskFailed": {"error": "States.TaskFailed", "cause": "c", "resourceType": "lambda", "resource": "invoke"},
  "TaskScheduled": {"resourceType": "lambda", "resource": "invoke", "region": "eu-west-1",
                    "timeoutInSeconds": 9223372036854775807, "heartbeatInSeconds": 1,
                    "taskCredentials": {"roleArn": "arn:aws:iam::123456789012:role/task"}},
  "TaskStarted": {"resourceType": "lambda", "resource": "invoke"},
  "TaskStartFailed": {"error": "E", "cause": "C", "resourceType": "sqs", "resource": "sendMessage"},
  "TaskStateAborted": {},
  "TaskStateEntered": {"inputDetails": {"truncated": false}},
  "TaskStateExited": {"outputDetails": {"truncated": false}, "assignedVariables": {},
                      "assignedVariablesDetails": {"truncated": true}},
  "TaskSubmitFailed": {"error": "E", "cause": "C", "resourceType": "states", "resource": "startExecution.sync:2"},
  "TaskSubmitted": {"resourceType": "sqs", "resource": "sendMessage.waitForTaskToken",
                    "outputDetails": {"truncated": false}},
  "TaskSucceeded": {"resourceType": "lambda", "resource": "invoke", "outputDetails": {"truncated": false}},
  "TaskTimedOut": {"error": "States.Timeout", "resourceType": "lambda", "resource": "invoke"},
  "WaitStateAborted": {},
  "WaitStateEntered": {"inputDetails": {"truncated": false}},
  "WaitStateExited": {"outputDetails": {"truncated": false}},
  "MapRunAborted": {},
  "MapRunFailed": {"error": "States.ExceedToleratedFailureThreshold", "cause": "too many"},
  "MapRunStarted": {"mapRunArn": "arn:aws:states:us-east-1:123456789012:mapRun:sm/M:1a2b3c4d-0001-0002"},
  "MapRunSucceeded": {},
  "ExecutionRedriven": {"redriveCount": 2},
  "MapRunRedriven": {"mapRunArn": "arn:aws:states:us-east-1:123456789012:mapRun:sm/M:x", "redriveCount": 1},
  "EvaluationFailed": {"error": "States.QueryEvaluationError", "cause": "bad", "location": "Arguments/x",
                       "state": "Transform"}
})json";

bool is_state_event(EventType t) {
  auto key = engine::details_key(t);
  return key == "stateEnteredEventDetails" || key == "stateExitedEventDetails";
}

Event make_event(EventType t, const bj::object& details) {
  Event e;
  e.type = t;
  e.id = 42;
  e.previous_event_id = 41;
  e.timestamp_ms = 1700000000123;
  e.frame = 7;
  e.details = details;
  if (is_state_event(t)) e.name = "Transform Order";
  if (!engine::payload_key(t).empty()) e.payload = R"({"order":{"id":12345,"tags":["a","b"]},"note":"\u00e9\"q\""})";
  return e;
}

const fs::HistoryEvent* root_of(const std::string& bytes) {
  return fs::GetHistoryEvent(bytes.data());
}

// Event equality member by member, details in order (serialised text).
void check_same(const Event& a, const Event& b) {
  CHECK(a.type == b.type);
  CHECK(a.id == b.id);
  CHECK(a.previous_event_id == b.previous_event_id);
  CHECK(a.timestamp_ms == b.timestamp_ms);
  CHECK(a.frame == b.frame);
  CHECK(a.name == b.name);
  CHECK(a.payload == b.payload);
  CHECK(a.details == b.details);
  CHECK(bj::serialize(a.details) == bj::serialize(b.details));
  CHECK(bj::serialize(engine::to_history_json(a)) == bj::serialize(engine::to_history_json(b)));
  CHECK(bj::serialize(engine::to_history_json(a, false)) == bj::serialize(engine::to_history_json(b, false)));
}

Event round_trip(const Event& e) {
  auto decoded = storage::decode(storage::encode(e));
  INFO(decoded.status().message());
  REQUIRE(decoded.ok());
  return std::move(decoded).value();
}

}  // namespace

TEST_CASE("the schema lists the engine's 62 event types by the same names in the same order") {
  REQUIRE(static_cast<int>(fs::HistoryEventType::MAX) + 1 == engine::kEventTypeCount);
  for (int i = 0; i < engine::kEventTypeCount; ++i) {
    auto t = static_cast<EventType>(i);
    CHECK(std::string(fs::EnumNameHistoryEventType(static_cast<fs::HistoryEventType>(i))) ==
          std::string(engine::event_type_name(t)));
  }
}

TEST_CASE("every one of the 62 event types survives encode and decode with all its API members") {
  bj::object samples = bj::parse(kFullDetails).as_object();
  REQUIRE(samples.size() == static_cast<std::size_t>(engine::kEventTypeCount));
  for (int i = 0; i < engine::kEventTypeCount; ++i) {
    auto t = static_cast<EventType>(i);
    std::string name(engine::event_type_name(t));
    INFO(name);
    const bj::value* d = samples.if_contains(name);
    REQUIRE(d);
    Event e = make_event(t, d->as_object());
    std::string bytes = storage::encode(e);
    // Every API member has a typed field: nothing falls back to JSON text.
    CHECK(root_of(bytes)->extra_details() == nullptr);
    check_same(round_trip(e), e);
  }
}

TEST_CASE("the builder overload writes the same bytes as encode() and can be reused") {
  bj::object samples = bj::parse(kFullDetails).as_object();
  flatbuffers::FlatBufferBuilder fbb;
  for (EventType t : {EventType::TaskScheduled, EventType::PassStateEntered, EventType::PassStateExited}) {
    Event e = make_event(t, samples.at(engine::event_type_name(t)).as_object());
    storage::encode(e, fbb);
    std::string reused(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
    CHECK(reused == storage::encode(e));
  }
}

TEST_CASE("absent optional members stay absent, and a present zero stays present") {
  Event scheduled;
  scheduled.type = EventType::TaskScheduled;
  scheduled.id = 3;
  scheduled.previous_event_id = 2;
  scheduled.details = bj::parse(R"({"resourceType":"lambda","resource":"invoke","region":"us-east-1"})").as_object();
  scheduled.payload = "{}";
  Event back = round_trip(scheduled);
  check_same(back, scheduled);
  CHECK_FALSE(back.details.contains("timeoutInSeconds"));
  CHECK_FALSE(back.details.contains("heartbeatInSeconds"));
  CHECK_FALSE(back.details.contains("taskCredentials"));

  Event started;
  started.type = EventType::MapStateStarted;
  started.details = bj::parse(R"({"length":0})").as_object();
  check_same(round_trip(started), started);
  CHECK(round_trip(started).details.at("length").as_int64() == 0);

  // The API shows {} for a StopExecution without error or cause: no details
  // table is stored, and the member still renders.
  Event aborted;
  aborted.type = EventType::ExecutionAborted;
  aborted.id = 5;
  std::string bytes = storage::encode(aborted);
  CHECK(root_of(bytes)->details_type() == fs::EventDetails::NONE);
  Event a = round_trip(aborted);
  check_same(a, aborted);
  CHECK(bj::serialize(engine::to_history_json(a).at("executionAbortedEventDetails")) == "{}");

  // An empty payload is not stored and comes back empty, as the engine had it.
  Event entered;
  entered.type = EventType::PassStateEntered;
  entered.name = "P";
  check_same(round_trip(entered), entered);
}

TEST_CASE("details members the schema does not name survive as JSON text") {
  Event e;
  e.type = EventType::TaskScheduled;
  e.id = 9;
  e.payload = R"({"FunctionName":"f"})";
  // An unknown member, known ones with an unexpected JSON type (a string and
  // a double where longs go) and credentials of an unexpected shape.
  e.details = bj::parse(R"({"resourceType":"lambda","resource":"invoke","region":"us-east-1",
      "timeoutInSeconds":"60","future":{"a":[1,2.5,null]},"heartbeatInSeconds":1.5,
      "taskCredentials":{"roleArn":"r","extra":true}})")
                  .as_object();
  std::string bytes = storage::encode(e);
  CHECK(root_of(bytes)->extra_details() != nullptr);
  Event back = round_trip(e);
  CHECK(back.details == e.details);
  CHECK(engine::to_history_json(back) == engine::to_history_json(e));

  Event it;
  it.type = EventType::MapIterationStarted;
  it.details = bj::parse(R"({"index":-1,"name":"M"})").as_object();
  CHECK(round_trip(it).details == it.details);

  // MapRunAborted has no details shape in the API model; whatever the engine
  // attaches is still kept.
  Event run;
  run.type = EventType::MapRunAborted;
  run.details = bj::parse(R"({"error":"E","cause":"C"})").as_object();
  CHECK(round_trip(run).details == run.details);
}

TEST_CASE("a name or payload outside the engine's convention keeps the history the API would show") {
  // Event::name on a non-state event: to_history_json shows it as details
  // "name", and so does the decoded event.
  Event e;
  e.type = EventType::TaskStarted;
  e.name = "odd";
  e.details = bj::parse(R"({"resourceType":"lambda","resource":"invoke"})").as_object();
  Event back = round_trip(e);
  CHECK(engine::to_history_json(back) == engine::to_history_json(e));
  CHECK(back.details.at("name").as_string() == "odd");

  Event it;
  it.type = EventType::MapIterationStarted;
  it.name = "shown";
  it.details = bj::parse(R"({"index":1,"name":"hidden"})").as_object();
  CHECK(engine::to_history_json(round_trip(it)) == engine::to_history_json(it));

  // A details "name" or "input" beside the state event's own name and payload
  // is kept too (to_history_json(..., false) shows the "input" one).
  Event s;
  s.type = EventType::PassStateEntered;
  s.name = "P";
  s.payload = "{}";
  s.details = bj::parse(R"({"name":"other","input":"[1]"})").as_object();
  check_same(round_trip(s), s);
}

TEST_CASE("decode accepts a value at any alignment, as LMDB hands them out") {
  Event e = make_event(EventType::TaskScheduled,
                       bj::parse(kFullDetails).as_object().at("TaskScheduled").as_object());
  std::string bytes = storage::encode(e);
  std::vector<char> space(bytes.size() + 16);
  for (std::size_t shift = 0; shift < 8; ++shift) {
    std::memcpy(space.data() + shift, bytes.data(), bytes.size());
    auto back = storage::decode(std::string_view(space.data() + shift, bytes.size()));
    INFO("shift " << shift);
    REQUIRE(back.ok());
    check_same(*back, e);
  }
}

TEST_CASE("corrupt or truncated bytes give a clear error, never a crash") {
  SECTION("too short and empty") {
    for (std::string_view bytes : {std::string_view(), std::string_view("abc")}) {
      auto r = storage::decode(bytes);
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().code() == Code::kIo);
      CHECK(r.status().message().find("corrupt history event") == 0);
    }
  }
  SECTION("not a FlatBuffer at all") {
    auto r = storage::decode(R"({"type":"PassStateEntered","id":1,"previousEventId":0})");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("not a well-formed HistoryEvent") != std::string::npos);
  }
  SECTION("every truncation") {
    Event e = make_event(EventType::PassStateExited,
                         bj::parse(kFullDetails).as_object().at("PassStateExited").as_object());
    std::string bytes = storage::encode(e);
    // The builder pads strings to 4 bytes, so cutting only trailing zero
    // padding can leave every referenced byte in place; anything more fails.
    std::size_t tail = 0;
    while (tail < bytes.size() && bytes[bytes.size() - 1 - tail] == '\0') ++tail;
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      auto r = storage::decode(std::string_view(bytes.data(), n));
      INFO("kept " << n << " of " << bytes.size());
      if (n + tail < bytes.size()) {
        REQUIRE_FALSE(r.ok());
        CHECK(r.status().message().find("corrupt history event") == 0);
      } else if (r.ok()) {
        check_same(*r, e);
      }
    }
  }
  SECTION("every single-byte change decodes to an error or to some event, without crashing") {
    Event e = make_event(EventType::TaskScheduled,
                         bj::parse(kFullDetails).as_object().at("TaskScheduled").as_object());
    const std::string bytes = storage::encode(e);
    int rejected = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      for (unsigned char x : {0x01, 0x80, 0xff}) {
        std::string bad = bytes;
        bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ x);
        auto r = storage::decode(bad);
        if (!r.ok()) {
          ++rejected;
          CHECK(r.status().message().find("corrupt history event") == 0);
        } else {
          (void)engine::to_history_json(*r);  // what a reader would do next
        }
      }
    }
    CHECK(rejected > 0);
  }
  SECTION("an unknown event type") {
    flatbuffers::FlatBufferBuilder fbb;
    fbb.Finish(fs::CreateHistoryEvent(fbb, 1, 1, 0, static_cast<fs::HistoryEventType>(200)));
    auto r = storage::decode(std::string_view(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == "corrupt history event: unknown event type 200");
  }
  SECTION("details of another type's shape") {
    flatbuffers::FlatBufferBuilder fbb;
    auto name = fbb.CreateString("P");
    auto details = fs::CreateStateEnteredEventDetails(fbb, name);
    fbb.Finish(fs::CreateHistoryEvent(fbb, 1, 1, 0, fs::HistoryEventType::TaskScheduled,
                                      fs::EventDetails::StateEnteredEventDetails, details.Union()));
    auto r = storage::decode(std::string_view(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == "corrupt history event: TaskScheduled carries StateEnteredEventDetails");
  }
  SECTION("extra details that are not a JSON object") {
    flatbuffers::FlatBufferBuilder fbb;
    auto extra = fbb.CreateString("[1,2");
    fbb.Finish(fs::CreateHistoryEvent(fbb, 1, 1, 0, fs::HistoryEventType::TaskStarted, fs::EventDetails::NONE, 0, 0,
                                      extra));
    auto r = storage::decode(std::string_view(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == "corrupt history event: extra details are not a JSON object");
  }
}

namespace {

// Runs an execution to its end, answering every effect as a well-behaved
// world would: tasks succeed (or fail, or time out, by state name), activity
// workers start them, .waitForTaskToken calls are submitted first, timers
// fire. Returns every event the engine produced.
std::vector<Event> run_to_end(const std::string& def, const std::string& input, bool stop_midway = false) {
  auto m = machine(def);
  auto p = params(input);
  p.region = "eu-west-1";
  auto started = engine::start(m, p);
  std::vector<Event> history = started.decisions.events;
  std::deque<engine::Effect> todo(started.decisions.effects.begin(), started.decisions.effects.end());
  std::int64_t now = p.start_ms;
  int steps = 0;
  auto apply = [&](engine::Fact f) {
    f.now_ms = now += 7;
    auto d = engine::decide(*started.state, f);
    history.insert(history.end(), d.events.begin(), d.events.end());
    todo.insert(todo.end(), d.effects.begin(), d.effects.end());
  };
  while (!todo.empty() && engine::status(*started.state) == engine::ExecutionStatus::kRunning && ++steps < 1000) {
    engine::Effect eff = todo.front();
    todo.pop_front();
    engine::Fact f;
    f.frame = eff.frame;
    f.token = eff.token;
    if (stop_midway && steps == 3) {
      engine::Fact stop;
      stop.kind = engine::FactKind::kStop;
      stop.error = "Operator";
      stop.cause = "stopped by the test";
      apply(stop);
      break;
    }
    switch (eff.kind) {
      case engine::EffectKind::kInvokeTask:
        if (eff.resource.find(":activity:") != std::string::npos) {
          f.kind = engine::FactKind::kTaskStarted;
          f.worker_name = "worker-7";
          apply(f);
        }
        if (eff.resource.find(".waitForTaskToken") != std::string::npos) {
          f.kind = engine::FactKind::kTaskSubmitted;
          f.output = bj::object{{"MessageId", "m-1"}};
          apply(f);
        }
        if (eff.state_name.rfind("Slow", 0) == 0) {
          f.kind = engine::FactKind::kTaskTimedOut;
        } else if (eff.state_name.rfind("Flaky", 0) == 0 && eff.attempt < 2) {
          f.kind = engine::FactKind::kTaskFailed;
          f.error = "Flaky.Error";
          f.cause = "attempt " + std::to_string(eff.attempt);
        } else {
          f.kind = engine::FactKind::kTaskSucceeded;
          f.output = bj::object{{"ok", true}, {"state", eff.state_name}};
        }
        apply(f);
        break;
      case engine::EffectKind::kStartTimer:
        f.kind = engine::FactKind::kTimerFired;
        now = std::max(now, eff.due_ms);
        apply(f);
        break;
      default:
        break;  // timeouts that never come due, cancellations
    }
  }
  return history;
}

}  // namespace

TEST_CASE("every event the engine produces survives encode and decode unchanged") {
  const std::vector<std::pair<std::string, std::string>> runs = {
      // Pass, Choice, Wait, Succeed, Assign.
      {R"({"StartAt":"Init","States":{
          "Init":{"Type":"Pass","Assign":{"n":1,"who.$":"$.who"},"Next":"C"},
          "C":{"Type":"Choice","Choices":[{"Variable":"$.go","BooleanEquals":true,"Next":"W"}],"Default":"Done"},
          "W":{"Type":"Wait","Seconds":5,"Next":"Done"},
          "Done":{"Type":"Succeed"}}})",
       R"({"go":true,"who":"é \"quoted\""})"},
      // Service, Lambda and activity tasks; retries, a caught timeout, a Fail.
      {R"({"StartAt":"Svc","States":{
          "Svc":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":30,
                 "HeartbeatSeconds":10,"Parameters":{"FunctionName":"f","Payload.$":"$"},"Next":"Flaky"},
          "Flaky":{"Type":"Task","Resource":"arn:aws:lambda:eu-west-1:123456789012:function:flaky",
                   "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"MaxAttempts":3}],"Next":"Act"},
          "Act":{"Type":"Task","Resource":"arn:aws:states:eu-west-1:123456789012:activity:work",
                 "TimeoutSeconds":60,"HeartbeatSeconds":5,"Next":"Cb"},
          "Cb":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters":{"QueueUrl":"q","MessageBody":{"t.$":"$$.Task.Token"}},"Next":"Slow"},
          "Slow":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","TimeoutSeconds":2,
                  "Catch":[{"ErrorEquals":["States.Timeout"],"ResultPath":"$.err","Next":"F"}],"End":true},
          "F":{"Type":"Fail","Error":"Final","Cause":"the end"}}})",
       R"({"x":1})"},
      // Parallel with a Map inside, and a Distributed Map.
      {R"({"StartAt":"Par","States":{
          "Par":{"Type":"Parallel","Next":"Dist","Branches":[
            {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
               "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Assign":{"v.$":"$"},"End":true}}},
               "End":true}}},
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}]},
          "Dist":{"Type":"Map","ItemsPath":"$[0]","ItemProcessor":{
               "ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
               "StartAt":"D","States":{"D":{"Type":"Pass","End":true}}},"End":true}}})",
       R"({"items":[1,"two",{"three":3}]})"},
      // A Map iteration that fails the state.
      {R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"X","States":{
          "X":{"Type":"Fail","Error":"Bad","Cause":"item"}}},"End":true}}})",
       "[1,2]"},
  };
  std::set<EventType> seen;
  std::size_t count = 0;
  auto check_all = [&](const std::vector<Event>& history) {
    for (const Event& e : history) {
      INFO(engine::event_type_name(e.type) << " #" << e.id);
      std::string bytes = storage::encode(e);
      CHECK(root_of(bytes)->extra_details() == nullptr);
      check_same(round_trip(e), e);
      seen.insert(e.type);
      ++count;
    }
  };
  for (const auto& [def, input] : runs) check_all(run_to_end(def, input));
  // StopExecution midway: ExecutionAborted with error and cause, aborts below.
  check_all(run_to_end(runs[1].first, runs[1].second, /*stop_midway=*/true));

  for (EventType t : {EventType::ExecutionStarted, EventType::ExecutionSucceeded, EventType::ExecutionFailed,
                      EventType::ExecutionAborted, EventType::PassStateExited, EventType::ChoiceStateEntered,
                      EventType::WaitStateExited, EventType::TaskScheduled, EventType::TaskStarted,
                      EventType::TaskSucceeded, EventType::TaskSubmitted, EventType::TaskTimedOut,
                      EventType::LambdaFunctionScheduled, EventType::LambdaFunctionFailed,
                      EventType::LambdaFunctionSucceeded, EventType::ActivityScheduled, EventType::ActivityStarted,
                      EventType::ActivitySucceeded, EventType::FailStateEntered, EventType::ParallelStateStarted,
                      EventType::MapStateStarted, EventType::MapIterationStarted, EventType::MapIterationSucceeded,
                      EventType::MapIterationFailed, EventType::MapRunStarted}) {
    INFO(engine::event_type_name(t));
    CHECK(seen.count(t) == 1);
  }
  CHECK(count > 50);  // a sanity bound: the runs above make ~100 events
}
