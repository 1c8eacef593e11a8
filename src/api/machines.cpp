// State machines, their versions and aliases, ValidateStateMachineDefinition.
#include <algorithm>
#include <cctype>

#include "src/api/api_util.h"
#include "src/asl/validate.h"
#include "src/common/json.h"
#include "src/engine/test_state.h"

namespace stepd::api {

namespace {

constexpr std::size_t kMaxVersions = 1000;  // per state machine, as on AWS
constexpr std::size_t kMaxAliases = 100;

// InvalidDefinition for a definition that is too large or has errors.
std::optional<ApiResponse> check_definition(const std::string& def) {
  if (def.size() > kMaxDefinition) {
    return error("InvalidDefinition", "Invalid State Machine Definition: 'The definition is larger than 1 MB'");
  }
  std::vector<asl::Diagnostic> errors;
  for (auto& d : asl::validate_text(def)) {
    if (d.severity == "ERROR") errors.push_back(std::move(d));
  }
  if (errors.empty()) return std::nullopt;
  return error("InvalidDefinition", "Invalid State Machine Definition: '" + asl::summarize(errors) + "'");
}

bool valid_role_arn(const std::string& role) { return role.rfind("arn:", 0) == 0 && role.size() <= 256; }

std::string version_arn(const std::string& base, std::uint32_t version) { return base + ":" + std::to_string(version); }

// Alias names (CharacterRestrictedName): letters, digits, '-', '_', '.',
// at least one that is not a digit (a number would read as a version).
bool valid_alias_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return name.find_first_not_of("0123456789") != std::string::npos;
}

bj::value default_logging() {
  bj::object o;
  o["level"] = "OFF";
  o["includeExecutionData"] = false;
  return o;
}

bj::value default_encryption() {
  bj::object o;
  o["type"] = "AWS_OWNED_KEY";
  return o;
}

bj::object tracing(bool enabled) {
  bj::object o;
  o["enabled"] = enabled;
  return o;
}

const storage::StateMachineVersion* find_version(const storage::StateMachineRecord& r, std::uint32_t v) {
  for (const auto& x : r.versions) {
    if (x.version == v) return &x;
  }
  return nullptr;
}

storage::StateMachineAlias* find_alias(storage::StateMachineRecord& r, const std::string& name) {
  for (auto& a : r.aliases) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

bj::array routing_json(const std::vector<storage::RoutingEntry>& routing) {
  bj::array out;
  for (const auto& e : routing) {
    bj::object o;
    o["stateMachineVersionArn"] = e.version_arn;
    o["weight"] = e.weight;
    out.push_back(std::move(o));
  }
  return out;
}

// routingConfiguration: 1 or 2 versions of one state machine, weights
// summing to 100. `base` gets that machine's unqualified ARN.
Result<std::vector<storage::RoutingEntry>> read_routing(const bj::object& req, std::string* base) {
  const auto* list = array_field(req, "routingConfiguration");
  if (!list || list->empty() || list->size() > 2) {
    return Status::failed("ValidationException", "routingConfiguration must list 1 or 2 state machine versions");
  }
  std::vector<storage::RoutingEntry> out;
  std::int64_t total = 0;
  std::size_t index = 0;
  for (const auto& v : *list) {
    const auto* o = v.if_object();
    const auto* varn = o ? str_field(*o, "stateMachineVersionArn") : nullptr;
    const auto* w = o ? o->if_contains("weight") : nullptr;
    ++index;
    if (w && w->is_int64() && (w->get_int64() < 0 || w->get_int64() > 100)) {  // the model's RoutingWeight: 0-100
      const bool over = w->get_int64() > 100;
      return Status::failed("ValidationException",
                            "1 validation error detected: Value '" + std::to_string(w->get_int64()) +
                                "' at 'routingConfiguration." + std::to_string(index) +
                                ".member.weight' failed to satisfy constraint: Member must have value " +
                                (over ? "less than or equal to 100" : "greater than or equal to 0"));
    }
    if (!varn || !w || !w->is_int64()) {
      return Status::failed("ValidationException",
                            "Each routing entry needs a stateMachineVersionArn and a weight from 0 to 100");
    }
    auto m = parse_machine_arn(std::string(*varn));
    if (!m || !m->is_version()) return Status::failed("InvalidArn", "Invalid Arn: '" + std::string(*varn) + "'");
    if (!base->empty() && *base != m->base) {
      return Status::failed("ValidationException", "All versions of an alias must belong to the same state machine");
    }
    *base = m->base;
    for (const auto& e : out) {
      if (e.version_arn == *varn) {
        return Status::failed("ValidationException", "Routing configuration must contain distinct versions");
      }
    }
    total += w->get_int64();
    out.push_back(storage::RoutingEntry{std::string(*varn), static_cast<std::uint32_t>(w->get_int64())});
  }
  if (total != 100) return Status::failed("ValidationException", "The weights of the routing configuration must sum to 100");
  return out;
}

// Publishes the record's current revision as a new version (or returns the
// latest version when it already has this revision, as AWS does).
Result<std::uint32_t> publish(storage::StateMachineRecord& r, const std::string& description, std::int64_t now) {
  if (!r.versions.empty() && r.versions.back().revision_id == r.revision_id) return r.versions.back().version;
  if (r.versions.size() >= kMaxVersions) {
    return Status::failed("ServiceQuotaExceededException",
                          "The state machine has reached the limit of " + std::to_string(kMaxVersions) + " versions");
  }
  storage::StateMachineVersion v;
  v.version = std::max<std::uint32_t>(r.next_version, 1);
  v.revision_id = r.revision_id;
  v.description = description;
  v.creation_ms = now;
  r.next_version = v.version + 1;
  r.versions.push_back(v);
  return v.version;
}

std::optional<ApiResponse> check_version_description(const bj::object& req, bool publishing) {
  const auto* d = str_field(req, "versionDescription");
  if (!d) return std::nullopt;
  if (!publishing) return error("ValidationException", "versionDescription can only be set when publish is true");
  if (d->size() > 256) return error("ValidationException", "versionDescription must be at most 256 characters");
  return std::nullopt;
}

}  // namespace

void Dispatcher::validate_state_machine_definition(const Request& req, Done done) {
  const bj::string* def;
  if (auto e = require(req, "definition", &def)) return done(*e);
  // maxResults: 0-100 (the model's); 0 or absent means 100, AWS's default.
  std::int64_t max = 100;
  if (const auto* m = req.if_contains("maxResults"); m && m->is_int64()) {
    if (m->get_int64() < 0 || m->get_int64() > 100) {
      return done(error("ValidationException",
                        "1 validation error detected: Value '" + std::to_string(m->get_int64()) +
                            "' at 'maxResults' failed to satisfy constraint: Member must have value " +
                            (m->get_int64() < 0 ? "greater than or equal to 0" : "less than or equal to 100")));
    }
    if (m->get_int64() > 0) max = m->get_int64();
  }
  bj::object r = asl::validation_result(asl::validate_text(*def));
  bool truncated = false;
  if (auto* diagnostics = r.if_contains("diagnostics"); diagnostics && diagnostics->is_array() &&
                                                        diagnostics->get_array().size() > static_cast<std::size_t>(max)) {
    diagnostics->get_array().resize(static_cast<std::size_t>(max));
    truncated = true;
  }
  r["truncated"] = truncated;
  done(ok(r));
}

void Dispatcher::create_state_machine(const Request& req, Done done) {
  const bj::string *name, *def, *role;
  if (auto e = require(req, "name", &name)) return done(*e);
  if (auto e = require(req, "definition", &def)) return done(*e);
  if (auto e = require(req, "roleArn", &role)) return done(*e);
  if (auto e = name_length_error(std::string(*name))) return done(*e);
  if (!valid_name(std::string(*name))) return done(error("InvalidName", "Invalid Name: '" + std::string(*name) + "'"));
  if (!valid_role_arn(std::string(*role))) return done(invalid_arn(std::string(*role)));
  std::string type = "STANDARD";
  if (const auto* t = str_field(req, "type")) type = std::string(*t);
  if (type != "STANDARD" && type != "EXPRESS") {
    return done(error("ValidationException", "Value '" + type + "' at 'type' failed to satisfy constraint: "
                                                                "Member must satisfy enum value set: [STANDARD, EXPRESS]"));
  }
  if (auto e = check_definition(std::string(*def))) return done(*e);
  bool publishing = bool_field(req, "publish").value_or(false);
  if (auto e = check_version_description(req, publishing)) return done(*e);
  auto tags = read_tags(req, "tags");
  if (!tags.ok()) return done(error("ValidationException", tags.status().message()));
  if (tags->size() > 50) return done(error("TooManyTags", "Too many tags: at most 50 per resource"));

  std::lock_guard<std::mutex> l(catalog_mu_);
  std::string sm_arn = arn("stateMachine", std::string(*name));
  if (auto existing = machine(sm_arn); existing.ok()) {
    // Idempotent for the same definition, type and configurations; another
    // roleArn or other tags are ignored (and not updated), as on AWS.
    bool tracing_on = false;
    if (const auto* t = obj_field(req, "tracingConfiguration")) tracing_on = bool_field(*t, "enabled").value_or(false);
    if (existing->definition != *def || existing->type != type ||
        existing->logging_configuration != config_text(req, "loggingConfiguration") ||
        existing->tracing_enabled != tracing_on ||
        existing->encryption_configuration != config_text(req, "encryptionConfiguration")) {
      return done(error("StateMachineAlreadyExists", "State Machine Already Exists: '" + sm_arn + "'"));
    }
    bj::object r;
    r["stateMachineArn"] = sm_arn;
    r["creationDate"] = seconds(existing->creation_ms);
    return done(ok(r));
  }
  storage::StateMachineRecord r;
  r.arn = sm_arn;
  r.name = std::string(*name);
  r.definition = std::string(*def);
  r.role_arn = std::string(*role);
  r.type = type;
  r.creation_ms = now_ms();
  r.revision_id = random_uuid();
  r.logging_configuration = config_text(req, "loggingConfiguration");
  if (const auto* t = obj_field(req, "tracingConfiguration")) r.tracing_enabled = bool_field(*t, "enabled").value_or(false);
  r.encryption_configuration = config_text(req, "encryptionConfiguration");
  r.tags = std::move(tags).value();
  storage::RevisionRecord rev{r.revision_id, r.arn, r.definition, r.role_arn, r.creation_ms};
  bj::object out;
  if (publishing) {
    auto v = publish(r, str_field(req, "versionDescription") ? std::string(*str_field(req, "versionDescription")) : "",
                     r.creation_ms);
    if (!v.ok()) return done(error_from(v.status(), "ValidationException"));
    out["stateMachineVersionArn"] = version_arn(r.arn, *v);
  }
  if (Status s = put_machine(r, rev); !s.ok()) return done(error("InternalError", s.message(), 500));
  out["stateMachineArn"] = r.arn;
  out["creationDate"] = seconds(r.creation_ms);
  done(ok(out));
}

void Dispatcher::describe_state_machine(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "stateMachineArn", &a)) return done(*e);
  auto m = parse_machine_arn(std::string(*a));
  if (!m || m->is_alias()) return done(invalid_arn(std::string(*a)));
  auto rec = machine(m->base);
  auto missing = [&] { return error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + std::string(*a) + "'"); };
  if (!rec.ok()) return done(missing());
  bj::object r;
  r["stateMachineArn"] = std::string(*a);
  r["name"] = rec->name;
  r["status"] = rec->status;
  r["definition"] = rec->definition;
  r["roleArn"] = rec->role_arn;
  r["type"] = rec->type;
  r["creationDate"] = seconds(rec->creation_ms);
  r["revisionId"] = rec->revision_id;
  if (m->is_version()) {
    const auto* v = find_version(*rec, m->version);
    if (!v) return done(missing());
    auto rev = journal_.revision(v->revision_id);
    if (!rev.ok()) return done(error("InternalError", rev.status().message(), 500));
    r["definition"] = rev->definition;
    r["roleArn"] = rev->role_arn;
    r["creationDate"] = seconds(v->creation_ms);
    r["revisionId"] = v->revision_id;
    if (!v->description.empty()) r["description"] = v->description;
  }
  r["loggingConfiguration"] = config_value(rec->logging_configuration, default_logging());
  r["tracingConfiguration"] = tracing(rec->tracing_enabled);
  r["encryptionConfiguration"] = config_value(rec->encryption_configuration, default_encryption());
  done(ok(r));
}

