#pragma once
// stepd's tables in one LMDB environment, and the typed reads over them.
//
// Writes go through storage/writer.h: the put_*/del_* helpers below add ops
// to a Batch with the right keys (storage/keys.h). Values are opaque bytes
// here; storage/event_codec.* gives them their FlatBuffers shape.
//
//   table               key                                  value
//   meta                "format"                             "stepd-1"
//                       "next_seq"                           u64: first seq not yet reserved
//   history             (execution seq, event id)            event bytes
//   executions          seq                                  execution record bytes
//   execution_names     execution ARN                        seq
//   machine_executions  (state machine ARN, start_ms, seq)   seq
//   open_executions     seq                                  "" (recovery walks it at boot)
//   timers              (due_ms, seq)                        payload
//   task_tokens         token                                bytes
//   state_machines      state machine ARN                    record bytes
//   revisions           revision id                          revision record bytes
//   activities          activity ARN                         record bytes
//   map_runs            Map Run ARN                          Map Run record bytes
//   execution_map_runs  (execution ARN, start_ms, ARN hash)  Map Run ARN (keys.h says why a hash)
//   map_run_executions  (Map Run ARN, start_ms, seq)         seq
//   map_run_children    ARN hash                             Map Run ARN (the owner row: keys.h says why)
//                       (ARN hash, child index)              child end bytes
//
// A store written before a table existed gets it, empty, at open.
//
// Thread safety: a Store is safe from any thread once open; every read
// runs in its own short read txn.

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/common/status.h"
#include "storage/lmdb.h"
#include "storage/writer.h"

namespace stepd::storage {

// The format this code writes and reads; a store holding another is refused
// at open rather than misread.
inline constexpr std::string_view kFormatVersion = "stepd-1";

// The handles of stepd's tables in one Env.
struct Tables {
  Table meta;
  Table history;
  Table executions;
  Table execution_names;
  Table machine_executions;
  Table open_executions;
  Table timers;
  Table task_tokens;
  Table state_machines;
  Table revisions;
  Table activities;
  Table map_runs;
  Table execution_map_runs;
  Table map_run_executions;
  Table map_run_children;
};

// One event of a history, copied out of its read txn.
struct StoredEvent {
  std::uint64_t event_id = 0;
  std::string bytes;
};

// A timer entry whose due time has come.
struct DueTimer {
  std::uint64_t due_ms = 0;
  std::uint64_t seq = 0;
  std::string payload;
};

// An entry of the state machine index.
struct MachineExecution {
  std::uint64_t start_ms = 0;
  std::uint64_t seq = 0;
};

// The environment, its tables, and the execution sequence.
// Move-only. Writers of this Store's env must be closed before it is destroyed.
class Store {
 public:
  // Opens the store in `dir`, creating it when the directory holds none.
  // kIo when `dir` holds something else: a file that is not LMDB (see
  // Env::open), an LMDB environment without stepd's meta table, or a store
  // of another format version.
  static Result<Store> open(const std::string& dir, const EnvOptions& options = {});

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  Env& env() { return env_; }
  const Tables& tables() const { return tables_; }

  // A fresh execution seq (from 1), never handed out before in this store,
  // even across crashes: seqs are reserved by blocks of kSeqBlock, each
  // block durable (its own small write txn, serialised with the Writer's by
  // LMDB) before any of its seqs is returned. A crash skips the rest of a
  // block; seqs are unique and increasing, not dense.
  // REQUIRES: the calling thread holds no txn.
  Result<std::uint64_t> allocate_execution_seq();
  static constexpr std::uint64_t kSeqBlock = 1024;

  // Reads. Each opens and ends one read txn. An absent key gives kNotFound;
  // a walk that finds nothing gives an empty vector.

  // Up to `max_events` events of execution `seq` with event id >=
  // `from_event_id`, in event id order. Page on with the last id + 1.
  Result<std::vector<StoredEvent>> read_history(std::uint64_t seq, std::uint64_t from_event_id,
                                                std::size_t max_events) const;
  // The same walk without copies: `visit` sees each event's bytes in place
  // (valid during the call only) and returns false to stop early.
  Status scan_history(std::uint64_t seq, std::uint64_t from_event_id, std::size_t max_events,
                      const std::function<bool(std::uint64_t event_id, std::string_view bytes)>& visit) const;

  Result<std::string> read_execution(std::uint64_t seq) const;
  Result<std::uint64_t> find_execution(std::string_view execution_arn) const;
  Result<std::string> read_state_machine(std::string_view state_machine_arn) const;
  Result<std::string> read_task_token(std::string_view token) const;
  Result<std::string> read_revision(std::string_view revision_id) const;
  Result<std::string> read_activity(std::string_view activity_arn) const;
  Result<std::string> read_map_run(std::string_view map_run_arn) const;
  // Up to `max` state machine records with ARN > `after` (all when empty),
  // in ARN order: ListStateMachines pages with the last ARN.
  Result<std::vector<std::string>> list_state_machines(std::string_view after, std::size_t max) const;
  // The same for activity records (ListActivities).
  Result<std::vector<std::string>> list_activities(std::string_view after, std::size_t max) const;

  // Up to `max` open executions with seq >= `from_seq`, in seq order.
  Result<std::vector<std::uint64_t>> list_open_executions(std::uint64_t from_seq, std::size_t max) const;

  // Up to `max` timers due at or before `now_ms`, earliest first.
  Result<std::vector<DueTimer>> due_timers(std::uint64_t now_ms, std::size_t max) const;

