// The built-in functions of JSONata 2.2 (jsonata-js src/functions.js), each
// with the signature and arity jsonata-js registers. Picture-string
// formatting and parsing live in picture.cpp.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "src/common/utf8.h"
#include "src/jsonata/evaluator.h"
#include "src/jsonata/picture.h"
#include "src/jsonata/regex.h"
#include "src/jsonata/sort.h"

namespace stepd::jsonata {

NodePtr parse(std::string_view text);

namespace {

using Args = std::vector<Value>;

const Value& arg(const Args& a, std::size_t i) {
  static const Value kUndefined;
  return i < a.size() ? a[i] : kUndefined;
}

Value str(std::string s) { return Value::string(std::move(s)); }
Value num(double d) { return Value::number(d); }

[[noreturn]] void fail_picture(const Status& s) {
  Error e;
  e.code = s.error().empty() ? "D3080" : s.error();
  e.message = s.message();
  throw e;
}

// ---- UTF-8 helpers ----

std::vector<std::string_view> code_points(std::string_view s) {
  std::vector<std::string_view> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    len = std::min(len, s.size() - i);
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

unsigned decode(std::string_view cp) {
  unsigned char c = static_cast<unsigned char>(cp[0]);
  if (cp.size() == 1) return c;
  unsigned v = c & (0x3F >> (cp.size() - 1));
  for (std::size_t i = 1; i < cp.size(); ++i) v = (v << 6) | (static_cast<unsigned char>(cp[i]) & 0x3F);
  return v;
}

void encode(std::string& out, char32_t cp) { utf8::append(out, cp); }

unsigned to_lower_cp(unsigned c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  if (c >= 0x100 && c <= 0x17F && (c % 2) == 0 && c != 0x130) return c + 1;
  return c;
}
unsigned to_upper_cp(unsigned c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 32;
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  if (c >= 0x101 && c <= 0x17F && (c % 2) == 1 && c != 0x131) return c - 1;
  return c;
}

std::string map_case(std::string_view s, bool upper) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (upper && c >= 'a' && c <= 'z') c = static_cast<unsigned char>(c - 32);
      if (!upper && c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c + 32);
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t len = std::min<std::size_t>(c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1, s.size() - i);
    unsigned cp = decode(s.substr(i, len));
    i += len;
    if (upper && cp == 0xDF) {
      out += "SS";
      continue;
    }
    encode(out, upper ? to_upper_cp(cp) : to_lower_cp(cp));
  }
  return out;
}

double js_slice_index(double x, double len) {
  if (std::isnan(x)) return 0;
  x = std::trunc(x);
  if (x < 0) return std::max(len + x, 0.0);
  return std::min(x, len);
}

std::string join_cps(const std::vector<std::string_view>& cps, double from, double to) {
  std::string out;
  for (double i = from; i < to; i += 1) out += cps[static_cast<std::size_t>(i)];
  return out;
}

std::string substring_cp(std::string_view s, double start, const Value& length) {
  auto cps = code_points(s);
  double len = static_cast<double>(cps.size());
  if (len + start < 0) start = 0;
  if (!length.undefined()) {
    double l = length.as_number();
    if (l <= 0) return "";
    if (std::isnan(start)) return "";  // slice(NaN, NaN)
    double end = start >= 0 ? start + l : len + start + l;
    double a = js_slice_index(start, len), b = js_slice_index(end, len);
    return a < b ? join_cps(cps, a, b) : "";
  }
  return join_cps(cps, js_slice_index(start, len), len);
}

// ---- aggregation ----

Value fn_sum(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  double total = 0;
  for (std::size_t i = 0, n = a[0].size(); i < n; ++i) total += a[0].at(i).as_number();
  return num(total);
}
Value fn_count(Evaluator&, Args& a, const Focus&) { return num(a[0].undefined() ? 0 : static_cast<double>(a[0].size())); }
Value fn_max(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined() || a[0].size() == 0) return Value();
  double m = -INFINITY;
  for (std::size_t i = 0, n = a[0].size(); i < n; ++i) m = std::max(m, a[0].at(i).as_number());
  return num(m);
}
Value fn_min(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined() || a[0].size() == 0) return Value();
  double m = INFINITY;
  for (std::size_t i = 0, n = a[0].size(); i < n; ++i) m = std::min(m, a[0].at(i).as_number());
  return num(m);
}
Value fn_average(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined() || a[0].size() == 0) return Value();
  double total = 0;
  for (std::size_t i = 0, n = a[0].size(); i < n; ++i) total += a[0].at(i).as_number();
  return num(total / static_cast<double>(a[0].size()));
}

// ---- strings ----

Value fn_string(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  bool pretty = arg(a, 1).is_bool() && arg(a, 1).as_bool();
  return str(to_js_string(a[0], pretty));
}
// A number argument as JavaScript sees it: undefined is NaN.
double num_or_nan(const Value& v) { return v.is_number() ? v.as_number() : NAN; }

