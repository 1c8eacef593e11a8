#include "src/asl/validate.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "src/common/json.h"

namespace {

using stepd::asl::Diagnostic;
using stepd::asl::summarize;
using stepd::asl::validate;
using stepd::asl::validate_text;

std::string dump(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) out += d.severity + " " + d.code + ": " + d.message + " @ " + d.location + "\n";
  return out;
}

std::vector<Diagnostic> check(std::string_view text) {
  auto ds = validate_text(text);
  INFO(text);
  INFO(dump(ds));
  return ds;
}

bool has(const std::vector<Diagnostic>& ds, std::string_view code, std::string_view message,
         std::string_view location) {
  for (const auto& d : ds)
    if (d.severity == "ERROR" && d.code == code && d.message == message && d.location == location) return true;
  return false;
}

// Any ERROR at `location` (for messages owned by another module).
bool has_at(const std::vector<Diagnostic>& ds, std::string_view code, std::string_view location) {
  for (const auto& d : ds)
    if (d.severity == "ERROR" && d.code == code && d.location == location) return true;
  return false;
}

bool has_message(const std::vector<Diagnostic>& ds, std::string_view message) {
  for (const auto& d : ds)
    if (d.message == message) return true;
  return false;
}

#define REQUIRE_VALID(text)                 \
  do {                                      \
    auto ds_ = validate_text(text);         \
    INFO(dump(ds_));                        \
    REQUIRE(ds_.empty());                   \
  } while (0)

#define REQUIRE_ERROR(text, code, message, location)        \
  do {                                                      \
    auto ds_ = validate_text(text);                         \
    INFO(dump(ds_));                                        \
    REQUIRE(has(ds_, code, message, location));             \
  } while (0)

constexpr const char* kSchema = "SCHEMA_VALIDATION_FAILED";
constexpr const char* kTarget = "MISSING_TRANSITION_TARGET";

// A one-state machine whose state is `state` (a JSON object body).
std::string one_state(const std::string& state, const std::string& top = "") {
  return "{" + top + R"j("StartAt":"S","States":{"S":)j" + state + "}}";
}

}  // namespace

// --- the definition as a whole -------------------------------------------

TEST_CASE("a minimal Pass machine is valid") {
  REQUIRE_VALID(R"j({"StartAt":"S","States":{"S":{"Type":"Pass","End":true}}})j");
}

TEST_CASE("an empty text is not a JSON object, as AWS says") {
  auto ds = check("");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].code == kSchema);
  CHECK(ds[0].message == "Definition must be a valid JSON object");
  CHECK(ds[0].location.empty());
}

TEST_CASE("unparseable text gives one INVALID_JSON_DESCRIPTION") {
  auto ds = check("not a definition");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].code == "INVALID_JSON_DESCRIPTION");
  CHECK(ds[0].severity == "ERROR");
}

TEST_CASE("a JSON value that is not an object is refused") {
  auto ds = check("[1,2]");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "Definition must be a valid JSON object");
}

TEST_CASE("an empty object lacks States and StartAt, in AWS's order") {
  auto ds = check("{}");
  REQUIRE(ds.size() == 1);
  CHECK(has(ds, kSchema, "These fields are required: [States, StartAt]", "/"));
}

TEST_CASE("a definition without StartAt names only StartAt as missing") {
  auto ds = check(R"j({"States":{"StartState":{"Type":"Pass","End":true}}})j");
  REQUIRE(ds.size() == 1);
  CHECK(has(ds, kSchema, "These fields are required: [StartAt]", "/"));
}

TEST_CASE("a definition without States names only States as missing") {
  auto ds = check(R"j({"Comment":"BASE_INVALID_DER","StartAt":"State_1"})j");
  REQUIRE(ds.size() == 1);
  CHECK(has(ds, kSchema, "These fields are required: [States]", "/"));
}

TEST_CASE("an unknown top-level field is not supported") {
  REQUIRE_ERROR(R"j({"Coment":"x","StartAt":"S","States":{"S":{"Type":"Pass","End":true}}})j", kSchema,
                "Field 'Coment' is not supported", "/");
}

TEST_CASE("top-level Comment, Version, TimeoutSeconds and QueryLanguage are type-checked") {
  auto ds = check(R"j({"Comment":1,"Version":2,"TimeoutSeconds":"x","QueryLanguage":"XPath",
                      "StartAt":"S","States":{"S":{"Type":"Pass","End":true}}})j");
  CHECK(has(ds, kSchema, "Expected value of type [STRING]", "/Comment"));
  CHECK(has(ds, kSchema, "Expected value of type [STRING]", "/Version"));
  CHECK(has(ds, kSchema, "Expected value of type [INTEGER]", "/TimeoutSeconds"));
  CHECK(has(ds, kSchema, "Value should be one of the following: [JSONPath, JSONata]", "/QueryLanguage"));
}

TEST_CASE("top-level Comment, Version, TimeoutSeconds and QueryLanguage of the right types are accepted") {
  REQUIRE_VALID(R"j({"Comment":"c","Version":"1.0","TimeoutSeconds":60,"QueryLanguage":"JSONPath",
                    "StartAt":"S","States":{"S":{"Type":"Pass","End":true}}})j");
}

TEST_CASE("StartAt naming no state is a missing transition target") {
  auto ds = check(R"j({"StartAt":"Nope","States":{"S":{"Type":"Pass","End":true}}})j");
  CHECK(has(ds, kTarget, "Missing 'Next' target: Nope", "/StartAt"));
}

// --- states: Type, fields, transitions -----------------------------------

TEST_CASE("a state without Type names Type as required") {
  REQUIRE_ERROR(one_state(R"j({"End":true})j"), kSchema, "These fields are required: [Type]", "/States/S");
}

TEST_CASE("an unknown Type lists the eight state types, as AWS does") {
  auto ds = check(R"j({"StartAt":"ExistingButInvalidState","States":{"ExistingButInvalidState":
                      {"Type":"TypeThatDoesNotExist","End":true}}})j");
  REQUIRE(ds.size() == 1);
  CHECK(has(ds, kSchema,
            "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
            "/States/ExistingButInvalidState/Type"));
}

