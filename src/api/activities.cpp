// Activities, their workers' calls (GetActivityTask, SendTask*), and tags.
#include <algorithm>

#include "src/api/api_util.h"
#include "src/common/json.h"

namespace stepd::api {

namespace {

ApiResponse no_activity(const std::string& arn) {
  return error("ActivityDoesNotExist", "Activity Does Not Exist: '" + arn + "'");
}

// Only tokens this server minted get past here: a forged or altered one
// is refused before any lookup (src/common/task_token.h).
std::optional<ApiResponse> check_task_token(const actors::Runtime& runtime, const bj::object& req,
                                            const bj::string** token) {
  if (auto e = require(req, "taskToken", token)) return e;
  if (!runtime.authentic_token(std::string(**token))) return error("InvalidToken", "Invalid Token: 'Invalid token'");
  return std::nullopt;
}

std::function<void(Status)> task_answer(Dispatcher::Done done) {
  return [done = std::move(done)](Status s) {
    // Tokens are random: one stepd does not know is one whose task ended.
    if (s.code() == Code::kNotFound) return done(error("TaskTimedOut", "Provided task does not exist anymore"));
    if (!s.ok()) return done(error_from(s, "TaskDoesNotExist"));
    done(ok(bj::object{}));
  };
}

}  // namespace

void Dispatcher::create_activity(const Request& req, Done done) {
  const bj::string* name;
  if (auto e = require(req, "name", &name)) return done(*e);
  if (auto e = name_length_error(std::string(*name))) return done(*e);
  if (!valid_name(std::string(*name))) return done(error("InvalidName", "Invalid Name: '" + std::string(*name) + "'"));
  auto tags = read_tags(req, "tags");
  if (!tags.ok()) return done(error("ValidationException", tags.status().message()));
  if (tags->size() > 50) return done(error("TooManyTags", "Too many tags: at most 50 per resource"));
  std::lock_guard<std::mutex> l(catalog_mu_);
  std::string a = arn("activity", std::string(*name));
  if (auto existing = journal_.activity(a); existing.ok()) {
    // Idempotent by name: different tags are ignored and not updated, as on AWS.
    bj::object out;
    out["activityArn"] = a;
    out["creationDate"] = seconds(existing->creation_ms);
    return done(ok(out));
  }
  storage::ActivityRecord r;
  r.arn = a;
  r.name = std::string(*name);
  r.creation_ms = now_ms();
  r.tags = std::move(tags).value();
  r.encryption_configuration = config_text(req, "encryptionConfiguration");
  if (Status s = journal_.put_activity(r); !s.ok()) return done(error("InternalError", s.message(), 500));
  bj::object out;
  out["activityArn"] = a;
  out["creationDate"] = seconds(r.creation_ms);
  done(ok(out));
}

void Dispatcher::describe_activity(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "activityArn", &a)) return done(*e);
  std::string rest;
  if (!parse_arn(std::string(*a), "activity", &rest)) return done(invalid_arn(std::string(*a)));
  auto r = journal_.activity(std::string(*a));
  if (!r.ok()) return done(no_activity(std::string(*a)));
  bj::object out;
  out["activityArn"] = r->arn;
  out["name"] = r->name;
  out["creationDate"] = seconds(r->creation_ms);
  bj::object owned;
  owned["type"] = "AWS_OWNED_KEY";
  out["encryptionConfiguration"] = config_value(r->encryption_configuration, owned);
  done(ok(out));
}

void Dispatcher::delete_activity(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "activityArn", &a)) return done(*e);
  std::string rest;
  if (!parse_arn(std::string(*a), "activity", &rest)) return done(invalid_arn(std::string(*a)));
  std::lock_guard<std::mutex> l(catalog_mu_);
  Status s = journal_.delete_activity(std::string(*a));  // deleting what is absent succeeds, as on AWS
  if (!s.ok() && s.code() != Code::kNotFound) return done(error("InternalError", s.message(), 500));
  done(ok(bj::object{}));
}

void Dispatcher::list_activities(const Request& req, Done done) {
  auto max = page_size(req, kDefaultPage);
  if (!max.ok()) return done(error("ValidationException", max.status().message()));
  std::string after;
  if (const auto* token = str_field(req, "nextToken")) {
    if (!read_token(std::string(*token), "act", &after)) return done(invalid_token());
  }
  auto page = journal_.activities(after, static_cast<std::size_t>(*max) + 1);
  if (!page.ok()) return done(error("InternalError", page.status().message(), 500));
  bj::array items;
  for (std::size_t i = 0; i < page->size() && i < static_cast<std::size_t>(*max); ++i) {
    bj::object o;
    o["activityArn"] = (*page)[i].arn;
    o["name"] = (*page)[i].name;
    o["creationDate"] = seconds((*page)[i].creation_ms);
    items.push_back(std::move(o));
  }
  bj::object out;
  if (page->size() > static_cast<std::size_t>(*max)) out["nextToken"] = make_token("act", (*page)[*max - 1].arn);
  out["activities"] = std::move(items);
  done(ok(out));
}

namespace {
constexpr std::size_t kMaxActivityPollers = 1000;  // concurrent GetActivityTask per activity (AWS's quota)
}  // namespace

