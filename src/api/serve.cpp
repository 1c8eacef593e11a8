#include "src/api/serve.h"

#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <random>

#include "actors/integrations.h"
#include "actors/runtime.h"
#include "src/api/console.h"
#include "src/api/dispatch.h"
#include "src/api/http_server.h"
#include "src/api/execution_log.h"
#include "src/api/metrics.h"
#include "storage/lmdb_journal.h"
#include "storage/secret_key.h"

namespace stepd::api {

namespace {

std::string request_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[40];
  std::uint64_t a = rng(), b = rng();
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(a >> 32),
                static_cast<unsigned long long>((a >> 16) & 0xffff), static_cast<unsigned long long>(a & 0xffff),
                static_cast<unsigned long long>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

HttpResponse to_http(const ApiResponse& r) {
  HttpResponse h;
  h.status = r.status;
  h.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
  h.headers.emplace_back("x-amzn-RequestId", request_id());
  h.body = r.body;
  return h;
}

}  // namespace

int serve(const ServeOptions& o) {
  // Block the signals before any thread starts (the runtime's, the HTTP
  // client's, the console's, the servers'): they inherit the mask, and
  // only this thread takes SIGTERM / SIGINT, in sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto journal = storage::open_lmdb_journal(o.data_dir, storage::SyncMode::kSync);
  if (!journal.ok()) {
    std::fprintf(stderr, "stepd serve: %s\n", journal.status().message().c_str());
    return 1;
  }
  auto token_key = storage::load_or_create_secret(o.data_dir, storage::kTaskTokenKeyFile);
  if (!token_key.ok()) {
    std::fprintf(stderr, "stepd serve: %s\n", token_key.status().message().c_str());
    return 1;
  }
  actors::RuntimeOptions ro;
  ro.journal = journal->get();
  ro.token_key = std::move(token_key).value();
  Metrics metrics;
  ro.observe_appends = metrics.observer();
  std::unique_ptr<ExecutionLog> execution_log;
  if (!o.execution_log.empty()) {
    auto log = ExecutionLog::open(o.execution_log, *journal->get());
    if (!log.ok()) {
      std::fprintf(stderr, "stepd serve: %s\n", log.status().message().c_str());
      return 1;
    }
    execution_log = std::move(log).value();
    // Both see every append; both act once it is durable.
    ro.observe_appends = [m = metrics.observer(), l = execution_log->observer()](const storage::Append& a)
        -> storage::ObservedJournal::OnDurable {
      auto first = m(a), second = l(a);
      if (!first || !second) return first ? first : second;
      return [first, second] {
        first();
        second();
      };
    };
  }
  integrations::Config ic;
  ic.region = o.region;
  ic.lambda_endpoint = o.lambda_endpoint;
  for (const std::string& kv : o.service_endpoints) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size()) {
      std::fprintf(stderr, "stepd serve: --service-endpoint wants SERVICE=URL, not '%s'\n", kv.c_str());
      return 1;
    }
    ic.endpoints[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (!o.s3_endpoint.empty()) ic.endpoints["s3"] = o.s3_endpoint;
  auto env = [](const char* name) { const char* v = std::getenv(name); return std::string(v ? v : ""); };
  ic.credentials.access_key_id = env("AWS_ACCESS_KEY_ID");
  ic.credentials.secret_access_key = env("AWS_SECRET_ACCESS_KEY");
  ic.credentials.session_token = env("AWS_SESSION_TOKEN");
  auto integrations = actors::Integrations::start(ic);
  if (!integrations.ok()) {
    std::fprintf(stderr, "stepd serve: %s\n", integrations.status().message().c_str());
    return 1;
  }
  ro.integrations = integrations->get();
  ro.threads = o.threads;
  ro.region = o.region;
  ro.account = o.account;
  if (o.worker_port >= 0) {
    actors::WorkerServerOptions wo;
    wo.bind = o.bind;
    wo.port = static_cast<std::uint16_t>(o.worker_port);
    wo.tls_cert = o.worker_tls_cert;
    wo.tls_key = o.worker_tls_key;
    wo.tls_ca = o.worker_tls_ca;
    ro.workers = wo;
  }
  auto runtime = actors::Runtime::open(ro);
  if (!runtime.ok()) {
    std::fprintf(stderr, "stepd serve: %s\n", runtime.status().message().c_str());
    return 1;
  }
  DispatcherOptions dopts;
  dopts.region = o.region;
  dopts.account = o.account;
  dopts.activity_poll_ms = o.activity_poll_seconds * 1000;
  Dispatcher dispatcher(**runtime, **journal, dopts);

  // The web console (issue #8) on the same port: GET and /console/...
  ConsoleOptions copts;
  copts.account = o.account;
  copts.runtime = runtime->get();  // the activities page's queues and workers
  Console console(**journal, dispatcher, copts);

  HttpServerOptions ho;
  ho.bind = o.bind;
  ho.port = o.port;
  ho.threads = o.threads;
  ho.tls_cert = o.tls_cert;
  ho.tls_key = o.tls_key;
  auto server = HttpServer::start(ho, [&dispatcher, &console, &metrics](HttpRequest req,
                                                                       std::function<void(HttpResponse)> respond) {
    if (req.method == "GET" && (req.target == "/metrics" || req.target.rfind("/metrics?", 0) == 0)) {
      HttpResponse r;
      r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4");
      r.body = metrics.prometheus();
      return respond(std::move(r));
    }
    if (Console::wants(req)) return console.handle(req, std::move(respond));
    if (req.method != "POST") {
      ApiResponse bad{400, R"({"__type":"UnknownOperationException","message":"Only POST / is served"})"};
      return respond(to_http(bad));
    }
    const std::string* target = req.header("X-Amz-Target");
    dispatcher.handle(target ? *target : std::string(), req.body,
                      [respond](ApiResponse r) { respond(to_http(r)); });
  });
  if (!server.ok()) {
    std::fprintf(stderr, "stepd serve: %s\n", server.status().message().c_str());
    return 1;
  }
  if (o.worker_port >= 0) {
    std::fprintf(stderr, "stepd serve: workers on %s://%s:%u\n", o.worker_tls_cert.empty() ? "tcp" : "tls",
                 o.bind.c_str(), static_cast<unsigned>((*runtime)->worker_port()));
  }
  std::fprintf(stderr, "stepd serve: listening on %s://%s:%u (data in %s)\n", o.tls_cert.empty() ? "http" : "https",
               o.bind.c_str(),
               static_cast<unsigned>((*server)->port()), o.data_dir.c_str());
  int sig = 0;
  sigwait(&signals, &sig);
  std::fprintf(stderr, "stepd serve: %s, draining\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->stop();
  return 0;
}

}  // namespace stepd::api