TEST_CASE("a field that belongs to another state type is not supported at the state") {
  CHECK(has(check(one_state(R"j({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Result":1,"End":true})j")),
            kSchema, "Field 'Result' is not supported", "/States/S"));
  CHECK(has(check(one_state(R"j({"Type":"Wait","Seconds":1,"Parameters":{},"End":true})j")), kSchema,
            "Field 'Parameters' is not supported", "/States/S"));
  CHECK(has(check(one_state(R"j({"Type":"Pass","TimeoutSeconds":5,"End":true})j")), kSchema,
            "Field 'TimeoutSeconds' is not supported", "/States/S"));
  CHECK(has(check(one_state(R"j({"Type":"Pass","End":true,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"S"}]})j")),
            kSchema, "Field 'Catch' is not supported", "/States/S"));
  CHECK(has(check(one_state(R"j({"Type":"Wait","Seconds":1,"End":true,"Retry":[{"ErrorEquals":["States.ALL"]}]})j")),
            kSchema, "Field 'Retry' is not supported", "/States/S"));
  CHECK(has(check(one_state(R"j({"Type":"Succeed","Assign":{"a":1}})j")), kSchema, "Field 'Assign' is not supported",
            "/States/S"));
}

TEST_CASE("an unknown field on a state is not supported") {
  REQUIRE_ERROR(one_state(R"j({"Type":"Pass","End":true,"Message.$":"$.m"})j"), kSchema,
                "Field 'Message.$' is not supported", "/States/S");
}

TEST_CASE("a state needs Next or End") {
  auto ds = check(R"j({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass"}}})j");
  CHECK(has_at(ds, kSchema, "/States/B"));
}

TEST_CASE("a state cannot have both Next and End") {
  auto ds = check(R"j({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B","End":true},"B":{"Type":"Succeed"}}})j");
  CHECK(has_at(ds, kSchema, "/States/A"));
}

TEST_CASE("End false does not end a state") {
  auto ds = check(R"j({"StartAt":"A","States":{"A":{"Type":"Pass","End":false},"B":{"Type":"Succeed"}}})j");
  CHECK(has_at(ds, kSchema, "/States/A"));
}

TEST_CASE("End must be a boolean") {
  REQUIRE_ERROR(one_state(R"j({"Type":"Pass","End":"true"})j"), kSchema, "Expected value of type [BOOLEAN]",
                "/States/S/End");
}

TEST_CASE("Choice, Succeed and Fail take neither Next nor End") {
  CHECK(has(check(R"j({"StartAt":"A","States":{"A":{"Type":"Succeed","End":true}}})j"), kSchema,
            "Field 'End' is not supported", "/States/A"));
  CHECK(has(check(R"j({"StartAt":"A","States":{"A":{"Type":"Fail","Next":"A"}}})j"), kSchema,
            "Field 'Next' is not supported", "/States/A"));
}

TEST_CASE("Next naming no state is a missing transition target at the Next field") {
  auto ds = check(R"j({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Ghost"},"Z":{"Type":"Pass","End":true}}})j");
  CHECK(has(ds, kTarget, "Missing 'Next' target: Ghost", "/States/A/Next"));
}

TEST_CASE("a state nothing routes to is not reachable") {
  auto ds = check(R"j({"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"B":{"Type":"Pass","End":true}}})j");
  REQUIRE(ds.size() == 1);
  CHECK(has(ds, kTarget, "State \"B\" is not reachable.", "/States/B"));
}

TEST_CASE("states reached through Choices, Default and Catch are reachable") {
  REQUIRE_VALID(R"j({"StartAt":"C","States":{
    "C":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"T"}],"Default":"D"},
    "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
         "Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}]},
    "D":{"Type":"Succeed"},
    "F":{"Type":"Fail"}}})j");
}

TEST_CASE("a top-level loop with no terminal state has no end, and reachability is not piled on") {
  auto ds = check(R"j({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"},
                      "Unused":{"Type":"Pass","Next":"A"}}})j");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].code == "MISSING_END_STATE");
  CHECK(ds[0].message == "Workflow has no terminal state");
  CHECK(ds[0].location.empty());
}

TEST_CASE("a loop inside a Map iteration is accepted: only the top level must end") {
  REQUIRE_VALID(R"j({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
    "ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}}},
    "End":true}}})j");
}

TEST_CASE("state names longer than 80 characters are refused") {
  std::string name(81, 'n');
  auto ds = check(R"j({"StartAt":")j" + name + R"j(","States":{")j" + name + R"j(":{"Type":"Succeed"}}})j");
  CHECK(has_at(ds, "INVALID_STATE_NAME", "/States/" + name));
  std::string ok(80, 'n');
  REQUIRE_VALID(R"j({"StartAt":")j" + ok + R"j(","States":{")j" + ok + R"j(":{"Type":"Succeed"}}})j");
}

TEST_CASE("state names are unique across nested Parallel branches") {
  auto ds = check(R"j({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
    {"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}]}}})j");
  CHECK(has(ds, "DUPLICATE_STATE_NAME", "Duplicate State name: P", "/States/P/Branches[0]/States/P"));
}

TEST_CASE("state names are unique across a Map's ItemProcessor") {
  auto ds = check(R"j({"StartAt":"X","States":{"X":{"Type":"Map","Next":"Y","ItemProcessor":{"StartAt":"Y",
    "States":{"Y":{"Type":"Pass","End":true}}}},"Y":{"Type":"Succeed"}}})j");
  CHECK(has_at(ds, "DUPLICATE_STATE_NAME", "/States/Y"));
}

// --- JSONPath fields ----------------------------------------------------

TEST_CASE("InputPath and OutputPath accept $, $$, variables and null") {
  REQUIRE_VALID(one_state(R"j({"Type":"Pass","InputPath":"$$.Execution.Input","OutputPath":null,"End":true})j"));
  REQUIRE_VALID(one_state(R"j({"Type":"Pass","InputPath":"$myVar","OutputPath":"$.a[0].b","End":true})j"));
}

