#include "storage/lmdb_journal.h"

#include <algorithm>

#include <flatbuffers/flatbuffers.h>

#include "schema/records_generated.h"
#include "storage/event_codec.h"
#include "storage/store.h"
#include "storage/writer.h"

namespace stepd::storage {

namespace {

namespace fb = stepd::schema;

fb::ExecutionStatus status_of(const std::string& s) {
  if (s == "SUCCEEDED") return fb::ExecutionStatus::SUCCEEDED;
  if (s == "FAILED") return fb::ExecutionStatus::FAILED;
  if (s == "TIMED_OUT") return fb::ExecutionStatus::TIMED_OUT;
  if (s == "ABORTED") return fb::ExecutionStatus::ABORTED;
  return fb::ExecutionStatus::RUNNING;
}

std::string encode_record(const ExecutionRecord& r) {
  flatbuffers::FlatBufferBuilder fbb(512);
  const auto& p = r.params;
  auto arn = fbb.CreateString(p.execution_arn);
  auto name = fbb.CreateString(p.execution_name);
  auto sm_arn = fbb.CreateString(r.state_machine_arn);
  auto sm_name = fbb.CreateString(p.state_machine_name);
  auto role = fbb.CreateString(p.role_arn);
  auto region = fbb.CreateString(p.region);
  auto input = fbb.CreateString(p.input_text);
  auto output = fbb.CreateString(r.output);
  auto error = r.error ? fbb.CreateString(*r.error) : 0;
  auto cause = r.cause ? fbb.CreateString(*r.cause) : 0;
  fb::ExecutionRecordBuilder b(fbb);
  b.add_seq(r.seq);
  b.add_execution_arn(arn);
  b.add_name(name);
  b.add_state_machine_arn(sm_arn);
  b.add_state_machine_name(sm_name);
  b.add_role_arn(role);
  b.add_region(region);
  b.add_input(input);
  b.add_seed(p.seed);
  b.add_start_ms(p.start_ms);
  b.add_status(status_of(r.status));
  b.add_stop_ms(r.stop_ms);
  b.add_output(output);
  if (r.error) b.add_error(error);
  if (r.cause) b.add_cause(cause);
  if (r.wake_ms) b.add_wake_ms(r.wake_ms);
  fbb.Finish(b.Finish());
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

std::string str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

Result<ExecutionRecord> decode_record(std::string_view bytes) {
  // LMDB values are only 2-byte aligned: verify and read from an aligned copy.
  std::string copy(bytes);
  flatbuffers::Verifier v(reinterpret_cast<const std::uint8_t*>(copy.data()), copy.size());
  if (!v.VerifyBuffer<fb::ExecutionRecord>(nullptr)) return Status::io("corrupt execution record");
  const auto* x = flatbuffers::GetRoot<fb::ExecutionRecord>(copy.data());
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
  r.wake_ms = x->wake_ms();
  return r;
}

std::string encode_machine(const StateMachineRecord& r) {
  flatbuffers::FlatBufferBuilder fbb(1024);
  auto arn = fbb.CreateString(r.arn);
  auto name = fbb.CreateString(r.name);
  auto def = fbb.CreateString(r.definition);
  auto role = fbb.CreateString(r.role_arn);
  fb::StateMachineRecordBuilder b(fbb);
  b.add_arn(arn);
  b.add_name(name);
  b.add_type(r.type == "EXPRESS" ? fb::StateMachineType::EXPRESS : fb::StateMachineType::STANDARD);
  b.add_definition(def);
  b.add_role_arn(role);
  b.add_creation_ms(r.creation_ms);
  fbb.Finish(b.Finish());
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

Result<StateMachineRecord> decode_machine(std::string_view bytes) {
  std::string copy(bytes);
  flatbuffers::Verifier v(reinterpret_cast<const std::uint8_t*>(copy.data()), copy.size());
  if (!v.VerifyBuffer<fb::StateMachineRecord>(nullptr)) return Status::io("corrupt state machine record");
  const auto* x = flatbuffers::GetRoot<fb::StateMachineRecord>(copy.data());
  StateMachineRecord r;
  r.arn = str(x->arn());
  r.name = str(x->name());
  r.type = fb::EnumNameStateMachineType(x->type());
  r.definition = str(x->definition());
  r.role_arn = str(x->role_arn());
  r.creation_ms = x->creation_ms();
  return r;
}

class LmdbJournal : public Journal {
 public:
  explicit LmdbJournal(Store store) : store_(std::move(store)), writer_(std::make_unique<Writer>(store_.env())) {}
  ~LmdbJournal() override { writer_.reset(); }  // drain the writer before the env closes

  Result<std::uint64_t> next_seq() override { return store_.allocate_execution_seq(); }

  void append(Append a, std::function<void(const Status&)> done) override {
    const Tables& t = store_.tables();
    Batch b;
    b.ops.reserve(a.events.size() + 4);
    for (const auto& e : a.events) put_event(b, t, a.seq, static_cast<std::uint64_t>(e.id), encode(e));
    if (a.record) {
      put_execution(b, t, a.seq, encode_record(*a.record));
      if (a.opened) {
        index_execution(b, t, a.record->params.execution_arn, a.record->state_machine_arn,
                        static_cast<std::uint64_t>(a.record->params.start_ms), a.seq);
      }
    }
    if (a.opened) mark_open(b, t, a.seq);
    if (a.closed) mark_closed(b, t, a.seq);
    if (a.unwake_ms) del_timer(b, t, static_cast<std::uint64_t>(*a.unwake_ms), a.seq);
    if (a.wake_ms) put_timer(b, t, static_cast<std::uint64_t>(*a.wake_ms), a.seq, std::string());
    writer_->submit(std::move(b), std::move(done));
  }

  Status put_state_machine(const StateMachineRecord& r) override {
    Batch b;
    storage::put_state_machine(b, store_.tables(), r.arn, encode_machine(r));
    return writer_->write(std::move(b));
  }

  Result<StateMachineRecord> state_machine(const std::string& arn) override {
    auto bytes = store_.read_state_machine(arn);
    if (!bytes.ok()) return bytes.status();
    return decode_machine(*bytes);
  }

  Result<std::vector<StateMachineRecord>> state_machines(const std::string& after, std::size_t max) override {
    auto page = store_.list_state_machines(after, max);
    if (!page.ok()) return page.status();
    std::vector<StateMachineRecord> out;
    for (const auto& bytes : *page) {
      auto r = decode_machine(bytes);
      if (!r.ok()) return r.status();
      out.push_back(std::move(r).value());
    }
    return out;
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

  Result<ExecutionRecord> execution(std::uint64_t seq) override {
    auto bytes = store_.read_execution(seq);
    if (!bytes.ok()) return bytes.status();
    return decode_record(*bytes);
  }

  Result<std::uint64_t> execution_seq(const std::string& execution_arn) override {
    return store_.find_execution(execution_arn);
  }

  Result<std::vector<DueWake>> due_wakes(std::int64_t now_ms, std::size_t max) override {
    auto due = store_.due_timers(static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_ms)), max);
    if (!due.ok()) return due.status();
    std::vector<DueWake> out;
    out.reserve(due->size());
    for (const auto& d : *due) out.push_back(DueWake{static_cast<std::int64_t>(d.due_ms), d.seq});
    return out;
  }

  Result<std::vector<engine::Event>> history(std::uint64_t seq) override {
    std::vector<engine::Event> out;
    Status failed;
    Status s = store_.scan_history(seq, 1, std::numeric_limits<std::size_t>::max(),
                                   [&](std::uint64_t, std::string_view bytes) {
                                     auto e = decode(bytes);
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

 private:
  Store store_;
  std::unique_ptr<Writer> writer_;
};

}  // namespace

Result<std::unique_ptr<Journal>> open_lmdb_journal(const std::string& dir, SyncMode sync) {
  EnvOptions options;
  options.sync = sync;
  auto store = Store::open(dir, options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<Journal>(new LmdbJournal(std::move(store).value()));
}

}  // namespace stepd::storage
