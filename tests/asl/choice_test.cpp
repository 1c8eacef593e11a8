#include "src/asl/choice.h"

#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "src/common/json.h"

namespace {

namespace bj = boost::json;
using stepd::Code;
using stepd::asl::ChoiceRule;
using stepd::asl::compile_choice_rule;
using stepd::asl::matches;

// `$`, `$$` and `$name` documents for one evaluation.
class Docs : public stepd::jsonpath::Documents {
 public:
  explicit Docs(bj::value input, bj::value context = bj::object(), bj::object variables = {})
      : input_(std::move(input)), context_(std::move(context)), variables_(std::move(variables)) {}
  const bj::value& input() const override { return input_; }
  const bj::value& context() const override { return context_; }
  const bj::value* variable(std::string_view name) const override { return variables_.if_contains(name); }

 private:
  bj::value input_, context_;
  bj::object variables_;
};

bj::value parse(std::string_view text) {
  auto v = stepd::json::parse(text);
  INFO(text);
  REQUIRE(v.ok());
  return std::move(v).value();
}

stepd::Result<std::shared_ptr<const ChoiceRule>> try_compile(std::string_view rule) {
  bj::value v = parse(rule);
  REQUIRE(v.is_object());
  return compile_choice_rule(v.get_object());
}

std::shared_ptr<const ChoiceRule> compile(std::string_view rule) {
  auto r = try_compile(rule);
  INFO(rule << " -> " << r.status().message());
  REQUIRE(r.ok());
  return r.value();
}

stepd::Result<bool> run(std::string_view rule, std::string_view input) {
  auto r = compile(rule);
  Docs docs(parse(input));
  return matches(*r, docs);
}

bool eval(std::string_view rule, std::string_view input) {
  auto m = run(rule, input);
  INFO(rule << " on " << input << " -> " << m.status().message());
  REQUIRE(m.ok());
  return m.value();
}

// The state machine of the choice_operators corpus: the rule
// {"Variable": "$.Variable", <op>: <value>} (or <op>: "$.Value" for a Path
// operator) against the input {"Variable": <variable>, "Value": <value>}.
bool corpus_case(const std::string& op, const std::string& variable, const std::string& value) {
  const bool path = op.size() > 4 && op.compare(op.size() - 4, 4, "Path") == 0;
  const std::string rule = R"({"Variable":"$.Variable",")" + op + "\":" + (path ? "\"$.Value\"" : value) + "}";
  const std::string input = R"({"Variable":)" + variable + R"(,"Value":)" + value + "}";
  return eval(rule, input);
}

// One recorded case: the input's Variable and Value.
struct Case {
  const char* variable;  // JSON text
  const char* value;     // JSON text
};

// Expected outcomes are written as one letter per case, T or F, in the order
// AWS recorded them.
void check_cases(const std::string& op, const std::vector<Case>& cases, const std::string& expected) {
  REQUIRE(cases.size() == expected.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO(op << " case #" << i << ": Variable " << cases[i].variable << ", Value " << cases[i].value);
    CHECK(corpus_case(op, cases[i].variable, cases[i].value) == (expected[i] == 'T'));
  }
}

// TYPE_COMPARISONS of choice_operators/utils.py.
const std::vector<Case> kTypeComparisons = {
    {"null", "true"},          {"null", "false"},
    {"0", "true"},             {"0", "false"},
    {"0.0", "true"},           {"0.0", "false"},
    {"1", "true"},             {"1", "false"},
    {"1.1", "true"},           {"1.1", "false"},
    {R"("")", "true"},         {R"("")", "false"},
    {R"(" ")", "true"},        {R"(" ")", "false"},
    {R"("HelloWorld")", "true"}, {R"("HelloWorld")", "false"},
    {R"("2012-10-09T19:00:55")", "true"}, {R"("2012-10-09T19:00:55")", "false"},
    {R"("2012-10-09T19:00:55Z")", "true"}, {R"("2012-10-09T19:00:55Z")", "false"},
    {R"("2012-10-09T19:00:55+01:00")", "true"}, {R"("2012-10-09T19:00:55+01:00")", "false"},
    {R"("2023-02-24")", "true"}, {R"("2023-02-24")", "false"},
    {"[]", "true"},            {"[]", "false"},
    {R"([""])", "true"},       {R"([""])", "false"},
    {"{}", "true"},            {"{}", "false"},
    {R"({"A":0})", "true"},    {R"({"A":0})", "false"},
    {"true", "true"},          {"false", "true"},
    {"false", "true"},         {"false", "false"},
};

