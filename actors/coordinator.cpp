#include "actors/coordinator.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <vector>

#include "src/common/json.h"
#include "src/common/task_token.h"
#include "src/log/log.h"

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
  if (!st.running.empty() || st.dormant > 0 || !st.stalled.empty()) return;
  for (auto& p : st.idle_waiters) p.deliver(true);
  st.idle_waiters.clear();
}

// The compiled definition an execution runs: its revision's (stores older
// than revisions: the state machine's current definition).
Result<MachinePtr> machine_for(Self self, const storage::ExecutionRecord& record) {
  auto& st = self->state;
  const std::string& key = record.revision_id.empty() ? record.state_machine_arn : record.revision_id;
  if (auto it = st.machines.find(key); it != st.machines.end()) return it->second;
  std::string definition;
  if (!record.revision_id.empty()) {
    auto rev = st.deps.journal->revision(record.revision_id);
    if (!rev.ok()) return rev.status();
    definition = rev->definition;
  } else {
    auto rec = st.deps.journal->state_machine(record.state_machine_arn);
    if (!rec.ok()) return rec.status();
    definition = rec->definition;
  }
  auto m = asl::compile_text(definition);
  if (!m.ok()) return m.status();
  st.machines[key] = *m;
  return std::move(m).value();
}

std::string machine_key(const storage::ExecutionRecord& record) {
  return record.revision_id.empty() ? record.state_machine_arn : record.revision_id;
}

