// The S3 layer against a real S3-compatible server: s3rver, started by
// tests/s3/s3rver_test.py (CTest: s3_s3rver), which uploads the objects read
// here with boto3 and reads back with boto3 what is written here. Hidden
// ([.s3rver]): they need that script's server, named by STEPD_TEST_S3_ENDPOINT.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <string>

#include "src/common/json.h"
#include "src/s3/item_source.h"
#include "src/s3/result_writer.h"
#include "tests/s3/s3_test_util.h"

using namespace stepd;
using testing::read_all;

namespace {

struct Server {
  std::unique_ptr<net::HttpClient> http = testing::make_http();
  s3::Client client = testing::s3_client(*http, endpoint());

  static std::string endpoint() {
    const char* e = std::getenv("STEPD_TEST_S3_ENDPOINT");
    INFO("STEPD_TEST_S3_ENDPOINT names the server; tests/s3/s3rver_test.py sets it");
    REQUIRE(e);
    return e;
  }

  std::shared_ptr<s3::ItemSource> object(const std::string& key, s3::ReaderConfig config,
                                         std::uint64_t range_bytes = 7) {
    s3::ItemReaderRequest req;
    req.bucket = "items";
    req.key = key;
    req.config = std::move(config);
    s3::ItemSourceOptions o;
    o.range_bytes = range_bytes;
    auto s = s3::ItemSource::open(client, std::move(req), o);
    REQUIRE(s.ok());
    return std::move(s).value();
  }
};

s3::ReaderConfig config(s3::InputType type) {
  s3::ReaderConfig c;
  c.input_type = type;
  return c;
}

}  // namespace

TEST_CASE("s3rver: a CSV with a header row reads as AWS recorded it", "[.s3rver]") {
  Server s;
  CHECK(read_all(s.object("csv/header.csv", config(s3::InputType::kCsv)), 2) ==
        R"([{"Col1":"Value1","Col2":"Value2","Col3":"Value3"},{"Col1":"Value4","Col2":"Value5","Col3":"Value6"},)"
        R"({"Col1":"","Col2":"","Col3":""},{"Col1":"true","Col2":"1","Col3":"'HelloWorld'"},)"
        R"({"Col1":"Null","Col2":"None","Col3":""},{"Col1":"   ","Col2":"","Col3":""}])");
}

TEST_CASE("s3rver: a CSV with GIVEN headers and a PIPE delimiter", "[.s3rver]") {
  Server s;
  s3::ReaderConfig c = config(s3::InputType::kCsv);
  c.csv_header_location = s3::CsvHeaderLocation::kGiven;
  c.csv_headers = {"x", "y", "z"};
  c.csv_delimiter = '|';
  CHECK(read_all(s.object("csv/given_pipe.csv", c, 5), 1) ==
        R"([{"x":"a","y":"b|c","z":"3"},{"x":"multi\nline","y":"","z":""}])");
}

TEST_CASE("s3rver: a JSON array and JSON Lines", "[.s3rver]") {
  Server s;
  CHECK(read_all(s.object("json/items.json", config(s3::InputType::kJson)), 2) ==
        R"([{"verdict":"true","statement_date":"6/11/2008","statement_source":"speech"},)"
        R"({"verdict":"false","statement_date":"6/7/2022","statement_source":"television"},)"
        R"({"verdict":"mostly-true","statement_date":"5/18/2016","statement_source":"news"}])");
  CHECK(read_all(s.object("jsonl/items.jsonl", config(s3::InputType::kJsonl)), 5) ==
        R"([{"id":1},{"id":2,"tags":["a","b"]},"three"])");
  CHECK(read_all(s.object("keys/a b+\xC3\xA9.jsonl", config(s3::InputType::kJsonl)), 1) == R"([{"ok":true}])");
}

