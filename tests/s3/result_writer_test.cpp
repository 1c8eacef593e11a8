// Tests for src/s3/result_writer.h: the files of a Map Run's ResultWriter,
// their records, the manifest and the Map state's output (as recorded in
// test_base_scenarios::test_map_state_result_writer and shown in the Step
// Functions Developer Guide), and putting them to S3 (fake_s3.h).

#include "src/s3/result_writer.h"

#include <catch2/catch.hpp>

#include "src/common/json.h"
#include "tests/s3/fake_s3.h"
#include "tests/s3/s3_test_util.h"

using namespace stepd;

namespace {

const char kMapRunArn[] =
    "arn:aws:states:us-east-1:111111111111:mapRun:machine/TestMap:0b7a6a47-7e3c-3d65-9c1a-7c1a2e7c4a5e";
const char kId[] = "0b7a6a47-7e3c-3d65-9c1a-7c1a2e7c4a5e";

s3::ResultWriterConfig config(std::string prefix = "mapJobs") {
  s3::ResultWriterConfig c;
  c.bucket = "result-bucket";
  c.prefix = std::move(prefix);
  return c;
}

s3::ChildResult child(const std::string& status, const std::string& name, const std::string& input,
                      const std::string& output = "") {
  s3::ChildResult c;
  c.status = status;
  c.name = name;
  c.execution_arn = "arn:aws:states:us-east-1:111111111111:execution:machine/TestMap:" + name;
  c.state_machine_arn = "arn:aws:states:us-east-1:111111111111:stateMachine:machine/TestMap";
  c.input = input;
  c.output = output;
  c.start_ms = 1700000000000;
  c.stop_ms = 1700000000250;
  return c;
}

std::vector<s3::ResultFile> add(s3::ResultFiles& files, const s3::ChildResult& c) {
  auto r = files.add(c);
  REQUIRE(r.ok());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("the Map state's output points at manifest.json under <Prefix>/<map run id>", "[s3]") {
  // test_map_state_result_writer: Bucket result-bucket, Prefix mapJobs.
  s3::ResultFiles files(config(), kMapRunArn);
  CHECK(files.manifest_key() == std::string("mapJobs/") + kId + "/manifest.json");
  CHECK(json::to_json(files.map_output()) == std::string(R"({"MapRunArn":")") + kMapRunArn +
                                                 R"(","ResultWriterDetails":{"Bucket":"result-bucket","Key":"mapJobs/)" +
                                                 kId + R"(/manifest.json"}})");
  CHECK(s3::ResultFiles(config(""), kMapRunArn).manifest_key() == std::string(kId) + "/manifest.json");
  CHECK(s3::ResultFiles(config("a/b/"), kMapRunArn).manifest_key() == std::string("a/b/") + kId + "/manifest.json");
}

TEST_CASE("records carry what the Developer Guide shows, members sorted", "[s3]") {
  CHECK(json::to_json(s3::child_record(child("SUCCEEDED", "n1", "\"Hello\"", "\"Hello\""))) ==
        R"({"ExecutionArn":"arn:aws:states:us-east-1:111111111111:execution:machine/TestMap:n1","Input":"\"Hello\"",)"
        R"("InputDetails":{"Included":true},"Name":"n1","Output":"\"Hello\"","OutputDetails":{"Included":true},)"
        R"("RedriveCount":0,"RedriveStatus":"NOT_REDRIVABLE",)"
        R"("RedriveStatusReason":"Execution is SUCCEEDED and cannot be redriven","StartDate":"2023-11-14T22:13:20.000Z",)"
        R"("StateMachineArn":"arn:aws:states:us-east-1:111111111111:stateMachine:machine/TestMap","Status":"SUCCEEDED",)"
        R"("StopDate":"2023-11-14T22:13:20.250Z"})");
  s3::ChildResult failed = child("FAILED", "n2", "{\"a\":1}");
  failed.error = "States.TaskFailed";
  failed.cause = "boom";
  CHECK(json::to_json(s3::child_record(failed)) ==
        R"({"Cause":"boom","Error":"States.TaskFailed",)"
        R"("ExecutionArn":"arn:aws:states:us-east-1:111111111111:execution:machine/TestMap:n2","Input":"{\"a\":1}",)"
        R"("InputDetails":{"Included":true},"Name":"n2","RedriveCount":0,"RedriveStatus":"REDRIVABLE",)"
        R"("StartDate":"2023-11-14T22:13:20.000Z",)"
        R"("StateMachineArn":"arn:aws:states:us-east-1:111111111111:stateMachine:machine/TestMap","Status":"FAILED",)"
        R"("StopDate":"2023-11-14T22:13:20.250Z"})");
  CHECK(json::to_json(s3::child_record(child("PENDING", "", "[1]"))) ==
        R"({"Input":"[1]","InputDetails":{"Included":true},"Status":"PENDING"})");
}

