#include "src/api/auth.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "src/intrinsics/base64.h"
#include "src/net/sigv4.h"
#include "src/net/url.h"

namespace stepd::api::auth {

namespace {

namespace sigv4 = net::sigv4;

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";
constexpr char kTerminator[] = "aws4_request";
constexpr std::int64_t kMaxExpiresSeconds = 604800;  // 7 days, as for every presigned SigV4 URL

// AWS's messages (see auth.h for the order they are checked in).
constexpr char kMissingToken[] = "Request is missing Authentication Token";
constexpr char kUnknownKey[] = "The security token included in the request is invalid.";
constexpr char kBadSessionToken[] = "The security token included in the request is invalid";
constexpr char kMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details.";

Failure fail(const char* type, std::string message) { return Failure{400, type, std::move(message)}; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

const std::string* find_header(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return &v;
  }
  return nullptr;
}

// Constant time in the contents (the lengths are public: hex signatures,
// or digests of equal size).
bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Secrets of any length compared without leaking where they differ.
bool same_secret(std::string_view a, std::string_view b) {
  return same(sigv4::sha256_hex(a), sigv4::sha256_hex(b));
}

std::string scope_time(std::int64_t ms) { return sigv4::amz_date(ms); }

// "20150830T123600Z" -> epoch ms; nullopt unless exactly that shape and a real time.
std::optional<std::int64_t> parse_amz_date(std::string_view d) {
  if (d.size() != 16 || d[8] != 'T' || d[15] != 'Z') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14}) {
    if (!std::isdigit(static_cast<unsigned char>(d[i]))) return std::nullopt;
  }
  auto num = [&](std::size_t at, std::size_t n) { return std::stoi(std::string(d.substr(at, n))); };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  std::time_t t = timegm(&tm);
  std::int64_t ms = static_cast<std::int64_t>(t) * 1000;
  if (t == static_cast<std::time_t>(-1) || sigv4::amz_date(ms) != d) return std::nullopt;  // 20150231 etc.
  return ms;
}

// RFC 1123 ("Sun, 30 Aug 2015 12:36:00 GMT") -> epoch ms.
std::optional<std::int64_t> parse_http_date(const std::string& d) {
  std::tm tm{};
  const char* end = strptime(d.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<std::int64_t>(t) * 1000;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

// The query's parameters, decoded, in order.
std::vector<std::pair<std::string, std::string>> query_params(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  if (query.empty()) return out;
  for (std::string_view part : split(query, '&')) {
    if (part.empty()) continue;
    auto eq = part.find('=');
    out.emplace_back(net::url_decode(part.substr(0, eq)),
                     eq == std::string_view::npos ? std::string() : net::url_decode(part.substr(eq + 1)));
  }
  return out;
}

const std::string* param(const std::vector<std::pair<std::string, std::string>>& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return &v;
  }
  return nullptr;
}

// What either form of SigV4 carries, once its presence is checked.
struct Signed {
  std::string algorithm;
  std::string credential;
  std::string signed_headers;
  std::string signature;
  std::string date;  // as given: X-Amz-Date, or the Date header
  bool date_from_http = false;  // the Date header (RFC 1123), not X-Amz-Date
  bool query = false;           // the query-string form
  std::optional<std::int64_t> expires_s;  // X-Amz-Expires (query form)
  std::string session_token;    // X-Amz-Security-Token, header or query
  bool has_session_token = false;
};

}  // namespace

std::string canonical_uri(std::string_view path) {
  // botocore's remove_dot_segments: empty and "." segments dropped, ".."
  // pops, one leading and (when there was one and anything is left) one
  // trailing slash kept.
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  for (std::string_view seg : split(path, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(seg);
  }
  std::string norm = path.front() == '/' ? "/" : "";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i) norm += '/';
    norm += out[i];
  }
  if (path.back() == '/' && !out.empty()) norm += '/';
  return net::url_encode(norm, /*keep_slash=*/true);
}

