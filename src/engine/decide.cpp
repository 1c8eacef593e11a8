// The interpreter behind start() and decide(): runs frames until each one
// waits for a fact or finishes, emitting the events AWS records for the
// same run (see ../shared/HISTORY_RULES.md for the sequences and links).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <tuple>

#include "src/common/json.h"
#include "src/common/task_token.h"
#include "src/common/timestamp.h"
#include "src/engine/engine.h"
#include "src/engine/inspect.h"
#include "src/engine/jsonata_env.h"
#include "src/engine/state.h"

namespace stepd::engine {

namespace {

using asl::State;
using asl::StateType;
using Phase = Frame::Phase;

constexpr const char* kRuntime = "States.Runtime";
constexpr const char* kQueryError = "States.QueryEvaluationError";

// splitmix64: a small, well-mixed generator; seeded per draw so replays agree.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}


// The kind of a Task resource, which decides the history events AWS uses.
struct ResourceKind {
  enum class Kind : unsigned char { kService, kActivity, kLambda } kind = Kind::kService;
  std::string resource_type;  // TaskScheduled.resourceType: "lambda", "sqs", "aws-sdk:s3"...
  std::string resource;       // TaskScheduled.resource: "invoke", "sendMessage.waitForTaskToken"...
  bool wait_for_token = false;
};

ResourceKind classify(const std::string& arn) {
  ResourceKind k;
  // arn:aws:states:::<service>:<api>[.pattern]  /  arn:aws:states:::aws-sdk:<service>:<api>
  static const std::string kStates = ":states:::";
  auto p = arn.find(kStates);
  if (p != std::string::npos) {
    std::string rest = arn.substr(p + kStates.size());
    auto c = rest.find(':');
    std::string svc = rest.substr(0, c);
    std::string api = c == std::string::npos ? "" : rest.substr(c + 1);
    if (svc == "aws-sdk") {
      auto c2 = api.find(':');
      svc += ":" + api.substr(0, c2);
      api = c2 == std::string::npos ? "" : api.substr(c2 + 1);
    }
    k.resource_type = svc;
    k.resource = api;
    k.wait_for_token = api.size() > 17 && api.compare(api.size() - 17, 17, ".waitForTaskToken") == 0;
    return k;
  }
  if (arn.find(":activity:") != std::string::npos) {
    k.kind = ResourceKind::Kind::kActivity;
  } else if (arn.find(":lambda:") != std::string::npos) {
    k.kind = ResourceKind::Kind::kLambda;
  }
  return k;
}

bool error_matches(const std::vector<std::string>& list, const std::string& error) {
  for (const auto& e : list) {
    if (e == error) return true;
    if (error == kRuntime || error == "States.DataLimitExceeded") continue;
    if (e == "States.ALL") return true;
    if (e == "States.TaskFailed" && error != "States.Timeout") return true;
  }
  return false;
}

class Interpreter;

// The effects that stand for what a frame waits on. Used when the frame
// starts waiting and again by pending_effects() after a fold, so a restarted
// runtime re-arms exactly what the original run asked for.
void append_task_effects(const Frame& f, std::vector<Effect>& out) {
  const asl::State& state = f.machine->states[static_cast<std::size_t>(f.state)];
  Effect e;
  e.kind = EffectKind::kInvokeTask;
  e.frame = f.id;
  e.token = f.token;
  e.state_name = state.name;
  e.resource = state.resource;
  e.payload = f.effective;
  e.attempt = f.retry_count;
  e.invocation = f.invocation;
  e.timeout_seconds = f.timeout_seconds;
  e.heartbeat_seconds = f.heartbeat_seconds;
  e.task_token = f.task_token;
  e.submitted = f.submitted;
  e.submitted_response = f.submitted_response;
  out.push_back(std::move(e));
  if (f.timeout_seconds) {
    Effect t;
    t.kind = EffectKind::kTaskTimeout;
    t.frame = f.id;
    t.token = f.token;
    t.due_ms = f.since_ms + *f.timeout_seconds * 1000;
    out.push_back(std::move(t));
  }
  if (f.heartbeat_seconds) {
    Effect h;
    h.kind = EffectKind::kHeartbeatTimeout;
    h.frame = f.id;
    h.token = f.token;
    h.heartbeat_seconds = f.heartbeat_seconds;
    h.due_ms = f.since_ms + *f.heartbeat_seconds * 1000;
    out.push_back(std::move(h));
  }
}

void append_map_run_effect(const Frame& f, std::vector<Effect>& out) {
  Effect e;
  e.kind = EffectKind::kMapRun;
  e.frame = f.id;
  e.token = f.token;
  e.state_name = f.machine->states[static_cast<std::size_t>(f.state)].name;
  e.map_run = f.map_run;
  out.push_back(std::move(e));
}

void append_timer_effect(const Frame& f, std::vector<Effect>& out) {
  Effect e;
  e.kind = EffectKind::kStartTimer;
  e.frame = f.id;
  e.token = f.token;
  e.due_ms = f.since_ms;
  out.push_back(std::move(e));
}

// The machine's TimeoutSeconds counts from the start, or from the latest
// redrive (AWS resets the execution timeout on redrive). The token is the
// redrive count, so a timer armed before a redrive is stale after it.
void append_execution_timeout(const ExecutionState& s, std::vector<Effect>& out) {
  if (!s.machine->timeout_seconds || s.inspect) return;
  Effect e;
  e.kind = EffectKind::kExecutionTimeout;
  e.token = static_cast<std::uint64_t>(s.redrive_count);
  e.due_ms = (s.redrive_count ? s.redrive_ms : s.params.start_ms) + *s.machine->timeout_seconds * 1000;
  out.push_back(std::move(e));
}

// `$`, `$$` and `$var` for one frame. The context object is built only
// when a path asks for it.
class FrameDocs : public jsonpath::Documents {
 public:
  FrameDocs(const Interpreter& in, const Frame& f, const bj::value& input, const bj::value* map_item = nullptr,
            std::int64_t map_index = 0)
      : in_(in), f_(f), input_(input), map_item_(map_item), map_index_(map_index) {}
  const bj::value& input() const override { return input_; }
  const bj::value& context() const override;
  const bj::value* variable(std::string_view name) const override;

 private:
  const Interpreter& in_;
  const Frame& f_;
  const bj::value& input_;
  const bj::value* map_item_;
  std::int64_t map_index_;
  mutable std::optional<bj::value> context_;
};

class Interpreter {
 public:
  Interpreter(ExecutionState& s, std::int64_t now_ms, Decisions& out) : s_(s), now_(now_ms), out_(out) {}

  const ExecutionState& state() const { return s_; }
  Frame& frame(std::int32_t id) { return *s_.frames[static_cast<std::size_t>(id)]; }
  const Frame* frame_or_null(std::int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= s_.frames.size()) return nullptr;
    return s_.frames[static_cast<std::size_t>(id)].get();
  }

  void begin() {
    bj::object d;
    d["roleArn"] = s_.params.role_arn;
    if (!s_.params.alias_arn.empty()) d["stateMachineAliasArn"] = s_.params.alias_arn;
    if (!s_.params.version_arn.empty()) d["stateMachineVersionArn"] = s_.params.version_arn;
    emit_root(EventType::ExecutionStarted, std::move(d), 0, s_.params.input_text);
    auto root = std::make_unique<Frame>();
    root->machine = s_.machine.get();
    root->state = s_.machine->start;
    root->input = s_.input;
    root->tip = 0;  // AWS links the first StateEntered to 0, not to ExecutionStarted
    if (s_.inspect) root->vars = s_.inspect->variables;
    s_.frames.push_back(std::move(root));
    append_execution_timeout(s_, out_.effects);
    run(frame(0));
    settle(frame(0));
  }

  // select_item(): the Map frame f's ItemSelector for one item.
  Result<bj::value> select(Frame& f, const bj::value& item, std::int64_t index) {
    return item_input(f, st(f), item, index);
  }

  void apply(const Fact& fact) {
    if (fact.kind == FactKind::kRedrive) return redrive();
    if (s_.status != ExecutionStatus::kRunning) return;
    switch (fact.kind) {
      case FactKind::kStop: {
        abort_root();
        bj::object d;
        if (fact.error) d["error"] = *fact.error;
        if (fact.cause) d["cause"] = *fact.cause;
        emit_root(EventType::ExecutionAborted, std::move(d), 0);
        finish(ExecutionStatus::kAborted, fact.error, fact.cause);
        return;
      }
      case FactKind::kExecutionTimedOut: {
        if (fact.token != static_cast<std::uint64_t>(s_.redrive_count)) return;  // armed before a redrive
        abort_root();
        bj::object d;
        d["error"] = "States.Timeout";
        emit_root(EventType::ExecutionTimedOut, std::move(d), s_.last_id);
        finish(ExecutionStatus::kTimedOut, std::string("States.Timeout"), std::nullopt);
        return;
      }
      default:
        break;
    }
    const Frame* target = frame_or_null(fact.frame);
    if (!target || target->token != fact.token || fact.token == 0) return;  // stale
    Frame& f = frame(fact.frame);
    switch (fact.kind) {
      case FactKind::kTaskStarted:
        if (f.phase == Phase::kTask) task_started(f, fact.worker_name);
        return;  // starting changes no phase: nothing else to run
      case FactKind::kTaskSubmitted:
        if (f.phase == Phase::kTask) task_submitted(f, fact.output);
        return;  // the task still runs until its callback or the child ends
      case FactKind::kTaskSucceeded:
        if (f.phase == Phase::kMapRun) {
          map_run_finished(f, fact);
          break;
        }
        if (f.phase != Phase::kTask) return;
        task_succeeded(f, fact.output);
        break;
      case FactKind::kTaskFailed:
      case FactKind::kTaskTimedOut:
        if (f.phase == Phase::kMapRun) {
          map_run_finished(f, fact);
          break;
        }
        if (f.phase != Phase::kTask) return;
        if (fact.kind == FactKind::kTaskFailed) {
          task_failed(f, fact.error, fact.cause, false);
        } else {
          task_failed(f, std::string("States.Timeout"), std::nullopt, true);
        }
        break;
      case FactKind::kTimerFired:
        if (f.phase == Phase::kWait) {
          wait_over(f);
        } else if (f.phase == Phase::kRetryWait) {
          retry_now(f);
        } else {
          return;
        }
        break;
      default:
        return;
    }
    run(f);
    settle(f);
  }

  // After the history filled up in this decision: the work that the code
  // running at that moment still asks for (a task, a timer) is dropped; its
  // cancellations stay.
  void drop_work_after_full_history() {
    if (!s_.history_full || drop_new_work_ > out_.effects.size()) return;
    auto first = out_.effects.begin() + static_cast<std::ptrdiff_t>(drop_new_work_);
    out_.effects.erase(std::remove_if(first, out_.effects.end(),
                                      [](const Effect& e) { return e.kind != EffectKind::kCancelTask; }),
                       out_.effects.end());
  }

  std::uint64_t draw() { return mix(s_.params.seed ^ mix(++s_.draws)); }

  // $$.Task.Token of the task this frame schedules (src/common/task_token.h).
  void mint_token(Frame& f) {
    std::uint64_t a = draw(), b = draw();
    f.task_token = mint_task_token(s_.params.token_key, s_.params.execution_arn, a, b);
  }

  // RedriveExecution: an ended run (FAILED, TIMED_OUT, ABORTED) goes on
  // from its open states, those entered and never exited. After
  // ExecutionRedriven each one runs again from just after its StateEntered:
  // no new StateEntered, its next events link to the original one (AWS
  // "reschedules and reruns" the failed step), retry counts start over. A
  // Parallel or Map whose children had started reruns only the branches and
  // iterations that failed or were aborted (each from where it stopped),
  // and starts the iterations it never reached.
  void redrive() {
    if (s_.status == ExecutionStatus::kRunning || s_.status == ExecutionStatus::kSucceeded) return;
    if (s_.inspect || s_.frames.empty() || !s_.frames[0]) return;
    // RedriveExecution wants fewer than max_events - 1 events (the model's
    // rule: 24,999 with AWS's limit).
    if (s_.history_full || s_.last_id + 1 >= s_.params.max_events) return;
    bj::object d;
    d["redriveCount"] = ++s_.redrive_count;
    s_.redrive_ms = now_;
    emit_root(EventType::ExecutionRedriven, std::move(d), s_.last_id);
    s_.status = ExecutionStatus::kRunning;
    s_.error.reset();
    s_.cause.reset();
    s_.output_text.clear();
    append_execution_timeout(s_, out_.effects);
    Frame& root = frame(0);
    resume(root);
    settle(root);
  }

 private:
  // ---- events -------------------------------------------------------------

