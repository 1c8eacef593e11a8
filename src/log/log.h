#pragma once
// stepd::log: the server's own log (not the execution logs of
// src/engine/execution_log.h): one line per event on stderr, as text for
// people or as JSON for log pipelines (`stepd serve --log-format json`),
// filtered by level (`--log-level`).
//
//   text: 2026-11-25T15:04:05.123Z info listening on http://127.0.0.1:8083 (data in ./data) port=8083
//   json: {"time":"2026-11-25T15:04:05.123Z","level":"info","message":"listening on ...","port":8083}
//
// spdlog does the writing, behind this header (log.cpp is its only includer):
// lines from many threads never interleave, and each is flushed as written.
// Safe from any thread. Never called by src/engine (it reads the clock).

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "src/common/status.h"

namespace stepd::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kText, kJson };

// "debug", "info", "warn" ("warning"), "error"; "text", "json".
Result<Level> parse_level(std::string_view name);
Result<Format> parse_format(std::string_view name);

// Until configure() runs: text, info and above, on stderr.
void configure(Level min_level, Format format);

// Whether a line at `level` would be written: test it before building an
// expensive message.
bool enabled(Level level);

// One key=value of a line: text (quoted in JSON) or a number.
struct Field {
  Field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, std::int64_t v) : key(k), value(std::to_string(v)), number(true) {}
  Field(std::string_view k, std::uint64_t v) : key(k), value(std::to_string(v)), number(true) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)), number(true) {}
  Field(std::string_view k, unsigned v) : key(k), value(std::to_string(v)), number(true) {}
  Field(std::string_view k, double v);
  std::string_view key;  // ASCII, no quotes or spaces
  std::string value;
  bool number = false;
};

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::kDebug, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::kInfo, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::kWarn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::kError, m, f); }

// The line write() would print, without its time and level: the JSON
// members after "level" (`"message":"...","k":v`) or the text after the
// level. Pure; for tests.
std::string render(Format format, std::string_view message, std::initializer_list<Field> fields);

}  // namespace stepd::log
