#pragma once
// Task tokens ($$.Task.Token): what a worker or a callback answers with.
//
// A token is 64 hex digits: a 128-bit id and a 128-bit tag.
//   id  = HMAC-SHA256(key, execution ARN, two draws of the execution's
//         seeded generator)[0..16)  -- unique per task, unguessable without key
//   tag = HMAC-SHA256(key, "stepd task token v1", id)[0..16)
// The key is the server's secret (storage/secret_key.h keeps it beside the
// data). The tag lets the API reject a forged or altered token before any
// lookup; the id is what the registry looks up. Minting is a pure function
// of its arguments, so a replay (fold) mints the same tokens the run did.

#include <cstdint>
#include <string>
#include <string_view>

namespace stepd {

std::string mint_task_token(std::string_view key, std::string_view execution_arn, std::uint64_t a, std::uint64_t b);

// True when `token` is one this key minted: right shape and a tag that
// verifies (compared in constant time).
bool authentic_task_token(std::string_view key, std::string_view token);

}  // namespace stepd
