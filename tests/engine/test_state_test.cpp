// TestState: one state run in isolation, with the inspection data AWS shows.
// Expected values follow the TestState responses recorded against AWS
// (../shared/conformance/localstack/snapshots/test_state) where one exists.

#include "src/engine/test_state.h"

#include <catch2/catch.hpp>

#include "src/common/json.h"
#include "tests/engine/engine_test_util.h"

using namespace stepd;
using namespace stepd::testing;
using engine::InspectionLevel;
using engine::TestStatus;

namespace {

engine::TestStateRequest request(const std::string& definition, const std::string& input = "{}",
                                 InspectionLevel level = InspectionLevel::kDebug) {
  engine::TestStateRequest r;
  r.definition = definition;
  r.input = input;
  r.inspection_level = level;
  r.execution = params(input);
  return r;
}

engine::TestStateResult run(const engine::TestStateRequest& r) {
  auto out = engine::test_state(r);
  INFO(out.status().message());
  REQUIRE(out.ok());
  return std::move(out).value();
}

engine::TestStateMock mock_result(const std::string& json) {
  engine::TestStateMock m;
  m.result = json;
  return m;
}

engine::TestStateMock mock_error(const std::string& error, const std::string& cause) {
  engine::TestStateMock m;
  m.error_output = true;
  m.error = error;
  m.cause = cause;
  return m;
}

// The request fails with kInvalidArgument naming `exception`; returns the message.
std::string rejected(const engine::TestStateRequest& r, const std::string& exception) {
  auto out = engine::test_state(r);
  REQUIRE_FALSE(out.ok());
  CHECK(out.status().code() == Code::kInvalidArgument);
  CHECK(out.status().error() == exception);
  return out.status().message();
}

const std::string kNested =
    R"({"initialData":{"fieldFromInput":"value from input","otherField":"other"},"unrelatedData":{"someOtherField":1234}})";

}  // namespace

TEST_CASE("TestState runs a Pass state and shows its output and next state") {
  auto r = run(request(R"({"Type":"Pass","Next":"After"})", R"({"Value":"HelloWorld"})", InspectionLevel::kInfo));
  CHECK(r.status == TestStatus::kSucceeded);
  CHECK(r.output == std::optional<std::string>(R"({"Value":"HelloWorld"})"));
  CHECK(r.next_state == std::optional<std::string>("After"));
  CHECK_FALSE(r.error);
  CHECK_FALSE(r.inspection_data);  // INFO shows no inspection data
}

TEST_CASE("TestState at DEBUG and TRACE shows each data flow step of a Pass state") {
  for (auto level : {InspectionLevel::kDebug, InspectionLevel::kTrace}) {
    auto r = run(request(R"({"Type":"Pass","InputPath":"$.initialData",
        "Parameters":{"staticValue":"some value","inputValue.$":"$.fieldFromInput"},
        "ResultPath":"$.modifiedData","End":true})",
                         kNested, level));
    REQUIRE(r.inspection_data);
    const auto& d = *r.inspection_data;
    CHECK(d.input == std::optional<std::string>(kNested));
    CHECK(d.after_input_path == std::optional<std::string>(R"({"fieldFromInput":"value from input","otherField":"other"})"));
    CHECK(d.after_parameters == std::optional<std::string>(R"({"staticValue":"some value","inputValue":"value from input"})"));
    CHECK(d.after_result_selector == d.after_parameters);
    CHECK(d.after_result_path ==
          std::optional<std::string>(R"({"initialData":{"fieldFromInput":"value from input","otherField":"other"},)"
                                     R"("unrelatedData":{"someOtherField":1234},)"
                                     R"("modifiedData":{"staticValue":"some value","inputValue":"value from input"}})"));
    CHECK_FALSE(d.result);
    CHECK(r.output == d.after_result_path);
    CHECK_FALSE(r.next_state);  // End: true
  }
}

