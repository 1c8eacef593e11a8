#include "src/mock/mock_config.h"

#include <catch2/catch.hpp>

#include "src/common/json.h"

using namespace stepd;

namespace {
mock::MockConfig parse(const char* text) {
  auto doc = json::parse(text);
  REQUIRE(doc.ok());
  auto cfg = mock::MockConfig::parse(*doc);
  INFO(cfg.status().message());
  REQUIRE(cfg.ok());
  return std::move(cfg).value();
}
}  // namespace

TEST_CASE("mocked responses are chosen by invocation number and inclusive ranges") {
  auto cfg = parse(R"({"StateMachines":{"SM":{"TestCases":{"Retry":{"L":"R"}}}},
    "MockedResponses":{"R":{"0":{"Throw":{"Error":"E0","Cause":"c"}},"1-2":{"Throw":{"Error":"E1"}},"3":{"Return":{"ok":1}}}}})");
  CHECK(cfg.has_test_case("SM", "Retry"));
  CHECK((*cfg.response("SM", "Retry", "L", 0))->error == std::optional<std::string>("E0"));
  CHECK((*cfg.response("SM", "Retry", "L", 2))->error == std::optional<std::string>("E1"));
  const auto* last = *cfg.response("SM", "Retry", "L", 3);
  CHECK_FALSE(last->is_throw);
  CHECK(json::to_json(last->result) == R"({"ok":1})");
  CHECK_FALSE(cfg.response("SM", "Retry", "L", 4).ok());
  CHECK(*cfg.response("SM", "Retry", "Other", 0) == nullptr);
}

TEST_CASE("a mock config naming an unknown response is rejected") {
  auto doc = json::parse(R"({"StateMachines":{"SM":{"TestCases":{"T":{"L":"Missing"}}}},"MockedResponses":{}})");
  auto cfg = mock::MockConfig::parse(*doc);
  REQUIRE_FALSE(cfg.ok());
  CHECK(cfg.status().message().find("Missing") != std::string::npos);
}
