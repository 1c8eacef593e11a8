#pragma once
// The 18 States.* intrinsic functions of JSONPath mode (ASL Appendix B).
//
// A call such as `States.Format('Hello {}', $.name)` is parsed once when a
// definition is compiled; evaluation resolves path arguments through
// jsonpath::Documents and draws randomness (States.UUID, States.MathRandom
// without seed) only from the caller's entropy, so the engine stays pure.
// Parsed expressions are immutable and safe to share between threads.

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include <boost/json/value.hpp>

#include "src/common/status.h"
#include "src/jsonpath/jsonpath.h"

namespace stepd::intrinsics {

namespace bj = boost::json;

class Expr;  // a parsed call; defined in intrinsics.cpp

// True when `text` (the value of a `.$` key) is meant as an intrinsic call,
// i.e. it starts with "States.".
bool looks_like_call(std::string_view text);

// Parses a call with its arguments ('strings' with \' \{ \} \\ escapes,
// numbers, null, true/false, paths, nested calls up to depth 10). Unknown
// function names and bad argument counts that can be seen statically fail
// here with kInvalidArgument and a message naming the function.
Result<std::shared_ptr<const Expr>> parse(std::string_view text);

// Evaluates a parsed call. `entropy` returns 64 random bits each time it is
// called (the engine gives a deterministic generator). Failures are
// Status::failed("States.IntrinsicFailure", <message>) or, when a path
// argument does not resolve, Status kNotFound with jsonpath's message.
Result<bj::value> eval(const Expr& expr, const jsonpath::Documents& docs,
                       const std::function<std::uint64_t()>& entropy);

}  // namespace stepd::intrinsics