TEST_CASE("an InputPath that is not a path is refused") {
  REQUIRE_ERROR(one_state(R"j({"Type":"Pass","InputPath":"a.b","End":true})j"), kSchema,
                "The value for the field 'InputPath' must be a valid JSONPath", "/States/S/InputPath");
  REQUIRE_ERROR(one_state(R"j({"Type":"Pass","OutputPath":5,"End":true})j"), kSchema,
                "Expected value of type [STRING]", "/States/S/OutputPath");
}

TEST_CASE("ResultPath must be a reference path into the input") {
  REQUIRE_VALID(one_state(R"j({"Type":"Pass","ResultPath":"$.a.b[0]","End":true})j"));
  REQUIRE_VALID(one_state(R"j({"Type":"Pass","ResultPath":null,"End":true})j"));
  const char* bad[] = {R"j("$$.Execution")j", R"j("$var.x")j", R"j("$.a[*]")j", R"j("$..a")j", R"j("x")j"};
  for (const char* b : bad) {
    INFO(b);
    REQUIRE_ERROR(one_state(std::string(R"j({"Type":"Pass","ResultPath":)j") + b + R"j(,"End":true})j"), kSchema,
                  "The value for the field 'ResultPath' must be a valid ReferencePath", "/States/S/ResultPath");
  }
}

TEST_CASE("a .$ key holding a path, a context path, a variable or an intrinsic call is valid") {
  REQUIRE_VALID(one_state(R"j({"Type":"Pass","Parameters":{"a.$":"$.x","b.$":"$$.Execution.Id","c.$":"$v",
    "d.$":"States.Format('{}', $.x)","nested":{"e.$":"$"},"list":[{"f.$":"$.y"}]},"End":true})j"));
}

TEST_CASE("a .$ key holding an illegal intrinsic escape is refused with AWS's message") {
  auto ds = check(R"j({"StartAt":"IntrinsicEscape","States":{"IntrinsicEscape":{"Type":"Pass","Parameters":{
    "parsed.$":"States.StringToJson('{\"text\":\"An \\\"escaped double quote\\\" here\"}')"},"End":true}}})j");
  REQUIRE(ds.size() == 1);
  CHECK(has(ds, kSchema,
            "The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call",
            "/States/IntrinsicEscape/Parameters"));
}

TEST_CASE("bad .$ values are found in nested objects, ResultSelector, ItemSelector and Credentials") {
  auto ds = check(R"j({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
    "Parameters":{"outer":{"x.$":"nope"}},"ResultSelector":{"y.$":"States.NoSuchFunction()"},
    "Credentials":{"RoleArn.$":7},"Next":"M"},
    "M":{"Type":"Map","ItemSelector":{"z.$":"bad"},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass",
    "End":true}}},"End":true}}})j");
  CHECK(has(ds, kSchema, "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call",
            "/States/T/Parameters/outer"));
  CHECK(has(ds, kSchema, "The value for the field 'y.$' must be a valid JSONPath or a valid intrinsic function call",
            "/States/T/ResultSelector"));
  CHECK(has(ds, kSchema,
            "The value for the field 'RoleArn.$' must be a valid JSONPath or a valid intrinsic function call",
            "/States/T/Credentials"));
  CHECK(has(ds, kSchema, "The value for the field 'z.$' must be a valid JSONPath or a valid intrinsic function call",
            "/States/M/ItemSelector"));
}

TEST_CASE("a template key and its .$ twin would collide and are refused") {
  auto ds = check(one_state(R"j({"Type":"Pass","Parameters":{"a":1,"a.$":"$.x"},"End":true})j"));
  CHECK(has_at(ds, kSchema, "/States/S/Parameters"));
}

TEST_CASE("plain template values are literals, even when they look like paths") {
  REQUIRE_VALID(one_state(R"j({"Type":"Pass","Parameters":{"a":"$.not.evaluated","b":[1,"States.X"]},"End":true})j"));
}

// --- Assign ---------------------------------------------------------------

TEST_CASE("Assign takes identifiers as variable names") {
  REQUIRE_VALID(one_state(R"j({"Type":"Pass","Assign":{"x":1,"_y2":"s","z.$":"$.a","w.$":"States.UUID()"},"End":true})j"));
}

TEST_CASE("Assign refuses the reserved name states, non-identifiers and names over 80 characters") {
  std::string long_name(81, 'v');
  auto ds = check(one_state(R"j({"Type":"Pass","Assign":{"states":1,"1x":2,"a-b":3,")j" + long_name +
                            R"j(":4},"End":true})j"));
  CHECK(has(ds, kSchema, "The variable name 'states' is reserved", "/States/S/Assign"));
  CHECK(has(ds, kSchema, "The variable name '1x' is not a valid identifier", "/States/S/Assign"));
  CHECK(has(ds, kSchema, "The variable name 'a-b' is not a valid identifier", "/States/S/Assign"));
  CHECK(has(ds, kSchema, "The variable name '" + long_name + "' exceeds the maximum length of 80 characters",
            "/States/S/Assign"));
}

TEST_CASE("Assign must be an object and its .$ values must be paths or calls") {
  CHECK(has(check(one_state(R"j({"Type":"Pass","Assign":[1],"End":true})j")), kSchema,
            "Expected value of type [OBJECT]", "/States/S/Assign"));
  CHECK(has(check(one_state(R"j({"Type":"Pass","Assign":{"v.$":"oops"},"End":true})j")), kSchema,
            "The value for the field 'v.$' must be a valid JSONPath or a valid intrinsic function call",
            "/States/S/Assign"));
}

// --- Choice ----------------------------------------------------------------

