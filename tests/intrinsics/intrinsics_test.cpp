#include "src/intrinsics/intrinsics.h"

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <catch2/catch.hpp>

#include "src/common/json.h"

// Most expected values below are AWS's recorded outputs from the localstack
// conformance corpus (snapshots/intrinsic_functions/*.snapshot.json and
// snapshots/assign/test_assign_reference_variables.snapshot.json), copied
// by hand. The call text is the corpus template's; the input is the recorded
// execution input.

namespace {

namespace bj = boost::json;
namespace in = stepd::intrinsics;
using stepd::Code;

bj::value json_of(std::string_view text) {
  auto v = stepd::json::parse(text);
  REQUIRE(v.ok());
  return std::move(v).value();
}

// Input, context object and variables given as JSON text.
class FakeDocs : public stepd::jsonpath::Documents {
 public:
  explicit FakeDocs(std::string_view input, std::string_view context = "{}", std::string_view variables = "{}")
      : input_(json_of(input)), context_(json_of(context)), variables_(json_of(variables)) {}
  const bj::value& input() const override { return input_; }
  const bj::value& context() const override { return context_; }
  const bj::value* variable(std::string_view name) const override {
    return variables_.as_object().if_contains(name);
  }

 private:
  bj::value input_;
  bj::value context_;
  bj::value variables_;
};

// Hands out the given words in turn, then repeats the last one.
struct ScriptedEntropy {
  std::vector<std::uint64_t> words;
  std::size_t next = 0;
  std::uint64_t operator()() { return words[next < words.size() ? next++ : words.size() - 1]; }
};

stepd::Result<bj::value> try_eval(std::string_view call, const FakeDocs& docs,
                                  std::vector<std::uint64_t> entropy = {42}) {
  auto e = in::parse(call);
  REQUIRE(e.ok());
  std::function<std::uint64_t()> draw = ScriptedEntropy{std::move(entropy)};
  return in::eval(**e, docs, draw);
}

// The compact JSON text of the call's result; fails the test if it fails.
std::string eval_text(std::string_view call, std::string_view input = "{}") {
  FakeDocs docs(input);
  auto r = try_eval(call, docs);
  INFO(call << " -> " << r.status().message());
  REQUIRE(r.ok());
  return stepd::json::to_json(*r);
}

// The Status of a call that parses but fails when evaluated.
stepd::Status eval_failure(std::string_view call, std::string_view input = "{}") {
  FakeDocs docs(input);
  auto r = try_eval(call, docs);
  REQUIRE_FALSE(r.ok());
  return r.status();
}

void check_intrinsic_failure(std::string_view call, std::string_view input, std::string_view function) {
  INFO(call << " with input " << input);
  auto st = eval_failure(call, input);
  CHECK(st.code() == Code::kFailed);
  CHECK(st.error() == "States.IntrinsicFailure");
  CHECK_THAT(st.message(), Catch::Contains(std::string(function)));
}

void check_parse_error(std::string_view call, std::string_view function) {
  INFO(call);
  auto r = in::parse(call);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::Contains(std::string(function)));
}

}  // namespace

// ---------------------------------------------------------------------------
// Recognising and parsing calls

TEST_CASE("a value is taken for an intrinsic call exactly when it starts with States.") {
  CHECK(in::looks_like_call("States.Array()"));
  CHECK(in::looks_like_call("States.Anything"));
  CHECK_FALSE(in::looks_like_call("$.States.Array"));
  CHECK_FALSE(in::looks_like_call(" States.Array()"));
  CHECK_FALSE(in::looks_like_call("states.Array()"));
  CHECK_FALSE(in::looks_like_call(""));
}

TEST_CASE("whitespace between arguments is allowed") {
  CHECK(eval_text("States.Format( 'a{}b{}' ,\t$.x ,'c' )", R"({"x":1})") == R"("a1bc")");
  CHECK(eval_text("States.Format('{}{}',$.x,'c')", R"({"x":1})") == R"("1c")");
  CHECK(eval_text("States.Array( )") == "[]");
  CHECK(eval_text("States.Array(1, 2)  ") == "[1,2]");
}

TEST_CASE("literal arguments cover strings, integers, decimals, negatives, null and booleans") {
  CHECK(eval_text("States.Array('x', 1, -2, 3.5, -0.25, null, true, false)") ==
        R"(["x",1,-2,3.5,-0.25,null,true,false])");
  CHECK(eval_text("States.Array('')") == R"([""])");
}

TEST_CASE("paths may start from the input, the context object or a variable") {
  FakeDocs docs(R"({"a":{"b":[10,20]}})", R"({"Execution":{"Name":"run-1"}})", R"({"total":7})");
  auto r = try_eval("States.Array($.a.b[1], $$.Execution.Name, $total, $)", docs);
  REQUIRE(r.ok());
  CHECK(stepd::json::to_json(*r) == R"([20,"run-1",7,{"a":{"b":[10,20]}}])");
}