  // TestState's inspection when f is the frame of the tested state.
  Inspection* watch(const Frame& f) const { return f.id == 0 ? s_.inspect : nullptr; }

  // AWS's history limit (params.max_events, 25,000): when an execution has
  // written one event fewer, the next event is ExecutionSucceeded if that is
  // what comes next, and ExecutionFailed{States.Runtime} otherwise --
  // wherever the event was due (entering a state, a Map iteration's end, a
  // Parallel's catch), as AWS measured. True when `t` may be written now;
  // false when the history is full (it may have just become so: then the
  // running work is cancelled, and ExecutionFailed written, here).
  bool room_for(EventType t) {
    if (s_.history_full) return false;
    if (s_.last_id + 1 < s_.params.max_events) return true;
    if (t == EventType::ExecutionSucceeded || t == EventType::ExecutionFailed || t == EventType::ExecutionAborted ||
        t == EventType::ExecutionTimedOut)
      return true;
    s_.history_full = true;  // from here on nothing is written: abort_root's events are dropped,
    abort_root();            // its cancellations of running tasks are kept
    drop_new_work_ = out_.effects.size();
    const std::string cause =
        "The execution reached the maximum number of history events (" + std::to_string(s_.params.max_events) + ").";
    bj::object d;
    d["error"] = kRuntime;
    d["cause"] = cause;
    push_event(EventType::ExecutionFailed, 0, std::move(d), s_.last_id, {}, {});
    finish(ExecutionStatus::kFailed, std::string(kRuntime), cause);
    return false;
  }

  std::int64_t push_event(EventType t, std::int32_t frame, bj::object details, std::int64_t prev, std::string name,
                          std::string payload) {
    Event e;
    e.type = t;
    e.id = ++s_.last_id;
    e.previous_event_id = prev;
    e.timestamp_ms = now_;
    e.frame = frame;
    e.name = std::move(name);
    e.payload = std::move(payload);
    e.details = std::move(details);
    out_.events.push_back(std::move(e));
    return s_.last_id;
  }

  std::int64_t emit_root(EventType t, bj::object details, std::int64_t prev, std::string payload = {}) {
    if (!room_for(t)) return 0;
    return push_event(t, 0, std::move(details), prev, {}, std::move(payload));
  }


  // Emits an event of frame f linked to `prev`; returns its id. Does not
  // move the frame's tip.
  std::int64_t emit_linked(Frame& f, EventType t, bj::object details, std::int64_t prev, std::string name = {},
                           std::string payload = {}) {
    if (!room_for(t)) return 0;
    return push_event(t, f.id, std::move(details), prev, std::move(name), std::move(payload));
  }


  // Emits a state-level event of frame f: links to the tip, becomes the tip.
  std::int64_t emit(Frame& f, EventType t, bj::object details = {}, std::string name = {}, std::string payload = {}) {
    std::int64_t id = emit_linked(f, t, std::move(details), f.tip, std::move(name), std::move(payload));
    if (id) f.tip = id;
    return id;
  }

  static EventType entered_type(StateType t) {
    switch (t) {
      case StateType::kTask: return EventType::TaskStateEntered;
      case StateType::kPass: return EventType::PassStateEntered;
      case StateType::kChoice: return EventType::ChoiceStateEntered;
      case StateType::kWait: return EventType::WaitStateEntered;
      case StateType::kSucceed: return EventType::SucceedStateEntered;
      case StateType::kFail: return EventType::FailStateEntered;
      case StateType::kParallel: return EventType::ParallelStateEntered;
      case StateType::kMap: return EventType::MapStateEntered;
    }
    return EventType::PassStateEntered;
  }
  static EventType exited_type(StateType t) {
    switch (t) {
      case StateType::kTask: return EventType::TaskStateExited;
      case StateType::kChoice: return EventType::ChoiceStateExited;
      case StateType::kWait: return EventType::WaitStateExited;
      case StateType::kSucceed: return EventType::SucceedStateExited;
      case StateType::kParallel: return EventType::ParallelStateExited;
      case StateType::kMap: return EventType::MapStateExited;
      default: return EventType::PassStateExited;
    }
  }

  const State& st(const Frame& f) const { return f.machine->states[static_cast<std::size_t>(f.state)]; }

  std::string cause_prefix(const Frame& f) const {
    return "An error occurred while executing the state '" + st(f).name + "' (entered at the event id #" +
           std::to_string(f.entered_id) + "). ";
  }

  // ---- the run loop -------------------------------------------------------

  void run(Frame& f) {
    while (f.phase == Phase::kEnter && s_.status == ExecutionStatus::kRunning) enter(f);
  }

  // After frame f changed because of a fact: let each ancestor react to a
  // child that finished.
  void settle(Frame& f) {
    Frame* child = &f;
    while (child->parent >= 0 && (child->phase == Phase::kDone || child->phase == Phase::kFailed)) {
      Frame& parent = frame(child->parent);
      child_finished(parent, *child);
      run(parent);
      child = &parent;
    }
    if (child->parent < 0) root_settled(*child);
  }

  void root_settled(Frame& root) {
    if (s_.status != ExecutionStatus::kRunning) return;
    if (root.phase == Phase::kDone) {
      std::string text = json::to_json(root.output);
      s_.output_text = text;
      emit_root(EventType::ExecutionSucceeded, {}, s_.last_id, std::move(text));
      finish(ExecutionStatus::kSucceeded, std::nullopt, std::nullopt);
    } else if (root.phase == Phase::kFailed) {
      bj::object d;
      if (root.error) d["error"] = *root.error;
      if (root.cause) d["cause"] = *root.cause;
      emit_root(EventType::ExecutionFailed, std::move(d), s_.last_id);
      finish(ExecutionStatus::kFailed, root.error, root.cause);
    }
  }

  void finish(ExecutionStatus status, std::optional<std::string> error, std::optional<std::string> cause) {
    s_.status = status;
    s_.error = std::move(error);
    s_.cause = std::move(cause);
  }

  void enter(Frame& f) {
    const State& state = st(f);
    // The previous state's output text is this input's text: serialise once.
    std::string input_text = f.input_text.empty() ? json::to_json(f.input) : std::move(f.input_text);
    f.input_text.clear();
    std::size_t input_size = input_text.size();
    f.entered_prev = f.tip;
    f.entered_id = emit(f, entered_type(state.type), {}, state.name, std::move(input_text));
    f.entered_ms = now_;
    f.in_state = true;
    f.children_started = false;
    run_state(f, input_size);
  }

  // The state's own logic, after its StateEntered (again for a redrive).
  void run_state(Frame& f, std::size_t input_size) {
    const State& state = st(f);
    f.retry_counts.assign(state.retry.size(), 0);
    f.retry_count = 0;
    f.needs_eval = false;
    if (input_size > s_.params.max_payload) {
      fail_frame(f, "States.DataLimitExceeded",
                 "The state/task '" + state.name +
                     "' returned a result with a size exceeding the maximum number of bytes service limit.");
      return;
    }
    if (state.query_language == asl::QueryLanguage::kJSONata) return ja_run(f, state);
    switch (state.type) {
      case StateType::kPass: return pass(f, state);
      case StateType::kSucceed: return succeed(f, state);
      case StateType::kFail: return fail_state(f, state);
      case StateType::kChoice: return choice(f, state);
      case StateType::kWait: return wait(f, state);
      case StateType::kTask: return task(f, state);
      case StateType::kParallel: return parallel(f, state);
      case StateType::kMap: return map(f, state);
    }
  }

  // ---- data flow ----------------------------------------------------------

  // InputPath: `$` by default, `{}` when null.
  Result<bj::value> input_path(Frame& f, const State& state) {
    const auto& p = state.input_path;
    if (p.kind == asl::PathField::Kind::kDefault) return f.input;
    if (p.kind == asl::PathField::Kind::kNull) return bj::value(bj::object());
    FrameDocs docs(*this, f, f.input);
    auto r = p.path->eval(docs);
    if (!r.ok()) return runtime(f, "Invalid path '" + p.path->text() + "' : " + r.status().message());
    return r;
  }

  Result<bj::value> output_path(Frame& f, const State& state, bj::value v) {
    const auto& p = state.output_path;
    if (p.kind == asl::PathField::Kind::kDefault) return v;
    if (p.kind == asl::PathField::Kind::kNull) return bj::value(bj::object());
    FrameDocs docs(*this, f, v);
    auto r = p.path->eval(docs);
    if (!r.ok()) return runtime(f, "Invalid path '" + p.path->text() + "' : " + r.status().message());
    return r;
  }

  // ResultPath: merge `result` into the raw state input.
  Result<bj::value> result_path(Frame& f, const asl::PathField& p, bj::value result) {
    if (p.kind == asl::PathField::Kind::kDefault) return result;
    if (p.kind == asl::PathField::Kind::kNull) return f.input;
    if (p.path->is_root()) return result;
    bj::value doc = f.input;
    Status s = p.path->assign(doc, std::move(result));
    if (!s.ok()) {
      return Status::failed("States.ResultPathMatchFailure",
                            "Unable to apply ResultPath \"" + p.path->text() + "\" to input \"" +
                                json::to_json(f.input) + "\"");
    }
    return doc;
  }

  Result<bj::value> eval_template(Frame& f, const asl::Template& t, const bj::value& input,
                                  const bj::value* map_item = nullptr, std::int64_t map_index = 0) {
    FrameDocs docs(*this, f, input, map_item, map_index);
    auto r = t.eval(docs, [this] { return draw(); });
    if (!r.ok()) {
      return Status::failed(r.status().error().empty() ? kRuntime : r.status().error(),
                            cause_prefix(f) + r.status().message());
    }
    return r;
  }

  Status runtime(const Frame& f, const std::string& message) const {
    return Status::failed(kRuntime, cause_prefix(f) + message);
  }

  // Evaluates Assign with `$` = value; the new bindings apply after the state.
  Result<bj::object> assign(Frame& f, const std::optional<asl::Template>& t, const bj::value& value) {
    if (!t) return bj::object();
    auto r = eval_template(f, *t, value);
    if (!r.ok()) return r.status();
    if (!r->is_object()) return bj::object();
    return std::move(r->get_object());
  }

  // Leaves the current state with `output`: StateExited, then the next
  // state, or the frame's end.
  void exit_state(Frame& f, const State& state, bj::value output, bj::object assigned, int next) {
    std::string text = json::to_json(output);
    if (text.size() > s_.params.max_payload) {
      fail_frame(f, "States.DataLimitExceeded",
                 "The state/task '" + state.name +
                     "' returned a result with a size exceeding the maximum number of bytes service limit.");
      return;
    }
    if (!assigned.empty()) {
      // AWS: at most 256 KiB of variables assigned by one state (the
      // payload limit; the wording of its error is ours, unrecorded).
      std::size_t size = 0;
      for (const auto& kv : assigned) size += kv.key().size() + json::json_size(kv.value());
      if (size > s_.params.max_payload) {
        fail_frame(f, "States.DataLimitExceeded",
                   "The state/task '" + state.name +
                       "' assigned variables with a size exceeding the maximum number of bytes service limit.");
        return;
      }
    }
    f.in_state = false;
    if (!f.parked.empty() || !f.requeue.empty()) release_kept(f);
    if (Inspection* w = watch(f)) {
      w->output = output;
      if (next >= 0) w->next_state = f.machine->states[static_cast<std::size_t>(next)].name;
      next = -1;  // TestState: the run ends with the tested state
    }
    bj::object d;
    if (!assigned.empty()) {
      bj::object trunc;
      trunc["truncated"] = false;
      bj::object shown;
      for (const auto& kv : assigned) shown[kv.key()] = json::to_json(kv.value());
      d["assignedVariables"] = std::move(shown);
      d["assignedVariablesDetails"] = std::move(trunc);
      for (auto& kv : assigned) f.vars[kv.key()] = std::move(kv.value());
    }
    if (next >= 0) f.input_text = text;
    emit(f, exited_type(state.type), std::move(d), state.name, std::move(text));
    if (next >= 0) {
      f.state = next;
      f.input = std::move(output);
      f.phase = Phase::kEnter;
    } else {
      f.output = std::move(output);
      f.phase = Phase::kDone;
    }
  }

  int next_of(const State& state) const { return state.end ? -1 : state.next; }