TEST_CASE("s3rver: a large CSV read in many ranges, MaxItems, an empty object, a missing one", "[.s3rver]") {
  Server s;
  auto items = json::parse(read_all(s.object("csv/big.csv", config(s3::InputType::kCsv), 1000), 64));
  REQUIRE(items.ok());
  REQUIRE(items->as_array().size() == 5000);
  CHECK(items->as_array()[0] == json::parse(R"({"n":"0","square":"0"})").value());
  CHECK(items->as_array()[4999] == json::parse(R"({"n":"4999","square":"24990001"})").value());
  s3::ReaderConfig two = config(s3::InputType::kCsv);
  two.max_items = 2;
  CHECK(read_all(s.object("csv/big.csv", two, 1000), 5) == R"([{"square":"0","n":"0"},{"square":"1","n":"1"}])");
  CHECK(read_all(s.object("csv/empty.csv", config(s3::InputType::kCsv)), 5) == "[]");
  CHECK(read_all(s.object("csv/missing.csv", config(s3::InputType::kCsv)), 5)
            .rfind("ERROR States.ItemReaderFailed: The specified key does not exist. (Service: S3, Status Code: 404, "
                   "Request ID: ",
                   0) == 0);
}

TEST_CASE("s3rver: listObjectsV2 items over several pages", "[.s3rver]") {
  Server s;
  s3::ItemReaderRequest req;
  req.resource = s3::ItemReaderRequest::Resource::kListObjectsV2;
  req.bucket = "items";
  req.prefix = "list/";
  s3::ItemSourceOptions o;
  o.list_page_keys = 3;
  auto source = s3::ItemSource::open(s.client, req, o);
  REQUIRE(source.ok());
  auto items = json::parse(read_all(*source, 2));
  REQUIRE(items.ok());
  REQUIRE(items->as_array().size() == 7);
  const auto now_s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (std::size_t i = 0; i < 7; ++i) {
    const auto& item = items->as_array()[i].as_object();
    INFO(json::to_json(item));
    CHECK(item.at("Key").as_string() == "list/file_" + std::to_string(i) + ".txt");
    CHECK(item.at("Size") == 12);
    CHECK(item.at("StorageClass") == "STANDARD");
    const std::string etag(item.at("Etag").as_string());
    CHECK((etag.size() == 34 && etag.front() == '"' && etag.back() == '"'));
    CHECK(std::llabs(item.at("LastModified").as_int64() - now_s) < 3600);
  }
}

TEST_CASE("s3rver: a Map Run's results written and read back", "[.s3rver]") {
  Server s;
  const std::string arn = "arn:aws:states:us-east-1:123456789012:mapRun:machine/Map:0b7a6a47-7e3c-3d65-9c1a-7c1a2e7c4a5e";
  s3::ResultWriterConfig c;
  c.bucket = "result-bucket";
  c.prefix = "results";
  s3::ResultFiles files(c, arn);
  auto child = [&](const std::string& status, int n) {
    s3::ChildResult r;
    r.status = status;
    r.name = "child" + std::to_string(n);
    r.execution_arn = "arn:aws:states:us-east-1:123456789012:execution:machine/Map:" + r.name;
    r.state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:machine/Map";
    r.input = "{\"n\":" + std::to_string(n) + "}";
    if (status == "SUCCEEDED") r.output = r.input;
    if (status == "TIMED_OUT") r.error = "States.Timeout";
    r.start_ms = 1700000000000 + n;
    r.stop_ms = 1700000001000 + n;
    return r;
  };
  for (int n = 0; n < 3; ++n) REQUIRE(files.add(child("SUCCEEDED", n))->empty());
  REQUIRE(files.add(child("TIMED_OUT", 3))->empty());
  REQUIRE(files.add(child("PENDING", 4))->empty());
  auto out = files.finish();
  REQUIRE(out.size() == 4);
  const auto written = out;
  Status put = testing::wait_for<Status>(
      [&](auto done) { s3::put_result_files(s.client, "result-bucket", std::move(out), std::move(done)); });
  REQUIRE(put.ok());
  for (const auto& f : written) {
    INFO(f.key);
    auto back = testing::wait_for<Result<s3::ObjectPart>>(
        [&](auto done) { s.client.get_object("result-bucket", f.key, 0, 1 << 20, "", std::move(done)); });
    REQUIRE(back.ok());
    CHECK(back->data == f.body);
  }
  auto head = testing::wait_for<Result<s3::ObjectInfo>>(
      [&](auto done) { s.client.head_object("result-bucket", files.manifest_key(), std::move(done)); });
  REQUIRE(head.ok());
  CHECK(head->size == written.back().body.size());
  CHECK(json::to_json(files.map_output()) ==
        R"({"MapRunArn":")" + arn +
            R"(","ResultWriterDetails":{"Bucket":"result-bucket","Key":"results/0b7a6a47-7e3c-3d65-9c1a-7c1a2e7c4a5e/manifest.json"}})");
}
