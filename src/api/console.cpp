// The web console's server side: assets, the JSON API under /console/api/
// and the live feed. See console.h; the endpoints are listed in README.md
// ("Web console") and in api() below, one line each.
#include "src/api/console.h"

#include <unistd.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "src/asl/machine.h"
#include "src/common/json.h"
#include "src/engine/engine.h"
#include "src/engine/event.h"

namespace stepd::api {

namespace bj = boost::json;
using SteadyClock = std::chrono::steady_clock;

// One open live feed: an execution's new history events, as Server-Sent
// Events, until it closes. Touched by the feed thread only (after setup).
struct Console::Feed {
  std::shared_ptr<HttpStream> stream;
  std::uint64_t seq = 0;
  std::int64_t last_id = 0;  // the last event id sent
  SteadyClock::time_point due;
};

namespace {

// ------------------------------------------------------------ HTTP helpers

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = std::move(body);
  return r;
}

HttpResponse json_response(const bj::value& v) { return json_response(200, json::to_json(v)); }

// Errors in the AWS API's shape, so a script handles both APIs alike.
HttpResponse json_error(int status, const std::string& type, const std::string& message) {
  bj::object o;
  o["__type"] = type;
  o["message"] = message;
  return json_response(status, json::to_json(o));
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoding (and '+' as a space in a query); a bad escape stays as is.
std::string url_decode(std::string_view s, bool query) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (query && s[i] == '+') ? ' ' : s[i];
  }
  return out;
}

// The path's segments, each decoded (an ARN may arrive with its ':' escaped).
std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(url_decode(path.substr(i, j - i), false));
    i = j + 1;
  }
  return out;
}

// The value of `key` in a query string ("a=1&b=2"), or "" when absent.
std::string query_param(const std::string& query, std::string_view key) {
  std::size_t i = 0;
  while (i <= query.size()) {
    std::size_t j = query.find('&', i);
    if (j == std::string::npos) j = query.size();
    std::string_view part(query.data() + i, j - i);
    std::size_t eq = part.find('=');
    if (url_decode(part.substr(0, eq), true) == key)
      return eq == std::string_view::npos ? "" : url_decode(part.substr(eq + 1), true);
    i = j + 1;
  }
  return "";
}

// A non-negative integer query parameter, or `dflt` when absent or not one.
std::int64_t int_param(const std::string& query, std::string_view key, std::int64_t dflt) {
  std::string v = query_param(query, key);
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) return dflt;
  return std::stoll(v);
}

std::string content_type(const std::string& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"}, {".map", "application/json"},
      {".svg", "image/svg+xml"}, {".png", "image/png"},
      {".ico", "image/x-icon"}, {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"}, {".wasm", "application/wasm"},
  };
  for (const auto& [ext, type] : kTypes) {
    std::string_view e(ext);
    if (path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0) return type;
  }
  return "application/octet-stream";
}

// Where the build puts the assets: `console` beside the stepd binary.
std::string default_assets_dir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "console";
  std::string exe(buf, static_cast<std::size_t>(n));
  return exe.substr(0, exe.rfind('/') + 1) + "console";
}

// --------------------------------------------------------- JSON renderings
// Times are epoch milliseconds (…Ms), simpler for scripts and browsers
// than the AWS API's fractional seconds; history events keep AWS's shape.

bj::object machine_summary(const storage::StateMachineRecord& m) {
  bj::object o;
  o["arn"] = m.arn;
  o["name"] = m.name;
  o["type"] = m.type;
  o["status"] = m.status;
  o["createdMs"] = m.creation_ms;
  if (m.update_ms) o["updatedMs"] = m.update_ms;
  o["versionCount"] = static_cast<std::int64_t>(m.versions.size());
  o["aliasCount"] = static_cast<std::int64_t>(m.aliases.size());
  return o;
}