  // Result → ResultSelector → ResultPath → OutputPath → Assign → exit.
  void complete(Frame& f, const State& state, bj::value result) {
    if (state.query_language == asl::QueryLanguage::kJSONata) {
      // TestState shows only `input` for JSONata states (no after* steps).
      bj::value output = result;
      return ja_finish(f, state, std::move(output), &result, next_of(state), state.ja.assign, state.ja.output);
    }
    if (state.result_selector) {
      auto r = eval_template(f, *state.result_selector, result);
      if (!r.ok()) return fail_frame(f, r.status());
      result = std::move(r).value();
    }
    if (Inspection* w = watch(f)) w->after_result_selector = result;
    auto vars = assign(f, state.assign, result);
    if (!vars.ok()) return fail_frame(f, vars.status());
    auto merged = result_path(f, state.result_path, std::move(result));
    if (!merged.ok()) return handle_error(f, merged.status().error(), merged.status().message(), false);
    if (Inspection* w = watch(f)) w->after_result_path = *merged;
    auto out = output_path(f, state, std::move(merged).value());
    if (!out.ok()) return fail_frame(f, out.status());
    exit_state(f, state, std::move(out).value(), std::move(vars).value(), next_of(state));
  }

  // ---- simple states --------------------------------------------------------

  // The effective input (after InputPath): f.input itself when InputPath is
  // the default, so the common case copies nothing. nullptr when it failed.
  const bj::value* effective_input(Frame& f, const State& state, bj::value& storage) {
    if (state.input_path.kind == asl::PathField::Kind::kDefault) return &f.input;
    auto in = input_path(f, state);
    if (!in.ok()) {
      fail_frame(f, in.status());
      return nullptr;
    }
    storage = std::move(in).value();
    return &storage;
  }

  // Takes the effective input as a value; moves f.input when nothing needs
  // the raw input afterwards (ResultPath is the default) and the state
  // cannot fail after this (`may_fail`: an OutputPath or Assign still to
  // evaluate), since a redrive runs a failed state again on its input.
  static bj::value take(Frame& f, const bj::value* in, const asl::PathField& result_path, bool may_fail) {
    if (!may_fail && in == &f.input && result_path.kind == asl::PathField::Kind::kDefault) return std::move(f.input);
    return *in;
  }
  // An OutputPath that can fail (one that is not just `$`).
  static bool has_output_path(const State& state) {
    return state.output_path.kind == asl::PathField::Kind::kPath && !state.output_path.path->is_root();
  }

  void pass(Frame& f, const State& state) {
    bj::value result;
    if (state.result) {
      // Result is the state's result; AWS reads neither InputPath nor
      // Parameters then (TestState shows no afterInputPath/afterParameters).
      result = *state.result;
      if (Inspection* w = watch(f)) w->result = result;
    } else {
      bj::value storage;
      const bj::value* in = effective_input(f, state, storage);
      if (!in) return;
      if (Inspection* w = watch(f)) w->after_input_path = *in;
      if (state.parameters) {
        auto r = eval_template(f, *state.parameters, *in);
        if (!r.ok()) return fail_frame(f, r.status());
        result = std::move(r).value();
      } else {
        result = take(f, in, state.result_path, has_output_path(state) || state.assign.has_value());
      }
      if (Inspection* w = watch(f)) w->after_parameters = result;
    }
    if (Inspection* w = watch(f)) w->after_result_selector = result;
    auto vars = assign(f, state.assign, result);
    if (!vars.ok()) return fail_frame(f, vars.status());
    auto merged = result_path(f, state.result_path, std::move(result));
    if (!merged.ok()) return fail_frame(f, merged.status());
    if (Inspection* w = watch(f)) w->after_result_path = *merged;
    auto out = output_path(f, state, std::move(merged).value());
    if (!out.ok()) return fail_frame(f, out.status());
    exit_state(f, state, std::move(out).value(), std::move(vars).value(), next_of(state));
  }

  void succeed(Frame& f, const State& state) {
    bj::value storage;
    const bj::value* in = effective_input(f, state, storage);
    if (!in) return;
    if (Inspection* w = watch(f)) w->after_input_path = *in;
    auto out = output_path(f, state, take(f, in, {}, has_output_path(state)));
    if (!out.ok()) return fail_frame(f, out.status());
    exit_state(f, state, std::move(out).value(), {}, -1);
  }

  void fail_state(Frame& f, const State& state) {
    if (Inspection* w = watch(f)) w->after_input_path = f.input;  // a Fail state has no InputPath
    std::optional<std::string> error = state.error, cause = state.cause;
    auto dynamic = [&](const asl::Template& t, const char* field) -> Result<std::optional<std::string>> {
      auto r = eval_template(f, t, f.input);
      if (!r.ok()) {
        // AWS names the field (ErrorPath / CausePath), not the path text.
        std::string msg = r.status().message();
        auto p = msg.find("specified for the field '");
        if (p != std::string::npos) {
          auto q = msg.find('\'', p + 25);
          msg = msg.substr(0, p + 25) + field + msg.substr(q);
        }
        return Status::failed(r.status().error(), msg);
      }
      if (r->is_string()) return std::optional<std::string>(std::string(r->get_string()));
      return std::optional<std::string>(json::to_json(*r));
    };
    if (state.error_path) {
      auto r = dynamic(*state.error_path, "ErrorPath");
      if (!r.ok()) return fail_frame(f, r.status());
      error = *r;
    }
    if (state.cause_path) {
      auto r = dynamic(*state.cause_path, "CausePath");
      if (!r.ok()) return fail_frame(f, r.status());
      cause = *r;
    }
    fail_frame(f, std::move(error), std::move(cause));
  }

  void choice(Frame& f, const State& state) {
    bj::value storage;
    const bj::value* in = effective_input(f, state, storage);
    if (!in) return;
    if (Inspection* w = watch(f)) w->after_input_path = *in;
    FrameDocs docs(*this, f, *in);
    int next = -1;
    const std::optional<asl::Template>* assign_t = &state.assign;
    for (const auto& c : state.choices) {
      auto m = asl::matches(*c.rule, docs);
      if (!m.ok()) {
        return fail_frame(f, m.status().error().empty() ? kRuntime : m.status().error(),
                          cause_prefix(f) + m.status().message());
      }
      if (*m) {
        next = c.next;
        if (c.assign) assign_t = &c.assign;
        break;
      }
    }
    if (next < 0) next = state.default_next;
    if (next < 0) {
      return fail_frame(f, std::string("States.NoChoiceMatched"),
                        cause_prefix(f) + "No choice rule matched and no Default was given.");
    }
    auto vars = assign(f, *assign_t, *in);
    if (!vars.ok()) return fail_frame(f, vars.status());
    auto out = output_path(f, state, take(f, in, {}, has_output_path(state)));
    if (!out.ok()) return fail_frame(f, out.status());
    exit_state(f, state, std::move(out).value(), std::move(vars).value(), next);
  }

  void wait(Frame& f, const State& state) {
    auto in = input_path(f, state);
    if (!in.ok()) return fail_frame(f, in.status());
    f.effective = std::move(in).value();
    if (Inspection* w = watch(f)) w->after_input_path = f.effective;
    std::int64_t due = now_;
    FrameDocs docs(*this, f, f.effective);
    if (state.seconds) {
      due = now_ + *state.seconds * 1000;
    } else if (state.timestamp) {
      due = *timestamp::parse_ms(*state.timestamp);
    } else if (state.seconds_path) {
      const bj::value* v = state.seconds_path->find(docs);
      const std::string& p = state.seconds_path->text();
      if (!v) return fail_frame(f, kRuntime, cause_prefix(f) + "The SecondsPath parameter does not reference an input value: " + p);
      bool integral = v->is_int64() || v->is_uint64() ||
                      (v->is_double() && std::floor(v->get_double()) == v->get_double());
      if (!v->is_number() || !integral) {
        return fail_frame(f, kRuntime, cause_prefix(f) + "The SecondsPath parameter cannot be parsed as a long value: " +
                                           p + " == " + json::to_json(*v));
      }
      double secs = json::to_double(*v);
      if (secs < 0) {
        return fail_frame(f, kRuntime, cause_prefix(f) + "The SecondsPath parameter references a negative value: " + p +
                                           " == " + json::to_json(*v));
      }
      due = now_ + static_cast<std::int64_t>(secs) * 1000;
    } else if (state.timestamp_path) {
      const bj::value* v = state.timestamp_path->find(docs);
      const std::string& p = state.timestamp_path->text();
      std::optional<std::int64_t> ms;
      if (v && v->is_string()) ms = timestamp::parse_ms(v->get_string());
      if (!ms) {
        return fail_frame(f, kRuntime,
                          cause_prefix(f) +
                              "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time "
                              "format string: " + p + " == " + (v ? json::to_json(*v) : std::string("null")));
      }
      due = *ms;
    }
    if (due > now_ && !watch(f)) {  // TestState does not wait
      f.phase = Phase::kWait;
      start_timer(f, due);
      return;
    }
    wait_over(f);
  }

  void wait_over(Frame& f) {
    const State& state = st(f);
    f.token = 0;
    if (state.query_language == asl::QueryLanguage::kJSONata) {
      return ja_finish(f, state, f.input, nullptr, next_of(state), state.ja.assign, state.ja.output);
    }
    auto vars = assign(f, state.assign, f.effective);
    if (!vars.ok()) return fail_frame(f, vars.status());
    auto out = output_path(f, state, f.effective);
    if (!out.ok()) return fail_frame(f, out.status());
    exit_state(f, state, std::move(out).value(), std::move(vars).value(), next_of(state));
  }

  // ---- Task -----------------------------------------------------------------

  Result<std::optional<std::int64_t>> seconds_field(Frame& f, const std::optional<std::int64_t>& literal,
                                                    const std::optional<jsonpath::Path>& path) {
    if (literal) return literal;
    if (!path) return std::optional<std::int64_t>();
    FrameDocs docs(*this, f, f.effective);
    auto r = path->eval(docs);
    if (!r.ok()) return runtime(f, "Invalid path '" + path->text() + "' : " + r.status().message());
    if (!r->is_number() || json::to_double(*r) <= 0) {
      return runtime(f, "The value of the path '" + path->text() + "' must be a positive integer: " + json::to_json(*r));
    }
    return std::optional<std::int64_t>(static_cast<std::int64_t>(json::to_double(*r)));
  }

  void task(Frame& f, const State& state) {
    auto in = input_path(f, state);
    if (!in.ok()) return fail_frame(f, in.status());
    f.effective = std::move(in).value();
    if (Inspection* w = watch(f)) w->after_input_path = f.effective;
    auto timeout = seconds_field(f, state.timeout_seconds, state.timeout_seconds_path);
    if (!timeout.ok()) return fail_frame(f, timeout.status());
    auto heartbeat = seconds_field(f, state.heartbeat_seconds, state.heartbeat_seconds_path);
    if (!heartbeat.ok()) return fail_frame(f, heartbeat.status());
    f.timeout_seconds = *timeout;
    f.heartbeat_seconds = *heartbeat;
    ResourceKind kind = classify(state.resource);
    f.task_token.clear();
    if (kind.wait_for_token || kind.kind == ResourceKind::Kind::kActivity) mint_token(f);
    if (!apply_parameters(f, state)) return;
    if (Inspection* w = watch(f)) w->after_parameters = f.effective;
    schedule(f, state);
  }

  void schedule(Frame& f, const State& state) {
    ResourceKind kind = classify(state.resource);
    f.submitted = false;
    f.submitted_response.clear();
    std::string payload = json::to_json(f.effective);
    switch (kind.kind) {
      case ResourceKind::Kind::kService: {
        bj::object d;
        d["resourceType"] = kind.resource_type;
        d["resource"] = kind.resource;
        d["region"] = s_.params.region;
        if (f.timeout_seconds) d["timeoutInSeconds"] = *f.timeout_seconds;
        if (f.heartbeat_seconds) d["heartbeatInSeconds"] = *f.heartbeat_seconds;
        emit(f, EventType::TaskScheduled, std::move(d), {}, std::move(payload));
        bj::object s;
        s["resourceType"] = kind.resource_type;
        s["resource"] = kind.resource;
        emit(f, EventType::TaskStarted, std::move(s));
        break;
      }
      case ResourceKind::Kind::kLambda: {
        bj::object d;
        d["resource"] = state.resource;
        if (f.timeout_seconds) d["timeoutInSeconds"] = *f.timeout_seconds;
        emit(f, EventType::LambdaFunctionScheduled, std::move(d), {}, std::move(payload));
        emit(f, EventType::LambdaFunctionStarted);
        break;
      }
      case ResourceKind::Kind::kActivity: {
        bj::object d;
        d["resource"] = state.resource;
        if (f.timeout_seconds) d["timeoutInSeconds"] = *f.timeout_seconds;
        if (f.heartbeat_seconds) d["heartbeatInSeconds"] = *f.heartbeat_seconds;
        emit(f, EventType::ActivityScheduled, std::move(d), {}, std::move(payload));
        break;
      }
    }
    f.phase = Phase::kTask;
    f.token = s_.next_token++;
    f.since_ms = now_;
    f.invocation = s_.invocations[state.name]++;
    append_task_effects(f, out_.effects);
  }

