#include "src/intrinsics/intrinsics.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include "src/common/json.h"
#include "src/intrinsics/base64.h"
#include "src/intrinsics/hash.h"
#include "src/intrinsics/java.h"

namespace stepd::intrinsics {

namespace {

enum class Fn : unsigned char {
  kFormat,
  kStringToJson,
  kJsonToString,
  kArray,
  kArrayPartition,
  kArrayContains,
  kArrayRange,
  kArrayGetItem,
  kArrayLength,
  kArrayUnique,
  kBase64Encode,
  kBase64Decode,
  kHash,
  kJsonMerge,
  kMathRandom,
  kMathAdd,
  kStringSplit,
  kUuid,
};

// What a parameter accepts. The parser uses it to refuse a literal argument
// that no run could accept (e.g. States.ArrayLength('abc')).
enum class Want : unsigned char { kAny = 0, kString, kNumber, kArray, kObject, kFalse, kPath };

constexpr std::size_t kVariadic = static_cast<std::size_t>(-1);

// AWS's limits (developer guide, "Intrinsic functions").
constexpr int kMaxDepth = 10;              // nested calls in one field
constexpr std::size_t kMaxChars = 10000;   // Base64Encode/Decode, Hash input
constexpr std::size_t kMaxRange = 1000;    // ArrayRange result

struct FnInfo {
  std::string_view name;
  Fn fn;
  std::size_t min_args;
  std::size_t max_args;
  Want params[3];  // the first three parameters; any further ones are kAny
};

constexpr FnInfo kFunctions[] = {
    {"States.Format", Fn::kFormat, 1, kVariadic, {Want::kString}},
    {"States.StringToJson", Fn::kStringToJson, 1, 1, {Want::kString}},
    {"States.JsonToString", Fn::kJsonToString, 1, 1, {Want::kPath}},
    {"States.Array", Fn::kArray, 0, kVariadic, {}},
    {"States.ArrayPartition", Fn::kArrayPartition, 2, 2, {Want::kArray, Want::kNumber}},
    {"States.ArrayContains", Fn::kArrayContains, 2, 2, {Want::kArray, Want::kAny}},
    {"States.ArrayRange", Fn::kArrayRange, 3, 3, {Want::kNumber, Want::kNumber, Want::kNumber}},
    {"States.ArrayGetItem", Fn::kArrayGetItem, 2, 2, {Want::kArray, Want::kNumber}},
    {"States.ArrayLength", Fn::kArrayLength, 1, 1, {Want::kArray}},
    {"States.ArrayUnique", Fn::kArrayUnique, 1, 1, {Want::kArray}},
    {"States.Base64Encode", Fn::kBase64Encode, 1, 1, {Want::kString}},
    {"States.Base64Decode", Fn::kBase64Decode, 1, 1, {Want::kString}},
    {"States.Hash", Fn::kHash, 2, 2, {Want::kString, Want::kString}},
    {"States.JsonMerge", Fn::kJsonMerge, 3, 3, {Want::kObject, Want::kObject, Want::kFalse}},
    {"States.MathRandom", Fn::kMathRandom, 2, 3, {Want::kNumber, Want::kNumber, Want::kNumber}},
    {"States.MathAdd", Fn::kMathAdd, 2, 2, {Want::kNumber, Want::kNumber}},
    {"States.StringSplit", Fn::kStringSplit, 2, 2, {Want::kString, Want::kString}},
    {"States.UUID", Fn::kUuid, 0, 0, {}},
};

const FnInfo* find_function(std::string_view name) {
  for (const auto& f : kFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Want want_at(const FnInfo& f, std::size_t i) { return i < 3 ? f.params[i] : Want::kAny; }

}  // namespace

// One parsed call: the function and its arguments, ready to evaluate.
class Expr {
 public:
  // A literal, a path, or a nested call.
  struct Arg {
    enum class Kind : unsigned char { kLiteral, kPath, kCall };
    Kind kind = Kind::kLiteral;
    bj::value literal;
    jsonpath::Path path;
    std::unique_ptr<const Expr> call;
  };

  const FnInfo* info = nullptr;
  std::vector<Arg> args;
  // For States.Format with a literal template: the text around each
  // unescaped "{}" (one more piece than placeholders), split once at parse
  // time because an escaped \{\} is text, not a placeholder.
  std::optional<std::vector<std::string>> pieces;
};

namespace {

// ---------------------------------------------------------------------------
// Parsing

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A 'string' literal with its escapes resolved.
struct StringLiteral {
  std::string value;
  std::vector<std::string> pieces;  // value split at unescaped "{}"
};

// Recursive-descent parser over one `.$` value. Positions in messages are
// byte offsets into the whole text.
class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Result<std::unique_ptr<Expr>> parse() {
    auto e = call(1);
    if (!e.ok()) return e.status();
    skip_space();
    if (pos_ != s_.size()) {
      return Status::invalid("Invalid intrinsic function call: unexpected text at offset " + std::to_string(pos_) +
                             " after the call to " + std::string((*e)->info->name));
    }
    return e;
  }

 private:
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }
  void skip_space() {
    while (!at_end() && is_space(s_[pos_])) ++pos_;
  }
  bool starts_with(std::string_view p) const { return s_.substr(pos_, p.size()) == p; }

  Status error(std::string_view fn, const std::string& what) const {
    return Status::invalid(std::string(fn) + ": " + what + " at offset " + std::to_string(pos_));
  }

  Result<std::unique_ptr<Expr>> call(int depth) {
    std::size_t start = pos_;
    if (!starts_with("States.")) return Status::invalid("Invalid intrinsic function call: expected 'States.'");
    pos_ += 7;
    while (!at_end() && std::isalnum(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    std::string_view name = s_.substr(start, pos_ - start);
    const FnInfo* info = find_function(name);
    if (info == nullptr) {
      return Status::invalid("Invalid intrinsic function call: unknown function '" + std::string(name) + "'");
    }
    if (depth > kMaxDepth) {
      return error(name, "intrinsic functions nest deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    if (peek() != '(') return error(name, "expected '('");
    ++pos_;

    auto e = std::make_unique<Expr>();
    e->info = info;
    std::optional<StringLiteral> template_literal;
    skip_space();
    if (peek() == ')') {
      ++pos_;
    } else {
      for (;;) {
        skip_space();
        std::optional<StringLiteral> str;
        if (Status st = argument(*e, depth, &str); !st.ok()) return st;
        if (e->args.size() == 1 && str) template_literal = std::move(str);
        skip_space();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        if (peek() == ')') {
          ++pos_;
          break;
        }
        return error(name, at_end() ? "missing ')'" : "expected ',' or ')'");
      }
    }
    if (Status st = check_arguments(*e, template_literal); !st.ok()) return st;
    return e;
  }

  // Parses one argument onto e.args; for a string literal also hands back
  // its pieces (States.Format needs them for its first argument).
  Status argument(Expr& e, int depth, std::optional<StringLiteral>* str) {
    std::string_view fn = e.info->name;
    Expr::Arg arg;
    char c = peek();
    if (c == '\'') {
      auto lit = string_literal(fn);
      if (!lit.ok()) return lit.status();
      arg.literal = bj::string(lit->value);
      *str = std::move(*lit);
    } else if (c == '$') {
      std::size_t start = pos_;
      path_extent();
      std::string_view text = s_.substr(start, pos_ - start);
      auto p = jsonpath::Path::parse(text);
      if (!p.ok()) return error(fn, "invalid path '" + std::string(text) + "': " + p.status().message());
      arg.kind = Expr::Arg::Kind::kPath;
      arg.path = std::move(p).value();
    } else if (starts_with("States.")) {
      auto inner = call(depth + 1);
      if (!inner.ok()) return inner.status();
      arg.kind = Expr::Arg::Kind::kCall;
      arg.call = std::move(inner).value();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t start = pos_;
      while (!at_end() && std::strchr("0123456789+-.eE", s_[pos_]) != nullptr) ++pos_;
      std::string_view text = s_.substr(start, pos_ - start);
      auto v = json::parse(text);
      if (!v.ok()) return error(fn, "invalid number '" + std::string(text) + "'");
      arg.literal = std::move(v).value();
    } else if (starts_with("null")) {
      pos_ += 4;
      arg.literal = nullptr;
    } else if (starts_with("true")) {
      pos_ += 4;
      arg.literal = true;
    } else if (starts_with("false")) {
      pos_ += 5;
      arg.literal = false;
    } else if (at_end()) {
      return error(fn, "missing ')'");
    } else {
      return error(fn, std::string("unexpected character '") + c + "'");
    }
    e.args.push_back(std::move(arg));
    return Status();
  }

  // AWS reserves ' { } \ inside literals; a backslash may only escape one of
  // those (AWS rejects the definition otherwise, e.g. for \").
  Result<StringLiteral> string_literal(std::string_view fn) {
    ++pos_;  // opening quote
    StringLiteral lit;
    std::string piece;
    for (;;) {
      if (at_end()) return error(fn, "unterminated string literal");
      char c = s_[pos_];
      if (c == '\'') {
        ++pos_;
        break;
      }
      if (c == '\\') {
        char next = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
        if (next != '\'' && next != '{' && next != '}' && next != '\\') {
          return error(fn, "invalid escape in string literal (only \\' \\{ \\} \\\\ are allowed)");
        }
        lit.value += next;
        piece += next;
        pos_ += 2;
        continue;
      }
      if (c == '{' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '}') {
        lit.value += "{}";
        lit.pieces.push_back(std::move(piece));
        piece.clear();
        pos_ += 2;
        continue;
      }
      lit.value += c;
      piece += c;
      ++pos_;
    }
    lit.pieces.push_back(std::move(piece));
    return lit;
  }

  // Advances over a path argument: it ends at a ',' or ')' or whitespace
  // outside brackets, so `$['a, b']` and `$.a[?(@.x > 1)]` stay whole.
  void path_extent() {
    int depth = 0;
    char quote = '\0';
    while (!at_end()) {
      char c = s_[pos_];
      if (quote != '\0') {
        if (c == '\\' && pos_ + 1 < s_.size()) {
          pos_ += 2;
          continue;
        }
        if (c == quote) quote = '\0';
      } else if (depth > 0 && (c == '\'' || c == '"')) {
        quote = c;
      } else if (c == '[' || c == '(') {
        ++depth;
      } else if (c == ']' || c == ')') {
        if (depth == 0) return;
        --depth;
      } else if (depth == 0 && (c == ',' || is_space(c))) {
        return;
      }
      ++pos_;
    }
  }

  Status check_arguments(Expr& e, std::optional<StringLiteral>& template_literal) {
    const FnInfo& f = *e.info;
    std::size_t n = e.args.size();
    if (n < f.min_args || n > f.max_args) {
      std::string expected = f.min_args == f.max_args   ? std::to_string(f.min_args)
                             : f.max_args == kVariadic ? "at least " + std::to_string(f.min_args)
                                                       : std::to_string(f.min_args) + " to " + std::to_string(f.max_args);
      return Status::invalid(std::string(f.name) + ": expected " + expected + " argument" +
                             (expected == "1" ? "" : "s") + ", got " + std::to_string(n));
    }
    for (std::size_t i = 0; i < n; ++i) {
      const Expr::Arg& a = e.args[i];
      Want w = want_at(f, i);
      if (a.kind != Expr::Arg::Kind::kLiteral) continue;
      const bj::value& v = a.literal;
      const char* need = nullptr;
      switch (w) {
        case Want::kAny: break;
        case Want::kString: if (!v.is_string()) need = "a string"; break;
        case Want::kNumber: if (!v.is_number()) need = "a number"; break;
        case Want::kArray: need = "an array"; break;
        case Want::kObject: need = "an object"; break;
        case Want::kFalse: if (!(v.is_bool() && !v.get_bool())) need = "false (only shallow merging is supported)"; break;
        case Want::kPath: need = "a path"; break;
      }
      if (need != nullptr) {
        return Status::invalid(std::string(f.name) + ": argument " + std::to_string(i + 1) + " must be " + need +
                               ", not the literal " + json::to_json(v));
      }
    }
    if (f.fn == Fn::kFormat && template_literal) {
      std::size_t placeholders = template_literal->pieces.size() - 1;
      if (placeholders != n - 1) {
        return Status::invalid(std::string(f.name) + ": the template has " + std::to_string(placeholders) +
                               " placeholder(s) but " + std::to_string(n - 1) + " argument(s) follow it");
      }
      e.pieces = std::move(template_literal->pieces);
    }
    return Status();
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------
// Evaluation

// An evaluated argument. Literals and definite paths are borrowed, so reading
// a large array from the input (ArrayLength, ArrayContains) copies nothing.
class Operand {
 public:
  static Operand borrow(const bj::value& v) {
    Operand o;
    o.borrowed_ = &v;
    return o;
  }
  static Operand own(bj::value v) {
    Operand o;
    o.owned_ = std::move(v);
    return o;
  }
  const bj::value& get() const { return borrowed_ != nullptr ? *borrowed_ : owned_; }
  bj::value take() { return borrowed_ != nullptr ? *borrowed_ : std::move(owned_); }

 private:
  const bj::value* borrowed_ = nullptr;
  bj::value owned_;
};

struct Env {
  const jsonpath::Documents& docs;
  const std::function<std::uint64_t()>& entropy;
};

using Args = std::vector<Operand>;

Result<bj::value> eval_call(const Expr& e, const Env& env);

Result<Operand> eval_arg(const Expr::Arg& a, const Env& env) {
  switch (a.kind) {
    case Expr::Arg::Kind::kLiteral:
      return Operand::borrow(a.literal);
    case Expr::Arg::Kind::kPath: {
      if (const bj::value* v = a.path.find(env.docs)) return Operand::borrow(*v);
      auto r = a.path.eval(env.docs);  // an indefinite path, or the not-found message
      if (!r.ok()) return r.status();
      return Operand::own(std::move(r).value());
    }
    case Expr::Arg::Kind::kCall: {
      auto r = eval_call(*a.call, env);
      if (!r.ok()) return r.status();
      return Operand::own(std::move(r).value());
    }
  }
  return Status::internal("unknown argument kind");
}

Status failure(const Expr& e, const std::string& detail) {
  return Status::failed("States.IntrinsicFailure", "Invalid arguments in " + std::string(e.info->name) + ": " + detail);
}

Status wrong_type(const Expr& e, std::size_t i, const char* wanted, const bj::value& got) {
  return failure(e, "argument " + std::to_string(i + 1) + " must be " + wanted + ", got " + json::type_name(got));
}

// Rounds a number as AWS does for integer parameters (Java's Math.round).
std::int64_t rounded(const bj::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    return v.get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
               ? std::numeric_limits<std::int64_t>::max()
               : static_cast<std::int64_t>(v.get_uint64());
  }
  return java::round(v.get_double());
}

bool is_integer(const bj::value& v) { return v.is_int64() || v.is_uint64(); }

// Equality as Jackson's JsonNode.equals: an integer never equals a decimal
// (1 vs 1.0), decimals compare exactly, object key order does not matter.
bool same(const bj::value& a, const bj::value& b) {
  if (is_integer(a) || is_integer(b)) {
    if (!is_integer(a) || !is_integer(b)) return false;
    if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
    const bj::value& s = a.is_int64() ? a : b;  // signed one
    const bj::value& u = a.is_int64() ? b : a;
    return s.get_int64() >= 0 && static_cast<std::uint64_t>(s.get_int64()) == u.get_uint64();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case bj::kind::null: return true;
    case bj::kind::bool_: return a.get_bool() == b.get_bool();
    case bj::kind::double_: {
      double x = a.get_double(), y = b.get_double();
      return std::memcmp(&x, &y, sizeof x) == 0;  // Double.compare: -0.0 != 0.0
    }
    case bj::kind::string: return a.get_string() == b.get_string();
    case bj::kind::array: {
      const auto& x = a.get_array();
      const auto& y = b.get_array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!same(x[i], y[i])) return false;
      }
      return true;
    }
    case bj::kind::object: {
      const auto& x = a.get_object();
      const auto& y = b.get_object();
      if (x.size() != y.size()) return false;
      for (const auto& kv : x) {
        const bj::value* other = y.if_contains(kv.key());
        if (other == nullptr || !same(kv.value(), *other)) return false;
      }
      return true;
    }
    default: return false;
  }
}

// A hash consistent with same().
std::size_t hash_of(const bj::value& v) {
  auto mix = [](std::size_t h, std::size_t x) { return h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); };
  switch (v.kind()) {
    case bj::kind::null: return 0x51;
    case bj::kind::bool_: return v.get_bool() ? 0x71 : 0x70;
    case bj::kind::int64: return std::hash<std::int64_t>()(v.get_int64());
    case bj::kind::uint64: {
      std::uint64_t u = v.get_uint64();
      return u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                 ? std::hash<std::int64_t>()(static_cast<std::int64_t>(u))
                 : std::hash<std::uint64_t>()(u);
    }
    case bj::kind::double_: {
      double d = v.get_double();
      std::uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      return mix(0xd0, std::hash<std::uint64_t>()(bits));
    }
    case bj::kind::string: return std::hash<std::string_view>()(v.get_string());
    case bj::kind::array: {
      std::size_t h = 0xa7;
      for (const auto& e : v.get_array()) h = mix(h, hash_of(e));
      return h;
    }
    case bj::kind::object: {
      std::size_t h = 0x0b;  // a sum, so key order does not matter
      for (const auto& kv : v.get_object()) {
        h += mix(std::hash<std::string_view>()(kv.key()), hash_of(kv.value()));
      }
      return h;
    }
  }
  return 0;
}

// How States.Format prints a value: strings bare, scalars as JSON, and
// containers as Java's Map/List toString() (AWS recorded
// "{Arg1=1, Arg2=[]}" for the object {"Arg1": 1, "Arg2": []}).
void append_formatted(std::string& out, const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::string: out.append(v.get_string().data(), v.get_string().size()); return;
    case bj::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ", ";
        first = false;
        append_formatted(out, e);
      }
      out += ']';
      return;
    }
    case bj::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ", ";
        first = false;
        out.append(kv.key().data(), kv.key().size());
        out += '=';
        append_formatted(out, kv.value());
      }
      out += '}';
      return;
    }
    default: json::append_json(out, v); return;
  }
}

