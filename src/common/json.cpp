#include "src/common/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/stream_parser.hpp>

namespace stepd::json {

namespace {

// Shortest text that reads back as d, Jackson-style: an integral double keeps
// a ".0" (AWS prints 2.0, not 2), large/small magnitudes use "E" notation.
void append_double(std::string& out, double d) {
  if (!std::isfinite(d)) {  // JSON has no NaN/Infinity; AWS never produces them
    out += "null";
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view s(buf, static_cast<std::size_t>(r.ptr - buf));
  auto e = s.find('e');
  if (e == std::string_view::npos) {
    out.append(s);
    if (s.find('.') == std::string_view::npos) out += ".0";
    return;
  }
  // to_chars gives "1e+20" / "1.5e-07"; Jackson gives "1.0E20" / "1.5E-7".
  std::string_view mant = s.substr(0, e);
  std::string_view exp = s.substr(e + 1);
  out.append(mant);
  if (mant.find('.') == std::string_view::npos) out += ".0";
  out += 'E';
  bool neg = !exp.empty() && exp[0] == '-';
  if (!exp.empty() && (exp[0] == '+' || exp[0] == '-')) exp.remove_prefix(1);
  while (exp.size() > 1 && exp[0] == '0') exp.remove_prefix(1);
  if (neg) out += '-';
  out.append(exp);
}

template <class Int>
void append_int(std::string& out, Int i) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, i);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

}  // namespace

void append_quoted(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the pending run of plain bytes
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void append_json(std::string& out, const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null: out += "null"; return;
    case bj::kind::bool_: out += v.get_bool() ? "true" : "false"; return;
    case bj::kind::int64: append_int(out, v.get_int64()); return;
    case bj::kind::uint64: append_int(out, v.get_uint64()); return;
    case bj::kind::double_: append_double(out, v.get_double()); return;
    case bj::kind::string: append_quoted(out, v.get_string()); return;
    case bj::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        append_json(out, e);
      }
      out += ']';
      return;
    }
    case bj::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        append_quoted(out, kv.key());
        out += ':';
        append_json(out, kv.value());
      }
      out += '}';
      return;
    }
  }
}

std::string to_json(const bj::value& v) {
  std::string out;
  out.reserve(128);  // most state payloads are small; saves the first regrowths
  append_json(out, v);
  return out;
}

std::size_t json_size(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null: return 4;
    case bj::kind::bool_: return v.get_bool() ? 4 : 5;
    case bj::kind::string: {
      std::size_t n = 2;
      for (unsigned char c : v.get_string()) {
        if (c >= 0x20 && c != '"' && c != '\\') n += 1;
        else if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') n += 2;
        else n += 6;
      }
      return n;
    }
    case bj::kind::array: {
      const auto& a = v.get_array();
      std::size_t n = 2 + (a.empty() ? 0 : a.size() - 1);
      for (const auto& e : a) n += json_size(e);
      return n;
    }
    case bj::kind::object: {
      const auto& o = v.get_object();
      std::size_t n = 2 + (o.empty() ? 0 : o.size() - 1);
      for (const auto& kv : o) {
        n += 1 + json_size(bj::value(kv.key()));  // key, colon
        n += json_size(kv.value());
      }
      return n;
    }
    default: {
      std::string s;
      append_json(s, v);
      return s.size();
    }
  }
}

namespace {

std::string describe_parse_error(std::string_view text, std::size_t offset, const boost::system::error_code& ec) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
  }
  return "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + ec.message();
}

Result<bj::value> parse_with(std::string_view text, const bj::parse_options& opts) {
  bj::stream_parser p({}, opts);
  boost::system::error_code ec;
  std::size_t n = p.write_some(text.data(), text.size(), ec);
  if (!ec && n < text.size()) {
    // write_some stops after a complete value: only whitespace may follow.
    for (std::size_t i = n; i < text.size(); ++i) {
      char c = text[i];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return Status::invalid(describe_parse_error(text, i, bj::make_error_code(bj::error::extra_data)));
      }
    }
  }
  if (!ec) p.finish(ec);
  if (ec) return Status::invalid(describe_parse_error(text, n, ec));
  return p.release();
}

}  // namespace

Result<bj::value> parse(std::string_view text) {
  return parse_with(text, bj::parse_options{});
}

Result<bj::value> parse_relaxed(std::string_view text) {
  bj::parse_options opts;
  opts.allow_comments = true;
  opts.allow_trailing_commas = true;
  return parse_with(text, opts);
}

const char* type_name(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null: return "null";
    case bj::kind::bool_: return "boolean";
    case bj::kind::int64:
    case bj::kind::uint64:
    case bj::kind::double_: return "number";
    case bj::kind::string: return "string";
    case bj::kind::array: return "array";
    case bj::kind::object: return "object";
  }
  return "null";
}

double to_double(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::int64: return static_cast<double>(v.get_int64());
    case bj::kind::uint64: return static_cast<double>(v.get_uint64());
    default: return v.get_double();
  }
}

}  // namespace stepd::json