  void start_timer(Frame& f, std::int64_t due_ms) {
    f.token = s_.next_token++;
    f.since_ms = due_ms;
    append_timer_effect(f, out_.effects);
  }

  void task_started(Frame& f, const std::string& worker) {
    if (classify(st(f).resource).kind != ResourceKind::Kind::kActivity) return;
    bj::object d;
    if (!worker.empty()) d["workerName"] = worker;
    emit(f, EventType::ActivityStarted, std::move(d));
  }

  void task_submitted(Frame& f, const bj::value& response) {
    ResourceKind kind = classify(st(f).resource);
    // Once per call: a call made again after a restart (at-least-once) may
    // be accepted again, but AWS records the one submission.
    if (kind.kind != ResourceKind::Kind::kService || f.submitted) return;
    f.submitted = true;
    f.submitted_response = json::to_json(response);
    bj::object d;
    d["resourceType"] = kind.resource_type;
    d["resource"] = kind.resource;
    emit(f, EventType::TaskSubmitted, std::move(d), {}, json::to_json(response));
  }

  void task_succeeded(Frame& f, const bj::value& output) {
    const State& state = st(f);
    if (Inspection* w = watch(f)) w->result = output;
    ResourceKind kind = classify(state.resource);
    f.token = 0;
    std::string text = json::to_json(output);
    bool too_big = text.size() > s_.params.max_payload;
    bj::object d;
    switch (kind.kind) {
      case ResourceKind::Kind::kService:
        d["resourceType"] = kind.resource_type;
        d["resource"] = kind.resource;
        emit(f, EventType::TaskSucceeded, std::move(d), {}, std::move(text));
        break;
      case ResourceKind::Kind::kLambda:
        emit(f, EventType::LambdaFunctionSucceeded, std::move(d), {}, std::move(text));
        break;
      case ResourceKind::Kind::kActivity:
        emit(f, EventType::ActivitySucceeded, std::move(d), {}, std::move(text));
        break;
    }
    if (too_big) {
      return handle_error(f, "States.DataLimitExceeded",
                          "The state/task '" + state.name +
                              "' returned a result with a size exceeding the maximum number of bytes service limit.",
                          false);
    }
    complete(f, state, output);
  }

  void task_failed(Frame& f, std::optional<std::string> error, std::optional<std::string> cause, bool timed_out) {
    const State& state = st(f);
    ResourceKind kind = classify(state.resource);
    std::uint64_t token = f.token;
    f.token = 0;
    bj::object d;
    if (error) d["error"] = *error;
    if (cause && !timed_out) d["cause"] = *cause;
    EventType t = EventType::TaskFailed;
    switch (kind.kind) {
      case ResourceKind::Kind::kService:
        d["resourceType"] = kind.resource_type;
        d["resource"] = kind.resource;
        t = timed_out ? EventType::TaskTimedOut : EventType::TaskFailed;
        break;
      case ResourceKind::Kind::kLambda:
        t = timed_out ? EventType::LambdaFunctionTimedOut : EventType::LambdaFunctionFailed;
        break;
      case ResourceKind::Kind::kActivity:
        t = timed_out ? EventType::ActivityTimedOut : EventType::ActivityFailed;
        break;
    }
    emit(f, t, std::move(d));
    if (timed_out) {
      Effect c;
      c.kind = EffectKind::kCancelTask;
      c.frame = f.id;
      c.token = token;
      out_.effects.push_back(std::move(c));
    }
    f.abort_task_on_fail = true;
    handle_error(f, error, timed_out ? std::optional<std::string>("") : cause, true);
  }

  // ---- errors: Retry, Catch, fail ------------------------------------------

  // The error output {"Error", "Cause"} of a failure; absent values are null.
  static bj::value error_output(const std::optional<std::string>& error, const std::optional<std::string>& cause) {
    bj::object o;
    o["Error"] = error ? bj::value(*error) : bj::value(nullptr);
    o["Cause"] = cause ? bj::value(*cause) : bj::value(nullptr);
    return o;
  }

  // Retries, catches or fails the current state of f for `error`.
  // States.Runtime and DataLimitExceeded skip Retry and Catch (AWS: terminal).
  void handle_error(Frame& f, std::optional<std::string> error, std::optional<std::string> cause, bool from_task) {
    const State& state = st(f);
    const std::string name = error.value_or("");
    bool terminal = name == kRuntime;
    Inspection* w = watch(f);
    if (w) {
      w->error = error;
      w->cause = cause;
      if (!terminal && inspect_retry(state, name, *w)) return fail_frame(f, std::move(error), std::move(cause));
    } else if (!terminal && retry(f, state, name)) {
      return;
    }
    if (!terminal) {
      for (std::size_t i = 0; i < state.catches.size(); ++i) {
        const auto& c = state.catches[i];
        if (!error_matches(c.errors, name)) continue;
        if (w) w->catch_index = static_cast<std::int64_t>(i);
        bj::value eo = error_output(error, cause);
        if (state.query_language == asl::QueryLanguage::kJSONata) {
          f.abort_task_on_fail = false;
          if (w) w->outcome = Inspection::Outcome::kCaught;
          return ja_catch(f, state, c, std::move(eo));
        }
        auto vars = assign(f, c.assign, eo);
        if (!vars.ok()) return fail_frame(f, vars.status());
        auto out = result_path(f, c.result_path, std::move(eo));
        if (!out.ok()) return fail_frame(f, out.status());
        if (w) w->outcome = Inspection::Outcome::kCaught;
        f.abort_task_on_fail = false;
        exit_state(f, state, std::move(out).value(), std::move(vars).value(), c.next);
        return;
      }
    }
    if (!from_task) f.abort_task_on_fail = false;
    fail_frame(f, std::move(error), std::move(cause));
  }

  // Schedules a retry when a retrier matches and has attempts left.
  bool retry(Frame& f, const State& state, const std::string& name) {
    for (std::size_t i = 0; i < state.retry.size(); ++i) {
      const auto& r = state.retry[i];
      if (!error_matches(r.errors, name)) continue;
      if (f.retry_counts[i] >= r.max_attempts) return false;  // first match wins, even when spent
      std::int64_t n = f.retry_counts[i]++;
      double delay = r.interval_seconds * std::pow(r.backoff_rate, static_cast<double>(n));
      if (r.max_delay_seconds) delay = std::min(delay, static_cast<double>(*r.max_delay_seconds));
      if (r.full_jitter) delay = delay * static_cast<double>(draw() >> 11) / 9007199254740992.0;
      f.retry_count++;
      f.phase = Phase::kRetryWait;
      start_timer(f, now_ + static_cast<std::int64_t>(std::llround(delay * 1000.0)));
      return true;
    }
    return false;
  }

  // TestState: reports the retrier that matches (with the retry count the
  // request gives) instead of waiting to retry. True when it has attempts
  // left: the state is RETRIABLE. The backoff is the interval before jitter.
  bool inspect_retry(const State& state, const std::string& name, Inspection& w) {
    for (std::size_t i = 0; i < state.retry.size(); ++i) {
      const auto& r = state.retry[i];
      if (!error_matches(r.errors, name)) continue;
      w.retry_index = static_cast<std::int64_t>(i);
      std::int64_t n = w.retrier_retry_count.value_or(0);
      if (n >= r.max_attempts) return false;
      double delay = r.interval_seconds * std::pow(r.backoff_rate, static_cast<double>(n));
      if (r.max_delay_seconds) delay = std::min(delay, static_cast<double>(*r.max_delay_seconds));
      w.retry_backoff_seconds = std::llround(delay);
      w.outcome = Inspection::Outcome::kRetriable;
      return true;
    }
    return false;
  }

  void retry_now(Frame& f) {
    const State& state = st(f);
    f.token = 0;
    f.abort_task_on_fail = false;
    if (f.needs_eval) {  // JSONata: the last attempt failed before its work began
      switch (state.type) {
        case StateType::kTask: return ja_task(f, state);
        case StateType::kParallel: return ja_parallel(f, state);
        case StateType::kMap: return ja_map(f, state);
        default: return;
      }
    }
    switch (state.type) {
      case StateType::kTask: return schedule(f, state);
      case StateType::kParallel: return parallel_attempt(f, state);
      case StateType::kMap:
        emit_map_started(f);
        return map_attempt(f, state);
      default: return;
    }
  }

  // The frame cannot go on: its state failed and nothing caught it.
  void fail_frame(Frame& f, std::optional<std::string> error, std::optional<std::string> cause) {
    f.phase = Phase::kFailed;
    f.error = std::move(error);
    f.cause = std::move(cause);
    f.token = 0;
    if (f.parent < 0) root_settled(f);
  }
  void fail_frame(Frame& f, const std::string& error, const std::string& cause) {
    fail_frame(f, std::optional<std::string>(error), std::optional<std::string>(cause));
  }
  // For a failed Status that carries an ASL error (Code::kFailed).
  void fail_frame(Frame& f, const Status& s) { fail_frame(f, s.error(), s.message()); }

  // Parameters (Task, Parallel) replace the effective input; false when the
  // template failed and the frame with it.
  bool apply_parameters(Frame& f, const State& state) {
    if (!state.parameters) return true;
    auto r = eval_template(f, *state.parameters, f.effective);
    if (!r.ok()) {
      fail_frame(f, r.status());
      return false;
    }
    f.effective = std::move(r).value();
    return true;
  }

  // ---- Parallel and Map -------------------------------------------------------

  Frame& new_child(Frame& parent, const asl::StateMachine* m, bj::value input, std::int64_t index, std::int64_t tip) {
    auto c = std::make_unique<Frame>();
    c->id = static_cast<std::int32_t>(s_.frames.size());
    c->parent = parent.id;
    c->machine = m;
    c->index = index;
    c->state = m->start;
    c->input = std::move(input);
    c->tip = tip;
    parent.running.push_back(c->id);
    s_.frames.push_back(std::move(c));
    return *s_.frames.back();
  }

  // A child is no longer running: freed when it succeeded, kept (parked)
  // when it failed or was aborted, so a redrive can run it again.
  void release(Frame& parent, std::int32_t child) {
    parent.running.erase(std::remove(parent.running.begin(), parent.running.end(), child), parent.running.end());
    auto& slot = s_.frames[static_cast<std::size_t>(child)];
    if (!slot) return;
    if (slot->phase == Phase::kFailed || slot->phase == Phase::kAborted) {
      parent.parked.push_back(child);
      return;
    }
    release_kept(*slot);
    slot.reset();
  }

  // Frees the children kept for a redrive (and theirs): the state exits or
  // starts a new attempt, so they will never run again.
  void release_kept(Frame& f) {
    for (auto* kept : {&f.parked, &f.requeue}) {
      for (auto id : *kept) {
        auto& slot = s_.frames[static_cast<std::size_t>(id)];
        if (!slot) continue;
        release_kept(*slot);
        slot.reset();
      }
      kept->clear();
    }
  }

  // ---- redrive --------------------------------------------------------------

  // Reopens a frame that failed or was aborted (see redrive()).
  void resume(Frame& f) {
    f.error.reset();
    f.cause.reset();
    f.token = 0;
    f.abort_task_on_fail = false;
    if (!f.in_state) {  // stopped before entering its state (a branch that never ran)
      f.phase = Phase::kEnter;
      return run(f);
    }
    const State& state = st(f);
    if ((state.type == StateType::kParallel || state.type == StateType::kMap) && f.children_started) {
      f.retry_counts.assign(state.retry.size(), 0);
      f.retry_count = 0;
      f.tip = f.started_id;
      if (state.distributed) return map_run_redrive(f, state);
      resume_children(f, state);
    } else {
      f.tip = f.entered_id;
      f.phase = Phase::kEnter;
      run_state(f, json::json_size(f.input));
    }
    run(f);
  }

  // Runs again the kept children of a Parallel or Map (lowest index first).
  void resume_children(Frame& f, const State& state) {
    std::vector<std::int32_t> ids = std::move(f.parked);
    ids.insert(ids.end(), f.requeue.begin(), f.requeue.end());
    f.parked.clear();
    f.requeue.clear();
    std::sort(ids.begin(), ids.end(),
              [this](std::int32_t a, std::int32_t b) { return frame(a).index < frame(b).index; });
    f.phase = Phase::kChildren;
    if (state.type == StateType::kParallel) {
      f.failures = 0;
      f.running.insert(f.running.end(), ids.begin(), ids.end());
      for (auto id : ids) {
        Frame* c = s_.frames[static_cast<std::size_t>(id)].get();
        if (!c || f.phase != Phase::kChildren) continue;  // an earlier branch failed the state again
        resume(*c);
        if (c->phase == Phase::kDone || c->phase == Phase::kFailed) child_finished(f, *c);
      }
      if (f.phase == Phase::kChildren && f.running.empty() && f.finished >= state.branches.size()) {
        parallel_done(f, state);
      }
      return;
    }
    f.finished -= f.failures;  // the failed iterations run again
    f.failures = 0;
    f.requeue.assign(ids.rbegin(), ids.rend());  // pump() takes from the back
    pump(f, state);
  }

