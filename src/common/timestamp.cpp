#include "src/common/timestamp.h"

#include <limits>

namespace stepd::timestamp {

namespace {

// One parsed date-time: whole seconds since the epoch plus the fraction.
struct Instant {
  std::int64_t seconds;
  std::int32_t nanos;  // 0..999'999'999, always added (so negative instants floor)
};

constexpr std::int64_t kSecondsPerDay = 86400;

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(std::int64_t y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
// (H. Hinnant's days_from_civil), valid for every year, negative included.
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// The inverse of days_from_civil.
void civil_from_days(std::int64_t z, std::int64_t& y, int& m, int& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2);
}

// Reads exactly n ASCII digits at text[pos]; -1 when any is not a digit.
int digits(std::string_view text, std::size_t pos, std::size_t n) {
  if (pos + n > text.size()) return -1;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

bool at(std::string_view text, std::size_t pos, char c) { return pos < text.size() && text[pos] == c; }

// The RFC 3339 profile AWS documents for Choice and Wait: an uppercase `T`
// and `Z`, seconds required. Where RFC 3339 and Java's
// ISO_OFFSET_DATE_TIME (whose wording AWS's Wait errors quote) disagree we
// take the stricter: no leap second 60, at most 9 fraction digits, offsets
// within +-18:00.
std::optional<Instant> parse(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS is 19 characters; the shortest zone is "Z".
  if (t.size() < 20) return std::nullopt;
  const int year = digits(t, 0, 4), month = digits(t, 5, 2), day = digits(t, 8, 2);
  const int hour = digits(t, 11, 2), minute = digits(t, 14, 2), second = digits(t, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return std::nullopt;
  if (!at(t, 4, '-') || !at(t, 7, '-') || !at(t, 10, 'T') || !at(t, 13, ':') || !at(t, 16, ':')) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;

  std::size_t pos = 19;
  std::int32_t nanos = 0;
  if (at(t, pos, '.')) {
    ++pos;
    std::size_t n = 0;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      if (++n > 9) return std::nullopt;
      nanos = nanos * 10 + (t[pos] - '0');
      ++pos;
    }
    if (n == 0) return std::nullopt;
    for (; n < 9; ++n) nanos *= 10;
  }

  std::int64_t offset_seconds = 0;
  if (at(t, pos, 'Z')) {
    ++pos;
  } else if (at(t, pos, '+') || at(t, pos, '-')) {
    const bool negative = t[pos] == '-';
    const int oh = digits(t, pos + 1, 2), om = digits(t, pos + 4, 2);
    if (oh < 0 || om < 0 || !at(t, pos + 3, ':')) return std::nullopt;
    if (om > 59 || oh * 60 + om > 18 * 60) return std::nullopt;
    offset_seconds = (oh * 3600 + om * 60) * (negative ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != t.size()) return std::nullopt;

  // The local time minus its offset is UTC.
  const std::int64_t seconds = days_from_civil(year, month, day) * kSecondsPerDay + hour * 3600 +
                               minute * 60 + second - offset_seconds;
  return Instant{seconds, nanos};
}

}  // namespace

std::optional<std::int64_t> parse_ms(std::string_view text) {
  auto i = parse(text);
  if (!i) return std::nullopt;
  // Years 0000-9999 stay far inside int64 milliseconds.
  return i->seconds * 1000 + i->nanos / 1000000;
}

std::optional<std::int64_t> parse_ns(std::string_view text) {
  auto i = parse(text);
  if (!i) return std::nullopt;
  // int64 nanoseconds cover only 1677-09-21 to 2262-04-11; outside that a
  // valid timestamp has no representation here and reads as nullopt.
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  if (i->seconds > (kMax - i->nanos) / 1000000000 || i->seconds < kMin / 1000000000) return std::nullopt;
  return i->seconds * 1000000000 + i->nanos;
}

std::string format_ms(std::int64_t epoch_ms) {
  // Floor division so instants before 1970 keep a positive millisecond part.
  std::int64_t days = epoch_ms / (kSecondsPerDay * 1000);
  std::int64_t rem = epoch_ms % (kSecondsPerDay * 1000);
  if (rem < 0) {
    rem += kSecondsPerDay * 1000;
    --days;
  }
  std::int64_t year;
  int month, day;
  civil_from_days(days, year, month, day);
  const int ms = static_cast<int>(rem % 1000);
  const int secs = static_cast<int>(rem / 1000);

  std::string out;
  out.reserve(24);
  auto put = [&out](std::int64_t v, int width) {
    char buf[24];
    int n = 0;
    std::uint64_t u = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    do {
      buf[n++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u != 0);
    while (n < width) buf[n++] = '0';
    if (v < 0) out += '-';
    while (n > 0) out += buf[--n];
  };
  put(year, 4);
  out += '-';
  put(month, 2);
  out += '-';
  put(day, 2);
  out += 'T';
  put(secs / 3600, 2);
  out += ':';
  put(secs / 60 % 60, 2);
  out += ':';
  put(secs % 60, 2);
  out += '.';
  put(ms, 3);
  out += 'Z';
  return out;
}

}  // namespace stepd::timestamp
