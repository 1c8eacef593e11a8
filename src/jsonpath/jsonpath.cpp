#include "src/jsonpath/jsonpath.h"

#include <charconv>
#include <climits>
#include <cmath>
#include <regex>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include "src/common/json.h"

// Evaluation mirrors Jayway JsonPath 2.x token by token (PathToken,
// PropertyPathToken, ArrayIndexToken, ArraySliceToken, WildcardPathToken,
// ScanPathToken, PredicatePathToken, FunctionPathToken), because AWS quotes
// Jayway's PathNotFoundException messages in cause texts and its ordering
// and skipping rules decide what indefinite paths yield.

namespace stepd::jsonpath {

namespace internal {
struct Expr;
enum class Fn : unsigned char { kLength, kSum, kAvg, kMin, kMax, kStddev, kKeys };
}  // namespace internal

// One step of a parsed path: one Jayway path token.
struct Segment {
  enum class Kind : unsigned char {
    kName,      // ['a'] or .a
    kNames,     // ['a','b']
    kIndex,     // [0], [-1]
    kIndexes,   // [0,2]
    kSlice,     // [1:3], [:2], [-2:]
    kWildcard,  // .* or [*]
    kScan,      // ..
    kFilter,    // [?(...)]
    kFunction,  // .length()
  };
  Kind kind = Kind::kName;
  char quote = '\'';               // delimiter written in brackets; Jayway echoes it in path texts
  bool upstream_definite = true;   // every earlier segment names one node (Jayway isUpstreamDefinite)
  bool has_from = false;           // kSlice
  bool has_to = false;             // kSlice
  internal::Fn fn = internal::Fn::kLength;
  std::int64_t index = 0;          // kIndex; kSlice start
  std::int64_t to = 0;             // kSlice end
  std::string name;                // kName; kFunction's name
  std::vector<std::string> names;  // kNames
  std::vector<std::int64_t> indexes;  // kIndexes
  std::shared_ptr<const internal::Expr> filter;  // kFilter
};

namespace internal {

using Kind = Segment::Kind;

enum class Op : unsigned char {
  kEq, kNe, kTsEq, kTsNe, kLt, kLe, kGt, kGe, kRegex,
  kIn, kNin, kAll, kSubsetOf, kAnyOf, kNoneOf, kSize, kEmpty, kContains,
};

// A path inside a filter: relative to the current item (`@`) or to the
// document the whole path is evaluated on (`$`).
struct SubPath {
  bool relative = true;
  bool simple = true;  // only single names and single indexes: resolvable in place
  std::vector<Segment> segs;
};

// One side of a filter comparison (Jayway's ValueNode before evaluation).
struct Operand {
  enum class Kind : unsigned char { kLiteral, kPath, kPattern };
  Kind kind = Kind::kLiteral;
  bj::value literal;
  SubPath path;
  std::shared_ptr<const std::regex> pattern;
};

// A filter expression: `||`, `&&`, `!`, an existence check or a comparison.
struct Expr {
  enum class Kind : unsigned char { kOr, kAnd, kNot, kExists, kCompare };
  Kind kind = Kind::kExists;
  std::vector<Expr> children;  // kOr, kAnd, kNot
  Op op = Op::kEq;
  Operand left, right;  // kExists uses left.path
};

namespace {

// ---------------------------------------------------------------------------
// Path texts, as Jayway prints them in its messages.

bool token_definite(const Segment& s, bool leaf) {
  switch (s.kind) {
    case Kind::kName:
    case Kind::kIndex:
    case Kind::kFunction:
      return true;
    case Kind::kNames:
      return leaf;  // a leaf union merges into one object (multiPropertyMergeCase)
    default:
      return false;
  }
}

bool simple_definite(const std::vector<Segment>& segs) {
  for (const Segment& s : segs) {
    if (s.kind != Kind::kName && s.kind != Kind::kIndex) return false;
  }
  return true;
}

bool jayway_definite(const std::vector<Segment>& segs) {
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (!token_definite(segs[i], i + 1 == segs.size())) return false;
  }
  return true;
}

// `$..x.sum()`: Jayway rewrites it as `$.sum($..x)` (ScannerFunctionInverter),
// so the function sees every match at once.
bool scan_function(const std::vector<Segment>& segs) {
  return segs.size() >= 2 && segs.front().kind == Kind::kScan && segs.back().kind == Kind::kFunction;
}

void append_int(std::string& out, std::int64_t i) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, i);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void append_escaped_name(std::string& out, const std::string& name) {
  for (char c : name) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
}

const char* fn_name(Fn fn) {
  switch (fn) {
    case Fn::kLength: return "length";
    case Fn::kSum: return "sum";
    case Fn::kAvg: return "avg";
    case Fn::kMin: return "min";
    case Fn::kMax: return "max";
    case Fn::kStddev: return "stddev";
    case Fn::kKeys: return "keys";
  }
  return "";
}

// Jayway's getPathFragment(): names escaped and in their own quotes.
void append_fragment(std::string& out, const Segment& s) {
  switch (s.kind) {
    case Kind::kName:
      out += '[';
      out += s.quote;
      append_escaped_name(out, s.name);
      out += s.quote;
      out += ']';
      return;
    case Kind::kNames:
      out += '[';
      for (std::size_t i = 0; i < s.names.size(); ++i) {
        if (i) out += ',';
        out += s.quote;
        append_escaped_name(out, s.names[i]);
        out += s.quote;
      }
      out += ']';
      return;
    case Kind::kIndex:
      out += '[';
      append_int(out, s.index);
      out += ']';
      return;
    case Kind::kIndexes:
      out += '[';
      for (std::size_t i = 0; i < s.indexes.size(); ++i) {
        if (i) out += ',';
        append_int(out, s.indexes[i]);
      }
      out += ']';
      return;
    case Kind::kSlice:
      out += '[';
      if (s.has_from) append_int(out, s.index);
      out += ':';
      if (s.has_to) append_int(out, s.to);
      out += ']';
      return;
    case Kind::kWildcard: out += "[*]"; return;
    case Kind::kScan: out += ".."; return;
    case Kind::kFilter: out += "[?]"; return;
    case Kind::kFunction:
      out += '.';
      out += fn_name(s.fn);
      out += "()";
      return;
  }
}

// Jayway's PathToken.toString() from segment `from` on ("$" included from 0).
std::string jayway_text(const std::vector<Segment>& segs, std::size_t from = 0) {
  std::string out = from == 0 ? "$" : "";
  for (std::size_t i = from; i < segs.size(); ++i) append_fragment(out, segs[i]);
  return out;
}

// Jayway's `currentPath` when segment i is evaluated on a definite upstream:
// names unescaped in single quotes, indexes as written.
std::string eval_path(const std::vector<Segment>& segs, std::size_t i) {
  std::string out = "$";
  for (std::size_t j = 0; j < i; ++j) {
    const Segment& s = segs[j];
    if (s.kind == Kind::kName) {
      out += "['";
      out += s.name;
      out += "']";
    } else {
      append_fragment(out, s);
    }
  }
  return out;
}

// The Java class Jayway's default provider (json-smart) gives a value; it
// appears in "Expected to find an object ..." messages.
const char* java_class(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null: return "null";
    case bj::kind::bool_: return "java.lang.Boolean";
    case bj::kind::int64: {
      std::int64_t i = v.get_int64();
      return (i >= INT_MIN && i <= INT_MAX) ? "java.lang.Integer" : "java.lang.Long";
    }
    case bj::kind::uint64:
      return v.get_uint64() <= static_cast<std::uint64_t>(LLONG_MAX) ? "java.lang.Long" : "java.math.BigInteger";
    case bj::kind::double_: return "java.lang.Double";
    case bj::kind::string: return "java.lang.String";
    case bj::kind::array: return "net.minidev.json.JSONArray";
    case bj::kind::object: return "net.minidev.json.JSONObject";
  }
  return "null";
}

