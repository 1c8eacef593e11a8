#pragma once
// ExecutionState: everything the interpreter knows about one execution,
// as decide() leaves it and fold() rebuilds it. Internal to src/engine;
// other layers hold it through engine.h's opaque pointer. Owned by one
// thread (one actor) at a time.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "src/asl/machine.h"
#include "src/engine/engine.h"

namespace stepd::engine {

struct Inspection;  // src/engine/inspect.h

// One running sub-machine: the execution's own States (frame 0), a Parallel
// branch or a Map iteration. Frames form a tree through `parent`.
//
//   kEnter ─▶ (state logic) ─▶ kEnter (next state) ... ─▶ kDone | kFailed
//                 │    ▲
//                 ▼    │ fact
//   kTask / kRetryWait / kWait / kChildren / kMapRun  kAborted (parent gave up)
//
// A redrive takes a kFailed / kAborted frame of an ended run back into the
// state it had not exited (decide.cpp, resume()).
struct Frame {
  enum class Phase : unsigned char { kEnter, kTask, kRetryWait, kWait, kChildren, kMapRun, kDone, kFailed, kAborted };

  std::int32_t id = 0;
  std::int32_t parent = -1;
  const asl::StateMachine* machine = nullptr;
  std::int64_t index = 0;   // branch number / Map iteration index in the parent

  int state = -1;           // current state in `machine`
  Phase phase = Phase::kEnter;
  bj::value input;          // raw input of the current state (as entered)
  std::string input_text;   // its JSON text when the previous state already made it
  bj::value effective;      // after InputPath (and Parameters for Task/Parallel)
  std::int64_t entered_id = 0;
  std::int64_t entered_prev = 0;
  // JSONata: the state's inputs to its work (Arguments, Items, timeouts)
  // failed to evaluate, so a retry evaluates them again.
  bool needs_eval = false;  // what the StateEntered linked to (JSONata EvaluationFailed links there too)
  std::int64_t entered_ms = 0;
  std::int64_t tip = 0;     // the event new events of this frame link to

  // Retry bookkeeping for the current state visit.
  std::vector<std::int64_t> retry_counts;
  std::int64_t retry_count = 0;  // $$.State.RetryCount
  std::uint64_t token = 0;       // the outstanding effect's token
  std::int64_t since_ms = 0;     // kTask: when it was scheduled; kWait/kRetryWait: when the timer is due
  std::int64_t invocation = 0;   // kTask: see Effect::invocation
  std::optional<std::int64_t> timeout_seconds, heartbeat_seconds;
  std::string task_token;
  // A .waitForTaskToken / .sync call of this visit was accepted
  // (TaskSubmitted): it is not made again, only its answer is awaited.
  bool submitted = false;
  std::string submitted_response;  // its response, JSON text (a nested execution's ARN)

  bj::object vars;          // this frame's variable scope

  // Parallel / Map children.
  std::vector<std::int32_t> running;    // child frames not yet finished
  bj::array items;                      // Map items
  bj::array results;                    // child outputs by index
  std::size_t next_item = 0;
  std::size_t finished = 0;
  std::size_t failures = 0;
  std::int64_t max_concurrency = 0;     // 0: unbounded
  std::optional<double> tolerated_percentage;
  std::optional<std::int64_t> tolerated_count;
  std::int64_t close_link = 0;          // what XStateSucceeded/Exited link to
  std::int64_t map_run_started = 0;     // Distributed Map: the MapRunStarted id
  std::string map_run_arn;              // Distributed Map: the current Map Run (MapRunRedriven names it)
  std::int64_t map_run_redrives = 0;    // Distributed Map: MapRunRedriven's redriveCount so far
  std::shared_ptr<const MapRunSpec> map_run;  // Distributed Map: the Map Run of this attempt (kMapRun)
  bool abort_task_on_fail = false;      // a child that failed in a Task emits TaskStateAborted
  bool pumping = false;                 // inside pump(): finished iterations must not re-enter it

  // Redrive bookkeeping. A state is "open" from its StateEntered to its
  // StateExited; AWS redrives exactly the open states of an ended run.
  bool in_state = false;                // the current state was entered and has not exited
  bool children_started = false;        // Parallel/Map: this visit started branches/iterations
  std::int64_t started_id = 0;          // Parallel/Map: the latest Parallel/MapStateStarted id
  // Children that failed or were aborted in this visit, kept (not released)
  // so a redrive can run them again from where they stopped; released when
  // the state exits or starts a new attempt.
  std::vector<std::int32_t> parked;
  std::vector<std::int32_t> requeue;    // Map: parked iterations a redrive still has to resume

  // Outcome when kDone / kFailed.
  bj::value output;
  std::optional<std::string> error, cause;
};

// What a Distributed Map's ItemSelector sees of its parent, kept for the
// items an ItemReader reads after the Map started (MapRunSpec::item_scope,
// select_item()): a copy of the Map's frame with every variable in sight.
struct ItemScope {
  std::shared_ptr<const asl::StateMachine> machine;  // the parent's: keeps frame->machine alive
  StartParams params;
  bj::value input;  // the parent execution's input ($$.Execution.Input)
  std::int64_t redrive_count = 0, redrive_ms = 0;
  std::unique_ptr<Frame> frame;
};

class ExecutionState {
 public:
  std::shared_ptr<const asl::StateMachine> machine;
  StartParams params;
  bj::value input;                               // parsed execution input
  std::vector<std::unique_ptr<Frame>> frames;    // by id; finished children are released
  ExecutionStatus status = ExecutionStatus::kRunning;
  std::int64_t last_id = 0;
  std::uint64_t next_token = 1;
  std::uint64_t draws = 0;                       // random numbers drawn so far
  std::map<std::string, std::int64_t> invocations;  // Task invocations so far, by state name
  std::string output_text;
  std::optional<std::string> error, cause;
  std::int64_t redrive_count = 0;                // ExecutionRedriven events so far
  std::int64_t redrive_ms = 0;                   // when the latest redrive happened
  // The history reached params.max_events: the last event written was
  // ExecutionFailed{States.Runtime}; nothing more is written or run.
  bool history_full = false;
  // TestState only (src/engine/test_state.cpp): watches the root frame's
  // state visit and ends the run after it. Not owned; null in executions.
  Inspection* inspect = nullptr;
};

}  // namespace stepd::engine