std::vector<std::string> split_placeholders(std::string_view s) {
  std::vector<std::string> pieces;
  std::size_t start = 0;
  for (std::size_t i = s.find("{}"); i != std::string_view::npos; i = s.find("{}", start)) {
    pieces.emplace_back(s.substr(start, i - start));
    start = i + 2;
  }
  pieces.emplace_back(s.substr(start));
  return pieces;
}

std::size_t utf8_sequence_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

Result<bj::value> format(const Expr& e, Args& args) {
  const bj::value& t = args[0].get();
  if (!t.is_string()) return wrong_type(e, 0, "a string", t);
  std::vector<std::string> split;
  const std::vector<std::string>* pieces = e.pieces ? &*e.pieces : nullptr;
  if (pieces == nullptr) {
    split = split_placeholders(t.get_string());
    pieces = &split;
  }
  if (pieces->size() != args.size()) {
    return failure(e, "the template has " + std::to_string(pieces->size() - 1) + " placeholder(s) but " +
                          std::to_string(args.size() - 1) + " argument(s) follow it");
  }
  std::string out = (*pieces)[0];
  for (std::size_t i = 1; i < args.size(); ++i) {
    append_formatted(out, args[i].get());
    out += (*pieces)[i];
  }
  return bj::value(bj::string(out));
}

