// fold(): the one way an ExecutionState is rebuilt from its history.
//
// The history holds the outcome of every fact (task results, timers,
// stops), so replaying those facts through decide() reproduces the state
// exactly; each produced event is checked against the recorded one, which
// also proves the history belongs to this machine.

#include "src/common/json.h"
#include "src/engine/engine.h"
#include "src/engine/state.h"

namespace stepd::engine {

namespace {

std::optional<std::string> opt_string(const bj::object& d, const char* key) {
  if (const auto* v = d.if_contains(key); v && v->is_string()) return std::string(v->get_string());
  return std::nullopt;
}

bool is_abort(EventType t) {
  return t == EventType::TaskStateAborted || t == EventType::WaitStateAborted || t == EventType::MapIterationAborted ||
         t == EventType::MapStateAborted || t == EventType::ParallelStateAborted || t == EventType::MapRunAborted;
}

// The fact whose decisions begin with events[next]. A Stop or an execution
// timeout first aborts the running branches and iterations, so its decision
// can begin with their *Aborted events: the fact is the ExecutionAborted /
// ExecutionTimedOut after them.
Result<Fact> fact_for(const ExecutionState& s, const std::vector<Event>& events, std::size_t next) {
  if (is_abort(events[next].type)) {
    std::size_t i = next;
    while (i < events.size() && is_abort(events[i].type)) ++i;
    if (i < events.size() && (events[i].type == EventType::ExecutionAborted ||
                              events[i].type == EventType::ExecutionTimedOut)) {
      next = i;
    }
  }
  const Event& e = events[next];
  Fact f;
  f.now_ms = e.timestamp_ms;
  f.frame = e.frame;
  if (e.type == EventType::ExecutionAborted) {
    f.kind = FactKind::kStop;
    f.error = opt_string(e.details, "error");
    f.cause = opt_string(e.details, "cause");
    return f;
  }
  if (e.type == EventType::ExecutionTimedOut) {
    f.kind = FactKind::kExecutionTimedOut;
    f.token = static_cast<std::uint64_t>(s.redrive_count);
    return f;
  }
  if (e.type == EventType::ExecutionRedriven) {
    f.kind = FactKind::kRedrive;
    return f;
  }
  if (e.frame < 0 || static_cast<std::size_t>(e.frame) >= s.frames.size() || !s.frames[static_cast<std::size_t>(e.frame)]) {
    return Status::invalid("event " + std::to_string(e.id) + " belongs to no running frame");
  }
  f.token = s.frames[static_cast<std::size_t>(e.frame)]->token;
  switch (e.type) {
    case EventType::ActivityStarted:
      f.kind = FactKind::kTaskStarted;
      f.worker_name = opt_string(e.details, "workerName").value_or("");
      return f;
    case EventType::TaskSubmitted:
    case EventType::MapRunSucceeded:  // a Map Run's result is its (unshown) payload
    case EventType::TaskSucceeded:
    case EventType::LambdaFunctionSucceeded:
    case EventType::ActivitySucceeded: {
      f.kind = e.type == EventType::TaskSubmitted ? FactKind::kTaskSubmitted : FactKind::kTaskSucceeded;
      auto v = json::parse(e.payload);
      if (!v.ok()) return Status::invalid("event " + std::to_string(e.id) + " holds invalid output JSON");
      f.output = std::move(v).value();
      return f;
    }
    case EventType::TaskFailed:
    case EventType::MapRunFailed:
    case EventType::LambdaFunctionFailed:
    case EventType::ActivityFailed:
      f.kind = FactKind::kTaskFailed;
      f.error = opt_string(e.details, "error");
      f.cause = opt_string(e.details, "cause");
      return f;
    case EventType::TaskTimedOut:
    case EventType::LambdaFunctionTimedOut:
    case EventType::ActivityTimedOut:
      f.kind = FactKind::kTaskTimedOut;
      return f;
    default:
      // Anything else that starts a decision follows a timer (a Wait that
      // ended, a retry that began).
      f.kind = FactKind::kTimerFired;
      return f;
  }
}

Status check(const Event& produced, const Event& recorded) {
  if (produced.type != recorded.type || produced.details != recorded.details || produced.name != recorded.name ||
      produced.payload != recorded.payload ||
      produced.previous_event_id != recorded.previous_event_id || produced.id != recorded.id) {
    return Status::invalid("event " + std::to_string(recorded.id) + " (" + std::string(event_type_name(recorded.type)) +
                           ") does not follow from the machine; replay produced " +
                           std::string(event_type_name(produced.type)) + " #" + std::to_string(produced.id));
  }
  return Status();
}

}  // namespace

Result<ExecutionStatePtr> fold(std::shared_ptr<const asl::StateMachine> machine, const StartParams& params,
                               const std::vector<Event>& events, const FoldObserver& observe) {
  if (events.empty() || events[0].type != EventType::ExecutionStarted) {
    return Status::invalid("a history starts with ExecutionStarted");
  }
  StartParams p = params;
  p.start_ms = events[0].timestamp_ms;
  Started started = start(std::move(machine), p);
  ExecutionStatePtr state = std::move(started.state);
  std::size_t next = 0;
  auto take = [&](const Decisions& d) -> Status {
    for (const auto& e : d.events) {
      if (next >= events.size()) break;  // the recording ends here: the rest is still to happen
      Status s = check(e, events[next]);
      if (!s.ok()) return s;
      ++next;
    }
    return Status();
  };
  Status s = take(started.decisions);
  if (!s.ok()) return s;
  if (observe && !observe(next, *state)) return state;
  while (next < events.size()) {
    auto fact = fact_for(*state, events, next);
    if (!fact.ok()) return fact.status();
    Decisions d = decide(*state, *fact);
    if (d.events.empty()) {
      return Status::invalid("event " + std::to_string(events[next].id) + " (" +
                             std::string(event_type_name(events[next].type)) + ") follows from no pending fact");
    }
    s = take(d);
    if (!s.ok()) return s;
    if (observe && !observe(next, *state)) return state;
  }
  return state;
}

}  // namespace stepd::engine

