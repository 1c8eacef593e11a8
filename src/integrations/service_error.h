#pragma once
// An AWS service's error response (REST-JSON or AWS JSON 1.0/1.1) taken
// apart, and the causes the AWS SDKs write for it, which Step Functions
// shows as a failed task's cause. Pure, safe from any thread.

#include <string>

#include "src/net/http_client.h"

namespace stepd::integrations {

struct ServiceError {
  std::string code;        // "ResourceNotFoundException", without namespace or URL
  std::string message;     // the service's message, "" when none
  std::string request_id;  // x-amzn-RequestId, "" when none
};

// Code from the x-amzn-ErrorType header, else the body's __type or code;
// message from the body's message or Message.
ServiceError parse_service_error(const net::HttpResult& r);

// AWS SDK for Java v1 (optimized integrations: lambda:invoke, dynamodb:...):
// "<message> (Service: AWSLambda; Status Code: 404; Error Code: <code>;
// Request ID: <id>; Proxy: null)".
std::string sdk_v1_cause(const ServiceError& e, const std::string& service, int status);
// AWS SDK for Java v2 (aws-sdk:* integrations): "<message> (Service: Sfn,
// Status Code: 400, Request ID: <id>) (SDK Attempt Count: 1)".
std::string sdk_v2_cause(const ServiceError& e, const std::string& service, int status);

}  // namespace stepd::integrations
