// The guards that end a hostile JSONata expression with an error instead
// of a hang or a native stack overflow (issue #11, found by
// tests/fuzz/jsonata_fuzz.cpp). The evaluator's depth, stack and time
// guards are in jsonata_test.cpp; these are compile()'s.

#include <string>

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include "src/jsonata/jsonata.h"

using namespace stepd;

namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// The error code compile() gives, or "" when it compiles.
std::string compile_error(const std::string& text) {
  auto e = jsonata::compile(text);
  return e.ok() ? "" : e.status().error();
}

// Compiles and evaluates without input; the result as JSON text.
std::string value_of(const std::string& text) {
  auto e = jsonata::compile(text);
  INFO(text.substr(0, 60) << ": " << e.status().message());
  REQUIRE(e.ok());
  auto r = jsonata::evaluate(**e, nullptr);
  INFO(r.status().message());
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  return boost::json::serialize(**r);
}

}  // namespace

TEST_CASE("compile refuses expressions nested past kMaxParseDepth with U1001") {
  const int limit = jsonata::kMaxParseDepth;
  SECTION("parentheses") {
    CHECK(value_of(repeat("(", limit / 2) + "1" + repeat(")", limit / 2)) == "1");
    CHECK(compile_error(repeat("(", limit + 1) + "1" + repeat(")", limit + 1)) == "U1001");
  }
  SECTION("unary minus: the fuzzer's stack overflow in the post-parse stage") {
    CHECK(value_of(repeat("-", limit / 2) + "1") == "1");
    CHECK(compile_error(repeat("-", 5000) + "1") == "U1001");
    CHECK(compile_error(repeat("-", 200000) + "1") == "U1001");
  }
  SECTION("operators chained in one expression deepen the tree too") {
    CHECK(value_of("1" + repeat("+1", limit / 2)) == std::to_string(limit / 2 + 1));
    CHECK(compile_error("1" + repeat("+1", 200000)) == "U1001");
    CHECK(compile_error("a" + repeat("[0]", 200000)) == "U1001");
    CHECK(compile_error("a" + repeat(".b", 200000)) == "U1001");
    CHECK(compile_error("$f" + repeat("()", 200000)) == "U1001");
  }
  SECTION("arrays, objects and blocks") {
    CHECK(compile_error(repeat("[", 200000)) == "U1001");
    CHECK(compile_error(repeat("{'a':", 200000)) == "U1001");
    CHECK(compile_error(repeat("(1;", 200000)) == "U1001");
  }
  SECTION("a long flat expression is not deep") {
    CHECK(value_of("[" + repeat("1,", 100000) + "1]").size() == 200003);
    CHECK(value_of("(" + repeat("1;", 100000) + "2)") == "2");
  }
  SECTION("the error names the guard and where it fired") {
    jsonata::ErrorDetail d;
    auto e = jsonata::compile(repeat("(", 2000), &d);
    REQUIRE_FALSE(e.ok());
    CHECK(d.code == "U1001");
    CHECK(d.position == limit + 1);  // just past the token that went one level too deep
    CHECK(e.status().message().find("nested more than 1000 levels") != std::string::npos);
  }
}

TEST_CASE("$eval of a deeply nested expression fails as any syntax error in $eval does") {
  auto e = jsonata::compile("$eval($e)");
  REQUIRE(e.ok());
  jsonata::Bindings b;
  b.bind("e", boost::json::value(repeat("-", 100000) + "1"));
  auto r = jsonata::evaluate(**e, nullptr, b);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().error() == "D3120");
  CHECK(r.status().message().find("nested more than 1000 levels") != std::string::npos);
}
