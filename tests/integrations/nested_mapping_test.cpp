#include "src/integrations/nested.h"

#include <catch2/catch.hpp>

#include "src/common/json.h"

using namespace stepd::integrations;

TEST_CASE("nested executions: the resource names the pattern", "[integrations][nested]") {
  CHECK(nested_kind("arn:aws:states:::states:startExecution") == NestedKind::kRequestResponse);
  CHECK(nested_kind("arn:aws:states:::states:startExecution.sync") == NestedKind::kSync);
  CHECK(nested_kind("arn:aws:states:::states:startExecution.sync:2") == NestedKind::kSync2);
  CHECK(nested_kind("arn:aws:states:::states:startExecution.waitForTaskToken") == NestedKind::kWaitForTaskToken);
  CHECK(nested_kind("arn:aws:states:::states:startExecution.bogus") == NestedKind::kNone);
  CHECK(nested_kind("arn:aws:states:::lambda:invoke") == NestedKind::kNone);
}

TEST_CASE("nested executions: parameters and outcomes as AWS records them", "[integrations][nested]") {
  auto params = stepd::json::parse(R"({"StateMachineArn":"arn:sm","Input":{"a":1},"Name":"n"})");
  auto s = nested_start(*params);
  REQUIRE(s.ok());
  CHECK(s->input == R"({"a":1})");
  CHECK(*s->name == "n");
  CHECK(nested_start(*stepd::json::parse(R"({"StateMachineArn":"arn:sm","Input":"{\"b\":2}"})"))->input ==
        R"({"b":2})");
  CHECK_FALSE(nested_start(*stepd::json::parse(R"({"Input":{}})")).ok());

  ChildEnd c;
  c.execution_arn = "arn:x";
  c.state_machine_arn = "arn:sm";
  c.name = "n";
  c.status = "SUCCEEDED";
  c.input = R"({"a":1})";
  c.output = R"({"r":true})";
  auto sync = child_outcome(c, NestedKind::kSync);
  REQUIRE(sync.ok);
  CHECK(sync.output.at("Output").as_string() == R"({"r":true})");  // .sync: JSON text
  auto sync2 = child_outcome(c, NestedKind::kSync2);
  CHECK(sync2.output.at("Output").at("r").as_bool());  // .sync:2: JSON
  CHECK(sync2.output.at("Input").at("a").as_int64() == 1);

  c.status = "FAILED";
  c.error = "SomeFailure";
  c.cause = "why";
  auto failed = child_outcome(c, NestedKind::kSync);
  REQUIRE_FALSE(failed.ok);
  CHECK(failed.error == "States.TaskFailed");
  auto cause = stepd::json::parse(failed.cause);
  REQUIRE(cause.ok());
  CHECK(cause->at("Error").as_string() == "SomeFailure");
  CHECK(cause->at("Cause").as_string() == "why");
  CHECK(cause->at("Status").as_string() == "FAILED");
  CHECK_FALSE(cause->as_object().contains("Output"));
  CHECK(stepd::json::to_json(*cause).rfind(R"({"Cause":"why","Error":"SomeFailure",)", 0) == 0);

  auto r = start_response("arn:x", 1700000000123, "rid");
  CHECK(r.at("ExecutionArn").as_string() == "arn:x");
  CHECK(r.at("StartDate").as_int64() == 1700000000123);
  CHECK(r.at("SdkResponseMetadata").at("RequestId").as_string() == "rid");
}
