#pragma once
// The HTTP Task (arn:aws:states:::http:invoke): its parameters as an HTTP
// request, and the answer as the Task's output or error, the way AWS's
// "Call HTTPS APIs in Step Functions workflows" describes them. Pure
// functions, safe from any thread.
//
// Parameters: ApiEndpoint and Method (required); Headers, QueryParameters
// (values: strings, numbers, booleans, or arrays of them, sent as one
// key=value per element); RequestBody (a string is sent as is, anything
// else as JSON); Transform.RequestBodyEncoding NONE | URL_ENCODED with
// Transform.RequestEncodingOptions.ArrayFormat INDICES (default) | REPEAT |
// COMMAS | BRACKETS. Authentication/InvocationConfig.ConnectionArn: see
// Config::http_connections.
//
// Output: {"Headers":{name:[values]},"ResponseBody":...,"StatusCode":N,
// "StatusText":"..."}, ResponseBody parsed when the response says JSON.

#include <boost/json/value.hpp>

#include "src/common/status.h"
#include "src/integrations/config.h"
#include "src/integrations/outcome.h"
#include "src/net/http_client.h"

namespace stepd::integrations {

// Errors: Failed with States.Runtime naming the bad parameter (not an
// object, no ApiEndpoint or Method, an unsupported method, encoding or
// array format, a header AWS does not let an HTTP Task set).
Result<net::HttpCall> http_task_call(const boost::json::value& params, const Config& config);

// A 2xx response: its output. Otherwise States.Http.StatusCode.NNN (the
// cause is the output above as JSON text, so a Catch can take it apart with
// States.StringToJson), or States.Http.Socket for a connection that failed
// or a request that outlived Config::http_timeout.
TaskOutcome http_task_outcome(const net::HttpResult& result);

// The application/x-www-form-urlencoded text of a JSON object, arrays laid
// out per `array_format` (INDICES, REPEAT, COMMAS or BRACKETS), nested
// objects as parent[child]. REQUIRES: a known array_format.
std::string form_encode(const boost::json::object& body, const std::string& array_format);

}  // namespace stepd::integrations
