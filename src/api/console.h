#pragma once
// stepd::api::Console: the web console on the API's port (issue #8). It
// serves the built front end (src/console, built by Vite) at `/`, a JSON
// API for it under `/console/api/` (documented in README.md, "Web
// console"), and a live feed of history events as Server-Sent Events.
//
// Reads go straight to the journal; actions (create, start, stop,
// redrive, validate) go through the Dispatcher, so they behave exactly as
// the Step Functions API does. Beast and CAF stay out of this file and its
// .cpp (they cost ~40 s per TU to compile).
//
// Safe from any thread. One feed thread, started with the Console, polls
// the journal for every open live feed (no thread per feed).

#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "src/api/dispatch.h"
#include "src/api/http_server.h"
#include "src/asl/machine.h"
#include "storage/journal.h"

namespace stepd::api {

struct ConsoleOptions {
  // The built assets (index.html, assets/...). Empty: the directory
  // `console` beside the running executable, where the build puts them.
  std::string assets_dir;
  std::string account = "123456789012";  // in the placeholder role of machines created here
  // How often an open live feed looks for new events (the console shows a
  // state change within 100 ms of its event becoming durable).
  int feed_poll_ms = 20;
  // The runtime, for what lives only in memory (activity queues, pollers,
  // remote workers, a running Map Run's counts); null: the activities page
  // shows the stored ones only, and Map Runs their stored counts.
  // REQUIRES: outlives the Console.
  actors::Runtime* runtime = nullptr;
  // Compiled definitions kept for the replay debugger (by revision).
  std::size_t machine_cache = 32;
};

class Console {
 public:
  // REQUIRES: journal and dispatcher outlive the Console.
  Console(storage::Journal& journal, Dispatcher& dispatcher, ConsoleOptions options);
  ~Console();  // ends every live feed and joins the feed thread
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  // True for the requests the console answers: any GET (assets and the
  // JSON API) and anything under /console/. serve.cpp sends the rest (the
  // AWS API's POST /) to the Dispatcher.
  static bool wants(const HttpRequest& req);

  // Answers one request through `respond` exactly once, now or later.
  void handle(const HttpRequest& req, Respond respond);

  // Where the assets are served from (for the start-up message).
  const std::string& assets_dir() const { return options_.assets_dir; }

  struct Feed;  // one open live feed; public only for console.cpp's helpers

 private:
  void api(const std::string& method, const std::vector<std::string>& path, const std::string& query,
           const std::string& body, Respond respond);
  void asset(const std::string& path, Respond respond);
  void open_feed(const std::string& execution_arn, std::int64_t after, Respond respond);
  void feed_loop();
  HttpResponse activities();  // GET /console/api/activities
  // DescribeMapRun's record: from the runtime (live counts while it runs)
  // when there is one, else as stored. kNotFound: no such Map Run.
  Result<storage::MapRunRecord> map_run(const std::string& map_run_arn);
  // The execution's definition, compiled; kept (LRU) by revision so each
  // step of the replay debugger does not compile it again.
  Result<std::shared_ptr<const asl::StateMachine>> machine_of(const storage::ExecutionRecord& record);
  // True when the feed is over (sent its last event, or its client left).
  bool pump(Feed& feed);

  storage::Journal& journal_;
  Dispatcher& dispatcher_;
  ConsoleOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;  // wakes the feed thread: a new feed, or stop
  std::vector<std::shared_ptr<Feed>> feeds_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                     // GUARDED_BY(mu_)

  using MachineEntry = std::pair<std::string, std::shared_ptr<const asl::StateMachine>>;
  std::mutex cache_mu_;
  std::list<MachineEntry> machines_;  // GUARDED_BY(cache_mu_): most recently used first
  std::unordered_map<std::string, std::list<MachineEntry>::iterator> machine_index_;  // GUARDED_BY(cache_mu_)

  std::thread feed_thread_;                   // last: starts once the rest is built
};

}  // namespace stepd::api
