#include "src/common/task_token.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace stepd {

namespace {

constexpr std::size_t kHalf = 16;  // bytes of id, and of tag
constexpr std::string_view kTagContext = "stepd task token v1";

// HMAC-SHA256 under one key, its context kept per thread: OpenSSL 3's
// one-shot HMAC() fetches the algorithm and sets the key up on every call,
// which was 8 % of the server's time under the worker benchmark.
class Mac {
 public:
  static Mac& for_key(std::string_view key) {
    thread_local Mac mac;
    if (!mac.ctx_ || mac.key_ != key) mac.reset(key);
    return mac;
  }
  ~Mac() { EVP_MAC_CTX_free(ctx_); }

  // HMAC(key, parts...) truncated to kHalf bytes. Each part is length-
  // prefixed, so ("ab","c") and ("a","bc") differ.
  void tag16(std::initializer_list<std::string_view> parts, unsigned char out[kHalf]) {
    EVP_MAC_init(ctx_, nullptr, 0, nullptr);  // same key, fresh state
    for (std::string_view p : parts) {
      unsigned char n[4];
      for (int i = 0; i < 4; ++i) n[i] = static_cast<unsigned char>(p.size() >> (8 * i));
      EVP_MAC_update(ctx_, n, sizeof n);
      EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(p.data()), p.size());
    }
    unsigned char full[EVP_MAX_MD_SIZE];
    std::size_t len = 0;
    EVP_MAC_final(ctx_, full, &len, sizeof full);
    std::copy(full, full + kHalf, out);
  }

 private:
  void reset(std::string_view key) {
    static EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX_free(ctx_);
    ctx_ = EVP_MAC_CTX_new(hmac);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
    static const unsigned char empty = 0;  // a null key would mean "keep the previous one"
    EVP_MAC_init(ctx_, key.empty() ? &empty : reinterpret_cast<const unsigned char*>(key.data()), key.size(), params);
    key_.assign(key);
  }

  EVP_MAC_CTX* ctx_ = nullptr;
  std::string key_;
};

void to_hex(const unsigned char* p, std::size_t n, std::string& out) {
  static const char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 15]);
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string_view bytes_of(const unsigned char* p, std::size_t n) { return {reinterpret_cast<const char*>(p), n}; }

}  // namespace

std::string mint_task_token(std::string_view key, std::string_view execution_arn, std::uint64_t a, std::uint64_t b) {
  unsigned char draws[16];
  for (int i = 0; i < 8; ++i) {
    draws[i] = static_cast<unsigned char>(a >> (8 * i));
    draws[8 + i] = static_cast<unsigned char>(b >> (8 * i));
  }
  unsigned char id[kHalf], tag[kHalf];
  Mac& mac = Mac::for_key(key);
  mac.tag16({execution_arn, bytes_of(draws, sizeof draws)}, id);
  mac.tag16({kTagContext, bytes_of(id, kHalf)}, tag);
  std::string token;
  token.reserve(4 * kHalf);
  to_hex(id, kHalf, token);
  to_hex(tag, kHalf, token);
  return token;
}

bool authentic_task_token(std::string_view key, std::string_view token) {
  if (token.size() != 4 * kHalf) return false;
  unsigned char raw[2 * kHalf];
  for (std::size_t i = 0; i < 2 * kHalf; ++i) {
    int hi = hex_value(token[2 * i]), lo = hex_value(token[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    raw[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  unsigned char expected[kHalf];
  Mac::for_key(key).tag16({kTagContext, bytes_of(raw, kHalf)}, expected);
  return CRYPTO_memcmp(expected, raw + kHalf, kHalf) == 0;
}

}  // namespace stepd
