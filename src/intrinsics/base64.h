#pragma once
// Base64 as States.Base64Encode/Decode use it: the RFC 4648 alphabet with
// '=' padding and no line breaks (java.util.Base64's basic codec).
// Pure functions, safe from any thread.

#include <optional>
#include <string>
#include <string_view>

namespace stepd::intrinsics {

// Base64 text of `bytes`, padded with '='.
std::string base64_encode(std::string_view bytes);

// The bytes `text` encodes, or nullopt when it is not Base64. Like Java's
// basic decoder: padding may be left out, but when present it must be
// complete and last; characters outside the alphabet (including whitespace
// and line breaks) are rejected; a final group of one character is rejected.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace stepd::intrinsics
