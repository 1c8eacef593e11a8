#pragma once
// The compiled, immutable form of a state machine definition.
//
// compile() validates a definition (src/asl/validate.h) and turns it into a
// StateMachine whose paths, templates, intrinsic calls and Choice rules are
// parsed once. States refer to each other by index. A StateMachine is never
// modified after compile() and is safe to share between threads.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/value.hpp>

#include "src/asl/choice.h"
#include "src/asl/jsonata_value.h"
#include "src/asl/template.h"
#include "src/common/status.h"
#include "src/jsonpath/jsonpath.h"

namespace stepd::asl {

namespace bj = boost::json;

enum class StateType : unsigned char { kTask, kPass, kChoice, kWait, kSucceed, kFail, kParallel, kMap };
enum class QueryLanguage : unsigned char { kJSONPath, kJSONata };

// "Task", "Pass", ... as in history event type names.
const char* state_type_name(StateType t);

// InputPath / OutputPath / ResultPath / ItemsPath: absent (the default `$`),
// explicitly null (with its own meaning per field), or a path.
struct PathField {
  enum class Kind : unsigned char { kDefault, kNull, kPath };
  Kind kind = Kind::kDefault;
  std::optional<jsonpath::Path> path;
};

struct Retrier {
  std::vector<std::string> errors;
  double interval_seconds = 1;
  std::int64_t max_attempts = 3;
  double backoff_rate = 2.0;
  std::optional<std::int64_t> max_delay_seconds;
  bool full_jitter = false;
};

struct Catcher {
  std::vector<std::string> errors;
  int next = -1;
  PathField result_path;
  std::optional<Template> assign;
  // JSONata mode: Output (default: the error output) and Assign, both
  // seeing $states.errorOutput.
  std::optional<JsonataValue> ja_output, ja_assign;
};

struct StateMachine;

struct ChoiceBranch {
  std::shared_ptr<const ChoiceRule> rule;  // JSONPath mode
  int next = -1;
  std::optional<Template> assign;
  // JSONata mode: Condition (a boolean or an expression), Output, Assign.
  std::optional<JsonataValue> condition, ja_output, ja_assign;
};

// A Distributed Map's ItemReader or ResultWriter as written: the Resource,
// its Parameters (JSONPath) or Arguments (JSONata), and its ReaderConfig /
// WriterConfig object (MaxItemsPath or a JSONata MaxItems evaluated at run
// time, the rest passed on as written to src/s3).
struct MapIo {
  std::string resource;
  std::optional<Template> parameters;
  std::optional<JsonataValue> arguments;
  bj::value config;                              // ReaderConfig / WriterConfig, or null
  std::optional<jsonpath::Path> max_items_path;  // ReaderConfig.MaxItemsPath
  std::optional<JsonataValue> max_items;         // ReaderConfig.MaxItems as a JSONata expression
};

// The fields of a JSONata-mode state; each may hold {% %} expressions
// (a literal is compiled as a constant value).
struct JsonataFields {
  std::optional<JsonataValue> arguments, output, assign;
  std::optional<JsonataValue> timeout_seconds, heartbeat_seconds;  // Task
  std::optional<JsonataValue> seconds, timestamp;                  // Wait
  std::optional<JsonataValue> error, cause;                        // Fail
  std::optional<JsonataValue> items, item_selector, max_concurrency, tolerated_failure_count,
      tolerated_failure_percentage;  // Map
  std::optional<JsonataValue> max_items_per_batch, max_bytes_per_batch, batch_input;  // Map ItemBatcher
};

struct State {
  StateType type = StateType::kPass;
  std::string name;
  int next = -1;  // index in the owning StateMachine; -1 with end or for terminal types
  bool end = false;
  QueryLanguage query_language = QueryLanguage::kJSONPath;  // the state's own (or its machine's)
  JsonataFields ja;  // JSONata mode only

  PathField input_path, output_path, result_path;
  std::optional<Template> parameters, result_selector, assign;
  std::vector<Retrier> retry;
  std::vector<Catcher> catches;

  // Pass
  std::optional<bj::value> result;

  // Task
  std::string resource;
  std::optional<std::int64_t> timeout_seconds, heartbeat_seconds;
  std::optional<jsonpath::Path> timeout_seconds_path, heartbeat_seconds_path;
  std::optional<Template> credentials;

  // Choice
  std::vector<ChoiceBranch> choices;
  int default_next = -1;

  // Wait
  std::optional<std::int64_t> seconds;
  std::optional<jsonpath::Path> seconds_path;
  std::optional<std::string> timestamp;  // as written, validated RFC 3339
  std::optional<jsonpath::Path> timestamp_path;

  // Fail
  std::optional<std::string> error, cause;
  std::optional<Template> error_path, cause_path;

  // Parallel
  std::vector<std::shared_ptr<const StateMachine>> branches;

  // Map
  std::shared_ptr<const StateMachine> processor;
  bool distributed = false;
  bool express = false;               // DISTRIBUTED: ProcessorConfig.ExecutionType EXPRESS
  std::string processor_definition;   // DISTRIBUTED: the ItemProcessor object as JSON text
  PathField items_path;
  std::optional<Template> item_selector;  // ItemSelector or legacy Parameters
  std::optional<std::int64_t> max_concurrency;
  std::optional<jsonpath::Path> max_concurrency_path;
  std::optional<double> tolerated_failure_percentage;
  std::optional<jsonpath::Path> tolerated_failure_percentage_path;
  std::optional<std::int64_t> tolerated_failure_count;
  std::optional<jsonpath::Path> tolerated_failure_count_path;
  std::string label;
  std::optional<MapIo> item_reader, result_writer;  // Distributed Map
  // Distributed Map ItemBatcher (batching is on when the field is present).
  bool item_batcher = false;
  std::optional<std::int64_t> max_items_per_batch, max_bytes_per_batch;
  std::optional<jsonpath::Path> max_items_per_batch_path, max_bytes_per_batch_path;
  std::optional<Template> batch_input;
};

// A machine or a sub-machine (Parallel branch, Map ItemProcessor).
struct StateMachine {
  int start = 0;
  std::vector<State> states;
  std::unordered_map<std::string, int> by_name;
  std::optional<std::int64_t> timeout_seconds;
  QueryLanguage query_language = QueryLanguage::kJSONPath;
};

// Validates and compiles a parsed definition. Fails with kInvalidArgument
// and the InvalidDefinition text when validate() reports an ERROR, or when
// the definition uses a feature stepd does not run yet (named in the message).
Result<std::shared_ptr<const StateMachine>> compile(const bj::value& definition);
// The same from JSON text.
Result<std::shared_ptr<const StateMachine>> compile_text(std::string_view definition);

}  // namespace stepd::asl
