// Tests for src/api/http_server.h, through real sockets on 127.0.0.1.
// The client is a few lines of POSIX sockets: Beast stays out of this TU.

#include "src/api/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace stepd::api;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

struct Reply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string header(const std::string& name) const {
    for (auto& [k, v] : headers)
      if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
    return "";
  }
  bool has_header(const std::string& name) const {
    for (auto& [k, v] : headers)
      if (strcasecmp(k.c_str(), name.c_str()) == 0) return true;
    return false;
  }
};

// A blocking HTTP/1.1 client on one connection. Every read gives up after
// 5 s, so a server that hangs fails the test instead of hanging it.
class Client {
 public:
  explicit Client(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  bool send(const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }

  // One response, or nullopt if the connection closed, failed or timed out.
  std::optional<Reply> read() {
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return std::nullopt;
    Reply r;
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    std::size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      std::size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      std::size_t colon = line.find(':');
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers.emplace_back(line.substr(0, colon), value);
      pos = e + 2;
    }
    std::size_t length = r.has_header("Content-Length") ? std::stoul(r.header("Content-Length")) : 0;
    while (buf_.size() < length)
      if (!fill()) return std::nullopt;
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }

  // Raw bytes up to and including `needle` (for streamed bodies), or
  // nullopt if the connection closed or stalled first.
  std::optional<std::string> read_until(const std::string& needle) {
    std::size_t end;
    while ((end = buf_.find(needle)) == std::string::npos)
      if (!fill()) return std::nullopt;
    std::string out = buf_.substr(0, end + needle.size());
    buf_.erase(0, end + needle.size());
    return out;
  }

  // True if the server closed the connection (EOF or reset) within 5 s.
  bool closed_by_server() {
    char c[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, c, sizeof c, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET || errno == EPIPE;
    }
  }