Value fn_substring(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  return str(substring_cp(a[0].str(), num_or_nan(arg(a, 1)), arg(a, 2)));
}
Value fn_substring_before(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  auto s = a[0].str();
  if (arg(a, 1).undefined()) return a[0];
  auto pos = s.find(arg(a, 1).str());
  return pos == std::string_view::npos ? a[0] : str(std::string(s.substr(0, pos)));
}
Value fn_substring_after(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  auto s = a[0].str();
  if (arg(a, 1).undefined()) return a[0];
  auto c = arg(a, 1).str();
  auto pos = s.find(c);
  return pos == std::string_view::npos ? a[0] : str(std::string(s.substr(pos + c.size())));
}
Value fn_lowercase(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  return str(map_case(a[0].str(), false));
}
Value fn_uppercase(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  return str(map_case(a[0].str(), true));
}
Value fn_length(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  return num(static_cast<double>(code_point_length(a[0].str())));
}
Value fn_trim(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  std::string out;
  bool in_ws = false;
  for (char c : a[0].str()) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!in_ws) out += ' ';
      in_ws = true;
    } else {
      out += c;
      in_ws = false;
    }
  }
  if (!out.empty() && out.front() == ' ') out.erase(0, 1);
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return str(std::move(out));
}
Value fn_pad(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  std::string ch = arg(a, 2).undefined() || arg(a, 2).str().empty() ? " " : std::string(arg(a, 2).str());
  double width = std::trunc(arg(a, 1).as_number());
  auto s = a[0].str();
  double pad_len = std::fabs(width) - static_cast<double>(code_point_length(s));
  if (pad_len <= 0) return a[0];
  if (pad_len * static_cast<double>(ch.size()) > static_cast<double>(kMaxStringBytes)) {
    Error e;
    e.code = "U1001";
    e.message = "String too long (more than 256 MiB)";
    throw e;
  }
  std::string padding;
  auto cps = code_points(ch);
  for (double i = 0; i < pad_len; i += 1) padding += cps[static_cast<std::size_t>(i) % cps.size()];
  return str(width > 0 ? std::string(s) + padding : padding + std::string(s));
}

Value fn_contains(Evaluator& ev, Args& a, const Focus&) {
  if (a[0].undefined() || arg(a, 1).undefined()) return Value();
  if (a[1].is_string()) return Value::boolean(a[0].str().find(a[1].str()) != std::string_view::npos);
  return Value::boolean(ev.first_match(a[1], a[0].str()).found);
}

Value fn_match(Evaluator& ev, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  const Value& limit = arg(a, 2);
  if (limit.is_number() && limit.as_number() < 0) fail_value("D3040", limit, 3);
  auto result = new_sequence();
  if (limit.undefined() || limit.as_number() > 0) {
    std::string_view s = a[0].str();
    auto m = ev.first_match(a[1], s);
    double count = 0;
    while (m.found && (limit.undefined() || count < limit.as_number())) {
      auto o = new_object();
      o->set("match", str(m.match));
      o->set("index", num(static_cast<double>(utf16_length(s.substr(0, m.start)))));
      auto g = new_array();
      g->items = m.groups;
      o->set("groups", Value::array(std::move(g)));
      result->items.push_back(Value::object(std::move(o)));
      m = ev.next_match(a[1], s, m);
      count += 1;
    }
  }
  return Value::array(std::move(result));
}

std::string substitute(const std::string& replacement, const Evaluator::MatchState& m) {
  std::string out;
  std::size_t position = 0;
  std::size_t index = replacement.find('$', position);
  std::size_t ngroups = m.groups.size();
  while (index != std::string::npos && position < replacement.size()) {
    out += replacement.substr(position, index - position);
    position = index + 1;
    char dollar = position < replacement.size() ? replacement[position] : '\0';
    if (dollar == '$') {
      out += '$';
      ++position;
    } else if (dollar == '0') {
      out += m.match;
      ++position;
    } else {
      std::size_t max_digits = ngroups == 0 ? 1 : static_cast<std::size_t>(std::floor(std::log10(ngroups))) + 1;
      auto parse_int = [&](std::size_t digits) -> long {
        std::string t = replacement.substr(position, digits);
        std::size_t k = 0;
        while (k < t.size() && std::isdigit(static_cast<unsigned char>(t[k]))) ++k;
        if (k == 0) return -1;
        return std::strtol(t.substr(0, k).c_str(), nullptr, 10);
      };
      long idx = parse_int(max_digits);
      if (max_digits > 1 && idx > static_cast<long>(ngroups)) idx = parse_int(max_digits - 1);
      if (idx >= 0) {
        if (ngroups > 0 && idx >= 1 && static_cast<std::size_t>(idx) <= ngroups) {
          const Value& sub = m.groups[static_cast<std::size_t>(idx - 1)];
          if (sub.is_string()) out += sub.str();
        }
        position += std::to_string(idx).size();
      } else {
        out += '$';
      }
    }
    index = replacement.find('$', position);
  }
  if (position < replacement.size()) out += replacement.substr(position);
  return out;
}

