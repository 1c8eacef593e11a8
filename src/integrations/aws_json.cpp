#include "src/integrations/aws_json.h"

#include <cctype>
#include <set>
#include <utility>

#include "src/common/json.h"
#include "src/integrations/service_error.h"

namespace stepd::integrations {

namespace bj = boost::json;

namespace {

// Targets and versions from each service's API model (the AWS SDKs'
// service-2.json: metadata.targetPrefix, jsonVersion, signingName).
constexpr AwsJsonService kServices[] = {
    {"dynamodb", "DynamoDb", "DynamoDB_20120810", "1.0", "dynamodb", "dynamodb", false},
    {"sqs", "Sqs", "AmazonSQS", "1.0", "sqs", "sqs", false},
    {"eventbridge", "EventBridge", "AWSEvents", "1.1", "events", "events", false},
    {"sfn", "Sfn", "AWSStepFunctions", "1.0", "states", "states", true},
    {"kinesis", "Kinesis", "Kinesis_20131202", "1.1", "kinesis", "kinesis", false},
    {"cloudwatchlogs", "CloudWatchLogs", "Logs_20140328", "1.1", "logs", "logs", true},
    {"secretsmanager", "SecretsManager", "secretsmanager", "1.1", "secretsmanager", "secretsmanager", false},
    {"ssm", "Ssm", "AmazonSSM", "1.1", "ssm", "ssm", false},
    {"kms", "Kms", "TrentService", "1.1", "kms", "kms", false},
    {"athena", "Athena", "AmazonAthena", "1.1", "athena", "athena", false},
    {"glue", "Glue", "AWSGlue", "1.1", "glue", "glue", false},
};

// Codes the SDK v2 models of these services have no exception class for:
// the SDK raises the service's base exception (<Service>Exception).
bool unmodeled(const AwsJsonService& s, const std::string& code) {
  static const std::set<std::string> kEverywhere = {"UnrecognizedClientException", "InvalidSignatureException",
                                                    "IncompleteSignature", "MissingAuthenticationToken"};
  if (kEverywhere.count(code)) return true;
  const std::string name = s.name;
  return code == "ValidationException" && (name == "dynamodb" || name == "secretsmanager");
}

std::string recase_first(std::string_view s, bool upper) {
  std::string out(s);
  if (!out.empty()) {
    auto c = static_cast<unsigned char>(out[0]);
    out[0] = static_cast<char>(upper ? std::toupper(c) : std::tolower(c));
  }
  return out;
}

bj::value recase_keys(const bj::value& v, bool upper) {
  if (const auto* o = v.if_object()) {
    bj::object out;
    for (const auto& kv : *o) out[recase_first(kv.key(), upper)] = recase_keys(kv.value(), upper);
    return out;
  }
  if (const auto* a = v.if_array()) {
    bj::array out;
    for (const auto& e : *a) out.push_back(recase_keys(e, upper));
    return out;
  }
  return v;
}

std::string endpoint(const AwsJsonService& s, const Config& config) {
  for (const char* key : {s.name, s.endpoint_prefix}) {
    auto it = config.endpoints.find(key);
    if (it != config.endpoints.end()) {
      std::string e = it->second;
      while (!e.empty() && e.back() == '/') e.pop_back();
      return e;
    }
  }
  return std::string("https://") + s.endpoint_prefix + "." + config.region + ".amazonaws.com";
}

}  // namespace

const AwsJsonService* find_aws_json_service(std::string_view name) {
  if (name == "events") name = "eventbridge";
  if (name == "logs") name = "cloudwatchlogs";
  for (const auto& s : kServices)
    if (name == s.name) return &s;
  return nullptr;
}

std::string supported_aws_json_services() {
  std::string out;
  for (const auto& s : kServices) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

Result<net::HttpCall> aws_sdk_call(const std::string& service, const std::string& action, const bj::value& params,
                                   const Config& config) {
  const AwsJsonService* s = find_aws_json_service(service);
  if (!s)
    return Status::failed("States.Runtime", "stepd cannot call the AWS SDK integration aws-sdk:" + service + ":" +
                                                action + ": only services that speak the AWS JSON protocol are supported (" +
                                                supported_aws_json_services() + ")");
  bj::value body = params.is_null() ? bj::value(bj::object()) : params;
  if (!body.is_object())
    return Status::failed("States.Runtime", "the parameters of aws-sdk:" + service + ":" + action + " must be an object");
  if (std::string(s->name) == "sfn") {
    for (const char* field : {"Input", "Output"}) {
      auto& o = body.as_object();
      if (auto* v = o.if_contains(field); v && !v->is_string()) *v = bj::string(json::to_json(*v));
    }
  }
  if (s->camel_case) body = recase_keys(body, false);
  net::HttpCall call;
  call.method = "POST";
  call.url = endpoint(*s, config) + "/";
  call.timeout = config.sdk_timeout;
  call.headers.emplace_back("Content-Type", std::string("application/x-amz-json-") + s->json_version);
  call.headers.emplace_back("X-Amz-Target", std::string(s->target_prefix) + "." + recase_first(action, true));
  call.body = json::to_json(body);
  return call;
}

TaskOutcome aws_sdk_outcome(const AwsJsonService& s, const net::HttpResult& r) {
  const std::string sdk = s.sdk_name;
  if (r.outcome != net::HttpOutcome::kResponse)
    return TaskOutcome::failure(sdk + ".SdkClientException", "Unable to execute HTTP request: " + r.error);
  if (r.status >= 200 && r.status < 300) {
    bj::value out = bj::object();
    if (!r.body.empty()) {
      auto v = json::parse(r.body);
      if (v.ok() && v->is_object()) out = std::move(v).value();
    }
    return TaskOutcome::success(s.camel_case ? recase_keys(out, true) : std::move(out));
  }
  ServiceError e = parse_service_error(r);
  std::string code = e.code;
  if (code.empty() || unmodeled(s, code)) code = sdk + "Exception";
  else if (code.size() < 9 || code.compare(code.size() - 9, 9, "Exception") != 0) code += "Exception";
  return TaskOutcome::failure(sdk + "." + code, sdk_v2_cause(e, sdk, r.status));
}

}  // namespace stepd::integrations
