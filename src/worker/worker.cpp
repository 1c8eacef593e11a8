#include "src/worker/worker.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include "actors/workers.h"

namespace stepd::worker {

using actors::wbeat_atom;
using actors::wfail_atom;
using actors::wgone_atom;
using actors::wok_atom;
using actors::wreg_atom;
using actors::wtask_atom;

// Answers travel straight to the gateway (no hop through the registration
// actor): the gateway finds the registration by token.
struct Task::Rep {
  caf::actor gateway;
  std::string token;
  std::string input;
};

const std::string& Task::token() const { return rep_->token; }
const std::string& Task::input() const { return rep_->input; }
void Task::succeed(const std::string& output) const {
  caf::anon_send(rep_->gateway, wok_atom::value, rep_->token, output);
}
void Task::fail(const std::string& error, const std::string& cause) const {
  caf::anon_send(rep_->gateway, wfail_atom::value, rep_->token, error, cause);
}
void Task::heartbeat() const { caf::anon_send(rep_->gateway, wbeat_atom::value, rep_->token); }

namespace {

constexpr std::chrono::seconds kPeerTimeout{10};

std::string default_name() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "localhost");
  return std::string(host) + ":" + std::to_string(getpid());
}

caf::actor_system_config make_config(const ConnectOptions& o) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", std::max<std::size_t>(o.threads, 1));
  cfg.load<caf::io::middleman>();
  // A peer that goes silent (network cut, no FIN) counts as lost after
  // kPeerTimeout; heartbeats keep an idle connection talking.
  cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds(1)});
  cfg.set("middleman.connection-timeout", caf::timespan{kPeerTimeout});
  if (!o.tls_cert.empty()) {  // as actors::configure_worker_transport, which lives in the server's library
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = o.tls_cert;
    cfg.openssl_key = o.tls_key;
    cfg.openssl_cafile = o.tls_ca;
  }
  return cfg;
}

}  // namespace

struct Worker::Impl {
  explicit Impl(const ConnectOptions& o) : options(o), config(make_config(o)), system(config) {
    if (options.worker_name.empty()) options.worker_name = default_name();
    if (!options.on_refused) {
      options.on_refused = [](const std::string& token, const std::string& why) {
        std::fprintf(stderr, "stepd worker: answer for task %.16s... refused: %s\n", token.c_str(), why.c_str());
      };
    }
  }

  ConnectOptions options;
  caf::actor_system_config config;
  caf::actor_system system;
  caf::actor gateway;
  caf::actor watcher;                // monitors the gateway: its down means the server is gone
  std::vector<caf::actor> servers;   // one per serve(), guarded by mu
  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;  // guarded by mu
  bool lost = false;     // guarded by mu

  void mark_lost() {
    std::lock_guard<std::mutex> l(mu);
    lost = true;
    cv.notify_all();
  }
};

namespace {

// One registration: receives pushed tasks and runs each handler in its own
// short-lived actor, so a blocking handler holds one scheduler thread, not
// the registration.
caf::behavior server_actor(caf::event_based_actor* self, caf::actor gateway, std::string arns,
                           std::uint32_t concurrency, std::string name, Handler handler,
                           std::function<void(const std::string&, const std::string&)> on_refused,
                           std::shared_ptr<std::promise<std::string>> registered) {
  self->request(gateway, std::chrono::seconds(30), wreg_atom::value, std::move(arns), concurrency, std::move(name))
      .then([registered](std::string& why) { registered->set_value(why); },
            [self, registered](caf::error& e) {
              registered->set_value("registration failed: " + self->system().render(e));
            });
  return {
      [=](wtask_atom, std::string& token, std::string& input) {
        Task task(std::make_shared<const Task::Rep>(Task::Rep{gateway, std::move(token), std::move(input)}));
        // The handler and task go in as arguments: CAF 0.17's init_fun_factory
        // dereferences a null tuple pointer for a function actor spawned with
        // none (UBSan stops the process there).
        self->spawn(
            [](const Handler& run, const Task& t) {
              try {
                run(t);
              } catch (const std::exception& e) {
                t.fail("stepd.HandlerError", e.what());
              } catch (...) {
                t.fail("stepd.HandlerError", "the handler threw");
              }
            },
            handler, task);
      },
      [=](wgone_atom, const std::string& token, const std::string& why) { on_refused(token, why); },
  };
}

caf::behavior watcher_actor(caf::event_based_actor* self, caf::actor gateway, Worker::Impl* impl) {
  self->monitor(gateway);
  self->set_down_handler([impl](caf::down_msg&) { impl->mark_lost(); });
  return {[](wgone_atom) {}};  // nothing to do but wait for the down message
}

}  // namespace

Worker::Worker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Worker::~Worker() {
  stop();
  if (impl_->watcher) caf::anon_send_exit(impl_->watcher, caf::exit_reason::user_shutdown);
}

std::unique_ptr<Worker> Worker::connect(const ConnectOptions& options, std::string* error) {
  auto impl = std::make_unique<Impl>(options);
  bool tls = !options.tls_cert.empty();
  auto gw = tls ? caf::openssl::remote_actor(impl->system, options.host, options.port)
                : impl->system.middleman().remote_actor(options.host, options.port);
  if (!gw) {
    if (error) {
      *error = "cannot connect to " + options.host + ":" + std::to_string(options.port) + ": " +
               impl->system.render(gw.error());
    }
    return nullptr;
  }
  impl->gateway = *gw;
  impl->watcher = impl->system.spawn(watcher_actor, impl->gateway, impl.get());
  return std::unique_ptr<Worker>(new Worker(std::move(impl)));
}

bool Worker::serve(const std::vector<std::string>& activity_arns, std::uint32_t concurrency, Handler handler,
                   std::string* error) {
  std::string arns;
  for (const auto& a : activity_arns) arns += a + "\n";
  auto registered = std::make_shared<std::promise<std::string>>();
  auto answer = registered->get_future();
  auto server = impl_->system.spawn(server_actor, impl_->gateway, arns, concurrency, impl_->options.worker_name,
                                    std::move(handler), impl_->options.on_refused, registered);
  std::string why = answer.get();
  if (!why.empty()) {
    caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
    if (error) *error = why;
    return false;
  }
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->servers.push_back(server);
  return true;
}

bool Worker::run() {
  std::unique_lock<std::mutex> l(impl_->mu);
  impl_->cv.wait(l, [this] { return impl_->stopped || impl_->lost; });
  return !impl_->lost;
}

void Worker::stop() {
  std::lock_guard<std::mutex> l(impl_->mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  for (auto& s : impl_->servers) caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  impl_->servers.clear();
  impl_->cv.notify_all();
}

}  // namespace stepd::worker
