// Tests for src/net/http_client.h against real servers on 127.0.0.1: our
// own HttpServer, a POSIX-sockets server that counts connections, and an
// HTTPS server (Python) with a certificate made for the test.

#include "src/net/http_client.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "src/api/http_server.h"
#include "tests/net/test_servers.h"

using namespace stepd;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::unique_ptr<net::HttpClient> make_client(net::HttpClientOptions o = {}) {
  auto c = net::HttpClient::start(o);
  REQUIRE(c.ok());
  return std::move(c).value();
}

// One request, waited for (at most 10 s, so a hang fails instead of hanging).
net::HttpResult fetch(net::HttpClient& client, net::HttpCall call) {
  auto p = std::make_shared<std::promise<net::HttpResult>>();
  auto f = p->get_future();
  client.request(std::move(call), [p](net::HttpResult r) { p->set_value(std::move(r)); });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

net::HttpCall get(const std::string& url) {
  net::HttpCall c;
  c.url = url;
  return c;
}

std::unique_ptr<api::HttpServer> serve(api::Handler h, std::size_t threads = 2) {
  api::HttpServerOptions o;
  o.port = 0;
  o.threads = threads;
  o.stop_grace = 100ms;
  auto s = api::HttpServer::start(o, std::move(h));
  REQUIRE(s.ok());
  return std::move(s).value();
}

std::string base(const api::HttpServer& s) { return "http://127.0.0.1:" + std::to_string(s.port()); }

}  // namespace

TEST_CASE("a request gets the server's status, reason, headers and body") {
  auto server = serve([](api::HttpRequest req, api::Respond respond) {
    api::HttpResponse r;
    r.status = 201;
    r.headers.emplace_back("X-Echo-Method", req.method);
    r.headers.emplace_back("X-Echo-Target", req.target);
    r.headers.emplace_back("X-Echo-Host", req.header("host") ? *req.header("host") : "");
    r.body = req.body;
    respond(std::move(r));
  });
  auto client = make_client();
  net::HttpCall c;
  c.method = "POST";
  c.url = base(*server) + "/a/b?x=1";
  c.body = "hello";
  auto r = fetch(*client, c);
  REQUIRE(r.outcome == net::HttpOutcome::kResponse);
  CHECK(r.status == 201);
  CHECK(r.reason == "Created");
  CHECK(r.body == "hello");
  CHECK(*r.header("x-echo-method") == "POST");
  CHECK(*r.header("X-Echo-Target") == "/a/b?x=1");
  CHECK(*r.header("x-echo-host") == "127.0.0.1:" + std::to_string(server->port()));
}

TEST_CASE("sequential requests to one host reuse one keep-alive connection") {
  testing::CountingServer server;
  auto client = make_client();
  for (int i = 0; i < 50; ++i) {
    auto r = fetch(*client, get("http://127.0.0.1:" + std::to_string(server.port()) + "/"));
    REQUIRE(r.outcome == net::HttpOutcome::kResponse);
    REQUIRE(r.body == "ok");
  }
  CHECK(server.accepted() == 1);
  CHECK(client->connections_opened() == 1);
}

TEST_CASE("a pooled connection the server dropped is replaced without failing the request") {
  testing::CountingServer server(/*drop_after_response=*/true);
  auto client = make_client();
  for (int i = 0; i < 5; ++i) {
    auto r = fetch(*client, get("http://127.0.0.1:" + std::to_string(server.port()) + "/"));
    REQUIRE(r.outcome == net::HttpOutcome::kResponse);
    CHECK(r.body == "ok");
    std::this_thread::sleep_for(20ms);  // let the server's close arrive
  }
  CHECK(server.requests() == 5);
}

TEST_CASE("concurrent requests open at most max_connections_per_host connections") {
  auto server = serve([](api::HttpRequest, api::Respond respond) {
    std::thread([respond] {
      std::this_thread::sleep_for(20ms);
      respond(api::HttpResponse{200, {}, "slow"});
    }).detach();
  });
  net::HttpClientOptions o;
  o.max_connections_per_host = 3;
  auto client = make_client(o);
  std::vector<std::future<net::HttpResult>> all;
  for (int i = 0; i < 24; ++i) {
    auto p = std::make_shared<std::promise<net::HttpResult>>();
    all.push_back(p->get_future());
    client->request(get(base(*server) + "/"), [p](net::HttpResult r) { p->set_value(std::move(r)); });
  }
  for (auto& f : all) {
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    auto r = f.get();
    REQUIRE(r.outcome == net::HttpOutcome::kResponse);
    CHECK(r.body == "slow");
  }
  CHECK(client->connections_opened() == 3);
}

TEST_CASE("a server that never answers gives a timeout after the call's timeout") {
  std::mutex mu;
  std::vector<api::Respond> held;  // never called until the end
  auto server = serve([&](api::HttpRequest, api::Respond respond) {
    std::lock_guard<std::mutex> l(mu);
    held.push_back(std::move(respond));
  });
  auto client = make_client();
  auto c = get(base(*server) + "/");
  c.timeout = 200ms;
  auto t0 = Clock::now();
  auto r = fetch(*client, c);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  CHECK(r.outcome == net::HttpOutcome::kTimeout);
  CHECK(ms >= 190);
  CHECK(ms < 2000);

  // The client goes on serving other requests.
  auto fast = serve([](api::HttpRequest, api::Respond respond) { respond(api::HttpResponse{200, {}, "fast"}); });
  auto r2 = fetch(*client, get(base(*fast) + "/"));
  CHECK(r2.body == "fast");
}

