#pragma once
// MapRunSpec: what a Distributed Map hands to the runtime when it starts a
// Map Run (EffectKind::kMapRun). The engine does the parent's part: it
// records MapRunStarted, evaluates everything that reads the parent's
// input, variables and context (items, ItemSelector, MaxConcurrency,
// tolerated failures), then waits for one answer, a Task fact with the
// effect's token:
//
//   kTaskSucceeded{output: the Map's result}  ─▶ MapRunSucceeded, MapStateSucceeded
//   kTaskFailed{error, cause}                 ─▶ MapRunFailed, MapStateFailed (then Retry/Catch)
//
// The runtime does the rest (src/maprun/tracker.h): one child execution per
// item or batch, with its own history, the concurrency window, the
// tolerated-failure check, and the results in item order. A stop or a
// failing sibling aborts the Map Run: MapRunAborted, and a kCancelTask
// effect with the same token. After a restart pending_effects() issues the
// same spec again; the runtime finds the Map Run's children by its ARN.
// A redrive issues it with redrive_count + 1: only unsuccessful children run.
//
// Immutable once issued; shared between the engine state and the runtime.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "src/asl/machine.h"
#include "src/common/status.h"

namespace stepd::engine {

struct ItemScope;  // src/engine/state.h

struct MapRunSpec {
  std::string map_run_arn;     // arn:...:mapRun:<machine>/<label>:<id>
  std::string execution_arn;   // the parent execution
  std::string role_arn;        // the parent's: its children run with it
  std::string state_name;
  std::string label;           // the Map's Label, or "" (the ARN then says "map")
  // The child workflow: its compiled form and its definition as JSON text
  // (the ItemProcessor object), for DescribeStateMachineForExecution.
  std::shared_ptr<const asl::StateMachine> processor;
  std::string processor_definition;
  bool express = false;        // ProcessorConfig.ExecutionType EXPRESS
  // One input per item, ItemSelector already applied, in item order.
  boost::json::array inputs;
  // ItemBatcher, evaluated: 0 = no limit. Batching is on when either limit
  // is set; a child's input is then {"Items": [...], "BatchInput": ...}.
  std::int64_t max_items_per_batch = 0;
  std::int64_t max_bytes_per_batch = 0;
  bool batching = false;
  std::optional<boost::json::value> batch_input;
  std::int64_t max_concurrency = 0;  // 0: as many as AWS allows (10,000)
  std::optional<std::int64_t> tolerated_count;
  std::optional<double> tolerated_percentage;
  std::int64_t redrive_count = 0;    // 0 for the first run; n after the nth MapRunRedriven
  std::int64_t started_ms = 0;       // MapRunStarted's time
  // ItemReader / ResultWriter, evaluated: {"Resource", "Parameters",
  // "ReaderConfig" | "WriterConfig"} (MaxItemsPath resolved into MaxItems);
  // null when absent. With an ItemReader `inputs` is empty: the runtime
  // reads the items, and applies ItemSelector with select_item() when
  // item_scope is set.
  boost::json::value item_reader, result_writer;
  std::shared_ptr<const ItemScope> item_scope;
};

// ItemSelector applied to item `index` read by the ItemReader, exactly as
// the engine applies it to items from the state input ($$.Map.Item, the
// Map's input, context and variables as they were when the Map started).
// Pure; randomness (States.UUID) is drawn from the parent's seed and the
// index, so the same item gives the same input after a restart. Errors:
// the failure the state would have (States.Runtime,
// States.QueryEvaluationError) with its cause.
Result<boost::json::value> select_item(const ItemScope& scope, const boost::json::value& item, std::int64_t index);

}  // namespace stepd::engine
