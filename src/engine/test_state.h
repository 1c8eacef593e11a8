#pragma once
// TestState: runs one state in isolation, as the TestState API action does.
//
// The state runs through the ordinary interpreter (start()/decide()) as the
// first and only state of a throwaway execution, so its data flow (InputPath,
// Parameters, ResultSelector, ResultPath, OutputPath, Assign, Choice rules,
// Retry, Catch) is exactly the one executions use. Pure: no clock, no I/O;
// time and randomness come from `execution` in the request.
//
//   Pass, Choice, Wait (never waits), Succeed, Fail  run as they are;
//   Task            needs a mock (stepd invokes no resource from TestState);
//   Map, Parallel   need a mock, which stands for the result of all their
//                   iterations / branches (AWS rejects them without one).
//
// A matching retrier with attempts left gives RETRIABLE (the state would be
// retried; nothing waits), a matching catcher gives CAUGHT_ERROR with the
// catcher's Next and its ResultPath output, anything else that fails gives
// FAILED.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "src/common/status.h"
#include "src/engine/engine.h"

namespace stepd::engine {

enum class InspectionLevel : unsigned char { kInfo, kDebug, kTrace };
// "INFO", "DEBUG", "TRACE" -> the level; false for anything else.
bool parse_inspection_level(std::string_view text, InspectionLevel* out);

// TestStateOutput.status.
enum class TestStatus : unsigned char { kSucceeded, kFailed, kRetriable, kCaughtError };
const char* test_status_name(TestStatus s);  // "SUCCEEDED", "FAILED", "RETRIABLE", "CAUGHT_ERROR"

// TestState's `mock`: the state's result, or the error it fails with
// (exactly one of the two).
struct TestStateMock {
  std::optional<std::string> result;          // JSON text (mock.result)
  bool error_output = false;                  // mock.errorOutput was given
  std::optional<std::string> error, cause;    // mock.errorOutput.error / .cause
};

struct TestStateRequest {
  // A single state's JSON object, or a whole state machine with
  // `state_name` naming one of its top-level states (the StartAt state when
  // `state_name` is empty).
  std::string definition;
  std::string state_name;
  std::string input = "{}";                   // the state's input, JSON text
  InspectionLevel inspection_level = InspectionLevel::kInfo;
  bool reveal_secrets = false;                // no HTTP Task here: only checked against a mock
  std::optional<std::string> variables;       // JSON text of an object: the variables in scope
  std::optional<TestStateMock> mock;
  // stateConfiguration:
  std::optional<std::int64_t> retrier_retry_count;          // retries already made by the matching retrier
  std::optional<std::int64_t> map_iteration_failure_count;  // Map: how many mocked iterations failed
  // The pretend execution the state runs in: $$.Execution / $$.StateMachine
  // (names, ARNs, role, StartTime = start_ms, also the time of the visit)
  // and the seed behind States.UUID / random intrinsics. input_text is
  // ignored (`input` is used).
  StartParams execution;
};

// InspectionErrorDetails.
struct TestStateErrorDetails {
  std::optional<std::int64_t> retry_index, catch_index, retry_backoff_interval_seconds;
};

// InspectionData: each value is JSON text; absent when the step did not
// happen (or, as on AWS, is not shown for that state type).
struct TestStateInspection {
  std::optional<std::string> input, after_input_path, after_parameters, result, after_result_selector,
      after_result_path, after_items_path, variables;
  std::optional<TestStateErrorDetails> error_details;
  std::optional<std::int64_t> max_concurrency, tolerated_failure_count;
  std::optional<double> tolerated_failure_percentage;
};

// TestStateOutput.
struct TestStateResult {
  TestStatus status = TestStatus::kSucceeded;
  std::optional<std::string> output;       // JSON text (SUCCEEDED, CAUGHT_ERROR)
  std::optional<std::string> error, cause;  // FAILED, RETRIABLE, CAUGHT_ERROR
  std::optional<std::string> next_state;   // SUCCEEDED (unless the state ends the machine), CAUGHT_ERROR
  std::optional<TestStateInspection> inspection_data;  // DEBUG and TRACE only
};

// Runs the request's state once. Fails with kInvalidArgument when the
// request itself is wrong; Status::error() then names the API exception:
//   "InvalidDefinition"     the definition does not validate (the message is
//                           "Invalid State Machine Definition: '<validator's
//                           text>'"), or it is a Map/Parallel without a mock;
//   "InvalidExecutionInput" `input` is not JSON;
//   "ValidationException"   no such state, a mock where AWS allows none or
//                           that does not fit the state, bad `variables`, or
//                           a Task without a mock (stepd cannot call it).
// A state that fails is not an error: it is a FAILED (or RETRIABLE,
// CAUGHT_ERROR) result.
Result<TestStateResult> test_state(const TestStateRequest& request);

// The TestStateOutput JSON object the API returns: output, error, cause,
// nextState, status, inspectionData (payloads as JSON text strings).
bj::object test_state_output(const TestStateResult& result);

}  // namespace stepd::engine
