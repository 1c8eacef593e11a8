#include "actors/runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <limits>
#include <mutex>
#include <random>

#include "actors/coordinator.h"
#include "actors/map_run.h"
#include "actors/record.h"
#include "actors/workers.h"
#include "src/common/json.h"
#include "src/common/task_token.h"
#include "src/log/log.h"
#include "storage/memory_journal.h"

namespace stepd::actors {

namespace {

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

WorkerTransport transport_of(const WorkerServerOptions& w) {
  WorkerTransport t;
  t.bind = w.bind;
  t.port = w.port;
  t.tls_cert = w.tls_cert;
  t.tls_key = w.tls_key;
  t.tls_ca = w.tls_ca;
  return t;
}

caf::actor_system_config make_config(const RuntimeOptions& o) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", o.threads);
  if (o.workers) configure_worker_transport(cfg, transport_of(*o.workers));
  return cfg;
}

}  // namespace

struct Runtime::Impl {
  explicit Impl(const RuntimeOptions& o)
      : options(o),
        express(/*keep_history=*/false, kExpressSeqBase),
        config(make_config(o)),
        system(config) {}

  RuntimeOptions options;
  storage::MemoryJournal express;                  // EXPRESS executions
  // With options.observe_appends, every append goes through these.
  std::unique_ptr<storage::ObservedJournal> observed_standard, observed_express;
  storage::Journal* standard_journal = nullptr;    // what executions append to
  storage::Journal* express_journal = nullptr;
  caf::actor_system_config config;
  caf::actor_system system;
  caf::actor coordinator;
  caf::actor gateway;                              // remote workers' (null: none)
  std::uint16_t worker_port = 0;
  // What a start needs of its state machine, kept so a start reads nothing.
  struct Machine {
    std::string name;
    std::string role_arn;
    bool express = false;
    std::string revision_id;
    MachinePtr compiled;
  };
  std::mutex mu;                                   // guards machines and rng
  // By state machine ARN (its current revision) and by ARN + "@" + revision
  // id (revisions never change, so these never go stale).
  std::map<std::string, Machine> machines;
  std::mt19937_64 rng{std::random_device{}()};
  std::map<std::string, caf::actor> map_runs;      // running Map Runs by ARN; guarded by mu

  // The machine of a Map Run's children: the ItemProcessor as a revision of
  // its own (stored once), named after the Map's label.
  Result<Machine> map_machine(const engine::MapRunSpec& spec);
  caf::actor map_run(const std::string& arn) {
    std::lock_guard<std::mutex> l(mu);
    auto it = map_runs.find(arn);
    return it == map_runs.end() ? caf::actor() : it->second;
  }

  std::string new_revision_id() {
    std::lock_guard<std::mutex> l(mu);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                  static_cast<unsigned long long>(rng()));
    return buf;
  }

  // The machine a start runs: `revision_id` of `arn`, or its current one.
  Result<Machine> resolve(const std::string& arn, const std::string& revision_id);
  void launch(const Machine& machine, storage::ExecutionRecord record, boost::json::value input,
              std::function<void(Result<StartedExecution>)> done,
              std::function<void(Result<storage::ExecutionRecord>)> finished);

  std::string arn(const std::string& kind, const std::string& rest) const {
    return "arn:aws:states:" + options.region + ":" + options.account + ":" + kind + ":" + rest;
  }
};

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Runtime::~Runtime() {
  if (impl_ && impl_->gateway) caf::anon_send_exit(impl_->gateway, caf::exit_reason::user_shutdown);
  if (impl_ && impl_->coordinator) {
    caf::anon_send_exit(impl_->coordinator, caf::exit_reason::user_shutdown);
  }
}

