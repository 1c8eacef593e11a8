#include "src/engine/event.h"

#include <array>
#include <string>
#include <unordered_map>

namespace stepd::engine {

namespace {

struct TypeInfo {
  std::string_view name;
  std::string_view details;
  std::string_view payload = {};
};

// Details member per type, following the API model: states share
// stateEntered/stateExited, Map iterations share mapIteration*.
constexpr std::array<TypeInfo, kEventTypeCount> kTypes = {{
    {"ActivityFailed", "activityFailedEventDetails"},
    {"ActivityScheduled", "activityScheduledEventDetails", "input"},
    {"ActivityScheduleFailed", "activityScheduleFailedEventDetails"},
    {"ActivityStarted", "activityStartedEventDetails"},
    {"ActivitySucceeded", "activitySucceededEventDetails", "output"},
    {"ActivityTimedOut", "activityTimedOutEventDetails"},
    {"ChoiceStateEntered", "stateEnteredEventDetails", "input"},
    {"ChoiceStateExited", "stateExitedEventDetails", "output"},
    {"ExecutionAborted", "executionAbortedEventDetails"},
    {"ExecutionFailed", "executionFailedEventDetails"},
    {"ExecutionStarted", "executionStartedEventDetails", "input"},
    {"ExecutionSucceeded", "executionSucceededEventDetails", "output"},
    {"ExecutionTimedOut", "executionTimedOutEventDetails"},
    {"FailStateEntered", "stateEnteredEventDetails", "input"},
    {"LambdaFunctionFailed", "lambdaFunctionFailedEventDetails"},
    {"LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", "input"},
    {"LambdaFunctionScheduleFailed", "lambdaFunctionScheduleFailedEventDetails"},
    {"LambdaFunctionStarted", ""},
    {"LambdaFunctionStartFailed", "lambdaFunctionStartFailedEventDetails"},
    {"LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails", "output"},
    {"LambdaFunctionTimedOut", "lambdaFunctionTimedOutEventDetails"},
    {"MapIterationAborted", "mapIterationAbortedEventDetails"},
    {"MapIterationFailed", "mapIterationFailedEventDetails"},
    {"MapIterationStarted", "mapIterationStartedEventDetails"},
    {"MapIterationSucceeded", "mapIterationSucceededEventDetails"},
    {"MapStateAborted", ""},
    {"MapStateEntered", "stateEnteredEventDetails", "input"},
    {"MapStateExited", "stateExitedEventDetails", "output"},
    {"MapStateFailed", ""},
    {"MapStateStarted", "mapStateStartedEventDetails"},
    {"MapStateSucceeded", ""},
    {"ParallelStateAborted", ""},
    {"ParallelStateEntered", "stateEnteredEventDetails", "input"},
    {"ParallelStateExited", "stateExitedEventDetails", "output"},
    {"ParallelStateFailed", ""},
    {"ParallelStateStarted", ""},
    {"ParallelStateSucceeded", ""},
    {"PassStateEntered", "stateEnteredEventDetails", "input"},
    {"PassStateExited", "stateExitedEventDetails", "output"},
    {"SucceedStateEntered", "stateEnteredEventDetails", "input"},
    {"SucceedStateExited", "stateExitedEventDetails", "output"},
    {"TaskFailed", "taskFailedEventDetails"},
    {"TaskScheduled", "taskScheduledEventDetails", "parameters"},
    {"TaskStarted", "taskStartedEventDetails"},
    {"TaskStartFailed", "taskStartFailedEventDetails"},
    {"TaskStateAborted", ""},
    {"TaskStateEntered", "stateEnteredEventDetails", "input"},
    {"TaskStateExited", "stateExitedEventDetails", "output"},
    {"TaskSubmitFailed", "taskSubmitFailedEventDetails"},
    {"TaskSubmitted", "taskSubmittedEventDetails", "output"},
    {"TaskSucceeded", "taskSucceededEventDetails", "output"},
    {"TaskTimedOut", "taskTimedOutEventDetails"},
    {"WaitStateAborted", ""},
    {"WaitStateEntered", "stateEnteredEventDetails", "input"},
    {"WaitStateExited", "stateExitedEventDetails", "output"},
    {"MapRunAborted", ""},
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
std::string_view payload_key(EventType t) { return kTypes[static_cast<std::size_t>(t)].payload; }

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
  if (key.empty()) return o;
  bj::object d = e.details;
  if (!e.name.empty()) d["name"] = e.name;
  auto payload = payload_key(e.type);
  if (!payload.empty()) {
    if (include_data) d[payload] = e.payload;
    if (payload != "parameters") {
      bj::object truncated;
      truncated["truncated"] = false;
      d[std::string(payload) + "Details"] = std::move(truncated);
    }
  }
  if (!include_data) d.erase("assignedVariables");
  o[key] = std::move(d);
  return o;
}

}  // namespace stepd::engine