 private:
  bool fill() {
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string request(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::string& extra_headers = "") {
  return method + " " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Answers "<method> <target> <X-Test header or -> <body>".
void echo(HttpRequest req, Respond respond) {
  const std::string* x = req.header("x-TEST");
  HttpResponse r;
  r.headers.emplace_back("Content-Type", "text/plain");
  r.body = req.method + " " + req.target + " " + (x ? *x : "-") + " " + req.body;
  respond(std::move(r));
}

std::unique_ptr<HttpServer> start(Handler h, HttpServerOptions o = {}) {
  o.port = 0;
  auto s = HttpServer::start(o, std::move(h));
  REQUIRE(s.ok());
  REQUIRE(s.value()->port() != 0);
  return std::move(s).value();
}

// Threads a handler spawns to answer later; joined before the server stops.
struct Deferred {
  std::mutex mu;
  std::vector<std::thread> threads;
  void run(std::function<void()> f) {
    std::lock_guard<std::mutex> l(mu);
    threads.emplace_back(std::move(f));
  }
  void join() {
    std::lock_guard<std::mutex> l(mu);
    for (auto& t : threads) t.join();
    threads.clear();
  }
  ~Deferred() { join(); }
};

}  // namespace

TEST_CASE("two requests on one keep-alive connection are both answered, with Content-Length") {
  auto server = start(echo);
  Client c(server->port());
  REQUIRE(c.connected());

  REQUIRE(c.send(request("POST", "/a?x=1", "hello", "X-Test: yes\r\n")));
  auto r1 = c.read();
  REQUIRE(r1);
  CHECK(r1->status == 200);
  CHECK(r1->body == "POST /a?x=1 yes hello");
  CHECK(r1->header("Content-Length") == "21");
  CHECK(r1->header("Content-Type") == "text/plain");

  REQUIRE(c.send(request("GET", "/b")));
  auto r2 = c.read();
  REQUIRE(r2);
  CHECK(r2->status == 200);
  CHECK(r2->body == "GET /b - ");
}

TEST_CASE("HttpRequest::header ignores case and gives the first match") {
  HttpRequest r;
  r.headers = {{"Content-Type", "a"}, {"X-Amz-Target", "b"}, {"x-amz-target", "c"}};
  REQUIRE(r.header("x-amz-TARGET"));
  CHECK(*r.header("x-amz-TARGET") == "b");
  CHECK(r.header("X-Amz-Targe") == nullptr);
}

TEST_CASE("a response given later from another thread holds no server thread") {
  Deferred later;
  std::atomic<bool> slow_answered{false};
  HttpServerOptions o;
  o.threads = 1;  // with one thread, a held thread would block the second client
  auto server = start(
      [&](HttpRequest req, Respond respond) {
        if (req.target != "/slow") return echo(std::move(req), std::move(respond));
        later.run([&slow_answered, respond] {
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
          slow_answered = true;
          HttpResponse r;
          r.body = "late";
          respond(std::move(r));
        });
      },
      o);

  Client slow(server->port()), fast(server->port());
  auto t0 = Clock::now();
  REQUIRE(slow.send(request("GET", "/slow")));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the slow request is in the handler
  REQUIRE(fast.send(request("GET", "/fast")));
  auto f = fast.read();
  REQUIRE(f);
  CHECK(f->body == "GET /fast - ");
  CHECK_FALSE(slow_answered.load());

  auto s = slow.read();
  REQUIRE(s);
  CHECK(s->status == 200);
  CHECK(s->body == "late");
  CHECK(ms_since(t0) >= 200);

  // The slow connection is still kept alive.
  REQUIRE(slow.send(request("GET", "/again")));
  auto again = slow.read();
  REQUIRE(again);
  CHECK(again->body == "GET /again - ");
  later.join();
}

TEST_CASE("a body over max_body is answered 413 and the connection closed") {
  std::atomic<int> calls{0};
  HttpServerOptions o;
  o.max_body = 1024;
  auto server = start(
      [&](HttpRequest req, Respond respond) {
        ++calls;
        echo(std::move(req), std::move(respond));
      },
      o);

  SECTION("announced by Content-Length, answered before the body is read") {
    Client c(server->port());
    REQUIRE(c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\n\r\n" + std::string(100, 'x')));
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(c.closed_by_server());
    CHECK(calls == 0);
  }
  SECTION("sent in full") {
    Client c(server->port());
    c.send(request("POST", "/", std::string(1025, 'x')));  // may fail part-way: the server closes
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(c.closed_by_server());
    CHECK(calls == 0);
  }
  SECTION("chunked, over the limit only once the chunks add up") {
    Client c(server->port());
    std::string chunk = "200\r\n" + std::string(512, 'x') + "\r\n";
    c.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk + chunk + "0\r\n\r\n");
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(c.closed_by_server());
    CHECK(calls == 0);
  }
  SECTION("exactly max_body is accepted") {
    Client c(server->port());
    REQUIRE(c.send(request("POST", "/", std::string(1024, 'x'))));
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(calls == 1);
  }
}

TEST_CASE("headers over max_header are answered 431 and the connection closed") {
  HttpServerOptions o;
  o.max_header = 1024;
  auto server = start(echo, o);
  Client c(server->port());
  c.send(request("GET", "/", "", "X-Big: " + std::string(2000, 'y') + "\r\n"));
  auto r = c.read();
  REQUIRE(r);
  CHECK(r->status == 431);
  CHECK(c.closed_by_server());
}

TEST_CASE("malformed requests get 400 (or a close) and the server keeps serving") {
  std::atomic<int> calls{0};
  auto server = start([&](HttpRequest req, Respond respond) {
    ++calls;
    echo(std::move(req), std::move(respond));
  });
  std::string random_bytes;
  unsigned x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1103515245u + 12345u;
    random_bytes.push_back(static_cast<char>(x >> 16));
  }
  const std::vector<std::string> bad = {
      std::string("\x00\x01\x02garbage\r\n\r\n", 14),
      "GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
      "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
      "G@T / HTTP/1.1\r\n\r\n",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      random_bytes,
  };
  for (const auto& input : bad) {
    CAPTURE(input.substr(0, 40));
    Client c(server->port());
    REQUIRE(c.connected());
    c.send(input);
    auto r = c.read();
    if (r) CHECK(r->status == 400);
    CHECK(c.closed_by_server());
  }
  CHECK(calls == 0);

  SECTION("an HTTP version other than 1.0 and 1.1 gets 505") {
    Client c(server->port());
    REQUIRE(c.send("GET / HTTP/9.9\r\n\r\n"));
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 505);
    CHECK(c.closed_by_server());
    CHECK(calls == 0);
  }
  SECTION("a client that sends half a request and leaves is harmless") {
    Client c(server->port());
    c.send("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
  }
  Client good(server->port());
  REQUIRE(good.send(request("GET", "/ok")));
  auto r = good.read();
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("8 clients x 200 keep-alive requests are all answered") {
  auto server = start(echo);
  constexpr int kClients = 8, kRequests = 200;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      Client c(server->port());
      for (int j = 0; j < kRequests; ++j) {
        std::string body = std::to_string(i) + ":" + std::to_string(j);
        if (!c.send(request("PUT", "/c", body))) return;
        auto r = c.read();
        if (!r) return;
        if (r->status == 200 && r->body == "PUT /c - " + body) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(ok == kClients * kRequests);
}

TEST_CASE("a handler that throws or never responds gets the client a 500, and the connection lives on") {
  auto server = start([](HttpRequest req, Respond respond) {
    if (req.target == "/throw") throw std::runtime_error("boom");
    if (req.target == "/drop") return;  // respond destroyed uncalled
    if (req.target == "/twice") {
      HttpResponse a, b;
      a.body = "first";
      b.body = "second";
      respond(a);
      respond(b);
      return;
    }
    echo(std::move(req), std::move(respond));
  });
  Client c(server->port());
  for (const char* target : {"/throw", "/drop"}) {
    REQUIRE(c.send(request("GET", target)));
    auto r = c.read();
    REQUIRE(r);
    CHECK(r->status == 500);
  }
  REQUIRE(c.send(request("GET", "/twice")));
  auto r = c.read();
  REQUIRE(r);
  CHECK(r->body == "first");
  REQUIRE(c.send(request("GET", "/after")));
  r = c.read();
  REQUIRE(r);
  CHECK(r->body == "GET /after - ");
}

TEST_CASE("the handler's framing headers are replaced and Connection: close is honored") {
  auto server = start([](HttpRequest, Respond respond) {
    HttpResponse r;
    r.status = 201;
    r.headers = {{"Content-Length", "999"}, {"Transfer-Encoding", "chunked"}, {"Connection", "close"},
                 {"X-Evil", "a\r\nInjected: 1"}, {"X-Ok", "fine"}};
    r.body = "abc";
    respond(std::move(r));
  });
  Client c(server->port());
  REQUIRE(c.send(request("GET", "/")));
  auto r = c.read();
  REQUIRE(r);
  CHECK(r->status == 201);
  CHECK(r->header("Content-Length") == "3");
  CHECK_FALSE(r->has_header("Transfer-Encoding"));
  CHECK_FALSE(r->has_header("Injected"));
  CHECK(r->header("X-Ok") == "fine");
  CHECK(r->body == "abc");
  CHECK(c.closed_by_server());
}

TEST_CASE("HTTP/1.0 without keep-alive is answered then closed") {
  auto server = start(echo);
  Client c(server->port());
  REQUIRE(c.send("GET /old HTTP/1.0\r\n\r\n"));
  auto r = c.read();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "GET /old - ");
  CHECK(c.closed_by_server());
}

TEST_CASE("Expect: 100-continue gets a 100 before the body is sent") {
  auto server = start(echo);
  Client c(server->port());
  REQUIRE(c.send("POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  auto cont = c.read();
  REQUIRE(cont);
  CHECK(cont->status == 100);
  REQUIRE(c.send("body"));
  auto r = c.read();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "POST /e - body");
}

TEST_CASE("an idle connection is closed after idle_timeout") {
  HttpServerOptions o;
  o.idle_timeout = std::chrono::seconds(1);
  auto server = start(echo, o);
  Client c(server->port());
  REQUIRE(c.send(request("GET", "/")));
  REQUIRE(c.read());
  auto t0 = Clock::now();
  CHECK(c.closed_by_server());
  CHECK(ms_since(t0) >= 900);
  CHECK(ms_since(t0) < 3000);
}

TEST_CASE("stop() closes idle connections and returns promptly") {
  auto server = start(echo);  // stop_grace is 5 s: only waiting handlers may use it
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<Client>(server->port()));
    REQUIRE(clients.back()->send(request("GET", "/")));
    REQUIRE(clients.back()->read());
  }
  Client never_sent(server->port());  // connected, nothing sent
  REQUIRE(never_sent.connected());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // accepted

  auto t0 = Clock::now();
  server->stop();
  CHECK(ms_since(t0) < 1000);
  for (auto& c : clients) CHECK(c->closed_by_server());
  CHECK(never_sent.closed_by_server());
  server->stop();  // idempotent
  Client refused(server->port());
  CHECK_FALSE(refused.connected());
}

TEST_CASE("stop() lets a waiting handler answer, and a late respond is harmless") {
  Deferred later;
  Respond kept;
  std::mutex kept_mu;
  auto server = start([&](HttpRequest, Respond respond) {
    {
      std::lock_guard<std::mutex> l(kept_mu);
      kept = respond;
    }
    later.run([respond] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      HttpResponse r;
      r.body = "done";
      respond(std::move(r));
    });
  });
  Client c(server->port());
  REQUIRE(c.send(request("GET", "/wait")));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));

  std::optional<Reply> reply;
  std::thread reader([&] { reply = c.read(); });
  auto t0 = Clock::now();
  server->stop();
  double took = ms_since(t0);
  reader.join();
  REQUIRE(reply);
  CHECK(reply->body == "done");
  CHECK(reply->header("Connection") == "close");
  CHECK(took >= 100);
  CHECK(took < 2000);
  later.join();
  {
    std::lock_guard<std::mutex> l(kept_mu);
    kept(HttpResponse{});  // after stop: ignored
  }
  server.reset();
  kept(HttpResponse{});  // after the server is gone: ignored too
}

