#pragma once
// stepd's JSONata 2.2 engine: compile an expression once, evaluate it many
// times (from any number of threads at once) against JSON documents.
//
//   auto expr = jsonata::compile("$sum(items.price)");
//   if (!expr.ok()) ...                      // S0xxx syntax errors
//   jsonata::Bindings b;  b.bind("limit", 10);
//   auto r = jsonata::evaluate(**expr, &input, b, {});
//   r.ok() ? (*r ? "a value" : "undefined") : r.status().error()  // "T2001"...
//
// Pure: no clock, randomness or I/O inside. $now()/$millis() read
// Options::now_ms, $random/$shuffle read Options::random, and the time
// guard reads Options::clock_ms; the host supplies all three.
// Errors: a failed Status with code kFailed, error() = the JSONata code
// ("S0201", "T2001", "D3030", "U1001", ...), message() = JSONata's text.
// ErrorDetail (optional) adds the character position and token. kInternal
// only for a stepd bug. No exception leaves these functions.
// Guards (all U1001): compile()'s kMaxParseDepth, Options::max_depth, Options::max_stack_bytes, the time
// limit, values nested over 10,000 deep, strings over 256 MiB, results over
// 50M values, `..` ranges over 2e7 items in one evaluation.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "src/common/status.h"

namespace stepd::jsonata {

class Expression;  // a compiled expression: immutable, safe to share between threads

// Where an error happened. position is a byte offset into the expression
// text (jsonata-js reports the offset just past the offending token), -1
// when unknown.
struct ErrorDetail {
  std::string code;
  std::string message;
  int position = -1;
  std::string token;
};

Result<std::shared_ptr<const Expression>> compile(std::string_view text, ErrorDetail* detail = nullptr);

// A host function: its arguments as JSON (nullopt = undefined), its result
// (nullopt = undefined), or a failed Status whose error() becomes the
// JSONata error code. Called on the evaluating thread.
using HostFunction = std::function<Result<std::optional<boost::json::value>>(
    const std::vector<std::optional<boost::json::value>>& args)>;

// Variables (names without `$`) and functions an evaluation sees on top of
// the built-ins. They shadow built-ins of the same name.
class Bindings {
 public:
  // A variable holding a copy of v.
  void bind(std::string name, boost::json::value v);
  // A variable referring to v, which must outlive every evaluate() using it.
  void bind_ref(std::string name, const boost::json::value& v);
  // A function, with an optional JSONata signature (e.g. "<n-n?:n>")
  // validating and coercing its arguments as built-ins do.
  // Returns InvalidArgument when the signature does not parse.
  Status define(std::string name, HostFunction fn, std::string signature = {});
  // Calling `name` (built-in or not) fails with this code and message;
  // ASL mode uses it to refuse $eval.
  void refuse(std::string name, std::string code, std::string message);

  struct Impl;
  const Impl& impl() const;

  Bindings();
  ~Bindings();
  Bindings(Bindings&&) noexcept;
  Bindings& operator=(Bindings&&) noexcept;

 private:
  Impl& mut();
  std::unique_ptr<Impl> impl_;  // null until something is bound
};

struct Options {
  // Maximum nesting of evaluation steps (one per sub-expression being
  // evaluated, as jsonata-js counts); exceeding it fails with U1001.
  // 0 means the engine's default, which keeps the native stack safe.
  int max_depth = 0;
  // The native stack the evaluation may use, whatever max_depth says; past
  // it the evaluation fails with U1001 instead of overflowing the thread's
  // stack. Keep it well below the calling thread's stack size.
  std::size_t max_stack_bytes = 4u << 20;
  // Wall-clock budget in ms (0: none); exceeding it fails with U1001.
  // Enforced only when clock_ms is set.
  std::int64_t time_limit_ms = 0;
  std::function<std::int64_t()> clock_ms;  // a monotonic clock, in ms
  // The instant $now() and $millis() report (ms since the epoch); unset,
  // they return undefined.
  std::optional<std::int64_t> now_ms;
  // Uniform doubles in [0, 1) for $random and $shuffle; unset, $random is
  // undefined and $shuffle keeps the order.
  std::function<double()> random;
};

// The engine's default maximum depth (Options::max_depth == 0).
constexpr int kDefaultMaxDepth = 2000;

// compile() fails with U1001 for an expression nested deeper than this
// (parentheses, operands, operators chained in one expression: each is a
// level of the parse tree), which the parser, its post-processing and the
// tree's destructor would otherwise recurse through without bound.
constexpr int kMaxParseDepth = 1000;

// Evaluates expr against input (nullptr: no input, `$` is undefined).
// The result is nullopt when the expression yields undefined.
// REQUIRES: input and bind_ref'd values outlive the call.
Result<std::optional<boost::json::value>> evaluate(const Expression& expr, const boost::json::value* input,
                                                   const Bindings& bindings = Bindings(),
                                                   const Options& options = Options(),
                                                   ErrorDetail* detail = nullptr);

}  // namespace stepd::jsonata
