// actors::Integrations (actors/integrations.h) against servers on
// 127.0.0.1 that the tests start: an HTTP API, a Lambda-compatible
// endpoint (Lambda's Invoke REST API) that checks SigV4 signatures, and an
// AWS JSON 1.0 service. Effects in, engine facts out.

#include "actors/integrations.h"

#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "src/api/http_server.h"
#include "src/common/json.h"
#include "src/net/sigv4.h"
#include "tests/net/test_servers.h"

using namespace stepd;
using namespace std::chrono_literals;

namespace {

const net::sigv4::Credentials kCreds{"AKIDLOCAL", "local/secret+key", "session-1"};

std::unique_ptr<api::HttpServer> serve(api::Handler h) {
  api::HttpServerOptions o;
  o.port = 0;
  o.stop_grace = 100ms;
  auto s = api::HttpServer::start(o, std::move(h));
  REQUIRE(s.ok());
  return std::move(s).value();
}

std::string base(const api::HttpServer& s) { return "http://127.0.0.1:" + std::to_string(s.port()); }

std::unique_ptr<actors::Integrations> start(integrations::Config cfg) {
  auto i = actors::Integrations::start(std::move(cfg));
  REQUIRE(i.ok());
  return std::move(i).value();
}

engine::Effect task(const std::string& resource, const char* params) {
  engine::Effect e;
  e.kind = engine::EffectKind::kInvokeTask;
  e.frame = 3;
  e.token = 77;
  e.resource = resource;
  auto v = json::parse(params);
  REQUIRE(v.ok());
  e.payload = std::move(v).value();
  return e;
}

engine::Fact run(actors::Integrations& i, const engine::Effect& e) {
  auto p = std::make_shared<std::promise<engine::Fact>>();
  auto f = p->get_future();
  i.invoke(e, [p](engine::Fact fact) { p->set_value(std::move(fact)); });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  auto fact = f.get();
  CHECK(fact.frame == 3);
  CHECK(fact.token == 77);
  return fact;
}

// Recomputes the request's SigV4 signature from what arrived: the headers
// it names as signed, the target, the body. Empty when it matches, else why not.
std::string signature_problem(const api::HttpRequest& req, unsigned short port) {
  const std::string* auth = req.header("authorization");
  const std::string* date = req.header("x-amz-date");
  if (!auth || !date) return "no Authorization or X-Amz-Date";
  auto signed_at = auth->find("SignedHeaders=");
  auto sig_at = auth->find(", Signature=");
  if (signed_at == std::string::npos || sig_at == std::string::npos) return "malformed Authorization " + *auth;
  std::string names = auth->substr(signed_at + 14, sig_at - signed_at - 14);
  net::HttpCall c;
  c.method = req.method;
  c.url = "http://127.0.0.1:" + std::to_string(port) + req.target;
  c.body = req.body;
  for (auto& [k, v] : req.headers) {
    std::string lower = k;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if ((";" + names + ";").find(";" + lower + ";") != std::string::npos) c.headers.emplace_back(k, v);
  }
  if (!req.header("x-amz-security-token")) return "no session token";
  const std::string scope = date->substr(0, 8) + "/us-east-1/lambda/aws4_request";
  std::string to_sign = net::sigv4::string_to_sign(
      *date, scope, net::sigv4::canonical_request(c, net::sigv4::sha256_hex(req.body)));
  std::string key = net::sigv4::signing_key(kCreds.secret_access_key, date->substr(0, 8), "us-east-1", "lambda");
  std::string mac = net::sigv4::hmac_sha256(key, to_sign);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char ch : mac) hex += std::string{kHex[ch >> 4], kHex[ch & 15]};
  std::string expected = "AWS4-HMAC-SHA256 Credential=" + kCreds.access_key_id + "/" + scope +
                         ", SignedHeaders=" + names + ", Signature=" + hex;
  return *auth == expected ? "" : "signature mismatch: got " + *auth + " want " + expected;
}

// A Lambda stand-in: functions echo, boom (raises ValueError) and
// anything else (404). Each request's signature problems are recorded.
struct FakeLambda {
  std::mutex mu;
  std::vector<std::string> problems;  // GUARDED_BY(mu)
  std::vector<std::string> targets;   // GUARDED_BY(mu)
  std::unique_ptr<api::HttpServer> server;

  FakeLambda() {
    server = serve([this](api::HttpRequest req, api::Respond respond) {
      {
        std::lock_guard<std::mutex> l(mu);
        problems.push_back(signature_problem(req, server->port()));
        targets.push_back(req.target);
      }
      api::HttpResponse r;
      r.headers.emplace_back("Content-Type", "application/json");
      r.headers.emplace_back("x-amzn-RequestId", "req-1");
      const std::string prefix = "/2015-03-31/functions/";
      std::string fn = req.target.substr(prefix.size(), req.target.find("/invocations") - prefix.size());
      if (fn == "echo" || fn.find("%3Aecho") != std::string::npos) {
        r.headers.emplace_back("X-Amz-Executed-Version", "$LATEST");
        r.body = req.body;
      } else if (fn == "boom") {
        r.headers.emplace_back("X-Amz-Function-Error", "Unhandled");
        r.body = R"({"errorMessage":"bad value","errorType":"ValueError","stackTrace":[]})";
      } else {
        r.status = 404;
        r.headers.emplace_back("x-amzn-ErrorType", "ResourceNotFoundException");
        r.body = R"({"Message":"Function not found: )" + fn + R"(","Type":"User"})";
      }
      respond(std::move(r));
    });
  }
};

}  // namespace

