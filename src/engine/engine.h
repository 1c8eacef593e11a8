#pragma once
// The interpreter: pure functions from (machine, state, fact) to decisions.
//
//   start()  -> the ExecutionState of a new execution and its first decisions
//   decide() -> what one incoming fact (task result, timer fired, stop) causes
//   fold()   -> the ExecutionState rebuilt from a recorded history
//
// Pure: no clock, no randomness, no I/O. Time comes in with each Fact and is
// written into the events; randomness (jitter, States.UUID) is drawn from a
// generator seeded by StartParams::seed and the event ids, so a replay
// reproduces the run exactly. JSONata expressions see the same: $now() and
// $millis() give the fact's time, $random/$uuid/$shuffle draw from the
// seeded generator. One exception: an expression still running after 10 s
// of wall-clock time is stopped (U1001, a States.QueryEvaluationError), so a
// hostile expression cannot stall its actor (src/engine/jsonata_env.h).
// An ExecutionState is owned by one thread (one actor) at a time.
//
// Lifecycle of an execution:
//
//   start ──▶ RUNNING ──decide(fact)*──▶ SUCCEEDED | FAILED | TIMED_OUT | ABORTED
//               │  ▲
//    effects ◀──┘  └── facts: TaskStarted/Succeeded/Failed/TimedOut, TimerFired,
//   (run tasks,                Stop, ExecutionTimedOut
//    set timers)
//
//   FAILED | TIMED_OUT | ABORTED ──decide(Redrive)──▶ RUNNING again, from the states left open

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "src/asl/machine.h"
#include "src/common/status.h"
#include "src/engine/event.h"
#include "src/engine/map_run.h"

