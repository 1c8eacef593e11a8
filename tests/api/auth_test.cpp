// Tests for src/api/auth.h (SigV4 verification, HTTP Basic, credentials
// files) and the page tokens of src/api/api_util.h.
//
// The signed requests come from AWS's SigV4 test suite (credentials
// AKIDEXAMPLE, 20150830T123600Z, us-east-1, service "service"; the
// published .req / .authz files) and from stepd's own signer (src/net/sigv4.h,
// itself checked against the suite and botocore in tests/net/sigv4_test.cpp).
// The error answers are AWS's, as recorded against DynamoDB (another AWS
// JSON 1.0 "Coral" service) by dynalite's tests and comments.

#include "src/api/auth.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <unistd.h>

#include "src/api/api_util.h"
#include "src/intrinsics/base64.h"
#include "src/net/sigv4.h"

using namespace stepd;
using namespace stepd::api;

namespace {

constexpr std::int64_t kSuiteTime = 1440938160000;  // 2015-08-30T12:36:00Z
const char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const char kStsToken[] =
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwt"
    "hAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXA"
    "kiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
const char kPrefix[] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

auth::Verifier suite_verifier(std::string token = "") {
  return auth::Verifier({{"test", "AKIDEXAMPLE", kSecret, std::move(token)}}, {"us-east-1", "service"});
}

struct Req {
  std::string method;
  std::string target;
  auth::Headers headers;
  std::string body;
};

std::optional<auth::Failure> verify(const auth::Verifier& v, const Req& r, std::int64_t now = kSuiteTime) {
  return v.verify(r.method, r.target, r.headers, r.body, now);
}

std::string describe(const std::optional<auth::Failure>& f) {
  return f ? f->type + ": " + f->message : "accepted";
}

struct SuiteCase {
  const char* name;
  Req req;
};

auth::Headers h(std::initializer_list<std::pair<std::string, std::string>> extra, const std::string& authz) {
  auth::Headers out{{"Host", "example.amazonaws.com"}};
  for (const auto& p : extra) out.push_back(p);
  out.emplace_back("X-Amz-Date", "20150830T123600Z");
  out.emplace_back("Authorization", authz);
  return out;
}

std::string authz(const char* signed_headers, const char* signature) {
  return std::string(kPrefix) + "SignedHeaders=" + signed_headers + ", Signature=" + signature;
}

// The suite's requests with the Authorization it publishes for each.
std::vector<SuiteCase> suite_cases() {
  const char* hd = "host;x-amz-date";
  const std::string unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  return {
      {"get-vanilla", {"GET", "/", h({}, authz(hd, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")), ""}},
      {"get-vanilla-query-order-key",
       {"GET", "/?Param1=value2&Param1=Value1",
        h({}, authz(hd, "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1")), ""}},
      {"get-vanilla-query-order-value",
       {"GET", "/?Param1=value2&Param1=value1",
        h({}, authz(hd, "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694")), ""}},
      {"get-vanilla-query-order-key-case",
       {"GET", "/?Param2=value2&Param1=value1",
        h({}, authz(hd, "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")), ""}},
      {"get-vanilla-query-unreserved",
       {"GET", "/?" + unreserved + "=" + unreserved,
        h({}, authz(hd, "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197")), ""}},
      {"get-vanilla-utf8-query",
       {"GET", "/?\xe1\x88\xb4=bar", h({}, authz(hd, "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04")),
        ""}},
      {"get-header-key-duplicate",
       {"GET", "/",
        h({{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
          authz("host;my-header1;x-amz-date", "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea")),
        ""}},
      {"get-header-value-order",
       {"GET", "/",
        h({{"My-Header1", "value4"}, {"My-Header1", "value1"}, {"My-Header1", "value3"}, {"My-Header1", "value2"}},
          authz("host;my-header1;x-amz-date", "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01")),
        ""}},
      {"get-header-value-trim",
       {"GET", "/",
        h({{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
          authz("host;my-header1;my-header2;x-amz-date",
                "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736")),
        ""}},
      {"get-unreserved",
       {"GET", "/" + unreserved, h({}, authz(hd, "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f")),
        ""}},
      {"get-space",
       {"GET", "/example space/", h({}, authz(hd, "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741")),
        ""}},
      {"get-relative",
       {"GET", "/example/..", h({}, authz(hd, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")), ""}},
      {"get-relative-relative",
       {"GET", "/example1/example2/../..",
        h({}, authz(hd, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")), ""}},
      {"get-slash", {"GET", "//", h({}, authz(hd, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")), ""}},
      {"get-slash-dot-slash",
       {"GET", "/./", h({}, authz(hd, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")), ""}},
      {"get-slash-pointless-dot",
       {"GET", "/./example", h({}, authz(hd, "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5")), ""}},
      {"get-slashes",
       {"GET", "//example//", h({}, authz(hd, "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84")), ""}},
      {"post-vanilla", {"POST", "/", h({}, authz(hd, "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")), ""}},
      {"post-vanilla-query",
       {"POST", "/?Param1=value1", h({}, authz(hd, "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11")),
        ""}},
      {"post-header-key-sort",
       {"POST", "/",
        h({{"My-Header1", "value1"}},
          authz("host;my-header1;x-amz-date", "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c")),
        ""}},
      {"post-header-value-case",
       {"POST", "/",
        h({{"My-Header1", "VALUE1"}},
          authz("host;my-header1;x-amz-date", "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d")),
        ""}},
      // Content-Length is sent but not signed: only SignedHeaders count.
      {"post-x-www-form-urlencoded",
       {"POST", "/",
        h({{"Content-Type", "application/x-www-form-urlencoded"}, {"Content-Length", "13"}},
          authz("content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")),
        "Param1=value1"}},
      {"post-x-www-form-urlencoded-parameters",
       {"POST", "/",
        // As the suite's .req has it ("utf8"; its string-to-sign hashes that).
        h({{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}, {"Content-Length", "13"}},
          authz("content-type;host;x-amz-date", "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe")),
        "Param1=value1"}},
  };
}

// A Step Functions call as stepd's signer (and botocore) sends it.
Req api_call(const std::string& access_key = "AKIDEXAMPLE", const std::string& secret = kSecret,
             std::int64_t when = kSuiteTime, const std::string& region = "us-east-1",
             const std::string& session_token = "") {
  net::HttpCall c;
  c.method = "POST";
  c.url = "http://127.0.0.1:8083/";
  c.headers = {{"Host", "127.0.0.1:8083"},
               {"Content-Type", "application/x-amz-json-1.0"},
               {"X-Amz-Target", "AWSStepFunctions.ListStateMachines"}};
  c.body = R"({"maxResults": 2})";
  net::sigv4::SigningParams p;
  p.region = region;
  p.service = "states";
  p.now_ms = when;
  REQUIRE(net::sigv4::sign(c, {access_key, secret, session_token}, p).ok());
  return Req{c.method, "/", c.headers, c.body};
}

auth::Verifier states_verifier() {
  return auth::Verifier({{"default", "AKIDEXAMPLE", kSecret, ""},
                         {"temp", "ASIATEMPORARY", "temporary/secret", "the-session-token"},
                         {"other", "AKIDOTHER", "other-secret", ""}},
                        {"us-east-1", "states"});
}

void set_header(Req& r, const std::string& name, const std::string& value) {
  for (auto& [k, v] : r.headers) {
    if (k == name) {
      v = value;
      return;
    }
  }
  r.headers.emplace_back(name, value);
}

void drop_header(Req& r, const std::string& name) {
  auth::Headers kept;
  for (auto& p : r.headers) {
    if (p.first != name) kept.push_back(p);
  }
  r.headers = kept;
}

std::string header(const Req& r, const std::string& name) {
  for (auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

void expect(const std::optional<auth::Failure>& f, const std::string& type, const std::string& message) {
  INFO(describe(f));
  REQUIRE(f.has_value());
  CHECK(f->status == 400);
  CHECK(f->type == type);
  CHECK(f->message == message);
}

}  // namespace

TEST_CASE("auth: AWS's SigV4 test suite requests verify") {
  auto v = suite_verifier();
  for (const auto& c : suite_cases()) {
    INFO(c.name);
    auto f = verify(v, c.req);
    CHECK(describe(f) == "accepted");
  }
}

TEST_CASE("auth: each suite request refused once its signature, a signed header or the body changes") {
  auto v = suite_verifier();
  for (const auto& c : suite_cases()) {
    INFO(c.name);
    Req bad_sig = c.req;
    std::string a = header(bad_sig, "Authorization");
    a.back() = a.back() == '0' ? '1' : '0';
    set_header(bad_sig, "Authorization", a);
    auto f = verify(v, bad_sig);
    REQUIRE(f);
    CHECK(f->type == "InvalidSignatureException");

    Req other_date = c.req;  // still within the clock skew
    set_header(other_date, "X-Amz-Date", "20150830T123601Z");
    f = verify(v, other_date);
    REQUIRE(f);
    CHECK(f->type == "InvalidSignatureException");

    Req other_host = c.req;
    set_header(other_host, "Host", "example.amazonaws.com:443");
    CHECK(verify(v, other_host));

    Req other_body = c.req;
    other_body.body += " ";
    CHECK(verify(v, other_body));

    Req other_path = c.req;
    other_path.target.insert(1, "zz/");
    CHECK(verify(v, other_path));

    Req other_method = c.req;
    other_method.method = c.req.method == "GET" ? "POST" : "GET";
    CHECK(verify(v, other_method));
  }
}

TEST_CASE("auth: the suite's session-token requests (post-sts-header-before, -after)") {
  auto v = suite_verifier(kStsToken);
  Req before{"POST", "/",
             h({{"X-Amz-Security-Token", kStsToken}},
               authz("host;x-amz-date;x-amz-security-token",
                     "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead")),
             ""};
  CHECK(describe(verify(v, before)) == "accepted");
  // The token added after signing: AWS accepts it unsigned.
  Req after{"POST", "/", h({{"X-Amz-Security-Token", kStsToken}},
                           authz("host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")),
            ""};
  CHECK(describe(verify(v, after)) == "accepted");

  // Without the token, or with another, the temporary key is refused.
  Req none = after;
  drop_header(none, "X-Amz-Security-Token");
  expect(verify(v, none), "UnrecognizedClientException", "The security token included in the request is invalid");
  Req wrong = after;
  set_header(wrong, "X-Amz-Security-Token", std::string(kStsToken).substr(1));
  expect(verify(v, wrong), "UnrecognizedClientException", "The security token included in the request is invalid");
  // And a long-term key refuses any token.
  expect(verify(suite_verifier(), before), "UnrecognizedClientException",
         "The security token included in the request is invalid");
}

TEST_CASE("auth: canonical URI and query as the suite writes them") {
  CHECK(auth::canonical_uri("/example space/") == "/example%20space/");
  CHECK(auth::canonical_uri("//example//") == "/example/");
  CHECK(auth::canonical_uri("/./example") == "/example");
  CHECK(auth::canonical_uri("/example1/example2/../..") == "/");
  CHECK(auth::canonical_uri("") == "/");
  // What botocore signs for an already-encoded path: encoded once more.
  CHECK(auth::canonical_uri("/a%3Ab") == "/a%253Ab");
  CHECK(auth::canonical_query("Param1=value2&Param1=Value1") == "Param1=Value1&Param1=value2");
  CHECK(auth::canonical_query("\xe1\x88\xb4=bar") == "%E1%88%B4=bar");
  CHECK(auth::canonical_query("a=1&X-Amz-Signature=abc&b", "X-Amz-Signature") == "a=1&b=");
}

TEST_CASE("auth: a Step Functions call signed by a known key passes; the key's name is given") {
  auto v = states_verifier();
  Req r = api_call();
  std::string who;
  CHECK(describe(v.verify(r.method, r.target, r.headers, r.body, kSuiteTime, &who)) == "accepted");
  CHECK(who == "AKIDEXAMPLE");
  // Several profiles, several keys.
  Req other = api_call("AKIDOTHER", "other-secret");
  CHECK(describe(v.verify(other.method, other.target, other.headers, other.body, kSuiteTime, &who)) == "accepted");
  CHECK(who == "AKIDOTHER");
  // Temporary credentials with their token.
  Req temp = api_call("ASIATEMPORARY", "temporary/secret", kSuiteTime, "us-east-1", "the-session-token");
  CHECK(describe(verify(v, temp)) == "accepted");
  // Within five minutes either way.
  CHECK(describe(verify(v, r, kSuiteTime + 299000)) == "accepted");
  CHECK(describe(verify(v, r, kSuiteTime - 299000)) == "accepted");
}

TEST_CASE("auth: no signature at all is MissingAuthenticationTokenException") {
  auto v = states_verifier();
  Req r = api_call();
  drop_header(r, "Authorization");
  expect(verify(v, r), "MissingAuthenticationTokenException", "Request is missing Authentication Token");
  // Not SigV4: the same (dynalite: 'AWS4', and anything not starting 'AWS4-').
  set_header(r, "Authorization", "AWS4");
  expect(verify(v, r), "MissingAuthenticationTokenException", "Request is missing Authentication Token");
  set_header(r, "Authorization", "Basic QUtJREVYQU1QTEU6c2VjcmV0");
  expect(verify(v, r), "MissingAuthenticationTokenException", "Request is missing Authentication Token");
  // Query parameters without X-Amz-Algorithm are not a signature either.
  Req q = api_call();
  drop_header(q, "Authorization");
  q.target = "/?X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d";
  expect(verify(v, q), "MissingAuthenticationTokenException", "Request is missing Authentication Token");
}

TEST_CASE("auth: a partial Authorization header is IncompleteSignatureException, naming what is missing") {
  auto v = states_verifier();
  Req r = api_call();
  drop_header(r, "X-Amz-Date");
  set_header(r, "Authorization", "AWS4-");
  expect(verify(v, r), "IncompleteSignatureException",
         "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' "
         "parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires "
         "existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-");
  set_header(r, "Date", "a");
  for (const char* a : {"AWS4- Signature=b Credential=a", "AWS4- Signature=b,Credential=a", "AWS4- Signature=b, Credential=a"}) {
    set_header(r, "Authorization", a);
    expect(verify(v, r), "IncompleteSignatureException",
           std::string("Authorization header requires 'SignedHeaders' parameter. Authorization=") + a);
  }
  // A stray space in the credential (a key id pasted with a space).
  Req spaced = api_call();
  std::string a = header(spaced, "Authorization");
  a.insert(a.find("/"), " ");
  set_header(spaced, "Authorization", a);
  std::string part = a.substr(a.find(" /") + 1, a.find(',') - a.find(" /") - 1);
  expect(verify(v, spaced), "IncompleteSignatureException",
         "'" + part + "' not a valid key=value pair (missing equal-sign) in Authorization header: '" + a + "'.");
}

TEST_CASE("auth: the query-string form: incomplete, both forms, and a good one") {
  auto v = states_verifier();
  Req r = api_call();
  drop_header(r, "Authorization");
  r.target = "/?X-Amz-Algorithm";
  expect(verify(v, r), "IncompleteSignatureException",
         "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include "
         "'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string "
         "parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. "
         "Re-examine the query-string parameters.");
  r.target = "/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d";
  expect(verify(v, r), "IncompleteSignatureException",
         "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.");
  Req both = api_call();
  both.target = "/?X-Amz-Algorithm";
  expect(verify(v, both), "InvalidSignatureException",
         "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");

  // A presigned request, its canonical request written out by hand (the
  // query sorted, X-Amz-Signature left out, the body hashed).
  const std::string body = "{}";
  const std::string query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fstates%2Faws4_request"
      "&X-Amz-Date=20150830T123600Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host%3Bx-amz-target";
  const std::string creq = "POST\n/\n" + query +
                           "\nhost:127.0.0.1:8083\nx-amz-target:AWSStepFunctions.ListActivities\n\n"
                           "host;x-amz-target\n" + net::sigv4::sha256_hex(body);
  const std::string sts = net::sigv4::string_to_sign("20150830T123600Z", "20150830/us-east-1/states/aws4_request", creq);
  const std::string mac =
      net::sigv4::hmac_sha256(net::sigv4::signing_key(kSecret, "20150830", "us-east-1", "states"), sts);
  std::string sig;
  for (unsigned char c : mac) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", c);
    sig += b;
  }
  Req pre{"POST", "/?" + query + "&X-Amz-Signature=" + sig,
          {{"Host", "127.0.0.1:8083"}, {"X-Amz-Target", "AWSStepFunctions.ListActivities"}}, body};
  CHECK(describe(verify(v, pre)) == "accepted");
  Req changed = pre;
  set_header(changed, "X-Amz-Target", "AWSStepFunctions.DeleteActivity");
  CHECK(verify(v, changed)->type == "InvalidSignatureException");
  // X-Amz-Expires (300 s) is the window, not the 5-minute skew... which it equals here: 301 s later, expired.
  CHECK(describe(verify(v, pre, kSuiteTime + 300000)) == "accepted");
  expect(verify(v, pre, kSuiteTime + 301000), "InvalidSignatureException",
         "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T124101Z - 5 min.)");
}

TEST_CASE("auth: dates: format, expiry and the future") {
  auto v = states_verifier();
  Req r = api_call();
  set_header(r, "X-Amz-Date", "201");
  expect(verify(v, r), "IncompleteSignatureException",
         "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601");
  set_header(r, "X-Amz-Date", "20150231T123600Z");  // no 31 February
  CHECK(verify(v, r)->type == "IncompleteSignatureException");

  // Signed 10 minutes before the server's clock.
  expect(verify(v, api_call(), kSuiteTime + 600000), "InvalidSignatureException",
         "Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z (20150830T124600Z - 5 min.)");
  // ... and 10 minutes after.
  expect(verify(v, api_call(), kSuiteTime - 600000), "InvalidSignatureException",
         "Signature not yet current: 20150830T123600Z is still later than 20150830T123100Z (20150830T122600Z + 5 min.)");
}

TEST_CASE("auth: the Date header in place of X-Amz-Date") {
  auto v = states_verifier();
  const std::string body = "{}";
  const std::string creq = "POST\n/\n\ndate:Sun, 30 Aug 2015 12:36:00 GMT\nhost:127.0.0.1:8083\n\ndate;host\n" +
                           net::sigv4::sha256_hex(body);
  const std::string sts = net::sigv4::string_to_sign("20150830T123600Z", "20150830/us-east-1/states/aws4_request", creq);
  const std::string mac =
      net::sigv4::hmac_sha256(net::sigv4::signing_key(kSecret, "20150830", "us-east-1", "states"), sts);
  std::string sig;
  for (unsigned char c : mac) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", c);
    sig += b;
  }
  Req r{"POST", "/",
        {{"Host", "127.0.0.1:8083"},
         {"Date", "Sun, 30 Aug 2015 12:36:00 GMT"},
         {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/states/aws4_request, "
                           "SignedHeaders=date;host, Signature=" + sig}},
        body};
  CHECK(describe(verify(v, r)) == "accepted");
  set_header(r, "Date", "Sun, 30 Aug 2015 12:36:01 GMT");
  CHECK(verify(v, r)->type == "InvalidSignatureException");
  set_header(r, "Date", "yesterday");
  CHECK(verify(v, r)->type == "IncompleteSignatureException");
}

TEST_CASE("auth: host must be signed; only AWS4-HMAC-SHA256; a five-part credential") {
  auto v = states_verifier();
  Req r = api_call();
  std::string a = header(r, "Authorization");
  auto with = [&](const std::string& from, const std::string& to) {
    std::string b = a;
    b.replace(b.find(from), from.size(), to);
    Req c = r;
    set_header(c, "Authorization", b);
    return verify(v, c);
  };
  expect(with("SignedHeaders=content-type;host;", "SignedHeaders=content-type;"), "InvalidSignatureException",
         "'Host' must be a 'SignedHeader' in the AWS Authorization.");
  expect(with("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA25"), "IncompleteSignatureException",
         "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). ");
  expect(with("Credential=AKIDEXAMPLE/20150830/us-east-1/states/aws4_request", "Credential=a/b/c/d"),
         "IncompleteSignatureException",
         "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'");
}

TEST_CASE("auth: the credential scope must be this server's region, states, today, aws4_request") {
  auto v = states_verifier();
  Req r = api_call();
  std::string a = header(r, "Authorization");
  a.replace(a.find("AKIDEXAMPLE/20150830/us-east-1/states/aws4_request"),
            std::string("AKIDEXAMPLE/20150830/us-east-1/states/aws4_request").size(), "AKIDEXAMPLE/b/c/d/e");
  set_header(r, "Authorization", a);
  expect(verify(v, r), "InvalidSignatureException",
         "Credential should be scoped to a valid region, not 'c'. Credential should be scoped to correct service: "
         "'states'. Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. Date in "
         "Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20150830', "
         "from '20150830T123600Z'.");
  // Signed for another region (correctly, by a known key): refused.
  expect(verify(v, api_call("AKIDEXAMPLE", kSecret, kSuiteTime, "eu-west-1")), "InvalidSignatureException",
         "Credential should be scoped to a valid region, not 'eu-west-1'.");
}

TEST_CASE("auth: an unknown key is UnrecognizedClientException; a wrong secret InvalidSignatureException") {
  auto v = states_verifier();
  expect(verify(v, api_call("AKIDNOBODY", kSecret)), "UnrecognizedClientException",
         "The security token included in the request is invalid.");
  auto f = verify(v, api_call("AKIDEXAMPLE", "not the secret"));
  REQUIRE(f);
  CHECK(f->type == "InvalidSignatureException");
  CHECK(f->message.rfind(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            "Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String "
            "for this request should have been\n'POST\n/\n\ncontent-type:application/x-amz-json-1.0\n"
            "host:127.0.0.1:8083\n",
            0) == 0);
  CHECK_THAT(f->message, Catch::Contains("\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20150830T123600Z\n"
                                         "20150830/us-east-1/states/aws4_request\n"));
  // Another key's secret does not sign for this key.
  CHECK(verify(v, api_call("AKIDEXAMPLE", "other-secret"))->type == "InvalidSignatureException");
  // The right secret for the wrong key id neither.
  CHECK(verify(v, api_call("AKIDOTHER", kSecret))->type == "InvalidSignatureException");
  // A changed action, body or signed header after signing.
  Req r = api_call();
  set_header(r, "X-Amz-Target", "AWSStepFunctions.DeleteStateMachine");
  CHECK(verify(v, r)->type == "InvalidSignatureException");
  r = api_call();
  r.body = R"({"maxResults": 3})";
  CHECK(verify(v, r)->type == "InvalidSignatureException");
  // A temporary key without its token, or with another.
  expect(verify(v, api_call("ASIATEMPORARY", "temporary/secret")), "UnrecognizedClientException",
         "The security token included in the request is invalid");
  expect(verify(v, api_call("ASIATEMPORARY", "temporary/secret", kSuiteTime, "us-east-1", "the-session-tokeN")),
         "UnrecognizedClientException", "The security token included in the request is invalid");
}

TEST_CASE("auth: AWS JSON 1.0 error shapes") {
  auth::Failure f{400, "UnrecognizedClientException", "The security token included in the request is invalid."};
  CHECK(auth::error_body(f) ==
        R"({"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"The security token included in the request is invalid."})");
  CHECK(auth::error_type_header(f) ==
        "UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/");
}

TEST_CASE("auth: HTTP Basic with an access key id and its secret") {
  auto v = states_verifier();
  auto basic = [](const std::string& user_pass) { return "Basic " + intrinsics::base64_encode(user_pass); };
  std::string good = basic(std::string("AKIDEXAMPLE:") + kSecret);
  CHECK(v.basic_ok(&good));
  std::string lower_scheme = "basic " + good.substr(6);
  CHECK(v.basic_ok(&lower_scheme));
  for (const std::string& bad :
       {basic(std::string("AKIDEXAMPLE:") + kSecret + "x"), basic("AKIDEXAMPLE:"), basic("AKIDNOBODY:" + std::string(kSecret)),
        basic("AKIDOTHER:" + std::string(kSecret)), basic(std::string(kSecret)), std::string("Basic !!!"),
        std::string("Bearer x"), std::string(""), std::string("Basic ")}) {
    INFO(bad);
    CHECK_FALSE(v.basic_ok(&bad));
  }
  CHECK_FALSE(v.basic_ok(nullptr));
  std::string other = basic("AKIDOTHER:other-secret");
  CHECK(v.basic_ok(&other));
}

TEST_CASE("auth: shared-credentials files") {
  auto keys = auth::parse_credentials(
      "# comment\n"
      "[default]\n"
      "aws_access_key_id = AKIDONE\n"
      "aws_secret_access_key=secret/one\r\n"
      "region = us-east-1\n"
      "\n"
      "[profile temp]\n"
      "  ; indented comment\n"
      "aws_access_key_id = ASIATWO\n"
      "aws_secret_access_key = secret two\n"
      "aws_session_token = tok==\n"
      "s3 =\n"
      "  max_concurrent_requests = 20\n"
      "[only-region]\n"
      "region = eu-west-1\n",
      "creds");
  REQUIRE(keys.ok());
  REQUIRE(keys->size() == 2);
  CHECK((*keys)[0].profile == "default");
  CHECK((*keys)[0].access_key_id == "AKIDONE");
  CHECK((*keys)[0].secret_access_key == "secret/one");
  CHECK((*keys)[0].session_token.empty());
  CHECK((*keys)[1].profile == "temp");
  CHECK((*keys)[1].secret_access_key == "secret two");
  CHECK((*keys)[1].session_token == "tok==");

  auto no_secret = auth::parse_credentials("[a]\naws_access_key_id = X\n", "f");
  REQUIRE_FALSE(no_secret.ok());
  CHECK_THAT(no_secret.status().message(), Catch::Contains("[a] has aws_access_key_id but no aws_secret_access_key"));
  auto none = auth::parse_credentials("[a]\nregion = x\n", "f");
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(none.status().message(), Catch::Contains("no credentials"));
  CHECK_FALSE(auth::parse_credentials("", "f").ok());
  CHECK_FALSE(auth::parse_credentials("aws_access_key_id = X\n", "f").ok());
  CHECK_FALSE(auth::parse_credentials("[a\n", "f").ok());
  CHECK_FALSE(auth::parse_credentials("[a]\nnot a pair\n", "f").ok());
  auto clash = auth::parse_credentials(
      "[a]\naws_access_key_id = X\naws_secret_access_key = 1\n[b]\naws_access_key_id = X\naws_secret_access_key = 2\n",
      "f");
  REQUIRE_FALSE(clash.ok());
  CHECK_THAT(clash.status().message(), Catch::Contains("different secrets"));

  auto missing = auth::load_credentials("/nonexistent/stepd-credentials");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kIo);
  char path[] = "/tmp/stepd-auth-test-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path) << "[default]\naws_access_key_id=K\naws_secret_access_key=S\n";
  auto loaded = auth::load_credentials(path);
  std::remove(path);
  REQUIRE(loaded.ok());
  CHECK((*loaded)[0].access_key_id == "K");
}

// ------------------------------------------------------------ page tokens

TEST_CASE("page tokens: round trip, for short and long positions") {
  set_page_token_key("test key one");
  for (const std::string& pos :
       {std::string("1440938160000.42"), std::string("7"), std::string(),
        std::string("arn:aws:states:us-east-1:123456789012:stateMachine:") + std::string(80, 'n'),
        std::string("arn:aws:states:us-east-1:123456789012:activity:") + std::string(320, '\xe4')}) {
    std::string t = make_token("sm", pos), back;
    INFO(pos << " -> " << t);
    CHECK(t.size() <= 1024);
    REQUIRE(read_token(t, "sm", &back));
    CHECK(back == pos);
  }
}

TEST_CASE("page tokens: one flipped bit anywhere, a cut, another kind, another key: refused") {
  set_page_token_key("test key one");
  const std::string pos = "1440938160000.42";
  const std::string t = make_token("x|RUNNING|", pos);
  auto raw = intrinsics::base64_decode(t);
  REQUIRE(raw);
  std::string out;
  int refused = 0, total = 0;
  for (std::size_t i = 0; i < raw->size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string b = *raw;
      b[i] = static_cast<char>(b[i] ^ (1 << bit));
      ++total;
      refused += !read_token(intrinsics::base64_encode(b), "x|RUNNING|", &out);
    }
  }
  CHECK(refused == total);
  // Every character of the text changed (including the padding bits).
  for (std::size_t i = 0; i < t.size(); ++i) {
    for (char c : std::string("AB+/=a0")) {
      if (c == t[i]) continue;
      std::string s = t;
      s[i] = c;
      CHECK_FALSE(read_token(s, "x|RUNNING|", &out));
    }
  }
  for (std::size_t n = 0; n < t.size(); ++n) CHECK_FALSE(read_token(t.substr(0, n), "x|RUNNING|", &out));
  CHECK_FALSE(read_token(t + "AAAA", "x|RUNNING|", &out));
  CHECK_FALSE(read_token(t, "x|SUCCEEDED|", &out));
  CHECK_FALSE(read_token(t, "x|RUNNING", &out));
  CHECK_FALSE(read_token(t, "sm", &out));
  set_page_token_key("test key two");
  CHECK_FALSE(read_token(t, "x|RUNNING|", &out));
  set_page_token_key("test key one");
  CHECK(read_token(t, "x|RUNNING|", &out));
  CHECK(out == pos);
  // The old format (base 64 of "<kind>:<position>") is no token.
  CHECK_FALSE(read_token(intrinsics::base64_encode("x|RUNNING|:" + pos), "x|RUNNING|", &out));
}

TEST_CASE("page tokens: reveal nothing of the position, and never repeat") {
  set_page_token_key("test key one");
  const std::string arn = "arn:aws:states:us-east-1:123456789012:stateMachine:secret-name";
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    std::string t = make_token("sm", arn);
    CHECK(seen.insert(t).second);
    auto raw = intrinsics::base64_decode(t);
    REQUIRE(raw);
    CHECK(raw->find("secret-name") == std::string::npos);
    CHECK(raw->find("arn:") == std::string::npos);
    CHECK(t.find("secret") == std::string::npos);
  }
  // Positions of different lengths up to 30 bytes give tokens of one size.
  CHECK(make_token("h1", "1").size() == make_token("h1", std::string(30, '9')).size());
}
