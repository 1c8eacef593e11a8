#include "storage/memory_journal.h"

namespace stepd::storage {

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
      if (!keep_history_ && a.closed) {
        by_arn_.erase(a.record->params.execution_arn);
        executions_.erase(a.seq);
      } else {
        by_arn_[a.record->params.execution_arn] = a.seq;
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

Status MemoryJournal::put_state_machine(const StateMachineRecord& r) {
  std::lock_guard<std::mutex> l(mu_);
  machines_[r.arn] = r;
  return Status();
}

Result<StateMachineRecord> MemoryJournal::state_machine(const std::string& arn) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = machines_.find(arn);
  if (it == machines_.end()) return Status::not_found("no state machine " + arn);
  return it->second;
}

Result<std::vector<StateMachineRecord>> MemoryJournal::state_machines(const std::string& after, std::size_t max) {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<StateMachineRecord> out;
  for (auto it = machines_.upper_bound(after); it != machines_.end() && out.size() < max; ++it) {
    out.push_back(it->second);
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