// Ends an execution whose actor keeps dying: an ExecutionFailed event after
// the last recorded one, and the record closed.
void fail_execution(Self self, std::uint64_t seq, const std::string& why) {
  auto& st = self->state;
  auto record = st.deps.journal->execution(seq);
  auto events = st.deps.journal->history(seq);
  if (!record.ok() || !events.ok()) {
    // Left open: each start of the server tries it again, and says why.
    log::error("cannot fail an execution that stepd gave up on: its log does not read back",
               {{"seq", seq}, {"why", why},
                {"error", (record.ok() ? events.status() : record.status()).message()}});
    return;
  }
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
  // Ended like any other execution: whoever waits on its end (a .sync
  // parent, through when_closed) hears of it once it is durable.
  caf::actor me = caf::actor_cast<caf::actor>(self);
  const std::string arn = a.record->params.execution_arn;
  st.deps.journal->append(std::move(a), [me, seq, arn](const Status& s) {
    if (s.ok()) return caf::anon_send(me, done_atom::value, seq);
    // Still open in the log: the next start of the server resumes it.
    log::error("could not record the failure of an execution", {{"execution", arn}, {"error", s.message()}});
  });
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The actor of `seq` quit because the journal refused an append: its
// state in memory was ahead of the log and is gone. Resume it from the log
// after a pause, doubled while the failures go on; the log is the truth.
// One line at most every 10 s says that appends fail, and why.
void stall(Self self, std::uint64_t seq, const caf::error& why) {
  auto& st = self->state;
  const std::int64_t now = now_ms();
  auto& [pause, since] = st.backoff[seq];
  // A failure long after the last one starts a new streak.
  pause = pause == 0 || now - since > 6 * kJournalRetryMaxMs ? kJournalRetryFirstMs
                                                           : std::min(pause * 2, kJournalRetryMaxMs);
  since = now;
  st.stalled.insert(seq);
  ++st.journal_failures;
  if (now - st.journal_logged_ms >= 10000) {
    std::string reason = why.context().match_elements<std::string>() ? why.context().get_as<std::string>(0)
                                                                       : self->system().render(why);
    log::error("the journal refuses appends; executions resume from their logs once it takes them again",
               {{"error", reason},
                {"failures", st.journal_failures},
                {"waiting", static_cast<std::uint64_t>(st.stalled.size())}});
    st.journal_logged_ms = now;
    st.journal_failures = 0;
  }
  self->delayed_send(self, std::chrono::milliseconds(pause), retry_atom::value, seq);
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
  auto machine = machine_for(self, record);
  if (!machine.ok()) {
    fail_execution(self, record.seq, "stepd could not load the state machine to resume this execution: " +
                                         machine.status().message());
    return;
  }
  auto a = spawn_execution(self, record, std::move(machine).value());
  self->send(a, recover_atom::value);
}

// The actor of execution `seq`, resumed from its log when it sleeps;
// nullptr when the execution is not open.
caf::actor actor_of(Self self, std::uint64_t seq) {
  auto& st = self->state;
  if (auto it = st.running.find(seq); it != st.running.end()) return it->second;
  if (seq >= kExpressSeqBase) return nullptr;
  auto record = st.deps.journal->execution(seq);
  if (!record.ok() || record->status != "RUNNING") return nullptr;
  if (record->wake_ms > 0) {  // asleep: clear its wake-up entry as wake_due would
    storage::Append clear;
    clear.seq = seq;
    clear.unwake_ms = record->wake_ms;
    record->wake_ms = 0;
    clear.record = *record;
    st.deps.journal->append(std::move(clear), [](const Status&) {});
  }
  if (st.dormant > 0) --st.dormant;  // asleep, with or without a wake-up entry (a callback waiter)
  resume(self, *record);
  auto it = st.running.find(seq);
  return it == st.running.end() ? nullptr : it->second;
}

void forget_token(Self self, const std::string& token) {
  auto& st = self->state;
  auto it = st.tokens.find(token);
  if (it == st.tokens.end()) return;
  const TaskOffer& o = it->second.offer;
  st.token_of.erase({o.seq, o.frame, o.effect_token});
  st.tokens.erase(it);  // a queued copy is skipped when dequeued
}

// Hands the task to the worker: ActivityStarted (with its name) goes to
// the execution, the token and input to the worker.
void hand_over(Self self, TokenEntry& entry, Poller& poller) {
  entry.taken = true;
  engine::Fact f;
  f.kind = engine::FactKind::kTaskStarted;
  f.frame = entry.offer.frame;
  f.token = entry.offer.effect_token;
  f.worker_name = poller.worker_name;
  if (auto a = actor_of(self, entry.offer.seq)) self->send(a, fact_atom::value, std::move(f));
  poller.done(PolledTask{entry.offer.task_token, entry.offer.input});
}

// The oldest queued task of `activity` still wanted, or nullptr.
TokenEntry* next_task(Self self, const std::string& activity) {
  auto& st = self->state;
  auto q = st.queues.find(activity);
  if (q == st.queues.end()) return nullptr;
  while (!q->second.empty()) {
    std::string token = std::move(q->second.front());
    q->second.pop_front();
    auto it = st.tokens.find(token);
    if (it != st.tokens.end() && !it->second.taken) return &it->second;
  }
  st.queues.erase(q);
  return nullptr;
}

// StopExecution as a request to the execution's actor. An actor may quit
// (ended, passivated) after this coordinator last heard of it; its message
// then bounces, and by then the coordinator has read why it quit, so the
// next try finds it asleep (woken) or ended (its record answers).
// SendTaskSuccess/Failure to its execution, woken if it sleeps. A request,
// so an answer that meets the actor as it passivates is not lost: the
// failed request is routed again, to the execution resumed from its log.
void route_answer(Self self, std::uint64_t seq, engine::Fact f, StatusCallback done, int attempt) {
  auto a = actor_of(self, seq);
  if (!a) return done(Status::not_found("Task Does Not Exist"));
  self->request(a, caf::infinite, answer_atom::value, f)
      .then([done](bool) { done(Status()); },
            [=](caf::error& e) {
              if (attempt < kMaxRestarts) return route_answer(self, seq, f, done, attempt + 1);
              done(Status::internal("the answer could not reach the execution: " + self->system().render(e)));
            });
}

void route_stop(Self self, std::uint64_t seq, engine::Fact f, RecordCallback done, int attempt) {
  auto a = actor_of(self, seq);
  if (!a) return done(self->state.deps.journal->execution(seq));  // not open: it ended already
  self->request(a, caf::infinite, stop_atom::value, f)
      .then([done](storage::ExecutionRecord& r) { done(std::move(r)); },
            [=](caf::error& e) {
              if (attempt < kMaxRestarts) return route_stop(self, seq, f, done, attempt + 1);
              done(Status::internal("StopExecution could not reach the execution: " + self->system().render(e)));
            });
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
    if (is_journal_failure(m.reason)) return stall(self, seq, m.reason);
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
      [=](start_atom, storage::ExecutionRecord& record, MachinePtr& machine, StartedPtr& first, StartCallback& done,
          RecordCallback& finished) {
        auto& st = self->state;
        st.machines.emplace(machine_key(record), machine);
        auto a = spawn_execution(self, record, std::move(machine));
        // The execution actor calls back once the start is durable.
        self->send(a, start_atom::value, std::move(first), std::move(done), std::move(finished));
      },
      [=](stop_atom, std::uint64_t seq, engine::Fact& f, RecordCallback& done) {
        route_stop(self, seq, std::move(f), std::move(done), 0);
      },
      [=](redrive_atom, storage::ExecutionRecord& record, RecordCallback& done) {
        auto& st = self->state;
        if (st.running.count(record.seq)) {
          return done(Status::failed("ExecutionNotRedrivable", "Execution is RUNNING and cannot be redriven"));
        }
        auto machine = machine_for(self, record);
        if (!machine.ok()) return done(machine.status());
        st.restarts.erase(record.seq);
        auto a = spawn_execution(self, record, std::move(machine).value());
        self->send(a, redrive_atom::value, std::move(done));
      },
      [=](offer_atom, TaskOffer& o) {
        auto& st = self->state;
        auto& entry = st.tokens[o.task_token];
        bool again = entry.offer.seq == o.seq && entry.offer.effect_token == o.effect_token;  // re-offered after a restart
        bool taken = again && entry.taken;
        entry.offer = std::move(o);
        entry.taken = taken;
        const TaskOffer& offer = entry.offer;
        st.token_of[{offer.seq, offer.frame, offer.effect_token}] = offer.task_token;
        if (offer.activity_arn.empty() || taken) return;
        auto p = st.pollers.find(offer.activity_arn);
        if (p != st.pollers.end() && !p->second.empty()) {
          Poller poller = std::move(p->second.front());
          p->second.pop_front();
          if (p->second.empty()) st.pollers.erase(p);
          return hand_over(self, entry, poller);
        }
        st.queues[offer.activity_arn].push_back(offer.task_token);
      },
      [=](withdraw_atom, std::uint64_t seq, std::int32_t frame, std::uint64_t effect_token) {
        auto& st = self->state;
        auto it = st.token_of.find({seq, frame, effect_token});
        if (it != st.token_of.end()) forget_token(self, std::string(it->second));
      },
      [=](poll_atom, const std::string& activity, const std::string& worker, std::int64_t timeout_ms,
          PollCallback& done) {
        auto& st = self->state;
        Poller poller{++st.next_poller, worker, std::move(done)};
        if (TokenEntry* entry = next_task(self, activity)) return hand_over(self, *entry, poller);
        st.pollers[activity].push_back(std::move(poller));
        self->delayed_send(self, std::chrono::milliseconds(std::max<std::int64_t>(timeout_ms, 0)),
                           expire_atom::value, activity, st.next_poller);
      },
      [=](expire_atom, const std::string& activity, std::uint64_t id) {
        auto& st = self->state;
        auto p = st.pollers.find(activity);
        if (p == st.pollers.end()) return;
        auto& waiting = p->second;
        for (auto it = waiting.begin(); it != waiting.end(); ++it) {
          if (it->id != id) continue;
          PollCallback done = std::move(it->done);
          waiting.erase(it);
          if (waiting.empty()) st.pollers.erase(p);
          return done(std::nullopt);
        }
      },
      [=](answer_atom, const std::string& token, engine::Fact& f, StatusCallback& done) {
        auto& st = self->state;
        // A forged or altered token is refused before any lookup (HTTP and
        // remote workers alike come through here).
        if (!authentic_task_token(st.deps.token_key, token)) return done(Status::invalid("Invalid Token"));
        auto it = st.tokens.find(token);
        if (it == st.tokens.end()) return done(Status::not_found("Task Does Not Exist"));
        f.frame = it->second.offer.frame;
        f.token = it->second.offer.effect_token;
        std::uint64_t seq = it->second.offer.seq;
        forget_token(self, token);
        route_answer(self, seq, std::move(f), std::move(done), 0);
      },
      [=](route_atom, std::uint64_t seq, engine::Fact& f, StatusCallback& done) {  // a Map Run's outcome
        route_answer(self, seq, std::move(f), std::move(done), 0);
      },
      [=](beat_atom, const std::string& token, StatusCallback& done) {
        auto& st = self->state;
        if (!authentic_task_token(st.deps.token_key, token)) return done(Status::invalid("Invalid Token"));
        auto it = st.tokens.find(token);
        if (it == st.tokens.end()) return done(Status::not_found("Task Does Not Exist"));
        const TaskOffer& o = it->second.offer;
        auto a = actor_of(self, o.seq);
        if (!a) return done(Status::not_found("Task Does Not Exist"));
        self->send(a, beat_atom::value, o.frame, o.effect_token);
        done(Status());
      },
      [=](recover_atom) -> std::size_t {
        auto& st = self->state;
        auto open = st.deps.journal->open_execution_seqs();
        if (!open.ok()) {
          log::error("recovery could not read the open executions: " + open.status().message());
          return 0;
        }
        std::size_t resumed = 0;
        for (std::uint64_t seq : *open) {
          // One unreadable record (a damaged file) holds back only its own
          // execution: it stays open, and each start says so again.
          auto r = st.deps.journal->execution(seq);
          if (!r.ok()) {
            log::error("recovery skips an open execution whose record does not read back",
                       {{"seq", seq}, {"error", r.status().message()}});
            continue;
          }
          ++resumed;
          if (r->wake_ms > 0) {
            ++st.dormant;  // asleep: the wake-up poll resumes it in time
          } else {
            resume(self, *r);
          }
        }
        self->send(self, wake_atom::value);
        return resumed;
      },
      [=](wake_atom) {
        wake_due(self);
        self->delayed_send(self, std::chrono::milliseconds(self->state.poll_ms), wake_atom::value);
      },
      [=](retry_atom, std::uint64_t seq) {
        auto& st = self->state;
        st.stalled.erase(seq);
        // Resumed meanwhile (a task answer or a stop woke it), or gone.
        if (st.running.count(seq)) return;
        auto record = st.deps.journal->execution(seq);
        // Not found: its start never became durable, and its caller was told.
        if (!record.ok() || record->status != "RUNNING") {
          st.backoff.erase(seq);
          return maybe_idle(self);
        }
        if (record->wake_ms > 0) {  // it had passivated before: its wake-up entry resumes it
          ++st.dormant;
          return maybe_idle(self);
        }
        resume(self, *record);
      },
      [=](passive_atom, std::uint64_t seq) {
        auto& st = self->state;
        st.backoff.erase(seq);
        auto it = st.running.find(seq);
        if (it == st.running.end()) return;
        st.seq_of.erase(it->second.address());
        st.running.erase(it);
        ++st.dormant;
      },
      [=](watch_atom, const std::string& arn, RecordCallback& done) {
        auto& st = self->state;
        auto seq = st.deps.journal->execution_seq(arn);
        if (!seq.ok()) return done(Status::not_found("Execution Does Not Exist: '" + arn + "'"));
        auto record = st.deps.journal->execution(*seq);
        if (!record.ok() || record->status != "RUNNING") return done(std::move(record));
        st.closed_waiters[*seq].push_back(std::move(done));  // done_atom answers it
      },
      [=](done_atom, std::uint64_t seq) {
        auto& st = self->state;
        if (auto w = st.closed_waiters.find(seq); w != st.closed_waiters.end()) {
          auto record = st.deps.journal->execution(seq);
          for (auto& cb : w->second) cb(record);
          st.closed_waiters.erase(w);
        }
        // Tasks of an ended execution wait on nothing any more.
        for (auto it = st.token_of.lower_bound({seq, INT32_MIN, 0}); it != st.token_of.end() && std::get<0>(it->first) == seq;) {
          st.tokens.erase(it->second);
          it = st.token_of.erase(it);
        }
        auto it = st.running.find(seq);
        if (it != st.running.end()) {
          st.seq_of.erase(it->second.address());
          st.running.erase(it);
        }
        st.restarts.erase(seq);
        st.backoff.erase(seq);
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
      // The console's activities page: per activity, tasks queued and
      // handed out, and the polls waiting (stale queue entries not counted).
      [=](overview_atom) -> ActivityQueueViews {
        auto& st = self->state;
        std::map<std::string, ActivityQueueView> by_arn;
        auto view = [&](const std::string& arn) -> ActivityQueueView& {
          auto& v = by_arn[arn];
          v.activity_arn = arn;
          return v;
        };
        for (const auto& [token, entry] : st.tokens) {
          if (entry.offer.activity_arn.empty()) continue;  // a callback token: no activity
          if (entry.taken) ++view(entry.offer.activity_arn).started;
        }
        for (const auto& [arn, tokens] : st.queues) {
          for (const auto& t : tokens) {
            auto it = st.tokens.find(t);
            if (it != st.tokens.end() && !it->second.taken) ++view(arn).queued;
          }
        }
        for (const auto& [arn, waiting] : st.pollers) {
          for (const auto& p : waiting) view(arn).pollers.push_back(p.worker_name);
        }
        ActivityQueueViews out;
        for (auto& [arn, v] : by_arn) out.push_back(std::move(v));
        return out;
      },
  };
}

}  // namespace stepd::actors
