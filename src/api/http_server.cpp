// The only TU that includes Boost.Beast (see http_server.h for why).
//
// One Session per connection, all its work on its own strand:
//
//   read header ──(Expect: 100-continue)──> write "100 Continue" ─┐
//        │                                                        v
//        └──────────────────────────────────────────────────> read body
//                                                                 │
//   ┌── write response <── respond() posts here <── handler(request, respond)
//   │        │                      (no thread, no timer held meanwhile)
//   │        ├─ keep-alive ──> read header (loop)
//   │        └─ close ───────> shutdown, close
//   └─ bad request: write 400/413/431, then drain briefly and close (a close
//      with unread input sends RST, which can destroy the answer in flight).
//
// A streamed response (HttpResponse::stream) leaves that loop for good:
//
//   write header ──> write queued pieces as they come (one write in flight,
//        │           the rest coalesced) ──close()──> last chunk, close
//        └─ a read stays pending meanwhile: EOF or an error means the client
//           left, and the stream ends (so does a backlog over the limit).
//
// Lifetimes. The io_context must outlive every socket, so nothing that a
// user may keep (the respond callback) owns a Session or the io_context:
// a Responder holds a weak_ptr and posts only while the "gate" is open.
// A Session waiting for its handler keeps itself alive (hold_); stop()
// breaks those self-references once the threads are joined.

#include "src/api/http_server.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace stepd::api {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + ('a' - 'A'));
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + ('a' - 'A'));
    if (x != y) return false;
  }
  return true;
}

// Beyond this much unread input after an error response, stop draining.
constexpr std::size_t kMaxDrain = 4 << 20;
// How long an error response waits for the client to finish sending.
constexpr std::chrono::seconds kDrainTime{2};

// A connection's byte stream: plain TCP, or TLS over it (options.tls_cert).
// One type for both, chosen per connection at run time, so Session and the
// Beast calls on it are written once. Timeouts and close act on the TCP
// layer underneath.
class Stream {
 public:
  using executor_type = beast::tcp_stream::executor_type;

  Stream(tcp::socket socket, ssl::context* tls) {
    if (tls)
      tls_.emplace(std::move(socket), *tls);
    else
      tcp_.emplace(std::move(socket));
  }

  bool is_tls() const { return tls_.has_value(); }
  beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *tcp_; }
  tcp::socket& socket() { return lowest().socket(); }
  executor_type get_executor() { return lowest().get_executor(); }
  template <class Duration>
  void expires_after(Duration d) { lowest().expires_after(d); }
  void expires_never() { lowest().expires_never(); }

  template <class Handler>
  void async_handshake(Handler&& h) {
    tls_->async_handshake(ssl::stream_base::server, std::forward<Handler>(h));
  }
  template <class Buffers, class Handler>
  void async_read_some(const Buffers& b, Handler&& h) {
    if (tls_) return tls_->async_read_some(b, std::forward<Handler>(h));
    tcp_->async_read_some(b, std::forward<Handler>(h));
  }
  template <class Buffers, class Handler>
  void async_write_some(const Buffers& b, Handler&& h) {
    if (tls_) return tls_->async_write_some(b, std::forward<Handler>(h));
    tcp_->async_write_some(b, std::forward<Handler>(h));
  }

 private:
  std::optional<beast::tcp_stream> tcp_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
};

class Session;

// What the server, its sessions and outstanding respond callbacks share.
// It holds no Asio object, so whoever keeps it alive keeps no socket alive.
struct Shared {
  Handler handler;
  HttpServerOptions options;
  std::atomic<bool> stopping{false};  // set once by stop(); read anywhere

  // Held while posting onto the io_context from outside: once gate_open is
  // false (threads joined), nobody touches a Session or the io_context.
  std::mutex gate_mu;
  bool gate_open = true;  // GUARDED_BY(gate_mu)

