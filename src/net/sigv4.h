#pragma once
// AWS Signature Version 4 for requests stepd sends to AWS APIs (Lambda's
// Invoke, the AWS JSON 1.0/1.1 services), as documented in "Create a signed
// AWS API request" and as botocore's SigV4Auth computes it. Pure functions:
// the time comes in as an argument. Safe from any thread.
//
//   canonical_request ──sha256──> string_to_sign ──HMAC(signing_key)──> signature
//                                                                        │
//   sign(): X-Amz-Date, X-Amz-Security-Token, X-Amz-Content-Sha256 and   v
//           Authorization: AWS4-HMAC-SHA256 Credential=.., SignedHeaders=.., Signature=..

#include <cstdint>
#include <string>
#include <string_view>

#include "src/common/status.h"
#include "src/net/http_client.h"

namespace stepd::net::sigv4 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only; sent as X-Amz-Security-Token
  bool empty() const { return access_key_id.empty(); }
};

struct SigningParams {
  std::string region;   // "us-east-1"
  std::string service;  // the signing name: "lambda", "dynamodb", "states", ...
  std::int64_t now_ms = 0;  // the request time, ms since the Unix epoch (UTC)
  // S3 and a few others want the payload hash as a header; Lambda and the
  // JSON services do not (botocore adds it for S3 only).
  bool content_sha256_header = false;
  // S3 signs the path as sent (botocore's S3SigV4Auth); every other service
  // signs it encoded once more.
  bool path_as_sent = false;
};

// "20150830T123600Z" for the given time.
std::string amz_date(std::int64_t epoch_ms);

// Lower-case hex SHA-256 of data.
std::string sha256_hex(std::string_view data);
// Raw HMAC-SHA256 of data under key.
std::string hmac_sha256(std::string_view key, std::string_view data);

// The canonical request of `call` (method, canonical URI, canonical query,
// canonical headers, signed headers, payload hash), as AWS's test suite
// writes it. Every header of the call is signed except User-Agent, Expect
// and X-Amzn-Trace-Id (botocore's list); a Host header must be present.
// The path is encoded once more as it stands (every service but S3), or
// taken as sent with `path_as_sent` (S3). REQUIRES: call.url parses.
std::string canonical_request(const HttpCall& call, std::string_view payload_hash, bool path_as_sent = false);
// A header value as the canonical request has it: trimmed, runs of spaces
// and tabs squeezed to one (inside quotes too, as AWS's test suite wants).
std::string canonical_header_value(std::string_view v);
// The signed-headers list of `call`: lower-case names, sorted, ';'-joined.
std::string signed_headers(const HttpCall& call);
std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request);
// kSecret -> kDate -> kRegion -> kService -> kSigning, raw bytes.
std::string signing_key(std::string_view secret, std::string_view date8, std::string_view region,
                        std::string_view service);

// Signs `call` in place: adds Host (when missing), X-Amz-Date,
// X-Amz-Security-Token (session credentials), X-Amz-Content-Sha256 (when
// asked) and Authorization, replacing any it had. Errors: InvalidArgument
// when the URL does not parse or the credentials are empty.
Status sign(HttpCall& call, const Credentials& credentials, const SigningParams& params);

}  // namespace stepd::net::sigv4
