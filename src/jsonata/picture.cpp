#include "src/common/utf8.h"
#include "src/jsonata/picture.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <utility>
#include <vector>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

// The behaviour copied is jsonata-js 2.2 (src/datetime.js, src/functions.js),
// which reads XPath F&O 3.1 its own way; where it only has a bug (an index
// into the wrong string, a separator inserted before the first digit) the
// spec's reading is kept instead, and the comment says so.
//
// Text is handled as code points (std::u32string): JSONata counts UTF-16
// code units, which differ only for astral characters, absent from pictures
// in practice.

namespace stepd::jsonata::picture {

namespace {

// ---------------------------------------------------------------------------
// Small helpers: errors, UTF-8, JavaScript renderings of values in messages.

Status fail(const char* code, std::string message) {
  return Status(Code::kFailed, std::move(message), code);
}

std::u32string to_u32(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    char32_t cp;
    int extra;
    if (c < 0x80) {
      cp = c;
      extra = 0;
    } else if ((c >> 5) == 0x6) {
      cp = c & 0x1F;
      extra = 1;
    } else if ((c >> 4) == 0xE) {
      cp = c & 0x0F;
      extra = 2;
    } else if ((c >> 3) == 0x1E) {
      cp = c & 0x07;
      extra = 3;
    } else {
      out.push_back(0xFFFD);  // a stray byte: keep a place for it
      ++i;
      continue;
    }
    bool ok = true;
    for (int k = 1; k <= extra; ++k) {
      if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    if (!ok) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += static_cast<std::size_t>(extra) + 1;
  }
  return out;
}


std::string to_utf8(const std::u32string& s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) utf8::append(out, c);
  return out;
}

// JSON.stringify of a string, as jsonata-js puts {{value}} in messages.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

// The shortest round-trip decimal digits of |v| (no leading or trailing
// zeros) and the position of the decimal point: |v| = 0.DIGITS x 10^point.
// REQUIRES: v finite and non-zero.
struct Decimal {
  std::string digits;
  int point = 0;
};

Decimal shortest_decimal(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
  std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
  auto e = text.find('e');
  Decimal d;
  for (char c : text.substr(0, e))
    if (c != '.') d.digits.push_back(c);
  int exp = std::atoi(std::string(text.substr(e + 1)).c_str());
  while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
  d.point = exp + 1;
  return d;
}

// Number.prototype.toString() of v: what jsonata-js prints for numbers in
// messages.
std::string js_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == 0) return "0";
  Decimal d = shortest_decimal(v);
  std::string out = v < 0 ? "-" : "";
  const int k = static_cast<int>(d.digits.size());
  const int n = d.point;
  if (k <= n && n <= 21) {
    out += d.digits + std::string(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += d.digits.substr(0, static_cast<std::size_t>(n)) + "." + d.digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0." + std::string(static_cast<std::size_t>(-n), '0') + d.digits;
  } else {
    out += d.digits.substr(0, 1);
    if (k > 1) out += "." + d.digits.substr(1);
    out += (n - 1 >= 0 ? "e+" : "e-") + std::to_string(std::abs(n - 1));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Integers: fn:format-integer pictures (shared with date/time markers).

enum class Primary { kDecimal, kLetters, kRoman, kWords, kSequence };
enum class Case { kLower, kUpper, kTitle };

struct GroupingSeparator {
  int position;  // digits to its right
  char32_t character;
};

// An analysed integer picture (jsonata-js's analyseIntegerPicture).
struct IntegerFormat {
  Primary primary = Primary::kDecimal;
  Case letter_case = Case::kLower;
  bool ordinal = false;
  std::string token;  // the picture, for D3130
  // kDecimal only:
  char32_t zero = U'0';
  int mandatory_digits = 0;
  int optional_digits = 0;
  int regular = 0;  // > 0: a separator every `regular` digits
  char32_t regular_character = U',';
  std::vector<GroupingSeparator> separators;  // irregular ones, right to left
  int parse_width = 0;                        // > 0: parse exactly this many digits
};

// The zero of every Unicode decimal digit family jsonata-js knows (BMP).
constexpr std::array<char32_t, 37> kDigitFamilies = {
    0x30,   0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50,
    0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10};

std::optional<char32_t> digit_family(char32_t c) {
  for (char32_t zero : kDigitFamilies)
    if (c >= zero && c <= zero + 9) return zero;
  return std::nullopt;
}

// The grouping interval when separators sit at every multiple of one
// interval and are all the same character; 0 otherwise.
int regular_interval(const std::vector<GroupingSeparator>& seps) {
  if (seps.empty()) return 0;
  for (const auto& s : seps)
    if (s.character != seps.front().character) return 0;
  int factor = 0;
  for (const auto& s : seps) factor = std::gcd(factor, s.position);
  for (std::size_t k = 1; k <= seps.size(); ++k) {
    bool found = std::any_of(seps.begin(), seps.end(),
                             [&](const GroupingSeparator& s) { return s.position == static_cast<int>(k) * factor; });
    if (!found) return 0;
  }
  return factor;
}

Result<IntegerFormat> analyse_integer_picture(std::string_view picture) {
  IntegerFormat f;
  std::string_view primary = picture;
  auto semicolon = picture.rfind(';');
  if (semicolon != std::string_view::npos) {
    primary = picture.substr(0, semicolon);
    std::string_view modifier = picture.substr(semicolon + 1);
    if (!modifier.empty() && modifier.front() == 'o') f.ordinal = true;
  }
  if (primary == "A" || primary == "a") {
    f.primary = Primary::kLetters;
    f.letter_case = primary == "A" ? Case::kUpper : Case::kLower;
  } else if (primary == "I" || primary == "i") {
    f.primary = Primary::kRoman;
    f.letter_case = primary == "I" ? Case::kUpper : Case::kLower;
  } else if (primary == "W" || primary == "Ww" || primary == "w") {
    f.primary = Primary::kWords;
    f.letter_case = primary == "W" ? Case::kUpper : primary == "Ww" ? Case::kTitle : Case::kLower;
  } else {
    std::u32string cps = to_u32(primary);
    std::optional<char32_t> zero;
    int position = 0;
    std::vector<GroupingSeparator> seps;
    for (auto it = cps.rbegin(); it != cps.rend(); ++it) {
      if (auto family = digit_family(*it)) {
        if (zero && *zero != *family)
          return fail("D3131", "In a decimal digit pattern, all digits must be from the same decimal group");
        zero = family;
        ++f.mandatory_digits;
        ++position;
      } else if (*it == U'#') {
        ++f.optional_digits;
        ++position;
      } else {
        seps.push_back({position, *it});
      }
    }
    if (f.mandatory_digits == 0) {
      f.primary = Primary::kSequence;
      f.token = std::string(primary);
    } else {
      f.zero = *zero;
      f.regular = regular_interval(seps);
      if (f.regular > 0) {
        f.regular_character = seps.front().character;
      } else {
        f.separators = std::move(seps);
      }
    }
  }
  return f;
}

Status unsupported_sequence(const IntegerFormat& f) {
  return fail("D3130", "Formatting or parsing an integer as a sequence starting with " + quoted(f.token) +
                           " is not supported by this implementation");
}

// The decimal digits of a non-negative integral double, exactly.
std::string integral_digits(double v) {
  if (v < 1e15) return std::to_string(static_cast<std::int64_t>(v));
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 0);
  return std::string(buf, r.ptr);
}

constexpr std::array<const char*, 20> kFew = {
    "Zero",    "One",     "Two",       "Three",    "Four",     "Five",    "Six",
    "Seven",   "Eight",   "Nine",      "Ten",      "Eleven",   "Twelve",  "Thirteen",
    "Fourteen", "Fifteen", "Sixteen",  "Seventeen", "Eighteen", "Nineteen"};
constexpr std::array<const char*, 20> kOrdinals = {
    "Zeroth",     "First",      "Second",     "Third",       "Fourth",     "Fifth",     "Sixth",
    "Seventh",    "Eighth",     "Ninth",      "Tenth",       "Eleventh",   "Twelfth",   "Thirteenth",
    "Fourteenth", "Fifteenth",  "Sixteenth",  "Seventeenth", "Eighteenth", "Nineteenth"};
constexpr std::array<const char*, 9> kDecades = {"Twenty", "Thirty",  "Forty",  "Fifty",  "Sixty",
                                                 "Seventy", "Eighty", "Ninety", "Hundred"};
constexpr std::array<const char*, 4> kMagnitudes = {"Thousand", "Million", "Billion", "Trillion"};

// English words for an integral num >= 0, title case, as jsonata-js spells
// them ("Three Thousand, Seven Hundred and Thirty"). Above the trillions the
// magnitudes repeat ("Ten Billion Trillion Trillion Trillion"). prev: words
// come before these.
std::string words_of(double num, bool prev, bool ordinal) {
  std::string words;
  if (num <= 19) {
    words = std::string(prev ? " and " : "") + (ordinal ? kOrdinals : kFew)[static_cast<std::size_t>(num)];
  } else if (num < 100) {
    int tens = static_cast<int>(num / 10);
    double rest = std::fmod(num, 10);
    words = std::string(prev ? " and " : "") + kDecades[static_cast<std::size_t>(tens - 2)];
    if (rest > 0) {
      words += "-" + words_of(rest, false, ordinal);
    } else if (ordinal) {
      words = words.substr(0, words.size() - 1) + "ieth";
    }
  } else if (num < 1000) {
    int hundreds = static_cast<int>(num / 100);
    double rest = std::fmod(num, 100);
    words = std::string(prev ? ", " : "") + kFew[static_cast<std::size_t>(hundreds)] + " Hundred";
    if (rest > 0) {
      words += words_of(rest, true, ordinal);
    } else if (ordinal) {
      words += "th";
    }
  } else {
    // floor(log10(num) / 3), capped at the largest word, counted exactly.
    int mag = 0;
    double factor = 1;
    while (mag < static_cast<int>(kMagnitudes.size()) && num >= factor * 1000) {
      factor *= 1000;
      ++mag;
    }
    double mant = std::floor(num / factor);
    double rest = num - mant * factor;
    words = std::string(prev ? ", " : "") + words_of(mant, false, false) + " " +
            kMagnitudes[static_cast<std::size_t>(mag - 1)];
    if (rest > 0) {
      words += words_of(rest, true, ordinal);
    } else if (ordinal) {
      words += "th";
    }
  }
  return words;
}

// Roman numerals, lower case; 0 is "". From ten million on, decimal digits
// (F&O lets a numbering scheme fall back to "1"; jsonata-js would write
// ten thousand m's and more, recursing once per numeral).
std::string roman_of(double value) {
  if (value >= 1e7) return integral_digits(value);
  static constexpr std::array<std::pair<int, const char*>, 13> kNumerals = {{{1000, "m"},
                                                                             {900, "cm"},
                                                                             {500, "d"},
                                                                             {400, "cd"},
                                                                             {100, "c"},
                                                                             {90, "xc"},
                                                                             {50, "l"},
                                                                             {40, "xl"},
                                                                             {10, "x"},
                                                                             {9, "ix"},
                                                                             {5, "v"},
                                                                             {4, "iv"},
                                                                             {1, "i"}}};
  std::string out;
  for (const auto& [n, text] : kNumerals) {
    while (value >= n) {
      out += text;
      value -= n;
    }
  }
  return out;
}

// Spreadsheet-column letters: 1 = a, 26 = z, 27 = aa; 0 is "".
std::string letters_of(double value, char a) {
  std::string out;
  while (value > 0) {
    out.insert(out.begin(), static_cast<char>(a + static_cast<int>(std::fmod(value - 1, 26))));
    value = std::floor((value - 1) / 26);
  }
  return out;
}

std::string upper_ascii(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

std::string lower_ascii(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// jsonata-js's _formatInteger. REQUIRES: value integral.
Result<std::string> format_with(double value, const IntegerFormat& f) {
  const bool negative = value < 0;
  value = std::fabs(value);
  std::string out;
  switch (f.primary) {
    case Primary::kLetters:
      out = letters_of(value, f.letter_case == Case::kUpper ? 'A' : 'a');
      break;
    case Primary::kRoman:
      out = roman_of(value);
      if (f.letter_case == Case::kUpper) out = upper_ascii(out);
      break;
    case Primary::kWords:
      out = words_of(value, false, f.ordinal);
      if (f.letter_case == Case::kUpper) out = upper_ascii(out);
      if (f.letter_case == Case::kLower) out = lower_ascii(out);
      break;
    case Primary::kDecimal: {
      std::u32string digits;
      for (char c : integral_digits(value)) digits.push_back(static_cast<char32_t>(c));
      if (static_cast<int>(digits.size()) < f.mandatory_digits)
        digits.insert(0, static_cast<std::size_t>(f.mandatory_digits) - digits.size(), U'0');
      for (char32_t& c : digits) c = c - U'0' + f.zero;
      if (f.regular > 0) {
        const int len = static_cast<int>(digits.size());
        for (int k = (len - 1) / f.regular; k > 0; --k)
          digits.insert(digits.size() - static_cast<std::size_t>(k * f.regular), 1, f.regular_character);
      } else {
        // Leftmost first, measured from the right end. jsonata-js also
        // inserts separators beyond the first digit; the spec does not.
        for (auto it = f.separators.rbegin(); it != f.separators.rend(); ++it) {
          if (it->position < static_cast<int>(digits.size()))
            digits.insert(digits.size() - static_cast<std::size_t>(it->position), 1, it->character);
        }
      }
      if (f.ordinal) {
        const char32_t last = digits.back();
        const bool teen = digits.size() > 1 && digits[digits.size() - 2] == U'1';
        const char* suffix = "th";
        if (!teen && last == U'1') suffix = "st";
        if (!teen && last == U'2') suffix = "nd";
        if (!teen && last == U'3') suffix = "rd";
        for (const char* p = suffix; *p; ++p) digits.push_back(static_cast<char32_t>(*p));
      }
      out = to_utf8(digits);
      break;
    }
    case Primary::kSequence:
      return unsupported_sequence(f);
  }
  return negative ? "-" + out : out;
}

// jsonata-js's word table: each spelling jsonata-js reads, in its insertion
// order (the order the parse regex tries them).
const std::vector<std::pair<std::string, double>>& word_values() {
  static const std::vector<std::pair<std::string, double>> kTable = [] {
    std::vector<std::pair<std::string, double>> t;
    auto add = [&t](std::string word, double v) {
      for (const auto& e : t)
        if (e.first == word) return;
      t.emplace_back(std::move(word), v);
    };
    for (std::size_t i = 0; i < kFew.size(); ++i) add(lower_ascii(kFew[i]), static_cast<double>(i));
    for (std::size_t i = 0; i < kOrdinals.size(); ++i) add(lower_ascii(kOrdinals[i]), static_cast<double>(i));
    for (std::size_t i = 0; i < kDecades.size(); ++i) {
      std::string w = lower_ascii(kDecades[i]);
      double v = static_cast<double>((i + 2) * 10);
      add(w, v);
      add(w.substr(0, w.size() - 1) + "ieth", v);
    }
    add("hundredth", 100);
    double v = 1;
    for (const char* m : kMagnitudes) {
      v *= 1000;
      add(lower_ascii(m), v);
      add(lower_ascii(m) + "th", v);
    }
    return t;
  }();
  return kTable;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// English words (lower case) to a number; NaN when a word is unknown.
double number_of_words(std::string_view text) {
  // Split as text.split(/,\s|\sand\s|[\s\\-]/) does.
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = 0;
    if (text[i] == ',' && i + 1 < text.size() && is_space(text[i + 1])) {
      len = 2;
    } else if (is_space(text[i]) && text.substr(i + 1, 3) == "and" && i + 4 < text.size() && is_space(text[i + 4])) {
      len = 5;
    } else if (is_space(text[i]) || text[i] == '\\' || text[i] == '-') {
      len = 1;
    }
    if (len == 0) {
      ++i;
      continue;
    }
    parts.push_back(text.substr(start, i - start));
    i += len;
    start = i;
  }
  parts.push_back(text.substr(start));
  std::vector<double> segs = {0};
  for (std::string_view part : parts) {
    const auto& table = word_values();
    auto it = std::find_if(table.begin(), table.end(), [&](const auto& e) { return e.first == part; });
    if (it == table.end()) return std::nan("");
    double value = it->second;
    if (value < 100) {
      double top = segs.back();
      segs.pop_back();
      if (top >= 1000) {
        segs.push_back(top);
        top = 0;
      }
      segs.push_back(top + value);
    } else {
      segs.back() *= value;
    }
  }
  double sum = 0;
  for (double s : segs) sum += s;
  return sum;
}

double number_of_roman(std::string_view roman) {
  double decimal = 0;
  double max = 1;
  for (auto it = roman.rbegin(); it != roman.rend(); ++it) {
    double value;
    switch (*it) {
      case 'M': value = 1000; break;
      case 'D': value = 500; break;
      case 'C': value = 100; break;
      case 'L': value = 50; break;
      case 'X': value = 10; break;
      case 'V': value = 5; break;
      case 'I': value = 1; break;
      default: return std::nan("");
    }
    if (value < max) {
      decimal -= value;
    } else {
      max = value;
      decimal += value;
    }
  }
  return decimal;
}

double number_of_letters(std::string_view letters, char a) {
  double decimal = 0;
  double scale = 1;
  for (auto it = letters.rbegin(); it != letters.rend(); ++it) {
    decimal += (static_cast<unsigned char>(*it) - a + 1) * scale;
    scale *= 26;
  }
  return decimal;
}

// parseInt(text) over ASCII digits: optional whitespace and sign, then the
// longest run of digits; NaN when there is none.
double parse_int_prefix(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && is_space(text[i])) ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::size_t begin = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == begin) return std::nan("");
  double v = std::strtod(std::string(text.substr(begin, i - begin)).c_str(), nullptr);
  return negative ? -v : v;
}

// The value of text read with an analysed integer picture; NaN when it does
// not read. is_fraction: the 'f' date/time component, whose digits are a
// decimal fraction of a second, truncated to milliseconds.
Result<double> parse_with(std::string_view text, const IntegerFormat& f, bool is_fraction = false) {
  switch (f.primary) {
    case Primary::kLetters:
      return number_of_letters(text, f.letter_case == Case::kUpper ? 'A' : 'a');
    case Primary::kRoman:
      return number_of_roman(f.letter_case == Case::kUpper ? std::string(text) : upper_ascii(std::string(text)));
    case Primary::kWords:
      return number_of_words(lower_ascii(std::string(text)));
    case Primary::kDecimal: {
      std::u32string cps = to_u32(text);
      if (f.ordinal && cps.size() >= 2) cps.resize(cps.size() - 2);
      std::u32string digits;
      for (char32_t c : cps) {
        bool separator = f.regular > 0 ? c == f.regular_character
                                       : std::any_of(f.separators.begin(), f.separators.end(),
                                                     [c](const GroupingSeparator& s) { return s.character == c; });
        if (separator) continue;
        digits.push_back(c >= f.zero && c <= f.zero + 9 ? c - f.zero + U'0' : c);
      }
      std::string ascii = to_utf8(digits);
      if (is_fraction) {
        std::size_t n = 0;
        while (n < ascii.size() && ascii[n] >= '0' && ascii[n] <= '9') ++n;
        if (n == 0) return std::nan("");
        std::string ms = ascii.substr(0, std::min<std::size_t>(n, 3));
        ms.append(3 - ms.size(), '0');
        return static_cast<double>(std::stoi(ms));
      }
      return parse_int_prefix(ascii);
    }
    case Primary::kSequence:
      break;
  }
  return unsupported_sequence(f);
}

// ---------------------------------------------------------------------------
// Numbers: fn:format-number.

// The decimal format with its strings as code points.
struct Symbols {
  std::u32string decimal, exponent, grouping, digit, pattern, percent, per_mille, minus, infinity, nan;
  std::optional<char32_t> zero;  // none when the zero-digit property is empty

  explicit Symbols(const DecimalFormat& f)
      : decimal(to_u32(f.decimal_separator)),
        exponent(to_u32(f.exponent_separator)),
        grouping(to_u32(f.grouping_separator)),
        digit(to_u32(f.digit)),
        pattern(to_u32(f.pattern_separator)),
        percent(to_u32(f.percent)),
        per_mille(to_u32(f.per_mille)),
        minus(to_u32(f.minus_sign)),
        infinity(to_u32(f.infinity)),
        nan(to_u32(f.nan)) {
    std::u32string z = to_u32(f.zero_digit);
    if (!z.empty()) zero = z.front();
  }

  bool in_family(char32_t c) const { return zero && c >= *zero && c <= *zero + 9; }
  static bool is(char32_t c, const std::u32string& s) { return s.size() == 1 && s.front() == c; }
  bool is_digit_sign(char32_t c) const { return in_family(c) || is(c, digit); }
  // Active characters, as jsonata-js lists them (the percent and per-mille
  // signs are passive).
  bool is_active(char32_t c) const {
    return in_family(c) || is(c, decimal) || is(c, exponent) || is(c, grouping) || is(c, digit) || is(c, pattern);
  }
  char32_t zero_or_ascii() const { return zero.value_or(U'0'); }
};

bool contains(const std::u32string& s, const std::u32string& needle) {
  return !needle.empty() && s.find(needle) != std::u32string::npos;
}

bool occurs_twice(const std::u32string& s, const std::u32string& needle) {
  if (needle.empty()) return false;
  auto first = s.find(needle);
  return first != std::u32string::npos && s.find(needle, first + 1) != std::u32string::npos;
}

// One sub-picture split into its parts (F&O 4.7.3).
struct SubPictureParts {
  std::u32string picture, prefix, suffix, active, mantissa, integer, fraction;
  std::optional<std::u32string> exponent;
};

SubPictureParts split_parts(const std::u32string& sub, const Symbols& sym) {
  SubPictureParts p;
  p.picture = sub;
  std::size_t first = std::u32string::npos, last = std::u32string::npos;
  for (std::size_t i = 0; i < sub.size(); ++i) {
    if (sym.is_active(sub[i]) && !Symbols::is(sub[i], sym.exponent)) {
      if (first == std::u32string::npos) first = i;
      last = i;
    }
  }
  // No active character at all: the whole sub-picture is the active part,
  // so D3085/D3086 reject it (jsonata-js after #786).
  if (first != std::u32string::npos) {
    p.prefix = sub.substr(0, first);
    p.suffix = sub.substr(last + 1);
  }
  p.active = sub.substr(p.prefix.size(), sub.size() - p.prefix.size() - p.suffix.size());
  // jsonata-js looks the separator up in the whole sub-picture but cuts the
  // active part at that index; the index is taken in the active part here.
  auto e = sym.exponent.empty() ? std::u32string::npos : p.active.find(sym.exponent);
  if (e == std::u32string::npos) {
    p.mantissa = p.active;
  } else {
    p.mantissa = p.active.substr(0, e);
    p.exponent = p.active.substr(e + sym.exponent.size());
  }
  auto d = sym.decimal.empty() ? std::u32string::npos : p.mantissa.find(sym.decimal);
  if (d == std::u32string::npos) {
    p.integer = p.mantissa;
  } else {
    p.integer = p.mantissa.substr(0, d);
    p.fraction = p.mantissa.substr(d + sym.decimal.size());
  }
  return p;
}

const char* number_picture_message(const std::string& code) {
  static const std::pair<const char*, const char*> kMessages[] = {
      {"D3081", "The sub-picture must not contain more than one instance of the 'decimal-separator' character"},
      {"D3082", "The sub-picture must not contain more than one instance of the 'percent' character"},
      {"D3083", "The sub-picture must not contain more than one instance of the 'per-mille' character"},
      {"D3084", "The sub-picture must not contain both a 'percent' and a 'per-mille' character"},
      {"D3085",
       "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit "
       "character' or a member of the 'decimal digit family'"},
      {"D3086",
       "The sub-picture must not contain a passive character that is preceded by an active character and that is "
       "followed by another active character"},
      {"D3087",
       "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a "
       "'decimal-separator' character"},
      {"D3088", "The sub-picture must not contain a 'grouping-separator' at the end of the integer part"},
      {"D3089", "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character"},
      {"D3090",
       "The integer part of the sub-picture must not contain a member of the 'decimal digit family' that is "
       "followed by an instance of the 'optional digit character'"},
      {"D3091",
       "The fractional part of the sub-picture must not contain an instance of the 'optional digit character' that "
       "is followed by a member of the 'decimal digit family'"},
      {"D3092",
       "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an "
       "'exponent-separator'"},
      {"D3093",
       "The exponent part of the sub-picture must comprise only of one or more characters that are members of the "
       "'decimal digit family'"},
  };
  for (const auto& [c, m] : kMessages)
    if (code == c) return m;
  return "Invalid picture string";
}

// F&O 4.7.3's checks in jsonata-js's order; the last failing one is reported.
Status validate(const SubPictureParts& p, const Symbols& sym) {
  std::string error;
  const std::u32string& sub = p.picture;
  if (occurs_twice(sub, sym.decimal)) error = "D3081";
  if (occurs_twice(sub, sym.percent)) error = "D3082";
  if (occurs_twice(sub, sym.per_mille)) error = "D3083";
  if (contains(sub, sym.percent) && contains(sub, sym.per_mille)) error = "D3084";
  if (std::none_of(p.mantissa.begin(), p.mantissa.end(), [&](char32_t c) { return sym.is_digit_sign(c); }))
    error = "D3085";
  if (std::any_of(p.active.begin(), p.active.end(), [&](char32_t c) { return !sym.is_active(c); })) error = "D3086";
  auto d = sym.decimal.empty() ? std::u32string::npos : sub.find(sym.decimal);
  if (d != std::u32string::npos) {
    std::size_t after = d + sym.decimal.size();
    if ((d > 0 && Symbols::is(sub[d - 1], sym.grouping)) || (after < sub.size() && Symbols::is(sub[after], sym.grouping)))
      error = "D3087";
  } else if (!p.integer.empty() && Symbols::is(p.integer.back(), sym.grouping)) {
    error = "D3088";
  }
  if (!sym.grouping.empty() && sub.find(sym.grouping + sym.grouping) != std::u32string::npos) error = "D3089";
  auto optional_pos = sym.digit.empty() ? std::u32string::npos : p.integer.find(sym.digit);
  if (optional_pos != std::u32string::npos &&
      std::any_of(p.integer.begin(), p.integer.begin() + static_cast<std::ptrdiff_t>(optional_pos),
                  [&](char32_t c) { return sym.in_family(c); }))
    error = "D3090";
  optional_pos = sym.digit.empty() ? std::u32string::npos : p.fraction.rfind(sym.digit);
  if (optional_pos != std::u32string::npos &&
      std::any_of(p.fraction.begin() + static_cast<std::ptrdiff_t>(optional_pos), p.fraction.end(),
                  [&](char32_t c) { return sym.in_family(c); }))
    error = "D3091";
  if (p.exponent && !p.exponent->empty() && (contains(sub, sym.percent) || contains(sub, sym.per_mille)))
    error = "D3092";
  if (p.exponent && (p.exponent->empty() || std::any_of(p.exponent->begin(), p.exponent->end(),
                                                         [&](char32_t c) { return !sym.in_family(c); })))
    error = "D3093";
  if (error.empty()) return Status();
  return fail(error.c_str(), number_picture_message(error));
}

// The variables of F&O 4.7.4 for one sub-picture.
struct NumberPicture {
  std::u32string picture, prefix, suffix;
  std::vector<int> integer_grouping;   // digits to the right of each, left to right
  int regular_grouping = 0;
  std::vector<int> fraction_grouping;  // digits to the left of each, left to right
  int min_integer = 0;
  int scaling = 0;
  int min_fraction = 0;
  int max_fraction = 0;
  int min_exponent = 0;
  bool has_exponent = false;
};

NumberPicture analyse(const SubPictureParts& p, const Symbols& sym) {
  NumberPicture n;
  n.picture = p.picture;
  n.prefix = p.prefix;
  n.suffix = p.suffix;
  auto count_digits = [&](auto begin, auto end) {
    return static_cast<int>(std::count_if(begin, end, [&](char32_t c) { return sym.is_digit_sign(c); }));
  };
  if (!sym.grouping.empty()) {
    for (auto g = p.integer.find(sym.grouping); g != std::u32string::npos; g = p.integer.find(sym.grouping, g + 1))
      n.integer_grouping.push_back(count_digits(p.integer.begin() + static_cast<std::ptrdiff_t>(g), p.integer.end()));
    for (auto g = p.fraction.find(sym.grouping); g != std::u32string::npos; g = p.fraction.find(sym.grouping, g + 1))
      n.fraction_grouping.push_back(count_digits(p.fraction.begin(), p.fraction.begin() + static_cast<std::ptrdiff_t>(g)));
  }
  if (!n.integer_grouping.empty()) {
    int factor = 0;
    for (int pos : n.integer_grouping) factor = std::gcd(factor, pos);
    bool regular = factor > 0;
    for (std::size_t k = 1; regular && k <= n.integer_grouping.size(); ++k)
      regular = std::find(n.integer_grouping.begin(), n.integer_grouping.end(), static_cast<int>(k) * factor) !=
                n.integer_grouping.end();
    n.regular_grouping = regular ? factor : 0;
  }
  auto count_family = [&](const std::u32string& s) {
    return static_cast<int>(std::count_if(s.begin(), s.end(), [&](char32_t c) { return sym.in_family(c); }));
  };
  n.min_integer = count_family(p.integer);
  n.scaling = n.min_integer;
  n.min_fraction = count_family(p.fraction);
  n.max_fraction = count_digits(p.fraction.begin(), p.fraction.end());
  n.has_exponent = p.exponent.has_value();
  if (n.min_integer == 0 && n.max_fraction == 0) {
    if (n.has_exponent) {
      n.min_fraction = 1;
      n.max_fraction = 1;
    } else {
      n.min_integer = 1;
    }
  }
  if (n.has_exponent && n.min_integer == 0 && contains(p.integer, sym.digit)) n.min_integer = 1;
  if (n.min_integer == 0 && n.min_fraction == 0) n.min_fraction = 1;
  if (n.has_exponent) n.min_exponent = count_family(*p.exponent);
  return n;
}

// |v| rounded half-to-even to dp decimals (jsonata-js's round(), which
// shifts the shortest decimal rendering rather than the binary value),
// written as Number.prototype.toFixed(dp) writes it: "12.340", "0".
std::string fixed_half_even(double v, int dp) {
  std::string int_part = "0", frac_part(static_cast<std::size_t>(dp), '0');
  if (v != 0 && std::isfinite(v)) {
    Decimal d = shortest_decimal(v);
    const int keep = d.point + dp;
    const int len = static_cast<int>(d.digits.size());
    if (keep >= 0) {
      std::string kept = d.digits.substr(0, static_cast<std::size_t>(std::min(keep, len)));
      int point = d.point;
      if (keep < len) {
        const char first_dropped = d.digits[static_cast<std::size_t>(keep)];
        const bool more = keep + 1 < len;  // the shortest rendering has no trailing zeros
        const int last_kept = kept.empty() ? 0 : kept.back() - '0';
        const bool up = first_dropped > '5' || (first_dropped == '5' && (more || last_kept % 2 == 1));
        if (up) {
          int i = static_cast<int>(kept.size()) - 1;
          while (i >= 0 && kept[static_cast<std::size_t>(i)] == '9') kept[static_cast<std::size_t>(i--)] = '0';
          if (i >= 0) {
            ++kept[static_cast<std::size_t>(i)];
          } else {
            kept.insert(kept.begin(), '1');
            ++point;
          }
        }
      }
      // kept holds the digits from 10^(point-1) down to at most 10^-dp.
      if (!kept.empty() && kept.find_first_not_of('0') != std::string::npos) {
        if (point > 0) {
          int_part = kept.substr(0, std::min<std::size_t>(kept.size(), static_cast<std::size_t>(point)));
          if (static_cast<int>(int_part.size()) < point) int_part.append(static_cast<std::size_t>(point) - int_part.size(), '0');
          int_part.erase(0, std::min(int_part.find_first_not_of('0'), int_part.size() - 1));
        }
        for (int i = 0; i < static_cast<int>(kept.size()); ++i) {
          int place = i - point;  // 0 = first fractional digit
          if (place >= 0 && place < dp) frac_part[static_cast<std::size_t>(place)] = kept[static_cast<std::size_t>(i)];
        }
      }
    }
  }
  return dp > 0 ? int_part + "." + frac_part : int_part;
}

// JSONata's round(x) (half to even, no -0).
double round_half_even(double x) {
  if (!std::isfinite(x)) return x;
  double f = std::floor(x);
  double diff = x - f;
  double r = diff > 0.5 ? f + 1 : diff < 0.5 ? f : (std::fmod(f, 2) == 0 ? f : f + 1);
  return r == 0 ? 0 : r;
}

std::u32string in_family(const std::string& ascii, const Symbols& sym) {
  std::u32string out;
  for (char c : ascii)
    out.push_back(c >= '0' && c <= '9' ? sym.zero_or_ascii() + static_cast<char32_t>(c - '0') : static_cast<char32_t>(c));
  return out;
}

std::u32string format_picture_number(double value, const NumberPicture& pic, const Symbols& sym) {
  double adjusted = value;
  if (contains(pic.picture, sym.percent)) {
    adjusted = value * 100;
  } else if (contains(pic.picture, sym.per_mille)) {
    adjusted = value * 1000;
  }
  if (std::isinf(adjusted)) return pic.prefix + sym.infinity + pic.suffix;
  double mantissa = adjusted;
  std::optional<int> exponent;
  if (pic.min_exponent > 0) {
    const double max_mantissa = std::pow(10.0, pic.scaling);
    const double min_mantissa = std::pow(10.0, pic.scaling - 1);
    int e = 0;
    if (mantissa != 0) {
      while (std::fabs(mantissa) < min_mantissa) {
        mantissa *= 10;
        --e;
      }
      while (std::fabs(mantissa) > max_mantissa) {
        mantissa /= 10;
        ++e;
      }
    }
    exponent = e;
  }
  const char32_t zero = sym.zero_or_ascii();
  std::u32string s = in_family(fixed_half_even(mantissa, pic.max_fraction), sym);
  auto dot = s.find(U'.');
  if (dot == std::u32string::npos) {
    s += sym.decimal;
  } else {
    s.replace(dot, 1, sym.decimal);
  }
  while (!s.empty() && s.front() == zero) s.erase(0, 1);
  while (!s.empty() && s.back() == zero) s.pop_back();
  std::size_t decimal_pos = s.find(sym.decimal);
  const int integer_len = static_cast<int>(decimal_pos);
  const int fraction_len = static_cast<int>(s.size() - decimal_pos - sym.decimal.size());
  if (pic.min_integer > integer_len) s.insert(0, static_cast<std::size_t>(pic.min_integer - integer_len), zero);
  if (pic.min_fraction > fraction_len) s.append(static_cast<std::size_t>(pic.min_fraction - fraction_len), zero);
  decimal_pos = s.find(sym.decimal);
  if (pic.regular_grouping > 0) {
    const int groups = (static_cast<int>(decimal_pos) - 1) / pic.regular_grouping;
    for (int g = 1; g <= groups; ++g)
      s.insert(decimal_pos - static_cast<std::size_t>(g * pic.regular_grouping), sym.grouping);
  } else {
    // jsonata-js also inserts separators with no digit to their left.
    for (int pos : pic.integer_grouping) {
      if (pos < static_cast<int>(decimal_pos)) {
        s.insert(decimal_pos - static_cast<std::size_t>(pos), sym.grouping);
        decimal_pos += sym.grouping.size();
      }
    }
  }
  decimal_pos = s.find(sym.decimal);
  const std::size_t fraction_start = decimal_pos + sym.decimal.size();
  const int fraction_digits = static_cast<int>(s.size() - fraction_start);
  std::size_t shift = 0;
  for (int pos : pic.fraction_grouping) {
    // Only between digits; jsonata-js does not move later separators past
    // earlier ones, nor stop at the last digit.
    if (pos > 0 && pos < fraction_digits) {
      s.insert(fraction_start + static_cast<std::size_t>(pos) + shift, sym.grouping);
      shift += sym.grouping.size();
    }
  }
  if (s.size() >= sym.decimal.size() && s.compare(s.size() - sym.decimal.size(), sym.decimal.size(), sym.decimal) == 0)
    s.resize(s.size() - sym.decimal.size());
  if (exponent) {
    std::u32string digits = in_family(std::to_string(std::abs(*exponent)), sym);
    if (static_cast<int>(digits.size()) < pic.min_exponent)
      digits.insert(0, static_cast<std::size_t>(pic.min_exponent) - digits.size(), zero);
    s += sym.exponent + (*exponent < 0 ? sym.minus : std::u32string()) + digits;
  }
  return pic.prefix + s + pic.suffix;
}

// The digits of an integral |v| >= 2^63 in radix, exactly.
std::string big_radix_digits(double v, int radix) {
  int exp;
  double frac = std::frexp(std::fabs(v), &exp);  // |v| = frac * 2^exp, frac in [0.5, 1)
  auto mant = static_cast<std::uint64_t>(std::ldexp(frac, 53));
  int shift = exp - 53;
  std::vector<std::uint32_t> limbs = {static_cast<std::uint32_t>(mant), static_cast<std::uint32_t>(mant >> 32)};
  for (; shift > 0; --shift) {
    std::uint32_t carry = 0;
    for (auto& limb : limbs) {
      std::uint32_t next = limb >> 31;
      limb = (limb << 1) | carry;
      carry = next;
    }
    if (carry) limbs.push_back(carry);
  }
  std::string out;
  auto is_zero = [&] { return std::all_of(limbs.begin(), limbs.end(), [](std::uint32_t l) { return l == 0; }); };
  while (!is_zero()) {
    std::uint64_t rem = 0;
    for (auto it = limbs.rbegin(); it != limbs.rend(); ++it) {
      std::uint64_t cur = (rem << 32) | *it;
      *it = static_cast<std::uint32_t>(cur / static_cast<std::uint64_t>(radix));
      rem = cur % static_cast<std::uint64_t>(radix);
    }
    out.push_back("0123456789abcdefghijklmnopqrstuvwxyz"[rem]);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// ---------------------------------------------------------------------------
// Dates: proleptic Gregorian calendar arithmetic in UTC, as JavaScript's Date.

constexpr double kMillisPerDay = 86400000.0;
constexpr double kMaxTime = 8.64e15;  // JavaScript's Date range

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Days since 1970-01-01 of y-m-d (m in 1..12, d in 1..31).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  std::int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2), m, d};
}

