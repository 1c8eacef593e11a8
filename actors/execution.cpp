#include "actors/execution.h"

#include <chrono>
#include <algorithm>
#include <limits>
#include <map>
#include <utility>

#include "actors/integrations.h"
#include "actors/runtime.h"
#include "actors/record.h"
#include "src/common/json.h"
#include "src/integrations/nested.h"
#include "src/log/log.h"

namespace stepd::actors {

namespace {

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

using Self = caf::stateful_actor<ExecutionActorState>*;

storage::Journal& journal(const ExecutionActorState& st) {
  return st.record.express ? *st.deps.express_journal : *st.deps.journal;
}

void acknowledged(Self self, std::uint64_t batch, const std::string& error);
void maybe_passivate(Self self);
void arm_timers(Self self);

// Hands one decision to the journal; its effects run at the ack. `first`:
// the start; `reopened`: a redrive, answered once durable.
void persist(Self self, engine::Decisions d, bool first, RecordCallback reopened = nullptr) {
  auto& st = self->state;
  if (st.closing) return;  // the end is already on its way to the journal
  bool finished = engine::status(*st.exec) != engine::ExecutionStatus::kRunning;
  if (d.events.empty() && d.effects.empty() && !first && !finished && !reopened) return;
  st.closing = finished;
  storage::Append a;
  a.seq = st.record.seq;
  a.events = std::move(d.events);
  if (first || reopened) {
    a.opened = true;  // a redriven execution is open again
    a.record = st.record;
  }
  if (finished) {
    record_end(st.record, *st.exec, a.events, wall_ms());
    a.record = st.record;
    a.closed = true;
  }
  std::uint64_t batch = ++st.batches;
  st.pending[batch] = PendingBatch{std::move(d.effects), first, finished, std::move(reopened)};
  if (journal(st).synchronous()) {
    // In memory (EXPRESS): durable as soon as append returns; no ack hop.
    Status status;
    journal(st).append(std::move(a), [&status](const Status& s) { status = s; });
    return acknowledged(self, batch, status.ok() ? std::string() : status.message());
  }
  caf::actor me = caf::actor_cast<caf::actor>(self);
  journal(st).append(std::move(a), [me, batch](const Status& s) {
    caf::anon_send(me, ack_atom::value, batch, s.ok() ? std::string() : s.message());
  });
}

void schedule(Self self, engine::Fact fact, std::int64_t due_ms) {
  std::int64_t delay = std::max<std::int64_t>(0, due_ms - wall_ms());
  self->delayed_send(self, std::chrono::milliseconds(delay), fact_atom::value, std::move(fact));
}

bool is_activity(const std::string& resource) { return resource.find(":activity:") != std::string::npos; }

// A task that waits on a token: the coordinator hands activities to
// workers and routes SendTask* calls back here.
void offer(Self self, const engine::Effect& e) {
  auto& st = self->state;
  TaskOffer o;
  o.task_token = e.task_token;
  o.seq = st.record.seq;
  o.frame = e.frame;
  o.effect_token = e.token;
  // Only a worker needs the input; a callback's registry entry stays small
  // (100,000 executions may wait on callbacks).
  if (is_activity(e.resource)) {
    o.activity_arn = e.resource;
    o.input = json::to_json(e.payload);
  }
  self->send(st.coordinator, offer_atom::value, std::move(o));
}

// Nested executions: arn:aws:states:::states:startExecution[.sync|.sync:2|
// .waitForTaskToken]. The child is started through the runtime as
// StartExecution would; its name, when the Task gives none, is derived from
// this task (execution, frame, effect token), so a call made again after a
// restart finds the child it started instead of starting a second one.
// .sync kinds answer when the child ends (its record, through the runtime's
// when_closed, or its `finished` callback for EXPRESS children that keep no
// record); .waitForTaskToken answers through SendTask* like any callback.
std::string child_name(const ExecutionActorState& st, const engine::Effect& e, const char* salt = "") {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a over the task's identity
  auto mix = [&h](const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  };
  mix(salt);
  mix(st.record.params.execution_arn);
  mix(":" + std::to_string(e.frame) + ":" + std::to_string(e.token));
  std::uint64_t g = h * 0x9e3779b97f4a7c15ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-4%03llx-%04llx-%012llx", static_cast<unsigned long long>(h >> 32),
                static_cast<unsigned long long>((h >> 16) & 0xffff), static_cast<unsigned long long>(h & 0xfff),
                static_cast<unsigned long long>(0x8000 | ((g >> 48) & 0x3fff)),
                static_cast<unsigned long long>(g & 0xffffffffffffULL));
  return buf;
}

engine::Fact fact_for(const engine::Effect& e, integrations::TaskOutcome o) {
  engine::Fact f;
  f.frame = e.frame;
  f.token = e.token;
  if (o.ok) {
    f.kind = engine::FactKind::kTaskSucceeded;
    f.output = std::move(o.output);
  } else {
    f.kind = engine::FactKind::kTaskFailed;
    f.error = std::move(o.error);
    f.cause = std::move(o.cause);
  }
  return f;
}

integrations::ChildEnd child_end(const storage::ExecutionRecord& r) {
  integrations::ChildEnd c;
  c.execution_arn = r.params.execution_arn;
  c.state_machine_arn = r.state_machine_arn;
  c.name = r.params.execution_name;
  c.status = r.status;
  c.input = r.params.input_text;
  c.output = r.output;
  c.error = r.error;
  c.cause = r.cause;
  c.start_ms = r.params.start_ms;
  c.stop_ms = r.stop_ms;
  return c;
}

// Answers the task with the child's end once it has one.
void await_child(caf::actor me, Runtime& runtime, const engine::Effect& e, integrations::NestedKind kind,
                 const std::string& arn) {
  runtime.when_closed(arn, [me, e, kind](Result<storage::ExecutionRecord> r) {
    if (!r.ok()) {
      return caf::anon_send(me, fact_atom::value,
                            fact_for(e, integrations::TaskOutcome::failure("States.TaskFailed", r.status().message())));
    }
    caf::anon_send(me, fact_atom::value, fact_for(e, integrations::child_outcome(child_end(*r), kind)));
  });
}

void start_child(Self self, const engine::Effect& e, integrations::NestedKind kind) {
  using integrations::NestedKind;
  auto& st = self->state;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  Runtime& runtime = *st.deps.runtime;
  const bool sync = kind == NestedKind::kSync || kind == NestedKind::kSync2;
  if (e.submitted) {
    // Started before a restart: find the child again, and wait on it.
    auto response = json::parse(e.submitted_response);
    const boost::json::value* arn = nullptr;
    if (response.ok() && response->is_object()) arn = response->as_object().if_contains("ExecutionArn");
    if (arn && arn->is_string()) {
      st.children[{e.frame, e.token}] = std::string(arn->as_string());
      if (sync) await_child(me, runtime, e, kind, std::string(arn->as_string()));
    }
    return;  // .waitForTaskToken: only SendTask* answers now
  }
  auto what = integrations::nested_start(e.payload);
  if (!what.ok()) {
    return self->send(self, fact_atom::value,
                      fact_for(e, integrations::TaskOutcome::failure(what.status().error(), what.status().message())));
  }
  Runtime::StartRequest req;
  req.state_machine_arn = what->state_machine_arn;
  req.input = what->input;
  req.name = what->name ? *what->name : child_name(st, e);
  // `finished` and when_closed may both answer: the engine takes the first
  // (the second carries a stale token).
  std::string request_id = child_name(st, e, "request");
  runtime.start_nested(
      req,
      [me, e, kind, sync, &runtime, request_id](Result<Runtime::StartedExecution> r) {
        if (!r.ok()) {
          const Status& s = r.status();
          std::string code = s.code() == Code::kNotFound ? "StateMachineDoesNotExistException"
                             : s.code() == Code::kInvalidArgument ? "InvalidExecutionInputException"
                             : !s.error().empty() ? s.error() : "InternalServerException";
          return caf::anon_send(me, fact_atom::value, fact_for(e, integrations::start_refused(code, s.message())));
        }
        boost::json::value response = integrations::start_response(r->execution_arn, r->start_ms, request_id);
        caf::anon_send(me, child_atom::value, e.frame, e.token, r->execution_arn);
        if (kind == integrations::NestedKind::kRequestResponse) {
          return caf::anon_send(me, fact_atom::value,
                                fact_for(e, integrations::TaskOutcome::success(std::move(response))));
        }
        engine::Fact submitted;
        submitted.kind = engine::FactKind::kTaskSubmitted;
        submitted.frame = e.frame;
        submitted.token = e.token;
        submitted.output = std::move(response);
        caf::anon_send(me, fact_atom::value, std::move(submitted));
        // A STANDARD child keeps its record: wait on it (this also covers
        // a child that existed already, whose start answers no `finished`).
        if (sync && r->execution_arn.find(":express:") == std::string::npos) {
          await_child(me, runtime, e, kind, r->execution_arn);
        }
      },
      [me, e, kind, sync](Result<storage::ExecutionRecord> r) {
        // EXPRESS children keep no record to wait on: their end comes here.
        if (!sync || !r.ok() || r->params.execution_arn.find(":express:") == std::string::npos) return;
        caf::anon_send(me, fact_atom::value, fact_for(e, integrations::child_outcome(child_end(*r), kind)));
      });
}

// Stops the nested executions this one started (it was stopped itself).
void stop_children(Self self) {
  auto& st = self->state;
  for (const auto& kv : st.children) {
    st.deps.runtime->stop_execution(kv.second, std::string("States.Aborted"),
                                    "The parent execution " + st.record.params.execution_arn + " was stopped",
                                    [](Result<storage::ExecutionRecord>) {});
  }
  st.children.clear();
}

// Arms (or re-arms) a heartbeat deadline. A deadline already past (a
// recovered execution) gets a fresh window: the worker may still be alive.
void watch_heartbeat(Self self, const engine::Effect& e) {
  auto& st = self->state;
  std::int64_t seconds = e.heartbeat_seconds.value_or(0);
  std::int64_t now = wall_ms();
  std::int64_t due = e.due_ms > now ? e.due_ms : now + seconds * 1000;
  st.heartbeats[{e.frame, e.token}] = HeartbeatWatch{due, seconds};
  self->delayed_send(self, std::chrono::milliseconds(due - now), hbcheck_atom::value, e.frame, e.token);
}

void run_effect(Self self, const engine::Effect& e) {
  engine::Fact f;
  f.frame = e.frame;
  f.token = e.token;
  switch (e.kind) {
    case engine::EffectKind::kStartTimer:
      f.kind = engine::FactKind::kTimerFired;
      return schedule(self, std::move(f), e.due_ms);
    case engine::EffectKind::kTaskTimeout:
      f.kind = engine::FactKind::kTaskTimedOut;
      return schedule(self, std::move(f), e.due_ms);
    case engine::EffectKind::kHeartbeatTimeout:
      return watch_heartbeat(self, e);
    case engine::EffectKind::kExecutionTimeout:
      f.kind = engine::FactKind::kExecutionTimedOut;
      return schedule(self, std::move(f), e.due_ms);
    case engine::EffectKind::kInvokeTask:
      if (!e.task_token.empty()) offer(self, e);
      if (is_activity(e.resource)) return;  // a worker answers, through the coordinator
      if (auto kind = integrations::nested_kind(e.resource);
          kind != integrations::NestedKind::kNone && self->state.deps.runtime && !self->state.tasks->mocks(e)) {
        return start_child(self, e, kind);
      }
      if (Integrations* in = self->state.deps.integrations;
          in && !self->state.tasks->mocks(e) && in->handles(e.resource)) {
        if (e.submitted) return;  // accepted before a restart: only SendTask* answers it now
        // The service answers on a client thread; the fact comes back as a
        // message (to a dead actor it is dropped: recovery calls again).
        caf::actor me = caf::actor_cast<caf::actor>(self);
        in->invoke(e, [me](engine::Fact f) { caf::anon_send(me, fact_atom::value, std::move(f)); });
        return;
      }
      // Answers come back as messages, so they queue behind what is pending.
      for (auto& answer : self->state.tasks->answer(e)) self->send(self, fact_atom::value, std::move(answer));
      return;
    case engine::EffectKind::kMapRun: {
      auto& st = self->state;
      if (!st.deps.runtime) {
        f.kind = engine::FactKind::kTaskFailed;
        f.error = "States.Runtime";
        f.cause = "this runtime cannot run a Distributed Map";
        return self->send(self, fact_atom::value, std::move(f));
      }
      st.map_runs[{e.frame, e.token}] = e.map_run->map_run_arn;
      return st.deps.runtime->run_map_run(e.map_run, st.record.seq, e.frame, e.token);
    }
    case engine::EffectKind::kCancelTask:
      if (auto it = self->state.map_runs.find({e.frame, e.token}); it != self->state.map_runs.end()) {
        self->state.deps.runtime->abort_map_run(it->second);
        self->state.map_runs.erase(it);
      }
      self->state.heartbeats.erase({e.frame, e.token});
      self->send(self->state.coordinator, withdraw_atom::value, self->state.record.seq, e.frame, e.token);
      return;
  }
}

// Answers everyone waiting on the end (sync starts, stops).
void answer_end(Self self, const Result<storage::ExecutionRecord>& r) {
  auto& st = self->state;
  if (st.on_finish) std::exchange(st.on_finish, nullptr)(r);
  for (auto& cb : std::exchange(st.on_stop, {})) cb(r);
}

// The batch is durable (or failed): now its effects may run.
void acknowledged(Self self, std::uint64_t batch, const std::string& error) {
  auto& st = self->state;
  if (!error.empty()) {
    // Not durable: effects must not run, and the state folded in memory is
    // ahead of the log, so it must go. Batches submitted behind this one
    // fail too (the journal keeps histories contiguous). The coordinator
    // resumes the execution from what is in its log, after a pause.
    if (st.started) std::exchange(st.started, nullptr)(Status::io(error));
    for (auto& kv : st.pending) {
      if (kv.second.reopened) kv.second.reopened(Status::io(error));
    }
    answer_end(self, Status::io(error));
    return self->quit(journal_failure(error));
  }
  auto it = st.pending.find(batch);
  if (it == st.pending.end()) return;
  PendingBatch p = std::move(it->second);
  st.pending.erase(it);
  if (p.first && st.started) std::exchange(st.started, nullptr)(st.record.params.execution_arn);
  if (p.reopened) p.reopened(st.record);
  if (p.finished) {
    // The coordinator learns of the end before anyone waiting on it does:
    // what they send next finds the execution closed, not a dead actor.
    st.closed = true;
    if (engine::status(*st.exec) == engine::ExecutionStatus::kAborted) stop_children(self);
    // Map Runs it still waited on are not wanted any more, however it ended.
    for (const auto& kv : std::exchange(st.map_runs, {})) st.deps.runtime->abort_map_run(kv.second);
    self->send(st.coordinator, done_atom::value, st.record.seq);
    answer_end(self, st.record);
    return self->quit();
  }
  // Passivate first: a sleeping execution must leave no timer behind in
  // CAF's clock (a pending delayed message keeps the dead actor's memory).
  maybe_passivate(self);
  for (const auto& e : p.effects) {
    if (!st.passivating || e.kind == engine::EffectKind::kInvokeTask) run_effect(self, e);
  }
}

// Arms the timers of everything the execution waits on (after a cancelled
// passivation, whose timers were never armed). Extra copies are harmless:
// the engine ignores a fact whose token is stale.
void arm_timers(Self self) {
  for (const auto& e : engine::pending_effects(*self->state.exec)) {
    if (e.kind != engine::EffectKind::kInvokeTask) run_effect(self, e);
  }
}

// A long wait needs no resident actor: when all the execution waits on is
// timers due later than passivate_after_ms, record a wake-up entry and quit;
// the coordinator resumes it from its log in time (pending_effects re-arms
// the timers).
void maybe_passivate(Self self) {
  auto& st = self->state;
  if (st.deps.passivate_after_ms <= 0 || st.record.express || st.passivating || !st.pending.empty()) return;
  std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
  bool callbacks = false;
  for (const auto& e : engine::pending_effects(*st.exec)) {
    if (e.kind == engine::EffectKind::kMapRun) return;  // its Map Run answers into this actor
    if (e.kind == engine::EffectKind::kInvokeTask) {
      // A call accepted that waits for SendTask* (.waitForTaskToken) needs
      // no actor: the coordinator keeps its token and wakes this execution
      // when the answer comes. Any other task answers into this actor.
      if (!e.submitted || e.task_token.empty()) return;
      callbacks = true;
      continue;
    }
    earliest = std::min(earliest, e.due_ms);
  }
  const bool timers = earliest != std::numeric_limits<std::int64_t>::max();
  if (callbacks) {
    // Only without timers: a sleeper with a wake-up entry is not folded at
    // a restart, so its token would not be known until it woke. Without
    // one it is recovered (and re-offers its token) like any open execution.
    if (timers) return;
    st.passivating = true;
    return self->send(self, passive_atom::value, true);  // nothing to record: no wake-up entry
  }
  if (!timers) return;
  if (earliest - wall_ms() < st.deps.passivate_after_ms) return;
  st.passivating = true;
  storage::Append a;
  a.seq = st.record.seq;
  st.record.wake_ms = earliest;
  a.record = st.record;
  a.wake_ms = earliest;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  journal(st).append(std::move(a),
                     [me](const Status& s) { caf::anon_send(me, passive_atom::value, s.ok()); });
}

// One fact through the engine, its decisions to the journal.
void apply(Self self, engine::Fact& f) {
  auto& st = self->state;
  if (!st.exec || st.closed) return;
  if (st.passivating) {  // something happened: this actor is needed after all
    st.passivating = false;
    st.record.wake_ms = 0;
    arm_timers(self);
  }
  f.now_ms = wall_ms();
  if (!st.map_runs.empty()) st.map_runs.erase({f.frame, f.token});  // a Map Run answered
  engine::Decisions d = engine::decide(*st.exec, f);
  persist(self, std::move(d), /*first=*/false);
}

// RedriveExecution: fold the ended run, let the engine re-enter what
// failed, and open the execution again. A refusal ends this actor quietly.
void redrive(Self self, RecordCallback done) {
  auto& st = self->state;
  auto refuse = [&](Status why) {
    done(std::move(why));
    self->send(st.coordinator, done_atom::value, st.record.seq);
    self->quit();
  };
  auto events = journal(st).history(st.record.seq);
  if (!events.ok()) return refuse(events.status());
  auto folded = engine::fold(st.machine, st.record.params, *events);
  if (!folded.ok()) return refuse(folded.status());
  st.exec = std::move(folded).value();
  const char* status = engine::status_name(engine::status(*st.exec));
  if (engine::status(*st.exec) == engine::ExecutionStatus::kRunning ||
      engine::status(*st.exec) == engine::ExecutionStatus::kSucceeded) {
    return refuse(Status::failed("ExecutionNotRedrivable",
                                 std::string("Execution is ") + status + " and cannot be redriven"));
  }
  engine::Fact f;
  f.kind = engine::FactKind::kRedrive;
  f.now_ms = wall_ms();
  engine::Decisions d = engine::decide(*st.exec, f);
  if (d.events.empty()) {
    return refuse(Status::failed("ExecutionNotRedrivable", "Execution has nothing to redrive"));
  }
  st.record.status = "RUNNING";
  st.record.stop_ms = 0;
  st.record.error.reset();
  st.record.cause.reset();
  st.record.output.clear();
  st.record.redrive_count += 1;
  st.record.redrive_ms = f.now_ms;
  persist(self, std::move(d), /*first=*/false, std::move(done));
}

}  // namespace

