// Tests for src/net/sigv4.h: AWS's SigV4 test-suite cases (credentials
// AKIDEXAMPLE, 20150830T123600Z, us-east-1, service "service"), and
// agreement with botocore's SigV4Auth when Debian's python3 has it.

#include "src/net/sigv4.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

using namespace stepd::net;

namespace {

const sigv4::Credentials kCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr std::int64_t kSuiteTime = 1440938160000;  // 2015-08-30T12:36:00Z

sigv4::SigningParams suite_params() {
  sigv4::SigningParams p;
  p.region = "us-east-1";
  p.service = "service";
  p.now_ms = kSuiteTime;
  return p;
}

std::string authorization(HttpCall c, const sigv4::Credentials& creds = kCreds) {
  REQUIRE(sigv4::sign(c, creds, suite_params()).ok());
  return *find_header(c.headers, "authorization");
}

const char kPrefix[] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

}  // namespace

TEST_CASE("amz_date formats UTC as AWS wants it") {
  CHECK(sigv4::amz_date(kSuiteTime) == "20150830T123600Z");
}

TEST_CASE("the AWS test suite's get-vanilla signs as published") {
  HttpCall c;
  c.url = "https://example.amazonaws.com/";
  c.headers = {{"Host", "example.amazonaws.com"}};
  CHECK(authorization(c) == std::string(kPrefix) +
                                "SignedHeaders=host;x-amz-date, "
                                "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_CASE("the AWS test suite's canonical request for get-vanilla") {
  HttpCall c;
  c.url = "https://example.amazonaws.com/";
  c.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  CHECK(sigv4::canonical_request(c, sigv4::sha256_hex("")) ==
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("the AWS test suite's get-vanilla-query-order-key-case sorts the query") {
  HttpCall c;
  c.url = "https://example.amazonaws.com/?Param2=value2&Param1=value1";
  c.headers = {{"Host", "example.amazonaws.com"}};
  CHECK(authorization(c) == std::string(kPrefix) +
                                "SignedHeaders=host;x-amz-date, "
                                "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST_CASE("the AWS test suite's post-x-www-form-urlencoded signs the body and content type") {
  HttpCall c;
  c.method = "POST";
  c.url = "https://example.amazonaws.com/";
  c.headers = {{"Host", "example.amazonaws.com"}, {"Content-Type", "application/x-www-form-urlencoded"}};
  c.body = "Param1=value1";
  CHECK(authorization(c) == std::string(kPrefix) +
                                "SignedHeaders=content-type;host;x-amz-date, "
                                "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST_CASE("sign adds Host, and signs the session token when there is one") {
  HttpCall c;
  c.url = "http://127.0.0.1:9001/x";
  c.headers = {{"User-Agent", "not signed"}};
  sigv4::Credentials creds = kCreds;
  creds.session_token = "TOKEN";
  auto p = suite_params();
  p.content_sha256_header = true;
  REQUIRE(sigv4::sign(c, creds, p).ok());
  CHECK(*find_header(c.headers, "host") == "127.0.0.1:9001");
  CHECK(*find_header(c.headers, "x-amz-security-token") == "TOKEN");
  CHECK(*find_header(c.headers, "x-amz-content-sha256") == sigv4::sha256_hex(""));
  CHECK_THAT(*find_header(c.headers, "authorization"),
             Catch::Contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"));
}

TEST_CASE("signing again replaces the previous signature headers") {
  HttpCall c;
  c.url = "https://example.amazonaws.com/";
  c.headers = {{"Host", "example.amazonaws.com"}};
  std::string first = authorization(c);
  REQUIRE(sigv4::sign(c, kCreds, suite_params()).ok());
  REQUIRE(sigv4::sign(c, kCreds, suite_params()).ok());
  int n = 0;
  for (auto& [k, v] : c.headers) n += (k == "Authorization");
  CHECK(n == 1);
  CHECK(*find_header(c.headers, "authorization") == first);
}

TEST_CASE("signatures agree with botocore's SigV4Auth") {
  if (std::system("/usr/bin/python3 -c 'import botocore' >/dev/null 2>&1") != 0) {
    WARN("Debian's python3 has no botocore: comparison skipped");
    return;
  }
  // A Lambda Invoke as stepd sends it: an ARN in the path (encoded once by
  // the caller, once more by SigV4), a qualifier, a JSON body, a session token.
  HttpCall c;
  c.method = "POST";
  c.url = "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/"
          "arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Ahello/invocations?Qualifier=v%201";
  c.headers = {{"Host", "lambda.eu-west-1.amazonaws.com"}, {"X-Amz-Invocation-Type", "RequestResponse"},
               {"Content-Type", "application/json"}};
  c.body = R"({"a": [1, 2], "b": "caf\u00e9"})";
  sigv4::Credentials creds{"AKIDEXAMPLE", "secret/key+with=chars", "session-token"};
  sigv4::SigningParams p;
  p.region = "eu-west-1";
  p.service = "lambda";
  p.now_ms = 1700000000123;
  REQUIRE(sigv4::sign(c, creds, p).ok());

  std::string script = R"(
import datetime, sys
from unittest import mock
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
req = AWSRequest(method='POST', url=sys.argv[1], data=sys.argv[2].encode(), headers={
    'Host': 'lambda.eu-west-1.amazonaws.com', 'X-Amz-Invocation-Type': 'RequestResponse',
    'Content-Type': 'application/json'})
with mock.patch('botocore.auth.datetime') as dt:
    dt.datetime.utcnow.return_value = datetime.datetime(2023, 11, 14, 22, 13, 20)
    dt.datetime.now.return_value = datetime.datetime(2023, 11, 14, 22, 13, 20)
    SigV4Auth(Credentials('AKIDEXAMPLE', 'secret/key+with=chars', 'session-token'), 'lambda', 'eu-west-1').add_auth(req)
print(req.headers['Authorization'])
)";
  std::string cmd = "/usr/bin/python3 -c \"$STEPD_PY\" '" + c.url + "' '" + c.body + "'";
  setenv("STEPD_PY", script.c_str(), 1);
  FILE* f = popen(cmd.c_str(), "r");
  REQUIRE(f);
  char buf[1024] = {0};
  REQUIRE(std::fgets(buf, sizeof buf, f) != nullptr);
  pclose(f);
  std::string expected(buf);
  while (!expected.empty() && (expected.back() == '\n' || expected.back() == '\r')) expected.pop_back();
  CHECK(*find_header(c.headers, "authorization") == expected);
}
