#include "src/api/dispatch.h"

#include <unordered_map>

#include "src/api/api_util.h"
#include "src/common/json.h"

namespace stepd::api {

Dispatcher::Dispatcher(actors::Runtime& runtime, storage::Journal& journal, DispatcherOptions options)
    : runtime_(runtime), journal_(journal), options_(std::move(options)) {}

Dispatcher::Dispatcher(actors::Runtime& runtime, storage::Journal& journal, std::string region, std::string account)
    : Dispatcher(runtime, journal, DispatcherOptions{std::move(region), std::move(account)}) {}

namespace {

// Characters, not bytes: UTF-8 continuation bytes do not count.
std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

bool valid_name(const std::string& name) {
  if (name.empty() || code_points(name) > kMaxNameLength) return false;
  static const std::string kForbidden = " \t\n\r<>{}[]?*\"#%\\^|~`$&,;:/";
  for (std::size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f || kForbidden.find(static_cast<char>(c)) != std::string::npos) return false;
    // The control characters U+0080-009F (C2 80..9F) and U+FFFE, U+FFFF (EF BF BE/BF).
    if (c == 0xC2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) <= 0x9F) return false;
    if (c == 0xEF && i + 2 < name.size() && static_cast<unsigned char>(name[i + 1]) == 0xBF &&
        static_cast<unsigned char>(name[i + 2]) >= 0xBE) {
      return false;
    }
  }
  return true;
}

// Length constraints of the service model that AWS checks before anything
// else, answered as AWS does: nextToken (1,024; ListExecutions 3,096) and
// taskToken (2,048).
std::optional<ApiResponse> member_too_long(const std::string& action, const bj::object& req) {
  const std::pair<const char*, std::size_t> members[] = {
      {"nextToken", action == "ListExecutions" ? 3096 : 1024}, {"taskToken", 2048}};
  for (const auto& [member, limit] : members) {
    const auto* v = req.if_contains(member);
    if (!v || !v->is_string() || v->get_string().size() <= limit) continue;
    return error("ValidationException", "1 validation error detected: Value '" + std::string(v->get_string()) +
                                            "' at '" + member +
                                            "' failed to satisfy constraint: Member must have length less than or "
                                            "equal to " + std::to_string(limit));
  }
  return std::nullopt;
}

std::optional<ApiResponse> name_length_error(const std::string& name) {
  if (code_points(name) <= kMaxNameLength) return std::nullopt;
  return error("ValidationException", "1 validation error detected: Value '" + name +
                                          "' at 'name' failed to satisfy constraint: Member must have length less "
                                          "than or equal to 80");
}

std::string Dispatcher::arn(const std::string& kind, const std::string& rest) const {
  return "arn:aws:states:" + options_.region + ":" + options_.account + ":" + kind + ":" + rest;
}

Result<std::shared_ptr<const storage::StateMachineRecord>> Dispatcher::machine_ref(const std::string& arn) {
  {
    std::lock_guard<std::mutex> l(cache_mu_);
    if (auto it = cache_.find(arn); it != cache_.end()) return it->second;
  }
  auto r = journal_.state_machine(arn);
  if (!r.ok()) return r.status();
  auto shared = std::make_shared<const storage::StateMachineRecord>(std::move(r).value());
  std::lock_guard<std::mutex> l(cache_mu_);
  cache_[arn] = shared;
  return shared;
}

Result<storage::StateMachineRecord> Dispatcher::machine(const std::string& arn) {
  auto r = machine_ref(arn);
  if (!r.ok()) return r.status();
  return **r;
}

Status Dispatcher::put_machine(const storage::StateMachineRecord& r,
                               const std::optional<storage::RevisionRecord>& revision) {
  Status s = journal_.put_state_machine(r, revision);
  std::lock_guard<std::mutex> l(cache_mu_);
  if (s.ok()) {
    cache_[r.arn] = std::make_shared<const storage::StateMachineRecord>(r);
  } else {
    cache_.erase(r.arn);  // unknown now: read it again
  }
  return s;
}

