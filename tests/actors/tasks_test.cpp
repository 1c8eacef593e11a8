// The runtime's task tokens, activity workers, heartbeats, StopExecution,
// RedriveExecution, sync starts and revision pinning, over an in-memory
// journal.

#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include <catch2/catch.hpp>

#include "actors/runtime.h"
#include "src/common/json.h"
#include "storage/memory_journal.h"

using namespace stepd;

namespace {

const char* kActivityArn = "arn:aws:states:us-east-1:123456789012:activity:work";

std::string activity_machine(const std::string& extra = "") {
  return std::string(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":")") + kActivityArn + "\"" + extra +
         R"(,"End":true}}})";
}

std::unique_ptr<actors::Runtime> open(storage::Journal& j) {
  actors::RuntimeOptions o;
  o.journal = &j;
  auto r = actors::Runtime::open(o);
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::optional<actors::Runtime::ActivityTask> poll(actors::Runtime& rt, std::int64_t timeout_ms = 5000,
                                                  const std::string& worker = "w1") {
  std::promise<std::optional<actors::Runtime::ActivityTask>> p;
  auto f = p.get_future();
  rt.get_activity_task(kActivityArn, worker, timeout_ms, [&p](std::optional<actors::Runtime::ActivityTask> t) {
    p.set_value(std::move(t));
  });
  return f.get();
}

Status answer(const std::function<void(std::function<void(Status)>)>& call) {
  std::promise<Status> p;
  auto f = p.get_future();
  call([&p](Status s) { p.set_value(s); });
  return f.get();
}

Result<storage::ExecutionRecord> record_call(
    const std::function<void(std::function<void(Result<storage::ExecutionRecord>)>)>& call) {
  std::promise<Result<storage::ExecutionRecord>> p;
  auto f = p.get_future();
  call([&p](Result<storage::ExecutionRecord> r) { p.set_value(std::move(r)); });
  return f.get();
}

storage::ExecutionRecord wait_status(storage::Journal& j, const std::string& arn, const std::string& status) {
  auto seq = j.execution_seq(arn);
  REQUIRE(seq.ok());
  for (int i = 0; i < 500; ++i) {
    auto r = j.execution(*seq);
    REQUIRE(r.ok());
    if (r->status == status) return *r;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL("execution did not reach " << status);
  return {};
}

std::vector<std::string> types(storage::Journal& j, const std::string& arn) {
  std::vector<std::string> out;
  auto events = j.history(*j.execution_seq(arn));
  for (const auto& e : *events) out.emplace_back(engine::event_type_name(e.type));
  return out;
}

}  // namespace

TEST_CASE("an activity task goes to a polling worker, and SendTaskSuccess ends it") {
  storage::MemoryJournal journal;
  auto rt = open(journal);
  auto sm = rt->create_state_machine("act", activity_machine());
  REQUIRE(sm.ok());
  // A poll waiting before the task exists gets it when it comes.
  std::promise<std::optional<actors::Runtime::ActivityTask>> early;
  rt->get_activity_task(kActivityArn, "early-worker", 5000,
                        [&early](std::optional<actors::Runtime::ActivityTask> t) { early.set_value(std::move(t)); });
  auto arn = rt->start_execution(*sm, "a1", R"({"x":1})");
  REQUIRE(arn.ok());
  auto task = early.get_future().get();
  REQUIRE(task);
  CHECK(task->input == R"({"x":1})");
  CHECK(rt->authentic_token(task->task_token));
  std::string forged = task->task_token;
  forged[3] = forged[3] == 'a' ? 'b' : 'a';
  CHECK_FALSE(rt->authentic_token(forged));
  CHECK(answer([&](auto cb) { rt->send_task_success(forged, R"({"done":true})", cb); }).code() == Code::kInvalidArgument);
  CHECK(answer([&](auto cb) { rt->send_task_success(task->task_token, R"({"done":true})", cb); }).ok());
  auto rec = wait_status(journal, *arn, "SUCCEEDED");
  CHECK(rec.output == R"({"done":true})");
  auto t = types(journal, *arn);
  CHECK(t == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
                                      "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"});
  auto events = journal.history(*journal.execution_seq(*arn));
  CHECK(engine::to_history_json((*events)[3], true).at("activityStartedEventDetails").at("workerName") ==
        "early-worker");
  // The token is spent: a second answer finds no task.
  CHECK(answer([&](auto cb) { rt->send_task_success(task->task_token, "{}", cb); }).code() == Code::kNotFound);
}

TEST_CASE("a poll with no task answers nothing after its time; queued tasks wait for workers") {
  storage::MemoryJournal journal;
  auto rt = open(journal);
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(poll(*rt, 100));
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(100));
  auto sm = rt->create_state_machine("act", activity_machine());
  auto a = rt->start_execution(*sm, "first", R"({"n":1})");
  auto b = rt->start_execution(*sm, "second", R"({"n":2})");
  REQUIRE((a.ok() && b.ok()));
  auto t1 = poll(*rt), t2 = poll(*rt);
  REQUIRE((t1 && t2));
  // Queued in the order their executions offered them (not necessarily
  // the order the starts were acknowledged in): match by input.
  if (t1->input != R"({"n":1})") std::swap(t1, t2);
  CHECK(t1->input == R"({"n":1})");
  CHECK(t2->input == R"({"n":2})");
  CHECK(answer([&](auto cb) { rt->send_task_failure(t1->task_token, "Boom", "it broke", cb); }).ok());
  CHECK(answer([&](auto cb) { rt->send_task_success(t2->task_token, "{}", cb); }).ok());
  auto failed = wait_status(journal, *a, "FAILED");
  CHECK(failed.error == std::optional<std::string>("Boom"));
  CHECK(failed.cause == std::optional<std::string>("it broke"));
  wait_status(journal, *b, "SUCCEEDED");
}