TEST_CASE("a bracketed path keeps its commas, spaces and parentheses") {
  CHECK(eval_text("States.Array($['a, b)'], 1)", R"j({"a, b)":"v"})j") == R"(["v",1])");
}

TEST_CASE("a path that does not resolve fails with jsonpath's not-found status") {
  auto st = eval_failure("States.Array($.missing)", R"({"other":1})");
  CHECK(st.code() == Code::kNotFound);
  CHECK_FALSE(st.message().empty());
}

TEST_CASE("a parsed call can be evaluated many times against different inputs") {
  auto e = in::parse("States.MathAdd($.n, 1)");
  REQUIRE(e.ok());
  std::function<std::uint64_t()> draw = [] { return std::uint64_t{0}; };
  FakeDocs one(R"({"n":1})");
  FakeDocs two(R"({"n":41})");
  CHECK(stepd::json::to_json(*in::eval(**e, one, draw)) == "2");
  CHECK(stepd::json::to_json(*in::eval(**e, two, draw)) == "42");
  CHECK(stepd::json::to_json(*in::eval(**e, one, draw)) == "2");
}

TEST_CASE("calls nest up to ten levels") {
  std::string ten = "1";
  for (int i = 0; i < 10; ++i) ten = "States.MathAdd(" + ten + ", 1)";
  CHECK(eval_text(ten) == "11");

  std::string eleven = "States.Array(" + ten + ")";
  check_parse_error(eleven, "States.MathAdd");
}

TEST_CASE("AWS's documented nested example evaluates once its template matches its arguments") {
  // The developer guide's example has '{}.{}.{}' with two arguments, which
  // could never run; with '{}.{}' it takes the version apart.
  const char* call =
      "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem("
      "States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit("
      "States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))";
  CHECK(eval_text(call, R"({"ImageRecipe":{"Arn":"arn:aws:imagebuilder:us-east-1:1:image-recipe/my.recipe/1.0.0"}})") ==
        R"("1.0")");
}

TEST_CASE("malformed calls are refused at parse time with the function named") {
  SECTION("unknown function") {
    auto r = in::parse("States.Nope(1)");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains("States.Nope"));
  }
  SECTION("function names are case sensitive") {
    auto r = in::parse("States.uuid()");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("States.uuid"));
  }
  SECTION("syntax") {
    check_parse_error("States.Array(1,)", "States.Array");
    check_parse_error("States.Array(1 2)", "States.Array");
    check_parse_error("States.Array(1", "States.Array");
    check_parse_error("States.Array('abc)", "States.Array");
    check_parse_error("States.Array(abc)", "States.Array");
    check_parse_error("States.Array(1.2.3)", "States.Array");
    check_parse_error("States.Array(01)", "States.Array");
    check_parse_error("States.Array(1) x", "States.Array");
    check_parse_error("States.Array", "States.Array");
    check_parse_error("States.Array($.a[)", "States.Array");
  }
  SECTION("argument counts") {
    check_parse_error("States.ArrayRange(1, 2)", "States.ArrayRange");
    check_parse_error("States.UUID(1)", "States.UUID");
    check_parse_error("States.Format()", "States.Format");
    check_parse_error("States.MathRandom(1)", "States.MathRandom");
    check_parse_error("States.MathRandom(1, 2, 3, 4)", "States.MathRandom");
    check_parse_error("States.JsonMerge($.a, $.b)", "States.JsonMerge");
    check_parse_error("States.StringToJson()", "States.StringToJson");
  }
  SECTION("a nested error names the nested function") {
    check_parse_error("States.Array(States.MathAdd(1))", "States.MathAdd");
  }
}

TEST_CASE("a literal of a type the function can never accept is refused at parse time") {
  check_parse_error("States.ArrayLength('abc')", "States.ArrayLength");
  check_parse_error("States.MathAdd('1', 2)", "States.MathAdd");
  check_parse_error("States.Base64Encode(12)", "States.Base64Encode");
  check_parse_error("States.Format(1)", "States.Format");
  check_parse_error("States.JsonMerge($.a, $.b, true)", "States.JsonMerge");
  check_parse_error("States.JsonToString('{}')", "States.JsonToString");
}

// ---------------------------------------------------------------------------
// String literal escapes

