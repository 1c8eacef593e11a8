#include "src/engine/execution_log.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace stepd::engine {

LogLevel log_level(std::string_view name) {
  if (name == "ALL") return LogLevel::kAll;
  if (name == "ERROR") return LogLevel::kError;
  if (name == "FATAL") return LogLevel::kFatal;
  return LogLevel::kOff;
}

bool logged(LogLevel level, EventType t) {
  using E = EventType;
  switch (level) {
    case LogLevel::kOff: return false;
    case LogLevel::kAll: return true;
    case LogLevel::kFatal: return t == E::ExecutionFailed || t == E::ExecutionAborted || t == E::ExecutionTimedOut;
    case LogLevel::kError:
      switch (t) {
        case E::ExecutionFailed: case E::ExecutionAborted: case E::ExecutionTimedOut:
        case E::FailStateEntered:
        case E::ActivityFailed: case E::ActivityScheduleFailed: case E::ActivityTimedOut:
        case E::LambdaFunctionFailed: case E::LambdaFunctionScheduleFailed: case E::LambdaFunctionStartFailed:
        case E::LambdaFunctionTimedOut:
        case E::TaskFailed: case E::TaskStartFailed: case E::TaskSubmitFailed: case E::TaskTimedOut:
        case E::TaskStateAborted: case E::WaitStateAborted:
        case E::MapStateAborted: case E::MapStateFailed: case E::MapIterationAborted: case E::MapIterationFailed:
        case E::MapRunAborted: case E::MapRunFailed:
        case E::ParallelStateAborted: case E::ParallelStateFailed:
        case E::EvaluationFailed:
          return true;
        default:
          return false;
      }
  }
  return false;
}

std::string log_line(const Event& e, std::string_view execution_arn, std::int64_t redrive_count, bool include_data) {
  bj::object h = to_history_json(e, include_data);
  bj::object details;
  for (auto& kv : h) {
    if (kv.key().size() > 12 && kv.key().substr(kv.key().size() - 12) == "EventDetails") {
      details = std::move(kv.value().as_object());
    }
  }
  if (!include_data) {  // no payload, so no word on its truncation either
    for (const char* k : {"inputDetails", "outputDetails"}) details.erase(k);
  }
  bj::object o;
  o["id"] = std::to_string(e.id);
  o["type"] = event_type_name(e.type);
  o["details"] = std::move(details);
  o["previous_event_id"] = std::to_string(e.previous_event_id);
  o["event_timestamp"] = std::to_string(e.timestamp_ms);
  o["execution_arn"] = execution_arn;
  o["redrive_count"] = std::to_string(redrive_count);
  return bj::serialize(o);
}

}  // namespace stepd::engine
