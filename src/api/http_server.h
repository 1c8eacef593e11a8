#pragma once
// stepd::api::HttpServer: a small asynchronous HTTP/1.1 server. It knows
// nothing of Step Functions: requests in, responses out, through one Handler.
//
// Boost.Beast stays inside http_server.cpp (a TU that includes it costs ~40 s
// to compile), so this header includes no Boost at all.
//
// What the server does for you:
//   - keep-alive (HTTP/1.1 default, HTTP/1.0 on request); one request at a
//     time per connection (no pipelining: the next request is read only after
//     the response is written);
//   - bodies with Content-Length (or chunked); a body over max_body is answered
//     413 and the connection closed; headers over max_header 431 and closed;
//     malformed requests 400 and closed;
//   - every response carries Content-Length (computed here, whatever the
//     handler set);
//   - connections idle (or stalled mid-request, or not reading our response)
//     for idle_timeout are closed;
//   - an exception anywhere in one connection closes that connection only;
//   - streamed responses (Server-Sent Events): headers first, then the body
//     in pieces as the handler produces them (see HttpStream);
//   - TLS when given a certificate and key (HttpServerOptions::tls_cert).
//
// Lifecycle:
//   start() ──> serving ──stop()──> not accepting; idle connections closed;
//                                   in-flight responses written (up to
//                                   stop_grace) ──> threads joined ──> stopped

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/common/status.h"

namespace stepd::api {

// One request as read off the wire.
struct HttpRequest {
  std::string method;  // as sent, e.g. "POST"
  std::string target;  // the request-target, e.g. "/" or "/path?x=1"
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::string body;

  // The first header named `name` (ASCII case-insensitive), or nullptr.
  // The pointer lives as long as this request and its headers are unchanged.
  const std::string* header(std::string_view name) const;
};

class HttpStream;

// One response to write. Content-Length is always set by the server;
// a handler's Content-Length or Transfer-Encoding header is dropped.
// A "Connection: close" header makes the server close after writing.
struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the response is streamed: the server writes the status and
  // headers (chunked for HTTP/1.1, delimited by the close for HTTP/1.0),
  // then `body` if not empty, and calls `stream` once, on a server thread,
  // with the handle to write the rest. The callback must return quickly
  // (keep the handle; write from anywhere later). The connection closes
  // when the stream ends. (Initialised, so that HttpResponse{status, headers,
  // body} stays warning-free.)
  std::function<void(std::shared_ptr<HttpStream>)> stream = nullptr;
};

// The body of a streamed response, written piece by piece from any thread.
// No thread is held while the stream is open: writes are queued and sent by
// the server's threads. The stream ends when its owner calls close(), the
// client disconnects, the client falls more than max_stream_backlog bytes
// behind, or the server stops; open() then turns false for good.
class HttpStream {
 public:
  virtual ~HttpStream() = default;
  // Queues `data` to send; false (and nothing sent) once the stream has ended.
  virtual bool write(std::string data) = 0;
  // Sends what is queued, ends the body, closes the connection; open() is
  // false from now on. Idempotent.
  virtual void close() = 0;
  virtual bool open() const = 0;
};

// Called on a server thread for each request, possibly on several threads at
// once: it must be safe to call concurrently. It must call `respond` exactly
// once (extra calls are ignored), from any thread, now or later: a long poll
// keeps `respond` and answers later without holding a server thread. If every
// copy of `respond` is destroyed uncalled, or the handler throws before
// responding, the client gets a 500. Calling `respond` after stop() is a
// harmless no-op.
using Respond = std::function<void(HttpResponse)>;
using Handler = std::function<void(HttpRequest, Respond)>;

struct HttpServerOptions {
  std::string bind = "127.0.0.1";  // an IPv4 or IPv6 literal address
  unsigned short port = 8083;      // 0: the OS picks one (see HttpServer::port)
  std::size_t threads = 2;         // server threads running I/O and the handler
  std::size_t max_body = 1 << 20;  // larger bodies get 413
  std::size_t max_header = 64 << 10;  // request line + headers; larger get 431
  // Longer than the 60 s long polls that AWS clients expect (GetActivityTask),
  // so a poll is never cut by the idle timer; no timer runs while a handler
  // holds a request.
  std::chrono::seconds idle_timeout{120};
  // How long stop() waits for handlers that have not yet responded.
  std::chrono::milliseconds stop_grace{5000};
  // A streamed response whose client reads slower than this many bytes
  // behind what was written is cut (its stream ends).
  std::size_t max_stream_backlog = 8 << 20;
  // HTTPS: PEM files of the certificate chain and its private key. Both set:
  // every connection is TLS (1.2 or later), starting with the handshake
  // (under idle_timeout); a client that does not speak TLS is closed. Both
  // empty: plain HTTP. start() fails (InvalidArgument, naming the file)
  // when one is set without the other or a file cannot be used.
  std::string tls_cert, tls_key;
};

// Safe from any thread, except stop() and the destructor: never call them
// from within a Handler (they join the threads that run it).
class HttpServer {
 public:
  // Binds, listens and starts the threads. Errors: InvalidArgument for a bad
  // address or zero threads; Io when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> start(const HttpServerOptions& options,
                                                   Handler handler);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();  // stop()s

  // The bound port (the OS's pick when options.port was 0).
  unsigned short port() const;

  // Graceful: stops accepting, closes idle connections, lets requests in
  // flight get their response (waiting at most stop_grace for handlers),
  // then joins the threads. Idempotent; returns once everything has stopped.
  void stop();

  struct Impl;  // public only so that the .cpp's helpers can name it

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stepd::api
