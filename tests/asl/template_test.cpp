#include "src/asl/template.h"

#include <catch2/catch.hpp>

#include "src/common/json.h"

using namespace stepd;

namespace {
boost::json::value J(const char* t) {
  auto v = json::parse(t);
  REQUIRE(v.ok());
  return std::move(v).value();
}
std::uint64_t no_entropy() { return 0; }
}  // namespace

TEST_CASE("a template renames .$ keys and fills in paths, keeping literal parts") {
  auto t = asl::Template::compile(J(R"({"a.$":"$.x","b":{"c.$":"$.y[1]","d":[1,{"e.$":"$"}]},"f":"$.x"})"));
  REQUIRE(t.ok());
  CHECK_FALSE(t->is_constant());
  auto input = J(R"({"x":"X","y":[0,9]})");
  jsonpath::InputOnly docs(input);
  auto r = t->eval(docs, no_entropy);
  REQUIRE(r.ok());
  CHECK(json::to_json(*r) == R"({"a":"X","b":{"c":9,"d":[1,{"e":{"x":"X","y":[0,9]}}]},"f":"$.x"})");
}

TEST_CASE("a template without .$ keys is a constant") {
  auto t = asl::Template::compile(J(R"({"a":1,"b":["$.x"]})"));
  REQUIRE(t.ok());
  CHECK(t->is_constant());
}

TEST_CASE("a path that does not resolve fails with AWS's States.Runtime cause") {
  auto t = asl::Template::compile(J(R"({"value.$":"$.no_such_jsonpath"})"));
  REQUIRE(t.ok());
  auto input = J(R"({"int-literal":0})");
  jsonpath::InputOnly docs(input);
  auto r = t->eval(docs, no_entropy);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().error() == "States.Runtime");
  CHECK(r.status().message() ==
        "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input "
        "'{\"int-literal\":0}'");
}

TEST_CASE("intrinsic calls in templates are evaluated") {
  auto t = asl::Template::compile(J(R"j({"g.$":"States.Format('Hi {}', $.n)"})j"));
  REQUIRE(t.ok());
  auto input = J(R"({"n":"Bo"})");
  jsonpath::InputOnly docs(input);
  auto r = t->eval(docs, no_entropy);
  REQUIRE(r.ok());
  CHECK(json::to_json(*r) == R"({"g":"Hi Bo"})");
}

TEST_CASE("a .$ value that is neither a path nor a call is rejected at compile time") {
  auto t = asl::Template::compile(J(R"({"v.$":"no path"})"));
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().message() == "The value for the field 'v.$' must be a valid JSONPath or a valid intrinsic function call");
  CHECK_FALSE(asl::Template::compile(J(R"({"v.$":3})")).ok());
}
