// The JSON and JSONL parsers behind make_parser() (item_reader.h).

#include <string>

#include "src/common/json.h"
#include "src/s3/parsers.h"

namespace stepd::s3 {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// A JSON array, element by element: a scanner finds where the element at
// the front of pending() ends (a ',' or ']' outside strings and brackets),
// and only that element's text is parsed.
//
//   kStart ─'['─> kFirst ─']'──────────────────────> kDone
//                   │                                  ^
//                   └──> kElement ──> kAfter ─']'──────┘
//                          ^             │
//                          └──kNext<─','─┘
class JsonArrayParser final : public ItemParser {
 public:
  explicit JsonArrayParser(const ParserLimits& limits) : ItemParser(limits) {}

 private:
  enum class At : unsigned char { kStart, kFirst, kNext, kElement, kAfter, kDone };

  Result<Pulled> step() override {
    for (;;) {
      if (at_ == At::kElement) return element();
      std::string_view p = pending();
      std::size_t ws = 0;
      while (ws < p.size() && is_space(p[ws])) ++ws;
      consume(ws);
      p = pending();
      if (p.empty()) {
        if (!finished()) return Pulled{};
        if (at_ == At::kDone) return Pulled{Pulled::kEnd, {}};
        if (at_ == At::kStart) return reader_failed("Attempting to map over non-iterable node.");
        return invalid("the array does not end");
      }
      const char c = p.front();
      switch (at_) {
        case At::kStart:
          if (c != '[') {
            // Another JSON value is valid JSON but no list; anything else is no JSON.
            if (c == '{' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
              return reader_failed("Attempting to map over non-iterable node.");
            }
            return invalid(std::string("unexpected character '") + c + "'");
          }
          consume(1);
          at_ = At::kFirst;
          break;
        case At::kFirst:
          if (c == ']') {
            consume(1);
            at_ = At::kDone;
            break;
          }
          [[fallthrough]];
        case At::kNext:
          at_ = At::kElement;
          scan_ = 0;
          depth_ = 0;
          in_string_ = escaped_ = false;
          break;
        case At::kAfter:
          if (c != ',' && c != ']') return invalid(std::string("expected ',' or ']' after element ") + index());
          consume(1);
          at_ = c == ',' ? At::kNext : At::kDone;
          break;
        case At::kDone:
          return invalid("text follows the array");
        case At::kElement:
          break;
      }
    }
  }

  // Scans on from scan_; parses the element once its end is in sight.
  Result<Pulled> element() {
    std::string_view p = pending();
    for (; scan_ < p.size(); ++scan_) {
      const char c = p[scan_];
      if (in_string_) {
        if (escaped_) escaped_ = false;
        else if (c == '\\') escaped_ = true;
        else if (c == '"') in_string_ = false;
      } else if (c == '"') {
        in_string_ = true;
      } else if (c == '[' || c == '{') {
        ++depth_;
      } else if ((c == ']' || c == '}') && depth_ > 0) {
        --depth_;
      } else if (c == '}' || (depth_ == 0 && (c == ']' || c == ','))) {
        break;
      }
    }
    if (scan_ > limits().max_item_bytes) return item_too_large("Element " + index(), limits());
    if (scan_ == p.size()) {
      if (!finished()) return Pulled{};
      return invalid("the array does not end");
    }
    if (p[scan_] == '}') return invalid(std::string("unexpected '}' in element ") + index());
    std::string_view text = trim(p.substr(0, scan_));
    if (text.empty()) return invalid(std::string("element ") + index() + " is missing");
    auto v = json::parse(text);
    if (!v.ok()) return invalid(std::string("element ") + index() + ": " + v.status().message());
    consume(scan_);
    at_ = At::kAfter;
    ++elements_;
    return Pulled{Pulled::kItem, std::move(v).value()};
  }

  std::string index() const { return std::to_string(elements_); }

  static Status invalid(const std::string& why) { return reader_failed("The JSON file is not a valid JSON array: " + why); }

  At at_ = At::kStart;
  std::size_t scan_ = 0;  // kElement: bytes of pending() scanned so far
  int depth_ = 0;         // kElement: open brackets in the scanned bytes
  bool in_string_ = false;
  bool escaped_ = false;
  std::uint64_t elements_ = 0;  // elements read: the next one's index
};

// One JSON value per line ('\n', an optional '\r' before it); lines of
// only spaces are skipped.
class JsonlParser final : public ItemParser {
 public:
  explicit JsonlParser(const ParserLimits& limits) : ItemParser(limits) {}

 private:
  Result<Pulled> step() override {
    for (;;) {
      std::string_view p = pending();
      std::size_t nl = p.find('\n', scanned_);
      std::string_view line;
      if (nl == std::string_view::npos) {
        scanned_ = p.size();
        if (p.size() > limits().max_item_bytes) return item_too_large("Line " + line_no(), limits());
        if (!finished()) return Pulled{};
        if (p.empty()) return Pulled{Pulled::kEnd, {}};
        line = p;
        consume(p.size());
      } else {
        line = p.substr(0, nl);
        consume(nl + 1);
      }
      scanned_ = 0;
      ++lines_;
      line = trim(line);
      if (line.empty()) continue;
      auto v = json::parse(line);
      if (!v.ok()) {
        return reader_failed("Line " + std::to_string(lines_) + " of the JSONL file is not valid JSON: " +
                             v.status().message());
      }
      return Pulled{Pulled::kItem, std::move(v).value()};
    }
  }

  std::string line_no() const { return std::to_string(lines_ + 1); }

  std::size_t scanned_ = 0;  // bytes of pending() known to hold no '\n'
  std::uint64_t lines_ = 0;  // lines read
};

}  // namespace

std::unique_ptr<ItemParser> make_json_array_parser(const ParserLimits& limits) {
  return std::make_unique<JsonArrayParser>(limits);
}

std::unique_ptr<ItemParser> make_jsonl_parser(const ParserLimits& limits) {
  return std::make_unique<JsonlParser>(limits);
}

}  // namespace stepd::s3