// ISO day of the week, 1 = Monday .. 7 = Sunday.
int weekday_of(std::int64_t days) { return static_cast<int>(((days % 7) + 7 + 3) % 7) + 1; }

// Date.UTC(year, month0, day, h, m, s, ms): fields may overflow into the
// next; NaN when one is not finite or the result is out of range.
// two_digit_years: years 0..99 mean 1900..1999, as Date.UTC reads them.
double date_utc(double year, double month0, double day, double h, double mi, double sec, double ms,
                bool two_digit_years) {
  for (double v : {year, month0, day, h, mi, sec, ms})
    if (!std::isfinite(v)) return std::nan("");
  double y = std::trunc(year);
  if (two_digit_years && y >= 0 && y <= 99) y += 1900;
  const double m = std::trunc(month0);
  const double ym = y + std::floor(m / 12);
  const double mn = m - std::floor(m / 12) * 12;
  if (std::fabs(ym) > 400000) return std::nan("");
  const double days = static_cast<double>(days_from_civil(static_cast<std::int64_t>(ym), static_cast<int>(mn) + 1, 1)) +
                      std::trunc(day) - 1;
  const double time =
      std::trunc(h) * 3600000.0 + std::trunc(mi) * 60000.0 + std::trunc(sec) * 1000.0 + std::trunc(ms);
  const double t = days * kMillisPerDay + time;
  if (!(std::fabs(t) <= kMaxTime)) return std::nan("");
  return t + 0.0;
}

