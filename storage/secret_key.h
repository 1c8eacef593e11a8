#pragma once
// A server secret kept beside the data: 32 random bytes in `dir/name`,
// made on first use (mode 0600, written and fsynced before it is used, so
// a crash cannot leave tokens minted under a key that was then lost),
// followed by 8 bytes of its SHA-256: a file of another size or whose
// checksum does not match is refused with kIo naming it (files made before
// the checksum, 32 bytes, are read as they are).
// It lives with the store because what it signs does: task tokens recorded
// in histories must be minted again, identically, when they are folded.

#include <string>

#include "src/common/status.h"

namespace stepd::storage {

// The key task tokens are minted with (src/common/task_token.h).
inline constexpr char kTaskTokenKeyFile[] = "task-token.key";

Result<std::string> load_or_create_secret(const std::string& dir, const std::string& name);

}  // namespace stepd::storage
