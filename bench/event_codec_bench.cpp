// Event codec benchmark: engine::Event <-> HistoryEvent FlatBuffer
// (storage/event_codec), the per-event CPU cost of writing and reading history.
//
//   case                   what it measures
//   state_entered_encode   encode(Event, reused builder): a PassStateEntered
//                          with a 200-byte JSON payload, ns/event
//   state_entered_decode   decode(bytes): verify + rebuild that event, ns/event
//   task_scheduled_encode  a TaskScheduled (resourceType, resource, region,
//                          timeout, heartbeat, 120-byte parameters): ns/event
//   task_scheduled_decode  its decode (builds the details JSON object)
//
// Prints one line per case: ns/event, events/s, the stored size, and the ratio
// of decode to encode. The peer is the budget in STACK_NOTES.md section 3
// (a 224-byte FlatBuffers event built in 40 ns, verified in 10 ns) and the
// fold() replay cost in bench/RESULTS.md (~300 ns/event): decoding must stay
// well under the latter so recovery is bound by fold, not by the codec.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "src/engine/event.h"
#include "storage/event_codec.h"

using namespace stepd;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kMinSeconds = 1.0;  // each case loops at least this long, in 5 rounds
constexpr int kBatch = 1000;         // calls between clock reads

// Median over 5 rounds of ns per call of f (the VM's noise is large).
template <class F>
double ns_per_call(F&& f) {
  std::vector<double> rounds;
  for (int round = 0; round < 5; ++round) {
    std::size_t calls = 0;
    auto t0 = Clock::now();
    double elapsed = 0;
    while (elapsed < kMinSeconds / 5) {
      for (int i = 0; i < kBatch; ++i) f();
      calls += kBatch;
      elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    rounds.push_back(elapsed * 1e9 / static_cast<double>(calls));
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds[rounds.size() / 2];
}

// Keeps the optimiser from dropping a result.
volatile std::size_t g_sink = 0;

void run_case(const char* name, const engine::Event& e) {
  flatbuffers::FlatBufferBuilder fbb(1024);
  double enc = ns_per_call([&] {
    storage::encode(e, fbb);
    g_sink = g_sink + fbb.GetSize();
  });
  const std::string bytes = storage::encode(e);
  auto check = storage::decode(bytes);
  if (!check.ok() || engine::to_history_json(*check) != engine::to_history_json(e)) {
    std::fprintf(stderr, "bench: %s does not round-trip: %s\n", name, check.status().message().c_str());
    std::exit(1);
  }
  double dec = ns_per_call([&] {
    auto r = storage::decode(bytes);
    g_sink = g_sink + r->payload.size();
  });
  std::printf("%-15s encode %6.0f ns/event (%5.2f M/s)  decode %6.0f ns/event (%5.2f M/s)  %4zu bytes  decode/encode %.1f\n",
              name, enc, 1e3 / enc, dec, 1e3 / dec, bytes.size(), dec / enc);
}

}  // namespace

int main() {
  // 200 bytes of JSON text, as a state input in the interpreter bench.
  std::string payload = R"({"order":{"id":12345,"customer":"c-778","items":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}],)"
                        R"("total":42.5},"tags":["priority","gift"],"note":"leave at the door"})";
  payload.insert(payload.size() - 1, ",\"pad\":\"" + std::string(200 - payload.size() - 9, 'x') + "\"");
  if (payload.size() != 200 || !boost::json::parse(payload).is_object()) {
    std::fprintf(stderr, "bench: the payload is %zu bytes, not a 200-byte JSON object\n", payload.size());
    return 1;
  }

  engine::Event entered;
  entered.type = engine::EventType::PassStateEntered;
  entered.id = 12;
  entered.previous_event_id = 11;
  entered.timestamp_ms = 1700000000123;
  entered.name = "Transform";
  entered.payload = payload;

  engine::Event scheduled;
  scheduled.type = engine::EventType::TaskScheduled;
  scheduled.id = 13;
  scheduled.previous_event_id = 12;
  scheduled.timestamp_ms = 1700000000124;
  scheduled.details = boost::json::parse(R"({"resourceType":"lambda","resource":"invoke","region":"us-east-1",
      "timeoutInSeconds":30,"heartbeatInSeconds":10})")
                          .as_object();
  scheduled.payload =
      R"({"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:process-order","Payload":{"id":12345}})";

  run_case("state_entered", entered);
  run_case("task_scheduled", scheduled);
  return 0;
}