bj::object machine_detail(const storage::StateMachineRecord& m) {
  bj::object o = machine_summary(m);
  o["definition"] = m.definition;
  o["roleArn"] = m.role_arn;
  if (!m.revision_id.empty()) o["revisionId"] = m.revision_id;
  bj::array versions;
  for (const auto& v : m.versions) {
    bj::object x;
    x["arn"] = m.arn + ":" + std::to_string(v.version);
    x["version"] = v.version;
    x["description"] = v.description;
    x["createdMs"] = v.creation_ms;
    versions.push_back(std::move(x));
  }
  o["versions"] = std::move(versions);
  bj::array aliases;
  for (const auto& a : m.aliases) {
    bj::object x;
    x["arn"] = m.arn + ":" + a.name;
    x["name"] = a.name;
    x["description"] = a.description;
    bj::array routing;
    for (const auto& r : a.routing) routing.push_back(bj::object{{"versionArn", r.version_arn}, {"weight", r.weight}});
    x["routing"] = std::move(routing);
    aliases.push_back(std::move(x));
  }
  o["aliases"] = std::move(aliases);
  return o;
}

bj::object execution_summary(const storage::ExecutionRecord& r) {
  bj::object o;
  o["arn"] = r.params.execution_arn;
  o["name"] = r.params.execution_name;
  o["stateMachineArn"] = r.state_machine_arn;
  o["status"] = r.status;
  o["startMs"] = r.params.start_ms;
  if (r.status != "RUNNING") o["stopMs"] = r.stop_ms;
  o["redriveCount"] = r.redrive_count;
  if (r.redrive_ms) o["redriveMs"] = r.redrive_ms;
  if (!r.map_run_arn.empty()) o["mapRunArn"] = r.map_run_arn;
  return o;
}

// DescribeMapRun's counts, named as the AWS API names them.
bj::object counts_json(const storage::MapRunCounts& c) {
  return bj::object{{"pending", c.pending},     {"running", c.running}, {"succeeded", c.succeeded},
                    {"failed", c.failed},       {"timedOut", c.timed_out}, {"aborted", c.aborted},
                    {"total", c.total},         {"resultsWritten", c.results_written}};
}

bj::object map_run_json(const storage::MapRunRecord& r) {
  bj::object o;
  o["arn"] = r.map_run_arn;
  o["executionArn"] = r.execution_arn;
  o["status"] = r.status;
  o["startMs"] = r.start_ms;
  if (r.status != "RUNNING" && r.stop_ms) o["stopMs"] = r.stop_ms;
  o["maxConcurrency"] = r.max_concurrency;
  o["toleratedFailureCount"] = r.tolerated_failure_count;
  o["toleratedFailurePercentage"] = r.tolerated_failure_percentage;
  o["itemCounts"] = counts_json(r.item_counts);
  o["executionCounts"] = counts_json(r.execution_counts);
  o["redriveCount"] = r.redrive_count;
  if (r.redrive_ms) o["redriveMs"] = r.redrive_ms;
  return o;
}

// Why a Map Run could not be read, as DescribeMapRun says it.
HttpResponse map_run_error(const Status& s, const std::string& arn) {
  if (s.code() == Code::kNotFound) return json_error(404, "ResourceNotFound", "Resource not found: '" + arn + "'");
  return json_error(500, "InternalError", s.message());
}

// Reads executions newest first from a cursor: executions_of (a state
// machine's) or executions_of_map_run (a Map Run's children).
using ExecutionReader = std::function<Result<std::vector<storage::ExecutionRecord>>(
    std::size_t max, storage::Journal::ExecutionCursor before)>;

// Up to `limit` summaries with `status` (empty: any) from `cursor` on;
// `next` is set when more may follow (the cursor, as "startMs.seq").
Status list_executions(const ExecutionReader& read, const std::string& status, std::size_t limit,
                       storage::Journal::ExecutionCursor cursor, bj::array& out, std::string& next) {
  constexpr std::size_t kPage = 256;
  bool more = false;
  while (!more) {
    auto page = read(kPage, cursor);
    if (!page.ok()) return page.status();
    for (const auto& r : *page) {
      if (out.size() == limit) {
        more = true;
        break;
      }
      cursor = {r.params.start_ms, r.seq};
      if (status.empty() || r.status == status) out.push_back(execution_summary(r));
    }
    if (page->size() < kPage) break;
  }
  if (more) next = std::to_string(cursor.start_ms) + "." + std::to_string(cursor.seq);
  return Status();
}