// TYPE_COMPARISONS_VARS of the numeric and string corpus tests.
const std::vector<const char*> kTypeVars = {"null", "0", "0.0", "1", "1.1", R"("")", R"(" ")",
                                            "[]", R"([""])", "{}", R"({"A":0})", "false", "true"};

const char* const kT0 = R"("2012-10-09T19:00:55Z")";
const char* const kT1 = R"("2012-10-09T19:00:56Z")";

// Counts heap allocations on this thread while armed. AddressSanitizer's
// allocator hooks see malloc and operator new alike without replacing
// either, so the rest of the test binary keeps ASan's own checks.
#if defined(__SANITIZE_ADDRESS__)
#define STEPD_COUNTS_ALLOCATIONS 1
thread_local bool g_count_allocations = false;
thread_local int g_allocations = 0;
}  // namespace
// From the sanitizer runtime (sanitizer/allocator_interface.h, which GCC does
// not install).
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*)(const volatile void*, std::size_t),
                                                         void (*)(const volatile void*));
namespace {
void on_malloc(const volatile void*, std::size_t) {
  if (g_count_allocations) ++g_allocations;
}
void on_free(const volatile void*) {}
bool install_allocation_hooks() {
  static const bool installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0;
  return installed;
}
#endif

}  // namespace

// ---------------------------------------------------------------------------
// Recorded AWS outcomes (conformance corpus, choice_operators/*.snapshot.json)

TEST_CASE("BooleanEquals is true only for a boolean of the same value") {
  const std::string expected = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFTFFT";
  check_cases("BooleanEquals", kTypeComparisons, expected);
  check_cases("BooleanEqualsPath", kTypeComparisons, expected);
}

TEST_CASE("the Is operators test the JSON type, and false negates them") {
  check_cases("IsBoolean", kTypeComparisons, "FTFTFTFTFTFTFTFTFTFTFTFTFTFTFTFTTTTF");
  check_cases("IsNull", kTypeComparisons, "TFFTFTFTFTFTFTFTFTFTFTFTFTFTFTFTFFFT");
  check_cases("IsNumeric", kTypeComparisons, "FTTFTFTFTFFTFTFTFTFTFTFTFTFTFTFTFFFT");
  check_cases("IsPresent", kTypeComparisons, "TFTFTFTFTFTFTFTFTFTFTFTFTFTFTFTFTTTF");
  check_cases("IsString", kTypeComparisons, "FTFTFTFTFTTFTFTFTFTFTFTFFTFTFTFTFFFT");
}

TEST_CASE("NumericEquals compares integers and floats by value, and other types never match") {
  std::vector<Case> cases;
  for (const char* var : kTypeVars) {
    for (const char* value : {"0", "0.0", "1", "1.0"}) cases.push_back({var, value});
  }
  cases.push_back({"0", "0"});  // the corpus's (-0, 0): Python writes -0 as 0
  cases.push_back({"0.0", "0"});
  cases.push_back({"2.22", "2.22"});
  const std::string expected = "FFFFTTFFTTFFFFTTFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFTTT";
  check_cases("NumericEquals", cases, expected);
  check_cases("NumericEqualsPath", cases, expected);
}

TEST_CASE("numeric ordering operators") {
  const std::vector<Case> cases = {{"0", "0"}, {"0.0", "0"}, {"0", "1"}, {"1", "1"}, {"1", "0"}, {"0", "1"}};
  for (const char* path : {"", "Path"}) {
    check_cases(std::string("NumericGreaterThan") + path, cases, "FFFFTF");
    check_cases(std::string("NumericGreaterThanEquals") + path, cases, "TTFTTF");
    check_cases(std::string("NumericLessThan") + path, cases, "FFTFFT");
    check_cases(std::string("NumericLessThanEquals") + path, cases, "TTTTFT");
  }
}

TEST_CASE("StringEquals is exact and false for non-strings") {
  std::vector<Case> cases;
  for (const char* var : kTypeVars) cases.push_back({var, R"("HelloWorld")"});
  cases.push_back({R"(" ")", R"("     ")"});
  cases.push_back({R"("\t\n")", R"("\t\r\n")"});
  cases.push_back({R"("Hello")", R"("Hello")"});
  check_cases("StringEquals", cases, "FFFFFFFFFFFFFFFT");
  check_cases("StringEqualsPath", {cases.end() - 3, cases.end()}, "FFT");
}

TEST_CASE("string ordering operators") {
  const std::vector<Case> gt = {{R"("")", R"("")"}, {R"("A")", R"("A ")"}, {R"("A")", R"("A\t\n\r")"},
                                {R"("AB")", R"("ABC")"}};
  const std::vector<Case> three = {{R"("")", R"("")"}, {R"("A")", R"("AB")"}, {R"("AB")", R"("A")"}};
  for (const char* path : {"", "Path"}) {
    check_cases(std::string("StringGreaterThan") + path, gt, "FFFF");
    check_cases(std::string("StringGreaterThanEquals") + path, three, "TFT");
    check_cases(std::string("StringLessThan") + path, three, "FTF");
    check_cases(std::string("StringLessThanEquals") + path, three, "TTF");
  }
}

