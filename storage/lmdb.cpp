#include "storage/lmdb.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cassert>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <limits>
#include <mutex>
#include <system_error>
#include <utility>

namespace stepd::storage {

struct Env::Impl {
  MDB_env* env = nullptr;
  std::string path;
  SyncMode sync = SyncMode::kSync;
  // Read without the gate by map_size() and WriteTxn::begin; only written
  // inside exclusive(), so a txn that read it saw the map it runs on.
  std::atomic<std::size_t> map_size{0};
  std::deque<std::string> table_names;  // Table::name_ points here; a deque never moves them
  bool opened = false;                  // mdb_env_open succeeded

  // The gate between open txns and a remap (mdb_env_set_mapsize munmaps the
  // file; LMDB leaves it to the caller to ensure no txn is open).
  std::mutex mu;
  std::condition_variable cv;
  int open_txns = 0;       // guarded by mu
  bool remapping = false;  // guarded by mu; holds back new txns so a remap is not starved

  ~Impl() {
    if (env == nullptr) return;
    assert(open_txns == 0 && "an Env destroyed while a txn is open");
    // MDB_NOSYNC left the last commits in the page cache: flush them once at
    // a clean close, so that a graceful shutdown is durable in both modes.
    if (opened && sync == SyncMode::kNoSync) mdb_env_sync(env, 1);
    mdb_env_close(env);
  }

  void enter() {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return !remapping; });
    ++open_txns;
  }

  void leave() {
    std::lock_guard<std::mutex> l(mu);
    if (--open_txns == 0 && remapping) cv.notify_all();
  }

  // Runs fn (returning an LMDB rc) while no txn of this process is open.
  template <class F>
  int exclusive(F fn) {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return !remapping; });
    remapping = true;
    cv.wait(l, [&] { return open_txns == 0; });
    int rc = fn();
    remapping = false;
    cv.notify_all();
    return rc;
  }

  void refresh_map_size() {
    MDB_envinfo info;
    if (mdb_env_info(env, &info) == 0) map_size.store(info.me_mapsize);
  }

  // Another process grew the map (MDB_MAP_RESIZED): size 0 adopts its size.
  int adopt_map_size() {
    return exclusive([&] {
      int rc = mdb_env_set_mapsize(env, 0);
      if (rc == 0) refresh_map_size();
      return rc;
    });
  }
};

namespace {

Status lmdb_status(std::string_view op, std::string_view subject, int rc) {
  std::string msg;
  msg.append(op).append("(").append(subject).append("): ").append(mdb_strerror(rc));
  Code code = Code::kIo;
  if (rc == MDB_NOTFOUND) {
    code = Code::kNotFound;
  } else if (rc == EINVAL || rc == MDB_BAD_VALSIZE || rc == MDB_BAD_DBI) {
    code = Code::kInvalidArgument;
  }
  return Status(code, std::move(msg));
}

MDB_val val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }

std::string_view view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

Status ended(std::string_view op, const Table& table) {
  return Status::internal(std::string(op) + "(" + std::string(table.name()) + "): the txn has ended");
}

}  // namespace

// ---------------------------------------------------------------- Env

