#include "src/common/timestamp.h"

#include <catch2/catch.hpp>

namespace ts = stepd::timestamp;

TEST_CASE("a UTC timestamp parses to epoch milliseconds") {
  CHECK(ts::parse_ms("1970-01-01T00:00:00Z") == 0);
  CHECK(ts::parse_ms("2016-03-14T01:59:00Z") == 1457920740000);
  CHECK(ts::parse_ms("2012-10-09T19:00:55Z") == 1349809255000);
  CHECK(ts::parse_ms("2012-10-09T19:00:56Z") == 1349809256000);
}

TEST_CASE("a numeric offset is subtracted to reach UTC") {
  CHECK(ts::parse_ms("2016-03-14T01:59:00+01:00") == 1457920740000 - 3600000);
  CHECK(ts::parse_ms("2012-10-09T19:00:55+01:00") == ts::parse_ms("2012-10-09T18:00:55Z"));
  CHECK(ts::parse_ms("2018-10-21T08:05:00.000-05:00") == ts::parse_ms("2018-10-21T13:05:00Z"));
  CHECK(ts::parse_ms("2018-07-11T17:30:00+05:30") == ts::parse_ms("2018-07-11T12:00:00Z"));
  CHECK(ts::parse_ms("2018-07-11T12:00:00+00:00") == ts::parse_ms("2018-07-11T12:00:00Z"));
  CHECK(ts::parse_ms("2018-07-11T12:00:00-00:00") == ts::parse_ms("2018-07-11T12:00:00Z"));
  SECTION("an offset can cross midnight and the year") {
    CHECK(ts::parse_ms("2000-01-01T00:30:00+01:00") == ts::parse_ms("1999-12-31T23:30:00Z"));
  }
}

TEST_CASE("fractions keep milliseconds and truncate below them") {
  CHECK(ts::parse_ms("2016-03-14T01:59:00.1Z") == 1457920740100);
  CHECK(ts::parse_ms("2016-03-14T01:59:00.123Z") == 1457920740123);
  // AWS accepts a nanosecond Wait timestamp (test_wait_timestamp[NANOSECONDS]).
  CHECK(ts::parse_ms("2016-03-05T21:29:29.243167252Z") == ts::parse_ms("2016-03-05T21:29:29.243Z"));
  CHECK(ts::parse_ms("2016-03-14T01:59:00.999999999Z") == 1457920740999);
}

TEST_CASE("parse_ns keeps the digits below a millisecond") {
  CHECK(ts::parse_ns("1970-01-01T00:00:00Z") == 0);
  CHECK(ts::parse_ns("1970-01-01T00:00:00.000000001Z") == 1);
  CHECK(ts::parse_ns("2016-03-05T21:29:29.243167252Z") == 1457213369243167252);
  CHECK(ts::parse_ns("2016-03-05T21:29:29.2431672Z") == 1457213369243167200);
  CHECK(ts::parse_ns("2016-03-05T21:29:29.243167252Z") != ts::parse_ns("2016-03-05T21:29:29.243167253Z"));
}

TEST_CASE("instants before the epoch floor to the millisecond") {
  CHECK(ts::parse_ms("1969-12-31T23:59:59Z") == -1000);
  CHECK(ts::parse_ms("1969-12-31T23:59:59.5Z") == -500);
  CHECK(ts::parse_ms("1969-12-31T23:59:59.9995Z") == -1);
  CHECK(ts::parse_ns("1969-12-31T23:59:59.999999999Z") == -1);
}

TEST_CASE("the whole four-digit year range parses in milliseconds") {
  CHECK(ts::parse_ms("0000-01-01T00:00:00Z") == -62167219200000);
  CHECK(ts::parse_ms("9999-12-31T23:59:59.999Z") == 253402300799999);
  SECTION("nanoseconds beyond int64 have no value") {
    CHECK_FALSE(ts::parse_ns("9999-12-31T23:59:59Z").has_value());
    CHECK_FALSE(ts::parse_ns("1000-01-01T00:00:00Z").has_value());
    CHECK(ts::parse_ns("2262-04-11T23:47:16.854775807Z") == 9223372036854775807);
  }
}

TEST_CASE("calendar rules are enforced") {
  CHECK(ts::parse_ms("2024-02-29T00:00:00Z").has_value());
  CHECK(ts::parse_ms("2000-02-29T00:00:00Z").has_value());
  CHECK_FALSE(ts::parse_ms("2023-02-29T00:00:00Z"));
  CHECK_FALSE(ts::parse_ms("1900-02-29T00:00:00Z"));
  CHECK_FALSE(ts::parse_ms("2023-04-31T00:00:00Z"));
  CHECK_FALSE(ts::parse_ms("2023-01-32T00:00:00Z"));
  CHECK_FALSE(ts::parse_ms("2023-01-00T00:00:00Z"));
  CHECK_FALSE(ts::parse_ms("2023-00-10T00:00:00Z"));
  // AWS rejects these Wait timestamps (test_wait_timestamp_path[INVALID_DATE], [INVALID_TIME]).
  CHECK_FALSE(ts::parse_ms("2016-13-05T21:29:29Z"));
  CHECK_FALSE(ts::parse_ms("2016-12-05T25:29:29Z"));
  CHECK_FALSE(ts::parse_ms("2016-12-05T23:60:00Z"));
  CHECK_FALSE(ts::parse_ms("2016-12-31T23:59:60Z"));
  CHECK(ts::parse_ms("2016-12-05T23:59:59Z").has_value());
}

