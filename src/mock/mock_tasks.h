#pragma once
// Answers Task invocations from a MockConfig, as Step Functions Local does:
// the one place `stepd run` and the runtime turn a mocked response into the
// facts the engine expects. The invocation number comes from the engine
// (Effect::invocation), so a recovered execution gets the same answers.
// Immutable after construction; safe to share between threads.

#include <string>
#include <vector>

#include "src/engine/engine.h"
#include "src/mock/mock_config.h"

namespace stepd::mock {

class MockTasks {
 public:
  // `config` may be null: every Task then fails with a message saying how
  // to mock it. REQUIRES: config outlives this object.
  MockTasks(const MockConfig* config, std::string machine, std::string test_case)
      : config_(config), machine_(std::move(machine)), test_case_(std::move(test_case)) {}

  // The facts that answer `task`, in order: TaskStarted for an activity,
  // TaskSubmitted (with {} as the unmocked submit response) for a
  // `.sync` / `.waitForTaskToken` integration, then the result. The caller
  // stamps now_ms.
  std::vector<engine::Fact> answer(const engine::Effect& task) const;

  // True when the test case mocks this Task state: then the mock answers
  // it even where a real integration could (Step Functions Local's rule).
  bool mocks(const engine::Effect& task) const;

 private:
  engine::Fact result(const engine::Effect& task) const;

  const MockConfig* config_;
  std::string machine_;
  std::string test_case_;
};

}  // namespace stepd::mock
