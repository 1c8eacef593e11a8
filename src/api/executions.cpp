// Executions (start, sync start, stop, describe, list, history, redrive)
// and map runs.
#include <algorithm>
#include <functional>
#include <random>

#include "src/api/api_util.h"
#include "src/common/json.h"
#include "src/engine/event.h"

namespace stepd::api {

namespace {

bool terminal_failure(const std::string& status) {
  return status == "FAILED" || status == "TIMED_OUT" || status == "ABORTED";
}

// `history_full`: too many events to redrive (storage::too_long_to_redrive).
bj::object describe_record(const storage::ExecutionRecord& r, bool include_data, bool history_full) {
  bj::object o;
  o["executionArn"] = r.params.execution_arn;
  o["stateMachineArn"] = r.state_machine_arn;
  o["name"] = r.params.execution_name;
  o["status"] = r.status;
  o["startDate"] = seconds(r.params.start_ms);
  if (r.status != "RUNNING") o["stopDate"] = seconds(r.stop_ms);
  bj::object included;
  included["included"] = include_data;
  if (include_data) o["input"] = r.params.input_text;
  o["inputDetails"] = included;
  if (r.status == "SUCCEEDED") {
    if (include_data) o["output"] = r.output;
    o["outputDetails"] = included;
  }
  if (!r.trace_header.empty()) o["traceHeader"] = r.trace_header;
  if (r.error) o["error"] = *r.error;
  if (r.cause) o["cause"] = *r.cause;
  if (!r.state_machine_version_arn.empty()) o["stateMachineVersionArn"] = r.state_machine_version_arn;
  if (!r.state_machine_alias_arn.empty()) o["stateMachineAliasArn"] = r.state_machine_alias_arn;
  if (!r.map_run_arn.empty()) o["mapRunArn"] = r.map_run_arn;
  o["redriveCount"] = r.redrive_count;
  if (r.redrive_ms) o["redriveDate"] = seconds(r.redrive_ms);
  if (terminal_failure(r.status) && history_full) {
    o["redriveStatus"] = "NOT_REDRIVABLE";
    o["redriveStatusReason"] = storage::kHistoryLimitReason;
  } else if (terminal_failure(r.status)) {
    o["redriveStatus"] = "REDRIVABLE";
  } else {
    o["redriveStatus"] = "NOT_REDRIVABLE";
    o["redriveStatusReason"] = "Execution is " + r.status + " and cannot be redriven";
  }
  return o;
}

// includedData: ALL_DATA (the default) or METADATA_ONLY.
Result<bool> included_data(const bj::object& req) {
  const auto* v = str_field(req, "includedData");
  if (!v || *v == "ALL_DATA") return true;
  if (*v == "METADATA_ONLY") return false;
  return Status::invalid("Value '" + std::string(*v) + "' at 'includedData' failed to satisfy constraint: "
                         "Member must satisfy enum value set: [ALL_DATA, METADATA_ONLY]");
}

ApiResponse no_execution(const std::string& arn) {
  return error("ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
}

bool execution_arn_shape(const std::string& arn) {
  std::string rest;
  return parse_arn(arn, "execution", &rest) || parse_arn(arn, "express", &rest);
}

std::uint32_t weighted_pick(const std::vector<storage::RoutingEntry>& routing) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uint32_t roll = std::uniform_int_distribution<std::uint32_t>(0, 99)(rng), sum = 0;
  for (std::size_t i = 0; i < routing.size(); ++i) {
    sum += routing[i].weight;
    if (roll < sum) return static_cast<std::uint32_t>(i);
  }
  return static_cast<std::uint32_t>(routing.size() - 1);
}

}  // namespace

// What StartExecution and StartSyncExecution share: the machine (through a
// version or an alias too), the name, the input; or the error to answer.
namespace {
struct StartResolution {
  actors::Runtime::StartRequest request;
  std::string type;
  std::optional<ApiResponse> error;
};
}  // namespace

using MachineLookup = std::function<Result<std::shared_ptr<const storage::StateMachineRecord>>(const std::string&)>;

static StartResolution resolve_start(const bj::object& req, const MachineLookup& machine) {
  StartResolution out;
  auto fail = [&](ApiResponse r) {
    out.error = std::move(r);
    return out;
  };
  const bj::string* a;
  if (auto e = require(req, "stateMachineArn", &a)) return fail(*e);
  auto m = parse_machine_arn(std::string(*a));
  if (!m) return fail(invalid_arn(std::string(*a)));
  auto& r = out.request;
  if (const auto* n = str_field(req, "name")) {
    r.name = std::string(*n);
  } else {
    r.name = time_ordered_uuid();
    r.fresh_name = true;
  }
  if (auto e = name_length_error(r.name)) return fail(*e);
  if (!valid_name(r.name)) return fail(error("InvalidName", "Invalid Name: '" + r.name + "'"));
  if (const auto* in = str_field(req, "input")) r.input = std::string(*in);
  if (r.input.size() > kMaxPayload) {
    return fail(error("InvalidExecutionInput", "Invalid Execution Input: 'The input is larger than 256 KiB'"));
  }
  if (const auto* t = str_field(req, "traceHeader")) r.trace_header = std::string(*t);
  auto missing = [&] { return error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + std::string(*a) + "'"); };
  auto found = machine(m->base);
  if (!found.ok()) return fail(missing());
  const storage::StateMachineRecord* sm = found->get();
  out.type = sm->type;
  r.state_machine_arn = m->base;
  r.revision_id = sm->revision_id;
  std::uint32_t version = m->version;
  if (m->is_alias()) {
    const storage::StateMachineAlias* alias = nullptr;
    for (const auto& x : sm->aliases) {
      if (x.name == m->qualifier) alias = &x;
    }
    if (!alias || alias->routing.empty()) return fail(missing());
    r.alias_arn = std::string(*a);
    const auto& pick = alias->routing[weighted_pick(alias->routing)];
    r.version_arn = pick.version_arn;
    version = parse_machine_arn(pick.version_arn)->version;
  } else if (m->is_version()) {
    r.version_arn = std::string(*a);
  }
  if (version) {
    const storage::StateMachineVersion* v = nullptr;
    for (const auto& x : sm->versions) {
      if (x.version == version) v = &x;
    }
    if (!v) return fail(missing());
    r.revision_id = v->revision_id;
  }
  return out;
}

