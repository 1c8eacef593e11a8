#pragma once
// An in-memory S3 on 127.0.0.1 for the S3 layer's unit tests, on stepd's
// own api::HttpServer (no Beast here): path-style PUT, HEAD and GET objects
// (GET with Range and If-Match), ListObjectsV2 (list-type=2, prefix, max-keys,
// continuation tokens), S3's XML errors (NoSuchBucket, NoSuchKey,
// InvalidRange, PreconditionFailed). It checks nothing of the signature but
// that an Authorization and an X-Amz-Content-Sha256 header are there, and
// records every request. s3rver_test.cpp runs the same layer against a real
// S3-compatible server.

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "src/api/http_server.h"
#include "src/net/url.h"

namespace stepd::testing {

class FakeS3 {
 public:
  struct Seen {
    std::string method;
    std::string target;
    std::string range;  // the Range header, "" when none
    std::string if_match;
    std::string amz_date;         // X-Amz-Date
    std::string security_token;  // X-Amz-Security-Token
  };

  FakeS3() {
    api::HttpServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.stop_grace = std::chrono::milliseconds(100);
    auto s = api::HttpServer::start(o, [this](api::HttpRequest req, api::Respond respond) {
      respond(handle(req));
    });
    REQUIRE(s.ok());
    server_ = std::move(s).value();
  }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  void create_bucket(const std::string& bucket) {
    std::lock_guard<std::mutex> l(mu_);
    buckets_[bucket];
  }
  void put(const std::string& bucket, const std::string& key, std::string data) {
    std::lock_guard<std::mutex> l(mu_);
    buckets_[bucket][key] = std::move(data);
  }
  // The object, or "<missing>".
  std::string get(const std::string& bucket, const std::string& key) const {
    std::lock_guard<std::mutex> l(mu_);
    auto b = buckets_.find(bucket);
    if (b == buckets_.end() || !b->second.count(key)) return "<missing>";
    return b->second.at(key);
  }
  std::vector<std::string> keys(const std::string& bucket) const {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<std::string> out;
    for (const auto& [k, v] : buckets_.at(bucket)) out.push_back(k);
    return out;
  }
  std::vector<Seen> seen() const {
    std::lock_guard<std::mutex> l(mu_);
    return seen_;
  }

 private:
  static std::string etag_of(const std::string& data) {
    return "\"" + std::to_string(std::hash<std::string>()(data)) + "\"";
  }

  static api::HttpResponse error(int status, const std::string& code, const std::string& message) {
    return {status,
            {{"Content-Type", "application/xml"}, {"x-amz-request-id", "REQ123"}, {"x-amz-id-2", "HOST456"}},
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message +
                "</Message><RequestId>REQ123</RequestId><HostId>HOST456</HostId></Error>"};
  }

