#pragma once
// Runs one execution in memory to completion: the driver behind
// `stepd run`. It plays the part the actors play in the server: runs the
// effects the engine asks for (Task results from a mock config, timers on
// a virtual or the real clock) and feeds the facts back. One thread.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/asl/machine.h"
#include "src/engine/engine.h"
#include "src/mock/mock_config.h"

namespace stepd::cli {

struct LocalRunOptions {
  bool virtual_time = false;               // Wait, backoff and timeouts pass at once
  const mock::MockConfig* mocks = nullptr;  // nullptr: Tasks fail (no integrations in `run`)
  std::string mock_machine;                 // the StateMachines key to use
  std::string test_case;
};

struct LocalRunResult {
  engine::ExecutionStatePtr state;
  std::vector<engine::Event> history;
};

// REQUIRES: params.input_text is valid JSON.
LocalRunResult run_local(std::shared_ptr<const asl::StateMachine> machine, const engine::StartParams& params,
                         const LocalRunOptions& options);

}  // namespace stepd::cli
