// The CSV parser behind make_parser() (item_reader.h).

#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "src/s3/parsers.h"

namespace stepd::s3 {

namespace {

// RFC 4180 records, byte by byte, so a chunk may end anywhere: the record
// being read lives in fields_ / field_, and every byte scanned is consumed.
// Records end at "\n", "\r\n" or "\r" outside quotes. Leniencies (RFC 4180
// calls these errors): a quote inside an unquoted field is kept as a
// character, and characters after a closing quote are appended to the field.
class CsvParser final : public ItemParser {
 public:
  CsvParser(const ReaderConfig& config, const ParserLimits& limits)
      : ItemParser(limits), delimiter_(config.csv_delimiter) {
    if (config.csv_header_location == CsvHeaderLocation::kGiven) set_headers(config.csv_headers);
  }

 private:
  enum class In : unsigned char { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };

  Result<Pulled> step() override {
    for (;;) {
      std::string_view p = pending();
      std::size_t i = 0;
      bool record_done = false;
      for (; i < p.size() && !record_done; ++i) record_done = scan(p[i]);
      consume(i);
      record_bytes_ += i;
      if (!record_done) {
        if (record_bytes_ > limits().max_item_bytes) return item_too_large("Row " + row_no(), limits());
        if (!finished()) return Pulled{};
        if (in_ == In::kQuoted) return reader_failed("Row " + row_no() + " of the CSV file has an unterminated quote");
        if (blank_) return Pulled{Pulled::kEnd, {}};
      }
      const bool blank = blank_;
      std::vector<std::string> fields = take_record();
      if (blank) continue;  // an empty line
      ++rows_;
      if (!have_headers_) {
        if (std::set<std::string>(fields.begin(), fields.end()).size() != fields.size()) {
          return reader_failed("CSV headers cannot contain duplicates.");
        }
        set_headers(std::move(fields));
        continue;
      }
      bj::object item;
      for (std::size_t k : order_) item.emplace(headers_[k], k < fields.size() ? std::move(fields[k]) : std::string());
      return Pulled{Pulled::kItem, std::move(item)};
    }
  }

  // Reads one byte; true when it ended the record.
  bool scan(char c) {
    if (after_cr_) {  // the '\n' of a "\r\n" belongs to the record before
      after_cr_ = false;
      if (c == '\n') return false;
    }
    switch (in_) {
      case In::kQuoted:
        if (c == '"') in_ = In::kQuoteInQuoted;
        else field_ += c;
        return false;
      case In::kQuoteInQuoted:
        if (c == '"') {  // "" inside quotes: one quote
          field_ += c;
          in_ = In::kQuoted;
          return false;
        }
        in_ = In::kUnquoted;
        break;
      case In::kFieldStart:
      case In::kUnquoted:
        break;
    }
    if (c == '\n' || c == '\r') {
      after_cr_ = c == '\r';
      return true;
    }
    blank_ = false;
    if (c == delimiter_) {
      fields_.push_back(std::move(field_));
      field_.clear();
      in_ = In::kFieldStart;
    } else if (c == '"' && in_ == In::kFieldStart) {
      in_ = In::kQuoted;
    } else {
      field_ += c;
      in_ = In::kUnquoted;
    }
    return false;
  }

  std::vector<std::string> take_record() {
    fields_.push_back(std::move(field_));
    field_.clear();
    std::vector<std::string> out = std::move(fields_);
    fields_.clear();
    in_ = In::kFieldStart;
    blank_ = true;
    record_bytes_ = 0;
    return out;
  }

  void set_headers(std::vector<std::string> headers) {
    headers_ = std::move(headers);
    order_ = java_hash_map_order(headers_);
    have_headers_ = true;
  }

  std::string row_no() const { return std::to_string(rows_ + 1); }

  const char delimiter_;
  bool have_headers_ = false;
  std::vector<std::string> headers_;
  std::vector<std::size_t> order_;  // the members' order in an item: java_hash_map_order(headers_)
  In in_ = In::kFieldStart;
  std::vector<std::string> fields_;  // the record's fields before field_
  std::string field_;                // the field being read
  bool blank_ = true;                // nothing but the line break read of this record
  bool after_cr_ = false;            // the last byte was a '\r' ending a record
  std::size_t record_bytes_ = 0;
  std::uint64_t rows_ = 0;  // non-empty records read, the header row included
};

}  // namespace

std::unique_ptr<ItemParser> make_csv_parser(const ReaderConfig& config, const ParserLimits& limits) {
  return std::make_unique<CsvParser>(config, limits);
}

}  // namespace stepd::s3
