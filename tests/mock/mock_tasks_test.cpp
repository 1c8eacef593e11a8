#include "src/mock/mock_tasks.h"

#include <catch2/catch.hpp>

#include "src/common/json.h"

using namespace stepd;

namespace {
mock::MockConfig config() {
  auto doc = json::parse(R"({"StateMachines":{"SM":{"TestCases":{"T":{"Fn":"R","Cb":"C"}}}},
    "MockedResponses":{"R":{"0":{"Throw":{"Error":"E"}},"1":{"Return":{"StatusCode":200,"Payload":{"v":1}}}},
                       "C":{"0":{"Return":"done"}}}})");
  REQUIRE(doc.ok());
  auto cfg = mock::MockConfig::parse(*doc);
  REQUIRE(cfg.ok());
  return std::move(cfg).value();
}
engine::Effect task(const char* state, const char* resource) {
  engine::Effect e;
  e.kind = engine::EffectKind::kInvokeTask;
  e.state_name = state;
  e.resource = resource;
  e.frame = 3;
  e.token = 9;
  return e;
}
}  // namespace

TEST_CASE("mocked answers follow the invocation number and unwrap a function ARN's Payload") {
  auto cfg = config();
  mock::MockTasks tasks(&cfg, "SM", "T");
  auto first = tasks.answer(task("Fn", "arn:aws:lambda:us-east-1:1:function:f"));
  REQUIRE(first.size() == 1);
  CHECK(first[0].kind == engine::FactKind::kTaskFailed);
  CHECK(first[0].error == std::optional<std::string>("E"));
  CHECK(first[0].frame == 3);
  CHECK(first[0].token == 9);
  auto again = task("Fn", "arn:aws:lambda:us-east-1:1:function:f");
  again.invocation = 1;
  auto second = tasks.answer(again);
  CHECK(second.at(0).kind == engine::FactKind::kTaskSucceeded);
  CHECK(json::to_json(second[0].output) == R"({"v":1})");
}

TEST_CASE("a callback integration is submitted before its mocked result") {
  auto cfg = config();
  mock::MockTasks tasks(&cfg, "SM", "T");
  auto facts = tasks.answer(task("Cb", "arn:aws:states:::sqs:sendMessage.waitForTaskToken"));
  REQUIRE(facts.size() == 2);
  CHECK(facts[0].kind == engine::FactKind::kTaskSubmitted);
  CHECK(facts[1].kind == engine::FactKind::kTaskSucceeded);
  auto activity = tasks.answer(task("Cb", "arn:aws:states:us-east-1:1:activity:a"));
  CHECK(activity.at(0).kind == engine::FactKind::kTaskStarted);
}

TEST_CASE("without a config every Task fails and says how to mock it") {
  mock::MockTasks tasks(nullptr, "", "");
  auto facts = tasks.answer(task("X", "arn:aws:states:::lambda:invoke"));
  REQUIRE(facts.size() == 1);
  CHECK(facts[0].kind == engine::FactKind::kTaskFailed);
  CHECK(facts[0].cause->find("--mock-config") != std::string::npos);
}