void Dispatcher::start_execution(const Request& req, Done done) {
  auto s = resolve_start(req, [this](const std::string& a) { return machine_ref(a); });
  if (s.error) return done(*s.error);
  const auto& r = s.request;
  if (s.type == "STANDARD" && !r.fresh_name) {
    std::string exec_arn = arn("execution", parse_machine_arn(r.state_machine_arn)->name + ":" + r.name);
    if (auto seq = journal_.execution_seq(exec_arn); seq.ok()) {
      // Idempotent only while it runs with the same input.
      auto rec = journal_.execution(*seq);
      if (rec.ok() && rec->status == "RUNNING" && rec->params.input_text == r.input) {
        bj::object o;
        o["executionArn"] = exec_arn;
        o["startDate"] = seconds(rec->params.start_ms);
        return done(ok(o));
      }
      return done(error("ExecutionAlreadyExists", "Execution Already Exists: '" + exec_arn + "'"));
    }
  }
  runtime_.start_execution_async(r, [done](Result<actors::Runtime::StartedExecution> started) {
    if (!started.ok()) {
      // The runtime parses the input once and refuses it if it is not JSON.
      if (started.status().code() == Code::kInvalidArgument) {
        return done(error("InvalidExecutionInput",
                          "Invalid State Machine Execution Input: '" + started.status().message() + "'"));
      }
      return done(error("InternalError", started.status().message(), 500));
    }
    bj::object o;
    o["executionArn"] = started->execution_arn;
    o["startDate"] = seconds(started->start_ms);
    done(ok(o));
  });
}