TEST_CASE("a Choice state needs a non-empty Choices array") {
  CHECK(has(check(R"j({"StartAt":"C","States":{"C":{"Type":"Choice","Default":"D"},"D":{"Type":"Succeed"}}})j"), kSchema,
            "These fields are required: [Choices]", "/States/C"));
  CHECK(has(check(R"j({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[],"Default":"D"},
                      "D":{"Type":"Succeed"}}})j"),
            kSchema, "Value cannot be empty", "/States/C/Choices"));
}

TEST_CASE("a top-level Choice rule needs Next, and Next must name a state") {
  auto ds = check(R"j({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
    {"Variable":"$.x","IsPresent":true},{"Variable":"$.x","IsNull":true,"Next":"Ghost"}],"Default":"D"},
    "D":{"Type":"Succeed"}}})j");
  CHECK(has(ds, kSchema, "These fields are required: [Next]", "/States/C/Choices[0]"));
  CHECK(has(ds, kTarget, "Missing 'Next' target: Ghost", "/States/C/Choices[1]/Next"));
}

TEST_CASE("a nested Choice rule may not carry Next") {
  auto ds = check(R"j({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"And":[
    {"Variable":"$.x","IsPresent":true,"Next":"D"},{"Variable":"$.y","IsPresent":true}],"Next":"D"}]},
    "D":{"Type":"Succeed"}}})j");
  CHECK(has(ds, kSchema, "Field 'Next' is not supported", "/States/C/Choices[0]/And[0]"));
}

TEST_CASE("a Choice rule the choice module cannot compile is reported at the rule") {
  auto ds = check(R"j({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
    {"Variable":"$.x","NoSuchOperator":1,"Next":"D"}]},"D":{"Type":"Succeed"}}})j");
  CHECK(has_at(ds, kSchema, "/States/C/Choices[0]"));
}

TEST_CASE("Choice rules with Comment, Assign and boolean combinators are valid") {
  REQUIRE_VALID(R"j({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
    {"Comment":"c","Not":{"Variable":"$.x","StringEquals":"a"},"Assign":{"v":1},"Next":"D"},
    {"Or":[{"Variable":"$.n","NumericGreaterThan":1},{"Variable":"$$.Execution.Id","IsString":true}],"Next":"D"}],
    "Default":"D"},"D":{"Type":"Succeed"}}})j");
}

TEST_CASE("a Choice Default naming no state is a missing transition target") {
  auto ds = check(R"j({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
    {"Variable":"$.x","IsPresent":true,"Next":"D"}],"Default":"Ghost"},"D":{"Type":"Succeed"}}})j");
  CHECK(has(ds, kTarget, "Missing 'Next' target: Ghost", "/States/C/Default"));
}

// --- Wait ------------------------------------------------------------------

TEST_CASE("a Wait state needs exactly one of Seconds, SecondsPath, Timestamp and TimestampPath") {
  CHECK(has_at(check(one_state(R"j({"Type":"Wait","End":true})j")), kSchema, "/States/S"));
  CHECK(has_at(check(one_state(R"j({"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true})j")), kSchema,
               "/States/S"));
  REQUIRE_VALID(one_state(R"j({"Type":"Wait","SecondsPath":"$.s","End":true})j"));
  REQUIRE_VALID(one_state(R"j({"Type":"Wait","TimestampPath":"$t","End":true})j"));
}

TEST_CASE("Wait Seconds is a non-negative integer") {
  REQUIRE_VALID(one_state(R"j({"Type":"Wait","Seconds":0,"End":true})j"));
  REQUIRE_ERROR(one_state(R"j({"Type":"Wait","Seconds":-1,"End":true})j"), kSchema,
                "The field 'Seconds' must be a non-negative integer", "/States/S/Seconds");
  REQUIRE_ERROR(one_state(R"j({"Type":"Wait","Seconds":1.5,"End":true})j"), kSchema, "Expected value of type [INTEGER]",
                "/States/S/Seconds");
}

TEST_CASE("Wait Timestamp must be RFC 3339, with AWS's message") {
  REQUIRE_VALID(R"j({"StartAt":"WaitUntil","States":{"WaitUntil":{"Type":"Wait",
                    "Timestamp":"2016-03-05T21:29:29.243167252Z","End":true}}})j");
  const char* bad[] = {"2016-12-05 21:29:29Z", "2016-12-05T21:29:29", "2016-13-05T21:29:29Z",
                       "2016-12-05T25:29:29Z", "05-12-2016T21:29:29Z", "{% '2016-03-14T01:59:00Z' %}"};
  for (const char* b : bad) {
    INFO(b);
    auto ds = check(std::string(R"j({"StartAt":"WaitUntil","States":{"WaitUntil":{"Type":"Wait","Timestamp":")j") + b +
                    R"j(","End":true}}})j");
    REQUIRE(ds.size() == 1);
    CHECK(has(ds, kSchema, "String does not match RFC3339 timestamp", "/States/WaitUntil/Timestamp"));
  }
}

// --- Fail ------------------------------------------------------------------

TEST_CASE("a Fail state takes Error or ErrorPath and Cause or CausePath, not both") {
  auto ds = check(one_state(R"j({"Type":"Fail","Error":"E","ErrorPath":"$.e","Cause":"C","CausePath":"$.c"})j"));
  CHECK(has_at(ds, kSchema, "/States/S/Error"));
  CHECK(has_at(ds, kSchema, "/States/S/Cause"));
  REQUIRE_VALID(one_state(R"j({"Type":"Fail","ErrorPath":"$.e","CausePath":"States.Format('{}', $.c)"})j"));
}

TEST_CASE("Fail ErrorPath must be a path or an intrinsic call") {
  REQUIRE_ERROR(one_state(R"j({"Type":"Fail","ErrorPath":"oops"})j"), kSchema,
                "The value for the field 'ErrorPath' must be a valid JSONPath or a valid intrinsic function call",
                "/States/S/ErrorPath");
}

// --- Task ------------------------------------------------------------------

