// The one Catch2 main for stepd_tests. The server log (src/log/log.h) is
// kept to warnings and errors, so that runtimes opened by the tests do not
// fill the output with their start-up lines.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "src/log/log.h"

int main(int argc, char* argv[]) {
  stepd::log::configure(stepd::log::Level::kWarn, stepd::log::Format::kText);
  return Catch::Session().run(argc, argv);
}
