// libFuzzer target: the States.* intrinsic functions (src/intrinsics),
// parsed and evaluated against a small fixed input with a deterministic
// entropy source.
//
// Input: the call text, e.g. States.Format('{} x', $.a).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json/parse.hpp>

#include "src/intrinsics/intrinsics.h"

using namespace stepd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return -1;
  static const boost::json::value doc = boost::json::parse(R"({
    "a": 1, "b": [1, 2, 3, 2], "s": "Hello, World", "n": null, "f": 2.5, "neg": -7, "t": true,
    "o": {"x": {"y": 2}, "w": "text"}, "json": "{\"k\": [1, 2]}", "b64": "aGVsbG8=",
    "items": [{"k": "a", "v": 1}, {"k": "b", "v": 2}], "big": 9007199254740993, "e": []
  })");
  static const jsonpath::InputOnly docs(doc);
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)intrinsics::looks_like_call(text);
  auto expr = intrinsics::parse(text);
  if (!expr.ok()) return 0;
  std::uint64_t draws = 0x2545F4914F6CDD1Dull;
  auto entropy = [&draws]() -> std::uint64_t {
    draws ^= draws << 13;
    draws ^= draws >> 7;
    draws ^= draws << 17;
    return draws;
  };
  (void)intrinsics::eval(**expr, docs, entropy);
  return 0;
}