Result<std::unique_ptr<Runtime>> Runtime::open(const RuntimeOptions& options) {
  if (!options.journal) return Status::invalid("the runtime needs a journal");
  // Made first: executions recovered below already start nested ones.
  std::unique_ptr<Runtime> runtime(new Runtime(std::make_unique<Impl>(options)));
  Impl* impl = runtime->impl_.get();
  impl->standard_journal = options.journal;
  impl->express_journal = &impl->express;
  if (options.observe_appends) {
    impl->observed_standard = std::make_unique<storage::ObservedJournal>(*options.journal, options.observe_appends);
    impl->observed_express = std::make_unique<storage::ObservedJournal>(impl->express, options.observe_appends);
    impl->standard_journal = impl->observed_standard.get();
    impl->express_journal = impl->observed_express.get();
  }
  ExecutionDeps deps{impl->standard_journal, impl->express_journal, options.mocks, options.mock_test_case,
                     std::max<std::int64_t>(options.passivate_after_ms, 0), options.token_key,
                     options.integrations, runtime.get()};
  // Waking must not come later than the wake-up: passivate only waits longer than two polls.
  if (deps.passivate_after_ms > 0) deps.passivate_after_ms = std::max(deps.passivate_after_ms, 2 * options.wake_poll_ms);
  impl->coordinator = impl->system.spawn(coordinator_actor, deps, options.wake_poll_ms);
  caf::scoped_actor self{impl->system};
  Status status;
  const auto recovering = std::chrono::steady_clock::now();
  self->request(impl->coordinator, caf::infinite, recover_atom::value)
      .receive(
          [&](std::size_t open) {
            const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - recovering);
            log::info("recovered " + std::to_string(open) + " open executions",
                      {{"executions", static_cast<std::uint64_t>(open)}, {"ms", ms.count()}});
          },
               [&](caf::error& e) { status = Status::internal("recovery failed: " + impl->system.render(e)); });
  if (!status.ok()) return status;
  if (options.workers) {
    auto port = publish_worker_gateway(impl->system, impl->coordinator, transport_of(*options.workers),
                                       &impl->gateway);
    if (!port.ok()) {
      caf::anon_send_exit(impl->coordinator, caf::exit_reason::user_shutdown);
      return port.status();
    }
    impl->worker_port = *port;
  }
  return runtime;
}

Result<std::string> Runtime::create_state_machine(const std::string& name, const std::string& definition,
                                                  const std::string& type) {
  if (type != "STANDARD" && type != "EXPRESS") return Status::invalid("unknown state machine type " + type);
  auto machine = asl::compile_text(definition);
  if (!machine.ok()) return machine.status();
  storage::StateMachineRecord r;
  r.name = name;
  r.arn = impl_->arn("stateMachine", name);
  r.definition = definition;
  r.type = type;
  r.role_arn = "arn:aws:iam::" + impl_->options.account + ":role/stepd";
  r.creation_ms = wall_ms();
  r.revision_id = impl_->new_revision_id();
  storage::RevisionRecord rev{r.revision_id, r.arn, r.definition, r.role_arn, r.creation_ms};
  Status s = impl_->options.journal->put_state_machine(r, rev);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->machines[r.arn] =
      Impl::Machine{r.name, r.role_arn, r.type == "EXPRESS", r.revision_id, std::move(machine).value()};
  return r.arn;
}

Result<Runtime::Impl::Machine> Runtime::Impl::resolve(const std::string& arn, const std::string& revision_id) {
  const std::string key = revision_id.empty() ? arn : arn + "@" + revision_id;
  {
    std::lock_guard<std::mutex> l(mu);
    if (auto it = machines.find(key); it != machines.end()) return it->second;
  }
  auto sm = options.journal->state_machine(arn);
  if (!sm.ok()) return sm.status();
  Machine m{sm->name, sm->role_arn, sm->type == "EXPRESS", sm->revision_id, nullptr};
  std::string definition = sm->definition;
  if (!revision_id.empty() && revision_id != sm->revision_id) {
    auto rev = options.journal->revision(revision_id);
    if (!rev.ok()) return rev.status();
    definition = rev->definition;
    m.role_arn = rev->role_arn;
    m.revision_id = revision_id;
  }
  auto compiled = asl::compile_text(definition);
  // Stored machines were valid when created: failing now is stepd's fault.
  if (!compiled.ok()) return Status::internal("stored state machine does not compile: " + compiled.status().message());
  m.compiled = std::move(compiled).value();
  std::lock_guard<std::mutex> l(mu);
  machines[key] = m;
  return m;
}

