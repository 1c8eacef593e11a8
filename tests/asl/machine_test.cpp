#include "src/asl/machine.h"

#include <limits>

#include <boost/json/parse.hpp>
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

TEST_CASE("compile keeps each state's query language and its JSONata fields") {
  auto m = asl::compile_text(R"({"StartAt":"A","States":{
      "A":{"Type":"Pass","QueryLanguage":"JSONata","Output":{"x":"{% $states.input.a %}"},"Next":"B"},
      "B":{"Type":"Pass","End":true}}})");
  INFO(m.status().message());
  REQUIRE(m.ok());
  const auto& a = (*m)->states[0];
  CHECK(a.query_language == asl::QueryLanguage::kJSONata);
  REQUIRE(a.ja.output);
  CHECK_FALSE(a.ja.output->is_constant());
  CHECK((*m)->states[1].query_language == asl::QueryLanguage::kJSONPath);
}

TEST_CASE("compile refuses a JSONata expression that does not parse") {
  auto m = asl::compile_text(
      R"({"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $x + %}","End":true}}})");
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().message().find("INVALID_JSONATA_EXPRESSION") != std::string::npos);
  CHECK(m.status().message().find("/States/A/Output") != std::string::npos);
}

TEST_CASE("a JSONata value knows which names its expressions read") {
  auto v = asl::JsonataValue::compile(boost::json::parse(
      R"({"a":"{% $states.input.x %}","b":["{% $count($states . context) %}"],"c":"plain"})"));
  REQUIRE(v.ok());
  CHECK(v->mentions("context"));
  CHECK_FALSE(v->uses_whole("$states"));
  auto w = asl::JsonataValue::compile(boost::json::value("{% $keys($states) %}"));
  REQUIRE(w.ok());
  CHECK(w->uses_whole("$states"));
  CHECK(w->expression_text() == "$keys($states)");
  auto lit = asl::JsonataValue::compile(boost::json::parse(R"({"x":[1,"{not an expression}"]})"));
  REQUIRE(lit.ok());
  CHECK(lit->is_constant());
}

// Found by tests/fuzz/asl_fuzz.cpp (tests/fuzz/regressions/asl/): validate()
// takes integers past int64 where the maximum is INT64_MAX, and compile cast
// them from double (UB: UBSan's float-cast-overflow).
TEST_CASE("integer fields past the int64 range compile saturated") {
  auto m = asl::compile_text(R"({"StartAt":"M","States":{"M":{"Type":"Map",
      "ToleratedFailureCount":555555555555555555555555555555555555555551,"MaxConcurrency":1e300,"End":true,
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
          "StartAt":"W","States":{"W":{"Type":"Pass","End":true}}},
      "ItemBatcher":{"MaxItemsPerBatch":18446744073709551615}}}})");
  INFO(m.status().message());
  REQUIRE(m.ok());
  const auto& map = (*m)->states[0];
  CHECK(map.tolerated_failure_count == std::optional<std::int64_t>(std::numeric_limits<std::int64_t>::max()));
  CHECK(map.max_concurrency == std::optional<std::int64_t>(std::numeric_limits<std::int64_t>::max()));
  CHECK(map.max_items_per_batch == std::optional<std::int64_t>(std::numeric_limits<std::int64_t>::max()));
}