// The first day (days since the epoch) of week 1 of a year (month0 = 0) or
// of a month: ISO 8601's week holding the first Thursday, Monday first;
// F&O extends it to months.
std::int64_t start_of_first_week(std::int64_t year, int month0) {
  if (month0 < 0) {
    --year;
    month0 += 12;
  } else if (month0 > 11) {
    ++year;
    month0 -= 12;
  }
  const std::int64_t first = days_from_civil(year, month0 + 1, 1);
  const int dow = weekday_of(first);
  return dow > 4 ? first + (8 - dow) : first - (dow - 1);
}

const char* const kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};
const char* const kDayNames[] = {"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

// The value of one date/time component of the instant t (ms, UTC);
// text for the am/pm marker and the calendar and era names.
struct Fragment {
  double number = 0;
  std::string text;
};

Fragment fragment_of(std::int64_t t, char32_t component) {
  const std::int64_t days = floor_div(t, 86400000);
  const std::int64_t in_day = t - days * 86400000;
  const Civil c = civil_from_days(days);
  const int hour = static_cast<int>(in_day / 3600000);
  Fragment f;
  auto weeks_between = [](std::int64_t start, std::int64_t end) { return static_cast<double>(end - start) / 7 + 1; };
  switch (component) {
    case U'Y': f.number = static_cast<double>(c.year); break;
    case U'M': f.number = c.month; break;
    case U'D': f.number = c.day; break;
    case U'd': f.number = static_cast<double>(days - days_from_civil(c.year, 1, 1) + 1); break;
    case U'F': f.number = weekday_of(days); break;
    case U'W': {
      double week = weeks_between(start_of_first_week(c.year, 0), days);
      if (week > 52) {
        if (days >= start_of_first_week(c.year + 1, 0)) week = 1;
      } else if (week < 1) {
        week = weeks_between(start_of_first_week(c.year - 1, 0), days);
      }
      f.number = std::floor(week);
      break;
    }
    case U'w': {
      const int month0 = c.month - 1;
      double week = weeks_between(start_of_first_week(c.year, month0), days);
      if (week > 4) {
        if (days >= start_of_first_week(c.year, month0 + 1)) week = 1;
      } else if (week < 1) {
        week = weeks_between(start_of_first_week(c.year, month0 - 1), days);
      }
      f.number = std::floor(week);
      break;
    }
    case U'X': {
      if (days < start_of_first_week(c.year, 0)) {
        f.number = static_cast<double>(c.year - 1);
      } else if (days >= start_of_first_week(c.year + 1, 0)) {
        f.number = static_cast<double>(c.year + 1);
      } else {
        f.number = static_cast<double>(c.year);
      }
      break;
    }
    case U'x': {
      const int month0 = c.month - 1;
      if (days < start_of_first_week(c.year, month0)) {
        f.number = month0 == 0 ? 12 : month0;
      } else if (days >= start_of_first_week(c.year, month0 + 1)) {
        f.number = month0 == 11 ? 1 : month0 + 2;
      } else {
        f.number = c.month;
      }
      break;
    }
    case U'H': f.number = hour; break;
    case U'h': f.number = hour % 12 == 0 ? 12 : hour % 12; break;
    case U'P': f.text = hour >= 12 ? "pm" : "am"; break;
    case U'm': f.number = static_cast<double>(in_day / 60000 % 60); break;
    case U's': f.number = static_cast<double>(in_day / 1000 % 60); break;
    case U'f': f.number = static_cast<double>(in_day % 1000); break;
    case U'C':
    case U'E': f.text = "ISO"; break;
    default: break;
  }
  return f;
}

// ---------------------------------------------------------------------------
// Date/time pictures (F&O 9.8.4): literals and [variable markers].

struct Width {
  std::optional<double> min, max;  // NaN when not a number, as parseInt gives
};

struct Marker {
  char32_t component = 0;
  std::u32string presentation1;
  char32_t presentation2 = 0;  // 'a', 't', 'c', 'o' or none
  std::optional<Width> width;
  std::optional<Case> names;
  std::optional<IntegerFormat> integer;
  int year_digits = -1;  // Y only: the year is taken modulo 10^year_digits
};

struct DateTimePart {
  bool literal = false;
  std::u32string text;  // literal only
  Marker marker;
};

bool is_js_space(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == U'\f' || c == U'\v' || c == 0xA0 ||
         c == 0xFEFF || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

constexpr std::u32string_view kComponents = U"YMDdFWwXxHhPmsfZzCE";
constexpr std::u32string_view kIntegerComponents = U"YMDdFWwXxHhmsf";

std::optional<std::u32string> default_presentation(char32_t component) {
  switch (component) {
    case U'Y': case U'M': case U'D': case U'd': case U'W': case U'w': case U'X': case U'x': case U'H':
    case U'h': case U'f':
      return U"1";
    case U'F': case U'P': case U'C': case U'E':
      return U"n";
    case U'm': case U's':
      return U"01";
    case U'Z': case U'z':
      return U"01:01";
    default:
      return std::nullopt;
  }
}

// A width of the width modifier, clamped to [-1, kMaxWidth]: wider
// pictures would only pad with thousands of zeros. NaN (not a number)
// stays NaN and, as in jsonata-js, then changes nothing.
constexpr double kMaxWidth = 1000;

std::optional<double> parse_width(const std::u32string& w) {
  if (w == U"*") return std::nullopt;
  const double v = parse_int_prefix(to_utf8(w));
  return std::isnan(v) ? v : std::clamp(v, -1.0, kMaxWidth);
}

Result<std::vector<DateTimePart>> analyse_datetime_picture(std::string_view picture_utf8) {
  const std::u32string picture = to_u32(picture_utf8);
  std::vector<DateTimePart> parts;
  auto add_literal = [&](std::size_t start, std::size_t end) {
    if (end <= start) return;
    std::u32string text = picture.substr(start, end - start);
    for (auto p = text.find(U"]]"); p != std::u32string::npos; p = text.find(U"]]", p + 1)) text.erase(p, 1);
    DateTimePart part;
    part.literal = true;
    part.text = std::move(text);
    parts.push_back(std::move(part));
  };
  std::size_t start = 0, pos = 0;
  while (pos < picture.size()) {
    if (picture[pos] != U'[') {
      ++pos;
      continue;
    }
    if (pos + 1 < picture.size() && picture[pos + 1] == U'[') {
      add_literal(start, pos);
      DateTimePart bracket;
      bracket.literal = true;
      bracket.text = U"[";
      parts.push_back(std::move(bracket));
      pos += 2;
      start = pos;
      continue;
    }
    add_literal(start, pos);
    start = pos;
    const std::size_t close = picture.find(U']', start);
    if (close == std::u32string::npos) return fail("D3135", "No matching closing bracket ']' in date/time picture string");
    pos = close;
    std::u32string text;
    for (std::size_t i = start + 1; i < close; ++i)
      if (!is_js_space(picture[i])) text.push_back(picture[i]);
    Marker m;
    m.component = text.empty() ? 0 : text.front();
    std::u32string presentation;
    const auto comma = text.rfind(U',');
    if (comma != std::u32string::npos && comma > 0) {
      const std::u32string width = text.substr(comma + 1);
      const auto dash = width.find(U'-');
      Width w;
      if (dash == std::u32string::npos) {
        w.min = parse_width(width);
      } else {
        w.min = parse_width(width.substr(0, dash));
        w.max = parse_width(width.substr(dash + 1));
      }
      m.width = w;
      presentation = text.substr(1, comma - 1);
    } else if (!text.empty()) {
      presentation = text.substr(1);
    }
    // jsonata-js checks the component only when it must look up a default
    // presentation (an unknown one with a presentation formats as
    // "undefined"); every unknown component is rejected here.
    if (kComponents.find(m.component) == std::u32string_view::npos) {
      std::string c;
      if (m.component != 0) utf8::append(c, m.component);
      return fail("D3132", "Unknown component specifier " + quoted(c) + " in date/time picture string");
    }
    if (presentation.size() == 1) {
      m.presentation1 = presentation;
    } else if (presentation.size() > 1) {
      const char32_t last = presentation.back();
      if (last == U'a' || last == U't' || last == U'c' || last == U'o') {
        m.presentation2 = last;
        m.presentation1 = presentation.substr(0, presentation.size() - 1);
      } else {
        m.presentation1 = presentation;
      }
    } else {
      m.presentation1 = *default_presentation(m.component);
    }
    if (!m.presentation1.empty() && m.presentation1[0] == U'n') {
      m.names = Case::kLower;
    } else if (!m.presentation1.empty() && m.presentation1[0] == U'N') {
      m.names = m.presentation1.size() > 1 && m.presentation1[1] == U'n' ? Case::kTitle : Case::kUpper;
    } else if (kIntegerComponents.find(m.component) != std::u32string_view::npos) {
      std::string pattern = to_utf8(m.presentation1);
      if (m.presentation2 != 0) {
        pattern += ';';
        utf8::append(pattern, m.presentation2);
      }
      auto f = analyse_integer_picture(pattern);
      if (!f.ok()) return f.status();
      IntegerFormat format = std::move(f).value();
      if (m.width && m.width->min && *m.width->min > format.mandatory_digits)
        format.mandatory_digits = static_cast<int>(*m.width->min);
      if (m.component == U'Y') {
        if (m.width && m.width->max) {
          if (!std::isnan(*m.width->max)) {
            m.year_digits = static_cast<int>(*m.width->max);
            format.mandatory_digits = m.year_digits;
          }
        } else if (format.mandatory_digits + format.optional_digits >= 2) {
          m.year_digits = format.mandatory_digits + format.optional_digits;
        }
      }
      // Two integer markers with nothing between them: the first must be
      // parsed at its exact width.
      if (!parts.empty() && parts.back().marker.integer)
        parts.back().marker.integer->parse_width = parts.back().marker.integer->mandatory_digits;
      m.integer = std::move(format);
    }
    if (m.component == U'Z' || m.component == U'z') {
      auto f = analyse_integer_picture(to_utf8(m.presentation1));
      if (!f.ok()) return f.status();
      m.integer = std::move(f).value();
    }
    DateTimePart part;
    part.marker = std::move(m);
    parts.push_back(std::move(part));
    start = pos + 1;
    ++pos;
  }
  add_literal(start, pos);
  return parts;
}

std::string apply_case(std::string s, Case c) {
  if (c == Case::kUpper) return upper_ascii(std::move(s));
  if (c == Case::kLower) return lower_ascii(std::move(s));
  return s;
}

Status names_not_supported(char32_t component) {
  std::string c;
  utf8::append(c, component);
  return fail("D3133", "The 'name' modifier can only be applied to months and days in the date/time picture string, not " +
                           quoted(c));
}

// A time zone offset in minutes east of UTC, and how it was written.
struct Offset {
  int minutes = 0;
  int hours_part() const { return std::abs(minutes) / 60; }
  int minutes_part() const { return std::abs(minutes) % 60; }
};

Result<std::string> format_marker(std::int64_t t, const Marker& m, const Offset& offset) {
  const Fragment value = fragment_of(t, m.component);
  if (kIntegerComponents.find(m.component) != std::u32string_view::npos && m.component != U'f') {
    double number = value.number;
    if (m.component == U'Y' && m.year_digits != -1) number = std::fmod(number, std::pow(10.0, m.year_digits));
    if (m.names) {
      std::string name;
      if (m.component == U'M' || m.component == U'x') {
        name = kMonthNames[static_cast<int>(number) - 1];
      } else if (m.component == U'F') {
        name = kDayNames[static_cast<int>(number)];
      } else {
        return names_not_supported(m.component);
      }
      name = apply_case(std::move(name), *m.names);
      if (m.width && m.width->max && *m.width->max < static_cast<double>(name.size()))
        name.resize(static_cast<std::size_t>(std::max(0.0, *m.width->max)));
      return name;
    }
    return format_with(number, *m.integer);
  }
  switch (m.component) {
    case U'f':
      if (m.names) return names_not_supported(m.component);
      return format_with(value.number, *m.integer);
    case U'Z':
    case U'z': {
      const IntegerFormat& f = *m.integer;
      const bool negative = offset.minutes < 0;
      const double hhmm = offset.hours_part() * 100 + offset.minutes_part();
      std::string text;
      if (f.primary == Primary::kDecimal && f.regular > 0) {
        auto r = format_with(hhmm, f);
        if (!r.ok()) return r;
        text = *r;
      } else if (f.primary == Primary::kDecimal && f.mandatory_digits <= 2) {
        auto r = format_with(offset.hours_part(), f);
        if (!r.ok()) return r;
        text = *r;
        if (offset.minutes_part() != 0) text += ":" + *format_integer(offset.minutes_part(), "00");
      } else if (f.primary == Primary::kDecimal && f.mandatory_digits <= 4) {
        auto r = format_with(hhmm, f);
        if (!r.ok()) return r;
        text = *r;
      } else if (f.primary == Primary::kDecimal) {
        return fail("D3134", "The timezone integer format specifier cannot have more than four digits");
      } else {
        return format_with(hhmm, f);  // D3130 or words: as jsonata-js, nothing sensible
      }
      text = (negative ? "-" : "+") + text;
      if (m.component == U'z') text = "GMT" + text;
      if (offset.minutes == 0 && m.presentation2 == U't') text = "Z";
      return text;
    }
    case U'P':
      return m.names == Case::kUpper ? upper_ascii(value.text) : value.text;
    default:
      return value.text;  // C and E
  }
}

// The timezone argument of $fromMillis: "±HHMM" (jsonata-js reads it with
// parseInt, so "0000", "+100" and "-0500" all work; "±HH:MM" is accepted
// too). The sign applies to the minutes as well, unlike jsonata-js, which
// reads "-0530" as 6h30m west.
Result<Offset> parse_timezone(std::string_view tz) {
  std::size_t i = 0;
  int sign = 1;
  if (i < tz.size() && (tz[i] == '+' || tz[i] == '-')) sign = tz[i++] == '-' ? -1 : 1;
  const std::size_t begin = i;
  while (i < tz.size() && tz[i] >= '0' && tz[i] <= '9') ++i;
  const std::size_t n = i - begin;
  int hours = 0, minutes = 0;
  if (n >= 1 && n <= 2 && i + 3 == tz.size() && tz[i] == ':' && std::isdigit(static_cast<unsigned char>(tz[i + 1])) &&
      std::isdigit(static_cast<unsigned char>(tz[i + 2]))) {
    hours = std::stoi(std::string(tz.substr(begin, n)));
    minutes = std::stoi(std::string(tz.substr(i + 1, 2)));
  } else if (n >= 1 && n <= 4 && i == tz.size()) {
    const int v = std::stoi(std::string(tz.substr(begin, n)));
    hours = v / 100;
    minutes = v % 100;
  } else {
    return fail("D3134", "The timezone argument of $fromMillis must be of the form \u00b1HHMM; given " +
                             quoted(tz));
  }
  return Offset{sign * (hours * 60 + minutes)};
}

// ---------------------------------------------------------------------------
// Parsing timestamps with a picture: one regular expression per picture,
// as jsonata-js builds it (case-insensitive, anchored).

std::string regex_escape(const std::u32string& text) {
  std::string out;
  for (char32_t c : text) {
    if (c < 0x80 && std::u32string_view(U".*+?^${}()|[]\\").find(c) != std::u32string_view::npos) out.push_back('\\');
    utf8::append(out, c);
  }
  return out;
}

Result<std::string> integer_regex(const IntegerFormat& f) {
  switch (f.primary) {
    case Primary::kLetters:
      return std::string(f.letter_case == Case::kUpper ? "[A-Z]+" : "[a-z]+");
    case Primary::kRoman:
      return std::string(f.letter_case == Case::kUpper ? "[MDCLXVI]+" : "[mdclxvi]+");
    case Primary::kWords: {
      std::string r = "(?:";
      for (const auto& [word, value] : word_values()) r += word + "|";
      return r + "and|[\\-, ])+";
    }
    case Primary::kDecimal: {
      std::string r = "[0-9]";
      r += f.parse_width > 0 ? "{" + std::to_string(f.parse_width) + "}" : "+";
      if (f.ordinal) r += "(?:th|st|nd|rd)";
      return r;
    }
    case Primary::kSequence:
      break;
  }
  return unsupported_sequence(f);
}

struct PcreCodeFree {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};
struct PcreMatchFree {
  void operator()(pcre2_match_data* d) const { pcre2_match_data_free(d); }
};

// The captured text of each group of the anchored, case-insensitive regex,
// or nullopt when text does not match (or the match fails).
std::optional<std::vector<std::string>> match_groups(const std::string& regex, std::string_view text) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  std::unique_ptr<pcre2_code, PcreCodeFree> code(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(regex.data()), regex.size(),
                                                               PCRE2_CASELESS | PCRE2_UTF | PCRE2_ANCHORED |
                                                                   PCRE2_ENDANCHORED,
                                                               &err, &offset, nullptr));
  if (!code) return std::nullopt;
  std::unique_ptr<pcre2_match_data, PcreMatchFree> md(pcre2_match_data_create_from_pattern(code.get(), nullptr));
  const int rc = pcre2_match(code.get(), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0, md.get(), nullptr);
  if (rc <= 0) return std::nullopt;
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
  std::vector<std::string> groups;
  for (int i = 1; i < rc; ++i) {
    if (ov[2 * i] == PCRE2_UNSET) {
      groups.emplace_back();
    } else {
      groups.emplace_back(text.substr(ov[2 * i], ov[2 * i + 1] - ov[2 * i]));
    }
  }
  return groups;
}

