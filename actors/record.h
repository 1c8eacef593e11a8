#pragma once
// What an ended execution's record says: one place for the execution actor
// and the runtime's inline EXPRESS path. No CAF.

#include <cstdint>

#include "src/engine/engine.h"
#include "storage/journal.h"

namespace stepd::actors {

// Copies the end of `exec` (status, output, error, cause) into `record`;
// the stop time is that of the last event, or `now_ms` without one.
inline void record_end(storage::ExecutionRecord& record, const engine::ExecutionState& exec,
                       const std::vector<engine::Event>& last_events, std::int64_t now_ms) {
  record.status = engine::status_name(engine::status(exec));
  record.stop_ms = last_events.empty() ? now_ms : last_events.back().timestamp_ms;
  record.output = engine::output_text(exec);
  record.error = engine::error(exec);
  record.cause = engine::cause(exec);
}

}  // namespace stepd::actors