Result<Runtime::Impl::Machine> Runtime::Impl::map_machine(const engine::MapRunSpec& spec) {
  std::string arn = maprun::child_machine_arn(spec);
  // The revision id: a hash of what the children run, so the same Map
  // (same definition, same label) shares one across executions.
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : arn + "\n" + spec.role_arn + "\n" + spec.processor_definition) {
    h = (h ^ c) * 1099511628211ULL;
  }
  char id[24];
  std::snprintf(id, sizeof id, "dm%016llx", static_cast<unsigned long long>(h));
  const std::string key = arn + "@" + id;
  {
    std::lock_guard<std::mutex> l(mu);
    if (auto it = machines.find(key); it != machines.end()) return it->second;
  }
  storage::RevisionRecord rev{id, arn, spec.processor_definition, spec.role_arn, wall_ms()};
  if (Status s = options.journal->put_revision(rev); !s.ok()) return s;
  Machine m{maprun::child_machine_name(spec), spec.role_arn, spec.express, id, spec.processor};
  std::lock_guard<std::mutex> l(mu);
  machines[key] = m;
  return m;
}

void Runtime::run_map_run(std::shared_ptr<const engine::MapRunSpec> spec, std::uint64_t parent_seq,
                          std::int32_t frame, std::uint64_t token) {
  std::lock_guard<std::mutex> l(impl_->mu);
  auto it = impl_->map_runs.find(spec->map_run_arn);
  if (it != impl_->map_runs.end()) {
    return caf::anon_send(it->second, mrtake_atom::value, parent_seq, frame, token);
  }
  std::string arn = spec->map_run_arn;
  impl_->map_runs[arn] =
      impl_->system.spawn(map_run_actor, std::move(spec), this, impl_->coordinator, parent_seq, frame, token);
}

void Runtime::forget_map_run(const std::string& map_run_arn) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->map_runs.erase(map_run_arn);
}

void Runtime::abort_map_run(const std::string& map_run_arn) {
  if (auto a = impl_->map_run(map_run_arn)) caf::anon_send(a, mrabort_atom::value);
}

storage::Journal& Runtime::journal() { return *impl_->options.journal; }
Integrations* Runtime::integrations() const { return impl_->options.integrations; }

Result<storage::MapRunRecord> Runtime::describe_map_run(const std::string& map_run_arn) {
  if (auto a = impl_->map_run(map_run_arn)) {
    caf::scoped_actor self{impl_->system};
    std::optional<storage::MapRunRecord> live;
    self->request(a, std::chrono::seconds(5), mrview_atom::value)
        .receive([&](storage::MapRunRecord& r) { live = std::move(r); }, [](caf::error&) {});
    if (live) return std::move(*live);  // else it ended meanwhile: its stored record is final
  }
  return impl_->options.journal->map_run(map_run_arn);
}

Status Runtime::update_map_run(const std::string& map_run_arn, std::optional<std::int64_t> max_concurrency,
                               std::optional<std::int64_t> tolerated_count,
                               std::optional<double> tolerated_percentage) {
  if (auto a = impl_->map_run(map_run_arn)) {
    caf::scoped_actor self{impl_->system};
    bool updated = false;
    self->request(a, std::chrono::seconds(5), mrupdate_atom::value,
                  MapRunUpdate{max_concurrency, tolerated_count, tolerated_percentage})
        .receive([&](bool ok) { updated = ok; }, [](caf::error&) {});
    if (updated) return Status();
  }
  auto stored = impl_->options.journal->map_run(map_run_arn);
  if (!stored.ok()) return stored.status();
  return Status::failed("ValidationException", "Map Run is not running: " + map_run_arn);
}

