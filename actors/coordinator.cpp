#include "actors/coordinator.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <vector>

#include "src/common/json.h"

namespace stepd::actors {

namespace {

using Self = caf::stateful_actor<CoordinatorState>*;

caf::actor spawn_execution(Self self, const storage::ExecutionRecord& record, MachinePtr machine) {
  auto& st = self->state;
  auto a = self->spawn<caf::monitored>(execution_actor, st.deps, caf::actor_cast<caf::actor>(self), record,
                                       std::move(machine));
  st.running[record.seq] = a;
  st.seq_of[a.address()] = record.seq;
  return a;
}

void maybe_idle(Self self) {
  auto& st = self->state;
  if (!st.running.empty() || st.dormant > 0) return;
  for (auto& p : st.idle_waiters) p.deliver(true);
  st.idle_waiters.clear();
}

Result<MachinePtr> machine_for(Self self, const std::string& arn) {
  auto& st = self->state;
  if (auto it = st.machines.find(arn); it != st.machines.end()) return it->second;
  auto rec = st.deps.journal->state_machine(arn);
  if (!rec.ok()) return rec.status();
  auto m = asl::compile_text(rec->definition);
  if (!m.ok()) return m.status();
  st.machines[arn] = *m;
  return std::move(m).value();
}

// Ends an execution whose actor keeps dying: an ExecutionFailed event after
// the last recorded one, and the record closed.
void fail_execution(Self self, std::uint64_t seq, const std::string& why) {
  auto& st = self->state;
  auto record = st.deps.journal->execution(seq);
  auto events = st.deps.journal->history(seq);
  if (!record.ok() || !events.ok()) return;
  engine::Event e;
  e.type = engine::EventType::ExecutionFailed;
  e.id = events->empty() ? 1 : events->back().id + 1;
  e.previous_event_id = e.id - 1;
  using namespace std::chrono;
  e.timestamp_ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  e.details["error"] = "States.Runtime";
  e.details["cause"] = why;
  storage::Append a;
  a.seq = seq;
  a.events.push_back(e);
  record->status = "FAILED";
  record->stop_ms = e.timestamp_ms;
  record->error = "States.Runtime";
  record->cause = why;
  a.record = std::move(record).value();
  a.closed = true;
  st.deps.journal->append(std::move(a), [](const Status&) {});
}

void resume(Self self, const storage::ExecutionRecord& record);

// Wakes passivated executions whose wake-up is near: clears the entry and
// resumes each from its log.
void wake_due(Self self) {
  auto& st = self->state;
  using namespace std::chrono;
  std::int64_t now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  auto due = st.deps.journal->due_wakes(now + st.poll_ms, 1024);
  if (!due.ok()) return;
  for (const auto& w : *due) {
    storage::Append clear;
    clear.seq = w.seq;
    clear.unwake_ms = w.due_ms;
    auto record = st.deps.journal->execution(w.seq);
    bool sleeping = record.ok() && record->wake_ms == w.due_ms && record->status == "RUNNING" &&
                    !st.running.count(w.seq);
    if (sleeping) {
      record->wake_ms = 0;
      clear.record = *record;
    }
    st.deps.journal->append(std::move(clear), [](const Status&) {});
    if (!sleeping) continue;  // a stale entry: the execution woke or ended meanwhile
    if (st.dormant > 0) --st.dormant;
    resume(self, *record);
  }
}

void resume(Self self, const storage::ExecutionRecord& record) {
  auto machine = machine_for(self, record.state_machine_arn);
  if (!machine.ok()) {
    fail_execution(self, record.seq, "stepd could not load the state machine to resume this execution: " +
                                         machine.status().message());
    return;
  }
  auto a = spawn_execution(self, record, std::move(machine).value());
  self->send(a, recover_atom::value);
}

}  // namespace

caf::behavior coordinator_actor(caf::stateful_actor<CoordinatorState>* self, ExecutionDeps deps,
                                std::int64_t poll_ms) {
  self->state.deps = deps;
  self->state.poll_ms = std::max<std::int64_t>(poll_ms, 10);
  // Stopping the runtime stops every execution where it stands: what was
  // acknowledged is in the journal, and the next runtime resumes from there.
  self->set_exit_handler([=](caf::exit_msg& m) {
    for (auto& kv : self->state.running) self->send_exit(kv.second, caf::exit_reason::user_shutdown);
    self->quit(m.reason);
  });
  self->set_down_handler([=](caf::down_msg& m) {
    auto& st = self->state;
    auto it = st.seq_of.find(m.source);
    if (it == st.seq_of.end()) return;
    std::uint64_t seq = it->second;
    st.seq_of.erase(it);
    auto run = st.running.find(seq);
    if (run == st.running.end() || run->second.address() != m.source) return;  // finished normally
    st.running.erase(run);
    if (m.reason == caf::exit_reason::user_shutdown) return maybe_idle(self);
    if (seq >= kExpressSeqBase) return maybe_idle(self);  // EXPRESS keeps no log to resume from
    if (++st.restarts[seq] > kMaxRestarts) {
      fail_execution(self, seq, "The execution's actor stopped " + std::to_string(kMaxRestarts + 1) +
                                    " times; stepd gave up on it: " + self->system().render(m.reason));
      return maybe_idle(self);
    }
    auto record = st.deps.journal->execution(seq);
    if (!record.ok()) return maybe_idle(self);
    resume(self, *record);
  });
  return {
      [=](start_atom, storage::ExecutionRecord& record, MachinePtr& machine, StartCallback& done) {
        auto& st = self->state;
        st.machines.emplace(record.state_machine_arn, machine);
        auto a = spawn_execution(self, record, std::move(machine));
        // The execution actor calls back once the start is durable.
        self->send(a, start_atom::value, std::move(done));
      },
      [=](recover_atom) -> std::size_t {
        auto& st = self->state;
        auto open = st.deps.journal->open_executions();
        if (!open.ok()) return 0;
        for (const auto& r : *open) {
          if (r.wake_ms > 0) {
            ++st.dormant;  // asleep: the wake-up poll resumes it in time
          } else {
            resume(self, r);
          }
        }
        self->send(self, wake_atom::value);
        return open->size();
      },
      [=](wake_atom) {
        wake_due(self);
        self->delayed_send(self, std::chrono::milliseconds(self->state.poll_ms), wake_atom::value);
      },
      [=](passive_atom, std::uint64_t seq) {
        auto& st = self->state;
        auto it = st.running.find(seq);
        if (it == st.running.end()) return;
        st.seq_of.erase(it->second.address());
        st.running.erase(it);
        ++st.dormant;
      },
      [=](done_atom, std::uint64_t seq) {
        auto& st = self->state;
        auto it = st.running.find(seq);
        if (it != st.running.end()) {
          st.seq_of.erase(it->second.address());
          st.running.erase(it);
        }
        st.restarts.erase(seq);
        maybe_idle(self);
      },
      [=](idle_atom) -> caf::result<bool> {
        auto& st = self->state;
        if (st.running.empty() && st.dormant == 0) return true;
        auto p = self->make_response_promise<bool>();
        st.idle_waiters.push_back(p);
        return p;
      },
      [=](count_atom) -> std::size_t { return self->state.running.size(); },
  };
}

}  // namespace stepd::actors
