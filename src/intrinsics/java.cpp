#include "src/intrinsics/java.h"

#include <cmath>
#include <limits>

namespace stepd::intrinsics::java {

namespace {

// Length of the UTF-8 sequence a lead byte starts (1 for stray bytes, so
// callers that assume valid input still make progress).
std::size_t sequence_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

// Calls f(unit) for each UTF-16 code unit of valid UTF-8 text.
template <class F>
void for_each_utf16(std::string_view s, F f) {
  for (std::size_t i = 0; i < s.size();) {
    auto lead = static_cast<unsigned char>(s[i]);
    std::size_t n = sequence_length(lead);
    if (i + n > s.size()) n = 1;
    std::uint32_t cp = n == 1 ? lead : lead & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      f(static_cast<std::uint16_t>(0xD800 + (cp >> 10)));
      f(static_cast<std::uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      f(static_cast<std::uint16_t>(cp));
    }
    i += n;
  }
}

}  // namespace

std::int64_t round(double d) {
  if (std::isnan(d)) return 0;
  // Comparing with floor() rather than computing floor(d + 0.5) keeps
  // 0.49999999999999994 at 0, as Java 7+ does.
  double f = std::floor(d);
  double r = (d - f >= 0.5) ? f + 1 : f;
  if (r >= 9223372036854775807.0) return std::numeric_limits<std::int64_t>::max();
  if (r <= -9223372036854775808.0) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(r);
}

std::size_t string_length(std::string_view utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xC0) != 0x80) ++n;  // one unit per sequence...
    if (c >= 0xF0) ++n;           // ...two for a supplementary character
  }
  return n;
}

std::int32_t string_hash(std::string_view utf8) {
  std::uint32_t h = 0;  // unsigned so the overflow wraps as Java's int does
  for_each_utf16(utf8, [&](std::uint16_t u) { h = 31 * h + u; });
  return static_cast<std::int32_t>(h);
}

std::string decode_utf8(std::string_view b) {
  static const char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(b.size());
  std::size_t i = 0;
  while (i < b.size()) {
    auto c = static_cast<unsigned char>(b[i]);
    std::size_t need;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 3;
      if (c == 0xE0) lo = 0xA0;  // no overlong forms
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
    } else {
      out += kReplacement;
      ++i;
      continue;
    }
    // Replace the maximal valid prefix of a broken sequence with one U+FFFD,
    // the policy the JDK decoder follows.
    std::size_t got = 1;
    while (got < need && i + got < b.size()) {
      auto cc = static_cast<unsigned char>(b[i + got]);
      bool ok = got == 1 ? (cc >= lo && cc <= hi) : (cc >= 0x80 && cc <= 0xBF);
      if (!ok) break;
      ++got;
    }
    // An encoded surrogate (ED A0..BF ..) is one malformed unit to the JDK,
    // not three, so it is let through the prefix scan and replaced whole.
    bool surrogate = c == 0xED && got >= 2 && static_cast<unsigned char>(b[i + 1]) >= 0xA0;
    if (got == need && !surrogate) {
      out.append(b.data() + i, need);
    } else {
      out += kReplacement;
    }
    i += got;
  }
  return out;
}

std::vector<std::size_t> hash_map_order(const std::vector<std::string_view>& keys) {
  // A HashMap grows (doubling from 16) once size exceeds 3/4 of its buckets;
  // a resize keeps the relative order of keys sharing a bucket, so the final
  // table is all that matters.
  std::size_t buckets = 16;
  while (keys.size() * 4 > buckets * 3) buckets *= 2;
  std::vector<std::vector<std::size_t>> table(buckets);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto h = static_cast<std::uint32_t>(string_hash(keys[i]));
    h ^= h >> 16;  // HashMap.hash() spreads the high bits down
    table[h & (buckets - 1)].push_back(i);
  }
  std::vector<std::size_t> order;
  order.reserve(keys.size());
  for (const auto& bucket : table) order.insert(order.end(), bucket.begin(), bucket.end());
  return order;
}

namespace {
constexpr std::uint64_t kMultiplier = 0x5DEECE66DULL;
constexpr std::uint64_t kMask = (1ULL << 48) - 1;
}  // namespace

Random::Random(std::int64_t seed) : seed_((static_cast<std::uint64_t>(seed) ^ kMultiplier) & kMask) {}

std::int32_t Random::next(int bits) {
  seed_ = (seed_ * kMultiplier + 0xB) & kMask;
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(seed_ >> (48 - bits)));
}

std::int32_t Random::next_int() { return next(32); }

std::int32_t Random::next_int(std::int32_t bound) {
  std::int32_t r = next(31);
  std::int32_t m = bound - 1;
  if ((bound & m) == 0) {
    return static_cast<std::int32_t>((static_cast<std::int64_t>(bound) * r) >> 31);
  }
  // Java rejects draws from the incomplete last block: u - r + m overflows
  // (wraps negative in int arithmetic) exactly then.
  for (std::int32_t u = r;; u = next(31)) {
    r = u % bound;
    auto wrapped = static_cast<std::int32_t>(static_cast<std::uint32_t>(u) - static_cast<std::uint32_t>(r) +
                                             static_cast<std::uint32_t>(m));
    if (wrapped >= 0) return r;
  }
}

std::int64_t Random::next_long() {
  auto hi = static_cast<std::uint64_t>(static_cast<std::int64_t>(next(32)));
  auto lo = static_cast<std::uint64_t>(static_cast<std::int64_t>(next(32)));
  return static_cast<std::int64_t>((hi << 32) + lo);
}

}  // namespace stepd::intrinsics::java