Result<bj::value> string_to_json(const Expr& e, Args& args) {
  const bj::value& v = args[0].get();
  if (!v.is_string()) return wrong_type(e, 0, "a string", v);
  std::string_view s = v.get_string();
  bool blank = true;
  for (char c : s) blank = blank && is_space(c);
  if (blank) return bj::value(nullptr);  // AWS recorded null for "" and " "
  auto parsed = json::parse(s);
  if (!parsed.ok()) return failure(e, "the string is not valid JSON: " + parsed.status().message());
  return std::move(parsed).value();
}

Result<bj::value> array_partition(const Expr& e, Args& args) {
  const bj::value& a = args[0].get();
  const bj::value& n = args[1].get();
  if (!a.is_array()) return wrong_type(e, 0, "an array", a);
  if (!n.is_number()) return wrong_type(e, 1, "a number", n);
  std::int64_t size = rounded(n);
  if (size <= 0) return failure(e, "the chunk size must be a positive integer, got " + std::to_string(size));
  const auto& items = a.get_array();
  // Clamped so that i + step cannot overflow for absurd chunk sizes.
  auto step = static_cast<std::size_t>(std::min<std::uint64_t>(static_cast<std::uint64_t>(size), items.size() + 1));
  bj::array out;
  out.reserve((items.size() + step - 1) / step);
  for (std::size_t i = 0; i < items.size(); i += step) {
    std::size_t end = std::min(i + step, items.size());
    out.emplace_back(bj::array(items.begin() + static_cast<std::ptrdiff_t>(i),
                               items.begin() + static_cast<std::ptrdiff_t>(end)));
  }
  return bj::value(std::move(out));
}