  std::mutex mu;  // lock order: gate_mu before mu
  std::condition_variable cv;  // signalled when live drops
  std::size_t live = 0;                          // GUARDED_BY(mu): Sessions alive
  std::vector<std::weak_ptr<Session>> sessions;  // GUARDED_BY(mu): for stop()

  std::vector<std::weak_ptr<Session>> snapshot() {
    std::lock_guard<std::mutex> l(mu);
    return sessions;
  }
};

// The handle a streaming handler writes through (HttpStream). Like a
// Responder, it holds no Session: it posts onto its strand while the gate
// is open, and a stream that has ended ignores writes.
struct StreamHandle final : HttpStream {
  StreamHandle(std::weak_ptr<Session> s, std::shared_ptr<Shared> sh)
      : session(std::move(s)), shared(std::move(sh)) {}
  bool write(std::string data) override;
  void close() override;
  bool open() const override { return is_open; }

  // Runs f(session) on the session's strand, unless the server has stopped.
  template <class F>
  void post(F f) noexcept;

  std::weak_ptr<Session> session;
  std::shared_ptr<Shared> shared;
  std::atomic<bool> is_open{true};  // false once the stream ended, for whatever reason
};

// The one-shot answer to one request; shared by every copy of `respond`.
struct Responder {
  Responder(std::weak_ptr<Session> s, std::shared_ptr<Shared> sh)
      : session(std::move(s)), shared(std::move(sh)) {}
  ~Responder();
  void send(HttpResponse r) noexcept;

  std::weak_ptr<Session> session;
  std::shared_ptr<Shared> shared;
  std::atomic<bool> done{false};
};

HttpResponse plain(int status, std::string text) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/plain");
  r.body = std::move(text);
  return r;
}