  void parallel(Frame& f, const State& state) {
    auto in = input_path(f, state);
    if (!in.ok()) return fail_frame(f, in.status());
    f.effective = std::move(in).value();
    if (!apply_parameters(f, state)) return;
    if (Inspection* w = watch(f); w && w->mocked) return run_mocked(f, state, *w);
    parallel_attempt(f, state);
  }

  // TestState: a Map or Parallel takes the mock as the outcome of its
  // children instead of running them.
  void run_mocked(Frame& f, const State& state, Inspection& w) {
    if (!w.mock_result) return handle_error(f, w.mock_error, w.mock_cause, false);
    if (state.type == StateType::kMap && w.map_iteration_failure_count) {
      std::int64_t failed = *w.map_iteration_failure_count;
      if (failed > static_cast<std::int64_t>(f.items.size())) {
        std::string msg = "Map iteration failure count must be less than or equal to the number of Map iterations";
        w.rejected = Status(Code::kInvalidArgument, msg, "ValidationException");
        return fail_frame(f, std::string(kRuntime), msg);
      }
      // AWS applies the count only against a tolerated-failure setting.
      f.failures = static_cast<std::size_t>(failed);
      if ((f.tolerated_count || f.tolerated_percentage) && !tolerated(f)) {
        return handle_error(f, std::string("States.ExceedToleratedFailureThreshold"),
                            std::string("The specified tolerated failure threshold was exceeded"), false);
      }
    }
    complete(f, state, *w.mock_result);
  }

  void parallel_attempt(Frame& f, const State& state) {
    release_kept(f);  // a retry starts over with every branch
    f.started_id = emit(f, EventType::ParallelStateStarted);
    f.children_started = true;
    f.phase = Phase::kChildren;
    f.results = bj::array(state.branches.size());
    f.finished = 0;
    f.failures = 0;
    std::vector<std::int32_t> ids;
    for (std::size_t i = 0; i < state.branches.size(); ++i) {
      ids.push_back(new_child(f, state.branches[i].get(), f.effective, static_cast<std::int64_t>(i), f.tip).id);
    }
    for (auto id : ids) {
      Frame* c = s_.frames[static_cast<std::size_t>(id)].get();
      if (!c || f.phase != Phase::kChildren) continue;  // an earlier branch already failed the state
      run(*c);
      if (c->phase == Phase::kDone || c->phase == Phase::kFailed) child_finished(f, *c);
    }
    if (f.phase == Phase::kChildren && state.branches.empty()) parallel_done(f, state);
  }

  void parallel_done(Frame& f, const State& state) {
    // Its results move on: should the state still fail (ResultSelector,
    // ResultPath, OutputPath), a redrive runs the whole state again.
    f.children_started = false;
    std::int64_t link = f.tip;
    emit_linked(f, EventType::ParallelStateSucceeded, {}, link);
    f.tip = link;  // Exited links past ParallelStateSucceeded, to the last branch event
    complete(f, state, bj::value(std::move(f.results)));
  }

  Result<std::int64_t> int_path(Frame& f, const jsonpath::Path& p, const char* field) {
    FrameDocs docs(*this, f, f.effective);
    auto r = p.eval(docs);
    if (!r.ok()) return runtime(f, "Invalid path '" + p.text() + "' : " + r.status().message());
    const bj::value& v = *r;
    bool integral = v.is_int64() || v.is_uint64() || (v.is_double() && std::floor(v.get_double()) == v.get_double());
    if (const auto* str = v.if_string()) {
      // AWS reads the value's text as a Java long: "1" is accepted.
      std::string t(*str);
      char* end = nullptr;
      long long n = std::strtoll(t.c_str(), &end, 10);
      if (!t.empty() && end && *end == '\0') return static_cast<std::int64_t>(n);
    }
    if (!integral) {
      std::string shown = v.is_string() ? std::string(v.get_string()) : json::to_json(v);
      return runtime(f, std::string("The ") + field + " field refers to value \"" + shown +
                            "\" which is not a valid integer: " + p.text());
    }
    return static_cast<std::int64_t>(json::to_double(v));
  }

  void map(Frame& f, const State& state) {
    auto in = input_path(f, state);
    if (!in.ok()) return fail_frame(f, in.status());
    f.effective = std::move(in).value();
    f.max_concurrency = state.max_concurrency.value_or(0);
    if (state.max_concurrency_path) {
      auto r = int_path(f, *state.max_concurrency_path, "MaxConcurrencyPath");
      if (!r.ok()) return fail_frame(f, r.status());
      f.max_concurrency = *r;
    }
    bj::value items;
    if (state.item_reader) {
      items = bj::array();  // the Map Run reads them (MapStateStarted says length 0)
    } else if (state.items_path.kind == asl::PathField::Kind::kPath) {
      FrameDocs docs(*this, f, f.effective);
      auto r = state.items_path.path->eval(docs);
      if (!r.ok()) {
        return fail_frame(f, kRuntime, cause_prefix(f) + "Invalid path '" + state.items_path.path->text() + "' : " +
                                           r.status().message());
      }
      items = std::move(r).value();
    } else {
      items = f.effective;
    }
    if (!items.is_array()) {
      return fail_frame(f, kRuntime,
                        cause_prefix(f) + "Map state input must be an array but was: " + json::to_json(items));
    }
    f.items = std::move(items.get_array());
    if (Inspection* w = watch(f); w && w->mocked) {
      w->after_input_path = f.effective;
      w->after_items_path = bj::value(f.items);
      w->max_concurrency = f.max_concurrency;
      if (!tolerance(f, state)) return;
      if (f.tolerated_count) w->tolerated_failure_count = *f.tolerated_count;
      if (f.tolerated_percentage) w->tolerated_failure_percentage = *f.tolerated_percentage;
      return run_mocked(f, state, *w);
    }
    // A Distributed Map starts its Map Run before it reads the tolerated
    // failure settings: AWS records MapStateStarted before such a failure.
    if (state.distributed) {
      emit_map_started(f);
      if (!tolerance(f, state)) return;
      // A MaxItemsPath that is no integer fails here, before any Map Run (as
      // AWS records it); map_io() reads the value again for the reader.
      if (state.item_reader && state.item_reader->max_items_path) {
        auto r = int_path(f, *state.item_reader->max_items_path, "MaxItemsPath");
        if (!r.ok()) return fail_frame(f, r.status());
      }
    } else {
      if (!tolerance(f, state)) return;
      emit_map_started(f);
    }
    map_attempt(f, state);
  }

  void emit_map_started(Frame& f) {
    bj::object d;
    d["length"] = static_cast<std::int64_t>(f.items.size());
    f.started_id = emit(f, EventType::MapStateStarted, std::move(d));
  }

  // Reads ToleratedFailureCount/Percentage(Path); false when the state failed.
  bool tolerance(Frame& f, const State& state) {
    f.tolerated_count = state.tolerated_failure_count;
    if (state.tolerated_failure_count_path) {
      auto r = int_path(f, *state.tolerated_failure_count_path, "ToleratedFailureCountPath");
      if (!r.ok()) {
        fail_frame(f, r.status());
        return false;
      }
      if (*r < 0) {
        fail_frame(f, kRuntime, cause_prefix(f) + "ToleratedFailureCount cannot be negative.");
        return false;
      }
      f.tolerated_count = *r;
    }
    f.tolerated_percentage = state.tolerated_failure_percentage;
    if (state.tolerated_failure_percentage_path) {
      FrameDocs docs(*this, f, f.effective);
      const jsonpath::Path& p = *state.tolerated_failure_percentage_path;
      auto r = p.eval(docs);
      if (!r.ok()) {
        fail_frame(f, kRuntime, cause_prefix(f) + "Invalid path '" + p.text() + "' : " + r.status().message());
        return false;
      }
      double pct = 0;
      bool numeric = r->is_number();
      if (numeric) pct = json::to_double(*r);
      if (const auto* str = r->if_string()) {  // AWS reads the text as a Java double
        std::string t(*str);
        char* end = nullptr;
        pct = std::strtod(t.c_str(), &end);
        numeric = !t.empty() && end && *end == '\0';
      }
      if (!numeric) {
        std::string shown = r->is_string() ? std::string(r->get_string()) : json::to_json(*r);
        fail_frame(f, kRuntime, cause_prefix(f) + "The ToleratedFailurePercentagePath field refers to value \"" +
                                    shown + "\" which is not a valid float: " + p.text());
        return false;
      }
      if (pct < 0 || pct > 100) {
        fail_frame(f, kRuntime, cause_prefix(f) + "ToleratedFailurePercentage must be between 0 and 100.");
        return false;
      }
      f.tolerated_percentage = pct;
    }
    return true;
  }

  // One attempt of the Map, after MapStateStarted (a retry emits a new one).
  void map_attempt(Frame& f, const State& state) {
    release_kept(f);  // a retry starts over with every item
    f.children_started = true;
    f.phase = Phase::kChildren;
    f.results = bj::array(f.items.size());
    f.next_item = 0;
    f.finished = 0;
    f.failures = 0;
    f.close_link = f.tip;
    if (state.distributed) return map_run_attempt(f, state);
    pump(f, state);
  }

  // ---- Distributed Map: the Map Run (src/engine/map_run.h) -------------------

  // MapRunStarted, then every item's input (ItemSelector), then the Map Run
  // effect; its answer comes back as a Task fact (map_run_finished).
  void map_run_attempt(Frame& f, const State& state) {
    f.map_run_arn = map_run_arn(state);
    f.map_run_redrives = 0;
    bj::object r;
    r["mapRunArn"] = f.map_run_arn;
    f.map_run_started = emit(f, EventType::MapRunStarted, std::move(r));
    auto spec = std::make_shared<MapRunSpec>();
    spec->map_run_arn = f.map_run_arn;
    spec->execution_arn = s_.params.execution_arn;
    spec->role_arn = s_.params.role_arn;
    spec->state_name = state.name;
    spec->label = state.label;
    spec->processor = state.processor;
    spec->processor_definition = state.processor_definition;
    spec->express = state.express;
    spec->max_concurrency = f.max_concurrency > 0 ? f.max_concurrency : 0;
    spec->tolerated_count = f.tolerated_count;
    spec->tolerated_percentage = f.tolerated_percentage;
    spec->started_ms = now_;
    spec->inputs.reserve(f.items.size());
    for (std::size_t i = 0; i < f.items.size(); ++i) {
      auto in = item_input(f, state, f.items[i], static_cast<std::int64_t>(i));
      if (!in.ok()) return map_failed(f, state, in.status().error(), in.status().message(), f.tip);
      spec->inputs.push_back(std::move(in).value());
    }
    if (state.item_batcher) {
      Status b = batcher(f, state, *spec);
      if (!b.ok()) return map_failed(f, state, b.error(), b.message(), f.tip);
    }
    for (auto [io, out, field] : {std::tuple{&state.item_reader, &spec->item_reader, "ItemReader"},
                                  std::tuple{&state.result_writer, &spec->result_writer, "ResultWriter"}}) {
      if (!*io) continue;
      Status s = map_io(f, **io, field, *out);
      if (!s.ok()) return map_failed(f, state, s.error(), s.message(), f.tip);
    }
    if (state.item_reader && (state.item_selector || state.ja.item_selector)) spec->item_scope = item_scope(f);
    f.items = bj::array();  // the spec holds them now
    f.map_run = std::move(spec);
    f.phase = Phase::kMapRun;
    f.token = s_.next_token++;
    append_map_run_effect(f, out_.effects);
  }

  // The input of Map item i: the item, or what ItemSelector makes of it.
  // A JSONata failure records EvaluationFailed before the caller fails the Map.
  Result<bj::value> item_input(Frame& f, const State& state, const bj::value& item, std::int64_t index) {
    if (state.ja.item_selector) {
      JaScope sc{&f.input};
      sc.map_item = &item;
      sc.map_index = index;
      std::string loc;
      auto r = ja_eval(f, *state.ja.item_selector, "ItemSelector", sc, &loc);
      if (!r.ok()) emit_evaluation_failed(f, r.status(), loc, f.tip);
      return r;
    }
    if (state.item_selector) return eval_template(f, *state.item_selector, f.effective, &item, index);
    return item;
  }