namespace {
const caf::atom_value kJournalCategory = caf::atom("sd_journal");
}  // namespace

caf::error journal_failure(const std::string& why) { return caf::error(1, kJournalCategory, caf::make_message(why)); }

bool is_journal_failure(const caf::error& e) { return e && e.category() == kJournalCategory; }

caf::behavior execution_actor(caf::stateful_actor<ExecutionActorState>* self, ExecutionDeps deps,
                              caf::actor coordinator, storage::ExecutionRecord record, MachinePtr machine) {
  self->state.deps = deps;
  self->state.coordinator = std::move(coordinator);
  self->state.record = std::move(record);
  self->state.record.params.token_key = deps.token_key;  // never stored: a recovered record lacks it
  self->state.machine = std::move(machine);
  self->state.tasks = std::make_unique<mock::MockTasks>(deps.mocks, self->state.record.params.state_machine_name,
                                                        deps.mock_test_case);
  return {
      [=](start_atom, StartedPtr& first, StartCallback& done, RecordCallback& finished) {
        auto& st = self->state;
        engine::Started s = first ? std::move(*first) : engine::start(st.machine, st.record.params);
        st.exec = std::move(s.state);
        st.started = std::move(done);
        st.on_finish = std::move(finished);
        persist(self, std::move(s.decisions), /*first=*/true);
      },
      [=](recover_atom) {
        auto& st = self->state;
        auto events = journal(st).history(st.record.seq);
        if (!events.ok()) {
          log::error("cannot resume the execution: its history does not read back",
                     {{"execution", st.record.params.execution_arn}, {"error", events.status().message()}});
          return self->quit(caf::sec::runtime_error);
        }
        if (events->empty()) {
          // Crashed between allocating the record and its first commit:
          // nothing was acknowledged, so start afresh.
          engine::Started s = engine::start(st.machine, st.record.params);
          st.exec = std::move(s.state);
          return persist(self, std::move(s.decisions), /*first=*/true);
        }
        auto folded = engine::fold(st.machine, st.record.params, *events);
        if (!folded.ok()) {
          log::error("cannot resume the execution: its history does not fold",
                     {{"execution", st.record.params.execution_arn}, {"error", folded.status().message()}});
          return self->quit(caf::sec::runtime_error);
        }
        st.exec = std::move(folded).value();
        if (engine::status(*st.exec) != engine::ExecutionStatus::kRunning) {
          // The end was recorded but not the closed index: finish that.
          return persist(self, engine::Decisions{}, /*first=*/false);
        }
        maybe_passivate(self);
        if (!st.passivating) arm_timers(self);
        for (const auto& e : engine::pending_effects(*st.exec)) {
          if (e.kind == engine::EffectKind::kInvokeTask) run_effect(self, e);
        }
      },
      [=](passive_atom, bool durable) {
        auto& st = self->state;
        if (!st.passivating) return;  // a fact came meanwhile: stay (the stale entry wakes no one twice)
        st.passivating = false;
        if (!durable) {
          st.record.wake_ms = 0;
          return arm_timers(self);
        }
        self->send(st.coordinator, passive_atom::value, st.record.seq);
        self->quit();
      },
      [=](fact_atom, engine::Fact& f) { apply(self, f); },
      [=](answer_atom, engine::Fact& f) -> bool {  // SendTask*, routed by the coordinator
        apply(self, f);
        return true;
      },
      [=](child_atom, std::int32_t frame, std::uint64_t token, const std::string& arn) {
        self->state.children[{frame, token}] = arn;
      },
      [=](stop_atom, engine::Fact& f) -> caf::result<storage::ExecutionRecord> {
        auto& st = self->state;
        if (!st.exec || st.closed || (!st.closing && engine::status(*st.exec) != engine::ExecutionStatus::kRunning)) {
          return st.record;  // ended already: nothing to stop
        }
        // Answered once the abort (or whatever ended it first) is durable.
        auto rp = self->make_response_promise<storage::ExecutionRecord>();
        st.on_stop.push_back([rp](Result<storage::ExecutionRecord> r) mutable {
          if (r.ok()) {
            rp.deliver(std::move(r).value());
          } else {
            rp.deliver(caf::make_error(caf::sec::runtime_error, r.status().message()));
          }
        });
        f.kind = engine::FactKind::kStop;
        apply(self, f);
        return rp;
      },
      [=](redrive_atom, RecordCallback& done) { redrive(self, std::move(done)); },
      [=](beat_atom, std::int32_t frame, std::uint64_t token) {
        auto it = self->state.heartbeats.find({frame, token});
        if (it != self->state.heartbeats.end()) it->second.due_ms = wall_ms() + it->second.seconds * 1000;
      },
      [=](hbcheck_atom, std::int32_t frame, std::uint64_t token) {
        auto& st = self->state;
        auto it = st.heartbeats.find({frame, token});
        if (it == st.heartbeats.end()) return;
        std::int64_t now = wall_ms();
        if (now < it->second.due_ms) {  // a heartbeat came: check again at the new deadline
          self->delayed_send(self, std::chrono::milliseconds(it->second.due_ms - now), hbcheck_atom::value, frame,
                             token);
          return;
        }
        st.heartbeats.erase(it);
        engine::Fact f;
        f.kind = engine::FactKind::kTaskTimedOut;
        f.frame = frame;
        f.token = token;
        apply(self, f);
      },
      [=](ack_atom, std::uint64_t batch, const std::string& error) { acknowledged(self, batch, error); },
  };
}

}  // namespace stepd::actors
