#include "src/asl/machine.h"

#include <cmath>
#include <limits>

#include "src/asl/validate.h"
#include "src/common/json.h"
#include "src/common/timestamp.h"

namespace stepd::asl {

const char* state_type_name(StateType t) {
  switch (t) {
    case StateType::kTask: return "Task";
    case StateType::kPass: return "Pass";
    case StateType::kChoice: return "Choice";
    case StateType::kWait: return "Wait";
    case StateType::kSucceed: return "Succeed";
    case StateType::kFail: return "Fail";
    case StateType::kParallel: return "Parallel";
    case StateType::kMap: return "Map";
  }
  return "Pass";
}

namespace {

// Compiles one States block. Validation has run before, so this only guards
// against what would crash; messages still name the location.
class Compiler {
 public:
  Result<std::shared_ptr<const StateMachine>> machine(const bj::object& def, const std::string& where,
                                                      QueryLanguage inherited) {
    auto m = std::make_shared<StateMachine>();
    m->query_language = inherited;
    if (const auto* ql = def.if_contains("QueryLanguage"); ql && ql->is_string()) {
      m->query_language = ql->get_string() == "JSONata" ? QueryLanguage::kJSONata : QueryLanguage::kJSONPath;
    }
    const auto* states = def.if_contains("States");
    const auto* start = def.if_contains("StartAt");
    if (!states || !states->is_object() || !start || !start->is_string()) {
      return Status::invalid("SCHEMA_VALIDATION_FAILED: These fields are required: [States, StartAt] at " + where);
    }
    if (const auto* t = def.if_contains("TimeoutSeconds"); t && t->is_number()) {
      m->timeout_seconds = static_cast<std::int64_t>(json::to_double(*t));
    }
    // Names first, so Next can be resolved in one pass.
    for (const auto& kv : states->get_object()) {
      m->by_name.emplace(std::string(kv.key()), static_cast<int>(m->by_name.size()));
    }
    auto s = m->by_name.find(std::string(start->get_string()));
    if (s == m->by_name.end()) {
      return Status::invalid("MISSING_TRANSITION_TARGET: State \"" + std::string(start->get_string()) +
                             "\" is not reachable at " + where + "/StartAt");
    }
    m->start = s->second;
    m->states.resize(m->by_name.size());
    int i = 0;
    for (const auto& kv : states->get_object()) {
      const auto* o = kv.value().if_object();
      std::string loc = where + "/States/" + std::string(kv.key());
      if (!o) return Status::invalid("SCHEMA_VALIDATION_FAILED: State must be an object at " + loc);
      auto st = state(*m, std::string(kv.key()), *o, loc, m->query_language);
      if (!st.ok()) return st.status();
      m->states[static_cast<std::size_t>(i++)] = std::move(st).value();
    }
    return std::shared_ptr<const StateMachine>(std::move(m));
  }

 private:
  static Status bad(const std::string& what, const std::string& loc) {
    return Status::invalid("SCHEMA_VALIDATION_FAILED: " + what + " at " + loc);
  }

  static Result<int> target(const StateMachine& m, const bj::value* v, const std::string& loc) {
    if (!v || !v->is_string()) return bad("Next must be a string", loc);
    auto it = m.by_name.find(std::string(v->get_string()));
    if (it == m.by_name.end()) {
      return Status::invalid("MISSING_TRANSITION_TARGET: Missing 'Next' target: " + std::string(v->get_string()) +
                             " at " + loc);
    }
    return it->second;
  }

  static Result<PathField> path_field(const bj::object& o, const char* key, const std::string& loc) {
    PathField f;
    const auto* v = o.if_contains(key);
    if (!v) return f;
    if (v->is_null()) {
      f.kind = PathField::Kind::kNull;
      return f;
    }
    if (!v->is_string()) return bad(std::string(key) + " must be a string", loc + "/" + key);
    auto p = jsonpath::Path::parse(v->get_string());
    if (!p.ok()) return bad("The value for the field '" + std::string(key) + "' must be a valid JSONPath", loc + "/" + key);
    f.kind = PathField::Kind::kPath;
    f.path = std::move(p).value();
    return f;
  }