void Dispatcher::update_state_machine(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "stateMachineArn", &a)) return done(*e);
  auto m = parse_machine_arn(std::string(*a));
  if (!m) return done(invalid_arn(std::string(*a)));
  if (!m->qualifier.empty()) {
    return done(error("ValidationException", "Updating a state machine version or alias is not allowed: use its "
                                             "unqualified ARN"));
  }
  const auto* def = str_field(req, "definition");
  const auto* role = str_field(req, "roleArn");
  bool publishing = bool_field(req, "publish").value_or(false);
  if (!def && !role && !req.contains("loggingConfiguration") && !req.contains("tracingConfiguration") &&
      !req.contains("encryptionConfiguration") && !publishing) {
    return done(error("MissingRequiredParameter",
                      "Either the definition, the roleArn, the loggingConfiguration, the tracingConfiguration or "
                      "the encryptionConfiguration must be specified"));
  }
  if (def) {
    if (auto e = check_definition(std::string(*def))) return done(*e);
  }
  if (role && !valid_role_arn(std::string(*role))) return done(invalid_arn(std::string(*role)));
  if (auto e = check_version_description(req, publishing)) return done(*e);

  std::lock_guard<std::mutex> l(catalog_mu_);
  auto rec = machine(m->base);
  if (!rec.ok()) return done(error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + m->base + "'"));
  storage::StateMachineRecord r = std::move(rec).value();
  std::int64_t now = now_ms();
  std::optional<storage::RevisionRecord> rev;
  if ((def && *def != r.definition) || (role && *role != r.role_arn)) {
    // Running executions keep their revision: this one is new.
    if (def) r.definition = std::string(*def);
    if (role) r.role_arn = std::string(*role);
    r.revision_id = random_uuid();
    rev = storage::RevisionRecord{r.revision_id, r.arn, r.definition, r.role_arn, now};
  }
  if (req.contains("loggingConfiguration")) r.logging_configuration = config_text(req, "loggingConfiguration");
  if (const auto* t = obj_field(req, "tracingConfiguration")) r.tracing_enabled = bool_field(*t, "enabled").value_or(false);
  if (req.contains("encryptionConfiguration")) r.encryption_configuration = config_text(req, "encryptionConfiguration");
  r.update_ms = now;
  bj::object out;
  if (publishing) {
    const auto* d = str_field(req, "versionDescription");
    auto v = publish(r, d ? std::string(*d) : std::string(), now);
    if (!v.ok()) return done(error_from(v.status(), "ValidationException"));
    out["stateMachineVersionArn"] = version_arn(r.arn, *v);
  }
  if (Status s = put_machine(r, rev); !s.ok()) return done(error("InternalError", s.message(), 500));
  out["updateDate"] = seconds(now);
  out["revisionId"] = r.revision_id;
  done(ok(out));
}