TEST_CASE("TimestampEquals is false for anything that is not a timestamp") {
  std::vector<Case> cases;
  for (const char* var : {"null", "0", "0.0", "1", "1.1", R"("")", R"(" ")", R"("2023-02-24 12:15:56.832957")", "[]",
                          R"([""])", "{}", R"({"A":0})", "false", "true"}) {
    cases.push_back({var, kT0});
  }
  cases.push_back({kT0, kT0});
  cases.push_back({kT0, kT1});
  cases.push_back({kT1, kT0});
  check_cases("TimestampEquals", cases, "FFFFFFFFFFFFFFTFF");
  check_cases("TimestampEqualsPath", {cases.end() - 3, cases.end()}, "TFF");
}

TEST_CASE("timestamp ordering operators") {
  const std::vector<Case> base = {{kT0, kT0}, {kT0, kT1}, {kT1, kT0}};
  check_cases("TimestampGreaterThan", base, "FFT");
  check_cases("TimestampGreaterThanEquals", base, "TFT");
  check_cases("TimestampLessThan", base, "FTF");
  check_cases("TimestampLessThanEquals", base, "TTF");
  check_cases("TimestampGreaterThanPath", {{kT0, kT1}}, "F");
  check_cases("TimestampGreaterThanEqualsPath", {{kT0, kT1}}, "F");
  check_cases("TimestampLessThanPath", {{kT1, kT0}}, "F");
  check_cases("TimestampLessThanEqualsPath", {{kT1, kT0}}, "F");
}

// ---------------------------------------------------------------------------
// Behaviour beyond the recorded cases

TEST_CASE("IsTimestamp accepts RFC 3339 date-times with a zone only") {
  // Not recorded by the corpus (its IsTimestamp test is skipped); this
  // follows AWS's documented format: uppercase T, then Z or an offset.
  check_cases("IsTimestamp", kTypeComparisons, "FTFTFTFTFTFTFTFTFTTFTFFTFTFTFTFTFFFT");
  CHECK(eval(R"({"Variable":"$.t","IsTimestamp":true})", R"({"t":"2016-03-05T21:29:29.243167252Z"})"));
  CHECK_FALSE(eval(R"({"Variable":"$.t","IsTimestamp":true})", R"({"t":"2016-03-14t01:59:00z"})"));
  CHECK_FALSE(eval(R"({"Variable":"$.t","IsTimestamp":true})", R"({"t":"2016-02-30T01:59:00Z"})"));
  CHECK(eval(R"({"Variable":"$.t","IsTimestamp":false})", R"({"t":1457920740})"));
}

TEST_CASE("timestamps compare as instants, whatever the offset") {
  const char* eq = R"({"Variable":"$.a","TimestampEqualsPath":"$.b"})";
  CHECK(eval(eq, R"({"a":"2012-10-09T19:00:55+01:00","b":"2012-10-09T18:00:55Z"})"));
  CHECK(eval(eq, R"({"a":"2012-10-09T18:00:55.000Z","b":"2012-10-09T18:00:55Z"})"));
  CHECK(eval(R"({"Variable":"$.a","TimestampLessThan":"2012-10-09T18:30:00Z"})",
             R"({"a":"2012-10-09T19:00:55+01:00"})"));
  SECTION("down to the nanosecond, in any year") {
    CHECK_FALSE(eval(eq, R"({"a":"2016-03-05T21:29:29.243167252Z","b":"2016-03-05T21:29:29.243167253Z"})"));
    CHECK(eval(R"({"Variable":"$.a","TimestampLessThanPath":"$.b"})",
               R"({"a":"9999-03-05T21:29:29.243167252Z","b":"9999-03-05T21:29:29.243167253Z"})"));
    CHECK(eval(R"({"Variable":"$.a","TimestampGreaterThan":"1000-01-01T00:00:00.0000001Z"})",
               R"({"a":"1000-01-01T00:00:00.0000002Z"})"));
    CHECK(eval(eq, R"({"a":"1000-01-01T00:00:00.5Z","b":"1000-01-01T00:00:00.500000000Z"})"));
  }
  SECTION("short fractions followed by an offset") {
    CHECK(eval(eq, R"({"a":"2012-10-09T19:00:55.12+01:00","b":"2012-10-09T18:00:55.120Z"})"));
    CHECK(eval(eq, R"({"a":"2012-10-09T19:00:55.1+01:00","b":"2012-10-09T18:00:55.1Z"})"));
    CHECK(eval(eq, R"({"a":"2012-10-09T19:00:55.1234-01:00","b":"2012-10-09T20:00:55.1234Z"})"));
    CHECK_FALSE(eval(eq, R"({"a":"2012-10-09T19:00:55.1234-01:00","b":"2012-10-09T20:00:55.1235Z"})"));
  }
  SECTION("a ...Path operand that is not a timestamp makes the test false") {
    CHECK_FALSE(eval(eq, R"({"a":"2012-10-09T18:00:55Z","b":"2012-10-09T18:00:55"})"));
    CHECK_FALSE(eval(eq, R"({"a":"2012-10-09T18:00:55Z","b":1349805655000})"));
  }
}

