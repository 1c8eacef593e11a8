#include "src/api/dispatch.h"

#include <algorithm>
#include <random>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "src/asl/validate.h"
#include "src/common/json.h"
#include "src/engine/event.h"

namespace stepd::api {

namespace bj = boost::json;

namespace {

constexpr std::size_t kMaxPayload = 262144;    // 256 KiB: input and output
constexpr std::size_t kMaxDefinition = 1048576;  // 1 MiB of definition text
constexpr std::int64_t kDefaultHistoryPage = 100;
constexpr std::int64_t kDefaultListPage = 100;

ApiResponse error(const std::string& type, const std::string& message, int status = 400) {
  bj::object o;
  o["__type"] = "com.amazonaws.swf.service.v2.model#" + type;
  o["message"] = message;
  return ApiResponse{status, json::to_json(o)};
}

ApiResponse ok(const bj::object& o) { return ApiResponse{200, json::to_json(o)}; }

double seconds(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// A request field: absent, or of the wrong type, gives nullptr.
const bj::string* str_field(const bj::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

std::string random_uuid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t a = rng(), b = rng();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-4%03llx-%04llx-%012llx", static_cast<unsigned long long>(a >> 32),
                static_cast<unsigned long long>((a >> 16) & 0xffff), static_cast<unsigned long long>(a & 0xfff),
                static_cast<unsigned long long>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

// Parses "arn:aws:states:<region>:<account>:<kind>:<rest>"; false when it
// is not one (the caller answers InvalidArn).
bool parse_arn(const std::string& arn, const char* kind, std::string* rest) {
  std::string want = std::string(":") + kind + ":";
  if (arn.rfind("arn:aws:states:", 0) != 0) return false;
  auto p = arn.find(want);
  if (p == std::string::npos) return false;
  *rest = arn.substr(p + want.size());
  return !rest->empty();
}

// Opaque page tokens: "<kind>:<position>", base-64 encoded; anything else is
// rejected as InvalidToken.
std::string make_token(const std::string& kind, const std::string& position) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = kind + ":" + position, out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += k[(n >> 18) & 63];
    out += k[(n >> 12) & 63];
    out += i + 1 < in.size() ? k[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? k[n & 63] : '=';
  }
  return out;
}

bool read_token(const std::string& token, const std::string& kind, std::string* position) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (token.empty() || token.size() % 4 != 0 || token.size() > 1024) return false;
  std::string out;
  for (std::size_t i = 0; i < token.size(); i += 4) {
    int v[4];
    for (int j = 0; j < 4; ++j) v[j] = token[i + static_cast<std::size_t>(j)] == '=' ? 0 : val(token[i + static_cast<std::size_t>(j)]);
    if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0) return false;
    unsigned n = static_cast<unsigned>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    out += static_cast<char>((n >> 16) & 255);
    if (token[i + 2] != '=') out += static_cast<char>((n >> 8) & 255);
    if (token[i + 3] != '=') out += static_cast<char>(n & 255);
  }
  std::string prefix = kind + ":";
  if (out.rfind(prefix, 0) != 0) return false;
  *position = out.substr(prefix.size());
  return true;
}

Result<std::int64_t> page_size(const bj::object& req, std::int64_t dflt) {
  const auto* v = req.if_contains("maxResults");
  if (!v) return dflt;
  if (!v->is_int64() || v->get_int64() < 0 || v->get_int64() > 1000) {
    return Status::invalid("1 validation error detected: Value at 'maxResults' failed to satisfy constraint: "
                           "Member must have value less than or equal to 1000");
  }
  return v->get_int64() == 0 ? dflt : v->get_int64();
}

bj::object describe_record(const storage::ExecutionRecord& r, bool include_data) {
  bj::object o;
  o["executionArn"] = r.params.execution_arn;
  o["stateMachineArn"] = r.state_machine_arn;
  o["name"] = r.params.execution_name;
  o["status"] = r.status;
  o["startDate"] = seconds(r.params.start_ms);
  if (r.status != "RUNNING") o["stopDate"] = seconds(r.stop_ms);
  if (include_data) {
    o["input"] = r.params.input_text;
    bj::object included;
    included["included"] = true;
    o["inputDetails"] = included;
    if (r.status == "SUCCEEDED") {
      o["output"] = r.output;
      o["outputDetails"] = included;
    }
  }
  if (r.error) o["error"] = *r.error;
  if (r.cause) o["cause"] = *r.cause;
  o["redriveCount"] = 0;
  o["redriveStatus"] = r.status == "RUNNING" || r.status == "SUCCEEDED" ? "NOT_REDRIVABLE" : "REDRIVABLE";
  if (r.status == "RUNNING") o["redriveStatusReason"] = "Execution is RUNNING and cannot be redriven";
  if (r.status == "SUCCEEDED") o["redriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven";
  return o;
}

}  // namespace

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 80) return false;
  static const std::string kForbidden = " \t\n\r<>{}[]?*\"#%\\^|~`$&,;:/";
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || kForbidden.find(static_cast<char>(c)) != std::string::npos) return false;
  }
  return true;
}

