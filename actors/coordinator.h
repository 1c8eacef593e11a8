#pragma once
// The coordinator: owns the map of open executions to their actors,
// spawns one per new execution and one per open execution at boot,
// monitors them and restarts a dead one from its log; an execution whose
// actor keeps dying is failed with States.Runtime instead of looping.
// Include only in actors/*.cpp.

#include <deque>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/execution.h"

namespace stepd::actors {

// How often an execution's actor may die before the execution is failed.
// An actor that quit because the journal refused an append (a full disk)
// does not count: the storage failed, not the execution. It is resumed
// from its log after a pause that doubles from kJournalRetryFirstMs up to
// kJournalRetryMaxMs while the failures go on, for as long as they do.
constexpr int kMaxRestarts = 3;
constexpr std::int64_t kJournalRetryFirstMs = 100;
constexpr std::int64_t kJournalRetryMaxMs = 10000;

// EXPRESS executions take their sequence numbers from here up, apart from
// the durable journal's.
constexpr std::uint64_t kExpressSeqBase = std::uint64_t{1} << 62;

// A task waiting on its token, and whether a worker holds it.
struct TokenEntry {
  TaskOffer offer;
  bool taken = false;
};

// A GetActivityTask call waiting for a task.
struct Poller {
  std::uint64_t id = 0;
  std::string worker_name;
  PollCallback done;
};

// Owned by the coordinator actor.
struct CoordinatorState {
  ExecutionDeps deps;
  std::map<std::uint64_t, caf::actor> running;          // seq -> its execution actor
  std::map<caf::actor_addr, std::uint64_t> seq_of;      // actor -> seq, for down messages
  std::map<std::uint64_t, int> restarts;                // seq -> deaths so far
  // Executions whose actor quit on a journal failure, waiting for their
  // retry (open, no actor: idle_atom waits for them too); and per
  // execution the last pause and when it began, to double it while the
  // failures go on (forgotten when it ends or passivates).
  std::set<std::uint64_t> stalled;
  std::map<std::uint64_t, std::pair<std::int64_t, std::int64_t>> backoff;
  std::int64_t journal_logged_ms = 0;                   // the last "appends fail" line (one per 10 s at most)
  std::uint64_t journal_failures = 0;                   // since that line
  std::map<std::string, MachinePtr> machines;           // state machine ARN -> compiled
  std::vector<caf::typed_response_promise<bool>> idle_waiters;
  std::size_t dormant = 0;                              // passivated: open, no actor, a wake-up entry
  std::int64_t poll_ms = 1000;                          // how often the wake-up entries are read
  // Tasks that wait on a token, by token; an index to find them by their
  // effect; activity queues (tokens not yet taken) and their pollers.
  std::unordered_map<std::string, TokenEntry> tokens;
  std::map<std::tuple<std::uint64_t, std::int32_t, std::uint64_t>, std::string> token_of;  // (seq, frame, effect)
  std::map<std::string, std::deque<std::string>> queues;  // activity ARN -> tokens, oldest first
  std::map<std::string, std::deque<Poller>> pollers;       // activity ARN -> waiting polls, oldest first
  std::uint64_t next_poller = 0;
  std::map<std::uint64_t, std::vector<RecordCallback>> closed_waiters;  // seq -> when_closed callers
};

// Handles: (start_atom, ExecutionRecord, MachinePtr, StartedPtr, StartCallback, RecordCallback)
//          (stop_atom, seq, Fact, RecordCallback)   StopExecution (wakes a sleeper)
//          (redrive_atom, ExecutionRecord, RecordCallback)  RedriveExecution
//          (offer_atom, TaskOffer) / (withdraw_atom, seq, frame, effect token)
//          (poll_atom, activity ARN, worker, timeout_ms, PollCallback)
//          (answer_atom, token, Fact, StatusCallback)  SendTaskSuccess/Failure
//          (beat_atom, token, StatusCallback)          SendTaskHeartbeat
//          (recover_atom)  -> std::size_t  the open executions it resumed
//          (idle_atom)     -> bool          true once nothing runs (nor sleeps)
//          (passive_atom, seq)              an execution passivated
//          (retry_atom, seq)                resume one whose append failed
// Every poll_ms it wakes the passivated executions due within the next
// poll, so their own timers fire on time.
//          (count_atom)    -> std::size_t   executions running now
//          (watch_atom, execution ARN, RecordCallback)  answered once it has ended
//          (overview_atom) -> ActivityQueueViews  queues, handed-out tasks, polls (the console)
caf::behavior coordinator_actor(caf::stateful_actor<CoordinatorState>* self, ExecutionDeps deps,
                                std::int64_t poll_ms);

}  // namespace stepd::actors
