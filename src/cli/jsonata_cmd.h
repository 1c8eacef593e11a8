#pragma once
// `stepd jsonata`: evaluate one JSONata expression against one document.

#include <cstdint>
#include <string>

namespace CLI {
class App;
}

namespace stepd::cli {

struct JsonataArgs {
  std::string expression;
  std::string input;
  std::string input_file;
  bool no_input = false;
  std::string bindings;
  int max_depth = 0;
  std::int64_t time_limit_ms = 0;
  bool json = false;
};

// Adds the `jsonata` subcommand to app, filling args when it is parsed.
CLI::App* add_jsonata_command(CLI::App& app, JsonataArgs& args);

// Runs it. Prints the result (or with --json exactly one of {"result": v},
// {"undefined": true}, {"error": {"code", "message", "position"}}).
// Exit code: 0 for a result or undefined, 1 for an error.
int cmd_jsonata(const JsonataArgs& args);

}  // namespace stepd::cli
