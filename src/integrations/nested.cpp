#include "src/integrations/nested.h"

#include <ctime>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "src/common/json.h"

namespace stepd::integrations {

namespace bj = boost::json;

namespace {

constexpr const char* kPrefix = "arn:aws:states:::states:startExecution";

// The HTTP date AWS's response carried, e.g. "Wed, 25 Nov 2026 09:00:00 GMT".
std::string http_date(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// JSON text as a JSON value for .sync:2; text that is not JSON stays text.
bj::value as_json(const std::string& text) {
  auto v = json::parse(text);
  return v.ok() ? std::move(v).value() : bj::value(text);
}

}  // namespace

NestedKind nested_kind(const std::string& resource) {
  if (resource.compare(0, std::char_traits<char>::length(kPrefix), kPrefix) != 0) return NestedKind::kNone;
  std::string tail = resource.substr(std::char_traits<char>::length(kPrefix));
  if (tail.empty()) return NestedKind::kRequestResponse;
  if (tail == ".sync") return NestedKind::kSync;
  if (tail == ".sync:2") return NestedKind::kSync2;
  if (tail == ".waitForTaskToken") return NestedKind::kWaitForTaskToken;
  return NestedKind::kNone;
}

Result<NestedStart> nested_start(const bj::value& params) {
  const bj::object* o = params.if_object();
  const bj::value* arn = o ? o->if_contains("StateMachineArn") : nullptr;
  if (!arn || !arn->is_string()) {
    return Status::failed("States.Runtime", "states:startExecution needs a StateMachineArn string parameter");
  }
  NestedStart s;
  s.state_machine_arn = std::string(arn->as_string());
  if (const bj::value* in = o->if_contains("Input"); in && !in->is_null()) {
    // A string is taken as the input's JSON text, as the API takes it.
    s.input = in->is_string() ? std::string(in->as_string()) : json::to_json(*in);
  }
  if (const bj::value* n = o->if_contains("Name"); n && n->is_string()) s.name = std::string(n->as_string());
  return s;
}

bj::value start_response(const std::string& execution_arn, std::int64_t start_ms, const std::string& request_id) {
  // What StartExecution answered on the wire, for Content-Length: AWS
  // writes startDate as Java prints a double of epoch seconds,
  // e.g. 1.679070406548E9 (trailing zeros of the fraction dropped).
  std::string digits = std::to_string(start_ms);
  std::string fraction = digits.substr(1);
  while (fraction.size() > 1 && fraction.back() == '0') fraction.pop_back();
  std::string start = digits.substr(0, 1) + "." + fraction + "E" + std::to_string(digits.size() - 4);
  std::string body = "{\"executionArn\":\"" + execution_arn + "\",\"startDate\":" + start + "}";
  const std::string date = http_date(start_ms);
  bj::object all{{"x-amzn-RequestId", bj::array{bj::value(request_id)}},
                 {"connection", bj::array{"keep-alive"}},
                 {"Content-Length", bj::array{bj::value(std::to_string(body.size()))}},
                 {"Date", bj::array{bj::value(date)}},
                 {"Content-Type", bj::array{"application/x-amz-json-1.0"}}};
  bj::object headers{{"connection", "keep-alive"},
                     {"Content-Length", std::to_string(body.size())},
                     {"Content-Type", "application/x-amz-json-1.0"},
                     {"Date", date},
                     {"x-amzn-RequestId", request_id}};
  return bj::object{
      {"ExecutionArn", execution_arn},
      {"SdkHttpMetadata", bj::object{{"AllHttpHeaders", std::move(all)},
                                     {"HttpHeaders", std::move(headers)},
                                     {"HttpStatusCode", 200}}},
      {"SdkResponseMetadata", bj::object{{"RequestId", request_id}}},
      {"StartDate", start_ms},
  };
}

TaskOutcome child_outcome(const ChildEnd& c, NestedKind kind) {
  const bool json_io = kind == NestedKind::kSync2;
  const bool ok = c.status == "SUCCEEDED";
  // Members in the order AWS's recordings list them (alphabetical).
  bj::object o;
  if (!ok && c.cause) o["Cause"] = *c.cause;
  if (!ok && c.error) o["Error"] = *c.error;
  o["ExecutionArn"] = c.execution_arn;
  o["Input"] = json_io ? as_json(c.input) : bj::value(c.input);
  o["InputDetails"] = bj::object{{"Included", true}};
  o["Name"] = c.name;
  if (ok) {
    o["Output"] = json_io ? as_json(c.output) : bj::value(c.output);
    o["OutputDetails"] = bj::object{{"Included", true}};
  }
  o["StartDate"] = c.start_ms;
  o["StateMachineArn"] = c.state_machine_arn;
  o["Status"] = c.status;
  o["StopDate"] = c.stop_ms;
  if (ok) return TaskOutcome::success(std::move(o));
  return TaskOutcome::failure("States.TaskFailed", json::to_json(o));
}

TaskOutcome start_refused(const std::string& aws_error, const std::string& message) {
  // The SDK's wording: "<message> (Service: AWSStepFunctions; Status Code:
  // 400; Error Code: <code>; ...)", the error named StepFunctions.<code>.
  return TaskOutcome::failure("StepFunctions." + aws_error,
                              message + " (Service: AWSStepFunctions; Status Code: 400; Error Code: " + aws_error +
                                  "; Proxy: null)");
}

}  // namespace stepd::integrations