  // An ItemReader / ResultWriter with its Parameters (or Arguments) and
  // MaxItems evaluated: {"Resource", "Parameters", "ReaderConfig"|"WriterConfig"}.
  Status map_io(Frame& f, const asl::MapIo& io, const char* field, bj::value& out) {
    bj::object o;
    o["Resource"] = io.resource;
    bj::value params = bj::object();
    if (io.parameters) {
      auto r = eval_template(f, *io.parameters, f.effective);
      if (!r.ok()) return r.status();
      params = std::move(r).value();
    } else if (io.arguments) {
      std::string loc;
      auto r = ja_eval(f, *io.arguments, std::string(field) + "/Arguments", JaScope{&f.input}, &loc);
      if (!r.ok()) {
        emit_evaluation_failed(f, r.status(), loc, f.tip);
        return r.status();
      }
      params = std::move(r).value();
    }
    o["Parameters"] = std::move(params);
    if (!io.config.is_null()) {
      bj::object config = io.config.get_object();
      if (io.max_items_path) {
        auto r = int_path(f, *io.max_items_path, "MaxItemsPath");
        if (!r.ok()) return r.status();
        config.erase("MaxItemsPath");
        config["MaxItems"] = *r;
      } else if (io.max_items) {
        std::string loc;
        auto r = ja_eval(f, *io.max_items, "MaxItems", JaScope{&f.input}, &loc);
        if (!r.ok()) {
          emit_evaluation_failed(f, r.status(), loc, f.tip);
          return r.status();
        }
        config["MaxItems"] = std::move(r).value();
      }
      o[std::string_view(field) == "ItemReader" ? "ReaderConfig" : "WriterConfig"] = std::move(config);
    }
    out = std::move(o);
    return Status();
  }

  // What ItemSelector sees of this frame, for items an ItemReader reads later.
  std::shared_ptr<const ItemScope> item_scope(const Frame& f) const {
    auto scope = std::make_shared<ItemScope>();
    scope->machine = s_.machine;
    scope->params = s_.params;
    scope->input = s_.input;
    scope->redrive_count = s_.redrive_count;
    scope->redrive_ms = s_.redrive_ms;
    scope->frame = std::make_unique<Frame>();
    Frame& c = *scope->frame;
    c.machine = f.machine;
    c.state = f.state;
    c.input = f.input;
    c.effective = f.effective;
    c.entered_ms = f.entered_ms;
    c.entered_id = f.entered_id;
    c.retry_count = f.retry_count;
    // Every variable in sight, inner scopes over outer ones.
    std::vector<const Frame*> chain;
    for (const Frame* p = &f; p; p = p->parent >= 0 ? frame_or_null(p->parent) : nullptr) chain.push_back(p);
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      for (const auto& kv : (*it)->vars) c.vars[kv.key()] = kv.value();
    }
    return scope;
  }

  // ItemBatcher's limits and BatchInput, evaluated against the Map's input.
  // A JSONata failure records EvaluationFailed before the caller fails the Map.
  Status batcher(Frame& f, const State& state, MapRunSpec& spec) {
    spec.batching = true;
    struct Limit {
      const std::optional<std::int64_t>& literal;
      const std::optional<jsonpath::Path>& path;
      const std::optional<asl::JsonataValue>& expression;
      const char* field;
      std::int64_t& out;
    };
    for (Limit l : {Limit{state.max_items_per_batch, state.max_items_per_batch_path, state.ja.max_items_per_batch,
                          "MaxItemsPerBatch", spec.max_items_per_batch},
                    Limit{state.max_bytes_per_batch, state.max_bytes_per_batch_path, state.ja.max_bytes_per_batch,
                          "MaxInputBytesPerBatch", spec.max_bytes_per_batch}}) {
      std::optional<std::int64_t> v = l.literal;
      if (l.path) {
        auto r = int_path(f, *l.path, (std::string(l.field) + "Path").c_str());
        if (!r.ok()) return r.status();
        v = *r;
      }
      if (l.expression) {
        std::string loc;
        auto r = ja_eval(f, *l.expression, l.field, JaScope{&f.input}, &loc);
        bool integral = r.ok() && (r->is_int64() || r->is_uint64() ||
                                   (r->is_double() && std::floor(r->get_double()) == r->get_double()));
        if (!integral) {
          Status why = !r.ok() ? r.status() : ja_type_error(f, *l.expression, l.field, "integer", *r);
          emit_evaluation_failed(f, why, r.ok() ? std::string(l.field) : loc, f.tip);
          return why;
        }
        v = static_cast<std::int64_t>(json::to_double(*r));
      }
      if (v && *v <= 0) return runtime(f, std::string(l.field) + " must be a positive integer.");
      l.out = v.value_or(0);
    }
    if (state.ja.batch_input) {
      std::string loc;
      auto r = ja_eval(f, *state.ja.batch_input, "BatchInput", JaScope{&f.input}, &loc);
      if (!r.ok()) {
        emit_evaluation_failed(f, r.status(), loc, f.tip);
        return r.status();
      }
      spec.batch_input = std::move(r).value();
    } else if (state.batch_input) {
      auto r = eval_template(f, *state.batch_input, f.effective);
      if (!r.ok()) return r.status();
      spec.batch_input = std::move(r).value();
    }
    return Status();
  }

  // The Map Run answered: its result (kTaskSucceeded) or why it failed.
  void map_run_finished(Frame& f, const Fact& fact) {
    const State& state = st(f);
    f.token = 0;
    // A failed Map Run stays with the frame: a redrive runs it on.
    f.children_started = fact.kind != FactKind::kTaskSucceeded;
    std::string text = fact.kind == FactKind::kTaskSucceeded ? json::to_json(fact.output) : std::string();
    if (text.size() > s_.params.max_payload) {  // as for a Task's result: the Map fails (ResultWriter avoids it)
      Fact failed;
      failed.kind = FactKind::kTaskFailed;
      failed.error = "States.DataLimitExceeded";
      failed.cause = "The state/task '" + state.name +
                     "' returned a result with a size exceeding the maximum number of bytes service limit.";
      return map_run_finished(f, failed);
    }
    if (fact.kind == FactKind::kTaskSucceeded) {
      f.map_run.reset();
      // The result rides along out of sight (MapRunSucceeded shows no
      // details): fold() needs it to replay what followed.
      std::int64_t id = emit_linked(f, EventType::MapRunSucceeded, {}, f.map_run_started, {}, std::move(text));
      emit_linked(f, EventType::MapStateSucceeded, {}, id);
      f.tip = f.map_run_started;  // recordings since 2024-11 link MapStateExited to MapRunStarted
      return complete(f, state, fact.output);
    }
    std::optional<std::string> error = fact.error, cause = fact.cause;
    if (fact.kind == FactKind::kTaskTimedOut) error = "States.Timeout";
    map_failed(f, state, std::move(error), std::move(cause), f.tip);
  }

  // RedriveExecution reached a Map whose Map Run failed or was aborted: the
  // same Map Run goes on, running only its unsuccessful children.
  void map_run_redrive(Frame& f, const State& state) {
    if (!f.map_run) {  // it failed before it had any child (ItemSelector): run it anew
      f.tip = f.entered_id;
      return map(f, state);
    }
    bj::object d;
    d["mapRunArn"] = f.map_run_arn;
    d["redriveCount"] = ++f.map_run_redrives;
    emit_linked(f, EventType::MapRunRedriven, std::move(d), f.map_run_started);
    auto spec = std::make_shared<MapRunSpec>(*f.map_run);
    spec->redrive_count = f.map_run_redrives;
    f.map_run = std::move(spec);
    f.phase = Phase::kMapRun;
    f.token = s_.next_token++;
    append_map_run_effect(f, out_.effects);
  }