TEST_CASE("each status gets its file, and the manifest lists them last", "[s3]") {
  s3::ResultFiles files(config(), kMapRunArn);
  CHECK(add(files, child("SUCCEEDED", "a", "\"Hello\"", "\"Hello\"")).empty());
  CHECK(add(files, child("TIMED_OUT", "b", "\"World\"")).empty());
  CHECK(add(files, child("SUCCEEDED", "c", "\"!\"", "\"!\"")).empty());
  auto out = files.finish();
  REQUIRE(out.size() == 3);
  const std::string dir = std::string("mapJobs/") + kId + "/";
  CHECK(out[0].key == dir + "SUCCEEDED_0.json");
  CHECK(out[1].key == dir + "FAILED_0.json");
  CHECK(out[2].key == dir + "manifest.json");
  auto succeeded = json::parse(out[0].body);
  REQUIRE(succeeded.ok());
  REQUIRE(succeeded->as_array().size() == 2);
  CHECK(succeeded->as_array()[1].as_object().at("Name") == "c");
  CHECK(json::parse(out[1].body)->as_array()[0].as_object().at("Status") == "TIMED_OUT");
  CHECK(out[2].body == std::string(R"({"DestinationBucket":"result-bucket","MapRunArn":")") + kMapRunArn +
                           R"(","ResultFiles":{"FAILED":[{"Key":")" + dir + R"(FAILED_0.json","Size":)" +
                           std::to_string(out[1].body.size()) + R"(}],"PENDING":[],"SUCCEEDED":[{"Key":")" + dir +
                           R"(SUCCEEDED_0.json","Size":)" + std::to_string(out[0].body.size()) + "}]}}");
  SECTION("no child at all: the manifest alone, every list empty") {
    s3::ResultFiles none(config(), kMapRunArn);
    auto only = none.finish();
    REQUIRE(only.size() == 1);
    CHECK(only[0].body == std::string(R"({"DestinationBucket":"result-bucket","MapRunArn":")") + kMapRunArn +
                              R"(","ResultFiles":{"FAILED":[],"PENDING":[],"SUCCEEDED":[]}})");
  }
}

TEST_CASE("a file that would pass max_file_bytes is closed and the next one opened", "[s3]") {
  s3::ResultWriterConfig c = config();
  c.transformation = s3::Transformation::kCompact;
  c.max_file_bytes = 12;  // "[1234,1234]" is 11
  s3::ResultFiles files(c, kMapRunArn);
  std::vector<s3::ResultFile> out;
  for (int i = 0; i < 5; ++i) {
    for (auto& f : add(files, child("SUCCEEDED", "n", "0", "1234"))) out.push_back(std::move(f));
  }
  REQUIRE(out.size() == 2);
  CHECK(out[0].body == "[1234,1234]");
  CHECK(out[1].key.substr(out[1].key.rfind('/') + 1) == "SUCCEEDED_1.json");
  for (auto& f : files.finish()) out.push_back(std::move(f));
  REQUIRE(out.size() == 4);
  CHECK(out[2].body == "[1234]");
  CHECK(out[2].key.substr(out[2].key.rfind('/') + 1) == "SUCCEEDED_2.json");
  auto manifest = json::parse(out[3].body);
  REQUIRE(manifest.ok());
  CHECK(manifest->at("ResultFiles").at("SUCCEEDED").as_array().size() == 3);
}

