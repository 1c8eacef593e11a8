// Tests for src/s3/item_source.h against the in-memory S3 of fake_s3.h:
// items pulled in batches over small ranged GETs and ListObjectsV2 pages,
// MaxItems, and failures as States.ItemReaderFailed.

#include "src/s3/item_source.h"

#include <boost/json/value_from.hpp>
#include <catch2/catch.hpp>

#include "tests/net/test_servers.h"
#include "tests/s3/fake_s3.h"
#include "tests/s3/s3_test_util.h"

using namespace stepd;
using testing::read_all;

namespace {

struct Fixture {
  testing::FakeS3 fake;
  std::unique_ptr<net::HttpClient> http = testing::make_http();

  Fixture() { fake.create_bucket("b"); }

  std::shared_ptr<s3::ItemSource> open(s3::ItemReaderRequest req, s3::ItemSourceOptions o = {}) {
    if (req.bucket.empty()) req.bucket = "b";
    auto s = s3::ItemSource::open(testing::s3_client(*http, fake.endpoint()), std::move(req), o);
    REQUIRE(s.ok());
    return std::move(s).value();
  }
  std::shared_ptr<s3::ItemSource> object(const std::string& key, s3::ReaderConfig config, std::uint64_t range_bytes) {
    s3::ItemReaderRequest req;
    req.key = key;
    req.config = std::move(config);
    s3::ItemSourceOptions o;
    o.range_bytes = range_bytes;
    return open(std::move(req), o);
  }
  std::size_t gets() const {
    std::size_t n = 0;
    for (const auto& s : fake.seen()) n += s.method == "GET" && !s.range.empty();
    return n;
  }
};

s3::ReaderConfig csv_first_row() {
  s3::ReaderConfig c;
  c.input_type = s3::InputType::kCsv;
  return c;
}

}  // namespace

TEST_CASE("an object is read in ranges of range_bytes, in batches of any size", "[s3]") {
  Fixture f;
  f.fake.put("b", "f.csv", "Col1,Col2\n\"a,\nb\",1\nc,2\nd,3\ne,4\n");
  const std::string kItems =
      R"([{"Col1":"a,\nb","Col2":"1"},{"Col1":"c","Col2":"2"},{"Col1":"d","Col2":"3"},{"Col1":"e","Col2":"4"}])";
  for (std::size_t batch : {1, 2, 3, 4, 100}) {
    for (std::uint64_t range : {1, 5, 7, 1 << 20}) {
      INFO("batch " << batch << ", range " << range);
      CHECK(read_all(f.object("f.csv", csv_first_row(), range), batch) == kItems);
    }
  }
  // Ranges never exceed range_bytes; every GET after the first is If-Match its ETag.
  Fixture g;
  g.fake.put("b", "f.csv", "Col1,Col2\nc,2\nd,3\n");
  CHECK(read_all(g.object("f.csv", csv_first_row(), 4), 1) == R"([{"Col1":"c","Col2":"2"},{"Col1":"d","Col2":"3"}])");
  auto seen = g.fake.seen();
  REQUIRE(seen.size() == 6);  // HEAD, then 18 bytes in 4-byte ranges
  CHECK(seen[0].method == "HEAD");
  CHECK(seen[1].range == "bytes=0-3");
  CHECK(seen[5].range == "bytes=16-17");
  for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i].if_match == seen[1].if_match);
  CHECK_FALSE(seen[1].if_match.empty());
}

TEST_CASE("only the ranges the batches need are read", "[s3]") {
  Fixture f;
  std::string big = "[";
  for (int i = 0; i < 1000; ++i) big += (i ? "," : "") + std::to_string(i);
  f.fake.put("b", "big.json", big + "]");
  s3::ReaderConfig json;
  auto source = f.object("big.json", json, 16);
  auto first = testing::wait_for<Result<s3::ItemBatch>>([&](auto done) { source->next(3, std::move(done)); });
  REQUIRE(first.ok());
  CHECK(first->items.size() == 3);
  CHECK_FALSE(first->end);
  CHECK(f.gets() == 1);
  CHECK(source->items_read() == 3);
}

TEST_CASE("MaxItems stops the read, and the end comes with the last item", "[s3]") {
  Fixture f;
  // test_map_item_reader_csv_max_items[2]
  f.fake.put("b", "file.csv", "Col1,Col2\nValue1,Value2\nValue3,Value4\nValue5,Value6\nValue7,Value8\n");
  s3::ReaderConfig c = csv_first_row();
  c.max_items = 2;
  auto source = f.object("file.csv", c, 1 << 20);
  auto batch = testing::wait_for<Result<s3::ItemBatch>>([&](auto done) { source->next(2, std::move(done)); });
  REQUIRE(batch.ok());
  CHECK(json::to_json(boost::json::value_from(batch->items)) ==
        R"([{"Col1":"Value1","Col2":"Value2"},{"Col1":"Value3","Col2":"Value4"}])");
  CHECK(batch->end);
  auto again = testing::wait_for<Result<s3::ItemBatch>>([&](auto done) { source->next(5, std::move(done)); });
  REQUIRE(again.ok());
  CHECK(again->items.empty());
  CHECK(again->end);
  c.max_items = 0;  // test_map_item_reader_csv_max_items[0]: every item
  CHECK(read_all(f.object("file.csv", c, 8), 3) ==
        R"([{"Col1":"Value1","Col2":"Value2"},{"Col1":"Value3","Col2":"Value4"},)"
        R"({"Col1":"Value5","Col2":"Value6"},{"Col1":"Value7","Col2":"Value8"}])");
}