  std::string map_run_arn(const State& state) const {
    std::string arn = s_.params.state_machine_arn;
    auto p = arn.find(":stateMachine:");
    if (p != std::string::npos) arn.replace(p, 14, ":mapRun:");
    char buf[40];
    std::uint64_t a = mix(s_.params.seed ^ static_cast<std::uint64_t>(s_.last_id));
    std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx", static_cast<unsigned long long>(a >> 32),
                  static_cast<unsigned long long>((a >> 16) & 0xffff), static_cast<unsigned long long>(a & 0xffff));
    return arn + "/" + (state.label.empty() ? std::string("map") : state.label) + ":" + buf;
  }

  // Starts Map iterations while the concurrency window allows.
  void pump(Frame& f, const State& state) {
    // Inline Map runs at most 40 iterations at once (AWS's quota); 0 means that.
    std::size_t limit = f.max_concurrency > 0 ? static_cast<std::size_t>(f.max_concurrency) : 40;
    f.pumping = true;
    while (f.phase == Phase::kChildren && f.running.size() < limit &&
           (!f.requeue.empty() || f.next_item < f.items.size())) {
      if (!f.requeue.empty()) {  // a redrive: iterations that failed or were aborted go first
        std::int32_t cid = f.requeue.back();
        f.requeue.pop_back();
        Frame& c = frame(cid);
        bj::object d;
        d["index"] = c.index;
        d["name"] = state.name;
        emit_linked(f, EventType::MapIterationStarted, std::move(d), f.tip);
        f.running.push_back(cid);
        resume(c);
        Frame& child = frame(cid);
        if (child.phase == Phase::kDone || child.phase == Phase::kFailed) child_finished(f, child);
        continue;
      }
      std::size_t i = f.next_item++;
      bj::value input;
      if (state.ja.item_selector) {
        JaScope sc{&f.input};
        sc.map_item = &f.items[i];
        sc.map_index = static_cast<std::int64_t>(i);
        std::string loc;
        auto r = ja_eval(f, *state.ja.item_selector, "ItemSelector", sc, &loc);
        if (!r.ok()) {
          f.next_item = i;
          f.pumping = false;
          emit_evaluation_failed(f, r.status(), loc, f.tip);
          return map_failed(f, state, r.status().error(), r.status().message(), f.tip);
        }
        input = std::move(r).value();
      } else if (state.item_selector) {
        auto r = eval_template(f, *state.item_selector, f.effective, &f.items[i], static_cast<std::int64_t>(i));
        if (!r.ok()) {
          f.next_item = i;  // never started: a redrive starts it
          f.pumping = false;
          return map_failed(f, state, r.status().error(), r.status().message(), f.tip);
        }
        input = std::move(r).value();
      } else {
        input = f.items[i];
      }
      bj::object d;
      d["index"] = static_cast<std::int64_t>(i);
      d["name"] = state.name;
      std::int64_t started = emit_linked(f, EventType::MapIterationStarted, std::move(d), f.tip);
      Frame& c = new_child(f, state.processor.get(), std::move(input), static_cast<std::int64_t>(i), started);
      std::int32_t cid = c.id;
      run(c);
      Frame& child = frame(cid);
      if (child.phase == Phase::kDone || child.phase == Phase::kFailed) child_finished(f, child);
    }
    f.pumping = false;
    if (map_exhausted(f)) map_done(f, state);
  }

  static bool map_exhausted(const Frame& f) {
    return f.phase == Phase::kChildren && f.running.empty() && f.requeue.empty() && f.next_item >= f.items.size();
  }

  void map_done(Frame& f, const State& state) {
    f.children_started = false;  // as in parallel_done()
    std::int64_t link = f.close_link;
    emit_linked(f, EventType::MapStateSucceeded, {}, link);
    f.tip = link;
    complete(f, state, bj::value(std::move(f.results)));
  }

  bool tolerated(const Frame& f) const {
    if (!f.tolerated_count && !f.tolerated_percentage) return false;
    bool ok = true;
    if (f.tolerated_count) ok = ok && static_cast<std::int64_t>(f.failures) <= *f.tolerated_count;
    if (f.tolerated_percentage) {
      double pct = f.items.empty() ? 0 : 100.0 * static_cast<double>(f.failures) / static_cast<double>(f.items.size());
      ok = ok && pct <= *f.tolerated_percentage;
    }
    return ok;
  }

  // A child frame of f finished (done or failed).
  void child_finished(Frame& f, Frame& c) {
    if (f.phase != Phase::kChildren) return;
    const State& state = st(f);
    std::int32_t cid = c.id;
    if (state.type == StateType::kParallel) {
      if (c.phase == Phase::kDone) {
        f.results[static_cast<std::size_t>(c.index)] = std::move(c.output);
        f.tip = c.tip;
        release(f, cid);
        if (++f.finished == state.branches.size()) parallel_done(f, state);
        return;
      }
      std::int64_t failing = c.tip;
      if (c.abort_task_on_fail) emit_linked(c, EventType::TaskStateAborted, {}, failing);
      auto error = c.error;
      auto cause = c.cause;
      release(f, cid);
      abort_children(f, failing);
      f.tip = failing;
      // A retry starts over with a fresh ParallelStateStarted; only the last
      // attempt shows ParallelStateFailed.
      if (will_retry(f, state, error.value_or(""))) return handle_error(f, error, cause, false);
      emit(f, EventType::ParallelStateFailed);
      return handle_error(f, error, cause, false);
    }
    // Map iteration.
    bj::object d;
    d["index"] = c.index;
    d["name"] = state.name;
    if (c.phase == Phase::kDone) {
      f.results[static_cast<std::size_t>(c.index)] = std::move(c.output);
      f.tip = c.tip;
      f.close_link = emit_linked(f, EventType::MapIterationSucceeded, std::move(d), c.tip);
      release(f, cid);
      ++f.finished;
      return pump_if_ready(f, state);
    }
    std::int64_t failing = c.tip;
    emit_linked(f, EventType::MapIterationFailed, std::move(d), failing);
    if (c.abort_task_on_fail) emit_linked(c, EventType::TaskStateAborted, {}, failing);
    ++f.failures;
    ++f.finished;
    auto error = c.error;
    auto cause = c.cause;
    release(f, cid);
    if (tolerated(f)) {
      f.tip = failing;
      return pump_if_ready(f, state);
    }
    if (f.tolerated_count || f.tolerated_percentage) {
      error = "States.ExceedToleratedFailureThreshold";
      cause = "The specified tolerated failure threshold was exceeded";
    }
    map_failed(f, state, error, cause, failing);
  }

  // Called from inside pump()'s loop too (an iteration that finished at
  // once): then pump() goes on by itself, so recursion stays one level deep.
  void pump_if_ready(Frame& f, const State& state) {
    if (map_exhausted(f)) {
      map_done(f, state);
    } else if (!f.pumping) {
      pump(f, state);
    }
  }

  void map_failed(Frame& f, const State& state, std::optional<std::string> error, std::optional<std::string> cause,
                  std::int64_t failing) {
    abort_children(f, failing);
    f.tip = failing;
    if (will_retry(f, state, error.value_or(""))) return handle_error(f, error, cause, false);
    if (state.distributed) {
      bj::object d;
      if (error) d["error"] = *error;
      if (cause) d["cause"] = *cause;
      std::int64_t id = emit_linked(f, EventType::MapRunFailed, std::move(d), f.map_run_started);
      f.tip = id;
    }
    emit(f, EventType::MapStateFailed);
    handle_error(f, error, cause, false);
  }

  bool will_retry(const Frame& f, const State& state, const std::string& name) const {
    if (name == kRuntime) return false;
    for (std::size_t i = 0; i < state.retry.size(); ++i) {
      if (!error_matches(state.retry[i].errors, name)) continue;
      return f.retry_counts[i] < state.retry[i].max_attempts;
    }
    return false;
  }

  // Aborts every running child of f (and their children), linking the abort
  // events to `link` (the failing event).
  void abort_children(Frame& f, std::int64_t link) {
    std::vector<std::int32_t> ids = f.running;
    bool is_map = f.state >= 0 && st(f).type == StateType::kMap;
    for (auto id : ids) {
      Frame* c = s_.frames[static_cast<std::size_t>(id)].get();
      if (!c) continue;
      if (is_map) {
        bj::object d;
        d["index"] = c->index;
        d["name"] = st(f).name;
        emit_linked(f, EventType::MapIterationAborted, std::move(d), link);
      }
      abort_frame(*c, link);
      release(f, id);
    }
    f.running.clear();
  }

  // The execution ends (stopped, timed out) with its root frame mid-state.
  void abort_root() {
    Frame& root = frame(0);
    abort_children(root, 0);
    if (root.phase == Phase::kMapRun) emit_linked(root, EventType::MapRunAborted, {}, root.map_run_started);
    cancel_task(root);
  }

  // Tells the caller the frame's running task is no longer wanted.
  void cancel_task(Frame& f) {
    if (f.phase != Phase::kTask && f.phase != Phase::kMapRun) return;
    Effect c;
    c.kind = EffectKind::kCancelTask;
    c.frame = f.id;
    c.token = f.token;
    out_.effects.push_back(std::move(c));
  }

  void abort_frame(Frame& f, std::int64_t link) {
    if (f.phase == Phase::kTask || f.phase == Phase::kRetryWait) {
      emit_linked(f, EventType::TaskStateAborted, {}, link);
      cancel_task(f);
    } else if (f.phase == Phase::kWait) {
      emit_linked(f, EventType::WaitStateAborted, {}, link);
    } else if (f.phase == Phase::kMapRun) {
      std::int64_t id = emit_linked(f, EventType::MapRunAborted, {}, f.map_run_started);
      cancel_task(f);
      emit_linked(f, EventType::MapStateAborted, {}, id);
    } else if (f.phase == Phase::kChildren) {
      abort_children(f, link);
      emit_linked(f, st(f).type == StateType::kMap ? EventType::MapStateAborted : EventType::ParallelStateAborted, {},
                  link);
    }
    f.phase = Phase::kAborted;
    f.token = 0;
  }

  // ---- JSONata mode -------------------------------------------------------------

  // What `$states` holds for one evaluation besides input and context.
  struct JaScope {
    const bj::value* input = nullptr;
    const bj::value* result = nullptr;        // Task/Map/Parallel Output and Assign
    const bj::value* error_output = nullptr;  // a catcher's Output and Assign
    const bj::value* map_item = nullptr;      // Map ItemSelector: $states.context.Map.Item
    std::int64_t map_index = 0;
  };

  // Evaluates a JSONata field of the current state. The expression sees
  // $states and every variable in sight (inner scopes shadow outer ones).
  Result<bj::value> ja_eval(Frame& f, const asl::JsonataValue& v, const std::string& field, const JaScope& sc,
                            std::string* location) {
    if (v.is_constant()) {
      jsonata::Bindings none;
      return v.eval(none, {}, field, location);
    }
    jsonata::Bindings b;
    std::vector<const Frame*> chain;
    for (const Frame* p = &f; p; p = p->parent >= 0 ? frame_or_null(p->parent) : nullptr) {
      chain.push_back(p);
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {  // outermost first: later bindings win
      for (const auto& kv : (*it)->vars) b.bind_ref(std::string(kv.key()), kv.value());
    }
    // $states is built only for expressions that read it (a Map's
    // ItemSelector runs once per item), its context only when asked for.
    if (v.mentions("$states")) {
      bool whole = v.uses_whole("$states");
      bj::object states;
      states["input"] = *sc.input;
      if (sc.result) states["result"] = *sc.result;
      if (sc.error_output) states["errorOutput"] = *sc.error_output;
      if (whole || v.mentions("context")) {
        FrameDocs docs(*this, f, *sc.input, sc.map_item, sc.map_index);
        states["context"] = docs.context();
      }
      b.bind("states", bj::value(std::move(states)));
    }
    auto entropy = [this] { return draw(); };
    define_step_functions(b, entropy);
    auto r = v.eval(b, step_functions_options(now_, entropy), field, location);
    if (!r.ok()) return Status::failed(r.status().error(), cause_prefix(f) + r.status().message());
    return r;
  }

  // A QueryEvaluationError of the state that was not tied to the JSONata
  // engine (wrong result type, Map input not an array...).
  Status ja_error(const Frame& f, const std::string& message) const {
    return Status::failed(kQueryError, cause_prefix(f) + message);
  }

  // "The JSONata expression '<e>' specified for the field '<f>' returned an
  // unexpected result type. Expected '<want>', but was '<type>' for value: <v>"
  Status ja_type_error(const Frame& f, const asl::JsonataValue& v, const std::string& field, const char* want,
                       const bj::value& got) const {
    return ja_error(f, "The JSONata expression '" + v.expression_text() + "' specified for the field '" + field +
                           "' returned an unexpected result type. Expected '" + want + "', but was '" +
                           json::type_name(got) + "' for value: " + json::to_json(got));
  }

  void emit_evaluation_failed(Frame& f, const Status& s, const std::string& location, std::int64_t prev) {
    bj::object d;
    d["error"] = s.error();
    d["cause"] = s.message();
    if (!location.empty()) d["location"] = location;
    d["state"] = st(f).name;
    std::int64_t id = emit_linked(f, EventType::EvaluationFailed, std::move(d), prev);
    if (id) f.tip = id;
  }

  // An evaluation of the current state failed: EvaluationFailed (linked as
  // the StateEntered is), MapStateFailed for a Map, then Retry / Catch.
  // Before anything else of the state happened, AWS links it as the
  // StateEntered is linked; after (a Task's result, a Map's iterations) we
  // link it to the latest event.
  void ja_failed(Frame& f, const Status& s, const std::string& location) {
    ja_failed_at(f, s, location, f.tip == f.entered_id ? f.entered_prev : f.tip);
  }
  void ja_failed_at(Frame& f, const Status& s, const std::string& location, std::int64_t prev) {
    if (s.error() != kQueryError) return fail_frame(f, s);
    emit_evaluation_failed(f, s, location, prev);
    if (st(f).type == StateType::kMap) emit(f, EventType::MapStateFailed);
    handle_error(f, s.error(), s.message(), false);
  }

  void ja_run(Frame& f, const State& state) {
    switch (state.type) {
      case StateType::kPass:
        return ja_finish(f, state, f.input, nullptr, next_of(state), state.ja.assign, state.ja.output);
      case StateType::kSucceed:
        return ja_finish(f, state, f.input, nullptr, -1, std::nullopt, state.ja.output);
      case StateType::kFail: return ja_fail_state(f, state);
      case StateType::kChoice: return ja_choice(f, state);
      case StateType::kWait: return ja_wait(f, state);
      case StateType::kTask: return ja_task(f, state);
      case StateType::kParallel: return ja_parallel(f, state);
      case StateType::kMap: return ja_map(f, state);
    }
  }

  // Assign then Output, both seeing the variables from before the state;
  // then the state exits with the output (`output` when there is no Output).
  void ja_finish(Frame& f, const State& state, bj::value output, const bj::value* result, int next,
                 const std::optional<asl::JsonataValue>& assign_v, const std::optional<asl::JsonataValue>& output_v,
                 const bj::value* error_output = nullptr) {
    JaScope sc{&f.input, result, error_output};
    bj::object vars;
    std::string loc;
    if (assign_v) {
      auto r = ja_eval(f, *assign_v, "Assign", sc, &loc);
      if (!r.ok()) return ja_failed(f, r.status(), loc);
      if (r->is_object()) vars = std::move(r->get_object());
    }
    if (output_v) {
      auto r = ja_eval(f, *output_v, "Output", sc, &loc);
      if (!r.ok()) return ja_failed(f, r.status(), loc);
      output = std::move(r).value();
    }
    exit_state(f, state, std::move(output), std::move(vars), next);
  }

  // A catcher of a JSONata state: its Assign and Output see
  // $states.errorOutput; the output defaults to the error output. A failure
  // here fails the state (no second round of Catch).
  void ja_catch(Frame& f, const State& state, const asl::Catcher& c, bj::value eo) {
    JaScope sc{&f.input, nullptr, &eo};
    bj::object vars;
    std::string loc;
    bj::value output = eo;
    if (c.ja_assign) {
      auto r = ja_eval(f, *c.ja_assign, "Assign", sc, &loc);
      if (!r.ok()) {
        emit_evaluation_failed(f, r.status(), loc, f.tip);
        return fail_frame(f, r.status());
      }
      if (r->is_object()) vars = std::move(r->get_object());
    }
    if (c.ja_output) {
      auto r = ja_eval(f, *c.ja_output, "Output", sc, &loc);
      if (!r.ok()) {
        emit_evaluation_failed(f, r.status(), loc, f.tip);
        return fail_frame(f, r.status());
      }
      output = std::move(r).value();
    }
    exit_state(f, state, std::move(output), std::move(vars), c.next);
  }

  void ja_fail_state(Frame& f, const State& state) {
    std::optional<std::string> error = state.error, cause = state.cause;
    JaScope sc{&f.input};
    std::string loc;
    for (auto [field, t, out] :
         {std::tuple{"Error", &state.ja.error, &error}, std::tuple{"Cause", &state.ja.cause, &cause}}) {
      if (!*t) continue;
      auto r = ja_eval(f, **t, field, sc, &loc);
      if (!r.ok()) return ja_failed(f, r.status(), loc);
      *out = r->is_string() ? std::string(r->get_string()) : json::to_json(*r);
    }
    fail_frame(f, std::move(error), std::move(cause));
  }

  void ja_choice(Frame& f, const State& state) {
    JaScope sc{&f.input};
    std::string loc;
    for (std::size_t i = 0; i < state.choices.size(); ++i) {
      const auto& c = state.choices[i];
      auto r = ja_eval(f, *c.condition, "Condition", sc, &loc);
      if (!r.ok()) return ja_failed(f, r.status(), loc);
      if (!r->is_bool()) return ja_failed(f, ja_type_error(f, *c.condition, "Condition", "boolean", *r), "Condition");
      if (!r->get_bool()) continue;
      return ja_finish(f, state, f.input, nullptr, c.next, c.ja_assign ? c.ja_assign : state.ja.assign,
                       c.ja_output ? c.ja_output : state.ja.output);
    }
    if (state.default_next < 0) {
      return fail_frame(f, std::string("States.NoChoiceMatched"),
                        cause_prefix(f) + "No choice rule matched and no Default was given.");
    }
    ja_finish(f, state, f.input, nullptr, state.default_next, state.ja.assign, state.ja.output);
  }

  // An integer field that may be an expression: the literal when it is
  // not. False when the state failed.
  bool ja_integer(Frame& f, const std::optional<asl::JsonataValue>& v, const char* field,
                  std::optional<std::int64_t>& out, std::int64_t min) {
    if (!v) return true;
    std::string loc;
    auto r = ja_eval(f, *v, field, JaScope{&f.input}, &loc);
    if (!r.ok()) {
      ja_failed(f, r.status(), loc);
      return false;
    }
    bool integral = r->is_int64() || r->is_uint64() ||
                    (r->is_double() && std::floor(r->get_double()) == r->get_double());
    if (!integral || json::to_double(*r) < static_cast<double>(min)) {
      ja_failed(f, ja_type_error(f, *v, field, "integer", *r), field);
      return false;
    }
    out = static_cast<std::int64_t>(json::to_double(*r));
    return true;
  }

  void ja_wait(Frame& f, const State& state) {
    f.effective = f.input;
    std::int64_t due = now_;
    if (state.ja.seconds) {
      std::optional<std::int64_t> secs;
      if (!ja_integer(f, state.ja.seconds, "Seconds", secs, 0)) return;
      due = now_ + *secs * 1000;
    } else if (state.seconds) {
      due = now_ + *state.seconds * 1000;
    } else if (state.ja.timestamp) {
      std::string loc;
      auto r = ja_eval(f, *state.ja.timestamp, "Timestamp", JaScope{&f.input}, &loc);
      if (!r.ok()) return ja_failed_at(f, r.status(), loc, f.tip);
      std::optional<std::int64_t> ms;
      if (r->is_string()) ms = timestamp::parse_ms(r->get_string());
      if (!ms) {
        std::string shown = r->is_string() ? std::string(r->get_string()) : json::to_json(*r);
        return ja_failed_at(f,
                            ja_error(f, "The Timestamp field cannot be parsed as an ISO-8601 extended offset "
                                        "date-time format string: " + shown),
                            "Timestamp", f.tip);
      }
      due = *ms;
    } else if (state.timestamp) {
      due = *timestamp::parse_ms(*state.timestamp);
    }
    if (due > now_ && !watch(f)) {
      f.phase = Phase::kWait;
      start_timer(f, due);
      return;
    }
    wait_over(f);
  }

  void ja_task(Frame& f, const State& state) {
    f.needs_eval = true;
    f.timeout_seconds = state.timeout_seconds;
    f.heartbeat_seconds = state.heartbeat_seconds;
    if (!ja_integer(f, state.ja.timeout_seconds, "TimeoutSeconds", f.timeout_seconds, 1)) return;
    if (!ja_integer(f, state.ja.heartbeat_seconds, "HeartbeatSeconds", f.heartbeat_seconds, 1)) return;
    ResourceKind kind = classify(state.resource);
    f.task_token.clear();
    if (kind.wait_for_token || kind.kind == ResourceKind::Kind::kActivity) mint_token(f);
    if (!ja_arguments(f, state)) return;
    f.needs_eval = false;
    schedule(f, state);
  }

  // Arguments (Task, Parallel) make the effective input; false when the
  // state failed.
  bool ja_arguments(Frame& f, const State& state) {
    if (!state.ja.arguments) {
      f.effective = f.input;
      return true;
    }
    std::string loc;
    auto r = ja_eval(f, *state.ja.arguments, "Arguments", JaScope{&f.input}, &loc);
    if (!r.ok()) {
      ja_failed(f, r.status(), loc);
      return false;
    }
    f.effective = std::move(r).value();
    return true;
  }

  void ja_parallel(Frame& f, const State& state) {
    f.needs_eval = true;
    if (!ja_arguments(f, state)) return;
    f.needs_eval = false;
    if (Inspection* w = watch(f); w && w->mocked) return run_mocked(f, state, *w);
    parallel_attempt(f, state);
  }

  void ja_map(Frame& f, const State& state) {
    f.needs_eval = true;
    f.effective = f.input;
    bj::value items;
    if (state.item_reader) {
      items = bj::array();  // the Map Run reads them
    } else if (state.ja.items) {
      std::string loc;
      auto r = ja_eval(f, *state.ja.items, "Items", JaScope{&f.input}, &loc);
      if (!r.ok()) {
        ja_failed(f, r.status(), loc);
        return;
      }
      if (!r->is_array()) return ja_failed(f, ja_type_error(f, *state.ja.items, "Items", "array", *r), "Items");
      items = std::move(r).value();
    } else {
      if (!f.input.is_array()) {
        return ja_failed(f, ja_error(f, "Map state input must be an array but was: " + json::to_json(f.input)), "");
      }
      items = f.input;
    }
    std::optional<std::int64_t> mc = state.max_concurrency;
    if (!ja_integer(f, state.ja.max_concurrency, "MaxConcurrency", mc, 0)) return;
    f.max_concurrency = mc.value_or(0);
    f.items = std::move(items.get_array());
    f.tolerated_count = state.tolerated_failure_count;
    if (!ja_integer(f, state.ja.tolerated_failure_count, "ToleratedFailureCount", f.tolerated_count, 0)) return;
    f.tolerated_percentage = state.tolerated_failure_percentage;
    if (state.ja.tolerated_failure_percentage) {
      std::string loc;
      const auto& v = *state.ja.tolerated_failure_percentage;
      auto r = ja_eval(f, v, "ToleratedFailurePercentage", JaScope{&f.input}, &loc);
      if (!r.ok()) return ja_failed(f, r.status(), loc);
      if (!r->is_number() || json::to_double(*r) < 0 || json::to_double(*r) > 100) {
        return ja_failed(f, ja_type_error(f, v, "ToleratedFailurePercentage", "number", *r),
                         "ToleratedFailurePercentage");
      }
      f.tolerated_percentage = json::to_double(*r);
    }
    if (Inspection* w = watch(f); w && w->mocked) {
      w->max_concurrency = f.max_concurrency;
      if (f.tolerated_count) w->tolerated_failure_count = *f.tolerated_count;
      if (f.tolerated_percentage) w->tolerated_failure_percentage = *f.tolerated_percentage;
      return run_mocked(f, state, *w);
    }
    f.needs_eval = false;
    emit_map_started(f);
    map_attempt(f, state);
  }

  ExecutionState& s_;
  std::int64_t now_;
  Decisions& out_;
  std::size_t drop_new_work_ = 0;  // out_.effects' size when the history filled up
};