// GET ...executions?status=S&limit=N&next=T, over `read`.
HttpResponse execution_page(const ExecutionReader& read, const std::string& query) {
  const auto limit = static_cast<std::size_t>(std::clamp<std::int64_t>(int_param(query, "limit", 50), 1, 1000));
  storage::Journal::ExecutionCursor cursor;
  if (std::string next = query_param(query, "next"); !next.empty()) {
    auto dot = next.find('.');
    if (dot == std::string::npos || next.find_first_not_of("0123456789.") != std::string::npos || dot == 0 ||
        dot + 1 == next.size() || next.find('.', dot + 1) != std::string::npos || next.size() > 40)
      return json_error(400, "InvalidToken", "Invalid next token");
    cursor.start_ms = std::stoll(next.substr(0, dot));
    cursor.seq = std::stoull(next.substr(dot + 1));
  }
  bj::array out;
  std::string next;
  Status s = list_executions(read, query_param(query, "status"), limit, cursor, out, next);
  if (!s.ok()) return json_error(500, "InternalError", s.message());
  bj::object o{{"executions", std::move(out)}};
  if (!next.empty()) o["next"] = next;
  return json_response(o);
}

// The execution's definition: the revision it runs, else (stores older
// than revisions) its state machine's current one.
Result<std::string> definition_of(storage::Journal& journal, const storage::ExecutionRecord& r) {
  if (!r.revision_id.empty()) {
    auto rev = journal.revision(r.revision_id);
    if (!rev.ok()) return rev.status();
    return rev->definition;
  }
  auto sm = journal.state_machine(r.state_machine_arn);
  if (!sm.ok()) return sm.status();
  return sm->definition;
}

// A history event as GetExecutionHistory renders it, plus `frame`: the
// engine's frame it belongs to (0: the execution; else a Parallel branch or
// a Map iteration), which the console groups iterations by.
void append_event(std::string& out, const engine::Event& e) {
  bj::object o = engine::to_history_json(e);
  o["frame"] = e.frame;
  json::append_json(out, o);
}

// One Server-Sent Event: `id` lets EventSource resume after a reconnect.
void append_sse(std::string& out, const char* event, std::int64_t id, const std::string& data) {
  if (event) (out += "event: ") += event, out += '\n';
  if (id) (out += "id: ") += std::to_string(id), out += '\n';
  (out += "data: ") += data;  // JSON text holds no newline
  out += "\n\n";
}

}  // namespace

// ---------------------------------------------------------- Map Runs

Result<storage::MapRunRecord> Console::map_run(const std::string& map_run_arn) {
  if (options_.runtime) return options_.runtime->describe_map_run(map_run_arn);
  return journal_.map_run(map_run_arn);
}

// ---------------------------------------------------------- activities

