#pragma once
// The journal: what the runtime needs from storage, in its own words.
//
// Executions, their state machines and their histories, appended through
// the one group-commit writer and read back at recovery. The actors see
// only this interface; storage/lmdb_journal.* implements it over LMDB and
// the FlatBuffers codec, and an in-memory journal serves EXPRESS runs and
// tests. Implementations are safe to call from any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/common/status.h"
#include "src/engine/engine.h"

namespace stepd::storage {

// What stepd keeps about one execution besides its history.
struct ExecutionRecord {
  std::uint64_t seq = 0;
  std::string state_machine_arn;
  engine::StartParams params;  // names, ARNs, input, start time, seed
  std::string status = "RUNNING";
  std::int64_t stop_ms = 0;
  std::optional<std::string> error, cause;
  std::string output;  // JSON text when SUCCEEDED
  bool express = false;  // an EXPRESS execution: kept in memory only, never recovered
  std::int64_t wake_ms = 0;  // passivated (no actor) until then; 0 while an actor holds it
};

// A registered state machine (the definition its executions run).
struct StateMachineRecord {
  std::string arn;
  std::string name;
  std::string definition;
  std::string role_arn;
  std::string type = "STANDARD";
  std::int64_t creation_ms = 0;
};

// One durable step of one execution: the events of a decision, and the
// record when it changed (at start and at the end).
struct Append {
  std::uint64_t seq = 0;
  std::vector<engine::Event> events;
  std::optional<ExecutionRecord> record;  // written when set
  bool opened = false;                    // the execution becomes open (start)
  bool closed = false;                    // the execution left the open index (end)
  std::optional<std::int64_t> wake_ms;    // add a timer entry: wake the execution then
  std::optional<std::int64_t> unwake_ms;  // remove the timer entry of that time
};

// A passivated execution whose wake-up time has come.
struct DueWake {
  std::int64_t due_ms = 0;
  std::uint64_t seq = 0;
};

class Journal {
 public:
  virtual ~Journal() = default;

  // A fresh execution sequence number, unique for the life of the store.
  virtual Result<std::uint64_t> next_seq() = 0;

  // Makes `a` durable, then calls `done` (on the writer's thread) with OK,
  // or with why not; nothing of `a` is visible before `done(OK)`.
  virtual void append(Append a, std::function<void(const Status&)> done) = 0;
  // True when append() calls `done` before it returns, on the caller's
  // thread (in memory): the caller may then skip a message hop.
  virtual bool synchronous() const { return false; }

  // Stores a state machine (create or replace), durably, before returning.
  virtual Status put_state_machine(const StateMachineRecord& r) = 0;
  virtual Result<StateMachineRecord> state_machine(const std::string& arn) = 0;
  // Up to `max` state machines with ARN > `after`, in ARN order.
  virtual Result<std::vector<StateMachineRecord>> state_machines(const std::string& after, std::size_t max) = 0;

  // Reads, each in its own short read transaction.
  virtual Result<std::vector<ExecutionRecord>> open_executions() = 0;
  virtual Result<ExecutionRecord> execution(std::uint64_t seq) = 0;
  virtual Result<std::uint64_t> execution_seq(const std::string& execution_arn) = 0;
  virtual Result<std::vector<engine::Event>> history(std::uint64_t seq) = 0;
  // Up to `max` timer entries due at or before `now_ms`, earliest first.
  virtual Result<std::vector<DueWake>> due_wakes(std::int64_t now_ms, std::size_t max) = 0;
};

}  // namespace stepd::storage
