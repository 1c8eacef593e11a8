#pragma once
// The on-disk form of a history event: engine::Event <-> a HistoryEvent
// FlatBuffer (schema/history.fbs), the value stored under
// (execution_seq, event_id).
//
// Free functions, no shared state: safe from any thread. A builder passed in
// belongs to its caller (one thread at a time).

#include <string>
#include <string_view>

#include <flatbuffers/flatbuffer_builder.h>

#include "src/common/status.h"
#include "src/engine/event.h"

namespace stepd::storage {

// Clears `fbb` and builds the event in it; the bytes are
// fbb.GetBufferPointer() / fbb.GetSize() until fbb is next changed. Reusing
// one builder per writer saves the allocation that encode(e) pays each call.
//
// What is kept: type, ids, timestamp, frame; `name` on state events; `payload`
// on the types payload_key() names a member for; every details member. Members
// the schema has a field for are stored typed, any other member (unknown key,
// unexpected JSON type) as JSON text, so nothing the API would show is lost.
// A `name` on a non-state event is stored as details "name" (where
// to_history_json shows it); a payload on a type without payload_key() is not
// stored (to_history_json never shows it).
void encode(const engine::Event& e, flatbuffers::FlatBufferBuilder& fbb);

// As above, into a new string.
std::string encode(const engine::Event& e);

// Verifies `bytes` (any alignment; LMDB gives 2-byte aligned values) and
// rebuilds the event. For every event that follows engine/event.h (name on
// state events, payload where payload_key() names a member),
// decode(encode(e)) equals e member for member, details in the engine's
// member order; for any event, to_history_json of the two is equal.
// Errors: Code::kIo with a message starting "corrupt history event" for bytes
// that are not a well-formed HistoryEvent (truncated, bad offsets, unknown
// event type or details shape, mismatched shape). The verifier guarantees
// memory safety, not integrity: a flipped byte inside a string decodes to
// different text.
Result<engine::Event> decode(std::string_view bytes);

}  // namespace stepd::storage
