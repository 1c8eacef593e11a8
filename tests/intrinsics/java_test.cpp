#include "src/intrinsics/java.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

// Expected values were printed by a JVM (OpenJDK 17) running the same
// operations: Math.round, String.hashCode/length, new String(bytes, UTF_8),
// HashMap.keySet() order and java.util.Random.

namespace java = stepd::intrinsics::java;

TEST_CASE("round sends halves toward positive infinity, like Math.round") {
  CHECK(java::round(0.5) == 1);
  CHECK(java::round(1.5) == 2);
  CHECK(java::round(2.5) == 3);
  CHECK(java::round(-0.5) == 0);
  CHECK(java::round(-1.5) == -1);
  CHECK(java::round(-2.5) == -2);
  CHECK(java::round(1.49) == 1);
  CHECK(java::round(-1.51) == -2);
}

TEST_CASE("round keeps the largest double below one half at zero") {
  CHECK(java::round(0.49999999999999994) == 0);
  CHECK(java::round(-0.49999999999999994) == 0);
  CHECK(java::round(4503599627370497.0) == 4503599627370497);
}

TEST_CASE("round saturates at the long range") {
  CHECK(java::round(1e20) == INT64_MAX);
  CHECK(java::round(-1e20) == INT64_MIN);
}

TEST_CASE("string_length counts UTF-16 units") {
  CHECK(java::string_length("abc") == 3);
  CHECK(java::string_length("\xC3\xA9") == 1);               // é
  CHECK(java::string_length("\xF0\x9F\x98\x80" "a") == 3);  // 😀a
  CHECK(java::string_length("") == 0);
}

TEST_CASE("string_hash matches String.hashCode, including surrogate pairs") {
  CHECK(java::string_hash("hello") == 99162322);
  CHECK(java::string_hash("a") == 97);
  CHECK(java::string_hash("\xC3\xA9") == 233);
  CHECK(java::string_hash("\xF0\x9F\x98\x80") == 1772899);
  CHECK(java::string_hash("") == 0);
}

TEST_CASE("decode_utf8 keeps valid text and replaces broken sequences as the JDK does") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(java::decode_utf8("plain") == "plain");
  CHECK(java::decode_utf8("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80");
  CHECK(java::decode_utf8("\xE0\xA0\x80") == "\xE0\xA0\x80");
  CHECK(java::decode_utf8("\x61\xC3") == "a" + fffd);
  CHECK(java::decode_utf8("\xE2\x82\x41") == fffd + "A");
  CHECK(java::decode_utf8("\xFF\x41") == fffd + "A");
  CHECK(java::decode_utf8("\xC0\x80") == fffd + fffd);
  CHECK(java::decode_utf8("\xE0\x80\x80") == fffd + fffd + fffd);
  CHECK(java::decode_utf8("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd);
  CHECK(java::decode_utf8("\xF0\x9F\x98") == fffd);
  CHECK(java::decode_utf8("\xF0\x9F\x98\xE2") == fffd + fffd);
  SECTION("an encoded surrogate is one malformed unit") {
    CHECK(java::decode_utf8("\xED\xA0\x80") == fffd);
    CHECK(java::decode_utf8("\xED\xA0\x41") == fffd + "A");
    CHECK(java::decode_utf8("\xED\x9F\xBF") == "\xED\x9F\xBF");  // U+D7FF is fine
  }
}

TEST_CASE("hash_map_order follows HashMap iteration for the keys AWS merged") {
  CHECK(java::hash_map_order({"a", "b", "d", "c"}) == std::vector<std::size_t>{0, 1, 3, 2});
  CHECK(java::hash_map_order({"constant_in_literal", "constant_input_field"}) == std::vector<std::size_t>{1, 0});
}

TEST_CASE("hash_map_order keeps insertion order inside a bucket and grows past twelve keys") {
  // JVM: [zeta, key2, alpha, mid, x1, x2, key10, Beta]
  CHECK(java::hash_map_order({"zeta", "alpha", "mid", "Beta", "x1", "x2", "key10", "key2"}) ==
        std::vector<std::size_t>{0, 7, 1, 2, 4, 5, 6, 3});
  std::vector<std::string> keys;
  for (int i = 0; i < 20; ++i) keys.push_back("k" + std::to_string(i));
  std::vector<std::string_view> views(keys.begin(), keys.end());
  // JVM: [k0, k1, k2, k3, k4, k5, k11, k6, k10, k7, k13, k8, k12, k9, k15, k14, k17, k16, k19, k18]
  CHECK(java::hash_map_order(views) ==
        std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 11, 6, 10, 7, 13, 8, 12, 9, 15, 14, 17, 16, 19, 18});
  CHECK(java::hash_map_order({}).empty());
}

TEST_CASE("Random gives java.util.Random's numbers for a seed") {
  CHECK(java::Random(42).next_int() == -1170105035);
  CHECK(java::Random(0).next_int() == -1155484576);
  CHECK(java::Random(3).next_int(999) == 239);
  CHECK(java::Random(4).next_int(999) == 404);
  CHECK(java::Random(-7).next_long() == 4964420944606563203);
  CHECK(java::Random(1).next_int(1 << 30) == 784774492);
  SECTION("power-of-two bounds take the multiply path") {
    CHECK(java::Random(3).next_int(1024) == 748);
    CHECK(java::Random(-5).next_int(16) == 4);
  }
  SECTION("successive draws continue the sequence") {
    java::Random r(12345);
    std::vector<int> got;
    for (int i = 0; i < 5; ++i) got.push_back(r.next_int(10));
    CHECK(got == std::vector<int>{1, 0, 1, 8, 5});
  }
}
