#include "src/api/metrics.h"

#include <cstdio>
#include <memory>

namespace stepd::api {

using engine::EventType;

storage::ObservedJournal::Observer Metrics::observer() {
  return [this](const storage::Append& a) -> storage::ObservedJournal::OnDurable {
    // Only appends that hold countable events are copied (most of a
    // history is state entered/exited events, which count nothing).
    bool counts = false;
    for (const auto& e : a.events) {
      switch (e.type) {
        case EventType::ExecutionStarted: case EventType::ExecutionSucceeded: case EventType::ExecutionFailed:
        case EventType::ExecutionTimedOut: case EventType::ExecutionAborted: case EventType::ExecutionRedriven:
        case EventType::ActivityScheduled: case EventType::ActivityStarted: case EventType::ActivitySucceeded:
        case EventType::ActivityFailed: case EventType::ActivityTimedOut:
          counts = true;
          break;
        default:
          break;
      }
    }
    if (!counts) return nullptr;
    auto copy = std::make_shared<storage::Append>();
    copy->seq = a.seq;
    copy->record = a.record;
    for (const auto& e : a.events) {
      engine::Event light;
      light.type = e.type;
      light.frame = e.frame;
      light.timestamp_ms = e.timestamp_ms;
      if (e.type == EventType::ActivityScheduled) {
        if (auto* r = e.details.if_contains("resource"); r && r->is_string()) light.name = std::string(r->as_string());
      }
      copy->events.push_back(std::move(light));
    }
    return [this, copy] { apply(*copy); };
  };
}

void Metrics::apply(const storage::Append& a) {
  std::lock_guard<std::mutex> l(mu_);
  MachineFigures* m = a.record ? &machines_[a.record->state_machine_arn] : nullptr;
  for (const auto& e : a.events) {
    auto end = [&](std::uint64_t MachineFigures::*counter) {
      if (!m) return;
      ++(m->*counter);
      m->time.add(static_cast<double>(e.timestamp_ms - a.record->params.start_ms));
      in_flight_.erase(a.seq);
    };
    switch (e.type) {
      case EventType::ExecutionStarted:
        if (m) ++m->started;
        break;
      case EventType::ExecutionSucceeded: end(&MachineFigures::succeeded); break;
      case EventType::ExecutionFailed: end(&MachineFigures::failed); break;
      case EventType::ExecutionTimedOut: end(&MachineFigures::timed_out); break;
      case EventType::ExecutionAborted: end(&MachineFigures::aborted); break;
      case EventType::ExecutionRedriven:
        if (m) ++m->redriven;
        break;
      case EventType::ActivityScheduled: {
        InFlight& f = in_flight_[a.seq][e.frame];
        f = InFlight{e.name, e.timestamp_ms, 0};
        ++activities_[e.name].scheduled;
        break;
      }
      case EventType::ActivityStarted:
      case EventType::ActivitySucceeded:
      case EventType::ActivityFailed:
      case EventType::ActivityTimedOut: {
        auto exec = in_flight_.find(a.seq);
        if (exec == in_flight_.end()) break;  // scheduled before this process started
        auto it = exec->second.find(e.frame);
        if (it == exec->second.end()) break;
        InFlight& f = it->second;
        ActivityFigures& act = activities_[f.activity_arn];
        if (e.type == EventType::ActivityStarted) {
          ++act.started;
          f.started_ms = e.timestamp_ms;
          act.schedule_time.add(static_cast<double>(e.timestamp_ms - f.scheduled_ms));
          break;
        }
        if (e.type == EventType::ActivitySucceeded) ++act.succeeded;
        if (e.type == EventType::ActivityFailed) ++act.failed;
        if (e.type == EventType::ActivityTimedOut) ++act.timed_out;
        if (f.started_ms) act.run_time.add(static_cast<double>(e.timestamp_ms - f.started_ms));
        act.time.add(static_cast<double>(e.timestamp_ms - f.scheduled_ms));
        exec->second.erase(it);
        if (exec->second.empty()) in_flight_.erase(exec);
        break;
      }
      default:
        break;
    }
  }
}

namespace {

std::string label(const char* name, const std::string& value) {
  std::string out = std::string(name) + "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

template <typename Map, typename Get>
void counter(std::string& out, const char* name, const char* help, const char* dim, const Map& m, Get get) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
  for (const auto& [key, figures] : m) {
    out += std::string(name) + "{" + label(dim, key) + "} " + std::to_string(get(figures)) + "\n";
  }
}

template <typename Map, typename Get>
void summary(std::string& out, const char* name, const char* help, const char* dim, const Map& m, Get get) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " summary\n";
  for (const auto& [key, figures] : m) {
    const auto& s = get(figures);
    char sum[64];
    std::snprintf(sum, sizeof sum, "%.0f", s.sum);
    out += std::string(name) + "_sum{" + label(dim, key) + "} " + sum + "\n";
    out += std::string(name) + "_count{" + label(dim, key) + "} " + std::to_string(s.count) + "\n";
  }
}

}  // namespace

std::string Metrics::prometheus() const {
  std::lock_guard<std::mutex> l(mu_);
  std::string out;
  const char* sm = "StateMachineArn";
  using M = MachineFigures;
  counter(out, "ExecutionsStarted", "Executions started.", sm, machines_, [](const M& f) { return f.started; });
  counter(out, "ExecutionsSucceeded", "Executions that succeeded.", sm, machines_, [](const M& f) { return f.succeeded; });
  counter(out, "ExecutionsFailed", "Executions that failed.", sm, machines_, [](const M& f) { return f.failed; });
  counter(out, "ExecutionsTimedOut", "Executions that timed out.", sm, machines_, [](const M& f) { return f.timed_out; });
  counter(out, "ExecutionsAborted", "Executions stopped.", sm, machines_, [](const M& f) { return f.aborted; });
  counter(out, "ExecutionsRedriven", "Executions redriven.", sm, machines_, [](const M& f) { return f.redriven; });
  counter(out, "ExecutionThrottled", "Executions throttled (stepd does not throttle).", sm, machines_,
          [](const M&) { return std::uint64_t{0}; });
  summary(out, "ExecutionTime", "Milliseconds from start to end of ended executions.", sm, machines_,
          [](const M& f) -> const Summary& { return f.time; });
  const char* act = "ActivityArn";
  using A = ActivityFigures;
  counter(out, "ActivitiesScheduled", "Activity tasks scheduled.", act, activities_, [](const A& f) { return f.scheduled; });
  counter(out, "ActivitiesStarted", "Activity tasks taken by a worker.", act, activities_, [](const A& f) { return f.started; });
  counter(out, "ActivitiesSucceeded", "Activity tasks that succeeded.", act, activities_,
          [](const A& f) { return f.succeeded; });
  counter(out, "ActivitiesFailed", "Activity tasks that failed.", act, activities_, [](const A& f) { return f.failed; });
  counter(out, "ActivitiesTimedOut", "Activity tasks that timed out.", act, activities_,
          [](const A& f) { return f.timed_out; });
  summary(out, "ActivityScheduleTime", "Milliseconds an activity task waited for a worker.", act, activities_,
          [](const A& f) -> const Summary& { return f.schedule_time; });
  summary(out, "ActivityRunTime", "Milliseconds from a worker taking a task to its end.", act, activities_,
          [](const A& f) -> const Summary& { return f.run_time; });
  summary(out, "ActivityTime", "Milliseconds from scheduling an activity task to its end.", act, activities_,
          [](const A& f) -> const Summary& { return f.time; });
  return out;
}

}  // namespace stepd::api
