#include "src/s3/requests.h"

#include <charconv>
#include <utility>

#include "src/net/url.h"
#include "src/s3/xml.h"

namespace stepd::s3 {

namespace {

// S3's SigV4: the payload hash as a header, the path signed as sent.
Status sign(net::HttpCall& call, const Endpoint& ep, std::int64_t now_ms) {
  net::sigv4::SigningParams params{ep.region, "s3", now_ms, /*content_sha256_header=*/true, /*path_as_sent=*/true};
  return net::sigv4::sign(call, ep.credentials, params);
}

std::string base_url(const Endpoint& ep) {
  std::string base = ep.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

std::string object_url(const Endpoint& ep, std::string_view bucket, std::string_view key) {
  return base_url(ep) + "/" + net::url_encode(bucket) + "/" + net::url_encode(key, /*keep_slash=*/true);
}

Result<net::HttpCall> signed_call(std::string method, std::string url, const Endpoint& ep, std::int64_t now_ms,
                                  net::Headers headers = {}, std::string body = {}) {
  net::HttpCall call;
  call.method = std::move(method);
  call.url = std::move(url);
  call.headers = std::move(headers);
  call.body = std::move(body);
  if (Status s = sign(call, ep, now_ms); !s.ok()) return s;
  return call;
}

Status check_names(std::string_view bucket, std::string_view key) {
  if (bucket.empty()) return Status::invalid("S3: the bucket name is empty");
  if (key.empty()) return Status::invalid("S3: the object key is empty");
  return Status();
}

bool ok_status(const net::HttpResult& r) {
  return r.outcome == net::HttpOutcome::kResponse && r.status >= 200 && r.status < 300;
}

const char* code_for_status(int status) {
  switch (status) {
    case 301: return "PermanentRedirect";
    case 304: return "NotModified";
    case 400: return "BadRequest";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 412: return "PreconditionFailed";
    case 416: return "InvalidRange";
    default: return "ServiceError";
  }
}

std::string header_or_empty(const net::HttpResult& r, std::string_view name) {
  const std::string* h = r.header(name);
  return h ? *h : std::string();
}

template <class Int>
bool parse_uint(std::string_view s, Int* out) {
  auto res = std::from_chars(s.data(), s.data() + s.size(), *out);
  return res.ec == std::errc() && res.ptr == s.data() + s.size() && !s.empty();
}

}  // namespace

std::string sdk_cause(const S3Error& e) {
  std::string out = e.message + " (Service: S3, Status Code: " + std::to_string(e.status) +
                    ", Request ID: " + e.request_id;
  if (!e.extended_request_id.empty()) out += ", Extended Request ID: " + e.extended_request_id;
  return out + ")";
}

Status error_status(const net::HttpResult& r) {
  if (r.outcome != net::HttpOutcome::kResponse) {
    return Status::io("Unable to execute HTTP request: " +
                      (r.outcome == net::HttpOutcome::kTimeout ? std::string("timed out") : r.error));
  }
  S3Error e;
  e.status = r.status;
  e.code = xml::text(r.body, "Code").value_or(code_for_status(r.status));
  e.message = xml::text(r.body, "Message").value_or("null");
  e.request_id = xml::text(r.body, "RequestId").value_or(header_or_empty(r, "x-amz-request-id"));
  e.extended_request_id = xml::text(r.body, "HostId").value_or(header_or_empty(r, "x-amz-id-2"));
  return Status::failed(e.code, sdk_cause(e));
}

Result<net::HttpCall> get_object_call(const Endpoint& ep, std::string_view bucket, std::string_view key,
                                      std::uint64_t first, std::uint64_t last, std::string_view if_match,
                                      std::int64_t now_ms) {
  if (Status s = check_names(bucket, key); !s.ok()) return s;
  net::Headers headers{{"Range", "bytes=" + std::to_string(first) + "-" + std::to_string(last)}};
  if (!if_match.empty()) headers.emplace_back("If-Match", std::string(if_match));
  return signed_call("GET", object_url(ep, bucket, key), ep, now_ms, std::move(headers));
}

Result<net::HttpCall> head_object_call(const Endpoint& ep, std::string_view bucket, std::string_view key,
                                       std::int64_t now_ms) {
  if (Status s = check_names(bucket, key); !s.ok()) return s;
  return signed_call("HEAD", object_url(ep, bucket, key), ep, now_ms);
}

Result<net::HttpCall> list_objects_v2_call(const Endpoint& ep, const ListRequest& req, std::int64_t now_ms) {
  if (req.bucket.empty()) return Status::invalid("S3: the bucket name is empty");
  std::string url = base_url(ep) + "/" + net::url_encode(req.bucket) + "?list-type=2";
  if (!req.continuation_token.empty()) url += "&continuation-token=" + net::url_encode(req.continuation_token);
  if (req.max_keys > 0) url += "&max-keys=" + std::to_string(req.max_keys);
  if (!req.prefix.empty()) url += "&prefix=" + net::url_encode(req.prefix);
  return signed_call("GET", std::move(url), ep, now_ms);
}

Result<net::HttpCall> put_object_call(const Endpoint& ep, std::string_view bucket, std::string_view key,
                                      std::string body, std::string_view content_type, std::int64_t now_ms) {
  if (Status s = check_names(bucket, key); !s.ok()) return s;
  return signed_call("PUT", object_url(ep, bucket, key), ep, now_ms, {{"Content-Type", std::string(content_type)}},
                     std::move(body));
}

Result<ObjectPart> read_get_object(net::HttpResult r) {
  if (!ok_status(r)) return error_status(r);
  ObjectPart part;
  part.etag = header_or_empty(r, "etag");
  if (r.status == 200) {  // the whole object: a server that ignores Range
    part.object_size = r.body.size();
    part.data = std::move(r.body);
    return part;
  }
  // "bytes 0-99/1234"
  const std::string* range = r.header("content-range");
  std::string_view v = range ? std::string_view(*range) : std::string_view();
  const auto dash = v.find('-');
  const auto slash = v.find('/');
  if (v.substr(0, 6) != "bytes " || dash == std::string_view::npos || slash == std::string_view::npos ||
      slash < dash || !parse_uint(v.substr(6, dash - 6), &part.offset) ||
      !parse_uint(v.substr(slash + 1), &part.object_size)) {
    return Status::invalid("S3 GetObject: a " + std::to_string(r.status) + " answer without a usable Content-Range: '" +
                           std::string(v) + "'");
  }
  part.data = std::move(r.body);
  return part;
}

Result<ObjectInfo> read_head_object(const net::HttpResult& r) {
  if (!ok_status(r)) return error_status(r);
  ObjectInfo info;
  if (!parse_uint(header_or_empty(r, "content-length"), &info.size)) {
    return Status::invalid("S3 HeadObject: an answer without Content-Length");
  }
  info.etag = header_or_empty(r, "etag");
  info.last_modified = header_or_empty(r, "last-modified");
  return info;
}

Result<ListPage> read_list_objects_v2(const net::HttpResult& r) {
  if (!ok_status(r)) return error_status(r);
  if (xml::elements(r.body, "ListBucketResult").empty()) {
    return Status::invalid("S3 ListObjectsV2: the answer holds no ListBucketResult");
  }
  ListPage page;
  for (std::string_view c : xml::elements(r.body, "Contents")) {
    ObjectEntry e;
    e.key = xml::text(c, "Key").value_or("");
    e.last_modified = xml::text(c, "LastModified").value_or("");
    e.etag = xml::text(c, "ETag").value_or("");
    e.storage_class = xml::text(c, "StorageClass").value_or("STANDARD");
    if (!parse_uint(xml::text(c, "Size").value_or(""), &e.size)) {
      return Status::invalid("S3 ListObjectsV2: an object without a usable Size: " + e.key);
    }
    page.objects.push_back(std::move(e));
  }
  page.truncated = xml::text(r.body, "IsTruncated").value_or("false") == "true";
  page.next_token = xml::text(r.body, "NextContinuationToken").value_or("");
  if (page.truncated && page.next_token.empty()) {
    return Status::invalid("S3 ListObjectsV2: a truncated page without NextContinuationToken");
  }
  return page;
}

Result<std::string> read_put_object(const net::HttpResult& r) {
  if (!ok_status(r)) return error_status(r);
  return header_or_empty(r, "etag");
}

}  // namespace stepd::s3