Result<bj::value> array_contains(const Expr& e, Args& args) {
  const bj::value& a = args[0].get();
  if (!a.is_array()) return wrong_type(e, 0, "an array", a);
  const bj::value& needle = args[1].get();
  for (const auto& item : a.get_array()) {
    if (same(item, needle)) return bj::value(true);
  }
  return bj::value(false);
}

Result<bj::value> array_range(const Expr& e, Args& args) {
  for (std::size_t i = 0; i < 3; ++i) {
    if (!args[i].get().is_number()) return wrong_type(e, i, "a number", args[i].get());
  }
  __int128 first = rounded(args[0].get());
  __int128 last = rounded(args[1].get());
  __int128 step = rounded(args[2].get());
  if (step == 0) return failure(e, "the step must not be 0");
  __int128 count = 0;
  if (step > 0 && last >= first) count = (last - first) / step + 1;
  if (step < 0 && last <= first) count = (first - last) / -step + 1;
  if (count > static_cast<__int128>(kMaxRange)) {
    return failure(e, "the range would have more than " + std::to_string(kMaxRange) + " elements");
  }
  bj::array out;
  out.reserve(static_cast<std::size_t>(count));
  for (__int128 i = 0; i < count; ++i) out.emplace_back(static_cast<std::int64_t>(first + i * step));
  return bj::value(std::move(out));
}

