#pragma once
// Lambda through its Invoke REST API (POST {endpoint}/2015-03-31/functions/
// {FunctionName}/invocations), for both Task forms AWS offers. Pure
// functions, safe from any thread.
//
// arn:aws:states:::lambda:invoke takes FunctionName (required), Payload,
// InvocationType, Qualifier, ClientContext and LogType, and outputs Lambda's
// response as AWS records it (LocalStack's recordings of AWS, test_invoke):
//   {"ExecutedVersion":"$LATEST","Payload":...,"SdkHttpMetadata":{
//    "AllHttpHeaders":{name:[values]},"HttpHeaders":{name:value},
//    "HttpStatusCode":200},"SdkResponseMetadata":{"RequestId":"..."},
//    "StatusCode":200}   (plus "LogResult" with LogType Tail)
// A function ARN as the Resource (the legacy form) sends the state's input
// as the payload and outputs the function's payload alone.
//
// Errors, as AWS names them:
//   the function raised (X-Amz-Function-Error): its errorType (else
//     Lambda.Unknown); the cause is the error payload as the function sent it;
//   Lambda refused (4xx/5xx): Lambda.<ErrorCode>, e.g.
//     Lambda.ResourceNotFoundException, with the AWS SDK's wording as cause:
//     "Function not found: ... (Service: AWSLambda; Status Code: 404; Error
//     Code: ResourceNotFoundException; Request ID: ...; Proxy: null)";
//   no answer (connection, timeout): Lambda.SdkClientException.

#include <string>

#include <boost/json/value.hpp>

#include "src/common/status.h"
#include "src/integrations/config.h"
#include "src/integrations/outcome.h"
#include "src/net/http_client.h"

namespace stepd::integrations {

// Errors: Failed with States.Runtime when params is not an object or lacks
// a string FunctionName.
Result<net::HttpCall> lambda_invoke_call(const boost::json::value& params, const Config& config);
// The legacy form: `function_arn` is the Task's Resource, `input` its payload.
net::HttpCall lambda_function_call(const std::string& function_arn, const boost::json::value& input,
                                   const Config& config);

TaskOutcome lambda_invoke_outcome(const net::HttpResult& result);
TaskOutcome lambda_function_outcome(const net::HttpResult& result);

}  // namespace stepd::integrations
