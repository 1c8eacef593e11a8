// Tests for src/integrations/http_task.h: parameters to request, result to
// outcome. (Through a real server: end_to_end_test.cpp.)

#include "src/integrations/http_task.h"

#include <catch2/catch.hpp>

#include "src/common/json.h"
#include "tests/integrations/test_util.h"

using namespace stepd;
using namespace stepd::integrations;
using namespace stepd::integrations::testing;

TEST_CASE("an HTTP Task's method, endpoint, query, headers and JSON body make the request") {
  Config cfg;
  auto c = http_task_call(js(R"({"ApiEndpoint":"https://api.example.com/v1/items?fixed=1","Method":"post",
      "Headers":{"X-Trace":"abc","X-Many":["a","b"],"X-Num":5},
      "QueryParameters":{"q":"a b","n":3,"tag":["x","y"]},
      "RequestBody":{"name":"x","n":[1,2]}})"),
                          cfg);
  REQUIRE(c.ok());
  CHECK(c->method == "POST");
  CHECK(c->url == "https://api.example.com/v1/items?fixed=1&q=a%20b&n=3&tag=x&tag=y");
  CHECK(*net::find_header(c->headers, "x-trace") == "abc");
  CHECK(*net::find_header(c->headers, "x-num") == "5");
  CHECK(*net::find_header(c->headers, "content-type") == "application/json; charset=UTF-8");
  CHECK(*net::find_header(c->headers, "user-agent") == "Amazon|StepFunctions|HttpInvoke|us-east-1");
  CHECK(c->body == R"({"name":"x","n":[1,2]})");
  CHECK(c->timeout == std::chrono::seconds(60));
}

TEST_CASE("a string RequestBody goes as is, with the caller's Content-Type") {
  auto c = http_task_call(js(R"({"ApiEndpoint":"http://h/","Method":"PUT","Headers":{"Content-Type":"text/plain"},
      "RequestBody":"raw text"})"),
                          Config{});
  REQUIRE(c.ok());
  CHECK(c->body == "raw text");
  CHECK(*net::find_header(c->headers, "content-type") == "text/plain");
}

TEST_CASE("URL_ENCODED bodies lay arrays out per ArrayFormat") {
  auto body = js(R"({"a":["x","y"],"b":"c d","o":{"k":1}})").as_object();
  CHECK(form_encode(body, "INDICES") == "a%5B0%5D=x&a%5B1%5D=y&b=c%20d&o%5Bk%5D=1");
  CHECK(form_encode(body, "REPEAT") == "a=x&a=y&b=c%20d&o%5Bk%5D=1");
  CHECK(form_encode(body, "BRACKETS") == "a%5B%5D=x&a%5B%5D=y&b=c%20d&o%5Bk%5D=1");
  CHECK(form_encode(body, "COMMAS") == "a=x%2Cy&b=c%20d&o%5Bk%5D=1");

  auto c = http_task_call(js(R"({"ApiEndpoint":"http://h/","Method":"POST","RequestBody":{"a":["x","y"]},
      "Transform":{"RequestBodyEncoding":"URL_ENCODED","RequestEncodingOptions":{"ArrayFormat":"REPEAT"}}})"),
                          Config{});
  REQUIRE(c.ok());
  CHECK(c->body == "a=x&a=y");
  CHECK(*net::find_header(c->headers, "content-type") == "application/x-www-form-urlencoded");
}

TEST_CASE("a configured connection adds its headers; an unknown one adds none") {
  Config cfg;
  cfg.http_connections["arn:aws:events:us-east-1:1:connection/c/1"] = {{"Authorization", "Bearer t"}};
  auto known = http_task_call(js(R"({"ApiEndpoint":"http://h/","Method":"GET",
      "Authentication":{"ConnectionArn":"arn:aws:events:us-east-1:1:connection/c/1"}})"),
                              cfg);
  REQUIRE(known.ok());
  CHECK(*net::find_header(known->headers, "authorization") == "Bearer t");
  auto unknown = http_task_call(js(R"({"ApiEndpoint":"http://h/","Method":"GET",
      "InvocationConfig":{"ConnectionArn":"arn:aws:events:us-east-1:1:connection/other/2"}})"),
                                cfg);
  REQUIRE(unknown.ok());
  CHECK(net::find_header(unknown->headers, "authorization") == nullptr);
}

TEST_CASE("parameters that cannot make a request fail with States.Runtime") {
  for (const char* bad : {R"([])", R"({"Method":"GET"})", R"({"ApiEndpoint":"http://h/"})",
                          R"({"ApiEndpoint":"http://h/","Method":"TRACE"})",
                          R"({"ApiEndpoint":"ftp://h/","Method":"GET"})",
                          R"({"ApiEndpoint":"http://h/","Method":"GET","Headers":{"Host":"x"}})",
                          R"({"ApiEndpoint":"http://h/","Method":"GET","Headers":{"X-Amz-Date":"x"}})",
                          R"({"ApiEndpoint":"http://h/","Method":"GET","Transform":{"RequestBodyEncoding":"GZIP"}})",
                          R"({"ApiEndpoint":"http://h/","Method":"POST","RequestBody":"s",
                              "Transform":{"RequestBodyEncoding":"URL_ENCODED"}})"}) {
    INFO(bad);
    auto c = http_task_call(js(bad), Config{});
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().error() == "States.Runtime");
  }
}

TEST_CASE("a 2xx response is the output, its JSON body parsed") {
  auto o = http_task_outcome(response(200, "OK", {{"Content-Type", "application/json"}, {"Set-Cookie", "a"},
                                                  {"Set-Cookie", "b"}},
                                      R"({"id":7})"));
  REQUIRE(o.ok);
  CHECK(json::to_json(o.output) ==
        R"({"Headers":{"Content-Type":["application/json"],"Set-Cookie":["a","b"]},"ResponseBody":{"id":7},)"
        R"("StatusCode":200,"StatusText":"OK"})");
  auto text = http_task_outcome(response(204, "No Content", {{"Content-Type", "text/plain"}}, "{}"));
  REQUIRE(text.ok);
  CHECK(text.output.at("ResponseBody").as_string() == "{}");
}

TEST_CASE("a non-2xx response fails with States.Http.StatusCode.NNN, the response as cause") {
  auto o = http_task_outcome(response(404, "Not Found", {{"Content-Type", "application/json"}}, R"({"e":1})"));
  REQUIRE_FALSE(o.ok);
  CHECK(o.error == "States.Http.StatusCode.404");
  CHECK(o.cause ==
        R"({"Headers":{"Content-Type":["application/json"]},"ResponseBody":{"e":1},"StatusCode":404,"StatusText":"Not Found"})");
  CHECK(http_task_outcome(response(503, "Service Unavailable", {}, "")).error == "States.Http.StatusCode.503");
  CHECK(http_task_outcome(response(302, "Found", {}, "")).error == "States.Http.StatusCode.302");
}

TEST_CASE("no response fails with States.Http.Socket") {
  net::HttpResult refused;
  refused.outcome = net::HttpOutcome::kSocketError;
  refused.error = "connect: Connection refused";
  auto a = http_task_outcome(refused);
  CHECK(a.error == "States.Http.Socket");
  CHECK_THAT(a.cause, Catch::Contains("Connection refused"));
  net::HttpResult late;
  late.outcome = net::HttpOutcome::kTimeout;
  late.error = "no complete response within 60000 ms";
  auto b = http_task_outcome(late);
  CHECK(b.error == "States.Http.Socket");
  CHECK_THAT(b.cause, Catch::Contains("timed out"));
}