Value fn_replace(Evaluator& ev, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  const Value& pattern = arg(a, 1);
  const Value& replacement = arg(a, 2);
  const Value& limit = arg(a, 3);
  if (pattern.is_string() && pattern.str().empty()) fail_value("D3010", pattern, 2);
  if (limit.is_number() && limit.as_number() < 0) fail_value("D3011", limit, 4);
  std::string_view s = a[0].str();
  if (!(limit.undefined() || limit.as_number() > 0)) return a[0];
  std::string result;
  double count = 0;
  if (pattern.is_string()) {
    std::string_view p = pattern.str();
    std::string rep = replacement.is_string() ? std::string(replacement.str()) : to_js_string(replacement);
    std::size_t position = 0;
    std::size_t index = s.find(p, position);
    while (index != std::string_view::npos && (limit.undefined() || count < limit.as_number())) {
      result += s.substr(position, index - position);
      result += rep;
      position = index + p.size();
      count += 1;
      index = s.find(p, position);
    }
    result += s.substr(position);
    return str(std::move(result));
  }
  auto m = ev.first_match(pattern, s);
  if (!m.found) return a[0];
  std::size_t position = 0;
  while (m.found && (limit.undefined() || count < limit.as_number())) {
    result += s.substr(position, m.start - position);
    if (replacement.is_string()) {
      result += substitute(std::string(replacement.str()), m);
    } else {
      auto o = new_object();
      o->set("match", str(m.match));
      o->set("index", num(static_cast<double>(utf16_length(s.substr(0, m.start)))));
      auto g = new_array();
      g->items = m.groups;
      o->set("groups", Value::array(std::move(g)));
      Value r = ev.call(replacement, {Value::object(std::move(o))});
      if (!r.is_string()) fail_value("D3012", r);
      result += r.str();
    }
    position = m.start + m.match.size();
    count += 1;
    m = ev.next_match(pattern, s, m);
  }
  result += s.substr(position);
  return str(std::move(result));
}

Value fn_split(Evaluator& ev, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  const Value& sep = arg(a, 1);
  const Value& limit = arg(a, 2);
  if (limit.is_number() && limit.as_number() < 0) fail_value("D3020", limit, 3);
  auto result = new_array();
  std::string_view s = a[0].str();
  double lim = limit.undefined() ? INFINITY : std::floor(limit.as_number());
  if (!(limit.undefined() || limit.as_number() > 0)) return Value::array(std::move(result));
  if (sep.is_string()) {
    std::string_view p = sep.str();
    if (p.empty()) {
      for (auto cp : code_points(s)) {
        if (static_cast<double>(result->items.size()) >= lim) break;
        result->items.push_back(str(std::string(cp)));
      }
    } else {
      std::size_t start = 0;
      for (;;) {
        if (static_cast<double>(result->items.size()) >= lim) break;
        auto pos = s.find(p, start);
        if (pos == std::string_view::npos) {
          result->items.push_back(str(std::string(s.substr(start))));
          break;
        }
        result->items.push_back(str(std::string(s.substr(start, pos - start))));
        start = pos + p.size();
      }
    }
    return Value::array(std::move(result));
  }
  double count = 0;
  auto m = ev.first_match(sep, s);
  if (!m.found) {
    result->items.push_back(a[0]);
    return Value::array(std::move(result));
  }
  std::size_t start = 0;
  while (m.found && (limit.undefined() || count < limit.as_number())) {
    result->items.push_back(str(std::string(s.substr(start, m.start - start))));
    start = m.start + m.match.size();
    m = ev.next_match(sep, s, m);
    count += 1;
  }
  if (limit.undefined() || count < limit.as_number()) result->items.push_back(str(std::string(s.substr(start))));
  return Value::array(std::move(result));
}

Value fn_join(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  std::string sep = arg(a, 1).undefined() ? "" : std::string(arg(a, 1).str());
  std::string out;
  for (std::size_t i = 0, n = a[0].size(); i < n; ++i) {
    if (i) out += sep;
    out += a[0].at(i).str();
  }
  return str(std::move(out));
}

// ---- numbers ----

Value fn_format_number(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  picture::DecimalFormat fmt;
  const Value& opts = arg(a, 2);
  if (opts.is_object()) {
    for (std::size_t i = 0, n = opts.obj_size(); i < n; ++i) {
      Value v = opts.value_at(i);
      if (v.is_string()) picture::set_decimal_format_option(fmt, opts.key_at(i), v.str());
    }
  }
  auto r = picture::format_number(a[0].as_number(), arg(a, 1).str(), fmt);
  if (!r.ok()) fail_picture(r.status());
  return str(std::move(r).value());
}
Value fn_format_base(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  std::optional<double> radix;
  if (arg(a, 1).is_number()) radix = arg(a, 1).as_number();
  auto r = picture::format_base(a[0].as_number(), radix);
  if (!r.ok()) fail_picture(r.status());
  return str(std::move(r).value());
}
Value fn_format_integer(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  auto r = picture::format_integer(a[0].as_number(), arg(a, 1).str());
  if (!r.ok()) fail_picture(r.status());
  return str(std::move(r).value());
}
Value fn_parse_integer(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  auto r = picture::parse_integer(a[0].str(), arg(a, 1).str());
  if (!r.ok()) fail_picture(r.status());
  return *r ? num(**r) : Value();
}

