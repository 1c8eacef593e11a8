// Tests for src/log/log.h: the lines' text (render) and the option parsers.

#include "src/log/log.h"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <limits>

using namespace stepd;

TEST_CASE("log lines as JSON are one object's members, escaped, numbers bare") {
  const std::string line = log::render(log::Format::kJson, "said \"hi\"\nthen left",
                                       {{"worker", "w 1"}, {"n", std::uint64_t{42}}, {"ms", 1.5}, {"ctl", "a\tb"}});
  auto v = boost::json::parse("{" + line + "}");  // the pattern adds {"time":..,"level":.., .. }
  const auto& o = v.as_object();
  CHECK(o.at("message").as_string() == "said \"hi\"\nthen left");
  CHECK(o.at("worker").as_string() == "w 1");
  CHECK(o.at("n").as_int64() == 42);
  CHECK(o.at("ms").as_double() == 1.5);
  CHECK(o.at("ctl").as_string() == "a\tb");
  CHECK(line.find('\n') == std::string::npos);  // one line, whatever the message holds
}

TEST_CASE("log lines as text: key=value, quoted when a value has spaces or quotes") {
  CHECK(log::render(log::Format::kText, "worker connected", {{"worker", "echo"}, {"concurrency", 4}}) ==
        "worker connected worker=echo concurrency=4");
  CHECK(log::render(log::Format::kText, "x", {{"data", "/tmp/a b"}, {"e", ""}, {"q", "say \"x\""}}) ==
        "x data=\"/tmp/a b\" e=\"\" q=\"say \\\"x\\\"\"");
  CHECK(log::render(log::Format::kText, "nan", {{"v", std::numeric_limits<double>::quiet_NaN()}}) == "nan v=NaN");
}

TEST_CASE("log levels and formats parse from their option names only") {
  CHECK(*log::parse_level("debug") == log::Level::kDebug);
  CHECK(*log::parse_level("warning") == log::Level::kWarn);
  CHECK(*log::parse_format("json") == log::Format::kJson);
  CHECK_FALSE(log::parse_level("verbose").ok());
  CHECK_FALSE(log::parse_format("xml").ok());
}

TEST_CASE("log::enabled follows the configured level") {
  log::configure(log::Level::kWarn, log::Format::kText);
  CHECK_FALSE(log::enabled(log::Level::kInfo));
  CHECK(log::enabled(log::Level::kError));
  log::configure(log::Level::kInfo, log::Format::kText);
  CHECK(log::enabled(log::Level::kInfo));
  CHECK_FALSE(log::enabled(log::Level::kDebug));
  log::configure(log::Level::kWarn, log::Format::kText);  // as tests/main.cpp sets it for the other tests
}