TEST_CASE("an empty object has no items, or is no list", "[s3]") {
  Fixture f;
  f.fake.put("b", "empty", "");
  CHECK(read_all(f.object("empty", csv_first_row(), 8), 4) == "[]");
  for (const auto& s : f.fake.seen()) CHECK(s.method == "HEAD");  // no GET of nothing
  CHECK(read_all(f.object("empty", s3::ReaderConfig{}, 8), 4) ==
        "ERROR States.ItemReaderFailed: Attempting to map over non-iterable node.");
}

TEST_CASE("reader failures are States.ItemReaderFailed, for good", "[s3]") {
  Fixture f;
  SECTION("a missing key or bucket: S3's cause") {
    CHECK(read_all(f.object("nope.json", s3::ReaderConfig{}, 8), 1) ==
          "ERROR States.ItemReaderFailed: The specified key does not exist. (Service: S3, Status Code: 404, "
          "Request ID: REQ123, Extended Request ID: HOST456)");
    s3::ItemReaderRequest req;
    req.bucket = "nb";
    req.resource = s3::ItemReaderRequest::Resource::kListObjectsV2;
    CHECK(read_all(f.open(req), 1) ==
          "ERROR States.ItemReaderFailed: The specified bucket does not exist (Service: S3, Status Code: 404, "
          "Request ID: REQ123, Extended Request ID: HOST456)");
  }
  SECTION("bad content, after the items before it") {
    f.fake.put("b", "bad.json", "[1,2,{]");
    auto source = f.object("bad.json", s3::ReaderConfig{}, 3);
    auto ok = testing::wait_for<Result<s3::ItemBatch>>([&](auto done) { source->next(2, std::move(done)); });
    REQUIRE(ok.ok());
    CHECK(ok->items.size() == 2);
    auto bad = testing::wait_for<Result<s3::ItemBatch>>([&](auto done) { source->next(2, std::move(done)); });
    CHECK(bad.status().error() == "States.ItemReaderFailed");
    auto still = testing::wait_for<Result<s3::ItemBatch>>([&](auto done) { source->next(2, std::move(done)); });
    CHECK(still.status().message() == bad.status().message());
  }
  SECTION("an object replaced mid-read") {
    f.fake.put("b", "f.csv", "a\n1\n2\n3\n");
    auto source = f.object("f.csv", csv_first_row(), 4);
    auto first = testing::wait_for<Result<s3::ItemBatch>>([&](auto done) { source->next(1, std::move(done)); });
    REQUIRE(first.ok());
    f.fake.put("b", "f.csv", "a\n9\n9\n9\n");
    auto changed = testing::wait_for<Result<s3::ItemBatch>>([&](auto done) { source->next(5, std::move(done)); });
    CHECK(changed.status().error() == "States.ItemReaderFailed");
    CHECK(changed.status().message().rfind("At least one of the pre-conditions you specified did not hold", 0) == 0);
  }
  SECTION("S3 out of reach") {
    s3::ItemReaderRequest req;
    req.bucket = "b";
    req.key = "k";
    auto source = s3::ItemSource::open(
        testing::s3_client(*f.http, "http://127.0.0.1:" + std::to_string(testing::closed_port())), req);
    REQUIRE(source.ok());
    CHECK(read_all(*source, 1).rfind("ERROR States.ItemReaderFailed: Unable to execute HTTP request: ", 0) == 0);
  }
  SECTION("checks of the ReaderConfig, before any I/O") {
    s3::ItemReaderRequest req;
    req.bucket = "b";
    req.key = "k";
    req.config.max_items = -1;
    auto s = s3::ItemSource::open(testing::s3_client(*f.http, f.fake.endpoint()), req);
    CHECK(s.status().error() == "States.ItemReaderFailed");
    CHECK(s.status().message() == "field MaxItems must be positive");
    CHECK(f.fake.seen().empty());
  }
}

TEST_CASE("listObjectsV2 items come page after page, filtered by prefix", "[s3]") {
  Fixture f;
  for (const char* k : {"in/a", "in/b", "in/c", "in/d", "in/e", "out/z"}) f.fake.put("b", k, std::string(k) + "!");
  s3::ItemReaderRequest req;
  req.resource = s3::ItemReaderRequest::Resource::kListObjectsV2;
  req.prefix = "in/";
  s3::ItemSourceOptions o;
  o.list_page_keys = 2;
  const std::string items = read_all(f.open(req, o), 2);
  std::string expected = "[";
  for (char c = 'a'; c <= 'e'; ++c) {
    const std::string key = std::string("in/") + c;
    expected += std::string(c == 'a' ? "" : ",") + R"({"Etag":")" + "\\\"" +
                std::to_string(std::hash<std::string>()(key + "!")) + "\\\"" + R"(","Key":")" + key +
                R"(","LastModified":1709288430,"Size":5,"StorageClass":"STANDARD"})";
  }
  CHECK(items == expected + "]");
  std::size_t lists = 0;
  for (const auto& s : f.fake.seen()) lists += s.target.find("list-type=2") != std::string::npos;
  CHECK(lists == 3);
  SECTION("MaxItems counts listed objects too") {
    req.config.max_items = 3;
    auto source = f.open(req, o);
    auto batch = testing::wait_for<Result<s3::ItemBatch>>([&](auto done) { source->next(10, std::move(done)); });
    REQUIRE(batch.ok());
    CHECK(batch->items.size() == 3);
    CHECK(batch->end);
  }
}
