#include "actors/map_run.h"

#include <chrono>
#include <cstdio>

#include <boost/json/parse.hpp>

#include "actors/integrations.h"
#include "actors/runtime.h"
#include "src/common/json.h"
#include "src/engine/state.h"
#include "src/log/log.h"

namespace stepd::actors {

namespace {

using Self = caf::stateful_actor<MapRunState>*;
namespace bj = boost::json;

constexpr std::size_t kReadBatch = 1000;  // items asked of the ItemReader at a time
constexpr std::int64_t kReadAhead = 2000;  // children formed but not started before reading pauses
// Result files waiting for S3 beyond this stop new children until they are
// put: the writer cannot fall behind by more than this.
constexpr std::size_t kMaxQueuedBytes = 32u << 20;
constexpr std::uint64_t kResultFileBytes = 16u << 20;  // a result file is closed past this size
// EXPRESS children's ends are stored this many at a time, or this long
// after the first unstored one: a crash runs at most that window again.
constexpr std::size_t kEndsBatch = 1000;
constexpr std::chrono::milliseconds kEndsDelay{100};

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

maprun::ChildStatus child_status(const std::string& s) {
  if (s == "SUCCEEDED") return maprun::ChildStatus::kSucceeded;
  if (s == "FAILED" || s == "PENDING_REDRIVE") return maprun::ChildStatus::kFailed;
  if (s == "TIMED_OUT") return maprun::ChildStatus::kTimedOut;
  if (s == "ABORTED") return maprun::ChildStatus::kAborted;
  return maprun::ChildStatus::kRunning;
}

bool unsuccessful(maprun::ChildStatus s) {
  return s == maprun::ChildStatus::kFailed || s == maprun::ChildStatus::kTimedOut ||
         s == maprun::ChildStatus::kAborted;
}

storage::MapRunCounts counts_of(const maprun::Counts& c) {
  storage::MapRunCounts out;
  out.pending = c.pending;
  out.running = c.running;
  out.succeeded = c.succeeded;
  out.failed = c.failed;
  out.timed_out = c.timed_out;
  out.aborted = c.aborted;
  out.total = c.total;
  return out;
}

std::string child_arn(const engine::MapRunSpec& spec, std::int64_t index) {
  return maprun::child_arn(spec, maprun::child_name(spec, index));
}

bj::value parse_or_null(const std::string& text) {
  std::error_code ec;
  bj::value v = bj::parse(text, ec);
  return ec ? bj::value(nullptr) : v;
}

// The record as it stands now: status and settings, counts from the tracker.
storage::MapRunRecord current(Self self) {
  auto& st = self->state;
  storage::MapRunRecord r = st.record;
  r.item_counts = counts_of(st.tracker->item_counts());
  r.execution_counts = counts_of(st.tracker->execution_counts());
  r.item_counts.results_written = st.written_items;
  r.execution_counts.results_written = st.written_children;
  r.max_concurrency = st.tracker->max_concurrency();
  r.tolerated_failure_count = st.tracker->tolerated_count().value_or(0);
  r.tolerated_failure_percentage = st.tracker->tolerated_percentage().value_or(0);
  return r;
}

void store(Self self) {
  auto& st = self->state;
  st.record = current(self);
  Status s = st.runtime->journal().put_map_run(st.record);
  if (!s.ok()) {
    log::error("storing a Map Run failed: " + s.message(), {{"mapRunArn", st.record.map_run_arn}});
  }
}

// ---- ResultWriter -------------------------------------------------------

// Puts the next queued file, one at a time.
void put_next(Self self) {
  auto& st = self->state;
  if (st.putting || st.put_queue.empty()) return;
  st.putting = true;
  std::vector<s3::ResultFile> one;
  one.push_back(std::move(st.put_queue.front()));
  st.put_queue.pop_front();
  st.queued_bytes -= one[0].body.size();
  caf::actor me = caf::actor_cast<caf::actor>(self);
  s3::put_result_files(*st.s3, st.writer_bucket, std::move(one),
                       [me](Status s) { caf::anon_send(me, mrput_atom::value, s.error(), s.message(), s.ok()); });
}

void put_files(Self self, std::vector<s3::ResultFile> files) {
  auto& st = self->state;
  for (auto& f : files) {
    st.queued_bytes += f.body.size();
    st.put_queue.push_back(std::move(f));
  }
  put_next(self);
}

// A child's end (or, after a restart, its record) into the result files.
void write_child(Self self, std::int64_t index, const storage::ExecutionRecord& r) {
  auto& st = self->state;
  if (!st.writer) return;
  ++st.written_children;
  st.written_items += st.tracker->items(index);
  s3::ChildResult c;
  c.status = r.status;
  c.execution_arn = r.params.execution_arn;
  c.name = r.params.execution_name;
  c.state_machine_arn = r.state_machine_arn;
  c.input = r.params.input_text;
  c.output = r.output;
  c.error = r.error.value_or("");
  c.cause = r.cause.value_or("");
  c.start_ms = r.params.start_ms;
  c.stop_ms = r.stop_ms;
  c.redrive_count = r.redrive_count;
  auto full = st.writer->add(c);
  if (!full.ok()) {
    if (st.write_error.ok()) st.write_error = full.status();
    return;
  }
  put_files(self, std::move(full).value());
}

// ---- EXPRESS children's ends --------------------------------------------------

void flush_ends(Self self) {
  auto& st = self->state;
  if (st.ends.empty()) return;
  Status s = st.runtime->journal().put_map_run_children(st.spec->map_run_arn, st.ends);
  if (!s.ok()) {  // not fatal: a restart runs these children again (at-least-once)
    log::error("storing a Map Run's child ends failed: " + s.message(), {{"mapRunArn", st.spec->map_run_arn}});
  }
  st.ends.clear();
}

void keep_end(Self self, std::int64_t index, const storage::ExecutionRecord& r) {
  auto& st = self->state;
  storage::MapRunChildEnd e;
  e.index = index;
  e.status = r.status;
  e.output = r.output;
  e.error = r.error;
  e.cause = r.cause;
  e.start_ms = r.params.start_ms;
  e.stop_ms = r.stop_ms;
  st.ends.push_back(std::move(e));
  if (st.ends.size() >= kEndsBatch) return flush_ends(self);
  if (!st.flush_armed) {
    st.flush_armed = true;
    self->delayed_send(self, kEndsDelay, mrflush_atom::value);
  }
}

// ---- children -----------------------------------------------------------

// A child's end, as a message to this actor (callbacks run on other threads).
void report(caf::actor me, std::int64_t index, Result<storage::ExecutionRecord> r) {
  if (!r.ok()) {  // it could not start: it counts as failed, with why
    storage::ExecutionRecord failed;
    failed.status = "FAILED";
    failed.error = r.status().error().empty() ? std::string("States.Runtime") : r.status().error();
    failed.cause = r.status().message();
    return caf::anon_send(me, mrend_atom::value, index, std::move(failed));
  }
  caf::anon_send(me, mrend_atom::value, index, std::move(r).value());
}

void await(Self self, std::int64_t index) {
  caf::actor me = caf::actor_cast<caf::actor>(self);
  self->state.runtime->when_closed(child_arn(*self->state.spec, index),
                                   [me, index](Result<storage::ExecutionRecord> r) { report(me, index, std::move(r)); });
}

// What earlier runs of this Map Run left of children [from, to) (a
// restarted server or parent, a redrive): found by name in the journal.
// EXPRESS children keep no record: they run again.
void restore_express(Self self, std::size_t from, std::size_t to);

void restore(Self self, std::size_t from, std::size_t to) {
  auto& st = self->state;
  st.existed.resize(st.tracker->size(), false);
  if (st.fresh || from >= to) return;
  if (st.spec->express) return restore_express(self, from, to);
  storage::Journal& j = st.runtime->journal();
  for (std::size_t i = from; i < to; ++i) {
    auto seq = j.execution_seq(child_arn(*st.spec, static_cast<std::int64_t>(i)));
    if (!seq.ok()) continue;
    auto rec = j.execution(*seq);
    if (!rec.ok()) continue;
    st.existed[i] = true;
    maprun::ChildStatus s = child_status(rec->status);
    if (st.redriving && unsuccessful(s)) continue;  // stays pending: pump() redrives it
    st.tracker->restore(static_cast<std::int64_t>(i), s,
                        s == maprun::ChildStatus::kSucceeded ? parse_or_null(rec->output) : bj::value());
    if (s == maprun::ChildStatus::kRunning) {
      await(self, static_cast<std::int64_t>(i));
    } else {
      write_child(self, static_cast<std::int64_t>(i), *rec);
    }
  }
}

// EXPRESS children have no record: their stored ends say how they ended.
void restore_express(Self self, std::size_t from, std::size_t to) {
  auto& st = self->state;
  auto rows = st.runtime->journal().map_run_children(st.spec->map_run_arn, static_cast<std::int64_t>(from), to - from);
  if (!rows.ok()) return;  // they run again
  for (auto& e : *rows) {
    if (e.index < 0 || static_cast<std::size_t>(e.index) >= to) break;
    maprun::ChildStatus s = child_status(e.status);
    if (st.redriving && unsuccessful(s)) continue;  // runs again
    storage::ExecutionRecord r;  // what write_child needs of it
    r.status = e.status;
    r.params.execution_name = maprun::child_name(*st.spec, e.index);
    r.params.execution_arn = maprun::child_arn(*st.spec, r.params.execution_name);
    r.state_machine_arn = maprun::child_machine_arn(*st.spec);
    r.params.input_text = json::to_json(st.tracker->input(e.index));
    r.params.start_ms = e.start_ms;
    r.stop_ms = e.stop_ms;
    r.output = e.output;
    r.error = e.error;
    r.cause = e.cause;
    st.tracker->restore(e.index, s, s == maprun::ChildStatus::kSucceeded ? parse_or_null(e.output) : bj::value());
    write_child(self, e.index, r);
  }
}

// Starts children while the tracker allows.
void pump(Self self) {
  auto& st = self->state;
  if (st.queued_bytes > kMaxQueuedBytes) return;  // S3 is behind: put_next() steps again
  caf::actor me = caf::actor_cast<caf::actor>(self);
  while (auto child = st.tracker->next()) {
    std::int64_t index = child->index;
    if (st.existed[static_cast<std::size_t>(index)]) {
      // Ran before and did not succeed: AWS redrives the same execution.
      st.runtime->redrive_execution(child_arn(*st.spec, index), [me, index](Result<storage::ExecutionRecord> r) {
        if (!r.ok()) return report(me, index, std::move(r));
        caf::anon_send(me, mrtake_atom::value, index);  // now wait for its end
      });
      continue;
    }
    st.runtime->start_map_child(
        st.spec, index, json::to_json(child->input),
        [me, index](Result<Runtime::StartedExecution> r) {
          if (!r.ok()) report(me, index, r.status());
        },
        [me, index](Result<storage::ExecutionRecord> r) { report(me, index, std::move(r)); });
  }
}

// ---- ItemReader -------------------------------------------------------------

void open_reader(Self self) {
  auto& st = self->state;
  const bj::value& r = st.spec->item_reader;
  auto fail = [&](const std::string& cause) { st.tracker->fail("States.ItemReaderFailed", cause); };
  if (!st.s3) return fail("stepd has no S3 access here (no service integrations)");
  s3::ItemReaderRequest req;
  const std::string resource = r.at("Resource").as_string().c_str();
  if (resource == "arn:aws:states:::s3:getObject") {
    req.resource = s3::ItemReaderRequest::Resource::kGetObject;
  } else if (resource == "arn:aws:states:::s3:listObjectsV2") {
    req.resource = s3::ItemReaderRequest::Resource::kListObjectsV2;
  } else {
    return fail("stepd does not read items from " + resource);
  }
  const bj::value& params = r.at("Parameters");
  auto text = [&](const char* k) -> std::string {
    const bj::value* v = params.is_object() ? params.get_object().if_contains(k) : nullptr;
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  req.bucket = text("Bucket");
  req.key = text("Key");
  req.prefix = text("Prefix");
  const bj::value* config = r.get_object().if_contains("ReaderConfig");
  auto parsed = s3::reader_config_from_json(config ? *config : bj::value(bj::object()));
  if (!parsed.ok()) return fail(parsed.status().message());
  req.config = std::move(parsed).value();
  auto source = s3::ItemSource::open(*st.s3, std::move(req));
  if (!source.ok()) return fail(source.status().message());
  st.source = std::move(source).value();
}

// Asks the reader for more while few children wait to start.
void read_more(Self self) {
  auto& st = self->state;
  if (!st.source || st.reading || st.tracker->items_ended() || st.tracker->outcome()) return;
  if (st.tracker->pending() >= kReadAhead) return;
  st.reading = true;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  st.source->next(kReadBatch, [me](Result<s3::ItemBatch> r) {
    caf::anon_send(me, mritems_atom::value, std::make_shared<Result<s3::ItemBatch>>(std::move(r)));
  });
}

void take_items(Self self, Result<s3::ItemBatch>& r) {
  auto& st = self->state;
  st.reading = false;
  if (!r.ok()) {
    return st.tracker->fail(r.status().error().empty() ? "States.ItemReaderFailed" : r.status().error(),
                            r.status().message());
  }
  std::size_t before = st.tracker->size();
  for (auto& item : r->items) {
    std::int64_t index = st.items_read++;
    if (st.spec->item_scope) {
      auto in = engine::select_item(*st.spec->item_scope, item, index);
      if (!in.ok()) return st.tracker->fail(in.status().error(), in.status().message());
      st.tracker->add(std::move(in).value());
    } else {
      st.tracker->add(std::move(item));
    }
  }
  if (r->end) st.tracker->end_items();
  restore(self, before, st.tracker->size());
}

// ---- the end ------------------------------------------------------------------

void deliver(Self self) {
  auto& st = self->state;
  const maprun::Outcome& o = *st.final;
  engine::Fact f;
  f.kind = o.succeeded ? engine::FactKind::kTaskSucceeded : engine::FactKind::kTaskFailed;
  f.frame = st.frame;
  f.token = st.token;
  f.output = o.output;
  f.error = o.error;
  f.cause = o.cause;
  st.delivering = true;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  self->send(st.coordinator, route_atom::value, st.parent_seq, std::move(f),
             StatusCallback([me](Status s) { caf::anon_send(me, mrsent_atom::value, s.ok()); }));
}

// Once the last result file is in S3 (or there is no ResultWriter): the
// parent's answer, with the writer's details as the Map's output.
void maybe_deliver(Self self) {
  auto& st = self->state;
  if (!st.ended || st.putting || !st.put_queue.empty() || st.delivering || st.final) return;
  maprun::Outcome o = *st.tracker->outcome();
  if (st.writer) {
    if (!st.write_error.ok()) {
      o = maprun::Outcome{};
      o.error = st.write_error.error().empty() ? "States.ResultWriterFailed" : st.write_error.error();
      o.cause = st.write_error.message();
    } else if (o.succeeded) {
      o.output = st.writer->map_output();
    }
  }
  st.final = std::move(o);
  deliver(self);
}

// Stops the children still running (the Map Run failed or was aborted);
// they count as aborted from now on.
void stop_running(Self self) {
  auto& st = self->state;
  for (std::int64_t index : st.tracker->running()) {
    if (!st.spec->express) {
      st.runtime->stop_execution(child_arn(*st.spec, index), std::nullopt, std::nullopt,
                                 [](Result<storage::ExecutionRecord>) {});
    }
    st.tracker->finished(index, maprun::ChildStatus::kAborted);
  }
}

void maybe_end(Self self) {
  auto& st = self->state;
  if (st.ended || !st.tracker->outcome()) return;
  st.ended = true;
  bool ok = st.tracker->outcome()->succeeded;
  if (!ok) stop_running(self);
  if (st.writer) {
    for (std::size_t i = 0; i < st.tracker->size(); ++i) {  // items never started
      if (st.tracker->status(static_cast<std::int64_t>(i)) != maprun::ChildStatus::kPending) continue;
      s3::ChildResult c;
      c.status = "PENDING";
      c.input = json::to_json(st.tracker->input(static_cast<std::int64_t>(i)));
      if (auto full = st.writer->add(c); full.ok()) put_files(self, std::move(full).value());
    }
    put_files(self, st.writer->finish());
  }
  st.record.status = ok ? "SUCCEEDED" : "FAILED";
  st.record.stop_ms = wall_ms();
  flush_ends(self);
  store(self);
  maybe_deliver(self);
}

void step(Self self) {
  pump(self);
  read_more(self);
  maybe_end(self);
}

void open_writer(Self self) {
  auto& st = self->state;
  const bj::value& w = st.spec->result_writer;
  if (!st.s3) return st.tracker->fail("States.ResultWriterFailed", "stepd has no S3 access here (no service integrations)");
  const bj::value* config = w.get_object().if_contains("WriterConfig");
  auto parsed = s3::result_writer_config_from_json(w.at("Parameters"), config ? *config : bj::value(nullptr));
  if (!parsed.ok()) return st.tracker->fail("States.ResultWriterFailed", parsed.status().message());
  st.writer_bucket = parsed->bucket;
  parsed->max_file_bytes = kResultFileBytes;
  st.writer = std::make_unique<s3::ResultFiles>(std::move(parsed).value(), st.spec->map_run_arn);
}

}  // namespace

caf::behavior map_run_actor(caf::stateful_actor<MapRunState>* self, MapRunSpecPtr spec, Runtime* runtime,
                            caf::actor coordinator, std::uint64_t parent_seq, std::int32_t frame, std::uint64_t token) {
  auto& st = self->state;
  st.spec = spec;
  st.tracker = std::make_unique<maprun::Tracker>(spec);
  st.runtime = runtime;
  st.coordinator = std::move(coordinator);
  st.parent_seq = parent_seq;
  st.frame = frame;
  st.token = token;
  if (Integrations* in = runtime->integrations()) st.s3 = in->s3();
  if (!spec->result_writer.is_null()) open_writer(self);
  if (!spec->item_reader.is_null() && !st.tracker->outcome()) open_reader(self);
  auto stored = runtime->journal().map_run(spec->map_run_arn);
  if (stored.ok()) {
    st.record = std::move(stored).value();
  } else {
    st.fresh = true;
    st.record.map_run_arn = spec->map_run_arn;
    st.record.execution_arn = spec->execution_arn;
    st.record.start_ms = spec->started_ms;
  }
  if (spec->redrive_count > st.record.redrive_count) {
    st.redriving = true;
    st.record.redrive_count = static_cast<std::int32_t>(spec->redrive_count);
    st.record.redrive_ms = wall_ms();
  }
  restore(self, 0, st.tracker->size());  // items from the input are all known now
  st.record.status = "RUNNING";
  st.record.stop_ms = 0;
  store(self);
  step(self);
  return {
      [=](mrend_atom, std::int64_t index, const storage::ExecutionRecord& r) {
        auto& st = self->state;
        maprun::ChildStatus s = child_status(r.status);
        if (st.tracker->status(index) == maprun::ChildStatus::kRunning) {
          write_child(self, index, r);
          if (st.spec->express && s != maprun::ChildStatus::kRunning) keep_end(self, index, r);
        }
        st.tracker->finished(index, s, s == maprun::ChildStatus::kSucceeded ? parse_or_null(r.output) : bj::value());
        step(self);
      },
      [=](mritems_atom, const ItemBatchPtr& r) {
        take_items(self, *r);
        step(self);
      },
      [=](mrput_atom, const std::string& error, const std::string& message, bool ok) {
        auto& st = self->state;
        st.putting = false;
        if (!ok && st.write_error.ok()) st.write_error = Status::failed(error, message);
        put_next(self);
        step(self);
        maybe_deliver(self);
      },
      [=](mrtake_atom, std::int64_t index) { await(self, index); },  // a redriven child runs again
      [=](mrflush_atom) {
        self->state.flush_armed = false;
        flush_ends(self);
      },
      [=](mrtake_atom, std::uint64_t seq, std::int32_t frame, std::uint64_t token) {
        // The parent was restarted and asks again: answer its new frame/token.
        auto& st = self->state;
        st.parent_seq = seq;
        st.frame = frame;
        st.token = token;
        if (st.final && !st.delivering) deliver(self);
      },
      [=](mrsent_atom, bool ok) {
        auto& st = self->state;
        st.delivering = false;
        if (!ok) return;  // the parent is not open now: its recovery asks again (mrtake)
        st.runtime->forget_map_run(st.spec->map_run_arn);
        self->quit();
      },
      [=](mrabort_atom) {
        auto& st = self->state;
        if (!st.ended) {
          st.ended = true;
          stop_running(self);
          flush_ends(self);
          st.record.status = "ABORTED";
          st.record.stop_ms = wall_ms();
          store(self);
        }
        st.runtime->forget_map_run(st.spec->map_run_arn);
        self->quit();
      },
      [=](mrupdate_atom, const MapRunUpdate& u) -> bool {
        auto& st = self->state;
        if (st.ended) return false;
        if (u.max_concurrency) st.tracker->set_max_concurrency(*u.max_concurrency);
        if (u.tolerated_count || u.tolerated_percentage) {
          st.tracker->set_tolerated(u.tolerated_count ? u.tolerated_count : st.tracker->tolerated_count(),
                                    u.tolerated_percentage ? u.tolerated_percentage
                                                           : st.tracker->tolerated_percentage());
        }
        store(self);
        step(self);
        return true;
      },
      [=](mrview_atom) -> storage::MapRunRecord { return current(self); },
  };
}

}  // namespace stepd::actors
