#pragma once
// The one way in to stepd's networked service integrations: a Task's
// Resource and effective parameters become an HTTP call (signed when the
// target is AWS and credentials are configured), and the call's result
// becomes the Task's outcome. Pure: no I/O, no clock (the time comes in for
// signing). Safe from any thread.
//
//   prepare(resource, params, config, now) ──> PreparedCall ──HttpClient──> HttpResult
//                                                   │                          │
//                                                   └─> interpret(call.resource, result) ──> TaskOutcome
//
// Handled: http:invoke, lambda:invoke (and .waitForTaskToken), function
// ARNs, aws-sdk:SERVICE:ACTION (and .waitForTaskToken). Not handled (the
// caller answers them otherwise): activities, .sync, other optimized
// integrations (states:startExecution, sqs:sendMessage, ...).

#include <cstdint>
#include <string>

#include <boost/json/value.hpp>

#include "src/common/status.h"
#include "src/integrations/config.h"
#include "src/integrations/outcome.h"
#include "src/integrations/resource.h"
#include "src/net/http_client.h"

namespace stepd::integrations {

struct PreparedCall {
  Resource resource;
  net::HttpCall call;
};

bool handles(const std::string& resource);

// Errors: Failed, with the error name and cause the Task fails with
// (States.Runtime for parameters that cannot make a call, or an aws-sdk
// service stepd cannot speak to); InvalidArgument for a resource that
// handles() refuses.
Result<PreparedCall> prepare(const std::string& resource, const boost::json::value& params, const Config& config,
                             std::int64_t now_ms);

// What the result of a call prepared for `resource` comes to.
TaskOutcome interpret(const Resource& resource, const net::HttpResult& result);

}  // namespace stepd::integrations