void Dispatcher::start_sync_execution(const Request& req, Done done) {
  auto s = resolve_start(req, [this](const std::string& a) { return machine_ref(a); });
  if (s.error) return done(*s.error);
  if (s.type != "EXPRESS") {
    return done(error("StateMachineTypeNotSupported",
                      "This operation is not supported by this type of state machine: STANDARD"));
  }
  auto include = included_data(req);
  if (!include.ok()) return done(error("ValidationException", include.status().message()));
  bool with_data = *include;
  runtime_.start_sync_execution_async(s.request, [done, with_data](Result<storage::ExecutionRecord> r) {
    if (!r.ok()) {
      if (r.status().code() == Code::kInvalidArgument) {
        return done(error("InvalidExecutionInput",
                          "Invalid State Machine Execution Input: '" + r.status().message() + "'"));
      }
      return done(error("InternalError", r.status().message(), 500));
    }
    bj::object o;
    o["executionArn"] = r->params.execution_arn;
    o["stateMachineArn"] = r->state_machine_arn;
    o["name"] = r->params.execution_name;
    o["startDate"] = seconds(r->params.start_ms);
    o["stopDate"] = seconds(r->stop_ms);
    o["status"] = r->status;
    bj::object included;
    included["included"] = with_data;
    if (with_data) o["input"] = r->params.input_text;
    o["inputDetails"] = included;
    if (r->status == "SUCCEEDED") {
      if (with_data) o["output"] = r->output;
      o["outputDetails"] = included;
    }
    if (r->error) o["error"] = *r->error;
    if (r->cause) o["cause"] = *r->cause;
    if (!r->trace_header.empty()) o["traceHeader"] = r->trace_header;
    // Billed as AWS bills EXPRESS: 64 MB, duration rounded up to 100 ms.
    std::int64_t ms = std::max<std::int64_t>(r->stop_ms - r->params.start_ms, 0);
    bj::object billing;
    billing["billedMemoryUsedInMB"] = 64;
    billing["billedDurationInMilliseconds"] = std::max<std::int64_t>(100, (ms + 99) / 100 * 100);
    o["billingDetails"] = billing;
    done(ok(o));
  });
}

void Dispatcher::stop_execution(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "executionArn", &a)) return done(*e);
  if (!execution_arn_shape(std::string(*a))) return done(invalid_arn(std::string(*a)));
  std::optional<std::string> err, cause;
  if (const auto* e = str_field(req, "error")) err = std::string(*e);
  if (const auto* c = str_field(req, "cause")) cause = std::string(*c);
  if (err && err->size() > 256) return done(error("ValidationException", "error must be at most 256 characters"));
  if (cause && cause->size() > 32768) return done(error("ValidationException", "cause must be at most 32768 characters"));
  runtime_.stop_execution(std::string(*a), err, cause, [done](Result<storage::ExecutionRecord> r) {
    if (!r.ok()) return done(error_from(r.status(), "ExecutionDoesNotExist"));
    bj::object o;
    o["stopDate"] = seconds(r->stop_ms);
    done(ok(o));
  });
}

void Dispatcher::redrive_execution(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "executionArn", &a)) return done(*e);
  if (!execution_arn_shape(std::string(*a))) return done(invalid_arn(std::string(*a)));
  runtime_.redrive_execution(std::string(*a), [done](Result<storage::ExecutionRecord> r) {
    if (!r.ok()) return done(error_from(r.status(), "ExecutionDoesNotExist"));
    bj::object o;
    o["redriveDate"] = seconds(r->redrive_ms);
    done(ok(o));
  });
}

void Dispatcher::describe_execution(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "executionArn", &a)) return done(*e);
  if (!execution_arn_shape(std::string(*a))) return done(invalid_arn(std::string(*a)));
  auto include = included_data(req);
  if (!include.ok()) return done(error("ValidationException", include.status().message()));
  auto seq = journal_.execution_seq(std::string(*a));
  if (!seq.ok()) return done(no_execution(std::string(*a)));
  auto rec = journal_.execution(*seq);
  if (!rec.ok()) return done(error("InternalError", rec.status().message(), 500));
  const bool full = terminal_failure(rec->status) && storage::too_long_to_redrive(journal_, *seq);
  done(ok(describe_record(*rec, *include, full)));
}