// How one marker's captured text becomes a component value.
struct Reader {
  const Marker* marker;
  std::optional<char32_t> separator;  // Z/z with a regular picture
};

// A captured component: unset, or set to a value that may be undefined
// (an unknown name) or NaN, as in jsonata-js's components object.
struct Component {
  bool set = false;
  std::optional<double> value;
  bool truthy() const { return set && value && *value != 0 && !std::isnan(*value); }
  bool defined() const { return set && value.has_value(); }
};

Result<std::optional<double>> read_component(const std::string& text, const Reader& r) {
  const Marker& m = *r.marker;
  if (m.component == U'Z' || m.component == U'z') {
    std::string v = m.component == U'z' ? text.substr(std::min<std::size_t>(3, text.size())) : text;
    const int sign = !v.empty() && v[0] == '-' ? -1 : 1;
    double hours = 0, minutes = 0;
    if (r.separator) {
      std::string sep;
      utf8::append(sep, *r.separator);
      const auto at = v.find(sep);
      hours = parse_int_prefix(v.substr(0, at));
      minutes = parse_int_prefix(v.substr(at + sep.size()));
    } else if (v.size() <= 3) {
      hours = parse_int_prefix(v);
    } else {
      hours = parse_int_prefix(v.substr(0, 3));
      minutes = parse_int_prefix(v.substr(3));
    }
    // The sign covers the minutes too; jsonata-js adds them even west of
    // UTC, reading "-05:30" as 4h30m west.
    return std::optional<double>(hours * 60 + sign * minutes);
  }
  if (m.integer) {
    auto n = parse_with(text, *m.integer, m.component == U'f');
    if (!n.ok()) return n.status();
    return std::optional<double>(*n);
  }
  // A name: exact spelling, as jsonata-js looks it up.
  auto lookup = [&](const char* const* names, int count, int first_value) -> std::optional<double> {
    for (int i = 0; i < count; ++i) {
      std::string name = names[i];
      if (m.width && m.width->max && *m.width->max >= 0 && *m.width->max < static_cast<double>(name.size()))
        name.resize(static_cast<std::size_t>(*m.width->max));
      if (name == text) return static_cast<double>(i + first_value);
    }
    return std::nullopt;
  };
  if (m.component == U'M' || m.component == U'x') return lookup(kMonthNames, 12, 1);
  if (m.component == U'F') return lookup(kDayNames + 1, 7, 1);
  if (text == "am" || text == "AM") return std::optional<double>(0);
  if (text == "pm" || text == "PM") return std::optional<double>(1);
  return std::optional<double>();
}

