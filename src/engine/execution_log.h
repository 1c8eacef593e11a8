#pragma once
// Execution logs as Step Functions sends them to CloudWatch Logs under a
// state machine's loggingConfiguration: which history events a level logs,
// and the JSON line each one becomes. Pure; the server writes the lines
// (`stepd serve --execution-log DEST`, src/api/execution_log.h).
//
//   {"id":"3","type":"PassStateExited","details":{"name":"P","output":"{...}","outputDetails":{"truncated":false}},
//    "previous_event_id":"2","event_timestamp":"1700000000123","execution_arn":"arn:...","redrive_count":"0"}
//
// Numbers are strings, as AWS writes them. Without includeExecutionData the
// details keep no input, output or their *Details (nor assignedVariables).

#include <cstdint>
#include <string>
#include <string_view>

#include "src/engine/event.h"

namespace stepd::engine {

enum class LogLevel : unsigned char { kOff, kAll, kError, kFatal };

// "ALL", "ERROR", "FATAL", anything else: kOff.
LogLevel log_level(std::string_view name);

// Whether `level` logs events of type `t` (AWS's table of log levels:
// FATAL the execution's failure ends, ERROR every failure, abort and
// timeout plus FailStateEntered, ALL everything).
bool logged(LogLevel level, EventType t);

// The CloudWatch Logs message for event `e` of an execution.
std::string log_line(const Event& e, std::string_view execution_arn, std::int64_t redrive_count, bool include_data);

}  // namespace stepd::engine
