#pragma once
// Message digests for States.Hash, computed with OpenSSL's libcrypto.
// Pure functions, safe from any thread.

#include <optional>
#include <string>
#include <string_view>

namespace stepd::intrinsics {

// The lowercase hex digest of `data` under one of AWS's algorithm names:
// "MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512" (exact spelling, as AWS
// accepts them). nullopt for any other name, or if libcrypto refuses the
// algorithm (e.g. MD5 under a FIPS-only provider).
std::optional<std::string> hex_digest(std::string_view algorithm, std::string_view data);

}  // namespace stepd::intrinsics
