// stepd: the command line. `run` and `validate` work without a server.
// The only catch-all for exceptions in the CLI lives here.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "src/asl/machine.h"
#include "src/asl/validate.h"
#include "src/api/serve.h"
#include "src/cli/jsonata_cmd.h"
#include "src/cli/local_run.h"
#include "src/common/json.h"
#include "src/engine/engine.h"
#include "src/mock/mock_config.h"
#include "storage/lmdb_journal.h"
#include "storage/secret_key.h"

namespace bj = boost::json;
using namespace stepd;

namespace {

constexpr const char* kAccount = "123456789012";
constexpr const char* kRegion = "us-east-1";

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string random_uuid() {
  std::random_device rd;
  std::uint64_t a = (static_cast<std::uint64_t>(rd()) << 32) | rd();
  std::uint64_t b = (static_cast<std::uint64_t>(rd()) << 32) | rd();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

// The state machine name `run` gives a definition file: its base name
// without extension, reduced to the characters AWS allows in names.
std::string machine_name_for(const std::string& path) {
  auto slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  auto dot = base.find('.');
  if (dot != std::string::npos && dot > 0) base = base.substr(0, dot);
  std::string out;
  for (char c : base) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty()) out = "StateMachine";
  return out.substr(0, 80);
}

int cmd_validate(const std::string& path) {
  auto text = read_file(path);
  if (!text.ok()) {
    std::cerr << "stepd validate: " << text.status().message() << "\n";
    return 1;
  }
  bj::object result = asl::validation_result(asl::validate_text(*text));
  std::cout << json::to_json(result) << "\n";
  return result["result"] == "FAIL" ? 1 : 0;
}

struct RunArgs {
  std::string definition;
  std::string input;
  std::string input_file;
  std::string name;
  bool virtual_time = false;
  std::string mock_config;
  std::string test_case;
  bool json = false;
};

void print_summary(const engine::ExecutionState& s, const std::vector<engine::Event>& history) {
  std::cout << "status: " << engine::status_name(engine::status(s)) << "\n";
  if (engine::status(s) == engine::ExecutionStatus::kSucceeded) {
    std::cout << "output: " << engine::output_text(s) << "\n";
  } else {
    if (engine::error(s)) std::cout << "error:  " << *engine::error(s) << "\n";
    if (engine::cause(s)) std::cout << "cause:  " << *engine::cause(s) << "\n";
  }
  std::cout << "history (" << history.size() << " events):\n";
  for (const auto& e : history) {
    std::printf("  %4lld  %-28s %s\n", static_cast<long long>(e.id), std::string(engine::event_type_name(e.type)).c_str(),
                e.name.c_str());
  }
}

int cmd_run(const RunArgs& a) {
  auto text = read_file(a.definition);
  if (!text.ok()) {
    std::cerr << "stepd run: " << text.status().message() << "\n";
    return 1;
  }
  auto machine = asl::compile_text(*text);
  if (!machine.ok()) {
    std::cerr << "stepd run: invalid definition " << a.definition << ": " << machine.status().message() << "\n";
    return 1;
  }
  std::string input = "{}";
  if (!a.input_file.empty()) {
    auto in = read_file(a.input_file);
    if (!in.ok()) {
      std::cerr << "stepd run: " << in.status().message() << "\n";
      return 1;
    }
    input = *in;
  } else if (!a.input.empty()) {
    input = a.input;
  }
  if (auto parsed = json::parse(input); !parsed.ok()) {
    std::cerr << "stepd run: the input is not valid JSON: " << parsed.status().message() << "\n";
    return 1;
  }
  std::optional<mock::MockConfig> mocks;
  cli::LocalRunOptions opts;
  opts.virtual_time = a.virtual_time;
  std::string sm_name = machine_name_for(a.definition);
  if (!a.mock_config.empty()) {
    auto mt = read_file(a.mock_config);
    if (!mt.ok()) {
      std::cerr << "stepd run: " << mt.status().message() << "\n";
      return 1;
    }
    auto doc = json::parse(*mt);
    if (!doc.ok()) {
      std::cerr << "stepd run: " << a.mock_config << ": " << doc.status().message() << "\n";
      return 1;
    }
    auto cfg = mock::MockConfig::parse(*doc);
    if (!cfg.ok()) {
      std::cerr << "stepd run: " << a.mock_config << ": " << cfg.status().message() << "\n";
      return 1;
    }
    mocks = std::move(cfg).value();
    if (a.test_case.empty()) {
      std::cerr << "stepd run: --mock-config needs --test-case NAME\n";
      return 1;
    }
    // The machine key: the definition's own name if mocked, else the only one.
    std::string key = sm_name;
    auto names = mocks->machines();
    if (!mocks->has_test_case(key, a.test_case)) {
      key.clear();
      for (const auto& n : names) {
        if (mocks->has_test_case(n, a.test_case)) {
          if (!key.empty()) {
            std::cerr << "stepd run: test case " << a.test_case << " exists for several state machines in "
                      << a.mock_config << "; name the definition file after one of them\n";
            return 1;
          }
          key = n;
        }
      }
    }
    if (key.empty()) {
      std::cerr << "stepd run: no test case " << a.test_case << " in " << a.mock_config << "\n";
      return 1;
    }
    opts.mocks = &*mocks;
    opts.mock_machine = key;
    opts.test_case = a.test_case;
  }

  engine::StartParams p;
  p.execution_name = a.name.empty() ? random_uuid() : a.name;
  p.state_machine_name = sm_name;
  p.region = kRegion;
  p.state_machine_arn = std::string("arn:aws:states:") + kRegion + ":" + kAccount + ":stateMachine:" + sm_name;
  p.execution_arn = std::string("arn:aws:states:") + kRegion + ":" + kAccount + ":execution:" + sm_name + ":" +
                    p.execution_name;
  p.role_arn = std::string("arn:aws:iam::") + kAccount + ":role/stepd-local";
  p.input_text = input;
  p.start_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
  p.seed = (static_cast<std::uint64_t>(std::random_device()()) << 32) | std::random_device()();

  auto result = cli::run_local(std::move(machine).value(), p, opts);
  const auto& s = *result.state;
  if (!a.json) {
    print_summary(s, result.history);
    return 0;
  }
  bj::object out;
  out["status"] = engine::status_name(engine::status(s));
  if (engine::status(s) == engine::ExecutionStatus::kSucceeded) {
    auto v = json::parse(engine::output_text(s));
    out["output"] = v.ok() ? std::move(v).value() : bj::value(nullptr);
  } else {
    if (engine::error(s)) out["error"] = *engine::error(s);
    if (engine::cause(s)) out["cause"] = *engine::cause(s);
  }
  bj::array history;
  history.reserve(result.history.size());
  for (const auto& e : result.history) history.push_back(engine::to_history_json(e));
  out["history"] = std::move(history);
  std::cout << json::to_json(out) << "\n";
  return 0;
}

// The execution named by ARN (or by its bare name when only one matches
// is not supported: ARNs are what the API hands out) in the store at `dir`.
struct Stored {
  std::unique_ptr<storage::Journal> journal;
  storage::ExecutionRecord record;
  std::vector<engine::Event> events;
};

Result<Stored> load(const std::string& dir, const std::string& execution_arn) {
  auto journal = storage::open_lmdb_journal(dir, storage::SyncMode::kSync);
  if (!journal.ok()) return journal.status();
  auto seq = (*journal)->execution_seq(execution_arn);
  if (!seq.ok()) return Status::not_found("no execution " + execution_arn + " in " + dir);
  auto record = (*journal)->execution(*seq);
  if (!record.ok()) return record.status();
  auto events = (*journal)->history(*seq);
  if (!events.ok()) return events.status();
  Stored s;
  s.journal = std::move(journal).value();
  s.record = std::move(record).value();
  s.events = std::move(events).value();
  return s;
}

int cmd_history(const std::string& dir, const std::string& arn) {
  auto stored = load(dir, arn);
  if (!stored.ok()) {
    std::cerr << "stepd history: " << stored.status().message() << "\n";
    return 1;
  }
  bj::array events;
  for (const auto& e : stored->events) events.push_back(engine::to_history_json(e));
  bj::object out;
  out["events"] = std::move(events);
  std::cout << json::to_json(out) << "\n";
  return 0;
}

// Steps through a recorded run with the runtime's own fold: after each
// decision, the events it produced and the state they led to.
int cmd_replay(const std::string& dir, const std::string& arn, std::int64_t until, bool as_json) {
  auto stored = load(dir, arn);
  if (!stored.ok()) {
    std::cerr << "stepd replay: " << stored.status().message() << "\n";
    return 1;
  }
  // The definition the execution ran (its revision), not today's.
  std::string definition;
  if (!stored->record.revision_id.empty()) {
    auto rev = stored->journal->revision(stored->record.revision_id);
    if (rev.ok()) definition = rev->definition;
  }
  if (definition.empty()) {
    auto sm = stored->journal->state_machine(stored->record.state_machine_arn);
    if (!sm.ok()) {
      std::cerr << "stepd replay: " << sm.status().message() << "\n";
      return 1;
    }
    definition = sm->definition;
  }
  // Task tokens in the history were minted with the server's key.
  auto key = storage::load_or_create_secret(dir, storage::kTaskTokenKeyFile);
  if (!key.ok()) {
    std::cerr << "stepd replay: " << key.status().message() << "\n";
    return 1;
  }
  stored->record.params.token_key = std::move(key).value();
  auto machine = asl::compile_text(definition);
  if (!machine.ok()) {
    std::cerr << "stepd replay: the state machine no longer compiles: " << machine.status().message() << "\n";
    return 1;
  }
  const auto& events = stored->events;
  bj::array steps;
  std::size_t shown = 0;
  auto folded = engine::fold(*machine, stored->record.params, events,
                             [&](std::size_t consumed, const engine::ExecutionState& s) {
                               bj::array step_events;
                               for (; shown < consumed; ++shown) {
                                 const auto& e = events[shown];
                                 if (as_json) {
                                   step_events.push_back(engine::to_history_json(e));
                                 } else {
                                   std::printf("%5lld  %-28s %s%s%s\n", static_cast<long long>(e.id),
                                               std::string(engine::event_type_name(e.type)).c_str(), e.name.c_str(),
                                               e.payload.empty() ? "" : "  ",
                                               e.payload.substr(0, 200).c_str());
                                 }
                               }
                               auto view = engine::describe(s);
                               if (as_json) {
                                 bj::object step;
                                 step["events"] = std::move(step_events);
                                 step["state"] = std::move(view);
                                 steps.push_back(std::move(step));
                               } else {
                                 std::printf("       -- %s\n", json::to_json(view).c_str());
                               }
                               return until <= 0 || (consumed > 0 && events[consumed - 1].id < until);
                             });
  if (!folded.ok()) {
    std::cerr << "stepd replay: " << folded.status().message() << "\n";
    return 1;
  }
  if (as_json) std::cout << json::to_json(steps) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    CLI::App app{"stepd: a self-hosted engine for AWS Step Functions workflows"};
    app.require_subcommand(1);

    RunArgs ra;
    auto* run = app.add_subcommand("run", "Run one execution in memory to completion");
    run->add_option("definition", ra.definition, "State machine definition (JSON file)")->required();
    auto* in = run->add_option("--input", ra.input, "Execution input as JSON text (default {})");
    run->add_option("--input-file", ra.input_file, "Read the execution input from a file")->excludes(in);
    run->add_option("--name", ra.name, "Execution name (default: a random UUID)");
    run->add_flag("--virtual-time", ra.virtual_time,
                  "Waits, retry backoff and timeouts pass at once; timestamps still advance");
    auto* mc = run->add_option("--mock-config", ra.mock_config, "Step Functions Local MockConfigFile for Task states");
    run->add_option("--test-case", ra.test_case, "Test case of the mock config to use")->needs(mc);
    run->add_flag("--json", ra.json, "Print one JSON object: status, output or error/cause, history");

    std::string vpath;
    auto* validate = app.add_subcommand("validate", "Validate a definition as ValidateStateMachineDefinition does");
    validate->add_option("definition", vpath, "State machine definition (JSON file)")->required();

    api::ServeOptions so;
    auto* serve = app.add_subcommand("serve", "Serve the Step Functions API (AWS JSON 1.0) over HTTP");
    serve->add_option("--port", so.port, "TCP port (default 8083)");
    serve->add_option("--bind", so.bind, "Address to listen on (default 127.0.0.1)");
    serve->add_option("--data", so.data_dir, "Data directory of the embedded LMDB store (default ./data)");
    serve->add_option("--region", so.region, "Region in ARNs (default us-east-1)");
    serve->add_option("--account", so.account, "Account id in ARNs (default 123456789012)");
    serve->add_option("--activity-poll-seconds", so.activity_poll_seconds,
                      "How long GetActivityTask waits for a task (default 60, as AWS)")
        ->check(CLI::Range(1, 60));
    serve->add_option("--worker-port", so.worker_port, "Port for remote actor workers (0: any; default: none)")
        ->check(CLI::Range(0, 65535));
    auto* wcert = serve->add_option("--worker-tls-cert", so.worker_tls_cert, "TLS certificate (PEM) for the worker port");
    serve->add_option("--worker-tls-key", so.worker_tls_key, "TLS private key (PEM)")->needs(wcert);
    serve->add_option("--worker-tls-ca", so.worker_tls_ca, "CA (PEM) that worker certificates must chain to")->needs(wcert);
    serve->add_option("--lambda-endpoint", so.lambda_endpoint,
                      "Lambda Invoke API base URL for lambda:invoke Tasks (default: AWS's)");
    serve->add_option("--service-endpoint", so.service_endpoints,
                      "SERVICE=URL for aws-sdk:SERVICE:* Tasks, e.g. dynamodb=http://127.0.0.1:8000 (repeatable)");
    serve->add_option("--log-level", so.log_level, "Server log level: debug (a line per API request), info, warn, error")
        ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
    serve->add_option("--log-format", so.log_format, "Server log lines on stderr: text or json")
        ->check(CLI::IsMember({"text", "json"}));
    auto* tcert = serve->add_option("--tls-cert", so.tls_cert, "TLS certificate chain (PEM): serve HTTPS");
    serve->add_option("--tls-key", so.tls_key, "TLS private key (PEM) of --tls-cert")->needs(tcert);
    tcert->needs(serve->get_option("--tls-key"));
    serve->add_option("--execution-log", so.execution_log,
                      "Write execution logs (each state machine's loggingConfiguration) as CloudWatch-style JSON "
                      "lines to this file, or - for stdout");
    serve->add_option("--s3-endpoint", so.s3_endpoint,
                      "S3 (or any S3-compatible server) for Distributed Map ItemReader/ResultWriter (default: AWS's)");
    serve->add_option("--auth", so.auth,
                      "none (default), or sigv4: API requests must be SigV4-signed by a key of --credentials; "
                      "the console and /metrics then want HTTP Basic (access key id, secret access key)")
        ->check(CLI::IsMember({"none", "sigv4"}));
    serve->add_option("--credentials", so.credentials,
                      "AWS shared-credentials file (INI, like ~/.aws/credentials) of the keys --auth sigv4 accepts");

    std::string data_dir, exec_arn;
    auto* history = app.add_subcommand("history", "Print an execution's history as GetExecutionHistory does");
    history->add_option("--data", data_dir, "The data directory of the store")->required();
    history->add_option("execution", exec_arn, "Execution ARN")->required();

    std::int64_t until = 0;
    bool replay_json = false;
    auto* replay = app.add_subcommand("replay", "Step through a recorded execution with the runtime's fold");
    replay->add_option("--data", data_dir, "The data directory of the store")->required();
    replay->add_option("execution", exec_arn, "Execution ARN")->required();
    replay->add_option("--until", until, "Stop after the decision that produced this event id");
    replay->add_flag("--json", replay_json, "Print the steps as one JSON array");

    cli::JsonataArgs ja;
    auto* jsonata_cmd = cli::add_jsonata_command(app, ja);

    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      int rc = app.exit(e);  // prints help or the error
      return rc == 0 ? 0 : 1;  // the contract: 1 whenever stepd could not do what was asked
    }
    if (run->parsed()) return cmd_run(ra);
    if (validate->parsed()) return cmd_validate(vpath);
    if (serve->parsed()) return api::serve(so);
    if (history->parsed()) return cmd_history(data_dir, exec_arn);
    if (replay->parsed()) return cmd_replay(data_dir, exec_arn, until, replay_json);
    if (jsonata_cmd->parsed()) return cli::cmd_jsonata(ja);
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "stepd: internal error: " << e.what() << "\n";
    return 2;
  }
}
