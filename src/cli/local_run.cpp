#include "src/cli/local_run.h"

#include "src/common/json.h"
#include "src/maprun/tracker.h"
#include "src/mock/mock_tasks.h"

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <deque>
#include <map>
#include <thread>

#include <unistd.h>

#include <boost/json/parse.hpp>

namespace stepd::cli {

namespace {

namespace bj = boost::json;

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

// A Map Run that takes more than a second shows its progress on stderr,
// one line a second (rewritten in place on a terminal).
class Progress {
 public:
  Progress(std::string state, std::size_t total)
      : state_(std::move(state)), total_(total), start_(wall_ms()), last_(start_), tty_(isatty(2) != 0) {}

  void update(const maprun::Counts& c) {
    std::int64_t now = wall_ms();
    if (now - last_ < 1000) return;
    last_ = now;
    print(c, now, false);
  }
  void done(const maprun::Counts& c) {
    if (last_ != start_) print(c, wall_ms(), true);  // only when a progress line was shown
  }

 private:
  void print(const maprun::Counts& c, std::int64_t now, bool last) {
    std::int64_t finished = c.succeeded + c.failed + c.timed_out + c.aborted;
    double secs = std::max<double>(0.001, static_cast<double>(now - start_) / 1000.0);
    std::fprintf(stderr, "%sstepd run: Map Run of '%s': %lld of %zu children done (%lld failed), %.0f/s%s",
                 tty_ ? "\r" : "", state_.c_str(), static_cast<long long>(finished), total_,
                 static_cast<long long>(c.failed + c.timed_out + c.aborted), static_cast<double>(finished) / secs,
                 tty_ && !last ? "" : "\n");
    std::fflush(stderr);
  }

  std::string state_;
  std::size_t total_;
  std::int64_t start_, last_;
  bool tty_;
};

class Driver {
 public:
  Driver(const LocalRunOptions& o, std::int64_t start_ms)
      : o_(o), clock_(start_ms), mocks_(o.mocks, o.mock_machine, o.test_case) {}

  LocalRunResult run(std::shared_ptr<const asl::StateMachine> machine, const engine::StartParams& params) {
    engine::Started started = engine::start(std::move(machine), params);
    LocalRunResult out;
    out.state = std::move(started.state);
    absorb(out, std::move(started.decisions));
    while (engine::status(*out.state) == engine::ExecutionStatus::kRunning) {
      engine::Fact fact;
      if (!map_runs_.empty()) {
        engine::Effect e = std::move(map_runs_.front());
        map_runs_.pop_front();
        fact = run_map_run(*e.map_run, params);
        fact.frame = e.frame;
        fact.token = e.token;
      } else if (!tasks_.empty()) {
        engine::Effect task = std::move(tasks_.front());
        tasks_.pop_front();
        auto facts = mocks_.answer(task);
        fact = std::move(facts.back());
        facts.pop_back();
        for (auto& f : facts) {  // TaskStarted / TaskSubmitted come first
          f.now_ms = now();
          absorb(out, engine::decide(*out.state, f));
        }
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
  // A Map Run in one thread: its children one after another, each a run of
  // its own on this driver's clock.
  engine::Fact run_map_run(const engine::MapRunSpec& spec, const engine::StartParams& parent) {
    if (!spec.item_reader.is_null() || !spec.result_writer.is_null()) {  // no S3 here
      engine::Fact f;
      f.kind = engine::FactKind::kTaskFailed;
      f.error = spec.item_reader.is_null() ? "States.ResultWriterFailed" : "States.ItemReaderFailed";
      f.cause = "stepd run has no S3 access: run the machine with `stepd serve --s3-endpoint URL`";
      return f;
    }
    maprun::Tracker tracker(std::shared_ptr<const engine::MapRunSpec>(&spec, [](const engine::MapRunSpec*) {}));
    tracker.redrive();  // a redriven Map Run reruns its unsuccessful children; here all were
    Progress progress(spec.state_name, tracker.size());
    while (auto child = tracker.next()) {
      engine::StartParams p = parent;
      p.execution_name = maprun::child_name(spec, child->index);
      p.execution_arn = maprun::child_arn(spec, p.execution_name);
      p.state_machine_arn = maprun::child_machine_arn(spec);
      p.state_machine_name = maprun::child_machine_name(spec);
      p.version_arn.clear();
      p.alias_arn.clear();
      p.input_text = json::to_json(child->input);
      p.start_ms = now();
      p.seed = parent.seed ^ (0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(child->index + 1));
      Driver d(o_, p.start_ms);
      LocalRunResult r = d.run(spec.processor, p);
      clock_ = std::max(clock_, d.clock_);
      maprun::ChildStatus st = maprun::ChildStatus::kFailed;
      bj::value output;
      switch (engine::status(*r.state)) {
        case engine::ExecutionStatus::kSucceeded:
          st = maprun::ChildStatus::kSucceeded;
          output = bj::parse(engine::output_text(*r.state));
          break;
        case engine::ExecutionStatus::kTimedOut: st = maprun::ChildStatus::kTimedOut; break;
        case engine::ExecutionStatus::kAborted: st = maprun::ChildStatus::kAborted; break;
        default: break;
      }
      tracker.finished(child->index, st, std::move(output));
      progress.update(tracker.execution_counts());
    }
    progress.done(tracker.execution_counts());
    engine::Fact f;
    const auto& o = *tracker.outcome();
    f.kind = o.succeeded ? engine::FactKind::kTaskSucceeded : engine::FactKind::kTaskFailed;
    f.output = o.output;
    f.error = o.error;
    f.cause = o.cause;
    return f;
  }

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
        case engine::EffectKind::kMapRun:
          map_runs_.push_back(std::move(e));
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
          map_runs_.erase(std::remove_if(map_runs_.begin(), map_runs_.end(), gone), map_runs_.end());
          break;
        }
      }
    }
  }

  const LocalRunOptions& o_;
  std::int64_t clock_;
  std::deque<engine::Effect> tasks_;
  std::deque<engine::Effect> map_runs_;
  std::vector<Timer> timers_;
  std::uint64_t seq_ = 0;
  mock::MockTasks mocks_;
};

}  // namespace

LocalRunResult run_local(std::shared_ptr<const asl::StateMachine> machine, const engine::StartParams& params,
                         const LocalRunOptions& options) {
  return Driver(options, params.start_ms).run(std::move(machine), params);
}

}  // namespace stepd::cli