Result<bj::value> array_get_item(const Expr& e, Args& args) {
  const bj::value& a = args[0].get();
  const bj::value& n = args[1].get();
  if (!a.is_array()) return wrong_type(e, 0, "an array", a);
  if (!n.is_number() || (n.is_double() && n.get_double() != std::floor(n.get_double()))) {
    return failure(e, "argument 2 must be an integer index, got " + json::to_json(n));
  }
  const auto& items = a.get_array();
  std::int64_t i = rounded(n);
  if (i < 0 || static_cast<std::uint64_t>(i) >= items.size()) {
    return failure(e, "index " + std::to_string(i) + " is out of bounds for an array of length " +
                          std::to_string(items.size()));
  }
  return items[static_cast<std::size_t>(i)];
}

Result<bj::value> array_unique(const Expr& e, Args& args) {
  const bj::value& a = args[0].get();
  if (!a.is_array()) return wrong_type(e, 0, "an array", a);
  const auto& items = a.get_array();
  std::unordered_multimap<std::size_t, std::size_t> kept;  // hash -> index in items
  bj::array out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::size_t h = hash_of(items[i]);
    bool seen = false;
    for (auto [it, end] = kept.equal_range(h); it != end && !seen; ++it) seen = same(items[it->second], items[i]);
    if (seen) continue;
    kept.emplace(h, i);
    out.push_back(items[i]);
  }
  return bj::value(std::move(out));
}

