#pragma once
// What a JSONata expression of a state machine sees besides its variables:
// Step Functions' extra functions ($partition, $range, $hash, $random with
// an optional seed, $uuid, $parse), $eval refused with AWS's error, and the
// options that give $now()/$millis() the fact's time and $random/$shuffle/
// $uuid the execution's seeded randomness, so a replay reproduces them.
// Internal to src/engine.

#include <cstdint>
#include <functional>

#include "src/jsonata/jsonata.h"

namespace stepd::engine {

// Adds the functions to `b`. `entropy` returns the execution's next random
// 64 bits (the interpreter's draw()); it is called during evaluate() only.
void define_step_functions(jsonata::Bindings& b, const std::function<std::uint64_t()>& entropy);

// Options for one evaluation at `now_ms`, with $random/$shuffle drawing
// from `entropy` and a guard on depth and time.
jsonata::Options step_functions_options(std::int64_t now_ms, const std::function<std::uint64_t()>& entropy);

}  // namespace stepd::engine
