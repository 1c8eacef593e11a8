#pragma once
// The runtime: every open execution as a CAF actor under one coordinator,
// made durable through a storage::Journal. This header is the only way in,
// and it includes no CAF: the rest of stepd (API, CLI, tests) stays cheap
// to compile.
//
// Safe to call from any thread; each call blocks until the runtime answered.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/common/status.h"
#include "src/mock/mock_config.h"
#include "storage/journal.h"
#include "storage/observed_journal.h"

namespace stepd::actors {

class Integrations;  // actors/integrations.h

// What the activity workers are doing now (the console's activities page).
struct ActivityOverview {
  // Each activity with tasks queued or running, or polls waiting.
  struct Activity {
    std::string arn;
    std::size_t pending = 0;  // scheduled, not handed to any worker yet
    std::size_t running = 0;  // handed to a worker (HTTP or remote), not answered yet
    // The GetActivityTask calls waiting now, by worker name, oldest first
    // (remote workers' polls are not among them).
    std::vector<std::string> http_pollers;
  };
  // Each remote worker registration (`stepd serve --worker-port`).
  struct RemoteWorker {
    std::string name;
    std::vector<std::string> activity_arns;
    std::uint32_t concurrency = 0;
    std::size_t held = 0;   // tasks pushed to it, not answered yet
    bool connected = true;  // false: lost, until its last polls come back
  };
  std::vector<Activity> activities;  // by ARN
  std::vector<RemoteWorker> workers;  // in registration order
};

// Remote actor workers (src/worker/worker.h) connect here. TLS when tls_cert
// is set: then tls_key and tls_ca are needed too, and workers must present a
// certificate signed by tls_ca (CAF's openssl module verifies both sides).
struct WorkerServerOptions {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the OS picks one (see Runtime::worker_port)
  std::string tls_cert, tls_key, tls_ca;
};

struct RuntimeOptions {
  storage::Journal* journal = nullptr;  // STANDARD executions. REQUIRES: outlives the Runtime
  std::size_t threads = 2;              // CAF scheduler workers: the core count
  std::string region = "us-east-1";
  std::string account = "123456789012";
  // Task states answer from this mock config (Step Functions Local's format)
  // until real integrations exist; null: Tasks fail saying so.
  const mock::MockConfig* mocks = nullptr;
  std::string mock_test_case;
  // An execution whose next wake-up is at least this far away leaves memory
  // (a wake-up entry in the journal brings it back); 0: never.
  std::int64_t passivate_after_ms = 30000;
  std::int64_t wake_poll_ms = 1000;  // how often wake-up entries are read
  // Set: open() also publishes the worker gateway (actors/workers.h), or
  // fails when it cannot bind.
  std::optional<WorkerServerOptions> workers;
  // The secret that task tokens are minted and checked with
  // (src/common/task_token.h); `stepd serve` keeps it beside the data
  // (storage/secret_key.h). Tokens minted under another key do not verify.
  std::string token_key;
  // Set: sees every append of every execution (STANDARD and EXPRESS), and
  // what it returns runs once that append is durable (metrics).
  storage::ObservedJournal::Observer observe_appends;
  // Real service integrations (actors/integrations.h) for Task states a
  // mock does not answer; null: mocks only. REQUIRES: outlives the Runtime.
  Integrations* integrations = nullptr;
};

class Runtime {
 public:
  // Starts the actor system and recovers every open execution of the
  // journal (each folds its history and re-arms what it waited on).
  static Result<std::unique_ptr<Runtime>> open(const RuntimeOptions& options);
  ~Runtime();  // stops the actors; what was acknowledged is in the journal
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Registers (or replaces) a state machine of `type` ("STANDARD" or
  // "EXPRESS"); returns its ARN. EXPRESS executions run the same actors
  // with no per-event persistence (in memory, at-least-once), as on AWS.
  Result<std::string> create_state_machine(const std::string& name, const std::string& definition,
                                           const std::string& type = "STANDARD");

  // What StartExecution / StartSyncExecution ask for.
  struct StartRequest {
    std::string state_machine_arn;  // unqualified
    // The revision to run; empty: the machine's current one.
    std::string revision_id;
    std::string version_arn, alias_arn;  // recorded when started through them
    std::string name;
    std::string input = "{}";
    std::string trace_header;
    // The caller made the name up (a time-ordered UUID): no execution can
    // have it, so the idempotency lookup is skipped.
    bool fresh_name = false;
  };
  struct StartedExecution {
    std::string execution_arn;
    std::int64_t start_ms = 0;
  };

  // Starts an execution; returns its ARN once ExecutionStarted (and all
  // that followed in the same decision) is durable. The same name on the
  // same machine returns the existing execution (StartExecution's
  // idempotency for STANDARD).
  Result<std::string> start_execution(const std::string& state_machine_arn, const std::string& name,
                                      const std::string& input);
  // The same without blocking: `done` runs (on an actor's thread, or on the
  // caller's when the start fails at once) with the ARN or why not; an
  // input that is not JSON gives kInvalidArgument, and nothing else does.
  void start_execution_async(const std::string& state_machine_arn, const std::string& name, const std::string& input,
                             std::function<void(Result<std::string>)> done);
  void start_execution_async(const StartRequest& request, std::function<void(Result<StartedExecution>)> done);
  // Runs an execution to its end (StartSyncExecution; meant for EXPRESS
  // machines): `done` gets its final record, or why it could not start.
  void start_sync_execution_async(const StartRequest& request,
                                  std::function<void(Result<storage::ExecutionRecord>)> done);

  // Nested executions (states:startExecution from a Task): a start as
  // above; `finished` also gets the record when it ends, for a start that
  // made a new execution (one that existed already answers `done` only:
  // use when_closed).
  void start_nested(const StartRequest& request, std::function<void(Result<StartedExecution>)> done,
                    std::function<void(Result<storage::ExecutionRecord>)> finished);
  // `done` gets a STANDARD execution's record once it has ended (at once
  // when it has); kNotFound when there is no such execution.
  void when_closed(const std::string& execution_arn, std::function<void(Result<storage::ExecutionRecord>)> done);

  // ---- Distributed Map (actors/map_run.cpp) ----
  // Runs the Map Run of `spec` for execution `parent_seq`: its children, and
  // at the end one Task fact (kTaskSucceeded / kTaskFailed) for `frame` with
  // `token`, routed to the parent through the coordinator. A Map Run
  // already running under that ARN (the parent was restarted) is taken
  // over, and answers the new (frame, token). After a server restart its
  // STANDARD children are found again by name: succeeded ones do not run
  // twice; EXPRESS children keep no record and run again.
  void run_map_run(std::shared_ptr<const engine::MapRunSpec> spec, std::uint64_t parent_seq, std::int32_t frame,
                   std::uint64_t token);
  // The parent no longer wants it (stopped, failed elsewhere): its running
  // children are stopped and it ends ABORTED. Unknown ARNs are ignored.
  void abort_map_run(const std::string& map_run_arn);
  // DescribeMapRun: live counts while it runs here, else the stored record.
  Result<storage::MapRunRecord> describe_map_run(const std::string& map_run_arn);
  // UpdateMapRun: changes what is given. kNotFound: no such Map Run;
  // kFailed "ValidationException": it is not running.
  Status update_map_run(const std::string& map_run_arn, std::optional<std::int64_t> max_concurrency,
                        std::optional<std::int64_t> tolerated_count, std::optional<double> tolerated_percentage);
  // A Map Run's child: started like any execution, named by
  // maprun::child_name, of the machine `spec` describes (stored as a
  // revision of its own the first time). The same name answers the
  // existing execution (done only), as start_nested does.
  void start_map_child(const std::shared_ptr<const engine::MapRunSpec>& spec, std::int64_t index,
                       const std::string& input, std::function<void(Result<StartedExecution>)> done,
                       std::function<void(Result<storage::ExecutionRecord>)> finished);
  // Used by the Map Run actor when it ends.
  void forget_map_run(const std::string& map_run_arn);
  // The service integrations (S3 for ItemReader / ResultWriter); null when
  // the runtime has none (tests, `stepd run`).
  Integrations* integrations() const;
  storage::Journal& journal();

  // StopExecution: aborts a running STANDARD execution; `done` gets its
  // record once the abort is durable. kNotFound: no such execution;
  // kFailed with error() "ExecutionNotRunning" (or "ValidationException"
  // for EXPRESS): nothing to stop.
  void stop_execution(const std::string& execution_arn, std::optional<std::string> error,
                      std::optional<std::string> cause, std::function<void(Result<storage::ExecutionRecord>)> done);
  // RedriveExecution: a FAILED, TIMED_OUT or ABORTED STANDARD execution
  // continues from where it failed; `done` gets the record once the redrive
  // is durable. kNotFound: no such execution; kFailed with error()
  // "ExecutionNotRedrivable" and a message saying why.
  void redrive_execution(const std::string& execution_arn,
                         std::function<void(Result<storage::ExecutionRecord>)> done);

  // Activity workers (GetActivityTask): waits up to `timeout_ms` for a task
  // of the activity; `done` gets it, or nullopt when none came in time.
  struct ActivityTask {
    std::string task_token;
    std::string input;  // JSON text
  };
  void get_activity_task(const std::string& activity_arn, const std::string& worker_name, std::int64_t timeout_ms,
                         std::function<void(std::optional<ActivityTask>)> done);
  // SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat by task token.
  // kNotFound: no task waits on that token (finished, timed out, unknown).
  void send_task_success(const std::string& task_token, const std::string& output,
                         std::function<void(Status)> done);
  void send_task_failure(const std::string& task_token, std::optional<std::string> error,
                         std::optional<std::string> cause, std::function<void(Status)> done);
  void send_task_heartbeat(const std::string& task_token, std::function<void(Status)> done);
  // True when this runtime's key minted `task_token` (src/common/task_token.h).
  bool authentic_token(const std::string& task_token) const;

  // The port remote workers connect to; 0 when RuntimeOptions::workers was unset.
  std::uint16_t worker_port() const;

  // Blocks until no execution is running or asleep (or `timeout_ms` passed: false).
  bool wait_idle(std::int64_t timeout_ms);

  // The number of executions with an actor now (passivated ones have none).
  std::size_t running();

  // Activity queues, waiting polls and remote workers, as the coordinator
  // and the worker gateway see them now (two snapshots taken one after the
  // other). kInternal when either did not answer within `timeout_ms`.
  Result<ActivityOverview> activity_overview(std::int64_t timeout_ms = 1000);

  struct Impl;

 private:
  explicit Runtime(std::unique_ptr<Impl> impl);
  void start(const StartRequest& request, std::function<void(Result<StartedExecution>)> done,
             std::function<void(Result<storage::ExecutionRecord>)> finished);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stepd::actors
