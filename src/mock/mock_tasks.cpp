#include "src/mock/mock_tasks.h"

namespace stepd::mock {

namespace {

bool ends_with(const std::string& s, const char* suffix) {
  std::string x(suffix);
  return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}

// `.waitForTaskToken` and `.sync` integrations answer twice: the submit
// call (TaskSubmitted), then the result.
bool waits_for_callback(const std::string& resource) {
  return resource.find(":states:::") != std::string::npos &&
         (ends_with(resource, ".waitForTaskToken") || ends_with(resource, ".sync") || ends_with(resource, ".sync:2"));
}

engine::Fact failed(const engine::Effect& task, std::string cause) {
  engine::Fact f;
  f.frame = task.frame;
  f.token = task.token;
  f.kind = engine::FactKind::kTaskFailed;
  f.error = "States.TaskFailed";
  f.cause = std::move(cause);
  return f;
}

}  // namespace

std::vector<engine::Fact> MockTasks::answer(const engine::Effect& task) const {
  std::vector<engine::Fact> out;
  engine::Fact first;
  first.frame = task.frame;
  first.token = task.token;
  if (task.resource.find(":activity:") != std::string::npos) {
    first.kind = engine::FactKind::kTaskStarted;  // a worker takes it: ActivityStarted
    first.worker_name = "stepd-mock";
    out.push_back(first);
  } else if (waits_for_callback(task.resource)) {
    first.kind = engine::FactKind::kTaskSubmitted;
    first.output = boost::json::object();
    out.push_back(first);
  }
  out.push_back(result(task));
  return out;
}

bool MockTasks::mocks(const engine::Effect& task) const {
  if (!config_) return false;
  auto r = config_->response(machine_, test_case_, task.state_name, task.invocation);
  // Mocked state without an answer for this invocation: the mock fails it.
  return !r.ok() || *r != nullptr;
}

engine::Fact MockTasks::result(const engine::Effect& task) const {
  std::int64_t n = task.invocation;
  if (!config_) {
    return failed(task, "no service integrations here: give --mock-config and --test-case to mock the Task state '" +
                            task.state_name + "' (resource " + task.resource + ")");
  }
  auto r = config_->response(machine_, test_case_, task.state_name, n);
  if (!r.ok()) return failed(task, r.status().message());
  const MockedResponse* m = *r;
  if (!m) return failed(task, "test case " + test_case_ + " does not mock the Task state '" + task.state_name + "'");
  engine::Fact f;
  f.frame = task.frame;
  f.token = task.token;
  if (m->is_throw) {
    f.kind = engine::FactKind::kTaskFailed;
    f.error = m->error;
    f.cause = m->cause;
    return f;
  }
  f.kind = engine::FactKind::kTaskSucceeded;
  f.output = m->result;
  // A mocked Lambda answer is the Invoke API's response; a Task naming the
  // function ARN itself gets only the function's Payload, as on AWS (and as
  // Step Functions Local and LocalStack apply such mocks).
  const bool function_arn =
      task.resource.find(":lambda:") != std::string::npos && task.resource.find(":function:") != std::string::npos;
  if (function_arn) {
    if (const auto* o = m->result.if_object()) {
      if (const auto* payload = o->if_contains("Payload")) f.output = *payload;
    }
  }
  return f;
}

}  // namespace stepd::mock