TEST_CASE("numbers compare as IEEE doubles") {
  CHECK(eval(R"({"Variable":"$.n","NumericEquals":-0.0})", R"({"n":0})"));
  CHECK(eval(R"({"Variable":"$.n","NumericLessThan":1.5})", R"({"n":1.4999})"));
  CHECK(eval(R"({"Variable":"$.n","NumericGreaterThan":9223372036854775807})", R"({"n":1e300})"));
  CHECK(eval(R"({"Variable":"$.n","NumericEquals":18446744073709551615})", R"({"n":1.8446744073709552e19})"));
  CHECK(eval(R"({"Variable":"$.n","NumericLessThanEquals":-1e-300})", R"({"n":-1})"));
  SECTION("integers past 2^53 lose precision as doubles do") {
    CHECK(eval(R"({"Variable":"$.n","NumericEquals":9007199254740993})", R"({"n":9007199254740992})"));
  }
  SECTION("a numeric string is not a number") {
    CHECK_FALSE(eval(R"({"Variable":"$.n","NumericEquals":1})", R"({"n":"1"})"));
    CHECK_FALSE(eval(R"({"Variable":"$.n","NumericEqualsPath":"$.m"})", R"({"n":1,"m":"1"})"));
  }
}

TEST_CASE("strings compare by code point") {
  CHECK(eval(R"({"Variable":"$.s","StringGreaterThan":"z"})", R"({"s":"\u00e9"})"));
  CHECK(eval(R"({"Variable":"$.s","StringLessThan":"\ud83d\ude00"})", R"({"s":"\uffff"})"));
  CHECK(eval(R"({"Variable":"$.s","StringLessThan":"a"})", R"({"s":"Z"})"));
  // No Unicode normalisation: a precomposed e-acute is not e + combining acute.
  CHECK_FALSE(eval(R"({"Variable":"$.s","StringEquals":"\u00e9"})", R"({"s":"e\u0301"})"));
  CHECK_FALSE(eval(R"({"Variable":"$.s","StringEquals":"a"})", R"({"s":"A"})"));
}

TEST_CASE("StringMatches treats * as the only wildcard") {
  const auto m = [](const char* pattern_json, const char* value_json) {
    return eval(std::string(R"({"Variable":"$.s","StringMatches":)") + pattern_json + "}",
                std::string(R"({"s":)") + value_json + "}");
  };
  CHECK(m(R"("log-*.txt")", R"("log-2024.txt")"));
  CHECK(m(R"("log-*.txt")", R"("log-.txt")"));
  CHECK_FALSE(m(R"("log-*.txt")", R"("log-2024.txt.gz")"));
  CHECK_FALSE(m(R"("log-*.txt")", R"("xlog-2024.txt")"));
  CHECK(m(R"("*")", R"("")"));
  CHECK(m(R"("*")", R"("anything")"));
  CHECK(m(R"("**")", R"("x")"));
  CHECK(m(R"("")", R"("")"));
  CHECK_FALSE(m(R"("")", R"("x")"));
  CHECK(m(R"("a*b*c")", R"("aXbYbZc")"));
  CHECK_FALSE(m(R"("a*b*c")", R"("aXcYb")"));
  SECTION("the anchored ends may not overlap") {
    CHECK_FALSE(m(R"("a*a")", R"("a")"));
    CHECK(m(R"("a*a")", R"("aa")"));
    CHECK_FALSE(m(R"("ab*ba")", R"("aba")"));
  }
  SECTION("other glob and regex characters are literal") {
    CHECK(m(R"("a?c.*")", R"("a?c.d")"));
    CHECK_FALSE(m(R"("a?c")", R"("abc")"));
    CHECK(m(R"("[x]+")", R"("[x]+")"));
    CHECK_FALSE(m(R"("[x]+")", R"("xx")"));
  }
  SECTION("\\* is a literal star and \\\\ a literal backslash") {
    CHECK(m(R"("\\*")", R"("*")"));
    CHECK_FALSE(m(R"("\\*")", R"("x")"));
    CHECK(m(R"("a\\*b*")", R"("a*bcd")"));
    CHECK_FALSE(m(R"("a\\*b*")", R"("aXbcd")"));
    CHECK(m(R"("a\\\\b")", R"("a\\b")"));
    CHECK(m(R"("a\\\\*")", R"("a\\xyz")"));
    CHECK_FALSE(m(R"("a\\\\*")", R"("axyz")"));
  }
  SECTION("a non-string never matches") {
    CHECK_FALSE(m(R"("*")", "1"));
    CHECK_FALSE(m(R"("*")", "null"));
    CHECK_FALSE(m(R"("*")", R"(["a"])"));
  }
}

