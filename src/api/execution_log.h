#pragma once
// `stepd serve --execution-log DEST`: every history event an execution's
// state machine asks to log (its loggingConfiguration: level ALL / ERROR /
// FATAL, includeExecutionData) as one JSON line in the format CloudWatch
// Logs receives from Step Functions (src/engine/execution_log.h), written
// once the event is durable. DEST is a file (appended to) or "-" (stdout).
//
// Lifecycle: open() ──observer() into RuntimeOptions::observe_appends──▶
// lines written as appends become durable ──▶ destroyed after the Runtime.
// The observer is safe from any thread.

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "src/common/status.h"
#include "src/engine/execution_log.h"
#include "storage/observed_journal.h"

namespace stepd::api {

class ExecutionLog {
 public:
  // kIo when DEST cannot be opened for appending. REQUIRES: journal outlives this.
  static Result<std::unique_ptr<ExecutionLog>> open(const std::string& dest, storage::Journal& journal);
  ~ExecutionLog();
  ExecutionLog(const ExecutionLog&) = delete;
  ExecutionLog& operator=(const ExecutionLog&) = delete;

  storage::ObservedJournal::Observer observer();

 private:
  // What an execution logs, looked up once (its state machine's
  // loggingConfiguration when it started) and kept while it is open.
  struct Target {
    engine::LogLevel level = engine::LogLevel::kOff;
    bool include_data = false;
    std::string execution_arn;
    std::int64_t redrive_count = 0;
  };
  ExecutionLog(std::FILE* out, bool owned, storage::Journal& journal);
  Target target_for(const storage::Append& a);  // REQUIRES: mu_ held
  void write(const std::string& lines);

  std::FILE* out_;
  bool owned_;
  storage::Journal& journal_;
  std::mutex mu_;                          // guards targets_
  std::map<std::uint64_t, Target> targets_;  // by execution seq, while open
  std::mutex out_mu_;                      // one writer at a time
};

}  // namespace stepd::api