TEST_CASE("an HTTP Task against a local API: success, 4xx/5xx, timeout, socket error") {
  std::mutex mu;
  std::vector<api::Respond> held;
  auto server = serve([&](api::HttpRequest req, api::Respond respond) {
    api::HttpResponse r;
    r.headers.emplace_back("Content-Type", "application/json");
    if (req.target.rfind("/items?", 0) == 0) {
      r.body = R"({"got":)" + req.body + R"(,"query":")" + req.target.substr(7) + R"("})";
    } else if (req.target == "/missing") {
      r.status = 404;
      r.body = R"({"message":"no such item"})";
    } else if (req.target == "/broken") {
      r.status = 500;
      r.body = "{}";
    } else {
      std::lock_guard<std::mutex> l(mu);
      held.push_back(std::move(respond));
      return;
    }
    respond(std::move(r));
  });
  integrations::Config cfg;
  cfg.http_timeout = 1s;
  auto i = start(cfg);
  const std::string url = base(*server);

  auto ok = run(*i, task("arn:aws:states:::http:invoke",
                         (R"({"ApiEndpoint":")" + url + R"(/items","Method":"POST","QueryParameters":{"page":2},)"
                                                        R"("RequestBody":{"n":1}})")
                             .c_str()));
  REQUIRE(ok.kind == engine::FactKind::kTaskSucceeded);
  CHECK(ok.output.at("StatusCode").as_int64() == 200);
  CHECK(json::to_json(ok.output.at("ResponseBody")) == R"({"got":{"n":1},"query":"page=2"})");

  auto missing = run(*i, task("arn:aws:states:::http:invoke",
                              (R"({"ApiEndpoint":")" + url + R"(/missing","Method":"GET"})").c_str()));
  REQUIRE(missing.kind == engine::FactKind::kTaskFailed);
  CHECK(*missing.error == "States.Http.StatusCode.404");
  CHECK_THAT(*missing.cause, Catch::Contains("no such item"));

  auto broken = run(*i, task("arn:aws:states:::http:invoke",
                             (R"({"ApiEndpoint":")" + url + R"(/broken","Method":"GET"})").c_str()));
  CHECK(*broken.error == "States.Http.StatusCode.500");

  auto slow = run(*i, task("arn:aws:states:::http:invoke",
                           (R"({"ApiEndpoint":")" + url + R"(/hang","Method":"GET"})").c_str()));
  CHECK(*slow.error == "States.Http.Socket");

  auto closed = run(*i, task("arn:aws:states:::http:invoke",
                             (R"({"ApiEndpoint":"http://127.0.0.1:)" + std::to_string(testing::closed_port()) +
                              R"(/","Method":"GET"})")
                                 .c_str()));
  CHECK(*closed.error == "States.Http.Socket");

  auto bad = run(*i, task("arn:aws:states:::http:invoke", R"({"Method":"GET"})"));
  CHECK(*bad.error == "States.Runtime");
}

