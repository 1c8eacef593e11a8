// HTTP Task round trips: stepd's HTTP client (src/net/http_client.h) and
// the whole integration path (actors/integrations.h) against an in-process
// HttpServer (src/api/http_server.h) on 127.0.0.1.
//
//   case     what it measures
//   client   HttpClient::request round trips, kInFlight at a time over the
//            pooled keep-alive connections: round trips/s and ns per trip
//   task     Integrations::invoke of an http:invoke Task (parameters to
//            request, response to a TaskSucceeded fact with parsed JSON),
//            kInFlight at a time
//   close    as client, but every request says "Connection: close": no
//            pooling, a new TCP connection per trip (the ratio pooling buys)
//
// A request is a 96-byte POST; the handler answers on its thread with a
// small JSON body. Client and server share the machine's cores. The ratio on
// each line is its round trips/s over client's.
//
//   usage: http_task_bench [case...]     (default: all)

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/integrations.h"
#include "src/api/http_server.h"
#include "src/common/json.h"
#include "src/net/http_client.h"

using namespace stepd;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kSeconds = 2.0;            // each case runs this long
constexpr std::size_t kServerThreads = 1;   // the server's I/O threads
constexpr std::size_t kClientThreads = 1;   // the client's I/O threads
constexpr int kInFlight = 64;               // requests outstanding at once
constexpr std::size_t kMaxConnections = 64; // per host, the client's pool cap
const std::string kBody(96, 'x');           // request body
const char kAnswer[] = R"({"ok":true,"n":42})";

// Keeps kInFlight operations going for kSeconds; `start(done)` launches one,
// which calls done(ok) when finished. Returns {completed, failed, seconds}.
struct Run {
  long completed = 0, failed = 0;
  double seconds = 0;
};

Run drive(const std::function<void(std::function<void(bool)>)>& start) {
  std::mutex mu;
  std::condition_variable cv;
  long completed = 0, failed = 0;
  int outstanding = 0;
  std::atomic<bool> stop{false};
  const auto t0 = Clock::now();
  std::function<void()> launch;
  launch = [&] {
    start([&](bool ok) {
      bool again;
      {
        std::lock_guard<std::mutex> l(mu);
        ++completed;
        failed += ok ? 0 : 1;
        again = !stop;
        if (!again && --outstanding == 0) cv.notify_all();
      }
      if (again) launch();
    });
  };
  {
    std::lock_guard<std::mutex> l(mu);
    outstanding = kInFlight;
  }
  for (int i = 0; i < kInFlight; ++i) launch();
  std::this_thread::sleep_for(std::chrono::duration<double>(kSeconds));
  stop = true;
  std::unique_lock<std::mutex> l(mu);
  cv.wait(l, [&] { return outstanding == 0; });
  Run r;
  r.completed = completed;
  r.failed = failed;
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

void print(const char* name, const Run& r, double peer_rate) {
  double rate = r.completed / r.seconds;
  std::printf("%-7s %9ld trips %9.0f trips/s %8.0f ns/trip  x%.2f  (%ld failed)\n", name, r.completed, rate,
              1e9 / rate, peer_rate > 0 ? rate / peer_rate : 1.0, r.failed);
}

bool wanted(int argc, char** argv, const char* name) {
  if (argc < 2) return true;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  api::HttpServerOptions so;
  so.port = 0;
  so.threads = kServerThreads;
  auto server = api::HttpServer::start(so, [](api::HttpRequest, api::Respond respond) {
    api::HttpResponse r;
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = kAnswer;
    respond(std::move(r));
  });
  if (!server.ok()) {
    std::fprintf(stderr, "server: %s\n", server.status().message().c_str());
    return 1;
  }
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/bench";
  net::HttpClientOptions co;
  co.threads = kClientThreads;
  co.max_connections_per_host = kMaxConnections;
  std::printf("http_task_bench: %d in flight, %zu client / %zu server threads, %.0f s per case\n", kInFlight,
              kClientThreads, kServerThreads, kSeconds);

  double client_rate = 0;
  if (wanted(argc, argv, "client")) {
    auto client = net::HttpClient::start(co);
    if (!client.ok()) return 1;
    net::HttpCall call;
    call.method = "POST";
    call.url = url;
    call.body = kBody;
    Run r = drive([&](std::function<void(bool)> done) {
      (*client)->request(call, [done](net::HttpResult res) { done(res.status == 200); });
    });
    print("client", r, 0);
    client_rate = r.completed / r.seconds;
    std::printf("        %zu connections opened\n", (*client)->connections_opened());
  }
  if (wanted(argc, argv, "task")) {
    auto integrations = actors::Integrations::start(integrations::Config{}, co);
    if (!integrations.ok()) return 1;
    engine::Effect e;
    e.kind = engine::EffectKind::kInvokeTask;
    e.resource = "arn:aws:states:::http:invoke";
    e.payload = boost::json::object{{"ApiEndpoint", url}, {"Method", "POST"}, {"RequestBody", kBody}};
    Run r = drive([&](std::function<void(bool)> done) {
      (*integrations)->invoke(e, [done](engine::Fact f) { done(f.kind == engine::FactKind::kTaskSucceeded); });
    });
    print("task", r, client_rate);
  }
  if (wanted(argc, argv, "close")) {
    auto client = net::HttpClient::start(co);
    if (!client.ok()) return 1;
    net::HttpCall call;
    call.method = "POST";
    call.url = url;
    call.body = kBody;
    call.headers.emplace_back("Connection", "close");
    Run r = drive([&](std::function<void(bool)> done) {
      (*client)->request(call, [done](net::HttpResult res) { done(res.status == 200); });
    });
    print("close", r, client_rate);
    std::printf("        %zu connections opened\n", (*client)->connections_opened());
  }
  return 0;
}
