// The only TU of stepd_net that includes Boost.Beast (see http_client.h).
//
// One Conn per socket, all its work on its own strand:
//
//   (new) resolve ──> connect ──(https)──> handshake ──┐
//                                                      v
//   (pooled) ───────────────────────────────────> write request ──> read response
//                                                                        │
//     ┌── keep-alive: back to the pool, or straight to the next waiter <─┤
//     └── otherwise: closed; a waiter (if any) gets a fresh Conn       <─┘
//
// A pooled Conn that fails before any byte of the response arrived
// (the server closed it while idle) closes, and its request is placed
// once more, on a fresh Conn.
//
// Timeouts. Each Request owns a timer armed at request() for the whole
// exchange. Whoever finishes a Request first (its Conn, or the timer) wins
// the `finished` flag and calls the callback; the timer, when it wins,
// closes the Conn's socket so that its pending operation ends at once.
//
// Lifetimes. Handlers hold shared_ptrs to their Conn and Request; the
// Impl outlives them all (the HttpClient joins the threads before the Impl
// goes), and the io_context is its first member so it is destroyed last.

#include "src/net/http_client.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "src/net/url.h"

namespace stepd::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

HttpResult failure(HttpOutcome outcome, std::string error) {
  HttpResult r;
  r.outcome = outcome;
  r.error = std::move(error);
  return r;
}

class Conn;

// One call from request() until its callback ran.
struct Request {
  Request(HttpClient::Impl* o, asio::any_io_executor ex, HttpCall c, Url u, std::function<void(HttpResult)> d)
      : owner(o), call(std::move(c)), url(std::move(u)), done(std::move(d)), timer(std::move(ex)) {}

  // The first caller wins and runs the callback; later calls return false.
  bool finish(HttpResult r);

  HttpClient::Impl* owner;
  HttpCall call;
  Url url;
  std::function<void(HttpResult)> done;
  asio::steady_timer timer;  // the whole-exchange timeout
  std::atomic<bool> finished{false};
  bool retried = false;  // already re-sent once after a stale pooled connection

  std::mutex mu;
  std::weak_ptr<Conn> conn;  // GUARDED_BY(mu): the Conn carrying it, for the timer
};

std::string pool_key(const Url& u) { return u.scheme + "://" + u.authority(); }

}  // namespace

struct HttpClient::Impl {
  explicit Impl(const HttpClientOptions& o)
      : io(static_cast<int>(o.threads)), work(asio::make_work_guard(io)), tls(ssl::context::tls_client), options(o) {}

  void request(HttpCall call, std::function<void(HttpResult)> done);
  void place(const std::shared_ptr<Request>& r);
  // A Conn is done with its request: `reusable` puts it back in the pool.
  void release(const std::shared_ptr<Conn>& c, bool reusable);
  void stop();

  asio::io_context io;  // first member: destroyed last, after every socket
  asio::executor_work_guard<asio::io_context::executor_type> work;
  ssl::context tls;
  HttpClientOptions options;
  std::vector<std::thread> threads;
  std::atomic<std::size_t> opened{0};

  struct Pool {
    std::vector<std::shared_ptr<Conn>> idle;  // most recently used last
    std::size_t open = 0;                     // idle + busy + connecting
    std::deque<std::shared_ptr<Request>> waiting;
  };
  std::mutex mu;
  bool stopping = false;                                  // GUARDED_BY(mu)
  std::unordered_map<std::string, Pool> pools;            // GUARDED_BY(mu)
  std::unordered_map<Request*, std::weak_ptr<Request>> live;  // GUARDED_BY(mu): callbacks owed
  std::unordered_map<Conn*, std::weak_ptr<Conn>> conns;  // GUARDED_BY(mu): for stop()
};

