#pragma once
// stepd::net::HttpClient: an asynchronous HTTP/1.1 client for service
// integrations (HTTP Task, Lambda, AWS JSON APIs). Requests in, one callback
// out per request.
//
// Boost.Beast and Asio stay inside http_client.cpp (a TU that includes them
// costs ~40 s to compile), so this header includes no Boost at all.
//
// What the client does for you:
//   - one pool of connections per (scheme, host, port): a connection whose
//     response allowed keep-alive goes back to the pool and carries the next
//     request; at most max_connections_per_host are open per pool, further
//     requests queue (their timeout runs while they wait);
//   - a pooled connection the server closed while idle is noticed on reuse
//     and the request is sent once more on a fresh connection;
//   - HTTPS through OpenSSL, verifying the server's certificate chain and
//     name (or IP address) by default;
//   - one timeout per request covering everything: waiting for a
//     connection, resolving, connecting, the TLS handshake, writing the
//     request and reading the whole response;
//   - Host, User-Agent and Content-Length are added unless the call has them.
//
// Lifecycle:
//   start() ──> serving ──~HttpClient()──> sockets closed, threads joined,
//                                          callbacks still owed called with
//                                          kSocketError "client stopped"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/common/status.h"

namespace stepd::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The first header named `name` (ASCII case-insensitive), or nullptr. The
// pointer lives as long as `headers` is unchanged.
const std::string* find_header(const Headers& headers, std::string_view name);

// One request to send.
struct HttpCall {
  std::string method = "GET";
  std::string url;  // absolute: http://host[:port]/path?query or https://...
  Headers headers;  // sent in order, names as given
  std::string body;
  std::chrono::milliseconds timeout{60000};  // the whole exchange, queueing included
};

enum class HttpOutcome : unsigned char {
  kResponse,     // the server answered (any status, 1xx aside)
  kSocketError,  // no complete answer: bad URL, DNS, refused, reset, TLS, malformed response
  kTimeout,      // HttpCall::timeout passed first
};

struct HttpResult {
  HttpOutcome outcome = HttpOutcome::kSocketError;
  int status = 0;       // kResponse
  std::string reason;   // kResponse: the reason phrase as sent ("OK")
  Headers headers;      // kResponse: in order, names as sent
  std::string body;     // kResponse
  std::string error;    // otherwise: what went wrong, e.g. "connect: Connection refused"

  const std::string* header(std::string_view name) const { return find_header(headers, name); }
};

struct HttpClientOptions {
  std::size_t threads = 1;  // I/O threads; the callbacks run on them
  std::size_t max_connections_per_host = 64;
  // A pooled connection idle for longer is closed rather than reused (servers
  // drop idle connections; AWS's after about 60 s).
  std::chrono::seconds idle_timeout{30};
  bool verify_peer = true;  // check the HTTPS server's certificate and name
  std::string ca_file;      // PEM file of trusted CAs; empty: the system's store
  std::size_t max_response_body = 16 << 20;  // larger bodies are a kSocketError
  std::string user_agent = "stepd";
};

// Safe from any thread, except the destructor: never destroy the client
// from one of its own callbacks (it joins the threads that run them).
class HttpClient {
 public:
  // Starts the I/O threads. Errors: InvalidArgument for zero threads or
  // connections; Io when ca_file cannot be loaded.
  static Result<std::unique_ptr<HttpClient>> start(const HttpClientOptions& options = {});

  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  // Sends `call`; `done` is called exactly once, on a client thread and
  // never inside request() itself, with the response or what prevented it.
  // `done` should return quickly: it holds up other requests' I/O.
  void request(HttpCall call, std::function<void(HttpResult)> done);

  // How many connections were opened since start (successful or not): the
  // tests' window on pooling.
  std::size_t connections_opened() const;

  struct Impl;  // public only so that the .cpp's helpers can name it

 private:
  explicit HttpClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace stepd::net
