#include "src/integrations/http_task.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>
#include <vector>

#include "src/common/json.h"
#include "src/net/url.h"

namespace stepd::integrations {

namespace bj = boost::json;

namespace {

Status runtime(std::string cause) { return Status::failed("States.Runtime", std::move(cause)); }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Headers an HTTP Task may not set (AWS's list in "HTTP Task fields":
// these, and any starting x-forwarded, x-amz or x-amzn).
bool forbidden_header(const std::string& name) {
  static const std::set<std::string> kForbidden = {
      "a-im", "accept-charset", "accept-datetime", "accept-encoding", "cache-control", "connection",
      "content-encoding", "content-md5", "date", "expect", "forwarded", "from", "host", "http2-settings",
      "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "max-forwards",
      "origin", "pragma", "proxy-authorization", "referer", "server", "te", "trailer", "transfer-encoding",
      "upgrade", "via", "warning"};
  std::string n = lower(name);
  return kForbidden.count(n) || n.rfind("x-forwarded", 0) == 0 || n.rfind("x-amz", 0) == 0;
}

// A parameter value as text: strings as they are, the rest as JSON.
std::string text(const bj::value& v) {
  if (const auto* s = v.if_string()) return std::string(*s);
  if (v.is_null()) return "";
  return json::to_json(v);
}

void form_pairs(const std::string& key, const bj::value& v, const std::string& format,
                std::vector<std::pair<std::string, std::string>>& out) {
  if (const auto* o = v.if_object()) {
    for (const auto& kv : *o) {
      std::string k(kv.key());
      form_pairs(key.empty() ? k : key + "[" + k + "]", kv.value(), format, out);
    }
  } else if (const auto* a = v.if_array()) {
    if (format == "COMMAS") {
      std::string joined;
      for (std::size_t i = 0; i < a->size(); ++i) joined += (i ? "," : "") + text((*a)[i]);
      out.emplace_back(key, joined);
      return;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
      std::string k = format == "REPEAT" ? key : format == "BRACKETS" ? key + "[]" : key + "[" + std::to_string(i) + "]";
      form_pairs(k, (*a)[i], format, out);
    }
  } else {
    out.emplace_back(key, text(v));
  }
}

const bj::string* string_field(const bj::object& o, const char* name) {
  const bj::value* v = o.if_contains(name);
  return v ? v->if_string() : nullptr;
}

// The ConnectionArn of Authentication or InvocationConfig, if any.
std::string connection_arn(const bj::object& p) {
  for (const char* field : {"Authentication", "InvocationConfig"}) {
    if (const bj::value* v = p.if_contains(field))
      if (const auto* o = v->if_object())
        if (const auto* arn = string_field(*o, "ConnectionArn")) return std::string(*arn);
  }
  return "";
}

bool json_content_type(const std::string* ct) {
  if (!ct) return false;
  std::string media = lower(ct->substr(0, ct->find(';')));
  media.erase(std::remove(media.begin(), media.end(), ' '), media.end());
  return media == "application/json" || (media.size() > 5 && media.compare(media.size() - 5, 5, "+json") == 0);
}

bj::object response_output(const net::HttpResult& r) {
  bj::object headers;
  for (const auto& [k, v] : r.headers) {
    auto& slot = headers[k];
    if (!slot.is_array()) slot = bj::array();
    slot.as_array().emplace_back(v);
  }
  bj::value body = bj::string(r.body);
  if (json_content_type(r.header("content-type")) && !r.body.empty()) {
    auto parsed = json::parse(r.body);
    if (parsed.ok()) body = std::move(parsed).value();
  }
  bj::object out;
  out["Headers"] = std::move(headers);
  out["ResponseBody"] = std::move(body);
  out["StatusCode"] = r.status;
  out["StatusText"] = r.reason;
  return out;
}

}  // namespace

std::string form_encode(const bj::object& body, const std::string& array_format) {
  std::vector<std::pair<std::string, std::string>> pairs;
  form_pairs("", body, array_format, pairs);
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out += net::url_encode(k) + "=" + net::url_encode(v);
  }
  return out;
}

Result<net::HttpCall> http_task_call(const bj::value& params, const Config& config) {
  const auto* p = params.if_object();
  if (!p) return runtime("The HTTP Task's parameters must be an object");
  const auto* endpoint = string_field(*p, "ApiEndpoint");
  if (!endpoint) return runtime("The HTTP Task needs ApiEndpoint, a string");
  const auto* method_field = string_field(*p, "Method");
  if (!method_field) return runtime("The HTTP Task needs Method, a string");
  std::string method(*method_field);
  for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const std::set<std::string> kMethods = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"};
  if (!kMethods.count(method)) return runtime("The HTTP Task's Method '" + method + "' is not supported");
  auto url = net::parse_url(std::string(*endpoint));
  if (!url.ok()) return runtime("The HTTP Task's ApiEndpoint is not valid: " + url.status().message());

  net::HttpCall call;
  call.method = method;
  call.timeout = config.http_timeout;

  std::string query = url->query;
  if (const bj::value* q = p->if_contains("QueryParameters")) {
    const auto* qo = q->if_object();
    if (!qo) return runtime("The HTTP Task's QueryParameters must be an object");
    for (const auto& kv : *qo) {
      std::vector<const bj::value*> values;
      if (const auto* a = kv.value().if_array()) {
        for (const auto& e : *a) values.push_back(&e);
      } else {
        values.push_back(&kv.value());
      }
      for (const bj::value* v : values) {
        if (!query.empty()) query += '&';
        query += net::url_encode(std::string(kv.key())) + "=" + net::url_encode(text(*v));
      }
    }
  }
  call.url = url->scheme + "://" + url->authority() + url->path + (query.empty() ? "" : "?" + query);

  if (const bj::value* h = p->if_contains("Headers")) {
    const auto* ho = h->if_object();
    if (!ho) return runtime("The HTTP Task's Headers must be an object");
    for (const auto& kv : *ho) {
      std::string name(kv.key());
      if (forbidden_header(name)) return runtime("The HTTP Task may not set the header '" + name + "'");
      if (const auto* a = kv.value().if_array()) {
        for (const auto& e : *a) call.headers.emplace_back(name, text(e));
      } else {
        call.headers.emplace_back(name, text(kv.value()));
      }
    }
  }
  auto conn = config.http_connections.find(connection_arn(*p));
  if (conn != config.http_connections.end())
    for (const auto& h : conn->second) call.headers.push_back(h);

  std::string encoding = "NONE", array_format = "INDICES";
  if (const bj::value* t = p->if_contains("Transform")) {
    const auto* to = t->if_object();
    if (!to) return runtime("The HTTP Task's Transform must be an object");
    if (const auto* e = string_field(*to, "RequestBodyEncoding")) encoding = std::string(*e);
    if (const bj::value* o = to->if_contains("RequestEncodingOptions"))
      if (const auto* oo = o->if_object())
        if (const auto* f = string_field(*oo, "ArrayFormat")) array_format = std::string(*f);
  }
  if (encoding != "NONE" && encoding != "URL_ENCODED")
    return runtime("The HTTP Task's RequestBodyEncoding '" + encoding + "' is not NONE or URL_ENCODED");
  if (array_format != "INDICES" && array_format != "REPEAT" && array_format != "COMMAS" && array_format != "BRACKETS")
    return runtime("The HTTP Task's ArrayFormat '" + array_format + "' is not INDICES, REPEAT, COMMAS or BRACKETS");

  std::string content_type;
  if (const bj::value* b = p->if_contains("RequestBody")) {
    if (encoding == "URL_ENCODED") {
      const auto* bo = b->if_object();
      if (!bo) return runtime("URL_ENCODED needs the HTTP Task's RequestBody to be an object");
      call.body = form_encode(*bo, array_format);
      content_type = "application/x-www-form-urlencoded";
    } else {
      call.body = b->is_string() ? std::string(b->get_string()) : json::to_json(*b);
      content_type = "application/json; charset=UTF-8";
    }
  }
  if (!content_type.empty() && !net::find_header(call.headers, "content-type"))
    call.headers.emplace_back("Content-Type", content_type);
  call.headers.emplace_back("User-Agent", "Amazon|StepFunctions|HttpInvoke|" + config.region);
  return call;
}

// Error names from the AWS Step Functions developer guide:
// "Handling errors in Step Functions workflows" (concepts-error-handling):
// States.Http.Socket "occurs when an HTTP Task times out after 60 seconds";
// "Call HTTPS APIs" (call-https-apis): a response other than 2xx fails the
// task with States.Http.StatusCode.<code>. The guide does not spell out the
// cause; stepd puts the response there, in the output's shape.
TaskOutcome http_task_outcome(const net::HttpResult& r) {
  switch (r.outcome) {
    case net::HttpOutcome::kTimeout:
      return TaskOutcome::failure("States.Http.Socket", "The HTTP request timed out: " + r.error);
    case net::HttpOutcome::kSocketError:
      return TaskOutcome::failure("States.Http.Socket", "The HTTP request failed: " + r.error);
    case net::HttpOutcome::kResponse:
      break;
  }
  bj::object out = response_output(r);
  if (r.status >= 200 && r.status < 300) return TaskOutcome::success(std::move(out));
  return TaskOutcome::failure("States.Http.StatusCode." + std::to_string(r.status), json::to_json(out));
}

}  // namespace stepd::integrations
