#include "actors/runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <mutex>
#include <random>

#include "actors/coordinator.h"
#include "src/common/json.h"
#include "storage/memory_journal.h"

namespace stepd::actors {

namespace {

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

caf::actor_system_config make_config(std::size_t threads) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", threads);
  return cfg;
}

}  // namespace

struct Runtime::Impl {
  explicit Impl(const RuntimeOptions& o)
      : options(o),
        express(/*keep_history=*/false, kExpressSeqBase),
        config(make_config(o.threads)),
        system(config) {}

  RuntimeOptions options;
  storage::MemoryJournal express;                  // EXPRESS executions
  caf::actor_system_config config;
  caf::actor_system system;
  caf::actor coordinator;
  // What a start needs of its state machine, kept so a start reads nothing.
  struct Machine {
    std::string name;
    std::string role_arn;
    bool express = false;
    MachinePtr compiled;
  };
  std::mutex mu;                                   // guards machines and rng
  std::map<std::string, Machine> machines;         // ARN -> machine, for starts
  std::mt19937_64 rng{std::random_device{}()};

  std::string arn(const std::string& kind, const std::string& rest) const {
    return "arn:aws:states:" + options.region + ":" + options.account + ":" + kind + ":" + rest;
  }
};

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Runtime::~Runtime() {
  if (impl_ && impl_->coordinator) {
    caf::anon_send_exit(impl_->coordinator, caf::exit_reason::user_shutdown);
  }
}

Result<std::unique_ptr<Runtime>> Runtime::open(const RuntimeOptions& options) {
  if (!options.journal) return Status::invalid("the runtime needs a journal");
  auto impl = std::make_unique<Impl>(options);
  ExecutionDeps deps{options.journal, &impl->express, options.mocks, options.mock_test_case,
                     std::max<std::int64_t>(options.passivate_after_ms, 0)};
  // Waking must not come later than the wake-up: passivate only waits longer than two polls.
  if (deps.passivate_after_ms > 0) deps.passivate_after_ms = std::max(deps.passivate_after_ms, 2 * options.wake_poll_ms);
  impl->coordinator = impl->system.spawn(coordinator_actor, deps, options.wake_poll_ms);
  caf::scoped_actor self{impl->system};
  Status status;
  self->request(impl->coordinator, caf::infinite, recover_atom::value)
      .receive([](std::size_t) {},
               [&](caf::error& e) { status = Status::internal("recovery failed: " + impl->system.render(e)); });
  if (!status.ok()) return status;
  return std::unique_ptr<Runtime>(new Runtime(std::move(impl)));
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
  Status s = impl_->options.journal->put_state_machine(r);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->machines[r.arn] = Impl::Machine{r.name, r.role_arn, r.type == "EXPRESS", std::move(machine).value()};
  return r.arn;
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
  if (auto parsed = json::parse(input); !parsed.ok()) {
    return done(Status::invalid("the execution input is not valid JSON: " + parsed.status().message()));
  }
  storage::Journal& journal = *impl_->options.journal;
  Impl::Machine machine;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    auto it = impl_->machines.find(state_machine_arn);
    if (it != impl_->machines.end()) machine = it->second;
  }
  if (!machine.compiled) {
    auto sm = journal.state_machine(state_machine_arn);
    if (!sm.ok()) return done(sm.status());
    auto m = asl::compile_text(sm->definition);
    // Stored machines were valid when created: failing now is stepd's fault.
    if (!m.ok()) return done(Status::internal("stored state machine does not compile: " + m.status().message()));
    machine = Impl::Machine{sm->name, sm->role_arn, sm->type == "EXPRESS", std::move(m).value()};
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->machines[state_machine_arn] = machine;
  }
  storage::ExecutionRecord record;
  record.state_machine_arn = state_machine_arn;
  record.express = machine.express;
  engine::StartParams& p = record.params;
  p.execution_name = name;
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
    p.execution_arn = impl_->arn("express", machine.name + ":" + name + ":" + uuid);
  } else {
    p.execution_arn = impl_->arn("execution", machine.name + ":" + name);
    if (journal.execution_seq(p.execution_arn).ok()) return done(p.execution_arn);  // started before
  }
  auto seq = machine.express ? impl_->express.next_seq() : journal.next_seq();
  if (!seq.ok()) return done(seq.status());
  record.seq = *seq;
  p.state_machine_name = machine.name;
  p.state_machine_arn = state_machine_arn;
  p.role_arn = machine.role_arn;
  p.region = impl_->options.region;
  p.input_text = input;
  p.start_ms = wall_ms();
  caf::anon_send(impl_->coordinator, start_atom::value, std::move(record), machine.compiled,
                 StartCallback(std::move(done)));
}

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

}  // namespace stepd::actors