HttpResponse Console::activities() {
  std::optional<actors::ActivityOverview> live;
  std::string live_error;
  if (options_.runtime) {
    auto o = options_.runtime->activity_overview(1000);
    if (o.ok()) live = std::move(o).value();
    else live_error = o.status().message();
  }
  std::map<std::string, const actors::ActivityOverview::Activity*> now;
  if (live)
    for (const auto& a : live->activities) now[a.arn] = &a;
  bj::array out;
  auto add = [&](const std::string& arn, const std::string& name, std::int64_t created_ms) {
    bj::object o{{"arn", arn}, {"name", name}};
    if (created_ms) o["createdMs"] = created_ms;
    if (live) {
      auto it = now.find(arn);
      const actors::ActivityOverview::Activity* a = it == now.end() ? nullptr : it->second;
      o["pending"] = a ? static_cast<std::int64_t>(a->pending) : 0;
      o["running"] = a ? static_cast<std::int64_t>(a->running) : 0;
      bj::array pollers;
      if (a)
        for (const auto& p : a->http_pollers) pollers.push_back(bj::string_view(p));
      o["pollers"] = std::move(pollers);
      bj::array workers;
      for (const auto& w : live->workers)
        if (std::find(w.activity_arns.begin(), w.activity_arns.end(), arn) != w.activity_arns.end() && w.connected)
          workers.push_back(bj::string_view(w.name));
      o["workers"] = std::move(workers);
      if (a) now.erase(it);
    }
    out.push_back(std::move(o));
  };
  std::string after;
  for (;;) {
    auto page = journal_.activities(after, 500);
    if (!page.ok()) return json_error(500, "InternalError", page.status().message());
    for (const auto& a : *page) add(a.arn, a.name, a.creation_ms);
    if (page->size() < 500) break;
    after = page->back().arn;
  }
  // Tasks of an activity deleted since they were scheduled still wait.
  std::vector<std::string> gone;
  for (const auto& [arn, a] : now) gone.push_back(arn);
  for (const auto& arn : gone) add(arn, arn.substr(arn.rfind(':') + 1), 0);
  bj::object body{{"activities", std::move(out)}};
  if (live) {
    bj::array workers;
    for (const auto& w : live->workers) {
      bj::array arns;
      for (const auto& a : w.activity_arns) arns.push_back(bj::string_view(a));
      workers.push_back(bj::object{{"name", w.name},
                                   {"activities", std::move(arns)},
                                   {"concurrency", w.concurrency},
                                   {"held", static_cast<std::int64_t>(w.held)},
                                   {"connected", w.connected}});
    }
    body["workers"] = std::move(workers);
  } else if (!live_error.empty()) {
    body["liveError"] = live_error;
  }
  return json_response(body);
}

// --------------------------------------------------- compiled definitions

Result<std::shared_ptr<const asl::StateMachine>> Console::machine_of(const storage::ExecutionRecord& record) {
  // A revision never changes; stores older than revisions key by the text.
  std::string key = record.revision_id;
  std::string definition;
  if (key.empty()) {
    auto d = definition_of(journal_, record);
    if (!d.ok()) return d.status();
    definition = std::move(d).value();
    key = "text:" + definition;
  }
  {
    std::lock_guard<std::mutex> l(cache_mu_);
    if (auto it = machine_index_.find(key); it != machine_index_.end()) {
      machines_.splice(machines_.begin(), machines_, it->second);
      return it->second->second;
    }
  }
  if (definition.empty()) {
    auto d = definition_of(journal_, record);
    if (!d.ok()) return d.status();
    definition = std::move(d).value();
  }
  auto compiled = asl::compile_text(definition);  // outside the lock: ~ms for a big definition
  if (!compiled.ok()) return compiled.status();
  std::lock_guard<std::mutex> l(cache_mu_);
  if (machine_index_.count(key)) return *compiled;  // another thread was quicker
  machines_.emplace_front(key, *compiled);
  machine_index_[key] = machines_.begin();
  while (machines_.size() > std::max<std::size_t>(options_.machine_cache, 1)) {
    machine_index_.erase(machines_.back().first);
    machines_.pop_back();
  }
  return std::move(compiled).value();
}

// ------------------------------------------------------------------ Console

Console::Console(storage::Journal& journal, Dispatcher& dispatcher, ConsoleOptions options)
    : journal_(journal), dispatcher_(dispatcher), options_(std::move(options)) {
  if (options_.assets_dir.empty()) options_.assets_dir = default_assets_dir();
  feed_thread_ = std::thread([this] { feed_loop(); });
}

Console::~Console() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  feed_thread_.join();
  for (auto& f : feeds_) f->stream->close();
}

bool Console::wants(const HttpRequest& req) {
  return req.method == "GET" || req.target.rfind("/console/", 0) == 0;
}

