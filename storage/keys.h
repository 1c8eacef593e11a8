#pragma once
// Key layouts for stepd's LMDB tables: big-endian integers, so that LMDB's
// bytewise key order (memcmp, then length) is numeric order and a cursor walks
// one execution's history, the open executions or the timers in order.
//
// Encoders return the key bytes; decoders take a key read back from a table
// and return std::nullopt when its size is not the layout's (a corrupt or
// foreign key, never a stepd bug on the caller's side).
// Safe from any thread: pure functions.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stepd::storage::keys {

// LMDB's compile-time limit on a key (mdb_env_get_maxkeysize with the Debian
// build); a longer key makes mdb_put fail with MDB_BAD_VALSIZE.
constexpr std::size_t kMaxKeyBytes = 511;

inline void append_u64(std::string& out, std::uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out.append(b, 8);
}

// REQUIRES: p points at 8 readable bytes.
inline std::uint64_t read_u64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// executions, open executions, and every value that is a seq: 8 bytes.
inline std::string u64(std::uint64_t v) {
  std::string k;
  k.reserve(8);
  append_u64(k, v);
  return k;
}

inline std::optional<std::uint64_t> decode_u64(std::string_view k) {
  if (k.size() != 8) return std::nullopt;
  return read_u64(k.data());
}

// history: (execution_seq, event_id), 16 bytes.
struct EventKey {
  std::uint64_t seq = 0;
  std::uint64_t event_id = 0;
};

inline std::string event(std::uint64_t seq, std::uint64_t event_id) {
  std::string k;
  k.reserve(16);
  append_u64(k, seq);
  append_u64(k, event_id);
  return k;
}

inline std::optional<EventKey> decode_event(std::string_view k) {
  if (k.size() != 16) return std::nullopt;
  return EventKey{read_u64(k.data()), read_u64(k.data() + 8)};
}

// timers: (due_ms, execution_seq), 16 bytes, so "due by T" is a prefix walk.
struct TimerKey {
  std::uint64_t due_ms = 0;
  std::uint64_t seq = 0;
};

inline std::string timer(std::uint64_t due_ms, std::uint64_t seq) { return event(due_ms, seq); }

inline std::optional<TimerKey> decode_timer(std::string_view k) {
  auto e = decode_event(k);
  if (!e) return std::nullopt;
  return TimerKey{e->seq, e->event_id};
}

// State machine index: ARN, a 0 byte, start_ms, seq. The 0 byte (never in an
// ARN) ends the ARN so that one machine's keys are contiguous: without it,
// "...:stateMachine:a" + start time could sort among "...:stateMachine:ab".
struct MachineExecutionKey {
  std::string_view state_machine_arn;  // points into the decoded key
  std::uint64_t start_ms = 0;
  std::uint64_t seq = 0;
};

// Every key of one state machine starts with this.
inline std::string machine_prefix(std::string_view state_machine_arn) {
  std::string k;
  k.reserve(state_machine_arn.size() + 17);
  k.append(state_machine_arn);
  k.push_back('\0');
  return k;
}

inline std::string machine_execution(std::string_view state_machine_arn, std::uint64_t start_ms,
                                     std::uint64_t seq) {
  std::string k = machine_prefix(state_machine_arn);
  append_u64(k, start_ms);
  append_u64(k, seq);
  return k;
}

inline std::optional<MachineExecutionKey> decode_machine_execution(std::string_view k) {
  if (k.size() < 17 || k[k.size() - 17] != '\0') return std::nullopt;
  const char* tail = k.data() + k.size() - 16;
  return MachineExecutionKey{k.substr(0, k.size() - 17), read_u64(tail), read_u64(tail + 8)};
}

// Map Run children (map_run_executions): the machine index's layout with the
// Map Run ARN in place of the state machine ARN, so the same walk pages it.
inline std::string map_run_execution(std::string_view map_run_arn, std::uint64_t start_ms, std::uint64_t seq) {
  return machine_execution(map_run_arn, start_ms, seq);
}

// A 64-bit FNV-1a of `s`. Stored inside keys: never change it.
inline std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// Map Runs of one execution (execution_map_runs): parent execution ARN, a 0
// byte, start_ms, the FNV-1a of the Map Run ARN; the value holds the ARN
// itself. A hash rather than the ARN: a nested Map Run's ARN repeats its
// parents' state machine names and labels, and the two ARNs together could
// pass kMaxKeyBytes. The hash only orders Map Runs started in the same
// millisecond. Decode with decode_machine_execution (its seq is the hash).
inline std::string execution_map_run(std::string_view execution_arn, std::uint64_t start_ms,
                                     std::string_view map_run_arn) {
  return machine_execution(execution_arn, start_ms, fnv1a(map_run_arn));
}

// Child ends of a Map Run (map_run_children): the FNV-1a of the Map Run ARN,
// then the child's index, 16 bytes, so one Map Run's rows are contiguous and
// in index order. Beside them, the hash alone (8 bytes, sorting just before
// its rows) is the owner row, whose value is the ARN.
//
// Why a hash and an owner row: the ARN itself does not fit (a nested Map
// Run's ARN can pass kMaxKeyBytes on its own), and repeating the ARN in
// every row's value would store it a million times for a large run. The
// owner row stores it once: a read checks that the hash belongs to the ARN
// asked for, and a write refuses an ARN whose hash another one owns, so two
// Map Runs never mix their rows.
inline std::string map_run_children_owner(std::uint64_t arn_hash) { return u64(arn_hash); }

// REQUIRES: arn_hash is fnv1a(the Map Run ARN), computed once per batch.
inline std::string map_run_child(std::uint64_t arn_hash, std::uint64_t index) { return event(arn_hash, index); }

struct MapRunChildKey {
  std::uint64_t arn_hash = 0;
  std::uint64_t index = 0;
};

// std::nullopt for an owner row as for any key that is not 16 bytes.
inline std::optional<MapRunChildKey> decode_map_run_child(std::string_view k) {
  auto e = decode_event(k);
  if (!e) return std::nullopt;
  return MapRunChildKey{e->seq, e->event_id};
}

// String keys (execution ARN -> seq, task token -> bytes) are the string's
// bytes as they are: UTF-8 sorts bytewise in code point order.
inline std::string_view text(std::string_view s) { return s; }

}  // namespace stepd::storage::keys
