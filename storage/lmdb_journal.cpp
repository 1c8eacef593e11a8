#include "storage/lmdb_journal.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <optional>

#include <flatbuffers/flatbuffers.h>

#include "schema/records_generated.h"
#include "storage/event_codec.h"
#include "storage/keys.h"
#include "storage/secret_key.h"
#include "storage/store.h"
#include "storage/writer.h"

namespace stepd::storage {

namespace {

namespace fb = stepd::schema;
namespace flb = flatbuffers;

// ---------------------------------------------------------------- codec helpers

// The enum value named `name`, or `otherwise` for a name the schema lacks.
template <class E, std::size_t N>
E enum_of(const std::string& name, const E (&values)[N], const char* (*name_of)(E), E otherwise) {
  for (E e : values) {
    if (name == name_of(e)) return e;
  }
  return otherwise;
}

std::string str(const flb::String* s) { return s ? s->str() : std::string(); }

// An optional text member: absent when empty, so records stay small and an
// old record (member absent) reads back as the empty default.
flb::Offset<flb::String> text_or_absent(flb::FlatBufferBuilder& fbb, const std::string& s) {
  return s.empty() ? 0 : fbb.CreateString(s);
}

std::string bytes_of(const flb::FlatBufferBuilder& fbb) {
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

// The root of a verified buffer. LMDB values are only 2-byte aligned:
// `aligned` is the caller's copy of the value, which the root points into.
template <class Root>
Result<const Root*> root_of(const std::string& aligned, const char* what) {
  flb::Verifier v(reinterpret_cast<const std::uint8_t*>(aligned.data()), aligned.size());
  if (!v.VerifyBuffer<Root>(nullptr)) return Status::io(std::string("corrupt ") + what + " record");
  return flb::GetRoot<Root>(aligned.data());
}

flb::Offset<flb::Vector<flb::Offset<fb::Tag>>> encode_tags(flb::FlatBufferBuilder& fbb, const std::vector<Tag>& tags) {
  std::vector<flb::Offset<fb::Tag>> out;
  out.reserve(tags.size());
  for (const auto& t : tags) out.push_back(fb::CreateTag(fbb, fbb.CreateString(t.key), fbb.CreateString(t.value)));
  return fbb.CreateVector(out);
}

std::vector<Tag> decode_tags(const flb::Vector<flb::Offset<fb::Tag>>* tags) {
  std::vector<Tag> out;
  if (!tags) return out;
  out.reserve(tags->size());
  for (const auto* t : *tags) out.push_back(Tag{str(t->key()), str(t->value())});
  return out;
}

// ---------------------------------------------------------------- executions

std::string encode_record(const ExecutionRecord& r) {
  flb::FlatBufferBuilder fbb(512);
  const auto& p = r.params;
  auto arn = fbb.CreateString(p.execution_arn);
  auto name = fbb.CreateString(p.execution_name);
  auto sm_arn = fbb.CreateString(r.state_machine_arn);
  auto sm_name = fbb.CreateString(p.state_machine_name);
  auto version_arn = text_or_absent(fbb, r.state_machine_version_arn);
  auto alias_arn = text_or_absent(fbb, r.state_machine_alias_arn);
  auto revision = text_or_absent(fbb, r.revision_id);
  auto role = fbb.CreateString(p.role_arn);
  auto region = fbb.CreateString(p.region);
  auto input = fbb.CreateString(p.input_text);
  auto trace = text_or_absent(fbb, r.trace_header);
  auto map_run = text_or_absent(fbb, r.map_run_arn);
  auto output = fbb.CreateString(r.output);
  auto error = r.error ? fbb.CreateString(*r.error) : 0;
  auto cause = r.cause ? fbb.CreateString(*r.cause) : 0;
  fb::ExecutionRecordBuilder b(fbb);
  b.add_seq(r.seq);
  b.add_execution_arn(arn);
  b.add_name(name);
  b.add_state_machine_arn(sm_arn);
  b.add_state_machine_name(sm_name);
  b.add_state_machine_version_arn(version_arn);
  b.add_state_machine_alias_arn(alias_arn);
  b.add_revision_id(revision);
  b.add_role_arn(role);
  b.add_type(r.express ? fb::StateMachineType::EXPRESS : fb::StateMachineType::STANDARD);
  b.add_region(region);
  b.add_input(input);
  b.add_trace_header(trace);
  b.add_seed(p.seed);
  b.add_start_ms(p.start_ms);
  b.add_status(enum_of(r.status, fb::EnumValuesExecutionStatus(), fb::EnumNameExecutionStatus,
                       fb::ExecutionStatus::RUNNING));
  b.add_stop_ms(r.stop_ms);
  b.add_output(output);
  if (r.error) b.add_error(error);
  if (r.cause) b.add_cause(cause);
  b.add_redrive_count(r.redrive_count);
  b.add_redrive_ms(r.redrive_ms);
  b.add_map_run_arn(map_run);
  if (r.wake_ms) b.add_wake_ms(r.wake_ms);
  fbb.Finish(b.Finish());
  return bytes_of(fbb);
}

Result<ExecutionRecord> decode_record(std::string_view bytes) {
  const std::string copy(bytes);
  auto root = root_of<fb::ExecutionRecord>(copy, "execution");
  if (!root.ok()) return root.status();
  const fb::ExecutionRecord* x = *root;
  ExecutionRecord r;
  r.seq = x->seq();
  r.state_machine_arn = str(x->state_machine_arn());
  r.params.execution_arn = str(x->execution_arn());
  r.params.execution_name = str(x->name());
  r.params.state_machine_arn = r.state_machine_arn;
  r.params.state_machine_name = str(x->state_machine_name());
  r.params.role_arn = str(x->role_arn());
  r.params.region = str(x->region());
  r.params.input_text = str(x->input());
  r.params.seed = x->seed();
  r.params.start_ms = x->start_ms();
  r.status = fb::EnumNameExecutionStatus(x->status());
  r.stop_ms = x->stop_ms();
  r.output = str(x->output());
  if (x->error()) r.error = x->error()->str();
  if (x->cause()) r.cause = x->cause()->str();
  r.express = x->type() == fb::StateMachineType::EXPRESS;
  r.wake_ms = x->wake_ms();
  r.revision_id = str(x->revision_id());
  r.state_machine_version_arn = str(x->state_machine_version_arn());
  r.state_machine_alias_arn = str(x->state_machine_alias_arn());
  r.params.version_arn = r.state_machine_version_arn;  // the engine shows them in ExecutionStarted
  r.params.alias_arn = r.state_machine_alias_arn;
  r.trace_header = str(x->trace_header());
  r.redrive_count = x->redrive_count();
  r.redrive_ms = x->redrive_ms();
  r.map_run_arn = str(x->map_run_arn());
  return r;
}

// ---------------------------------------------------------------- revisions

std::string encode_revision(const RevisionRecord& r) {
  flb::FlatBufferBuilder fbb(1024);
  auto id = fbb.CreateString(r.revision_id);
  auto sm_arn = fbb.CreateString(r.state_machine_arn);
  auto def = fbb.CreateString(r.definition);
  auto role = fbb.CreateString(r.role_arn);
  fbb.Finish(fb::CreateRevisionRecord(fbb, id, sm_arn, def, role, r.creation_ms));
  return bytes_of(fbb);
}

Result<RevisionRecord> decode_revision(std::string_view bytes) {
  const std::string copy(bytes);
  auto root = root_of<fb::RevisionRecord>(copy, "revision");
  if (!root.ok()) return root.status();
  const fb::RevisionRecord* x = *root;
  RevisionRecord r;
  r.revision_id = str(x->revision_id());
  r.state_machine_arn = str(x->state_machine_arn());
  r.definition = str(x->definition());
  r.role_arn = str(x->role_arn());
  r.creation_ms = x->creation_ms();
  return r;
}

// ---------------------------------------------------------------- state machines

flb::Offset<fb::StateMachineVersion> encode_version(flb::FlatBufferBuilder& fbb, const StateMachineVersion& v) {
  auto revision = fbb.CreateString(v.revision_id);
  auto description = text_or_absent(fbb, v.description);
  return fb::CreateStateMachineVersion(fbb, v.version, revision, description, v.creation_ms);
}

StateMachineVersion decode_version(const fb::StateMachineVersion& x) {
  return StateMachineVersion{x.version(), str(x.revision_id()), str(x.description()), x.creation_ms()};
}

flb::Offset<fb::StateMachineAlias> encode_alias(flb::FlatBufferBuilder& fbb, const StateMachineAlias& a) {
  std::vector<flb::Offset<fb::RoutingConfig>> routing;
  routing.reserve(a.routing.size());
  for (const auto& e : a.routing) {
    routing.push_back(fb::CreateRoutingConfig(fbb, fbb.CreateString(e.version_arn), e.weight));
  }
  auto name = fbb.CreateString(a.name);
  auto description = text_or_absent(fbb, a.description);
  return fb::CreateStateMachineAlias(fbb, name, description, fbb.CreateVector(routing), a.creation_ms, a.update_ms);
}

StateMachineAlias decode_alias(const fb::StateMachineAlias& x) {
  StateMachineAlias a;
  a.name = str(x.name());
  a.description = str(x.description());
  if (x.routing()) {
    for (const auto* e : *x.routing()) {
      a.routing.push_back(RoutingEntry{str(e->state_machine_version_arn()), e->weight()});
    }
  }
  a.creation_ms = x.creation_ms();
  a.update_ms = x.update_ms();
  return a;
}

std::string encode_machine(const StateMachineRecord& r) {
  flb::FlatBufferBuilder fbb(1024);
  auto arn = fbb.CreateString(r.arn);
  auto name = fbb.CreateString(r.name);
  auto def = fbb.CreateString(r.definition);
  auto role = fbb.CreateString(r.role_arn);
  auto revision = text_or_absent(fbb, r.revision_id);
  auto logging = text_or_absent(fbb, r.logging_configuration);
  auto encryption = text_or_absent(fbb, r.encryption_configuration);
  auto tags = encode_tags(fbb, r.tags);
  std::vector<flb::Offset<fb::StateMachineVersion>> versions;
  versions.reserve(r.versions.size());
  for (const auto& v : r.versions) versions.push_back(encode_version(fbb, v));
  auto versions_vec = fbb.CreateVector(versions);
  std::vector<flb::Offset<fb::StateMachineAlias>> aliases;
  aliases.reserve(r.aliases.size());
  for (const auto& a : r.aliases) aliases.push_back(encode_alias(fbb, a));
  auto aliases_vec = fbb.CreateVector(aliases);
  fb::StateMachineRecordBuilder b(fbb);
  b.add_arn(arn);
  b.add_name(name);
  b.add_type(r.type == "EXPRESS" ? fb::StateMachineType::EXPRESS : fb::StateMachineType::STANDARD);
  b.add_status(enum_of(r.status, fb::EnumValuesStateMachineStatus(), fb::EnumNameStateMachineStatus,
                       fb::StateMachineStatus::ACTIVE));
  b.add_definition(def);
  b.add_role_arn(role);
  b.add_revision_id(revision);
  b.add_creation_ms(r.creation_ms);
  b.add_update_ms(r.update_ms);
  b.add_logging_configuration(logging);
  b.add_tracing_enabled(r.tracing_enabled);
  b.add_encryption_configuration(encryption);
  b.add_tags(tags);
  b.add_versions(versions_vec);
  b.add_aliases(aliases_vec);
  b.add_next_version(r.next_version);
  fbb.Finish(b.Finish());
  return bytes_of(fbb);
}

Result<StateMachineRecord> decode_machine(std::string_view bytes) {
  const std::string copy(bytes);
  auto root = root_of<fb::StateMachineRecord>(copy, "state machine");
  if (!root.ok()) return root.status();
  const fb::StateMachineRecord* x = *root;
  StateMachineRecord r;
  r.arn = str(x->arn());
  r.name = str(x->name());
  r.type = fb::EnumNameStateMachineType(x->type());
  r.status = fb::EnumNameStateMachineStatus(x->status());
  r.definition = str(x->definition());
  r.role_arn = str(x->role_arn());
  r.revision_id = str(x->revision_id());
  r.creation_ms = x->creation_ms();
  r.update_ms = x->update_ms();
  r.logging_configuration = str(x->logging_configuration());
  r.tracing_enabled = x->tracing_enabled();
  r.encryption_configuration = str(x->encryption_configuration());
  r.tags = decode_tags(x->tags());
  if (x->versions()) {
    for (const auto* v : *x->versions()) r.versions.push_back(decode_version(*v));
  }
  if (x->aliases()) {
    for (const auto* a : *x->aliases()) r.aliases.push_back(decode_alias(*a));
  }
  // Absent (0) in records older than versions: nothing published yet.
  if (x->next_version() != 0) r.next_version = x->next_version();
  return r;
}

// ---------------------------------------------------------------- activities

std::string encode_activity(const ActivityRecord& r) {
  flb::FlatBufferBuilder fbb(256);
  auto arn = fbb.CreateString(r.arn);
  auto name = fbb.CreateString(r.name);
  auto tags = encode_tags(fbb, r.tags);
  auto encryption = text_or_absent(fbb, r.encryption_configuration);
  fbb.Finish(fb::CreateActivityRecord(fbb, arn, name, r.creation_ms, tags, encryption));
  return bytes_of(fbb);
}

Result<ActivityRecord> decode_activity(std::string_view bytes) {
  const std::string copy(bytes);
  auto root = root_of<fb::ActivityRecord>(copy, "activity");
  if (!root.ok()) return root.status();
  const fb::ActivityRecord* x = *root;
  ActivityRecord r;
  r.arn = str(x->arn());
  r.name = str(x->name());
  r.creation_ms = x->creation_ms();
  r.tags = decode_tags(x->tags());
  r.encryption_configuration = str(x->encryption_configuration());
  return r;
}

// ---------------------------------------------------------------- Map Runs

flb::Offset<fb::MapRunCounts> encode_counts(flb::FlatBufferBuilder& fbb, const MapRunCounts& c) {
  return fb::CreateMapRunCounts(fbb, c.pending, c.running, c.succeeded, c.failed, c.timed_out, c.aborted, c.total,
                                c.results_written);
}

MapRunCounts decode_counts(const fb::MapRunCounts* x) {
  MapRunCounts c;
  if (!x) return c;
  c.pending = x->pending();
  c.running = x->running();
  c.succeeded = x->succeeded();
  c.failed = x->failed();
  c.timed_out = x->timed_out();
  c.aborted = x->aborted();
  c.total = x->total();
  c.results_written = x->results_written();
  return c;
}

std::string encode_map_run(const MapRunRecord& r) {
  flb::FlatBufferBuilder fbb(512);
  auto arn = fbb.CreateString(r.map_run_arn);
  auto execution = fbb.CreateString(r.execution_arn);
  auto items = encode_counts(fbb, r.item_counts);
  auto executions = encode_counts(fbb, r.execution_counts);
  fb::MapRunRecordBuilder b(fbb);
  b.add_map_run_arn(arn);
  b.add_execution_arn(execution);
  b.add_status(
      enum_of(r.status, fb::EnumValuesMapRunStatus(), fb::EnumNameMapRunStatus, fb::MapRunStatus::RUNNING));
  b.add_start_ms(r.start_ms);
  b.add_stop_ms(r.stop_ms);
  b.add_max_concurrency(r.max_concurrency);
  b.add_tolerated_failure_count(r.tolerated_failure_count);
  b.add_tolerated_failure_percentage(r.tolerated_failure_percentage);
  b.add_item_counts(items);
  b.add_execution_counts(executions);
  b.add_redrive_count(r.redrive_count);
  b.add_redrive_ms(r.redrive_ms);
  fbb.Finish(b.Finish());
  return bytes_of(fbb);
}

Result<MapRunRecord> decode_map_run(std::string_view bytes) {
  const std::string copy(bytes);
  auto root = root_of<fb::MapRunRecord>(copy, "Map Run");
  if (!root.ok()) return root.status();
  const fb::MapRunRecord* x = *root;
  MapRunRecord r;
  r.map_run_arn = str(x->map_run_arn());
  r.execution_arn = str(x->execution_arn());
  r.status = fb::EnumNameMapRunStatus(x->status());
  r.start_ms = x->start_ms();
  r.stop_ms = x->stop_ms();
  r.max_concurrency = x->max_concurrency();
  r.tolerated_failure_count = x->tolerated_failure_count();
  r.tolerated_failure_percentage = x->tolerated_failure_percentage();
  r.item_counts = decode_counts(x->item_counts());
  r.execution_counts = decode_counts(x->execution_counts());
  r.redrive_count = x->redrive_count();
  r.redrive_ms = x->redrive_ms();
  return r;
}

// ---------------------------------------------------------------- Map Run child ends

// Builds one child end in `fbb`, clearing it first, so that one builder (and
// its buffer) serves a whole batch; the bytes are fbb's until it next
// changes. REQUIRES: check_child_ends accepted `e` (its status names an end).
void encode_child_end(flb::FlatBufferBuilder& fbb, const MapRunChildEnd& e) {
  fbb.Clear();
  auto output = text_or_absent(fbb, e.output);
  // Absent when unset, so that an unset error and an empty one stay apart.
  auto error = e.error ? fbb.CreateString(*e.error) : 0;
  auto cause = e.cause ? fbb.CreateString(*e.cause) : 0;
  fb::MapRunChildEndBuilder b(fbb);
  b.add_status(enum_of(e.status, fb::EnumValuesExecutionStatus(), fb::EnumNameExecutionStatus,
                       fb::ExecutionStatus::FAILED));
  b.add_output(output);
  if (e.error) b.add_error(error);
  if (e.cause) b.add_cause(cause);
  b.add_start_ms(e.start_ms);
  b.add_stop_ms(e.stop_ms);
  fbb.Finish(b.Finish());
}

// The child end stored under `index`. `scratch` receives the aligned copy
// root_of needs; one string reused over a page costs no allocation per row.
Result<MapRunChildEnd> decode_child_end(std::uint64_t index, std::string_view bytes, std::string& scratch) {
  scratch.assign(bytes.data(), bytes.size());
  auto root = root_of<fb::MapRunChildEnd>(scratch, "Map Run child end");
  if (!root.ok()) return root.status();
  const fb::MapRunChildEnd* x = *root;
  MapRunChildEnd e;
  e.index = static_cast<std::int64_t>(index);
  e.status = fb::EnumNameExecutionStatus(x->status());
  e.output = str(x->output());
  if (x->error()) e.error = x->error()->str();
  if (x->cause()) e.cause = x->cause()->str();
  e.start_ms = x->start_ms();
  e.stop_ms = x->stop_ms();
  return e;
}

// A time as the u64 of an index key or a cursor; one before the epoch
// (stepd writes none) counts as 0 rather than sorting after every other.
std::uint64_t index_ms(std::int64_t ms) { return static_cast<std::uint64_t>(std::max<std::int64_t>(0, ms)); }

// ---------------------------------------------------------------- the journal

// Decodes each value of a page read from the store.
template <class T>
Result<std::vector<T>> decode_all(Result<std::vector<std::string>> page,
                                  Result<T> (*decode_one)(std::string_view)) {
  if (!page.ok()) return page.status();
  std::vector<T> out;
  out.reserve(page->size());
  for (const auto& bytes : *page) {
    auto r = decode_one(bytes);
    if (!r.ok()) return r.status();
    out.push_back(std::move(r).value());
  }
  return out;
}

// A failed read by key; an absent key becomes kNotFound naming `what` (as
// the memory journal words it) rather than LMDB's MDB_NOTFOUND.
Status read_failed(const Status& s, const std::string& what) {
  return s.code() == Code::kNotFound ? Status::not_found("no " + what) : s;
}

// A record read by key, decoded.
template <class T>
Result<T> decode_read(Result<std::string> bytes, Result<T> (*decode_one)(std::string_view), const std::string& what) {
  if (!bytes.ok()) return read_failed(bytes.status(), what);
  return decode_one(*bytes);
}

class LmdbJournal : public Journal {
 public:
  explicit LmdbJournal(Store store) : store_(std::move(store)), writer_(std::make_unique<Writer>(store_.env())) {}
  ~LmdbJournal() override { writer_.reset(); }  // drain the writer before the env closes

  Result<std::uint64_t> next_seq() override { return store_.allocate_execution_seq(); }

  void append(Append a, std::function<void(const Status&)> done) override {
    const Tables& t = store_.tables();
    Batch b;
    b.ops.reserve(a.events.size() + 5);
    if (!a.events.empty() && a.events.front().id > 1) {
      // Histories stay contiguous: an append continues the event before its
      // first one. When an earlier append of this execution failed (a full
      // disk), the ones its actor had already submitted behind it fail too,
      // instead of leaving a gap; the actor is restarted from its log.
      const std::int64_t prev = a.events.front().id - 1;
      b.require(t.history, keys::event(a.seq, static_cast<std::uint64_t>(prev)),
                "execution " + std::to_string(a.seq) + ": event " + std::to_string(prev) +
                    " is not in the history, so events from " + std::to_string(prev + 1) +
                    " on are not appended (an earlier append failed)");
    }
    for (const auto& e : a.events) put_event(b, t, a.seq, static_cast<std::uint64_t>(e.id), encode(e));
    if (a.record) {
      put_execution(b, t, a.seq, encode_record(*a.record));
      if (a.opened) {
        index_execution(b, t, a.record->params.execution_arn, a.record->state_machine_arn,
                        static_cast<std::uint64_t>(a.record->params.start_ms), a.seq);
        if (!a.record->map_run_arn.empty()) {
          index_map_run_execution(b, t, a.record->map_run_arn, static_cast<std::uint64_t>(a.record->params.start_ms),
                                  a.seq);
        }
      }
    }
    if (a.opened) mark_open(b, t, a.seq);
    if (a.closed) mark_closed(b, t, a.seq);
    if (a.unwake_ms) del_timer(b, t, static_cast<std::uint64_t>(*a.unwake_ms), a.seq);
    if (a.wake_ms) put_timer(b, t, static_cast<std::uint64_t>(*a.wake_ms), a.seq, std::string());
    writer_->submit(std::move(b), std::move(done));
  }

  Status put_state_machine(const StateMachineRecord& r, const std::optional<RevisionRecord>& revision) override {
    Batch b;
    if (revision) storage::put_revision(b, store_.tables(), revision->revision_id, encode_revision(*revision));
    storage::put_state_machine(b, store_.tables(), r.arn, encode_machine(r));
    return writer_->write(std::move(b));
  }

  Result<StateMachineRecord> state_machine(const std::string& arn) override {
    return named(decode_read(store_.read_state_machine(arn), decode_machine, "state machine " + arn),
                 "state machine " + arn);
  }

  Result<std::vector<StateMachineRecord>> state_machines(const std::string& after, std::size_t max) override {
    return decode_all(store_.list_state_machines(after, max), decode_machine);
  }

  // The check and the delete are two steps: two racing deletes may both
  // answer OK (the writer's delete of an absent key is not an error).
  Status delete_state_machine(const std::string& arn) override {
    auto present = store_.read_state_machine(arn);
    if (!present.ok()) return read_failed(present.status(), "state machine " + arn);
    Batch b;
    storage::del_state_machine(b, store_.tables(), arn);
    return writer_->write(std::move(b));
  }

  Result<RevisionRecord> revision(const std::string& revision_id) override {
    return named(decode_read(store_.read_revision(revision_id), decode_revision, "revision " + revision_id),
                 "revision " + revision_id);
  }

  // One step: the writer's put_new checks for the id inside the txn.
  Status put_revision(const RevisionRecord& r) override {
    Batch b;
    storage::put_new_revision(b, store_.tables(), r.revision_id, encode_revision(r));
    return writer_->write(std::move(b));
  }

  // A replace that moves the Map Run (another parent or start time: not
  // something the runtime does) drops its old index entry; the read and the
  // write are two steps, so two racing moves of one Map Run could leave a
  // stale entry behind.
  Status put_map_run(const MapRunRecord& r) override {
    const Tables& t = store_.tables();
    Batch b;
    auto old = store_.read_map_run(r.map_run_arn);
    if (old.ok()) {
      auto was = decode_map_run(*old);
      if (!was.ok()) return was.status();
      if (was->execution_arn != r.execution_arn || was->start_ms != r.start_ms) {
        storage::unindex_map_run(b, t, r.map_run_arn, was->execution_arn, index_ms(was->start_ms));
      }
    } else if (old.status().code() != Code::kNotFound) {
      return old.status();
    }
    storage::put_map_run(b, t, r.map_run_arn, r.execution_arn, index_ms(r.start_ms), encode_map_run(r));
    return writer_->write(std::move(b));
  }

  Result<MapRunRecord> map_run(const std::string& map_run_arn) override {
    return named(decode_read(store_.read_map_run(map_run_arn), decode_map_run, "Map Run " + map_run_arn),
                 "Map Run " + map_run_arn);
  }

  Result<std::vector<MapRunRecord>> map_runs_of(const std::string& execution_arn) override {
    return decode_all(store_.list_execution_map_runs(execution_arn), decode_map_run);
  }

  // One request of the group-commit writer: the owner row when the ARN has
  // none yet, then every end. The ownership check (keys.h) and the write are
  // two steps: two ARNs with the same 64-bit hash writing their first rows
  // at the same moment could both pass it; any other clash is refused.
  Status put_map_run_children(const std::string& map_run_arn, const std::vector<MapRunChildEnd>& ends) override {
    Status valid = check_child_ends(ends);
    if (!valid.ok() || ends.empty()) return valid;
    const Tables& t = store_.tables();
    Batch b;
    b.ops.reserve(ends.size() + 1);
    auto owner = store_.read_map_run_children_owner(map_run_arn);
    if (owner.ok()) {
      if (*owner != map_run_arn) {
        return Status::internal("Map Run " + map_run_arn + " shares its key hash with Map Run " + *owner +
                                ": its child ends cannot be stored");
      }
    } else if (owner.status().code() == Code::kNotFound) {
      storage::own_map_run_children(b, t, map_run_arn);
    } else {
      return owner.status();
    }
    const std::uint64_t hash = keys::fnv1a(map_run_arn);
    flb::FlatBufferBuilder fbb(256);
    for (const auto& e : ends) {
      encode_child_end(fbb, e);
      storage::put_map_run_child(b, t, hash, static_cast<std::uint64_t>(e.index), bytes_of(fbb));
    }
    return writer_->write(std::move(b));
  }

  Result<std::vector<MapRunChildEnd>> map_run_children(const std::string& map_run_arn, std::int64_t from,
                                                       std::size_t max) override {
    std::vector<MapRunChildEnd> out;
    out.reserve(std::min<std::size_t>(max, 1024));
    std::string scratch;
    Status failed;
    Status s = store_.scan_map_run_children(map_run_arn, static_cast<std::uint64_t>(std::max<std::int64_t>(from, 0)),
                                            max, [&](std::uint64_t index, std::string_view bytes) {
                                              auto e = decode_child_end(index, bytes, scratch);
                                              if (!e.ok()) {
                                                failed = e.status();
                                                return false;
                                              }
                                              out.push_back(std::move(e).value());
                                              return true;
                                            });
    if (!s.ok()) return s;
    if (!failed.ok()) return failed;
    return out;
  }

  Status put_activity(const ActivityRecord& r) override {
    Batch b;
    storage::put_activity(b, store_.tables(), r.arn, encode_activity(r));
    return writer_->write(std::move(b));
  }

  Result<ActivityRecord> activity(const std::string& arn) override {
    return named(decode_read(store_.read_activity(arn), decode_activity, "activity " + arn), "activity " + arn);
  }

  Result<std::vector<ActivityRecord>> activities(const std::string& after, std::size_t max) override {
    return decode_all(store_.list_activities(after, max), decode_activity);
  }

  // Two steps, as delete_state_machine.
  Status delete_activity(const std::string& arn) override {
    auto present = store_.read_activity(arn);
    if (!present.ok()) return read_failed(present.status(), "activity " + arn);
    Batch b;
    storage::del_activity(b, store_.tables(), arn);
    return writer_->write(std::move(b));
  }

  Result<std::vector<ExecutionRecord>> executions_of(const std::string& state_machine_arn, std::size_t max,
                                                     ExecutionCursor before) override {
    // The index keys start_ms as a u64 (append casts it): the same here.
    return records_of(store_.list_machine_executions(state_machine_arn, max, index_ms(before.start_ms), before.seq));
  }

  Result<std::vector<ExecutionRecord>> executions_of_map_run(const std::string& map_run_arn, std::size_t max,
                                                             ExecutionCursor before) override {
    return records_of(store_.list_map_run_executions(map_run_arn, max, index_ms(before.start_ms), before.seq));
  }

  Result<std::vector<ExecutionRecord>> open_executions() override {
    std::vector<ExecutionRecord> out;
    std::uint64_t from = 0;
    for (;;) {
      auto page = store_.list_open_executions(from, 1024);
      if (!page.ok()) return page.status();
      for (auto seq : *page) {
        auto r = execution(seq);
        if (!r.ok()) return r.status();
        out.push_back(std::move(r).value());
      }
      if (page->size() < 1024) return out;
      from = page->back() + 1;
    }
  }

  Result<std::vector<std::uint64_t>> open_execution_seqs() override {
    std::vector<std::uint64_t> out;
    std::uint64_t from = 0;
    for (;;) {
      auto page = store_.list_open_executions(from, 1024);
      if (!page.ok()) return page.status();
      out.insert(out.end(), page->begin(), page->end());
      if (page->size() < 1024) return out;
      from = page->back() + 1;
    }
  }

  Result<ExecutionRecord> execution(std::uint64_t seq) override {
    auto bytes = store_.read_execution(seq);
    if (!bytes.ok()) return bytes.status();
    return named(decode_record(*bytes), "the record of execution seq " + std::to_string(seq));
  }

  Result<std::uint64_t> execution_seq(const std::string& execution_arn) override {
    return store_.find_execution(execution_arn);
  }

  Result<std::vector<DueWake>> due_wakes(std::int64_t now_ms, std::size_t max) override {
    auto due = store_.due_timers(index_ms(now_ms), max);
    if (!due.ok()) return due.status();
    std::vector<DueWake> out;
    out.reserve(due->size());
    for (const auto& d : *due) out.push_back(DueWake{static_cast<std::int64_t>(d.due_ms), d.seq});
    return out;
  }

  Result<std::vector<engine::Event>> history(std::uint64_t seq) override {
    return history_range(seq, 1, std::numeric_limits<std::size_t>::max());
  }

  Result<std::vector<engine::Event>> history_range(std::uint64_t seq, std::int64_t from_id, std::size_t max) override {
    std::vector<engine::Event> out;
    Status failed;
    Status s = store_.scan_history(seq, static_cast<std::uint64_t>(std::max<std::int64_t>(from_id, 1)), max,
                                   [&](std::uint64_t id, std::string_view bytes) {
                                     auto e = decode(bytes);
                                     if (!e.ok()) {
                                       failed = named(e, "event " + std::to_string(id) + " of execution seq " +
                                                             std::to_string(seq))
                                                    .status();
                                       return false;
                                     }
                                     out.push_back(std::move(e).value());
                                     return true;
                                   });
    if (!s.ok()) return s;
    if (!failed.ok()) return failed;
    return out;
  }

 private:
  // The records of an index page, in its order.
  Result<std::vector<ExecutionRecord>> records_of(Result<std::vector<MachineExecution>> page) {
    if (!page.ok()) return page.status();
    std::vector<ExecutionRecord> out;
    out.reserve(page->size());
    for (const auto& e : *page) {
      auto r = execution(e.seq);
      if (!r.ok()) return r.status();
      out.push_back(std::move(r).value());
    }
    return out;
  }

  // A record that does not decode (kIo), named: which one, and the file it
  // is in, so that an operator knows what is damaged. Other results as they are.
  template <class T>
  Result<T> named(Result<T> r, const std::string& what) {
    if (r.ok() || r.status().code() != Code::kIo) return r;
    return Status::io(r.status().message() + " (" + what + ", in " + store_.env().path() + "/data.mdb)");
  }

  Store store_;
  std::unique_ptr<Writer> writer_;
};

}  // namespace

Result<std::unique_ptr<Journal>> open_lmdb_journal(const std::string& dir, SyncMode sync) {
  // LMDB takes an empty data.mdb for a new environment. Beside the task
  // token key, which is made after the store's first open, it is a store
  // whose data file was emptied: refuse it rather than start afresh over it.
  const std::string data_file = dir + "/data.mdb";
  struct stat file {};
  if (::stat(data_file.c_str(), &file) == 0 && file.st_size == 0 &&
      ::access((dir + "/" + kTaskTokenKeyFile).c_str(), F_OK) == 0) {
    return Status::io(data_file + " is empty, but " + dir + "/" + kTaskTokenKeyFile +
                      " shows a store was made here: the data file was truncated or replaced");
  }
  EnvOptions options;
  options.sync = sync;
  auto store = Store::open(dir, options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<Journal>(new LmdbJournal(std::move(store).value()));
}

}  // namespace stepd::storage
