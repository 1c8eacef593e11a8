// Runtime::activity_overview: what the console's activities page shows.
// Tasks queued and handed out per activity, HTTP long polls waiting (the
// remote workers' own polls left out), and the remote workers registered,
// with a worker played by a CAF actor in a second actor system that speaks
// the gateway's protocol (actors/workers.h) as src/worker does.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <catch2/catch.hpp>

#include "actors/runtime.h"
#include "actors/workers.h"
#include "storage/memory_journal.h"

using namespace stepd;

namespace {

const std::string kA = "arn:aws:states:us-east-1:123456789012:activity:overview-a";
const std::string kB = "arn:aws:states:us-east-1:123456789012:activity:overview-b";

std::string task_machine(const std::string& activity) {
  return R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":")" + activity + R"(","End":true}}})";
}

const actors::ActivityOverview::Activity* find(const actors::ActivityOverview& o, const std::string& arn) {
  for (const auto& a : o.activities)
    if (a.arn == arn) return &a;
  return nullptr;
}

// Asks until `ok` holds (the actors answer asynchronously), or 5 s passed.
actors::ActivityOverview wait_for(actors::Runtime& rt, const std::function<bool(const actors::ActivityOverview&)>& ok) {
  actors::ActivityOverview last;
  for (int i = 0; i < 500; ++i) {
    auto o = rt.activity_overview(1000);
    REQUIRE(o.ok());
    last = std::move(o).value();
    if (ok(last)) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return last;
}

}  // namespace

TEST_CASE("activity_overview: queued and started tasks, HTTP pollers, remote workers") {
  storage::MemoryJournal journal;
  actors::RuntimeOptions options;
  options.journal = &journal;
  options.workers = actors::WorkerServerOptions{};  // port 0: the OS picks one
  auto opened = actors::Runtime::open(options);
  INFO(opened.status().message());
  REQUIRE(opened.ok());
  actors::Runtime& rt = **opened;

  SECTION("nothing runs: nothing to show") {
    auto o = rt.activity_overview();
    REQUIRE(o.ok());
    CHECK(o->activities.empty());
    CHECK(o->workers.empty());
  }

  SECTION("tasks, polls and a worker") {
    auto machine = rt.create_state_machine("overview", task_machine(kA));
    REQUIRE(machine.ok());
    REQUIRE(rt.start_execution(*machine, "e1", "{}").ok());
    REQUIRE(rt.start_execution(*machine, "e2", "{}").ok());

    // Two tasks scheduled, nobody polls: both pending.
    auto o = wait_for(rt, [](const auto& o) { return find(o, kA) && find(o, kA)->pending == 2; });
    REQUIRE(find(o, kA));
    CHECK(find(o, kA)->pending == 2);
    CHECK(find(o, kA)->running == 0);
    CHECK(find(o, kA)->http_pollers.empty());

    // An HTTP poll takes one: one pending, one running.
    auto got = std::make_shared<std::optional<actors::Runtime::ActivityTask>>();
    auto got_flag = std::make_shared<std::atomic<bool>>(false);
    rt.get_activity_task(kA, "http-a", 5000, [got, got_flag](std::optional<actors::Runtime::ActivityTask> t) {
      *got = std::move(t);
      got_flag->store(true);
    });
    o = wait_for(rt, [](const auto& o) { return find(o, kA) && find(o, kA)->running == 1; });
    CHECK(find(o, kA)->pending == 1);
    CHECK(find(o, kA)->running == 1);
    REQUIRE(got_flag->load());
    REQUIRE(got->has_value());

    // A long poll on B waits: it is listed by its worker name.
    rt.get_activity_task(kB, "http-b", 20000, [](std::optional<actors::Runtime::ActivityTask>) {});
    o = wait_for(rt, [](const auto& o) { return find(o, kB) && find(o, kB)->http_pollers.size() == 1; });
    REQUIRE(find(o, kB));
    CHECK(find(o, kB)->http_pollers == std::vector<std::string>{"http-b"});
    CHECK(o.workers.empty());

    // A remote worker registers for A and B, two at a time: the pending
    // task of A is pushed to it; its own polls are not HTTP pollers.
    caf::actor_system_config cfg;
    cfg.load<caf::io::middleman>();
    auto system = std::make_unique<caf::actor_system>(cfg);
    caf::actor_system& sys = *system;
    auto gateway = sys.middleman().remote_actor("127.0.0.1", rt.worker_port());
    REQUIRE(gateway);
    std::optional<caf::scoped_actor> worker;
    worker.emplace(sys);
    std::string refused = "no answer";
    (*worker)
        ->request(*gateway, std::chrono::seconds(5), actors::wreg_atom::value, kA + "\n" + kB, std::uint32_t{2},
                  std::string("remote-1"))
        .receive([&](std::string& why) { refused = why; }, [&](caf::error& e) { refused = sys.render(e); });
    REQUIRE(refused.empty());
    std::string pushed;
    (*worker)->receive([&](actors::wtask_atom, std::string& token, std::string&) { pushed = token; },
                       caf::after(std::chrono::seconds(5)) >> [] {});
    REQUIRE_FALSE(pushed.empty());

    o = wait_for(rt, [](const auto& o) {
      return !o.workers.empty() && o.workers[0].held == 1 && find(o, kA) && find(o, kA)->running == 2;
    });
    REQUIRE(o.workers.size() == 1);
    CHECK(o.workers[0].name == "remote-1");
    CHECK(o.workers[0].activity_arns == std::vector<std::string>{kA, kB});
    CHECK(o.workers[0].concurrency == 2);
    CHECK(o.workers[0].held == 1);
    CHECK(o.workers[0].connected);
    CHECK(find(o, kA)->pending == 0);
    CHECK(find(o, kA)->running == 2);
    CHECK(find(o, kA)->http_pollers.empty());  // the worker's poll on A is its own
    REQUIRE(find(o, kB));
    CHECK(find(o, kB)->http_pollers == std::vector<std::string>{"http-b"});

    // The worker's process goes away: the task it held fails
    // (stepd.WorkerLost), and the registration is gone once its polls came back.
    worker.reset();
    gateway = caf::actor();
    system.reset();
    o = wait_for(rt, [](const auto& o) { return o.workers.empty() || !o.workers[0].connected; });
    CHECK((o.workers.empty() || !o.workers[0].connected));
    o = wait_for(rt, [](const auto& o) { return find(o, kA) && find(o, kA)->running == 1; });
    CHECK(find(o, kA)->running == 1);  // only the HTTP poller's task is out now
  }
}