TEST_CASE("TestState: a Pass state's Result wins over InputPath and Parameters") {
  auto r = run(request(R"({"Type":"Pass","InputPath":"$.initialData",
      "Parameters":{"staticValue":"some value","inputValue.$":"$.fieldFromInput"},
      "Result":{"resultKey":"result value"},"ResultPath":"$.modifiedData","End":true})",
                       kNested));
  REQUIRE(r.inspection_data);
  const auto& d = *r.inspection_data;
  CHECK(d.result == std::optional<std::string>(R"({"resultKey":"result value"})"));
  CHECK(d.after_result_selector == d.result);
  CHECK_FALSE(d.after_input_path);
  CHECK_FALSE(d.after_parameters);
  CHECK(r.output == std::optional<std::string>(R"({"initialData":{"fieldFromInput":"value from input","otherField":"other"},)"
                                               R"("unrelatedData":{"someOtherField":1234},)"
                                               R"("modifiedData":{"resultKey":"result value"}})"));
}

TEST_CASE("TestState: a Choice state names the matched branch, else its Default, else fails") {
  const std::string choice = R"({"Type":"Choice","Choices":[
      {"Not":{"Variable":"$.type","StringEquals":"Private"},"Next":"Public"},
      {"Variable":"$.value","NumericEquals":0,"Next":"ValueIsZero"},
      {"And":[{"Variable":"$.value","NumericGreaterThanEquals":20},{"Variable":"$.value","NumericLessThan":30}],
       "Next":"ValueInTwenties"}],"Default":"DefaultState"})";
  auto r = run(request(choice, R"({"type":"Private","value":22})"));
  CHECK(r.status == TestStatus::kSucceeded);
  CHECK(r.next_state == std::optional<std::string>("ValueInTwenties"));
  CHECK(r.output == std::optional<std::string>(R"({"type":"Private","value":22})"));
  REQUIRE(r.inspection_data);
  CHECK(r.inspection_data->input == r.output);
  CHECK(r.inspection_data->after_input_path == r.output);
  CHECK_FALSE(r.inspection_data->after_result_path);

  auto fallback = run(request(choice, R"({"type":"Private","value":50})"));
  CHECK(fallback.next_state == std::optional<std::string>("DefaultState"));

  auto none = run(request(R"({"Type":"Choice","Choices":[{"Variable":"$.v","NumericEquals":1,"Next":"One"}]})",
                          R"({"v":2})"));
  CHECK(none.status == TestStatus::kFailed);
  CHECK(none.error == std::optional<std::string>("States.NoChoiceMatched"));
  CHECK_FALSE(none.output);
  CHECK_FALSE(none.next_state);
}

TEST_CASE("TestState: a Wait state does not wait and goes on to its Next") {
  auto r = run(request(R"({"Type":"Wait","Seconds":3600,"OutputPath":"$.a","Next":"Later"})", R"({"a":{"b":1}})"));
  CHECK(r.status == TestStatus::kSucceeded);
  CHECK(r.output == std::optional<std::string>(R"({"b":1})"));
  CHECK(r.next_state == std::optional<std::string>("Later"));

  auto bad = run(request(R"({"Type":"Wait","SecondsPath":"$.s","End":true})", R"({"s":-1})"));
  CHECK(bad.status == TestStatus::kFailed);
  CHECK(bad.error == std::optional<std::string>("States.Runtime"));
  CHECK(bad.cause->find("The SecondsPath parameter references a negative value: $.s == -1") != std::string::npos);
}

TEST_CASE("TestState: Succeed and Fail states") {
  auto ok = run(request(R"({"Type":"Succeed"})", R"({"Value":"HelloWorld"})"));
  CHECK(ok.status == TestStatus::kSucceeded);
  CHECK(ok.output == std::optional<std::string>(R"({"Value":"HelloWorld"})"));
  CHECK_FALSE(ok.next_state);
  CHECK(ok.inspection_data->after_input_path == ok.output);

  auto fail = run(request(R"({"Type":"Fail","Error":"SomeFailure","Cause":"This state machines raises a 'SomeFailure' failure."})",
                          R"({"Value":"HelloWorld"})"));
  CHECK(fail.status == TestStatus::kFailed);
  CHECK(fail.error == std::optional<std::string>("SomeFailure"));
  CHECK(fail.cause == std::optional<std::string>("This state machines raises a 'SomeFailure' failure."));
  CHECK_FALSE(fail.output);
  CHECK(fail.inspection_data->input == std::optional<std::string>(R"({"Value":"HelloWorld"})"));
  CHECK(fail.inspection_data->after_input_path == fail.inspection_data->input);

  auto paths = run(request(R"j({"Type":"Fail","ErrorPath":"$.e","CausePath":"States.Format('bad {}', $.n)"})j",
                           R"({"e":"Custom.Error","n":7})"));
  CHECK(paths.error == std::optional<std::string>("Custom.Error"));
  CHECK(paths.cause == std::optional<std::string>("bad 7"));
}

