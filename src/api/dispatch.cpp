#include "src/api/dispatch.h"

#include <algorithm>
#include <iterator>
#include <string_view>
#include <unordered_map>

#include "src/api/api_util.h"
#include "src/common/json.h"

namespace stepd::api {

Dispatcher::Dispatcher(actors::Runtime& runtime, storage::Journal& journal, DispatcherOptions options)
    : runtime_(runtime), journal_(journal), options_(std::move(options)) {
  if (!options_.page_token_key.empty()) set_page_token_key(options_.page_token_key);
}

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

// Constraints of the service model (botocore's stepfunctions service-2.json)
// that AWS checks before the action runs, answered as AWS answers them:
// "1 validation error detected: Value '...' at 'member' failed to satisfy
// constraint: ...". Names, definitions, payloads, error/cause and
// maxResults of the List actions have their own checks (with AWS's own
// error names or messages) in the actions.
struct MemberRule {
  const char* action;  // nullptr: every action with this member
  const char* member;
  std::size_t max_length;  // in characters
  std::size_t min_length = 0;
  // The model's pattern, when it has one, and the test of one character.
  const char* pattern = nullptr;
  bool (*allowed)(unsigned char) = nullptr;
  bool sensitive = false;  // AWS leaves the value out of the message
};

bool ascii(unsigned char c) { return c < 0x80; }
bool visible_ascii(unsigned char c) { return c >= '!' && c <= '~'; }

const MemberRule kMemberRules[] = {
    {"ListExecutions", "nextToken", 3096},
    {nullptr, "nextToken", 1024},
    {nullptr, "taskToken", 2048},
    // Arn (1-256) everywhere but the LongArn (1-2000) members.
    {nullptr, "mapRunArn", 2000},
    {"DeleteStateMachineVersion", "stateMachineVersionArn", 2000},
    {nullptr, "stateMachineArn", 256},
    {nullptr, "executionArn", 256},
    {nullptr, "activityArn", 256},
    {nullptr, "roleArn", 256},
    {nullptr, "resourceArn", 256},
    {nullptr, "stateMachineAliasArn", 256},
    {nullptr, "traceHeader", 256, 0, "\\p{ASCII}*", ascii},
    {"RedriveExecution", "clientToken", 64, 1, "[!-~]+", visible_ascii},
    {"TestState", "variables", 262144, 0, nullptr, nullptr, true},
    {"TestState", "context", 262144, 0, nullptr, nullptr, true},
};

std::optional<ApiResponse> model_constraint_error(const std::string& action, const bj::object& req) {
  auto violation = [](const MemberRule& r, const std::string& value, const std::string& constraint) {
    std::string where = r.sensitive ? std::string("Value at '") : "Value '" + value + "' at '";
    return error("ValidationException", "1 validation error detected: " + where + r.member +
                                            "' failed to satisfy constraint: " + constraint);
  };
  for (const MemberRule& r : kMemberRules) {
    if (r.action && action != r.action) continue;
    if (!r.action && std::any_of(std::begin(kMemberRules), &r, [&](const MemberRule& earlier) {
          return earlier.action && action == earlier.action && std::string_view(earlier.member) == r.member;
        }))
      continue;  // this action's own rule for the member came first
    const auto* v = req.if_contains(r.member);
    if (!v || !v->is_string()) continue;
    const std::string value(v->get_string());
    const std::size_t length = code_points(value);
    if (length > r.max_length)
      return violation(r, value, "Member must have length less than or equal to " + std::to_string(r.max_length));
    if (length < r.min_length)
      return violation(r, value, "Member must have length greater than or equal to " + std::to_string(r.min_length));
    if (r.allowed && !std::all_of(value.begin(), value.end(), [&](char c) { return r.allowed(static_cast<unsigned char>(c)); }))
      return violation(r, value, std::string("Member must satisfy regular expression pattern: ") + r.pattern);
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
  if (auto e = model_constraint_error(action->first, parsed->get_object())) return done(*e);
  (this->*(action->second))(parsed->get_object(), std::move(done));
}

}  // namespace stepd::api