TEST_CASE("the escapes \\' \\{ \\} and \\\\ stand for the character itself") {
  CHECK(eval_text(R"(States.Array('it\'s', '\{', '\}', 'a\\b'))") == R"(["it's","{","}","a\\b"])");
}

TEST_CASE("an escaped brace pair in a Format template is text, not a placeholder") {
  CHECK(eval_text(R"(States.Format('\{\} and {}', 'x'))") == R"("{} and x")");
  CHECK(eval_text(R"(States.Format('{\} {}', 'x'))") == R"("{} x")");
}

TEST_CASE("any other backslash in a literal is refused, as AWS refuses \\\" in a definition") {
  // test_illegal_escapes[ESCAPE_SEQUENCES_ILLEGAL_INTRINSIC_FUNCTION(_2)]: AWS
  // answers InvalidDefinition for both.
  check_parse_error(R"(States.StringToJson('{"text":"An \"escaped double quote\" here"}'))", "States.StringToJson");
  check_parse_error(R"(States.Format('He said, \"Hello, {}!\"', 'Test \"Name\" Here'))", "States.Format");
  check_parse_error(R"(States.Array('a\nb'))", "States.Array");
  check_parse_error(R"(States.Array('a\'))", "States.Array");
}

TEST_CASE("unescaped braces and double quotes are ordinary text outside a Format template") {
  // test_json_merge_escaped_argument, recorded output.
  FakeDocs docs("{}", R"({"Execution":{"Input":{"input_field":{"constant_input_field":"constant_value"}}}})");
  auto r = try_eval(
      R"(States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), $$.Execution.Input.input_field, false))",
      docs);
  REQUIRE(r.ok());
  CHECK(stepd::json::to_json(*r) == R"({"constant_input_field":"constant_value","constant_in_literal":"false"})");
}

TEST_CASE("a raw control character inside a literal is kept") {
  // test_escape_sequence: the JSON "\n" in the template is a real newline.
  CHECK(eval_text("States.StringSplit('Hello\nWorld', '\n')") == R"(["Hello","World"])");
}

// ---------------------------------------------------------------------------
// States.Format

TEST_CASE("Format prints strings bare and other scalars as AWS recorded") {
  const char* call = "States.Format('Formatting argument {}.', $.FunctionInput)";
  CHECK(eval_text(call, R"({"FunctionInput":""})") == R"("Formatting argument .")");
  CHECK(eval_text(call, R"({"FunctionInput":" "})") == R"("Formatting argument  .")");
  CHECK(eval_text(call, R"({"FunctionInput":"HelloWorld"})") == R"("Formatting argument HelloWorld.")");
  CHECK(eval_text(call, R"({"FunctionInput":null})") == R"("Formatting argument null.")");
  CHECK(eval_text(call, R"({"FunctionInput":1})") == R"("Formatting argument 1.")");
  CHECK(eval_text(call, R"({"FunctionInput":1.1})") == R"("Formatting argument 1.1.")");
  CHECK(eval_text(call, R"({"FunctionInput":"{\"Arg1\": 1, \"Arg2\": []}"})") ==
        R"("Formatting argument {\"Arg1\": 1, \"Arg2\": []}.")");
  CHECK(eval_text("States.Format('{} {}', true, false)") == R"("true false")");
  CHECK(eval_text("States.Format('Format:{}', 101)") == R"("Format:101")");
}

TEST_CASE("Format prints an object as Java's Map.toString, as AWS recorded") {
  const char* call = "States.Format('Formatting arguments fst={} and snd={}.', $.FunctionInput.fst, $.FunctionInput.snd)";
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":{"Arg1":1,"Arg2":[]},"snd":{"Arg1":1,"Arg2":[]}}})") ==
        R"("Formatting arguments fst={Arg1=1, Arg2=[]} and snd={Arg1=1, Arg2=[]}.")");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":"","snd":""}})") == R"("Formatting arguments fst= and snd=.")");
}

TEST_CASE("Format prints an array as Java's List.toString") {
  CHECK(eval_text("States.Format('{}', $.a)", R"({"a":[1,"b",null,{"k":2.5}]})") == R"("[1, b, null, {k=2.5}]")");
}

TEST_CASE("Format reads context object paths") {
  // test_context_json_path, with the recorded shape of $$.StateMachine.
  FakeDocs docs("{}", R"({"Execution":{"Name":"exec-1"},"StateMachine":{"Id":"arn:aws:states:us-east-1:111111111111:stateMachine:sm","Name":"sm"}})");
  auto r = try_eval("States.Format('Formatting arguments fst={} and snd={}.', $$.Execution.Name, $$.StateMachine)", docs);
  REQUIRE(r.ok());
  CHECK(r->as_string() ==
        "Formatting arguments fst=exec-1 and snd={Id=arn:aws:states:us-east-1:111111111111:stateMachine:sm, Name=sm}.");
}

TEST_CASE("Format's template may come from a path") {
  CHECK(eval_text("States.Format($.template, $.name)", R"({"name":"Arnav","template":"Hello, my name is {}."})") ==
        R"("Hello, my name is Arnav.")");
}

TEST_CASE("Format needs one argument per placeholder") {
  check_parse_error("States.Format('{} {}', 1)", "States.Format");
  check_parse_error("States.Format('{}', 1, 2)", "States.Format");
  check_intrinsic_failure("States.Format($.t, 1)", R"({"t":"{} {}"})", "States.Format");
  check_intrinsic_failure("States.Format($.t, 1)", R"({"t":7})", "States.Format");
}

// ---------------------------------------------------------------------------
// JSON manipulation

