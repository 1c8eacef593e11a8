// Tests for src/integrations/lambda.h: Invoke requests and AWS's outputs
// and error names. (Through a real server: end_to_end_test.cpp.)

#include "src/integrations/lambda.h"

#include <catch2/catch.hpp>

#include "src/common/json.h"
#include "tests/integrations/test_util.h"

using namespace stepd;
using namespace stepd::integrations;
using namespace stepd::integrations::testing;

TEST_CASE("lambda:invoke posts the payload to the function's invocations path") {
  Config cfg;
  cfg.lambda_endpoint = "http://127.0.0.1:9001/";
  auto c = lambda_invoke_call(js(R"({"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:f",
      "Payload":{"x":1},"Qualifier":"prod","InvocationType":"Event","LogType":"Tail","ClientContext":"e30="})"),
                              cfg);
  REQUIRE(c.ok());
  CHECK(c->method == "POST");
  CHECK(c->url ==
        "http://127.0.0.1:9001/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/"
        "invocations?Qualifier=prod");
  CHECK(c->body == R"({"x":1})");
  CHECK(*net::find_header(c->headers, "x-amz-invocation-type") == "Event");
  CHECK(*net::find_header(c->headers, "x-amz-log-type") == "Tail");
  CHECK(*net::find_header(c->headers, "x-amz-client-context") == "e30=");
}

TEST_CASE("without an endpoint, Lambda is the region's AWS endpoint") {
  Config cfg;
  cfg.region = "eu-west-1";
  auto c = lambda_function_call("arn:aws:lambda:eu-west-1:1:function:f", js("[1]"), cfg);
  CHECK(c.url == "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A1%3Afunction%3Af/invocations");
  CHECK(c.body == "[1]");
}

TEST_CASE("lambda:invoke without a string FunctionName fails with States.Runtime") {
  auto c = lambda_invoke_call(js(R"({"Payload":{}})"), Config{});
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().error() == "States.Runtime");
}

TEST_CASE("a successful invoke outputs the response the way AWS records it") {
  auto o = lambda_invoke_outcome(response(200,
                                          {{"Content-Type", "application/json"},
                                           {"X-Amz-Executed-Version", "$LATEST"},
                                           {"x-amzn-RequestId", "req-1"}},
                                          R"({"answer":42})"));
  REQUIRE(o.ok);
  CHECK(json::to_json(o.output) ==
        R"({"ExecutedVersion":"$LATEST","Payload":{"answer":42},"SdkHttpMetadata":{"AllHttpHeaders":)"
        R"({"Content-Type":["application/json"],"X-Amz-Executed-Version":["$LATEST"],"x-amzn-RequestId":["req-1"]},)"
        R"("HttpHeaders":{"Content-Type":"application/json","X-Amz-Executed-Version":"$LATEST",)"
        R"("x-amzn-RequestId":"req-1"},"HttpStatusCode":200},"SdkResponseMetadata":{"RequestId":"req-1"},)"
        R"("StatusCode":200})");
}

TEST_CASE("the legacy function ARN form outputs the payload alone") {
  auto o = lambda_function_outcome(response(200, {}, R"("HelloWorld")"));
  REQUIRE(o.ok);
  CHECK(json::to_json(o.output) == R"("HelloWorld")");
  auto event = lambda_invoke_outcome(response(202, {}, ""));
  REQUIRE(event.ok);
  CHECK(event.output.at("Payload").as_string() == "");
  CHECK(event.output.at("StatusCode").as_int64() == 202);
}

TEST_CASE("a function error fails with the function's errorType, its payload as cause") {
  const std::string body =
      R"({"errorMessage":"Some exception was raised.","errorType":"Exception","requestId":"r","stackTrace":[]})";
  for (bool legacy : {false, true}) {
    auto r = response(200, {{"X-Amz-Function-Error", "Unhandled"}}, body);
    auto o = legacy ? lambda_function_outcome(r) : lambda_invoke_outcome(r);
    REQUIRE_FALSE(o.ok);
    CHECK(o.error == "Exception");
    CHECK(o.cause == body);
  }
  auto unknown = lambda_invoke_outcome(response(200, {{"X-Amz-Function-Error", "Handled"}}, R"({"oops":1})"));
  CHECK(unknown.error == "Lambda.Unknown");
  CHECK(unknown.cause == R"({"oops":1})");
}

TEST_CASE("Lambda's own errors become Lambda.<ErrorCode> with the AWS SDK's cause") {
  auto missing = lambda_invoke_outcome(response(
      404,
      {{"x-amzn-RequestId", "req-9"}, {"x-amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/"}},
      R"({"Message":"Function not found: arn:aws:lambda:us-east-1:1:function:nope:$LATEST","Type":"User"})"));
  CHECK(missing.error == "Lambda.ResourceNotFoundException");
  CHECK(missing.cause ==
        "Function not found: arn:aws:lambda:us-east-1:1:function:nope:$LATEST (Service: AWSLambda; Status Code: 404; "
        "Error Code: ResourceNotFoundException; Request ID: req-9; Proxy: null)");
  auto throttled = lambda_invoke_outcome(response(429, {}, R"({"__type":"TooManyRequestsException","message":"Rate"})"));
  CHECK(throttled.error == "Lambda.TooManyRequestsException");
  CHECK(lambda_invoke_outcome(response(502, {}, "")).error == "Lambda.ServiceException");
  CHECK(lambda_invoke_outcome(response(400, {}, "")).error == "Lambda.AWSLambdaException");
}

TEST_CASE("no answer from Lambda fails with Lambda.SdkClientException") {
  net::HttpResult r;
  r.outcome = net::HttpOutcome::kSocketError;
  r.error = "connect: Connection refused";
  auto o = lambda_invoke_outcome(r);
  CHECK(o.error == "Lambda.SdkClientException");
  CHECK(o.cause == "Unable to execute HTTP request: connect: Connection refused");
}
