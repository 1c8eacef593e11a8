#pragma once
// What every action of the API shares: AWS's error and answer shapes,
// request fields, ARNs, page tokens and tags. Internal to src/api.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "src/api/dispatch.h"
#include "src/common/status.h"
#include "storage/journal.h"

namespace stepd::api {

namespace bj = boost::json;

using Done = std::function<void(ApiResponse)>;

constexpr std::size_t kMaxPayload = 262144;      // 256 KiB: input and output
constexpr std::size_t kMaxDefinition = 1048576;  // 1 MiB of definition text
constexpr std::int64_t kDefaultPage = 100;

// HTTP 400 (or `status`) with {"__type": "...#<type>", "message": ...}.
ApiResponse error(const std::string& type, const std::string& message, int status = 400);
// A runtime, engine or journal failure: a Status whose error() names the
// API's exception answers with it; otherwise kNotFound becomes
// `not_found_type`, kInvalidArgument a ValidationException, anything else
// an internal error.
ApiResponse error_from(const Status& s, const std::string& not_found_type);
ApiResponse ok(const bj::object& o);

double seconds(std::int64_t ms);  // epoch milliseconds as the API's epoch seconds
std::int64_t now_ms();
std::string random_uuid();
// A UUID (version 7) that sorts by creation time: an execution name the
// server picks. Its ARN lands at the end of the name index (one page
// touched per commit instead of one per execution) and cannot exist yet.
std::string time_ordered_uuid();
std::string random_hex(std::size_t n);  // n random hex digits

// Request fields: absent, or of the wrong type, give nullptr / nullopt.
const bj::string* str_field(const bj::object& o, const char* key);
std::optional<bool> bool_field(const bj::object& o, const char* key);
const bj::object* obj_field(const bj::object& o, const char* key);
const bj::array* array_field(const bj::object& o, const char* key);
// A required string field, or the ValidationException AWS gives without it.
std::optional<ApiResponse> require(const bj::object& o, const char* key, const bj::string** out);

// "arn:aws:states:<region>:<account>:<kind>:<rest>": false when not one.
bool parse_arn(const std::string& arn, const char* kind, std::string* rest);

// A state machine ARN with an optional qualifier: ":<digits>" is a version,
// any other ":<name>" an alias.
struct MachineArn {
  std::string base;       // the unqualified ARN
  std::string name;
  std::string qualifier;  // empty when unqualified
  std::uint32_t version = 0;  // when the qualifier is a version number
  bool is_version() const { return version != 0; }
  bool is_alias() const { return !qualifier.empty() && version == 0; }
};
std::optional<MachineArn> parse_machine_arn(const std::string& arn);
ApiResponse invalid_arn(const std::string& arn);

// Opaque page tokens (nextToken): the position encrypted and authenticated
// (AES-256-GCM, a random nonce each time) under the page-token key, bound
// to `kind` (the listing and its filters). A token reveals nothing of the
// position; an altered, truncated or forged token, or one of another kind
// or another server, fails to read (the caller answers InvalidToken).
// A position of n bytes makes a token of 4 * ceil((28 + 32 * ceil((n + 2) /
// 32)) / 3) characters: 80 for up to 30 bytes, 640 for an ARN of 400.
std::string make_token(const std::string& kind, const std::string& position);
bool read_token(const std::string& token, const std::string& kind, std::string* position);
// The key page tokens are made with, for the whole process: `key` (any
// length; the AES key is derived from it). Until it is set, a random key
// made at the first token (so tokens do not outlive the process).
void set_page_token_key(std::string key);
// The page-token key for a server secret (storage/secret_key.h's), kept
// apart from what the secret signs itself (task tokens).
std::string derive_page_token_key(std::string_view server_secret);
ApiResponse invalid_token();
// maxResults: 0 or absent gives `dflt`; beyond 1000 a ValidationException.
Result<std::int64_t> page_size(const bj::object& req, std::int64_t dflt);

// Tags as the API shows them, and read from a request ("tags": [{key, value}]).
bj::array tags_json(const std::vector<storage::Tag>& tags);
Result<std::vector<storage::Tag>> read_tags(const bj::object& req, const char* key);
// Adds or replaces `add` in `tags`; false when the result would pass AWS's 50.
bool merge_tags(std::vector<storage::Tag>& tags, const std::vector<storage::Tag>& add);

// Configuration objects kept as JSON text: the request's, or "" when absent.
std::string config_text(const bj::object& req, const char* key);
bj::value config_value(const std::string& text, const bj::value& dflt);

}  // namespace stepd::api
