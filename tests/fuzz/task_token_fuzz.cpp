// libFuzzer target: task tokens (src/common/task_token.h). Any text given
// to authentic_task_token is refused without a crash unless it is a token
// the key minted; a minted token verifies, and under another key does not.
//
// Input: text checked as a token; also, when at least 16 bytes, the two
// draws (8 bytes each) and the execution ARN (the rest) of a token to mint.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "src/common/task_token.h"

using namespace stepd;

namespace {
constexpr std::string_view kKey = "fuzz key: 32 bytes of secret....";
constexpr std::string_view kOtherKey = "fuzz key: 32 bytes of secret...!";

void fail(const char* what, std::string_view token) {
  std::fprintf(stderr, "task_token_fuzz: %s: %.*s\n", what, static_cast<int>(token.size()), token.data());
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)authentic_task_token(kKey, text);
  (void)authentic_task_token(text, text);  // any key, any token
  if (size < 16) return 0;
  std::uint64_t a, b;
  std::memcpy(&a, data, 8);
  std::memcpy(&b, data + 8, 8);
  std::string_view arn = text.substr(16);
  std::string token = mint_task_token(kKey, arn, a, b);
  if (token.size() != 64) fail("minted token is not 64 characters", token);
  if (!authentic_task_token(kKey, token)) fail("minted token does not verify", token);
  if (authentic_task_token(kOtherKey, token)) fail("token verifies under another key", token);
  if (token != mint_task_token(kKey, arn, a, b)) fail("minting is not deterministic", token);
  // Any one character changed (to another hex digit or not) breaks the tag.
  std::string altered = token;
  std::size_t at = (a ^ b) % altered.size();
  altered[at] = altered[at] == '0' ? '1' : '0';
  if (authentic_task_token(kKey, altered)) fail("altered token verifies", altered);
  return 0;
}
