#include "src/jsonata/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include "src/jsonata/error.h"
#include "src/jsonata/function.h"

namespace stepd::jsonata {

Value Value::string(std::string s) {
  if (s.size() > kMaxStringBytes) {
    Error e;
    e.code = "U1001";
    e.message = "String too long (more than 256 MiB)";
    throw e;
  }
  auto h = std::make_shared<StringHeap>();
  h->s = std::move(s);
  Value v;
  v.type_ = Type::kString;
  v.h_ = std::move(h);
  return v;
}

Value Value::array(std::shared_ptr<ArrayHeap> a) {
  Value v;
  v.type_ = Type::kArray;
  v.h_ = std::move(a);
  return v;
}

Value Value::object(std::shared_ptr<ObjectHeap> o) {
  Value v;
  v.type_ = Type::kObject;
  v.h_ = std::move(o);
  return v;
}

Value Value::function(std::shared_ptr<FunctionHeap> f) {
  Value v;
  v.type_ = Type::kFunction;
  v.h_ = std::move(f);
  return v;
}

FunctionHeap* Value::fn() const { return static_cast<FunctionHeap*>(h_.get()); }

std::string_view Value::str() const {
  if (type_ != Type::kString) return {};  // natives may see undefined where a string was optional
  if (h_) return static_cast<StringHeap*>(h_.get())->s;
  const bj::string& s = u_.j->get_string();
  return std::string_view(s.data(), s.size());
}

bool Value::sequence() const { return type_ == Type::kArray && h_ && arr()->sequence; }
bool Value::keep_singleton() const { return type_ == Type::kArray && h_ && arr()->keep_singleton; }
bool Value::outer_wrapper() const { return type_ == Type::kArray && h_ && arr()->outer_wrapper; }
bool Value::tuple_stream() const { return type_ == Type::kArray && h_ && arr()->tuple_stream; }
bool Value::cons() const { return type_ == Type::kArray && h_ && arr()->cons; }

std::size_t Value::obj_size() const {
  if (type_ != Type::kObject) return 0;
  return h_ ? obj()->entries.size() : u_.j->get_object().size();
}
std::string_view Value::key_at(std::size_t i) const {
  if (h_) return obj()->entries[i].first;
  const auto& kv = *(u_.j->get_object().begin() + static_cast<std::ptrdiff_t>(i));
  return std::string_view(kv.key().data(), kv.key().size());
}
Value Value::value_at(std::size_t i) const {
  if (h_) return obj()->entries[i].second;
  return borrow((u_.j->get_object().begin() + static_cast<std::ptrdiff_t>(i))->value());
}
Value Value::get(std::string_view key) const {
  if (type_ != Type::kObject) return Value();
  if (h_) {
    const Value* p = obj()->find(key);
    return p ? *p : Value();
  }
  const auto& o = u_.j->get_object();
  auto it = o.find(bj::string_view(key.data(), key.size()));
  return it == o.end() ? Value() : borrow(it->value());
}
bool Value::has(std::string_view key) const {
  if (type_ != Type::kObject) return false;
  if (h_) return obj()->find(key) != nullptr;
  return u_.j->get_object().contains(bj::string_view(key.data(), key.size()));
}

namespace {
constexpr std::size_t kIndexFrom = 12;

// Tearing down nested owned containers without recursion: a destructor
// running inside drain() hands its children to the pending list instead of
// destroying them in place.
thread_local std::vector<std::shared_ptr<Heap>>* g_pending = nullptr;

void hand_over(Value& v, std::vector<std::shared_ptr<Heap>>& pending) {
  if (v.owned() && (v.is_array() || v.is_object() || v.is_function())) {
    pending.push_back(v.release_heap());
  }
}

template <class Each>
void drain(Each each) {
  if (g_pending) {
    each(*g_pending);
    return;
  }
  std::vector<std::shared_ptr<Heap>> pending;
  g_pending = &pending;
  each(pending);
  while (!pending.empty()) {
    std::shared_ptr<Heap> h = std::move(pending.back());
    pending.pop_back();
    h.reset();  // may push its own children
  }
  g_pending = nullptr;
}
}  // namespace

ArrayHeap::~ArrayHeap() {
  bool nested = false;
  for (const auto& v : items) nested = nested || (v.owned() && !v.is_string() && !v.is_number());
  if (!nested) return;
  drain([this](std::vector<std::shared_ptr<Heap>>& pending) {
    for (auto& v : items) hand_over(v, pending);
  });
}

ObjectHeap::~ObjectHeap() {
  bool nested = false;
  for (const auto& e : entries) nested = nested || (e.second.owned() && !e.second.is_string());
  if (!nested) return;
  drain([this](std::vector<std::shared_ptr<Heap>>& pending) {
    for (auto& e : entries) hand_over(e.second, pending);
  });
}

void ObjectHeap::reindex() const {
  index_.clear();
  for (std::size_t i = 0; i < entries.size(); ++i) index_[entries[i].first] = i;
  indexed_ = true;
}

const Value* ObjectHeap::find(std::string_view key) const {
  if (entries.size() >= kIndexFrom) {
    if (!indexed_) reindex();
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &entries[it->second].second;
  }
  for (const auto& e : entries)
    if (e.first == key) return &e.second;
  return nullptr;
}

void note_child(std::uint32_t& nest, const Value& child) {
  if (!child.owned()) return;
  std::uint32_t n = child.is_array() ? child.arr()->nest : child.is_object() ? child.obj()->nest : 0;
  if (n + 1 > nest) {
    nest = n + 1;
    if (nest > kMaxNesting) {
      Error e;
      e.code = "U1001";
      e.message = "Value nesting too deep (more than 10000 levels)";
      throw e;
    }
  }
}

void ObjectHeap::set(std::string_view key, Value v) {
  note_child(nest, v);
  if (const Value* p = find(key)) {
    *const_cast<Value*>(p) = std::move(v);
    return;
  }
  entries.emplace_back(std::string(key), std::move(v));
  // the vector may have moved its strings: views in the index are stale
  indexed_ = false;
}

void ObjectHeap::erase(std::string_view key) {
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it->first == key) {
      entries.erase(it);
      indexed_ = false;
      return;
    }
  }
}