  static Result<std::optional<jsonpath::Path>> opt_path(const bj::object& o, const char* key, const std::string& loc) {
    const auto* v = o.if_contains(key);
    if (!v) return std::optional<jsonpath::Path>();
    if (!v->is_string()) return bad(std::string(key) + " must be a string", loc + "/" + key);
    auto p = jsonpath::Path::parse(v->get_string());
    if (!p.ok()) return bad("The value for the field '" + std::string(key) + "' must be a valid JSONPath", loc + "/" + key);
    return std::optional<jsonpath::Path>(std::move(p).value());
  }

  static Result<std::optional<Template>> opt_template(const bj::object& o, const char* key, const std::string& loc) {
    const auto* v = o.if_contains(key);
    if (!v) return std::optional<Template>();
    auto t = Template::compile(*v);
    if (!t.ok()) return bad(t.status().message(), loc + "/" + key);
    return std::optional<Template>(std::move(t).value());
  }

  // A JSONata-mode field (any JSON value, {% %} strings at any depth).
  static Result<std::optional<JsonataValue>> opt_jsonata(const bj::object& o, const char* key,
                                                         const std::string& loc) {
    const auto* v = o.if_contains(key);
    if (!v) return std::optional<JsonataValue>();
    auto t = JsonataValue::compile(*v);
    if (!t.ok()) return bad(t.status().message(), loc + "/" + key);
    return std::optional<JsonataValue>(std::move(t).value());
  }

  // A scalar field that JSONata mode lets be one {% %} expression; empty
  // when the field is absent, a literal, or the state is JSONPath.
  static Result<std::optional<JsonataValue>> opt_expression(const bj::object& o, const char* key,
                                                            const std::string& loc, bool ja) {
    const auto* v = o.if_contains(key);
    if (!ja || !v || !is_jsonata_expression(*v)) return std::optional<JsonataValue>();
    return opt_jsonata(o, key, loc);
  }

  // ItemReader / ResultWriter (validate() checked their shape).
  static Result<std::optional<MapIo>> map_io(const bj::object& o, const char* key, const std::string& loc, bool ja) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_object()) return std::optional<MapIo>();
    const bj::object& io = v->get_object();
    const std::string l = loc + "/" + key;
    MapIo m;
    if (const auto* r = io.if_contains("Resource"); r && r->is_string()) m.resource = std::string(r->get_string());
    if (ja) {
      auto a = opt_jsonata(io, "Arguments", l);
      if (!a.ok()) return a.status();
      m.arguments = std::move(a).value();
    } else {
      auto p = opt_template(io, "Parameters", l);
      if (!p.ok()) return p.status();
      m.parameters = std::move(p).value();
    }
    for (const char* c : {"ReaderConfig", "WriterConfig"}) {
      const auto* cv = io.if_contains(c);
      if (!cv || !cv->is_object()) continue;
      m.config = *cv;
      auto path = opt_path(cv->get_object(), "MaxItemsPath", l + "/" + c);
      if (!path.ok()) return path.status();
      m.max_items_path = std::move(path).value();
      auto expr = opt_expression(cv->get_object(), "MaxItems", l + "/" + c, ja);
      if (!expr.ok()) return expr.status();
      m.max_items = std::move(expr).value();
    }
    return std::optional<MapIo>(std::move(m));
  }

