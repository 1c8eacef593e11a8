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

// A resource tag (TagResource).
struct Tag {
  std::string key, value;
  bool operator==(const Tag& o) const { return key == o.key && value == o.value; }
};

// What stepd keeps about one execution besides its history.
struct ExecutionRecord {
  std::uint64_t seq = 0;
  std::string state_machine_arn;  // unqualified, even when started through a version or alias
  engine::StartParams params;  // names, ARNs, input, start time, seed
  std::string status = "RUNNING";
  std::int64_t stop_ms = 0;
  std::optional<std::string> error, cause;
  std::string output;  // JSON text when SUCCEEDED
  bool express = false;  // an EXPRESS execution: kept in memory only, never recovered
  std::int64_t wake_ms = 0;  // passivated (no actor) until then; 0 while an actor holds it
  // The revision (definition + role) the execution runs: an update of its
  // state machine after the start does not change it, as on AWS.
  std::string revision_id;
  std::string state_machine_version_arn;  // when started through a version (or an alias to one)
  std::string state_machine_alias_arn;    // when started through an alias
  std::string trace_header;
  std::int32_t redrive_count = 0;
  std::int64_t redrive_ms = 0;  // the last RedriveExecution; 0: never redriven
  std::string map_run_arn;      // a Distributed Map's child: the Map Run that started it
};

// DescribeMapRun's counts (MapRunItemCounts / MapRunExecutionCounts).
struct MapRunCounts {
  std::int64_t pending = 0, running = 0, succeeded = 0, failed = 0, timed_out = 0, aborted = 0, total = 0,
               results_written = 0;
};

// How one child of a Map Run ended, kept for the children that keep no
// execution record of their own (EXPRESS): after a restart the Map Run
// finds them here instead of running them again.
struct MapRunChildEnd {
  std::int64_t index = 0;          // the child's place in item order
  std::string status;              // SUCCEEDED | FAILED | TIMED_OUT | ABORTED
  std::string output;              // JSON text; SUCCEEDED only
  std::optional<std::string> error, cause;
  std::int64_t start_ms = 0, stop_ms = 0;
};

// OK, or kInvalidArgument for the first end that no journal stores (both
// refuse the same): a negative index, or a status other than the four above.
inline Status check_child_ends(const std::vector<MapRunChildEnd>& ends) {
  for (const auto& e : ends) {
    if (e.index < 0) return Status::invalid("Map Run child end: negative index " + std::to_string(e.index));
    if (e.status != "SUCCEEDED" && e.status != "FAILED" && e.status != "TIMED_OUT" && e.status != "ABORTED") {
      return Status::invalid("Map Run child end " + std::to_string(e.index) + ": status \"" + e.status +
                             "\" is not an end");
    }
  }
  return Status();
}

// A Distributed Map's Map Run (DescribeMapRun, ListMapRuns). Written when
// it starts, when it ends, and when UpdateMapRun changes it; while it runs
// the runtime has fresher counts than the stored ones.
struct MapRunRecord {
  std::string map_run_arn;
  std::string execution_arn;       // the parent execution
  std::string status = "RUNNING";  // RUNNING | SUCCEEDED | FAILED | ABORTED
  std::int64_t start_ms = 0;
  std::int64_t stop_ms = 0;        // 0 while RUNNING
  std::int64_t max_concurrency = 0;
  std::int64_t tolerated_failure_count = 0;
  double tolerated_failure_percentage = 0;
  MapRunCounts item_counts, execution_counts;
  std::int32_t redrive_count = 0;
  std::int64_t redrive_ms = 0;
};

// An immutable (definition, role) pair of a state machine. The machine, its
// published versions and its executions point at one by id, so an update
// adds a revision instead of changing what running executions use.
struct RevisionRecord {
  std::string revision_id;
  std::string state_machine_arn;
  std::string definition;
  std::string role_arn;
  std::int64_t creation_ms = 0;
};

// A published version; its ARN is the state machine ARN + ":" + version.
struct StateMachineVersion {
  std::uint32_t version = 0;  // 1, 2, ...; never reused after a delete
  std::string revision_id;
  std::string description;
  std::int64_t creation_ms = 0;
};

struct RoutingEntry {
  std::string version_arn;
  std::uint32_t weight = 0;
};

// An alias; its ARN is the state machine ARN + ":" + name.
struct StateMachineAlias {
  std::string name;
  std::string description;
  std::vector<RoutingEntry> routing;  // 1 or 2 entries
  std::int64_t creation_ms = 0;
  std::int64_t update_ms = 0;
};

// A registered state machine as DescribeStateMachine shows it, with its
// versions and aliases.
struct StateMachineRecord {
  std::string arn;
  std::string name;
  std::string definition;  // the current revision's, copied for Describe*
  std::string role_arn;
  std::string type = "STANDARD";
  std::int64_t creation_ms = 0;
  std::string status = "ACTIVE";  // or "DELETING"
  std::string revision_id;        // the current RevisionRecord; empty in stores older than revisions
  std::int64_t update_ms = 0;     // 0: never updated
  std::string logging_configuration;     // JSON text; empty: the default (level OFF)
  bool tracing_enabled = false;
  std::string encryption_configuration;  // JSON text; empty: AWS-owned key
  std::vector<Tag> tags;
  std::vector<StateMachineVersion> versions;  // ascending version
  std::vector<StateMachineAlias> aliases;
  std::uint32_t next_version = 1;  // the number the next publish takes
};

// An activity (CreateActivity).
struct ActivityRecord {
  std::string arn;
  std::string name;
  std::int64_t creation_ms = 0;
  std::vector<Tag> tags;
  std::string encryption_configuration;  // JSON text
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

