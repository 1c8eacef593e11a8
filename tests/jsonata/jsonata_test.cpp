// The public API of src/jsonata (jsonata.h): compile once, evaluate many
// times, bindings and host functions, injected time and randomness, guards.
// The language itself is covered by the reference suite
// (tests/jsonata/conformance.cpp).

#include <atomic>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "src/jsonata/jsonata.h"

namespace bj = boost::json;
using namespace stepd;

namespace {

std::optional<bj::value> eval_ok(const std::string& text, const bj::value* input = nullptr,
                                 const jsonata::Bindings& b = jsonata::Bindings(),
                                 const jsonata::Options& o = jsonata::Options()) {
  auto e = jsonata::compile(text);
  REQUIRE(e.ok());
  auto r = jsonata::evaluate(**e, input, b, o);
  REQUIRE(r.ok());
  return *r;
}

std::string eval_error(const std::string& text, const jsonata::Options& o = jsonata::Options(),
                       const jsonata::Bindings& b = jsonata::Bindings()) {
  auto e = jsonata::compile(text);
  if (!e.ok()) return e.status().error();
  auto r = jsonata::evaluate(**e, nullptr, b, o);
  REQUIRE_FALSE(r.ok());
  return r.status().error();
}

}  // namespace

TEST_CASE("a syntax error fails compile with its code and position") {
  jsonata::ErrorDetail d;
  auto e = jsonata::compile("foo.(bar", &d);
  REQUIRE_FALSE(e.ok());
  CHECK(e.status().error() == "S0203");
  CHECK(d.code == "S0203");
  CHECK(d.position == 8);
}

TEST_CASE("undefined is nullopt and null is a JSON null") {
  bj::value in = bj::parse(R"({"a": null})");
  CHECK_FALSE(eval_ok("b", &in).has_value());
  auto r = eval_ok("a", &in);
  REQUIRE(r.has_value());
  CHECK(r->is_null());
  CHECK_FALSE(eval_ok("$").has_value());  // no input
}

TEST_CASE("an evaluation error carries the JSONata code, message and position") {
  auto e = jsonata::compile("1 + 'x'");
  REQUIRE(e.ok());
  jsonata::ErrorDetail d;
  auto r = jsonata::evaluate(**e, nullptr, {}, {}, &d);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kFailed);
  CHECK(r.status().error() == "T2002");
  CHECK(r.status().message() == "The right side of the \"+\" operator must evaluate to a number");
  CHECK(d.position == 3);
}

TEST_CASE("bindings are variables, by copy or by reference") {
  jsonata::Bindings b;
  b.bind("x", 5);
  bj::value states = bj::parse(R"({"input": {"n": 2}})");
  b.bind_ref("states", states);
  CHECK(*eval_ok("$x * $states.input.n", nullptr, b) == bj::value(10));
}

TEST_CASE("host functions validate their arguments with a signature") {
  jsonata::Bindings b;
  REQUIRE(b.define(
               "partition",
               [](const std::vector<std::optional<bj::value>>& args) -> Result<std::optional<bj::value>> {
                 bj::array out;
                 const auto& a = args[0]->as_array();
                 auto n = static_cast<std::size_t>(args[1]->to_number<double>());
                 for (std::size_t i = 0; i < a.size(); i += n)
                   out.emplace_back(bj::array(a.begin() + static_cast<std::ptrdiff_t>(i),
                                              a.begin() + static_cast<std::ptrdiff_t>(std::min(a.size(), i + n))));
                 return std::optional<bj::value>(std::move(out));
               },
               "<an:a>")
            .ok());
  CHECK(*eval_ok("$partition([1,2,3], 2)", nullptr, b) == bj::parse("[[1,2],[3]]"));
  CHECK(eval_error("$partition([1], 'x')", {}, b) == "T0410");
  REQUIRE(b.define(
               "fails",
               [](const std::vector<std::optional<bj::value>>&) -> Result<std::optional<bj::value>> {
                 return Status::failed("States.QueryEvaluationError", "nope");
               })
            .ok());
  CHECK(eval_error("$fails()", {}, b) == "States.QueryEvaluationError");
  CHECK_FALSE(b.define("bad", nullptr, "<a<n>(x<y>)>").ok());
}

TEST_CASE("a refused function fails with the caller's code") {
  jsonata::Bindings b;
  b.refuse("eval", "States.QueryEvaluationError", "The function $eval is not supported");
  CHECK(eval_error("$eval('1')", {}, b) == "States.QueryEvaluationError");
  CHECK(*eval_ok("$eval('1 + 1')") == bj::value(2));
}

TEST_CASE("$now and $millis read the caller's instant, $random the caller's source") {
  jsonata::Options o;
  CHECK_FALSE(eval_ok("$millis()", nullptr, {}, o).has_value());
  o.now_ms = 1700000000123;
  CHECK(*eval_ok("$millis()", nullptr, {}, o) == bj::value(1700000000123));
  CHECK(*eval_ok("$now()", nullptr, {}, o) == bj::value("2023-11-14T22:13:20.123Z"));
  o.random = [] { return 0.25; };
  CHECK(*eval_ok("$random()", nullptr, {}, o) == bj::value(0.25));
}

TEST_CASE("guards end runaway evaluations with U1001") {
  SECTION("depth") {
    jsonata::Options o;
    o.max_depth = 100;
    CHECK(eval_error("($f := function($n){$n = 0 ? 0 : 1 + $f($n - 1)}; $f(1000))", o) == "U1001");
  }
  SECTION("time, on the injected clock") {
    jsonata::Options o;
    auto now = std::make_shared<std::int64_t>(0);
    o.clock_ms = [now] { return (*now)++; };
    o.time_limit_ms = 50;
    CHECK(eval_error("($f := function($n){$f($n + 1)}; $f(0))", o) == "U1001");
  }
  SECTION("the native stack, whatever max_depth says") {
    jsonata::Options o;
    o.max_depth = 10000000;
    o.max_stack_bytes = 256 << 10;
    CHECK(eval_error("($f := function($n){$n = 0 ? 0 : 1 + $f($n - 1)}; $f(100000))", o) == "U1001");
  }
}

TEST_CASE("strings count characters as jsonata-js does") {
  CHECK(*eval_ok("$length('h\\u00e9llo \\uD834\\uDD1E')") == bj::value(7));
  CHECK(*eval_ok("$substring('\\uD834\\uDD1Eab', 1, 1)") == bj::value("a"));
}

TEST_CASE("one compiled expression evaluates on several threads at once") {
  auto e = jsonata::compile("$sum(items.(price * qty)) & ' ' & $join(items[price > 2].name, ',')");
  REQUIRE(e.ok());
  bj::value in = bj::parse(R"({"items": [{"name": "a", "price": 1, "qty": 2}, {"name": "b", "price": 3, "qty": 1}]})");
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        auto r = jsonata::evaluate(**e, &in);
        if (r.ok() && *r && **r == bj::value("5 b")) ++good;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(good == 2000);
}