TEST_CASE("a Task needs a string Resource") {
  CHECK(has(check(one_state(R"j({"Type":"Task","End":true})j")), kSchema, "These fields are required: [Resource]",
            "/States/S"));
  CHECK(has(check(one_state(R"j({"Type":"Task","Resource":1,"End":true})j")), kSchema,
            "Expected value of type [STRING]", "/States/S/Resource"));
}

TEST_CASE("Task timeouts are positive integers, one form each, heartbeat below timeout") {
  REQUIRE_VALID(one_state(R"j({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":60,
    "HeartbeatSeconds":10,"End":true})j"));
  REQUIRE_VALID(one_state(R"j({"Type":"Task","Resource":"r:x","TimeoutSecondsPath":"$.t",
    "HeartbeatSecondsPath":"$$.Execution.Input.h","End":true})j"));
  CHECK(has(check(one_state(R"j({"Type":"Task","Resource":"r:x","TimeoutSeconds":0,"End":true})j")), kSchema,
            "The field 'TimeoutSeconds' must be a positive integer", "/States/S/TimeoutSeconds"));
  CHECK(has_at(check(one_state(R"j({"Type":"Task","Resource":"r:x","TimeoutSeconds":5,"TimeoutSecondsPath":"$.t",
    "End":true})j")),
               kSchema, "/States/S/TimeoutSeconds"));
  CHECK(has_at(check(one_state(R"j({"Type":"Task","Resource":"r:x","TimeoutSeconds":5,"HeartbeatSeconds":5,
    "End":true})j")),
               kSchema, "/States/S/HeartbeatSeconds"));
  CHECK(has(check(one_state(R"j({"Type":"Task","Resource":"r:x","TimeoutSecondsPath":"$.a[*]","End":true})j")),
            kSchema, "The value for the field 'TimeoutSecondsPath' must be a valid ReferencePath",
            "/States/S/TimeoutSecondsPath"));
}

TEST_CASE("Task Credentials need a RoleArn, with AWS's message") {
  const char* msg = "The field 'RoleArn' is required but was missing";
  CHECK(has(check(one_state(R"j({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
    "Arguments":"{% $states.input %}","Credentials":{},"End":true})j",
                            R"j("QueryLanguage":"JSONata",)j")),
            kSchema, msg, "/States/S/Credentials"));
  CHECK(has(check(one_state(R"j({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
    "Credentials":{"InvalidField":"invalid"},"End":true})j")),
            kSchema, msg, "/States/S/Credentials"));
  REQUIRE_VALID(one_state(R"j({"Type":"Task","Resource":"r:x","Credentials":{"RoleArn.$":"$roleArn"},"End":true})j"));
}

// --- Retry and Catch ---------------------------------------------------------

TEST_CASE("a complete retrier and catcher are valid") {
  REQUIRE_VALID(R"j({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r:x","End":true,
    "Retry":[{"ErrorEquals":["A","B"],"IntervalSeconds":1,"MaxAttempts":0,"BackoffRate":1.0,
              "MaxDelaySeconds":10,"JitterStrategy":"FULL","Comment":"c"},{"ErrorEquals":["States.ALL"]}],
    "Catch":[{"ErrorEquals":["States.ALL"],"Next":"H","ResultPath":"$.err","Assign":{"e.$":"$.Error"}}]},
    "H":{"Type":"Succeed"}}})j");
}

TEST_CASE("retrier fields are bounded") {
  auto ds = check(one_state(R"j({"Type":"Task","Resource":"r:x","End":true,"Retry":[{"ErrorEquals":[],
    "IntervalSeconds":0,"MaxAttempts":-1,"BackoffRate":0.5,"MaxDelaySeconds":0,"JitterStrategy":"SOME",
    "Bogus":1}]})j"));
  CHECK(has(ds, kSchema, "Value cannot be empty", "/States/S/Retry[0]/ErrorEquals"));
  CHECK(has(ds, kSchema, "The field 'IntervalSeconds' must be a positive integer", "/States/S/Retry[0]/IntervalSeconds"));
  CHECK(has(ds, kSchema, "The field 'MaxAttempts' must be a non-negative integer", "/States/S/Retry[0]/MaxAttempts"));
  CHECK(has(ds, kSchema, "The field 'BackoffRate' must be greater than or equal to 1.0",
            "/States/S/Retry[0]/BackoffRate"));
  CHECK(has(ds, kSchema, "The field 'MaxDelaySeconds' must be a positive integer",
            "/States/S/Retry[0]/MaxDelaySeconds"));
  CHECK(has(ds, kSchema, "The field 'JitterStrategy' should have one of these values: [FULL, NONE]",
            "/States/S/Retry[0]/JitterStrategy"));
  CHECK(has(ds, kSchema, "Field 'Bogus' is not supported", "/States/S/Retry[0]"));
}

TEST_CASE("a retrier needs ErrorEquals") {
  REQUIRE_ERROR(one_state(R"j({"Type":"Task","Resource":"r:x","End":true,"Retry":[{"MaxAttempts":1}]})j"), kSchema,
                "These fields are required: [ErrorEquals]", "/States/S/Retry[0]");
}

TEST_CASE("States.ALL must be alone and in the last retrier or catcher") {
  auto ds = check(R"j({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r:x","End":true,
    "Retry":[{"ErrorEquals":["States.ALL","X"]},{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["Y"]}],
    "Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"},{"ErrorEquals":["Z"],"Next":"H"}]},
    "H":{"Type":"Succeed"}}})j");
  CHECK(has(ds, kSchema, "'States.ALL' must appear alone in 'ErrorEquals'", "/States/T/Retry[0]/ErrorEquals"));
  CHECK(has(ds, kSchema, "A retrier or catcher with 'States.ALL' must be the last one",
            "/States/T/Retry[1]/ErrorEquals"));
  CHECK(has(ds, kSchema, "A retrier or catcher with 'States.ALL' must be the last one",
            "/States/T/Catch[0]/ErrorEquals"));
}