bool matches_decimal(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  std::size_t d = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == d) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t f = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == f) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t e = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == e) return false;
  }
  return i == s.size();
}

Value fn_number(Evaluator&, Args& a, const Focus&) {
  const Value& v = a[0];
  if (v.undefined()) return Value();
  if (v.is_number()) return v;
  if (v.is_bool()) return num(v.as_bool() ? 1 : 0);
  if (v.is_string()) {
    std::string s(v.str());
    if (matches_decimal(s)) {
      double d = std::strtod(s.c_str(), nullptr);
      if (std::isfinite(d)) return num(d);
    }
    if (s.size() > 2 && s[0] == '0') {
      char k = static_cast<char>(std::tolower(static_cast<unsigned char>(s[1])));
      int base = k == 'x' ? 16 : k == 'o' ? 8 : k == 'b' ? 2 : 0;
      if (base) {
        bool ok = true;
        double val = 0;
        for (std::size_t i = 2; i < s.size() && ok; ++i) {
          int dv = std::isdigit(static_cast<unsigned char>(s[i])) ? s[i] - '0'
                   : std::isxdigit(static_cast<unsigned char>(s[i])) ? std::tolower(static_cast<unsigned char>(s[i])) - 'a' + 10
                                                                      : 99;
          if (dv >= base) ok = false;
          val = val * base + dv;
        }
        if (ok) return num(val);
      }
    }
  }
  fail_value("D3030", v, 1);
}
Value fn_floor(Evaluator&, Args& a, const Focus&) { return a[0].undefined() ? Value() : num(std::floor(a[0].as_number())); }
Value fn_ceil(Evaluator&, Args& a, const Focus&) { return a[0].undefined() ? Value() : num(std::ceil(a[0].as_number())); }
Value fn_abs(Evaluator&, Args& a, const Focus&) { return a[0].undefined() ? Value() : num(std::fabs(a[0].as_number())); }
Value fn_sqrt(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  if (a[0].as_number() < 0) fail_value("D3060", a[0], 1);
  return num(std::sqrt(a[0].as_number()));
}
Value fn_power(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  double r = std::pow(a[0].as_number(), num_or_nan(arg(a, 1)));
  if (!std::isfinite(r)) {
    Error e;
    e.code = "D3061";
    e.value = value_json(a[0]);
    e.exp = value_json(arg(a, 1));
    throw e;
  }
  return num(r);
}

double shift(double v, double precision) {
  std::string s = js_number_to_string(v);
  auto e = s.find('e');
  double exp = 0;
  std::string mant = s;
  if (e != std::string::npos) {
    mant = s.substr(0, e);
    exp = std::strtod(s.c_str() + e + 1, nullptr);
  }
  std::string t = mant + "e" + js_number_to_string(exp + precision);
  return std::strtod(t.c_str(), nullptr);
}

Value fn_round(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  double v = a[0].as_number();
  double precision = arg(a, 1).is_number() ? arg(a, 1).as_number() : 0;
  if (precision != 0) v = shift(v, precision);
  double result = std::floor(v + 0.5);
  double diff = result - v;
  if (std::fabs(diff) == 0.5 && std::fabs(std::fmod(result, 2)) == 1) result -= 1;
  if (precision != 0) result = shift(result, -precision);
  if (result == 0) result = 0;  // no -0 in JSON
  return num(result);
}
Value fn_random(Evaluator& ev, Args&, const Focus&) {
  if (!ev.options().random) return Value();
  return num(ev.options().random());
}

// ---- booleans ----

Value fn_boolean(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  return Value::boolean(to_boolean(a[0]));
}
Value fn_not(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  return Value::boolean(!to_boolean(a[0]));
}

// ---- higher-order ----

Args hof_args(Evaluator& ev, const Value& fn, const Value& v, Value i, const Value& whole) {
  Args args{v};
  int n = ev.arity(fn);
  if (n >= 2) args.push_back(std::move(i));
  if (n >= 3) args.push_back(whole);
  return args;
}