TEST_CASE("TestState: a Task needs a mock, and runs its data flow on the mocked result") {
  const std::string task = R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
      "Parameters":{"FunctionName":"f","Payload.$":"$.p"},
      "ResultSelector":{"body.$":"$.Payload"},"ResultPath":"$.out","OutputPath":"$.out","Next":"Done"})";
  auto req = request(task, R"({"p":{"x":1}})");
  std::string msg = rejected(req, "ValidationException");
  CHECK(msg.find("stepd cannot invoke the resource 'arn:aws:states:::lambda:invoke'") != std::string::npos);
  CHECK(msg.find("mock") != std::string::npos);

  req.mock = mock_result(R"({"Payload":{"answer":42},"StatusCode":200})");
  auto r = run(req);
  CHECK(r.status == TestStatus::kSucceeded);
  CHECK(r.output == std::optional<std::string>(R"({"body":{"answer":42}})"));
  CHECK(r.next_state == std::optional<std::string>("Done"));
  const auto& d = *r.inspection_data;
  CHECK(d.after_input_path == std::optional<std::string>(R"({"p":{"x":1}})"));
  CHECK(d.after_parameters == std::optional<std::string>(R"({"FunctionName":"f","Payload":{"x":1}})"));
  CHECK(d.result == std::optional<std::string>(R"({"Payload":{"answer":42},"StatusCode":200})"));
  CHECK(d.after_result_selector == std::optional<std::string>(R"({"body":{"answer":42}})"));
  CHECK(d.after_result_path == std::optional<std::string>(R"({"p":{"x":1},"out":{"body":{"answer":42}}})"));
  CHECK_FALSE(d.error_details);
}

TEST_CASE("TestState: a mocked error that a retrier matches is RETRIABLE with its backoff") {
  const std::string task = R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
      "Parameters":{"FunctionName":"foo","Payload":"bar"},
      "Retry":[{"ErrorEquals":["Other"],"MaxAttempts":1},
               {"ErrorEquals":["MockException"],"IntervalSeconds":1,"MaxAttempts":5,"BackoffRate":2.0}],
      "End":true})";
  auto req = request(task, R"({"Values":["first","second","third"]})");
  req.mock = mock_error("MockException", "Mock the cause of the error.");

  SECTION("first failure") {
    auto r = run(req);
    CHECK(r.status == TestStatus::kRetriable);
    CHECK(r.error == std::optional<std::string>("MockException"));
    CHECK(r.cause == std::optional<std::string>("Mock the cause of the error."));
    CHECK_FALSE(r.output);
    REQUIRE(r.inspection_data->error_details);
    CHECK(r.inspection_data->error_details->retry_index == std::optional<std::int64_t>(1));
    CHECK(r.inspection_data->error_details->retry_backoff_interval_seconds == std::optional<std::int64_t>(1));
  }
  SECTION("after four retries the backoff has doubled four times (AWS recorded 16)") {
    req.retrier_retry_count = 4;
    auto r = run(req);
    CHECK(r.status == TestStatus::kRetriable);
    CHECK(r.inspection_data->error_details->retry_backoff_interval_seconds == std::optional<std::int64_t>(16));
  }
  SECTION("with the attempts spent it FAILS and still names the retrier") {
    req.retrier_retry_count = 5;
    auto r = run(req);
    CHECK(r.status == TestStatus::kFailed);
    CHECK(r.error == std::optional<std::string>("MockException"));
    REQUIRE(r.inspection_data->error_details);
    CHECK(r.inspection_data->error_details->retry_index == std::optional<std::int64_t>(1));
    CHECK_FALSE(r.inspection_data->error_details->retry_backoff_interval_seconds);
    CHECK_FALSE(r.inspection_data->error_details->catch_index);
  }
  SECTION("an error no retrier matches FAILS without error details") {
    req.mock = mock_error("Unmatched", "x");
    auto r = run(req);
    CHECK(r.status == TestStatus::kFailed);
    CHECK_FALSE(r.inspection_data->error_details);
  }
}

