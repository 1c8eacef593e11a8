#pragma once
// Helpers the journal tests share: the two journals as fixtures, a
// blocking append, execution lists as seqs, and a walk through a paged
// listing (executions_of, executions_of_map_run).

#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/journal.h"
#include "storage/lmdb_journal.h"
#include "storage/memory_journal.h"
#include "tests/storage/temp_dir.h"

namespace stepd::storage::test {

inline std::unique_ptr<Journal> open_lmdb(const std::string& dir) {
  auto j = open_lmdb_journal(dir, SyncMode::kNoSync);
  INFO(j.status().message());
  REQUIRE(j.ok());
  return std::move(j).value();
}

// The two journals under test, each behind Journal&.
struct LmdbFixture {
  stepd::testing::TempDir dir;
  std::unique_ptr<Journal> journal = open_lmdb(dir.path);
};

struct MemoryFixture {
  std::unique_ptr<Journal> journal = std::make_unique<MemoryJournal>();
};

// append() and wait for its answer.
inline Status append_now(Journal& j, Append a) {
  std::promise<Status> done;
  auto answered = done.get_future();
  j.append(std::move(a), [&done](const Status& s) { done.set_value(s); });
  return answered.get();
}

inline std::vector<std::uint64_t> seqs_of(const std::vector<ExecutionRecord>& rs) {
  std::vector<std::uint64_t> out;
  for (const auto& r : rs) out.push_back(r.seq);
  return out;
}

// Every seq `fetch(page_size, cursor)` lists, page after page, each from
// the last record of the one before (at most 5 pages).
template <class Fetch>
std::vector<std::uint64_t> walk_pages(Fetch fetch, std::size_t page_size) {
  std::vector<std::uint64_t> paged;
  Journal::ExecutionCursor cursor;
  for (int pages = 0;; ++pages) {
    REQUIRE(pages < 5);
    auto page = fetch(page_size, cursor);
    REQUIRE(page.ok());
    for (auto s : seqs_of(*page)) paged.push_back(s);
    if (page->size() < page_size) break;
    cursor = Journal::ExecutionCursor{page->back().params.start_ms, page->back().seq};
  }
  return paged;
}

}  // namespace stepd::storage::test
