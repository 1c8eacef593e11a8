#pragma once
// Step Functions Local's MockConfigFile: canned Task results per state
// machine, test case and state, so Task, Retry and Catch run with no
// service behind them.
//
//   {"StateMachines": {"<machine>": {"TestCases": {"<case>": {"<state>": "<response>"}}}},
//    "MockedResponses": {"<response>": {"0": {"Return": ...}, "1-2": {"Throw": {"Error", "Cause"}}}}}
//
// Invocation numbers count from 0 per state and include retries; a range
// "1-2" is inclusive. Immutable after parse(); safe to share between threads.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "src/common/status.h"

namespace stepd::mock {

namespace bj = boost::json;

// One mocked answer: a value to return, or an error to throw.
struct MockedResponse {
  bool is_throw = false;
  bj::value result;                        // Return
  std::optional<std::string> error, cause;  // Throw
};

class MockConfig {
 public:
  // Parses and checks the file's shape; errors name the offending key.
  static Result<MockConfig> parse(const bj::value& doc);

  // True when `test_case` exists for `machine`.
  bool has_test_case(const std::string& machine, const std::string& test_case) const;
  // The names of the machines the file mocks.
  std::vector<std::string> machines() const;

  // The answer for the `invocation`-th call (0-based) of `state`. nullptr
  // when the test case does not mock that state. A mocked state with no
  // answer for that invocation fails with kNotFound (SFN Local fails the
  // execution then).
  Result<const MockedResponse*> response(const std::string& machine, const std::string& test_case,
                                         const std::string& state, std::int64_t invocation) const;

 private:
  struct Range {
    std::int64_t first = 0, last = 0;
    MockedResponse response;
  };
  // machine -> test case -> state -> response name
  std::map<std::string, std::map<std::string, std::map<std::string, std::string>>> cases_;
  std::map<std::string, std::vector<Range>> responses_;
};

}  // namespace stepd::mock