TEST_CASE("TestState: a mocked error that a catcher matches is CAUGHT_ERROR") {
  const std::string task = R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
      "Parameters":{"FunctionName":"foo","Payload":"bar"},
      "Retry":[{"ErrorEquals":["MockException"],"MaxAttempts":2}],
      "Catch":[{"ErrorEquals":["MockException"],"ResultPath":"$.error","Next":"HandleMockError"},
               {"ErrorEquals":["States.TaskFailed"],"Next":"HandleThreshold"}],
      "End":true})";
  auto req = request(task, R"({"Value":"HelloWorld"})");

  SECTION("the second catcher, with the default ResultPath") {
    req.mock = mock_error("States.TaskFailed", "The task failed.");
    auto r = run(req);
    CHECK(r.status == TestStatus::kCaughtError);
    CHECK(r.error == std::optional<std::string>("States.TaskFailed"));
    CHECK(r.cause == std::optional<std::string>("The task failed."));
    CHECK(r.next_state == std::optional<std::string>("HandleThreshold"));
    CHECK(r.output == std::optional<std::string>(R"({"Error":"States.TaskFailed","Cause":"The task failed."})"));
    REQUIRE(r.inspection_data->error_details);
    CHECK(r.inspection_data->error_details->catch_index == std::optional<std::int64_t>(1));
    CHECK_FALSE(r.inspection_data->error_details->retry_index);
  }
  SECTION("a retrier with attempts left comes first") {
    req.mock = mock_error("MockException", "m");
    CHECK(run(req).status == TestStatus::kRetriable);
  }
  SECTION("once the retrier is spent, the catcher takes it, through its ResultPath") {
    req.mock = mock_error("MockException", "m");
    req.retrier_retry_count = 2;
    auto r = run(req);
    CHECK(r.status == TestStatus::kCaughtError);
    CHECK(r.next_state == std::optional<std::string>("HandleMockError"));
    CHECK(r.output == std::optional<std::string>(R"({"Value":"HelloWorld","error":{"Error":"MockException","Cause":"m"}})"));
    CHECK(r.inspection_data->error_details->retry_index == std::optional<std::int64_t>(0));
    CHECK(r.inspection_data->error_details->catch_index == std::optional<std::int64_t>(0));
  }
}

TEST_CASE("TestState: States.Runtime skips Retry and Catch and FAILS") {
  auto req = request(R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","OutputPath":"$.missing",
      "Retry":[{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true})");
  req.mock = mock_result("{}");
  auto r = run(req);
  CHECK(r.status == TestStatus::kFailed);
  CHECK(r.error == std::optional<std::string>("States.Runtime"));
  CHECK(r.cause->find("Invalid path '$.missing'") != std::string::npos);
}

TEST_CASE("TestState: Map and Parallel need a mock, which stands for their children") {
  const std::string map = R"({"Type":"Map","ItemsPath":"$.Values",
      "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},
      "ResultPath":"$.result","End":true})";
  auto req = request(map, R"({"Values":[1,2,3]})");
  CHECK(rejected(req, "InvalidDefinition") ==
        "TestState API does not support Map or Parallel states. Supported state types include: "
        "[Task, Wait, Pass, Succeed, Fail, Choice]");

  req.mock = mock_result(R"({"not":"an array"})");
  CHECK(rejected(req, "ValidationException") == "Mocked result must be an array.");

  req.mock = mock_result("[1,1,1]");
  auto r = run(req);
  CHECK(r.status == TestStatus::kSucceeded);
  CHECK(r.output == std::optional<std::string>(R"({"Values":[1,2,3],"result":[1,1,1]})"));
  const auto& d = *r.inspection_data;
  CHECK(d.after_input_path == std::optional<std::string>(R"({"Values":[1,2,3]})"));
  CHECK(d.after_items_path == std::optional<std::string>("[1,2,3]"));
  CHECK(d.max_concurrency == std::optional<std::int64_t>(0));
  CHECK(d.after_result_selector == std::optional<std::string>("[1,1,1]"));
  CHECK_FALSE(d.result);
  CHECK_FALSE(d.tolerated_failure_count);

  req.mock = mock_error("MockException", "Mock the cause of the error.");
  auto failed = run(req);
  CHECK(failed.status == TestStatus::kFailed);
  CHECK(failed.error == std::optional<std::string>("MockException"));
}