TEST_CASE("Lambda through its Invoke API, signed with SigV4") {
  FakeLambda lambda;
  integrations::Config cfg;
  cfg.lambda_endpoint = base(*lambda.server);
  cfg.credentials = kCreds;
  auto i = start(cfg);

  auto ok = run(*i, task("arn:aws:states:::lambda:invoke", R"({"FunctionName":"echo","Payload":{"x":[1,2]}})"));
  REQUIRE(ok.kind == engine::FactKind::kTaskSucceeded);
  CHECK(json::to_json(ok.output.at("Payload")) == R"({"x":[1,2]})");
  CHECK(ok.output.at("ExecutedVersion").as_string() == "$LATEST");
  CHECK(ok.output.at("StatusCode").as_int64() == 200);
  CHECK(ok.output.at("SdkResponseMetadata").at("RequestId").as_string() == "req-1");

  auto legacy = run(*i, task("arn:aws:lambda:us-east-1:123456789012:function:echo", R"({"in":true})"));
  REQUIRE(legacy.kind == engine::FactKind::kTaskSucceeded);
  CHECK(json::to_json(legacy.output) == R"({"in":true})");

  auto boom = run(*i, task("arn:aws:states:::lambda:invoke", R"({"FunctionName":"boom","Payload":{}})"));
  REQUIRE(boom.kind == engine::FactKind::kTaskFailed);
  CHECK(*boom.error == "ValueError");
  CHECK_THAT(*boom.cause, Catch::Contains("bad value"));

  auto missing = run(*i, task("arn:aws:states:::lambda:invoke", R"({"FunctionName":"nope"})"));
  CHECK(*missing.error == "Lambda.ResourceNotFoundException");
  CHECK_THAT(*missing.cause, Catch::EndsWith("(Service: AWSLambda; Status Code: 404; Error Code: "
                                             "ResourceNotFoundException; Request ID: req-1; Proxy: null)"));

  std::lock_guard<std::mutex> l(lambda.mu);
  REQUIRE(lambda.problems.size() == 4);
  for (auto& p : lambda.problems) CHECK(p == "");
  CHECK(lambda.targets[1] ==
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aecho/invocations");
}

TEST_CASE("without credentials nothing is signed") {
  FakeLambda lambda;
  integrations::Config cfg;
  cfg.lambda_endpoint = base(*lambda.server);
  auto i = start(cfg);
  auto ok = run(*i, task("arn:aws:states:::lambda:invoke", R"({"FunctionName":"echo","Payload":1})"));
  CHECK(ok.kind == engine::FactKind::kTaskSucceeded);
  std::lock_guard<std::mutex> l(lambda.mu);
  CHECK(lambda.problems.at(0) == "no Authorization or X-Amz-Date");
}

TEST_CASE("a .waitForTaskToken call answers with TaskSubmitted; the result comes by callback") {
  FakeLambda lambda;
  integrations::Config cfg;
  cfg.lambda_endpoint = base(*lambda.server);
  auto i = start(cfg);
  auto f = run(*i, task("arn:aws:states:::lambda:invoke.waitForTaskToken",
                        R"({"FunctionName":"echo","Payload":{"token":"t"}})"));
  REQUIRE(f.kind == engine::FactKind::kTaskSubmitted);
  CHECK(json::to_json(f.output.at("Payload")) == R"({"token":"t"})");
}

TEST_CASE("an aws-sdk call to an AWS JSON 1.0 service, and one stepd cannot make") {
  std::mutex mu;
  std::vector<std::string> seen;
  auto server = serve([&](api::HttpRequest req, api::Respond respond) {
    {
      std::lock_guard<std::mutex> l(mu);
      seen.push_back(*req.header("x-amz-target") + " " + *req.header("content-type") + " " + req.body);
    }
    api::HttpResponse r;
    r.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
    if (req.body.find("\"nope\"") != std::string::npos) {
      r.status = 400;
      r.body = R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"})";
    } else {
      r.body = R"({"Item":{"id":{"S":"1"}}})";
    }
    respond(std::move(r));
  });
  integrations::Config cfg;
  cfg.endpoints["dynamodb"] = base(*server);
  auto i = start(cfg);

  auto ok = run(*i, task("arn:aws:states:::aws-sdk:dynamodb:getItem", R"({"TableName":"t","Key":{"id":{"S":"1"}}})"));
  REQUIRE(ok.kind == engine::FactKind::kTaskSucceeded);
  CHECK(json::to_json(ok.output) == R"({"Item":{"id":{"S":"1"}}})");
  auto missing = run(*i, task("arn:aws:states:::aws-sdk:dynamodb:getItem", R"({"TableName":"nope"})"));
  CHECK(*missing.error == "DynamoDb.ResourceNotFoundException");
  {
    std::lock_guard<std::mutex> l(mu);
    CHECK(seen.at(0) == R"(DynamoDB_20120810.GetItem application/x-amz-json-1.0 {"TableName":"t","Key":{"id":{"S":"1"}}})");
  }
  auto s3 = run(*i, task("arn:aws:states:::aws-sdk:s3:getObject", R"({"Bucket":"b"})"));
  CHECK(*s3.error == "States.Runtime");
  CHECK(i->handles("arn:aws:states:::aws-sdk:s3:getObject"));
  CHECK_FALSE(i->handles("arn:aws:states:us-east-1:123456789012:activity:a"));
}

TEST_CASE("many concurrent tasks share a few pooled connections") {
  testing::CountingServer server;
  auto i = start(integrations::Config{});
  const int n = 500;
  std::mutex mu;
  std::condition_variable cv;
  int succeeded = 0, answered = 0;
  const std::string params = R"({"ApiEndpoint":"http://127.0.0.1:)" + std::to_string(server.port()) +
                             R"(/","Method":"GET"})";
  for (int k = 0; k < n; ++k) {
    i->invoke(task("arn:aws:states:::http:invoke", params.c_str()), [&](engine::Fact f) {
      std::lock_guard<std::mutex> l(mu);
      ++answered;
      succeeded += f.kind == engine::FactKind::kTaskSucceeded;
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> l(mu);
  REQUIRE(cv.wait_for(l, 20s, [&] { return answered == n; }));
  CHECK(succeeded == n);
  CHECK(server.accepted() <= 64);
  CHECK(static_cast<int>(i->connections_opened()) == server.accepted());
}
