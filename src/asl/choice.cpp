#include "src/asl/choice.h"

#include <optional>
#include <string_view>
#include <vector>

#include "src/common/json.h"
#include "src/common/timestamp.h"

namespace stepd::asl {

namespace {

// What an operator tests; the comparison (if any) is a separate Cmp.
enum class Family : unsigned char {
  kString,
  kStringMatches,
  kNumeric,
  kBoolean,
  kTimestamp,
  kIsNull,
  kIsPresent,
  kIsNumeric,
  kIsString,
  kIsBoolean,
  kIsTimestamp,
};

// The comparison an ordering operator applies (Equals, LessThan, ...).
enum class Cmp : unsigned char { kEq, kLt, kGt, kLe, kGe };

// One of the 39 data-test operators as spelled in ASL.
struct Operator {
  std::string_view name;
  Family family;
  Cmp cmp;
  bool path;  // the operand is a path to the value, not the value itself
};

constexpr Operator kOperators[] = {
    {"StringEquals", Family::kString, Cmp::kEq, false},
    {"StringEqualsPath", Family::kString, Cmp::kEq, true},
    {"StringLessThan", Family::kString, Cmp::kLt, false},
    {"StringLessThanPath", Family::kString, Cmp::kLt, true},
    {"StringGreaterThan", Family::kString, Cmp::kGt, false},
    {"StringGreaterThanPath", Family::kString, Cmp::kGt, true},
    {"StringLessThanEquals", Family::kString, Cmp::kLe, false},
    {"StringLessThanEqualsPath", Family::kString, Cmp::kLe, true},
    {"StringGreaterThanEquals", Family::kString, Cmp::kGe, false},
    {"StringGreaterThanEqualsPath", Family::kString, Cmp::kGe, true},
    {"StringMatches", Family::kStringMatches, Cmp::kEq, false},
    {"NumericEquals", Family::kNumeric, Cmp::kEq, false},
    {"NumericEqualsPath", Family::kNumeric, Cmp::kEq, true},
    {"NumericLessThan", Family::kNumeric, Cmp::kLt, false},
    {"NumericLessThanPath", Family::kNumeric, Cmp::kLt, true},
    {"NumericGreaterThan", Family::kNumeric, Cmp::kGt, false},
    {"NumericGreaterThanPath", Family::kNumeric, Cmp::kGt, true},
    {"NumericLessThanEquals", Family::kNumeric, Cmp::kLe, false},
    {"NumericLessThanEqualsPath", Family::kNumeric, Cmp::kLe, true},
    {"NumericGreaterThanEquals", Family::kNumeric, Cmp::kGe, false},
    {"NumericGreaterThanEqualsPath", Family::kNumeric, Cmp::kGe, true},
    {"BooleanEquals", Family::kBoolean, Cmp::kEq, false},
    {"BooleanEqualsPath", Family::kBoolean, Cmp::kEq, true},
    {"TimestampEquals", Family::kTimestamp, Cmp::kEq, false},
    {"TimestampEqualsPath", Family::kTimestamp, Cmp::kEq, true},
    {"TimestampLessThan", Family::kTimestamp, Cmp::kLt, false},
    {"TimestampLessThanPath", Family::kTimestamp, Cmp::kLt, true},
    {"TimestampGreaterThan", Family::kTimestamp, Cmp::kGt, false},
    {"TimestampGreaterThanPath", Family::kTimestamp, Cmp::kGt, true},
    {"TimestampLessThanEquals", Family::kTimestamp, Cmp::kLe, false},
    {"TimestampLessThanEqualsPath", Family::kTimestamp, Cmp::kLe, true},
    {"TimestampGreaterThanEquals", Family::kTimestamp, Cmp::kGe, false},
    {"TimestampGreaterThanEqualsPath", Family::kTimestamp, Cmp::kGe, true},
    {"IsNull", Family::kIsNull, Cmp::kEq, false},
    {"IsPresent", Family::kIsPresent, Cmp::kEq, false},
    {"IsNumeric", Family::kIsNumeric, Cmp::kEq, false},
    {"IsString", Family::kIsString, Cmp::kEq, false},
    {"IsBoolean", Family::kIsBoolean, Cmp::kEq, false},
    {"IsTimestamp", Family::kIsTimestamp, Cmp::kEq, false},
};
static_assert(sizeof(kOperators) / sizeof(kOperators[0]) == 39, "ASL has 39 data-test operators");

const Operator* find_operator(std::string_view name) {
  for (const auto& op : kOperators) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

// An instant exact to the nanosecond over every four-digit year, which
// int64 nanoseconds (parse_ns) cannot span.
struct Instant {
  std::int64_t ms;
  std::int32_t sub_ms_ns;
};

bool operator==(const Instant& a, const Instant& b) { return a.ms == b.ms && a.sub_ms_ns == b.sub_ms_ns; }
bool operator<(const Instant& a, const Instant& b) {
  return a.ms < b.ms || (a.ms == b.ms && a.sub_ms_ns < b.sub_ms_ns);
}

std::optional<Instant> to_instant(std::string_view text) {
  auto ms = timestamp::parse_ms(text);
  if (!ms) return std::nullopt;
  // parse_ms accepted the text, so a fraction, if any, follows the '.' at
  // index 19; its digits past the third are below a millisecond, and offsets
  // (whole minutes) never touch them.
  std::int32_t sub = 0;
  int scale = 100000;
  if (text[19] == '.') {
    for (std::size_t pos = 20; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
      if (pos < 23) continue;
      sub += (text[pos] - '0') * scale;
      scale /= 10;
    }
  }
  return Instant{*ms, sub};
}

template <class T>
bool compare(Cmp cmp, const T& a, const T& b) {
  switch (cmp) {
    case Cmp::kEq: return a == b;
    case Cmp::kLt: return a < b;
    case Cmp::kGt: return b < a;
    case Cmp::kLe: return !(b < a);
    case Cmp::kGe: return !(a < b);
  }
  return false;
}

// Splits a StringMatches pattern at its unescaped `*`s into literal pieces.
// `\*` is a literal star and `\\` a literal backslash (ASL spec); we read
// any other `\x` as `x` and a trailing lone `\` as itself, since AWS
// documents no other escape.
std::vector<std::string> split_pattern(std::string_view pattern) {
  std::vector<std::string> pieces(1);
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      pieces.back() += pattern[++i];
    } else if (c == '*') {
      pieces.emplace_back();
    } else {
      pieces.back() += c;
    }
  }
  return pieces;
}

// With `*` the only wildcard, matching the pieces leftmost-first is exact:
// the first piece anchors the start, the last the end, and taking the
// earliest occurrence of each middle piece never rules out a later one.
bool glob_matches(const std::vector<std::string>& pieces, std::string_view s) {
  const std::string& first = pieces.front();
  if (pieces.size() == 1) return s == first;
  const std::string& last = pieces.back();
  if (s.size() < first.size() + last.size()) return false;
  if (s.compare(0, first.size(), first) != 0) return false;
  if (s.compare(s.size() - last.size(), last.size(), last) != 0) return false;
  std::string_view middle = s.substr(first.size(), s.size() - first.size() - last.size());
  for (std::size_t i = 1; i + 1 < pieces.size(); ++i) {
    auto at = middle.find(pieces[i]);
    if (at == std::string_view::npos) return false;
    middle.remove_prefix(at + pieces[i].size());
  }
  return true;
}

}  // namespace

