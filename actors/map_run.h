#pragma once
// The Map Run actor: one per running Distributed Map (engine::MapRunSpec).
// It starts the children maprun::Tracker names, each an execution of its
// own through the Runtime (STANDARD: durable, with its own history; EXPRESS:
// in memory), hears of their ends, keeps the MapRunRecord in the journal,
// and answers the parent's frame with one Task fact through the
// coordinator. No ASL logic lives here: the tracker decides.
//
//   spawn ─▶ restore (stored record + children found by name) ─▶ pump children
//     ▲                                                              │ mrend
//     │ mrtake (parent restarted)               outcome decided ◀────┘
//     └──────────── deliver the fact to the parent ◀──┘ ── delivered ─▶ quit
//
// mrabort (the parent gave up) stops the running children and ends ABORTED.
// Include only in actors/*.cpp.

#include <deque>
#include <memory>
#include <vector>

#include <caf/all.hpp>

#include "actors/messages.h"
#include "src/maprun/tracker.h"
#include "src/s3/item_source.h"
#include "src/s3/result_writer.h"

namespace stepd::actors {

class Runtime;

struct MapRunState {
  MapRunSpecPtr spec;
  std::unique_ptr<maprun::Tracker> tracker;
  Runtime* runtime = nullptr;
  caf::actor coordinator;
  std::uint64_t parent_seq = 0;  // who to answer: the parent execution's frame and effect token
  std::int32_t frame = 0;
  std::uint64_t token = 0;
  storage::MapRunRecord record;
  std::vector<bool> existed;     // children with an execution from an earlier run: redriven, not started
  bool redriving = false;        // a redrive: children found unsuccessful run again
  bool fresh = false;            // no earlier run of this Map Run: no child to look for
  // ItemReader: items come in batches while children run.
  std::shared_ptr<s3::ItemSource> source;
  bool reading = false;
  std::int64_t items_read = 0;
  // ResultWriter: each child's record goes to the files as it ends.
  std::optional<s3::Client> s3;
  std::unique_ptr<s3::ResultFiles> writer;
  std::string writer_bucket;
  std::int64_t written_children = 0, written_items = 0;  // DescribeMapRun's resultsWritten
  std::deque<s3::ResultFile> put_queue;  // full files waiting to be put, one put at a time
  std::size_t queued_bytes = 0;
  bool putting = false;
  Status write_error;            // the first failed put
  std::optional<maprun::Outcome> final;  // what the parent gets once the files are written
  // EXPRESS children keep no record: their ends are stored in batches
  // (storage::MapRunChildEnd) so a restart does not run them again.
  std::vector<storage::MapRunChildEnd> ends;
  bool flush_armed = false;
  bool ended = false;            // the outcome is decided and stored
  bool delivering = false;       // the fact is on its way to the parent
};

using ItemBatchPtr = std::shared_ptr<Result<s3::ItemBatch>>;

caf::behavior map_run_actor(caf::stateful_actor<MapRunState>* self, MapRunSpecPtr spec, Runtime* runtime,
                            caf::actor coordinator, std::uint64_t parent_seq, std::int32_t frame, std::uint64_t token);

}  // namespace stepd::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::actors::ItemBatchPtr)