TEST_CASE("And, Or and Not combine rules") {
  // AWS's example machine (scenarios/choice_state_aws_scenario.json5).
  const char* not_private = R"({"Not":{"Variable":"$.type","StringEquals":"Private"},"Next":"Public"})";
  const char* twenties = R"({"And":[{"Variable":"$.value","NumericGreaterThanEquals":20},
                                    {"Variable":"$.value","NumericLessThan":30}],"Next":"ValueInTwenties"})";
  CHECK(eval(not_private, R"({"type":"Public","value":0})"));
  CHECK_FALSE(eval(not_private, R"({"type":"Private","value":0})"));
  CHECK(eval(twenties, R"({"type":"Private","value":20})"));
  CHECK(eval(twenties, R"({"type":"Private","value":29.9})"));
  CHECK_FALSE(eval(twenties, R"({"type":"Private","value":30})"));
  CHECK_FALSE(eval(twenties, R"({"type":"Private","value":19})"));

  const char* either = R"({"Or":[{"Variable":"$.a","BooleanEquals":true},{"Variable":"$.b","BooleanEquals":true}]})";
  CHECK(eval(either, R"({"a":false,"b":true})"));
  CHECK(eval(either, R"({"a":true,"b":false})"));
  CHECK_FALSE(eval(either, R"({"a":false,"b":false})"));

  SECTION("a singleton And is its one rule (choice_state_singleton_composite)") {
    const char* rule = R"({"And":[{"Variable":"$.type","StringEquals":"Public"}],"Next":"Public"})";
    CHECK(eval(rule, R"({"type":"Public"})"));
    CHECK_FALSE(eval(rule, R"({"type":"Private"})"));
  }
  SECTION("combinators nest") {
    const char* rule = R"({"Not":{"Or":[{"Not":{"Variable":"$.x","IsNull":true}},
                                        {"And":[{"Variable":"$.y","IsPresent":true},{"Variable":"$.y","NumericEquals":1}]}]}})";
    CHECK(eval(rule, R"({"x":null})"));
    CHECK(eval(rule, R"({"x":null,"y":2})"));
    CHECK_FALSE(eval(rule, R"({"x":null,"y":1})"));
    CHECK_FALSE(eval(rule, R"({"x":0})"));
  }
}

TEST_CASE("Variable and Path operands may start at $$ or a workflow variable") {
  SECTION("the context object (context_object/test_variable)") {
    auto r = compile(R"({"Variable":"$$.Execution.Input.input-value","NumericLessThanEquals":0,"Next":"Q"})");
    Docs docs(parse(R"({"input-value":0})"), parse(R"({"Execution":{"Input":{"input-value":0}}})"));
    auto m = matches(*r, docs);
    REQUIRE(m.ok());
    CHECK(m.value());
  }
  SECTION("variables (assign/base_reference_in_choice)") {
    auto r = compile(R"({"Variable":"$guess","StringEqualsPath":"$answer","Next":"CorrectAnswer"})");
    Docs wrong(bj::object(), bj::object(), parse(R"({"guess":"the_guess","answer":"the_answer"})").get_object());
    Docs right(bj::object(), bj::object(), parse(R"({"guess":"the_answer","answer":"the_answer"})").get_object());
    REQUIRE(matches(*r, wrong).ok());
    CHECK_FALSE(matches(*r, wrong).value());
    REQUIRE(matches(*r, right).ok());
    CHECK(matches(*r, right).value());
  }
  SECTION("the whole input") {
    CHECK(eval(R"({"Variable":"$","StringEquals":"x"})", R"("x")"));
    CHECK(eval(R"({"Variable":"$","IsNumeric":true})", "7"));
  }
  SECTION("array elements") {
    CHECK(eval(R"({"Variable":"$.a[1].b","NumericEqualsPath":"$.a[0]"})", R"({"a":[3,{"b":3}]})"));
  }
}