void Dispatcher::handle(const std::string& target, const std::string& body, std::function<void(ApiResponse)> done) {
  static const std::string kPrefix = "AWSStepFunctions.";
  if (target.rfind(kPrefix, 0) != 0) {
    return done(error("UnknownOperationException", "Unknown operation: " + target));
  }
  const std::string action = target.substr(kPrefix.size());
  auto parsed = json::parse(body.empty() ? std::string_view("{}") : std::string_view(body));
  if (!parsed.ok() || !parsed->is_object()) {
    return done(error("SerializationException", "The request body is not a JSON object"));
  }
  const bj::object& req = parsed->get_object();

  if (action == "ValidateStateMachineDefinition") {
    const auto* def = str_field(req, "definition");
    if (!def) return done(error("ValidationException", "The definition is required"));
    bj::object r = asl::validation_result(asl::validate_text(*def));
    r["truncated"] = false;
    return done(ok(r));
  }

  if (action == "CreateStateMachine") {
    const auto* name = str_field(req, "name");
    const auto* def = str_field(req, "definition");
    const auto* role = str_field(req, "roleArn");
    if (!name || !def || !role) {
      return done(error("ValidationException", "name, definition and roleArn are required"));
    }
    if (!valid_name(std::string(*name))) return done(error("InvalidName", "Invalid Name: '" + std::string(*name) + "'"));
    if (def->size() > kMaxDefinition) {
      return done(error("InvalidDefinition", "Invalid State Machine Definition: 'The definition is larger than 1 MB'"));
    }
    std::string type = "STANDARD";
    if (const auto* t = str_field(req, "type")) type = std::string(*t);
    if (type != "STANDARD" && type != "EXPRESS") {
      return done(error("ValidationException", "Value '" + type + "' at 'type' failed to satisfy constraint"));
    }
    auto diags = asl::validate_text(*def);
    std::vector<asl::Diagnostic> errors;
    for (auto& d : diags) {
      if (d.severity == "ERROR") errors.push_back(std::move(d));
    }
    if (!errors.empty()) {
      return done(error("InvalidDefinition", "Invalid State Machine Definition: '" + asl::summarize(errors) + "'"));
    }
    std::string arn = "arn:aws:states:" + region_ + ":" + account_ + ":stateMachine:" + std::string(*name);
    if (auto existing = journal_.state_machine(arn); existing.ok()) {
      // CreateStateMachine is idempotent for the same definition and type.
      if (existing->definition != *def || existing->type != type) {
        return done(error("StateMachineAlreadyExists", "State Machine Already Exists: '" + arn + "'"));
      }
      bj::object r;
      r["stateMachineArn"] = arn;
      r["creationDate"] = seconds(existing->creation_ms);
      return done(ok(r));
    }
    auto created = runtime_.create_state_machine(std::string(*name), std::string(*def), type);
    if (!created.ok()) return done(error("InvalidDefinition", created.status().message()));
    auto rec = journal_.state_machine(*created);
    bj::object r;
    r["stateMachineArn"] = *created;
    r["creationDate"] = rec.ok() ? seconds(rec->creation_ms) : 0.0;
    return done(ok(r));
  }

  if (action == "DescribeStateMachine") {
    const auto* arn = str_field(req, "stateMachineArn");
    std::string rest;
    if (!arn || !parse_arn(std::string(*arn), "stateMachine", &rest)) {
      return done(error("InvalidArn", "Invalid Arn: '" + (arn ? std::string(*arn) : std::string()) + "'"));
    }
    auto rec = journal_.state_machine(std::string(*arn));
    if (!rec.ok()) return done(error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + std::string(*arn) + "'"));
    bj::object r;
    r["stateMachineArn"] = rec->arn;
    r["name"] = rec->name;
    r["status"] = "ACTIVE";
    r["definition"] = rec->definition;
    r["roleArn"] = rec->role_arn;
    r["type"] = rec->type;
    r["creationDate"] = seconds(rec->creation_ms);
    bj::object logging;
    logging["level"] = "OFF";
    logging["includeExecutionData"] = false;
    r["loggingConfiguration"] = std::move(logging);
    return done(ok(r));
  }

  if (action == "ListStateMachines") {
    auto max = page_size(req, kDefaultListPage);
    if (!max.ok()) return done(error("ValidationException", max.status().message()));
    std::string after;
    if (const auto* token = str_field(req, "nextToken")) {
      if (!read_token(std::string(*token), "sm", &after)) return done(error("InvalidToken", "Invalid Token: 'Invalid token'"));
    }
    auto page = journal_.state_machines(after, static_cast<std::size_t>(*max) + 1);
    if (!page.ok()) return done(error("InternalError", page.status().message(), 500));
    bj::array items;
    for (std::size_t i = 0; i < page->size() && i < static_cast<std::size_t>(*max); ++i) {
      const auto& m = (*page)[i];
      bj::object o;
      o["stateMachineArn"] = m.arn;
      o["name"] = m.name;
      o["type"] = m.type;
      o["creationDate"] = seconds(m.creation_ms);
      items.push_back(std::move(o));
    }
    bj::object r;
    if (page->size() > static_cast<std::size_t>(*max)) r["nextToken"] = make_token("sm", (*page)[*max - 1].arn);
    r["stateMachines"] = std::move(items);
    return done(ok(r));
  }

  if (action == "StartExecution") {
    const auto* arn = str_field(req, "stateMachineArn");
    std::string rest;
    if (!arn || !parse_arn(std::string(*arn), "stateMachine", &rest)) {
      return done(error("InvalidArn", "Invalid Arn: '" + (arn ? std::string(*arn) : std::string()) + "'"));
    }
    std::string name = random_uuid();
    if (const auto* n = str_field(req, "name")) name = std::string(*n);
    if (!valid_name(name)) return done(error("InvalidName", "Invalid Name: '" + name + "'"));
    std::string input = "{}";
    if (const auto* in = str_field(req, "input")) input = std::string(*in);
    if (input.size() > kMaxPayload) {
      return done(error("InvalidExecutionInput", "Invalid Execution Input: 'The input is larger than 256 KiB'"));
    }
    auto sm = journal_.state_machine(std::string(*arn));
    if (!sm.ok()) return done(error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + std::string(*arn) + "'"));
    if (sm->type == "STANDARD") {
      std::string exec_arn = "arn:aws:states:" + region_ + ":" + account_ + ":execution:" + sm->name + ":" + name;
      if (auto seq = journal_.execution_seq(exec_arn); seq.ok()) {
        // Idempotent only while it runs with the same input.
        auto rec = journal_.execution(*seq);
        if (rec.ok() && rec->status == "RUNNING" && rec->params.input_text == input) {
          bj::object r;
          r["executionArn"] = exec_arn;
          r["startDate"] = seconds(rec->params.start_ms);
          return done(ok(r));
        }
        return done(error("ExecutionAlreadyExists", "Execution Already Exists: '" + exec_arn + "'"));
      }
    }
    auto journal = &journal_;
    auto express = sm->type == "EXPRESS";
    runtime_.start_execution_async(std::string(*arn), name, input,
                                   [done, journal, express](Result<std::string> r) {
                                     if (!r.ok()) {
                                       // The runtime parses the input once and refuses it if it is not JSON.
                                       if (r.status().code() == Code::kInvalidArgument) {
                                         return done(error("InvalidExecutionInput",
                                                           "Invalid State Machine Execution Input: '" +
                                                               r.status().message() + "'"));
                                       }
                                       return done(error("InternalError", r.status().message(), 500));
                                     }
                                     bj::object o;
                                     o["executionArn"] = *r;
                                     std::int64_t start = 0;
                                     if (!express) {
                                       if (auto seq = journal->execution_seq(*r); seq.ok()) {
                                         if (auto rec = journal->execution(*seq); rec.ok()) start = rec->params.start_ms;
                                       }
                                     }
                                     o["startDate"] = seconds(start);
                                     done(ok(o));
                                   });
    return;
  }

  if (action == "DescribeExecution" || action == "GetExecutionHistory") {
    const auto* arn = str_field(req, "executionArn");
    std::string rest;
    if (!arn || !parse_arn(std::string(*arn), "execution", &rest)) {
      return done(error("InvalidArn", "Invalid Arn: '" + (arn ? std::string(*arn) : std::string()) + "'"));
    }
    auto seq = journal_.execution_seq(std::string(*arn));
    if (!seq.ok()) return done(error("ExecutionDoesNotExist", "Execution Does Not Exist: '" + std::string(*arn) + "'"));
    bool include_data = true;
    if (const auto* v = req.if_contains("includeExecutionData"); v && v->is_bool()) include_data = v->get_bool();
    if (action == "DescribeExecution") {
      auto rec = journal_.execution(*seq);
      if (!rec.ok()) return done(error("InternalError", rec.status().message(), 500));
      return done(ok(describe_record(*rec, include_data)));
    }
    auto max = page_size(req, kDefaultHistoryPage);
    if (!max.ok()) return done(error("ValidationException", max.status().message()));
    bool reverse = false;
    if (const auto* v = req.if_contains("reverseOrder"); v && v->is_bool()) reverse = v->get_bool();
    std::size_t from = 0;
    if (const auto* token = str_field(req, "nextToken")) {
      std::string pos;
      if (!read_token(std::string(*token), "h" + std::to_string(*seq), &pos) || pos.empty() ||
          pos.find_first_not_of("0123456789") != std::string::npos || pos.size() > 9) {
        return done(error("InvalidToken", "Invalid Token: 'Invalid token'"));
      }
      from = static_cast<std::size_t>(std::stoul(pos));
    }
    auto events = journal_.history(*seq);
    if (!events.ok()) return done(error("InternalError", events.status().message(), 500));
    if (reverse) std::reverse(events->begin(), events->end());
    bj::array out;
    std::size_t end = std::min(events->size(), from + static_cast<std::size_t>(*max));
    for (std::size_t i = from; i < end; ++i) out.push_back(engine::to_history_json((*events)[i], include_data));
    bj::object r;
    r["events"] = std::move(out);
    if (end < events->size()) r["nextToken"] = make_token("h" + std::to_string(*seq), std::to_string(end));
    return done(ok(r));
  }

  return done(error("UnknownOperationException", "Unknown operation: " + action));
}

}  // namespace stepd::api