void Dispatcher::describe_state_machine_for_execution(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "executionArn", &a)) return done(*e);
  if (!execution_arn_shape(std::string(*a))) return done(invalid_arn(std::string(*a)));
  auto seq = journal_.execution_seq(std::string(*a));
  if (!seq.ok()) return done(no_execution(std::string(*a)));
  auto rec = journal_.execution(*seq);
  if (!rec.ok()) return done(error("InternalError", rec.status().message(), 500));
  auto sm = machine(rec->state_machine_arn);  // may be deleted since: the revision still tells
  std::string definition, role;
  std::int64_t updated = rec->params.start_ms;
  if (!rec->revision_id.empty()) {
    auto rev = journal_.revision(rec->revision_id);
    if (!rev.ok()) return done(error("InternalError", rev.status().message(), 500));
    definition = rev->definition;
    role = rev->role_arn;
    updated = rev->creation_ms;
  } else if (sm.ok()) {
    definition = sm->definition;
    role = sm->role_arn;
    updated = sm->update_ms ? sm->update_ms : sm->creation_ms;
  } else {
    return done(no_execution(std::string(*a)));
  }
  bj::object o;
  o["stateMachineArn"] = rec->state_machine_arn;
  o["name"] = rec->params.state_machine_name;
  o["definition"] = definition;
  o["roleArn"] = role;
  o["updateDate"] = seconds(updated);
  if (!rec->revision_id.empty()) o["revisionId"] = rec->revision_id;
  bj::object logging;
  logging["level"] = "OFF";
  logging["includeExecutionData"] = false;
  o["loggingConfiguration"] = sm.ok() ? config_value(sm->logging_configuration, logging) : bj::value(logging);
  bj::object tracing;
  tracing["enabled"] = sm.ok() && sm->tracing_enabled;
  o["tracingConfiguration"] = tracing;
  if (!rec->map_run_arn.empty()) {  // a Distributed Map's child: its Map Run and the Map's label
    o["mapRunArn"] = rec->map_run_arn;
    const std::string& n = rec->params.state_machine_name;
    o["label"] = n.substr(n.find('/') == std::string::npos ? 0 : n.find('/') + 1);
  }
  done(ok(o));
}

