#pragma once
// Nested executions, `arn:aws:states:::states:startExecution[.sync|.sync:2|
// .waitForTaskToken]`: what the parent's Task records, as AWS's recorded
// histories show it (LocalStack's callback/test_callback snapshots):
//
//   TaskSubmitted / request-response output: {ExecutionArn, SdkHttpMetadata,
//     SdkResponseMetadata, StartDate}
//   .sync success: {ExecutionArn, Input, InputDetails, Name, Output,
//     OutputDetails, StartDate, StateMachineArn, Status, StopDate}, Input and
//     Output as JSON text (.sync) or as JSON (.sync:2)
//   .sync failure (FAILED, TIMED_OUT, ABORTED child): error States.TaskFailed,
//     cause the same object (without Output, with the child's Error and
//     Cause) as JSON text.
// Pure: the runtime starts and watches the child (actors/execution.cpp).

#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/value.hpp>

#include "src/common/status.h"
#include "src/integrations/outcome.h"

namespace stepd::integrations {

enum class NestedKind { kNone, kRequestResponse, kSync, kSync2, kWaitForTaskToken };
NestedKind nested_kind(const std::string& resource);

// What to start, from the Task's effective parameters (StateMachineArn,
// Input, Name). kFailed(States.Runtime) when StateMachineArn is missing.
struct NestedStart {
  std::string state_machine_arn;
  std::string input = "{}";  // JSON text
  std::optional<std::string> name;
};
Result<NestedStart> nested_start(const boost::json::value& params);

// The start's answer (TaskSubmitted, or the request-response output).
boost::json::value start_response(const std::string& execution_arn, std::int64_t start_ms,
                                  const std::string& request_id);

// The child as it ended.
struct ChildEnd {
  std::string execution_arn, state_machine_arn, name, status;  // status: SUCCEEDED, FAILED, ...
  std::string input, output;                                   // JSON text
  std::optional<std::string> error, cause;
  std::int64_t start_ms = 0, stop_ms = 0;
};
TaskOutcome child_outcome(const ChildEnd& child, NestedKind kind);

// A start the runtime refused (the child's machine does not exist, ...):
// StepFunctions.<AWS error name>.
TaskOutcome start_refused(const std::string& aws_error, const std::string& message);

}  // namespace stepd::integrations