TEST_CASE("stop() does not wait past stop_grace for a handler that never answers") {
  Respond kept;
  HttpServerOptions o;
  o.stop_grace = std::chrono::milliseconds(200);
  auto server = start([&](HttpRequest, Respond respond) { kept = std::move(respond); }, o);
  Client c(server->port());
  REQUIRE(c.send(request("GET", "/forever")));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto t0 = Clock::now();
  server->stop();
  CHECK(ms_since(t0) < 1500);
  CHECK(c.closed_by_server());
  server.reset();
  REQUIRE(kept);
  kept(HttpResponse{});  // no server, no crash
}

TEST_CASE("start() reports a bad address or a port in use") {
  HttpServerOptions o;
  o.bind = "not an address";
  auto bad = HttpServer::start(o, echo);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == stepd::Code::kInvalidArgument);

  auto first = start(echo);
  HttpServerOptions same;
  same.port = first->port();
  auto second = HttpServer::start(same, echo);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == stepd::Code::kIo);

  HttpServerOptions zero;
  zero.threads = 0;
  CHECK_FALSE(HttpServer::start(zero, echo).ok());
}

TEST_CASE("start() refuses TLS with half a configuration or a file it cannot use") {
  HttpServerOptions cert_only;
  cert_only.port = 0;
  cert_only.tls_cert = "/nonexistent/server.pem";
  auto a = HttpServer::start(cert_only, echo);
  REQUIRE_FALSE(a.ok());
  CHECK(a.status().code() == stepd::Code::kInvalidArgument);

  HttpServerOptions missing = cert_only;
  missing.tls_key = "/nonexistent/server.key";
  auto b = HttpServer::start(missing, echo);
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().message().find("/nonexistent/server.pem") != std::string::npos);
}

