// Tests for src/net/url.h.

#include "src/net/url.h"

#include <catch2/catch.hpp>

using namespace stepd::net;

TEST_CASE("parse_url splits scheme, host, port, path and query") {
  auto u = parse_url("HTTPS://Example.com:8443/a/b%20c?x=1&y=2#frag");
  REQUIRE(u.ok());
  CHECK(u->scheme == "https");
  CHECK(u->host == "Example.com");
  CHECK(u->port == 8443);
  CHECK(u->path == "/a/b%20c");
  CHECK(u->query == "x=1&y=2");
  CHECK(u->target() == "/a/b%20c?x=1&y=2");
  CHECK(u->authority() == "Example.com:8443");
}

TEST_CASE("parse_url fills in default ports and an empty path") {
  auto a = parse_url("http://h");
  REQUIRE(a.ok());
  CHECK(a->port == 80);
  CHECK(a->path == "/");
  CHECK(a->authority() == "h");
  auto b = parse_url("https://[::1]?q");
  REQUIRE(b.ok());
  CHECK(b->host == "::1");
  CHECK(b->port == 443);
  CHECK(b->target() == "/?q");
  CHECK(b->authority() == "[::1]");
}

TEST_CASE("parse_url refuses what is not an absolute http(s) URL") {
  for (const char* bad : {"ftp://h/", "h/path", "http://", "http://h:0/", "http://h:99999/", "http://u@h/",
                          "http://h/a b", "http://h:x/"}) {
    INFO(bad);
    CHECK_FALSE(parse_url(bad).ok());
  }
}

TEST_CASE("url_encode keeps only unreserved characters, and '/' on request") {
  CHECK(url_encode("a-b_c.d~e f/g:h") == "a-b_c.d~e%20f%2Fg%3Ah");
  CHECK(url_encode("a/b c", true) == "a/b%20c");
  CHECK(url_encode("\xc3\xa9") == "%C3%A9");
  CHECK(url_decode("a%20b%3a+%zz%") == "a b:+%zz%");
}