Env::Env(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Env::Env(Env&&) noexcept = default;
Env& Env::operator=(Env&&) noexcept = default;
Env::~Env() = default;

Result<Env> Env::open(const std::string& dir, const EnvOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::error_code ec_dir;
  if (!std::filesystem::is_directory(dir, ec_dir)) {
    return Status::io("open(" + dir + "): not a directory" + (ec ? ": " + ec.message() : std::string()));
  }

  auto impl = std::make_unique<Impl>();
  impl->path = dir;
  impl->sync = options.sync;
  int rc = mdb_env_create(&impl->env);
  if (rc != 0) {
    impl->env = nullptr;
    return lmdb_status("mdb_env_create", dir, rc);
  }
  // A map size that is not a multiple of the OS page is legal for mmap, but
  // lmdb.h asks for one; round up.
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t map_size = (std::max(options.map_size, page) + page - 1) / page * page;
  if ((rc = mdb_env_set_maxdbs(impl->env, options.max_tables)) != 0 ||
      (rc = mdb_env_set_maxreaders(impl->env, options.max_readers)) != 0 ||
      (rc = mdb_env_set_mapsize(impl->env, map_size)) != 0) {
    return lmdb_status("mdb_env_set", dir, rc);
  }
  unsigned flags = MDB_NOTLS;
  if (options.sync == SyncMode::kNoSync) flags |= MDB_NOSYNC;
  rc = mdb_env_open(impl->env, dir.c_str(), flags, 0600);
  if (rc != 0) {
    Status s = lmdb_status("mdb_env_open", dir, rc);
    mdb_env_close(impl->env);  // lmdb.h: the handle must be closed after a failed open
    impl->env = nullptr;
    if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH) {
      return Status::io(s.message() + " (" + dir +
                        "/data.mdb is not an LMDB environment of this version: a foreign or corrupt file)");
    }
    return s;
  }
  impl->opened = true;
  impl->refresh_map_size();
  // A data file shorter than the pages its last committed txn uses (cut
  // short, or copied in part) would fault with SIGBUS at the first read of
  // a page past its end: refuse it here, naming it. (A committed txn's
  // pages are all written before its meta page, so a whole file is never
  // shorter.)
  MDB_envinfo info{};
  MDB_stat st{};
  struct stat file {};
  const std::string data_file = dir + "/data.mdb";
  if (mdb_env_info(impl->env, &info) == 0 && mdb_env_stat(impl->env, &st) == 0 &&
      ::stat(data_file.c_str(), &file) == 0) {
    const std::uint64_t needed = (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * st.ms_psize;
    if (static_cast<std::uint64_t>(file.st_size) < needed) {
      return Status::io(data_file + " is truncated: " + std::to_string(file.st_size) +
                        " bytes, but its last committed transaction uses " + std::to_string(needed) +
                        " (a damaged or partly copied file)");  // ~Impl closes the env
    }
  }
  return Env(std::move(impl));
}

Result<Table> Env::table(const std::string& name, bool create) {
  Impl& e = *impl_;
  e.enter();
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(e.env, nullptr, create ? 0 : MDB_RDONLY, &txn);
  if (rc != 0) {
    e.leave();
    return lmdb_status("mdb_txn_begin", name, rc);
  }
  MDB_dbi dbi = 0;
  rc = mdb_dbi_open(txn, name.c_str(), create ? MDB_CREATE : 0, &dbi);
  if (rc != 0) {
    mdb_txn_abort(txn);
    e.leave();
    return lmdb_status("mdb_dbi_open", name, rc);
  }
  // Committing (even a read txn) is what makes the DBI handle the env's.
  rc = mdb_txn_commit(txn);
  e.leave();
  if (rc != 0) return lmdb_status("mdb_txn_commit", name, rc);
  e.table_names.push_back(name);
  return Table(dbi, e.table_names.back());
}

Result<bool> Env::is_empty() {
  Impl& e = *impl_;
  e.enter();
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(e.env, nullptr, MDB_RDONLY, &txn);
  MDB_dbi main_dbi = 0;
  MDB_stat st{};
  if (rc == 0) rc = mdb_dbi_open(txn, nullptr, 0, &main_dbi);
  if (rc == 0) rc = mdb_stat(txn, main_dbi, &st);
  if (txn != nullptr) mdb_txn_abort(txn);
  e.leave();
  if (rc != 0) return lmdb_status("mdb_stat", "(main)", rc);
  // Named tables are keys of the main database, so no key means no table.
  return st.ms_entries == 0;
}

Status Env::grow_map(std::size_t seen) {
  Impl& e = *impl_;
  std::size_t wanted = 0;
  int rc = e.exclusive([&] {
    if (e.map_size.load() > seen) return 0;
    if (seen > std::numeric_limits<std::size_t>::max() / 2) return ENOMEM;
    wanted = seen * 2;
    int r = mdb_env_set_mapsize(e.env, wanted);
    e.refresh_map_size();
    return r;
  });
  if (rc != 0) return lmdb_status("mdb_env_set_mapsize", e.path + ", " + std::to_string(wanted) + " bytes", rc);
  return Status();
}

std::size_t Env::map_size() const { return impl_->map_size.load(); }
SyncMode Env::sync_mode() const { return impl_->sync; }
const std::string& Env::path() const { return impl_->path; }

// ---------------------------------------------------------------- Txn

Txn::Txn(Txn&& other) noexcept : env_(other.env_), txn_(std::exchange(other.txn_, nullptr)) {}

Txn& Txn::operator=(Txn&& other) noexcept {
  if (this != &other) {
    finish();
    env_ = other.env_;
    txn_ = std::exchange(other.txn_, nullptr);
  }
  return *this;
}

Txn::~Txn() { finish(); }

void Txn::finish() {
  if (txn_ == nullptr) return;
  mdb_txn_abort(txn_);
  txn_ = nullptr;
  env_->leave();
}

Result<std::string_view> Txn::get(const Table& table, std::string_view key) const {
  if (txn_ == nullptr) return ended("mdb_get", table);
  MDB_val k = val(key);
  MDB_val v{0, nullptr};
  int rc = mdb_get(txn_, table.dbi_, &k, &v);
  if (rc != 0) return lmdb_status("mdb_get", table.name(), rc);
  return view(v);
}

Result<Cursor> Txn::cursor(const Table& table) const {
  if (txn_ == nullptr) return ended("mdb_cursor_open", table);
  MDB_cursor* c = nullptr;
  int rc = mdb_cursor_open(txn_, table.dbi_, &c);
  if (rc != 0) return lmdb_status("mdb_cursor_open", table.name(), rc);
  return Cursor(c, table);
}

Result<std::uint64_t> Txn::entries(const Table& table) const {
  if (txn_ == nullptr) return ended("mdb_stat", table);
  MDB_stat st{};
  int rc = mdb_stat(txn_, table.dbi_, &st);
  if (rc != 0) return lmdb_status("mdb_stat", table.name(), rc);
  return static_cast<std::uint64_t>(st.ms_entries);
}

namespace {

// Begins a txn inside the gate. A map grown by another process shows up as
// MDB_MAP_RESIZED at begin; adopting it once and retrying is LMDB's recipe.
int begin_txn(Env::Impl& e, unsigned flags, MDB_txn** txn) {
  for (int attempt = 0;; ++attempt) {
    e.enter();
    int rc = mdb_txn_begin(e.env, nullptr, flags, txn);
    if (rc == 0) return 0;
    e.leave();
    if (rc != MDB_MAP_RESIZED || attempt > 0) return rc;
    rc = e.adopt_map_size();
    if (rc != 0) return rc;
  }
}

}  // namespace

Result<ReadTxn> ReadTxn::begin(Env& env) {
  MDB_txn* txn = nullptr;
  int rc = begin_txn(*env.impl_, MDB_RDONLY, &txn);
  if (rc != 0) return lmdb_status("mdb_txn_begin", "read", rc);
  return ReadTxn(env.impl_.get(), txn);
}

Result<WriteTxn> WriteTxn::begin(Env& env) {
  MDB_txn* txn = nullptr;
  int rc = begin_txn(*env.impl_, 0, &txn);
  if (rc != 0) return lmdb_status("mdb_txn_begin", "write", rc);
  // Inside the gate no remap can happen, so this is the map the txn runs on.
  return WriteTxn(env.impl_.get(), txn, env.impl_->map_size.load());
}

Status WriteTxn::fail(const char* op, const Table& table, int rc) {
  if (rc == MDB_MAP_FULL) map_full_ = true;
  if (rc == MDB_TXN_FULL) txn_full_ = true;
  return lmdb_status(op, table.name(), rc);
}

Status WriteTxn::put(const Table& table, std::string_view key, std::string_view value) {
  if (txn_ == nullptr) return ended("mdb_put", table);
  MDB_val k = val(key);
  MDB_val v = val(value);
  int rc = mdb_put(txn_, table.dbi_, &k, &v, 0);
  return rc == 0 ? Status() : fail("mdb_put", table, rc);
}

Result<bool> WriteTxn::put_new(const Table& table, std::string_view key, std::string_view value) {
  if (txn_ == nullptr) return ended("mdb_put", table);
  MDB_val k = val(key);
  MDB_val v = val(value);
  int rc = mdb_put(txn_, table.dbi_, &k, &v, MDB_NOOVERWRITE);
  if (rc == 0) return true;
  if (rc == MDB_KEYEXIST) return false;  // LMDB points v at the stored value; unused
  return fail("mdb_put", table, rc);
}

Status WriteTxn::del(const Table& table, std::string_view key) {
  if (txn_ == nullptr) return ended("mdb_del", table);
  MDB_val k = val(key);
  int rc = mdb_del(txn_, table.dbi_, &k, nullptr);
  return rc == 0 ? Status() : fail("mdb_del", table, rc);
}

Status WriteTxn::commit() {
  if (txn_ == nullptr) return Status::internal("mdb_txn_commit: the txn has ended");
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;  // freed by LMDB whatever rc says
  env_->leave();
  if (rc == 0) return Status();
  if (rc == MDB_MAP_FULL) map_full_ = true;
  Status s = lmdb_status("mdb_txn_commit", env_->path, rc);
  if (rc == EIO || rc == ENOSPC || rc == EFBIG || rc == EDQUOT) {
    // A write past what the file system holds: ENOSPC, or a short write
    // that LMDB reports as EIO. Say how much room is left, so a full disk
    // reads as one.
    struct statvfs fs {};
    if (::statvfs(env_->path.c_str(), &fs) == 0) {
      const std::uint64_t free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
      s = Status::io(s.message() + " (the file system holding " + env_->path + " has " + std::to_string(free_bytes) +
                     " bytes free" + (free_bytes < (std::uint64_t{1} << 20) ? ": it is full)" : ")"));
    }
  }
  return s;
}

// ---------------------------------------------------------------- Cursor

Cursor::Cursor(Cursor&& other) noexcept
    : cursor_(std::exchange(other.cursor_, nullptr)), table_(other.table_), key_(other.key_), value_(other.value_) {}

Cursor& Cursor::operator=(Cursor&& other) noexcept {
  if (this != &other) {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
    cursor_ = std::exchange(other.cursor_, nullptr);
    table_ = other.table_;
    key_ = other.key_;
    value_ = other.value_;
  }
  return *this;
}

Cursor::~Cursor() {
  if (cursor_ != nullptr) mdb_cursor_close(cursor_);
}

Status Cursor::move(MDB_cursor_op op, const char* op_name) {
  if (cursor_ == nullptr) return ended("mdb_cursor_get", table_);
  int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
  if (rc == 0) return Status();
  return lmdb_status("mdb_cursor_get", std::string(table_.name()) + ", " + op_name, rc);
}

Status Cursor::first() { return move(MDB_FIRST, "MDB_FIRST"); }
Status Cursor::last() { return move(MDB_LAST, "MDB_LAST"); }
Status Cursor::next() { return move(MDB_NEXT, "MDB_NEXT"); }
Status Cursor::prev() { return move(MDB_PREV, "MDB_PREV"); }

Status Cursor::seek(std::string_view key) {
  key_ = val(key);
  return move(MDB_SET_RANGE, "MDB_SET_RANGE");
}

}  // namespace stepd::storage
