// Interpreter benchmark: the pure engine, in memory, one thread.
//
//   case            what it measures
//   pass_chain      a 5-state Pass chain, small payload, history events built
//                   (StateEntered/Exited with JSON text): transitions/s
//   choice_loop     a counter loop through Choice + Pass (~50 transitions per
//                   execution): transitions/s
//   map_100k        an inline Map over 100,000 items with a Pass body (the
//                   25,000-event history limit lifted): wall time per run
//
// Prints one line per case. The peer for these figures is the target in
// issue #2 (500k transitions/s, Map 100k in 1 s); `make bench`
// (bench/run_all.py, issue #7) runs pass_chain side by side with
// aws-local-stepfunctions (bench/peers/asl_bench.mjs).

#include <algorithm>
#include <chrono>
#include <string_view>
#include <vector>
#include <cstdio>
#include <string>

#include "src/asl/machine.h"
#include "src/engine/engine.h"

#include <boost/json/object.hpp>

using namespace stepd;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kMinSeconds = 1.0;  // each case loops at least this long

std::shared_ptr<const asl::StateMachine> compile_or_die(const std::string& def) {
  auto m = asl::compile_text(def);
  if (!m.ok()) {
    std::fprintf(stderr, "bench: bad definition: %s\n", m.status().message().c_str());
    std::exit(1);
  }
  return std::move(m).value();
}

engine::StartParams params(const std::string& input, bool lift_limits = false) {
  engine::StartParams p;
  p.execution_name = "bench";
  p.execution_arn = "arn:aws:states:us-east-1:123456789012:execution:bench:bench";
  p.state_machine_name = "bench";
  p.state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:bench";
  p.role_arn = "arn:aws:iam::123456789012:role/bench";
  p.input_text = input;
  p.start_ms = 1700000000000;
  p.seed = 42;
  if (lift_limits) {  // 100k items exceed AWS's 25,000 events and 256 KiB
    p.max_events = 1 << 30;
    p.max_payload = 1 << 30;
  }
  return p;
}