TEST_CASE("StringToJson parses the string, as AWS recorded") {
  const char* call = "States.StringToJson($.FunctionInput)";
  CHECK(eval_text(call, R"({"FunctionInput":""})") == "null");
  CHECK(eval_text(call, R"({"FunctionInput":" "})") == "null");
  CHECK(eval_text(call, R"({"FunctionInput":"null"})") == "null");
  CHECK(eval_text(call, R"({"FunctionInput":"-0"})") == "0");
  CHECK(eval_text(call, R"({"FunctionInput":"1"})") == "1");
  CHECK(eval_text(call, R"({"FunctionInput":"1.1"})") == "1.1");
  CHECK(eval_text(call, R"({"FunctionInput":"true"})") == "true");
  CHECK(eval_text(call, R"({"FunctionInput":"\"HelloWorld\""})") == R"("HelloWorld")");
  CHECK(eval_text(call, R"({"FunctionInput":"[1, 2, \"HelloWorld\"]"})") == R"([1,2,"HelloWorld"])");
  CHECK(eval_text(call, R"({"FunctionInput":"{\"Arg1\": 1, \"Arg2\": []}"})") == R"({"Arg1":1,"Arg2":[]})");
}

TEST_CASE("StringToJson fails on text that is not JSON or a value that is not a string") {
  check_intrinsic_failure("States.StringToJson($.s)", R"({"s":"{nope"})", "States.StringToJson");
  check_intrinsic_failure("States.StringToJson($.s)", R"({"s":{"a":1}})", "States.StringToJson");
}

TEST_CASE("JsonToString writes compact JSON, as AWS recorded") {
  const char* call = "States.JsonToString($.FunctionInput)";
  CHECK(eval_text(call, R"({"FunctionInput":null})") == R"("null")");
  CHECK(eval_text(call, R"({"FunctionInput":0})") == R"("0")");
  CHECK(eval_text(call, R"({"FunctionInput":1})") == R"("1")");
  CHECK(eval_text(call, R"({"FunctionInput":1.1})") == R"("1.1")");
  CHECK(eval_text(call, R"({"FunctionInput":true})") == R"("true")");
  CHECK(eval_text(call, R"({"FunctionInput":"HelloWorld"})") == R"("\"HelloWorld\"")");
  CHECK(eval_text(call, R"({"FunctionInput":[1, 2, "HelloWorld"]})") == R"("[1,2,\"HelloWorld\"]")");
  CHECK(eval_text(call, R"({"FunctionInput":{"Arg1": 1, "Arg2": []}})") == R"("{\"Arg1\":1,\"Arg2\":[]}")");
}

TEST_CASE("JsonMerge is shallow, the second object wins, keys in AWS's recorded order") {
  CHECK(eval_text("States.JsonMerge($.FunctionInput.fst, $.FunctionInput.snd, false)",
                  R"({"FunctionInput":{"fst":{"a":{"a1":1,"a2":2},"b":2,"d":3},"snd":{"a":{"a3":1,"a4":2},"c":3,"d":4}}})") ==
        R"({"a":{"a3":1,"a4":2},"b":2,"c":3,"d":4})");
  CHECK(eval_text("States.JsonMerge($.json1, $.json2, false)", R"({"json1":{"a":1,"b":2},"json2":{"c":3,"d":4}})") ==
        R"({"a":1,"b":2,"c":3,"d":4})");
}

TEST_CASE("JsonMerge needs two objects and a false third argument") {
  check_intrinsic_failure("States.JsonMerge($.a, $.b, false)", R"({"a":[1],"b":{}})", "States.JsonMerge");
  check_intrinsic_failure("States.JsonMerge($.a, $.b, false)", R"({"a":{},"b":"x"})", "States.JsonMerge");
  check_intrinsic_failure("States.JsonMerge($.a, $.b, $.deep)", R"({"a":{},"b":{},"deep":true})", "States.JsonMerge");
  CHECK(eval_text("States.JsonMerge($.a, $.b, $.deep)", R"({"a":{"x":1},"b":{},"deep":false})") == R"({"x":1})");
}

// ---------------------------------------------------------------------------
// Arrays

TEST_CASE("Array collects its arguments in order, as AWS recorded") {
  CHECK(eval_text("States.Array()", R"({"FunctionInput":"HelloWorld"})") == "[]");
  const char* call = "States.Array($.FunctionInput.fst, $.FunctionInput.snd)";
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":"","snd":""}})") == R"(["",""])");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":null,"snd":null}})") == "[null,null]");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":1.1,"snd":1.1}})") == "[1.1,1.1]");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":{"Arg1":1,"Arg2":[]},"snd":{"Arg1":1,"Arg2":[]}}})") ==
        R"([{"Arg1":1,"Arg2":[]},{"Arg1":1,"Arg2":[]}])");
  CHECK(eval_text("States.Array('a', 'b', 'c')") == R"(["a","b","c"])");
}