// Java's toString() of a value: strings bare, the rest as JSON.
std::string java_string(const bj::value& v) {
  if (const bj::string* s = v.if_string()) return std::string(s->data(), s->size());
  return json::to_json(v);
}

constexpr const char* kSmartProvider = "com.jayway.jsonpath.spi.json.JsonSmartJsonProvider";

// ---------------------------------------------------------------------------
// Functions (Jayway's PathFunction implementations, parameterless only).

bool apply_function(Fn fn, const bj::value& model, bj::value& result, std::string& error) {
  switch (fn) {
    case Fn::kLength:
      if (const bj::array* a = model.if_array()) result = static_cast<std::int64_t>(a->size());
      else if (const bj::object* o = model.if_object()) result = static_cast<std::int64_t>(o->size());
      else result = nullptr;
      return true;
    case Fn::kKeys:
      if (const bj::object* o = model.if_object()) {
        bj::array keys;
        for (const auto& kv : *o) keys.emplace_back(kv.key());
        result = std::move(keys);
      } else {
        result = nullptr;
      }
      return true;
    default:
      break;
  }
  // Aggregations read the numbers of an array and ignore everything else.
  double sum = 0, sum_sq = 0, lo = 0, hi = 0;
  std::size_t count = 0;
  if (const bj::array* a = model.if_array()) {
    for (const bj::value& e : *a) {
      if (!e.is_number()) continue;
      double d = json::to_double(e);
      if (count == 0 || d < lo) lo = d;
      if (count == 0 || d > hi) hi = d;
      sum += d;
      sum_sq += d * d;
      ++count;
    }
  }
  if (count == 0) {
    error = "Aggregation function attempted to calculate value using empty array";
    return false;
  }
  double n = static_cast<double>(count);
  switch (fn) {
    case Fn::kSum: result = sum; break;
    case Fn::kAvg: result = sum / n; break;
    case Fn::kMin: result = lo; break;
    case Fn::kMax: result = hi; break;
    case Fn::kStddev: result = std::sqrt(sum_sq / n - (sum / n) * (sum / n)); break;
    default: break;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Evaluation.

bool accept(const Expr& e, const bj::value& item, const bj::value& root);

// The node a simple (names and single indexes) path names, or nullptr.
const bj::value* find_simple(const std::vector<Segment>& segs, const bj::value& doc) {
  const bj::value* cur = &doc;
  for (const Segment& s : segs) {
    if (s.kind == Kind::kName) {
      const bj::object* o = cur->if_object();
      if (!o) return nullptr;
      cur = o->if_contains(s.name);
      if (!cur) return nullptr;
    } else {
      const bj::array* a = cur->if_array();
      if (!a) return nullptr;
      std::int64_t i = s.index < 0 ? static_cast<std::int64_t>(a->size()) + s.index : s.index;
      if (i < 0 || i >= static_cast<std::int64_t>(a->size())) return nullptr;
      cur = &(*a)[static_cast<std::size_t>(i)];
    }
  }
  return cur;
}

// Walks segments [0, end) over a document, appending matches to `out` in
// Jayway's order. A false return means Jayway would throw; `error` says why.
class Walker {
 public:
  Walker(const std::vector<Segment>& segs, std::size_t end, const bj::value& root, bool require,
         bj::array& out)
      : segs_(segs), end_(end), root_(root), require_(require), out_(out) {}

  bool eval(std::size_t i, const bj::value& model) {
    const Segment& s = segs_[i];
    switch (s.kind) {
      case Kind::kName:
      case Kind::kNames:
        return properties(i, model);
      case Kind::kIndex:
      case Kind::kIndexes: {
        int c = check_array(i, model);
        if (c <= 0) return c == 0;
        const bj::array& a = model.get_array();
        if (s.kind == Kind::kIndex) return index(i, a, s.index);
        for (std::int64_t idx : s.indexes) {
          if (!index(i, a, idx)) return false;
        }
        return true;
      }
      case Kind::kSlice: {
        int c = check_array(i, model);
        if (c <= 0) return c == 0;
        return slice(i, model.get_array());
      }
      case Kind::kWildcard:
        return wildcard(i, model);
      case Kind::kScan:
        return scan(i, model);
      case Kind::kFilter:
        return filter(i, model);
      case Kind::kFunction: {
        bj::value r;
        if (!apply_function(s.fn, model, r, error)) return false;
        return next(i, r);
      }
    }
    return true;
  }

  std::string error;

 private:
  bool leaf(std::size_t i) const { return i + 1 == end_; }

  bool next(std::size_t i, const bj::value& v) {
    if (leaf(i)) {
      out_.push_back(v);
      return true;
    }
    return eval(i + 1, v);
  }

  bool fail(std::string message) {
    error = std::move(message);
    return false;
  }

  // PropertyPathToken.evaluate.
  bool properties(std::size_t i, const bj::value& model) {
    const Segment& s = segs_[i];
    const bj::object* o = model.if_object();
    if (!o) {
      if (!s.upstream_definite) return true;
      std::string frag;
      append_fragment(frag, s);
      return fail("Expected to find an object with property " + frag + " in path " + eval_path(segs_, i) +
                  " but found '" + java_class(model) +
                  "'. This is not a json object according to the JsonProvider: '" + kSmartProvider + "'.");
    }
    if (s.kind == Kind::kName) return property(i, *o, s.name, true);
    if (leaf(i)) return merge(i, *o);
    for (const std::string& name : s.names) {
      if (!property(i, *o, name, false)) return false;
    }
    return true;
  }

  // PathToken.handleObjectProperty for one property.
  bool property(std::size_t i, const bj::object& o, const std::string& name, bool token_definite) {
    const bj::value* v = o.if_contains(name);
    if (v) return next(i, *v);
    if (leaf(i)) {
      if (!require_) return true;
      return fail("No results for path: " + eval_path(segs_, i) + "['" + name + "']");
    }
    if (!(segs_[i].upstream_definite && token_definite) && !require_) return true;
    return fail("Missing property in path " + eval_path(segs_, i) + "['" + name + "']");
  }

  // A leaf union of names: one object holding the names that exist.
  bool merge(std::size_t i, const bj::object& o) {
    const Segment& s = segs_[i];
    bj::object merged;
    for (const std::string& name : s.names) {
      if (const bj::value* v = o.if_contains(name)) {
        merged[name] = *v;
      } else if (require_) {
        std::string path = eval_path(segs_, i) + "[";
        for (std::size_t k = 0; k < s.names.size(); ++k) {
          if (k) path += ", ";
          path += "'" + s.names[k] + "'";
        }
        return fail("Missing property in path " + path + "]");
      }
    }
    out_.emplace_back(std::move(merged));
    return true;
  }

  // ArrayPathToken.checkArrayModel: 1 to go on, 0 to skip, -1 failed.
  int check_array(std::size_t i, const bj::value& model) {
    if (model.is_array()) return 1;
    if (!segs_[i].upstream_definite) return 0;
    if (model.is_null()) {
      fail("The path " + eval_path(segs_, i) + " is null");
    } else {
      fail("Filter: " + jayway_text(segs_, i) + " can only be applied to arrays. Current context is: " +
           java_string(model));
    }
    return -1;
  }

  // PathToken.handleArrayIndex: out of range is silently nothing.
  bool index(std::size_t i, const bj::array& a, std::int64_t idx) {
    std::int64_t n = static_cast<std::int64_t>(a.size());
    std::int64_t eff = idx < 0 ? n + idx : idx;
    if (eff < 0 || eff >= n) return true;
    return next(i, a[static_cast<std::size_t>(eff)]);
  }

  // ArraySliceToken, quirks included: in [from:to] only `to` is clamped and a
  // negative `to` yields nothing, while negative `from` counts from the end.
  bool slice(std::size_t i, const bj::array& a) {
    const Segment& s = segs_[i];
    std::int64_t len = static_cast<std::int64_t>(a.size());
    std::int64_t from = 0, to = 0;
    if (s.has_from && !s.has_to) {
      from = s.index < 0 ? len + s.index : s.index;
      if (from < 0) from = 0;
      to = len;
    } else if (s.has_from) {
      from = s.index;
      to = std::min(len, s.to);
      if (from >= to || len == 0) return true;
    } else {
      if (len == 0) return true;
      to = s.to < 0 ? len + s.to : s.to;
      to = std::min(len, to);
    }
    for (std::int64_t k = from; k < to; ++k) {
      if (!index(i, a, k)) return false;
    }
    return true;
  }

  bool wildcard(std::size_t i, const bj::value& model) {
    if (const bj::object* o = model.if_object()) {
      for (const auto& kv : *o) {
        if (!next(i, kv.value())) return false;
      }
      return true;
    }
    if (const bj::array* a = model.if_array()) {
      for (const bj::value& e : *a) {
        if (next(i, e)) continue;
        // Jayway swallows PathNotFoundException per element here.
        if (require_) return false;
        error.clear();
      }
      return true;
    }
    if (leaf(i)) return true;
    return fail("Expected to find an object or array in path " + eval_path(segs_, i) + " but found '" +
                java_class(model) + "'. ");
  }

  // ScanPathToken.walk: a node is handed to the next segment when it could
  // match it, then its children are walked, objects in key order.
  bool scan(std::size_t i, const bj::value& model) {
    if (const bj::object* o = model.if_object()) {
      if (scan_matches(i + 1, model) && !eval(i + 1, model)) return false;
      for (const auto& kv : *o) {
        if (!scan(i, kv.value())) return false;
      }
    } else if (const bj::array* a = model.if_array()) {
      if (scan_matches(i + 1, model) && !eval(i + 1, model)) return false;
      for (const bj::value& e : *a) {
        if (!scan(i, e)) return false;
      }
    }
    return true;
  }

  bool scan_matches(std::size_t j, const bj::value& model) {
    const Segment& s = segs_[j];
    switch (s.kind) {
      case Kind::kName: {
        const bj::object* o = model.if_object();
        return o && o->contains(s.name);
      }
      case Kind::kNames: {
        const bj::object* o = model.if_object();
        if (!o) return false;
        if (!leaf(j)) return true;
        for (const std::string& n : s.names) {
          if (!o->contains(n)) return false;
        }
        return true;
      }
      case Kind::kIndex:
      case Kind::kIndexes:
      case Kind::kSlice:
        return model.is_array();
      case Kind::kWildcard:
        return true;
      case Kind::kFilter:
        return accept(*s.filter, model, root_);
      default:
        return false;
    }
  }

  // PredicatePathToken: an object is kept or dropped whole; an array has its
  // elements filtered.
  bool filter(std::size_t i, const bj::value& model) {
    const Expr& e = *segs_[i].filter;
    if (model.is_object()) {
      if (accept(e, model, root_)) return next(i, model);
      return true;
    }
    if (const bj::array* a = model.if_array()) {
      for (const bj::value& item : *a) {
        if (accept(e, item, root_) && !next(i, item)) return false;
      }
      return true;
    }
    if (!segs_[i].upstream_definite) return true;
    return fail("Filter: " + jayway_text(segs_, i) + " can not be applied to primitives. Current context is: " +
                java_string(model));
  }

  const std::vector<Segment>& segs_;
  std::size_t end_;         // segments [0, end_) are walked
  const bj::value& root_;   // what `$` means inside filters
  bool require_;            // Jayway's REQUIRE_PROPERTIES (existence checks)
  bj::array& out_;
};

// What JsonPath.read gives: a definite path yields its node or fails; an
// indefinite path yields an array of matches.
struct Outcome {
  bool ok = true;
  bj::value value;
  std::string error;
};

Outcome evaluate(const std::vector<Segment>& segs, const bj::value& doc, const bj::value& root, bool require) {
  Outcome o;
  if (segs.empty()) {
    o.value = doc;
    return o;
  }
  bj::array found;
  if (scan_function(segs)) {
    Walker w(segs, segs.size() - 1, root, require, found);
    if (!w.eval(0, doc)) return Outcome{false, nullptr, std::move(w.error)};
    if (!apply_function(segs.back().fn, found, o.value, o.error)) o.ok = false;
    return o;
  }
  Walker w(segs, segs.size(), root, require, found);
  if (!w.eval(0, doc)) return Outcome{false, nullptr, std::move(w.error)};
  if (jayway_definite(segs)) {
    if (found.empty()) return Outcome{false, nullptr, "No results for path: " + jayway_text(segs)};
    o.value = std::move(found[0]);
    return o;
  }
  o.value = std::move(found);
  return o;
}

// ---------------------------------------------------------------------------
// Filters (Jayway's RelationalExpressionNode and EvaluatorFactory).

// An evaluated operand: undefined (nothing), a JSON node, or a pattern.
struct Val {
  const bj::value* v = nullptr;
  bj::value owned;
  const std::regex* re = nullptr;
};

void resolve(const Operand& op, const bj::value& item, const bj::value& root, Val& out) {
  switch (op.kind) {
    case Operand::Kind::kLiteral:
      out.v = &op.literal;
      return;
    case Operand::Kind::kPattern:
      out.re = op.pattern.get();
      return;
    case Operand::Kind::kPath: {
      const bj::value& doc = op.path.relative ? item : root;
      if (op.path.simple) {
        out.v = find_simple(op.path.segs, doc);
        return;
      }
      Outcome o = evaluate(op.path.segs, doc, root, false);
      if (!o.ok) return;  // PathNotFoundException makes the operand undefined
      out.owned = std::move(o.value);
      out.v = &out.owned;
      return;
    }
  }
}

bool exists(const SubPath& p, const bj::value& item, const bj::value& root) {
  const bj::value& doc = p.relative ? item : root;
  if (p.simple) return find_simple(p.segs, doc) != nullptr;
  return evaluate(p.segs, doc, root, true).ok;
}

bool parse_number(std::string_view s, double& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto r = std::from_chars(s.data(), end, out);
  return r.ec == std::errc() && r.ptr == end;
}

int compare_numbers(const bj::value& a, const bj::value& b) {
  if (a.is_int64() && b.is_int64()) {
    std::int64_t x = a.get_int64(), y = b.get_int64();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  double x = json::to_double(a), y = json::to_double(b);
  return x < y ? -1 : (x > y ? 1 : 0);
}

// Jayway's EQ: strings and numbers meet through the number the string spells.
bool equal(const Val& l, const Val& r) {
  if (!l.v || !r.v) return false;
  const bj::value& a = *l.v;
  const bj::value& b = *r.v;
  if (a.is_number() && b.is_number()) return compare_numbers(a, b) == 0;
  if (a.is_number() && b.is_string()) {
    double d;
    return parse_number(b.get_string(), d) && json::to_double(a) == d;
  }
  if (a.is_string() && b.is_number()) {
    double d;
    return parse_number(a.get_string(), d) && json::to_double(b) == d;
  }
  if (a.is_structured() != b.is_structured()) return false;
  return a == b;
}

int category(const bj::value& v) {
  if (v.is_number()) return 0;
  return static_cast<int>(v.kind()) + 1;
}

bool type_safe_equal(const Val& l, const Val& r) {
  if (!l.v || !r.v || category(*l.v) != category(*r.v)) return false;
  return equal(l, r);
}

// Jayway's LT/LTE/GT/GTE: numbers by value, strings by text, a string and a
// number by the number's text; anything else is false.
bool ordered(const Val& l, const Val& r, Op op) {
  if (!l.v || !r.v) return false;
  const bj::value& a = *l.v;
  const bj::value& b = *r.v;
  int c;
  if (a.is_number() && b.is_number()) {
    c = compare_numbers(a, b);
  } else if ((a.is_string() || a.is_number()) && (b.is_string() || b.is_number())) {
    std::string x = java_string(a), y = java_string(b);
    c = x.compare(y);
  } else {
    return false;
  }
  switch (op) {
    case Op::kLt: return c < 0;
    case Op::kLe: return c <= 0;
    case Op::kGt: return c > 0;
    default: return c >= 0;
  }
}

bool list_contains(const bj::array& list, const Val& needle) {
  for (const bj::value& e : list) {
    Val ev;
    ev.v = &e;
    if (equal(ev, needle)) return true;
  }
  return false;
}

std::string regex_input(const bj::value& v) {
  if (v.is_string() || v.is_number()) return java_string(v);
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  return "";
}

bool regex_matches(const std::regex& re, const Val& other) {
  if (!other.v) return std::regex_match(std::string(), re);
  try {
    if (const bj::array* a = other.v->if_array()) {
      for (const bj::value& e : *a) {
        if (std::regex_match(regex_input(e), re)) return true;
      }
      return false;
    }
    return std::regex_match(regex_input(*other.v), re);
  } catch (const std::regex_error&) {
    return false;  // catastrophic backtracking: treat as no match
  }
}

std::size_t utf16_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

bool compare(Op op, const Val& l, const Val& r) {
  switch (op) {
    case Op::kEq: return equal(l, r);
    case Op::kNe: return !equal(l, r);
    case Op::kTsEq: return type_safe_equal(l, r);
    case Op::kTsNe: return !type_safe_equal(l, r);
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
      return ordered(l, r, op);
    case Op::kRegex:
      if ((l.re != nullptr) == (r.re != nullptr)) return false;
      return l.re ? regex_matches(*l.re, r) : regex_matches(*r.re, l);
    case Op::kIn:
    case Op::kNin: {
      // A right side that is not a list makes Jayway's evaluator throw,
      // which rejects the item for both operators.
      const bj::array* list = r.v ? r.v->if_array() : nullptr;
      if (!list) return false;
      return list_contains(*list, l) == (op == Op::kIn);
    }
    case Op::kAll:
    case Op::kSubsetOf:
    case Op::kAnyOf:
    case Op::kNoneOf: {
      const bj::array* left = l.v ? l.v->if_array() : nullptr;
      const bj::array* right = r.v ? r.v->if_array() : nullptr;
      if (!left || !right) return false;
      if (op == Op::kAll) std::swap(left, right);  // left must hold every right element
      bool any = false, all = true;
      for (const bj::value& e : *left) {
        Val ev;
        ev.v = &e;
        bool in = list_contains(*right, ev);
        any = any || in;
        all = all && in;
      }
      if (op == Op::kAnyOf) return any;
      if (op == Op::kNoneOf) return !any;
      return all;
    }
    case Op::kSize: {
      if (!l.v || !r.v || !r.v->is_number()) return false;
      auto want = static_cast<std::int64_t>(json::to_double(*r.v));
      std::int64_t have;
      if (const bj::string* s = l.v->if_string()) have = static_cast<std::int64_t>(utf16_length(*s));
      else if (const bj::array* a = l.v->if_array()) have = static_cast<std::int64_t>(a->size());
      else if (const bj::object* o = l.v->if_object()) have = static_cast<std::int64_t>(o->size());
      else return false;
      return have == want;
    }
    case Op::kEmpty: {
      if (!l.v || !r.v || !r.v->is_bool()) return false;
      bool empty;
      if (const bj::string* s = l.v->if_string()) empty = s->empty();
      else if (const bj::array* a = l.v->if_array()) empty = a->empty();
      else if (const bj::object* o = l.v->if_object()) empty = o->empty();
      else return false;
      return empty == r.v->get_bool();
    }
    case Op::kContains: {
      if (!l.v) return false;
      if (const bj::string* s = l.v->if_string()) {
        const bj::string* t = r.v ? r.v->if_string() : nullptr;
        return t && std::string_view(*s).find(std::string_view(*t)) != std::string_view::npos;
      }
      if (const bj::array* a = l.v->if_array()) return list_contains(*a, r);
      return false;
    }
  }
  return false;
}

bool accept(const Expr& e, const bj::value& item, const bj::value& root) {
  switch (e.kind) {
    case Expr::Kind::kOr:
      for (const Expr& c : e.children) {
        if (accept(c, item, root)) return true;
      }
      return false;
    case Expr::Kind::kAnd:
      for (const Expr& c : e.children) {
        if (!accept(c, item, root)) return false;
      }
      return true;
    case Expr::Kind::kNot:
      return !accept(e.children.front(), item, root);
    case Expr::Kind::kExists:
      return exists(e.left.path, item, root);
    case Expr::Kind::kCompare: {
      Val l, r;
      resolve(e.left, item, root, l);
      resolve(e.right, item, root, r);
      return compare(e.op, l, r);
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// Parsing.

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Variable names: letters, digits and `_`; any non-ASCII byte is taken as
// part of a Unicode letter.
bool is_ident(char c) { return is_alpha(c) || is_digit(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80; }

// Where a dot-notation name ends inside a filter expression.
bool is_filter_stop(char c) {
  switch (c) {
    case ')': case '<': case '>': case '=': case '!': case '~':
    case '&': case '|': case ',': case ']':
      return true;
    default:
      return is_blank(c);
  }
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  Parser(std::string_view s, std::size_t pos) : s_(s), pos_(pos) {}

  // Reads segments up to the end of the text (top level) or, inside a
  // filter, up to the first character that cannot continue a path.
  bool segments(std::vector<Segment>& out, bool in_filter) {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '[') {
        if (!bracket(out)) return false;
      } else if (c == '.') {
        bool scan = pos_ + 1 < s_.size() && s_[pos_ + 1] == '.';
        pos_ += scan ? 2 : 1;
        if (scan) out.push_back(make(Kind::kScan));
        if (at_end(in_filter)) return fail(scan ? "a path must not end with '..'" : "a path must not end with '.'");
        if (s_[pos_] == '.') return fail("unexpected '.'");
        if (s_[pos_] == '[') {
          if (!bracket(out)) return false;
        } else if (s_[pos_] == '*') {
          ++pos_;
          out.push_back(make(Kind::kWildcard));
        } else {
          if (!dot_name(out, in_filter)) return false;
          if (scan && out.back().kind == Kind::kFunction) {
            return fail("'..' must be followed by a name, '*' or '['");
          }
        }
      } else if (in_filter) {
        break;
      } else {
        return fail(std::string("unexpected character '") + c + "'");
      }
      if (!out.empty() && out.back().kind == Kind::kFunction && pos_ < s_.size() &&
          (s_[pos_] == '.' || s_[pos_] == '[')) {
        return fail("a function call must end the path");
      }
    }
    return true;
  }

  std::size_t pos() const { return pos_; }
  const std::string& error() const { return error_; }

 private:
  static Segment make(Kind k) {
    Segment s;
    s.kind = k;
    return s;
  }

  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  bool at_end(bool in_filter) const {
    return pos_ >= s_.size() || (in_filter && is_filter_stop(s_[pos_]));
  }

  void skip_blanks() {
    while (pos_ < s_.size() && is_blank(s_[pos_])) ++pos_;
  }

  bool expect(char c) {
    skip_blanks();
    if (pos_ >= s_.size()) return fail(std::string("missing '") + c + "'");
    if (s_[pos_] != c) return fail(std::string("expected '") + c + "' but found '" + s_[pos_] + "'");
    ++pos_;
    return true;
  }

  // Jayway takes everything up to `.`, `[` or `(` as the name (so `a-b` and
  // non-ASCII names work without brackets); a space is an error.
  bool dot_name(std::vector<Segment>& out, bool in_filter) {
    std::size_t start = pos_;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '.' || c == '[' || c == '(') break;
      if (in_filter && is_filter_stop(c)) break;
      if (is_blank(c)) return fail("use bracket notation ['my prop'] if a property contains blank characters");
      if (c == ']') return fail("unbalanced ']'");
      ++pos_;
    }
    std::string name(s_.substr(start, pos_ - start));
    if (name.empty()) return fail("expected a property name");
    if (pos_ < s_.size() && s_[pos_] == '(') return function(out, name);
    Segment seg = make(Kind::kName);
    seg.name = std::move(name);
    out.push_back(std::move(seg));
    return true;
  }

  bool function(std::vector<Segment>& out, const std::string& name) {
    static const std::pair<const char*, Fn> kFunctions[] = {
        {"length", Fn::kLength}, {"sum", Fn::kSum}, {"avg", Fn::kAvg}, {"min", Fn::kMin},
        {"max", Fn::kMax}, {"stddev", Fn::kStddev}, {"keys", Fn::kKeys},
    };
    Segment seg = make(Kind::kFunction);
    bool known = false;
    for (const auto& [n, fn] : kFunctions) {
      if (name == n) {
        seg.fn = fn;
        known = true;
      }
    }
    if (!known) return fail("Function with name: " + name + " does not exist.");
    ++pos_;  // '('
    skip_blanks();
    if (pos_ >= s_.size()) return fail("Arguments to function: '" + name + "' are not closed properly.");
    if (s_[pos_] != ')') return fail("function parameters are not supported");
    ++pos_;
    seg.name = name;
    out.push_back(std::move(seg));
    return true;
  }

  bool bracket(std::vector<Segment>& out) {
    ++pos_;  // '['
    skip_blanks();
    if (pos_ >= s_.size()) return fail("missing ']'");
    char c = s_[pos_];
    if (c == '\'' || c == '"') return bracket_names(out, c);
    if (c == '*') {
      ++pos_;
      if (!expect(']')) return false;
      out.push_back(make(Kind::kWildcard));
      return true;
    }
    if (c == '?') {
      ++pos_;
      if (!expect('(')) return false;
      auto e = std::make_shared<Expr>();
      if (!parse_or(*e)) return false;
      if (!expect(')') || !expect(']')) return false;
      Segment seg = make(Kind::kFilter);
      seg.filter = std::move(e);
      out.push_back(std::move(seg));
      return true;
    }
    if (is_digit(c) || c == '-' || c == ':') return bracket_indexes(out);
    if (c == ']') return fail("empty brackets");
    return fail(std::string("unexpected character '") + c + "' after '['");
  }

  bool bracket_names(std::vector<Segment>& out, char quote) {
    std::vector<std::string> names;
    for (;;) {
      skip_blanks();
      if (pos_ >= s_.size()) return fail("missing ']'");
      if (s_[pos_] != quote) return fail(std::string("expected ") + quote + " to start a property name");
      std::string name;
      if (!quoted(quote, name)) return false;
      names.push_back(std::move(name));
      skip_blanks();
      if (pos_ >= s_.size()) return fail("missing ']'");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        break;
      }
      return fail("property names must be separated by ',' and closed by ']'");
    }
    Segment seg = make(names.size() == 1 ? Kind::kName : Kind::kNames);
    seg.quote = quote;
    if (names.size() == 1) seg.name = std::move(names[0]);
    else seg.names = std::move(names);
    out.push_back(std::move(seg));
    return true;
  }

  // [0], [-1], [0,2], [1:3], [:2], [-2:]: Java ints, as Jayway reads them.
  bool bracket_indexes(std::vector<Segment>& out) {
    std::size_t close = s_.find(']', pos_);
    if (close == std::string_view::npos) return fail("missing ']'");
    std::string_view body = s_.substr(pos_, close - pos_);
    for (char c : body) {
      if (!is_digit(c) && c != ',' && c != '-' && c != ':' && !is_blank(c)) {
        return fail(std::string("unexpected character '") + c + "' in an index");
      }
    }
    Segment seg;
    if (body.find(':') != std::string_view::npos) {
      std::size_t colon = body.find(':');
      std::string_view a = body.substr(0, colon), b = body.substr(colon + 1);
      if (b.find(':') != std::string_view::npos) return fail("slice steps are not supported");
      seg.kind = Kind::kSlice;
      if (!integer(a, true, seg.has_from, seg.index) || !integer(b, true, seg.has_to, seg.to)) return false;
      if (!seg.has_from && !seg.has_to) return fail("a slice needs a start or an end");
    } else {
      std::vector<std::int64_t> idx;
      std::size_t start = 0;
      for (;;) {
        std::size_t comma = body.find(',', start);
        std::size_t len = comma == std::string_view::npos ? body.size() - start : comma - start;
        std::string_view part = body.substr(start, len);
        bool present;
        std::int64_t v;
        if (!integer(part, false, present, v)) return false;
        idx.push_back(v);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      if (idx.size() == 1) {
        seg.kind = Kind::kIndex;
        seg.index = idx[0];
      } else {
        seg.kind = Kind::kIndexes;
        seg.indexes = std::move(idx);
      }
    }
    pos_ = close + 1;
    out.push_back(std::move(seg));
    return true;
  }

  bool integer(std::string_view text, bool optional, bool& present, std::int64_t& value) {
    while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
    present = !text.empty();
    if (!present) return optional || fail("expected an index");
    const char* end = text.data() + text.size();
    auto r = std::from_chars(text.data(), end, value);
    if (r.ec != std::errc() || r.ptr != end || value < INT_MIN || value > INT_MAX) {
      return fail("invalid index '" + std::string(text) + "'");
    }
    return true;
  }

  // A quoted string with JSON-style escapes (Jayway's Utils.unescape); an
  // unknown escape keeps the escaped character.
  bool quoted(char quote, std::string& out) {
    ++pos_;  // opening quote
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == quote) return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) break;
      char e = s_[pos_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          std::uint32_t cp;
          if (!hex4(cp)) return fail("invalid \\u escape");
          if (cp >= 0xD800 && cp < 0xDC00 && pos_ + 1 < s_.size() && s_[pos_] == '\\' && s_[pos_ + 1] == 'u') {
            std::size_t save = pos_;
            pos_ += 2;
            std::uint32_t lo;
            if (hex4(lo) && lo >= 0xDC00 && lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              pos_ = save;
            }
          }
          append_utf8(out, cp);
          break;
        }
        default: out += e; break;
      }
    }
    return fail(std::string("unterminated string, missing ") + quote);
  }

  bool hex4(std::uint32_t& cp) {
    if (pos_ + 4 > s_.size()) return false;
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      char h = s_[pos_++];
      cp <<= 4;
      if (is_digit(h)) cp |= static_cast<std::uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') cp |= static_cast<std::uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') cp |= static_cast<std::uint32_t>(h - 'A' + 10);
      else return false;
    }
    return true;
  }

  bool starts_with(std::string_view t) const { return s_.substr(pos_, t.size()) == t; }

  // Precedence as in Jayway 2.4+: `!` and parentheses, then `&&`, then `||`.
  bool parse_or(Expr& e) {
    Expr first;
    if (!parse_and(first)) return false;
    skip_blanks();
    if (!starts_with("||")) {
      e = std::move(first);
      return true;
    }
    e.kind = Expr::Kind::kOr;
    e.children.push_back(std::move(first));
    while (skip_blanks(), starts_with("||")) {
      pos_ += 2;
      Expr next;
      if (!parse_and(next)) return false;
      e.children.push_back(std::move(next));
    }
    return true;
  }

  bool parse_and(Expr& e) {
    Expr first;
    if (!parse_unary(first)) return false;
    skip_blanks();
    if (!starts_with("&&")) {
      e = std::move(first);
      return true;
    }
    e.kind = Expr::Kind::kAnd;
    e.children.push_back(std::move(first));
    while (skip_blanks(), starts_with("&&")) {
      pos_ += 2;
      Expr next;
      if (!parse_unary(next)) return false;
      e.children.push_back(std::move(next));
    }
    return true;
  }

  bool parse_unary(Expr& e) {
    skip_blanks();
    if (pos_ >= s_.size()) return fail("unexpected end of filter");
    if (s_[pos_] == '!') {
      ++pos_;
      e.kind = Expr::Kind::kNot;
      e.children.emplace_back();
      return parse_unary(e.children.back());
    }
    if (s_[pos_] == '(') {
      ++pos_;
      if (!parse_or(e)) return false;
      return expect(')');
    }
    return parse_relation(e);
  }

  bool parse_relation(Expr& e) {
    if (!operand(e.left)) return false;
    skip_blanks();
    std::size_t start = pos_;
    std::string op;
    if (pos_ < s_.size() && std::string_view("<>=!~").find(s_[pos_]) != std::string_view::npos) {
      while (pos_ < s_.size() && std::string_view("<>=!~").find(s_[pos_]) != std::string_view::npos) op += s_[pos_++];
    } else {
      while (pos_ < s_.size() && is_alpha(s_[pos_])) {
        op += static_cast<char>(s_[pos_] >= 'A' && s_[pos_] <= 'Z' ? s_[pos_] - 'A' + 'a' : s_[pos_]);
        ++pos_;
      }
    }
    if (op.empty()) {
      if (e.left.kind != Operand::Kind::kPath) return fail("expected a comparison operator");
      e.kind = Expr::Kind::kExists;
      return true;
    }
    static const std::pair<const char*, Op> kOps[] = {
        {"==", Op::kEq}, {"!=", Op::kNe}, {"===", Op::kTsEq}, {"!==", Op::kTsNe},
        {"<", Op::kLt}, {"<=", Op::kLe}, {">", Op::kGt}, {">=", Op::kGe}, {"=~", Op::kRegex},
        {"in", Op::kIn}, {"nin", Op::kNin}, {"all", Op::kAll}, {"subsetof", Op::kSubsetOf},
        {"anyof", Op::kAnyOf}, {"noneof", Op::kNoneOf}, {"size", Op::kSize}, {"empty", Op::kEmpty},
        {"contains", Op::kContains},
    };
    bool known = false;
    for (const auto& [text, o] : kOps) {
      if (op == text) {
        e.op = o;
        known = true;
      }
    }
    if (!known) {
      pos_ = start;
      return fail("unsupported operator '" + op + "'");
    }
    e.kind = Expr::Kind::kCompare;
    return operand(e.right);
  }

  bool operand(Operand& o) {
    skip_blanks();
    if (pos_ >= s_.size()) return fail("expected a value");
    char c = s_[pos_];
    if (c == '@' || c == '$') {
      ++pos_;
      o.kind = Operand::Kind::kPath;
      o.path.relative = c == '@';
      if (!segments(o.path.segs, true)) return false;
      finish(o.path.segs);
      o.path.simple = simple_definite(o.path.segs);
      return true;
    }
    if (c == '/') return pattern(o);
    o.kind = Operand::Kind::kLiteral;
    return literal(o.literal);
  }

  // Java regex /.../ with an optional `i`, run as ECMAScript (same syntax for
  // the common subset) and matched against the whole input like matches().
  bool pattern(Operand& o) {
    std::size_t start = ++pos_;
    std::string re;
    while (pos_ < s_.size() && s_[pos_] != '/') {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) re += s_[pos_++];
      re += s_[pos_++];
    }
    if (pos_ >= s_.size()) {
      pos_ = start;
      return fail("pattern not closed, missing '/'");
    }
    ++pos_;
    auto flags = std::regex::ECMAScript;
    while (pos_ < s_.size() && is_alpha(s_[pos_])) {
      if (s_[pos_] != 'i') return fail(std::string("unsupported pattern flag '") + s_[pos_] + "'");
      flags |= std::regex::icase;
      ++pos_;
    }
    try {
      o.pattern = std::make_shared<const std::regex>(re, flags);
    } catch (const std::regex_error&) {
      return fail("invalid regular expression /" + re + "/");
    }
    o.kind = Operand::Kind::kPattern;
    return true;
  }

  // Filter literals: strings in either quote, numbers, true/false/null and
  // JSON arrays/objects (whose strings may use single quotes, as json-smart allows).
  bool literal(bj::value& v) {
    skip_blanks();
    if (pos_ >= s_.size()) return fail("expected a value");
    char c = s_[pos_];
    if (c == '\'' || c == '"') {
      std::string str;
      if (!quoted(c, str)) return false;
      v = bj::string(str);
      return true;
    }
    if (c == '-' || is_digit(c)) return number(v);
    if (c == '[') {
      ++pos_;
      bj::array a;
      skip_blanks();
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
      } else {
        for (;;) {
          bj::value e;
          if (!literal(e)) return false;
          a.push_back(std::move(e));
          skip_blanks();
          if (pos_ < s_.size() && s_[pos_] == ',') {
            ++pos_;
            continue;
          }
          if (!expect(']')) return false;
          break;
        }
      }
      v = std::move(a);
      return true;
    }
    if (c == '{') {
      ++pos_;
      bj::object o;
      skip_blanks();
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
      } else {
        for (;;) {
          skip_blanks();
          if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) return fail("expected a quoted key");
          std::string key;
          if (!quoted(s_[pos_], key)) return false;
          if (!expect(':')) return false;
          bj::value e;
          if (!literal(e)) return false;
          o[key] = std::move(e);
          skip_blanks();
          if (pos_ < s_.size() && s_[pos_] == ',') {
            ++pos_;
            continue;
          }
          if (!expect('}')) return false;
          break;
        }
      }
      v = std::move(o);
      return true;
    }
    for (const char* word : {"true", "false", "null"}) {
      if (starts_with(word)) {
        pos_ += std::char_traits<char>::length(word);
        if (word[0] == 'n') v = nullptr;
        else v = word[0] == 't';
        return true;
      }
    }
    return fail("expected a value");
  }

  bool number(bj::value& v) {
    std::size_t start = pos_;
    bool real = false;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '.' || c == 'e' || c == 'E' || c == '+') real = true;
      else if (!is_digit(c) && c != '-') break;
      ++pos_;
    }
    std::string_view text = s_.substr(start, pos_ - start);
    const char* end = text.data() + text.size();
    if (!real) {
      std::int64_t i;
      auto r = std::from_chars(text.data(), end, i);
      if (r.ec == std::errc() && r.ptr == end) {
        v = i;
        return true;
      }
    }
    double d;
    if (!parse_number(text, d)) return fail("invalid number '" + std::string(text) + "'");
    v = d;
    return true;
  }

 public:
  // Marks which segments follow only definite ones.
  static void finish(std::vector<Segment>& segs) {
    bool definite = true;
    for (std::size_t i = 0; i < segs.size(); ++i) {
      segs[i].upstream_definite = definite;
      definite = definite && token_definite(segs[i], i + 1 == segs.size());
    }
  }

 private:
  std::string_view s_;
  std::size_t pos_;
  std::string error_;
};

}  // namespace
}  // namespace internal