std::string js_number_to_string(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  if (d == 0) return "0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  bool neg = false;
  std::size_t p = 0;
  if (sci[0] == '-') {
    neg = true;
    p = 1;
  }
  auto epos = sci.find('e');
  std::string digits;
  for (std::size_t i = p; i < epos; ++i)
    if (sci[i] != '.') digits += sci[i];
  int exp = std::atoi(sci.c_str() + epos + 1);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int k = static_cast<int>(digits.size());
  int n = exp + 1;
  std::string out = neg ? "-" : "";
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<std::size_t>(n));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += (n - 1 >= 0) ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

namespace {
double to_precision_15(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.14e", d);
  return std::strtod(buf, nullptr);
}
}  // namespace

std::string number_to_jsonata_string(double d) {
  if (std::isfinite(d) && std::trunc(d) != d) d = to_precision_15(d);
  return js_number_to_string(d);
}

void quote_json_string(std::string_view s, std::string& out) {
  out += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else if (c == 0xED && i + 2 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xE0) == 0xA0) {
          // a lone surrogate (WTF-8): JSON.stringify escapes it
          unsigned cp = ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
                        (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", cp);
          out += b;
          i += 2;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

namespace {
[[noreturn]] void too_deep() {
  Error e;
  e.code = "U1001";
  e.message = "Value nesting too deep (more than 10000 levels)";
  throw e;
}
constexpr std::size_t kMaxOutputNodes = 50'000'000;
[[noreturn]] void too_large() {
  Error e;
  e.code = "U1001";
  e.message = "Result too large (more than 50,000,000 values)";
  throw e;
}
}  // namespace

void stringify(const Value& v, std::string& out, bool pretty, int indent, bool finite_only) {
  if (indent > static_cast<int>(kMaxNesting)) too_deep();
  poll_guard();
  if (out.size() > kMaxOutputNodes * 4) too_large();
  auto newline = [&](int level) {
    if (!pretty) return;
    out += '\n';
    out.append(static_cast<std::size_t>(level) * 2, ' ');
  };
  switch (v.type()) {
    case Type::kUndefined:
    case Type::kNull: out += "null"; break;
    case Type::kBool: out += v.as_bool() ? "true" : "false"; break;
    case Type::kNumber: {
      double d = v.as_number();
      if (!std::isfinite(d) && finite_only && !std::isnan(d)) {
        Error e;
        e.code = "D1001";
        e.value = d > 0 ? "Infinity" : "-Infinity";
        throw e;
      }
      if (!std::isfinite(d)) out += "null";
      else out += number_to_jsonata_string(d);
      break;
    }
    case Type::kString: quote_json_string(v.str(), out); break;
    case Type::kFunction: out += "\"\""; break;
    case Type::kArray: {
      std::size_t n = v.size();
      if (n == 0) {
        out += "[]";
        break;
      }
      out += '[';
      for (std::size_t i = 0; i < n; ++i) {
        if (i) out += ',';
        newline(indent + 1);
        stringify(v.at(i), out, pretty, indent + 1, finite_only);
      }
      newline(indent);
      out += ']';
      break;
    }
    case Type::kObject: {
      std::size_t n = v.obj_size();
      bool any = false;
      out += '{';
      for (std::size_t i = 0; i < n; ++i) {
        Value item = v.value_at(i);
        if (item.undefined()) continue;
        if (any) out += ',';
        any = true;
        newline(indent + 1);
        quote_json_string(v.key_at(i), out);
        out += pretty ? ": " : ":";
        stringify(item, out, pretty, indent + 1, finite_only);
      }
      if (any) newline(indent);
      out += '}';
      break;
    }
  }
}

namespace {
bool deep_equal_at(const Value& a, const Value& b, std::uint32_t depth);
}

bool deep_equal(const Value& a, const Value& b) { return deep_equal_at(a, b, 0); }

namespace {
bool deep_equal_at(const Value& a, const Value& b, std::uint32_t depth) {
  if (depth > kMaxNesting) too_deep();
  poll_guard();
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Type::kUndefined:
    case Type::kNull: return true;
    case Type::kBool: return a.as_bool() == b.as_bool();
    case Type::kNumber: return a.as_number() == b.as_number();
    case Type::kString: return a.str() == b.str();
    case Type::kFunction: return a.heap() == b.heap();
    case Type::kArray: {
      std::size_t n = a.size();
      if (n != b.size()) return false;
      for (std::size_t i = 0; i < n; ++i)
        if (!deep_equal_at(a.at(i), b.at(i), depth + 1)) return false;
      return true;
    }
    case Type::kObject: {
      if (a.json() && a.json() == b.json()) return true;
      std::size_t n = a.obj_size();
      if (n != b.obj_size()) return false;
      for (std::size_t i = 0; i < n; ++i) {
        Value bv = b.get(a.key_at(i));
        if (bv.undefined() && !b.has(a.key_at(i))) return false;
        if (!deep_equal_at(a.value_at(i), bv, depth + 1)) return false;
      }
      return true;
    }
  }
  return false;
}
}  // namespace

namespace {
bj::value to_json_at(const Value& v, std::uint32_t depth, std::size_t& nodes);
}

bj::value to_json(const Value& v) {
  std::size_t nodes = 0;
  return to_json_at(v, 0, nodes);
}

namespace {
bj::value to_json_at(const Value& v, std::uint32_t depth, std::size_t& nodes) {
  if (depth > kMaxNesting) too_deep();
  if (++nodes > kMaxOutputNodes) too_large();
  poll_guard();
  if (const bj::value* j = v.json(); j && (v.is_array() || v.is_object() || v.is_string())) return *j;
  switch (v.type()) {
    case Type::kUndefined:
    case Type::kNull: return nullptr;
    case Type::kBool: return v.as_bool();
    case Type::kNumber: {
      double d = v.as_number();
      if (!std::isfinite(d)) return nullptr;
      if (std::trunc(d) == d && std::fabs(d) < 9.2e18) return static_cast<std::int64_t>(d);
      return d;
    }
    case Type::kString: {
      auto s = v.str();
      return bj::string(bj::string_view(s.data(), s.size()));
    }
    case Type::kFunction: return bj::string();
    case Type::kArray: {
      bj::array a;
      std::size_t n = v.size();
      a.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        Value item = v.at(i);
        a.push_back(to_json_at(item, depth + 1, nodes));  // undefined -> null, as JSON.stringify
      }
      return a;
    }
    case Type::kObject: {
      bj::object o;
      std::size_t n = v.obj_size();
      o.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        Value item = v.value_at(i);
        if (item.undefined()) continue;
        auto k = v.key_at(i);
        o[bj::string_view(k.data(), k.size())] = to_json_at(item, depth + 1, nodes);
      }
      return o;
    }
  }
  return nullptr;
}
}  // namespace