// One connection. Owned by its pending operation's handler (or by hold_
// while a handler holds its request); all members touched on its strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared, ssl::context* tls)
      : shared_(std::move(shared)), stream_(std::move(socket), tls) {
    std::lock_guard<std::mutex> l(shared_->mu);
    ++shared_->live;
  }
  ~Session() {
    if (feed_) feed_->is_open = false;  // e.g. freed by stop() with its stream open
    {
      std::lock_guard<std::mutex> l(shared_->mu);
      --shared_->live;
    }
    shared_->cv.notify_all();
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

  void start() {
    net::dispatch(executor(), [self = shared_from_this()] {
      self->guarded([&] { self->stream_.is_tls() ? self->handshake() : self->read(); });
    });
  }

  // From any thread: close the connection unless a request is in flight
  // (a stream never finishes by itself: it is ended).
  void stop_if_idle() {
    net::post(executor(), [self = shared_from_this()] {
      if (self->feed_) return self->end_stream();
      if (!self->busy_) self->close();
    });
  }

  // On the strand, from Responder::send.
  void write(HttpResponse r) {
    hold_.reset();
    bool close = !keep_alive_ || shared_->stopping;
    if (r.status < 100 || r.status > 999) r = plain(500, "handler gave an invalid status");
    if (r.stream && !shared_->stopping) return start_stream(std::move(r));
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(r.status));
    for (auto& [name, value] : r.headers) {
      if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) continue;
      // A CR or LF would let a value forge headers; such a header is dropped.
      if (name.empty() || name.find_first_of("\r\n:") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos)
        continue;
      if (iequals(name, "connection")) {
        if (iequals(value, "close")) close = true;
        continue;
      }
      res_.insert(name, value);
    }
    // RFC 9110: these never carry content; Beast refuses to frame one that does.
    if (r.status < 200 || r.status == 204 || r.status == 304) r.body.clear();
    res_.body() = std::move(r.body);
    res_.keep_alive(!close);
    res_.prepare_payload();
    close_after_ = close;
    send_response();
  }

  // On the strand, from StreamHandle: queue one piece of the body.
  void stream_write(std::string data) {
    if (!feed_ || stream_ended_ || stream_closing_ || data.empty()) return;
    if (chunked_) {
      char size[20];
      std::snprintf(size, sizeof size, "%zx\r\n", data.size());
      out_pending_ += size;
      out_pending_ += data;
      out_pending_ += "\r\n";
    } else {
      out_pending_ += data;
    }
    if (out_pending_.size() + out_inflight_.size() > shared_->options.max_stream_backlog) return end_stream();
    if (!writing_) flush();
  }

  // On the strand, from StreamHandle::close: the last piece, then close.
  void stream_finish() {
    if (!feed_ || stream_ended_ || stream_closing_) return;
    stream_closing_ = true;
    if (chunked_) out_pending_ += "0\r\n\r\n";
    if (!writing_) flush();
  }

  // After stop() has joined the threads: break the self-reference.
  void release_hold() { hold_.reset(); }

  // Runs f; any exception closes this connection, and only this one.
  template <class F>
  void guarded(F&& f) noexcept {
    try {
      f();
    } catch (...) {
      close();
    }
  }

 private:
  // TLS: the handshake comes first, under the idle timer (a client that
  // speaks plain HTTP to this port fails it and is closed).
  void handshake() {
    busy_ = false;  // no request yet: stop() may close it as idle
    stream_.expires_after(shared_->options.idle_timeout);
    stream_.async_handshake([self = shared_from_this()](beast::error_code ec) {
      self->guarded([&] {
        if (ec) return self->close();
        self->read();
      });
    });
  }

  void read() {
    busy_ = false;
    if (shared_->stopping) return close();
    parser_.emplace();
    parser_->body_limit(shared_->options.max_body);
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(shared_->options.max_header, UINT32_MAX)));
    stream_.expires_after(shared_->options.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              self->guarded([&] { self->on_header(ec); });
                            });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_error(ec);
    const auto& h = parser_->get();
    auto expect = h.find(http::field::expect);
    if (expect != h.end() && iequals(expect->value(), "100-continue") && !parser_->is_done()) {
      // curl and some SDKs wait (about 1 s) for this before sending a body.
      static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(stream_, net::buffer(kContinue, sizeof kContinue - 1),
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         self->guarded([&] {
                           if (ec) return self->close();
                           self->read_body();
                         });
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->guarded([&] { self->on_read(ec); });
                     });
  }

  void on_error(beast::error_code ec) {
    if (ec == http::error::body_limit) return write_error(413, "request body too large");
    if (ec == http::error::header_limit) return write_error(431, "request header too large");
    // Beast's parser accepts HTTP/1.0 and HTTP/1.1 only.
    if (ec == http::error::bad_version) return write_error(505, "HTTP version not supported");
    // The peer closed or vanished, the idle timer fired, or stop() closed us.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec.category() != http::make_error_code(http::error::bad_method).category())
      return close();
    write_error(400, "malformed request");
  }

  void on_read(beast::error_code ec) {
    if (ec) return on_error(ec);
    busy_ = true;
    stream_.expires_never();  // a long poll may hold the request for 60 s
    auto msg = parser_->release();
    parser_.reset();
    keep_alive_ = msg.keep_alive();
    http11_ = msg.version() >= 11;

    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& f : msg) req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    req.body = std::move(msg.body());

    auto responder = std::make_shared<Responder>(weak_from_this(), shared_);
    hold_ = shared_from_this();
    try {
      shared_->handler(std::move(req), [responder](HttpResponse r) { responder->send(std::move(r)); });
    } catch (...) {
      // Exceptions stop here (STYLE.md): the client gets 500, the server lives on.
      responder->send(plain(500, "internal error"));
    }
  }

  void write_error(int status, std::string text) {
    busy_ = true;
    keep_alive_ = false;
    drain_after_ = true;
    write(plain(status, std::move(text)));
  }

  void send_response() {
    stream_.expires_after(shared_->options.idle_timeout);  // a client that never reads
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->guarded([&] { self->on_write(ec); });
    });
  }

  void on_write(beast::error_code ec) {
    if (ec) return close();
    res_ = {};
    if (drain_after_) return drain();
    if (close_after_) return close();
    read();
  }

  // Half-close, then read and discard what the client is still sending, so
  // that our close sends FIN rather than RST and the client reads our answer.
  void drain() {
    busy_ = false;  // stop() may cut this short
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kDrainTime);
    drain_more();
  }

  void drain_more() {
    stream_.async_read_some(net::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->guarded([&] {
                                self->drained_ += n;
                                if (ec || self->drained_ > kMaxDrain) return self->close();
                                self->drain_more();
                              });
                            });
  }

  void close() noexcept {
    if (feed_) {
      feed_->is_open = false;
      stream_ended_ = true;
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  void start_stream(HttpResponse r) {
    chunked_ = http11_;
    stream_head_.emplace();
    auto& h = *stream_head_;
    h.version(11);
    h.result(static_cast<unsigned>(r.status));
    for (auto& [name, value] : r.headers) {
      if (iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "connection"))
        continue;
      if (name.empty() || name.find_first_of("\r\n:") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos)
        continue;
      h.insert(name, value);
    }
    // The connection ends with the stream: say so, so no client waits to reuse it.
    h.keep_alive(false);
    if (chunked_) h.chunked(true);
    stream_sr_.emplace(h);
    feed_ = std::make_shared<StreamHandle>(weak_from_this(), shared_);
    // A stream may stay open for hours: no idle timer; the pending read
    // below notices a client that leaves, the backlog limit one that stalls.
    stream_.expires_never();
    writing_ = true;
    http::async_write_header(stream_, *stream_sr_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->guarded([&] {
        self->writing_ = false;
        if (ec) return self->end_stream();
        self->flush();
      });
    });
    watch_client();
    if (!r.body.empty()) stream_write(std::move(r.body));
    auto on_stream = std::move(r.stream);
    on_stream(feed_);
  }

  // Reads (and discards) whatever the client sends while we stream: its
  // EOF or reset is how we learn that it left.
  void watch_client() {
    stream_.async_read_some(net::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->guarded([&] {
        if (ec) return self->end_stream();
        self->watch_client();
      });
    });
  }

  // Writes everything queued as one write; closes once finished and drained.
  void flush() {
    if (!feed_ || stream_ended_) return;
    if (out_pending_.empty()) {
      if (stream_closing_) end_stream();
      return;
    }
    out_inflight_.swap(out_pending_);
    out_pending_.clear();
    writing_ = true;
    net::async_write(stream_, net::buffer(out_inflight_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->guarded([&] {
        self->writing_ = false;
        self->out_inflight_.clear();
        if (ec) return self->end_stream();
        self->flush();
      });
    });
  }

  void end_stream() noexcept { close(); }

  std::shared_ptr<Shared> shared_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;  // fresh per request
  http::response<http::string_body> res_;  // lives until its write completes
  std::shared_ptr<Session> hold_;  // self, while a handler holds our request
  bool busy_ = false;         // a request is being handled or answered
  bool keep_alive_ = true;    // of the request being answered
  bool close_after_ = false;  // close once the response is written
  bool drain_after_ = false;  // an error response: drain, then close
  bool http11_ = true;        // of the request being answered
  // A streamed response, from its header on (see the picture at the top).
  std::shared_ptr<StreamHandle> feed_;  // set once streaming; shared with the handler
  std::optional<http::response<http::empty_body>> stream_head_;
  std::optional<http::response_serializer<http::empty_body>> stream_sr_;
  bool chunked_ = true;          // HTTP/1.1 chunks; HTTP/1.0: raw bytes until the close
  bool writing_ = false;         // a header or body write is in flight
  bool stream_closing_ = false;  // close() was called: end once the queue is written
  bool stream_ended_ = false;    // the connection is closed: nothing more is sent
  std::string out_pending_;      // framed bytes waiting for the write in flight
  std::string out_inflight_;     // the bytes of the write in flight
  std::size_t drained_ = 0;
  char scratch_[4096];
};

