#include "src/jsonpath/evaluator.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <exception>
#include <string_view>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <memory>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "src/common/json.h"

// Each step mirrors a Jayway path token (PropertyPathToken, ArrayIndexToken,
// ArraySliceToken, WildcardPathToken, ScanPathToken, PredicatePathToken,
// FunctionPathToken): AWS quotes Jayway's PathNotFoundException messages in
// cause texts, and Jayway's skipping rules decide what indefinite paths yield.

namespace stepd::jsonpath::internal {

// A compiled `/regex/` (PCRE2, the project's regex engine; Java's syntax is
// close to Perl's for what filters use).
struct Pattern {
  struct Free {
    void operator()(pcre2_code* c) const { pcre2_code_free(c); }
  };
  std::unique_ptr<pcre2_code, Free> code;

  // Whole-string match, as Java's Matcher.matches(); a match error (e.g. the
  // backtracking limit) counts as no match.
  bool full_match(const std::string& s) const {
    struct FreeData {
      void operator()(pcre2_match_data* d) const { pcre2_match_data_free(d); }
    };
    std::unique_ptr<pcre2_match_data, FreeData> md(pcre2_match_data_create_from_pattern(code.get(), nullptr));
    if (!md) return false;
    int rc = pcre2_match(code.get(), reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0,
                         PCRE2_ANCHORED | PCRE2_ENDANCHORED, md.get(), nullptr);
    return rc >= 0;
  }
};

namespace {

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

}  // namespace

std::string jayway_text(const std::vector<Segment>& segs, std::size_t from) {
  std::string out = from == 0 ? "$" : "";
  for (std::size_t i = from; i < segs.size(); ++i) append_fragment(out, segs[i]);
  return out;
}

// Jayway's `currentPath`: names unescaped in single quotes, indexes as written.
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

namespace {

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
// Walking.

bool accept(const Expr& e, const bj::value& item, const bj::value& root);

// o's member `key`. Boost.JSON scans small objects linearly too, but behind
// a call into the shared library; inlining the scan halves a `$.a.b` lookup.
inline const bj::value* lookup(const bj::object& o, std::string_view key) {
  if (o.size() > 16) return o.if_contains(key);
  for (const auto& kv : o) {
    bj::string_view k = kv.key();
    if (k.size() == key.size() && std::char_traits<char>::compare(k.data(), key.data(), key.size()) == 0) {
      return &kv.value();
    }
  }
  return nullptr;
}

}  // namespace

const bj::value* find_simple(const std::vector<Segment>& segs, const bj::value& doc) {
  const bj::value* cur = &doc;
  for (const Segment& s : segs) {
    if (s.kind == Kind::kName) {
      const bj::object* o = cur->if_object();
      if (!o) return nullptr;
      cur = lookup(*o, s.name);
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

namespace {

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
    const bj::value* v = lookup(o, name);
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

}  // namespace

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

namespace {

// ---------------------------------------------------------------------------
// Filters (Jayway's RelationalExpressionNode and EvaluatorFactory).

// An evaluated operand: undefined (nothing), a JSON node, or a pattern.
struct Val {
  const bj::value* v = nullptr;
  bj::value owned;
  const Pattern* re = nullptr;
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

bool regex_matches(const Pattern& p, const Val& other) {
  if (!other.v) return p.full_match(std::string());
  if (const bj::array* a = other.v->if_array()) {
    for (const bj::value& e : *a) {
      if (p.full_match(regex_input(e))) return true;
    }
    return false;
  }
  return p.full_match(regex_input(*other.v));
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
}  // namespace

std::shared_ptr<const Pattern> compile_pattern(const std::string& regex, bool ignore_case) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  std::uint32_t options = PCRE2_UTF | (ignore_case ? PCRE2_CASELESS : 0);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(regex.data()), regex.size(), options, &error,
                                   &offset, nullptr);
  if (!code) return nullptr;
  auto p = std::make_shared<Pattern>();
  p->code.reset(code);
  return p;
}

}  // namespace stepd::jsonpath::internal