TEST_CASE("a Variable that does not resolve fails the state with States.Runtime") {
  auto m = run(R"({"Variable":"$.missing","StringEquals":"x","Next":"N"})", R"({"present":1})");
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().code() == Code::kFailed);
  CHECK(m.status().error() == "States.Runtime");
  CHECK(m.status().message() ==
        "Invalid path '$.missing': The choice state's condition path references an invalid value.");

  SECTION("for every operator but IsPresent") {
    for (const char* rule : {R"({"Variable":"$.a.b","IsNull":true})", R"({"Variable":"$.a.b","IsNull":false})",
                             R"({"Variable":"$.a.b","IsString":false})", R"({"Variable":"$.a.b","BooleanEquals":true})",
                             R"({"Variable":"$.a.b","NumericEquals":1})", R"({"Variable":"$.a.b","IsTimestamp":false})",
                             R"({"Variable":"$.a.b","StringMatches":"*"})"}) {
      INFO(rule);
      auto r = run(rule, R"({"a":{}})");
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().error() == "States.Runtime");
      CHECK(r.status().message() ==
            "Invalid path '$.a.b': The choice state's condition path references an invalid value.");
    }
  }
  SECTION("an unknown variable or context field is unresolved too") {
    auto v = run(R"({"Variable":"$nope","IsNull":true})", "{}");
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().message() == "Invalid path '$nope': The choice state's condition path references an invalid value.");
    auto c = run(R"({"Variable":"$$.Map.Item.Value","IsNull":true})", "{}");
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().error() == "States.Runtime");
  }
  SECTION("a ...Path operand that does not resolve names its own path") {
    auto r = run(R"({"Variable":"$.left","NumericLessThanEqualsPath":"$.right"})", R"({"left":8})");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().error() == "States.Runtime");
    CHECK(r.status().message() ==
          "Invalid path '$.right': The choice state's condition path references an invalid value.");
  }
  SECTION("inside Not, And and Or") {
    CHECK_FALSE(run(R"({"Not":{"Variable":"$.x","StringEquals":"a"}})", "{}").ok());
    CHECK_FALSE(run(R"({"And":[{"Variable":"$.y","IsPresent":true},{"Variable":"$.x","IsNull":true}]})",
                    R"({"y":1})").ok());
    CHECK_FALSE(run(R"({"Or":[{"Variable":"$.y","IsPresent":false},{"Variable":"$.x","IsNull":true}]})",
                    R"({"y":1})").ok());
  }
  SECTION("unless an earlier rule already decided And or Or") {
    CHECK_FALSE(eval(R"({"And":[{"Variable":"$.y","IsPresent":true},{"Variable":"$.y.z","IsNull":true}]})", "{}"));
    CHECK(eval(R"({"Or":[{"Variable":"$.y","IsPresent":false},{"Variable":"$.y.z","IsNull":true}]})", "{}"));
  }
}

TEST_CASE("IsPresent is false, not an error, for a path that does not resolve") {
  CHECK_FALSE(eval(R"({"Variable":"$.missing","IsPresent":true})", R"({"present":1})"));
  CHECK(eval(R"({"Variable":"$.missing","IsPresent":false})", R"({"present":1})"));
  CHECK_FALSE(eval(R"({"Variable":"$.a.b.c","IsPresent":true})", R"({"a":1})"));
  CHECK_FALSE(eval(R"({"Variable":"$.a[5]","IsPresent":true})", R"({"a":[1]})"));
  CHECK_FALSE(eval(R"({"Variable":"$nope","IsPresent":true})", "{}"));
  SECTION("a present null is present") {
    CHECK(eval(R"({"Variable":"$.n","IsPresent":true})", R"({"n":null})"));
  }
}

TEST_CASE("a ...Path operand of the wrong type makes the test false") {
  CHECK_FALSE(eval(R"({"Variable":"$.a","StringEqualsPath":"$.b"})", R"({"a":"1","b":1})"));
  CHECK_FALSE(eval(R"({"Variable":"$.a","BooleanEqualsPath":"$.b"})", R"({"a":true,"b":"true"})"));
  CHECK_FALSE(eval(R"({"Variable":"$.a","NumericLessThanEqualsPath":"$.b"})", R"({"a":8,"b":{"value":8}})"));
  CHECK_FALSE(eval(R"({"Variable":"$.a","NumericLessThanEqualsPath":"$.b"})", R"({"a":"8","b":8})"));
}