using internal::Kind;

Result<Path> Path::parse(std::string_view text) {
  Path p;
  p.text_ = std::string(text);
  // Jayway trims the text before compiling it.
  std::size_t b = 0, e = text.size();
  while (b < e && internal::is_blank(text[b])) ++b;
  while (e > b && internal::is_blank(text[e - 1])) --e;
  std::string_view s = text.substr(b, e - b);
  auto invalid = [&](const std::string& why, std::size_t pos) {
    return Status::invalid("invalid JSONPath '" + p.text_ + "': " + why + " at position " + std::to_string(b + pos));
  };
  if (s.empty()) return Status::invalid("invalid JSONPath: the path is empty");
  if (s[0] != '$') return invalid("a path must start with '$'", 0);
  std::size_t pos = 1;
  if (pos < s.size() && s[pos] == '$') {
    p.root_ = Root::kContext;
    ++pos;
  } else if (pos < s.size() && internal::is_ident(s[pos]) && !internal::is_digit(s[pos])) {
    while (pos < s.size() && internal::is_ident(s[pos])) ++pos;
    p.root_ = Root::kVariable;
    p.variable_ = std::string(s.substr(1, pos - 1));
  }
  if (pos < s.size() && s[pos] != '.' && s[pos] != '[') {
    return invalid(std::string("unexpected character '") + s[pos] + "', expected '.' or '['", pos);
  }
  std::vector<Segment> segs;
  internal::Parser parser(s, pos);
  if (!parser.segments(segs, false)) return invalid(parser.error(), parser.pos());
  internal::Parser::finish(segs);
  p.definite_ = internal::simple_definite(segs);
  p.reference_ = p.definite_;
  for (const Segment& seg : segs) {
    if (seg.kind == Kind::kIndex && seg.index < 0) p.reference_ = false;
  }
  p.segments_ = std::make_shared<const std::vector<Segment>>(std::move(segs));
  return p;
}