TEST_CASE("TestState: mapIterationFailureCount is weighed against the Map's tolerated failures") {
  const std::string map = R"({"Type":"Map","ItemsPath":"$.Values","ToleratedFailureCount":1,
      "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},
      "Retry":[{"ErrorEquals":["MockException"],"MaxAttempts":3},
               {"ErrorEquals":["States.ExceedToleratedFailureThreshold"],"MaxAttempts":2}],
      "Catch":[{"ErrorEquals":["States.ExceedToleratedFailureThreshold"],"Next":"HandleThreshold"}],
      "End":true})";
  auto req = request(map, R"({"Values":["first","second","third"]})");
  req.mock = mock_result("[0,0,1]");

  req.map_iteration_failure_count = 1;
  auto below = run(req);
  CHECK(below.status == TestStatus::kSucceeded);
  CHECK(below.inspection_data->tolerated_failure_count == std::optional<std::int64_t>(1));

  req.map_iteration_failure_count = 2;
  auto exceeds = run(req);
  CHECK(exceeds.status == TestStatus::kRetriable);
  CHECK(exceeds.error == std::optional<std::string>("States.ExceedToleratedFailureThreshold"));
  CHECK(exceeds.cause == std::optional<std::string>("The specified tolerated failure threshold was exceeded"));
  CHECK(exceeds.inspection_data->error_details->retry_index == std::optional<std::int64_t>(1));
  CHECK(exceeds.inspection_data->error_details->retry_backoff_interval_seconds == std::optional<std::int64_t>(1));

  req.retrier_retry_count = 2;
  auto caught = run(req);
  CHECK(caught.status == TestStatus::kCaughtError);
  CHECK(caught.next_state == std::optional<std::string>("HandleThreshold"));

  req.map_iteration_failure_count = 4;
  CHECK(rejected(req, "ValidationException") ==
        "Map iteration failure count must be less than or equal to the number of Map iterations");

  auto no_mock = request(map, R"({"Values":[1]})");
  no_mock.map_iteration_failure_count = 1;
  CHECK(rejected(no_mock, "ValidationException") ==
        "TestState does not support MapIterationFailureCount when a mock is not specified.");
}

TEST_CASE("TestState: a Parallel's mock must have one result per branch") {
  const std::string parallel = R"({"Type":"Parallel","InputPath":"$.parallelInput","ResultPath":"$.parallelResult",
      "Branches":[{"StartAt":"B1","States":{"B1":{"Type":"Pass","End":true}}},
                  {"StartAt":"B2","States":{"B2":{"Type":"Pass","End":true}}}],"Next":"After"})";
  auto req = request(parallel, R"({"parallelInput":{"data":"input_value"}})");
  req.mock = mock_result(R"([{"branch1":"result"}])");
  CHECK(rejected(req, "ValidationException") ==
        "Mocked result must contain the same number of items as number of Parallel branches.");

  req.mock = mock_result(R"([{"branch1":"result"},{"branch2":"result"}])");
  auto r = run(req);
  CHECK(r.status == TestStatus::kSucceeded);
  CHECK(r.next_state == std::optional<std::string>("After"));
  CHECK(r.output == std::optional<std::string>(
                        R"({"parallelInput":{"data":"input_value"},"parallelResult":[{"branch1":"result"},{"branch2":"result"}]})"));
  CHECK(r.inspection_data->after_result_selector == std::optional<std::string>(R"([{"branch1":"result"},{"branch2":"result"}])"));
  CHECK(r.inspection_data->after_result_path == r.output);
}

