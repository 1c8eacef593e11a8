#pragma once
// History events, as GetExecutionHistory returns them, plus the one
// internal field the runtime needs (which frame an event belongs to).
//
// An Event is plain data: the engine creates them, storage persists them,
// the API renders them with to_history_json(). Copyable; no shared state.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace stepd::engine {

namespace bj = boost::json;

// The 62 HistoryEventType values of the Step Functions API, in the model's order.
enum class EventType : unsigned char {
  ActivityFailed, ActivityScheduled, ActivityScheduleFailed, ActivityStarted, ActivitySucceeded,
  ActivityTimedOut, ChoiceStateEntered, ChoiceStateExited, ExecutionAborted, ExecutionFailed,
  ExecutionStarted, ExecutionSucceeded, ExecutionTimedOut, FailStateEntered, LambdaFunctionFailed,
  LambdaFunctionScheduled, LambdaFunctionScheduleFailed, LambdaFunctionStarted, LambdaFunctionStartFailed,
  LambdaFunctionSucceeded, LambdaFunctionTimedOut, MapIterationAborted, MapIterationFailed,
  MapIterationStarted, MapIterationSucceeded, MapStateAborted, MapStateEntered, MapStateExited,
  MapStateFailed, MapStateStarted, MapStateSucceeded, ParallelStateAborted, ParallelStateEntered,
  ParallelStateExited, ParallelStateFailed, ParallelStateStarted, ParallelStateSucceeded, PassStateEntered,
  PassStateExited, SucceedStateEntered, SucceedStateExited, TaskFailed, TaskScheduled, TaskStarted,
  TaskStartFailed, TaskStateAborted, TaskStateEntered, TaskStateExited, TaskSubmitFailed, TaskSubmitted,
  TaskSucceeded, TaskTimedOut, WaitStateAborted, WaitStateEntered, WaitStateExited, MapRunAborted,
  MapRunFailed, MapRunStarted, MapRunSucceeded, ExecutionRedriven, MapRunRedriven, EvaluationFailed,
};
constexpr int kEventTypeCount = static_cast<int>(EventType::EvaluationFailed) + 1;

// "TaskStateEntered", ...
std::string_view event_type_name(EventType t);
// The details member name, e.g. "stateEnteredEventDetails"; empty for types
// that carry no details object (TaskStateAborted, ParallelStateStarted...).
std::string_view details_key(EventType t);
// Parses a type name; false when unknown.
bool parse_event_type(std::string_view name, EventType* out);

struct Event {
  EventType type = EventType::ExecutionStarted;
  std::int64_t id = 0;
  std::int64_t previous_event_id = 0;
  std::int64_t timestamp_ms = 0;
  // The frame (top-level run, Parallel branch, Map iteration) the event was
  // produced in; 0 is the execution itself. Internal: not in the API.
  std::int32_t frame = 0;
  // The details, split so the hot path builds no JSON object: `name` (state
  // events), `payload` (the JSON text of the input, output or parameters
  // member that payload_key() names for this type) and every other member
  // exactly as the API returns it (absent members are omitted).
  std::string name;
  std::string payload;
  bj::object details;
};

// Which details member holds Event::payload: "input", "output",
// "parameters", or empty when the type has none. "input"/"output" come with
// an "inputDetails"/"outputDetails" {"truncated": false} sibling.
std::string_view payload_key(EventType t);

// The HistoryEvent object of GetExecutionHistory: timestamp (epoch seconds),
// type, id, previousEventId and the details member. With include_data false,
// input/output/assignedVariables are left out as AWS does.
bj::object to_history_json(const Event& e, bool include_data = true);

}  // namespace stepd::engine
