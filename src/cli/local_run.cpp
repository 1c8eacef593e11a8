#include "src/cli/local_run.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <thread>

namespace stepd::cli {

namespace {

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// A timer the engine asked for: fires `fact` at `due_ms`.
struct Timer {
  std::int64_t due_ms;
  std::uint64_t seq;  // ties keep the order the engine asked in
  engine::Fact fact;
};

// `.waitForTaskToken` and `.sync` integrations answer twice: the submit
// call (TaskSubmitted), then the result.
bool waits_for_callback(const std::string& resource) {
  auto ends_with = [&](const char* suffix) {
    std::string s(suffix);
    return resource.size() >= s.size() && resource.compare(resource.size() - s.size(), s.size(), s) == 0;
  };
  return resource.find(":states:::") != std::string::npos &&
         (ends_with(".waitForTaskToken") || ends_with(".sync") || ends_with(".sync:2"));
}

class Driver {
 public:
  Driver(const LocalRunOptions& o, std::int64_t start_ms) : o_(o), clock_(start_ms) {}

  LocalRunResult run(std::shared_ptr<const asl::StateMachine> machine, const engine::StartParams& params) {
    engine::Started started = engine::start(std::move(machine), params);
    LocalRunResult out;
    out.state = std::move(started.state);
    absorb(out, std::move(started.decisions));
    while (engine::status(*out.state) == engine::ExecutionStatus::kRunning) {
      engine::Fact fact;
      if (!tasks_.empty()) {
        engine::Effect task = std::move(tasks_.front());
        tasks_.pop_front();
        if (task.resource.find(":activity:") != std::string::npos) {
          // An activity is picked up by a worker first (ActivityStarted).
          engine::Fact taken;
          taken.kind = engine::FactKind::kTaskStarted;
          taken.frame = task.frame;
          taken.token = task.token;
          taken.worker_name = "stepd-run";
          taken.now_ms = now();
          absorb(out, engine::decide(*out.state, taken));
        }
        if (waits_for_callback(task.resource)) {
          // The mock holds the callback's (or the child's) result; the
          // submit call's own response is not mocked, so it shows as {}.
          engine::Fact submitted;
          submitted.kind = engine::FactKind::kTaskSubmitted;
          submitted.frame = task.frame;
          submitted.token = task.token;
          submitted.output = boost::json::object();
          submitted.now_ms = now();
          absorb(out, engine::decide(*out.state, submitted));
        }
        fact = answer(task);
        // The task's own timeout timer shares its token: answered, it can
        // never fire, and left in place it would move the virtual clock.
        timers_.erase(std::remove_if(timers_.begin(), timers_.end(),
                                     [&](const Timer& t) { return t.fact.token == task.token; }),
                      timers_.end());
      } else if (!timers_.empty()) {
        auto it = std::min_element(timers_.begin(), timers_.end(), [](const Timer& a, const Timer& b) {
          return a.due_ms != b.due_ms ? a.due_ms < b.due_ms : a.seq < b.seq;
        });
        Timer t = *it;
        timers_.erase(it);
        advance_to(t.due_ms);
        fact = t.fact;
      } else {
        break;  // nothing can happen any more (cannot occur for a well-formed run)
      }
      fact.now_ms = now();
      absorb(out, engine::decide(*out.state, fact));
    }
    return out;
  }

 private:
  std::int64_t now() const { return o_.virtual_time ? clock_ : std::max(clock_, wall_ms()); }

  void advance_to(std::int64_t due) {
    if (o_.virtual_time) {
      clock_ = std::max(clock_, due);
      return;
    }
    std::int64_t wait = due - wall_ms();
    if (wait > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    clock_ = std::max(clock_, due);
  }

  void absorb(LocalRunResult& out, engine::Decisions d) {
    for (auto& e : d.events) out.history.push_back(std::move(e));
    for (auto& e : d.effects) {
      switch (e.kind) {
        case engine::EffectKind::kInvokeTask:
          tasks_.push_back(std::move(e));
          break;
        case engine::EffectKind::kStartTimer:
        case engine::EffectKind::kTaskTimeout:
        case engine::EffectKind::kHeartbeatTimeout:  // mocked tasks never heartbeat
        case engine::EffectKind::kExecutionTimeout: {
          engine::Fact f;
          f.kind = e.kind == engine::EffectKind::kStartTimer         ? engine::FactKind::kTimerFired
                   : e.kind == engine::EffectKind::kExecutionTimeout ? engine::FactKind::kExecutionTimedOut
                                                                     : engine::FactKind::kTaskTimedOut;
          f.frame = e.frame;
          f.token = e.token;
          timers_.push_back(Timer{e.due_ms, seq_++, std::move(f)});
          break;
        }
        case engine::EffectKind::kCancelTask: {
          auto gone = [&](const engine::Effect& t) { return t.frame == e.frame; };
          tasks_.erase(std::remove_if(tasks_.begin(), tasks_.end(), gone), tasks_.end());
          break;
        }
      }
    }
  }

  // The mocked answer to a Task invocation.
  engine::Fact answer(const engine::Effect& task) {
    engine::Fact f;
    f.frame = task.frame;
    f.token = task.token;
    std::int64_t n = invocations_[task.state_name]++;
    if (!o_.mocks) {
      f.kind = engine::FactKind::kTaskFailed;
      f.error = "States.TaskFailed";
      f.cause = "stepd run has no service integrations: give --mock-config and --test-case to mock the Task state '" +
                task.state_name + "' (resource " + task.resource + ")";
      return f;
    }
    auto r = o_.mocks->response(o_.mock_machine, o_.test_case, task.state_name, n);
    if (!r.ok()) {
      f.kind = engine::FactKind::kTaskFailed;
      f.error = "States.TaskFailed";
      f.cause = r.status().message();
      return f;
    }
    const mock::MockedResponse* m = *r;
    if (!m) {
      f.kind = engine::FactKind::kTaskFailed;
      f.error = "States.TaskFailed";
      f.cause = "test case " + o_.test_case + " does not mock the Task state '" + task.state_name + "'";
      return f;
    }
    if (m->is_throw) {
      f.kind = engine::FactKind::kTaskFailed;
      f.error = m->error;
      f.cause = m->cause;
    } else {
      f.kind = engine::FactKind::kTaskSucceeded;
      f.output = m->result;
      // A mocked Lambda answer is the Invoke API's response; a Task naming
      // the function ARN itself gets only the function's Payload, as on AWS
      // (and as Step Functions Local and LocalStack apply such mocks).
      const bool function_arn = task.resource.find(":lambda:") != std::string::npos &&
                                task.resource.find(":function:") != std::string::npos;
      if (function_arn) {
        if (const auto* o = m->result.if_object()) {
          if (const auto* payload = o->if_contains("Payload")) f.output = *payload;
        }
      }
    }
    return f;
  }

  const LocalRunOptions& o_;
  std::int64_t clock_;
  std::deque<engine::Effect> tasks_;
  std::vector<Timer> timers_;
  std::uint64_t seq_ = 0;
  std::map<std::string, std::int64_t> invocations_;
};

}  // namespace

LocalRunResult run_local(std::shared_ptr<const asl::StateMachine> machine, const engine::StartParams& params,
                         const LocalRunOptions& options) {
  return Driver(options, params.start_ms).run(std::move(machine), params);
}

}  // namespace stepd::cli