TEST_CASE("a catcher needs ErrorEquals and an existing Next, and a reference ResultPath") {
  auto ds = check(R"j({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r:x","End":true,
    "Catch":[{"ErrorEquals":["E"]},{"ErrorEquals":["States.ALL"],"Next":"Ghost","ResultPath":"$$.x"}]}}})j");
  CHECK(has(ds, kSchema, "These fields are required: [Next]", "/States/T/Catch[0]"));
  CHECK(has(ds, kTarget, "Missing 'Next' target: Ghost", "/States/T/Catch[1]/Next"));
  CHECK(has(ds, kSchema, "The value for the field 'ResultPath' must be a valid ReferencePath",
            "/States/T/Catch[1]/ResultPath"));
}

TEST_CASE("an unknown catcher field is not supported at the catcher") {
  REQUIRE_ERROR(R"j({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r:x","End":true,
    "Catch":[{"ErrorEquals":["States.ALL"],"Next":"T","_comment":"x"}]}}})j",
                kSchema, "Field '_comment' is not supported", "/States/T/Catch[0]");
}

// --- Parallel ----------------------------------------------------------------

TEST_CASE("Parallel Branches may not be empty, with AWS's message") {
  REQUIRE_ERROR(R"j({"StartAt":"StateName","States":{"StateName":{"Type":"Parallel","Branches":[],"End":true}}})j",
                kSchema, "Value cannot be empty", "/States/StateName/Branches");
  REQUIRE_ERROR(one_state(R"j({"Type":"Parallel","End":true})j"), kSchema, "These fields are required: [Branches]",
                "/States/S");
}

TEST_CASE("Parallel branches are validated as sub-machines") {
  auto ds = check(R"j({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
    {"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
    {"States":{"B":{"Type":"Pass","End":true}},"Version":"1.0"}]}}})j");
  CHECK(has(ds, kSchema, "These fields are required: [StartAt]", "/States/P/Branches[1]"));
  CHECK(has(ds, kSchema, "Field 'Version' is not supported", "/States/P/Branches[1]"));
}

TEST_CASE("Next cannot cross a branch boundary") {
  auto ds = check(R"j({"StartAt":"P","States":{"P":{"Type":"Parallel","Next":"After","Branches":[
    {"StartAt":"X","States":{"X":{"Type":"Pass","Next":"After"}}}]},"After":{"Type":"Succeed"}}})j");
  CHECK(has(ds, kTarget, "Missing 'Next' target: After", "/States/P/Branches[0]/States/X/Next"));
}

TEST_CASE("an unreachable state inside a branch is reported at its nested location") {
  auto ds = check(R"j({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
    {"StartAt":"W","States":{"W":{"Type":"Pass","End":true},"Ghost":{"Type":"Pass","End":true}}}]}}})j");
  REQUIRE(ds.size() == 1);
  CHECK(has(ds, kTarget, "State \"Ghost\" is not reachable.", "/States/P/Branches[0]/States/Ghost"));
}

// --- Map ---------------------------------------------------------------------

TEST_CASE("a Map needs an ItemProcessor or an Iterator") {
  REQUIRE_ERROR(one_state(R"j({"Type":"Map","End":true})j"), kSchema, "These fields are required: [ItemProcessor]",
                "/States/S");
  REQUIRE_VALID(one_state(R"j({"Type":"Map","Iterator":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},
    "End":true})j"));
}

TEST_CASE("ProcessorConfig Mode and ExecutionType are enumerations") {
  auto ds = check(one_state(R"j({"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"PARALLEL",
    "ExecutionType":"FAST"},"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true})j"));
  CHECK(has(ds, kSchema, "The field 'Mode' should have one of these values: [INLINE, DISTRIBUTED]",
            "/States/S/ItemProcessor/ProcessorConfig/Mode"));
  CHECK(has(ds, kSchema, "The field 'ExecutionType' should have one of these values: [STANDARD, EXPRESS]",
            "/States/S/ItemProcessor/ProcessorConfig/ExecutionType"));
}

TEST_CASE("MaxConcurrency is a non-negative integer, one form only") {
  REQUIRE_VALID(one_state(R"j({"Type":"Map","MaxConcurrency":9223372036854775807,"ItemProcessor":{"StartAt":"I",
    "States":{"I":{"Type":"Pass","End":true}}},"End":true})j"));
  CHECK(has(check(one_state(R"j({"Type":"Map","MaxConcurrency":-1,"ItemProcessor":{"StartAt":"I",
    "States":{"I":{"Type":"Pass","End":true}}},"End":true})j")),
            kSchema, "The field 'MaxConcurrency' must be a non-negative integer", "/States/S/MaxConcurrency"));
  CHECK(has_at(check(one_state(R"j({"Type":"Map","MaxConcurrency":2,"MaxConcurrencyPath":"$.m","ItemProcessor":
    {"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true})j")),
               kSchema, "/States/S/MaxConcurrency"));
}

TEST_CASE("ItemsPath must be a reference path") {
  REQUIRE_VALID(one_state(R"j({"Type":"Map","ItemsPath":"$$.Execution.Input.items","ItemProcessor":{"StartAt":"I",
    "States":{"I":{"Type":"Pass","End":true}}},"End":true})j"));
  REQUIRE_ERROR(one_state(R"j({"Type":"Map","ItemsPath":"$.a[?(@.x)]","ItemProcessor":{"StartAt":"I",
    "States":{"I":{"Type":"Pass","End":true}}},"End":true})j"),
                kSchema, "The value for the field 'ItemsPath' must be a valid ReferencePath", "/States/S/ItemsPath");
}

TEST_CASE("a distributed Map takes tolerated failures, a Label and batching") {
  REQUIRE_VALID(one_state(R"j({"Type":"Map","Label":"my-label_1","ToleratedFailurePercentage":12.5,
    "ToleratedFailureCount":0,"ItemBatcher":{"MaxItemsPerBatch":10,"BatchInput":{"k.$":"$.k"}},
    "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON","MaxItems":2},
      "Parameters":{"Bucket":"b","Key.$":"$.key"}},
    "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Prefix":"p"}},
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"I",
      "States":{"I":{"Type":"Pass","End":true}}},"End":true})j"));
}

