#include "src/integrations/integration.h"

#include <utility>

#include "src/integrations/aws_json.h"
#include "src/integrations/http_task.h"
#include "src/integrations/lambda.h"

namespace stepd::integrations {

bool handles(const std::string& resource) { return parse_resource(resource).kind != ResourceKind::kOther; }

Result<PreparedCall> prepare(const std::string& resource, const boost::json::value& params, const Config& config,
                             std::int64_t now_ms) {
  PreparedCall p;
  p.resource = parse_resource(resource);
  std::string signing_name;
  switch (p.resource.kind) {
    case ResourceKind::kOther:
      return Status::invalid("no network integration for the resource '" + resource + "'");
    case ResourceKind::kHttpInvoke: {
      auto c = http_task_call(params, config);
      if (!c.ok()) return c.status();
      p.call = std::move(c).value();
      return p;  // never signed: the endpoint is not AWS
    }
    case ResourceKind::kLambdaInvoke: {
      auto c = lambda_invoke_call(params, config);
      if (!c.ok()) return c.status();
      p.call = std::move(c).value();
      signing_name = "lambda";
      break;
    }
    case ResourceKind::kLambdaFunction:
      p.call = lambda_function_call(resource, params, config);
      signing_name = "lambda";
      break;
    case ResourceKind::kAwsSdk: {
      auto c = aws_sdk_call(p.resource.service, p.resource.action, params, config);
      if (!c.ok()) return c.status();
      p.call = std::move(c).value();
      signing_name = find_aws_json_service(p.resource.service)->signing_name;
      break;
    }
  }
  if (!config.credentials.empty()) {
    net::sigv4::SigningParams sp;
    sp.region = config.region;
    sp.service = signing_name;
    sp.now_ms = now_ms;
    Status s = net::sigv4::sign(p.call, config.credentials, sp);
    if (!s.ok()) return Status::failed("States.Runtime", "cannot sign the request: " + s.message());
  }
  return p;
}

TaskOutcome interpret(const Resource& resource, const net::HttpResult& result) {
  switch (resource.kind) {
    case ResourceKind::kHttpInvoke:
      return http_task_outcome(result);
    case ResourceKind::kLambdaInvoke:
      return lambda_invoke_outcome(result);
    case ResourceKind::kLambdaFunction:
      return lambda_function_outcome(result);
    case ResourceKind::kAwsSdk:
      return aws_sdk_outcome(*find_aws_json_service(resource.service), result);
    case ResourceKind::kOther:
      break;
  }
  return TaskOutcome::failure("States.Runtime", "no network integration for the resource '" + resource.arn + "'");
}

}  // namespace stepd::integrations
