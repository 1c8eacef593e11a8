// libFuzzer target: the API's page tokens (nextToken), through
// src/api/api_util.h as the List* actions use them. Whatever a client
// sends is refused or read without a crash; a token the server made reads
// back as the position it holds, has the documented length, and fails to
// read for another kind or with any one character changed.
//
// Input: byte 0 picks the token kind (those the List* actions use); the
// rest is read as a token, and is also the position of a token made and
// read back.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "src/api/api_util.h"

using namespace stepd;

namespace {
const char* const kKinds[] = {
    "sm", "act", "h42", "varn:aws:states:us-east-1:123456789012:stateMachine:m", "aalias",
    "x", "mr", "", "executions:arn:aws:states:us-east-1:123456789012:stateMachine:m"};

[[noreturn]] void fail(const char* what, const std::string& kind, const std::string& position,
                       const std::string& token) {
  std::fprintf(stderr, "pagination_fuzz: %s (kind '%s', position '%s', token '%s')\n", what, kind.c_str(),
               position.c_str(), token.c_str());
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  api::set_page_token_key("fuzz page-token key");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 4096) return -1;
  const std::string kind = kKinds[data[0] % (sizeof kKinds / sizeof kKinds[0])];
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string position;
  (void)api::read_token(text, kind, &position);

  // A token made of `text`: 4 * ceil((28 + 32 * ceil((n + 2) / 32)) / 3) characters.
  const std::string made = api::make_token(kind, text);
  const std::size_t n = text.size();
  if (made.size() != 4 * ((28 + 32 * ((n + 2 + 31) / 32) + 2) / 3)) fail("unexpected length", kind, text, made);
  std::string back;
  // Tokens over 4,096 characters are refused unread (the API's own limit is 1,024).
  if (made.size() <= 4096) {
    if (!api::read_token(made, kind, &back)) fail("a token made does not read", kind, text, made);
    if (back != text) fail("a token made reads another position", kind, text, made);
  }
  if (api::read_token(made, kind + "?", &back)) fail("a token reads as another kind", kind, text, made);
  std::string altered = made;
  std::size_t at = (n * 7919 + data[0]) % altered.size();
  altered[at] = altered[at] == 'A' ? 'B' : 'A';
  if (api::read_token(altered, kind, &back)) fail("an altered token reads", kind, text, altered);
  return 0;
}
