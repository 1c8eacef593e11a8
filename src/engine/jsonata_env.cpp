#include "src/engine/jsonata_env.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <openssl/evp.h>

#include <boost/json/array.hpp>

#include "src/common/json.h"

namespace stepd::engine {

namespace {

namespace bj = boost::json;
using Args = std::vector<std::optional<bj::value>>;
using Out = Result<std::optional<bj::value>>;

double unit(std::uint64_t bits) { return static_cast<double>(bits >> 11) / 9007199254740992.0; }

Status bad_arg(int index, const char* fn) {
  return Status::failed("T0410", "Argument " + std::to_string(index) + " of function $" + fn +
                                     " does not match function signature");
}

const bj::value* arg(const Args& a, std::size_t i) { return i < a.size() && a[i] ? &*a[i] : nullptr; }

// Java's (long) of a double: truncated, saturated at the long range, NaN
// is 0 (a plain cast of 1e30 is UB in C++).
std::int64_t java_long(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return std::numeric_limits<std::int64_t>::max();
  if (d <= -9223372036854775808.0) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(d);
}

// Java's java.util.Random(seed).nextDouble(): what a seeded $random gives
// on a JVM, and deterministic in any case.
double java_random_double(std::int64_t seed) {
  constexpr std::uint64_t kMul = 0x5DEECE66DULL, kMask = (1ULL << 48) - 1;
  std::uint64_t s = (static_cast<std::uint64_t>(seed) ^ kMul) & kMask;
  auto next = [&](int bits) {
    s = (s * kMul + 0xBULL) & kMask;
    return static_cast<std::int64_t>(static_cast<std::int32_t>(s >> (48 - bits)));
  };
  std::int64_t hi = next(26);
  std::int64_t lo = next(27);
  return static_cast<double>((hi << 27) + lo) * (1.0 / 9007199254740992.0);
}

std::string uuid4(std::uint64_t hi, std::uint64_t lo) {
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 15; i >= 0; --i) {
    out += kHex[(hi >> (4 * i)) & 15];
    if (i == 8 || i == 4) out += '-';
  }
  out += '-';
  for (int i = 15; i >= 0; --i) {
    out += kHex[(lo >> (4 * i)) & 15];
    if (i == 12) out += '-';
  }
  return out;
}

Out partition(const Args& a) {
  const bj::value* arr = arg(a, 0);
  const bj::value* size = arg(a, 1);
  if (!arr) return std::optional<bj::value>();
  if (!arr->is_array()) return bad_arg(1, "partition");
  if (!size || !size->is_number() || json::to_double(*size) < 1) return bad_arg(2, "partition");
  const auto& items = arr->get_array();
  // A size past the array is one chunk; cast only what fits (1e30 would be UB).
  const double want = json::to_double(*size);
  const std::size_t n = want >= static_cast<double>(items.size()) ? std::max<std::size_t>(items.size(), 1)
                                                                    : static_cast<std::size_t>(want);
  bj::array out;
  for (std::size_t i = 0; i < items.size(); i += n) {
    bj::array chunk;
    for (std::size_t j = i; j < items.size() && j < i + n; ++j) chunk.push_back(items[j]);
    out.push_back(std::move(chunk));
  }
  return std::optional<bj::value>(std::move(out));
}

Out range(const Args& a) {
  const bj::value* start = arg(a, 0);
  const bj::value* end = arg(a, 1);
  const bj::value* step = arg(a, 2);
  if (!start || !start->is_number()) return bad_arg(1, "range");
  if (!end || !end->is_number()) return bad_arg(2, "range");
  if (step && !step->is_number()) return bad_arg(3, "range");
  double s = json::to_double(*start), e = json::to_double(*end), d = step ? json::to_double(*step) : 1;
  if (d == 0 || !std::isfinite(s) || !std::isfinite(e) || !std::isfinite(d)) return bad_arg(3, "range");
  const double steps = (e - s) / d;
  if (steps > 1e7) {  // the limit JSONata puts on its own `..` ranges
    // (a quotient past long long, up to infinity, is shown as a number: casting it is UB)
    return Status::failed("D2014", "The size of the sequence allocated by the range operator (..) must not exceed "
                                   "1e7.  Attempted to allocate " +
                                       (steps < 9e18 ? std::to_string(static_cast<long long>(steps))
                                                     : json::to_json(bj::value(steps))) +
                                       ".");
  }
  // At most one item more than exact arithmetic gives (x += d may round
  // either way): where d is below x's precision, x += d leaves x as it is,
  // and the loop would never end.
  const double most = std::floor(steps) + 2;
  bj::array out;
  for (double x = s; (d > 0 ? x <= e : x >= e) && static_cast<double>(out.size()) < most; x += d) {
    if (x == std::floor(x) && std::fabs(x) < 9e15) out.emplace_back(static_cast<std::int64_t>(x));
    else out.emplace_back(x);
  }
  // A sequence, as AWS returns it: one item is the item itself.
  if (out.size() == 1) return std::optional<bj::value>(out[0]);
  if (out.empty()) return std::optional<bj::value>();
  return std::optional<bj::value>(std::move(out));
}

Out hash(const Args& a) {
  const bj::value* data = arg(a, 0);
  const bj::value* alg = arg(a, 1);
  if (!data) return std::optional<bj::value>();
  if (!data->is_string()) return bad_arg(1, "hash");
  std::string name = alg && alg->is_string() ? std::string(alg->get_string()) : "SHA-256";
  const EVP_MD* md = nullptr;
  if (name == "MD5") md = EVP_md5();
  else if (name == "SHA-1") md = EVP_sha1();
  else if (name == "SHA-256") md = EVP_sha256();
  else if (name == "SHA-384") md = EVP_sha384();
  else if (name == "SHA-512") md = EVP_sha512();
  if (!md) return bad_arg(2, "hash");
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const auto& s = data->get_string();
  if (EVP_Digest(s.data(), s.size(), buf, &len, md, nullptr) != 1) return bad_arg(1, "hash");
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[buf[i] >> 4];
    out += kHex[buf[i] & 15];
  }
  return std::optional<bj::value>(bj::value(bj::string(out)));
}

