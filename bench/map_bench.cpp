// Inline Map benchmark (issue #7, workload 3): one execution of an inline
// Map over N integers with a Pass body, through the pure engine (as
// interpreter_bench's map_100k), with the history and payload limits lifted
// (AWS caps a history at 25,000 events). One run per process, so that the
// caller can read this process's peak resident memory (bench/run_all.py
// takes it from wait4); the peer is aws-local-stepfunctions running the same
// definition on the same input (bench/peers/asl_bench.mjs map N).
//
//   map_bench N
//
// Prints one JSON object: {"items", "seconds", "events"}. `seconds` is the
// run alone; building the input text is not counted (nor on the peer's side).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "src/asl/machine.h"
#include "src/engine/engine.h"

using namespace stepd;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  long n = argc > 1 ? std::atol(argv[1]) : 100000;
  // Keep in step with MAP_DEFINITION in bench/peers/asl_bench.mjs.
  const std::string def = R"json({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
    "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}})json";
  auto m = asl::compile_text(def);
  if (!m.ok()) {
    std::fprintf(stderr, "map_bench: %s\n", m.status().message().c_str());
    return 1;
  }
  std::string items = "{\"items\":[";
  for (long i = 0; i < n; ++i) {
    if (i) items += ',';
    items += std::to_string(i);
  }
  items += "]}";

  engine::StartParams p;
  p.execution_name = "bench";
  p.execution_arn = "arn:aws:states:us-east-1:123456789012:execution:bench:bench";
  p.state_machine_name = "bench";
  p.state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:bench";
  p.role_arn = "arn:aws:iam::123456789012:role/bench";
  p.input_text = std::move(items);
  p.start_ms = 1700000000000;
  p.seed = 42;
  p.max_events = 1 << 30;
  p.max_payload = 1 << 30;

  auto t0 = Clock::now();
  auto started = engine::start(*m, p);
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (engine::status(*started.state) != engine::ExecutionStatus::kSucceeded) {
    std::fprintf(stderr, "map_bench: the execution did not succeed\n");
    return 1;
  }
  std::printf("{\"items\":%ld,\"seconds\":%.4f,\"events\":%zu}\n", n, s, started.decisions.events.size());
  return 0;
}
