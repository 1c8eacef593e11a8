#pragma once
// A Distributed Map's ItemReader, the pure half: ReaderConfig, and the
// incremental parsers that turn an S3 object's bytes into items, chunk by
// chunk, the way AWS Step Functions reads them:
//   JSON   a JSON array, read element by element (only the element being
//          read is buffered, never the document);
//   JSONL  one JSON value per line; blank lines are skipped;
//   CSV    RFC 4180 records (quotes, "" escapes, quoted delimiters and line
//          breaks), the delimiter of CSVDelimiter; the header row (FIRST_ROW)
//          or CSVHeaders (GIVEN) names the fields; every value is a string;
//          a row's extra fields are dropped, missing ones are ""; each item
//          is an object whose members come in java.util.HashMap order, as
//          AWS writes them (recorded: {"0","{}","True"} for a header
//          "0,True,{}"). Empty lines are skipped.
// and list_object_item(), an S3 ListObjectsV2 entry as the item AWS makes
// of it. `item_source.h` feeds these from S3 with ranged GETs.
//
// Errors are States.ItemReaderFailed with AWS's recorded causes where AWS
// recorded one (see README.md). Pure, no I/O; a parser is one-thread-at-a-time.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "src/common/status.h"
#include "src/s3/requests.h"

namespace stepd::s3 {

namespace bj = boost::json;

// The error every ItemReader failure carries.
inline constexpr char kItemReaderFailed[] = "States.ItemReaderFailed";
// AWS stops reading after this many items whatever MaxItems says.
inline constexpr std::int64_t kMaxItemsCap = 100000000;

enum class InputType : unsigned char { kJson, kJsonl, kCsv };
enum class CsvHeaderLocation : unsigned char { kFirstRow, kGiven };

// An ItemReader's ReaderConfig, its values evaluated.
struct ReaderConfig {
  InputType input_type = InputType::kJson;
  CsvHeaderLocation csv_header_location = CsvHeaderLocation::kFirstRow;
  std::vector<std::string> csv_headers;  // GIVEN only
  char csv_delimiter = ',';              // COMMA , | PIPE | | SEMICOLON ; | SPACE ' ' | TAB \t
  std::int64_t max_items = 0;            // 0: every item (up to kMaxItemsCap)
};

// The ReaderConfig object as written in a definition, with MaxItems already
// a number (the caller resolves MaxItemsPath or a JSONata MaxItems). Absent
// fields keep their defaults. Errors: InvalidArgument naming the field
// (unknown InputType / CSVHeaderLocation / CSVDelimiter, CSVHeaders not an
// array of strings, MaxItems not an integer, GIVEN without CSVHeaders).
Result<ReaderConfig> reader_config_from_json(const bj::value& reader_config);

// What AWS checks when the Map Run starts reading: a negative MaxItems
// ("field MaxItems must be positive"), duplicate GIVEN headers ("CSV headers
// cannot contain duplicates."); both States.ItemReaderFailed.
Status check_reader_config(const ReaderConfig& config);

// How many items to read at most: max_items, or kMaxItemsCap when it is 0
// or above the cap. REQUIRES: check_reader_config(config) passed.
std::int64_t item_limit(const ReaderConfig& config);

// One step of a parser.
struct Pulled {
  enum Kind : unsigned char { kItem, kNeedMore, kEnd };
  Kind kind = kNeedMore;
  bj::value item;  // kItem only
};

struct ParserLimits {
  // The largest item (JSON element, JSONL line, CSV row) read; a larger one
  // fails the read, so that a malformed object cannot exhaust memory.
  std::size_t max_item_bytes = 1 << 20;
};

// Reads one object's bytes into items, incrementally.
//
//   feed(bytes)* ──finish()──> next() drains ──> kEnd
//          ^                     │
//          └──── kNeedMore ──────┘      any error: for good
//
// Memory: the bytes fed and not yet consumed, plus the item being read.
// A UTF-8 byte order mark at the start of the object is skipped.
class ItemParser {
 public:
  virtual ~ItemParser() = default;
  ItemParser(const ItemParser&) = delete;
  ItemParser& operator=(const ItemParser&) = delete;

  // Appends the object's next bytes. REQUIRES: finish() was not called.
  void feed(std::string_view bytes);
  // No byte follows what was fed.
  void finish() { finished_ = true; }
  // The next item; kNeedMore when what was fed ends inside one (feed more,
  // or finish()); kEnd after the last item. After an error every call
  // returns that error again.
  Result<Pulled> next();

 protected:
  explicit ItemParser(const ParserLimits& limits) : limits_(limits) {}
  // One step over pending(), consume()-ing what it used. Once finished(),
  // it never answers kNeedMore.
  virtual Result<Pulled> step() = 0;

  std::string_view pending() const { return std::string_view(buf_).substr(pos_); }
  void consume(std::size_t n) { pos_ += n; }
  bool finished() const { return finished_; }
  const ParserLimits& limits() const { return limits_; }

 private:
  ParserLimits limits_;
  std::string buf_;
  std::size_t pos_ = 0;  // bytes of buf_ consumed
  bool finished_ = false;
  bool bom_checked_ = false;
  Status error_;
};

// The parser for config.input_type. Errors: check_reader_config()'s.
Result<std::unique_ptr<ItemParser>> make_parser(const ReaderConfig& config, const ParserLimits& limits = {});

// {"Etag","Key","LastModified","Size","StorageClass"}: LastModified in
// seconds since the epoch, the ETag with its quotes, as the Step Functions
// Developer Guide shows a listObjectsV2 item.
bj::value list_object_item(const ObjectEntry& entry);

// The order in which java.util.HashMap iterates `keys` (distinct) put in
// this order into a new HashMap(): indexes into `keys`. Buckets of eight
// or more colliding keys in a table of 64 or more become trees in Java,
// whose order this does not follow.
std::vector<std::size_t> java_hash_map_order(const std::vector<std::string>& keys);

}  // namespace stepd::s3
