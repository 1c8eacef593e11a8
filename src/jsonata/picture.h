#pragma once
// Picture strings: the formatting and parsing that JSONata 2.2's
// $formatNumber, $formatBase, $formatInteger, $parseInteger, $fromMillis and
// $toMillis delegate to (XPath/XQuery F&O 3.1 fn:format-number,
// fn:format-integer and fn:format-dateTime, as jsonata-js implements them).
//
// Strings are UTF-8. Where JSONata counts characters (picture analysis,
// padding widths) a character is one Unicode code point; astral characters
// never occur in the suite's pictures.
// Pure functions: no clock, no randomness, no I/O; safe from any thread.
// A failed Result carries the JSONata error code in Status::error() (e.g.
// "D3080") and JSONata's message in Status::message(); code is kFailed.
// JSONata's rule that an undefined first argument gives undefined is the
// caller's: these functions take only defined values.

#include <optional>
#include <string>
#include <string_view>

#include "src/common/status.h"

namespace stepd::jsonata::picture {

// The decimal format of $formatNumber (its third argument, merged over these
// defaults). The separators, zero_digit and digit act only as one
// character each; percent, per_mille, minus_sign, infinity and nan may be
// longer strings (e.g. per-mille "pm").
struct DecimalFormat {
  std::string decimal_separator = ".";
  std::string exponent_separator = "e";
  std::string grouping_separator = ",";
  std::string infinity = "Infinity";
  std::string minus_sign = "-";
  std::string nan = "NaN";
  std::string percent = "%";
  std::string per_mille = "\u2030";
  std::string zero_digit = "0";
  std::string digit = "#";
  std::string pattern_separator = ";";
};

// Sets one property of the options object by its JSONata name
// ("decimal-separator", "grouping-separator", "exponent-separator",
// "infinity", "NaN", "minus-sign", "percent", "per-mille", "zero-digit",
// "digit", "pattern-separator"). Returns false, changing nothing, for any
// other name (jsonata-js ignores unknown properties).
bool set_decimal_format_option(DecimalFormat& format, std::string_view name, std::string_view value);

// $formatNumber(value, picture [, options]): fn:format-number, with the
// sub-picture checks jsonata-js makes (when several fail, the last listed
// wins, as in jsonata-js). Errors: D3080 (more than two sub-pictures),
// D3081 (two decimal separators), D3082 (two percents), D3083 (two
// per-milles), D3084 (percent and per-mille), D3085 (no digit in the
// mantissa), D3086 (passive character inside the active part), D3087
// (grouping separator next to the decimal separator), D3088 (grouping
// separator ending the integer part), D3089 (two adjacent grouping
// separators), D3090 ('#' after a digit in the integer part), D3091 (digit
// after '#' in the fractional part), D3092 (exponent with percent or
// per-mille), D3093 (exponent part not only digits).
Result<std::string> format_number(double value, std::string_view picture,
                                  const DecimalFormat& format = DecimalFormat{});

// $formatBase(value [, radix]): value rounded half-to-even, written in
// radix 2..36 (default 10; radix rounded too) with lowercase letters; in
// radix 10 as JavaScript prints numbers ("1e+21"). Errors: D3100 (radix).
Result<std::string> format_base(double value, std::optional<double> radix = std::nullopt);

// $formatInteger(value, picture): fn:format-integer (decimal digit
// patterns of any Unicode digit family with grouping, 'a'/'A', 'i'/'I',
// 'w'/'W'/'Ww', the ';o' ordinal and ';c' cardinal modifiers).
// value is floored first. Errors: D3130 (a picture that is no supported
// numbering sequence, e.g. "#"), D3131 (digits from two digit families),
// D3137 (value not finite).
Result<std::string> format_integer(double value, std::string_view picture);

// $parseInteger(value, picture): the inverse of format_integer. nullopt
// when value does not read as a number under the picture (JSONata's
// undefined; jsonata-js returns NaN there). Errors: D3130, D3131.
Result<std::optional<double>> parse_integer(std::string_view value, std::string_view picture);

// $fromMillis(millis [, picture [, timezone]]): fn:format-dateTime of the
// instant millis (ms since 1970-01-01T00:00:00Z; the fraction is dropped).
// No picture: ISO 8601 with milliseconds, "2017-11-07T15:07:54.972Z".
// timezone is "±HHMM" (default UTC, never the host's zone).
// Errors: D3130, D3131 (integer picture of a marker), D3132 (unknown
// component), D3133 (name modifier on a component without names), D3134
// (timezone picture of more than four digits, or a timezone argument that
// is not ±HHMM), D3135 (no closing ']'), D3137 (millis not finite or
// beyond the JavaScript Date range of ±8.64e15).
Result<std::string> from_millis(double millis, std::optional<std::string_view> picture = std::nullopt,
                                std::optional<std::string_view> timezone = std::nullopt);

// $toMillis(timestamp [, picture]): ms since the epoch.
// Without a picture, timestamp must be ISO 8601 (else D3110); a timestamp
// without an offset is UTC. nullopt when the ISO text names no instant
// (e.g. month 13).
// With a picture: nullopt when timestamp does not match it (JSONata's
// undefined). Components the picture leaves out before the first one it
// gives are taken from now_millis (the evaluation's $now() instant, as
// jsonata-js does); those after the last one default to their minimum.
// Errors: D3110, D3130..D3133, D3135, D3136 (a gap between the given
// components, or a week-date picture, which jsonata-js cannot parse).
Result<std::optional<double>> to_millis(std::string_view timestamp,
                                        std::optional<std::string_view> picture = std::nullopt,
                                        double now_millis = 0);

}  // namespace stepd::jsonata::picture