Result<std::optional<double>> parse_datetime(std::string_view timestamp, std::string_view picture, double now) {
  auto analysed = analyse_datetime_picture(picture);
  if (!analysed.ok()) return analysed.status();
  const std::vector<DateTimePart>& parts = *analysed;
  std::string regex;
  std::vector<std::optional<Reader>> readers;
  for (const auto& part : parts) {
    std::string piece;
    if (part.literal) {
      piece = regex_escape(part.text);
      readers.emplace_back();
    } else {
      const Marker& m = part.marker;
      Reader reader{&m, std::nullopt};
      if (m.component == U'Z' || m.component == U'z') {
        if (m.integer->primary == Primary::kDecimal && m.integer->regular > 0) reader.separator = m.integer->regular_character;
        piece = std::string(m.component == U'z' ? "GMT" : "") + "[-+][0-9]+";
        if (reader.separator) piece += regex_escape(std::u32string(1, *reader.separator)) + "[0-9]+";
      } else if (m.integer) {
        auto r = integer_regex(*m.integer);
        if (!r.ok()) return r.status();
        piece = *r;
      } else if (m.component == U'M' || m.component == U'x' || m.component == U'F' || m.component == U'P') {
        piece = "[a-zA-Z]+";
      } else {
        return names_not_supported(m.component);
      }
      readers.emplace_back(reader);
    }
    regex += "(" + piece + ")";
  }
  auto groups = match_groups(regex, timestamp);
  if (!groups) return std::optional<double>();

  // Components by letter: Y X M x W w d D F P H h m s f Z z.
  std::array<Component, 128> comp{};
  bool any = false;
  for (std::size_t i = 0; i < readers.size() && i < groups->size(); ++i) {
    if (!readers[i]) continue;
    auto v = read_component((*groups)[i], *readers[i]);
    if (!v.ok()) return v.status();
    Component& c = comp[static_cast<std::size_t>(readers[i]->marker->component) & 0x7F];
    c.set = true;
    c.value = *v;
    any = true;
  }
  if (!any) return std::optional<double>();
  auto at = [&](char c) -> Component& { return comp[static_cast<std::size_t>(c)]; };

  // Which date and time forms the picture gives (jsonata-js's bit masks;
  // a component reading 0 counts as absent there, and so it does here):
  //   dateA {Y M D}, dateB {Y d}, dateC {X x w F}, dateD {X W F};
  //   timeA {H m s f}, timeB {P h m s f}.
  auto mask_of = [&](const char* letters) {
    int mask = 0;
    for (const char* p = letters; *p; ++p) mask = (mask << 1) | (at(*p).truthy() ? 1 : 0);
    return mask;
  };
  auto is_type = [](int mask, int type) { return (~type & mask) == 0 && (type & mask) != 0; };
  const int date_mask = mask_of("YXMxWwdD");
  const bool date_a = is_type(date_mask, 0xA1);
  const bool date_b = !date_a && is_type(date_mask, 0x82);
  const bool date_c = is_type(date_mask, 0x54);
  const bool date_d = !date_c && is_type(date_mask, 0x48);
  const int time_mask = mask_of("PHhmsf");
  const bool time_a = is_type(time_mask, 0x17);
  const bool time_b = !time_a && is_type(time_mask, 0x2F);

  std::string order = date_b ? "Yd" : date_c ? "XxwF" : date_d ? "XWF" : "YMD";
  order += time_b ? "Phmsf" : "Hmsf";
  // Before the first given component: now's; after the last: the minimum;
  // a missing one in between: D3136.
  const auto now_ms = std::fabs(now) <= kMaxTime ? static_cast<std::int64_t>(std::trunc(now)) : 0;
  bool started = false, ended = false;
  for (char letter : order) {
    Component& c = at(letter);
    if (!c.defined()) {
      if (started) {
        c.value = (letter == 'M' || letter == 'D' || letter == 'd') ? 1 : 0;
        ended = true;
      } else {
        c.value = letter == 'P' ? 0 : fragment_of(now_ms, static_cast<char32_t>(letter)).number;
      }
      c.set = true;
    } else {
      started = true;
      if (ended) return fail("D3136", "The date/time picture string is missing specifiers required to parse the timestamp");
    }
  }
  double month0 = at('M').defined() && *at('M').value > 0 ? *at('M').value - 1 : 0;
  double day = at('D').defined() ? *at('D').value : std::nan("");
  if (date_b) {
    const double first = date_utc(*at('Y').value, 0, 1, 0, 0, 0, 0, true);
    const double derived = first + (*at('d').value - 1) * kMillisPerDay;
    if (!(std::fabs(derived) <= kMaxTime)) return std::optional<double>();
    const Civil c = civil_from_days(floor_div(static_cast<std::int64_t>(derived), 86400000));
    month0 = c.month - 1;
    day = c.day;
  }
  if (date_c || date_d)
    return fail("D3136", "The date/time picture string is missing specifiers required to parse the timestamp");
  double hour = at('H').defined() ? *at('H').value : std::nan("");
  if (time_b) {
    hour = *at('h').value == 12 ? 0 : *at('h').value;
    if (at('P').defined() && *at('P').value == 1) hour += 12;
  }
  auto value_or_nan = [&](char letter) { return at(letter).defined() ? *at(letter).value : std::nan(""); };
  double millis = date_utc(value_or_nan('Y'), month0, day, hour, value_or_nan('m'), value_or_nan('s'),
                           value_or_nan('f'), true);
  if (at('Z').truthy()) {
    millis -= *at('Z').value * 60000;
  } else if (at('z').truthy()) {
    millis -= *at('z').value * 60000;
  }
  if (std::isnan(millis)) return std::optional<double>();
  return std::optional<double>(millis);
}

