#pragma once
// The Step Functions API over AWS JSON 1.0: one request (the action named by
// X-Amz-Target, a JSON body) in, one answer out, with AWS's error shapes.
// Knows nothing of HTTP or CAF: src/api/serve.cpp connects it to the HTTP
// server, actors/runtime.h runs what it starts, reads come straight from
// the journal. Safe from any thread.
//
// The actions live by resource: src/api/machines.cpp (state machines,
// versions, aliases, validation, TestState), executions.cpp (executions
// and map runs), activities.cpp (activities, task tokens, tags).

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/json/object.hpp>

#include "actors/runtime.h"
#include "storage/journal.h"

namespace stepd::api {

struct ApiResponse {
  int status = 200;  // 400 for client faults, 500 for stepd's own
  std::string body;  // JSON
};

struct DispatcherOptions {
  std::string region = "us-east-1";
  std::string account = "123456789012";
  std::int64_t activity_poll_ms = 60000;  // GetActivityTask's long poll (AWS: 60 s)
  // The key nextTokens are encrypted and authenticated with (see
  // api_util.h's make_token), for the whole process; empty: a random one
  // (tokens then die with the process). serve.cpp derives it from the
  // server's secret, so tokens survive a restart.
  std::string page_token_key = {};
};

class Dispatcher {
 public:
  // REQUIRES: both outlive the Dispatcher.
  Dispatcher(actors::Runtime& runtime, storage::Journal& journal, DispatcherOptions options);
  Dispatcher(actors::Runtime& runtime, storage::Journal& journal, std::string region, std::string account);

  // `target` is the X-Amz-Target header ("AWSStepFunctions.StartExecution").
  // `done` runs exactly once, now or later, maybe on another thread.
  void handle(const std::string& target, const std::string& body, std::function<void(ApiResponse)> done);

  using Done = std::function<void(ApiResponse)>;
  using Request = boost::json::object;

 private:
  // One per action; each answers through `done` exactly once.
  void create_state_machine(const Request& req, Done done);
  void describe_state_machine(const Request& req, Done done);
  void update_state_machine(const Request& req, Done done);
  void delete_state_machine(const Request& req, Done done);
  void list_state_machines(const Request& req, Done done);
  void publish_state_machine_version(const Request& req, Done done);
  void list_state_machine_versions(const Request& req, Done done);
  void delete_state_machine_version(const Request& req, Done done);
  void create_state_machine_alias(const Request& req, Done done);
  void describe_state_machine_alias(const Request& req, Done done);
  void update_state_machine_alias(const Request& req, Done done);
  void delete_state_machine_alias(const Request& req, Done done);
  void list_state_machine_aliases(const Request& req, Done done);
  void validate_state_machine_definition(const Request& req, Done done);
  void test_state(const Request& req, Done done);

  void start_execution(const Request& req, Done done);
  void start_sync_execution(const Request& req, Done done);
  void stop_execution(const Request& req, Done done);
  void describe_execution(const Request& req, Done done);
  void describe_state_machine_for_execution(const Request& req, Done done);
  void list_executions(const Request& req, Done done);
  void get_execution_history(const Request& req, Done done);
  void redrive_execution(const Request& req, Done done);
  void describe_map_run(const Request& req, Done done);
  void list_map_runs(const Request& req, Done done);
  void update_map_run(const Request& req, Done done);

  void create_activity(const Request& req, Done done);
  void describe_activity(const Request& req, Done done);
  void delete_activity(const Request& req, Done done);
  void list_activities(const Request& req, Done done);
  void get_activity_task(const Request& req, Done done);
  void send_task_success(const Request& req, Done done);
  void send_task_failure(const Request& req, Done done);
  void send_task_heartbeat(const Request& req, Done done);
  void tag_resource(const Request& req, Done done);
  void untag_resource(const Request& req, Done done);
  void list_tags_for_resource(const Request& req, Done done);
  void with_tags(const Request& req, bool write, bool list,
                 const std::function<bool(std::vector<storage::Tag>&)>& change, Done done);

  // State machine records, cached: starts read no LMDB. Writers hold
  // catalog_mu_ across read-modify-write so concurrent updates do not lose
  // each other's changes; the cache follows every write.
  Result<storage::StateMachineRecord> machine(const std::string& arn);  // a copy to change
  // The cached record itself, for reading (StartExecution's hot path).
  Result<std::shared_ptr<const storage::StateMachineRecord>> machine_ref(const std::string& arn);
  Status put_machine(const storage::StateMachineRecord& r,
                     const std::optional<storage::RevisionRecord>& revision = std::nullopt);
  Status drop_machine(const std::string& arn);
  std::string arn(const std::string& kind, const std::string& rest) const;

  actors::Runtime& runtime_;
  storage::Journal& journal_;
  DispatcherOptions options_;
  std::mutex catalog_mu_;  // one catalog writer at a time
  std::mutex cache_mu_;
  std::unordered_map<std::string, std::shared_ptr<const storage::StateMachineRecord>> cache_;
  // GetActivityTask polls waiting, per activity ARN (AWS allows 1,000).
  // Shared with the polls' callbacks, which may outlive the Dispatcher.
  struct Polls {
    std::mutex mu;
    std::unordered_map<std::string, std::size_t> waiting;  // GUARDED_BY(mu)
  };
  std::shared_ptr<Polls> polls_ = std::make_shared<Polls>();
};

// AWS's rules for state machine, execution and activity names: 1 to 80
// characters (not bytes), none of whitespace, `<>{}[]?*"#%\^|~`$&,;:/` or
// control characters (U+0000-001F, U+007F-009F, U+FFFE, U+FFFF).
inline constexpr std::size_t kMaxNameLength = 80;
bool valid_name(const std::string& name);
// A name over 80 characters: AWS answers ValidationException (its
// constraint message), not InvalidName. nullopt when the length is fine.
std::optional<ApiResponse> name_length_error(const std::string& name);
// A request member outside its constraints in the service model (tokens'
// and ARNs' lengths, traceHeader, clientToken, TestState's variables and
// context): AWS's ValidationException, before the action runs.
std::optional<ApiResponse> model_constraint_error(const std::string& action, const boost::json::object& req);

}  // namespace stepd::api
