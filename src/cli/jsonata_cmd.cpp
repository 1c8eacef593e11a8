#include "src/cli/jsonata_cmd.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "src/jsonata/jsonata.h"

namespace bj = boost::json;

namespace stepd::cli {

CLI::App* add_jsonata_command(CLI::App& app, JsonataArgs& a) {
  auto* cmd = app.add_subcommand("jsonata", "Evaluate a JSONata expression against a JSON document");
  auto* in = cmd->add_option("--input", a.input, "The input document as JSON text");
  auto* file = cmd->add_option("--input-file", a.input_file, "Read the input document from a file")->excludes(in);
  cmd->add_flag("--no-input", a.no_input, "Evaluate with no input (`$` is undefined; the default)")
      ->excludes(in)
      ->excludes(file);
  cmd->add_option("--bindings", a.bindings, "Variables as a JSON object: {\"name\": value} binds $name");
  cmd->add_option("--max-depth", a.max_depth, "Maximum evaluation depth (error U1001 beyond it)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--time-limit-ms", a.time_limit_ms, "Maximum evaluation time in ms (error U1001 beyond it)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", a.json,
                "Print one JSON object: {\"result\": ...}, {\"undefined\": true} or {\"error\": {...}}");
  cmd->add_option("expression", a.expression, "The JSONata expression (after `--` when it begins with `-`)")
      ->required();
  return cmd;
}

namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

int usage_error(const std::string& msg) {
  std::cerr << "stepd jsonata: " << msg << "\n";
  return 1;
}

}  // namespace

int cmd_jsonata(const JsonataArgs& a) {
  std::optional<bj::value> input;
  std::string text;
  if (!a.input_file.empty()) {
    if (!read_file(a.input_file, text)) return usage_error("cannot read " + a.input_file);
  } else if (!a.input.empty()) {
    text = a.input;
  }
  if (!a.input_file.empty() || !a.input.empty()) {
    boost::system::error_code ec;
    bj::value v = bj::parse(text, ec);
    if (ec) return usage_error("the input is not valid JSON: " + ec.message());
    input = std::move(v);
  }
  jsonata::Bindings bindings;
  if (!a.bindings.empty()) {
    boost::system::error_code ec;
    bj::value v = bj::parse(a.bindings, ec);
    if (ec || !v.is_object()) return usage_error("--bindings must be a JSON object");
    for (auto& kv : v.as_object()) {
      std::string name(kv.key());
      if (!name.empty() && name[0] == '$') name.erase(0, 1);
      bindings.bind(std::move(name), kv.value());
    }
  }
  jsonata::Options opts;
  opts.max_depth = a.max_depth;
  opts.time_limit_ms = a.time_limit_ms;
  opts.clock_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  opts.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
  opts.random = [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };

  jsonata::ErrorDetail detail;
  Result<std::optional<bj::value>> result = std::optional<bj::value>();
  auto expr = jsonata::compile(a.expression, &detail);
  if (expr.ok()) result = jsonata::evaluate(**expr, input ? &*input : nullptr, bindings, opts, &detail);
  if (!expr.ok() || !result.ok()) {
    if (a.json) {
      bj::object err;
      err["code"] = detail.code;
      err["message"] = detail.message;
      err["position"] = detail.position < 0 ? 0 : detail.position;
      bj::object out;
      out["error"] = std::move(err);
      std::cout << bj::serialize(out) << "\n";
    } else {
      std::cerr << "stepd jsonata: " << detail.code;
      if (detail.position >= 0) std::cerr << " at position " << detail.position;
      std::cerr << ": " << detail.message << "\n";
    }
    return 1;
  }
  const auto& value = *result;
  if (a.json) {
    bj::object out;
    if (value) out["result"] = *value;
    else out["undefined"] = true;
    std::cout << bj::serialize(out) << "\n";
  } else if (value) {
    std::cout << bj::serialize(*value) << "\n";
  }
  return 0;
}

}  // namespace stepd::cli