TEST_CASE("COMPACT writes outputs, FLATTEN spreads arrays, JSONL one record a line", "[s3]") {
  s3::ResultWriterConfig c = config();
  c.transformation = s3::Transformation::kFlatten;
  c.output_type = s3::OutputType::kJsonl;
  s3::ResultFiles files(c, kMapRunArn);
  add(files, child("SUCCEEDED", "a", "0", "[1,[2]]"));
  add(files, child("SUCCEEDED", "b", "0", "{\"x\":3}"));
  add(files, child("SUCCEEDED", "c", "0", "[]"));
  s3::ChildResult failed = child("FAILED", "d", "0");
  add(files, failed);
  auto out = files.finish();
  REQUIRE(out.size() == 3);
  CHECK(out[0].key.substr(out[0].key.rfind('/') + 1) == "SUCCEEDED_0.jsonl");
  CHECK(out[0].body == "1\n[2]\n{\"x\":3}\n");
  CHECK(out[1].key.substr(out[1].key.rfind('/') + 1) == "FAILED_0.jsonl");
  CHECK(json::parse(out[1].body.substr(0, out[1].body.size() - 1))->at("Name") == "d");
  c.transformation = s3::Transformation::kCompact;
  c.output_type = s3::OutputType::kJson;
  s3::ResultFiles compact(c, kMapRunArn);
  add(compact, child("SUCCEEDED", "a", "0", "[1,[2]]"));
  CHECK(compact.finish()[0].body == "[[1,[2]]]");
  s3::ResultFiles broken(c, kMapRunArn);
  CHECK(broken.add(child("SUCCEEDED", "a", "0", "not json")).status().code() == Code::kInvalidArgument);
}

TEST_CASE("ResultWriter's Parameters and WriterConfig read from their JSON", "[s3]") {
  auto parse = [](const char* params, const char* writer) {
    return s3::result_writer_config_from_json(*json::parse(params), *json::parse(writer));
  };
  auto c = parse(R"({"Bucket":"b","Prefix":"p"})", R"({"Transformation":"FLATTEN","OutputType":"JSONL"})");
  REQUIRE(c.ok());
  CHECK(c->bucket == "b");
  CHECK(c->prefix == "p");
  CHECK(c->transformation == s3::Transformation::kFlatten);
  CHECK(c->output_type == s3::OutputType::kJsonl);
  auto plain = parse(R"({"Bucket":"b"})", "null");
  REQUIRE(plain.ok());
  CHECK(plain->prefix.empty());
  CHECK(plain->transformation == s3::Transformation::kNone);
  CHECK(parse(R"({"Prefix":"p"})", "null").status().code() == Code::kInvalidArgument);
  CHECK(parse(R"({"Bucket":"b","Prefix":1})", "null").status().code() == Code::kInvalidArgument);
  CHECK(parse(R"({"Bucket":"b"})", R"({"Transformation":"ALL"})").status().message() ==
        "WriterConfig.Transformation must be one of NONE, COMPACT, FLATTEN");
}

TEST_CASE("result files are put to S3, failures as States.ResultWriterFailed", "[s3]") {
  testing::FakeS3 fake;
  fake.create_bucket("result-bucket");
  auto http = testing::make_http();
  s3::Client client = testing::s3_client(*http, fake.endpoint());
  s3::ResultFiles files(config(), kMapRunArn);
  add(files, child("SUCCEEDED", "a", "1", "2"));
  auto out = files.finish();
  const auto expected = out;
  Status s = testing::wait_for<Status>(
      [&](auto done) { s3::put_result_files(client, "result-bucket", std::move(out), std::move(done)); });
  CHECK(s.ok());
  for (const auto& f : expected) CHECK(fake.get("result-bucket", f.key) == f.body);
  CHECK(fake.seen().back().target.find("manifest.json") != std::string::npos);

  Status missing = testing::wait_for<Status>(
      [&](auto done) { s3::put_result_files(client, "nb", s3::ResultFiles(config(), kMapRunArn).finish(), std::move(done)); });
  CHECK(missing.error() == "States.ResultWriterFailed");
  CHECK(missing.message() ==
        "The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: REQ123, Extended Request ID: "
        "HOST456)");
}