void Console::handle(const HttpRequest& req, Respond respond) {
  std::string path = req.target, query;
  if (auto q = path.find('?'); q != std::string::npos) {
    query = path.substr(q + 1);
    path.resize(q);
  }
  auto parts = split_path(path);
  if (parts.size() >= 2 && parts[0] == "console" && parts[1] == "api") {
    parts.erase(parts.begin(), parts.begin() + 2);
    // Actions must say they send JSON: a browser sends that type across
    // origins only after a CORS preflight, which stepd never grants, so a
    // web page elsewhere cannot act on a local stepd (as X-Amz-Target
    // protects the AWS API).
    const std::string* type = req.header("Content-Type");
    if (req.method == "POST" && (!type || type->rfind("application/json", 0) != 0))
      return respond(json_error(415, "UnsupportedMediaType", "Console actions take Content-Type: application/json"));
    return api(req.method, parts, query, req.body, std::move(respond));
  }
  if (req.method != "GET") return respond(json_error(405, "MethodNotAllowed", "The console serves GET only"));
  asset(path, std::move(respond));
}

void Console::asset(const std::string& path, Respond respond) {
  auto parts = split_path(path);
  std::string rel;
  for (const auto& p : parts) {
    // Nothing outside the assets directory, nor any hidden file.
    if (p.empty() || p[0] == '.' || p.find('\\') != std::string::npos || p.find('\0') != std::string::npos)
      return respond(json_error(404, "NotFound", "No such page"));
    rel += "/" + p;
  }
  if (rel.empty()) rel = "/index.html";
  std::ifstream in(options_.assets_dir + rel, std::ios::binary);
  if (!in) {
    if (rel == "/index.html") {
      HttpResponse r;
      r.status = 503;
      r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
      r.body = "The console's assets are not built (looked in " + options_.assets_dir +
               "): build the `stepd` target, which runs Vite.\n";
      return respond(std::move(r));
    }
    return respond(json_error(404, "NotFound", "No such page"));
  }
  std::ostringstream body;
  body << in.rdbuf();
  HttpResponse r;
  r.headers.emplace_back("Content-Type", content_type(rel));
  // Vite names assets after their content hash: they never change.
  r.headers.emplace_back("Cache-Control",
                         rel.rfind("/assets/", 0) == 0 ? "public, max-age=31536000, immutable" : "no-cache");
  r.body = body.str();
  respond(std::move(r));
}