Status Dispatcher::drop_machine(const std::string& arn) {
  Status s = journal_.delete_state_machine(arn);
  std::lock_guard<std::mutex> l(cache_mu_);
  cache_.erase(arn);
  return s;
}

void Dispatcher::handle(const std::string& target, const std::string& body, std::function<void(ApiResponse)> done) {
  using Action = void (Dispatcher::*)(const Request&, Done);
  static const std::unordered_map<std::string, Action> kActions = {
      {"CreateStateMachine", &Dispatcher::create_state_machine},
      {"DescribeStateMachine", &Dispatcher::describe_state_machine},
      {"UpdateStateMachine", &Dispatcher::update_state_machine},
      {"DeleteStateMachine", &Dispatcher::delete_state_machine},
      {"ListStateMachines", &Dispatcher::list_state_machines},
      {"PublishStateMachineVersion", &Dispatcher::publish_state_machine_version},
      {"ListStateMachineVersions", &Dispatcher::list_state_machine_versions},
      {"DeleteStateMachineVersion", &Dispatcher::delete_state_machine_version},
      {"CreateStateMachineAlias", &Dispatcher::create_state_machine_alias},
      {"DescribeStateMachineAlias", &Dispatcher::describe_state_machine_alias},
      {"UpdateStateMachineAlias", &Dispatcher::update_state_machine_alias},
      {"DeleteStateMachineAlias", &Dispatcher::delete_state_machine_alias},
      {"ListStateMachineAliases", &Dispatcher::list_state_machine_aliases},
      {"ValidateStateMachineDefinition", &Dispatcher::validate_state_machine_definition},
      {"TestState", &Dispatcher::test_state},
      {"StartExecution", &Dispatcher::start_execution},
      {"StartSyncExecution", &Dispatcher::start_sync_execution},
      {"StopExecution", &Dispatcher::stop_execution},
      {"DescribeExecution", &Dispatcher::describe_execution},
      {"DescribeStateMachineForExecution", &Dispatcher::describe_state_machine_for_execution},
      {"ListExecutions", &Dispatcher::list_executions},
      {"GetExecutionHistory", &Dispatcher::get_execution_history},
      {"RedriveExecution", &Dispatcher::redrive_execution},
      {"DescribeMapRun", &Dispatcher::describe_map_run},
      {"ListMapRuns", &Dispatcher::list_map_runs},
      {"UpdateMapRun", &Dispatcher::update_map_run},
      {"CreateActivity", &Dispatcher::create_activity},
      {"DescribeActivity", &Dispatcher::describe_activity},
      {"DeleteActivity", &Dispatcher::delete_activity},
      {"ListActivities", &Dispatcher::list_activities},
      {"GetActivityTask", &Dispatcher::get_activity_task},
      {"SendTaskSuccess", &Dispatcher::send_task_success},
      {"SendTaskFailure", &Dispatcher::send_task_failure},
      {"SendTaskHeartbeat", &Dispatcher::send_task_heartbeat},
      {"TagResource", &Dispatcher::tag_resource},
      {"UntagResource", &Dispatcher::untag_resource},
      {"ListTagsForResource", &Dispatcher::list_tags_for_resource},
  };
  static const std::string kPrefix = "AWSStepFunctions.";
  if (target.rfind(kPrefix, 0) != 0) {
    return done(error("UnknownOperationException", "Unknown operation: " + target));
  }
  auto action = kActions.find(target.substr(kPrefix.size()));
  if (action == kActions.end()) {
    return done(error("UnknownOperationException", "Unknown operation: " + target.substr(kPrefix.size())));
  }
  auto parsed = json::parse(body.empty() ? std::string_view("{}") : std::string_view(body));
  if (!parsed.ok() || !parsed->is_object()) {
    return done(error("SerializationException", "The request body is not a JSON object"));
  }
  if (auto e = member_too_long(action->first, parsed->get_object())) return done(*e);
  (this->*(action->second))(parsed->get_object(), std::move(done));
}

}  // namespace stepd::api