std::string canonical_query(std::string_view query, std::string_view skip) {
  std::vector<std::pair<std::string, std::string>> params;
  for (auto& [k, v] : query_params(query)) {
    if (!skip.empty() && k == skip) continue;
    params.emplace_back(net::url_encode(k), net::url_encode(v));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

std::string error_body(const Failure& f) {
  boost::json::object o;
  o["__type"] = "com.amazon.coral.service#" + f.type;
  o["message"] = f.message;
  return boost::json::serialize(o);
}

std::string error_type_header(const Failure& f) {
  return f.type + ":http://internal.amazon.com/coral/com.amazon.coral.service/";
}

Result<std::vector<AccessKey>> parse_credentials(std::string_view ini, const std::string& origin) {
  struct Section {
    std::string name;
    std::map<std::string, std::string> values;
    int line = 0;
  };
  std::vector<Section> sections;
  int n = 0;
  bool nested = false;  // the last value was empty: indented lines below belong to it
  for (std::string_view raw : split(ini, '\n')) {
    ++n;
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') return Status::invalid(origin + ":" + std::to_string(n) + ": a section needs ']'");
      std::string name(trim(line.substr(1, line.size() - 2)));
      if (name.rfind("profile ", 0) == 0) name = std::string(trim(std::string_view(name).substr(8)));  // ~/.aws/config
      sections.push_back(Section{name, {}, n});
      nested = false;
      continue;
    }
    // An indented line under "name =" with no value is a nested setting
    // (the config file's "s3 =" then "  max_concurrent_requests = 20"):
    // not a credential.
    const bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (indented && nested) continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      return Status::invalid(origin + ":" + std::to_string(n) + ": expected 'name = value'");
    }
    if (sections.empty()) return Status::invalid(origin + ":" + std::to_string(n) + ": a value before any [profile]");
    std::string value(trim(line.substr(eq + 1)));
    nested = value.empty();
    sections.back().values[lower(trim(line.substr(0, eq)))] = std::move(value);
  }
  std::vector<AccessKey> keys;
  for (const auto& s : sections) {
    auto get = [&](const char* k) {
      auto it = s.values.find(k);
      return it == s.values.end() ? std::string() : it->second;
    };
    AccessKey k{s.name, get("aws_access_key_id"), get("aws_secret_access_key"), get("aws_session_token")};
    if (k.session_token.empty()) k.session_token = get("aws_security_token");  // the older name
    if (k.access_key_id.empty()) continue;
    if (k.secret_access_key.empty()) {
      return Status::invalid(origin + ": profile [" + s.name + "] has aws_access_key_id but no aws_secret_access_key");
    }
    for (const auto& other : keys) {
      if (other.access_key_id == k.access_key_id &&
          (other.secret_access_key != k.secret_access_key || other.session_token != k.session_token)) {
        return Status::invalid(origin + ": access key " + k.access_key_id + " has different secrets in [" +
                               other.profile + "] and [" + s.name + "]");
      }
    }
    keys.push_back(std::move(k));
  }
  if (keys.empty()) {
    return Status::invalid(origin + ": no credentials (a [profile] with aws_access_key_id and aws_secret_access_key)");
  }
  return keys;
}

