#pragma once
// GET /metrics: the figures Step Functions publishes to CloudWatch, in the
// Prometheus text format, with CloudWatch's metric names and dimensions:
//
//   ExecutionsStarted / Succeeded / Failed / TimedOut / Aborted / Redriven,
//   ExecutionThrottled (always 0: stepd does not throttle), ExecutionTime
//   (a summary in milliseconds), per StateMachineArn;
//   ActivitiesScheduled / Started / Succeeded / Failed / TimedOut,
//   ActivityScheduleTime, ActivityRunTime, ActivityTime (summaries in
//   milliseconds), per ActivityArn. (Not ActivitiesHeartbeatTimedOut: a
//   missed heartbeat is recorded as States.Timeout, as AWS's histories show
//   it, so the events do not tell the two apart.)
//
// Counted from the events as they become durable (storage/observed_journal.h
// through RuntimeOptions::observe_appends), so a figure never runs ahead of
// the history. Counters start at zero with the process, as Prometheus
// counters do. Safe from any thread.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "storage/observed_journal.h"

namespace stepd::api {

class Metrics {
 public:
  // The observer to give RuntimeOptions::observe_appends. REQUIRES: this
  // object outlives the runtime.
  storage::ObservedJournal::Observer observer();

  std::string prometheus() const;  // the text exposition format, version 0.0.4

 private:
  struct Summary {
    double sum = 0;
    std::uint64_t count = 0;
    void add(double v) {
      sum += v;
      ++count;
    }
  };
  struct MachineFigures {
    std::uint64_t started = 0, succeeded = 0, failed = 0, timed_out = 0, aborted = 0, redriven = 0;
    Summary time;
  };
  struct ActivityFigures {
    std::uint64_t scheduled = 0, started = 0, succeeded = 0, failed = 0, timed_out = 0;
    Summary schedule_time, run_time, time;
  };
  // An activity task in flight in one frame of one execution: which
  // activity, and when it was scheduled and started.
  struct InFlight {
    std::string activity_arn;
    std::int64_t scheduled_ms = 0, started_ms = 0;
  };

  void apply(const storage::Append& a);

  mutable std::mutex mu_;
  std::map<std::string, MachineFigures> machines_;     // by state machine ARN
  std::map<std::string, ActivityFigures> activities_;  // by activity ARN
  std::unordered_map<std::uint64_t, std::unordered_map<std::int32_t, InFlight>> in_flight_;  // seq -> frame ->
};

}  // namespace stepd::api
