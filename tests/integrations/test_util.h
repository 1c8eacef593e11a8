#pragma once
// Shared by the src/integrations tests: JSON literals and canned HTTP results.

#include <string>
#include <utility>

#include <boost/json/value.hpp>
#include <catch2/catch.hpp>

#include "src/common/json.h"
#include "src/net/http_client.h"

namespace stepd::integrations::testing {

inline boost::json::value js(const char* text) {
  auto v = json::parse(text);
  REQUIRE(v.ok());
  return std::move(v).value();
}

// A response as the client would hand it over.
inline net::HttpResult response(int status, const char* reason, net::Headers headers, std::string body) {
  net::HttpResult r;
  r.outcome = net::HttpOutcome::kResponse;
  r.status = status;
  r.reason = reason;
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}
inline net::HttpResult response(int status, net::Headers headers, std::string body) {
  return response(status, "", std::move(headers), std::move(body));
}

}  // namespace stepd::integrations::testing