// ------------------------------------------------------------ streaming

namespace {

// Answers every request with a stream, and keeps the handle for the test.
struct Streamer {
  std::mutex mu;
  std::condition_variable cv;
  std::shared_ptr<HttpStream> stream;

  Handler handler(std::string first = "") {
    return [this, first](HttpRequest, Respond respond) {
      HttpResponse r;
      r.headers.emplace_back("Content-Type", "text/event-stream");
      r.headers.emplace_back("Content-Length", "99");  // dropped: a stream has no length
      r.body = first;
      r.stream = [this](std::shared_ptr<HttpStream> s) {
        std::lock_guard<std::mutex> l(mu);
        stream = std::move(s);
        cv.notify_all();
      };
      respond(std::move(r));
    };
  }
  std::shared_ptr<HttpStream> wait() {
    std::unique_lock<std::mutex> l(mu);
    cv.wait_for(l, std::chrono::seconds(5), [&] { return stream != nullptr; });
    return stream;
  }
};

bool becomes_closed(HttpStream& s) {
  for (int i = 0; i < 500 && s.open(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return !s.open();
}

}  // namespace

TEST_CASE("a streamed response sends its headers at once, each piece as written, then the last chunk") {
  Streamer st;
  auto server = start(st.handler("retry: 1000\n\n"));
  Client c(server->port());
  REQUIRE(c.send(request("GET", "/events")));
  auto head = c.read_until("\r\n\r\n");
  REQUIRE(head);
  CHECK(head->rfind("HTTP/1.1 200", 0) == 0);
  CHECK(head->find("Transfer-Encoding: chunked") != std::string::npos);
  CHECK(head->find("Content-Type: text/event-stream") != std::string::npos);
  CHECK(head->find("Content-Length") == std::string::npos);
  CHECK(head->find("Connection: close") != std::string::npos);
  auto first = c.read_until("\n\n\r\n");
  REQUIRE(first);
  CHECK(*first == "d\r\nretry: 1000\n\n\r\n");

  auto s = st.wait();
  REQUIRE(s);
  CHECK(s->open());
  // One piece reaches the client before the next is written.
  auto t0 = Clock::now();
  REQUIRE(s->write("data: 1\n\n"));
  auto one = c.read_until("\n\n\r\n");
  REQUIRE(one);
  CHECK(*one == "9\r\ndata: 1\n\n\r\n");
  CHECK(ms_since(t0) < 500);
  REQUIRE(s->write("data: 2\n\n"));
  REQUIRE(s->write("data: 3\n\n"));
  s->close();
  CHECK_FALSE(s->open());
  CHECK_FALSE(s->write("data: late\n\n"));
  auto rest = c.read_until("0\r\n\r\n");
  REQUIRE(rest);
  // Both pieces written before close() arrive (perhaps as one chunk), then the end.
  CHECK(rest->find("data: 2\n\n") != std::string::npos);
  CHECK(rest->find("data: 3\n\n") != std::string::npos);
  CHECK(rest->find("late") == std::string::npos);
  CHECK(c.closed_by_server());
}

TEST_CASE("a client that leaves ends its stream, and the server keeps serving") {
  Streamer st;
  HttpServerOptions o;
  o.threads = 1;  // an open stream holds no thread: the next client is served
  auto server = start(st.handler(), o);
  auto c = std::make_unique<Client>(server->port());
  REQUIRE(c->send(request("GET", "/events")));
  REQUIRE(c->read_until("\r\n\r\n"));
  auto s = st.wait();
  REQUIRE(s);
  CHECK(s->open());

  st.stream.reset();
  Client other(server->port());
  REQUIRE(other.send(request("GET", "/again")));
  REQUIRE(other.read_until("\r\n\r\n"));
  REQUIRE(st.wait());

  c.reset();  // the first client leaves
  CHECK(becomes_closed(*s));
  CHECK_FALSE(s->write("data: x\n\n"));
}

TEST_CASE("HTTP/1.0 gets a stream without chunks, ended by the close") {
  Streamer st;
  auto server = start(st.handler());
  Client c(server->port());
  REQUIRE(c.send("GET /events HTTP/1.0\r\nHost: test\r\n\r\n"));
  auto head = c.read_until("\r\n\r\n");
  REQUIRE(head);
  CHECK(head->find("Transfer-Encoding") == std::string::npos);
  auto s = st.wait();
  REQUIRE(s);
  s->write("data: raw\n\n");
  s->close();
  auto body = c.read_until("data: raw\n\n");
  REQUIRE(body);
  CHECK(*body == "data: raw\n\n");
  CHECK(c.closed_by_server());
}

TEST_CASE("a client that stops reading is cut once it is max_stream_backlog behind") {
  Streamer st;
  HttpServerOptions o;
  o.max_stream_backlog = 256 << 10;
  auto server = start(st.handler(), o);
  Client c(server->port());  // sends, then never reads again
  REQUIRE(c.send(request("GET", "/events")));
  auto s = st.wait();
  REQUIRE(s);
  const std::string piece(1 << 20, 'x');
  for (int i = 0; i < 200 && s->open(); ++i) {
    s->write(piece);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(becomes_closed(*s));
}

TEST_CASE("stop() ends open streams and returns promptly") {
  Streamer st;
  auto server = start(st.handler());  // stop_grace is 5 s: a stream must not use it
  Client c(server->port());
  REQUIRE(c.send(request("GET", "/events")));
  REQUIRE(c.read_until("\r\n\r\n"));
  auto s = st.wait();
  REQUIRE(s);
  auto t0 = Clock::now();
  server->stop();
  CHECK(ms_since(t0) < 1000);
  CHECK_FALSE(s->open());
  CHECK(c.closed_by_server());
  server.reset();
  CHECK_FALSE(s->write("data: after\n\n"));  // the server is gone: harmless
  s->close();
}
