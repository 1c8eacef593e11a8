#include "src/maprun/tracker.h"

#include <cstdio>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "src/common/json.h"

namespace stepd::maprun {

namespace {

constexpr std::int64_t kMaxConcurrency = 10000;  // AWS's ceiling for a Distributed Map

bool unsuccessful(ChildStatus s) {
  return s == ChildStatus::kFailed || s == ChildStatus::kTimedOut || s == ChildStatus::kAborted;
}

void count(Counts& c, ChildStatus s, std::int64_t n) {
  switch (s) {
    case ChildStatus::kPending: c.pending += n; break;
    case ChildStatus::kRunning: c.running += n; break;
    case ChildStatus::kSucceeded: c.succeeded += n; break;
    case ChildStatus::kFailed: c.failed += n; break;
    case ChildStatus::kTimedOut: c.timed_out += n; break;
    case ChildStatus::kAborted: c.aborted += n; break;
  }
  c.total += n;
}

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::uint64_t mix(std::uint64_t z) {  // splitmix64's finaliser
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The ARN up to its last ':' with `kind` (":mapRun:") replaced by `with`.
std::string rekind(const std::string& arn, const char* with) {
  std::string out = arn;
  auto p = out.find(":mapRun:");
  if (p != std::string::npos) out.replace(p, 8, with);
  return out;
}

}  // namespace

std::string child_name(const engine::MapRunSpec& spec, std::int64_t index) {
  std::uint64_t a = mix(fnv1a(spec.map_run_arn) ^ mix(static_cast<std::uint64_t>(index) + 1));
  std::uint64_t b = mix(a ^ 0x9e3779b97f4a7c15ULL);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-4%03llx-%04llx-%012llx", static_cast<unsigned long long>(a >> 32),
                static_cast<unsigned long long>((a >> 16) & 0xffff), static_cast<unsigned long long>(a & 0xfff),
                static_cast<unsigned long long>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string child_machine_arn(const engine::MapRunSpec& spec) {
  std::string arn = rekind(spec.map_run_arn, ":stateMachine:");
  return arn.substr(0, arn.rfind(':'));
}

std::string child_machine_name(const engine::MapRunSpec& spec) {
  std::string arn = child_machine_arn(spec);
  auto p = arn.find(":stateMachine:");
  return p == std::string::npos ? arn : arn.substr(p + 14);
}

std::string child_arn(const engine::MapRunSpec& spec, const std::string& name) {
  std::string arn = rekind(spec.map_run_arn, spec.express ? ":express:" : ":execution:");
  return arn.substr(0, arn.rfind(':') + 1) + name;
}

Tracker::Tracker(std::shared_ptr<const engine::MapRunSpec> spec)
    : spec_(std::move(spec)),
      keep_outputs_(spec_->result_writer.is_null()),
      max_concurrency_(spec_->max_concurrency),
      tolerated_count_(spec_->tolerated_count),
      tolerated_percentage_(spec_->tolerated_percentage) {
  form_children();
  decide();  // an empty Map Run succeeds at once
}

void Tracker::form_children() {
  children_.reserve(spec_->inputs.size());
  for (const auto& v : spec_->inputs) add(v);
  if (spec_->item_reader.is_null()) end_items();  // else the runtime adds what the reader reads
}

void Tracker::add(bj::value input) {
  ++items_total_;
  if (!spec_->batching) {
    Slot s;
    s.input = std::move(input);
    children_.push_back(std::move(s));
    return;
  }
  std::size_t size = spec_->max_bytes_per_batch > 0 ? json::json_size(input) : 0;
  bool full_items = spec_->max_items_per_batch > 0 &&
                    static_cast<std::int64_t>(batch_.size()) >= spec_->max_items_per_batch;
  bool full_bytes = spec_->max_bytes_per_batch > 0 && !batch_.empty() &&
                    static_cast<std::int64_t>(batch_bytes_ + size) > spec_->max_bytes_per_batch;
  if (full_items || full_bytes) close_batch();
  batch_.push_back(std::move(input));
  batch_bytes_ += size;
}

void Tracker::close_batch() {
  if (batch_.empty()) return;
  Slot s;
  s.items = static_cast<std::int64_t>(batch_.size());
  bj::object o;
  o["Items"] = std::move(batch_);
  if (spec_->batch_input) o["BatchInput"] = *spec_->batch_input;
  s.input = std::move(o);
  children_.push_back(std::move(s));
  batch_ = bj::array();
  batch_bytes_ = 0;
}

void Tracker::end_items() {
  close_batch();
  items_ended_ = true;
  decide();
}

void Tracker::fail(std::string error, std::string cause) {
  if (outcome_) return;
  Outcome o;
  o.error = std::move(error);
  o.cause = std::move(cause);
  outcome_ = std::move(o);
}

std::optional<Child> Tracker::next() {
  if (outcome_) return std::nullopt;
  std::int64_t window = max_concurrency_ > 0 ? std::min(max_concurrency_, kMaxConcurrency) : kMaxConcurrency;
  if (running_ >= window) return std::nullopt;
  while (cursor_ < children_.size() && children_[cursor_].status != ChildStatus::kPending) ++cursor_;
  if (cursor_ >= children_.size()) return std::nullopt;
  Slot& s = children_[cursor_];
  set_status(s, ChildStatus::kRunning);
  return Child{static_cast<std::int64_t>(cursor_++), s.input};
}

void Tracker::set_status(Slot& s, ChildStatus to) {
  if (s.status == ChildStatus::kRunning) --running_;
  if (s.status != ChildStatus::kPending && s.status != ChildStatus::kRunning) --done_;
  if (unsuccessful(s.status)) items_failed_ -= s.items;
  s.status = to;
  if (to == ChildStatus::kRunning) ++running_;
  if (to != ChildStatus::kPending && to != ChildStatus::kRunning) ++done_;
  if (unsuccessful(to)) items_failed_ += s.items;
}

void Tracker::finished(std::int64_t index, ChildStatus status, bj::value output) {
  if (index < 0 || static_cast<std::size_t>(index) >= children_.size()) return;
  Slot& s = children_[static_cast<std::size_t>(index)];
  if (s.status != ChildStatus::kRunning || status == ChildStatus::kRunning || status == ChildStatus::kPending) return;
  set_status(s, status);
  s.output = status == ChildStatus::kSucceeded && keep_outputs_ ? std::move(output) : bj::value(nullptr);
  if (status == ChildStatus::kSucceeded) s.input = nullptr;  // never runs again: a million items stay small
  decide();
}

void Tracker::restore(std::int64_t index, ChildStatus status, bj::value output) {
  if (index < 0 || static_cast<std::size_t>(index) >= children_.size()) return;
  Slot& s = children_[static_cast<std::size_t>(index)];
  set_status(s, status);
  s.output = status == ChildStatus::kSucceeded && keep_outputs_ ? std::move(output) : bj::value(nullptr);
  if (status == ChildStatus::kSucceeded) s.input = nullptr;
  if (status == ChildStatus::kPending && static_cast<std::size_t>(index) < cursor_) cursor_ = static_cast<std::size_t>(index);
  decide();
}

void Tracker::redrive() {
  for (std::size_t i = 0; i < children_.size(); ++i) {
    if (unsuccessful(children_[i].status)) {
      set_status(children_[i], ChildStatus::kPending);
      if (i < cursor_) cursor_ = i;
    }
  }
  outcome_.reset();
  decide();
}

void Tracker::set_max_concurrency(std::int64_t n) { max_concurrency_ = n; }

void Tracker::set_tolerated(std::optional<std::int64_t> count, std::optional<double> percentage) {
  tolerated_count_ = count;
  tolerated_percentage_ = percentage;
  if (!outcome_) decide();
}

bool Tracker::within_threshold() const {
  if (items_failed_ == 0) return true;
  if (!tolerated_count_ && !tolerated_percentage_) return false;
  bool ok = true;
  if (tolerated_count_) ok = ok && items_failed_ <= *tolerated_count_;
  if (tolerated_percentage_ && items_ended_) {  // a share of all the items: known once they are
    double pct = items_total_ ? 100.0 * static_cast<double>(items_failed_) / static_cast<double>(items_total_) : 0;
    ok = ok && pct <= *tolerated_percentage_;
  }
  return ok;
}

void Tracker::decide() {
  if (outcome_) return;
  if (!within_threshold()) {
    Outcome o;
    o.error = "States.ExceedToleratedFailureThreshold";
    o.cause = "The specified tolerated failure threshold was exceeded";
    outcome_ = std::move(o);
    return;
  }
  if (!items_ended_ || static_cast<std::size_t>(done_) < children_.size()) return;
  Outcome o;
  o.succeeded = true;
  bj::array results;
  results.reserve(children_.size());
  for (const auto& s : children_) results.push_back(s.output);
  o.output = std::move(results);
  outcome_ = std::move(o);
}

std::vector<std::int64_t> Tracker::running() const {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < children_.size(); ++i) {
    if (children_[i].status == ChildStatus::kRunning) out.push_back(static_cast<std::int64_t>(i));
  }
  return out;
}

Counts Tracker::item_counts() const {
  Counts c;
  for (const auto& s : children_) count(c, s.status, s.items);
  return c;
}

Counts Tracker::execution_counts() const {
  Counts c;
  for (const auto& s : children_) count(c, s.status, 1);
  return c;
}

}  // namespace stepd::maprun
