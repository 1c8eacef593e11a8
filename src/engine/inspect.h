#pragma once
// TestState's window into the interpreter (internal to src/engine).
//
// test_state() runs the tested state as the first state of a one-visit
// execution through the ordinary start()/decide() code, with an Inspection
// attached to the ExecutionState. The interpreter then (for the root frame
// only) records each data-flow step of the visit, runs a Map/Parallel on
// its mocked result instead of its children, does not wait in a Wait
// state, reports a matching retrier instead of waiting to retry, and ends
// the run when the state exits instead of entering the next one.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "src/asl/machine.h"
#include "src/common/status.h"
#include "src/engine/engine.h"

namespace stepd::engine {

struct Inspection {
  // ---- set by test_state() before the run ----------------------------------
  bj::object variables;                      // the root frame's variables at the start
  bool mocked = false;                       // a mock was given (Map/Parallel run on it)
  std::optional<bj::value> mock_result;      // mock.result, parsed
  std::optional<std::string> mock_error, mock_cause;  // mock.errorOutput
  std::optional<std::int64_t> retrier_retry_count;      // stateConfiguration.retrierRetryCount
  std::optional<std::int64_t> map_iteration_failure_count;  // stateConfiguration.mapIterationFailureCount

  // ---- filled in by the interpreter ------------------------------------------
  std::optional<bj::value> after_input_path, after_parameters, result, after_result_selector, after_result_path,
      after_items_path;
  std::optional<std::int64_t> max_concurrency, tolerated_failure_count;
  std::optional<double> tolerated_failure_percentage;
  std::optional<std::int64_t> retry_index, catch_index, retry_backoff_seconds;
  enum class Outcome : unsigned char { kNone, kRetriable, kCaught } outcome = Outcome::kNone;
  std::optional<std::string> error, cause;   // the error a retrier or catcher matched
  std::optional<bj::value> output;           // the state's output, when it exited
  std::optional<std::string> next_state;     // where it would go next
  Status rejected;                           // a request error found during the run
};

// start() with `inspection` attached (it must outlive the returned state,
// which keeps a pointer to it).
Started start_inspected(std::shared_ptr<const asl::StateMachine> machine, const StartParams& params,
                        Inspection* inspection);

}  // namespace stepd::engine