void Runtime::start_map_child(const std::shared_ptr<const engine::MapRunSpec>& spec, std::int64_t index,
                              const std::string& input, std::function<void(Result<StartedExecution>)> done,
                              std::function<void(Result<storage::ExecutionRecord>)> finished) {
  auto parsed = json::parse(input);
  if (!parsed.ok()) return done(Status::invalid("the child input is not valid JSON: " + parsed.status().message()));
  auto machine = impl_->map_machine(*spec);
  if (!machine.ok()) return done(machine.status());
  storage::ExecutionRecord record;
  record.state_machine_arn = maprun::child_machine_arn(*spec);
  record.express = spec->express;
  record.revision_id = machine->revision_id;
  record.map_run_arn = spec->map_run_arn;
  engine::StartParams& p = record.params;
  p.execution_name = maprun::child_name(*spec, index);
  p.execution_arn = maprun::child_arn(*spec, p.execution_name);
  p.token_key = impl_->options.token_key;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    p.seed = impl_->rng();
  }
  if (!spec->express) {
    if (auto seq = impl_->standard_journal->execution_seq(p.execution_arn); seq.ok()) {  // started before
      auto rec = impl_->standard_journal->execution(*seq);
      return done(StartedExecution{p.execution_arn, rec.ok() ? rec->params.start_ms : 0});
    }
  }
  p.state_machine_name = machine->name;
  p.state_machine_arn = record.state_machine_arn;
  p.role_arn = machine->role_arn;
  p.input_text = input;
  impl_->launch(*machine, std::move(record), std::move(parsed).value(), std::move(done), std::move(finished));
}

Result<std::string> Runtime::start_execution(const std::string& state_machine_arn, const std::string& name,
                                             const std::string& input) {
  std::promise<Result<std::string>> p;
  auto f = p.get_future();
  start_execution_async(state_machine_arn, name, input,
                        [&p](Result<std::string> r) { p.set_value(std::move(r)); });
  return f.get();
}

void Runtime::start_execution_async(const std::string& state_machine_arn, const std::string& name,
                                    const std::string& input, std::function<void(Result<std::string>)> done) {
  StartRequest req;
  req.state_machine_arn = state_machine_arn;
  req.name = name;
  req.input = input;
  start_execution_async(req, [done = std::move(done)](Result<StartedExecution> r) {
    if (!r.ok()) return done(r.status());
    done(std::move(r->execution_arn));
  });
}

void Runtime::start_execution_async(const StartRequest& req, std::function<void(Result<StartedExecution>)> done) {
  start(req, std::move(done), nullptr);
}

void Runtime::start_nested(const StartRequest& req, std::function<void(Result<StartedExecution>)> done,
                           std::function<void(Result<storage::ExecutionRecord>)> finished) {
  start(req, std::move(done), std::move(finished));
}

void Runtime::when_closed(const std::string& execution_arn,
                          std::function<void(Result<storage::ExecutionRecord>)> done) {
  caf::anon_send(impl_->coordinator, watch_atom::value, execution_arn, RecordCallback(std::move(done)));
}

void Runtime::start_sync_execution_async(const StartRequest& req,
                                         std::function<void(Result<storage::ExecutionRecord>)> done) {
  // Both callbacks may run (a start that fails answers through the first);
  // exactly one of them answers `done`.
  auto shared = std::make_shared<std::function<void(Result<storage::ExecutionRecord>)>>(std::move(done));
  start(
      req,
      [shared](Result<StartedExecution> r) {
        if (!r.ok() && *shared) std::exchange(*shared, nullptr)(r.status());
      },
      [shared](Result<storage::ExecutionRecord> r) {
        if (*shared) std::exchange(*shared, nullptr)(std::move(r));
      });
}