Value fn_map(Evaluator& ev, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  auto result = new_sequence();
  for (std::size_t i = 0, n = a[0].size(); i < n; ++i) {
    Value r = ev.call(a[1], hof_args(ev, a[1], a[0].at(i), num(static_cast<double>(i)), a[0]));
    if (!r.undefined()) result->items.push_back(std::move(r));
  }
  return Value::array(std::move(result));
}
Value fn_filter(Evaluator& ev, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  auto result = new_sequence();
  for (std::size_t i = 0, n = a[0].size(); i < n; ++i) {
    Value item = a[0].at(i);
    Value r = ev.call(a[1], hof_args(ev, a[1], item, num(static_cast<double>(i)), a[0]));
    if (to_boolean(r)) result->items.push_back(std::move(item));
  }
  return Value::array(std::move(result));
}
Value fn_single(Evaluator& ev, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  bool found = false;
  Value result;
  for (std::size_t i = 0, n = a[0].size(); i < n; ++i) {
    Value item = a[0].at(i);
    bool positive = true;
    if (!arg(a, 1).undefined()) positive = to_boolean(ev.call(a[1], hof_args(ev, a[1], item, num(static_cast<double>(i)), a[0])));
    if (positive) {
      if (found) {
        Error e;
        e.code = "D3138";
        e.index = static_cast<int>(i);
        throw e;
      }
      result = item;
      found = true;
    }
  }
  if (!found) fail("D3139");
  return result;
}
Value fn_zip(Evaluator&, Args& a, const Focus&) {
  auto result = new_array();
  if (a.empty()) return Value::array(std::move(result));
  std::size_t len = SIZE_MAX;
  for (const auto& x : a) len = std::min(len, x.is_array() ? x.size() : 0);
  for (std::size_t i = 0; i < len; ++i) {
    auto tuple = new_array();
    for (const auto& x : a) {
      Value item = x.at(i);
      note_child(tuple->nest, item);
      tuple->items.push_back(std::move(item));
    }
    result->items.push_back(Value::array(std::move(tuple)));
  }
  return Value::array(std::move(result));
}
Value fn_reduce(Evaluator& ev, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  int n = ev.arity(a[1]);
  if (n < 2) {
    Error e;
    e.code = "D3050";
    e.index = 1;
    throw e;
  }
  Value result;
  std::size_t index;
  if (arg(a, 2).undefined() && a[0].size() > 0) {
    result = a[0].at(0);
    index = 1;
  } else {
    result = arg(a, 2);
    index = 0;
  }
  while (index < a[0].size()) {
    Args args{result, a[0].at(index)};
    if (n >= 3) args.push_back(num(static_cast<double>(index)));
    if (n >= 4) args.push_back(a[0]);
    result = ev.call(a[1], std::move(args));
    ++index;
  }
  return result;
}
Value fn_sift(Evaluator& ev, Args& a, const Focus&) {
  auto result = new_object();
  const Value& o = a[0];
  if (o.is_object()) {
    for (std::size_t i = 0, n = o.obj_size(); i < n; ++i) {
      Value v = o.value_at(i);
      Value r = ev.call(a[1], hof_args(ev, a[1], v, str(std::string(o.key_at(i))), o));
      if (to_boolean(r)) result->set(o.key_at(i), v);
    }
  }
  if (result->entries.empty()) return Value();
  return Value::object(std::move(result));
}
Value fn_each(Evaluator& ev, Args& a, const Focus&) {
  auto result = new_sequence();
  const Value& o = a[0];
  if (o.is_object()) {
    for (std::size_t i = 0, n = o.obj_size(); i < n; ++i) {
      Value r = ev.call(a[1], hof_args(ev, a[1], o.value_at(i), str(std::string(o.key_at(i))), o));
      if (!r.undefined()) result->items.push_back(std::move(r));
    }
  }
  return Value::array(std::move(result));
}

// ---- objects and arrays ----

void collect_keys(const Value& v, std::vector<std::string>& keys) {
  poll_guard();
  if (v.is_array()) {
    for (std::size_t i = 0, n = v.size(); i < n; ++i) collect_keys(v.at(i), keys);
  } else if (v.is_object()) {
    for (std::size_t i = 0, n = v.obj_size(); i < n; ++i) {
      std::string k(v.key_at(i));
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(std::move(k));
    }
  }
}
Value fn_keys(Evaluator&, Args& a, const Focus&) {
  std::vector<std::string> keys;
  collect_keys(a[0], keys);
  auto result = new_sequence();
  for (auto& k : keys) result->items.push_back(str(std::move(k)));
  return Value::array(std::move(result));
}
Value fn_lookup(Evaluator&, Args& a, const Focus&) { return lookup_key(a[0], arg(a, 1).str()); }
Value fn_append(Evaluator&, Args& a, const Focus&) { return append(a[0], arg(a, 1)); }
Value fn_exists(Evaluator&, Args& a, const Focus&) { return Value::boolean(!a[0].undefined()); }
Value spread(const Value& v) {
  if (v.is_array()) {
    Value result = Value::array(new_sequence());
    for (std::size_t i = 0, n = v.size(); i < n; ++i) result = append(result, spread(v.at(i)));
    return result;
  }
  if (v.is_object()) {
    auto result = new_sequence();
    for (std::size_t i = 0, n = v.obj_size(); i < n; ++i) {
      auto o = new_object();
      o->set(v.key_at(i), v.value_at(i));
      result->items.push_back(Value::object(std::move(o)));
    }
    return Value::array(std::move(result));
  }
  return v;
}
Value fn_spread(Evaluator&, Args& a, const Focus&) { return spread(a[0]); }
Value fn_merge(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  auto result = new_object();
  for (std::size_t i = 0, n = a[0].size(); i < n; ++i) {
    Value o = a[0].at(i);
    for (std::size_t k = 0, kn = o.obj_size(); k < kn; ++k) result->set(o.key_at(k), o.value_at(k));
  }
  return Value::object(std::move(result));
}
Value fn_reverse(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  if (a[0].size() <= 1) return a[0];
  auto result = new_array();
  for (std::size_t i = a[0].size(); i > 0; --i) result->items.push_back(a[0].at(i - 1));
  return Value::array(std::move(result));
}
Value fn_error(Evaluator&, Args& a, const Focus&) {
  Error e;
  e.code = "D3137";
  e.message = arg(a, 0).is_string() && !arg(a, 0).str().empty() ? std::string(arg(a, 0).str()) : "$error() function evaluated";
  throw e;
}
Value fn_assert(Evaluator&, Args& a, const Focus&) {
  if (!to_boolean(a[0])) {
    Error e;
    e.code = "D3141";
    e.message = arg(a, 1).is_string() && !arg(a, 1).str().empty() ? std::string(arg(a, 1).str()) : "$assert() statement failed";
    throw e;
  }
  return Value();
}
Value fn_type(Evaluator&, Args& a, const Focus&) {
  switch (a[0].type()) {
    case Type::kUndefined: return Value();
    case Type::kNull: return str("null");
    case Type::kNumber: return str("number");
    case Type::kString: return str("string");
    case Type::kBool: return str("boolean");
    case Type::kArray: return str("array");
    case Type::kFunction: return str("function");
    case Type::kObject: return str("object");
  }
  return Value();
}