// One compiled Choice Rule: a combinator over child rules, or a data test
// of the value at `variable` against a literal or the value at `operand`.
class ChoiceRule {
 public:
  enum class Kind : unsigned char { kAnd, kOr, kNot, kTest };

  Kind kind = Kind::kTest;
  std::vector<ChoiceRule> children;  // kAnd, kOr (one or more), kNot (exactly one)

  // kTest
  const Operator* op = nullptr;
  std::optional<jsonpath::Path> variable;
  std::optional<jsonpath::Path> operand;  // op->path
  // The literal operand, by family (only the one op->family uses is set).
  std::string string;
  std::vector<std::string> pattern;  // kStringMatches
  double number = 0;
  bool boolean = false;  // kBoolean and every Is* operator
  Instant instant{0, 0};
};

namespace {

Result<jsonpath::Path> compile_path(std::string_view field, const bj::value& v) {
  const auto* s = v.if_string();
  if (!s) return Status::invalid("The value for the field '" + std::string(field) + "' must be a STRING");
  auto p = jsonpath::Path::parse(*s);
  if (!p.ok()) {
    return Status::invalid("The value for the field '" + std::string(field) + "' must be a valid JSONPath: " +
                           p.status().message());
  }
  return p;
}

Status compile_operand(ChoiceRule& r, const bj::value& v) {
  const std::string field(r.op->name);
  if (r.op->path) {
    auto p = compile_path(field, v);
    if (!p.ok()) return p.status();
    r.operand = std::move(p).value();
    return Status();
  }
  switch (r.op->family) {
    case Family::kString:
    case Family::kStringMatches:
      if (!v.is_string()) return Status::invalid("The value for the field '" + field + "' must be a STRING");
      if (r.op->family == Family::kStringMatches) {
        r.pattern = split_pattern(v.get_string());
      } else {
        r.string = std::string(v.get_string());
      }
      return Status();
    case Family::kNumeric:
      if (!v.is_number()) return Status::invalid("The value for the field '" + field + "' must be a NUMBER");
      r.number = json::to_double(v);
      return Status();
    case Family::kTimestamp: {
      const auto* s = v.if_string();
      auto t = s ? to_instant(*s) : std::nullopt;
      if (!t) return Status::invalid("The value for the field '" + field + "' must be an RFC3339 timestamp");
      r.instant = *t;
      return Status();
    }
    default:  // BooleanEquals and the Is* operators take a boolean
      if (!v.is_bool()) return Status::invalid("The value for the field '" + field + "' must be a BOOLEAN");
      r.boolean = v.get_bool();
      return Status();
  }
}

Result<ChoiceRule> compile_rule(const bj::object& o, bool top_level);

Result<ChoiceRule> compile_nested(std::string_view field, const bj::value& v) {
  const auto* o = v.if_object();
  if (!o) return Status::invalid("The value for the field '" + std::string(field) + "' must be a Choice Rule object");
  return compile_rule(*o, false);
}

Result<ChoiceRule> compile_rule(const bj::object& o, bool top_level) {
  ChoiceRule r;
  const bj::value* variable = nullptr;
  const bj::value* operand = nullptr;
  std::string_view chosen;  // the one operator field seen so far

  for (const auto& kv : o) {
    const std::string_view key = kv.key();
    const bj::value& v = kv.value();
    if (key == "Comment") {
      if (!v.is_string()) return Status::invalid("The value for the field 'Comment' must be a STRING");
      continue;
    }
    if (key == "Variable") {
      variable = &v;
      continue;
    }
    // Only a rule directly in `Choices` transitions or assigns; the caller reads those.
    if (top_level && (key == "Next" || key == "Assign")) continue;

    const Operator* op = find_operator(key);
    const bool combinator = key == "And" || key == "Or" || key == "Not";
    if (!op && !combinator) {
      return Status::invalid("The field '" + std::string(key) + "' is not supported in a " +
                             (top_level ? "Choice Rule" : "nested Choice Rule"));
    }
    if (!chosen.empty()) {
      return Status::invalid("A Choice Rule may have only one operator, found '" + std::string(chosen) + "' and '" +
                             std::string(key) + "'");
    }
    chosen = key;
    if (op) {
      r.kind = ChoiceRule::Kind::kTest;
      r.op = op;
      operand = &v;
    } else if (key == "Not") {
      r.kind = ChoiceRule::Kind::kNot;
      auto child = compile_nested(key, v);
      if (!child.ok()) return child.status();
      r.children.push_back(std::move(child).value());
    } else {
      r.kind = key == "And" ? ChoiceRule::Kind::kAnd : ChoiceRule::Kind::kOr;
      const auto* a = v.if_array();
      if (!a || a->empty()) {
        return Status::invalid("The value for the field '" + std::string(key) +
                               "' must be a non-empty array of Choice Rules");
      }
      r.children.reserve(a->size());
      for (const auto& e : *a) {
        auto child = compile_nested(key, e);
        if (!child.ok()) return child.status();
        r.children.push_back(std::move(child).value());
      }
    }
  }

  if (chosen.empty()) return Status::invalid("A Choice Rule must have a comparison operator, 'And', 'Or' or 'Not'");
  if (r.kind != ChoiceRule::Kind::kTest) {
    if (variable) {
      return Status::invalid("The field 'Variable' is not supported with '" + std::string(chosen) + "'");
    }
    return r;
  }
  if (!variable) return Status::invalid("The field 'Variable' is required with '" + std::string(chosen) + "'");
  auto p = compile_path("Variable", *variable);
  if (!p.ok()) return p.status();
  r.variable = std::move(p).value();
  Status s = compile_operand(r, *operand);
  if (!s.ok()) return s;
  return r;
}

// AWS's States.Runtime cause for a Variable or ...Path operand that names
// nothing (the engine prefixes "An error occurred while executing the
// state ..."). IsPresent is the one test that does not fail this way.
Status unresolved(const jsonpath::Path& p) {
  return Status::failed("States.Runtime",
                        "Invalid path '" + p.text() + "': The choice state's condition path references an invalid value.");
}

// The node `p` names, or nullptr. A definite path is looked up in place; an
// indefinite one (which AWS evaluates to the array of its matches) is
// gathered into `scratch`.
const bj::value* lookup(const jsonpath::Path& p, const jsonpath::Documents& docs, bj::value& scratch) {
  if (p.is_definite()) return p.find(docs);
  auto r = p.eval(docs);
  if (!r.ok()) return nullptr;
  scratch = std::move(r).value();
  return &scratch;
}

Result<bool> test(const ChoiceRule& r, const jsonpath::Documents& docs) {
  bj::value scratch;
  const bj::value* v = lookup(*r.variable, docs, scratch);
  if (r.op->family == Family::kIsPresent) return (v != nullptr) == r.boolean;
  if (!v) return unresolved(*r.variable);

  bj::value operand_scratch;
  const bj::value* rhs = nullptr;
  if (r.operand) {
    rhs = lookup(*r.operand, docs, operand_scratch);
    if (!rhs) return unresolved(*r.operand);
  }

  // A value of the wrong type (on either side) makes the comparison false,
  // as recorded for every operator family (choice_operators corpus).
  switch (r.op->family) {
    case Family::kString: {
      if (!v->is_string()) return false;
      std::string_view b = r.string;
      if (rhs) {
        if (!rhs->is_string()) return false;
        b = rhs->get_string();
      }
      // std::string_view compares bytes as unsigned char; for UTF-8 that is
      // code point order.
      return compare(r.op->cmp, std::string_view(v->get_string()), b);
    }
    case Family::kStringMatches:
      return v->is_string() && glob_matches(r.pattern, v->get_string());
    case Family::kNumeric: {
      if (!v->is_number()) return false;
      double b = r.number;
      if (rhs) {
        if (!rhs->is_number()) return false;
        b = json::to_double(*rhs);
      }
      return compare(r.op->cmp, json::to_double(*v), b);
    }
    case Family::kBoolean: {
      if (!v->is_bool()) return false;
      bool b = r.boolean;
      if (rhs) {
        if (!rhs->is_bool()) return false;
        b = rhs->get_bool();
      }
      return v->get_bool() == b;
    }
    case Family::kTimestamp: {
      if (!v->is_string()) return false;
      auto a = to_instant(v->get_string());
      if (!a) return false;
      Instant b = r.instant;
      if (rhs) {
        const auto* s = rhs->if_string();
        auto t = s ? to_instant(*s) : std::nullopt;
        if (!t) return false;
        b = *t;
      }
      return compare(r.op->cmp, *a, b);
    }
    case Family::kIsNull: return v->is_null() == r.boolean;
    case Family::kIsNumeric: return v->is_number() == r.boolean;
    case Family::kIsString: return v->is_string() == r.boolean;
    case Family::kIsBoolean: return v->is_bool() == r.boolean;
    case Family::kIsTimestamp: {
      const auto* s = v->if_string();
      const bool is_ts = s && timestamp::parse_ms(*s).has_value();
      return is_ts == r.boolean;
    }
    case Family::kIsPresent: break;  // answered above
  }
  return Status::internal("unhandled Choice operator " + std::string(r.op->name));
}

Result<bool> evaluate(const ChoiceRule& r, const jsonpath::Documents& docs) {
  switch (r.kind) {
    case ChoiceRule::Kind::kTest:
      return test(r, docs);
    case ChoiceRule::Kind::kNot: {
      auto m = evaluate(r.children.front(), docs);
      if (!m.ok()) return m;
      return !*m;
    }
    case ChoiceRule::Kind::kAnd:
    case ChoiceRule::Kind::kOr: {
      // Short-circuits in order, so a later rule's missing path only fails
      // the state when that rule is reached.
      const bool is_and = r.kind == ChoiceRule::Kind::kAnd;
      for (const auto& c : r.children) {
        auto m = evaluate(c, docs);
        if (!m.ok()) return m;
        if (*m != is_and) return !is_and;
      }
      return is_and;
    }
  }
  return Status::internal("unhandled Choice rule kind");
}

}  // namespace

Result<std::shared_ptr<const ChoiceRule>> compile_choice_rule(const bj::object& rule) {
  auto r = compile_rule(rule, true);
  if (!r.ok()) return r.status();
  return std::shared_ptr<const ChoiceRule>(std::make_shared<ChoiceRule>(std::move(r).value()));
}

Result<bool> matches(const ChoiceRule& rule, const jsonpath::Documents& docs) { return evaluate(rule, docs); }

}  // namespace stepd::asl