void Dispatcher::list_executions(const Request& req, Done done) {
  const auto* a = str_field(req, "stateMachineArn");
  const auto* map_run = str_field(req, "mapRunArn");
  if (!a && !map_run) return done(error("ValidationException", "Must provide a StateMachine ARN or MapRun ARN"));
  if (a && map_run) return done(error("ValidationException", "Must provide only one of StateMachine ARN or MapRun ARN"));
  std::optional<MachineArn> m;
  if (a) {
    m = parse_machine_arn(std::string(*a));
    if (!m) return done(invalid_arn(std::string(*a)));
  } else {
    std::string rest;
    if (!parse_arn(std::string(*map_run), "mapRun", &rest)) return done(invalid_arn(std::string(*map_run)));
  }
  auto max = page_size(req, kDefaultPage);
  if (!max.ok()) return done(error("ValidationException", max.status().message()));
  std::string status;
  if (const auto* f = str_field(req, "statusFilter")) status = std::string(*f);
  std::string redrive;
  if (const auto* f = str_field(req, "redriveFilter")) redrive = std::string(*f);
  if (!redrive.empty() && redrive != "REDRIVEN" && redrive != "NOT_REDRIVEN") {
    return done(error("ValidationException", "Value '" + redrive + "' at 'redriveFilter' failed to satisfy constraint"));
  }
  // Where the records come from: a state machine's executions, or a Map Run's children.
  std::function<Result<std::vector<storage::ExecutionRecord>>(storage::Journal::ExecutionCursor)> source;
  if (m) {
    auto sm = machine(m->base);
    if (!sm.ok()) {
      return done(error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + std::string(*a) + "'"));
    }
    if (sm->type == "EXPRESS") {
      return done(error("StateMachineTypeNotSupported",
                        "This operation is not supported by this type of state machine: EXPRESS"));
    }
    source = [this, base = m->base](storage::Journal::ExecutionCursor c) { return journal_.executions_of(base, 256, c); };
  } else {
    if (!journal_.map_run(std::string(*map_run)).ok()) {
      return done(error("ResourceNotFound", "Resource not found: '" + std::string(*map_run) + "'"));
    }
    source = [this, arn = std::string(*map_run)](storage::Journal::ExecutionCursor c) {
      return journal_.executions_of_map_run(arn, 256, c);
    };
  }
  const std::string kind = (m ? "x" + std::string(*a) : "m" + std::string(*map_run)) + "|" + status + "|" + redrive;
  storage::Journal::ExecutionCursor cursor;
  if (const auto* token = str_field(req, "nextToken")) {
    std::string pos;
    auto dot = std::string::npos;
    if (!read_token(std::string(*token), kind, &pos) || (dot = pos.find('.')) == std::string::npos ||
        pos.find_first_not_of("0123456789.") != std::string::npos || dot == 0 || dot + 1 == pos.size() ||
        pos.size() > 40) {
      return done(invalid_token());
    }
    cursor.start_ms = std::stoll(pos.substr(0, dot));
    cursor.seq = std::stoull(pos.substr(dot + 1));
  }
  auto wanted = [&](const storage::ExecutionRecord& r) {
    if (!status.empty() && r.status != status) return false;
    if (redrive == "REDRIVEN" && r.redrive_count == 0) return false;
    if (redrive == "NOT_REDRIVEN" && r.redrive_count != 0) return false;
    if (m && m->is_version() && r.state_machine_version_arn != *a) return false;
    if (m && m->is_alias() && r.state_machine_alias_arn != *a) return false;
    return true;
  };
  std::vector<storage::ExecutionRecord> found;
  bool more = false;
  const std::size_t limit = static_cast<std::size_t>(*max);
  storage::Journal::ExecutionCursor scan = cursor;  // where the walk reads on; `cursor`: the last one returned
  while (!more) {
    auto page = source(scan);
    if (!page.ok()) return done(error("InternalError", page.status().message(), 500));
    for (auto& r : *page) {
      scan = {r.params.start_ms, r.seq};
      if (!wanted(r)) continue;
      if (found.size() == limit) {
        more = true;
        break;
      }
      cursor = scan;
      found.push_back(std::move(r));
    }
    if (page->size() < 256) break;
  }
  bj::array items;
  for (const auto& r : found) {
    bj::object o;
    o["executionArn"] = r.params.execution_arn;
    o["stateMachineArn"] = r.state_machine_arn;
    o["name"] = r.params.execution_name;
    o["status"] = r.status;
    o["startDate"] = seconds(r.params.start_ms);
    if (r.status != "RUNNING") o["stopDate"] = seconds(r.stop_ms);
    if (!r.state_machine_version_arn.empty()) o["stateMachineVersionArn"] = r.state_machine_version_arn;
    if (!r.state_machine_alias_arn.empty()) o["stateMachineAliasArn"] = r.state_machine_alias_arn;
    o["redriveCount"] = r.redrive_count;
    if (r.redrive_ms) o["redriveDate"] = seconds(r.redrive_ms);
    if (map_run) o["mapRunArn"] = r.map_run_arn;  // only when listed by Map Run, as AWS does
    items.push_back(std::move(o));
  }
  bj::object out;
  out["executions"] = std::move(items);
  if (more) out["nextToken"] = make_token(kind, std::to_string(cursor.start_ms) + "." + std::to_string(cursor.seq));
  done(ok(out));
}

