#pragma once
// Absolute http(s) URLs split into what a client connects to and what it
// sends, and RFC 3986 percent-encoding (the form SigV4 and query strings
// use). Pure functions, safe from any thread.

#include <string>
#include <string_view>

#include "src/common/status.h"

namespace stepd::net {

struct Url {
  std::string scheme;  // "http" or "https", lower case
  std::string host;    // a name, an IPv4 literal, or an IPv6 literal without brackets
  unsigned short port = 0;  // the explicit port, else 80 / 443
  std::string path;    // as written, "/" when empty; never holds '?' or '#'
  std::string query;   // as written, without '?'; empty when absent

  bool tls() const { return scheme == "https"; }
  // path plus "?query" when there is one: the request-target.
  std::string target() const;
  // The Host header's value: the host, with ":port" unless it is the default.
  std::string authority() const;
};

// Errors: InvalidArgument naming what is wrong (not http(s), no host, bad
// port, user info, spaces or control characters).
Result<Url> parse_url(std::string_view text);

// Percent-encodes every byte but A-Z a-z 0-9 - _ . ~ (and '/' when
// keep_slash), with upper-case hex: RFC 3986 unreserved, as SigV4 wants.
std::string url_encode(std::string_view s, bool keep_slash = false);
// Decodes %XX escapes ('+' stays '+'); a malformed escape is kept as is.
std::string url_decode(std::string_view s);

}  // namespace stepd::net
