// libFuzzer target: Amazon States Language definitions, validated
// (ValidateStateMachineDefinition's diagnostics) and compiled (what
// CreateStateMachine and every start do), from JSON text.
//
// Input: the definition text.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/asl/machine.h"
#include "src/asl/validate.h"

using namespace stepd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 65536) return -1;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto diagnostics = asl::validate_text(text);
  (void)asl::summarize(diagnostics);
  (void)asl::validation_result(diagnostics);
  auto machine = asl::compile_text(text);
  (void)machine;
  return 0;
}
