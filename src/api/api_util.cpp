#include "src/api/api_util.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <stdexcept>

#include "src/common/json.h"
#include "src/intrinsics/base64.h"
#include "src/net/sigv4.h"

namespace stepd::api {

ApiResponse error(const std::string& type, const std::string& message, int status) {
  // The model documents "HTTP Status Code: 402" for this one.
  if (type == "ServiceQuotaExceededException") status = 402;
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

namespace {

// Page tokens: AES-256-GCM under the page-token key, the kind as associated
// data, a random 96-bit nonce per token. The plaintext is the position's
// length (2 bytes) and the position, zero-padded to a multiple of 32 bytes,
// so a token's size says little about what it holds.
//   token = base64(nonce[12] || ciphertext || tag[16])
constexpr std::size_t kNonce = 12, kTag = 16, kBlock = 32;
constexpr char kTokenContext[] = "stepd page token v1\n";

std::mutex& token_key_mu() {
  static std::mutex mu;
  return mu;
}
std::string& token_key_slot() {
  static std::string key;
  return key;
}

std::string token_key() {
  std::lock_guard<std::mutex> lock(token_key_mu());
  std::string& key = token_key_slot();
  if (key.empty()) {
    // No server key set (tests, tools): one for this process.
    key.resize(32);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
      throw std::runtime_error("page tokens: no randomness");
    }
  }
  return key;
}

std::string aad(const std::string& kind) { return kTokenContext + kind; }

struct CipherCtx {
  EVP_CIPHER_CTX* p = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(p); }
};

const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

std::string derive_page_token_key(std::string_view server_secret) {
  return net::sigv4::hmac_sha256(server_secret, "stepd page tokens");
}

void set_page_token_key(std::string key) {
  std::lock_guard<std::mutex> lock(token_key_mu());
  token_key_slot() = net::sigv4::hmac_sha256(key, "stepd page token aes-256-gcm");  // exactly 32 bytes
}

std::string make_token(const std::string& kind, const std::string& position) {
  const std::string key = token_key();
  if (position.size() > 0xffff) throw std::length_error("page token position too long");
  std::string plain;
  plain += static_cast<char>(position.size() >> 8);
  plain += static_cast<char>(position.size() & 0xff);
  plain += position;
  plain.resize((plain.size() + kBlock - 1) / kBlock * kBlock, '\0');
  std::string out(kNonce + plain.size() + kTag, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(o, kNonce) != 1) throw std::runtime_error("page tokens: no randomness");
  const std::string ad = aad(kind);
  CipherCtx c;
  int len = 0;
  bool ok = c.p && EVP_EncryptInit_ex(c.p, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.p, EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) == 1 &&
            EVP_EncryptInit_ex(c.p, nullptr, nullptr, bytes(key), o) == 1 &&
            EVP_EncryptUpdate(c.p, nullptr, &len, bytes(ad), static_cast<int>(ad.size())) == 1 &&
            EVP_EncryptUpdate(c.p, o + kNonce, &len, bytes(plain), static_cast<int>(plain.size())) == 1 &&
            EVP_EncryptFinal_ex(c.p, o + kNonce + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.p, EVP_CTRL_GCM_GET_TAG, kTag, o + kNonce + plain.size()) == 1;
  if (!ok) throw std::runtime_error("page tokens: AES-256-GCM failed");
  return intrinsics::base64_encode(out);
}

bool read_token(const std::string& token, const std::string& kind, std::string* position) {
  if (token.empty() || token.size() > 4096) return false;
  auto raw = intrinsics::base64_decode(token);
  // Only the canonical text of its bytes: no second spelling of a token.
  if (!raw || intrinsics::base64_encode(*raw) != token) return false;
  if (raw->size() < kNonce + kBlock + kTag || (raw->size() - kNonce - kTag) % kBlock != 0) return false;
  const std::string key = token_key();
  const std::string ad = aad(kind);
  const std::size_t n = raw->size() - kNonce - kTag;
  std::string plain(n, '\0');
  std::string tag = raw->substr(kNonce + n);
  CipherCtx c;
  int len = 0;
  const auto* in = bytes(*raw);
  bool ok = c.p && EVP_DecryptInit_ex(c.p, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.p, EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) == 1 &&
            EVP_DecryptInit_ex(c.p, nullptr, nullptr, bytes(key), in) == 1 &&
            EVP_DecryptUpdate(c.p, nullptr, &len, bytes(ad), static_cast<int>(ad.size())) == 1 &&
            EVP_DecryptUpdate(c.p, reinterpret_cast<unsigned char*>(plain.data()), &len, in + kNonce,
                              static_cast<int>(n)) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.p, EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(c.p, reinterpret_cast<unsigned char*>(plain.data()) + len, &len) == 1;
  if (!ok) return false;  // altered, truncated, another kind, another key
  const std::size_t size = (static_cast<unsigned char>(plain[0]) << 8) | static_cast<unsigned char>(plain[1]);
  if (size + 2 > plain.size()) return false;
  *position = plain.substr(2, size);
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
