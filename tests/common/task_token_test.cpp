#include "src/common/task_token.h"

#include <catch2/catch.hpp>

namespace {

const std::string kKey(32, 'k');
const std::string kArn = "arn:aws:states:us-east-1:123456789012:execution:m:e";

}  // namespace

TEST_CASE("task tokens: minting is a pure function of key, execution and draws", "[task_token]") {
  std::string t = stepd::mint_task_token(kKey, kArn, 1, 2);
  CHECK(t.size() == 64);
  CHECK(t.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(stepd::mint_task_token(kKey, kArn, 1, 2) == t);  // a replay mints the same token
  CHECK(stepd::mint_task_token(kKey, kArn, 1, 3) != t);
  CHECK(stepd::mint_task_token(kKey, kArn + "x", 1, 2) != t);
  CHECK(stepd::mint_task_token(std::string(32, 'j'), kArn, 1, 2) != t);
}

TEST_CASE("task tokens: only what this key minted is authentic", "[task_token]") {
  std::string t = stepd::mint_task_token(kKey, kArn, 7, 9);
  CHECK(stepd::authentic_task_token(kKey, t));
  CHECK_FALSE(stepd::authentic_task_token(std::string(32, 'j'), t));
  // Any one character changed, in the id or in the tag, is refused.
  for (std::size_t i = 0; i < t.size(); ++i) {
    std::string altered = t;
    altered[i] = altered[i] == '0' ? '1' : '0';
    CHECK_FALSE(stepd::authentic_task_token(kKey, altered));
  }
  CHECK_FALSE(stepd::authentic_task_token(kKey, ""));
  CHECK_FALSE(stepd::authentic_task_token(kKey, t.substr(0, 63)));
  CHECK_FALSE(stepd::authentic_task_token(kKey, t + "0"));
  std::string upper = t;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != t) CHECK_FALSE(stepd::authentic_task_token(kKey, upper));
  // The old format (32 hex digits of the seeded generator) is no token.
  CHECK_FALSE(stepd::authentic_task_token(kKey, t.substr(0, 32)));
}