namespace {

bool Request::finish(HttpResult r) {
  if (finished.exchange(true)) return false;
  {
    std::lock_guard<std::mutex> l(owner->mu);
    owner->live.erase(this);
  }
  auto d = std::move(done);
  done = nullptr;
  d(std::move(r));
  return true;
}

// One connection: plain TCP, or TLS over it. All members touched on its strand.
class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(HttpClient::Impl& impl, const Url& endpoint)
      : impl_(impl),
        key_(pool_key(endpoint)),
        host_(endpoint.host),
        port_(endpoint.port),
        tls_(endpoint.tls()),
        strand_(asio::make_strand(impl.io)),
        stream_(strand_, impl.tls),
        resolver_(strand_) {}

  const std::string& key() const { return key_; }
  Clock::time_point idle_since() const { return idle_since_; }
  void set_idle_since(Clock::time_point t) { idle_since_ = t; }

  // From any thread: carry r on this connection.
  void run(std::shared_ptr<Request> r) {
    asio::post(strand_, [self = shared_from_this(), r = std::move(r)]() mutable { self->begin(std::move(r)); });
  }

  // From any thread: end the exchange of r if this connection still carries
  // it (the timer fired); with r null, whatever is pending (stop, idle reap).
  void abort(const Request* r = nullptr) {
    asio::post(strand_, [self = shared_from_this(), r] {
      if (!r || self->cur_.get() == r) self->close();
    });
  }

 private:
  template <class F>
  void with_stream(F&& f) {
    if (tls_) f(stream_);
    else f(stream_.next_layer());
  }

  void begin(std::shared_ptr<Request> r) {
    cur_ = std::move(r);
    {
      std::lock_guard<std::mutex> l(cur_->mu);
      cur_->conn = weak_from_this();
    }
    if (cur_->finished) return done(connected_);  // timed out on its way here
    build();
    reused_ = connected_;
    if (connected_) return write();
    resolver_.async_resolve(host_, std::to_string(port_),
                            [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type rs) {
                              if (ec) return self->fail("resolve", ec);
                              self->connect(rs);
                            });
  }

  void connect(const tcp::resolver::results_type& rs) {
    stream_.next_layer().async_connect(rs, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return self->fail("connect", ec);
      beast::error_code ignored;
      self->stream_.next_layer().socket().set_option(tcp::no_delay(true), ignored);
      if (!self->tls_) {
        self->connected_ = true;
        return self->write();
      }
      self->handshake();
    });
  }

  void handshake() {
    beast::error_code ec;
    if (impl_.options.verify_peer) {
      asio::ip::make_address(host_, ec);
      // SNI for names only (RFC 6066 forbids literal addresses).
      if (ec && !SSL_set_tlsext_host_name(stream_.native_handle(), host_.c_str()))
        return fail("tls", beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
      stream_.set_verify_callback(ssl::host_name_verification(host_));
    }
    stream_.async_handshake(ssl::stream_base::client, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail("tls handshake", ec);
      self->connected_ = true;
      self->write();
    });
  }

  void build() {
    const HttpCall& c = cur_->call;
    msg_ = {};
    msg_.version(11);
    http::verb v = http::string_to_verb(c.method);
    if (v == http::verb::unknown) msg_.method_string(c.method);
    else msg_.method(v);
    msg_.target(cur_->url.target());
    bool host = false, agent = false;
    for (const auto& [k, val] : c.headers) {
      if (iequals(k, "content-length") || iequals(k, "transfer-encoding")) continue;
      host = host || iequals(k, "host");
      agent = agent || iequals(k, "user-agent");
      msg_.insert(k, val);
    }
    if (!host) msg_.set(http::field::host, cur_->url.authority());
    if (!agent && !impl_.options.user_agent.empty()) msg_.set(http::field::user_agent, impl_.options.user_agent);
    msg_.body() = c.body;
    msg_.prepare_payload();
  }

  void write() {
    with_stream([&](auto& s) {
      http::async_write(s, msg_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return self->fail("write", ec);
        self->read();
      });
    });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(impl_.options.max_response_body);
    if (msg_.method() == http::verb::head) parser_->skip(true);
    with_stream([&](auto& s) {
      http::async_read(s, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
        if (ec) return self->fail("read", ec, n);
        self->complete();
      });
    });
  }

  void complete() {
    auto& res = parser_->get();
    HttpResult r;
    r.outcome = HttpOutcome::kResponse;
    r.status = static_cast<int>(res.result_int());
    r.reason = std::string(res.reason());
    for (const auto& f : res) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    r.body = std::move(res.body());
    const bool reusable = res.keep_alive() && msg_.keep_alive();
    parser_.reset();
    auto req = cur_;
    req->timer.cancel();
    // Back to the pool before the callback runs, so that a request the
    // callback makes finds this connection idle.
    done(reusable);
    req->finish(std::move(r));
  }

  void fail(const char* where, beast::error_code ec, std::size_t read = 0) {
    auto req = cur_;
    // The server may close a pooled connection while it idles; we only learn
    // on reuse. Nothing of an answer came, so send the request once more.
    const bool stale = reused_ && read == 0 && buffer_.size() == 0 &&
                       (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                        ec == asio::error::broken_pipe || ec == asio::error::eof);
    close();
    if (stale && !req->retried && !req->finished) {
      req->retried = true;
      cur_.reset();
      impl_.release(shared_from_this(), false);
      impl_.place(req);
      return;
    }
    req->timer.cancel();
    std::string what = std::string(where) + ": " + ec.message();
    if (ec == http::error::body_limit)
      what = "read: response body larger than " + std::to_string(impl_.options.max_response_body) + " bytes";
    done(false);
    req->finish(failure(HttpOutcome::kSocketError, std::move(what)));
  }

  void done(bool reusable) {
    cur_.reset();
    if (!reusable) close();
    impl_.release(shared_from_this(), reusable);
  }

  void close() {
    beast::error_code ignored;
    resolver_.cancel();
    auto& sock = stream_.next_layer().socket();
    if (sock.is_open()) {
      sock.shutdown(tcp::socket::shutdown_both, ignored);
      sock.close(ignored);
    }
    connected_ = false;
    buffer_.clear();
  }

  HttpClient::Impl& impl_;
  const std::string key_;
  const std::string host_;
  const unsigned short port_;
  const bool tls_;
  asio::strand<asio::io_context::executor_type> strand_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  tcp::resolver resolver_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> msg_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::shared_ptr<Request> cur_;
  bool connected_ = false;
  bool reused_ = false;  // this request went out on a connection that served before
  Clock::time_point idle_since_{};
};

}  // namespace