// An ISO 8601 timestamp as $toMillis reads it without a picture: the
// jsonata-js pattern decides what is accepted (else D3110); the instant is
// then read as Date.parse reads the ISO format, except that a timestamp
// without an offset is UTC rather than the host's local time.
Result<std::optional<double>> parse_iso8601(std::string_view ts) {
  static const std::string kPattern =
      "\\d{4}(-[01]\\d)*(-[0-3]\\d)*(T[0-2]\\d:[0-5]\\d:[0-5]\\d)*(\\.\\d+)?([+-][0-2]\\d:?[0-5]\\d|Z)?";
  // Compiled once; a compiled pattern is safe to match from any thread.
  static const std::unique_ptr<pcre2_code, PcreCodeFree> code = [] {
    int err = 0;
    PCRE2_SIZE offset = 0;
    return std::unique_ptr<pcre2_code, PcreCodeFree>(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kPattern.data()),
                                                                   kPattern.size(), PCRE2_ANCHORED | PCRE2_ENDANCHORED,
                                                                   &err, &offset, nullptr));
  }();
  std::unique_ptr<pcre2_match_data, PcreMatchFree> md(pcre2_match_data_create_from_pattern(code.get(), nullptr));
  if (pcre2_match(code.get(), reinterpret_cast<PCRE2_SPTR>(ts.data()), ts.size(), 0, 0, md.get(), nullptr) <= 0)
    return fail("D3110", "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given " +
                             quoted(ts));
  // The pattern allows repeats (2018-01-01-01); Date.parse does not.
  std::size_t i = 0;
  auto number = [&](std::size_t n) -> int {
    int v = 0;
    for (std::size_t k = 0; k < n; ++k) v = v * 10 + (ts[i + k] - '0');
    i += n;
    return v;
  };
  auto digits_at = [&](std::size_t at, std::size_t n) {
    if (at + n > ts.size()) return false;
    for (std::size_t k = 0; k < n; ++k)
      if (!std::isdigit(static_cast<unsigned char>(ts[at + k]))) return false;
    return true;
  };
  const int year = number(4);
  int month = 1, day = 1, hour = 0, minute = 0, second = 0, ms = 0, zone = 0;
  if (i < ts.size() && ts[i] == '-' && digits_at(i + 1, 2)) {
    ++i;
    month = number(2);
    if (i < ts.size() && ts[i] == '-' && digits_at(i + 1, 2)) {
      ++i;
      day = number(2);
    }
  }
  if (i < ts.size() && ts[i] == 'T') {
    ++i;
    hour = number(2);
    ++i;
    minute = number(2);
    ++i;
    second = number(2);
    if (i < ts.size() && ts[i] == '.') {
      ++i;
      std::size_t n = 0;
      while (i + n < ts.size() && std::isdigit(static_cast<unsigned char>(ts[i + n]))) ++n;
      std::string frac(ts.substr(i, std::min<std::size_t>(n, 3)));
      frac.append(3 - frac.size(), '0');
      ms = std::stoi(frac);
      i += n;
    }
  }
  if (i < ts.size() && ts[i] == 'Z') {
    ++i;
  } else if (i < ts.size() && (ts[i] == '+' || ts[i] == '-')) {
    const int sign = ts[i++] == '-' ? -1 : 1;
    const int zh = number(2);
    if (i < ts.size() && ts[i] == ':') ++i;
    const int zm = number(2);
    zone = sign * (zh * 60 + zm);
  }
  if (i != ts.size()) return std::optional<double>();
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1] || (month == 2 && day == 29 && !leap))
    return std::optional<double>();
  if (hour > 24 || (hour == 24 && (minute != 0 || second != 0 || ms != 0)) || minute > 59 || second > 59)
    return std::optional<double>();
  const double t = date_utc(year, month - 1, day, hour, minute, second, ms, false);
  if (std::isnan(t)) return std::optional<double>();
  return std::optional<double>(t - zone * 60000.0);
}

}  // namespace