void Console::api(const std::string& method, const std::vector<std::string>& p, const std::string& query,
                  const std::string& body, Respond respond) {
  const std::size_t n = p.size();
  auto is = [&](std::size_t i, const char* s) { return i < n && p[i] == s; };

  if (method == "POST") {
    bj::object req;
    if (!body.empty()) {
      auto parsed = json::parse(body);
      if (!parsed.ok() || !parsed->is_object())
        return respond(json_error(400, "ValidationException", "The body must be a JSON object"));
      req = std::move(parsed->as_object());
    }
    // The actions, through the Step Functions API itself.
    auto proxy = [&](const char* action, bj::object aws_body) {
      dispatcher_.handle(std::string("AWSStepFunctions.") + action, json::to_json(aws_body),
                         [respond](ApiResponse r) { respond(json_response(r.status, std::move(r.body))); });
    };
    auto copy = [&](bj::object& to, const char* from_key, const char* to_key) {
      if (auto it = req.find(from_key); it != req.end()) to[to_key] = it->value();
    };
    // POST /machines {name, definition, type?, roleArn?}: CreateStateMachine
    if (n == 1 && is(0, "machines")) {
      bj::object b;
      copy(b, "name", "name");
      copy(b, "definition", "definition");
      copy(b, "type", "type");
      b["roleArn"] = "arn:aws:iam::" + options_.account + ":role/stepd-console";
      copy(b, "roleArn", "roleArn");
      return proxy("CreateStateMachine", std::move(b));
    }
    // POST /machines/{arn} {definition?, roleArn?}: UpdateStateMachine
    if (n == 2 && is(0, "machines")) {
      bj::object b;
      b["stateMachineArn"] = p[1];
      copy(b, "definition", "definition");
      copy(b, "roleArn", "roleArn");
      return proxy("UpdateStateMachine", std::move(b));
    }
    // POST /machines/{arn}/executions {name?, input?}: StartExecution
    if (n == 3 && is(0, "machines") && is(2, "executions")) {
      bj::object b;
      b["stateMachineArn"] = p[1];
      copy(b, "name", "name");
      copy(b, "input", "input");
      return proxy("StartExecution", std::move(b));
    }
    // POST /validate {definition, type?}: ValidateStateMachineDefinition
    if (n == 1 && is(0, "validate")) {
      bj::object b;
      copy(b, "definition", "definition");
      copy(b, "type", "type");
      return proxy("ValidateStateMachineDefinition", std::move(b));
    }
    // POST /executions/{arn}/stop {error?, cause?}: StopExecution
    if (n == 3 && is(0, "executions") && is(2, "stop")) {
      bj::object b;
      b["executionArn"] = p[1];
      copy(b, "error", "error");
      copy(b, "cause", "cause");
      return proxy("StopExecution", std::move(b));
    }
    // POST /executions/{arn}/redrive: RedriveExecution
    if (n == 3 && is(0, "executions") && is(2, "redrive")) {
      bj::object b;
      b["executionArn"] = p[1];
      return proxy("RedriveExecution", std::move(b));
    }
    return respond(json_error(404, "NotFound", "No such console action"));
  }
  if (method != "GET") return respond(json_error(405, "MethodNotAllowed", "GET or POST"));

  // GET /machines: every state machine, in ARN order.
  if (n == 1 && is(0, "machines")) {
    bj::array out;
    std::string after;
    for (;;) {
      auto page = journal_.state_machines(after, 500);
      if (!page.ok()) return respond(json_error(500, "InternalError", page.status().message()));
      for (const auto& m : *page) out.push_back(machine_summary(m));
      if (page->size() < 500) break;
      after = page->back().arn;
    }
    return respond(json_response(bj::object{{"machines", std::move(out)}}));
  }
  // GET /machines/{arn}: definition, versions, aliases.
  if (n == 2 && is(0, "machines")) {
    auto m = journal_.state_machine(p[1]);
    if (!m.ok()) return respond(json_error(404, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + p[1] + "'"));
    return respond(json_response(machine_detail(*m)));
  }
  // GET /machines/{arn}/executions?status=&limit=&next=: newest first.
  if (n == 3 && is(0, "machines") && is(2, "executions")) {
    return respond(execution_page(
        [&](std::size_t max, storage::Journal::ExecutionCursor c) { return journal_.executions_of(p[1], max, c); },
        query));
  }
  // GET /map-runs/{arn}?children=N: the Map Run (live counts while it
  // runs) and its N newest children (default 10).
  if (n == 2 && is(0, "map-runs")) {
    auto run = map_run(p[1]);
    if (!run.ok()) return respond(map_run_error(run.status(), p[1]));
    bj::object o = map_run_json(*run);
    const auto limit = static_cast<std::size_t>(std::clamp<std::int64_t>(int_param(query, "children", 10), 0, 1000));
    bj::array kids;
    std::string next;
    if (limit > 0) {
      Status s = list_executions(
          [&](std::size_t max, storage::Journal::ExecutionCursor c) {
            return journal_.executions_of_map_run(p[1], max, c);
          },
          "", limit, {}, kids, next);
      if (!s.ok()) return respond(json_error(500, "InternalError", s.message()));
    }
    o["children"] = std::move(kids);
    if (!next.empty()) o["childrenNext"] = next;
    return respond(json_response(o));
  }
  // GET /map-runs/{arn}/executions?status=&limit=&next=: its children,
  // newest first, paged as a machine's executions are.
  if (n == 3 && is(0, "map-runs") && is(2, "executions")) {
    auto run = journal_.map_run(p[1]);
    if (!run.ok()) return respond(map_run_error(run.status(), p[1]));
    return respond(execution_page(
        [&](std::size_t max, storage::Journal::ExecutionCursor c) {
          return journal_.executions_of_map_run(p[1], max, c);
        },
        query));
  }
  // GET /activities: every activity, in ARN order, with its tasks and
  // pollers now; and the remote workers connected.
  if (n == 1 && is(0, "activities")) return respond(activities());
  if (n < 2 || !is(0, "executions")) return respond(json_error(404, "NotFound", "No such console endpoint"));

  const std::string& arn = p[1];
  auto seq = journal_.execution_seq(arn);
  if (!seq.ok()) return respond(json_error(404, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'"));
  // GET /executions/{arn}/events?after=N: the live feed (Server-Sent Events).
  if (n == 3 && is(2, "events")) return open_feed(arn, int_param(query, "after", 0), std::move(respond));

  auto rec = journal_.execution(*seq);
  if (!rec.ok()) return respond(json_error(500, "InternalError", rec.status().message()));
  // GET /executions/{arn}: status, times, input, output, definition.
  if (n == 2) {
    auto definition = definition_of(journal_, *rec);
    bj::object o = execution_summary(*rec);
    o["input"] = rec->params.input_text;
    if (rec->status == "SUCCEEDED") o["output"] = rec->output;
    if (rec->error) o["error"] = *rec->error;
    if (rec->cause) o["cause"] = *rec->cause;
    if (!rec->state_machine_version_arn.empty()) o["stateMachineVersionArn"] = rec->state_machine_version_arn;
    if (!rec->state_machine_alias_arn.empty()) o["stateMachineAliasArn"] = rec->state_machine_alias_arn;
    if (definition.ok()) o["definition"] = *definition;
    return respond(json_response(o));
  }
  // GET /executions/{arn}/map-runs: its Map Runs, oldest first, with live
  // counts for those running.
  if (n == 3 && is(2, "map-runs")) {
    auto runs = journal_.map_runs_of(arn);
    if (!runs.ok()) return respond(json_error(500, "InternalError", runs.status().message()));
    bj::array out;
    for (auto& r : *runs) {
      if (r.status == "RUNNING") {
        auto live = map_run(r.map_run_arn);
        if (live.ok()) r = std::move(live).value();
      }
      out.push_back(map_run_json(r));
    }
    return respond(json_response(bj::object{{"mapRuns", std::move(out)}}));
  }
  // GET /executions/{arn}/history?after=N: the events after id N, as
  // GetExecutionHistory renders them.
  if (n == 3 && is(2, "history")) {
    const std::int64_t after = int_param(query, "after", 0);
    auto events = journal_.history_range(*seq, after + 1, std::numeric_limits<std::size_t>::max());
    if (!events.ok()) return respond(json_error(500, "InternalError", events.status().message()));
    std::string out = "{\"events\":[";
    bool first = true;
    for (const auto& e : *events) {
      if (!first) out += ',';
      first = false;
      append_event(out, e);
    }
    out += "]}";
    return respond(json_response(200, std::move(out)));
  }
  // GET /executions/{arn}/state?at=N: the state after the decision that
  // produced event N, by the same fold that recovery and `stepd replay` use.
  if (n == 3 && is(2, "state")) {
    auto machine = machine_of(*rec);
    if (!machine.ok()) return respond(json_error(500, "InternalError", machine.status().message()));
    auto events = journal_.history(*seq);
    if (!events.ok()) return respond(json_error(500, "InternalError", events.status().message()));
    const std::int64_t at = int_param(query, "at", INT64_MAX);
    bj::object view;
    std::int64_t reached = 0;
    auto folded = engine::fold(*machine, rec->params, *events,
                               [&](std::size_t consumed, const engine::ExecutionState& s) {
                                 if (consumed == 0 || (*events)[consumed - 1].id < at) return true;
                                 view = engine::describe(s);
                                 reached = (*events)[consumed - 1].id;
                                 return false;
                               });
    if (!folded.ok()) return respond(json_error(500, "InternalError", folded.status().message()));
    if (reached == 0) {  // `at` is past the end: the final state
      view = engine::describe(**folded);
      reached = events->empty() ? 0 : events->back().id;
    }
    return respond(json_response(bj::object{{"at", at == INT64_MAX ? reached : at}, {"reached", reached},
                                            {"state", std::move(view)}}));
  }
  respond(json_error(404, "NotFound", "No such console endpoint"));
}

// ---------------------------------------------------------------- live feed
//
// Each open feed is polled by the one feed thread every feed_poll_ms: it
// reads the execution's record, then its history (in that order: a record
// that says "closed" was written with the last event, so the history read
// after it holds everything), and sends the events it has not sent yet.
// Once the execution is closed and all is sent, it sends `event: end` and
// closes. A feed whose history is long reads it less often (see pump).

void Console::open_feed(const std::string& execution_arn, std::int64_t after, Respond respond) {
  auto seq = journal_.execution_seq(execution_arn);
  if (!seq.ok()) return respond(json_error(404, "ExecutionDoesNotExist", "Execution Does Not Exist"));
  HttpResponse r;
  r.headers.emplace_back("Content-Type", "text/event-stream");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = "retry: 1000\n\n";  // EventSource reconnects after 1 s if cut
  std::uint64_t s = *seq;
  r.stream = [this, s, after](std::shared_ptr<HttpStream> stream) {
    auto feed = std::make_shared<Feed>();
    feed->stream = std::move(stream);
    feed->seq = s;
    feed->last_id = after;
    feed->due = SteadyClock::now();
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopping_) return feed->stream->close();
      feeds_.push_back(std::move(feed));
    }
    cv_.notify_all();
  };
  respond(std::move(r));
}

