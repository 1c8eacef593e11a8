#pragma once
// Authentication of incoming requests (issue #11, `stepd serve --auth
// sigv4 --credentials FILE`): AWS Signature Version 4 as AWS's JSON 1.0
// services (the "Coral" ones: Step Functions, DynamoDB, ...) verify it, and
// HTTP Basic for what a browser cannot sign (the console, /metrics).
//
// Pure: no Beast, no CAF; the request comes in as method, request-target,
// headers and body, the time as an argument. A Verifier is immutable once
// built: safe from any thread.
//
// The checks, in the order AWS makes them, and AWS's answers (all HTTP 400,
// `{"__type": "com.amazon.coral.service#<type>", "message": ...}` and the
// header `x-amzn-ErrorType: <type>:http://internal.amazon.com/coral/com.amazon.coral.service/`):
//
//   both the Authorization header and X-Amz-Algorithm in the query ....... InvalidSignatureException
//   no Authorization header starting "AWS4-" and no X-Amz-Algorithm ...... MissingAuthenticationTokenException
//   a part without '=', Credential / Signature / SignedHeaders / date
//     missing (or the query form's X-Amz-* parameters) ..................... IncompleteSignatureException
//   X-Amz-Date not ISO-8601 basic (Date not RFC 1123) ..................... IncompleteSignatureException
//   the date more than 5 minutes from the server's clock .................. InvalidSignatureException
//   host not among SignedHeaders .......................................... InvalidSignatureException
//   algorithm other than AWS4-HMAC-SHA256 ................................. IncompleteSignatureException
//   Credential not keyid/date/region/service/aws4_request ................. IncompleteSignatureException
//   scope: another region, service, terminator or date .................... InvalidSignatureException
//   an access key id not in the credentials file .......................... UnrecognizedClientException
//   a signature that does not verify (constant-time compare) ............. InvalidSignatureException
//   X-Amz-Security-Token not the key's aws_session_token (or missing) ..... UnrecognizedClientException

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/common/status.h"

namespace stepd::api::auth {

// One key of an AWS shared-credentials file (~/.aws/credentials).
struct AccessKey {
  std::string profile;  // the [section] it came from
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // aws_session_token: temporary credentials; empty otherwise
};

// The keys of a shared-credentials INI text: every [section] holding
// aws_access_key_id (and then aws_secret_access_key, required). Sections
// without a key id (region, output, ...) are skipped. Errors:
// InvalidArgument naming `origin` and the problem (a key id without a
// secret, one key id with two different secrets, no key at all).
Result<std::vector<AccessKey>> parse_credentials(std::string_view ini, const std::string& origin);
// The same, read from a file. Errors: Io when it cannot be read.
Result<std::vector<AccessKey>> load_credentials(const std::string& path);

// Why a request is refused, as AWS answers it.
struct Failure {
  int status = 400;
  std::string type;  // "InvalidSignatureException", ...
  std::string message;
};
// {"__type":"com.amazon.coral.service#<type>","message":"..."}
std::string error_body(const Failure& f);
// "<type>:http://internal.amazon.com/coral/com.amazon.coral.service/"
std::string error_type_header(const Failure& f);

using Headers = std::vector<std::pair<std::string, std::string>>;

struct VerifierOptions {
  std::string region = "us-east-1";  // the server's region: the only scope accepted
  std::string service = "states";    // the signing name
  std::int64_t max_skew_ms = 5 * 60 * 1000;  // AWS's 5 minutes, both ways
};

class Verifier {
 public:
  Verifier(std::vector<AccessKey> keys, VerifierOptions options);

  // nullopt when the request is signed by a known key; else AWS's error.
  // `target` is the request-target as received ("/", "/?X-Amz-Algorithm=...").
  // Both forms are accepted: the Authorization header, and the query
  // string's X-Amz-Algorithm/-Credential/-Date/-SignedHeaders/-Signature
  // (with X-Amz-Expires, at most 7 days). The payload is always hashed
  // (AWS's JSON services sign the body; UNSIGNED-PAYLOAD is refused).
  // On success `*access_key_id` (when given) names the key.
  std::optional<Failure> verify(std::string_view method, std::string_view target, const Headers& headers,
                                std::string_view body, std::int64_t now_ms,
                                std::string* access_key_id = nullptr) const;

  // HTTP Basic (`Authorization: Basic base64(user:password)`): true when
  // the user is a known access key id and the password its secret access
  // key (compared in constant time). `authorization` may be null.
  bool basic_ok(const std::string* authorization) const;

  std::size_t key_count() const { return keys_.size(); }

 private:
  std::map<std::string, AccessKey, std::less<>> keys_;  // by access key id
  VerifierOptions options_;
};

// The canonical URI AWS signs for every service but S3: the path as
// received, dot segments and repeated slashes removed, then percent-encoded
// once more (botocore's SigV4Auth). Exposed for tests.
std::string canonical_uri(std::string_view path);
// The canonical query string: parameters decoded and re-encoded (RFC 3986
// unreserved kept), sorted by name then value; `skip` leaves one name out
// (X-Amz-Signature in the query form). Exposed for tests.
std::string canonical_query(std::string_view query, std::string_view skip = {});

}  // namespace stepd::api::auth