Value fn_sort(Evaluator& ev, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  if (a[0].size() <= 1) return a[0];
  std::vector<Value> items;
  for (std::size_t i = 0, n = a[0].size(); i < n; ++i) items.push_back(a[0].at(i));
  if (arg(a, 1).undefined()) {
    bool nums = true, strs = true;
    for (const auto& v : items) {
      nums = nums && is_numeric(v);
      strs = strs && v.is_string();
    }
    if (!nums && !strs) {
      Error e;
      e.code = "D3070";
      e.index = 1;
      throw e;
    }
    auto swap = [&](const Value& x, const Value& y) {
      if (nums) return x.as_number() > y.as_number();
      return x.str() > y.str();
    };
    merge_sort(items, swap);
  } else {
    const Value& comp = a[1];
    auto swap = [&](const Value& x, const Value& y) { return to_boolean(ev.call(comp, {x, y})); };
    merge_sort(items, swap);
  }
  auto result = new_array();
  result->items = std::move(items);
  return Value::array(std::move(result));
}
Value fn_shuffle(Evaluator& ev, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  if (a[0].size() <= 1) return a[0];
  std::size_t n = a[0].size();
  std::vector<Value> result(n);
  for (std::size_t i = 0; i < n; ++i) {
    double r = ev.options().random ? ev.options().random() : 0.999999;
    std::size_t j = static_cast<std::size_t>(std::floor(r * static_cast<double>(i + 1)));
    if (i != j) result[i] = result[j];
    result[j] = a[0].at(i);
  }
  auto out = new_array();
  out->items = std::move(result);
  return Value::array(std::move(out));
}
Value fn_distinct(Evaluator&, Args& a, const Focus&) {
  const Value& arr = a[0];
  if (arr.undefined()) return Value();
  if (!arr.is_array() || arr.size() <= 1) return arr;
  auto result = arr.sequence() ? new_sequence() : new_array();
  for (std::size_t i = 0, n = arr.size(); i < n; ++i) {
    Value v = arr.at(i);
    bool dup = false;
    for (const auto& r : result->items)
      if (deep_equal(v, r)) {
        dup = true;
        break;
      }
    if (!dup) result->items.push_back(std::move(v));
  }
  return Value::array(std::move(result));
}

// ---- encodings ----

const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Value fn_base64encode(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  std::string bytes;
  for (auto cp : code_points(a[0].str())) bytes += static_cast<char>(decode(cp) & 0xFF);
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i + 1 == bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return str(std::move(out));
}
Value fn_base64decode(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : a[0].str()) {
    const char* p = std::strchr(kB64, c);
    if (c == '=' || c == 0 || !p) continue;
    acc = (acc << 6) | static_cast<unsigned>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      encode(out, (acc >> bits) & 0xFF);
    }
  }
  return str(std::move(out));
}

[[noreturn]] void url_error(const Value& v, const char* fn) {
  Error e;
  e.code = "D3140";
  e.value = value_json(v);
  e.function_name = fn;
  throw e;
}