  // Up to `max` executions of one state machine started strictly before
  // (before_start_ms, before_seq), newest first, as ListExecutions returns
  // them. The defaults start from the newest; page on with the last entry.
  Result<std::vector<MachineExecution>> list_machine_executions(
      std::string_view state_machine_arn, std::size_t max,
      std::uint64_t before_start_ms = std::numeric_limits<std::uint64_t>::max(),
      std::uint64_t before_seq = std::numeric_limits<std::uint64_t>::max()) const;
  // The same for the child executions of one Map Run.
  Result<std::vector<MachineExecution>> list_map_run_executions(
      std::string_view map_run_arn, std::size_t max,
      std::uint64_t before_start_ms = std::numeric_limits<std::uint64_t>::max(),
      std::uint64_t before_seq = std::numeric_limits<std::uint64_t>::max()) const;

  // The Map Run records of one parent execution, oldest first (by start_ms;
  // those started in the same millisecond in no meaningful order), read in
  // one txn. kIo when an index entry has no record (a corrupt store).
  Result<std::vector<std::string>> list_execution_map_runs(std::string_view execution_arn) const;

  // Up to `max` child ends of one Map Run with index >= `from_index`, in
  // index order, read in one txn: `visit` sees each row's bytes in place
  // (valid during the call only) and returns false to stop early. Visits
  // nothing when no rows are stored under the ARN's hash, or when another
  // ARN owns that hash (keys.h).
  Status scan_map_run_children(std::string_view map_run_arn, std::uint64_t from_index, std::size_t max,
                               const std::function<bool(std::uint64_t index, std::string_view bytes)>& visit) const;
  // The ARN owning the rows under the hash of `map_run_arn`: itself, or
  // another ARN with the same hash. kNotFound when none is stored there.
  Result<std::string> read_map_run_children_owner(std::string_view map_run_arn) const;

 private:
  struct SeqState;
  Store(Env env, Tables tables, std::unique_ptr<SeqState> seq);
  Status reserve_seq_block(std::uint64_t new_limit);
  Result<std::vector<std::string>> list_after(const Table& table, std::string_view after, std::size_t max) const;
  Result<std::vector<MachineExecution>> list_newest_first(const Table& table, std::string_view arn, std::size_t max,
                                                          std::uint64_t before_start_ms,
                                                          std::uint64_t before_seq) const;

  mutable Env env_;  // reads begin txns on it; they change nothing a caller sees
  Tables tables_;
  std::unique_ptr<SeqState> seq_;  // behind a pointer: holds a mutex, and Store moves
};

// Typed writes: each adds ops to `b` with this file's key layouts.
void put_event(Batch& b, const Tables& t, std::uint64_t seq, std::uint64_t event_id, std::string bytes);
void put_execution(Batch& b, const Tables& t, std::uint64_t seq, std::string record);
// The two indexes of a new execution: its ARN and its state machine's list.
void index_execution(Batch& b, const Tables& t, std::string_view execution_arn, std::string_view state_machine_arn,
                     std::uint64_t start_ms, std::uint64_t seq);
void mark_open(Batch& b, const Tables& t, std::uint64_t seq);
void mark_closed(Batch& b, const Tables& t, std::uint64_t seq);
void put_timer(Batch& b, const Tables& t, std::uint64_t due_ms, std::uint64_t seq, std::string payload);
void del_timer(Batch& b, const Tables& t, std::uint64_t due_ms, std::uint64_t seq);
void put_task_token(Batch& b, const Tables& t, std::string token, std::string bytes);
void del_task_token(Batch& b, const Tables& t, std::string token);
void put_state_machine(Batch& b, const Tables& t, std::string state_machine_arn, std::string record);
// Removes the record only: the machine's executions and revisions stay.
void del_state_machine(Batch& b, const Tables& t, std::string state_machine_arn);
void put_revision(Batch& b, const Tables& t, std::string revision_id, std::string record);
// The same, but a revision already stored under that id is left as it is
// (revisions are immutable): the check and the put are one step.
void put_new_revision(Batch& b, const Tables& t, std::string revision_id, std::string record);
void put_activity(Batch& b, const Tables& t, std::string activity_arn, std::string record);
void del_activity(Batch& b, const Tables& t, std::string activity_arn);
// A Map Run record (create or replace) and its entry in its parent
// execution's list. A replace that changes the execution or start_ms must
// also unindex_map_run the old entry.
void put_map_run(Batch& b, const Tables& t, std::string_view map_run_arn, std::string_view execution_arn,
                 std::uint64_t start_ms, std::string record);
void unindex_map_run(Batch& b, const Tables& t, std::string_view map_run_arn, std::string_view execution_arn,
                     std::uint64_t start_ms);
// A child execution of a Map Run, in that Map Run's list.
void index_map_run_execution(Batch& b, const Tables& t, std::string_view map_run_arn, std::uint64_t start_ms,
                             std::uint64_t seq);
// Claims the rows under the hash of `map_run_arn` in map_run_children: an
// idempotent create of the owner row (one already there is left as it is).
// Add it before the rows, in the same Batch, after checking with
// Store::read_map_run_children_owner that no other ARN owns the hash (the
// check and the claim are two steps: see LmdbJournal).
void own_map_run_children(Batch& b, const Tables& t, std::string_view map_run_arn);
// One child end (create or replace). REQUIRES: arn_hash is
// keys::fnv1a(map_run_arn), computed once for the whole batch.
void put_map_run_child(Batch& b, const Tables& t, std::uint64_t arn_hash, std::uint64_t index, std::string record);

}  // namespace stepd::storage
