#pragma once
// stepd::s3::Client: the S3 calls a Distributed Map makes (ItemReader's
// getObject and listObjectsV2, ResultWriter's putObject), asynchronous, over
// net::HttpClient, against AWS or any S3-compatible server (path-style
// URLs). The wire format and the errors are in `requests.h`; this class only
// signs with the current time, sends, and reads the answer back.
//
// Ownership: a Client is a small value (endpoint, credentials, a pointer to
// the HttpClient); copy it freely. The HttpClient must outlive every Client
// copy and every callback still owed. Safe from any thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "src/common/status.h"
#include "src/net/http_client.h"
#include "src/s3/requests.h"

namespace stepd::s3 {

struct ClientOptions {
  Endpoint endpoint;
  std::chrono::milliseconds timeout{60000};  // per call, queueing included
  // The signing clock, ms since the Unix epoch; empty: the system clock.
  std::function<std::int64_t()> now_ms;
};

// Each call's `done` runs exactly once: on an HttpClient thread, or before
// the call returns when the request cannot be built (InvalidArgument: empty
// bucket or key, an endpoint URL that does not parse, no credentials).
// Answers and errors are those of the matching read_* in `requests.h`.
class Client {
 public:
  Client(net::HttpClient& http, ClientOptions options);

  // Bytes [first, last] of the object (fewer when it ends before `last`);
  // with a non-empty `if_match`, only while the object's ETag is that
  // (else PreconditionFailed). REQUIRES: first <= last.
  void get_object(const std::string& bucket, const std::string& key, std::uint64_t first, std::uint64_t last,
                  const std::string& if_match, std::function<void(Result<ObjectPart>)> done) const;
  void head_object(const std::string& bucket, const std::string& key,
                   std::function<void(Result<ObjectInfo>)> done) const;
  // One page; pass its next_token back for the next one.
  void list_objects_v2(const ListRequest& request, std::function<void(Result<ListPage>)> done) const;
  // Stores `body` as the object; answers its ETag.
  void put_object(const std::string& bucket, const std::string& key, std::string body,
                  const std::string& content_type, std::function<void(Result<std::string>)> done) const;

 private:
  std::int64_t now_ms() const;

  net::HttpClient* http_;
  ClientOptions options_;
};

}  // namespace stepd::s3