void Runtime::start(const StartRequest& req, std::function<void(Result<StartedExecution>)> done,
                    std::function<void(Result<storage::ExecutionRecord>)> finished) {
  auto parsed_input = json::parse(req.input);
  if (!parsed_input.ok()) {
    return done(Status::invalid("the execution input is not valid JSON: " + parsed_input.status().message()));
  }
  storage::Journal& journal = *impl_->standard_journal;
  auto resolved = impl_->resolve(req.state_machine_arn, req.revision_id);
  if (!resolved.ok()) return done(resolved.status());
  Impl::Machine& machine = *resolved;
  storage::ExecutionRecord record;
  record.state_machine_arn = req.state_machine_arn;
  record.express = machine.express;
  record.revision_id = machine.revision_id;
  record.state_machine_version_arn = req.version_arn;
  record.state_machine_alias_arn = req.alias_arn;
  record.trace_header = req.trace_header;
  engine::StartParams& p = record.params;
  p.execution_name = req.name;
  p.token_key = impl_->options.token_key;
  p.version_arn = req.version_arn;
  p.alias_arn = req.alias_arn;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    p.seed = impl_->rng();
  }
  if (machine.express) {
    // Express ARNs carry a uuid: the same name may run many times at once.
    char uuid[40];
    std::snprintf(uuid, sizeof uuid, "%08llx-%04llx-%04llx-%04llx-%012llx",
                  static_cast<unsigned long long>(p.seed >> 32), static_cast<unsigned long long>((p.seed >> 16) & 0xffff),
                  static_cast<unsigned long long>(0x4000 | (p.seed & 0x0fff)),
                  static_cast<unsigned long long>(0x8000 | ((p.seed >> 20) & 0x3fff)),
                  static_cast<unsigned long long>((p.seed * 0x9e3779b97f4a7c15ULL) & 0xffffffffffffULL));
    p.execution_arn = impl_->arn("express", machine.name + ":" + req.name + ":" + uuid);
  } else {
    p.execution_arn = impl_->arn("execution", machine.name + ":" + req.name);
    if (auto seq = req.fresh_name ? Result<std::uint64_t>(Status::not_found("")) : journal.execution_seq(p.execution_arn);
        seq.ok()) {  // started before
      auto rec = journal.execution(*seq);
      return done(StartedExecution{p.execution_arn, rec.ok() ? rec->params.start_ms : 0});
    }
  }
  p.state_machine_name = machine.name;
  p.state_machine_arn = req.state_machine_arn;
  p.role_arn = machine.role_arn;
  p.input_text = req.input;
  impl_->launch(machine, std::move(record), std::move(parsed_input).value(), std::move(done), std::move(finished));
}

// The rest of a start, once the record names the execution: its number,
// the first decision, then the journal or the execution's actor.
void Runtime::Impl::launch(const Machine& machine, storage::ExecutionRecord record, boost::json::value input,
                           std::function<void(Result<StartedExecution>)> done,
                           std::function<void(Result<storage::ExecutionRecord>)> finished) {
  Impl* impl_ = this;
  storage::Journal& journal = *standard_journal;
  engine::StartParams& p = record.params;
  // EXPRESS histories have no event limit on AWS (they go to CloudWatch Logs only).
  if (machine.express) p.max_events = std::numeric_limits<std::int64_t>::max();
  auto seq = machine.express ? impl_->express.next_seq() : journal.next_seq();
  if (!seq.ok()) return done(seq.status());
  record.seq = *seq;
  p.region = impl_->options.region;
  p.start_ms = wall_ms();
  // The first decision is made here, on the caller's thread (the engine is
  // pure). An execution that ends in it (no task, no wait) needs no actor:
  // its events go to the journal in one append (opened and closed at once),
  // answered when durable; EXPRESS keeps no log and answers at once. One
  // that waits on something goes to its actor with this decision.
  auto first = std::make_shared<engine::Started>(engine::start(machine.compiled, p, std::move(input)));
  if (engine::status(*first->state) != engine::ExecutionStatus::kRunning) {
    record_end(record, *first->state, first->decisions.events, wall_ms());
    StartedExecution started{p.execution_arn, p.start_ms};
    if (machine.express) {
      // Nothing is appended (EXPRESS keeps no log), but it is observed.
      if (impl_->options.observe_appends) {
        storage::Append a;
        a.seq = record.seq;
        a.events = std::move(first->decisions.events);
        a.record = record;
        a.opened = a.closed = true;
        if (auto then = impl_->options.observe_appends(a)) then();
      }
      done(started);
      if (finished) finished(std::move(record));
      return;
    }
    storage::Append a;
    a.seq = record.seq;
    a.events = std::move(first->decisions.events);
    a.record = record;
    a.opened = true;
    a.closed = true;
    return journal.append(std::move(a), [done = std::move(done), finished = std::move(finished), started,
                                         record = std::move(record)](const Status& s) {
      if (!s.ok()) {
        done(Status::io(s.message()));
        if (finished) finished(Status::io(s.message()));
        return;
      }
      done(started);
      if (finished) finished(record);
    });
  }
  StartCallback started = [done = std::move(done), arn = p.execution_arn, start_ms = p.start_ms](Result<std::string> r) {
    if (!r.ok()) return done(r.status());
    done(StartedExecution{arn, start_ms});
  };
  caf::anon_send(impl_->coordinator, start_atom::value, std::move(record), machine.compiled, std::move(first),
                 std::move(started), RecordCallback(std::move(finished)));
}

