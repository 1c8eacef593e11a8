#include "src/common/task_token.h"

#include <algorithm>
#include <cstdint>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace stepd {

namespace {

constexpr std::size_t kHalf = 16;  // bytes of id, and of tag
constexpr std::string_view kTagContext = "stepd task token v1";

// HMAC-SHA256(key, parts...) truncated to 16 bytes.
template <typename... Parts>
void hmac16(std::string_view key, unsigned char out[kHalf], Parts... parts) {
  // One-shot HMAC over the concatenation; the parts are length-prefixed so
  // ("ab","c") and ("a","bc") differ.
  std::string msg;
  for (std::string_view p : {std::string_view(parts)...}) {
    auto n = static_cast<std::uint32_t>(p.size());
    for (int i = 0; i < 4; ++i) msg.push_back(static_cast<char>(n >> (8 * i)));
    msg.append(p);
  }
  unsigned char full[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), full, &len);
  std::copy(full, full + kHalf, out);
}

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
  hmac16(key, id, execution_arn, bytes_of(draws, sizeof draws));
  hmac16(key, tag, kTagContext, bytes_of(id, kHalf));
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
  hmac16(key, expected, kTagContext, bytes_of(raw, kHalf));
  return CRYPTO_memcmp(expected, raw + kHalf, kHalf) == 0;
}

}  // namespace stepd