void Dispatcher::delete_state_machine(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "stateMachineArn", &a)) return done(*e);
  auto m = parse_machine_arn(std::string(*a));
  if (!m) return done(invalid_arn(std::string(*a)));
  if (!m->qualifier.empty()) {
    return done(error("ValidationException", "Use DeleteStateMachineVersion or DeleteStateMachineAlias to delete "
                                             "a version or an alias"));
  }
  std::lock_guard<std::mutex> l(catalog_mu_);
  // Running executions finish with the revision they run; deleting what is
  // absent succeeds, as on AWS.
  Status s = drop_machine(m->base);
  if (!s.ok() && s.code() != Code::kNotFound) return done(error("InternalError", s.message(), 500));
  done(ok(bj::object{}));
}

void Dispatcher::list_state_machines(const Request& req, Done done) {
  auto max = page_size(req, kDefaultPage);
  if (!max.ok()) return done(error("ValidationException", max.status().message()));
  std::string after;
  if (const auto* token = str_field(req, "nextToken")) {
    if (!read_token(std::string(*token), "sm", &after)) return done(invalid_token());
  }
  auto page = journal_.state_machines(after, static_cast<std::size_t>(*max) + 1);
  if (!page.ok()) return done(error("InternalError", page.status().message(), 500));
  bj::array items;
  for (std::size_t i = 0; i < page->size() && i < static_cast<std::size_t>(*max); ++i) {
    const auto& m = (*page)[i];
    bj::object o;
    o["stateMachineArn"] = m.arn;
    o["name"] = m.name;
    o["type"] = m.type;
    o["creationDate"] = seconds(m.creation_ms);
    items.push_back(std::move(o));
  }
  bj::object r;
  if (page->size() > static_cast<std::size_t>(*max)) r["nextToken"] = make_token("sm", (*page)[*max - 1].arn);
  r["stateMachines"] = std::move(items);
  done(ok(r));
}

