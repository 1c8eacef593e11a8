#pragma once
// stepd::Status and stepd::Result<T>: the one way errors travel in stepd.
//
// A failed Status means stepd could not do what was asked (an invalid
// definition, a bad path, a corrupt record). ASL failures inside a running
// execution (States.TaskFailed, a Fail state) are data, not Status.
// Safe to copy from any thread; OK costs one null pointer.

#include <cassert>
#include <memory>
#include <string>
#include <utility>
#include <variant>

namespace stepd {

enum class Code : unsigned char {
  kOk = 0,
  kInvalidArgument,   // malformed input: JSON, path, intrinsic, definition
  kNotFound,          // a path or a key that does not resolve
  kFailed,            // an ASL-level failure carried with an error name (see error())
  kInternal,          // a stepd bug
  kIo,                // a file could not be read or written
};

class Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message, std::string error = {})
      : rep_(code == Code::kOk ? nullptr
                               : std::make_shared<Rep>(Rep{code, std::move(message), std::move(error)})) {}

  static Status ok_status() { return Status(); }
  static Status invalid(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status not_found(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }
  static Status io(std::string msg) { return Status(Code::kIo, std::move(msg)); }
  // An ASL error with its name (e.g. "States.IntrinsicFailure") and cause text.
  static Status failed(std::string error, std::string cause) {
    return Status(Code::kFailed, std::move(cause), std::move(error));
  }

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return rep_ ? rep_->code : Code::kOk; }
  // The human-readable reason (for kFailed: the cause text). Empty when OK.
  const std::string& message() const { return rep_ ? rep_->message : empty(); }
  // For kFailed: the ASL error name. Empty otherwise.
  const std::string& error() const { return rep_ ? rep_->error : empty(); }

 private:
  struct Rep {
    Code code;
    std::string message;
    std::string error;
  };
  static const std::string& empty() {
    static const std::string kEmpty;
    return kEmpty;
  }
  std::shared_ptr<const Rep> rep_;
};

// A T, or the Status saying why not. REQUIRES: value() only when ok().
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {     // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result built from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // By value on a temporary, so `for (auto& x : *f())` owns what it walks.
  T operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace stepd
