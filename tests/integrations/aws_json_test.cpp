// Tests for src/integrations/aws_json.h: AWS JSON 1.0/1.1 requests and
// the outputs and error names of aws-sdk integrations.

#include "src/integrations/aws_json.h"

#include <catch2/catch.hpp>

#include "src/common/json.h"
#include "tests/integrations/test_util.h"

using namespace stepd;
using namespace stepd::integrations;
using namespace stepd::integrations::testing;

TEST_CASE("an aws-sdk DynamoDB call posts the parameters with its target and JSON version") {
  Config cfg;
  cfg.endpoints["dynamodb"] = "http://127.0.0.1:8000";
  auto c = aws_sdk_call("dynamodb", "putItem", js(R"({"TableName":"t","Item":{"id":{"S":"1"}}})"), cfg);
  REQUIRE(c.ok());
  CHECK(c->method == "POST");
  CHECK(c->url == "http://127.0.0.1:8000/");
  CHECK(*net::find_header(c->headers, "x-amz-target") == "DynamoDB_20120810.PutItem");
  CHECK(*net::find_header(c->headers, "content-type") == "application/x-amz-json-1.0");
  CHECK(c->body == R"({"TableName":"t","Item":{"id":{"S":"1"}}})");
}

TEST_CASE("services are found by their SDK names and the usual aliases") {
  for (const char* s : {"dynamodb", "sqs", "eventbridge", "events", "sfn", "kinesis", "cloudwatchlogs", "logs",
                        "secretsmanager", "ssm"}) {
    INFO(s);
    CHECK(find_aws_json_service(s) != nullptr);
  }
  CHECK(std::string(find_aws_json_service("events")->target_prefix) == "AWSEvents");
  CHECK(std::string(find_aws_json_service("logs")->json_version) == "1.1");
  Config cfg;
  cfg.region = "eu-west-1";
  auto c = aws_sdk_call("eventbridge", "putEvents", js(R"({"Entries":[]})"), cfg);
  REQUIRE(c.ok());
  CHECK(c->url == "https://events.eu-west-1.amazonaws.com/");
  CHECK(*net::find_header(c->headers, "x-amz-target") == "AWSEvents.PutEvents");
}

TEST_CASE("sfn's camelCase wire names are converted both ways, Input serialised") {
  auto c = aws_sdk_call("sfn", "startExecution",
                        js(R"({"StateMachineArn":"arn:sm","Name":"n","Input":{"Key":"v"}})"), Config{});
  REQUIRE(c.ok());
  CHECK(c->body == R"({"stateMachineArn":"arn:sm","name":"n","input":"{\"Key\":\"v\"}"})");
  const AwsJsonService& sfn = *find_aws_json_service("sfn");
  auto o = aws_sdk_outcome(sfn, response(200, {}, R"({"executionArn":"arn:x","startDate":1700000000})"));
  REQUIRE(o.ok);
  CHECK(json::to_json(o.output) == R"({"ExecutionArn":"arn:x","StartDate":1700000000})");
}

TEST_CASE("a service stepd cannot speak to fails with States.Runtime naming what it can") {
  auto c = aws_sdk_call("s3", "getObject", js(R"({"Bucket":"b","Key":"k"})"), Config{});
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().error() == "States.Runtime");
  CHECK_THAT(c.status().message(), Catch::Contains("aws-sdk:s3:getObject") && Catch::Contains("dynamodb"));
}

TEST_CASE("service errors are named <Service>.<Code>Exception with the SDK v2 cause") {
  const AwsJsonService& sfn = *find_aws_json_service("sfn");
  auto token = aws_sdk_outcome(sfn, response(400, {{"x-amzn-RequestId", "rid"}},
                                             R"({"__type":"com.amazonaws.swf.service.v2.model#InvalidToken",)"
                                             R"("message":"Invalid Token: 'Invalid token'"})"));
  CHECK(token.error == "Sfn.InvalidTokenException");
  CHECK(token.cause ==
        "Invalid Token: 'Invalid token' (Service: Sfn, Status Code: 400, Request ID: rid) (SDK Attempt Count: 1)");
  const AwsJsonService& ddb = *find_aws_json_service("dynamodb");
  auto table = aws_sdk_outcome(ddb, response(400, {}, R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",)"
                                                  R"("message":"Requested resource not found"})"));
  CHECK(table.error == "DynamoDb.ResourceNotFoundException");
  auto validation = aws_sdk_outcome(ddb, response(400, {}, R"({"__type":"com.amazon.coral.validate#ValidationException",)"
                                                       R"("message":"1 validation error detected"})"));
  CHECK(validation.error == "DynamoDb.DynamoDbException");
  CHECK(aws_sdk_outcome(ddb, response(500, {}, "")).error == "DynamoDb.DynamoDbException");
}

TEST_CASE("no answer from the service fails with <Service>.SdkClientException") {
  net::HttpResult r;
  r.outcome = net::HttpOutcome::kTimeout;
  r.error = "no complete response within 60000 ms";
  auto o = aws_sdk_outcome(*find_aws_json_service("sqs"), r);
  CHECK(o.error == "Sqs.SdkClientException");
  CHECK_THAT(o.cause, Catch::StartsWith("Unable to execute HTTP request: "));
}
