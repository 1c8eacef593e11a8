#include "actors/map_run.h"

#include <chrono>
#include <cstdio>

#include <boost/json/parse.hpp>

#include "actors/runtime.h"
#include "src/common/json.h"

namespace stepd::actors {

namespace {

using Self = caf::stateful_actor<MapRunState>*;
namespace bj = boost::json;

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

maprun::ChildStatus child_status(const std::string& s) {
  if (s == "SUCCEEDED") return maprun::ChildStatus::kSucceeded;
  if (s == "FAILED") return maprun::ChildStatus::kFailed;
  if (s == "TIMED_OUT") return maprun::ChildStatus::kTimedOut;
  if (s == "ABORTED") return maprun::ChildStatus::kAborted;
  if (s == "PENDING_REDRIVE") return maprun::ChildStatus::kFailed;
  return maprun::ChildStatus::kRunning;
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

// The record as it stands now: status and settings, counts from the tracker.
storage::MapRunRecord current(Self self) {
  auto& st = self->state;
  storage::MapRunRecord r = st.record;
  r.item_counts = counts_of(st.tracker->item_counts());
  r.execution_counts = counts_of(st.tracker->execution_counts());
  r.max_concurrency = st.tracker->max_concurrency();
  r.tolerated_failure_count = st.tracker->tolerated_count().value_or(0);
  r.tolerated_failure_percentage = st.tracker->tolerated_percentage().value_or(0);
  return r;
}

void store(Self self) {
  auto& st = self->state;
  st.record = current(self);
  Status s = st.runtime->journal().put_map_run(st.record);
  if (!s.ok()) std::fprintf(stderr, "stepd: storing Map Run %s failed: %s\n", st.record.map_run_arn.c_str(), s.message().c_str());
}

// A child's end, as a message to this actor (callbacks run on other threads).
void report(caf::actor me, std::int64_t index, const Result<storage::ExecutionRecord>& r) {
  if (!r.ok()) {
    return caf::anon_send(me, mrend_atom::value, index, static_cast<std::uint8_t>(maprun::ChildStatus::kFailed),
                          std::string());
  }
  caf::anon_send(me, mrend_atom::value, index, static_cast<std::uint8_t>(child_status(r->status)), r->output);
}

void await(Self self, std::int64_t index) {
  caf::actor me = caf::actor_cast<caf::actor>(self);
  self->state.runtime->when_closed(child_arn(*self->state.spec, index),
                                   [me, index](Result<storage::ExecutionRecord> r) { report(me, index, r); });
}

// What the children of an earlier run of this Map Run say (a restarted
// server or parent, a redrive): found by name in the journal.
void restore(Self self) {
  auto& st = self->state;
  storage::Journal& j = st.runtime->journal();
  for (std::size_t i = 0; i < st.tracker->size(); ++i) {
    auto seq = j.execution_seq(child_arn(*st.spec, static_cast<std::int64_t>(i)));
    if (!seq.ok()) continue;
    auto rec = j.execution(*seq);
    if (!rec.ok()) continue;
    maprun::ChildStatus s = child_status(rec->status);
    bj::value output;
    if (s == maprun::ChildStatus::kSucceeded) {
      std::error_code ec;
      output = bj::parse(rec->output, ec);
    }
    st.tracker->restore(static_cast<std::int64_t>(i), s, std::move(output));
    st.existed[i] = true;
    if (s == maprun::ChildStatus::kRunning) await(self, static_cast<std::int64_t>(i));
  }
}

// Starts children while the tracker allows.
void pump(Self self) {
  auto& st = self->state;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  while (auto child = st.tracker->next()) {
    std::int64_t index = child->index;
    if (st.existed[static_cast<std::size_t>(index)]) {
      // Ran before and did not succeed: AWS redrives the same execution.
      st.runtime->redrive_execution(child_arn(*st.spec, index), [me, index](Result<storage::ExecutionRecord> r) {
        if (!r.ok()) return report(me, index, r);
        caf::anon_send(me, mrtake_atom::value, index);  // now wait for its end
      });
      continue;
    }
    st.runtime->start_map_child(
        st.spec, index, json::to_json(child->input),
        [me, index](Result<Runtime::StartedExecution> r) {
          if (!r.ok()) report(me, index, r.status());
        },
        [me, index](Result<storage::ExecutionRecord> r) { report(me, index, r); });
  }
}

void deliver(Self self) {
  auto& st = self->state;
  const auto& o = *st.tracker->outcome();
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
  st.record.status = ok ? "SUCCEEDED" : "FAILED";
  st.record.stop_ms = wall_ms();
  store(self);
  deliver(self);
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
  st.existed.assign(st.tracker->size(), false);
  auto stored = runtime->journal().map_run(spec->map_run_arn);
  if (stored.ok()) {
    st.record = std::move(stored).value();
    restore(self);
  } else {
    st.record.map_run_arn = spec->map_run_arn;
    st.record.execution_arn = spec->execution_arn;
    st.record.start_ms = spec->started_ms;
  }
  if (spec->redrive_count > st.record.redrive_count) {
    st.tracker->redrive();
    st.record.redrive_count = static_cast<std::int32_t>(spec->redrive_count);
    st.record.redrive_ms = wall_ms();
  }
  if (!st.tracker->outcome()) {
    st.record.status = "RUNNING";
    st.record.stop_ms = 0;
  }
  store(self);
  pump(self);
  maybe_end(self);
  return {
      [=](mrend_atom, std::int64_t index, std::uint8_t status, const std::string& output) {
        auto& st = self->state;
        bj::value out;
        if (!output.empty()) {
          std::error_code ec;
          out = bj::parse(output, ec);
        }
        st.tracker->finished(index, static_cast<maprun::ChildStatus>(status), std::move(out));
        pump(self);
        maybe_end(self);
      },
      [=](mrtake_atom, std::int64_t index) { await(self, index); },  // a redriven child runs again
      [=](mrtake_atom, std::uint64_t seq, std::int32_t frame, std::uint64_t token) {
        // The parent was restarted and asks again: answer its new frame/token.
        auto& st = self->state;
        st.parent_seq = seq;
        st.frame = frame;
        st.token = token;
        if (st.ended && !st.delivering) deliver(self);
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
        pump(self);
        maybe_end(self);
        return true;
      },
      [=](mrview_atom) -> storage::MapRunRecord { return current(self); },
  };
}

}  // namespace stepd::actors
