#include "src/s3/client.h"

#include <utility>

namespace stepd::s3 {

namespace {

// Sends `call` and hands its result to `read`, then to `done`; a call that
// could not be built goes straight to `done`.
template <class T, class Read>
void send(net::HttpClient* http, Result<net::HttpCall> call, std::chrono::milliseconds timeout, Read read,
          std::function<void(Result<T>)> done) {
  if (!call.ok()) {
    done(call.status());
    return;
  }
  call->timeout = timeout;
  http->request(std::move(call).value(),
                [read, done = std::move(done)](net::HttpResult r) { done(read(std::move(r))); });
}

}  // namespace

Client::Client(net::HttpClient& http, ClientOptions options) : http_(&http), options_(std::move(options)) {}

std::int64_t Client::now_ms() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Client::get_object(const std::string& bucket, const std::string& key, std::uint64_t first, std::uint64_t last,
                        const std::string& if_match, std::function<void(Result<ObjectPart>)> done) const {
  send<ObjectPart>(http_, get_object_call(options_.endpoint, bucket, key, first, last, if_match, now_ms()),
                   options_.timeout,
                   [](net::HttpResult r) { return read_get_object(std::move(r)); }, std::move(done));
}

void Client::head_object(const std::string& bucket, const std::string& key,
                         std::function<void(Result<ObjectInfo>)> done) const {
  send<ObjectInfo>(http_, head_object_call(options_.endpoint, bucket, key, now_ms()), options_.timeout,
                   [](const net::HttpResult& r) { return read_head_object(r); }, std::move(done));
}

void Client::list_objects_v2(const ListRequest& request, std::function<void(Result<ListPage>)> done) const {
  send<ListPage>(http_, list_objects_v2_call(options_.endpoint, request, now_ms()), options_.timeout,
                 [](const net::HttpResult& r) { return read_list_objects_v2(r); }, std::move(done));
}

void Client::put_object(const std::string& bucket, const std::string& key, std::string body,
                        const std::string& content_type, std::function<void(Result<std::string>)> done) const {
  send<std::string>(http_, put_object_call(options_.endpoint, bucket, key, std::move(body), content_type, now_ms()),
                    options_.timeout, [](const net::HttpResult& r) { return read_put_object(r); }, std::move(done));
}

}  // namespace stepd::s3