TEST_CASE("ArrayPartition chunks an array, the last chunk possibly shorter, as AWS recorded") {
  const char* call = "States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd)";
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[],"snd":1}})") == "[]");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[0],"snd":5}})") == "[[0]]");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[0,1],"snd":1}})") == "[[0],[1]]");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[0,1,2],"snd":2}})") == "[[0,1],[2]]");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[0,1,2,3],"snd":2}})") == "[[0,1],[2,3]]");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[0,1,2,3],"snd":3}})") == "[[0,1,2],[3]]");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[0,1,2,3],"snd":4}})") == "[[0,1,2,3]]");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[0,1,2,3],"snd":5}})") == "[[0,1,2,3]]");
  CHECK(eval_text("States.ArrayPartition($.a, 4)", R"({"a":[1,2,3,4,5,6,7,8,9]})") == "[[1,2,3,4],[5,6,7,8],[9]]");
}

TEST_CASE("ArrayPartition rounds the chunk size and refuses one below 1") {
  CHECK(eval_text("States.ArrayPartition($.a, 1.5)", R"({"a":[1,2,3]})") == "[[1,2],[3]]");
  check_intrinsic_failure("States.ArrayPartition($.a, 0)", R"({"a":[1]})", "States.ArrayPartition");
  check_intrinsic_failure("States.ArrayPartition($.a, -2)", R"({"a":[1]})", "States.ArrayPartition");
  check_intrinsic_failure("States.ArrayPartition($.a, 2)", R"({"a":"abc"})", "States.ArrayPartition");
}

TEST_CASE("ArrayContains compares deeply, as AWS recorded") {
  const char* call = "States.ArrayContains($.FunctionInput.fst, $.FunctionInput.snd)";
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[],"snd":null}})") == "false");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[],"snd":[]}})") == "false");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[],"snd":1}})") == "false");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[[1,2,3],2],"snd":null}})") == "false");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[[1,2,3],2],"snd":[1,2,3]}})") == "true");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[{"1":2,"2":[]}],"snd":[]}})") == "false");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[{"1":2,"2":[]}],"snd":{"1":2,"2":[]}}})") == "true");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[true,false],"snd":true}})") == "true");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":[true,false],"snd":false}})") == "true");
  CHECK(eval_text("States.ArrayContains($.inputArray, 5)", R"({"inputArray":[1,2,3,4,5,6]})") == "true");
}

TEST_CASE("ArrayContains ignores key order in objects and tells integers from decimals") {
  CHECK(eval_text("States.ArrayContains($.a, $.v)", R"({"a":[{"x":1,"y":2}],"v":{"y":2,"x":1}})") == "true");
  CHECK(eval_text("States.ArrayContains($.a, $.v)", R"({"a":[1],"v":1.0})") == "false");
}

TEST_CASE("ArrayRange includes both ends when the step lands on them, as AWS recorded") {
  const char* call = "States.ArrayRange($.FunctionInput.fst, $.FunctionInput.snd, $.FunctionInput.trd)";
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":0,"snd":9,"trd":3}})") == "[0,3,6,9]");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":0,"snd":10,"trd":3}})") == "[0,3,6,9]");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":1,"snd":9,"trd":9}})") == "[1]");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":1,"snd":9,"trd":2}})") == "[1,3,5,7,9]");
  CHECK(eval_text("States.ArrayRange(1, 10, 2)") == "[1,3,5,7,9]");
}

TEST_CASE("ArrayRange counts down with a negative step and rounds its arguments") {
  CHECK(eval_text("States.ArrayRange(5, 1, -2)") == "[5,3,1]");
  CHECK(eval_text("States.ArrayRange(5, 1, 1)") == "[]");
  CHECK(eval_text("States.ArrayRange(0.5, 3.4, 1.2)") == "[1,2,3]");
}

TEST_CASE("ArrayRange refuses a zero step and more than 1000 elements") {
  check_intrinsic_failure("States.ArrayRange(1, 5, $.s)", R"({"s":0})", "States.ArrayRange");
  check_intrinsic_failure("States.ArrayRange(1, 5, $.s)", R"({"s":0.4})", "States.ArrayRange");
  CHECK(eval_text("States.ArrayLength(States.ArrayRange(1, 1000, 1))") == "1000");
  check_intrinsic_failure("States.ArrayRange(1, 1001, 1)", "{}", "States.ArrayRange");
  check_intrinsic_failure("States.ArrayRange(0, 9000000000000000000, 1)", "{}", "States.ArrayRange");
  check_intrinsic_failure("States.ArrayRange($.a, 5, 1)", R"({"a":"1"})", "States.ArrayRange");
}

TEST_CASE("ArrayGetItem returns the item at a zero-based index, as AWS recorded") {
  CHECK(eval_text("States.ArrayGetItem($.FunctionInput.fst, $.FunctionInput.snd)",
                  R"({"FunctionInput":{"fst":[1,2,3,4,5,6,7,8,9],"snd":5}})") == "6");
  CHECK(eval_text("States.ArrayGetItem($.inputArray, 2)", R"({"inputArray":[1,2,3,4,5,6]})") == "3");
  CHECK(eval_text("States.ArrayGetItem($.a, 0)", R"({"a":[{"k":[1]}]})") == R"({"k":[1]})");
}