TEST_CASE("compiling accepts Comment anywhere and ignores the top-level Next and Assign") {
  // comment/comments_as_per_docs.json5
  CHECK(eval(R"({"And":[{"Variable":"$.status","StringEquals":"complete","Comment":"If task is complete"}],
                 "Comment":"Set the next state","Next":"SuccessState","Assign":{"x":1}})",
             R"({"status":"complete"})"));
  // scenarios/choice_state_unsorted_choice_parameters.json5: field order does not matter
  CHECK(eval(R"({"BooleanEquals":true,"Next":"FinishTrue","Variable":"$.result.done"})",
             R"({"result":{"done":true}})"));
}

TEST_CASE("compiling rejects malformed rules and names the field") {
  const auto error_of = [](const char* rule) {
    auto r = try_compile(rule);
    INFO(rule);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    return r.status().message();
  };
  CHECK_THAT(error_of(R"({"Variable":"$.a","StringEquals":"x","Foo":1})"), Catch::Contains("'Foo'"));
  CHECK_THAT(error_of(R"({"Variable":"$.a","StringEquals":"x","NumericEquals":1})"),
             Catch::Contains("'StringEquals'") && Catch::Contains("'NumericEquals'"));
  CHECK_THAT(error_of(R"({"Variable":"$.a","Next":"N"})"), Catch::Contains("operator"));
  CHECK_THAT(error_of(R"({"Next":"N"})"), Catch::Contains("operator"));
  CHECK_THAT(error_of(R"({"StringEquals":"x"})"), Catch::Contains("'Variable'"));
  CHECK_THAT(error_of(R"({"Variable":"a.b","StringEquals":"x"})"), Catch::Contains("'Variable'"));
  CHECK_THAT(error_of(R"({"Variable":1,"StringEquals":"x"})"), Catch::Contains("'Variable'"));
  CHECK_THAT(error_of(R"({"Variable":"$.a","Condition":"{% true %}"})"), Catch::Contains("'Condition'"));
  CHECK_THAT(error_of(R"({"Variable":"$.a","StringEqualsPath":"nope"})"), Catch::Contains("'StringEqualsPath'"));
  CHECK_THAT(error_of(R"({"Variable":"$.a","StringMatchesPath":"$.b"})"), Catch::Contains("'StringMatchesPath'"));
  CHECK_THAT(error_of(R"({"Variable":"$.a","StringEquals":"x","Comment":1})"), Catch::Contains("'Comment'"));

  SECTION("operands of the wrong type") {
    CHECK_THAT(error_of(R"({"Variable":"$.a","StringEquals":1})"), Catch::Contains("'StringEquals'"));
    CHECK_THAT(error_of(R"({"Variable":"$.a","StringMatches":null})"), Catch::Contains("'StringMatches'"));
    CHECK_THAT(error_of(R"({"Variable":"$.a","NumericEquals":"1"})"), Catch::Contains("'NumericEquals'"));
    CHECK_THAT(error_of(R"({"Variable":"$.a","BooleanEquals":"true"})"), Catch::Contains("'BooleanEquals'"));
    CHECK_THAT(error_of(R"({"Variable":"$.a","IsNull":null})"), Catch::Contains("'IsNull'"));
    CHECK_THAT(error_of(R"({"Variable":"$.a","IsPresent":1})"), Catch::Contains("'IsPresent'"));
    CHECK_THAT(error_of(R"({"Variable":"$.a","TimestampEquals":"2012-10-09T19:00:55"})"),
               Catch::Contains("'TimestampEquals'"));
    CHECK_THAT(error_of(R"({"Variable":"$.a","TimestampLessThan":1349809255})"), Catch::Contains("'TimestampLessThan'"));
    CHECK_THAT(error_of(R"({"Variable":"$.a","NumericEqualsPath":1})"), Catch::Contains("'NumericEqualsPath'"));
  }
  SECTION("combinators") {
    CHECK_THAT(error_of(R"({"And":[],"Next":"N"})"), Catch::Contains("'And'"));
    CHECK_THAT(error_of(R"({"Or":{"Variable":"$.a","IsNull":true}})"), Catch::Contains("'Or'"));
    CHECK_THAT(error_of(R"({"Not":[{"Variable":"$.a","IsNull":true}]})"), Catch::Contains("'Not'"));
    CHECK_THAT(error_of(R"({"And":[1]})"), Catch::Contains("'And'"));
    CHECK_THAT(error_of(R"({"And":[{"Variable":"$.a","IsNull":true}],"Not":{"Variable":"$.a","IsNull":true}})"),
               Catch::Contains("'And'") && Catch::Contains("'Not'"));
    CHECK_THAT(error_of(R"({"Variable":"$.a","Not":{"Variable":"$.a","IsNull":true}})"),
               Catch::Contains("'Variable'"));
    SECTION("errors inside nested rules surface") {
      CHECK_THAT(error_of(R"({"And":[{"Variable":"$.a","NumericEquals":"1"}]})"), Catch::Contains("'NumericEquals'"));
      CHECK_THAT(error_of(R"({"Not":{"Variable":"$.a"}})"), Catch::Contains("operator"));
    }
    SECTION("nested rules may not transition or assign") {
      CHECK_THAT(error_of(R"({"Not":{"Variable":"$.a","IsNull":true,"Next":"N"},"Next":"N"})"),
                 Catch::Contains("'Next'"));
      CHECK_THAT(error_of(R"({"And":[{"Variable":"$.a","IsNull":true,"Assign":{}}],"Next":"N"})"),
                 Catch::Contains("'Assign'"));
    }
  }
}

