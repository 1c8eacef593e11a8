#pragma once
// The durable Journal: LMDB tables (storage/store.h), the group-commit
// writer (storage/writer.h), histories as FlatBuffers (storage/event_codec.h)
// and records as schema/records.fbs tables. Safe from any thread.

#include <memory>
#include <string>

#include "storage/journal.h"
#include "storage/lmdb.h"

namespace stepd::storage {

// Opens (creating when empty) the store in `dir`. kSync makes every
// acknowledged append survive a crash (one fsync per group commit).
// A directory holding something other than a stepd store is refused with
// a message naming it.
Result<std::unique_ptr<Journal>> open_lmdb_journal(const std::string& dir, SyncMode sync);

}  // namespace stepd::storage
