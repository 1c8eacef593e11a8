// HTTP server benchmark: src/api/http_server.h with an echo handler, and
// the load generator in the same process.
//
//   case   what it measures
//   c1     1 client thread on one keep-alive connection, one request in
//          flight: requests/s and latency (send to last byte read)
//   c16    16 client threads, one keep-alive connection each
//   c64    64 client threads, one keep-alive connection each
//
// A request is a 96-byte POST (the size of a small AWS JSON 1.0 call); the
// handler answers it on the server thread with the same body. The ratio on
// each line is its requests/s over c1's. Client threads share the machine's
// cores with the server's threads, so these are figures for the whole loop.
//
//   usage: http_bench [case...]     (default: all)

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "src/api/http_server.h"

using namespace stepd::api;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kSeconds = 2.0;      // each case runs this long
constexpr std::size_t kServerThreads = 2;  // the server's threads (the machine's cores)
constexpr std::size_t kBodyBytes = 96;     // request body, echoed back

// One keep-alive connection; blocking; returns false on any failure.
class Conn {
 public:
  explicit Conn(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Conn() { ::close(fd_); }

  // Sends `req`, reads one response; true if it was a 200 with the body expected.
  bool round_trip(const std::string& req, std::size_t body_size) {
    if (!ok_) return false;
    if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) return false;
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return false;
    bool good = buf_.compare(0, 12, "HTTP/1.1 200") == 0;
    std::size_t total = end + 4 + body_size;  // the echo's length is known
    while (buf_.size() < total)
      if (!fill()) return false;
    buf_.erase(0, total);
    return good;
  }

 private:
  bool fill() {
    char tmp[8192];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  int fd_;
  bool ok_;
  std::string buf_;
};

struct CaseResult {
  double rps;
  double p50_us, p99_us;
  long errors;
};

CaseResult run(unsigned short port, int connections) {
  std::string body(kBodyBytes, 'x');
  std::string req = "POST / HTTP/1.1\r\nHost: bench\r\nContent-Type: application/x-amz-json-1.0\r\n"
                    "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::vector<std::vector<float>> lat(static_cast<std::size_t>(connections));
  std::atomic<long> errors{0};
  std::atomic<bool> go{false};
  Clock::time_point t_end;
  std::vector<std::thread> threads;
  for (int i = 0; i < connections; ++i) {
    threads.emplace_back([&, i] {
      Conn c(port);
      auto& mine = lat[static_cast<std::size_t>(i)];
      mine.reserve(1 << 16);
      while (!go) std::this_thread::yield();
      while (Clock::now() < t_end) {
        auto t0 = Clock::now();
        if (!c.round_trip(req, body.size())) {
          ++errors;
          return;
        }
        mine.push_back(std::chrono::duration<float, std::micro>(Clock::now() - t0).count());
      }
    });
  }
  auto t0 = Clock::now();
  t_end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kSeconds));
  go = true;
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<float> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : static_cast<double>(all[static_cast<std::size_t>(p * static_cast<double>(all.size() - 1))]);
  };
  return {static_cast<double>(all.size()) / secs, pct(0.50), pct(0.99), errors.load()};
}

}  // namespace

int main(int argc, char** argv) {
  HttpServerOptions o;
  o.port = 0;
  o.threads = kServerThreads;
  auto server = HttpServer::start(o, [](HttpRequest req, Respond respond) {
    HttpResponse r;
    r.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
    r.body = std::move(req.body);
    respond(std::move(r));
  });
  if (!server.ok()) {
    std::fprintf(stderr, "http_bench: %s\n", server.status().message().c_str());
    return 1;
  }
  unsigned short port = (*server)->port();

  std::vector<std::pair<std::string, int>> cases = {{"c1", 1}, {"c16", 16}, {"c64", 64}};
  double base = 0;
  for (auto& [name, conns] : cases) {
    bool wanted = argc < 2;
    for (int i = 1; i < argc; ++i) wanted |= name == argv[i];
    if (!wanted) continue;
    auto r = run(port, conns);
    if (name == "c1") base = r.rps;
    std::printf("%-4s %3d conns  %9.0f req/s  p50 %7.1f us  p99 %8.1f us  ratio %5.2f  errors %ld\n",
                name.c_str(), conns, r.rps, r.p50_us, r.p99_us, base > 0 ? r.rps / base : 0.0, r.errors);
    std::fflush(stdout);
  }
  (*server)->stop();
  return 0;
}