void Dispatcher::publish_state_machine_version(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "stateMachineArn", &a)) return done(*e);
  auto m = parse_machine_arn(std::string(*a));
  if (!m || !m->qualifier.empty()) return done(invalid_arn(std::string(*a)));
  const auto* d = str_field(req, "description");
  if (d && d->size() > 256) return done(error("ValidationException", "description must be at most 256 characters"));
  std::lock_guard<std::mutex> l(catalog_mu_);
  auto rec = machine(m->base);
  if (!rec.ok()) return done(error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + m->base + "'"));
  storage::StateMachineRecord r = std::move(rec).value();
  if (const auto* want = str_field(req, "revisionId"); want && *want != r.revision_id) {
    return done(error("ConflictException", "Failed to publish the State Machine version for revision " +
                                               std::string(*want) + ". The current State Machine revision is " +
                                               r.revision_id + "."));
  }
  std::size_t before = r.versions.size();
  auto v = publish(r, d ? std::string(*d) : std::string(), now_ms());
  if (!v.ok()) return done(error_from(v.status(), "ValidationException"));
  if (r.versions.size() != before) {
    if (Status s = put_machine(r); !s.ok()) return done(error("InternalError", s.message(), 500));
  }
  bj::object out;
  out["stateMachineVersionArn"] = version_arn(r.arn, *v);
  out["creationDate"] = seconds(find_version(r, *v)->creation_ms);
  done(ok(out));
}

