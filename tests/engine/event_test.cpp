#include "src/engine/event.h"

#include <catch2/catch.hpp>

#include "src/common/json.h"

using namespace stepd;
using engine::EventType;

TEST_CASE("every event type has its API name, and names parse back") {
  for (int i = 0; i < engine::kEventTypeCount; ++i) {
    auto t = static_cast<EventType>(i);
    EventType back;
    REQUIRE(engine::parse_event_type(engine::event_type_name(t), &back));
    CHECK(back == t);
  }
  EventType x;
  CHECK_FALSE(engine::parse_event_type("NoSuchEvent", &x));
  CHECK(engine::event_type_name(EventType::EvaluationFailed) == "EvaluationFailed");
}

TEST_CASE("a state event renders as GetExecutionHistory shows it") {
  engine::Event e;
  e.type = EventType::PassStateExited;
  e.id = 3;
  e.previous_event_id = 2;
  e.timestamp_ms = 1700000000123;
  e.name = "P";
  e.payload = R"({"a":1})";
  auto o = engine::to_history_json(e);
  CHECK(json::to_json(o) ==
        R"({"timestamp":1700000000.123,"type":"PassStateExited","id":3,"previousEventId":2,)"
        R"("stateExitedEventDetails":{"name":"P","output":"{\"a\":1}","outputDetails":{"truncated":false}}})");
  auto bare = engine::to_history_json(e, /*include_data=*/false);
  CHECK_FALSE(bare["stateExitedEventDetails"].as_object().contains("output"));
}

TEST_CASE("events without details carry no details member") {
  engine::Event e;
  e.type = EventType::ParallelStateStarted;
  auto o = engine::to_history_json(e);
  CHECK(o.size() == 4);
  e.type = EventType::TaskScheduled;
  e.payload = "{}";
  auto t = engine::to_history_json(e);
  const auto& d = t["taskScheduledEventDetails"].as_object();
  CHECK(d.at("parameters").as_string() == "{}");
  CHECK_FALSE(d.contains("parametersDetails"));
}
