#pragma once
// JSON text in and out, the way AWS Step Functions writes it.
//
// Boost.JSON is stepd's JSON value type. Its own serializer prints doubles
// as "1.5E0"; AWS (Jackson) prints "1.5". Everything that leaves stepd as
// JSON text goes through to_json() so numbers, escapes and spacing match the
// recorded AWS histories: compact, no spaces, non-ASCII kept as UTF-8.
// Pure functions, safe from any thread.

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "src/common/status.h"

namespace stepd::json {

namespace bj = boost::json;

// Compact JSON text of v, e.g. {"a":[1,2.5,"x"]}.
std::string to_json(const bj::value& v);
// Appends the compact JSON text of v to out.
void append_json(std::string& out, const bj::value& v);
// Appends s as a quoted, escaped JSON string.
void append_quoted(std::string& out, std::string_view s);
// The number of bytes to_json(v) would produce, without building it.
std::size_t json_size(const bj::value& v);

// Parses JSON text. Errors name the offset and the reason.
Result<bj::value> parse(std::string_view text);
// Parses JSON text that may hold // and /* */ comments and trailing commas
// (the JSON5 subset the conformance templates use).
Result<bj::value> parse_relaxed(std::string_view text);

// The JSON type name AWS uses in messages: "object", "array", "string",
// "number", "boolean", "null".
const char* type_name(const bj::value& v);

// Numeric value of v as a double. REQUIRES: v.is_number().
double to_double(const bj::value& v);

}  // namespace stepd::json