TEST_CASE("every one of the 39 operators compiles") {
  const char* ops[] = {"StringEquals",         "StringLessThan",           "StringGreaterThan",
                       "StringLessThanEquals", "StringGreaterThanEquals",  "StringMatches"};
  for (const char* op : ops) {
    INFO(op);
    CHECK(try_compile(std::string(R"({"Variable":"$.a",")") + op + R"(":"x"})").ok());
  }
  const char* path_ops[] = {"StringEqualsPath",          "StringLessThanPath",
                            "StringGreaterThanPath",     "StringLessThanEqualsPath",
                            "StringGreaterThanEqualsPath", "NumericEqualsPath",
                            "NumericLessThanPath",       "NumericGreaterThanPath",
                            "NumericLessThanEqualsPath", "NumericGreaterThanEqualsPath",
                            "BooleanEqualsPath",         "TimestampEqualsPath",
                            "TimestampLessThanPath",     "TimestampGreaterThanPath",
                            "TimestampLessThanEqualsPath", "TimestampGreaterThanEqualsPath"};
  for (const char* op : path_ops) {
    INFO(op);
    CHECK(try_compile(std::string(R"({"Variable":"$.a",")") + op + R"(":"$.b"})").ok());
  }
  for (const char* op : {"NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals",
                         "NumericGreaterThanEquals"}) {
    INFO(op);
    CHECK(try_compile(std::string(R"({"Variable":"$.a",")") + op + R"(":1.5})").ok());
  }
  for (const char* op : {"TimestampEquals", "TimestampLessThan", "TimestampGreaterThan", "TimestampLessThanEquals",
                         "TimestampGreaterThanEquals"}) {
    INFO(op);
    CHECK(try_compile(std::string(R"({"Variable":"$.a",")") + op + R"(":"2016-03-14T01:59:00Z"})").ok());
  }
  for (const char* op : {"BooleanEquals", "IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"}) {
    INFO(op);
    CHECK(try_compile(std::string(R"({"Variable":"$.a",")") + op + R"(":true})").ok());
  }
  CHECK(std::size(ops) + std::size(path_ops) + 5 + 5 + 7 == 39);
}

TEST_CASE("a compiled rule is shared and evaluated many times") {
  auto r = compile(R"({"Variable":"$.n","NumericGreaterThan":10})");
  for (int i = 0; i < 20; ++i) {
    Docs docs(bj::value(bj::object{{"n", i}}));
    auto m = matches(*r, docs);
    REQUIRE(m.ok());
    CHECK(m.value() == (i > 10));
  }
}

TEST_CASE("matching a simple comparison on a definite path does not allocate") {
  auto num = compile(R"({"Variable":"$.a.n","NumericLessThanPath":"$.a.m"})");
  auto str = compile(R"({"Variable":"$.a.s","StringMatches":"x*z"})");
  auto ts = compile(R"({"And":[{"Variable":"$.a.t","TimestampGreaterThan":"2012-10-09T19:00:55Z"},
                               {"Variable":"$.a.t","IsTimestamp":true},
                               {"Not":{"Variable":"$.a.missing","IsPresent":true}}]})");
  Docs docs(parse(R"({"a":{"n":1,"m":2,"s":"xyz","t":"2012-10-09T19:00:56+00:00"}})"));
#if defined(STEPD_COUNTS_ALLOCATIONS)
  REQUIRE(install_allocation_hooks());
  g_allocations = 0;
  g_count_allocations = true;
#endif
  auto a = matches(*num, docs);
  auto b = matches(*str, docs);
  auto c = matches(*ts, docs);
#if defined(STEPD_COUNTS_ALLOCATIONS)
  g_count_allocations = false;
  CHECK(g_allocations == 0);
#else
  WARN("allocations are counted only in AddressSanitizer builds");
#endif
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  CHECK(a.value());
  CHECK(b.value());
  CHECK(c.value());
}