Value encode_uri(const Value& v, const char* keep, const char* fn) {
  std::string out;
  std::string_view s = v.str();
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isalnum(c) || (c < 0x80 && std::strchr(keep, c) && c != 0)) {
      out += static_cast<char>(c);
      continue;
    }
    if (c == 0xED && i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xE0) == 0xA0) url_error(v, fn);
    char buf[4];
    std::snprintf(buf, sizeof buf, "%%%02X", c);
    out += buf;
  }
  return str(std::move(out));
}
Value fn_encode_url_component(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  return encode_uri(a[0], "-_.!~*'()", "encodeUrlComponent");
}
Value fn_encode_url(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  return encode_uri(a[0], "-_.!~*'();/?:@&=+$,#", "encodeUrl");
}
Value decode_uri(const Value& v, const char* reserved, const char* fn) {
  std::string_view s = v.str();
  std::string out;
  auto hexv = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '%') {
      out += s[i++];
      continue;
    }
    auto byte_at = [&](std::size_t p) -> int {
      if (p + 2 >= s.size() + 0 && p + 2 > s.size() - 0) {
      }
      if (p + 2 >= s.size() + 1 || s[p] != '%') return -1;
      int h = hexv(s[p + 1]), l = hexv(s[p + 2]);
      if (h < 0 || l < 0) return -1;
      return h * 16 + l;
    };
    int b = byte_at(i);
    if (b < 0) url_error(v, fn);
    if (b < 0x80) {
      if (std::strchr(reserved, b) && b != 0) out += s.substr(i, 3);
      else out += static_cast<char>(b);
      i += 3;
      continue;
    }
    int n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
    if (n == 0 || b >= 0xF8) url_error(v, fn);
    std::string bytes(1, static_cast<char>(b));
    std::size_t p = i + 3;
    for (int k = 1; k < n; ++k) {
      int c = byte_at(p);
      if (c < 0 || (c & 0xC0) != 0x80) url_error(v, fn);
      bytes += static_cast<char>(c);
      p += 3;
    }
    out += bytes;
    i = p;
  }
  return str(std::move(out));
}
Value fn_decode_url_component(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  return decode_uri(a[0], "", "decodeUrlComponent");
}
Value fn_decode_url(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  return decode_uri(a[0], ";/?:@&=+$,#", "decodeUrl");
}

// ---- evaluation, time, cloning ----

Value fn_eval(Evaluator& ev, Args& a, const Focus& focus) {
  if (a[0].undefined()) return Value();
  Value input = focus.input;
  if (!arg(a, 1).undefined()) {
    input = a[1];
    if (input.is_array() && !input.sequence()) {
      auto s = new_sequence();
      s->items.push_back(input);
      s->outer_wrapper = true;
      input = Value::array(std::move(s));
    }
  }
  NodePtr ast;
  try {
    ast = parse(a[0].str());
  } catch (Error& inner) {
    Error e;
    e.code = "D3120";
    e.value = "\"" + error_message(inner) + "\"";
    throw e;
  }
  const Node* node = ast.get();
  ev.eval_asts().push_back(std::move(ast));
  try {
    return ev.eval(*node, input, focus.env);
  } catch (Error& inner) {
    if (inner.code == "U1001") throw;
    Error e;
    e.code = "D3121";
    e.value = "\"" + error_message(inner) + "\"";
    throw e;
  }
}
Value fn_to_millis(Evaluator& ev, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  std::optional<std::string_view> pic;
  if (arg(a, 1).is_string()) pic = arg(a, 1).str();
  double now = ev.options().now_ms ? static_cast<double>(*ev.options().now_ms) : 0;
  auto r = picture::to_millis(a[0].str(), pic, now);
  if (!r.ok()) fail_picture(r.status());
  return *r ? num(**r) : Value();
}
Value from_millis(double ms, const Value& pic, const Value& tz) {
  std::optional<std::string_view> p, z;
  if (pic.is_string()) p = pic.str();
  if (tz.is_string()) z = tz.str();
  auto r = picture::from_millis(ms, p, z);
  if (!r.ok()) fail_picture(r.status());
  return str(std::move(r).value());
}
Value fn_from_millis(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  return from_millis(a[0].as_number(), arg(a, 1), arg(a, 2));
}
Value fn_now(Evaluator& ev, Args& a, const Focus&) {
  if (!ev.options().now_ms) return Value();
  return from_millis(static_cast<double>(*ev.options().now_ms), arg(a, 0), arg(a, 1));
}
Value fn_millis(Evaluator& ev, Args&, const Focus&) {
  if (!ev.options().now_ms) return Value();
  return num(static_cast<double>(*ev.options().now_ms));
}
Value fn_clone(Evaluator&, Args& a, const Focus&) {
  if (a[0].undefined()) return Value();
  return deep_clone(a[0]);
}