void Dispatcher::list_state_machine_versions(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "stateMachineArn", &a)) return done(*e);
  auto m = parse_machine_arn(std::string(*a));
  if (!m || !m->qualifier.empty()) return done(invalid_arn(std::string(*a)));
  auto max = page_size(req, kDefaultPage);
  if (!max.ok()) return done(error("ValidationException", max.status().message()));
  std::uint64_t below = UINT32_MAX;  // newest first: versions below this number
  if (const auto* token = str_field(req, "nextToken")) {
    std::string pos;
    if (!read_token(std::string(*token), "v" + m->base, &pos) || pos.empty() || pos.size() > 9 ||
        pos.find_first_not_of("0123456789") != std::string::npos) {
      return done(invalid_token());
    }
    below = std::stoul(pos);
  }
  auto rec = machine(m->base);
  if (!rec.ok()) return done(error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + m->base + "'"));
  bj::array items;
  bj::object out;
  for (auto it = rec->versions.rbegin(); it != rec->versions.rend(); ++it) {
    if (it->version >= below) continue;
    if (items.size() == static_cast<std::size_t>(*max)) {
      out["nextToken"] = make_token("v" + m->base, std::to_string(std::prev(it)->version));
      break;
    }
    bj::object o;
    o["stateMachineVersionArn"] = version_arn(rec->arn, it->version);
    o["creationDate"] = seconds(it->creation_ms);
    items.push_back(std::move(o));
  }
  out["stateMachineVersions"] = std::move(items);
  done(ok(out));
}