Result<std::string> format_integer(double value, std::string_view picture) {
  auto f = analyse_integer_picture(picture);
  if (!f.ok()) return f.status();
  if (!std::isfinite(value)) return fail("D3137", "$formatInteger cannot format " + js_number(value));
  return format_with(std::floor(value), *f);
}

Result<std::optional<double>> parse_integer(std::string_view value, std::string_view picture) {
  auto f = analyse_integer_picture(picture);
  if (!f.ok()) return f.status();
  auto n = parse_with(value, *f);
  if (!n.ok()) return n.status();
  if (std::isnan(*n)) return std::optional<double>();
  return std::optional<double>(*n);
}

bool set_decimal_format_option(DecimalFormat& format, std::string_view name, std::string_view value) {
  std::string* field = nullptr;
  if (name == "decimal-separator") field = &format.decimal_separator;
  if (name == "grouping-separator") field = &format.grouping_separator;
  if (name == "exponent-separator") field = &format.exponent_separator;
  if (name == "infinity") field = &format.infinity;
  if (name == "NaN") field = &format.nan;
  if (name == "minus-sign") field = &format.minus_sign;
  if (name == "percent") field = &format.percent;
  if (name == "per-mille") field = &format.per_mille;
  if (name == "zero-digit") field = &format.zero_digit;
  if (name == "digit") field = &format.digit;
  if (name == "pattern-separator") field = &format.pattern_separator;
  if (field == nullptr) return false;
  *field = std::string(value);
  return true;
}