void Runtime::stop_execution(const std::string& execution_arn, std::optional<std::string> error,
                             std::optional<std::string> cause,
                             std::function<void(Result<storage::ExecutionRecord>)> done) {
  if (execution_arn.find(":express:") != std::string::npos) {
    return done(Status::failed("ValidationException", "This operation is not supported by EXPRESS state machines"));
  }
  auto seq = impl_->options.journal->execution_seq(execution_arn);
  if (!seq.ok()) return done(Status::not_found("Execution Does Not Exist: '" + execution_arn + "'"));
  engine::Fact f;
  f.kind = engine::FactKind::kStop;
  f.error = std::move(error);
  f.cause = std::move(cause);
  caf::anon_send(impl_->coordinator, stop_atom::value, *seq, std::move(f), RecordCallback(std::move(done)));
}

void Runtime::redrive_execution(const std::string& execution_arn,
                                std::function<void(Result<storage::ExecutionRecord>)> done) {
  if (execution_arn.find(":express:") != std::string::npos) {
    return done(Status::failed("ValidationException", "This operation is not supported by EXPRESS state machines"));
  }
  auto seq = impl_->options.journal->execution_seq(execution_arn);
  if (!seq.ok()) return done(Status::not_found("Execution Does Not Exist: '" + execution_arn + "'"));
  auto record = impl_->options.journal->execution(*seq);
  if (!record.ok()) return done(record.status());
  if (record->status == "RUNNING" || record->status == "SUCCEEDED") {
    return done(Status::failed("ExecutionNotRedrivable",
                               "Execution is " + record->status + " and cannot be redriven"));
  }
  if (storage::too_long_to_redrive(*impl_->options.journal, *seq))
    return done(Status::failed("ExecutionNotRedrivable", storage::kHistoryLimitReason));
  caf::anon_send(impl_->coordinator, redrive_atom::value, std::move(record).value(), RecordCallback(std::move(done)));
}

void Runtime::get_activity_task(const std::string& activity_arn, const std::string& worker_name,
                                std::int64_t timeout_ms, std::function<void(std::optional<ActivityTask>)> done) {
  PollCallback cb = [done = std::move(done)](std::optional<PolledTask> t) {
    if (!t) return done(std::nullopt);
    done(ActivityTask{std::move(t->task_token), std::move(t->input)});
  };
  caf::anon_send(impl_->coordinator, poll_atom::value, activity_arn, worker_name, timeout_ms, std::move(cb));
}

