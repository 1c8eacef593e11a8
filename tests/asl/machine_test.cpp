#include "src/asl/machine.h"

#include <catch2/catch.hpp>

using namespace stepd;

TEST_CASE("compile resolves Next, Catch and Choice targets to state indexes") {
  auto m = asl::compile_text(R"({"StartAt":"B","States":{
      "A":{"Type":"Succeed"},
      "B":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Next":"C",
           "Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":0}],
           "Catch":[{"ErrorEquals":["States.ALL"],"Next":"A","ResultPath":null}]},
      "C":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"A"}],"Default":"A"}}})");
  INFO(m.status().message());
  REQUIRE(m.ok());
  const auto& sm = **m;
  REQUIRE(sm.states.size() == 3);
  CHECK(sm.start == 1);
  const auto& b = sm.states[1];
  CHECK(b.next == 2);
  CHECK(b.retry.at(0).max_attempts == 0);
  CHECK(b.catches.at(0).next == 0);
  CHECK(b.catches.at(0).result_path.kind == asl::PathField::Kind::kNull);
  CHECK(sm.states[2].choices.at(0).next == 0);
  CHECK(sm.states[2].default_next == 0);
}

TEST_CASE("compile keeps Map and Parallel sub-machines") {
  auto m = asl::compile_text(R"({"StartAt":"M","States":{
      "M":{"Type":"Map","Iterator":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},
           "Parameters":{"v.$":"$$.Map.Item.Value"},"MaxConcurrency":2,"Next":"P"},
      "P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"X","States":{"X":{"Type":"Succeed"}}}]}}})");
  INFO(m.status().message());
  REQUIRE(m.ok());
  const auto& map = (*m)->states[0];
  REQUIRE(map.processor);
  CHECK(map.item_selector.has_value());  // legacy Parameters is the ItemSelector
  CHECK_FALSE(map.parameters.has_value());
  CHECK(map.max_concurrency == std::optional<std::int64_t>(2));
  CHECK((*m)->states[1].branches.size() == 1);
}

TEST_CASE("compile refuses an invalid definition with the validator's words") {
  auto m = asl::compile_text(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}})");
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().message().find("Nowhere") != std::string::npos);
  CHECK_FALSE(asl::compile_text("not json").ok());
}

TEST_CASE("compile says plainly that JSONata states do not run yet") {
  auto m = asl::compile_text(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","End":true}}})");
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().message().find("JSONata") != std::string::npos);
}