const bj::value& FrameDocs::context() const {
  if (context_) return *context_;
  const ExecutionState& s = in_.state();
  bj::object execution;
  execution["Id"] = s.params.execution_arn;
  execution["Input"] = s.input;
  execution["StartTime"] = timestamp::format_ms(s.params.start_ms);
  execution["Name"] = s.params.execution_name;
  execution["RoleArn"] = s.params.role_arn;
  if (!s.inspect) execution["RedriveCount"] = s.redrive_count;  // TestState's context has none
  if (s.redrive_count) execution["RedriveTime"] = timestamp::format_ms(s.redrive_ms);
  bj::object machine;
  machine["Id"] = s.params.state_machine_arn;
  machine["Name"] = s.params.state_machine_name;
  bj::object state;
  const asl::State& st = f_.machine->states[static_cast<std::size_t>(f_.state)];
  state["Name"] = st.name;
  state["EnteredTime"] = timestamp::format_ms(f_.entered_ms);
  if (st.type == StateType::kTask || st.type == StateType::kParallel || st.type == StateType::kMap) {
    state["RetryCount"] = f_.retry_count;
  }
  bj::object ctx;
  ctx["Execution"] = std::move(execution);
  ctx["StateMachine"] = std::move(machine);
  ctx["State"] = std::move(state);
  if (!f_.task_token.empty() && st.type == StateType::kTask) {
    bj::object task;
    task["Token"] = f_.task_token;
    ctx["Task"] = std::move(task);
  }
  if (map_item_) {
    bj::object item;
    item["Index"] = map_index_;
    item["Value"] = *map_item_;
    bj::object m;
    m["Item"] = std::move(item);
    ctx["Map"] = std::move(m);
  }
  context_ = bj::value(std::move(ctx));
  return *context_;
}

const bj::value* FrameDocs::variable(std::string_view name) const {
  for (const Frame* f = &f_; f; f = f->parent >= 0 ? in_.frame_or_null(f->parent) : nullptr) {
    if (const bj::value* v = f->vars.if_contains(name)) return v;
  }
  return nullptr;
}

}  // namespace

const char* status_name(ExecutionStatus s) {
  switch (s) {
    case ExecutionStatus::kRunning: return "RUNNING";
    case ExecutionStatus::kSucceeded: return "SUCCEEDED";
    case ExecutionStatus::kFailed: return "FAILED";
    case ExecutionStatus::kTimedOut: return "TIMED_OUT";
    case ExecutionStatus::kAborted: return "ABORTED";
  }
  return "RUNNING";
}

Started start(std::shared_ptr<const asl::StateMachine> machine, const StartParams& params) {
  return start_inspected(std::move(machine), params, nullptr);
}

namespace {
Started start_with(std::shared_ptr<const asl::StateMachine> machine, const StartParams& params,
                   Inspection* inspection, bj::value input) {
  Started out;
  out.state = ExecutionStatePtr(new ExecutionState());
  ExecutionState& s = *out.state;
  s.machine = std::move(machine);
  s.params = params;
  s.inspect = inspection;
  s.input = std::move(input);
  out.decisions.events.reserve(16);
  Interpreter in(s, params.start_ms, out.decisions);
  in.begin();
  in.drop_work_after_full_history();
  return out;
}
}  // namespace

Started start(std::shared_ptr<const asl::StateMachine> machine, const StartParams& params, bj::value input) {
  return start_with(std::move(machine), params, nullptr, std::move(input));
}

Started start_inspected(std::shared_ptr<const asl::StateMachine> machine, const StartParams& params,
                        Inspection* inspection) {
  auto parsed = json::parse(params.input_text);
  return start_with(std::move(machine), params, inspection,
                    parsed.ok() ? std::move(parsed).value() : bj::value(bj::object()));
}

Decisions decide(ExecutionState& state, const Fact& fact) {
  Decisions out;
  Interpreter in(state, fact.now_ms, out);
  in.apply(fact);
  in.drop_work_after_full_history();
  return out;
}

void ExecutionStateDeleter::operator()(ExecutionState* s) const { delete s; }

Result<bj::value> select_item(const ItemScope& scope, const bj::value& item, std::int64_t index) {
  ExecutionState s;
  s.machine = scope.machine;
  s.params = scope.params;
  s.input = scope.input;
  s.redrive_count = scope.redrive_count;
  s.redrive_ms = scope.redrive_ms;
  s.draws = mix(static_cast<std::uint64_t>(index) + 1) << 20;  // this item's own draws, the same every time
  s.frames.push_back(std::make_unique<Frame>(*scope.frame));
  Decisions ignored;  // a JSONata failure's EvaluationFailed: the Map Run reports the error instead
  return Interpreter(s, scope.frame->entered_ms, ignored).select(*s.frames[0], item, index);
}

std::vector<Effect> pending_effects(const ExecutionState& s) {
  std::vector<Effect> out;
  if (s.status != ExecutionStatus::kRunning) return out;
  append_execution_timeout(s, out);
  for (const auto& f : s.frames) {
    if (!f) continue;
    if (f->phase == Frame::Phase::kTask) append_task_effects(*f, out);
    if (f->phase == Frame::Phase::kMapRun) append_map_run_effect(*f, out);
    if (f->phase == Frame::Phase::kWait || f->phase == Frame::Phase::kRetryWait) append_timer_effect(*f, out);
  }
  return out;
}

ExecutionStatus status(const ExecutionState& s) { return s.status; }
std::int64_t redrive_count(const ExecutionState& s) { return s.redrive_count; }
std::int64_t event_count(const ExecutionState& s) { return s.last_id; }
const std::string& output_text(const ExecutionState& s) { return s.output_text; }
const std::optional<std::string>& error(const ExecutionState& s) { return s.error; }
const std::optional<std::string>& cause(const ExecutionState& s) { return s.cause; }

}  // namespace stepd::engine
