#include "storage/writer.h"

#include <algorithm>
#include <future>
#include <limits>
#include <numeric>
#include <utility>

namespace stepd::storage {

namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// Each grow doubles the map, so a handful always suffices unless the disk or
// the address space is exhausted, when grow_map itself fails.
constexpr int kMaxGrows = 32;

}  // namespace

// How one txn over some requests of a group ended. The txn has ended.
struct Writer::Attempt {
  Status status;               // OK when committed
  std::size_t failed = kNone;  // the request whose op failed; kNone: the txn as a whole failed
  bool txn_full = false;       // MDB_TXN_FULL: too much for one txn, no request is to blame
  bool map_full = false;
  std::size_t map_size_seen = 0;
};

Writer::Writer(Env& env) : env_(env) { thread_ = std::thread([this] { run(); }); }

Writer::~Writer() { close(); }

void Writer::submit(Batch batch, WriteCallback done) {
  bool queued = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!closing_) {
      queue_.push_back(Request{std::move(batch), std::move(done)});
      queued = true;
    }
  }
  if (queued) {
    cv_.notify_one();
  } else if (done) {
    done(Status::io("writer closed: batch not written"));
  }
}

Status Writer::write(Batch batch) {
  if (std::this_thread::get_id() == thread_.get_id()) {
    return Status::internal("Writer::write called from a write callback: it would wait for its own thread");
  }
  std::promise<Status> answer;
  std::future<Status> answered = answer.get_future();
  submit(std::move(batch), [&answer](const Status& s) { answer.set_value(s); });
  return answered.get();
}

void Writer::close() {
  {
    std::lock_guard<std::mutex> l(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  // From a callback the thread cannot join itself; it stops once drained and
  // the destructor joins it.
  if (std::this_thread::get_id() == thread_.get_id()) return;
  std::lock_guard<std::mutex> l(close_mu_);
  if (thread_.joinable()) thread_.join();
}

WriterStats Writer::stats() const {
  WriterStats s;
  s.requests = requests_.load();
  s.ops = ops_.load();
  s.commits = commits_.load();
  s.map_grows = map_grows_.load();
  s.failed = failed_.load();
  return s;
}

void Writer::run() {
  std::vector<Request> group;
  for (;;) {
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing, and drained
      group.swap(queue_);          // everything pending: this is the group commit
    }
    commit_group(group);
    group.clear();  // keeps its capacity; swapped back in as the next queue
  }
}

void Writer::commit_group(std::vector<Request>& group) {
  std::vector<Status> results(group.size());
  std::vector<std::size_t> which(group.size());
  std::iota(which.begin(), which.end(), std::size_t{0});

  auto committed = [&](const std::vector<std::size_t>& done) {
    commits_.fetch_add(1);
    std::uint64_t n = 0;
    for (std::size_t i : done) {
      for (const Op& op : group[i].batch.ops) n += op.require ? 0 : 1;  // a check writes nothing
    }
    ops_.fetch_add(n);
  };

  while (!which.empty()) {
    Attempt a = try_commit(group, which);
    if (a.failed == kNone) {
      for (std::size_t i : which) results[i] = a.status;
      if (a.status.ok()) committed(which);
      break;
    }
    if (a.txn_full && which.size() > 1) {
      for (std::size_t i : which) {
        Attempt one = try_commit(group, {i});
        results[i] = one.status;
        if (one.status.ok()) committed({i});
      }
      break;
    }
    // The failure is this request's own (LMDB refused one of its ops before
    // any change could depend on it): answer it, retry the others without it.
    results[a.failed] = a.status;
    which.erase(std::find(which.begin(), which.end(), a.failed));
  }

  for (std::size_t i = 0; i < group.size(); ++i) {
    requests_.fetch_add(1);
    if (!results[i].ok()) failed_.fetch_add(1);
    if (group[i].done) group[i].done(results[i]);
  }
}

Writer::Attempt Writer::try_commit(const std::vector<Request>& group, const std::vector<std::size_t>& which) {
  // One txn, ended before returning (grow_map waits for every open txn).
  auto once = [&]() -> Attempt {
    Attempt a;
    auto begun = WriteTxn::begin(env_);
    if (!begun.ok()) {
      a.status = begun.status();
      return a;
    }
    WriteTxn txn = std::move(begun).value();
    a.map_size_seen = txn.map_size_at_begin();
    for (std::size_t i : which) {
      for (const Op& op : group[i].batch.ops) {
        if (op.require) {
          auto present = txn.get(op.table, op.key);
          if (present.ok()) continue;
          a.status = present.status().code() == Code::kNotFound
                         ? Status::io(std::string(op.table.name()) + ": " + op.value)
                         : present.status();
          a.failed = i;  // this request's own failure: the others go on without it
          return a;
        }
        Status s = op.erase           ? txn.del(op.table, op.key)
                   : op.keep_existing ? txn.put_new(op.table, op.key, op.value).status()
                                      : txn.put(op.table, op.key, op.value);
        if (s.ok() || (op.erase && s.code() == Code::kNotFound)) continue;
        a.status = s;
        a.map_full = txn.map_full();
        a.txn_full = txn.txn_full();
        // A full map is the group's doing, not this request's: grow and retry all.
        a.failed = a.map_full ? kNone : i;
        return a;
      }
    }
    a.status = txn.commit();
    a.map_full = txn.map_full();
    return a;
  };

  for (int grows = 0;; ++grows) {
    Attempt a = once();
    if (!a.map_full || grows == kMaxGrows) return a;
    Status g = env_.grow_map(a.map_size_seen);
    if (!g.ok()) {
      a.status = g;
      a.failed = kNone;
      return a;
    }
    map_grows_.fetch_add(1);
  }
}

}  // namespace stepd::storage
