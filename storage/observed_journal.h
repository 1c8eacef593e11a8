#pragma once
// A Journal that tells an observer what became durable: metrics (src/api/
// metrics.h) count executions and activities from the events themselves,
// so no actor needs to know about them.
//
// The observer sees each Append before it is handed on (it must copy what
// it needs: the Append is moved into the inner journal) and returns what to
// do once it is durable; that runs only when the append succeeded.

#include <functional>
#include <utility>

#include "storage/journal.h"

namespace stepd::storage {

class ObservedJournal final : public Journal {
 public:
  using OnDurable = std::function<void()>;
  using Observer = std::function<OnDurable(const Append&)>;

  // REQUIRES: inner outlives this object.
  ObservedJournal(Journal& inner, Observer observer) : inner_(inner), observer_(std::move(observer)) {}

  void append(Append a, std::function<void(const Status&)> done) override {
    OnDurable then = observer_(a);
    inner_.append(std::move(a), [then = std::move(then), done = std::move(done)](const Status& s) {
      if (s.ok() && then) then();
      done(s);
    });
  }
  bool synchronous() const override { return inner_.synchronous(); }

  Result<std::uint64_t> next_seq() override { return inner_.next_seq(); }
  Status put_state_machine(const StateMachineRecord& r, const std::optional<RevisionRecord>& revision) override {
    return inner_.put_state_machine(r, revision);
  }
  Result<StateMachineRecord> state_machine(const std::string& arn) override { return inner_.state_machine(arn); }
  Result<std::vector<StateMachineRecord>> state_machines(const std::string& after, std::size_t max) override {
    return inner_.state_machines(after, max);
  }
  Status delete_state_machine(const std::string& arn) override { return inner_.delete_state_machine(arn); }
  Result<RevisionRecord> revision(const std::string& id) override { return inner_.revision(id); }
  Status put_revision(const RevisionRecord& r) override { return inner_.put_revision(r); }
  Status put_map_run(const MapRunRecord& r) override { return inner_.put_map_run(r); }
  Result<MapRunRecord> map_run(const std::string& arn) override { return inner_.map_run(arn); }
  Result<std::vector<MapRunRecord>> map_runs_of(const std::string& execution_arn) override {
    return inner_.map_runs_of(execution_arn);
  }
  Status put_map_run_children(const std::string& arn, const std::vector<MapRunChildEnd>& ends) override {
    return inner_.put_map_run_children(arn, ends);
  }
  Result<std::vector<MapRunChildEnd>> map_run_children(const std::string& arn, std::int64_t from,
                                                       std::size_t max) override {
    return inner_.map_run_children(arn, from, max);
  }
  Status put_activity(const ActivityRecord& r) override { return inner_.put_activity(r); }
  Result<ActivityRecord> activity(const std::string& arn) override { return inner_.activity(arn); }
  Result<std::vector<ActivityRecord>> activities(const std::string& after, std::size_t max) override {
    return inner_.activities(after, max);
  }
  Status delete_activity(const std::string& arn) override { return inner_.delete_activity(arn); }
  Result<std::vector<ExecutionRecord>> executions_of(const std::string& arn, std::size_t max,
                                                     ExecutionCursor before) override {
    return inner_.executions_of(arn, max, before);
  }
  Result<std::vector<ExecutionRecord>> executions_of_map_run(const std::string& arn, std::size_t max,
                                                             ExecutionCursor before) override {
    return inner_.executions_of_map_run(arn, max, before);
  }
  Result<std::vector<ExecutionRecord>> open_executions() override { return inner_.open_executions(); }
  Result<std::vector<std::uint64_t>> open_execution_seqs() override { return inner_.open_execution_seqs(); }
  Result<ExecutionRecord> execution(std::uint64_t seq) override { return inner_.execution(seq); }
  Result<std::uint64_t> execution_seq(const std::string& arn) override { return inner_.execution_seq(arn); }
  Result<std::vector<engine::Event>> history(std::uint64_t seq) override { return inner_.history(seq); }
  Result<std::vector<engine::Event>> history_range(std::uint64_t seq, std::int64_t from_id, std::size_t max) override {
    return inner_.history_range(seq, from_id, max);
  }
  Result<std::vector<DueWake>> due_wakes(std::int64_t now_ms, std::size_t max) override {
    return inner_.due_wakes(now_ms, max);
  }

 private:
  Journal& inner_;
  Observer observer_;
};

}  // namespace stepd::storage