Result<std::vector<AccessKey>> load_credentials(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io("cannot read the credentials file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::io("cannot read the credentials file " + path);
  return parse_credentials(text.str(), path);
}

Verifier::Verifier(std::vector<AccessKey> keys, VerifierOptions options) : options_(std::move(options)) {
  for (auto& k : keys) {
    std::string id = k.access_key_id;
    keys_.emplace(std::move(id), std::move(k));
  }
}

bool Verifier::basic_ok(const std::string* authorization) const {
  if (authorization == nullptr) return false;
  std::string_view v = trim(*authorization);
  if (v.size() < 6 || !iequals(v.substr(0, 6), "Basic ")) return false;
  auto decoded = intrinsics::base64_decode(trim(v.substr(6)));
  if (!decoded) return false;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return false;
  auto it = keys_.find(std::string_view(*decoded).substr(0, colon));
  // An unknown user still costs a comparison, against itself.
  std::string_view password = std::string_view(*decoded).substr(colon + 1);
  bool match = same_secret(it == keys_.end() ? std::string_view(*decoded) : it->second.secret_access_key, password);
  return it != keys_.end() && match;
}

std::optional<Failure> Verifier::verify(std::string_view method, std::string_view target, const Headers& headers,
                                        std::string_view body, std::int64_t now_ms,
                                        std::string* access_key_id) const {
  std::string_view path = target, query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  if (auto h = path.find('#'); h != std::string_view::npos) path = path.substr(0, h);
  const auto params = query_params(query);
  const std::string* authorization = find_header(headers, "Authorization");
  const std::string* algorithm_param = param(params, "X-Amz-Algorithm");

  Signed s;
  if (authorization != nullptr && algorithm_param != nullptr) {
    return fail("InvalidSignatureException",
                "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
  }
  if (algorithm_param != nullptr) {
    // The query-string form.
    std::string missing;
    auto need = [&](const char* name, bool present) {
      if (!present) missing += std::string("AWS query-string parameters must include '") + name + "'. ";
    };
    const std::string* credential = param(params, "X-Amz-Credential");
    const std::string* signature = param(params, "X-Amz-Signature");
    const std::string* signed_headers = param(params, "X-Amz-SignedHeaders");
    const std::string* date = param(params, "X-Amz-Date");
    need("X-Amz-Algorithm", !algorithm_param->empty());
    need("X-Amz-Credential", credential != nullptr);
    need("X-Amz-Signature", signature != nullptr);
    need("X-Amz-SignedHeaders", signed_headers != nullptr);
    need("X-Amz-Date", date != nullptr);
    if (!missing.empty()) return fail("IncompleteSignatureException", missing + "Re-examine the query-string parameters.");
    s.algorithm = *algorithm_param;
    s.credential = *credential;
    s.signature = *signature;
    s.signed_headers = *signed_headers;
    s.date = *date;
    s.query = true;
    if (const std::string* expires = param(params, "X-Amz-Expires")) {
      bool digits = !expires->empty() && expires->size() <= 9 &&
                    std::all_of(expires->begin(), expires->end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits) {
        return fail("IncompleteSignatureException",
                    "X-Amz-Expires must be non-negative, got '" + *expires + "'. Re-examine the query-string parameters.");
      }
      s.expires_s = std::stoll(*expires);
      if (*s.expires_s > kMaxExpiresSeconds) {
        return fail("IncompleteSignatureException",
                    "X-Amz-Expires must be less than a week (in seconds) that is 604800");
      }
    }
    if (const std::string* token = param(params, "X-Amz-Security-Token")) {
      s.session_token = *token;
      s.has_session_token = true;
    }
  } else {
    // The Authorization header.
    if (authorization == nullptr) return fail("MissingAuthenticationTokenException", kMissingToken);
    std::string_view auth = trim(*authorization);
    if (auth.substr(0, 5) != "AWS4-") return fail("MissingAuthenticationTokenException", kMissingToken);
    auto sp = auth.find_first_of(" \t");
    s.algorithm = std::string(auth.substr(0, sp));
    std::string_view rest = sp == std::string_view::npos ? std::string_view() : auth.substr(sp);
    // Parts separated by commas and/or spaces, each name=value.
    std::map<std::string, std::string, std::less<>> parts;
    std::size_t i = 0;
    while (i < rest.size()) {
      if (rest[i] == ',' || rest[i] == ' ' || rest[i] == '\t') {
        ++i;
        continue;
      }
      std::size_t end = rest.find_first_of(", \t", i);
      std::string_view part = rest.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
      i = end == std::string_view::npos ? rest.size() : end;
      auto eq = part.find('=');
      if (eq == std::string_view::npos) {
        return fail("IncompleteSignatureException", "'" + std::string(part) +
                                                        "' not a valid key=value pair (missing equal-sign) in "
                                                        "Authorization header: '" + *authorization + "'.");
      }
      parts[std::string(part.substr(0, eq))] = std::string(part.substr(eq + 1));
    }
    auto get = [&](const char* name) -> const std::string* {
      auto it = parts.find(name);
      return it == parts.end() ? nullptr : &it->second;
    };
    const std::string* x_amz_date = find_header(headers, "X-Amz-Date");
    const std::string* http_date = find_header(headers, "Date");
    std::string missing;
    for (const char* name : {"Credential", "Signature"}) {
      if (!get(name) || get(name)->empty()) {
        missing += std::string("Authorization header requires '") + name + "' parameter. ";
      }
    }
    if (!get("SignedHeaders")) missing += "Authorization header requires 'SignedHeaders' parameter. ";
    if (!x_amz_date && !http_date) {
      missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    }
    if (!missing.empty()) return fail("IncompleteSignatureException", missing + "Authorization=" + *authorization);
    s.credential = *get("Credential");
    s.signature = *get("Signature");
    s.signed_headers = *get("SignedHeaders");
    s.date = x_amz_date ? *x_amz_date : *http_date;
    s.date_from_http = x_amz_date == nullptr;
    if (const std::string* token = find_header(headers, "X-Amz-Security-Token")) {
      s.session_token = *token;
      s.has_session_token = true;
    }
  }

  // The date, and the clock.
  std::optional<std::int64_t> date_ms = s.date_from_http ? parse_http_date(s.date) : parse_amz_date(s.date);
  if (!date_ms) {
    return fail("IncompleteSignatureException", "Date must be in ISO-8601 'basic format'. Got '" + s.date +
                                                    "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  const std::string amz_date = sigv4::amz_date(*date_ms);
  const std::int64_t skew = options_.max_skew_ms;
  const std::string minutes = std::to_string(skew / 60000) + " min.";
  std::int64_t latest = s.expires_s ? *date_ms + *s.expires_s * 1000 : *date_ms + skew;
  if (now_ms > latest) {
    // "Signature expired: <date> is now earlier than <now - 5 min> (<now> - 5 min.)"
    const std::int64_t window = latest - *date_ms;
    return fail("InvalidSignatureException",
                "Signature expired: " + amz_date + " is now earlier than " + scope_time(now_ms - window) + " (" +
                    scope_time(now_ms) + " - " + (s.expires_s ? std::to_string(window / 60000) + " min." : minutes) +
                    ")");
  }
  if (*date_ms > now_ms + skew) {
    return fail("InvalidSignatureException", "Signature not yet current: " + amz_date + " is still later than " +
                                                 scope_time(now_ms + skew) + " (" + scope_time(now_ms) + " + " +
                                                 minutes + ")");
  }

  // Host must be signed.
  std::vector<std::string> names;
  for (std::string_view n : split(s.signed_headers, ';')) names.push_back(lower(n));
  if (std::find(names.begin(), names.end(), "host") == names.end()) {
    return fail("InvalidSignatureException", "'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (s.algorithm != kAlgorithm) {
    return fail("IncompleteSignatureException",
                "Unsupported AWS 'algorithm': '" + s.algorithm + "' (only AWS4-HMAC-SHA256 for now). ");
  }

  // The credential scope: keyid/date/region/service/aws4_request.
  std::string_view cred = s.credential;
  while (!cred.empty() && cred.back() == '/') cred.remove_suffix(1);
  auto scope = split(cred, '/');
  if (scope.size() != 5) {
    return fail("IncompleteSignatureException",
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" +
                    s.credential + "'");
  }
  std::string wrong;
  if (scope[2] != options_.region) {
    wrong += "Credential should be scoped to a valid region, not '" + std::string(scope[2]) + "'. ";
  }
  if (scope[3] != options_.service) {
    wrong += "Credential should be scoped to correct service: '" + options_.service + "'. ";
  }
  if (scope[4] != kTerminator) {
    wrong += "Credential should be scoped with a valid terminator: 'aws4_request', not '" + std::string(scope[4]) + "'. ";
  }
  if (scope[1] != std::string_view(amz_date).substr(0, 8)) {
    wrong += "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
             std::string(scope[1]) + "' != '" + amz_date.substr(0, 8) + "', from '" + amz_date + "'. ";
  }
  if (!wrong.empty()) {
    wrong.pop_back();
    return fail("InvalidSignatureException", wrong);
  }

  auto key = keys_.find(scope[0]);
  if (key == keys_.end()) return fail("UnrecognizedClientException", kUnknownKey);

  // The canonical request over exactly the headers the client signed.
  std::string creq = std::string(method) + "\n" + canonical_uri(path) + "\n" +
                     canonical_query(query, s.query ? "X-Amz-Signature" : "") + "\n";
  for (const std::string& name : names) {
    creq += name + ":";
    bool first = true;
    for (const auto& [k, v] : headers) {
      if (!iequals(k, name)) continue;
      if (!first) creq += ',';
      creq += net::sigv4::canonical_header_value(v);
      first = false;
    }
    creq += "\n";
  }
  creq += "\n" + s.signed_headers + "\n" + sigv4::sha256_hex(body);
  const std::string scope_text = std::string(scope[1]) + "/" + std::string(scope[2]) + "/" +
                                 std::string(scope[3]) + "/" + std::string(scope[4]);
  const std::string sts = sigv4::string_to_sign(amz_date, scope_text, creq);
  const std::string signing_key =
      sigv4::signing_key(key->second.secret_access_key, scope[1], scope[2], scope[3]);
  const std::string mac = sigv4::hmac_sha256(signing_key, sts);
  static const char kHex[] = "0123456789abcdef";
  std::string expected;
  for (unsigned char c : mac) {
    expected += kHex[c >> 4];
    expected += kHex[c & 15];
  }
  if (!same(expected, s.signature)) {
    return fail("InvalidSignatureException", std::string(kMismatch) +
                                                 "\n\nThe Canonical String for this request should have been\n'" +
                                                 creq + "'\n\nThe String-to-Sign should have been\n'" + sts + "'\n");
  }

  // Temporary credentials: the token must be the key's.
  const std::string& want_token = key->second.session_token;
  if (s.has_session_token || !want_token.empty()) {
    if (!s.has_session_token || want_token.empty() || !same_secret(want_token, s.session_token)) {
      return fail("UnrecognizedClientException", kBadSessionToken);
    }
  }
  if (access_key_id) *access_key_id = key->first;
  return std::nullopt;
}

}  // namespace stepd::api::auth
