#pragma once
// Timestamps as ASL uses them: RFC 3339 / ISO 8601 extended offset
// date-times with an uppercase T and Z (or a numeric offset).
// Pure functions, safe from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stepd::timestamp {

// Milliseconds since the Unix epoch of an RFC 3339 date-time such as
// "2016-03-14T01:59:00Z", "2016-03-14T01:59:00.123Z" or
// "2016-03-14T01:59:00+01:00"; std::nullopt when `text` is not one
// (lowercase t/z, missing zone, bad field ranges are all rejected, as AWS
// does for IsTimestamp and Wait Timestamp). Fractions finer than a
// millisecond are truncated for the return value.
std::optional<std::int64_t> parse_ms(std::string_view text);

// As parse_ms but keeps nanoseconds, for exact comparisons
// (TimestampEquals on values that differ below a millisecond).
std::optional<std::int64_t> parse_ns(std::string_view text);

// "2024-01-02T03:04:05.678Z": the form the context object uses
// ($$.Execution.StartTime, $$.State.EnteredTime).
std::string format_ms(std::int64_t epoch_ms);

}  // namespace stepd::timestamp