void Dispatcher::get_execution_history(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "executionArn", &a)) return done(*e);
  if (!execution_arn_shape(std::string(*a))) return done(invalid_arn(std::string(*a)));
  auto seq = journal_.execution_seq(std::string(*a));
  if (!seq.ok()) return done(no_execution(std::string(*a)));
  bool include_data = bool_field(req, "includeExecutionData").value_or(true);
  auto max = page_size(req, kDefaultPage);
  if (!max.ok()) return done(error("ValidationException", max.status().message()));
  bool reverse = bool_field(req, "reverseOrder").value_or(false);
  std::size_t from = 0;
  if (const auto* token = str_field(req, "nextToken")) {
    std::string pos;
    if (!read_token(std::string(*token), "h" + std::to_string(*seq), &pos) || pos.empty() ||
        pos.find_first_not_of("0123456789") != std::string::npos || pos.size() > 9) {
      return done(invalid_token());
    }
    from = static_cast<std::size_t>(std::stoul(pos));
  }
  const auto page = static_cast<std::size_t>(*max);
  bj::array out;
  bool more = false;
  if (!reverse) {
    // Event ids run 1, 2, 3...: position `from` is id from + 1. One event
    // past the page tells whether there is a next one.
    auto events = journal_.history_range(*seq, static_cast<std::int64_t>(from) + 1, page + 1);
    if (!events.ok()) return done(error("InternalError", events.status().message(), 500));
    more = events->size() > page;
    for (std::size_t i = 0; i < std::min(page, events->size()); ++i) {
      out.push_back(engine::to_history_json((*events)[i], include_data));
    }
  } else {
    auto events = journal_.history(*seq);
    if (!events.ok()) return done(error("InternalError", events.status().message(), 500));
    std::reverse(events->begin(), events->end());
    std::size_t end = std::min(events->size(), from + page);
    for (std::size_t i = from; i < end; ++i) out.push_back(engine::to_history_json((*events)[i], include_data));
    more = end < events->size();
  }
  bj::object r;
  r["events"] = std::move(out);
  if (more) r["nextToken"] = make_token("h" + std::to_string(*seq), std::to_string(from + page));
  done(ok(r));
}

// ---- Map Runs (Distributed Map, actors/map_run.h) --------------------------

namespace {

bj::object counts_json(const storage::MapRunCounts& c) {
  bj::object o;
  o["pending"] = c.pending;
  o["running"] = c.running;
  o["succeeded"] = c.succeeded;
  o["failed"] = c.failed;
  o["timedOut"] = c.timed_out;
  o["aborted"] = c.aborted;
  o["total"] = c.total;
  o["resultsWritten"] = c.results_written;
  // Unsuccessful children are all redrivable while their parent is.
  o["failuresNotRedrivable"] = 0;
  o["pendingRedrive"] = 0;
  return o;
}

}  // namespace

void Dispatcher::describe_map_run(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "mapRunArn", &a)) return done(*e);
  std::string rest;
  if (!parse_arn(std::string(*a), "mapRun", &rest)) return done(invalid_arn(std::string(*a)));
  auto r = runtime_.describe_map_run(std::string(*a));
  if (!r.ok()) {
    if (r.status().code() == Code::kNotFound) {
      return done(error("ResourceNotFound", "Resource not found: '" + std::string(*a) + "'"));
    }
    return done(error("InternalError", r.status().message(), 500));
  }
  bj::object o;
  o["mapRunArn"] = r->map_run_arn;
  o["executionArn"] = r->execution_arn;
  o["status"] = r->status;
  o["startDate"] = seconds(r->start_ms);
  if (r->status != "RUNNING" && r->stop_ms) o["stopDate"] = seconds(r->stop_ms);
  o["maxConcurrency"] = r->max_concurrency;
  o["toleratedFailurePercentage"] = r->tolerated_failure_percentage;
  o["toleratedFailureCount"] = r->tolerated_failure_count;
  o["itemCounts"] = counts_json(r->item_counts);
  o["executionCounts"] = counts_json(r->execution_counts);
  o["redriveCount"] = r->redrive_count;
  if (r->redrive_ms) o["redriveDate"] = seconds(r->redrive_ms);
  done(ok(o));
}