TEST_CASE("heartbeats keep a task alive; a missed heartbeat times it out") {
  storage::MemoryJournal journal;
  auto rt = open(journal);
  auto sm = rt->create_state_machine("hb", activity_machine(R"(,"HeartbeatSeconds":1)"));
  REQUIRE(sm.ok());
  auto alive = rt->start_execution(*sm, "alive", "{}");
  REQUIRE(alive.ok());
  auto task = poll(*rt);
  REQUIRE(task);
  // 2.4 s of work with a heartbeat every 0.6 s: longer than HeartbeatSeconds.
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    CHECK(answer([&](auto cb) { rt->send_task_heartbeat(task->task_token, cb); }).ok());
  }
  CHECK(answer([&](auto cb) { rt->send_task_success(task->task_token, R"("ok")", cb); }).ok());
  CHECK(wait_status(journal, *alive, "SUCCEEDED").output == R"("ok")");

  auto silent = rt->start_execution(*sm, "silent", "{}");
  REQUIRE(silent.ok());
  auto task2 = poll(*rt);
  REQUIRE(task2);
  auto rec = wait_status(journal, *silent, "FAILED");
  // AWS records a missed heartbeat as States.Timeout (AWS_REFERENCE §1.8).
  CHECK(rec.error == std::optional<std::string>("States.Timeout"));
  CHECK(answer([&](auto cb) { rt->send_task_heartbeat(task2->task_token, cb); }).code() == Code::kNotFound);
}

