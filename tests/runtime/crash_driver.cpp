// The process the crash test kills: opens the runtime on a data directory
// (recovering whatever is open there), makes sure a fixed set of
// executions exists, and waits until they have all finished.
//
//   crash_driver DATA_DIR COUNT            run (idempotent; safe to kill at any point)
//   crash_driver DATA_DIR COUNT --dump     print each execution's outcome and history shape as JSON
//
// The machines mix Pass, Wait, Choice loops, Map, Parallel and Retry (with
// mocked Task failures) so a kill lands in every kind of state.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "actors/runtime.h"
#include "src/common/json.h"
#include "storage/lmdb_journal.h"

using namespace stepd;
namespace bj = boost::json;

namespace {

struct Machine {
  const char* name;
  const char* definition;
};

const Machine kMachines[] = {
    {"chain", R"json({"StartAt":"A","States":{
        "A":{"Type":"Pass","Result":{"v":1},"ResultPath":"$.a","Next":"B"},
        "B":{"Type":"Pass","Parameters":{"n.$":"$.n","a.$":"$.a"},"Next":"C"},
        "C":{"Type":"Pass","Next":"D"},"D":{"Type":"Pass","Next":"E"},"E":{"Type":"Succeed"}}})json"},
    {"waits", R"json({"StartAt":"W1","States":{
        "W1":{"Type":"Wait","Seconds":1,"Next":"P"},
        "P":{"Type":"Pass","Result":"after","ResultPath":"$.w","Next":"W2"},
        "W2":{"Type":"Wait","Seconds":1,"End":true}}})json"},
    {"loop", R"json({"StartAt":"Init","States":{
        "Init":{"Type":"Pass","Parameters":{"i":0,"n.$":"$.n"},"Next":"Check"},
        "Check":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericGreaterThanEquals":5,"Next":"Done"}],"Default":"Inc"},
        "Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)","n.$":"$.n"},"Next":"Nap"},
        "Nap":{"Type":"Wait","Seconds":0,"Next":"Check"},
        "Done":{"Type":"Succeed"}}})json"},
    {"fanout", R"json({"StartAt":"M","States":{
        "M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"ItemProcessor":{"StartAt":"IW","States":{
            "IW":{"Type":"Wait","Seconds":1,"Next":"IP"},"IP":{"Type":"Pass","End":true}}},"ResultPath":"$.m","Next":"Par"},
        "Par":{"Type":"Parallel","ResultPath":"$.p","End":true,"Branches":[
            {"StartAt":"X","States":{"X":{"Type":"Wait","Seconds":1,"End":true}}},
            {"StartAt":"Y","States":{"Y":{"Type":"Pass","Result":"y","End":true}}}]}}})json"},
    {"retry", R"json({"StartAt":"T","States":{
        "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
             "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1,"BackoffRate":1,"MaxAttempts":3}],
             "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Caught"}],"End":true},
        "Caught":{"Type":"Pass","End":true}}})json"},
};

// The retry machine's Task fails twice, then answers.
const char* kMocks = R"({"StateMachines":{"retry":{"TestCases":{"crash":{"T":"Flaky"}}}},
  "MockedResponses":{"Flaky":{"0-1":{"Throw":{"Error":"Flaky","Cause":"try again"}},
                              "2-100000":{"Return":{"StatusCode":200,"Payload":"ok"}}}}})";

std::string input_for(int i) {
  return R"({"n":)" + std::to_string(i) + R"(,"items":[1,2,3]})";
}

int fail(const std::string& why) {
  std::fprintf(stderr, "crash_driver: %s\n", why.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return fail("usage: crash_driver DATA_DIR COUNT [--dump]");
  std::string dir = argv[1];
  int count = std::atoi(argv[2]);
  bool dump = argc > 3 && std::string(argv[3]) == "--dump";

  auto journal = storage::open_lmdb_journal(dir, storage::SyncMode::kSync);
  if (!journal.ok()) return fail(journal.status().message());

  if (dump) {
    bj::object out;
    for (int i = 0; i < count; ++i) {
      const Machine& m = kMachines[i % (sizeof kMachines / sizeof kMachines[0])];
      std::string arn = std::string("arn:aws:states:us-east-1:123456789012:execution:") + m.name + ":e" +
                        std::to_string(i);
      auto seq = (*journal)->execution_seq(arn);
      if (!seq.ok()) return fail("missing execution " + arn);
      auto rec = (*journal)->execution(*seq);
      auto events = (*journal)->history(*seq);
      if (!rec.ok() || !events.ok()) return fail("unreadable execution " + arn);
      bj::object o;
      o["status"] = rec->status;
      o["output"] = rec->output;
      bj::array types;
      bool dense = true;
      for (std::size_t k = 0; k < events->size(); ++k) {
        dense = dense && (*events)[k].id == static_cast<std::int64_t>(k + 1);
        types.push_back(bj::string(engine::event_type_name((*events)[k].type)));
      }
      o["dense_ids"] = dense;
      o["types"] = std::move(types);
      out["e" + std::to_string(i)] = std::move(o);
    }
    std::printf("%s\n", json::to_json(out).c_str());
    return 0;
  }

  auto mocks_doc = json::parse(kMocks);
  auto mocks = mock::MockConfig::parse(*mocks_doc);
  if (!mocks.ok()) return fail(mocks.status().message());
  actors::RuntimeOptions o;
  o.journal = journal->get();
  o.mocks = &*mocks;
  o.mock_test_case = "crash";
  // Waits of 1 s passivate, so kills also land on sleeping executions and
  // on wake-ups.
  o.passivate_after_ms = 200;
  o.wake_poll_ms = 100;
  auto rt = actors::Runtime::open(o);
  if (!rt.ok()) return fail(rt.status().message());
  std::vector<std::string> machines;
  for (const auto& m : kMachines) {
    auto arn = (*rt)->create_state_machine(m.name, m.definition);
    if (!arn.ok()) return fail(arn.status().message());
    machines.push_back(*arn);
  }
  for (int i = 0; i < count; ++i) {
    auto arn = (*rt)->start_execution(machines[static_cast<std::size_t>(i) % machines.size()], "e" + std::to_string(i),
                                      input_for(i));
    if (!arn.ok()) return fail(arn.status().message());
  }
  if (!(*rt)->wait_idle(120000)) return fail("executions still running after 120 s");
  std::printf("done\n");
  return 0;
}
