// Writes the seed corpus of flatbuffers_fuzz (tests/fuzz/make_corpus.py runs
// it): the history events of the definitions given on the command line,
// run by the engine with every task answered (succeeding, then failing)
// and every timer fired, plus one record of each kind and a few keys, all
// encoded as storage/ stores them, each file prefixed with
// flatbuffers_fuzz's decoder byte. Not a fuzz target.
//
//   flatbuffers_seeds OUT_DIR DEFINITION...

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "src/asl/machine.h"
#include "src/engine/engine.h"
#include "storage/lmdb_journal.cpp"  // NOLINT: for its internal encoders

using namespace stepd;

namespace {

std::string out_dir;
int written = 0;

void write(char decoder, const std::string& bytes) {
  std::string name = out_dir + "/seed-" + std::to_string(written++);
  std::ofstream(name, std::ios::binary) << decoder << bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: flatbuffers_seeds OUT_DIR DEFINITION...\n");
    return 2;
  }
  out_dir = argv[1];
  std::map<engine::EventType, int> per_type;
  for (int i = 2; i < argc; ++i) {
    auto machine = asl::compile_text(argv[i]);
    if (!machine.ok()) continue;
    engine::StartParams p;
    p.execution_name = "e" + std::to_string(i);
    p.execution_arn = "arn:aws:states:us-east-1:123456789012:execution:sm:" + p.execution_name;
    p.state_machine_name = "sm";
    p.state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:sm";
    p.role_arn = "arn:aws:iam::123456789012:role/r";
    p.input_text = R"({"items":[1,2],"a":{"b":"c"},"n":3})";
    p.start_ms = 1700000000000;
    p.seed = static_cast<std::uint64_t>(i);
    p.token_key = "seed key";
    auto started = engine::start(*machine, p);
    std::vector<engine::Event> events = started.decisions.events;
    std::vector<engine::Effect> effects = started.decisions.effects;
    for (int step = 0; step < 40 && !effects.empty(); ++step) {
      engine::Effect e = effects.front();
      effects.erase(effects.begin());
      engine::Fact f;
      f.now_ms = p.start_ms + 1000 * (step + 1);
      f.frame = e.frame;
      f.token = e.token;
      if (e.kind == engine::EffectKind::kInvokeTask) {
        f.kind = step % 3 == 2 ? engine::FactKind::kTaskFailed : engine::FactKind::kTaskSucceeded;
        f.output = boost::json::object{{"ok", step}};
        f.error = "States.TaskFailed";
        f.cause = "seed";
      } else if (e.kind == engine::EffectKind::kStartTimer) {
        f.kind = engine::FactKind::kTimerFired;
      } else {
        continue;
      }
      auto d = engine::decide(*started.state, f);
      events.insert(events.end(), d.events.begin(), d.events.end());
      effects.insert(effects.end(), d.effects.begin(), d.effects.end());
    }
    for (const auto& e : events) {
      if (per_type[e.type]++ < 3) write(0, storage::encode(e));
    }
    storage::ExecutionRecord r;
    r.seq = static_cast<std::uint64_t>(i);
    r.state_machine_arn = p.state_machine_arn;
    r.params = p;
    r.status = engine::status_name(engine::status(*started.state));
    r.output = engine::output_text(*started.state);
    r.error = engine::error(*started.state);
    r.cause = engine::cause(*started.state);
    r.revision_id = "rev" + std::to_string(i);
    r.redrive_count = i % 2;
    if (i < 5) write(1, storage::encode_record(r));
  }
  storage::RevisionRecord rev{"rev1", "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
                              argc > 2 ? argv[2] : "{}", "arn:aws:iam::123456789012:role/r", 1700000000000};
  write(2, storage::encode_revision(rev));
  storage::StateMachineRecord m;
  m.arn = rev.state_machine_arn;
  m.name = "sm";
  m.definition = rev.definition;
  m.role_arn = rev.role_arn;
  m.revision_id = "rev1";
  m.creation_ms = 1700000000000;
  m.logging_configuration = R"({"level":"ALL"})";
  m.tags = {{"k", "v"}, {"team", "x"}};
  m.versions = {{1, "rev1", "first", 1700000000001}, {2, "rev2", "", 1700000000002}};
  m.aliases = {{"live", "d", {{m.arn + ":1", 90}, {m.arn + ":2", 10}}, 1700000000003, 0}};
  m.next_version = 3;
  write(3, storage::encode_machine(m));
  storage::ActivityRecord a{"arn:aws:states:us-east-1:123456789012:activity:act", "act", 1700000000000,
                            {{"k", "v"}}, R"({"type":"AWS_OWNED_KEY"})"};
  write(4, storage::encode_activity(a));
  storage::MapRunRecord mr;
  mr.map_run_arn = "arn:aws:states:us-east-1:123456789012:mapRun:sm/m:1";
  mr.execution_arn = "arn:aws:states:us-east-1:123456789012:execution:sm:e";
  mr.start_ms = 1700000000000;
  mr.max_concurrency = 10;
  mr.tolerated_failure_percentage = 5.5;
  mr.item_counts.total = 3;
  mr.item_counts.succeeded = 2;
  write(5, storage::encode_map_run(mr));
  flatbuffers::FlatBufferBuilder fbb;
  storage::encode_child_end(fbb, storage::MapRunChildEnd{2, "FAILED", "", "E", "C", 1, 2});
  write(6, storage::bytes_of(fbb));
  storage::encode_child_end(fbb, storage::MapRunChildEnd{3, "SUCCEEDED", "{\"a\":1}", std::nullopt, std::nullopt, 1, 2});
  write(6, storage::bytes_of(fbb));
  write(7, storage::keys::u64(5));
  write(7, storage::keys::event(3, 7));
  write(7, storage::keys::machine_execution(m.arn, 1700000000000, 4));
  write(7, storage::keys::map_run_child(storage::keys::fnv1a(mr.map_run_arn), 9));
  std::printf("%d seeds\n", written);
  return 0;
}
