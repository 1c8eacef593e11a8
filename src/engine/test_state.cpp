// test_state(): one state, run by the ordinary interpreter with an
// Inspection attached (src/engine/inspect.h). The request checks follow the
// TestState responses AWS recorded (../shared/conformance/localstack/
// snapshots/test_state), including their wording.

#include "src/engine/test_state.h"

#include <memory>
#include <set>
#include <utility>

#include "src/asl/machine.h"
#include "src/common/json.h"
#include "src/engine/inspect.h"
#include "src/engine/state.h"

namespace stepd::engine {

namespace {

using asl::StateType;

// AWS wraps a lone state as the state "StateName" of a one-state machine:
// its validation messages point at /States/StateName/...
constexpr const char* kLoneStateName = "StateName";

Status validation(std::string message) {
  return Status(Code::kInvalidArgument, std::move(message), "ValidationException");
}
Status invalid_definition(std::string message) {
  return Status(Code::kInvalidArgument, std::move(message), "InvalidDefinition");
}

// The machine around a lone state: the state itself plus a Succeed state
// for every name it may go to, so Next, Default, Choices and Catch resolve.
bj::value wrap_lone_state(const bj::object& state) {
  std::set<std::string> targets;
  auto add = [&](const bj::value* v) {
    if (v && v->is_string() && v->get_string() != kLoneStateName) targets.emplace(v->get_string());
  };
  add(state.if_contains("Next"));
  add(state.if_contains("Default"));
  for (const char* list : {"Choices", "Catch"}) {
    const auto* a = state.if_contains(list);
    if (!a || !a->is_array()) continue;
    for (const auto& item : a->get_array()) {
      if (const auto* o = item.if_object()) add(o->if_contains("Next"));
    }
  }
  bj::object states;
  states[kLoneStateName] = state;
  for (const auto& t : targets) {
    bj::object stub;
    stub["Type"] = "Succeed";
    states[t] = std::move(stub);
  }
  bj::object machine;
  machine["StartAt"] = kLoneStateName;
  machine["States"] = std::move(states);
  return machine;
}

struct Located {
  std::shared_ptr<const asl::StateMachine> machine;  // starts at the tested state
  int index = 0;
};

Result<Located> locate(const TestStateRequest& req) {
  auto parsed = json::parse(req.definition);
  if (!parsed.ok()) {
    return invalid_definition("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: " +
                              parsed.status().message() + "'");
  }
  const bj::object* def = parsed->if_object();
  if (!def) {
    return invalid_definition(
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object'");
  }
  bool whole = !req.state_name.empty() || (!def->contains("Type") && def->contains("States"));
  bj::value machine_def = whole ? *parsed : wrap_lone_state(*def);
  auto compiled = asl::compile(machine_def);
  if (!compiled.ok()) {
    return invalid_definition("Invalid State Machine Definition: '" + compiled.status().message() + "'");
  }
  const asl::StateMachine& m = **compiled;
  int index = m.start;
  if (!req.state_name.empty()) {
    auto it = m.by_name.find(req.state_name);
    if (it == m.by_name.end()) return validation("State not found in definition");
    index = it->second;
  }
  // The same machine, started at the tested state.
  auto copy = std::make_shared<asl::StateMachine>(m);
  copy->start = index;
  Located out;
  out.machine = std::move(copy);
  out.index = index;
  return out;
}

// What AWS accepts for the state type with or without a mock.
Status check_mock(const asl::State& state, const TestStateRequest& req, Inspection& ins) {
  const char* type = asl::state_type_name(state.type);
  bool container = state.type == StateType::kMap || state.type == StateType::kParallel;
  if (!req.mock) {
    if (req.map_iteration_failure_count) {
      return validation("TestState does not support MapIterationFailureCount when a mock is not specified.");
    }
    if (container) {
      return invalid_definition(
          "TestState API does not support Map or Parallel states. Supported state types include: "
          "[Task, Wait, Pass, Succeed, Fail, Choice]");
    }
    if (state.type == StateType::kTask) {
      return validation("stepd cannot invoke the resource '" + state.resource +
                        "' from TestState yet; give a mock (mock.result or mock.errorOutput) to test this Task "
                        "state");
    }
    return Status();
  }
  const TestStateMock& mock = *req.mock;
  if (mock.result && mock.error_output) {
    return validation("A test mock should have only one of the following fields: [result, errorOutput].");
  }
  if (!mock.result && !mock.error_output) {
    return validation("A test mock should have one of the following fields: [result, errorOutput].");
  }
  if (req.reveal_secrets) return validation("TestState does not support RevealSecrets when a mock is specified.");
  if (state.type != StateType::kTask && !container) {
    return validation(std::string("State type '") + type + "' is not supported when a mock is specified");
  }
  ins.mocked = true;
  if (mock.error_output) {
    ins.mock_error = mock.error;
    ins.mock_cause = mock.cause;
    return Status();
  }
  auto result = json::parse(*mock.result);
  if (!result.ok()) return validation("Mocked result must be valid JSON");
  if (container && !result->is_array()) return validation("Mocked result must be an array.");
  if (state.type == StateType::kParallel && result->get_array().size() != state.branches.size()) {
    return validation("Mocked result must contain the same number of items as number of Parallel branches.");
  }
  ins.mock_result = std::move(result).value();
  return Status();
}

std::optional<std::string> text_of(const std::optional<bj::value>& v) {
  if (!v) return std::nullopt;
  return json::to_json(*v);
}

}  // namespace

bool parse_inspection_level(std::string_view text, InspectionLevel* out) {
  if (text == "INFO") *out = InspectionLevel::kInfo;
  else if (text == "DEBUG") *out = InspectionLevel::kDebug;
  else if (text == "TRACE") *out = InspectionLevel::kTrace;
  else return false;
  return true;
}

const char* test_status_name(TestStatus s) {
  switch (s) {
    case TestStatus::kSucceeded: return "SUCCEEDED";
    case TestStatus::kFailed: return "FAILED";
    case TestStatus::kRetriable: return "RETRIABLE";
    case TestStatus::kCaughtError: return "CAUGHT_ERROR";
  }
  return "SUCCEEDED";
}

Result<TestStateResult> test_state(const TestStateRequest& req) {
  auto located = locate(req);
  if (!located.ok()) return located.status();
  const asl::State& state = located->machine->states[static_cast<std::size_t>(located->index)];

  Inspection ins;
  if (Status s = check_mock(state, req, ins); !s.ok()) return s;
  if (req.retrier_retry_count && *req.retrier_retry_count < 0) {
    return validation("retrierRetryCount must be greater than or equal to 0");
  }
  if (req.map_iteration_failure_count && *req.map_iteration_failure_count < 0) {
    return validation("mapIterationFailureCount must be greater than or equal to 0");
  }
  ins.retrier_retry_count = req.retrier_retry_count;
  ins.map_iteration_failure_count = req.map_iteration_failure_count;

  auto input = json::parse(req.input);
  if (!input.ok()) {
    return Status(Code::kInvalidArgument, "Invalid State Input: " + input.status().message(), "InvalidExecutionInput");
  }
  if (req.variables) {
    auto vars = json::parse(*req.variables);
    if (!vars.ok() || !vars->is_object()) return validation("Variables must be a JSON object");
    ins.variables = std::move(vars->get_object());
  }

  StartParams params = req.execution;
  params.input_text = req.input;
  Started run = start_inspected(located->machine, params, &ins);
  ExecutionState& s = *run.state;
  // A Task waits for its (mocked) answer; nothing else is left to answer:
  // the inspection ends the run when the state exits, fails or would retry.
  for (const Effect& e : run.decisions.effects) {
    if (e.kind != EffectKind::kInvokeTask || e.frame != 0 || s.status != ExecutionStatus::kRunning) continue;
    Fact f;
    f.frame = e.frame;
    f.token = e.token;
    f.now_ms = params.start_ms;
    if (ins.mock_result) {
      f.kind = FactKind::kTaskSucceeded;
      f.output = *ins.mock_result;
    } else {
      f.kind = FactKind::kTaskFailed;
      f.error = ins.mock_error;
      f.cause = ins.mock_cause;
    }
    decide(s, f);
    break;
  }
  if (!ins.rejected.ok()) return ins.rejected;

  TestStateResult out;
  if (ins.outcome == Inspection::Outcome::kRetriable) {
    out.status = TestStatus::kRetriable;
    out.error = ins.error;
    out.cause = ins.cause;
  } else if (ins.outcome == Inspection::Outcome::kCaught && s.status == ExecutionStatus::kSucceeded) {
    out.status = TestStatus::kCaughtError;
    out.error = ins.error;
    out.cause = ins.cause;
    out.output = text_of(ins.output);
    out.next_state = ins.next_state;
  } else if (s.status == ExecutionStatus::kSucceeded) {
    out.status = TestStatus::kSucceeded;
    out.output = text_of(ins.output);
    out.next_state = ins.next_state;
  } else if (s.status == ExecutionStatus::kFailed) {
    out.status = TestStatus::kFailed;
    out.error = s.error;
    out.cause = s.cause;
  } else {
    return Status::internal("TestState: the state '" + state.name + "' did not finish its visit");
  }

  if (req.inspection_level != InspectionLevel::kInfo) {
    TestStateInspection d;
    d.input = json::to_json(*input);
    d.after_input_path = text_of(ins.after_input_path);
    d.after_parameters = text_of(ins.after_parameters);
    d.result = text_of(ins.result);
    d.after_result_selector = text_of(ins.after_result_selector);
    d.after_result_path = text_of(ins.after_result_path);
    d.after_items_path = text_of(ins.after_items_path);
    d.max_concurrency = ins.max_concurrency;
    d.tolerated_failure_count = ins.tolerated_failure_count;
    d.tolerated_failure_percentage = ins.tolerated_failure_percentage;
    if (!s.frames.empty() && s.frames[0] && !s.frames[0]->vars.empty()) d.variables = json::to_json(s.frames[0]->vars);
    if (ins.retry_index || ins.catch_index) {
      TestStateErrorDetails e;
      e.retry_index = ins.retry_index;
      e.catch_index = ins.catch_index;
      e.retry_backoff_interval_seconds = ins.retry_backoff_seconds;
      d.error_details = e;
    }
    out.inspection_data = std::move(d);
  }
  return out;
}

bj::object test_state_output(const TestStateResult& r) {
  bj::object o;
  if (r.output) o["output"] = *r.output;
  if (r.error) o["error"] = *r.error;
  if (r.cause) o["cause"] = *r.cause;
  if (r.next_state) o["nextState"] = *r.next_state;
  o["status"] = test_status_name(r.status);
  if (!r.inspection_data) return o;
  const TestStateInspection& d = *r.inspection_data;
  bj::object i;
  auto put = [&i](const char* key, const std::optional<std::string>& v) {
    if (v) i[key] = *v;
  };
  put("input", d.input);
  put("afterInputPath", d.after_input_path);
  put("afterParameters", d.after_parameters);
  put("result", d.result);
  put("afterResultSelector", d.after_result_selector);
  put("afterResultPath", d.after_result_path);
  put("afterItemsPath", d.after_items_path);
  put("variables", d.variables);
  if (d.max_concurrency) i["maxConcurrency"] = *d.max_concurrency;
  if (d.tolerated_failure_count) i["toleratedFailureCount"] = *d.tolerated_failure_count;
  if (d.tolerated_failure_percentage) i["toleratedFailurePercentage"] = *d.tolerated_failure_percentage;
  if (d.error_details) {
    bj::object e;
    if (d.error_details->retry_index) e["retryIndex"] = *d.error_details->retry_index;
    if (d.error_details->catch_index) e["catchIndex"] = *d.error_details->catch_index;
    if (d.error_details->retry_backoff_interval_seconds) {
      e["retryBackoffIntervalSeconds"] = *d.error_details->retry_backoff_interval_seconds;
    }
    i["errorDetails"] = std::move(e);
  }
  o["inspectionData"] = std::move(i);
  return o;
}

}  // namespace stepd::engine
