#pragma once
// The Java library behaviours that show through AWS's intrinsic results.
//
// AWS evaluates intrinsics on the JVM. Where a recorded AWS output depends on
// a Java detail (Math.round's halves, HashMap iteration order, String length
// in UTF-16 units, the JDK's UTF-8 decoder, java.util.Random), stepd copies
// that detail here so the rest of the module can stay plain C++.
// Pure functions (Random excepted: one thread at a time per instance).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stepd::intrinsics::java {

// Math.round(double) saturated to int64: halves go toward +infinity, so
// round(-2.5) is -2 (AWS: States.MathAdd(-2.5, 0) gives -2).
std::int64_t round(double d);

// String.length() of the Java string holding `utf8`: UTF-16 code units.
// REQUIRES: utf8 is valid UTF-8.
std::size_t string_length(std::string_view utf8);

// String.hashCode() of the Java string holding `utf8`.
// REQUIRES: utf8 is valid UTF-8.
std::int32_t string_hash(std::string_view utf8);

// new String(bytes, UTF_8): invalid sequences become U+FFFD, so the result is
// always valid UTF-8.
std::string decode_utf8(std::string_view bytes);

// The order in which a java.util.HashMap<String, V>, filled by putting `keys`
// in this order (no duplicates), iterates them; as indexes into keys.
// Models the default table (16 buckets, load factor 0.75) and ignores
// treeified buckets, which only matter past 8 collisions in one bucket.
std::vector<std::size_t> hash_map_order(const std::vector<std::string_view>& keys);

// java.util.Random: the same 48-bit generator and seed scrambling, so a seed
// gives the numbers a JVM would give.
class Random {
 public:
  explicit Random(std::int64_t seed);
  std::int32_t next_int();                    // nextInt()
  std::int32_t next_int(std::int32_t bound);  // nextInt(bound). REQUIRES: bound > 0
  std::int64_t next_long();                   // nextLong()

 private:
  std::int32_t next(int bits);
  std::uint64_t seed_;  // the 48-bit state
};

}  // namespace stepd::intrinsics::java