Responder::~Responder() {
  if (!done) send(plain(500, "handler did not respond"));
}

void Responder::send(HttpResponse r) noexcept {
  if (done.exchange(true)) return;
  try {
    std::lock_guard<std::mutex> l(shared->gate_mu);
    if (!shared->gate_open) return;
    auto s = session.lock();
    if (!s) return;
    net::post(s->executor(), [s, r = std::move(r)]() mutable {
      s->guarded([&] { s->write(std::move(r)); });
    });
  } catch (...) {
    // Only allocation can fail here; the session's stop() path cleans up.
  }
}

template <class F>
void StreamHandle::post(F f) noexcept {
  try {
    std::lock_guard<std::mutex> l(shared->gate_mu);
    if (!shared->gate_open) return;
    auto s = session.lock();
    if (!s) return;
    net::post(s->executor(), [s, f = std::move(f)]() mutable { s->guarded([&] { f(*s); }); });
  } catch (...) {
    // Only allocation can fail here; the stream then ends with its session.
  }
}

bool StreamHandle::write(std::string data) {
  if (!is_open) return false;
  post([data = std::move(data)](Session& s) mutable { s.stream_write(std::move(data)); });
  return true;
}

void StreamHandle::close() {
  is_open = false;  // refuse writes from now on; those queued before still go out
  post([](Session& s) { s.stream_finish(); });
}