void HttpClient::Impl::request(HttpCall call, std::function<void(HttpResult)> done) {
  auto url = parse_url(call.url);
  if (!url.ok()) {
    asio::post(io, [done = std::move(done), e = url.status().message()] {
      done(failure(HttpOutcome::kSocketError, e));
    });
    return;
  }
  auto r = std::make_shared<Request>(this, asio::make_strand(io), std::move(call), std::move(url).value(),
                                     std::move(done));
  {
    std::unique_lock<std::mutex> l(mu);
    if (stopping) {  // only while the destructor runs: nothing will run a post now
      l.unlock();
      r->finish(failure(HttpOutcome::kSocketError, "client stopped"));
      return;
    }
    live[r.get()] = r;
  }
  r->timer.expires_after(r->call.timeout);
  r->timer.async_wait([r, timeout = r->call.timeout](beast::error_code ec) {
    if (ec) return;  // cancelled: the request finished first
    std::shared_ptr<Conn> c;
    {
      std::lock_guard<std::mutex> l(r->mu);
      c = r->conn.lock();
    }
    if (r->finish(failure(HttpOutcome::kTimeout, "no complete response within " + std::to_string(timeout.count()) + " ms")) && c)
      c->abort(r.get());
  });
  place(r);
}

void HttpClient::Impl::place(const std::shared_ptr<Request>& r) {
  std::shared_ptr<Conn> c;
  {
    std::lock_guard<std::mutex> l(mu);
    if (stopping) return;  // stop() answers everything still live
    Pool& p = pools[pool_key(r->url)];
    const auto now = Clock::now();
    while (!p.idle.empty()) {
      c = std::move(p.idle.back());
      p.idle.pop_back();
      if (now - c->idle_since() < options.idle_timeout) break;
      --p.open;  // idled too long: the server has likely dropped it
      conns.erase(c.get());
      c->abort();
      c.reset();
    }
    if (!c && p.open < options.max_connections_per_host) {
      ++p.open;
      c = std::make_shared<Conn>(*this, r->url);
      conns[c.get()] = c;
      ++opened;
    }
    if (!c) {
      p.waiting.push_back(r);
      return;
    }
  }
  c->run(r);
}

