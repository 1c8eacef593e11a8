#include "storage/memory_journal.h"

#include <limits>

namespace stepd::storage {

namespace {

// Up to `max` values with key > `after`, in key order.
template <class T>
std::vector<T> page_after(const std::map<std::string, T>& m, const std::string& after, std::size_t max) {
  std::vector<T> out;
  for (auto it = m.upper_bound(after); it != m.end() && out.size() < max; ++it) out.push_back(it->second);
  return out;
}

template <class T>
Result<T> find_named(const std::map<std::string, T>& m, const std::string& key, const char* what) {
  auto it = m.find(key);
  if (it == m.end()) return Status::not_found(std::string("no ") + what + " " + key);
  return it->second;
}

template <class T>
Status erase_named(std::map<std::string, T>& m, const std::string& key, const char* what) {
  if (m.erase(key) == 0) return Status::not_found(std::string("no ") + what + " " + key);
  return Status();
}

}  // namespace

Result<std::uint64_t> MemoryJournal::next_seq() {
  std::lock_guard<std::mutex> l(mu_);
  return ++last_seq_;
}

void MemoryJournal::append(Append a, std::function<void(const Status&)> done) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (keep_history_) {
      auto& events = events_[a.seq];
      for (auto& e : a.events) events.push_back(std::move(e));
    }
    if (a.record) {
      const ExecutionRecord& r = *a.record;
      if (!keep_history_ && a.closed) {
        by_arn_.erase(r.params.execution_arn);
        by_machine_.erase({r.state_machine_arn, r.params.start_ms, a.seq});
        by_map_run_.erase({r.map_run_arn, r.params.start_ms, a.seq});
        executions_.erase(a.seq);
      } else {
        by_arn_[r.params.execution_arn] = a.seq;
        if (a.opened) by_machine_.insert({r.state_machine_arn, r.params.start_ms, a.seq});
        if (a.opened && !r.map_run_arn.empty()) by_map_run_.insert({r.map_run_arn, r.params.start_ms, a.seq});
        executions_[a.seq] = std::move(*a.record);
      }
    }
    if (a.opened) open_[a.seq] = true;
    if (a.closed) open_.erase(a.seq);
    if (a.unwake_ms) wakes_.erase({*a.unwake_ms, a.seq});
    if (a.wake_ms) wakes_.insert({*a.wake_ms, a.seq});
  }
  done(Status());
}

Status MemoryJournal::put_state_machine(const StateMachineRecord& r, const std::optional<RevisionRecord>& revision) {
  std::lock_guard<std::mutex> l(mu_);
  if (revision) revisions_[revision->revision_id] = *revision;
  machines_[r.arn] = r;
  return Status();
}

Result<StateMachineRecord> MemoryJournal::state_machine(const std::string& arn) {
  std::lock_guard<std::mutex> l(mu_);
  return find_named(machines_, arn, "state machine");
}

Result<std::vector<StateMachineRecord>> MemoryJournal::state_machines(const std::string& after, std::size_t max) {
  std::lock_guard<std::mutex> l(mu_);
  return page_after(machines_, after, max);
}

Status MemoryJournal::delete_state_machine(const std::string& arn) {
  std::lock_guard<std::mutex> l(mu_);
  return erase_named(machines_, arn, "state machine");
}

Result<RevisionRecord> MemoryJournal::revision(const std::string& revision_id) {
  std::lock_guard<std::mutex> l(mu_);
  return find_named(revisions_, revision_id, "revision");
}

Status MemoryJournal::put_revision(const RevisionRecord& r) {
  std::lock_guard<std::mutex> l(mu_);
  revisions_.emplace(r.revision_id, r);  // leaves one already there as it is
  return Status();
}

Status MemoryJournal::put_map_run(const MapRunRecord& r) {
  std::lock_guard<std::mutex> l(mu_);
  auto [it, created] = map_runs_.try_emplace(r.map_run_arn, r);
  if (!created) {
    map_runs_by_execution_.erase({it->second.execution_arn, it->second.start_ms, r.map_run_arn});
    it->second = r;
  }
  map_runs_by_execution_.insert({r.execution_arn, r.start_ms, r.map_run_arn});
  return Status();
}

Result<MapRunRecord> MemoryJournal::map_run(const std::string& map_run_arn) {
  std::lock_guard<std::mutex> l(mu_);
  return find_named(map_runs_, map_run_arn, "Map Run");
}

