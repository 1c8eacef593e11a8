#pragma once
// Servers on 127.0.0.1 for the HTTP client's tests, none with Beast in it:
//   - CountingServer: a POSIX-sockets HTTP/1.1 server that counts the
//     connections it accepted and can drop each one after its response;
//   - HttpsServer: Python's http.server behind TLS, with a certificate made
//     by the openssl command line in a temporary directory;
//   - closed_port(): a port nothing listens on.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/storage/temp_dir.h"

namespace stepd::testing {

inline int listen_loopback(unsigned short* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

// A port that was just free: bound, then closed, so a connect is refused.
inline unsigned short closed_port() {
  unsigned short port = 0;
  int fd = listen_loopback(&port);
  ::close(fd);
  return port;
}

// Answers every request "200 ok" with keep-alive; with drop_after_response
// it closes the connection after each answer, as a server that drops idle
// connections does (without saying "Connection: close").
class CountingServer {
 public:
  explicit CountingServer(bool drop_after_response = false) : drop_(drop_after_response) {
    fd_ = listen_loopback(&port_);
    REQUIRE(fd_ >= 0);
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~CountingServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    std::lock_guard<std::mutex> l(mu_);
    for (auto& t : workers_) t.join();
  }
  unsigned short port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  int requests() const { return requests_.load(); }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++accepted_;
      std::lock_guard<std::mutex> l(mu_);
      workers_.emplace_back([this, c] { serve(c); });
    }
  }

  void serve(int c) {
    std::string in;
    char buf[4096];
    while (!stop_) {
      auto end = in.find("\r\n\r\n");
      if (end == std::string::npos) {
        pollfd p{c, POLLIN, 0};
        if (::poll(&p, 1, 20) <= 0) continue;
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      std::size_t length = 0;
      auto cl = in.find("Content-Length: ");
      if (cl != std::string::npos && cl < end) length = std::stoul(in.substr(cl + 16));
      if (in.size() < end + 4 + length) {
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      in.erase(0, end + 4 + length);
      ++requests_;
      static const char kAnswer[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      if (::write(c, kAnswer, sizeof kAnswer - 1) < 0) break;
      if (drop_) break;
    }
    ::close(c);
  }

  bool drop_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0}, requests_{0};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
};

// An HTTPS server (Python's http.server in a child process) whose
// certificate, made here, names 127.0.0.1 only (not localhost). GET answers
// 200 {"tls":true}. ok() is false when python3 or openssl is missing.
class HttpsServer {
 public:
  HttpsServer() {
    cert_ = dir_.path + "/cert.pem";
    key_ = dir_.path + "/key.pem";
    std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=stepd-test"
                      " -addext subjectAltName=IP:127.0.0.1 -keyout " +
                      key_ + " -out " + cert_ + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) return;
    std::string script = dir_.path + "/server.py";
    std::ofstream(script) << R"(import http.server, os, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = b'{"tls":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(os.getpid(), srv.server_address[1], flush=True)
srv.serve_forever()
)";
    pipe_ = ::popen(("/usr/bin/python3 " + script + " " + cert_ + " " + key_ + " 2>/dev/null").c_str(), "r");
    if (!pipe_) return;
    if (std::fscanf(pipe_, "%d %hu", &pid_, &port_) != 2) pid_ = 0;
  }
  ~HttpsServer() {
    if (pid_ > 0) ::kill(pid_, SIGTERM);
    if (pipe_) ::pclose(pipe_);
  }
  bool ok() const { return pid_ > 0; }
  unsigned short port() const { return port_; }
  const std::string& cert() const { return cert_; }

 private:
  TempDir dir_;
  std::string cert_, key_;
  FILE* pipe_ = nullptr;
  int pid_ = 0;
  unsigned short port_ = 0;
};

}  // namespace stepd::testing