void HttpClient::Impl::release(const std::shared_ptr<Conn>& c, bool reusable) {
  std::shared_ptr<Request> next;
  std::shared_ptr<Conn> carrier = c;
  {
    std::lock_guard<std::mutex> l(mu);
    Pool& p = pools[c->key()];
    while (!p.waiting.empty() && !next) {
      next = std::move(p.waiting.front());
      p.waiting.pop_front();
      if (next->finished) next.reset();  // timed out while waiting
    }
    if (!reusable) {
      conns.erase(c.get());
      carrier.reset();
      if (next && !stopping) {
        carrier = std::make_shared<Conn>(*this, next->url);
        conns[carrier.get()] = carrier;
        ++opened;
      } else {
        --p.open;
      }
    } else if (!next || stopping) {
      c->set_idle_since(Clock::now());
      p.idle.push_back(c);
      carrier.reset();
    }
  }
  if (next && carrier) carrier->run(std::move(next));
}

void HttpClient::Impl::stop() {
  std::vector<std::shared_ptr<Conn>> open_conns;
  {
    std::lock_guard<std::mutex> l(mu);
    stopping = true;
    for (auto& [p, w] : conns)
      if (auto c = w.lock()) open_conns.push_back(std::move(c));
  }
  for (auto& c : open_conns) c->abort();
  work.reset();
  io.stop();
  for (auto& t : threads)
    if (t.joinable()) t.join();
  std::vector<std::shared_ptr<Request>> owed;
  {
    std::lock_guard<std::mutex> l(mu);
    for (auto& [p, w] : live)
      if (auto r = w.lock()) owed.push_back(std::move(r));
    live.clear();
    pools.clear();
  }
  for (auto& r : owed) r->finish(failure(HttpOutcome::kSocketError, "client stopped"));
}

const std::string* find_header(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return &v;
  return nullptr;
}

HttpClient::HttpClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpClient::~HttpClient() { impl_->stop(); }

std::size_t HttpClient::connections_opened() const { return impl_->opened.load(); }

void HttpClient::request(HttpCall call, std::function<void(HttpResult)> done) {
  impl_->request(std::move(call), std::move(done));
}

Result<std::unique_ptr<HttpClient>> HttpClient::start(const HttpClientOptions& options) {
  if (options.threads == 0) return Status::invalid("HttpClient: threads must be at least 1");
  if (options.max_connections_per_host == 0) return Status::invalid("HttpClient: max_connections_per_host must be at least 1");
  try {
    auto impl = std::make_shared<Impl>(options);
    beast::error_code ec;
    if (options.verify_peer) {
      impl->tls.set_verify_mode(ssl::verify_peer, ec);
      if (!ec) {
        if (options.ca_file.empty()) impl->tls.set_default_verify_paths(ec);
        else impl->tls.load_verify_file(options.ca_file, ec);
      }
    } else {
      impl->tls.set_verify_mode(ssl::verify_none, ec);
    }
    if (ec) return Status::io("HttpClient: cannot load trusted CAs '" + options.ca_file + "': " + ec.message());
    std::unique_ptr<HttpClient> client(new HttpClient(impl));
    Impl* m = impl.get();
    for (std::size_t i = 0; i < options.threads; ++i) {
      m->threads.emplace_back([m] {
        for (;;) {
          try {
            m->io.run();
            return;
          } catch (...) {
            // A throwing callback must not take the client's thread with it.
          }
        }
      });
    }
    return Result<std::unique_ptr<HttpClient>>(std::move(client));
  } catch (const std::exception& e) {
    return Status::internal(std::string("HttpClient: ") + e.what());
  }
}

}  // namespace stepd::net
