#include "src/asl/validate.h"

#include <boost/json/array.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "src/asl/choice.h"
#include "src/common/json.h"
#include "src/common/timestamp.h"
#include "src/intrinsics/intrinsics.h"
#include "src/jsonata/jsonata.h"
#include "src/jsonpath/jsonpath.h"

// Messages follow AWS's recorded wording where it is known:
//   - conformance/localstack snapshots (ValidateStateMachineDefinition and
//     CreateStateMachine's InvalidDefinition texts);
//   - AWS answers quoted in public issues and emulator test suites
//     ("Field 'X' is not supported", "Missing 'Next' target: X",
//     "State \"X\" is not reachable.", "Workflow has no terminal state",
//     "The QueryLanguage is set to ..., but field ...", array indices
//     written as "Catch[0]" in locations).
// Everything else is plain English in the same style.

namespace stepd::asl {
namespace {

constexpr const char* kError = "ERROR";
constexpr const char* kSchema = "SCHEMA_VALIDATION_FAILED";
constexpr const char* kMissingTarget = "MISSING_TRANSITION_TARGET";
constexpr const char* kMissingEnd = "MISSING_END_STATE";
constexpr const char* kDuplicateName = "DUPLICATE_STATE_NAME";
constexpr const char* kInvalidName = "INVALID_STATE_NAME";
constexpr const char* kInvalidJson = "INVALID_JSON_DESCRIPTION";
// AWS parses every {% %} expression of a definition (the parser's message,
// without its code, at the field: "INVALID_JSONATA_EXPRESSION: Unexpected
// end of expression at /States/Main/Output", as quoted in emulator issues).
constexpr const char* kInvalidJsonata = "INVALID_JSONATA_EXPRESSION";

// The largest value AWS accepts for the second counts of Task timeouts,
// Wait, and retrier intervals/attempts.
constexpr std::int64_t kMaxSeconds = 99999999;
// MaxDelaySeconds must stay under one year plus a day.
constexpr std::int64_t kMaxDelaySeconds = 31622400;
constexpr std::size_t kMaxStateNameLength = 80;
constexpr std::size_t kMaxVariableNameLength = 80;
constexpr std::size_t kMaxLabelLength = 40;

enum class Lang : unsigned char { kJSONPath, kJSONata };

enum class Type : unsigned char { kTask, kPass, kChoice, kWait, kSucceed, kFail, kParallel, kMap };

const char* lang_name(Lang l) { return l == Lang::kJSONata ? "JSONata" : "JSONPath"; }

std::optional<Type> parse_type(std::string_view s) {
  if (s == "Task") return Type::kTask;
  if (s == "Pass") return Type::kPass;
  if (s == "Choice") return Type::kChoice;
  if (s == "Wait") return Type::kWait;
  if (s == "Succeed") return Type::kSucceed;
  if (s == "Fail") return Type::kFail;
  if (s == "Parallel") return Type::kParallel;
  if (s == "Map") return Type::kMap;
  return std::nullopt;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool one_of(std::string_view s, std::initializer_list<std::string_view> set) {
  for (auto x : set)
    if (s == x) return true;
  return false;
}

std::string field_loc(const std::string& loc, std::string_view field) {
  std::string out = loc;
  out += '/';
  out += field;
  return out;
}

std::string index_loc(const std::string& loc, std::size_t i) { return loc + "[" + std::to_string(i) + "]"; }

std::string_view as_sv(const bj::string& s) { return std::string_view(s.data(), s.size()); }
// Object keys come as Boost's string_view; without this overload they would
// convert to a temporary bj::string and the view would dangle.
std::string_view as_sv(bj::string_view s) { return std::string_view(s.data(), s.size()); }

// Decodes UTF-8 into code points; invalid bytes come back one by one as
// themselves so counting never stalls.
std::vector<std::uint32_t> code_points(std::string_view s) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) {
      out.push_back(b);
      ++i;
      continue;
    }
    std::uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    bool ok = true;
    for (std::size_t k = 1; k < len; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (!ok) {
      out.push_back(b);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

// An integral JSON number (5, or 5.0 as Jackson would still accept), clamped
// to int64 so huge values compare as huge instead of failing.
std::optional<std::int64_t> as_integer(const bj::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    auto u = v.get_uint64();
    return u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
               ? std::numeric_limits<std::int64_t>::max()
               : static_cast<std::int64_t>(u);
  }
  if (v.is_double()) {
    double d = v.get_double();
    if (!std::isfinite(d) || d != std::floor(d)) return std::nullopt;
    if (d >= 9.2e18) return std::numeric_limits<std::int64_t>::max();
    if (d <= -9.2e18) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

// "{% ... %}": a JSONata expression. Its body is parsed by another module.
bool is_jsonata_expr(const bj::value& v) {
  if (!v.is_string()) return false;
  auto s = as_sv(v.get_string());
  return s.size() >= 4 && starts_with(s, "{%") && ends_with(s, "%}");
}

// Fields of each state type, both query languages together; the language
// split is checked separately so that a misplaced field and a field of the
// other language get different messages.
bool field_allowed(Type t, std::string_view f) {
  if (one_of(f, {"Type", "Comment", "QueryLanguage"})) return true;
  switch (t) {
    case Type::kPass:
      return one_of(f, {"Next", "End", "InputPath", "OutputPath", "Parameters", "ResultPath", "Result", "Assign",
                        "Output"});
    case Type::kTask:
      return one_of(f, {"Next", "End", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath",
                        "Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
                        "HeartbeatSecondsPath", "Retry", "Catch", "Credentials", "Assign", "Arguments", "Output"});
    case Type::kChoice:
      return one_of(f, {"Choices", "Default", "InputPath", "OutputPath", "Assign", "Output"});
    case Type::kWait:
      return one_of(f, {"Next", "End", "InputPath", "OutputPath", "Seconds", "SecondsPath", "Timestamp",
                        "TimestampPath", "Assign", "Output"});
    case Type::kSucceed:
      return one_of(f, {"InputPath", "OutputPath", "Output"});
    case Type::kFail:
      return one_of(f, {"Error", "ErrorPath", "Cause", "CausePath"});
    case Type::kParallel:
      return one_of(f, {"Next", "End", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath",
                        "Branches", "Retry", "Catch", "Assign", "Arguments", "Output"});
    case Type::kMap:
      return one_of(f, {"Next",
                        "End",
                        "InputPath",
                        "OutputPath",
                        "Parameters",
                        "ResultSelector",
                        "ResultPath",
                        "ItemsPath",
                        "ItemSelector",
                        "Iterator",
                        "ItemProcessor",
                        "ItemReader",
                        "ItemBatcher",
                        "ResultWriter",
                        "MaxConcurrency",
                        "MaxConcurrencyPath",
                        "ToleratedFailurePercentage",
                        "ToleratedFailurePercentagePath",
                        "ToleratedFailureCount",
                        "ToleratedFailureCountPath",
                        "Label",
                        "Retry",
                        "Catch",
                        "Assign",
                        "Items",
                        "Output"});
  }
  return false;
}

bool jsonpath_only(std::string_view f) {
  return one_of(f, {"InputPath", "OutputPath", "ResultPath", "ResultSelector", "Parameters", "Result", "ItemsPath",
                    "TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath", "TimestampPath",
                    "MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath",
                    "ErrorPath", "CausePath"});
}

bool jsonata_only(std::string_view f) { return one_of(f, {"Output", "Arguments", "Items"}); }

// Fields of a JSONPath Choice rule, named when they show up in a JSONata rule.
bool jsonpath_rule_field(std::string_view f) {
  static const std::unordered_set<std::string_view> kFields = {
      "Variable", "And", "Or", "Not",
      "StringEquals", "StringEqualsPath", "StringLessThan", "StringLessThanPath", "StringGreaterThan",
      "StringGreaterThanPath", "StringLessThanEquals", "StringLessThanEqualsPath", "StringGreaterThanEquals",
      "StringGreaterThanEqualsPath", "StringMatches", "NumericEquals", "NumericEqualsPath", "NumericLessThan",
      "NumericLessThanPath", "NumericGreaterThan", "NumericGreaterThanPath", "NumericLessThanEquals",
      "NumericLessThanEqualsPath", "NumericGreaterThanEquals", "NumericGreaterThanEqualsPath", "BooleanEquals",
      "BooleanEqualsPath", "TimestampEquals", "TimestampEqualsPath", "TimestampLessThan", "TimestampLessThanPath",
      "TimestampGreaterThan", "TimestampGreaterThanPath", "TimestampLessThanEquals", "TimestampLessThanEqualsPath",
      "TimestampGreaterThanEquals", "TimestampGreaterThanEqualsPath", "IsNull", "IsPresent", "IsNumeric",
      "IsString", "IsBoolean", "IsTimestamp"};
  return kFields.count(f) != 0;
}

// What a path-valued field accepts.
enum class PathKind : unsigned char {
  kAny,        // InputPath, OutputPath: any Path, `$$` and `$var` included
  kReference,  // ItemsPath, *Path fields: a Reference Path from any root
  kResult,     // ResultPath: a Reference Path into the state input only
};

class Validator {
 public:
  std::vector<Diagnostic> run(const bj::value& definition) {
    if (!definition.is_object()) {
      add(kSchema, "Definition must be a valid JSON object", "");
      return std::move(out_);
    }
    const bj::object& root = definition.get_object();
    machine_lang_ = Lang::kJSONPath;
    if (auto* ql = root.if_contains("QueryLanguage"); ql && !(ql->is_string() && ql->get_string() == "JSONPath"))
      machine_lang_ = Lang::kJSONata;
    machine(root, "", /*top=*/true, /*processor=*/false);
    return std::move(out_);
  }

 private:
  void add(const char* code, std::string message, std::string location) {
    out_.push_back(Diagnostic{kError, code, std::move(message), std::move(location)});
  }
  void schema(std::string message, std::string location) { add(kSchema, std::move(message), std::move(location)); }

  void expected_type(const char* type, const std::string& loc) {
    schema(std::string("Expected value of type [") + type + "]", loc);
  }
  void not_supported(std::string_view field, const std::string& loc) {
    schema("Field '" + std::string(field) + "' is not supported", loc);
  }
  void other_language(Lang lang, std::string_view field, const std::string& loc) {
    Lang other = lang == Lang::kJSONata ? Lang::kJSONPath : Lang::kJSONata;
    schema(std::string("The QueryLanguage is set to '") + lang_name(lang) + "', but field '" + std::string(field) +
               "' is only supported for the '" + lang_name(other) + "' QueryLanguage",
           loc);
  }
  void required(std::initializer_list<std::string_view> missing, const std::string& loc) {
    std::string m = "These fields are required: [";
    bool first = true;
    for (auto f : missing) {
      if (!first) m += ", ";
      m += f;
      first = false;
    }
    m += "]";
    schema(std::move(m), loc.empty() ? "/" : loc);
  }
  void enum_value(std::string_view field, const bj::value& v, std::initializer_list<std::string_view> values,
                  const std::string& loc) {
    if (v.is_string() && one_of(as_sv(v.get_string()), values)) return;
    std::string m = "The field '" + std::string(field) + "' should have one of these values: [";
    bool first = true;
    for (auto x : values) {
      if (!first) m += ", ";
      m += x;
      first = false;
    }
    m += "]";
    schema(std::move(m), loc);
  }
  void string_field(const bj::value& v, const std::string& loc) {
    if (!v.is_string()) expected_type("STRING", loc);
  }
  void missing_target(std::string_view target, const std::string& loc) {
    add(kMissingTarget, "Missing 'Next' target: " + std::string(target), loc);
  }
  // A transition field: a string naming a state of the same States block.
  void target(const bj::value& v, const bj::object* siblings, const std::string& loc) {
    if (!v.is_string()) {
      expected_type("STRING", loc);
      return;
    }
    if (siblings && !siblings->contains(as_sv(v.get_string()))) missing_target(as_sv(v.get_string()), loc);
  }

  // --- numbers ---------------------------------------------------------

  // An integer field with bounds; in JSONata a {% %} expression is also fine.
  void integer(std::string_view field, const bj::value& v, std::int64_t min, std::int64_t max, Lang lang,
               const std::string& loc) {
    if (lang == Lang::kJSONata && is_jsonata_expr(v)) return;
    auto i = as_integer(v);
    if (!i) {
      expected_type("INTEGER", loc);
      return;
    }
    if (*i < min) {
      schema("The field '" + std::string(field) + "' must be " +
                 (min == 0 ? std::string("a non-negative integer") : min == 1 ? std::string("a positive integer")
                                                                             : ">= " + std::to_string(min)),
             loc);
    } else if (*i > max) {
      schema("The field '" + std::string(field) + "' must be less than or equal to " + std::to_string(max), loc);
    }
  }

  // --- paths, templates, variables -------------------------------------

  void path(std::string_view field, const bj::value& v, PathKind kind, bool nullable, const std::string& loc) {
    if (v.is_null() && nullable) return;
    if (!v.is_string()) {
      expected_type("STRING", loc);
      return;
    }
    auto p = jsonpath::Path::parse(as_sv(v.get_string()));
    bool ok = p.ok();
    if (ok && kind != PathKind::kAny) ok = p->is_reference();
    if (ok && kind == PathKind::kResult) ok = p->root() == jsonpath::Root::kInput;
    if (ok) return;
    if (kind == PathKind::kAny)
      schema("The value for the field '" + std::string(field) + "' must be a valid JSONPath", loc);
    else
      schema("The value for the field '" + std::string(field) + "' must be a valid ReferencePath", loc);
  }

  // The value of a `.$` key (or ErrorPath/CausePath): a path or an intrinsic call.
  bool dynamic_value_ok(const bj::value& v) {
    if (!v.is_string()) return false;
    auto text = as_sv(v.get_string());
    if (intrinsics::looks_like_call(text)) return intrinsics::parse(text).ok();
    return jsonpath::Path::parse(text).ok();
  }

  // A JSONPath payload template. `loc` names the object holding the keys
  // (AWS reports a bad `.$` value at its parent, e.g. ".../Parameters").
  void payload_template(const bj::value& v, const std::string& loc) {
    if (v.is_array()) {
      const auto& a = v.get_array();
      for (std::size_t i = 0; i < a.size(); ++i) payload_template(a[i], index_loc(loc, i));
      return;
    }
    if (!v.is_object()) return;
    const auto& o = v.get_object();
    for (const auto& kv : o) {
      auto key = as_sv(kv.key());
      if (ends_with(key, ".$")) {
        if (!dynamic_value_ok(kv.value()))
          schema("The value for the field '" + std::string(key) +
                     "' must be a valid JSONPath or a valid intrinsic function call",
                 loc);
        // Both "a" and "a.$" would produce the same output field.
        auto plain = key.substr(0, key.size() - 2);
        if (o.contains(plain)) schema("The field '" + std::string(plain) + "' is specified more than once", loc);
      } else {
        payload_template(kv.value(), field_loc(loc, key));
      }
    }
  }

  // Unicode identifier (ASCII checked strictly; any non-ASCII letter taken on
  // trust, since the JSONata/JSONPath modules resolve the same names).
  static bool identifier(std::string_view name) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
      auto c = static_cast<unsigned char>(name[i]);
      if (c >= 0x80) continue;
      bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
      bool digit = c >= '0' && c <= '9';
      if (!(letter || (digit && i > 0))) return false;
    }
    return true;
  }

  void assign(const bj::value& v, Lang lang, const std::string& loc) {
    if (!v.is_object()) {
      expected_type("OBJECT", loc);
      return;
    }
    for (const auto& kv : v.get_object()) {
      std::string_view name = as_sv(kv.key());
      if (lang == Lang::kJSONPath && ends_with(name, ".$")) name = name.substr(0, name.size() - 2);
      if (name == "states") {
        schema("The variable name 'states' is reserved", loc);
      } else if (!identifier(name)) {
        schema("The variable name '" + std::string(name) + "' is not a valid identifier", loc);
      } else if (code_points(name).size() > kMaxVariableNameLength) {
        schema("The variable name '" + std::string(name) + "' exceeds the maximum length of 80 characters", loc);
      }
    }
    if (lang == Lang::kJSONPath) payload_template(v, loc);
  }

  // --- Retry / Catch ---------------------------------------------------

  void error_equals(const bj::object& o, bool last, const std::string& loc) {
    auto* ee = o.if_contains("ErrorEquals");
    if (!ee) return;  // reported as required by the caller
    std::string eloc = field_loc(loc, "ErrorEquals");
    if (!ee->is_array()) {
      expected_type("ARRAY", eloc);
      return;
    }
    const auto& a = ee->get_array();
    if (a.empty()) {
      schema("Value cannot be empty", eloc);
      return;
    }
    bool has_all = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string())
        expected_type("STRING", index_loc(eloc, i));
      else if (a[i].get_string() == "States.ALL")
        has_all = true;
    }
    if (has_all && a.size() > 1) schema("'States.ALL' must appear alone in 'ErrorEquals'", eloc);
    if (has_all && !last) schema("A retrier or catcher with 'States.ALL' must be the last one", eloc);
  }

