// libFuzzer target: the FlatBuffers values stepd reads back from LMDB: the
// history events (storage/event_codec.h) and the records of
// storage/lmdb_journal.cpp (executions, revisions, state machines,
// activities, Map Runs and their child ends). Every decoder runs the
// FlatBuffers Verifier before it reads, so bytes from a damaged store give
// a "corrupt ..." error, never a wild read. What decodes also survives a
// rewrite: encoding it and decoding that gives the same bytes again.
//
// The record decoders are internal to lmdb_journal.cpp, so this file
// includes it: the fuzzer then defines that file's symbols itself, and the
// linker takes nothing from stepd_storage's copy of it.
//
// Also the LMDB keys (storage/keys.h), which the cursors decode: what
// decodes encodes back to the same key.
//
// Input: byte 0 picks the decoder, the rest is the stored value (or key).
// It is handed over at an odd address, as LMDB (2-byte alignment at best)
// may.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "src/common/json.h"
#include "storage/keys.h"
#include "storage/lmdb_journal.cpp"  // NOLINT: for its internal decoders

using namespace stepd;

namespace {

[[noreturn]] void fail(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "flatbuffers_fuzz: %s\n first:  %s\n second: %s\n", what, a.c_str(), b.c_str());
  std::abort();
}

// decode(x) succeeded with `first`: encode(first) decodes, to the same bytes.
template <class T, class Encode, class Decode>
void check_stable(const T& first, Encode encode, Decode decode, const char* what) {
  const std::string bytes = encode(first);
  auto second = decode(bytes);
  if (!second.ok()) fail(what, "re-encoded record does not decode", second.status().message());
  const std::string again = encode(*second);
  if (again != bytes) fail(what, "re-encoding is not stable", "");
}

void event(std::string_view bytes) {
  auto e = storage::decode(bytes);
  if (!e.ok()) return;
  const std::string first = json::to_json(engine::to_history_json(*e));
  auto again = storage::decode(storage::encode(*e));
  if (!again.ok()) fail("an event that decodes does not decode once re-encoded", first, again.status().message());
  const std::string second = json::to_json(engine::to_history_json(*again));
  if (first != second) fail("a re-encoded event shows differently", first, second);
}

void key(std::string_view k) {
  namespace keys = storage::keys;
  const std::string bytes(k);
  if (auto v = keys::decode_u64(k); v && keys::u64(*v) != bytes) fail("u64 key", bytes, keys::u64(*v));
  if (auto e = keys::decode_event(k); e && keys::event(e->seq, e->event_id) != bytes) fail("event key", bytes, "");
  if (auto t = keys::decode_timer(k); t && keys::timer(t->due_ms, t->seq) != bytes) fail("timer key", bytes, "");
  if (auto m = keys::decode_machine_execution(k);
      m && keys::machine_execution(m->state_machine_arn, m->start_ms, m->seq) != bytes) {
    fail("machine execution key", bytes, "");
  }
  if (auto c = keys::decode_map_run_child(k); c && keys::map_run_child(c->arn_hash, c->index) != bytes) {
    fail("Map Run child key", bytes, "");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 65536) return -1;
  // At an odd address, as LMDB values may be.
  std::unique_ptr<char[]> buffer(new char[size + 1]);
  std::memcpy(buffer.get() + 1, data + 1, size - 1);
  const std::string_view bytes(buffer.get() + 1, size - 1);
  using namespace stepd::storage;
  switch (data[0] % 8) {
    case 0: event(bytes); break;
    case 1:
      if (auto r = decode_record(bytes); r.ok()) check_stable(*r, encode_record, decode_record, "execution");
      break;
    case 2:
      if (auto r = decode_revision(bytes); r.ok()) check_stable(*r, encode_revision, decode_revision, "revision");
      break;
    case 3:
      if (auto r = decode_machine(bytes); r.ok()) check_stable(*r, encode_machine, decode_machine, "state machine");
      break;
    case 4:
      if (auto r = decode_activity(bytes); r.ok()) check_stable(*r, encode_activity, decode_activity, "activity");
      break;
    case 5:
      if (auto r = decode_map_run(bytes); r.ok()) check_stable(*r, encode_map_run, decode_map_run, "Map Run");
      break;
    case 6: {
      std::string scratch;
      auto r = decode_child_end(7, bytes, scratch);
      if (!r.ok()) break;
      // What a journal stores: only the four ends (check_child_ends).
      if (!check_child_ends({*r}).ok()) break;
      auto encode = [](const MapRunChildEnd& e) {
        flb::FlatBufferBuilder fbb(256);
        encode_child_end(fbb, e);
        return bytes_of(fbb);
      };
      auto decode = [&scratch](std::string_view b) { return decode_child_end(7, b, scratch); };
      check_stable(*r, encode, decode, "Map Run child end");
      break;
    }
    case 7: key(bytes); break;
  }
  return 0;
}
