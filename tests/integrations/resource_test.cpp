// Tests for src/integrations/resource.h.

#include "src/integrations/resource.h"

#include <catch2/catch.hpp>

using namespace stepd::integrations;

TEST_CASE("parse_resource classifies the networked integrations") {
  CHECK(parse_resource("arn:aws:states:::http:invoke").kind == ResourceKind::kHttpInvoke);
  CHECK(parse_resource("arn:aws:states:::lambda:invoke").kind == ResourceKind::kLambdaInvoke);
  CHECK(parse_resource("arn:aws:lambda:us-east-1:123456789012:function:f").kind == ResourceKind::kLambdaFunction);
  CHECK(parse_resource("arn:aws:lambda:us-east-1:123456789012:function:f:prod").kind ==
        ResourceKind::kLambdaFunction);
  auto sdk = parse_resource("arn:aws:states:::aws-sdk:dynamodb:putItem");
  CHECK(sdk.kind == ResourceKind::kAwsSdk);
  CHECK(sdk.service == "dynamodb");
  CHECK(sdk.action == "putItem");
  CHECK_FALSE(sdk.wait_for_task_token);
}

TEST_CASE("parse_resource notes .waitForTaskToken and leaves .sync and others alone") {
  auto l = parse_resource("arn:aws:states:::lambda:invoke.waitForTaskToken");
  CHECK(l.kind == ResourceKind::kLambdaInvoke);
  CHECK(l.wait_for_task_token);
  auto s = parse_resource("arn:aws:states:::aws-sdk:sqs:sendMessage.waitForTaskToken");
  CHECK(s.kind == ResourceKind::kAwsSdk);
  CHECK(s.action == "sendMessage");
  CHECK(s.wait_for_task_token);
  for (const char* other : {"arn:aws:states:::states:startExecution.sync:2", "arn:aws:states:::sqs:sendMessage",
                            "arn:aws:states:us-east-1:123456789012:activity:a", "arn:aws:states:::aws-sdk:s3",
                            "arn:aws:states:::aws-sdk:ecs:runTask.sync", "arn:aws:states:::http:invoke.sync",
                            "not an arn"}) {
    INFO(other);
    CHECK(parse_resource(other).kind == ResourceKind::kOther);
  }
}