// Checks a string argument against AWS's 10,000-character input limit,
// counted as Java does (UTF-16 units).
Status limited_string(const Expr& e, std::size_t i, const bj::value& v) {
  if (!v.is_string()) return wrong_type(e, i, "a string", v);
  std::size_t n = java::string_length(v.get_string());
  if (n > kMaxChars) {
    return failure(e, "argument " + std::to_string(i + 1) + " has " + std::to_string(n) + " characters; the limit is " +
                          std::to_string(kMaxChars));
  }
  return Status();
}

Result<bj::value> base64_encode_fn(const Expr& e, Args& args) {
  const bj::value& v = args[0].get();
  if (Status st = limited_string(e, 0, v); !st.ok()) return st;
  return bj::value(bj::string(base64_encode(v.get_string())));
}

Result<bj::value> base64_decode_fn(const Expr& e, Args& args) {
  const bj::value& v = args[0].get();
  if (Status st = limited_string(e, 0, v); !st.ok()) return st;
  auto bytes = base64_decode(v.get_string());
  if (!bytes) return failure(e, "the string is not valid Base64");
  return bj::value(bj::string(java::decode_utf8(*bytes)));
}

Result<bj::value> hash_fn(const Expr& e, Args& args) {
  const bj::value& data = args[0].get();
  const bj::value& algorithm = args[1].get();
  if (Status st = limited_string(e, 0, data); !st.ok()) return st;
  if (!algorithm.is_string()) return wrong_type(e, 1, "a string", algorithm);
  auto digest = hex_digest(algorithm.get_string(), data.get_string());
  if (!digest) {
    return failure(e, "unsupported algorithm " + json::to_json(algorithm) +
                          "; expected one of MD5, SHA-1, SHA-256, SHA-384, SHA-512");
  }
  return bj::value(bj::string(*digest));
}

