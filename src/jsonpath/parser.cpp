#include "src/common/utf8.h"
#include "src/jsonpath/parser.h"

#include <charconv>
#include <climits>
#include <cstdint>
#include <memory>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include "src/jsonpath/evaluator.h"

namespace stepd::jsonpath::internal {

namespace {

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


// Sets Segment::upstream_definite (Jayway's isUpstreamDefinite).
void mark_upstream(std::vector<Segment>& segs) {
  bool definite = true;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    segs[i].upstream_definite = definite;
    definite = definite && token_definite(segs[i], i + 1 == segs.size());
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
      if (!quoted(quote, name, /*property=*/true)) return false;
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
  // unknown escape keeps the escaped character. A bracket property name
  // keeps its backslashes, but for an escaped delimiter: AWS read
  // $['Test\""Name"'] as the key Test\""Name" (recorded in scenarios
  // test_escape_sequence_parsing[ESCAPE_SEQUENCES_JSONPATH]).
  bool quoted(char quote, std::string& out, bool property = false) {
    ++pos_;  // opening quote
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == quote) return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) break;
      if (property && s_[pos_] != quote) {
        out += c;
        continue;
      }
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
          utf8::append(out, cp);
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
    // Parsing recurses on `!`, `(` and nested filters; a definition may hold
    // a megabyte of them, so the depth is bounded to keep the stack safe.
    if (depth_ >= kMaxDepth) return fail("filter nested too deeply");
    ++depth_;
    bool ok = parse_unary_at_depth(e);
    --depth_;
    return ok;
  }

  bool parse_unary_at_depth(Expr& e) {
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
      mark_upstream(o.path.segs);
      o.path.simple = simple_definite(o.path.segs);
      return true;
    }
    if (c == '/') return pattern(o);
    o.kind = Operand::Kind::kLiteral;
    return literal(o.literal);
  }

  // Java regex /.../ with an optional `i`, run as a Perl regex (Java's syntax
  // is Perl's for the common subset), matched against the whole input like
  // Java's matches().
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
    bool ignore_case = false;
    while (pos_ < s_.size() && is_alpha(s_[pos_])) {
      if (s_[pos_] != 'i') return fail(std::string("unsupported pattern flag '") + s_[pos_] + "'");
      ignore_case = true;
      ++pos_;
    }
    o.pattern = compile_pattern(re, ignore_case);
    if (!o.pattern) return fail("invalid regular expression /" + re + "/");
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
    auto r = std::from_chars(text.data(), end, d);
    if (r.ec != std::errc() || r.ptr != end) return fail("invalid number '" + std::string(text) + "'");
    v = d;
    return true;
  }

 private:
  static constexpr int kMaxDepth = 64;

  std::string_view s_;
  std::size_t pos_;
  std::string error_;
  int depth_ = 0;  // nesting of parse_unary
};

}  // namespace

Result<ParsedPath> parse_path(std::string_view text) {
  // Jayway trims the text before compiling it; positions stay those of text.
  std::size_t b = 0, e = text.size();
  while (b < e && is_blank(text[b])) ++b;
  while (e > b && is_blank(text[e - 1])) --e;
  std::string_view s = text.substr(0, e);
  auto invalid = [&](const std::string& why, std::size_t pos) {
    return Status::invalid("invalid JSONPath '" + std::string(text) + "': " + why + " at position " +
                           std::to_string(pos));
  };
  if (b == e) return Status::invalid("invalid JSONPath: the path is empty");
  if (s[b] != '$') return invalid("a path must start with '$'", b);
  ParsedPath p;
  std::size_t pos = b + 1;
  if (pos < e && s[pos] == '$') {
    p.root = Root::kContext;
    ++pos;
  } else if (pos < e && is_ident(s[pos]) && !is_digit(s[pos])) {
    while (pos < e && is_ident(s[pos])) ++pos;
    p.root = Root::kVariable;
    p.variable = std::string(s.substr(b + 1, pos - b - 1));
  }
  if (pos < e && s[pos] != '.' && s[pos] != '[') {
    return invalid(std::string("unexpected character '") + s[pos] + "', expected '.' or '['", pos);
  }
  Parser parser(s, pos);
  if (!parser.segments(p.segs, false)) return invalid(parser.error(), parser.pos());
  mark_upstream(p.segs);
  return p;
}

}  // namespace stepd::jsonpath::internal
