#include "src/integrations/lambda.h"

#include <optional>
#include <utility>

#include "src/common/json.h"
#include "src/integrations/service_error.h"
#include "src/net/url.h"

namespace stepd::integrations {

namespace bj = boost::json;

namespace {

std::string endpoint(const Config& config) {
  std::string e = config.lambda_endpoint.empty() ? "https://lambda." + config.region + ".amazonaws.com"
                                                 : config.lambda_endpoint;
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e;
}

net::HttpCall invoke(const std::string& function, const std::string& qualifier, const Config& config) {
  net::HttpCall call;
  call.method = "POST";
  call.url = endpoint(config) + "/2015-03-31/functions/" + net::url_encode(function) + "/invocations";
  if (!qualifier.empty()) call.url += "?Qualifier=" + net::url_encode(qualifier);
  call.timeout = config.lambda_timeout;
  return call;
}

// The payload as JSON when it is JSON, else as a string ("" when empty).
bj::value payload(const std::string& body) {
  if (body.empty()) return bj::string();
  auto v = json::parse(body);
  return v.ok() ? std::move(v).value() : bj::value(bj::string(body));
}

// A response that is no success: the function's own error, Lambda's, or none at all.
std::optional<TaskOutcome> failure(const net::HttpResult& r) {
  if (r.outcome != net::HttpOutcome::kResponse)
    return TaskOutcome::failure("Lambda.SdkClientException", "Unable to execute HTTP request: " + r.error);
  if (r.header("x-amz-function-error")) {
    std::string error = "Lambda.Unknown";
    if (auto v = json::parse(r.body); v.ok())
      if (const auto* o = v->if_object())
        if (const auto* t = o->if_contains("errorType"))
          if (t->is_string() && !t->get_string().empty()) error = std::string(t->get_string());
    return TaskOutcome::failure(std::move(error), r.body);
  }
  if (r.status >= 200 && r.status < 300) return std::nullopt;
  ServiceError e = parse_service_error(r);
  std::string code = e.code;
  std::string name = !code.empty() && code.size() > 9 && code.compare(code.size() - 9, 9, "Exception") == 0
                         ? "Lambda." + code
                         : r.status >= 500 ? "Lambda.ServiceException" : "Lambda.AWSLambdaException";
  return TaskOutcome::failure(std::move(name), sdk_v1_cause(e, "AWSLambda", r.status));
}

}  // namespace

Result<net::HttpCall> lambda_invoke_call(const bj::value& params, const Config& config) {
  const auto* p = params.if_object();
  const bj::value* name = p ? p->if_contains("FunctionName") : nullptr;
  if (!name || !name->is_string())
    return Status::failed("States.Runtime", "lambda:invoke needs FunctionName, a string");
  std::string qualifier;
  if (const auto* q = p->if_contains("Qualifier"); q && q->is_string()) qualifier = std::string(q->get_string());
  net::HttpCall call = invoke(std::string(name->get_string()), qualifier, config);
  static const std::pair<const char*, const char*> kHeaders[] = {{"InvocationType", "X-Amz-Invocation-Type"},
                                                                 {"LogType", "X-Amz-Log-Type"},
                                                                 {"ClientContext", "X-Amz-Client-Context"}};
  for (const auto& [field, header] : kHeaders)
    if (const auto* v = p->if_contains(field); v && v->is_string()) call.headers.emplace_back(header, std::string(v->get_string()));
  if (const auto* v = p->if_contains("Payload")) call.body = json::to_json(*v);
  return call;
}

net::HttpCall lambda_function_call(const std::string& function_arn, const bj::value& input, const Config& config) {
  net::HttpCall call = invoke(function_arn, "", config);
  call.body = json::to_json(input);
  return call;
}

TaskOutcome lambda_invoke_outcome(const net::HttpResult& r) {
  if (auto f = failure(r)) return std::move(*f);
  bj::object all, single;
  for (const auto& [k, v] : r.headers) {
    auto& slot = all[k];
    if (!slot.is_array()) slot = bj::array();
    slot.as_array().emplace_back(v);
    single[k] = v;
  }
  bj::object out;
  if (const auto* v = r.header("x-amz-executed-version")) out["ExecutedVersion"] = *v;
  if (const auto* v = r.header("x-amz-log-result")) out["LogResult"] = *v;
  out["Payload"] = payload(r.body);
  out["SdkHttpMetadata"] = bj::object{{"AllHttpHeaders", std::move(all)},
                                      {"HttpHeaders", std::move(single)},
                                      {"HttpStatusCode", r.status}};
  const std::string* id = r.header("x-amzn-requestid");
  out["SdkResponseMetadata"] = bj::object{{"RequestId", id ? *id : std::string()}};
  out["StatusCode"] = r.status;
  return TaskOutcome::success(std::move(out));
}

TaskOutcome lambda_function_outcome(const net::HttpResult& r) {
  if (auto f = failure(r)) return std::move(*f);
  return TaskOutcome::success(r.body.empty() ? bj::value(nullptr) : payload(r.body));
}

}  // namespace stepd::integrations
