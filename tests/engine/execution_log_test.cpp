#include <catch2/catch.hpp>

#include "src/common/json.h"
#include "src/engine/execution_log.h"

namespace stepd::engine {
namespace {

Event exited() {
  Event e;
  e.type = EventType::PassStateExited;
  e.id = 3;
  e.previous_event_id = 2;
  e.timestamp_ms = 1700000000123;
  e.name = "P";
  e.payload = R"({"a":1})";
  return e;
}

TEST_CASE("execution logs: which events each level logs") {
  CHECK(logged(LogLevel::kAll, EventType::PassStateEntered));
  CHECK_FALSE(logged(LogLevel::kOff, EventType::ExecutionFailed));
  CHECK(logged(LogLevel::kFatal, EventType::ExecutionFailed));
  CHECK_FALSE(logged(LogLevel::kFatal, EventType::TaskFailed));
  CHECK(logged(LogLevel::kError, EventType::TaskFailed));
  CHECK(logged(LogLevel::kError, EventType::FailStateEntered));
  CHECK_FALSE(logged(LogLevel::kError, EventType::PassStateEntered));
  CHECK(log_level("ERROR") == LogLevel::kError);
  CHECK(log_level("nonsense") == LogLevel::kOff);
}

TEST_CASE("execution logs: one CloudWatch-style line per event, with or without the data") {
  auto with = json::parse(log_line(exited(), "arn:x", 1, true)).value().as_object();
  CHECK(with.at("id") == "3");
  CHECK(with.at("previous_event_id") == "2");
  CHECK(with.at("event_timestamp") == "1700000000123");
  CHECK(with.at("redrive_count") == "1");
  CHECK(with.at("execution_arn") == "arn:x");
  CHECK(json::to_json(with.at("details")) == R"({"name":"P","output":"{\"a\":1}","outputDetails":{"truncated":false}})");
  auto without = json::parse(log_line(exited(), "arn:x", 0, false)).value().as_object();
  CHECK(json::to_json(without.at("details")) == R"({"name":"P"})");
}

}  // namespace
}  // namespace stepd::engine
