#pragma once
// The execution actor: one per open execution. It folds its log (at
// recovery), asks the engine what each fact causes, hands the events to the
// journal and performs the effects only once they are durable
// (write-ahead). No ASL logic lives here. Include only in actors/*.cpp.

#include <map>
#include <memory>
#include <vector>

#include <caf/all.hpp>

#include "actors/messages.h"
#include "src/mock/mock_tasks.h"
#include "storage/journal.h"

namespace stepd::actors {

// What every execution actor shares; owned by the Runtime, outlives them.
class Integrations;  // actors/integrations.h
class Runtime;       // actors/runtime.h

struct ExecutionDeps {
  storage::Journal* journal = nullptr;          // STANDARD executions
  storage::Journal* express_journal = nullptr;  // EXPRESS executions: in memory, no per-event log
  const mock::MockConfig* mocks = nullptr;  // Task answers until integrations exist; null: Tasks fail
  std::string mock_test_case;
  // An execution whose next wake-up is at least this far away (and that
  // waits on no task) leaves memory: a timer entry in the journal wakes it.
  // 0: never.
  std::int64_t passivate_after_ms = 0;
  std::string token_key;  // mints task tokens (StartParams::token_key): set at start and every fold
  // Real service calls (HTTP Task, Lambda, aws-sdk); null: mocks only.
  Integrations* integrations = nullptr;
  // Nested executions (states:startExecution) start and are watched here.
  Runtime* runtime = nullptr;
};

// Effects waiting for the batch that justifies them to be durable.
struct PendingBatch {
  std::vector<engine::Effect> effects;
  bool first = false;     // the execution's first decision: answers the start request
  bool finished = false;  // the execution ended in this batch
  RecordCallback reopened;  // a redrive: answered with the record once durable
};

// A task's heartbeat deadline: SendTaskHeartbeat moves it on; the check
// fires kTaskTimedOut only when it really passed.
struct HeartbeatWatch {
  std::int64_t due_ms = 0;
  std::int64_t seconds = 0;
};

// Owned by one execution actor.
struct ExecutionActorState {
  ExecutionDeps deps;
  caf::actor coordinator;
  storage::ExecutionRecord record;
  MachinePtr machine;
  std::unique_ptr<mock::MockTasks> tasks;          // keyed by this execution's state machine name
  engine::ExecutionStatePtr exec;
  std::uint64_t batches = 0;                       // batches handed to the journal
  std::map<std::uint64_t, PendingBatch> pending;  // by batch number, until acknowledged
  StartCallback started;                           // the start request, answered at the first ack
  RecordCallback on_finish;                        // StartSyncExecution: answered when the end is durable
  std::vector<RecordCallback> on_stop;             // StopExecution requests, likewise
  std::map<std::pair<std::int32_t, std::uint64_t>, HeartbeatWatch> heartbeats;  // by (frame, effect token)
  bool closing = false;                            // the end was handed to the journal
  bool passivating = false;                        // a wake-up entry is on its way to the journal
  bool closed = false;                             // the end is durable: ignore late facts
  // Nested executions started by this one's tasks (states:startExecution
  // .sync/.sync:2/.waitForTaskToken), by (frame, effect token): stopped
  // when this execution is.
  std::map<std::pair<std::int32_t, std::uint64_t>, std::string> children;
  // Map Runs this one waits on, by (frame, effect token): aborted when it
  // no longer wants them.
  std::map<std::pair<std::int32_t, std::uint64_t>, std::string> map_runs;
};

// Handles: (start_atom, StartedPtr, StartCallback, RecordCallback)  takes the
//            first decision (made by the caller; null: makes it), calls back
//            with the execution ARN once it is durable, and with the final
//            record once the end is (the second callback may be null);
//          (recover_atom)               fold the log, re-arm pending work;
//          (redrive_atom, RecordCallback)  fold the log of an ended execution
//            and continue it from where it failed;
//          (fact_atom, Fact)            task results, timers;
//          (stop_atom, Fact) -> ExecutionRecord  StopExecution, answered
//            once the end is durable;
//          (beat_atom, frame, effect token)   SendTaskHeartbeat;
//          (child_atom, frame, effect token, ARN)  a nested execution started.
// Tasks that wait on a token (activities) are offered to `coordinator`
// (offer_atom) and withdrawn when no longer wanted (withdraw_atom).
// Sends (passive_atom, seq) to `coordinator` and quits when it passivated
// (its wake-up entry is durable); the coordinator wakes it from the log.
// Sends (done_atom, seq) to `coordinator` when the execution has finished
// and that is durable, then quits. An append the journal refuses (a full
// disk, an I/O error) makes it quit with journal_failure(why): what it held
// in memory beyond its log is dropped with it, and the coordinator resumes
// it from its log later (with a backoff, see coordinator.h). Any other
// error (its log unreadable) makes it quit with caf::sec::runtime_error.
// The exit reason of an execution actor whose append failed, `why` in its
// context; and the test for it.
caf::error journal_failure(const std::string& why);
bool is_journal_failure(const caf::error& e);

caf::behavior execution_actor(caf::stateful_actor<ExecutionActorState>* self, ExecutionDeps deps,
                              caf::actor coordinator, storage::ExecutionRecord record, MachinePtr machine);

}  // namespace stepd::actors