void Dispatcher::delete_state_machine_version(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "stateMachineVersionArn", &a)) return done(*e);
  auto m = parse_machine_arn(std::string(*a));
  if (!m || !m->is_version()) return done(invalid_arn(std::string(*a)));
  std::lock_guard<std::mutex> l(catalog_mu_);
  auto rec = machine(m->base);
  if (!rec.ok()) return done(ok(bj::object{}));  // nothing to delete
  storage::StateMachineRecord r = std::move(rec).value();
  for (const auto& alias : r.aliases) {
    for (const auto& e : alias.routing) {
      if (e.version_arn == *a) {
        return done(error("ConflictException", "Version to be deleted must not be referenced by an alias. Current "
                                               "list of aliases referencing this version: [" +
                                                   r.arn + ":" + alias.name + "]"));
      }
    }
  }
  auto before = r.versions.size();
  r.versions.erase(std::remove_if(r.versions.begin(), r.versions.end(),
                                  [&](const storage::StateMachineVersion& v) { return v.version == m->version; }),
                   r.versions.end());
  if (r.versions.size() != before) {
    if (Status s = put_machine(r); !s.ok()) return done(error("InternalError", s.message(), 500));
  }
  done(ok(bj::object{}));
}

void Dispatcher::create_state_machine_alias(const Request& req, Done done) {
  const bj::string* name;
  if (auto e = require(req, "name", &name)) return done(*e);
  if (auto e = name_length_error(std::string(*name))) return done(*e);
  if (!valid_alias_name(std::string(*name))) {
    return done(error("ValidationException",
                      "1 validation error detected: Value '" + std::string(*name) +
                          "' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: "
                          "^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$"));
  }
  const auto* d = str_field(req, "description");
  if (d && d->size() > 256) return done(error("ValidationException", "description must be at most 256 characters"));
  std::string base;
  auto routing = read_routing(req, &base);
  if (!routing.ok()) return done(error_from(routing.status(), "ValidationException"));
  std::lock_guard<std::mutex> l(catalog_mu_);
  auto rec = machine(base);
  if (!rec.ok()) return done(error("ResourceNotFound", "Resource not found: '" + base + "'"));
  storage::StateMachineRecord r = std::move(rec).value();
  for (const auto& e : *routing) {
    if (!find_version(r, parse_machine_arn(e.version_arn)->version)) {
      return done(error("ResourceNotFound", "Resource not found: '" + e.version_arn + "'"));
    }
  }
  std::string alias_arn = r.arn + ":" + std::string(*name);
  if (auto* existing = find_alias(r, std::string(*name))) {
    bool same = existing->description == (d ? std::string(*d) : std::string()) &&
                existing->routing.size() == routing->size() &&
                std::equal(routing->begin(), routing->end(), existing->routing.begin(),
                           [](const storage::RoutingEntry& x, const storage::RoutingEntry& y) {
                             return x.version_arn == y.version_arn && x.weight == y.weight;
                           });
    if (!same) return done(error("ConflictException", "Alias already exists: '" + alias_arn + "'"));
    bj::object out;
    out["stateMachineAliasArn"] = alias_arn;
    out["creationDate"] = seconds(existing->creation_ms);
    return done(ok(out));
  }
  if (r.aliases.size() >= kMaxAliases) {
    return done(error("ServiceQuotaExceededException", "The state machine has reached the limit of 100 aliases"));
  }
  storage::StateMachineAlias alias;
  alias.name = std::string(*name);
  alias.description = d ? std::string(*d) : std::string();
  alias.routing = std::move(routing).value();
  alias.creation_ms = now_ms();
  r.aliases.push_back(alias);
  if (Status s = put_machine(r); !s.ok()) return done(error("InternalError", s.message(), 500));
  bj::object out;
  out["stateMachineAliasArn"] = alias_arn;
  out["creationDate"] = seconds(alias.creation_ms);
  done(ok(out));
}

namespace {
// The alias an ARN names, from a looked-up record; nullptr when absent.
struct AliasRef {
  std::optional<MachineArn> arn;
  Result<storage::StateMachineRecord> record = Status::not_found("");
  storage::StateMachineAlias* alias = nullptr;
};
}  // namespace

