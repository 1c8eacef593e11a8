#pragma once
// Where stepd's service integrations send their calls, and as whom.
// Plain data: copy it freely; read-only once handed to Integrations.

#include <chrono>
#include <map>
#include <string>

#include "src/net/http_client.h"
#include "src/net/sigv4.h"

namespace stepd::integrations {

struct Config {
  std::string region = "us-east-1";  // for signing and default AWS endpoints
  // Lambda's Invoke REST API, e.g. "http://127.0.0.1:9001" (a local runtime,
  // LocalStack); empty: https://lambda.<region>.amazonaws.com.
  std::string lambda_endpoint;
  // aws-sdk service name ("dynamodb", "sqs", "sfn", ...) -> base URL;
  // a service not listed goes to https://<prefix>.<region>.amazonaws.com.
  std::map<std::string, std::string> endpoints;
  // Empty: Lambda and AWS JSON calls go unsigned (local endpoints).
  net::sigv4::Credentials credentials;
  // stepd has no EventBridge connections. An HTTP Task's ConnectionArn
  // (Authentication or InvocationConfig) is looked up here, and the headers
  // found are added to its request (e.g. "Authorization: Bearer ..."); an
  // ARN not listed adds nothing.
  std::map<std::string, net::Headers> http_connections;
  // How long one call may take on the wire. AWS stops an HTTP Task after 60 s
  // (States.Http.Socket); a Lambda function runs for up to 15 minutes. A
  // Task's own TimeoutSeconds is the engine's business (States.Timeout).
  std::chrono::seconds http_timeout{60};
  std::chrono::seconds lambda_timeout{905};
  std::chrono::seconds sdk_timeout{60};
};

}  // namespace stepd::integrations