Result<bj::value> json_merge(const Expr& e, Args& args) {
  const bj::value& a = args[0].get();
  const bj::value& b = args[1].get();
  const bj::value& deep = args[2].get();
  if (!a.is_object()) return wrong_type(e, 0, "an object", a);
  if (!b.is_object()) return wrong_type(e, 1, "an object", b);
  if (!deep.is_bool() || deep.get_bool()) {
    return failure(e, "argument 3 must be false (only shallow merging is supported), got " + json::to_json(deep));
  }
  std::vector<std::string_view> keys;
  std::vector<const bj::value*> values;
  std::unordered_map<std::string_view, std::size_t> index;
  for (const auto& kv : a.get_object()) {
    index.emplace(kv.key(), keys.size());
    keys.push_back(kv.key());
    values.push_back(&kv.value());
  }
  for (const auto& kv : b.get_object()) {
    auto it = index.find(kv.key());
    if (it != index.end()) {
      values[it->second] = &kv.value();
    } else {
      keys.push_back(kv.key());
      values.push_back(&kv.value());
    }
  }
  // AWS returns the merge in java.util.HashMap order: recorded outputs put
  // "constant_input_field" before "constant_in_literal" although the latter
  // came from the first object, and {a,b,d}+{a,c,d} as a,b,c,d.
  bj::object out;
  out.reserve(keys.size());
  for (std::size_t i : java::hash_map_order(keys)) out.emplace(keys[i], *values[i]);
  return bj::value(std::move(out));
}

Result<bj::value> math_random(const Expr& e, Args& args, const Env& env) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!args[i].get().is_number()) return wrong_type(e, i, "a number", args[i].get());
  }
  std::int64_t start = rounded(args[0].get());
  std::int64_t end = rounded(args[1].get());
  if (start >= end) {
    return failure(e, "the start (" + std::to_string(start) + ") must be less than the end (" + std::to_string(end) +
                          "), which is exclusive");
  }
  auto range = static_cast<std::uint64_t>(static_cast<__int128>(end) - start);
  std::uint64_t offset;
  if (args.size() == 3) {
    // A seed must give the same number on every run; java.util.Random is the
    // likeliest generator behind AWS's, so use its sequence.
    java::Random rng(rounded(args[2].get()));
    if (range <= static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) {
      offset = static_cast<std::uint64_t>(rng.next_int(static_cast<std::int32_t>(range)));
    } else {
      offset = static_cast<std::uint64_t>(rng.next_long()) % range;
    }
  } else {
    // Multiply-shift maps 64 random bits onto [0, range) without modulo bias
    // worth mentioning.
    offset = static_cast<std::uint64_t>((static_cast<unsigned __int128>(env.entropy()) * range) >> 64);
  }
  return bj::value(static_cast<std::int64_t>(static_cast<__int128>(start) + offset));
}

Result<bj::value> math_add(const Expr& e, Args& args) {
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    const bj::value& v = args[i].get();
    if (!v.is_number()) return wrong_type(e, i, "a number", v);
    std::int64_t n = rounded(v);
    if (n < std::numeric_limits<std::int32_t>::min() || n > std::numeric_limits<std::int32_t>::max()) {
      return failure(e, "argument " + std::to_string(i + 1) + " must be within [-2147483648, 2147483647], got " +
                            json::to_json(v));
    }
    sum += n;
  }
  return bj::value(sum);
}

