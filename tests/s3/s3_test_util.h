#pragma once
// What the S3 layer's tests share: an HttpClient, a Client for an
// endpoint, waiting for one callback, reading every item of an ItemSource.

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "src/common/json.h"
#include "src/s3/client.h"
#include "src/s3/item_source.h"

namespace stepd::testing {

inline std::unique_ptr<net::HttpClient> make_http() {
  auto c = net::HttpClient::start();
  REQUIRE(c.ok());
  return std::move(c).value();
}

inline s3::Client s3_client(net::HttpClient& http, const std::string& endpoint) {
  s3::ClientOptions o;
  o.endpoint.url = endpoint;
  o.endpoint.credentials = {"S3RVER", "S3RVER", ""};
  o.timeout = std::chrono::seconds(10);
  return s3::Client(http, o);
}

// Calls `start` with a callback and waits (at most 20 s) for its value.
template <class T>
T wait_for(const std::function<void(std::function<void(T)>)>& start) {
  auto p = std::make_shared<std::promise<T>>();
  auto f = p->get_future();
  start([p](T v) { p->set_value(std::move(v)); });
  REQUIRE(f.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  return f.get();
}

// Every item of `source`, asked for `batch` at a time, as one JSON array's
// text; or "ERROR <name>: <cause>".
inline std::string read_all(const std::shared_ptr<s3::ItemSource>& source, std::size_t batch) {
  std::string out = "[";
  for (;;) {
    auto r = wait_for<Result<s3::ItemBatch>>([&](auto done) { source->next(batch, std::move(done)); });
    if (!r.ok()) return "ERROR " + r.status().error() + ": " + r.status().message();
    CHECK((r->end || r->items.size() == batch));
    for (const auto& v : r->items) out += (out.size() > 1 ? "," : "") + json::to_json(v);
    if (r->end) return out + "]";
  }
}

}  // namespace stepd::testing
