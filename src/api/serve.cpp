#include "src/api/serve.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <random>

#include "actors/integrations.h"
#include "actors/runtime.h"
#include "src/api/api_util.h"
#include "src/api/auth.h"
#include "src/api/console.h"
#include "src/api/dispatch.h"
#include "src/api/http_server.h"
#include "src/api/execution_log.h"
#include "src/api/metrics.h"
#include "src/log/log.h"
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

HttpResponse to_http(const ApiResponse& r, std::string id = request_id()) {
  HttpResponse h;
  h.status = r.status;
  h.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
  h.headers.emplace_back("x-amzn-RequestId", std::move(id));
  h.body = r.body;
  return h;
}

// The server log's line for one API request: every answer at debug level
// (an access log), stepd's own failures (5xx) at warn.
void log_request(const std::string& target, const ApiResponse& r, const std::string& id,
                 std::chrono::steady_clock::time_point t0) {
  const bool failed = r.status >= 500;
  if (!failed && !log::enabled(log::Level::kDebug)) return;
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const std::string action = target.substr(target.find('.') + 1);  // "AWSStepFunctions.X" -> "X"
  if (failed)
    log::warn(action + " failed: " + r.body, {{"action", action}, {"status", r.status}, {"requestId", id}, {"ms", ms}});
  else
    log::debug(action, {{"action", action}, {"status", r.status}, {"requestId", id}, {"ms", ms}});
}

// --auth sigv4: a request refused as AWS refuses it.
HttpResponse auth_failure(const auth::Failure& f) {
  HttpResponse h = to_http(ApiResponse{f.status, auth::error_body(f)});
  h.headers.emplace_back("x-amzn-ErrorType", auth::error_type_header(f));
  return h;
}

// --auth sigv4, for the console and /metrics (a browser cannot sign).
HttpResponse basic_challenge() {
  HttpResponse h;
  h.status = 401;
  h.headers.emplace_back("WWW-Authenticate", "Basic realm=\"stepd\", charset=\"UTF-8\"");
  h.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  h.body = "stepd: sign in with an access key id (user) and its secret access key (password)\n";
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
  auto level = log::parse_level(o.log_level);
  auto format = log::parse_format(o.log_format);
  if (!level.ok() || !format.ok()) {
    std::fprintf(stderr, "stepd serve: %s\n", (level.ok() ? format.status() : level.status()).message().c_str());
    return 1;
  }
  log::configure(*level, *format);
  std::unique_ptr<auth::Verifier> verifier;  // --auth sigv4
  if (o.auth == "sigv4") {
    if (o.credentials.empty()) {
      log::error("--auth sigv4 needs --credentials FILE (an AWS shared-credentials file)");
      return 1;
    }
    auto keys = auth::load_credentials(o.credentials);
    if (!keys.ok()) {
      log::error(keys.status().message());
      return 1;
    }
    verifier = std::make_unique<auth::Verifier>(std::move(keys).value(), auth::VerifierOptions{o.region});
  } else if (o.auth != "none") {
    log::error("--auth is none or sigv4, not '" + o.auth + "'");
    return 1;
  } else if (!o.credentials.empty()) {
    log::error("--credentials is for --auth sigv4");
    return 1;
  }
  auto journal = storage::open_lmdb_journal(o.data_dir, storage::SyncMode::kSync);
  if (!journal.ok()) {
    log::error(journal.status().message());
    return 1;
  }
  auto token_key = storage::load_or_create_secret(o.data_dir, storage::kTaskTokenKeyFile);
  if (!token_key.ok()) {
    log::error(token_key.status().message());
    return 1;
  }
  actors::RuntimeOptions ro;
  ro.journal = journal->get();
  const std::string page_token_key = derive_page_token_key(*token_key);
  ro.token_key = std::move(token_key).value();
  Metrics metrics;
  ro.observe_appends = metrics.observer();
  std::unique_ptr<ExecutionLog> execution_log;
  if (!o.execution_log.empty()) {
    auto opened = ExecutionLog::open(o.execution_log, *journal->get());
    if (!opened.ok()) {
      log::error(opened.status().message());
      return 1;
    }
    execution_log = std::move(opened).value();
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
      log::error("--service-endpoint wants SERVICE=URL, not '" + kv + "'");
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
    log::error(integrations.status().message());
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
    log::error(runtime.status().message());
    return 1;
  }
  DispatcherOptions dopts;
  dopts.region = o.region;
  dopts.account = o.account;
  dopts.activity_poll_ms = o.activity_poll_seconds * 1000;
  dopts.page_token_key = page_token_key;
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
  auto server = HttpServer::start(ho, [&dispatcher, &console, &metrics, v = verifier.get()](
                                         HttpRequest req, std::function<void(HttpResponse)> respond) {
    const bool metrics_page = req.method == "GET" && (req.target == "/metrics" || req.target.rfind("/metrics?", 0) == 0);
    if (v && (metrics_page || Console::wants(req)) && !v->basic_ok(req.header("Authorization"))) {
      return respond(basic_challenge());
    }
    if (v && !metrics_page && !Console::wants(req) && req.method == "POST") {
      if (auto f = v->verify(req.method, req.target, req.headers, req.body, now_ms())) {
        return respond(auth_failure(*f));
      }
    }
    if (metrics_page) {
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
    const std::string* header = req.header("X-Amz-Target");
    std::string target = header ? *header : std::string();
    const auto t0 = std::chrono::steady_clock::now();
    dispatcher.handle(target, req.body, [respond, target, t0](ApiResponse r) {
      std::string id = request_id();
      log_request(target, r, id, t0);
      respond(to_http(r, std::move(id)));
    });
  });
  if (!server.ok()) {
    log::error(server.status().message());
    return 1;
  }
  if (o.worker_port >= 0) {
    const std::string workers = std::string(o.worker_tls_cert.empty() ? "tcp" : "tls") + "://" + o.bind + ":" +
                                std::to_string((*runtime)->worker_port());
    log::info("workers on " + workers, {{"address", workers}});
  }
  const std::string api = std::string(o.tls_cert.empty() ? "http" : "https") + "://" + o.bind + ":" +
                          std::to_string((*server)->port());
  log::info("listening on " + api + " (data in " + o.data_dir + ")", {{"address", api}, {"data", o.data_dir}});
  int sig = 0;
  sigwait(&signals, &sig);
  log::info(std::string(sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", draining");
  (*server)->stop();
  log::info("stopped");
  return 0;
}

}  // namespace stepd::api
