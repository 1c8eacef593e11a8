#include "src/api/execution_log.h"

#include <boost/json/parse.hpp>

namespace stepd::api {

namespace bj = boost::json;

Result<std::unique_ptr<ExecutionLog>> ExecutionLog::open(const std::string& dest, storage::Journal& journal) {
  if (dest == "-") return std::unique_ptr<ExecutionLog>(new ExecutionLog(stdout, false, journal));
  std::FILE* f = std::fopen(dest.c_str(), "a");
  if (!f) return Status::io("cannot open the execution log " + dest + " for appending");
  return std::unique_ptr<ExecutionLog>(new ExecutionLog(f, true, journal));
}

ExecutionLog::ExecutionLog(std::FILE* out, bool owned, storage::Journal& journal)
    : out_(out), owned_(owned), journal_(journal) {}

ExecutionLog::~ExecutionLog() {
  if (owned_) std::fclose(out_);
}

ExecutionLog::Target ExecutionLog::target_for(const storage::Append& a) {
  auto it = targets_.find(a.seq);
  if (it != targets_.end() && !a.record) return it->second;
  // First sight of this execution (a start, a redrive, a recovery), or its
  // record changed: read its state machine's loggingConfiguration.
  std::optional<storage::ExecutionRecord> record = a.record;
  if (!record) {
    auto r = journal_.execution(a.seq);
    if (r.ok()) record = std::move(r).value();
  }
  Target t;
  if (record) {
    t.execution_arn = record->params.execution_arn;
    t.redrive_count = record->redrive_count;
    auto sm = journal_.state_machine(record->state_machine_arn);
    if (sm.ok() && !sm->logging_configuration.empty()) {
      std::error_code ec;
      bj::value config = bj::parse(sm->logging_configuration, ec);
      if (!ec && config.is_object()) {
        const auto& o = config.get_object();
        if (const auto* l = o.if_contains("level"); l && l->is_string()) t.level = engine::log_level(l->get_string());
        if (const auto* d = o.if_contains("includeExecutionData"); d && d->is_bool()) t.include_data = d->get_bool();
      }
    }
  }
  targets_[a.seq] = t;
  return t;
}

storage::ObservedJournal::Observer ExecutionLog::observer() {
  return [this](const storage::Append& a) -> storage::ObservedJournal::OnDurable {
    if (a.events.empty() && !a.closed) return nullptr;
    Target t;
    {
      std::lock_guard<std::mutex> l(mu_);
      t = target_for(a);
      if (a.closed) targets_.erase(a.seq);
    }
    if (t.level == engine::LogLevel::kOff) return nullptr;
    std::string lines;
    for (const auto& e : a.events) {
      if (!engine::logged(t.level, e.type)) continue;
      lines += engine::log_line(e, t.execution_arn, t.redrive_count, t.include_data);
      lines += '\n';
    }
    if (lines.empty()) return nullptr;
    return [this, lines = std::move(lines)] { write(lines); };
  };
}

void ExecutionLog::write(const std::string& lines) {
  std::lock_guard<std::mutex> l(out_mu_);
  std::fwrite(lines.data(), 1, lines.size(), out_);
  std::fflush(out_);
}

}  // namespace stepd::api