void Dispatcher::describe_state_machine_alias(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "stateMachineAliasArn", &a)) return done(*e);
  auto m = parse_machine_arn(std::string(*a));
  if (!m || !m->is_alias()) return done(invalid_arn(std::string(*a)));
  auto rec = machine(m->base);
  storage::StateMachineAlias* alias = rec.ok() ? find_alias(*rec, m->qualifier) : nullptr;
  if (!alias) return done(error("ResourceNotFound", "Resource not found: '" + std::string(*a) + "'"));
  bj::object out;
  out["stateMachineAliasArn"] = std::string(*a);
  out["name"] = alias->name;
  if (!alias->description.empty()) out["description"] = alias->description;
  out["routingConfiguration"] = routing_json(alias->routing);
  out["creationDate"] = seconds(alias->creation_ms);
  out["updateDate"] = seconds(alias->update_ms ? alias->update_ms : alias->creation_ms);
  done(ok(out));
}

void Dispatcher::update_state_machine_alias(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "stateMachineAliasArn", &a)) return done(*e);
  auto m = parse_machine_arn(std::string(*a));
  if (!m || !m->is_alias()) return done(invalid_arn(std::string(*a)));
  const auto* d = str_field(req, "description");
  if (d && d->size() > 256) return done(error("ValidationException", "description must be at most 256 characters"));
  if (!d && !req.contains("routingConfiguration")) {
    return done(error("ValidationException", "Either the description or the routingConfiguration must be specified"));
  }
  std::optional<std::vector<storage::RoutingEntry>> routing;
  if (req.contains("routingConfiguration")) {
    std::string base = m->base;
    auto r = read_routing(req, &base);
    if (!r.ok()) return done(error_from(r.status(), "ValidationException"));
    routing = std::move(r).value();
  }
  std::lock_guard<std::mutex> l(catalog_mu_);
  auto rec = machine(m->base);
  storage::StateMachineAlias* alias = rec.ok() ? find_alias(*rec, m->qualifier) : nullptr;
  if (!alias) return done(error("ResourceNotFound", "Resource not found: '" + std::string(*a) + "'"));
  if (routing) {
    for (const auto& e : *routing) {
      if (!find_version(*rec, parse_machine_arn(e.version_arn)->version)) {
        return done(error("ResourceNotFound", "Resource not found: '" + e.version_arn + "'"));
      }
    }
    alias->routing = std::move(*routing);
  }
  if (d) alias->description = std::string(*d);
  alias->update_ms = now_ms();
  std::int64_t updated = alias->update_ms;
  if (Status s = put_machine(*rec); !s.ok()) return done(error("InternalError", s.message(), 500));
  bj::object out;
  out["updateDate"] = seconds(updated);
  done(ok(out));
}

void Dispatcher::delete_state_machine_alias(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "stateMachineAliasArn", &a)) return done(*e);
  auto m = parse_machine_arn(std::string(*a));
  if (!m || !m->is_alias()) return done(invalid_arn(std::string(*a)));
  std::lock_guard<std::mutex> l(catalog_mu_);
  auto rec = machine(m->base);
  if (!rec.ok() || !find_alias(*rec, m->qualifier)) {
    return done(error("ResourceNotFound", "Resource not found: '" + std::string(*a) + "'"));
  }
  rec->aliases.erase(std::remove_if(rec->aliases.begin(), rec->aliases.end(),
                                    [&](const storage::StateMachineAlias& x) { return x.name == m->qualifier; }),
                     rec->aliases.end());
  if (Status s = put_machine(*rec); !s.ok()) return done(error("InternalError", s.message(), 500));
  done(ok(bj::object{}));
}