// Runs executions in 5 rounds of kMinSeconds / 5 each; returns the median
// round's transitions/s (the machine's noise is large on 2 vCPUs).
double transitions_per_second(const std::shared_ptr<const asl::StateMachine>& m, const engine::StartParams& p,
                              std::size_t* events_per_run) {
  std::vector<double> rounds;
  for (int round = 0; round < 5; ++round) {
    std::size_t transitions = 0;
    auto t0 = Clock::now();
    double elapsed = 0;
    while (elapsed < kMinSeconds / 5) {
      for (int i = 0; i < 100; ++i) {
        auto started = engine::start(m, p);
        if (engine::status(*started.state) != engine::ExecutionStatus::kSucceeded) {
          std::fprintf(stderr, "bench: execution did not succeed\n");
          std::exit(1);
        }
        // A transition is a state left: one *StateExited event each.
        for (const auto& e : started.decisions.events) {
          if (std::string_view(engine::event_type_name(e.type)).find("Exited") != std::string_view::npos) {
            ++transitions;
          }
        }
        *events_per_run = started.decisions.events.size();
      }
      elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    rounds.push_back(static_cast<double>(transitions) / elapsed);
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds[rounds.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  // An optional argument runs one case only (for profiling).
  const std::string only = argc > 1 ? argv[1] : "";
  auto wanted = [&](const char* name) { return only.empty() || only == name; };
  const std::string pass_chain = R"json({"StartAt":"P1","States":{
    "P1":{"Type":"Pass","Next":"P2"},
    "P2":{"Type":"Pass","Parameters":{"id.$":"$.id","name.$":"$.name","tags.$":"$.tags"},"Next":"P3"},
    "P3":{"Type":"Pass","Result":{"ok":true},"ResultPath":"$.check","Next":"P4"},
    "P4":{"Type":"Pass","OutputPath":"$","Next":"P5"},
    "P5":{"Type":"Pass","End":true}}})json";
  const std::string small_input = R"({"id":12345,"name":"order-12345","tags":["a","b","c"],"amount":42.5})";

  const std::string choice_loop = R"json({"StartAt":"Init","States":{
    "Init":{"Type":"Pass","Result":0,"ResultPath":"$.n","Next":"Check"},
    "Check":{"Type":"Choice","Choices":[
       {"Variable":"$.n","NumericGreaterThanEquals":24,"Next":"Done"},
       {"And":[{"Variable":"$.kind","StringEquals":"a"},{"Variable":"$.n","NumericLessThan":100}],"Next":"Inc"},
       {"Variable":"$.kind","StringMatches":"b*","Next":"Inc"}],
     "Default":"Done"},
    "Inc":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)","kind.$":"$.kind"},"Next":"Check"},
    "Done":{"Type":"Succeed"}}})json";

  const std::string map_def = R"json({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
    "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}})json";
  std::string items = "{\"items\":[";
  for (int i = 0; i < 100000; ++i) {
    if (i) items += ',';
    items += std::to_string(i);
  }
  items += "]}";

  std::size_t events = 0;
  if (wanted("pass_chain")) {
    auto m1 = compile_or_die(pass_chain);
    double pc = transitions_per_second(m1, params(small_input), &events);
    std::printf("pass_chain   %12.0f transitions/s  %6.0f ns/transition  (%zu events/execution)\n", pc, 1e9 / pc,
                events);
  }
  if (wanted("choice_loop")) {
    auto m2 = compile_or_die(choice_loop);
    double cl = transitions_per_second(m2, params(R"({"kind":"a"})"), &events);
    std::printf("choice_loop  %12.0f transitions/s  %6.0f ns/transition  (%zu events/execution)\n", cl, 1e9 / cl,
                events);
  }
  if (wanted("fold")) {
    // Replay speed: fold() rebuilds a state from its history (recovery,
    // stepd replay). Histories of a Wait + Task + 20-state Pass chain,
    // recorded in three decisions each.
    std::string def = R"json({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"T"},
      "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Next":"P0"},)json";
    for (int i = 0; i < 20; ++i) {
      def += "\"P" + std::to_string(i) + "\":{\"Type\":\"Pass\",";
      def += i == 19 ? std::string("\"End\":true}") : "\"Next\":\"P" + std::to_string(i + 1) + "\"},";
    }
    def += "}}";
    auto m = compile_or_die(def);
    auto p = params(small_input);
    auto live = engine::start(m, p);
    std::vector<engine::Event> history = live.decisions.events;
    auto step = [&](engine::Fact f) {
      auto d = engine::decide(*live.state, f);
      history.insert(history.end(), d.events.begin(), d.events.end());
      return d;
    };
    const auto& timer = live.decisions.effects.at(0);
    engine::Fact fired;
    fired.kind = engine::FactKind::kTimerFired;
    fired.frame = timer.frame;
    fired.token = timer.token;
    fired.now_ms = timer.due_ms;
    auto d = step(fired);
    const auto& task = d.effects.at(0);
    engine::Fact done;
    done.kind = engine::FactKind::kTaskSucceeded;
    done.frame = task.frame;
    done.token = task.token;
    done.output = boost::json::object{{"ok", true}};
    done.now_ms = fired.now_ms + 10;
    step(done);
    std::vector<double> rounds;
    for (int round = 0; round < 5; ++round) {
      std::size_t events = 0;
      auto t0 = Clock::now();
      double elapsed = 0;
      while (elapsed < kMinSeconds / 5) {
        for (int i = 0; i < 100; ++i) {
          auto folded = engine::fold(m, p, history);
          if (!folded.ok()) {
            std::fprintf(stderr, "bench: fold failed: %s\n", folded.status().message().c_str());
            return 1;
          }
          events += history.size();
        }
        elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
      }
      rounds.push_back(static_cast<double>(events) / elapsed);
    }
    std::sort(rounds.begin(), rounds.end());
    std::printf("fold         %12.0f events/s      %6.0f ns/event       (%zu events/history)\n", rounds[2], 1e9 / rounds[2],
                history.size());
  }
  if (!wanted("map_100k")) return 0;

  auto m3 = compile_or_die(map_def);
  double best = 1e9;
  std::size_t map_events = 0;
  for (int run = 0; run < 3; ++run) {
    auto t0 = Clock::now();
    auto started = engine::start(m3, params(items, true));
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (engine::status(*started.state) != engine::ExecutionStatus::kSucceeded) {
      std::fprintf(stderr, "bench: map execution did not succeed\n");
      return 1;
    }
    map_events = started.decisions.events.size();
    best = std::min(best, s);
  }
  std::printf("map_100k     %12.3f s (best of 3)  %zu events\n", best, map_events);
  return 0;
}