Result<std::vector<MapRunRecord>> MemoryJournal::map_runs_of(const std::string& execution_arn) {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<MapRunRecord> out;
  const auto first = std::make_tuple(execution_arn, std::numeric_limits<std::int64_t>::min(), std::string());
  for (auto it = map_runs_by_execution_.lower_bound(first);
       it != map_runs_by_execution_.end() && std::get<0>(*it) == execution_arn; ++it) {
    out.push_back(map_runs_.at(std::get<2>(*it)));
  }
  return out;
}

Status MemoryJournal::put_map_run_children(const std::string& map_run_arn, const std::vector<MapRunChildEnd>& ends) {
  Status valid = check_child_ends(ends);
  if (!valid.ok() || ends.empty()) return valid;
  std::lock_guard<std::mutex> l(mu_);
  auto& rows = map_run_children_[map_run_arn];
  for (const auto& e : ends) rows[e.index] = e;
  return Status();
}

Result<std::vector<MapRunChildEnd>> MemoryJournal::map_run_children(const std::string& map_run_arn,
                                                                    std::int64_t from, std::size_t max) {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<MapRunChildEnd> out;
  auto rows = map_run_children_.find(map_run_arn);
  if (rows == map_run_children_.end()) return out;
  for (auto it = rows->second.lower_bound(from); it != rows->second.end() && out.size() < max; ++it) {
    out.push_back(it->second);
  }
  return out;
}

Status MemoryJournal::put_activity(const ActivityRecord& r) {
  std::lock_guard<std::mutex> l(mu_);
  activities_[r.arn] = r;
  return Status();
}

Result<ActivityRecord> MemoryJournal::activity(const std::string& arn) {
  std::lock_guard<std::mutex> l(mu_);
  return find_named(activities_, arn, "activity");
}

Result<std::vector<ActivityRecord>> MemoryJournal::activities(const std::string& after, std::size_t max) {
  std::lock_guard<std::mutex> l(mu_);
  return page_after(activities_, after, max);
}

Status MemoryJournal::delete_activity(const std::string& arn) {
  std::lock_guard<std::mutex> l(mu_);
  return erase_named(activities_, arn, "activity");
}

Result<std::vector<ExecutionRecord>> MemoryJournal::executions_of(const std::string& state_machine_arn,
                                                                  std::size_t max, ExecutionCursor before) {
  std::lock_guard<std::mutex> l(mu_);
  return newest_first(by_machine_, state_machine_arn, max, before);
}

Result<std::vector<ExecutionRecord>> MemoryJournal::executions_of_map_run(const std::string& map_run_arn,
                                                                          std::size_t max, ExecutionCursor before) {
  std::lock_guard<std::mutex> l(mu_);
  return newest_first(by_map_run_, map_run_arn, max, before);
}

std::vector<ExecutionRecord> MemoryJournal::newest_first(const ExecutionIndex& index, const std::string& arn,
                                                         std::size_t max, ExecutionCursor before) const {
  std::vector<ExecutionRecord> out;
  // Walk back from the first entry at or after the cursor: newest first.
  auto it = index.lower_bound({arn, before.start_ms, before.seq});
  while (it != index.begin() && out.size() < max) {
    --it;
    if (std::get<0>(*it) != arn) break;
    out.push_back(executions_.at(std::get<2>(*it)));
  }
  return out;
}

Result<std::vector<ExecutionRecord>> MemoryJournal::open_executions() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<ExecutionRecord> out;
  for (const auto& kv : open_) out.push_back(executions_.at(kv.first));
  return out;
}

Result<ExecutionRecord> MemoryJournal::execution(std::uint64_t seq) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = executions_.find(seq);
  if (it == executions_.end()) return Status::not_found("no execution #" + std::to_string(seq));
  return it->second;
}

Result<std::uint64_t> MemoryJournal::execution_seq(const std::string& execution_arn) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = by_arn_.find(execution_arn);
  if (it == by_arn_.end()) return Status::not_found("no execution " + execution_arn);
  return it->second;
}

Result<std::vector<engine::Event>> MemoryJournal::history(std::uint64_t seq) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = events_.find(seq);
  if (it == events_.end()) return std::vector<engine::Event>();
  return it->second;
}

Result<std::vector<DueWake>> MemoryJournal::due_wakes(std::int64_t now_ms, std::size_t max) {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<DueWake> out;
  for (const auto& w : wakes_) {
    if (w.first > now_ms || out.size() >= max) break;
    out.push_back(DueWake{w.first, w.second});
  }
  return out;
}

}  // namespace stepd::storage
