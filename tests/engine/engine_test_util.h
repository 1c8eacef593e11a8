#pragma once
// Helpers shared by the engine tests: compile a definition, start it with
// fixed parameters, render events compactly.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "src/asl/machine.h"
#include "src/common/json.h"
#include "src/engine/engine.h"

namespace stepd::testing {

namespace bj = boost::json;

inline std::shared_ptr<const asl::StateMachine> machine(const std::string& def) {
  auto m = asl::compile_text(def);
  INFO(m.status().message());
  REQUIRE(m.ok());
  return std::move(m).value();
}

inline engine::StartParams params(const std::string& input = "{}") {
  engine::StartParams p;
  p.execution_name = "exec";
  p.execution_arn = "arn:aws:states:us-east-1:123456789012:execution:sm:exec";
  p.state_machine_name = "sm";
  p.state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:sm";
  p.role_arn = "arn:aws:iam::123456789012:role/r";
  p.input_text = input;
  p.start_ms = 1700000000000;
  p.seed = 7;
  return p;
}

// "Type<prev" per event, e.g. "PassStateEntered<0".
inline std::vector<std::string> shape(const std::vector<engine::Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    out.push_back(std::string(engine::event_type_name(e.type)) + "<" + std::to_string(e.previous_event_id));
  }
  return out;
}

// One member of the event's details as the API shows it.
inline std::string detail(const engine::Event& e, const char* key) {
  auto rendered = engine::to_history_json(e);
  auto dk = engine::details_key(e.type);
  const bj::value* v = nullptr;
  if (const auto* d = rendered.if_contains(dk)) v = d->get_object().if_contains(key);
  if (!v) return "<absent>";
  if (v->is_string()) return std::string(v->get_string());
  return json::to_json(*v);
}

}  // namespace stepd::testing