// Splits at every character of the delimiter string and drops empty pieces,
// as Java's StringTokenizer (AWS: ",,,," gives []).
Result<bj::value> string_split(const Expr& e, Args& args) {
  const bj::value& sv = args[0].get();
  const bj::value& dv = args[1].get();
  if (!sv.is_string()) return wrong_type(e, 0, "a string", sv);
  if (!dv.is_string()) return wrong_type(e, 1, "a string", dv);
  std::string_view s = sv.get_string();
  std::string_view d = dv.get_string();
  std::vector<std::string_view> delimiters;
  for (std::size_t i = 0; i < d.size();) {
    std::size_t n = std::min(utf8_sequence_length(static_cast<unsigned char>(d[i])), d.size() - i);
    delimiters.push_back(d.substr(i, n));
    i += n;
  }
  bj::array out;
  std::size_t token = 0;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = std::min(utf8_sequence_length(static_cast<unsigned char>(s[i])), s.size() - i);
    std::string_view ch = s.substr(i, n);
    bool is_delimiter = false;
    for (auto x : delimiters) is_delimiter = is_delimiter || x == ch;
    if (is_delimiter) {
      if (i > token) out.emplace_back(bj::string(s.substr(token, i - token)));
      token = i + n;
    }
    i += n;
  }
  if (s.size() > token) out.emplace_back(bj::string(s.substr(token)));
  return bj::value(std::move(out));
}

Result<bj::value> uuid(const Env& env) {
  std::uint64_t hi = env.entropy();
  std::uint64_t lo = env.entropy();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 15; i >= 0; --i) {
    out += kHex[(hi >> (4 * i)) & 15];
    if (i == 8 || i == 4) out += '-';
  }
  out += '-';
  for (int i = 15; i >= 0; --i) {
    out += kHex[(lo >> (4 * i)) & 15];
    if (i == 12) out += '-';
  }
  return bj::value(bj::string(out));
}

Result<bj::value> eval_call(const Expr& e, const Env& env) {
  Args args;
  args.reserve(e.args.size());
  for (const auto& a : e.args) {
    auto r = eval_arg(a, env);
    if (!r.ok()) return r.status();
    args.push_back(std::move(r).value());
  }
  switch (e.info->fn) {
    case Fn::kFormat: return format(e, args);
    case Fn::kStringToJson: return string_to_json(e, args);
    case Fn::kJsonToString: return bj::value(bj::string(json::to_json(args[0].get())));
    case Fn::kArray: {
      bj::array out;
      out.reserve(args.size());
      for (auto& a : args) out.push_back(a.take());
      return bj::value(std::move(out));
    }
    case Fn::kArrayPartition: return array_partition(e, args);
    case Fn::kArrayContains: return array_contains(e, args);
    case Fn::kArrayRange: return array_range(e, args);
    case Fn::kArrayGetItem: return array_get_item(e, args);
    case Fn::kArrayLength: {
      const bj::value& a = args[0].get();
      if (!a.is_array()) return wrong_type(e, 0, "an array", a);
      return bj::value(static_cast<std::int64_t>(a.get_array().size()));
    }
    case Fn::kArrayUnique: return array_unique(e, args);
    case Fn::kBase64Encode: return base64_encode_fn(e, args);
    case Fn::kBase64Decode: return base64_decode_fn(e, args);
    case Fn::kHash: return hash_fn(e, args);
    case Fn::kJsonMerge: return json_merge(e, args);
    case Fn::kMathRandom: return math_random(e, args, env);
    case Fn::kMathAdd: return math_add(e, args);
    case Fn::kStringSplit: return string_split(e, args);
    case Fn::kUuid: return uuid(env);
  }
  return Status::internal("unknown intrinsic function");
}

}  // namespace

bool looks_like_call(std::string_view text) { return text.substr(0, 7) == "States."; }

Result<std::shared_ptr<const Expr>> parse(std::string_view text) {
  auto e = Parser(text).parse();
  if (!e.ok()) return e.status();
  return std::shared_ptr<const Expr>(std::move(e).value());
}

Result<bj::value> eval(const Expr& expr, const jsonpath::Documents& docs,
                       const std::function<std::uint64_t()>& entropy) {
  return eval_call(expr, Env{docs, entropy});
}

}  // namespace stepd::intrinsics
