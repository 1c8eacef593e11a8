#pragma once
// What a Task's service call comes to: its output, or an error name and a
// cause, as they appear in TaskSucceeded / TaskFailed.

#include <string>
#include <utility>

#include <boost/json/value.hpp>

namespace stepd::integrations {

struct TaskOutcome {
  bool ok = false;
  boost::json::value output;  // ok
  std::string error, cause;   // !ok

  static TaskOutcome success(boost::json::value v) {
    TaskOutcome o;
    o.ok = true;
    o.output = std::move(v);
    return o;
  }
  static TaskOutcome failure(std::string error, std::string cause) {
    TaskOutcome o;
    o.error = std::move(error);
    o.cause = std::move(cause);
    return o;
  }
};

}  // namespace stepd::integrations
