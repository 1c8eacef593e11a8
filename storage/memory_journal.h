#pragma once
// A Journal kept in memory: EXPRESS executions (no per-event log, as on
// AWS) and tests of the runtime without a disk. Safe from any thread.

#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "storage/journal.h"

namespace stepd::storage {

class MemoryJournal : public Journal {
 public:
  // With keep_history false, appended events are dropped and finished
  // executions forgotten: EXPRESS keeps no per-event log, as on AWS.
  // Sequence numbers start after `first_seq` (EXPRESS uses a range of its
  // own so they never meet the durable journal's).
  explicit MemoryJournal(bool keep_history = true, std::uint64_t first_seq = 0)
      : keep_history_(keep_history), last_seq_(first_seq) {}

  Result<std::uint64_t> next_seq() override;
  // Applies at once and calls `done` on the caller's thread.
  void append(Append a, std::function<void(const Status&)> done) override;
  bool synchronous() const override { return true; }
  // The default repeats Journal's, for calls through a MemoryJournal.
  Status put_state_machine(const StateMachineRecord& r,
                           const std::optional<RevisionRecord>& revision = std::nullopt) override;
  Result<StateMachineRecord> state_machine(const std::string& arn) override;
  Result<std::vector<StateMachineRecord>> state_machines(const std::string& after, std::size_t max) override;
  Status delete_state_machine(const std::string& arn) override;
  Result<RevisionRecord> revision(const std::string& revision_id) override;
  Status put_revision(const RevisionRecord& r) override;
  Status put_map_run(const MapRunRecord& r) override;
  Result<MapRunRecord> map_run(const std::string& map_run_arn) override;
  // Oldest first: by start_ms, then by Map Run ARN.
  Result<std::vector<MapRunRecord>> map_runs_of(const std::string& execution_arn) override;
  Status put_map_run_children(const std::string& map_run_arn, const std::vector<MapRunChildEnd>& ends) override;
  Result<std::vector<MapRunChildEnd>> map_run_children(const std::string& map_run_arn, std::int64_t from,
                                                       std::size_t max) override;
  Status put_activity(const ActivityRecord& r) override;
  Result<ActivityRecord> activity(const std::string& arn) override;
  Result<std::vector<ActivityRecord>> activities(const std::string& after, std::size_t max) override;
  Status delete_activity(const std::string& arn) override;
  Result<std::vector<ExecutionRecord>> executions_of(const std::string& state_machine_arn, std::size_t max,
                                                     ExecutionCursor before) override;
  Result<std::vector<ExecutionRecord>> executions_of_map_run(const std::string& map_run_arn, std::size_t max,
                                                             ExecutionCursor before) override;
  Result<std::vector<ExecutionRecord>> open_executions() override;
  Result<ExecutionRecord> execution(std::uint64_t seq) override;
  Result<std::uint64_t> execution_seq(const std::string& execution_arn) override;
  Result<std::vector<engine::Event>> history(std::uint64_t seq) override;
  Result<std::vector<DueWake>> due_wakes(std::int64_t now_ms, std::size_t max) override;

 private:
  // (ARN, start_ms, seq): an index of executions, as the durable journal's
  // machine_executions and map_run_executions.
  using ExecutionIndex = std::set<std::tuple<std::string, std::int64_t, std::uint64_t>>;
  // Up to `max` records under `arn` before the cursor, newest first.
  // REQUIRES: mu_ held.
  std::vector<ExecutionRecord> newest_first(const ExecutionIndex& index, const std::string& arn, std::size_t max,
                                            ExecutionCursor before) const;

  const bool keep_history_;
  std::mutex mu_;
  std::uint64_t last_seq_ = 0;                                  // guarded by mu_
  std::map<std::string, StateMachineRecord> machines_;          // guarded by mu_
  std::map<std::string, RevisionRecord> revisions_;             // guarded by mu_
  std::map<std::string, ActivityRecord> activities_;            // guarded by mu_
  std::map<std::uint64_t, ExecutionRecord> executions_;         // guarded by mu_
  std::map<std::string, std::uint64_t> by_arn_;                 // guarded by mu_
  // (state machine ARN, start_ms, seq) of each execution opened with its
  // record, as the durable journal's machine_executions index.
  ExecutionIndex by_machine_;                                   // guarded by mu_
  // (Map Run ARN, start_ms, seq) of each Map Run child, the same way.
  ExecutionIndex by_map_run_;                                   // guarded by mu_
  std::map<std::string, MapRunRecord> map_runs_;                // guarded by mu_
  // (parent execution ARN, start_ms, Map Run ARN) of each Map Run.
  std::set<std::tuple<std::string, std::int64_t, std::string>> map_runs_by_execution_;  // guarded by mu_
  // Map Run ARN -> index -> how that child ended.
  std::map<std::string, std::map<std::int64_t, MapRunChildEnd>> map_run_children_;  // guarded by mu_
  std::map<std::uint64_t, std::vector<engine::Event>> events_;  // guarded by mu_
  std::map<std::uint64_t, bool> open_;                          // guarded by mu_
  std::set<std::pair<std::int64_t, std::uint64_t>> wakes_;      // guarded by mu_
};

}  // namespace stepd::storage