// The server's TLS context: TLS 1.2 and later, the certificate chain and
// key from PEM files. Errors name the file that could not be used.
Result<ssl::context> tls_context(const HttpServerOptions& o) {
  if (o.tls_cert.empty() || o.tls_key.empty())
    return Status::invalid("HttpServer: TLS wants both a certificate and a key");
  ssl::context ctx(ssl::context::tls_server);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  beast::error_code ec;
  ctx.use_certificate_chain_file(o.tls_cert, ec);
  if (ec) return Status::invalid("HttpServer: cannot use TLS certificate " + o.tls_cert + ": " + ec.message());
  ctx.use_private_key_file(o.tls_key, ssl::context::pem, ec);
  if (ec) return Status::invalid("HttpServer: cannot use TLS key " + o.tls_key + ": " + ec.message());
  return Result<ssl::context>(std::move(ctx));
}

}  // namespace

const std::string* HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return &v;
  return nullptr;
}

struct HttpServer::Impl {
  explicit Impl(std::size_t threads)
      : io(static_cast<int>(threads)),
        work(net::make_work_guard(io)),
        acceptor(net::make_strand(io)),
        retry(acceptor.get_executor()) {}

  void accept() {
    acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      try {
        on_accept(ec, std::move(socket));
      } catch (...) {
        accept();  // a failure for one connection must not stop accepting
      }
    });
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || shared->stopping) return;
    if (ec) {
      // Out of file descriptors, most likely: back off instead of spinning.
      retry.expires_after(std::chrono::milliseconds(50));
      retry.async_wait([this](beast::error_code e) {
        if (!e && !shared->stopping) accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto s = std::make_shared<Session>(std::move(socket), shared, tls ? &*tls : nullptr);
    bool registered = false;
    {
      std::lock_guard<std::mutex> l(shared->mu);
      // Checked under mu: stop() sets stopping under mu before its snapshot,
      // so a session is either in the snapshot or never starts.
      if (!shared->stopping) {
        auto& v = shared->sessions;
        v.erase(std::remove_if(v.begin(), v.end(), [](auto& w) { return w.expired(); }), v.end());
        v.push_back(s);
        registered = true;
      }
    }
    if (!registered) return;  // ~Session takes mu: outside the lock above
    s->start();
    accept();
  }

  net::io_context io;  // first member: destroyed last, after every socket
  net::executor_work_guard<net::io_context::executor_type> work;
  tcp::acceptor acceptor;
  net::steady_timer retry;  // accept back-off
  std::optional<ssl::context> tls;  // when options.tls_cert is set
  std::shared_ptr<Shared> shared;
  std::vector<std::thread> threads;
  unsigned short port = 0;
  std::mutex stop_mu;
  bool stopped = false;  // GUARDED_BY(stop_mu)
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

unsigned short HttpServer::port() const { return impl_->port; }

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpServerOptions& options,
                                                      Handler handler) {
  if (options.threads == 0) return Status::invalid("HttpServer: threads must be at least 1");
  if (!handler) return Status::invalid("HttpServer: no handler");
  try {
    beast::error_code ec;
    auto address = net::ip::make_address(options.bind, ec);
    if (ec) return Status::invalid("HttpServer: bad bind address '" + options.bind + "': " + ec.message());
    auto impl = std::make_unique<Impl>(options.threads);
    impl->shared = std::make_shared<Shared>();
    impl->shared->handler = std::move(handler);
    impl->shared->options = options;
    if (!options.tls_cert.empty() || !options.tls_key.empty()) {
      auto tls = tls_context(options);
      if (!tls.ok()) return tls.status();
      impl->tls.emplace(std::move(tls).value());
    }

    tcp::endpoint endpoint(address, options.port);
    auto where = options.bind + ":" + std::to_string(options.port);
    auto& a = impl->acceptor;
    a.open(endpoint.protocol(), ec);
    if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(endpoint, ec);
    if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return Status::io("HttpServer: cannot listen on " + where + ": " + ec.message());
    impl->port = a.local_endpoint(ec).port();
    if (ec) return Status::io("HttpServer: " + ec.message());
    impl->accept();

    // Owned before any thread starts, so a failed spawn is still joined by ~HttpServer.
    std::unique_ptr<HttpServer> server(new HttpServer(std::move(impl)));
    Impl* m = server->impl_.get();
    for (std::size_t i = 0; i < options.threads; ++i) {
      m->threads.emplace_back([m] {
        for (;;) {
          try {
            m->io.run();
            return;
          } catch (...) {
            // Every completion handler is guarded; this is a last resort
            // that keeps the thread serving.
          }
        }
      });
    }
    return Result<std::unique_ptr<HttpServer>>(std::move(server));
  } catch (const std::exception& e) {
    return Status::internal(std::string("HttpServer: ") + e.what());
  }
}

void HttpServer::stop() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> stop_lock(m.stop_mu);
  if (m.stopped) return;
  m.stopped = true;
  auto& sh = *m.shared;
  try {
    {
      std::lock_guard<std::mutex> l(sh.mu);
      sh.stopping = true;
    }
    net::post(m.acceptor.get_executor(), [&m] {
      beast::error_code ignored;
      m.acceptor.close(ignored);
      m.retry.cancel();
    });
    for (auto& w : sh.snapshot())
      if (auto s = w.lock()) s->stop_if_idle();
    {
      std::unique_lock<std::mutex> l(sh.mu);
      sh.cv.wait_for(l, sh.options.stop_grace, [&] { return sh.live == 0; });
    }
  } catch (...) {
    // Allocation failure while winding down: fall through to the hard stop.
  }
  m.work.reset();
  m.io.stop();
  for (auto& t : m.threads)
    if (t.joinable()) t.join();
  {
    std::lock_guard<std::mutex> l(sh.gate_mu);
    sh.gate_open = false;
  }
  // Sessions still waiting for a handler: free them now (their sockets close);
  // the rest go with the io_context's queued handlers.
  for (auto& w : sh.snapshot())
    if (auto s = w.lock()) s->release_hold();
}

}  // namespace stepd::api
