#include "src/net/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <ctime>
#include <map>
#include <utility>
#include <vector>

#include "src/net/url.h"

namespace stepd::net::sigv4 {

namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string hex(const unsigned char* p, std::size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

bool unsigned_header(const std::string& name) {
  return name == "user-agent" || name == "expect" || name == "x-amzn-trace-id" || name == "authorization";
}

// name -> values in order, for the headers that get signed.
std::map<std::string, std::vector<std::string>> headers_to_sign(const HttpCall& call) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [k, v] : call.headers) {
    std::string name = lower(k);
    if (!unsigned_header(name)) out[name].push_back(canonical_header_value(v));
  }
  return out;
}

// Query parameters decoded, re-encoded the AWS way, sorted by name then value.
std::string canonical_query(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    auto amp = query.find('&', start);
    std::string_view part(query.data() + start, (amp == std::string::npos ? query.size() : amp) - start);
    if (!part.empty()) {
      auto eq = part.find('=');
      std::string k = url_encode(url_decode(part.substr(0, eq)));
      std::string v = eq == std::string_view::npos ? "" : url_encode(url_decode(part.substr(eq + 1)));
      params.emplace_back(std::move(k), std::move(v));
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

void set_header(HttpCall& call, const std::string& name, std::string value) {
  auto& h = call.headers;
  h.erase(std::remove_if(h.begin(), h.end(), [&](const auto& p) { return lower(p.first) == lower(name); }), h.end());
  h.emplace_back(name, std::move(value));
}

}  // namespace

// AWS: trim the value and squeeze runs of spaces to one (not inside quotes
// either: the test suite's get-header-value-trim expects that).
std::string canonical_header_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string amz_date(std::int64_t epoch_ms) {
  std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return hex(digest, len);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string signed_headers(const HttpCall& call) {
  std::string out;
  for (const auto& [name, values] : headers_to_sign(call)) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string canonical_request(const HttpCall& call, std::string_view payload_hash, bool path_as_sent) {
  auto url = parse_url(call.url);
  assert(url.ok());
  std::string out = call.method + "\n";
  out += !url.ok() ? "/" : path_as_sent ? url->path : url_encode(url->path, /*keep_slash=*/true);
  out += "\n";
  out += url.ok() ? canonical_query(url->query) : "";
  out += "\n";
  for (const auto& [name, values] : headers_to_sign(call)) {
    out += name + ":";
    for (std::size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + values[i];
    out += "\n";
  }
  out += "\n" + signed_headers(call) + "\n";
  out += payload_hash;
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request) {
  std::string out = kAlgorithm;
  out += "\n";
  out += amz_date;
  out += "\n";
  out += scope;
  out += "\n";
  out += sha256_hex(canonical_request);
  return out;
}

std::string signing_key(std::string_view secret, std::string_view date8, std::string_view region,
                        std::string_view service) {
  std::string k = hmac_sha256("AWS4" + std::string(secret), date8);
  k = hmac_sha256(k, region);
  k = hmac_sha256(k, service);
  return hmac_sha256(k, "aws4_request");
}

Status sign(HttpCall& call, const Credentials& credentials, const SigningParams& params) {
  if (credentials.empty()) return Status::invalid("sigv4: no access key to sign with");
  auto url = parse_url(call.url);
  if (!url.ok()) return url.status();
  if (!find_header(call.headers, "host")) call.headers.emplace_back("Host", url->authority());
  const std::string date = amz_date(params.now_ms);
  const std::string date8 = date.substr(0, 8);
  const std::string payload_hash = sha256_hex(call.body);
  set_header(call, "X-Amz-Date", date);
  if (!credentials.session_token.empty()) set_header(call, "X-Amz-Security-Token", credentials.session_token);
  if (params.content_sha256_header) set_header(call, "X-Amz-Content-Sha256", payload_hash);
  const std::string scope = date8 + "/" + params.region + "/" + params.service + "/aws4_request";
  const std::string to_sign = string_to_sign(date, scope, canonical_request(call, payload_hash, params.path_as_sent));
  const std::string key = signing_key(credentials.secret_access_key, date8, params.region, params.service);
  const std::string mac = hmac_sha256(key, to_sign);
  const std::string signature = hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
  set_header(call, "Authorization", std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" + scope +
                                        ", SignedHeaders=" + signed_headers(call) + ", Signature=" + signature);
  return Status();
}

}  // namespace stepd::net::sigv4