namespace stepd::engine {

namespace {

const char* phase_name(Frame::Phase p) {
  switch (p) {
    case Frame::Phase::kEnter: return "entering";
    case Frame::Phase::kTask: return "waiting for its task";
    case Frame::Phase::kRetryWait: return "waiting to retry";
    case Frame::Phase::kWait: return "waiting (Wait state)";
    case Frame::Phase::kChildren: return "running branches/iterations";
    case Frame::Phase::kMapRun: return "waiting for its Map Run";
    case Frame::Phase::kDone: return "done";
    case Frame::Phase::kFailed: return "failed";
    case Frame::Phase::kAborted: return "aborted";
  }
  return "";
}

}  // namespace

bj::object describe(const ExecutionState& s) {
  bj::object out;
  out["status"] = status_name(s.status);
  out["events"] = s.last_id;
  if (s.redrive_count) out["redriveCount"] = s.redrive_count;
  bj::array frames;
  for (const auto& f : s.frames) {
    if (!f || f->phase == Frame::Phase::kDone || f->phase == Frame::Phase::kFailed ||
        f->phase == Frame::Phase::kAborted) {
      continue;
    }
    bj::object o;
    o["frame"] = f->id;
    if (f->parent >= 0) {
      o["parent"] = f->parent;
      o["index"] = f->index;
    }
    if (f->state >= 0) o["state"] = f->machine->states[static_cast<std::size_t>(f->state)].name;
    o["phase"] = phase_name(f->phase);
    o["input"] = f->input;
    if (!f->vars.empty()) o["variables"] = f->vars;
    if (f->retry_count) o["retryCount"] = f->retry_count;
    if (f->phase == Frame::Phase::kChildren) o["running"] = static_cast<std::int64_t>(f->running.size());
    frames.push_back(std::move(o));
  }
  out["frames"] = std::move(frames);
  bj::array pending;
  for (const auto& e : pending_effects(s)) {
    bj::object o;
    switch (e.kind) {
      case EffectKind::kInvokeTask:
        o["task"] = e.resource;
        o["state"] = e.state_name;
        o["payload"] = e.payload;
        break;
      case EffectKind::kStartTimer: o["timer"] = "wake"; break;
      case EffectKind::kTaskTimeout: o["timer"] = "task timeout"; break;
      case EffectKind::kHeartbeatTimeout: o["timer"] = "heartbeat timeout"; break;
      case EffectKind::kExecutionTimeout: o["timer"] = "execution timeout"; break;
      case EffectKind::kMapRun:
        o["mapRun"] = e.map_run->map_run_arn;
        o["state"] = e.state_name;
        break;
      case EffectKind::kCancelTask: continue;
    }
    if (e.kind != EffectKind::kInvokeTask && e.kind != EffectKind::kMapRun) o["dueMs"] = e.due_ms;
    o["frame"] = e.frame;
    pending.push_back(std::move(o));
  }
  out["pending"] = std::move(pending);
  return out;
}

}  // namespace stepd::engine