TEST_CASE("ArrayGetItem refuses indexes outside the array and fractional ones") {
  check_intrinsic_failure("States.ArrayGetItem($.a, 3)", R"({"a":[1,2,3]})", "States.ArrayGetItem");
  check_intrinsic_failure("States.ArrayGetItem($.a, -1)", R"({"a":[1,2,3]})", "States.ArrayGetItem");
  check_intrinsic_failure("States.ArrayGetItem($.a, 1.5)", R"({"a":[1,2,3]})", "States.ArrayGetItem");
  check_intrinsic_failure("States.ArrayGetItem($.a, $.i)", R"({"a":[1,2,3],"i":"1"})", "States.ArrayGetItem");
  check_intrinsic_failure("States.ArrayGetItem($.a, 0)", R"({"a":{"0":1}})", "States.ArrayGetItem");
}

TEST_CASE("ArrayLength counts items, as AWS recorded") {
  CHECK(eval_text("States.ArrayLength($.FunctionInput)", R"({"FunctionInput":[1,2,3,4,5,6,7,8,9]})") == "9");
  CHECK(eval_text("States.ArrayLength($.FunctionInput)",
                  R"({"FunctionInput":[null,null,true,true,false,false,1,1,1.1,0,0,"HelloWorld","HelloWorld",[],[],[null],[null],{"a":1,"b":2},{"a":1,"b":2},{"a":1,"b":1}]})") ==
        "20");
  CHECK(eval_text("States.ArrayLength($.a)", R"({"a":[]})") == "0");
  check_intrinsic_failure("States.ArrayLength($.a)", R"({"a":"abc"})", "States.ArrayLength");
}

TEST_CASE("ArrayUnique keeps the first of each distinct value in order") {
  CHECK(eval_text("States.ArrayUnique($.duplicateArray)", R"({"duplicateArray":[1,2,2,3,3,4]})") == "[1,2,3,4]");
  CHECK(eval_text("States.ArrayUnique($.a)",
                  R"({"a":[null,null,true,true,false,false,1,1,1.1,0,0,"HelloWorld","HelloWorld",[],[],[null],[null],{"a":1,"b":2},{"b":2,"a":1},{"a":1,"b":1}]})") ==
        R"([null,true,false,1,1.1,0,"HelloWorld",[],[null],{"a":1,"b":2},{"a":1,"b":1}])");
  CHECK(eval_text("States.ArrayUnique($.a)", R"({"a":[3,1,3,"3",1.0,1]})") == R"([3,1,"3",1.0])");
  check_intrinsic_failure("States.ArrayUnique($.a)", R"({"a":null})", "States.ArrayUnique");
}

// ---------------------------------------------------------------------------
// Encoding and hashing

TEST_CASE("Base64Encode and Base64Decode round-trip AWS's recorded values") {
  CHECK(eval_text("States.Base64Encode($.FunctionInput)", R"({"FunctionInput":""})") == R"("")");
  CHECK(eval_text("States.Base64Encode($.FunctionInput)", R"({"FunctionInput":"Data to encode"})") ==
        R"("RGF0YSB0byBlbmNvZGU=")");
  CHECK(eval_text("States.Base64Decode($.FunctionInput)", R"({"FunctionInput":""})") == R"("")");
  CHECK(eval_text("States.Base64Decode($.FunctionInput)", R"({"FunctionInput":"RGF0YSB0byBlbmNvZGU="})") ==
        R"("Data to encode")");
  CHECK(eval_text("States.Base64Encode($.rawString)", R"({"rawString":"Hello World"})") == R"("SGVsbG8gV29ybGQ=")");
  CHECK(eval_text("States.Base64Decode('SGVsbG8gV29ybGQ=')") == R"("Hello World")");
}

TEST_CASE("Base64Encode encodes the UTF-8 bytes of the string") {
  CHECK(eval_text("States.Base64Encode('\xC3\xA9')") == R"("w6k=")");
}

TEST_CASE("Base64Decode refuses text that is not Base64 and replaces bytes that are not UTF-8") {
  check_intrinsic_failure("States.Base64Decode($.s)", R"({"s":"not base64!"})", "States.Base64Decode");
  check_intrinsic_failure("States.Base64Decode($.s)", R"({"s":"QUI=="})", "States.Base64Decode");
  check_intrinsic_failure("States.Base64Decode($.s)", R"({"s":1})", "States.Base64Decode");
  // "/w==" is the single byte 0xFF: Java's decoder turns it into U+FFFD.
  CHECK(eval_text("States.Base64Decode('/w==')") == "\"\xEF\xBF\xBD\"");
}

TEST_CASE("Base64 and Hash inputs are limited to 10000 characters") {
  std::string at_limit(10000, 'a');
  std::string over_limit(10001, 'a');
  CHECK(eval_text("States.ArrayLength(States.Array(States.Base64Encode($.s)))", R"({"s":")" + at_limit + R"("})") == "1");
  check_intrinsic_failure("States.Base64Encode($.s)", R"({"s":")" + over_limit + R"("})", "States.Base64Encode");
  check_intrinsic_failure("States.Base64Decode($.s)", R"({"s":")" + std::string(10004, 'A') + R"("})",
                          "States.Base64Decode");
  check_intrinsic_failure("States.Hash($.s, 'MD5')", R"({"s":")" + over_limit + R"("})", "States.Hash");
}

