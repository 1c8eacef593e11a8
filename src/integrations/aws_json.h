#pragma once
// arn:aws:states:::aws-sdk:SERVICE:ACTION for services that speak the AWS
// JSON 1.0/1.1 protocol: POST / with X-Amz-Target: <prefix>.<Action> and
// the parameters as the JSON body. Pure functions, safe from any thread.
//
// Parameters and output use the AWS SDK's PascalCase member names, as Step
// Functions shows them; for services whose wire names are camelCase (sfn,
// cloudwatchlogs) keys are converted both ways. sfn's Input and Output, when
// not strings, are sent as JSON text (AWS's implicit serialisation).
//
// Errors, as AWS names them for SDK integrations (LocalStack's recordings
// of AWS): <Service>.<Code>Exception, e.g. Sfn.InvalidTokenException,
// DynamoDb.ResourceNotFoundException, with the SDK v2 cause "<message>
// (Service: Sfn, Status Code: 400, Request ID: ...) (SDK Attempt Count: 1)";
// an error the SDK has no class for: <Service>.<Service>Exception
// (DynamoDb.DynamoDbException for a ValidationException); no answer:
// <Service>.SdkClientException.

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "src/common/status.h"
#include "src/integrations/config.h"
#include "src/integrations/outcome.h"
#include "src/net/http_client.h"

namespace stepd::integrations {

struct AwsJsonService {
  const char* name;            // as in the ARN: "dynamodb"
  const char* sdk_name;        // error prefix and "Service:": "DynamoDb"
  const char* target_prefix;   // "DynamoDB_20120810"
  const char* json_version;    // "1.0" or "1.1"
  const char* signing_name;    // SigV4 service: "dynamodb"
  const char* endpoint_prefix; // https://<prefix>.<region>.amazonaws.com
  bool camel_case;             // wire member names are camelCase
};

// The service an aws-sdk ARN names ("events" and "logs" are accepted for
// eventbridge and cloudwatchlogs), or nullptr when stepd cannot call it.
const AwsJsonService* find_aws_json_service(std::string_view name);
// "dynamodb, sqs, ...": for messages.
std::string supported_aws_json_services();

// Errors: Failed with States.Runtime for a service that is not supported
// (naming what is) or parameters that are not an object.
Result<net::HttpCall> aws_sdk_call(const std::string& service, const std::string& action,
                                   const boost::json::value& params, const Config& config);

TaskOutcome aws_sdk_outcome(const AwsJsonService& service, const net::HttpResult& result);

}  // namespace stepd::integrations
