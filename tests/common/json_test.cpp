#include "src/common/json.h"

#include <catch2/catch.hpp>

using namespace stepd;

namespace {
std::string round_trip(const char* text) {
  auto v = json::parse(text);
  REQUIRE(v.ok());
  return json::to_json(*v);
}
}  // namespace

TEST_CASE("to_json writes compact JSON with AWS's number format") {
  CHECK(round_trip(R"({ "a" : [1, 2.5, -3, 1.0, 0.1] })") == R"({"a":[1,2.5,-3,1.0,0.1]})");
  CHECK(round_trip("1e20") == "1.0E20");
  CHECK(round_trip("1.5e-7") == "1.5E-7");
  CHECK(round_trip("18446744073709551615") == "18446744073709551615");
  CHECK(round_trip("-9223372036854775808") == "-9223372036854775808");
  CHECK(round_trip("[true,false,null]") == "[true,false,null]");
}

TEST_CASE("to_json escapes quotes, backslashes and control characters and keeps UTF-8") {
  CHECK(round_trip(R"("a\"b\\c\n\t\u0001é/")") == "\"a\\\"b\\\\c\\n\\t\\u0001é/\"");
}

TEST_CASE("json_size is the length of to_json") {
  for (const char* t : {R"({"a":[1,2.5,"x\"y",null,true],"b":{"c":"\u0002"}})", "[]", "{}", "\"\"", "12345"}) {
    auto v = json::parse(t);
    REQUIRE(v.ok());
    CHECK(json::json_size(*v) == json::to_json(*v).size());
  }
}

TEST_CASE("parse rejects trailing text and names the position") {
  auto v = json::parse("{\"a\":1} x");
  REQUIRE_FALSE(v.ok());
  CHECK(v.status().message().find("line 1, column 9") != std::string::npos);
  CHECK_FALSE(json::parse("").ok());
  CHECK_FALSE(json::parse("{\"a\":1,}").ok());
}

TEST_CASE("parse_relaxed reads comments and trailing commas") {
  auto v = json::parse_relaxed("{\n // c\n \"a\": [1, 2,], /* d */\n}");
  REQUIRE(v.ok());
  CHECK(json::to_json(*v) == R"({"a":[1,2]})");
}

TEST_CASE("type_name uses AWS's words") {
  CHECK(std::string(json::type_name(*json::parse("1.5"))) == "number");
  CHECK(std::string(json::type_name(*json::parse("{}"))) == "object");
  CHECK(std::string(json::type_name(*json::parse("null"))) == "null");
}
