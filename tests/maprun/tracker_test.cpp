#include <catch2/catch.hpp>

#include "src/common/json.h"
#include "src/maprun/tracker.h"

namespace stepd {
namespace {

using maprun::ChildStatus;
using maprun::Tracker;

std::shared_ptr<engine::MapRunSpec> spec_of(const std::string& inputs) {
  auto s = std::make_shared<engine::MapRunSpec>();
  s->map_run_arn = "arn:aws:states:us-east-1:123456789012:mapRun:Machine/Label:0a1b2c3d-0000-1111";
  s->inputs = json::parse(inputs).value().as_array();
  return s;
}

std::vector<std::int64_t> start_all(Tracker& t) {
  std::vector<std::int64_t> out;
  while (auto c = t.next()) out.push_back(c->index);
  return out;
}

TEST_CASE("a Map Run starts children within MaxConcurrency and succeeds with their outputs in item order") {
  auto s = spec_of("[1,2,3]");
  s->max_concurrency = 2;
  Tracker t(s);
  CHECK(start_all(t) == std::vector<std::int64_t>{0, 1});
  t.finished(1, ChildStatus::kSucceeded, json::parse("\"b\"").value());
  CHECK(start_all(t) == std::vector<std::int64_t>{2});
  t.finished(2, ChildStatus::kSucceeded, json::parse("\"c\"").value());
  CHECK_FALSE(t.outcome());
  auto counts = t.execution_counts();
  CHECK(counts.running == 1);
  CHECK(counts.succeeded == 2);
  CHECK(counts.total == 3);
  t.finished(0, ChildStatus::kSucceeded, json::parse("\"a\"").value());
  REQUIRE(t.outcome());
  CHECK(t.outcome()->succeeded);
  CHECK(json::to_json(t.outcome()->output) == R"(["a","b","c"])");
}

TEST_CASE("an empty Map Run succeeds at once with an empty array") {
  Tracker t(spec_of("[]"));
  REQUIRE(t.outcome());
  CHECK(json::to_json(t.outcome()->output) == "[]");
}

TEST_CASE("with no tolerated failure the first failed child fails the Map Run and nothing more starts") {
  auto s = spec_of("[1,2,3]");
  s->max_concurrency = 1;
  Tracker t(s);
  CHECK(start_all(t) == std::vector<std::int64_t>{0});
  t.finished(0, ChildStatus::kFailed);
  REQUIRE(t.outcome());
  CHECK_FALSE(t.outcome()->succeeded);
  CHECK(t.outcome()->error == std::optional<std::string>("States.ExceedToleratedFailureThreshold"));
  CHECK(t.outcome()->cause == std::optional<std::string>("The specified tolerated failure threshold was exceeded"));
  CHECK_FALSE(t.next());
}

TEST_CASE("failures within ToleratedFailureCount and Percentage are tolerated, one more fails the Map Run") {
  SECTION("count") {
    auto s = spec_of("[1,2,3,4]");
    s->tolerated_count = 1;
    Tracker t(s);
    start_all(t);
    t.finished(0, ChildStatus::kFailed);
    CHECK_FALSE(t.outcome());
    t.finished(1, ChildStatus::kTimedOut);
    REQUIRE(t.outcome());
    CHECK_FALSE(t.outcome()->succeeded);
  }
  SECTION("percentage of the items") {
    auto s = spec_of("[1,2,3,4]");
    s->tolerated_percentage = 50;
    Tracker t(s);
    start_all(t);
    t.finished(0, ChildStatus::kFailed);
    t.finished(1, ChildStatus::kAborted);
    t.finished(2, ChildStatus::kSucceeded, 3);
    CHECK_FALSE(t.outcome());
    t.finished(3, ChildStatus::kSucceeded, 4);
    REQUIRE(t.outcome());
    CHECK(t.outcome()->succeeded);
    CHECK(json::to_json(t.outcome()->output) == "[null,null,3,4]");
    CHECK(t.item_counts().failed == 1);
    CHECK(t.item_counts().aborted == 1);
  }
}

TEST_CASE("UpdateMapRun's new threshold applies to failures already counted") {
  auto s = spec_of("[1,2,3]");
  s->tolerated_count = 5;
  Tracker t(s);
  start_all(t);
  t.finished(0, ChildStatus::kFailed);
  t.finished(1, ChildStatus::kFailed);
  CHECK_FALSE(t.outcome());
  t.set_tolerated(std::int64_t{1}, std::nullopt);
  REQUIRE(t.outcome());
  CHECK_FALSE(t.outcome()->succeeded);
}

TEST_CASE("ItemBatcher groups items by count and by bytes, with BatchInput") {
  SECTION("MaxItemsPerBatch") {
    auto s = spec_of("[1,2,3,4,5]");
    s->batching = true;
    s->max_items_per_batch = 2;
    s->batch_input = json::parse(R"({"k":1})").value();
    Tracker t(s);
    REQUIRE(t.size() == 3);
    CHECK(json::to_json(t.input(0)) == R"({"Items":[1,2],"BatchInput":{"k":1}})");
    CHECK(json::to_json(t.input(2)) == R"({"Items":[5],"BatchInput":{"k":1}})");
    start_all(t);
    t.finished(0, ChildStatus::kFailed);
    CHECK(t.item_counts().failed == 2);
    CHECK(t.execution_counts().failed == 1);
  }
  SECTION("MaxInputBytesPerBatch") {
    auto s = spec_of(R"(["aaaa","bbbb","cccc"])");  // 6 bytes each
    s->batching = true;
    s->max_bytes_per_batch = 12;
    Tracker t(s);
    REQUIRE(t.size() == 2);
    CHECK(json::to_json(t.input(0)) == R"({"Items":["aaaa","bbbb"]})");
  }
}

TEST_CASE("a redrive reruns only the unsuccessful children; restore replays what the records say") {
  auto s = spec_of("[1,2,3]");
  s->tolerated_count = 3;
  Tracker t(s);
  start_all(t);
  t.finished(0, ChildStatus::kSucceeded, 1);
  t.finished(1, ChildStatus::kFailed);
  t.finished(2, ChildStatus::kAborted);
  REQUIRE(t.outcome());
  t.redrive();
  CHECK_FALSE(t.outcome());
  CHECK(start_all(t) == std::vector<std::int64_t>{1, 2});

  Tracker r(s);
  r.restore(0, ChildStatus::kSucceeded, 1);
  r.restore(1, ChildStatus::kRunning);
  CHECK(start_all(r) == std::vector<std::int64_t>{2});
  CHECK(r.execution_counts().running == 2);
}

TEST_CASE("children are named the same way at every restart") {
  auto s = spec_of("[1]");
  std::string a = maprun::child_name(*s, 0), b = maprun::child_name(*s, 1);
  CHECK(a == maprun::child_name(*s, 0));
  CHECK(a != b);
  CHECK(a.size() == 36);
  CHECK(maprun::child_machine_arn(*s) == "arn:aws:states:us-east-1:123456789012:stateMachine:Machine/Label");
  CHECK(maprun::child_arn(*s, a) == "arn:aws:states:us-east-1:123456789012:execution:Machine/Label:" + a);
  s->express = true;
  CHECK(maprun::child_arn(*s, a) == "arn:aws:states:us-east-1:123456789012:express:Machine/Label:" + a);
}

}  // namespace
}  // namespace stepd

namespace stepd {
namespace {

TEST_CASE("a Map Run runs at most 10,000 children at once, MaxConcurrency 0 included") {
  std::string inputs = "[";
  for (int i = 0; i < 10005; ++i) inputs += (i ? ",0" : "0");
  inputs += "]";
  for (std::int64_t mc : {std::int64_t{0}, std::int64_t{20000}}) {
    auto s = spec_of(inputs);
    s->max_concurrency = mc;
    maprun::Tracker t(s);
    CHECK(start_all(t).size() == 10000);
  }
}

}  // namespace
}  // namespace stepd