namespace {
Value deep_clone_at(const Value& v, std::uint32_t depth, std::size_t& nodes);
}

Value deep_clone(const Value& v) {
  std::size_t nodes = 0;
  return deep_clone_at(v, 0, nodes);
}

namespace {
Value deep_clone_at(const Value& v, std::uint32_t depth, std::size_t& nodes) {
  if (depth > kMaxNesting) too_deep();
  if (++nodes > kMaxOutputNodes) too_large();
  poll_guard();
  switch (v.type()) {
    case Type::kNumber: {
      double d = v.as_number();
      if (std::isfinite(d) && std::trunc(d) != d) return Value::number(to_precision_15(d));
      return v;
    }
    case Type::kFunction: return Value::string("");
    case Type::kArray: {
      auto a = new_array();
      std::size_t n = v.size();
      a->items.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        Value item = v.at(i);
        a->items.push_back(item.undefined() ? Value::null() : deep_clone_at(item, depth + 1, nodes));
      }
      return Value::array(std::move(a));
    }
    case Type::kObject: {
      auto o = new_object();
      std::size_t n = v.obj_size();
      o->entries.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        Value item = v.value_at(i);
        if (item.undefined()) continue;
        o->set(v.key_at(i), deep_clone_at(item, depth + 1, nodes));
      }
      return Value::object(std::move(o));
    }
    default: return v;
  }
}
}  // namespace

std::size_t utf16_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) n += (c >= 0xF0) ? 2 : 1;
  }
  return n;
}

std::size_t code_point_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace stepd::jsonata