  // Saturated at the int64 range: validate() takes any integer up to the
  // field's maximum, and some maxima are INT64_MAX (MaxConcurrency,
  // ToleratedFailureCount...), so 1e40 gets here; casting that is UB.
  static std::optional<std::int64_t> opt_int(const bj::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_number()) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    const double d = json::to_double(*v);
    if (d >= 9223372036854775807.0) return std::numeric_limits<std::int64_t>::max();
    if (d <= -9223372036854775808.0) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(d);
  }

  static Result<std::vector<std::string>> error_list(const bj::object& o, const std::string& loc) {
    std::vector<std::string> out;
    const auto* v = o.if_contains("ErrorEquals");
    if (!v || !v->is_array()) return bad("ErrorEquals must be a non-empty array", loc + "/ErrorEquals");
    for (const auto& e : v->get_array()) {
      if (!e.is_string()) return bad("ErrorEquals must hold strings", loc + "/ErrorEquals");
      out.emplace_back(e.get_string());
    }
    return out;
  }

  Result<State> state(const StateMachine& m, std::string name, const bj::object& o, const std::string& loc,
                      QueryLanguage machine_lang) {
    State st;
    st.name = std::move(name);
    const auto* type = o.if_contains("Type");
    if (!type || !type->is_string()) return bad("These fields are required: [Type]", loc);
    const auto& t = type->get_string();
    if (t == "Task") st.type = StateType::kTask;
    else if (t == "Pass") st.type = StateType::kPass;
    else if (t == "Choice") st.type = StateType::kChoice;
    else if (t == "Wait") st.type = StateType::kWait;
    else if (t == "Succeed") st.type = StateType::kSucceed;
    else if (t == "Fail") st.type = StateType::kFail;
    else if (t == "Parallel") st.type = StateType::kParallel;
    else if (t == "Map") st.type = StateType::kMap;
    else return bad("Unknown state type " + std::string(t), loc + "/Type");

    QueryLanguage lang = machine_lang;
    if (const auto* ql = o.if_contains("QueryLanguage"); ql && ql->is_string()) {
      lang = ql->get_string() == "JSONata" ? QueryLanguage::kJSONata : QueryLanguage::kJSONPath;
    }
    st.query_language = lang;
    const bool ja = lang == QueryLanguage::kJSONata;

    if (const auto* e = o.if_contains("End"); e && e->is_bool()) st.end = e->get_bool();
    if (const auto* n = o.if_contains("Next")) {
      auto r = target(m, n, loc + "/Next");
      if (!r.ok()) return r.status();
      st.next = *r;
    }

#define STEPD_TRY_ASSIGN(lhs, expr)      \
  do {                                   \
    auto r_ = (expr);                    \
    if (!r_.ok()) return r_.status();    \
    lhs = std::move(r_).value();         \
  } while (0)

    if (ja) {
      STEPD_TRY_ASSIGN(st.ja.arguments, opt_jsonata(o, "Arguments", loc));
      STEPD_TRY_ASSIGN(st.ja.output, opt_jsonata(o, "Output", loc));
      STEPD_TRY_ASSIGN(st.ja.assign, opt_jsonata(o, "Assign", loc));
    } else {
      STEPD_TRY_ASSIGN(st.input_path, path_field(o, "InputPath", loc));
      STEPD_TRY_ASSIGN(st.output_path, path_field(o, "OutputPath", loc));
      STEPD_TRY_ASSIGN(st.result_path, path_field(o, "ResultPath", loc));
      STEPD_TRY_ASSIGN(st.parameters, opt_template(o, "Parameters", loc));
      STEPD_TRY_ASSIGN(st.result_selector, opt_template(o, "ResultSelector", loc));
      STEPD_TRY_ASSIGN(st.assign, opt_template(o, "Assign", loc));
    }

    if (const auto* r = o.if_contains("Result")) st.result = *r;

    if (const auto* retry = o.if_contains("Retry"); retry && retry->is_array()) {
      int i = 0;
      for (const auto& rv : retry->get_array()) {
        std::string rl = loc + "/Retry/" + std::to_string(i++);
        const auto* ro = rv.if_object();
        if (!ro) return bad("Retrier must be an object", rl);
        Retrier r;
        STEPD_TRY_ASSIGN(r.errors, error_list(*ro, rl));
        if (const auto* v = ro->if_contains("IntervalSeconds"); v && v->is_number()) r.interval_seconds = json::to_double(*v);
        if (auto v = opt_int(*ro, "MaxAttempts")) r.max_attempts = *v;
        if (const auto* v = ro->if_contains("BackoffRate"); v && v->is_number()) r.backoff_rate = json::to_double(*v);
        r.max_delay_seconds = opt_int(*ro, "MaxDelaySeconds");
        if (const auto* v = ro->if_contains("JitterStrategy"); v && v->is_string()) r.full_jitter = v->get_string() == "FULL";
        st.retry.push_back(std::move(r));
      }
    }
    if (const auto* c = o.if_contains("Catch"); c && c->is_array()) {
      int i = 0;
      for (const auto& cv : c->get_array()) {
        std::string cl = loc + "/Catch/" + std::to_string(i++);
        const auto* co = cv.if_object();
        if (!co) return bad("Catcher must be an object", cl);
        Catcher k;
        STEPD_TRY_ASSIGN(k.errors, error_list(*co, cl));
        STEPD_TRY_ASSIGN(k.next, target(m, co->if_contains("Next"), cl + "/Next"));
        if (ja) {
          STEPD_TRY_ASSIGN(k.ja_output, opt_jsonata(*co, "Output", cl));
          STEPD_TRY_ASSIGN(k.ja_assign, opt_jsonata(*co, "Assign", cl));
        } else {
          STEPD_TRY_ASSIGN(k.result_path, path_field(*co, "ResultPath", cl));
          STEPD_TRY_ASSIGN(k.assign, opt_template(*co, "Assign", cl));
        }
        st.catches.push_back(std::move(k));
      }
    }

    switch (st.type) {
      case StateType::kTask: {
        const auto* r = o.if_contains("Resource");
        if (!r || !r->is_string()) return bad("These fields are required: [Resource]", loc);
        st.resource = std::string(r->get_string());
        STEPD_TRY_ASSIGN(st.ja.timeout_seconds, opt_expression(o, "TimeoutSeconds", loc, ja));
        STEPD_TRY_ASSIGN(st.ja.heartbeat_seconds, opt_expression(o, "HeartbeatSeconds", loc, ja));
        if (!st.ja.timeout_seconds) st.timeout_seconds = opt_int(o, "TimeoutSeconds");
        if (!st.ja.heartbeat_seconds) st.heartbeat_seconds = opt_int(o, "HeartbeatSeconds");
        STEPD_TRY_ASSIGN(st.timeout_seconds_path, opt_path(o, "TimeoutSecondsPath", loc));
        STEPD_TRY_ASSIGN(st.heartbeat_seconds_path, opt_path(o, "HeartbeatSecondsPath", loc));
        STEPD_TRY_ASSIGN(st.credentials, opt_template(o, "Credentials", loc));
        break;
      }
      case StateType::kChoice: {
        const auto* cs = o.if_contains("Choices");
        if (!cs || !cs->is_array()) return bad("These fields are required: [Choices]", loc);
        int i = 0;
        for (const auto& cv : cs->get_array()) {
          std::string cl = loc + "/Choices/" + std::to_string(i++);
          const auto* co = cv.if_object();
          if (!co) return bad("Choice rule must be an object", cl);
          ChoiceBranch b;
          if (ja) {
            STEPD_TRY_ASSIGN(b.condition, opt_jsonata(*co, "Condition", cl));
            if (!b.condition) return bad("These fields are required: [Condition]", cl);
            STEPD_TRY_ASSIGN(b.ja_output, opt_jsonata(*co, "Output", cl));
            STEPD_TRY_ASSIGN(b.ja_assign, opt_jsonata(*co, "Assign", cl));
          } else {
            auto rule = compile_choice_rule(*co);
            if (!rule.ok()) return bad(rule.status().message(), cl);
            b.rule = std::move(rule).value();
            STEPD_TRY_ASSIGN(b.assign, opt_template(*co, "Assign", cl));
          }
          STEPD_TRY_ASSIGN(b.next, target(m, co->if_contains("Next"), cl + "/Next"));
          st.choices.push_back(std::move(b));
        }
        if (const auto* d = o.if_contains("Default")) {
          STEPD_TRY_ASSIGN(st.default_next, target(m, d, loc + "/Default"));
        }
        break;
      }
      case StateType::kWait: {
        STEPD_TRY_ASSIGN(st.ja.seconds, opt_expression(o, "Seconds", loc, ja));
        STEPD_TRY_ASSIGN(st.ja.timestamp, opt_expression(o, "Timestamp", loc, ja));
        if (!st.ja.seconds) st.seconds = opt_int(o, "Seconds");
        STEPD_TRY_ASSIGN(st.seconds_path, opt_path(o, "SecondsPath", loc));
        if (const auto* ts = o.if_contains("Timestamp"); ts && ts->is_string() && !st.ja.timestamp) {
          if (!timestamp::parse_ms(ts->get_string())) return bad("String does not match RFC3339 timestamp", loc + "/Timestamp");
          st.timestamp = std::string(ts->get_string());
        }
        STEPD_TRY_ASSIGN(st.timestamp_path, opt_path(o, "TimestampPath", loc));
        break;
      }
      case StateType::kFail: {
        STEPD_TRY_ASSIGN(st.ja.error, opt_expression(o, "Error", loc, ja));
        STEPD_TRY_ASSIGN(st.ja.cause, opt_expression(o, "Cause", loc, ja));
        if (const auto* v = o.if_contains("Error"); v && v->is_string() && !st.ja.error) {
          st.error = std::string(v->get_string());
        }
        if (const auto* v = o.if_contains("Cause"); v && v->is_string() && !st.ja.cause) {
          st.cause = std::string(v->get_string());
        }
        if (const auto* v = o.if_contains("ErrorPath"); v && v->is_string()) {
          auto t = Template::compile_dynamic(std::string(v->get_string()));
          if (!t.ok()) return bad(t.status().message(), loc + "/ErrorPath");
          st.error_path = std::move(t).value();
        }
        if (const auto* v = o.if_contains("CausePath"); v && v->is_string()) {
          auto t = Template::compile_dynamic(std::string(v->get_string()));
          if (!t.ok()) return bad(t.status().message(), loc + "/CausePath");
          st.cause_path = std::move(t).value();
        }
        break;
      }
      case StateType::kParallel: {
        const auto* bs = o.if_contains("Branches");
        if (!bs || !bs->is_array()) return bad("These fields are required: [Branches]", loc);
        int i = 0;
        for (const auto& bv : bs->get_array()) {
          std::string bl = loc + "/Branches/" + std::to_string(i++);
          const auto* bo = bv.if_object();
          if (!bo) return bad("Branch must be an object", bl);
          auto sub = machine(*bo, bl, machine_lang);
          if (!sub.ok()) return sub.status();
          st.branches.push_back(std::move(sub).value());
        }
        break;
      }
      case StateType::kMap: {
        const bj::value* proc = o.if_contains("ItemProcessor");
        if (!proc) proc = o.if_contains("Iterator");
        if (!proc || !proc->is_object()) return bad("These fields are required: [ItemProcessor]", loc);
        if (const auto* pc = proc->get_object().if_contains("ProcessorConfig"); pc && pc->is_object()) {
          if (const auto* mode = pc->get_object().if_contains("Mode"); mode && mode->is_string()) {
            st.distributed = mode->get_string() == "DISTRIBUTED";
          }
          if (const auto* et = pc->get_object().if_contains("ExecutionType"); et && et->is_string()) {
            st.express = et->get_string() == "EXPRESS";
          }
        }
        if (st.distributed) {
          // The child workflow's own definition: what the ItemProcessor
          // says, minus ProcessorConfig, plus the query language it inherits.
          bj::object def = proc->get_object();
          def.erase("ProcessorConfig");
          if (!def.contains("QueryLanguage") && machine_lang == QueryLanguage::kJSONata) def["QueryLanguage"] = "JSONata";
          st.processor_definition = json::to_json(def);
        }
        auto sub = machine(proc->get_object(), loc + (o.contains("ItemProcessor") ? "/ItemProcessor" : "/Iterator"),
                           machine_lang);
        if (!sub.ok()) return sub.status();
        st.processor = std::move(sub).value();
        if (ja) {
          STEPD_TRY_ASSIGN(st.ja.items, opt_jsonata(o, "Items", loc));
          STEPD_TRY_ASSIGN(st.ja.item_selector, opt_jsonata(o, "ItemSelector", loc));
        } else {
          STEPD_TRY_ASSIGN(st.items_path, path_field(o, "ItemsPath", loc));
          STEPD_TRY_ASSIGN(st.item_selector, opt_template(o, "ItemSelector", loc));
          if (!st.item_selector) st.item_selector = std::move(st.parameters);  // legacy name
          st.parameters.reset();
        }
        STEPD_TRY_ASSIGN(st.ja.max_concurrency, opt_expression(o, "MaxConcurrency", loc, ja));
        STEPD_TRY_ASSIGN(st.ja.tolerated_failure_count, opt_expression(o, "ToleratedFailureCount", loc, ja));
        STEPD_TRY_ASSIGN(st.ja.tolerated_failure_percentage,
                         opt_expression(o, "ToleratedFailurePercentage", loc, ja));
        if (!st.ja.max_concurrency) st.max_concurrency = opt_int(o, "MaxConcurrency");
        STEPD_TRY_ASSIGN(st.max_concurrency_path, opt_path(o, "MaxConcurrencyPath", loc));
        if (const auto* v = o.if_contains("ToleratedFailurePercentage");
            v && v->is_number() && !st.ja.tolerated_failure_percentage) {
          st.tolerated_failure_percentage = json::to_double(*v);
        }
        STEPD_TRY_ASSIGN(st.tolerated_failure_percentage_path, opt_path(o, "ToleratedFailurePercentagePath", loc));
        if (!st.ja.tolerated_failure_count) st.tolerated_failure_count = opt_int(o, "ToleratedFailureCount");
        STEPD_TRY_ASSIGN(st.tolerated_failure_count_path, opt_path(o, "ToleratedFailureCountPath", loc));
        if (const auto* v = o.if_contains("Label"); v && v->is_string()) st.label = std::string(v->get_string());
        STEPD_TRY_ASSIGN(st.item_reader, map_io(o, "ItemReader", loc, ja));
        STEPD_TRY_ASSIGN(st.result_writer, map_io(o, "ResultWriter", loc, ja));
        if (st.item_reader && !st.distributed) {
          return Status::invalid("UNSUPPORTED_FEATURE: stepd reads Map items from an ItemReader only in "
                                 "DISTRIBUTED mode at " + loc);
        }
        if (const auto* ib = o.if_contains("ItemBatcher"); ib && ib->is_object()) {
          const bj::object& b = ib->get_object();
          const std::string bl = loc + "/ItemBatcher";
          st.item_batcher = true;
          STEPD_TRY_ASSIGN(st.ja.max_items_per_batch, opt_expression(b, "MaxItemsPerBatch", bl, ja));
          STEPD_TRY_ASSIGN(st.ja.max_bytes_per_batch, opt_expression(b, "MaxInputBytesPerBatch", bl, ja));
          if (!st.ja.max_items_per_batch) st.max_items_per_batch = opt_int(b, "MaxItemsPerBatch");
          if (!st.ja.max_bytes_per_batch) st.max_bytes_per_batch = opt_int(b, "MaxInputBytesPerBatch");
          STEPD_TRY_ASSIGN(st.max_items_per_batch_path, opt_path(b, "MaxItemsPerBatchPath", bl));
          STEPD_TRY_ASSIGN(st.max_bytes_per_batch_path, opt_path(b, "MaxInputBytesPerBatchPath", bl));
          if (ja) {
            STEPD_TRY_ASSIGN(st.ja.batch_input, opt_jsonata(b, "BatchInput", bl));
          } else {
            STEPD_TRY_ASSIGN(st.batch_input, opt_template(b, "BatchInput", bl));
          }
        }
        break;
      }
      case StateType::kPass:
      case StateType::kSucceed:
        break;
    }
#undef STEPD_TRY_ASSIGN
    return st;
  }
};

}  // namespace

Result<std::shared_ptr<const StateMachine>> compile(const bj::value& definition) {
  auto diagnostics = validate(definition);
  std::vector<Diagnostic> errors;
  for (auto& d : diagnostics) {
    if (d.severity == "ERROR") errors.push_back(std::move(d));
  }
  if (!errors.empty()) return Status::invalid(summarize(errors));
  const auto* o = definition.if_object();
  if (!o) return Status::invalid("SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object");
  return Compiler().machine(*o, "", QueryLanguage::kJSONPath);
}

Result<std::shared_ptr<const StateMachine>> compile_text(std::string_view definition) {
  auto v = json::parse(definition);
  if (!v.ok()) return Status::invalid("INVALID_JSON_DESCRIPTION: " + v.status().message());
  return compile(*v);
}

}  // namespace stepd::asl