TEST_CASE("StopExecution aborts a running execution, also one asleep in a long Wait") {
  storage::MemoryJournal journal;
  actors::RuntimeOptions o;
  o.journal = &journal;
  o.passivate_after_ms = 50;  // the Wait below sleeps without an actor
  o.wake_poll_ms = 10;
  auto opened = actors::Runtime::open(o);
  REQUIRE(opened.ok());
  auto& rt = **opened;
  auto sm = rt.create_state_machine("wait", R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}})");
  auto arn = rt.start_execution(*sm, "sleeper", "{}");
  REQUIRE(arn.ok());
  for (int i = 0; i < 200 && rt.running() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(rt.running() == 0);  // passivated
  auto stopped = record_call([&](auto cb) { rt.stop_execution(*arn, std::string("Halt"), std::string("by test"), cb); });
  INFO(stopped.status().message());
  REQUIRE(stopped.ok());
  CHECK(stopped->status == "ABORTED");
  auto rec = wait_status(journal, *arn, "ABORTED");
  CHECK(rec.error == std::optional<std::string>("Halt"));
  CHECK(types(journal, *arn).back() == "ExecutionAborted");
  // Stopping an ended execution changes nothing and answers its record.
  auto again = record_call([&](auto cb) { rt.stop_execution(*arn, std::nullopt, std::nullopt, cb); });
  REQUIRE(again.ok());
  CHECK(again->stop_ms == rec.stop_ms);
  CHECK(record_call([&](auto cb) { rt.stop_execution("arn:aws:states:us-east-1:1:execution:x:y", {}, {}, cb); })
            .status()
            .code() == Code::kNotFound);
}

TEST_CASE("RedriveExecution continues a failed execution from the failed state") {
  storage::MemoryJournal journal;
  auto rt = open(journal);
  auto sm = rt->create_state_machine(
      "redrive", std::string(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":"before","ResultPath":"$.p","Next":"T"},)") +
                     R"("T":{"Type":"Task","Resource":")" + kActivityArn + R"(","End":true}}})");
  REQUIRE(sm.ok());
  auto arn = rt->start_execution(*sm, "r1", "{}");
  REQUIRE(arn.ok());
  auto t1 = poll(*rt);
  REQUIRE(t1);
  CHECK(answer([&](auto cb) { rt->send_task_failure(t1->task_token, "Flaky", "try again", cb); }).ok());
  wait_status(journal, *arn, "FAILED");
  // Not redrivable while running or after success; this one is.
  auto redriven = record_call([&](auto cb) { rt->redrive_execution(*arn, cb); });
  INFO(redriven.status().message());
  REQUIRE(redriven.ok());
  CHECK(redriven->redrive_count == 1);
  CHECK(redriven->status == "RUNNING");
  auto t2 = poll(*rt);
  REQUIRE(t2);
  CHECK(t2->input == R"({"p":"before"})");  // the failed Task again, with the input it had
  CHECK(answer([&](auto cb) { rt->send_task_success(t2->task_token, R"({"ok":1})", cb); }).ok());
  auto rec = wait_status(journal, *arn, "SUCCEEDED");
  CHECK(rec.redrive_count == 1);
  auto t = types(journal, *arn);
  CHECK(std::count(t.begin(), t.end(), "ExecutionRedriven") == 1);
  CHECK(std::count(t.begin(), t.end(), "PassStateEntered") == 1);  // P did not run again
  auto again = record_call([&](auto cb) { rt->redrive_execution(*arn, cb); });
  CHECK(again.status().error() == "ExecutionNotRedrivable");
}

TEST_CASE("StartSyncExecution answers with the final record, inline or through an actor") {
  storage::MemoryJournal journal;
  auto rt = open(journal);
  auto quick = rt->create_state_machine("quick", R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":7,"End":true}}})",
                                        "EXPRESS");
  auto waits = rt->create_state_machine(
      "waits", R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","Result":8,"End":true}}})",
      "EXPRESS");
  REQUIRE((quick.ok() && waits.ok()));
  for (const auto& [sm, want] : {std::pair{*quick, "7"}, std::pair{*waits, "8"}}) {
    actors::Runtime::StartRequest req;
    req.state_machine_arn = sm;
    req.name = "s";
    auto r = record_call([&](auto cb) { rt->start_sync_execution_async(req, cb); });
    INFO(r.status().message());
    REQUIRE(r.ok());
    CHECK(r->status == "SUCCEEDED");
    CHECK(r->output == want);
    CHECK(r->params.execution_arn.find(":express:") != std::string::npos);
  }
}

