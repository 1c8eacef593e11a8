// Tests for src/s3/client.h against the in-memory S3 of fake_s3.h.

#include "src/s3/client.h"

#include <catch2/catch.hpp>

#include "tests/net/test_servers.h"
#include "tests/s3/fake_s3.h"
#include "tests/s3/s3_test_util.h"

using namespace stepd;
using testing::wait_for;

namespace {

// A fake S3 with bucket "b", and a client for it.
struct Fixture {
  testing::FakeS3 fake;
  std::unique_ptr<net::HttpClient> http = testing::make_http();
  s3::Client client = testing::s3_client(*http, fake.endpoint());

  Fixture() { fake.create_bucket("b"); }
};

}  // namespace

TEST_CASE("the client puts, gets ranges of and lists objects", "[s3]") {
  Fixture f;
  testing::FakeS3& fake = f.fake;
  const s3::Client& client = f.client;

  auto etag = wait_for<Result<std::string>>(
      [&](auto done) { client.put_object("b", "dir/x y.txt", "0123456789", "text/plain", std::move(done)); });
  REQUIRE(etag.ok());
  CHECK(fake.get("b", "dir/x y.txt") == "0123456789");

  auto part = wait_for<Result<s3::ObjectPart>>(
      [&](auto done) { client.get_object("b", "dir/x y.txt", 3, 5, *etag, std::move(done)); });
  REQUIRE(part.ok());
  CHECK(part->data == "345");
  CHECK(part->offset == 3);
  CHECK(part->object_size == 10);
  CHECK(part->etag == *etag);

  auto page = wait_for<Result<s3::ListPage>>(
      [&](auto done) { client.list_objects_v2({"b", "dir/", "", 0}, std::move(done)); });
  REQUIRE(page.ok());
  REQUIRE(page->objects.size() == 1);
  CHECK(page->objects[0].key == "dir/x y.txt");
  CHECK(page->objects[0].size == 10);
  CHECK_FALSE(page->truncated);
}

TEST_CASE("the client answers S3's errors and unreachable servers", "[s3]") {
  Fixture f;
  const s3::Client& client = f.client;

  auto missing = wait_for<Result<s3::ObjectPart>>(
      [&](auto done) { client.get_object("b", "nope", 0, 9, "", std::move(done)); });
  CHECK(missing.status().error() == "NoSuchKey");
  CHECK(missing.status().message() ==
        "The specified key does not exist. (Service: S3, Status Code: 404, Request ID: REQ123, Extended Request ID: "
        "HOST456)");
  auto no_bucket = wait_for<Result<s3::ListPage>>(
      [&](auto done) { client.list_objects_v2({"nb", "", "", 0}, std::move(done)); });
  CHECK(no_bucket.status().error() == "NoSuchBucket");

  auto invalid = wait_for<Result<std::string>>(
      [&](auto done) { client.put_object("", "k", "", "text/plain", std::move(done)); });
  CHECK(invalid.status().code() == Code::kInvalidArgument);

  s3::Client nowhere = testing::s3_client(*f.http, "http://127.0.0.1:" + std::to_string(testing::closed_port()));
  auto refused = wait_for<Result<s3::ObjectInfo>>([&](auto done) { nowhere.head_object("b", "k", std::move(done)); });
  CHECK(refused.status().code() == Code::kIo);
  CHECK(refused.status().message().rfind("Unable to execute HTTP request: ", 0) == 0);
}

TEST_CASE("the client signs with its clock", "[s3]") {
  testing::FakeS3 fake;
  fake.create_bucket("b");
  auto http = testing::make_http();
  s3::ClientOptions o;
  o.endpoint.url = fake.endpoint();
  o.endpoint.credentials = {"AK", "SK", "TOKEN"};
  o.now_ms = [] { return std::int64_t{1700000000000}; };
  s3::Client client(*http, o);
  auto r = wait_for<Result<std::string>>([&](auto done) { client.put_object("b", "k", "v", "text/plain", std::move(done)); });
  CHECK(r.ok());
  REQUIRE(fake.seen().size() == 1);
  CHECK(fake.seen()[0].amz_date == "20231114T221320Z");
  CHECK(fake.seen()[0].security_token == "TOKEN");
  // Without credentials nothing is sent.
  o.endpoint.credentials = {};
  s3::Client anonymous(*http, o);
  auto none = wait_for<Result<std::string>>(
      [&](auto done) { anonymous.put_object("b", "k", "v", "text/plain", std::move(done)); });
  CHECK(none.status().code() == Code::kInvalidArgument);
  CHECK(fake.seen().size() == 1);
}
