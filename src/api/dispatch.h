#pragma once
// The Step Functions API over AWS JSON 1.0: one request (the action named by
// X-Amz-Target, a JSON body) in, one answer out, with AWS's error shapes.
// Knows nothing of HTTP or CAF: src/api/serve.cpp connects it to the HTTP
// server, actors/runtime.h runs what it starts, reads come straight from
// the journal. Safe from any thread.

#include <functional>
#include <string>

#include "actors/runtime.h"
#include "storage/journal.h"

namespace stepd::api {

struct ApiResponse {
  int status = 200;  // 400 for client faults, 500 for stepd's own
  std::string body;  // JSON
};

class Dispatcher {
 public:
  // REQUIRES: both outlive the Dispatcher.
  Dispatcher(actors::Runtime& runtime, storage::Journal& journal, std::string region, std::string account)
      : runtime_(runtime), journal_(journal), region_(std::move(region)), account_(std::move(account)) {}

  // `target` is the X-Amz-Target header ("AWSStepFunctions.StartExecution").
  // `done` runs exactly once, now or later, maybe on another thread.
  void handle(const std::string& target, const std::string& body, std::function<void(ApiResponse)> done);

 private:
  actors::Runtime& runtime_;
  storage::Journal& journal_;
  std::string region_;
  std::string account_;
};

// AWS's rules for state machine, execution and activity names: 1 to 80
// characters, none of whitespace, `<>{}[]?*"#%\^|~`$&,;:/` or control
// characters.
bool valid_name(const std::string& name);

}  // namespace stepd::api