TEST_CASE("a running execution keeps its revision when its state machine changes, across a restart") {
  storage::MemoryJournal journal;
  std::string arn;
  {
    auto rt = open(journal);
    auto sm = rt->create_state_machine("pinned", activity_machine());
    REQUIRE(sm.ok());
    auto started = rt->start_execution(*sm, "old", "{}");
    REQUIRE(started.ok());
    arn = *started;
    REQUIRE(poll(*rt));  // the task is out: the execution waits on it
    // Replace the definition (as UpdateStateMachine does: a new revision).
    auto rec = journal.state_machine(*sm);
    REQUIRE(rec.ok());
    rec->definition = R"({"StartAt":"X","States":{"X":{"Type":"Fail","Error":"WrongRevision"}}})";
    rec->revision_id = "r2";
    REQUIRE(journal.put_state_machine(*rec, storage::RevisionRecord{"r2", rec->arn, rec->definition, rec->role_arn, 1}).ok());
  }
  // A new runtime folds the old execution's log with the revision it started with.
  auto rt = open(journal);
  auto task = poll(*rt);
  REQUIRE(task);
  CHECK(answer([&](auto cb) { rt->send_task_success(task->task_token, R"({"v":1})", cb); }).ok());
  CHECK(wait_status(journal, arn, "SUCCEEDED").output == R"({"v":1})");
}

TEST_CASE("executions waiting only for a callback leave memory; SendTaskSuccess wakes them") {
  storage::MemoryJournal journal;
  auto rt = open(journal);
  auto leaf = rt->create_state_machine("leaf", R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})");
  REQUIRE(leaf.ok());
  auto waiter = rt->create_state_machine(
      "waiter", R"({"StartAt":"T","States":{"T":{"Type":"Task",
        "Resource":"arn:aws:states:::states:startExecution.waitForTaskToken",
        "Parameters":{"StateMachineArn":")" + *leaf + R"(","Input":{"token.$":"$$.Task.Token"}},"End":true}}})");
  REQUIRE(waiter.ok());
  constexpr int kWaiters = 40;
  std::vector<std::string> arns;
  for (int i = 0; i < kWaiters; ++i) {
    auto arn = rt->start_execution(*waiter, "w" + std::to_string(i), "{}");
    REQUIRE(arn.ok());
    arns.push_back(*arn);
  }
  // Each child got its parent's token in its input (and ended at once).
  std::vector<std::string> tokens;
  auto children = journal.executions_of(*leaf, 1000, {});
  for (int i = 0; i < 500 && (!children.ok() || children->size() < kWaiters); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    children = journal.executions_of(*leaf, 1000, {});
  }
  REQUIRE(children->size() == kWaiters);
  for (const auto& c : *children) {
    auto input = json::parse(c.params.input_text);
    REQUIRE(input.ok());
    tokens.emplace_back(input->at("token").as_string());
  }
  // Once submitted, no parent keeps an actor.
  for (int i = 0; i < 500 && rt->running() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(rt->running() == 0);
  for (const auto& arn : arns) CHECK(wait_status(journal, arn, "RUNNING").status == "RUNNING");
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    CHECK(answer([&](auto cb) { rt->send_task_success(tokens[i], R"({"n":)" + std::to_string(i) + "}", cb); }).ok());
  }
  for (const auto& arn : arns) {
    auto rec = wait_status(journal, arn, "SUCCEEDED");
    CHECK(rec.output.rfind(R"({"n":)", 0) == 0);
    CHECK(types(journal, arn) == std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "TaskScheduled",
                                                          "TaskStarted", "TaskSubmitted", "TaskSucceeded",
                                                          "TaskStateExited", "ExecutionSucceeded"});
  }
  // A token answered once is gone.
  CHECK(answer([&](auto cb) { rt->send_task_success(tokens[0], "{}", cb); }).code() == Code::kNotFound);
}