TEST_CASE("texts that are not RFC 3339 date-times are rejected") {
  // Each of these was refused by AWS for a Wait (test_wait_timestamp_path).
  CHECK_FALSE(ts::parse_ms("2016-12-05 21:29:29Z"));  // NO_T
  CHECK_FALSE(ts::parse_ms("2016-12-05T21:29:29"));   // NO_Z
  CHECK_FALSE(ts::parse_ms("05-12-2016T21:29:29Z"));  // INVALID_ISO
  // Values of the Choice corpus that must not be timestamps.
  CHECK_FALSE(ts::parse_ms("2012-10-09T19:00:55"));
  CHECK_FALSE(ts::parse_ms("2023-02-24"));
  CHECK_FALSE(ts::parse_ms("2023-02-24 12:15:56.832957"));
  CHECK_FALSE(ts::parse_ms(""));
  CHECK_FALSE(ts::parse_ms(" "));
  CHECK_FALSE(ts::parse_ms("HelloWorld"));
  SECTION("case matters, as AWS documents for Choice") {
    CHECK_FALSE(ts::parse_ms("2016-03-14t01:59:00Z"));
    CHECK_FALSE(ts::parse_ms("2016-03-14T01:59:00z"));
  }
  SECTION("the time needs seconds") {
    CHECK_FALSE(ts::parse_ms("2016-03-14T01:59Z"));
  }
  SECTION("fractions need 1 to 9 digits") {
    CHECK_FALSE(ts::parse_ms("2016-03-14T01:59:00.Z"));
    CHECK_FALSE(ts::parse_ms("2016-03-14T01:59:00.1234567890Z"));
    CHECK_FALSE(ts::parse_ms("2016-03-14T01:59:00,5Z"));
  }
  SECTION("offsets are +HH:MM within 18 hours") {
    CHECK_FALSE(ts::parse_ms("2018-07-11T22:00:00+10"));
    CHECK_FALSE(ts::parse_ms("2018-07-11T17:30:00+5:30"));
    CHECK_FALSE(ts::parse_ms("2018-03-23T11:33:36.617+0100"));
    CHECK_FALSE(ts::parse_ms("2018-07-11T07:00:00GMT-05:00"));
    CHECK_FALSE(ts::parse_ms("2018-07-11T07:00:00-05:00:00"));
    CHECK_FALSE(ts::parse_ms("2018-07-11T07:00:00+05:60"));
    CHECK_FALSE(ts::parse_ms("2018-07-11T07:00:00+18:01"));
    CHECK(ts::parse_ms("2018-07-11T07:00:00+18:00").has_value());
    CHECK(ts::parse_ms("2018-07-11T07:00:00-18:00").has_value());
  }
  SECTION("nothing may follow the zone, and the year has four digits") {
    CHECK_FALSE(ts::parse_ms("2016-03-14T01:59:00Z "));
    CHECK_FALSE(ts::parse_ms(" 2016-03-14T01:59:00Z"));
    CHECK_FALSE(ts::parse_ms("2016-03-14T01:59:00ZZ"));
    CHECK_FALSE(ts::parse_ms("+2016-03-14T01:59:00Z"));
    CHECK_FALSE(ts::parse_ms("12016-03-14T01:59:00Z"));
    CHECK_FALSE(ts::parse_ms("2016-3-14T01:59:00Z"));
  }
}

TEST_CASE("format_ms writes the context object's form") {
  CHECK(ts::format_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(ts::format_ms(1457920740000) == "2016-03-14T01:59:00.000Z");
  CHECK(ts::format_ms(1704164645678) == "2024-01-02T03:04:05.678Z");
  CHECK(ts::format_ms(951782400000) == "2000-02-29T00:00:00.000Z");
  CHECK(ts::format_ms(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(ts::format_ms(253402300799999) == "9999-12-31T23:59:59.999Z");
}

TEST_CASE("format_ms and parse_ms round-trip") {
  for (std::int64_t ms : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{1457920740123},
                          std::int64_t{-62167219200000}, std::int64_t{253402300799999},
                          std::int64_t{4102444800000}, std::int64_t{-2208988800001}}) {
    INFO(ms);
    CHECK(ts::parse_ms(ts::format_ms(ms)) == ms);
  }
}