  void retriers(const bj::value& v, const std::string& loc) {
    if (!v.is_array()) {
      expected_type("ARRAY", loc);
      return;
    }
    const auto& a = v.get_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::string rloc = index_loc(loc, i);
      if (!a[i].is_object()) {
        expected_type("OBJECT", rloc);
        continue;
      }
      const auto& r = a[i].get_object();
      if (!r.contains("ErrorEquals")) required({"ErrorEquals"}, rloc);
      for (const auto& kv : r) {
        auto k = as_sv(kv.key());
        const auto& val = kv.value();
        std::string floc = field_loc(rloc, k);
        if (k == "ErrorEquals" || k == "Comment") {
          if (k == "Comment") string_field(val, floc);
        } else if (k == "IntervalSeconds") {
          integer(k, val, 1, kMaxSeconds, Lang::kJSONPath, floc);
        } else if (k == "MaxAttempts") {
          integer(k, val, 0, kMaxSeconds, Lang::kJSONPath, floc);
        } else if (k == "BackoffRate") {
          if (!val.is_number())
            expected_type("NUMBER", floc);
          else if (json::to_double(val) < 1.0)
            schema("The field 'BackoffRate' must be greater than or equal to 1.0", floc);
        } else if (k == "MaxDelaySeconds") {
          integer(k, val, 1, kMaxDelaySeconds, Lang::kJSONPath, floc);
        } else if (k == "JitterStrategy") {
          enum_value(k, val, {"FULL", "NONE"}, floc);
        } else {
          not_supported(k, rloc);
        }
      }
      error_equals(r, i + 1 == a.size(), rloc);
    }
  }