void Runtime::send_task_success(const std::string& task_token, const std::string& output,
                                std::function<void(Status)> done) {
  auto parsed = json::parse(output);
  if (!parsed.ok()) return done(Status::invalid("the task output is not valid JSON: " + parsed.status().message()));
  engine::Fact f;
  f.kind = engine::FactKind::kTaskSucceeded;
  f.output = std::move(parsed).value();
  caf::anon_send(impl_->coordinator, answer_atom::value, task_token, std::move(f), StatusCallback(std::move(done)));
}

void Runtime::send_task_failure(const std::string& task_token, std::optional<std::string> error,
                                std::optional<std::string> cause, std::function<void(Status)> done) {
  engine::Fact f;
  f.kind = engine::FactKind::kTaskFailed;
  f.error = std::move(error);
  f.cause = std::move(cause);
  caf::anon_send(impl_->coordinator, answer_atom::value, task_token, std::move(f), StatusCallback(std::move(done)));
}

void Runtime::send_task_heartbeat(const std::string& task_token, std::function<void(Status)> done) {
  caf::anon_send(impl_->coordinator, beat_atom::value, task_token, StatusCallback(std::move(done)));
}

bool Runtime::authentic_token(const std::string& task_token) const {
  return authentic_task_token(impl_->options.token_key, task_token);
}

std::uint16_t Runtime::worker_port() const { return impl_->worker_port; }

bool Runtime::wait_idle(std::int64_t timeout_ms) {
  caf::scoped_actor self{impl_->system};
  bool idle = false;
  self->request(impl_->coordinator, std::chrono::milliseconds(timeout_ms), idle_atom::value)
      .receive([&](bool b) { idle = b; }, [&](caf::error&) { idle = false; });
  return idle;
}

std::size_t Runtime::running() {
  caf::scoped_actor self{impl_->system};
  std::size_t n = 0;
  self->request(impl_->coordinator, caf::infinite, count_atom::value)
      .receive([&](std::size_t c) { n = c; }, [&](caf::error&) {});
  return n;
}

Result<ActivityOverview> Runtime::activity_overview(std::int64_t timeout_ms) {
  caf::scoped_actor self{impl_->system};
  const auto timeout = std::chrono::milliseconds(std::max<std::int64_t>(timeout_ms, 1));
  Status status;
  auto failed = [&](const char* who) {
    return [&, who](caf::error& e) { status = Status::internal(std::string(who) + " did not answer: " + impl_->system.render(e)); };
  };
  // The gateway first: its polls are then at the coordinator already (or
  // came back meanwhile), so subtracting them below never goes negative.
  WorkerViews workers;
  if (impl_->gateway) {
    self->request(impl_->gateway, timeout, overview_atom::value)
        .receive([&](WorkerViews& w) { workers = std::move(w); }, failed("the worker gateway"));
  }
  ActivityQueueViews queues;
  if (status.ok()) {
    self->request(impl_->coordinator, timeout, overview_atom::value)
        .receive([&](ActivityQueueViews& q) { queues = std::move(q); }, failed("the coordinator"));
  }
  if (!status.ok()) return status;
  // The coordinator's pollers less the remote workers' own polls (matched
  // by worker name) are the HTTP long polls.
  std::map<std::string, std::map<std::string, std::uint32_t>> remote;  // ARN -> worker name -> polls
  for (const auto& w : workers)
    for (const auto& [arn, n] : w.polls) remote[arn][w.name] += n;
  ActivityOverview out;
  for (auto& q : queues) {
    ActivityOverview::Activity a;
    a.arn = q.activity_arn;
    a.pending = q.queued;
    a.running = q.started;
    auto& mine = remote[q.activity_arn];
    for (auto& name : q.pollers) {
      auto it = mine.find(name);
      if (it != mine.end() && it->second > 0) {
        --it->second;
        continue;
      }
      a.http_pollers.push_back(std::move(name));
    }
    out.activities.push_back(std::move(a));
  }
  for (auto& w : workers) {
    out.workers.push_back(ActivityOverview::RemoteWorker{std::move(w.name), std::move(w.activity_arns), w.concurrency,
                                                         w.held, w.connected});
  }
  return out;
}

}  // namespace stepd::actors
