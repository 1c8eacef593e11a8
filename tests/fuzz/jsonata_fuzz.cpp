// libFuzzer target: JSONata, parsed and evaluated as a state machine's
// expressions are (Step Functions' extra functions, $eval refused), against
// a small fixed input, under the engine's guards: depth, native stack, a
// time limit and the size guards of src/jsonata. A hostile expression must
// end with an error (U1001, D...), never a hang, a crash or an overflow.
//
// Input: the expression text.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json/parse.hpp>

#include "src/engine/jsonata_env.h"
#include "src/jsonata/jsonata.h"

using namespace stepd;

namespace {

const boost::json::value& input() {
  static const boost::json::value v = boost::json::parse(R"({
    "a": 1, "b": [1, 2, 3], "s": "Hello, World", "n": null, "t": true, "f": -2.5,
    "o": {"x": {"y": 2, "z": [4, 5]}, "w": "text"},
    "items": [{"k": "a", "v": 1, "tags": ["x", "y"]}, {"k": "b", "v": 2.5}, {"k": "a", "v": -3}],
    "date": "2024-02-29T12:34:56.789Z", "big": 1e300, "nested": [[1, [2, [3]]], {"a": {"a": {"a": 1}}}]
  })");
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return -1;  // long expressions add nothing but time
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto expr = jsonata::compile(text);
  if (!expr.ok()) return 0;
  std::uint64_t draws = 0x9e3779b97f4a7c15ull;
  auto entropy = [&draws] { return draws = draws * 6364136223846793005ull + 1442695040888963407ull; };
  jsonata::Bindings bindings;
  engine::define_step_functions(bindings, entropy);
  bindings.bind("states", boost::json::value{{"input", input()}, {"context", {{"Execution", {{"Id", "x"}}}}}});
  bindings.bind("v", 42);
  jsonata::Options options = engine::step_functions_options(1709210096789, entropy);
  // The engine allows 10 s. Here the guard still fires (endless tail calls
  // are easy to reach), but 0.1 s keeps such inputs from taking the fuzzer's time.
  options.time_limit_ms = 100;
  auto r = jsonata::evaluate(**expr, &input(), bindings, options);
  (void)r;
  return 0;
}