TEST_CASE("requests queued behind a full pool time out too") {
  std::mutex mu;
  std::vector<api::Respond> held;
  auto server = serve([&](api::HttpRequest, api::Respond respond) {
    std::lock_guard<std::mutex> l(mu);
    held.push_back(std::move(respond));
  });
  net::HttpClientOptions o;
  o.max_connections_per_host = 1;
  auto client = make_client(o);
  auto first = get(base(*server) + "/");
  first.timeout = 5s;
  client->request(first, [](net::HttpResult) {});
  auto second = get(base(*server) + "/");
  second.timeout = 150ms;
  auto r = fetch(*client, second);
  CHECK(r.outcome == net::HttpOutcome::kTimeout);
}

TEST_CASE("a closed port is a socket error naming the refusal") {
  auto client = make_client();
  auto r = fetch(*client, get("http://127.0.0.1:" + std::to_string(testing::closed_port()) + "/"));
  CHECK(r.outcome == net::HttpOutcome::kSocketError);
  CHECK_THAT(r.error, Catch::Contains("connect") && Catch::Contains("refused"));
}

TEST_CASE("a URL that does not parse is a socket error") {
  auto client = make_client();
  auto r = fetch(*client, get("ftp://example.com/"));
  CHECK(r.outcome == net::HttpOutcome::kSocketError);
  CHECK_THAT(r.error, Catch::Contains("not http"));
}

TEST_CASE("a response body over max_response_body is a socket error") {
  auto server = serve([](api::HttpRequest, api::Respond respond) {
    respond(api::HttpResponse{200, {}, std::string(4096, 'x')});
  });
  net::HttpClientOptions o;
  o.max_response_body = 1024;
  auto client = make_client(o);
  auto r = fetch(*client, get(base(*server) + "/"));
  CHECK(r.outcome == net::HttpOutcome::kSocketError);
  CHECK_THAT(r.error, Catch::Contains("larger than 1024"));
}

TEST_CASE("destroying the client answers the requests still in flight") {
  std::mutex mu;
  std::vector<api::Respond> held;
  auto server = serve([&](api::HttpRequest, api::Respond respond) {
    std::lock_guard<std::mutex> l(mu);
    held.push_back(std::move(respond));
  });
  auto client = make_client();
  auto p = std::make_shared<std::promise<net::HttpResult>>();
  auto f = p->get_future();
  client->request(get(base(*server) + "/"), [p](net::HttpResult r) { p->set_value(std::move(r)); });
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(5ms);
    std::lock_guard<std::mutex> l(mu);
    if (!held.empty()) break;
  }
  client.reset();
  REQUIRE(f.wait_for(1s) == std::future_status::ready);
  auto r = f.get();
  CHECK(r.outcome == net::HttpOutcome::kSocketError);
  CHECK(r.error == "client stopped");
}

TEST_CASE("HTTPS verifies the server's certificate") {
  testing::HttpsServer server;
  if (!server.ok()) {
    WARN("python3 or openssl missing: HTTPS not tested");
    return;
  }
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";

  SECTION("trusted through ca_file: the request goes through") {
    net::HttpClientOptions o;
    o.ca_file = server.cert();
    auto client = make_client(o);
    auto r = fetch(*client, get(url));
    REQUIRE(r.outcome == net::HttpOutcome::kResponse);
    CHECK(r.status == 200);
    CHECK(r.body == R"({"tls":true})");
    auto again = fetch(*client, get(url));
    CHECK(again.status == 200);
    CHECK(client->connections_opened() == 1);
  }
  SECTION("unknown to the system's store: a socket error") {
    auto client = make_client();
    auto r = fetch(*client, get(url));
    CHECK(r.outcome == net::HttpOutcome::kSocketError);
    CHECK_THAT(r.error, Catch::Contains("handshake"));
  }
  SECTION("a name the certificate does not hold: a socket error") {
    net::HttpClientOptions o;
    o.ca_file = server.cert();
    auto client = make_client(o);
    auto r = fetch(*client, get("https://localhost:" + std::to_string(server.port()) + "/"));
    CHECK(r.outcome == net::HttpOutcome::kSocketError);
    CHECK_THAT(r.error, Catch::Contains("handshake"));
  }
  SECTION("verify_peer off: accepted as is") {
    net::HttpClientOptions o;
    o.verify_peer = false;
    auto client = make_client(o);
    auto r = fetch(*client, get(url));
    CHECK(r.status == 200);
  }
}

TEST_CASE("a missing ca_file fails start") {
  net::HttpClientOptions o;
  o.ca_file = "/nonexistent/ca.pem";
  auto c = net::HttpClient::start(o);
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == Code::kIo);
}

TEST_CASE("with several I/O threads, many concurrent requests all complete") {
  testing::CountingServer server;
  net::HttpClientOptions o;
  o.threads = 2;
  o.max_connections_per_host = 8;
  auto client = make_client(o);
  std::mutex mu;
  std::condition_variable cv;
  int ok = 0, answered = 0;
  const int n = 400;
  for (int i = 0; i < n; ++i) {
    auto c = get("http://127.0.0.1:" + std::to_string(server.port()) + "/");
    c.timeout = i % 7 == 0 ? 1ms : 10s;  // some lose the race against their timer
    client->request(c, [&](net::HttpResult r) {
      std::lock_guard<std::mutex> l(mu);
      ++answered;
      ok += r.outcome == net::HttpOutcome::kResponse;
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> l(mu);
  REQUIRE(cv.wait_for(l, 20s, [&] { return answered == n; }));
  CHECK(ok >= n - n / 7 - 1);
  CHECK(client->connections_opened() <= 8 + static_cast<std::size_t>(n / 7) + 1);
}