Result<std::string> format_number(double value, std::string_view picture, const DecimalFormat& format) {
  const Symbols sym(format);
  const std::u32string pic = to_u32(picture);
  std::vector<std::u32string> subs;
  if (sym.pattern.empty()) {
    subs.push_back(pic);
  } else {
    std::size_t start = 0;
    for (auto p = pic.find(sym.pattern); p != std::u32string::npos; p = pic.find(sym.pattern, start)) {
      subs.push_back(pic.substr(start, p - start));
      start = p + sym.pattern.size();
    }
    subs.push_back(pic.substr(start));
  }
  if (subs.size() > 2) return fail("D3080", "The picture string must only contain a maximum of two sub-pictures");
  std::vector<SubPictureParts> parts;
  for (const auto& sub : subs) parts.push_back(split_parts(sub, sym));
  for (const auto& p : parts) {
    Status st = validate(p, sym);
    if (!st.ok()) return st;
  }
  std::vector<NumberPicture> pictures;
  for (const auto& p : parts) pictures.push_back(analyse(p, sym));
  if (pictures.size() == 1) {
    pictures.push_back(pictures.front());
    pictures.back().prefix = sym.minus + pictures.back().prefix;
  }
  if (std::isnan(value)) return to_utf8(sym.nan);
  const NumberPicture& chosen = value >= 0 ? pictures[0] : pictures[1];
  return to_utf8(format_picture_number(value, chosen, sym));
}

Result<std::string> format_base(double value, std::optional<double> radix) {
  value = round_half_even(value);
  const double r = radix ? round_half_even(*radix) : 10;
  if (!(r >= 2 && r <= 36))
    return fail("D3100", "The radix of the formatBase function must be between 2 and 36.  It was given " + js_number(r));
  if (!std::isfinite(value) || r == 10) return js_number(value);
  const int base = static_cast<int>(r);
  const double magnitude = std::fabs(value);
  std::string digits;
  if (magnitude < 9223372036854775808.0) {
    auto n = static_cast<std::uint64_t>(magnitude);
    do {
      digits.push_back("0123456789abcdefghijklmnopqrstuvwxyz"[n % static_cast<std::uint64_t>(base)]);
      n /= static_cast<std::uint64_t>(base);
    } while (n > 0);
    std::reverse(digits.begin(), digits.end());
  } else {
    digits = big_radix_digits(magnitude, base);
  }
  return value < 0 ? "-" + digits : digits;
}

Result<std::string> from_millis(double millis, std::optional<std::string_view> picture,
                                std::optional<std::string_view> timezone) {
  Offset offset;
  if (timezone) {
    auto tz = parse_timezone(*timezone);
    if (!tz.ok()) return tz.status();
    offset = *tz;
  }
  static constexpr std::string_view kIso = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]";
  auto parts = analyse_datetime_picture(picture ? *picture : kIso);
  if (!parts.ok()) return parts.status();
  const double shifted = std::trunc(millis + offset.minutes * 60000.0);
  if (!(std::fabs(millis) <= kMaxTime) || !(std::fabs(shifted) <= kMaxTime))
    return fail("D3137", "$fromMillis cannot represent the instant " + js_number(millis));
  const auto t = static_cast<std::int64_t>(shifted);
  std::string out;
  for (const auto& part : *parts) {
    if (part.literal) {
      out += to_utf8(part.text);
      continue;
    }
    auto text = format_marker(t, part.marker, offset);
    if (!text.ok()) return text.status();
    out += *text;
  }
  return out;
}

Result<std::optional<double>> to_millis(std::string_view timestamp, std::optional<std::string_view> picture,
                                        double now_millis) {
  if (!picture) return parse_iso8601(timestamp);
  return parse_datetime(timestamp, *picture, now_millis);
}

}  // namespace stepd::jsonata::picture
