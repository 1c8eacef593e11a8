#include "src/intrinsics/hash.h"

#include <catch2/catch.hpp>

namespace in = stepd::intrinsics;

TEST_CASE("hex_digest gives AWS's recorded digests of \"input data\"") {
  // snapshots/intrinsic_functions/test_hash_calculations.snapshot.json
  CHECK(in::hex_digest("MD5", "input data") == std::string("812f45842bc6d66ee14572ce20db8e86"));
  CHECK(in::hex_digest("SHA-1", "input data") == std::string("aaff4a450a104cd177d28d18d74485e8cae074b7"));
  CHECK(in::hex_digest("SHA-256", "input data") ==
        std::string("b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"));
  CHECK(in::hex_digest("SHA-384", "input data") ==
        std::string("d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"));
  CHECK(in::hex_digest("SHA-512", "input data") ==
        std::string("6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"));
}

TEST_CASE("hex_digest of the empty string is the well-known empty digest") {
  CHECK(in::hex_digest("MD5", "") == std::string("d41d8cd98f00b204e9800998ecf8427e"));
  CHECK(in::hex_digest("SHA-256", "") ==
        std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

TEST_CASE("hex_digest knows only AWS's exact algorithm names") {
  CHECK_FALSE(in::hex_digest("SHA256", "x"));
  CHECK_FALSE(in::hex_digest("sha-256", "x"));
  CHECK_FALSE(in::hex_digest("SHA-224", "x"));
  CHECK_FALSE(in::hex_digest("", "x"));
}