void Dispatcher::update_map_run(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "mapRunArn", &a)) return done(*e);
  std::string rest;
  if (!parse_arn(std::string(*a), "mapRun", &rest)) return done(invalid_arn(std::string(*a)));
  std::optional<std::int64_t> max_concurrency, count;
  std::optional<double> percentage;
  if (const auto* v = req.if_contains("maxConcurrency")) {
    if (!v->is_int64() || v->get_int64() < 0) {
      return done(error("ValidationException", "maxConcurrency must be a non-negative integer"));
    }
    max_concurrency = v->get_int64();
  }
  if (const auto* v = req.if_contains("toleratedFailureCount")) {
    if (!v->is_int64() || v->get_int64() < 0) {
      return done(error("ValidationException", "toleratedFailureCount must be a non-negative integer"));
    }
    count = v->get_int64();
  }
  if (const auto* v = req.if_contains("toleratedFailurePercentage")) {
    if (!v->is_number() || json::to_double(*v) < 0 || json::to_double(*v) > 100) {
      return done(error("ValidationException", "toleratedFailurePercentage must be between 0 and 100"));
    }
    percentage = json::to_double(*v);
  }
  if (!max_concurrency && !count && !percentage) {
    return done(error("ValidationException",
                      "at least one of maxConcurrency, toleratedFailurePercentage or toleratedFailureCount is required"));
  }
  Status s = runtime_.update_map_run(std::string(*a), max_concurrency, count, percentage);
  if (s.code() == Code::kNotFound) return done(error("ResourceNotFound", "Resource not found: '" + std::string(*a) + "'"));
  if (!s.ok()) return done(error(s.error().empty() ? "ValidationException" : s.error(), s.message()));
  done(ok(bj::object()));
}

void Dispatcher::list_map_runs(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "executionArn", &a)) return done(*e);
  if (!execution_arn_shape(std::string(*a))) return done(invalid_arn(std::string(*a)));
  auto max = page_size(req, kDefaultPage);
  if (!max.ok()) return done(error("ValidationException", max.status().message()));
  std::size_t from = 0;
  const std::string kind = "mr" + std::string(*a);
  if (const auto* token = str_field(req, "nextToken")) {
    std::string pos;
    if (!read_token(std::string(*token), kind, &pos) || pos.empty() || pos.size() > 18 ||
        pos.find_first_not_of("0123456789") != std::string::npos) {
      return done(invalid_token());
    }
    from = static_cast<std::size_t>(std::stoull(pos));
  }
  auto seq = journal_.execution_seq(std::string(*a));
  if (!seq.ok()) return done(no_execution(std::string(*a)));
  auto parent = journal_.execution(*seq);
  if (!parent.ok()) return done(error("InternalError", parent.status().message(), 500));
  auto runs = journal_.map_runs_of(std::string(*a));
  if (!runs.ok()) return done(error("InternalError", runs.status().message(), 500));
  bj::array items;
  std::size_t end = std::min(runs->size(), from + static_cast<std::size_t>(*max));
  for (std::size_t i = from; i < end; ++i) {
    const auto& r = (*runs)[i];
    bj::object o;
    o["executionArn"] = r.execution_arn;
    o["mapRunArn"] = r.map_run_arn;
    o["stateMachineArn"] = parent->state_machine_arn;
    o["startDate"] = seconds(r.start_ms);
    if (r.status != "RUNNING" && r.stop_ms) o["stopDate"] = seconds(r.stop_ms);
    items.push_back(std::move(o));
  }
  bj::object out;
  out["mapRuns"] = std::move(items);
  if (end < runs->size()) out["nextToken"] = make_token(kind, std::to_string(end));
  done(ok(out));
}

}  // namespace stepd::api