TEST_CASE("tolerated failures are bounded") {
  auto ds = check(one_state(R"j({"Type":"Map","ToleratedFailurePercentage":101,"ToleratedFailureCount":-1,
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"I",
      "States":{"I":{"Type":"Pass","End":true}}},"End":true})j"));
  CHECK(has(ds, kSchema, "The field 'ToleratedFailurePercentage' must be between 0 and 100",
            "/States/S/ToleratedFailurePercentage"));
  CHECK(has(ds, kSchema, "The field 'ToleratedFailureCount' must be a non-negative integer",
            "/States/S/ToleratedFailureCount"));
}

TEST_CASE("distributed-only fields are refused on an inline Map") {
  auto ds = check(one_state(R"j({"Type":"Map","Label":"l","ResultWriter":{"Resource":"r"},
    "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true})j"));
  CHECK(has(ds, kSchema, "Field 'Label' is only supported when ProcessorConfig.Mode is DISTRIBUTED", "/States/S"));
  CHECK(has(ds, kSchema, "Field 'ResultWriter' is only supported when ProcessorConfig.Mode is DISTRIBUTED",
            "/States/S"));
}

TEST_CASE("a distributed Map needs an ExecutionType") {
  REQUIRE_ERROR(one_state(R"j({"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},
    "StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true})j"),
                kSchema, "These fields are required: [ExecutionType]", "/States/S/ItemProcessor/ProcessorConfig");
}

TEST_CASE("Map Labels follow AWS's rules: non-empty, at most 40 characters, no forbidden character") {
  auto map_with_label = [](const std::string& label) {
    return one_state(R"j({"Type":"Map","Label":)j" + label + R"j(,"ItemProcessor":{"ProcessorConfig":
      {"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},
      "End":true})j");
  };
  CHECK(has(check(map_with_label(R"j("")j")), kSchema, "Label cannot be empty", "/States/S/Label"));
  CHECK(has(check(map_with_label("\"" + std::string(41, 'x') + "\"")), kSchema, "Label cannot exceed 40 characters",
            "/States/S/Label"));
  REQUIRE_VALID(map_with_label("\"" + std::string(40, 'x') + "\""));
  for (std::string c : {" ", "?", "*", "<", ">", "{", "}", "[", "]", ":", ";", ",", "|", "^", "~", "$", "#", "%",
                        "&", "`", "\\\"", "\\\\"}) {
    INFO(c);
    auto ds = check(map_with_label("\"label_" + c + "\""));
    REQUIRE(ds.size() == 1);
    CHECK(ds[0].location == "/States/S/Label");
    CHECK(ds[0].message.rfind("Label contains invalid character: '", 0) == 0);
  }
  CHECK(check(map_with_label(R"j("label_\u0001")j")).size() == 1);
  CHECK(check(map_with_label(R"j("label_\u0085")j")).size() == 1);
  REQUIRE_VALID(map_with_label(R"j("label_é")j"));
}

TEST_CASE("QueryLanguage is not a field of an ItemProcessor") {
  REQUIRE_ERROR(one_state(R"j({"Type":"Map","ItemProcessor":{"QueryLanguage":"JSONata","StartAt":"I",
    "States":{"I":{"Type":"Pass","End":true}}},"End":true})j"),
                kSchema, "Field 'QueryLanguage' is not supported", "/States/S/ItemProcessor");
}

// --- QueryLanguage -------------------------------------------------------------

TEST_CASE("a state cannot downgrade a JSONata machine to JSONPath, with AWS's message and location") {
  auto ds = check(R"j({"StartAt":"Pass","States":{"Pass":{"Type":"Pass","End":true,"QueryLanguage":"JSONPath"}},
                      "QueryLanguage":"JSONata"})j");
  REQUIRE(ds.size() == 1);
  CHECK(has(ds, kSchema, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
            "/States/Pass"));
}

TEST_CASE("a JSONPath machine may hold JSONata states, and children default to the machine's language") {
  REQUIRE_VALID(R"j({"StartAt":"Map","QueryLanguage":"JSONPath","States":{"Map":{"Type":"Map",
    "QueryLanguage":"JSONata","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Pass",
    "States":{"Pass":{"QueryLanguage":"JSONPath","Type":"Pass","End":true}}},"End":true}}})j");
  // The inner state is JSONPath (the machine's language), so Output is refused there.
  auto ds = check(R"j({"StartAt":"M","States":{"M":{"Type":"Map","QueryLanguage":"JSONata",
    "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Output":1,"End":true}}},"End":true}}})j");
  CHECK(has(ds, kSchema,
            "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' "
            "QueryLanguage",
            "/States/M/ItemProcessor/States/P"));
}

TEST_CASE("JSONPath-only fields are refused in JSONata states") {
  auto ds = check(R"j({"QueryLanguage":"JSONata","StartAt":"X","States":{"X":{"Type":"Pass","End":true,
    "InputPath":"$.a","Parameters":{},"ResultPath":"$.c","OutputPath":"$.b","Result":1}}})j");
  for (const char* f : {"InputPath", "Parameters", "ResultPath", "OutputPath", "Result"}) {
    INFO(f);
    CHECK(has(ds, kSchema,
              std::string("The QueryLanguage is set to 'JSONata', but field '") + f +
                  "' is only supported for the 'JSONPath' QueryLanguage",
              "/States/X"));
  }
  CHECK(ds.size() == 5);
}

TEST_CASE("JSONata-only fields are refused in JSONPath states") {
  auto ds = check(R"j({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r:x","Arguments":{},"Output":{},
    "Next":"M"},"M":{"Type":"Map","Items":[1],"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass",
    "End":true}}},"End":true}}})j");
  CHECK(has(ds, kSchema,
            "The QueryLanguage is set to 'JSONPath', but field 'Arguments' is only supported for the 'JSONata' "
            "QueryLanguage",
            "/States/T"));
  CHECK(has(ds, kSchema,
            "The QueryLanguage is set to 'JSONPath', but field 'Items' is only supported for the 'JSONata' "
            "QueryLanguage",
            "/States/M"));
}