void Dispatcher::get_activity_task(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "activityArn", &a)) return done(*e);
  std::string rest;
  if (!parse_arn(std::string(*a), "activity", &rest)) return done(invalid_arn(std::string(*a)));
  std::string worker;
  if (const auto* w = str_field(req, "workerName")) worker = std::string(*w);
  if (worker.size() > 80) return done(error("ValidationException", "workerName must be at most 80 characters"));
  if (!journal_.activity(std::string(*a)).ok()) return done(no_activity(std::string(*a)));
  // At most 1,000 polls wait on one activity, as on AWS.
  const std::string activity(*a);
  {
    std::lock_guard<std::mutex> l(polls_->mu);
    std::size_t& waiting = polls_->waiting[activity];
    if (waiting >= kMaxActivityPollers) {
      return done(error("ActivityWorkerLimitExceeded",
                        "The maximum number of workers concurrently polling for activity tasks has been reached."));
    }
    ++waiting;
  }
  // A long poll: the answer comes when a task does, or after the poll time
  // with no task (no thread waits meanwhile).
  runtime_.get_activity_task(activity, worker, options_.activity_poll_ms,
                             [done, polls = polls_, activity](std::optional<actors::Runtime::ActivityTask> t) {
                               {
                                 std::lock_guard<std::mutex> l(polls->mu);
                                 if (--polls->waiting[activity] == 0) polls->waiting.erase(activity);
                               }
                               bj::object out;
                               if (t) {
                                 out["taskToken"] = t->task_token;
                                 out["input"] = t->input;
                               }
                               done(ok(out));
                             });
}

void Dispatcher::send_task_success(const Request& req, Done done) {
  const bj::string *token, *output;
  if (auto e = check_task_token(runtime_, req, &token)) return done(*e);
  if (auto e = require(req, "output", &output)) return done(*e);
  if (output->size() > kMaxPayload) return done(error("InvalidOutput", "Invalid Output: 'The output is larger than 256 KiB'"));
  if (!json::parse(std::string_view(*output)).ok()) {
    return done(error("InvalidOutput", "Invalid Output: 'The output is not valid JSON'"));
  }
  runtime_.send_task_success(std::string(*token), std::string(*output), task_answer(std::move(done)));
}

void Dispatcher::send_task_failure(const Request& req, Done done) {
  const bj::string* token;
  if (auto e = check_task_token(runtime_, req, &token)) return done(*e);
  std::optional<std::string> err, cause;
  if (const auto* e = str_field(req, "error")) err = std::string(*e);
  if (const auto* c = str_field(req, "cause")) cause = std::string(*c);
  if (err && err->size() > 256) return done(error("ValidationException", "error must be at most 256 characters"));
  if (cause && cause->size() > 32768) return done(error("ValidationException", "cause must be at most 32768 characters"));
  runtime_.send_task_failure(std::string(*token), err, cause, task_answer(std::move(done)));
}

void Dispatcher::send_task_heartbeat(const Request& req, Done done) {
  const bj::string* token;
  if (auto e = check_task_token(runtime_, req, &token)) return done(*e);
  runtime_.send_task_heartbeat(std::string(*token), task_answer(std::move(done)));
}

// Tags live on state machines and activities.
namespace {
enum class Tagged { kNone, kMachine, kActivity };
Tagged tagged_kind(const std::string& arn) {
  std::string rest;
  if (auto m = parse_machine_arn(arn); m && m->qualifier.empty()) return Tagged::kMachine;
  if (parse_arn(arn, "activity", &rest)) return Tagged::kActivity;
  return Tagged::kNone;
}
}  // namespace

// The three tag actions: reads the tags of resourceArn, lets `change` edit
// them (false: TooManyTags) and writes them back when `write`; answers
// {"tags": [...]} when `list`, else {}.
void Dispatcher::with_tags(const Request& req, bool write, bool list,
                           const std::function<bool(std::vector<storage::Tag>&)>& change, Done done) {
  const bj::string* a;
  if (auto e = require(req, "resourceArn", &a)) return done(*e);
  std::string target(*a);
  Tagged kind = tagged_kind(target);
  if (kind == Tagged::kNone) return done(invalid_arn(target));
  std::unique_lock<std::mutex> l(catalog_mu_, std::defer_lock);
  if (write) l.lock();
  std::optional<storage::StateMachineRecord> sm;
  std::optional<storage::ActivityRecord> act;
  if (kind == Tagged::kMachine) {
    if (auto r = machine(target); r.ok()) sm = std::move(r).value();
  } else if (auto r = journal_.activity(target); r.ok()) {
    act = std::move(r).value();
  }
  if (!sm && !act) return done(error("ResourceNotFound", "Resource not found: '" + target + "'"));
  std::vector<storage::Tag>& tags = sm ? sm->tags : act->tags;
  if (!change(tags)) return done(error("TooManyTags", "Too many tags: at most 50 per resource"));
  if (write) {
    Status s = sm ? put_machine(*sm) : journal_.put_activity(*act);
    if (!s.ok()) return done(error("InternalError", s.message(), 500));
  }
  bj::object out;
  if (list) out["tags"] = tags_json(tags);
  done(ok(out));
}

void Dispatcher::tag_resource(const Request& req, Done done) {
  auto add = read_tags(req, "tags");
  if (!add.ok()) return done(error("ValidationException", add.status().message()));
  with_tags(req, true, false, [&](std::vector<storage::Tag>& tags) { return merge_tags(tags, *add); },
            std::move(done));
}

void Dispatcher::untag_resource(const Request& req, Done done) {
  const auto* keys = array_field(req, "tagKeys");
  if (!keys) return done(error("ValidationException", "tagKeys is required"));
  with_tags(req, true, false,
            [keys](std::vector<storage::Tag>& tags) {
              auto named = [keys](const storage::Tag& t) {
                for (const auto& k : *keys) {
                  if (k.is_string() && k.get_string() == t.key) return true;
                }
                return false;
              };
              tags.erase(std::remove_if(tags.begin(), tags.end(), named), tags.end());
              return true;
            },
            std::move(done));
}

void Dispatcher::list_tags_for_resource(const Request& req, Done done) {
  with_tags(req, false, true, [](std::vector<storage::Tag>&) { return true; }, std::move(done));
}

}  // namespace stepd::api
