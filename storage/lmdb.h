#pragma once
// A small RAII layer over the LMDB C API (liblmdb 0.9.24): each handle has an
// owner that releases it, and each LMDB error becomes a Status naming the call
// and the table, e.g. "mdb_put(history): MDB_MAP_FULL: Environment mapsize
// limit reached". No exception leaves this header.
//
// Caveats first, as lmdb.h puts them:
// - A txn is used by one thread at a time and lives inside one function call:
//   never in actor state, never across messages. The env is opened with
//   MDB_NOTLS, so a read txn is not tied to the thread that began it.
// - One txn per thread at a time. A thread that holds a txn must not begin a
//   second one nor wait for the Writer: growing the map (Env::grow_map) waits
//   until no txn of this process is open, and LMDB allows one write txn per
//   environment (a second mdb_txn_begin blocks until the first ends).
// - Bytes returned by get() and by a Cursor belong to LMDB: read-only, and
//   valid until the txn ends (in a write txn: until its next put or del).
//   Copy out only what must outlive the txn.
//
// Status codes: kNotFound for an absent key or the end of a cursor walk (an
// answer, not an error); kInvalidArgument for a bad table handle or a key or
// value LMDB refuses (MDB_BAD_VALSIZE, EINVAL); kIo for everything else.

#include <lmdb.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "src/common/status.h"

namespace stepd::storage {

// How far a commit goes before it returns.
enum class SyncMode {
  kSync,    // fsync per commit: a commit that returned OK survives a crash
  kNoSync,  // MDB_NOSYNC: commits reach the page cache only (tests, EXPRESS)
};

// How Env::open sets up a new or existing environment.
struct EnvOptions {
  // The initial map, i.e. the most the file may grow to before Env::grow_map
  // doubles it. Only address space: the file grows as pages are written.
  std::size_t map_size = std::size_t{1} << 30;
  // Named tables the env may open (mdb_env_set_maxdbs): stepd's store has
  // 15 (storage/store.h); the rest is room for new ones.
  unsigned max_tables = 32;
  unsigned max_readers = 126;  // read txns open at once, all processes together
  SyncMode sync = SyncMode::kSync;
};

// A named LMDB database (a DBI) of one Env: a handle, cheap to copy.
// Valid as long as its Env. A default-constructed Table names no database:
// every use fails with kInvalidArgument.
class Table {
 public:
  Table() = default;
  std::string_view name() const { return name_; }

 private:
  friend class Env;
  friend class Txn;
  friend class WriteTxn;
  Table(MDB_dbi dbi, std::string_view name) : dbi_(dbi), name_(name) {}

  MDB_dbi dbi_ = ~MDB_dbi{0};  // beyond any opened DBI: LMDB answers EINVAL
  std::string_view name_ = "(no table)";
};

// An open LMDB environment (one directory: data.mdb + lock.mdb).
// Safe from any thread, except table(), which LMDB wants called while no txn
// is open (at startup). Move-only; closes the environment when destroyed.
// REQUIRES: destroyed after every txn, cursor and Writer that uses it.
class Env {
 public:
  // Opens (creating when missing) the environment in directory `dir`.
  // A directory holding a file that is not an LMDB environment, or one of
  // another LMDB version, or a data.mdb shorter than its last committed
  // txn needs (truncated), gives kIo naming the file; never a crash.
  static Result<Env> open(const std::string& dir, const EnvOptions& options = {});

  Env(Env&&) noexcept;
  Env& operator=(Env&&) noexcept;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  ~Env();

  // The named table; created when missing if `create`, else kNotFound.
  // REQUIRES: no txn of this Env is open (LMDB's rule for mdb_dbi_open).
  Result<Table> table(const std::string& name, bool create = true);

  // True for an environment with no tables and no data yet.
  Result<bool> is_empty();

  // Makes the map at least twice `seen`, the map_size() observed when a txn
  // failed with MDB_MAP_FULL; does nothing if the map is already larger than
  // `seen` (another thread grew it). Waits until no txn of this process is
  // open and holds new ones back meanwhile: LMDB remaps the file, which
  // would pull the pages from under a reader.
  // REQUIRES: the calling thread holds no txn.
  Status grow_map(std::size_t seen);

  std::size_t map_size() const;
  SyncMode sync_mode() const;
  const std::string& path() const;

  struct Impl;  // shared with the txn classes in lmdb.cpp

