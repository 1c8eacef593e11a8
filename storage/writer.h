#pragma once
// The one writer of an Env, with group commit.
//
// Every write of stepd goes through one Writer (Store::open and its seq
// reservations aside, see storage/store.h). Its thread takes *every*
// request pending at that moment, applies them all in one write txn and
// commits once, then answers each requester. So under load, batches form
// by themselves (a durable commit costs ~0.5 ms whether it holds 1 or 1,000
// events, STACK_NOTES.md section 2), and an idle writer commits a lone
// request at once: there is no timer and no batching delay.
//
//   submitters ──submit()──▶ queue ──(all of it)──▶ one WriteTxn ──commit──▶ callbacks, in order
//
// A request is atomic: all of its ops are written or none. One failing
// request (a bad table, a key LMDB refuses) does not sink the others: it is
// answered with its error and the rest are retried as one txn without it.
// A txn that outgrows LMDB's dirty-page limit (MDB_TXN_FULL) is retried one
// request per txn. MDB_MAP_FULL grows the map (Env::grow_map) and retries.
// Any other failure of the txn as a whole (its commit: the disk is full,
// an I/O error) is every request's answer: the txn is aborted, nothing of
// the group is written, and the next group starts afresh.
//
// Thread safety: submit(), write(), close() and stats() are safe from any
// thread (write() and close() called from a callback do not wait: see each);
// the destructor runs on any thread but the writer's own.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "src/common/status.h"
#include "storage/lmdb.h"

namespace stepd::storage {

// One put or delete in one table.
struct Op {
  Table table;
  std::string key;
  std::string value;   // unused by a delete; a require's error message
  bool erase = false;  // a delete: an absent key is not an error, so a retried delete is harmless
  bool keep_existing = false;  // a put that leaves a value already under `key` as it is
  // Not a write but a precondition: the request fails with kIo (`value`
  // its message) unless `key` is present, as of the ops before it in the
  // same txn (earlier requests of its group included). LmdbJournal::append
  // requires the event before its first one, so that an append which
  // follows one that failed can never leave a gap in a history.
  bool require = false;
};

// The puts and deletes of one request, applied in order in one txn.
struct Batch {
  std::vector<Op> ops;

  void put(const Table& table, std::string key, std::string value) {
    ops.push_back(Op{table, std::move(key), std::move(value), false, false});
  }
  void del(const Table& table, std::string key) { ops.push_back(Op{table, std::move(key), {}, true, false}); }
  // A put unless `key` is already present (then nothing changes, and the
  // request still succeeds): an idempotent create, checked in the txn.
  void put_new(const Table& table, std::string key, std::string value) {
    ops.push_back(Op{table, std::move(key), std::move(value), false, true});
  }
  // Fails the whole request, writing none of it, unless `key` is present;
  // `why` is the error's message then.
  void require(const Table& table, std::string key, std::string why) {
    ops.push_back(Op{table, std::move(key), std::move(why), false, false, true});
  }
};

// Answer to one request: OK once its ops are committed (durable in
// SyncMode::kSync), or why not (then none of them are written).
// Runs on the writer's thread: keep it short, never throw, and never call
// Writer::write() from it (that would wait for this very thread).
// It may submit() more work.
using WriteCallback = std::function<void(const Status&)>;

// Counters since the Writer started; each a consistent value of its own.
struct WriterStats {
  std::uint64_t requests = 0;   // requests answered
  std::uint64_t ops = 0;        // puts and deletes committed
  std::uint64_t commits = 0;    // write txns committed
  std::uint64_t map_grows = 0;  // MDB_MAP_FULL recoveries
  std::uint64_t failed = 0;     // requests answered with an error
};

// Owns the writer thread of one Env.
class Writer {
 public:
  // Starts the writer thread. REQUIRES: `env` outlives this Writer.
  explicit Writer(Env& env);
  ~Writer();  // close()
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues `batch`; `done` runs on the writer thread once the batch is
  // committed or has failed. Requests commit in the order submit() was
  // called (for one submitting thread: its own order), and callbacks run in
  // that order. An empty batch is a barrier: answered once everything
  // submitted before it is durable. After close(), `done` runs at once, on
  // the caller's thread, with kIo "writer closed". `done` may be empty.
  void submit(Batch batch, WriteCallback done);

  // submit() and wait: OK once `batch` is durable. For tests and tools.
  // Called from the writer's own thread (a callback), returns kInternal
  // instead of waiting forever.
  Status write(Batch batch);

  // Finishes every request submitted before it, then stops the thread.
  // Idempotent. From a callback it only refuses later submits: the thread
  // stops once drained, and the destructor joins it.
  void close();

  WriterStats stats() const;

 private:
  struct Request {
    Batch batch;
    WriteCallback done;
  };
  struct Attempt;

  void run();
  void commit_group(std::vector<Request>& group);
  Attempt try_commit(const std::vector<Request>& group, const std::vector<std::size_t>& which);

  Env& env_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> queue_;  // guarded by mu_
  bool closing_ = false;        // guarded by mu_
  std::mutex close_mu_;         // serialises close() callers around join()

  std::atomic<std::uint64_t> requests_{0}, ops_{0}, commits_{0}, map_grows_{0}, failed_{0};
  std::thread thread_;  // last: starts after every field above is built
};

}  // namespace stepd::storage
