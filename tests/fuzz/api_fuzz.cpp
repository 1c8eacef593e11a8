// libFuzzer target: the Step Functions API's request bodies, per action,
// through stepd::api::Dispatcher over a real actors::Runtime on an
// in-memory journal (what `stepd serve` runs, minus HTTP and LMDB).
//
// Each input gets a fresh runtime holding a few resources, so that a crash
// replays from its input alone: state machines "fz" (STANDARD, waits on the
// activity "act"; version 1 and alias "live") and "fx" (EXPRESS), and the
// executions "run" (RUNNING on fz) and "failed" (FAILED on "ff").
//
// Input: up to four requests separated by NUL bytes; in each, byte 0
// picks the action (one of the 37, modulo) and the rest is the JSON body.
// Every answer must come (within 10 s; StartSyncExecution may wait for a
// Wait state), be a JSON object, and not be a 500: stepd's own failure.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "actors/runtime.h"
#include "src/api/dispatch.h"
#include "src/common/json.h"
#include "src/log/log.h"
#include "storage/memory_journal.h"

using namespace stepd;

namespace {

const char* const kActions[] = {
    "CreateStateMachine", "DescribeStateMachine", "UpdateStateMachine", "DeleteStateMachine",
    "ListStateMachines", "PublishStateMachineVersion", "ListStateMachineVersions",
    "DeleteStateMachineVersion", "CreateStateMachineAlias", "DescribeStateMachineAlias",
    "UpdateStateMachineAlias", "DeleteStateMachineAlias", "ListStateMachineAliases",
    "ValidateStateMachineDefinition", "TestState", "StartExecution", "StartSyncExecution", "StopExecution",
    "DescribeExecution", "DescribeStateMachineForExecution", "ListExecutions", "GetExecutionHistory",
    "RedriveExecution", "DescribeMapRun", "ListMapRuns", "UpdateMapRun", "CreateActivity",
    "DescribeActivity", "DeleteActivity", "ListActivities", "GetActivityTask", "SendTaskSuccess",
    "SendTaskFailure", "SendTaskHeartbeat", "TagResource", "UntagResource", "ListTagsForResource"};
constexpr std::size_t kActionCount = sizeof kActions / sizeof kActions[0];
static_assert(kActionCount == 37);

[[noreturn]] void fail(const std::string& what, const std::string& action, std::string_view body) {
  std::fprintf(stderr, "api_fuzz: %s: %s %.*s\n", what.c_str(), action.c_str(), static_cast<int>(body.size()),
               body.data());
  std::abort();
}

struct Answer {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  api::ApiResponse response;
};

// Sends one request and waits for its answer; false when none came in time.
bool call(api::Dispatcher& d, const std::string& action, const std::string& body, api::ApiResponse* out,
          std::chrono::milliseconds wait) {
  auto answer = std::make_shared<Answer>();  // outlives a late answer
  d.handle("AWSStepFunctions." + action, body, [answer](api::ApiResponse r) {
    std::lock_guard<std::mutex> l(answer->mu);
    if (answer->done) std::abort();  // `done` runs exactly once
    answer->done = true;
    answer->response = std::move(r);
    answer->cv.notify_all();
  });
  std::unique_lock<std::mutex> l(answer->mu);
  if (!answer->cv.wait_for(l, wait, [&] { return answer->done; })) return false;
  *out = answer->response;
  return true;
}

void setup(api::Dispatcher& d) {
  const std::string sm = "arn:aws:states:us-east-1:123456789012:stateMachine:";
  const std::string role = R"(,"roleArn":"arn:aws:iam::123456789012:role/r")";
  const std::vector<std::pair<std::string, std::string>> steps = {
      {"CreateActivity", R"({"name":"act"})"},
      {"CreateStateMachine",
       R"({"name":"fz","definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"Next\":\"T\"},)"
       R"(\"T\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:us-east-1:123456789012:activity:act\",)"
       R"(\"End\":true}}}","publish":true)" + role + "}"},
      {"CreateStateMachineAlias",
       R"({"name":"live","routingConfiguration":[{"stateMachineVersionArn":")" + sm + R"(fz:1","weight":100}]})"},
      {"CreateStateMachine",
       R"({"name":"fx","type":"EXPRESS","definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",)"
       R"(\"End\":true}}}")" + role + "}"},
      {"CreateStateMachine",
       R"({"name":"ff","definition":"{\"StartAt\":\"F\",\"States\":{\"F\":{\"Type\":\"Fail\",\"Error\":\"E\"}}}")" +
           role + "}"},
      {"StartExecution", R"({"stateMachineArn":")" + sm + R"(fz","name":"run","input":"{\"a\":1}"})"},
      {"StartExecution", R"({"stateMachineArn":")" + sm + R"(ff","name":"failed"})"},
  };
  for (const auto& [action, body] : steps) {
    api::ApiResponse r;
    if (!call(d, action, body, &r, std::chrono::seconds(10)) || r.status != 200) {
      fail("setup failed: " + r.body, action, body);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  log::configure(log::Level::kError, log::Format::kText);  // no "recovered 0 open executions" per input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 65536) return -1;
  storage::MemoryJournal journal;
  actors::RuntimeOptions ro;
  ro.journal = &journal;
  ro.token_key = "fuzz key";
  ro.passivate_after_ms = 0;
  auto runtime = actors::Runtime::open(ro);
  if (!runtime.ok()) fail("runtime: " + runtime.status().message(), "", "");
  api::DispatcherOptions options;
  options.activity_poll_ms = 20;
  {
    api::Dispatcher d(**runtime, journal, options);
    setup(d);
    std::string_view in(reinterpret_cast<const char*>(data), size);
    for (int n = 0; n < 4 && !in.empty(); ++n) {
      std::size_t end = in.find('\0');
      std::string_view request = in.substr(0, end);
      in = end == std::string_view::npos ? std::string_view() : in.substr(end + 1);
      if (request.empty()) continue;
      const std::string action = kActions[static_cast<unsigned char>(request[0]) % kActionCount];
      const std::string body(request.substr(1));
      api::ApiResponse r;
      if (!call(d, action, body, &r, std::chrono::seconds(10))) {
        if (action == "StartSyncExecution") continue;  // a Wait state may hold it
        fail("no answer in 10 s", action, body);
      }
      if (r.status == 500) fail("internal error " + r.body, action, body);
      auto parsed = json::parse(r.body);
      if (!parsed.ok() || !parsed->is_object()) fail("the answer is not a JSON object: " + r.body, action, body);
    }
  }
  runtime->reset();  // stops the actors before the journal goes
  return 0;
}