TEST_CASE("Hash gives AWS's recorded lowercase hex digests") {
  const char* call = "States.Hash($.FunctionInput.fst, $.FunctionInput.snd)";
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":"input data","snd":"MD5"}})") ==
        R"("812f45842bc6d66ee14572ce20db8e86")");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":"input data","snd":"SHA-1"}})") ==
        R"("aaff4a450a104cd177d28d18d74485e8cae074b7")");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":"input data","snd":"SHA-256"}})") ==
        R"("b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3")");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":"input data","snd":"SHA-384"}})") ==
        R"("d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562")");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":"input data","snd":"SHA-512"}})") ==
        R"("6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4")");
  CHECK(eval_text("States.Hash($.inputString, 'SHA-256')", R"({"inputString":"Hash this string"})") ==
        R"("1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e")");
}

TEST_CASE("Hash refuses an algorithm outside AWS's list") {
  check_intrinsic_failure("States.Hash('x', $.alg)", R"({"alg":"SHA256"})", "States.Hash");
  check_intrinsic_failure("States.Hash('x', $.alg)", R"({"alg":"sha-256"})", "States.Hash");
  check_intrinsic_failure("States.Hash('x', $.alg)", R"({"alg":5})", "States.Hash");
  check_intrinsic_failure("States.Hash($.d, 'MD5')", R"({"d":{"a":1}})", "States.Hash");
}

// ---------------------------------------------------------------------------
// Math

TEST_CASE("MathAdd rounds each argument half up, as AWS recorded") {
  const char* call = "States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd)";
  struct Case {
    const char* fst;
    const char* snd;
    const char* sum;
  };
  const Case cases[] = {
      {"-9", "3", "-6"},     {"1.49", "1.5", "3"},   {"1.5", "1.51", "4"},  {"-1.49", "-1.5", "-2"},
      {"-1.5", "-1.51", "-3"}, {"1.49", "0", "1"},   {"1.49", "-1.49", "0"}, {"1.5", "0", "2"},
      {"1.51", "0", "2"},    {"-1.49", "0", "-1"},   {"-1.5", "0", "-1"},   {"-1.51", "0", "-2"},
      {"0.5", "0", "1"},     {"2.5", "0", "3"},      {"3.5", "0", "4"},     {"-0.5", "0.5", "1"},
      {"-0.5", "0", "0"},    {"-2.5", "0", "-2"},    {"-3.5", "0", "-3"},
  };
  for (const auto& c : cases) {
    std::string input = std::string(R"({"FunctionInput":{"fst":)") + c.fst + R"(,"snd":)" + c.snd + "}}";
    INFO(input);
    CHECK(eval_text(call, input) == c.sum);
  }
  CHECK(eval_text("States.MathAdd($.value1, $.value2)", R"({"value1":5,"value2":3})") == "8");
  CHECK(eval_text("States.MathAdd(111, -1)") == "110");
}

TEST_CASE("MathAdd accepts only 32-bit integers") {
  CHECK(eval_text("States.MathAdd(2147483647, -1)") == "2147483646");
  CHECK(eval_text("States.MathAdd(-2147483648, 0)") == "-2147483648");
  check_intrinsic_failure("States.MathAdd(2147483648, 0)", "{}", "States.MathAdd");
  check_intrinsic_failure("States.MathAdd(0, -2147483649)", "{}", "States.MathAdd");
  check_intrinsic_failure("States.MathAdd($.a, 1)", R"({"a":"1"})", "States.MathAdd");
}

TEST_CASE("MathRandom draws from start inclusive to end exclusive using the entropy") {
  // (12.50, 44.51) is a recorded input; it rounds to [13, 45).
  FakeDocs docs(R"({"FunctionInput":{"fst":12.5,"snd":44.51}})");
  const char* call = "States.MathRandom($.FunctionInput.fst, $.FunctionInput.snd)";
  auto low = try_eval(call, docs, {0});
  auto high = try_eval(call, docs, {~std::uint64_t{0}});
  auto mid = try_eval(call, docs, {std::uint64_t{1} << 63});
  REQUIRE(low.ok());
  REQUIRE(high.ok());
  REQUIRE(mid.ok());
  CHECK(low->as_int64() == 13);
  CHECK(high->as_int64() == 44);
  CHECK(mid->as_int64() == 29);

  FakeDocs negative(R"({"a":-99999,"b":-9999})");
  auto r = try_eval("States.MathRandom($.a, $.b)", negative, {~std::uint64_t{0}});
  REQUIRE(r.ok());
  CHECK(r->as_int64() == -10000);
}