TEST_CASE("TestState rejects mocks where AWS does") {
  auto pass = request(R"({"Type":"Pass","End":true})");
  pass.mock = mock_result("{}");
  CHECK(rejected(pass, "ValidationException") == "State type 'Pass' is not supported when a mock is specified");

  auto task = request(R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true})");
  engine::TestStateMock both = mock_result("{}");
  both.error_output = true;
  task.mock = both;
  CHECK(rejected(task, "ValidationException") ==
        "A test mock should have only one of the following fields: [result, errorOutput].");

  task.mock = mock_result("{not json");
  CHECK(rejected(task, "ValidationException") == "Mocked result must be valid JSON");

  task.mock = mock_result("{}");
  task.reveal_secrets = true;
  CHECK(rejected(task, "ValidationException") == "TestState does not support RevealSecrets when a mock is specified.");
}

TEST_CASE("TestState tests one state of a whole machine named by stateName") {
  const std::string machine = R"({"StartAt":"State0","States":{
      "State0":{"Type":"Pass","Result":{"n":1},"Next":"State1"},
      "State1":{"Type":"Fail","Error":"SomeFailure","Cause":"boom"}}})";
  auto req = request(machine, R"({"Value":"HelloWorld"})");
  req.state_name = "State1";
  auto r = run(req);
  CHECK(r.status == TestStatus::kFailed);
  CHECK(r.error == std::optional<std::string>("SomeFailure"));

  req.state_name = "State0";
  auto first = run(req);
  CHECK(first.next_state == std::optional<std::string>("State1"));
  CHECK(first.output == std::optional<std::string>(R"({"n":1})"));

  req.state_name = "";  // the StartAt state
  CHECK(run(req).next_state == std::optional<std::string>("State1"));

  req.state_name = "NoSuchState";
  CHECK(rejected(req, "ValidationException") == "State not found in definition");
}

TEST_CASE("TestState reports an invalid definition as InvalidDefinition with the validator's text") {
  std::string msg = rejected(request(R"({"Type":"TypeThatDoesNotExist","End":true})"), "InvalidDefinition");
  CHECK(msg.rfind("Invalid State Machine Definition: '", 0) == 0);
  CHECK(msg.find("/States/StateName/Type") != std::string::npos);

  msg = rejected(request(R"({"Type":"Parallel","Branches":[],"End":true})"), "InvalidDefinition");
  CHECK(msg.find("/States/StateName/Branches") != std::string::npos);

  rejected(request("{not json"), "InvalidDefinition");
  rejected(request(R"({"Type":"Pass","End":true})", "{oops"), "InvalidExecutionInput");
}

TEST_CASE("TestState sees the request's variables, and shows them after the state's Assign") {
  auto req = request(R"({"Type":"Pass","Parameters":{"seen.$":"$limit"},"Assign":{"copy.$":"$.seen"},"End":true})",
                     R"({"n":8})");
  req.variables = R"({"limit":10})";
  auto r = run(req);
  CHECK(r.output == std::optional<std::string>(R"({"seen":10})"));
  CHECK(r.inspection_data->variables == std::optional<std::string>(R"({"limit":10,"copy":10})"));

  req.variables = "[1]";
  rejected(req, "ValidationException");
}

TEST_CASE("TestState's context object names the lone state StateName and the given execution") {
  auto r = run(request(R"({"Type":"Pass","Parameters":{"state.$":"$$.State.Name","exec.$":"$$.Execution.Name",
      "input.$":"$$.Execution.Input"},"End":true})",
                       R"({"a":1})"));
  CHECK(r.output == std::optional<std::string>(R"({"state":"StateName","exec":"exec","input":{"a":1}})"));
}