TEST_CASE("JSONata Choice rules take Condition, not Variable") {
  REQUIRE_VALID(R"j({"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
    {"Condition":"{% $states.input.x = 1 %}","Next":"D","Output":{"a":1},"Assign":{"v":"{% 1 %}"}}],
    "Default":"D","Output":"{% $states.input %}"},"D":{"Type":"Succeed"}}})j");
  auto ds = check(R"j({"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
    {"Variable":"$.x","IsPresent":true,"Next":"D"}]},"D":{"Type":"Succeed"}}})j");
  CHECK(has(ds, kSchema, "These fields are required: [Condition]", "/States/C/Choices[0]"));
  CHECK(has(ds, kSchema,
            "The QueryLanguage is set to 'JSONata', but field 'Variable' is only supported for the 'JSONPath' "
            "QueryLanguage",
            "/States/C/Choices[0]"));
  auto ds2 = check(R"j({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":true,"Next":"D"}]},
    "D":{"Type":"Succeed"}}})j");
  CHECK(has(ds2, kSchema,
            "The QueryLanguage is set to 'JSONPath', but field 'Condition' is only supported for the 'JSONata' "
            "QueryLanguage",
            "/States/C/Choices[0]"));
}

TEST_CASE("JSONata scalar fields accept {% %} expressions") {
  REQUIRE_VALID(R"j({"QueryLanguage":"JSONata","StartAt":"T","States":{
    "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"p":"{% $states.input %}"},
         "TimeoutSeconds":"{% 10 %}","HeartbeatSeconds":"{% 5 %}","Credentials":{"RoleArn":"{% $r %}"},
         "Catch":[{"ErrorEquals":["States.ALL"],"Next":"F","Output":"{% $states.errorOutput %}"}],"Next":"W"},
    "W":{"Type":"Wait","Seconds":"{% $states.input.s %}","Next":"W2"},
    "W2":{"Type":"Wait","Timestamp":"{% $states.input.t %}","Next":"M"},
    "M":{"Type":"Map","Items":"{% [1,2] %}","MaxConcurrency":"{% 2 %}","ItemSelector":{"v":"{% $states.context.Map.Item.Value %}"},
         "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Output":"{% $states.input %}","End":true}}},
         "Next":"F"},
    "F":{"Type":"Fail","Error":"{% 'E' %}","Cause":"c"}}})j");
}

TEST_CASE("JSONata catchers refuse ResultPath and JSONPath catchers refuse Output") {
  auto ds = check(R"j({"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"r:x",
    "End":true,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"T","ResultPath":"$.e"}]}}})j");
  CHECK(has(ds, kSchema,
            "The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only supported for the 'JSONPath' "
            "QueryLanguage",
            "/States/T/Catch[0]"));
}

TEST_CASE("a state's QueryLanguage must be JSONPath or JSONata") {
  REQUIRE_ERROR(one_state(R"j({"Type":"Pass","QueryLanguage":"jsonata","End":true})j"), kSchema,
                "Value should be one of the following: [JSONPath, JSONata]", "/States/S/QueryLanguage");
}

// --- summarize ---------------------------------------------------------------

TEST_CASE("summarize writes the InvalidDefinition text the way AWS joins it") {
  auto ds = validate_text(R"j({"StartAt":"pass1","States":{"pass1":{"Type":"Pass","Next":"pass3"},
                               "pass2":{"Type":"Pass","End":true}}})j");
  INFO(dump(ds));
  CHECK(summarize(ds) ==
        "MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at /States/pass1/Next, "
        "MISSING_TRANSITION_TARGET: State \"pass2\" is not reachable. at /States/pass2");
  CHECK(summarize(validate_text(R"j({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A"}}})j")) ==
        "MISSING_END_STATE: Workflow has no terminal state at null");
  CHECK(summarize({}).empty());
}

TEST_CASE("validate and validate_text agree on a parsed definition") {
  const char* text = R"j({"StartAt":"S","States":{"S":{"Type":"Wait","Timestamp":"nope","End":true}}})j";
  auto parsed = stepd::json::parse(text);
  REQUIRE(parsed.ok());
  auto a = validate(parsed.value());
  auto b = validate_text(text);
  REQUIRE(a.size() == b.size());
  REQUIRE(a.size() == 1);
  CHECK(has_message(a, "String does not match RFC3339 timestamp"));
}

TEST_CASE("an inline Map accepts tolerated failure settings, as AWS does") {
  REQUIRE_VALID(one_state(R"j({"Type":"Map","ToleratedFailureCount":1,"ToleratedFailurePercentagePath":"$.p",
    "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true})j"));
}

TEST_CASE("every JSONata expression of a JSONata state must parse, wherever it sits") {
  auto ds = check(R"j({"QueryLanguage":"JSONata","StartAt":"X","States":{"X":{"Type":"Pass","Next":"C",
    "Output":{"ok":"{% $states.input %}","bad":"{% 1 + %}","list":[1,"{% a[1,2) %}"]}},
    "C":{"Type":"Choice","Choices":[{"Condition":"{% ( %}","Next":"X"}],"Default":"D"},
    "D":{"Type":"Succeed"}}})j");
  CHECK(has_at(ds, "INVALID_JSONATA_EXPRESSION", "/States/X/Output/bad"));
  CHECK(has_at(ds, "INVALID_JSONATA_EXPRESSION", "/States/X/Output/list[1]"));
  CHECK(has_at(ds, "INVALID_JSONATA_EXPRESSION", "/States/C/Choices[0]/Condition"));
  CHECK_FALSE(has_at(ds, "INVALID_JSONATA_EXPRESSION", "/States/X/Output/ok"));
  // In a JSONPath state a "{% %}" string is only a string.
  REQUIRE_VALID(R"j({"StartAt":"X","States":{"X":{"Type":"Pass","Result":"{% 1 + %}","End":true}}})j");
}
