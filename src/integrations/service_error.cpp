#include "src/integrations/service_error.h"

#include "src/common/json.h"

namespace stepd::integrations {

namespace bj = boost::json;

namespace {

// "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException" or
// "ResourceNotFoundException:http://internal.amazon.com/..." -> the code.
std::string bare_code(std::string code) {
  if (auto colon = code.find(':'); colon != std::string::npos) code.resize(colon);
  if (auto hash = code.rfind('#'); hash != std::string::npos) code.erase(0, hash + 1);
  return code;
}

std::string string_member(const bj::object& o, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (const auto* v = o.if_contains(n); v && v->is_string()) return std::string(v->get_string());
  return "";
}

}  // namespace

ServiceError parse_service_error(const net::HttpResult& r) {
  ServiceError e;
  if (const auto* t = r.header("x-amzn-errortype")) e.code = bare_code(*t);
  if (auto v = json::parse(r.body); v.ok()) {
    if (const auto* o = v->if_object()) {
      if (e.code.empty()) e.code = bare_code(string_member(*o, {"__type", "code", "Code"}));
      e.message = string_member(*o, {"message", "Message", "errorMessage"});
    }
  }
  if (const auto* id = r.header("x-amzn-requestid")) e.request_id = *id;
  else if (const auto* id2 = r.header("x-amz-request-id")) e.request_id = *id2;
  return e;
}

std::string sdk_v1_cause(const ServiceError& e, const std::string& service, int status) {
  return e.message + " (Service: " + service + "; Status Code: " + std::to_string(status) +
         "; Error Code: " + (e.code.empty() ? "null" : e.code) + "; Request ID: " + e.request_id + "; Proxy: null)";
}

std::string sdk_v2_cause(const ServiceError& e, const std::string& service, int status) {
  return e.message + " (Service: " + service + ", Status Code: " + std::to_string(status) +
         ", Request ID: " + e.request_id + ") (SDK Attempt Count: 1)";
}

}  // namespace stepd::integrations
