#include "src/intrinsics/hash.h"

#include <openssl/evp.h>

namespace stepd::intrinsics {

std::optional<std::string> hex_digest(std::string_view algorithm, std::string_view data) {
  const EVP_MD* md = nullptr;
  if (algorithm == "MD5") md = EVP_md5();
  else if (algorithm == "SHA-1") md = EVP_sha1();
  else if (algorithm == "SHA-256") md = EVP_sha256();
  else if (algorithm == "SHA-384") md = EVP_sha384();
  else if (algorithm == "SHA-512") md = EVP_sha512();
  if (md == nullptr) return std::nullopt;

  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, md, nullptr) != 1) return std::nullopt;

  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace stepd::intrinsics