void Console::feed_loop() {
  const auto tick = std::chrono::milliseconds(options_.feed_poll_ms);
  std::unique_lock<std::mutex> l(mu_);
  while (!stopping_) {
    if (feeds_.empty()) {
      cv_.wait(l, [&] { return stopping_ || !feeds_.empty(); });
      continue;
    }
    auto now = SteadyClock::now();
    auto work = feeds_;  // pumped outside the lock: new feeds may arrive meanwhile
    l.unlock();
    std::vector<Feed*> over;
    for (auto& f : work)
      if (f->due <= now && pump(*f)) over.push_back(f.get());
    l.lock();
    feeds_.erase(std::remove_if(feeds_.begin(), feeds_.end(),
                                [&](auto& f) { return std::find(over.begin(), over.end(), f.get()) != over.end(); }),
                 feeds_.end());
    cv_.wait_for(l, tick, [&] { return stopping_; });
  }
}

bool Console::pump(Feed& f) {
  if (!f.stream->open()) return true;
  const auto t0 = SteadyClock::now();
  auto rec = journal_.execution(f.seq);
  auto events = journal_.history_range(f.seq, f.last_id + 1, std::numeric_limits<std::size_t>::max());
  if (!rec.ok() || !events.ok()) {
    f.stream->close();
    return true;
  }
  std::string out;
  for (const auto& e : *events) {
    if (e.id <= f.last_id) continue;
    std::string data;
    append_event(data, e);
    append_sse(out, nullptr, e.id, data);
    f.last_id = e.id;
  }
  const bool closed = rec->status != "RUNNING";
  if (closed) append_sse(out, "end", 0, json::to_json(bj::object{{"status", rec->status}}));
  if (!out.empty() && !f.stream->write(std::move(out))) return true;
  if (closed) {
    f.stream->close();
    return true;
  }
  // Each poll reads only the events after the last one sent; if even that
  // gets slow (a busy store), poll less often so a few feeds cannot starve
  // the rest.
  const auto spent = SteadyClock::now() - t0;
  f.due = SteadyClock::now() + std::max<SteadyClock::duration>(std::chrono::milliseconds(options_.feed_poll_ms),
                                                               4 * spent);
  return false;
}

}  // namespace stepd::api
