#pragma once
// A Task state's Resource ARN, classified for the integrations stepd calls
// over the network. Pure, safe from any thread.
//
//   arn:aws:states:::http:invoke                       kHttpInvoke
//   arn:aws:states:::lambda:invoke[.waitForTaskToken]  kLambdaInvoke
//   arn:aws:lambda:REGION:ACCOUNT:function:NAME[:Q]    kLambdaFunction (legacy)
//   arn:aws:states:::aws-sdk:SERVICE:ACTION[.waitForTaskToken]   kAwsSdk
//   anything else (activities, .sync, other services)  kOther

#include <string>

namespace stepd::integrations {

enum class ResourceKind : unsigned char { kOther, kHttpInvoke, kLambdaInvoke, kLambdaFunction, kAwsSdk };

struct Resource {
  ResourceKind kind = ResourceKind::kOther;
  bool wait_for_task_token = false;  // ".waitForTaskToken": answered by a callback
  std::string service;  // kAwsSdk: "dynamodb"; else empty
  std::string action;   // kAwsSdk: "putItem" (as written); else empty
  std::string arn;      // the resource as given
};

Resource parse_resource(const std::string& resource);

}  // namespace stepd::integrations
