// stepd-echo-worker: serves an activity by returning each task's input as
// its output, optionally after a delay. An example of the worker SDK.
//
//   stepd-echo-worker --connect 127.0.0.1:8084 --activity ARN [--concurrency N] [--delay-ms N]
//                     [--name NAME] [--tls-cert F --tls-key F --tls-ca F]

#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include <CLI/CLI.hpp>

#include "src/worker/worker.h"

int main(int argc, char** argv) {
  CLI::App app{"Returns each activity task's input as its output"};
  std::string connect, name, cert, key, ca;
  std::vector<std::string> activities;
  std::uint32_t concurrency = 4;
  int delay_ms = 0;
  app.add_option("--connect", connect, "HOST:PORT of `stepd serve --worker-port`")->required();
  app.add_option("--activity", activities, "Activity ARN (repeatable)")->required();
  app.add_option("--concurrency", concurrency, "Tasks held at a time (default 4)")->check(CLI::Range(1, 10000));
  app.add_option("--delay-ms", delay_ms, "Wait this long before answering (default 0)")->check(CLI::Range(0, 3600000));
  app.add_option("--name", name, "Worker name in ActivityStarted (default HOST:PID)");
  auto* c = app.add_option("--tls-cert", cert, "TLS client certificate (PEM)");
  app.add_option("--tls-key", key, "TLS private key (PEM)")->needs(c);
  app.add_option("--tls-ca", ca, "CA (PEM) of the server's certificate")->needs(c);
  CLI11_PARSE(app, argc, argv);

  auto colon = connect.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "stepd-echo-worker: --connect wants HOST:PORT\n");
    return 1;
  }
  stepd::worker::ConnectOptions o;
  o.host = connect.substr(0, colon);
  o.port = static_cast<std::uint16_t>(std::stoi(connect.substr(colon + 1)));
  o.tls_cert = cert;
  o.tls_key = key;
  o.tls_ca = ca;
  o.worker_name = name;
  // A delayed answer sleeps in the handler: one thread per task held.
  o.threads = delay_ms > 0 ? concurrency + 1 : 2;

  // SIGTERM / SIGINT stop the worker; blocked before the SDK starts threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::string error;
  auto worker = stepd::worker::Worker::connect(o, &error);
  if (!worker) {
    std::fprintf(stderr, "stepd-echo-worker: %s\n", error.c_str());
    return 1;
  }
  bool ok = worker->serve(activities, concurrency, [delay_ms](stepd::worker::Task t) {
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    t.succeed(t.input());
  }, &error);
  if (!ok) {
    std::fprintf(stderr, "stepd-echo-worker: %s\n", error.c_str());
    return 1;
  }
  std::fprintf(stderr, "stepd-echo-worker: serving %zu activit%s on %s\n", activities.size(),
               activities.size() == 1 ? "y" : "ies", connect.c_str());
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    worker->stop();
  });
  bool served = worker->run();
  if (!served) {
    std::fprintf(stderr, "stepd-echo-worker: the server is gone\n");
    std::_Exit(2);  // the signal waiter still blocks; nothing to flush
  }
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return 0;
}