  // Stores a state machine (create or replace), durably, before returning;
  // with `revision`, that revision too, in the same transaction.
  virtual Status put_state_machine(const StateMachineRecord& r,
                                   const std::optional<RevisionRecord>& revision = std::nullopt) = 0;
  virtual Result<StateMachineRecord> state_machine(const std::string& arn) = 0;
  // Up to `max` state machines with ARN > `after`, in ARN order.
  virtual Result<std::vector<StateMachineRecord>> state_machines(const std::string& after, std::size_t max) = 0;
  // Removes the state machine record (its revisions and executions stay:
  // running executions finish, histories stay readable). kNotFound when absent.
  virtual Status delete_state_machine(const std::string& arn) = 0;
  // A revision by id; kNotFound when absent.
  virtual Result<RevisionRecord> revision(const std::string& revision_id) = 0;
  // Stores a revision on its own (a Distributed Map's child workflow),
  // durably, before returning; one already there is left as it is.
  virtual Status put_revision(const RevisionRecord& r) = 0;

  // Map Runs: create or replace durably before returning; read by ARN
  // (kNotFound when absent); those of one parent execution, oldest first
  // (by start_ms; Map Runs started in the same millisecond come in a fixed
  // order that is otherwise unspecified).
  virtual Status put_map_run(const MapRunRecord& r) = 0;
  virtual Result<MapRunRecord> map_run(const std::string& map_run_arn) = 0;
  virtual Result<std::vector<MapRunRecord>> map_runs_of(const std::string& execution_arn) = 0;
  // Child ends of a Map Run: stored durably before returning, in one
  // transaction (a later one for the same index replaces it); read back
  // with index >= `from`, in index order, up to `max`.
  virtual Status put_map_run_children(const std::string& map_run_arn, const std::vector<MapRunChildEnd>& ends) = 0;
  virtual Result<std::vector<MapRunChildEnd>> map_run_children(const std::string& map_run_arn, std::int64_t from,
                                                               std::size_t max) = 0;

  // Activities: create or replace durably; read; page in ARN order; remove
  // (kNotFound when absent).
  virtual Status put_activity(const ActivityRecord& r) = 0;
  virtual Result<ActivityRecord> activity(const std::string& arn) = 0;
  virtual Result<std::vector<ActivityRecord>> activities(const std::string& after, std::size_t max) = 0;
  virtual Status delete_activity(const std::string& arn) = 0;

  // Executions of one state machine (unqualified ARN), newest first as
  // ListExecutions returns them: up to `max` started strictly before the
  // cursor (start_ms, seq); the default cursor starts from the newest. Page
  // on with the last record's (params.start_ms, seq).
  struct ExecutionCursor {
    std::int64_t start_ms = INT64_MAX;
    std::uint64_t seq = UINT64_MAX;
  };
  virtual Result<std::vector<ExecutionRecord>> executions_of(const std::string& state_machine_arn, std::size_t max,
                                                             ExecutionCursor before) = 0;
  // The same for the child executions of one Map Run (records whose
  // map_run_arn is set are indexed by it when they are first written).
  virtual Result<std::vector<ExecutionRecord>> executions_of_map_run(const std::string& map_run_arn, std::size_t max,
                                                                     ExecutionCursor before) = 0;

  // Reads, each in its own short read transaction.
  virtual Result<std::vector<ExecutionRecord>> open_executions() = 0;
  // The seqs of the open executions, in seq order: recovery reads their
  // records one by one, so that one unreadable record (a damaged file)
  // holds back only its own execution. The default asks open_executions().
  virtual Result<std::vector<std::uint64_t>> open_execution_seqs() {
    auto open = open_executions();
    if (!open.ok()) return open.status();
    std::vector<std::uint64_t> out;
    out.reserve(open->size());
    for (const auto& r : *open) out.push_back(r.seq);
    return out;
  }
  virtual Result<ExecutionRecord> execution(std::uint64_t seq) = 0;
  virtual Result<std::uint64_t> execution_seq(const std::string& execution_arn) = 0;
  virtual Result<std::vector<engine::Event>> history(std::uint64_t seq) = 0;
  // Up to `max` events of `seq` with id >= `from_id`, in id order (ids run
  // 1, 2, 3...): a page, or what came after what a reader already has. The
  // default reads the whole history; the LMDB journal reads only the range.
  virtual Result<std::vector<engine::Event>> history_range(std::uint64_t seq, std::int64_t from_id, std::size_t max) {
    auto all = history(seq);
    if (!all.ok()) return all;
    std::vector<engine::Event> out;
    for (auto& e : *all) {
      if (out.size() >= max) break;
      if (e.id >= from_id) out.push_back(std::move(e));
    }
    return out;
  }
  // Up to `max` timer entries due at or before `now_ms`, earliest first.
  virtual Result<std::vector<DueWake>> due_wakes(std::int64_t now_ms, std::size_t max) = 0;
};

// RedriveExecution wants an execution with fewer than 24,999 events (the
// model's rule: one fewer than AWS's 25,000-event limit,
// engine::StartParams::max_events). True when `seq` has that many or more;
// "Execution history event limit exceeded." is AWS's reason.
inline bool too_long_to_redrive(Journal& journal, std::uint64_t seq) {
  auto tail = journal.history_range(seq, engine::StartParams{}.max_events - 1, 1);
  return tail.ok() && !tail->empty();
}
inline constexpr const char* kHistoryLimitReason = "Execution history event limit exceeded.";

}  // namespace stepd::storage
