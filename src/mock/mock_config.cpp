#include "src/mock/mock_config.h"

#include <cstdlib>

namespace stepd::mock {

namespace {

// "3" or "1-2" -> [first, last]; false when malformed.
bool parse_range(const std::string& key, std::int64_t* first, std::int64_t* last) {
  auto dash = key.find('-');
  char* end = nullptr;
  std::string a = key.substr(0, dash);
  if (a.empty()) return false;
  *first = std::strtoll(a.c_str(), &end, 10);
  if (*end != '\0' || *first < 0) return false;
  if (dash == std::string::npos) {
    *last = *first;
    return true;
  }
  std::string b = key.substr(dash + 1);
  if (b.empty()) return false;
  *last = std::strtoll(b.c_str(), &end, 10);
  return *end == '\0' && *last >= *first;
}

}  // namespace

Result<MockConfig> MockConfig::parse(const bj::value& doc) {
  MockConfig cfg;
  const auto* root = doc.if_object();
  if (!root) return Status::invalid("mock config: the file must hold a JSON object");
  if (const auto* sms = root->if_contains("StateMachines")) {
    if (!sms->is_object()) return Status::invalid("mock config: StateMachines must be an object");
    for (const auto& sm : sms->get_object()) {
      const auto* tcs = sm.value().is_object() ? sm.value().get_object().if_contains("TestCases") : nullptr;
      if (!tcs || !tcs->is_object()) {
        return Status::invalid("mock config: StateMachines." + std::string(sm.key()) + ".TestCases must be an object");
      }
      for (const auto& tc : tcs->get_object()) {
        if (!tc.value().is_object()) {
          return Status::invalid("mock config: test case " + std::string(tc.key()) + " must be an object");
        }
        auto& states = cfg.cases_[std::string(sm.key())][std::string(tc.key())];
        for (const auto& st : tc.value().get_object()) {
          if (!st.value().is_string()) {
            return Status::invalid("mock config: " + std::string(tc.key()) + "." + std::string(st.key()) +
                                   " must name a mocked response");
          }
          states[std::string(st.key())] = std::string(st.value().get_string());
        }
      }
    }
  }
  if (const auto* rs = root->if_contains("MockedResponses")) {
    if (!rs->is_object()) return Status::invalid("mock config: MockedResponses must be an object");
    for (const auto& r : rs->get_object()) {
      std::string name(r.key());
      if (!r.value().is_object()) return Status::invalid("mock config: MockedResponses." + name + " must be an object");
      auto& ranges = cfg.responses_[name];
      for (const auto& inv : r.value().get_object()) {
        std::string where = "MockedResponses." + name + "." + std::string(inv.key());
        Range range;
        if (!parse_range(std::string(inv.key()), &range.first, &range.last)) {
          return Status::invalid("mock config: " + where + ": invocation keys are \"n\" or \"n-m\"");
        }
        const auto* o = inv.value().if_object();
        if (!o || (o->contains("Return") == o->contains("Throw"))) {
          return Status::invalid("mock config: " + where + " must hold exactly one of Return and Throw");
        }
        if (const auto* ret = o->if_contains("Return")) {
          range.response.result = *ret;
        } else {
          const auto* t = o->at("Throw").if_object();
          if (!t) return Status::invalid("mock config: " + where + ".Throw must be an object");
          range.response.is_throw = true;
          if (const auto* e = t->if_contains("Error"); e && e->is_string()) range.response.error = std::string(e->get_string());
          if (const auto* c = t->if_contains("Cause"); c && c->is_string()) range.response.cause = std::string(c->get_string());
        }
        ranges.push_back(std::move(range));
      }
    }
  }
  for (const auto& [machine, tcs] : cfg.cases_) {
    for (const auto& [tc, states] : tcs) {
      for (const auto& [state, response] : states) {
        if (!cfg.responses_.count(response)) {
          return Status::invalid("mock config: " + machine + "." + tc + "." + state + " names the unknown response " +
                                 response);
        }
      }
    }
  }
  return cfg;
}

bool MockConfig::has_test_case(const std::string& machine, const std::string& test_case) const {
  auto m = cases_.find(machine);
  return m != cases_.end() && m->second.count(test_case) > 0;
}

std::vector<std::string> MockConfig::machines() const {
  std::vector<std::string> out;
  for (const auto& kv : cases_) out.push_back(kv.first);
  return out;
}

Result<const MockedResponse*> MockConfig::response(const std::string& machine, const std::string& test_case,
                                                   const std::string& state, std::int64_t invocation) const {
  auto m = cases_.find(machine);
  if (m == cases_.end()) return static_cast<const MockedResponse*>(nullptr);
  auto tc = m->second.find(test_case);
  if (tc == m->second.end()) return static_cast<const MockedResponse*>(nullptr);
  auto st = tc->second.find(state);
  if (st == tc->second.end()) return static_cast<const MockedResponse*>(nullptr);
  for (const auto& r : responses_.at(st->second)) {
    if (invocation >= r.first && invocation <= r.last) return &r.response;
  }
  return Status::not_found("the mocked response " + st->second + " for state " + state + " has no answer for invocation " +
                           std::to_string(invocation));
}

}  // namespace stepd::mock
