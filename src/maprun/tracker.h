#pragma once
// maprun::Tracker: the bookkeeping of one Map Run (a Distributed Map's
// child executions), pure like the engine: no clock, no I/O, no actor. The
// runtime (actors/map_run.cpp) and `stepd run` (src/cli/local_run.cpp) own
// one each and do what it says: start the children next() names, report
// each one's end with finished(), and hand outcome() to the parent.
//
//   items ──(ItemBatcher)──▶ children: kPending ─next()─▶ kRunning ─finished()─▶ kSucceeded
//                                                                             └▶ kFailed | kTimedOut | kAborted
//
// A child is one item, or one batch of items when the spec batches
// ({"Items": [...], "BatchInput": ...}). Failures are counted in items, as
// AWS counts ToleratedFailureCount/Percentage; the Map Run fails with
// States.ExceedToleratedFailureThreshold as soon as they pass the
// threshold (0 when neither is set), and then starts no more children: the
// runtime aborts those still running. It succeeds when every child has
// succeeded or failed within the threshold; its output is the children's
// outputs in item order (null for a failed child).
//
// A redrive (redrive()) puts the unsuccessful children back to kPending and
// the outcome back to undecided. restore() replays what durable records
// say of a child after a restart.
//
// Items from an ItemReader come in with add() as they are read, then
// end_items(): until then the Map Run cannot succeed, and a tolerated
// percentage (a share of all the items) is not checked yet. With a
// ResultWriter the outputs go to S3, not into the outcome, and are not kept.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "src/engine/map_run.h"

namespace stepd::maprun {

namespace bj = boost::json;

enum class ChildStatus : unsigned char { kPending, kRunning, kSucceeded, kFailed, kTimedOut, kAborted };

// DescribeMapRun's itemCounts and executionCounts.
struct Counts {
  std::int64_t pending = 0, running = 0, succeeded = 0, failed = 0, timed_out = 0, aborted = 0, total = 0;
};

struct Child {
  std::int64_t index = 0;  // 0-based, in item order
  bj::value input;
};

struct Outcome {
  bool succeeded = false;
  bj::value output;  // succeeded: the results array
  std::optional<std::string> error, cause;
};

// Names of a Map Run's children, the same at every restart:
//   map run   arn:...:mapRun:<machine>/<label>:<id>
//   machine   arn:...:stateMachine:<machine>/<label>        (child_machine_arn)
//   execution arn:...:execution:<machine>/<label>:<name>    (child_arn; ":express:" for EXPRESS)
// where <name> is a UUID-shaped hash of the Map Run ARN and the index.
std::string child_name(const engine::MapRunSpec& spec, std::int64_t index);
std::string child_arn(const engine::MapRunSpec& spec, const std::string& name);
std::string child_machine_arn(const engine::MapRunSpec& spec);
// "<machine>/<label>": the child machine ARN's last part.
std::string child_machine_name(const engine::MapRunSpec& spec);

class Tracker {
 public:
  // Forms the children from spec->inputs (batched when the spec says so).
  // REQUIRES: spec is not null.
  explicit Tracker(std::shared_ptr<const engine::MapRunSpec> spec);

  // The next child to start, now marked kRunning; nullopt when the window
  // (MaxConcurrency) is full, nothing is pending, or the outcome is decided.
  std::optional<Child> next();
  // Items read by the ItemReader (ItemSelector applied), in order; then
  // end_items() once the reader is done. REQUIRES: the spec has an ItemReader.
  void add(bj::value input);
  void end_items();
  // The Map Run fails for a reason of its own (the reader, the writer,
  // ItemSelector); nothing more starts.
  void fail(std::string error, std::string cause);
  bool items_ended() const { return items_ended_; }
  // Children formed and not started yet (how far the reader is ahead).
  std::int64_t pending() const { return static_cast<std::int64_t>(children_.size()) - running_ - done_; }

  // A child ended. Ignored for an index that is not kRunning.
  void finished(std::int64_t index, ChildStatus status, bj::value output = nullptr);
  // After a restart: what the durable records say of child `index` (any
  // status; kRunning means a child execution exists and has not ended).
  void restore(std::int64_t index, ChildStatus status, bj::value output = nullptr);

  // The unsuccessful children run again; the outcome is undecided again.
  void redrive();
  // UpdateMapRun. 0 max_concurrency: unlimited (10,000).
  void set_max_concurrency(std::int64_t n);
  void set_tolerated(std::optional<std::int64_t> count, std::optional<double> percentage);

  const std::optional<Outcome>& outcome() const { return outcome_; }
  const engine::MapRunSpec& spec() const { return *spec_; }
  std::size_t size() const { return children_.size(); }
  ChildStatus status(std::int64_t index) const { return children_[static_cast<std::size_t>(index)].status; }
  // A child's input; null once it succeeded (it never runs again, and a
  // million kept inputs would not fit the memory a Map Run may use).
  const bj::value& input(std::int64_t index) const { return children_[static_cast<std::size_t>(index)].input; }
  // Items in child `index` (more than one in a batch).
  std::int64_t items(std::int64_t index) const { return children_[static_cast<std::size_t>(index)].items; }
  // The children now kRunning (to abort them when the outcome is a failure).
  std::vector<std::int64_t> running() const;
  Counts item_counts() const;
  Counts execution_counts() const;
  std::int64_t max_concurrency() const { return max_concurrency_; }
  std::optional<std::int64_t> tolerated_count() const { return tolerated_count_; }
  std::optional<double> tolerated_percentage() const { return tolerated_percentage_; }

 private:
  struct Slot {
    bj::value input;
    std::int64_t items = 1;  // items in this child (a batch has several)
    ChildStatus status = ChildStatus::kPending;
    bj::value output;
  };
  void form_children();
  void close_batch();
  void set_status(Slot& s, ChildStatus to);
  void decide();
  bool within_threshold() const;

  std::shared_ptr<const engine::MapRunSpec> spec_;
  bool keep_outputs_ = true;        // false with a ResultWriter
  bool items_ended_ = false;
  bj::array batch_;                 // the batch being filled (ItemBatcher)
  std::size_t batch_bytes_ = 0;
  std::vector<Slot> children_;
  std::size_t cursor_ = 0;          // children before it are not kPending (unless redriven)
  std::int64_t items_total_ = 0;
  std::int64_t items_failed_ = 0;   // in failed, timed-out or aborted children
  std::int64_t running_ = 0, done_ = 0;
  std::int64_t max_concurrency_ = 0;
  std::optional<std::int64_t> tolerated_count_;
  std::optional<double> tolerated_percentage_;
  std::optional<Outcome> outcome_;
};

}  // namespace stepd::maprun