  static std::string xml_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '&') out += "&amp;";
      else if (c == '<') out += "&lt;";
      else if (c == '>') out += "&gt;";
      else if (c == '"') out += "&quot;";
      else out += c;
    }
    return out;
  }

  // name=value pairs of a query, decoded.
  static std::map<std::string, std::string> query_of(const std::string& q) {
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start < q.size()) {
      std::size_t amp = q.find('&', start);
      std::string part = q.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      std::size_t eq = part.find('=');
      out[net::url_decode(part.substr(0, eq))] = eq == std::string::npos ? "" : net::url_decode(part.substr(eq + 1));
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
    return out;
  }

  api::HttpResponse handle(const api::HttpRequest& req) {
    std::lock_guard<std::mutex> l(mu_);
    const std::string* range = req.header("range");
    const std::string* if_match = req.header("if-match");
    auto value = [&req](const char* name) { return req.header(name) ? *req.header(name) : std::string(); };
    seen_.push_back({req.method, req.target, value("range"), value("if-match"), value("x-amz-date"),
                     value("x-amz-security-token")});
    if (!req.header("authorization") || !req.header("x-amz-content-sha256")) {
      return error(403, "AccessDenied", "Access Denied");
    }
    std::string path = req.target.substr(0, req.target.find('?'));
    std::string query = req.target.find('?') == std::string::npos ? "" : req.target.substr(req.target.find('?') + 1);
    std::size_t slash = path.find('/', 1);
    std::string bucket = net::url_decode(path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1));
    std::string key = slash == std::string::npos ? "" : net::url_decode(path.substr(slash + 1));
    auto b = buckets_.find(bucket);
    if (b == buckets_.end()) return error(404, "NoSuchBucket", "The specified bucket does not exist");
    auto& objects = b->second;
    if (key.empty()) return list(objects, query_of(query));
    if (req.method == "PUT") {
      objects[key] = req.body;
      return {200, {{"ETag", etag_of(req.body)}}, ""};
    }
    auto o = objects.find(key);
    if (req.method == "HEAD") return head(o == objects.end() ? nullptr : &o->second);
    if (o == objects.end()) return error(404, "NoSuchKey", "The specified key does not exist.");
    const std::string& data = o->second;
    if (if_match && *if_match != etag_of(data)) {
      return error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
    }
    if (!range) return {200, {{"ETag", etag_of(data)}}, data};
    std::size_t dash = range->find('-');
    std::size_t first = std::stoull(range->substr(6, dash - 6));
    std::size_t last = std::stoull(range->substr(dash + 1));
    if (first >= data.size()) return error(416, "InvalidRange", "The requested range is not satisfiable");
    last = std::min(last, data.size() - 1);
    return {206,
            {{"ETag", etag_of(data)},
             {"Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                                   std::to_string(data.size())}},
            data.substr(first, last - first + 1)};
  }

  // HttpServer sets Content-Length from the body, so a HEAD's answer
  // carries the object (which the client does not read) and closes the
  // connection, whose bytes are then of no further use.
  static api::HttpResponse head(const std::string* data) {
    if (!data) return {404, {{"x-amz-request-id", "REQ123"}, {"x-amz-id-2", "HOST456"}, {"Connection", "close"}}, ""};
    return {200, {{"ETag", etag_of(*data)}, {"Connection", "close"}}, *data};
  }

  api::HttpResponse list(const std::map<std::string, std::string>& objects,
                         const std::map<std::string, std::string>& q) {
    const std::string prefix = q.count("prefix") ? q.at("prefix") : "";
    const std::size_t max_keys = q.count("max-keys") ? std::stoul(q.at("max-keys")) : 1000;
    auto it = q.count("continuation-token") ? objects.upper_bound(q.at("continuation-token")) : objects.begin();
    std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult><KeyCount>0</KeyCount>";
    std::string last;
    std::size_t n = 0;
    for (; it != objects.end() && n < max_keys; ++it) {
      if (it->first.compare(0, prefix.size(), prefix) != 0) continue;
      body += "<Contents><Key>" + xml_escape(it->first) + "</Key><LastModified>2024-03-01T10:20:30.000Z</LastModified>"
              "<ETag>" + xml_escape(etag_of(it->second)) + "</ETag><Size>" + std::to_string(it->second.size()) +
              "</Size><Owner><ID>x</ID></Owner><StorageClass>STANDARD</StorageClass></Contents>";
      last = it->first;
      ++n;
    }
    bool more = false;
    for (; it != objects.end(); ++it) more = more || it->first.compare(0, prefix.size(), prefix) == 0;
    body += std::string("<IsTruncated>") + (more ? "true" : "false") + "</IsTruncated>";
    if (more) body += "<NextContinuationToken>" + xml_escape(last) + "</NextContinuationToken>";
    return {200, {{"Content-Type", "application/xml"}}, body + "</ListBucketResult>"};
  }

  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, std::string>> buckets_;
  std::vector<Seen> seen_;
  std::unique_ptr<api::HttpServer> server_;
};

}  // namespace stepd::testing