bool Path::is_root() const { return !segments_ || segments_->empty(); }

const bj::value* Path::find_on(const bj::value& root) const {
  if (!definite_) return nullptr;
  if (!segments_) return &root;
  return internal::find_simple(*segments_, root);
}

Result<bj::value> Path::eval_on(const bj::value& root) const {
  if (!segments_ || segments_->empty()) return root;
  if (definite_) {
    if (const bj::value* v = internal::find_simple(*segments_, root)) return *v;
  }
  internal::Outcome o = internal::evaluate(*segments_, root, root, false);
  if (o.ok) return std::move(o.value);
  // AWS answers an indefinite path that Jayway cannot follow with no matches
  // (test_json_path_array_wildcard_or_slice_with_no_input: `$.item.items[*]`
  // on {} gives []), while a definite path fails with Jayway's message.
  if (internal::jayway_definite(*segments_) || internal::scan_function(*segments_)) {
    return Status::not_found(std::move(o.error));
  }
  return bj::value(bj::array());
}

namespace {

const bj::value* document_of(const Path& p, const Documents& docs) {
  switch (p.root()) {
    case Root::kInput: return &docs.input();
    case Root::kContext: return &docs.context();
    case Root::kVariable: return docs.variable(p.variable());
  }
  return nullptr;
}

}  // namespace