void Dispatcher::list_state_machine_aliases(const Request& req, Done done) {
  const bj::string* a;
  if (auto e = require(req, "stateMachineArn", &a)) return done(*e);
  auto m = parse_machine_arn(std::string(*a));
  if (!m || m->is_alias()) return done(invalid_arn(std::string(*a)));
  auto max = page_size(req, kDefaultPage);
  if (!max.ok()) return done(error("ValidationException", max.status().message()));
  std::size_t from = 0;
  if (const auto* token = str_field(req, "nextToken")) {
    std::string pos;
    if (!read_token(std::string(*token), "a" + std::string(*a), &pos) || pos.empty() || pos.size() > 4 ||
        pos.find_first_not_of("0123456789") != std::string::npos) {
      return done(invalid_token());
    }
    from = std::stoul(pos);
  }
  auto rec = machine(m->base);
  if (!rec.ok()) return done(error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + m->base + "'"));
  if (m->is_version() && !find_version(*rec, m->version)) {
    return done(error("ResourceNotFound", "Resource not found: '" + std::string(*a) + "'"));
  }
  // With a version ARN: the aliases that route to that version.
  std::vector<const storage::StateMachineAlias*> aliases;
  for (const auto& alias : rec->aliases) {
    bool routes = !m->is_version();
    for (const auto& e : alias.routing) routes = routes || e.version_arn == *a;
    if (routes) aliases.push_back(&alias);
  }
  bj::array items;
  std::size_t end = std::min(aliases.size(), from + static_cast<std::size_t>(*max));
  for (std::size_t i = from; i < end; ++i) {
    bj::object o;
    o["stateMachineAliasArn"] = rec->arn + ":" + aliases[i]->name;
    o["creationDate"] = seconds(aliases[i]->creation_ms);
    items.push_back(std::move(o));
  }
  bj::object out;
  out["stateMachineAliases"] = std::move(items);
  if (end < aliases.size()) out["nextToken"] = make_token("a" + std::string(*a), std::to_string(end));
  done(ok(out));
}

}  // namespace stepd::api

namespace stepd::api {

// TestState: one state run by the engine in isolation (src/engine/test_state.h).
void Dispatcher::test_state(const Request& req, Done done) {
  const bj::string* def;
  if (auto e = require(req, "definition", &def)) return done(*e);
  if (def->size() > kMaxDefinition) {
    return done(error("InvalidDefinition", "Invalid State Machine Definition: 'The definition is larger than 1 MB'"));
  }
  engine::TestStateRequest t;
  t.definition = std::string(*def);
  if (const auto* n = str_field(req, "stateName")) t.state_name = std::string(*n);
  if (const auto* in = str_field(req, "input")) t.input = std::string(*in);
  if (t.input.size() > kMaxPayload) {
    return done(error("InvalidExecutionInput", "Invalid Execution Input: 'The input is larger than 256 KiB'"));
  }
  if (const auto* level = str_field(req, "inspectionLevel")) {
    if (!engine::parse_inspection_level(std::string(*level), &t.inspection_level)) {
      return done(error("ValidationException", "Value '" + std::string(*level) +
                                                   "' at 'inspectionLevel' failed to satisfy constraint: Member must "
                                                   "satisfy enum value set: [INFO, DEBUG, TRACE]"));
    }
  }
  t.reveal_secrets = bool_field(req, "revealSecrets").value_or(false);
  if (const auto* v = str_field(req, "variables")) t.variables = std::string(*v);
  if (const auto* mock = obj_field(req, "mock")) {
    engine::TestStateMock m;
    if (const auto* r = str_field(*mock, "result")) m.result = std::string(*r);
    if (const auto* eo = obj_field(*mock, "errorOutput")) {
      m.error_output = true;
      if (const auto* e = str_field(*eo, "error")) m.error = std::string(*e);
      if (const auto* c = str_field(*eo, "cause")) m.cause = std::string(*c);
    }
    t.mock = std::move(m);
  }
  if (const auto* sc = obj_field(req, "stateConfiguration")) {
    if (const auto* v = sc->if_contains("retrierRetryCount"); v && v->is_int64()) t.retrier_retry_count = v->get_int64();
    if (const auto* v = sc->if_contains("mapIterationFailureCount"); v && v->is_int64()) {
      t.map_iteration_failure_count = v->get_int64();
    }
  }
  engine::StartParams& p = t.execution;
  p.execution_name = random_uuid();
  p.state_machine_name = "TestStateMachine";
  p.state_machine_arn = arn("stateMachine", p.state_machine_name);
  p.execution_arn = arn("execution", p.state_machine_name + ":" + p.execution_name);
  if (const auto* role = str_field(req, "roleArn")) p.role_arn = std::string(*role);
  p.region = options_.region;
  p.start_ms = now_ms();
  p.seed = std::stoull(random_hex(15), nullptr, 16);
  auto result = engine::test_state(t);
  if (!result.ok()) return done(error_from(result.status(), "ValidationException"));
  done(ok(engine::test_state_output(*result)));
}

}  // namespace stepd::api