  void catchers(const bj::value& v, Lang lang, const bj::object* siblings, const std::string& loc) {
    if (!v.is_array()) {
      expected_type("ARRAY", loc);
      return;
    }
    const auto& a = v.get_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::string cloc = index_loc(loc, i);
      if (!a[i].is_object()) {
        expected_type("OBJECT", cloc);
        continue;
      }
      const auto& c = a[i].get_object();
      if (!c.contains("ErrorEquals") && !c.contains("Next"))
        required({"ErrorEquals", "Next"}, cloc);
      else if (!c.contains("ErrorEquals"))
        required({"ErrorEquals"}, cloc);
      else if (!c.contains("Next"))
        required({"Next"}, cloc);
      for (const auto& kv : c) {
        auto k = as_sv(kv.key());
        const auto& val = kv.value();
        std::string floc = field_loc(cloc, k);
        if (k == "ErrorEquals") {
          // checked below, with its position
        } else if (k == "Next") {
          target(val, siblings, floc);
        } else if (k == "Comment") {
          string_field(val, floc);
        } else if (k == "ResultPath") {
          if (lang == Lang::kJSONata)
            other_language(lang, k, cloc);
          else
            path(k, val, PathKind::kResult, true, floc);
        } else if (k == "Output") {
          if (lang == Lang::kJSONPath) other_language(lang, k, cloc);
        } else if (k == "Assign") {
          assign(val, lang, floc);
        } else {
          not_supported(k, cloc);
        }
      }
      error_equals(c, i + 1 == a.size(), cloc);
    }
  }

  // --- Choice ----------------------------------------------------------

  // Reports Next/Assign inside nested rules and returns a copy of `rule`
  // without the fields compile_choice_rule leaves to us (Next, Assign,
  // Comment), so a problem is reported once.
  bj::object strip_rule(const bj::object& rule, bool top, const std::string& loc) {
    bj::object copy;
    for (const auto& kv : rule) {
      auto k = as_sv(kv.key());
      if (k == "Comment") continue;
      if (k == "Next" || k == "Assign") {
        if (!top) not_supported(k, loc);
        continue;
      }
      if ((k == "And" || k == "Or") && kv.value().is_array()) {
        bj::array nested;
        const auto& a = kv.value().get_array();
        for (std::size_t i = 0; i < a.size(); ++i) {
          if (a[i].is_object())
            nested.push_back(strip_rule(a[i].get_object(), false, index_loc(field_loc(loc, k), i)));
          else
            nested.push_back(a[i]);
        }
        copy[kv.key()] = std::move(nested);
      } else if (k == "Not" && kv.value().is_object()) {
        copy[kv.key()] = strip_rule(kv.value().get_object(), false, field_loc(loc, k));
      } else {
        copy[kv.key()] = kv.value();
      }
    }
    return copy;
  }

  void choices(const bj::value& v, Lang lang, const bj::object* siblings, const std::string& loc) {
    if (!v.is_array()) {
      expected_type("ARRAY", loc);
      return;
    }
    const auto& a = v.get_array();
    if (a.empty()) {
      schema("Value cannot be empty", loc);
      return;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::string rloc = index_loc(loc, i);
      if (!a[i].is_object()) {
        expected_type("OBJECT", rloc);
        continue;
      }
      const auto& rule = a[i].get_object();
      if (!rule.contains("Next")) required({"Next"}, rloc);
      if (lang == Lang::kJSONata && !rule.contains("Condition")) required({"Condition"}, rloc);
      bool jsonpath_rule_ok = true;
      for (const auto& kv : rule) {
        auto k = as_sv(kv.key());
        const auto& val = kv.value();
        std::string floc = field_loc(rloc, k);
        if (k == "Next") {
          target(val, siblings, floc);
        } else if (k == "Assign") {
          assign(val, lang, floc);
        } else if (k == "Comment") {
          string_field(val, floc);
        } else if (lang == Lang::kJSONata) {
          if (k == "Condition") {
            if (!val.is_bool() && !val.is_string()) expected_type("STRING", floc);
          } else if (k == "Output") {
            // any JSON value, expressions parsed elsewhere
          } else if (jsonpath_rule_field(k)) {
            other_language(lang, k, rloc);
          } else {
            not_supported(k, rloc);
          }
        } else if (k == "Condition" || k == "Output") {
          other_language(lang, k, rloc);
          jsonpath_rule_ok = false;
        }
      }
      if (lang == Lang::kJSONPath && jsonpath_rule_ok) {
        bj::object stripped = strip_rule(rule, true, rloc);
        auto compiled = compile_choice_rule(stripped);
        if (!compiled.ok()) schema(compiled.status().message(), rloc);
      }
    }
  }

  // --- Map -------------------------------------------------------------

  void label(const bj::value& v, const std::string& loc) {
    if (!v.is_string()) {
      expected_type("STRING", loc);
      return;
    }
    auto cps = code_points(as_sv(v.get_string()));
    if (cps.empty()) {
      schema("Label cannot be empty", loc);
      return;
    }
    if (cps.size() > kMaxLabelLength) {
      schema("Label cannot exceed 40 characters", loc);
      return;
    }
    static constexpr std::string_view kForbidden = " ?*<>{}[]:;,\\|^~$#%&`\"";
    for (auto cp : cps) {
      bool control = cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
      if (control || (cp < 0x80 && kForbidden.find(static_cast<char>(cp)) != std::string_view::npos)) {
        std::string shown;
        if (control) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
          shown = buf;
        } else {
          shown = std::string(1, static_cast<char>(cp));
        }
        schema("Label contains invalid character: '" + shown + "'", loc);
        return;
      }
    }
  }

  // Parameters (JSONPath) or Arguments (JSONata) of ItemReader/ResultWriter.
  void io_arguments(std::string_view k, const bj::value& val, Lang lang, const std::string& owner_loc) {
    if (k == "Parameters") {
      if (lang == Lang::kJSONata)
        other_language(lang, k, owner_loc);
      else
        payload_template(val, field_loc(owner_loc, k));
    } else if (lang == Lang::kJSONPath) {
      other_language(lang, k, owner_loc);
    }
  }

  void item_reader(const bj::value& v, Lang lang, const std::string& loc) {
    if (!v.is_object()) {
      expected_type("OBJECT", loc);
      return;
    }
    const auto& o = v.get_object();
    if (!o.contains("Resource")) required({"Resource"}, loc);
    for (const auto& kv : o) {
      auto k = as_sv(kv.key());
      const auto& val = kv.value();
      std::string floc = field_loc(loc, k);
      if (k == "Resource") {
        string_field(val, floc);
      } else if (k == "Parameters" || k == "Arguments") {
        io_arguments(k, val, lang, loc);
      } else if (k == "ReaderConfig") {
        if (!val.is_object()) {
          expected_type("OBJECT", floc);
          continue;
        }
        const auto& rc = val.get_object();
        if (auto* it = rc.if_contains("InputType"))
          enum_value("InputType", *it, {"CSV", "JSON", "JSONL", "PARQUET", "MANIFEST"}, field_loc(floc, "InputType"));
        if (auto* hl = rc.if_contains("CSVHeaderLocation"))
          enum_value("CSVHeaderLocation", *hl, {"FIRST_ROW", "GIVEN"}, field_loc(floc, "CSVHeaderLocation"));
        if (auto* mi = rc.if_contains("MaxItems"))
          integer("MaxItems", *mi, 0, 100000000, lang, field_loc(floc, "MaxItems"));
        if (auto* mp = rc.if_contains("MaxItemsPath")) {
          if (lang == Lang::kJSONata)
            other_language(lang, "MaxItemsPath", floc);
          else
            path("MaxItemsPath", *mp, PathKind::kReference, false, field_loc(floc, "MaxItemsPath"));
        }
      } else {
        not_supported(k, loc);
      }
    }
  }

  void item_batcher(const bj::value& v, Lang lang, const std::string& loc) {
    if (!v.is_object()) {
      expected_type("OBJECT", loc);
      return;
    }
    for (const auto& kv : v.get_object()) {
      auto k = as_sv(kv.key());
      const auto& val = kv.value();
      std::string floc = field_loc(loc, k);
      if (k == "MaxItemsPerBatch" || k == "MaxInputBytesPerBatch") {
        integer(k, val, 1, std::numeric_limits<std::int64_t>::max(), lang, floc);
      } else if (k == "MaxItemsPerBatchPath" || k == "MaxInputBytesPerBatchPath") {
        if (lang == Lang::kJSONata)
          other_language(lang, k, loc);
        else
          path(k, val, PathKind::kReference, false, floc);
      } else if (k == "BatchInput") {
        if (lang == Lang::kJSONPath) payload_template(val, floc);
      } else {
        not_supported(k, loc);
      }
    }
  }

  void result_writer(const bj::value& v, Lang lang, const std::string& loc) {
    if (!v.is_object()) {
      expected_type("OBJECT", loc);
      return;
    }
    for (const auto& kv : v.get_object()) {
      auto k = as_sv(kv.key());
      const auto& val = kv.value();
      std::string floc = field_loc(loc, k);
      if (k == "Resource") {
        string_field(val, floc);
      } else if (k == "Parameters" || k == "Arguments") {
        io_arguments(k, val, lang, loc);
      } else if (k == "WriterConfig") {
        if (!val.is_object()) {
          expected_type("OBJECT", floc);
          continue;
        }
        const auto& wc = val.get_object();
        if (auto* t = wc.if_contains("Transformation"))
          enum_value("Transformation", *t, {"NONE", "COMPACT", "FLATTEN"}, field_loc(floc, "Transformation"));
        if (auto* t = wc.if_contains("OutputType"))
          enum_value("OutputType", *t, {"JSON", "JSONL"}, field_loc(floc, "OutputType"));
      } else {
        not_supported(k, loc);
      }
    }
  }

  // ProcessorConfig of a Map's ItemProcessor/Iterator; true for DISTRIBUTED.
  bool processor_config(const bj::value& v, const std::string& loc) {
    if (!v.is_object()) {
      expected_type("OBJECT", loc);
      return false;
    }
    const auto& o = v.get_object();
    bool distributed = false;
    for (const auto& kv : o) {
      auto k = as_sv(kv.key());
      std::string floc = field_loc(loc, k);
      if (k == "Mode") {
        enum_value(k, kv.value(), {"INLINE", "DISTRIBUTED"}, floc);
        distributed = kv.value().is_string() && kv.value().get_string() == "DISTRIBUTED";
      } else if (k == "ExecutionType") {
        enum_value(k, kv.value(), {"STANDARD", "EXPRESS"}, floc);
      } else {
        not_supported(k, loc);
      }
    }
    if (distributed && !o.contains("ExecutionType")) required({"ExecutionType"}, loc);
    if (!distributed && o.contains("ExecutionType")) not_supported("ExecutionType", loc);
    return distributed;
  }

  // --- states ----------------------------------------------------------

  void state(const bj::value& v, const bj::object& siblings, const std::string& loc) {
    if (!v.is_object()) {
      expected_type("OBJECT", loc);
      return;
    }
    const auto& st = v.get_object();
    const bj::value* type_v = st.if_contains("Type");
    if (!type_v) {
      required({"Type"}, loc);
      return;
    }
    std::optional<Type> type = type_v->is_string() ? parse_type(as_sv(type_v->get_string())) : std::nullopt;
    if (!type) {
      schema("The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, "
             "Map]",
             field_loc(loc, "Type"));
      return;
    }

    // A state without QueryLanguage takes the machine's, not its enclosing
    // Parallel's or Map's. Anything but the exact "JSONPath" means JSONata.
    Lang lang = machine_lang_;
    bool downgraded = false;
    if (const bj::value* ql = st.if_contains("QueryLanguage")) {
      bool is_jsonpath = ql->is_string() && ql->get_string() == "JSONPath";
      if (!ql->is_string())
        expected_type("STRING", field_loc(loc, "QueryLanguage"));
      else if (!is_jsonpath && ql->get_string() != "JSONata")
        schema("Value should be one of the following: [JSONPath, JSONata]", field_loc(loc, "QueryLanguage"));
      lang = is_jsonpath ? Lang::kJSONPath : Lang::kJSONata;
      if (is_jsonpath && machine_lang_ == Lang::kJSONata) {
        downgraded = true;
        schema("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", loc);
      }
    }
    bool distributed = false;
    for (const auto& kv : st) {
      auto k = as_sv(kv.key());
      const auto& val = kv.value();
      std::string floc = field_loc(loc, k);
      if (k == "Type" || k == "QueryLanguage") continue;
      if (!field_allowed(*type, k)) {
        not_supported(k, loc);
        continue;
      }
      if ((lang == Lang::kJSONata && jsonpath_only(k)) || (lang == Lang::kJSONPath && jsonata_only(k))) {
        // After a refused downgrade the downgrade is the whole answer.
        if (!downgraded) other_language(lang, k, loc);
        continue;
      }
      field(k, val, lang, siblings, floc, distributed);
      // Sub-machines are checked with their own language.
      if (lang == Lang::kJSONata && k != "Branches" && k != "ItemProcessor" && k != "Iterator") {
        jsonata_expressions(val, floc);
      }
    }

    transitions(*type, st, loc);
    cross_field(*type, st, lang, loc, distributed);
  }

  void field(std::string_view k, const bj::value& val, Lang lang, const bj::object& siblings,
             const std::string& floc, bool& distributed) {
    if (k == "Comment" || k == "Resource" || k == "Error" || k == "Cause") {
      string_field(val, floc);
    } else if (k == "Next" || k == "Default") {
      target(val, &siblings, floc);
    } else if (k == "End") {
      if (!val.is_bool()) expected_type("BOOLEAN", floc);
    } else if (k == "InputPath" || k == "OutputPath") {
      path(k, val, PathKind::kAny, true, floc);
    } else if (k == "ResultPath") {
      path(k, val, PathKind::kResult, true, floc);
    } else if (k == "ItemsPath" || k == "TimeoutSecondsPath" || k == "HeartbeatSecondsPath" || k == "SecondsPath" ||
               k == "TimestampPath" || k == "MaxConcurrencyPath" || k == "ToleratedFailurePercentagePath" ||
               k == "ToleratedFailureCountPath") {
      path(k, val, PathKind::kReference, false, floc);
    } else if (k == "Parameters" || k == "ResultSelector" || k == "ItemSelector") {
      if (lang == Lang::kJSONPath) payload_template(val, floc);
    } else if (k == "Assign") {
      assign(val, lang, floc);
    } else if (k == "Credentials") {
      credentials(val, lang, floc);
    } else if (k == "TimeoutSeconds" || k == "HeartbeatSeconds") {
      integer(k, val, 1, kMaxSeconds, lang, floc);
    } else if (k == "Seconds") {
      integer(k, val, 0, kMaxSeconds, lang, floc);
    } else if (k == "Timestamp") {
      if (lang == Lang::kJSONata && is_jsonata_expr(val)) return;
      if (!val.is_string())
        expected_type("STRING", floc);
      else if (!timestamp::parse_ms(as_sv(val.get_string())))
        schema("String does not match RFC3339 timestamp", floc);
    } else if (k == "ErrorPath" || k == "CausePath") {
      if (!dynamic_value_ok(val))
        schema("The value for the field '" + std::string(k) +
                   "' must be a valid JSONPath or a valid intrinsic function call",
               floc);
    } else if (k == "Retry") {
      retriers(val, floc);
    } else if (k == "Catch") {
      catchers(val, lang, &siblings, floc);
    } else if (k == "Choices") {
      choices(val, lang, &siblings, floc);
    } else if (k == "Branches") {
      if (!val.is_array()) {
        expected_type("ARRAY", floc);
        return;
      }
      const auto& a = val.get_array();
      if (a.empty()) schema("Value cannot be empty", floc);
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_object())
          expected_type("OBJECT", index_loc(floc, i));
        else
          machine(a[i].get_object(), index_loc(floc, i), false, false);
      }
    } else if (k == "ItemProcessor" || k == "Iterator") {
      if (!val.is_object()) {
        expected_type("OBJECT", floc);
        return;
      }
      if (const bj::value* pc = val.get_object().if_contains("ProcessorConfig"))
        distributed = processor_config(*pc, field_loc(floc, "ProcessorConfig"));
      machine(val.get_object(), floc, false, true);
    } else if (k == "MaxConcurrency" || k == "ToleratedFailureCount") {
      integer(k, val, 0, std::numeric_limits<std::int64_t>::max(), lang, floc);
    } else if (k == "ToleratedFailurePercentage") {
      if (lang == Lang::kJSONata && is_jsonata_expr(val)) return;
      if (!val.is_number())
        expected_type("NUMBER", floc);
      else if (json::to_double(val) < 0 || json::to_double(val) > 100)
        schema("The field 'ToleratedFailurePercentage' must be between 0 and 100", floc);
    } else if (k == "Label") {
      label(val, floc);
    } else if (k == "ItemReader") {
      item_reader(val, lang, floc);
    } else if (k == "ItemBatcher") {
      item_batcher(val, lang, floc);
    } else if (k == "ResultWriter") {
      result_writer(val, lang, floc);
    }
    // Result, Output, Arguments, Items: any JSON value (JSONata bodies are
    // parsed by the JSONata module).
  }

  // Every {% %} string at or below v must parse.
  void jsonata_expressions(const bj::value& v, const std::string& loc) {
    if (const auto* o = v.if_object()) {
      for (const auto& kv : *o) jsonata_expressions(kv.value(), field_loc(loc, as_sv(kv.key())));
      return;
    }
    if (const auto* a = v.if_array()) {
      for (std::size_t i = 0; i < a->size(); ++i) jsonata_expressions((*a)[i], index_loc(loc, i));
      return;
    }
    if (!is_jsonata_expr(v)) return;
    std::string_view t = as_sv(v.get_string());
    auto e = jsonata::compile(t.substr(2, t.size() - 4));
    if (!e.ok()) add(kInvalidJsonata, e.status().message(), loc);
  }

  void credentials(const bj::value& v, Lang lang, const std::string& loc) {
    if (!v.is_object()) {
      expected_type("OBJECT", loc);
      return;
    }
    const auto& o = v.get_object();
    bool has_role = o.contains("RoleArn") || (lang == Lang::kJSONPath && o.contains("RoleArn.$"));
    if (!has_role) schema("The field 'RoleArn' is required but was missing", loc);
    if (auto* r = o.if_contains("RoleArn")) string_field(*r, field_loc(loc, "RoleArn"));
    if (lang == Lang::kJSONPath) payload_template(v, loc);
  }

  // Next xor End for the states that continue; Choice/Succeed/Fail have
  // neither (their Next/End are refused as unsupported fields).
  void transitions(Type type, const bj::object& st, const std::string& loc) {
    if (type == Type::kChoice || type == Type::kSucceed || type == Type::kFail) return;
    const bj::value* next = st.if_contains("Next");
    const bj::value* end = st.if_contains("End");
    bool end_true = end && end->is_bool() && end->get_bool();
    if (next && end_true)
      schema("The fields 'Next' and 'End' cannot both be set", loc);
    else if (!next && !end_true)
      schema("Exactly one of the fields [Next, End] must be set, with 'End' true", loc);
  }

  void exclusive(const bj::object& st, std::string_view a, std::string_view b, const std::string& loc) {
    if (st.contains(a) && st.contains(b))
      schema("The fields '" + std::string(a) + "' and '" + std::string(b) + "' cannot both be set",
             field_loc(loc, a));
  }

  void cross_field(Type type, const bj::object& st, Lang lang, const std::string& loc, bool distributed) {
    switch (type) {
      case Type::kTask: {
        if (!st.contains("Resource")) required({"Resource"}, loc);
        exclusive(st, "TimeoutSeconds", "TimeoutSecondsPath", loc);
        exclusive(st, "HeartbeatSeconds", "HeartbeatSecondsPath", loc);
        const bj::value* t = st.if_contains("TimeoutSeconds");
        const bj::value* h = st.if_contains("HeartbeatSeconds");
        if (t && h) {
          auto ti = as_integer(*t);
          auto hi = as_integer(*h);
          if (ti && hi && *hi >= *ti)
            schema("The field 'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'",
                   field_loc(loc, "HeartbeatSeconds"));
        }
        break;
      }
      case Type::kChoice:
        if (!st.contains("Choices")) required({"Choices"}, loc);
        break;
      case Type::kWait: {
        int n = 0;
        for (auto f : {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"}) n += st.contains(f) ? 1 : 0;
        if (n != 1) {
          schema(lang == Lang::kJSONata
                     ? "Exactly one of the fields [Seconds, Timestamp] must be set"
                     : "Exactly one of the fields [Seconds, SecondsPath, Timestamp, TimestampPath] must be set",
                 loc);
        }
        break;
      }
      case Type::kFail:
        exclusive(st, "Error", "ErrorPath", loc);
        exclusive(st, "Cause", "CausePath", loc);
        break;
      case Type::kParallel:
        if (!st.contains("Branches")) required({"Branches"}, loc);
        break;
      case Type::kMap: {
        bool processor = st.contains("ItemProcessor"), iterator = st.contains("Iterator");
        if (!processor && !iterator) required({"ItemProcessor"}, loc);
        if (processor && iterator) exclusive(st, "ItemProcessor", "Iterator", loc);
        if (lang == Lang::kJSONPath) exclusive(st, "ItemSelector", "Parameters", loc);
        exclusive(st, "MaxConcurrency", "MaxConcurrencyPath", loc);
        exclusive(st, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", loc);
        exclusive(st, "ToleratedFailureCount", "ToleratedFailureCountPath", loc);
        if (!distributed) {
          // ItemReader is left out on purpose: AWS accepts it on an INLINE
          // Map at definition time (as measured by others against AWS); so
          // are the ToleratedFailure* fields (recorded: evaluate_jsonata
          // test_base_map[TOLERATED_FAILURE_COUNT] ran an inline Map with one).
          for (auto f : {"ItemBatcher", "ResultWriter", "Label"}) {
            if (st.contains(f))
              schema("Field '" + std::string(f) + "' is only supported when ProcessorConfig.Mode is DISTRIBUTED",
                     loc);
          }
        }
        break;
      }
      case Type::kPass:
      case Type::kSucceed:
        break;
    }
  }

  // --- machines --------------------------------------------------------

  // The top-level definition, a Parallel branch or a Map ItemProcessor.
  // `loc` is "" at the top, e.g. "/States/P/Branches[0]" below.
  void machine(const bj::object& m, const std::string& loc, bool top, bool processor) {
    const bj::value* states_v = m.if_contains("States");
    const bj::value* start_v = m.if_contains("StartAt");
    if (!states_v && !start_v)
      required({"States", "StartAt"}, loc);
    else if (!states_v)
      required({"States"}, loc);
    else if (!start_v)
      required({"StartAt"}, loc);

    for (const auto& kv : m) {
      auto k = as_sv(kv.key());
      const auto& val = kv.value();
      std::string floc = field_loc(loc, k);
      if (k == "States" || k == "StartAt") {
        if (k == "StartAt") string_field(val, floc);
        if (k == "States" && !val.is_object()) expected_type("OBJECT", floc);
      } else if (k == "Comment") {
        string_field(val, floc);
      } else if (top && k == "Version") {
        string_field(val, floc);
      } else if (top && k == "TimeoutSeconds") {
        integer(k, val, 0, kMaxSeconds, Lang::kJSONPath, floc);
      } else if (top && k == "QueryLanguage") {
        if (!val.is_string())
          expected_type("STRING", floc);
        else if (val.get_string() != "JSONPath" && val.get_string() != "JSONata")
          schema("Value should be one of the following: [JSONPath, JSONata]", floc);
      } else if (processor && k == "ProcessorConfig") {
        // checked by the Map state, which needs the mode
      } else {
        not_supported(k, loc.empty() ? "/" : loc);
      }
    }

    if (!states_v || !states_v->is_object()) return;
    const bj::object& states = states_v->get_object();
    for (const auto& kv : states) {
      auto name = as_sv(kv.key());
      std::string sloc = loc + "/States/" + std::string(name);
      state_name(name, sloc);
      state(kv.value(), states, sloc);
    }

    const bj::value* start = start_v && start_v->is_string() ? start_v : nullptr;
    bool start_ok = start && states.contains(as_sv(start->get_string()));
    if (start && !start_ok) missing_target(as_sv(start->get_string()), field_loc(loc, "StartAt"));

    // Only the top level must be able to end; a branch or iteration that
    // loops forever is accepted.
    if (top && !has_terminal(states)) {
      add(kMissingEnd, "Workflow has no terminal state", "");
      return;
    }
    if (start_ok) unreachable(states, as_sv(start->get_string()), loc);
  }

  void state_name(std::string_view name, const std::string& loc) {
    if (code_points(name).size() > kMaxStateNameLength)
      add(kInvalidName, "State name exceeds the maximum length of 80 characters: " + std::string(name), loc);
    auto [it, inserted] = names_.emplace(std::string(name), loc);
    if (!inserted) add(kDuplicateName, "Duplicate State name: " + std::string(name), loc);
  }

  static bool has_terminal(const bj::object& states) {
    for (const auto& kv : states) {
      if (!kv.value().is_object()) continue;
      const auto& st = kv.value().get_object();
      const bj::value* t = st.if_contains("Type");
      if (t && t->is_string() && (t->get_string() == "Succeed" || t->get_string() == "Fail")) return true;
      const bj::value* end = st.if_contains("End");
      if (end && end->is_bool() && end->get_bool()) return true;
    }
    return false;
  }

  static void push_target(const bj::value* v, std::vector<std::string_view>& out) {
    if (v && v->is_string()) out.push_back(as_sv(v->get_string()));
  }

  static std::vector<std::string_view> targets(const bj::value& v) {
    std::vector<std::string_view> out;
    if (!v.is_object()) return out;
    const auto& st = v.get_object();
    push_target(st.if_contains("Next"), out);
    push_target(st.if_contains("Default"), out);
    for (const char* list : {"Choices", "Catch"}) {
      const bj::value* a = st.if_contains(list);
      if (!a || !a->is_array()) continue;
      for (const auto& e : a->get_array())
        if (e.is_object()) push_target(e.get_object().if_contains("Next"), out);
    }
    return out;
  }

  void unreachable(const bj::object& states, std::string_view start, const std::string& loc) {
    std::unordered_set<std::string_view> seen{start};
    std::vector<std::string_view> todo{start};
    while (!todo.empty()) {
      auto name = todo.back();
      todo.pop_back();
      for (auto t : targets(states.at(name)))
        if (states.contains(t) && seen.insert(t).second) todo.push_back(t);
    }
    for (const auto& kv : states) {
      auto name = as_sv(kv.key());
      if (!seen.count(name))
        add(kMissingTarget, "State \"" + std::string(name) + "\" is not reachable.",
            loc + "/States/" + std::string(name));
    }
  }

  std::vector<Diagnostic> out_;
  Lang machine_lang_ = Lang::kJSONPath;
  // Every state name seen so far, across nested branches and processors.
  std::unordered_map<std::string, std::string> names_;
};

}  // namespace

std::vector<Diagnostic> validate(const bj::value& definition) { return Validator().run(definition); }

std::vector<Diagnostic> validate_text(std::string_view text) {
  bool blank = true;
  for (char c : text)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') blank = false;
  if (blank) return {Diagnostic{kError, kSchema, "Definition must be a valid JSON object", ""}};
  auto parsed = json::parse(text);
  if (!parsed.ok()) return {Diagnostic{kError, kInvalidJson, parsed.status().message(), ""}};
  return validate(parsed.value());
}

// AWS joins the problems with ", " and writes a missing location as "null"
// (e.g. "MISSING_END_STATE: Workflow has no terminal state at null").
std::string summarize(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) {
    if (d.severity != kError) continue;
    if (!out.empty()) out += ", ";
    out += d.code;
    out += ": ";
    out += d.message;
    out += " at ";
    out += d.location.empty() ? "null" : d.location;
  }
  return out;
}

bj::object validation_result(const std::vector<Diagnostic>& diagnostics) {
  bj::array out;
  bool fail = false;
  for (const auto& d : diagnostics) {
    fail = fail || d.severity == "ERROR";
    bj::object o;
    o["severity"] = d.severity;
    o["code"] = d.code;
    o["message"] = d.message;
    if (!d.location.empty()) o["location"] = d.location;
    out.push_back(std::move(o));
  }
  bj::object r;
  r["result"] = fail ? "FAIL" : "OK";
  r["diagnostics"] = std::move(out);
  return r;
}

}  // namespace stepd::asl
