#include "src/api/api_util.h"

#include <chrono>
#include <cstdio>
#include <random>

#include "src/common/json.h"

namespace stepd::api {

ApiResponse error(const std::string& type, const std::string& message, int status) {
  bj::object o;
  o["__type"] = "com.amazonaws.swf.service.v2.model#" + type;
  o["message"] = message;
  return ApiResponse{status, json::to_json(o)};
}

ApiResponse error_from(const Status& s, const std::string& not_found_type) {
  if (!s.ok() && !s.error().empty() && s.code() != Code::kInternal && s.code() != Code::kIo) {
    return error(s.error(), s.message());
  }
  switch (s.code()) {
    case Code::kFailed: return error(s.error(), s.message());
    case Code::kNotFound: return error(not_found_type, s.message());
    case Code::kInvalidArgument: return error("ValidationException", s.message());
    default: return error("InternalError", s.message(), 500);
  }
}

ApiResponse ok(const bj::object& o) { return ApiResponse{200, json::to_json(o)}; }

double seconds(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {
std::mt19937_64& rng() {
  static thread_local std::mt19937_64 r{std::random_device{}()};
  return r;
}
}  // namespace

std::string random_uuid() {
  std::uint64_t a = rng()(), b = rng()();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-4%03llx-%04llx-%012llx", static_cast<unsigned long long>(a >> 32),
                static_cast<unsigned long long>((a >> 16) & 0xffff), static_cast<unsigned long long>(a & 0xfff),
                static_cast<unsigned long long>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string time_ordered_uuid() {
  // UUID version 7: 48 bits of Unix milliseconds, then 74 random bits.
  std::uint64_t ms = static_cast<std::uint64_t>(now_ms()) & 0xffffffffffffULL;
  std::uint64_t a = rng()(), b = rng()();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-7%03llx-%04llx-%012llx", static_cast<unsigned long long>(ms >> 16),
                static_cast<unsigned long long>(ms & 0xffff), static_cast<unsigned long long>(a & 0xfff),
                static_cast<unsigned long long>(0x8000 | ((a >> 12) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string random_hex(std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  while (out.size() < n) {
    std::uint64_t v = rng()();
    for (int i = 0; i < 16 && out.size() < n; ++i, v >>= 4) out += digits[v & 15];
  }
  return out;
}

const bj::string* str_field(const bj::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

std::optional<bool> bool_field(const bj::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

const bj::object* obj_field(const bj::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

const bj::array* array_field(const bj::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_array() : nullptr;
}

std::optional<ApiResponse> require(const bj::object& o, const char* key, const bj::string** out) {
  *out = str_field(o, key);
  if (*out) return std::nullopt;
  return error("ValidationException", std::string("1 validation error detected: Value null at '") + key +
                                          "' failed to satisfy constraint: Member must not be null");
}

bool parse_arn(const std::string& arn, const char* kind, std::string* rest) {
  // arn:aws:states:<region>:<account>:<kind>:<rest>
  if (arn.rfind("arn:aws:states:", 0) != 0) return false;
  std::size_t p = 15;
  for (int field = 0; field < 2; ++field) {  // region, account
    p = arn.find(':', p);
    if (p == std::string::npos) return false;
    ++p;
  }
  std::string want = std::string(kind) + ":";
  if (arn.compare(p, want.size(), want) != 0) return false;
  *rest = arn.substr(p + want.size());
  return !rest->empty();
}

std::optional<MachineArn> parse_machine_arn(const std::string& arn) {
  std::string rest;
  if (!parse_arn(arn, "stateMachine", &rest)) return std::nullopt;
  MachineArn m;
  auto colon = rest.find(':');
  m.name = rest.substr(0, colon);
  if (m.name.empty() || !valid_name(m.name)) return std::nullopt;
  m.base = arn.substr(0, arn.size() - rest.size()) + m.name;
  if (colon == std::string::npos) return m;
  m.qualifier = rest.substr(colon + 1);
  if (m.qualifier.empty() || m.qualifier.find(':') != std::string::npos) return std::nullopt;
  if (m.qualifier.find_first_not_of("0123456789") == std::string::npos) {
    if (m.qualifier.size() > 9 || m.qualifier[0] == '0') return std::nullopt;
    m.version = static_cast<std::uint32_t>(std::stoul(m.qualifier));
  }
  return m;
}

ApiResponse invalid_arn(const std::string& arn) { return error("InvalidArn", "Invalid Arn: '" + arn + "'"); }

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
    for (std::size_t j = 0; j < 4; ++j) v[j] = token[i + j] == '=' ? 0 : val(token[i + j]);
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

ApiResponse invalid_token() { return error("InvalidToken", "Invalid Token: 'Invalid token'"); }

Result<std::int64_t> page_size(const bj::object& req, std::int64_t dflt) {
  const auto* v = req.if_contains("maxResults");
  if (!v) return dflt;
  if (!v->is_int64() || v->get_int64() < 0 || v->get_int64() > 1000) {
    const bool low = v->is_int64() && v->get_int64() < 0;
    const std::string shown = v->is_int64() ? std::to_string(v->get_int64()) : json::to_json(*v);
    return Status::invalid("1 validation error detected: Value '" + shown +
                           "' at 'maxResults' failed to satisfy constraint: Member must have value " +
                           (low ? "greater than or equal to 0" : "less than or equal to 1000"));
  }
  return v->get_int64() == 0 ? dflt : v->get_int64();
}

bj::array tags_json(const std::vector<storage::Tag>& tags) {
  bj::array out;
  for (const auto& t : tags) {
    bj::object o;
    o["key"] = t.key;
    o["value"] = t.value;
    out.push_back(std::move(o));
  }
  return out;
}

Result<std::vector<storage::Tag>> read_tags(const bj::object& req, const char* key) {
  std::vector<storage::Tag> out;
  const auto* list = req.if_contains(key);
  if (!list) return out;
  if (!list->is_array()) return Status::invalid(std::string("'") + key + "' must be a list of tags");
  for (const auto& v : list->get_array()) {
    const auto* o = v.if_object();
    const auto* k = o ? str_field(*o, "key") : nullptr;
    const auto* val = o ? str_field(*o, "value") : nullptr;
    if (!k || k->empty() || k->size() > 128) {
      return Status::invalid("1 validation error detected: Value at 'tags' failed to satisfy constraint: "
                             "Member must have length between 1 and 128 for key");
    }
    if (val && val->size() > 256) {
      return Status::invalid("1 validation error detected: Value at 'tags' failed to satisfy constraint: "
                             "Member must have length less than or equal to 256 for value");
    }
    out.push_back(storage::Tag{std::string(*k), val ? std::string(*val) : std::string()});
  }
  return out;
}

bool merge_tags(std::vector<storage::Tag>& tags, const std::vector<storage::Tag>& add) {
  std::vector<storage::Tag> merged = tags;
  for (const auto& t : add) {
    bool replaced = false;
    for (auto& m : merged) {
      if (m.key == t.key) {
        m.value = t.value;
        replaced = true;
      }
    }
    if (!replaced) merged.push_back(t);
  }
  if (merged.size() > 50) return false;
  tags = std::move(merged);
  return true;
}

std::string config_text(const bj::object& req, const char* key) {
  const auto* v = req.if_contains(key);
  return v && v->is_object() ? json::to_json(*v) : std::string();
}

bj::value config_value(const std::string& text, const bj::value& dflt) {
  if (text.empty()) return dflt;
  auto v = json::parse(text);
  return v.ok() ? std::move(v).value() : dflt;
}

}  // namespace stepd::api