TEST_CASE("TestState's answer renders as the API's TestStateOutput") {
  auto req = request(R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
      "Retry":[{"ErrorEquals":["E"],"IntervalSeconds":3}],"End":true})");
  req.mock = mock_error("E", "c");
  auto o = engine::test_state_output(run(req));
  CHECK(json::to_json(o) ==
        R"({"error":"E","cause":"c","status":"RETRIABLE","inspectionData":{"input":"{}","afterInputPath":"{}",)"
        R"("afterParameters":"{}","errorDetails":{"retryIndex":0,"retryBackoffIntervalSeconds":3}}})");

  auto info = request(R"({"Type":"Pass","Next":"N"})", "{}", InspectionLevel::kInfo);
  CHECK(json::to_json(engine::test_state_output(run(info))) == R"({"output":"{}","nextState":"N","status":"SUCCEEDED"})");

  InspectionLevel level;
  CHECK(engine::parse_inspection_level("TRACE", &level));
  CHECK(level == InspectionLevel::kTrace);
  CHECK_FALSE(engine::parse_inspection_level("trace", &level));
}

TEST_CASE("TestState runs a JSONata Parallel on its mock and shows only its input, as AWS does") {
  for (auto level : {InspectionLevel::kInfo, InspectionLevel::kDebug}) {
    auto req = request(R"({"Type":"Parallel","QueryLanguage":"JSONata",
        "Arguments":"{% $states.input.parallelInput %}",
        "Output":{"parallelInput":"{% $states.input.parallelInput %}","parallelResult":"{% $states.result %}"},
        "Branches":[{"StartAt":"B1","States":{"B1":{"Type":"Pass","End":true}}},
                    {"StartAt":"B2","States":{"B2":{"Type":"Pass","End":true}}}],"End":true})",
                       R"({"parallelInput":{"data":"input_value"}})", level);
    req.mock = mock_result(R"([{"branch1":"result"},{"branch2":"result"}])");
    auto r = run(req);
    CHECK(r.status == TestStatus::kSucceeded);
    CHECK(r.output == std::optional<std::string>(R"({"parallelInput":{"data":"input_value"},)"
                                                 R"("parallelResult":[{"branch1":"result"},{"branch2":"result"}]})"));
    if (level == InspectionLevel::kInfo) {
      CHECK_FALSE(r.inspection_data);
      continue;
    }
    REQUIRE(r.inspection_data);
    auto shown = engine::test_state_output(r);
    CHECK(json::to_json(shown["inspectionData"]) == R"({"input":"{\"parallelInput\":{\"data\":\"input_value\"}}"})");
  }
}

TEST_CASE("TestState evaluates a JSONata Pass with the variables it is given") {
  auto req = request(R"({"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $x + $states.input.n %}","End":true})",
                     R"({"n":1})");
  req.variables = R"({"x":41})";
  auto r = run(req);
  CHECK(r.status == TestStatus::kSucceeded);
  CHECK(r.output == std::optional<std::string>("42"));
}

TEST_CASE("TestState: a JSONata Task shapes its mocked result with Output and catches with $states.errorOutput") {
  const std::string def = R"({"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke",
      "Arguments":{"FunctionName":"f","Payload":"{% $states.input %}"},
      "Output":{"answer":"{% $states.result.Payload.answer %}"},
      "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Handler","Output":{"e":"{% $states.errorOutput.Error %}"}}],
      "End":true})";
  auto ok = request(def, R"({"q":1})");
  ok.mock = mock_result(R"({"Payload":{"answer":42},"StatusCode":200})");
  auto r = run(ok);
  CHECK(r.status == TestStatus::kSucceeded);
  CHECK(r.output == std::optional<std::string>(R"({"answer":42})"));

  auto bad = request(def, R"({"q":1})");
  engine::TestStateMock m;
  m.error_output = true;
  m.error = "Boom";
  m.cause = "bad";
  bad.mock = m;
  auto c = run(bad);
  CHECK(c.status == TestStatus::kCaughtError);
  CHECK(c.output == std::optional<std::string>(R"({"e":"Boom"})"));
  CHECK(c.next_state == std::optional<std::string>("Handler"));
}
