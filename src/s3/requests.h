#pragma once
// The S3 calls stepd makes, on the wire: each one's signed HttpCall built
// from its arguments, and its HttpResult read back into an answer or an
// error. Pure (the signing time is an argument), no I/O: `client.h` sends
// these calls through net::HttpClient. Safe from any thread.
//
// Path-style URLs (ENDPOINT/bucket/key), SigV4 for service "s3" with the
// payload hash in X-Amz-Content-Sha256 and the path signed as sent (S3
// alone does not encode it twice), as botocore's S3SigV4Auth does.
//
// Errors, for every read_* function:
//   - kFailed, error() = S3's code ("NoSuchKey", "NoSuchBucket", "NotFound"
//     for a HEAD without body, ...), message() = the cause the AWS SDK for
//     Java v2 writes, as Step Functions shows it: "The specified bucket does
//     not exist (Service: S3, Status Code: 404, Request ID: R, Extended
//     Request ID: X)";
//   - kIo: no answer (refused, reset, timeout): "Unable to execute HTTP
//     request: <why>";
//   - kInvalidArgument: an answer that does not read as the call's (a 2xx
//     without the expected XML or Content-Range).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/common/status.h"
#include "src/net/http_client.h"
#include "src/net/sigv4.h"

namespace stepd::s3 {

// Where S3 is and who calls it.
struct Endpoint {
  std::string url;  // "http://127.0.0.1:4568", "https://s3.us-east-1.amazonaws.com"; a path prefix is kept
  std::string region = "us-east-1";
  net::sigv4::Credentials credentials;
};

// S3's error answer taken apart.
struct S3Error {
  int status = 0;
  std::string code;                 // <Code>, or from the status when the body has none
  std::string message;              // <Message>, "null" when none (as the Java SDK prints it)
  std::string request_id;           // <RequestId> or x-amz-request-id
  std::string extended_request_id;  // <HostId> or x-amz-id-2
};
// "<message> (Service: S3, Status Code: N, Request ID: R, Extended Request ID: X)".
std::string sdk_cause(const S3Error& e);

// Bytes [offset, offset + data.size()) of an object.
struct ObjectPart {
  std::string data;
  std::uint64_t offset = 0;
  std::uint64_t object_size = 0;  // the whole object's, from Content-Range (or the body on a 200)
  std::string etag;
};

struct ObjectInfo {
  std::uint64_t size = 0;
  std::string etag;           // as sent, quotes included
  std::string last_modified;  // the Last-Modified header as sent (RFC 7231 date)
};

// One <Contents> of a ListObjectsV2 answer, text decoded.
struct ObjectEntry {
  std::string key;
  std::string last_modified;  // "2009-10-12T17:50:30.000Z"
  std::string etag;           // quotes included: "\"fba9dede5f27731c9771645a39863328\""
  std::uint64_t size = 0;
  std::string storage_class;  // "STANDARD"
};

struct ListRequest {
  std::string bucket;
  std::string prefix;              // "" for all
  std::string continuation_token;  // the previous page's next_token; "" for the first page
  int max_keys = 0;                // 0: S3's default (1,000)
};

struct ListPage {
  std::vector<ObjectEntry> objects;  // in S3's order (by key, UTF-8 binary)
  bool truncated = false;
  std::string next_token;  // when truncated
};

// GET with "Range: bytes=first-last" (inclusive), and "If-Match: if_match"
// unless it is empty. REQUIRES: first <= last.
// Errors (the *_call functions): InvalidArgument for an empty bucket or key,
// an endpoint URL that does not parse, or no credentials.
Result<net::HttpCall> get_object_call(const Endpoint& ep, std::string_view bucket, std::string_view key,
                                      std::uint64_t first, std::uint64_t last, std::string_view if_match,
                                      std::int64_t now_ms);
Result<net::HttpCall> head_object_call(const Endpoint& ep, std::string_view bucket, std::string_view key,
                                       std::int64_t now_ms);
Result<net::HttpCall> list_objects_v2_call(const Endpoint& ep, const ListRequest& req, std::int64_t now_ms);
Result<net::HttpCall> put_object_call(const Endpoint& ep, std::string_view bucket, std::string_view key,
                                      std::string body, std::string_view content_type, std::int64_t now_ms);

Result<ObjectPart> read_get_object(net::HttpResult r);
Result<ObjectInfo> read_head_object(const net::HttpResult& r);
Result<ListPage> read_list_objects_v2(const net::HttpResult& r);
// The new object's ETag.
Result<std::string> read_put_object(const net::HttpResult& r);

// The Status every read_* returns for a failed exchange (`r` is not 2xx, or
// no answer came). REQUIRES: r is not a 2xx response.
Status error_status(const net::HttpResult& r);

}  // namespace stepd::s3
