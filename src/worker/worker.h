#pragma once
// The stepd worker SDK: a program that serves Step Functions activities for
// `stepd serve --worker-port`. The server PUSHES tasks (no polling); the
// handler answers each with succeed() or fail(), from any thread, now or
// later. If this process dies or its connection drops, stepd fails the
// tasks it held with error "stepd.WorkerLost" at once, so the state's
// Retry/Catch decide. This header is the whole API; it includes no CAF.
//
//   auto w = stepd::worker::Worker::connect({"127.0.0.1", 8084}, &err);
//   w->serve({activity_arn}, 8, [](stepd::worker::Task t) { t.succeed(t.input()); }, &err);
//   w->run();  // until stop() or the server is gone
//
// Link the `stepd_worker` library target.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace stepd::worker {

// One task pushed by the server. A cheap copyable handle; safe from any
// thread. Answer it once: succeed() or fail(); later answers are refused.
class Task {
 public:
  const std::string& token() const;  // the task token (as SendTaskSuccess takes)
  const std::string& input() const;  // the state's input, JSON text

  // REQUIRES: output is JSON text. An output that is not JSON is refused
  // by the server (the task keeps waiting; on_refused hears why).
  void succeed(const std::string& output) const;
  // Error and cause as SendTaskFailure takes them (each may be empty).
  void fail(const std::string& error, const std::string& cause) const;
  // SendTaskHeartbeat: restarts the state's HeartbeatSeconds clock.
  void heartbeat() const;

  struct Rep;
  explicit Task(std::shared_ptr<const Rep> rep) : rep_(std::move(rep)) {}

 private:
  std::shared_ptr<const Rep> rep_;
};

// Runs on one of the SDK's threads for each task pushed. It may block (up
// to ConnectOptions::threads of them at a time) or keep the Task and answer
// later. An exception it throws fails the task with "stepd.HandlerError".
using Handler = std::function<void(Task)>;

struct ConnectOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8084;
  // TLS (all three, PEM files): the server's CA must sign this certificate.
  std::string tls_cert, tls_key, tls_ca;
  std::string worker_name;  // in ActivityStarted events; empty: "<hostname>:<pid>"
  std::size_t threads = 2;  // handler threads
  // Hears why the server refused an answer or heartbeat (the task timed out,
  // was stopped, output not JSON); default: prints to stderr.
  std::function<void(const std::string& token, const std::string& why)> on_refused;
};

// A connection to one stepd server. Safe from any thread.
class Worker {
 public:
  // Connects; null with *error set when the server cannot be reached.
  static std::unique_ptr<Worker> connect(const ConnectOptions& options, std::string* error);
  ~Worker();  // stop()s; tasks not answered yet fail on the server as lost
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Registers for `activity_arns`: the server pushes at most `concurrency`
  // unanswered tasks at a time to `handler`. False with *error when refused.
  bool serve(const std::vector<std::string>& activity_arns, std::uint32_t concurrency, Handler handler,
             std::string* error);

  // Blocks until stop() or until the server is gone; false in that last case.
  bool run();
  void stop();

  struct Impl;

 private:
  explicit Worker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stepd::worker
