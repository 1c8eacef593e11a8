#include "src/intrinsics/base64.h"

#include <catch2/catch.hpp>

namespace in = stepd::intrinsics;

TEST_CASE("base64_encode gives the RFC 4648 test vectors") {
  CHECK(in::base64_encode("") == "");
  CHECK(in::base64_encode("f") == "Zg==");
  CHECK(in::base64_encode("fo") == "Zm8=");
  CHECK(in::base64_encode("foo") == "Zm9v");
  CHECK(in::base64_encode("foob") == "Zm9vYg==");
  CHECK(in::base64_encode("fooba") == "Zm9vYmE=");
  CHECK(in::base64_encode("foobar") == "Zm9vYmFy");
  CHECK(in::base64_encode(std::string("\xFF\xFE\x00", 3)) == "//4A");
}

TEST_CASE("base64_decode reverses the RFC 4648 test vectors") {
  CHECK(in::base64_decode("") == std::string());
  CHECK(in::base64_decode("Zg==") == std::string("f"));
  CHECK(in::base64_decode("Zm8=") == std::string("fo"));
  CHECK(in::base64_decode("Zm9vYmFy") == std::string("foobar"));
  CHECK(in::base64_decode("//4A") == std::string("\xFF\xFE\x00", 3));
}

// The cases below follow java.util.Base64.getDecoder(), checked on a JVM.
TEST_CASE("base64_decode accepts missing padding but not a one-character group") {
  CHECK(in::base64_decode("QUI") == std::string("AB"));
  CHECK(in::base64_decode("QQ") == std::string("A"));
  CHECK(in::base64_decode("QR==") == std::string("A"));  // stray low bits are ignored
  CHECK_FALSE(in::base64_decode("Q"));
  CHECK_FALSE(in::base64_decode("QUJDR"));
}

TEST_CASE("base64_decode refuses wrong or trailing padding") {
  CHECK_FALSE(in::base64_decode("QUI=="));
  CHECK_FALSE(in::base64_decode("QQ="));
  CHECK_FALSE(in::base64_decode("QUJDRA==x"));
  CHECK_FALSE(in::base64_decode("QUJDRA="));
  CHECK_FALSE(in::base64_decode("===="));
}

TEST_CASE("base64_decode refuses characters outside the alphabet, whitespace included") {
  CHECK_FALSE(in::base64_decode("QUJD\n"));
  CHECK_FALSE(in::base64_decode("QUJ D"));
  CHECK_FALSE(in::base64_decode("QUJ-"));
  CHECK_FALSE(in::base64_decode("QUJ_"));
}