 private:
  friend class ReadTxn;
  friend class WriteTxn;
  explicit Env(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;  // stable address: txns point at it across moves
};

class Cursor;

// What read and write txns share: point reads and cursors. Not constructed
// directly; see ReadTxn and WriteTxn.
class Txn {
 public:
  Txn(Txn&& other) noexcept;
  Txn& operator=(Txn&& other) noexcept;  // ends this txn first
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  // The value stored under `key`: LMDB's bytes, valid until this txn ends
  // (in a write txn, until its next put or del). kNotFound when absent.
  Result<std::string_view> get(const Table& table, std::string_view key) const;

  // A cursor over `table`. REQUIRES: destroyed before this txn ends.
  Result<Cursor> cursor(const Table& table) const;

  // How many keys `table` holds, as of this txn.
  Result<std::uint64_t> entries(const Table& table) const;

 protected:
  Txn(Env::Impl* env, MDB_txn* txn) : env_(env), txn_(txn) {}
  ~Txn();
  void finish();  // aborts if still open, and lets a waiting grow_map go on

  Env::Impl* env_ = nullptr;
  MDB_txn* txn_ = nullptr;  // null once ended
};

// A read-only snapshot. Many may be open at once, from any threads.
// Move-only; ended (aborted, which is how LMDB ends a reader) when destroyed.
class ReadTxn : public Txn {
 public:
  static Result<ReadTxn> begin(Env& env);
  ReadTxn(ReadTxn&&) noexcept = default;
  ReadTxn& operator=(ReadTxn&&) noexcept = default;

 private:
  using Txn::Txn;
};

// The environment's one write txn: a second begin (any thread) blocks until
// this one ends. Move-only; aborted when destroyed unless commit() was called.
class WriteTxn : public Txn {
 public:
  static Result<WriteTxn> begin(Env& env);
  WriteTxn(WriteTxn&&) noexcept = default;
  WriteTxn& operator=(WriteTxn&&) noexcept = default;

  // Stores `value` under `key`, replacing any value there.
  Status put(const Table& table, std::string_view key, std::string_view value);
  // Stores `value` under `key` unless the key is present (MDB_NOOVERWRITE),
  // when nothing changes. True when it stored, false when the key was there.
  Result<bool> put_new(const Table& table, std::string_view key, std::string_view value);
  // Removes `key`; kNotFound when it was absent (nothing changes then).
  Status del(const Table& table, std::string_view key);

  // Ends the txn either way (LMDB frees it even when the commit fails).
  // OK means the changes are in the file, and, in SyncMode::kSync, on disk.
  Status commit();

  // True when a put, del or commit failed with MDB_MAP_FULL: the caller may
  // end this txn, Env::grow_map(map_size seen at begin) and retry the work.
  bool map_full() const { return map_full_; }
  // True when a put or del failed with MDB_TXN_FULL: this txn dirtied more
  // pages than LMDB holds in one txn; smaller txns will do.
  bool txn_full() const { return txn_full_; }
  // The map size when this txn began, for grow_map.
  std::size_t map_size_at_begin() const { return map_size_at_begin_; }

 private:
  WriteTxn(Env::Impl* env, MDB_txn* txn, std::size_t map_size) : Txn(env, txn), map_size_at_begin_(map_size) {}
  Status fail(const char* op, const Table& table, int rc);

  bool map_full_ = false;
  bool txn_full_ = false;
  std::size_t map_size_at_begin_ = 0;
};

// A position in one table, in key order (bytewise, see storage/keys.h).
// Each move returns OK when it lands on a key, kNotFound when it runs off
// the end of the table. Move-only; closed when destroyed.
// REQUIRES: destroyed before its txn ends.
class Cursor {
 public:
  Cursor(Cursor&& other) noexcept;
  Cursor& operator=(Cursor&& other) noexcept;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor();

  Status first();
  Status last();
  Status next();
  Status prev();
  // Lands on the first key >= `key`.
  Status seek(std::string_view key);

  // The current key and value: LMDB's bytes, valid as for Txn::get.
  // REQUIRES: the last move returned OK.
  std::string_view key() const { return {static_cast<const char*>(key_.mv_data), key_.mv_size}; }
  std::string_view value() const { return {static_cast<const char*>(value_.mv_data), value_.mv_size}; }

 private:
  friend class Txn;
  Cursor(MDB_cursor* cursor, const Table& table) : cursor_(cursor), table_(table) {}
  Status move(MDB_cursor_op op, const char* op_name);

  MDB_cursor* cursor_ = nullptr;
  Table table_;  // for error messages
  MDB_val key_{0, nullptr};
  MDB_val value_{0, nullptr};
};

}  // namespace stepd::storage