TEST_CASE("MathRandom with a seed gives the same number regardless of the entropy") {
  FakeDocs docs(R"({"FunctionInput":{"fst":0,"snd":999,"trd":3}})");
  const char* call = "States.MathRandom($.FunctionInput.fst, $.FunctionInput.snd, $.FunctionInput.trd)";
  auto a = try_eval(call, docs, {1});
  auto b = try_eval(call, docs, {0xDEADBEEF});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(stepd::json::to_json(*a) == stepd::json::to_json(*b));
  // The JVM's new java.util.Random(3).nextInt(999).
  CHECK(a->as_int64() == 239);
  auto other_seed = try_eval("States.MathRandom(0, 999, 4)", docs);
  REQUIRE(other_seed.ok());
  CHECK(other_seed->as_int64() == 404);  // new java.util.Random(4).nextInt(999)
}

TEST_CASE("MathRandom refuses an empty range and non-numbers") {
  check_intrinsic_failure("States.MathRandom(5, 5)", "{}", "States.MathRandom");
  check_intrinsic_failure("States.MathRandom(6, 5)", "{}", "States.MathRandom");
  check_intrinsic_failure("States.MathRandom($.a, 5)", R"({"a":"1"})", "States.MathRandom");
  check_intrinsic_failure("States.MathRandom(1, 5, $.seed)", R"({"seed":null})", "States.MathRandom");
}

// ---------------------------------------------------------------------------
// Strings and identifiers

TEST_CASE("StringSplit splits at every delimiter character and drops empty pieces, as AWS recorded") {
  const char* call = "States.StringSplit($.FunctionInput.fst, $.FunctionInput.snd)";
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":" ","snd":","}})") == R"([" "])");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":" , ","snd":","}})") == R"([" "," "])");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":", , ,","snd":","}})") == R"([" "," "])");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":",,,,","snd":","}})") == "[]");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":"1,2,3,4,5","snd":","}})") == R"(["1","2","3","4","5"])");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":"This.is+a,test=string","snd":".+,="}})") ==
        R"(["This","is","a","test","string"])");
  CHECK(eval_text(call, R"({"FunctionInput":{"fst":"split on T and \nnew line","snd":"T\n"}})") ==
        R"(["split on "," and ","new line"])");
}

TEST_CASE("StringSplit keeps newlines that are not delimiters, as AWS recorded") {
  FakeDocs docs("{}",
                R"({"Execution":{"Input":{"FunctionInput":"Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"}}})");
  auto r = try_eval("States.StringSplit($$.Execution.Input.FunctionInput, ',')", docs);
  REQUIRE(r.ok());
  CHECK(stepd::json::to_json(*r) ==
        R"(["Value1","Value2","Value3\nValue4","Value5","Value6\n","\ntrue","1","'HelloWorld'\nNull","None","\n   \n"])");
}

TEST_CASE("StringSplit treats a multi-byte character as one delimiter") {
  CHECK(eval_text("States.StringSplit($.s, $.d)", "{\"s\":\"a\xC3\xA9" "b\xC3\xA8" "c\",\"d\":\"\xC3\xA9\"}") ==
        "[\"a\",\"b\xC3\xA8" "c\"]");
  CHECK(eval_text("States.StringSplit('', ',')") == "[]");
  check_intrinsic_failure("States.StringSplit($.s, ',')", R"({"s":["a,b"]})", "States.StringSplit");
}

TEST_CASE("nested calls from the corpus take the state machine name apart") {
  // test_nested_calls_1/2: the machine is named statemachine_<uid>, which has
  // no '-', so both give the whole name back.
  FakeDocs docs("{}", R"({"StateMachine":{"Name":"statemachine_4f1c2d9a"}})");
  auto first = try_eval("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 0)", docs);
  auto last = try_eval(
      "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength("
      "States.StringSplit($$.StateMachine.Name, '-')), -1))",
      docs);
  REQUIRE(first.ok());
  REQUIRE(last.ok());
  CHECK(first->as_string() == "statemachine_4f1c2d9a");
  CHECK(last->as_string() == "statemachine_4f1c2d9a");

  FakeDocs dashed("{}", R"({"StateMachine":{"Name":"a-b-c"}})");
  auto c = try_eval(
      "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength("
      "States.StringSplit($$.StateMachine.Name, '-')), -1))",
      dashed);
  REQUIRE(c.ok());
  CHECK(c->as_string() == "c");
}

TEST_CASE("UUID builds a version 4 UUID from two entropy draws") {
  FakeDocs docs("{}");
  auto r = try_eval("States.UUID()", docs, {0x0123456789abcdefULL, 0xfedcba9876543210ULL});
  REQUIRE(r.ok());
  CHECK(r->as_string() == "01234567-89ab-4def-bedc-ba9876543210");
  auto zeros = try_eval("States.UUID()", docs, {0, 0});
  REQUIRE(zeros.ok());
  CHECK(zeros->as_string() == "00000000-0000-4000-8000-000000000000");
}

TEST_CASE("a failure inside a nested call fails the whole call") {
  check_intrinsic_failure("States.Array(States.ArrayLength($.s))", R"({"s":"x"})", "States.ArrayLength");
}
