#include "src/engine/event.h"

#include <array>
#include <string>
#include <unordered_map>

namespace stepd::engine {

namespace {

struct TypeInfo {
  std::string_view name;
  std::string_view details;
};

// Details member per type, following the API model: states share
// stateEntered/stateExited, Map iterations share mapIteration*.
constexpr std::array<TypeInfo, kEventTypeCount> kTypes = {{
    {"ActivityFailed", "activityFailedEventDetails"},
    {"ActivityScheduled", "activityScheduledEventDetails"},
    {"ActivityScheduleFailed", "activityScheduleFailedEventDetails"},
    {"ActivityStarted", "activityStartedEventDetails"},
    {"ActivitySucceeded", "activitySucceededEventDetails"},
    {"ActivityTimedOut", "activityTimedOutEventDetails"},
    {"ChoiceStateEntered", "stateEnteredEventDetails"},
    {"ChoiceStateExited", "stateExitedEventDetails"},
    {"ExecutionAborted", "executionAbortedEventDetails"},
    {"ExecutionFailed", "executionFailedEventDetails"},
    {"ExecutionStarted", "executionStartedEventDetails"},
    {"ExecutionSucceeded", "executionSucceededEventDetails"},
    {"ExecutionTimedOut", "executionTimedOutEventDetails"},
    {"FailStateEntered", "stateEnteredEventDetails"},
    {"LambdaFunctionFailed", "lambdaFunctionFailedEventDetails"},
    {"LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails"},
    {"LambdaFunctionScheduleFailed", "lambdaFunctionScheduleFailedEventDetails"},
    {"LambdaFunctionStarted", ""},
    {"LambdaFunctionStartFailed", "lambdaFunctionStartFailedEventDetails"},
    {"LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails"},
    {"LambdaFunctionTimedOut", "lambdaFunctionTimedOutEventDetails"},
    {"MapIterationAborted", "mapIterationAbortedEventDetails"},
    {"MapIterationFailed", "mapIterationFailedEventDetails"},
    {"MapIterationStarted", "mapIterationStartedEventDetails"},
    {"MapIterationSucceeded", "mapIterationSucceededEventDetails"},
    {"MapStateAborted", ""},
    {"MapStateEntered", "stateEnteredEventDetails"},
    {"MapStateExited", "stateExitedEventDetails"},
    {"MapStateFailed", ""},
    {"MapStateStarted", "mapStateStartedEventDetails"},
    {"MapStateSucceeded", ""},
    {"ParallelStateAborted", ""},
    {"ParallelStateEntered", "stateEnteredEventDetails"},
    {"ParallelStateExited", "stateExitedEventDetails"},
    {"ParallelStateFailed", ""},
    {"ParallelStateStarted", ""},
    {"ParallelStateSucceeded", ""},
    {"PassStateEntered", "stateEnteredEventDetails"},
    {"PassStateExited", "stateExitedEventDetails"},
    {"SucceedStateEntered", "stateEnteredEventDetails"},
    {"SucceedStateExited", "stateExitedEventDetails"},
    {"TaskFailed", "taskFailedEventDetails"},
    {"TaskScheduled", "taskScheduledEventDetails"},
    {"TaskStarted", "taskStartedEventDetails"},
    {"TaskStartFailed", "taskStartFailedEventDetails"},
    {"TaskStateAborted", ""},
    {"TaskStateEntered", "stateEnteredEventDetails"},
    {"TaskStateExited", "stateExitedEventDetails"},
    {"TaskSubmitFailed", "taskSubmitFailedEventDetails"},
    {"TaskSubmitted", "taskSubmittedEventDetails"},
    {"TaskSucceeded", "taskSucceededEventDetails"},
    {"TaskTimedOut", "taskTimedOutEventDetails"},
    {"WaitStateAborted", ""},
    {"WaitStateEntered", "stateEnteredEventDetails"},
    {"WaitStateExited", "stateExitedEventDetails"},
    {"MapRunAborted", "mapRunAbortedEventDetails"},
    {"MapRunFailed", "mapRunFailedEventDetails"},
    {"MapRunStarted", "mapRunStartedEventDetails"},
    {"MapRunSucceeded", ""},
    {"ExecutionRedriven", "executionRedrivenEventDetails"},
    {"MapRunRedriven", "mapRunRedrivenEventDetails"},
    {"EvaluationFailed", "evaluationFailedEventDetails"},
}};

}  // namespace

std::string_view event_type_name(EventType t) { return kTypes[static_cast<std::size_t>(t)].name; }
std::string_view details_key(EventType t) { return kTypes[static_cast<std::size_t>(t)].details; }

bool parse_event_type(std::string_view name, EventType* out) {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, EventType>();
    for (int i = 0; i < kEventTypeCount; ++i) m->emplace(kTypes[static_cast<std::size_t>(i)].name, static_cast<EventType>(i));
    return m;
  }();
  auto it = index->find(name);
  if (it == index->end()) return false;
  *out = it->second;
  return true;
}

bj::object to_history_json(const Event& e, bool include_data) {
  bj::object o;
  o.reserve(5);
  o["timestamp"] = static_cast<double>(e.timestamp_ms) / 1000.0;
  o["type"] = event_type_name(e.type);
  o["id"] = e.id;
  o["previousEventId"] = e.previous_event_id;
  auto key = details_key(e.type);
  if (!key.empty()) {
    if (include_data) {
      o[key] = e.details;
    } else {
      bj::object d = e.details;
      d.erase("input");
      d.erase("output");
      d.erase("parameters");
      d.erase("assignedVariables");
      o[key] = std::move(d);
    }
  }
  return o;
}

}  // namespace stepd::engine