Out parse(const Args& a) {
  const bj::value* text = arg(a, 0);
  if (!text) return std::optional<bj::value>();
  if (!text->is_string()) return bad_arg(1, "parse");
  auto v = json::parse(text->get_string());
  if (!v.ok()) return Status::failed("D3140", "Unable to parse the string as JSON: " + std::string(text->get_string()));
  return std::optional<bj::value>(std::move(v).value());
}

}  // namespace

void define_step_functions(jsonata::Bindings& b, const std::function<std::uint64_t()>& entropy) {
  (void)b.define("partition", partition);
  (void)b.define("range", range);
  (void)b.define("hash", hash);
  (void)b.define("parse", parse);
  (void)b.define("random", [entropy](const Args& a) -> Out {
    const bj::value* seed = arg(a, 0);
    if (seed) {
      if (!seed->is_number()) return bad_arg(1, "random");
      return std::optional<bj::value>(java_random_double(java_long(json::to_double(*seed))));
    }
    return std::optional<bj::value>(unit(entropy()));
  });
  (void)b.define("uuid", [entropy](const Args&) -> Out {
    std::uint64_t hi = entropy();
    std::uint64_t lo = entropy();
    return std::optional<bj::value>(bj::value(bj::string(uuid4(hi, lo))));
  });
  b.refuse("eval", "T1006", "Attempted to invoke a non-function");
}

jsonata::Options step_functions_options(std::int64_t now_ms, const std::function<std::uint64_t()>& entropy) {
  jsonata::Options o;
  o.now_ms = now_ms;
  o.random = [entropy] { return unit(entropy()); };
  // A hostile expression ends with U1001 instead of stalling the actor. The
  // clock only bounds the work; it never reaches a result.
  o.time_limit_ms = 10000;
  o.clock_ms = [] {
    return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
  };
  return o;
}

}  // namespace stepd::engine