const bj::value* Path::find(const Documents& docs) const {
  const bj::value* doc = document_of(*this, docs);
  return doc ? find_on(*doc) : nullptr;
}

Result<bj::value> Path::eval(const Documents& docs) const {
  const bj::value* doc = document_of(*this, docs);
  if (!doc) return Status::not_found("The variable '" + variable_ + "' is not defined");
  return eval_on(*doc);
}

Status Path::assign(bj::value& doc, bj::value v) const {
  if (!reference_) return Status::invalid("'" + text_ + "' is not a reference path");
  if (!segments_ || segments_->empty()) {
    doc = std::move(v);
    return Status();
  }
  const std::vector<Segment>& segs = *segments_;
  bj::value* cur = &doc;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const Segment& s = segs[i];
    bool last = i + 1 == segs.size();
    if (s.kind == Kind::kName) {
      bj::object* o = cur->if_object();
      if (!o) {
        return Status::not_found("Cannot write at " + internal::jayway_text(segs) + ": " +
                                 internal::eval_path(segs, i) + " is " + json::type_name(*cur) +
                                 ", not an object");
      }
      if (last) {
        (*o)[s.name] = std::move(v);
        return Status();
      }
      auto it = o->find(s.name);
      cur = it != o->end() ? &it->value() : &o->emplace(s.name, bj::object()).first->value();
    } else {
      bj::array* a = cur->if_array();
      if (!a) {
        return Status::not_found("Cannot write at " + internal::jayway_text(segs) + ": " +
                                 internal::eval_path(segs, i) + " is " + json::type_name(*cur) +
                                 ", not an array");
      }
      if (s.index >= static_cast<std::int64_t>(a->size())) {
        return Status::not_found("Cannot write at " + internal::jayway_text(segs) + ": index " +
                                 std::to_string(s.index) + " is out of range of " +
                                 internal::eval_path(segs, i) + " (length " + std::to_string(a->size()) + ")");
      }
      bj::value& slot = (*a)[static_cast<std::size_t>(s.index)];
      if (last) {
        slot = std::move(v);
        return Status();
      }
      cur = &slot;
    }
  }
  return Status();
}

}  // namespace stepd::jsonpath