namespace stepd::engine {

namespace bj = boost::json;

// Who and what an execution is; fixed at start, recorded with the execution.
struct StartParams {
  std::string execution_name;
  std::string execution_arn;
  std::string state_machine_name;
  std::string state_machine_arn;
  std::string role_arn;
  // When started through a version or an alias (ExecutionStarted shows them).
  std::string version_arn, alias_arn;
  std::string region = "us-east-1";
  std::string input_text = "{}";  // verbatim, as the client sent it
  std::int64_t start_ms = 0;
  std::uint64_t seed = 0;         // the execution's randomness, drawn once by the caller
  // The server's secret for minting task tokens (src/common/task_token.h).
  // Not recorded with the execution: the runtime sets it at start and at
  // every fold, and the same key must be given to reproduce a history.
  std::string token_key;
  std::int64_t max_events = 25000;       // AWS's history limit; benchmarks may lift it
  std::size_t max_payload = 262144;      // AWS's 256 KiB state input/output limit; likewise
};

enum class FactKind : unsigned char {
  kTaskStarted,        // an activity worker took the task (worker_name)
  kTaskSubmitted,      // a .sync / .waitForTaskToken call was accepted (output: its response)
  kTaskSucceeded,      // output
  kTaskFailed,         // error / cause (each optional)
  kTaskTimedOut,       // the task's TimeoutSeconds or HeartbeatSeconds passed
  kTimerFired,         // a Wait or a retry backoff is over
  kStop,               // StopExecution (error / cause optional)
  kExecutionTimedOut,  // the machine's TimeoutSeconds passed (token: the kExecutionTimeout effect's)
  // RedriveExecution, for a FAILED, TIMED_OUT or ABORTED execution (no
  // frame, no token): ExecutionRedriven{redriveCount}, then the states that
  // were entered and never exited run again from just after their
  // StateEntered, with fresh retry counts; in a Parallel or Map only the
  // branches and iterations that failed, were aborted or never started run
  // (each from where it stopped). The status is RUNNING again and the
  // machine's TimeoutSeconds counts from now. For any other status, or with
  // no room left in the history, it yields no decisions.
  kRedrive,
};

struct Fact {
  FactKind kind = FactKind::kTimerFired;
  std::int64_t now_ms = 0;
  std::int32_t frame = 0;      // the frame the effect was issued for
  std::uint64_t token = 0;     // the effect's token; stale facts are ignored
  bj::value output;            // kTaskSucceeded, kTaskSubmitted
  std::optional<std::string> error, cause;
  std::string worker_name;
};

enum class EffectKind : unsigned char {
  kInvokeTask,   // run a Task (integration, activity, Lambda); answer with Task* facts
  kStartTimer,   // answer with kTimerFired at due_ms
  kTaskTimeout,  // answer with kTaskTimedOut at due_ms unless the task finished
  kHeartbeatTimeout,  // likewise, but due_ms moves on by heartbeat_seconds at each heartbeat
  kCancelTask,   // the task with this token is no longer wanted (abort, timeout)
  kExecutionTimeout,  // answer with kExecutionTimedOut (same token) at due_ms
  kMapRun,       // run the Map Run in map_run; answer with kTaskSucceeded / kTaskFailed (src/engine/map_run.h)
};

// Something the caller must do once the decision's events are durable.
struct Effect {
  EffectKind kind = EffectKind::kStartTimer;
  std::int32_t frame = 0;
  std::uint64_t token = 0;
  std::int64_t due_ms = 0;
  // kInvokeTask:
  std::string state_name;
  std::string resource;
  bj::value payload;            // the effective parameters / input
  std::int64_t attempt = 0;     // 0 for the first try, +1 per retry
  // How many times this execution invoked this state before (all visits,
  // retries and Map iterations included): Step Functions Local's mock
  // invocation number. Replays give the same numbers.
  std::int64_t invocation = 0;
  std::optional<std::int64_t> timeout_seconds, heartbeat_seconds;
  // Activities and .waitForTaskToken: the token ($$.Task.Token) a worker or
  // callback answers with (SendTaskSuccess/Failure/Heartbeat); else empty.
  std::string task_token;
  // The call was already accepted (TaskSubmitted): after a restart only
  // its callback is awaited (re-offer the token), the call is not made again.
  bool submitted = false;
  std::string submitted_response;  // the accepted call's response (JSON text) when submitted
  // kMapRun: the Map Run to run (or, after a restart, to find again).
  std::shared_ptr<const MapRunSpec> map_run;
};

struct Decisions {
  std::vector<Event> events;
  std::vector<Effect> effects;
};

enum class ExecutionStatus : unsigned char { kRunning, kSucceeded, kFailed, kTimedOut, kAborted };
const char* status_name(ExecutionStatus s);  // "RUNNING", "SUCCEEDED", ...

class ExecutionState;  // defined in src/engine/state.h
// Deletes an ExecutionState where its type is complete.
struct ExecutionStateDeleter {
  void operator()(ExecutionState* s) const;
};
using ExecutionStatePtr = std::unique_ptr<ExecutionState, ExecutionStateDeleter>;

// A new execution: ExecutionStarted and everything up to the first point
// where it waits for a fact. REQUIRES: machine outlives the state.
struct Started {
  ExecutionStatePtr state;
  Decisions decisions;
};
Started start(std::shared_ptr<const asl::StateMachine> machine, const StartParams& params);
// The same with params.input_text already parsed by the caller (who had to
// check it): one parse per start instead of two.
Started start(std::shared_ptr<const asl::StateMachine> machine, const StartParams& params, bj::value input);

// Applies one fact. Mutates `state` (it is the caller's private copy) and
// returns the events to append and the effects to run once they are
// durable. A fact for a finished execution (other than kRedrive) or with a
// stale token yields no decisions. Tokens only grow, across redrives too, so
// an answer to an effect issued before a redrive stays stale after it.
Decisions decide(ExecutionState& state, const Fact& fact);

// Rebuilds the state from a recorded history by replaying the same
// decisions: every event the engine produces must equal the recorded one
// (type and details), else the history does not belong to this machine and
// fold fails with kInvalidArgument naming the first differing event.
//
// `observe`, when given, is called after each replayed decision with the
// number of recorded events consumed so far and the state they led to
// (stepd replay, the console's time travel); returning false stops the fold
// there.
using FoldObserver = std::function<bool(std::size_t consumed, const ExecutionState&)>;
Result<ExecutionStatePtr> fold(std::shared_ptr<const asl::StateMachine> machine, const StartParams& params,
                               const std::vector<Event>& events, const FoldObserver& observe = {});

// A readable picture of the state for debugging: status, and per running
// frame its state, phase, input, variables and what it waits on.
bj::object describe(const ExecutionState& s);

// Everything the execution waits on right now (tasks in flight, timers,
// timeouts): after fold(), the caller re-arms these. Tasks in flight are
// dispatched again (at-least-once, as AWS does for integrations).
std::vector<Effect> pending_effects(const ExecutionState& s);

// What the state shows from outside.
ExecutionStatus status(const ExecutionState& s);
std::int64_t event_count(const ExecutionState& s);
// How many times the execution was redriven ($$.Execution.RedriveCount).
std::int64_t redrive_count(const ExecutionState& s);
// The output (SUCCEEDED) as JSON text; error and cause (FAILED, TIMED_OUT, ABORTED).
const std::string& output_text(const ExecutionState& s);
const std::optional<std::string>& error(const ExecutionState& s);
const std::optional<std::string>& cause(const ExecutionState& s);

}  // namespace stepd::engine