Builtin kBuiltins[] = {
    {"sum", fn_sum, "<a<n>:n>", 1, nullptr},
    {"count", fn_count, "<a:n>", 1, nullptr},
    {"max", fn_max, "<a<n>:n>", 1, nullptr},
    {"min", fn_min, "<a<n>:n>", 1, nullptr},
    {"average", fn_average, "<a<n>:n>", 1, nullptr},
    {"string", fn_string, "<x-b?:s>", 1, nullptr},
    {"substring", fn_substring, "<s-nn?:s>", 3, nullptr},
    {"substringBefore", fn_substring_before, "<s-s:s>", 2, nullptr},
    {"substringAfter", fn_substring_after, "<s-s:s>", 2, nullptr},
    {"lowercase", fn_lowercase, "<s-:s>", 1, nullptr},
    {"uppercase", fn_uppercase, "<s-:s>", 1, nullptr},
    {"length", fn_length, "<s-:n>", 1, nullptr},
    {"trim", fn_trim, "<s-:s>", 1, nullptr},
    {"pad", fn_pad, "<s-ns?:s>", 3, nullptr},
    {"match", fn_match, "<s-f<s:o>n?:a<o>>", 3, nullptr},
    {"contains", fn_contains, "<s-(sf):b>", 2, nullptr},
    {"replace", fn_replace, "<s-(sf)(sf)n?:s>", 4, nullptr},
    {"split", fn_split, "<s-(sf)n?:a<s>>", 3, nullptr},
    {"join", fn_join, "<a<s>s?:s>", 2, nullptr},
    {"formatNumber", fn_format_number, "<n-so?:s>", 3, nullptr},
    {"formatBase", fn_format_base, "<n-n?:s>", 2, nullptr},
    {"formatInteger", fn_format_integer, "<n-s:s>", 2, nullptr},
    {"parseInteger", fn_parse_integer, "<s-s:n>", 2, nullptr},
    {"number", fn_number, "<(nsb)-:n>", 1, nullptr},
    {"floor", fn_floor, "<n-:n>", 1, nullptr},
    {"ceil", fn_ceil, "<n-:n>", 1, nullptr},
    {"round", fn_round, "<n-n?:n>", 2, nullptr},
    {"abs", fn_abs, "<n-:n>", 1, nullptr},
    {"sqrt", fn_sqrt, "<n-:n>", 1, nullptr},
    {"power", fn_power, "<n-n:n>", 2, nullptr},
    {"random", fn_random, "<:n>", 0, nullptr},
    {"boolean", fn_boolean, "<x-:b>", 1, nullptr},
    {"not", fn_not, "<x-:b>", 1, nullptr},
    {"map", fn_map, "<af>", 2, nullptr},
    {"zip", fn_zip, "<a+>", 0, nullptr},
    {"filter", fn_filter, "<af>", 2, nullptr},
    {"single", fn_single, "<af?>", 2, nullptr},
    {"reduce", fn_reduce, "<afj?:j>", 3, nullptr},
    {"sift", fn_sift, "<o-f?:o>", 2, nullptr},
    {"keys", fn_keys, "<x-:a<s>>", 1, nullptr},
    {"lookup", fn_lookup, "<x-s:x>", 2, nullptr},
    {"append", fn_append, "<xx:a>", 2, nullptr},
    {"exists", fn_exists, "<x:b>", 1, nullptr},
    {"spread", fn_spread, "<x-:a<o>>", 1, nullptr},
    {"merge", fn_merge, "<a<o>:o>", 1, nullptr},
    {"reverse", fn_reverse, "<a:a>", 1, nullptr},
    {"each", fn_each, "<o-f:a>", 2, nullptr},
    {"error", fn_error, "<s?:x>", 1, nullptr},
    {"assert", fn_assert, "<bs?:x>", 2, nullptr},
    {"type", fn_type, "<x:s>", 1, nullptr},
    {"sort", fn_sort, "<af?:a>", 2, nullptr},
    {"shuffle", fn_shuffle, "<a:a>", 1, nullptr},
    {"distinct", fn_distinct, "<x:x>", 1, nullptr},
    {"base64encode", fn_base64encode, "<s-:s>", 1, nullptr},
    {"base64decode", fn_base64decode, "<s-:s>", 1, nullptr},
    {"encodeUrlComponent", fn_encode_url_component, "<s-:s>", 1, nullptr},
    {"encodeUrl", fn_encode_url, "<s-:s>", 1, nullptr},
    {"decodeUrlComponent", fn_decode_url_component, "<s-:s>", 1, nullptr},
    {"decodeUrl", fn_decode_url, "<s-:s>", 1, nullptr},
    {"eval", fn_eval, "<sx?:x>", 2, nullptr},
    {"toMillis", fn_to_millis, "<s-s?:n>", 2, nullptr},
    {"fromMillis", fn_from_millis, "<n-s?s?:s>", 3, nullptr},
    {"clone", fn_clone, "<(oa)-:o>", 1, nullptr},
    {"now", fn_now, "<s?s?:s>", 2, nullptr},
    {"millis", fn_millis, "<:n>", 0, nullptr},
};

}  // namespace

const Builtin* find_builtin(std::string_view name) {
  static const std::unordered_map<std::string_view, const Builtin*> kByName = [] {
    std::unordered_map<std::string_view, const Builtin*> m;
    for (auto& b : kBuiltins) {
      b.signature = Signature::parse(b.signature_text);
      m.emplace(b.name, &b);
    }
    return m;
  }();
  auto it = kByName.find(name);
  return it == kByName.end() ? nullptr : it->second;
}

std::size_t builtin_index(const Builtin* b) { return static_cast<std::size_t>(b - kBuiltins); }
std::size_t builtin_count() { return sizeof kBuiltins / sizeof kBuiltins[0]; }

}  // namespace stepd::jsonata
