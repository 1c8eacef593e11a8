// The only TU that includes spdlog (see log.h).

#include "src/log/log.h"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "src/common/json.h"

namespace stepd::log {

namespace {

// The time and level columns; render() gives the rest (%v).
constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";
constexpr const char* kJsonPattern = R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})";

struct Logger {
  std::mutex mu;  // configure() against first use
  std::shared_ptr<spdlog::logger> logger;
  std::atomic<int> min_level{static_cast<int>(Level::kInfo)};
  std::atomic<Format> format{Format::kText};
};

Logger& the() {
  static Logger* l = new Logger;  // never destroyed: threads may log during exit
  return *l;
}

void set_pattern(Logger& l, Format format) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(
      format == Format::kJson ? kJsonPattern : kTextPattern, spdlog::pattern_time_type::utc, std::string("\n"));
  l.logger->set_formatter(std::move(formatter));
}

spdlog::logger& logger() {
  Logger& l = the();
  std::lock_guard<std::mutex> lock(l.mu);
  if (!l.logger) {
    l.logger = std::make_shared<spdlog::logger>("stepd", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l.logger->set_level(spdlog::level::trace);  // filtered by enabled() before
    l.logger->flush_on(spdlog::level::trace);   // every line, as written
    set_pattern(l, l.format);
  }
  return *l.logger;
}

spdlog::level::level_enum spd(Level level) {
  switch (level) {
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

bool plain_text(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v)
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return false;
  return true;
}

}  // namespace

Field::Field(std::string_view k, double v) : key(k), number(std::isfinite(v)) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  value = number ? buf : "NaN";
}

Result<Level> parse_level(std::string_view name) {
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warn" || name == "warning") return Level::kWarn;
  if (name == "error") return Level::kError;
  return Status::invalid("log level is debug, info, warn or error, not '" + std::string(name) + "'");
}

Result<Format> parse_format(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  return Status::invalid("log format is text or json, not '" + std::string(name) + "'");
}

void configure(Level min_level, Format format) {
  Logger& l = the();
  logger();  // made, so set_pattern() has something to change
  std::lock_guard<std::mutex> lock(l.mu);
  l.min_level = static_cast<int>(min_level);
  l.format = format;
  set_pattern(l, format);
}

bool enabled(Level level) { return static_cast<int>(level) >= the().min_level.load(std::memory_order_relaxed); }

std::string render(Format format, std::string_view message, std::initializer_list<Field> fields) {
  std::string out;
  out.reserve(message.size() + 32 * fields.size() + 16);
  if (format == Format::kJson) {
    out += "\"message\":";
    json::append_quoted(out, message);
    for (const Field& f : fields) {
      out += ',';
      json::append_quoted(out, f.key);
      out += ':';
      if (f.number)
        out += f.value;
      else
        json::append_quoted(out, f.value);
    }
    return out;
  }
  out.append(message);
  for (const Field& f : fields) {
    out += ' ';
    out.append(f.key);
    out += '=';
    if (f.number || plain_text(f.value))
      out += f.value;
    else
      json::append_quoted(out, f.value);  // spaces, quotes or control characters: JSON-quoted
  }
  return out;
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  try {
    std::string line = render(the().format.load(), message, fields);
    logger().log(spd(level), spdlog::string_view_t(line.data(), line.size()));
  } catch (...) {
    // A log line that cannot be written (allocation, a closed stderr) is dropped.
  }
}

}  // namespace stepd::log
