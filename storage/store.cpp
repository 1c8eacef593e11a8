#include "storage/store.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include "storage/keys.h"

namespace stepd::storage {

namespace {

constexpr std::string_view kFormatKey = "format";
constexpr std::string_view kNextSeqKey = "next_seq";

// A cursor walk ends with kNotFound when it runs off the table: not an error.
Status walk_end(const Status& s) { return s.code() == Code::kNotFound ? Status() : s; }

Status bad_key(const Table& t, std::string_view key, const char* layout) {
  return Status::io(std::string(t.name()) + ": a key of " + std::to_string(key.size()) + " bytes is not " + layout +
                    " (a corrupt store?)");
}

Result<std::string> copy_value(Env& env, const Table& t, std::string_view key) {
  // LMDB refuses an empty key (EINVAL); no record has one, so it is absent.
  if (key.empty()) return Status::not_found(std::string(t.name()) + ": no record has an empty key");
  auto txn = ReadTxn::begin(env);
  if (!txn.ok()) return txn.status();
  auto v = txn->get(t, key);
  if (!v.ok()) return v.status();
  return std::string(*v);
}

// Runs `fill` in a write txn and commits it, growing the map on
// MDB_MAP_FULL as the Writer does. Only for Store::open and the seq
// reservation: every other write goes through the Writer.
Status write_now(Env& env, const std::function<Status(WriteTxn&)>& fill) {
  for (int grows = 0;; ++grows) {
    std::size_t seen = 0;
    bool map_full = false;
    Status s;
    {
      auto begun = WriteTxn::begin(env);
      if (!begun.ok()) return begun.status();
      WriteTxn txn = std::move(begun).value();
      seen = txn.map_size_at_begin();
      s = fill(txn);
      if (s.ok()) s = txn.commit();
      map_full = txn.map_full();
    }  // the txn has ended: grow_map waits for it
    if (!map_full || grows == 32) return s;
    Status g = env.grow_map(seen);
    if (!g.ok()) return g;
  }
}

}  // namespace

struct Store::SeqState {
  std::mutex mu;
  std::uint64_t next = 1;   // guarded by mu: the seq to hand out next
  std::uint64_t limit = 1;  // guarded by mu: first seq not reserved durably
};

Store::Store(Env env, Tables tables, std::unique_ptr<SeqState> seq)
    : env_(std::move(env)), tables_(tables), seq_(std::move(seq)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

Result<Store> Store::open(const std::string& dir, const EnvOptions& options) {
  auto opened = Env::open(dir, options);
  if (!opened.ok()) return opened.status();
  Env env = std::move(opened).value();

  auto meta = env.table("meta", /*create=*/false);
  if (!meta.ok()) {
    if (meta.status().code() != Code::kNotFound) return meta.status();
    auto empty = env.is_empty();
    if (!empty.ok()) return empty.status();
    if (!*empty) return Status::io(dir + ": an LMDB environment that is not a stepd store (it has no meta table)");
    meta = env.table("meta");
    if (!meta.ok()) return meta.status();
  }

  // An empty meta table is a store whose creation was cut short (the tables
  // are created before the format is written): finish it.
  bool fresh = false;
  std::uint64_t next_seq = 1;
  {
    auto txn = ReadTxn::begin(env);
    if (!txn.ok()) return txn.status();
    auto format = txn->get(*meta, kFormatKey);
    if (format.ok()) {
      if (*format != kFormatVersion) {
        return Status::io(dir + ": a stepd store of format \"" + std::string(*format) + "\"; this stepd reads \"" +
                          std::string(kFormatVersion) + "\"");
      }
    } else if (format.status().code() != Code::kNotFound) {
      return format.status();
    } else {
      auto n = txn->entries(*meta);
      if (!n.ok()) return n.status();
      if (*n != 0) return Status::io(dir + ": a meta table without a format version (not a stepd store)");
      fresh = true;
    }
    auto stored = txn->get(*meta, kNextSeqKey);
    if (stored.ok()) {
      auto v = keys::decode_u64(*stored);
      if (!v) return Status::io(dir + ": meta next_seq is not 8 bytes (a corrupt store?)");
      next_seq = *v;
    } else if (stored.status().code() != Code::kNotFound) {
      return stored.status();
    }
  }

  Tables t;
  t.meta = *meta;
  struct Named {
    Table* table;
    const char* name;
  };
  for (Named n : {Named{&t.history, "history"}, Named{&t.executions, "executions"},
                  Named{&t.execution_names, "execution_names"}, Named{&t.machine_executions, "machine_executions"},
                  Named{&t.open_executions, "open_executions"}, Named{&t.timers, "timers"},
                  Named{&t.task_tokens, "task_tokens"}, Named{&t.state_machines, "state_machines"},
                  Named{&t.revisions, "revisions"}, Named{&t.activities, "activities"},
                  Named{&t.map_runs, "map_runs"}, Named{&t.execution_map_runs, "execution_map_runs"},
                  Named{&t.map_run_executions, "map_run_executions"},
                  Named{&t.map_run_children, "map_run_children"}}) {
    // Created when missing: a store older than a table opens with it empty.
    auto table = env.table(n.name);
    if (!table.ok()) return table.status();
    *n.table = *table;
  }

  if (fresh) {
    Status s = write_now(env, [&](WriteTxn& txn) { return txn.put(t.meta, kFormatKey, kFormatVersion); });
    if (!s.ok()) return s;
  }

  // Belt and braces for next_seq: never below a seq that has a record.
  {
    auto txn = ReadTxn::begin(env);
    if (!txn.ok()) return txn.status();
    auto c = txn->cursor(t.executions);
    if (!c.ok()) return c.status();
    Status s = c->last();
    if (s.ok()) {
      auto last = keys::decode_u64(c->key());
      if (!last) return bad_key(t.executions, c->key(), "a u64");
      next_seq = std::max(next_seq, *last + 1);
    } else if (s.code() != Code::kNotFound) {
      return s;
    }
  }

  auto seq = std::make_unique<SeqState>();
  seq->next = seq->limit = std::max<std::uint64_t>(next_seq, 1);
  return Store(std::move(env), t, std::move(seq));
}

Result<std::uint64_t> Store::allocate_execution_seq() {
  std::lock_guard<std::mutex> l(seq_->mu);
  if (seq_->next == seq_->limit) {
    Status s = reserve_seq_block(seq_->limit + kSeqBlock);
    if (!s.ok()) return s;
    seq_->limit += kSeqBlock;
  }
  return seq_->next++;
}

Status Store::reserve_seq_block(std::uint64_t new_limit) {
  return write_now(env_, [&](WriteTxn& txn) { return txn.put(tables_.meta, kNextSeqKey, keys::u64(new_limit)); });
}

Status Store::scan_history(std::uint64_t seq, std::uint64_t from_event_id, std::size_t max_events,
                           const std::function<bool(std::uint64_t, std::string_view)>& visit) const {
  auto txn = ReadTxn::begin(env_);
  if (!txn.ok()) return txn.status();
  auto c = txn->cursor(tables_.history);
  if (!c.ok()) return c.status();
  const std::string start = keys::event(seq, from_event_id);
  std::size_t n = 0;
  Status s = c->seek(start);
  for (; s.ok() && n < max_events; s = c->next(), ++n) {
    auto k = keys::decode_event(c->key());
    if (!k) return bad_key(tables_.history, c->key(), "(seq, event id)");
    if (k->seq != seq) break;
    if (!visit(k->event_id, c->value())) break;
  }
  return walk_end(s);
}

Result<std::vector<StoredEvent>> Store::read_history(std::uint64_t seq, std::uint64_t from_event_id,
                                                     std::size_t max_events) const {
  std::vector<StoredEvent> out;
  Status s = scan_history(seq, from_event_id, max_events, [&](std::uint64_t id, std::string_view bytes) {
    out.push_back(StoredEvent{id, std::string(bytes)});
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<std::string>> Store::list_state_machines(std::string_view after, std::size_t max) const {
  return list_after(tables_.state_machines, after, max);
}

Result<std::vector<std::string>> Store::list_activities(std::string_view after, std::size_t max) const {
  return list_after(tables_.activities, after, max);
}

// Up to `max` values of a text-keyed table with key > `after` (all when
// empty), in key order.
Result<std::vector<std::string>> Store::list_after(const Table& table, std::string_view after,
                                                   std::size_t max) const {
  auto txn = ReadTxn::begin(env_);
  if (!txn.ok()) return txn.status();
  auto c = txn->cursor(table);
  if (!c.ok()) return c.status();
  std::vector<std::string> out;
  Status s = after.empty() ? c->first() : c->seek(keys::text(after));
  for (; s.ok() && out.size() < max; s = c->next()) {
    if (!after.empty() && c->key() == keys::text(after)) continue;
    out.emplace_back(c->value());
  }
  Status end = walk_end(s);
  if (!end.ok()) return end;
  return out;
}

Result<std::string> Store::read_execution(std::uint64_t seq) const {
  return copy_value(env_, tables_.executions, keys::u64(seq));
}

Result<std::uint64_t> Store::find_execution(std::string_view execution_arn) const {
  auto v = copy_value(env_, tables_.execution_names, keys::text(execution_arn));
  if (!v.ok()) return v.status();
  auto seq = keys::decode_u64(*v);
  if (!seq) return Status::io("execution_names: a value of " + std::to_string(v->size()) + " bytes is not a seq");
  return *seq;
}

Result<std::string> Store::read_state_machine(std::string_view state_machine_arn) const {
  return copy_value(env_, tables_.state_machines, keys::text(state_machine_arn));
}

Result<std::string> Store::read_task_token(std::string_view token) const {
  return copy_value(env_, tables_.task_tokens, keys::text(token));
}

Result<std::string> Store::read_revision(std::string_view revision_id) const {
  return copy_value(env_, tables_.revisions, keys::text(revision_id));
}

Result<std::string> Store::read_activity(std::string_view activity_arn) const {
  return copy_value(env_, tables_.activities, keys::text(activity_arn));
}

Result<std::string> Store::read_map_run(std::string_view map_run_arn) const {
  return copy_value(env_, tables_.map_runs, keys::text(map_run_arn));
}

Result<std::vector<std::uint64_t>> Store::list_open_executions(std::uint64_t from_seq, std::size_t max) const {
  auto txn = ReadTxn::begin(env_);
  if (!txn.ok()) return txn.status();
  auto c = txn->cursor(tables_.open_executions);
  if (!c.ok()) return c.status();
  std::vector<std::uint64_t> out;
  Status s = c->seek(keys::u64(from_seq));
  for (; s.ok() && out.size() < max; s = c->next()) {
    auto seq = keys::decode_u64(c->key());
    if (!seq) return bad_key(tables_.open_executions, c->key(), "a u64");
    out.push_back(*seq);
  }
  s = walk_end(s);
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<DueTimer>> Store::due_timers(std::uint64_t now_ms, std::size_t max) const {
  auto txn = ReadTxn::begin(env_);
  if (!txn.ok()) return txn.status();
  auto c = txn->cursor(tables_.timers);
  if (!c.ok()) return c.status();
  std::vector<DueTimer> out;
  Status s = c->first();
  for (; s.ok() && out.size() < max; s = c->next()) {
    auto k = keys::decode_timer(c->key());
    if (!k) return bad_key(tables_.timers, c->key(), "(due_ms, seq)");
    if (k->due_ms > now_ms) break;
    out.push_back(DueTimer{k->due_ms, k->seq, std::string(c->value())});
  }
  s = walk_end(s);
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<MachineExecution>> Store::list_machine_executions(std::string_view state_machine_arn,
                                                                     std::size_t max, std::uint64_t before_start_ms,
                                                                     std::uint64_t before_seq) const {
  return list_newest_first(tables_.machine_executions, state_machine_arn, max, before_start_ms, before_seq);
}

Result<std::vector<MachineExecution>> Store::list_map_run_executions(std::string_view map_run_arn, std::size_t max,
                                                                     std::uint64_t before_start_ms,
                                                                     std::uint64_t before_seq) const {
  return list_newest_first(tables_.map_run_executions, map_run_arn, max, before_start_ms, before_seq);
}

// Up to `max` entries of an (ARN, start_ms, seq) index under `arn`, strictly
// before (before_start_ms, before_seq), newest first.
Result<std::vector<MachineExecution>> Store::list_newest_first(const Table& table, std::string_view arn,
                                                               std::size_t max, std::uint64_t before_start_ms,
                                                               std::uint64_t before_seq) const {
  auto txn = ReadTxn::begin(env_);
  if (!txn.ok()) return txn.status();
  auto c = txn->cursor(table);
  if (!c.ok()) return c.status();
  const std::string prefix = keys::machine_prefix(arn);
  const std::string bound = keys::machine_execution(arn, before_start_ms, before_seq);
  // Land on the last key < bound: seek finds the first key >= bound, one
  // step back is the answer; no key >= bound means the table's last key.
  Status s = c->seek(bound);
  if (s.ok()) {
    s = c->prev();
  } else if (s.code() == Code::kNotFound) {
    s = c->last();
  }
  std::vector<MachineExecution> out;
  for (; s.ok() && out.size() < max; s = c->prev()) {
    if (c->key().substr(0, prefix.size()) != prefix) break;
    auto k = keys::decode_machine_execution(c->key());
    if (!k) return bad_key(table, c->key(), "(ARN, start_ms, seq)");
    out.push_back(MachineExecution{k->start_ms, k->seq});
  }
  s = walk_end(s);
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<std::string>> Store::list_execution_map_runs(std::string_view execution_arn) const {
  auto txn = ReadTxn::begin(env_);
  if (!txn.ok()) return txn.status();
  auto c = txn->cursor(tables_.execution_map_runs);
  if (!c.ok()) return c.status();
  const std::string prefix = keys::machine_prefix(execution_arn);
  std::vector<std::string> out;
  Status s = c->seek(prefix);
  for (; s.ok(); s = c->next()) {
    if (c->key().substr(0, prefix.size()) != prefix) break;
    if (!keys::decode_machine_execution(c->key())) {
      return bad_key(tables_.execution_map_runs, c->key(), "(ARN, start_ms, ARN hash)");
    }
    // The cursor's value stays valid while the txn reads on.
    auto record = txn->get(tables_.map_runs, c->value());
    if (!record.ok()) {
      if (record.status().code() != Code::kNotFound) return record.status();
      return Status::io("execution_map_runs: Map Run " + std::string(c->value()) +
                        " is listed but has no record (a corrupt store?)");
    }
    out.emplace_back(*record);
  }
  s = walk_end(s);
  if (!s.ok()) return s;
  return out;
}

Result<std::string> Store::read_map_run_children_owner(std::string_view map_run_arn) const {
  return copy_value(env_, tables_.map_run_children, keys::map_run_children_owner(keys::fnv1a(map_run_arn)));
}

Status Store::scan_map_run_children(std::string_view map_run_arn, std::uint64_t from_index, std::size_t max,
                                    const std::function<bool(std::uint64_t, std::string_view)>& visit) const {
  if (max == 0) return Status();
  const std::uint64_t hash = keys::fnv1a(map_run_arn);
  auto txn = ReadTxn::begin(env_);
  if (!txn.ok()) return txn.status();
  // The owner row says whose rows these are; none: no rows at all.
  auto owner = txn->get(tables_.map_run_children, keys::map_run_children_owner(hash));
  if (!owner.ok()) return walk_end(owner.status());
  if (*owner != map_run_arn) return Status();  // another Map Run's rows: this one stored none
  auto c = txn->cursor(tables_.map_run_children);
  if (!c.ok()) return c.status();
  std::size_t n = 0;
  Status s = c->seek(keys::map_run_child(hash, from_index));
  for (; s.ok() && n < max; s = c->next(), ++n) {
    auto k = keys::decode_map_run_child(c->key());
    // The next hash's owner row (8 bytes) ends the walk, as its rows would.
    if (!k) {
      if (c->key().size() == 8) break;
      return bad_key(tables_.map_run_children, c->key(), "(ARN hash, index) or an ARN hash");
    }
    if (k->arn_hash != hash) break;
    if (!visit(k->index, c->value())) break;
  }
  return walk_end(s);
}

// ---------------------------------------------------------------- typed writes

void put_event(Batch& b, const Tables& t, std::uint64_t seq, std::uint64_t event_id, std::string bytes) {
  b.put(t.history, keys::event(seq, event_id), std::move(bytes));
}

void put_execution(Batch& b, const Tables& t, std::uint64_t seq, std::string record) {
  b.put(t.executions, keys::u64(seq), std::move(record));
}

void index_execution(Batch& b, const Tables& t, std::string_view execution_arn, std::string_view state_machine_arn,
                     std::uint64_t start_ms, std::uint64_t seq) {
  b.put(t.execution_names, std::string(keys::text(execution_arn)), keys::u64(seq));
  b.put(t.machine_executions, keys::machine_execution(state_machine_arn, start_ms, seq), keys::u64(seq));
}

void mark_open(Batch& b, const Tables& t, std::uint64_t seq) { b.put(t.open_executions, keys::u64(seq), {}); }

void mark_closed(Batch& b, const Tables& t, std::uint64_t seq) { b.del(t.open_executions, keys::u64(seq)); }

void put_timer(Batch& b, const Tables& t, std::uint64_t due_ms, std::uint64_t seq, std::string payload) {
  b.put(t.timers, keys::timer(due_ms, seq), std::move(payload));
}

void del_timer(Batch& b, const Tables& t, std::uint64_t due_ms, std::uint64_t seq) {
  b.del(t.timers, keys::timer(due_ms, seq));
}

void put_task_token(Batch& b, const Tables& t, std::string token, std::string bytes) {
  b.put(t.task_tokens, std::move(token), std::move(bytes));
}

void del_task_token(Batch& b, const Tables& t, std::string token) { b.del(t.task_tokens, std::move(token)); }

void put_state_machine(Batch& b, const Tables& t, std::string state_machine_arn, std::string record) {
  b.put(t.state_machines, std::move(state_machine_arn), std::move(record));
}

void del_state_machine(Batch& b, const Tables& t, std::string state_machine_arn) {
  b.del(t.state_machines, std::move(state_machine_arn));
}

void put_revision(Batch& b, const Tables& t, std::string revision_id, std::string record) {
  b.put(t.revisions, std::move(revision_id), std::move(record));
}

void put_activity(Batch& b, const Tables& t, std::string activity_arn, std::string record) {
  b.put(t.activities, std::move(activity_arn), std::move(record));
}

void del_activity(Batch& b, const Tables& t, std::string activity_arn) {
  b.del(t.activities, std::move(activity_arn));
}

void put_new_revision(Batch& b, const Tables& t, std::string revision_id, std::string record) {
  b.put_new(t.revisions, std::move(revision_id), std::move(record));
}

void put_map_run(Batch& b, const Tables& t, std::string_view map_run_arn, std::string_view execution_arn,
                 std::uint64_t start_ms, std::string record) {
  b.put(t.map_runs, std::string(keys::text(map_run_arn)), std::move(record));
  b.put(t.execution_map_runs, keys::execution_map_run(execution_arn, start_ms, map_run_arn),
        std::string(map_run_arn));
}

void unindex_map_run(Batch& b, const Tables& t, std::string_view map_run_arn, std::string_view execution_arn,
                     std::uint64_t start_ms) {
  b.del(t.execution_map_runs, keys::execution_map_run(execution_arn, start_ms, map_run_arn));
}

void index_map_run_execution(Batch& b, const Tables& t, std::string_view map_run_arn, std::uint64_t start_ms,
                             std::uint64_t seq) {
  b.put(t.map_run_executions, keys::map_run_execution(map_run_arn, start_ms, seq), keys::u64(seq));
}

void own_map_run_children(Batch& b, const Tables& t, std::string_view map_run_arn) {
  b.put_new(t.map_run_children, keys::map_run_children_owner(keys::fnv1a(map_run_arn)), std::string(map_run_arn));
}

void put_map_run_child(Batch& b, const Tables& t, std::uint64_t arn_hash, std::uint64_t index, std::string record) {
  b.put(t.map_run_children, keys::map_run_child(arn_hash, index), std::move(record));
}

}  // namespace stepd::storage
